/**
 * NodeReady (kubelab). Upstream has no such plugin: kube keeps pods off nodes that are not ready through
 * taints — the kubelet registers with `node.kubernetes.io/not-ready:NoSchedule`, and the node lifecycle
 * controller (TaintNodesByCondition) keeps `node.kubernetes.io/not-ready:NoSchedule` on a node whose Ready
 * condition is False and `node.kubernetes.io/unreachable:NoSchedule` on one whose Ready is Unknown. Those
 * taints are handled by TaintToleration like any other.
 *
 * This filter applies the taint kube *would* have put on the node even when no controller has put it there
 * yet: a node whose Ready condition is False (or Unknown) is treated as if it carried not-ready
 * (unreachable):NoSchedule. Consequently the pod passes exactly when it tolerates that taint, and the reason
 * is the very message TaintToleration would give, "node(s) had untolerated taint {node.kubernetes.io/not-ready: }",
 * so the FitError reads the same whether or not the taint is present. It runs after TaintToleration, so a
 * node that does carry the taint is reported once, by TaintToleration.
 *
 * A node without any Ready condition is not filtered: kube schedules onto a hand-made Node object that never
 * reported status until the lifecycle controller taints it, and tests rely on that.
 */
import type { Pod } from '../../../shared/api/core-v1.ts';
import { TAINT_NODE_NOT_READY, TAINT_NODE_UNREACHABLE } from '../../../shared/api/core-v1.ts';
import { SUCCESS, type ClusterEvent, type CycleState, type FilterPlugin, type Status } from '../framework/interface.ts';
import type { NodeInfo } from '../framework/node-info.ts';
import { tolerationsTolerateTaint, untoleratedTaintStatus } from './_helpers.ts';

export const NODE_READY = 'NodeReady';

const NOT_READY = { key: TAINT_NODE_NOT_READY, effect: 'NoSchedule' as const };
const UNREACHABLE = { key: TAINT_NODE_UNREACHABLE, effect: 'NoSchedule' as const };

export class NodeReady implements FilterPlugin {
  readonly name = NODE_READY;

  filter(_state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status {
    const ready = nodeInfo.readyStatus;
    if (ready === undefined || ready === 'True') return SUCCESS;
    const taint = ready === 'Unknown' ? UNREACHABLE : NOT_READY;
    return tolerationsTolerateTaint(pod.spec.tolerations, taint) ? SUCCESS : untoleratedTaintStatus(taint.key, '');
  }

  eventsToRegister(): ClusterEvent[] {
    return [{ resource: 'Node', actions: ['Add', 'UpdateNodeCondition', 'UpdateNodeTaint'], label: 'NodeAdd|NodeConditionChange' }];
  }
}
