/**
 * What the cluster page shows of pods and nodes, derived from the API objects: a pod's STATUS, READY and
 * RESTARTS as `kubectl get pods` prints them (the apiserver's own port of printPod, apiserver/printers/, which is
 * DOM-free and bundles as is), its containers' states; a node's STATUS/ROLES as `kubectl get nodes` prints them,
 * pod CIDR, capacity and allocatable. Pure functions, so the rows are tested without a DOM.
 */
import { findNodeRoles, nodeStatus } from '../../../apiserver/printers/node-printer.ts';
import { summarizePod } from '../../../apiserver/printers/pod-printer.ts';
import type { ContainerStatus, Node, Pod } from './kube-types.ts';

export type ContainerKind = 'init' | 'sidecar' | 'app' | 'ephemeral';

export interface ContainerBadge {
  name: string;
  kind: ContainerKind;
  /** waiting / running / terminated, or unknown before the first status. */
  state: 'waiting' | 'running' | 'terminated' | 'unknown';
  /** The waiting/terminated reason (CrashLoopBackOff, Completed, ...). */
  reason?: string;
  ready: boolean;
  restarts: number;
}

export interface PodRow {
  key: string;
  namespace: string;
  name: string;
  /** spec.nodeName; '' when not scheduled. */
  node: string;
  /** status.phase as the API says (Pending, Running, Succeeded, Failed, Unknown). */
  phase: string;
  /** kubectl's STATUS column. */
  status: string;
  /** READY: "ready/total" over app containers and started sidecars. */
  ready: string;
  allReady: boolean;
  restarts: number;
  containers: ContainerBadge[];
  podIP?: string;
  createdAt?: string;
}

export function podRow(pod: Pod): PodRow {
  const ns = pod.metadata.namespace ?? '';
  const name = pod.metadata.name ?? '';
  const spec = pod.spec;
  const status = pod.status ?? {};
  // READY, STATUS and RESTARTS exactly as `kubectl get pods` prints them (the apiserver's table printer).
  const summary = summarizePod(pod, Date.now());
  const [readyCount, total] = summary.ready.split('/').map((n) => Number(n));
  const sidecars = new Set((spec.initContainers ?? []).filter((c) => c.restartPolicy === 'Always').map((c) => c.name));
  const byName = (list: ContainerStatus[] | undefined) => new Map((list ?? []).map((s) => [s.name, s]));
  const initByName = byName(status.initContainerStatuses);
  const appByName = byName(status.containerStatuses);
  const ephByName = byName(status.ephemeralContainerStatuses);
  const containers: ContainerBadge[] = [
    ...(spec.initContainers ?? []).map((c) => badge(c.name, sidecars.has(c.name) ? 'sidecar' : 'init', initByName.get(c.name))),
    ...spec.containers.map((c) => badge(c.name, 'app', appByName.get(c.name))),
    ...(spec.ephemeralContainers ?? []).map((c) => badge(c.name, 'ephemeral', ephByName.get(c.name))),
  ];
  return {
    key: `${ns}/${name}`,
    namespace: ns,
    name,
    node: spec.nodeName ?? '',
    phase: status.phase ?? 'Pending',
    status: summary.status || status.phase || 'Pending',
    ready: summary.ready,
    allReady: total !== undefined && total > 0 && readyCount === total,
    // "3 (5m ago)": the count only (the row is cached per object; an age would go stale).
    restarts: Number.parseInt(summary.restarts, 10) || 0,
    containers,
    ...(status.podIP ? { podIP: status.podIP } : {}),
    ...(pod.metadata.creationTimestamp ? { createdAt: pod.metadata.creationTimestamp } : {}),
  };
}

function badge(name: string, kind: ContainerKind, cs: ContainerStatus | undefined): ContainerBadge {
  if (!cs) return { name, kind, state: 'unknown', ready: false, restarts: 0 };
  const s = cs.state ?? {};
  const state = s.running ? 'running' : s.terminated ? 'terminated' : s.waiting ? 'waiting' : 'unknown';
  const reason = s.waiting?.reason ?? s.terminated?.reason;
  return { name, kind, state, ...(reason ? { reason } : {}), ready: cs.ready, restarts: cs.restartCount };
}

export interface NodeRow {
  name: string;
  /** kubectl's STATUS: Ready / NotReady (Unknown without a Ready condition), ",SchedulingDisabled" when cordoned. */
  status: string;
  ready: boolean;
  /** kubectl's ROLES (node-role.kubernetes.io/<role> and kubernetes.io/role labels), `<none>` when none. */
  roles: string;
  podCIDR: string;
  capacity: { cpu: string; memory: string; pods: string };
  allocatable: { cpu: string; memory: string; pods: string };
  version: string;
  internalIP: string;
}

export function nodeRow(node: Node): NodeRow {
  const readyCond = node.status?.conditions?.findLast((c) => c.type === 'Ready');
  const roles = findNodeRoles(node);
  const res = (list: Record<string, string> | undefined) => ({
    cpu: list?.['cpu'] ?? '',
    memory: list?.['memory'] ?? '',
    pods: list?.['pods'] ?? '',
  });
  return {
    name: node.metadata.name ?? '',
    status: nodeStatus(node),
    ready: readyCond?.status === 'True',
    roles: roles.length ? roles.join(',') : '<none>',
    podCIDR: node.spec?.podCIDR ?? node.spec?.podCIDRs?.[0] ?? '',
    capacity: res(node.status?.capacity as Record<string, string> | undefined),
    allocatable: res(node.status?.allocatable as Record<string, string> | undefined),
    version: node.status?.nodeInfo?.kubeletVersion ?? '',
    internalIP: node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address ?? '',
  };
}

export interface PodFilter {
  /** '' = every namespace. */
  namespace: string;
  /** Case-insensitive substring of namespace/name, node, status or a container's name. */
  text: string;
}

export function matchesFilter(row: PodRow, filter: PodFilter): boolean {
  if (filter.namespace && row.namespace !== filter.namespace) return false;
  const text = filter.text.trim().toLowerCase();
  if (!text) return true;
  if (row.key.toLowerCase().includes(text)) return true;
  if (row.node.toLowerCase().includes(text)) return true;
  if (row.status.toLowerCase().includes(text)) return true;
  return row.containers.some((c) => c.name.toLowerCase().includes(text));
}

export interface NodeGroup {
  /** The node's name; '' for the unscheduled pods. */
  name: string;
  /** The Node object's row; absent for pods bound to a node the list has not (yet) got. */
  node?: NodeRow;
  pods: PodRow[];
}

export interface ClusterView {
  nodes: NodeGroup[];
  unscheduled: PodRow[];
  namespaces: string[];
  totalPods: number;
  shownPods: number;
}

const byKey = (a: PodRow, b: PodRow) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/**
 * Nodes (sorted by name) each with its pods (sorted by namespace/name) after the filter; unscheduled pods apart.
 * Every node is listed even when the filter leaves it no pods. `rowOf` lets the caller cache rows per object.
 */
export function clusterView(nodes: readonly Node[], pods: readonly Pod[], filter: PodFilter, rowOf: (p: Pod) => PodRow = podRow): ClusterView {
  const groups = new Map<string, NodeGroup>();
  for (const n of nodes) {
    const row = nodeRow(n);
    groups.set(row.name, { name: row.name, node: row, pods: [] });
  }
  const unscheduled: PodRow[] = [];
  const namespaces = new Set<string>();
  let shown = 0;
  for (const p of pods) {
    const row = rowOf(p);
    namespaces.add(row.namespace);
    if (!matchesFilter(row, filter)) continue;
    shown++;
    if (!row.node) {
      unscheduled.push(row);
      continue;
    }
    let g = groups.get(row.node);
    if (!g) {
      g = { name: row.node, pods: [] };
      groups.set(row.node, g);
    }
    g.pods.push(row);
  }
  for (const g of groups.values()) g.pods.sort(byKey);
  unscheduled.sort(byKey);
  return {
    nodes: [...groups.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    unscheduled,
    namespaces: [...namespaces].sort(),
    totalPods: pods.length,
    shownPods: shown,
  };
}
