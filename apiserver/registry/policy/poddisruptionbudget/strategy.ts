import type { KubeObject } from '../../../../shared/api/meta.ts';
import type { PodDisruptionBudget } from '../../../../shared/api/policy-v1.ts';
import {
  validatePodDisruptionBudget,
  validatePodDisruptionBudgetStatusUpdate,
  validatePodDisruptionBudgetUpdate,
} from '../../../../shared/api/validation/pod-disruption-budget.ts';
import type { CreateStrategy, UpdateStrategy } from '../../rest/strategy.ts';

/**
 * pkg/registry/policy/poddisruptionbudget/strategy.go: create starts with an empty status and generation 1;
 * updates of the main resource keep the status (a spec change bumps generation); `status` keeps the spec.
 * Both need a resourceVersion (AllowUnconditionalUpdate false), and PUT never creates.
 */

/** The zero PodDisruptionBudgetStatus as policy/v1 serializes it (the counters are not omitempty). */
function emptyStatus(): PodDisruptionBudget['status'] {
  return { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 };
}

export const podDisruptionBudgetStrategy: CreateStrategy & UpdateStrategy = {
  prepareForCreate(obj) {
    (obj as PodDisruptionBudget).status = emptyStatus();
  },
  validate: validatePodDisruptionBudget,
  prepareForUpdate(obj: KubeObject, old: KubeObject) {
    const o = old as PodDisruptionBudget;
    (obj as PodDisruptionBudget).status = o.status === undefined ? emptyStatus() : structuredClone(o.status);
  },
  validateUpdate: validatePodDisruptionBudgetUpdate,
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: false,
  tracksGeneration: true,
};

export const podDisruptionBudgetStatusStrategy: UpdateStrategy = {
  prepareForUpdate(obj: KubeObject, old: KubeObject) {
    const pdb = obj as PodDisruptionBudget;
    const o = old as PodDisruptionBudget;
    if (o.spec === undefined) delete pdb.spec;
    else pdb.spec = structuredClone(o.spec);
    pdb.status = { ...emptyStatus(), ...(pdb.status ?? {}) } as PodDisruptionBudget['status'];
  },
  validateUpdate: validatePodDisruptionBudgetStatusUpdate,
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: false,
};
