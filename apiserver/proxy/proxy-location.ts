/**
 * Where a proxy subresource sends a request (kube's rest.Redirector ResourceLocation result: a URL and the
 * transport to use), and the URL helpers of k8s.io/apimachinery/pkg/util/{net,proxy} the proxy needs.
 */
import { isIP } from 'node:net';
import { newBadRequest, type StatusError } from '../../shared/errors/status-error.ts';

/** TLS for an https backend (the kubelet client certificate for nodes; nothing verified for pods/services). */
export interface ProxyTLSOptions {
  cert?: Buffer;
  key?: Buffer;
  ca?: Buffer;
  rejectUnauthorized: boolean;
}

/** A backend: scheme, host and port (the URL's path is added by the proxy handler from the request). */
export interface ProxyLocation {
  scheme: 'http' | 'https';
  /** An IP (unbracketed) or a DNS name. */
  host: string;
  /** Absent: the scheme's default port. */
  port?: number;
  /** https only: how to talk TLS (the proxy transport skips verification, as kube-apiserver's does). */
  tls?: ProxyTLSOptions;
}

/** The URL host of a location: `10.0.0.5:8080`, `[fd00::5]:8080`, or the bare host without a port. */
export function locationHostPort(loc: Pick<ProxyLocation, 'host' | 'port'>): string {
  const host = loc.host.includes(':') ? `[${loc.host}]` : loc.host;
  return loc.port === undefined ? host : `${host}:${loc.port}`;
}

/** The port dialled: the location's, else the scheme's default. */
export function effectivePort(loc: Pick<ProxyLocation, 'scheme' | 'port'>): number {
  return loc.port ?? (loc.scheme === 'https' ? 443 : 80);
}

/** kube's proxy transport for pods, services and nodes' non-kubelet ports: TLS without verification. */
export const INSECURE_PROXY_TLS: ProxyTLSOptions = { rejectUnauthorized: false };

/** utilproxy.ErrAddressNotAllowed as the 400 the Redirectors return. */
export function addressNotAllowed(): StatusError {
  return newBadRequest('address not allowed');
}

function ipv4Octets(ip: string): number[] | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  const octets = parts.map((p) => (/^\d{1,3}$/.test(p) ? Number(p) : NaN));
  return octets.every((o) => o >= 0 && o <= 255) ? octets : undefined;
}

/** Expands an IPv6 address into 8 groups (undefined when it does not parse). */
function ipv6Groups(ip: string): number[] | undefined {
  let s = ip;
  const lastColon = s.lastIndexOf(':');
  const dotted = s.slice(lastColon + 1);
  if (dotted.includes('.')) {
    const o = ipv4Octets(dotted);
    if (!o) return undefined;
    const hex = (x: number) => x.toString(16);
    s = `${s.slice(0, lastColon + 1)}${hex(((o[0] ?? 0) << 8) | (o[1] ?? 0))}:${hex(((o[2] ?? 0) << 8) | (o[3] ?? 0))}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const parse = (h: string) => (h === '' ? [] : h.split(':').map((g) => (/^[0-9a-fA-F]{1,4}$/.test(g) ? parseInt(g, 16) : NaN)));
  const head = parse(halves[0] ?? '');
  const rest = halves.length === 2 ? parse(halves[1] ?? '') : [];
  if ([...head, ...rest].some((g) => Number.isNaN(g))) return undefined;
  const total = head.length + rest.length;
  if (halves.length === 1 ? total !== 8 : total > 7) return undefined;
  return [...head, ...new Array<number>(8 - total).fill(0), ...rest];
}

/**
 * Go's net.IP.IsGlobalUnicast: false for the unspecified address, loopback (127/8, ::1), multicast
 * (224/4, ff00::/8), link-local unicast (169.254/16, fe80::/10) and the IPv4 broadcast address; false as well
 * for what does not parse as an IP. IPv4-mapped IPv6 addresses are judged as IPv4.
 */
export function isGlobalUnicast(ip: string): boolean {
  const v = isIP(ip);
  if (v === 4) return ipv4GlobalUnicast(ipv4Octets(ip) ?? []);
  if (v !== 6) return false;
  const g = ipv6Groups(ip);
  if (!g) return false;
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) {
    const a = g[6] ?? 0;
    const b = g[7] ?? 0;
    return ipv4GlobalUnicast([a >> 8, a & 0xff, b >> 8, b & 0xff]);
  }
  if (g.every((x) => x === 0)) return false;
  if (g.slice(0, 7).every((x) => x === 0) && g[7] === 1) return false;
  const first = g[0] ?? 0;
  if (first >> 8 === 0xff) return false;
  if ((first & 0xffc0) === 0xfe80) return false;
  return true;
}

function ipv4GlobalUnicast(o: number[]): boolean {
  if (o.length !== 4) return false;
  const [a = 0, b = 0, c = 0, d = 0] = o;
  if (a === 0 && b === 0 && c === 0 && d === 0) return false;
  if (a === 255 && b === 255 && c === 255 && d === 255) return false;
  if (a === 127) return false;
  if (a >= 224 && a <= 239) return false;
  if (a === 169 && b === 254) return false;
  return true;
}

/** Go's path.Clean. */
export function cleanPath(p: string): string {
  if (p === '') return '.';
  const rooted = p.startsWith('/');
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!rooted) out.push('..');
      continue;
    }
    out.push(seg);
  }
  const joined = out.join('/');
  if (rooted) return `/${joined}`;
  return joined === '' ? '.' : joined;
}

/** Go's path.Join: empty elements ignored, the result cleaned; `""` when all are empty. */
export function joinPath(...elems: string[]): string {
  const nonEmpty = elems.filter((e) => e !== '');
  return nonEmpty.length === 0 ? '' : cleanPath(nonEmpty.join('/'));
}

/** utilnet.JoinPreservingTrailingSlash: path.Join, keeping a trailing slash of the last element. */
export function joinPreservingTrailingSlash(elem: string, ...rest: string[]): string {
  const all = [elem, ...rest];
  const result = joinPath(...all);
  const last = all[all.length - 1] ?? '';
  return last.endsWith('/') && !result.endsWith('/') ? `${result}/` : result;
}

/** Characters Go's url.URL.EscapedPath leaves as they are in a path segment (besides unreserved ones). */
const PATH_KEEP = /%(21|24|26|27|28|29|2A|2B|2C|3A|3B|3D|40)/gi;

/** A decoded path as Go writes it on the wire (url.URL.EscapedPath). */
export function escapePath(p: string): string {
  return p
    .split('/')
    .map((seg) => encodeURIComponent(seg).replace(PATH_KEEP, (m) => decodeURIComponent(m)))
    .join('/');
}

/** Decodes a raw request path segment by segment (a bad escape is kept as is). */
export function unescapePath(p: string): string {
  return p
    .split('/')
    .map((seg) => {
      try {
        return decodeURIComponent(seg);
      } catch {
        return seg;
      }
    })
    .join('/');
}
