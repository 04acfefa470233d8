import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../shared/api/meta.ts';
import type { PolicyRule } from '../../../shared/api/rbac-v1.ts';
import type { UserInfo } from '../../authentication/user-info.ts';
import type { AuthorizationAttributes } from '../authorizer.ts';
import { RBACAuthorizer } from './rbac-authorizer.ts';
import { RBACIndex } from './rbac-index.ts';
import { compactRules, compactString, compileRule, covers, ruleAllows } from './rule-matching.ts';

const G = 'rbac.authorization.k8s.io';

function attrs(user: UserInfo, a: Partial<AuthorizationAttributes>): AuthorizationAttributes {
  return { user, verb: 'get', isResourceRequest: true, path: '', namespace: '', apiGroup: '', apiVersion: 'v1', resource: '', subresource: '', name: '', ...a };
}

const alice: UserInfo = { name: 'alice', groups: ['system:authenticated'] };

function clusterRole(name: string, rules: PolicyRule[]): KubeObject {
  return { apiVersion: `${G}/v1`, kind: 'ClusterRole', metadata: { name }, rules };
}
function role(ns: string, name: string, rules: PolicyRule[]): KubeObject {
  return { apiVersion: `${G}/v1`, kind: 'Role', metadata: { name, namespace: ns }, rules };
}
function binding(kind: 'RoleBinding' | 'ClusterRoleBinding', name: string, ns: string | undefined, roleKind: string, roleName: string, subjects: KubeObject['subjects']): KubeObject {
  return { apiVersion: `${G}/v1`, kind, metadata: { name, ...(ns ? { namespace: ns } : {}) }, roleRef: { apiGroup: G, kind: roleKind, name: roleName }, subjects };
}

test('rule matching: verbs, groups, resources with * and */sub, resourceNames, non-resource URLs with trailing *', () => {
  const r = compileRule({ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods', 'pods/log'] });
  assert.equal(ruleAllows(attrs(alice, { verb: 'get', resource: 'pods' }), r), true);
  assert.equal(ruleAllows(attrs(alice, { verb: 'get', resource: 'pods', subresource: 'log' }), r), true);
  assert.equal(ruleAllows(attrs(alice, { verb: 'get', resource: 'pods', subresource: 'exec' }), r), false, 'pods does not cover pods/exec');
  assert.equal(ruleAllows(attrs(alice, { verb: 'watch', resource: 'pods' }), r), false);
  assert.equal(ruleAllows(attrs(alice, { verb: 'get', resource: 'pods', apiGroup: 'apps' }), r), false);
  const any = compileRule({ verbs: ['*'], apiGroups: ['*'], resources: ['*'] });
  assert.equal(ruleAllows(attrs(alice, { verb: 'escalate', resource: 'clusterroles', apiGroup: G }), any), true);
  assert.equal(ruleAllows(attrs(alice, { verb: 'get', resource: 'pods', subresource: 'status' }), any), true);
  const status = compileRule({ verbs: ['update'], apiGroups: [''], resources: ['*/status'] });
  assert.equal(ruleAllows(attrs(alice, { verb: 'update', resource: 'nodes', subresource: 'status' }), status), true);
  assert.equal(ruleAllows(attrs(alice, { verb: 'update', resource: 'nodes' }), status), false);
  const named = compileRule({ verbs: ['get', 'update'], apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: ['kube-scheduler'] });
  assert.equal(ruleAllows(attrs(alice, { resource: 'leases', apiGroup: 'coordination.k8s.io', name: 'kube-scheduler' }), named), true);
  assert.equal(ruleAllows(attrs(alice, { resource: 'leases', apiGroup: 'coordination.k8s.io', name: 'other' }), named), false);
  assert.equal(ruleAllows(attrs(alice, { verb: 'list', resource: 'leases', apiGroup: 'coordination.k8s.io' }), named), false, 'a list has no name');
  const urls = compileRule({ verbs: ['get'], nonResourceURLs: ['/healthz', '/apis/*'] });
  const nr = (path: string, verb = 'get') => attrs(alice, { isResourceRequest: false, path, verb });
  assert.equal(ruleAllows(nr('/healthz'), urls), true);
  assert.equal(ruleAllows(nr('/healthz/etcd'), urls), false);
  assert.equal(ruleAllows(nr('/apis/apps/v1'), urls), true);
  assert.equal(ruleAllows(nr('/apis'), urls), false);
  assert.equal(ruleAllows(nr('/healthz', 'post'), urls), false);
  assert.equal(ruleAllows(nr('/anything'), compileRule({ verbs: ['*'], nonResourceURLs: ['*'] })), true);
  // A resource rule never matches a non-resource request and the other way round.
  assert.equal(ruleAllows(nr('/pods'), r), false);
  assert.equal(ruleAllows(attrs(alice, { resource: 'pods' }), urls), false);
});

test('covers / compactRules / compactString: the escalation comparison and its message parts', () => {
  const owner: PolicyRule[] = [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] }, { verbs: ['get'], nonResourceURLs: ['/api/*'] }];
  assert.equal(covers(owner, [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }]).covered, true);
  assert.equal(covers(owner, [{ verbs: ['get'], apiGroups: [''], resources: ['pods'], resourceNames: ['x'] }]).covered, true);
  assert.equal(covers(owner, [{ verbs: ['get'], nonResourceURLs: ['/api/v1'] }]).covered, true);
  const { covered, missing } = covers(owner, [{ verbs: ['get', 'create', 'delete'], apiGroups: [''], resources: ['pods', 'secrets'] }]);
  assert.equal(covered, false);
  assert.deepEqual(compactRules(missing).map(compactString), [
    '{APIGroups:[""], Resources:["pods"], Verbs:["create" "delete"]}',
    '{APIGroups:[""], Resources:["secrets"], Verbs:["get" "create" "delete"]}',
  ]);
  // A rule restricted to names does not cover the unrestricted one.
  assert.equal(covers([{ verbs: ['get'], apiGroups: [''], resources: ['pods'], resourceNames: ['a'] }], [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }]).covered, false);
  assert.equal(compactString({ verbs: ['get'], nonResourceURLs: ['/x'] }), '{NonResourceURLs:["/x"], Verbs:["get"]}');
  assert.equal(compactString({ verbs: ['get'], apiGroups: [''], resources: ['pods'], resourceNames: ['a'] }), '{APIGroups:[""], Resources:["pods"], ResourceNames:["a"], Verbs:["get"]}');
});

test('RBAC authorizer: cluster and namespaced bindings, users, groups, service accounts, missing roles', () => {
  const index = new RBACIndex();
  const authz = new RBACAuthorizer(index);
  index.apply('ClusterRole', 'ADDED', clusterRole('view', [{ verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['pods', 'pods/log'] }]));
  index.apply('ClusterRole', 'ADDED', clusterRole('node-reader', [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['nodes'] }]));
  index.apply('Role', 'ADDED', role('team-a', 'secret-reader', [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'], resourceNames: ['db'] }]));
  index.apply('RoleBinding', 'ADDED', binding('RoleBinding', 'alice-view', 'team-a', 'ClusterRole', 'view', [{ kind: 'User', apiGroup: G, name: 'alice' }]));
  index.apply('RoleBinding', 'ADDED', binding('RoleBinding', 'sa-secrets', 'team-a', 'Role', 'secret-reader', [{ kind: 'ServiceAccount', name: 'app' }]));
  index.apply('ClusterRoleBinding', 'ADDED', binding('ClusterRoleBinding', 'ops-nodes', undefined, 'ClusterRole', 'node-reader', [{ kind: 'Group', apiGroup: G, name: 'ops' }]));

  const allow = (u: UserInfo, a: Partial<AuthorizationAttributes>) => authz.authorize(attrs(u, a));
  assert.deepEqual(allow(alice, { verb: 'list', resource: 'pods', namespace: 'team-a' }), {
    decision: 'Allow',
    reason: 'RBAC: allowed by RoleBinding "alice-view/team-a" of ClusterRole "view" to User "alice"',
  });
  assert.equal(allow(alice, { verb: 'get', resource: 'pods', subresource: 'log', namespace: 'team-a', name: 'p' }).decision, 'Allow');
  assert.deepEqual(allow(alice, { verb: 'create', resource: 'pods', namespace: 'team-a' }), { decision: 'NoOpinion', reason: '' });
  assert.equal(allow(alice, { verb: 'list', resource: 'pods', namespace: 'team-b' }).decision, 'NoOpinion');
  assert.equal(allow(alice, { verb: 'list', resource: 'pods' }).decision, 'NoOpinion', 'a RoleBinding grants nothing cluster-wide');
  const ops: UserInfo = { name: 'carol', groups: ['ops'] };
  assert.deepEqual(allow(ops, { verb: 'list', resource: 'nodes' }), { decision: 'Allow', reason: 'RBAC: allowed by ClusterRoleBinding "ops-nodes" of ClusterRole "node-reader" to Group "ops"' });
  const sa: UserInfo = { name: 'system:serviceaccount:team-a:app', groups: ['system:serviceaccounts', 'system:serviceaccounts:team-a'] };
  assert.deepEqual(allow(sa, { resource: 'secrets', namespace: 'team-a', name: 'db' }), {
    decision: 'Allow',
    reason: 'RBAC: allowed by RoleBinding "sa-secrets/team-a" of Role "secret-reader" to ServiceAccount "app/team-a"',
  });
  assert.equal(allow(sa, { resource: 'secrets', namespace: 'team-a', name: 'other' }).decision, 'NoOpinion');
  // The same SA name in another namespace is another user.
  assert.equal(allow({ name: 'system:serviceaccount:team-b:app', groups: [] }, { resource: 'secrets', namespace: 'team-a', name: 'db' }).decision, 'NoOpinion');

  // A binding to a missing role: the reason names it, as the lister error does.
  index.apply('RoleBinding', 'ADDED', binding('RoleBinding', 'dangling', 'team-a', 'ClusterRole', 'nope', [{ kind: 'User', apiGroup: G, name: 'dave' }]));
  assert.deepEqual(allow({ name: 'dave', groups: [] }, { resource: 'pods', namespace: 'team-a' }), { decision: 'NoOpinion', reason: 'RBAC: clusterrole.rbac.authorization.k8s.io "nope" not found' });

  // Changes are seen at once: a role losing its rules, a binding deleted.
  index.apply('ClusterRole', 'MODIFIED', clusterRole('view', [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }]));
  assert.equal(allow(alice, { verb: 'list', resource: 'pods', namespace: 'team-a' }).decision, 'NoOpinion');
  assert.equal(allow(alice, { verb: 'get', resource: 'pods', namespace: 'team-a' }).decision, 'Allow');
  index.apply('RoleBinding', 'DELETED', binding('RoleBinding', 'alice-view', 'team-a', 'ClusterRole', 'view', []));
  assert.equal(allow(alice, { verb: 'get', resource: 'pods', namespace: 'team-a' }).decision, 'NoOpinion');
});

test('RBAC index: a decision only visits the bindings naming the user (indexed, not scanned)', () => {
  const index = new RBACIndex();
  index.apply('ClusterRole', 'ADDED', clusterRole('r', [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }]));
  for (let i = 0; i < 5000; i++) {
    index.apply('RoleBinding', 'ADDED', binding('RoleBinding', `b${i}`, 'ns', 'ClusterRole', 'r', [{ kind: 'User', apiGroup: G, name: `user-${i}` }]));
    index.apply('ClusterRoleBinding', 'ADDED', binding('ClusterRoleBinding', `c${i}`, undefined, 'ClusterRole', 'r', [{ kind: 'Group', apiGroup: G, name: `group-${i}` }]));
  }
  let visited = 0;
  index.visitRulesFor({ name: 'user-42', groups: ['group-7'] }, 'ns', (source) => {
    if (source) visited++;
    return true;
  });
  assert.equal(visited, 2, 'one ClusterRoleBinding (group-7) and one RoleBinding (user-42)');
  const authz = new RBACAuthorizer(index);
  const start = process.hrtime.bigint();
  for (let i = 0; i < 20_000; i++) authz.authorize(attrs({ name: `user-${i % 5000}`, groups: ['system:authenticated'] }, { resource: 'pods', namespace: 'ns' }));
  const perDecisionUs = Number(process.hrtime.bigint() - start) / 20_000 / 1000;
  assert.ok(perDecisionUs < 50, `a decision took ${perDecisionUs.toFixed(1)} µs with 10,000 bindings`);
  // replace() (a re-list) drops what is gone.
  index.replace('RoleBinding', []);
  assert.equal(authz.authorize(attrs({ name: 'user-1', groups: [] }, { resource: 'pods', namespace: 'ns' })).decision, 'NoOpinion');
});

test('RBAC rule resolver: the rules of a user in a namespace, as SelfSubjectRulesReview lists them', async () => {
  const index = new RBACIndex();
  index.apply('ClusterRole', 'ADDED', clusterRole('basic', [{ verbs: ['create'], apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews'] }, { verbs: ['get'], nonResourceURLs: ['/api', '/api/*'] }]));
  index.apply('ClusterRoleBinding', 'ADDED', binding('ClusterRoleBinding', 'basic', undefined, 'ClusterRole', 'basic', [{ kind: 'Group', apiGroup: G, name: 'system:authenticated' }]));
  index.apply('Role', 'ADDED', role('ns', 'r', [{ verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['cfg'] }]));
  index.apply('RoleBinding', 'ADDED', binding('RoleBinding', 'b', 'ns', 'Role', 'r', [{ kind: 'User', apiGroup: G, name: 'alice' }]));
  const rules = await new RBACAuthorizer(index).rulesFor(alice, 'ns');
  assert.deepEqual(rules, {
    resourceRules: [
      { verbs: ['create'], apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews'] },
      { verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['cfg'] },
    ],
    nonResourceRules: [{ verbs: ['get'], nonResourceURLs: ['/api', '/api/*'] }],
    incomplete: false,
  });
  assert.equal((await new RBACAuthorizer(index).rulesFor(alice, 'other')).resourceRules.length, 1);
});
