/**
 * Taint-based eviction (kube-controller-manager pkg/controller/tainteviction/taint_eviction.go, the former
 * NoExecuteTaintManager): deletes pods bound to a node with NoExecute taints they do not tolerate.
 *
 * Per pod (a reconcile keyed `namespace/name`; a pod's binding or tolerations changing, and a node's NoExecute
 * taints changing, enqueue it):
 * - some NoExecute taint of its node is not tolerated -> the pod is deleted now;
 * - every taint is tolerated, and the tolerations used (the first matching one per taint) all lack
 *   tolerationSeconds -> it stays, forever;
 * - otherwise it is deleted once the earliest `taint.timeAdded + tolerationSeconds` passes (a reconcile is
 *   requeued for that moment). Upstream counts from when *it* first saw the taint; counting from timeAdded,
 *   which the node lifecycle controller writes, gives the same answer and survives a controller restart or a
 *   leader change. A taint without timeAdded counts from when this controller first scheduled the eviction.
 *
 * Deleting (addConditionAndDeletePod): the Normal event TaintManagerEviction "Marking for deletion Pod ns/name",
 * the DisruptionTarget condition (reason DeletionByTaintManager) added through pods/status, then an ordinary
 * (graceful) DELETE. A scheduled eviction that stops being needed (the taint went away, the pod was deleted)
 * gets the event "Cancelling deletion of Pod ns/name". Pods already being deleted are left alone.
 *
 * Default tolerations: the apiserver's DefaultTolerationSeconds admission gives every pod not-ready and
 * unreachable NoExecute tolerations (300 s) at creation. Pods that reached the store some other way are given
 * the same tolerations here (`defaultNotReadyTolerationSeconds` / `defaultUnreachableTolerationSeconds`, the
 * names of kube-apiserver's flags), under the admission plugin's rule: only when the pod has no toleration at
 * all for that taint key (or with an empty key) and effect NoExecute (or empty).
 */
import type { Node, Pod, Taint, Toleration } from '../../shared/api/core-v1.ts';
import { TAINT_NODE_NOT_READY, TAINT_NODE_UNREACHABLE } from '../../shared/api/core-v1.ts';
import type { SharedInformerFactory } from '../../shared/cache/informer-factory.ts';
import type { SharedIndexInformer } from '../../shared/cache/shared-informer.ts';
import { metaNamespaceKeyFunc, splitMetaNamespaceKey } from '../../shared/cache/store.ts';
import type { Clientset } from '../../shared/client/clientset.ts';
import { isNotFound } from '../../shared/errors/status-error.ts';
import { realClock, type Clock } from '../../shared/util/clock.ts';
import { log as rootLog, type Logger } from '../../shared/util/log.ts';
import { getPodCondition } from '../framework/conditions.ts';
import { Controller } from '../framework/controller.ts';
import type { EventRecorder } from '../framework/event-recorder.ts';
import { enqueueHandler } from '../framework/handlers.ts';
import { POD_NODE_NAME_INDEX, podNodeNameIndexFunc } from '../framework/indexers.ts';
import type { Reconciler, Result } from '../framework/reconciler.ts';
import { getMatchingTolerations, taintsWithEffect } from '../framework/taints.ts';
import { parseTime, rfc3339 } from '../framework/time-format.ts';

export const DELETION_BY_TAINT_MANAGER = 'DeletionByTaintManager';

export interface TaintEvictionControllerOptions {
  clientset: Clientset;
  informerFactory: SharedInformerFactory;
  recorder: EventRecorder;
  /** Implicit not-ready toleration for pods without one (see file comment). @default 300 */
  defaultNotReadyTolerationSeconds?: number;
  /** Implicit unreachable toleration for pods without one (see file comment). @default 300 */
  defaultUnreachableTolerationSeconds?: number;
  /** @default 4 */
  workers?: number;
  /** @default realClock */
  clock?: Clock;
  log?: Logger;
}

interface ScheduledEviction {
  /** When the eviction was first scheduled (the start of the countdown for taints without timeAdded). */
  createdMs: number;
  triggerMs: number;
}

export class TaintEvictionController implements Reconciler {
  readonly controller: Controller;
  readonly #clientset: Clientset;
  readonly #recorder: EventRecorder;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #nodes: SharedIndexInformer<Node>;
  readonly #pods: SharedIndexInformer<Pod>;
  readonly #notReadySeconds: number;
  readonly #unreachableSeconds: number;
  /** Evictions waiting for their toleration to run out, by pod key (the TimedWorkerQueue's bookkeeping). */
  readonly #scheduled = new Map<string, ScheduledEviction>();

  constructor(options: TaintEvictionControllerOptions) {
    this.#clientset = options.clientset;
    this.#recorder = options.recorder;
    this.#clock = options.clock ?? realClock;
    this.#log = (options.log ?? rootLog).with({ controller: 'taint-eviction-controller' });
    this.#notReadySeconds = options.defaultNotReadyTolerationSeconds ?? 300;
    this.#unreachableSeconds = options.defaultUnreachableTolerationSeconds ?? 300;
    this.controller = new Controller({
      name: 'taint-eviction-controller',
      reconciler: this,
      workers: options.workers ?? 4,
      clock: this.#clock,
      log: options.log ?? rootLog,
    });
    this.#nodes = options.informerFactory.nodes<Node>();
    this.#pods = options.informerFactory.pods<Pod>({ indexers: { [POD_NODE_NAME_INDEX]: podNodeNameIndexFunc } });

    const enqueue = (key: string) => this.controller.enqueue(key);
    this.#pods.addEventHandler(enqueueHandler<Pod>(enqueue, {
      // PodUpdated: only the binding and the tolerations matter.
      updateMatters: (a, b) => a.spec?.nodeName !== b.spec?.nodeName || JSON.stringify(a.spec?.tolerations ?? []) !== JSON.stringify(b.spec?.tolerations ?? []),
    }));
    // NodeUpdated: only the NoExecute taints matter; every pod on the node is looked at again.
    this.#nodes.addEventHandler(enqueueHandler<Node>(enqueue, {
      keysOf: (node) => (node.metadata.name ? this.#pods.lister.byIndex(POD_NODE_NAME_INDEX, node.metadata.name).map(metaNamespaceKeyFunc) : []),
      updateMatters: (a, b) => JSON.stringify(taintsWithEffect(a.spec?.taints, 'NoExecute')) !== JSON.stringify(taintsWithEffect(b.spec?.taints, 'NoExecute')),
    }));
  }

  async run(signal: AbortSignal): Promise<void> {
    await this.controller.run(signal, { hasSynced: [() => this.#pods.hasSynced(), () => this.#nodes.hasSynced()] });
  }

  /** Number of evictions waiting for a toleration to run out (for tests and logs). */
  get scheduledCount(): number {
    return this.#scheduled.size;
  }

  async reconcile(key: string, signal: AbortSignal): Promise<Result> {
    const pod = this.#pods.lister.get(key);
    if (!pod) {
      this.#cancel(key, true);
      return {};
    }
    if (pod.metadata.deletionTimestamp) {
      // Already on its way out (possibly by our hand): nothing to add.
      this.#cancel(key, false);
      return {};
    }
    const nodeName = pod.spec?.nodeName;
    const node = nodeName ? this.#nodes.lister.get(nodeName) : undefined;
    const taints = taintsWithEffect(node?.spec?.taints, 'NoExecute');
    if (taints.length === 0) {
      this.#cancel(key, true);
      return {};
    }

    const now = this.#clock.now();
    const { allTolerated, used } = getMatchingTolerations(taints, this.#effectiveTolerations(pod));
    if (!allTolerated) {
      this.#log.info('Pod does not tolerate its node\'s NoExecute taints, deleting it', { pod: key, node: nodeName });
      await this.#evict(key, pod, signal);
      return {};
    }
    const scheduled = this.#scheduled.get(key);
    const triggerMs = evictionTime(taints, used, scheduled?.createdMs ?? now);
    if (triggerMs === undefined) {
      // Every taint is tolerated forever.
      this.#cancel(key, true);
      return {};
    }
    if (triggerMs <= now) {
      this.#log.info('Toleration of the node\'s NoExecute taints ran out, deleting pod', { pod: key, node: nodeName });
      await this.#evict(key, pod, signal);
      return {};
    }
    if (!scheduled || scheduled.triggerMs !== triggerMs) {
      this.#log.info('Scheduling pod eviction', { pod: key, node: nodeName, at: new Date(triggerMs).toISOString() });
    }
    this.#scheduled.set(key, { createdMs: scheduled?.createdMs ?? now, triggerMs });
    return { requeueAfterMs: triggerMs - now };
  }

  /** The pod's tolerations plus the admission defaults it would have been given (see file comment). */
  #effectiveTolerations(pod: Pod): Toleration[] {
    const tolerations = pod.spec?.tolerations ?? [];
    const covers = (key: string) => tolerations.some((t) => (!t.key || t.key === key) && (!t.effect || t.effect === 'NoExecute'));
    const out = [...tolerations];
    if (!covers(TAINT_NODE_NOT_READY)) out.push({ key: TAINT_NODE_NOT_READY, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: this.#notReadySeconds });
    if (!covers(TAINT_NODE_UNREACHABLE)) out.push({ key: TAINT_NODE_UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: this.#unreachableSeconds });
    return out;
  }

  #cancel(key: string, withEvent: boolean): void {
    if (!this.#scheduled.delete(key)) return;
    this.#log.info('Cancelling scheduled pod eviction', { pod: key });
    if (withEvent) this.#recorder.event(podRef(key), 'Normal', 'TaintManagerEviction', `Cancelling deletion of Pod ${key}`);
  }

  /** addConditionAndDeletePod. */
  async #evict(key: string, pod: Pod, signal: AbortSignal): Promise<void> {
    this.#scheduled.delete(key);
    const { namespace, name } = splitMetaNamespaceKey(key);
    this.#recorder.event(podRef(key, pod.metadata.uid), 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${key}`);
    try {
      const existing = getPodCondition(pod.status, 'DisruptionTarget');
      if (existing?.status !== 'True' || existing.reason !== DELETION_BY_TAINT_MANAGER) {
        const condition = {
          type: 'DisruptionTarget',
          status: 'True',
          reason: DELETION_BY_TAINT_MANAGER,
          message: 'Taint manager: deleting due to NoExecute taint',
          lastTransitionTime: rfc3339(this.#clock.now()),
        };
        await this.#clientset.pods.patch(namespace, name, 'application/strategic-merge-patch+json', { status: { conditions: [condition] } }, { subresource: 'status', signal });
      }
      await this.#clientset.pods.delete(namespace, name, { signal });
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
  }
}

/**
 * When the pod must go: the earliest `start + tolerationSeconds` over the taints whose matching toleration has
 * tolerationSeconds (<= 0 means at once), where start is the taint's timeAdded or, without one, `fallbackStartMs`.
 * Undefined when no toleration used has tolerationSeconds (tolerated forever).
 */
export function evictionTime(taints: readonly Taint[], used: readonly (Toleration | undefined)[], fallbackStartMs: number): number | undefined {
  let trigger: number | undefined;
  taints.forEach((taint, i) => {
    const seconds = used[i]?.tolerationSeconds;
    if (seconds === undefined || seconds === null) return;
    const start = parseTime(taint.timeAdded) ?? fallbackStartMs;
    const at = start + Math.max(0, seconds) * 1000;
    if (trigger === undefined || at < trigger) trigger = at;
  });
  return trigger;
}

function podRef(key: string, uid?: string): { kind: string; apiVersion: string; namespace: string; name: string; uid?: string } {
  const { namespace, name } = splitMetaNamespaceKey(key);
  return { kind: 'Pod', apiVersion: 'v1', namespace, name, ...(uid ? { uid } : {}) };
}
