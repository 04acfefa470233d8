/**
 * NodePorts (kube-scheduler plugins/nodeports): a pod asking for host ports fits only where none of them is in
 * use for the same protocol and an overlapping host IP (0.0.0.0 overlaps every IP).
 */
import type { Pod } from '../../../shared/api/core-v1.ts';
import { newStatus, SKIP, SUCCESS, type ClusterEvent, type CycleState, type FilterPlugin, type PreFilterPlugin, type Status } from '../framework/interface.ts';
import { newPodInfo, type HostPort, type NodeInfo } from '../framework/node-info.ts';

export const NODE_PORTS = 'NodePorts';
/** nodeports.ErrReason */
export const ERR_REASON_NODE_PORTS = "node(s) didn't have free ports for the requested pod ports";
const PRE_FILTER_KEY = 'PreFilter' + NODE_PORTS;

const REJECT = newStatus('Unschedulable', ERR_REASON_NODE_PORTS);

export class NodePorts implements PreFilterPlugin, FilterPlugin {
  readonly name = NODE_PORTS;

  preFilter(state: CycleState, pod: Pod): Status {
    const ports = newPodInfo(pod).hostPorts;
    if (ports.length === 0) return SKIP;
    state.write(PRE_FILTER_KEY, ports);
    return SUCCESS;
  }

  filter(state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status {
    const ports = state.read<readonly HostPort[]>(PRE_FILTER_KEY) ?? newPodInfo(pod).hostPorts;
    if (nodeInfo.usedPorts.size === 0) return SUCCESS;
    for (const p of ports) if (nodeInfo.usedPorts.conflicts(p)) return REJECT;
    return SUCCESS;
  }

  eventsToRegister(): ClusterEvent[] {
    return [
      { resource: 'Pod', actions: ['Delete'], label: 'AssignedPodDelete' },
      { resource: 'Node', actions: ['Add'], label: 'NodeAdd' },
    ];
  }
}
