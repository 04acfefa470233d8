/**
 * Cacher: the watch cache of ONE resource, a `Storage` decorator (k8s.io/apiserver/pkg/storage/cacher/cacher.go).
 *
 * It lists `resourcePrefix` from the underlying storage (paged, one snapshot), then watches from the list
 * revision and feeds every change into a WatchCache (state + 75 s / 1,000-event window), fanning each change out
 * to its CacheWatchers.
 *
 * Storage interface:
 * - create / guaranteedUpdate / delete / compact / count / currentRevision go to the storage.
 *   guaranteedUpdate and delete pass the cached object as `cachedExisting` (as upstream does; shared and
 *   read-only: the storages only encode it);
 *   compact also raises the window's floor (resuming below it is Expired).
 * - get goes to the storage (consistent).
 * - list with revision N > 0 goes to the storage (exact snapshot, continuation pages).
 * - list with revision 0 is a consistent read served from the cache (see listFromCache `consistent`), and, to
 *   keep the Storage contract, returns fresh copies. The HTTP layer should use listFromCache instead.
 * - watch(revision 0 | N) is served from the cache (no synthetic events), with fresh copies.
 *
 * Read API for the apiserver's LIST/WATCH handlers (zero-copy, objects shared with the cache: callers must not
 * mutate anything they get; encode it, or clone before changing):
 * - listFromCache(prefix, { minRevision?, consistent?, predicate?, limit?, startKey?, signal? })
 * - watchCached({ prefix, revision, sendInitialEvents?, bookmarks?, predicate?, signal, bufferSize?, deadline? })
 * - watchOptionsFromQuery(query) maps resourceVersion / resourceVersionMatch / sendInitialEvents /
 *   allowWatchBookmarks onto watchCached options (or returns the field errors for a 422).
 *
 * Freshness. "The cache is at revision R" means every change up to R has been applied. The revision is global
 * to the store, so writes to OTHER resources move the store's revision without this cache seeing an event.
 * Two ways to know the cache is nevertheless current:
 *   1. Progress notifications (preferred, etcd's WatchProgressRequest): if the storage has an optional
 *      `requestWatchProgress()` (see WatchProgressRequester), the Cacher calls it when it needs to catch up, and
 *      a `BOOKMARK` event on its storage watch moves the cache revision forward.
 *   2. Without it, a consistent read waits `consistentReadWaitMs` (default 50 ms) for the cache to reach the
 *      store's current revision (enough when the newest write was to this resource) and otherwise falls back to
 *      reading the storage (k8s before ConsistentListFromCache). Result `source` says which.
 * A requested revision the store does not have yet waits up to `freshnessTimeoutMs` (3 s, upstream
 * `blockTimeout`), then fails with StorageError('TooLargeResourceVersion', { revision, bound }).
 *
 * Watch restarts and relists (reflector behaviour):
 * - When the storage watch ends or fails with anything but Expired, the Cacher re-watches from its revision
 *   after a backoff (200 ms doubling to 30 s, reset by any event); watchers notice nothing.
 * - When it fails with Expired (the cache's revision was compacted away), the Cacher RELISTS and emits the
 *   difference to live watchers as events, so they stay consistent without relisting themselves:
 *   DELETED for vanished keys first (resourceVersion = the old cache revision, because the delete revision is
 *   unknown), then ADDED/MODIFIED in object-revision order. The window restarts empty at the new list
 *   revision, so resuming from before it gets 410 Expired (in particular a watcher cut off in the middle of the
 *   difference). Bookmark watchers then get a BOOKMARK at the list revision. Watchers whose start revision was
 *   ahead of the old cache revision are ended ('relist'). If the storage went backwards (new list revision <
 *   cache revision), every watcher is ended ('reset').
 *   (Upstream ends every watcher on relist; carrying them across is a kubelab choice.)
 *
 * Fan-out: each change is appended to the window once and offered synchronously to the watchers whose prefix
 * covers its key (watchers are indexed by prefix); offering never waits. A watcher whose bounded buffer
 * (`watcherBufferSize`, default 1,000) is full after an offer is "blocked": before taking the next change the
 * Cacher waits until every blocked watcher has room, but at most for the time it takes from a dispatch time
 * budget (refilled at 100 ms per second, capped at 100 ms: upstream dispatchTimeoutBudget / time_budget.go),
 * then cuts the still-blocked ones off (closedReason 'slow'). So a consumer that is only briefly behind (the
 * cache catching up on a burst faster than a healthy consumer reads) is paced rather than dropped, a stuck one
 * is dropped, memory stays at bufferSize per watcher, and the cache stalls at most ~10% of the time.
 *
 * Bookmarks: watchers with `bookmarks: true` get a BOOKMARK carrying the cache revision every
 * `bookmarkIntervalMs` (default 55 s, checked every second), and 2 s before their optional `deadline`.
 * Object: `{ kind, apiVersion, metadata: { resourceVersion } }` from `bookmarkTypeMeta`.
 */
import type { KubeObject } from '../../../shared/api/meta.ts';
import { type Clock, type Timer, realClock } from '../../../shared/util/clock.ts';
import { type FieldError, fieldForbidden, fieldInvalid, fieldNotSupported } from '../../../shared/errors/status-error.ts';
import { StorageError, isStorageError } from '../errors.ts';
import type {
  DeleteOptions,
  ListOptions,
  ListResult,
  Storage,
  StorageEvent,
  TryUpdate,
  UpdateOptions,
  WatchOptions,
} from '../interfaces.ts';
import { CacheWatcher } from './cache-watcher.ts';
import { type AttrsFunc, type AttrsPredicate, CachedObject, defaultAttrs } from './cached-object.ts';
import { log } from '../../../shared/util/log.ts';
import { CacheEntry, type CacheListOptions, type StoredWatchEvent, WatchCache, WatchCacheEvent, type WatchCacheOptions } from './watch-cache.ts';

export { CacheWatcher, type CacheWatcherCloseReason } from './cache-watcher.ts';
export type { WatchCacheEvent } from './watch-cache.ts';
export type { AttrsFunc, AttrsPredicate, ObjectAttrs } from './cached-object.ts';

/**
 * Optional storage capability (proposed addition to interfaces.ts; modelled on etcd's WatchProgressRequest):
 * `requestWatchProgress()` makes the backend send, on every open watch stream, an event
 * `{ type: 'BOOKMARK', key: '', object: { metadata: { resourceVersion } }, revision }` meaning "every change
 * with revision <= `revision` has already been delivered on this stream".
 */
export interface WatchProgressRequester {
  requestWatchProgress(): Promise<void>;
}

export interface BookmarkTypeMeta {
  kind: string;
  apiVersion: string;
}

export interface CacherOptions {
  storage: Storage;
  /** The resource's key prefix, ending in '/', e.g. '/pods/'. */
  resourcePrefix: string;
  clock?: Clock;
  /** Key of an object as listed. @default resourcePrefix + (namespace ? namespace + '/' : '') + name */
  keyFunc?: (obj: KubeObject) => string;
  /** The resource's selection attributes (labels, selectable fields). @default labels, metadata.name/namespace */
  attrs?: AttrsFunc;
  /** kind/apiVersion of BOOKMARK objects (e.g. { kind: 'Pod', apiVersion: 'v1' }). */
  bookmarkTypeMeta?: BookmarkTypeMeta;
  /** Live events a watcher may hold before it is cut off as slow. @default 1000 */
  watcherBufferSize?: number;
  /** Period of BOOKMARKs for watchers that allow them. @default 55_000 */
  bookmarkIntervalMs?: number;
  /** How often due bookmarks are looked for. @default 1000 */
  bookmarkCheckMs?: number;
  /** How often the event window drops expired events while no new ones arrive; 0: never. @default 15000 */
  trimIntervalMs?: number;
  /** Page size of the storage list on (re)list. @default 1000 */
  listPageSize?: number;
  /** How long a read waits for a revision the store does not have yet. @default 3000 (upstream blockTimeout) */
  freshnessTimeoutMs?: number;
  /** Without progress notifications: how long a consistent read waits for the cache before reading storage. @default 50 */
  consistentReadWaitMs?: number;
  /** Most time the cache waits for blocked watchers per dispatch; refilled at a tenth of real time. @default 100 */
  dispatchBudgetMs?: number;
  /** Backoff between storage watch/list attempts. @default 200 .. 30_000 */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** close() also closes the underlying storage. @default false (one storage is shared by many cachers) */
  closeStorage?: boolean;
  /** Window tuning (minEvents 1000, maxEvents 100k, freshMs 75 s, ...). */
  window?: Omit<WatchCacheOptions, 'clock'>;
}

export interface ListFromCacheOptions {
  /**
   * Serve a state at least this fresh (resourceVersion=N, NotOlderThan semantics). 0/undefined: any state
   * (resourceVersion="0"). Waits for the cache; see the freshness notes above.
   */
  minRevision?: number;
  /** A consistent read (resourceVersion unset): at least the store's current revision. */
  consistent?: boolean;
  /** Label/field selector on the objects' attributes (see CacherOptions.attrs). */
  predicate?: AttrsPredicate | undefined;
  /** At most this many matching items (plus continueKey when more follow). */
  limit?: number;
  /** Only keys strictly greater than this (the previous page's continueKey). */
  startKey?: string;
  signal?: AbortSignal;
}

export interface CachedListResult extends ListResult {
  /** 'cache': items are shared with the cache (read-only), `values` holds their JSON, and `items` parses them
   *  only when read. 'storage': the cache could not prove freshness and the list was read from the storage
   *  (fresh objects, no `values`). */
  source: 'cache' | 'storage';
  values?: readonly CachedObject[];
}

export interface WatchCachedOptions {
  /** A key prefix ending in '/' (every key below it) or one exact key. Must lie under resourcePrefix. */
  prefix: string;
  /**
   * Where the stream starts (from the request's resourceVersion):
   * - 'latest' (resourceVersion unset): the store's current revision (consistent).
   * - 0 (resourceVersion "0"): any: the cache's current revision.
   * - N > 0: N. Without initial events, exactly the changes strictly after N are delivered; N older than the
   *   window -> rejects with StorageError('Expired') (send a 410 ERROR event); N newer than the store -> waits
   *   up to 3 s, then rejects with StorageError('TooLargeResourceVersion').
   */
  revision: number | 'latest';
  /**
   * The query parameter, tri-state:
   * - undefined (legacy): synthetic ADDED for every matching object when revision is 0 / 'latest'; none for N.
   * - true: synthetic ADDED for a state not older than `revision`, then (with bookmarks) a BOOKMARK with
   *   `initialEventsEnd: true` and annotation k8s.io/initial-events-end=true, then changes.
   * - false: no synthetic events, whatever the revision.
   */
  sendInitialEvents?: boolean | undefined;
  /** allowWatchBookmarks: periodic BOOKMARKs (and the initial-events-end one). */
  bookmarks?: boolean | undefined;
  /** Label/field selector on the objects' attributes. See CacheWatcher for the ADDED/DELETED transitions. */
  predicate?: AttrsPredicate | undefined;
  /** Object of the DELETED sent when an object stops matching: 'new' state (default) or 'previous' (upstream). */
  selectorDeleteObject?: 'new' | 'previous' | undefined;
  /** Ends the watcher (closedReason 'aborted'); also aborts waiting for the cache. */
  signal: AbortSignal;
  /** Overrides watcherBufferSize for this watcher. */
  bufferSize?: number | undefined;
  /** Clock time (ms) the HTTP handler will end the stream (timeoutSeconds): a bookmark is sent 2 s before. */
  deadline?: number | undefined;
}

/** The watch query parameters as parsed from the URL. */
export interface WatchQuery {
  resourceVersion?: string | undefined;
  resourceVersionMatch?: string | undefined;
  sendInitialEvents?: boolean | undefined;
  allowWatchBookmarks?: boolean | undefined;
}

export type WatchQueryResult =
  | { ok: true; options: Pick<WatchCachedOptions, 'revision' | 'sendInitialEvents' | 'bookmarks'> }
  /** Field errors to return as 422 Invalid (kind ListOptions, group meta.k8s.io), as upstream does. */
  | { ok: false; errors: FieldError[] };

/**
 * Maps watch query parameters onto watchCached options, validating them like upstream
 * (apimachinery/pkg/apis/meta/internalversion/validation: validateWatchOptions).
 */
export function watchOptionsFromQuery(q: WatchQuery): WatchQueryResult {
  const errors: FieldError[] = [];
  const rv = q.resourceVersion ?? '';
  let revision: number | 'latest' = 'latest';
  if (rv !== '') {
    if (/^\d+$/.test(rv) && Number.isSafeInteger(Number(rv))) revision = Number(rv);
    else errors.push(fieldInvalid('resourceVersion', rv, 'must be a decimal resource version'));
  }
  const match = q.resourceVersionMatch ?? '';
  if (q.sendInitialEvents !== undefined && match !== 'NotOlderThan') {
    errors.push(fieldForbidden('resourceVersionMatch', 'sendInitialEvents requires setting resourceVersionMatch to NotOlderThan'));
  }
  if (match !== '') {
    if (q.sendInitialEvents === undefined) {
      errors.push(fieldForbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided'));
    }
    if (match !== 'NotOlderThan') errors.push(fieldNotSupported('resourceVersionMatch', match, ['NotOlderThan']));
  }
  if (errors.length) return { ok: false, errors };
  return { ok: true, options: { revision, sendInitialEvents: q.sendInitialEvents, bookmarks: q.allowWatchBookmarks ?? false } };
}

const INITIAL_EVENTS_END_ANNOTATION = 'k8s.io/initial-events-end';
const DEADLINE_BOOKMARK_LEAD_MS = 2000;

export interface CacherStats {
  /** Reads answered from the cache / from the storage because the cache could not prove freshness. */
  listsFromCache: number;
  listsDelegated: number;
  /** Storage watch restarts and relists after the initial list. */
  watchRestarts: number;
  relists: number;
  /** Watchers cut off as slow. */
  slowWatchers: number;
}

/**
 * A time budget (upstream cacher/time_budget.go): `take()` hands out everything available, `giveBack()` returns
 * what was not used; it refills at `max` per second (i.e. a tenth of real time for max = 100 ms), up to `max`.
 */
class TimeBudget {
  readonly #clock: Clock;
  readonly #max: number;
  #budget: number;
  #last: number;
  constructor(clock: Clock, max: number) {
    this.#clock = clock;
    this.#max = max;
    this.#budget = max;
    this.#last = clock.now();
  }
  take(): number {
    const now = this.#clock.now();
    this.#budget = Math.min(this.#max, this.#budget + ((now - this.#last) * this.#max) / 1000);
    this.#last = now;
    const b = this.#budget;
    this.#budget = 0;
    return b;
  }
  giveBack(ms: number): void {
    if (ms > 0) this.#budget = Math.min(this.#max, this.#budget + ms);
  }
}

export class Cacher implements Storage {
  readonly resourcePrefix: string;
  /** Resolves once the first list has been loaded; rejects if the cacher is stopped before that. */
  readonly ready: Promise<void>;
  readonly stats: CacherStats = { listsFromCache: 0, listsDelegated: 0, watchRestarts: 0, relists: 0, slowWatchers: 0 };

  readonly #storage: Storage;
  readonly #clock: Clock;
  readonly #keyFunc: (obj: KubeObject) => string;
  readonly #attrs: AttrsFunc;
  readonly #bookmarkTypeMeta: BookmarkTypeMeta | undefined;
  readonly #bufferSize: number;
  readonly #bookmarkIntervalMs: number;
  readonly #bookmarkCheckMs: number;
  readonly #pageSize: number;
  readonly #freshnessTimeoutMs: number;
  readonly #consistentReadWaitMs: number;
  readonly #initialBackoffMs: number;
  readonly #maxBackoffMs: number;
  readonly #closeStorage: boolean;
  readonly #wc: WatchCache;
  readonly #budget: TimeBudget;
  #nextWatcherId = 0;

  readonly #stop = new AbortController();
  #started = false;
  #stopped = false;
  #initialized = false;
  #loop: Promise<void> | null = null;
  #resolveReady!: () => void;
  #rejectReady!: (e: Error) => void;

  /** Watchers indexed by their prefix/key; #all holds every live watcher. */
  readonly #index = new Map<string, Set<CacheWatcher>>();
  readonly #all = new Set<CacheWatcher>();
  readonly #bookmarkWatchers = new Set<CacheWatcher>();
  #bookmarkTimer: Timer | null = null;
  #trimTimer: Timer | null = null;
  readonly #trimIntervalMs: number;
  #progressInFlight: Promise<void> | null = null;

  constructor(opts: CacherOptions) {
    if (!opts.resourcePrefix.endsWith('/')) throw new TypeError(`resourcePrefix must end with '/': ${opts.resourcePrefix}`);
    this.#storage = opts.storage;
    this.resourcePrefix = opts.resourcePrefix;
    this.#clock = opts.clock ?? realClock;
    const prefix = opts.resourcePrefix;
    this.#keyFunc =
      opts.keyFunc ??
      ((obj) => (obj.metadata.namespace ? `${prefix}${obj.metadata.namespace}/${obj.metadata.name ?? ''}` : `${prefix}${obj.metadata.name ?? ''}`));
    this.#bookmarkTypeMeta = opts.bookmarkTypeMeta;
    this.#bufferSize = opts.watcherBufferSize ?? 1000;
    this.#bookmarkIntervalMs = opts.bookmarkIntervalMs ?? 55_000;
    this.#bookmarkCheckMs = Math.min(opts.bookmarkCheckMs ?? 1000, this.#bookmarkIntervalMs);
    this.#trimIntervalMs = opts.trimIntervalMs ?? 15_000;
    this.#pageSize = opts.listPageSize ?? 1000;
    this.#freshnessTimeoutMs = opts.freshnessTimeoutMs ?? 3000;
    this.#consistentReadWaitMs = opts.consistentReadWaitMs ?? 50;
    this.#initialBackoffMs = opts.initialBackoffMs ?? 200;
    this.#maxBackoffMs = opts.maxBackoffMs ?? 30_000;
    this.#closeStorage = opts.closeStorage ?? false;
    this.#attrs = opts.attrs ?? defaultAttrs;
    this.#wc = new WatchCache({ ...opts.window, clock: this.#clock, attrs: this.#attrs });
    this.#budget = new TimeBudget(this.#clock, opts.dispatchBudgetMs ?? 100);
    this.ready = new Promise<void>((resolve, reject) => {
      this.#resolveReady = resolve;
      this.#rejectReady = reject;
    });
    this.ready.catch(() => {});
  }

  /** Starts list+watch (idempotent). Resolves when the cache is ready. */
  start(): Promise<void> {
    if (!this.#started && !this.#stopped) {
      this.#started = true;
      this.#loop = this.#run();
      this.#scheduleTrim();
    }
    return this.ready;
  }

  /** Every trimIntervalMs: the window sheds expired events even when no new ones arrive (WatchCache.trimExpired). */
  #scheduleTrim(): void {
    if (this.#stopped || this.#trimIntervalMs <= 0) return;
    this.#trimTimer = this.#clock.setTimeout(() => {
      this.#trimTimer = null;
      this.#wc.trimExpired();
      this.#scheduleTrim();
    }, this.#trimIntervalMs);
    this.#trimTimer.unref?.();
  }

  /** Ends every watcher ('stopped') and the storage watch. Reads after stop fail with Unavailable. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#stop.abort();
    this.#bookmarkTimer?.cancel();
    this.#bookmarkTimer = null;
    this.#trimTimer?.cancel();
    this.#trimTimer = null;
    for (const w of [...this.#all]) w.close('stopped');
    this.#wc.cancelWaiters();
    if (!this.#initialized) this.#rejectReady(new StorageError('Unavailable', this.resourcePrefix, 'cacher stopped'));
  }

  /** The revision the cache has caught up to. */
  get revision(): number {
    return this.#wc.revision;
  }
  /** Same as `revision` (the registry's CacheReader / the watch handler's WatchSource spelling). */
  currentCacheRevision(): number {
    return this.#wc.revision;
  }
  /** The underlying window (read-only use: tests, metrics). */
  get watchCache(): WatchCache {
    return this.#wc;
  }
  /** Number of live watchers. */
  get watcherCount(): number {
    return this.#all.size;
  }

  // ---- Storage: writes and point reads go to the storage ------------------------------------------------

  get(key: string): Promise<KubeObject> {
    return this.#storage.get(key);
  }

  create(key: string, obj: KubeObject): Promise<KubeObject> {
    return this.#storage.create(key, obj);
  }

  guaranteedUpdate(key: string, tryUpdate: TryUpdate, opts: UpdateOptions = {}): Promise<KubeObject> {
    const cachedExisting = opts.cachedExisting ?? this.#cached(key);
    return this.#storage.guaranteedUpdate(key, tryUpdate, cachedExisting ? { ...opts, cachedExisting } : opts);
  }

  delete(key: string, opts: DeleteOptions = {}): Promise<KubeObject> {
    const cachedExisting = opts.cachedExisting ?? this.#cached(key);
    return this.#storage.delete(key, cachedExisting ? { ...opts, cachedExisting } : opts);
  }

  currentRevision(): Promise<number> {
    return this.#storage.currentRevision();
  }

  /**
   * Compacts the storage, and makes the window refuse resumes below `revision` too (Storage contract: watch below
   * a compacted revision is Expired). Compaction done on the storage directly is not seen (as upstream).
   */
  async compact(revision: number): Promise<void> {
    await this.#storage.compact(revision);
    this.#wc.compact(revision);
  }

  count(prefix: string): Promise<number> {
    return this.#storage.count(prefix);
  }

  async close(): Promise<void> {
    this.stop();
    await this.#loop;
    if (this.#closeStorage) await this.#storage.close();
  }

  /**
   * revision N > 0: the storage's exact snapshot. revision 0: a consistent read from the cache (fresh copies,
   * per the Storage contract).
   */
  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    if ((opts.revision && opts.revision > 0) || !prefix.startsWith(this.resourcePrefix)) return this.#storage.list(prefix, opts);
    const pred = opts.predicate;
    const r = await this.listFromCache(prefix, { consistent: true, limit: opts.limit, startKey: opts.startKey }, pred);
    const result: ListResult = { items: r.values ? r.values.map((v) => v.fresh()) : r.items, revision: r.revision };
    if (r.continueKey !== undefined) result.continueKey = r.continueKey;
    if (r.remainingItemCount !== undefined) result.remainingItemCount = r.remainingItemCount;
    return result;
  }

  /**
   * Storage watch served from the cache: changes strictly after opts.revision (0 = from the store's current
   * revision), no synthetic events, no bookmarks, fresh copies. Throws Expired (revision too old, or the cacher
   * relisted underneath), Unavailable (cut off as slow, or the cacher stopped).
   */
  watch(prefixOrKey: string, opts: WatchOptions): AsyncIterable<StorageEvent> {
    if (!prefixOrKey.startsWith(this.resourcePrefix)) return this.#storage.watch(prefixOrKey, opts);
    const start = (): Promise<CacheWatcher> =>
      this.watchCached({ prefix: prefixOrKey, revision: opts.revision > 0 ? opts.revision : 'latest', sendInitialEvents: false, signal: opts.signal });
    return {
      async *[Symbol.asyncIterator]() {
        const w = await start();
        for await (const ev of w) {
          if (ev.type === 'BOOKMARK') continue;
          const out: StorageEvent = { type: ev.type, key: ev.key, object: ev.value.fresh(), revision: ev.revision };
          const prev = (ev as Partial<StoredWatchEvent>).prev;
          if (prev && ev.type !== 'ADDED') out.prevObject = prev.fresh();
          yield out;
        }
        const reason = w.closedReason;
        if (reason === 'relist' || reason === 'reset') {
          throw new StorageError('Expired', prefixOrKey, `watch ended: the cache relisted (${reason}); relist`);
        }
        if (reason === 'slow' || reason === 'stopped') {
          throw new StorageError('Unavailable', prefixOrKey, `watch ended: ${reason === 'slow' ? 'consumer too slow' : 'cacher stopped'}`);
        }
      },
    };
  }

  // ---- Read API for the HTTP handlers ----------------------------------------------------------------------

  /**
   * Lists from the cache, in key order, once the cache is at least as fresh as asked (see ListFromCacheOptions).
   * `revision` of the result is the cache revision the items were read at. Paging: pass the previous page's
   * `continueKey` as `startKey`; every key present throughout the paging is seen exactly once (later pages are
   * read from the then-current state). Items are SHARED with the cache when `source === 'cache'`: do not mutate.
   * Before the first list completes, reads go to the storage. `objectPredicate` (only when `opts.predicate` is
   * unset) filters on the parsed objects instead of their attributes: it parses every cached object it looks at,
   * so it is for the Storage-interface `list` only.
   */
  async listFromCache(prefix: string, opts: ListFromCacheOptions = {}, objectPredicate?: (obj: KubeObject) => boolean): Promise<CachedListResult> {
    this.#checkPrefix(prefix);
    this.#throwIfStopped();
    // The same page from the storage (before the cache is fresh enough) or from the window.
    const page: ListOptions = {};
    const window: CacheListOptions = {};
    if (opts.limit !== undefined) page.limit = window.limit = opts.limit;
    if (opts.startKey !== undefined) page.startKey = window.startKey = opts.startKey;
    const attrsPred = opts.predicate;
    const attrsOf = this.#attrs;
    if (attrsPred) {
      page.predicate = (o) => attrsPred(attrsOf(o));
      window.predicate = (v) => attrsPred(v.attrs);
    } else if (objectPredicate) {
      page.predicate = objectPredicate;
      window.predicate = (v) => objectPredicate(v.object);
    }
    let min = opts.minRevision ?? 0;
    let current: number | undefined;
    if (opts.consistent) {
      current = await this.#storage.currentRevision();
      min = Math.max(min, current);
    }
    if (!this.#initialized || min > this.#wc.revision) {
      const fresh = this.#initialized && (await this.#awaitFresh(min, { waitIfExists: true, signal: opts.signal, current }));
      if (!fresh) {
        const r = await this.#storage.list(prefix, page);
        if (r.revision < min) {
          throw new StorageError('TooLargeResourceVersion', prefix, `Too large resource version: ${min}, current: ${r.revision}`, { revision: min, bound: r.revision });
        }
        this.stats.listsDelegated++;
        const { values: _storagesHaveNone, ...fromStorage } = r;
        return { ...fromStorage, source: 'storage' };
      }
    }
    this.#throwIfStopped();
    const r = this.#wc.list(prefix, window);
    this.stats.listsFromCache++;
    const result = cachedList(r.entries.map((e) => e.value), this.#wc.revision);
    if (r.continueKey !== undefined) result.continueKey = r.continueKey;
    if (r.remainingItemCount !== undefined) result.remainingItemCount = r.remainingItemCount;
    return result;
  }

  /**
   * Starts a watcher (see WatchCachedOptions for the start-point semantics). Rejects with StorageError
   * 'Expired' (too old: send a 410 ERROR event), 'TooLargeResourceVersion' (too new after 3 s), 'Unavailable'
   * (stopped), or the signal's reason if it aborts while waiting for the cache.
   */
  async watchCached(opts: WatchCachedOptions): Promise<CacheWatcher> {
    this.#checkPrefix(opts.prefix);
    await this.#waitReady(opts.signal);
    const { revision, signal } = opts;
    const wantInitial =
      opts.sendInitialEvents === true || (opts.sendInitialEvents === undefined && (revision === 0 || revision === 'latest'));
    if (!wantInitial) {
      let start: number;
      let current: number | undefined;
      if (revision === 'latest') start = current = await this.#storage.currentRevision();
      else if (revision === 0) start = this.#wc.revision;
      else start = revision;
      if (start > this.#wc.revision) {
        // Not yet in the cache: fine if the store has it (we skip what the cache later shows up to `start`).
        await this.#awaitFresh(start, { waitIfExists: false, signal, current });
      }
      return this.#register(opts, [], start, false);
    }
    let min = 0;
    let current: number | undefined;
    if (revision === 'latest') min = current = await this.#storage.currentRevision();
    else min = revision;
    if (await this.#awaitFresh(min, { waitIfExists: true, signal, current })) {
      this.#throwIfStopped();
      return this.#register(opts, this.#wc.snapshot(opts.prefix), this.#wc.revision, true);
    }
    // The cache could not prove it is fresh enough: take the initial state from the storage (for an exact key,
    // from a list of its parent, filtered).
    const exact = !opts.prefix.endsWith('/');
    const listed = await this.#listAll(exact ? opts.prefix.slice(0, opts.prefix.lastIndexOf('/') + 1) : opts.prefix, signal);
    this.#throwIfStopped();
    let entries: CacheEntry[] = listed.items.map(
      (object) => new CacheEntry(this.#keyFunc(object), CachedObject.of(object, this.#attrs), Number(object.metadata.resourceVersion)),
    );
    if (exact) entries = entries.filter((e) => e.key === opts.prefix);
    return this.#register(opts, entries, listed.revision, true);
  }

  // ---- internals ---------------------------------------------------------------------------------------

  #register(opts: WatchCachedOptions, initial: CacheEntry[], start: number, withInitial: boolean): CacheWatcher {
    this.#throwIfStopped();
    let backlog: StoredWatchEvent[] = [];
    let skipUntil = 0;
    if (start <= this.#wc.revision) backlog = this.#wc.eventsAfter(start, opts.prefix);
    else skipUntil = start;
    const bookmarks = opts.bookmarks ?? false;
    const now = this.#clock.now();
    const w = new CacheWatcher({
      prefix: opts.prefix,
      predicate: opts.predicate,
      selectorDeleteObject: opts.selectorDeleteObject,
      bookmarks,
      bufferSize: opts.bufferSize ?? this.#bufferSize,
      signal: opts.signal,
      initial,
      initialEndBookmark: withInitial && opts.sendInitialEvents === true && bookmarks ? this.#bookmarkEvent(start, true) : undefined,
      backlog,
      startRevision: start,
      skipUntil,
      nextBookmarkAt: this.#nextBookmarkAt(now, opts.deadline),
      id: this.#nextWatcherId++,
      onClose: (cw) => this.#forget(cw),
    });
    w.deadline = opts.deadline;
    if (w.closedReason) return w; // signal already aborted
    this.#all.add(w);
    let set = this.#index.get(opts.prefix);
    if (!set) this.#index.set(opts.prefix, (set = new Set()));
    set.add(w);
    if (bookmarks) {
      this.#bookmarkWatchers.add(w);
      this.#scheduleBookmarks();
    }
    return w;
  }

  #forget(w: CacheWatcher): void {
    if (!this.#all.delete(w)) return;
    if (w.closedReason === 'slow') {
      this.stats.slowWatchers++;
      log.warn('Terminating a slow watcher: its buffer stayed full past the dispatch budget', { prefix: w.prefix, resource: this.resourcePrefix });
    }
    const set = this.#index.get(w.prefix);
    if (set) {
      set.delete(w);
      if (set.size === 0) this.#index.delete(w.prefix);
    }
    this.#bookmarkWatchers.delete(w);
  }

  /**
   * Offers one change to every watcher whose prefix (or exact key) covers its key and whose id is below
   * `maxId`. Returns the watchers whose buffer is now full (null if none).
   */
  #dispatch(ev: StoredWatchEvent, maxId = Infinity): CacheWatcher[] | null {
    if (this.#all.size === 0) return null;
    const key = ev.key;
    let blocked: CacheWatcher[] | null = null;
    const offerAll = (set: Set<CacheWatcher> | undefined) => {
      if (!set) return;
      for (const w of set) {
        if (w.id < maxId && w.offer(ev)) (blocked ??= []).push(w);
      }
    };
    if (!key.endsWith('/')) offerAll(this.#index.get(key));
    for (let i = key.indexOf('/'); i >= 0; i = key.indexOf('/', i + 1)) offerAll(this.#index.get(key.slice(0, i + 1)));
    return blocked;
  }

  /** Waits (within the dispatch budget) until the blocked watchers have room; cuts off the rest as slow. */
  async #waitForRoom(blocked: CacheWatcher[]): Promise<void> {
    const budget = this.#budget.take();
    const started = this.#clock.now();
    if (budget > 0) {
      await new Promise<void>((resolve) => {
        let pending = blocked.length;
        let timer: Timer | null = null;
        let done = false;
        const finish = () => {
          if (done) return;
          done = true;
          timer?.cancel();
          resolve();
        };
        const one = () => {
          if (--pending === 0) finish();
        };
        for (const w of blocked) w.waitForRoom(one);
        if (!done) timer = this.#clock.setTimeout(finish, budget);
      });
    }
    for (const w of blocked) {
      w.waitForRoom(null);
      if (!w.closedReason && !w.hasRoom) w.close('slow');
    }
    this.#budget.giveBack(budget - (this.#clock.now() - started));
  }

  #bookmarkEvent(revision: number, initialEventsEnd = false): WatchCacheEvent {
    const metadata: KubeObject['metadata'] = { resourceVersion: String(revision) };
    if (initialEventsEnd) metadata.annotations = { [INITIAL_EVENTS_END_ANNOTATION]: 'true' };
    const object: KubeObject = this.#bookmarkTypeMeta
      ? { kind: this.#bookmarkTypeMeta.kind, apiVersion: this.#bookmarkTypeMeta.apiVersion, metadata }
      : { metadata };
    return new WatchCacheEvent('BOOKMARK', '', CachedObject.of(object, defaultAttrs), revision, initialEventsEnd);
  }

  #nextBookmarkAt(now: number, deadline: number | undefined): number {
    const periodic = now + this.#bookmarkIntervalMs;
    if (deadline === undefined) return periodic;
    const beforeDeadline = deadline - DEADLINE_BOOKMARK_LEAD_MS;
    return beforeDeadline > now ? Math.min(periodic, beforeDeadline) : periodic;
  }

  #scheduleBookmarks(): void {
    if (this.#bookmarkTimer || this.#stopped || this.#bookmarkWatchers.size === 0) return;
    this.#bookmarkTimer = this.#clock.setTimeout(() => {
      this.#bookmarkTimer = null;
      this.#sendDueBookmarks();
      this.#scheduleBookmarks();
    }, this.#bookmarkCheckMs);
  }

  #sendDueBookmarks(): void {
    if (!this.#initialized) return;
    const now = this.#clock.now();
    let ev: WatchCacheEvent | undefined;
    for (const w of this.#bookmarkWatchers) {
      if (w.nextBookmarkAt > now) continue;
      ev ??= this.#bookmarkEvent(this.#wc.revision);
      w.nextBookmarkAt = this.#nextBookmarkAt(now, w.deadline);
      w.offerBookmark(ev);
    }
  }

  /**
   * Waits until the cache has caught up to `min`. Returns true when it has; false when it has not but the
   * store has that revision (the caller then reads the storage, or skips ahead). Rejects with
   * TooLargeResourceVersion when the store itself is still behind `min` after freshnessTimeoutMs.
   * waitIfExists=false returns false at once when the store has `min` and no progress request can help.
   */
  async #awaitFresh(min: number, o: { waitIfExists: boolean; signal?: AbortSignal | undefined; current?: number | undefined }): Promise<boolean> {
    if (min <= this.#wc.revision) return true;
    const current = o.current ?? (await this.#storage.currentRevision());
    if (min <= this.#wc.revision) return true;
    if (min <= current) {
      if (!o.waitIfExists) return false;
      const canProgress = this.#requestProgress();
      const wait = canProgress ? this.#freshnessTimeoutMs : this.#consistentReadWaitMs;
      const ok = await this.#wc.waitForRevision(min, wait, o.signal);
      this.#throwIfAborted(o.signal);
      return ok;
    }
    this.#requestProgress();
    if (await this.#wc.waitForRevision(min, this.#freshnessTimeoutMs, o.signal)) return true;
    this.#throwIfAborted(o.signal);
    this.#throwIfStopped();
    const now = await this.#storage.currentRevision();
    if (min <= now) return false;
    throw new StorageError('TooLargeResourceVersion', this.resourcePrefix, `Too large resource version: ${min}, current: ${now}`, { revision: min, bound: now });
  }

  /** Asks the storage for a progress notification, if it can give one. Returns whether it can. */
  #requestProgress(): boolean {
    const s = this.#storage as Partial<WatchProgressRequester>;
    if (typeof s.requestWatchProgress !== 'function') return false;
    if (!this.#progressInFlight) {
      this.#progressInFlight = s
        .requestWatchProgress()
        .catch(() => {})
        .finally(() => {
          this.#progressInFlight = null;
        });
    }
    return true;
  }

  async #waitReady(signal: AbortSignal): Promise<void> {
    this.#throwIfStopped();
    if (this.#initialized) return;
    if (!this.#started) throw new StorageError('Unavailable', this.resourcePrefix, 'cacher not started');
    this.#throwIfAborted(signal);
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      this.ready.then(
        () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
        (e: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(e);
        },
      );
    });
  }

  #throwIfStopped(): void {
    if (this.#stopped) throw new StorageError('Unavailable', this.resourcePrefix, 'cacher stopped');
  }

  #throwIfAborted(signal: AbortSignal | undefined): void {
    if (signal?.aborted) throw signal.reason;
  }

  #checkPrefix(prefix: string): void {
    if (!prefix.startsWith(this.resourcePrefix)) {
      throw new TypeError(`Cannot serve ${prefix} from the cacher of ${this.resourcePrefix}`);
    }
  }

  /** The cached object itself (shared: read only). */
  #cached(key: string): KubeObject | undefined {
    if (!this.#initialized) return undefined;
    return this.#wc.get(key)?.value.object;
  }

  /** One consistent snapshot of prefix from the storage, read in pages. */
  async #listAll(prefix: string, signal?: AbortSignal): Promise<{ items: KubeObject[]; revision: number }> {
    const first = await this.#storage.list(prefix, { limit: this.#pageSize });
    const items = first.items;
    let r = first;
    while (r.continueKey !== undefined) {
      this.#throwIfAborted(signal);
      r = await this.#storage.list(prefix, { limit: this.#pageSize, startKey: r.continueKey, revision: first.revision });
      for (const o of r.items) items.push(o);
    }
    return { items, revision: first.revision };
  }

  /** The reflector loop: list, watch, re-watch on failure, relist on Expired. */
  async #run(): Promise<void> {
    const signal = this.#stop.signal;
    let backoff = this.#initialBackoffMs;
    let needList = true;
    while (!this.#stopped) {
      try {
        if (needList) {
          const { items, revision } = await this.#listAll(this.resourcePrefix, signal);
          if (this.#stopped) break;
          await this.#applyList(items, revision);
          needList = false;
          backoff = this.#initialBackoffMs;
        }
        for await (const ev of this.#storage.watch(this.resourcePrefix, { revision: this.#wc.revision, signal })) {
          if (this.#stopped) break;
          const blocked = this.#handleStorageEvent(ev);
          if (blocked) await this.#waitForRoom(blocked);
          backoff = this.#initialBackoffMs;
        }
      } catch (err) {
        if (this.#stopped) break;
        if (isStorageError(err, 'Expired')) needList = true;
        log.warn('Watch cache lost its storage watch; restarting', {
          resource: this.resourcePrefix,
          relist: needList,
          error: err instanceof Error ? err.message : String(err),
        });
      }
      if (this.#stopped) break;
      this.stats.watchRestarts++;
      try {
        await this.#clock.sleep(backoff, signal);
      } catch {
        break;
      }
      backoff = Math.min(backoff * 2, this.#maxBackoffMs);
    }
  }

  /** Applies one storage event; returns the watchers it left blocked (null if none). */
  #handleStorageEvent(ev: StorageEvent): CacheWatcher[] | null {
    if ((ev.type as string) === 'BOOKMARK') {
      this.#wc.updateRevision(ev.revision);
      return null;
    }
    const stored = this.#wc.processEvent(ev);
    return stored ? this.#dispatch(stored) : null;
  }

  async #applyList(objects: KubeObject[], revision: number): Promise<void> {
    const items = objects.map((object) => ({ key: this.#keyFunc(object), object }));
    if (!this.#initialized) {
      this.#wc.replace(items, revision);
      this.#initialized = true;
      this.#resolveReady();
      return;
    }
    this.stats.relists++;
    const old = this.#wc.revision;
    if (revision < old) {
      for (const w of [...this.#all]) w.close('reset');
      this.#wc.replace(items, revision);
      return;
    }
    // A watcher that started ahead of the cache (skipUntil > 0) may know objects whose delete the difference
    // reports at revision `old`, which it would skip: end it instead.
    for (const w of [...this.#all]) if (w.skipUntil > 0 && w.skipUntil >= old) w.close('relist');
    // Only watchers registered before the relist get the difference (later ones start at the list revision).
    const barrier = this.#nextWatcherId;
    for (const ev of this.#wc.relist(items, revision)) {
      const blocked = this.#dispatch(ev, barrier);
      if (blocked) await this.#waitForRoom(blocked);
      if (this.#stopped) return;
    }
    // Tell bookmark watchers the new revision at once, so they can resume from after the relist.
    if (this.#bookmarkWatchers.size) {
      const bm = this.#bookmarkEvent(this.#wc.revision);
      for (const w of this.#bookmarkWatchers) w.offerBookmark(bm);
    }
  }
}

/** A page served from the cache: the values' JSON for encoders, the parsed items only if someone reads them. */
function cachedList(values: CachedObject[], revision: number): CachedListResult {
  let items: KubeObject[] | undefined;
  return {
    values,
    revision,
    source: 'cache',
    get items(): KubeObject[] {
      return (items ??= values.map((v) => v.object));
    },
    set items(v: KubeObject[]) {
      items = v;
    },
  };
}
