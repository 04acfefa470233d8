/**
 * Authorization end to end, in process: an API server with static tokens (several users and groups) and the
 * default `Node,RBAC` chain, the ClusterRole aggregation controller running against it, and the real kubectl:
 * `kubectl auth can-i` (SelfSubjectAccessReview, protobuf), `--list` (SelfSubjectRulesReview), kube's 403
 * messages on real requests, and `kubectl create rolebinding` (protobuf) refused as an escalation for a user
 * without `bind` and allowed for a member of system:masters.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSecuredTestServer, type SecuredTestServer } from '../../test/integration/framework/secured-test-server.ts';
import type { Clientset } from '../../shared/client/clientset.ts';
import { SharedInformerFactory } from '../../shared/cache/informer-factory.ts';
import { ClusterRoleAggregationController } from '../../controller/clusterroleaggregation/clusterrole-aggregation-controller.ts';

const work = mkdtempSync(join(tmpdir(), 'kubelab-authz-'));
let server: SecuredTestServer;
let admin: Clientset;
const stopControllers = new AbortController();
let controllerDone: Promise<void> | undefined;

const TOKENS: Record<string, { user: string; groups: string[] }> = {
  'admin-token': { user: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] },
  'alice-token': { user: 'alice', groups: ['system:authenticated'] },
  'bob-token': { user: 'bob', groups: ['system:authenticated'] },
  'ed-token': { user: 'ed', groups: ['system:authenticated', 'team-a-admins'] },
  'node1-token': { user: 'system:node:node-1', groups: ['system:nodes', 'system:authenticated'] },
  'node2-token': { user: 'system:node:node-2', groups: ['system:nodes', 'system:authenticated'] },
};

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function kubeconfigFor(token: string): string {
  return server.kubeconfig({ token }, `kubeconfig-${token}`);
}

function kubectl(token: string, args: string[], stdin?: string): Promise<Run> {
  const env = { ...process.env, KUBECONFIG: kubeconfigFor(token), HOME: work };
  return new Promise((resolve) => {
    const child = execFile('kubectl', ['--cache-dir', join(work, `cache-${token}`), '--request-timeout', '20s', ...args], { env, timeout: 30_000, encoding: 'utf8' }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
    if (stdin !== undefined) child.stdin?.end(stdin);
  });
}

/** One HTTPS request to the test server: status and parsed body. */
async function call(method: string, path: string, token: string | undefined, body?: unknown): Promise<{ status: number; json: Record<string, unknown> & { status?: Record<string, unknown> } }> {
  const res = await server.call(method, path, { token, body });
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(res.body) as Record<string, unknown>;
  } catch {
    json = { text: res.body };
  }
  return { status: res.status, json };
}

async function until(what: string, cond: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

before(async () => {
  server = await startSecuredTestServer({ tokens: TOKENS });
  admin = server.clientset({ token: 'admin-token' });
  const factory = new SharedInformerFactory(admin.client);
  const aggregation = new ClusterRoleAggregationController({ clientset: admin, informerFactory: factory });
  factory.start(stopControllers.signal);
  controllerDone = aggregation.run(stopControllers.signal);
  const clusterRoles = admin.resource({ group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterroles', kind: 'ClusterRole', namespaced: false });
  await until('view, edit and admin to be aggregated', async () => {
    const rules = await Promise.all(['view', 'edit', 'admin'].map(async (n) => ((await clusterRoles.get('', n)) as { rules?: unknown[] }).rules?.length ?? 0));
    const [view, edit, adminRules] = rules as [number, number, number];
    return view > 0 && edit > view && adminRules > edit;
  });
  for (const ns of ['team-a', 'team-b']) await admin.namespaces.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  const rolebindings = admin.resource({ group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'rolebindings', kind: 'RoleBinding', namespaced: true });
  await rolebindings.create({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'alice-view', namespace: 'team-a' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
    subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'alice' }],
  });
  await rolebindings.create({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'team-a-admins', namespace: 'team-a' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'admin' },
    subjects: [{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'team-a-admins' }],
  });
  // ServiceAccount admission needs the namespace's default ServiceAccount (no controller runs here).
  await admin.resource({ group: '', version: 'v1', resource: 'serviceaccounts', kind: 'ServiceAccount', namespaced: true }).create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: 'team-a' } });
  await admin.resource({ group: '', version: 'v1', resource: 'serviceaccounts', kind: 'ServiceAccount', namespaced: true }).create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: 'team-b' } });
  await admin.pods.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'team-a' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } });
});

after(async () => {
  stopControllers.abort();
  await controllerDone;
  await server?.close();
  rmSync(work, { recursive: true, force: true });
});

test('kubectl auth can-i: a user bound to view in one namespace', async () => {
  const cases: [string[], 'yes' | 'no'][] = [
    [['get', 'pods', '-n', 'team-a'], 'yes'],
    [['list', 'pods', '-n', 'team-a'], 'yes'],
    [['watch', 'pods', '-n', 'team-a'], 'yes'],
    [['get', 'pods/log', '-n', 'team-a'], 'yes'],
    [['create', 'pods', '-n', 'team-a'], 'no'],
    [['delete', 'pods', '-n', 'team-a'], 'no'],
    [['get', 'secrets', '-n', 'team-a'], 'no'],
    [['list', 'pods', '-n', 'team-b'], 'no'],
    [['list', 'pods', '--all-namespaces'], 'no'],
    [['list', 'nodes'], 'no'],
    [['create', 'selfsubjectaccessreviews.authorization.k8s.io'], 'yes'],
  ];
  for (const [args, want] of cases) {
    const r = await kubectl('alice-token', ['auth', 'can-i', ...args]);
    assert.equal(r.stdout.trim(), want, `alice can-i ${args.join(' ')}: rc=${r.code} ${r.stdout} ${r.stderr}`);
    assert.equal(r.code, want === 'yes' ? 0 : 1, `alice can-i ${args.join(' ')}`);
  }
  // A user with no bindings, and the admin.
  assert.equal((await kubectl('bob-token', ['auth', 'can-i', 'get', 'pods', '-n', 'team-a'])).stdout.trim(), 'no');
  assert.equal((await kubectl('admin-token', ['auth', 'can-i', '*', '*'])).stdout.trim(), 'yes');
  // --as: the admin impersonates alice (the chain authorizes `impersonate`); alice may not impersonate.
  assert.equal((await kubectl('admin-token', ['auth', 'can-i', 'list', 'pods', '-n', 'team-a', '--as', 'alice'])).stdout.trim(), 'yes');
  assert.equal((await kubectl('admin-token', ['auth', 'can-i', 'create', 'pods', '-n', 'team-a', '--as', 'alice'])).stdout.trim(), 'no');
  const asAdmin = await kubectl('alice-token', ['get', 'pods', '-n', 'team-a', '--as', 'kubernetes-admin']);
  assert.equal(asAdmin.code, 1);
  assert.match(asAdmin.stderr, /users "kubernetes-admin" is forbidden: User "alice" cannot impersonate resource "users" in API group "" at the cluster scope/);
});

test('node identities: only objects of pods bound to the node, with the Node authorizer reason', async () => {
  const secrets = admin.resource({ group: '', version: 'v1', resource: 'secrets', kind: 'Secret', namespaced: true });
  for (const name of ['mine', 'theirs']) await secrets.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'team-b' }, stringData: { k: 'v' } });
  const podOn = (name: string, node: string, secret: string) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'team-b' },
    spec: { nodeName: node, containers: [{ name: 'c', image: 'x' }], volumes: [{ name: 's', secret: { secretName: secret } }] },
  });
  await admin.pods.create(podOn('on-1', 'node-1', 'mine'));
  await admin.pods.create(podOn('on-2', 'node-2', 'theirs'));
  await until('node-1 to read its pod secret', async () => (await call('GET', '/api/v1/namespaces/team-b/secrets/mine', 'node1-token')).status === 200);
  const refused = await call('GET', '/api/v1/namespaces/team-b/secrets/theirs', 'node1-token');
  assert.equal(refused.status, 403);
  assert.equal(
    refused.json.message,
    'secrets "theirs" is forbidden: User "system:node:node-1" cannot get resource "secrets" in API group "" in the namespace "team-b": no relationship found between node \'node-1\' and this object',
  );
  assert.equal((await call('GET', '/api/v1/namespaces/team-b/secrets/theirs', 'node2-token')).status, 200);
  assert.equal((await call('GET', '/api/v1/namespaces/team-b/secrets', 'node1-token')).status, 403, 'no listing secrets');
  assert.equal((await call('GET', '/api/v1/pods?fieldSelector=spec.nodeName%3Dnode-1', 'node1-token')).status, 200);
  const allPods = await call('GET', '/api/v1/pods', 'node1-token');
  assert.equal(allPods.status, 403);
  assert.equal(allPods.json.message, 'pods is forbidden: User "system:node:node-1" cannot list resource "pods" in API group "" at the cluster scope: can only list/watch pods with spec.nodeName field selector');
  assert.equal((await call('GET', '/api/v1/namespaces/team-b/pods/on-1', 'node1-token')).status, 200);
  assert.equal((await call('GET', '/api/v1/namespaces/team-b/pods/on-2', 'node1-token')).status, 403);
  const r = await kubectl('node1-token', ['auth', 'can-i', 'get', 'secrets/mine', '-n', 'team-b']);
  assert.equal(r.stdout.trim(), 'yes', r.stderr);
  assert.equal((await kubectl('node1-token', ['auth', 'can-i', 'get', 'secrets/theirs', '-n', 'team-b'])).stdout.trim(), "no - no relationship found between node 'node-1' and this object");
});

test('real requests: allowed where bound, kube 403 messages elsewhere', async () => {
  const got = await kubectl('alice-token', ['get', 'pods', '-n', 'team-a', '-o', 'name']);
  assert.equal(got.code, 0, got.stderr);
  assert.equal(got.stdout, 'pod/web\n');
  const other = await kubectl('alice-token', ['get', 'pods', '-n', 'team-b']);
  assert.equal(other.code, 1);
  assert.equal(other.stderr.trim(), 'Error from server (Forbidden): pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "team-b"');
  const nodes = await kubectl('alice-token', ['get', 'nodes']);
  assert.equal(nodes.stderr.trim(), 'Error from server (Forbidden): nodes is forbidden: User "alice" cannot list resource "nodes" in API group "" at the cluster scope');
  const del = await kubectl('alice-token', ['delete', 'pod', 'web', '-n', 'team-a']);
  assert.equal(del.code, 1);
  assert.equal(del.stderr.trim(), 'Error from server (Forbidden): pods "web" is forbidden: User "alice" cannot delete resource "pods" in API group "" in the namespace "team-a"');
  const create = await kubectl('alice-token', ['create', 'configmap', 'x', '-n', 'team-a']);
  assert.equal(create.code, 1);
  assert.match(create.stderr, /configmaps is forbidden: User "alice" cannot create resource "configmaps" in API group "" in the namespace "team-a"/);
  // The 403 body: a Status with details {name, kind}.
  const res = await call('GET', '/api/v1/namespaces/team-b/pods/web/log', 'alice-token');
  assert.equal(res.status, 403);
  assert.equal(res.json.reason, 'Forbidden');
  assert.equal(res.json.message, 'pods "web" is forbidden: User "alice" cannot get resource "pods/log" in API group "" in the namespace "team-b"');
  assert.deepEqual(res.json.details, { name: 'web', kind: 'pods' });
  // Non-resource paths: discovery for every authenticated user; anything else refused with the path message.
  assert.equal((await call('GET', '/api', 'bob-token')).status, 200);
  const metrics = await call('GET', '/metrics', 'bob-token');
  assert.equal(metrics.status, 403);
  assert.equal(metrics.json.message, 'forbidden: User "bob" cannot get path "/metrics"');
  // Anonymous reaches only the public info (system:public-info-viewer).
  assert.equal((await call('GET', '/healthz', undefined)).status, 200);
});

test('kubectl auth can-i --list: the rules of the user in the namespace', async () => {
  const r = await kubectl('alice-token', ['auth', 'can-i', '--list', '-n', 'team-a']);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  assert.match(lines[0] ?? '', /^Resources\s+Non-Resource URLs\s+Resource Names\s+Verbs$/);
  assert.ok(lines.some((l) => /^pods\s+\[\]\s+\[\]\s+\[get list watch\]$/.test(l)), r.stdout);
  assert.ok(lines.some((l) => /^selfsubjectaccessreviews\.authorization\.k8s\.io\s+\[\]\s+\[\]\s+\[create\]$/.test(l)), r.stdout);
  assert.ok(lines.some((l) => /^\s+\[\/api\/\*\]\s+\[\]\s+\[get\]$/.test(l)), r.stdout);
  assert.ok(!lines.some((l) => /^secrets\s/.test(l)), r.stdout);
  const other = await kubectl('alice-token', ['auth', 'can-i', '--list', '-n', 'team-b']);
  assert.ok(!/^pods\s/m.test(other.stdout), other.stdout);
});

test('kubectl create rolebinding: escalation refused without bind, allowed within held permissions and for system:masters', async () => {
  // ed administers team-a: may bind view there (holds all of view's permissions) but not cluster-admin.
  const ok = await kubectl('ed-token', ['create', 'rolebinding', 'bob-view', '--clusterrole=view', '--user=bob', '-n', 'team-a']);
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(ok.stdout.trim(), 'rolebinding.rbac.authorization.k8s.io/bob-view created');
  await until('bob to read pods in team-a', async () => (await kubectl('bob-token', ['auth', 'can-i', 'list', 'pods', '-n', 'team-a'])).stdout.trim() === 'yes');

  const denied = await kubectl('ed-token', ['create', 'rolebinding', 'bob-admin', '--clusterrole=cluster-admin', '--user=bob', '-n', 'team-a']);
  assert.equal(denied.code, 1);
  assert.equal(
    denied.stderr.trim(),
    'error: failed to create rolebinding: rolebindings.rbac.authorization.k8s.io "bob-admin" is forbidden: user "ed" (groups=["system:authenticated" "team-a-admins"]) is attempting to grant RBAC permissions not currently held:\n' +
      '{APIGroups:["*"], Resources:["*"], Verbs:["*"]}\n{NonResourceURLs:["*"], Verbs:["*"]}',
  );
  // A Role granting more than ed holds is refused the same way (escalate).
  const role = await kubectl('ed-token', ['create', 'role', 'node-reader', '--verb=get', '--resource=nodes', '-n', 'team-a']);
  assert.equal(role.code, 1);
  assert.match(role.stderr, /roles\.rbac\.authorization\.k8s\.io "node-reader" is forbidden: user "ed" \(groups=\["system:authenticated" "team-a-admins"\]\) is attempting to grant RBAC permissions not currently held:\n\{APIGroups:\[""\], Resources:\["nodes"\], Verbs:\["get"\]\}/);
  // Outside team-a ed may not even create bindings.
  const elsewhere = await kubectl('ed-token', ['create', 'rolebinding', 'x', '--clusterrole=view', '--user=bob', '-n', 'team-b']);
  assert.match(elsewhere.stderr, /rolebindings\.rbac\.authorization\.k8s\.io is forbidden: User "ed" cannot create resource "rolebindings" in API group "rbac\.authorization\.k8s\.io" in the namespace "team-b"/);

  const byAdmin = await kubectl('admin-token', ['create', 'rolebinding', 'bob-admin', '--clusterrole=cluster-admin', '--user=bob', '-n', 'team-a']);
  assert.equal(byAdmin.code, 0, byAdmin.stderr);
  await until('bob to create pods in team-a', async () => (await kubectl('bob-token', ['auth', 'can-i', 'create', 'pods', '-n', 'team-a'])).stdout.trim() === 'yes');
  const crb = await kubectl('admin-token', ['create', 'clusterrolebinding', 'alice-nodes', '--clusterrole=system:node-proxier', '--user=alice']);
  assert.equal(crb.code, 0, crb.stderr);
  await until('alice to list nodes', async () => (await kubectl('alice-token', ['auth', 'can-i', 'list', 'nodes'])).stdout.trim() === 'yes');
  // ClusterRoles from kubectl (protobuf), aggregation included; the default NAME / CREATED AT table.
  const cr = await kubectl('admin-token', ['create', 'clusterrole', 'pod-reader', '--verb=get,list', '--resource=pods', '--resource-name=web']);
  assert.equal(cr.code, 0, cr.stderr);
  const agg = await kubectl('admin-token', ['create', 'clusterrole', 'team-agg', '--aggregation-rule=team=a']);
  assert.equal(agg.code, 0, agg.stderr);
  const stored = JSON.parse((await kubectl('admin-token', ['get', 'clusterrole', 'team-agg', '-o', 'json'])).stdout) as { aggregationRule?: unknown };
  assert.deepEqual(stored.aggregationRule, { clusterRoleSelectors: [{ matchLabels: { team: 'a' } }] });
  const reader = JSON.parse((await kubectl('admin-token', ['get', 'clusterrole', 'pod-reader', '-o', 'json'])).stdout) as { rules?: unknown };
  assert.deepEqual(reader.rules, [{ apiGroups: [''], resources: ['pods'], resourceNames: ['web'], verbs: ['get', 'list'] }]);
  const crTable = await kubectl('admin-token', ['get', 'clusterroles', 'pod-reader']);
  assert.match(crTable.stdout, /^NAME\s+CREATED AT\npod-reader\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n$/);
  const table = await kubectl('admin-token', ['get', 'rolebindings', '-n', 'team-a']);
  assert.match(table.stdout.split('\n')[0] ?? '', /^NAME\s+ROLE\s+AGE$/);
  assert.ok(/^bob-view\s+ClusterRole\/view\s+\d+s$/m.test(table.stdout), table.stdout);
});

test('SubjectAccessReview and LocalSubjectAccessReview for other users', async () => {
  const sarPath = '/apis/authorization.k8s.io/v1/subjectaccessreviews';
  const sar = await call('POST', sarPath, 'admin-token', {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SubjectAccessReview',
    spec: { user: 'alice', groups: ['system:authenticated'], resourceAttributes: { namespace: 'team-a', verb: 'list', resource: 'pods' } },
  });
  assert.equal(sar.status, 201);
  assert.equal(sar.json.status?.allowed, true);
  assert.equal(sar.json.status?.reason, 'RBAC: allowed by RoleBinding "alice-view/team-a" of ClusterRole "view" to User "alice"');
  // alice may not ask about others.
  const refused = await call('POST', sarPath, 'alice-token', { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { user: 'bob', resourceAttributes: { verb: 'list', resource: 'pods' } } });
  assert.equal(refused.status, 403);
  // ed (admin in team-a) may create LocalSubjectAccessReviews there.
  const lsar = await call('POST', '/apis/authorization.k8s.io/v1/namespaces/team-a/localsubjectaccessreviews', 'ed-token', {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'LocalSubjectAccessReview',
    metadata: { namespace: 'team-a' },
    spec: { user: 'bob', resourceAttributes: { namespace: 'team-a', verb: 'get', resource: 'secrets' } },
  });
  assert.equal(lsar.status, 201, JSON.stringify(lsar.json));
  assert.equal(lsar.json.status?.allowed, true);
});
