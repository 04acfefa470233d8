import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Pod, Taint, Toleration } from '../../shared/api/core-v1.ts';
import type { KubeObject } from '../../shared/api/meta.ts';
import { newFixture, newNode, newPod, T0, type Fixture } from '../framework/testing.ts';
import { rfc3339 } from '../framework/time-format.ts';
import { evictionTime, TaintEvictionController, type TaintEvictionControllerOptions } from './taint-eviction-controller.ts';

const UNREACHABLE = 'node.kubernetes.io/unreachable';
const unreachableTaint = (addedMs = T0): Taint => ({ key: UNREACHABLE, effect: 'NoExecute', timeAdded: rfc3339(addedMs) });
const tolerate = (seconds?: number, key = UNREACHABLE): Toleration => ({ key, operator: 'Exists', effect: 'NoExecute', ...(seconds !== undefined ? { tolerationSeconds: seconds } : {}) });
/** Looks like an unreachable toleration to admission (so no default is added) but does not match the taint. */
const notMatching: Toleration = { key: UNREACHABLE, operator: 'Equal', value: 'x', effect: 'NoExecute' };

function fixture(objects: KubeObject[], extra: Partial<TaintEvictionControllerOptions> = {}): Promise<Fixture<TaintEvictionController>> {
  return newFixture({ objects }, (ctx) => new TaintEvictionController({ ...ctx, ...extra }));
}

async function pod(f: Fixture<unknown>, name: string): Promise<Pod> {
  return (await f.clientset.pods.get('default', name)) as Pod;
}

test('a pod that does not tolerate a NoExecute taint of its node is deleted at once, with the DisruptionTarget condition', async () => {
  const f = await fixture([
    newNode('n1', { ready: 'Unknown', taints: [unreachableTaint()] }),
    newPod('default', 'victim', { nodeName: 'n1', tolerations: [notMatching] }),
    newPod('default', 'elsewhere', { nodeName: 'n2', tolerations: [notMatching] }),
  ]);
  const r = await f.controller.reconcile('default/victim', f.signal);
  assert.deepEqual(r, {});
  assert.deepEqual(f.writes(), ['patch pods/status victim', 'delete pods victim']);
  const [patch, del] = f.writeActions();
  assert.equal(patch?.patchType, 'application/strategic-merge-patch+json');
  assert.deepEqual(patch?.patch, {
    status: { conditions: [{ type: 'DisruptionTarget', status: 'True', reason: 'DeletionByTaintManager', message: 'Taint manager: deleting due to NoExecute taint', lastTransitionTime: rfc3339(T0) }] },
  });
  assert.equal(del?.options, undefined, 'an ordinary graceful delete');
  assert.deepEqual(f.recorder.strings(), ['Normal TaintManagerEviction Marking for deletion Pod default/victim']);
  assert.ok(f.recorder.events[0]?.object.uid, 'the event names the pod by uid too');

  f.clientset.clearActions();
  await f.controller.reconcile('default/elsewhere', f.signal);
  assert.deepEqual(f.writes(), [], 'a pod on an untainted (here: unknown) node stays');
  await f.stop();
});

test('a tolerating pod is deleted once tolerationSeconds have passed since the taint was added', async () => {
  const f = await fixture([
    newNode('n1', { ready: 'Unknown', taints: [unreachableTaint(T0 - 1000)] }),
    newPod('default', 'p', { nodeName: 'n1', tolerations: [tolerate(2)] }),
  ]);
  const r = await f.controller.reconcile('default/p', f.signal);
  assert.deepEqual(f.writes(), []);
  assert.equal(r.requeueAfterMs, 1000, 'taint added 1 s ago, tolerated for 2 s');
  assert.equal(f.controller.scheduledCount, 1);

  f.clock.step(999);
  assert.equal((await f.controller.reconcile('default/p', f.signal)).requeueAfterMs, 1);
  assert.deepEqual(f.writes(), []);
  f.clock.step(1);
  await f.controller.reconcile('default/p', f.signal);
  assert.deepEqual(f.writes(), ['patch pods/status p', 'delete pods p']);
  assert.equal(f.controller.scheduledCount, 0);
  assert.ok((await pod(f, 'p')).metadata.deletionTimestamp, 'graceful deletion under way');

  // The pod is terminating now: nothing more to do.
  await f.settle();
  f.clientset.clearActions();
  await f.controller.reconcile('default/p', f.signal);
  assert.deepEqual(f.writes(), []);
  await f.stop();
});

test('tolerations without tolerationSeconds tolerate forever; the earliest deadline over several taints wins', async () => {
  const other: Taint = { key: 'maintenance', effect: 'NoExecute' }; // no timeAdded: counted from first sight
  const f = await fixture([
    newNode('n1', { ready: 'Unknown', taints: [unreachableTaint(T0), other] }),
    newPod('default', 'forever', { nodeName: 'n1', tolerations: [tolerate(undefined), tolerate(undefined, 'maintenance')] }),
    newPod('default', 'mixed', { nodeName: 'n1', tolerations: [tolerate(600), tolerate(60, 'maintenance')] }),
  ]);
  assert.deepEqual(await f.controller.reconcile('default/forever', f.signal), {});
  f.clock.step(10_000);
  assert.deepEqual(await f.controller.reconcile('default/mixed', f.signal), { requeueAfterMs: 60_000 }, 'maintenance: 60 s from now (first seen)');
  f.clock.step(30_000);
  assert.deepEqual(await f.controller.reconcile('default/mixed', f.signal), { requeueAfterMs: 30_000 }, 'the countdown started when it was first scheduled');
  assert.deepEqual(f.writes(), []);
  f.clock.step(30_000);
  await f.controller.reconcile('default/mixed', f.signal);
  assert.deepEqual(f.writes(), ['patch pods/status mixed', 'delete pods mixed']);
  await f.stop();
});

test('a scheduled eviction is cancelled (with an event) when the taint goes away', async () => {
  const f = await fixture([
    newNode('n1', { ready: 'Unknown', taints: [unreachableTaint()] }),
    newPod('default', 'p', { nodeName: 'n1', tolerations: [tolerate(300)] }),
  ]);
  assert.deepEqual(await f.controller.reconcile('default/p', f.signal), { requeueAfterMs: 300_000 });
  const queue = f.controller.controller.queue;
  while (queue.len() > 0) {
    const { item } = await queue.get();
    if (item) queue.done(item);
  }
  const node = (await f.clientset.nodes.get('', 'n1')) as Node;
  await f.clientset.nodes.update({ ...node, spec: { ...node.spec, taints: [] } });
  await f.settle();
  assert.equal(queue.len(), 1, 'the node change woke its pods');
  f.clientset.clearActions();
  assert.deepEqual(await f.controller.reconcile('default/p', f.signal), {});
  assert.deepEqual(f.writes(), []);
  assert.deepEqual(f.recorder.strings(), ['Normal TaintManagerEviction Cancelling deletion of Pod default/p']);
  f.clock.step(400_000);
  await f.controller.reconcile('default/p', f.signal);
  assert.deepEqual(f.writes(), [], 'nothing fires later');
  await f.stop();
});

test('pods without unreachable/not-ready tolerations get the admission defaults (configurable)', async () => {
  const objects = [newNode('n1', { ready: 'Unknown', taints: [unreachableTaint()] }), newPod('default', 'bare', { nodeName: 'n1' })];
  const f = await fixture(objects);
  assert.deepEqual(await f.controller.reconcile('default/bare', f.signal), { requeueAfterMs: 300_000 });
  await f.stop();

  const g = await fixture(objects, { defaultUnreachableTolerationSeconds: 0 });
  await g.controller.reconcile('default/bare', g.signal);
  assert.deepEqual(g.writes(), ['patch pods/status bare', 'delete pods bare']);
  await g.stop();
});

test('a pod that already carries the DisruptionTarget condition is only deleted; a vanished pod is not an error', async () => {
  const victim = newPod('default', 'v', { nodeName: 'n1', tolerations: [notMatching] });
  victim.status = { ...victim.status, conditions: [{ type: 'DisruptionTarget', status: 'True', reason: 'DeletionByTaintManager' }] };
  const f = await fixture([newNode('n1', { ready: 'Unknown', taints: [unreachableTaint()] }), victim]);
  await f.controller.reconcile('default/v', f.signal);
  assert.deepEqual(f.writes(), ['delete pods v']);
  assert.deepEqual(await f.controller.reconcile('default/gone', f.signal), {});
  await f.stop();
});

test('evictionTime: per taint timeAdded + seconds, <= 0 means now, undefined when tolerated forever', () => {
  const a: Taint = { key: 'a', effect: 'NoExecute', timeAdded: rfc3339(T0) };
  const b: Taint = { key: 'b', effect: 'NoExecute' };
  assert.equal(evictionTime([a, b], [{ tolerationSeconds: 30 }, { tolerationSeconds: 10 }], T0 + 5000), T0 + 15_000);
  assert.equal(evictionTime([a], [{ tolerationSeconds: -5 }], T0 + 5000), T0);
  assert.equal(evictionTime([a, b], [{}, {}], T0), undefined);
});
