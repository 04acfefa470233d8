import { parseDuration, parseFlags, usage, FlagError, type FlagSpec, type FlagValues } from './flags.ts';
import type { Command } from './main.ts';
import { configureLogLevel, restClientOptionsFromFlags } from './client-flags.ts';
import { Clientset } from '../shared/client/clientset.ts';
import { RestClient } from '../shared/client/rest-client.ts';
import { log } from '../shared/util/log.ts';
import { parseControllers, runControllerManager, type ControllerManagerConfig } from '../controller/main.ts';
import { newCidrSets } from '../controller/nodeipam/node-ipam-controller.ts';

export const controllerSpecs: FlagSpec[] = [
  { name: 'kubeconfig', type: 'string', help: 'kubeconfig file (default $KUBECONFIG, else ~/.kube/config, unless --server is given)' },
  { name: 'context', type: 'string', help: 'kubeconfig context to use instead of current-context' },
  { name: 'server', type: 'string', help: 'API server URL (instead of a kubeconfig)' },
  { name: 'token-file', type: 'string', help: 'file holding the bearer token (with --server; credentials never go on a command line)' },
  { name: 'ca-cert', type: 'string', help: 'PEM CA bundle to verify the server with (with --server)' },
  { name: 'insecure-skip-tls-verify', type: 'boolean', default: false, help: 'do not verify the server certificate (with --server)' },
  { name: 'controllers', type: 'string', default: '*', help: 'controllers to run: * for all, foo to enable, -foo to disable (scheduler,nodelifecycle,tainteviction,nodeipam,podgc,serviceaccount,root-ca-cert-publisher,tokencleaner,csrapproving,csrsigning,garbagecollector, ...)' },
  { name: 'node-monitor-grace-period', type: 'duration', default: '50s', help: 'a node silent this long is marked Unknown (unreachable)' },
  { name: 'node-startup-grace-period', type: 'duration', default: '60s', help: 'grace for a node that never posted status' },
  { name: 'node-monitor-period', type: 'duration', default: '5s', help: 'how often every node is checked' },
  { name: 'default-not-ready-toleration-seconds', type: 'number', default: 300, help: 'not-ready NoExecute toleration assumed for pods that have none' },
  { name: 'default-unreachable-toleration-seconds', type: 'number', default: 300, help: 'unreachable NoExecute toleration assumed for pods that have none' },
  { name: 'allocate-node-cidrs', type: 'boolean', default: true, help: 'give every node spec.podCIDR(s) from --cluster-cidr' },
  { name: 'cluster-cidr', type: 'string', default: '10.244.0.0/16', help: 'pod CIDR range of the cluster (comma-separated for dual-stack)' },
  { name: 'configure-cloud-routes', type: 'boolean', default: false, help: "route every node's pod CIDR to its InternalIP in this host's routing table, deleting stale routes inside --cluster-cidr (the route controller; needs root and --allocate-node-cidrs)" },
  { name: 'route-reconciliation-period', type: 'duration', default: '10s', help: 'how often the route controller re-checks the routes' },
  { name: 'node-cidr-mask-size', type: 'number', help: 'node subnet mask size (default 24 for IPv4, 64 for IPv6)' },
  { name: 'node-cidr-mask-size-ipv4', type: 'number', help: 'IPv4 node subnet mask size in a dual-stack cluster (default 24)' },
  { name: 'node-cidr-mask-size-ipv6', type: 'number', help: 'IPv6 node subnet mask size in a dual-stack cluster (default 64)' },
  { name: 'terminated-pod-gc-threshold', type: 'number', default: 12500, help: 'terminated pods kept before the oldest are deleted (0 disables)' },
  { name: 'concurrent-gc-syncs', type: 'number', default: 20, help: 'garbage collector workers (each of its two queues)' },
  { name: 'max-endpoints-per-slice', type: 'number', default: 100, help: 'the most endpoints the endpointslice controller puts in one EndpointSlice (1..1000)' },
  { name: 'endpoint-updates-batch-period', type: 'duration', default: '0s', help: 'delay of endpoint and EndpointSlice syncs caused by pod changes, to batch them (0: at once)' },
  { name: 'concurrent-endpoint-syncs', type: 'number', default: 5, help: 'endpoint controller workers (Services synced at once)' },
  { name: 'concurrent-service-endpoint-syncs', type: 'number', default: 5, help: 'endpointslice controller workers (Services synced at once)' },
  { name: 'mirroring-max-endpoints-per-subset', type: 'number', default: 1000, help: 'the most addresses of one Endpoints subset the endpointslicemirroring controller mirrors (1..1000)' },
  { name: 'mirroring-endpointslice-updates-batch-period', type: 'duration', default: '0s', help: 'delay of mirroring syncs caused by EndpointSlice changes' },
  { name: 'mirroring-concurrent-service-endpoint-syncs', type: 'number', default: 5, help: 'endpointslicemirroring controller workers' },
  { name: 'scheduler-name', type: 'string', default: 'default-scheduler', help: 'schedule pods whose spec.schedulerName is this' },
  { name: 'leader-elect', type: 'boolean', default: false, help: 'run only while holding the leader lease (for several replicas)' },
  { name: 'leader-elect-lease-duration', type: 'duration', default: '15s', help: 'how long a non-renewed lease stays valid' },
  { name: 'leader-elect-renew-deadline', type: 'duration', default: '10s', help: 'how long the leader retries renewing before giving up' },
  { name: 'leader-elect-retry-period', type: 'duration', default: '2s', help: 'time between acquire/renew attempts' },
  { name: 'leader-elect-resource-namespace', type: 'string', default: 'kube-system', help: 'namespace of the leader lease' },
  { name: 'leader-elect-resource-name', type: 'string', default: 'kubelab-controller', help: 'name of the leader lease' },
  { name: 'cluster-signing-cert-file', type: 'string', help: 'PEM CA certificate csrsigning signs approved CSRs with (kubernetes.io/kube-apiserver-client, -client-kubelet, kubelet-serving); also starts csrapproving' },
  { name: 'cluster-signing-key-file', type: 'string', help: 'PEM private key (EC or RSA) of --cluster-signing-cert-file' },
  { name: 'cluster-signing-duration', type: 'duration', default: '8760h', help: 'the longest lifetime of a signed certificate (spec.expirationSeconds may ask for less)' },
  { name: 'root-ca-file', type: 'string', help: "PEM CA bundle published as kube-root-ca.crt in every namespace (default: the CA of the controller's kubeconfig)" },
  { name: 'log-level', type: 'string', default: 'info', help: 'debug, info, warn or error' },
];

/** A duration flag in ms (parseFlags leaves defaults as written, e.g. "50s"). */
const durationMs = (v: FlagValues, name: string): number => {
  const raw = v[name];
  return typeof raw === 'number' ? raw : parseDuration(String(raw), name);
};

/** Turns parsed flags into the controller manager's configuration (everything but the client). */
export function controllerConfigFromFlags(values: FlagValues): Omit<ControllerManagerConfig, 'clientset'> {
  let controllers;
  try {
    controllers = parseControllers(String(values['controllers']));
  } catch (err) {
    throw new FlagError(err instanceof Error ? err.message : String(err));
  }
  const clusterCidrs = String(values['cluster-cidr']).split(',').map((s) => s.trim()).filter(Boolean);
  if (clusterCidrs.length === 0 || clusterCidrs.length > 2) throw new FlagError('--cluster-cidr must list one CIDR, or two (one per IP family)');
  const single = values['node-cidr-mask-size'] as number | undefined;
  const v4 = values['node-cidr-mask-size-ipv4'] as number | undefined;
  const v6 = values['node-cidr-mask-size-ipv6'] as number | undefined;
  if (clusterCidrs.length === 2 && single !== undefined) throw new FlagError('--node-cidr-mask-size is for a single-stack cluster; use --node-cidr-mask-size-ipv4 and --node-cidr-mask-size-ipv6');
  const nodeCidrMaskSizes = clusterCidrs.map((c) => {
    const isV6 = c.includes(':');
    if (clusterCidrs.length === 1 && single !== undefined) return single;
    return isV6 ? v6 ?? 64 : v4 ?? 24;
  });
  if (values['allocate-node-cidrs'] === true && controllers.has('nodeipam')) {
    try {
      newCidrSets(clusterCidrs, nodeCidrMaskSizes);
    } catch (err) {
      throw new FlagError(err instanceof Error ? err.message : String(err));
    }
  }
  if (!Number.isInteger(values['concurrent-gc-syncs']) || (values['concurrent-gc-syncs'] as number) < 1) throw new FlagError(`--concurrent-gc-syncs must be a whole number >= 1, got ${String(values['concurrent-gc-syncs'])}`);
  for (const name of ['default-not-ready-toleration-seconds', 'default-unreachable-toleration-seconds', 'terminated-pod-gc-threshold']) {
    const n = values[name] as number;
    if (!Number.isInteger(n) || n < 0) throw new FlagError(`--${name} must be a whole number >= 0, got ${n}`);
  }
  const maxPerSlice = values['max-endpoints-per-slice'] as number;
  if (!Number.isInteger(maxPerSlice) || maxPerSlice < 1 || maxPerSlice > 1000) throw new FlagError(`--max-endpoints-per-slice must be between 1 and 1000, got ${String(maxPerSlice)}`);
  const mirrorMax = values['mirroring-max-endpoints-per-subset'] as number;
  if (!Number.isInteger(mirrorMax) || mirrorMax < 1 || mirrorMax > 1000) throw new FlagError(`--mirroring-max-endpoints-per-subset must be between 1 and 1000, got ${String(mirrorMax)}`);
  const mirrorBatch = durationMs(values, 'mirroring-endpointslice-updates-batch-period');
  if (!(mirrorBatch >= 0)) throw new FlagError('--mirroring-endpointslice-updates-batch-period must not be negative');
  for (const name of ['concurrent-endpoint-syncs', 'concurrent-service-endpoint-syncs', 'mirroring-concurrent-service-endpoint-syncs']) {
    const n = values[name] as number;
    if (!Number.isInteger(n) || n < 1) throw new FlagError(`--${name} must be a whole number >= 1, got ${String(n)}`);
  }
  const batchPeriod = durationMs(values, 'endpoint-updates-batch-period');
  if (!(batchPeriod >= 0)) throw new FlagError('--endpoint-updates-batch-period must not be negative');
  const grace = durationMs(values, 'node-monitor-grace-period');
  const period = durationMs(values, 'node-monitor-period');
  if (!(grace > 0) || !(period > 0)) throw new FlagError('--node-monitor-grace-period and --node-monitor-period must be positive');
  const signingCert = values['cluster-signing-cert-file'] ? String(values['cluster-signing-cert-file']) : undefined;
  const signingKey = values['cluster-signing-key-file'] ? String(values['cluster-signing-key-file']) : undefined;
  if (Boolean(signingCert) !== Boolean(signingKey)) throw new FlagError('--cluster-signing-cert-file and --cluster-signing-key-file go together');
  const signingDuration = durationMs(values, 'cluster-signing-duration');
  if (!(signingDuration > 0)) throw new FlagError('--cluster-signing-duration must be positive');
  return {
    controllers,
    ...(signingCert && signingKey ? { clusterSigningCertFile: signingCert, clusterSigningKeyFile: signingKey } : {}),
    clusterSigningDurationMs: signingDuration,
    ...(values['root-ca-file'] ? { rootCAFile: String(values['root-ca-file']) } : {}),
    nodeMonitorGracePeriodMs: grace,
    nodeStartupGracePeriodMs: durationMs(values, 'node-startup-grace-period'),
    nodeMonitorPeriodMs: period,
    defaultNotReadyTolerationSeconds: values['default-not-ready-toleration-seconds'] as number,
    defaultUnreachableTolerationSeconds: values['default-unreachable-toleration-seconds'] as number,
    allocateNodeCidrs: values['allocate-node-cidrs'] === true,
    configureCloudRoutes: values['configure-cloud-routes'] === true,
    routeReconciliationPeriodMs: durationMs(values, 'route-reconciliation-period'),
    clusterCidrs,
    nodeCidrMaskSizes,
    terminatedPodGcThreshold: values['terminated-pod-gc-threshold'] as number,
    concurrentGcSyncs: values['concurrent-gc-syncs'] as number,
    maxEndpointsPerSlice: maxPerSlice,
    endpointUpdatesBatchPeriodMs: batchPeriod,
    concurrentEndpointSyncs: values['concurrent-endpoint-syncs'] as number,
    concurrentServiceEndpointSyncs: values['concurrent-service-endpoint-syncs'] as number,
    mirroringMaxEndpointsPerSubset: mirrorMax,
    mirroringEndpointUpdatesBatchPeriodMs: mirrorBatch,
    mirroringConcurrentServiceEndpointSyncs: values['mirroring-concurrent-service-endpoint-syncs'] as number,
    schedulerName: String(values['scheduler-name']),
    leaderElection: {
      enabled: values['leader-elect'] === true,
      leaseDurationMs: durationMs(values, 'leader-elect-lease-duration'),
      renewDeadlineMs: durationMs(values, 'leader-elect-renew-deadline'),
      retryPeriodMs: durationMs(values, 'leader-elect-retry-period'),
      namespace: String(values['leader-elect-resource-namespace']),
      name: String(values['leader-elect-resource-name']),
    },
  };
}

export const controllerCommand: Command = {
  name: 'controller',
  summary: 'Run the controllers and the scheduler (node lifecycle, taint eviction, node IPAM, pod GC)',
  usage: () =>
    usage(
      'controller',
      'Runs the control loops against an API server: node health and NoExecute taints, taint-based eviction, pod CIDR allocation, pod garbage collection, workloads, Endpoints and EndpointSlices of Services, and the scheduler. Connects with --kubeconfig, or --server [--token-file --ca-cert].',
      controllerSpecs,
    ),
  async run(args) {
    const { values, rest } = parseFlags(args, controllerSpecs);
    if (rest.length) throw new FlagError(`unexpected arguments: ${rest.join(' ')}`);
    configureLogLevel(values);
    const cfg = controllerConfigFromFlags(values);

    const options = restClientOptionsFromFlags(values);
    const restClient = new RestClient({ ...options, userAgent: 'kubelab-controller' });
    const clientset = new Clientset(restClient);
    const cm = await runControllerManager({ clientset, ...cfg, ...(options.ca ? { kubeconfigCA: options.ca } : {}) });
    log.info('Controller manager running', { identity: cm.identity, leaderElect: cfg.leaderElection?.enabled === true });

    const stop = () => {
      log.info('Shutting down');
      void cm.stop();
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    const reason = await cm.done;
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
    restClient.close();
    return reason === 'stopped' ? 0 : 1;
  },
};
