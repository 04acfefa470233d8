/**
 * kube-apiserver's defences against slow and numerous clients, for Node's HTTP server:
 *
 * - Request timeout (WithTimeoutForNonLongRunningRequests): a request that is not long-running gets a 504 Status
 *   once `--request-timeout` (60s) has passed without a response; the handler is told through its abort signal.
 * - In-flight limits (WithMaxInFlightLimit): at most `--max-requests-inflight` (400) read-only and
 *   `--max-mutating-requests-inflight` (200) mutating requests at once; long-running requests and members of
 *   `system:masters` are not counted. Past the limit: 429 with `Retry-After: 1`.
 * - Connections (Go's ReadHeaderTimeout and what Go does not need): a connection that has not sent a complete
 *   request head within the headers timeout is closed, and connections that have not sent a complete request
 *   (nothing yet, or a head or body still arriving) are bounded, as are idle keep-alive connections: past a bound
 *   the oldest of its kind is closed (the newest, like a probe that just connected, are kept).
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
/** Connections that have not sent a complete request (see the file comment) kept at most. */
export const DEFAULT_MAX_PENDING_CONNECTIONS = 256;
/** Idle keep-alive connections kept at most (besides Node's keep-alive timeout). */
export const DEFAULT_MAX_IDLE_CONNECTIONS = 512;

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

const GO_DURATION_UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Go's time.ParseDuration (`30s`, `1m30s`, `1.5h`, `500ms`, `0`) in milliseconds, or undefined when invalid. */
export function parseGoDuration(raw: string): number | undefined {
  let rest = raw;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    sign = rest.startsWith('-') ? -1 : 1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') return undefined;
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/y;
  let total = 0;
  let at = 0;
  while (at < rest.length) {
    re.lastIndex = at;
    const m = re.exec(rest);
    if (!m) return undefined;
    total += Number(m[1]) * (GO_DURATION_UNITS[m[2] as string] as number);
    at = re.lastIndex;
  }
  return sign * total;
}

/**
 * The timeout of a request that is not long-running (kube's WithRequestDeadline): the client's `?timeout=`
 * (kubectl --request-timeout) when it is shorter than the server's, else the server's. An unparsable value is a
 * 400 in kube's words.
 */
export function requestDeadlineMs(query: URLSearchParams, serverTimeoutMs: number): number {
  const raw = query.get('timeout');
  if (raw === null || raw === '') return serverTimeoutMs;
  const ms = parseGoDuration(raw);
  if (ms === undefined) {
    throw new StatusError({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: `invalid timeout specified in the request URL - time: invalid duration ${JSON.stringify(raw)}`,
      reason: 'BadRequest',
      code: 400,
    });
  }
  if (ms <= 0 || (serverTimeoutMs > 0 && ms > serverTimeoutMs)) return serverTimeoutMs;
  return ms;
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
  /** Connections that have not sent a complete request kept at most; past it the oldest is closed. */
  maxPendingConnections?: number;
  /** Idle keep-alive connections kept at most; past it the oldest is closed. */
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
  readonly #maxPending: number;
  readonly #maxIdle: number;
  readonly #clock: Clock;
  #sweep: Timer | undefined;
  #closed = false;

  constructor(server: Server, options: ConnectionGuardOptions = {}) {
    this.#headersTimeoutMs = options.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS;
    this.#maxPending = options.maxPendingConnections ?? DEFAULT_MAX_PENDING_CONNECTIONS;
    this.#maxIdle = options.maxIdleConnections ?? DEFAULT_MAX_IDLE_CONNECTIONS;
    this.#clock = options.clock ?? realClock;
    server.on('connection', (socket: Duplex) => this.#accepted(socket));
    server.on('request', (req: IncomingMessage, res: ServerResponse) => this.#request(req, res));
    server.on('upgrade', (req: IncomingMessage) => {
      const e = this.#entries.get(peerKey(req.socket));
      if (e) e.upgraded = true;
    });
    this.#schedule();
  }

  /** Connections tracked, pending and idle (tests, diagnostics). */
  get counts(): { total: number; pending: number; idle: number } {
    let pending = 0;
    let idle = 0;
    for (const e of this.#entries.values()) {
      if (this.#pending(e)) pending++;
      else if (this.#idle(e)) idle++;
    }
    return { total: this.#entries.size, pending, idle };
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

  /** Pending: has not sent a complete request yet (nothing at all, or a head or body still arriving). */
  #pending(e: ConnectionEntry): boolean {
    if (e.upgraded) return false;
    if (e.active === 0) return !e.served;
    return e.req !== undefined && !e.req.complete;
  }

  /** Idle: a keep-alive connection between requests. */
  #idle(e: ConnectionEntry): boolean {
    return !e.upgraded && e.served && e.active === 0;
  }

  #enforceBound(): void {
    if (this.#entries.size <= Math.min(this.#maxPending, this.#maxIdle)) return;
    const pending: ConnectionEntry[] = [];
    const idle: ConnectionEntry[] = [];
    for (const e of this.#entries.values()) {
      if (this.#pending(e)) pending.push(e);
      else if (this.#idle(e)) idle.push(e);
    }
    closeOldest(pending, this.#maxPending);
    closeOldest(idle, this.#maxIdle);
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

/** Closes the oldest connections of `list` past `max` (0: no bound). */
function closeOldest(list: ConnectionEntry[], max: number): void {
  if (max <= 0 || list.length <= max) return;
  list.sort((a, b) => a.since - b.since);
  for (let i = 0; i < list.length - max; i++) list[i]!.socket.destroy();
}

function peerKey(socket: Duplex): string {
  const s = socket as Duplex & { remoteAddress?: string; remotePort?: number };
  return `${s.remoteAddress ?? ''}|${s.remotePort ?? 0}`;
}
