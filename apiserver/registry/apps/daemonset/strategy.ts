import type { DaemonSet } from '../../../../shared/api/apps-v1.ts';
import type { KubeObject } from '../../../../shared/api/meta.ts';
import { defaultDaemonSet } from '../../../../shared/api/defaults/apps.ts';
import { semanticEqual } from '../../../../shared/api/validation/_semantic.ts';
import {
  daemonSetTemplateGeneration,
  DEPRECATED_TEMPLATE_GENERATION_ANNOTATION,
  validateDaemonSet,
  validateDaemonSetStatusUpdate,
  validateDaemonSetUpdate,
} from '../../../../shared/api/validation/apps.ts';
import type { CreateStrategy, UpdateStrategy } from '../../rest/strategy.ts';
import { keepSpec, keepStatus } from '../workload-status.ts';

/**
 * The internal spec.templateGeneration, which apps/v1 carries in the `deprecated.daemonset.template.generation`
 * annotation (the v1 conversion writes it on every DaemonSet it returns).
 */
function setTemplateGeneration(ds: KubeObject, value: number): void {
  ds.metadata.annotations = { ...(ds.metadata.annotations ?? {}), [DEPRECATED_TEMPLATE_GENERATION_ANNOTATION]: String(value) };
}

/** pkg/registry/apps/daemonset/strategy.go daemonSetStrategy (apps/v1). */
export const daemonSetStrategy: CreateStrategy & UpdateStrategy = {
  tracksGeneration: true,
  prepareForCreate(obj: KubeObject) {
    defaultDaemonSet(obj as DaemonSet);
    obj.status = { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 };
    if (daemonSetTemplateGeneration(obj) < 1) setTemplateGeneration(obj, 1);
  },
  validate: validateDaemonSet,
  prepareForUpdate(obj, old) {
    defaultDaemonSet(obj as DaemonSet);
    keepStatus(obj, old);
    // A template change moves templateGeneration (and generation); any other spec change only generation
    // (which the store bumps for every spec change).
    if (!semanticEqual((obj as DaemonSet).spec?.template, (old as DaemonSet).spec?.template)) {
      setTemplateGeneration(obj, daemonSetTemplateGeneration(old) + 1);
    } else if (obj.metadata.annotations?.[DEPRECATED_TEMPLATE_GENERATION_ANNOTATION] === undefined) {
      // The request left the annotation out (a PUT of a manifest): conversion would read 0. Keep the stored value.
      setTemplateGeneration(obj, daemonSetTemplateGeneration(old));
    }
  },
  validateUpdate: validateDaemonSetUpdate,
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
};

/** daemonSetStatusStrategy: status only. */
export const daemonSetStatusStrategy: UpdateStrategy = {
  prepareForUpdate: keepSpec,
  validateUpdate: validateDaemonSetStatusUpdate,
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
};
