/**
 * EndpointSlices -> the endpoints of every Service port (upstream pkg/proxy/endpointslicecache.go), and the
 * split of a port's endpoints by traffic policy (pkg/proxy/topology.go, CategorizeEndpoints, with the
 * KEP-1669 fallback to serving terminating endpoints). Pure functions.
 */
import { isIP } from 'node:net';
import type { EndpointSlice } from '../shared/api/discovery-v1.ts';
import { LABEL_SERVICE_NAME } from '../shared/api/discovery-v1.ts';
import { l4Protocol, servicePortName, usesClusterEndpoints, usesLocalEndpoints, type L4Protocol, type ServicePortInfo } from './service-port.ts';

export interface EndpointInfo {
  ip: string;
  port: number;
  /** conditions.ready (nil means ready). */
  ready: boolean;
  /** conditions.serving (nil means the value of ready). */
  serving: boolean;
  /** conditions.terminating (nil means false). */
  terminating: boolean;
  /** nodeName is this proxy's node. */
  isLocal: boolean;
}

/** "ip:port", how endpoints are named in chain names and compared. */
export function endpointString(ep: Pick<EndpointInfo, 'ip' | 'port'>): string {
  return `${ep.ip}:${ep.port}`;
}

/** Key of the endpoints map: service port name plus protocol (two ports may share a name across protocols). */
export function endpointsKey(name: string, protocol: L4Protocol): string {
  return `${name}/${protocol}`;
}

/**
 * The endpoints of every service port, from all IPv4 EndpointSlices: keyed by endpointsKey(), each list sorted
 * by ip:port with duplicates (an address in two slices of one Service) merged, a ready copy winning.
 */
export function buildEndpointsMap(slices: Iterable<EndpointSlice>, hostname: string): Map<string, EndpointInfo[]> {
  const byKey = new Map<string, Map<string, EndpointInfo>>();
  // Slice order must not change the result: walk them by name.
  const sorted = [...slices].sort((a, b) => sliceId(a).localeCompare(sliceId(b)));
  for (const slice of sorted) {
    if (slice.addressType !== 'IPv4') continue;
    const svc = slice.metadata.labels?.[LABEL_SERVICE_NAME];
    if (!svc) continue;
    const namespace = slice.metadata.namespace ?? 'default';
    for (const port of slice.ports ?? []) {
      if (port.port === undefined || port.port === null) continue;
      const key = endpointsKey(servicePortName(namespace, svc, port.name), l4Protocol(port.protocol));
      let eps = byKey.get(key);
      if (!eps) byKey.set(key, (eps = new Map()));
      for (const ep of slice.endpoints ?? []) {
        const ip = ep.addresses?.[0];
        if (!ip || isIP(ip) !== 4) continue;
        const ready = ep.conditions?.ready ?? true;
        const info: EndpointInfo = {
          ip,
          port: port.port,
          ready,
          serving: ep.conditions?.serving ?? ready,
          terminating: ep.conditions?.terminating ?? false,
          isLocal: ep.nodeName !== undefined && ep.nodeName === hostname,
        };
        const id = endpointString(info);
        const prev = eps.get(id);
        if (!prev || (!prev.ready && info.ready)) eps.set(id, info);
      }
    }
  }
  const out = new Map<string, EndpointInfo[]>();
  for (const [key, eps] of byKey) {
    if (eps.size === 0) continue;
    out.set(key, [...eps.values()].sort(compareEndpoints));
  }
  return out;
}

function sliceId(s: EndpointSlice): string {
  return `${s.metadata.namespace ?? ''}/${s.metadata.name ?? ''}`;
}

/** Numeric order of IPv4 addresses, then port: stable rule text between syncs. */
export function compareEndpoints(a: EndpointInfo, b: EndpointInfo): number {
  const pa = a.ip.split('.').map(Number);
  const pb = b.ip.split('.').map(Number);
  for (let i = 0; i < 4; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return a.port - b.port;
}

export interface CategorizedEndpoints {
  /** Endpoints for traffic under the Cluster policy (ready ones, else serving terminating ones). */
  clusterEndpoints: EndpointInfo[];
  /** This node's endpoints for traffic under the Local policy (ready, else serving terminating). */
  localEndpoints: EndpointInfo[];
  /** Union of both: every endpoint a chain is written for. */
  allReachableEndpoints: EndpointInfo[];
  /** Some usable endpoint exists anywhere in the cluster. */
  hasAnyEndpoints: boolean;
}

/** Upstream CategorizeEndpoints without topology hints (kubelab nodes carry no zones). */
export function categorizeEndpoints(endpoints: EndpointInfo[], sp: ServicePortInfo): CategorizedEndpoints {
  let clusterEndpoints: EndpointInfo[] = [];
  let localEndpoints: EndpointInfo[] = [];
  let hasAnyEndpoints = false;
  if (usesClusterEndpoints(sp)) {
    clusterEndpoints = endpoints.filter((ep) => ep.ready);
    // KEP-1669: with no ready endpoint anywhere, fall back to the ones still serving while terminating.
    if (clusterEndpoints.length === 0) clusterEndpoints = endpoints.filter((ep) => ep.serving && ep.terminating);
    hasAnyEndpoints = clusterEndpoints.length > 0;
  }
  if (!usesLocalEndpoints(sp)) return { clusterEndpoints, localEndpoints, allReachableEndpoints: clusterEndpoints, hasAnyEndpoints };

  let hasLocalReady = false;
  let hasLocalServingTerminating = false;
  for (const ep of endpoints) {
    if (ep.ready) {
      hasAnyEndpoints = true;
      if (ep.isLocal) hasLocalReady = true;
    } else if (ep.serving && ep.terminating) {
      hasAnyEndpoints = true;
      if (ep.isLocal) hasLocalServingTerminating = true;
    }
  }
  if (hasLocalReady) localEndpoints = endpoints.filter((ep) => ep.isLocal && ep.ready);
  else if (hasLocalServingTerminating) localEndpoints = endpoints.filter((ep) => ep.isLocal && ep.serving && ep.terminating);

  if (!usesClusterEndpoints(sp)) return { clusterEndpoints, localEndpoints, allReachableEndpoints: localEndpoints, hasAnyEndpoints };
  const seen = new Set(clusterEndpoints.map(endpointString));
  const all = [...clusterEndpoints];
  for (const ep of localEndpoints) if (!seen.has(endpointString(ep))) all.push(ep);
  return { clusterEndpoints, localEndpoints, allReachableEndpoints: all, hasAnyEndpoints };
}
