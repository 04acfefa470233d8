/**
 * Condition helpers for nodes and pods (pkg/controller/util/node GetNodeCondition, pkg/api/v1/pod
 * UpdatePodCondition).
 */
import type { NodeCondition, NodeStatus, PodCondition, PodStatus } from '../../shared/api/core-v1.ts';
import { rfc3339 } from './time-format.ts';

export function getNodeCondition(status: NodeStatus | undefined, type: string): NodeCondition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

export function getPodCondition(status: PodStatus | undefined, type: string): PodCondition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

/**
 * Sets `condition` in `status` (mutating it) and reports whether anything changed. lastTransitionTime becomes
 * `nowMs` when the status changes and is kept otherwise; the reason, message and probe time are taken from
 * `condition` (UpdatePodCondition).
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
