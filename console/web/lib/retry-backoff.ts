/**
 * The informers' bounded backoff between failed lists/watches: initialMs doubling to maxMs, with jitter in
 * [delay/2, delay] so many tabs do not reconnect in step; reset once a list succeeds or a watch delivers.
 */
export interface RetryBackoffOptions {
  initialMs?: number;
  maxMs?: number;
  random?: () => number;
}

export class RetryBackoff {
  readonly initialMs: number;
  readonly maxMs: number;
  #failures = 0;
  readonly #random: () => number;

  constructor(opts: RetryBackoffOptions = {}) {
    this.initialMs = opts.initialMs ?? 500;
    this.maxMs = opts.maxMs ?? 10_000;
    this.#random = opts.random ?? Math.random;
  }

  get failures(): number {
    return this.#failures;
  }

  /** The delay before the next attempt (and counts a failure). Never above maxMs. */
  next(): number {
    const base = Math.min(this.maxMs, this.initialMs * 2 ** Math.min(this.#failures, 30));
    this.#failures++;
    return Math.round(base / 2 + (this.#random() * base) / 2);
  }

  reset(): void {
    this.#failures = 0;
  }
}
