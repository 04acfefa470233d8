/**
 * The console's request rules as pure functions: which part of the console a path belongs to, the session cookie,
 * the credential a request carries, and the cross-site checks (CSRF header, Origin, Host).
 */
import { isIP } from 'node:net';

/** The custom header the console's own pages send on every non-GET API request (CSRF: a cross-site form cannot set it). */
export const CONSOLE_HEADER = 'x-kubelab-console';

/**
 * - `login`/`logout`/`session`: the console's own endpoints.
 * - `api`: forwarded to the API server as the user (/api, /apis, /version, /openapi and below).
 * - `asset`: a file of the built front-end under /assets/.
 * - `index`: anything else: index.html (the front-end routes in the URL fragment).
 */
export type PathClass = 'login' | 'logout' | 'session' | 'api' | 'asset' | 'index';

const FORWARDED_ROOTS = ['/api', '/apis', '/version', '/openapi'];

export function classifyPath(pathname: string): PathClass {
  if (pathname === '/login') return 'login';
  if (pathname === '/logout') return 'logout';
  if (pathname === '/session') return 'session';
  for (const root of FORWARDED_ROOTS) if (pathname === root || pathname.startsWith(root + '/')) return 'api';
  if (pathname.startsWith('/assets/')) return 'asset';
  return 'index';
}

/**
 * The file an /assets/ path names, relative to the assets folder, or undefined when it is not a plain file name
 * path (empty segments, dot segments, backslashes, NUL, percent-encoded separators).
 */
export function assetFile(pathname: string): string | undefined {
  if (!pathname.startsWith('/assets/')) return undefined;
  let rel: string;
  try {
    rel = decodeURIComponent(pathname.slice('/assets/'.length));
  } catch {
    return undefined;
  }
  if (!rel || rel.includes('\\') || rel.includes('\0')) return undefined;
  const segments = rel.split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..' || s.startsWith('.'))) return undefined;
  return segments.join('/');
}

/** The cookie holding the session id. Cookies ignore ports, so the name carries the port: two consoles on one host stay apart. */
export function sessionCookieName(port: number): string {
  return `kubelab-console-${port}`;
}

/** Parses a Cookie header into name → value (the first of duplicate names wins, as browsers send the most specific first). */
export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!header) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    if (name && !out.has(name)) out.set(name, value);
  }
  return out;
}

/** The Set-Cookie value that starts a session (HttpOnly, SameSite=Strict, Secure over TLS) for maxAgeSeconds. */
export function sessionCookie(name: string, id: string, maxAgeSeconds: number, secure: boolean): string {
  return `${name}=${id}; Path=/; Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}

/** The Set-Cookie value that removes the session cookie. */
export function clearedSessionCookie(name: string, secure: boolean): string {
  return `${name}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}

/** A bearer token from an Authorization header, or undefined (absent, another scheme, empty). */
export function bearerToken(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  return m?.[1];
}

const WS_BEARER_PREFIX = 'base64url.bearer.authorization.k8s.io.';

/**
 * kube-apiserver's WebSocket bearer token: a Sec-WebSocket-Protocol entry `base64url.bearer.authorization.k8s.io.<token
 * in base64url>` (browsers cannot set Authorization on a WebSocket). Returns the token and the protocols without it.
 */
export function webSocketBearerToken(protocolHeader: string | undefined): { token?: string; protocols: string[] } {
  const protocols: string[] = [];
  let token: string | undefined;
  for (const p of (protocolHeader ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    if (p.startsWith(WS_BEARER_PREFIX)) {
      const decoded = Buffer.from(p.slice(WS_BEARER_PREFIX.length), 'base64url').toString('utf8');
      if (decoded) token = decoded;
    } else {
      protocols.push(p);
    }
  }
  return token === undefined ? { protocols } : { token, protocols };
}

/** True for the host names and addresses that only reach this machine. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || h.startsWith('::ffff:127.');
  return false;
}

/** Splits a Host header into host and port (`[v6]:port`, `name:port`, `name`). */
export function splitHostHeader(host: string): { hostname: string; port?: number } {
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(host.trim());
  if (!m || !m[1]) return { hostname: host.trim() };
  return m[2] === undefined ? { hostname: m[1] } : { hostname: m[1], port: Number(m[2]) };
}

/**
 * Whether a Host header may address this console. A console listening on loopback answers only loopback names
 * (DNS rebinding: a page on evil.example that resolves to 127.0.0.1 sends `Host: evil.example`); one listening
 * beyond loopback (TLS, authenticated) answers any name.
 */
export function hostAllowed(hostHeader: string | undefined, loopbackOnly: boolean): boolean {
  if (!hostHeader) return false;
  if (!loopbackOnly) return true;
  return isLoopbackHost(splitHostHeader(hostHeader).hostname);
}

/** The console's own origin as the browser sees it: scheme and the Host header it sent. */
export function ownOrigin(hostHeader: string, secure: boolean): string {
  return `${secure ? 'https' : 'http'}://${hostHeader.trim().toLowerCase()}`;
}

/** How a request authenticated to the console. */
export type CredentialSource = 'cookie' | 'header';

export interface CrossSiteInput {
  method: string;
  pathClass: PathClass;
  credential: CredentialSource | undefined;
  /** Header values as received (lower-case names). */
  origin?: string;
  secFetchSite?: string;
  consoleHeader?: string;
  /** The console's origin (ownOrigin). */
  expectedOrigin: string;
  upgrade: boolean;
}

/**
 * The CSRF and cross-origin rules; returns why a request is refused, or undefined when it may proceed.
 * - Any request whose Origin is present and not the console's own, or that the browser marks cross-site
 *   (Sec-Fetch-Site), is refused when it rides on the session cookie, and for /login and /logout.
 * - Cookie-authenticated non-GET API requests need the X-Kubelab-Console header (SameSite=Strict is the first
 *   line; the header is the second: a cross-site form or simple request cannot set it).
 * - WebSocket upgrades on the cookie must carry the console's own Origin (browsers always send one).
 * Requests with an Authorization header (scripts) are not CSRF-prone: a browser never adds one by itself.
 */
export function crossSiteRefusal(r: CrossSiteInput): string | undefined {
  const origin = r.origin?.toLowerCase();
  const foreignOrigin = origin !== undefined && origin !== r.expectedOrigin;
  const crossSite = r.secFetchSite === 'cross-site' || r.secFetchSite === 'same-site';
  const ownEndpoint = r.pathClass === 'login' || r.pathClass === 'logout';
  if ((r.credential === 'cookie' || ownEndpoint) && (foreignOrigin || crossSite)) {
    return `cross-origin request refused (Origin ${origin ?? '<none>'}, expected ${r.expectedOrigin})`;
  }
  if (r.credential !== 'cookie') return undefined;
  if (r.upgrade && origin !== r.expectedOrigin) {
    return `WebSocket upgrade refused: Origin ${origin ?? '<none>'} is not ${r.expectedOrigin}`;
  }
  const safe = r.method === 'GET' || r.method === 'HEAD' || r.method === 'OPTIONS';
  if (!safe && (r.pathClass === 'api' || ownEndpoint) && r.consoleHeader !== '1') {
    return `${r.method} refused: the console's requests carry the header X-Kubelab-Console: 1`;
  }
  return undefined;
}
