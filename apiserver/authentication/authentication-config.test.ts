import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IncomingMessage } from 'node:http';
import { StatusError } from '../../shared/errors/status-error.ts';
import {
  AuthenticationConfigError,
  anonymousAllowed,
  healthOnlyAuthenticationConfigYaml,
  loadAuthenticationConfiguration,
  parseAuthenticationConfiguration,
  resolveAnonymousAuthentication,
} from './authentication-config.ts';
import { authenticationChain } from './authenticator.ts';
import { parseTokenFile, tokenFileAuthenticator } from './token-file-authenticator.ts';

function refused(data: string, message: string): void {
  assert.throws(() => parseAuthenticationConfiguration(data), (e: unknown) => e instanceof AuthenticationConfigError && e.message === message, message);
}

test('authentication config: anonymous with conditions, in every served version, YAML or JSON', () => {
  for (const v of ['v1alpha1', 'v1beta1', 'v1']) {
    const c = parseAuthenticationConfiguration(`apiVersion: apiserver.config.k8s.io/${v}\nkind: AuthenticationConfiguration\nanonymous:\n  enabled: true\n  conditions:\n  - path: /livez\n  - path: "/readyz"\n`);
    assert.deepEqual(c, { apiVersion: `apiserver.config.k8s.io/${v}`, kind: 'AuthenticationConfiguration', anonymous: { enabled: true, conditions: [{ path: '/livez' }, { path: '/readyz' }] } });
  }
  const json = parseAuthenticationConfiguration('{"apiVersion":"apiserver.config.k8s.io/v1beta1","kind":"AuthenticationConfiguration","anonymous":{"enabled":false}}');
  assert.deepEqual(json.anonymous, { enabled: false });
  // No anonymous section, an empty jwt list: accepted, nothing configured.
  assert.deepEqual(parseAuthenticationConfiguration('apiVersion: apiserver.config.k8s.io/v1\nkind: AuthenticationConfiguration\njwt: []\n'), { apiVersion: 'apiserver.config.k8s.io/v1', kind: 'AuthenticationConfiguration' });
  // What kubelab up writes parses to health and version only.
  const up = parseAuthenticationConfiguration(healthOnlyAuthenticationConfigYaml());
  assert.deepEqual(up.anonymous?.conditions?.map((c) => c.path), ['/healthz', '/livez', '/readyz', '/version']);
});

test("authentication config: upstream's messages for invalid files", () => {
  refused('', 'empty config data');
  refused('  \n', 'empty config data');
  refused(
    'apiVersion: apiserver.config.k8s.io/v1beta1\nkind: AuthenticationConfiguration\nanonymous:\n  enabled: false\n  conditions:\n  - path: /livez\n',
    'anonymous.conditions: Invalid value: []apiserver.AnonymousAuthCondition{apiserver.AnonymousAuthCondition{Path:"/livez"}}: enabled should be set to true when conditions are defined',
  );
  // enabled missing is false: conditions still need it true.
  refused(
    'apiVersion: apiserver.config.k8s.io/v1alpha1\nkind: AuthenticationConfiguration\nanonymous:\n  conditions:\n  - path: /livez\n',
    'anonymous.conditions: Invalid value: []apiserver.AnonymousAuthCondition{apiserver.AnonymousAuthCondition{Path:"/livez"}}: enabled should be set to true when conditions are defined',
  );
  refused('apiVersion: apiserver.config.k8s.io/v1beta1\nkind: AuthorizationConfiguration\n', 'no kind "AuthorizationConfiguration" is registered for version "apiserver.config.k8s.io/v1beta1" in scheme "pkg/runtime/scheme.go:100"');
  refused('apiVersion: apiserver.config.k8s.io/v2\nkind: AuthenticationConfiguration\n', 'no kind "AuthenticationConfiguration" is registered for version "apiserver.config.k8s.io/v2" in scheme "pkg/runtime/scheme.go:100"');
  refused('apiVersion: apiserver.config.k8s.io/v1beta1\n', `Object 'Kind' is missing in '{"apiVersion":"apiserver.config.k8s.io/v1beta1"}'`);
  refused(
    'apiVersion: apiserver.config.k8s.io/v1beta1\nkind: AuthenticationConfiguration\nanonymus: {}\nanonymous:\n  enabled: true\n  conditions:\n  - path: /livez\n    method: GET\n',
    'strict decoding error: unknown field "anonymus", unknown field "anonymous.conditions[0].method"',
  );
  refused('apiVersion: apiserver.config.k8s.io/v1beta1\nkind: AuthenticationConfiguration\nanonymous:\n  enabled: "yes"\n', 'json: cannot unmarshal string into Go struct field AnonymousAuthConfig.anonymous.enabled of type bool');
});

test('authentication config: jwt authenticators are refused, saying kubelab does not support them', () => {
  refused(
    'apiVersion: apiserver.config.k8s.io/v1beta1\nkind: AuthenticationConfiguration\njwt:\n- issuer:\n    url: https://issuer.example\n    audiences: [kubelab]\n  claimMappings:\n    username:\n      claim: sub\n      prefix: ""\n',
    'jwt: Forbidden: jwt authenticators are not supported by kubelab (authenticate with client certificates, --token-auth-file, bootstrap tokens or ServiceAccount tokens)',
  );
});

test('authentication config: --anonymous-auth and a file with anonymous are mutually exclusive', () => {
  const withAnonymous = parseAuthenticationConfiguration('apiVersion: apiserver.config.k8s.io/v1beta1\nkind: AuthenticationConfiguration\nanonymous:\n  enabled: true\n');
  for (const flag of [true, false]) {
    assert.throws(() => resolveAnonymousAuthentication(flag, withAnonymous), { message: '--anonynous-auth flag cannot be set when anonymous field is configured in authentication configuration file' });
  }
  assert.deepEqual(resolveAnonymousAuthentication(undefined, withAnonymous), { enabled: true });
  // A file without anonymous leaves the flag in charge; neither: anonymous is on.
  const without = parseAuthenticationConfiguration('apiVersion: apiserver.config.k8s.io/v1beta1\nkind: AuthenticationConfiguration\n');
  assert.deepEqual(resolveAnonymousAuthentication(false, without), { enabled: false });
  assert.deepEqual(resolveAnonymousAuthentication(undefined, undefined), { enabled: true });
});

test('authentication config: conditions match exact paths only', () => {
  const a = resolveAnonymousAuthentication(undefined, parseAuthenticationConfiguration(healthOnlyAuthenticationConfigYaml()));
  for (const p of ['/healthz', '/livez', '/readyz', '/version']) assert.equal(anonymousAllowed(a, p), true, p);
  for (const p of ['/', '/api', '/api/v1/namespaces', '/readyz/etcd', '/healthz/', '/version/', '/livezz', '/api/v1/nodes/n1/proxy/anatomy/default/p']) {
    assert.equal(anonymousAllowed(a, p), false, p);
  }
  assert.equal(anonymousAllowed({ enabled: true }, '/api/v1/namespaces'), true);
  assert.equal(anonymousAllowed({ enabled: false }, '/healthz'), false);
});

test('authentication config: the chain answers 401 without credentials off the allowed paths, and ignores the query', async () => {
  const a = resolveAnonymousAuthentication(undefined, parseAuthenticationConfiguration(healthOnlyAuthenticationConfigYaml()));
  const chain = authenticationChain({ tokens: tokenFileAuthenticator(parseTokenFile('t-bob,bob,2\n')), apiAudiences: [], anonymous: a.enabled, anonymousPaths: a.paths });
  const req = (url: string, headers: Record<string, string> = {}) => ({ url, headers, socket: {} }) as unknown as IncomingMessage;
  assert.deepEqual(await chain.authenticate(req('/readyz?verbose')), { name: 'system:anonymous', groups: ['system:unauthenticated'] });
  assert.deepEqual(await chain.authenticate(req('/version')), { name: 'system:anonymous', groups: ['system:unauthenticated'] });
  for (const url of ['/api/v1/namespaces', '/api/v1/nodes/n1/proxy/anatomy/default/p', '/readyz/etcd']) {
    await assert.rejects(chain.authenticate(req(url)), (e: unknown) => e instanceof StatusError && e.code === 401 && e.status.message === 'Unauthorized' && e.status.reason === 'Unauthorized', url);
  }
  // Credentials still work everywhere.
  assert.deepEqual(await chain.authenticate(req('/api/v1/namespaces', { authorization: 'Bearer t-bob' })), { name: 'bob', uid: '2', groups: ['system:authenticated'] });
});

test('authentication config: loading a file, and a missing one', () => {
  const dir = mkdtempSync(join(tmpdir(), 'authn-config-'));
  try {
    const file = join(dir, 'authentication-config.yaml');
    writeFileSync(file, healthOnlyAuthenticationConfigYaml(['/healthz']));
    assert.deepEqual(loadAuthenticationConfiguration(file).anonymous, { enabled: true, conditions: [{ path: '/healthz' }] });
    assert.throws(() => loadAuthenticationConfiguration(join(dir, 'nope.yaml')), { message: `open ${join(dir, 'nope.yaml')}: no such file or directory` });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
