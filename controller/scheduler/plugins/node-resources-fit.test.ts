import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Pod } from '../../../shared/api/core-v1.ts';
import { container, makeNode, makePod, nodeInfoOf, runFilter, runScore, type NodeOptions } from '../testing/fixtures.ts';
import { leastRequestedScore } from './least-allocated.ts';
import { NodeResourcesFit } from './node-resources-fit.ts';

describe('NodeResourcesFit filter', () => {
  const cases: { name: string; node: NodeOptions; existing: Pod[]; pod: Pod; code: string; reasons?: string[] }[] = [
    { name: 'fits', node: { cpu: '2', memory: '4Gi' }, existing: [makePod('a', { cpu: '1', memory: '1Gi' })], pod: makePod('p', { cpu: '1', memory: '1Gi' }), code: 'Success' },
    { name: 'exactly full still fits', node: { cpu: '2' }, existing: [makePod('a', { cpu: '1500m' })], pod: makePod('p', { cpu: '500m' }), code: 'Success' },
    {
      name: 'insufficient cpu (preemption could help)',
      node: { cpu: '2' },
      existing: [makePod('a', { cpu: '1500m' })],
      pod: makePod('p', { cpu: '501m' }),
      code: 'Unschedulable',
      reasons: ['Insufficient cpu'],
    },
    { name: 'more cpu than the node has: unresolvable', node: { cpu: '2' }, existing: [], pod: makePod('p', { cpu: '3' }), code: 'UnschedulableAndUnresolvable', reasons: ['Insufficient cpu'] },
    {
      name: 'all failing resources are reported',
      node: { cpu: '1', memory: '1Gi' },
      existing: [makePod('a', { cpu: '1', memory: '1Gi' })],
      pod: makePod('p', { cpu: '100m', memory: '1Mi' }),
      code: 'Unschedulable',
      reasons: ['Insufficient cpu', 'Insufficient memory'],
    },
    { name: 'too many pods', node: { pods: 1 }, existing: [makePod('a')], pod: makePod('p'), code: 'Unschedulable', reasons: ['Too many pods'] },
    { name: 'a pod without requests ignores a full cpu', node: { cpu: '1' }, existing: [makePod('a', { cpu: '1' })], pod: makePod('p'), code: 'Success' },
    {
      name: 'ephemeral-storage',
      node: { ephemeralStorage: '10Gi' },
      existing: [makePod('a', { containers: [container('c', { 'ephemeral-storage': '8Gi' })] })],
      pod: makePod('p', { containers: [container('c', { 'ephemeral-storage': '4Gi' })] }),
      code: 'Unschedulable',
      reasons: ['Insufficient ephemeral-storage'],
    },
    {
      name: 'extended resource the node lacks',
      node: {},
      existing: [],
      pod: makePod('p', { containers: [container('c', { 'nvidia.com/gpu': '1' })] }),
      code: 'UnschedulableAndUnresolvable',
      reasons: ['Insufficient nvidia.com/gpu'],
    },
    { name: 'extended resource available', node: { extra: { 'nvidia.com/gpu': '2' } }, existing: [], pod: makePod('p', { containers: [container('c', { 'nvidia.com/gpu': '2' })] }), code: 'Success' },
    {
      name: 'init container peak counts',
      node: { cpu: '2' },
      existing: [makePod('a', { cpu: '1' })],
      pod: makePod('p', { cpu: '100m', initContainers: [container('init', { cpu: '1500m' })] }),
      code: 'Unschedulable',
      reasons: ['Insufficient cpu'],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const s = runFilter(new NodeResourcesFit(), c.pod, nodeInfoOf(makeNode('n', c.node), c.existing));
      assert.equal(s.code, c.code);
      if (c.reasons) assert.deepEqual(s.reasons, c.reasons);
    });
  }
});

describe('LeastAllocated (NodeResourcesFit score)', () => {
  it('leastRequestedScore', () => {
    assert.equal(leastRequestedScore(0, 4000), 100);
    assert.equal(leastRequestedScore(1000, 3000), 66);
    assert.equal(leastRequestedScore(5000, 4000), 0);
    assert.equal(leastRequestedScore(1, 0), 0);
  });
  it('averages cpu and memory with the non-zero requests', () => {
    const pod = makePod('p', { cpu: '1', memory: '2Gi' });
    const nodes = [
      nodeInfoOf(makeNode('a', { cpu: '4', memory: '8Gi' }), [makePod('x', { cpu: '1', memory: '2Gi' })]), // cpu 50, mem 50
      nodeInfoOf(makeNode('b', { cpu: '3', memory: '8Gi' })), // cpu 66, mem 75 → 70
      nodeInfoOf(makeNode('c', { cpu: '4', memory: '8Gi' }), [makePod('y')]), // best effort: 100m/200Mi → cpu 72, mem 72 (8192-2248)/8192
    ];
    assert.deepEqual(runScore(new NodeResourcesFit(), pod, nodes), [50, 70, 72]);
  });
  it('a best-effort pod counts as 100m / 200Mi', () => {
    const nodes = [nodeInfoOf(makeNode('a', { cpu: '1', memory: '1000Mi' }))];
    // cpu (1000-100)*100/1000 = 90, memory (1000-200)*100/1000 = 80 → 85
    assert.deepEqual(runScore(new NodeResourcesFit(), makePod('p'), nodes), [85]);
  });
});
