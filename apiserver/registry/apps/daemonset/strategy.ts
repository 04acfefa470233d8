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
    // Update may not set templateGeneration: it is the stored one, plus one when the template changes (which
    // also moves generation; the store bumps generation for any other spec change).
    const stored = daemonSetTemplateGeneration(old);
    const templateChanged = !semanticEqual((obj as DaemonSet).spec?.template, (old as DaemonSet).spec?.template);
    setTemplateGeneration(obj, templateChanged ? stored + 1 : stored);
  },
  validateUpdate: validateDaemonSetUpdate,
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
};

/** daemonSetStatusStrategy: status only (spec, with its templateGeneration annotation, stays as stored). */
export const daemonSetStatusStrategy: UpdateStrategy = {
  prepareForUpdate(obj, old) {
    keepSpec(obj, old);
    setTemplateGeneration(obj, daemonSetTemplateGeneration(old));
  },
  validateUpdate: validateDaemonSetStatusUpdate,
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
};
