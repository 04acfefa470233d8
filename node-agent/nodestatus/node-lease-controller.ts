/**
 * Node heartbeats as Leases in kube-node-lease (k8s.io/component-helpers/apimachinery/lease controller.go,
 * used by kubelet's nodelease): one Lease per node, named after it, holderIdentity = node name,
 * leaseDurationSeconds 40, renewTime refreshed every renewInterval (0.25 x duration = 10 s), an
 * ownerReference to the Node once its uid is known (so the Lease goes away with the Node).
 *
 * One controller renews any number of nodes (the simulated-node host registers a thousand of them): each node
 * has its own timer on the injected clock, renewals run with bounded concurrency, and failures retry with
 * backoff (200 ms doubling to 7 s) instead of waiting a whole interval.
 *
 * Each renewal updates the cached Lease (PUT with its resourceVersion); on Conflict or a missing cache it
 * re-reads, and on NotFound it creates the Lease, as upstream's ensureLease/retryUpdateLease do.
 */
import type { Lease } from '../../shared/api/coordination-v1.ts';
import { NODE_LEASE_NAMESPACE } from '../../shared/api/coordination-v1.ts';
import type { ResourceClient } from '../../shared/client/interfaces.ts';
import { isAlreadyExists, isConflict, isNotFound } from '../../shared/errors/status-error.ts';
import { realClock, type Clock, type Timer } from '../../shared/util/clock.ts';
import { log as rootLog, type Logger } from '../../shared/util/log.ts';
import { formatMicroTime } from '../util/time.ts';

export const DEFAULT_LEASE_DURATION_SECONDS = 40;
const MAX_UPDATE_RETRIES = 5;
const BACKOFF_INITIAL_MS = 200;
const BACKOFF_MAX_MS = 7000;

export interface NodeLeaseControllerOptions {
  leases: ResourceClient;
  clock?: Clock;
  log?: Logger;
  /** @default 40 */
  leaseDurationSeconds?: number;
  /** @default 0.25 x duration */
  renewIntervalMs?: number;
  /** Renewals in flight at once. @default 16 */
  concurrency?: number;
  /** Spread first renewals of nodes added together over this many ms. @default 0 */
  spreadMs?: number;
  random?: () => number;
}

interface Target {
  nodeName: string;
  nodeUid: () => string | undefined;
  lease?: Lease;
  timer?: Timer;
  failures: number;
  running: boolean;
  lastRenew: number;
  onRenew?: (ok: boolean) => void;
}

export class NodeLeaseController {
  readonly leaseDurationSeconds: number;
  readonly renewIntervalMs: number;
  #leases: ResourceClient;
  #clock: Clock;
  #log: Logger;
  #concurrency: number;
  #spreadMs: number;
  #random: () => number;
  #targets = new Map<string, Target>();
  #inFlight = 0;
  #waiting: (() => void)[] = [];
  #stopped = true;

  constructor(options: NodeLeaseControllerOptions) {
    this.#leases = options.leases;
    this.#clock = options.clock ?? realClock;
    this.#log = options.log ?? rootLog;
    this.leaseDurationSeconds = options.leaseDurationSeconds ?? DEFAULT_LEASE_DURATION_SECONDS;
    this.renewIntervalMs = options.renewIntervalMs ?? this.leaseDurationSeconds * 250;
    this.#concurrency = options.concurrency ?? 16;
    this.#spreadMs = options.spreadMs ?? 0;
    this.#random = options.random ?? Math.random;
  }

  /** Starts renewing a node's lease (at once, or within spreadMs). `nodeUid` gives the Node's uid once known. */
  add(nodeName: string, nodeUid: () => string | undefined, onRenew?: (ok: boolean) => void): void {
    if (this.#targets.has(nodeName)) return;
    const t: Target = { nodeName, nodeUid, failures: 0, running: false, lastRenew: 0, ...(onRenew ? { onRenew } : {}) };
    this.#targets.set(nodeName, t);
    if (!this.#stopped) this.#schedule(t, this.#spreadMs > 0 ? this.#random() * this.#spreadMs : 0);
  }

  remove(nodeName: string): void {
    const t = this.#targets.get(nodeName);
    t?.timer?.cancel();
    this.#targets.delete(nodeName);
  }

  /** Time of the last successful renewal of a node (0 = never). */
  lastRenewed(nodeName: string): number {
    return this.#targets.get(nodeName)?.lastRenew ?? 0;
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    for (const t of this.#targets.values()) this.#schedule(t, this.#spreadMs > 0 ? this.#random() * this.#spreadMs : 0);
  }

  stop(): void {
    this.#stopped = true;
    for (const t of this.#targets.values()) {
      t.timer?.cancel();
      t.timer = undefined;
    }
  }

  #schedule(t: Target, ms: number): void {
    t.timer?.cancel();
    t.timer = this.#clock.setTimeout(() => {
      t.timer = undefined;
      void this.#tick(t);
    }, ms);
  }

  async #tick(t: Target): Promise<void> {
    if (this.#stopped || this.#targets.get(t.nodeName) !== t || t.running) return;
    t.running = true;
    await this.#acquire();
    let ok = false;
    try {
      await this.renew(t.nodeName);
      ok = true;
    } catch (err) {
      t.failures++;
      this.#log.warn('Failed to renew node lease, will retry', { node: t.nodeName, err });
    } finally {
      this.#release();
      t.running = false;
    }
    t.onRenew?.(ok);
    if (this.#stopped || this.#targets.get(t.nodeName) !== t) return;
    if (ok) {
      t.failures = 0;
      this.#schedule(t, this.renewIntervalMs);
    } else {
      this.#schedule(t, Math.min(BACKOFF_MAX_MS, BACKOFF_INITIAL_MS * 2 ** Math.min(10, t.failures - 1)));
    }
  }

  async #acquire(): Promise<void> {
    if (this.#inFlight < this.#concurrency) {
      this.#inFlight++;
      return;
    }
    await new Promise<void>((resolve) => this.#waiting.push(resolve));
    this.#inFlight++;
  }

  #release(): void {
    this.#inFlight--;
    this.#waiting.shift()?.();
  }

  #desired(t: Target, base: Lease | undefined): Lease {
    const now = formatMicroTime(this.#clock.now());
    const lease: Lease = base
      ? structuredClone(base)
      : { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: t.nodeName, namespace: NODE_LEASE_NAMESPACE } };
    lease.spec = { ...lease.spec, holderIdentity: t.nodeName, leaseDurationSeconds: this.leaseDurationSeconds, renewTime: now };
    if (!base) lease.spec.acquireTime = now;
    const uid = t.nodeUid();
    const refs = lease.metadata.ownerReferences ?? [];
    if (uid && !refs.some((r) => r.kind === 'Node' && r.uid === uid)) {
      lease.metadata.ownerReferences = [{ apiVersion: 'v1', kind: 'Node', name: t.nodeName, uid }];
    }
    return lease;
  }

  /** One renewal of a node's lease (create, or update the cached one; re-read on conflict). */
  async renew(nodeName: string): Promise<Lease> {
    const t = this.#targets.get(nodeName);
    if (!t) throw new Error(`Cannot renew the lease of node ${nodeName} as it is not registered with the controller`);
    for (let attempt = 0; ; attempt++) {
      if (!t.lease) {
        try {
          t.lease = (await this.#leases.get(NODE_LEASE_NAMESPACE, nodeName)) as Lease;
        } catch (err) {
          if (!isNotFound(err)) throw err;
          try {
            t.lease = (await this.#leases.create(this.#desired(t, undefined))) as Lease;
            t.lastRenew = this.#clock.now();
            return t.lease;
          } catch (cerr) {
            if (!isAlreadyExists(cerr) || attempt >= MAX_UPDATE_RETRIES) throw cerr;
            continue;
          }
        }
      }
      try {
        t.lease = (await this.#leases.update(this.#desired(t, t.lease))) as Lease;
        t.lastRenew = this.#clock.now();
        return t.lease;
      } catch (err) {
        t.lease = undefined;
        if ((isConflict(err) || isNotFound(err)) && attempt < MAX_UPDATE_RETRIES) continue;
        throw err;
      }
    }
  }
}
