/**
 * Keeps a store in step with the server: list, then watch from the list's resourceVersion, forever
 * (client-go tools/cache/reflector.go).
 *
 * - The first list asks for resourceVersion "0" (any cached state will do), later relists for the last
 *   resourceVersion seen (state at least that fresh), and after a 410 on a list, for "" (the latest).
 * - Lists are paged (limit 500 + continue) when the request is served from the latest state (rv "" or "0"),
 *   or when the server paged an earlier rv "0" list (it has no watch cache). If a continue token expires
 *   mid-list (410), the pager falls back to one unpaged list at the requested resourceVersion.
 * - Watches ask for bookmarks (`allowWatchBookmarks=true`), which only move the resourceVersion forward, and
 *   carry a random server timeout `timeoutSeconds` in [300, 600) so that watches do not all restart at once.
 * - A watch the server ends normally is restarted at once from the last resourceVersion.
 * - A watch that fails with 410 Expired/Gone (HTTP 410 or an ERROR event with code 410) needs a relist: after
 *   a backoff, the reflector lists again and `replace`s the store (which reports vanished keys as deletions).
 * - Any other failure (connect error, 5xx, 429, an undecodable line, a stream cut, a watch that ends within a
 *   second without events) backs off and watches again from the last resourceVersion, with no relist.
 * - Backoff: 800 ms doubling to 30 s, plus up to 100% jitter, reset after 2 min without failures (client-go's
 *   values), on the injected Clock.
 *
 * client-go relists after most watch failures; we re-watch from the last resourceVersion instead, which is
 * what the server supports (a too-old resourceVersion is reported as 410 and then we do relist) and avoids a
 * full list for every dropped connection.
 */
import type { KubeList, KubeObject, Status, WatchEvent } from '../api/meta.ts';
import { isNotFound, isResourceExpired, newStatus, StatusError } from '../errors/status-error.ts';
import type { ListOptions } from '../client/interfaces.ts';
import { Backoff, reflectorBackoffOptions, type BackoffOptions } from '../util/backoff.ts';
import { realClock, type Clock } from '../util/clock.ts';
import { log as rootLog, type Logger } from '../util/log.ts';
import type { ListerWatcher } from './list-watch.ts';
import type { ReflectorStore } from './store.ts';

/** Default page size of the initial list (client-go pager.defaultPageSize). */
export const DEFAULT_PAGE_SIZE = 500;
/** Watches time out server-side after a random time in [min, 2 * min) seconds. */
export const MIN_WATCH_TIMEOUT_SECONDS = 300;

export interface ReflectorOptions {
  /** Used in logs. @default 'reflector' */
  name?: string;
  /** @default realClock */
  clock?: Clock;
  /** Uniform [0, 1) source for the watch timeout and backoff jitter. @default Math.random */
  random?: () => number;
  /** Always page lists with this size (WatchListPageSize); 0 keeps the automatic choice described above. */
  pageSize?: number;
  /** @default 300 */
  minWatchTimeoutSeconds?: number;
  /** Overrides of the backoff parameters (800 ms .. 30 s, factor 2, jitter 1, reset after 2 min). */
  backoff?: Partial<Omit<BackoffOptions, 'clock' | 'random'>>;
  /** @default the root logger */
  log?: Logger;
  /** Called with every list or watch failure (WatchErrorHandler). */
  onWatchError?: (err: unknown) => void;
}

/** True for the "too large resource version" error (a 504 with cause ResourceVersionTooLarge). */
export function isTooLargeResourceVersionError(err: unknown): boolean {
  if (!(err instanceof StatusError)) return false;
  const causes = err.status.details?.causes ?? [];
  if (causes.some((c) => c.reason === 'ResourceVersionTooLarge' || c.message === 'Too large resource version')) return true;
  return err.status.code === 504 && (err.status.message ?? '').includes('Too large resource version');
}

function statusOf(obj: unknown): Status {
  const o = obj as Partial<Status> | null;
  if (o && typeof o === 'object' && o.kind === 'Status' && typeof o.code === 'number') return o as Status;
  return newStatus(500, 'InternalError', `watch ERROR event without a Status object: ${JSON.stringify(obj)?.slice(0, 200)}`);
}

export class Reflector<T extends KubeObject = KubeObject> {
  readonly #lw: ListerWatcher<T>;
  readonly #store: ReflectorStore<T>;
  readonly #name: string;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #pageSize: number;
  readonly #minWatchTimeout: number;
  readonly #backoff: Backoff;
  readonly #log: Logger;
  readonly #onWatchError: ((err: unknown) => void) | undefined;
  #lastSyncResourceVersion = '';
  #resourceVersionUnavailable = false;
  #paginatedResult = false;
  #running = false;

  constructor(lw: ListerWatcher<T>, store: ReflectorStore<T>, options: ReflectorOptions = {}) {
    this.#lw = lw;
    this.#store = store;
    this.#name = options.name ?? 'reflector';
    this.#clock = options.clock ?? realClock;
    this.#random = options.random ?? Math.random;
    this.#pageSize = options.pageSize ?? 0;
    this.#minWatchTimeout = options.minWatchTimeoutSeconds ?? MIN_WATCH_TIMEOUT_SECONDS;
    this.#backoff = new Backoff({ ...reflectorBackoffOptions, ...options.backoff, clock: this.#clock, random: this.#random });
    this.#log = (options.log ?? rootLog).with({ reflector: this.#name });
    this.#onWatchError = options.onWatchError;
  }

  get name(): string {
    return this.#name;
  }

  /** The resourceVersion of the last list or watch event applied to the store. */
  lastSyncResourceVersion(): string {
    return this.#lastSyncResourceVersion;
  }

  /** Lists and watches until `signal` aborts; resolves then. Never rejects: failures are retried with backoff. */
  async run(signal: AbortSignal): Promise<void> {
    if (this.#running) throw new Error(`Cannot run reflector ${this.#name} as it is already running`);
    this.#running = true;
    this.#log.debug('Starting reflector');
    try {
      while (!signal.aborted) {
        try {
          await this.#listAndWatch(signal);
        } catch (err) {
          if (signal.aborted) break;
          this.#report('List failed', err);
        }
        if (signal.aborted) break;
        try {
          await this.#backoff.sleep(signal);
        } catch {
          break;
        }
      }
    } finally {
      this.#running = false;
      this.#log.debug('Stopping reflector');
    }
  }

  /** Lists, then watches until the watch needs a relist (410); throws if the list fails. */
  async #listAndWatch(signal: AbortSignal): Promise<void> {
    await this.#list(signal);
    for (;;) {
      if (signal.aborted) return;
      const err = await this.#watchOnce(signal);
      if (signal.aborted) return;
      if (err === undefined) continue; // normal end (server timeout): watch again at once
      if (isResourceExpired(err)) {
        this.#log.info('Watch expired; relisting', { resourceVersion: this.#lastSyncResourceVersion, err });
        return;
      }
      this.#report('Watch failed; retrying from the last resourceVersion', err);
      try {
        await this.#backoff.sleep(signal);
      } catch {
        return;
      }
    }
  }

  /** One watch request; resolves with the error that ended it, or undefined for a normal end. */
  async #watchOnce(signal: AbortSignal): Promise<unknown> {
    const start = this.#clock.now();
    const timeoutSeconds = Math.floor(this.#minWatchTimeout * (this.#random() + 1));
    let events = 0;
    try {
      const stream = this.#lw.watch({
        resourceVersion: this.#lastSyncResourceVersion,
        timeoutSeconds,
        allowWatchBookmarks: true,
        signal,
      });
      for await (const ev of stream) {
        if (signal.aborted) return undefined;
        this.#apply(ev);
        events++;
      }
    } catch (err) {
      return err;
    }
    if (events === 0 && this.#clock.now() - start < 1000) {
      return new Error(`very short watch: ${this.#name}: Unexpected watch close - watch lasted less than a second and no items received`);
    }
    this.#log.debug('Watch closed', { events });
    return undefined;
  }

  #apply(ev: WatchEvent<T | Status>): void {
    if (ev.type === 'ERROR') throw new StatusError(statusOf(ev.object));
    const obj = ev.object as T;
    try {
      switch (ev.type) {
        case 'ADDED':
          this.#store.add(obj);
          break;
        case 'MODIFIED':
          this.#store.update(obj);
          break;
        case 'DELETED':
          this.#store.delete(obj);
          break;
        case 'BOOKMARK':
          break;
        default:
          this.#log.error('Unable to understand watch event', { type: String((ev as { type: unknown }).type) });
          return;
      }
    } catch (err) {
      this.#log.error('Unable to apply watch event to the store', { type: ev.type, err });
    }
    const rv = obj?.metadata?.resourceVersion;
    if (rv) this.#lastSyncResourceVersion = rv;
  }

  async #list(signal: AbortSignal): Promise<void> {
    const resourceVersion = this.#relistResourceVersion();
    let result: { list: KubeList<T>; paginated: boolean };
    try {
      try {
        result = await listPages(this.#lw, { resourceVersion, signal }, this.#pageSizeFor(resourceVersion));
      } catch (err) {
        if (!isResourceExpired(err) && !isTooLargeResourceVersionError(err)) throw err;
        // The resourceVersion is gone (or not there yet): list the latest state instead. That read goes to
        // storage, so it is paged (client-go reuses the first pager here, unpaged for an rv other than "0").
        this.#resourceVersionUnavailable = true;
        const latest = this.#relistResourceVersion();
        result = await listPages(this.#lw, { resourceVersion: latest, signal }, this.#pageSizeFor(latest));
      }
    } catch (err) {
      if (isNotFound(err) && !signal.aborted) {
        // The resource does not exist on the server: nothing to cache, but waiters may proceed.
        this.#store.replace([], '');
      }
      throw err;
    }
    if (resourceVersion === '0' && result.paginated) this.#paginatedResult = true;
    this.#resourceVersionUnavailable = false;
    const listRv = result.list.metadata?.resourceVersion ?? '';
    this.#store.replace(result.list.items ?? [], listRv);
    this.#lastSyncResourceVersion = listRv;
    this.#log.debug('Listed', { items: result.list.items?.length ?? 0, resourceVersion: listRv });
  }

  /**
   * Page size for a list at resourceVersion: an explicit option wins; paged if an earlier rv "0" list came back
   * paged (no watch cache) or the read is "latest"/"any" (rv "" or "0"); unpaged for a specific rv, so that a
   * watch cache can serve it instead of storage.
   */
  #pageSizeFor(resourceVersion: string): number {
    if (this.#pageSize > 0) return this.#pageSize;
    if (this.#paginatedResult) return DEFAULT_PAGE_SIZE;
    if (resourceVersion !== '' && resourceVersion !== '0') return 0;
    return DEFAULT_PAGE_SIZE;
  }

  #relistResourceVersion(): string {
    if (this.#resourceVersionUnavailable) return '';
    if (this.#lastSyncResourceVersion === '') return '0';
    return this.#lastSyncResourceVersion;
  }

  #report(msg: string, err: unknown): void {
    this.#log.warn(msg, { resourceVersion: this.#lastSyncResourceVersion, err });
    try {
      this.#onWatchError?.(err);
    } catch (e) {
      this.#log.error('Watch error handler failed', { err: e });
    }
  }
}

/**
 * Lists in pages of pageSize (0: one request) and joins them (tools/pager ListPager with FullListIfExpired):
 * later pages drop resourceVersion and carry the continue token; a 410 on a continuation falls back to one
 * unpaged list at the requested resourceVersion.
 */
export async function listPages<T extends KubeObject>(
  lw: Pick<ListerWatcher<T>, 'list'>,
  options: ListOptions,
  pageSize: number,
): Promise<{ list: KubeList<T>; paginated: boolean }> {
  if (pageSize <= 0) return { list: await lw.list({ ...options }), paginated: false };
  const items: T[] = [];
  let paginated = false;
  let request: ListOptions = { ...options, limit: pageSize };
  for (;;) {
    let page: KubeList<T>;
    try {
      page = await lw.list(request);
    } catch (err) {
      if (!isResourceExpired(err) || !request.continue) throw err;
      const full: ListOptions = { ...options };
      delete full.limit;
      delete full.continue;
      return { list: await lw.list(full), paginated };
    }
    for (const item of page.items ?? []) items.push(item);
    const cont = page.metadata?.continue;
    if (!cont) return { list: { ...page, items }, paginated };
    paginated = true;
    request = { ...options, limit: pageSize, continue: cont };
    delete request.resourceVersion;
    delete request.resourceVersionMatch;
  }
}
