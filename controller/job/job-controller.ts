/**
 * The Job controller (kube-controller-manager pkg/controller/job/job_controller.go, 1.32 behaviour): runs a
 * Job's pods to completion and accounts for every finished pod exactly once.
 *
 * Pods are created with the `batch.kubernetes.io/job-tracking` finalizer. A sync (syncJob), level-based:
 * 1. the Job's pods from the pod cache (its controller-uid index plus the namespace's orphans), claimed
 *    (adoption adds the finalizer);
 * 2. finished pods still holding the finalizer are new: they move into status.uncountedTerminatedPods (status
 *    written first), then their finalizers are removed, then they move from the uncounted lists into the
 *    succeeded/failed counters. A crash between any two steps loses or double-counts nothing;
 * 3. the outcome: failed > backoffLimit (or OnFailure restarts reaching it) is BackoffLimitExceeded "Job has
 *    reached the specified backoff limit"; activeDeadlineSeconds is DeadlineExceeded "Job was active longer
 *    than specified deadline"; a podFailurePolicy FailJob rule is PodFailurePolicy; enough successes is
 *    CompletionsReached "Reached expected number of succeeded pods". Indexed Jobs with backoffLimitPerIndex
 *    count failures per index (the job-index-failure-count annotation a replacement pod carries; a FailIndex
 *    rule fails the index at once) into status.failedIndexes, failing the Job with MaxFailedIndexesExceeded
 *    past maxFailedIndexes, or FailedIndexes "Job has failed indexes" once every index is done; a successPolicy
 *    rule met is SuccessPolicy "Matched rules at index N" (remaining pods deleted). The interim FailureTarget /
 *    SuccessCriteriaMet condition comes first; the terminal Failed / Complete (and completionTime) once no pod
 *    is terminating and nothing is uncounted. Active pods of a failing Job are deleted;
 * 4. otherwise (expectations satisfied) manageJob: suspended Jobs lose their pods (Suspended condition,
 *    Suspended/Resumed events), too many pods are deleted, missing ones created (Indexed: the lowest pending
 *    indexes, with the completion index annotation and label, hostname `<job>-<index>`, JOB_COMPLETION_INDEX)
 *    unless the pod-failure backoff (10 s doubling to 6 min since the last failure; per index with
 *    backoffLimitPerIndex) still runs, in which case the Job is requeued for when it ends.
 *
 * Expectations keep a slow watch from producing duplicate pods (UID-tracked for deletions); expected finalizer
 * removals keep a pod from being counted twice while the cache still shows its finalizer.
 */
import {
  JOB_COMPLETION_INDEX_ANNOTATION,
  JOB_TRACKING_FINALIZER,
  type Job,
  type JobCondition,
  type JobStatus,
} from '../../shared/api/batch-v1.ts';
import type { Container, Pod, PodTemplateSpec } from '../../shared/api/core-v1.ts';
import { labelSelectorFromMeta, type LabelSelector, matches, tryLabelSelectorFromMeta } from '../../shared/api/labels.ts';
import { deepCopy, type KubeObject, type OwnerReference } from '../../shared/api/meta.ts';
import type { SharedInformerFactory } from '../../shared/cache/informer-factory.ts';
import type { SharedIndexInformer } from '../../shared/cache/shared-informer.ts';
import { unwrapTombstone, type DeletedFinalStateUnknown } from '../../shared/cache/store.ts';
import { jobsResource, type Clientset } from '../../shared/client/clientset.ts';
import type { ResourceClient } from '../../shared/client/interfaces.ts';
import { isNotFound } from '../../shared/errors/status-error.ts';
import { realClock, type Clock } from '../../shared/util/clock.ts';
import { log as rootLog, type Logger } from '../../shared/util/log.ts';
import { Controller } from '../framework/controller.ts';
import { namespacedKey as keyOf } from '../framework/handlers.ts';
import { UIDTrackingControllerExpectations } from '../framework/controller-expectations.ts';
import { ControllerRefManager, freshOwner, getControllerOf, newControllerRef, recheckDeletionTimestamp, type GroupVersionKind } from '../framework/controller-ref-manager.ts';
import type { EventRecorder } from '../framework/event-recorder.ts';
import { orphanPodIndexKeyForNamespace, POD_CONTROLLER_UID_INDEX, podControllerUIDIndexFunc } from '../framework/indexers.ts';
import { isNamespaceTerminatingError } from '../framework/namespace-errors.ts';
import { compareActivePods, isPodActive, isPodReady, isPodTerminating, podKey, PodControl } from '../framework/pod-control.ts';
import type { Result } from '../framework/reconciler.ts';
import { parseTime, rfc3339 } from '../framework/time-format.ts';
import {
  backoffRemaining,
  DEFAULT_POD_FAILURE_BACKOFF_MS,
  ensureJobConditionStatus,
  findCondition,
  formatIntervals,
  getCompletionIndex,
  getIndexAbsoluteFailureCount,
  hasBackoffLimitPerIndex,
  hasJobTrackingFinalizer,
  intervalsHas,
  intervalsTotal,
  isIndexFailed,
  isJobFinished,
  isPodFailed,
  JOB_INDEX_FAILURE_COUNT_ANNOTATION,
  JOB_INDEX_IGNORED_FAILURE_COUNT_ANNOTATION,
  matchSuccessPolicy,
  newIndexFailureCounts,
  podFinishedTime,
  matchPodFailurePolicy,
  MAX_POD_FAILURE_BACKOFF_MS,
  nextBackoffRecord,
  onlyReplaceFailedPods,
  parseIndexes,
  pastBackoffLimitOnFailure,
  podGenerateNameWithIndex,
  UNKNOWN_COMPLETION_INDEX,
  withIndexes,
  type BackoffRecord,
  type Interval,
} from './job-utils.ts';

export const JOB_KIND: GroupVersionKind = { apiVersion: 'batch/v1', kind: 'Job' };
/** Pod creates or deletes per sync (MaxPodCreateDeletePerSync). */
export const MAX_POD_CREATE_DELETE_PER_SYNC = 500;
/** The label twin of the completion index annotation (PodIndexLabel, on by default). */
const JOB_COMPLETION_INDEX_LABEL = JOB_COMPLETION_INDEX_ANNOTATION;
const JOB_COMPLETION_INDEX_ENV = 'JOB_COMPLETION_INDEX';

export const REASON_BACKOFF_LIMIT_EXCEEDED = 'BackoffLimitExceeded';
export const REASON_DEADLINE_EXCEEDED = 'DeadlineExceeded';
export const REASON_POD_FAILURE_POLICY = 'PodFailurePolicy';
export const REASON_COMPLETIONS_REACHED = 'CompletionsReached';
export const REASON_MAX_FAILED_INDEXES_EXCEEDED = 'MaxFailedIndexesExceeded';
export const REASON_FAILED_INDEXES = 'FailedIndexes';
export const REASON_SUCCESS_POLICY = 'SuccessPolicy';

export interface JobControllerOptions {
  clientset: Clientset;
  informerFactory: SharedInformerFactory;
  recorder: EventRecorder;
  /** Concurrent syncs (--concurrent-job-syncs). @default 5 */
  workers?: number;
  /** First pod-failure backoff; doubles per failure since the last success. @default 10000 */
  podFailureBackoffMs?: number;
  /** @default 360000 */
  maxPodFailureBackoffMs?: number;
  /** @default realClock */
  clock?: Clock;
  log?: Logger;
}

/** What one sync learned (syncJobCtx). */
interface SyncContext {
  job: Job;
  pods: Pod[];
  activePods: Pod[];
  succeeded: number;
  failed: number;
  terminating: number;
  finishedCondition?: JobCondition;
  expectedRmFinalizers: Set<string>;
  uncounted: { succeeded: Set<string>; failed: Set<string> };
  prevSucceededIndexes: Interval[];
  succeededIndexes: Interval[];
  /** Indexes failed for good (backoffLimitPerIndex): status.failedIndexes plus this sync's. */
  failedIndexes: Interval[];
  /**
   * Per pending index, its last failed pod, whose finalizer stays until a replacement exists so the replacement
   * can carry its failure count (podsWithDelayedDeletionPerIndex).
   */
  podsWithDelayedDeletion: Map<number, Pod>;
  newBackoffRecord: BackoffRecord;
}

export class JobController {
  readonly controller: Controller;
  readonly expectations: UIDTrackingControllerExpectations;
  readonly #clientset: Clientset;
  readonly #jobClient: ResourceClient<Job>;
  readonly #pods: ResourceClient<Pod>;
  readonly #podControl: PodControl;
  readonly #recorder: EventRecorder;
  readonly #jobInformer: SharedIndexInformer<Job>;
  readonly #podInformer: SharedIndexInformer<Pod>;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #backoffBase: number;
  readonly #backoffMax: number;
  /** Per job key: uids of pods whose finalizer removal was sent but not yet seen (finalizerExpectations). */
  readonly #finalizerExpectations = new Map<string, Set<string>>();
  /** Per job key: the pod-failure backoff record (backoffStore). */
  readonly #backoff = new Map<string, BackoffRecord>();

  constructor(options: JobControllerOptions) {
    this.#clientset = options.clientset;
    this.#jobClient = options.clientset.jobs;
    this.#pods = options.clientset.pods as unknown as ResourceClient<Pod>;
    this.#recorder = options.recorder;
    this.#clock = options.clock ?? realClock;
    this.#log = (options.log ?? rootLog).with({ controller: 'job' });
    this.#backoffBase = options.podFailureBackoffMs ?? DEFAULT_POD_FAILURE_BACKOFF_MS;
    this.#backoffMax = options.maxPodFailureBackoffMs ?? MAX_POD_FAILURE_BACKOFF_MS;
    this.expectations = new UIDTrackingControllerExpectations({ clock: this.#clock });
    this.#podControl = new PodControl({ pods: this.#pods, recorder: options.recorder });
    this.#jobInformer = options.informerFactory.informerFor<Job>(jobsResource);
    this.#podInformer = options.informerFactory.pods<Pod>({ indexers: { [POD_CONTROLLER_UID_INDEX]: podControllerUIDIndexFunc } });
    this.controller = new Controller({
      name: 'job',
      reconciler: { reconcile: (key, signal) => this.syncJob(key, signal) },
      workers: options.workers ?? 5,
      clock: this.#clock,
      log: this.#log,
    });
    this.#jobInformer.addEventHandler({
      onAdd: (job) => this.controller.enqueue(keyOf(job)),
      onUpdate: (old, cur) => {
        if (old.metadata.uid !== cur.metadata.uid) this.#deleteJob(old);
        this.controller.enqueue(keyOf(cur));
      },
      onDelete: (obj) => this.#deleteJob(unwrapTombstone(obj)),
    });
    this.#podInformer.addEventHandler({
      onAdd: (pod) => this.#addPod(pod),
      onUpdate: (old, cur) => this.#updatePod(old, cur),
      onDelete: (obj) => this.#deletePod(obj),
    });
  }

  /** Waits for the caches, then syncs until `signal` aborts. */
  run(signal: AbortSignal): Promise<void> {
    return this.controller.run(signal, { hasSynced: [() => this.#jobInformer.hasSynced(), () => this.#podInformer.hasSynced()] });
  }

  // ---- event handlers ----

  #deleteJob(job: Job): void {
    const key = keyOf(job);
    this.expectations.deleteExpectations(key);
    this.#finalizerExpectations.delete(key);
    this.#backoff.delete(key);
    // Pods of a deleted Job keep their tracking finalizer until someone removes it: we do (cleanupPodFinalizers).
    void this.#removeOrphanFinalizers(job.metadata.namespace ?? '', job.metadata.uid ?? '');
  }

  #resolveControllerRef(namespace: string, ref: OwnerReference): Job | undefined {
    if (ref.kind !== JOB_KIND.kind) return undefined;
    const job = this.#jobInformer.lister.get(`${namespace}/${ref.name}`);
    return job && job.metadata.uid === ref.uid ? job : undefined;
  }

  #addPod(pod: Pod): void {
    if (pod.metadata.deletionTimestamp) {
      this.#deletePod(pod, false);
      return;
    }
    const ref = getControllerOf(pod);
    if (ref) {
      const job = this.#resolveControllerRef(pod.metadata.namespace ?? '', ref);
      if (!job) {
        if (ref.kind === JOB_KIND.kind && hasJobTrackingFinalizer(pod)) void this.#removeFinalizerIfOrphan(pod);
        return;
      }
      const key = keyOf(job);
      this.expectations.creationObserved(key);
      this.controller.enqueue(key);
      return;
    }
    for (const job of this.#getPodJobs(pod)) this.controller.enqueue(keyOf(job));
  }

  #updatePod(old: Pod, cur: Pod): void {
    if (old.metadata.resourceVersion === cur.metadata.resourceVersion) return;
    if (cur.metadata.deletionTimestamp) {
      // Graceful deletion: counts as deleted now (the pod may finish meanwhile; it is still accounted).
      this.#deletePod(cur, false);
    }
    const curRef = getControllerOf(cur);
    const oldRef = getControllerOf(old);
    const job = curRef ? this.#resolveControllerRef(cur.metadata.namespace ?? '', curRef) : undefined;
    if (job && hasJobTrackingFinalizer(old) && !hasJobTrackingFinalizer(cur)) this.#finalizerRemovalObserved(keyOf(job), cur.metadata.uid ?? '');
    if (oldRef && JSON.stringify(oldRef) !== JSON.stringify(curRef ?? null)) {
      const oldJob = this.#resolveControllerRef(old.metadata.namespace ?? '', oldRef);
      if (oldJob) this.controller.enqueue(keyOf(oldJob));
    }
    if (curRef) {
      if (job) this.controller.enqueue(keyOf(job));
      else if (curRef.kind === JOB_KIND.kind && hasJobTrackingFinalizer(cur)) void this.#removeFinalizerIfOrphan(cur);
      return;
    }
    for (const j of this.#getPodJobs(cur)) this.controller.enqueue(keyOf(j));
  }

  #deletePod(obj: Pod | DeletedFinalStateUnknown<Pod>, final = true): void {
    const pod = unwrapTombstone(obj);
    const ref = getControllerOf(pod);
    if (!ref) return;
    const job = this.#resolveControllerRef(pod.metadata.namespace ?? '', ref);
    if (!job) return;
    const key = keyOf(job);
    this.expectations.deletionObserved(key, podKey(pod));
    if (final) this.#finalizerRemovalObserved(key, pod.metadata.uid ?? '');
    this.controller.enqueue(key);
  }

  #finalizerRemovalObserved(key: string, uid: string): void {
    const set = this.#finalizerExpectations.get(key);
    if (!set) return;
    set.delete(uid);
    if (set.size === 0) this.#finalizerExpectations.delete(key);
  }

  /** Jobs of the pod's namespace whose selector matches it (getPodJobs). */
  #getPodJobs(pod: Pod): Job[] {
    return this.#jobInformer.lister.namespace(pod.metadata.namespace ?? '').list((job) => {
      const sel = safeSelector(job);
      return sel !== undefined && matches(sel, pod.metadata.labels);
    });
  }

  /** A pod whose Job is gone keeps no tracking finalizer (orphan finalizer cleanup). */
  async #removeFinalizerIfOrphan(pod: Pod): Promise<void> {
    const ref = getControllerOf(pod);
    if (!ref || this.#resolveControllerRef(pod.metadata.namespace ?? '', ref)) return;
    try {
      await this.#jobClient.get(pod.metadata.namespace ?? '', ref.name);
      return;
    } catch (err) {
      if (!isNotFound(err)) return;
    }
    await this.#removeTrackingFinalizer(pod).catch((err) => this.#log.debug('Removing an orphan pod finalizer failed', { pod: podKey(pod), err }));
  }

  async #removeOrphanFinalizers(namespace: string, jobUID: string): Promise<void> {
    const pods = this.#podInformer.indexer.byIndex(POD_CONTROLLER_UID_INDEX, jobUID).filter((p) => p.metadata.namespace === namespace && hasJobTrackingFinalizer(p));
    await Promise.allSettled(pods.map((p) => this.#removeTrackingFinalizer(p)));
  }

  async #removeTrackingFinalizer(pod: Pod, signal?: AbortSignal): Promise<void> {
    // removeTrackingFinalizerPatch: a strategic merge patch with the pod's uid as precondition.
    const patch = { metadata: { uid: pod.metadata.uid, '$deleteFromPrimitiveList/finalizers': [JOB_TRACKING_FINALIZER] } };
    await this.#podControl.patchPod(pod.metadata.namespace ?? '', pod.metadata.name ?? '', patch, signal);
  }

  // ---- sync ----

  /** The Job's pods and the namespace's orphans (getPodsForJob), claimed; adopted pods count as tracked. */
  async #getPodsForJob(job: Job, selector: LabelSelector, signal: AbortSignal): Promise<Pod[]> {
    const idx = this.#podInformer.indexer;
    const candidates = [...idx.byIndex(POD_CONTROLLER_UID_INDEX, job.metadata.uid ?? ''), ...idx.byIndex(POD_CONTROLLER_UID_INDEX, orphanPodIndexKeyForNamespace(job.metadata.namespace ?? ''))];
    const cm = new ControllerRefManager<Pod>({
      controller: job,
      controllerKind: JOB_KIND,
      selector,
      client: this.#pods,
      canAdopt: recheckDeletionTimestamp(freshOwner(this.#jobClient, job, 'Job', signal)),
      finalizers: [JOB_TRACKING_FINALIZER],
      signal,
    });
    const claimed = await cm.claim(candidates);
    return claimed.map((p) => {
      const owned = (p.metadata.ownerReferences ?? []).some((r) => r.uid === job.metadata.uid);
      if (owned || hasJobTrackingFinalizer(p)) return p;
      const copy = deepCopy(p);
      copy.metadata.finalizers = [...(copy.metadata.finalizers ?? []), JOB_TRACKING_FINALIZER];
      return copy;
    });
  }

  /** One reconcile of the Job named by key (syncJob). */
  async syncJob(key: string, signal: AbortSignal): Promise<Result> {
    const cached = this.#jobInformer.lister.get(key);
    if (!cached) {
      this.expectations.deleteExpectations(key);
      this.#finalizerExpectations.delete(key);
      this.#backoff.delete(key);
      return {};
    }
    // A Job managed by another controller is not ours (spec.managedBy).
    if (cached.spec.managedBy && cached.spec.managedBy !== 'kubernetes.io/job-controller') return {};
    if (isJobFinished(cached)) {
      // Nothing left to do but let go of pods still holding our finalizer.
      await this.#removeOrphanFinalizers(cached.metadata.namespace ?? '', cached.metadata.uid ?? '');
      return {};
    }
    let selector: LabelSelector;
    try {
      selector = labelSelectorFromMeta(cached.spec.selector);
    } catch (err) {
      this.#log.error('Invalid selector', { key, err });
      return {};
    }
    const job = deepCopy(cached);
    job.status ??= {};
    const now = this.#clock.now();
    const nowStr = rfc3339(now);
    // Expectations first: a pod arriving after this point defers to the next sync.
    const satisfiedExpectations = this.expectations.satisfiedExpectations(key);
    const pods = await this.#getPodsForJob(job, selector, signal);
    const activePods = pods.filter(isPodActive);
    const terminating = pods.filter(isPodTerminating).length;
    const uncounted = {
      succeeded: new Set(job.status.uncountedTerminatedPods?.succeeded ?? []),
      failed: new Set(job.status.uncountedTerminatedPods?.failed ?? []),
    };
    const expectedRmFinalizers = new Set(this.#finalizerExpectations.get(key) ?? []);
    const indexed = job.spec.completionMode === 'Indexed';
    const completions = job.spec.completions ?? 0;

    const ctx: SyncContext = {
      job,
      pods,
      activePods,
      succeeded: 0,
      failed: 0,
      terminating,
      expectedRmFinalizers,
      uncounted,
      prevSucceededIndexes: [],
      succeededIndexes: [],
      failedIndexes: [],
      podsWithDelayedDeletion: new Map(),
      newBackoffRecord: { failuresAfterLastSuccess: 0 },
    };
    const isNew = (p: Pod): boolean => {
      const uid = p.metadata.uid ?? '';
      if (!hasJobTrackingFinalizer(p) || uncounted.succeeded.has(uid) || uncounted.failed.has(uid) || expectedRmFinalizers.has(uid)) return false;
      if (indexed) {
        const ix = getCompletionIndex(p);
        if (ix === UNKNOWN_COMPLETION_INDEX || ix >= completions) return false;
      }
      return true;
    };
    const newSucceeded = pods.filter((p) => isNew(p) && p.status?.phase === 'Succeeded');
    const newFailed = pods.filter((p) => isNew(p) && isPodFailed(p, job));
    const countedNewFailed = newFailed.filter((p) => matchPodFailurePolicy(job.spec.podFailurePolicy, p).countFailed).length;
    ctx.succeeded = (job.status.succeeded ?? 0) + newSucceeded.length + uncounted.succeeded.size;
    ctx.failed = (job.status.failed ?? 0) + countedNewFailed + uncounted.failed.size;
    if (indexed) {
      ctx.prevSucceededIndexes = parseIndexes(job.status.completedIndexes, completions);
      const newIx = pods.filter((p) => p.status?.phase === 'Succeeded' && hasJobTrackingFinalizer(p)).map(getCompletionIndex).filter((ix) => ix >= 0 && ix < completions);
      ctx.succeededIndexes = withIndexes(ctx.prevSucceededIndexes, newIx);
      ctx.succeeded = intervalsTotal(ctx.succeededIndexes);
      if (hasBackoffLimitPerIndex(job)) {
        // calculateFailedIndexes: a failed pod still holding the finalizer may fail its index.
        const newFailedIx = pods
          .filter((p) => hasJobTrackingFinalizer(p) && isPodFailed(p, job) && isIndexFailed(job, p))
          .map(getCompletionIndex)
          .filter((ix) => ix >= 0 && ix < completions && !intervalsHas(ctx.succeededIndexes, ix));
        ctx.failedIndexes = withIndexes(parseIndexes(job.status.failedIndexes, completions), newFailedIx);
        ctx.podsWithDelayedDeletion = podsWithDelayedDeletionPerIndex(ctx, completions);
      }
    }
    const suspended = job.spec.suspend === true;
    let startTimeChanged = false;
    if (!job.status.startTime && !suspended) {
      job.status.startTime = nowStr;
      startTimeChanged = true;
    }
    ctx.newBackoffRecord = nextBackoffRecord(this.#backoff.get(key), newSucceeded, newFailed);

    let requeueAfterMs: number | undefined;
    // Defaulted by the API (6, or MaxInt32 with backoffLimitPerIndex, which then counts failures per index).
    const backoffLimit = job.spec.backoffLimit ?? (job.spec.backoffLimitPerIndex != null ? 2147483647 : 6);
    // The outcome, once decided, is kept in the interim conditions.
    const successCriteriaMet = findCondition(job, 'SuccessCriteriaMet');
    if (successCriteriaMet) ctx.finishedCondition = successCriteriaMet;
    if (!ctx.finishedCondition) {
      const failureTarget = findCondition(job, 'FailureTarget');
      if (failureTarget) ctx.finishedCondition = newCondition('Failed', failureTarget.reason ?? '', failureTarget.message ?? '', nowStr);
      else {
        const failJobMessage = this.#getFailJobMessage(job, pods);
        if (failJobMessage) ctx.finishedCondition = newCondition('FailureTarget', REASON_POD_FAILURE_POLICY, failJobMessage, nowStr);
      }
    }
    if (!ctx.finishedCondition) {
      if (ctx.failed > backoffLimit || pastBackoffLimitOnFailure(job, pods)) {
        ctx.finishedCondition = newCondition('FailureTarget', REASON_BACKOFF_LIMIT_EXCEEDED, 'Job has reached the specified backoff limit', nowStr);
      } else if (this.#pastActiveDeadline(job, now)) {
        ctx.finishedCondition = newCondition('FailureTarget', REASON_DEADLINE_EXCEEDED, 'Job was active longer than specified deadline', nowStr);
      } else if (job.spec.activeDeadlineSeconds != null && !suspended) {
        const start = parseTime(job.status.startTime) ?? now;
        requeueAfterMs = Math.max(0, job.spec.activeDeadlineSeconds * 1000 - (now - start));
      }
    }

    if (!ctx.finishedCondition && hasBackoffLimitPerIndex(job)) {
      // backoffLimitPerIndex replaces backoffLimit: the Job fails on its failed indexes.
      const failedIx = intervalsTotal(ctx.failedIndexes);
      if (job.spec.maxFailedIndexes != null && failedIx > job.spec.maxFailedIndexes) {
        ctx.finishedCondition = newCondition('FailureTarget', REASON_MAX_FAILED_INDEXES_EXCEEDED, 'Job has exceeded the specified maximal number of failed indexes', nowStr);
      } else if (failedIx > 0 && failedIx + intervalsTotal(ctx.succeededIndexes) >= completions) {
        ctx.finishedCondition = newCondition('FailureTarget', REASON_FAILED_INDEXES, 'Job has failed indexes', nowStr);
      }
    }
    if (!ctx.finishedCondition && indexed) {
      const matched = matchSuccessPolicy(job.spec.successPolicy, completions, ctx.succeededIndexes);
      if (matched) ctx.finishedCondition = newCondition('SuccessCriteriaMet', REASON_SUCCESS_POLICY, matched, nowStr);
    }
    let active = activePods.length;
    let ready = activePods.filter(isPodReady).length;
    let suspendCondChanged = false;
    let manageErr: unknown;
    if (ctx.finishedCondition) {
      const { deleted, deletedReady, error } = await this.#deleteActivePods(job, activePods, signal);
      if (deleted !== active || !satisfiedExpectations) {
        // Not finished yet: pods remain, or the cache may still miss some.
        ctx.finishedCondition = undefined;
      }
      active -= deleted;
      ready -= deletedReady;
      ctx.terminating += deleted;
      manageErr = error;
    } else {
      let manageCalled = false;
      if (satisfiedExpectations && !job.metadata.deletionTimestamp) {
        try {
          const r = await this.#manageJob(job, ctx, key, signal);
          active = r.active;
          ready -= r.deletedReady;
          if (r.requeueAfterMs !== undefined) requeueAfterMs = Math.min(requeueAfterMs ?? Infinity, r.requeueAfterMs);
        } catch (err) {
          manageErr = err;
          active = ctx.activePods.length;
        }
        manageCalled = true;
      }
      const complete = job.spec.completions == null ? ctx.succeeded > 0 && active === 0 : ctx.succeeded >= job.spec.completions && active === 0;
      if (complete) {
        ctx.finishedCondition = newCondition('SuccessCriteriaMet', REASON_COMPLETIONS_REACHED, 'Reached expected number of succeeded pods', nowStr);
      } else if (manageCalled) {
        const conditions = (job.status.conditions ??= []);
        if (suspended) {
          if (ensureJobConditionStatus(conditions, 'Suspended', 'True', 'JobSuspended', 'Job suspended', nowStr)) {
            suspendCondChanged = true;
            this.#recorder.event(job, 'Normal', 'Suspended', 'Job suspended');
            // Suspending resets startTime: activeDeadlineSeconds counts continuous activity.
            delete job.status.startTime;
          }
        } else if (ensureJobConditionStatus(conditions, 'Suspended', 'False', 'JobResumed', 'Job resumed', nowStr)) {
          suspendCondChanged = true;
          this.#recorder.event(job, 'Normal', 'Resumed', 'Job resumed');
          job.status.startTime = nowStr;
        }
        if (conditions.length === 0) delete job.status.conditions;
      }
    }

    const needsStatusUpdate =
      suspendCondChanged ||
      startTimeChanged ||
      active !== (job.status.active ?? 0) ||
      ready !== (job.status.ready ?? 0) ||
      ctx.terminating !== (job.status.terminating ?? 0);
    job.status.active = active;
    job.status.ready = ready;
    job.status.terminating = ctx.terminating;
    await this.#trackJobStatusAndRemoveFinalizers(ctx, key, needsStatusUpdate, signal);
    if (manageErr !== undefined) throw manageErr;
    return requeueAfterMs !== undefined ? { requeueAfterMs: Math.max(1, requeueAfterMs) } : {};
  }

  #pastActiveDeadline(job: Job, now: number): boolean {
    if (job.spec.activeDeadlineSeconds == null || !job.status?.startTime || job.spec.suspend === true) return false;
    const start = parseTime(job.status.startTime) ?? now;
    return now - start >= job.spec.activeDeadlineSeconds * 1000;
  }

  /** getFailJobMessage: the message of the first failed pod a FailJob rule matches. */
  #getFailJobMessage(job: Job, pods: readonly Pod[]): string | undefined {
    if (!job.spec.podFailurePolicy) return undefined;
    for (const p of pods) {
      if (!isPodFailed(p, job)) continue;
      const m = matchPodFailurePolicy(job.spec.podFailurePolicy, p);
      if (m.failJobMessage) return m.failJobMessage;
    }
    return undefined;
  }

  /** deleteActivePods: deletes (keeping finalizers, they are removed when the pods are accounted). */
  async #deleteActivePods(job: Job, pods: readonly Pod[], signal: AbortSignal): Promise<{ deleted: number; deletedReady: number; error?: unknown }> {
    let deleted = 0;
    let deletedReady = 0;
    let error: unknown;
    await Promise.all(
      pods.map(async (pod) => {
        try {
          await this.#podControl.deletePod(job.metadata.namespace ?? '', pod.metadata.name ?? '', job, signal);
        } catch (err) {
          if (!isNotFound(err)) {
            error ??= err;
            return;
          }
        }
        deleted++;
        if (isPodReady(pod)) deletedReady++;
      }),
    );
    return { deleted, deletedReady, ...(error !== undefined ? { error } : {}) };
  }

  /** deleteJobPods: removes the finalizer (these pods are not accounted) then deletes; expectations per pod. */
  async #deleteJobPods(job: Job, key: string, pods: readonly Pod[], signal: AbortSignal): Promise<{ removed: number; removedReady: number; error?: unknown }> {
    this.expectations.expectDeletionsOf(key, pods.map(podKey));
    let removed = 0;
    let removedReady = 0;
    let error: unknown;
    await Promise.all(
      pods.map(async (pod) => {
        try {
          if (hasJobTrackingFinalizer(pod)) await this.#removeTrackingFinalizer(pod, signal);
          await this.#podControl.deletePod(job.metadata.namespace ?? '', pod.metadata.name ?? '', job, signal);
        } catch (err) {
          this.expectations.deletionObserved(key, podKey(pod));
          if (!isNotFound(err)) {
            error ??= err;
            return;
          }
        }
        removed++;
        if (isPodReady(pod)) removedReady++;
      }),
    );
    return { removed, removedReady, ...(error !== undefined ? { error } : {}) };
  }

  /** Pods to delete first: bad or duplicate indexes (Indexed), then the least advanced active pods. */
  #activePodsForRemoval(job: Job, activePods: readonly Pod[], rmAtLeast: number, ctx: SyncContext): Pod[] {
    const rm: Pod[] = [];
    let left = [...activePods];
    if (job.spec.completionMode === 'Indexed') {
      const completions = job.spec.completions ?? 0;
      const seen = new Set<number>();
      const keep: Pod[] = [];
      for (const p of [...activePods].sort(compareActivePods).reverse()) {
        const ix = getCompletionIndex(p);
        if (ix === UNKNOWN_COMPLETION_INDEX || ix >= completions || seen.has(ix) || intervalsHas(ctx.succeededIndexes, ix) || intervalsHas(ctx.failedIndexes, ix)) rm.push(p);
        else {
          seen.add(ix);
          keep.push(p);
        }
      }
      left = keep;
    }
    if (rm.length < rmAtLeast) {
      left.sort(compareActivePods);
      rm.push(...left.slice(0, rmAtLeast - rm.length));
    }
    return rm;
  }

  /** manageJob: toward the wanted number of active pods. */
  async #manageJob(job: Job, ctx: SyncContext, key: string, signal: AbortSignal): Promise<{ active: number; deletedReady: number; requeueAfterMs?: number }> {
    let active = ctx.activePods.length;
    const parallelism = job.spec.parallelism ?? 1;
    if (job.spec.suspend === true) {
      const toDelete = this.#activePodsForRemoval(job, ctx.activePods, active, ctx);
      const r = await this.#deleteJobPods(job, key, toDelete, signal);
      ctx.terminating += r.removed;
      if (r.error !== undefined) throw r.error;
      return { active: active - r.removed, deletedReady: r.removedReady };
    }
    let wantActive: number;
    if (job.spec.completions == null) wantActive = ctx.succeeded > 0 ? active : parallelism;
    else wantActive = Math.max(0, Math.min(job.spec.completions - ctx.succeeded - intervalsTotal(ctx.failedIndexes), parallelism));
    const rmAtLeast = Math.max(0, active - wantActive);
    let toDelete = this.#activePodsForRemoval(job, ctx.activePods, rmAtLeast, ctx);
    if (toDelete.length > MAX_POD_CREATE_DELETE_PER_SYNC) toDelete = toDelete.slice(0, MAX_POD_CREATE_DELETE_PER_SYNC);
    if (toDelete.length > 0) {
      const r = await this.#deleteJobPods(job, key, toDelete, signal);
      ctx.terminating += r.removed;
      if (r.error !== undefined) throw r.error;
      return { active: active - r.removed, deletedReady: r.removedReady };
    }
    const terminating = onlyReplaceFailedPods(job) ? ctx.terminating : 0;
    let diff = wantActive - terminating - active;
    if (diff <= 0) return { active, deletedReady: 0 };
    const perIndex = hasBackoffLimitPerIndex(job);
    let lastFailed = new Map<number, Pod>();
    let indexBackoffMs: number | undefined;
    if (perIndex) {
      // Per-index backoff replaces the Job-wide one: each index waits after its own last failure.
      lastFailed = lastFailedPodPerIndex(job, ctx.pods);
    } else {
      const remaining = backoffRemaining(ctx.newBackoffRecord, this.#clock.now(), this.#backoffBase, this.#backoffMax);
      if (remaining > 0) return { active, deletedReady: 0, requeueAfterMs: remaining };
    }
    diff = Math.min(diff, MAX_POD_CREATE_DELETE_PER_SYNC);
    let indexes: number[] = [];
    if (job.spec.completionMode === 'Indexed') {
      indexes = this.#firstPendingIndexes(job, ctx, diff, job.spec.completions ?? 0);
      if (perIndex) {
        // getPodCreationInfoForIndependentIndexes: of those, the indexes whose own backoff is over.
        indexes = indexes.filter((ix) => {
          const last = lastFailed.get(ix);
          if (!last) return true;
          const rec = { failuresAfterLastSuccess: getIndexAbsoluteFailureCount(last) + 1, lastFailureTime: podFinishedTime(last) };
          const remaining = backoffRemaining(rec, this.#clock.now(), this.#backoffBase, this.#backoffMax);
          if (remaining <= 0) return true;
          indexBackoffMs = Math.min(indexBackoffMs ?? Infinity, remaining);
          return false;
        });
      }
      diff = indexes.length;
      if (diff === 0) return { active, deletedReady: 0, ...(indexBackoffMs !== undefined ? { requeueAfterMs: indexBackoffMs } : {}) };
    }
    this.expectations.expectCreations(key, diff);
    const template: PodTemplateSpec = deepCopy(job.spec.template ?? {});
    if (job.spec.completionMode === 'Indexed') addCompletionIndexEnvVariables(template);
    const tm = (template.metadata ??= {});
    if (!(tm.finalizers ?? []).includes(JOB_TRACKING_FINALIZER)) tm.finalizers = [...(tm.finalizers ?? []), JOB_TRACKING_FINALIZER];
    const ref = newControllerRef(job, JOB_KIND);
    const namespace = job.metadata.namespace ?? '';
    let created = 0;
    let firstErr: unknown;
    // Slow start: batches of 1, 2, 4, ... stop at the first batch with an error.
    let next = 0;
    for (let batch = Math.min(diff, 1); next < diff; batch = Math.min(2 * batch, diff - next)) {
      const slice = Array.from({ length: batch }, (_, i) => next + i);
      next += batch;
      const results = await Promise.allSettled(
        slice.map(async (i) => {
          let t = template;
          let generateName: string | undefined;
          if (job.spec.completionMode === 'Indexed') {
            const ix = indexes[i] ?? 0;
            t = deepCopy(template);
            const m = (t.metadata ??= {});
            m.annotations = { ...(m.annotations ?? {}), [JOB_COMPLETION_INDEX_ANNOTATION]: String(ix) };
            m.labels = { ...(m.labels ?? {}), [JOB_COMPLETION_INDEX_LABEL]: String(ix) };
            if (perIndex) {
              // addIndexFailureCountAnnotation: the replacement carries its index's failures so far.
              const counts = newIndexFailureCounts(job, lastFailed.get(ix));
              m.annotations[JOB_INDEX_FAILURE_COUNT_ANNOTATION] = String(counts.failed);
              if (counts.ignored > 0) m.annotations[JOB_INDEX_IGNORED_FAILURE_COUNT_ANNOTATION] = String(counts.ignored);
            }
            if (t.spec) t.spec.hostname = `${job.metadata.name ?? ''}-${ix}`;
            generateName = podGenerateNameWithIndex(job.metadata.name ?? '', ix);
          }
          try {
            await this.#podControl.createPods(namespace, t, job, ref, { signal, ...(generateName ? { generateName } : {}) });
          } catch (err) {
            if (isNamespaceTerminatingError(err)) return;
            throw err;
          }
        }),
      );
      for (const r of results) {
        if (r.status === 'fulfilled') created++;
        else {
          this.expectations.creationObserved(key);
          firstErr ??= r.reason;
        }
      }
      if (firstErr !== undefined) break;
    }
    // Creates never tried will never be observed.
    for (let i = next; i < diff; i++) this.expectations.creationObserved(key);
    active += created;
    if (firstErr !== undefined) throw firstErr;
    return { active, deletedReady: 0, ...(indexBackoffMs !== undefined ? { requeueAfterMs: indexBackoffMs } : {}) };
  }

  /**
   * firstPendingIndexes: the lowest indexes neither succeeded, failed nor held by an active pod (nor by a
   * terminating one when only failed pods are replaced).
   */
  #firstPendingIndexes(job: Job, ctx: SyncContext, count: number, completions: number): number[] {
    const holders = onlyReplaceFailedPods(job) ? [...ctx.activePods, ...ctx.pods.filter(isPodTerminating)] : ctx.activePods;
    const held = new Set(holders.map(getCompletionIndex).filter((ix) => ix >= 0));
    const out: number[] = [];
    for (let ix = 0; ix < completions && out.length < count; ix++) {
      if (!held.has(ix) && !intervalsHas(ctx.succeededIndexes, ix) && !intervalsHas(ctx.failedIndexes, ix)) out.push(ix);
    }
    return out;
  }

  /**
   * trackJobStatusAndRemoveFinalizers: newly finished pods into uncountedTerminatedPods (status written), their
   * finalizers removed, then counted; the terminal condition once everything is accounted for.
   */
  async #trackJobStatusAndRemoveFinalizers(ctx: SyncContext, key: string, needsStatusUpdate: boolean, signal: AbortSignal): Promise<void> {
    let job = ctx.job;
    const status = (job.status ??= {});
    const indexed = job.spec.completionMode === 'Indexed';
    const completions = job.spec.completions ?? 0;
    let needsFlush = needsStatusUpdate;
    const uncountedSucceeded = [...(status.uncountedTerminatedPods?.succeeded ?? [])];
    const uncountedFailed = [...(status.uncountedTerminatedPods?.failed ?? [])];
    const uidsWithFinalizer = new Set(ctx.pods.filter(hasJobTrackingFinalizer).map((p) => p.metadata.uid ?? ''));
    for (const uid of ctx.expectedRmFinalizers) uidsWithFinalizer.add(uid);
    if (cleanUncounted(status, uncountedSucceeded, uncountedFailed, uidsWithFinalizer)) needsFlush = true;
    const podsToRemoveFinalizer: Pod[] = [];
    const newSucceededIndexes: number[] = [];
    const jobFinishing = ctx.finishedCondition !== undefined && ctx.finishedCondition.type !== 'SuccessCriteriaMet' && ctx.finishedCondition.type !== 'Complete';
    for (const pod of ctx.pods) {
      const uid = pod.metadata.uid ?? '';
      if (!hasJobTrackingFinalizer(pod) || ctx.expectedRmFinalizers.has(uid)) continue;
      const failed = isPodFailed(pod, job);
      const succeeded = pod.status?.phase === 'Succeeded';
      // canRemoveFinalizer: the Job is finishing or being deleted, or the pod finished (a failed pod whose
      // index awaits its replacement keeps it, backoffLimitPerIndex).
      if (!succeeded && ctx.finishedCondition === undefined && !job.metadata.deletionTimestamp) {
        if (!failed) continue;
        if (ctx.podsWithDelayedDeletion.get(getCompletionIndex(pod))?.metadata.uid === uid) continue;
      }
      podsToRemoveFinalizer.push(pod);
      if (succeeded && !ctx.uncounted.failed.has(uid)) {
        if (indexed) {
          const ix = getCompletionIndex(pod);
          if (ix !== UNKNOWN_COMPLETION_INDEX && ix < completions && !intervalsHas(ctx.prevSucceededIndexes, ix)) {
            newSucceededIndexes.push(ix);
            needsFlush = true;
          }
        } else if (!ctx.uncounted.succeeded.has(uid)) {
          uncountedSucceeded.push(uid);
          needsFlush = true;
        }
      } else if (failed || jobFinishing) {
        const ix = getCompletionIndex(pod);
        if (!ctx.uncounted.failed.has(uid) && (!indexed || (ix !== UNKNOWN_COMPLETION_INDEX && ix < completions))) {
          if (matchPodFailurePolicy(job.spec.podFailurePolicy, pod).countFailed) {
            uncountedFailed.push(uid);
            needsFlush = true;
          }
        }
      }
    }
    status.uncountedTerminatedPods = { ...(uncountedSucceeded.length ? { succeeded: uncountedSucceeded } : {}), ...(uncountedFailed.length ? { failed: uncountedFailed } : {}) };
    if (indexed) {
      const merged = withIndexes(ctx.prevSucceededIndexes, newSucceededIndexes);
      ctx.succeededIndexes = merged;
      const str = formatIntervals(merged);
      if (str !== (status.completedIndexes ?? '')) needsFlush = true;
      status.succeeded = intervalsTotal(merged);
      status.completedIndexes = str;
      if (hasBackoffLimitPerIndex(job)) {
        const failedStr = formatIntervals(ctx.failedIndexes);
        if (failedStr !== status.failedIndexes) needsFlush = true;
        status.failedIndexes = failedStr;
      }
    }
    // Interim conditions go in before finalizers are removed.
    if (ctx.finishedCondition?.type === 'FailureTarget') {
      (status.conditions ??= []).push(ctx.finishedCondition);
      needsFlush = true;
      ctx.finishedCondition = newCondition('Failed', ctx.finishedCondition.reason ?? '', ctx.finishedCondition.message ?? '', rfc3339(this.#clock.now()));
    }
    if (ctx.finishedCondition?.type === 'SuccessCriteriaMet') {
      if (!findCondition(job, 'SuccessCriteriaMet')) {
        (status.conditions ??= []).push(ctx.finishedCondition);
        needsFlush = true;
      }
      ctx.finishedCondition = newCondition('Complete', ctx.finishedCondition.reason ?? '', ctx.finishedCondition.message ?? '', rfc3339(this.#clock.now()));
    }
    // 1. record the uncounted pods.
    if (needsFlush) {
      job = await this.#updateStatus(job, signal);
      ctx.job = job;
      this.#backoff.set(key, ctx.newBackoffRecord);
      needsFlush = false;
    }
    // 2. remove their finalizers.
    let rmErr: unknown;
    if (podsToRemoveFinalizer.length > 0) {
      const set = this.#finalizerExpectations.get(key) ?? new Set<string>();
      for (const p of podsToRemoveFinalizer) set.add(p.metadata.uid ?? '');
      this.#finalizerExpectations.set(key, set);
      await Promise.all(
        podsToRemoveFinalizer.map(async (p) => {
          try {
            await this.#removeTrackingFinalizer(p, signal);
            uidsWithFinalizer.delete(p.metadata.uid ?? '');
          } catch (err) {
            if (isNotFound(err)) {
              uidsWithFinalizer.delete(p.metadata.uid ?? '');
              this.#finalizerRemovalObserved(key, p.metadata.uid ?? '');
              return;
            }
            this.#finalizerRemovalObserved(key, p.metadata.uid ?? '');
            rmErr ??= err;
          }
        }),
      );
      for (const uid of ctx.expectedRmFinalizers) uidsWithFinalizer.delete(uid);
    }
    // 3. count them.
    const st = (job.status ??= {});
    const us = [...(st.uncountedTerminatedPods?.succeeded ?? [])];
    const uf = [...(st.uncountedTerminatedPods?.failed ?? [])];
    if (cleanUncounted(st, us, uf, uidsWithFinalizer)) needsFlush = true;
    st.uncountedTerminatedPods = { ...(us.length ? { succeeded: us } : {}), ...(uf.length ? { failed: uf } : {}) };
    if (rmErr !== undefined) {
      if (needsFlush) await this.#updateStatus(job, signal);
      throw rmErr;
    }
    // 4. the terminal condition, once nothing is uncounted or terminating.
    let finished = false;
    const cond = ctx.finishedCondition;
    if (cond && us.length + uf.length === 0 && ctx.terminating === 0) {
      const conditions = (st.conditions ??= []);
      ensureJobConditionStatus(conditions, cond.type, 'True', cond.reason ?? '', cond.message ?? '', rfc3339(this.#clock.now()));
      if (cond.type === 'Complete') st.completionTime = conditions.find((c) => c.type === 'Complete')?.lastTransitionTime ?? rfc3339(this.#clock.now());
      finished = true;
      needsFlush = true;
    }
    if (needsFlush) {
      job = await this.#updateStatus(job, signal);
      if (finished && cond) {
        if (cond.type === 'Complete') {
          if (job.spec.completions != null && (job.status?.succeeded ?? 0) > job.spec.completions) {
            this.#recorder.event(job, 'Warning', 'TooManySucceededPods', 'Too many succeeded pods running after completion count reached');
          }
          this.#recorder.event(job, 'Normal', 'Completed', 'Job completed');
        } else {
          this.#recorder.event(job, 'Warning', cond.reason ?? '', cond.message ?? '');
        }
      }
    }
  }

  /**
   * Writes the status (the Job as we computed it). A conflict fails the sync, which is retried from the informer's
   * newer copy, as upstream does: a status computed from a stale Job must not be written over a newer one (it
   * could drop a terminal condition another sync already set).
   */
  async #updateStatus(job: Job, signal: AbortSignal): Promise<Job> {
    const status = normalizeStatus(job.status ?? {});
    return await this.#jobClient.updateStatus({ ...job, status }, { signal });
  }
}

function newCondition(type: string, reason: string, message: string, now: string): JobCondition {
  return { type, status: 'True', lastProbeTime: now, lastTransitionTime: now, reason, message };
}

/** cleanUncountedPodsWithoutFinalizers: uids whose finalizer is gone move into the counters. */
function cleanUncounted(status: JobStatus, succeeded: string[], failed: string[], withFinalizer: ReadonlySet<string>): boolean {
  let updated = false;
  const keepS = succeeded.filter((u) => withFinalizer.has(u));
  if (keepS.length !== succeeded.length) {
    status.succeeded = (status.succeeded ?? 0) + succeeded.length - keepS.length;
    succeeded.splice(0, succeeded.length, ...keepS);
    updated = true;
  }
  const keepF = failed.filter((u) => withFinalizer.has(u));
  if (keepF.length !== failed.length) {
    status.failed = (status.failed ?? 0) + failed.length - keepF.length;
    failed.splice(0, failed.length, ...keepF);
    updated = true;
  }
  return updated;
}

/** The status as kube serializes it: zero counters omitted except where kube keeps pointers (ready, terminating). */
function normalizeStatus(s: JobStatus): JobStatus {
  const out: JobStatus = { ...s };
  for (const k of ['active', 'succeeded', 'failed'] as const) if (!out[k]) delete out[k];
  if (!out.completedIndexes) delete out.completedIndexes;
  if (out.conditions && out.conditions.length === 0) delete out.conditions;
  out.uncountedTerminatedPods ??= {};
  return out;
}

/** addCompletionIndexEnvVariables: JOB_COMPLETION_INDEX from the annotation, in every container. */
function addCompletionIndexEnvVariables(template: PodTemplateSpec): void {
  const add = (c: Container): void => {
    if ((c.env ?? []).some((e) => e.name === JOB_COMPLETION_INDEX_ENV)) return;
    c.env = [
      ...(c.env ?? []),
      { name: JOB_COMPLETION_INDEX_ENV, valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: `metadata.annotations['${JOB_COMPLETION_INDEX_ANNOTATION}']` } } },
    ];
  };
  for (const c of template.spec?.containers ?? []) add(c);
  for (const c of template.spec?.initContainers ?? []) add(c);
}

/**
 * getPodsWithDelayedDeletionPerIndex: for each index neither succeeded, failed nor active, its last failed pod
 * still holding the finalizer (the highest failure count, then the latest finish).
 */
function podsWithDelayedDeletionPerIndex(ctx: SyncContext, completions: number): Map<number, Pod> {
  const active = new Set(ctx.activePods.map(getCompletionIndex));
  const out = new Map<number, Pod>();
  for (const p of ctx.pods) {
    if (!hasJobTrackingFinalizer(p) || ctx.expectedRmFinalizers.has(p.metadata.uid ?? '') || !isPodFailed(p, ctx.job)) continue;
    const ix = getCompletionIndex(p);
    if (ix === UNKNOWN_COMPLETION_INDEX || ix >= completions) continue;
    if (intervalsHas(ctx.succeededIndexes, ix) || intervalsHas(ctx.failedIndexes, ix) || active.has(ix)) continue;
    const last = out.get(ix);
    if (!last || (getIndexAbsoluteFailureCount(last) <= getIndexAbsoluteFailureCount(p) && podFinishedTime(p) >= podFinishedTime(last))) out.set(ix, p);
  }
  return out;
}

/**
 * The last failed pod of each index (the one a replacement counts from): the highest failure count, then the
 * latest finish. Normally the pod kept by podsWithDelayedDeletionPerIndex; any failed pod still cached counts.
 */
function lastFailedPodPerIndex(job: Job, pods: readonly Pod[]): Map<number, Pod> {
  const out = new Map<number, Pod>();
  for (const p of pods) {
    if (!isPodFailed(p, job)) continue;
    const ix = getCompletionIndex(p);
    if (ix === UNKNOWN_COMPLETION_INDEX) continue;
    const cur = out.get(ix);
    const a = getIndexAbsoluteFailureCount(p);
    const b = cur ? getIndexAbsoluteFailureCount(cur) : -1;
    if (!cur || a > b || (a === b && podFinishedTime(p) > podFinishedTime(cur))) out.set(ix, p);
  }
  return out;
}

/** The Job's selector; none when it is missing, empty (it would select every pod) or invalid. */
function safeSelector(job: Job): LabelSelector | undefined {
  const s = job.spec?.selector;
  if (!s || (Object.keys(s.matchLabels ?? {}).length === 0 && (s.matchExpressions ?? []).length === 0)) return undefined;
  return tryLabelSelectorFromMeta(s);
}
