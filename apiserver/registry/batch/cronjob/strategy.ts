import type { KubeObject } from '../../../../shared/api/meta.ts';
import type { CronJob } from '../../../../shared/api/batch-v1.ts';
import { defaultCronJob } from '../../../../shared/api/defaults/batch.ts';
import { validateCronJob, validateCronJobUpdate } from '../../../../shared/api/validation/job.ts';
import { isDNS1123Label } from '../../../../shared/api/validation/names.ts';
import type { CreateStrategy, UpdateStrategy } from '../../rest/strategy.ts';
import { keepStatus, resetObjectMetaForStatus } from '../../generic/reset-meta.ts';

/** WarningsOnCreate: a name that is not a DNS label makes odd pod hostnames. */
function nameWarnings(cj: CronJob): string[] {
  const name = cj.metadata.name ?? '';
  const msgs = isDNS1123Label(name);
  if (name === '' || msgs.length === 0) return [];
  return [`metadata.name: this is used in Pod names and hostnames, which can result in surprising behavior; a DNS label is recommended: [${msgs.join(' ')}]`];
}

/** pkg/registry/batch/cronjob/strategy.go cronJobStrategy. Generation tracks spec changes. */
export const cronJobStrategy: CreateStrategy & UpdateStrategy = {
  tracksGeneration: true,
  prepareForCreate(obj: KubeObject) {
    const cj = obj as CronJob;
    defaultCronJob(cj);
    cj.status = {};
  },
  validate: (obj) => validateCronJob(obj as CronJob),
  warningsOnCreate: (obj) => nameWarnings(obj as CronJob),
  prepareForUpdate(obj: KubeObject, old: KubeObject) {
    defaultCronJob(obj as CronJob);
    keepStatus(obj, old);
  },
  validateUpdate: (obj, old) => validateCronJobUpdate(obj as CronJob, old as CronJob),
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
};

/** cronJobStatusStrategy: writes only status. */
export const cronJobStatusStrategy: UpdateStrategy = {
  prepareForUpdate(obj, old) {
    obj.spec = old.spec;
    resetObjectMetaForStatus(obj, old);
  },
  validateUpdate: () => [],
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
};
