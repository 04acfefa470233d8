/**
 * pods/eviction on a secured API server (RBAC, Node authorizer, admission): the request is authorized as
 * `create pods/eviction`, and a node may evict only the pods bound to it (NodeRestriction).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../../../../shared/api/core-v1.ts';
import type { Status } from '../../../../shared/api/meta.ts';
import { serviceAccountsResource } from '../../../../shared/client/clientset.ts';
import { startSecuredTestServer, type SecuredTestServer } from '../../../../test/integration/framework/secured-test-server.ts';

let server: SecuredTestServer;

before(async () => {
  server = await startSecuredTestServer({ tokens: { 'bob-token': { user: 'bob' }, 'carol-token': { user: 'carol' } } });
  // No serviceaccount controller runs here: the ServiceAccount admission plugin needs the default account.
  await server.clientset({ cert: server.admin }).client.resource(serviceAccountsResource).create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: 'default' } });
});
after(async () => {
  await server.close();
});

const eviction = (name: string) => ({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: 'default' } });

test('evicting is `create pods/eviction`: refused without it (403 in the authorizer\'s words), allowed with it', async () => {
  const admin = server.clientset({ cert: server.admin });
  await admin.pods.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } as Pod);
  const refused = await server.call('POST', '/api/v1/namespaces/default/pods/a/eviction', { token: 'bob-token', body: eviction('a') });
  assert.equal(refused.status, 403, refused.body);
  assert.equal(
    (JSON.parse(refused.body) as Status).message,
    'pods "a" is forbidden: User "bob" cannot create resource "pods/eviction" in API group "" in the namespace "default"',
  );
  // `create pods/eviction` alone is enough (no delete on pods needed).
  await admin.client.resource({ group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'roles', kind: 'Role', namespaced: true }).create({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name: 'evictor', namespace: 'default' },
    rules: [{ apiGroups: [''], resources: ['pods/eviction'], verbs: ['create'] }],
  } as never);
  await admin.client.resource({ group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'rolebindings', kind: 'RoleBinding', namespaced: true }).create({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'evictor', namespace: 'default' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'evictor' },
    subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'carol' }],
  } as never);
  let allowed = { status: 0, body: '' };
  for (let i = 0; i < 50; i++) {
    allowed = await server.call('POST', '/api/v1/namespaces/default/pods/a/eviction', { token: 'carol-token', body: eviction('a') });
    if (allowed.status !== 403) break;
    await new Promise((r) => setTimeout(r, 100)); // the RBAC index follows the bindings through a watch
  }
  assert.equal(allowed.status, 201, allowed.body);
});

test('a node evicts only the pods bound to it', async () => {
  const admin = server.clientset({ cert: server.admin });
  for (const [name, node] of [['on-n1', 'n1'], ['on-n2', 'n2']]) {
    await admin.pods.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { nodeName: node, containers: [{ name: 'c', image: 'busybox' }] } } as Pod);
  }
  const n1 = await server.clientCertificate('CN=system:node:n1, O=system:nodes');
  const other = await server.call('POST', '/api/v1/namespaces/default/pods/on-n2/eviction', { cert: n1, body: eviction('on-n2') });
  assert.equal(other.status, 403, other.body);
  const own = await server.call('POST', '/api/v1/namespaces/default/pods/on-n1/eviction', { cert: n1, body: eviction('on-n1') });
  assert.equal(own.status, 201, own.body);
});
