/**
 * Content negotiation for GET /api and GET /apis, as k8s.io/apiserver/pkg/endpoints/discovery/aggregated
 * (WrappedHandler) does it with negotiation.NegotiateMediaTypeOptions and DiscoveryEndpointRestrictions:
 *
 * - The Accept list is ordered by q (highest first; q=0 excluded), then by specificity (a concrete type
 *   before `*` and a concrete subtype before `type/*`), otherwise in the client's order.
 * - The first clause the server can serve wins. A clause with any of the `as`, `g`, `v` parameters asks for a
 *   conversion; the only conversions a discovery endpoint allows are
 *   `g=apidiscovery.k8s.io;v=v2|v2beta1;as=APIGroupDiscoveryList`. Other parameters are ignored.
 * - kubelab serves discovery as JSON only, so `application/json`, `application/*` and the any-type wildcard
 *   are servable; YAML and protobuf clauses are skipped.
 *
 * kubectl sends `...;v=v2;as=APIGroupDiscoveryList,...;v=v2beta1;as=APIGroupDiscoveryList,application/json`
 * and gets the v2 aggregated document; plain `application/json` (plus the wildcard) gets the legacy one.
 *
 * When no clause is servable kube-apiserver answers 406; this returns 'legacy' instead (and for an absent
 * or empty header, where kube also serves JSON).
 */

export type DiscoveryFormat = 'aggregated-v2' | 'aggregated-v2beta1' | 'legacy';

interface AcceptClause {
  type: string;
  subtype: string;
  params: Map<string, string>;
  q: number;
  index: number;
}

function unquote(v: string): string {
  return v.length >= 2 && v.startsWith('"') && v.endsWith('"') ? v.slice(1, -1) : v;
}

/** Parses an Accept header into clauses (goautoneg.ParseAccept without its quirks). */
export function parseAccept(header: string): AcceptClause[] {
  const out: AcceptClause[] = [];
  header.split(',').forEach((raw, index) => {
    const parts = raw.split(';').map((p) => p.trim());
    const mediaRange = parts.shift() ?? '';
    if (!mediaRange) return;
    const slash = mediaRange.indexOf('/');
    const type = (slash < 0 ? mediaRange : mediaRange.slice(0, slash)).toLowerCase();
    const subtype = (slash < 0 ? '*' : mediaRange.slice(slash + 1)).toLowerCase();
    const params = new Map<string, string>();
    let q = 1;
    for (const p of parts) {
      if (!p) continue;
      const eq = p.indexOf('=');
      const key = (eq < 0 ? p : p.slice(0, eq)).trim().toLowerCase();
      const value = eq < 0 ? '' : unquote(p.slice(eq + 1).trim());
      if (key === 'q') {
        const n = Number(value);
        q = Number.isFinite(n) ? n : 1;
      } else {
        params.set(key, value);
      }
    }
    out.push({ type, subtype, params, q, index });
  });
  return out;
}

function specificity(c: AcceptClause): number {
  if (c.type === '*') return 0;
  if (c.subtype === '*') return 1;
  return 2;
}

function servesJSON(c: AcceptClause): boolean {
  return (c.type === 'application' && (c.subtype === 'json' || c.subtype === '*')) || (c.type === '*' && c.subtype === '*');
}

/** Which discovery document to send for an Accept header. */
export function negotiateDiscovery(acceptHeader: string | null | undefined): DiscoveryFormat {
  if (!acceptHeader || !acceptHeader.trim()) return 'legacy';
  const clauses = parseAccept(acceptHeader)
    .filter((c) => c.q > 0)
    .sort((a, b) => b.q - a.q || specificity(b) - specificity(a) || a.index - b.index);
  for (const c of clauses) {
    if (!servesJSON(c)) continue;
    const as = c.params.get('as');
    const g = c.params.get('g');
    const v = c.params.get('v');
    if (as === undefined && g === undefined && v === undefined) return 'legacy';
    if (as === 'APIGroupDiscoveryList' && g === 'apidiscovery.k8s.io') {
      if (v === 'v2') return 'aggregated-v2';
      if (v === 'v2beta1') return 'aggregated-v2beta1';
    }
    // Any other conversion (as=Table, unknown versions) is not allowed on discovery: try the next clause.
  }
  return 'legacy';
}
