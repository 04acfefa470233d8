/**
 * pkg/api/endpoints/util.go RepackSubsets: expands Endpoints subsets to (address, port, ready) facts and packs
 * them back into the canonical layout: one subset per distinct set of addresses, holding every port those
 * addresses offer; an address is deduplicated by IP + targetRef.uid, and not-ready wins over ready for the same
 * address and port. The API server applies it to every Endpoints write (Canonicalize); the endpoints controller
 * builds its subsets with it too.
 *
 * Upstream orders ports and subsets by an md5 of their Go representation; here ports sort by (name, port,
 * protocol) and subsets by their first address, which is as stable and as canonical.
 */
import type { EndpointAddress, EndpointPort, EndpointSubset } from './core-v1.ts';

/** The sentinel for subsets without ports (headless services): kept, never written out as a port. */
const NO_PORT = '\u0000none';

function portKey(p: EndpointPort): string {
  return JSON.stringify([p.name ?? '', p.port, p.protocol ?? '', p.appProtocol ?? null]);
}

function addressKey(a: EndpointAddress): string {
  return `${a.ip}\u0000${a.targetRef?.uid ?? ''}`;
}

/** LessEndpointAddress: by IP, then by targetRef UID. */
export function compareEndpointAddresses(a: EndpointAddress, b: EndpointAddress): number {
  if (a.ip !== b.ip) return a.ip < b.ip ? -1 : 1;
  const ua = a.targetRef?.uid ?? '';
  const ub = b.targetRef?.uid ?? '';
  return ua < ub ? -1 : ua > ub ? 1 : 0;
}

function comparePorts(a: EndpointPort, b: EndpointPort): number {
  const na = a.name ?? '';
  const nb = b.name ?? '';
  if (na !== nb) return na < nb ? -1 : 1;
  if (a.port !== b.port) return a.port - b.port;
  const pa = a.protocol ?? '';
  const pb = b.protocol ?? '';
  return pa < pb ? -1 : pa > pb ? 1 : 0;
}

/** SortSubsets: addresses and ports inside each subset, then the subsets, into a deterministic order. */
export function sortSubsets(subsets: EndpointSubset[]): EndpointSubset[] {
  for (const ss of subsets) {
    ss.addresses?.sort(compareEndpointAddresses);
    ss.notReadyAddresses?.sort(compareEndpointAddresses);
    ss.ports?.sort(comparePorts);
  }
  const first = (ss: EndpointSubset): EndpointAddress | undefined => ss.addresses?.[0] ?? ss.notReadyAddresses?.[0];
  return subsets.sort((a, b) => {
    const fa = first(a);
    const fb = first(b);
    if (!fa || !fb) return fa ? -1 : fb ? 1 : 0;
    const c = compareEndpointAddresses(fa, fb);
    if (c !== 0) return c;
    const pa = a.ports?.[0];
    const pb = b.ports?.[0];
    if (!pa || !pb) return pa ? 1 : pb ? -1 : 0;
    return comparePorts(pa, pb);
  });
}

/** RepackSubsets: a new, canonical list; the input is not modified. */
export function repackSubsets(subsets: readonly EndpointSubset[] | undefined): EndpointSubset[] {
  const addresses = new Map<string, EndpointAddress>();
  // port key -> (address key -> ready)
  const byPort = new Map<string, { port?: EndpointPort; ready: Map<string, boolean> }>();
  const note = (addr: EndpointAddress, port: EndpointPort | undefined, ready: boolean): void => {
    const ak = addressKey(addr);
    if (!addresses.has(ak)) addresses.set(ak, structuredClone(addr));
    const pk = port ? portKey(port) : NO_PORT;
    let entry = byPort.get(pk);
    if (!entry) {
      entry = { ...(port ? { port: structuredClone(port) } : {}), ready: new Map() };
      byPort.set(pk, entry);
    }
    // Not ready always trumps ready for the same address and port.
    const was = entry.ready.get(ak);
    if (was === undefined || was) entry.ready.set(ak, ready);
  };
  for (const ss of subsets ?? []) {
    const ports: (EndpointPort | undefined)[] = ss.ports && ss.ports.length > 0 ? ss.ports : [undefined];
    for (const port of ports) {
      for (const a of ss.addresses ?? []) note(a, port, true);
      for (const a of ss.notReadyAddresses ?? []) note(a, port, false);
    }
  }
  // Group ports by the exact set of (address, ready) they map to.
  const groups = new Map<string, { ready: Map<string, boolean>; ports: EndpointPort[] }>();
  for (const { port, ready } of byPort.values()) {
    const signature = JSON.stringify([...ready.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    let g = groups.get(signature);
    if (!g) {
      g = { ready, ports: [] };
      groups.set(signature, g);
    }
    if (port) g.ports.push(port);
  }
  const out: EndpointSubset[] = [];
  for (const g of groups.values()) {
    const ready: EndpointAddress[] = [];
    const notReady: EndpointAddress[] = [];
    for (const [ak, isReady] of g.ready) {
      const addr = addresses.get(ak);
      if (!addr) continue;
      (isReady ? ready : notReady).push(structuredClone(addr));
    }
    const ss: EndpointSubset = {};
    if (ready.length > 0) ss.addresses = ready;
    if (notReady.length > 0) ss.notReadyAddresses = notReady;
    if (g.ports.length > 0) ss.ports = g.ports;
    out.push(ss);
  }
  return sortSubsets(out);
}
