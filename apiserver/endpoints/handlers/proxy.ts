/**
 * The `proxy` subresources of pods, services and nodes (kube's ProxyREST Connect: the Redirector's location
 * plus the path after `/proxy`, served by an UpgradeAwareHandler). Every method is proxied (GET, HEAD, POST,
 * PUT, PATCH, DELETE, OPTIONS); authorization already happened on the request's verb (get, create, update,
 * patch, delete) for `<resource>/proxy`. Upgrades (WebSocket, SPDY) arrive through the server's upgrade path
 * and are relayed on the raw sockets.
 */
import type { RequestContext, ServedResource, SubresourceHandler, UpgradeHandler } from '../request-context.ts';
import type { UpgradeHooks } from '../../server/server.ts';
import { joinPreservingTrailingSlash, unescapePath, type ProxyLocation } from '../../proxy/proxy-location.ts';
import { proxyHTTP, proxyUpgrade, type ProxyRequest } from '../../proxy/upgrade-aware-handler.ts';
import { podProxyLocation, type PodGetter } from '../../registry/core/pod/proxy-location.ts';
import { serviceProxyLocation, type ObjectGetter } from '../../registry/core/service/proxy-location.ts';
import { nodeProxyLocation } from '../../registry/core/node/proxy-location.ts';
import type { KubeletClientTLS } from '../../registry/core/pod/proxy-node.ts';
import type { GenericStore } from '../../registry/generic/store.ts';

/** Resolves the backend of a request from its namespace and `[scheme:]name[:port]` id. */
export type ProxyLocator = (namespace: string, id: string) => Promise<ProxyLocation>;

/**
 * The backend path of a request: what follows `/proxy` (decoded), with a leading slash, keeping a trailing
 * one (rest.go getRequestOptions + JoinPreservingTrailingSlash). `""` for `.../proxy` itself.
 */
export function proxySubpath(parts: readonly string[], requestPath: string): string {
  let p = parts.slice(3).join('/');
  if (p.length > 0 && !p.startsWith('/')) p = `/${p}`;
  if (requestPath.endsWith('/') && !p.endsWith('/')) p += '/';
  return joinPreservingTrailingSlash('', p);
}

function proxyRequest(ctx: RequestContext, location: ProxyLocation): ProxyRequest {
  const target = ctx.req.url ?? '/';
  const q = target.indexOf('?');
  const rawPath = q >= 0 ? target.slice(0, q) : target;
  const requestPath = unescapePath(rawPath);
  return { location, path: proxySubpath(ctx.info.parts, requestPath), rawQuery: q >= 0 ? target.slice(q + 1) : '', requestPath, signal: ctx.signal };
}

/** The plain-HTTP handler and the upgrade handler of one `proxy` subresource. */
export function proxySubresource(locate: ProxyLocator): { handler: SubresourceHandler; upgrade: UpgradeHandler & UpgradeHooks } {
  const handler: SubresourceHandler = async (ctx) => {
    const location = await locate(ctx.info.namespace, ctx.info.name);
    await proxyHTTP(ctx.req, ctx.res, proxyRequest(ctx, location));
  };
  const located = new WeakMap<RequestContext, ProxyLocation>();
  const upgrade: UpgradeHandler & UpgradeHooks = async () => {
    throw new Error('proxy upgrades are relayed on the raw socket');
  };
  upgrade.prepare = async (ctx) => {
    located.set(ctx, await locate(ctx.info.namespace, ctx.info.name));
  };
  upgrade.raw = async (ctx, socket, head) => {
    const location = located.get(ctx);
    if (!location) throw new Error('proxy: upgrade without prepare');
    await proxyUpgrade(ctx.req, socket, head, proxyRequest(ctx, location));
  };
  return { handler, upgrade };
}

/** What the three proxy subresources read. */
export interface ProxySubresourceDeps {
  pods: GenericStore;
  nodes: GenericStore;
  services?: GenericStore;
  /** The Endpoints store, looked up per request (absent while Endpoints are not served). */
  endpoints: () => ObjectGetter | undefined;
  kubeletTLS: () => KubeletClientTLS | undefined;
  /** See PodProxyLocationOptions.allowLoopback (tests only). */
  allowLoopback: () => boolean;
}

function install(served: ServedResource | undefined, locate: ProxyLocator): void {
  if (!served) return;
  const { handler, upgrade } = proxySubresource(locate);
  served.subresources = { ...(served.subresources ?? {}), proxy: handler };
  served.upgrades = { ...(served.upgrades ?? {}), proxy: upgrade };
}

/** Serves pods/proxy, services/proxy and nodes/proxy on the resources `lookup` returns. */
export function installProxySubresources(lookup: (group: string, version: string, resource: string) => ServedResource | undefined, deps: ProxySubresourceDeps): void {
  const pods: PodGetter = deps.pods;
  install(lookup('', 'v1', 'pods'), (ns, id) => podProxyLocation(pods, ns, id, { allowLoopback: deps.allowLoopback() }));
  const services = deps.services;
  if (services) install(lookup('', 'v1', 'services'), (ns, id) => serviceProxyLocation({ services, pods: deps.pods, endpoints: deps.endpoints }, ns, id));
  install(lookup('', 'v1', 'nodes'), (_ns, id) => nodeProxyLocation({ pods: deps.pods, nodes: deps.nodes, kubeletTLS: deps.kubeletTLS }, id));
}
