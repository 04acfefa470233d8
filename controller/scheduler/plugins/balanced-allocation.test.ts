import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeNode, makePod, nodeInfoOf, runScore } from '../testing/fixtures.ts';
import { balancedResourceScorer, NodeResourcesBalancedAllocation } from './balanced-allocation.ts';

describe('NodeResourcesBalancedAllocation', () => {
  it('scores 100 - 100·|cpuFraction - memFraction|/2', () => {
    const pod = makePod('p', { cpu: '1', memory: '2Gi' });
    const nodes = [
      nodeInfoOf(makeNode('even', { cpu: '4', memory: '8Gi' })), // .25 / .25 → 100
      nodeInfoOf(makeNode('cpu-heavy', { cpu: '4', memory: '8Gi' }), [makePod('x', { cpu: '2' })]), // .75 / .25 → 75
      nodeInfoOf(makeNode('over', { cpu: '1', memory: '8Gi' }), [makePod('y', { cpu: '1' })]), // 2 capped to 1 / .25 → 62.5 → 62
    ];
    assert.deepEqual(runScore(new NodeResourcesBalancedAllocation(), pod, nodes), [100, 75, 62]);
  });
  it('uses real requests, not the non-zero defaults', () => {
    // A best-effort pod on an empty node: fractions 0 and 0 → 100 (with defaults it would differ).
    assert.deepEqual(runScore(new NodeResourcesBalancedAllocation(), makePod('p'), [nodeInfoOf(makeNode('n', { cpu: '1', memory: '100Gi' }))]), [100]);
  });
  it('skips resources the node does not have and uses the standard deviation for three or more', () => {
    const specs = [
      { name: 'cpu', weight: 1 },
      { name: 'memory', weight: 1 },
      { name: 'x', weight: 1 },
    ];
    assert.equal(balancedResourceScorer(new Float64Array([1, 1, 0]), new Float64Array([2, 4, 0]), specs), 87); // |.5-.25|/2 = .125
    // fractions .5, .25, 1 → mean .5833, std ≈ .3118 → 68
    assert.equal(balancedResourceScorer(new Float64Array([1, 1, 3]), new Float64Array([2, 4, 2]), specs), 68);
  });
});
