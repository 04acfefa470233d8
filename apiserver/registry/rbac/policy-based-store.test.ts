import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../shared/api/meta.ts';
import { StatusError } from '../../../shared/errors/status-error.ts';
import { realClock } from '../../../shared/util/clock.ts';
import { EmbeddedStore } from '../../storage/embedded/embedded-store.ts';
import { Registry } from '../registry.ts';
import { setupAuthorization, type ServerAuthorization } from '../../authorization/setup.ts';
import { reconcileBootstrapPolicy } from '../../authorization/rbac/bootstrap-reconciler.ts';
import type { UserInfo } from '../../authentication/user-info.ts';
import type { GenericStore } from '../generic/store.ts';
import { everything } from '../generic/selection.ts';

/** Escalation prevention through the real registry and authorizer chain (embedded store in memory). */

const G = 'rbac.authorization.k8s.io';
let storage: EmbeddedStore;
let registry: Registry;
let authz: ServerAuthorization;
const store = (r: string): GenericStore => registry.stores.get(r) as GenericStore;

const master: UserInfo = { name: 'root', groups: ['system:masters', 'system:authenticated'] };
const ed: UserInfo = { name: 'ed', groups: ['system:authenticated', 'editors'] };

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(cond());
}

before(async () => {
  storage = EmbeddedStore.open({ path: ':memory:' });
  registry = new Registry(storage, realClock);
  await registry.start();
  authz = await setupAuthorization(registry, ['Node', 'RBAC']);
  await store('namespaces').create(undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } });
  // ed may manage roles and bindings in `team` and read pods there; nothing else.
  await store('roles').create('team', {
    apiVersion: `${G}/v1`,
    kind: 'Role',
    metadata: { name: 'rbac-manager' },
    rules: [
      // Not `*`: that would include escalate and bind.
      { verbs: ['create', 'get', 'list', 'update', 'patch', 'delete'], apiGroups: [G], resources: ['roles', 'rolebindings'] },
      { verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] },
    ],
  });
  await store('rolebindings').create('team', {
    apiVersion: `${G}/v1`,
    kind: 'RoleBinding',
    metadata: { name: 'editors' },
    roleRef: { apiGroup: G, kind: 'Role', name: 'rbac-manager' },
    subjects: [{ kind: 'Group', name: 'editors' }],
  });
  await until(() => authz.index.role('team', 'rbac-manager') !== undefined && authz.index.rulesFor(ed, 'team').rules.length > 2);
});

after(async () => {
  authz.stop();
  await registry.stop();
  await storage.close();
});

async function refused(p: Promise<unknown>): Promise<StatusError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof StatusError, String(e));
    return e;
  }
  assert.fail('expected a refusal');
}

test('bootstrap policy: the default roles and bindings exist after start', async () => {
  const names = (await store('clusterroles').list(undefined, { predicate: everything })).items.map((o) => o.metadata.name);
  for (const n of ['cluster-admin', 'admin', 'edit', 'view', 'system:basic-user', 'system:discovery', 'system:public-info-viewer', 'system:node', 'system:kube-controller-manager', 'system:kube-scheduler', 'system:controller:clusterrole-aggregation-controller']) {
    assert.ok(names.includes(n), n);
  }
  const crb = await store('clusterrolebindings').get(undefined, 'cluster-admin');
  assert.deepEqual((crb as { subjects?: unknown }).subjects, [{ kind: 'Group', apiGroup: G, name: 'system:masters' }]);
  const node = await store('clusterrolebindings').get(undefined, 'system:node');
  assert.equal(((node as { subjects?: unknown[] }).subjects ?? []).length, 0, 'system:node is bound to no one');
  assert.equal((await store('roles').get('kube-system', 'system:controller:token-cleaner')).metadata.name, 'system:controller:token-cleaner');
});

test('bootstrap reconcile adds missing rules to autoupdate roles and leaves others alone', async () => {
  await store('clusterroles').update(undefined, 'system:discovery', (cur) => ({ ...(cur as KubeObject), rules: [{ verbs: ['get'], nonResourceURLs: ['/api'] }] }));
  await store('clusterroles').update(undefined, 'system:heapster', (cur) => {
    const o = cur as KubeObject;
    return { ...o, metadata: { ...o.metadata, annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'false' } }, rules: [] };
  });
  await reconcileBootstrapPolicy({ roles: store('roles'), clusterRoles: store('clusterroles'), roleBindings: store('rolebindings'), clusterRoleBindings: store('clusterrolebindings') });
  const discovery = (await store('clusterroles').get(undefined, 'system:discovery')) as unknown as { rules: { nonResourceURLs?: string[] }[] };
  const urls = discovery.rules.flatMap((r) => r.nonResourceURLs ?? []);
  assert.ok(urls.includes('/api') && urls.includes('/healthz') && urls.includes('/version'), JSON.stringify(urls));
  assert.deepEqual((await store('clusterroles').get(undefined, 'system:heapster') as { rules?: unknown[] }).rules ?? [], []);
});

test('a Role with permissions the writer lacks is refused with kube message; within them it is created', async () => {
  const e = await refused(
    store('roles').create('team', { apiVersion: `${G}/v1`, kind: 'Role', metadata: { name: 'too-much' }, rules: [{ verbs: ['get', 'delete'], apiGroups: [''], resources: ['pods', 'secrets'] }] }, { user: ed }),
  );
  assert.equal(e.status.code, 403);
  assert.equal(
    e.status.message,
    'roles.rbac.authorization.k8s.io "too-much" is forbidden: user "ed" (groups=["system:authenticated" "editors"]) is attempting to grant RBAC permissions not currently held:\n' +
      '{APIGroups:[""], Resources:["pods"], Verbs:["delete"]}\n{APIGroups:[""], Resources:["secrets"], Verbs:["get" "delete"]}',
  );
  assert.deepEqual(e.status.details, { name: 'too-much', group: G, kind: 'roles' });
  const ok = await store('roles').create('team', { apiVersion: `${G}/v1`, kind: 'Role', metadata: { name: 'pod-reader' }, rules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }] }, { user: ed });
  assert.equal(ok.metadata.name, 'pod-reader');
  // An update that adds a permission is refused too; one that only touches finalizers is not checked.
  await refused(store('roles').update('team', 'pod-reader', (cur) => ({ ...(cur as KubeObject), rules: [{ verbs: ['*'], apiGroups: [''], resources: ['pods'] }] }), { user: ed }));
  const { object } = await store('roles').update('team', 'pod-reader', (cur) => ({ ...(cur as KubeObject), metadata: { ...(cur as KubeObject).metadata, finalizers: ['x/y'] } }), { user: ed });
  assert.deepEqual(object.metadata.finalizers, ['x/y']);
  // system:masters is never checked.
  await store('roles').create('team', { apiVersion: `${G}/v1`, kind: 'Role', metadata: { name: 'all' }, rules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }] }, { user: master });
});

test('a binding to a role the writer does not fully hold needs bind; escalate lets roles through', async () => {
  const rb = (name: string, roleKind: string, role: string): KubeObject => ({
    apiVersion: `${G}/v1`,
    kind: 'RoleBinding',
    metadata: { name },
    roleRef: { apiGroup: G, kind: roleKind, name: role },
    subjects: [{ kind: 'User', name: 'bob' }],
  });
  await store('rolebindings').create('team', rb('bob-pods', 'Role', 'pod-reader'), { user: ed });
  const e = await refused(store('rolebindings').create('team', rb('bob-all', 'Role', 'all'), { user: ed }));
  assert.match(e.status.message ?? '', /^rolebindings\.rbac\.authorization\.k8s\.io "bob-all" is forbidden: user "ed" .* attempting to grant RBAC permissions not currently held:\n\{APIGroups:\["\*"\], Resources:\["\*"\], Verbs:\["\*"\]\}$/);
  const missing = await refused(store('rolebindings').create('team', rb('bob-missing', 'ClusterRole', 'does-not-exist'), { user: ed }));
  assert.equal(missing.status.code, 404);
  assert.equal(missing.status.message, 'clusterrole.rbac.authorization.k8s.io "does-not-exist" not found');
  // `bind` on that role lets ed bind it without holding it.
  await store('roles').create('team', { apiVersion: `${G}/v1`, kind: 'Role', metadata: { name: 'binder' }, rules: [{ verbs: ['bind'], apiGroups: [G], resources: ['roles'], resourceNames: ['all'] }] }, { user: master });
  await store('rolebindings').create('team', { apiVersion: `${G}/v1`, kind: 'RoleBinding', metadata: { name: 'ed-binder' }, roleRef: { apiGroup: G, kind: 'Role', name: 'binder' }, subjects: [{ kind: 'User', name: 'ed' }] }, { user: master });
  await until(() => authz.index.rulesFor(ed, 'team').rules.some((r) => r.verbs.includes('bind')));
  await store('rolebindings').create('team', rb('bob-all', 'Role', 'all'), { user: ed });
  // roleRef is immutable.
  const change = await refused(store('rolebindings').update('team', 'bob-pods', (cur) => ({ ...(cur as KubeObject), roleRef: { apiGroup: G, kind: 'Role', name: 'all' } }), { user: master }));
  assert.equal(change.status.code, 422);
  assert.match(change.status.message ?? '', /roleRef: Invalid value: rbac\.RoleRef\{APIGroup:"rbac\.authorization\.k8s\.io", Kind:"Role", Name:"all"\}: cannot change roleRef/);
});

test('validation: verbs and apiGroups required, nonResourceURLs only in ClusterRoles, subject kinds', async () => {
  const e = await refused(store('roles').create('team', { apiVersion: `${G}/v1`, kind: 'Role', metadata: { name: 'bad' }, rules: [{ verbs: [], resources: ['pods'] }, { verbs: ['get'], nonResourceURLs: ['/x'] }] }, { user: master }));
  assert.equal(e.status.code, 422);
  assert.equal(
    e.status.message,
    'Role.rbac.authorization.k8s.io "bad" is invalid: [rules[0].verbs: Required value: verbs must contain at least one value, rules[0].apiGroups: Required value: resource rules must supply at least one api group, rules[1].nonResourceURLs: Invalid value: []string{"/x"}: namespaced rules cannot apply to non-resource URLs]',
  );
  const b = await refused(
    store('clusterrolebindings').create(undefined, { apiVersion: `${G}/v1`, kind: 'ClusterRoleBinding', metadata: { name: 'bad' }, roleRef: { apiGroup: G, kind: 'Role', name: 'x' }, subjects: [{ kind: 'ServiceAccount', name: 'sa' }, { kind: 'Robot', name: 'r' }] }, { user: master }),
  );
  assert.equal(
    b.status.message,
    'ClusterRoleBinding.rbac.authorization.k8s.io "bad" is invalid: [roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole", subjects[0].namespace: Required value, subjects[1].kind: Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group"]',
  );
});

test('bootstrap reconcile writes nothing when everything is in place', async () => {
  const before = (await store('clusterroles').get(undefined, 'cluster-admin')).metadata.resourceVersion;
  await reconcileBootstrapPolicy({ roles: store('roles'), clusterRoles: store('clusterroles'), roleBindings: store('rolebindings'), clusterRoleBindings: store('clusterrolebindings') });
  assert.equal((await store('clusterroles').get(undefined, 'cluster-admin')).metadata.resourceVersion, before);
});
