import type { ReplicaSet } from '../../../../shared/api/apps-v1.ts';
import type { KubeObject } from '../../../../shared/api/meta.ts';
import { defaultReplicaSet } from '../../../../shared/api/defaults/apps.ts';
import { validateReplicaSet, validateReplicaSetStatusUpdate, validateReplicaSetUpdate } from '../../../../shared/api/validation/apps.ts';
import type { CreateStrategy, UpdateStrategy } from '../../rest/strategy.ts';
import { keepSpec, keepStatus } from '../workload-status.ts';

/** pkg/registry/apps/replicaset/strategy.go rsStrategy (apps/v1): spec changes bump generation (the store does it). */
export const replicaSetStrategy: CreateStrategy & UpdateStrategy = {
  tracksGeneration: true,
  prepareForCreate(obj: KubeObject) {
    defaultReplicaSet(obj as ReplicaSet);
    obj.status = { replicas: 0 };
  },
  validate: validateReplicaSet,
  prepareForUpdate(obj, old) {
    defaultReplicaSet(obj as ReplicaSet);
    keepStatus(obj, old);
  },
  validateUpdate: validateReplicaSetUpdate,
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
};

/** rsStatusStrategy: status only. */
export const replicaSetStatusStrategy: UpdateStrategy = {
  prepareForUpdate: keepSpec,
  validateUpdate: validateReplicaSetStatusUpdate,
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
};
