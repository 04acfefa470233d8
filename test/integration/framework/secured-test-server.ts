import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAPIServer, type APIServerConfig, type RunningAPIServer } from '../../../apiserver/main.ts';
import type { Storage } from '../../../apiserver/storage/interfaces.ts';
import { Clientset } from '../../../shared/client/clientset.ts';
import { loadKubeconfig } from '../../../shared/client/kubeconfig.ts';
import { RestClient } from '../../../shared/client/rest-client.ts';
import { writeKubeconfigFile } from './kubeconfig-file.ts';
import { createTestCA, createTestLeaf, EKU, type TestCertificate } from './test-certificates.ts';

/** Who a client is: a client certificate from the cluster CA, or a bearer token (static, ServiceAccount, bootstrap), or neither (anonymous). */
export interface TestIdentity {
  cert?: TestCertificate;
  token?: string;
}

export interface TestCallOptions extends TestIdentity {
  body?: unknown;
  headers?: Record<string, string>;
}

export interface SecuredTestServer extends RunningAPIServer {
  /** Temp dir holding the PKI files, kubeconfigs and (unless storage is given) the data dir; removed by close(). */
  dir: string;
  /** The cluster CA: signs the serving certificate and the client certificates the server accepts. */
  ca: TestCertificate;
  /** `CN=kubernetes-admin, O=system:masters`. */
  admin: TestCertificate;
  /** A client certificate from the cluster CA for a subject such as `CN=system:node:n1, O=system:nodes`. */
  clientCertificate(subject: string): Promise<TestCertificate>;
  /** A kubeconfig file (verifying the server against the CA) for the identity; `name` names the file. */
  kubeconfig(identity: TestIdentity, name?: string): string;
  /** A Clientset acting as the identity. */
  clientset(identity: TestIdentity): Clientset;
  /** One raw HTTPS request as the identity: status and body text. */
  call(method: string, path: string, opts?: TestCallOptions): Promise<{ status: number; body: string }>;
}

export interface SecuredTestServerOptions {
  storage?: Storage;
  /** Static tokens (`--token-auth-file`): token to user, groups and uid (default: the row number). */
  tokens?: Record<string, { user: string; groups?: string[]; uid?: string }>;
  /** Further API server settings (e.g. enableBootstrapTokenAuth, tokenSuccessCacheTTLMs). */
  config?: Partial<APIServerConfig>;
}

/**
 * An in-process API server on https://127.0.0.1:<free port> secured as a cluster's: a test CA, a serving
 * certificate for 127.0.0.1/localhost, client certificates from that CA (`--client-ca-file`), a ServiceAccount
 * signing key, optional static tokens, and so the default Node,RBAC authorization and admission chain.
 * `close()` stops it and removes its temp dir.
 */
export async function startSecuredTestServer(opts: SecuredTestServerOptions = {}): Promise<SecuredTestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'kubelab-secured-'));
  const ca = await createTestCA('CN=kubelab-test-ca');
  const serving = await createTestLeaf(ca, { subject: 'CN=kube-apiserver', usages: [EKU.serverAuth], ips: ['127.0.0.1'], dns: ['localhost'] });
  const admin = await createTestLeaf(ca, { subject: 'CN=kubernetes-admin, O=system:masters' });
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const files = { ca: join(dir, 'ca.crt'), cert: join(dir, 'apiserver.crt'), key: join(dir, 'apiserver.key'), sa: join(dir, 'sa.key'), tokens: join(dir, 'tokens.csv') };
  writeFileSync(files.ca, ca.certPem);
  writeFileSync(files.cert, serving.certPem);
  writeFileSync(files.key, serving.keyPem, { mode: 0o600 });
  writeFileSync(files.sa, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), { mode: 0o600 });
  const tokens = Object.entries(opts.tokens ?? {});
  if (tokens.length) {
    const rows = tokens.map(([t, u], i) => `${t},${u.user},${u.uid ?? i + 1}${u.groups?.length ? `,"${u.groups.join(',')}"` : ''}`);
    writeFileSync(files.tokens, rows.join('\n') + '\n', { mode: 0o600 });
  }
  let server: RunningAPIServer;
  try {
    server = await runAPIServer({
      host: '127.0.0.1',
      port: 0,
      dataDir: join(dir, 'data'),
      storage: opts.storage,
      tlsCertFile: files.cert,
      tlsKeyFile: files.key,
      clientCAFile: files.ca,
      serviceAccountSigningKeyFile: files.sa,
      ...(tokens.length ? { tokenAuthFile: files.tokens } : {}),
      logLevel: (process.env.KUBELAB_TEST_LOG as 'debug' | undefined) ?? 'warn',
      endpointReconciler: { type: 'none' },
      ...opts.config,
    });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }

  let n = 0;
  const kubeconfig = (identity: TestIdentity, name = `kubeconfig-${n++}`): string =>
    writeKubeconfigFile(join(dir, name), { server: server.url, caPem: ca.certPem, certPem: identity.cert?.certPem, keyPem: identity.cert?.keyPem, token: identity.token });
  const call: SecuredTestServer['call'] = (method, path, o = {}) =>
    new Promise((resolve, reject) => {
      const data = o.body === undefined ? undefined : JSON.stringify(o.body);
      const headers: Record<string, string> = { accept: 'application/json', ...(o.headers ?? {}) };
      if (data) headers['content-type'] ??= 'application/json';
      if (o.token) headers['authorization'] = `Bearer ${o.token}`;
      const r = httpsRequest(
        `${server.url}${path}`,
        { method, headers, ca: ca.certPem, cert: o.cert?.certPem, key: o.cert?.keyPem, agent: false, timeout: 10_000 },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        },
      );
      r.on('timeout', () => r.destroy(new Error('request timed out')));
      r.on('error', reject);
      r.end(data);
    });
  return {
    ...server,
    dir,
    ca,
    admin,
    clientCertificate: (subject) => createTestLeaf(ca, { subject }),
    kubeconfig,
    clientset: (identity) => new Clientset(new RestClient(loadKubeconfig({ path: kubeconfig(identity) }).options)),
    call,
    async close() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
