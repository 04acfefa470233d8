/**
 * `kubelab proxy`: the service proxy (kube-proxy, nftables mode) of one node. Flag names follow kube-proxy.
 */
import { isIP } from 'node:net';
import { parseFlags, usage, FlagError, type FlagSpec, type FlagValues } from './flags.ts';
import type { Command } from './main.ts';
import { configureLogLevel } from './client-flags.ts';
import { newClientset } from '../shared/client/clientset.ts';
import { loadKubeconfig } from '../shared/client/kubeconfig.ts';
import { log } from '../shared/util/log.ts';
import { machineHostname } from '../node-agent/agent.ts';
import { cleanupProxyRules, runProxy, type ProxyConfig } from '../proxy/proxy-server.ts';

export const proxySpecs: FlagSpec[] = [
  { name: 'kubeconfig', type: 'string', help: 'kubeconfig file with the proxy credentials (user system:kube-proxy); default $KUBECONFIG, else ~/.kube/config' },
  { name: 'hostname-override', type: 'string', help: 'the node name: endpoints whose nodeName is this are local (default: the machine hostname)' },
  { name: 'cluster-cidr', type: 'string', default: '', help: 'pod CIDR range(s) of the cluster, comma-separated: traffic to a ClusterIP from outside it is masqueraded (empty: no such rule)' },
  { name: 'nodeport-addresses', type: 'string', default: '', help: 'CIDRs of the local addresses NodePorts answer on, comma-separated (empty: every local address except 127.0.0.0/8)' },
  { name: 'masquerade-all', type: 'boolean', default: false, help: 'masquerade every packet sent to a ClusterIP' },
  { name: 'sync-period', type: 'duration', default: '30s', help: 'how often the rules are checked (the table intact, the state reconciled) when nothing changes' },
  { name: 'min-sync-period', type: 'duration', default: '0s', help: 'least time between two syncs; 0 applies every change at once (a change costs one small nft transaction here)' },
  { name: 'healthz-bind-address', type: 'string', help: 'host:port serving /healthz, /metrics and /latency (network programming latency JSON); unset: none' },
  { name: 'netns', type: 'string', help: 'run nft, conntrack and sysctl in this named network namespace (/var/run/netns/NAME) instead of the process\'s own (tests, benchmarks)' },
  { name: 'pod-routes', type: 'boolean', default: false, help: "also keep a route to every other node's pod CIDR via its InternalIP in this namespace, in sync with the Nodes (flannel host-gw; routes inside the first --cluster-cidr only)" },
  { name: 'cleanup', type: 'boolean', default: false, help: 'delete the rules the proxy created (its nftables table) and exit' },
  { name: 'log-level', type: 'string', default: 'info', help: 'debug, info, warn or error (debug logs every network programming latency)' },
];

function str(v: FlagValues[string]): string | undefined {
  return v === undefined || v === '' ? undefined : String(v);
}

function cidrList(flag: string, raw: string | undefined): string[] {
  const out = (raw ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  for (const c of out) {
    const [addr, bits] = c.split('/');
    if (!addr || isIP(addr) === 0 || (bits !== undefined && !(Number(bits) >= 0 && Number(bits) <= (isIP(addr) === 4 ? 32 : 128)))) {
      throw new FlagError(`invalid value for --${flag}: ${JSON.stringify(c)} (want a CIDR such as 10.244.0.0/16)`);
    }
  }
  return out;
}

/** Flags -> runProxy configuration without the client (exported for tests). */
export function proxyConfigFromFlags(values: FlagValues): Omit<ProxyConfig, 'clientset'> {
  const syncPeriodMs = Number(values['sync-period']);
  const minSyncPeriodMs = Number(values['min-sync-period']);
  if (!(syncPeriodMs > 0)) throw new FlagError('--sync-period must be greater than 0');
  if (!(minSyncPeriodMs >= 0)) throw new FlagError('--min-sync-period must be greater than or equal to 0');
  if (minSyncPeriodMs > syncPeriodMs) throw new FlagError('--min-sync-period must be less than or equal to --sync-period');
  const bind = str(values['healthz-bind-address']);
  if (bind !== undefined && !/^(.*:)?\d+$/.test(bind)) throw new FlagError(`invalid value for --healthz-bind-address: ${JSON.stringify(bind)} (want host:port)`);
  return {
    hostname: str(values['hostname-override']) ?? machineHostname(),
    clusterCIDRs: cidrList('cluster-cidr', str(values['cluster-cidr'])),
    nodePortAddresses: cidrList('nodeport-addresses', str(values['nodeport-addresses'])),
    masqueradeAll: values['masquerade-all'] === true,
    podRoutes: values['pod-routes'] === true,
    syncPeriodMs,
    minSyncPeriodMs,
    ...(bind ? { healthzBindAddress: bind } : {}),
    ...(str(values['netns']) ? { netns: String(values['netns']) } : {}),
  };
}

export const proxyCommand: Command = {
  name: 'proxy',
  summary: 'Run the service proxy of a node (kube-proxy, nftables mode): ClusterIPs and NodePorts to endpoints',
  usage: () =>
    usage(
      'proxy',
      "Programs the node's nftables (one table, ip kube-proxy) so that ClusterIP:port, external IPs and NodePorts reach the endpoints of the EndpointSlices: random load balancing over ready endpoints, sessionAffinity ClientIP, externalTrafficPolicy and internalTrafficPolicy Local, reject for a Service without endpoints. Run it inside the node's network namespace.",
      proxySpecs,
    ),
  async run(args) {
    const { values, rest } = parseFlags(args, proxySpecs);
    if (rest.length) throw new FlagError(`unexpected arguments: ${rest.join(' ')}`);
    configureLogLevel(values);
    if (values['cleanup'] === true) {
      const netns = str(values['netns']);
      const deleted = await cleanupProxyRules(netns ? { netns } : {});
      log.info(deleted ? 'Deleted the proxy rules' : 'No proxy rules to delete');
      return 0;
    }
    const cfg = proxyConfigFromFlags(values);
    const kubeconfig = str(values['kubeconfig']);
    const clientset = newClientset({ ...loadKubeconfig(kubeconfig ? { path: kubeconfig } : {}).options, userAgent: 'kubelab-proxy' });
    const running = await runProxy({ ...cfg, clientset });
    await new Promise<void>((resolve) => {
      const stop = () => {
        log.info('Shutting down the service proxy (rules stay in place)');
        void running.close().then(resolve);
      };
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    });
    return 0;
  },
};
