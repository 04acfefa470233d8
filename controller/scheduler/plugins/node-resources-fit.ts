/**
 * NodeResourcesFit (kube-scheduler plugins/noderesources/fit.go).
 * - Filter: the pod fits when the node has a free pod slot ("Too many pods") and, for every resource the pod
 *   requests (> 0), request <= allocatable - already requested ("Insufficient cpu", "Insufficient memory",
 *   "Insufficient ephemeral-storage", "Insufficient <scalar>"). All failing resources are reported. The status
 *   is UnschedulableAndUnresolvable when the request exceeds the node's whole allocatable (evicting pods could
 *   not help), Unschedulable otherwise. That split is kube 1.34's (kubernetes PR 131345); 1.32 always said
 *   Unschedulable, so for a pod larger than a node its preemption suffix read "No preemption victims found for
 *   incoming pod" where kubelab (and the issue's example message) say "Preemption is not helpful for scheduling".
 *   The reasons themselves are identical.
 * - Score: the LeastAllocated strategy (least-allocated.ts) over cpu and memory with the non-zero requests.
 */
import type { Pod } from '../../../shared/api/core-v1.ts';
import { SUCCESS, type ClusterEvent, type CycleState, type FilterPlugin, type PreFilterPlugin, type PreScorePlugin, type ScorePlugin, type Status } from '../framework/interface.ts';
import { newPodInfo, type NodeInfo, type PodResources } from '../framework/node-info.ts';
import { internedStatus } from './_helpers.ts';
import { DEFAULT_RESOURCES, ResourceAllocationScorer, type ResourceSpec } from './_resource-allocation.ts';
import { leastAllocatedScorer } from './least-allocated.ts';

export const NODE_RESOURCES_FIT = 'NodeResourcesFit';
const PRE_FILTER_KEY = 'PreFilter' + NODE_RESOURCES_FIT;
const PRE_SCORE_KEY = 'PreScore' + NODE_RESOURCES_FIT;

export const REASON_TOO_MANY_PODS = 'Too many pods';
export const REASON_INSUFFICIENT_CPU = 'Insufficient cpu';
export const REASON_INSUFFICIENT_MEMORY = 'Insufficient memory';
export const REASON_INSUFFICIENT_EPHEMERAL_STORAGE = 'Insufficient ephemeral-storage';

export interface InsufficientResource {
  resourceName: string;
  reason: string;
  requested: number;
  used: number;
  capacity: number;
  /** The request exceeds the node's allocatable: preemption cannot make room. */
  unresolvable: boolean;
}

/** fitsRequest: every resource the pod does not fit on the node, in kube's order. */
export function fitsRequest(req: PodResources, nodeInfo: NodeInfo): InsufficientResource[] {
  const out: InsufficientResource[] = [];
  const alloc = nodeInfo.allocatable;
  const used = nodeInfo.requested;
  if (nodeInfo.pods.length + 1 > alloc.allowedPodNumber) {
    out.push({ resourceName: 'pods', reason: REASON_TOO_MANY_PODS, requested: 1, used: nodeInfo.pods.length, capacity: alloc.allowedPodNumber, unresolvable: false });
  }
  if (req.milliCPU > 0 && req.milliCPU > alloc.milliCPU - used.milliCPU) {
    out.push({ resourceName: 'cpu', reason: REASON_INSUFFICIENT_CPU, requested: req.milliCPU, used: used.milliCPU, capacity: alloc.milliCPU, unresolvable: req.milliCPU > alloc.milliCPU });
  }
  if (req.memory > 0 && req.memory > alloc.memory - used.memory) {
    out.push({ resourceName: 'memory', reason: REASON_INSUFFICIENT_MEMORY, requested: req.memory, used: used.memory, capacity: alloc.memory, unresolvable: req.memory > alloc.memory });
  }
  if (req.ephemeralStorage > 0 && req.ephemeralStorage > alloc.ephemeralStorage - used.ephemeralStorage) {
    out.push({
      resourceName: 'ephemeral-storage',
      reason: REASON_INSUFFICIENT_EPHEMERAL_STORAGE,
      requested: req.ephemeralStorage,
      used: used.ephemeralStorage,
      capacity: alloc.ephemeralStorage,
      unresolvable: req.ephemeralStorage > alloc.ephemeralStorage,
    });
  }
  if (req.scalar) {
    for (const [name, q] of req.scalar) {
      if (q === 0) continue;
      const a = alloc.scalar?.get(name) ?? 0;
      const u = used.scalar?.get(name) ?? 0;
      if (q > a - u) out.push({ resourceName: name, reason: `Insufficient ${name}`, requested: q, used: u, capacity: a, unresolvable: q > a });
    }
  }
  return out;
}

export interface NodeResourcesFitOptions {
  /** Resources and weights of the LeastAllocated score. @default cpu and memory, weight 1 */
  resources?: readonly ResourceSpec[];
}

// Bits of the common failure combinations, to hand out interned statuses without building reason lists.
const BIT_PODS = 1;
const BIT_CPU = 2;
const BIT_MEM = 4;
const BIT_EPH = 8;
const BIT_UNRESOLVABLE = 16;

export class NodeResourcesFit implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin {
  readonly name = NODE_RESOURCES_FIT;
  readonly #scorer: ResourceAllocationScorer;
  readonly #byMask = new Map<number, Status>();

  constructor(options: NodeResourcesFitOptions = {}) {
    this.#scorer = new ResourceAllocationScorer(options.resources ?? DEFAULT_RESOURCES, false, leastAllocatedScorer);
  }

  preFilter(state: CycleState, pod: Pod): Status {
    state.write(PRE_FILTER_KEY, newPodInfo(pod).requests);
    return SUCCESS;
  }

  filter(state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status {
    const req = state.read<PodResources>(PRE_FILTER_KEY) ?? newPodInfo(pod).requests;
    const alloc = nodeInfo.allocatable;
    const used = nodeInfo.requested;
    let mask = 0;
    if (nodeInfo.pods.length + 1 > alloc.allowedPodNumber) mask |= BIT_PODS;
    if (req.milliCPU > 0 && req.milliCPU > alloc.milliCPU - used.milliCPU) {
      mask |= BIT_CPU;
      if (req.milliCPU > alloc.milliCPU) mask |= BIT_UNRESOLVABLE;
    }
    if (req.memory > 0 && req.memory > alloc.memory - used.memory) {
      mask |= BIT_MEM;
      if (req.memory > alloc.memory) mask |= BIT_UNRESOLVABLE;
    }
    if (req.ephemeralStorage > 0 && req.ephemeralStorage > alloc.ephemeralStorage - used.ephemeralStorage) {
      mask |= BIT_EPH;
      if (req.ephemeralStorage > alloc.ephemeralStorage) mask |= BIT_UNRESOLVABLE;
    }
    if (req.scalar) {
      // Rare: take the general path.
      const insufficient = fitsRequest(req, nodeInfo);
      if (insufficient.length === 0) return SUCCESS;
      return internedStatus(insufficient.some((r) => r.unresolvable) ? 'UnschedulableAndUnresolvable' : 'Unschedulable', insufficient.map((r) => r.reason));
    }
    if (mask === 0) return SUCCESS;
    let s = this.#byMask.get(mask);
    if (!s) {
      const reasons: string[] = [];
      if (mask & BIT_PODS) reasons.push(REASON_TOO_MANY_PODS);
      if (mask & BIT_CPU) reasons.push(REASON_INSUFFICIENT_CPU);
      if (mask & BIT_MEM) reasons.push(REASON_INSUFFICIENT_MEMORY);
      if (mask & BIT_EPH) reasons.push(REASON_INSUFFICIENT_EPHEMERAL_STORAGE);
      s = internedStatus(mask & BIT_UNRESOLVABLE ? 'UnschedulableAndUnresolvable' : 'Unschedulable', reasons);
      this.#byMask.set(mask, s);
    }
    return s;
  }

  preScore(state: CycleState, pod: Pod): Status {
    state.write(PRE_SCORE_KEY, this.#scorer.podRequests(pod));
    return SUCCESS;
  }

  score(state: CycleState, pod: Pod, nodeInfo: NodeInfo): number {
    const req = state.read<Float64Array>(PRE_SCORE_KEY) ?? this.#scorer.podRequests(pod);
    return this.#scorer.score(nodeInfo, req);
  }

  eventsToRegister(): ClusterEvent[] {
    return [
      { resource: 'Pod', actions: ['Delete', 'UpdatePodScaleDown'], label: 'AssignedPodDelete|PodScaleDown' },
      { resource: 'Node', actions: ['Add', 'UpdateNodeAllocatable'], label: 'NodeAdd|NodeAllocatableChange' },
    ];
  }
}
