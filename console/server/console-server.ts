/**
 * `kubelab console`: a small HTTP(S) server that serves the browser console (dist/console/web/) and forwards the
 * browser's API calls to the API server as the signed-in user. It has no password store and no credential of its
 * own: a user signs in with a Kubernetes bearer token the API server accepts (checked with a SelfSubjectReview),
 * the session (in memory) keeps that token, and every forwarded request carries it, so the user's RBAC applies
 * exactly. See docs/design/console.md for the URL layout and the security rules.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type OutgoingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { extname, join } from 'node:path';
import type { Duplex } from 'node:stream';
import type { Status } from '../../shared/api/meta.ts';
import { newStatus, StatusError } from '../../shared/errors/status-error.ts';
import { realClock, type Clock } from '../../shared/util/clock.ts';
import { log } from '../../shared/util/log.ts';
import { unreachable, type ApiUpstream, type ReviewedUser } from './api-upstream.ts';
import { loginPage } from './login-page.ts';
import {
  assetFile, bearerToken, classifyPath, clearedSessionCookie, CONSOLE_HEADER, crossSiteRefusal, hostAllowed, isLoopbackHost,
  ownOrigin, parseCookies, sessionCookie, sessionCookieName, webSocketBearerToken, type CredentialSource, type PathClass,
} from './request-guard.ts';
import { SessionStore, tokenExpiry, type Session } from './session-store.ts';

export interface ConsoleServerOptions {
  upstream: ApiUpstream;
  /** Folder holding index.html and assets/ (the front-end build). */
  webRoot: string;
  /** @default '127.0.0.1' */
  host?: string;
  /** 0 picks a free port. @default 0 */
  port?: number;
  /** PEM serving certificate and key: required to listen beyond loopback. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** Longest session lifetime. @default 8 h */
  sessionLifetimeMs?: number;
  /** Largest request body forwarded to the API server (kube-apiserver's own limit is 3 MiB). @default 3 MiB */
  maxRequestBodyBytes?: number;
  /** How long a bearer token's SelfSubjectReview answer is reused for non-API paths. @default 10 s */
  reviewCacheTtlMs?: number;
  clock?: Clock;
}

/** The request headers never forwarded: hop-by-hop ones, the browser's cookies and credentials, the console's own. */
const DROPPED_REQUEST_HEADERS = new Set([
  'host', 'connection', 'keep-alive', 'proxy-connection', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade',
  'cookie', 'authorization', 'origin', 'referer', CONSOLE_HEADER,
]);
/** The response headers never passed back: hop-by-hop ones and anything setting cookies on the console's origin. */
const DROPPED_RESPONSE_HEADERS = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'set-cookie', 'set-cookie2']);

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
};

/** Security headers every response carries. */
const SECURITY_HEADERS: OutgoingHttpHeaders = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

/** The app's Content-Security-Policy: its own origin only (WebSockets to it included), no framing, no inline code. */
export function appContentSecurityPolicy(hostHeader: string, secure: boolean): string {
  const ws = `${secure ? 'wss' : 'ws'}://${hostHeader}`;
  return [
    "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "font-src 'self'",
    `connect-src 'self' ${ws}`, "object-src 'none'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
  ].join('; ');
}

function loginContentSecurityPolicy(nonce: string): string {
  return [
    "default-src 'none'", `script-src 'nonce-${nonce}'`, `style-src 'nonce-${nonce}'`, "connect-src 'self'",
    "form-action 'self'", "base-uri 'none'", "frame-ancestors 'none'",
  ].join('; ');
}

/** How a request authenticated: the token to forward, who it is (when the console checked), and where it came from. */
interface Credential {
  source: CredentialSource;
  token: string;
  session?: Session;
}

const UNAUTHORIZED: Status = newStatus(401, 'Unauthorized', 'Unauthorized');

export class ConsoleServer {
  readonly sessions: SessionStore;
  #opts: ConsoleServerOptions;
  #server: Server;
  #secure: boolean;
  #loopbackOnly: boolean;
  #clock: Clock;
  #maxBody: number;
  #reviewTtl: number;
  #reviews = new Map<string, { who: ReviewedUser; until: number }>();
  #sockets = new Set<Socket | Duplex>();
  /** Open forwarded streams (responses, WebSockets) per session id: ended with the session. */
  #streams = new Map<string, Set<() => void>>();
  #port = 0;

  constructor(opts: ConsoleServerOptions) {
    this.#opts = opts;
    this.#clock = opts.clock ?? realClock;
    this.#secure = opts.tls !== undefined;
    const host = opts.host ?? '127.0.0.1';
    this.#loopbackOnly = isLoopbackHost(host);
    if (!this.#loopbackOnly && !this.#secure) {
      throw new Error(`refusing to serve the console on ${host} without TLS: beyond loopback every listener is TLS (give --tls-cert-file and --tls-private-key-file), or use a loopback address`);
    }
    this.#maxBody = opts.maxRequestBodyBytes ?? 3 * 1024 * 1024;
    this.#reviewTtl = opts.reviewCacheTtlMs ?? 10_000;
    this.sessions = new SessionStore({ clock: this.#clock, ...(opts.sessionLifetimeMs !== undefined ? { maxLifetimeMs: opts.sessionLifetimeMs } : {}) });
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      this.#handle(req, res).catch((e: unknown) => {
        log.error('Console request failed', { path: req.url, err: e instanceof Error ? e.message : String(e) });
        if (!res.headersSent) this.#writeStatus(res, e instanceof StatusError ? e.status : newStatus(500, 'InternalError', e instanceof Error ? e.message : String(e)));
        else res.destroy();
      });
    };
    this.#server = opts.tls ? createHttpsServer({ cert: opts.tls.cert, key: opts.tls.key }, handler) : createHttpServer(handler);
    this.#server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.#upgrade(req, socket, head));
    this.#server.on('connection', (s: Socket) => {
      this.#sockets.add(s);
      s.on('close', () => this.#sockets.delete(s));
    });
  }

  /** Listens; resolves with the console's URL (e.g. http://127.0.0.1:40123/). */
  async start(): Promise<string> {
    const host = this.#opts.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(this.#opts.port ?? 0, host, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    this.#port = (this.#server.address() as AddressInfo).port;
    return this.url;
  }

  get port(): number {
    return this.#port;
  }

  get url(): string {
    const host = this.#opts.host ?? '127.0.0.1';
    const h = host.includes(':') ? `[${host}]` : host;
    return `${this.#secure ? 'https' : 'http'}://${h}:${this.#port}/`;
  }

  /** Stops listening and ends every connection (streams and WebSockets included). */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    for (const s of this.#sockets) s.destroy();
    this.#server.closeAllConnections?.();
    await closed;
    this.#opts.upstream.close();
  }

  get #cookieName(): string {
    return sessionCookieName(this.#port);
  }

  /** The session of the request's cookie, else its Authorization bearer token, else undefined. */
  #credential(req: IncomingMessage, extraToken?: string): Credential | undefined {
    const id = parseCookies(req.headers.cookie).get(this.#cookieName);
    const session = id ? this.sessions.get(id) : undefined;
    if (session) return { source: 'cookie', token: session.token, session };
    const token = bearerToken(req.headers.authorization) ?? extraToken;
    if (token) return { source: 'header', token };
    return undefined;
  }

  /** Who a bearer token is (a SelfSubjectReview, its answer reused for a few seconds). */
  async #review(token: string): Promise<ReviewedUser> {
    const key = createHash('sha256').update(token).digest('base64url');
    const now = this.#clock.now();
    const hit = this.#reviews.get(key);
    if (hit && hit.until > now) return hit.who;
    const who = await this.#opts.upstream.selfSubjectReview(token);
    if (this.#reviews.size >= 1000) {
      for (const [k, v] of this.#reviews) if (v.until <= now) this.#reviews.delete(k);
      if (this.#reviews.size >= 1000) this.#reviews.clear();
    }
    this.#reviews.set(key, { who, until: now + this.#reviewTtl });
    return who;
  }

  /**
   * Ties an open stream to its session: it ends when the session does (logout, the API server refusing the
   * token, or the session's lifetime), so a watch or a log follow never outlives the sign-in it rode on.
   * Returns the function that unties it (the stream ended by itself).
   */
  #track(session: Session | undefined, end: () => void): () => void {
    if (!session) return () => {};
    let set = this.#streams.get(session.id);
    if (!set) this.#streams.set(session.id, (set = new Set()));
    const s = set;
    s.add(end);
    const timer = this.#clock.setTimeout(() => this.#endSession(session.id), Math.max(0, session.expiresAt - this.#clock.now()));
    timer.unref?.();
    return () => {
      timer.cancel();
      s.delete(end);
      if (s.size === 0 && this.#streams.get(session.id) === s) this.#streams.delete(session.id);
    };
  }

  /** Ends a session and every stream open on it. */
  #endSession(id: string): void {
    this.sessions.delete(id);
    const set = this.#streams.get(id);
    this.#streams.delete(id);
    for (const end of set ?? []) end();
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://console.invalid');
    const host = req.headers.host;
    if (!hostAllowed(host, this.#loopbackOnly)) {
      this.#writeStatus(res, newStatus(403, 'Forbidden', `the console answers only to loopback host names, not ${JSON.stringify(host ?? '')}`));
      return;
    }
    const pathClass = classifyPath(url.pathname);
    const credential = this.#credential(req);
    const refusal = crossSiteRefusal({
      method,
      pathClass,
      credential: credential?.source,
      ...(req.headers.origin !== undefined ? { origin: req.headers.origin } : {}),
      ...(typeof req.headers['sec-fetch-site'] === 'string' ? { secFetchSite: req.headers['sec-fetch-site'] } : {}),
      ...(typeof req.headers[CONSOLE_HEADER] === 'string' ? { consoleHeader: req.headers[CONSOLE_HEADER] } : {}),
      expectedOrigin: ownOrigin(host ?? '', this.#secure),
      upgrade: false,
    });
    if (refusal) {
      this.#writeStatus(res, newStatus(403, 'Forbidden', refusal));
      return;
    }
    if (pathClass === 'login') return this.#login(req, res, method);
    if (pathClass === 'logout') return this.#logout(req, res, method, credential);
    if (!credential) return this.#unauthorized(req, res, pathClass);
    if (pathClass === 'api') return this.#forward(req, res, method, url, credential);
    // Everything else is the console's own: a header token is checked here (a cookie session was checked at login).
    let who: { user: string; groups: string[] };
    if (credential.session) {
      who = credential.session;
    } else {
      try {
        who = await this.#review(credential.token);
      } catch (e) {
        if (e instanceof StatusError && e.code === 401) return this.#unauthorized(req, res, pathClass);
        throw e;
      }
    }
    if (pathClass === 'session') {
      if (method !== 'GET' && method !== 'HEAD') return this.#methodNotAllowed(res, method, 'GET');
      const body: Record<string, unknown> = { user: who.user, groups: who.groups };
      if (credential.session) body['expiresAt'] = new Date(credential.session.expiresAt).toISOString();
      this.#writeJSON(res, 200, body, { 'cache-control': 'no-store' });
      return;
    }
    if (method !== 'GET' && method !== 'HEAD') return this.#methodNotAllowed(res, method, 'GET, HEAD');
    if (pathClass === 'asset') return this.#asset(res, method, url.pathname);
    return this.#index(req, res, method);
  }

  // ---- the console's own endpoints ----

  async #login(req: IncomingMessage, res: ServerResponse, method: string): Promise<void> {
    if (method === 'GET' || method === 'HEAD') {
      this.#loginPage(res, 200);
      return;
    }
    if (method !== 'POST') return this.#methodNotAllowed(res, method, 'GET, POST');
    const type = String(req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    const form = type === 'application/x-www-form-urlencoded';
    if (type !== 'application/json' && !form) {
      this.#writeStatus(res, newStatus(415, 'UnsupportedMediaType', `the login body must be application/json or application/x-www-form-urlencoded, not ${JSON.stringify(type ?? '')}`));
      return;
    }
    const text = (await readBody(req, 64 * 1024)).toString('utf8');
    let token: string | undefined;
    if (form) {
      token = new URLSearchParams(text).get('token') ?? undefined;
    } else {
      try {
        const v = (JSON.parse(text) as { token?: unknown }).token;
        token = typeof v === 'string' ? v : undefined;
      } catch {
        this.#writeStatus(res, newStatus(400, 'BadRequest', 'the login body is not valid JSON'));
        return;
      }
    }
    token = token?.trim();
    if (!token) {
      this.#writeStatus(res, newStatus(400, 'BadRequest', 'the login body carries no token'));
      return;
    }
    let who: ReviewedUser;
    try {
      who = await this.#opts.upstream.selfSubjectReview(token);
    } catch (e) {
      if (!(e instanceof StatusError)) throw e;
      log.info('Console sign-in refused', { code: e.code, reason: e.message });
      if (form) this.#loginPage(res, e.code, `Sign-in failed: ${e.message}`);
      else this.#writeStatus(res, e.status);
      return;
    }
    const session = this.sessions.create(token, who, tokenExpiry(token));
    if (!session) {
      this.#writeStatus(res, newStatus(401, 'Unauthorized', 'the token has expired'));
      return;
    }
    log.info('Console sign-in', { user: who.user });
    // A new sign-in from a browser that had a session (a link for another user) ends the old one and its streams.
    const previous = parseCookies(req.headers.cookie).get(this.#cookieName);
    if (previous && previous !== session.id && this.sessions.get(previous)) this.#endSession(previous);
    const cookie = sessionCookie(this.#cookieName, session.id, (session.expiresAt - this.#clock.now()) / 1000, this.#secure);
    if (form) {
      res.writeHead(303, { ...SECURITY_HEADERS, location: '/', 'set-cookie': cookie, 'cache-control': 'no-store', 'content-length': 0 });
      res.end();
      return;
    }
    this.#writeJSON(res, 200, { user: who.user, groups: who.groups, expiresAt: new Date(session.expiresAt).toISOString() }, { 'set-cookie': cookie, 'cache-control': 'no-store' });
  }

  #logout(req: IncomingMessage, res: ServerResponse, method: string, credential: Credential | undefined): void {
    if (method !== 'POST') return this.#methodNotAllowed(res, method, 'POST');
    req.resume();
    if (credential?.session) {
      this.#endSession(credential.session.id);
      log.info('Console sign-out', { user: credential.session.user });
    }
    this.#writeJSON(res, 200, {}, { 'set-cookie': clearedSessionCookie(this.#cookieName, this.#secure), 'cache-control': 'no-store' });
  }

  /** 401: the login page for a browser navigation, the Kubernetes Unauthorized Status otherwise. */
  #unauthorized(req: IncomingMessage, res: ServerResponse, pathClass: PathClass): void {
    req.resume();
    const accept = String(req.headers.accept ?? '');
    if (pathClass !== 'api' && accept.includes('text/html')) {
      this.#loginPage(res, 401);
      return;
    }
    this.#writeStatus(res, UNAUTHORIZED);
  }

  #loginPage(res: ServerResponse, code: number, message?: string): void {
    const nonce = randomBytes(16).toString('base64');
    const html = loginPage({ nonce, ...(message ? { message } : {}) });
    res.writeHead(code, {
      ...SECURITY_HEADERS,
      'content-type': 'text/html; charset=utf-8',
      'content-length': Buffer.byteLength(html),
      'cache-control': 'no-store',
      'content-security-policy': loginContentSecurityPolicy(nonce),
      ...(code === 401 ? { 'www-authenticate': 'Bearer realm="kubelab console"' } : {}),
    });
    res.end(res.req.method === 'HEAD' ? undefined : html);
  }

  // ---- the front-end ----

  #index(req: IncomingMessage, res: ServerResponse, method: string): void {
    let html: Buffer;
    try {
      html = readFileSync(join(this.#opts.webRoot, 'index.html'));
    } catch {
      this.#writeStatus(res, newStatus(503, 'ServiceUnavailable', `the console's front-end is not built (${join(this.#opts.webRoot, 'index.html')} is missing): run npm run build`));
      return;
    }
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'content-type': 'text/html; charset=utf-8',
      'content-length': html.length,
      'cache-control': 'no-store',
      'content-security-policy': appContentSecurityPolicy(String(req.headers.host ?? ''), this.#secure),
    });
    res.end(method === 'HEAD' ? undefined : html);
  }

  #asset(res: ServerResponse, method: string, pathname: string): void {
    const rel = assetFile(pathname);
    const file = rel ? join(this.#opts.webRoot, 'assets', rel) : undefined;
    let size = -1;
    try {
      if (file) {
        const st = statSync(file);
        if (st.isFile()) size = st.size;
      }
    } catch {
      // missing: 404 below
    }
    if (!file || size < 0) {
      this.#writeStatus(res, newStatus(404, 'NotFound', 'the server could not find the requested resource', {}));
      return;
    }
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'content-type': CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
      'content-length': size,
      // The bundle's names carry a hash of their content (console/web/build.ts): a name never changes meaning.
      'cache-control': 'public, max-age=31536000, immutable',
    });
    if (method === 'HEAD') {
      res.end();
      return;
    }
    createReadStream(file).on('error', () => res.destroy()).pipe(res);
  }

  // ---- forwarding ----

  #forwardHeaders(req: IncomingMessage, token: string): OutgoingHttpHeaders {
    const headers: OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value === undefined || DROPPED_REQUEST_HEADERS.has(name) || name.startsWith('sec-fetch-')) continue;
      headers[name] = value;
    }
    headers['authorization'] = `Bearer ${token}`;
    return headers;
  }

  #forward(req: IncomingMessage, res: ServerResponse, method: string, url: URL, credential: Credential): void {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > this.#maxBody) {
      req.resume();
      this.#writeStatus(res, tooLarge(this.#maxBody));
      return;
    }
    const upstream = this.#opts.upstream;
    const up = upstream.request(method, url.pathname + url.search, this.#forwardHeaders(req, credential.token));
    let done = false;
    let untrack = (): void => {};
    up.on('response', (ures) => {
      const headers: OutgoingHttpHeaders = { ...SECURITY_HEADERS };
      for (const [name, value] of Object.entries(ures.headers)) {
        if (value === undefined || DROPPED_RESPONSE_HEADERS.has(name)) continue;
        headers[name] = value;
      }
      // The API server no longer accepts the session's token (revoked, its ServiceAccount deleted): the session is over.
      if (ures.statusCode === 401 && credential.session) {
        untrack();
        this.#endSession(credential.session.id);
      }
      res.writeHead(ures.statusCode ?? 502, headers);
      // Streams (watches, log follow) go out as they come: each chunk is written (and flushed) at once.
      res.flushHeaders();
      ures.pipe(res);
      ures.on('error', () => res.destroy());
      ures.on('end', () => (done = true));
    });
    up.on('error', (e) => {
      if (done) return;
      if (!res.headersSent) this.#writeStatus(res, unreachable(upstream.url, e).status);
      else res.destroy();
    });
    untrack = this.#track(credential.session, () => {
      up.destroy();
      res.destroy();
    });
    // The browser went away (closed a log or watch): end the upstream request with it.
    res.on('close', () => {
      untrack();
      if (!res.writableFinished) up.destroy();
    });
    let received = 0;
    req.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > this.#maxBody) {
        req.pause();
        done = true;
        up.destroy();
        if (!res.headersSent) this.#writeStatus(res, tooLarge(this.#maxBody));
        return;
      }
      if (!up.write(chunk)) {
        req.pause();
        up.once('drain', () => req.resume());
      }
    });
    req.on('end', () => up.end());
    req.on('error', () => up.destroy());
  }

  #upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', 'http://console.invalid');
    const host = req.headers.host;
    if (!hostAllowed(host, this.#loopbackOnly)) return rawStatus(socket, newStatus(403, 'Forbidden', `the console answers only to loopback host names, not ${JSON.stringify(host ?? '')}`));
    const pathClass = classifyPath(url.pathname);
    const wsAuth = webSocketBearerToken(headerString(req.headers['sec-websocket-protocol']));
    const credential = this.#credential(req, wsAuth.token);
    const refusal = crossSiteRefusal({
      method: 'GET',
      pathClass,
      credential: credential?.source,
      ...(req.headers.origin !== undefined ? { origin: req.headers.origin } : {}),
      expectedOrigin: ownOrigin(host ?? '', this.#secure),
      upgrade: true,
    });
    if (refusal) return rawStatus(socket, newStatus(403, 'Forbidden', refusal));
    if (!credential) return rawStatus(socket, UNAUTHORIZED);
    if (pathClass !== 'api') return rawStatus(socket, newStatus(404, 'NotFound', 'the server could not find the requested resource', {}));

    const headers = this.#forwardHeaders(req, credential.token);
    headers['connection'] = 'Upgrade';
    headers['upgrade'] = headerString(req.headers.upgrade) ?? 'websocket';
    delete headers['sec-websocket-protocol'];
    if (wsAuth.protocols.length) headers['sec-websocket-protocol'] = wsAuth.protocols.join(', ');
    const upstream = this.#opts.upstream;
    const up = upstream.request('GET', url.pathname + url.search, headers, { upgrade: true });
    this.#sockets.add(socket);
    const untrack = this.#track(credential.session, () => {
      up.destroy();
      socket.destroy();
    });
    socket.on('close', () => {
      untrack();
      this.#sockets.delete(socket);
      up.destroy();
    });
    up.on('upgrade', (ures, usocket, uhead) => {
      this.#sockets.add(usocket);
      const lines = [`HTTP/1.1 101 ${ures.statusMessage || 'Switching Protocols'}`];
      for (let i = 0; i + 1 < ures.rawHeaders.length; i += 2) {
        const name = ures.rawHeaders[i] ?? '';
        if (name.toLowerCase() === 'set-cookie') continue;
        lines.push(`${name}: ${ures.rawHeaders[i + 1] ?? ''}`);
      }
      socket.write(lines.join('\r\n') + '\r\n\r\n');
      if (uhead.length) socket.write(uhead);
      if (head.length) usocket.write(head);
      usocket.on('error', () => socket.destroy());
      usocket.on('close', () => {
        this.#sockets.delete(usocket);
        socket.destroy();
      });
      socket.on('close', () => usocket.destroy());
      usocket.pipe(socket);
      socket.pipe(usocket);
    });
    up.on('response', (ures) => {
      // No upgrade: the API server's answer (401, 403, 400 ...) goes back as an ordinary response.
      if (ures.statusCode === 401 && credential.session) {
        untrack();
        this.#endSession(credential.session.id);
      }
      const chunks: Buffer[] = [];
      ures.on('data', (c: Buffer) => chunks.push(c));
      ures.on('end', () => {
        const body = Buffer.concat(chunks);
        const lines = [`HTTP/1.1 ${ures.statusCode ?? 502} ${ures.statusMessage ?? ''}`];
        const type = ures.headers['content-type'];
        if (type) lines.push(`Content-Type: ${headerString(type) ?? ''}`);
        lines.push(`Content-Length: ${body.length}`, 'Connection: close');
        socket.end(Buffer.concat([Buffer.from(lines.join('\r\n') + '\r\n\r\n'), body]));
      });
      ures.on('error', () => socket.destroy());
    });
    up.on('error', (e) => {
      if (socket.writable) rawStatus(socket, unreachable(upstream.url, e).status);
    });
    up.end();
  }

  // ---- responses ----

  #writeJSON(res: ServerResponse, code: number, body: unknown, extra: OutgoingHttpHeaders = {}): void {
    const text = JSON.stringify(body);
    res.writeHead(code, { ...SECURITY_HEADERS, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...extra });
    res.end(text);
  }

  #writeStatus(res: ServerResponse, status: Status): void {
    this.#writeJSON(res, status.code, status, { 'cache-control': 'no-store' });
  }

  #methodNotAllowed(res: ServerResponse, method: string, allow: string): void {
    const status = newStatus(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource (${method})`);
    this.#writeJSON(res, 405, status, { allow, 'cache-control': 'no-store' });
  }
}

function headerString(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v.join(', ') : v;
}

function tooLarge(limit: number): Status {
  return newStatus(413, 'RequestEntityTooLarge', `the request body is larger than the console forwards (${limit} bytes)`);
}

/** Answers an upgrade request that is refused with an ordinary HTTP response carrying a Status, and closes. */
function rawStatus(socket: Duplex, status: Status): void {
  const body = JSON.stringify(status);
  const reason = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 503: 'Service Unavailable' }[status.code] ?? 'Error';
  socket.end(
    `HTTP/1.1 ${status.code} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** Reads a request body up to limit bytes; a larger one is a 413 StatusError. */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    n += c.length;
    if (n > limit) throw new StatusError(tooLarge(limit));
    chunks.push(c);
  }
  return Buffer.concat(chunks);
}
