/**
 * The Service environment variables kubelet gives every container (pkg/kubelet/envvars/envvars.go FromServices,
 * kubelet_pods.go getServiceEnvVarMap): for each Service with a ClusterIP, `{NAME}_SERVICE_HOST`,
 * `{NAME}_SERVICE_PORT` (first port), `{NAME}_SERVICE_PORT_{PORTNAME}` (named ports), and the Docker link
 * variables `{NAME}_PORT`, `{NAME}_PORT_{port}_{PROTO}` with `_PROTO`, `_PORT`, `_ADDR`.
 *
 * Which Services: `kubernetes` of the default namespace always; the pod's own namespace's when
 * enableServiceLinks (default true).
 */
import type { Service } from '../../shared/api/core-v1.ts';

/** Services whose variables every pod gets, from the default namespace (kubelet's masterServices). */
const MASTER_SERVICES = new Set(['kubernetes']);

/** makeEnvVariableName: upper case, '-' to '_'. */
export function makeEnvVariableName(s: string): string {
  return s.replace(/-/g, '_').toUpperCase();
}

/** IsServiceIPSet: a ClusterIP that is neither empty nor "None". */
const isServiceIPSet = (svc: Service): boolean => !!svc.spec?.clusterIP && svc.spec.clusterIP !== 'None';

const joinHostPort = (host: string, port: number): string => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);

/** FromServices: the variables of these Services, in kubelet's order (Services in the order given). */
export function envVarsFromServices(services: Service[]): { name: string; value: string }[] {
  const out: { name: string; value: string }[] = [];
  for (const svc of services) {
    if (!isServiceIPSet(svc)) continue;
    const ports = svc.spec?.ports ?? [];
    const ip = svc.spec?.clusterIP ?? '';
    const prefix = makeEnvVariableName(svc.metadata.name ?? '');
    out.push({ name: `${prefix}_SERVICE_HOST`, value: ip });
    const first = ports[0];
    if (!first) continue;
    const portName = `${prefix}_SERVICE_PORT`;
    out.push({ name: portName, value: String(first.port) });
    for (const p of ports) if (p.name) out.push({ name: `${portName}_${makeEnvVariableName(p.name)}`, value: String(p.port) });
    // Docker-compatible link variables.
    ports.forEach((p, i) => {
      const protocol = p.protocol || 'TCP';
      const url = `${protocol.toLowerCase()}://${joinHostPort(ip, p.port)}`;
      if (i === 0) out.push({ name: `${prefix}_PORT`, value: url });
      const pp = `${prefix}_PORT_${p.port}_${protocol.toUpperCase()}`;
      out.push({ name: pp, value: url }, { name: `${pp}_PROTO`, value: protocol.toLowerCase() }, { name: `${pp}_PORT`, value: String(p.port) }, { name: `${pp}_ADDR`, value: ip });
    });
  }
  return out;
}

/**
 * getServiceEnvVarMap: the variables a pod of namespace ns gets from these Services (all Services of the
 * cluster the agent knows): the default namespace's `kubernetes` always, the namespace's own Services with
 * enableServiceLinks. A same-named Service of the pod's namespace wins over `kubernetes` of default.
 */
export function serviceEnvVarMap(services: Service[], ns: string, enableServiceLinks: boolean): Map<string, string> {
  const byName = new Map<string, Service>();
  for (const svc of services) {
    if (!isServiceIPSet(svc)) continue;
    const name = svc.metadata.name ?? '';
    if (svc.metadata.namespace === 'default' && MASTER_SERVICES.has(name)) {
      if (!byName.has(name)) byName.set(name, svc);
    } else if (svc.metadata.namespace === ns && enableServiceLinks) {
      byName.set(name, svc);
    }
  }
  const sorted = [...byName.values()].sort((a, b) => ((a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1));
  return new Map(envVarsFromServices(sorted).map((e) => [e.name, e.value]));
}
