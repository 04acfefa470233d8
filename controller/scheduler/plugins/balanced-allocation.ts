/**
 * NodeResourcesBalancedAllocation (kube-scheduler plugins/noderesources/balanced_allocation.go): favours nodes
 * whose resource utilisation fractions (requested / allocatable, capped at 1, counting the pod) are close to
 * each other: score = (1 - standard deviation of the fractions) * 100, truncated; for two resources the
 * deviation is |f1 - f2| / 2. Uses the real requests (useRequested), not the non-zero defaults.
 *
 * kube 1.33 started skipping this plugin for best-effort pods (issue 129138); 1.32, which kubelab follows,
 * scores them like any other pod.
 */
import type { Pod } from '../../../shared/api/core-v1.ts';
import { MAX_NODE_SCORE, SUCCESS, type CycleState, type PreScorePlugin, type ScorePlugin, type Status } from '../framework/interface.ts';
import type { NodeInfo } from '../framework/node-info.ts';
import { DEFAULT_RESOURCES, ResourceAllocationScorer, type ResourceScorer, type ResourceSpec } from './_resource-allocation.ts';

export const NODE_RESOURCES_BALANCED_ALLOCATION = 'NodeResourcesBalancedAllocation';
const PRE_SCORE_KEY = 'PreScore' + NODE_RESOURCES_BALANCED_ALLOCATION;

/** balancedResourceScorer */
export const balancedResourceScorer: ResourceScorer = (requested: Float64Array, allocatable: Float64Array): number => {
  let count = 0;
  let total = 0;
  let first = 0;
  let second = 0;
  for (let i = 0; i < requested.length; i++) {
    if (allocatable[i] === 0) continue;
    let f = requested[i]! / allocatable[i]!;
    if (f > 1) f = 1;
    total += f;
    if (count === 0) first = f;
    else if (count === 1) second = f;
    count++;
  }
  let std = 0;
  if (count === 2) {
    std = Math.abs((first - second) / 2);
  } else if (count > 2) {
    const mean = total / count;
    let sum = 0;
    for (let i = 0; i < requested.length; i++) {
      if (allocatable[i] === 0) continue;
      let f = requested[i]! / allocatable[i]!;
      if (f > 1) f = 1;
      sum += (f - mean) * (f - mean);
    }
    std = Math.sqrt(sum / count);
  }
  return Math.trunc((1 - std) * MAX_NODE_SCORE);
};

export interface BalancedAllocationOptions {
  /** @default cpu and memory, weight 1 (weights are not used by this scorer) */
  resources?: readonly ResourceSpec[];
}

export class NodeResourcesBalancedAllocation implements PreScorePlugin, ScorePlugin {
  readonly name = NODE_RESOURCES_BALANCED_ALLOCATION;
  readonly #scorer: ResourceAllocationScorer;

  constructor(options: BalancedAllocationOptions = {}) {
    this.#scorer = new ResourceAllocationScorer(options.resources ?? DEFAULT_RESOURCES, true, balancedResourceScorer);
  }

  preScore(state: CycleState, pod: Pod): Status {
    state.write(PRE_SCORE_KEY, this.#scorer.podRequests(pod));
    return SUCCESS;
  }

  score(state: CycleState, pod: Pod, nodeInfo: NodeInfo): number {
    const req = state.read<Float64Array>(PRE_SCORE_KEY) ?? this.#scorer.podRequests(pod);
    return this.#scorer.score(nodeInfo, req);
  }
}
