/**
 * HTTP(S) client for the Kubernetes API over node:http / node:https.
 *
 * - JSON in, JSON out. A non-2xx response becomes a StatusError built from the body by `fromResponse`, so
 *   `isNotFound(err)` / `isConflict(err)` work on errors from the server.
 * - Two keep-alive agents: one, bounded (`maxSockets`), for ordinary requests, so that thousands of requests
 *   reuse a few connections; one, unbounded, for watches, so that long-lived streams never starve requests
 *   (and requests never queue behind watches).
 * - TLS: CA bundle, insecure-skip-verify, server name override, client certificate; bearer token (or a token
 *   file re-read every minute, as projected service-account tokens rotate) or basic auth.
 * - A 429 with Retry-After (the server's in-flight limit refused the request before handling it) is retried
 *   after that many seconds, up to 10 times, as client-go does.
 * - Every request has a deadline (`timeoutMs`, default 60 s) and honours an AbortSignal. Watches have no
 *   client deadline beyond `timeoutSeconds` + 30 s when the caller passes timeoutSeconds (the server is
 *   expected to end the stream first; the margin only catches dead connections).
 */
import http from 'node:http';
import https from 'node:https';
import { readFileSync } from 'node:fs';
import type { KubeObject, WatchEvent } from '../api/meta.ts';
import { fromResponse, newStatus, StatusError } from '../errors/status-error.ts';
import { realClock, type Clock } from '../util/clock.ts';
import type { Client, ResourceClient, ResourceDescriptor } from './interfaces.ts';
import { RestResourceClient } from './resource-client.ts';
import { WatchDecoder } from './watch-decoder.ts';

export interface RestClientOptions {
  /** Base URL, e.g. https://127.0.0.1:6443 (a path prefix is kept). */
  server: string;
  /** PEM CA bundle to verify the server with (default: Node's root store). */
  ca?: string | Buffer;
  insecureSkipTLSVerify?: boolean;
  /** SNI / certificate name to verify instead of the URL host. */
  tlsServerName?: string;
  /** Bearer token. */
  token?: string;
  /** File holding a bearer token; re-read at most once a minute. */
  tokenFile?: string;
  username?: string;
  password?: string;
  /** PEM client certificate and key. */
  clientCert?: string | Buffer;
  clientKey?: string | Buffer;
  /** Deadline of non-watch requests; 0 disables. @default 60000 */
  timeoutMs?: number;
  /** @default 'kubelab/0.1.0 (node)' */
  userAgent?: string;
  /** Concurrent connections for non-watch requests. @default 100 */
  maxSockets?: number;
  /** Extra headers sent with every request. */
  headers?: Record<string, string>;
  /** Waits between retries of a 429. @default realClock */
  clock?: Clock;
}

/** client-go's maxRetries for a 429 with Retry-After, and the longest wait it honours here. */
const MAX_429_RETRIES = 10;
const MAX_RETRY_AFTER_SECONDS = 10;

export type QueryValue = string | number | boolean | undefined | null;
export type QueryParams = Record<string, QueryValue>;

export interface RequestOptions {
  /** @default 'GET' */
  method?: string;
  /** Absolute API path, e.g. /api/v1/namespaces/default/pods. */
  path: string;
  query?: QueryParams;
  /** A string or Buffer is sent as is; anything else as JSON. */
  body?: unknown;
  /** @default 'application/json' when there is a body */
  contentType?: string;
  /** @default 'application/json' */
  accept?: string;
  signal?: AbortSignal;
  /** Overrides the client's timeoutMs for this request. */
  timeoutMs?: number;
}

export interface RawResponse {
  statusCode: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

const TOKEN_FILE_TTL_MS = 60_000;
const WATCH_DEADLINE_MARGIN_MS = 30_000;

export class RestClient implements Client {
  readonly #base: URL;
  readonly #https: boolean;
  #agent: http.Agent;
  #watchAgent: http.Agent;
  readonly #timeoutMs: number;
  readonly #headers: Record<string, string>;
  #options: RestClientOptions;
  #tokenFromFile: { token: string; readAt: number } | undefined;

  constructor(options: RestClientOptions) {
    let base: URL;
    try {
      base = new URL(options.server);
    } catch {
      throw new TypeError(`Cannot create RestClient as the server URL is invalid: ${JSON.stringify(options.server)}`);
    }
    if (base.protocol !== 'https:' && base.protocol !== 'http:') {
      throw new TypeError(`Cannot create RestClient as the server URL scheme is not http(s): ${options.server}`);
    }
    this.#options = options;
    this.#base = base;
    this.#https = base.protocol === 'https:';
    this.#timeoutMs = options.timeoutMs ?? 60_000;
    this.#headers = {
      'User-Agent': options.userAgent ?? 'kubelab/0.1.0 (node)',
      ...options.headers,
    };
    [this.#agent, this.#watchAgent] = this.#newAgents(options);
  }

  #newAgents(options: RestClientOptions): [http.Agent, http.Agent] {
    const common = { keepAlive: true, keepAliveMsecs: 30_000 };
    if (this.#https) {
      const tls: https.AgentOptions = {
        ...common,
        rejectUnauthorized: !options.insecureSkipTLSVerify,
        ...(options.ca !== undefined ? { ca: options.ca } : {}),
        ...(options.clientCert !== undefined ? { cert: options.clientCert } : {}),
        ...(options.clientKey !== undefined ? { key: options.clientKey } : {}),
        ...(options.tlsServerName ? { servername: options.tlsServerName } : {}),
      };
      return [
        new https.Agent({ ...tls, maxSockets: options.maxSockets ?? 100, maxFreeSockets: options.maxSockets ?? 100 }),
        new https.Agent({ ...tls, maxFreeSockets: 16 }),
      ];
    }
    return [
      new http.Agent({ ...common, maxSockets: options.maxSockets ?? 100, maxFreeSockets: options.maxSockets ?? 100 }),
      new http.Agent({ ...common, maxFreeSockets: 16 }),
    ];
  }

  /**
   * Switches to a new client certificate (rotation): new requests use it; every open connection, watches
   * included, is closed so that nothing keeps talking with the old identity (kubelet closes all connections
   * when its client certificate rotates). Watches end and their informers re-watch.
   */
  setClientCertificate(cert: string | Buffer, key: string | Buffer): void {
    this.#options = { ...this.#options, clientCert: cert, clientKey: key };
    const old = [this.#agent, this.#watchAgent];
    [this.#agent, this.#watchAgent] = this.#newAgents(this.#options);
    for (const a of old) a.destroy();
  }

  /** The server URL this client talks to. */
  get server(): string {
    return this.#base.href;
  }

  resource<T extends KubeObject = KubeObject>(descriptor: ResourceDescriptor): ResourceClient<T> {
    return new RestResourceClient<T>(this, descriptor);
  }

  /** Sends a request and returns the JSON-decoded body (undefined for an empty body). Throws StatusError on non-2xx. */
  async request<T = unknown>(options: RequestOptions): Promise<T> {
    let res = await this.requestRaw(options);
    for (let retry = 0; res.statusCode === 429 && retry < MAX_429_RETRIES; retry++) {
      const after = Number(res.headers['retry-after']);
      if (!Number.isInteger(after) || after < 0) break;
      await (this.#options.clock ?? realClock).sleep(Math.min(after, MAX_RETRY_AFTER_SECONDS) * 1000, options.signal);
      res = await this.requestRaw(options);
    }
    if (res.statusCode < 200 || res.statusCode > 299) throw fromResponse(res.statusCode, res.body);
    if (res.body === '') return undefined as T;
    try {
      return JSON.parse(res.body) as T;
    } catch (err) {
      throw new StatusError(newStatus(500, 'InternalError', `Cannot decode the response to ${options.method ?? 'GET'} ${options.path} as JSON: ${(err as Error).message}`));
    }
  }

  /** Sends a request and returns status, headers and the body text, whatever the status. */
  async requestRaw(options: RequestOptions): Promise<RawResponse> {
    const method = options.method ?? 'GET';
    const timeoutMs = options.timeoutMs ?? this.#timeoutMs;
    const signals: AbortSignal[] = [];
    if (options.signal) signals.push(options.signal);
    const timeout = timeoutMs > 0 ? AbortSignal.timeout(timeoutMs) : undefined;
    if (timeout) signals.push(timeout);
    const signal = signals.length === 0 ? undefined : signals.length === 1 ? signals[0] : AbortSignal.any(signals);
    try {
      const res = await this.#open(method, options, this.#agent, signal);
      const body = await readBody(res);
      return { statusCode: res.statusCode ?? 0, headers: res.headers, body };
    } catch (err) {
      if (timeout?.aborted && !options.signal?.aborted) {
        const e = new Error(`Cannot ${method} ${options.path} as the request timed out after ${timeoutMs}ms`, { cause: err });
        e.name = 'TimeoutError';
        throw e;
      }
      throw err;
    }
  }

  /**
   * Opens a watch (adds watch=true to the query) and yields its events. An HTTP error on connect is thrown as a
   * StatusError from the first iteration; a malformed line arrives as an ERROR event (see WatchDecoder).
   * Aborting `signal`, or leaving the for-await loop, closes the connection; aborting ends the iteration
   * without an error.
   */
  watch(path: string, query: QueryParams = {}, signal?: AbortSignal): AsyncIterable<WatchEvent> {
    return this.#watch(path, query, signal);
  }

  async *#watch(path: string, query: QueryParams, signal: AbortSignal | undefined): AsyncGenerator<WatchEvent> {
    if (signal?.aborted) return;
    const ac = new AbortController();
    const onAbort = () => ac.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    const timeoutSeconds = typeof query['timeoutSeconds'] === 'number' ? query['timeoutSeconds'] : Number(query['timeoutSeconds'] ?? NaN);
    const deadline = Number.isFinite(timeoutSeconds) && timeoutSeconds > 0
      ? setTimeout(() => ac.abort(new Error(`Cannot watch ${path} as the server did not end the stream within timeoutSeconds=${timeoutSeconds}`)), timeoutSeconds * 1000 + WATCH_DEADLINE_MARGIN_MS)
      : undefined;
    deadline?.unref();
    try {
      let res: http.IncomingMessage;
      try {
        res = await this.#open('GET', { path, query: { ...query, watch: true } }, this.#watchAgent, ac.signal);
      } catch (err) {
        if (signal?.aborted) return;
        throw err;
      }
      const code = res.statusCode ?? 0;
      if (code < 200 || code > 299) {
        throw fromResponse(code, await readBody(res));
      }
      const decoder = new WatchDecoder();
      try {
        for await (const chunk of res as AsyncIterable<Buffer>) {
          for (const ev of decoder.push(chunk)) yield ev;
        }
      } catch (err) {
        if (signal?.aborted) return;
        throw err;
      }
      for (const ev of decoder.end()) yield ev;
    } finally {
      if (deadline) clearTimeout(deadline);
      signal?.removeEventListener('abort', onAbort);
      ac.abort();
    }
  }

  /** Closes idle connections and refuses nothing: in-flight requests finish (or use their signals). */
  close(): void {
    this.#agent.destroy();
    this.#watchAgent.destroy();
  }

  #open(method: string, options: Omit<RequestOptions, 'method'>, agent: http.Agent, signal: AbortSignal | undefined): Promise<http.IncomingMessage> {
    const url = this.#url(options.path, options.query);
    const headers: Record<string, string> = { ...this.#headers, Accept: options.accept ?? 'application/json' };
    const auth = this.#authorization();
    if (auth) headers['Authorization'] = auth;
    let payload: Buffer | undefined;
    if (options.body !== undefined) {
      payload = typeof options.body === 'string' ? Buffer.from(options.body, 'utf8')
        : Buffer.isBuffer(options.body) ? options.body
          : Buffer.from(JSON.stringify(options.body), 'utf8');
      headers['Content-Type'] = options.contentType ?? 'application/json';
      headers['Content-Length'] = String(payload.length);
    }
    const mod = this.#https ? https : http;
    return new Promise((resolve, reject) => {
      let req: http.ClientRequest;
      try {
        req = mod.request(url, { method, headers, agent, ...(signal ? { signal } : {}) }, resolve);
      } catch (err) {
        reject(err);
        return;
      }
      req.on('error', (err: Error & { code?: string }) => {
        if (signal?.aborted) {
          reject(signal.reason ?? err);
          return;
        }
        const wrapped = new Error(`Cannot ${method} ${url.pathname} as the connection to ${url.host} failed: ${err.message}`, { cause: err }) as Error & { code?: string };
        if (err.code) wrapped.code = err.code;
        reject(wrapped);
      });
      req.end(payload);
    });
  }

  #url(path: string, query: QueryParams | undefined): URL {
    const url = new URL(this.#base.href);
    const prefix = url.pathname.endsWith('/') ? url.pathname.slice(0, -1) : url.pathname;
    url.pathname = prefix + (path.startsWith('/') ? path : `/${path}`);
    url.search = '';
    if (query) {
      for (const [k, v] of Object.entries(query)) {
        if (v === undefined || v === null) continue;
        url.searchParams.append(k, String(v));
      }
    }
    return url;
  }

  #authorization(): string | undefined {
    const o = this.#options;
    if (o.token) return `Bearer ${o.token}`;
    if (o.tokenFile) {
      const now = Date.now();
      if (!this.#tokenFromFile || now - this.#tokenFromFile.readAt > TOKEN_FILE_TTL_MS) {
        this.#tokenFromFile = { token: readFileSync(o.tokenFile, 'utf8').trim(), readAt: now };
      }
      return `Bearer ${this.#tokenFromFile.token}`;
    }
    if (o.username !== undefined) return `Basic ${Buffer.from(`${o.username}:${o.password ?? ''}`).toString('base64')}`;
    return undefined;
  }
}

async function readBody(res: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of res as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}
