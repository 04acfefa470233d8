/**
 * An upgrade-aware proxy for one request (k8s.io/apimachinery/pkg/util/proxy UpgradeAwareHandler, the part
 * kubelet's proxyStream and kube-apiserver's pods/portforward use): the client's upgrade request is sent on to
 * a backend, the backend's `101 Switching Protocols` goes back to the client byte for byte, and from then on
 * the two connections are piped both ways, so whatever the upgraded protocol is (SPDY/3.1, WebSocket) passes
 * through unchanged. Backpressure is the pipes' own: a slow reader on one side stops reading on the other.
 *
 *   const r = await dialUpgrade(url, { method: 'POST', headers: upgradeHeaders(req) }, { tls });
 *   if (r.kind === 'upgraded') spliceUpgraded(clientSocket, clientHead, r);
 *   else refuse(r.statusCode, r.body);
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type * as net from 'node:net';
import type { Duplex } from 'node:stream';

/** The request headers an upgrade carries to the backend (hop-by-hop upgrade headers and the protocol offers). */
const UPGRADE_HEADERS = ['connection', 'upgrade', 'x-stream-protocol-version', 'sec-websocket-key', 'sec-websocket-version', 'sec-websocket-protocol', 'sec-websocket-extensions', 'origin'];

/** The upgrade-related headers of a client request, for sending it on (credentials and the rest stay behind). */
export function upgradeHeaders(req: http.IncomingMessage): http.OutgoingHttpHeaders {
  const out: http.OutgoingHttpHeaders = {};
  for (const name of UPGRADE_HEADERS) {
    const v = req.headers[name];
    if (v !== undefined) out[name] = v;
  }
  return out;
}

export type UpgradeDialResult =
  | {
      kind: 'upgraded';
      /** The backend's 101 (status line and headers as received). */
      response: http.IncomingMessage;
      socket: Duplex;
      /** Bytes the backend sent right after its 101. */
      head: Buffer;
    }
  | { kind: 'refused'; statusCode: number; headers: http.IncomingHttpHeaders; body: string };

export interface UpgradeDialOptions {
  method?: string;
  headers: http.OutgoingHttpHeaders;
}

/** TLS towards an https backend (client certificate, CA; rejectUnauthorized false without a CA). */
export interface UpgradeDialTLS {
  cert?: Buffer;
  key?: Buffer;
  ca?: Buffer;
  rejectUnauthorized: boolean;
}

/** The most of a refusal's body that is kept. */
const MAX_REFUSAL_BODY = 64 * 1024;

/**
 * Sends an upgrade request to `url` and resolves with the upgraded connection, or with the backend's answer when
 * it did not switch protocols. Rejects on a transport failure or when no answer came within `timeoutMs`.
 */
export function dialUpgrade(url: string, req: UpgradeDialOptions, o: { tls?: UpgradeDialTLS | undefined; timeoutMs?: number; signal?: AbortSignal } = {}): Promise<UpgradeDialResult> {
  const u = new URL(url);
  const secure = u.protocol === 'https:' || u.protocol === 'wss:';
  const timeoutMs = o.timeoutMs ?? 30_000;
  return new Promise<UpgradeDialResult>((resolve, reject) => {
    const options: https.RequestOptions = {
      host: u.hostname.replace(/^\[|\]$/g, ''),
      port: u.port || (secure ? 443 : 80),
      path: `${u.pathname}${u.search}`,
      method: req.method ?? 'GET',
      agent: false,
      headers: { ...req.headers, host: u.host },
      ...(secure && o.tls ? o.tls : {}),
      ...(secure && !o.tls ? { rejectUnauthorized: false } : {}),
    };
    const r = secure ? https.request(options) : http.request(options);
    let settled = false;
    const timer = setTimeout(() => r.destroy(new Error(`timed out waiting for an answer from ${u.host}`)), timeoutMs);
    const onAbort = () => r.destroy(new Error('aborted'));
    o.signal?.addEventListener('abort', onAbort, { once: true });
    const done = () => {
      settled = true;
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
    };
    r.on('upgrade', (res: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      done();
      (socket as net.Socket).setNoDelay?.(true);
      resolve({ kind: 'upgraded', response: res, socket, head });
    });
    r.on('response', (res: http.IncomingMessage) => {
      const chunks: Buffer[] = [];
      let n = 0;
      res.on('data', (c: Buffer) => {
        if (n < MAX_REFUSAL_BODY) chunks.push(c);
        n += c.length;
      });
      res.on('end', () => {
        done();
        resolve({ kind: 'refused', statusCode: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', (e: Error) => {
        done();
        reject(e);
      });
    });
    r.on('error', (e: Error) => {
      if (settled) return;
      done();
      reject(e);
    });
    r.end();
  });
}

/** The raw bytes of a response head: status line and headers as the backend sent them, then the blank line. */
export function responseHeadBytes(res: http.IncomingMessage): Buffer {
  const lines = [`HTTP/${res.httpVersion} ${res.statusCode ?? 101} ${res.statusMessage ?? ''}`];
  for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) lines.push(`${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}`);
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
}

/**
 * Completes a client's upgrade with the backend's 101 and pipes the two connections both ways until either
 * ends. `clientHead`: bytes the client sent after its request head; `backendHead`: what the backend sent
 * after its 101. Returns a function that tears both down.
 */
export function spliceUpgraded(client: Duplex, clientHead: Buffer, backend: { response: http.IncomingMessage; socket: Duplex; head: Buffer }): () => void {
  const up = backend.socket;
  (client as net.Socket).setNoDelay?.(true);
  const close = () => {
    client.destroy();
    up.destroy();
  };
  client.on('error', close);
  up.on('error', close);
  // An orderly end of one side is passed on by pipe() once the bytes before it are written, and the other side
  // closes in turn; a side that goes away without ending (reset) takes the other with it at once.
  const follow = (gone: Duplex, other: Duplex) => {
    gone.on('close', () => {
      if (!gone.readableEnded) other.destroy();
      else closeAfterFlush(other);
    });
  };
  follow(client, up);
  follow(up, client);
  client.write(responseHeadBytes(backend.response));
  if (backend.head.length) client.write(backend.head);
  if (clientHead.length) up.write(clientHead);
  client.pipe(up);
  up.pipe(client);
  return close;
}

/** How long a connection whose peer ended may stay half-open once our last bytes are written. */
const HALF_OPEN_GRACE_MS = 10_000;

/** Destroys a socket once what it has buffered was written, unless it closes by itself first. */
function closeAfterFlush(sock: Duplex): void {
  if (sock.destroyed) return;
  const later = () => setTimeout(() => sock.destroy(), HALF_OPEN_GRACE_MS).unref();
  if (sock.writableFinished) later();
  else sock.once('finish', later);
}

/** Writes an HTTP error answer on a raw socket and closes it (before any upgrade happened). */
export function refuseUpgrade(socket: Duplex, code: number, body: string, contentType = 'text/plain; charset=utf-8'): void {
  if (socket.destroyed) return;
  const reason = http.STATUS_CODES[code] ?? 'Error';
  socket.end(`HTTP/1.1 ${code} ${reason}\r\nContent-Type: ${contentType}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}
