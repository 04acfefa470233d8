/**
 * Expectations (kube-controller-manager pkg/controller/controller_utils.go): what a controller expects to see
 * in its informer before it trusts the cache enough to act again.
 *
 * A controller that creates 5 pods records `expectCreations(key, 5)`; its pod handler calls
 * `creationObserved(key)` for each pod it sees arrive. Until all 5 arrived (or the expectations expire after
 * `EXPECTATIONS_TIMEOUT_MS`, 5 minutes, as upstream's ExpectationsTimeout), `satisfiedExpectations(key)` is
 * false and the sync must not create or delete again: the lister still lags behind the writes, and acting on
 * it would duplicate pods. This is what keeps a slow watch from producing duplicates.
 *
 *   const exp = new ControllerExpectations({ clock });
 *   if (exp.satisfiedExpectations(key)) { exp.expectCreations(key, diff); ...create... }
 *   // pod handler: exp.creationObserved(rsKey)
 *   // a create that failed will never be observed: exp.creationObserved(key) for it at once
 *
 * Semantics kept from upstream:
 * - a key without expectations is satisfied (a new controller, or expectations that were deleted);
 * - expectations are fulfilled when both counters are <= 0 (they may go negative: observations of objects
 *   the controller did not ask for, e.g. an adopted pod);
 * - `expectCreations`/`expectDeletions` replace whatever was recorded and restart the TTL;
 * - expired expectations count as satisfied, so a lost watch event costs at most the TTL.
 *
 * UIDTrackingControllerExpectations additionally remembers *which* pods (by `namespace/name` key) a
 * controller deleted, so a pod that is first updated with a deletionTimestamp and later really deleted is
 * counted once (graceful deletion).
 */
import { realClock, type Clock } from '../../shared/util/clock.ts';

/** How long expectations hold before a sync proceeds anyway (upstream ExpectationsTimeout). */
export const EXPECTATIONS_TIMEOUT_MS = 5 * 60 * 1000;

/** One controller's outstanding adds and deletes (upstream ControlleeExpectations). */
export interface ControlleeExpectations {
  /** The controller's key (`namespace/name`). */
  readonly key: string;
  /** Creations still expected; <= 0 when fulfilled. */
  add: number;
  /** Deletions still expected; <= 0 when fulfilled. */
  del: number;
  /** When they were set (ms, on the injected clock). */
  timestamp: number;
}

export interface ControllerExpectationsOptions {
  /** @default realClock */
  clock?: Clock;
  /** @default EXPECTATIONS_TIMEOUT_MS */
  ttlMs?: number;
}

/** Both counters at or below zero. */
export function expectationsFulfilled(e: Pick<ControlleeExpectations, 'add' | 'del'>): boolean {
  return e.add <= 0 && e.del <= 0;
}

/** The expectations store of one controller (upstream ControllerExpectations / ControllerExpectationsInterface). */
export class ControllerExpectations {
  readonly #clock: Clock;
  readonly #ttlMs: number;
  readonly #store = new Map<string, ControlleeExpectations>();

  constructor(options: ControllerExpectationsOptions = {}) {
    this.#clock = options.clock ?? realClock;
    this.#ttlMs = options.ttlMs ?? EXPECTATIONS_TIMEOUT_MS;
  }

  /** The recorded expectations of a controller (a live record: do not mutate), if any. */
  getExpectations(controllerKey: string): ControlleeExpectations | undefined {
    return this.#store.get(controllerKey);
  }

  /** Forgets a controller's expectations (the controller was deleted). */
  deleteExpectations(controllerKey: string): void {
    this.#store.delete(controllerKey);
  }

  /**
   * True when the controller may act on its cache: no expectations recorded, or all observed, or recorded
   * longer than the TTL ago.
   */
  satisfiedExpectations(controllerKey: string): boolean {
    const exp = this.#store.get(controllerKey);
    if (!exp) return true;
    if (expectationsFulfilled(exp)) return true;
    return this.isExpired(exp);
  }

  /** Whether expectations are older than the TTL. */
  isExpired(exp: ControlleeExpectations): boolean {
    return this.#clock.now() - exp.timestamp > this.#ttlMs;
  }

  /** Replaces the controller's expectations with `add` creations and `del` deletions, restarting the TTL. */
  setExpectations(controllerKey: string, add: number, del: number): void {
    this.#store.set(controllerKey, { key: controllerKey, add, del, timestamp: this.#clock.now() });
  }

  /** setExpectations(key, adds, 0). */
  expectCreations(controllerKey: string, adds: number): void {
    this.setExpectations(controllerKey, adds, 0);
  }

  /** setExpectations(key, 0, dels). */
  expectDeletions(controllerKey: string, dels: number): void {
    this.setExpectations(controllerKey, 0, dels);
  }

  /** Adds to both counters of existing expectations (no-op when none are recorded). */
  raiseExpectations(controllerKey: string, add: number, del: number): void {
    const exp = this.#store.get(controllerKey);
    if (!exp) return;
    exp.add += add;
    exp.del += del;
  }

  /** Subtracts from both counters of existing expectations (no-op when none are recorded). */
  lowerExpectations(controllerKey: string, add: number, del: number): void {
    const exp = this.#store.get(controllerKey);
    if (!exp) return;
    exp.add -= add;
    exp.del -= del;
  }

  /** One expected creation was seen (or will never happen: a failed or skipped create). */
  creationObserved(controllerKey: string): void {
    this.lowerExpectations(controllerKey, 1, 0);
  }

  /** One expected deletion was seen (or will never happen). */
  deletionObserved(controllerKey: string): void {
    this.lowerExpectations(controllerKey, 0, 1);
  }
}

/**
 * ControllerExpectations that track deletions by pod key (upstream UIDTrackingControllerExpectations): an
 * update setting a deletionTimestamp and the later delete event of the same pod lower the deletion count
 * only once. Creations are counted as in ControllerExpectations.
 */
export class UIDTrackingControllerExpectations extends ControllerExpectations {
  readonly #uids = new Map<string, Set<string>>();

  /** The pod keys still expected to be deleted for a controller (a live set: do not mutate), if any. */
  getUIDs(controllerKey: string): ReadonlySet<string> | undefined {
    return this.#uids.get(controllerKey);
  }

  /**
   * Expects the deletion of exactly these keys (`namespace/name` of each pod), replacing what was recorded.
   * (Upstream's overload of ExpectDeletions with a key list; the count form stays available as
   * `expectDeletions(key, n)`.)
   */
  expectDeletionsOf(controllerKey: string, deletedKeys: Iterable<string>): void {
    const set = new Set(deletedKeys);
    this.#uids.set(controllerKey, set);
    this.expectDeletions(controllerKey, set.size);
  }

  /**
   * Records the deletion of one pod key: lowers the count only when that key was expected and not yet
   * observed. (A single-argument call lowers the count unconditionally, as the base class does.)
   */
  override deletionObserved(controllerKey: string, deleteKey?: string): void {
    if (deleteKey === undefined) {
      super.deletionObserved(controllerKey);
      return;
    }
    const uids = this.#uids.get(controllerKey);
    if (uids?.has(deleteKey)) {
      uids.delete(deleteKey);
      super.deletionObserved(controllerKey);
    }
  }

  override deleteExpectations(controllerKey: string): void {
    super.deleteExpectations(controllerKey);
    this.#uids.delete(controllerKey);
  }
}
