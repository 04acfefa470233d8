/**
 * The Node's status as the agent reports it (kubelet pkg/kubelet/nodestatus/setters.go): addresses,
 * capacity/allocatable, nodeInfo, daemon endpoints and the conditions. Pure: facts in, NodeStatus out, with
 * lastTransitionTime kept from the previous status unless the condition's status changed.
 */
import type { NodeAddress, NodeCondition, NodeStatus, NodeSystemInfo, ResourceList } from '../../shared/api/core-v1.ts';
import { formatTime } from '../util/time.ts';

export interface NodeFacts {
  hostname: string;
  /** InternalIP ('' = none known). */
  nodeIP: string;
  capacity: ResourceList;
  allocatable: ResourceList;
  nodeInfo: NodeSystemInfo;
  /** The agent's HTTP port (logs/exec later); 0 when it serves none. */
  daemonPort: number;
  /** Reasons the node is not ready ([] = Ready). */
  notReadyReasons: string[];
  memoryPressure: boolean;
  diskPressure: boolean;
  pidPressure: boolean;
  /** Report NetworkUnavailable=False (the pod network of this node is configured). @default true */
  networkAvailable?: boolean;
}

interface CondSpec {
  type: string;
  status: 'True' | 'False';
  reason: string;
  message: string;
}

function conditionSpecs(f: NodeFacts): CondSpec[] {
  const out: CondSpec[] = [];
  if (f.networkAvailable !== false) {
    out.push({ type: 'NetworkUnavailable', status: 'False', reason: 'RouteCreated', message: 'kubelab node agent: pod network is configured' });
  }
  out.push(
    f.memoryPressure
      ? { type: 'MemoryPressure', status: 'True', reason: 'KubeletHasInsufficientMemory', message: 'kubelet has insufficient memory available' }
      : { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available' },
    f.diskPressure
      ? { type: 'DiskPressure', status: 'True', reason: 'KubeletHasDiskPressure', message: 'kubelet has disk pressure' }
      : { type: 'DiskPressure', status: 'False', reason: 'KubeletHasNoDiskPressure', message: 'kubelet has no disk pressure' },
    f.pidPressure
      ? { type: 'PIDPressure', status: 'True', reason: 'KubeletHasInsufficientPID', message: 'kubelet has insufficient PID available' }
      : { type: 'PIDPressure', status: 'False', reason: 'KubeletHasSufficientPID', message: 'kubelet has sufficient PID available' },
    f.notReadyReasons.length === 0
      ? { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' }
      : { type: 'Ready', status: 'False', reason: 'KubeletNotReady', message: f.notReadyReasons.join(', ') },
  );
  return out;
}

/**
 * Builds the desired status. Conditions get lastHeartbeatTime = now; lastTransitionTime stays as in `old`
 * unless the status of that condition changed (or it is new).
 */
export function buildNodeStatus(f: NodeFacts, old: NodeStatus | undefined, now: number): NodeStatus {
  const ts = formatTime(now);
  const oldConds = new Map((old?.conditions ?? []).map((c) => [c.type, c]));
  const conditions: NodeCondition[] = conditionSpecs(f).map((s) => {
    const prev = oldConds.get(s.type);
    const transition = prev && prev.status === s.status && prev.lastTransitionTime ? prev.lastTransitionTime : ts;
    return { type: s.type, status: s.status, lastHeartbeatTime: ts, lastTransitionTime: transition, reason: s.reason, message: s.message };
  });
  // Conditions someone else owns (e.g. set by a controller) are kept.
  const ours = new Set(conditions.map((c) => c.type));
  for (const c of old?.conditions ?? []) if (!ours.has(c.type)) conditions.push(c);
  const addresses: NodeAddress[] = [];
  if (f.nodeIP) addresses.push({ type: 'InternalIP', address: f.nodeIP });
  addresses.push({ type: 'Hostname', address: f.hostname });
  const status: NodeStatus = {
    capacity: { ...f.capacity },
    allocatable: { ...f.allocatable },
    conditions,
    addresses,
    daemonEndpoints: { kubeletEndpoint: { Port: f.daemonPort } },
    nodeInfo: { ...f.nodeInfo },
  };
  if (old?.images) status.images = old.images;
  return status;
}

/** Status without heartbeat times: two statuses that differ only in heartbeats are "unchanged". */
function withoutHeartbeats(s: NodeStatus | undefined): unknown {
  if (!s) return undefined;
  return {
    capacity: s.capacity,
    allocatable: s.allocatable,
    addresses: s.addresses,
    daemonEndpoints: s.daemonEndpoints,
    nodeInfo: s.nodeInfo,
    conditions: (s.conditions ?? []).map((c) => ({ type: c.type, status: c.status, reason: c.reason, message: c.message, lastTransitionTime: c.lastTransitionTime })),
  };
}

/** Normalizes quantities the apiserver may canonicalize ('2' vs 2). */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, val: unknown) => (typeof val === 'number' ? String(val) : val));
}

/** kubelet nodeStatusHasChanged: true when anything but heartbeat times differs. */
export function nodeStatusChanged(a: NodeStatus | undefined, b: NodeStatus | undefined): boolean {
  return canonical(withoutHeartbeats(a)) !== canonical(withoutHeartbeats(b));
}
