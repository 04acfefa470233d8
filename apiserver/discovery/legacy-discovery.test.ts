import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BUILTIN_RESOURCES, ResourceRegistry } from '../registry/resource-registry.ts';
import { apiGroup, apiGroupList, apiResourceList, legacyAPIVersions } from './legacy-discovery.ts';

test('GET /api: APIVersions without apiVersion, with the server address for 0.0.0.0/0', () => {
  assert.equal(
    JSON.stringify(legacyAPIVersions({ serverAddress: '127.0.0.1:6443' })),
    '{"kind":"APIVersions","versions":["v1"],"serverAddressByClientCIDRs":[{"clientCIDR":"0.0.0.0/0","serverAddress":"127.0.0.1:6443"}]}',
  );
  assert.deepEqual(legacyAPIVersions().serverAddressByClientCIDRs, []);
});

test('GET /apis and /apis/<group>', () => {
  const list = apiGroupList();
  assert.ok(JSON.stringify(list).startsWith('{"kind":"APIGroupList","apiVersion":"v1","groups":['));
  // kube-apiserver's group priority order.
  assert.deepEqual(
    list.groups.map((g) => g.name),
    ['apps', 'authentication.k8s.io', 'authorization.k8s.io', 'batch', 'certificates.k8s.io', 'policy', 'rbac.authorization.k8s.io', 'coordination.k8s.io', 'discovery.k8s.io'],
  );
  assert.equal(
    JSON.stringify(list.groups.find((g) => g.name === 'coordination.k8s.io')),
    '{"name":"coordination.k8s.io","versions":[{"groupVersion":"coordination.k8s.io/v1","version":"v1"}],"preferredVersion":{"groupVersion":"coordination.k8s.io/v1","version":"v1"}}',
  );
  assert.equal(
    JSON.stringify(apiGroup('coordination.k8s.io')),
    '{"kind":"APIGroup","apiVersion":"v1","name":"coordination.k8s.io","versions":[{"groupVersion":"coordination.k8s.io/v1","version":"v1"}],"preferredVersion":{"groupVersion":"coordination.k8s.io/v1","version":"v1"}}',
  );
  assert.equal(apiGroup('extensions'), undefined);
  assert.equal(apiGroup(''), undefined);
  const empty = new ResourceRegistry(BUILTIN_RESOURCES.filter((r) => r.group === ''));
  assert.equal(JSON.stringify(apiGroupList(empty)), '{"kind":"APIGroupList","apiVersion":"v1","groups":[]}');
});

test('GET /apis/coordination.k8s.io/v1 is byte-identical to a real kube-apiserver', () => {
  // Captured from a real cluster (kubectl -v=9 output).
  assert.equal(
    JSON.stringify(apiResourceList('coordination.k8s.io', 'v1')),
    '{"kind":"APIResourceList","apiVersion":"v1","groupVersion":"coordination.k8s.io/v1","resources":[{"name":"leases","singularName":"lease","namespaced":true,"kind":"Lease","verbs":["create","delete","deletecollection","get","list","patch","update","watch"],"storageVersionHash":"gqkMMb/YqFM="}]}',
  );
  assert.equal(apiResourceList('coordination.k8s.io', 'v1beta1'), undefined);
  assert.equal(
    JSON.stringify(apiResourceList('certificates.k8s.io', 'v1')),
    '{"kind":"APIResourceList","apiVersion":"v1","groupVersion":"certificates.k8s.io/v1","resources":[' +
      '{"name":"certificatesigningrequests","singularName":"certificatesigningrequest","namespaced":false,"kind":"CertificateSigningRequest","verbs":["create","delete","deletecollection","get","list","patch","update","watch"],"shortNames":["csr"],"storageVersionHash":"95fRKMXA+00="},' +
      '{"name":"certificatesigningrequests/approval","singularName":"","namespaced":false,"kind":"CertificateSigningRequest","verbs":["get","patch","update"]},' +
      '{"name":"certificatesigningrequests/status","singularName":"","namespaced":false,"kind":"CertificateSigningRequest","verbs":["get","patch","update"]}]}',
  );
  assert.equal(apiResourceList('', 'v2'), undefined);
});

test('GET /api/v1: sorted entries, subresources as pods/log, every entry as a real 1.31 server writes it', () => {
  const list = apiResourceList('', 'v1');
  assert.ok(list);
  const json = JSON.stringify(list);
  assert.ok(json.startsWith('{"kind":"APIResourceList","groupVersion":"v1","resources":['), json.slice(0, 80));
  assert.deepEqual(
    list.resources.map((r) => r.name),
    [
      'bindings',
      'configmaps',
      'endpoints',
      'events',
      'namespaces',
      'namespaces/finalize',
      'namespaces/status',
      'nodes',
      'nodes/proxy',
      'nodes/status',
      'pods',
      'pods/attach',
      'pods/binding',
      'pods/ephemeralcontainers',
      'pods/eviction',
      'pods/exec',
      'pods/log',
      'pods/portforward',
      'pods/proxy',
      'pods/status',
      'secrets',
      'serviceaccounts',
      'serviceaccounts/token',
      'services',
      'services/proxy',
      'services/status',
    ],
  );
  // Each entry below is verbatim from a real 1.31 /api/v1 response.
  const real = [
    '{"name":"bindings","singularName":"binding","namespaced":true,"kind":"Binding","verbs":["create"]}',
    '{"name":"configmaps","singularName":"configmap","namespaced":true,"kind":"ConfigMap","verbs":["create","delete","deletecollection","get","list","patch","update","watch"],"shortNames":["cm"],"storageVersionHash":"qFsyl6wFWjQ="}',
    '{"name":"endpoints","singularName":"endpoints","namespaced":true,"kind":"Endpoints","verbs":["create","delete","deletecollection","get","list","patch","update","watch"],"shortNames":["ep"],"storageVersionHash":"fWeeMqaN/OA="}',
    '{"name":"events","singularName":"event","namespaced":true,"kind":"Event","verbs":["create","delete","deletecollection","get","list","patch","update","watch"],"shortNames":["ev"],"storageVersionHash":"r2yiGXH7wu8="}',
    '{"name":"namespaces","singularName":"namespace","namespaced":false,"kind":"Namespace","verbs":["create","delete","get","list","patch","update","watch"],"shortNames":["ns"],"storageVersionHash":"Q3oi5N2YM8M="}',
    '{"name":"namespaces/finalize","singularName":"","namespaced":false,"kind":"Namespace","verbs":["update"]}',
    '{"name":"namespaces/status","singularName":"","namespaced":false,"kind":"Namespace","verbs":["get","patch","update"]}',
    '{"name":"nodes","singularName":"node","namespaced":false,"kind":"Node","verbs":["create","delete","deletecollection","get","list","patch","update","watch"],"shortNames":["no"],"storageVersionHash":"XwShjMxG9Fs="}',
    '{"name":"nodes/proxy","singularName":"","namespaced":false,"kind":"NodeProxyOptions","verbs":["create","delete","get","patch","update"]}',
    '{"name":"nodes/status","singularName":"","namespaced":false,"kind":"Node","verbs":["get","patch","update"]}',
    '{"name":"pods","singularName":"pod","namespaced":true,"kind":"Pod","verbs":["create","delete","deletecollection","get","list","patch","update","watch"],"shortNames":["po"],"categories":["all"],"storageVersionHash":"xPOwRZ+Yhw8="}',
    '{"name":"pods/attach","singularName":"","namespaced":true,"kind":"PodAttachOptions","verbs":["create","get"]}',
    '{"name":"pods/binding","singularName":"","namespaced":true,"kind":"Binding","verbs":["create"]}',
    '{"name":"pods/ephemeralcontainers","singularName":"","namespaced":true,"kind":"Pod","verbs":["get","patch","update"]}',
    '{"name":"pods/eviction","singularName":"","namespaced":true,"group":"policy","version":"v1","kind":"Eviction","verbs":["create"]}',
    '{"name":"pods/exec","singularName":"","namespaced":true,"kind":"PodExecOptions","verbs":["create","get"]}',
    '{"name":"pods/log","singularName":"","namespaced":true,"kind":"Pod","verbs":["get"]}',
    '{"name":"pods/portforward","singularName":"","namespaced":true,"kind":"PodPortForwardOptions","verbs":["create","get"]}',
    '{"name":"pods/proxy","singularName":"","namespaced":true,"kind":"PodProxyOptions","verbs":["create","delete","get","patch","update"]}',
    '{"name":"pods/status","singularName":"","namespaced":true,"kind":"Pod","verbs":["get","patch","update"]}',
    '{"name":"secrets","singularName":"secret","namespaced":true,"kind":"Secret","verbs":["create","delete","deletecollection","get","list","patch","update","watch"],"storageVersionHash":"S6u1pOWzb84="}',
    '{"name":"serviceaccounts","singularName":"serviceaccount","namespaced":true,"kind":"ServiceAccount","verbs":["create","delete","deletecollection","get","list","patch","update","watch"],"shortNames":["sa"],"storageVersionHash":"pbx9ZvyFpBE="}',
    '{"name":"serviceaccounts/token","singularName":"","namespaced":true,"group":"authentication.k8s.io","version":"v1","kind":"TokenRequest","verbs":["create"]}',
    '{"name":"services","singularName":"service","namespaced":true,"kind":"Service","verbs":["create","delete","deletecollection","get","list","patch","update","watch"],"shortNames":["svc"],"categories":["all"],"storageVersionHash":"0/CO1lhkEBI="}',
    '{"name":"services/proxy","singularName":"","namespaced":true,"kind":"ServiceProxyOptions","verbs":["create","delete","get","patch","update"]}',
    '{"name":"services/status","singularName":"","namespaced":true,"kind":"Service","verbs":["get","patch","update"]}',
  ];
  assert.deepEqual(list.resources.map((r) => JSON.stringify(r)), real);
});

test('a subresource of another group reports its group and version (pods/eviction shape)', () => {
  const r = new ResourceRegistry(
    BUILTIN_RESOURCES.map((d) =>
      d.resource === 'pods' ? { ...d, subresources: [...(d.subresources ?? []), { name: 'eviction', group: 'policy', version: 'v1', kind: 'Eviction', verbs: ['create'] }] } : d,
    ),
  );
  const eviction = apiResourceList('', 'v1', r)?.resources.find((x) => x.name === 'pods/eviction');
  assert.equal(
    JSON.stringify(eviction),
    '{"name":"pods/eviction","singularName":"","namespaced":true,"group":"policy","version":"v1","kind":"Eviction","verbs":["create"]}',
  );
});

test('GET /apis/discovery.k8s.io/v1 is byte-identical to a real kube-apiserver', () => {
  assert.equal(
    JSON.stringify(apiResourceList('discovery.k8s.io', 'v1')),
    '{"kind":"APIResourceList","apiVersion":"v1","groupVersion":"discovery.k8s.io/v1","resources":[{"name":"endpointslices","singularName":"endpointslice","namespaced":true,"kind":"EndpointSlice","verbs":["create","delete","deletecollection","get","list","patch","update","watch"],"storageVersionHash":"qgS0xkrxYAI="}]}',
  );
});
