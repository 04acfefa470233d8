/**
 * What pods/log, pods/exec and pods/attach share on the way to the node agent (kube-apiserver
 * pkg/registry/core/pod/strategy.go LogLocation/streamLocation/validateContainer, pkg/kubelet/client
 * NodeConnectionInfoGetter, apiserver genericrest GenericHttpResponseChecker).
 */
import type { Node, Pod } from '../../../../shared/api/core-v1.ts';
import type { Status } from '../../../../shared/api/meta.ts';
import { StatusError, newBadRequest, newGenericServerResponse, newInternalError, newStatus } from '../../../../shared/errors/status-error.ts';
import type { GenericStore } from '../../generic/store.ts';

/**
 * How the API server reaches node agents (--kubelet-client-certificate, --kubelet-client-key,
 * --kubelet-certificate-authority): HTTPS with this client certificate, the agent's serving certificate
 * verified against `ca` and against the address dialled (its IP or DNS SAN). Without it (the loopback
 * development server, tests) agents are reached over plain HTTP.
 */
export interface KubeletClientTLS {
  cert?: Buffer;
  key?: Buffer;
  /** Absent: the agent's certificate is not verified (kube-apiserver without --kubelet-certificate-authority). */
  ca?: Buffer;
}

/** The stores the streaming subresources read, and how to reach agents. */
export interface PodProxyDeps {
  pods: GenericStore;
  nodes: GenericStore;
  /** Read at each request (set after the registry is built). */
  kubeletTLS?: () => KubeletClientTLS | undefined;
}

/** `https` when the API server has kubelet client TLS configured (never falls back to http then). */
export function nodeScheme(deps: PodProxyDeps): 'http' | 'https' {
  return deps.kubeletTLS?.() ? 'https' : 'http';
}

/** TLS options for node:https / ws towards an agent. */
export function nodeTLSOptions(deps: PodProxyDeps): { cert?: Buffer; key?: Buffer; ca?: Buffer; rejectUnauthorized: boolean } | undefined {
  const t = deps.kubeletTLS?.();
  if (!t) return undefined;
  return { ...(t.cert ? { cert: t.cert } : {}), ...(t.key ? { key: t.key } : {}), ...(t.ca ? { ca: t.ca } : {}), rejectUnauthorized: Boolean(t.ca) };
}

/** kubelet's default port, used when the Node does not report daemonEndpoints.kubeletEndpoint.Port. */
export const DEFAULT_NODE_AGENT_PORT = 10250;

/**
 * The address types tried in order. kube-apiserver's default (--kubelet-preferred-address-types) puts Hostname
 * first; kubelab nodes are addressed by IP (node agents in network namespaces have no resolvable hostname), so
 * InternalIP comes first.
 */
export const PREFERRED_ADDRESS_TYPES = ['InternalIP', 'ExternalIP', 'InternalDNS', 'ExternalDNS', 'Hostname'] as const;

/** Where a node's agent listens. */
export interface NodeLocation {
  host: string;
  port: number;
  /** `host:port`, with IPv6 hosts bracketed. */
  hostPort: string;
}

/** All container names of the pod (init, regular, ephemeral: podutil.VisitContainers order). */
export function podContainerNames(pod: Pod): string[] {
  return [
    ...(pod.spec?.initContainers ?? []).map((c) => c.name),
    ...(pod.spec?.containers ?? []).map((c) => c.name),
    ...(pod.spec?.ephemeralContainers ?? []).map((c) => c.name),
  ];
}

/**
 * validateContainer: an empty name means the only container, else 400 `a container name must be specified for
 * pod web, choose one of: [a b]`; a name the pod does not have is 400 `container nope is not valid for pod web`.
 */
export function validateContainer(container: string, pod: Pod): string {
  const name = pod.metadata.name ?? '';
  if (!container) {
    const containers = pod.spec?.containers ?? [];
    if (containers.length === 1) return containers[0]?.name ?? '';
    if (containers.length === 0) throw newBadRequest(`a container name must be specified for pod ${name}`);
    throw newBadRequest(`a container name must be specified for pod ${name}, choose one of: [${podContainerNames(pod).join(' ')}]`);
  }
  if (!podContainerNames(pod).includes(container)) throw newBadRequest(`container ${container} is not valid for pod ${name}`);
  return container;
}

export async function getPod(deps: PodProxyDeps, namespace: string, name: string): Promise<Pod> {
  return (await deps.pods.get(namespace, name)) as Pod;
}

/** The node agent's address from the Node object (404 when the node does not exist). */
export async function nodeLocation(deps: PodProxyDeps, nodeName: string): Promise<NodeLocation> {
  const node = (await deps.nodes.get(undefined, nodeName)) as Node;
  const addresses = node.status?.addresses ?? [];
  let host: string | undefined;
  for (const t of PREFERRED_ADDRESS_TYPES) {
    host = addresses.find((a) => a.type === t && a.address)?.address;
    if (host) break;
  }
  if (!host) {
    const known = addresses.map((a) => `{${a.type} ${a.address}}`).join(' ');
    throw new StatusError(newStatus(500, 'InternalError', `no preferred addresses found; known addresses: [${known}]`));
  }
  const p = node.status?.daemonEndpoints?.kubeletEndpoint?.Port;
  const port = typeof p === 'number' && p > 0 ? p : DEFAULT_NODE_AGENT_PORT;
  return { host, port, hostPort: host.includes(':') ? `[${host}]:${port}` : `${host}:${port}` };
}

/**
 * A non-2xx answer of the node agent as a Status (GenericHttpResponseChecker): 400 → BadRequest with the body
 * as message (`container "c" in pod "p" is waiting to start: ContainerCreating`), 500 → InternalError, others
 * keep their code with the body as message.
 */
export function statusFromNodeResponse(code: number, body: string, target?: { resource: string; name: string }): StatusError {
  const text = body.trim();
  if (code === 400) return newBadRequest(text);
  if (code === 500) return newInternalError(text);
  // With the checker's resource and name (LogREST: pods/log and the pod), the other codes are
  // NewGenericServerResponse: `the server could not find the requested resource ( pods/log web)`, details set.
  if (target) return newGenericServerResponse(code, '', target.resource, target.name, text);
  const reason: Status['reason'] =
    code === 404 ? 'NotFound' : code === 401 ? 'Unauthorized' : code === 403 ? 'Forbidden' : code === 503 ? 'ServiceUnavailable' : code === 504 ? 'Timeout' : code === 429 ? 'TooManyRequests' : '';
  return new StatusError(newStatus(code, reason, text || `the server responded with the status code ${code} but did not return more information`));
}

/** A transport failure talking to the node agent (kube-apiserver passes the Go error through: a 500, reason unknown). */
export function nodeTransportError(method: string, url: string, err: Error): StatusError {
  const code = (err as { code?: string }).code;
  const detail = code === 'ECONNREFUSED' ? `dial tcp ${new URL(url).host}: connect: connection refused` : err.message;
  return new StatusError(newStatus(500, '', `${method} ${JSON.stringify(url)}: ${detail}`));
}

/** Query booleans as kube converts them (runtime.Convert_Slice_string_To_bool): only "false"/"0" are false. */
export function queryBool(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  if (v === null) return false;
  const l = v.toLowerCase();
  return !(l === 'false' || l === '0');
}
