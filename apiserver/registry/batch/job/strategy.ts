import type { KubeObject } from '../../../../shared/api/meta.ts';
import {
  JOB_CONTROLLER_UID_LABEL,
  JOB_NAME_LABEL,
  LEGACY_CONTROLLER_UID_LABEL,
  LEGACY_JOB_NAME_LABEL,
  type Job,
} from '../../../../shared/api/batch-v1.ts';
import { defaultJob } from '../../../../shared/api/defaults/batch.ts';
import { validateJob, validateJobStatusUpdate, validateJobUpdate } from '../../../../shared/api/validation/job.ts';
import { isDNS1123Label } from '../../../../shared/api/validation/names.ts';
import { immediateDelete, withGarbageCollectionPolicy, type CreateStrategy, type DeleteStrategy, type UpdateStrategy } from '../../rest/strategy.ts';
import { keepStatus, resetObjectMetaForStatus } from '../../generic/reset-meta.ts';

/**
 * generateSelector (pkg/registry/batch/job/strategy.go): unless manualSelector, the template gets the job-name
 * and controller-uid labels in both spellings (labels the user set are left for validation to judge) and the
 * selector matches `batch.kubernetes.io/controller-uid=<uid>`.
 */
export function generateJobSelector(job: Job): void {
  const template = (job.spec.template ??= {});
  const meta = (template.metadata ??= {});
  const labels = (meta.labels ??= {});
  const name = job.metadata.name ?? '';
  const uid = job.metadata.uid ?? '';
  for (const k of [LEGACY_JOB_NAME_LABEL, JOB_NAME_LABEL]) if (!(k in labels)) labels[k] = name;
  for (const k of [LEGACY_CONTROLLER_UID_LABEL, JOB_CONTROLLER_UID_LABEL]) if (!(k in labels)) labels[k] = uid;
  const selector = (job.spec.selector ??= {});
  const matchLabels = (selector.matchLabels ??= {});
  if (!(JOB_CONTROLLER_UID_LABEL in matchLabels)) matchLabels[JOB_CONTROLLER_UID_LABEL] = uid;
}

/** WarningsOnCreate: a name that is not a DNS label makes odd pod hostnames. */
function nameWarnings(job: Job): string[] {
  const name = job.metadata.name ?? '';
  const msgs = isDNS1123Label(name);
  if (name === '' || msgs.length === 0) return [];
  return [`metadata.name: this is used in Pod names and hostnames, which can result in surprising behavior; a DNS label is recommended: [${msgs.join(' ')}]`];
}

/** pkg/registry/batch/job/strategy.go jobStrategy. Generation tracks spec changes. */
export const jobStrategy: CreateStrategy & UpdateStrategy = {
  tracksGeneration: true,
  prepareForCreate(obj: KubeObject) {
    const job = obj as Job;
    defaultJob(job);
    job.status = {};
  },
  validate(obj: KubeObject) {
    const job = obj as Job;
    // As upstream: the selector is generated in Validate, once the UID exists (and after managedFields are
    // recorded, so no field manager owns the generated labels).
    if (job.spec && job.spec.manualSelector !== true) generateJobSelector(job);
    return validateJob(job);
  },
  warningsOnCreate: (obj) => nameWarnings(obj as Job),
  prepareForUpdate(obj: KubeObject, old: KubeObject) {
    defaultJob(obj as Job);
    keepStatus(obj, old);
  },
  validateUpdate: (obj, old) => validateJobUpdate(obj as Job, old as Job),
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
};

/** jobStatusStrategy: writes only status. */
export const jobStatusStrategy: UpdateStrategy = {
  prepareForUpdate(obj, old) {
    obj.spec = old.spec;
    resetObjectMetaForStatus(obj, old);
  },
  validateUpdate: (obj, old) => validateJobStatusUpdate(obj as Job, old as Job),
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
};

/**
 * Deleting a batch/v1 Job orphans its pods unless the client names a propagation policy
 * (DefaultGarbageCollectionPolicy: OrphanDependents for batch/v1, for compatibility), with kube's warning.
 */
export const jobDeleteStrategy: DeleteStrategy = {
  ...withGarbageCollectionPolicy(immediateDelete, 'OrphanDependents'),
  warningsOnDefaultPropagation: () => [
    'child pods are preserved by default when jobs are deleted; set propagationPolicy=Background to remove them or set propagationPolicy=Orphan to suppress this warning',
  ],
};
