/**
 * Condition helpers for nodes and pods (pkg/controller/util/node GetNodeCondition; the pod ones are
 * shared/api/pod-util.ts, podutil).
 */
import type { NodeCondition, NodeStatus } from '../../shared/api/core-v1.ts';

export { getPodCondition, updatePodCondition } from '../../shared/api/pod-util.ts';

export function getNodeCondition(status: NodeStatus | undefined, type: string): NodeCondition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}
