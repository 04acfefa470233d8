/**
 * The node IPAM controller with the range allocator (kube-controller-manager pkg/controller/nodeipam,
 * ipam/range_allocator.go): gives every node a pod subnet, `spec.podCIDR` and `spec.podCIDRs`, cut from the
 * cluster CIDR(s) (`--cluster-cidr`, one per IP family) with `--node-cidr-mask-size`.
 *
 * - On start, once the node cache is filled and before any allocation, the subnets nodes already have are
 *   marked used (so a restarted controller or a new leader never hands one out twice).
 * - A node without podCIDRs gets the next free subnet of each cluster CIDR, written with a PUT carrying the
 *   cached resourceVersion; on 409 Conflict the node is read again and the write retried. If meanwhile it got
 *   subnets from someone else, those are taken as used and ours released.
 * - No subnet left: the Normal event CIDRNotAvailable ("Node <name> status is now: CIDRNotAvailable") on the
 *   node, and the reconcile is retried with backoff (a deleted node may free one).
 * - A deleted node's subnets are released.
 * - Idempotent: a node whose podCIDRs are set is only recorded as using them; reconciling it again writes
 *   nothing. Subnets outside the cluster CIDRs (set by hand) are left alone, with a warning.
 */
import type { Node } from '../../shared/api/core-v1.ts';
import { deepCopy } from '../../shared/api/meta.ts';
import type { SharedInformerFactory } from '../../shared/cache/informer-factory.ts';
import type { SharedIndexInformer } from '../../shared/cache/shared-informer.ts';
import type { Clientset } from '../../shared/client/clientset.ts';
import { isConflict, isNotFound } from '../../shared/errors/status-error.ts';
import { realClock, type Clock } from '../../shared/util/clock.ts';
import { log as rootLog, type Logger } from '../../shared/util/log.ts';
import { Controller } from '../framework/controller.ts';
import type { EventRecorder } from '../framework/event-recorder.ts';
import { enqueueHandler } from '../framework/handlers.ts';
import type { Reconciler, Result } from '../framework/reconciler.ts';
import { CidrSet, CidrSetExhaustedError } from './cidr-set.ts';

export interface NodeIpamControllerOptions {
  clientset: Clientset;
  informerFactory: SharedInformerFactory;
  recorder: EventRecorder;
  /** One CIDR per IP family (dual-stack: IPv4 and IPv6), e.g. ['10.244.0.0/16']. */
  clusterCidrs: string[];
  /** Node subnet mask size for each cluster CIDR, e.g. [24]. */
  nodeCidrMaskSizes: number[];
  /** @default 4 */
  workers?: number;
  /** @default realClock */
  clock?: Clock;
  log?: Logger;
}

/** How many times a node write is tried before the reconcile fails (cidrUpdateRetries). */
const CIDR_UPDATE_RETRIES = 3;

export class NodeIpamController implements Reconciler {
  readonly controller: Controller;
  readonly #clientset: Clientset;
  readonly #recorder: EventRecorder;
  readonly #log: Logger;
  readonly #nodes: SharedIndexInformer<Node>;
  readonly #sets: CidrSet[];
  /** The subnets this controller counts as used by each node (allocated by it, or found on the node). */
  readonly #byNode = new Map<string, string[]>();

  constructor(options: NodeIpamControllerOptions) {
    this.#sets = newCidrSets(options.clusterCidrs, options.nodeCidrMaskSizes);
    this.#clientset = options.clientset;
    this.#recorder = options.recorder;
    this.#log = (options.log ?? rootLog).with({ controller: 'node-ipam-controller' });
    const clock = options.clock ?? realClock;
    this.controller = new Controller({ name: 'node-ipam-controller', reconciler: this, workers: options.workers ?? 4, clock, log: options.log ?? rootLog });
    this.#nodes = options.informerFactory.nodes<Node>();
    this.#nodes.addEventHandler(enqueueHandler<Node>((key) => this.controller.enqueue(key), {
      updateMatters: (a, b) => JSON.stringify(podCidrsOf(a)) !== JSON.stringify(podCidrsOf(b)),
    }));
  }

  async run(signal: AbortSignal): Promise<void> {
    await this.controller.run(signal, {
      hasSynced: [() => this.#nodes.hasSynced()],
      onSynced: () => this.occupyExisting(),
    });
  }

  /** Marks the subnets of every cached node as used (NewCIDRRangeAllocator's initial pass). */
  occupyExisting(): void {
    let count = 0;
    for (const node of this.#nodes.lister.list()) {
      const cidrs = podCidrsOf(node);
      if (cidrs.length === 0 || !node.metadata.name) continue;
      this.#occupy(node.metadata.name, cidrs);
      count++;
    }
    this.#log.info('Marked the node CIDRs already assigned as used', { nodes: count, clusterCidrs: this.#sets.map((s) => s.clusterCidr) });
  }

  /** Subnets in use per cluster CIDR (for tests and logs). */
  allocatedCounts(): number[] {
    return this.#sets.map((s) => s.allocatedCount);
  }

  async reconcile(name: string, signal: AbortSignal): Promise<Result> {
    const cached = this.#nodes.lister.get(name);
    if (!cached) {
      const cidrs = this.#byNode.get(name);
      if (cidrs) {
        this.#release(cidrs);
        this.#byNode.delete(name);
        this.#log.info('Released the CIDRs of a deleted node', { node: name, cidrs });
      }
      return {};
    }
    const existing = podCidrsOf(cached);
    if (existing.length > 0) {
      this.#occupy(name, existing);
      return {};
    }

    // Allocate (or reuse what an earlier, failed attempt allocated for this node).
    let cidrs = this.#byNode.get(name);
    if (!cidrs) {
      cidrs = [];
      for (const set of this.#sets) {
        try {
          cidrs.push(set.allocateNext());
        } catch (err) {
          this.#release(cidrs);
          if (err instanceof CidrSetExhaustedError) {
            this.#recorder.event(cached, 'Normal', 'CIDRNotAvailable', `Node ${name} status is now: CIDRNotAvailable`);
          }
          throw err;
        }
      }
      this.#byNode.set(name, cidrs);
    }

    let node: Node = cached;
    for (let attempt = 1; ; attempt++) {
      const theirs = podCidrsOf(node);
      if (theirs.length > 0) {
        // Someone (another allocator, a user) assigned subnets meanwhile: theirs win.
        if (!sameList(theirs, cidrs)) {
          this.#log.warn('Node already has CIDRs, releasing the ones allocated for it', { node: name, allocated: cidrs, assigned: theirs });
          this.#release(cidrs);
          this.#byNode.delete(name);
          this.#occupy(name, theirs);
        }
        return {};
      }
      const next = deepCopy(node);
      next.spec = { ...next.spec, podCIDR: cidrs[0] as string, podCIDRs: [...cidrs] };
      try {
        await this.#clientset.nodes.update(next, { signal });
        this.#log.info('Assigned pod CIDRs to node', { node: name, podCIDRs: cidrs });
        return {};
      } catch (err) {
        if (isNotFound(err)) {
          this.#release(cidrs);
          this.#byNode.delete(name);
          return {};
        }
        if (!isConflict(err) || attempt >= CIDR_UPDATE_RETRIES) {
          // Keep the allocation for this node: the retry reuses it.
          this.#recorder.event(cached, 'Normal', 'CIDRAssignmentFailed', `Node ${name} status is now: CIDRAssignmentFailed`);
          throw err;
        }
        try {
          node = (await this.#clientset.nodes.get('', name, { signal })) as Node;
        } catch (getErr) {
          if (!isNotFound(getErr)) throw getErr;
          this.#release(cidrs);
          this.#byNode.delete(name);
          return {};
        }
      }
    }
  }

  /** Records `cidrs` as the node's, marking them used (and releasing what we had recorded for it before). */
  #occupy(name: string, cidrs: string[]): void {
    const before = this.#byNode.get(name);
    if (before && sameList(before, cidrs)) return;
    if (before) this.#release(before);
    const recorded: string[] = [];
    for (const cidr of cidrs) {
      const set = this.#sets.find((s) => s.matchesFamily(cidr));
      if (!set) {
        this.#log.warn('Node has a CIDR of an IP family without a cluster CIDR, ignoring it', { node: name, cidr });
        continue;
      }
      try {
        set.occupy(cidr);
        recorded.push(cidr);
      } catch (err) {
        this.#log.warn('Node has a CIDR outside the cluster CIDR, ignoring it', { node: name, cidr, err });
      }
    }
    this.#byNode.set(name, recorded);
  }

  #release(cidrs: string[]): void {
    for (const cidr of cidrs) {
      const set = this.#sets.find((s) => s.matchesFamily(cidr));
      try {
        set?.release(cidr);
      } catch {
        // Outside the cluster CIDR: never occupied.
      }
    }
  }
}

/**
 * The allocators for a configuration, checked: one or two cluster CIDRs (at most one per IP family), each
 * with a mask size that cuts it into at most 2^16 subnets. Throws RangeError with the reason otherwise.
 */
export function newCidrSets(clusterCidrs: readonly string[], nodeCidrMaskSizes: readonly number[]): CidrSet[] {
  if (clusterCidrs.length === 0) throw new RangeError('Cannot allocate node CIDRs as no cluster CIDR is configured');
  if (clusterCidrs.length !== nodeCidrMaskSizes.length) {
    throw new RangeError(`Cannot allocate node CIDRs with ${clusterCidrs.length} cluster CIDR(s) and ${nodeCidrMaskSizes.length} mask size(s)`);
  }
  const sets = clusterCidrs.map((c, i) => new CidrSet(c, nodeCidrMaskSizes[i] as number));
  if (sets.length > 2 || (sets.length === 2 && sets[0]?.family === sets[1]?.family)) {
    throw new RangeError(`Cannot allocate node CIDRs from ${clusterCidrs.join(',')}: at most one cluster CIDR per IP family`);
  }
  return sets;
}

/** spec.podCIDRs, or [spec.podCIDR] for a node that only has the old singular field. */
export function podCidrsOf(node: Node): string[] {
  const list = node.spec?.podCIDRs;
  if (list && list.length > 0) return list;
  return node.spec?.podCIDR ? [node.spec.podCIDR] : [];
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
