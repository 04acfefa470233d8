/**
 * The route controller (kube-controller-manager pkg/controller/route, `--configure-cloud-routes`): the pod
 * CIDR of every node is routed to that node, and routes inside the cluster CIDR that no node claims any more
 * are deleted. Upstream asks the cloud provider's Routes interface; the lab's provider is the host's own
 * routing table (`ip route replace <podCIDR> via <InternalIP> proto 213`, IpRouteTable), which lets the host,
 * where the API servers and this controller run, reach every pod.
 *
 * - Level-based: one key ("routes") reconciles the whole table from the node cache; node events that change a
 *   CIDR, an address, or the node's existence queue it, and it runs again every `reconciliationPeriodMs`
 *   (--route-reconciliation-period, 10 s as upstream) to repair routes removed behind its back.
 * - Responsible only for destinations inside `clusterCidr` (isResponsibleForRoute): other routes, even with
 *   the same protocol number, are left alone.
 * - A node whose route cannot be created gets the Warning event FailedToCreateRoute ("Could not create route
 *   <hint> <cidr> for node <name> after <d>: <err>"); the others are still handled, and the pass is retried
 *   after 2 s (or the period, if shorter).
 * - Simulated nodes (label kubelab.io/simulated=true) get no route: their addresses lead nowhere.
 *
 * Unlike upstream it does not write the NetworkUnavailable node condition: in kubelab the node agent owns it
 * (it reports the pod network once its CNI config is loaded).
 */
import type { Node } from '../../shared/api/core-v1.ts';
import type { SharedInformerFactory } from '../../shared/cache/informer-factory.ts';
import type { SharedIndexInformer } from '../../shared/cache/shared-informer.ts';
import { applyRoutePlan, desiredPodRoutes, planRoutes, type RouteTable } from '../../shared/net/route-table.ts';
import { realClock, type Clock } from '../../shared/util/clock.ts';
import { log as rootLog, type Logger } from '../../shared/util/log.ts';
import { Controller } from '../framework/controller.ts';
import type { EventRecorder } from '../framework/event-recorder.ts';
import type { Reconciler, Result } from '../framework/reconciler.ts';

export interface RouteControllerOptions {
  informerFactory: SharedInformerFactory;
  recorder: EventRecorder;
  /** The route provider (the host's table in the lab). */
  routes: RouteTable;
  /** --cluster-cidr: routes inside it are this controller's. */
  clusterCidr: string;
  /** --route-reconciliation-period. @default 10000 */
  reconciliationPeriodMs?: number;
  clock?: Clock;
  log?: Logger;
}

const KEY = 'routes';

export class RouteController implements Reconciler {
  readonly controller: Controller;
  readonly #o: RouteControllerOptions;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #nodes: SharedIndexInformer<Node>;

  constructor(options: RouteControllerOptions) {
    this.#o = options;
    this.#clock = options.clock ?? realClock;
    this.#log = (options.log ?? rootLog).with({ controller: 'route-controller' });
    this.controller = new Controller({ name: 'route-controller', reconciler: this, workers: 1, clock: this.#clock, log: options.log ?? rootLog });
    this.#nodes = options.informerFactory.nodes<Node>();
    const touch = () => this.controller.enqueue(KEY);
    this.#nodes.addEventHandler({
      onAdd: touch,
      onUpdate: (a, b) => (routeFacts(a) !== routeFacts(b) ? touch() : undefined),
      onDelete: touch,
    });
  }

  async run(signal: AbortSignal): Promise<void> {
    this.#log.info('Starting route controller', { clusterCIDR: this.#o.clusterCidr });
    await this.controller.run(signal, { hasSynced: [() => this.#nodes.hasSynced()], onSynced: () => this.controller.enqueue(KEY) });
  }

  async reconcile(_key: string, _signal: AbortSignal): Promise<Result> {
    const period = this.#o.reconciliationPeriodMs ?? 10_000;
    const nodes = this.#nodes.lister.list();
    const desired = desiredPodRoutes(nodes, { clusterCidr: this.#o.clusterCidr });
    const current = await this.#o.routes.list();
    const plan = planRoutes(desired, current, this.#o.clusterCidr);
    if (plan.replace.length === 0 && plan.remove.length === 0) return { requeueAfterMs: period };
    const ownerOf = new Map<string, Node>();
    for (const n of nodes) for (const c of [n.spec?.podCIDR, ...(n.spec?.podCIDRs ?? [])]) if (c && !ownerOf.has(c)) ownerOf.set(c, n);
    for (const r of plan.remove) {
      if (plan.replace.some((x) => x.destination === r.destination)) continue;
      this.#log.info('Deleting route', { destination: r.destination, gateway: r.gateway });
    }
    const start = this.#clock.now();
    for (const r of plan.replace) {
      const node = ownerOf.get(r.destination);
      this.#log.info('Creating route for node', { node: node?.metadata.name ?? '', destination: r.destination, gateway: r.gateway });
    }
    const failed = new Set<string>();
    // One route at a time: errors are per destination.
    for (const r of plan.replace) {
      const errors = await applyRoutePlan(this.#o.routes, { replace: [r], remove: [] });
      for (const err of errors) {
        failed.add(r.destination);
        const node = ownerOf.get(r.destination);
        const name = node?.metadata.name ?? '';
        const elapsed = `${((this.#clock.now() - start) / 1000).toFixed(3)}s`;
        this.#log.warn('Could not create route', { node: name, destination: r.destination, err: err.message });
        if (node) this.#o.recorder.event(node, 'Warning', 'FailedToCreateRoute', `Could not create route ${node.metadata.uid ?? name} ${r.destination} for node ${name} after ${elapsed}: ${err.message}`);
      }
    }
    const removeErrors = await applyRoutePlan(this.#o.routes, { replace: [], remove: plan.remove.filter((r) => !plan.replace.some((x) => x.destination === r.destination)) });
    for (const err of removeErrors) this.#log.warn('Could not delete route', { err: err.message });
    // Failures are retried by the next periodic pass (not with growing backoff: a node may become reachable).
    return { requeueAfterMs: failed.size > 0 || removeErrors.length > 0 ? Math.min(period, 2000) : period };
  }
}

/** What of a Node matters for routes. */
function routeFacts(n: Node): string {
  return JSON.stringify([n.spec?.podCIDR, n.spec?.podCIDRs, n.status?.addresses, n.metadata.labels?.['kubelab.io/simulated'], Boolean(n.metadata.deletionTimestamp)]);
}
