import type { KubeObject } from '../../shared/api/meta.ts';
import {
  OBJECT_META_CREATION_TIMESTAMP,
  OBJECT_META_NAME,
  POD_SPEC_NODE_NAME,
  POD_SPEC_READINESS_GATES,
  POD_STATUS_NOMINATED_NODE_NAME,
  POD_STATUS_POD_IP,
} from './column-descriptions.ts';
import { humanDuration, parseTimestamp, translateTimestampSince } from './human-duration.ts';
import { column, type PrintedRow, type ResourcePrinter, type TableRowCondition } from './table.ts';

/**
 * `kubectl get pods` as kube-apiserver prints it: printPod in pkg/printers/internalversion/printers.go
 * (1.32), ported line by line in behaviour. Reads the v1 JSON of a Pod; v1-only field names (lastState,
 * podIPs[].ip) replace the internal ones (LastTerminationState, PodIPs[].IP).
 */

interface ContainerState {
  waiting?: { reason?: string } | null;
  running?: object | null;
  terminated?: { exitCode?: number; signal?: number; reason?: string; finishedAt?: string | null } | null;
}

interface ContainerStatus {
  name?: string;
  state?: ContainerState;
  lastState?: ContainerState;
  ready?: boolean;
  restartCount?: number;
  started?: boolean | null;
}

interface PodCondition {
  type?: string;
  status?: string;
  reason?: string;
}

interface PodSpecLike {
  containers?: unknown[];
  initContainers?: { name?: string; restartPolicy?: string }[];
  nodeName?: string;
  readinessGates?: { conditionType?: string }[];
}

interface PodStatusLike {
  phase?: string;
  reason?: string;
  conditions?: PodCondition[];
  initContainerStatuses?: ContainerStatus[];
  containerStatuses?: ContainerStatus[];
  podIP?: string;
  podIPs?: { ip?: string }[];
  nominatedNodeName?: string;
}

export const POD_COLUMNS = [
  column('Name', 'string', OBJECT_META_NAME, { format: 'name' }),
  column('Ready', 'string', 'The aggregate readiness state of this pod for accepting traffic.'),
  column('Status', 'string', 'The aggregate status of the containers in this pod.'),
  column(
    'Restarts',
    'string',
    'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.',
  ),
  column('Age', 'string', OBJECT_META_CREATION_TIMESTAMP),
  column('IP', 'string', POD_STATUS_POD_IP, { priority: 1 }),
  column('Node', 'string', POD_SPEC_NODE_NAME, { priority: 1 }),
  column('Nominated Node', 'string', POD_STATUS_NOMINATED_NODE_NAME, { priority: 1 }),
  column('Readiness Gates', 'string', POD_SPEC_READINESS_GATES, { priority: 1 }),
] as const;

const POD_SUCCEEDED_CONDITIONS: TableRowCondition[] = [
  { type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' },
];
const POD_FAILED_CONDITIONS: TableRowCondition[] = [{ type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' }];

/** k8s.io/kubernetes/pkg/util/node.NodeUnreachablePodReason. */
const NODE_UNREACHABLE_POD_REASON = 'NodeLost';

/** podutil.IsRestartableInitContainer: a sidecar is an init container with restartPolicy Always. */
function isRestartableInitContainer(c: { restartPolicy?: string } | undefined): boolean {
  return c?.restartPolicy === 'Always';
}

function hasPodReadyCondition(conditions: PodCondition[]): boolean {
  return conditions.some((c) => c.type === 'Ready' && c.status === 'True');
}

/** isPodInitializedConditionTrue: the first Initialized condition decides. */
function isPodInitializedConditionTrue(conditions: PodCondition[]): boolean {
  const c = conditions.find((x) => x.type === 'Initialized');
  return c !== undefined && c.status === 'True';
}

/** The later of a running maximum and a container's last termination time (Go: Time.Before). */
function laterRestart(current: number | undefined, status: ContainerStatus): number | undefined {
  const finished = parseTimestamp(status.lastState?.terminated?.finishedAt);
  if (finished === undefined) return current;
  return current === undefined || current < finished ? finished : current;
}

export interface PodSummary {
  ready: string;
  status: string;
  restarts: string;
}

/** The READY, STATUS and RESTARTS cells of a pod. Exported for describe-like callers and tests. */
export function summarizePod(pod: KubeObject, now: number): PodSummary {
  const spec = (pod.spec ?? {}) as PodSpecLike;
  const status = (pod.status ?? {}) as PodStatusLike;
  const conditions = status.conditions ?? [];
  const initSpecs = spec.initContainers ?? [];

  let restarts = 0;
  let restartableInitContainerRestarts = 0;
  let totalContainers = (spec.containers ?? []).length;
  let readyContainers = 0;
  let lastRestartDate: number | undefined;
  let lastRestartableInitContainerRestartDate: number | undefined;

  const podPhase = status.phase ?? '';
  let reason = podPhase;
  if (status.reason) reason = status.reason;

  // {type: PodScheduled, reason: SchedulingGated} wins over the phase.
  for (const c of conditions) {
    if (c.type === 'PodScheduled' && c.reason === 'SchedulingGated') reason = 'SchedulingGated';
  }

  const initContainers = new Map<string, { restartPolicy?: string }>();
  for (const c of initSpecs) {
    initContainers.set(c.name ?? '', c);
    if (isRestartableInitContainer(c)) totalContainers++;
  }

  let initializing = false;
  const initStatuses = status.initContainerStatuses ?? [];
  for (let i = 0; i < initStatuses.length; i++) {
    const container = initStatuses[i]!;
    restarts += container.restartCount ?? 0;
    lastRestartDate = laterRestart(lastRestartDate, container);
    const restartable = isRestartableInitContainer(initContainers.get(container.name ?? ''));
    if (restartable) {
      restartableInitContainerRestarts += container.restartCount ?? 0;
      lastRestartableInitContainerRestartDate = laterRestart(lastRestartableInitContainerRestartDate, container);
    }
    const terminated = container.state?.terminated ?? undefined;
    const waiting = container.state?.waiting ?? undefined;
    if (terminated && (terminated.exitCode ?? 0) === 0) {
      continue;
    } else if (restartable && container.started === true) {
      if (container.ready) readyContainers++;
      continue;
    } else if (terminated) {
      // initialization failed
      if (!terminated.reason) {
        reason = terminated.signal ? `Init:Signal:${terminated.signal}` : `Init:ExitCode:${terminated.exitCode ?? 0}`;
      } else {
        reason = `Init:${terminated.reason}`;
      }
      initializing = true;
    } else if (waiting && waiting.reason && waiting.reason !== 'PodInitializing') {
      reason = `Init:${waiting.reason}`;
      initializing = true;
    } else {
      reason = `Init:${i}/${initSpecs.length}`;
      initializing = true;
    }
    break;
  }

  if (!initializing || isPodInitializedConditionTrue(conditions)) {
    restarts = restartableInitContainerRestarts;
    lastRestartDate = lastRestartableInitContainerRestartDate;
    let hasRunning = false;
    const statuses = status.containerStatuses ?? [];
    // Last to first: the first container's state ends up deciding the reason.
    for (let i = statuses.length - 1; i >= 0; i--) {
      const container = statuses[i]!;
      restarts += container.restartCount ?? 0;
      lastRestartDate = laterRestart(lastRestartDate, container);
      const waiting = container.state?.waiting ?? undefined;
      const terminated = container.state?.terminated ?? undefined;
      if (waiting && waiting.reason) {
        reason = waiting.reason;
      } else if (terminated && terminated.reason) {
        reason = terminated.reason;
      } else if (terminated) {
        reason = terminated.signal ? `Signal:${terminated.signal}` : `ExitCode:${terminated.exitCode ?? 0}`;
      } else if (container.ready && container.state?.running) {
        hasRunning = true;
        readyContainers++;
      }
    }

    // A "Completed" container next to one still running: the pod is still Running (or NotReady).
    if (reason === 'Completed' && hasRunning) {
      reason = hasPodReadyCondition(conditions) ? 'Running' : 'NotReady';
    }
  }

  const deleting = pod.metadata.deletionTimestamp !== undefined && pod.metadata.deletionTimestamp !== null;
  if (deleting && status.reason === NODE_UNREACHABLE_POD_REASON) {
    reason = 'Unknown';
  } else if (deleting && podPhase !== 'Succeeded' && podPhase !== 'Failed') {
    reason = 'Terminating';
  }

  let restartsStr = String(restarts);
  if (restarts !== 0 && lastRestartDate !== undefined) {
    restartsStr = `${restarts} (${humanDuration(now - lastRestartDate)} ago)`;
  }

  return { ready: `${readyContainers}/${totalContainers}`, status: reason, restarts: restartsStr };
}

function printPod(pod: KubeObject, now: number): PrintedRow {
  const spec = (pod.spec ?? {}) as PodSpecLike;
  const status = (pod.status ?? {}) as PodStatusLike;
  const summary = summarizePod(pod, now);

  // The internal type only has PodIPs; v1->internal conversion fills it from podIP when podIPs is empty.
  let podIP = status.podIPs?.[0]?.ip ?? '';
  if (!status.podIPs?.length && status.podIP) podIP = status.podIP;
  const nodeName = spec.nodeName || '<none>';
  const nominatedNodeName = status.nominatedNodeName || '<none>';

  let readinessGates = '<none>';
  const gates = spec.readinessGates ?? [];
  if (gates.length > 0) {
    let trueConditions = 0;
    for (const gate of gates) {
      const c = (status.conditions ?? []).find((x) => x.type === gate.conditionType);
      if (c && c.status === 'True') trueConditions++;
    }
    readinessGates = `${trueConditions}/${gates.length}`;
  }

  const row: PrintedRow = {
    cells: [
      pod.metadata.name ?? '',
      summary.ready,
      summary.status,
      summary.restarts,
      translateTimestampSince(pod.metadata.creationTimestamp, now),
      podIP || '<none>',
      nodeName,
      nominatedNodeName,
      readinessGates,
    ],
  };
  if (status.phase === 'Succeeded') row.conditions = POD_SUCCEEDED_CONDITIONS.map((c) => ({ ...c }));
  else if (status.phase === 'Failed') row.conditions = POD_FAILED_CONDITIONS.map((c) => ({ ...c }));
  return row;
}

export const podPrinter: ResourcePrinter = { columns: POD_COLUMNS, print: printPod };
