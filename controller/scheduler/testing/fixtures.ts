/**
 * Builders for scheduler tests: pods, nodes, NodeInfos, and one-call runners for a plugin's extension points.
 */
import type { Affinity, Container, ContainerPort, Node, Pod, PodPhase, Taint, Toleration } from '../../../shared/api/core-v1.ts';
import { CycleState, isFilterPlugin, isPreFilterPlugin, isPreScorePlugin, isScorePlugin, SKIP, SUCCESS, type Plugin, type Status } from '../framework/interface.ts';
import { newPodInfo, NodeInfo } from '../framework/node-info.ts';

let uidSeq = 0;

export interface PodOptions {
  namespace?: string;
  uid?: string;
  /** Requests of a single app container (ignored when `containers` is given). */
  cpu?: string;
  memory?: string;
  containers?: Container[];
  initContainers?: Container[];
  overhead?: Record<string, string>;
  nodeName?: string;
  labels?: Record<string, string>;
  nodeSelector?: Record<string, string>;
  affinity?: Affinity;
  tolerations?: Toleration[];
  hostPorts?: (number | Partial<ContainerPort>)[];
  priority?: number;
  schedulerName?: string;
  phase?: PodPhase;
  creationTimestamp?: string;
}

export function makePod(name: string, o: PodOptions = {}): Pod {
  const requests: Record<string, string> = {};
  if (o.cpu) requests['cpu'] = o.cpu;
  if (o.memory) requests['memory'] = o.memory;
  const ports: ContainerPort[] = (o.hostPorts ?? []).map((p) =>
    typeof p === 'number' ? { containerPort: p, hostPort: p } : { containerPort: p.containerPort ?? p.hostPort ?? 0, ...p },
  );
  const containers: Container[] = o.containers ?? [
    { name: 'app', image: 'busybox', ...(Object.keys(requests).length ? { resources: { requests } } : {}), ...(ports.length ? { ports } : {}) },
  ];
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: o.namespace ?? 'default', uid: o.uid ?? `uid-${name}-${++uidSeq}`, ...(o.labels ? { labels: o.labels } : {}) },
    spec: { containers, schedulerName: o.schedulerName ?? 'default-scheduler' },
    status: { phase: o.phase ?? 'Pending' },
  };
  if (o.creationTimestamp) pod.metadata.creationTimestamp = o.creationTimestamp;
  if (o.initContainers) pod.spec.initContainers = o.initContainers;
  if (o.overhead) pod.spec.overhead = o.overhead;
  if (o.nodeName) pod.spec.nodeName = o.nodeName;
  if (o.nodeSelector) pod.spec.nodeSelector = o.nodeSelector;
  if (o.affinity) pod.spec.affinity = o.affinity;
  if (o.tolerations) pod.spec.tolerations = o.tolerations;
  if (o.priority !== undefined) pod.spec.priority = o.priority;
  return pod;
}

export interface NodeOptions {
  cpu?: string;
  memory?: string;
  pods?: string | number;
  ephemeralStorage?: string;
  extra?: Record<string, string>;
  labels?: Record<string, string>;
  taints?: Taint[];
  unschedulable?: boolean;
  /** Ready condition status; undefined = no conditions at all. @default 'True' */
  ready?: 'True' | 'False' | 'Unknown' | null;
}

export function makeNode(name: string, o: NodeOptions = {}): Node {
  const allocatable: Record<string, string | number> = { cpu: o.cpu ?? '4', memory: o.memory ?? '8Gi', pods: o.pods ?? '110', ...(o.extra ?? {}) };
  if (o.ephemeralStorage) allocatable['ephemeral-storage'] = o.ephemeralStorage;
  const node: Node = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, uid: `node-uid-${name}`, labels: { 'kubernetes.io/hostname': name, ...(o.labels ?? {}) } },
    spec: {},
    status: { capacity: { ...allocatable }, allocatable },
  };
  if (o.taints) node.spec!.taints = o.taints;
  if (o.unschedulable) node.spec!.unschedulable = true;
  const ready = o.ready === undefined ? 'True' : o.ready;
  if (ready !== null) node.status!.conditions = [{ type: 'Ready', status: ready, reason: 'KubeletReady' }];
  return node;
}

export function nodeInfoOf(node: Node, pods: Pod[] = []): NodeInfo {
  const ni = new NodeInfo(node.metadata.name ?? '');
  ni.setNode(node);
  for (const p of pods) ni.addPod(newPodInfo({ ...p, spec: { ...p.spec, nodeName: node.metadata.name ?? '' } }));
  return ni;
}

/** PreFilter (if any) then Filter, as a cycle would; a PreFilter Skip yields SUCCESS. */
export function runFilter(plugin: Plugin, pod: Pod, ni: NodeInfo, state = new CycleState()): Status {
  if (isPreFilterPlugin(plugin)) {
    const s = plugin.preFilter(state, pod);
    if (s === SKIP) return SUCCESS;
    if (s !== SUCCESS) return s;
  }
  if (!isFilterPlugin(plugin)) throw new Error(`${plugin.name} has no Filter`);
  return plugin.filter(state, pod, ni);
}

/** PreScore, Score on each node, NormalizeScore: the normalized (unweighted) scores. */
export function runScore(plugin: Plugin, pod: Pod, nodes: NodeInfo[], allNodes: NodeInfo[] = nodes): number[] {
  if (!isScorePlugin(plugin)) throw new Error(`${plugin.name} has no Score`);
  const state = new CycleState();
  if (isPreScorePlugin(plugin)) {
    const s = plugin.preScore(state, pod, nodes, allNodes);
    if (s === SKIP) return nodes.map(() => 0);
  }
  const scores = new Float64Array(nodes.length);
  nodes.forEach((ni, i) => (scores[i] = plugin.score(state, pod, ni)));
  plugin.normalizeScores?.(state, pod, scores, nodes);
  return [...scores];
}

/** Raw scores (before NormalizeScore). */
export function runRawScore(plugin: Plugin, pod: Pod, nodes: NodeInfo[], allNodes: NodeInfo[] = nodes): number[] {
  if (!isScorePlugin(plugin)) throw new Error(`${plugin.name} has no Score`);
  const state = new CycleState();
  if (isPreScorePlugin(plugin)) plugin.preScore(state, pod, nodes, allNodes);
  return nodes.map((ni) => plugin.score(state, pod, ni));
}

export function container(name: string, requests: Record<string, string> = {}, extra: Partial<Container> = {}): Container {
  return { name, image: 'busybox', ...(Object.keys(requests).length ? { resources: { requests } } : {}), ...extra };
}
