/**
 * The `kubelab console` and `kubelab console login` processes against a secured API server: the console prints its
 * URL, refuses a non-loopback address without TLS, and the printed sign-in link's token opens a session as the
 * ServiceAccount.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startSecuredTestServer, type SecuredTestServer } from '../test/integration/framework/secured-test-server.ts';

const WAIT_MS = 20_000;
const ext = fileURLToPath(import.meta.url).endsWith('.ts') ? '.ts' : '.js';
const MAIN = fileURLToPath(new URL(`./main${ext}`, import.meta.url));

function kubelab(args: string[]): ChildProcess {
  return spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Runs a kubelab command to its end: exit code, stdout, stderr. */
function runKubelab(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = kubelab(args);
    let stdout = '';
    let stderr = '';
    p.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
    p.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
    const t = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`kubelab ${args.join(' ')} did not end within ${WAIT_MS} ms: ${stderr}`));
    }, WAIT_MS);
    p.on('exit', (code) => {
      clearTimeout(t);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('kubelab console (the command)', () => {
  let api: SecuredTestServer;
  let proc: ChildProcess | undefined;
  let url = '';
  let adminKubeconfig = '';

  before(async () => {
    api = await startSecuredTestServer();
    const call = async (path: string, body: unknown) => {
      const r = await api.call('POST', path, { cert: api.admin, body });
      if (r.status >= 300) throw new Error(`${path}: ${r.status} ${r.body}`);
    };
    await call('/api/v1/namespaces/kube-system/serviceaccounts', { metadata: { name: 'kubelab-admin' } });
    await call('/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
      metadata: { name: 'kubelab-admin' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [{ kind: 'ServiceAccount', name: 'kubelab-admin', namespace: 'kube-system' }],
    });
    adminKubeconfig = api.kubeconfig({ cert: api.admin }, 'admin.kubeconfig');
    proc = kubelab(['console', '--kubeconfig', adminKubeconfig, '--port', '0', '--log-level', 'warn']);
    url = await new Promise<string>((resolve, reject) => {
      let out = '';
      let err = '';
      const t = setTimeout(() => reject(new Error(`kubelab console printed no URL within ${WAIT_MS} ms: ${out} ${err}`)), WAIT_MS);
      proc?.stderr?.on('data', (c: Buffer) => (err += c.toString()));
      proc?.stdout?.on('data', (c: Buffer) => {
        out += c.toString();
        const m = /^console: (http:\/\/127\.0\.0\.1:\d+\/)$/m.exec(out);
        if (m?.[1]) {
          clearTimeout(t);
          resolve(m[1]);
        }
      });
      proc?.on('exit', (code) => reject(new Error(`kubelab console exited (${code}): ${err}`)));
    });
  });

  after(async () => {
    if (proc && proc.exitCode === null) {
      const exited = new Promise((r) => proc?.once('exit', r));
      proc.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (proc.exitCode === null) proc.kill('SIGKILL');
    }
    await api?.close();
  });

  test('it serves on loopback and answers 401 without credentials', async () => {
    const r = await fetch(`${url}api/v1/pods`);
    assert.equal(r.status, 401);
    assert.equal(((await r.json()) as { reason?: string }).reason, 'Unauthorized');
  });

  test('console login prints a sign-in link whose token signs in as kube-system/kubelab-admin', async () => {
    const r = await runKubelab(['console', 'login', '--kubeconfig', adminKubeconfig, '--url', url]);
    assert.equal(r.code, 0, r.stderr);
    const link = r.stdout.trim();
    assert.ok(link.startsWith(`${url}#token=`), link.slice(0, 60));
    const token = decodeURIComponent(link.slice(link.indexOf('#token=') + '#token='.length));
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as { exp: number; iat: number };
    assert.equal(claims.exp - claims.iat, 3600, 'a 1 h token');
    const login = await fetch(`${url}login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) });
    assert.equal(login.status, 200);
    assert.equal(((await login.json()) as { user: string }).user, 'system:serviceaccount:kube-system:kubelab-admin');
  });

  test('a non-loopback address without TLS is refused', async () => {
    const r = await runKubelab(['console', '--kubeconfig', adminKubeconfig, '--address', '0.0.0.0']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--address 0\.0\.0\.0 is not a loopback address: beyond loopback the console serves only HTTPS/);
  });
});
