/**
 * pods/proxy's ResourceLocation (kube-apiserver pkg/registry/core/pod/strategy.go ResourceLocation): the id is
 * `[scheme:]name[:port]`; the port, when absent, is the first declared container port (none: the scheme's
 * default); the address is the pod's primary IP (status.podIPs[0]), which must be a global unicast address
 * (400 `address not allowed` otherwise: no IP yet, loopback, link-local).
 *
 * One addition to upstream: a port given by name is looked up among the pod's container ports (upstream
 * leaves the name to the Go dialer, which only knows /etc/services names); `http`/`https` not declared by
 * the pod still mean 80/443 as they do there.
 */
import type { Pod } from '../../../../shared/api/core-v1.ts';
import { newBadRequest, newServiceUnavailable } from '../../../../shared/errors/status-error.ts';
import { splitSchemeNamePort } from '../../../../shared/util/scheme-name-port.ts';
import { addressNotAllowed, INSECURE_PROXY_TLS, isGlobalUnicast, type ProxyLocation } from '../../../proxy/proxy-location.ts';

/** Reads pods (the pods store, or a fake in tests). */
export interface PodGetter {
  get(namespace: string | undefined, name: string): Promise<unknown>;
}

export interface PodProxyLocationOptions {
  /**
   * Also accept loopback pod IPs (tests whose "pods" are listeners on 127.0.0.1). Never set by
   * `kubelab apiserver`: kube refuses them.
   */
  allowLoopback?: boolean;
}

/** status.podIPs[0], falling back to status.podIP (getPodIP). */
export function primaryPodIP(pod: Pod): string {
  return pod.status?.podIPs?.[0]?.ip ?? pod.status?.podIP ?? '';
}

const WELL_KNOWN_PORTS: Readonly<Record<string, number>> = { http: 80, https: 443 };

/** A port from the id: a number, a container port name of the pod, or http/https. */
export function resolvePodPort(pod: Pod, port: string): number | undefined {
  if (port === '') {
    for (const c of pod.spec?.containers ?? []) {
      const first = c.ports?.[0];
      if (first) return first.containerPort;
    }
    return undefined;
  }
  if (/^\d+$/.test(port)) return Number(port);
  for (const c of [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])]) {
    const p = c.ports?.find((x) => x.name === port);
    if (p) return p.containerPort;
  }
  const known = WELL_KNOWN_PORTS[port];
  if (known !== undefined) return known;
  // What Go's dialer answers for a port name it cannot resolve, surfaced the way the proxy transport does.
  throw newServiceUnavailable(`error trying to reach service: dial tcp: lookup tcp/${port}: unknown port`);
}

/** Where `GET .../pods/{id}/proxy/...` goes. */
export async function podProxyLocation(pods: PodGetter, namespace: string, id: string, opts: PodProxyLocationOptions = {}): Promise<ProxyLocation> {
  const parsed = splitSchemeNamePort(id);
  if (!parsed) throw newBadRequest(`invalid pod request ${JSON.stringify(id)}`);
  const pod = (await pods.get(namespace, parsed.name)) as Pod;
  const ip = primaryPodIP(pod);
  const allowed = isGlobalUnicast(ip) || (opts.allowLoopback === true && (ip.startsWith('127.') || ip === '::1'));
  if (!allowed) throw addressNotAllowed();
  const port = resolvePodPort(pod, parsed.port);
  const scheme = parsed.scheme === 'https' ? 'https' : 'http';
  return { scheme, host: ip, ...(port !== undefined ? { port } : {}), ...(scheme === 'https' ? { tls: INSECURE_PROXY_TLS } : {}) };
}
