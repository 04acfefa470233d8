import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node } from '../../shared/api/core-v1.ts';
import type { KubeObject } from '../../shared/api/meta.ts';
import { newConflict, OBJECT_MODIFIED } from '../../shared/errors/status-error.ts';
import { newFixture, newNode, type Fixture } from '../framework/testing.ts';
import { CidrSetExhaustedError } from './cidr-set.ts';
import { NodeIpamController, type NodeIpamControllerOptions } from './node-ipam-controller.ts';

async function fixture(objects: KubeObject[], cidrs: Pick<NodeIpamControllerOptions, 'clusterCidrs' | 'nodeCidrMaskSizes'> = { clusterCidrs: ['10.244.0.0/16'], nodeCidrMaskSizes: [24] }): Promise<Fixture<NodeIpamController>> {
  const f = await newFixture({ objects }, (ctx) => new NodeIpamController({ ...ctx, ...cidrs }));
  f.controller.occupyExisting();
  return f;
}

async function cidrsOf(f: Fixture<unknown>, name: string): Promise<{ podCIDR?: string; podCIDRs?: string[] }> {
  const n = (await f.clientset.nodes.get('', name)) as Node;
  return { ...(n.spec?.podCIDR ? { podCIDR: n.spec.podCIDR } : {}), ...(n.spec?.podCIDRs ? { podCIDRs: n.spec.podCIDRs } : {}) };
}

test('nodes get distinct subnets; subnets already assigned before the start are never handed out', async () => {
  const f = await fixture([newNode('old', { podCIDRs: ['10.244.0.0/24'] }), newNode('a'), newNode('b')]);
  assert.deepEqual(f.controller.allocatedCounts(), [1]);
  await f.controller.reconcile('a', f.signal);
  await f.controller.reconcile('b', f.signal);
  await f.controller.reconcile('old', f.signal);
  assert.deepEqual(f.writes(), ['update nodes a', 'update nodes b']);
  assert.deepEqual(await cidrsOf(f, 'a'), { podCIDR: '10.244.1.0/24', podCIDRs: ['10.244.1.0/24'] });
  assert.deepEqual(await cidrsOf(f, 'b'), { podCIDR: '10.244.2.0/24', podCIDRs: ['10.244.2.0/24'] });
  assert.deepEqual(f.controller.allocatedCounts(), [3]);

  // Idempotent: once the cache shows the subnets, reconciling writes nothing and allocates nothing.
  await f.settle();
  f.clientset.clearActions();
  for (const n of ['a', 'b', 'old']) await f.controller.reconcile(n, f.signal);
  assert.deepEqual(f.writes(), []);
  assert.deepEqual(f.controller.allocatedCounts(), [3]);
  await f.stop();
});

test('a conflict re-reads the node and writes again', async () => {
  const f = await fixture([newNode('a')]);
  f.clientset.injectError('update', 'nodes', newConflict('nodes', 'a', OBJECT_MODIFIED));
  await f.controller.reconcile('a', f.signal);
  const calls = f.clientset.actions().filter((x) => x.verb === 'get' || x.verb === 'update').map((x) => x.verb);
  assert.deepEqual(calls, ['update', 'get', 'update']);
  assert.deepEqual(await cidrsOf(f, 'a'), { podCIDR: '10.244.0.0/24', podCIDRs: ['10.244.0.0/24'] });
  await f.stop();
});

test('if someone else assigned subnets meanwhile, theirs win and ours is released', async () => {
  const f = await fixture([newNode('a')]);
  // Another writer sets the node's CIDR between our read and our write.
  f.clientset.prependReactor('update', 'nodes', (action) => {
    if (action.subresource || (action.object?.['spec'] as { podCIDR?: string } | undefined)?.podCIDR === '10.244.9.0/24') return undefined;
    f.clientset.tracker.update({ group: '', version: 'v1', resource: 'nodes', namespaced: false, kind: 'Node' }, { ...newNode('a'), spec: { podCIDR: '10.244.9.0/24', podCIDRs: ['10.244.9.0/24'] } });
    throw newConflict('nodes', 'a', OBJECT_MODIFIED);
  });
  await f.controller.reconcile('a', f.signal);
  assert.deepEqual(await cidrsOf(f, 'a'), { podCIDR: '10.244.9.0/24', podCIDRs: ['10.244.9.0/24'] });
  assert.deepEqual(f.controller.allocatedCounts(), [1], 'only 10.244.9.0/24 is counted');
  await f.stop();
});

test('exhaustion records CIDRNotAvailable and fails the reconcile; a deleted node frees its subnet for the next try', async () => {
  const f = await fixture([newNode('a'), newNode('b'), newNode('c')], { clusterCidrs: ['10.244.0.0/23'], nodeCidrMaskSizes: [24] });
  await f.controller.reconcile('a', f.signal);
  await f.controller.reconcile('b', f.signal);
  await assert.rejects(f.controller.reconcile('c', f.signal), CidrSetExhaustedError);
  assert.deepEqual(f.recorder.strings(), ['Normal CIDRNotAvailable Node c status is now: CIDRNotAvailable']);
  assert.deepEqual(await cidrsOf(f, 'c'), {});

  await f.clientset.nodes.delete('', 'a');
  await f.settle();
  await f.controller.reconcile('a', f.signal);
  assert.deepEqual(f.controller.allocatedCounts(), [1], 'released');
  await f.controller.reconcile('c', f.signal);
  assert.deepEqual(await cidrsOf(f, 'c'), { podCIDR: '10.244.0.0/24', podCIDRs: ['10.244.0.0/24'] });
  await f.stop();
});

test('dual-stack: one subnet per family; a CIDR outside the range is ignored, not fought over', async () => {
  const f = await fixture([newNode('a'), newNode('manual', { podCIDRs: ['192.168.7.0/24'] })], { clusterCidrs: ['10.244.0.0/16', 'fd00:10:244::/48'], nodeCidrMaskSizes: [24, 64] });
  await f.controller.reconcile('a', f.signal);
  assert.deepEqual(await cidrsOf(f, 'a'), { podCIDR: '10.244.0.0/24', podCIDRs: ['10.244.0.0/24', 'fd00:10:244::/64'] });
  await f.controller.reconcile('manual', f.signal);
  assert.deepEqual(f.writes(), ['update nodes a']);
  assert.deepEqual(f.controller.allocatedCounts(), [1, 1]);
  await f.stop();
  assert.throws(
    () => new NodeIpamController({ ...f, clusterCidrs: ['10.0.0.0/16', '10.1.0.0/16'], nodeCidrMaskSizes: [24, 24] }),
    /at most one cluster CIDR per IP family/,
  );
});
