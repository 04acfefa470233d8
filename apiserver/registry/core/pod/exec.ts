/**
 * pods/exec and pods/attach (kube-apiserver pkg/registry/core/pod/rest/subresources.go ExecREST/AttachREST,
 * strategy.go ExecLocation/AttachLocation, and the 1.30+ StreamTranslator for WebSocket clients).
 *
 * Before the handshake (`prepare`): the options from the query (command…, container, stdin, stdout, stderr,
 * tty), the pod (404), the container (400, as for logs), the binding (400 `pod web does not have a host
 * assigned`), the node's agent address (Node status.addresses + daemonEndpoints). So kubectl sees these as
 * `Error from server (BadRequest): …`.
 *
 * Then, for a WebSocket client (kubectl ≥ 1.30, client-node; subprotocol v5.channel.k8s.io, or v4), the
 * apiserver opens a v5 WebSocket to the node agent's `/exec|attach/{ns}/{pod}/{container}?command=…&input=1
 * &output=1&error=1&tty=1` and relays the channel frames both ways unchanged (stdin, resize, close from the
 * client; stdout, stderr and the final status on channel 3 from the node), with backpressure. A failure to
 * reach the node after the upgrade goes to the client as a Failure status on channel 3.
 *
 * For a SPDY/3.1 client (kubectl 1.29, and newer kubectl's fallback) the apiserver answers the upgrade itself
 * (stream protocol v5 or v4), accepts the client's streams (error, stdin, stdout, stderr, resize) and
 * translates them to the same v5 WebSocket towards the node: stdin data → channel 0, stdin FIN → [255, 0],
 * resize → channel 4; channels 1/2 → the stdout/stderr streams; channel 3 → the error stream, after which all
 * streams are finished and the session closed.
 */
import type { Duplex } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import { WebSocket } from 'ws';
import { newBadRequest } from '../../../../shared/errors/status-error.ts';
import type { RequestContext, SubresourceHandler, UpgradeHandler } from '../../../endpoints/request-context.ts';
import type { UpgradeHooks } from '../../../server/server.ts';
import { SpdySession, type SpdyStream } from '../../../../shared/streaming/spdy/spdy-session.ts';
import {
  CH_CLOSE,
  CH_ERROR,
  CH_RESIZE,
  CH_STDERR,
  CH_STDIN,
  CH_STDOUT,
  SPDY_PROTOCOLS,
  STREAM_PROTOCOL_V5,
  STREAM_TYPE_HEADER,
  WEBSOCKET_PROTOCOLS,
  channelFrame,
  internalErrorStatus,
  type ChannelStatus,
} from '../../../../shared/streaming/remote-command.ts';
import { WsSender } from '../../../../shared/streaming/ws-sender.ts';
import { getPod, nodeLocation, nodeScheme, nodeTLSOptions, queryBool, statusFromNodeResponse, validateContainer, type PodProxyDeps } from './proxy-node.ts';

export type StreamKind = 'exec' | 'attach';

/** v1.PodExecOptions / v1.PodAttachOptions from the query. */
export interface PodStreamOptions {
  container: string;
  command: string[];
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

export function parsePodStreamOptions(q: URLSearchParams, kind: StreamKind): PodStreamOptions {
  const opts: PodStreamOptions = {
    container: q.get('container') ?? '',
    command: kind === 'exec' ? q.getAll('command') : [],
    stdin: queryBool(q, 'stdin'),
    stdout: queryBool(q, 'stdout'),
    stderr: queryBool(q, 'stderr'),
    tty: queryBool(q, 'tty'),
  };
  if (!opts.stdin && !opts.stdout && !opts.stderr) throw newBadRequest('you must specify at least 1 of stdin, stdout, stderr');
  return opts;
}

/** The node agent's URL for a session (streamLocation's path and params, ws scheme). */
export function nodeStreamPath(kind: StreamKind, namespace: string, pod: string, container: string, opts: PodStreamOptions): string {
  const p = new URLSearchParams();
  if (opts.stdin) p.append('input', '1');
  if (opts.stdout) p.append('output', '1');
  if (opts.stderr) p.append('error', '1');
  if (opts.tty) p.append('tty', '1');
  for (const c of opts.command) p.append('command', c);
  return `/${kind}/${encodeURIComponent(namespace)}/${encodeURIComponent(pod)}/${encodeURIComponent(container)}?${p.toString()}`;
}

interface Prepared {
  nodeUrl: string;
  opts: PodStreamOptions;
  tls: ReturnType<typeof nodeTLSOptions>;
}

/** The exec or attach upgrade handler, with its pre-handshake checks and the SPDY server. */
export function podStreamUpgrade(deps: PodProxyDeps, kind: StreamKind): UpgradeHandler & UpgradeHooks {
  const prepared = new WeakMap<RequestContext, Prepared>();
  const handler: UpgradeHandler & UpgradeHooks = async (ctx, ws) => {
    const p = prepared.get(ctx);
    if (!p) throw new Error(`${kind}: upgrade without prepare`);
    relayWebSocket(ws, p.nodeUrl, ctx.signal, p.tls);
  };
  handler.protocols = WEBSOCKET_PROTOCOLS;
  handler.prepare = async (ctx) => {
    const opts = parsePodStreamOptions(ctx.query, kind);
    const name = ctx.info.name;
    const pod = await getPod(deps, ctx.info.namespace, name);
    const container = validateContainer(opts.container, pod);
    const nodeName = pod.spec?.nodeName;
    if (!nodeName) throw newBadRequest(`pod ${name} does not have a host assigned`);
    const loc = await nodeLocation(deps, nodeName);
    const path = nodeStreamPath(kind, pod.metadata.namespace ?? ctx.info.namespace, pod.metadata.name ?? name, container, opts);
    prepared.set(ctx, { nodeUrl: `${nodeScheme(deps) === 'https' ? 'wss' : 'ws'}://${loc.hostPort}${path}`, opts, tls: nodeTLSOptions(deps) });
  };
  handler.spdy = async (ctx, socket, head) => {
    const p = prepared.get(ctx);
    if (!p) throw new Error(`${kind}: upgrade without prepare`);
    serveSpdy(ctx.req, socket, head, p);
  };
  return handler;
}

/**
 * The plain-HTTP handler for exec/attach: the same checks, then 400 `Upgrade request required` (kube's
 * answer to a request that does not upgrade).
 */
export function requireUpgrade(upgrade: (UpgradeHandler & UpgradeHooks) | undefined): SubresourceHandler {
  return async (ctx) => {
    await upgrade?.prepare?.(ctx);
    throw newBadRequest('Upgrade request required');
  };
}

// ------------------------------------------------------------------------------------ WebSocket clients

/** Opens the v5 WebSocket to the node agent (wss with the kubelet client certificate when configured). */
function dialNode(nodeUrl: string, tls: Prepared['tls']): WebSocket {
  return new WebSocket(nodeUrl, [STREAM_PROTOCOL_V5], { perMessageDeflate: false, handshakeTimeout: 30_000, ...(tls ?? {}) });
}

/** Turns a failed node handshake into the status the client gets on channel 3. */
function nodeFailureStatus(err: Error | undefined, res?: IncomingMessage, body?: string): ChannelStatus {
  if (res) {
    const s = statusFromNodeResponse(res.statusCode ?? 0, body ?? '').status;
    const out: ChannelStatus = { metadata: {}, status: 'Failure', code: s.code };
    if (s.message !== undefined) out.message = s.message;
    if (s.reason) out.reason = s.reason;
    return out;
  }
  return internalErrorStatus(`error dialing backend: ${err?.message ?? 'connection failed'}`);
}

/** Reads a refused handshake's body, then reports it. */
function onNodeRefused(node: WebSocket, report: (s: ChannelStatus) => void): void {
  node.on('unexpected-response', (_req, res: IncomingMessage) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.length < 64 && chunks.push(c));
    res.on('end', () => report(nodeFailureStatus(undefined, res, Buffer.concat(chunks).toString('utf8'))));
    res.on('error', (e: Error) => report(nodeFailureStatus(e)));
  });
}

function toBuffer(data: Buffer | ArrayBuffer | Buffer[]): Buffer {
  return Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
}

/** Client WebSocket ⇄ node WebSocket, frames unchanged. */
function relayWebSocket(client: WebSocket, nodeUrl: string, signal: AbortSignal, tls: Prepared['tls']): void {
  const node = dialNode(nodeUrl, tls);
  const queued: Buffer[] = [];
  let finished = false;
  const toNode = new WsSender(node, { pause: () => client.pause(), resume: () => client.resume() });
  const toClient = new WsSender(client, { pause: () => node.pause(), resume: () => node.resume() });
  const fail = (s: ChannelStatus) => {
    if (finished) return;
    finished = true;
    if (client.readyState === client.OPEN) {
      client.send(channelFrame(CH_ERROR, JSON.stringify(s)), { binary: true });
      client.close(1000);
    }
    node.terminate();
  };
  client.on('message', (data) => {
    const msg = toBuffer(data);
    if (node.readyState === node.OPEN) toNode.send(msg);
    else queued.push(msg);
  });
  client.on('close', () => {
    finished = true;
    if (node.readyState === node.OPEN || node.readyState === node.CONNECTING) node.close(1000);
  });
  client.on('error', () => undefined);
  signal.addEventListener('abort', () => node.terminate(), { once: true });
  node.on('open', () => {
    for (const m of queued) toNode.send(m);
    queued.length = 0;
  });
  node.on('message', (data) => toClient.send(toBuffer(data)));
  node.on('close', (code: number) => {
    if (finished) return;
    finished = true;
    if (client.readyState === client.OPEN) client.close(code >= 1000 && code < 5000 && code !== 1005 && code !== 1006 ? code : 1000);
  });
  onNodeRefused(node, fail);
  node.on('error', (e: Error) => fail(nodeFailureStatus(e)));
}

// ---------------------------------------------------------------------------------------- SPDY clients

const SPDY_STREAM_TIMEOUT_MS = 30_000;

/** Answers a SPDY/3.1 upgrade and translates its streams to the node's v5 WebSocket. */
function serveSpdy(req: IncomingMessage, socket: Duplex, head: Buffer, p: Prepared): void {
  const offered = String(req.headers['x-stream-protocol-version'] ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
  const chosen = offered.find((o) => SPDY_PROTOCOLS.includes(o));
  if (!chosen) {
    const msg = `unable to upgrade: unable to negotiate protocol: client supports [${offered.join(' ')}], server supports [${SPDY_PROTOCOLS.join(' ')}]`;
    const body = JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: msg, reason: 'Forbidden', code: 403 });
    socket.end(`HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    return;
  }
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${chosen}\r\n\r\n`);
  const session = new SpdySession(socket, 'server', head);
  session.on('error', () => undefined);
  const { opts } = p;
  const expected = 1 + (opts.stdin ? 1 : 0) + (opts.stdout ? 1 : 0) + (opts.stderr && !opts.tty ? 1 : 0) + (opts.tty ? 1 : 0);
  const streams: Partial<Record<string, SpdyStream>> = {};
  let count = 0;
  const timer = setTimeout(() => session.destroy(), SPDY_STREAM_TIMEOUT_MS);
  timer.unref();
  session.on('stream', (st: SpdyStream) => {
    st.reply();
    const type = st.header(STREAM_TYPE_HEADER) ?? '';
    if (!['error', 'stdin', 'stdout', 'stderr', 'resize'].includes(type) || streams[type]) {
      st.reset();
      return;
    }
    streams[type] = st;
    if (++count === expected) {
      clearTimeout(timer);
      translateSpdy(session, streams, p.nodeUrl, p.tls);
    }
  });
}

function translateSpdy(session: SpdySession, streams: Partial<Record<string, SpdyStream>>, nodeUrl: string, tls: Prepared['tls']): void {
  const node = dialNode(nodeUrl, tls);
  const queued: Buffer[] = [];
  let finished = false;
  const toNode = new WsSender(node, { pause: () => session.pause(), resume: () => session.resume() });
  const sendNode = (m: Buffer) => (node.readyState === node.OPEN ? toNode.send(m) : queued.push(m));
  const finish = (status?: ChannelStatus | Buffer) => {
    if (finished) return;
    finished = true;
    const err = streams['error'];
    if (status && err) err.write(Buffer.isBuffer(status) ? status : Buffer.from(JSON.stringify(status)));
    for (const st of Object.values(streams)) st?.end();
    session.close();
    if (node.readyState === node.OPEN || node.readyState === node.CONNECTING) node.close(1000);
  };
  streams['stdin']?.on('data', (b: Buffer) => sendNode(channelFrame(CH_STDIN, b)));
  streams['stdin']?.on('end', () => sendNode(Buffer.from([CH_CLOSE, CH_STDIN])));
  streams['resize']?.on('data', (b: Buffer) => sendNode(channelFrame(CH_RESIZE, b)));
  session.on('close', () => {
    finished = true;
    node.terminate();
  });
  session.on('drain', () => node.resume());
  node.on('open', () => {
    for (const m of queued) toNode.send(m);
    queued.length = 0;
  });
  node.on('message', (data) => {
    const msg = toBuffer(data);
    if (msg.length === 0) return;
    const body = msg.subarray(1);
    let ok = true;
    switch (msg[0]) {
      case CH_STDOUT:
        if (body.length) ok = streams['stdout']?.write(body) ?? true;
        break;
      case CH_STDERR:
        if (body.length) ok = streams['stderr']?.write(body) ?? true;
        break;
      case CH_ERROR:
        finish(Buffer.from(body));
        return;
      default:
        break;
    }
    if (!ok) node.pause();
  });
  node.on('close', () => finish());
  onNodeRefused(node, (s) => finish(s));
  node.on('error', (e: Error) => finish(nodeFailureStatus(e)));
}
