/**
 * GenericPleg: the pod lifecycle event generator (kubelet pkg/kubelet/pleg/generic.go). Every relist period
 * (1 s) it lists all sandboxes and containers of the runtime (two CRI calls), groups them by the pod uid label,
 * compares each one's state with the previous relist and emits events per pod:
 * ContainerStarted, ContainerDied, ContainerRemoved, ContainerChanged (unknown state), and PodSync for sandbox
 * changes. For each pod with events it first refreshes the PodCache (when a status reader is given), then
 * calls `onEvents(uid, events)`; the agent turns that into a sync of the pod's worker, so a container exit is
 * acted on within about a second.
 *
 * `relistSoon()` asks for an early relist (a runtime that can tell about changes uses it; the simulated
 * runtime does). `healthy()` is false when no relist succeeded within 3 minutes (kubelet's PLEG threshold),
 * which the node's Ready condition reports.
 */
import type { ContainerState, PodSandboxState, RuntimeService } from '../cri/services.ts';
import { realClock, type Clock, type Timer } from '../../shared/util/clock.ts';
import { log as rootLog, type Logger } from '../../shared/util/log.ts';
import type { RuntimePodStatus } from '../container/runtime-pod.ts';
import { LABEL_POD_NAME, LABEL_POD_NAMESPACE, LABEL_POD_UID } from '../kuberuntime/labels.ts';
import { formatDuration } from '../util/time.ts';
import type { PodCache } from './pod-cache.ts';

export type PlegEventType = 'ContainerStarted' | 'ContainerDied' | 'ContainerRemoved' | 'ContainerChanged' | 'PodSync';

export interface PlegEvent {
  uid: string;
  type: PlegEventType;
  /** Container or sandbox id. */
  id: string;
}

type ObjState = 'running' | 'exited' | 'unknown' | 'created' | 'non-existent';

interface PodRecord {
  uid: string;
  name: string;
  namespace: string;
  /** id -> state, sandboxes and containers alike (kubelet treats sandboxes as containers here). */
  states: Map<string, ObjState>;
  sandboxIds: Set<string>;
}

export interface RuntimePodRef {
  uid: string;
  name: string;
  namespace: string;
  /** Any sandbox ready or container running/created. */
  active: boolean;
}

export interface GenericPlegOptions {
  runtime: RuntimeService;
  onEvents: (uid: string, events: PlegEvent[]) => void;
  cache?: PodCache;
  /** Reads a pod's full runtime status (KubeRuntimeManager.getPodStatus) to refresh the cache. */
  readStatus?: (uid: string, name: string, namespace: string) => Promise<RuntimePodStatus>;
  /** @default 1000 */
  relistPeriodMs?: number;
  /** @default 180000 */
  relistThresholdMs?: number;
  clock?: Clock;
  log?: Logger;
}

function containerState(s: ContainerState): ObjState {
  switch (s) {
    case 'CONTAINER_RUNNING':
      return 'running';
    case 'CONTAINER_EXITED':
      return 'exited';
    case 'CONTAINER_CREATED':
      return 'created';
    default:
      return 'unknown';
  }
}

function sandboxState(s: PodSandboxState): ObjState {
  return s === 'SANDBOX_READY' ? 'running' : 'exited';
}

/** kubelet generateEvents: the event for a transition (none when the state did not change). */
function transitionEvent(uid: string, id: string, oldState: ObjState, newState: ObjState, sandbox: boolean): PlegEvent[] {
  if (oldState === newState) return [];
  if (sandbox) return [{ uid, type: 'PodSync', id }];
  switch (newState) {
    case 'running':
      return [{ uid, type: 'ContainerStarted', id }];
    case 'exited':
      return [{ uid, type: 'ContainerDied', id }];
    case 'unknown':
      return [{ uid, type: 'ContainerChanged', id }];
    case 'created':
      return [];
    case 'non-existent':
      return oldState === 'exited' ? [{ uid, type: 'ContainerRemoved', id }] : [{ uid, type: 'ContainerDied', id }, { uid, type: 'ContainerRemoved', id }];
  }
}

export class GenericPleg {
  #runtime: RuntimeService;
  #onEvents: (uid: string, events: PlegEvent[]) => void;
  #cache: PodCache | undefined;
  #readStatus: GenericPlegOptions['readStatus'];
  #periodMs: number;
  #thresholdMs: number;
  #clock: Clock;
  #log: Logger;
  #records = new Map<string, PodRecord>();
  #lastRelist = 0;
  #timer: Timer | undefined;
  #soon: Timer | undefined;
  #running = false;
  #again = false;
  #stopped = true;
  #relisted = false;

  constructor(options: GenericPlegOptions) {
    this.#runtime = options.runtime;
    this.#onEvents = options.onEvents;
    this.#cache = options.cache;
    this.#readStatus = options.readStatus;
    this.#periodMs = options.relistPeriodMs ?? 1000;
    this.#thresholdMs = options.relistThresholdMs ?? 180_000;
    this.#clock = options.clock ?? realClock;
    this.#log = options.log ?? rootLog;
    // Healthy until the threshold passes without a successful relist (not "unhealthy until the first one",
    // which would report every freshly started node NotReady).
    this.#lastRelist = this.#clock.now();
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#schedule(0);
  }

  stop(): void {
    this.#stopped = true;
    this.#timer?.cancel();
    this.#soon?.cancel();
    this.#timer = undefined;
    this.#soon = undefined;
  }

  #schedule(ms: number): void {
    this.#timer?.cancel();
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      void this.relist().finally(() => {
        if (!this.#stopped) this.#schedule(this.#periodMs);
      });
    }, ms);
  }

  /** Requests a relist as soon as possible (coalesced). */
  relistSoon(): void {
    if (this.#stopped || this.#soon) return;
    this.#soon = this.#clock.setTimeout(() => {
      this.#soon = undefined;
      void this.relist();
    }, 0);
  }

  /** False when the last successful relist is older than the threshold. */
  healthy(): { ok: boolean; message: string } {
    const since = this.#clock.now() - this.#lastRelist;
    if (since > this.#thresholdMs) {
      return { ok: false, message: `PLEG is not healthy: pleg was last seen active ${formatDuration(since)} ago; threshold is ${formatDuration(this.#thresholdMs)}` };
    }
    return { ok: true, message: '' };
  }

  /** True once a relist has completed. */
  get hasRelisted(): boolean {
    return this.#relisted;
  }

  /** Pods the runtime had at the last relist. */
  runtimePods(): RuntimePodRef[] {
    const out: RuntimePodRef[] = [];
    for (const r of this.#records.values()) {
      let active = false;
      for (const s of r.states.values()) if (s === 'running' || s === 'created' || s === 'unknown') active = true;
      out.push({ uid: r.uid, name: r.name, namespace: r.namespace, active });
    }
    return out;
  }

  /** One relist; concurrent calls coalesce into one more run. */
  async relist(): Promise<void> {
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = true;
    try {
      do {
        this.#again = false;
        await this.#relistOnce();
      } while (this.#again && !this.#stopped);
    } finally {
      this.#running = false;
    }
  }

  async #relistOnce(): Promise<void> {
    const started = this.#clock.now();
    let sandboxes;
    let containers;
    try {
      [sandboxes, containers] = await Promise.all([this.#runtime.listPodSandbox(), this.#runtime.listContainers()]);
    } catch (err) {
      this.#log.warn('GenericPLEG: Unable to retrieve pods', { err });
      return;
    }
    this.#lastRelist = started;
    this.#relisted = true;
    const next = new Map<string, PodRecord>();
    const record = (labels: Record<string, string>): PodRecord | undefined => {
      const uid = labels[LABEL_POD_UID];
      if (!uid) return undefined;
      let r = next.get(uid);
      if (!r) {
        r = { uid, name: labels[LABEL_POD_NAME] ?? '', namespace: labels[LABEL_POD_NAMESPACE] ?? '', states: new Map(), sandboxIds: new Set() };
        next.set(uid, r);
      }
      return r;
    };
    for (const s of sandboxes) {
      const r = record(s.labels);
      if (!r) continue;
      r.states.set(s.id, sandboxState(s.state));
      r.sandboxIds.add(s.id);
    }
    for (const c of containers) {
      const r = record(c.labels);
      if (!r) continue;
      r.states.set(c.id, containerState(c.state));
    }
    const changed = new Map<string, PlegEvent[]>();
    const uids = new Set([...this.#records.keys(), ...next.keys()]);
    for (const uid of uids) {
      const oldR = this.#records.get(uid);
      const newR = next.get(uid);
      const ids = new Set([...(oldR?.states.keys() ?? []), ...(newR?.states.keys() ?? [])]);
      const events: PlegEvent[] = [];
      for (const id of ids) {
        const sandbox = (oldR?.sandboxIds.has(id) ?? false) || (newR?.sandboxIds.has(id) ?? false);
        events.push(...transitionEvent(uid, id, oldR?.states.get(id) ?? 'non-existent', newR?.states.get(id) ?? 'non-existent', sandbox));
      }
      if (events.length) changed.set(uid, events);
    }
    this.#records = next;
    for (const [uid, events] of changed) {
      const r = next.get(uid) ?? this.#records.get(uid);
      if (this.#cache && this.#readStatus) {
        try {
          const meta = next.get(uid);
          this.#cache.set(uid, await this.#readStatus(uid, meta?.name ?? r?.name ?? '', meta?.namespace ?? r?.namespace ?? ''));
        } catch (err) {
          this.#log.debug('GenericPLEG: could not read pod status', { uid, err });
        }
      }
      try {
        this.#onEvents(uid, events);
      } catch (err) {
        this.#log.error('GenericPLEG: event handler failed', { uid, err });
      }
    }
  }
}
