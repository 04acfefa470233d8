/**
 * A Queue that can also add an item after a delay (client-go util/workqueue/delaying_queue.go).
 *
 * Waiting items live in a min-heap ordered by ready time (ties in the order they were scheduled); one clock
 * timer is armed for the earliest. Scheduling an item that is already waiting keeps the earlier of the two
 * ready times, as client-go does ("update the time only if it would cause the item to be queued sooner").
 */
import { realClock, type Clock, type Timer } from '../util/clock.ts';
import { Queue, type QueueInterface } from './queue.ts';

export interface DelayingQueueInterface<T> extends QueueInterface<T> {
  /** Adds item once `delayMs` has passed on the queue's clock; <= 0 adds it now. Ignored after shutdown. */
  addAfter(item: T, delayMs: number): void;
}

export interface DelayingQueueOptions {
  /** @default realClock */
  clock?: Clock;
}

interface WaitEntry<T> {
  item: T;
  readyAt: number;
  seq: number;
  /** Superseded by an earlier schedule of the same item. */
  stale: boolean;
}

/** Binary min-heap on (readyAt, seq). */
class WaitHeap<T> {
  readonly #a: WaitEntry<T>[] = [];
  get size(): number {
    return this.#a.length;
  }
  peek(): WaitEntry<T> | undefined {
    return this.#a[0];
  }
  push(e: WaitEntry<T>): void {
    const a = this.#a;
    a.push(e);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(a[i] as WaitEntry<T>, a[p] as WaitEntry<T>)) break;
      [a[i], a[p]] = [a[p] as WaitEntry<T>, a[i] as WaitEntry<T>];
      i = p;
    }
  }
  pop(): WaitEntry<T> | undefined {
    const a = this.#a;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && less(a[l] as WaitEntry<T>, a[m] as WaitEntry<T>)) m = l;
        if (r < a.length && less(a[r] as WaitEntry<T>, a[m] as WaitEntry<T>)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m] as WaitEntry<T>, a[i] as WaitEntry<T>];
        i = m;
      }
    }
    return top;
  }
  clear(): void {
    this.#a.length = 0;
  }
}

function less<T>(x: WaitEntry<T>, y: WaitEntry<T>): boolean {
  return x.readyAt < y.readyAt || (x.readyAt === y.readyAt && x.seq < y.seq);
}

export class DelayingQueue<T> extends Queue<T> implements DelayingQueueInterface<T> {
  readonly #clock: Clock;
  readonly #heap = new WaitHeap<T>();
  readonly #waiting = new Map<T, WaitEntry<T>>();
  #seq = 0;
  #timer: Timer | undefined;
  #timerAt = Infinity;

  constructor(options: DelayingQueueOptions = {}) {
    super();
    this.#clock = options.clock ?? realClock;
  }

  get clock(): Clock {
    return this.#clock;
  }

  addAfter(item: T, delayMs: number): void {
    if (this.shuttingDown()) return;
    if (!(delayMs > 0)) {
      this.add(item);
      return;
    }
    const readyAt = this.#clock.now() + delayMs;
    const existing = this.#waiting.get(item);
    if (existing) {
      if (existing.readyAt <= readyAt) return;
      existing.stale = true;
    }
    const entry: WaitEntry<T> = { item, readyAt, seq: this.#seq++, stale: false };
    this.#waiting.set(item, entry);
    this.#heap.push(entry);
    this.#arm();
  }

  /** Number of items waiting for their delay to pass. */
  waitingCount(): number {
    return this.#waiting.size;
  }

  override shutDown(): void {
    super.shutDown();
    this.#stopWaiting();
  }

  override shutDownWithDrain(): Promise<void> {
    const p = super.shutDownWithDrain();
    this.#stopWaiting();
    return p;
  }

  #stopWaiting(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
    this.#timerAt = Infinity;
    this.#heap.clear();
    this.#waiting.clear();
  }

  /** Makes sure a timer is set for the earliest waiting entry. */
  #arm(): void {
    this.#dropStale();
    const head = this.#heap.peek();
    if (!head) {
      this.#timer?.cancel();
      this.#timer = undefined;
      this.#timerAt = Infinity;
      return;
    }
    if (this.#timer && this.#timerAt <= head.readyAt) return;
    this.#timer?.cancel();
    this.#timerAt = head.readyAt;
    this.#timer = this.#clock.setTimeout(() => this.#fire(), Math.max(0, head.readyAt - this.#clock.now()));
  }

  #fire(): void {
    this.#timer = undefined;
    this.#timerAt = Infinity;
    const now = this.#clock.now();
    for (;;) {
      this.#dropStale();
      const head = this.#heap.peek();
      if (!head || head.readyAt > now) break;
      this.#heap.pop();
      this.#waiting.delete(head.item);
      this.add(head.item);
    }
    this.#arm();
  }

  #dropStale(): void {
    while (this.#heap.peek()?.stale) this.#heap.pop();
  }
}
