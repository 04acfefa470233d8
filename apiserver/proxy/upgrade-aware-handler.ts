/**
 * The HTTP engine behind pods/proxy, services/proxy and nodes/proxy (k8s.io/apimachinery/pkg/util/proxy
 * UpgradeAwareHandler + transport.go, over Go's httputil.ReverseProxy):
 *
 * - A plain request goes to the backend with the client's method, body (streamed both ways with
 *   backpressure), query and headers, minus the hop-by-hop headers (Connection and what it lists,
 *   Keep-Alive, Proxy-*, TE, Trailer, Transfer-Encoding, Upgrade) and the credentials the API server
 *   consumed (Authorization, Impersonate-*, as kube's authentication and impersonation filters delete them).
 *   X-Forwarded-For gets the client's address appended and X-Forwarded-Uri is the request's path. The Host
 *   header is the client's (ReverseProxy does not rewrite it).
 * - The answer comes back with its status and headers minus hop-by-hop and CORS headers; a Location header
 *   and the links of a text/html page pointing into the backend are rewritten to go through the proxy path.
 * - A request whose backend path is empty is redirected (301) to the same path with a trailing slash, for
 *   GET and HEAD only (proxyRedirectsforRootPath).
 * - The backend not answering is 503 `error trying to reach service: dial tcp 10.0.0.5:80: connect:
 *   connection refused`.
 * - An upgrade (WebSocket, SPDY) is relayed on the raw sockets once the backend answers 101 (or an error
 *   status >= 400, which the client gets as is); any other answer is 500 `invalid upgrade response: status
 *   code 200`, a failed dial 500 `error dialing backend: …`.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import * as tls from 'node:tls';
import * as zlib from 'node:zlib';
import type { Duplex } from 'node:stream';
import { StatusError, newServiceUnavailable, newStatus } from '../../shared/errors/status-error.ts';
import { rewriteHTMLLinks } from './html-link-rewriter.ts';
import { effectivePort, escapePath, joinPath, locationHostPort, unescapePath, type ProxyLocation } from './proxy-location.ts';

/** One proxied request: the backend, the path on it and what the client asked for. */
export interface ProxyRequest {
  location: ProxyLocation;
  /** The backend path, decoded (`/healthz`, `/`, or `""` for a request ending at `.../proxy`). */
  path: string;
  /** The query as the client sent it, without `?`. */
  rawQuery: string;
  /** The client's request path, decoded (for X-Forwarded-Uri and link rewriting). */
  requestPath: string;
  signal?: AbortSignal;
}

/** Go's http.Transport dial timeout in kube's proxy transport. */
const DIAL_TIMEOUT_MS = 30_000;
/** An HTML page larger than this is passed through without link rewriting (kube buffers it whole). */
const MAX_REWRITTEN_HTML_BYTES = 8 << 20;
/** A backend's answer to an upgrade must fit its head in this. */
const MAX_UPGRADE_RESPONSE_HEAD = 64 << 10;

const HOP_BY_HOP = new Set(['connection', 'proxy-connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade']);
const CORS_HEADERS = new Set(['access-control-allow-credentials', 'access-control-allow-headers', 'access-control-allow-methods', 'access-control-allow-origin']);

type HeaderList = [string, string][];

function pairs(raw: string[]): HeaderList {
  const out: HeaderList = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i] ?? '', raw[i + 1] ?? '']);
  return out;
}

function flat(list: HeaderList): string[] {
  return list.flat();
}

function connectionTokens(list: HeaderList): Set<string> {
  const tokens = new Set<string>();
  for (const [k, v] of list) {
    if (k.toLowerCase() !== 'connection') continue;
    for (const t of v.split(',')) if (t.trim()) tokens.add(t.trim().toLowerCase());
  }
  return tokens;
}

/** Drops hop-by-hop headers (RFC 7230 6.1, Go's removeHopByHopHeaders). */
export function withoutHopByHop(list: HeaderList): HeaderList {
  const listed = connectionTokens(list);
  return list.filter(([k]) => !HOP_BY_HOP.has(k.toLowerCase()) && !listed.has(k.toLowerCase()));
}

/** Drops the credentials the API server consumed. */
function withoutCredentials(list: HeaderList): HeaderList {
  return list.filter(([k]) => {
    const l = k.toLowerCase();
    return l !== 'authorization' && !l.startsWith('impersonate-');
  });
}

/** The client's address as Go's RemoteAddr host (IPv4-mapped addresses as IPv4). */
function clientIP(req: http.IncomingMessage): string {
  const a = req.socket.remoteAddress ?? '';
  return a.startsWith('::ffff:') && net.isIPv4(a.slice(7)) ? a.slice(7) : a;
}

/** X-Forwarded-For with the client's address appended (ReverseProxy / utilnet.AppendForwardedForHeader). */
function withForwardedFor(list: HeaderList, req: http.IncomingMessage): HeaderList {
  const prior = list.filter(([k]) => k.toLowerCase() === 'x-forwarded-for').map(([, v]) => v);
  const rest = list.filter(([k]) => k.toLowerCase() !== 'x-forwarded-for');
  const ip = clientIP(req);
  if (!ip) return list;
  rest.push(['X-Forwarded-For', prior.length ? `${prior.join(', ')}, ${ip}` : ip]);
  return rest;
}

/** `path` as a header value: decoded as Go sends it, escaped if it holds what a header cannot. */
function headerSafe(p: string): string {
  return /^[\x20-\x7e]*$/.test(p) ? p : escapePath(p);
}

/** The prefix the proxy adds in front of backend paths (defaultProxyTransport's PathPrepend). */
export function pathPrepend(requestPath: string, backendPath: string): string {
  let suffix = backendPath;
  if (requestPath.endsWith('/') && !suffix.endsWith('/')) suffix += '/';
  return suffix && requestPath.endsWith(suffix) ? requestPath.slice(0, requestPath.length - suffix.length) : requestPath;
}

const URL_PARTS = /^([a-zA-Z][a-zA-Z0-9+.-]*:)?(\/\/[^/?#]*)?([^?#]*)(\?[^#]*)?(#.*)?$/;

/**
 * transport.go rewriteURL: a URL on the page (or in a Location header) that points into the backend — an
 * absolute path, or an absolute URL whose host is the backend's or the one the client asked for — gets the
 * proxy prefix; other URLs (relative, other hosts, unparsable) are returned unchanged.
 */
export function rewriteProxiedURL(target: string, backendHost: string, requestHost: string, prepend: string): string {
  const m = URL_PARTS.exec(target);
  if (!m) return target;
  const scheme = m[1] ?? '';
  const authority = m[2] ?? '';
  const rawPath = m[3] ?? '';
  const rest = `${m[4] ?? ''}${m[5] ?? ''}`;
  const host = authority.slice(2).replace(/^[^@]*@/, '');
  const p = unescapePath(rawPath);
  const isDifferentHost = host !== '' && host !== backendHost && host !== requestHost;
  if (isDifferentHost || !p.startsWith('/')) return target;
  // Scheme and host are dropped (the proxy's own are empty) unless the URL names the host the client used.
  const keepOrigin = authority !== '' && host === requestHost;
  const origin = keepOrigin ? `${scheme}${authority}` : '';
  if (p.startsWith(prepend)) return `${origin}${rawPath}${rest}`;
  let joined = joinPath(prepend, p);
  if (p.endsWith('/') && !joined.endsWith('/')) joined += '/';
  return `${origin}${escapePath(joined)}${rest}`;
}

/** A Node socket error in Go's words (`dial tcp 10.0.0.5:80: connect: connection refused`). */
export function dialErrorMessage(err: Error & { code?: string }, hostPort: string): string {
  switch (err.code) {
    case 'ECONNREFUSED':
      return `dial tcp ${hostPort}: connect: connection refused`;
    case 'EHOSTUNREACH':
      return `dial tcp ${hostPort}: connect: no route to host`;
    case 'ENETUNREACH':
      return `dial tcp ${hostPort}: connect: network is unreachable`;
    case 'ETIMEDOUT':
      return `dial tcp ${hostPort}: i/o timeout`;
    case 'ECONNRESET':
      return `read tcp ${hostPort}: read: connection reset by peer`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `dial tcp: lookup ${hostPort.replace(/:\d+$/, '')}: no such host`;
    default:
      return err.message;
  }
}

function connectTimeout(): Error {
  return Object.assign(new Error('i/o timeout'), { code: 'ETIMEDOUT' });
}

/** TLS options for a location (SNI for DNS names only; the certificate checked against the host dialled). */
function tlsOptions(loc: ProxyLocation): tls.ConnectionOptions {
  const t = loc.tls ?? { rejectUnauthorized: false };
  return {
    ...(t.cert ? { cert: t.cert } : {}),
    ...(t.key ? { key: t.key } : {}),
    ...(t.ca ? { ca: t.ca } : {}),
    rejectUnauthorized: t.rejectUnauthorized,
    // No SNI for an IP (and never the Host header's name, which Node would otherwise take).
    servername: net.isIP(loc.host) ? '' : loc.host,
    checkServerIdentity: (_host: string, cert: tls.PeerCertificate) => tls.checkServerIdentity(loc.host, cert),
  };
}

function backendTarget(pr: ProxyRequest): string {
  return `${escapePath(pr.path || '/')}${pr.rawQuery ? `?${pr.rawQuery}` : ''}`;
}

/**
 * Serves a plain (non-upgrade) request through the backend. Rejects with a StatusError only before anything
 * was written (the caller writes it); once the answer started, failures close the connection.
 */
export function proxyHTTP(req: http.IncomingMessage, res: http.ServerResponse, pr: ProxyRequest): Promise<void> {
  let backendPath = pr.path;
  if (!backendPath.endsWith('/') && pr.requestPath.endsWith('/')) backendPath += '/';
  const method = req.method ?? 'GET';
  if (backendPath === '' && (method === 'GET' || method === 'HEAD')) {
    const rawPath = (req.url ?? '/').split('?')[0] ?? '/';
    res.writeHead(301, { Location: `${rawPath}/${pr.rawQuery ? `?${pr.rawQuery}` : ''}` });
    res.end();
    return Promise.resolve();
  }
  const loc = pr.location;
  const hostPort = locationHostPort({ host: loc.host, port: effectivePort(loc) });
  const prepend = pathPrepend(pr.requestPath, backendPath);
  let forwardedURI = joinPath(prepend, backendPath);
  if (backendPath.endsWith('/') && !forwardedURI.endsWith('/')) forwardedURI += '/';
  let headers = withForwardedFor(withoutCredentials(withoutHopByHop(pairs(req.rawHeaders))), req);
  headers = headers.filter(([k]) => k.toLowerCase() !== 'x-forwarded-uri');
  headers.push(['X-Forwarded-Uri', headerSafe(forwardedURI)]);
  const options: http.RequestOptions = {
    host: loc.host,
    port: effectivePort(loc),
    method,
    path: backendTarget({ ...pr, path: backendPath }),
    headers: flat(headers),
    agent: false,
    setHost: false,
  };
  const requestHost = req.headers.host ?? '';
  return new Promise<void>((resolve, reject) => {
    const out = loc.scheme === 'https' ? https.request({ ...options, ...tlsOptions(loc) }) : http.request(options);
    let settled = false;
    const done = (err?: unknown) => {
      if (settled) return;
      settled = true;
      pr.signal?.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve();
    };
    const onAbort = () => {
      out.destroy();
      done();
    };
    if (pr.signal?.aborted) return onAbort();
    pr.signal?.addEventListener('abort', onAbort, { once: true });
    out.on('socket', (s: net.Socket) => {
      if (!s.connecting) return;
      const t = setTimeout(() => out.destroy(connectTimeout()), DIAL_TIMEOUT_MS);
      s.once('connect', () => clearTimeout(t));
      s.once('close', () => clearTimeout(t));
    });
    out.on('error', (e: Error & { code?: string }) => {
      req.unpipe(out);
      if (res.headersSent) {
        res.destroy();
        done();
      } else {
        done(newServiceUnavailable(`error trying to reach service: ${dialErrorMessage(e, hostPort)}`));
      }
    });
    out.on('response', (bres: http.IncomingMessage) => {
      let list = withoutHopByHop(pairs(bres.rawHeaders)).filter(([k]) => !CORS_HEADERS.has(k.toLowerCase()));
      const rewrite = (u: string) => rewriteProxiedURL(u, hostPort, requestHost, prepend);
      list = list.map(([k, v]) => (k.toLowerCase() === 'location' ? [k, rewrite(v)] : [k, v]));
      const code = bres.statusCode ?? 502;
      const finish = () => done();
      res.on('close', finish);
      bres.on('error', () => {
        res.destroy();
        done();
      });
      const contentType = (list.find(([k]) => k.toLowerCase() === 'content-type')?.[1] ?? '').split(';')[0]?.trim().toLowerCase();
      const encoding = (list.find(([k]) => k.toLowerCase() === 'content-encoding')?.[1] ?? '').trim().toLowerCase();
      const hasLocation = list.some(([k]) => k.toLowerCase() === 'location');
      if (!hasLocation && contentType === 'text/html' && ['', 'gzip', 'deflate'].includes(encoding) && method !== 'HEAD') {
        rewriteHTMLResponse(bres, res, code, list, encoding, rewrite);
        return;
      }
      res.writeHead(code, flat(list));
      bres.pipe(res);
    });
    // The body streams to the backend as it arrives (nothing when the request has none).
    req.pipe(out);
  });
}

/** Buffers a text/html answer (up to a bound), rewrites its links and sends it with its new length. */
function rewriteHTMLResponse(bres: http.IncomingMessage, res: http.ServerResponse, code: number, list: HeaderList, encoding: string, rewrite: (u: string) => string): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let passThrough = false;
  const onData = (c: Buffer) => {
    chunks.push(c);
    size += c.length;
    if (size > MAX_REWRITTEN_HTML_BYTES) {
      // Too large to rewrite: send what came so far and stream the rest unchanged.
      passThrough = true;
      bres.off('data', onData);
      bres.off('end', onEnd);
      res.writeHead(code, flat(list));
      for (const b of chunks) res.write(b);
      chunks.length = 0;
      bres.pipe(res);
    }
  };
  const onEnd = () => {
    if (passThrough) return;
    const body = Buffer.concat(chunks);
    let out: Buffer = body;
    try {
      const deflateRaw = encoding === 'deflate' && !isZlibHeader(body);
      const plain = encoding === 'gzip' ? zlib.gunzipSync(body) : encoding === 'deflate' ? (deflateRaw ? zlib.inflateRawSync(body) : zlib.inflateSync(body)) : body;
      const rewritten = Buffer.from(rewriteHTMLLinks(plain.toString('utf8'), rewrite), 'utf8');
      out = encoding === 'gzip' ? zlib.gzipSync(rewritten) : encoding === 'deflate' ? (deflateRaw ? zlib.deflateRawSync(rewritten) : zlib.deflateSync(rewritten)) : rewritten;
    } catch {
      out = body; // not decodable: pass it on as it came
    }
    const headers = list.filter(([k]) => k.toLowerCase() !== 'content-length');
    headers.push(['Content-Length', String(out.length)]);
    res.writeHead(code, flat(headers));
    res.end(out);
  };
  bres.on('data', onData);
  bres.on('end', onEnd);
}

function isZlibHeader(b: Buffer): boolean {
  return b.length >= 2 && ((b[0] ?? 0) & 0x0f) === 8 && (((b[0] ?? 0) << 8) | (b[1] ?? 0)) % 31 === 0;
}

/** Opens the backend connection for an upgrade (TLS for https). */
function dialBackend(loc: ProxyLocation): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const port = effectivePort(loc);
    const s: net.Socket = loc.scheme === 'https' ? tls.connect({ host: loc.host, port, ...tlsOptions(loc) }) : net.connect({ host: loc.host, port });
    const ready = loc.scheme === 'https' ? 'secureConnect' : 'connect';
    const t = setTimeout(() => s.destroy(connectTimeout()), DIAL_TIMEOUT_MS);
    s.once(ready, () => {
      clearTimeout(t);
      s.removeListener('error', onError);
      resolve(s);
    });
    const onError = (e: Error) => {
      clearTimeout(t);
      reject(e);
    };
    s.once('error', onError);
  });
}

/**
 * Relays an upgrade request (tryUpgrade): dials the backend, writes the client's request (credentials
 * removed, X-Forwarded-For appended) and whatever the client sent after it, and once the backend's answer
 * head arrives, passes it on and joins the two connections until either closes. Rejects with a StatusError
 * before anything was written to the client.
 */
export async function proxyUpgrade(req: http.IncomingMessage, client: Duplex, head: Buffer, pr: ProxyRequest): Promise<void> {
  const loc = pr.location;
  const hostPort = locationHostPort({ host: loc.host, port: effectivePort(loc) });
  let backend: net.Socket;
  try {
    backend = await dialBackend(loc);
  } catch (e) {
    throw new StatusError(newStatus(500, '', `error dialing backend: ${dialErrorMessage(e as Error & { code?: string }, hostPort)}`));
  }
  let backendPath = pr.path;
  if (!backendPath.endsWith('/') && pr.requestPath.endsWith('/')) backendPath += '/';
  const headers = withForwardedFor(withoutCredentials(pairs(req.rawHeaders)), req);
  const lines = [`${req.method ?? 'GET'} ${backendTarget({ ...pr, path: backendPath })} HTTP/1.1`, ...headers.map(([k, v]) => `${k}: ${v}`)];
  backend.write(`${lines.join('\r\n')}\r\n\r\n`);
  if (head.length) backend.write(head);
  const answer = await readResponseHead(backend);
  if (!answer) {
    backend.destroy();
    throw new StatusError(newStatus(500, '', 'error proxying upgrade: the backend closed the connection before answering'));
  }
  if (answer.code !== 101 && answer.code < 400) {
    backend.destroy();
    throw new StatusError(newStatus(500, '', `invalid upgrade response: status code ${answer.code}`));
  }
  client.write(answer.bytes);
  const close = () => {
    client.destroy();
    backend.destroy();
  };
  backend.on('error', close);
  client.on('error', close);
  backend.on('close', close);
  client.on('close', close);
  pr.signal?.addEventListener('abort', close, { once: true });
  backend.pipe(client);
  client.pipe(backend);
}

/** Reads up to the end of the backend's response head: its status code and every byte read so far. */
function readResponseHead(s: net.Socket): Promise<{ code: number; bytes: Buffer } | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (v: { code: number; bytes: Buffer } | undefined) => {
      s.off('data', onData);
      s.off('end', onEnd);
      s.off('error', onEnd);
      s.pause();
      resolve(v);
    };
    const onData = (c: Buffer) => {
      chunks.push(c);
      size += c.length;
      const all = Buffer.concat(chunks);
      const end = all.indexOf('\r\n\r\n');
      if (end >= 0) {
        const m = /^HTTP\/\d\.\d (\d{3})/.exec(all.subarray(0, Math.min(end, 64)).toString('latin1'));
        finish(m ? { code: Number(m[1]), bytes: all } : undefined);
      } else if (size > MAX_UPGRADE_RESPONSE_HEAD) {
        finish(undefined);
      }
    };
    const onEnd = () => finish(undefined);
    s.on('data', onData);
    s.once('end', onEnd);
    s.once('error', onEnd);
  });
}
