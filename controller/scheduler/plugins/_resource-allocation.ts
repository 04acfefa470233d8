/**
 * The scoring half shared by NodeResourcesFit (LeastAllocated) and NodeResourcesBalancedAllocation
 * (kube-scheduler plugins/noderesources/resource_allocation.go resourceAllocationScorer).
 *
 * For each configured resource: allocatable from the node, requested = the node's sum + the pod's request.
 * `useRequested` picks the node's real requests (BalancedAllocation) or the non-zero ones (LeastAllocated,
 * where containers without cpu/memory requests count as 100m / 200Mi), and likewise for the pod.
 * A resource the node does not have (allocatable 0), or a scalar resource the pod does not request, is left
 * out (both entries 0), which the scorers skip.
 */
import type { Pod } from '../../../shared/api/core-v1.ts';
import { newPodInfo, type NodeInfo } from '../framework/node-info.ts';

export interface ResourceSpec {
  /** 'cpu', 'memory', 'ephemeral-storage', or a scalar resource name. */
  name: string;
  weight: number;
}

/** config.NodeResourcesFitArgs default: cpu and memory, weight 1 each. */
export const DEFAULT_RESOURCES: readonly ResourceSpec[] = Object.freeze([
  { name: 'cpu', weight: 1 },
  { name: 'memory', weight: 1 },
]);

/** scorer(requested, allocatable) → score in [0, 100]. Arrays are index-aligned with the resource specs. */
export type ResourceScorer = (requested: Float64Array, allocatable: Float64Array, resources: readonly ResourceSpec[]) => number;

export class ResourceAllocationScorer {
  readonly resources: readonly ResourceSpec[];
  readonly #useRequested: boolean;
  readonly #scorer: ResourceScorer;
  // Scratch buffers: a cycle is synchronous, so one pair per scorer is enough.
  readonly #requested: Float64Array;
  readonly #allocatable: Float64Array;

  constructor(resources: readonly ResourceSpec[], useRequested: boolean, scorer: ResourceScorer) {
    this.resources = resources;
    this.#useRequested = useRequested;
    this.#scorer = scorer;
    this.#requested = new Float64Array(resources.length);
    this.#allocatable = new Float64Array(resources.length);
  }

  /** calculatePodResourceRequestList: the pod's request per configured resource. */
  podRequests(pod: Pod): Float64Array {
    const r = newPodInfo(pod).requests;
    const out = new Float64Array(this.resources.length);
    this.resources.forEach((spec, i) => {
      switch (spec.name) {
        case 'cpu':
          out[i] = this.#useRequested ? r.milliCPU : r.nonZeroMilliCPU;
          break;
        case 'memory':
          out[i] = this.#useRequested ? r.memory : r.nonZeroMemory;
          break;
        case 'ephemeral-storage':
          out[i] = r.ephemeralStorage;
          break;
        default:
          out[i] = r.scalar?.get(spec.name) ?? 0;
      }
    });
    return out;
  }

  score(nodeInfo: NodeInfo, podRequests: Float64Array): number {
    const req = this.#requested;
    const alloc = this.#allocatable;
    const node = this.#useRequested ? nodeInfo.requested : nodeInfo.nonZeroRequested;
    const resources = this.resources;
    for (let i = 0; i < resources.length; i++) {
      const name = resources[i]!.name;
      const pr = podRequests[i]!;
      let a: number;
      let q: number;
      if (name === 'cpu') {
        a = nodeInfo.allocatable.milliCPU;
        q = node.milliCPU + pr;
      } else if (name === 'memory') {
        a = nodeInfo.allocatable.memory;
        q = node.memory + pr;
      } else if (name === 'ephemeral-storage') {
        a = nodeInfo.allocatable.ephemeralStorage;
        q = nodeInfo.requested.ephemeralStorage + pr;
      } else if (pr === 0) {
        a = 0;
        q = 0;
      } else {
        a = nodeInfo.allocatable.scalar?.get(name) ?? 0;
        q = (nodeInfo.requested.scalar?.get(name) ?? 0) + pr;
      }
      if (a === 0) {
        alloc[i] = 0;
        req[i] = 0;
      } else {
        alloc[i] = a;
        req[i] = q;
      }
    }
    return this.#scorer(req, alloc, resources);
  }
}
