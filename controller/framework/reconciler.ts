/**
 * The one-method contract every controller implements (controller-runtime pkg/reconcile): given the key of an
 * object (`namespace/name`, or `name` for cluster-scoped objects), bring the world in line with what the
 * object asks for, reading the current state from listers.
 *
 * Reconciliation is level-based: the reconciler is told *which* object to look at, never *what* changed. A
 * dropped or duplicated notification costs one extra reconcile, nothing more. The key may name an object that
 * no longer exists (it was deleted): that is a normal case, not an error.
 *
 * What the Controller does with the outcome (controller-runtime reconcileHandler):
 * - resolves `{}` (or nothing): done; the key's failure history is forgotten;
 * - resolves `{ requeueAfterMs: n }`: done for now; look again after n ms (timers, expiries);
 * - throws a TerminalError: logged, not retried (retrying cannot help, e.g. a malformed object);
 * - throws anything else: retried with per-key exponential backoff (5 ms, 10 ms, ... up to 1000 s).
 */

/** What a reconcile asks for next. */
export interface Result {
  /** Reconcile this key again after this many milliseconds (0 or absent: not unless something changes). */
  requeueAfterMs?: number;
}

/** The sooner of two requeue delays, where 0 (or less) means "none": what a sync that merges them asks for. */
export function minPositive(a: number, b: number): number {
  if (b <= 0) return a;
  return a <= 0 ? b : Math.min(a, b);
}

export interface Reconciler {
  /**
   * Brings the object named by key to its desired state. `signal` aborts when the controller shuts down; a
   * reconcile should stop issuing new writes once it fires.
   */
  reconcile(key: string, signal: AbortSignal): Promise<Result | void>;
}

/** An error that retrying will not fix: the Controller logs it and drops the key (reconcile.TerminalError). */
export class TerminalError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TerminalError';
  }
}

export function isTerminalError(err: unknown): err is TerminalError {
  return err instanceof TerminalError;
}
