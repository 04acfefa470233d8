/**
 * Time, injected. Everything periodic or retrying takes a Clock so tests can use FakeClock and never sleep.
 */
export interface Timer {
  cancel(): void;
  /** Does not keep the process alive for this timer (real clocks; a no-op elsewhere). */
  unref?(): void;
}

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Calls fn once after ms; returns a handle to cancel it. */
  setTimeout(fn: () => void, ms: number): Timer;
  /** Resolves after ms, or rejects with the signal's reason when aborted. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export class RealClock implements Clock {
  now(): number {
    return Date.now();
  }
  setTimeout(fn: () => void, ms: number): Timer {
    const t: unknown = setTimeout(fn, ms);
    // Node's timers can be unref'd; a browser's (the console bundles this module) are plain numbers.
    return { cancel: () => clearTimeout(t as Parameters<typeof clearTimeout>[0]), unref: () => void (t as { unref?: () => void }).unref?.() };
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepWith(this, ms, signal);
  }
}

export const realClock: Clock = new RealClock();

interface Pending {
  at: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

/**
 * A clock that only moves when told. `step(ms)` fires due timers in time order; timers a callback adds that
 * fall inside the step fire in the same step.
 */
export class FakeClock implements Clock {
  #now: number;
  #seq = 0;
  #pending: Pending[] = [];

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.#now = start;
  }
  now(): number {
    return this.#now;
  }
  setTimeout(fn: () => void, ms: number): Timer {
    const p: Pending = { at: this.#now + Math.max(0, ms), seq: this.#seq++, fn, cancelled: false };
    this.#pending.push(p);
    return { cancel: () => { p.cancelled = true; } };
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepWith(this, ms, signal);
  }
  /** Number of timers waiting to fire. */
  get waiters(): number {
    return this.#pending.filter((p) => !p.cancelled).length;
  }
  /** Moves time forward by ms, firing every timer that falls due, in order. */
  step(ms: number): void {
    const target = this.#now + ms;
    for (;;) {
      this.#pending = this.#pending.filter((p) => !p.cancelled);
      this.#pending.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.#pending[0];
      if (!next || next.at > target) break;
      this.#pending.shift();
      this.#now = Math.max(this.#now, next.at);
      next.fn();
    }
    this.#now = target;
  }
  /** Sets the time (forward only), firing due timers. */
  setTime(ms: number): void {
    if (ms > this.#now) this.step(ms - this.#now);
  }
}

function sleepWith(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      timer.cancel();
      reject(signal?.reason);
    };
    const timer = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
