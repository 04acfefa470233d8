/**
 * nodes/proxy's ResourceLocation (kube-apiserver pkg/registry/core/node/strategy.go): the id is
 * `[scheme:]name[:port]`. Without a port, or with the node agent's own port
 * (status.daemonEndpoints.kubeletEndpoint.Port), the request goes to the agent's authenticated endpoint the
 * way pods/log does: its preferred address, https with the API server's kubelet client certificate when one
 * is configured (the agent then authorizes `nodes/proxy` for the caller through a SubjectAccessReview). Any
 * other port goes to that address with the requested scheme through the plain proxy transport, provided
 * the address is one kube may proxy to (a global unicast IP, or a name resolving only to such IPs:
 * 400 `address not allowed` otherwise).
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { newBadRequest } from '../../../../shared/errors/status-error.ts';
import { splitSchemeNamePort } from '../../../../shared/util/scheme-name-port.ts';
import { addressNotAllowed, INSECURE_PROXY_TLS, isGlobalUnicast, type ProxyLocation } from '../../../proxy/proxy-location.ts';
import { nodeLocation, nodeScheme, nodeTLSOptions, type PodProxyDeps } from '../pod/proxy-node.ts';

/** IsProxyableHostname: every address the name resolves to must be proxyable. */
async function checkProxyableHost(host: string): Promise<void> {
  if (isIP(host)) {
    if (!isGlobalUnicast(host)) throw addressNotAllowed();
    return;
  }
  let addrs: { address: string }[];
  try {
    addrs = await lookup(host, { all: true });
  } catch (e) {
    throw newBadRequest((e as Error).message);
  }
  if (addrs.length === 0) throw newBadRequest('No addresses for hostname');
  for (const a of addrs) if (!isGlobalUnicast(a.address)) throw addressNotAllowed();
}

/** Where `GET /api/v1/nodes/{id}/proxy/...` goes. */
export async function nodeProxyLocation(deps: PodProxyDeps, id: string): Promise<ProxyLocation> {
  const parsed = splitSchemeNamePort(id);
  if (!parsed) throw newBadRequest(`invalid node request ${JSON.stringify(id)}`);
  const info = await nodeLocation(deps, parsed.name);
  if (parsed.port === '' || parsed.port === String(info.port)) {
    const scheme = nodeScheme(deps);
    const tls = nodeTLSOptions(deps);
    return { scheme, host: info.host, port: info.port, ...(scheme === 'https' && tls ? { tls } : {}) };
  }
  await checkProxyableHost(info.host);
  if (!/^\d+$/.test(parsed.port)) throw newBadRequest(`invalid node request ${JSON.stringify(id)}`);
  const scheme = parsed.scheme === 'https' ? 'https' : 'http';
  return { scheme, host: info.host, port: Number(parsed.port), ...(scheme === 'https' ? { tls: INSECURE_PROXY_TLS } : {}) };
}
