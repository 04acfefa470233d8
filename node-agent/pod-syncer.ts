/**
 * The agent's PodSyncer: what a pod worker runs in each phase (kubelet.go SyncPod, SyncTerminatingPod,
 * SyncTerminatingRuntimePod, SyncTerminatedPod).
 *
 * syncPod: read the runtime status -> generate and set the API status -> stop if the pod is terminal ->
 *   start probes -> pod dirs and volumes (FailedMount on error) -> KubeRuntimeManager.syncPod -> if the
 *   runtime changed, read it again and set the status once more (so a started container shows Running
 *   without waiting for the next PLEG relist).
 * syncTerminatingPod: stop probes, kill the pod's containers (ordered, with the grace period), verify
 *   nothing runs any more, set the final (terminal) status.
 * syncTerminatedPod: release volumes (emptyDirs, tmpfs), and when the pod is being deleted remove its
 *   containers and sandboxes, its pod cgroups, and finally delete the API object (grace 0, uid precondition).
 */
import type { Pod } from '../shared/api/core-v1.ts';
import { realClock, type Clock } from '../shared/util/clock.ts';
import { log as rootLog, type Logger } from '../shared/util/log.ts';
import type { PodCgroups } from './cm/pod-cgroups.ts';
import { isRestartableInitContainer, podKey, type RuntimePodStatus } from './container/runtime-pod.ts';
import type { EventRecorder } from './events/event-recorder.ts';
import { podRef } from './events/event-recorder.ts';
import type { KubeRuntimeManager } from './kuberuntime/runtime-manager.ts';
import type { PodCache } from './pleg/pod-cache.ts';
import type { PodSyncer, SyncPodResult, TerminatedOptions, UpdateType } from './pod-workers.ts';
import type { ProberManager } from './prober/prober-manager.ts';
import { generatePodStatus } from './status/generate.ts';
import type { StatusManager } from './status/status-manager.ts';
import { VolumeError, type VolumeManager } from './volume/volume-manager.ts';

export interface PodSyncHandlerOptions {
  runtimeManager: KubeRuntimeManager;
  statusManager: StatusManager;
  volumes: VolumeManager;
  cgroups: PodCgroups;
  prober: ProberManager;
  podCache: PodCache;
  recorder?: EventRecorder;
  nodeIP: () => string;
  runtimeName: () => string;
  clock?: Clock;
  log?: Logger;
  /** Retry delay after a volume setup failure. @default 2000 */
  volumeRetryMs?: number;
}

/**
 * While a pod initializes (it has init containers and none of its app containers was created yet), each step
 * waits for the one before: a regular init container to exit, a sidecar to run. The PLEG notices either only
 * at its next relist (up to 1 s per step). So after a sync that started a step, the worker looks again at
 * once (0), and while a regular init container runs it polls the pod: every 50 ms at first, then a quarter of
 * the time the container has run so far, up to the relist period. Otherwise undefined (no extra sync).
 */
export function initializingRequeueMs(pod: Pod, runtime: RuntimePodStatus, started: boolean, now: number): number | undefined {
  const inits = pod.spec.initContainers ?? [];
  if (inits.length === 0) return undefined;
  if (pod.spec.containers.some((c) => runtime.containers.some((s) => s.name === c.name))) return undefined;
  if (started) return 0;
  const regular = new Set(inits.filter((c) => !isRestartableInitContainer(c)).map((c) => c.name));
  const running = runtime.containers.find((s) => s.state === 'running' && regular.has(s.name));
  if (!running) return undefined;
  return Math.min(1000, Math.max(50, (now - running.startedAt) / 4));
}

export class PodSyncHandler implements PodSyncer {
  #rm: KubeRuntimeManager;
  #status: StatusManager;
  #volumes: VolumeManager;
  #cgroups: PodCgroups;
  #prober: ProberManager;
  #cache: PodCache;
  #recorder: EventRecorder | undefined;
  #nodeIP: () => string;
  #runtimeName: () => string;
  #clock: Clock;
  #log: Logger;
  #volumeRetryMs: number;
  #seeded = new Set<string>();

  constructor(o: PodSyncHandlerOptions) {
    this.#rm = o.runtimeManager;
    this.#status = o.statusManager;
    this.#volumes = o.volumes;
    this.#cgroups = o.cgroups;
    this.#prober = o.prober;
    this.#cache = o.podCache;
    this.#recorder = o.recorder;
    this.#nodeIP = o.nodeIP;
    this.#runtimeName = o.runtimeName;
    this.#clock = o.clock ?? realClock;
    this.#log = o.log ?? rootLog;
    this.#volumeRetryMs = o.volumeRetryMs ?? 2000;
  }

  /**
   * Reads the pod's runtime status. It is kept in the PodCache only for pods with probes (the probe workers
   * look up their containers there); other pods do not need it between syncs, and thousands of simulated
   * pods should not pay for it.
   */
  async #read(pod: Pod, signal: AbortSignal): Promise<RuntimePodStatus> {
    const st = await this.#rm.getPodStatus(pod.metadata.uid ?? '', pod.metadata.name ?? '', pod.metadata.namespace ?? '', signal);
    if (this.#prober.hasPod(st.uid)) this.#cache.set(st.uid, st);
    else this.#cache.delete(st.uid);
    return st;
  }

  #setStatus(pod: Pod, runtime: RuntimePodStatus, terminal: boolean): string {
    const uid = pod.metadata.uid ?? '';
    const status = generatePodStatus({
      pod,
      runtime,
      oldStatus: this.#status.getPodStatus(uid),
      podIsTerminal: terminal,
      waitingReason: (name) => this.#rm.reasons.get(uid, name),
      readiness: (id) => this.#prober.get('readiness', id),
      startup: (id) => this.#prober.get('startup', id),
      hostIP: this.#nodeIP(),
      runtimeName: this.#runtimeName(),
      now: this.#clock.now(),
    });
    this.#status.setPodStatus(pod, status);
    return this.#status.getPodStatus(uid)?.phase ?? status.phase ?? 'Pending';
  }

  /** Containers adopted after an agent restart keep the readiness the API showed for them. */
  #seedAdopted(pod: Pod, runtime: RuntimePodStatus): void {
    const uid = pod.metadata.uid ?? '';
    if (this.#seeded.has(uid)) return;
    this.#seeded.add(uid);
    const shown = [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])];
    for (const cs of shown) {
      const id = cs.containerID?.replace(/^[^:]+:\/\//, '');
      if (!id || !cs.state?.running) continue;
      if (runtime.containers.some((c) => c.id === id && c.state === 'running')) this.#prober.seedReadiness(id, cs.ready);
    }
  }

  async syncPod(signal: AbortSignal, _type: UpdateType, pod: Pod): Promise<SyncPodResult> {
    let runtime = await this.#read(pod, signal);
    this.#seedAdopted(pod, runtime);
    const phase = this.#setStatus(pod, runtime, false);
    if (phase === 'Succeeded' || phase === 'Failed') return { terminal: true };
    this.#prober.addPod(pod);
    if (this.#prober.hasPod(runtime.uid)) this.#cache.set(runtime.uid, runtime);
    const { logDir } = await this.#volumes.preparePodDirs(pod);
    let volumes;
    try {
      volumes = await this.#volumes.mountPodVolumes(pod);
    } catch (err) {
      if (!(err instanceof VolumeError)) throw err;
      this.#recorder?.event(podRef(pod), 'Warning', 'FailedMount', `MountVolume.SetUp failed for volume "${err.volume}" : ${err.message}`);
      this.#log.warn('Unable to mount volumes for pod', { pod: podKey(pod), volume: err.volume, err: err.message });
      return { terminal: false, requeueAfterMs: this.#volumeRetryMs };
    }
    signal.throwIfAborted();
    const out = await this.#rm.syncPod(pod, runtime, { signal, logDir, volumes });
    for (const e of out.errors) this.#log.debug('Container start failed', { pod: podKey(pod), container: e.container, reason: e.reason, message: e.message });
    if (out.changed || out.errors.length) {
      runtime = await this.#read(pod, signal);
      const after = this.#setStatus(pod, runtime, false);
      if (after === 'Succeeded' || after === 'Failed') return { terminal: true };
    }
    const init = initializingRequeueMs(pod, runtime, out.changed && out.errors.length === 0, this.#clock.now());
    const requeue = init === undefined ? out.requeueAfterMs : Math.min(init, out.requeueAfterMs ?? init);
    return requeue !== undefined ? { terminal: false, requeueAfterMs: requeue } : { terminal: false };
  }

  async syncTerminatingPod(signal: AbortSignal, pod: Pod, gracePeriodSeconds: number, orphan: boolean): Promise<void> {
    const uid = pod.metadata.uid ?? '';
    this.#prober.stopPod(uid);
    let runtime = await this.#read(pod, signal);
    if (orphan) {
      this.#log.info('Killing orphaned pod', { pod: podKey(pod), uid, gracePeriod: gracePeriodSeconds });
      await this.#rm.killOrphan(runtime, gracePeriodSeconds, signal);
    } else {
      this.#setStatus(pod, runtime, false);
      this.#log.info('Killing pod', { pod: podKey(pod), uid, gracePeriod: gracePeriodSeconds });
      await this.#rm.killPod(pod, runtime, gracePeriodSeconds, signal);
    }
    runtime = await this.#read(pod, signal);
    const still = runtime.containers.filter((c) => c.state === 'running');
    if (still.length) throw new Error(`Cannot finish terminating pod ${podKey(pod)} as containers still run: ${still.map((c) => c.name).join(', ')}`);
    if (!orphan) this.#setStatus(pod, runtime, true);
  }

  async syncTerminatedPod(signal: AbortSignal, pod: Pod, options: TerminatedOptions): Promise<void> {
    const uid = pod.metadata.uid ?? '';
    this.#prober.removePod(uid);
    const runtime = await this.#read(pod, signal);
    if (!options.removed) this.#setStatus(pod, runtime, true);
    await this.#volumes.cleanupPod(pod, { removeLogs: options.deleting });
    if (options.deleting) await this.#rm.removePod(runtime, signal);
    await this.#cgroups.destroy(uid);
    if (options.deleting) {
      if (!options.removed) await this.#status.deletePod(pod);
      else this.#status.removePod(uid);
      this.#rm.forgetPod(uid);
      this.#cache.delete(uid);
      this.#seeded.delete(uid);
    }
  }

  /** Drops per-pod state of a forgotten worker. */
  forget(uid: string): void {
    this.#prober.removePod(uid);
    this.#rm.forgetPod(uid);
    this.#cache.delete(uid);
    this.#status.removePod(uid);
    this.#seeded.delete(uid);
  }
}
