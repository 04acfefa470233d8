/**
 * NodeAffinity (kube-scheduler plugins/nodeaffinity; matching from component-helpers
 * scheduling/corev1/nodeaffinity).
 * - Filter: the node must match spec.nodeSelector (every label equal) AND, when present,
 *   requiredDuringSchedulingIgnoredDuringExecution: terms are ORed; within a term matchExpressions (on labels)
 *   and matchFields (only metadata.name) are ANDed. A term with neither, or with an invalid requirement, matches
 *   nothing. Rejection: "node(s) didn't match Pod's node affinity/selector" (UnschedulableAndUnresolvable).
 * - PreFilter: when every required term pins metadata.name with `In`, only those nodes are evaluated
 *   (PreFilterResult.NodeNames; DaemonSet pods), and terms that pin disjoint names fail at once with
 *   "pod affinity terms conflict".
 * - Score: sum of the weights of the preferred terms the node matches; normalized by the maximum.
 */
import type { NodeSelectorRequirement, NodeSelectorTerm, Pod, PreferredSchedulingTerm } from '../../../shared/api/core-v1.ts';
import {
  MAX_NODE_SCORE,
  newStatus,
  SKIP,
  SUCCESS,
  type ClusterEvent,
  type CycleState,
  type FilterPlugin,
  type PreFilterPlugin,
  type PreScorePlugin,
  type ScorePlugin,
  type Status,
} from '../framework/interface.ts';
import type { NodeInfo } from '../framework/node-info.ts';
import { defaultNormalizeScore } from './_helpers.ts';

export const NODE_AFFINITY = 'NodeAffinity';
/** nodeaffinity.ErrReasonPod */
export const ERR_REASON_POD = "node(s) didn't match Pod's node affinity/selector";
/** nodeaffinity errReasonConflict */
export const ERR_REASON_CONFLICT = 'pod affinity terms conflict';
const PRE_FILTER_KEY = 'PreFilter' + NODE_AFFINITY;
const PRE_SCORE_KEY = 'PreScore' + NODE_AFFINITY;
const OBJECT_NAME_FIELD = 'metadata.name';

const REJECT = newStatus('UnschedulableAndUnresolvable', ERR_REASON_POD);

// ---- compiled selectors ----

type LabelReq =
  | { key: string; op: 'In' | 'NotIn'; values: readonly string[] }
  | { key: string; op: 'Exists' | 'DoesNotExist' }
  | { key: string; op: 'Gt' | 'Lt'; bound: bigint };
type FieldReq = { key: string; op: 'In' | 'NotIn'; value: string };
interface CompiledTerm {
  labels: LabelReq[];
  fields: FieldReq[];
}

const INT_RE = /^[+-]?\d+$/;

function parseInt64(s: string | undefined): bigint | undefined {
  if (s === undefined || !INT_RE.test(s)) return undefined;
  const v = BigInt(s);
  return v >= -(2n ** 63n) && v < 2n ** 63n ? v : undefined;
}

function compileLabelReq(r: NodeSelectorRequirement): LabelReq | undefined {
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In':
    case 'NotIn':
      return values.length > 0 ? { key: r.key, op: r.operator, values } : undefined;
    case 'Exists':
    case 'DoesNotExist':
      return values.length === 0 ? { key: r.key, op: r.operator } : undefined;
    case 'Gt':
    case 'Lt': {
      const bound = values.length === 1 ? parseInt64(values[0]) : undefined;
      return bound === undefined ? undefined : { key: r.key, op: r.operator, bound };
    }
    default:
      return undefined;
  }
}

function compileFieldReq(r: NodeSelectorRequirement): FieldReq | undefined {
  const values = r.values ?? [];
  if ((r.operator === 'In' || r.operator === 'NotIn') && values.length === 1) return { key: r.key, op: r.operator, value: values[0]! };
  return undefined;
}

/** A term that matches nothing (empty, or with an invalid requirement) compiles to undefined. */
function compileTerm(t: NodeSelectorTerm): CompiledTerm | undefined {
  const exprs = t.matchExpressions ?? [];
  const fields = t.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return undefined;
  const out: CompiledTerm = { labels: [], fields: [] };
  for (const e of exprs) {
    const c = compileLabelReq(e);
    if (!c) return undefined;
    out.labels.push(c);
  }
  for (const f of fields) {
    const c = compileFieldReq(f);
    if (!c) return undefined;
    out.fields.push(c);
  }
  return out;
}

function labelReqMatches(r: LabelReq, labels: Readonly<Record<string, string>>): boolean {
  const v = labels[r.key];
  switch (r.op) {
    case 'In':
      return v !== undefined && r.values.includes(v);
    case 'NotIn':
      return v === undefined || !r.values.includes(v);
    case 'Exists':
      return v !== undefined;
    case 'DoesNotExist':
      return v === undefined;
    case 'Gt':
    case 'Lt': {
      const n = parseInt64(v);
      if (n === undefined) return false;
      return r.op === 'Gt' ? n > r.bound : n < r.bound;
    }
  }
}

function termMatches(t: CompiledTerm, labels: Readonly<Record<string, string>>, nodeName: string): boolean {
  for (const r of t.labels) if (!labelReqMatches(r, labels)) return false;
  for (const f of t.fields) {
    const v = f.key === OBJECT_NAME_FIELD ? nodeName : '';
    if (f.op === 'In' ? v !== f.value : v === f.value) return false;
  }
  return true;
}

/**
 * nodeaffinity.RequiredNodeAffinity: spec.nodeSelector plus the required node affinity of a pod, compiled
 * once. Exported for PodTopologySpread (nodeAffinityPolicy: Honor).
 */
export class RequiredNodeAffinity {
  readonly #selector: [string, string][] | undefined;
  /** undefined: no required affinity; []: required affinity whose terms match nothing. */
  readonly #terms: CompiledTerm[] | undefined;

  constructor(pod: Pod) {
    const sel = pod.spec.nodeSelector;
    this.#selector = sel && Object.keys(sel).length > 0 ? Object.entries(sel) : undefined;
    const required = pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
    if (required) {
      this.#terms = [];
      for (const t of required.nodeSelectorTerms ?? []) {
        const c = compileTerm(t);
        if (c) this.#terms.push(c);
      }
    }
  }

  /** True when the pod places no node constraint at all. */
  get isEmpty(): boolean {
    return this.#selector === undefined && this.#terms === undefined;
  }

  match(labels: Readonly<Record<string, string>>, nodeName: string): boolean {
    if (this.#selector) {
      for (const [k, v] of this.#selector) if (labels[k] !== v) return false;
    }
    if (this.#terms) {
      for (const t of this.#terms) if (termMatches(t, labels, nodeName)) return true;
      return false;
    }
    return true;
  }
}

interface PreferredTerm {
  weight: number;
  term: CompiledTerm;
}

function compilePreferred(terms: readonly PreferredSchedulingTerm[] | undefined): PreferredTerm[] {
  const out: PreferredTerm[] = [];
  for (const t of terms ?? []) {
    if (!t.weight) continue;
    const c = compileTerm(t.preference);
    if (c) out.push({ weight: t.weight, term: c });
  }
  return out;
}

/**
 * The node names the required terms pin through `metadata.name In`, or undefined when some term leaves the
 * node name open (then every node is a candidate). An empty set means the terms conflict.
 */
function podNodeNames(terms: readonly NodeSelectorTerm[]): Set<string> | undefined {
  let union: Set<string> | undefined;
  for (const t of terms) {
    let termNames: Set<string> | undefined;
    for (const r of t.matchFields ?? []) {
      if (r.key !== OBJECT_NAME_FIELD || r.operator !== 'In') continue;
      const s = new Set(r.values ?? []);
      termNames = termNames === undefined ? s : new Set([...termNames].filter((n) => s.has(n)));
    }
    if (termNames === undefined) return undefined;
    union ??= new Set();
    for (const n of termNames) union.add(n);
  }
  return union;
}

export class NodeAffinity implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin {
  readonly name = NODE_AFFINITY;

  preFilter(state: CycleState, pod: Pod): Status {
    const required = new RequiredNodeAffinity(pod);
    if (required.isEmpty) return SKIP;
    state.write(PRE_FILTER_KEY, required);
    const terms = pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
    if (!terms || terms.length === 0) return SUCCESS;
    const names = podNodeNames(terms);
    if (names !== undefined && names.size === 0) return newStatus('UnschedulableAndUnresolvable', ERR_REASON_CONFLICT);
    if (names !== undefined) state.restrictNodes(NODE_AFFINITY, names);
    return SUCCESS;
  }

  filter(state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status {
    const required = state.read<RequiredNodeAffinity>(PRE_FILTER_KEY) ?? new RequiredNodeAffinity(pod);
    return required.match(nodeInfo.labels, nodeInfo.name) ? SUCCESS : REJECT;
  }

  preScore(state: CycleState, pod: Pod): Status {
    const preferred = compilePreferred(pod.spec.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution);
    if (preferred.length === 0) return SKIP;
    state.write(PRE_SCORE_KEY, preferred);
    return SUCCESS;
  }

  score(state: CycleState, pod: Pod, nodeInfo: NodeInfo): number {
    const preferred = state.read<PreferredTerm[]>(PRE_SCORE_KEY) ?? compilePreferred(pod.spec.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution);
    let sum = 0;
    for (const p of preferred) if (termMatches(p.term, nodeInfo.labels, nodeInfo.name)) sum += p.weight;
    return sum;
  }

  normalizeScores(_state: CycleState, _pod: Pod, scores: Float64Array): void {
    defaultNormalizeScore(MAX_NODE_SCORE, false, scores);
  }

  eventsToRegister(): ClusterEvent[] {
    return [{ resource: 'Node', actions: ['Add', 'UpdateNodeLabel'], label: 'NodeAdd|NodeLabelChange' }];
  }
}
