/**
 * The ReplicaSet controller (kube-controller-manager pkg/controller/replicaset/replica_set.go): keeps
 * `spec.replicas` active pods matching each ReplicaSet's selector, and its status counts.
 *
 * One sync (syncReplicaSet), level-based:
 * 1. the ReplicaSet's pods from the pod cache (its controllerRef index plus the namespace's orphans),
 *    active ones only, claimed (adopt matching orphans, release owned pods that stopped matching);
 * 2. only if the expectations are satisfied (every create/delete of the previous sync was observed by the
 *    informer, or 5 minutes passed) and the ReplicaSet is not being deleted: manageReplicas creates missing
 *    pods in slow-start batches 1, 2, 4, ... (at most burstReplicas, 500, per sync) or deletes surplus pods
 *    in the ActivePodsWithRanks order (at most burstReplicas);
 * 3. status: replicas, fullyLabeledReplicas, readyReplicas, availableReplicas (minReadySeconds),
 *    observedGeneration, and the ReplicaFailure condition while creates/deletes fail (e.g. quota).
 *
 * Expectations keep a slow watch from producing duplicates: a sync that created N pods does not create again
 * until N creations were seen in the cache. Events: SuccessfulCreate "Created pod: x", FailedCreate "Error
 * creating: ...", SuccessfulDelete "Deleted pod: x", FailedDelete.
 */
import type { ReplicaSet, ReplicaSetCondition, ReplicaSetStatus } from '../../shared/api/apps-v1.ts';
import type { Pod } from '../../shared/api/core-v1.ts';
import { labelSelectorFromMeta, matches, tryLabelSelectorFromMeta, type LabelSelector } from '../../shared/api/labels.ts';
import { deepCopy, type KubeObject, type OwnerReference } from '../../shared/api/meta.ts';
import type { SharedInformerFactory } from '../../shared/cache/informer-factory.ts';
import type { SharedIndexInformer } from '../../shared/cache/shared-informer.ts';
import { unwrapTombstone, type DeletedFinalStateUnknown } from '../../shared/cache/store.ts';
import { replicaSetsResource, type Clientset } from '../../shared/client/clientset.ts';
import type { ResourceClient } from '../../shared/client/interfaces.ts';
import { errorMessage, isNotFound } from '../../shared/errors/status-error.ts';
import { realClock, type Clock } from '../../shared/util/clock.ts';
import { log as rootLog, type Logger } from '../../shared/util/log.ts';
import { Controller } from '../framework/controller.ts';
import { namespacedKey as keyOf } from '../framework/handlers.ts';
import { UIDTrackingControllerExpectations } from '../framework/controller-expectations.ts';
import { ControllerRefManager, freshOwner, getControllerOf, newControllerRef, recheckDeletionTimestamp, type GroupVersionKind } from '../framework/controller-ref-manager.ts';
import type { EventRecorder } from '../framework/event-recorder.ts';
import { orphanPodIndexKeyForNamespace, POD_CONTROLLER_UID_INDEX, podControllerUIDIndexFunc } from '../framework/indexers.ts';
import { isNamespaceTerminatingError } from '../framework/namespace-errors.ts';
import {
  compareActivePodsWithRanks,
  isPodActive,
  isPodAvailable,
  isPodReady,
  podKey,
  PodControl,
  ranksByRelatedPodsOnSameNode,
  SLOW_START_INITIAL_BATCH_SIZE,
  slowStartBatch,
} from '../framework/pod-control.ts';
import type { Result } from '../framework/reconciler.ts';
import { rfc3339 } from '../framework/time-format.ts';

export const REPLICA_SET_KIND: GroupVersionKind = { apiVersion: 'apps/v1', kind: 'ReplicaSet' };
/** Creates or deletes per sync (upstream BurstReplicas). */
export const BURST_REPLICAS = 500;
/** Status update attempts after the first (statusUpdateRetries). */
const STATUS_UPDATE_RETRIES = 1;

export interface ReplicaSetControllerOptions {
  clientset: Clientset;
  informerFactory: SharedInformerFactory;
  recorder: EventRecorder;
  /** @default 500 */
  burstReplicas?: number;
  /** Concurrent syncs (--concurrent-replicaset-syncs). @default 5 */
  workers?: number;
  /** @default realClock */
  clock?: Clock;
  log?: Logger;
}

export class ReplicaSetController {
  readonly controller: Controller;
  readonly expectations: UIDTrackingControllerExpectations;
  readonly #clientset: Clientset;
  readonly #rsClient: ResourceClient<ReplicaSet>;
  readonly #podControl: PodControl;
  readonly #rsInformer: SharedIndexInformer<ReplicaSet>;
  readonly #podInformer: SharedIndexInformer<Pod>;
  readonly #burst: number;
  readonly #clock: Clock;
  readonly #log: Logger;

  constructor(options: ReplicaSetControllerOptions) {
    this.#clientset = options.clientset;
    this.#rsClient = options.clientset.replicaSets;
    this.#clock = options.clock ?? realClock;
    this.#log = (options.log ?? rootLog).with({ controller: 'replicaset' });
    this.#burst = options.burstReplicas ?? BURST_REPLICAS;
    this.expectations = new UIDTrackingControllerExpectations({ clock: this.#clock });
    this.#podControl = new PodControl({ pods: options.clientset.pods as unknown as ResourceClient<Pod>, recorder: options.recorder });
    this.#rsInformer = options.informerFactory.informerFor<ReplicaSet>(replicaSetsResource);
    this.#podInformer = options.informerFactory.pods<Pod>({ indexers: { [POD_CONTROLLER_UID_INDEX]: podControllerUIDIndexFunc } });
    this.controller = new Controller({
      name: 'replicaset',
      reconciler: { reconcile: (key, signal) => this.syncReplicaSet(key, signal) },
      workers: options.workers ?? 5,
      clock: this.#clock,
      log: this.#log,
    });
    this.#rsInformer.addEventHandler({
      onAdd: (rs) => this.#enqueue(rs),
      onUpdate: (old, cur) => {
        if (old.metadata.uid !== cur.metadata.uid) this.#deleteRS(old);
        this.#enqueue(cur);
      },
      onDelete: (obj) => this.#deleteRS(unwrapTombstone(obj)),
    });
    this.#podInformer.addEventHandler({
      onAdd: (pod) => this.#addPod(pod),
      onUpdate: (old, cur) => this.#updatePod(old, cur),
      onDelete: (obj) => this.#deletePod(obj),
    });
  }

  /** Waits for the caches, then syncs until `signal` aborts. */
  run(signal: AbortSignal): Promise<void> {
    return this.controller.run(signal, { hasSynced: [() => this.#rsInformer.hasSynced(), () => this.#podInformer.hasSynced()] });
  }

  #enqueue(rs: ReplicaSet): void {
    this.controller.enqueue(keyOf(rs));
  }

  #deleteRS(rs: ReplicaSet): void {
    const key = keyOf(rs);
    this.expectations.deleteExpectations(key);
    this.controller.enqueue(key);
  }

  /** The ReplicaSet a controllerRef names, if it is in the cache with that uid (resolveControllerRef). */
  #resolveControllerRef(namespace: string, ref: OwnerReference): ReplicaSet | undefined {
    if (ref.kind !== REPLICA_SET_KIND.kind) return undefined;
    const rs = this.#rsInformer.lister.get(`${namespace}/${ref.name}`);
    return rs && rs.metadata.uid === ref.uid ? rs : undefined;
  }

  /** ReplicaSets of the pod's namespace whose selector matches its labels (GetPodReplicaSets). */
  #getPodReplicaSets(pod: Pod): ReplicaSet[] {
    return this.#rsInformer.lister.namespace(pod.metadata.namespace ?? '').list((rs) => {
      const sel = tryLabelSelectorFromMeta(rs.spec.selector);
      return sel !== undefined && !isEverythingSelector(rs) && matches(sel, pod.metadata.labels);
    });
  }

  #addPod(pod: Pod): void {
    if (pod.metadata.deletionTimestamp) {
      // A pod that shows up already being deleted (a restart of the controller): count it as deleted.
      this.#deletePod(pod);
      return;
    }
    const ref = getControllerOf(pod);
    if (ref) {
      const rs = this.#resolveControllerRef(pod.metadata.namespace ?? '', ref);
      if (!rs) return;
      const key = keyOf(rs);
      this.expectations.creationObserved(key);
      this.controller.enqueue(key);
      return;
    }
    // An orphan: wake every matching ReplicaSet, one may adopt it.
    for (const rs of this.#getPodReplicaSets(pod)) this.#enqueue(rs);
  }

  #updatePod(old: Pod, cur: Pod): void {
    if (old.metadata.resourceVersion === cur.metadata.resourceVersion) return;
    const labelChanged = !sameLabels(old.metadata.labels, cur.metadata.labels);
    if (cur.metadata.deletionTimestamp) {
      // Graceful deletion: treat as a delete now, so the replacement is created without waiting.
      this.#deletePod(cur);
      if (labelChanged) this.#deletePod(old);
      return;
    }
    const curRef = getControllerOf(cur);
    const oldRef = getControllerOf(old);
    const refChanged = JSON.stringify(curRef ?? null) !== JSON.stringify(oldRef ?? null);
    if (refChanged && oldRef) {
      const rs = this.#resolveControllerRef(old.metadata.namespace ?? '', oldRef);
      if (rs) this.#enqueue(rs);
    }
    if (curRef) {
      const rs = this.#resolveControllerRef(cur.metadata.namespace ?? '', curRef);
      if (!rs) return;
      this.#enqueue(rs);
      // Ready now: look again once minReadySeconds passed, to count it available.
      const minReady = rs.spec.minReadySeconds ?? 0;
      if (!isPodReady(old) && isPodReady(cur) && minReady > 0) this.controller.enqueueAfter(keyOf(rs), minReady * 1000 + 1000);
      return;
    }
    if (labelChanged || refChanged) for (const rs of this.#getPodReplicaSets(cur)) this.#enqueue(rs);
  }

  #deletePod(obj: Pod | DeletedFinalStateUnknown<Pod>): void {
    const pod = unwrapTombstone(obj);
    const ref = getControllerOf(pod);
    if (!ref) return;
    const rs = this.#resolveControllerRef(pod.metadata.namespace ?? '', ref);
    if (!rs) return;
    const key = keyOf(rs);
    this.expectations.deletionObserved(key, podKey(pod));
    this.controller.enqueue(key);
  }

  /** The ReplicaSet's pods and the namespace's orphans, from the controller-uid index (getRSPods). */
  #getRSPods(rs: ReplicaSet): Pod[] {
    const idx = this.#podInformer.indexer;
    return [...idx.byIndex(POD_CONTROLLER_UID_INDEX, rs.metadata.uid ?? ''), ...idx.byIndex(POD_CONTROLLER_UID_INDEX, orphanPodIndexKeyForNamespace(rs.metadata.namespace ?? ''))];
  }

  /**
   * Pods owned by any ReplicaSet sharing this one's controller (the Deployment's other ReplicaSets), for the
   * node ranking of scale-down (getIndirectlyRelatedPods).
   */
  #getIndirectlyRelatedPods(rs: ReplicaSet): Pod[] {
    const ref = getControllerOf(rs);
    const siblings = ref
      ? this.#rsInformer.lister.namespace(rs.metadata.namespace ?? '').list((o) => getControllerOf(o)?.uid === ref.uid)
      : [rs];
    const out: Pod[] = [];
    const seen = new Set<string>();
    for (const s of siblings) {
      for (const p of this.#podInformer.indexer.byIndex(POD_CONTROLLER_UID_INDEX, s.metadata.uid ?? '')) {
        const uid = p.metadata.uid ?? podKey(p);
        if (seen.has(uid)) continue;
        seen.add(uid);
        out.push(p);
      }
    }
    return out;
  }

  /** One reconcile of the ReplicaSet named by key (syncReplicaSet). */
  async syncReplicaSet(key: string, signal: AbortSignal): Promise<Result> {
    const cached = this.#rsInformer.lister.get(key);
    if (!cached) {
      this.#log.debug('ReplicaSet has been deleted', { key });
      this.expectations.deleteExpectations(key);
      return {};
    }
    const rsNeedsSync = this.expectations.satisfiedExpectations(key);
    let selector: LabelSelector;
    try {
      selector = labelSelectorFromMeta(cached.spec.selector);
    } catch (err) {
      this.#log.error('Invalid selector', { key, err });
      return {};
    }
    const active = this.#getRSPods(cached).filter(isPodActive);
    const cm = new ControllerRefManager<Pod>({
      controller: cached,
      controllerKind: REPLICA_SET_KIND,
      selector,
      client: this.#clientset.pods as unknown as ResourceClient<Pod>,
      canAdopt: recheckDeletionTimestamp(freshOwner(this.#rsClient, cached, 'ReplicaSet', signal)),
      signal,
    });
    const filteredPods = await cm.claim(active);

    let manageErr: unknown;
    if (rsNeedsSync && !cached.metadata.deletionTimestamp) {
      try {
        await this.#manageReplicas(filteredPods, cached, key, signal);
      } catch (err) {
        manageErr = err ?? new Error('unknown error');
      }
    }
    const rs = deepCopy(cached);
    const newStatus = this.calculateStatus(rs, filteredPods, manageErr);
    const updated = await this.#updateStatus(rs, newStatus, signal);
    if (manageErr !== undefined) throw manageErr;
    // Resync after minReadySeconds as a last line of defense against clock skew.
    const minReady = updated.spec.minReadySeconds ?? 0;
    const want = updated.spec.replicas ?? 1;
    if (minReady > 0 && (updated.status?.readyReplicas ?? 0) === want && (updated.status?.availableReplicas ?? 0) !== want) {
      return { requeueAfterMs: minReady * 1000 };
    }
    return {};
  }

  /** Creates or deletes pods toward spec.replicas (manageReplicas). Throws the first write error. */
  async #manageReplicas(filteredPods: Pod[], rs: ReplicaSet, key: string, signal: AbortSignal): Promise<void> {
    const want = rs.spec.replicas ?? 1;
    let diff = filteredPods.length - want;
    const namespace = rs.metadata.namespace ?? '';
    if (diff < 0) {
      diff = Math.min(-diff, this.#burst);
      // Expect the creations before issuing them: the watch may deliver a pod before create() returns.
      this.expectations.expectCreations(key, diff);
      this.#log.debug('Too few replicas', { key, need: want, creating: diff });
      const ref = newControllerRef(rs, REPLICA_SET_KIND);
      const template = rs.spec.template ?? {};
      const { successes, error } = await slowStartBatch(diff, SLOW_START_INITIAL_BATCH_SIZE, async () => {
        if (signal.aborted) throw new Error('controller shutting down');
        try {
          await this.#podControl.createPods(namespace, template, rs, ref, { signal });
        } catch (err) {
          // A namespace being deleted refuses creates: not a failure of ours.
          if (isNamespaceTerminatingError(err)) return;
          throw err;
        }
      });
      // Creates that failed or were never tried will never be observed.
      for (let i = successes; i < diff; i++) this.expectations.creationObserved(key);
      if (error !== undefined) throw error;
      return;
    }
    if (diff > 0) {
      diff = Math.min(diff, this.#burst);
      this.#log.debug('Too many replicas', { key, need: want, deleting: diff });
      const podsToDelete = this.#getPodsToDelete(filteredPods, this.#getIndirectlyRelatedPods(rs), diff);
      this.expectations.expectDeletionsOf(key, podsToDelete.map(podKey));
      const results = await Promise.allSettled(podsToDelete.map(async (pod) => {
        try {
          await this.#podControl.deletePod(namespace, pod.metadata.name ?? '', rs, signal);
        } catch (err) {
          // Never observed: lower the expectation now.
          this.expectations.deletionObserved(key, podKey(pod));
          if (!isNotFound(err)) throw err;
        }
      }));
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    }
  }

  /** The `diff` pods to delete first (getPodsToDelete): ranked when not all of them go. */
  #getPodsToDelete(filteredPods: Pod[], relatedPods: Pod[], diff: number): Pod[] {
    const pods = [...filteredPods];
    if (diff < pods.length) pods.sort(compareActivePodsWithRanks(ranksByRelatedPodsOnSameNode(relatedPods), this.#clock.now()));
    return pods.slice(0, diff);
  }

  /** The status a sync computes (calculateStatus). */
  calculateStatus(rs: ReplicaSet, filteredPods: Pod[], manageErr: unknown): ReplicaSetStatus {
    const next: ReplicaSetStatus = { ...(rs.status ?? { replicas: 0 }) };
    const templateLabels = rs.spec.template?.metadata?.labels ?? {};
    const now = this.#clock.now();
    const minReady = rs.spec.minReadySeconds ?? 0;
    let fullyLabeled = 0;
    let ready = 0;
    let available = 0;
    for (const pod of filteredPods) {
      const labels = pod.metadata.labels ?? {};
      if (Object.entries(templateLabels).every(([k, v]) => labels[k] === v)) fullyLabeled++;
      if (isPodReady(pod)) {
        ready++;
        if (isPodAvailable(pod, minReady, now)) available++;
      }
    }
    const conditions = [...(rs.status?.conditions ?? [])];
    const failureIdx = conditions.findIndex((c) => c.type === 'ReplicaFailure');
    if (manageErr !== undefined && failureIdx < 0) {
      const diff = filteredPods.length - (rs.spec.replicas ?? 1);
      const reason = diff < 0 ? 'FailedCreate' : diff > 0 ? 'FailedDelete' : '';
      const cond: ReplicaSetCondition = { type: 'ReplicaFailure', status: 'True', lastTransitionTime: rfc3339(now), reason, message: errorMessage(manageErr) };
      conditions.push(cond);
    } else if (manageErr === undefined && failureIdx >= 0) {
      conditions.splice(failureIdx, 1);
    }
    next.replicas = filteredPods.length;
    setOrDrop(next, 'fullyLabeledReplicas', fullyLabeled);
    setOrDrop(next, 'readyReplicas', ready);
    setOrDrop(next, 'availableReplicas', available);
    if (conditions.length > 0) next.conditions = conditions;
    else delete next.conditions;
    return next;
  }

  /** Writes the status when it changed (updateReplicaSetStatus): one retry on a fresh copy. */
  async #updateStatus(rs: ReplicaSet, status: ReplicaSetStatus, signal: AbortSignal): Promise<ReplicaSet> {
    const cur = rs.status ?? { replicas: 0 };
    const generation = rs.metadata.generation ?? 0;
    if (
      (cur.replicas ?? 0) === status.replicas &&
      (cur.fullyLabeledReplicas ?? 0) === (status.fullyLabeledReplicas ?? 0) &&
      (cur.readyReplicas ?? 0) === (status.readyReplicas ?? 0) &&
      (cur.availableReplicas ?? 0) === (status.availableReplicas ?? 0) &&
      (cur.observedGeneration ?? 0) === generation &&
      JSON.stringify(cur.conditions ?? []) === JSON.stringify(status.conditions ?? [])
    ) {
      return rs;
    }
    status.observedGeneration = generation;
    let target = rs;
    for (let i = 0; ; i++) {
      target.status = status;
      try {
        return await this.#rsClient.updateStatus(target, { signal });
      } catch (err) {
        if (i >= STATUS_UPDATE_RETRIES) throw err;
        target = await this.#rsClient.get(rs.metadata.namespace ?? '', rs.metadata.name ?? '', { signal });
      }
    }
  }
}

/** An empty selector would match every pod of the namespace: upstream skips such ReplicaSets for orphans. */
function isEverythingSelector(rs: ReplicaSet): boolean {
  const s = rs.spec.selector;
  return !s || (Object.keys(s.matchLabels ?? {}).length === 0 && (s.matchExpressions ?? []).length === 0);
}

function sameLabels(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const ka = Object.keys(a ?? {});
  if (ka.length !== Object.keys(b ?? {}).length) return false;
  return ka.every((k) => (a ?? {})[k] === (b ?? {})[k]);
}

function setOrDrop<K extends 'fullyLabeledReplicas' | 'readyReplicas' | 'availableReplicas'>(s: ReplicaSetStatus, k: K, v: number): void {
  if (v) s[k] = v;
  else delete s[k];
}

