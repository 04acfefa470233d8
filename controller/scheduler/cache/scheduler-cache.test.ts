import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Pod } from '../../../shared/api/core-v1.ts';
import { FakeClock } from '../../../shared/util/clock.ts';
import { Framework } from '../framework/runtime.ts';
import { defaultPlugins } from '../plugins/default-plugins.ts';
import { makeNode, makePod } from '../testing/fixtures.ts';
import { SchedulerCache } from './scheduler-cache.ts';

const on = (pod: Pod, nodeName: string): Pod => ({ ...pod, spec: { ...pod.spec, nodeName } });

describe('SchedulerCache assumed pods', () => {
  it('two pods scheduled back to back before any watch event do not overcommit a node', () => {
    const cache = new SchedulerCache({ clock: new FakeClock() });
    cache.addNode(makeNode('small', { cpu: '1' }));
    cache.addNode(makeNode('large', { cpu: '2' }));
    const fw = new Framework({ plugins: defaultPlugins(), rand: () => 0.5 });
    const placed: string[] = [];
    for (const name of ['a', 'b', 'c']) {
      const pod = makePod(name, { cpu: '1' });
      const r = fw.schedulePod(pod, cache.snapshot());
      assert.equal(r.kind, 'Scheduled', `${name} must fit`);
      if (r.kind !== 'Scheduled') return;
      cache.assume(on(pod, r.host), r.host);
      placed.push(r.host);
    }
    assert.deepEqual(placed.sort(), ['large', 'large', 'small']);
    const d = fw.schedulePod(makePod('d', { cpu: '1' }), cache.snapshot());
    assert.equal(d.kind, 'Failed', 'all 3 cpus are taken by assumed pods');
    assert.equal(cache.nodeInfo('large')?.requested.milliCPU, 2000);
  });

  it('forget releases the resources; assuming twice is an error', () => {
    const cache = new SchedulerCache();
    cache.addNode(makeNode('n', { cpu: '1' }));
    const pod = on(makePod('a', { cpu: '1' }), 'n');
    cache.assume(pod, 'n');
    assert.throws(() => cache.assume(pod, 'n'), /in the cache already/);
    assert.equal(cache.forget(pod), true);
    assert.equal(cache.nodeInfo('n')?.requested.milliCPU, 0);
    assert.equal(cache.forget(pod), false);
  });

  it('the watch event confirms an assumed pod without double counting, and moves it if it landed elsewhere', () => {
    const cache = new SchedulerCache();
    cache.addNode(makeNode('n1'));
    cache.addNode(makeNode('n2'));
    const pod = makePod('a', { cpu: '1' });
    cache.assume(on(pod, 'n1'), 'n1');
    cache.addPod(on(pod, 'n1'));
    assert.equal(cache.isAssumed(pod.metadata.uid!), false);
    assert.equal(cache.nodeInfo('n1')?.requested.milliCPU, 1000);
    const other = makePod('b', { cpu: '1' });
    cache.assume(on(other, 'n1'), 'n1');
    cache.addPod(on(other, 'n2'));
    assert.equal(cache.nodeInfo('n1')?.requested.milliCPU, 1000);
    assert.equal(cache.nodeInfo('n2')?.requested.milliCPU, 1000);
  });

  it('expires an assumed pod only after its binding finished and the TTL passed', () => {
    const clock = new FakeClock();
    const cache = new SchedulerCache({ clock, assumedPodTtlMs: 30_000 });
    cache.addNode(makeNode('n'));
    const pod = on(makePod('a', { cpu: '1' }), 'n');
    cache.assume(pod, 'n');
    clock.step(60_000);
    assert.deepEqual(cache.cleanupAssumedPods(), [], 'binding still in flight');
    cache.finishBinding(pod);
    clock.step(29_999);
    assert.deepEqual(cache.cleanupAssumedPods(), []);
    clock.step(1);
    assert.deepEqual(cache.cleanupAssumedPods(), [pod.metadata.uid]);
    assert.equal(cache.nodeInfo('n')?.requested.milliCPU, 0);
  });
});

describe('SchedulerCache nodes and pods', () => {
  it('keeps pods that arrive before their node, outside the snapshot until the node appears', () => {
    const cache = new SchedulerCache();
    cache.addPod(makePod('a', { cpu: '1', nodeName: 'late' }));
    assert.equal(cache.snapshot().nodeInfoList.length, 0);
    assert.equal(cache.snapshot().get('late'), undefined);
    cache.addNode(makeNode('late'));
    assert.deepEqual(cache.snapshot().nodeInfoList.map((n) => n.name), ['late']);
    assert.equal(cache.snapshot().get('late')?.requested.milliCPU, 1000);
  });

  it('a removed node leaves the snapshot; its NodeInfo goes once its pods are gone', () => {
    const cache = new SchedulerCache();
    const node = makeNode('n');
    cache.addNode(node);
    cache.addNode(makeNode('m'));
    const pod = makePod('a', { nodeName: 'n' });
    cache.addPod(pod);
    cache.removeNode(node);
    assert.deepEqual(cache.snapshot().nodeInfoList.map((n) => n.name), ['m']);
    assert.ok(cache.nodeInfo('n'));
    cache.removePod(pod);
    assert.equal(cache.nodeInfo('n'), undefined);
    assert.equal(cache.podCount, 0);
  });

  it('a node update refreshes labels, taints and allocatable in place', () => {
    const cache = new SchedulerCache();
    const node = makeNode('n', { cpu: '1' });
    cache.addNode(node);
    cache.updateNode(node, makeNode('n', { cpu: '4', labels: { disk: 'ssd' } }));
    const ni = cache.snapshot().get('n');
    assert.equal(ni?.allocatable.milliCPU, 4000);
    assert.equal(ni?.labels['disk'], 'ssd');
    assert.equal(cache.nodeCount, 1);
  });
});
