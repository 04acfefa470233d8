/**
 * The `[scheme:]name[:port]` ids of the proxy subresources (k8s.io/apimachinery/pkg/util/net port_split.go):
 * `web`, `web:8080`, `web:http`, `https:web:443`, `https:web:`.
 */

/** The schemes an id may name; `""` means none given. */
const VALID_SCHEMES = new Set(['http', 'https', '']);

export interface SchemeNamePort {
  /** `""`, `http` or `https`. */
  scheme: string;
  name: string;
  /** `""` when absent; a number or a port name otherwise (not checked here). */
  port: string;
}

/**
 * SplitSchemeNamePort: `name` → {"", name, ""}; `name:port` → {"", name, port}; `scheme:name:port` → {scheme,
 * name, port}. Undefined (upstream's valid=false) for more than three parts, an empty name or a scheme other
 * than http/https.
 */
export function splitSchemeNamePort(id: string): SchemeNamePort | undefined {
  const parts = id.split(':');
  let scheme = '';
  let name: string;
  let port = '';
  if (parts.length === 1) {
    name = parts[0] ?? '';
  } else if (parts.length === 2) {
    name = parts[0] ?? '';
    port = parts[1] ?? '';
  } else if (parts.length === 3) {
    scheme = parts[0] ?? '';
    name = parts[1] ?? '';
    port = parts[2] ?? '';
  } else {
    return undefined;
  }
  if (name.length === 0 || !VALID_SCHEMES.has(scheme)) return undefined;
  return { scheme, name, port };
}

/** JoinSchemeNamePort: the inverse (`scheme:name:port`, `name:port` or `name`). */
export function joinSchemeNamePort(scheme: string, name: string, port: string): string {
  if (scheme.length > 0) return `${scheme}:${name}:${port}`;
  if (port.length > 0) return `${name}:${port}`;
  return name;
}
