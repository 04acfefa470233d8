import { validateControllerRevision, validateControllerRevisionUpdate } from '../../../../shared/api/validation/apps.ts';
import type { CreateStrategy, UpdateStrategy } from '../../rest/strategy.ts';

/** pkg/registry/apps/controllerrevision/strategy.go: no status, no generation; data is immutable. */
export const controllerRevisionStrategy: CreateStrategy & UpdateStrategy = {
  prepareForCreate() {},
  validate: validateControllerRevision,
  prepareForUpdate() {},
  validateUpdate: validateControllerRevisionUpdate,
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
};
