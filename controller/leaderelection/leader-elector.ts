/**
 * Leader election on a coordination.k8s.io/v1 Lease, with client-go's semantics
 * (k8s.io/client-go/tools/leaderelection/leaderelection.go with resourcelock.LeaseLock).
 *
 *   const elector = new LeaderElector({
 *     leases: clientset.leases, namespace: 'kube-system', name: 'kubelab-controller', identity: defaultIdentity(),
 *     leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000,
 *     callbacks: { onStartedLeading: (signal) => runControllers(signal) },
 *   });
 *   await elector.run(signal);   // resolves when leadership ends (lost, or signal aborted and lease released)
 *
 * The record lives in the Lease spec: holderIdentity, leaseDurationSeconds, acquireTime, renewTime,
 * leaseTransitions.
 * - Acquire: every retryPeriod (+ up to 120% jitter) get the Lease; create it if missing. A lease held by
 *   someone else is taken only once it expired: `leaseDurationSeconds` passed since this candidate *observed*
 *   the record change (client-go measures on the local clock from the last observed change of the record, so
 *   clock skew between candidates does not matter; for a candidate watching all along this is renewTime +
 *   leaseDurationSeconds). An empty holderIdentity (a released lease) is free at once.
 * - Every write is an update carrying the resourceVersion that was read: two candidates racing for an expired
 *   lease both send their update, the server accepts one and answers 409 Conflict to the other, which lost.
 * - Taking the lease from someone else (or a free one) sets acquireTime and increments leaseTransitions;
 *   renewing keeps acquireTime and sets renewTime.
 * - Renew: every retryPeriod. Within one renewal, failed attempts are retried every retryPeriod until
 *   renewDeadline has passed since the renewal began; then leadership is lost. renewDeadline < leaseDuration
 *   means a leader that cannot renew stops before anyone else may take over.
 * - When leadership ends the `onStartedLeading` signal aborts and the elector waits for the work it started
 *   to finish. On a graceful stop (the run signal aborted, `releaseOnCancel`) it then releases the lease
 *   (holderIdentity '', leaseDurationSeconds 1) so another candidate takes over at once rather than after the
 *   lease expires.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Lease, LeaseSpec } from '../../shared/api/coordination-v1.ts';
import { deepCopy } from '../../shared/api/meta.ts';
import type { ResourceClient } from '../../shared/client/interfaces.ts';
import { isConflict, isNotFound } from '../../shared/errors/status-error.ts';
import { jitter } from '../../shared/util/backoff.ts';
import { realClock, type Clock } from '../../shared/util/clock.ts';
import { log as rootLog, type Logger } from '../../shared/util/log.ts';
import { rfc3339Micro } from '../framework/time-format.ts';

/** client-go's JitterFactor for the acquire loop. */
export const JITTER_FACTOR = 1.2;

export interface LeaderCallbacks {
  /**
   * This candidate became leader. `signal` aborts when leadership ends; the elector waits for the returned
   * promise (if any) before it releases the lease, so work guarded by the lease must stop when signal aborts.
   */
  onStartedLeading(signal: AbortSignal): void | Promise<void>;
  /** Leadership ended (lost, or given up on shutdown); called after the onStartedLeading work finished. */
  onStoppedLeading?(): void;
  /** The observed leader changed (including the first one observed, and this candidate itself). */
  onNewLeader?(identity: string): void;
}

export interface LeaderElectorOptions {
  /** The leases client (clientset.leases). */
  leases: ResourceClient;
  namespace: string;
  name: string;
  /** Unique per candidate; see defaultIdentity(). */
  identity: string;
  /** How long a lease is valid without renewal (written as whole seconds). */
  leaseDurationMs: number;
  /** How long the leader keeps retrying a renewal before giving up. */
  renewDeadlineMs: number;
  /** Time between attempts. */
  retryPeriodMs: number;
  callbacks: LeaderCallbacks;
  /** Release the lease when the run signal aborts. @default true */
  releaseOnCancel?: boolean;
  /** @default realClock */
  clock?: Clock;
  /** @default Math.random */
  random?: () => number;
  log?: Logger;
}

/** `<hostname>_<random uuid>`, the identity kube-controller-manager uses. */
export function defaultIdentity(): string {
  return `${hostname()}_${randomUUID()}`;
}

type ElectionRecord = Pick<LeaseSpec, 'holderIdentity' | 'leaseDurationSeconds' | 'acquireTime' | 'renewTime' | 'leaseTransitions'>;

export class LeaderElector {
  readonly identity: string;
  readonly #leases: ResourceClient;
  readonly #namespace: string;
  readonly #name: string;
  readonly #leaseDurationMs: number;
  readonly #renewDeadlineMs: number;
  readonly #retryPeriodMs: number;
  readonly #callbacks: LeaderCallbacks;
  readonly #releaseOnCancel: boolean;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #log: Logger;
  /** The record as last read or written, and when (on our clock) it last changed. */
  #observed: ElectionRecord | undefined;
  #observedTime = 0;
  /** The Lease object as last read or written (its resourceVersion is the precondition of the next write). */
  #lease: Lease | undefined;
  #reportedLeader = '';
  #leading = false;
  #running = false;

  constructor(options: LeaderElectorOptions) {
    const { leaseDurationMs, renewDeadlineMs, retryPeriodMs } = options;
    if (!options.identity) throw new RangeError('Cannot run leader election as the identity is empty');
    if (!options.name || !options.namespace) throw new RangeError('Cannot run leader election without a lease namespace and name');
    if (!(leaseDurationMs >= 1000)) throw new RangeError(`Cannot run leader election as the lease duration is below 1s: ${leaseDurationMs}ms`);
    if (!(retryPeriodMs > 0)) throw new RangeError(`Cannot run leader election as the retry period is not positive: ${retryPeriodMs}ms`);
    if (!(leaseDurationMs > renewDeadlineMs)) {
      throw new RangeError(`Cannot run leader election as the lease duration (${leaseDurationMs}ms) is not greater than the renew deadline (${renewDeadlineMs}ms)`);
    }
    if (!(renewDeadlineMs > JITTER_FACTOR * retryPeriodMs)) {
      throw new RangeError(`Cannot run leader election as the renew deadline (${renewDeadlineMs}ms) is not greater than retry period x ${JITTER_FACTOR} (${retryPeriodMs}ms)`);
    }
    this.identity = options.identity;
    this.#leases = options.leases;
    this.#namespace = options.namespace;
    this.#name = options.name;
    this.#leaseDurationMs = leaseDurationMs;
    this.#renewDeadlineMs = renewDeadlineMs;
    this.#retryPeriodMs = retryPeriodMs;
    this.#callbacks = options.callbacks;
    this.#releaseOnCancel = options.releaseOnCancel ?? true;
    this.#clock = options.clock ?? realClock;
    this.#random = options.random ?? Math.random;
    this.#log = (options.log ?? rootLog).with({ component: 'leader-election', lease: `${options.namespace}/${options.name}` });
  }

  /** True while this candidate leads (between acquiring and the end of its last successful renewal round). */
  isLeader(): boolean {
    return this.#leading;
  }

  /** The holder of the lease as last observed ('' if none). */
  getLeader(): string {
    return this.#observed?.holderIdentity ?? '';
  }

  /**
   * Campaigns until leader, leads until the lease cannot be renewed or `signal` aborts, then resolves.
   * Resolves at once, without acquiring, if `signal` aborts while campaigning. An elector runs once.
   */
  async run(signal: AbortSignal): Promise<void> {
    if (this.#running) throw new Error('Cannot run a LeaderElector twice');
    this.#running = true;
    if (!(await this.#acquire(signal))) return;
    this.#leading = true;
    const leading = new AbortController();
    const stop = () => leading.abort();
    signal.addEventListener('abort', stop, { once: true });
    const work = Promise.resolve()
      .then(() => this.#callbacks.onStartedLeading(leading.signal))
      .catch((err: unknown) => this.#log.error('Leader work failed', { err }));
    try {
      await this.#renew(signal);
    } finally {
      this.#leading = false;
      signal.removeEventListener('abort', stop);
      leading.abort();
      await work;
      if (signal.aborted && this.#releaseOnCancel) await this.#release();
      this.#callbacks.onStoppedLeading?.();
    }
  }

  async #acquire(signal: AbortSignal): Promise<boolean> {
    this.#log.info('Attempting to acquire leader lease', { identity: this.identity });
    while (!signal.aborted) {
      const ok = await this.tryAcquireOrRenew(signal);
      this.#maybeReportTransition();
      if (ok) {
        this.#log.info('Successfully acquired lease', { identity: this.identity });
        return true;
      }
      try {
        await this.#clock.sleep(jitter(this.#retryPeriodMs, JITTER_FACTOR, this.#random), signal);
      } catch {
        return false;
      }
    }
    return false;
  }

  async #renew(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const ok = await this.#renewWithinDeadline(signal);
      this.#maybeReportTransition();
      if (signal.aborted) return;
      if (!ok) {
        this.#log.warn('Failed to renew lease within the renew deadline, leadership lost', { identity: this.identity, renewDeadlineMs: this.#renewDeadlineMs });
        return;
      }
      try {
        await this.#clock.sleep(this.#retryPeriodMs, signal);
      } catch {
        return;
      }
    }
  }

  /** One renewal: attempts every retryPeriod until one succeeds or renewDeadline passed (wait.PollImmediateUntil). */
  async #renewWithinDeadline(signal: AbortSignal): Promise<boolean> {
    const round = new AbortController();
    const timer = this.#clock.setTimeout(() => round.abort(new Error('renew deadline passed')), this.#renewDeadlineMs);
    const onAbort = () => round.abort(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      for (;;) {
        if (await this.tryAcquireOrRenew(round.signal)) return true;
        if (round.signal.aborted) return false;
        try {
          await this.#clock.sleep(this.#retryPeriodMs, round.signal);
        } catch {
          return false;
        }
      }
    } finally {
      timer.cancel();
      signal.removeEventListener('abort', onAbort);
    }
  }

  /**
   * One attempt to acquire or renew (tryAcquireOrRenew). Resolves true when this candidate holds the lease
   * afterwards; false when someone else holds a valid lease, the write lost a race (409), or the server failed.
   */
  async tryAcquireOrRenew(signal?: AbortSignal): Promise<boolean> {
    const opts = signal ? { signal } : {};
    const now = this.#clock.now();
    const durationSeconds = Math.floor(this.#leaseDurationMs / 1000);
    let lease: Lease;
    try {
      lease = (await this.#leases.get(this.#namespace, this.#name, opts)) as Lease;
    } catch (err) {
      if (!isNotFound(err)) {
        this.#log.warn('Error retrieving lease', { err });
        return false;
      }
      const record: ElectionRecord = {
        holderIdentity: this.identity,
        leaseDurationSeconds: durationSeconds,
        acquireTime: rfc3339Micro(now),
        renewTime: rfc3339Micro(now),
        leaseTransitions: 0,
      };
      try {
        const created = (await this.#leases.create(
          { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: this.#name, namespace: this.#namespace }, spec: record } as Lease,
          opts,
        )) as Lease;
        this.#setObserved(created, record);
        return true;
      } catch (createErr) {
        this.#log.info('Cannot create the lease (another candidate may have)', { err: createErr });
        return false;
      }
    }

    const old = recordOf(lease.spec);
    if (!this.#observed || !sameRecord(this.#observed, old)) {
      this.#observed = old;
      this.#observedTime = this.#clock.now();
    }
    this.#lease = lease;
    const holder = old.holderIdentity ?? '';
    const iHold = holder === this.identity;
    const validForMs = (old.leaseDurationSeconds ?? durationSeconds) * 1000;
    if (holder !== '' && !iHold && this.#observedTime + validForMs > now) {
      return false; // held by someone else and not expired
    }
    const record: ElectionRecord = {
      holderIdentity: this.identity,
      leaseDurationSeconds: durationSeconds,
      acquireTime: iHold ? old.acquireTime ?? rfc3339Micro(now) : rfc3339Micro(now),
      renewTime: rfc3339Micro(now),
      leaseTransitions: iHold ? old.leaseTransitions ?? 0 : (old.leaseTransitions ?? 0) + 1,
    };
    const next = deepCopy(lease);
    next.spec = { ...next.spec, ...record };
    try {
      const updated = (await this.#leases.update(next, opts)) as Lease;
      this.#setObserved(updated, record);
      return true;
    } catch (err) {
      if (isConflict(err)) this.#log.info('Lost a race to update the lease', { identity: this.identity });
      else this.#log.warn('Failed to update the lease', { err });
      return false;
    }
  }

  #setObserved(lease: Lease, record: ElectionRecord): void {
    this.#lease = lease;
    this.#observed = record;
    this.#observedTime = this.#clock.now();
  }

  /** Gives the lease up so another candidate can take it at once (release). */
  async #release(): Promise<void> {
    const lease = this.#lease;
    if (!lease || this.#observed?.holderIdentity !== this.identity) return;
    const now = this.#clock.now();
    const record: ElectionRecord = {
      holderIdentity: '',
      leaseDurationSeconds: 1,
      acquireTime: rfc3339Micro(now),
      renewTime: rfc3339Micro(now),
      leaseTransitions: this.#observed.leaseTransitions ?? 0,
    };
    const next = deepCopy(lease);
    next.spec = { ...next.spec, ...record };
    const deadline = new AbortController();
    const timer = this.#clock.setTimeout(() => deadline.abort(new Error('release deadline passed')), this.#renewDeadlineMs);
    try {
      const updated = (await this.#leases.update(next, { signal: deadline.signal })) as Lease;
      this.#setObserved(updated, record);
      this.#log.info('Released the leader lease', { identity: this.identity });
    } catch (err) {
      this.#log.warn('Failed to release the leader lease', { err });
    } finally {
      timer.cancel();
    }
  }

  #maybeReportTransition(): void {
    const holder = this.#observed?.holderIdentity ?? '';
    if (holder === this.#reportedLeader) return;
    this.#reportedLeader = holder;
    if (holder) this.#log.info('New leader observed', { leader: holder });
    const cb = this.#callbacks.onNewLeader;
    if (cb) queueMicrotask(() => cb(holder));
  }
}

function recordOf(spec: LeaseSpec | undefined): ElectionRecord {
  const r: ElectionRecord = {};
  if (spec?.holderIdentity !== undefined) r.holderIdentity = spec.holderIdentity;
  if (spec?.leaseDurationSeconds !== undefined) r.leaseDurationSeconds = spec.leaseDurationSeconds;
  if (spec?.acquireTime !== undefined) r.acquireTime = spec.acquireTime;
  if (spec?.renewTime !== undefined) r.renewTime = spec.renewTime;
  if (spec?.leaseTransitions !== undefined) r.leaseTransitions = spec.leaseTransitions;
  return r;
}

function sameRecord(a: ElectionRecord, b: ElectionRecord): boolean {
  return (
    (a.holderIdentity ?? '') === (b.holderIdentity ?? '') &&
    a.leaseDurationSeconds === b.leaseDurationSeconds &&
    (a.acquireTime ?? '') === (b.acquireTime ?? '') &&
    (a.renewTime ?? '') === (b.renewTime ?? '') &&
    (a.leaseTransitions ?? 0) === (b.leaseTransitions ?? 0)
  );
}
