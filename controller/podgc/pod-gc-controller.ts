/**
 * Pod garbage collection (kube-controller-manager pkg/controller/podgc/gc_controller.go). Every
 * `gcCheckPeriodMs` (20 s) one pass over the pod and node caches:
 *
 * 1. Terminated pods (phase Succeeded or Failed) beyond `terminatedPodThreshold` (12500; 0 disables) are
 *    deleted: evicted ones first, then oldest first (by creationTimestamp, then name).
 * 2. Terminating pods (deletionTimestamp set) on a node that is not Ready and carries the
 *    `node.kubernetes.io/out-of-service` taint are deleted (their kubelet will never confirm).
 * 3. Orphaned pods, bound to a node that does not exist: the node name is quarantined first
 *    (`quarantineMs`, 40 s: a node can show up in the informer later than its pods), then looked up on the
 *    server; only when the server says NotFound are its pods deleted, with the DisruptionTarget condition
 *    (reason DeletionByPodGC, "PodGC: node no longer exists").
 * 4. Terminating pods that were never bound to a node are deleted.
 *
 * Every deletion force-deletes (gracePeriodSeconds 0): there is no kubelet to wait for. A pod that is not yet
 * in a terminal phase is first patched to phase Failed through pods/status, so it does not stay Running
 * forever in a watcher's view (markFailedAndDeletePod).
 */
import type { Node, Pod, PodCondition } from '../../shared/api/core-v1.ts';
import type { SharedInformerFactory } from '../../shared/cache/informer-factory.ts';
import type { SharedIndexInformer } from '../../shared/cache/shared-informer.ts';
import type { Clientset } from '../../shared/client/clientset.ts';
import { isNotFound } from '../../shared/errors/status-error.ts';
import { realClock, type Clock } from '../../shared/util/clock.ts';
import { log as rootLog, type Logger } from '../../shared/util/log.ts';
import { until } from '../../shared/util/wait.ts';
import { getNodeCondition } from '../framework/conditions.ts';
import { rfc3339 } from '../framework/time-format.ts';

export const TAINT_NODE_OUT_OF_SERVICE = 'node.kubernetes.io/out-of-service';

export interface PodGCControllerOptions {
  clientset: Clientset;
  informerFactory: SharedInformerFactory;
  /** Terminated pods kept; 0 disables their collection. @default 12500 (--terminated-pod-gc-threshold) */
  terminatedPodThreshold?: number;
  /** @default 20000 */
  gcCheckPeriodMs?: number;
  /** How long a missing node is given to show up before its pods are collected. @default 40000 */
  quarantineMs?: number;
  /** Concurrent deletions within a pass. @default 8 */
  concurrency?: number;
  /** @default realClock */
  clock?: Clock;
  log?: Logger;
}

export class PodGCController {
  readonly #clientset: Clientset;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #pods: SharedIndexInformer<Pod>;
  readonly #nodes: SharedIndexInformer<Node>;
  readonly #threshold: number;
  readonly #periodMs: number;
  readonly #quarantineMs: number;
  readonly #concurrency: number;
  /** Node names that pods refer to but the node cache lacks, with when that was first noticed. */
  readonly #missingSince = new Map<string, number>();

  constructor(options: PodGCControllerOptions) {
    this.#clientset = options.clientset;
    this.#clock = options.clock ?? realClock;
    this.#log = (options.log ?? rootLog).with({ controller: 'pod-garbage-collector' });
    this.#pods = options.informerFactory.pods<Pod>();
    this.#nodes = options.informerFactory.nodes<Node>();
    this.#threshold = options.terminatedPodThreshold ?? 12500;
    this.#periodMs = options.gcCheckPeriodMs ?? 20_000;
    this.#quarantineMs = options.quarantineMs ?? 40_000;
    this.#concurrency = Math.max(1, options.concurrency ?? 8);
  }

  /** Waits for the caches, then runs a pass every period until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    this.#log.info('Starting controller');
    const synced = (await this.#pods.whenSynced(signal)) && (await this.#nodes.whenSynced(signal));
    if (synced && !signal.aborted) {
      await until(() => this.gc(signal), this.#periodMs, signal, this.#clock, { log: this.#log });
    }
    this.#log.info('Shutting down controller');
  }

  /** One pass (see file comment). Deletion failures are logged; the next pass tries again. */
  async gc(signal?: AbortSignal): Promise<void> {
    const pods = this.#pods.lister.list();
    const nodes = this.#nodes.lister.list();
    if (this.#threshold > 0) await this.#gcTerminated(pods, signal);
    await this.#gcTerminating(pods, signal);
    await this.#gcOrphaned(pods, nodes, signal);
    await this.#gcUnscheduledTerminating(pods, signal);
  }

  async #gcTerminated(pods: Pod[], signal?: AbortSignal): Promise<void> {
    const terminated = pods.filter((p) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed');
    const deleteCount = terminated.length - this.#threshold;
    if (deleteCount <= 0) return;
    this.#log.info('Garbage collecting terminated pods', { count: deleteCount, threshold: this.#threshold });
    terminated.sort(byEvictionAndCreationTimestamp);
    await this.#deleteAll(terminated.slice(0, deleteCount), 'terminated', undefined, signal);
  }

  async #gcTerminating(pods: Pod[], signal?: AbortSignal): Promise<void> {
    const victims = pods.filter((p) => {
      if (!p.metadata.deletionTimestamp || !p.spec?.nodeName) return false;
      const node = this.#nodes.lister.get(p.spec.nodeName);
      if (!node) return false;
      const ready = getNodeCondition(node.status, 'Ready')?.status === 'True';
      return !ready && (node.spec?.taints ?? []).some((t) => t.key === TAINT_NODE_OUT_OF_SERVICE);
    });
    if (victims.length === 0) return;
    victims.sort(byEvictionAndCreationTimestamp);
    await this.#deleteAll(victims, 'terminating on an out-of-service node', undefined, signal);
  }

  async #gcOrphaned(pods: Pod[], nodes: Node[], signal?: AbortSignal): Promise<void> {
    const existing = new Set(nodes.map((n) => n.metadata.name));
    const now = this.#clock.now();
    const referenced = new Set<string>();
    for (const pod of pods) {
      const nodeName = pod.spec?.nodeName;
      if (!nodeName || existing.has(nodeName)) continue;
      referenced.add(nodeName);
      if (!this.#missingSince.has(nodeName)) this.#missingSince.set(nodeName, now);
    }
    const deleted = new Set<string>();
    for (const [nodeName, since] of this.#missingSince) {
      if (!referenced.has(nodeName)) {
        this.#missingSince.delete(nodeName);
        continue;
      }
      if (now - since < this.#quarantineMs) continue;
      try {
        await this.#clientset.nodes.get('', nodeName, signal ? { signal } : {});
        // It exists after all (the informer lags): look again from scratch next time.
        this.#missingSince.delete(nodeName);
      } catch (err) {
        if (isNotFound(err)) deleted.add(nodeName);
        else this.#log.warn('Cannot check whether a node exists', { node: nodeName, err });
      }
    }
    if (deleted.size === 0) return;
    const orphans = pods.filter((p) => deleted.has(p.spec?.nodeName ?? ''));
    const condition: PodCondition = {
      type: 'DisruptionTarget',
      status: 'True',
      reason: 'DeletionByPodGC',
      message: 'PodGC: node no longer exists',
      lastTransitionTime: rfc3339(now),
    };
    await this.#deleteAll(orphans, 'orphaned (its node no longer exists)', condition, signal);
  }

  async #gcUnscheduledTerminating(pods: Pod[], signal?: AbortSignal): Promise<void> {
    const victims = pods.filter((p) => p.metadata.deletionTimestamp && !p.spec?.nodeName);
    if (victims.length === 0) return;
    await this.#deleteAll(victims, 'terminating and never scheduled', undefined, signal);
  }

  async #deleteAll(pods: Pod[], why: string, condition: PodCondition | undefined, signal?: AbortSignal): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (next < pods.length) {
        if (signal?.aborted) return;
        const pod = pods[next++] as Pod;
        const key = `${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}`;
        try {
          await this.#markFailedAndDeletePod(pod, condition, signal);
          this.#log.info('Force-deleted pod', { pod: key, node: pod.spec?.nodeName, why });
        } catch (err) {
          this.#log.warn('Cannot garbage collect pod', { pod: key, why, err });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.#concurrency, pods.length) }, worker));
  }

  async #markFailedAndDeletePod(pod: Pod, condition: PodCondition | undefined, signal?: AbortSignal): Promise<void> {
    const ns = pod.metadata.namespace ?? '';
    const name = pod.metadata.name ?? '';
    const opts = signal ? { signal } : {};
    try {
      if (pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed') {
        const status: Record<string, unknown> = { phase: 'Failed' };
        if (condition) status['conditions'] = [condition];
        await this.#clientset.pods.patch(ns, name, 'application/strategic-merge-patch+json', { status }, { ...opts, subresource: 'status' });
      }
      await this.#clientset.pods.delete(ns, name, { ...opts, gracePeriodSeconds: 0 });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

/** Evicted pods (Failed with reason Evicted) first, then oldest first; the name breaks ties. */
function byEvictionAndCreationTimestamp(a: Pod, b: Pod): number {
  const ea = a.status?.phase === 'Failed' && a.status.reason === 'Evicted';
  const eb = b.status?.phase === 'Failed' && b.status.reason === 'Evicted';
  if (ea !== eb) return ea ? -1 : 1;
  const ta = a.metadata.creationTimestamp ?? '';
  const tb = b.metadata.creationTimestamp ?? '';
  const da = Date.parse(ta);
  const db = Date.parse(tb);
  if (da !== db && !Number.isNaN(da) && !Number.isNaN(db)) return da - db;
  return (a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : (a.metadata.name ?? '') > (b.metadata.name ?? '') ? 1 : 0;
}
