import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Pod } from '../../shared/api/core-v1.ts';
import { newConflict, newInternalError, OBJECT_MODIFIED } from '../../shared/errors/status-error.ts';
import { newFixture, newLease, newNode, newPod, T0, type Fixture } from '../framework/testing.ts';
import { rfc3339, rfc3339Micro } from '../framework/time-format.ts';
import { desiredTaints, NodeLifecycleController } from './node-lifecycle-controller.ts';

const GRACE = 50_000;

function fixture(objects: (Node | Pod | ReturnType<typeof newLease>)[]): Promise<Fixture<NodeLifecycleController>> {
  return newFixture({ objects }, (ctx) => new NodeLifecycleController({ ...ctx, nodeMonitorGracePeriodMs: GRACE }));
}

async function nodeNamed(f: Fixture<unknown>, name: string): Promise<Node> {
  return (await f.clientset.nodes.get('', name)) as Node;
}

async function podNamed(f: Fixture<unknown>, ns: string, name: string): Promise<Pod> {
  return (await f.clientset.pods.get(ns, name)) as Pod;
}

test('a node whose lease keeps being renewed is left alone, and the reconcile asks to look again when it would go stale', async () => {
  const f = await fixture([newNode('n1', { ready: 'True' }), newLease('n1', T0)]);
  const r1 = await f.controller.reconcile('n1', f.signal);
  assert.deepEqual(f.writes(), []);
  assert.equal(r1.requeueAfterMs, GRACE + 1);

  f.clock.step(GRACE - 1000);
  const lease = await f.clientset.leases.get('kube-node-lease', 'n1');
  await f.clientset.leases.update({ ...lease, spec: { ...(lease['spec'] as object), renewTime: rfc3339Micro(f.clock.now()) } });
  await f.settle();
  f.clock.step(2000);
  f.clientset.clearActions();
  const r2 = await f.controller.reconcile('n1', f.signal);
  assert.deepEqual(f.writes(), [], 'the renewal counted as a heartbeat');
  assert.equal(r2.requeueAfterMs, GRACE + 1, 'the grace period counts from when the renewal was observed');
  await f.stop();
});

test('a node silent past the grace period turns Unknown, gets the unreachable taints, and its pods turn not ready', async () => {
  const f = await fixture([
    newNode('n1', { ready: 'True', extraConditions: [{ type: 'DiskPressure', status: 'False', lastHeartbeatTime: rfc3339(T0), lastTransitionTime: rfc3339(T0) }] }),
    newLease('n1', T0),
    newNode('n2', { ready: 'True' }),
    newLease('n2', T0),
    newPod('default', 'on-n1', { nodeName: 'n1', ready: true }),
    newPod('default', 'also-on-n1', { nodeName: 'n1', ready: true }),
    newPod('default', 'on-n2', { nodeName: 'n2', ready: true }),
  ]);
  await f.controller.reconcile('n1', f.signal);
  assert.deepEqual(f.writes(), []);

  f.clock.step(GRACE);
  await f.controller.reconcile('n1', f.signal);
  assert.deepEqual(f.writes(), [], 'exactly the grace period is not yet too long');

  f.clock.step(1000);
  const now = f.clock.now();
  await f.controller.reconcile('n1', f.signal);
  const writes = f.writes();
  assert.deepEqual(writes.slice(0, 2), ['update nodes/status n1', 'update nodes n1'], 'status first, then taints');
  assert.deepEqual(writes.slice(2).sort(), ['update pods/status also-on-n1', 'update pods/status on-n1']);

  const n1 = await nodeNamed(f, 'n1');
  const byType = Object.fromEntries((n1.status?.conditions ?? []).map((c) => [c.type, c]));
  assert.equal(byType['Ready']?.status, 'Unknown');
  assert.equal(byType['Ready']?.reason, 'NodeStatusUnknown');
  assert.equal(byType['Ready']?.message, 'Kubelet stopped posting node status.');
  assert.equal(byType['Ready']?.lastHeartbeatTime, rfc3339(T0), 'the heartbeat time is kept');
  assert.equal(byType['Ready']?.lastTransitionTime, rfc3339(now));
  assert.equal(byType['DiskPressure']?.status, 'Unknown');
  assert.equal(byType['DiskPressure']?.reason, 'NodeStatusUnknown');
  assert.equal(byType['MemoryPressure']?.status, 'Unknown');
  assert.equal(byType['MemoryPressure']?.reason, 'NodeStatusNeverUpdated');
  assert.equal(byType['PIDPressure']?.message, 'Kubelet never posted node status.');
  assert.deepEqual(n1.spec?.taints, [
    { key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: rfc3339(now) },
  ]);
  for (const name of ['on-n1', 'also-on-n1']) {
    const ready = (await podNamed(f, 'default', name)).status?.conditions?.find((c) => c.type === 'Ready');
    assert.equal(ready?.status, 'False', name);
    assert.equal(ready?.lastTransitionTime, rfc3339(now));
  }
  assert.equal((await podNamed(f, 'default', 'on-n2')).status?.conditions?.[0]?.status, 'True');
  assert.deepEqual(f.recorder.strings().sort(), [
    'Normal NodeNotReady Node n1 status is now: NodeNotReady',
    'Warning NodeNotReady Node is not ready',
    'Warning NodeNotReady Node is not ready',
  ]);

  // Level-based: once the cache caught up, reconciling again writes nothing and records nothing new.
  await f.settle();
  f.clientset.clearActions();
  f.recorder.clear();
  const again = await f.controller.reconcile('n1', f.signal);
  assert.deepEqual(f.writes(), []);
  assert.deepEqual(f.recorder.strings(), []);
  assert.equal(again.requeueAfterMs, undefined);
  await f.stop();
});

test('a node that comes back (fresh lease, Ready=True) gets its taints removed; foreign taints stay', async () => {
  const added = rfc3339(T0);
  const f = await fixture([
    newNode('n1', {
      ready: 'Unknown',
      taints: [
        { key: 'dedicated', value: 'db', effect: 'NoSchedule' },
        { key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' },
        { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: added },
      ],
    }),
    newLease('n1', T0),
  ]);
  await f.controller.reconcile('n1', f.signal);
  assert.deepEqual(f.writes(), [], 'an Unknown node with the right taints needs nothing');

  f.clock.step(60_000);
  const node = await nodeNamed(f, 'n1');
  const cond = node.status?.conditions?.[0];
  assert.ok(cond);
  await f.clientset.nodes.updateStatus({ ...node, status: { conditions: [{ ...cond, status: 'True', reason: 'KubeletReady', lastHeartbeatTime: rfc3339(f.clock.now()), lastTransitionTime: rfc3339(f.clock.now()) }] } });
  const lease = await f.clientset.leases.get('kube-node-lease', 'n1');
  await f.clientset.leases.update({ ...lease, spec: { ...(lease['spec'] as object), renewTime: rfc3339Micro(f.clock.now()) } });
  await f.settle();
  f.clientset.clearActions();
  await f.controller.reconcile('n1', f.signal);
  assert.deepEqual(f.writes(), ['update nodes n1']);
  assert.deepEqual((await nodeNamed(f, 'n1')).spec?.taints, [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }]);
  await f.stop();
});

test('a NotReady node gets the not-ready taints; an unreachable taint is swapped for it', async () => {
  const f = await fixture([
    newNode('n1', { ready: 'False', taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: rfc3339(T0 - 5000) }] }),
    newLease('n1', T0),
    newPod('default', 'p', { nodeName: 'n1', ready: true }),
  ]);
  await f.controller.reconcile('n1', f.signal);
  // The kubelet reported NotReady itself: no status write and no NodeNotReady event; the pod, seen bound to a
  // not-ready node, is marked not ready (processPod).
  assert.deepEqual(f.writes(), ['update nodes n1', 'update pods/status p']);
  assert.deepEqual(f.recorder.strings(), ['Warning NodeNotReady Node is not ready']);
  assert.deepEqual((await nodeNamed(f, 'n1')).spec?.taints, [
    { key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/not-ready', effect: 'NoExecute', timeAdded: rfc3339(T0) },
  ]);
  await f.stop();
});

test('a node that never posted status gets the startup grace period from its creation, then NodeStatusNeverUpdated', async () => {
  const f = await newFixture({ objects: [] }, (ctx) => new NodeLifecycleController({ ...ctx, nodeMonitorGracePeriodMs: GRACE, nodeStartupGracePeriodMs: 60_000 }));
  await f.clientset.nodes.create(newNode('fresh'));
  await f.settle();
  f.clientset.clearActions();
  f.clock.step(59_000);
  await f.controller.reconcile('fresh', f.signal);
  assert.deepEqual(f.writes(), []);
  f.clock.step(2000);
  await f.controller.reconcile('fresh', f.signal);
  assert.deepEqual(f.writes(), ['update nodes/status fresh', 'update nodes fresh']);
  const node = await nodeNamed(f, 'fresh');
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
  assert.equal(ready?.status, 'Unknown');
  assert.equal(ready?.reason, 'NodeStatusNeverUpdated');
  assert.equal(ready?.lastHeartbeatTime, node.metadata.creationTimestamp);
  assert.deepEqual(node.spec?.taints?.map((t) => `${t.key}:${t.effect}`), ['node.kubernetes.io/unreachable:NoSchedule', 'node.kubernetes.io/unreachable:NoExecute']);
  assert.deepEqual(f.recorder.strings(), [], 'it was never Ready, so no NodeNotReady transition');
  await f.stop();
});

test('a conflict on the status write re-reads the node and retries', async () => {
  const f = await fixture([newNode('n1', { ready: 'True' }), newLease('n1', T0)]);
  await f.controller.reconcile('n1', f.signal);
  f.clock.step(GRACE + 1000);
  f.clientset.injectError('update', 'nodes', newConflict('nodes', 'n1', OBJECT_MODIFIED), { subresource: 'status' });
  await f.controller.reconcile('n1', f.signal);
  const calls = f.clientset.actions().filter((a) => a.resource === 'nodes' && a.verb !== 'list' && a.verb !== 'watch').map((a) => `${a.verb}${a.subresource ? `/${a.subresource}` : ''}`);
  assert.deepEqual(calls, ['update/status', 'get', 'update/status', 'update']);
  assert.equal((await nodeNamed(f, 'n1')).status?.conditions?.[0]?.status, 'Unknown');
  await f.stop();
});

test('marking pods not ready is retried after a failure, and a pod bound later to a not-ready node is marked too', async () => {
  const f = await fixture([newNode('n1', { ready: 'True' }), newLease('n1', T0), newPod('default', 'p1', { nodeName: 'n1', ready: true })]);
  await f.controller.reconcile('n1', f.signal);
  f.clock.step(GRACE + 1000);
  f.clientset.injectError('update', 'pods', newInternalError('etcd hiccup'), { subresource: 'status' });
  await assert.rejects(f.controller.reconcile('n1', f.signal), /Cannot mark 1 pod\(s\) on node n1 not ready/);
  assert.equal((await podNamed(f, 'default', 'p1')).status?.conditions?.[0]?.status, 'True');
  await f.settle();
  await f.controller.reconcile('n1', f.signal);
  assert.equal((await podNamed(f, 'default', 'p1')).status?.conditions?.[0]?.status, 'False', 'retried');

  // A pod the kubelet never got to (Ready=True written by someone) is bound to the unreachable node now.
  await f.clientset.pods.create(newPod('default', 'p2', { ready: true }));
  await f.clientset.pods.bind('default', 'p2', 'n1');
  await f.settle();
  f.clientset.clearActions();
  await f.controller.reconcile('n1', f.signal);
  assert.deepEqual(f.writes(), ['update pods/status p2']);
  assert.equal((await podNamed(f, 'default', 'p2')).status?.conditions?.find((c) => c.type === 'Ready')?.status, 'False');
  await f.stop();
});

test('the monitor pass enqueues every node; a deleted node is forgotten', async () => {
  const f = await fixture([newNode('a', { ready: 'True' }), newNode('b', { ready: 'True' })]);
  while (f.controller.controller.queue.len() > 0) {
    const { item } = await f.controller.controller.queue.get();
    if (item) f.controller.controller.queue.done(item);
  }
  f.controller.monitorNodeHealth();
  assert.equal(f.controller.controller.queue.len(), 2);
  await f.clientset.nodes.delete('', 'a');
  await f.settle();
  assert.deepEqual(await f.controller.reconcile('a', f.signal), {});
  assert.deepEqual(f.writes(), ['delete nodes a']);
  await f.stop();
});

test('desiredTaints: condition taints follow the conditions, kept NoExecute taints keep timeAdded', () => {
  const now = T0 + 10_000;
  const n = newNode('n', {
    ready: 'True',
    unschedulable: true,
    extraConditions: [{ type: 'MemoryPressure', status: 'True' }],
    taints: [{ key: 'node.kubernetes.io/disk-pressure', effect: 'NoSchedule' }],
  });
  assert.deepEqual(desiredTaints(n, now), [
    { key: 'node.kubernetes.io/memory-pressure', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' },
  ]);
  const kept = newNode('k', {
    ready: 'Unknown',
    taints: [
      { key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' },
      { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: rfc3339(T0) },
    ],
  });
  assert.equal(desiredTaints(kept, now), undefined, 'nothing to change');
  const noReady = newNode('x', { taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: rfc3339(T0) }] });
  assert.equal(desiredTaints(noReady, now), undefined, 'without a Ready condition NoExecute taints are left alone');
});
