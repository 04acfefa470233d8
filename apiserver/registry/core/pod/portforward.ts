/**
 * pods/portforward (kube-apiserver pkg/registry/core/pod/rest/subresources.go PortForwardREST,
 * strategy.go PortForwardLocation, and apiserver/pkg/util/proxy streamtunnel.go for kubectl ≥ 1.30).
 *
 * Before the handshake (`prepare`): the pod (404 `pods "web" not found`), its binding (400 `pod web does not
 * have a host assigned`) and the node agent's address; the agent's URL is
 * `/portForward/{namespace}/{pod}?port=80,8080` (PodPortForwardOptions.ports, comma-joined as streamParams
 * does). A request that does not upgrade gets 400 `Upgrade request required`.
 *
 * Then, by what the client asks for:
 * - SPDY/3.1 (`X-Stream-Protocol-Version: portforward.k8s.io`, kubectl ≤ 1.29 and newer kubectl's fallback)
 *   and WebSocket `v4.channel.k8s.io` / `v4.base64.channel.k8s.io` (client-node, the Python client): the
 *   upgrade request goes on to the agent unchanged (credentials stripped) and the agent's `101` comes back;
 *   from then on the connections are spliced byte for byte, so the protocol is spoken end to end between the
 *   client and the runtime's stream server (UpgradeAwareHandler). The agent does the same towards containerd.
 * - WebSocket with the tunnelling subprotocol `SPDY/3.1+portforward.k8s.io` (kubectl ≥ 1.30,
 *   PortForwardWebsockets): the request becomes a SPDY upgrade towards the agent (POST, `Upgrade: SPDY/3.1`,
 *   the offered protocols without the `SPDY/3.1+` prefix as X-Stream-Protocol-Version); once the agent
 *   switches, the WebSocket handshake completes with `SPDY/3.1+<the agent's choice>` and the SPDY bytes travel
 *   in binary WebSocket messages towards the client and as raw bytes towards the agent (tunnel-framing.ts).
 * A refusal by the agent comes back as a Status with its code (statusFromNodeResponse); an agent that cannot be
 * reached is a 500 `error dialing backend: …`. All before any handshake, so clients print `error upgrading
 * connection: …`.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { StatusError, newBadRequest, newStatus } from '../../../../shared/errors/status-error.ts';
import type { RequestContext, UpgradeHandler } from '../../../endpoints/request-context.ts';
import type { UpgradeHooks } from '../../../server/server.ts';
import { dialUpgrade, refuseUpgrade, spliceUpgraded, upgradeHeaders, type UpgradeDialOptions, type UpgradeDialResult } from '../../../../shared/streaming/upgrade-proxy.ts';
import { pipeTunnel, tunnelingSpdyProtocols, TUNNELING_PREFIX } from '../../../../shared/streaming/tunnel-framing.ts';
import { getPod, nodeLocation, nodeScheme, nodeTLSOptions, statusFromNodeResponse, type PodProxyDeps } from './proxy-node.ts';

/** PodPortForwardOptions.ports from the query: every `ports` value, comma-separated lists allowed. */
export function parsePortForwardPorts(q: URLSearchParams): string[] {
  const out: string[] = [];
  for (const v of q.getAll('ports')) for (const p of v.split(',')) out.push(p.trim());
  return out.filter((p) => p !== '');
}

/** The node agent's path for a port-forward (PortForwardLocation's path and streamParams). */
export function nodePortForwardPath(namespace: string, pod: string, ports: string[]): string {
  const base = `/portForward/${encodeURIComponent(namespace)}/${encodeURIComponent(pod)}`;
  return ports.length ? `${base}?${new URLSearchParams({ port: ports.join(',') }).toString()}` : base;
}

interface Prepared {
  nodeUrl: string;
  tls: ReturnType<typeof nodeTLSOptions>;
}

/** Writes a Status as the HTTP answer on the raw socket. */
function refuseWithStatus(socket: Duplex, err: StatusError): void {
  refuseUpgrade(socket, err.status.code ?? 500, JSON.stringify(err.status), 'application/json');
}

/** The agent's refusal or a transport failure as the Status the client gets. */
function backendFailure(r: UpgradeDialResult | Error): StatusError {
  if (r instanceof Error) {
    const code = (r as { code?: string }).code;
    const detail = code === 'ECONNREFUSED' ? `connect: connection refused` : r.message;
    return new StatusError(newStatus(500, '', `error dialing backend: ${detail}`));
  }
  if (r.kind === 'refused') return statusFromNodeResponse(r.statusCode, r.body);
  return new StatusError(newStatus(500, 'InternalError', 'unexpected upgrade'));
}

/** The pods/portforward upgrade handler: pre-handshake checks, then the proxy or the tunnel. */
export function podPortForwardUpgrade(deps: PodProxyDeps): UpgradeHandler & UpgradeHooks {
  const prepared = new WeakMap<RequestContext, Prepared>();
  const tunnelProtocol = new WeakMap<IncomingMessage, string>();
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, handleProtocols: (_offered, req) => tunnelProtocol.get(req) ?? false });
  // Every upgrade goes through `raw`; a WebSocket handed over by the server would be a wiring mistake.
  const handler: UpgradeHandler & UpgradeHooks = async (_ctx, ws) => {
    ws.close(1011, 'portforward is served on the raw connection');
  };
  handler.prepare = async (ctx) => {
    const name = ctx.info.name;
    const pod = await getPod(deps, ctx.info.namespace, name);
    const nodeName = pod.spec?.nodeName;
    if (!nodeName) throw newBadRequest(`pod ${name} does not have a host assigned`);
    const loc = await nodeLocation(deps, nodeName);
    const path = nodePortForwardPath(pod.metadata.namespace ?? ctx.info.namespace, pod.metadata.name ?? name, parsePortForwardPorts(ctx.query));
    prepared.set(ctx, { nodeUrl: `${nodeScheme(deps)}://${loc.hostPort}${path}`, tls: nodeTLSOptions(deps) });
  };
  handler.raw = async (ctx, socket, head) => {
    const p = prepared.get(ctx);
    if (!p) throw new Error('portforward: upgrade without prepare');
    const req = ctx.req;
    const upgrade = String(req.headers.upgrade ?? '').toLowerCase();
    if (upgrade === 'websocket') {
      const offered = String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
      const spdy = tunnelingSpdyProtocols(offered);
      if (spdy.length > 0) return serveTunnel(req, socket, head, p, spdy, wss, tunnelProtocol, ctx.signal);
      return proxyUpgrade(socket, head, p, 'GET', upgradeHeaders(req), ctx.signal);
    }
    if (upgrade === 'spdy/3.1') return proxyUpgrade(socket, head, p, 'POST', upgradeHeaders(req), ctx.signal);
    refuseWithStatus(socket, newBadRequest('Upgrade request required'));
  };
  return handler;
}

/** Sends the client's upgrade on to the agent and splices the connections once it switched protocols. */
async function proxyUpgrade(socket: Duplex, head: Buffer, p: Prepared, method: string, headers: Record<string, unknown>, signal: AbortSignal): Promise<void> {
  const r = await dialAgent(socket, p, { method, headers: headers as never }, signal);
  if (r) spliceUpgraded(socket, head, r);
}

/**
 * Sends an upgrade on to the agent: the upgraded connection, or undefined once the client has been answered
 * with the failure as a Status (or has gone away meanwhile: the agent's connection is then closed).
 */
async function dialAgent(socket: Duplex, p: Prepared, options: UpgradeDialOptions, signal: AbortSignal): Promise<Extract<UpgradeDialResult, { kind: 'upgraded' }> | undefined> {
  let r: UpgradeDialResult;
  try {
    r = await dialUpgrade(p.nodeUrl, options, { tls: p.tls, signal });
  } catch (e) {
    refuseWithStatus(socket, backendFailure(e as Error));
    return undefined;
  }
  if (r.kind !== 'upgraded') {
    refuseWithStatus(socket, backendFailure(r));
    return undefined;
  }
  if (socket.destroyed) {
    r.socket.destroy();
    return undefined;
  }
  return r;
}

/** kubectl ≥ 1.30: SPDY tunnelled in WebSocket binary messages (streamtunnel.go). */
async function serveTunnel(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  p: Prepared,
  spdyProtocols: string[],
  wss: WebSocketServer,
  tunnelProtocol: WeakMap<IncomingMessage, string>,
  signal: AbortSignal,
): Promise<void> {
  const backend = await dialAgent(socket, p, { method: 'POST', headers: { connection: 'Upgrade', upgrade: 'SPDY/3.1', 'x-stream-protocol-version': spdyProtocols } }, signal);
  if (!backend) return;
  const chosen = String(backend.response.headers['x-stream-protocol-version'] ?? '').trim();
  if (chosen) {
    tunnelProtocol.set(req, `${TUNNELING_PREFIX}${chosen}`);
    // `SPDY/3.1+…` is not an RFC 7230 token, so ws would refuse the handshake ("Invalid Sec-WebSocket-Protocol
    // header"); the offer was read above, and the answer is what handleProtocols returns (written verbatim).
    req.headers['sec-websocket-protocol'] = 'tunnel';
  } else {
    delete req.headers['sec-websocket-protocol'];
  }
  wss.handleUpgrade(req, socket, head, (ws: WebSocket) => pipeTunnel(ws, backend.socket, backend.head));
}
