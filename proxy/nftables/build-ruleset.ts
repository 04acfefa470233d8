/**
 * Services + endpoints -> the proxy's nftables ruleset, laid out as upstream kube-proxy's nftables mode
 * (pkg/proxy/nftables/proxier.go): one table "kube-proxy" (family ip) with
 *   - base chains filter-{prerouting,input,forward,output} (priority dstnat-10, before DNAT) and
 *     nat-{prerouting,output} (dstnat) / nat-postrouting (srcnat);
 *   - services: `ip daddr . meta l4proto . th dport vmap @service-ips` (ClusterIPs, external IPs, LB IPs), then
 *     NodePorts on local addresses (`fib daddr type local`, or @nodeport-ips with --nodeport-addresses);
 *   - per service port a cluster-policy chain "service-…", a local-policy chain "local-…", an external chain
 *     "external-…" (masquerade or source-preserving short-circuits), per endpoint a chain "endpoint-…"
 *     (hairpin masquerade, affinity update, DNAT); load balancing `numgen random mod N vmap {…}`;
 *   - endpoints-check (filter, ct state new): @no-endpoint-services / @no-endpoint-nodeports -> reject or drop;
 *   - firewall-check: loadBalancerSourceRanges;
 *   - mark-for-masquerade / masquerading (mark 0x4000, `masquerade fully-random`).
 */
import { createHash } from 'node:crypto';
import { cidrContainsIp } from '../../shared/net/ipv4-cidr.ts';
import { categorizeEndpoints, endpointsKey, endpointString, type EndpointInfo } from '../endpoints-map.ts';
import type { ServicePortInfo } from '../service-port.ts';
import type { NftChain, NftMap, NftSet, Ruleset } from './ruleset.ts';

export const KUBE_PROXY_TABLE = 'kube-proxy';
export const MASQUERADE_MARK = '0x00004000';

const SERVICES_CHAIN = 'services';
const SERVICE_IPS_MAP = 'service-ips';
const SERVICE_NODEPORTS_MAP = 'service-nodeports';
const NODEPORT_IPS_SET = 'nodeport-ips';
const ENDPOINTS_CHECK_CHAIN = 'endpoints-check';
const NO_ENDPOINT_SERVICES_MAP = 'no-endpoint-services';
const NO_ENDPOINT_NODEPORTS_MAP = 'no-endpoint-nodeports';
const REJECT_CHAIN = 'reject-chain';
const FIREWALL_IPS_MAP = 'firewall-ips';
const FIREWALL_CHECK_CHAIN = 'firewall-check';
const MARK_MASQ_CHAIN = 'mark-for-masquerade';
const MASQUERADING_CHAIN = 'masquerading';

/** Priorities as numbers: dstnat is -100, srcnat 100; filter chains see packets before DNAT. */
const DSTNAT = -100;
const SRCNAT = 100;

export interface BuildOptions {
  /** --masquerade-all: masquerade every packet to a ClusterIP. */
  masqueradeAll: boolean;
  /** --cluster-cidr: traffic to a ClusterIP from outside these is masqueraded (empty: no such rule). */
  clusterCIDRs: string[];
  /**
   * NodePorts accepted on: 'all' local addresses (`fib daddr type local`), or these addresses (the node's
   * addresses inside --nodeport-addresses; loopback never).
   */
  nodePortIPs: 'all' | string[];
  /** The node's IP, for loadBalancerSourceRanges that include the node. */
  nodeIP?: string;
  table?: string;
}

export interface BuildInput {
  servicePorts: Iterable<ServicePortInfo>;
  /** From buildEndpointsMap(). */
  endpoints: Map<string, EndpointInfo[]>;
  /** Service name -> loadBalancerSourceRanges (only Services with some). */
  sourceRanges?: Map<string, string[]>;
  /**
   * "ns/name" of the Services whose ports or endpoints may have changed since the build that filled the cache:
   * the ports of every other Service reuse their cached fragment without comparing inputs. Undefined: compare all.
   */
  changedServices?: Set<string>;
}

/** Base32 (RFC 4648) of the first 5 bytes of sha256(name): 8 characters, as upstream's chain name hashes. */
function hash8(name: string): string {
  const digest = createHash('sha256').update(name).digest();
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0n;
  for (let i = 0; i < 5; i++) bits = (bits << 8n) | BigInt(digest[i] ?? 0);
  let out = '';
  for (let i = 7; i >= 0; i--) out += alphabet[Number((bits >> BigInt(i * 5)) & 31n)];
  return out;
}

/** nft names are at most 256 bytes; the prefix takes up to 16. */
function nameBase(name: string): string {
  const n = `${hash8(name)}-${name}`;
  return n.length > 240 ? `${n.slice(0, 237)}...` : n;
}

/** "HASH-ns/svc/tcp/portName": namespace, Service and port names are [a-z0-9-], all legal in nft names. */
export function servicePortChainBase(sp: ServicePortInfo): string {
  return nameBase(`${sp.namespace}/${sp.serviceName}/${sp.protocol}/${sp.portName}`);
}

export function endpointChainBase(sp: ServicePortInfo, ep: EndpointInfo): string {
  return nameBase(`${sp.namespace}/${sp.serviceName}/${sp.protocol}/${sp.portName}__${ep.ip}/${ep.port}`);
}

/** The affinity set of an endpoint; its timeout is part of the hashed name so a changed timeout is a new set. */
export function affinitySetName(sp: ServicePortInfo, ep: EndpointInfo): string {
  const name = `${sp.namespace}/${sp.serviceName}/${sp.protocol}/${sp.portName}__${ep.ip}/${ep.port}`;
  return `affinity-${hash8(`${name}@${sp.stickyMaxAgeSeconds}`)}-${name}`.slice(0, 256);
}

class Builder {
  readonly chains = new Map<string, NftChain>();
  readonly maps = new Map<string, NftMap>();
  readonly sets = new Map<string, NftSet>();

  chain(name: string, extra: Partial<NftChain> = {}): NftChain {
    let c = this.chains.get(name);
    if (!c) this.chains.set(name, (c = { name, rules: [], ...extra }));
    return c;
  }
  rule(chain: string, rule: string): void {
    this.chain(chain).rules.push(rule);
  }
  map(name: string, type: string, comment: string): NftMap {
    const m: NftMap = { name, type, comment, elements: new Map() };
    this.maps.set(name, m);
    return m;
  }
  element(map: string, key: string, value: string): void {
    let m = this.maps.get(map);
    if (!m) {
      const decl = MAP_DECLS[map];
      if (!decl) throw new Error(`no map ${map}`);
      m = this.map(map, decl[0], decl[1]);
    }
    m.elements.set(key, value);
  }
}

/** The verdict maps: name -> [type, comment]. */
const MAP_DECLS: Record<string, [string, string]> = {
  [NO_ENDPOINT_SERVICES_MAP]: ['ipv4_addr . inet_proto . inet_service : verdict', 'vmap to drop or reject packets to services with no endpoints'],
  [NO_ENDPOINT_NODEPORTS_MAP]: ['inet_proto . inet_service : verdict', 'vmap to drop or reject packets to service nodeports with no endpoints'],
  [FIREWALL_IPS_MAP]: ['ipv4_addr . inet_proto . inet_service : verdict', 'destinations that are subject to LoadBalancerSourceRanges'],
  [SERVICE_IPS_MAP]: ['ipv4_addr . inet_proto . inet_service : verdict', 'ClusterIP, ExternalIP and LoadBalancer IP traffic'],
  [SERVICE_NODEPORTS_MAP]: ['inet_proto . inet_service : verdict', 'NodePort traffic'],
};

/**
 * Fragments of earlier builds, reused while their inputs are the same (the proxier keeps one across syncs):
 * with 1,000 Services a change to one of them rebuilds one fragment, and renderDiff compares only fragments
 * that are new objects. `last` is the previous build: the next one records which fragments differ from it, so
 * a diff against it never walks the unchanged ones.
 */
export interface RulesetCache {
  base?: { fingerprint: string; fragment: Ruleset };
  ports: Map<string, { fingerprint: string; fragment: Ruleset; order: string }>;
  last?: Ruleset;
}

export function newRulesetCache(): RulesetCache {
  return { ports: new Map() };
}

function fragmentOf(b: Builder): Ruleset {
  return { family: 'ip', table: '', comment: '', chains: b.chains, maps: b.maps, sets: b.sets };
}

/**
 * The whole ruleset for these services and endpoints; `cache` makes repeated builds incremental. Its chains,
 * maps and sets are merged from the fragments on first use only (renderFull, tests): a build that is only
 * diffed against the previous one costs O(changed Services) beyond one pass over the service ports.
 */
export function buildRuleset(input: BuildInput, options: BuildOptions, cache: RulesetCache = newRulesetCache()): Ruleset {
  const previous = cache.last;
  const changed = new Set<string>();
  const baseFp = JSON.stringify(options);
  if (cache.base?.fingerprint !== baseFp) {
    cache.base = { fingerprint: baseFp, fragment: buildBase(options) };
    changed.add('');
  }
  const fragments = new Map<string, Ruleset>([['', cache.base.fragment]]);
  const order = new Map<string, string>();
  /** Keys of the previous build's fragments that this one has too (fewer than it had: some are gone). */
  let kept = previous?.fragments?.has('') ? 1 : 0;
  for (const sp of input.servicePorts) {
    const key = `${sp.name}/${sp.protocol}`;
    let hit = cache.ports.get(key);
    if (!hit || !input.changedServices || input.changedServices.has(`${sp.namespace}/${sp.serviceName}`)) {
      const eps = input.endpoints.get(endpointsKey(sp.name, sp.protocol)) ?? [];
      const ranges = input.sourceRanges?.get(`${sp.namespace}/${sp.serviceName}`) ?? [];
      const fp = JSON.stringify([sp, eps, ranges]);
      if (hit?.fingerprint !== fp) {
        const b = new Builder();
        buildServicePort(b, sp, eps, ranges, options);
        hit = { fingerprint: fp, fragment: fragmentOf(b), order: sp.name + sp.protocol };
        cache.ports.set(key, hit);
      }
    }
    fragments.set(key, hit.fragment);
    order.set(key, hit.order);
    const before = previous?.fragments?.get(key);
    if (before) kept++;
    if (before !== hit.fragment) changed.add(key);
  }
  if (cache.ports.size > fragments.size - 1) {
    for (const key of cache.ports.keys()) if (!fragments.has(key)) cache.ports.delete(key);
  }
  if (previous?.fragments && previous.fragments.size > kept) {
    // Fragments of the previous build that are gone (service ports removed).
    for (const key of previous.fragments.keys()) if (!fragments.has(key)) changed.add(key);
  }
  const ruleset = new MergedRuleset(fragments, order, options.table ?? KUBE_PROXY_TABLE, previous ? { since: previous, keys: changed } : undefined);
  // Only one step back is kept: the previous build forgets its own predecessor (no chain of old rulesets).
  if (previous) previous.changes = undefined;
  cache.last = ruleset;
  return ruleset;
}

/**
 * A ruleset made of fragments; chains, maps and sets are merged on first access (base first, then the service
 * ports ordered by name and protocol), and the fragments are kept for renderDiff.
 */
class MergedRuleset implements Ruleset {
  readonly family = 'ip' as const;
  readonly table: string;
  readonly comment = 'rules for kube-proxy';
  readonly fragments: Map<string, Ruleset>;
  changes: { since: Ruleset; keys: Set<string> } | undefined;
  readonly #order: Map<string, string>;
  #merged: { chains: Map<string, NftChain>; maps: Map<string, NftMap>; sets: Map<string, NftSet> } | null = null;

  constructor(fragments: Map<string, Ruleset>, order: Map<string, string>, table: string, changes: { since: Ruleset; keys: Set<string> } | undefined) {
    this.fragments = fragments;
    this.#order = order;
    this.table = table;
    this.changes = changes;
  }

  get chains(): Map<string, NftChain> {
    return this.#merge().chains;
  }

  get maps(): Map<string, NftMap> {
    return this.#merge().maps;
  }

  get sets(): Map<string, NftSet> {
    return this.#merge().sets;
  }

  #merge(): { chains: Map<string, NftChain>; maps: Map<string, NftMap>; sets: Map<string, NftSet> } {
    if (this.#merged) return this.#merged;
    const chains = new Map<string, NftChain>();
    const maps = new Map<string, NftMap>();
    const sets = new Map<string, NftSet>();
    const keys = [...this.#order.keys()].sort((a, c) => {
      const x = this.#order.get(a) as string;
      const y = this.#order.get(c) as string;
      return x < y ? -1 : x > y ? 1 : 0;
    });
    for (const key of ['', ...keys]) {
      const f = this.fragments.get(key);
      if (!f) continue;
      for (const [name, c] of f.chains) chains.set(name, c);
      for (const [name, set] of f.sets) sets.set(name, set);
      for (const [name, m] of f.maps) {
        let into = maps.get(name);
        if (!into) maps.set(name, (into = { name, type: m.type, comment: m.comment, elements: new Map() }));
        for (const [k, v] of m.elements) into.elements.set(k, v);
      }
    }
    this.#merged = { chains, maps, sets };
    return this.#merged;
  }
}

/** The part of the ruleset that depends on the options only: base chains, dispatch, masquerading, maps. */
function buildBase(options: BuildOptions): Ruleset {
  const b = new Builder();
  // Base chains, in upstream's order.
  b.chain('filter-prerouting', { base: { type: 'filter', hook: 'prerouting', priority: DSTNAT - 10 } });
  b.chain('filter-input', { base: { type: 'filter', hook: 'input', priority: DSTNAT - 10 } });
  b.chain('filter-forward', { base: { type: 'filter', hook: 'forward', priority: DSTNAT - 10 } });
  b.chain('filter-output', { base: { type: 'filter', hook: 'output', priority: DSTNAT - 10 } });
  b.chain('nat-prerouting', { base: { type: 'nat', hook: 'prerouting', priority: DSTNAT } });
  b.chain('nat-output', { base: { type: 'nat', hook: 'output', priority: DSTNAT } });
  b.chain('nat-postrouting', { base: { type: 'nat', hook: 'postrouting', priority: SRCNAT } });
  // Top-level jumps. endpoints-check cannot hang off prerouting: reject is valid only in input/forward/output.
  b.rule('filter-input', `ct state new jump ${ENDPOINTS_CHECK_CHAIN}`);
  b.rule('filter-forward', `ct state new jump ${ENDPOINTS_CHECK_CHAIN}`);
  b.rule('filter-output', `ct state new jump ${ENDPOINTS_CHECK_CHAIN}`);
  b.rule('filter-prerouting', `ct state new jump ${FIREWALL_CHECK_CHAIN}`);
  b.rule('filter-output', `ct state new jump ${FIREWALL_CHECK_CHAIN}`);
  b.rule('nat-output', `jump ${SERVICES_CHAIN}`);
  b.rule('nat-prerouting', `jump ${SERVICES_CHAIN}`);
  b.rule('nat-postrouting', `jump ${MASQUERADING_CHAIN}`);
  b.chain(ENDPOINTS_CHECK_CHAIN);
  b.chain(FIREWALL_CHECK_CHAIN);
  b.chain(SERVICES_CHAIN);
  b.chain(MASQUERADING_CHAIN);
  b.chain(MARK_MASQ_CHAIN);
  b.rule(MARK_MASQ_CHAIN, `mark set mark or ${MASQUERADE_MARK}`);
  b.rule(MASQUERADING_CHAIN, `mark and ${MASQUERADE_MARK} == 0 return`);
  b.rule(MASQUERADING_CHAIN, `mark set mark xor ${MASQUERADE_MARK}`);
  b.rule(MASQUERADING_CHAIN, 'masquerade fully-random');

  const matchAllNodePorts = options.nodePortIPs === 'all';
  if (!matchAllNodePorts) {
    b.sets.set(NODEPORT_IPS_SET, {
      name: NODEPORT_IPS_SET,
      type: 'ipv4_addr',
      comment: 'IPs that accept NodePort traffic',
      elements: (options.nodePortIPs as string[]).filter((ip) => !ip.startsWith('127.')),
    });
  }
  const nodePortMatch = matchAllNodePorts ? 'fib daddr type local ip daddr != 127.0.0.0/8' : `ip daddr @${NODEPORT_IPS_SET}`;

  b.map(NO_ENDPOINT_SERVICES_MAP, 'ipv4_addr . inet_proto . inet_service : verdict', 'vmap to drop or reject packets to services with no endpoints');
  b.map(NO_ENDPOINT_NODEPORTS_MAP, 'inet_proto . inet_service : verdict', 'vmap to drop or reject packets to service nodeports with no endpoints');
  b.chain(REJECT_CHAIN, { comment: 'helper for @no-endpoint-services / @no-endpoint-nodeports' });
  b.rule(REJECT_CHAIN, 'reject');
  b.rule(ENDPOINTS_CHECK_CHAIN, `ip daddr . meta l4proto . th dport vmap @${NO_ENDPOINT_SERVICES_MAP}`);
  b.rule(ENDPOINTS_CHECK_CHAIN, `${nodePortMatch} meta l4proto . th dport vmap @${NO_ENDPOINT_NODEPORTS_MAP}`);

  b.map(FIREWALL_IPS_MAP, 'ipv4_addr . inet_proto . inet_service : verdict', 'destinations that are subject to LoadBalancerSourceRanges');
  b.rule(FIREWALL_CHECK_CHAIN, `ip daddr . meta l4proto . th dport vmap @${FIREWALL_IPS_MAP}`);

  b.map(SERVICE_IPS_MAP, 'ipv4_addr . inet_proto . inet_service : verdict', 'ClusterIP, ExternalIP and LoadBalancer IP traffic');
  b.map(SERVICE_NODEPORTS_MAP, 'inet_proto . inet_service : verdict', 'NodePort traffic');
  b.rule(SERVICES_CHAIN, `ip daddr . meta l4proto . th dport vmap @${SERVICE_IPS_MAP}`);
  b.rule(SERVICES_CHAIN, `${nodePortMatch} meta l4proto . th dport vmap @${SERVICE_NODEPORTS_MAP}`);

  return fragmentOf(b);
}

/** The chains, map elements and affinity sets of one service port. */
function buildServicePort(b: Builder, sp: ServicePortInfo, all: EndpointInfo[], ranges: string[], options: BuildOptions): void {
  const localDetect = options.clusterCIDRs.length > 0;
  const cidrs = options.clusterCIDRs.length === 1 ? options.clusterCIDRs[0] : `{ ${options.clusterCIDRs.join(', ')} }`;
  {
    const base = servicePortChainBase(sp);
    const clusterPolicyChain = `service-${base}`;
    const localPolicyChain = `local-${base}`;
    const externalChain = `external-${base}`;
    const firewallChain = `firewall-${base}`;
    const { clusterEndpoints, localEndpoints, allReachableEndpoints, hasAnyEndpoints } = categorizeEndpoints(all, sp);
    const epChain = (ep: EndpointInfo) => `endpoint-${endpointChainBase(sp, ep)}`;

    const usesClusterPolicyChain = clusterEndpoints.length > 0 && (!sp.internalPolicyLocal || (isExternal(sp) && !sp.externalPolicyLocal));
    const usesLocalPolicyChain = localEndpoints.length > 0 && (sp.internalPolicyLocal || sp.externalPolicyLocal);
    if (usesClusterPolicyChain) b.chain(clusterPolicyChain);
    if (usesLocalPolicyChain) b.chain(localPolicyChain);

    const internalTrafficChain = sp.internalPolicyLocal ? localPolicyChain : clusterPolicyChain;
    const hasInternalEndpoints = hasAnyEndpoints && (!sp.internalPolicyLocal || localEndpoints.length > 0);
    const externalPolicyChain = sp.externalPolicyLocal ? localPolicyChain : clusterPolicyChain;
    const hasExternalEndpoints = hasAnyEndpoints && (!sp.externalPolicyLocal || localEndpoints.length > 0);
    const usesExternalTrafficChain = hasAnyEndpoints && isExternal(sp);
    if (usesExternalTrafficChain) b.chain(externalChain);

    let internalVerdict = '';
    let externalVerdict = '';
    if (!hasAnyEndpoints) {
      internalVerdict = `goto ${REJECT_CHAIN}`;
      externalVerdict = `goto ${REJECT_CHAIN}`;
    } else {
      // Traffic policy Local with no local endpoint: dropped (not rejected: other nodes may serve it).
      if (!hasInternalEndpoints) internalVerdict = 'drop';
      if (!hasExternalEndpoints) externalVerdict = 'drop';
    }
    const key = (ip: string, port: number) => `${ip} . ${sp.protocol} . ${port}`;

    // ClusterIP.
    if (hasInternalEndpoints) b.element(SERVICE_IPS_MAP, key(sp.clusterIP, sp.port), `goto ${internalTrafficChain}`);
    else b.element(NO_ENDPOINT_SERVICES_MAP, key(sp.clusterIP, sp.port), internalVerdict);

    // External IPs and load balancer IPs.
    for (const ip of [...sp.externalIPs, ...sp.loadBalancerIPs]) {
      if (hasAnyEndpoints) b.element(SERVICE_IPS_MAP, key(ip, sp.port), `goto ${externalChain}`);
      if (!hasExternalEndpoints) b.element(NO_ENDPOINT_SERVICES_MAP, key(ip, sp.port), externalVerdict);
    }
    if (sp.loadBalancerIPs.length > 0 && ranges.length > 0) {
      const sources = [...ranges];
      if (options.nodeIP && ranges.some((r) => cidrContainsIp(r, options.nodeIP as string))) sources.push(...sp.loadBalancerIPs);
      b.rule(firewallChain, `ip saddr != { ${sources.join(', ')} } drop`);
      for (const ip of sp.loadBalancerIPs) b.element(FIREWALL_IPS_MAP, key(ip, sp.port), `goto ${firewallChain}`);
    }

    // NodePort.
    if (sp.nodePort !== 0) {
      const npKey = `${sp.protocol} . ${sp.nodePort}`;
      if (hasAnyEndpoints) b.element(SERVICE_NODEPORTS_MAP, npKey, `goto ${externalChain}`);
      if (!hasExternalEndpoints) b.element(NO_ENDPOINT_NODEPORTS_MAP, npKey, externalVerdict);
    }

    // Internal traffic: masquerade what comes from outside the cluster (or everything with --masquerade-all).
    if (hasInternalEndpoints) {
      if (options.masqueradeAll) {
        b.rule(internalTrafficChain, `ip daddr ${sp.clusterIP} ${sp.protocol} dport ${sp.port} jump ${MARK_MASQ_CHAIN}`);
      } else if (localDetect) {
        b.rule(internalTrafficChain, `ip daddr ${sp.clusterIP} ${sp.protocol} dport ${sp.port} ip saddr != ${cidrs} jump ${MARK_MASQ_CHAIN}`);
      }
    }

    // External traffic.
    if (usesExternalTrafficChain) {
      if (!sp.externalPolicyLocal) {
        // Endpoints may be on other nodes: masquerade so replies come back through this node.
        b.rule(externalChain, `jump ${MARK_MASQ_CHAIN}`);
      } else {
        // Pods reaching an external address of the Service behave as if they went out and came back in;
        // with internalTrafficPolicy Local too, there is no cluster-wide chain and they stay on this node.
        const shortCircuit = usesClusterPolicyChain ? clusterPolicyChain : usesLocalPolicyChain ? localPolicyChain : '';
        if (localDetect && shortCircuit) b.rule(externalChain, `ip saddr ${cidrs} goto ${shortCircuit}`);
        // The node itself: its source is a local address, which must be masqueraded, then any endpoint will do.
        b.rule(externalChain, `fib saddr type local jump ${MARK_MASQ_CHAIN}`);
        if (shortCircuit) b.rule(externalChain, `fib saddr type local goto ${shortCircuit}`);
      }
      if (hasExternalEndpoints) b.rule(externalChain, `goto ${externalPolicyChain}`);
    }

    if (sp.stickyMaxAgeSeconds > 0) {
      for (const ep of allReachableEndpoints) {
        b.sets.set(affinitySetName(sp, ep), { name: affinitySetName(sp, ep), type: 'ipv4_addr', flags: ['dynamic', 'timeout'], timeoutSeconds: sp.stickyMaxAgeSeconds });
      }
    }
    if (usesClusterPolicyChain) writeServiceToEndpointRules(b, sp, clusterPolicyChain, clusterEndpoints, epChain);
    if (usesLocalPolicyChain) writeServiceToEndpointRules(b, sp, localPolicyChain, localEndpoints, epChain);

    for (const ep of allReachableEndpoints) {
      const chain = epChain(ep);
      b.chain(chain);
      // Hairpin: a pod reaching itself through the Service is masqueraded, or its reply would skip the NAT.
      b.rule(chain, `ip saddr ${ep.ip} jump ${MARK_MASQ_CHAIN}`);
      if (sp.stickyMaxAgeSeconds > 0) b.rule(chain, `update @${affinitySetName(sp, ep)} { ip saddr }`);
      b.rule(chain, `meta l4proto ${sp.protocol} dnat to ${endpointString(ep)}`);
    }
  }
}

function isExternal(sp: ServicePortInfo): boolean {
  return sp.nodePort !== 0 || sp.externalIPs.length > 0 || sp.loadBalancerIPs.length > 0;
}

function writeServiceToEndpointRules(b: Builder, sp: ServicePortInfo, chain: string, endpoints: EndpointInfo[], epChain: (ep: EndpointInfo) => string): void {
  b.chain(chain);
  if (sp.stickyMaxAgeSeconds > 0) {
    for (const ep of endpoints) b.rule(chain, `ip saddr @${affinitySetName(sp, ep)} goto ${epChain(ep)}`);
  }
  const elements = endpoints.map((ep, i) => `${i} : goto ${epChain(ep)}`).join(', ');
  b.rule(chain, `numgen random mod ${endpoints.length} vmap { ${elements} }`);
}
