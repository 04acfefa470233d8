/**
 * The node agent's `/portForward/{namespace}/{pod}[/{uid}]` endpoint (kubelet server.go getPortForward +
 * kuberuntime GetPortForward + proxyStream): what the apiserver's `pods/portforward` reaches.
 *
 *   1. the options: for a WebSocket request the `port` query (`?port=80,8080` or repeated; kubelet's
 *      portforward.NewV4Options and its texts), nothing for SPDY (each stream names its port);
 *   2. the pod as this node runs it: 404 `pod does not exist`, 404 `pod not found` when the uid differs;
 *   3. its newest sandbox (label io.kubernetes.pod.uid): 500 `failed to find sandboxID for pod web_default(uid)`;
 *   4. CRI PortForward(sandbox, ports) → the runtime's streaming URL (containerd: a one-shot token);
 *   5. the client's upgrade request is sent on to that URL and, once the runtime switches protocols, the two
 *      connections are spliced (shared/streaming/upgrade-proxy.ts).
 *
 * So the runtime's stream server speaks the port-forward protocol itself, as with kubelet: SPDY/3.1
 * `portforward.k8s.io` (one data + error stream pair per forwarded connection, paired by `requestID`; a
 * failed dial inside the pod is written on that pair's error stream as `error forwarding port 80 to pod
 * <sandbox>, uid : …` and the session goes on) or WebSocket `v4.channel.k8s.io` / `v4.base64.channel.k8s.io`
 * (two channels per port, each opened with the port as 2 bytes little endian). Flow control is TCP's: the
 * splice reads from one side only as fast as the other side takes the bytes.
 */
import type * as http from 'node:http';
import type { Duplex } from 'node:stream';
import type { Pod } from '../../shared/api/core-v1.ts';
import type { RuntimeService } from '../cri/services.ts';
import { isNotFound } from '../cri/services.ts';
import { LABEL_POD_UID } from '../kuberuntime/labels.ts';
import { StreamingHttpError } from './pod-containers.ts';
import { dialUpgrade, refuseUpgrade, spliceUpgraded, upgradeHeaders } from '../../shared/streaming/upgrade-proxy.ts';

/** The query parameter (and SPDY stream header) naming the port (api.PortHeader). */
export const PORT_HEADER = 'port';

export interface PortForwardTarget {
  namespace: string;
  pod: string;
  uid: string;
}

/** `/portForward/{ns}/{pod}` or `/portForward/{ns}/{pod}/{uid}`; undefined for other paths. */
export function parsePortForwardPath(pathname: string): PortForwardTarget | undefined {
  const parts = pathname.split('/').filter((p) => p !== '');
  if (parts[0] !== 'portForward' || (parts.length !== 3 && parts.length !== 4)) return undefined;
  const [, namespace, pod, uid] = parts.map((p) => decodeURIComponent(p));
  return { namespace: namespace ?? '', pod: pod ?? '', uid: uid ?? '' };
}

/** Whether a request asks for a WebSocket (wsstream.IsWebSocketRequest: `Connection: upgrade`, `Upgrade: websocket`). */
export function isWebSocketRequest(req: http.IncomingMessage): boolean {
  const connection = String(req.headers.connection ?? '').toLowerCase();
  return connection.split(',').some((t) => t.trim() === 'upgrade') && String(req.headers.upgrade ?? '').toLowerCase() === 'websocket';
}

/**
 * The ports of a WebSocket port-forward (portforward.NewV4Options): every `port` value, each a comma-separated
 * list of 1..65535. Throws a 400 StreamingHttpError with kubelet's texts.
 */
export function parseV4Ports(q: URLSearchParams): number[] {
  const values = q.getAll(PORT_HEADER);
  if (values.length === 0) throw new StreamingHttpError(400, `query parameter ${JSON.stringify(PORT_HEADER)} is required`);
  const ports: number[] = [];
  for (const v of values) {
    if (v.length === 0) throw new StreamingHttpError(400, `query parameter ${JSON.stringify(PORT_HEADER)} cannot be empty`);
    for (const p of v.split(',')) {
      const n = /^\d+$/.test(p) ? Number(p) : NaN;
      if (!Number.isInteger(n) || n > 65535) {
        const why = /^\d+$/.test(p) ? 'value out of range' : 'invalid syntax';
        throw new StreamingHttpError(400, `unable to parse ${JSON.stringify(v)} as a port: strconv.ParseUint: parsing ${JSON.stringify(p)}: ${why}`);
      }
      if (n < 1) throw new StreamingHttpError(400, `port ${JSON.stringify(v)} must be > 0`);
      ports.push(n);
    }
  }
  return ports;
}

/** format.PodDesc: `name_namespace(uid)`. */
function podDesc(pod: Pod): string {
  return `${pod.metadata.name ?? ''}_${pod.metadata.namespace ?? ''}(${pod.metadata.uid ?? ''})`;
}

/** The pod's newest sandbox (kuberuntime getSandboxIDByPodUID), or a 500 as kubelet answers. */
export async function podSandboxId(runtime: RuntimeService, pod: Pod): Promise<string> {
  let sandboxes;
  try {
    sandboxes = await runtime.listPodSandbox({ labelSelector: { [LABEL_POD_UID]: pod.metadata.uid ?? '' } });
  } catch (e) {
    throw new StreamingHttpError(500, `failed to find sandboxID for pod ${podDesc(pod)}: ${(e as Error).message}`);
  }
  const newest = [...sandboxes].sort((a, b) => (a.createdAt === b.createdAt ? 0 : a.createdAt > b.createdAt ? -1 : 1))[0];
  if (!newest) throw new StreamingHttpError(500, `failed to find sandboxID for pod ${podDesc(pod)}`);
  return newest.id;
}

export interface PortForwardDeps {
  runtime: RuntimeService;
  getPod: (namespace: string, name: string) => Pod | undefined | Promise<Pod | undefined>;
}

/**
 * Resolves a port-forward request to the runtime's streaming URL (steps 1–4 of the file comment). Throws
 * StreamingHttpError with kubelet's status codes and texts.
 */
export async function portForwardURL(deps: PortForwardDeps, t: PortForwardTarget, req: http.IncomingMessage, q: URLSearchParams): Promise<string> {
  const ports = isWebSocketRequest(req) ? parseV4Ports(q) : [];
  const pod = await deps.getPod(t.namespace, t.pod);
  if (!pod) throw new StreamingHttpError(404, 'pod does not exist');
  if (t.uid && pod.metadata.uid !== t.uid) throw new StreamingHttpError(404, 'pod not found');
  const sandbox = await podSandboxId(deps.runtime, pod);
  try {
    return (await deps.runtime.portForward({ podSandboxId: sandbox, ports })).url;
  } catch (e) {
    // streaming.WriteError: NotFound → 404, anything else 500, the error's text as the body.
    throw new StreamingHttpError(isNotFound(e) ? 404 : 500, (e as Error).message);
  }
}

/** Serves one port-forward upgrade on the agent's raw socket: resolve, dial the runtime, splice. */
export async function servePortForward(deps: PortForwardDeps, t: PortForwardTarget, req: http.IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
  const q = new URL(`http://node${req.url ?? '/'}`).searchParams;
  let url: string;
  try {
    url = await portForwardURL(deps, t, req, q);
  } catch (e) {
    refuseUpgrade(socket, e instanceof StreamingHttpError ? e.statusCode : 500, (e as Error).message);
    return;
  }
  const target = new URL(url);
  if (target.protocol !== 'http:' && target.protocol !== 'https:') {
    refuseUpgrade(socket, 500, `unsupported streaming URL scheme ${target.protocol}`);
    return;
  }
  let r;
  try {
    r = await dialUpgrade(url, { method: req.method ?? 'GET', headers: upgradeHeaders(req) });
  } catch (e) {
    refuseUpgrade(socket, 500, `error dialing the container runtime: ${(e as Error).message}`);
    return;
  }
  if (r.kind === 'refused') {
    // The runtime's own answer (e.g. 403 for a protocol it does not speak) goes back as it is.
    const type = r.headers['content-type'];
    refuseUpgrade(socket, r.statusCode || 500, r.body, typeof type === 'string' ? type : undefined);
    return;
  }
  if (socket.destroyed) {
    r.socket.destroy();
    return;
  }
  spliceUpgraded(socket, head, r);
}
