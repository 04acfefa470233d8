/**
 * The scheduler of `kubelab controller` (kube-scheduler scheduler.go, schedule_one.go, eventhandlers.go).
 *
 *   const factory = new SharedInformerFactory(clientset.client);
 *   const scheduler = new Scheduler({
 *     client: clientset,                                   // needs .pods (bind, patch) and .events (create, patch)
 *     informers: { pods: factory.pods<Pod>(), nodes: factory.nodes<Node>() },
 *   });
 *   factory.start(signal);
 *   await factory.waitForCacheSync(signal);
 *   await scheduler.run(signal);                           // until signal aborts
 *
 * One scheduling cycle (`scheduleOne`): pop the highest-priority pending pod → filter and score the nodes of
 * the cache snapshot (framework/runtime.ts) → assume the pod on the chosen node (the cache charges it at once,
 * so the next cycle sees the resources taken even before any watch event) → POST pods/binding in the
 * background while the next pod is scheduled. A successful bind emits a Normal `Scheduled` Event
 * ("Successfully assigned default/web to node-1"). A failed bind forgets the assumed pod, wakes pods that the
 * freed room may help, and requeues the pod with backoff (condition reason SchedulerError).
 *
 * A pod that fits nowhere gets PodScheduled=False, reason Unschedulable, message kube's FitError text
 * ("0/3 nodes are available: ... preemption: ..."), patched on the status subresource (strategic merge, only
 * when it changed), and a Warning `FailedScheduling` Event, aggregated per pod (count/lastTimestamp grow on
 * retries). It waits in the unschedulable set until a relevant cluster event.
 *
 * Only pods with spec.schedulerName equal to `schedulerName`, no spec.nodeName and no deletionTimestamp are
 * scheduled. Every assigned, non-terminated pod (whoever scheduled it) counts against its node.
 *
 * Informers: handlers only update the cache and the queue; nothing in them awaits. The scheduler never
 * mutates objects it got from informers.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Node, Pod, PodCondition } from '../../shared/api/core-v1.ts';
import { DEFAULT_SCHEDULER_NAME } from '../../shared/api/core-v1.ts';
import type { LabelSelector } from '../../shared/api/labels.ts';
import type { KubeObject } from '../../shared/api/meta.ts';
import type { ResourceEventHandler } from '../../shared/cache/shared-informer.ts';
import { DeletedFinalStateUnknown } from '../../shared/cache/store.ts';
import type { PatchType } from '../../shared/client/interfaces.ts';
import { realClock, type Clock, type Timer } from '../../shared/util/clock.ts';
import { log as rootLog, type Logger } from '../../shared/util/log.ts';
import { SchedulerCache } from './cache/scheduler-cache.ts';
import { EventRecorder, rfc3339, type EventSink } from './event-recorder.ts';
import { truncateMessage } from './framework/fit-error.ts';
import { isRejected, newStatus, type ActionType, type ClusterEvent, type Plugin, type Status } from './framework/interface.ts';
import { computePodResources, newPodInfo, podKey, podName } from './framework/node-info.ts';
import { Framework, type ScheduleResult } from './framework/runtime.ts';
import { DEFAULT_WEIGHTS, defaultPlugins } from './plugins/default-plugins.ts';
import { SchedulingQueue, QueueClosedError, type QueuedPodInfo } from './queue/scheduling-queue.ts';

// ---- what the scheduler needs from the outside ----

/** The pod verbs the scheduler uses (Clientset.pods / PodClient has them). */
export interface SchedulerPodClient {
  /** POST pods/{name}/binding. */
  bind(namespace: string, name: string, nodeName: string, options?: { uid?: string }): Promise<void>;
  /** PATCH, here always a strategic merge patch of the status subresource. */
  patch(namespace: string, name: string, patchType: PatchType, patch: unknown, options?: { subresource?: string }): Promise<unknown>;
}

/** What the scheduler needs of a client: a Clientset satisfies it. */
export interface SchedulerClient {
  pods: SchedulerPodClient;
  events: EventSink;
}

/** The part of a SharedIndexInformer the scheduler uses. */
export interface InformerLike<T extends KubeObject> {
  addEventHandler(handler: ResourceEventHandler<T>): unknown;
}

export interface SchedulerInformers {
  /** All pods (the scheduler needs assigned pods of every scheduler, and its own pending ones). */
  pods: InformerLike<Pod> & { lister: { get(key: string): Pod | undefined } };
  nodes: InformerLike<Node>;
}

export interface SchedulerOptions {
  client: SchedulerClient;
  informers: SchedulerInformers;
  /** @default 'default-scheduler' */
  schedulerName?: string;
  /** @default realClock */
  clock?: Clock;
  /** Random source in [0, 1) for tie breaks among equally scored nodes. @default Math.random */
  rand?: () => number;
  /** Score weights by plugin name, merged over the defaults (TaintToleration 3, NodeAffinity 2, ...). */
  weights?: Readonly<Record<string, number>>;
  /** Replace the whole plugin list (the default profile is plugins/default-plugins.ts). */
  plugins?: readonly Plugin[];
  /** Selector of default pod spreading (see plugins/pod-topology-spread.ts). */
  defaultSpreadSelector?: (pod: Pod) => LabelSelector | undefined;
  /** Percentage of nodes to find feasible before scoring; 0 = kube's adaptive default. @default 0 */
  percentageOfNodesToScore?: number;
  /** @default 30000 (0 = assumed pods never expire) */
  assumedPodTtlMs?: number;
  /** @default 1000 */
  podInitialBackoffMs?: number;
  /** @default 10000 */
  podMaxBackoffMs?: number;
  /** @default 300000 */
  podMaxInUnschedulablePodsDurationMs?: number;
  /** Bindings in flight before `run` waits for one to finish. @default 64 */
  maxInFlightBinds?: number;
  /** Event reportingInstance. @default `${schedulerName}-${hostname}` */
  reportingInstance?: string;
  log?: Logger;
}

export type ScheduleOneResult =
  | { kind: 'Scheduled'; pod: string; node: string }
  | { kind: 'Unschedulable' | 'Error'; pod: string; message: string }
  | { kind: 'Skipped'; pod: string; reason: string };

const POD_SCHEDULED = 'PodScheduled';

function unwrap<T extends KubeObject>(obj: T | DeletedFinalStateUnknown<T>): T {
  return obj instanceof DeletedFinalStateUnknown ? obj.obj : obj;
}

function isTerminal(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

function sameJson(a: unknown, b: unknown): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

function conditionsSignature(node: Node): string {
  return JSON.stringify((node.status?.conditions ?? []).map((c) => [c.type, c.status]).sort());
}

/** nodeSchedulingPropertiesChange: which scheduling-relevant properties a node update changed. */
export function nodeChangeActions(oldNode: Node, newNode: Node): ActionType[] {
  const out: ActionType[] = [];
  if ((oldNode.spec?.unschedulable ?? false) !== (newNode.spec?.unschedulable ?? false)) out.push('UpdateNodeTaint');
  if (!sameJson(oldNode.status?.allocatable, newNode.status?.allocatable)) out.push('UpdateNodeAllocatable');
  if (!sameJson(oldNode.metadata.labels ?? {}, newNode.metadata.labels ?? {})) out.push('UpdateNodeLabel');
  if (!sameJson(oldNode.spec?.taints ?? [], newNode.spec?.taints ?? []) && !out.includes('UpdateNodeTaint')) out.push('UpdateNodeTaint');
  if (conditionsSignature(oldNode) !== conditionsSignature(newNode)) out.push('UpdateNodeCondition');
  if (!sameJson(oldNode.metadata.annotations ?? {}, newNode.metadata.annotations ?? {})) out.push('UpdateNodeAnnotation');
  return out;
}

const NODE_ADD: ClusterEvent = { resource: 'Node', actions: ['Add'], label: 'NodeAdd' };
const ASSIGNED_POD_DELETE: ClusterEvent = { resource: 'Pod', actions: ['Delete'], label: 'AssignedPodDelete' };

export class Scheduler {
  readonly schedulerName: string;
  readonly framework: Framework;
  readonly queue: SchedulingQueue;
  readonly cache: SchedulerCache;
  readonly recorder: EventRecorder;
  readonly #client: SchedulerClient;
  readonly #podLister: { get(key: string): Pod | undefined };
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #maxInFlightBinds: number;
  readonly #bindings = new Set<Promise<void>>();
  readonly #statusWrites = new Set<Promise<void>>();
  #bindSlotWaiters: (() => void)[] = [];
  #running = false;
  /** Counters for benchmarks and tests. */
  readonly stats = { scheduled: 0, unschedulable: 0, errors: 0, bound: 0, bindFailures: 0, skipped: 0 };

  constructor(options: SchedulerOptions) {
    this.schedulerName = options.schedulerName ?? DEFAULT_SCHEDULER_NAME;
    this.#client = options.client;
    this.#clock = options.clock ?? realClock;
    this.#log = (options.log ?? rootLog).with({ component: 'scheduler' });
    this.#maxInFlightBinds = options.maxInFlightBinds ?? 64;
    this.#podLister = options.informers.pods.lister;
    const plugins = options.plugins ?? defaultPlugins(options.defaultSpreadSelector ? { defaultSpreadSelector: options.defaultSpreadSelector } : {});
    this.framework = new Framework({
      plugins,
      weights: { ...DEFAULT_WEIGHTS, ...options.weights },
      ...(options.percentageOfNodesToScore !== undefined ? { percentageOfNodesToScore: options.percentageOfNodesToScore } : {}),
      ...(options.rand ? { rand: options.rand } : {}),
    });
    this.queue = new SchedulingQueue({
      clock: this.#clock,
      ...(options.podInitialBackoffMs !== undefined ? { podInitialBackoffMs: options.podInitialBackoffMs } : {}),
      ...(options.podMaxBackoffMs !== undefined ? { podMaxBackoffMs: options.podMaxBackoffMs } : {}),
      ...(options.podMaxInUnschedulablePodsDurationMs !== undefined ? { podMaxInUnschedulablePodsDurationMs: options.podMaxInUnschedulablePodsDurationMs } : {}),
      isInterested: (rejectors, event) => this.framework.isInterested(rejectors, event),
    });
    this.cache = new SchedulerCache({ clock: this.#clock, ...(options.assumedPodTtlMs !== undefined ? { assumedPodTtlMs: options.assumedPodTtlMs } : {}) });
    this.recorder = new EventRecorder({
      sink: options.client.events,
      component: this.schedulerName,
      clock: this.#clock,
      log: this.#log,
      ...(options.reportingInstance ? { reportingInstance: options.reportingInstance } : {}),
    });
    options.informers.pods.addEventHandler(this.#podHandler());
    options.informers.nodes.addEventHandler(this.#nodeHandler());
  }

  /** A pending pod this scheduler is responsible for. */
  responsibleFor(pod: Pod): boolean {
    return !pod.spec.nodeName && (pod.spec.schedulerName || DEFAULT_SCHEDULER_NAME) === this.schedulerName;
  }

  // ---- the loop ----

  /**
   * Schedules pods until `signal` aborts, then waits for bindings in flight. Start it once the informers
   * synced. Also runs the queue's flush timers and the assumed-pod expiry (every second).
   */
  async run(signal: AbortSignal): Promise<void> {
    if (this.#running) throw new Error('Cannot run the scheduler as it is running already');
    this.#running = true;
    this.queue.run(signal);
    let cleanupTimer: Timer | undefined;
    const armCleanup = (): void => {
      cleanupTimer = this.#clock.setTimeout(() => {
        this.#expireAssumedPods();
        armCleanup();
      }, 1000);
    };
    armCleanup();
    signal.addEventListener('abort', () => cleanupTimer?.cancel(), { once: true });
    this.#log.info('Starting scheduler', { schedulerName: this.schedulerName, weights: this.framework.weights });
    let sliceStart = performance.now();
    try {
      while (!signal.aborted) {
        if (this.#bindings.size >= this.#maxInFlightBinds) await new Promise<void>((r) => this.#bindSlotWaiters.push(r));
        let info: QueuedPodInfo;
        try {
          info = await this.queue.pop(signal);
        } catch (err) {
          if (signal.aborted || err instanceof QueueClosedError) break;
          throw err;
        }
        this.scheduleQueuedPod(info);
        // Let I/O (binding responses, watch events) in at least every few milliseconds.
        if (performance.now() - sliceStart > 4) {
          await yieldToEventLoop();
          sliceStart = performance.now();
        }
      }
    } finally {
      await this.flush();
      this.#running = false;
      this.#log.info('Scheduler stopped', { ...this.stats });
    }
  }

  /** Pops one pod (waiting for one) and runs its scheduling cycle; the binding continues in the background. */
  async scheduleOne(signal?: AbortSignal): Promise<ScheduleOneResult> {
    const info = await this.queue.pop(signal);
    return this.scheduleQueuedPod(info);
  }

  /** The synchronous part of a cycle, for a pod already popped from the queue. */
  scheduleQueuedPod(info: QueuedPodInfo): ScheduleOneResult {
    const pod = info.pod;
    const name = podName(pod);
    if (pod.metadata.deletionTimestamp || pod.spec.nodeName || this.cache.nodeOf(info.key) !== undefined) {
      this.queue.done(info.key);
      this.stats.skipped++;
      return { kind: 'Skipped', pod: name, reason: pod.metadata.deletionTimestamp ? 'being deleted' : 'already assigned' };
    }
    let result: ScheduleResult;
    try {
      result = this.framework.schedulePod(pod, this.cache.snapshot());
    } catch (err) {
      const message = `running scheduling plugins: ${err instanceof Error ? err.message : String(err)}`;
      this.#handleFailure(info, newStatus('Error', message), message, undefined);
      this.stats.errors++;
      return { kind: 'Error', pod: name, message };
    }
    if (result.kind === 'Failed') {
      this.#handleFailure(info, result.status, result.message, result.diagnosis?.unschedulablePlugins);
      if (isRejected(result.status)) {
        this.stats.unschedulable++;
        this.#log.debug('Unable to schedule pod; no fit; waiting', { pod: name, err: result.message });
        return { kind: 'Unschedulable', pod: name, message: result.message };
      }
      this.stats.errors++;
      this.#log.warn('Error scheduling pod; retrying', { pod: name, err: result.message });
      return { kind: 'Error', pod: name, message: result.message };
    }
    const host = result.host;
    const assumed: Pod = { ...pod, spec: { ...pod.spec, nodeName: host } };
    this.cache.assume(assumed, host, newPodInfo(pod));
    this.stats.scheduled++;
    const binding = this.#bind(info, pod, assumed, host, result.evaluatedNodes, result.feasibleNodes);
    this.#bindings.add(binding);
    void binding.finally(() => {
      this.#bindings.delete(binding);
      const w = this.#bindSlotWaiters.shift();
      if (w) w();
    });
    return { kind: 'Scheduled', pod: name, node: host };
  }

  /** Resolves when the bindings, status patches and events started so far are done. */
  async flush(): Promise<void> {
    while (this.#bindings.size > 0 || this.#statusWrites.size > 0) {
      await Promise.allSettled([...this.#bindings, ...this.#statusWrites]);
    }
    await this.recorder.flush();
  }

  #expireAssumedPods(): void {
    for (const key of this.cache.cleanupAssumedPods()) this.#log.warn('Assumed pod expired without its binding being observed', { pod: key });
  }

  async #bind(info: QueuedPodInfo, pod: Pod, assumed: Pod, host: string, evaluatedNodes: number, feasibleNodes: number): Promise<void> {
    const ns = pod.metadata.namespace ?? '';
    const name = pod.metadata.name ?? '';
    try {
      await this.#client.pods.bind(ns, name, host, pod.metadata.uid ? { uid: pod.metadata.uid } : {});
    } catch (err) {
      this.stats.bindFailures++;
      this.cache.forget(assumed);
      // Forgetting the assumed pod freed room on the node, like a deleted assigned pod.
      this.queue.moveAllToActiveOrBackoffQueue(ASSIGNED_POD_DELETE, (p) => podKey(p) !== info.key);
      const message = `running Bind plugin "DefaultBinder": ${err instanceof Error ? err.message : String(err)}`;
      this.#log.warn('Failed to bind pod', { pod: `${ns}/${name}`, node: host, err });
      this.#handleFailure(info, newStatus('Error', message), message, undefined);
      return;
    }
    this.cache.finishBinding(assumed);
    this.queue.done(info.key);
    this.stats.bound++;
    this.#log.debug('Successfully bound pod to node', { pod: `${ns}/${name}`, node: host, evaluatedNodes, feasibleNodes });
    this.recorder.eventf(assumed, 'Normal', 'Scheduled', 'Binding', `Successfully assigned ${ns}/${name} to ${host}`);
  }

  /** handleSchedulingFailure: requeue (unless gone or assigned meanwhile), event, condition. */
  #handleFailure(info: QueuedPodInfo, status: Status, message: string, rejectors: Set<string> | undefined): void {
    const reason = isRejected(status) ? 'Unschedulable' : 'SchedulerError';
    info.unschedulablePlugins = rejectors ?? new Set();
    const pod = info.pod;
    const current = this.#podLister.get(`${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}`);
    if (!current || podKey(current) !== info.key) {
      this.queue.done(info.key);
      this.#log.debug('Pod no longer exists; not requeued', { pod: podName(pod) });
      return;
    }
    if (current.spec.nodeName) {
      this.queue.done(info.key);
      this.#log.debug('Pod has been assigned meanwhile; not requeued', { pod: podName(pod), node: current.spec.nodeName });
      return;
    }
    this.queue.addUnschedulableIfNotPresent(info);
    this.recorder.eventf(current, 'Warning', 'FailedScheduling', 'Scheduling', truncateMessage(message));
    this.#updateCondition(current, { type: POD_SCHEDULED, status: 'False', reason, message });
  }

  /** updatePod: patch the PodScheduled condition when status, reason or message changed. */
  #updateCondition(pod: Pod, cond: { type: string; status: 'False'; reason: string; message: string }): void {
    const old = pod.status?.conditions?.find((c) => c.type === cond.type);
    if (old && old.status === cond.status && old.reason === cond.reason && old.message === cond.message) return;
    const condition: PodCondition = {
      ...cond,
      lastProbeTime: null,
      lastTransitionTime: old && old.status === cond.status && old.lastTransitionTime ? old.lastTransitionTime : rfc3339(this.#clock.now()),
    };
    const ns = pod.metadata.namespace ?? '';
    const name = pod.metadata.name ?? '';
    const write = this.#client.pods
      .patch(ns, name, 'application/strategic-merge-patch+json', { status: { conditions: [condition] } }, { subresource: 'status' })
      .then(
        () => undefined,
        (err: unknown) => this.#log.warn('Error updating pod condition', { pod: `${ns}/${name}`, err }),
      );
    this.#statusWrites.add(write);
    void write.finally(() => this.#statusWrites.delete(write));
  }

  // ---- informer handlers (eventhandlers.go) ----

  #moveAll(event: ClusterEvent): void {
    this.queue.moveAllToActiveOrBackoffQueue(event);
  }

  #podHandler(): ResourceEventHandler<Pod> {
    const safe = (what: string, fn: () => void): void => {
      try {
        fn();
      } catch (err) {
        this.#log.error('Scheduler pod event handler failed', { event: what, err });
      }
    };
    return {
      onAdd: (pod) =>
        safe('add', () => {
          if (pod.spec.nodeName) {
            if (!isTerminal(pod)) this.cache.addPod(pod);
          } else if (this.responsibleFor(pod) && !pod.metadata.deletionTimestamp && !isTerminal(pod)) {
            this.queue.add(pod);
          }
        }),
      onUpdate: (oldPod, newPod) =>
        safe('update', () => {
          if (newPod.spec.nodeName) {
            if (!oldPod.spec.nodeName) this.queue.delete(newPod);
            if (isTerminal(newPod)) {
              if (this.cache.nodeOf(podKey(newPod)) !== undefined) {
                this.cache.removePod(newPod);
                this.#moveAll(ASSIGNED_POD_DELETE);
              }
              return;
            }
            this.cache.updatePod(oldPod, newPod);
            if (oldPod.spec.nodeName) {
              const actions: ActionType[] = [];
              const o = computePodResources(oldPod);
              const n = computePodResources(newPod);
              if (n.milliCPU < o.milliCPU || n.memory < o.memory || n.ephemeralStorage < o.ephemeralStorage) actions.push('UpdatePodScaleDown');
              if (!sameJson(oldPod.metadata.labels ?? {}, newPod.metadata.labels ?? {})) actions.push('UpdatePodLabel');
              if (actions.length > 0) this.#moveAll({ resource: 'Pod', actions, label: 'AssignedPodUpdate' });
            }
            return;
          }
          if (this.responsibleFor(newPod) && !newPod.metadata.deletionTimestamp && !isTerminal(newPod)) this.queue.update(oldPod, newPod);
          else this.queue.delete(newPod);
        }),
      onDelete: (obj) =>
        safe('delete', () => {
          const pod = unwrap<Pod>(obj);
          const key = podKey(pod);
          if (this.cache.nodeOf(key) !== undefined) {
            this.cache.removePod(pod);
            this.#moveAll(ASSIGNED_POD_DELETE);
          }
          this.queue.delete(pod);
          if (pod.metadata.uid) this.recorder.forgetObject(pod.metadata.uid);
        }),
    };
  }

  #nodeHandler(): ResourceEventHandler<Node> {
    const safe = (what: string, fn: () => void): void => {
      try {
        fn();
      } catch (err) {
        this.#log.error('Scheduler node event handler failed', { event: what, err });
      }
    };
    return {
      onAdd: (node) =>
        safe('add', () => {
          this.cache.addNode(node);
          this.#moveAll(NODE_ADD);
        }),
      onUpdate: (oldNode, newNode) =>
        safe('update', () => {
          this.cache.updateNode(oldNode, newNode);
          const actions = nodeChangeActions(oldNode, newNode);
          if (actions.length > 0) this.#moveAll({ resource: 'Node', actions, label: 'NodeUpdate' });
        }),
      onDelete: (obj) =>
        safe('delete', () => {
          this.cache.removeNode(unwrap<Node>(obj));
        }),
    };
  }
}
