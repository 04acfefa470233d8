/**
 * kube-apiserver's defences against slow and numerous clients, for Node's HTTP server:
 *
 * - Request timeout (WithTimeoutForNonLongRunningRequests): a request that is not long-running gets a 504 Status
 *   once `--request-timeout` (60s) has passed without a response; the handler is told through its abort signal.
 * - In-flight limits (WithMaxInFlightLimit): at most `--max-requests-inflight` (400) read-only and
 *   `--max-mutating-requests-inflight` (200) mutating requests at once; long-running requests and members of
 *   `system:masters` are not counted. Past the limit: 429 with `Retry-After: 1`.
 * - Connections (Go's ReadHeaderTimeout and what Go does not need): a connection that has not sent a complete
 *   request head within the headers timeout is closed, and connections that are not serving a request (never sent
 *   one, still sending one, or idle between requests) are bounded: past the bound the oldest of them is closed.
 *   Go raises its descriptor limit to the hard limit and has no such bound; Node keeps the soft one (often 1024),
 *   where a thousand sockets that never finish a request would leave none for anyone else.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { StatusError } from '../../shared/errors/status-error.ts';
import type { Clock, Timer } from '../../shared/util/clock.ts';
import { realClock } from '../../shared/util/clock.ts';
import { SYSTEM_PRIVILEGED_GROUP, type UserInfo } from '../authentication/user-info.ts';
import type { RequestInfo } from './request-info.ts';

/** kube-apiserver's defaults. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;
export const DEFAULT_MAX_REQUESTS_INFLIGHT = 400;
export const DEFAULT_MAX_MUTATING_REQUESTS_INFLIGHT = 200;
/** Go http.Server's ReadHeaderTimeout in kube-apiserver's secure serving. */
export const DEFAULT_HEADERS_TIMEOUT_MS = 32_000;
/** Connections not serving a request (see the file comment) kept at most. */
export const DEFAULT_MAX_IDLE_CONNECTIONS = 256;

const LONG_RUNNING_VERBS = new Set(['watch', 'proxy']);
const LONG_RUNNING_SUBRESOURCES = new Set(['attach', 'exec', 'proxy', 'log', 'portforward']);
const NON_MUTATING_VERBS = new Set(['get', 'list', 'watch']);

/** kube-apiserver's BasicLongRunningRequestCheck: watch/proxy verbs, attach/exec/proxy/log/portforward subresources. */
export function isLongRunning(info: RequestInfo): boolean {
  return LONG_RUNNING_VERBS.has(info.verb) || (info.isResourceRequest && LONG_RUNNING_SUBRESOURCES.has(info.subresource));
}

/** The timeout filter's answer (apierrors.NewTimeoutError: 504, reason Timeout, "Timeout: " + message). */
export function newRequestTimeout(): StatusError {
  return new StatusError({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: 'Timeout: request did not complete within the allotted timeout',
    reason: 'Timeout',
    details: {},
    code: 504,
  });
}

/**
 * Starts the timeout of one request: after `ms` without a response, writes the 504 (with `Connection: close`, so
 * the socket is not reused while the handler may still write) and aborts `ac`. Returns the cancel function; a
 * response that has started by then is left alone.
 */
export function startRequestTimeout(res: ServerResponse, ms: number, ac: AbortController, clock: Clock = realClock): () => void {
  if (!(ms > 0)) return () => {};
  let timer: Timer | undefined = clock.setTimeout(() => {
    timer = undefined;
    if (res.headersSent || res.writableEnded) return;
    const body = JSON.stringify(newRequestTimeout().status);
    res.statusCode = 504;
    res.setHeader('Content-Type', 'application/json');
    res.setHeader('Content-Length', Buffer.byteLength(body));
    res.setHeader('Connection', 'close');
    res.end(body);
    ac.abort();
  }, ms);
  const cancel = () => {
    timer?.cancel();
    timer = undefined;
  };
  res.once('close', cancel);
  res.once('finish', cancel);
  return cancel;
}

/** WithMaxInFlightLimit. A limit of 0 means no limit. */
export class MaxInFlightLimiter {
  readonly #max: number;
  readonly #maxMutating: number;
  #readOnly = 0;
  #mutating = 0;

  constructor(maxRequestsInFlight = DEFAULT_MAX_REQUESTS_INFLIGHT, maxMutatingRequestsInFlight = DEFAULT_MAX_MUTATING_REQUESTS_INFLIGHT) {
    this.#max = maxRequestsInFlight;
    this.#maxMutating = maxMutatingRequestsInFlight;
  }

  /**
   * Takes a seat for the request: the release function (call it once, when the response is done), a no-op for
   * requests that are not counted, or undefined when the limit is reached (answer with writeTooManyRequests).
   */
  acquire(info: RequestInfo, user: UserInfo): (() => void) | undefined {
    if (isLongRunning(info) || user.groups.includes(SYSTEM_PRIVILEGED_GROUP)) return noop;
    const mutating = !NON_MUTATING_VERBS.has(info.verb);
    if (mutating) {
      if (this.#maxMutating > 0 && this.#mutating >= this.#maxMutating) return undefined;
      this.#mutating++;
    } else {
      if (this.#max > 0 && this.#readOnly >= this.#max) return undefined;
      this.#readOnly++;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (mutating) this.#mutating--;
      else this.#readOnly--;
    };
  }

  get inFlight(): { readOnly: number; mutating: number } {
    return { readOnly: this.#readOnly, mutating: this.#mutating };
  }
}

function noop(): void {}

/**
 * kube-apiserver's tooManyRequests: `Retry-After: 1` and http.Error's plain-text body. The request's body is not
 * read, so the connection is closed after the answer rather than draining an upload of unknown length.
 */
export function writeTooManyRequests(res: ServerResponse): void {
  const body = 'Too many requests, please try again later.\n';
  res.statusCode = 429;
  res.setHeader('Retry-After', '1');
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  if (!res.req.complete) res.setHeader('Connection', 'close');
  res.end(body);
}

interface ConnectionEntry {
  socket: Duplex;
  /** When it was accepted, or when it last became idle. */
  since: number;
  /** Requests being served on it (HTTP/1.1 serves them one after the other). */
  active: number;
  /** The request being served, while there is one (its body may still be arriving). */
  req: IncomingMessage | undefined;
  /** True once it has served a request (an idle keep-alive connection rather than a new one). */
  served: boolean;
  upgraded: boolean;
}

export interface ConnectionGuardOptions {
  /** A connection that sent no complete request head within this is closed. */
  headersTimeoutMs?: number;
  /** Connections not serving a request kept at most; past it the oldest is closed. */
  maxIdleConnections?: number;
  clock?: Clock;
}

/**
 * Tracks every accepted connection of an HTTP(S) server (keyed by the peer's address and port, which the TLS
 * socket and the TCP socket under it share) and enforces the two connection bounds of the file comment.
 */
export class ConnectionGuard {
  readonly #entries = new Map<string, ConnectionEntry>();
  readonly #headersTimeoutMs: number;
  readonly #max: number;
  readonly #clock: Clock;
  #sweep: Timer | undefined;
  #closed = false;

  constructor(server: Server, options: ConnectionGuardOptions = {}) {
    this.#headersTimeoutMs = options.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS;
    this.#max = options.maxIdleConnections ?? DEFAULT_MAX_IDLE_CONNECTIONS;
    this.#clock = options.clock ?? realClock;
    server.on('connection', (socket: Duplex) => this.#accepted(socket));
    server.on('request', (req: IncomingMessage, res: ServerResponse) => this.#request(req, res));
    server.on('upgrade', (req: IncomingMessage) => {
      const e = this.#entries.get(peerKey(req.socket));
      if (e) e.upgraded = true;
    });
    this.#schedule();
  }

  /** Connections tracked, and how many of them are not serving a request (tests, diagnostics). */
  get counts(): { total: number; idle: number } {
    let idle = 0;
    for (const e of this.#entries.values()) if (this.#evictable(e)) idle++;
    return { total: this.#entries.size, idle };
  }

  close(): void {
    this.#closed = true;
    this.#sweep?.cancel();
  }

  #accepted(socket: Duplex): void {
    const key = peerKey(socket);
    const entry: ConnectionEntry = { socket, since: this.#clock.now(), active: 0, req: undefined, served: false, upgraded: false };
    this.#entries.set(key, entry);
    socket.once('close', () => {
      if (this.#entries.get(key) === entry) this.#entries.delete(key);
    });
    this.#enforceBound();
  }

  #request(req: IncomingMessage, res: ServerResponse): void {
    const e = this.#entries.get(peerKey(req.socket));
    if (!e) return;
    e.active++;
    e.req = req;
    e.served = true;
    let done = false;
    const finished = () => {
      if (done) return;
      done = true;
      e.active--;
      if (e.active === 0) {
        e.req = undefined;
        e.since = this.#clock.now();
      }
    };
    res.once('finish', finished);
    res.once('close', finished);
  }

  /** Not serving a request: never sent one, still sending one (head or body), or idle between requests. */
  #evictable(e: ConnectionEntry): boolean {
    if (e.upgraded) return false;
    if (e.active === 0) return true;
    return e.req !== undefined && !e.req.complete;
  }

  #enforceBound(): void {
    if (this.#max <= 0 || this.#entries.size <= this.#max) return;
    const idle: ConnectionEntry[] = [];
    for (const e of this.#entries.values()) if (this.#evictable(e)) idle.push(e);
    if (idle.length <= this.#max) return;
    idle.sort((a, b) => a.since - b.since);
    for (let i = 0; i < idle.length - this.#max; i++) idle[i]!.socket.destroy();
  }

  #schedule(): void {
    if (this.#closed) return;
    const t = this.#clock.setTimeout(() => {
      this.#expireSilent();
      this.#schedule();
    }, Math.min(1000, Math.max(50, this.#headersTimeoutMs / 4)));
    t.unref?.();
    this.#sweep = t;
  }

  /** Closes connections that never completed a request head within the headers timeout (Node's own headersTimeout starts at the first byte). */
  #expireSilent(): void {
    if (this.#headersTimeoutMs <= 0) return;
    const deadline = this.#clock.now() - this.#headersTimeoutMs;
    for (const e of this.#entries.values()) {
      if (!e.served && e.active === 0 && !e.upgraded && e.since <= deadline) e.socket.destroy();
    }
  }
}

function peerKey(socket: Duplex): string {
  const s = socket as Duplex & { remoteAddress?: string; remotePort?: number };
  return `${s.remoteAddress ?? ''}|${s.remotePort ?? 0}`;
}
