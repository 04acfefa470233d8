/**
 * The composition root of `kubelab controller` (kube-controller-manager + kube-scheduler in one process):
 * one client, one shared informer factory, the selected controllers and the scheduler, optionally behind
 * leader election.
 *
 *   const cm = await runControllerManager({ clientset, leaderElection: { enabled: true } });
 *   ...
 *   await cm.stop();            // graceful: controllers stop, then the lease is released
 *
 * With leader election the informers, controllers and scheduler start only once this instance holds the
 * lease, and all of them stop when it loses it; `done` then resolves 'leadership-lost' and the process is
 * expected to exit (as kube-controller-manager does), so a restarted instance campaigns afresh with empty
 * caches.
 */
import type { Node, Pod } from '../shared/api/core-v1.ts';
import type { KubeObject } from '../shared/api/meta.ts';
import { DEFAULT_SCHEDULER_NAME } from '../shared/api/core-v1.ts';
import { SharedInformerFactory } from '../shared/cache/informer-factory.ts';
import type { Clientset } from '../shared/client/clientset.ts';
import { realClock, type Clock } from '../shared/util/clock.ts';
import { log as rootLog, type Logger } from '../shared/util/log.ts';
import { ClientEventRecorder } from './framework/event-recorder.ts';
import { defaultIdentity, LeaderElector } from './leaderelection/leader-elector.ts';
import { newCidrSets, NodeIpamController } from './nodeipam/node-ipam-controller.ts';
import { RouteController } from './route/route-controller.ts';
import { IpRouteTable, type RouteTable } from '../shared/net/route-table.ts';
import { NodeLifecycleController } from './nodelifecycle/node-lifecycle-controller.ts';
import { PodGCController } from './podgc/pod-gc-controller.ts';
import { ClusterRoleAggregationController } from './clusterroleaggregation/clusterrole-aggregation-controller.ts';
import { Scheduler } from './scheduler/scheduler.ts';
import { TaintEvictionController } from './tainteviction/taint-eviction-controller.ts';
import { CSRApprovingController } from './certificates/approver/csr-approving-controller.ts';
import { CertificateAuthority } from './certificates/authority/certificate-authority.ts';
import { CSRSigningController } from './certificates/signer/csr-signing-controller.ts';
import { ServiceAccountsController } from './serviceaccount/service-accounts-controller.ts';
import { RootCACertPublisher } from './rootcacertpublisher/root-ca-cert-publisher.ts';
import { TokenCleaner } from './bootstrap/token-cleaner.ts';
import { GarbageCollector } from './garbagecollector/garbage-collector.ts';
import { restDiscovery, type DiscoverResources } from './garbagecollector/resource-discovery.ts';
import { RestClient } from '../shared/client/rest-client.ts';
import { StatefulSetController } from './statefulset/stateful-set-controller.ts';
import { DaemonSetController } from './daemon/daemon-set-controller.ts';
import { ReplicaSetController } from './replicaset/replica-set-controller.ts';
import { DeploymentController } from './deployment/deployment-controller.ts';
import { DisruptionController } from './disruption/disruption-controller.ts';
import { restScaleGetter } from './disruption/scale-getter.ts';
import { batchControllers, BATCH_CONTROLLERS, type BatchControllerName } from './batch-controllers.ts';
import { EndpointSliceController } from './endpointslice/endpointslice-controller.ts';
import { EndpointsController } from './endpoint/endpoints-controller.ts';
import { EndpointSliceMirroringController } from './endpointslicemirroring/endpointslice-mirroring-controller.ts';
import { readFileSync } from 'node:fs';

export type ControllerName =
  | 'scheduler'
  | 'nodelifecycle'
  | 'tainteviction'
  | 'nodeipam'
  | 'route'
  | 'podgc'
  | 'csrapproving'
  | 'csrsigning'
  | 'serviceaccount'
  | 'root-ca-cert-publisher'
  | 'tokencleaner'
  | 'clusterrole-aggregation'
  | 'statefulset'
  | 'daemonset'
  | 'replicaset'
  | 'garbagecollector'
  | 'deployment'
  | 'disruption'
  | 'endpoint'
  | 'endpointslice'
  | 'endpointslicemirroring'
  | BatchControllerName;

/**
 * Every controller, in start order; all are on by default. The certificate controllers (csrapproving,
 * csrsigning) start only when the cluster signs certificates (`--cluster-signing-cert-file/-key-file`);
 * root-ca-cert-publisher only with a root CA (`--root-ca-file`, else the CA the controller's kubeconfig
 * trusts). tokencleaner is on by default here (kube-controller-manager needs it named; kubeadm names it)
 * because kubelab joins nodes with bootstrap tokens.
 */
export const ALL_CONTROLLERS: readonly ControllerName[] = [
  'nodeipam',
  'route',
  'nodelifecycle',
  'tainteviction',
  'podgc',
  'serviceaccount',
  'root-ca-cert-publisher',
  'tokencleaner',
  'csrapproving',
  'csrsigning',
  'clusterrole-aggregation',
  'statefulset',
  'daemonset',
  'replicaset',
  'garbagecollector',
  'deployment',
  'disruption',
  'endpoint',
  'endpointslice',
  'endpointslicemirroring',
  ...BATCH_CONTROLLERS,
  'scheduler',
];

/**
 * Parses `--controllers` as kube-controller-manager does: a comma-separated list where `*` means every
 * controller that is on by default, `foo` enables foo and `-foo` disables it. Throws on an unknown name.
 */
export function parseControllers(spec: string): Set<ControllerName> {
  const items = spec.split(',').map((s) => s.trim()).filter(Boolean);
  if (items.length === 0) throw new RangeError('Cannot parse --controllers as it is empty (use * for all)');
  const known = new Set<string>(ALL_CONTROLLERS);
  const out = new Set<ControllerName>();
  const disabled = new Set<string>();
  let star = false;
  for (const item of items) {
    if (item === '*') {
      star = true;
      continue;
    }
    const name = item.startsWith('-') ? item.slice(1) : item;
    if (!known.has(name)) throw new RangeError(`Cannot parse --controllers: unknown controller ${JSON.stringify(name)} (known: ${ALL_CONTROLLERS.join(', ')})`);
    if (item.startsWith('-')) disabled.add(name);
    else out.add(name as ControllerName);
  }
  if (star) for (const c of ALL_CONTROLLERS) out.add(c);
  for (const c of disabled) out.delete(c as ControllerName);
  return out;
}

export interface LeaderElectionConfig {
  /** @default false */
  enabled?: boolean;
  /** @default 15000 */
  leaseDurationMs?: number;
  /** @default 10000 */
  renewDeadlineMs?: number;
  /** @default 2000 */
  retryPeriodMs?: number;
  /** @default 'kube-system' */
  namespace?: string;
  /** @default 'kubelab-controller' */
  name?: string;
  /** @default `<hostname>_<uuid>` */
  identity?: string;
  /** Release the lease on stop() so another instance takes over at once. @default true */
  releaseOnCancel?: boolean;
}

export interface ControllerManagerConfig {
  clientset: Clientset;
  /** Which controllers run. @default all (ALL_CONTROLLERS) */
  controllers?: ReadonlySet<ControllerName>;
  /** @default 50000 */
  nodeMonitorGracePeriodMs?: number;
  /** @default 60000 */
  nodeStartupGracePeriodMs?: number;
  /** @default 5000 */
  nodeMonitorPeriodMs?: number;
  /** @default 300 */
  defaultNotReadyTolerationSeconds?: number;
  /** @default 300 */
  defaultUnreachableTolerationSeconds?: number;
  /** Whether nodeipam allocates pod CIDRs (it is skipped when false). @default true */
  allocateNodeCidrs?: boolean;
  /** @default ['10.244.0.0/16'] */
  clusterCidrs?: string[];
  /** One per cluster CIDR. @default 24 for IPv4, 64 for IPv6 */
  nodeCidrMaskSizes?: number[];
  /** --configure-cloud-routes: the route controller routes every node's pod CIDR (needs allocateNodeCidrs). @default false */
  configureCloudRoutes?: boolean;
  /** --route-reconciliation-period. @default 10000 */
  routeReconciliationPeriodMs?: number;
  /** The route controller's provider. @default the host's routing table (IpRouteTable) */
  routeTable?: RouteTable;
  /** @default 12500 */
  terminatedPodGcThreshold?: number;
  /** @default 20000 */
  podGcPeriodMs?: number;
  /** @default 40000 */
  podGcQuarantineMs?: number;
  /** @default 'default-scheduler' */
  schedulerName?: string;
  leaderElection?: LeaderElectionConfig;
  /** --cluster-signing-cert-file / --cluster-signing-key-file: the CA csrsigning signs with (PEM; EC or RSA). */
  clusterSigningCertFile?: string;
  clusterSigningKeyFile?: string;
  /** --cluster-signing-duration: the longest certificate csrsigning issues. @default 8760h */
  clusterSigningDurationMs?: number;
  /** --root-ca-file: the CA bundle root-ca-cert-publisher puts into every namespace's kube-root-ca.crt. */
  rootCAFile?: string;
  /** The CA the controller's own kubeconfig trusts: published when --root-ca-file is not given. */
  kubeconfigCA?: string | Uint8Array;
  /** --concurrent-gc-syncs: workers of each garbage collector queue. @default 20 */
  concurrentGcSyncs?: number;
  /** Where the garbage collector learns the served resources. @default discovery over the clientset's RestClient */
  discoverResources?: DiscoverResources;
  /** --max-endpoints-per-slice of the endpointslice controller. @default 100 */
  maxEndpointsPerSlice?: number;
  /** --endpoint-updates-batch-period of the endpoint and endpointslice controllers. @default 0 */
  endpointUpdatesBatchPeriodMs?: number;
  /** --concurrent-endpoint-syncs: workers of the endpoint controller. @default 5 */
  concurrentEndpointSyncs?: number;
  /** --concurrent-service-endpoint-syncs: workers of the endpointslice controller. @default 5 */
  concurrentServiceEndpointSyncs?: number;
  /** --mirroring-max-endpoints-per-subset of the endpointslicemirroring controller. @default 1000 */
  mirroringMaxEndpointsPerSubset?: number;
  /** --mirroring-endpointslice-updates-batch-period. @default 0 */
  mirroringEndpointUpdatesBatchPeriodMs?: number;
  /** --mirroring-concurrent-service-endpoint-syncs. @default 5 */
  mirroringConcurrentServiceEndpointSyncs?: number;
  /** @default realClock */
  clock?: Clock;
  log?: Logger;
}

export type StopReason = 'stopped' | 'leadership-lost';

export interface RunningControllerManager {
  /** This instance's leader election identity. */
  readonly identity: string;
  /** Resolves once everything has stopped: 'stopped' after stop(), 'leadership-lost' when the lease was lost. */
  readonly done: Promise<StopReason>;
  /** True while the controllers run (always true without leader election, until stopped). */
  isLeader(): boolean;
  /** Stops the controllers (letting current reconciles finish), then releases the lease. */
  stop(): Promise<void>;
}

/** Checks the configuration (throws RangeError) and starts; resolves once running (not once leading). */
export async function runControllerManager(config: ControllerManagerConfig): Promise<RunningControllerManager> {
  const log = (config.log ?? rootLog).with({ component: 'controller-manager' });
  const clock = config.clock ?? realClock;
  const selected = config.controllers ?? new Set(ALL_CONTROLLERS);
  const le = config.leaderElection ?? {};
  const identity = le.identity ?? defaultIdentity();
  const clusterCidrs = config.clusterCidrs ?? ['10.244.0.0/16'];
  const maskSizes = config.nodeCidrMaskSizes ?? clusterCidrs.map((c) => (c.includes(':') ? 64 : 24));
  const allocate = config.allocateNodeCidrs ?? true;
  // Configuration errors surface here, not inside a controller after the lease was won.
  if (selected.has('nodeipam') && allocate) newCidrSets(clusterCidrs, maskSizes);
  const signing = Boolean(config.clusterSigningCertFile || config.clusterSigningKeyFile);
  if (signing && !(config.clusterSigningCertFile && config.clusterSigningKeyFile)) {
    throw new RangeError('Cannot sign certificates: --cluster-signing-cert-file and --cluster-signing-key-file go together');
  }
  // A CA that cannot be read or does not match its key fails the start, not the first signature.
  const authority = signing && selected.has('csrsigning')
    ? await CertificateAuthority.fromFiles(config.clusterSigningCertFile as string, config.clusterSigningKeyFile as string, clock)
    : undefined;

  // As kube-controller-manager: --root-ca-file, else the kubeconfig's CA data; unreadable is a start error.
  let rootCA: string | undefined;
  if (config.rootCAFile) rootCA = readFileSync(config.rootCAFile, 'utf8');
  else if (config.kubeconfigCA && config.kubeconfigCA.length > 0) rootCA = Buffer.from(config.kubeconfigCA).toString('utf8');

  let leading = false;
  const runControllers = async (signal: AbortSignal): Promise<void> => {
    leading = true;
    try {
      await runAll(signal);
    } finally {
      leading = false;
    }
  };

  const runAll = async (signal: AbortSignal): Promise<void> => {
    const factory = new SharedInformerFactory(config.clientset.client, { clock, log: config.log ?? rootLog, transform: dropManagedFields });
    const recorders: ClientEventRecorder[] = [];
    const recorder = (component: string) => {
      const r = new ClientEventRecorder(config.clientset.events, { component, clock, log: config.log ?? rootLog });
      recorders.push(r);
      return r;
    };
    const runners: { name: string; run: (s: AbortSignal) => Promise<void> }[] = [];
    const common = { clientset: config.clientset, informerFactory: factory, clock, ...(config.log ? { log: config.log } : {}) };

    if (selected.has('nodeipam')) {
      if (allocate) {
        const c = new NodeIpamController({ ...common, recorder: recorder('cidrAllocator'), clusterCidrs, nodeCidrMaskSizes: maskSizes });
        runners.push({ name: 'nodeipam', run: (s) => c.run(s) });
      } else {
        log.info('Not starting nodeipam: --allocate-node-cidrs is false');
      }
    }
    if (selected.has('route')) {
      const clusterCidr = clusterCidrs.find((c) => !c.includes(':'));
      if (config.configureCloudRoutes && allocate && clusterCidr) {
        const c = new RouteController({
          ...common,
          recorder: recorder('route_controller'),
          routes: config.routeTable ?? new IpRouteTable(),
          clusterCidr,
          ...(config.routeReconciliationPeriodMs !== undefined ? { reconciliationPeriodMs: config.routeReconciliationPeriodMs } : {}),
        });
        runners.push({ name: 'route', run: (s) => c.run(s) });
      } else {
        log.info('Will not configure cloud provider routes', { allocateNodeCidrs: allocate, configureCloudRoutes: config.configureCloudRoutes ?? false });
      }
    }
    if (selected.has('nodelifecycle')) {
      const c = new NodeLifecycleController({
        ...common,
        recorder: recorder('node-controller'),
        ...(config.nodeMonitorGracePeriodMs !== undefined ? { nodeMonitorGracePeriodMs: config.nodeMonitorGracePeriodMs } : {}),
        ...(config.nodeStartupGracePeriodMs !== undefined ? { nodeStartupGracePeriodMs: config.nodeStartupGracePeriodMs } : {}),
        ...(config.nodeMonitorPeriodMs !== undefined ? { nodeMonitorPeriodMs: config.nodeMonitorPeriodMs } : {}),
      });
      runners.push({ name: 'nodelifecycle', run: (s) => c.run(s) });
    }
    if (selected.has('tainteviction')) {
      const c = new TaintEvictionController({
        ...common,
        recorder: recorder('taint-eviction-controller'),
        ...(config.defaultNotReadyTolerationSeconds !== undefined ? { defaultNotReadyTolerationSeconds: config.defaultNotReadyTolerationSeconds } : {}),
        ...(config.defaultUnreachableTolerationSeconds !== undefined ? { defaultUnreachableTolerationSeconds: config.defaultUnreachableTolerationSeconds } : {}),
      });
      runners.push({ name: 'tainteviction', run: (s) => c.run(s) });
    }
    if (selected.has('clusterrole-aggregation')) {
      const c = new ClusterRoleAggregationController(common);
      runners.push({ name: 'clusterrole-aggregation', run: (s) => c.run(s) });
    }
    if (selected.has('podgc')) {
      const c = new PodGCController({
        ...common,
        ...(config.terminatedPodGcThreshold !== undefined ? { terminatedPodThreshold: config.terminatedPodGcThreshold } : {}),
        ...(config.podGcPeriodMs !== undefined ? { gcCheckPeriodMs: config.podGcPeriodMs } : {}),
        ...(config.podGcQuarantineMs !== undefined ? { quarantineMs: config.podGcQuarantineMs } : {}),
      });
      runners.push({ name: 'podgc', run: (s) => c.run(s) });
    }
    if (selected.has('serviceaccount')) {
      const c = new ServiceAccountsController(common);
      runners.push({ name: 'serviceaccount', run: (s) => c.run(s) });
    }
    if (selected.has('root-ca-cert-publisher')) {
      if (rootCA) {
        const c = new RootCACertPublisher({ ...common, rootCA });
        runners.push({ name: 'root-ca-cert-publisher', run: (s) => c.run(s) });
      } else {
        log.info('Not starting root-ca-cert-publisher: no --root-ca-file and the kubeconfig names no certificate authority');
      }
    }
    if (selected.has('tokencleaner')) {
      const c = new TokenCleaner(common);
      runners.push({ name: 'tokencleaner', run: (s) => c.run(s) });
    }
    if ((selected.has('csrapproving') || selected.has('csrsigning')) && !signing) {
      log.info('Not starting csrapproving and csrsigning: --cluster-signing-cert-file is not set');
    } else {
      if (selected.has('csrapproving')) {
        const c = new CSRApprovingController(common);
        runners.push({ name: 'csrapproving', run: (s) => c.run(s) });
      }
      if (authority) {
        const c = new CSRSigningController({ ...common, authority, ...(config.clusterSigningDurationMs ? { durationMs: config.clusterSigningDurationMs } : {}) });
        runners.push({ name: 'csrsigning', run: (s) => c.run(s) });
      }
    }
    if (selected.has('replicaset')) {
      const c = new ReplicaSetController({ ...common, recorder: recorder('replicaset-controller') });
      runners.push({ name: 'replicaset', run: (s) => c.run(s) });
    }
    if (selected.has('deployment')) {
      const c = new DeploymentController({ ...common, recorder: recorder('deployment-controller') });
      runners.push({ name: 'deployment', run: (s) => c.run(s) });
    }
    if (selected.has('statefulset')) {
      const c = new StatefulSetController({ ...common, recorder: recorder('statefulset-controller') });
      runners.push({ name: 'statefulset', run: (s) => c.run(s) });
    }
    if (selected.has('daemonset')) {
      const c = new DaemonSetController({ ...common, recorder: recorder('daemonset-controller') });
      runners.push({ name: 'daemonset', run: (s) => c.run(s) });
    }
    runners.push(...batchControllers(selected, { ...common, recorder }));
    if (selected.has('garbagecollector')) {
      const client = config.clientset.client;
      const discoverResources = config.discoverResources ?? (client instanceof RestClient ? restDiscovery(client) : undefined);
      if (discoverResources) {
        const c = new GarbageCollector({
          ...common,
          discoverResources,
          recorder: recorder('garbage-collector-controller'),
          ...(config.concurrentGcSyncs !== undefined ? { workers: config.concurrentGcSyncs } : {}),
        });
        runners.push({ name: 'garbagecollector', run: (s) => c.run(s) });
      } else {
        log.info('Not starting garbagecollector: the client cannot read discovery');
      }
    }
    if (selected.has('disruption')) {
      const client = config.clientset.client;
      const c = new DisruptionController({ ...common, recorder: recorder('controllermanager'), ...(client instanceof RestClient ? { getScale: restScaleGetter(client) } : {}) });
      runners.push({ name: 'disruption', run: (s) => c.run(s) });
    }
    const endpointOptions = config.endpointUpdatesBatchPeriodMs !== undefined ? { endpointUpdatesBatchPeriodMs: config.endpointUpdatesBatchPeriodMs } : {};
    if (selected.has('endpoint')) {
      const c = new EndpointsController({
        ...common,
        ...endpointOptions,
        recorder: recorder('endpoint-controller'),
        ...(config.concurrentEndpointSyncs !== undefined ? { workers: config.concurrentEndpointSyncs } : {}),
      });
      runners.push({ name: 'endpoint', run: (s) => c.run(s) });
    }
    if (selected.has('endpointslice')) {
      const c = new EndpointSliceController({
        ...common,
        ...endpointOptions,
        recorder: recorder('endpoint-slice-controller'),
        ...(config.concurrentServiceEndpointSyncs !== undefined ? { workers: config.concurrentServiceEndpointSyncs } : {}),
        ...(config.maxEndpointsPerSlice !== undefined ? { maxEndpointsPerSlice: config.maxEndpointsPerSlice } : {}),
      });
      runners.push({ name: 'endpointslice', run: (s) => c.run(s) });
    }
    if (selected.has('endpointslicemirroring')) {
      const c = new EndpointSliceMirroringController({
        ...common,
        recorder: recorder('endpoint-slice-mirroring-controller'),
        ...(config.mirroringMaxEndpointsPerSubset !== undefined ? { maxEndpointsPerSubset: config.mirroringMaxEndpointsPerSubset } : {}),
        ...(config.mirroringEndpointUpdatesBatchPeriodMs !== undefined ? { endpointUpdatesBatchPeriodMs: config.mirroringEndpointUpdatesBatchPeriodMs } : {}),
        ...(config.mirroringConcurrentServiceEndpointSyncs !== undefined ? { workers: config.mirroringConcurrentServiceEndpointSyncs } : {}),
      });
      runners.push({ name: 'endpointslicemirroring', run: (s) => c.run(s) });
    }
    if (selected.has('scheduler')) {
      const scheduler = newScheduler(config, factory, clock);
      runners.push({
        name: 'scheduler',
        // The scheduler starts once its informers synced (its contract).
        // Only its own informers: a workload controller's informer on a resource the server does not serve
        // must not hold scheduling back.
        run: async (s) => {
          const synced = (await factory.pods().whenSynced(s)) && (await factory.nodes().whenSynced(s));
          if (synced && !s.aborted) await scheduler.run(s);
        },
      });
    }

    factory.start(signal);
    log.info('Starting controllers', { controllers: runners.map((r) => r.name) });
    await Promise.all(runners.map(async (r) => {
      try {
        await r.run(signal);
      } catch (err) {
        log.error('Controller failed', { controller: r.name, err });
      }
    }));
    await Promise.all(recorders.map((r) => r.flush()));
    await factory.shutdown();
    log.info('Controllers stopped');
  };

  const stopController = new AbortController();
  let done: Promise<StopReason>;
  let elector: LeaderElector | undefined;
  if (le.enabled) {
    const namespace = le.namespace ?? 'kube-system';
    const name = le.name ?? 'kubelab-controller';
    elector = new LeaderElector({
      leases: config.clientset.leases,
      namespace,
      name,
      identity,
      leaseDurationMs: le.leaseDurationMs ?? 15_000,
      renewDeadlineMs: le.renewDeadlineMs ?? 10_000,
      retryPeriodMs: le.retryPeriodMs ?? 2_000,
      releaseOnCancel: le.releaseOnCancel ?? true,
      clock,
      ...(config.log ? { log: config.log } : {}),
      callbacks: {
        onStartedLeading: (signal) => {
          log.info('Became leader, starting controllers', { identity, lease: `${namespace}/${name}` });
          return runControllers(signal);
        },
        onStoppedLeading: () => log.info('Stopped leading', { identity }),
      },
    });
    const e = elector;
    done = e.run(stopController.signal).then(() => (stopController.signal.aborted ? 'stopped' : 'leadership-lost'));
  } else {
    done = runControllers(stopController.signal).then(() => 'stopped' as const);
  }
  done = done.then((reason) => {
    if (reason === 'leadership-lost') log.error('Leader election lost', { identity });
    return reason;
  });

  return {
    identity,
    done,
    isLeader: () => leading,
    async stop() {
      stopController.abort();
      await done;
    },
  };
}

/**
 * The informers' transform: cached objects without metadata.managedFields, as kube-scheduler's pod informer
 * trims them (pkg/scheduler/scheduler.go, newPodInformer). No controller reads them, writes from cached
 * objects keep the live ones (an update without managedFields does not reset them), and they are ~45% of a
 * pod's JSON: the controller holding 30,000 pods of the issue-4 benchmark. A shallow copy: the object may be
 * shared (fake clients in tests).
 */
export function dropManagedFields(obj: KubeObject): KubeObject {
  if (!obj.metadata?.managedFields) return obj;
  const { managedFields: _dropped, ...metadata } = obj.metadata;
  return { ...obj, metadata };
}

/** The scheduler, on the shared informers. */
function newScheduler(config: ControllerManagerConfig, factory: SharedInformerFactory, clock: Clock): Scheduler {
  return new Scheduler({
    client: config.clientset,
    informers: { pods: factory.pods<Pod>(), nodes: factory.nodes<Node>() },
    schedulerName: config.schedulerName ?? DEFAULT_SCHEDULER_NAME,
    clock,
    ...(config.log ? { log: config.log } : {}),
  });
}
