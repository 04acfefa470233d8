/**
 * The node lifecycle controller (kube-controller-manager pkg/controller/nodelifecycle/node_lifecycle_controller.go):
 * watches each node's heartbeats and turns silence into state other components act on.
 *
 * Per node (a reconcile keyed by the node name; node and lease events, and a full pass every
 * `nodeMonitorPeriodMs`, enqueue it):
 * 1. Health (tryUpdateNodeHealth). The controller remembers, on its own clock, when it last saw the node's
 *    Lease in `kube-node-lease` renewed (a newer spec.renewTime) or the Ready condition's lastHeartbeatTime
 *    change. Measuring on its own clock, from the moment it *observed* the change, makes clock skew between
 *    node and controller irrelevant (as upstream). Once that moment is older than the grace period
 *    (`nodeMonitorGracePeriodMs`, 50 s; `nodeStartupGracePeriodMs`, 60 s, for a node that never posted a Ready
 *    condition) the Ready, MemoryPressure, DiskPressure and PIDPressure conditions become Unknown with reason
 *    NodeStatusUnknown and message "Kubelet stopped posting node status." (NodeStatusNeverUpdated / "Kubelet
 *    never posted node status." for a missing condition), written through nodes/status. A controller that
 *    starts (or becomes leader) gives every node a full grace period from its first observation.
 * 2. Taints (processTaintBaseEviction + doNodeProcessingPassWorker), kept level-based on every reconcile:
 *    Ready=False -> `node.kubernetes.io/not-ready:NoExecute`, Ready=Unknown ->
 *    `node.kubernetes.io/unreachable:NoExecute` (the two swap; each with timeAdded), Ready=True -> neither.
 *    The NoSchedule condition taints follow the conditions too (not-ready, unreachable, memory-pressure,
 *    disk-pressure, pid-pressure, network-unavailable, and unschedulable from spec.unschedulable).
 * 3. Pods (MarkPodsNotReady): when this controller turns a Ready node not-ready, every pod on it gets its Ready
 *    condition set to False through pods/status (Warning event NodeNotReady "Node is not ready" on each pod),
 *    and the node gets the Normal event NodeNotReady "Node <name> status is now: NodeNotReady". A pod newly
 *    bound to a node that is not Ready is marked as well. A failure is retried.
 *
 * Evicting the pods of a NoExecute-tainted node is the taint eviction controller's job
 * (controller/tainteviction).
 *
 * Not modelled: zones and the disruption modes that slow or stop tainting when a large share of a zone (or the
 * whole cluster) goes dark; the taints are applied at once.
 */
import type { ConditionStatus, Node, NodeCondition, Pod, Taint } from '../../shared/api/core-v1.ts';
import { TAINT_NODE_NOT_READY, TAINT_NODE_UNREACHABLE, TAINT_NODE_UNSCHEDULABLE } from '../../shared/api/core-v1.ts';
import type { Lease } from '../../shared/api/coordination-v1.ts';
import { NODE_LEASE_NAMESPACE } from '../../shared/api/coordination-v1.ts';
import { deepCopy } from '../../shared/api/meta.ts';
import type { SharedInformerFactory } from '../../shared/cache/informer-factory.ts';
import type { SharedIndexInformer } from '../../shared/cache/shared-informer.ts';
import { metaNamespaceKeyFunc, unwrapTombstone } from '../../shared/cache/store.ts';
import type { Clientset } from '../../shared/client/clientset.ts';
import { isNotFound } from '../../shared/errors/status-error.ts';
import { realClock, type Clock } from '../../shared/util/clock.ts';
import { log as rootLog, type Logger } from '../../shared/util/log.ts';
import { until } from '../../shared/util/wait.ts';
import { getNodeCondition, getPodCondition, updatePodCondition } from '../framework/conditions.ts';
import { retryOnConflictNow } from '../framework/conflict-retry.ts';
import { Controller } from '../framework/controller.ts';
import type { EventRecorder } from '../framework/event-recorder.ts';
import { enqueueHandler, isResyncUpdate } from '../framework/handlers.ts';
import { POD_NODE_NAME_INDEX, podNodeNameIndexFunc } from '../framework/indexers.ts';
import type { Reconciler, Result } from '../framework/reconciler.ts';
import { parseTime, rfc3339 } from '../framework/time-format.ts';

export const NODE_STATUS_UNKNOWN_REASON = 'NodeStatusUnknown';
export const NODE_STATUS_UNKNOWN_MESSAGE = 'Kubelet stopped posting node status.';
export const NODE_STATUS_NEVER_UPDATED_REASON = 'NodeStatusNeverUpdated';
export const NODE_STATUS_NEVER_UPDATED_MESSAGE = 'Kubelet never posted node status.';

/** Conditions the controller turns Unknown when the node goes silent (NetworkUnavailable is not the kubelet's). */
const MONITORED_CONDITIONS = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'];

/** nodeConditionToTaintKeyStatusMap: which condition status gives which NoSchedule taint. */
const CONDITION_TAINTS: Record<string, Partial<Record<ConditionStatus, string>>> = {
  Ready: { False: TAINT_NODE_NOT_READY, Unknown: TAINT_NODE_UNREACHABLE },
  MemoryPressure: { True: 'node.kubernetes.io/memory-pressure' },
  DiskPressure: { True: 'node.kubernetes.io/disk-pressure' },
  NetworkUnavailable: { True: 'node.kubernetes.io/network-unavailable' },
  PIDPressure: { True: 'node.kubernetes.io/pid-pressure' },
};
const MANAGED_NO_SCHEDULE_KEYS = new Set([...Object.values(CONDITION_TAINTS).flatMap((m) => Object.values(m)), TAINT_NODE_UNSCHEDULABLE]);
const MANAGED_NO_EXECUTE_KEYS = new Set([TAINT_NODE_NOT_READY, TAINT_NODE_UNREACHABLE]);

export interface NodeLifecycleControllerOptions {
  clientset: Clientset;
  informerFactory: SharedInformerFactory;
  recorder: EventRecorder;
  /** @default 50000 (--node-monitor-grace-period) */
  nodeMonitorGracePeriodMs?: number;
  /** Grace for a node that never posted a Ready condition. @default 60000 (--node-startup-grace-period) */
  nodeStartupGracePeriodMs?: number;
  /** Every node is re-checked this often. @default 5000 (--node-monitor-period) */
  nodeMonitorPeriodMs?: number;
  /** @default 4 */
  workers?: number;
  /** @default realClock */
  clock?: Clock;
  log?: Logger;
}

/** What the controller remembers per node (nodeHealthData), on its own clock. */
interface NodeHealth {
  /** When a heartbeat (lease renewal or Ready heartbeat change) was last observed. */
  probeMs: number;
  /** When the Ready condition was last seen to change. */
  readyTransitionMs: number;
  /** The Ready condition's heartbeat and transition times as last seen; undefined: no Ready condition. */
  ready: { heartbeat: string; transition: string } | undefined;
  /** The lease renewTime last seen. */
  leaseRenewMs: number | undefined;
}

export class NodeLifecycleController implements Reconciler {
  readonly controller: Controller;
  readonly #clientset: Clientset;
  readonly #recorder: EventRecorder;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #gracePeriodMs: number;
  readonly #startupGracePeriodMs: number;
  readonly #monitorPeriodMs: number;
  readonly #nodes: SharedIndexInformer<Node>;
  readonly #leases: SharedIndexInformer<Lease>;
  readonly #pods: SharedIndexInformer<Pod>;
  readonly #health = new Map<string, NodeHealth>();
  /** Nodes whose pods must be marked not ready again (the last attempt failed). */
  readonly #needsRetry = new Set<string>();
  /** Pods newly bound to a node, to mark not ready if that node is not Ready (podUpdated/processPod). */
  readonly #newlyBound = new Map<string, Set<string>>();

  constructor(options: NodeLifecycleControllerOptions) {
    this.#clientset = options.clientset;
    this.#recorder = options.recorder;
    this.#clock = options.clock ?? realClock;
    this.#log = (options.log ?? rootLog).with({ controller: 'node-lifecycle-controller' });
    this.#gracePeriodMs = options.nodeMonitorGracePeriodMs ?? 50_000;
    this.#startupGracePeriodMs = options.nodeStartupGracePeriodMs ?? 60_000;
    this.#monitorPeriodMs = options.nodeMonitorPeriodMs ?? 5_000;
    this.controller = new Controller({
      name: 'node-lifecycle-controller',
      reconciler: this,
      workers: options.workers ?? 4,
      clock: this.#clock,
      log: options.log ?? rootLog,
    });
    const f = options.informerFactory;
    this.#nodes = f.nodes<Node>();
    this.#leases = f.leases<Lease>({ namespace: NODE_LEASE_NAMESPACE });
    this.#pods = f.pods<Pod>({ indexers: { [POD_NODE_NAME_INDEX]: podNodeNameIndexFunc } });

    const enqueue = (key: string) => this.controller.enqueue(key);
    this.#nodes.addEventHandler(enqueueHandler<Node>(enqueue));
    // A lease is named after its node.
    this.#leases.addEventHandler(enqueueHandler<Lease>(enqueue, { keysOf: (l) => (l.metadata.name ? [l.metadata.name] : []) }));
    this.#pods.addEventHandler({
      onAdd: (pod) => this.#podBound(undefined, pod),
      onUpdate: (oldPod, pod) => {
        if (!isResyncUpdate(oldPod, pod)) this.#podBound(oldPod, pod);
      },
      onDelete: (obj) => {
        const pod = unwrapTombstone(obj);
        const nodeName = pod.spec?.nodeName;
        if (nodeName) this.#newlyBound.get(nodeName)?.delete(metaNamespaceKeyFunc(pod));
      },
    });
  }

  /** Runs the workers and the periodic monitor pass until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const monitor = (async () => {
      await this.#nodes.whenSynced(signal);
      await until(() => this.monitorNodeHealth(), this.#monitorPeriodMs, signal, this.#clock, { log: this.#log });
    })();
    await this.controller.run(signal, {
      hasSynced: [() => this.#nodes.hasSynced(), () => this.#leases.hasSynced(), () => this.#pods.hasSynced()],
    });
    await monitor;
  }

  /** The periodic pass: every known node is looked at again (and forgotten health data is dropped). */
  monitorNodeHealth(): void {
    const names = new Set<string>();
    for (const node of this.#nodes.lister.list()) {
      const name = node.metadata.name;
      if (!name) continue;
      names.add(name);
      this.controller.enqueue(name);
    }
    for (const name of this.#health.keys()) if (!names.has(name)) this.#health.delete(name);
  }

  async reconcile(name: string, signal: AbortSignal): Promise<Result> {
    const cached = this.#nodes.lister.get(name);
    if (!cached) {
      this.#health.delete(name);
      this.#needsRetry.delete(name);
      this.#newlyBound.delete(name);
      return {};
    }

    // 1. Health: turn a silent node's conditions Unknown (retrying with a fresh read after a conflict). The
    // cached node is copied only when it is about to change: every node passes here each monitor period.
    let node: Node = cached;
    let outcome: HealthOutcome | undefined;
    for (let attempt = 0; ; attempt++) {
      try {
        outcome = await this.#tryUpdateNodeHealth(node, signal);
        node = outcome.node;
        break;
      } catch (err) {
        if (isNotFound(err)) return {};
        if (attempt >= 4 || signal.aborted) throw err;
        node = (await this.#clientset.nodes.get('', name, { signal })) as Node;
      }
    }
    const { observedReady, currentReady } = outcome;

    // 2. Taints follow the (possibly just updated) conditions.
    node = await this.#reconcileTaints(node, signal);

    // 3. Pods on a node that just stopped being Ready (or that were just bound to a not-ready node).
    if (currentReady) {
      const newlyBound = this.#newlyBound.get(name);
      this.#newlyBound.delete(name);
      const notReady = currentReady.status !== 'True';
      let pods: Pod[] | undefined;
      if (notReady && observedReady.status === 'True') {
        this.#recorder.event(node, 'Normal', 'NodeNotReady', `Node ${name} status is now: NodeNotReady`);
        pods = this.#podsOn(name);
      } else if (notReady && this.#needsRetry.has(name)) {
        pods = this.#podsOn(name);
      } else if (notReady && newlyBound && newlyBound.size > 0) {
        pods = this.#podsOn(name).filter((p) => newlyBound.has(metaNamespaceKeyFunc(p)));
      }
      if (pods && pods.length > 0) {
        try {
          await this.#markPodsNotReady(pods, name, signal);
        } catch (err) {
          this.#needsRetry.add(name);
          throw err;
        }
      }
      this.#needsRetry.delete(name);
    }

    // Look again right when the node would go stale, rather than up to a monitor period later.
    const health = this.#health.get(name);
    if (health && currentReady?.status !== 'Unknown') {
      const grace = currentReady ? this.#gracePeriodMs : this.#startupGracePeriodMs;
      const staleIn = health.probeMs + grace - this.#clock.now();
      if (staleIn >= 0) return { requeueAfterMs: staleIn + 1 };
    }
    return {};
  }

  #podBound(oldPod: Pod | undefined, pod: Pod): void {
    const nodeName = pod.spec?.nodeName;
    if (!nodeName || oldPod?.spec?.nodeName === nodeName) return;
    let set = this.#newlyBound.get(nodeName);
    if (!set) this.#newlyBound.set(nodeName, (set = new Set()));
    set.add(metaNamespaceKeyFunc(pod));
    this.controller.enqueue(nodeName);
  }

  #podsOn(nodeName: string): Pod[] {
    return this.#pods.lister.byIndex(POD_NODE_NAME_INDEX, nodeName);
  }

  /**
   * tryUpdateNodeHealth: updates the remembered health from what `node` (possibly the informer's object, never
   * changed here) and its lease show, and if the node has been silent longer than its grace period, writes its
   * conditions as Unknown on a copy. Returns the Ready condition as observed (before) and as it is now.
   */
  async #tryUpdateNodeHealth(node: Node, signal: AbortSignal): Promise<HealthOutcome> {
    const name = node.metadata.name as string;
    const now = this.#clock.now();
    const saved = this.#health.get(name);
    const createdMs = parseTime(node.metadata.creationTimestamp) ?? now;
    const created = node.metadata.creationTimestamp ?? rfc3339(now);
    const ready = getNodeCondition(node.status, 'Ready');

    let observedReady: NodeCondition;
    let grace: number;
    let health: NodeHealth;
    if (!ready) {
      // Never posted: treat it as Unknown since its creation and give it the startup grace period.
      observedReady = { type: 'Ready', status: 'Unknown', lastHeartbeatTime: created, lastTransitionTime: created };
      grace = this.#startupGracePeriodMs;
      health = saved ? { ...saved, ready: undefined } : { probeMs: createdMs, readyTransitionMs: createdMs, ready: undefined, leaseRenewMs: undefined };
    } else {
      observedReady = { ...ready };
      grace = this.#gracePeriodMs;
      const seen = { heartbeat: ready.lastHeartbeatTime ?? '', transition: ready.lastTransitionTime ?? '' };
      if (!saved || !saved.ready) {
        // First sight of the node (or of its Ready condition): assume it is alive now.
        health = { probeMs: now, readyTransitionMs: now, ready: seen, leaseRenewMs: saved?.leaseRenewMs };
      } else if (saved.ready.heartbeat !== seen.heartbeat) {
        health = {
          probeMs: now,
          readyTransitionMs: saved.ready.transition !== seen.transition ? now : saved.readyTransitionMs,
          ready: seen,
          leaseRenewMs: saved.leaseRenewMs,
        };
      } else {
        health = { ...saved, ready: seen };
      }
    }
    // A renewed lease counts as a heartbeat, whatever the status says.
    const lease = this.#leases.lister.get(`${NODE_LEASE_NAMESPACE}/${name}`);
    const renewMs = parseTime(lease?.spec?.renewTime);
    if (renewMs !== undefined && (health.leaseRenewMs === undefined || health.leaseRenewMs < renewMs)) {
      health.leaseRenewMs = renewMs;
      health.probeMs = now;
    }
    this.#health.set(name, health);

    if (!(now > health.probeMs + grace)) return { node, observedReady, currentReady: ready };

    node = deepCopy(node);
    const status = node.status ?? (node.status = {});
    const conditions = status.conditions ?? (status.conditions = []);
    const nowTime = rfc3339(now);
    for (const type of MONITORED_CONDITIONS) {
      const c = conditions.find((x) => x.type === type);
      if (!c) {
        conditions.push({
          type,
          status: 'Unknown',
          reason: NODE_STATUS_NEVER_UPDATED_REASON,
          message: NODE_STATUS_NEVER_UPDATED_MESSAGE,
          lastHeartbeatTime: created,
          lastTransitionTime: nowTime,
        });
      } else if (c.status !== 'Unknown') {
        c.status = 'Unknown';
        c.reason = NODE_STATUS_UNKNOWN_REASON;
        c.message = NODE_STATUS_UNKNOWN_MESSAGE;
        c.lastTransitionTime = nowTime;
      }
    }
    const currentReady = conditions.find((x) => x.type === 'Ready');
    if (!currentReady || sameCondition(currentReady, observedReady)) return { node, observedReady, currentReady };

    this.#log.info('Node stopped posting status, marking its conditions Unknown', {
      node: name,
      silentForMs: now - health.probeMs,
    });
    const updated = (await this.#clientset.nodes.updateStatus(node, { signal })) as Node;
    this.#health.set(name, {
      ...health,
      readyTransitionMs: now,
      ready: { heartbeat: currentReady.lastHeartbeatTime ?? '', transition: currentReady.lastTransitionTime ?? '' },
    });
    return { node: updated, observedReady, currentReady: getNodeCondition(updated.status, 'Ready') ?? currentReady };
  }

  /** Brings the controller-managed taints in line with the node's conditions; returns the node as written. */
  async #reconcileTaints(node: Node, signal: AbortSignal): Promise<Node> {
    const name = node.metadata.name as string;
    return retryOnConflictNow(async (attempt) => {
      const current = attempt === 0 ? node : ((await this.#clientset.nodes.get('', name, { signal })) as Node);
      const taints = desiredTaints(current, this.#clock.now());
      if (!taints) return current;
      const next = deepCopy(current);
      next.spec = { ...next.spec, taints };
      if (taints.length === 0) delete next.spec.taints;
      const before = (current.spec?.taints ?? []).map(taintString);
      const after = taints.map(taintString);
      this.#log.info('Updating node taints', {
        node: name,
        added: after.filter((t) => !before.includes(t)),
        removed: before.filter((t) => !after.includes(t)),
      });
      return (await this.#clientset.nodes.update(next, { signal })) as Node;
    });
  }

  /** MarkPodsNotReady: the Ready condition of each pod becomes False. Throws after trying them all if any failed. */
  async #markPodsNotReady(pods: Pod[], nodeName: string, signal: AbortSignal): Promise<void> {
    const errors: unknown[] = [];
    for (const cached of pods) {
      if (cached.spec?.nodeName !== nodeName) continue;
      const ns = cached.metadata.namespace ?? '';
      const podName = cached.metadata.name ?? '';
      try {
        const changed = await retryOnConflictNow(async (attempt) => {
          const pod = deepCopy(attempt === 0 ? cached : ((await this.#clientset.pods.get(ns, podName, { signal })) as Pod));
          const ready = getPodCondition(pod.status, 'Ready');
          if (!ready || !pod.status) return false;
          if (!updatePodCondition(pod.status, { ...ready, status: 'False' }, this.#clock.now())) return false;
          await this.#clientset.pods.updateStatus(pod, { signal });
          return true;
        });
        if (!changed) continue;
        this.#log.info('Marked pod not ready', { pod: `${ns}/${podName}`, node: nodeName });
        this.#recorder.event(cached, 'Warning', 'NodeNotReady', 'Node is not ready');
      } catch (err) {
        if (isNotFound(err)) continue;
        errors.push(err);
      }
    }
    if (errors.length > 0) {
      throw new AggregateError(errors, `Cannot mark ${errors.length} pod(s) on node ${nodeName} not ready`);
    }
  }
}

interface HealthOutcome {
  node: Node;
  observedReady: NodeCondition;
  currentReady: NodeCondition | undefined;
}

function sameCondition(a: NodeCondition, b: NodeCondition): boolean {
  return (
    a.status === b.status &&
    (a.reason ?? '') === (b.reason ?? '') &&
    (a.message ?? '') === (b.message ?? '') &&
    (a.lastHeartbeatTime ?? '') === (b.lastHeartbeatTime ?? '') &&
    (a.lastTransitionTime ?? '') === (b.lastTransitionTime ?? '')
  );
}

function taintString(t: Taint): string {
  return `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`;
}

/**
 * The node's taint list with the controller-managed taints matching its conditions, or undefined when it
 * already does. Taints the controller does not manage are kept as they are, in place; a kept NoExecute taint
 * keeps its timeAdded; new NoExecute taints get timeAdded = now.
 */
export function desiredTaints(node: Node, nowMs: number): Taint[] | undefined {
  const current = node.spec?.taints ?? [];
  const conditions = node.status?.conditions ?? [];
  const wantNoSchedule = new Set<string>();
  for (const c of conditions) {
    const key = CONDITION_TAINTS[c.type]?.[c.status];
    if (key) wantNoSchedule.add(key);
  }
  if (node.spec?.unschedulable) wantNoSchedule.add(TAINT_NODE_UNSCHEDULABLE);
  // NoExecute taints follow Ready only; without a Ready condition they are left alone.
  const ready = conditions.find((c) => c.type === 'Ready');
  let wantNoExecute: Set<string> | undefined;
  if (ready?.status === 'True') wantNoExecute = new Set();
  else if (ready?.status === 'False') wantNoExecute = new Set([TAINT_NODE_NOT_READY]);
  else if (ready?.status === 'Unknown') wantNoExecute = new Set([TAINT_NODE_UNREACHABLE]);

  const out: Taint[] = [];
  for (const t of current) {
    if (t.effect === 'NoSchedule' && MANAGED_NO_SCHEDULE_KEYS.has(t.key) && !wantNoSchedule.has(t.key)) continue;
    if (wantNoExecute && t.effect === 'NoExecute' && MANAGED_NO_EXECUTE_KEYS.has(t.key) && !wantNoExecute.has(t.key)) continue;
    out.push(t);
  }
  for (const key of wantNoSchedule) {
    if (!out.some((t) => t.key === key && t.effect === 'NoSchedule')) out.push({ key, effect: 'NoSchedule' });
  }
  for (const key of wantNoExecute ?? []) {
    if (!out.some((t) => t.key === key && t.effect === 'NoExecute')) out.push({ key, effect: 'NoExecute', timeAdded: rfc3339(nowMs) });
  }
  if (out.length === current.length && out.every((t, i) => t === current[i])) return undefined;
  return out;
}
