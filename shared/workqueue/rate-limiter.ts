/**
 * Rate limiters for requeues (client-go util/workqueue/default_rate_limiters.go). `when(item)` records a
 * failure of item and returns how long to wait before retrying it; `forget(item)` clears its history.
 */
import { realClock, type Clock } from '../util/clock.ts';

export interface RateLimiter<T> {
  /** Milliseconds to wait before item may be retried; also counts one more failure of item. */
  when(item: T): number;
  /** Stops tracking item (call when it was processed successfully or dropped). */
  forget(item: T): void;
  /** Failures recorded for item since it was last forgotten. */
  numRequeues(item: T): number;
}

/** baseMs * 2^failures, capped at maxMs, per item. Defaults 5 ms .. 1000 s as in client-go. */
export class ItemExponentialFailureRateLimiter<T> implements RateLimiter<T> {
  readonly #failures = new Map<T, number>();
  readonly #baseMs: number;
  readonly #maxMs: number;

  constructor(baseMs = 5, maxMs = 1_000_000) {
    this.#baseMs = baseMs;
    this.#maxMs = maxMs;
  }

  when(item: T): number {
    const exp = this.#failures.get(item) ?? 0;
    this.#failures.set(item, exp + 1);
    const backoff = this.#baseMs * Math.pow(2, exp);
    return !Number.isFinite(backoff) || backoff > this.#maxMs ? this.#maxMs : backoff;
  }

  forget(item: T): void {
    this.#failures.delete(item);
  }

  numRequeues(item: T): number {
    return this.#failures.get(item) ?? 0;
  }
}

/** fastMs for the first maxFastAttempts failures of an item, slowMs after that. */
export class ItemFastSlowRateLimiter<T> implements RateLimiter<T> {
  readonly #failures = new Map<T, number>();
  readonly #fastMs: number;
  readonly #slowMs: number;
  readonly #maxFastAttempts: number;

  constructor(fastMs: number, slowMs: number, maxFastAttempts: number) {
    this.#fastMs = fastMs;
    this.#slowMs = slowMs;
    this.#maxFastAttempts = maxFastAttempts;
  }

  when(item: T): number {
    const n = (this.#failures.get(item) ?? 0) + 1;
    this.#failures.set(item, n);
    return n <= this.#maxFastAttempts ? this.#fastMs : this.#slowMs;
  }

  forget(item: T): void {
    this.#failures.delete(item);
  }

  numRequeues(item: T): number {
    return this.#failures.get(item) ?? 0;
  }
}

/**
 * An overall token bucket shared by all items (golang.org/x/time/rate semantics, as BucketRateLimiter uses
 * it): the bucket holds up to `burst` tokens and refills at `qps` per second; every `when` takes one token,
 * going into debt if needed, and returns the time until that token exists. Not per item: numRequeues is 0.
 */
export class BucketRateLimiter<T> implements RateLimiter<T> {
  readonly #qps: number;
  readonly #burst: number;
  readonly #clock: Clock;
  #tokens: number;
  #last: number;

  constructor(qps = 10, burst = 100, clock: Clock = realClock) {
    if (!(qps > 0)) throw new RangeError(`Cannot create BucketRateLimiter as qps is not positive: ${qps}`);
    this.#qps = qps;
    this.#burst = burst;
    this.#clock = clock;
    this.#tokens = burst;
    this.#last = clock.now();
  }

  when(_item: T): number {
    const now = this.#clock.now();
    const elapsed = Math.max(0, now - this.#last);
    this.#last = now;
    this.#tokens = Math.min(this.#burst, this.#tokens + (elapsed * this.#qps) / 1000);
    this.#tokens -= 1;
    return this.#tokens >= 0 ? 0 : (-this.#tokens * 1000) / this.#qps;
  }

  forget(_item: T): void {}

  numRequeues(_item: T): number {
    return 0;
  }
}

/** The worst (longest) answer of several limiters; forget and numRequeues go to / come from all of them. */
export class MaxOfRateLimiter<T> implements RateLimiter<T> {
  readonly #limiters: RateLimiter<T>[];

  constructor(...limiters: RateLimiter<T>[]) {
    if (limiters.length === 0) throw new RangeError('Cannot create MaxOfRateLimiter as no limiter was given');
    this.#limiters = limiters;
  }

  when(item: T): number {
    let max = 0;
    for (const l of this.#limiters) max = Math.max(max, l.when(item));
    return max;
  }

  forget(item: T): void {
    for (const l of this.#limiters) l.forget(item);
  }

  numRequeues(item: T): number {
    let max = 0;
    for (const l of this.#limiters) max = Math.max(max, l.numRequeues(item));
    return max;
  }
}

/**
 * client-go's DefaultControllerRateLimiter: per-item exponential 5 ms .. 1000 s, and an overall 10 qps /
 * 100 burst bucket so that a flood of failing items cannot hot-loop.
 */
export function defaultControllerRateLimiter<T>(clock: Clock = realClock): RateLimiter<T> {
  return new MaxOfRateLimiter<T>(new ItemExponentialFailureRateLimiter<T>(5, 1_000_000), new BucketRateLimiter<T>(10, 100, clock));
}
