/**
 * NodeUnschedulable (kube-scheduler plugins/nodeunschedulable): a cordoned node (spec.unschedulable) takes
 * only pods that tolerate the `node.kubernetes.io/unschedulable:NoSchedule` taint.
 */
import type { Pod } from '../../../shared/api/core-v1.ts';
import { TAINT_NODE_UNSCHEDULABLE } from '../../../shared/api/core-v1.ts';
import { newStatus, SUCCESS, type ClusterEvent, type CycleState, type FilterPlugin, type Status } from '../framework/interface.ts';
import type { NodeInfo } from '../framework/node-info.ts';
import { tolerationsTolerateTaint } from './_helpers.ts';

export const NODE_UNSCHEDULABLE = 'NodeUnschedulable';
/** nodeunschedulable.ErrReasonUnschedulable */
export const ERR_REASON_UNSCHEDULABLE = 'node(s) were unschedulable';

const REJECT = newStatus('UnschedulableAndUnresolvable', ERR_REASON_UNSCHEDULABLE);
const UNSCHEDULABLE_TAINT = { key: TAINT_NODE_UNSCHEDULABLE, effect: 'NoSchedule' as const };

export class NodeUnschedulable implements FilterPlugin {
  readonly name = NODE_UNSCHEDULABLE;

  filter(_state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status {
    if (!nodeInfo.unschedulable) return SUCCESS;
    // A pod that tolerates the unschedulable taint also tolerates spec.unschedulable.
    return tolerationsTolerateTaint(pod.spec.tolerations, UNSCHEDULABLE_TAINT) ? SUCCESS : REJECT;
  }

  eventsToRegister(): ClusterEvent[] {
    // Upstream files a change of spec.unschedulable under UpdateNodeTaint.
    return [{ resource: 'Node', actions: ['Add', 'UpdateNodeTaint'], label: 'NodeAdd|NodeTaintChange' }];
  }
}
