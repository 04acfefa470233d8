/**
 * LeastAllocated, the default scoring strategy of NodeResourcesFit
 * (kube-scheduler plugins/noderesources/least_allocated.go): per resource
 * (allocatable - requested) * 100 / allocatable (0 when over-requested), averaged with the resource weights,
 * in integer arithmetic as upstream.
 */
import { MAX_NODE_SCORE } from '../framework/interface.ts';
import type { ResourceScorer, ResourceSpec } from './_resource-allocation.ts';

/** leastRequestedScore */
export function leastRequestedScore(requested: number, capacity: number): number {
  if (capacity === 0 || requested > capacity) return 0;
  return Math.trunc(((capacity - requested) * MAX_NODE_SCORE) / capacity);
}

/** leastResourceScorer */
export const leastAllocatedScorer: ResourceScorer = (requested: Float64Array, allocatable: Float64Array, resources: readonly ResourceSpec[]): number => {
  let nodeScore = 0;
  let weightSum = 0;
  for (let i = 0; i < requested.length; i++) {
    if (allocatable[i] === 0) continue;
    const w = resources[i]!.weight;
    nodeScore += leastRequestedScore(requested[i]!, allocatable[i]!) * w;
    weightSum += w;
  }
  return weightSum === 0 ? 0 : Math.trunc(nodeScore / weightSum);
};
