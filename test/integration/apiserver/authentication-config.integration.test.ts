/**
 * --authentication-config with anonymous conditions over real HTTPS, with the real kubectl: an in-process API
 * server secured as a cluster's, given the AuthenticationConfiguration `kubelab up` writes (anonymous only on
 * /healthz, /livez, /readyz and /version). Without credentials those answer and everything else (the API, a
 * node's proxy subresource) is kube's 401 Status; credentials still work everywhere; `kubectl version` works.
 * --anonymous-auth with a file that has `anonymous` refuses to start, with upstream's message; so do jwt
 * authenticators, which kubelab does not support.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { healthOnlyAuthenticationConfigYaml } from '../../../apiserver/authentication/authentication-config.ts';
import { startSecuredTestServer } from '../framework/secured-test-server.ts';

const cleanups: (() => unknown)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

const UNAUTHORIZED = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 };

function configFile(content: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'kubelab-authn-config-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'authentication-config.yaml');
  writeFileSync(file, content, { mode: 0o600 });
  return file;
}

function kubectl(kubeconfig: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('kubectl', ['--kubeconfig', kubeconfig, ...args], { timeout: 30_000 }, (err, stdout, stderr) => {
      if (err && (err as { code?: unknown }).code === 'ENOENT') throw new Error('kubectl not found: install it with deploy/install-deps.sh');
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

test('anonymous conditions: health and version answer without credentials, everything else is 401', async () => {
  const s = await startSecuredTestServer({
    tokens: { 'bob-token': { user: 'bob', uid: '1001' } },
    config: { authenticationConfigFile: configFile(healthOnlyAuthenticationConfigYaml()) },
  });
  cleanups.push(() => s.close());

  for (const path of ['/healthz', '/livez', '/readyz']) {
    const r = await s.call('GET', path);
    assert.deepEqual([r.status, r.body], [200, 'ok'], `anonymous GET ${path}`);
  }
  const version = await s.call('GET', '/version');
  assert.equal(version.status, 200, version.body);
  assert.match((JSON.parse(version.body) as { gitVersion: string }).gitVersion, /^v1\.\d+\.\d+/);

  // Not an exact condition path: 401 before authorization (system:anonymous would have been 403 by RBAC).
  for (const [method, path] of [
    ['GET', '/api/v1/namespaces'],
    ['GET', '/api'],
    ['GET', '/apis'],
    ['GET', '/readyz/ping'],
    ['GET', '/api/v1/nodes/n1/proxy/anatomy/default/p'],
    ['GET', '/api/v1/namespaces/default/pods/p/log'],
    ['POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews'],
  ] as const) {
    const r = await s.call(method, path, method === 'POST' ? { body: {} } : {});
    assert.equal(r.status, 401, `${method} ${path}: ${r.body}`);
    assert.deepEqual(JSON.parse(r.body), UNAUTHORIZED, `${method} ${path}`);
  }

  // Credentials work on every path, the exact-match paths included.
  const asAdmin = await s.call('GET', '/api/v1/namespaces', { cert: s.admin });
  assert.equal(asAdmin.status, 200, asAdmin.body);
  const asBob = await s.call('GET', '/api/v1/namespaces', { token: 'bob-token' });
  assert.equal(asBob.status, 403, asBob.body);
  assert.equal((JSON.parse(asBob.body) as { message: string }).message, 'namespaces is forbidden: User "bob" cannot list resource "namespaces" in API group "" at the cluster scope');
  assert.equal((await s.call('GET', '/readyz', { cert: s.admin })).status, 200);

  // The real kubectl: `kubectl version` works with credentials (the server version comes from /version).
  const admin = await kubectl(s.kubeconfig({ cert: s.admin }, 'admin'), ['version', '-o', 'json']);
  assert.equal(admin.code, 0, admin.stderr);
  assert.match((JSON.parse(admin.stdout) as { serverVersion: { gitVersion: string } }).serverVersion.gitVersion, /^v1\.\d+\.\d+/);
});

test('anonymous disabled in the file: 401 even on health; --anonymous-auth with the file refuses to start', async () => {
  const off = configFile('apiVersion: apiserver.config.k8s.io/v1beta1\nkind: AuthenticationConfiguration\nanonymous:\n  enabled: false\n');
  const s = await startSecuredTestServer({ config: { authenticationConfigFile: off } });
  cleanups.push(() => s.close());
  const r = await s.call('GET', '/healthz');
  assert.equal(r.status, 401, r.body);
  assert.deepEqual(JSON.parse(r.body), UNAUTHORIZED);
  assert.equal((await s.call('GET', '/healthz', { cert: s.admin })).status, 200);

  await assert.rejects(
    startSecuredTestServer({ config: { authenticationConfigFile: off, anonymousAuth: true, anonymousAuthFlagSet: true } }),
    { message: '--anonynous-auth flag cannot be set when anonymous field is configured in authentication configuration file' },
  );
  await assert.rejects(
    startSecuredTestServer({ config: { authenticationConfigFile: configFile('apiVersion: apiserver.config.k8s.io/v1beta1\nkind: AuthenticationConfiguration\njwt:\n- issuer:\n    url: https://issuer.example\n') } }),
    { message: /^jwt: Forbidden: jwt authenticators are not supported by kubelab/ },
  );
});
