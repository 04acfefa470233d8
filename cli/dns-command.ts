import { parseFlags, usage, FlagError, type FlagSpec, type FlagValues } from './flags.ts';
import type { Command } from './main.ts';
import { configureLogLevel, restClientOptionsFromFlags } from './client-flags.ts';
import { RestClient } from '../shared/client/rest-client.ts';
import { SharedInformerFactory } from '../shared/cache/informer-factory.ts';
import { log } from '../shared/util/log.ts';
import { DnsServer, type ListenAddress } from '../dns/dns-server.ts';
import { Forwarder, parseUpstream, upstreamsFromResolvConf, type Upstream } from '../dns/forwarder.ts';
import { KubeZone } from '../dns/kube-zone.ts';
import { watchCluster } from '../dns/cluster-watch.ts';

export const dnsSpecs: FlagSpec[] = [
  { name: 'kubeconfig', type: 'string', help: 'kubeconfig file (default $KUBECONFIG, else ~/.kube/config, unless --server is given); the user system:kube-dns' },
  { name: 'context', type: 'string', help: 'kubeconfig context to use instead of current-context' },
  { name: 'server', type: 'string', help: 'API server URL (instead of a kubeconfig)' },
  { name: 'token-file', type: 'string', help: 'file holding the bearer token (with --server)' },
  { name: 'ca-cert', type: 'string', help: 'PEM CA bundle to verify the server with (with --server)' },
  { name: 'insecure-skip-tls-verify', type: 'boolean', default: false, help: 'do not verify the server certificate (with --server)' },
  { name: 'listen', type: 'string', default: '0.0.0.0:53', help: 'comma-separated address:port list to serve UDP and TCP on (e.g. the node IP:53; port 0 picks one)' },
  { name: 'cluster-domain', type: 'string', default: 'cluster.local', help: 'the cluster zone this server is authoritative for' },
  { name: 'upstream', type: 'string', help: 'comma-separated resolvers (host[:port]) for names outside the cluster zone (default: the nameservers of --resolv-conf, read at start)' },
  { name: 'resolv-conf', type: 'string', default: '/etc/resolv.conf', help: 'resolv.conf whose nameservers are the default upstreams' },
  { name: 'ttl', type: 'number', default: 5, help: 'TTL of the cluster records, seconds (0..3600)' },
  { name: 'forward-timeout', type: 'duration', default: '2s', help: 'how long each upstream gets to answer a forwarded query' },
  { name: 'log-level', type: 'string', default: 'info', help: 'debug, info, warn or error' },
];

/** Parses "host:port" / "[v6]:port" listen addresses. */
export function parseListen(raw: string): ListenAddress[] {
  const out: ListenAddress[] = [];
  for (const part of raw.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(part);
    const port = Number(m?.[3]);
    if (!m || !Number.isInteger(port) || port < 0 || port > 65535) throw new FlagError(`--listen: ${JSON.stringify(part)} is not address:port`);
    out.push({ host: m[1] ?? m[2] ?? '', port });
  }
  if (out.length === 0) throw new FlagError('--listen must name at least one address:port');
  return out;
}

export interface DnsConfig {
  listen: ListenAddress[];
  domain: string;
  upstreams: Upstream[];
  ttl: number;
  forwardTimeoutMs: number;
}

export function dnsConfigFromFlags(values: FlagValues): DnsConfig {
  const ttl = values['ttl'] as number;
  if (!Number.isInteger(ttl) || ttl < 0 || ttl > 3600) throw new FlagError(`--ttl must be a whole number of seconds in 0..3600, got ${String(ttl)}`);
  const domain = String(values['cluster-domain']).replace(/\.$/, '').toLowerCase();
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(domain)) throw new FlagError(`--cluster-domain: ${JSON.stringify(domain)} is not a DNS domain`);
  let upstreams: Upstream[];
  try {
    upstreams = values['upstream'] !== undefined
      ? String(values['upstream']).split(',').map((s) => s.trim()).filter(Boolean).map(parseUpstream)
      : upstreamsFromResolvConf(String(values['resolv-conf']));
  } catch (err) {
    throw new FlagError(err instanceof Error ? err.message : String(err));
  }
  return { listen: parseListen(String(values['listen'])), domain, upstreams, ttl, forwardTimeoutMs: values['forward-timeout'] as number };
}

export const dnsCommand: Command = {
  name: 'dns',
  summary: 'Run the cluster DNS server (cluster.local from Services and EndpointSlices; other names forwarded)',
  usage: () =>
    usage(
      'dns',
      'Serves the cluster zone (Kubernetes DNS-Based Service Discovery: Service A/AAAA, headless endpoints, SRV, PTR, ExternalName CNAMEs) over UDP and TCP, from Services and EndpointSlices watched through the API server, and forwards other names to the upstream resolvers. Run one per node, in the node\'s network namespace, on the node IP:53; the node agent of that node passes --cluster-dns=<node IP> to its pods.',
      dnsSpecs,
    ),
  async run(args) {
    const { values, rest } = parseFlags(args, dnsSpecs);
    if (rest.length) throw new FlagError(`unexpected arguments: ${rest.join(' ')}`);
    configureLogLevel(values);
    const cfg = dnsConfigFromFlags(values);

    const options = restClientOptionsFromFlags(values);
    const restClient = new RestClient({ ...options, userAgent: 'kubelab-dns' });
    const nameserverAddresses = cfg.listen.map((l) => l.host).filter((h) => h !== '0.0.0.0' && h !== '::');
    const zone = new KubeZone({ domain: cfg.domain, ttl: cfg.ttl, nameserverAddresses });
    const forwarder = new Forwarder({ upstreams: cfg.upstreams, timeoutMs: cfg.forwardTimeoutMs });
    const dns = new DnsServer({ zone, forwarder, listen: cfg.listen });
    const factory = new SharedInformerFactory(restClient, { resyncPeriodMs: 0, transform: (obj) => { delete obj.metadata.managedFields; return obj; } });
    watchCluster(zone, factory);
    const ac = new AbortController();
    factory.start(ac.signal);
    // Serve once the caches synced, so a restarted server never answers NXDOMAIN for names that exist.
    await factory.waitForCacheSync(ac.signal);
    await dns.start();
    log.info('Cluster DNS running', { domain: cfg.domain, listen: dns.addresses().map((a) => `${a.host}:${a.port}`).join(','), upstreams: cfg.upstreams.map((u) => `${u.host}:${u.port}`).join(',') });

    await new Promise<void>((resolve) => {
      process.once('SIGTERM', resolve);
      process.once('SIGINT', resolve);
    });
    log.info('Shutting down');
    ac.abort();
    await dns.close();
    forwarder.close();
    await factory.shutdown();
    restClient.close();
    return 0;
  },
};
