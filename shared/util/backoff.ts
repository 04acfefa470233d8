/**
 * Exponential backoff with jitter, on an injected Clock.
 *
 * Semantics follow k8s.io/apimachinery/pkg/util/wait (Backoff.Step and ExponentialBackoffManager):
 * each step returns the current base delay with jitter applied (`d + random() * jitter * d`), then multiplies
 * the base by `factor`, capped at `maxMs`. With `resetAfterMs`, a step taken more than that long after the
 * previous one starts again from `initialMs` (the reflector uses 800 ms .. 30 s, reset after 2 min).
 */
import { realClock, type Clock } from './clock.ts';
import { isConflict } from '../errors/status-error.ts';

export interface BackoffOptions {
  /** First delay. */
  initialMs: number;
  /** Upper bound for the base delay (jitter may add up to `jitter * maxMs` on top). */
  maxMs: number;
  /** Multiplier per step. @default 2 */
  factor?: number;
  /** Extra random fraction: a delay d becomes d + random() * jitter * d. @default 0 */
  jitter?: number;
  /** If the previous step was longer ago than this, start again from initialMs. @default never */
  resetAfterMs?: number;
  /** @default realClock */
  clock?: Clock;
  /** Uniform [0, 1) source; injectable for deterministic tests. @default Math.random */
  random?: () => number;
}

/** d + random() * maxFactor * d (wait.Jitter). A maxFactor <= 0 means 1. */
export function jitter(ms: number, maxFactor: number, random: () => number = Math.random): number {
  const f = maxFactor <= 0 ? 1 : maxFactor;
  return ms + random() * f * ms;
}

/** Backoff parameters of client-go's Reflector (800 ms doubling to 30 s, full jitter, reset after 2 min of quiet). */
export const reflectorBackoffOptions: Readonly<Omit<BackoffOptions, 'clock' | 'random'>> = {
  initialMs: 800,
  maxMs: 30_000,
  factor: 2,
  jitter: 1,
  resetAfterMs: 120_000,
};

export class Backoff {
  readonly #initialMs: number;
  readonly #maxMs: number;
  readonly #factor: number;
  readonly #jitter: number;
  readonly #resetAfterMs: number | undefined;
  readonly #clock: Clock;
  readonly #random: () => number;
  #currentMs: number;
  #lastStepAt: number | undefined;
  #attempts = 0;

  constructor(options: BackoffOptions) {
    if (!(options.initialMs >= 0)) throw new RangeError(`Cannot create Backoff as initialMs is invalid: ${options.initialMs}`);
    if (!(options.maxMs >= options.initialMs)) throw new RangeError(`Cannot create Backoff as maxMs is below initialMs: ${options.maxMs}`);
    this.#initialMs = options.initialMs;
    this.#maxMs = options.maxMs;
    this.#factor = options.factor ?? 2;
    this.#jitter = options.jitter ?? 0;
    this.#resetAfterMs = options.resetAfterMs;
    this.#clock = options.clock ?? realClock;
    this.#random = options.random ?? Math.random;
    this.#currentMs = this.#initialMs;
  }

  /** Number of steps taken since construction or the last reset. */
  get attempts(): number {
    return this.#attempts;
  }

  /** Returns the next delay in milliseconds and advances the backoff. */
  next(): number {
    const now = this.#clock.now();
    if (this.#resetAfterMs !== undefined && this.#lastStepAt !== undefined && now - this.#lastStepAt > this.#resetAfterMs) {
      this.reset();
    }
    this.#lastStepAt = now;
    this.#attempts++;
    const base = this.#currentMs;
    this.#currentMs = Math.min(this.#maxMs, this.#currentMs * this.#factor);
    return this.#jitter > 0 ? jitter(base, this.#jitter, this.#random) : base;
  }

  reset(): void {
    this.#currentMs = this.#initialMs;
    this.#attempts = 0;
    this.#lastStepAt = undefined;
  }

  /** Sleeps for `next()` milliseconds on the clock; rejects with the signal's reason when aborted. */
  sleep(signal?: AbortSignal): Promise<void> {
    return this.#clock.sleep(this.next(), signal);
  }
}

export interface RetryOptions {
  /** Maximum number of attempts (calls of fn). */
  steps: number;
  initialMs: number;
  /** @default 1 */
  factor?: number;
  /** @default 0 */
  jitter?: number;
  /** @default no cap */
  maxMs?: number;
  clock?: Clock;
  random?: () => number;
  signal?: AbortSignal;
}

/** retry.DefaultRetry: 5 attempts 10 ms apart (+10% jitter). For conflicts from other writers. */
export const defaultRetry: Readonly<RetryOptions> = { steps: 5, initialMs: 10, factor: 1, jitter: 0.1 };
/** retry.DefaultBackoff: 4 attempts, 10 ms growing x5 (+10% jitter). For errors that need more time. */
export const defaultRetryBackoff: Readonly<RetryOptions> = { steps: 4, initialMs: 10, factor: 5, jitter: 0.1 };

/**
 * Calls fn until it succeeds, it throws an error `isRetryable` rejects, or `steps` attempts were made; then
 * rethrows the last error (retry.OnError).
 */
export async function retryOnError<T>(
  options: RetryOptions,
  isRetryable: (err: unknown) => boolean,
  fn: () => Promise<T> | T,
): Promise<T> {
  if (!(options.steps >= 1)) throw new RangeError(`Cannot retry as steps is below 1: ${options.steps}`);
  const backoff = new Backoff({
    initialMs: options.initialMs,
    maxMs: options.maxMs ?? Number.MAX_SAFE_INTEGER,
    factor: options.factor ?? 1,
    jitter: options.jitter ?? 0,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.random ? { random: options.random } : {}),
  });
  for (let attempt = 1; ; attempt++) {
    options.signal?.throwIfAborted();
    try {
      return await fn();
    } catch (err) {
      if (attempt >= options.steps || !isRetryable(err)) throw err;
    }
    await backoff.sleep(options.signal);
  }
}

/**
 * Runs a read-modify-write function again when it fails with a 409 Conflict (retry.RetryOnConflict).
 * fn must re-read the object on every call.
 */
export function retryOnConflict<T>(fn: () => Promise<T> | T, options: Partial<RetryOptions> = {}): Promise<T> {
  return retryOnError({ ...defaultRetry, ...options }, isConflict, fn);
}
