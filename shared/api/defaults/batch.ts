import type { CronJob, Job, JobSpec } from '../batch-v1.ts';
import type { Pod, PodTemplateSpec } from '../core-v1.ts';
import { defaultPod } from './pod.ts';

/** The pod template's defaults: the PodSpec, container, volume and probe defaults a Pod gets (SetObjectDefaults_Job). */
function defaultTemplate(template: PodTemplateSpec | undefined): void {
  if (!template || typeof template !== 'object') return;
  template.spec ??= { containers: [] };
  defaultPod(template as Pod);
}

function defaultPodFailurePolicy(spec: JobSpec): void {
  for (const rule of spec.podFailurePolicy?.rules ?? []) {
    for (const pattern of rule.onPodConditions ?? []) if (!pattern.status) pattern.status = 'True';
  }
}

/**
 * pkg/apis/batch/v1 SetDefaults_Job (1.32): completions and parallelism 1 when both are unset, parallelism 1,
 * backoffLimit 6 (MaxInt32 with backoffLimitPerIndex), the job's labels from the template's when it has none,
 * completionMode NonIndexed, suspend false, podReplacementPolicy (Failed with a podFailurePolicy, else
 * TerminatingOrFailed), manualSelector false; onPodConditions status True; then the pod template's defaults.
 */
export function defaultJob(job: Job): Job {
  job.spec ??= { template: {} };
  const spec = job.spec;
  if (spec.completions == null && spec.parallelism == null) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  spec.parallelism ??= 1;
  if (spec.backoffLimit == null) spec.backoffLimit = spec.backoffLimitPerIndex != null ? 2147483647 : 6;
  const templateLabels = spec.template?.metadata?.labels;
  if (templateLabels && Object.keys(job.metadata.labels ?? {}).length === 0) job.metadata.labels = { ...templateLabels };
  spec.completionMode ??= 'NonIndexed';
  spec.suspend ??= false;
  spec.podReplacementPolicy ??= spec.podFailurePolicy ? 'Failed' : 'TerminatingOrFailed';
  spec.manualSelector ??= false;
  defaultPodFailurePolicy(spec);
  defaultTemplate(spec.template);
  return job;
}

/**
 * SetDefaults_CronJob: concurrencyPolicy Allow, suspend false, successfulJobsHistoryLimit 3,
 * failedJobsHistoryLimit 1; the job template's pod template gets the Pod defaults (its JobSpec does not get
 * the Job defaults: those apply when the controller creates the Job).
 */
export function defaultCronJob(cj: CronJob): CronJob {
  cj.spec ??= { schedule: '', jobTemplate: {} };
  const spec = cj.spec;
  if (!spec.concurrencyPolicy) spec.concurrencyPolicy = 'Allow';
  spec.suspend ??= false;
  spec.successfulJobsHistoryLimit ??= 3;
  spec.failedJobsHistoryLimit ??= 1;
  const jobSpec = spec.jobTemplate?.spec;
  if (jobSpec) {
    defaultPodFailurePolicy(jobSpec);
    defaultTemplate(jobSpec.template);
  }
  return cj;
}
