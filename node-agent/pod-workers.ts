/**
 * PodWorkers: one asynchronous worker per pod UID (kubelet pkg/kubelet/pod_workers.go, simplified).
 *
 * Contract
 * - `updatePod()` never blocks. Updates for a pod are coalesced: while its worker is busy, only the latest
 *   pod object and the fact that work is pending are kept ("latest wins"); the worker runs once more after the
 *   current sync with the newest state. Different pods never wait for each other.
 * - A pod moves through phases `sync` -> `terminating` -> `terminated` -> `finished`, never backwards:
 *   - sync: `syncer.syncPod()` until it reports the pod terminal (Succeeded/Failed) or termination is
 *     requested (deletionTimestamp set, a `kill` update, or the pod was removed from the API);
 *   - terminating: `syncer.syncTerminatingPod()` stops all containers with the grace period;
 *   - terminated: `syncer.syncTerminatedPod()` releases resources (volumes, cgroups, sandbox);
 *   - finished: nothing runs any more. If the API object is deleted later, syncTerminatedPod runs once more
 *     with `deleting: true` (removal of sandbox and containers, deletion of the API object).
 * - Each sync gets an AbortSignal. Requesting termination (or shortening the grace period of a pod already
 *   terminating) aborts the sync in flight, so a kill never waits for a slow start.
 * - A failed sync is retried after `backOffPeriodMs`; a successful one is repeated after `resyncIntervalMs`
 *   (jittered) or the syncer's `requeueAfterMs`, whichever is sooner. PLEG events and probe results call
 *   updatePod({ type: 'sync' }) to run it at once.
 * - A pod removed from the API whose worker finished is forgotten (`onForget` is called).
 */
import type { Pod } from '../shared/api/core-v1.ts';
import { realClock, type Clock, type Timer } from '../shared/util/clock.ts';
import { log as rootLog, type Logger } from '../shared/util/log.ts';
import { podKey } from './container/runtime-pod.ts';

export type UpdateType = 'create' | 'update' | 'sync' | 'kill';
export type WorkerPhase = 'sync' | 'terminating' | 'terminated' | 'finished';

/** A pod known only from the runtime (no API object): killed as an orphan. */
export interface RunningPod {
  uid: string;
  name: string;
  namespace: string;
}

export interface UpdatePodOptions {
  type: UpdateType;
  /** The pod's uid (needed only when neither pod nor runningPod is given). */
  uid?: string;
  /** The latest API pod. Omit for 'sync' of a known pod, or with runningPod for an orphan. */
  pod?: Pod;
  runningPod?: RunningPod;
  /** For 'kill': the grace period to use (can only shorten the one in effect). */
  gracePeriodSeconds?: number;
}

export interface SyncPodResult {
  /** The pod reached Succeeded/Failed: terminate it. */
  terminal: boolean;
  /** Run again after this long (e.g. a CrashLoopBackOff that expires). */
  requeueAfterMs?: number;
}

export interface TerminatedOptions {
  /** The API object is being deleted or gone: remove everything, then delete the object. */
  deleting: boolean;
  /** The API object no longer exists. */
  removed: boolean;
}

/** What the workers call; implemented by the agent's pod syncer (kubelet.go SyncPod & co). */
export interface PodSyncer {
  syncPod(signal: AbortSignal, type: UpdateType, pod: Pod): Promise<SyncPodResult>;
  syncTerminatingPod(signal: AbortSignal, pod: Pod, gracePeriodSeconds: number, orphan: boolean): Promise<void>;
  syncTerminatedPod(signal: AbortSignal, pod: Pod, options: TerminatedOptions): Promise<void>;
}

export interface PodWorkersOptions {
  syncer: PodSyncer;
  clock?: Clock;
  log?: Logger;
  /** @default 60000 */
  resyncIntervalMs?: number;
  /** @default 10000 */
  backOffPeriodMs?: number;
  /** Grace period for orphans (runtime pods without an API object). @default 2 */
  orphanGracePeriodSeconds?: number;
  /** Called when a worker is dropped for good. */
  onForget?: (uid: string) => void;
  random?: () => number;
}

interface PodWork {
  uid: string;
  pod: Pod;
  orphan: boolean;
  phase: WorkerPhase;
  lastType: UpdateType;
  pending: boolean;
  working: boolean;
  abort: AbortController | undefined;
  gracePeriod: number | undefined;
  /** The API object is gone. */
  removed: boolean;
  /** syncTerminatedPod ran with deleting=true. */
  cleanedForDeletion: boolean;
  timer: Timer | undefined;
  failures: number;
}

/** The pod a runtime-only pod is synthesized as. */
function orphanPod(rp: RunningPod): Pod {
  return { metadata: { uid: rp.uid, name: rp.name, namespace: rp.namespace }, spec: { containers: [] } };
}

function isTerminalPhase(pod: Pod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

/**
 * The effective grace period when termination is requested (kubelet calculateEffectiveGracePeriod): an
 * explicit override, else metadata.deletionGracePeriodSeconds, else spec.terminationGracePeriodSeconds (30).
 */
export function effectiveGracePeriod(pod: Pod, override?: number): number {
  let g = pod.spec.terminationGracePeriodSeconds ?? 30;
  if (pod.metadata.deletionGracePeriodSeconds !== undefined) g = pod.metadata.deletionGracePeriodSeconds;
  if (override !== undefined) g = override;
  return Math.max(0, g);
}

export class PodWorkers {
  #syncer: PodSyncer;
  #clock: Clock;
  #log: Logger;
  #resyncMs: number;
  #backOffMs: number;
  #orphanGrace: number;
  #onForget: ((uid: string) => void) | undefined;
  #random: () => number;
  #work = new Map<string, PodWork>();
  #stopped = false;
  #idle: (() => void)[] = [];

  constructor(options: PodWorkersOptions) {
    this.#syncer = options.syncer;
    this.#clock = options.clock ?? realClock;
    this.#log = options.log ?? rootLog;
    this.#resyncMs = options.resyncIntervalMs ?? 60_000;
    this.#backOffMs = options.backOffPeriodMs ?? 10_000;
    this.#orphanGrace = options.orphanGracePeriodSeconds ?? 2;
    this.#onForget = options.onForget;
    this.#random = options.random ?? Math.random;
  }

  updatePod(options: UpdatePodOptions): void {
    if (this.#stopped) return;
    const uid = options.pod?.metadata.uid ?? options.runningPod?.uid ?? options.uid;
    if (!uid) throw new Error('Cannot update a pod worker as the update names no pod uid');
    let w = this.#work.get(uid);
    if (!w) {
      if (!options.pod && !options.runningPod) return; // a 'sync' for a pod we do not know
      const pod = options.pod ?? orphanPod(options.runningPod as RunningPod);
      w = {
        uid,
        pod,
        orphan: !options.pod,
        phase: 'sync',
        lastType: options.type,
        pending: false,
        working: false,
        abort: undefined,
        gracePeriod: undefined,
        removed: false,
        cleanedForDeletion: false,
        timer: undefined,
        failures: 0,
      };
      this.#work.set(uid, w);
      // A pod first seen terminal (agent restart) or as an orphan goes straight to termination.
      if (w.orphan) this.#requestTermination(w, this.#orphanGrace);
      else if (isTerminalPhase(pod)) this.#requestTermination(w, undefined);
    } else if (options.pod) {
      w.pod = options.pod;
      w.orphan = false;
    }
    // A pending 'create' is not downgraded by a 'sync' that arrives before it ran.
    if (options.type !== 'sync' || w.lastType !== 'create') w.lastType = options.type;
    if (options.type === 'kill') this.#requestTermination(w, options.gracePeriodSeconds);
    else if (w.pod.metadata.deletionTimestamp) this.#requestTermination(w, undefined);
    this.#enqueue(w);
  }

  /**
   * The API object is gone (deleted). The pod is terminated if it was not (with the grace period of its last
   * state, `finalPod` when the deletion event carried it), then forgotten.
   */
  podRemoved(uid: string, finalPod?: Pod): void {
    const w = this.#work.get(uid);
    if (!w) return;
    if (finalPod && finalPod.metadata.uid === uid) w.pod = finalPod;
    w.removed = true;
    this.#requestTermination(w, undefined);
    this.#enqueue(w);
  }

  #requestTermination(w: PodWork, override: number | undefined): void {
    const grace = effectiveGracePeriod(w.pod, override);
    if (w.phase === 'sync') {
      w.phase = 'terminating';
      w.gracePeriod = grace;
      w.abort?.abort(new Error('pod termination requested'));
    } else if (w.phase === 'terminating' && (w.gracePeriod === undefined || grace < w.gracePeriod)) {
      w.gracePeriod = grace;
      w.abort?.abort(new Error('pod termination grace period shortened'));
    }
  }

  #enqueue(w: PodWork): void {
    w.timer?.cancel();
    w.timer = undefined;
    w.pending = true;
    if (!w.working) void this.#run(w);
  }

  #requeueAfter(w: PodWork, ms: number): void {
    if (this.#stopped || this.#work.get(w.uid) !== w) return;
    w.timer?.cancel();
    w.timer = this.#clock.setTimeout(() => {
      w.timer = undefined;
      if (this.#work.get(w.uid) === w) this.#enqueue(w);
    }, ms);
  }

  async #run(w: PodWork): Promise<void> {
    w.working = true;
    try {
      while (w.pending && !this.#stopped && this.#work.get(w.uid) === w) {
        w.pending = false;
        const ac = new AbortController();
        w.abort = ac;
        const phase = w.phase;
        const pod = w.pod;
        try {
          await this.#step(w, phase, pod, ac.signal);
          w.failures = 0;
        } catch (err) {
          if (ac.signal.aborted) {
            // Termination was requested while syncing: the loop continues with the new phase.
            w.pending = true;
            continue;
          }
          w.failures++;
          this.#log.warn('Error syncing pod, skipping', { pod: podKey(pod), uid: w.uid, phase, err });
          this.#requeueAfter(w, this.#jitter(this.#backOffMs));
        } finally {
          w.abort = undefined;
        }
      }
    } finally {
      w.working = false;
      if (w.phase === 'finished' && w.removed && this.#work.get(w.uid) === w && !w.pending) this.#forget(w);
      if (!this.#anyWorking()) for (const r of this.#idle.splice(0)) r();
    }
  }

  async #step(w: PodWork, phase: WorkerPhase, pod: Pod, signal: AbortSignal): Promise<void> {
    switch (phase) {
      case 'sync': {
        const r = await this.#syncer.syncPod(signal, w.lastType === 'kill' ? 'sync' : w.lastType, pod);
        w.lastType = 'sync';
        if (r.terminal) {
          this.#requestTermination(w, undefined);
          w.pending = true;
          return;
        }
        const resync = this.#jitter(this.#resyncMs);
        this.#requeueAfter(w, r.requeueAfterMs !== undefined ? Math.min(r.requeueAfterMs, resync) : resync);
        return;
      }
      case 'terminating':
        await this.#syncer.syncTerminatingPod(signal, pod, w.gracePeriod ?? effectiveGracePeriod(pod), w.orphan);
        if (w.phase === 'terminating') w.phase = 'terminated';
        w.pending = true;
        return;
      case 'terminated': {
        const deleting = w.removed || w.orphan || !!pod.metadata.deletionTimestamp;
        await this.#syncer.syncTerminatedPod(signal, pod, { deleting, removed: w.removed || w.orphan });
        w.phase = 'finished';
        w.cleanedForDeletion = deleting;
        if (w.orphan) w.removed = true;
        return;
      }
      case 'finished': {
        const deleting = w.removed || !!pod.metadata.deletionTimestamp;
        if (deleting && !w.cleanedForDeletion) {
          await this.#syncer.syncTerminatedPod(signal, pod, { deleting: true, removed: w.removed });
          w.cleanedForDeletion = true;
        }
        return;
      }
    }
  }

  #forget(w: PodWork): void {
    w.timer?.cancel();
    this.#work.delete(w.uid);
    this.#onForget?.(w.uid);
  }

  #jitter(ms: number): number {
    return ms + this.#random() * 0.1 * ms;
  }

  #anyWorking(): boolean {
    for (const w of this.#work.values()) if (w.working) return true;
    return false;
  }

  // ------------------------------------------------------------------------------------------- queries

  phaseOf(uid: string): WorkerPhase | undefined {
    return this.#work.get(uid)?.phase;
  }

  /** True once termination was requested (kubelet IsPodTerminationRequested). */
  isTerminationRequested(uid: string): boolean {
    const p = this.#work.get(uid)?.phase;
    return p !== undefined && p !== 'sync';
  }

  /** True when the pod's containers are known to be stopped (terminated or finished). */
  isTerminated(uid: string): boolean {
    const p = this.#work.get(uid)?.phase;
    return p === 'terminated' || p === 'finished';
  }

  knownUids(): string[] {
    return [...this.#work.keys()];
  }

  /** Resolves when no worker is busy (tests). */
  whenIdle(): Promise<void> {
    if (!this.#anyWorking()) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** Stops scheduling work; syncs in flight are aborted. Nothing is killed. */
  stop(): void {
    this.#stopped = true;
    for (const w of this.#work.values()) {
      w.timer?.cancel();
      w.abort?.abort(new Error('pod workers stopped'));
    }
  }
}
