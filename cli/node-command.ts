/**
 * `kubelab node`: the node agent (kubelab's kubelet). Flag names follow kubelet where it has the flag.
 */
import { isIP } from 'node:net';
import { parseFlags, usage, FlagError, type FlagSpec, type FlagValues } from './flags.ts';
import type { Command } from './main.ts';
import { configureLogLevel } from './client-flags.ts';
import { log } from '../shared/util/log.ts';
import { parseLabels, parseTaints, runNodeAgent, type NodeAgentConfig } from '../node-agent/main.ts';
import { machineHostname } from '../node-agent/agent.ts';
import { canonicalCidr } from '../shared/net/ipv4-cidr.ts';

export const nodeSpecs: FlagSpec[] = [
  { name: 'kubeconfig', type: 'string', help: 'kubeconfig file (default $KUBECONFIG, else ~/.kube/config, unless --server is given); with --bootstrap-kubeconfig, written after bootstrap and used from then on' },
  { name: 'bootstrap-kubeconfig', type: 'string', help: 'kubeconfig with a bootstrap token: used to request the node client certificate (CSR) when --kubeconfig has no valid one; also turns on the serving certificate by CSR' },
  { name: 'cert-dir', type: 'string', help: 'directory of kubelet-client-current.pem and kubelet-server-current.pem (default <root-dir>/pki)' },
  { name: 'rotate-certificates', type: 'boolean', default: true, help: 'renew the client and serving certificates (new CSRs) before they expire' },
  { name: 'client-ca-file', type: 'string', help: 'CA bundle of the client certificates the agent API accepts (the cluster CA)' },
  { name: 'tls-cert-file', type: 'string', help: 'fixed serving certificate of the agent API (instead of one requested by CSR)' },
  { name: 'tls-private-key-file', type: 'string', help: 'key of --tls-cert-file' },
  { name: 'server', type: 'string', help: 'API server URL (instead of a kubeconfig)' },
  { name: 'token-file', type: 'string', help: 'file holding the bearer token (with --server; mode 0600): credentials never go on a command line' },
  { name: 'ca-cert', type: 'string', help: 'PEM CA bundle to verify the server with (with --server)' },
  { name: 'insecure-skip-tls-verify', type: 'boolean', default: false, help: 'do not verify the server certificate (with --server)' },
  { name: 'name', type: 'string', help: 'node name (kubelet --hostname-override); default: the machine hostname' },
  { name: 'runtime', type: 'string', default: 'cri', help: 'cri (containerd over --container-runtime-endpoint) or sim (simulated, no containers)' },
  { name: 'container-runtime-endpoint', type: 'string', default: 'unix:///run/containerd/containerd.sock', help: 'CRI socket' },
  { name: 'root-dir', type: 'string', default: '/var/lib/kubelab', help: 'pod dirs, volumes and logs (logs under <root-dir>/logs/pods)' },
  { name: 'node-ip', type: 'string', help: 'InternalIP of the node; default the first non-loopback IPv4' },
  { name: 'cgroup-prefix', type: 'string', help: 'cgroup parent of pods: <prefix>/pod<uid> (default /kubelab-<name>)' },
  { name: 'pod-cidr', type: 'string', help: 'register with this spec.podCIDR when none is assigned (the simulated runtime needs one)' },
  { name: 'cni-conf-dir', type: 'string', help: "write the CNI config of the Node's spec.podCIDR into this directory (containerd's CNI conf_dir) and rewrite it whenever the CIDR changes; no pod sandbox is created until the runtime loaded it (default: not written, someone else owns the CNI config)" },
  { name: 'cni-ipam-dir', type: 'string', help: "host-local IPAM data dir of that config; reservations outside the current CIDR are dropped (default <root-dir>/ipam)" },
  { name: 'cni-network-name', type: 'string', default: 'kubelab', help: 'CNI network name of that config' },
  { name: 'cni-bridge', type: 'string', default: 'kubelab0', help: 'Linux bridge of that config (gets the pod gateway, the first address of the CIDR)' },
  { name: 'pod-routes', type: 'boolean', default: false, help: "keep a route to every other node's pod CIDR via its InternalIP in this network namespace, in sync with the Node objects (flannel host-gw; needs list/watch on nodes)" },
  { name: 'cluster-cidr', type: 'string', help: 'with --pod-routes: only routes to destinations inside this block are managed' },
  { name: 'cluster-dns', type: 'string', help: 'comma-separated DNS server IPs of dnsPolicy ClusterFirst pods (e.g. this node\'s `kubelab dns` address); without it ClusterFirst pods fall back to Default' },
  { name: 'cluster-domain', type: 'string', default: 'cluster.local', help: 'the cluster DNS domain: pods search <ns>.svc.<domain> svc.<domain> <domain> before the host\'s searches' },
  { name: 'resolv-conf', type: 'string', default: '/etc/resolv.conf', help: 'resolver config of dnsPolicy Default pods (and the searches appended for ClusterFirst); "" for none' },
  { name: 'port', type: 'number', default: 10250, help: 'port of the agent endpoint (/healthz; logs and exec later); 0 = any free port' },
  { name: 'address', type: 'string', help: 'address of the agent endpoint (default 0.0.0.0 over HTTPS; without a serving certificate plain HTTP on 127.0.0.1, and only a loopback address is accepted)' },
  { name: 'node-labels', type: 'string', help: 'labels to register the node with: k=v,k2=v2' },
  { name: 'register-with-taints', type: 'string', help: 'taints to register the node with: key=value:NoSchedule,...' },
  { name: 'cpu', type: 'string', help: 'cpu capacity to report (default: the host CPUs)' },
  { name: 'memory', type: 'string', help: 'memory capacity to report, e.g. 8Gi (default: the host memory)' },
  { name: 'max-pods', type: 'number', default: 110, help: 'pods capacity' },
  { name: 'system-reserved', type: 'string', help: 'resources kept out of allocatable: cpu=100m,memory=256Mi' },
  { name: 'crash-loop-base-delay', type: 'duration', default: '10s', help: 'first CrashLoopBackOff delay (doubles to 5m)' },
  { name: 'node-lease-duration-seconds', type: 'number', default: 40, help: 'duration of the node Lease, renewed every quarter of it (kubelet --node-lease-duration-seconds)' },
  { name: 'node-status-update-frequency', type: 'duration', default: '10s', help: 'how often the node status is computed (written on change or every 5m)' },
  { name: 'event-level', type: 'string', default: 'all', help: 'events to record: all, warnings or none' },
  { name: 'log-level', type: 'string', default: 'info', help: 'debug, info, warn or error' },
];

function str(v: FlagValues[string]): string | undefined {
  return v === undefined || v === '' ? undefined : String(v);
}

/** Flags -> runNodeAgent config (exported for tests). */
export function nodeConfigFromFlags(values: FlagValues): NodeAgentConfig {
  const runtime = String(values['runtime']);
  if (runtime !== 'cri' && runtime !== 'sim') throw new FlagError('--runtime must be cri or sim');
  const events = String(values['event-level']);
  if (!['all', 'warnings', 'none'].includes(events)) throw new FlagError('--event-level must be all, warnings or none');
  const server = str(values['server']);
  if (server && values['kubeconfig']) throw new FlagError('--server and --kubeconfig are exclusive');
  const bootstrap = str(values['bootstrap-kubeconfig']);
  if (bootstrap && server) throw new FlagError('--server and --bootstrap-kubeconfig are exclusive (the bootstrap kubeconfig names the server)');
  if (bootstrap && !str(values['kubeconfig'])) throw new FlagError('--bootstrap-kubeconfig needs --kubeconfig (the file written after bootstrap)');
  if (Boolean(str(values['tls-cert-file'])) !== Boolean(str(values['tls-private-key-file']))) throw new FlagError('--tls-cert-file and --tls-private-key-file go together');
  let labels: Record<string, string>;
  let taints;
  let reserved: Record<string, string>;
  try {
    labels = parseLabels(str(values['node-labels']));
    taints = parseTaints(str(values['register-with-taints']));
    reserved = parseLabels(str(values['system-reserved']));
  } catch (err) {
    throw new FlagError((err as Error).message);
  }
  const nodeName = str(values['name']) ?? machineHostname();
  const cfg: NodeAgentConfig = {
    nodeName,
    runtime,
    containerRuntimeEndpoint: String(values['container-runtime-endpoint']),
    rootDir: String(values['root-dir']),
    port: Number(values['port']),
    ...(str(values['address']) ? { address: String(values['address']) } : {}),
    labels,
    taints,
    capacity: {
      ...(str(values['cpu']) ? { cpu: String(values['cpu']) } : {}),
      ...(str(values['memory']) ? { memory: String(values['memory']) } : {}),
      pods: Number(values['max-pods']),
    },
    reserved: { ...(reserved['cpu'] ? { cpu: reserved['cpu'] } : {}), ...(reserved['memory'] ? { memory: reserved['memory'] } : {}) },
    crashLoopBaseDelayMs: Number(values['crash-loop-base-delay']),
    nodeStatusUpdateFrequencyMs: Number(values['node-status-update-frequency']),
    events: events as 'all' | 'warnings' | 'none',
  };
  if (server) {
    cfg.server = server;
    if (str(values['token-file'])) cfg.tokenFile = String(values['token-file']);
    if (str(values['ca-cert'])) cfg.caCert = String(values['ca-cert']);
    if (values['insecure-skip-tls-verify'] === true) cfg.insecureSkipTLSVerify = true;
  } else if (str(values['kubeconfig'])) cfg.kubeconfig = String(values['kubeconfig']);
  if (bootstrap) cfg.bootstrapKubeconfig = bootstrap;
  if (str(values['cert-dir'])) cfg.certDir = String(values['cert-dir']);
  if (values['rotate-certificates'] === false) cfg.rotateCertificates = false;
  if (str(values['client-ca-file'])) cfg.clientCAFile = String(values['client-ca-file']);
  if (str(values['tls-cert-file'])) cfg.tlsCertFile = String(values['tls-cert-file']);
  if (str(values['tls-private-key-file'])) cfg.tlsPrivateKeyFile = String(values['tls-private-key-file']);
  if (str(values['node-ip'])) cfg.nodeIP = String(values['node-ip']);
  if (str(values['cgroup-prefix'])) cfg.cgroupPrefix = String(values['cgroup-prefix']);
  if (str(values['pod-cidr'])) cfg.podCIDR = String(values['pod-cidr']);
  if (str(values['cni-conf-dir'])) {
    cfg.cniConfDir = String(values['cni-conf-dir']);
    if (str(values['cni-ipam-dir'])) cfg.cniIpamDir = String(values['cni-ipam-dir']);
    cfg.cniNetworkName = String(values['cni-network-name'] ?? 'kubelab');
    cfg.cniBridge = String(values['cni-bridge'] ?? 'kubelab0');
    if (!/^[A-Za-z0-9_.-]+$/.test(cfg.cniNetworkName)) throw new FlagError('--cni-network-name may only contain letters, digits, _, . and -');
    if (!/^[A-Za-z0-9_.-]{1,15}$/.test(cfg.cniBridge)) throw new FlagError('--cni-bridge must be an interface name of at most 15 characters');
  }
  if (values['pod-routes'] === true) cfg.podRoutes = true;
  if (str(values['cluster-cidr'])) {
    if (!canonicalCidr(String(values['cluster-cidr']))) throw new FlagError(`--cluster-cidr must be an IPv4 CIDR, got ${JSON.stringify(values['cluster-cidr'])}`);
    cfg.clusterCidr = String(values['cluster-cidr']);
  }
  const leaseSeconds = Number(values['node-lease-duration-seconds'] ?? 40);
  if (!Number.isInteger(leaseSeconds) || leaseSeconds < 1) throw new FlagError('--node-lease-duration-seconds must be a positive integer');
  if (leaseSeconds !== 40) cfg.agent = { leaseDurationSeconds: leaseSeconds };
  const clusterDNS = (str(values['cluster-dns']) ?? '').split(',').map((x) => x.trim()).filter(Boolean);
  for (const ip of clusterDNS) if (!isIP(ip)) throw new FlagError(`--cluster-dns must list IP addresses, got ${JSON.stringify(ip)}`);
  const clusterDomain = String(values['cluster-domain'] ?? 'cluster.local').replace(/\.$/, '');
  cfg.agent = { ...(cfg.agent ?? {}), clusterDNS, clusterDomain, resolvConf: String(values['resolv-conf'] ?? '/etc/resolv.conf') };
  return cfg;
}

export const nodeCommand: Command = {
  name: 'node',
  summary: 'Run the node agent (registers the node, runs its pods on containerd or the simulated runtime)',
  usage: () =>
    usage(
      'node',
      'Registers a Node, heartbeats through a Lease in kube-node-lease and runs the pods bound to it on containerd (CRI) or the simulated runtime. Connects with --kubeconfig (joining by TLS bootstrap with --bootstrap-kubeconfig), or --server [--token-file --ca-cert]. Serves its API over HTTPS with authentication when it has a serving certificate (TLS bootstrap or --tls-cert-file).',
      nodeSpecs,
    ),
  async run(args) {
    const { values, rest } = parseFlags(args, nodeSpecs);
    if (rest.length) throw new FlagError(`unexpected arguments: ${rest.join(' ')}`);
    configureLogLevel(values);
    const running = await runNodeAgent(nodeConfigFromFlags(values));
    await new Promise<void>((resolve) => {
      const stop = () => {
        log.info('Shutting down the node agent (pods keep running)');
        void running.close().then(resolve);
      };
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    });
    return 0;
  },
};
