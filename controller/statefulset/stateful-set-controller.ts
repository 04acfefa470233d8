/**
 * The StatefulSet controller (kube-controller-manager pkg/controller/statefulset: stateful_set.go,
 * stateful_set_control.go, stateful_pod_control.go, stateful_set_status_updater.go), "statefulset".
 *
 * One sync per set key:
 * 1. claim pods (`<set>-<ordinal>` names matching the selector; adopt orphans, release strays) and adopt
 *    orphaned ControllerRevisions;
 * 2. the revisions: the update revision is the current template (an equal older revision is rolled forward
 *    by bumping its number, as upstream's rollback), the current revision is status.currentRevision;
 * 3. the pods: every ordinal in [start, start+replicas) gets a pod `<set>-<ordinal>` (from the current
 *    revision below the partition, else the update revision) with hostname/subdomain and the pod-name,
 *    pod-index and controller-revision-hash labels; pods past the range are condemned and deleted from the
 *    highest ordinal down; Failed/Succeeded pods are deleted and recreated under the same name.
 *    OrderedReady waits, after each create or delete, for the pod to be Running and Ready (and available
 *    under minReadySeconds), and halts at the first unhealthy pod; Parallel does not wait;
 * 4. RollingUpdate replaces, from the highest ordinal down to the partition, one pod at a time, each only
 *    once the ones above it are healthy; OnDelete only creates missing pods from the update revision;
 * 5. status (replicas, ready, available, current, updated, revisions, collisionCount, observedGeneration);
 *    a finished roll makes the update revision current; old revisions beyond revisionHistoryLimit that no
 *    pod runs are deleted.
 *
 * volumeClaimTemplates: kubelab does not serve PersistentVolumeClaims. The controller does what upstream
 * does: it creates each claim (`<template>-<set>-<ordinal>`) before the pod, and when that fails records
 * Warning FailedCreate ("create Claim www-web-0 for Pod web-0 in StatefulSet web failed error: ...") and
 * creates no pod; storage is never silently swapped for ephemeral storage.
 *
 * Events (upstream's wording): SuccessfulCreate "create Pod web-0 in StatefulSet web successful",
 * SuccessfulDelete "delete Pod web-2 in StatefulSet web successful", FailedCreate/FailedDelete "... failed
 * error: <err>", SuccessfulCreate "create Claim www-web-0 Pod web-0 in StatefulSet web success".
 */
import type { ControllerRevision, StatefulSet, StatefulSetStatus } from '../../shared/api/apps-v1.ts';
import type { PersistentVolumeClaim, Pod } from '../../shared/api/core-v1.ts';
import { matches, tryLabelSelectorFromMeta, type LabelSelector } from '../../shared/api/labels.ts';
import type { SharedInformerFactory } from '../../shared/cache/informer-factory.ts';
import type { SharedIndexInformer } from '../../shared/cache/shared-informer.ts';
import { unwrapTombstone } from '../../shared/cache/store.ts';
import { controllerRevisionsResource, persistentVolumeClaimsResource, podsResource, statefulSetsResource, type Clientset } from '../../shared/client/clientset.ts';
import type { ResourceClient } from '../../shared/client/interfaces.ts';
import { isAlreadyExists, isConflict, isNotFound } from '../../shared/errors/status-error.ts';
import { realClock, type Clock } from '../../shared/util/clock.ts';
import { log as rootLog, type Logger } from '../../shared/util/log.ts';
import type { EventRecorder } from '../framework/event-recorder.ts';
import { Controller } from '../framework/controller.ts';
import { minPositive, type Reconciler, type Result } from '../framework/reconciler.ts';
import { ControllerRefManager, freshOwner, getControllerOf, recheckDeletionTimestamp } from '../framework/controller-ref-manager.ts';
import { isPodAvailable, isPodReady, podReadyTime, slowStartBatch, SLOW_START_INITIAL_BATCH_SIZE } from '../framework/pod-control.ts';
import {
  ControllerHistory,
  equalRevision,
  findEqualRevisions,
  maxRevision,
  sortControllerRevisions,
} from '../history/controller-history.ts';
import {
  applyRevision,
  claimsFor,
  getOrdinal,
  getPodRevision,
  identityMatches,
  isMemberOf,
  newRevision,
  newVersionedStatefulSetPod,
  podInOrdinalRange,
  replicasOf,
  startOrdinal,
  STATEFULSET_KIND,
  updateIdentity,
} from './stateful-set-utils.ts';

export interface StatefulSetControllerOptions {
  clientset: Clientset;
  informerFactory: SharedInformerFactory;
  recorder: EventRecorder;
  /** @default 5 (--concurrent-statefulset-syncs) */
  workers?: number;
  clock?: Clock;
  log?: Logger;
}

const isCreated = (pod: Pod): boolean => Boolean(pod.metadata.uid);
const isPodTerminating = (pod: Pod): boolean => Boolean(pod.metadata.deletionTimestamp);
const isPodFailed = (pod: Pod): boolean => pod.status?.phase === 'Failed';
const isPodSucceeded = (pod: Pod): boolean => pod.status?.phase === 'Succeeded';
const isRunningAndReady = (pod: Pod): boolean => pod.status?.phase === 'Running' && isPodReady(pod);
const isHealthy = (pod: Pod): boolean => isRunningAndReady(pod) && !isPodTerminating(pod);

export class StatefulSetController implements Reconciler {
  readonly controller: Controller;
  readonly #clientset: Clientset;
  readonly #recorder: EventRecorder;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #sets: SharedIndexInformer<StatefulSet>;
  readonly #pods: SharedIndexInformer<Pod>;
  readonly #revisions: SharedIndexInformer<ControllerRevision>;
  readonly #history: ControllerHistory;
  readonly #podClient: ResourceClient<Pod>;

  constructor(options: StatefulSetControllerOptions) {
    this.#clientset = options.clientset;
    this.#recorder = options.recorder;
    this.#clock = options.clock ?? realClock;
    this.#log = (options.log ?? rootLog).with({ controller: 'statefulset' });
    this.#sets = options.informerFactory.informerFor<StatefulSet>(statefulSetsResource);
    this.#pods = options.informerFactory.pods<Pod>();
    this.#revisions = options.informerFactory.informerFor<ControllerRevision>(controllerRevisionsResource);
    this.#history = new ControllerHistory(this.#clientset, this.#revisions.lister);
    this.#podClient = this.#clientset.resource<Pod>(podsResource);
    this.controller = new Controller({ name: 'statefulset', reconciler: this, workers: options.workers ?? 5, clock: this.#clock, log: options.log ?? rootLog });

    const enqueueSet = (set: StatefulSet) => this.controller.enqueue(`${set.metadata.namespace ?? ''}/${set.metadata.name ?? ''}`);
    this.#sets.addEventHandler({
      onAdd: enqueueSet,
      onUpdate: (_old, set) => enqueueSet(set),
      onDelete: (obj) => enqueueSet(unwrapTombstone(obj)),
    });
    this.#pods.addEventHandler({
      onAdd: (pod) => this.#enqueueForPod(pod),
      onUpdate: (oldPod, pod) => {
        if (oldPod.metadata.resourceVersion === pod.metadata.resourceVersion) return;
        const oldRef = getControllerOf(oldPod);
        const ref = getControllerOf(pod);
        if (oldRef && (!ref || oldRef.uid !== ref.uid)) this.#enqueueForPod(oldPod);
        this.#enqueueForPod(pod);
      },
      onDelete: (obj) => {
        const pod = unwrapTombstone(obj);
        const ref = getControllerOf(pod);
        if (ref) this.#enqueueOwner(pod, ref.uid, ref.kind, ref.name);
      },
    });
  }

  async run(signal: AbortSignal): Promise<void> {
    await this.controller.run(signal, {
      hasSynced: [() => this.#sets.hasSynced(), () => this.#pods.hasSynced(), () => this.#revisions.hasSynced()],
    });
  }

  /** A pod wakes its controller, or (an orphan) every set whose selector matches it. */
  #enqueueForPod(pod: Pod): void {
    const ref = getControllerOf(pod);
    if (ref) {
      this.#enqueueOwner(pod, ref.uid, ref.kind, ref.name);
      return;
    }
    if (pod.metadata.deletionTimestamp) return;
    for (const set of this.#sets.lister.namespace(pod.metadata.namespace ?? '').list()) {
      const sel = tryLabelSelectorFromMeta(set.spec.selector);
      if (sel && matches(sel, pod.metadata.labels)) this.controller.enqueue(`${set.metadata.namespace ?? ''}/${set.metadata.name ?? ''}`);
    }
  }

  #enqueueOwner(pod: Pod, uid: string, kind: string, name: string): void {
    if (kind !== STATEFULSET_KIND.kind) return;
    const set = this.#sets.lister.get(`${pod.metadata.namespace ?? ''}/${name}`);
    if (set && set.metadata.uid === uid) this.controller.enqueue(`${set.metadata.namespace ?? ''}/${name}`);
  }

  /** sync. */
  async reconcile(key: string, signal: AbortSignal): Promise<Result | void> {
    const cached = this.#sets.lister.get(key);
    if (!cached) return;
    const set = structuredClone(cached);
    const selector = tryLabelSelectorFromMeta(set.spec.selector);
    if (!selector) {
      // As upstream: logged, not retried (validation keeps such selectors out).
      this.#log.warn('Cannot sync StatefulSet: invalid selector', { set: key, selector: set.spec.selector });
      return;
    }
    const ns = set.metadata.namespace ?? '';
    const opts = { signal };

    const canAdopt = recheckDeletionTimestamp(freshOwner(this.#clientset.statefulSets, set, 'StatefulSet', signal));
    // adoptOrphanRevisions
    const orphans = this.#history.listControllerRevisions(set, selector).filter((r) => !getControllerOf(r));
    if (orphans.length > 0) {
      await canAdopt();
      for (const r of orphans) await this.#history.adoptControllerRevision(set, STATEFULSET_KIND, r, signal);
    }
    const manager = new ControllerRefManager<Pod>({
      controller: set,
      controllerKind: STATEFULSET_KIND,
      selector,
      client: this.#podClient,
      canAdopt,
      signal,
    });
    const pods = await manager.claim(this.#pods.lister.namespace(ns).list(), [(pod) => isMemberOf(set, pod)]);
    return this.#updateStatefulSet(set, pods, signal);
  }

  /** defaultStatefulSetControl.UpdateStatefulSet. */
  async #updateStatefulSet(set: StatefulSet, pods: Pod[], signal: AbortSignal): Promise<Result | void> {
    const selector = tryLabelSelectorFromMeta(set.spec.selector) as LabelSelector;
    const revisions = sortControllerRevisions(this.#history.listControllerRevisions(set, selector).map((r) => structuredClone(r)));
    const { current, update, collisionCount } = await this.#getRevisions(set, revisions, signal);
    const { status, requeueAfterMs } = await this.#updatePods(set, current, update, collisionCount, pods, signal);
    await this.#updateStatus(set, status, signal);
    await this.#truncateHistory(set, pods, revisions, current, update, signal);
    const requeue = requeueAfterMs;
    return requeue > 0 ? { requeueAfterMs: requeue } : undefined;
  }

  /** getStatefulSetRevisions. */
  async #getRevisions(set: StatefulSet, revisions: ControllerRevision[], signal: AbortSignal): Promise<{ current: ControllerRevision; update: ControllerRevision; collisionCount: number }> {
    let collisionCount = set.status?.collisionCount ?? 0;
    let update = newRevision(set, maxRevision(revisions) + 1, collisionCount);
    const equal = findEqualRevisions(revisions, update);
    const last = revisions[revisions.length - 1];
    const lastEqual = equal[equal.length - 1];
    if (lastEqual && last && equalRevision(last, lastEqual)) {
      update = last;
    } else if (lastEqual) {
      // An older revision equals the template: roll back to it by giving it the next revision number.
      update = await this.#history.updateControllerRevision(lastEqual, update.revision, signal);
    } else {
      const created = await this.#history.createControllerRevision(set, update, collisionCount, signal);
      update = created.revision;
      collisionCount = created.collisionCount;
    }
    const current = revisions.find((r) => r.metadata.name === set.status?.currentRevision) ?? update;
    return { current, update, collisionCount };
  }

  /** updateStatefulSet: the pods, in the policy's order; returns the status it observed and produced. */
  async #updatePods(set: StatefulSet, currentRevision: ControllerRevision, updateRevision: ControllerRevision, collisionCount: number, pods: Pod[], signal: AbortSignal): Promise<{ status: StatefulSetStatus; requeueAfterMs: number }> {
    const currentSet = applyRevision(set, currentRevision);
    const updateSet = applyRevision(set, updateRevision);
    const now = this.#clock.now();
    const minReady = set.spec.minReadySeconds ?? 0;
    const currentName = currentRevision.metadata.name ?? '';
    const updateName = updateRevision.metadata.name ?? '';
    const status: StatefulSetStatus = {
      observedGeneration: set.metadata.generation ?? 0,
      replicas: 0,
      readyReplicas: 0,
      currentReplicas: 0,
      updatedReplicas: 0,
      availableReplicas: 0,
      currentRevision: currentName,
      updateRevision: updateName,
      collisionCount,
    };
    let requeueAfterMs = 0;
    const start = startOrdinal(set);
    const replicaCount = replicasOf(set);
    const replicas: (Pod | undefined)[] = new Array<Pod | undefined>(replicaCount).fill(undefined);
    const condemned: Pod[] = [];
    for (const pod of pods) {
      status.replicas++;
      if (isRunningAndReady(pod)) {
        status.readyReplicas = (status.readyReplicas ?? 0) + 1;
        if (isPodAvailable(pod, minReady, now)) status.availableReplicas = (status.availableReplicas ?? 0) + 1;
        else requeueAfterMs = minPositive(requeueAfterMs, msUntilAvailable(pod, minReady, now));
      }
      if (isCreated(pod) && !isPodTerminating(pod)) {
        const rev = getPodRevision(pod);
        if (rev === currentName) status.currentReplicas = (status.currentReplicas ?? 0) + 1;
        if (rev === updateName) status.updatedReplicas = (status.updatedReplicas ?? 0) + 1;
      }
      if (podInOrdinalRange(pod, set)) replicas[getOrdinal(pod) - start] = pod;
      else if (getOrdinal(pod) >= 0) condemned.push(pod);
    }
    for (let i = 0; i < replicaCount; i++) {
      if (!replicas[i]) replicas[i] = newVersionedStatefulSetPod(currentSet, updateSet, currentName, updateName, start + i);
    }
    // Condemned pods go from the highest ordinal down.
    condemned.sort((a, b) => getOrdinal(b) - getOrdinal(a));
    const firstUnhealthy = [...(replicas as Pod[]), ...condemned].find((p) => !isHealthy(p));
    if (set.metadata.deletionTimestamp) return { status, requeueAfterMs };

    const monotonic = (set.spec.podManagementPolicy ?? 'OrderedReady') !== 'Parallel';
    const done = { status, requeueAfterMs };

    // processReplica: true means stop here (OrderedReady waits for this pod).
    const processReplica = async (i: number): Promise<boolean> => {
      const pod = replicas[i] as Pod;
      if (isCreated(pod) && (isPodFailed(pod) || isPodSucceeded(pod))) {
        // A finished pod is deleted; its replacement is created once it is gone (same name).
        if (!isPodTerminating(pod)) {
          await this.#deletePod(set, pod, signal);
          if (getPodRevision(pod) === currentName) status.currentReplicas = (status.currentReplicas ?? 0) - 1;
          if (getPodRevision(pod) === updateName) status.updatedReplicas = (status.updatedReplicas ?? 0) - 1;
        }
        return true;
      }
      if (!isCreated(pod)) {
        await this.#createPod(set, pod, signal);
        status.replicas++;
        const rev = getPodRevision(pod);
        if (rev === currentName) status.currentReplicas = (status.currentReplicas ?? 0) + 1;
        if (rev === updateName) status.updatedReplicas = (status.updatedReplicas ?? 0) + 1;
        return monotonic;
      }
      if (isPodTerminating(pod) && monotonic) {
        this.#log.debug('StatefulSet is waiting for Pod to Terminate', { set: set.metadata.name, pod: pod.metadata.name });
        return true;
      }
      if (!isRunningAndReady(pod) && monotonic) {
        this.#log.debug('StatefulSet is waiting for Pod to be Running and Ready', { set: set.metadata.name, pod: pod.metadata.name });
        return true;
      }
      if (!isPodAvailable(pod, minReady, now) && monotonic) {
        this.#log.debug('StatefulSet is waiting for Pod to be Available', { set: set.metadata.name, pod: pod.metadata.name });
        return true;
      }
      if (!isPodTerminating(pod) && !identityMatches(set, pod)) await this.#updatePodIdentity(set, pod, signal);
      return false;
    };
    if (await runForAll(replicaCount, processReplica, monotonic, signal)) return done;

    // Scale down: the highest ordinal first (condemned is sorted that way).
    const processCondemned = async (i: number): Promise<boolean> => {
      const pod = condemned[i] as Pod;
      if (isPodTerminating(pod)) return monotonic;
      if (!isRunningAndReady(pod) && monotonic && pod !== firstUnhealthy) {
        this.#log.debug('StatefulSet is waiting for Pod to be Running and Ready prior to scale down', { set: set.metadata.name, pod: pod.metadata.name });
        return true;
      }
      await this.#deletePod(set, pod, signal);
      if (getPodRevision(pod) === currentName) status.currentReplicas = (status.currentReplicas ?? 0) - 1;
      if (getPodRevision(pod) === updateName) status.updatedReplicas = (status.updatedReplicas ?? 0) - 1;
      return monotonic;
    };
    if (await runForAll(condemned.length, processCondemned, monotonic, signal)) return done;

    const strategy = set.spec.updateStrategy;
    if ((strategy?.type ?? 'RollingUpdate') === 'OnDelete') return done;

    // Rolling update: from the highest ordinal down to the partition, one pod at a time.
    const partition = Math.max(0, strategy?.rollingUpdate?.partition ?? 0);
    for (let target = replicaCount - 1; target >= partition; target--) {
      const pod = replicas[target] as Pod;
      if (!isCreated(pod)) return done;
      if (getPodRevision(pod) !== updateName && !isPodTerminating(pod)) {
        this.#log.info('StatefulSet terminating Pod for update', { set: set.metadata.name, pod: pod.metadata.name });
        await this.#deletePod(set, pod, signal);
        status.currentReplicas = (status.currentReplicas ?? 0) - 1;
        return done;
      }
      if (!isHealthy(pod)) {
        this.#log.debug('StatefulSet is waiting for Pod to update', { set: set.metadata.name, pod: pod.metadata.name });
        return done;
      }
    }
    return done;
  }

  /** CreateStatefulPod: the claims first, then the pod; AlreadyExists means a stale cache, not an error. */
  async #createPod(set: StatefulSet, pod: Pod, signal: AbortSignal): Promise<void> {
    await this.#createClaims(set, pod, signal);
    try {
      const created = await this.#podClient.create(pod, { signal });
      pod.metadata = created.metadata;
      this.#recorder.event(set, 'Normal', 'SuccessfulCreate', `create Pod ${pod.metadata.name ?? ''} in StatefulSet ${set.metadata.name ?? ''} successful`);
    } catch (err) {
      if (isAlreadyExists(err)) return;
      this.#recorder.event(set, 'Warning', 'FailedCreate', `create Pod ${pod.metadata.name ?? ''} in StatefulSet ${set.metadata.name ?? ''} failed error: ${message(err)}`);
      throw err;
    }
  }

  /** createPersistentVolumeClaims: every claim of the pod that does not exist yet. */
  async #createClaims(set: StatefulSet, pod: Pod, signal: AbortSignal): Promise<void> {
    const claims = claimsFor(set, pod);
    if (claims.size === 0) return;
    const client = this.#clientset.resource<PersistentVolumeClaim>(persistentVolumeClaimsResource);
    for (const claim of claims.values()) {
      const name = claim.metadata.name ?? '';
      try {
        await client.get(claim.metadata.namespace ?? '', name, { signal });
        continue;
      } catch (err) {
        if (!isNotFound(err) || notServed(err)) {
          this.#claimFailed(set, pod, name, err);
          throw err;
        }
      }
      try {
        await client.create(claim, { signal });
        this.#recorder.event(set, 'Normal', 'SuccessfulCreate', `create Claim ${name} Pod ${pod.metadata.name ?? ''} in StatefulSet ${set.metadata.name ?? ''} success`);
      } catch (err) {
        if (isAlreadyExists(err)) continue;
        this.#claimFailed(set, pod, name, err);
        throw err;
      }
    }
  }

  #claimFailed(set: StatefulSet, pod: Pod, claim: string, err: unknown): void {
    this.#recorder.event(set, 'Warning', 'FailedCreate', `create Claim ${claim} for Pod ${pod.metadata.name ?? ''} in StatefulSet ${set.metadata.name ?? ''} failed error: ${message(err)}`);
  }

  async #deletePod(set: StatefulSet, pod: Pod, signal: AbortSignal): Promise<void> {
    try {
      await this.#podClient.delete(pod.metadata.namespace ?? '', pod.metadata.name ?? '', { signal, preconditions: { uid: pod.metadata.uid ?? '' } });
      this.#recorder.event(set, 'Normal', 'SuccessfulDelete', `delete Pod ${pod.metadata.name ?? ''} in StatefulSet ${set.metadata.name ?? ''} successful`);
    } catch (err) {
      if (isNotFound(err) || isConflict(err)) return;
      this.#recorder.event(set, 'Warning', 'FailedDelete', `delete Pod ${pod.metadata.name ?? ''} in StatefulSet ${set.metadata.name ?? ''} failed error: ${message(err)}`);
      throw err;
    }
  }

  /** UpdateStatefulPod: restores the identity labels of an existing pod (its spec cannot change). */
  async #updatePodIdentity(set: StatefulSet, pod: Pod, signal: AbortSignal): Promise<void> {
    const copy = structuredClone(pod);
    updateIdentity(set, copy, getOrdinal(pod));
    copy.spec = structuredClone(pod.spec);
    try {
      await this.#podClient.update(copy, { signal });
      this.#recorder.event(set, 'Normal', 'SuccessfulUpdate', `update Pod ${pod.metadata.name ?? ''} in StatefulSet ${set.metadata.name ?? ''} successful`);
    } catch (err) {
      if (isNotFound(err) || isConflict(err)) return;
      this.#recorder.event(set, 'Warning', 'FailedUpdate', `update Pod ${pod.metadata.name ?? ''} in StatefulSet ${set.metadata.name ?? ''} failed error: ${message(err)}`);
      throw err;
    }
  }

  /** updateStatefulSetStatus: completeRollingUpdate, then write only what changed (retrying a conflict on a fresh read). */
  async #updateStatus(set: StatefulSet, status: StatefulSetStatus, signal: AbortSignal): Promise<void> {
    if ((set.spec.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate'
      && status.updatedReplicas === status.replicas && status.readyReplicas === status.replicas) {
      status.currentReplicas = status.updatedReplicas;
      status.currentRevision = status.updateRevision;
    }
    const conditions = set.status?.conditions;
    if (conditions) status.conditions = conditions;
    if (statusEqual(set.status, status)) return;
    let target = set;
    for (let attempt = 0; ; attempt++) {
      const copy = structuredClone(target);
      copy.status = { ...status, ...(copy.status?.conditions ? { conditions: copy.status.conditions } : {}) };
      try {
        await this.#clientset.statefulSets.updateStatus(copy, { signal });
        return;
      } catch (err) {
        if (isNotFound(err)) return;
        if (!isConflict(err) || attempt >= 4) throw err;
        target = await this.#clientset.statefulSets.get(set.metadata.namespace ?? '', set.metadata.name ?? '', { signal });
      }
    }
  }

  /** truncateHistory: revisions no pod runs, beyond revisionHistoryLimit, oldest first. */
  async #truncateHistory(set: StatefulSet, pods: Pod[], revisions: ControllerRevision[], current: ControllerRevision, update: ControllerRevision, signal: AbortSignal): Promise<void> {
    const live = new Set<string>([current.metadata.name ?? '', update.metadata.name ?? '']);
    for (const p of pods) live.add(getPodRevision(p));
    const history = revisions.filter((r) => !live.has(r.metadata.name ?? ''));
    const limit = set.spec.revisionHistoryLimit ?? 10;
    if (history.length <= limit) return;
    for (const r of history.slice(0, history.length - limit)) await this.#history.deleteControllerRevision(r, signal);
  }
}

function statusEqual(a: StatefulSetStatus | undefined, b: StatefulSetStatus): boolean {
  if (!a) return false;
  const keys: (keyof StatefulSetStatus)[] = ['observedGeneration', 'replicas', 'readyReplicas', 'currentReplicas', 'updatedReplicas', 'availableReplicas', 'currentRevision', 'updateRevision', 'collisionCount'];
  return keys.every((k) => (a[k] ?? 0) === (b[k] ?? 0));
}

/** How long until a Ready pod counts as available under minReadySeconds (0: it does, or waiting will not help). */
export function msUntilAvailable(pod: Pod, minReadySeconds: number, nowMs: number): number {
  if (!isPodReady(pod) || minReadySeconds <= 0) return 0;
  const t = podReadyTime(pod);
  return t !== undefined ? Math.max(0, t + minReadySeconds * 1000 - nowMs) + 1 : 0;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A 404 for the resource itself (not served), not for a missing object. */
function notServed(err: unknown): boolean {
  return isNotFound(err) && message(err) === 'the server could not find the requested resource';
}

/**
 * runForAll: OrderedReady runs fn over the indexes in order and stops at the first that asks to (resolves
 * true); Parallel runs them in slow-start batches (1, 2, 4, ...), stopping at the first batch with an error,
 * which is thrown.
 */
async function runForAll(count: number, fn: (i: number) => Promise<boolean>, monotonic: boolean, signal: AbortSignal): Promise<boolean> {
  if (monotonic) {
    for (let i = 0; i < count; i++) {
      if (signal.aborted || (await fn(i))) return true;
    }
    return false;
  }
  let next = 0;
  const { error } = await slowStartBatch(count, SLOW_START_INITIAL_BATCH_SIZE, async () => {
    await fn(next++);
  });
  if (error !== undefined) throw error;
  return signal.aborted;
}

