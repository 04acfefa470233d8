import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../../shared/api/core-v1.ts';
import { FakeClientset } from '../../shared/client/fake/clientset.ts';
import { newForbidden } from '../../shared/errors/status-error.ts';
import { FakeClock } from '../../shared/util/clock.ts';
import { FakeRecorder } from './event-recorder.ts';
import {
  compareActivePodsWithRanks,
  getPodFromTemplate,
  isPodAvailable,
  isPodReady,
  PodControl,
  ranksByRelatedPodsOnSameNode,
  slowStartBatch,
} from './pod-control.ts';
import { newControllerRef } from './controller-ref-manager.ts';
import { rfc3339 } from './time-format.ts';

const T0 = Date.UTC(2026, 0, 1);
const owner = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'web-abc', namespace: 'default', uid: 'rs-uid' } };
const template = {
  metadata: { labels: { app: 'web' }, annotations: { a: 'b' } },
  spec: { containers: [{ name: 'c', image: 'nginx' }] },
};

test('getPodFromTemplate: labels, annotations, generateName <owner>-, controllerRef, a copy of the spec', () => {
  const ref = newControllerRef(owner, { apiVersion: 'apps/v1', kind: 'ReplicaSet' });
  const pod = getPodFromTemplate(template, owner, ref);
  assert.deepEqual(pod.metadata, {
    generateName: 'web-abc-',
    labels: { app: 'web' },
    annotations: { a: 'b' },
    ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-abc', uid: 'rs-uid', controller: true, blockOwnerDeletion: true }],
  });
  pod.spec.containers[0]!.image = 'changed';
  assert.equal(template.spec.containers[0]!.image, 'nginx');
});

test('PodControl records SuccessfulCreate/FailedCreate/SuccessfulDelete/FailedDelete with upstream wording', async () => {
  const cs = new FakeClientset({ clock: new FakeClock(T0) });
  const recorder = new FakeRecorder();
  const pc = new PodControl({ pods: cs.pods as never, recorder });
  const ref = newControllerRef(owner, { apiVersion: 'apps/v1', kind: 'ReplicaSet' });
  const created = await pc.createPods('default', template, owner, ref);
  assert.match(created.metadata.name ?? '', /^web-abc-[a-z0-9]{5}$/);
  cs.injectError('create', 'pods', newForbidden('pods', '', 'exceeded quota: q'));
  await assert.rejects(pc.createPods('default', template, owner, ref));
  await pc.deletePod('default', created.metadata.name ?? '', owner);
  await assert.rejects(pc.deletePod('default', 'gone', owner), (e: unknown) => (e as { reason?: string }).reason === 'NotFound');
  cs.injectError('delete', 'pods', newForbidden('pods', 'x', 'no'));
  await assert.rejects(pc.deletePod('default', 'x', owner));
  assert.deepEqual(recorder.strings(), [
    `Normal SuccessfulCreate Created pod: ${created.metadata.name}`,
    'Warning FailedCreate Error creating: pods is forbidden: exceeded quota: q',
    `Normal SuccessfulDelete Deleted pod: ${created.metadata.name}`,
    'Warning FailedDelete Error deleting: pods "x" is forbidden: no',
  ]);
  await assert.rejects(pc.createPods('default', { spec: template.spec }, owner, ref), /unable to create pods, no labels/);
});

function p(name: string, o: { node?: string; phase?: Pod['status'] extends infer S ? S extends { phase?: infer P } ? P : never : never; readyAt?: number; created?: number; restarts?: number; cost?: string } = {}): Pod {
  const pod: Pod = {
    metadata: { name, namespace: 'default', uid: name, creationTimestamp: rfc3339(o.created ?? T0) },
    spec: { containers: [{ name: 'c', image: 'x' }], ...(o.node ? { nodeName: o.node } : {}) },
    status: { phase: o.phase ?? 'Running', containerStatuses: [{ name: 'c', ready: o.readyAt !== undefined, restartCount: o.restarts ?? 0, image: 'x', imageID: '' }] },
  };
  if (o.readyAt !== undefined) pod.status!.conditions = [{ type: 'Ready', status: 'True', lastTransitionTime: rfc3339(o.readyAt) }];
  if (o.cost !== undefined) pod.metadata.annotations = { 'controller.kubernetes.io/pod-deletion-cost': o.cost };
  return pod;
}

test('readiness and availability honour minReadySeconds against the given time', () => {
  const pod = p('a', { node: 'n', readyAt: T0 });
  assert.equal(isPodReady(pod), true);
  assert.equal(isPodAvailable(pod, 0, T0), true);
  assert.equal(isPodAvailable(pod, 10, T0 + 10_000), false);
  assert.equal(isPodAvailable(pod, 10, T0 + 10_001), true);
  assert.equal(isPodAvailable(p('b', { node: 'n' }), 0, T0), false);
});

test('deletion ranking: unassigned, pending, not ready, low cost, crowded node, recently ready, restarts, newest go first', () => {
  const now = T0 + 3600_000;
  const cases: [Pod, Pod][] = [
    [p('unassigned'), p('assigned', { node: 'n1' })],
    [p('pending', { node: 'n1', phase: 'Pending' }), p('running', { node: 'n1' })],
    [p('notready', { node: 'n1' }), p('ready', { node: 'n1', readyAt: T0 })],
    [p('cheap', { node: 'n1', readyAt: T0, cost: '-5' }), p('dear', { node: 'n1', readyAt: T0, cost: '10' })],
    [p('crowded', { node: 'n2', readyAt: T0 }), p('alone', { node: 'n1', readyAt: T0 })],
    [p('fresh', { node: 'n1', readyAt: now - 10_000 }), p('old', { node: 'n1', readyAt: T0 })],
    [p('restarty', { node: 'n1', readyAt: T0, restarts: 3 }), p('calm', { node: 'n1', readyAt: T0 })],
    [p('newer', { node: 'n1', created: now - 5_000 }), p('older', { node: 'n1', created: T0 })],
  ];
  const related = [p('x1', { node: 'n2' }), p('x2', { node: 'n2' }), p('x3', { node: 'n1' })];
  const cmp = compareActivePodsWithRanks(ranksByRelatedPodsOnSameNode(related), now);
  for (const [first, second] of cases) {
    assert.ok(cmp(first, second) < 0, `${first.metadata.name} before ${second.metadata.name}`);
    assert.ok(cmp(second, first) > 0, `${second.metadata.name} after ${first.metadata.name}`);
  }
  // Ready times in the same power-of-two age bucket tie; the uid decides.
  const a = p('a', { node: 'n1', readyAt: T0 });
  const b = p('b', { node: 'n1', readyAt: T0 + 1000 });
  assert.ok(cmp(a, b) < 0);
});

test('slowStartBatch runs 1, 2, 4, ... and stops at the first failing batch', async () => {
  const sizes: number[] = [];
  let inFlight = 0;
  let calls = 0;
  const r = await slowStartBatch(10, 1, async () => {
    inFlight++;
    calls++;
    await Promise.resolve();
    sizes.push(inFlight);
    inFlight--;
  });
  assert.deepEqual(r, { successes: 10 });
  assert.equal(calls, 10);
  let n = 0;
  const failing = await slowStartBatch(20, 1, async () => {
    n++;
    if (n === 5) throw new Error('quota');
  });
  // batches 1, 2, 4: the 5th call is in the third batch, which then ends the run.
  assert.equal(n, 7);
  assert.equal(failing.successes, 6);
  assert.match(String(failing.error), /quota/);
});
