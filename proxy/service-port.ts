/**
 * What the proxy needs of a Service, one entry per Service port (upstream pkg/proxy/serviceport.go and
 * service.go: BaseServicePortInfo). Pure functions: the proxier computes these from its informer caches on
 * every sync.
 */
import { isIP } from 'node:net';
import type { Service, ServicePort } from '../shared/api/core-v1.ts';

/** The transport protocol in nft spelling. */
export type L4Protocol = 'tcp' | 'udp' | 'sctp';

/** Default sessionAffinityConfig.clientIP.timeoutSeconds (v1.DefaultClientIPServiceAffinitySeconds). */
export const DEFAULT_CLIENT_IP_AFFINITY_SECONDS = 10800;

export interface ServicePortInfo {
  /** "namespace/name:portName" (upstream ServicePortName.String(); the port name may be empty). */
  name: string;
  namespace: string;
  serviceName: string;
  portName: string;
  protocol: L4Protocol;
  clusterIP: string;
  port: number;
  /** 0 when the port has none. */
  nodePort: number;
  externalIPs: string[];
  loadBalancerIPs: string[];
  /** Seconds of ClientIP affinity; 0 when sessionAffinity is None. */
  stickyMaxAgeSeconds: number;
  /** externalTrafficPolicy Local on an externally reachable port (NodePort, external IP or load balancer IP). */
  externalPolicyLocal: boolean;
  /** internalTrafficPolicy Local. */
  internalPolicyLocal: boolean;
}

/** "namespace/name:portName", the key endpoints and service ports are matched by. */
export function servicePortName(namespace: string, name: string, portName: string | undefined): string {
  return `${namespace}/${name}:${portName ?? ''}`;
}

export function l4Protocol(p: ServicePort['protocol']): L4Protocol {
  return p === 'UDP' ? 'udp' : p === 'SCTP' ? 'sctp' : 'tcp';
}

/**
 * The proxied ports of one Service: none for ExternalName and headless Services (nothing to route) or a
 * Service without an IPv4 ClusterIP (this proxier programs IPv4 only).
 */
export function servicePortsFor(svc: Service): ServicePortInfo[] {
  const spec = svc.spec;
  if (!spec || spec.type === 'ExternalName') return [];
  const clusterIP = spec.clusterIP ?? '';
  if (clusterIP === '' || clusterIP === 'None' || isIP(clusterIP) !== 4) return [];
  const namespace = svc.metadata.namespace ?? 'default';
  const name = svc.metadata.name ?? '';
  const externalIPs = (spec.externalIPs ?? []).filter((ip) => isIP(ip) === 4);
  const loadBalancerIPs = spec.type === 'LoadBalancer'
    ? (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? '').filter((ip) => isIP(ip) === 4)
    : [];
  const sticky = spec.sessionAffinity === 'ClientIP'
    ? spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_CLIENT_IP_AFFINITY_SECONDS
    : 0;
  const out: ServicePortInfo[] = [];
  for (const p of spec.ports ?? []) {
    const nodePort = spec.type === 'NodePort' || spec.type === 'LoadBalancer' ? p.nodePort ?? 0 : 0;
    const externallyAccessible = nodePort !== 0 || externalIPs.length > 0 || loadBalancerIPs.length > 0;
    out.push({
      name: servicePortName(namespace, name, p.name),
      namespace,
      serviceName: name,
      portName: p.name ?? '',
      protocol: l4Protocol(p.protocol),
      clusterIP,
      port: p.port,
      nodePort,
      externalIPs,
      loadBalancerIPs,
      stickyMaxAgeSeconds: sticky,
      externalPolicyLocal: externallyAccessible && spec.externalTrafficPolicy === 'Local',
      internalPolicyLocal: spec.internalTrafficPolicy === 'Local',
    });
  }
  return out;
}

/** Reachable from outside the cluster: a NodePort, an external IP or a load balancer IP. */
export function externallyAccessible(sp: ServicePortInfo): boolean {
  return sp.nodePort !== 0 || sp.externalIPs.length > 0 || sp.loadBalancerIPs.length > 0;
}

/** Some traffic of this port goes to endpoints on any node (upstream UsesClusterEndpoints). */
export function usesClusterEndpoints(sp: ServicePortInfo): boolean {
  return !sp.internalPolicyLocal || (externallyAccessible(sp) && !sp.externalPolicyLocal);
}

/** Some traffic of this port goes only to this node's endpoints (upstream UsesLocalEndpoints). */
export function usesLocalEndpoints(sp: ServicePortInfo): boolean {
  return sp.internalPolicyLocal || sp.externalPolicyLocal;
}
