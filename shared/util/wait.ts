/**
 * Periodic loops and polling on an injected Clock (k8s.io/apimachinery/pkg/util/wait: Until, JitterUntil,
 * PollUntilContextTimeout).
 */
import { realClock, type Clock } from './clock.ts';
import { jitter as applyJitter } from './backoff.ts';
import { log as rootLog, type Logger } from './log.ts';

export interface UntilOptions {
  /** Extra random fraction of the period: p becomes p + random() * jitter * p. @default 0 */
  jitter?: number;
  /**
   * true: the period starts when fn finishes (wait.Until). false: it starts when fn starts, so a slow fn
   * eats into the wait (wait.NonSlidingUntil). @default true
   */
  sliding?: boolean;
  random?: () => number;
  /** Where errors thrown by fn are reported. @default the root logger */
  log?: Logger;
}

/**
 * Calls fn at once and then every `periodMs` until `signal` aborts. An error thrown by fn is logged and the
 * loop continues (a control loop must survive one bad iteration). Resolves once aborted; never rejects.
 */
export async function until(
  fn: () => void | Promise<void>,
  periodMs: number,
  signal: AbortSignal,
  clock: Clock = realClock,
  options: UntilOptions = {},
): Promise<void> {
  const sliding = options.sliding ?? true;
  const random = options.random ?? Math.random;
  const logger = options.log ?? rootLog;
  while (!signal.aborted) {
    const started = clock.now();
    try {
      await fn();
    } catch (err) {
      if (signal.aborted) break;
      logger.error('Loop iteration failed', { err });
    }
    if (signal.aborted) break;
    let wait = options.jitter ? applyJitter(periodMs, options.jitter, random) : periodMs;
    if (!sliding) wait = Math.max(0, wait - (clock.now() - started));
    try {
      await clock.sleep(wait, signal);
    } catch {
      break; // aborted
    }
  }
}

/** Thrown by pollUntil when the timeout passes before the condition holds. */
export class WaitTimeoutError extends Error {
  constructor(message = 'timed out waiting for the condition') {
    super(message);
    this.name = 'WaitTimeoutError';
  }
}

export interface PollOptions {
  intervalMs: number;
  /** Give up (WaitTimeoutError) after this long. @default no timeout */
  timeoutMs?: number;
  /** @default realClock */
  clock?: Clock;
  signal?: AbortSignal;
  /** Check once before the first wait. @default true */
  immediate?: boolean;
}

/**
 * Resolves when `condition` returns true, checking every `intervalMs`. Rejects with WaitTimeoutError after
 * `timeoutMs`, with the signal's reason when aborted, or with whatever the condition throws (an error from
 * the condition ends the wait, as in wait.PollUntilContextTimeout).
 */
export async function pollUntil(condition: () => boolean | Promise<boolean>, options: PollOptions): Promise<void> {
  const clock = options.clock ?? realClock;
  const deadline = options.timeoutMs === undefined ? Infinity : clock.now() + options.timeoutMs;
  options.signal?.throwIfAborted();
  if ((options.immediate ?? true) && (await condition())) return;
  for (;;) {
    const remaining = deadline - clock.now();
    if (remaining <= 0) throw new WaitTimeoutError();
    await clock.sleep(Math.min(options.intervalMs, remaining), options.signal);
    if (await condition()) return;
  }
}
