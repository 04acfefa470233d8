/**
 * API server -> node agent over TLS (--kubelet-client-certificate/-key, --kubelet-certificate-authority):
 * the agent's serving certificate is verified against the CA and the address dialled, the API server
 * authenticates with its client certificate, and there is no fallback to plain HTTP.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { CertificateAuthority } from '../../../../controller/certificates/authority/certificate-authority.ts';
import { NodeAuth } from '../../../../node-agent/server/node-auth.ts';
import { createCertificateRequest, parseCertificateRequest } from '../../../../shared/pki/certificate-request.ts';
import { generateEcPrivateKey } from '../../../../shared/pki/keys.ts';
import { createSelfSignedCertificate } from '../../../../shared/pki/self-signed.ts';
import { silentLogger } from '../../../../shared/util/log.ts';
import { startProxyTestEnv, type ProxyTestEnv } from './proxy-test-env.ts';

interface Pair {
  cert: Buffer;
  key: Buffer;
}

async function issue(ca: CertificateAuthority, cn: string, o: string[], usage: 'client auth' | 'server auth', ips: string[] = []): Promise<Pair> {
  const key = generateEcPrivateKey().pem;
  const req = parseCertificateRequest(await createCertificateRequest({ commonName: cn, organizations: o }, key, { ipAddresses: ips }));
  const cert = await ca.sign(req, { ttlMs: 3600_000, usages: ['digital signature', usage] });
  return { cert: Buffer.from(cert), key: Buffer.from(key) };
}

describe('pods/log to a node agent over TLS', () => {
  let env: ProxyTestEnv;
  let caPem: string;
  let apiClient: Pair;
  let otherCaPem: string;
  let serving: Pair;
  let elsewhere: Pair;
  const seen: string[] = [];

  before(async () => {
    const caPair = await createSelfSignedCertificate({ commonName: 'kubelab-ca', isCA: true });
    caPem = caPair.certPem;
    const ca = await CertificateAuthority.fromPem(caPair.certPem, caPair.keyPem);
    otherCaPem = (await createSelfSignedCertificate({ commonName: 'other-ca', isCA: true })).certPem;
    serving = await issue(ca, 'system:node:n1', ['system:nodes'], 'server auth', ['127.0.0.1']);
    elsewhere = await issue(ca, 'system:node:n2', ['system:nodes'], 'server auth', ['127.0.0.2']);
    apiClient = await issue(ca, 'kube-apiserver-kubelet-client', [], 'client auth');
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
    env = await startProxyTestEnv({ nodeTLS: { cert: serving.cert, key: serving.key, clientCA: caPem }, nodeAuth: auth });
  });
  after(async () => {
    await env.close();
  });

  test('with the kubelet client flags: HTTPS, the API server authenticated by its certificate', async () => {
    env.server.registry.kubeletTLS = { cert: apiClient.cert, key: apiClient.key, ca: Buffer.from(caPem) };
    const r = await env.api('GET', '/api/v1/namespaces/default/pods/web/log?container=app');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.text, 'one\ntwo\n');
    assert.deepEqual(seen, ['kube-apiserver-kubelet-client get nodes/proxy n1']);
  });

  test('exec over wss: the agent authorizes the API server with verb create; the session runs', async () => {
    env.server.registry.kubeletTLS = { cert: apiClient.cert, key: apiClient.key, ca: Buffer.from(caPem) };
    seen.length = 0;
    const frames = await new Promise<Buffer[]>((resolve, reject) => {
      const c = new WebSocket(`${env.server.url.replace(/^http/, 'ws')}/api/v1/namespaces/default/pods/web/exec?command=echo&command=hi&container=app&stdout=true`, ['v5.channel.k8s.io']);
      const out: Buffer[] = [];
      c.on('message', (d: Buffer) => out.push(d));
      c.on('close', () => resolve(out));
      c.on('error', reject);
    });
    assert.equal(frames.filter((f) => f[0] === 1).map((f) => f.subarray(1).toString()).join(''), 'hi\n');
    assert.deepEqual(JSON.parse(frames.filter((f) => f[0] === 3).map((f) => f.subarray(1).toString()).join('')), { metadata: {}, status: 'Success' });
    assert.deepEqual(seen, ['kube-apiserver-kubelet-client create nodes/proxy n1']);
  });

  test("an agent certificate the CA did not sign is refused, with no fallback to HTTP", async () => {
    env.server.registry.kubeletTLS = { cert: apiClient.cert, key: apiClient.key, ca: Buffer.from(otherCaPem) };
    const r = await env.api('GET', '/api/v1/namespaces/default/pods/web/log?container=app');
    assert.equal(r.status, 500);
    assert.match(r.json.message, /^Get "https:\/\/127\.0\.0\.1:\d+\/containerLogs\/default\/web\/app": .*(certificate|self-signed|verify)/i);
  });

  test('a serving certificate that does not name the address dialled is refused', async () => {
    // The agent at 127.0.0.1 presents a certificate the CA signed for another address (another node's, say).
    env.server.registry.kubeletTLS = { cert: apiClient.cert, key: apiClient.key, ca: Buffer.from(caPem) };
    env.node.updateTLS({ cert: elsewhere.cert, key: elsewhere.key });
    try {
      const r = await env.api('GET', '/api/v1/namespaces/default/pods/web/log?container=app');
      assert.equal(r.status, 500);
      assert.match(r.json.message, /IP: 127\.0\.0\.1 is not in the cert's list/);
    } finally {
      env.node.updateTLS({ cert: serving.cert, key: serving.key });
    }
  });

  test('without a client certificate the agent answers 401, passed on as a Status', async () => {
    env.server.registry.kubeletTLS = { ca: Buffer.from(caPem) };
    const r = await env.api('GET', '/api/v1/namespaces/default/pods/web/log?container=app');
    assert.equal(r.status, 401);
    assert.equal(r.json.message, 'Unauthorized');
  });

  test('without the kubelet flags the API server speaks plain HTTP, which an HTTPS agent does not answer', async () => {
    env.server.registry.kubeletTLS = undefined;
    const r = await env.api('GET', '/api/v1/namespaces/default/pods/web/log?container=app');
    assert.notEqual(r.status, 200);
  });
});
