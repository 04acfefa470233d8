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
import { isEverything, labelSelectorFromMeta, matches, toString as selectorToString, type LabelSelector } from '../../../shared/api/labels.ts';
import { MAX_NODE_SCORE, SKIP, SUCCESS, type CycleState, type PreScorePlugin, type ScorePlugin, type Status } from '../framework/interface.ts';
import type { NodeInfo } from '../framework/node-info.ts';
import type { Snapshot } from '../framework/runtime.ts';
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
  /** Memo key of "pods matching selector in namespace" on a NodeInfo. */
  memoKey: string;
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
  /** Per constraint: matching pods per node from an aggregate (hostname constraints), else undefined. */
  perNode: (Map<NodeInfo, { value: string; count: number }> | undefined)[];
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
  const pods = nodeInfo.pods;
  for (let i = 0; i < pods.length; i++) {
    const p = pods[i]!.pod;
    if (p.metadata.deletionTimestamp || (p.metadata.namespace ?? '') !== namespace) continue;
    if (matches(selector, p.metadata.labels)) n++;
  }
  return n;
}

/** countPodsMatchSelector, memoized on the NodeInfo until its pods change. */
function countMatching(nodeInfo: NodeInfo, c: Constraint, namespace: string): number {
  const cached = nodeInfo.getMemo(c.memoKey);
  if (cached !== undefined) return cached;
  const n = countPodsMatchSelector(nodeInfo, c.selector, namespace);
  nodeInfo.setMemo(c.memoKey, n);
  return n;
}

function memoKeyOf(selector: LabelSelector, namespace: string): string {
  return `${POD_TOPOLOGY_SPREAD}\u0000${namespace}\u0000${selector.matchesNothing ? '<nothing>' : selectorToString(selector)}`;
}

/** topologyNormalizingWeight */
function topologyNormalizingWeight(size: number): number {
  return Math.log(size + 2);
}

export interface PodTopologySpreadOptions {
  /** The selector of the system-default constraints. @default podLabelsSelector */
  defaultSelector?: (pod: Pod) => LabelSelector | undefined;
}

/**
 * Matching pods per topology value over all nodes of a snapshot, for one (selector, namespace, topology key),
 * kept up to date from the snapshot's change list: a cycle costs O(nodes changed since the aggregate was last
 * used) instead of O(all pods).
 */
interface DomainAggregate {
  generation: number;
  nodeSetVersion: number;
  perNode: Map<NodeInfo, { value: string; count: number }>;
  totals: Map<string, number>;
}

const MAX_AGGREGATES = 64;

export class PodTopologySpread implements PreScorePlugin, ScorePlugin {
  readonly name = POD_TOPOLOGY_SPREAD;
  readonly #defaultSelector: (pod: Pod) => LabelSelector | undefined;
  readonly #aggregates = new Map<string, DomainAggregate>();

  #aggregate(snapshot: Snapshot, c: Constraint, namespace: string): DomainAggregate | undefined {
    const generation = snapshot.generation;
    const nodeSetVersion = snapshot.nodeSetVersion;
    if (generation === undefined || nodeSetVersion === undefined || !snapshot.changedSince) return undefined;
    const key = `${c.memoKey}\u0000${c.topologyKey}`;
    let agg = this.#aggregates.get(key);
    const apply = (a: DomainAggregate, ni: NodeInfo): void => {
      const old = a.perNode.get(ni);
      if (old) {
        const t = (a.totals.get(old.value) ?? 0) - old.count;
        if (t > 0) a.totals.set(old.value, t);
        else a.totals.delete(old.value);
        a.perNode.delete(ni);
      }
      if (ni.node === undefined || ni.pods.length === 0) return;
      const v = topologyValue(ni, c.topologyKey);
      if (v === undefined) return;
      const count = countMatching(ni, c, namespace);
      if (count === 0) return;
      a.perNode.set(ni, { value: v, count });
      a.totals.set(v, (a.totals.get(v) ?? 0) + count);
    };
    if (!agg || agg.nodeSetVersion !== nodeSetVersion) {
      agg = { generation, nodeSetVersion, perNode: new Map(), totals: new Map() };
      for (const ni of snapshot.nodeInfoList) apply(agg, ni);
    } else if (agg.generation !== generation) {
      const a = agg;
      snapshot.changedSince(a.generation, (ni) => apply(a, ni));
      a.generation = generation;
    }
    this.#aggregates.delete(key);
    this.#aggregates.set(key, agg);
    if (this.#aggregates.size > MAX_AGGREGATES) {
      const oldest = this.#aggregates.keys().next().value;
      if (oldest !== undefined) this.#aggregates.delete(oldest);
    }
    return agg;
  }

  constructor(options: PodTopologySpreadOptions = {}) {
    this.#defaultSelector = options.defaultSelector ?? podLabelsSelector;
  }

  #constraints(pod: Pod): { constraints: Constraint[]; requireAll: boolean } {
    const namespace = pod.metadata.namespace ?? '';
    const explicit = pod.spec.topologySpreadConstraints;
    if (explicit && explicit.length > 0) {
      const out: Constraint[] = [];
      for (const c of explicit) {
        if (c.whenUnsatisfiable !== 'ScheduleAnyway') continue;
        const selector = constraintSelector(c, pod);
        if (!selector) continue;
        out.push({
          maxSkew: c.maxSkew,
          topologyKey: c.topologyKey,
          selector,
          memoKey: memoKeyOf(selector, namespace),
          honorAffinity: c.nodeAffinityPolicy !== 'Ignore',
          honorTaints: c.nodeTaintsPolicy === 'Honor',
        });
      }
      return { constraints: out, requireAll: true };
    }
    const selector = this.#defaultSelector(pod);
    if (!selector || isEverything(selector)) return { constraints: [], requireAll: false };
    const memoKey = memoKeyOf(selector, namespace);
    return {
      constraints: [
        { maxSkew: 3, topologyKey: LABEL_HOSTNAME, selector, memoKey, honorAffinity: true, honorTaints: false },
        { maxSkew: 5, topologyKey: LABEL_TOPOLOGY_ZONE, selector, memoKey, honorAffinity: true, honorTaints: false },
      ],
      requireAll: false,
    };
  }

  preScore(state: CycleState, pod: Pod, filteredNodes: readonly NodeInfo[], allNodes: readonly NodeInfo[]): Status {
    if (allNodes.length === 0) return SKIP;
    const { constraints, requireAll } = this.#constraints(pod);
    if (constraints.length === 0) return SKIP;
    const s: PreScoreState = { constraints, ignored: new Set(), counts: constraints.map(() => new Map()), weights: [], perNode: constraints.map(() => undefined) };
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
    // Count matching pods per (non-hostname) domain over all nodes, not only the feasible ones: from the
    // aggregates kept across cycles when the snapshot tracks changes and nothing node-specific filters the
    // count, else by scanning every node.
    const affinity = new RequiredNodeAffinity(pod);
    const namespace = pod.metadata.namespace ?? '';
    const snapshot = state.snapshot;
    if (snapshot) {
      for (let i = 0; i < constraints.length; i++) {
        if (constraints[i]!.topologyKey === LABEL_HOSTNAME) s.perNode[i] = this.#aggregate(snapshot, constraints[i]!, namespace)?.perNode;
      }
    }
    const scan: boolean[] = constraints.map(() => false);
    let needScan = false;
    for (let i = 0; i < constraints.length; i++) {
      const c = constraints[i]!;
      const m = s.counts[i]!;
      if (c.topologyKey === LABEL_HOSTNAME || m.size === 0) continue;
      const totals = !requireAll && !c.honorTaints && (affinity.isEmpty || !c.honorAffinity) && snapshot ? this.#aggregate(snapshot, c, namespace)?.totals : undefined;
      if (totals) {
        for (const v of m.keys()) m.set(v, totals.get(v) ?? 0);
      } else {
        scan[i] = true;
        needScan = true;
      }
    }
    if (needScan) {
      for (let n = 0; n < allNodes.length; n++) {
        const ni = allNodes[n]!;
        if (requireAll && !hasAllKeys(ni)) continue;
        let affinityOk: boolean | undefined;
        for (let i = 0; i < constraints.length; i++) {
          if (!scan[i]) continue;
          const c = constraints[i]!;
          const v = ni.labels[c.topologyKey];
          if (v === undefined) continue;
          const m = s.counts[i]!;
          const cur = m.get(v);
          if (cur === undefined) continue;
          if (c.honorAffinity) {
            affinityOk ??= affinity.match(ni.labels, ni.name);
            if (!affinityOk) continue;
          }
          if (c.honorTaints && findUntoleratedHardTaint(ni.taints, pod.spec.tolerations)) continue;
          if (ni.pods.length === 0) continue;
          m.set(v, cur + countMatching(ni, c, namespace));
        }
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
      let cnt: number;
      if (c.topologyKey !== LABEL_HOSTNAME) cnt = s.counts[i]!.get(v) ?? 0;
      else if (nodeInfo.pods.length === 0) cnt = 0;
      else {
        const perNode = s.perNode[i];
        cnt = perNode ? (perNode.get(nodeInfo)?.count ?? 0) : countMatching(nodeInfo, c, namespace);
      }
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

