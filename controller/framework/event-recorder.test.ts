import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Event } from '../../shared/api/core-v1.ts';
import { FakeClientset, filterActions } from '../../shared/client/fake/clientset.ts';
import { newInternalError } from '../../shared/errors/status-error.ts';
import { FakeClock } from '../../shared/util/clock.ts';
import { silentLogger } from '../../shared/util/log.ts';
import { ClientEventRecorder, FakeRecorder, objectReference } from './event-recorder.ts';

const node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', uid: 'u-n1', resourceVersion: '7' } };
const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'shop', uid: 'u-web' } };

test('an event becomes a core/v1 Event in the object\'s namespace (default for cluster-scoped objects)', async () => {
  const clock = new FakeClock(Date.UTC(2026, 0, 1, 10, 0, 0));
  const cs = new FakeClientset({ clock });
  const r = new ClientEventRecorder(cs.events, { component: 'node-controller', clock, log: silentLogger() });
  r.event(node, 'Normal', 'NodeNotReady', 'Node n1 status is now: NodeNotReady');
  r.event(pod, 'Warning', 'NodeNotReady', 'Node is not ready');
  await r.flush();
  const events = (await cs.events.list('')).items as Event[];
  assert.equal(events.length, 2);
  const e = events.find((x) => x.involvedObject.kind === 'Node') as Event;
  assert.equal(e.metadata.namespace, 'default');
  assert.match(e.metadata.name ?? '', /^n1\.[0-9a-f]+$/);
  assert.deepEqual(e.involvedObject, { kind: 'Node', name: 'n1', uid: 'u-n1', apiVersion: 'v1', resourceVersion: '7' });
  assert.equal(e.reason, 'NodeNotReady');
  assert.equal(e.type, 'Normal');
  assert.equal(e.count, 1);
  assert.equal(e.firstTimestamp, '2026-01-01T10:00:00Z');
  assert.deepEqual(e.source, { component: 'node-controller' });
  assert.equal(e.reportingComponent, 'node-controller');
  const p = events.find((x) => x.involvedObject.kind === 'Pod') as Event;
  assert.equal(p.metadata.namespace, 'shop');
  assert.equal(p.type, 'Warning');
});

test('a repeat within the window bumps count and lastTimestamp instead of creating another Event', async () => {
  const clock = new FakeClock(Date.UTC(2026, 0, 1, 10, 0, 0));
  const cs = new FakeClientset({ clock });
  const r = new ClientEventRecorder(cs.events, { component: 'c', clock, log: silentLogger() });
  r.event(pod, 'Normal', 'TaintManagerEviction', 'Marking for deletion Pod shop/web');
  clock.step(5000);
  r.event(pod, 'Normal', 'TaintManagerEviction', 'Marking for deletion Pod shop/web');
  r.event(pod, 'Normal', 'TaintManagerEviction', 'Cancelling deletion of Pod shop/web');
  await r.flush();
  assert.deepEqual(filterActions(cs.actions()).map((a) => `${a.verb} ${a.resource}`), ['create events', 'patch events', 'create events']);
  const events = (await cs.events.list('shop')).items as Event[];
  const marking = events.find((e) => e.message?.startsWith('Marking')) as Event;
  assert.equal(marking.count, 2);
  assert.equal(marking.lastTimestamp, '2026-01-01T10:00:05Z');
  assert.equal(marking.firstTimestamp, '2026-01-01T10:00:00Z');

  // The Event expired meanwhile: a fresh one is created.
  await cs.events.delete('shop', marking.metadata.name ?? '');
  r.event(pod, 'Normal', 'TaintManagerEviction', 'Marking for deletion Pod shop/web');
  await r.flush();
  const again = ((await cs.events.list('shop')).items as Event[]).filter((e) => e.message?.startsWith('Marking'));
  assert.equal(again.length, 1);
  assert.equal(again[0]?.count, 1);
});

test('a failed write is logged and does not stop later events', async () => {
  const cs = new FakeClientset();
  cs.injectError('create', 'events', newInternalError('etcd down'));
  const r = new ClientEventRecorder(cs.events, { component: 'c', log: silentLogger() });
  r.event(pod, 'Normal', 'A', 'first');
  r.event(pod, 'Normal', 'B', 'second');
  await r.flush();
  const events = (await cs.events.list('shop')).items as Event[];
  assert.deepEqual(events.map((e) => e.reason), ['B']);
});

test('FakeRecorder keeps "Type Reason Message" lines; objectReference takes references as they are', () => {
  const r = new FakeRecorder();
  r.event(pod, 'Warning', 'NodeNotReady', 'Node is not ready');
  assert.deepEqual(r.strings(), ['Warning NodeNotReady Node is not ready']);
  assert.deepEqual(r.events[0]?.object, { kind: 'Pod', namespace: 'shop', name: 'web', uid: 'u-web', apiVersion: 'v1' });
  assert.deepEqual(objectReference({ kind: 'Pod', namespace: 'a', name: 'b' }), { kind: 'Pod', namespace: 'a', name: 'b' });
});
