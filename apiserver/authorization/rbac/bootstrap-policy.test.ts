import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../shared/api/meta.ts';
import type { UserInfo } from '../../authentication/user-info.ts';
import type { AuthorizationAttributes } from '../authorizer.ts';
import { bootstrapPolicy } from './bootstrap-policy.ts';
import { RBACAuthorizer } from './rbac-authorizer.ts';
import { RBACIndex } from './rbac-index.ts';
import { aggregatedRules } from '../../../controller/clusterroleaggregation/clusterrole-aggregation-controller.ts';
import type { ClusterRole } from '../../../shared/api/rbac-v1.ts';

/** The default policy, loaded into an index as the server has it (aggregated roles filled as the controller does). */
function policyIndex(): RBACAuthorizer {
  const p = bootstrapPolicy();
  const index = new RBACIndex();
  const roles = p.clusterRoles as ClusterRole[];
  // Aggregation converges in a few passes (admin <- edit <- view).
  for (let pass = 0; pass < 3; pass++) for (const r of roles) if (r.aggregationRule) r.rules = aggregatedRules(r, roles);
  index.replace('ClusterRole', roles as KubeObject[]);
  index.replace('ClusterRoleBinding', p.clusterRoleBindings as KubeObject[]);
  index.replace('Role', p.roles as KubeObject[]);
  index.replace('RoleBinding', p.roleBindings as KubeObject[]);
  return new RBACAuthorizer(index);
}

type Check = [verb: string, resource: string, opts?: Partial<AuthorizationAttributes>];

function allowed(authz: RBACAuthorizer, user: UserInfo, [verb, resource, opts]: Check): boolean {
  const [res, sub] = resource.split('/') as [string, string | undefined];
  const a: AuthorizationAttributes = { user, verb, isResourceRequest: true, path: '', namespace: '', apiGroup: '', apiVersion: 'v1', resource: res, subresource: sub ?? '', name: '', ...opts };
  return authz.authorize(a).decision === 'Allow';
}

const KCM: UserInfo = { name: 'system:kube-controller-manager', groups: ['system:authenticated'] };
const SCHED: UserInfo = { name: 'system:kube-scheduler', groups: ['system:authenticated'] };
const CERTS = { apiGroup: 'certificates.k8s.io' };

test('the controller identity may do what kubelab controllers do (and not more than that)', () => {
  const authz = policyIndex();
  const must: Check[] = [
    ['list', 'pods'], ['watch', 'nodes'], ['list', 'clusterroles', { apiGroup: 'rbac.authorization.k8s.io' }],
    ['update', 'nodes', { name: 'n1' }], ['patch', 'nodes', { name: 'n1' }], ['update', 'nodes/status', { name: 'n1' }],
    ['update', 'pods/status', { namespace: 'default', name: 'p' }], ['patch', 'pods/status', { namespace: 'default', name: 'p' }],
    ['delete', 'pods', { namespace: 'default', name: 'p' }],
    ['create', 'pods/binding', { namespace: 'default', name: 'p' }],
    ['create', 'events', { namespace: 'default' }], ['patch', 'events', { namespace: 'default', name: 'e' }],
    ['create', 'leases', { apiGroup: 'coordination.k8s.io', namespace: 'kube-system' }],
    ['get', 'leases', { apiGroup: 'coordination.k8s.io', namespace: 'kube-system', name: 'kubelab-controller' }],
    ['update', 'leases', { apiGroup: 'coordination.k8s.io', namespace: 'kube-system', name: 'kubelab-controller' }],
    ['create', 'serviceaccounts', { namespace: 'default' }],
    ['get', 'configmaps', { namespace: 'default', name: 'kube-root-ca.crt' }], ['create', 'configmaps', { namespace: 'default' }], ['update', 'configmaps', { namespace: 'default', name: 'kube-root-ca.crt' }],
    ['delete', 'secrets', { namespace: 'kube-system', name: 'bootstrap-token-abcdef' }],
    ['update', 'certificatesigningrequests/approval', { ...CERTS, name: 'c' }], ['update', 'certificatesigningrequests/status', { ...CERTS, name: 'c' }],
    ['approve', 'signers', { ...CERTS, name: 'kubernetes.io/kube-apiserver-client-kubelet' }], ['sign', 'signers', { ...CERTS, name: 'kubernetes.io/kubelet-serving' }],
    ['create', 'subjectaccessreviews', { apiGroup: 'authorization.k8s.io' }],
    ['patch', 'clusterroles', { apiGroup: 'rbac.authorization.k8s.io', name: 'admin' }], ['escalate', 'clusterroles', { apiGroup: 'rbac.authorization.k8s.io', name: 'admin' }],
    ['delete', 'namespaces', { name: 'gone' }], ['update', 'namespaces/finalize', { name: 'gone' }],
    // statefulset-controller and daemon-set-controller
    ['create', 'pods', { namespace: 'default' }], ['update', 'statefulsets/status', { apiGroup: 'apps', namespace: 'default', name: 'web' }],
    ['update', 'daemonsets/status', { apiGroup: 'apps', namespace: 'default', name: 'ds' }],
    ['create', 'controllerrevisions', { apiGroup: 'apps', namespace: 'default' }], ['patch', 'controllerrevisions', { apiGroup: 'apps', namespace: 'default', name: 'r' }],
    ['create', 'persistentvolumeclaims', { namespace: 'default' }],
    // replicaset-controller and deployment-controller
    ['update', 'replicasets/status', { apiGroup: 'apps', namespace: 'default', name: 'web-1' }], ['create', 'replicasets', { apiGroup: 'apps', namespace: 'default' }],
    ['patch', 'replicasets', { apiGroup: 'apps', namespace: 'default', name: 'web-1' }], ['delete', 'replicasets', { apiGroup: 'apps', namespace: 'default', name: 'web-1' }],
    ['update', 'deployments', { apiGroup: 'apps', namespace: 'default', name: 'web' }], ['update', 'deployments/status', { apiGroup: 'apps', namespace: 'default', name: 'web' }],
    ['patch', 'pods', { namespace: 'default', name: 'p' }],
    // generic-garbage-collector: get/list/watch/patch/update/delete on everything
    ['patch', 'secrets', { namespace: 'default', name: 's' }], ['update', 'leases', { apiGroup: 'coordination.k8s.io', namespace: 'default', name: 'other' }],
    ['delete', 'deployments', { apiGroup: 'apps', namespace: 'default', name: 'web' }], ['watch', 'replicasets', { apiGroup: 'apps' }],
  ];
  for (const c of must) assert.ok(allowed(authz, KCM, c), `system:kube-controller-manager ${JSON.stringify(c)}`);
  const mustNot: Check[] = [
    ['approve', 'signers', { ...CERTS, name: 'example.com/custom' }],
    ['create', 'clusterrolebindings', { apiGroup: 'rbac.authorization.k8s.io' }],
  ];
  for (const c of mustNot) assert.ok(!allowed(authz, KCM, c), `system:kube-controller-manager must not ${JSON.stringify(c)}`);
});

test('the scheduler identity: binding, pod status, its reads; nothing else', () => {
  const authz = policyIndex();
  for (const c of [['create', 'pods/binding', { namespace: 'd', name: 'p' }], ['patch', 'pods/status', { namespace: 'd', name: 'p' }], ['list', 'nodes'], ['watch', 'pods'], ['create', 'events', { namespace: 'd' }], ['list', 'namespaces']] as Check[]) {
    assert.ok(allowed(authz, SCHED, c), `system:kube-scheduler ${JSON.stringify(c)}`);
  }
  for (const c of [['update', 'nodes', { name: 'n' }], ['list', 'secrets'], ['delete', 'nodes', { name: 'n' }]] as Check[]) assert.ok(!allowed(authz, SCHED, c), `system:kube-scheduler must not ${JSON.stringify(c)}`);
});

test('bootstrap, nodes, the API server kubelet client, everyone and no one', () => {
  const authz = policyIndex();
  const bootstrapper: UserInfo = { name: 'system:bootstrap:abcdef', groups: ['system:bootstrappers', 'system:bootstrappers:kubelab:node:n1', 'system:authenticated'] };
  assert.ok(allowed(authz, bootstrapper, ['create', 'certificatesigningrequests', CERTS]));
  assert.ok(allowed(authz, bootstrapper, ['create', 'certificatesigningrequests/nodeclient', CERTS]));
  assert.ok(!allowed(authz, bootstrapper, ['list', 'pods']));
  const node: UserInfo = { name: 'system:node:n1', groups: ['system:nodes', 'system:authenticated'] };
  assert.ok(allowed(authz, node, ['create', 'certificatesigningrequests/selfnodeclient', CERTS]));
  assert.ok(!allowed(authz, node, ['list', 'pods']), 'system:node is bound to no one: the Node authorizer grants it');
  const apiserver: UserInfo = { name: 'kube-apiserver-kubelet-client', groups: ['system:authenticated'] };
  assert.ok(allowed(authz, apiserver, ['get', 'nodes/proxy', { name: 'n1' }]));
  assert.ok(allowed(authz, apiserver, ['create', 'nodes/proxy', { name: 'n1' }]));
  const anyone: UserInfo = { name: 'x', groups: ['system:authenticated'] };
  const path = (p: string): Check => ['get', '', { isResourceRequest: false, path: p }];
  assert.ok(allowed(authz, anyone, path('/apis/apps/v1')));
  assert.ok(allowed(authz, anyone, ['create', 'selfsubjectaccessreviews', { apiGroup: 'authorization.k8s.io' }]));
  assert.ok(!allowed(authz, anyone, ['list', 'namespaces']));
  const anonymous: UserInfo = { name: 'system:anonymous', groups: ['system:unauthenticated'] };
  assert.ok(allowed(authz, anonymous, path('/healthz')));
  assert.ok(allowed(authz, anonymous, path('/version')));
  assert.ok(!allowed(authz, anonymous, path('/api')));
  assert.ok(!allowed(authz, anonymous, ['create', 'selfsubjectaccessreviews', { apiGroup: 'authorization.k8s.io' }]));
  const masters: UserInfo = { name: 'admin', groups: ['system:masters'] };
  assert.ok(allowed(authz, masters, ['delete', 'nodes', { name: 'n1' }]));
  assert.ok(!allowed(authz, { name: 'nobody', groups: [] }, ['get', 'pods', { namespace: 'd' }]));
});

test('aggregation: view into edit into admin, in name order, without duplicates', () => {
  const p = bootstrapPolicy();
  const roles = p.clusterRoles as ClusterRole[];
  const view = roles.find((r) => r.metadata.name === 'view') as ClusterRole;
  const rules = aggregatedRules(view, roles);
  assert.ok(rules.length > 0);
  assert.deepEqual(rules, roles.find((r) => r.metadata.name === 'system:aggregate-to-view')?.rules);
  const edit = roles.find((r) => r.metadata.name === 'edit') as ClusterRole;
  view.rules = rules;
  const editRules = aggregatedRules(edit, roles);
  // system:aggregate-to-edit comes before view by name; view's rules follow.
  assert.deepEqual(editRules.slice(0, (roles.find((r) => r.metadata.name === 'system:aggregate-to-edit')?.rules ?? []).length), roles.find((r) => r.metadata.name === 'system:aggregate-to-edit')?.rules);
  assert.equal(editRules.length, (roles.find((r) => r.metadata.name === 'system:aggregate-to-edit')?.rules ?? []).length + rules.length);
  assert.deepEqual(aggregatedRules(edit, [...roles, edit]), editRules, 'a role never aggregates itself');
});

test('the cluster DNS identity system:kube-dns may list and watch what it serves, and write nothing', () => {
  const authz = policyIndex();
  const DNS: UserInfo = { name: 'system:kube-dns', groups: ['system:authenticated'] };
  for (const c of [['list', 'services'], ['watch', 'services'], ['list', 'endpointslices', { apiGroup: 'discovery.k8s.io' }], ['watch', 'endpointslices', { apiGroup: 'discovery.k8s.io' }], ['list', 'namespaces'], ['watch', 'pods'], ['list', 'endpoints']] as Check[]) {
    assert.ok(allowed(authz, DNS, c), `system:kube-dns ${JSON.stringify(c)}`);
  }
  for (const c of [['create', 'services', { namespace: 'default' }], ['update', 'endpointslices', { apiGroup: 'discovery.k8s.io', namespace: 'default', name: 'x' }], ['get', 'secrets', { namespace: 'default', name: 's' }]] as Check[]) {
    assert.ok(!allowed(authz, DNS, c), `system:kube-dns must not ${JSON.stringify(c)}`);
  }
});
