/**
 * Helpers shared by the eviction subresource and the disruption controller: k8s.io/component-helpers
 * apps/poddisruptionbudget (UpdateDisruptionAllowedCondition) and apimachinery meta.SetStatusCondition.
 */
import { rfc3339 } from '../util/time-format.ts';
import type { PodDisruptionBudget, PodDisruptionBudgetCondition } from './policy-v1.ts';

export const DISRUPTION_ALLOWED_CONDITION = 'DisruptionAllowed';
export const SUFFICIENT_PODS_REASON = 'SufficientPods';
export const INSUFFICIENT_PODS_REASON = 'InsufficientPods';
export const SYNC_FAILED_REASON = 'SyncFailed';
/** policyv1.DisruptionBudgetCause: the StatusCause type of a refused eviction. */
export const DISRUPTION_BUDGET_CAUSE = 'DisruptionBudget';
/** The pod condition set before a pod is deleted for a disruption (v1.DisruptionTarget). */
export const DISRUPTION_TARGET_CONDITION = 'DisruptionTarget';

/**
 * meta.SetStatusCondition: adds the condition (lastTransitionTime now unless given) or updates the one of the
 * same type, moving lastTransitionTime only when the status changes. Mutates `conditions`.
 */
export function setStatusCondition(conditions: PodDisruptionBudgetCondition[], next: PodDisruptionBudgetCondition, now: number): void {
  const existing = conditions.find((c) => c.type === next.type);
  if (!existing) {
    conditions.push({ ...next, lastTransitionTime: next.lastTransitionTime ?? rfc3339(now) });
    return;
  }
  if (existing.status !== next.status) {
    existing.status = next.status;
    existing.lastTransitionTime = next.lastTransitionTime ?? rfc3339(now);
  }
  existing.reason = next.reason;
  existing.message = next.message;
  existing.observedGeneration = next.observedGeneration;
}

/** UpdateDisruptionAllowedCondition: True/SufficientPods while disruptions are allowed, else False/InsufficientPods. */
export function updateDisruptionAllowedCondition(pdb: PodDisruptionBudget, now: number): void {
  const status = pdb.status ?? (pdb.status = { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 });
  const conditions = (status.conditions ??= []);
  const allowed = status.disruptionsAllowed > 0;
  setStatusCondition(
    conditions,
    {
      type: DISRUPTION_ALLOWED_CONDITION,
      status: allowed ? 'True' : 'False',
      reason: allowed ? SUFFICIENT_PODS_REASON : INSUFFICIENT_PODS_REASON,
      message: '',
      observedGeneration: status.observedGeneration ?? 0,
    },
    now,
  );
}
