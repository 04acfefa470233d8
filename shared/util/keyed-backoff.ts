/**
 * Per-key exponential backoff measured from an event time (client-go util/flowcontrol/backoff.go), used for
 * CrashLoopBackOff (key: pod uid + container name + spec hash, event: the container's finishedAt), for
 * image pulls (key: pod uid + image, event: the failed pull) and for the DaemonSet controller's failed daemon
 * pods (key: DaemonSet uid + generation + node).
 *
 * - `isInBackOffSince(key, t)`: true while `now - t` is shorter than the key's current delay.
 * - `next(key, t)`: the first call sets the delay to `initialMs`; later calls double it up to `maxMs`.
 * - An entry whose last update is older than 2 x maxMs (10 min for kubelet's 5 min cap) starts over: a
 *   container that ran for 10 minutes without crashing restarts at the initial delay again.
 */
import { realClock, type Clock } from './clock.ts';

interface Entry {
  delayMs: number;
  lastUpdate: number;
}

export interface KeyedBackoffOptions {
  initialMs: number;
  maxMs: number;
  clock?: Clock;
}

export class KeyedBackoff {
  readonly initialMs: number;
  readonly maxMs: number;
  #clock: Clock;
  #entries = new Map<string, Entry>();

  constructor(options: KeyedBackoffOptions) {
    this.initialMs = options.initialMs;
    this.maxMs = Math.max(options.maxMs, options.initialMs);
    this.#clock = options.clock ?? realClock;
  }

  #expired(e: Entry, eventTime: number): boolean {
    return eventTime - e.lastUpdate > 2 * this.maxMs;
  }

  /** The delay currently attached to key (0 when none). */
  get(key: string): number {
    return this.#entries.get(key)?.delayMs ?? 0;
  }

  /** Moves key to its next delay, recording eventTime as its last update. */
  next(key: string, eventTime: number = this.#clock.now()): number {
    const e = this.#entries.get(key);
    if (!e || this.#expired(e, eventTime)) {
      this.#entries.set(key, { delayMs: this.initialMs, lastUpdate: eventTime });
      return this.initialMs;
    }
    e.delayMs = Math.min(e.delayMs * 2, this.maxMs);
    e.lastUpdate = eventTime;
    return e.delayMs;
  }

  /** Remaining ms of backoff for key measured from eventTime; 0 when not backing off. */
  remaining(key: string, eventTime: number): number {
    const e = this.#entries.get(key);
    if (!e || this.#expired(e, eventTime)) return 0;
    const left = e.delayMs - (this.#clock.now() - eventTime);
    return left > 0 ? left : 0;
  }

  /** Remaining ms of backoff measured from the key's last update (the last failure); 0 when none. */
  remainingSinceLastUpdate(key: string): number {
    const e = this.#entries.get(key);
    return e ? this.remaining(key, e.lastUpdate) : 0;
  }

  isInBackOffSince(key: string, eventTime: number): boolean {
    return this.remaining(key, eventTime) > 0;
  }

  /** IsInBackOffSinceUpdate: whether less than the key's delay has passed between its last update and eventTime. */
  isInBackOffSinceUpdate(key: string, eventTime: number = this.#clock.now()): boolean {
    const e = this.#entries.get(key);
    return e !== undefined && !this.#expired(e, eventTime) && eventTime - e.lastUpdate < e.delayMs;
  }

  reset(key: string): void {
    this.#entries.delete(key);
  }

  /** Drops every entry whose key starts with prefix (a pod's keys when it goes away). */
  resetPrefix(prefix: string): void {
    for (const k of this.#entries.keys()) if (k.startsWith(prefix)) this.#entries.delete(k);
  }

  /** Drops entries not updated for 2 x maxMs (flowcontrol GC). */
  gc(): void {
    const now = this.#clock.now();
    for (const [k, e] of this.#entries) if (now - e.lastUpdate > 2 * this.maxMs) this.#entries.delete(k);
  }

  get size(): number {
    return this.#entries.size;
  }
}
