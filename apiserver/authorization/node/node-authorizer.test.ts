import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../shared/api/meta.ts';
import type { UserInfo } from '../../authentication/user-info.ts';
import type { AuthorizationAttributes } from '../authorizer.ts';
import { NodeAuthorizer, nodeIdentity } from './node-authorizer.ts';
import { NodeGraph, podReferences } from './node-graph.ts';

const node1: UserInfo = { name: 'system:node:node-1', groups: ['system:nodes', 'system:authenticated'] };
const node2: UserInfo = { name: 'system:node:node-2', groups: ['system:nodes', 'system:authenticated'] };

function attrs(user: UserInfo, a: Partial<AuthorizationAttributes>): AuthorizationAttributes {
  return { user, verb: 'get', isResourceRequest: true, path: '', namespace: '', apiGroup: '', apiVersion: 'v1', resource: '', subresource: '', name: '', ...a };
}

function pod(name: string, nodeName: string | undefined, spec: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { ...(nodeName ? { nodeName } : {}), containers: [{ name: 'c', image: 'x' }], ...spec } };
}

const WEB = pod('web', 'node-1', {
  serviceAccountName: 'web-sa',
  imagePullSecrets: [{ name: 'pull' }],
  containers: [
    {
      name: 'c',
      image: 'x',
      env: [{ name: 'A', valueFrom: { secretKeyRef: { name: 'env-secret', key: 'k' } } }, { name: 'B', valueFrom: { configMapKeyRef: { name: 'env-cm', key: 'k' } } }],
      envFrom: [{ secretRef: { name: 'envfrom-secret' } }, { configMapRef: { name: 'envfrom-cm' } }],
    },
  ],
  volumes: [
    { name: 'v1', secret: { secretName: 'vol-secret' } },
    { name: 'v2', configMap: { name: 'vol-cm' } },
    { name: 'v3', projected: { sources: [{ secret: { name: 'proj-secret' } }, { configMap: { name: 'kube-root-ca.crt' } }, { serviceAccountToken: { path: 'token' } }] } },
    { name: 'v4', persistentVolumeClaim: { claimName: 'data' } },
  ],
});

test('podReferences: every place a pod names a secret, configmap, PVC or service account', () => {
  const refs = podReferences(WEB).map((r) => `${r.type}/${r.name}`).sort();
  assert.deepEqual(refs, [
    'configmap/env-cm',
    'configmap/envfrom-cm',
    'configmap/kube-root-ca.crt',
    'configmap/vol-cm',
    'pvc/data',
    'secret/env-secret',
    'secret/envfrom-secret',
    'secret/proj-secret',
    'secret/pull',
    'secret/vol-secret',
    'serviceaccount/web-sa',
  ]);
});

test('node identity: system:node:<name> in system:nodes only', () => {
  assert.equal(nodeIdentity(node1), 'node-1');
  assert.equal(nodeIdentity({ name: 'system:node:node-1', groups: [] }), undefined);
  assert.equal(nodeIdentity({ name: 'alice', groups: ['system:nodes'] }), undefined);
  assert.equal(nodeIdentity({ name: 'system:node:', groups: ['system:nodes'] }), '');
});

test('Node authorizer: objects reachable from the node pods only, with kube reasons', () => {
  const graph = new NodeGraph();
  const authz = new NodeAuthorizer(graph);
  graph.apply('ADDED', WEB);
  graph.apply('ADDED', pod('pending', undefined, { volumes: [{ name: 'v', secret: { secretName: 'pending-secret' } }] }));
  graph.apply('ADDED', pod('other', 'node-2', { volumes: [{ name: 'v', secret: { secretName: 'node2-secret' } }] }));
  const d = (u: UserInfo, a: Partial<AuthorizationAttributes>) => authz.authorize(attrs(u, { namespace: 'default', ...a }));

  for (const name of ['vol-secret', 'env-secret', 'envfrom-secret', 'proj-secret', 'pull']) assert.equal(d(node1, { resource: 'secrets', name }).decision, 'Allow', name);
  for (const name of ['vol-cm', 'env-cm', 'envfrom-cm', 'kube-root-ca.crt']) assert.equal(d(node1, { resource: 'configmaps', name }).decision, 'Allow', name);
  assert.equal(d(node1, { resource: 'persistentvolumeclaims', name: 'data' }).decision, 'Allow');
  assert.equal(d(node1, { resource: 'serviceaccounts', name: 'web-sa' }).decision, 'Allow');
  assert.equal(d(node1, { verb: 'create', resource: 'serviceaccounts', subresource: 'token', name: 'web-sa' }).decision, 'Allow');
  assert.deepEqual(d(node1, { resource: 'secrets', name: 'node2-secret' }), { decision: 'NoOpinion', reason: "no relationship found between node 'node-1' and this object" });
  assert.equal(d(node2, { resource: 'secrets', name: 'node2-secret' }).decision, 'Allow');
  assert.equal(d(node1, { resource: 'secrets', name: 'pending-secret' }).decision, 'NoOpinion', 'an unscheduled pod links nothing');
  assert.deepEqual(d(node1, { verb: 'list', resource: 'secrets' }), { decision: 'NoOpinion', reason: 'No Object name found' });
  assert.deepEqual(d(node1, { verb: 'update', resource: 'secrets', name: 'vol-secret' }), { decision: 'NoOpinion', reason: 'can only read resources of this type' });
  assert.deepEqual(d(node1, { verb: 'create', resource: 'serviceaccounts', subresource: 'token', name: 'default' }), {
    decision: 'NoOpinion',
    reason: "no relationship found between node 'node-1' and this object",
  });
  assert.deepEqual(d(node1, { verb: 'delete', resource: 'serviceaccounts', name: 'web-sa' }), { decision: 'NoOpinion', reason: 'can only create tokens for individual service accounts' });

  // Leases: its own, in kube-node-lease.
  const lease = (u: UserInfo, a: Partial<AuthorizationAttributes>) => authz.authorize(attrs(u, { apiGroup: 'coordination.k8s.io', resource: 'leases', namespace: 'kube-node-lease', ...a }));
  assert.equal(lease(node1, { verb: 'update', name: 'node-1' }).decision, 'Allow');
  assert.equal(lease(node1, { verb: 'create' }).decision, 'Allow');
  assert.deepEqual(lease(node1, { verb: 'update', name: 'node-2' }), { decision: 'NoOpinion', reason: 'can only access node lease with the same name as the requesting node' });
  assert.deepEqual(lease(node1, { verb: 'get', name: 'node-1', namespace: 'default' }), { decision: 'NoOpinion', reason: 'can only access leases in the "kube-node-lease" system namespace' });

  // Everything else by the system:node rules.
  // Pods: its own by name, lists/watches scoped to spec.nodeName=<itself> (AuthorizeNodeWithSelectors).
  assert.equal(d(node1, { verb: 'watch', resource: 'pods', namespace: '', fieldSelector: 'spec.nodeName=node-1' }).decision, 'Allow');
  assert.deepEqual(d(node1, { verb: 'list', resource: 'pods', namespace: '' }), { decision: 'NoOpinion', reason: 'can only list/watch pods with spec.nodeName field selector' });
  assert.equal(d(node1, { verb: 'list', resource: 'pods', namespace: '', fieldSelector: 'spec.nodeName=node-2' }).decision, 'NoOpinion');
  assert.equal(d(node1, { resource: 'pods', name: 'web' }).decision, 'Allow');
  assert.deepEqual(d(node1, { resource: 'pods', name: 'other' }), { decision: 'NoOpinion', reason: "no relationship found between node 'node-1' and this object" });
  assert.equal(d(node1, { verb: 'watch', resource: 'pods', name: 'web', fieldSelector: 'metadata.name=web' }).decision, 'Allow');
  assert.equal(d(node1, { verb: 'delete', resource: 'pods', name: 'web' }).decision, 'Allow', 'mirror pods (NodeRestriction narrows)');
  assert.equal(d(node1, { verb: 'update', resource: 'pods', name: 'web' }).decision, 'NoOpinion', 'no pod updates for nodes');
  assert.equal(d(node1, { verb: 'create', resource: 'pods', subresource: 'eviction', name: 'web' }).decision, 'Allow');
  // Nodes: only its own Node object is readable; writes are NodeRestriction's to narrow.
  const nd = (a: Partial<AuthorizationAttributes>) => authz.authorize(attrs(node1, { resource: 'nodes', ...a }));
  assert.equal(nd({ name: 'node-1' }).decision, 'Allow');
  assert.equal(nd({ verb: 'watch', name: 'node-1', fieldSelector: 'metadata.name=node-1' }).decision, 'Allow');
  assert.deepEqual(nd({ verb: 'list' }), { decision: 'NoOpinion', reason: "node 'node-1' cannot read all nodes, only its own Node object" });
  assert.deepEqual(nd({ name: 'node-2' }), { decision: 'NoOpinion', reason: "node 'node-1' cannot read 'node-2', only its own Node object" });
  assert.equal(nd({ verb: 'create' }).decision, 'Allow');
  assert.equal(nd({ verb: 'delete', name: 'node-2' }).decision, 'NoOpinion');
  assert.equal(d(node1, { verb: 'patch', resource: 'pods', subresource: 'status', name: 'web' }).decision, 'Allow');
  assert.equal(d(node1, { verb: 'patch', resource: 'nodes', subresource: 'status', name: 'node-2', namespace: '' }).decision, 'Allow', 'NodeRestriction admission narrows node writes');
  assert.equal(d(node1, { verb: 'list', resource: 'services', namespace: '' }).decision, 'Allow');
  assert.equal(d(node1, { verb: 'create', apiGroup: 'certificates.k8s.io', resource: 'certificatesigningrequests', namespace: '' }).decision, 'Allow');
  assert.equal(d(node1, { verb: 'create', apiGroup: 'authorization.k8s.io', resource: 'subjectaccessreviews', namespace: '' }).decision, 'Allow');
  assert.equal(d(node1, { verb: 'delete', resource: 'namespaces', name: 'default', namespace: '' }).decision, 'NoOpinion');
  // Not a node: no opinion, no reason.
  assert.deepEqual(d({ name: 'alice', groups: [] }, { resource: 'secrets', name: 'vol-secret' }), { decision: 'NoOpinion', reason: '' });

  // Moving and deleting pods updates the graph.
  graph.apply('MODIFIED', { ...WEB, spec: { ...(WEB.spec as object), nodeName: 'node-2' } });
  assert.equal(d(node1, { resource: 'secrets', name: 'vol-secret' }).decision, 'NoOpinion');
  assert.equal(d(node2, { resource: 'secrets', name: 'vol-secret' }).decision, 'Allow');
  graph.apply('DELETED', WEB);
  assert.equal(d(node2, { resource: 'secrets', name: 'vol-secret' }).decision, 'NoOpinion');
  assert.equal(d(node2, { resource: 'secrets', name: 'node2-secret' }).decision, 'Allow');
});

test('two pods sharing a secret on one node: the link lasts until the last one goes', () => {
  const graph = new NodeGraph();
  graph.apply('ADDED', pod('a', 'n', { volumes: [{ name: 'v', secret: { secretName: 's' } }] }));
  graph.apply('ADDED', pod('b', 'n', { volumes: [{ name: 'v', secret: { secretName: 's' } }] }));
  graph.apply('DELETED', pod('a', 'n'));
  assert.equal(graph.hasPathFrom('n', 'secret', 'default', 's'), true);
  graph.apply('DELETED', pod('b', 'n'));
  assert.equal(graph.hasPathFrom('n', 'secret', 'default', 's'), false);
});
