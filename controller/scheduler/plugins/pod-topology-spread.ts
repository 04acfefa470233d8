/**
 * PodTopologySpread, scoring half (kube-scheduler plugins/podtopologyspread/scoring.go): kube 1.32's default
 * spreading. Nodes (and zones) that already run more pods "of the same kind" score lower.
 *
 * Constraints scored:
 * - the pod's own topologySpreadConstraints with whenUnsatisfiable: ScheduleAnyway (labelSelector plus
 *   matchLabelKeys); nodes lacking one of their topology keys are ignored (score 0);
 * - otherwise the system defaults, `kubernetes.io/hostname` maxSkew 3 and `topology.kubernetes.io/zone`
 *   maxSkew 5, with the pod's default selector. Upstream builds that selector from the Services,
 *   ReplicationControllers, ReplicaSets and StatefulSets selecting the pod; kubelab has no informers for those
 *   in the scheduler, so the default is the pod's own label set (minus the per-replica StatefulSet labels):
 *   pods of one ReplicaSet carry identical labels, which is what that selector selects. Inject
 *   `defaultSelector` to change it. A pod without labels gets no default spreading (as a bare pod upstream).
 *
 * Score per node = Σ over constraints of (matching pods in the node's domain × ln(domains + 2) + maxSkew - 1),
 * rounded; NormalizeScore maps it to 100 × (max + min - s) / max. Matching pods: same namespace, not
 * terminating, selector matches (an empty selector counts nothing).
 *
 * Deviations (documented): the DoNotSchedule half (the Filter) is not implemented — pods with only
 * DoNotSchedule constraints are not spread; a node without the `kubernetes.io/hostname` label is treated as
 * labelled with its name (kubelet always sets it; kubelab's node agent may not); pods on nodes without a zone
 * label are not counted into the "" zone bucket (only a node explicitly labelled with an empty zone reads it).
 */
import type { Pod, TopologySpreadConstraint } from '../../../shared/api/core-v1.ts';
import { isEverything, labelSelectorFromMeta, matches, type LabelSelector } from '../../../shared/api/labels.ts';
import { MAX_NODE_SCORE, SKIP, SUCCESS, type CycleState, type PreScorePlugin, type ScorePlugin, type Status } from '../framework/interface.ts';
import type { NodeInfo } from '../framework/node-info.ts';
import { findUntoleratedHardTaint } from './_helpers.ts';
import { RequiredNodeAffinity } from './node-affinity.ts';

export const POD_TOPOLOGY_SPREAD = 'PodTopologySpread';
export const LABEL_HOSTNAME = 'kubernetes.io/hostname';
export const LABEL_TOPOLOGY_ZONE = 'topology.kubernetes.io/zone';
const PRE_SCORE_KEY = 'PreScore' + POD_TOPOLOGY_SPREAD;

/** Labels that differ between replicas of one workload and so must not be part of the default selector. */
const PER_REPLICA_LABELS = new Set(['statefulset.kubernetes.io/pod-name', 'apps.kubernetes.io/pod-index']);

/** The default selector: the pod's labels (minus per-replica ones) as an equality selector. */
export function podLabelsSelector(pod: Pod): LabelSelector | undefined {
  const labels = pod.metadata.labels;
  if (!labels) return undefined;
  const requirements = Object.keys(labels)
    .filter((k) => !PER_REPLICA_LABELS.has(k))
    .sort()
    .map((key) => ({ key, operator: '=' as const, values: [labels[key]!] }));
  return requirements.length > 0 ? { requirements } : undefined;
}

interface Constraint {
  maxSkew: number;
  topologyKey: string;
  selector: LabelSelector;
  honorAffinity: boolean;
  honorTaints: boolean;
}

interface PreScoreState {
  constraints: Constraint[];
  /** Nodes missing a topology key of a pod-defined constraint: scored 0. */
  ignored: Set<string>;
  /** Per constraint (non-hostname ones): topology value → matching pods. */
  counts: Map<string, number>[];
  weights: number[];
}

function topologyValue(nodeInfo: NodeInfo, key: string): string | undefined {
  const v = nodeInfo.labels[key];
  if (v !== undefined) return v;
  return key === LABEL_HOSTNAME ? nodeInfo.name : undefined;
}

/** countPodsMatchSelector */
export function countPodsMatchSelector(nodeInfo: NodeInfo, selector: LabelSelector, namespace: string): number {
  if (isEverything(selector)) return 0;
  let n = 0;
  for (const pi of nodeInfo.pods) {
    const p = pi.pod;
    if (p.metadata.deletionTimestamp || (p.metadata.namespace ?? '') !== namespace) continue;
    if (matches(selector, p.metadata.labels)) n++;
  }
  return n;
}

/** topologyNormalizingWeight */
function topologyNormalizingWeight(size: number): number {
  return Math.log(size + 2);
}

export interface PodTopologySpreadOptions {
  /** The selector of the system-default constraints. @default podLabelsSelector */
  defaultSelector?: (pod: Pod) => LabelSelector | undefined;
}

export class PodTopologySpread implements PreScorePlugin, ScorePlugin {
  readonly name = POD_TOPOLOGY_SPREAD;
  readonly #defaultSelector: (pod: Pod) => LabelSelector | undefined;

  constructor(options: PodTopologySpreadOptions = {}) {
    this.#defaultSelector = options.defaultSelector ?? podLabelsSelector;
  }

  #constraints(pod: Pod): { constraints: Constraint[]; requireAll: boolean } {
    const explicit = pod.spec.topologySpreadConstraints;
    if (explicit && explicit.length > 0) {
      const out: Constraint[] = [];
      for (const c of explicit) {
        if (c.whenUnsatisfiable !== 'ScheduleAnyway') continue;
        const selector = constraintSelector(c, pod);
        if (!selector) continue;
        out.push({ maxSkew: c.maxSkew, topologyKey: c.topologyKey, selector, honorAffinity: c.nodeAffinityPolicy !== 'Ignore', honorTaints: c.nodeTaintsPolicy === 'Honor' });
      }
      return { constraints: out, requireAll: true };
    }
    const selector = this.#defaultSelector(pod);
    if (!selector || isEverything(selector)) return { constraints: [], requireAll: false };
    return {
      constraints: [
        { maxSkew: 3, topologyKey: LABEL_HOSTNAME, selector, honorAffinity: true, honorTaints: false },
        { maxSkew: 5, topologyKey: LABEL_TOPOLOGY_ZONE, selector, honorAffinity: true, honorTaints: false },
      ],
      requireAll: false,
    };
  }

  preScore(state: CycleState, pod: Pod, filteredNodes: readonly NodeInfo[], allNodes: readonly NodeInfo[]): Status {
    if (allNodes.length === 0) return SKIP;
    const { constraints, requireAll } = this.#constraints(pod);
    if (constraints.length === 0) return SKIP;
    const s: PreScoreState = { constraints, ignored: new Set(), counts: constraints.map(() => new Map()), weights: [] };
    const hasAllKeys = (ni: NodeInfo): boolean => constraints.every((c) => topologyValue(ni, c.topologyKey) !== undefined);
    const topoSize = constraints.map(() => 0);
    for (const ni of filteredNodes) {
      if (requireAll && !hasAllKeys(ni)) {
        s.ignored.add(ni.name);
        continue;
      }
      constraints.forEach((c, i) => {
        if (c.topologyKey === LABEL_HOSTNAME) return;
        const v = ni.labels[c.topologyKey];
        if (v === undefined) return;
        const m = s.counts[i]!;
        if (!m.has(v)) {
          m.set(v, 0);
          topoSize[i]!++;
        }
      });
    }
    s.weights = constraints.map((c, i) => topologyNormalizingWeight(c.topologyKey === LABEL_HOSTNAME ? filteredNodes.length - s.ignored.size : topoSize[i]!));
    // Count matching pods per (non-hostname) domain over all nodes, not only the feasible ones.
    if (s.counts.some((m) => m.size > 0)) {
      const affinity = new RequiredNodeAffinity(pod);
      const namespace = pod.metadata.namespace ?? '';
      for (const ni of allNodes) {
        if (requireAll && !hasAllKeys(ni)) continue;
        let affinityChecked: boolean | undefined;
        constraints.forEach((c, i) => {
          if (c.topologyKey === LABEL_HOSTNAME) return;
          const v = ni.labels[c.topologyKey];
          if (v === undefined) return;
          const m = s.counts[i]!;
          const cur = m.get(v);
          if (cur === undefined) return;
          if (c.honorAffinity) {
            affinityChecked ??= affinity.match(ni.labels, ni.name);
            if (!affinityChecked) return;
          }
          if (c.honorTaints && findUntoleratedHardTaint(ni.taints, pod.spec.tolerations)) return;
          m.set(v, cur + countPodsMatchSelector(ni, c.selector, namespace));
        });
      }
    }
    state.write(PRE_SCORE_KEY, s);
    return SUCCESS;
  }

  score(state: CycleState, pod: Pod, nodeInfo: NodeInfo): number {
    const s = state.read<PreScoreState>(PRE_SCORE_KEY);
    if (!s || s.ignored.has(nodeInfo.name)) return 0;
    let score = 0;
    const namespace = pod.metadata.namespace ?? '';
    const cs = s.constraints;
    for (let i = 0; i < cs.length; i++) {
      const c = cs[i]!;
      const v = topologyValue(nodeInfo, c.topologyKey);
      if (v === undefined) continue;
      const cnt = c.topologyKey === LABEL_HOSTNAME ? countPodsMatchSelector(nodeInfo, c.selector, namespace) : (s.counts[i]!.get(v) ?? 0);
      score += cnt * s.weights[i]! + (c.maxSkew - 1);
    }
    return Math.round(score);
  }

  normalizeScores(state: CycleState, _pod: Pod, scores: Float64Array, nodes: readonly NodeInfo[]): void {
    const s = state.read<PreScoreState>(PRE_SCORE_KEY);
    if (!s) return;
    let min = Number.MAX_SAFE_INTEGER;
    let max = 0;
    for (let i = 0; i < scores.length; i++) {
      if (s.ignored.has(nodes[i]!.name)) continue;
      const v = scores[i]!;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    for (let i = 0; i < scores.length; i++) {
      if (s.ignored.has(nodes[i]!.name)) {
        scores[i] = 0;
      } else if (max === 0) {
        scores[i] = MAX_NODE_SCORE;
      } else {
        scores[i] = Math.trunc((MAX_NODE_SCORE * (max + min - scores[i]!)) / max);
      }
    }
  }
}

function constraintSelector(c: TopologySpreadConstraint, pod: Pod): LabelSelector | undefined {
  let selector: LabelSelector;
  try {
    selector = labelSelectorFromMeta(c.labelSelector);
  } catch {
    return undefined; // the apiserver validates selectors; an invalid one cannot select anything meaningful
  }
  const labels = pod.metadata.labels ?? {};
  const extra = (c.matchLabelKeys ?? []).filter((k) => labels[k] !== undefined).map((key) => ({ key, operator: '=' as const, values: [labels[key]!] }));
  if (extra.length === 0) return selector;
  return { ...selector, requirements: [...selector.requirements, ...extra] };
}

