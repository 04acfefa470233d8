import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, Service } from '../../shared/api/core-v1.ts';
import type { EndpointSlice } from '../../shared/api/discovery-v1.ts';
import { endpointSlicesResource, endpointsResource, servicesResource } from '../../shared/client/clientset.ts';
import { gateWatch, newFixture, newNode, newPod, T0 } from '../framework/testing.ts';
import { rfc3339, rfc3339Nano } from '../framework/time-format.ts';
import { EndpointSliceController } from './endpointslice-controller.ts';
import { EndpointSliceTracker } from './endpointslice-tracker.ts';
import { TriggerTimeTracker } from './trigger-time-tracker.ts';
import { addressTypesForService, sliceToFill } from './endpointslice-reconciler.ts';
import { servicesToUpdateOnPodChange } from './endpointslice-util.ts';
import { ThreadSafeStore } from '../../shared/cache/indexer.ts';
import { Lister } from '../../shared/cache/lister.ts';

const svc = (name: string, o: { uid?: string; created?: number; selector?: Record<string, string> } = {}): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'default', uid: o.uid ?? `uid-${name}`, creationTimestamp: rfc3339(o.created ?? T0) },
  spec: { selector: o.selector ?? { app: 'web' }, ports: [{ port: 80, protocol: 'TCP', targetPort: 8080 }], clusterIP: '10.96.0.1', ipFamilies: ['IPv4'] },
});

const readyPod = (name: string, readyAt: number, labels: Record<string, string> = { app: 'web' }): Pod => {
  const p = newPod('default', name, { nodeName: 'n1' });
  p.metadata.labels = labels;
  p.metadata.resourceVersion = String(readyAt);
  p.status = { phase: 'Running', podIP: '10.244.0.9', podIPs: [{ ip: '10.244.0.9' }], conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: rfc3339(readyAt) }] };
  return p;
};

const slice = (uid: string, generation: number): EndpointSlice => ({
  metadata: { name: uid, namespace: 'default', uid, generation, labels: { 'kubernetes.io/service-name': 'web' } },
  addressType: 'IPv4',
  endpoints: [],
});

test('TriggerTimeTracker: the Service creation first, then the earliest trigger that moved, none when nothing did', () => {
  const t = new TriggerTimeTracker();
  const s = svc('web', { created: T0 });
  assert.equal(t.computeEndpointLastChangeTriggerTime('default', s, [readyPod('a', T0 + 5000)]), T0);
  assert.equal(t.computeEndpointLastChangeTriggerTime('default', s, [readyPod('a', T0 + 5000)]), undefined);
  assert.equal(t.computeEndpointLastChangeTriggerTime('default', s, [readyPod('a', T0 + 9000), readyPod('b', T0 + 7000)]), T0 + 7000);
  t.deleteService('default', 'web');
  assert.equal(t.computeEndpointLastChangeTriggerTime('default', s, [readyPod('a', T0 + 9000)]), T0, 'a forgotten Service starts over');
});

test('EndpointSliceTracker: own writes do not resync; a lagging cache is stale; a recreated Service starts clean', () => {
  const t = new EndpointSliceTracker();
  const s = svc('web');
  assert.equal(t.staleSlices(s, []), false);
  t.update(slice('x', 2));
  assert.equal(t.shouldSync(slice('x', 2)), false, 'the generation this controller wrote');
  assert.equal(t.shouldSync(slice('x', 3)), true, 'someone else changed it');
  assert.equal(t.staleSlices(s, []), true, 'written slice missing from the cache');
  assert.equal(t.staleSlices(s, [slice('x', 1)]), true, 'older generation in the cache');
  assert.equal(t.staleSlices(s, [slice('x', 2)]), false);
  t.expectDeletion(slice('x', 2));
  assert.equal(t.staleSlices(s, [slice('x', 2)]), true, 'deleted but still cached');
  assert.equal(t.handleDeletion(slice('x', 2)), true, 'an expected deletion');
  t.update(slice('y', 1));
  assert.equal(t.handleDeletion(slice('y', 1)), false, 'a surprise deletion');
  t.update(slice('z', 1));
  assert.equal(t.staleSlices(svc('web', { uid: 'other' }), []), false, 'a new Service of the same name drops the old tracking');
});

test('servicesToUpdateOnPodChange: resyncs and irrelevant changes wake nothing; label moves wake what the pod left and joined', () => {
  const idx = new ThreadSafeStore<Service>();
  idx.add(svc('web', { selector: { app: 'web' } }));
  idx.add(svc('db', { selector: { app: 'db' } }));
  idx.add(svc('all', { selector: { tier: 'x' } }));
  const services = new Lister(idx);
  const a = readyPod('a', T0, { app: 'web', tier: 'x' });
  assert.deepEqual([...servicesToUpdateOnPodChange(services, a, { ...a })], [], 'same resourceVersion');
  const annotated = { ...a, metadata: { ...a.metadata, resourceVersion: '2', annotations: { x: 'y' } } };
  assert.deepEqual([...servicesToUpdateOnPodChange(services, a, annotated)], [], 'nothing an endpoint shows');
  const moved = { ...a, metadata: { ...a.metadata, resourceVersion: '3', labels: { app: 'db', tier: 'x' } } };
  assert.deepEqual([...servicesToUpdateOnPodChange(services, a, moved)].sort(), ['default/db', 'default/web'], 'left web, joined db; all unchanged');
  const notReady: Pod = { ...a, metadata: { ...a.metadata, resourceVersion: '4' }, status: { ...a.status, conditions: [{ type: 'Ready', status: 'False' }] } };
  assert.deepEqual([...servicesToUpdateOnPodChange(services, a, notReady)].sort(), ['default/all', 'default/web']);
});

test('helpers: address types of a Service, the slice that fits best, RFC 3339 with nanoseconds', () => {
  assert.deepEqual([...addressTypesForService({ metadata: {}, spec: { clusterIP: 'fd00::1' } })], ['IPv6']);
  assert.deepEqual([...addressTypesForService({ metadata: {}, spec: { clusterIP: 'None' } })].sort(), ['IPv4', 'IPv6']);
  const s = (n: number) => ({ metadata: { name: `s${n}` }, addressType: 'IPv4' as const, endpoints: new Array(n).fill({ addresses: ['1.1.1.1'] }) });
  assert.equal(sliceToFill([s(50), s(97), s(90)], 3, 100)?.metadata.name, 's97');
  assert.equal(sliceToFill([s(99)], 3, 100), undefined);
  assert.equal(rfc3339Nano(T0 + 5120), '2026-01-01T00:00:05.12Z');
  assert.equal(rfc3339Nano(T0), '2026-01-01T00:00:00Z');
});

test('a sync on a slice cache older than its own writes is refused, then woken as soon as the cache catches up', async () => {
  let gate: ReturnType<typeof gateWatch> | undefined;
  const f = await newFixture({ objects: [newNode('n1', { ready: 'True' }), svc('web'), readyPod('a', T0)], resources: [servicesResource, endpointSlicesResource, endpointsResource] }, (ctx) => {
    gate = gateWatch(ctx.clientset, endpointSlicesResource);
    return new EndpointSliceController(ctx);
  });
  gate?.pause();
  await f.controller.syncService('default/web');
  assert.equal(f.writes().length, 1);
  await assert.rejects(f.controller.syncService('default/web'), /EndpointSlice informer cache is out of date/);
  // Drain the queue of anything queued so far, then let the informer see the write.
  while (f.controller.controller.queue.len() > 0) {
    const { item } = await f.controller.controller.queue.get();
    if (item !== undefined) f.controller.controller.queue.done(item);
  }
  gate?.resume();
  await f.settle();
  assert.equal(f.controller.controller.queue.len(), 1, 'the waiting Service is queued at once, not after the 1 s backoff');
  f.clientset.clearActions();
  await f.controller.syncService('default/web');
  assert.deepEqual(f.writes(), [], 'and then nothing is left to write');
  gate?.close();
  await f.stop();
});
