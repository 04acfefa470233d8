import type { KubeObject } from '../../shared/api/meta.ts';
import {
  OBJECT_META_CREATION_TIMESTAMP,
  OBJECT_META_NAME,
  SERVICE_SPEC_CLUSTER_IP,
  SERVICE_SPEC_EXTERNAL_IPS,
  SERVICE_SPEC_PORTS,
  SERVICE_SPEC_SELECTOR,
  SERVICE_SPEC_TYPE,
} from './column-descriptions.ts';
import { translateTimestampSince } from './human-duration.ts';
import { column, type PrintedRow, type ResourcePrinter } from './table.ts';

/** `kubectl get services`: printService in pkg/printers/internalversion/printers.go (server side = wide). */

interface ServiceLike {
  spec?: {
    type?: string;
    clusterIP?: string;
    clusterIPs?: string[];
    externalIPs?: string[];
    externalName?: string;
    ports?: { port?: number; nodePort?: number; protocol?: string }[];
    selector?: Record<string, string>;
  };
  status?: { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } };
}

export const SERVICE_COLUMNS = [
  column('Name', 'string', OBJECT_META_NAME, { format: 'name' }),
  column('Type', 'string', SERVICE_SPEC_TYPE),
  column('Cluster-IP', 'string', SERVICE_SPEC_CLUSTER_IP),
  column('External-IP', 'string', SERVICE_SPEC_EXTERNAL_IPS),
  column('Port(s)', 'string', SERVICE_SPEC_PORTS),
  column('Age', 'string', OBJECT_META_CREATION_TIMESTAMP),
  column('Selector', 'string', SERVICE_SPEC_SELECTOR, { priority: 1 }),
] as const;

/** labels.FormatLabels: `k=v` pairs sorted by key, comma separated; `<none>` when empty. */
export function formatLabels(labels: Record<string, string> | undefined): string {
  const keys = Object.keys(labels ?? {}).sort();
  if (keys.length === 0) return '<none>';
  return keys.map((k) => `${k}=${labels![k]}`).join(',');
}

/** loadBalancerStatusStringer with wide=true (never clipped): sorted, de-duplicated IPs or hostnames. */
function loadBalancerIngress(svc: ServiceLike): string {
  const result = new Set<string>();
  for (const ing of svc.status?.loadBalancer?.ingress ?? []) {
    if (ing.ip) result.add(ing.ip);
    else if (ing.hostname) result.add(ing.hostname);
  }
  return [...result].sort().join(',');
}

/**
 * The type as stored; kube-apiserver defaults an absent type to ClusterIP before anything is printed, so an
 * undefaulted object prints the same as a defaulted one.
 */
function serviceType(svc: ServiceLike): string {
  return svc.spec?.type || 'ClusterIP';
}

/** getServiceExternalIP. */
function externalIP(svc: ServiceLike): string {
  const externalIPs = svc.spec?.externalIPs ?? [];
  switch (serviceType(svc)) {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length > 0 ? externalIPs.join(',') : '<none>';
    case 'LoadBalancer': {
      const lbIps = loadBalancerIngress(svc);
      if (externalIPs.length > 0) {
        const results: string[] = lbIps.length > 0 ? lbIps.split(',') : [];
        return [...results, ...externalIPs].join(',');
      }
      return lbIps.length > 0 ? lbIps : '<pending>';
    }
    case 'ExternalName':
      return svc.spec?.externalName ?? '';
    default:
      return '<unknown>';
  }
}

/** makePortString: `80/TCP`, `80:30080/TCP`, comma separated. The protocol defaults to TCP as the API does. */
function portString(svc: ServiceLike): string {
  return (svc.spec?.ports ?? [])
    .map((p) => {
      const protocol = p.protocol || 'TCP';
      return p.nodePort && p.nodePort > 0 ? `${p.port ?? 0}:${p.nodePort}/${protocol}` : `${p.port ?? 0}/${protocol}`;
    })
    .join(',');
}

function printService(obj: KubeObject, now: number): PrintedRow {
  const svc = obj as ServiceLike;
  // The internal type only has ClusterIPs; conversion from v1 fills it from clusterIP when clusterIPs is empty.
  let clusterIP = svc.spec?.clusterIPs?.[0] ?? '';
  if (!svc.spec?.clusterIPs?.length && svc.spec?.clusterIP) clusterIP = svc.spec.clusterIP;
  return {
    cells: [
      obj.metadata.name ?? '',
      serviceType(svc),
      clusterIP || '<none>',
      externalIP(svc),
      portString(svc) || '<none>',
      translateTimestampSince(obj.metadata.creationTimestamp, now),
      formatLabels(svc.spec?.selector),
    ],
  };
}

export const servicePrinter: ResourcePrinter = { columns: SERVICE_COLUMNS, print: printService };
