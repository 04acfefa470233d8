/**
 * StatusManager (kubelet pkg/kubelet/status/status_manager.go): caches the status the agent generated for
 * each pod and writes it to the API server, only when it differs from what the server has.
 *
 * - `setPodStatus(pod, status)`: stores it (terminal phases never go back; startTime and condition
 *   transition times are kept) and, if it differs from the last one, schedules a write.
 * - Writes are per pod, one at a time, coalesced (the newest status wins): a JSON merge PATCH of
 *   `pods/<name>/status` carrying `metadata.uid` (the server refuses it for a replaced pod) and the whole
 *   status, with fields the agent dropped set to null. Lists (conditions, container statuses) are replaced,
 *   which is right since the agent computed them from the full current set.
 * - A write is skipped when the server already has an equal status (compared ignoring field order).
 * - `observe(pod)` feeds the informer's view: if the server's status drifts from ours (someone overwrote
 *   it, or a write failed), it is written again.
 * - `deletePod(pod)`: once the worker finished a deleted pod, the final status is written and the object
 *   is deleted with gracePeriodSeconds 0 and a uid precondition (status_manager canBeDeleted + deletion).
 */
import type { Pod, PodStatus } from '../../shared/api/core-v1.ts';
import type { PodClient } from '../../shared/client/clientset.ts';
import { isConflict, isNotFound } from '../../shared/errors/status-error.ts';
import { realClock, type Clock, type Timer } from '../../shared/util/clock.ts';
import { log as rootLog, type Logger } from '../../shared/util/log.ts';
import { podKey } from '../container/runtime-pod.ts';
import { formatTime } from '../util/time.ts';
import { statusFingerprint, withTransitionTimes } from './generate.ts';

interface Entry {
  uid: string;
  namespace: string;
  name: string;
  /**
   * The status set last. Dropped (undefined) once the informer shows the server has exactly it, to keep one
   * copy per pod instead of two (thousands of simulated pods); the API object's status stands in then.
   */
  status: PodStatus | undefined;
  fingerprint: number;
  /** Bumped on every change. */
  version: number;
  /** Version the server has (0 = nothing written yet). */
  syncedVersion: number;
  /** resourceVersion of our last successful write. */
  writtenRV: number;
  /** The server's status after our last write (or as observed). */
  apiFingerprint: number;
  writing: Promise<void> | undefined;
  again: boolean;
  retry: Timer | undefined;
  /** A delayed write is scheduled. */
  delayed: Timer | undefined;
}

export interface StatusManagerOptions {
  pods: PodClient;
  /** The API pod for a uid, as the agent's informer sees it. */
  getPod: (uid: string) => Pod | undefined;
  clock?: Clock;
  log?: Logger;
  /** @default 1000 */
  retryMs?: number;
  /**
   * Wait this long before writing a changed status, so statuses set in quick succession (Pending, then
   * Running a moment later) become one write. 0 writes at once (kubelet's behaviour). @default 0
   */
  writeDelayMs?: number;
}

export class StatusManager {
  #pods: PodClient;
  #getPod: (uid: string) => Pod | undefined;
  #clock: Clock;
  #log: Logger;
  #retryMs: number;
  #writeDelayMs: number;
  #entries = new Map<string, Entry>();
  #stopped = false;
  /** Number of PATCH requests sent (for tests and metrics). */
  writes = 0;

  constructor(options: StatusManagerOptions) {
    this.#pods = options.pods;
    this.#getPod = options.getPod;
    this.#clock = options.clock ?? realClock;
    this.#log = options.log ?? rootLog;
    this.#retryMs = options.retryMs ?? 1000;
    this.#writeDelayMs = options.writeDelayMs ?? 0;
  }

  /** The status last set for a pod. */
  getPodStatus(uid: string): PodStatus | undefined {
    const e = this.#entries.get(uid);
    if (!e) return undefined;
    return e.status ?? this.#getPod(uid)?.status;
  }

  setPodStatus(pod: Pod, status: PodStatus): void {
    const uid = pod.metadata.uid ?? '';
    let e = this.#entries.get(uid);
    const old = e ? this.getPodStatus(uid) : pod.status;
    const next = structuredClone(status);
    // Terminal phases are final.
    if ((old?.phase === 'Succeeded' || old?.phase === 'Failed') && next.phase !== old.phase) next.phase = old.phase;
    next.startTime = old?.startTime ?? next.startTime ?? formatTime(this.#clock.now());
    next.conditions = withTransitionTimes(next.conditions ?? [], old?.conditions, this.#clock.now());
    const fp = statusFingerprint(next);
    if (!e) {
      e = {
        uid,
        namespace: pod.metadata.namespace ?? '',
        name: pod.metadata.name ?? '',
        status: next,
        fingerprint: fp,
        version: 1,
        syncedVersion: 0,
        writtenRV: 0,
        apiFingerprint: statusFingerprint(pod.status),
        writing: undefined,
        again: false,
        retry: undefined,
        delayed: undefined,
      };
      this.#entries.set(uid, e);
    } else {
      if (e.fingerprint === fp) return;
      e.status = next;
      e.fingerprint = fp;
      e.version++;
    }
    this.#kick(e);
  }

  /** The informer saw the pod: write again if the server's status drifted from ours. */
  observe(pod: Pod): void {
    const e = this.#entries.get(pod.metadata.uid ?? '');
    if (!e || e.writing) return;
    const rv = Number(pod.metadata.resourceVersion ?? 0);
    if (rv && rv < e.writtenRV) return; // older than our own write
    const fp = statusFingerprint(pod.status);
    e.apiFingerprint = fp;
    if (fp !== e.fingerprint) {
      if (!e.status) return; // nothing of ours to restore (we rely on the API's copy)
      e.syncedVersion = 0;
      this.#kick(e);
    } else if (e.syncedVersion === e.version && rv >= e.writtenRV) {
      e.status = undefined;
    }
  }

  /** Forgets a pod (its worker is gone). */
  removePod(uid: string): void {
    const e = this.#entries.get(uid);
    e?.retry?.cancel();
    e?.delayed?.cancel();
    this.#entries.delete(uid);
  }

  /** Resolves once the pod's current status has been written (or there is nothing to write). */
  async flush(uid: string): Promise<void> {
    for (let i = 0; i < 100; i++) {
      const e = this.#entries.get(uid);
      if (!e) return;
      if (e.writing) {
        await e.writing;
        continue;
      }
      if (e.syncedVersion === e.version) return;
      this.#kick(e, true);
      if (!e.writing) return;
    }
  }

  /**
   * Writes the final status and deletes the API object (grace 0, uid precondition). NotFound and uid
   * conflicts mean someone else finished the job.
   */
  async deletePod(pod: Pod): Promise<void> {
    const uid = pod.metadata.uid ?? '';
    await this.flush(uid);
    try {
      await this.#pods.delete(pod.metadata.namespace ?? '', pod.metadata.name ?? '', { gracePeriodSeconds: 0, preconditions: { uid } });
      this.#log.info('Pod deleted from the API server', { pod: podKey(pod), uid });
    } catch (err) {
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
    this.removePod(uid);
  }

  stop(): void {
    this.#stopped = true;
    for (const e of this.#entries.values()) {
      e.retry?.cancel();
      e.delayed?.cancel();
    }
  }

  #kick(e: Entry, now = false): void {
    if (this.#stopped) return;
    if (e.writing) {
      e.again = true;
      return;
    }
    if (e.syncedVersion === e.version && e.apiFingerprint === e.fingerprint) return;
    if (this.#writeDelayMs > 0 && !now) {
      e.delayed ??= this.#clock.setTimeout(() => {
        e.delayed = undefined;
        if (this.#entries.get(e.uid) === e) this.#kick(e, true);
      }, this.#writeDelayMs);
      return;
    }
    e.delayed?.cancel();
    e.delayed = undefined;
    e.writing = this.#write(e).finally(() => {
      e.writing = undefined;
      if (e.again && this.#entries.get(e.uid) === e) {
        e.again = false;
        this.#kick(e);
      }
    });
  }

  async #write(e: Entry): Promise<void> {
    const version = e.version;
    const apiPod = this.#getPod(e.uid);
    if (apiPod && apiPod.metadata.uid !== e.uid) return;
    if (apiPod && statusFingerprint(apiPod.status) === e.fingerprint) {
      e.syncedVersion = version;
      e.apiFingerprint = e.fingerprint;
      return;
    }
    if (!e.status) {
      e.syncedVersion = version;
      return;
    }
    const status: Record<string, unknown> = { ...e.status };
    const phase = e.status.phase;
    // Merge patch: drop what the server has and we no longer report.
    for (const k of Object.keys(apiPod?.status ?? {})) if (!(k in status)) status[k] = null;
    try {
      this.writes++;
      const updated = await this.#pods.patch(e.namespace, e.name, 'application/merge-patch+json', { metadata: { uid: e.uid }, status }, { subresource: 'status' });
      e.syncedVersion = version;
      e.writtenRV = Number(updated.metadata.resourceVersion ?? 0);
      e.apiFingerprint = statusFingerprint((updated as Pod).status);
      // The informer may have delivered our write before this response arrived: drop our copy now then.
      const seen = this.#getPod(e.uid);
      if (seen && version === e.version && Number(seen.metadata.resourceVersion ?? 0) >= e.writtenRV && statusFingerprint(seen.status) === e.fingerprint) {
        e.status = undefined;
      }
      this.#log.debug('Status for pod updated successfully', { pod: `${e.namespace}/${e.name}`, phase });
    } catch (err) {
      if (isNotFound(err) || isConflict(err)) {
        // The pod is gone or was replaced: nothing to write.
        this.#log.debug('Pod gone, dropping its status', { pod: `${e.namespace}/${e.name}`, err });
        e.syncedVersion = version;
        return;
      }
      this.#log.warn('Failed to update status for pod', { pod: `${e.namespace}/${e.name}`, err });
      e.retry?.cancel();
      e.retry = this.#clock.setTimeout(() => {
        e.retry = undefined;
        if (this.#entries.get(e.uid) === e) this.#kick(e);
      }, this.#retryMs);
    }
  }
}
