import type { CronJob, Job, JobCondition } from '../../shared/api/batch-v1.ts';
import type { KubeObject } from '../../shared/api/meta.ts';
import { labelSelectorFromMeta, toString as selectorToString, type MetaLabelSelector } from '../../shared/api/labels.ts';
import { OBJECT_META_CREATION_TIMESTAMP, OBJECT_META_NAME } from './column-descriptions.ts';
import { humanDuration, parseTimestamp, translateTimestampSince } from './human-duration.ts';
import { column, type PrintedRow, type ResourcePrinter } from './table.ts';

/** `kubectl get jobs|cronjobs`: printJob and printCronJob of pkg/printers/internalversion/printers.go (1.32). */

const CONTAINERS = 'Names of each container in the template.';
const IMAGES = 'Images referenced by each container in the template.';
const JOB_SELECTOR =
  'A label query over pods that should match the pod count. Normally, the system sets this field for you. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors';

export const JOB_COLUMNS = [
  column('Name', 'string', OBJECT_META_NAME, { format: 'name' }),
  column('Status', 'string', 'Status of the job.'),
  column('Completions', 'string', 'The number of pods which reached phase Succeeded. The value increases monotonically for a given spec. However, it may decrease in reaction to scale down of elastic indexed jobs.'),
  column('Duration', 'string', 'Time required to complete the job.'),
  column('Age', 'string', OBJECT_META_CREATION_TIMESTAMP),
  column('Containers', 'string', CONTAINERS, { priority: 1 }),
  column('Images', 'string', IMAGES, { priority: 1 }),
  column('Selector', 'string', JOB_SELECTOR, { priority: 1 }),
] as const;

export const CRONJOB_COLUMNS = [
  column('Name', 'string', OBJECT_META_NAME, { format: 'name' }),
  column('Schedule', 'string', 'The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.'),
  column('Timezone', 'string', 'The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones. If not specified, this will default to the time zone of the kube-controller-manager process. The set of valid time zone names and the time zone offset is loaded from the system-wide time zone database by the API server during CronJob validation and the controller manager during execution. If no system-wide time zone database can be found a bundled version of the database is used instead. If the time zone name becomes invalid during the lifetime of a CronJob or due to a change in host configuration, the controller will stop creating new new Jobs and will create a system event with the reason UnknownTimeZone. More information can be found in https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#time-zones'),
  column('Suspend', 'boolean', 'This flag tells the controller to suspend subsequent executions, it does not apply to already started executions.  Defaults to false.'),
  column('Active', 'integer', 'A list of pointers to currently running jobs.'),
  column('Last Schedule', 'string', 'Information when was the last time the job was successfully scheduled.'),
  column('Age', 'string', OBJECT_META_CREATION_TIMESTAMP),
  column('Containers', 'string', CONTAINERS, { priority: 1 }),
  column('Images', 'string', IMAGES, { priority: 1 }),
  column('Selector', 'string', JOB_SELECTOR, { priority: 1 }),
] as const;

/** layoutContainerCells: container names and images, comma separated. */
function containerCells(containers: { name?: string; image?: string }[] | undefined): [string, string] {
  const list = containers ?? [];
  return [list.map((c) => c.name ?? '').join(','), list.map((c) => c.image ?? '').join(',')];
}

/** metav1.FormatLabelSelector: the selector's string form, `<none>` when it selects nothing or everything. */
export function formatLabelSelector(sel: MetaLabelSelector | undefined | null): string {
  if (!sel) return '<none>';
  try {
    const s = selectorToString(labelSelectorFromMeta(sel));
    return s === '' ? '<none>' : s;
  } catch {
    return '<error>';
  }
}

const hasCondition = (conditions: JobCondition[] | undefined, type: string): boolean =>
  (conditions ?? []).some((c) => c.type === type && c.status === 'True');

/** The STATUS column (1.32): Complete, Failed, Terminating, Suspended, FailureTarget, else Running. */
export function jobStatusText(job: Job): string {
  const conditions = job.status?.conditions;
  if (hasCondition(conditions, 'Complete')) return 'Complete';
  if (hasCondition(conditions, 'Failed')) return 'Failed';
  if (job.metadata.deletionTimestamp) return 'Terminating';
  if (hasCondition(conditions, 'Suspended')) return 'Suspended';
  if (hasCondition(conditions, 'FailureTarget')) return 'FailureTarget';
  return 'Running';
}

function printJob(obj: KubeObject, now: number): PrintedRow {
  const job = obj as Job;
  const succeeded = job.status?.succeeded ?? 0;
  let completions: string;
  if (job.spec?.completions != null) completions = `${succeeded}/${job.spec.completions}`;
  else {
    const parallelism = job.spec?.parallelism ?? 0;
    completions = parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
  }
  const start = parseTimestamp(job.status?.startTime);
  const end = parseTimestamp(job.status?.completionTime);
  const duration = start === undefined ? '' : humanDuration((end ?? now) - start);
  const [names, images] = containerCells(job.spec?.template?.spec?.containers);
  return {
    cells: [
      job.metadata.name ?? '',
      jobStatusText(job),
      completions,
      duration,
      translateTimestampSince(job.metadata.creationTimestamp, now),
      names,
      images,
      formatLabelSelector(job.spec?.selector as MetaLabelSelector | undefined),
    ],
  };
}

function printCronJob(obj: KubeObject, now: number): PrintedRow {
  const cj = obj as CronJob;
  const last = cj.status?.lastScheduleTime ? translateTimestampSince(cj.status.lastScheduleTime, now) : '<none>';
  const suspend = cj.spec?.suspend == null ? '<unset>' : cj.spec.suspend ? 'True' : 'False';
  const [names, images] = containerCells(cj.spec?.jobTemplate?.spec?.template?.spec?.containers);
  return {
    cells: [
      cj.metadata.name ?? '',
      cj.spec?.schedule ?? '',
      cj.spec?.timeZone ?? '<none>',
      suspend,
      (cj.status?.active ?? []).length,
      last,
      translateTimestampSince(cj.metadata.creationTimestamp, now),
      names,
      images,
      formatLabelSelector(cj.spec?.jobTemplate?.spec?.selector as MetaLabelSelector | undefined),
    ],
  };
}

export const jobPrinter: ResourcePrinter = { columns: JOB_COLUMNS, print: printJob };
export const cronJobPrinter: ResourcePrinter = { columns: CRONJOB_COLUMNS, print: printCronJob };
