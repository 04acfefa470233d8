import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { listenWithAcceptors } from '../../shared/util/listen-acceptors.ts';
import type { Duplex } from 'node:stream';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { WebSocketServer, type WebSocket } from 'ws';
import { StatusError, newMethodNotAllowed, newRouteNotFound, newStatus, newUnauthorized } from '../../shared/errors/status-error.ts';
import type { Clock } from '../../shared/util/clock.ts';
import { realClock } from '../../shared/util/clock.ts';
import { negotiateOutput } from '../endpoints/handlers/negotiation.ts';
import { addWarnings, writeError, writeJSON } from '../endpoints/handlers/response.ts';
import type { RequestContext, ServedResource, UpgradeHandler } from '../endpoints/request-context.ts';
import { dispatchResource } from '../endpoints/dispatch.ts';
import { serveWatchWebSocket } from '../endpoints/handlers/watch.ts';
import { parseRequestInfo, isTrue, type RequestInfo } from './request-info.ts';
import { log } from '../../shared/util/log.ts';
import { ANONYMOUS, loopbackMasterUser, type UserInfo } from '../authentication/user-info.ts';
import { isPublicInfoPath } from '../authentication/authenticator.ts';
import {
  ConnectionGuard,
  DEFAULT_HEADERS_TIMEOUT_MS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  MaxInFlightLimiter,
  isLongRunning,
  requestDeadlineMs,
  startRequestTimeout,
  writeTooManyRequests,
} from './request-limits.ts';

/** Looks up what is served at group/version/resource. */
export interface ResourceLookup {
  lookup(group: string, version: string, resource: string): ServedResource | undefined;
}

/** A non-resource endpoint: discovery, openapi, version, health. Returns false when it does not serve the path. */
export type NonResourceHandler = (req: IncomingMessage, res: ServerResponse, path: string) => boolean | Promise<boolean>;

/**
 * Authentication: resolves the user (anonymous included) or throws a 401 StatusError. Absent: the unsecured
 * loopback dev server, where every request is loopbackMasterUser().
 */
export type Authenticator = (req: IncomingMessage) => Promise<UserInfo>;
/**
 * Impersonation (kube's WithImpersonation, between authentication and authorization): the user the request
 * acts as given its Impersonate-* headers, or a 403 StatusError.
 */
export type Impersonator = (user: UserInfo, req: IncomingMessage) => Promise<UserInfo>;
/** Authorization: throws a 403 StatusError to refuse. */
export type Authorizer = (user: UserInfo, info: RequestInfo, req: IncomingMessage) => Promise<void>;

/**
 * What an upgrade handler (exec, attach) may carry besides being `(ctx, ws) => …`:
 * - `prepare(ctx)` runs before the handshake, so a validation error is a plain HTTP Status (kube-apiserver's
 *   ExecREST/AttachREST resolve the pod, container and node before upgrading; kubectl then prints
 *   `Error from server (BadRequest): …`). The same ctx object is later passed to the handler.
 * - `protocols`: the WebSocket subprotocols it speaks, in preference order; the first one the client offered
 *   is echoed in Sec-WebSocket-Protocol (kubectl ≥ 1.30 offers only `v5.channel.k8s.io` and fails the
 *   handshake otherwise). None offered → 400.
 * - `spdy(ctx, socket, head)` serves an `Upgrade: SPDY/3.1` request on the raw socket (kubectl ≤ 1.29, and the
 *   fallback of newer ones). Without it such a request gets 400 `Upgrade request required`.
 * - `raw(ctx, socket, head)` takes any upgrade (WebSocket, SPDY, other) on the raw socket after `prepare`
 *   (the proxy subresources relay it to their backend). A rejection before it wrote anything becomes the
 *   HTTP Status answer.
 */
export interface UpgradeHooks {
  prepare?: (ctx: RequestContext) => Promise<void>;
  protocols?: readonly string[];
  spdy?: (ctx: RequestContext, socket: Duplex, head: Buffer) => Promise<void>;
  raw?: (ctx: RequestContext, socket: Duplex, head: Buffer) => Promise<void>;
}

export interface APIServerOptions {
  resources: ResourceLookup;
  nonResource: NonResourceHandler[];
  /** true once storage and caches are ready (drives /readyz). */
  isReady: () => boolean;
  /** Serving certificate and key; `clientCA` (--client-ca-file) makes the server ask clients for a certificate. */
  tls?: { cert: string | Buffer; key: string | Buffer; clientCA?: string | Buffer };
  authenticate?: Authenticator;
  impersonate?: Impersonator;
  authorize?: Authorizer;
  clock?: Clock;
  limits?: RequestLimits;
  /** The Warning a request of a deprecated resource gets (endpoints/deprecated-apis.ts), if any. */
  deprecationWarning?: (group: string, version: string, resource: string) => string | undefined;
}

/** kube-apiserver's request and connection bounds (request-limits.ts); kube's defaults when absent. */
export interface RequestLimits {
  /** --request-timeout: 504 for a request that is not long-running after this long (0: none). */
  requestTimeoutMs?: number;
  /** --max-requests-inflight (0: no limit). */
  maxRequestsInFlight?: number;
  /** --max-mutating-requests-inflight (0: no limit). */
  maxMutatingRequestsInFlight?: number;
  /** A request head must arrive within this (Go's ReadHeaderTimeout, 32s). */
  headersTimeoutMs?: number;
  /** Connections that have not sent a complete request kept at most (256). */
  maxPendingConnections?: number;
  /** Idle keep-alive connections kept at most (512). */
  maxIdleConnections?: number;
}

/**
 * The HTTP(S) front of the apiserver: a handler chain (request info -> panic recovery -> logging ->
 * authentication -> authorization -> dispatch) on express, plus WebSocket upgrades for watch.
 */
export class APIServer {
  readonly #o: APIServerOptions;
  readonly #server: HttpServer;
  readonly #wss: WebSocketServer;
  readonly #clock: Clock;
  readonly #sockets = new Set<Duplex>();
  #closeAcceptors: () => void = () => {};
  /** The subprotocol an upgrade handler's `protocols` chose for a request (see UpgradeHooks). */
  readonly #chosenProtocol = new WeakMap<IncomingMessage, string>();
  readonly #requestTimeoutMs: number;
  readonly #inFlight: MaxInFlightLimiter;
  readonly #connections: ConnectionGuard;

  constructor(options: APIServerOptions) {
    this.#o = options;
    this.#clock = options.clock ?? realClock;
    const app = express();
    app.disable('x-powered-by');
    app.disable('etag');
    app.use((req, res) => {
      void this.#handle(req, res);
    });
    const limits = options.limits ?? {};
    this.#requestTimeoutMs = limits.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.#inFlight = new MaxInFlightLimiter(limits.maxRequestsInFlight, limits.maxMutatingRequestsInFlight);
    // Node's requestTimeout bounds receiving a request (head and body), not the response: a watch's request is
    // complete once its head is in, so it may stream for hours. A body still arriving when the request timeout
    // passes gets the 504 (startRequestTimeout); Node's own request timeout, a little later, closes the
    // connection (the only bound on the body of a long-running request).
    const requestTimeout = this.#requestTimeoutMs > 0 ? this.#requestTimeoutMs + 5000 : 0;
    const headersTimeout = Math.min(limits.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS, requestTimeout > 0 ? requestTimeout : Infinity);
    const serverOptions = { requestTimeout, headersTimeout, connectionsCheckingInterval: Math.min(1000, Math.max(100, headersTimeout / 4)), keepAliveTimeout: 65_000 };
    this.#server = options.tls
      ? createHttpsServer(
          {
            cert: options.tls.cert,
            key: options.tls.key,
            // Ask for a client certificate but do not refuse the handshake without (or with a bad) one: the x509
            // authenticator verifies it, and a request without one goes on to tokens and anonymous.
            ...(options.tls.clientCA ? { requestCert: true, rejectUnauthorized: false, ca: options.tls.clientCA } : {}),
            handshakeTimeout: headersTimeout,
            ...serverOptions,
          },
          app,
        )
      : createHttpServer(serverOptions, app);
    // Real time, not the injected clock: these are socket deadlines (tests move the object clock, not sockets').
    this.#connections = new ConnectionGuard(this.#server, { headersTimeoutMs: headersTimeout, maxPendingConnections: limits.maxPendingConnections, maxIdleConnections: limits.maxIdleConnections });
    this.#server.on('connection', (s: Duplex) => {
      this.#sockets.add(s);
      s.on('close', () => this.#sockets.delete(s));
    });
    this.#server.on('clientError', (err: Error & { code?: string }, socket: Duplex) => {
      // A head or body that did not arrive in time is closed without an answer, as Go's server does.
      if (socket.writable && err.code !== 'ECONNRESET' && err.code !== 'ERR_HTTP_REQUEST_TIMEOUT') {
        socket.end('HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nbad request');
      } else {
        socket.destroy();
      }
    });
    this.#wss = new WebSocketServer({
      noServer: true,
      // ws's default: the first subprotocol offered; exec/attach choose theirs in #upgrade.
      handleProtocols: (offered: Set<string>, req: IncomingMessage) => this.#chosenProtocol.get(req) ?? offered.values().next().value ?? false,
    });
    this.#server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      void this.#upgrade(req, socket, head);
    });
  }

  get httpServer(): HttpServer {
    return this.#server;
  }

  /** Listens with several accepting sockets (shared/util/listen-acceptors.ts: Node accepts one per loop turn). */
  async listen(host: string, port: number): Promise<AddressInfo> {
    const { address, closeAcceptors } = await listenWithAcceptors(this.#server, { host, port });
    this.#closeAcceptors = closeAcceptors;
    return address;
  }

  async close(): Promise<void> {
    this.#closeAcceptors();
    this.#connections.close();
    await new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      for (const ws of this.#wss.clients) ws.terminate();
      for (const s of this.#sockets) s.destroy();
    });
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = this.#clock.now();
    const url = requestURL(req.url);
    const info = parseRequestInfo(req.method ?? 'GET', url.pathname, url.searchParams);
    const ac = new AbortController();
    // The request's signal aborts when the client goes away before the response is complete. Not after a
    // complete one: abort() builds a DOMException with a stack trace, 1.7% of the server's CPU when it ran on
    // every request (issue-4 scheduler benchmark profile).
    res.on('close', () => {
      if (!res.writableFinished) ac.abort();
    });
    if (!isLongRunning(info)) {
      let ms: number;
      try {
        ms = requestDeadlineMs(url.searchParams, this.#requestTimeoutMs);
      } catch (e) {
        writeError(res, e);
        return;
      }
      startRequestTimeout(res, ms, ac);
    }
    let release: (() => void) | undefined;
    try {
      // kube's order: authentication, impersonation, the in-flight limit, authorization.
      const user = await this.#identify(req, info, url.pathname, (acting) => (release = this.#inFlight.acquire(info, acting)) !== undefined);
      if (!user) {
        writeTooManyRequests(res);
        return;
      }
      if (!info.isResourceRequest) {
        await this.#nonResource(req, res, url.pathname);
      } else {
        const entry = this.#o.resources.lookup(info.apiGroup, info.apiVersion, info.resource);
        if (!entry) throw newRouteNotFound();
        const deprecated = this.#o.deprecationWarning?.(info.apiGroup, info.apiVersion, info.resource);
        if (deprecated) addWarnings(res, [deprecated]);
        const ctx: RequestContext = {
          req,
          res,
          info,
          query: url.searchParams,
          entry,
          output: negotiateOutput(req.headers.accept),
          signal: ac.signal,
          now: () => this.#clock.now(),
          user,
        };
        await dispatchResource(ctx);
      }
    } catch (e) {
      if (!res.headersSent) writeError(res, e);
      else res.destroy();
    } finally {
      release?.();
      const ms = this.#clock.now() - started;
      if (ms > 1000 && info.verb !== 'watch' && !info.subresource) log.warn('Slow request', { verb: info.verb, path: url.pathname, ms });
    }
  }

  /**
   * Authentication (401), impersonation (403), authorization (403): the user the request acts as. Until an
   * authorizer is configured, anonymous requests reach only the public health and version endpoints (401
   * elsewhere); with one, the authorizer decides for them as for anyone (system:public-info-viewer).
   */
  async #identify(req: IncomingMessage, info: RequestInfo, path: string): Promise<UserInfo>;
  async #identify(req: IncomingMessage, info: RequestInfo, path: string, admit: (acting: UserInfo) => boolean): Promise<UserInfo | undefined>;
  async #identify(req: IncomingMessage, info: RequestInfo, path: string, admit?: (acting: UserInfo) => boolean): Promise<UserInfo | undefined> {
    const user = this.#o.authenticate ? await this.#o.authenticate(req) : loopbackMasterUser();
    if (user.name === ANONYMOUS && !this.#o.authorize && !isPublicInfoPath(path)) throw newUnauthorized();
    const acting = this.#o.impersonate ? await this.#o.impersonate(user, req) : user;
    if (admit && !admit(acting)) return undefined;
    if (this.#o.authorize) await this.#o.authorize(acting, info, req);
    return acting;
  }

  async #nonResource(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    if (path === '/healthz' || path === '/livez' || path.startsWith('/healthz/') || path.startsWith('/livez/')) {
      writeJSON(res, 200, 'ok', 'text/plain; charset=utf-8');
      return;
    }
    if (path === '/readyz' || path.startsWith('/readyz/')) {
      if (this.#o.isReady()) writeJSON(res, 200, 'ok', 'text/plain; charset=utf-8');
      else writeJSON(res, 503, '[-]storage not ready\nreadyz check failed', 'text/plain; charset=utf-8');
      return;
    }
    for (const h of this.#o.nonResource) {
      if (await h(req, res, path)) return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') throw newMethodNotAllowed('the server does not allow this method on the requested resource');
    throw newRouteNotFound();
  }

  async #upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', () => socket.destroy());
    const url = requestURL(req.url);
    const info = parseRequestInfo(req.method ?? 'GET', url.pathname, url.searchParams);
    const refuse = (err: unknown) => {
      const status = err instanceof StatusError ? err.status : newStatus(500, 'InternalError', String(err));
      const body = JSON.stringify(status);
      socket.end(`HTTP/1.1 ${status.code} ${status.reason ?? 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    };
    try {
      const user = await this.#identify(req, info, url.pathname);
      if (!info.isResourceRequest) throw newRouteNotFound();
      const entry = this.#o.resources.lookup(info.apiGroup, info.apiVersion, info.resource);
      if (!entry) throw newRouteNotFound();
      const upgradeHandler = info.subresource ? entry.upgrades?.[info.subresource] : undefined;
      const isWatch = !info.subresource && (info.verb === 'watch' || isTrue(url.searchParams.get('watch')) || !info.name);
      if (!upgradeHandler && !isWatch) throw newStatus400('Upgrade is only supported for watch, exec, attach and portforward');
      if (!upgradeHandler) {
        // The same checks dispatchResource makes for a chunked watch: scope, and the resource's own verb table
        // (the top-level `bindings` serves create only; watching it used to reach the pods cache and fail with a 500).
        const namespaced = entry.store.info.namespaced;
        if ((info.name && namespaced && !info.namespace) || (!namespaced && info.namespace && info.resource !== 'namespaces')) throw newRouteNotFound();
        if (entry.verbs && !entry.verbs['watch']) throw newMethodNotAllowed('the server does not allow this method on the requested resource');
      }
      const ac = new AbortController();
      const ctx: RequestContext = {
        req,
        res: undefined as unknown as ServerResponse,
        info,
        query: url.searchParams,
        entry,
        output: negotiateOutput(req.headers.accept),
        signal: ac.signal,
        now: () => this.#clock.now(),
        user,
      };
      if (upgradeHandler) {
        const hooks: UpgradeHandler & UpgradeHooks = upgradeHandler;
        await hooks.prepare?.(ctx);
        if (hooks.raw) {
          socket.on('close', () => ac.abort());
          await hooks.raw(ctx, socket, head);
          return;
        }
        const upgrade = String(req.headers.upgrade ?? '').toLowerCase();
        if (upgrade !== 'websocket') {
          if (!hooks.spdy || upgrade !== 'spdy/3.1') throw newStatus400('Upgrade request required');
          socket.on('close', () => ac.abort());
          await hooks.spdy(ctx, socket, head);
          return;
        }
        if (hooks.protocols) {
          const offered = String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim()).filter((p) => p !== '');
          const chosen = hooks.protocols.find((p) => offered.includes(p));
          if (!chosen) throw newStatus400(`none of the offered WebSocket subprotocols [${offered.join(', ')}] is supported; supported: ${hooks.protocols.join(', ')}`);
          this.#chosenProtocol.set(req, chosen);
        }
      }
      this.#wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
        ws.on('close', () => ac.abort());
        const run = upgradeHandler ? upgradeHandler(ctx, ws) : serveWatchWebSocket(ctx, ws);
        run.catch((e: unknown) => {
          const status = e instanceof StatusError ? e.status : newStatus(500, 'InternalError', String(e));
          if (ws.readyState === ws.OPEN) {
            ws.send(JSON.stringify({ type: 'ERROR', object: status }));
            ws.close(1000);
          }
        });
      });
    } catch (e) {
      refuse(e);
    }
  }
}

/**
 * The request target as a URL. The target is appended to a fixed origin instead of being resolved against it:
 * `new URL('//%zz', base)` takes `%zz` for a host and throws, and that throw (outside the handler's try)
 * used to crash the whole process on one request.
 */
export function requestURL(target: string | undefined): URL {
  const t = target ?? '/';
  return new URL(`http://localhost${t.startsWith('/') ? '' : '/'}${t}`);
}

function newStatus400(message: string): StatusError {
  return new StatusError(newStatus(400, 'BadRequest', message));
}
