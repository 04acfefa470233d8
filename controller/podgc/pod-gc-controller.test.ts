import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../../shared/api/core-v1.ts';
import type { KubeObject } from '../../shared/api/meta.ts';
import { newFixture, newNode, newPod, type Fixture } from '../framework/testing.ts';
import { rfc3339 } from '../framework/time-format.ts';
import { PodGCController, type PodGCControllerOptions } from './pod-gc-controller.ts';

function fixture(objects: KubeObject[], extra: Partial<PodGCControllerOptions> = {}): Promise<Fixture<PodGCController>> {
  return newFixture({ objects }, (ctx) => new PodGCController({ ...ctx, ...extra }));
}

test('pods of a node that no longer exists are force-deleted after the quarantine, marked Failed first', async () => {
  const f = await fixture([
    newNode('alive', { ready: 'True' }),
    newPod('default', 'orphan', { nodeName: 'gone' }),
    newPod('default', 'done-orphan', { nodeName: 'gone', phase: 'Succeeded' }),
    newPod('default', 'fine', { nodeName: 'alive' }),
    newPod('default', 'pending'),
  ]);
  await f.controller.gc(f.signal);
  assert.deepEqual(f.writes(), [], 'quarantined first');
  f.clock.step(39_000);
  await f.controller.gc(f.signal);
  assert.deepEqual(f.writes(), []);
  f.clock.step(1000);
  await f.controller.gc(f.signal);
  assert.deepEqual(f.writes().sort(), ['delete pods done-orphan', 'delete pods orphan', 'patch pods/status orphan']);
  const patch = f.writeActions().find((a) => a.verb === 'patch');
  assert.deepEqual(patch?.patch, {
    status: { phase: 'Failed', conditions: [{ type: 'DisruptionTarget', status: 'True', reason: 'DeletionByPodGC', message: 'PodGC: node no longer exists', lastTransitionTime: rfc3339(f.clock.now()) }] },
  });
  for (const del of f.writeActions().filter((a) => a.verb === 'delete')) assert.deepEqual(del.options, { gracePeriodSeconds: 0 });
  assert.ok(f.clientset.actions().some((a) => a.verb === 'get' && a.resource === 'nodes' && a.name === 'gone'), 'the server was asked');
  const left = (await f.clientset.pods.list('default')).items.map((p) => p.metadata.name).sort();
  assert.deepEqual(left, ['fine', 'pending']);
  await f.stop();
});

test('a node the informer has not seen yet but the server has is not treated as gone', async () => {
  const f = await fixture([newPod('default', 'p', { nodeName: 'late' })]);
  f.clientset.prependReactor('get', 'nodes', (a) => (a.name === 'late' ? { object: newNode('late') } : undefined));
  await f.controller.gc(f.signal);
  f.clock.step(40_000);
  await f.controller.gc(f.signal);
  assert.deepEqual(f.writes(), []);
  await f.stop();
});

/** Creates pods one second apart (the fake tracker stamps creationTimestamp with its clock). */
async function createInOrder(f: Fixture<unknown>, pods: Pod[]): Promise<void> {
  for (const p of pods) {
    await f.clientset.pods.create(p);
    f.clock.step(1000);
  }
}

/** Deletes a pod that carries a finalizer, leaving it terminating (deletionTimestamp set). */
async function makeTerminating(f: Fixture<unknown>, name: string): Promise<void> {
  await f.clientset.pods.delete('default', name);
}

test('terminated pods beyond the threshold are deleted, evicted ones first, then the oldest', async () => {
  const f = await fixture([newNode('n', { ready: 'True' })], { terminatedPodThreshold: 2 });
  const evicted = newPod('default', 'evicted', { nodeName: 'n' });
  evicted.status = { phase: 'Failed', reason: 'Evicted' };
  await createInOrder(f, [
    newPod('default', 'running', { nodeName: 'n' }),
    newPod('default', 'oldest', { phase: 'Succeeded', nodeName: 'n' }),
    newPod('default', 'middle', { phase: 'Failed', nodeName: 'n' }),
    newPod('default', 'new', { phase: 'Succeeded', nodeName: 'n' }),
    evicted,
  ]);
  await f.settle();
  f.clientset.clearActions();
  await f.controller.gc(f.signal);
  assert.deepEqual(f.writes().sort(), ['delete pods evicted', 'delete pods oldest']);
  await f.stop();

  const off = await fixture([newPod('default', 'a', { phase: 'Succeeded', nodeName: 'n' }), newNode('n', { ready: 'True' })], { terminatedPodThreshold: 0 });
  await off.controller.gc(off.signal);
  assert.deepEqual(off.writes(), [], 'threshold 0 disables');
  await off.stop();
});

test('terminating pods that were never scheduled, or sit on an out-of-service NotReady node, are force-deleted', async () => {
  const keep = (p: Pod): Pod => ({ ...p, metadata: { ...p.metadata, finalizers: ['test/keep'] } });
  const f = await fixture([
    newNode('oos', { ready: 'False', taints: [{ key: 'node.kubernetes.io/out-of-service', value: 'nodeshutdown', effect: 'NoExecute' }] }),
    newNode('down', { ready: 'False' }),
    keep(newPod('default', 'unscheduled')),
    keep(newPod('default', 'on-oos', { nodeName: 'oos' })),
    keep(newPod('default', 'on-down', { nodeName: 'down' })),
  ]);
  for (const name of ['unscheduled', 'on-oos', 'on-down']) await makeTerminating(f, name);
  await f.settle();
  f.clientset.clearActions();
  await f.controller.gc(f.signal);
  assert.deepEqual(f.writes().sort(), ['delete pods on-oos', 'delete pods unscheduled', 'patch pods/status on-oos', 'patch pods/status unscheduled']);
  await f.stop();
});
