/**
 * `kubelab proxy`: the kube-proxy role on one node (upstream cmd/kube-proxy/app/server.go): informers on
 * Services and EndpointSlices, the nftables proxier, the sysctls it needs, and an optional health/metrics
 * endpoint. It runs inside the node's network namespace.
 */
import { createServer, type Server } from 'node:http';
import type { Service } from '../shared/api/core-v1.ts';
import type { EndpointSlice } from '../shared/api/discovery-v1.ts';
import { SharedInformerFactory } from '../shared/cache/informer-factory.ts';
import { Clientset, endpointSlicesResource, servicesResource } from '../shared/client/clientset.ts';
import { realClock, type Clock } from '../shared/util/clock.ts';
import { log as rootLog, type Logger } from '../shared/util/log.ts';
import { ExecRunner, type CommandRunner } from './command-runner.ts';
import { KUBE_PROXY_TABLE } from './nftables/build-ruleset.ts';
import { NftablesProxier } from './nftables/proxier.ts';
import { NftRunner } from './nftables/nft-runner.ts';
import { ensureSysctls } from './sysctl.ts';
import { PodRouteSyncer } from '../shared/net/pod-route-syncer.ts';
import { IpRouteTable } from '../shared/net/route-table.ts';

/** Services a proxy leaves alone (upstream: a different service-proxy-name, or headless). */
export const SERVICE_LABEL_SELECTOR = '!service.kubernetes.io/service-proxy-name,!service.kubernetes.io/headless';
export const ENDPOINTSLICE_LABEL_SELECTOR = '!service.kubernetes.io/service-proxy-name,!service.kubernetes.io/headless';

export interface ProxyConfig {
  clientset: Clientset;
  hostname: string;
  clusterCIDRs: string[];
  nodePortAddresses: string[];
  masqueradeAll: boolean;
  syncPeriodMs: number;
  minSyncPeriodMs: number;
  /** host:port of /healthz, /metrics and /latency; undefined: none. */
  healthzBindAddress?: string;
  nodeIP?: string;
  /**
   * --pod-routes: also keep a route to every other node's pod CIDR via its InternalIP in this namespace (only
   * routes inside the first cluster CIDR are managed).
   */
  podRoutes?: boolean;
  /** Run tools in this named network namespace (tests, benchmark); default the process's own. */
  netns?: string;
  runner?: CommandRunner;
  setSysctls?: boolean;
  monitor?: boolean;
  clock?: Clock;
  log?: Logger;
}

export interface RunningProxy {
  proxier: NftablesProxier;
  /** The health server's address (port resolved), when one runs. */
  healthzAddress?: string;
  close(): Promise<void>;
}

/** --cleanup: deletes the proxy's table. True when there was one. */
export async function cleanupProxyRules(options: { netns?: string; runner?: CommandRunner } = {}): Promise<boolean> {
  const runner = options.runner ?? new ExecRunner(options.netns ? { netns: options.netns } : {});
  return new NftRunner(runner, { table: KUBE_PROXY_TABLE }).deleteTable();
}

export async function runProxy(config: ProxyConfig): Promise<RunningProxy> {
  const log = (config.log ?? rootLog).with({ node: config.hostname });
  const runner = config.runner ?? new ExecRunner(config.netns ? { netns: config.netns } : {});
  if (config.setSysctls !== false) await ensureSysctls(runner, log);
  const controller = new AbortController();
  const factory = new SharedInformerFactory(config.clientset.client, { log, ...(config.clock ? { clock: config.clock } : {}) });
  const services = factory.informerFor<Service>(servicesResource, { labelSelector: SERVICE_LABEL_SELECTOR });
  const slices = factory.informerFor<EndpointSlice>(endpointSlicesResource, { labelSelector: ENDPOINTSLICE_LABEL_SELECTOR });
  const proxier = new NftablesProxier(services, slices, {
    hostname: config.hostname,
    runner,
    clusterCIDRs: config.clusterCIDRs,
    nodePortAddresses: config.nodePortAddresses,
    masqueradeAll: config.masqueradeAll,
    syncPeriodMs: config.syncPeriodMs,
    minSyncPeriodMs: config.minSyncPeriodMs,
    ...(config.monitor !== undefined ? { monitor: config.monitor } : {}),
    ...(config.nodeIP ? { nodeIP: config.nodeIP } : {}),
    ...(config.clock ? { clock: config.clock } : {}),
    log,
  });
  factory.start(controller.signal);
  let server: Server | undefined;
  let healthzAddress: string | undefined;
  if (config.healthzBindAddress) {
    server = healthServer(proxier, config.syncPeriodMs, config.clock ?? realClock);
    healthzAddress = await listen(server, config.healthzBindAddress);
    log.info('Serving proxy health', { address: healthzAddress });
  }
  const started = proxier.start(controller.signal);
  let routes: Promise<void> | undefined;
  if (config.podRoutes) {
    const syncer = new PodRouteSyncer({
      nodes: config.clientset.nodes,
      nodeName: config.hostname,
      table: new IpRouteTable(config.netns ? { netns: config.netns } : {}),
      ...(config.clusterCIDRs[0] ? { clusterCidr: config.clusterCIDRs[0] } : {}),
      ...(config.clock ? { clock: config.clock } : {}),
      log,
    });
    routes = syncer.run(controller.signal).catch((err: unknown) => log.error('Pod route syncer stopped', { err }));
  }
  log.info('Started the service proxy (nftables)', {
    hostname: config.hostname,
    clusterCIDR: config.clusterCIDRs.join(','),
    nodePortAddresses: config.nodePortAddresses.join(',') || 'all local',
    syncPeriodMs: config.syncPeriodMs,
    minSyncPeriodMs: config.minSyncPeriodMs,
  });
  return {
    proxier,
    ...(healthzAddress ? { healthzAddress } : {}),
    async close() {
      controller.abort();
      proxier.stop();
      await started.catch(() => {});
      await routes;
      await proxier.idle();
      if (server) await new Promise<void>((resolve) => (server as Server).close(() => resolve()));
    },
  };
}

function listen(server: Server, bind: string): Promise<string> {
  const i = bind.lastIndexOf(':');
  const host = i > 0 ? bind.slice(0, i).replace(/^\[|\]$/g, '') : '0.0.0.0';
  const port = Number(i >= 0 ? bind.slice(i + 1) : bind);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const a = server.address();
      resolve(typeof a === 'object' && a ? `${host}:${a.port}` : bind);
    });
  });
}

/**
 * /healthz as upstream's proxier health server (200 while the last sync is recent, JSON with lastUpdated and
 * currentTime), /latency (network programming latency percentiles, JSON, for benchmarks) and /metrics
 * (Prometheus text: kubeproxy_network_programming_duration_seconds as a summary, sync counters).
 */
function healthServer(proxier: NftablesProxier, syncPeriodMs: number, clock: Clock): Server {
  return createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const now = clock.now();
    if (path === '/healthz' || path === '/livez') {
      const last = proxier.lastSuccess;
      const healthy = last > 0 && now - last < 2 * syncPeriodMs + 10_000;
      res.writeHead(healthy ? 200 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ lastUpdated: last ? new Date(last).toISOString() : '', currentTime: new Date(now).toISOString(), nodeEligible: true }));
      return;
    }
    if (path === '/latency') {
      // ?samples=1 adds the kept samples (seconds), for percentiles across several proxies.
      const samples = /[?&]samples=1/.test(req.url ?? '') ? { samples: proxier.latency.samples() } : {};
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ networkProgrammingLatencySeconds: proxier.latency.summary(), syncs: proxier.syncCount, ...samples }));
      return;
    }
    if (path === '/metrics') {
      const s = proxier.latency.summary();
      const lines = [
        '# HELP kubeproxy_network_programming_duration_seconds In Cluster Network Programming Latency in seconds',
        '# TYPE kubeproxy_network_programming_duration_seconds summary',
        `kubeproxy_network_programming_duration_seconds{quantile="0.5"} ${s.p50}`,
        `kubeproxy_network_programming_duration_seconds{quantile="0.9"} ${s.p90}`,
        `kubeproxy_network_programming_duration_seconds{quantile="0.99"} ${s.p99}`,
        `kubeproxy_network_programming_duration_seconds_count ${s.count}`,
        '# HELP kubeproxy_sync_proxy_rules_last_timestamp_seconds The last time proxy rules were successfully synced',
        '# TYPE kubeproxy_sync_proxy_rules_last_timestamp_seconds gauge',
        `kubeproxy_sync_proxy_rules_last_timestamp_seconds ${proxier.lastSuccess / 1000}`,
        '',
      ];
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(lines.join('\n'));
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('404 page not found\n');
  });
}
