/**
 * The records of the cluster zone (Kubernetes DNS-Based Service Discovery, github.com/kubernetes/dns
 * docs/specification.md; CoreDNS's kubernetes plugin where the specification is silent), kept precomputed per
 * name and updated per Service when a Service or one of its EndpointSlices changes.
 *
 * What answers:
 * - `<svc>.<ns>.svc.<zone>`: A/AAAA of the ClusterIP(s); headless: one per ready endpoint (every endpoint with
 *   publishNotReadyAddresses), nothing at all (NXDOMAIN) without one; ExternalName: a CNAME.
 * - `<hostname>.<svc>.<ns>.svc.<zone>` for headless endpoints: the endpoint's hostname, else its address with
 *   dashes (CoreDNS's system-assigned identifier).
 * - `_<port>._<proto>.<svc>.<ns>.svc.<zone>` SRV for named ports: the Service name as target (ClusterIP), one
 *   per endpoint with its hostname name as target (headless, endpoint port numbers as CoreDNS does).
 * - PTR for ClusterIPs and headless endpoint addresses.
 * - `<a-b-c-d>.<ns>.pod.<zone>` A (the deprecated pod records, CoreDNS `pods insecure`).
 * - `dns-version.<zone>` TXT "1.1.0"; SOA and NS at the apex.
 * Names that exist only as parents of records (`<ns>.svc.<zone>`, `svc.<zone>`) and `<ns>.svc.<zone>` of every
 * existing namespace answer NODATA; any other name in
 * the zone NXDOMAIN, both with the SOA in the authority section. All comparisons are case-insensitive.
 */
import type { Answer, RecordType, SoaAnswer } from 'dns-packet';
import type { Service } from '../shared/api/core-v1.ts';
import { LABEL_SERVICE_NAME, type EndpointSlice } from '../shared/api/discovery-v1.ts';
import { parseIPSloppy } from '../shared/api/validation/ip.ts';

/** The schema version the `dns-version.<zone>` TXT record announces (what CoreDNS serves). */
export const DNS_SCHEMA_VERSION = '1.1.0';

export interface KubeZoneOptions {
  /** The cluster domain. @default 'cluster.local' */
  domain?: string;
  /** TTL of every record, seconds (CoreDNS's kubernetes plugin default). @default 5 */
  ttl?: number;
  /** Addresses `ns.dns.<zone>` resolves to (the server's own). @default [] */
  nameserverAddresses?: string[];
}

/** The zone's answer to one question. */
export interface ZoneAnswer {
  rcode: 'NOERROR' | 'NXDOMAIN';
  answers: Answer[];
  authorities: Answer[];
  additionals: Answer[];
  /**
   * Set when the answer ends in a CNAME whose target is outside the zone (an ExternalName Service): the server
   * resolves `target` for the question's type through its upstreams and appends what it gets, as CoreDNS does.
   */
  chase?: string;
}

type RecordsByName = Map<string, Answer[]>;

/** Lower-cases a name and strips the trailing dot. */
export function canonicalName(name: string): string {
  const n = name.endsWith('.') ? name.slice(0, -1) : name;
  return n.toLowerCase();
}

/** The reverse-lookup name of an IPv4 or IPv6 address (in-addr.arpa / ip6.arpa). */
export function reverseName(ip: string): string | undefined {
  if (isIPv4(ip)) return `${ip.split('.').reverse().join('.')}.in-addr.arpa`;
  // IPv6 written with hex groups only (an IPv4 tail such as ::ffff:1.2.3.4 gets no reverse name).
  const bytes = ip.includes('.') ? undefined : parseIPSloppy(ip);
  if (!bytes) return undefined;
  const nibbles: string[] = [];
  for (let i = bytes.length - 1; i >= 0; i--) {
    const b = bytes[i] ?? 0;
    nibbles.push((b & 15).toString(16), (b >> 4).toString(16));
  }
  return `${nibbles.join('.')}.ip6.arpa`;
}

export function isIPv4(s: string): boolean {
  const parts = s.split('.');
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}

/** The system-assigned hostname of an endpoint without one: its address with '.'/':' replaced by '-' (CoreDNS). */
export function endpointHostname(address: string, hostname: string | undefined): string {
  if (hostname) return hostname.toLowerCase();
  return address.toLowerCase().replace(/[.:]/g, '-');
}

const isReverse = (name: string): boolean => name.endsWith('.in-addr.arpa') || name.endsWith('.ip6.arpa') || name === 'in-addr.arpa' || name === 'ip6.arpa';

/**
 * The cluster zone. Feed it Services and EndpointSlices (from informers); ask it `lookup(name, type)`.
 * `generation` increases on every change that can alter an answer, so callers can cache encoded responses and
 * drop them when it moves.
 */
export class KubeZone {
  readonly domain: string;
  readonly ttl: number;
  readonly #soa: SoaAnswer;
  readonly #nameserverAddresses: string[];
  readonly #services = new Map<string, Service>();
  /** `ns/service` → slice name → slice. */
  readonly #slices = new Map<string, Map<string, EndpointSlice>>();
  /** `ns/service` → the records that Service contributes (removed as a whole on change). */
  readonly #contributed = new Map<string, RecordsByName>();
  /** Every name with records → its records (shared names, e.g. a pod IP's PTR, hold several owners' records). */
  readonly #records: RecordsByName = new Map();
  /** Names that exist only as ancestors of names with records → how many record names are below them. */
  readonly #nonTerminals = new Map<string, number>();
  readonly #namespaces = new Set<string>();
  #generation = 0;

  constructor(options: KubeZoneOptions = {}) {
    this.domain = canonicalName(options.domain ?? 'cluster.local');
    this.ttl = options.ttl ?? 5;
    this.#nameserverAddresses = options.nameserverAddresses ?? [];
    this.#soa = {
      name: this.domain,
      type: 'SOA',
      class: 'IN',
      ttl: this.ttl,
      data: {
        mname: `ns.dns.${this.domain}`,
        rname: `hostmaster.${this.domain}`,
        serial: Math.floor(Date.now() / 1000) >>> 0,
        refresh: 7200,
        retry: 1800,
        expire: 86400,
        minimum: this.ttl,
      },
    };
  }

  /** Increases whenever an answer may have changed. */
  get generation(): number {
    return this.#generation;
  }

  /** True if this server answers for name (the cluster zone; reverse names are answered only when known). */
  isAuthoritativeFor(name: string): boolean {
    const n = canonicalName(name);
    return n === this.domain || n.endsWith(`.${this.domain}`);
  }

  /** A namespace exists: `<ns>.svc.<zone>` answers NODATA even without Services (CoreDNS watches namespaces too). */
  upsertNamespace(name: string): void {
    if (this.#namespaces.has(name.toLowerCase())) return;
    this.#namespaces.add(name.toLowerCase());
    this.#generation++;
  }

  deleteNamespace(name: string): void {
    if (this.#namespaces.delete(name.toLowerCase())) this.#generation++;
  }

  upsertService(svc: Service): void {
    const key = `${svc.metadata.namespace ?? ''}/${svc.metadata.name ?? ''}`;
    this.#services.set(key, svc);
    this.#rebuild(key);
  }

  deleteService(namespace: string, name: string): void {
    const key = `${namespace}/${name}`;
    this.#services.delete(key);
    this.#rebuild(key);
  }

  upsertEndpointSlice(slice: EndpointSlice): void {
    const key = sliceServiceKey(slice);
    if (!key) return;
    let byName = this.#slices.get(key);
    if (!byName) this.#slices.set(key, (byName = new Map()));
    byName.set(slice.metadata.name ?? '', slice);
    this.#rebuild(key);
  }

  deleteEndpointSlice(slice: EndpointSlice): void {
    const key = sliceServiceKey(slice);
    if (!key) return;
    const byName = this.#slices.get(key);
    if (!byName) return;
    byName.delete(slice.metadata.name ?? '');
    if (byName.size === 0) this.#slices.delete(key);
    this.#rebuild(key);
  }

  /**
   * Answers one question. Undefined means "not ours": a name outside the zone, or a reverse name no Service
   * or endpoint owns (CoreDNS's `fallthrough in-addr.arpa ip6.arpa`): the server forwards those upstream.
   */
  lookup(qname: string, qtype: RecordType | 'ANY'): ZoneAnswer | undefined {
    const name = canonicalName(qname);
    if (isReverse(name)) {
      const records = this.#records.get(name);
      if (!records) return undefined;
      return this.#answerFrom(name, records, qtype);
    }
    if (!this.isAuthoritativeFor(name)) return undefined;
    const z = this.domain;
    if (name === z) {
      if (qtype === 'SOA') return this.#ok([this.#soa]);
      if (qtype === 'NS') return this.#ok([this.#ns()]);
      if (qtype === 'ANY') return this.#ok([this.#soa, this.#ns()]);
      return this.#nodata();
    }
    if (name === `dns-version.${z}`) {
      if (qtype === 'TXT' || qtype === 'ANY') return this.#ok([{ name, type: 'TXT', class: 'IN', ttl: this.ttl, data: DNS_SCHEMA_VERSION }]);
      return this.#nodata();
    }
    if (name === `ns.dns.${z}`) {
      const rrs = this.#nameserverAddresses.filter((ip) => qtype === 'ANY' || (qtype === 'A' && isIPv4(ip)) || (qtype === 'AAAA' && !isIPv4(ip))).map((ip) => addressRecord(name, ip, this.ttl));
      return rrs.length ? this.#ok(rrs) : this.#nodata();
    }
    if (name === `dns.${z}` || name === `svc.${z}` || name === `pod.${z}`) return this.#nodata();
    const pod = this.#podRecord(name);
    if (pod === 'nxdomain') return this.#nxdomain();
    if (pod === 'nodata') return this.#nodata();
    if (pod !== undefined) return qtype === 'A' || qtype === 'ANY' ? this.#ok([addressRecord(name, pod, this.ttl)]) : this.#nodata();
    const records = this.#records.get(name);
    if (records) return this.#answerFrom(name, records, qtype);
    if (this.#nonTerminals.has(name)) return this.#nodata();
    const svcSuffix = `.svc.${z}`;
    if (name.endsWith(svcSuffix) && this.#namespaces.has(name.slice(0, -svcSuffix.length))) return this.#nodata();
    return this.#nxdomain();
  }

  /**
   * Names under pod.<zone>: `<a-b-c-d>.<ns>.pod.<zone>` gives the address, `<ns>.pod.<zone>` exists without
   * records, anything else there does not; undefined for names elsewhere.
   */
  #podRecord(name: string): string | 'nodata' | 'nxdomain' | undefined {
    const suffix = `.pod.${this.domain}`;
    if (!name.endsWith(suffix)) return undefined;
    const labels = name.slice(0, -suffix.length).split('.');
    if (labels.length === 1) return 'nodata';
    if (labels.length !== 2) return 'nxdomain';
    const ip = (labels[0] ?? '').replace(/-/g, '.');
    return isIPv4(ip) ? ip : 'nxdomain';
  }

  #answerFrom(name: string, records: Answer[], qtype: RecordType | 'ANY'): ZoneAnswer {
    const cname = records.find((r) => r.type === 'CNAME');
    if (cname && qtype !== 'CNAME' && qtype !== 'ANY') {
      const target = (cname as { data: string }).data;
      const answers: Answer[] = [cname];
      const out: ZoneAnswer = { rcode: 'NOERROR', answers, authorities: [], additionals: [] };
      const t = canonicalName(target);
      if (this.isAuthoritativeFor(t)) {
        const inner = this.lookup(t, qtype);
        if (inner) {
          answers.push(...inner.answers);
          if (inner.answers.length === 0) out.authorities = [this.#soa];
        }
      } else {
        out.chase = t;
      }
      return out;
    }
    const matching = qtype === 'ANY' ? records : records.filter((r) => r.type === qtype);
    if (matching.length === 0) {
      if (name.endsWith('.arpa')) return { rcode: 'NOERROR', answers: [], authorities: [], additionals: [] };
      return this.#nodata();
    }
    const additionals: Answer[] = [];
    if (qtype === 'SRV') {
      const seen = new Set<string>();
      for (const srv of matching) {
        const target = canonicalName((srv as { data: { target: string } }).data.target);
        if (seen.has(target)) continue;
        seen.add(target);
        for (const r of this.#records.get(target) ?? []) if (r.type === 'A' || r.type === 'AAAA') additionals.push(r);
      }
    }
    return { rcode: 'NOERROR', answers: matching, authorities: [], additionals };
  }

  #ok(answers: Answer[]): ZoneAnswer {
    return { rcode: 'NOERROR', answers, authorities: [], additionals: [] };
  }
  #nodata(): ZoneAnswer {
    return { rcode: 'NOERROR', answers: [], authorities: [this.#soa], additionals: [] };
  }
  #nxdomain(): ZoneAnswer {
    return { rcode: 'NXDOMAIN', answers: [], authorities: [this.#soa], additionals: [] };
  }
  #ns(): Answer {
    return { name: this.domain, type: 'NS', class: 'IN', ttl: this.ttl, data: `ns.dns.${this.domain}` };
  }

  /** Replaces the records of one Service (key `ns/name`) by what its current object and slices give. */
  #rebuild(key: string): void {
    const old = this.#contributed.get(key);
    if (old) {
      for (const [name, rrs] of old) this.#removeRecords(name, rrs);
      this.#contributed.delete(key);
    }
    const svc = this.#services.get(key);
    if (svc) {
      const fresh = serviceRecords(svc, [...(this.#slices.get(key)?.values() ?? [])], this.domain, this.ttl);
      for (const [name, rrs] of fresh) this.#addRecords(name, rrs);
      if (fresh.size > 0) this.#contributed.set(key, fresh);
    }
    this.#generation++;
  }

  #addRecords(name: string, rrs: Answer[]): void {
    const existing = this.#records.get(name);
    if (existing) {
      existing.push(...rrs);
      return;
    }
    this.#records.set(name, [...rrs]);
    for (const parent of this.#parents(name)) this.#nonTerminals.set(parent, (this.#nonTerminals.get(parent) ?? 0) + 1);
  }

  #removeRecords(name: string, rrs: Answer[]): void {
    const existing = this.#records.get(name);
    if (!existing) return;
    const drop = new Set(rrs);
    const left = existing.filter((r) => !drop.has(r));
    if (left.length > 0) {
      this.#records.set(name, left);
      return;
    }
    this.#records.delete(name);
    for (const parent of this.#parents(name)) {
      const n = (this.#nonTerminals.get(parent) ?? 0) - 1;
      if (n > 0) this.#nonTerminals.set(parent, n);
      else this.#nonTerminals.delete(parent);
    }
  }

  /** The ancestors of name strictly below the zone apex (reverse names: below in-addr.arpa / ip6.arpa). */
  #parents(name: string): string[] {
    const out: string[] = [];
    const apex = isReverse(name) ? (name.endsWith('.ip6.arpa') ? 'ip6.arpa' : 'in-addr.arpa') : this.domain;
    let rest = name;
    for (;;) {
      const dot = rest.indexOf('.');
      if (dot < 0) break;
      rest = rest.slice(dot + 1);
      if (rest === apex || rest.length <= apex.length) break;
      out.push(rest);
    }
    return out;
  }
}

/** `ns/service` of a slice, from its kubernetes.io/service-name label; undefined for a slice of no Service. */
function sliceServiceKey(slice: EndpointSlice): string | undefined {
  const svc = slice.metadata.labels?.[LABEL_SERVICE_NAME];
  return svc ? `${slice.metadata.namespace ?? ''}/${svc}` : undefined;
}

function addressRecord(name: string, ip: string, ttl: number): Answer {
  return isIPv4(ip) ? { name, type: 'A', class: 'IN', ttl, data: ip } : { name, type: 'AAAA', class: 'IN', ttl, data: ip };
}

function push(map: RecordsByName, name: string, rr: Answer): void {
  const list = map.get(name);
  if (list) list.push(rr);
  else map.set(name, [rr]);
}

/** The SRV weight CoreDNS gives each of n records of equal priority. */
const srvWeight = (n: number): number => Math.floor(100 / Math.max(n, 1));

/** The records one Service contributes, by name (pure: the Service, its slices, the zone's domain and TTL). */
export function serviceRecords(svc: Service, slices: EndpointSlice[], domain: string, ttl: number): RecordsByName {
  const out: RecordsByName = new Map();
  const ns = (svc.metadata.namespace ?? '').toLowerCase();
  const svcName = `${(svc.metadata.name ?? '').toLowerCase()}.${ns}.svc.${domain}`;
  const spec = svc.spec ?? {};
  if (spec.type === 'ExternalName') {
    if (spec.externalName) push(out, svcName, { name: svcName, type: 'CNAME', class: 'IN', ttl, data: canonicalName(spec.externalName) });
    return out;
  }
  const clusterIPs = (spec.clusterIPs?.length ? spec.clusterIPs : spec.clusterIP ? [spec.clusterIP] : []).filter((ip) => ip && ip !== 'None');
  const headless = spec.clusterIP === 'None';
  if (!headless) {
    if (clusterIPs.length === 0) return out;
    for (const ip of clusterIPs) {
      push(out, svcName, addressRecord(svcName, ip, ttl));
      const rev = reverseName(ip);
      if (rev) push(out, rev, { name: rev, type: 'PTR', class: 'IN', ttl, data: svcName });
    }
    const named = (spec.ports ?? []).filter((p) => p.name);
    for (const p of named) {
      const owner = `_${(p.name ?? '').toLowerCase()}._${(p.protocol ?? 'TCP').toLowerCase()}.${svcName}`;
      push(out, owner, { name: owner, type: 'SRV', class: 'IN', ttl, data: { priority: 0, weight: 100, port: p.port, target: svcName } });
    }
    return out;
  }
  // Headless: the ready endpoints of every slice (deduplicated by address), each under the Service name and its
  // own hostname; SRV per endpoint and named slice port.
  const publishNotReady = spec.publishNotReadyAddresses === true;
  const endpoints = new Map<string, { ip: string; host: string }>();
  const ports = new Map<string, { name: string; protocol: string; port: number }>();
  for (const slice of slices) {
    if (slice.addressType !== 'IPv4' && slice.addressType !== 'IPv6') continue;
    for (const ep of slice.endpoints ?? []) {
      if (!publishNotReady && ep.conditions?.ready === false) continue;
      const ip = ep.addresses?.[0];
      if (!ip || endpoints.has(ip)) continue;
      endpoints.set(ip, { ip, host: endpointHostname(ip, ep.hostname) });
    }
    for (const p of slice.ports ?? []) {
      if (!p.name || p.port === undefined) continue;
      const k = `${p.name}/${p.protocol ?? 'TCP'}/${p.port}`;
      ports.set(k, { name: p.name.toLowerCase(), protocol: (p.protocol ?? 'TCP').toLowerCase(), port: p.port });
    }
  }
  const eps = [...endpoints.values()].sort((a, b) => (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0));
  for (const ep of eps) {
    const host = `${ep.host}.${svcName}`;
    push(out, svcName, addressRecord(svcName, ep.ip, ttl));
    push(out, host, addressRecord(host, ep.ip, ttl));
    const rev = reverseName(ep.ip);
    if (rev) push(out, rev, { name: rev, type: 'PTR', class: 'IN', ttl, data: host });
  }
  const byOwner = new Map<string, { port: number; target: string }[]>();
  for (const p of ports.values()) {
    const owner = `_${p.name}._${p.protocol}.${svcName}`;
    let list = byOwner.get(owner);
    if (!list) byOwner.set(owner, (list = []));
    for (const ep of eps) list.push({ port: p.port, target: `${ep.host}.${svcName}` });
  }
  for (const [owner, list] of byOwner) {
    const weight = srvWeight(list.length);
    for (const { port, target } of list) push(out, owner, { name: owner, type: 'SRV', class: 'IN', ttl, data: { priority: 0, weight, port, target } });
  }
  return out;
}
