/**
 * For the pods/log and pods/exec unit tests: an in-process apiserver plus a node streaming server on a fake
 * runtime (node-agent/streaming/testing), a Node `n1` pointing at it, and pods bound to it:
 * - `web`: containers `app` (running, restarted once) and `side`;
 * - `pending`: `app` waiting in ContainerCreating;
 * - `unbound`: not scheduled.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Pod } from '../../../../shared/api/core-v1.ts';
import { startTestServer, type TestServer } from '../../../../test/integration/framework/test-server.ts';
import type { ExecRequest } from '../../../../node-agent/cri/services.ts';
import { createNodeStreamingServer, type NodeStreamingServer } from '../../../../node-agent/streaming/node-streaming-server.ts';
import { FakeStreamServer, fakeStreamingRuntime } from '../../../../node-agent/streaming/testing/fake-stream-server.ts';
import type { AgentTLSOptions } from '../../../../node-agent/server/agent-listener.ts';
import { NodeAuth } from '../../../../node-agent/server/node-auth.ts';
import { CertificateAuthority } from '../../../../controller/certificates/authority/certificate-authority.ts';
import { createCertificateRequest, parseCertificateRequest } from '../../../../shared/pki/certificate-request.ts';
import { generateEcPrivateKey } from '../../../../shared/pki/keys.ts';
import { createSelfSignedCertificate } from '../../../../shared/pki/self-signed.ts';
import { silentLogger } from '../../../../shared/util/log.ts';
import type { KubeletClientTLS } from './proxy-node.ts';

export interface ProxyTestEnv {
  server: TestServer;
  node: NodeStreamingServer;
  streams: FakeStreamServer;
  execCalls: ExecRequest[];
  /** The app container's log file (append to it to feed a follow). */
  appLog: string;
  /** fetch against the apiserver. */
  api: ApiFetch;
  close(): Promise<void>;
}

export interface ProxyTestEnvOptions {
  /** The node agent serves HTTPS with this certificate (and checks requests with auth). */
  nodeTLS?: AgentTLSOptions;
  nodeAuth?: NodeAuth;
}

export type ApiFetch = (method: string, p: string, body?: unknown, contentType?: string) => Promise<{ status: number; text: string; json: any }>;

/** fetch against an apiserver at baseUrl: a JSON body (or none), the answer as status, text and JSON (undefined when not JSON). */
export function apiFetcher(baseUrl: string): ApiFetch {
  return async (method, p, body, contentType = 'application/json') => {
    const res = await fetch(baseUrl + p, { method, body: body === undefined ? undefined : JSON.stringify(body), headers: body === undefined ? {} : { 'content-type': contentType } });
    const text = await res.text();
    let json: any;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, text, json };
  };
}

export interface CertPair {
  cert: Buffer;
  key: Buffer;
}

/** The agent `n1` on HTTPS with NodeAuth and the API server's kubelet client certificate, as `kubelab up` runs them. */
export interface SecuredAgent {
  /** The agent's serving TLS: system:node:n1 for 127.0.0.1, client certificates checked against the CA. */
  tls: AgentTLSOptions;
  /** Allows kube-apiserver-kubelet-client only, recording `<user> <verb> nodes/<subresource> <node>` in `seen`. */
  auth: NodeAuth;
  /** The API server's client certificate (kube-apiserver-kubelet-client) and the CA. */
  kubeletTLS: KubeletClientTLS;
  caPem: string;
  /** A CA that signed none of these certificates. */
  otherCaPem: string;
  serving: CertPair;
  /** The API server's client pair (kube-apiserver-kubelet-client), as in kubeletTLS. */
  client: CertPair;
  /** Signs another certificate with the CA. */
  issue(cn: string, o: string[], usage: 'client auth' | 'server auth', ips?: string[]): Promise<CertPair>;
}

export async function securedAgent(seen: string[]): Promise<SecuredAgent> {
  const caPair = await createSelfSignedCertificate({ commonName: 'kubelab-ca', isCA: true });
  const ca = await CertificateAuthority.fromPem(caPair.certPem, caPair.keyPem);
  const otherCaPem = (await createSelfSignedCertificate({ commonName: 'other-ca', isCA: true })).certPem;
  const issue = async (cn: string, o: string[], usage: 'client auth' | 'server auth', ips: string[] = []): Promise<CertPair> => {
    const key = generateEcPrivateKey().pem;
    const req = parseCertificateRequest(await createCertificateRequest({ commonName: cn, organizations: o }, key, { ipAddresses: ips }));
    return { cert: Buffer.from(await ca.sign(req, { ttlMs: 3600_000, usages: ['digital signature', usage] })), key: Buffer.from(key) };
  };
  const serving = await issue('system:node:n1', ['system:nodes'], 'server auth', ['127.0.0.1']);
  const client = await issue('kube-apiserver-kubelet-client', [], 'client auth');
  const auth = new NodeAuth({
    nodeName: 'n1',
    accessReviewer: {
      async allowed(user, node, attrs) {
        seen.push(`${user.name} ${attrs.verb} nodes/${attrs.subresource} ${node}`);
        return user.name === 'kube-apiserver-kubelet-client';
      },
    },
    log: silentLogger(),
  });
  return {
    tls: { cert: serving.cert, key: serving.key, clientCA: caPair.certPem },
    auth,
    kubeletTLS: { cert: client.cert, key: client.key, ca: Buffer.from(caPair.certPem) },
    caPem: caPair.certPem,
    otherCaPem,
    serving,
    client,
    issue,
  };
}

export async function startProxyTestEnv(options: ProxyTestEnvOptions = {}): Promise<ProxyTestEnv> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kubelab-podproxy-'));
  const appLog = path.join(dir, 'app-1.log');
  const prevLog = path.join(dir, 'app-0.log');
  const sideLog = path.join(dir, 'side-0.log');
  fs.writeFileSync(appLog, '2026-01-02T03:04:05Z stdout F one\n2026-01-02T03:04:06Z stdout F two\n');
  fs.writeFileSync(prevLog, '2026-01-02T03:00:00Z stdout F previous\n');
  fs.writeFileSync(sideLog, '2026-01-02T03:04:05Z stderr F side\n');
  const streams = new FakeStreamServer();
  await streams.start();
  const execCalls: ExecRequest[] = [];
  const runtime = fakeStreamingRuntime(
    streams,
    {
      'c-app': { state: 'CONTAINER_RUNNING', logPath: appLog },
      'c-prev': { state: 'CONTAINER_EXITED', logPath: prevLog },
      'c-side': { state: 'CONTAINER_RUNNING', logPath: sideLog },
    },
    execCalls,
  );
  const server = await startTestServer();
  const api = apiFetcher(server.url);
  const must = async (method: string, p: string, body?: unknown, contentType?: string) => {
    const r = await api(method, p, body, contentType);
    if (r.status >= 300) throw new Error(`${method} ${p}: ${r.status} ${r.text}`);
    return r.json;
  };
  const node = await createNodeStreamingServer({
    runtime,
    listen: { host: '127.0.0.1', port: 0 },
    ...(options.nodeTLS ? { tls: options.nodeTLS } : {}),
    ...(options.nodeAuth ? { auth: options.nodeAuth } : {}),
    getPod: async (ns, name) => {
      const r = await api('GET', `/api/v1/namespaces/${ns}/pods/${name}`);
      return r.status === 200 ? (r.json as Pod) : undefined;
    },
  });
  await must('POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } });
  await must('PATCH', '/api/v1/nodes/n1/status', { status: { addresses: [{ type: 'Hostname', address: 'n1' }, { type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: node.port } } } }, 'application/merge-patch+json');
  const mkPod = async (name: string, containers: string[], bind: boolean, status?: object) => {
    await must('POST', '/api/v1/namespaces/default/pods', { metadata: { name }, spec: { containers: containers.map((c) => ({ name: c, image: 'busybox' })) } });
    if (bind) await must('POST', `/api/v1/namespaces/default/pods/${name}/binding`, { apiVersion: 'v1', kind: 'Binding', metadata: { name }, target: { kind: 'Node', name: 'n1' } });
    if (status) await must('PATCH', `/api/v1/namespaces/default/pods/${name}/status`, { status }, 'application/merge-patch+json');
  };
  const cs = (name: string, extra: object) => ({ name, ready: true, restartCount: 0, image: 'busybox', imageID: '', ...extra });
  await mkPod('web', ['app', 'side'], true, {
    phase: 'Running',
    containerStatuses: [
      cs('app', { restartCount: 1, containerID: 'containerd://c-app', state: { running: {} }, lastState: { terminated: { exitCode: 1, containerID: 'containerd://c-prev' } } }),
      cs('side', { containerID: 'containerd://c-side', state: { running: {} } }),
    ],
  });
  await mkPod('pending', ['app'], true, { phase: 'Pending', containerStatuses: [cs('app', { ready: false, state: { waiting: { reason: 'ContainerCreating' } } })] });
  await mkPod('unbound', ['app'], false);
  return {
    server,
    node,
    streams,
    execCalls,
    appLog,
    api,
    async close() {
      await node.close();
      await streams.close();
      await server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
