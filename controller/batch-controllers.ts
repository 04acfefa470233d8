/**
 * The batch/v1 controllers as controller/main.ts starts them: job, cronjob, ttl-after-finished (all on by
 * default, as in kube-controller-manager), each with its upstream event source name.
 */
import type { SharedInformerFactory } from '../shared/cache/informer-factory.ts';
import type { Clientset } from '../shared/client/clientset.ts';
import type { Clock } from '../shared/util/clock.ts';
import type { Logger } from '../shared/util/log.ts';
import type { EventRecorder } from './framework/event-recorder.ts';
import { CronJobController } from './cronjob/cronjob-controller.ts';
import { JobController } from './job/job-controller.ts';
import { TTLAfterFinishedController } from './ttlafterfinished/ttl-after-finished-controller.ts';

export const BATCH_CONTROLLERS = ['job', 'cronjob', 'ttl-after-finished'] as const;
export type BatchControllerName = (typeof BATCH_CONTROLLERS)[number];

export interface BatchControllerDeps {
  clientset: Clientset;
  informerFactory: SharedInformerFactory;
  clock: Clock;
  log?: Logger;
  recorder: (component: string) => EventRecorder;
}

/** Builds the selected batch controllers; each entry runs until its signal aborts. */
export function batchControllers(selected: ReadonlySet<string>, deps: BatchControllerDeps): { name: BatchControllerName; run: (signal: AbortSignal) => Promise<void> }[] {
  const common = { clientset: deps.clientset, informerFactory: deps.informerFactory, clock: deps.clock, ...(deps.log ? { log: deps.log } : {}) };
  const out: { name: BatchControllerName; run: (signal: AbortSignal) => Promise<void> }[] = [];
  if (selected.has('job')) {
    const c = new JobController({ ...common, recorder: deps.recorder('job-controller') });
    out.push({ name: 'job', run: (s) => c.run(s) });
  }
  if (selected.has('cronjob')) {
    const c = new CronJobController({ ...common, recorder: deps.recorder('cronjob-controller') });
    out.push({ name: 'cronjob', run: (s) => c.run(s) });
  }
  if (selected.has('ttl-after-finished')) {
    const c = new TTLAfterFinishedController(common);
    out.push({ name: 'ttl-after-finished', run: (s) => c.run(s) });
  }
  return out;
}
