import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BUILTIN_RESOURCES, ResourceRegistry, resourceRegistry } from '../registry/resource-registry.ts';
import {
  AGGREGATED_DISCOVERY_V2_CONTENT_TYPE,
  AGGREGATED_DISCOVERY_V2BETA1_CONTENT_TYPE,
  aggregatedDiscovery,
  aggregatedDiscoveryContentType,
  type APIResourceDiscovery,
} from './aggregated-discovery.ts';
import { apiResourceList } from './legacy-discovery.ts';

test('content types are exactly what kubectl expects', () => {
  assert.equal(AGGREGATED_DISCOVERY_V2_CONTENT_TYPE, 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
  assert.equal(AGGREGATED_DISCOVERY_V2BETA1_CONTENT_TYPE, 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList');
  assert.equal(aggregatedDiscoveryContentType(), AGGREGATED_DISCOVERY_V2_CONTENT_TYPE);
  assert.equal(aggregatedDiscoveryContentType('v2beta1'), AGGREGATED_DISCOVERY_V2BETA1_CONTENT_TYPE);
});

test('GET /api aggregated: one unnamed item for the core group, pods as kube-apiserver reports them', () => {
  const doc = aggregatedDiscovery('api');
  assert.equal(doc.kind, 'APIGroupDiscoveryList');
  assert.equal(doc.apiVersion, 'apidiscovery.k8s.io/v2');
  assert.deepEqual(doc.metadata, {});
  assert.equal(doc.items.length, 1);
  const core = doc.items[0]!;
  assert.deepEqual(core.metadata, { creationTimestamp: null });
  assert.equal(core.versions.length, 1);
  assert.equal(core.versions[0]!.version, 'v1');
  assert.equal(core.versions[0]!.freshness, 'Current');
  const resources = core.versions[0]!.resources ?? [];
  assert.deepEqual(
    resources.map((r) => r.resource),
    ['bindings', 'configmaps', 'endpoints', 'events', 'namespaces', 'nodes', 'pods', 'secrets', 'serviceaccounts', 'services'],
  );
  const pods = resources.find((r) => r.resource === 'pods');
  assert.equal(
    JSON.stringify(pods),
    '{"resource":"pods","responseKind":{"group":"","version":"","kind":"Pod"},"scope":"Namespaced","singularResource":"pod",' +
      '"verbs":["create","delete","deletecollection","get","list","patch","update","watch"],"shortNames":["po"],"categories":["all"],' +
      '"subresources":[' +
      '{"subresource":"attach","responseKind":{"group":"","version":"","kind":"PodAttachOptions"},"verbs":["create","get"]},' +
      '{"subresource":"binding","responseKind":{"group":"","version":"","kind":"Binding"},"verbs":["create"]},' +
      '{"subresource":"ephemeralcontainers","responseKind":{"group":"","version":"","kind":"Pod"},"verbs":["get","patch","update"]},' +
      '{"subresource":"eviction","responseKind":{"group":"policy","version":"v1","kind":"Eviction"},"verbs":["create"]},' +
      '{"subresource":"exec","responseKind":{"group":"","version":"","kind":"PodExecOptions"},"verbs":["create","get"]},' +
      '{"subresource":"log","responseKind":{"group":"","version":"","kind":"Pod"},"verbs":["get"]},' +
      '{"subresource":"portforward","responseKind":{"group":"","version":"","kind":"PodPortForwardOptions"},"verbs":["create","get"]},' +
      '{"subresource":"proxy","responseKind":{"group":"","version":"","kind":"PodProxyOptions"},"verbs":["create","delete","get","patch","update"]},' +
      '{"subresource":"status","responseKind":{"group":"","version":"","kind":"Pod"},"verbs":["get","patch","update"]}]}',
  );
  const nodes = resources.find((r) => r.resource === 'nodes');
  assert.equal(nodes?.scope, 'Cluster');
  const bindings = resources.find((r) => r.resource === 'bindings');
  assert.equal(
    JSON.stringify(bindings),
    '{"resource":"bindings","responseKind":{"group":"","version":"","kind":"Binding"},"scope":"Namespaced","singularResource":"binding","verbs":["create"]}',
  );
});

test('GET /apis aggregated: one named item per group; an empty registry gives no items', () => {
  const doc = aggregatedDiscovery('apis');
  assert.ok(JSON.stringify(doc).startsWith('{"kind":"APIGroupDiscoveryList","apiVersion":"apidiscovery.k8s.io/v2","metadata":{},"items":['));
  assert.deepEqual(
    doc.items.map((i) => i.metadata.name),
    ['apps', 'authentication.k8s.io', 'authorization.k8s.io', 'batch', 'certificates.k8s.io', 'policy', 'rbac.authorization.k8s.io', 'coordination.k8s.io', 'discovery.k8s.io'],
  );
  assert.equal(
    JSON.stringify(doc.items.find((i) => i.metadata.name === 'coordination.k8s.io')),
    '{"metadata":{"name":"coordination.k8s.io","creationTimestamp":null},"versions":[{"version":"v1","resources":[' +
      '{"resource":"leases","responseKind":{"group":"","version":"","kind":"Lease"},"scope":"Namespaced","singularResource":"lease",' +
      '"verbs":["create","delete","deletecollection","get","list","patch","update","watch"]}],"freshness":"Current"}]}',
  );
  assert.equal(
    JSON.stringify(doc.items.find((i) => i.metadata.name === 'certificates.k8s.io')),
    '{"metadata":{"name":"certificates.k8s.io","creationTimestamp":null},"versions":[{"version":"v1","resources":[' +
      '{"resource":"certificatesigningrequests","responseKind":{"group":"","version":"","kind":"CertificateSigningRequest"},"scope":"Cluster",' +
      '"singularResource":"certificatesigningrequest","verbs":["create","delete","deletecollection","get","list","patch","update","watch"],"shortNames":["csr"],' +
      '"subresources":[{"subresource":"approval","responseKind":{"group":"","version":"","kind":"CertificateSigningRequest"},"verbs":["get","patch","update"]},' +
      '{"subresource":"status","responseKind":{"group":"","version":"","kind":"CertificateSigningRequest"},"verbs":["get","patch","update"]}]}],"freshness":"Current"}]}',
  );
  const coreOnly = new ResourceRegistry(BUILTIN_RESOURCES.filter((r) => r.group === ''));
  assert.equal(JSON.stringify(aggregatedDiscovery('apis', 'v2', coreOnly)), '{"kind":"APIGroupDiscoveryList","apiVersion":"apidiscovery.k8s.io/v2","metadata":{},"items":[]}');
  assert.equal(aggregatedDiscovery('apis', 'v2beta1').apiVersion, 'apidiscovery.k8s.io/v2beta1');
});

test('legacy and aggregated discovery list the same resources, kinds, scopes, verbs, short names, categories and subresources', () => {
  for (const gv of resourceRegistry.groupVersions()) {
    const legacy = apiResourceList(gv.group, gv.version);
    assert.ok(legacy, `${gv.group}/${gv.version}`);
    const doc = aggregatedDiscovery(gv.group === '' ? 'api' : 'apis');
    const item = doc.items.find((i) => (i.metadata.name ?? '') === gv.group);
    assert.ok(item);
    const aggregated: APIResourceDiscovery[] = item.versions.find((v) => v.version === gv.version)?.resources ?? [];

    const fromLegacy = legacy.resources.map((r) => {
      const [res, sub] = r.name.split('/');
      return { res, sub, kind: r.kind, namespaced: r.namespaced, verbs: r.verbs, shortNames: r.shortNames ?? [], categories: r.categories ?? [], singular: r.singularName };
    });
    const fromAggregated = aggregated.flatMap((r) => [
      {
        res: r.resource,
        sub: undefined,
        kind: r.responseKind.kind,
        namespaced: r.scope === 'Namespaced',
        verbs: r.verbs,
        shortNames: r.shortNames ?? [],
        categories: r.categories ?? [],
        singular: r.singularResource,
      },
      ...(r.subresources ?? []).map((s) => ({
        res: r.resource,
        sub: s.subresource,
        kind: s.responseKind.kind,
        namespaced: r.scope === 'Namespaced',
        verbs: s.verbs,
        shortNames: [],
        categories: [],
        singular: '',
      })),
    ]);
    const key = (x: { res?: string; sub?: string }) => `${x.res}/${x.sub ?? ''}`;
    assert.deepEqual(
      [...fromAggregated].sort((a, b) => key(a).localeCompare(key(b))),
      [...fromLegacy].sort((a, b) => key(a).localeCompare(key(b))),
      `${gv.group}/${gv.version}`,
    );
    // And both agree with the registry.
    assert.equal(aggregated.length, resourceRegistry.resourcesIn(gv.group, gv.version).length);
  }
});

test('a subresource of another group keeps its group/version in responseKind', () => {
  const r = new ResourceRegistry(
    BUILTIN_RESOURCES.map((d) =>
      d.resource === 'pods' ? { ...d, subresources: [...(d.subresources ?? []), { name: 'eviction', group: 'policy', version: 'v1', kind: 'Eviction', verbs: ['create'] }] } : d,
    ),
  );
  const pods = aggregatedDiscovery('api', 'v2', r).items[0]!.versions[0]!.resources!.find((x) => x.resource === 'pods');
  assert.deepEqual(pods?.subresources?.find((s) => s.subresource === 'eviction'), {
    subresource: 'eviction',
    responseKind: { group: 'policy', version: 'v1', kind: 'Eviction' },
    verbs: ['create'],
  });
});
