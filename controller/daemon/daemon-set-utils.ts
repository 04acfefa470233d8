/**
 * Pure DaemonSet logic (pkg/controller/daemon/util/daemonset_util.go and the predicates of
 * daemon_controller.go): where a daemon pod should run, the tolerations every daemon pod gets, the node
 * affinity that pins it to its node, and whether a pod runs the current template.
 */
import {
  CONTROLLER_REVISION_HASH_LABEL_KEY,
  DAEMONSET_TEMPLATE_GENERATION_KEY,
  type DaemonSet,
} from '../../shared/api/apps-v1.ts';
import type { Affinity, Node, Pod, PodSpec, PodTemplateSpec, Taint, Toleration } from '../../shared/api/core-v1.ts';
import { getScaledValueFromIntOrPercent } from '../../shared/api/int-or-string.ts';
import { toleratesTaint } from '../framework/taints.ts';
import { RequiredNodeAffinity } from '../scheduler/plugins/node-affinity.ts';

/** The annotation the API server keeps the template generation in (extensions' DaemonSetTemplateGeneration). */
export const DEPRECATED_TEMPLATE_GENERATION_ANNOTATION = 'deprecated.daemonset.template.generation';

export const TAINT_NODE_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_NODE_UNREACHABLE = 'node.kubernetes.io/unreachable';
export const TAINT_NODE_DISK_PRESSURE = 'node.kubernetes.io/disk-pressure';
export const TAINT_NODE_MEMORY_PRESSURE = 'node.kubernetes.io/memory-pressure';
export const TAINT_NODE_PID_PRESSURE = 'node.kubernetes.io/pid-pressure';
export const TAINT_NODE_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';
export const TAINT_NODE_NETWORK_UNAVAILABLE = 'node.kubernetes.io/network-unavailable';

/** toleration.MatchToleration: same key, operator, value and effect. */
function sameToleration(a: Toleration, b: Toleration): boolean {
  return (a.key ?? '') === (b.key ?? '') && (a.operator ?? 'Equal') === (b.operator ?? 'Equal') && (a.value ?? '') === (b.value ?? '') && (a.effect ?? '') === (b.effect ?? '');
}

/** AddOrUpdateTolerationInPodSpec: replaces an equal toleration, else appends. */
function addOrUpdateToleration(spec: PodSpec, t: Toleration): void {
  const list = spec.tolerations ?? [];
  const i = list.findIndex((x) => sameToleration(x, t));
  if (i >= 0) list[i] = t;
  else list.push(t);
  spec.tolerations = list;
}

/**
 * AddOrUpdateDaemonPodTolerations: daemon pods tolerate not-ready and unreachable (NoExecute, forever),
 * disk-, memory- and pid-pressure and unschedulable (NoSchedule), and network-unavailable with hostNetwork.
 */
export function addOrUpdateDaemonPodTolerations(spec: PodSpec): void {
  addOrUpdateToleration(spec, { key: TAINT_NODE_NOT_READY, operator: 'Exists', effect: 'NoExecute' });
  addOrUpdateToleration(spec, { key: TAINT_NODE_UNREACHABLE, operator: 'Exists', effect: 'NoExecute' });
  addOrUpdateToleration(spec, { key: TAINT_NODE_DISK_PRESSURE, operator: 'Exists', effect: 'NoSchedule' });
  addOrUpdateToleration(spec, { key: TAINT_NODE_MEMORY_PRESSURE, operator: 'Exists', effect: 'NoSchedule' });
  addOrUpdateToleration(spec, { key: TAINT_NODE_PID_PRESSURE, operator: 'Exists', effect: 'NoSchedule' });
  addOrUpdateToleration(spec, { key: TAINT_NODE_UNSCHEDULABLE, operator: 'Exists', effect: 'NoSchedule' });
  if (spec.hostNetwork) addOrUpdateToleration(spec, { key: TAINT_NODE_NETWORK_UNAVAILABLE, operator: 'Exists', effect: 'NoSchedule' });
}

/** NewPod: the pod the DaemonSet would put on nodeName, for the predicates. */
export function newDaemonPod(ds: DaemonSet, nodeName: string): Pod {
  const template = ds.spec.template;
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { ...structuredClone(template.metadata ?? {}), namespace: ds.metadata.namespace ?? '' },
    spec: structuredClone(template.spec ?? { containers: [] }),
  };
  pod.spec.nodeName = nodeName;
  addOrUpdateDaemonPodTolerations(pod.spec);
  return pod;
}

/** v1helper.FindMatchingUntoleratedTaint over the taints `filter` keeps. */
export function findUntoleratedTaint(taints: readonly Taint[], tolerations: readonly Toleration[], filter: (t: Taint) => boolean): Taint | undefined {
  return taints.filter(filter).find((taint) => !tolerations.some((t) => toleratesTaint(t, taint)));
}

/**
 * NodeShouldRunDaemonPod: `shouldRun` (a pod should be created there) and `shouldContinueRunning` (an
 * existing pod may stay). Node name and node affinity/selector must fit; a NoSchedule/NoExecute taint the pod
 * does not tolerate stops new pods, and only an untolerated NoExecute taint evicts running ones.
 */
export function nodeShouldRunDaemonPod(node: Node, ds: DaemonSet): { shouldRun: boolean; shouldContinueRunning: boolean } {
  const name = node.metadata.name ?? '';
  const templateNodeName = ds.spec.template.spec?.nodeName;
  if (templateNodeName && templateNodeName !== name) return { shouldRun: false, shouldContinueRunning: false };
  const pod = newDaemonPod(ds, name);
  if (!new RequiredNodeAffinity(pod).match(node.metadata.labels ?? {}, name)) return { shouldRun: false, shouldContinueRunning: false };
  const taints = node.spec?.taints ?? [];
  const tolerations = pod.spec.tolerations ?? [];
  const fitsTaints = !findUntoleratedTaint(taints, tolerations, (t) => t.effect === 'NoExecute' || t.effect === 'NoSchedule');
  if (!fitsTaints) {
    const evicting = findUntoleratedTaint(taints, tolerations, (t) => t.effect === 'NoExecute');
    return { shouldRun: false, shouldContinueRunning: !evicting };
  }
  return { shouldRun: true, shouldContinueRunning: true };
}

/**
 * ReplaceDaemonSetPodNodeNameNodeAffinity: the required node affinity becomes the single term
 * `matchFields: metadata.name In [nodeName]` (the node's labels were already checked by the controller), so
 * the default scheduler binds the pod to that node.
 */
export function replaceDaemonSetPodNodeNameNodeAffinity(affinity: Affinity | undefined, nodeName: string): Affinity {
  const selector = { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In' as const, values: [nodeName] }] }] };
  const out: Affinity = structuredClone(affinity ?? {});
  out.nodeAffinity = { ...(out.nodeAffinity ?? {}), requiredDuringSchedulingIgnoredDuringExecution: selector };
  return out;
}

/**
 * GetTargetNodeName: spec.nodeName once bound, else the single node a `metadata.name In [x]` matchFields
 * term pins; undefined when neither says.
 */
export function getTargetNodeName(pod: Pod): string | undefined {
  if (pod.spec.nodeName) return pod.spec.nodeName;
  const terms = pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  for (const term of terms) {
    for (const r of term.matchFields ?? []) {
      if (r.key === 'metadata.name' && r.operator === 'In' && r.values?.length === 1) return r.values[0];
    }
  }
  return undefined;
}

/** GetTemplateGeneration: the deprecated.daemonset.template.generation annotation, else metadata.generation. */
export function templateGeneration(ds: DaemonSet): number | undefined {
  const a = ds.metadata.annotations?.[DEPRECATED_TEMPLATE_GENERATION_ANNOTATION];
  if (a !== undefined && /^[0-9]+$/.test(a)) return Number(a);
  return ds.metadata.generation;
}

/** IsPodUpdated: the pod carries the current hash, or the current template generation. */
export function isPodUpdated(pod: Pod, hash: string, generation: number | undefined): boolean {
  const labels = pod.metadata.labels ?? {};
  const templateMatches = generation !== undefined && labels[DAEMONSET_TEMPLATE_GENERATION_KEY] === String(generation);
  const hashMatches = hash.length > 0 && labels[CONTROLLER_REVISION_HASH_LABEL_KEY] === hash;
  return hashMatches || templateMatches;
}

/** CreatePodTemplate: the template plus pod-template-generation, controller-revision-hash and the daemon tolerations. */
export function createPodTemplate(template: PodTemplateSpec, generation: number | undefined, hash: string): PodTemplateSpec {
  const t = structuredClone(template);
  t.metadata = { ...(t.metadata ?? {}) };
  t.metadata.labels = { ...(t.metadata.labels ?? {}) };
  if (generation !== undefined) t.metadata.labels[DAEMONSET_TEMPLATE_GENERATION_KEY] = String(generation);
  if (hash) t.metadata.labels[CONTROLLER_REVISION_HASH_LABEL_KEY] = hash;
  t.spec = t.spec ?? { containers: [] };
  addOrUpdateDaemonPodTolerations(t.spec);
  return t;
}

/**
 * intstr.GetScaledValueFromIntOrPercent with round-up (UnavailableCount / SurgeCount); fallback when unset or
 * not a valid int or percent (validation refuses those).
 */
function scaledValue(v: number | string | undefined, total: number, fallback: number): number {
  if (v === undefined) return fallback;
  try {
    return getScaledValueFromIntOrPercent(v, total, true);
  } catch {
    return fallback;
  }
}

/** maxSurge and maxUnavailable for a rolling update over `desired` nodes (updatedDesiredNodeCounts). */
export function surgeAndUnavailable(ds: DaemonSet, desired: number): { maxSurge: number; maxUnavailable: number } {
  const ru = ds.spec.updateStrategy?.rollingUpdate;
  let maxUnavailable = scaledValue(ru?.maxUnavailable, desired, 1);
  const maxSurge = scaledValue(ru?.maxSurge, desired, 0);
  if (maxUnavailable === 0 && maxSurge === 0) maxUnavailable = 1;
  return { maxSurge, maxUnavailable };
}

/** AllowsSurge: a rolling update with a non-zero maxSurge. */
export function allowsSurge(ds: DaemonSet): boolean {
  if ((ds.spec.updateStrategy?.type ?? 'RollingUpdate') !== 'RollingUpdate') return false;
  const s = ds.spec.updateStrategy?.rollingUpdate?.maxSurge;
  return s !== undefined && s !== 0 && s !== '0' && s !== '0%';
}

/** podByCreationTimestampAndPhase: bound pods first, then oldest first, then by name. */
export function compareDaemonPods(a: Pod, b: Pod): number {
  const ab = Boolean(a.spec.nodeName);
  const bb = Boolean(b.spec.nodeName);
  if (ab !== bb) return ab ? -1 : 1;
  const ta = a.metadata.creationTimestamp ?? '';
  const tb = b.metadata.creationTimestamp ?? '';
  if (ta !== tb) return ta < tb ? -1 : 1;
  const na = a.metadata.name ?? '';
  const nb = b.metadata.name ?? '';
  return na < nb ? -1 : na > nb ? 1 : 0;
}
