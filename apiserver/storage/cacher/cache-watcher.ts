/**
 * CacheWatcher: one client's view of a Cacher's event stream (k8s cacher/cache_watcher.go).
 *
 * A single-consumer AsyncIterable<WatchCacheEvent>. Events come in this order:
 *   1. initial events: synthetic ADDED for each matching entry of a snapshot (key order),
 *   2. the initial-events-end BOOKMARK (sendInitialEvents=true with bookmarks only),
 *   3. backlog: window events after the start revision, taken when the watcher was registered,
 *   4. live events offered by the Cacher as they happen, and periodic BOOKMARKs.
 * 1-3 are fixed at registration (they reference objects already in memory and do not count against the
 * buffer); 4 goes through a bounded buffer of `bufferSize` events. Offering never blocks: it reports whether
 * the buffer is now full, and the Cacher then gives full watchers a bounded time budget to make room (see
 * cacher.ts) before cutting them off with close('slow'): the watcher drops what it holds and its iterator ends
 * with `closedReason === 'slow'` (the HTTP handler ends the stream; the client re-watches from the last revision
 * it saw and gets the rest from the window, or 410 if that has moved on). Bookmarks offered to a full watcher are
 * dropped (they are best-effort).
 *
 * Selector semantics (predicate): an event is delivered when the object matches before or after it;
 * MODIFIED that starts matching -> ADDED, MODIFIED that stops matching -> DELETED, DELETED of an object that
 * matched -> DELETED. The decision uses the cache's previous state of the object. The DELETED sent when an
 * object stops matching carries the new state (`selectorDeleteObject: 'new'`, the default) or, as upstream
 * cache_watcher.go convertToWatchEvent does, the previous state with the event's resourceVersion ('previous').
 *
 * Objects in events are shared with the cache and every other watcher: never mutate them.
 */
import type { AttrsPredicate } from './cached-object.ts';
import { type CacheEntry, type StoredWatchEvent, WatchCacheEvent, keyMatches } from './watch-cache.ts';

/**
 * Why a watcher ended:
 * - 'slow': its buffer overflowed (consumer too slow); resume from the last delivered revision.
 * - 'aborted': the caller's signal aborted.
 * - 'returned': the consumer called return() / broke out of for-await.
 * - 'stopped': the Cacher stopped.
 * - 'relist': the Cacher relisted and could not carry this watcher across (its start revision was ahead of the
 *   cache); resuming gets 410 and the client relists.
 * - 'reset': the storage went backwards (restored/recreated); clients must relist.
 */
export type CacheWatcherCloseReason = 'slow' | 'aborted' | 'returned' | 'stopped' | 'relist' | 'reset';

export interface CacheWatcherInit {
  prefix: string;
  /** Label/field selector on the objects' attributes. */
  predicate?: AttrsPredicate | undefined;
  /** Object of the DELETED sent when an object stops matching the predicate. @default 'new' */
  selectorDeleteObject?: 'new' | 'previous' | undefined;
  bookmarks: boolean;
  bufferSize: number;
  signal: AbortSignal;
  /** Entries for synthetic ADDED events. */
  initial: CacheEntry[];
  initialEndBookmark?: WatchCacheEvent | undefined;
  /** Window events after startRevision at registration time (may contain other keys: filtered here). */
  backlog: StoredWatchEvent[];
  /** The revision the stream starts after. */
  startRevision: number;
  /** Live events at or below this revision are ignored (the start was ahead of the cache). */
  skipUntil: number;
  /** clock time of the first periodic bookmark. */
  nextBookmarkAt: number;
  /** Registration order, assigned by the Cacher. */
  id: number;
  onClose: (w: CacheWatcher) => void;
}

export class CacheWatcher implements AsyncIterableIterator<WatchCacheEvent> {
  /** Set once the watcher has ended; see CacheWatcherCloseReason. */
  closedReason: CacheWatcherCloseReason | undefined;
  readonly prefix: string;
  readonly bookmarks: boolean;
  /** The revision the stream starts after (the snapshot revision when initial events were sent). */
  readonly startRevision: number;
  /** Cacher bookkeeping: clock time of the next periodic bookmark. */
  nextBookmarkAt: number;
  /** Cacher bookkeeping: optional clock deadline (a bookmark is sent shortly before it). */
  deadline: number | undefined;
  readonly skipUntil: number;
  /** Registration order, assigned by the Cacher. */
  readonly id: number;

  readonly #predicate: AttrsPredicate | undefined;
  readonly #deletePrevious: boolean;
  readonly #bufferSize: number;
  readonly #signal: AbortSignal;
  readonly #onClose: (w: CacheWatcher) => void;
  readonly #onAbort = () => this.close('aborted');
  #initial: CacheEntry[];
  #initialIdx = 0;
  #endBookmark: WatchCacheEvent | undefined;
  #backlog: StoredWatchEvent[];
  #backlogIdx = 0;
  #queue: (WatchCacheEvent | undefined)[] = [];
  #head = 0;
  #lastRevision: number;
  #waiting: ((r: IteratorResult<WatchCacheEvent>) => void) | null = null;
  #onRoom: (() => void) | null = null;

  constructor(init: CacheWatcherInit) {
    this.prefix = init.prefix;
    this.#predicate = init.predicate;
    this.#deletePrevious = init.selectorDeleteObject === 'previous';
    this.bookmarks = init.bookmarks;
    this.#bufferSize = Math.max(1, init.bufferSize);
    this.#signal = init.signal;
    this.#initial = init.initial;
    this.#endBookmark = init.initialEndBookmark;
    this.#backlog = init.backlog;
    this.startRevision = init.startRevision;
    this.skipUntil = init.skipUntil;
    this.id = init.id;
    this.#lastRevision = Math.max(init.startRevision, init.skipUntil);
    this.nextBookmarkAt = init.nextBookmarkAt;
    this.deadline = undefined;
    this.#onClose = init.onClose;
    if (this.#signal.aborted) this.closedReason = 'aborted';
    else this.#signal.addEventListener('abort', this.#onAbort, { once: true });
  }

  /** Live events waiting in the bounded buffer. */
  get buffered(): number {
    return this.#queue.length - this.#head;
  }

  /** Whether another live event fits in the buffer. */
  get hasRoom(): boolean {
    return this.#queue.length - this.#head < this.#bufferSize;
  }

  /** For the Cacher: calls cb once when the buffer has room again or the watcher closes (replaces any earlier cb). */
  waitForRoom(cb: (() => void) | null): void {
    this.#onRoom = cb;
    if (cb && (this.hasRoom || this.closedReason)) {
      this.#onRoom = null;
      cb();
    }
  }

  /** Highest revision handed to this watcher so far (start revision initially). */
  get lastRevision(): number {
    return this.#lastRevision;
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<WatchCacheEvent> {
    return this;
  }

  next(): Promise<IteratorResult<WatchCacheEvent>> {
    const ev = this.#take();
    if (ev) return Promise.resolve({ value: ev, done: false });
    if (this.closedReason) return Promise.resolve({ value: undefined, done: true });
    if (this.#waiting) return Promise.reject(new Error('CacheWatcher supports a single consumer: next() called while a previous next() is pending'));
    return new Promise((resolve) => {
      this.#waiting = resolve;
    });
  }

  return(): Promise<IteratorResult<WatchCacheEvent>> {
    this.close('returned');
    return Promise.resolve({ value: undefined, done: true });
  }

  /** Ends the watcher as the consumer's choice (closedReason 'returned'); same as return(). */
  stop(): void {
    this.close('returned');
  }

  /** Ends the watcher (idempotent). Pending next() resolves done; buffered events are dropped. */
  close(reason: CacheWatcherCloseReason): void {
    if (this.closedReason) return;
    this.closedReason = reason;
    this.#signal.removeEventListener('abort', this.#onAbort);
    this.#initial = [];
    this.#endBookmark = undefined;
    this.#backlog = [];
    this.#queue = [];
    this.#head = 0;
    const w = this.#waiting;
    this.#waiting = null;
    w?.({ value: undefined, done: true });
    const room = this.#onRoom;
    this.#onRoom = null;
    room?.();
    this.#onClose(this);
  }

  /**
   * For the Cacher: offers a live change (routed by key prefix unless checkKey). Never blocks. Returns true when
   * the buffer is full afterwards: the Cacher must not offer more before the watcher has room (or is cut off).
   */
  offer(ev: StoredWatchEvent, checkKey = false): boolean {
    if (this.closedReason || ev.revision <= this.skipUntil) return false;
    const out = this.#convert(ev, checkKey);
    return out ? this.#enqueue(out) : false;
  }

  /** For the Cacher: offers a BOOKMARK (dropped when the buffer is full or it would move the revision back). */
  offerBookmark(ev: WatchCacheEvent): void {
    if (this.closedReason || !this.bookmarks || ev.revision < this.#lastRevision || !this.hasRoom) return;
    this.#enqueue(ev);
  }

  #enqueue(ev: WatchCacheEvent): boolean {
    if (ev.revision > this.#lastRevision) this.#lastRevision = ev.revision;
    const w = this.#waiting;
    if (w) {
      // A pending next() means everything before has been consumed.
      this.#waiting = null;
      w({ value: ev, done: false });
      return false;
    }
    this.#queue.push(ev);
    return !this.hasRoom;
  }

  #take(): WatchCacheEvent | undefined {
    const pred = this.#predicate;
    while (this.#initialIdx < this.#initial.length) {
      const e = this.#initial[this.#initialIdx++]!;
      if (pred && !pred(e.value.attrs)) continue;
      return (e.added ??= new WatchCacheEvent('ADDED', e.key, e.value, e.revision));
    }
    if (this.#initial.length) this.#initial = [];
    if (this.#endBookmark) {
      const b = this.#endBookmark;
      this.#endBookmark = undefined;
      return b;
    }
    while (this.#backlogIdx < this.#backlog.length) {
      const out = this.#convert(this.#backlog[this.#backlogIdx++]!, true);
      if (out) return out;
    }
    if (this.#backlog.length) this.#backlog = [];
    if (this.#head < this.#queue.length) {
      const ev = this.#queue[this.#head]!;
      this.#queue[this.#head++] = undefined;
      if (this.#head === this.#queue.length) {
        this.#queue = [];
        this.#head = 0;
      } else if (this.#head >= 1024 && this.#head * 2 >= this.#queue.length) {
        this.#queue = this.#queue.slice(this.#head);
        this.#head = 0;
      }
      const room = this.#onRoom;
      if (room) {
        this.#onRoom = null;
        room();
      }
      return ev;
    }
    return undefined;
  }

  /** Applies prefix (when not already routed) and predicate transitions to one window event. */
  #convert(ev: StoredWatchEvent, checkKey: boolean): WatchCacheEvent | null {
    if (checkKey && !keyMatches(ev.key, this.prefix)) return null;
    const pred = this.#predicate;
    if (!pred) return ev;
    const cur = ev.type !== 'DELETED' && pred(ev.value.attrs);
    const old = ev.prev !== undefined && pred(ev.prev.attrs);
    if (cur) {
      if (old || ev.type === 'ADDED') return ev;
      return (ev.asAdded ??= new WatchCacheEvent('ADDED', ev.key, ev.value, ev.revision));
    }
    if (old) {
      if (ev.type === 'DELETED') return ev;
      if (this.#deletePrevious) {
        return (ev.asDeletedPrevious ??= new WatchCacheEvent('DELETED', ev.key, ev.prev!.withResourceVersion(ev.revision), ev.revision));
      }
      return (ev.asDeleted ??= new WatchCacheEvent('DELETED', ev.key, ev.value, ev.revision));
    }
    return null;
  }
}
