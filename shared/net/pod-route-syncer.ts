/**
 * PodRouteSyncer: inside a node's network namespace, one route per other node's pod CIDR via that node's
 * InternalIP (flannel's host-gw backend), kept in sync with the Node objects (`kubelab proxy --pod-routes`, or
 * `kubelab node --pod-routes` where the node's identity may list Nodes).
 *
 *   const s = new PodRouteSyncer({ nodes: clientset.nodes, nodeName: 'node-1', table: new IpRouteTable() });
 *   void s.run(signal);
 *
 * Level-based: any Node event marks the table dirty and one sync computes the desired routes from the whole
 * node cache and applies the difference (routes of deleted nodes, and of nodes whose CIDR or address changed,
 * are removed). A periodic resync (`resyncPeriodMs`, 30 s) repairs routes removed behind its back. Only
 * routes carrying kubelab's protocol number are ever listed or deleted (see shared/net/route-table.ts).
 *
 * It needs list/watch on all Nodes. The Node authorizer lets a node read only its own Node (kube 1.32), so
 * `kubelab up` runs it in the service proxy, whose identity (system:kube-proxy, bound to system:node-proxier)
 * reads Nodes as upstream's kube-proxy does; no node identity gets more than upstream gives it.
 */
import type { Node } from '../api/core-v1.ts';
import { newListWatch } from '../cache/list-watch.ts';
import { SharedIndexInformer } from '../cache/shared-informer.ts';
import type { ResourceClient } from '../client/interfaces.ts';
import { applyRoutePlan, desiredPodRoutes, planRoutes, type RouteTable } from './route-table.ts';
import { realClock, type Clock, type Timer } from '../util/clock.ts';
import { log as rootLog, type Logger } from '../util/log.ts';

export interface PodRouteSyncerOptions {
  nodes: ResourceClient;
  /** This node: its own CIDR is on its bridge, so no route for it. */
  nodeName: string;
  table: RouteTable;
  /** Only routes inside this block are managed (the cluster CIDR). */
  clusterCidr?: string;
  /** @default 30000 */
  resyncPeriodMs?: number;
  /** Delay before retrying after a failed route change. @default 2000 */
  retryMs?: number;
  clock?: Clock;
  log?: Logger;
}

export class PodRouteSyncer {
  readonly #o: PodRouteSyncerOptions;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly informer: SharedIndexInformer<Node>;
  #dirty = false;
  #syncing: Promise<void> | undefined;
  #timer: Timer | undefined;
  #signal: AbortSignal | undefined;
  /** Number of completed syncs (tests wait on it). */
  syncs = 0;

  constructor(options: PodRouteSyncerOptions) {
    this.#o = options;
    this.#clock = options.clock ?? realClock;
    this.#log = (options.log ?? rootLog).with({ component: 'pod-route-syncer' });
    this.informer = new SharedIndexInformer<Node>(newListWatch(options.nodes as never), { name: 'pod-routes-nodes', clock: this.#clock, log: this.#log });
    const touch = () => this.trigger();
    this.informer.addEventHandler({ onAdd: touch, onUpdate: (a, b) => (routeFacts(a) !== routeFacts(b) ? touch() : undefined), onDelete: touch });
  }

  /** Runs until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    this.#signal = signal;
    const informer = this.informer.run(signal);
    if (await this.informer.whenSynced(signal)) {
      this.trigger();
      this.#scheduleResync();
    }
    await informer;
    this.#timer?.cancel();
    await this.#syncing;
  }

  /** Marks the table dirty and syncs (coalesced: one sync at a time, one more if anything changed meanwhile). */
  trigger(): void {
    if (!this.informer.hasSynced() || this.#signal?.aborted) return;
    this.#dirty = true;
    if (!this.#syncing) this.#syncing = this.#loop().finally(() => (this.#syncing = undefined));
  }

  async #loop(): Promise<void> {
    while (this.#dirty && !this.#signal?.aborted) {
      this.#dirty = false;
      const failed = await this.syncOnce().then(
        (errors) => errors.length > 0,
        (err: unknown) => {
          this.#log.warn('Cannot sync pod routes', { err });
          return true;
        },
      );
      this.syncs++;
      if (failed && !this.#dirty) {
        this.#clock.setTimeout(() => this.trigger(), this.#o.retryMs ?? 2000);
      }
    }
  }

  /** One pass: desired routes from the node cache, applied against the table. Returns the route errors. */
  async syncOnce(): Promise<Error[]> {
    const desired = desiredPodRoutes(this.informer.lister.list(), {
      exclude: this.#o.nodeName,
      ...(this.#o.clusterCidr ? { clusterCidr: this.#o.clusterCidr } : {}),
    });
    const current = await this.#o.table.list();
    const plan = planRoutes(desired, current, this.#o.clusterCidr);
    if (plan.replace.length === 0 && plan.remove.length === 0) return [];
    for (const r of plan.remove) this.#log.info('Removing pod route', { destination: r.destination, gateway: r.gateway });
    for (const r of plan.replace) this.#log.info('Adding pod route', { destination: r.destination, gateway: r.gateway });
    const errors = await applyRoutePlan(this.#o.table, plan);
    for (const err of errors) this.#log.warn('Pod route change failed', { err: err.message });
    return errors;
  }

  #scheduleResync(): void {
    if (this.#signal?.aborted) return;
    this.#timer = this.#clock.setTimeout(() => {
      this.trigger();
      this.#scheduleResync();
    }, this.#o.resyncPeriodMs ?? 30_000);
  }
}

/** What of a Node matters for routes. */
function routeFacts(n: Node): string {
  return JSON.stringify([n.spec?.podCIDR, n.spec?.podCIDRs, n.status?.addresses, n.metadata.labels?.['kubelab.io/simulated'], Boolean(n.metadata.deletionTimestamp)]);
}
