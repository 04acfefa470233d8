/**
 * Probe workers and their results (kubelet pkg/kubelet/prober/prober_manager.go, worker.go, results/).
 *
 * - One worker per (pod, container, probe type) for every startup/liveness/readiness probe of app containers
 *   and native sidecars. Workers tick every periodSeconds on the injected clock (the first tick after a
 *   random fraction of the period, as kubelet spreads them).
 * - Each tick looks up the container's current instance (`getContainer`). A new container id resets the
 *   worker (counters, result, on-hold). Liveness and readiness wait until the startup probe succeeded;
 *   nothing is probed before initialDelaySeconds after the container started.
 * - A result changes only after successThreshold consecutive successes / failureThreshold failures.
 *   Initial results: readiness failure, liveness success, startup none (kubelet's initial values).
 * - After a liveness or startup failure the worker holds (stops probing) until the container is replaced.
 * - Every failed probe records a Warning `Unhealthy` event ("Liveness probe failed: ..."); every change of a
 *   result calls `onResultChange(uid)`, which the agent turns into a pod sync (restart on liveness/startup
 *   failure; Ready condition for readiness).
 */
import type { Container, Pod, Probe } from '../../shared/api/core-v1.ts';
import { realClock, type Clock, type Timer } from '../../shared/util/clock.ts';
import { log as rootLog, type Logger } from '../../shared/util/log.ts';
import { isRestartableInitContainer } from '../container/runtime-pod.ts';
import type { EventRecorder } from '../events/event-recorder.ts';
import { podRef } from '../events/event-recorder.ts';
import { probeDefaults, type Prober, type ProbeType } from './prober.ts';

export type ProbeResultValue = 'success' | 'failure';

/** The running instance of a container, as the worker needs it. */
export interface ProbedContainer {
  id: string;
  running: boolean;
  /** epoch ms */
  startedAt: number;
  podIP: string;
}

export interface ProberManagerOptions {
  prober: Prober;
  getContainer: (uid: string, name: string) => ProbedContainer | undefined;
  onResultChange: (uid: string, type: ProbeType, containerName: string, result: ProbeResultValue | undefined) => void;
  recorder?: EventRecorder;
  clock?: Clock;
  log?: Logger;
  random?: () => number;
}

interface Worker {
  key: string;
  uid: string;
  pod: Pod;
  container: Container;
  type: ProbeType;
  probe: Probe;
  timer: Timer | undefined;
  containerId: string;
  resultRun: number;
  lastOk: boolean | undefined;
  onHold: boolean;
  stopped: boolean;
  busy: boolean;
}

const TYPE_TITLE: Record<ProbeType, string> = { liveness: 'Liveness', readiness: 'Readiness', startup: 'Startup' };

export class ProberManager {
  #prober: Prober;
  #getContainer: ProberManagerOptions['getContainer'];
  #onChange: ProberManagerOptions['onResultChange'];
  #recorder: EventRecorder | undefined;
  #clock: Clock;
  #log: Logger;
  #random: () => number;
  #workers = new Map<string, Worker>();
  #byPod = new Map<string, Set<string>>();
  /** type -> containerId -> result */
  #results: Record<ProbeType, Map<string, ProbeResultValue>> = { liveness: new Map(), readiness: new Map(), startup: new Map() };

  constructor(options: ProberManagerOptions) {
    this.#prober = options.prober;
    this.#getContainer = options.getContainer;
    this.#onChange = options.onResultChange;
    this.#recorder = options.recorder;
    this.#clock = options.clock ?? realClock;
    this.#log = options.log ?? rootLog;
    this.#random = options.random ?? Math.random;
  }

  /** Starts workers for the pod's probes (idempotent; probes of a changed spec are picked up). */
  addPod(pod: Pod): void {
    const uid = pod.metadata.uid ?? '';
    const containers = [...(pod.spec.initContainers ?? []).filter((c) => isRestartableInitContainer(c)), ...pod.spec.containers];
    const keys = this.#byPod.get(uid) ?? new Set<string>();
    for (const c of containers) {
      const probes: [ProbeType, Probe | undefined][] = [['startup', c.startupProbe], ['liveness', c.livenessProbe], ['readiness', c.readinessProbe]];
      for (const [type, probe] of probes) {
        if (!probe) continue;
        const key = `${uid}/${c.name}/${type}`;
        const existing = this.#workers.get(key);
        if (existing) {
          existing.pod = pod;
          continue;
        }
        const w: Worker = { key, uid, pod, container: c, type, probe, timer: undefined, containerId: '', resultRun: 0, lastOk: undefined, onHold: false, stopped: false, busy: false };
        this.#workers.set(key, w);
        keys.add(key);
        const { periodSeconds } = probeDefaults(probe);
        this.#schedule(w, this.#random() * periodSeconds * 1000);
      }
    }
    if (keys.size) this.#byPod.set(uid, keys);
  }

  /** Stops the pod's workers and drops their results. */
  removePod(uid: string): void {
    for (const key of this.#byPod.get(uid) ?? []) {
      const w = this.#workers.get(key);
      if (!w) continue;
      w.stopped = true;
      w.timer?.cancel();
      if (w.containerId) this.#results[w.type].delete(w.containerId);
      this.#workers.delete(key);
    }
    this.#byPod.delete(uid);
  }

  /** Stops probing a pod that is terminating (kubelet stops probes before killing). */
  stopPod(uid: string): void {
    for (const key of this.#byPod.get(uid) ?? []) {
      const w = this.#workers.get(key);
      if (w) {
        w.stopped = true;
        w.timer?.cancel();
      }
    }
  }

  get(type: ProbeType, containerId: string): ProbeResultValue | undefined {
    return this.#results[type].get(containerId);
  }

  /** Seeds a readiness result (an adopted container that the API already showed ready). */
  seedReadiness(containerId: string, ready: boolean): void {
    if (!this.#results.readiness.has(containerId)) this.#results.readiness.set(containerId, ready ? 'success' : 'failure');
  }

  /** Whether any probe worker exists for the pod. */
  hasPod(uid: string): boolean {
    return this.#byPod.has(uid);
  }

  hasWorker(uid: string, name: string, type: ProbeType): boolean {
    return this.#workers.has(`${uid}/${name}/${type}`);
  }

  get workerCount(): number {
    return this.#workers.size;
  }

  stop(): void {
    for (const w of this.#workers.values()) {
      w.stopped = true;
      w.timer?.cancel();
    }
  }

  #schedule(w: Worker, ms: number): void {
    if (w.stopped) return;
    w.timer = this.#clock.setTimeout(() => {
      w.timer = undefined;
      void this.#tick(w).finally(() => this.#schedule(w, probeDefaults(w.probe).periodSeconds * 1000));
    }, ms);
  }

  #setResult(w: Worker, result: ProbeResultValue | undefined): void {
    const map = this.#results[w.type];
    const prev = w.containerId ? map.get(w.containerId) : undefined;
    if (!w.containerId) return;
    if (result === undefined) map.delete(w.containerId);
    else map.set(w.containerId, result);
    if (prev !== result) this.#onChange(w.uid, w.type, w.container.name, result);
  }

  #initial(type: ProbeType): ProbeResultValue | undefined {
    return type === 'readiness' ? 'failure' : type === 'liveness' ? 'success' : undefined;
  }

  /** One worker step (worker.go doProbe). */
  async #tick(w: Worker): Promise<void> {
    if (w.stopped || w.busy) return;
    const c = this.#getContainer(w.uid, w.container.name);
    if (!c || !c.id) return;
    if (c.id !== w.containerId) {
      // A new instance: start over.
      if (w.containerId) this.#results[w.type].delete(w.containerId);
      w.containerId = c.id;
      w.resultRun = 0;
      w.lastOk = undefined;
      w.onHold = false;
      const init = this.#initial(w.type);
      if (init !== undefined && !this.#results[w.type].has(c.id)) this.#setResult(w, init);
    }
    if (w.onHold) return;
    if (!c.running) {
      if (w.type !== 'startup') this.#setResult(w, 'failure');
      return;
    }
    // Liveness/readiness wait for startup to succeed.
    if (w.type !== 'startup' && w.container.startupProbe && this.#results.startup.get(c.id) !== 'success') return;
    // Startup is done once it succeeded.
    if (w.type === 'startup' && this.#results.startup.get(c.id) === 'success') return;
    const d = probeDefaults(w.probe);
    if (this.#clock.now() - c.startedAt < d.initialDelaySeconds * 1000) return;

    w.busy = true;
    let outcome;
    try {
      outcome = await this.#prober.probe(w.probe, { container: w.container, containerId: c.id, podIP: c.podIP });
    } finally {
      w.busy = false;
    }
    if (w.stopped || w.containerId !== c.id) return;
    if (!outcome.ok) {
      this.#recorder?.event(podRef(w.pod, w.container.name, isRestartableInitContainer(w.container)), 'Warning', 'Unhealthy', `${TYPE_TITLE[w.type]} probe failed: ${outcome.output.trim()}`);
      this.#log.debug('Probe failed', { type: w.type, pod: w.pod.metadata.name, container: w.container.name, output: outcome.output });
    }
    if (w.lastOk === outcome.ok) w.resultRun++;
    else {
      w.lastOk = outcome.ok;
      w.resultRun = 1;
    }
    if ((outcome.ok && w.resultRun < d.successThreshold) || (!outcome.ok && w.resultRun < d.failureThreshold)) return;
    this.#setResult(w, outcome.ok ? 'success' : 'failure');
    if (!outcome.ok && (w.type === 'liveness' || w.type === 'startup')) {
      // The container will be restarted; stop probing this instance.
      w.onHold = true;
      w.resultRun = 0;
    }
  }
}
