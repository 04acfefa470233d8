import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BUILTIN_RESOURCES,
  ResourceRegistry,
  groupVersionString,
  resourceRegistry,
  storageVersionHash,
  type ResourceDefinition,
} from './resource-registry.ts';

/** The built-in core and coordination.k8s.io resources: what these tests pin (other groups come and go). */
const CORE_AND_COORDINATION = BUILTIN_RESOURCES.filter((d) => d.group === '' || d.group === 'coordination.k8s.io');

test('storage version hashes equal the ones a real kube-apiserver reports', () => {
  // Values from a real 1.31 /api/v1 and /apis/coordination.k8s.io/v1 response.
  assert.equal(storageVersionHash('', 'v1', 'Pod'), 'xPOwRZ+Yhw8=');
  assert.equal(storageVersionHash('', 'v1', 'Node'), 'XwShjMxG9Fs=');
  assert.equal(storageVersionHash('', 'v1', 'Namespace'), 'Q3oi5N2YM8M=');
  assert.equal(storageVersionHash('', 'v1', 'Event'), 'r2yiGXH7wu8=');
  assert.equal(storageVersionHash('', 'v1', 'Service'), '0/CO1lhkEBI=');
  assert.equal(storageVersionHash('coordination.k8s.io', 'v1', 'Lease'), 'gqkMMb/YqFM=');
  assert.equal(storageVersionHash('', 'v1', 'Secret'), 'S6u1pOWzb84=');
  assert.equal(storageVersionHash('', 'v1', 'ConfigMap'), 'qFsyl6wFWjQ=');
  assert.equal(storageVersionHash('', 'v1', 'ServiceAccount'), 'pbx9ZvyFpBE=');
  assert.equal(storageVersionHash('certificates.k8s.io', 'v1', 'CertificateSigningRequest'), '95fRKMXA+00=');
  assert.equal(resourceRegistry.lookup('', 'v1', 'pods')?.storageVersionHash, 'xPOwRZ+Yhw8=');
  assert.equal(resourceRegistry.lookup('coordination.k8s.io', 'v1', 'leases')?.storageVersionHash, 'gqkMMb/YqFM=');
});

test('pods: verbs, short name, category and subresources as upstream', () => {
  const pods = resourceRegistry.lookup('', 'v1', 'pods');
  assert.ok(pods);
  assert.equal(pods.kind, 'Pod');
  assert.equal(pods.listKind, 'PodList');
  assert.equal(pods.singularName, 'pod');
  assert.equal(pods.namespaced, true);
  assert.deepEqual(pods.verbs, ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']);
  assert.deepEqual(pods.shortNames, ['po']);
  assert.deepEqual(pods.categories, ['all']);
  assert.deepEqual(
    pods.subresources.map((s) => [s.name, s.kind, s.verbs.join(',')]),
    [
      ['attach', 'PodAttachOptions', 'create,get'],
      ['binding', 'Binding', 'create'],
      ['ephemeralcontainers', 'Pod', 'get,patch,update'],
      ['eviction', 'Eviction', 'create'],
      ['exec', 'PodExecOptions', 'create,get'],
      ['log', 'Pod', 'get'],
      ['portforward', 'PodPortForwardOptions', 'create,get'],
      ['proxy', 'PodProxyOptions', 'create,delete,get,patch,update'],
      ['status', 'Pod', 'get,patch,update'],
    ],
  );
  assert.equal(resourceRegistry.lookupSubresource('', 'v1', 'pods', 'log')?.kind, 'Pod');
  const eviction = resourceRegistry.lookupSubresource('', 'v1', 'pods', 'eviction');
  assert.deepEqual([eviction?.group, eviction?.version], ['policy', 'v1']);
});

test('the other core resources and leases', () => {
  const r = resourceRegistry;
  assert.deepEqual(r.lookup('', 'v1', 'nodes')?.shortNames, ['no']);
  assert.equal(r.lookup('', 'v1', 'nodes')?.namespaced, false);
  assert.deepEqual(r.lookup('', 'v1', 'namespaces')?.shortNames, ['ns']);
  assert.deepEqual(r.lookup('', 'v1', 'namespaces')?.verbs, ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch']);
  assert.deepEqual(
    r.lookup('', 'v1', 'namespaces')?.subresources.map((s) => `${s.name}:${s.verbs.join(',')}`),
    ['finalize:update', 'status:get,patch,update'],
  );
  assert.deepEqual(r.lookup('', 'v1', 'events')?.shortNames, ['ev']);
  assert.deepEqual(r.lookup('', 'v1', 'services')?.shortNames, ['svc']);
  assert.deepEqual(r.lookup('', 'v1', 'services')?.categories, ['all']);
  const bindings = r.lookup('', 'v1', 'bindings');
  assert.ok(bindings);
  assert.deepEqual(bindings.verbs, ['create']);
  assert.equal(bindings.storageVersionHash, undefined);
  assert.equal(bindings.listKind, undefined);
  const leases = r.lookup('coordination.k8s.io', 'v1', 'leases');
  assert.ok(leases);
  assert.equal(leases.kind, 'Lease');
  assert.deepEqual(leases.shortNames, []);
  assert.equal(r.lookup('coordination.k8s.io', 'v1', 'pods'), undefined);
  assert.equal(r.lookup('', 'v2', 'pods'), undefined);
  assert.deepEqual(r.lookup('', 'v1', 'secrets')?.shortNames, []);
  assert.deepEqual(r.lookup('', 'v1', 'configmaps')?.shortNames, ['cm']);
  assert.deepEqual(r.lookup('', 'v1', 'serviceaccounts')?.shortNames, ['sa']);
  const csr = r.lookup('certificates.k8s.io', 'v1', 'certificatesigningrequests');
  assert.ok(csr);
  assert.equal(csr.namespaced, false);
  assert.deepEqual(csr.shortNames, ['csr']);
  assert.deepEqual(
    csr.subresources.map((s) => `${s.name}:${s.verbs.join(',')}`),
    ['approval:get,patch,update', 'status:get,patch,update'],
  );
  assert.deepEqual(r.lookupSubresource('', 'v1', 'serviceaccounts', 'token'), { name: 'token', kind: 'TokenRequest', group: 'authentication.k8s.io', version: 'v1', verbs: ['create'] });
});

test('lookups by kind, user-typed names and group versions', () => {
  const r = new ResourceRegistry(CORE_AND_COORDINATION);
  assert.equal(r.lookupKind('', 'v1', 'Node')?.resource, 'nodes');
  assert.equal(r.lookupKind('coordination.k8s.io', 'v1', 'Lease')?.resource, 'leases');
  assert.equal(r.lookupKind('', 'v1', 'Lease'), undefined);
  assert.deepEqual(r.resourcesForKind('Event').map((e) => `${e.group}/${e.resource}`), ['/events']);
  assert.equal(r.resolve('po')?.resource, 'pods');
  assert.equal(r.resolve('Pod')?.resource, 'pods');
  assert.equal(r.resolve('svc')?.resource, 'services');
  assert.equal(r.resolve('lease')?.group, 'coordination.k8s.io');
  assert.equal(r.resolve('lease', ''), undefined);
  assert.deepEqual(r.groupVersions(), [
    { group: '', version: 'v1' },
    { group: 'coordination.k8s.io', version: 'v1' },
  ]);
  assert.deepEqual(r.groupVersions().map(groupVersionString), ['v1', 'coordination.k8s.io/v1']);
  assert.deepEqual(r.coreVersions(), ['v1']);
  assert.deepEqual(r.groups(), [{ name: 'coordination.k8s.io', versions: ['v1'] }]);
  // The RBAC and access review resources of the served registry.
  const roles = resourceRegistry.lookup('rbac.authorization.k8s.io', 'v1', 'roles');
  assert.equal(roles?.kind, 'Role');
  assert.equal(roles?.namespaced, true);
  assert.equal(roles?.storageVersionHash, storageVersionHash('rbac.authorization.k8s.io', 'v1', 'Role'));
  assert.equal(resourceRegistry.lookup('rbac.authorization.k8s.io', 'v1', 'clusterrolebindings')?.namespaced, false);
  const ssar = resourceRegistry.lookup('authorization.k8s.io', 'v1', 'selfsubjectaccessreviews');
  assert.deepEqual(ssar?.verbs, ['create']);
  assert.equal(ssar?.storageVersionHash, undefined);
  assert.equal(resourceRegistry.lookup('authorization.k8s.io', 'v1', 'localsubjectaccessreviews')?.namespaced, true);
  assert.equal(r.group(''), undefined);
  assert.equal(r.servesGroupVersion('coordination.k8s.io', 'v1'), true);
  assert.equal(r.servesGroupVersion('events.k8s.io', 'v1'), false);
  assert.deepEqual(
    r.resourcesIn('', 'v1').map((e) => e.resource),
    ['pods', 'nodes', 'namespaces', 'events', 'services', 'endpoints', 'secrets', 'configmaps', 'serviceaccounts', 'bindings'],
  );
});

test('a private registry sorts verbs and subresources, keeps group order, rejects duplicates, shares storage hashes', () => {
  const defs: ResourceDefinition[] = [
    ...CORE_AND_COORDINATION,
    {
      group: 'events.k8s.io',
      version: 'v1',
      resource: 'events',
      singularName: 'event',
      kind: 'Event',
      listKind: 'EventList',
      namespaced: true,
      verbs: ['watch', 'get', 'list'],
      shortNames: ['ev'],
      storage: { group: '', version: 'v1', kind: 'Event' },
    },
  ];
  const r = new ResourceRegistry(defs);
  const ev = r.lookup('events.k8s.io', 'v1', 'events');
  assert.ok(ev);
  assert.deepEqual(ev.verbs, ['get', 'list', 'watch']);
  assert.equal(ev.storageVersionHash, 'r2yiGXH7wu8=');
  assert.deepEqual(r.groups().map((g) => g.name), ['coordination.k8s.io', 'events.k8s.io']);
  assert.deepEqual(r.resourcesForKind('Event').map((e) => e.group), ['', 'events.k8s.io']);
  assert.throws(() => new ResourceRegistry([...BUILTIN_RESOURCES, BUILTIN_RESOURCES[0]!]), /duplicate resource \/v1\/pods/);
});
