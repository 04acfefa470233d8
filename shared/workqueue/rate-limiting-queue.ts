/**
 * A DelayingQueue whose requeues are paced by a RateLimiter (client-go util/workqueue/rate_limiting_queue.go).
 *
 * The usual worker loop:
 *
 *   for (;;) {
 *     const { item, shutdown } = await queue.get();
 *     if (shutdown) return;
 *     try {
 *       await reconcile(item);
 *       queue.forget(item);          // success: reset its backoff
 *     } catch (err) {
 *       queue.addRateLimited(item);  // failure: retry after 5 ms, 10 ms, 20 ms, ...
 *     } finally {
 *       queue.done(item);
 *     }
 *   }
 */
import type { Clock } from '../util/clock.ts';
import { DelayingQueue, type DelayingQueueInterface } from './delaying-queue.ts';
import { defaultControllerRateLimiter, type RateLimiter } from './rate-limiter.ts';

export interface RateLimitingQueueInterface<T> extends DelayingQueueInterface<T> {
  /** Adds item after the delay the rate limiter decides (and counts one more failure for it). */
  addRateLimited(item: T): void;
  /** Clears item's failure history in the rate limiter; it does not remove item from the queue. */
  forget(item: T): void;
  numRequeues(item: T): number;
}

export interface RateLimitingQueueOptions<T> {
  /** @default defaultControllerRateLimiter(clock) */
  rateLimiter?: RateLimiter<T>;
  /** @default realClock */
  clock?: Clock;
}

export class RateLimitingQueue<T> extends DelayingQueue<T> implements RateLimitingQueueInterface<T> {
  readonly #limiter: RateLimiter<T>;

  constructor(options: RateLimitingQueueOptions<T> = {}) {
    super(options.clock ? { clock: options.clock } : {});
    this.#limiter = options.rateLimiter ?? defaultControllerRateLimiter<T>(this.clock);
  }

  addRateLimited(item: T): void {
    this.addAfter(item, this.#limiter.when(item));
  }

  forget(item: T): void {
    this.#limiter.forget(item);
  }

  numRequeues(item: T): number {
    return this.#limiter.numRequeues(item);
  }
}
