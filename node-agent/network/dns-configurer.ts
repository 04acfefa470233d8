/**
 * Pod DNS settings (kubelet pkg/kubelet/network/dns/dns.go): the CRI DNSConfig a sandbox gets from the pod's
 * dnsPolicy and dnsConfig, the node's --cluster-dns / --cluster-domain and the host's resolv.conf.
 *
 * - ClusterFirst (the default; not for host-network pods, which fall back to Default) and
 *   ClusterFirstWithHostNet: the cluster DNS servers only, search `<ns>.svc.<domain> svc.<domain> <domain>` then
 *   the host's searches, options `ndots:5`. Without --cluster-dns: the MissingClusterDNS events and Default.
 * - Default: the host's resolv.conf (with --resolv-conf "": 127.0.0.1 and search ".").
 * - None: nothing but the pod's dnsConfig.
 * Then dnsConfig is appended (duplicates dropped; options merged by name, the pod's winning) and the result cut
 * to the resolver's limits (3 nameservers; 32 searches, each <= 253 chars, 2048 chars in all) with a
 * DNSConfigForming event.
 */
import { readFileSync } from 'node:fs';
import { isIPv6 } from 'node:net';
import type { Pod, PodDNSConfig } from '../../shared/api/core-v1.ts';
import type { DnsConfig } from '../cri/services.ts';

/** validation.MaxDNSNameservers */
export const MAX_DNS_NAMESERVERS = 3;
/** validation.MaxDNSSearchPathsExpanded */
export const MAX_DNS_SEARCH_PATHS = 32;
/** validation.MaxDNSSearchListCharsExpanded */
export const MAX_DNS_SEARCH_LIST_CHARS = 2048;
const DNS1123_SUBDOMAIN_MAX_LENGTH = 253;
const DEFAULT_DNS_OPTIONS = ['ndots:5'];

/** Where the configurer reports (the agent's EventRecorder, bound to the pod or the node). */
export interface DnsEventSink {
  podEvent(pod: Pod, type: 'Normal' | 'Warning', reason: string, message: string): void;
  nodeEvent(type: 'Normal' | 'Warning', reason: string, message: string): void;
}

export interface DnsConfigurerOptions {
  /** --cluster-dns: the cluster DNS servers' IPs. @default [] */
  clusterDNS?: string[];
  /** --cluster-domain. @default 'cluster.local' */
  clusterDomain?: string;
  /** --resolv-conf: the host resolver config; '' means none. @default '/etc/resolv.conf' */
  resolvConf?: string;
  /** The node's IPs (for --resolv-conf ''). */
  nodeIPs?: string[];
  events?: DnsEventSink;
  /** Reads the resolv.conf file. @default fs.readFileSync */
  readFile?: (path: string) => string;
}

export interface ResolvConf {
  nameservers: string[];
  searches: string[];
  options: string[];
}

/**
 * parseResolvConf: `nameserver` lines accumulate; the last `search` line wins (trailing dots dropped); the last
 * `options` line wins; `#` comments skipped.
 */
export function parseResolvConf(text: string): ResolvConf {
  const out: ResolvConf = { nameservers: [], searches: [], options: [] };
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed.startsWith('#')) continue;
    const fields = trimmed.split(/\s+/).filter(Boolean);
    if (fields.length === 0) continue;
    if (fields[0] === 'nameserver' && fields[1]) out.nameservers.push(fields[1]);
    if (fields[0] === 'search') out.searches = fields.slice(1).map((s) => (s.endsWith('.') ? s.slice(0, -1) : s));
    if (fields[0] === 'options') out.options = fields.slice(1);
  }
  return out;
}

/** The lines of a resolv.conf for a CRI DNSConfig (what containerd writes into the sandbox). */
export function formatResolvConf(c: DnsConfig): string {
  const lines: string[] = [];
  if (c.searches?.length) lines.push(`search ${c.searches.join(' ')}`);
  for (const s of c.servers ?? []) lines.push(`nameserver ${s}`);
  if (c.options?.length) lines.push(`options ${c.options.join(' ')}`);
  return lines.join('\n') + '\n';
}

const omitDuplicates = (xs: string[]): string[] => [...new Set(xs)];

/** mergeDNSOptions: options by name, the pod's overriding the base's; "name" or "name:value". */
export function mergeDNSOptions(existing: string[], podOptions: PodDNSConfig['options']): string[] {
  const byName = new Map<string, string>();
  for (const op of existing) {
    const i = op.indexOf(':');
    if (i >= 0) byName.set(op.slice(0, i), op.slice(i + 1));
    else byName.set(op, '');
  }
  for (const op of podOptions ?? []) byName.set(op.name ?? '', op.value ?? '');
  return [...byName].map(([name, value]) => (value !== '' ? `${name}:${value}` : name));
}

type PodDNSType = 'cluster' | 'host' | 'none';

/** getPodDNSType. An unknown policy (the API server rejects those) is treated as ClusterFirst. */
export function getPodDNSType(pod: Pod): PodDNSType {
  switch (pod.spec.dnsPolicy) {
    case 'None':
      return 'none';
    case 'ClusterFirstWithHostNet':
      return 'cluster';
    case 'Default':
      return 'host';
    case 'ClusterFirst':
    case undefined:
      return pod.spec.hostNetwork ? 'host' : 'cluster';
    default:
      return 'cluster';
  }
}

/** format.Pod: name_namespace(uid). */
const formatPod = (pod: Pod): string => `${pod.metadata.name ?? ''}_${pod.metadata.namespace ?? ''}(${pod.metadata.uid ?? ''})`;

export class DnsConfigurer {
  readonly clusterDNS: string[];
  readonly clusterDomain: string;
  readonly resolvConf: string;
  readonly #nodeIPs: string[];
  readonly #events: DnsEventSink | undefined;
  readonly #readFile: (path: string) => string;

  constructor(options: DnsConfigurerOptions = {}) {
    this.clusterDNS = options.clusterDNS ?? [];
    this.clusterDomain = options.clusterDomain ?? 'cluster.local';
    this.resolvConf = options.resolvConf ?? '/etc/resolv.conf';
    this.#nodeIPs = options.nodeIPs ?? [];
    this.#events = options.events;
    this.#readFile = options.readFile ?? ((p) => readFileSync(p, 'utf8'));
  }

  /** The host's resolver settings (empty with --resolv-conf ''). Throws if the file cannot be read. */
  hostDNSConfig(): ResolvConf {
    if (this.resolvConf === '') return { nameservers: [], searches: [], options: [] };
    return parseResolvConf(this.#readFile(this.resolvConf));
  }

  /** GetPodDNS: the sandbox's DNSConfig. Throws if the host resolv.conf cannot be read. */
  getPodDNS(pod: Pod): DnsConfig {
    const host = this.hostDNSConfig();
    let config: Required<DnsConfig> = { servers: host.nameservers, searches: host.searches, options: host.options };
    let type = getPodDNSType(pod);
    if (type === 'none') config = { servers: [], searches: [], options: [] };
    if (type === 'cluster') {
      if (this.clusterDNS.length > 0) {
        config.servers = [...this.clusterDNS];
        config.searches = this.#searchesForClusterFirst(config.searches, pod);
        config.options = [...DEFAULT_DNS_OPTIONS];
      } else {
        const nodeErrorMsg = 'kubelet does not have ClusterDNS IP configured and cannot create Pod using "ClusterFirst" policy. Falling back to "Default" policy.';
        this.#events?.nodeEvent('Warning', 'MissingClusterDNS', nodeErrorMsg);
        this.#events?.podEvent(pod, 'Warning', 'MissingClusterDNS', `pod: ${JSON.stringify(formatPod(pod))}. ${nodeErrorMsg}`);
        type = 'host';
      }
    }
    if (type === 'host' && this.resolvConf === '') {
      for (const ip of this.#nodeIPs) config.servers.push(isIPv6(ip) ? '::1' : '127.0.0.1');
      if (config.servers.length === 0) config.servers.push('127.0.0.1');
      config.searches = ['.'];
    }
    if (pod.spec.dnsConfig) {
      const d = pod.spec.dnsConfig;
      config.servers = omitDuplicates([...config.servers, ...(d.nameservers ?? [])]);
      config.searches = omitDuplicates([...config.searches, ...(d.searches ?? [])]);
      config.options = mergeDNSOptions(config.options, d.options);
    }
    config.servers = this.#nameserversFitLimits(config.servers, pod);
    config.searches = this.#searchesFitLimits(config.searches, pod);
    return config;
  }

  #searchesForClusterFirst(hostSearch: string[], pod: Pod): string[] {
    if (this.clusterDomain === '') return hostSearch;
    const d = this.clusterDomain;
    return omitDuplicates([`${pod.metadata.namespace ?? ''}.svc.${d}`, `svc.${d}`, d, ...hostSearch]);
  }

  #nameserversFitLimits(servers: string[], pod: Pod): string[] {
    if (servers.length <= MAX_DNS_NAMESERVERS) return servers;
    const kept = servers.slice(0, MAX_DNS_NAMESERVERS);
    this.#events?.podEvent(pod, 'Warning', 'DNSConfigForming', `Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: ${kept.join(' ')}`);
    return kept;
  }

  #searchesFitLimits(searches: string[], pod: Pod): string[] {
    let exceeded = false;
    let out = searches;
    if (out.length > MAX_DNS_SEARCH_PATHS) {
      out = out.slice(0, MAX_DNS_SEARCH_PATHS);
      exceeded = true;
    }
    const short = out.filter((s) => s.length <= DNS1123_SUBDOMAIN_MAX_LENGTH);
    if (short.length !== out.length) exceeded = true;
    out = short;
    const lineLength = out.join(' ').length;
    if (lineLength > MAX_DNS_SEARCH_LIST_CHARS) {
      let cut = 0;
      let cutLength = 0;
      for (let i = out.length - 1; i >= 0; i--) {
        cutLength += (out[i] ?? '').length + 1;
        cut++;
        if (lineLength - cutLength <= MAX_DNS_SEARCH_LIST_CHARS) break;
      }
      out = out.slice(0, out.length - cut);
      exceeded = true;
    }
    if (exceeded) this.#events?.podEvent(pod, 'Warning', 'DNSConfigForming', `Search Line limits were exceeded, some search paths have been omitted, the applied search line is: ${out.join(' ')}`);
    return out;
  }
}
