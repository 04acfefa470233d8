/**
 * The TTL-after-finished controller (pkg/controller/ttlafterfinished): deletes a finished Job (Complete or
 * Failed) `spec.ttlSecondsAfterFinished` seconds after it finished, with Foreground propagation (its pods go
 * first) and the Job's uid as precondition, after re-reading it from the API server (the TTL may have been
 * changed). Jobs not yet expired are requeued for their expiry through the workqueue.
 */
import type { Job } from '../../shared/api/batch-v1.ts';
import type { KubeObject } from '../../shared/api/meta.ts';
import type { SharedInformerFactory } from '../../shared/cache/informer-factory.ts';
import type { SharedIndexInformer } from '../../shared/cache/shared-informer.ts';
import { jobsResource, type Clientset } from '../../shared/client/clientset.ts';
import type { ResourceClient } from '../../shared/client/interfaces.ts';
import { isNotFound } from '../../shared/errors/status-error.ts';
import { realClock, type Clock } from '../../shared/util/clock.ts';
import { log as rootLog, type Logger } from '../../shared/util/log.ts';
import { Controller } from '../framework/controller.ts';
import { namespacedKey as keyOf } from '../framework/handlers.ts';
import type { Result } from '../framework/reconciler.ts';
import { parseTime } from '../framework/time-format.ts';

export interface TTLAfterFinishedControllerOptions {
  clientset: Clientset;
  informerFactory: SharedInformerFactory;
  /** --concurrent-ttl-after-finished-syncs. @default 5 */
  workers?: number;
  clock?: Clock;
  log?: Logger;
}

/** When the Job finished: completionTime, else the finishing condition's lastTransitionTime (jobFinishTime). */
export function jobFinishTime(job: Job): number | undefined {
  for (const c of job.status?.conditions ?? []) {
    if ((c.type === 'Complete' || c.type === 'Failed') && c.status === 'True') {
      return parseTime(c.lastTransitionTime) ?? parseTime(job.status?.completionTime);
    }
  }
  return undefined;
}

/** Milliseconds until the Job may be deleted (0: now), or undefined when it has no TTL or has not finished. */
export function timeLeft(job: Job, now: number): number | undefined {
  if (job.spec?.ttlSecondsAfterFinished == null || job.metadata.deletionTimestamp) return undefined;
  const finished = jobFinishTime(job);
  if (finished === undefined) return undefined;
  return Math.max(0, finished + job.spec.ttlSecondsAfterFinished * 1000 - now);
}

export class TTLAfterFinishedController {
  readonly controller: Controller;
  readonly #jobs: ResourceClient<Job>;
  readonly #informer: SharedIndexInformer<Job>;
  readonly #clock: Clock;
  readonly #log: Logger;

  constructor(options: TTLAfterFinishedControllerOptions) {
    this.#jobs = options.clientset.jobs;
    this.#clock = options.clock ?? realClock;
    this.#log = (options.log ?? rootLog).with({ controller: 'ttl-after-finished' });
    this.#informer = options.informerFactory.informerFor<Job>(jobsResource);
    this.controller = new Controller({
      name: 'ttl-after-finished',
      reconciler: { reconcile: (key, signal) => this.processJob(key, signal) },
      workers: options.workers ?? 5,
      clock: this.#clock,
      log: this.#log,
    });
    const enqueue = (job: Job): void => {
      if (timeLeft(job, this.#clock.now()) !== undefined) this.controller.enqueue(keyOf(job));
    };
    this.#informer.addEventHandler({ onAdd: enqueue, onUpdate: (_old, cur) => enqueue(cur) });
  }

  run(signal: AbortSignal): Promise<void> {
    return this.controller.run(signal, { hasSynced: [() => this.#informer.hasSynced()] });
  }

  /** processJob: delete when expired, on a fresh read; otherwise come back at the expiry. */
  async processJob(key: string, signal: AbortSignal): Promise<Result> {
    const cached = this.#informer.lister.get(key);
    if (!cached) return {};
    const left = timeLeft(cached, this.#clock.now());
    if (left === undefined) return {};
    if (left > 0) return { requeueAfterMs: left };
    let fresh: Job;
    try {
      fresh = await this.#jobs.get(cached.metadata.namespace ?? '', cached.metadata.name ?? '', { signal });
    } catch (err) {
      if (isNotFound(err)) return {};
      throw err;
    }
    const freshLeft = timeLeft(fresh, this.#clock.now());
    if (freshLeft === undefined) return {};
    if (freshLeft > 0) return { requeueAfterMs: freshLeft };
    this.#log.debug('Cleaning up Job', { job: key });
    try {
      await this.#jobs.delete(fresh.metadata.namespace ?? '', fresh.metadata.name ?? '', {
        propagationPolicy: 'Foreground',
        preconditions: { uid: fresh.metadata.uid ?? '' },
        signal,
      });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    return {};
  }
}

