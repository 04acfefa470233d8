/**
 * Client for the container runtime's streaming server: the URL that CRI Exec/Attach return
 * (containerd 1.6: `http://127.0.0.1:<port>/exec/<token>`, a one-shot token).
 *
 * Protocol choice (measured against containerd 1.6.20): its stream server (kubelet's cri/streaming package)
 * accepts both SPDY/3.1 and WebSocket `v4.channel.k8s.io`, but WebSocket v4 has no way to close stdin
 * (v5's close signal is newer than containerd's copy of the code), so `kubectl exec -i … -- cat` would never
 * end. SPDY half-closes the stdin stream with FIN, so this client speaks SPDY/3.1 with the v4 stream protocol,
 * as kubelet's own proxy does:
 *   POST <url>, `Connection: Upgrade`, `Upgrade: SPDY/3.1`, `X-Stream-Protocol-Version: v4.channel.k8s.io`
 *   → 101; then streams error, stdin?, stdout?, stderr? (never with a tty), resize? (tty only), each
 *   `streamType: <name>`; the server starts the command once all are replied. At the end it writes the status
 *   (JSON metav1.Status) on the error stream and resets everything.
 */
import * as http from 'node:http';
import type * as net from 'node:net';
import type { Duplex } from 'node:stream';
import { EventEmitter } from 'node:events';
import { SpdySession, type SpdyStream } from '../../shared/streaming/spdy/spdy-session.ts';
import {
  STREAM_PROTOCOL_V4,
  STREAM_TYPE_HEADER,
  internalErrorStatus,
  successStatus,
  type ChannelStatus,
  type StreamOptions,
  type StreamType,
} from '../../shared/streaming/remote-command.ts';

export class RuntimeStreamError extends Error {
  readonly statusCode: number;
  constructor(message: string, statusCode = 0) {
    super(message);
    this.name = 'RuntimeStreamError';
    this.statusCode = statusCode;
  }
}

/**
 * One remote-command session with the runtime. Events: `stdout` (Buffer), `stderr` (Buffer), `done`
 * (ChannelStatus, once, after all output). Output that arrives before `start()` is held back, so listeners
 * can be attached after the dial resolved. `pause()`/`resume()` apply backpressure to the runtime.
 */
export class RuntimeStreamSession extends EventEmitter {
  readonly #session: SpdySession;
  readonly #streams: Partial<Record<StreamType, SpdyStream>>;
  #statusBytes: Buffer[] = [];
  #done = false;
  #started = false;
  #held: ['stdout' | 'stderr', Buffer][] = [];
  #heldStatus: ChannelStatus | undefined;
  /** Resolves with the status when the session ends. */
  readonly done: Promise<ChannelStatus>;
  #resolveDone!: (s: ChannelStatus) => void;

  constructor(session: SpdySession, streams: Partial<Record<StreamType, SpdyStream>>) {
    super();
    this.#session = session;
    this.#streams = streams;
    this.done = new Promise((resolve) => (this.#resolveDone = resolve));
    streams.stdout?.on('data', (b: Buffer) => this.#output('stdout', b));
    streams.stderr?.on('data', (b: Buffer) => this.#output('stderr', b));
    const err = streams.error;
    err?.on('data', (b: Buffer) => this.#statusBytes.push(b));
    // The runtime writes the status and then resets every stream and closes; all output precedes it on the
    // connection, so the error stream ending is the end of the session.
    err?.on('end', () => this.#finish());
    session.on('close', () => this.#finish());
    session.on('error', () => undefined);
  }

  /** Delivers held-back output and starts emitting. Call once the listeners are attached. */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    for (const [kind, b] of this.#held) this.emit(kind, b);
    this.#held = [];
    if (this.#heldStatus) this.#deliver(this.#heldStatus);
  }

  #output(kind: 'stdout' | 'stderr', b: Buffer): void {
    if (this.#started) this.emit(kind, b);
    else this.#held.push([kind, b]);
  }

  #deliver(status: ChannelStatus): void {
    this.emit('done', status);
    this.#resolveDone(status);
  }

  get hasStdin(): boolean {
    return this.#streams.stdin !== undefined;
  }

  /** Writes to the command's stdin; false when the connection is congested (wait for 'drain'). */
  writeStdin(data: Buffer): boolean {
    const st = this.#streams.stdin;
    if (!st || st.localClosed) return true;
    return st.write(data);
  }

  /** stdin EOF. */
  closeStdin(): void {
    this.#streams.stdin?.end();
  }

  /** A terminal size change: raw JSON `{"Width":w,"Height":h}` (as kubectl sends it) or the numbers. */
  resize(size: Buffer | { width: number; height: number }): void {
    const st = this.#streams.resize;
    if (!st || st.localClosed) return;
    const body = Buffer.isBuffer(size) ? size : Buffer.from(JSON.stringify({ Width: size.width, Height: size.height }));
    st.write(body);
  }

  onDrain(fn: () => void): void {
    this.#session.on('drain', fn);
  }

  pause(): void {
    this.#session.pause();
  }
  resume(): void {
    this.#session.resume();
  }

  /** Ends the session from our side (the client went away). */
  abort(): void {
    for (const st of Object.values(this.#streams)) st?.reset();
    this.#session.close();
    this.#session.destroy();
    this.#finish();
  }

  #finish(): void {
    if (this.#done) return;
    this.#done = true;
    const raw = Buffer.concat(this.#statusBytes).toString('utf8').trim();
    let status: ChannelStatus;
    if (!raw) {
      status = successStatus();
    } else {
      try {
        status = JSON.parse(raw) as ChannelStatus;
      } catch {
        // A v1-style plain-text error.
        status = internalErrorStatus(raw);
      }
    }
    if (this.#started) this.#deliver(status);
    else this.#heldStatus = status;
    this.#session.close();
  }
}

/**
 * Connects to a runtime streaming URL and opens the streams `opts` asks for. Rejects with RuntimeStreamError
 * when the upgrade is refused (its HTTP status and body) or the streams are not accepted in time.
 */
export async function dialRuntimeStream(
  url: string,
  opts: StreamOptions,
  o: { signal?: AbortSignal; timeoutMs?: number } = {},
): Promise<RuntimeStreamSession> {
  const u = new URL(url);
  if (u.protocol !== 'http:') throw new RuntimeStreamError(`unsupported streaming URL scheme ${u.protocol} (only http)`);
  const timeoutMs = o.timeoutMs ?? 30_000;
  const { socket, head } = await new Promise<{ socket: Duplex; head: Buffer }>((resolve, reject) => {
    const req = http.request({
      host: u.hostname,
      port: u.port || 80,
      path: `${u.pathname}${u.search}`,
      method: 'POST',
      agent: false,
      headers: {
        Connection: 'Upgrade',
        Upgrade: 'SPDY/3.1',
        'X-Stream-Protocol-Version': STREAM_PROTOCOL_V4,
        'Content-Length': '0',
      },
    });
    const timer = setTimeout(() => req.destroy(new RuntimeStreamError(`timed out connecting to the runtime streaming server at ${u.host}`)), timeoutMs);
    const onAbort = () => req.destroy(new RuntimeStreamError('aborted'));
    o.signal?.addEventListener('abort', onAbort, { once: true });
    const cleanup = () => {
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
    };
    req.on('upgrade', (res, sock, h) => {
      cleanup();
      const proto = String(res.headers['x-stream-protocol-version'] ?? '');
      if (proto && proto !== STREAM_PROTOCOL_V4) {
        sock.destroy();
        reject(new RuntimeStreamError(`runtime streaming server chose protocol ${JSON.stringify(proto)}, want ${STREAM_PROTOCOL_V4}`));
        return;
      }
      resolve({ socket: sock, head: h });
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.length < 64 && chunks.push(c));
      res.on('end', () => {
        cleanup();
        const body = Buffer.concat(chunks).toString('utf8').trim();
        reject(new RuntimeStreamError(body || `runtime streaming server answered ${res.statusCode}`, res.statusCode ?? 0));
      });
      res.on('error', (e) => {
        cleanup();
        reject(e);
      });
    });
    req.on('error', (e) => {
      cleanup();
      reject(e instanceof RuntimeStreamError ? e : new RuntimeStreamError(`error dialing the runtime streaming server: ${e.message}`));
    });
    req.end();
  });
  (socket as net.Socket).setNoDelay?.(true);
  const session = new SpdySession(socket, 'client', head);
  session.on('error', () => undefined);
  const open = (type: StreamType) => session.openStream({ [STREAM_TYPE_HEADER]: [type] });
  const streams: Partial<Record<StreamType, SpdyStream>> = {};
  // client-go's order: error first, then stdin, stdout, stderr, resize.
  streams.error = open('error');
  if (opts.stdin) streams.stdin = open('stdin');
  if (opts.stdout) streams.stdout = open('stdout');
  if (opts.stderr && !opts.tty) streams.stderr = open('stderr');
  if (opts.tty) streams.resize = open('resize');
  // Listeners go on before any reply can arrive, so no output is lost.
  const rs = new RuntimeStreamSession(session, streams);
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      Promise.all(Object.values(streams).map((s) => s?.replied)),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new RuntimeStreamError('timed out waiting for the runtime to accept the streams')), timeoutMs);
      }),
    ]);
  } catch (e) {
    session.destroy();
    throw e instanceof RuntimeStreamError ? e : new RuntimeStreamError((e as Error).message);
  } finally {
    clearTimeout(timer);
  }
  return rs;
}
