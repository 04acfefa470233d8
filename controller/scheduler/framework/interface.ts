/**
 * The scheduling framework's vocabulary (kube-scheduler pkg/scheduler/framework/interface.go, types.go):
 * plugins with one method per extension point, Status codes that carry intent, and CycleState, the per-pod
 * scratch space of one scheduling cycle.
 *
 * Extension points, in the order one cycle runs them:
 *   PreFilter (once per pod)  → Filter (per node; the first failing plugin decides) → PreScore (once, over the
 *   feasible nodes) → Score (per feasible node) → NormalizeScore (once) → × weight → sum.
 *
 * Contracts:
 * - Plugins are pure over (CycleState, Pod, NodeInfo). They never mutate the pod or the NodeInfo and never
 *   await: a whole cycle runs synchronously, so the snapshot cannot change under it.
 * - `filter` returns `SUCCESS` (the shared constant) when the node fits, otherwise a Status whose reasons are
 *   the fixed kube wording ("Insufficient cpu"); the reasons are counted per node into the FitError message,
 *   so they must not contain per-node data unless kube's do (the taint message does).
 * - Unschedulable: preemption might help on this node. UnschedulableAndUnresolvable: it cannot (preemption
 *   skips the node). Error: something is broken; the pod goes to backoff, not to the unschedulable set.
 * - Anything a plugin computes once per pod belongs in CycleState (written in preFilter / preScore), so that
 *   the per-node hot loop allocates nothing.
 */
import type { Pod } from '../../../shared/api/core-v1.ts';
import type { NodeInfo } from './node-info.ts';
import type { Snapshot } from './runtime.ts';

/** framework.MaxNodeScore: every normalized score lies in [0, MAX_NODE_SCORE]. */
export const MAX_NODE_SCORE = 100;
export const MIN_NODE_SCORE = 0;

export type Code = 'Success' | 'Unschedulable' | 'UnschedulableAndUnresolvable' | 'Error' | 'Skip';

export interface Status {
  readonly code: Code;
  /** Human-readable reasons, in kube's wording; joined with ", " in messages. */
  readonly reasons: readonly string[];
}

/** The one success value plugins return (compared by identity in the hot loop). */
export const SUCCESS: Status = Object.freeze({ code: 'Success', reasons: Object.freeze([]) as readonly string[] });
/** PreFilter / PreScore: "this plugin has nothing to do for this pod", so its Filter / Score is not run. */
export const SKIP: Status = Object.freeze({ code: 'Skip', reasons: Object.freeze([]) as readonly string[] });

export function newStatus(code: Code, ...reasons: string[]): Status {
  if (code === 'Success' && reasons.length === 0) return SUCCESS;
  if (code === 'Skip' && reasons.length === 0) return SKIP;
  return Object.freeze({ code, reasons: Object.freeze(reasons) });
}

export function isSuccess(s: Status): boolean {
  return s === SUCCESS || s.code === 'Success';
}

/** Unschedulable or UnschedulableAndUnresolvable (framework.Status.IsRejected). */
export function isRejected(s: Status): boolean {
  return s.code === 'Unschedulable' || s.code === 'UnschedulableAndUnresolvable';
}

/** Status.Message(): the reasons joined by ", ". */
export function statusMessage(s: Status): string {
  return s.reasons.join(', ');
}

/**
 * Per-cycle state shared by the plugins of one pod's scheduling attempt (framework.CycleState). Keys are
 * plugin-private strings (by convention "PreFilter<PluginName>").
 */
export class CycleState {
  readonly #data = new Map<string, unknown>();
  /** Plugins whose PreFilter returned Skip: their Filter is not run this cycle. */
  readonly skipFilterPlugins = new Set<string>();
  /** Plugins whose PreScore returned Skip: their Score is not run (they contribute 0). */
  readonly skipScorePlugins = new Set<string>();
  /** The snapshot the cycle runs on (set by the framework). */
  snapshot: Snapshot | undefined;
  #nodeNames: Set<string> | undefined;
  #restrictedBy: string[] = [];

  read<T>(key: string): T | undefined {
    return this.#data.get(key) as T | undefined;
  }

  write(key: string, value: unknown): void {
    this.#data.set(key, value);
  }

  delete(key: string): void {
    this.#data.delete(key);
  }

  /**
   * PreFilterResult.NodeNames: a PreFilter plugin may declare that only these nodes can possibly fit (e.g. a
   * matchFields on metadata.name). Several restrictions intersect. Nodes outside the set are not filtered;
   * they count as "node(s) didn't satisfy plugin(s) [<plugins>]" in the FitError.
   */
  restrictNodes(plugin: string, names: ReadonlySet<string>): void {
    if (this.#nodeNames === undefined) {
      this.#nodeNames = new Set(names);
    } else {
      for (const n of this.#nodeNames) if (!names.has(n)) this.#nodeNames.delete(n);
    }
    if (!this.#restrictedBy.includes(plugin)) this.#restrictedBy.push(plugin);
  }

  /** The node names PreFilter restricted the cycle to, or undefined for all nodes. */
  get nodeNames(): ReadonlySet<string> | undefined {
    return this.#nodeNames;
  }

  /** Plugins that restricted the node set, sorted (for the "didn't satisfy plugin(s)" message). */
  get restrictedBy(): readonly string[] {
    return [...this.#restrictedBy].sort();
  }
}

// ---- cluster events (framework/types.go ClusterEvent, ActionType) ----

export type EventResource = 'Node' | 'Pod';

/**
 * What changed. Node updates are split into the properties that matter for scheduling (a heartbeat that only
 * bumps lastHeartbeatTime produces no action at all). Pod events are about pods already assigned to a node.
 */
export type ActionType =
  | 'Add'
  | 'Delete'
  | 'UpdateNodeAllocatable'
  | 'UpdateNodeLabel'
  | 'UpdateNodeTaint'
  | 'UpdateNodeCondition'
  | 'UpdateNodeAnnotation'
  | 'UpdatePodLabel'
  | 'UpdatePodScaleDown';

export interface ClusterEvent {
  resource: EventResource;
  /** One event may carry several actions (a node update that changed labels and taints). */
  actions: readonly ActionType[];
  /** For logs and metrics, e.g. 'NodeAdd', 'AssignedPodDelete'. */
  label: string;
}

/** True when `event` is one of the `registered` events (same resource, at least one common action). */
export function eventMatches(registered: ClusterEvent, event: ClusterEvent): boolean {
  if (registered.resource !== event.resource) return false;
  for (const a of event.actions) if (registered.actions.includes(a)) return true;
  return false;
}

// ---- plugins ----

export interface Plugin {
  readonly name: string;
  /**
   * EnqueueExtensions.EventsToRegister: the cluster events that may make a pod this plugin rejected
   * schedulable. A pod in the unschedulable set moves back to the active queue only on an event registered
   * by one of the plugins that rejected it.
   */
  eventsToRegister?(): ClusterEvent[];
}

export interface PreFilterPlugin extends Plugin {
  /**
   * Once per cycle, before any Filter. Return SUCCESS, SKIP (Filter is then not called for this pod), or a
   * rejection that fails the pod on every node at once. May call `state.restrictNodes(...)`.
   */
  preFilter(state: CycleState, pod: Pod): Status;
}

export interface FilterPlugin extends Plugin {
  /** Whether the pod fits on the node. Must return SUCCESS when it does. */
  filter(state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status;
}

export interface PreScorePlugin extends Plugin {
  /**
   * Once per cycle over the feasible nodes (`allNodes`: the whole snapshot). SKIP means the plugin's Score is
   * not run (all nodes get 0).
   */
  preScore(state: CycleState, pod: Pod, nodes: readonly NodeInfo[], allNodes: readonly NodeInfo[]): Status;
}

export interface ScorePlugin extends Plugin {
  /** Raw score of one feasible node; any finite number before normalization. */
  score(state: CycleState, pod: Pod, nodeInfo: NodeInfo): number;
  /**
   * ScoreExtensions.NormalizeScore: rewrite `scores` (index-aligned with `nodes`) in place into
   * [0, MAX_NODE_SCORE]. Plugins whose raw scores are already in range omit it.
   */
  normalizeScores?(state: CycleState, pod: Pod, scores: Float64Array, nodes: readonly NodeInfo[]): void;
}

export function isPreFilterPlugin(p: Plugin): p is PreFilterPlugin {
  return typeof (p as Partial<PreFilterPlugin>).preFilter === 'function';
}
export function isFilterPlugin(p: Plugin): p is FilterPlugin {
  return typeof (p as Partial<FilterPlugin>).filter === 'function';
}
export function isPreScorePlugin(p: Plugin): p is PreScorePlugin {
  return typeof (p as Partial<PreScorePlugin>).preScore === 'function';
}
export function isScorePlugin(p: Plugin): p is ScorePlugin {
  return typeof (p as Partial<ScorePlugin>).score === 'function';
}
