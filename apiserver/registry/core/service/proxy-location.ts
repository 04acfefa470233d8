/**
 * services/proxy's ResourceLocation (kube-apiserver pkg/registry/core/service/storage/storage.go): the id is
 * `[scheme:]name[:port]`. A port *number* is first mapped to the name of the Service port with that number
 * (503 `no service port 8080 found for service "web"` when there is none); a port name, or `""` for an
 * unnamed port, is then looked for in the Service's Endpoints: a random subset that has a port of that name
 * and ready addresses, and in it a random address whose targetRef is a pod of the same namespace that still
 * has that IP. None: 503 `no endpoints available for service "web"` (an Endpoints object without subsets
 * names the service, the final failure the whole id, as upstream). The Endpoints object itself missing is
 * its 404 (`endpoints "web" not found`), which is also what an ExternalName Service answers.
 */
import type { EndpointAddress, Endpoints, Pod, Service } from '../../../../shared/api/core-v1.ts';
import { newBadRequest, newNotFound, newServiceUnavailable } from '../../../../shared/errors/status-error.ts';
import { splitSchemeNamePort } from '../../../../shared/util/scheme-name-port.ts';
import { INSECURE_PROXY_TLS, type ProxyLocation } from '../../../proxy/proxy-location.ts';

/** Reads an object of one resource (a GenericStore, or a fake in tests). */
export interface ObjectGetter {
  get(namespace: string | undefined, name: string): Promise<unknown>;
}

export interface ServiceProxyDeps {
  services: ObjectGetter;
  /** The Endpoints of a Service; undefined when the API server does not serve Endpoints. */
  endpoints: () => ObjectGetter | undefined;
  pods: ObjectGetter;
  /** A random integer in [0, n) (injected by tests). */
  randomInt?: (n: number) => number;
}

const defaultRandomInt = (n: number) => Math.floor(Math.random() * n);

/** isValidAddress: the address belongs to a pod of this namespace that has that IP. */
async function isValidAddress(deps: ServiceProxyDeps, namespace: string, addr: EndpointAddress): Promise<boolean> {
  const ref = addr.targetRef;
  if (!ref || ref.namespace !== namespace || !ref.name) return false;
  try {
    const pod = (await deps.pods.get(namespace, ref.name)) as Pod;
    const ips = pod.status?.podIPs?.map((p) => p.ip) ?? (pod.status?.podIP ? [pod.status.podIP] : []);
    return ips.includes(addr.ip);
  } catch {
    return false;
  }
}

/** Where `GET .../services/{id}/proxy/...` goes. */
export async function serviceProxyLocation(deps: ServiceProxyDeps, namespace: string, id: string): Promise<ProxyLocation> {
  const parsed = splitSchemeNamePort(id);
  if (!parsed) throw newBadRequest(`invalid service request ${JSON.stringify(id)}`);
  const { name } = parsed;
  let portName = parsed.port;
  if (/^[+-]?\d+$/.test(portName)) {
    const portNum = Number(portName);
    const svc = (await deps.services.get(namespace, name)) as Service;
    const found = svc.spec?.ports?.find((p) => p.port === portNum);
    if (!found) throw newServiceUnavailable(`no service port ${portNum} found for service ${JSON.stringify(name)}`);
    portName = found.name ?? '';
  }
  const endpointsStore = deps.endpoints();
  if (!endpointsStore) throw newNotFound('endpoints', name);
  const eps = (await endpointsStore.get(namespace, name)) as Endpoints;
  const subsets = eps.subsets ?? [];
  if (subsets.length === 0) throw newServiceUnavailable(`no endpoints available for service ${JSON.stringify(name)}`);
  const rand = deps.randomInt ?? defaultRandomInt;
  const ssSeed = rand(subsets.length);
  for (let i = 0; i < subsets.length; i++) {
    const ss = subsets[(ssSeed + i) % subsets.length];
    const addresses = ss?.addresses ?? [];
    if (addresses.length === 0) continue;
    for (const port of ss?.ports ?? []) {
      if ((port.name ?? '') !== portName) continue;
      const addrSeed = rand(addresses.length);
      for (let t = 0; t < addresses.length; t++) {
        const addr = addresses[(addrSeed + t) % addresses.length];
        if (!addr || !(await isValidAddress(deps, namespace, addr))) continue;
        const scheme = parsed.scheme === 'https' ? 'https' : 'http';
        return { scheme, host: addr.ip, port: port.port, ...(scheme === 'https' ? { tls: INSECURE_PROXY_TLS } : {}) };
      }
    }
  }
  throw newServiceUnavailable(`no endpoints available for service ${JSON.stringify(id)}`);
}
