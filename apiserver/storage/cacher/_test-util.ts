/** Test helpers for the cacher folder (private). No sleeps: polls with setImmediate under a real deadline. */
import type { KubeObject } from '../../../shared/api/meta.ts';
import type { StorageEvent } from '../interfaces.ts';
import type { CacheWatcher } from './cache-watcher.ts';
import type { WatchCacheEvent } from './watch-cache.ts';

export const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Lets pending async work (storage watch delivery, consumers) run. */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await tick();
}

/** Waits until cond() holds, failing after ms of real time. */
export async function until(cond: () => boolean, what: string, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await tick();
  }
}

/** Resolves p, or rejects after ms of real time. */
export async function within<T>(p: Promise<T>, what: string, ms = 3000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Takes exactly n events from a watcher (fails if it ends first or they do not come in time). */
export async function take(w: CacheWatcher, n: number, ms = 3000): Promise<WatchCacheEvent[]> {
  const out: WatchCacheEvent[] = [];
  while (out.length < n) {
    const r = await within(w.next(), `event ${out.length + 1}/${n}`, ms);
    if (r.done) throw new Error(`watcher ended (${w.closedReason}) after ${out.length}/${n} events`);
    out.push(r.value);
  }
  return out;
}

/** Takes StorageEvents from a storage-watch iterator. */
export async function takeStorage(it: AsyncIterator<StorageEvent>, n: number, ms = 3000): Promise<StorageEvent[]> {
  const out: StorageEvent[] = [];
  while (out.length < n) {
    const r = await within(it.next(), `storage event ${out.length + 1}/${n}`, ms);
    if (r.done) throw new Error(`storage watch ended after ${out.length}/${n} events`);
    out.push(r.value);
  }
  return out;
}

export function pod(namespace: string, name: string, labels?: Record<string, string>, extra: Record<string, unknown> = {}): KubeObject {
  const metadata: KubeObject['metadata'] = { namespace, name, uid: `uid-${namespace}-${name}` };
  if (labels) metadata.labels = labels;
  return { apiVersion: 'v1', kind: 'Pod', metadata, spec: { containers: [{ name: 'c', image: 'busybox' }] }, ...extra };
}

export const podKey = (ns: string, name: string): string => `/pods/${ns}/${name}`;

/** A compact view of events for assertions: "TYPE ns/name@rv". */
export const brief = (evs: readonly { type: string; object: KubeObject }[]): string[] =>
  evs.map((e) =>
    e.type === 'BOOKMARK'
      ? `BOOKMARK@${e.object.metadata.resourceVersion}`
      : `${e.type} ${e.object.metadata.namespace}/${e.object.metadata.name}@${e.object.metadata.resourceVersion}`,
  );

/** Applies watch events to a map key -> object (what a client cache does). */
export function applyEvents(state: Map<string, KubeObject>, evs: readonly WatchCacheEvent[]): void {
  for (const e of evs) {
    if (e.type === 'BOOKMARK') continue;
    const k = `${e.object.metadata.namespace}/${e.object.metadata.name}`;
    if (e.type === 'DELETED') state.delete(k);
    else state.set(k, e.object);
  }
}
