import type { StatefulSet } from '../../../../shared/api/apps-v1.ts';
import type { KubeObject } from '../../../../shared/api/meta.ts';
import { defaultStatefulSet } from '../../../../shared/api/defaults/apps.ts';
import { validateStatefulSet, validateStatefulSetStatusUpdate, validateStatefulSetUpdate } from '../../../../shared/api/validation/apps.ts';
import type { CreateStrategy, UpdateStrategy } from '../../rest/strategy.ts';
import { keepSpec, keepStatus } from '../workload-status.ts';

/** MaxUnavailableStatefulSet is off by default: rollingUpdate.maxUnavailable is dropped unless already in use. */
function dropDisabledFields(sts: StatefulSet, old: StatefulSet | undefined): void {
  const ru = sts.spec?.updateStrategy?.rollingUpdate;
  const oldInUse = old?.spec?.updateStrategy?.rollingUpdate?.maxUnavailable !== undefined;
  if (ru && !oldInUse) delete ru.maxUnavailable;
}

/** pkg/registry/apps/statefulset/strategy.go statefulSetStrategy (apps/v1). */
export const statefulSetStrategy: CreateStrategy & UpdateStrategy = {
  tracksGeneration: true,
  prepareForCreate(obj: KubeObject) {
    const sts = obj as StatefulSet;
    defaultStatefulSet(sts);
    sts.status = { replicas: 0, availableReplicas: 0 };
    dropDisabledFields(sts, undefined);
  },
  validate: validateStatefulSet,
  prepareForUpdate(obj, old) {
    const sts = obj as StatefulSet;
    defaultStatefulSet(sts);
    keepStatus(obj, old);
    dropDisabledFields(sts, old as StatefulSet);
  },
  validateUpdate: validateStatefulSetUpdate,
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
};

/** statefulSetStatusStrategy: status only. */
export const statefulSetStatusStrategy: UpdateStrategy = {
  prepareForUpdate: keepSpec,
  validateUpdate: validateStatefulSetStatusUpdate,
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
};
