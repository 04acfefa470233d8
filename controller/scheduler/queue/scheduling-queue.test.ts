import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Pod } from '../../../shared/api/core-v1.ts';
import { FakeClock } from '../../../shared/util/clock.ts';
import { Framework } from '../framework/runtime.ts';
import { defaultPlugins } from '../plugins/default-plugins.ts';
import { makePod } from '../testing/fixtures.ts';
import { SchedulingQueue, type QueuedPodInfo } from './scheduling-queue.ts';

const fw = new Framework({ plugins: defaultPlugins() });

function newQueue(clock = new FakeClock()): { q: SchedulingQueue; clock: FakeClock } {
  return { q: new SchedulingQueue({ clock, isInterested: (r, e) => fw.isInterested(r, e) }), clock };
}

/** Resolves on the next macrotask turn (lets pending promise chains settle without sleeping). */
const tick = () => new Promise<void>((r) => setImmediate(r));

async function popName(q: SchedulingQueue): Promise<string> {
  return (await q.pop()).pod.metadata.name ?? '';
}

function fail(q: SchedulingQueue, info: QueuedPodInfo, rejectors: string[]): ReturnType<SchedulingQueue['addUnschedulableIfNotPresent']> {
  info.unschedulablePlugins = new Set(rejectors);
  return q.addUnschedulableIfNotPresent(info);
}

describe('SchedulingQueue activeQ', () => {
  it('pops by priority, then by enqueue time', async () => {
    const { q, clock } = newQueue();
    q.add(makePod('low-old', { priority: 0 }));
    clock.step(1);
    q.add(makePod('high', { priority: 100 }));
    clock.step(1);
    q.add(makePod('low-new', { priority: 0 }));
    clock.step(1);
    q.add(makePod('mid', { priority: 10 }));
    assert.deepEqual([await popName(q), await popName(q), await popName(q), await popName(q)], ['high', 'mid', 'low-old', 'low-new']);
  });

  it('pop waits for a pod and can be aborted', async () => {
    const { q } = newQueue();
    const waiting = q.pop();
    let got: string | undefined;
    void waiting.then((i) => (got = i.pod.metadata.name));
    await tick();
    assert.equal(got, undefined);
    q.add(makePod('late'));
    await tick();
    assert.equal(got, 'late');
    const ac = new AbortController();
    const aborted = q.pop(ac.signal);
    ac.abort(new Error('stop'));
    await assert.rejects(aborted, /stop/);
  });
});

describe('SchedulingQueue backoff', () => {
  it('doubles from 1 s to a 10 s cap', () => {
    const { q } = newQueue();
    assert.deepEqual([1, 2, 3, 4, 5, 6].map((a) => q.backoffDuration(a)), [1000, 2000, 4000, 8000, 10000, 10000]);
  });

  it('a pod that failed with an error waits out its backoff, measured on the clock', async () => {
    const { q, clock } = newQueue();
    q.add(makePod('p'));
    let info = await q.pop();
    for (const expected of [1000, 2000, 4000, 8000, 10000, 10000]) {
      const attempts = info.attempts;
      assert.equal(fail(q, info, []), 'backoff');
      let popped = false;
      const next = q.pop().then((i) => {
        popped = true;
        return i;
      });
      clock.step(expected - 1);
      await tick();
      assert.equal(popped, false, `still backing off just before ${expected} ms`);
      clock.step(1);
      await tick();
      assert.equal(popped, true, `released after ${expected} ms`);
      const again = await next;
      assert.equal(again.attempts, attempts + 1);
      info = again;
    }
  });
});

describe('SchedulingQueue unschedulable set', () => {
  it('moves an unschedulable pod back only on an event its rejecting plugin registered for', async () => {
    const { q, clock } = newQueue();
    q.add(makePod('p', { cpu: '8' }));
    const info = await q.pop();
    assert.equal(fail(q, info, ['NodeResourcesFit']), 'unschedulable');
    assert.equal(q.whereIs(info.key), 'unschedulable');
    // A label change does not help a pod rejected for resources.
    q.moveAllToActiveOrBackoffQueue({ resource: 'Node', actions: ['UpdateNodeLabel'], label: 'NodeUpdate' });
    assert.equal(q.whereIs(info.key), 'unschedulable');
    // A new node does; the pod is still within its 1 s backoff, so it goes to backoffQ first.
    q.moveAllToActiveOrBackoffQueue({ resource: 'Node', actions: ['Add'], label: 'NodeAdd' });
    assert.equal(q.whereIs(info.key), 'backoff');
    clock.step(1000);
    assert.equal(await popName(q), 'p');
  });

  it('a taint change helps a pod rejected by TaintToleration; a deleted pod does not', async () => {
    const { q, clock } = newQueue();
    q.add(makePod('p'));
    const info = await q.pop();
    fail(q, info, ['TaintToleration']);
    clock.step(5000);
    q.moveAllToActiveOrBackoffQueue({ resource: 'Pod', actions: ['Delete'], label: 'AssignedPodDelete' });
    assert.equal(q.whereIs(info.key), 'unschedulable');
    q.moveAllToActiveOrBackoffQueue({ resource: 'Node', actions: ['UpdateNodeTaint'], label: 'NodeUpdate' });
    assert.equal(q.whereIs(info.key), 'active');
  });

  it('flushes pods left unschedulable for more than 5 minutes (run timers)', async () => {
    const { q, clock } = newQueue();
    const ac = new AbortController();
    q.run(ac.signal);
    q.add(makePod('p'));
    const info = await q.pop();
    fail(q, info, ['NodeAffinity']);
    clock.step(300_000);
    assert.equal(q.whereIs(info.key), 'unschedulable', 'not yet: exactly 5 minutes');
    clock.step(30_000);
    assert.equal(q.whereIs(info.key), 'active');
    ac.abort();
    await assert.rejects(q.pop(), /closed/);
  });

  it('an event during the pod’s cycle sends it to backoff instead of the unschedulable set', async () => {
    const { q } = newQueue();
    q.add(makePod('p'));
    const info = await q.pop();
    q.moveAllToActiveOrBackoffQueue({ resource: 'Node', actions: ['Add'], label: 'NodeAdd' });
    assert.equal(fail(q, info, ['NodeResourcesFit']), 'backoff');
  });

  it('status-only updates do not requeue; spec or label updates do', async () => {
    const { q, clock } = newQueue();
    const pod = makePod('p');
    q.add(pod);
    const info = await q.pop();
    fail(q, info, ['NodeAffinity']);
    clock.step(20_000);
    const statusOnly: Pod = { ...pod, metadata: { ...pod.metadata, resourceVersion: '7' }, status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }] } };
    q.update(pod, statusOnly);
    assert.equal(q.whereIs(info.key), 'unschedulable');
    assert.equal(q.get(info.key)?.pod, statusOnly, 'the stored object is refreshed');
    const relabeled: Pod = { ...statusOnly, metadata: { ...statusOnly.metadata, labels: { tier: 'x' } } };
    q.update(statusOnly, relabeled);
    assert.equal(q.whereIs(info.key), 'active');
  });
});

describe('SchedulingQueue in-flight pods', () => {
  it('a pod deleted while in flight is dropped when it fails', async () => {
    const { q } = newQueue();
    const pod = makePod('p');
    q.add(pod);
    const info = await q.pop();
    q.delete(pod);
    assert.equal(fail(q, info, ['NodeResourcesFit']), undefined);
    assert.equal(q.whereIs(info.key), undefined);
  });

  it('a pod updated while in flight is requeued with the latest object', async () => {
    const { q, clock } = newQueue();
    const pod = makePod('p');
    q.add(pod);
    const info = await q.pop();
    const updated: Pod = { ...pod, spec: { ...pod.spec, tolerations: [{ operator: 'Exists' }] } };
    q.update(pod, updated);
    assert.equal(fail(q, info, ['TaintToleration']), 'backoff');
    clock.step(1000);
    const again = await q.pop();
    assert.equal(again.pod, updated);
    assert.equal(again.attempts, 2);
  });

  it('done() forgets the pod; a later add starts fresh', async () => {
    const { q } = newQueue();
    const pod = makePod('p');
    q.add(pod);
    const info = await q.pop();
    q.done(info.key);
    assert.equal(q.lengths.inFlight, 0);
    q.add(pod);
    assert.equal((await q.pop()).attempts, 1);
  });
});

describe('SchedulingQueue scheduling gates', () => {
  it('holds gated pods until the gates are removed', async () => {
    const { q } = newQueue();
    const gated = makePod('g');
    gated.spec.schedulingGates = [{ name: 'example.com/wait' }];
    q.add(gated);
    assert.equal(q.whereIs(gated.metadata.uid!), 'gated');
    q.moveAllToActiveOrBackoffQueue({ resource: 'Node', actions: ['Add'], label: 'NodeAdd' });
    assert.equal(q.whereIs(gated.metadata.uid!), 'gated');
    const open: Pod = { ...gated, spec: { ...gated.spec, schedulingGates: [] } };
    q.update(gated, open);
    assert.equal(await popName(q), 'g');
  });
});
