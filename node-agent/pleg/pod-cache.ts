/**
 * PodCache: the latest runtime status of each pod with the time it was read (kubelet
 * pkg/kubelet/container/cache.go). Written by the PLEG after a relist found changes and by pod workers after
 * they read the runtime; a worker woken by a PLEG event uses the cached status instead of asking the runtime
 * again when it is newer than its last sync.
 */
import type { RuntimePodStatus } from '../container/runtime-pod.ts';

interface Entry {
  status: RuntimePodStatus;
  modified: number;
}

export class PodCache {
  #entries = new Map<string, Entry>();

  get(uid: string): RuntimePodStatus | undefined {
    return this.#entries.get(uid)?.status;
  }

  /** The cached status if it was read at or after `time` (epoch ms). */
  getIfNewerThan(uid: string, time: number): RuntimePodStatus | undefined {
    const e = this.#entries.get(uid);
    return e && e.modified >= time ? e.status : undefined;
  }

  /** Stores a status unless the cache already has a newer one. */
  set(uid: string, status: RuntimePodStatus): void {
    const e = this.#entries.get(uid);
    if (e && e.modified > status.timestamp) return;
    this.#entries.set(uid, { status, modified: status.timestamp });
  }

  delete(uid: string): void {
    this.#entries.delete(uid);
  }

  uids(): string[] {
    return [...this.#entries.keys()];
  }

  get size(): number {
    return this.#entries.size;
  }
}
