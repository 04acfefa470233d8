import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Endpoints, Service } from '../../shared/api/core-v1.ts';
import type { EndpointSlice } from '../../shared/api/discovery-v1.ts';
import { endpointSlicesResource, endpointsResource, servicesResource } from '../../shared/client/clientset.ts';
import { newFixture, type Fixture } from '../framework/testing.ts';
import { canonicalIP, EndpointSliceMirroringController } from './endpointslice-mirroring-controller.ts';

function service(name: string, selector?: Record<string, string>): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec: { ports: [{ name: 'http', port: 80, protocol: 'TCP' }], ...(selector ? { selector } : {}) } };
}

function endpoints(name: string, ips: { ready?: string[]; notReady?: string[] }, o: { labels?: Record<string, string>; annotations?: Record<string, string> } = {}): Endpoints {
  return {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name, namespace: 'default', ...(o.labels ? { labels: o.labels } : {}), ...(o.annotations ? { annotations: o.annotations } : {}) },
    subsets: [
      {
        ...(ips.ready ? { addresses: ips.ready.map((ip) => ({ ip })) } : {}),
        ...(ips.notReady ? { notReadyAddresses: ips.notReady.map((ip) => ({ ip })) } : {}),
        ports: [{ name: 'http', port: 8080, protocol: 'TCP' as const }],
      },
    ],
  };
}

async function fixture(objects: (Service | Endpoints)[], max?: number): Promise<Fixture<EndpointSliceMirroringController>> {
  return newFixture({ objects, resources: [servicesResource, endpointsResource, endpointSlicesResource] }, (ctx) => new EndpointSliceMirroringController({ ...ctx, ...(max ? { maxEndpointsPerSubset: max } : {}) }));
}

const slices = async (f: Fixture<EndpointSliceMirroringController>) => (await f.clientset.endpointSlices.list('default')).items as EndpointSlice[];

test('Endpoints of a selector-less Service are mirrored: labels, annotations, owner, ready conditions; unchanged means no write', async () => {
  const f = await fixture([
    service('ext'),
    endpoints('ext', { ready: ['10.1.0.2'], notReady: ['10.1.0.3'] }, { labels: { app: 'x' }, annotations: { note: 'n', 'endpoints.kubernetes.io/last-change-trigger-time': '2026-01-01T00:00:00Z' } }),
  ]);
  await f.controller.syncEndpoints('default/ext');
  const [s] = await slices(f);
  assert.ok(s);
  assert.equal(f.writeActions()[0]?.object?.metadata?.generateName, 'ext-');
  assert.deepEqual(s.metadata.labels, { app: 'x', 'kubernetes.io/service-name': 'ext', 'endpointslice.kubernetes.io/managed-by': 'endpointslicemirroring-controller.k8s.io' });
  assert.deepEqual(s.metadata.annotations, { note: 'n' });
  const ep = (await f.clientset.endpoints.get('default', 'ext')) as Endpoints;
  assert.deepEqual(s.metadata.ownerReferences, [{ apiVersion: 'v1', kind: 'Endpoints', name: 'ext', uid: ep.metadata.uid, controller: true, blockOwnerDeletion: true }]);
  assert.equal(s.addressType, 'IPv4');
  assert.deepEqual(s.ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);
  assert.deepEqual(s.endpoints.map((e) => [e.addresses[0], e.conditions?.ready]).sort(), [['10.1.0.2', true], ['10.1.0.3', false]]);
  f.clientset.clearActions();
  await f.controller.syncEndpoints('default/ext');
  assert.deepEqual(f.writes(), []);
  await f.stop();
});

test('an address change updates the slice in place; removing every address deletes it', async () => {
  const f = await fixture([service('ext'), endpoints('ext', { ready: ['10.1.0.2'] })]);
  await f.controller.syncEndpoints('default/ext');
  const [first] = await slices(f);
  const ep = (await f.clientset.endpoints.get('default', 'ext')) as Endpoints;
  ep.subsets = endpoints('ext', { ready: ['10.1.0.2', '10.1.0.4'] }).subsets;
  await f.clientset.endpoints.update(ep);
  await f.settle();
  f.clientset.clearActions();
  await f.controller.syncEndpoints('default/ext');
  assert.deepEqual(f.writes(), [`update endpointslices ${first?.metadata.name}`]);
  assert.deepEqual((await slices(f))[0]?.endpoints.map((e) => e.addresses[0]).sort(), ['10.1.0.2', '10.1.0.4']);
  const ep2 = (await f.clientset.endpoints.get('default', 'ext')) as Endpoints;
  delete ep2.subsets;
  await f.clientset.endpoints.update(ep2);
  await f.settle();
  f.clientset.clearActions();
  await f.controller.syncEndpoints('default/ext');
  assert.deepEqual(f.writes(), [`delete endpointslices ${first?.metadata.name}`]);
  await f.stop();
});

test('not mirrored: a Service with a selector, no Service, skip-mirror, leader-election records; mirrored slices go when that becomes so', async () => {
  const f = await fixture([
    service('sel', { app: 'a' }),
    endpoints('sel', { ready: ['10.1.0.2'] }),
    endpoints('orphan', { ready: ['10.1.0.3'] }),
    service('skip'),
    endpoints('skip', { ready: ['10.1.0.4'] }, { labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } }),
    service('ext'),
    endpoints('ext', { ready: ['10.1.0.5'] }),
  ]);
  for (const k of ['sel', 'orphan', 'skip']) await f.controller.syncEndpoints(`default/${k}`);
  assert.deepEqual(f.writes(), []);
  await f.controller.syncEndpoints('default/ext');
  assert.equal((await slices(f)).length, 1);
  await f.clientset.services.delete('default', 'ext');
  await f.settle();
  f.clientset.clearActions();
  await f.controller.syncEndpoints('default/ext');
  assert.equal(f.writes().length, 1);
  assert.match(f.writes()[0] ?? '', /^delete endpointslices ext-/);
  await f.stop();
});

test('invalid IPs and addresses over the per-subset maximum are skipped with events', async () => {
  const f = await fixture([service('ext'), endpoints('ext', { ready: ['0bad', '10.1.0.1', '10.1.0.2', '10.1.0.3'] })], 2);
  await f.controller.syncEndpoints('default/ext');
  assert.equal((await slices(f))[0]?.endpoints.length, 2);
  assert.deepEqual(f.recorder.strings(), [
    'Warning InvalidIPAddress Skipped 1 invalid IP addresses when mirroring to EndpointSlices',
    'Warning TooManyAddressesToMirror A max of 2 addresses can be mirrored to EndpointSlices per Endpoints subset. 2 addresses were skipped',
  ]);
  await f.stop();
});

test('canonicalIP: sloppy IPv4, IPv6 compression, v4-mapped v6, and non-IPs', () => {
  assert.deepEqual(canonicalIP('010.001.0.7'), { ip: '10.1.0.7', addressType: 'IPv4' });
  assert.deepEqual(canonicalIP('FD00:0:0::0001'), { ip: 'fd00::1', addressType: 'IPv6' });
  assert.deepEqual(canonicalIP('::ffff:10.0.0.1'), { ip: '10.0.0.1', addressType: 'IPv4' });
  assert.equal(canonicalIP('256.0.0.1'), undefined);
  assert.equal(canonicalIP('example.com'), undefined);
});
