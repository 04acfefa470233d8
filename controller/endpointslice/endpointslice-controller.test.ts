import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Pod, Service } from '../../shared/api/core-v1.ts';
import type { EndpointSlice } from '../../shared/api/discovery-v1.ts';
import { endpointSlicesResource, endpointsResource, servicesResource } from '../../shared/client/clientset.ts';
import { newFixture, newNode, newPod, T0, type Fixture } from '../framework/testing.ts';
import { rfc3339 } from '../framework/time-format.ts';
import { EndpointSliceController } from './endpointslice-controller.ts';
import { ANNOTATION_LAST_CHANGE_TRIGGER_TIME } from './endpointslice-util.ts';

function service(name: string, o: { selector?: Record<string, string> | null; ports?: Service['spec'] extends infer S ? S extends { ports?: infer P } ? P : never : never; clusterIP?: string; type?: 'ExternalName'; labels?: Record<string, string>; publishNotReady?: boolean } = {}): Service {
  const spec: NonNullable<Service['spec']> = {
    ports: o.ports ?? [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 }],
    clusterIP: o.clusterIP ?? '10.96.0.10',
    ipFamilies: ['IPv4'],
  };
  if (o.selector !== null) spec.selector = o.selector ?? { app: 'web' };
  if (o.type) spec.type = o.type;
  if (o.publishNotReady) spec.publishNotReadyAddresses = true;
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default', ...(o.labels ? { labels: o.labels } : {}) }, spec };
}

interface PodOpts {
  ready?: boolean;
  ip?: string;
  node?: string;
  labels?: Record<string, string>;
  namespace?: string;
  phase?: 'Running' | 'Succeeded';
  ports?: { name: string; containerPort: number }[];
  hostname?: string;
  subdomain?: string;
}

let ipSeq = 1;
function pod(name: string, o: PodOpts = {}): Pod {
  const p = newPod(o.namespace ?? 'default', name, { ready: o.ready ?? true, nodeName: o.node ?? 'n1', phase: o.phase ?? 'Running' });
  p.metadata.labels = o.labels ?? { app: 'web' };
  const ip = o.ip === '' ? undefined : o.ip ?? `10.244.0.${ipSeq++}`;
  if (ip) p.status = { ...p.status, podIP: ip, podIPs: [{ ip }] };
  if (o.ports) (p.spec.containers[0] as { ports?: unknown }).ports = o.ports.map((x) => ({ ...x, protocol: 'TCP' }));
  if (o.hostname) p.spec.hostname = o.hostname;
  if (o.subdomain) p.spec.subdomain = o.subdomain;
  return p;
}

function zoned(name: string, zone: string): Node {
  const n = newNode(name, { ready: 'True' });
  n.metadata.labels = { 'topology.kubernetes.io/zone': zone };
  return n;
}

async function fixture(objects: (Pod | Service | Node | EndpointSlice)[], max?: number): Promise<Fixture<EndpointSliceController>> {
  const hasNode = objects.some((o) => o.kind === 'Node');
  const all = hasNode ? objects : [newNode('n1', { ready: 'True' }), ...objects];
  return newFixture({ objects: all, resources: [servicesResource, endpointSlicesResource, endpointsResource] }, (ctx) =>
    new EndpointSliceController({ ...ctx, ...(max ? { maxEndpointsPerSlice: max } : {}) }),
  );
}

async function slicesOf(f: Fixture<EndpointSliceController>, svc = 'web'): Promise<EndpointSlice[]> {
  const list = await f.clientset.endpointSlices.list('default');
  return list.items.filter((s) => s.metadata.labels?.['kubernetes.io/service-name'] === svc).sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
}

const ips = (s: EndpointSlice) => s.endpoints.map((e) => e.addresses[0]).sort();

test('a Service gets one slice: labels, owner, ports, one endpoint per eligible pod with conditions, node, zone and target', async () => {
  const f = await fixture([
    zoned('n1', 'z1'),
    service('web', { labels: { team: 'a' } }),
    pod('a', { ip: '10.244.0.1' }),
    pod('b', { ip: '10.244.0.2', ready: false }),
    pod('done', { ip: '10.244.0.3', phase: 'Succeeded' }),
    pod('noip', { ip: '' }),
    pod('other', { ip: '10.244.0.4', labels: { app: 'db' } }),
    pod('elsewhere', { ip: '10.244.0.5', namespace: 'kube-system' }),
  ]);
  await f.controller.syncService('default/web');
  assert.deepEqual(f.writes(), ['create endpointslices ']);
  assert.equal(f.writeActions()[0]?.object?.metadata?.generateName, 'web-');
  const [s] = await slicesOf(f);
  assert.ok(s);
  assert.match(s.metadata.name ?? '', /^web-/);
  assert.deepEqual(s.metadata.labels, { team: 'a', 'kubernetes.io/service-name': 'web', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' });
  const svc = await f.clientset.services.get('default', 'web');
  assert.deepEqual(s.metadata.ownerReferences, [{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: svc.metadata.uid, controller: true, blockOwnerDeletion: true }]);
  assert.equal(s.addressType, 'IPv4');
  assert.deepEqual(s.ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);
  assert.deepEqual(ips(s), ['10.244.0.1', '10.244.0.2']);
  const a = s.endpoints.find((e) => e.addresses[0] === '10.244.0.1');
  assert.deepEqual(a, {
    addresses: ['10.244.0.1'],
    conditions: { ready: true, serving: true, terminating: false },
    targetRef: { kind: 'Pod', namespace: 'default', name: 'a', uid: (await f.clientset.pods.get('default', 'a')).metadata.uid },
    nodeName: 'n1',
    zone: 'z1',
  });
  assert.deepEqual(s.endpoints.find((e) => e.addresses[0] === '10.244.0.2')?.conditions, { ready: false, serving: false, terminating: false });
  // First sync of a Service: the trigger time is its creation.
  assert.equal(s.metadata.annotations?.[ANNOTATION_LAST_CHANGE_TRIGGER_TIME], rfc3339(T0));
  // Nothing changed: nothing written.
  f.clientset.clearActions();
  await f.controller.syncService('default/web');
  assert.deepEqual(f.writes(), []);
  await f.stop();
});

test('a deleting pod turns terminating at once: ready false, serving kept; the slice is updated in place', async () => {
  const f = await fixture([service('web'), pod('a', { ip: '10.244.0.1' }), pod('b', { ip: '10.244.0.2' })]);
  await f.controller.syncService('default/web');
  await f.clientset.pods.delete('default', 'a');
  await f.settle();
  // The handler queued the Service with no delay (batch period 0).
  assert.equal(f.controller.controller.queue.len(), 1);
  f.clientset.clearActions();
  await f.controller.syncService('default/web');
  const [s] = await slicesOf(f);
  assert.ok(s);
  assert.deepEqual(f.writes(), [`update endpointslices ${s.metadata.name}`]);
  assert.deepEqual(s.endpoints.find((e) => e.addresses[0] === '10.244.0.1')?.conditions, { ready: false, serving: true, terminating: true });
  assert.deepEqual(s.endpoints.find((e) => e.addresses[0] === '10.244.0.2')?.conditions, { ready: true, serving: true, terminating: false });
  await f.stop();
});

test('a readiness flip reaches the slice and carries the pod Ready transition as the trigger time', async () => {
  const f = await fixture([service('web'), pod('a', { ip: '10.244.0.1' })]);
  await f.controller.syncService('default/web');
  const p = (await f.clientset.pods.get('default', 'a')) as Pod;
  p.status = { ...p.status, conditions: [{ type: 'Ready', status: 'False', lastTransitionTime: rfc3339(T0 + 7000) }] };
  await f.clientset.pods.updateStatus(p);
  await f.settle();
  assert.equal(f.controller.controller.queue.len(), 1);
  await f.controller.syncService('default/web');
  const [s] = await slicesOf(f);
  assert.deepEqual(s?.endpoints[0]?.conditions, { ready: false, serving: false, terminating: false });
  assert.equal(s?.metadata.annotations?.[ANNOTATION_LAST_CHANGE_TRIGGER_TIME], rfc3339(T0 + 7000));
  await f.stop();
});

test('a named targetPort resolves per pod: pods resolving differently go to different slices; pods without it get no port', async () => {
  const ports = [{ name: 'http', port: 80, protocol: 'TCP' as const, targetPort: 'web' }];
  const f = await fixture([
    service('web', { ports }),
    pod('a', { ip: '10.244.0.1', ports: [{ name: 'web', containerPort: 8080 }] }),
    pod('b', { ip: '10.244.0.2', ports: [{ name: 'web', containerPort: 8080 }] }),
    pod('c', { ip: '10.244.0.3', ports: [{ name: 'web', containerPort: 9090 }] }),
  ]);
  await f.controller.syncService('default/web');
  const slices = await slicesOf(f);
  assert.equal(slices.length, 2);
  const byPort = new Map(slices.map((s) => [s.ports?.[0]?.port, ips(s)]));
  assert.deepEqual(byPort.get(8080), ['10.244.0.1', '10.244.0.2']);
  assert.deepEqual(byPort.get(9090), ['10.244.0.3']);
  await f.stop();
});

test('headless Service: headless label, and the hostname of pods whose subdomain is the Service', async () => {
  const f = await fixture([
    service('db', { clusterIP: 'None', selector: { app: 'db' } }),
    pod('db-0', { ip: '10.244.0.1', labels: { app: 'db' }, hostname: 'db-0', subdomain: 'db' }),
    pod('db-1', { ip: '10.244.0.2', labels: { app: 'db' }, hostname: 'db-1', subdomain: 'other' }),
  ]);
  await f.controller.syncService('default/db');
  const [s] = await slicesOf(f, 'db');
  assert.equal(s?.metadata.labels?.['service.kubernetes.io/headless'], '');
  assert.equal(s?.endpoints.find((e) => e.targetRef?.name === 'db-0')?.hostname, 'db-0');
  assert.equal(s?.endpoints.find((e) => e.targetRef?.name === 'db-1')?.hostname, undefined);
  await f.stop();
});

test('maxEndpointsPerSlice packs; removing an endpoint updates its slice only; a new one fills the slice with room', async () => {
  const f = await fixture([service('web'), ...['a', 'b', 'c', 'd', 'e'].map((n, i) => pod(n, { ip: `10.244.0.${i + 1}` }))], 2);
  await f.controller.syncService('default/web');
  let slices = await slicesOf(f);
  assert.deepEqual(slices.map((s) => s.endpoints.length).sort(), [1, 2, 2]);
  await f.clientset.pods.delete('default', 'a', { gracePeriodSeconds: 0 });
  await f.settle();
  f.clientset.clearActions();
  await f.controller.syncService('default/web');
  const writes = f.writes();
  assert.equal(writes.length, 1, `one write, got ${writes.join('; ')}`);
  slices = await slicesOf(f);
  assert.equal(slices.flatMap(ips).length, 4);
  assert.ok(!slices.flatMap(ips).includes('10.244.0.1'));
  // A new pod goes into a slice with room rather than a new slice.
  await f.clientset.pods.create(pod('f', { ip: '10.244.0.6' }));
  await f.settle();
  f.clientset.clearActions();
  await f.controller.syncService('default/web');
  assert.deepEqual(f.writes().map((w) => w.split(' ')[0]), ['update']);
  slices = await slicesOf(f);
  assert.equal(slices.length, 3);
  assert.ok(slices.every((s) => s.endpoints.length <= 2));
  await f.stop();
});

test('no pods: one empty placeholder slice, kept; the first pod turns it into a real slice by an update', async () => {
  const f = await fixture([service('web')]);
  await f.controller.syncService('default/web');
  let [s] = await slicesOf(f);
  assert.deepEqual([s?.endpoints, s?.ports], [[], []]);
  f.clientset.clearActions();
  await f.controller.syncService('default/web');
  assert.deepEqual(f.writes(), []);
  await f.clientset.pods.create(pod('a', { ip: '10.244.0.1' }));
  await f.settle();
  f.clientset.clearActions();
  await f.controller.syncService('default/web');
  assert.deepEqual(f.writes(), [`update endpointslices ${s?.metadata.name}`]);
  [s] = await slicesOf(f);
  assert.deepEqual(ips(s as EndpointSlice), ['10.244.0.1']);
  await f.stop();
});

test('selector-less and ExternalName Services are left alone; a deleted Service writes nothing', async () => {
  const f = await fixture([service('manual', { selector: null }), service('ext', { type: 'ExternalName' }), pod('a')]);
  await f.controller.syncService('default/manual');
  await f.controller.syncService('default/ext');
  await f.controller.syncService('default/gone');
  assert.deepEqual(f.writes(), []);
  await f.stop();
});

test('a pod on a node that does not exist is left out, the sync fails with an event and is retried', async () => {
  const f = await fixture([service('web'), pod('a', { ip: '10.244.0.1' }), pod('lost', { ip: '10.244.0.2', node: 'gone' })]);
  await assert.rejects(f.controller.syncService('default/web'), /skipping Pod lost for Service default\/web: Node gone Not Found/);
  const [s] = await slicesOf(f);
  assert.deepEqual(ips(s as EndpointSlice), ['10.244.0.1']);
  assert.match(f.recorder.strings()[0] ?? '', /^Warning FailedToUpdateEndpointSlices Error updating Endpoint Slices for Service default\/web: skipping Pod lost/);
  await f.stop();
});

test('publishNotReadyAddresses: not-ready and terminating pods are ready', async () => {
  const f = await fixture([service('web', { publishNotReady: true }), pod('a', { ip: '10.244.0.1', ready: false })]);
  await f.controller.syncService('default/web');
  const [s] = await slicesOf(f);
  assert.deepEqual(s?.endpoints[0]?.conditions, { ready: true, serving: false, terminating: false });
  await f.stop();
});

test('Service labels are mirrored onto its slices', async () => {
  const f = await fixture([service('web'), pod('a', { ip: '10.244.0.1' })]);
  await f.controller.syncService('default/web');
  const svc = await f.clientset.services.get('default', 'web');
  svc.metadata.labels = { tier: 'front' };
  await f.clientset.services.update(svc);
  await f.settle();
  await f.controller.syncService('default/web');
  const [s] = await slicesOf(f);
  assert.equal(s?.metadata.labels?.['tier'], 'front');
  assert.equal(s?.metadata.labels?.['kubernetes.io/service-name'], 'web');
  await f.stop();
});
