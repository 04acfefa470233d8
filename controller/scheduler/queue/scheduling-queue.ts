/**
 * The scheduling queue (kube-scheduler internal/queue/scheduling_queue.go PriorityQueue), three parts:
 *
 * - activeQ: pods ready to be tried, highest spec.priority first, then the earliest (re)queue time
 *   (PrioritySort). `pop()` takes from here and waits while it is empty.
 * - backoffQ: pods that failed recently, waiting out a per-pod exponential backoff: 1 s after the first
 *   attempt, doubling per attempt, capped at 10 s, counted from the time the pod was requeued. Pods move to
 *   activeQ when their backoff expires (checked on every pop, by a timer while pop waits, and every second
 *   while `run` is active).
 * - unschedulable: pods that fit nowhere. They stay until a cluster event one of their rejecting plugins
 *   registered for (node added, taint removed, assigned pod deleted, ...) moves them to backoffQ (if still
 *   backing off) or activeQ, or until they have waited `podMaxInUnschedulablePodsDuration` (5 min; checked
 *   every 30 s while `run` is active).
 *
 * A popped pod is "in flight" until `done(key)` or `addUnschedulableIfNotPresent`. Updates and deletes that
 * arrive meanwhile are remembered: a pod deleted in flight is dropped when it fails; a pod updated in flight,
 * or one whose cycle overlapped a cluster event (moveRequestCycle), goes to backoffQ instead of the
 * unschedulable set so that the change is not lost. Pods that failed with an error (no rejecting plugin) also
 * go to backoffQ.
 *
 * Pods with scheduling gates are held in the unschedulable set, untouched by cluster events, until an update
 * removes the gates (the SchedulingGates PreEnqueue plugin).
 *
 * Status-only updates (e.g. the scheduler's own PodScheduled=False patch) refresh the stored object but do not
 * requeue the pod.
 */
import type { Pod } from '../../../shared/api/core-v1.ts';
import { realClock, type Clock, type Timer } from '../../../shared/util/clock.ts';
import type { ClusterEvent } from '../framework/interface.ts';
import { podKey } from '../framework/node-info.ts';
import { Heap } from './heap.ts';

export interface QueuedPodInfo {
  /** The latest version of the pod the queue has seen. */
  pod: Pod;
  readonly key: string;
  /** When the pod was last added to the queue (new, or requeued after a failure). */
  timestamp: number;
  /** When the pod was first popped. */
  initialAttemptTimestamp: number | undefined;
  /** Scheduling attempts so far (incremented by pop). */
  attempts: number;
  /** Plugins that rejected the pod in its last attempt. */
  unschedulablePlugins: Set<string>;
  /** The scheduling cycle of the last pop. */
  cycle: number;
}

export interface SchedulingQueueOptions {
  /** @default realClock */
  clock?: Clock;
  /** @default 1000 */
  podInitialBackoffMs?: number;
  /** @default 10000 */
  podMaxBackoffMs?: number;
  /** @default 300000 (5 min) */
  podMaxInUnschedulablePodsDurationMs?: number;
  /** Period of the backoffQ flush while `run` is active. @default 1000 */
  flushBackoffPeriodMs?: number;
  /** Period of the unschedulable-leftover flush while `run` is active. @default 30000 */
  flushUnschedulablePeriodMs?: number;
  /**
   * Whether `event` may help a pod rejected by `rejectors` (Framework.isInterested). @default always true
   */
  isInterested?: (rejectors: ReadonlySet<string>, event: ClusterEvent) => boolean;
}

interface InFlight {
  info: QueuedPodInfo;
  latest: Pod | undefined;
  updated: boolean;
  deleted: boolean;
}

/** Upstream isPodUpdated: anything but status, resourceVersion, generation (and managedFields) changed. */
export function isPodUpdated(oldPod: Pod, newPod: Pod): boolean {
  return podSignature(oldPod) !== podSignature(newPod);
}

function podSignature(p: Pod): string {
  const { resourceVersion: _rv, generation: _g, managedFields: _mf, ...meta } = p.metadata;
  return JSON.stringify([meta, p.spec]);
}

export function isGated(pod: Pod): boolean {
  return (pod.spec.schedulingGates?.length ?? 0) > 0;
}

export class QueueClosedError extends Error {
  constructor() {
    super('Cannot pop a pod as the scheduling queue is closed');
    this.name = 'QueueClosedError';
  }
}

export class SchedulingQueue {
  readonly #clock: Clock;
  readonly #initialBackoff: number;
  readonly #maxBackoff: number;
  readonly #maxUnschedulable: number;
  readonly #flushBackoffPeriod: number;
  readonly #flushUnschedulablePeriod: number;
  readonly #isInterested: (rejectors: ReadonlySet<string>, event: ClusterEvent) => boolean;

  readonly #active = new Heap<QueuedPodInfo>(
    (p) => p.key,
    (a, b) => {
      const pa = a.pod.spec.priority ?? 0;
      const pb = b.pod.spec.priority ?? 0;
      return pa > pb || (pa === pb && a.timestamp < b.timestamp);
    },
  );
  readonly #backoff = new Heap<QueuedPodInfo>(
    (p) => p.key,
    (a, b) => this.#backoffExpiry(a) < this.#backoffExpiry(b),
  );
  readonly #unschedulable = new Map<string, QueuedPodInfo>();
  /** Gated pods (subset of #unschedulable's key space, kept apart). */
  readonly #gated = new Map<string, QueuedPodInfo>();
  readonly #inFlight = new Map<string, InFlight>();

  #schedulingCycle = 0;
  #moveRequestCycle = -1;
  #closed = false;
  #waiters = new Set<() => void>();
  #waitTimer: Timer | undefined;

  constructor(options: SchedulingQueueOptions = {}) {
    this.#clock = options.clock ?? realClock;
    this.#initialBackoff = options.podInitialBackoffMs ?? 1000;
    this.#maxBackoff = options.podMaxBackoffMs ?? 10_000;
    this.#maxUnschedulable = options.podMaxInUnschedulablePodsDurationMs ?? 300_000;
    this.#flushBackoffPeriod = options.flushBackoffPeriodMs ?? 1000;
    this.#flushUnschedulablePeriod = options.flushUnschedulablePeriodMs ?? 30_000;
    this.#isInterested = options.isInterested ?? (() => true);
  }

  /** Incremented by every pop. */
  get schedulingCycle(): number {
    return this.#schedulingCycle;
  }

  /** Sizes of the three queues, the gated pods and the pods in flight. */
  get lengths(): { active: number; backoff: number; unschedulable: number; gated: number; inFlight: number } {
    return { active: this.#active.size, backoff: this.#backoff.size, unschedulable: this.#unschedulable.size, gated: this.#gated.size, inFlight: this.#inFlight.size };
  }

  /** Where the pod with this key is: 'active' | 'backoff' | 'unschedulable' | 'gated' | 'inFlight' | undefined. */
  whereIs(key: string): 'active' | 'backoff' | 'unschedulable' | 'gated' | 'inFlight' | undefined {
    if (this.#active.has(key)) return 'active';
    if (this.#backoff.has(key)) return 'backoff';
    if (this.#unschedulable.has(key)) return 'unschedulable';
    if (this.#gated.has(key)) return 'gated';
    if (this.#inFlight.has(key)) return 'inFlight';
    return undefined;
  }

  /** The queued entry for a key (not for pods in flight). */
  get(key: string): QueuedPodInfo | undefined {
    return this.#active.get(key) ?? this.#backoff.get(key) ?? this.#unschedulable.get(key) ?? this.#gated.get(key);
  }

  /** A new pending pod (informer add). A pod already known is treated as an update. */
  add(pod: Pod): void {
    const key = podKey(pod);
    const existing = this.get(key) ?? this.#inFlight.get(key)?.info;
    if (existing) {
      this.update(existing.pod, pod);
      return;
    }
    const info: QueuedPodInfo = { pod, key, timestamp: this.#clock.now(), initialAttemptTimestamp: undefined, attempts: 0, unschedulablePlugins: new Set(), cycle: 0 };
    if (isGated(pod)) {
      this.#gated.set(key, info);
      return;
    }
    this.#addActive(info);
  }

  /** A pending pod changed (informer update). */
  update(oldPod: Pod, newPod: Pod): void {
    const key = podKey(newPod);
    const flight = this.#inFlight.get(key);
    if (flight) {
      flight.latest = newPod;
      if (isPodUpdated(oldPod, newPod)) flight.updated = true;
      return;
    }
    const active = this.#active.get(key);
    if (active) {
      active.pod = newPod;
      this.#active.addOrUpdate(active);
      return;
    }
    const backoff = this.#backoff.get(key);
    if (backoff) {
      backoff.pod = newPod;
      return;
    }
    const gated = this.#gated.get(key);
    if (gated) {
      gated.pod = newPod;
      if (!isGated(newPod)) {
        this.#gated.delete(key);
        this.#addActive(gated);
      }
      return;
    }
    const unschedulable = this.#unschedulable.get(key);
    if (unschedulable) {
      unschedulable.pod = newPod;
      if (isPodUpdated(oldPod, newPod)) {
        this.#unschedulable.delete(key);
        this.#requeue(unschedulable);
      }
      return;
    }
    this.add(newPod);
  }

  /** The pod is gone, or no longer pending (deleted, assigned by someone else). */
  delete(pod: Pod): void {
    const key = podKey(pod);
    this.#active.delete(key);
    this.#backoff.delete(key);
    this.#unschedulable.delete(key);
    this.#gated.delete(key);
    const flight = this.#inFlight.get(key);
    if (flight) flight.deleted = true;
  }

  /**
   * Takes the next pod from activeQ, waiting while it is empty. Rejects with the signal's reason when
   * aborted, and with QueueClosedError once closed.
   */
  async pop(signal?: AbortSignal): Promise<QueuedPodInfo> {
    for (;;) {
      if (this.#closed) throw new QueueClosedError();
      signal?.throwIfAborted();
      this.flushBackoffQCompleted();
      const info = this.#active.pop();
      if (info) {
        this.#schedulingCycle++;
        info.attempts++;
        info.cycle = this.#schedulingCycle;
        info.initialAttemptTimestamp ??= this.#clock.now();
        this.#inFlight.set(info.key, { info, latest: undefined, updated: false, deleted: false });
        return info;
      }
      await this.#wait(signal);
    }
  }

  /** The pod's scheduling attempt finished (bound, or given up). */
  done(key: string): void {
    this.#inFlight.delete(key);
  }

  /**
   * Requeues a pod whose attempt failed (AddUnschedulableIfNotPresent). `info.unschedulablePlugins` must hold
   * the rejecting plugins (empty for errors). Returns where the pod went, or undefined if dropped (it was
   * deleted meanwhile, or is queued already).
   */
  addUnschedulableIfNotPresent(info: QueuedPodInfo): 'backoff' | 'active' | 'unschedulable' | undefined {
    const flight = this.#inFlight.get(info.key);
    this.#inFlight.delete(info.key);
    if (flight?.deleted) return undefined;
    if (this.get(info.key)) return undefined;
    if (flight?.latest) info.pod = flight.latest;
    info.timestamp = this.#clock.now();
    if (isGated(info.pod)) {
      this.#gated.set(info.key, info);
      return undefined;
    }
    if (flight?.updated || this.#moveRequestCycle >= info.cycle || info.unschedulablePlugins.size === 0) {
      return this.#requeue(info);
    }
    this.#unschedulable.set(info.key, info);
    return 'unschedulable';
  }

  /**
   * A cluster event happened: unschedulable pods it may help move to backoffQ/activeQ. `preCheck` can
   * exclude pods (e.g. the pod whose own binding failed).
   */
  moveAllToActiveOrBackoffQueue(event: ClusterEvent, preCheck?: (pod: Pod) => boolean): number {
    let moved = 0;
    if (this.#unschedulable.size > 0) {
      for (const [key, info] of this.#unschedulable) {
        if (preCheck && !preCheck(info.pod)) continue;
        if (!this.#isInterested(info.unschedulablePlugins, event)) continue;
        this.#unschedulable.delete(key);
        this.#requeue(info);
        moved++;
      }
    }
    this.#moveRequestCycle = this.#schedulingCycle;
    return moved;
  }

  /** Moves pods whose backoff expired from backoffQ to activeQ. */
  flushBackoffQCompleted(): number {
    let moved = 0;
    const now = this.#clock.now();
    for (;;) {
      const head = this.#backoff.peek();
      if (!head || this.#backoffExpiry(head) > now) break;
      this.#backoff.pop();
      this.#addActive(head);
      moved++;
    }
    return moved;
  }

  /** Moves pods that sat in the unschedulable set longer than podMaxInUnschedulablePodsDuration. */
  flushUnschedulablePodsLeftover(): number {
    const now = this.#clock.now();
    let moved = 0;
    for (const [key, info] of this.#unschedulable) {
      if (now - info.timestamp <= this.#maxUnschedulable) continue;
      this.#unschedulable.delete(key);
      this.#requeue(info);
      moved++;
    }
    return moved;
  }

  /** Runs the periodic flushes until `signal` aborts (then closes the queue). */
  run(signal: AbortSignal): void {
    if (signal.aborted) {
      this.close();
      return;
    }
    let backoffTimer: Timer | undefined;
    let leftoverTimer: Timer | undefined;
    const armBackoff = (): void => {
      backoffTimer = this.#clock.setTimeout(() => {
        this.flushBackoffQCompleted();
        armBackoff();
      }, this.#flushBackoffPeriod);
    };
    const armLeftover = (): void => {
      leftoverTimer = this.#clock.setTimeout(() => {
        this.flushUnschedulablePodsLeftover();
        armLeftover();
      }, this.#flushUnschedulablePeriod);
    };
    armBackoff();
    armLeftover();
    signal.addEventListener(
      'abort',
      () => {
        backoffTimer?.cancel();
        leftoverTimer?.cancel();
        this.close();
      },
      { once: true },
    );
  }

  /** Wakes and fails every waiting pop; later pops fail. */
  close(): void {
    this.#closed = true;
    this.#wakeAll();
  }

  /** The backoff a pod waits after `attempts` attempts: initial × 2^(attempts-1), capped. */
  backoffDuration(attempts: number): number {
    if (attempts <= 0) return 0;
    let d = this.#initialBackoff;
    for (let i = 1; i < attempts; i++) {
      if (d > this.#maxBackoff - d) return this.#maxBackoff;
      d += d;
    }
    return Math.min(d, this.#maxBackoff);
  }

  #backoffExpiry(info: QueuedPodInfo): number {
    return info.timestamp + this.backoffDuration(info.attempts);
  }

  isBackingOff(info: QueuedPodInfo): boolean {
    return info.attempts > 0 && this.#backoffExpiry(info) > this.#clock.now();
  }

  #requeue(info: QueuedPodInfo): 'backoff' | 'active' {
    if (this.isBackingOff(info)) {
      this.#backoff.addOrUpdate(info);
      if (this.#waiters.size > 0) this.#armWaitTimer();
      return 'backoff';
    }
    this.#addActive(info);
    return 'active';
  }

  #addActive(info: QueuedPodInfo): void {
    this.#active.addOrUpdate(info);
    this.#wakeAll();
  }

  #wakeAll(): void {
    if (this.#waiters.size === 0) return;
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    this.#waitTimer?.cancel();
    this.#waitTimer = undefined;
    for (const w of waiters) w();
  }

  /** While a pop waits, a timer flushes backoffQ when its head expires. */
  #armWaitTimer(): void {
    const head = this.#backoff.peek();
    if (!head) return;
    this.#waitTimer?.cancel();
    const delay = Math.max(0, this.#backoffExpiry(head) - this.#clock.now());
    this.#waitTimer = this.#clock.setTimeout(() => {
      this.#waitTimer = undefined;
      if (this.flushBackoffQCompleted() === 0) this.#armWaitTimer();
    }, delay);
  }

  #wait(signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        this.#waiters.delete(wake);
        reject(signal?.reason);
      };
      const wake = (): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      this.#waiters.add(wake);
      signal?.addEventListener('abort', onAbort, { once: true });
      if (this.#backoff.size > 0) this.#armWaitTimer();
    });
  }
}

