/**
 * Routes to pod CIDRs: the desired set computed from Node objects, the difference against what a routing table
 * holds, and the kernel table itself through `ip route` (iproute2).
 *
 * Every route kubelab programs carries its own protocol number (`proto 213`, POD_ROUTE_PROTOCOL), so listing
 * and deleting touch only routes kubelab made, never the administrator's or another daemon's (flannel and
 * bird do the same with their own numbers).
 */
import type { Node } from '../api/core-v1.ts';
import { ipCommand } from './ip-command.ts';
import { canonicalCidr, cidrContainsCidr, parseIpv4 } from './ipv4-cidr.ts';

/** The rtnetlink protocol number of kubelab's pod routes (`ip route ... proto 213`). */
export const POD_ROUTE_PROTOCOL = 213;

/** Label the simulated nodes carry: they have no pods on a real network, so no route leads to them. */
export const SIMULATED_NODE_LABEL = 'kubelab.io/simulated';

/** `<destination> via <gateway>`; destination in canonical CIDR form. */
export interface Route {
  destination: string;
  gateway: string;
}

/** A routing table holding pod routes (the kernel's, or a fake in tests). */
export interface RouteTable {
  /** The pod routes present (only those this table manages). */
  list(): Promise<Route[]>;
  /** Adds the route, or points an existing route to the same destination at the new gateway. */
  replace(route: Route): Promise<void>;
  /** Removes the route; no error when it is already gone. */
  delete(route: Route): Promise<void>;
}

/** The node's InternalIP (IPv4), or undefined. */
export function nodeInternalIPv4(node: Node): string | undefined {
  return node.status?.addresses?.find((a) => a.type === 'InternalIP' && parseIpv4(a.address) !== undefined)?.address;
}

/** spec.podCIDRs, or [spec.podCIDR]; IPv4 blocks only, canonical. */
export function nodePodCidrsV4(node: Node): string[] {
  const list = node.spec?.podCIDRs?.length ? node.spec.podCIDRs : node.spec?.podCIDR ? [node.spec.podCIDR] : [];
  return list.map((c) => canonicalCidr(c)).filter((c): c is string => c !== undefined);
}

export function isSimulatedNode(node: Node): boolean {
  return node.metadata.labels?.[SIMULATED_NODE_LABEL] === 'true';
}

export interface DesiredRoutesOptions {
  /** Leave this node out (the agent's own CIDR is on its bridge, not behind a gateway). */
  exclude?: string;
  /** Only destinations inside this block (the cluster CIDR). */
  clusterCidr?: string;
}

/**
 * One route per pod CIDR of every real node with an InternalIP: `<podCIDR> via <InternalIP>`. Simulated nodes,
 * nodes being deleted and nodes without an address or CIDR are skipped. Should two nodes claim one CIDR (a
 * re-registration racing the IPAM controller), the newest Node object wins.
 */
export function desiredPodRoutes(nodes: Node[], o: DesiredRoutesOptions = {}): Route[] {
  const byDest = new Map<string, { route: Route; created: string }>();
  for (const node of nodes) {
    if (node.metadata.name === o.exclude || isSimulatedNode(node) || node.metadata.deletionTimestamp) continue;
    const gateway = nodeInternalIPv4(node);
    if (!gateway) continue;
    const created = node.metadata.creationTimestamp ?? '';
    for (const destination of nodePodCidrsV4(node)) {
      if (o.clusterCidr && !cidrContainsCidr(o.clusterCidr, destination)) continue;
      const prev = byDest.get(destination);
      if (!prev || created > prev.created) byDest.set(destination, { route: { destination, gateway }, created });
    }
  }
  return [...byDest.values()].map((v) => v.route).sort((a, b) => a.destination.localeCompare(b.destination));
}

/**
 * What to change so `current` becomes `desired`: routes to add or re-point (`replace`) and routes to remove
 * (destination no longer wanted). With `within`, only current routes inside that block are ever removed.
 */
export function planRoutes(desired: Route[], current: Route[], within?: string): { replace: Route[]; remove: Route[] } {
  const want = new Map(desired.map((r) => [r.destination, r]));
  const have = new Map<string, Route[]>();
  for (const r of current) have.set(r.destination, [...(have.get(r.destination) ?? []), r]);
  const replace = desired.filter((r) => !(have.get(r.destination) ?? []).some((h) => h.gateway === r.gateway) || (have.get(r.destination)?.length ?? 0) > 1);
  const remove: Route[] = [];
  for (const [dest, routes] of have) {
    if (within && !cidrContainsCidr(within, dest)) continue;
    const w = want.get(dest);
    for (const r of routes) if (!w || r.gateway !== w.gateway) remove.push(r);
  }
  return { replace, remove };
}

/** Applies a plan; returns the errors (one failed route does not stop the others). */
export async function applyRoutePlan(table: RouteTable, plan: { replace: Route[]; remove: Route[] }): Promise<Error[]> {
  const errors: Error[] = [];
  // Removals first: a re-pointed destination is replaced below, so no window without a route for it.
  for (const r of plan.remove) {
    if (plan.replace.some((x) => x.destination === r.destination)) continue;
    await table.delete(r).catch((e: Error) => errors.push(e));
  }
  for (const r of plan.replace) await table.replace(r).catch((e: Error) => errors.push(e));
  return errors;
}

export interface IpRouteTableOptions {
  /** Run inside this named network namespace (`ip -n`); default the current one. */
  netns?: string;
  /** @default POD_ROUTE_PROTOCOL */
  protocol?: number;
  /** @default 'ip' */
  ipBinary?: string;
}

/** The kernel's main IPv4 table through iproute2, restricted to routes of one protocol number. */
export class IpRouteTable implements RouteTable {
  readonly #o: IpRouteTableOptions;
  readonly #proto: string;

  constructor(options: IpRouteTableOptions = {}) {
    this.#o = options;
    this.#proto = String(options.protocol ?? POD_ROUTE_PROTOCOL);
  }

  #ip(args: string[]): Promise<string> {
    return ipCommand(args, { ...(this.#o.netns ? { netns: this.#o.netns } : {}), ...(this.#o.ipBinary ? { binary: this.#o.ipBinary } : {}) });
  }

  async list(): Promise<Route[]> {
    const out = await this.#ip(['-4', '-j', 'route', 'show', 'proto', this.#proto]);
    const rows = (out.trim() ? JSON.parse(out) : []) as { dst?: string; gateway?: string }[];
    const routes: Route[] = [];
    for (const row of rows) {
      const destination = row.dst ? canonicalCidr(row.dst) : undefined;
      if (destination && row.gateway) routes.push({ destination, gateway: row.gateway });
    }
    return routes;
  }

  async replace(route: Route): Promise<void> {
    await this.#ip(['-4', 'route', 'replace', route.destination, 'via', route.gateway, 'proto', this.#proto]);
  }

  async delete(route: Route): Promise<void> {
    try {
      await this.#ip(['-4', 'route', 'del', route.destination, 'via', route.gateway, 'proto', this.#proto]);
    } catch (err) {
      if (/No such process|not found/i.test((err as Error).message)) return;
      throw err;
    }
  }
}
