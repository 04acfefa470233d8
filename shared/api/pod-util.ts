/**
 * Pod condition helpers of k8s.io/kubernetes/pkg/api/v1/pod (podutil): read by the controllers, the eviction
 * subresource and the disruption controller alike.
 */
import type { Pod, PodCondition, PodStatus } from './core-v1.ts';
import { rfc3339 } from '../util/time-format.ts';

/** GetPodCondition: the condition of that type, if any. */
export function getPodCondition(status: PodStatus | undefined, type: string): PodCondition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

/** GetPodReadyCondition: the pod's Ready condition, if any. */
export function getPodReadyCondition(pod: Pod): PodCondition | undefined {
  return getPodCondition(pod.status, 'Ready');
}

/** IsPodReady: the Ready condition is True. */
export function isPodReady(pod: Pod): boolean {
  return getPodReadyCondition(pod)?.status === 'True';
}

/**
 * UpdatePodCondition: sets `condition` in `status` (mutating it) and reports whether anything changed.
 * lastTransitionTime becomes `nowMs` when the status changes and is kept otherwise; the reason, message and
 * probe time are taken from `condition`.
 */
export function updatePodCondition(status: PodStatus, condition: PodCondition, nowMs: number): boolean {
  const next: PodCondition = { ...condition, lastTransitionTime: rfc3339(nowMs) };
  const conditions = status.conditions ?? (status.conditions = []);
  const i = conditions.findIndex((c) => c.type === condition.type);
  const old = i >= 0 ? conditions[i] : undefined;
  if (!old) {
    conditions.push(next);
    return true;
  }
  if (next.status === old.status) next.lastTransitionTime = old.lastTransitionTime ?? null;
  const same =
    next.status === old.status &&
    (next.reason ?? '') === (old.reason ?? '') &&
    (next.message ?? '') === (old.message ?? '') &&
    (next.lastProbeTime ?? null) === (old.lastProbeTime ?? null) &&
    (next.lastTransitionTime ?? null) === (old.lastTransitionTime ?? null);
  conditions[i] = next;
  return !same;
}
