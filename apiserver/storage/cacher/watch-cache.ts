/**
 * WatchCache: the in-memory state of one resource plus a sliding window of its recent change events.
 * Modelled on k8s.io/apiserver/pkg/storage/cacher/watch_cache.go.
 *
 * State: `key -> CacheEntry { value, revision }`, with a sorted key array for ordered, paged reads. Each value is
 * a CachedObject: the object's JSON text and selection attributes, the parsed object only while in use.
 * Window: a ring buffer of `StoredWatchEvent`s in revision order, kept for at least `freshMs` (75 s, the
 * upstream `eventFreshDuration`) and at least `minEvents` (1,000) events. When the ring is full and its oldest
 * event is younger than `freshMs` the capacity doubles (up to `maxEvents`, 100k, upstream
 * `defaultUpperBoundCapacity`); otherwise the oldest event is dropped. When even the newest quarter of a full
 * ring is older than `freshMs`, the capacity halves again (never below `minEvents`), as upstream
 * `resizeCacheLocked` does, so memory returns after a burst.
 *
 * Ownership: objects inside the cache (entries and events) are shared with every reader. Nobody may mutate
 * them; the cache never copies on the read path. (`freeze: true` deep-freezes them to catch offenders in tests.)
 * An object handed to the cache (processEvent, replace, relist) is taken over: the caller must not mutate it.
 *
 * The WatchCache is synchronous and single-threaded: `processEvent` applies one change and returns the event
 * to fan out; the Cacher does the fan-out. Waiting for a revision (`waitForRevision`) is the only async API.
 */
import type { KubeObject } from '../../../shared/api/meta.ts';
import { type Clock, type Timer, realClock } from '../../../shared/util/clock.ts';
import { StorageError } from '../errors.ts';
import { type AttrsFunc, CachedObject, defaultAttrs } from './cached-object.ts';
import type { StorageEvent } from '../interfaces.ts';

export type WatchCacheEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';

/**
 * One event as handed to watchers. Shared by every watcher that receives it: treat it and its object as
 * read-only.
 */
export class WatchCacheEvent {
  readonly type: WatchCacheEventType;
  /** Storage key of the object ('' for BOOKMARK). */
  readonly key: string;
  /** ADDED/MODIFIED: the new state. DELETED: the last state (resourceVersion = the delete's revision, or the
   *  new state when an object stopped matching a watcher's predicate). BOOKMARK: `{kind, apiVersion,
   *  metadata: {resourceVersion}}` only. */
  readonly value: CachedObject;
  /** The revision this event brings the watcher to (synthetic initial ADDED: the object's own revision). */
  readonly revision: number;
  /**
   * Memo for encoders, shared by all watchers that receive this very event object: e.g.
   * `encoded.get('json')` / `encoded.set('json', line)`. The key is the encoder's choice (content type, Table
   * vs object, ...). A selector transition (MODIFIED delivered as ADDED/DELETED) is a different event object
   * with its own memo, so the memo may include the event type.
   */
  get encoded(): Map<string, Buffer> {
    return (this.#encoded ??= new Map());
  }
  /** Created on first use: most events in a large window are never encoded again. */
  #encoded: Map<string, Buffer> | undefined;

  /** Drops the encode memo. */
  forgetEncoded(): void {
    this.#encoded = undefined;
  }
  /** Set on the BOOKMARK that ends the initial events of a `sendInitialEvents=true` watch. */
  readonly initialEventsEnd: boolean;

  constructor(type: WatchCacheEventType, key: string, value: CachedObject, revision: number, initialEventsEnd = false) {
    this.type = type;
    this.key = key;
    this.value = value;
    this.revision = revision;
    this.initialEventsEnd = initialEventsEnd;
  }

  /** The parsed object (shared, read-only). Encoders should prefer `value.text`. */
  get object(): KubeObject {
    return this.value.object;
  }
}

/** A change as kept in the window. */
export class StoredWatchEvent extends WatchCacheEvent {
  declare readonly type: 'ADDED' | 'MODIFIED' | 'DELETED';
  /** The cached state before this change (undefined for ADDED). Used for selector transitions. */
  readonly prev: CachedObject | undefined;
  /** clock.now() when the event entered the cache. */
  readonly recordTime: number;
  /** Lazily built variants for selector transitions, shared by all watchers needing them. */
  asAdded?: WatchCacheEvent;
  asDeleted?: WatchCacheEvent;
  asDeletedPrevious?: WatchCacheEvent;

  constructor(type: 'ADDED' | 'MODIFIED' | 'DELETED', key: string, value: CachedObject, prev: CachedObject | undefined, revision: number, recordTime: number) {
    super(type, key, value, revision);
    this.prev = prev;
    this.recordTime = recordTime;
  }

  /** The previous state's object (parsed on demand). */
  get prevObject(): KubeObject | undefined {
    return this.prev?.object;
  }
}

export class CacheEntry {
  readonly key: string;
  readonly value: CachedObject;
  /** The object's mod revision (= Number(object.metadata.resourceVersion)). */
  readonly revision: number;
  /** Lazily built synthetic ADDED event for initial events, shared by all watchers (and its encode memo). */
  added?: WatchCacheEvent;

  constructor(key: string, value: CachedObject, revision: number) {
    this.key = key;
    this.value = value;
    this.revision = revision;
  }

  get object(): KubeObject {
    return this.value.object;
  }
}

export interface WatchCacheOptions {
  clock?: Clock;
  /** Events always kept (lower bound of the ring capacity). @default 1000 */
  minEvents?: number;
  /** Hard bound on kept events (upper bound of the ring capacity). @default 100_000 */
  maxEvents?: number;
  /** Events younger than this are never dropped while below maxEvents. @default 75_000 */
  freshMs?: number;
  /**
   * Encode memos of events more than this many events behind the newest are cleared (they are only needed
   * again by watchers resuming from old revisions). Bounds the memory the memos add to the window.
   * @default 2048
   */
  memoRetention?: number;
  /** Deep-freeze every object entering the cache (debug aid; costs CPU). @default false */
  freeze?: boolean;
  /** The resource's selection attributes. @default labels, metadata.name, metadata.namespace */
  attrs?: AttrsFunc;
}

interface Waiter {
  revision: number;
  resolve: (ok: boolean) => void;
  timer: Timer | null;
  signal?: AbortSignal;
  onAbort?: () => void;
}

export const DEFAULT_FRESH_MS = 75_000;
export const DEFAULT_MIN_EVENTS = 1000;
export const DEFAULT_MAX_EVENTS = 100_000;

/** prefix ending in '/' matches every key below it; anything else matches exactly that key. */
export const keyMatches = (key: string, prefixOrKey: string): boolean =>
  prefixOrKey.endsWith('/') ? key.startsWith(prefixOrKey) : key === prefixOrKey;

/** First index i with keys[i] >= k. */
function lowerBound(keys: readonly string[], k: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid]! < k) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index i with keys[i] > k. */
function upperBound(keys: readonly string[], k: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid]! <= k) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The smallest string greater than every string starting with prefix (prefix is non-empty). */
function prefixEnd(prefix: string): string {
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}

const revisionOf = (obj: KubeObject): number => Number(obj.metadata.resourceVersion ?? 0);

export interface CacheListOptions {
  /** Only keys strictly greater than startKey. */
  startKey?: string;
  /** At most this many (matching) entries; 0/undefined = all. */
  limit?: number;
  predicate?: (value: CachedObject) => boolean;
}

export interface CacheListResult {
  entries: CacheEntry[];
  /** Set when more matching entries follow: the key of the last returned entry. */
  continueKey?: string;
  /** Entries under the prefix after this page (only without predicate, only with continueKey). */
  remainingItemCount?: number;
}

export class WatchCache {
  readonly #clock: Clock;
  readonly #minEvents: number;
  readonly #maxEvents: number;
  readonly #freshMs: number;
  readonly #memoRetention: number;
  readonly #freeze: boolean;
  readonly #attrs: AttrsFunc;

  readonly #store = new Map<string, CacheEntry>();
  #sortedKeys: string[] = [];
  #sortedDirty = false;

  #ring: (StoredWatchEvent | undefined)[];
  #capacity: number;
  /** Absolute indices: the ring holds events [#start, #end). */
  #start = 0;
  #end = 0;

  #revision = 0;
  /** Revision of the last replace()/relist(): resuming from it is always possible while nothing was dropped. */
  #listRevision = 0;
  /** Revision of the newest event dropped from the window since the last list. */
  #droppedRevision = 0;
  /** Storage compaction seen through the Cacher: resuming below it is Expired even if the window has it. */
  #compactedRevision = 0;
  #waiters: Waiter[] = [];

  constructor(opts: WatchCacheOptions = {}) {
    this.#clock = opts.clock ?? realClock;
    this.#minEvents = Math.max(1, opts.minEvents ?? DEFAULT_MIN_EVENTS);
    this.#maxEvents = Math.max(this.#minEvents, opts.maxEvents ?? DEFAULT_MAX_EVENTS);
    this.#freshMs = opts.freshMs ?? DEFAULT_FRESH_MS;
    this.#memoRetention = opts.memoRetention ?? 2048;
    this.#freeze = opts.freeze ?? false;
    this.#attrs = opts.attrs ?? defaultAttrs;
    this.#capacity = this.#minEvents;
    this.#ring = new Array<StoredWatchEvent | undefined>(this.#capacity);
  }

  /** The revision the cache is synced to: every change up to it is reflected in the state. */
  get revision(): number {
    return this.#revision;
  }
  /** Watching from revision R (changes strictly after R) is possible iff R >= this. */
  get oldestResumableRevision(): number {
    return Math.max(this.#listRevision, this.#droppedRevision, this.#compactedRevision);
  }
  /** Number of objects. */
  get size(): number {
    return this.#store.size;
  }
  /** Number of events in the window. */
  get eventCount(): number {
    return this.#end - this.#start;
  }
  /** Current ring capacity (grows and shrinks between minEvents and maxEvents). */
  get capacity(): number {
    return this.#capacity;
  }

  get(key: string): CacheEntry | undefined {
    return this.#store.get(key);
  }

  /**
   * Replaces the whole state with a fresh list at `revision` and empties the window (no events are produced).
   * Used for the first list and when the storage went backwards.
   */
  replace(items: Iterable<{ key: string; object: KubeObject }>, revision: number): void {
    this.#store.clear();
    for (const { key, object } of items) this.#store.set(key, new CacheEntry(key, this.#cached(object), revisionOf(object)));
    this.#sortedKeys = [...this.#store.keys()];
    this.#sortedDirty = true;
    this.#resetWindow(revision);
    this.#setRevision(revision, true);
  }

  /**
   * Replaces the state with a fresh list at `revision` (>= the current revision) and returns the difference as
   * events, for the Cacher to fan out to live watchers: DELETED first (revision and resourceVersion = the old
   * cache revision, since the delete revision is unknown), then ADDED/MODIFIED in object-revision order. These
   * events are NOT kept in the window: the window restarts empty at `revision`, so any resume from before the
   * relist gets Expired (a watcher that was cut off in the middle of the difference resumes from a revision
   * older than `revision`, hence relists; the difference itself is never replayed).
   */
  relist(items: Iterable<{ key: string; object: KubeObject }>, revision: number): StoredWatchEvent[] {
    const now = this.#clock.now();
    const oldRevision = this.#revision;
    const seen = new Set<string>();
    const changes: StoredWatchEvent[] = [];
    for (const { key, object } of items) {
      seen.add(key);
      const prev = this.#store.get(key);
      const rev = revisionOf(object);
      if (prev && prev.revision === rev) continue;
      const value = this.#cached(object);
      this.#put(key, new CacheEntry(key, value, rev));
      changes.push(new StoredWatchEvent(prev ? 'MODIFIED' : 'ADDED', key, value, prev?.value, rev, now));
    }
    changes.sort((a, b) => a.revision - b.revision);
    const deletes: StoredWatchEvent[] = [];
    for (const [key, entry] of this.#store) {
      if (seen.has(key)) continue;
      deletes.push(new StoredWatchEvent('DELETED', key, entry.value.withResourceVersion(oldRevision), entry.value, oldRevision, now));
    }
    for (const d of deletes) this.#remove(d.key);
    this.#resetWindow(revision);
    this.#setRevision(Math.max(revision, this.#revision), true);
    return [...deletes, ...changes];
  }

  /**
   * Applies one storage change. Returns the event to fan out, or null when it carries nothing new (a revision
   * at or below the cache's, or the delete of an unknown key). The type is normalised against the cached state
   * (ADDED for an unknown key, MODIFIED for a known one).
   */
  processEvent(ev: StorageEvent): StoredWatchEvent | null {
    if (ev.revision <= this.#revision) return null;
    const prev = this.#store.get(ev.key);
    let stored: StoredWatchEvent;
    if (ev.type === 'DELETED') {
      if (!prev) {
        this.#setRevision(ev.revision);
        return null;
      }
      this.#remove(ev.key);
      stored = new StoredWatchEvent('DELETED', ev.key, this.#cached(ev.object), prev.value, ev.revision, this.#clock.now());
    } else {
      const value = this.#cached(ev.object);
      this.#put(ev.key, new CacheEntry(ev.key, value, ev.revision));
      stored = new StoredWatchEvent(prev ? 'MODIFIED' : 'ADDED', ev.key, value, prev?.value, ev.revision, this.#clock.now());
    }
    this.#append(stored);
    this.#setRevision(ev.revision);
    return stored;
  }

  /**
   * The storage compacted at `revision`: from now on resuming from a revision below it is Expired (resuming from
   * `revision` itself stays possible, as in etcd). Window events are kept; they still serve newer resumes.
   */
  compact(revision: number): void {
    if (revision > this.#compactedRevision) this.#compactedRevision = revision;
  }

  /** Progress: the storage says every change up to `revision` has been delivered. */
  updateRevision(revision: number): void {
    if (revision > this.#revision) this.#setRevision(revision);
  }

  /**
   * Events with revision strictly greater than `revision`, oldest first (a copy of the window slice).
   * Throws StorageError('Expired') when `revision` is older than the window can answer for.
   */
  eventsAfter(revision: number, key = ''): StoredWatchEvent[] {
    const oldest = this.oldestResumableRevision;
    if (revision < oldest) {
      throw new StorageError('Expired', key, `too old resource version: ${revision} (${oldest})`, { revision, bound: oldest });
    }
    // Binary search the first event with revision > `revision`.
    let lo = this.#start;
    let hi = this.#end;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if (this.#at(mid).revision <= revision) lo = mid + 1;
      else hi = mid;
    }
    const out: StoredWatchEvent[] = new Array(this.#end - lo);
    for (let i = lo; i < this.#end; i++) out[i - lo] = this.#at(i);
    return out;
  }

  /** Entries under prefix (or exactly the key when prefix does not end in '/'), in key order. */
  snapshot(prefix: string): CacheEntry[] {
    return this.list(prefix).entries;
  }

  /** Ordered, paged read of the current state. */
  list(prefix: string, opts: CacheListOptions = {}): CacheListResult {
    const limit = opts.limit && opts.limit > 0 ? opts.limit : Infinity;
    const pred = opts.predicate;
    if (!prefix.endsWith('/')) {
      const e = this.#store.get(prefix);
      const ok = e && (opts.startKey === undefined || e.key > opts.startKey) && (!pred || pred(e.value));
      return { entries: ok ? [e] : [] };
    }
    const keys = this.#sorted();
    let i = opts.startKey !== undefined && opts.startKey >= prefix ? upperBound(keys, opts.startKey) : lowerBound(keys, prefix);
    const end = lowerBound(keys, prefixEnd(prefix));
    const entries: CacheEntry[] = [];
    for (; i < end && entries.length < limit; i++) {
      const e = this.#store.get(keys[i]!)!;
      if (!pred || pred(e.value)) entries.push(e);
    }
    const result: CacheListResult = { entries };
    if (i < end && entries.length > 0) {
      let more = true;
      if (pred) {
        more = false;
        for (let j = i; j < end; j++) {
          if (pred(this.#store.get(keys[j]!)!.value)) {
            more = true;
            break;
          }
        }
      }
      if (more) {
        result.continueKey = entries[entries.length - 1]!.key;
        if (!pred) result.remainingItemCount = end - i;
      }
    }
    return result;
  }

  /**
   * Resolves true once `revision` <= the cache's revision, false after timeoutMs (on the clock) or on abort.
   * Resolves at once when already there.
   */
  waitForRevision(revision: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    if (revision <= this.#revision) return Promise.resolve(true);
    if (signal?.aborted || timeoutMs <= 0) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const w: Waiter = { revision, resolve, timer: null };
      w.timer = this.#clock.setTimeout(() => this.#settle(w, false), timeoutMs);
      if (signal) {
        w.signal = signal;
        w.onAbort = () => this.#settle(w, false);
        signal.addEventListener('abort', w.onAbort, { once: true });
      }
      this.#waiters.push(w);
    });
  }

  /** Resolves every pending waitForRevision with false (used on stop). */
  cancelWaiters(): void {
    for (const w of [...this.#waiters]) this.#settle(w, false);
  }

  #settle(w: Waiter, ok: boolean): void {
    const i = this.#waiters.indexOf(w);
    if (i < 0) return;
    this.#waiters.splice(i, 1);
    w.timer?.cancel();
    if (w.signal && w.onAbort) w.signal.removeEventListener('abort', w.onAbort);
    w.resolve(ok);
  }

  #setRevision(revision: number, force = false): void {
    if (!force && revision <= this.#revision) return;
    this.#revision = revision;
    if (this.#waiters.length === 0) return;
    for (const w of this.#waiters.filter((x) => x.revision <= revision)) this.#settle(w, true);
  }

  #resetWindow(listRevision: number): void {
    this.#ring = new Array<StoredWatchEvent | undefined>(this.#minEvents);
    this.#capacity = this.#minEvents;
    this.#start = this.#end = 0;
    this.#listRevision = listRevision;
    this.#droppedRevision = 0;
  }

  #at(i: number): StoredWatchEvent {
    return this.#ring[i % this.#capacity]!;
  }

  #append(ev: StoredWatchEvent): void {
    if (this.#end - this.#start === this.#capacity) {
      const oldest = this.#at(this.#start);
      if (ev.recordTime - oldest.recordTime < this.#freshMs) {
        if (this.#capacity < this.#maxEvents) this.#resize(Math.min(this.#capacity * 2, this.#maxEvents));
      } else if (this.#capacity > this.#minEvents) {
        const quarter = this.#at(this.#end - Math.floor(this.#capacity / 4));
        if (ev.recordTime - quarter.recordTime > this.#freshMs) this.#resize(Math.max(Math.floor(this.#capacity / 2), this.#minEvents));
      }
    }
    if (this.#end - this.#start === this.#capacity) {
      const dropped = this.#at(this.#start);
      this.#ring[this.#start % this.#capacity] = undefined;
      this.#droppedRevision = dropped.revision;
      this.#start++;
    }
    this.#ring[this.#end % this.#capacity] = ev;
    this.#end++;
    const stale = this.#end - 1 - this.#memoRetention;
    if (stale >= this.#start) {
      const old = this.#at(stale);
      old.forgetEncoded();
      old.asAdded?.forgetEncoded();
      old.asDeleted?.forgetEncoded();
      old.asDeletedPrevious?.forgetEncoded();
    }
  }

  /**
   * Drops events older than `freshMs` beyond the newest `minEvents` and shrinks the ring to fit. The ring only
   * sheds events when new ones arrive, so without this an idle cache would hold its last burst (and the object
   * versions in it) for good. The Cacher calls it periodically. Returns how many events were dropped.
   */
  trimExpired(): number {
    const now = this.#clock.now();
    let dropped = 0;
    while (this.#end - this.#start > this.#minEvents) {
      const oldest = this.#at(this.#start);
      if (now - oldest.recordTime <= this.#freshMs) break;
      this.#ring[this.#start % this.#capacity] = undefined;
      this.#droppedRevision = oldest.revision;
      this.#start++;
      dropped++;
    }
    let capacity = this.#capacity;
    const held = this.#end - this.#start;
    while (Math.floor(capacity / 2) >= Math.max(this.#minEvents, held)) capacity = Math.floor(capacity / 2);
    if (capacity !== this.#capacity) this.#resize(capacity);
    return dropped;
  }

  #resize(capacity: number): void {
    if (capacity < this.#end - this.#start) {
      // Shrinking below the number of events held: drop the oldest ones.
      const newStart = this.#end - capacity;
      this.#droppedRevision = this.#at(newStart - 1).revision;
      this.#start = newStart;
    }
    const ring = new Array<StoredWatchEvent | undefined>(capacity);
    for (let i = this.#start; i < this.#end; i++) ring[i % capacity] = this.#at(i);
    this.#ring = ring;
    this.#capacity = capacity;
  }

  #cached(object: KubeObject): CachedObject {
    return CachedObject.of(object, this.#attrs, this.#freeze);
  }

  #sorted(): string[] {
    if (this.#sortedDirty) {
      this.#sortedKeys.sort();
      this.#sortedDirty = false;
    }
    return this.#sortedKeys;
  }

  #put(key: string, entry: CacheEntry): void {
    const had = this.#store.has(key);
    this.#store.set(key, entry);
    if (had) return;
    if (this.#sortedDirty) this.#sortedKeys.push(key);
    else this.#sortedKeys.splice(lowerBound(this.#sortedKeys, key), 0, key);
  }

  #remove(key: string): void {
    if (!this.#store.delete(key)) return;
    if (this.#sortedDirty) {
      const i = this.#sortedKeys.indexOf(key);
      if (i >= 0) this.#sortedKeys.splice(i, 1);
      return;
    }
    const i = lowerBound(this.#sortedKeys, key);
    if (this.#sortedKeys[i] === key) this.#sortedKeys.splice(i, 1);
  }
}
