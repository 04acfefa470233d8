/**
 * The framework runtime of one scheduling profile: runs the plugins' extension points for one pod over a
 * snapshot and picks a node (kube-scheduler framework/runtime/framework.go plus schedule_one.go's
 * schedulePod / findNodesThatFitPod / prioritizeNodes / selectHost).
 *
 * What one `schedulePod` does:
 * 1. PreFilter every plugin (Skip disables that plugin's Filter; a rejection fails the pod on all nodes).
 * 2. Filter nodes starting where the previous cycle stopped (round robin), stopping once
 *    `numFeasibleNodesToFind` nodes fit (all nodes below 100; adaptive percentage above, like kube:
 *    50% - nodes/125, at least 5%, at least 100 nodes). The first failing plugin decides a node's status.
 * 3. No feasible node: the Diagnosis (per-node statuses, rejecting plugins) and kube's FitError message,
 *    with the preemption PostFilter message appended unless disabled.
 * 4. One feasible node: chosen without scoring. Otherwise PreScore, Score, NormalizeScore, × weight, summed;
 *    the highest total wins, ties broken uniformly at random with the injected `rand` (reservoir sampling,
 *    as selectHost does).
 *
 * Everything is synchronous; buffers for feasible nodes and scores are reused across cycles, so the hot
 * loops allocate nothing per node.
 */
import type { Pod } from '../../../shared/api/core-v1.ts';
import { fitErrorMessage, newDiagnosis, type Diagnosis } from './fit-error.ts';
import {
  CycleState,
  eventMatches,
  isFilterPlugin,
  isPreFilterPlugin,
  isPreScorePlugin,
  isRejected,
  isScorePlugin,
  newStatus,
  SKIP,
  statusMessage,
  SUCCESS,
  type ClusterEvent,
  type FilterPlugin,
  type Plugin,
  type PreFilterPlugin,
  type PreScorePlugin,
  type ScorePlugin,
  type Status,
} from './interface.ts';
import type { NodeInfo } from './node-info.ts';
import { preemptionMessage } from './preemption.ts';

/** The nodes one cycle sees. Valid until the caller next yields to the event loop. */
export interface Snapshot {
  readonly nodeInfoList: readonly NodeInfo[];
  get(name: string): NodeInfo | undefined;
  /**
   * Optional change tracking (the SchedulerCache provides it), for plugins that keep aggregates across
   * cycles: `generation` grows with every NodeInfo change; `changedSince(g, fn)` calls fn for each NodeInfo
   * changed after generation g, newest first (also ones whose node is gone: `node` undefined);
   * `nodeSetVersion` changes whenever a node joins or leaves nodeInfoList.
   */
  readonly generation?: number;
  readonly nodeSetVersion?: number;
  changedSince?(generation: number, fn: (nodeInfo: NodeInfo) => void): void;
}

/** schedule_one.go ErrNoNodesAvailable */
export const ERR_NO_NODES_AVAILABLE = 'no nodes available to schedule pods';

/** minFeasibleNodesToFind */
export const MIN_FEASIBLE_NODES_TO_FIND = 100;
/** minFeasibleNodesPercentageToFind */
export const MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5;

export type ScheduleResult =
  | {
      kind: 'Scheduled';
      host: string;
      /** Nodes that went through Filter. */
      evaluatedNodes: number;
      feasibleNodes: number;
      state: CycleState;
    }
  | {
      kind: 'Failed';
      /** Rejected (Unschedulable*) or Error. */
      status: Status;
      /** The text for the FailedScheduling event and the PodScheduled condition. */
      message: string;
      /** Present when the pod was evaluated and fits nowhere (FitError). */
      diagnosis?: Diagnosis;
      state: CycleState;
    };

export interface FrameworkOptions {
  /** The profile's plugins, in extension-point order (Filter runs in this order). */
  plugins: readonly Plugin[];
  /** Score weight per plugin name; missing → 1; 0 disables the plugin's scoring. */
  weights?: Readonly<Record<string, number>>;
  /** Percentage of nodes to find feasible before scoring; 0 = kube's adaptive default. @default 0 */
  percentageOfNodesToScore?: number;
  /** Random source in [0, 1) for tie breaks. @default Math.random */
  rand?: () => number;
  /** Append the preemption PostFilter message to FitErrors. @default true */
  postFilter?: boolean;
}

/** numFeasibleNodesToFind */
export function numFeasibleNodesToFind(percentageOfNodesToScore: number, numAllNodes: number): number {
  if (numAllNodes < MIN_FEASIBLE_NODES_TO_FIND) return numAllNodes;
  let percentage = percentageOfNodesToScore;
  if (percentage <= 0) {
    percentage = 50 - Math.trunc(numAllNodes / 125);
    if (percentage < MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND) percentage = MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND;
  }
  if (percentage >= 100) return numAllNodes;
  const n = Math.trunc((numAllNodes * percentage) / 100);
  return n < MIN_FEASIBLE_NODES_TO_FIND ? MIN_FEASIBLE_NODES_TO_FIND : n;
}

interface WeightedScorePlugin {
  plugin: ScorePlugin;
  weight: number;
}

export class Framework {
  readonly plugins: readonly Plugin[];
  readonly #preFilter: PreFilterPlugin[] = [];
  readonly #filter: FilterPlugin[] = [];
  readonly #preScore: PreScorePlugin[] = [];
  readonly #score: WeightedScorePlugin[] = [];
  /** Registered events per plugin; a plugin absent from the map is interested in every event. */
  readonly #events = new Map<string, ClusterEvent[]>();
  readonly #percentage: number;
  readonly #rand: () => number;
  readonly #postFilter: boolean;
  #nextStartNodeIndex = 0;
  // Reused per cycle.
  #activeFilters: FilterPlugin[] = [];
  #feasible: NodeInfo[] = [];
  #scores = new Float64Array(256);
  #totals = new Float64Array(256);

  constructor(options: FrameworkOptions) {
    this.plugins = [...options.plugins];
    const names = new Set<string>();
    for (const p of this.plugins) {
      if (names.has(p.name)) throw new Error(`Cannot build the scheduling framework as plugin ${JSON.stringify(p.name)} is listed twice`);
      names.add(p.name);
      if (isPreFilterPlugin(p)) this.#preFilter.push(p);
      if (isFilterPlugin(p)) this.#filter.push(p);
      if (isPreScorePlugin(p)) this.#preScore.push(p);
      if (isScorePlugin(p)) {
        const weight = options.weights?.[p.name] ?? 1;
        if (!(weight >= 0) || !Number.isFinite(weight)) throw new Error(`Cannot use weight ${weight} for plugin ${p.name} as weights must be finite and >= 0`);
        if (weight > 0) this.#score.push({ plugin: p, weight });
      }
      if (p.eventsToRegister) this.#events.set(p.name, p.eventsToRegister());
    }
    this.#percentage = options.percentageOfNodesToScore ?? 0;
    this.#rand = options.rand ?? Math.random;
    this.#postFilter = options.postFilter ?? true;
  }

  /** Score weights in effect, by plugin name. */
  get weights(): Record<string, number> {
    return Object.fromEntries(this.#score.map((s) => [s.plugin.name, s.weight]));
  }

  /**
   * Whether `event` may make a pod rejected by `rejectors` schedulable (queueing hints reduced to event
   * registration). An empty rejector set (the pod failed with an error) is interested in everything.
   */
  isInterested(rejectors: ReadonlySet<string>, event: ClusterEvent): boolean {
    if (rejectors.size === 0) return true;
    for (const name of rejectors) {
      const events = this.#events.get(name);
      if (!events) return true;
      for (const e of events) if (eventMatches(e, event)) return true;
    }
    return false;
  }

  /** Every filter plugin not skipped for this cycle, on one node (preemption dry runs, tests). */
  runFilterPlugins(state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status {
    for (const p of this.#filter) {
      if (state.skipFilterPlugins.has(p.name)) continue;
      const s = p.filter(state, pod, nodeInfo);
      if (s !== SUCCESS && s.code !== 'Success') return s;
    }
    return SUCCESS;
  }

  /** Runs PreFilter; returns the cycle state, or the failure. */
  runPreFilterPlugins(state: CycleState, pod: Pod): { status: Status; plugin?: string } {
    for (const p of this.#preFilter) {
      const s = p.preFilter(state, pod);
      if (s === SKIP || s.code === 'Skip') {
        state.skipFilterPlugins.add(p.name);
        continue;
      }
      if (s !== SUCCESS && s.code !== 'Success') return { status: s, plugin: p.name };
    }
    return { status: SUCCESS };
  }

  schedulePod(pod: Pod, snapshot: Snapshot): ScheduleResult {
    const state = new CycleState();
    state.snapshot = snapshot;
    const allNodes = snapshot.nodeInfoList;
    if (allNodes.length === 0) {
      const status = newStatus('UnschedulableAndUnresolvable', ERR_NO_NODES_AVAILABLE);
      return { kind: 'Failed', status, message: ERR_NO_NODES_AVAILABLE, state };
    }

    // 1. PreFilter.
    const pre = this.runPreFilterPlugins(state, pod);
    if (pre.status !== SUCCESS) {
      if (!isRejected(pre.status)) {
        const message = `running PreFilter plugin ${JSON.stringify(pre.plugin)}: ${statusMessage(pre.status)}`;
        return { kind: 'Failed', status: newStatus('Error', message), message, state };
      }
      const diagnosis = newDiagnosis();
      diagnosis.absentNodesStatus = pre.status;
      diagnosis.preFilterMsg = statusMessage(pre.status);
      if (pre.plugin) diagnosis.unschedulablePlugins.add(pre.plugin);
      return this.#fitError(pod, allNodes, diagnosis, state);
    }

    // 2. Filter.
    const active = this.#activeFilters;
    active.length = 0;
    for (const p of this.#filter) if (!state.skipFilterPlugins.has(p.name)) active.push(p);

    let nodes: readonly NodeInfo[] = allNodes;
    const restricted = state.nodeNames;
    const diagnosis = newDiagnosis();
    if (restricted) {
      const list: NodeInfo[] = [];
      for (const name of restricted) {
        const ni = snapshot.get(name);
        if (ni?.node) list.push(ni);
      }
      nodes = list;
      diagnosis.absentNodesStatus = newStatus('UnschedulableAndUnresolvable', `node(s) didn't satisfy plugin(s) [${state.restrictedBy.join(' ')}]`);
      for (const p of state.restrictedBy) diagnosis.unschedulablePlugins.add(p);
    }
    const n = nodes.length;
    const toFind = numFeasibleNodesToFind(this.#percentage, n);
    const start = restricted || n === 0 ? 0 : this.#nextStartNodeIndex % n;
    const feasible = this.#feasible;
    let feasibleCount = 0;
    let processed = 0;
    const numActive = active.length;
    for (let i = 0; i < n && feasibleCount < toFind; i++) {
      let idx = start + i;
      if (idx >= n) idx -= n;
      const ni = nodes[idx]!;
      processed++;
      let failed: Status | undefined;
      let failedPlugin = '';
      for (let j = 0; j < numActive; j++) {
        const p = active[j]!;
        const s = p.filter(state, pod, ni);
        if (s !== SUCCESS && s.code !== 'Success') {
          failed = s;
          failedPlugin = p.name;
          break;
        }
      }
      if (failed === undefined) {
        feasible[feasibleCount++] = ni;
      } else if (failed.code === 'Error') {
        const message = `running ${JSON.stringify(failedPlugin)} filter plugin: ${statusMessage(failed)}`;
        return { kind: 'Failed', status: newStatus('Error', message), message, state };
      } else {
        diagnosis.nodeToStatus.set(ni.name, failed);
        diagnosis.unschedulablePlugins.add(failedPlugin);
      }
    }
    if (!restricted && n > 0) this.#nextStartNodeIndex = (start + processed) % n;

    if (feasibleCount === 0) {
      return this.#fitError(pod, allNodes, diagnosis, state);
    }
    const evaluatedNodes = diagnosis.nodeToStatus.size + feasibleCount;
    if (feasibleCount === 1) {
      const host = feasible[0]!.name;
      return { kind: 'Scheduled', host, evaluatedNodes, feasibleNodes: 1, state };
    }

    // 3. Score.
    const feasibleNodes = feasible.slice(0, feasibleCount);
    const host = this.#prioritize(state, pod, feasibleNodes, allNodes);
    return { kind: 'Scheduled', host, evaluatedNodes, feasibleNodes: feasibleCount, state };
  }

  #prioritize(state: CycleState, pod: Pod, nodes: readonly NodeInfo[], allNodes: readonly NodeInfo[]): string {
    const count = nodes.length;
    if (this.#scores.length < count) {
      this.#scores = new Float64Array(count * 2);
      this.#totals = new Float64Array(count * 2);
    }
    const totals = this.#totals.subarray(0, count);
    totals.fill(0);
    for (const p of this.#preScore) {
      const s = p.preScore(state, pod, nodes, allNodes);
      if (s === SKIP || s.code === 'Skip') state.skipScorePlugins.add(p.name);
    }
    for (const { plugin, weight } of this.#score) {
      if (state.skipScorePlugins.has(plugin.name)) continue;
      const scores = this.#scores.subarray(0, count);
      for (let i = 0; i < count; i++) scores[i] = plugin.score(state, pod, nodes[i]!);
      plugin.normalizeScores?.(state, pod, scores, nodes);
      for (let i = 0; i < count; i++) totals[i] = totals[i]! + scores[i]! * weight;
    }
    // selectHost: highest total, uniform among ties.
    let best = -Infinity;
    let selected = 0;
    let ties = 0;
    for (let i = 0; i < count; i++) {
      const t = totals[i]!;
      if (t > best) {
        best = t;
        selected = i;
        ties = 1;
      } else if (t === best) {
        ties++;
        if (Math.floor(this.#rand() * ties) === 0) selected = i;
      }
    }
    return nodes[selected]!.name;
  }

  /**
   * Totals per node as a cycle would compute them (for tests and debugging): name → { plugin → weighted
   * normalized score, total }.
   */
  scoreNodes(pod: Pod, snapshot: Snapshot): Map<string, Record<string, number>> {
    const state = new CycleState();
    state.snapshot = snapshot;
    const pre = this.runPreFilterPlugins(state, pod);
    const out = new Map<string, Record<string, number>>();
    if (pre.status !== SUCCESS) return out;
    const nodes = snapshot.nodeInfoList.filter((ni) => this.runFilterPlugins(state, pod, ni) === SUCCESS);
    for (const ni of nodes) out.set(ni.name, { total: 0 });
    for (const p of this.#preScore) {
      const s = p.preScore(state, pod, nodes, snapshot.nodeInfoList);
      if (s === SKIP || s.code === 'Skip') state.skipScorePlugins.add(p.name);
    }
    for (const { plugin, weight } of this.#score) {
      if (state.skipScorePlugins.has(plugin.name)) continue;
      const scores = new Float64Array(nodes.length);
      nodes.forEach((ni, i) => (scores[i] = plugin.score(state, pod, ni)));
      plugin.normalizeScores?.(state, pod, scores, nodes);
      nodes.forEach((ni, i) => {
        const rec = out.get(ni.name)!;
        rec[plugin.name] = scores[i]! * weight;
        rec['total'] = rec['total']! + scores[i]! * weight;
      });
    }
    return out;
  }

  #fitError(pod: Pod, allNodes: readonly NodeInfo[], diagnosis: Diagnosis, state: CycleState): ScheduleResult {
    if (this.#postFilter) {
      diagnosis.postFilterMsg = preemptionMessage(pod, allNodes, diagnosis, state, (st, p, ni) => this.runFilterPlugins(st, p, ni));
    }
    const message = fitErrorMessage(allNodes.length, diagnosis);
    // Unschedulable when preemption could in principle help on some node, else unresolvable; both "rejected".
    let code: Status['code'] = 'UnschedulableAndUnresolvable';
    for (const s of diagnosis.nodeToStatus.values()) {
      if (s.code === 'Unschedulable') {
        code = 'Unschedulable';
        break;
      }
    }
    return { kind: 'Failed', status: newStatus(code, message), message, diagnosis, state };
  }
}
