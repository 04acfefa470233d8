/**
 * The CronJob controller (kube-controller-manager pkg/controller/cronjob/cronjob_controllerv2.go): creates a
 * Job for each schedule time of each CronJob, and keeps the history limits.
 *
 * One sync per CronJob, level-based, on the Job cache (Jobs whose controllerRef is the CronJob):
 * 1. cleanupFinishedJobs: finished Jobs beyond successfulJobsHistoryLimit / failedJobsHistoryLimit are deleted,
 *    oldest start time first (Background propagation; SuccessfulDelete "Deleted job x");
 * 2. status.active follows the Jobs: finished ones leave it (SawCompletedJob), unknown unfinished ones are
 *    reported (UnexpectedJob), missing ones leave it (MissingJob); lastSuccessfulTime from completed Jobs;
 * 3. unless deleted, suspended or with an unknown time zone: the most recent schedule time not yet run
 *    (schedule in spec.timeZone, UTC without one; more than 100 missed is TooManyMissedTimes) starts a Job
 *    named `<cronjob>-<minutes since epoch>` with the scheduled-timestamp annotation, unless it is past
 *    startingDeadlineSeconds (MissSchedule), Forbid sees an active Job (JobAlreadyActive), or Replace first
 *    deletes the active ones. SuccessfulCreate "Created job x";
 * 4. the CronJob is requeued (workqueue addAfter) for its next schedule time.
 */
import { CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION, type CronJob, type Job } from '../../shared/api/batch-v1.ts';
import type { ObjectReference } from '../../shared/api/core-v1.ts';
import { deepCopy, type KubeObject } from '../../shared/api/meta.ts';
import type { SharedInformerFactory } from '../../shared/cache/informer-factory.ts';
import type { SharedIndexInformer } from '../../shared/cache/shared-informer.ts';
import { unwrapTombstone } from '../../shared/cache/store.ts';
import { cronJobsResource, jobsResource, type Clientset } from '../../shared/client/clientset.ts';
import type { ResourceClient } from '../../shared/client/interfaces.ts';
import { errorMessage, isAlreadyExists, isNotFound } from '../../shared/errors/status-error.ts';
import { realClock, type Clock } from '../../shared/util/clock.ts';
import { CronParseError, isValidTimeZone, parseCronSchedule, type CronSchedule } from '../../shared/util/cron-schedule.ts';
import { log as rootLog, type Logger } from '../../shared/util/log.ts';
import { Controller } from '../framework/controller.ts';
import { namespacedKey as keyOf } from '../framework/handlers.ts';
import { getControllerOf, newControllerRef, type GroupVersionKind } from '../framework/controller-ref-manager.ts';
import type { EventRecorder } from '../framework/event-recorder.ts';
import { isNamespaceTerminatingError } from '../framework/namespace-errors.ts';
import type { Result } from '../framework/reconciler.ts';
import { parseTime, rfc3339 } from '../framework/time-format.ts';
import {
  compareByStartTime,
  finishedStatus,
  formatInZone,
  formatRFC1123Z,
  jobNameFor,
  mostRecentScheduleTime,
  nextScheduleDelay,
} from './cronjob-utils.ts';

export const CRONJOB_KIND: GroupVersionKind = { apiVersion: 'batch/v1', kind: 'CronJob' };

export interface CronJobControllerOptions {
  clientset: Clientset;
  informerFactory: SharedInformerFactory;
  recorder: EventRecorder;
  /** Concurrent syncs (--concurrent-cron-job-syncs). @default 5 */
  workers?: number;
  /** @default realClock */
  clock?: Clock;
  log?: Logger;
}

export class CronJobController {
  readonly controller: Controller;
  readonly #cronJobs: ResourceClient<CronJob>;
  readonly #jobs: ResourceClient<Job>;
  readonly #recorder: EventRecorder;
  readonly #cjInformer: SharedIndexInformer<CronJob>;
  readonly #jobInformer: SharedIndexInformer<Job>;
  readonly #clock: Clock;
  readonly #log: Logger;

  constructor(options: CronJobControllerOptions) {
    this.#cronJobs = options.clientset.cronJobs;
    this.#jobs = options.clientset.jobs;
    this.#recorder = options.recorder;
    this.#clock = options.clock ?? realClock;
    this.#log = (options.log ?? rootLog).with({ controller: 'cronjob' });
    this.#cjInformer = options.informerFactory.informerFor<CronJob>(cronJobsResource);
    this.#jobInformer = options.informerFactory.informerFor<Job>(jobsResource);
    this.controller = new Controller({
      name: 'cronjob',
      reconciler: { reconcile: (key, signal) => this.sync(key, signal) },
      workers: options.workers ?? 5,
      clock: this.#clock,
      log: this.#log,
    });
    this.#cjInformer.addEventHandler({
      onAdd: (cj) => this.controller.enqueue(keyOf(cj)),
      onUpdate: (old, cur) => {
        if (old.metadata.resourceVersion !== cur.metadata.resourceVersion) this.controller.enqueue(keyOf(cur));
      },
      onDelete: (obj) => this.controller.enqueue(keyOf(unwrapTombstone(obj))),
    });
    const onJob = (job: Job): void => {
      const ref = getControllerOf(job);
      if (!ref || ref.kind !== CRONJOB_KIND.kind) return;
      const cj = this.#cjInformer.lister.get(`${job.metadata.namespace ?? ''}/${ref.name}`);
      if (cj && cj.metadata.uid === ref.uid) this.controller.enqueue(keyOf(cj));
    };
    this.#jobInformer.addEventHandler({
      onAdd: onJob,
      onUpdate: (old, cur) => {
        if (old.metadata.resourceVersion === cur.metadata.resourceVersion) return;
        onJob(cur);
        if (JSON.stringify(getControllerOf(old) ?? null) !== JSON.stringify(getControllerOf(cur) ?? null)) onJob(old);
      },
      onDelete: (obj) => onJob(unwrapTombstone(obj)),
    });
  }

  /** Waits for the caches, then syncs until `signal` aborts. */
  run(signal: AbortSignal): Promise<void> {
    return this.controller.run(signal, { hasSynced: [() => this.#cjInformer.hasSynced(), () => this.#jobInformer.hasSynced()] });
  }

  /** One reconcile of the CronJob named by key. */
  async sync(key: string, signal: AbortSignal): Promise<Result> {
    const cached = this.#cjInformer.lister.get(key);
    if (!cached) return {};
    const cj = deepCopy(cached);
    cj.status ??= {};
    const jobs = this.#jobInformer.lister
      .namespace(cj.metadata.namespace ?? '')
      .list((j) => getControllerOf(j)?.uid === cj.metadata.uid);
    const cleaned = await this.#cleanupFinishedJobs(cj, jobs, signal);
    let outcome: { requeueAfterMs?: number; updateStatus: boolean };
    let syncErr: unknown;
    try {
      outcome = await this.#syncCronJob(cj, jobs, signal);
    } catch (err) {
      syncErr = err;
      outcome = { updateStatus: true };
    }
    if (outcome.updateStatus || cleaned) {
      await this.#cronJobs.updateStatus(cj, { signal }).catch(async (err) => {
        if (isNotFound(err)) return;
        throw err;
      });
    }
    if (outcome.requeueAfterMs !== undefined) return { requeueAfterMs: Math.max(1, outcome.requeueAfterMs) };
    if (syncErr !== undefined) throw syncErr;
    return {};
  }

  async #syncCronJob(cj: CronJob, jobs: Job[], signal: AbortSignal): Promise<{ requeueAfterMs?: number; updateStatus: boolean }> {
    const now = this.#clock.now();
    let updateStatus = false;
    const status = (cj.status ??= {});
    const children = new Set<string>();
    for (const j of jobs) {
      const uid = j.metadata.uid ?? '';
      children.add(uid);
      const active = inActiveList(cj, uid);
      const finished = finishedStatus(j);
      if (!active && !finished) {
        const fresh = await this.#cronJobs.get(cj.metadata.namespace ?? '', cj.metadata.name ?? '', { signal });
        if (inActiveList(fresh, uid)) {
          status.active = fresh.status?.active ?? [];
          continue;
        }
        this.#recorder.event(cj, 'Warning', 'UnexpectedJob', `Saw a job that the controller did not create or forgot: ${j.metadata.name ?? ''}`);
      } else if (active && finished) {
        deleteFromActiveList(cj, uid);
        this.#recorder.event(cj, 'Normal', 'SawCompletedJob', `Saw completed job: ${j.metadata.name ?? ''}, condition: ${finished}`);
        updateStatus = true;
      } else if (finished === 'Complete') {
        const completion = j.status?.completionTime;
        const last = parseTime(status.lastSuccessfulTime);
        const t = parseTime(completion);
        if (completion && (last === undefined || (t !== undefined && t > last))) {
          status.lastSuccessfulTime = completion;
          updateStatus = true;
        }
      }
    }
    // Active references whose Job is gone (checked against the API server, the cache may lag).
    for (const ref of [...(status.active ?? [])]) {
      if (children.has(ref.uid ?? '')) continue;
      try {
        await this.#jobs.get(ref.namespace ?? cj.metadata.namespace ?? '', ref.name ?? '', { signal });
      } catch (err) {
        if (!isNotFound(err)) throw err;
        this.#recorder.event(cj, 'Normal', 'MissingJob', `Active job went missing: ${ref.name ?? ''}`);
        deleteFromActiveList(cj, ref.uid ?? '');
        updateStatus = true;
      }
    }
    if (cj.metadata.deletionTimestamp) return { updateStatus };
    if (cj.spec.timeZone != null && !isValidTimeZone(cj.spec.timeZone)) {
      this.#recorder.event(cj, 'Warning', 'UnknownTimeZone', `invalid timeZone: "${cj.spec.timeZone}": unknown time zone ${cj.spec.timeZone}`);
      return { updateStatus };
    }
    if (cj.spec.suspend === true) return { updateStatus };

    let schedule: CronSchedule;
    try {
      schedule = parseCronSchedule(this.#formatSchedule(cj));
    } catch (err) {
      if (!(err instanceof CronParseError)) throw err;
      this.#recorder.event(cj, 'Warning', 'UnparseableSchedule', `unparseable schedule: "${cj.spec.schedule}" : ${err.message}`);
      return { updateStatus };
    }
    const delay = (): number | undefined => nextScheduleDelay(cj, now, schedule);
    const recent = mostRecentScheduleTime(cj, now, schedule, true);
    if (recent.error) {
      this.#recorder.event(cj, 'Warning', 'InvalidSchedule', `invalid schedule: ${cj.spec.schedule} : ${recent.error}`);
      return { updateStatus };
    }
    const scheduledTime = recent.mostRecent;
    if (scheduledTime === undefined || scheduledTime > now) return { updateStatus, ...withDelay(delay()) };
    if (recent.missed === 'many') {
      this.#recorder.event(cj, 'Warning', 'TooManyMissedTimes', 'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew');
    }
    if (cj.spec.startingDeadlineSeconds != null && scheduledTime + cj.spec.startingDeadlineSeconds * 1000 < now) {
      this.#recorder.event(cj, 'Warning', 'MissSchedule', `Missed scheduled time to start a job: ${formatRFC1123Z(scheduledTime)}`);
      return { updateStatus, ...withDelay(delay()) };
    }
    const jobName = jobNameFor(cj, scheduledTime);
    if ((status.active ?? []).some((r) => r.name === jobName) || parseTime(status.lastScheduleTime) === scheduledTime) {
      return { updateStatus, ...withDelay(delay()) };
    }
    if (cj.spec.concurrencyPolicy === 'Forbid' && (status.active ?? []).length > 0) {
      this.#recorder.event(cj, 'Normal', 'JobAlreadyActive', 'Not starting job because prior execution is running and concurrency policy is Forbid');
      return { updateStatus, ...withDelay(delay()) };
    }
    if (cj.spec.concurrencyPolicy === 'Replace') {
      for (const ref of [...(status.active ?? [])]) {
        let job: Job;
        try {
          job = await this.#jobs.get(ref.namespace ?? cj.metadata.namespace ?? '', ref.name ?? '', { signal });
        } catch (err) {
          this.#recorder.event(cj, 'Warning', 'FailedGet', `Get job: ${errorMessage(err)}`);
          throw err;
        }
        if (!(await this.#deleteJob(cj, job, signal))) throw new Error(`could not replace job ${job.metadata.namespace ?? ''}/${job.metadata.name ?? ''}`);
        updateStatus = true;
      }
    }

    const request = this.#jobFromTemplate(cj, scheduledTime, jobName);
    let created: Job;
    let existed = false;
    try {
      created = await this.#jobs.create(request, { signal });
    } catch (err) {
      if (isNamespaceTerminatingError(err)) throw err;
      if (!isAlreadyExists(err)) {
        this.#recorder.event(cj, 'Warning', 'FailedCreate', `Error creating job: ${errorMessage(err)}`);
        throw err;
      }
      existed = true;
      created = await this.#jobs.get(cj.metadata.namespace ?? '', jobName, { signal });
      // Someone else's Job of that name, or ours already in the active list: nothing to record.
      if (getControllerOf(created)?.uid !== cj.metadata.uid) return { updateStatus };
      if (inActiveList(cj, created.metadata.uid ?? '')) return { updateStatus };
    }
    if (existed) this.#log.info('Job already exists', { cronjob: keyOf(cj), job: jobName });
    else this.#recorder.event(cj, 'Normal', 'SuccessfulCreate', `Created job ${created.metadata.name ?? ''}`);
    const ref: ObjectReference = {
      kind: 'Job',
      namespace: created.metadata.namespace ?? cj.metadata.namespace ?? '',
      name: created.metadata.name ?? '',
      uid: created.metadata.uid ?? '',
      apiVersion: 'batch/v1',
      resourceVersion: created.metadata.resourceVersion ?? '',
    };
    status.active = [...(status.active ?? []), ref];
    status.lastScheduleTime = rfc3339(scheduledTime);
    return { updateStatus: true, ...withDelay(delay()) };
  }

  /** formatSchedule: `TZ=<zone> <schedule>` when spec.timeZone is set (TZ in the schedule itself is unsupported). */
  #formatSchedule(cj: CronJob): string {
    if (cj.spec.schedule.includes('TZ')) {
      this.#recorder.event(cj, 'Warning', 'UnsupportedSchedule', `CRON_TZ or TZ used in schedule "${cj.spec.schedule}" is not officially supported, see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ for more details`);
      return cj.spec.schedule;
    }
    if (cj.spec.timeZone != null) return `TZ=${cj.spec.timeZone} ${cj.spec.schedule}`;
    return cj.spec.schedule;
  }

  /** getJobFromTemplate2: the template's labels, annotations (plus the scheduled timestamp) and spec. */
  #jobFromTemplate(cj: CronJob, scheduledTime: number, name: string): Job {
    const tm = cj.spec.jobTemplate?.metadata ?? {};
    return {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        name,
        namespace: cj.metadata.namespace ?? '',
        labels: { ...(tm.labels ?? {}) },
        annotations: { ...(tm.annotations ?? {}), [CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION]: formatInZone(scheduledTime, cj.spec.timeZone) },
        ownerReferences: [newControllerRef(cj, CRONJOB_KIND)],
      },
      spec: deepCopy(cj.spec.jobTemplate?.spec ?? { template: {} }),
    };
  }

  /** cleanupFinishedJobs: the oldest finished Jobs beyond the history limits go. */
  async #cleanupFinishedJobs(cj: CronJob, jobs: Job[], signal: AbortSignal): Promise<boolean> {
    if (cj.spec.successfulJobsHistoryLimit == null && cj.spec.failedJobsHistoryLimit == null) return false;
    const succeeded = jobs.filter((j) => finishedStatus(j) === 'Complete');
    const failed = jobs.filter((j) => finishedStatus(j) === 'Failed');
    let updated = false;
    for (const [list, limit] of [
      [succeeded, cj.spec.successfulJobsHistoryLimit],
      [failed, cj.spec.failedJobsHistoryLimit],
    ] as const) {
      if (limit == null || list.length <= limit) continue;
      const sorted = [...list].sort(compareByStartTime);
      for (const job of sorted.slice(0, list.length - limit)) {
        if (await this.#deleteJob(cj, job, signal)) updated = true;
      }
    }
    return updated;
  }

  /** deleteJob: the Job and (Background) its pods, and its active reference. */
  async #deleteJob(cj: CronJob, job: Job, signal: AbortSignal): Promise<boolean> {
    try {
      await this.#jobs.delete(job.metadata.namespace ?? '', job.metadata.name ?? '', { propagationPolicy: 'Background', signal });
    } catch (err) {
      if (!isNotFound(err)) {
        this.#recorder.event(cj, 'Warning', 'FailedDelete', `Deleted job: ${errorMessage(err)}`);
        return false;
      }
    }
    deleteFromActiveList(cj, job.metadata.uid ?? '');
    this.#recorder.event(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${job.metadata.name ?? ''}`);
    return true;
  }
}

function withDelay(ms: number | undefined): { requeueAfterMs?: number } {
  return ms === undefined ? {} : { requeueAfterMs: ms };
}

function inActiveList(cj: CronJob, uid: string): boolean {
  return (cj.status?.active ?? []).some((r) => r.uid === uid);
}

function deleteFromActiveList(cj: CronJob, uid: string): void {
  if (!cj.status?.active) return;
  cj.status.active = cj.status.active.filter((r) => r.uid !== uid);
  if (cj.status.active.length === 0) delete cj.status.active;
}

