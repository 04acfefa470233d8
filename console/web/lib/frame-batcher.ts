/**
 * Coalesces store writes so the page renders at most once per animation frame however fast watch events come:
 * informers enqueue their writes; the first write after a flush schedules one (requestAnimationFrame in the
 * browser, injectable for tests); the flush runs every queued write in order, then tells listeners once.
 */

/** Schedules a callback (requestAnimationFrame, or a timer when the page is hidden). */
export type FrameScheduler = (flush: () => void) => void;

export interface FlushStats {
  /** Writes applied by this flush. */
  writes: number;
  /** Flushes so far, this one included. */
  flushes: number;
}

export class FrameBatcher {
  #queue: Array<() => void> = [];
  #scheduled = false;
  #flushes = 0;
  #writes = 0;
  #listeners = new Set<(stats: FlushStats) => void>();
  readonly #schedule: FrameScheduler;

  constructor(schedule: FrameScheduler) {
    this.#schedule = schedule;
  }

  /** Queues a store write for the next flush. */
  enqueue(write: () => void): void {
    this.#queue.push(write);
    if (!this.#scheduled) {
      this.#scheduled = true;
      this.#schedule(() => this.flush());
    }
  }

  /** Writes waiting for the next flush. */
  get pending(): number {
    return this.#queue.length;
  }
  /** Writes applied since the start. */
  get writesApplied(): number {
    return this.#writes;
  }
  get flushes(): number {
    return this.#flushes;
  }

  /** Called after each flush that applied something. Returns the unsubscribe function. */
  subscribe(listener: (stats: FlushStats) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Applies every queued write now (the scheduled callback; also usable directly). */
  flush(): void {
    this.#scheduled = false;
    const queue = this.#queue;
    if (queue.length === 0) return;
    this.#queue = [];
    for (const write of queue) write();
    this.#writes += queue.length;
    this.#flushes++;
    const stats: FlushStats = { writes: queue.length, flushes: this.#flushes };
    for (const l of this.#listeners) l(stats);
  }
}
