/**
 * The informers' and log view's bounded backoff between failed lists/watches/streams: a delay in [d/2, d] with d
 * doubling from initialMs to maxMs (jitter so many tabs do not reconnect in step), never above maxMs; reset once a
 * list succeeds or a watch delivers. It is the project's Backoff (shared/util/backoff.ts) stepping from initialMs/2
 * to maxMs/2 with full jitter (`h + random() * h`, h = d/2).
 */
import { Backoff } from '../../../shared/util/backoff.ts';

export interface RetryBackoffOptions {
  initialMs?: number;
  maxMs?: number;
  random?: () => number;
}

export class RetryBackoff {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly #backoff: Backoff;

  constructor(opts: RetryBackoffOptions = {}) {
    this.initialMs = opts.initialMs ?? 500;
    this.maxMs = opts.maxMs ?? 10_000;
    this.#backoff = new Backoff({ initialMs: this.initialMs / 2, maxMs: this.maxMs / 2, factor: 2, jitter: 1, ...(opts.random ? { random: opts.random } : {}) });
  }

  get failures(): number {
    return this.#backoff.attempts;
  }

  /** The delay before the next attempt (and counts a failure). Never above maxMs. */
  next(): number {
    return Math.round(this.#backoff.next());
  }

  reset(): void {
    this.#backoff.reset();
  }
}
