/**
 * The node agent's streaming endpoints, kubelet style (pkg/kubelet/server/server.go): what the apiserver
 * proxies `pods/log`, `pods/exec` and `pods/attach` to.
 *
 *   GET /containerLogs/{namespace}/{pod}/{container}?follow&previous&timestamps&sinceSeconds&sinceTime
 *       &tailLines&limitBytes&stream        → 200 text/plain, streamed (see cri-log.ts)
 *   GET /exec/{namespace}/{pod}/{container}?command=…&command=…&input=1&output=1&error=1&tty=1
 *   GET /attach/{namespace}/{pod}/{container}?input=1&output=1&error=1&tty=1
 *       → WebSocket, subprotocol v5.channel.k8s.io (or v4), bridged to the runtime's streaming server
 *         (CRI Exec/Attach URL, spoken to with SPDY: runtime-stream-client.ts)
 *   GET|POST /portForward/{namespace}/{pod}[/{uid}]   (SPDY/3.1 portforward.k8s.io, or WebSocket v4 with ?port=)
 *       → spliced to the runtime's streaming server (CRI PortForward URL): port-forward.ts
 *   GET /anatomy/{namespace}/{pod} → 200 PodAnatomy JSON (shared/api/pod-anatomy.ts; node-agent/anatomy/)
 *   GET /healthz → ok
 *
 * Errors before streaming are plain-text bodies with kubelet's status codes and texts: 404 `pod "p" does not
 * exist`, 404 `container "c" not found in pod "p"`, 400 from the log status checks (pod-containers.ts),
 * 400 `you must specify at least 1 of stdin, stdout, stderr`, 500 for runtime failures. The apiserver turns
 * them into Status errors. An error after the WebSocket is open goes out on channel 3 as a Failure status.
 *
 * Usage (node agent):
 *   const srv = await createNodeStreamingServer({ runtime, getPod: (ns, name) => podManager.get(ns, name),
 *                                                 listen: { host: nodeIP, port: 10250 } });
 *   // Node.status.daemonEndpoints.kubeletEndpoint.Port = srv.port; status.addresses InternalIP = nodeIP
 *   await srv.close();
 */
import * as fsp from 'node:fs/promises';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Pod } from '../../shared/api/core-v1.ts';
import type { Clock } from '../../shared/util/clock.ts';
import { realClock } from '../../shared/util/clock.ts';
import { drained } from '../../shared/util/drained.ts';
import { log } from '../../shared/util/log.ts';
import type { RuntimeService } from '../cri/services.ts';
import { isNotFound } from '../cri/services.ts';
import { readContainerLogs, type ReadLogsOptions } from './cri-log.ts';
import { parseRfc3339Nano } from '../../shared/util/time-format.ts';
import { StreamingHttpError, logContainerId, requireContainerSpec, runningContainerId } from './pod-containers.ts';
import {
  CH_CLOSE,
  CH_ERROR,
  CH_RESIZE,
  CH_STDERR,
  CH_STDIN,
  CH_STDOUT,
  WEBSOCKET_PROTOCOLS,
  channelFrame,
  internalErrorStatus,
  parseBoolParam,
  selectProtocol,
  type ChannelStatus,
  type StreamOptions,
} from '../../shared/streaming/remote-command.ts';
import { dialRuntimeStream, type RuntimeStreamSession } from './runtime-stream-client.ts';
import { createAgentListener, type AgentTLSOptions } from '../server/agent-listener.ts';
import { NodeAuth } from '../server/node-auth.ts';
import { WsSender } from '../../shared/streaming/ws-sender.ts';
import { parsePortForwardPath, servePortForward } from './port-forward.ts';
import { serveAnatomy, type AnatomyHandler } from '../anatomy/anatomy-route.ts';

export interface NodeStreamingServerOptions {
  /** The CRI runtime (ContainerStatus for log paths and follow, Exec/Attach/PortForward for streaming URLs). */
  runtime: RuntimeService;
  /**
   * The pod as this node sees it, or undefined when the node does not run it. The spec names the containers;
   * the status is what the agent reports: `containerStatuses[].containerID` = `containerd://<runtime id>` with
   * `state` running/terminated/waiting, and `lastState.terminated.containerID` = the previous instance (for
   * `--previous`; keep that dead container until the next restart, as kubelet does).
   */
  getPod: (namespace: string, name: string) => Pod | undefined | Promise<Pod | undefined>;
  /** Where to listen; default 0.0.0.0 and port 10250 (kubelet's); port 0 picks a free one. */
  listen?: { host?: string; port?: number };
  clock?: Clock;
  /** Serves GET /pods (kubelet's pod list) when given. */
  pods?: () => Pod[];
  /** Drives GET /healthz (default: always ok). */
  healthy?: () => boolean;
  /** HTTPS with this serving certificate (and client CA); absent: plain HTTP (development only). */
  tls?: AgentTLSOptions;
  /** Authenticates and authorizes every request but /healthz (node-auth.ts); absent: no checks (development only). */
  auth?: NodeAuth;
  /** Serves GET /anatomy/{namespace}/{pod}: the pod's anatomy, undefined when the node does not run it (404). */
  anatomy?: AnatomyHandler;
}

export interface NodeStreamingServer {
  /** The bound port (what Node.status.daemonEndpoints.kubeletEndpoint.Port must say). */
  readonly port: number;
  readonly host: string;
  readonly httpServer: http.Server;
  /** Whether it serves HTTPS. */
  readonly secure: boolean;
  /** Replaces the serving certificate (rotation). */
  updateTLS(tls: AgentTLSOptions): void;
  close(): Promise<void>;
}

const slog = log.with({ component: 'node-streaming' });

/** Starts the server and resolves once it listens. */
export async function createNodeStreamingServer(opts: NodeStreamingServerOptions): Promise<NodeStreamingServer> {
  const host = opts.listen?.host ?? '0.0.0.0';
  const port = opts.listen?.port ?? 10250;
  const clock = opts.clock ?? realClock;
  const sockets = new Set<Duplex>();
  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    handleProtocols: (offered) => selectProtocol(offered, WEBSOCKET_PROTOCOLS) ?? false,
  });
  const listener = createAgentListener(opts.tls, (req, res) => {
    void handleRequest(opts, clock, req, res);
  });
  const server = listener.server;
  server.requestTimeout = 0;
  server.on('connection', (s: Duplex) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    void (async () => {
      const denied = await authCheck(opts, req);
      if (denied) return refuseSocket(socket, denied.code, denied.message);
      const pf = parsePortForwardPath(new URL(`http://node${req.url?.startsWith('/') ? '' : '/'}${req.url ?? '/'}`).pathname);
      if (pf) return servePortForward(opts, pf, req, socket, head);
      await handleUpgrade(opts, wss, req, socket, head);
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  return {
    port: addr.port,
    host: addr.address,
    httpServer: server,
    secure: listener.secure,
    updateTLS: (tls) => listener.updateTLS(tls),
    close: () =>
      new Promise<void>((resolve) => {
        for (const ws of wss.clients) ws.terminate();
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}

interface Target {
  kind: 'containerLogs' | 'exec' | 'attach';
  namespace: string;
  pod: string;
  container: string;
}

function parseTarget(pathname: string): Target | undefined {
  const parts = pathname.split('/').filter((p) => p !== '');
  if (parts.length !== 4) return undefined;
  const [kind, namespace, pod, container] = parts.map((p) => decodeURIComponent(p));
  if (kind !== 'containerLogs' && kind !== 'exec' && kind !== 'attach') return undefined;
  return { kind, namespace: namespace ?? '', pod: pod ?? '', container: container ?? '' };
}

function writeText(res: http.ServerResponse, code: number, text: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(code, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function refuseSocket(socket: Duplex, code: number, text: string): void {
  const reason = http.STATUS_CODES[code] ?? 'Error';
  socket.end(`HTTP/1.1 ${code} ${reason}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`);
}

async function lookupPod(opts: NodeStreamingServerOptions, t: Target): Promise<Pod> {
  const pod = await opts.getPod(t.namespace, t.pod);
  if (!pod) throw new StreamingHttpError(404, `pod ${JSON.stringify(t.pod)} does not exist`);
  requireContainerSpec(pod, t.container);
  return pod;
}

/** The refusal of a request that is not authenticated or not authorized; undefined when it may proceed. */
async function authCheck(opts: NodeStreamingServerOptions, req: http.IncomingMessage): Promise<{ code: number; message: string } | undefined> {
  if (!opts.auth || NodeAuth.isPublic(req.url ?? '/')) return undefined;
  const r = await opts.auth.check(req);
  return r.ok ? undefined : { code: r.code, message: r.message };
}

async function handleRequest(opts: NodeStreamingServerOptions, clock: Clock, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const url = new URL(`http://node${req.url?.startsWith('/') ? '' : '/'}${req.url ?? '/'}`);
  const denied = await authCheck(opts, req);
  if (denied) {
    writeText(res, denied.code, denied.message);
    return;
  }
  try {
    if (url.pathname === '/healthz') {
      const ok = opts.healthy?.() ?? true;
      writeText(res, ok ? 200 : 500, ok ? 'ok' : 'unhealthy');
      return;
    }
    if (opts.pods && (url.pathname === '/pods' || url.pathname === '/pods/')) {
      const body = JSON.stringify({ kind: 'PodList', apiVersion: 'v1', metadata: {}, items: opts.pods() });
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
      return;
    }
    if (opts.anatomy && (await serveAnatomy(opts.anatomy, req, url.pathname, res))) return;
    if (parsePortForwardPath(url.pathname)) throw new StreamingHttpError(400, 'Upgrade request required');
    const t = parseTarget(url.pathname);
    if (!t) throw new StreamingHttpError(404, '404 page not found');
    if (t.kind !== 'containerLogs') throw new StreamingHttpError(400, 'Upgrade request required');
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new StreamingHttpError(405, `method ${req.method ?? ''} not allowed`);
    await serveLogs(opts, clock, t, url.searchParams, res);
  } catch (e) {
    if (e instanceof StreamingHttpError) writeText(res, e.statusCode, e.message);
    else {
      slog.warn('Streaming request failed', { path: url.pathname, err: e });
      writeText(res, 500, (e as Error).message ?? String(e));
    }
  }
}

/** Query → log options (kubelet: convert_url_Values_To_v1_PodLogOptions; `tail` is the old name of tailLines). */
export function parseLogQuery(q: URLSearchParams, nowMs: number): ReadLogsOptions & { previous: boolean } {
  const int = (name: string): number | undefined => {
    const v = q.get(name);
    if (v === null || v === '') return undefined;
    if (!/^-?\d+$/.test(v)) throw new StreamingHttpError(400, '{"message": "Unable to decode query."}');
    return Number(v);
  };
  let tailLines = int('tailLines');
  const tail = q.get('tail');
  if (tail !== null && tail !== '') tailLines = tail === 'all' ? undefined : int('tail');
  const out: ReadLogsOptions & { previous: boolean } = {
    follow: parseBoolParam(q.get('follow')),
    previous: parseBoolParam(q.get('previous')),
    timestamps: parseBoolParam(q.get('timestamps')),
  };
  if (tailLines !== undefined) out.tailLines = tailLines;
  const limit = int('limitBytes');
  if (limit !== undefined) out.limitBytes = limit;
  const sinceSeconds = int('sinceSeconds');
  let since: bigint | undefined;
  if (sinceSeconds !== undefined) since = (BigInt(nowMs) - BigInt(sinceSeconds) * 1000n) * 1_000_000n;
  const sinceTime = q.get('sinceTime');
  if (sinceTime) {
    const t = parseRfc3339Nano(sinceTime);
    if (!t) throw new StreamingHttpError(400, '{"message": "Unable to decode query."}');
    // kubelet NewLogOptions: the later of the two wins.
    if (since === undefined || t.ns > since) since = t.ns;
  }
  if (since !== undefined) out.sinceNs = since;
  const stream = q.get('stream');
  if (stream === 'Stdout' || stream === 'Stderr' || stream === 'All') out.stream = stream;
  return out;
}

async function serveLogs(opts: NodeStreamingServerOptions, clock: Clock, t: Target, q: URLSearchParams, res: http.ServerResponse): Promise<void> {
  const logOpts = parseLogQuery(q, clock.now());
  const pod = await lookupPod(opts, t);
  const id = logContainerId(pod, t.container, logOpts.previous);
  let logPath: string;
  try {
    const st = await opts.runtime.containerStatus(id);
    logPath = st.status.logPath;
  } catch (e) {
    throw new StreamingHttpError(400, `failed to get container status ${JSON.stringify(id)}: ${(e as Error).message}`);
  }
  if (!logPath) throw new StreamingHttpError(400, `container ${JSON.stringify(t.container)} in pod ${JSON.stringify(t.pod)} has no log file`);
  const ac = new AbortController();
  res.on('close', () => ac.abort());
  const isRunning = async () => {
    try {
      const st = await opts.runtime.containerStatus(id);
      return st.status.state === 'CONTAINER_RUNNING';
    } catch (e) {
      if (isNotFound(e)) return false;
      throw e;
    }
  };
  let started = false;
  const start = () => {
    if (started) return;
    started = true;
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache' });
    res.flushHeaders();
  };
  // Open problems (missing file) still become a 400; the headers go out right after, so a follower sees them.
  const sink = async (chunk: Buffer) => {
    start();
    if (ac.signal.aborted) return;
    if (!res.write(chunk)) await drained(res);
  };
  if (logOpts.follow) {
    // Headers first: a follower of a quiet container must see the 200 at once.
    try {
      await fsp.access(logPath);
    } catch (e) {
      throw new StreamingHttpError(400, `failed to open log file ${JSON.stringify(logPath)}: ${(e as Error).message}`);
    }
    start();
  }
  try {
    await readContainerLogs(logPath, logOpts, sink, { signal: ac.signal, isRunning, clock });
  } catch (e) {
    if (!started) throw new StreamingHttpError(400, (e as Error).message);
    res.destroy();
    return;
  }
  start();
  res.end();
}

async function handleUpgrade(opts: NodeStreamingServerOptions, wss: WebSocketServer, req: http.IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
  const url = new URL(`http://node${req.url?.startsWith('/') ? '' : '/'}${req.url ?? '/'}`);
  let prepared: { rs: () => Promise<RuntimeStreamSession> };
  try {
    const t = parseTarget(url.pathname);
    if (!t || t.kind === 'containerLogs') throw new StreamingHttpError(404, '404 page not found');
    if (String(req.headers.upgrade ?? '').toLowerCase() !== 'websocket') {
      throw new StreamingHttpError(400, `unsupported upgrade ${JSON.stringify(req.headers.upgrade ?? '')}: this node serves exec/attach over WebSocket (${WEBSOCKET_PROTOCOLS.join(', ')})`);
    }
    const offered = String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    if (!selectProtocol(offered, WEBSOCKET_PROTOCOLS)) {
      throw new StreamingHttpError(400, `none of the offered subprotocols [${offered.join(', ')}] is supported; use one of ${WEBSOCKET_PROTOCOLS.join(', ')}`);
    }
    const q = url.searchParams;
    const streams: StreamOptions = {
      stdin: parseBoolParam(q.get('input')),
      stdout: parseBoolParam(q.get('output')),
      stderr: parseBoolParam(q.get('error')),
      tty: parseBoolParam(q.get('tty')),
    };
    // kubelet (remotecommand NewOptions): a tty carries stdout only.
    if (streams.tty) streams.stderr = false;
    if (!streams.stdin && !streams.stdout && !streams.stderr) throw new StreamingHttpError(400, 'you must specify at least 1 of stdin, stdout, stderr');
    const pod = await lookupPod(opts, t);
    const id = runningContainerId(pod, t.container);
    let streamUrl: string;
    try {
      if (t.kind === 'exec') {
        const cmd = q.getAll('command');
        if (cmd.length === 0) throw new StreamingHttpError(400, 'you must specify a command');
        streamUrl = (await opts.runtime.exec({ containerId: id, cmd, ...streams })).url;
      } else {
        streamUrl = (await opts.runtime.attach({ containerId: id, ...streams })).url;
      }
    } catch (e) {
      if (e instanceof StreamingHttpError) throw e;
      throw new StreamingHttpError(500, `failed to ${t.kind} in container: ${(e as Error).message}`);
    }
    prepared = { rs: () => dialRuntimeStream(streamUrl, streams) };
  } catch (e) {
    const code = e instanceof StreamingHttpError ? e.statusCode : 500;
    refuseSocket(socket, code, (e as Error).message ?? String(e));
    return;
  }
  wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
    void bridgeRuntime(ws, prepared.rs);
  });
}

/** Runs one exec/attach session: client WebSocket (v5/v4 channels) ⇄ runtime SPDY streams. */
async function bridgeRuntime(ws: WebSocket, dial: () => Promise<RuntimeStreamSession>): Promise<void> {
  const early: Buffer[] = [];
  let rs: RuntimeStreamSession | undefined;
  let clientGone = false;
  const onMessage = (data: Buffer | ArrayBuffer | Buffer[]) => {
    const msg = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
    if (!rs) {
      early.push(msg);
      return;
    }
    handleClientFrame(rs, msg, ws);
  };
  ws.on('message', onMessage);
  ws.on('close', () => {
    clientGone = true;
    rs?.abort();
  });
  ws.on('error', () => undefined);
  try {
    rs = await dial();
  } catch (e) {
    sendStatusAndClose(ws, internalErrorStatus(`error dialing the container runtime: ${(e as Error).message}`));
    return;
  }
  if (clientGone) {
    rs.abort();
    return;
  }
  const session = rs;
  const sender = new WsSender(ws, { pause: () => session.pause(), resume: () => session.resume() });
  session.onDrain(() => ws.resume());
  session.on('stdout', (b: Buffer) => sender.send(channelFrame(CH_STDOUT, b)));
  session.on('stderr', (b: Buffer) => sender.send(channelFrame(CH_STDERR, b)));
  session.on('done', (status: ChannelStatus) => sendStatusAndClose(ws, status));
  for (const m of early) handleClientFrame(session, m, ws);
  early.length = 0;
  session.start();
}

function handleClientFrame(rs: RuntimeStreamSession, msg: Buffer, ws: WebSocket): void {
  if (msg.length === 0) return;
  const ch = msg[0];
  const data = msg.subarray(1);
  switch (ch) {
    case CH_STDIN:
      if (data.length && !rs.writeStdin(data)) ws.pause();
      return;
    case CH_RESIZE:
      if (data.length) rs.resize(data);
      return;
    case CH_CLOSE:
      if (data[0] === CH_STDIN) rs.closeStdin();
      return;
    default:
      return;
  }
}

function sendStatusAndClose(ws: WebSocket, status: ChannelStatus): void {
  if (ws.readyState !== ws.OPEN) return;
  ws.send(channelFrame(CH_ERROR, JSON.stringify(status)), { binary: true });
  ws.close(1000);
}
