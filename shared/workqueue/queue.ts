/**
 * A work queue with the exact semantics of client-go util/workqueue/queue.go:
 *
 * - Fair: items are handed out in the order they were added.
 * - Stingy: an item added several times before it is processed is processed once (the dirty set).
 * - One worker per item: while an item is being processed (between `get()` and `done()`), adding it again only
 *   marks it dirty; it is queued again by `done()`, so it is never processed by two workers at once and the
 *   change that arrived during processing is not lost.
 * - Shutting down: `add` is ignored from then on; `get()` keeps handing out what is already queued and resolves
 *   `{ shutdown: true }` once the queue is empty. `shutDownWithDrain()` also waits until every item handed out
 *   was marked `done()`.
 *
 * Items are compared with SameValueZero (Set/Map semantics): use strings (e.g. `namespace/name` keys) or other
 * primitives, not objects.
 */

export type GetResult<T> = { item: T; shutdown: false } | { item: undefined; shutdown: true };

/** The interface controllers program against (Typed[T]/TypedInterface in client-go). */
export interface QueueInterface<T> {
  add(item: T): void;
  len(): number;
  /** Resolves with the next item (now marked processing), or `{ shutdown: true }` once shut down and empty. */
  get(): Promise<GetResult<T>>;
  /** Marks an item handed out by get() as finished; requeues it if it was added meanwhile. */
  done(item: T): void;
  shutDown(): void;
  shutDownWithDrain(): Promise<void>;
  shuttingDown(): boolean;
}

/** FIFO with O(1) push and shift (a growable ring would also do; an index into an array is enough). */
class Fifo<T> {
  #items: T[] = [];
  #head = 0;
  get length(): number {
    return this.#items.length - this.#head;
  }
  push(item: T): void {
    this.#items.push(item);
  }
  shift(): T | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const item = this.#items[this.#head] as T;
    this.#items[this.#head] = undefined as T;
    this.#head++;
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }
  toArray(): T[] {
    return this.#items.slice(this.#head);
  }
}

export class Queue<T> implements QueueInterface<T> {
  /** Items waiting to be handed out, in order. Every item here is also in #dirty. */
  readonly #queue = new Fifo<T>();
  /** Items that need processing (queued, or re-added while processing). */
  readonly #dirty = new Set<T>();
  /** Items handed out by get() and not yet done(). */
  readonly #processing = new Set<T>();
  /** Pending get() calls, oldest first. */
  readonly #waiters = new Fifo<(r: GetResult<T>) => void>();
  #shuttingDown = false;
  #drain = false;
  #drainWaiters: (() => void)[] = [];

  add(item: T): void {
    if (this.#shuttingDown) return;
    if (this.#dirty.has(item)) return;
    this.#dirty.add(item);
    if (this.#processing.has(item)) return;
    this.#queue.push(item);
    this.#dispatch();
  }

  len(): number {
    return this.#queue.length;
  }

  get(): Promise<GetResult<T>> {
    if (this.#queue.length > 0) return Promise.resolve(this.#take());
    if (this.#shuttingDown) return Promise.resolve({ item: undefined, shutdown: true });
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  done(item: T): void {
    this.#processing.delete(item);
    if (this.#dirty.has(item)) {
      this.#queue.push(item);
      this.#dispatch();
    }
    this.#maybeFinishDrain();
  }

  shutDown(): void {
    this.#drain = false;
    this.#shuttingDown = true;
    this.#wakeAllForShutdown();
    const drained = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const w of drained) w();
  }

  shutDownWithDrain(): Promise<void> {
    this.#drain = true;
    this.#shuttingDown = true;
    this.#wakeAllForShutdown();
    if (this.#processing.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  shuttingDown(): boolean {
    return this.#shuttingDown;
  }

  /** Number of items handed out and not yet done (for tests and metrics). */
  processingCount(): number {
    return this.#processing.size;
  }

  /** Hands the head item to a caller: it leaves the queue and the dirty set, and becomes processing. */
  #take(): GetResult<T> {
    const item = this.#queue.shift() as T;
    this.#processing.add(item);
    this.#dirty.delete(item);
    return { item, shutdown: false };
  }

  /** Gives queued items to waiting get() calls, synchronously, so the processing set is always current. */
  #dispatch(): void {
    while (this.#queue.length > 0 && this.#waiters.length > 0) {
      const resolve = this.#waiters.shift();
      resolve?.(this.#take());
    }
  }

  #wakeAllForShutdown(): void {
    this.#dispatch();
    if (this.#queue.length > 0) return;
    while (this.#waiters.length > 0) this.#waiters.shift()?.({ item: undefined, shutdown: true });
  }

  #maybeFinishDrain(): void {
    // A drain ends when nothing is being processed.
    if (!this.#drain || this.#processing.size !== 0) return;
    const drained = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const w of drained) w();
  }
}
