import type { Deployment } from '../../../../shared/api/apps-v1.ts';
import type { KubeObject } from '../../../../shared/api/meta.ts';
import { defaultDeployment } from '../../../../shared/api/defaults/apps.ts';
import { semanticEqual } from '../../../../shared/api/validation/_semantic.ts';
import { validateDeployment, validateDeploymentStatusUpdate, validateDeploymentUpdate } from '../../../../shared/api/validation/apps.ts';
import type { CreateStrategy, UpdateStrategy } from '../../rest/strategy.ts';
import { keepSpecAndLabels, keepStatus } from '../workload-status.ts';

/** pkg/registry/apps/deployment/strategy.go deploymentStrategy (apps/v1). */
export const deploymentStrategy: CreateStrategy & UpdateStrategy = {
  tracksGeneration: true,
  prepareForCreate(obj: KubeObject) {
    defaultDeployment(obj as Deployment);
    // Create cannot set status.
    obj.status = {};
  },
  validate: validateDeployment,
  prepareForUpdate(obj, old) {
    defaultDeployment(obj as Deployment);
    keepStatus(obj, old);
    // Spec changes bump generation (the store does that for every spec change); annotation changes do too,
    // because the Deployment controller copies annotations to its ReplicaSets.
    if (!semanticEqual(obj.metadata.annotations, old.metadata.annotations)) obj.metadata.generation = (old.metadata.generation ?? 0) + 1;
  },
  validateUpdate: validateDeploymentUpdate,
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
};

/** deploymentStatusStrategy: status only; spec and labels stay as stored. */
export const deploymentStatusStrategy: UpdateStrategy = {
  prepareForUpdate: keepSpecAndLabels,
  validateUpdate: validateDeploymentStatusUpdate,
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
};
