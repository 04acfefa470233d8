import type { Route, RouteTable } from './route-table.ts';

/** An in-memory RouteTable (tests; also records every change). */
export class FakeRouteTable implements RouteTable {
  readonly routes = new Map<string, Route>();
  readonly calls: string[] = [];
  /** Gateways replace() refuses (as the kernel refuses a gateway on no connected network). */
  readonly unreachable = new Set<string>();

  async list(): Promise<Route[]> {
    return [...this.routes.values()];
  }

  async replace(route: Route): Promise<void> {
    this.calls.push(`replace ${route.destination} via ${route.gateway}`);
    if (this.unreachable.has(route.gateway)) throw new Error(`ip -4 route replace ${route.destination} via ${route.gateway} failed: Error: Nexthop has invalid gateway.`);
    this.routes.set(route.destination, { ...route });
  }

  async delete(route: Route): Promise<void> {
    this.calls.push(`delete ${route.destination} via ${route.gateway}`);
    const r = this.routes.get(route.destination);
    if (r && r.gateway === route.gateway) this.routes.delete(route.destination);
  }
}
