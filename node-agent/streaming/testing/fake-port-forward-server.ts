/**
 * A stand-in for the runtime's stream server on the port-forward path (containerd's copy of kubelet's
 * cri/streaming/portforward), so the apiserver and agent legs can be tested without containerd. It serves
 * the URLs `portForwardUrl()` hands out (one-shot tokens) and "forwards" to TCP ports on 127.0.0.1, which the
 * test plays as the pod's network namespace:
 * - SPDY/3.1 `portforward.k8s.io`: streams must carry `streamType` (data|error), `port` and `requestID`; a data
 *   and an error stream with the same requestID form a pair, and each complete pair becomes one TCP connection
 *   (data both ways, the data stream's FIN half-closes towards the port). A failed dial is written on the
 *   pair's error stream as `error forwarding port P to pod <sandbox>, uid : <why>`, then the pair is closed;
 *   the session goes on.
 * - WebSocket `v4.channel.k8s.io` (and `v4.base64.channel.k8s.io`): the ports of the CRI request, two channels
 *   each (data 2i, error 2i+1), both opened with the port as 2 bytes little endian; one TCP connection per
 *   port; the WebSocket closes when every port's connection ended.
 */
import * as http from 'node:http';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { PodSandboxFilter, PortForwardRequest, RuntimeService } from '../../cri/services.ts';
import { CriError } from '../../cri/services.ts';
import { LABEL_POD_UID } from '../../kuberuntime/labels.ts';
import { SpdySession, type SpdyStream } from '../../../shared/streaming/spdy/spdy-session.ts';

export const V4_BINARY_PROTOCOL = 'v4.channel.k8s.io';
export const V4_BASE64_PROTOCOL = 'v4.base64.channel.k8s.io';

export class FakePortForwardServer {
  readonly server = http.createServer((_req, res) => {
    res.writeHead(400);
    res.end('Upgrade request required');
  });
  readonly #wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    handleProtocols: (offered) => [V4_BINARY_PROTOCOL, V4_BASE64_PROTOCOL].find((p) => offered.has(p)) ?? false,
  });
  readonly #pending = new Map<string, PortForwardRequest>();
  /** Every request handed out, in order (what the agent asked CRI for). */
  readonly requests: PortForwardRequest[] = [];
  port = 0;
  #n = 0;
  readonly #sockets = new Set<Duplex>();

  async start(): Promise<void> {
    this.server.on('connection', (s: Duplex) => {
      this.#sockets.add(s);
      s.on('close', () => this.#sockets.delete(s));
    });
    this.server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => this.#upgrade(req, socket, head));
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
  }

  /** What CRI PortForward returns for `req`. */
  portForwardUrl(req: PortForwardRequest): string {
    const token = `pf${++this.#n}`;
    this.#pending.set(token, req);
    this.requests.push(req);
    return `http://127.0.0.1:${this.port}/portforward/${token}`;
  }

  #upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    const token = (req.url ?? '').split('/').pop() ?? '';
    const pf = this.#pending.get(token);
    this.#pending.delete(token);
    if (!pf) {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const upgrade = String(req.headers.upgrade ?? '').toLowerCase();
    if (upgrade === 'websocket') {
      this.#wss.handleUpgrade(req, socket, head, (ws) => serveWebSocket(ws, pf));
      return;
    }
    const offered = String(req.headers['x-stream-protocol-version'] ?? '').split(',').map((s) => s.trim());
    if (upgrade !== 'spdy/3.1' || !offered.includes('portforward.k8s.io')) {
      const body = `unable to upgrade: unable to negotiate protocol: client supports [${offered.join(' ')}], server supports [portforward.k8s.io]`;
      socket.end(`HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      return;
    }
    socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: portforward.k8s.io\r\n\r\n');
    const session = new SpdySession(socket, 'server', head);
    // The connection ends with the session (a SPDY peer's FIN is the end; kubelet closes the connection).
    session.on('close', () => socket.destroy());
    serveSpdy(session, pf.podSandboxId);
  }

  close(): Promise<void> {
    for (const c of this.#wss.clients) c.terminate();
    for (const s of this.#sockets) s.destroy();
    return new Promise<void>((r) => this.server.close(() => r()));
  }
}

interface Pair {
  data?: SpdyStream;
  error?: SpdyStream;
}

/** The SPDY side: pairs streams by requestID and forwards each complete pair. */
function serveSpdy(session: SpdySession, sandbox: string): void {
  session.on('error', () => undefined);
  const pairs = new Map<string, Pair>();
  session.on('stream', (st: SpdyStream) => {
    const type = st.header('streamtype');
    const port = Number(st.header('port'));
    if ((type !== 'data' && type !== 'error') || !Number.isInteger(port) || port < 1 || port > 65535) {
      st.reset();
      return;
    }
    st.reply();
    const id = st.header('requestid') ?? String(type === 'error' ? st.id : st.id - 2);
    const pair = pairs.get(id) ?? {};
    pairs.set(id, pair);
    if (pair[type]) {
      pair.error?.write(Buffer.from(`error processing stream for request ${id}: ${type} stream already assigned`));
      st.reset();
      return;
    }
    pair[type] = st;
    if (pair.data && pair.error) {
      pairs.delete(id);
      forwardPair(pair.data, pair.error, port, sandbox);
    }
  });
}

function forwardPair(data: SpdyStream, error: SpdyStream, port: number, sandbox: string): void {
  const conn = net.connect({ host: '127.0.0.1', port });
  let connected = false;
  conn.on('connect', () => {
    connected = true;
  });
  conn.on('error', (e: Error) => {
    if (!connected) {
      error.write(Buffer.from(`error forwarding port ${port} to pod ${sandbox}, uid : failed to connect to localhost:${port} inside namespace ${JSON.stringify(sandbox)}: ${e.message}`));
    }
    error.end();
    data.end();
  });
  // No flow control in the stand-in: tests move little data through it.
  data.on('data', (b: Buffer) => conn.write(b));
  data.on('end', () => conn.end());
  conn.on('data', (b: Buffer) => data.write(b));
  conn.on('end', () => {
    data.end();
    error.end();
  });
  data.on('close', () => conn.destroy());
}

/** The WebSocket side: two channels per port, the port as the first 2 bytes of each. */
function serveWebSocket(ws: WebSocket, pf: PortForwardRequest): void {
  const base64 = ws.protocol === V4_BASE64_PROTOCOL;
  const send = (channel: number, data: Buffer) => {
    if (ws.readyState !== ws.OPEN) return;
    if (base64) ws.send(`${String.fromCharCode(48 + channel)}${data.toString('base64')}`);
    else ws.send(Buffer.concat([Buffer.from([channel]), data]), { binary: true });
  };
  const ports = pf.ports ?? [];
  const conns: net.Socket[] = [];
  let open = ports.length;
  ports.forEach((port, i) => {
    const portBytes = Buffer.alloc(2);
    portBytes.writeUInt16LE(port);
    send(2 * i, portBytes);
    send(2 * i + 1, portBytes);
    const conn = net.connect({ host: '127.0.0.1', port });
    conns[i] = conn;
    let connected = false;
    conn.on('connect', () => (connected = true));
    conn.on('data', (b: Buffer) => send(2 * i, b));
    const done = () => {
      if (--open === 0 && ws.readyState === ws.OPEN) ws.close(1000);
    };
    conn.on('error', (e: Error) => {
      if (!connected) send(2 * i + 1, Buffer.from(`error forwarding port ${port} to pod ${pf.podSandboxId}, uid : ${e.message}`));
    });
    conn.on('close', done);
  });
  ws.on('message', (msg: Buffer, isBinary: boolean) => {
    const raw = isBinary ? msg : Buffer.from(msg.toString().slice(1), 'base64');
    const channel = isBinary ? msg[0] : msg.toString().charCodeAt(0) - 48;
    if (channel === undefined || channel % 2 !== 0) return;
    const body = isBinary ? raw.subarray(1) : raw;
    conns[channel / 2]?.write(body);
  });
  ws.on('close', () => {
    for (const c of conns) c.destroy();
  });
}

/** A sandbox of the fake runtime: its id, the pod uid it carries as label, when it was created. */
export interface FakeSandbox {
  id: string;
  podUid: string;
  createdAt: bigint;
}

/**
 * The RuntimeService calls the port-forward endpoint makes (ListPodSandbox by the pod-uid label,
 * PortForward), served from `sandboxes` and `server`. Other calls are absent.
 */
export function fakePortForwardRuntime(server: FakePortForwardServer, sandboxes: FakeSandbox[]): RuntimeService {
  return {
    async listPodSandbox(filter?: PodSandboxFilter) {
      const uid = filter?.labelSelector?.[LABEL_POD_UID];
      return sandboxes
        .filter((s) => uid === undefined || s.podUid === uid)
        .map((s) => ({ id: s.id, metadata: { name: '', uid: s.podUid, namespace: '', attempt: 0 }, state: 'SANDBOX_READY', createdAt: s.createdAt, labels: { [LABEL_POD_UID]: s.podUid }, annotations: {}, runtimeHandler: '' }));
    },
    async portForward(req: PortForwardRequest) {
      if (!sandboxes.some((s) => s.id === req.podSandboxId)) throw new CriError('NOT_FOUND', `an error occurred when try to find sandbox ${JSON.stringify(req.podSandboxId)}: not found`);
      return { url: server.portForwardUrl(req) };
    },
  } as unknown as RuntimeService;
}
