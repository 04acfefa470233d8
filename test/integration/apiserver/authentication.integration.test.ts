/**
 * Authentication over real HTTPS with the real kubectl: an in-process API server on 127.0.0.1 with TLS, a
 * client CA, a static token file and a ServiceAccount signing key. Client certificates (`kubectl auth whoami`),
 * anonymous requests, invalid credentials (kube's 401 Status), impersonation (`kubectl --as`), TokenReview, and
 * (when ServiceAccounts are served) `kubectl create token` and the token it prints; on the embedded store and
 * on etcd.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { Etcd3Store } from '../../../apiserver/storage/etcd3/etcd3-store.ts';
import type { Storage } from '../../../apiserver/storage/interfaces.ts';
import { createTestCA, createTestLeaf, EKU } from '../framework/test-certificates.ts';
import { startEtcd } from '../framework/etcd.ts';
import { startTestServer } from '../framework/test-server.ts';
import { startSecuredTestServer, type SecuredTestServer } from '../framework/secured-test-server.ts';

const cleanups: (() => unknown)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

const UNAUTHORIZED = '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}';

type SecureServer = SecuredTestServer;

async function startSecureServer(storage?: Storage): Promise<SecureServer> {
  const s = await startSecuredTestServer({
    storage,
    tokens: { 'bob-token': { user: 'bob', uid: '1001', groups: ['dev'] } },
    config: { enableBootstrapTokenAuth: true, tokenSuccessCacheTTLMs: 0 },
  });
  cleanups.push(() => s.close());
  return s;
}

function kubectl(kubeconfig: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('kubectl', ['--kubeconfig', kubeconfig, ...args], { timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const adminUser = (s: SecureServer) => ({ cert: s.admin });

async function checkCertificatesAnonymousAndTokens(s: SecureServer): Promise<void> {
  // A client certificate from the CA: kubectl auth whoami prints its CN and O groups.
  const admin = s.kubeconfig(adminUser(s), 'admin.kubeconfig');
  const who = await kubectl(admin, ['auth', 'whoami']);
  assert.equal(who.code, 0, who.stderr);
  assert.match(who.stdout, /Username\s+kubernetes-admin/);
  assert.match(who.stdout, /Groups\s+\[system:masters system:authenticated\]/);
  const pods = await kubectl(admin, ['get', 'pods', '-A']);
  assert.equal(pods.code, 0, pods.stderr);

  // The static token user.
  const bob = await kubectl(s.kubeconfig({ token: 'bob-token' }), ['auth', 'whoami', '-o', 'json']);
  assert.equal(bob.code, 0, bob.stderr);
  assert.deepEqual(JSON.parse(bob.stdout).status.userInfo, { username: 'bob', uid: '1001', groups: ['dev', 'system:authenticated'] });

  // No credential: anonymous may read /healthz and /version (system:public-info-viewer), nothing else (RBAC's 403).
  assert.equal((await s.call('GET', '/healthz')).status, 200);
  assert.equal((await s.call('GET', '/version')).status, 200);
  const anon = await s.call('GET', '/api/v1/namespaces/default/pods');
  assert.equal(anon.status, 403);
  assert.equal(JSON.parse(anon.body).message, 'pods is forbidden: User "system:anonymous" cannot list resource "pods" in API group "" in the namespace "default"');
  const badTokenWhoami = await kubectl(s.kubeconfig({ token: 'not-a-valid-token' }), ['auth', 'whoami']);
  assert.notEqual(badTokenWhoami.code, 0);
  assert.match(badTokenWhoami.stderr, /Unauthorized/);

  // An invalid credential is 401 even on a public path (never anonymous).
  const bad = await s.call('GET', '/healthz', { token: 'no-such-token' });
  assert.equal(bad.status, 401);
  assert.equal(bad.body, UNAUTHORIZED);
  const other = await createTestCA('CN=someone-else');
  const foreign = await createTestLeaf(other, { subject: 'CN=kubernetes-admin, O=system:masters' });
  const foreignRes = await s.call('GET', '/api/v1/namespaces', { cert: foreign });
  assert.equal(foreignRes.status, 401);
  const serverOnly = await createTestLeaf(s.ca, { subject: 'CN=server-cert, O=system:masters', usages: [EKU.serverAuth] });
  assert.equal((await s.call('GET', '/api/v1/namespaces', { cert: serverOnly })).status, 401);
  assert.equal((await s.call('GET', '/api/v1/namespaces', { cert: s.admin })).status, 200);

  // Impersonation: system:masters may (no authorizer yet: only masters impersonate); bob may not.
  const as = await kubectl(admin, ['auth', 'whoami', '--as', 'jane', '--as-group', 'team-a', '-o', 'json']);
  assert.equal(as.code, 0, as.stderr);
  assert.deepEqual(JSON.parse(as.stdout).status.userInfo, { username: 'jane', groups: ['team-a', 'system:authenticated'] });
  const bobAs = await s.call('GET', '/api/v1/namespaces', { token: 'bob-token', headers: { 'Impersonate-User': 'jane' } });
  assert.equal(bobAs.status, 403);
  assert.equal(JSON.parse(bobAs.body).message, 'users "jane" is forbidden: User "bob" cannot impersonate resource "users" in API group "" at the cluster scope');

  // With RBAC: a ClusterRole granting impersonate on users and groups lets bob act as jane in team-a
  // (kubectl --as/--as-group), but not as a ServiceAccount.
  const role = await s.call('POST', '/apis/rbac.authorization.k8s.io/v1/clusterroles', {
    cert: s.admin,
    body: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'impersonator' }, rules: [{ apiGroups: [''], resources: ['users', 'groups'], verbs: ['impersonate'] }] },
  });
  assert.equal(role.status, 201, role.body);
  const binding = await s.call('POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
    cert: s.admin,
    body: {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'bob-impersonates' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'impersonator' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'bob' }],
    },
  });
  assert.equal(binding.status, 201, binding.body);
  const bobKubeconfig = s.kubeconfig({ token: 'bob-token' });
  let bobAsJane: Awaited<ReturnType<typeof kubectl>> | undefined;
  for (let i = 0; i < 50; i++) {
    // The RBAC index follows the watch caches: allow a moment for the binding to arrive.
    bobAsJane = await kubectl(bobKubeconfig, ['auth', 'whoami', '--as', 'jane', '--as-group', 'team-a', '-o', 'json']);
    if (bobAsJane.code === 0) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(bobAsJane?.code, 0, bobAsJane?.stderr);
  assert.deepEqual(JSON.parse(bobAsJane?.stdout ?? '{}').status.userInfo, { username: 'jane', groups: ['team-a', 'system:authenticated'] });
  const bobAsSA = await kubectl(bobKubeconfig, ['get', 'pods', '-n', 'default', '--as', 'system:serviceaccount:default:robot']);
  assert.notEqual(bobAsSA.code, 0);
  assert.match(bobAsSA.stderr, /serviceaccounts "robot" is forbidden: User "bob" cannot impersonate resource "serviceaccounts" in API group "" in the namespace "default"/);

  // TokenReview: the static token, an unknown token.
  const review = await s.call('POST', '/apis/authentication.k8s.io/v1/tokenreviews', {
    cert: s.admin,
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: 'bob-token' } },
  });
  assert.equal(review.status, 201, review.body);
  const rv = JSON.parse(review.body);
  assert.equal(rv.status.authenticated, true);
  assert.deepEqual(rv.status.user, { username: 'bob', uid: '1001', groups: ['dev', 'system:authenticated'] });
  const unknown = JSON.parse((await s.call('POST', '/apis/authentication.k8s.io/v1/tokenreviews', { cert: s.admin, body: { spec: { token: 'nope' } } })).body);
  assert.equal(unknown.status.authenticated, false);
  assert.equal(unknown.status.error, 'invalid bearer token');
  const empty = await s.call('POST', '/apis/authentication.k8s.io/v1/tokenreviews', { cert: s.admin, body: { spec: {} } });
  assert.equal(empty.status, 400);
  assert.equal(JSON.parse(empty.body).message, 'token is required for TokenReview in authentication');

  // Discovery lists the review APIs.
  const res = await kubectl(admin, ['api-resources', '--api-group', 'authentication.k8s.io', '-o', 'name']);
  assert.equal(res.code, 0, res.stderr);
  assert.deepEqual(res.stdout.trim().split('\n').sort(), ['selfsubjectreviews.authentication.k8s.io', 'tokenreviews.authentication.k8s.io']);
}

/** 201 when the token authenticates (SelfSubjectReview, allowed to every authenticated user), else 401. */
async function authenticatedStatus(s: SecureServer, token: string): Promise<number> {
  return (await s.call('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { token, body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } })).status;
}

async function checkServiceAccountTokens(s: SecureServer): Promise<void> {
  const admin = s.kubeconfig(adminUser(s), 'admin-sa.kubeconfig');
  // No ServiceAccount controller runs in-process: create `default` (and `robot`) by hand.
  for (const name of ['default', 'robot']) {
    const created = await kubectl(admin, ['create', 'serviceaccount', name, '-n', 'default']);
    assert.equal(created.code, 0, created.stderr);
  }
  const tok = await kubectl(admin, ['create', 'token', 'default', '-n', 'default']);
  assert.equal(tok.code, 0, tok.stderr);
  const token = tok.stdout.trim();
  const who = await kubectl(s.kubeconfig({ token }), ['auth', 'whoami', '-o', 'json']);
  assert.equal(who.code, 0, who.stderr);
  const info = JSON.parse(who.stdout).status.userInfo;
  assert.equal(info.username, 'system:serviceaccount:default:default');
  assert.deepEqual(info.groups, ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated']);
  assert.match(info.extra['authentication.kubernetes.io/credential-id'][0], /^JTI=/);
  // Without a binding the ServiceAccount may not list namespaces; with one (RBAC) it may.
  const refused = await kubectl(s.kubeconfig({ token }), ['get', 'namespaces', '-o', 'name']);
  assert.match(refused.stderr, /namespaces is forbidden: User "system:serviceaccount:default:default" cannot list resource "namespaces" in API group "" at the cluster scope/);
  assert.equal((await kubectl(admin, ['create', 'clusterrole', 'ns-reader', '--verb=list', '--resource=namespaces'])).code, 0);
  assert.equal((await kubectl(admin, ['create', 'clusterrolebinding', 'sa-ns-reader', '--clusterrole=ns-reader', '--serviceaccount=default:default'])).code, 0);
  let list = await kubectl(s.kubeconfig({ token }), ['get', 'namespaces', '-o', 'name']);
  for (let i = 0; i < 50 && list.code !== 0; i++) {
    await new Promise((r) => setTimeout(r, 100));
    list = await kubectl(s.kubeconfig({ token }), ['get', 'namespaces', '-o', 'name']);
  }
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, /namespace\/default/);
  assert.equal(await authenticatedStatus(s, token), 201);

  // A token for another audience is not for the API, but a TokenReview for that audience accepts it.
  const vault = (await kubectl(admin, ['create', 'token', 'default', '-n', 'default', '--audience', 'vault', '--duration', '20m'])).stdout.trim();
  assert.equal(await authenticatedStatus(s, vault), 401);
  const rv = JSON.parse((await s.call('POST', '/apis/authentication.k8s.io/v1/tokenreviews', { cert: s.admin, body: { spec: { token: vault, audiences: ['vault'] } } })).body);
  assert.equal(rv.status.authenticated, true);
  assert.equal(rv.status.user.username, 'system:serviceaccount:default:default');
  assert.deepEqual(rv.status.audiences, ['vault']);

  // Too short a duration: kube's validation message.
  const short = await kubectl(admin, ['create', 'token', 'default', '-n', 'default', '--duration', '5m']);
  assert.notEqual(short.code, 0);
  assert.match(short.stderr, /may not specify a duration less than 10 minutes/);

  // Bound to a pod: works while the pod exists, 401 once it is deleted, and still 401 after a pod of the same
  // name is created again (a new uid).
  const podBody = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'holder' }, spec: { serviceAccountName: 'default', containers: [{ name: 'c', image: 'busybox' }] } };
  const pod = await s.call('POST', '/api/v1/namespaces/default/pods', { cert: s.admin, body: podBody });
  assert.equal(pod.status, 201, pod.body);
  const bound = await kubectl(admin, ['create', 'token', 'default', '-n', 'default', '--bound-object-kind', 'Pod', '--bound-object-name', 'holder']);
  assert.equal(bound.code, 0, bound.stderr);
  const boundToken = bound.stdout.trim();
  const whoBound = await kubectl(s.kubeconfig({ token: boundToken }), ['auth', 'whoami', '-o', 'json']);
  assert.equal(whoBound.code, 0, whoBound.stderr);
  assert.deepEqual(JSON.parse(whoBound.stdout).status.userInfo.extra['authentication.kubernetes.io/pod-name'], ['holder']);
  assert.equal(await authenticatedStatus(s, boundToken), 201);
  const del = await s.call('DELETE', '/api/v1/namespaces/default/pods/holder?gracePeriodSeconds=0', { cert: s.admin });
  assert.equal(del.status, 200, del.body);
  assert.equal((await s.call('GET', '/api/v1/namespaces/default/pods/holder', { cert: s.admin })).status, 404);
  const afterDelete = await s.call('GET', '/api/v1/namespaces', { token: boundToken });
  assert.equal(afterDelete.status, 401);
  assert.equal(afterDelete.body, UNAUTHORIZED);
  assert.equal(await authenticatedStatus(s, boundToken), 401);
  assert.equal((await s.call('POST', '/api/v1/namespaces/default/pods', { cert: s.admin, body: podBody })).status, 201);
  assert.equal(await authenticatedStatus(s, boundToken), 401);

  // Binding robot's token to a pod that runs as default: kube's message.
  const wrong = await kubectl(admin, ['create', 'token', 'robot', '-n', 'default', '--bound-object-kind', 'Pod', '--bound-object-name', 'holder']);
  assert.notEqual(wrong.code, 0);
  assert.match(wrong.stderr, /cannot bind token for serviceaccount "robot" to pod running with different serviceaccount name\./);
  // Deleting the ServiceAccount invalidates its tokens.
  assert.equal((await s.call('DELETE', '/api/v1/namespaces/default/serviceaccounts/default', { cert: s.admin })).status, 200);
  assert.equal(await authenticatedStatus(s, token), 401);
}

async function checkBootstrapToken(s: SecureServer): Promise<void> {
  const secret = (name: string, data: Record<string, string>) => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: 'kube-system' },
    type: 'bootstrap.kubernetes.io/token',
    stringData: data,
  });
  const good = { 'token-id': 'abcdef', 'token-secret': '0123456789abcdef', 'usage-bootstrap-authentication': 'true', 'auth-extra-groups': 'system:bootstrappers:kubelab:node:n1' };
  const created = await s.call('POST', '/api/v1/namespaces/kube-system/secrets', { cert: s.admin, body: secret('bootstrap-token-abcdef', good) });
  assert.equal(created.status, 201, created.body);
  const who = await kubectl(s.kubeconfig({ token: 'abcdef.0123456789abcdef' }), ['auth', 'whoami', '-o', 'json']);
  assert.equal(who.code, 0, who.stderr);
  assert.deepEqual(JSON.parse(who.stdout).status.userInfo, {
    username: 'system:bootstrap:abcdef',
    groups: ['system:bootstrappers', 'system:bootstrappers:kubelab:node:n1', 'system:authenticated'],
  });
  assert.equal((await s.call('GET', '/api/v1/namespaces', { token: 'abcdef.0123456789abcdeX' })).status, 401);
  // Expired, or not for authentication: 401.
  const expired = { ...good, 'token-id': 'ghijkl', expiration: '2020-01-01T00:00:00Z' };
  assert.equal((await s.call('POST', '/api/v1/namespaces/kube-system/secrets', { cert: s.admin, body: secret('bootstrap-token-ghijkl', expired) })).status, 201);
  assert.equal((await s.call('GET', '/api/v1/namespaces', { token: 'ghijkl.0123456789abcdef' })).status, 401);
  const unused = { ...good, 'token-id': 'mnopqr', 'usage-bootstrap-authentication': 'false' };
  assert.equal((await s.call('POST', '/api/v1/namespaces/kube-system/secrets', { cert: s.admin, body: secret('bootstrap-token-mnopqr', unused) })).status, 201);
  assert.equal((await s.call('GET', '/api/v1/namespaces', { token: 'mnopqr.0123456789abcdef' })).status, 401);
  // Deleting the Secret revokes the token.
  assert.equal((await s.call('DELETE', '/api/v1/namespaces/kube-system/secrets/bootstrap-token-abcdef', { cert: s.admin })).status, 200);
  assert.equal((await s.call('GET', '/api/v1/namespaces', { token: 'abcdef.0123456789abcdef' })).status, 401);
}

test('authentication over HTTPS on the embedded store: client certificates, tokens, anonymous, impersonation, reviews', async () => {
  const s = await startSecureServer();
  await checkCertificatesAnonymousAndTokens(s);
  await checkServiceAccountTokens(s);
  await checkBootstrapToken(s);
});

test('authentication over HTTPS on etcd: ServiceAccount tokens and their bound objects, bootstrap tokens', async () => {
  const etcd = await startEtcd();
  cleanups.push(() => etcd.stop());
  const store = new Etcd3Store({ endpoints: [etcd.endpoint], prefix: `/kubelab-authn-${process.pid}` });
  cleanups.push(() => store.close());
  const s = await startSecureServer(store);
  const who = await kubectl(s.kubeconfig(adminUser(s)), ['auth', 'whoami']);
  assert.equal(who.code, 0, who.stderr);
  await checkServiceAccountTokens(s);
  await checkBootstrapToken(s);
});

test('the loopback dev server (no authentication flags): every request is a system:masters member, kubectl --as works', async () => {
  const server = await startTestServer();
  cleanups.push(() => server.close());
  const me = await kubectl(server.kubeconfig, ['auth', 'whoami', '-o', 'json']);
  assert.equal(me.code, 0, me.stderr);
  assert.deepEqual(JSON.parse(me.stdout).status.userInfo, { username: 'system:admin', groups: ['system:masters', 'system:authenticated'] });
  const as = await kubectl(server.kubeconfig, ['auth', 'whoami', '--as', 'system:serviceaccount:default:robot', '-o', 'json']);
  assert.equal(as.code, 0, as.stderr);
  assert.deepEqual(JSON.parse(as.stdout).status.userInfo, {
    username: 'system:serviceaccount:default:robot',
    groups: ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated'],
  });
});
