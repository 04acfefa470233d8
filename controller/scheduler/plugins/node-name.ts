/**
 * NodeName (kube-scheduler plugins/nodename): a pod that names its node fits only that node. Pods with
 * spec.nodeName never reach this scheduler's queue, so in practice the plugin Skips; it is kept for profile
 * parity and for callers that run filters on arbitrary pods (preemption dry runs, tests).
 */
import type { Pod } from '../../../shared/api/core-v1.ts';
import { newStatus, SKIP, SUCCESS, type ClusterEvent, type CycleState, type FilterPlugin, type PreFilterPlugin, type Status } from '../framework/interface.ts';
import type { NodeInfo } from '../framework/node-info.ts';

export const NODE_NAME = 'NodeName';
/** nodename.ErrReason */
export const ERR_REASON_NODE_NAME = "node(s) didn't match the requested node name";

const REJECT = newStatus('UnschedulableAndUnresolvable', ERR_REASON_NODE_NAME);

export class NodeName implements PreFilterPlugin, FilterPlugin {
  readonly name = NODE_NAME;

  preFilter(_state: CycleState, pod: Pod): Status {
    return pod.spec.nodeName ? SUCCESS : SKIP;
  }

  filter(_state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status {
    const want = pod.spec.nodeName;
    return !want || want === nodeInfo.name ? SUCCESS : REJECT;
  }

  eventsToRegister(): ClusterEvent[] {
    return [{ resource: 'Node', actions: ['Add'], label: 'NodeAdd' }];
  }
}
