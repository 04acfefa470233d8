/**
 * NodeAgent: kubelab's kubelet. It registers the Node, heartbeats through a Lease, and runs the pods bound
 * to it on a CRI runtime (containerd through `cri/remote`, or the simulated runtime).
 *
 *   const agent = new NodeAgent({ nodeName: 'node-1', clientset, runtime, imageService: runtime, rootDir });
 *   const node = await agent.start();   // resolves once the Node is registered and the loops run
 *   ...
 *   await agent.stop();                 // stops the agent; pods keep running (as when kubelet stops)
 *
 * Wiring (kubelet's syncLoop, as components):
 *   pod informer (spec.nodeName=<node>) --add/update/delete--> admission -> PodWorkers.updatePod
 *   GenericPleg (relist 1 s) --ContainerStarted/Died/...--> PodWorkers.updatePod(sync)
 *   ProberManager result change --> PodWorkers.updatePod(sync)
 *   PodWorkers --> PodSyncHandler (syncPod / syncTerminatingPod / syncTerminatedPod)
 *     --> KubeRuntimeManager (CRI), VolumeManager, StatusManager (PATCH pods/status), cgroups
 *   housekeeping (2 s): kill runtime pods that have no API object (orphans)
 *   NodeStatusManager (10 s, write on change / 5 min) + NodeLeaseController (10 s)
 *
 * A different pod source can be plugged in with `podSource: 'external'`: the caller then feeds
 * `handlePodAdd/Update/Delete` and reports sync through `podsSynced` (the simulated-node host does this with
 * one informer for a thousand agents).
 */
import { mkdirSync } from 'node:fs';
import * as os from 'node:os';
import type { Node, NodeSystemInfo, Pod, Service, Taint } from '../shared/api/core-v1.ts';
import type { PodAnatomy } from '../shared/api/pod-anatomy.ts';
import { configMapsResource, secretsResource, serviceAccountsResource, type Clientset } from '../shared/client/clientset.ts';
import { SharedIndexInformer } from '../shared/cache/shared-informer.ts';
import { newListWatch } from '../shared/cache/list-watch.ts';
import { unwrapTombstone } from '../shared/cache/store.ts';
import { parseQuantityExact, quantityToNumber, quantityValue } from '../shared/api/quantity.ts';
import { realClock, type Clock, type Timer } from '../shared/util/clock.ts';
import { log as rootLog, type Logger } from '../shared/util/log.ts';
import type { ImageService, RuntimeService } from './cri/services.ts';
import { admitPod } from './admission/pod-admission.ts';
import { HostPodCgroups, NoopPodCgroups, type PodCgroups } from './cm/pod-cgroups.ts';
import { podKey } from './container/runtime-pod.ts';
import { EventRecorder, podRef, type EventLevel } from './events/event-recorder.ts';
import { ImageManager } from './images/image-manager.ts';
import { KubeRuntimeManager } from './kuberuntime/runtime-manager.ts';
import { HandlerRunner } from './lifecycle/handler-runner.ts';
import { allocatableFrom, firstNonLoopbackIPv4, hostCapacity, hostNodeInfo } from './nodestatus/host-info.ts';
import { NodeLeaseController } from './nodestatus/node-lease-controller.ts';
import { NodeStatusManager } from './nodestatus/node-status-manager.ts';
import type { NodeFacts } from './nodestatus/setters.ts';
import { GenericPleg } from './pleg/generic-pleg.ts';
import { PodCache } from './pleg/pod-cache.ts';
import { PodSyncHandler } from './pod-syncer.ts';
import { PodWorkers } from './pod-workers.ts';
import { Prober } from './prober/prober.ts';
import { ProberManager } from './prober/prober-manager.ts';
import { AgentServer } from './server/agent-server.ts';
import type { AgentTLSOptions } from './server/agent-listener.ts';
import type { NodeAuth } from './server/node-auth.ts';
import { createNodeStreamingServer, type NodeStreamingServer } from './streaming/node-streaming-server.ts';
import { statusFingerprint } from './status/generate.ts';
import { StatusManager } from './status/status-manager.ts';
import { HostVolumeManager, NoopVolumeManager, type VolumeManager } from './volume/volume-manager.ts';
import { ObjectManager } from './configmap-secret/object-manager.ts';
import { TokenManager, tokenRequester } from './token/token-manager.ts';
import { PodCidrManager, type PodCidrManagerOptions } from './network/pod-cidr-manager.ts';
import { DnsConfigurer } from './network/dns-configurer.ts';
import { serviceEnvVarMap } from './kuberuntime/service-env.ts';
import { PodTimelineRecorder } from './anatomy/pod-timeline-recorder.ts';
import { PodAnatomyCollector, volumeHostPathFor } from './anatomy/pod-anatomy-collector.ts';

export interface NodeAgentOptions {
  nodeName: string;
  clientset: Clientset;
  runtime: RuntimeService;
  imageService: ImageService;
  /** kubelet's --root-dir: pod dirs, volumes, logs. */
  rootDir: string;
  /** 'host' (default): real volumes, cgroups, network probes. 'simulated': no filesystem or network work. */
  mode?: 'host' | 'simulated';
  /** Pod cgroups go to `<cgroupPrefix>/pod<uid>`. @default `/kubelab-<nodeName>` */
  cgroupPrefix?: string;
  /** InternalIP. @default the first non-loopback IPv4 */
  nodeIP?: string;
  /** Hostname address and host-network pods' hostname. @default nodeName */
  hostname?: string;
  capacity?: { cpu?: string; memory?: string; pods?: number };
  reserved?: { cpu?: string; memory?: string };
  labels?: Record<string, string>;
  taints?: Taint[];
  /** Registers the Node with this spec.podCIDR if none is set (--pod-cidr). */
  podCIDR?: string;
  /**
   * The agent writes the CNI config of the Node's pod CIDR itself (--cni-conf-dir; see PodCidrManager): no
   * pod sandbox is created until the runtime has loaded the config of the current CIDR.
   */
  cni?: Omit<PodCidrManagerOptions, 'runtime' | 'clock' | 'log' | 'onSandboxStopped'>;
  /** Overrides of nodeInfo fields (simulated nodes). */
  nodeInfo?: Partial<NodeSystemInfo>;
  /** HTTP port (logs/exec later; /healthz now). 0 = any free port; null = no server. @default 10250 */
  port?: number | null;
  /** @default '0.0.0.0' */
  address?: string;
  /** Serve the agent API over HTTPS with this certificate (and client CA); absent: plain HTTP (development). */
  servingTLS?: AgentTLSOptions;
  /** Authenticates and authorizes agent API requests (node-auth.ts); absent: none (development). */
  auth?: NodeAuth;
  /** Reported daemon port when the server is shared or absent. */
  reportedPort?: number;
  events?: EventLevel;
  clock?: Clock;
  log?: Logger;
  /** @default 10000 */
  crashLoopBaseDelayMs?: number;
  /** @default 300000 */
  crashLoopMaxDelayMs?: number;
  /** @default 10000 */
  imagePullBackoffMs?: number;
  /** @default 1000 */
  relistPeriodMs?: number;
  /** @default 60000 */
  resyncIntervalMs?: number;
  /** @default 10000 */
  backOffPeriodMs?: number;
  /** Period of rewriting pods' secret/configMap/downwardAPI/projected volumes (and their GET cache TTL). @default 10000 */
  volumeResyncIntervalMs?: number;
  /** @default 2000 */
  housekeepingIntervalMs?: number;
  /** @default 10000 */
  nodeStatusUpdateFrequencyMs?: number;
  /** @default 300000 */
  nodeStatusReportFrequencyMs?: number;
  /** @default 40 */
  leaseDurationSeconds?: number;
  /** A lease controller shared by many agents (else the agent runs its own). */
  leaseController?: NodeLeaseController;
  /** 'informer' (default): the agent watches its pods; 'external': the caller feeds handlePod*. */
  podSource?: 'informer' | 'external';
  /** With podSource 'external': whether the feed has delivered the initial list. */
  podsSynced?: () => boolean;
  /** 'informer' (default) or 'external' (caller feeds handleNode). */
  nodeSource?: 'informer' | 'external';
  /** Called with the PLEG once it exists (a simulated runtime wires its state changes to relistSoon). */
  onPlegCreated?: (pleg: GenericPleg) => void;
  /** Coalesce pod status writes set within this window (see StatusManager). @default 0 */
  statusWriteDelayMs?: number;
  /** Delay of the first periodic node status update (spreads many simulated nodes). @default one period */
  nodeStatusFirstDelayMs?: number;
  /** --cluster-dns: the DNS servers of ClusterFirst pods. @default [] (ClusterFirst falls back to Default) */
  clusterDNS?: string[];
  /** --cluster-domain. @default 'cluster.local' */
  clusterDomain?: string;
  /** --resolv-conf: the host resolver config of Default pods and the searches after the cluster's; '' none. @default '/etc/resolv.conf' */
  resolvConf?: string;
  /**
   * Whether the agent watches Services for the containers' Service environment variables. @default true, false
   * for mode 'simulated'
   */
  serviceLinks?: boolean;
}

/** Whether two versions of a pod differ in nothing but status and resourceVersion. */
function sameButStatus(a: Pod, b: Pod): boolean {
  const meta = (p: Pod) => JSON.stringify({ ...p.metadata, resourceVersion: undefined, managedFields: undefined });
  return JSON.stringify(a.spec) === JSON.stringify(b.spec) && meta(a) === meta(b);
}

function dropManagedFields<T extends Pod | Node>(obj: T): T {
  if (obj.metadata.managedFields) {
    const copy = { ...obj, metadata: { ...obj.metadata } };
    delete copy.metadata.managedFields;
    return copy;
  }
  return obj;
}

export class NodeAgent {
  readonly nodeName: string;
  readonly podWorkers: PodWorkers;
  readonly statusManager: StatusManager;
  readonly nodeStatus: NodeStatusManager;
  readonly leases: NodeLeaseController;
  readonly pleg: GenericPleg;
  readonly podCache = new PodCache();
  readonly prober: ProberManager;
  readonly runtimeManager: KubeRuntimeManager;
  readonly recorder: EventRecorder;
  readonly volumes: VolumeManager;
  readonly cgroups: PodCgroups;
  /** What happened to each pod on this node (the anatomy's timeline). */
  readonly timeline: PodTimelineRecorder;
  /** Serves GET /anatomy/{namespace}/{pod}. */
  readonly anatomy: PodAnatomyCollector;

  #o: NodeAgentOptions;
  #clock: Clock;
  #log: Logger;
  #runtime: RuntimeService;
  #pods = new Map<string, Pod>();
  #rejected = new Set<string>();
  #nodeIP: string;
  #hostname: string;
  #runtimeName = 'containerd';
  #runtimeVersion = '';
  #capacity: Record<string, string>;
  #allocatable: Record<string, string>;
  #podCIDR = '';
  #server: AgentServer | NodeStreamingServer | undefined;
  #port = 0;
  #ac = new AbortController();
  #informers: SharedIndexInformer<Pod | Node>[] = [];
  #podInformer: SharedIndexInformer<Pod> | undefined;
  #serviceInformer: SharedIndexInformer<Service> | undefined;
  #serviceLinks: boolean;
  #housekeeping: Timer | undefined;
  #ownLeases: boolean;
  #started = false;
  #syncer: PodSyncHandler;
  /** Owns the CNI config when `cni` is given. */
  readonly podNetwork: PodCidrManager | undefined;

  constructor(options: NodeAgentOptions) {
    this.#o = options;
    this.nodeName = options.nodeName;
    this.#clock = options.clock ?? realClock;
    this.#log = (options.log ?? rootLog).with({ node: options.nodeName });
    this.#runtime = options.runtime;
    const simulated = options.mode === 'simulated';
    this.#nodeIP = options.nodeIP ?? (simulated ? '' : firstNonLoopbackIPv4());
    this.#hostname = options.hostname ?? options.nodeName;
    this.#capacity = Object.fromEntries(
      Object.entries(hostCapacity({ ...(options.capacity ?? {}), ...(simulated ? {} : { rootDir: options.rootDir }) })).map(([k, v]) => [k, String(v)]),
    );
    this.#allocatable = Object.fromEntries(Object.entries(allocatableFrom(this.#capacity, options.reserved ?? {})).map(([k, v]) => [k, String(v)]));
    const cgroupPrefix = options.cgroupPrefix ?? `/kubelab-${options.nodeName}`;
    const volumeResyncMs = options.volumeResyncIntervalMs ?? 10_000;
    const objects = new ObjectManager(
      { secrets: options.clientset.resource(secretsResource), configMaps: options.clientset.resource(configMapsResource) },
      { ttlMs: volumeResyncMs, clock: this.#clock },
    );
    this.volumes = simulated
      ? new NoopVolumeManager(options.rootDir)
      : new HostVolumeManager({
          rootDir: options.rootDir,
          objects,
          tokens: new TokenManager({ getToken: tokenRequester(options.clientset.resource(serviceAccountsResource)), clock: this.#clock, log: this.#log }),
          allocatable: () => ({
            cpu: quantityToNumber(parseQuantityExact(this.#allocatable['cpu'] ?? '0')),
            memory: quantityValue(parseQuantityExact(this.#allocatable['memory'] ?? '0')),
          }),
          resyncIntervalMs: volumeResyncMs,
          onUpdateError: (pod, volume, message) =>
            this.recorder.event(podRef(pod), 'Warning', 'FailedMount', `MountVolume.SetUp failed for volume "${volume}" : ${message}`),
          clock: this.#clock,
          log: this.#log,
        });
    this.cgroups = simulated ? new NoopPodCgroups(cgroupPrefix) : new HostPodCgroups(cgroupPrefix);
    this.timeline = new PodTimelineRecorder({ clock: this.#clock });
    this.anatomy = new PodAnatomyCollector({
      nodeName: options.nodeName, runtime: options.runtime, timeline: this.timeline, mode: simulated ? 'simulated' : 'host', clock: this.#clock,
      podCgroupPath: (uid) => this.cgroups.parentFor(uid), volumeHostPath: volumeHostPathFor(this.volumes), runtimeName: () => this.#runtimeName,
      runtimeStatus: (uid) => this.podCache.get(uid),
    });
    this.recorder = new EventRecorder({ events: options.clientset.events, host: options.nodeName, level: options.events ?? 'all', clock: this.#clock, log: this.#log });
    const network = simulated ? 'assume-success' : 'real';
    this.podNetwork = options.cni
      ? new PodCidrManager({
          ...options.cni,
          runtime: options.runtime,
          clock: this.#clock,
          log: this.#log,
          onSandboxStopped: (uid) => {
            if (this.#pods.has(uid)) this.podWorkers.updatePod({ type: 'sync', uid });
          },
        })
      : undefined;
    const podNetwork = this.podNetwork;
    const images = new ImageManager({ images: options.imageService, recorder: this.recorder, clock: this.#clock, ...(options.imagePullBackoffMs ? { backoffInitialMs: options.imagePullBackoffMs } : {}) });
    const dns = new DnsConfigurer({
      clusterDNS: options.clusterDNS ?? [],
      clusterDomain: options.clusterDomain ?? 'cluster.local',
      resolvConf: options.resolvConf ?? '/etc/resolv.conf',
      nodeIPs: this.#nodeIP ? [this.#nodeIP] : [],
      events: {
        podEvent: (pod, type, reason, message) => this.recorder.event(podRef(pod), type, reason, message),
        nodeEvent: (type, reason, message) => this.recorder.event({ kind: 'Node', apiVersion: 'v1', namespace: '', name: this.nodeName, uid: this.nodeName }, type, reason, message),
      },
    });
    this.#serviceLinks = options.serviceLinks ?? !simulated;
    this.runtimeManager = new KubeRuntimeManager({
      ...(simulated ? {} : { podDNS: (pod: Pod) => dns.getPodDNS(pod) }),
      clusterDomain: dns.clusterDomain,
      ...(this.#serviceLinks ? { serviceEnv: (pod: Pod) => this.#serviceEnv(pod) } : {}),
      runtime: options.runtime,
      images,
      volumes: this.volumes,
      handlers: new HandlerRunner({ runtime: options.runtime, clock: this.#clock, network }),
      recorder: this.recorder,
      timeline: this.timeline,
      clock: this.#clock,
      log: this.#log,
      nodeName: options.nodeName,
      nodeHostname: this.#hostname,
      nodeIP: () => this.#nodeIP,
      memoryCapacity: quantityValue(parseQuantityExact(this.#capacity['memory'] ?? '0')),
      allocatable: {
        cpu: quantityToNumber(parseQuantityExact(this.#allocatable['cpu'] ?? '0')),
        memory: quantityValue(parseQuantityExact(this.#allocatable['memory'] ?? '0')),
      },
      cgroupParent: (uid) => this.cgroups.parentFor(uid),
      objects,
      ...(podNetwork
        ? { podNetworkReady: (signal: AbortSignal) => podNetwork.waitReady(signal, 2000), podIPAllowed: (ip: string) => podNetwork.ipAllowed(ip) }
        : {}),
      ...(options.crashLoopBaseDelayMs !== undefined ? { crashLoopBaseDelayMs: options.crashLoopBaseDelayMs } : {}),
      ...(options.crashLoopMaxDelayMs !== undefined ? { crashLoopMaxDelayMs: options.crashLoopMaxDelayMs } : {}),
    });
    this.prober = new ProberManager({
      prober: new Prober({ runtime: options.runtime, network }),
      getContainer: (uid, name) => {
        const st = this.podCache.get(uid);
        const c = st?.containers.find((x) => x.name === name);
        if (!st || !c) return undefined;
        const pod = this.#pods.get(uid);
        const podIP = pod?.spec.hostNetwork ? this.#nodeIP : (st.ips[0] ?? '');
        return { id: c.id, running: c.state === 'running', startedAt: c.startedAt, podIP };
      },
      onResultChange: (uid, probe, container, result) => {
        this.timeline.record(uid, { type: 'ProbeChanged', container, probe, ...(result ? { result } : {}) });
        this.podWorkers.updatePod({ type: 'sync', uid });
      },
      recorder: this.recorder,
      clock: this.#clock,
      log: this.#log,
    });
    this.runtimeManager.setProbeResults({ liveness: (id) => this.prober.get('liveness', id), startup: (id) => this.prober.get('startup', id) });
    this.statusManager = new StatusManager({
      pods: options.clientset.pods,
      getPod: (uid) => this.#pods.get(uid),
      clock: this.#clock,
      log: this.#log,
      ...(options.statusWriteDelayMs ? { writeDelayMs: options.statusWriteDelayMs } : {}),
    });
    this.#syncer = new PodSyncHandler({
      runtimeManager: this.runtimeManager,
      statusManager: this.statusManager,
      volumes: this.volumes,
      cgroups: this.cgroups,
      prober: this.prober,
      podCache: this.podCache,
      recorder: this.recorder,
      nodeIP: () => this.#nodeIP,
      runtimeName: () => this.#runtimeName,
      clock: this.#clock,
      log: this.#log,
    });
    this.podWorkers = new PodWorkers({
      syncer: this.#syncer,
      clock: this.#clock,
      log: this.#log,
      ...(options.resyncIntervalMs !== undefined ? { resyncIntervalMs: options.resyncIntervalMs } : {}),
      ...(options.backOffPeriodMs !== undefined ? { backOffPeriodMs: options.backOffPeriodMs } : {}),
      onForget: (uid) => {
        this.#syncer.forget(uid);
        this.#rejected.delete(uid);
        this.timeline.forget(uid);
        this.anatomy.forget(uid);
      },
    });
    // The PLEG only wakes workers; the worker reads the pod's status itself (one read per change, not two).
    this.pleg = new GenericPleg({
      runtime: options.runtime,
      onEvents: (uid) => {
        if (this.#pods.has(uid) || this.podWorkers.phaseOf(uid) !== undefined) this.podWorkers.updatePod({ type: 'sync', uid });
      },
      clock: this.#clock,
      log: this.#log,
      ...(options.relistPeriodMs !== undefined ? { relistPeriodMs: options.relistPeriodMs } : {}),
    });
    options.onPlegCreated?.(this.pleg);
    this.nodeStatus = new NodeStatusManager({
      nodes: options.clientset.nodes,
      nodeName: options.nodeName,
      facts: () => this.#facts(),
      ...(options.labels ? { labels: options.labels } : {}),
      ...(options.taints ? { taints: options.taints } : {}),
      ...(options.podCIDR ? { podCIDR: options.podCIDR } : {}),
      ...(options.nodeStatusUpdateFrequencyMs !== undefined ? { updateFrequencyMs: options.nodeStatusUpdateFrequencyMs } : {}),
      ...(options.nodeStatusReportFrequencyMs !== undefined ? { reportFrequencyMs: options.nodeStatusReportFrequencyMs } : {}),
      clock: this.#clock,
      log: this.#log,
      onNode: (node) => this.#applyNode(node),
    });
    this.#ownLeases = !options.leaseController;
    this.leases =
      options.leaseController ??
      new NodeLeaseController({ leases: options.clientset.leases, clock: this.#clock, log: this.#log, ...(options.leaseDurationSeconds ? { leaseDurationSeconds: options.leaseDurationSeconds } : {}) });
  }

  /** Replaces the serving certificate of the agent API (a new or rotated kubelet-serving certificate). */
  updateServingTLS(tls: AgentTLSOptions): void {
    this.#server?.updateTLS(tls);
  }

  /** The agent's HTTP port (0 when it serves none). */
  get port(): number {
    return this.#port;
  }

  get node(): Node | undefined {
    return this.nodeStatus.node;
  }

  get podCIDR(): string {
    return this.#podCIDR;
  }

  get nodeIP(): string {
    return this.#nodeIP;
  }

  /** The anatomy of a pod this node runs (undefined: not ours). */
  async anatomyOf(namespace: string, name: string): Promise<PodAnatomy | undefined> {
    const pod = this.pods().find((p) => p.metadata.namespace === namespace && p.metadata.name === name);
    return pod ? this.anatomy.collect(pod) : undefined;
  }

  /** Pods this agent currently knows from the API. */
  pods(): Pod[] {
    return [...this.#pods.values()];
  }

  async #facts(): Promise<NodeFacts> {
    const reasons: string[] = [];
    try {
      const st = await this.#runtime.status({ timeoutMs: 5000 });
      const rt = st.conditions.find((c) => c.type === 'RuntimeReady');
      const net = st.conditions.find((c) => c.type === 'NetworkReady');
      if (!rt?.status) reasons.push(`container runtime status check may not have completed yet${rt ? `: RuntimeReady=false reason:${rt.reason} message:${rt.message}` : ''}`);
      if (net && !net.status) reasons.push(`container runtime network not ready: NetworkReady=false reason:${net.reason} message:${net.message}`);
      else if (this.podNetwork?.networkError()) reasons.push(`container runtime network not ready: ${this.podNetwork.networkError()}`);
    } catch {
      reasons.push('container runtime is down');
    }
    const pleg = this.pleg.healthy();
    if (!pleg.ok) reasons.push(pleg.message);
    const info = { ...hostNodeInfo(`${this.#runtimeName}://${this.#runtimeVersion}`), ...(this.#o.nodeInfo ?? {}) };
    return {
      hostname: this.#hostname,
      nodeIP: this.#nodeIP,
      capacity: this.#capacity,
      allocatable: this.#allocatable,
      nodeInfo: info,
      daemonPort: this.#o.reportedPort ?? this.#port,
      notReadyReasons: reasons,
      memoryPressure: false,
      diskPressure: false,
      pidPressure: false,
    };
  }

  #applyNode(node: Node): void {
    this.nodeStatus.observe(node);
    const cidr = node.spec?.podCIDR ?? '';
    if (!cidr && this.#podCIDR && this.podNetwork) {
      // Re-registered without a CIDR yet: the old block was released and must not hand out addresses.
      this.#log.info('Updating Pod CIDR', { originalPodCIDR: this.#podCIDR, newPodCIDR: '' });
      this.#podCIDR = '';
      this.podNetwork.clearPodCidr();
    }
    if (cidr && cidr !== this.#podCIDR && this.#applyPodCidr(cidr) && this.#started) {
      // The runtime's network may just have become ready: report it now, not in 10 s.
      this.#clock.setTimeout(() => {
        this.nodeStatus.updateOnce().catch((err: unknown) => this.#log.warn('Error updating node status', { err }));
      }, 0);
    }
  }

  /**
   * Hands the pod CIDR to the runtime (CRI UpdateRuntimeConfig; the simulated runtime allocates pod IPs from
   * it, containerd's CNI config is written by whoever sets up the node). Returns whether the runtime took it.
   */
  #applyPodCidr(cidr: string): boolean {
    const old = this.#podCIDR;
    this.#podCIDR = cidr;
    this.#log.info('Updating Pod CIDR', { originalPodCIDR: old, newPodCIDR: cidr });
    if (this.podNetwork) {
      const network = this.podNetwork;
      network.setPodCidr(cidr);
      // Ready as soon as the runtime loaded the new config: report it then, not at the next status period.
      void network.waitReady(this.#ac.signal, 120_000).then((err) => {
        if (err || this.#ac.signal.aborted || !this.#started || network.podCidr !== cidr) return;
        this.nodeStatus.updateOnce().catch((e: unknown) => this.#log.warn('Error updating node status', { err: e }));
      });
      return false;
    }
    const rt = this.#runtime as RuntimeService & { updatePodCidr?: (cidr: string) => void };
    if (typeof rt.updatePodCidr !== 'function') return false;
    rt.updatePodCidr(cidr);
    return true;
  }

  /**
   * Our Node object was deleted: its pod CIDR is released (the node IPAM controller may give it to another
   * node), so no sandbox gets an address from it any more; register again at once instead of at the next
   * status write.
   */
  #nodeDeleted(): void {
    if (this.#ac.signal.aborted) return;
    if (this.#podCIDR && this.podNetwork) {
      this.#log.info('Updating Pod CIDR', { originalPodCIDR: this.#podCIDR, newPodCIDR: '' });
      this.#podCIDR = '';
      this.podNetwork.clearPodCidr();
    }
    this.nodeStatus.updateOnce(true).catch((err: unknown) => this.#log.warn('Error registering the node again', { err }));
  }

  /** Feeds a Node seen by an external informer. */
  handleNode(node: Node): void {
    if (node.metadata.name === this.nodeName) this.#applyNode(node);
  }

  // ----------------------------------------------------------------------------------- pod source

  #activePods(): Pod[] {
    return [...this.#pods.values()].filter((p) => {
      const uid = p.metadata.uid ?? '';
      if (this.#rejected.has(uid)) return false;
      if (p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed') return false;
      return !this.podWorkers.isTerminated(uid);
    });
  }

  handlePodAdd(pod: Pod): void {
    if (pod.spec.nodeName !== this.nodeName) return;
    const uid = pod.metadata.uid ?? '';
    const known = this.podWorkers.phaseOf(uid) !== undefined;
    if (!known && !this.#rejected.has(uid) && !pod.metadata.deletionTimestamp && (pod.status?.phase ?? 'Pending') === 'Pending') {
      const res = admitPod(pod, this.#activePods(), this.#allocatable);
      if (!res.admit) {
        this.#pods.set(uid, pod);
        this.#reject(pod, res.reason, res.message);
        return;
      }
    }
    this.#pods.set(uid, pod);
    this.statusManager.observe(pod);
    this.podWorkers.updatePod({ type: known ? 'update' : 'create', pod });
  }

  handlePodUpdate(pod: Pod): void {
    if (pod.spec.nodeName !== this.nodeName) return;
    const uid = pod.metadata.uid ?? '';
    if (!this.#pods.has(uid) && this.podWorkers.phaseOf(uid) === undefined && !this.#rejected.has(uid)) return this.handlePodAdd(pod);
    const prev = this.#pods.get(uid);
    this.#pods.set(uid, pod);
    this.statusManager.observe(pod);
    // The echo of the agent's own status write has nothing to sync: kubelet's pod config drops status-only
    // updates (pkg/kubelet/config/config.go checkAndUpdatePod). Syncing on it cost a full runtime read per write.
    if (prev && sameButStatus(prev, pod) && statusFingerprint(pod.status) === statusFingerprint(this.statusManager.getPodStatus(uid))) return;
    this.podWorkers.updatePod({ type: 'update', pod });
  }

  handlePodDelete(pod: Pod): void {
    const uid = pod.metadata.uid ?? '';
    this.#pods.delete(uid);
    this.podWorkers.podRemoved(uid, pod);
  }

  #reject(pod: Pod, reason: string, message: string): void {
    const uid = pod.metadata.uid ?? '';
    this.#rejected.add(uid);
    this.#log.warn('Pod rejected', { pod: podKey(pod), reason, message });
    this.recorder.event({ kind: 'Pod', apiVersion: 'v1', namespace: pod.metadata.namespace ?? '', name: pod.metadata.name ?? '', uid }, 'Warning', reason, message);
    this.statusManager.setPodStatus(pod, { ...(pod.status ?? {}), phase: 'Failed', reason, message: `Pod was rejected: ${message}` });
    this.podWorkers.updatePod({ type: 'kill', pod, gracePeriodSeconds: 0 });
  }

  // ------------------------------------------------------------------------------------ lifecycle

  async #waitForRuntime(signal: AbortSignal): Promise<void> {
    let delay = 200;
    for (;;) {
      try {
        const v = await this.#runtime.version({ timeoutMs: 5000, signal });
        this.#runtimeName = v.runtimeName || 'containerd';
        this.#runtimeVersion = v.runtimeVersion;
        return;
      } catch (err) {
        signal.throwIfAborted();
        this.#log.warn('Container runtime not ready, waiting', { err });
        await this.#clock.sleep(delay, signal);
        delay = Math.min(5000, delay * 2);
      }
    }
  }

  /** Registers the Node and starts every loop. Resolves with the registered Node. */
  async start(): Promise<Node> {
    if (this.#started) throw new Error(`Cannot start node agent ${this.nodeName} as it is already started`);
    this.#started = true;
    const signal = this.#ac.signal;
    if (this.#o.mode !== 'simulated') {
      // The root dir's filesystem is the node's ephemeral-storage (kubelet reports its capacity).
      mkdirSync(this.#o.rootDir, { recursive: true });
      const eph = hostCapacity({ rootDir: this.#o.rootDir })['ephemeral-storage'];
      if (eph !== undefined && this.#capacity['ephemeral-storage'] === undefined) {
        this.#capacity['ephemeral-storage'] = String(eph);
        this.#allocatable['ephemeral-storage'] = String(eph);
      }
    }
    await this.#waitForRuntime(signal);
    if (this.#o.port !== null) {
      if (this.#o.mode === 'simulated') {
        const server = new AgentServer({
          port: this.#o.port ?? 10250,
          ...(this.#o.address ? { host: this.#o.address } : {}),
          pods: () => this.pods(),
          healthy: () => this.pleg.healthy().ok,
          ...(this.#o.servingTLS ? { tls: this.#o.servingTLS } : {}),
          ...(this.#o.auth ? { auth: this.#o.auth } : {}),
          anatomy: (ns, name) => this.anatomyOf(ns, name),
        });
        this.#port = await server.listen();
        this.#server = server;
      } else {
        // kubelet's port: /healthz, /pods, and the logs/exec/attach endpoints the API server proxies to.
        const server = await createNodeStreamingServer({
          runtime: this.#runtime,
          getPod: (ns, name) => this.pods().find((p) => p.metadata.namespace === ns && p.metadata.name === name),
          listen: { port: this.#o.port ?? 10250, ...(this.#o.address ? { host: this.#o.address } : {}) },
          pods: () => this.pods(),
          healthy: () => this.pleg.healthy().ok,
          clock: this.#clock,
          ...(this.#o.servingTLS ? { tls: this.#o.servingTLS } : {}),
          ...(this.#o.auth ? { auth: this.#o.auth } : {}),
          anatomy: (ns, name) => this.anatomyOf(ns, name),
        });
        this.#port = server.port;
        this.#server = server;
      }
    }
    if (this.#o.podCIDR) this.#applyPodCidr(this.#o.podCIDR);
    const node = await this.nodeStatus.register(signal);
    this.#log.info('Successfully registered node', { node: this.nodeName, uid: node.metadata.uid, podCIDR: node.spec?.podCIDR ?? '', port: this.#o.reportedPort ?? this.#port });
    this.leases.add(this.nodeName, () => this.nodeStatus.uid);
    if (this.#ownLeases) this.leases.start();
    if ((this.#o.nodeSource ?? 'informer') === 'informer') {
      const ni = new SharedIndexInformer<Node>(newListWatch(this.#o.clientset.nodes as never, { fieldSelector: `metadata.name=${this.nodeName}` }), {
        name: `node-${this.nodeName}`,
        clock: this.#clock,
        log: this.#log,
        transform: dropManagedFields,
      });
      ni.addEventHandler({ onAdd: (n) => this.handleNode(n), onUpdate: (_o, n) => this.handleNode(n), onDelete: () => this.#nodeDeleted() });
      this.#informers.push(ni as unknown as SharedIndexInformer<Pod | Node>);
      void ni.run(signal);
    }
    if (this.#serviceLinks) {
      // kubelet's service informer: every Service, for the containers' environment variables.
      const si = new SharedIndexInformer<Service>(newListWatch(this.#o.clientset.services as never, {}), {
        name: `services-${this.nodeName}`,
        clock: this.#clock,
        log: this.#log,
        transform: (svc) => {
          delete svc.metadata.managedFields;
          return svc;
        },
      });
      this.#serviceInformer = si;
      void si.run(signal);
    }
    if ((this.#o.podSource ?? 'informer') === 'informer') {
      const pi = new SharedIndexInformer<Pod>(newListWatch(this.#o.clientset.pods as never, { fieldSelector: `spec.nodeName=${this.nodeName}` }), {
        name: `pods-${this.nodeName}`,
        clock: this.#clock,
        log: this.#log,
        transform: dropManagedFields,
      });
      pi.addEventHandler({
        onAdd: (p) => this.handlePodAdd(p),
        onUpdate: (_o, p) => this.handlePodUpdate(p),
        onDelete: (p) => this.handlePodDelete(unwrapTombstone(p)),
      });
      this.#podInformer = pi;
      this.#informers.push(pi as unknown as SharedIndexInformer<Pod | Node>);
      void pi.run(signal);
    }
    this.pleg.start();
    this.nodeStatus.start(this.#o.nodeStatusFirstDelayMs);
    if (node.status?.conditions?.find((c) => c.type === 'Ready')?.status !== 'True') this.#fastStatusUntilReady(this.#clock.now());
    this.#scheduleHousekeeping();
    this.volumes.start();
    return node;
  }

  /** kubelet getServiceEnvVarMap (refuses until the Services were listed once, as kubelet does). */
  #serviceEnv(pod: Pod): Map<string, string> {
    const si = this.#serviceInformer;
    if (!si?.hasSynced()) throw new Error('services have not yet been read at least once, cannot construct envvars');
    return serviceEnvVarMap(si.lister.list(), pod.metadata.namespace ?? '', pod.spec.enableServiceLinks !== false);
  }

  /**
   * kubelet's fastStatusUpdateOnce: right after start, until the node reports Ready (for at most 2 min), the
   * status is recomputed every 200 ms instead of every 10 s, so a node becomes Ready as soon as it can.
   */
  #fastStatusUntilReady(since: number): void {
    if (this.#ac.signal.aborted || this.#clock.now() - since > 120_000) return;
    this.#clock.setTimeout(() => {
      if (this.#ac.signal.aborted) return;
      this.nodeStatus.updateOnce().then(
        () => {
          if (this.nodeStatus.node?.status?.conditions?.find((c) => c.type === 'Ready')?.status !== 'True') this.#fastStatusUntilReady(since);
        },
        () => this.#fastStatusUntilReady(since),
      );
    }, 200);
  }

  /** True once the pod source delivered its initial list. */
  podsSynced(): boolean {
    if (this.#podInformer) return this.#podInformer.hasSynced();
    return this.#o.podsSynced?.() ?? true;
  }

  #scheduleHousekeeping(): void {
    if (this.#ac.signal.aborted) return;
    this.#housekeeping = this.#clock.setTimeout(() => {
      try {
        this.housekeeping();
      } catch (err) {
        this.#log.error('Housekeeping failed', { err });
      }
      this.#scheduleHousekeeping();
    }, this.#o.housekeepingIntervalMs ?? 2000);
  }

  /** Kills runtime pods that have no API object (after the pod source synced). */
  housekeeping(): void {
    if (!this.podsSynced() || !this.pleg.hasRelisted) return;
    for (const rp of this.pleg.runtimePods()) {
      if (this.#pods.has(rp.uid) || this.podWorkers.phaseOf(rp.uid) !== undefined) continue;
      this.#log.info('Found a runtime pod without an API object, killing it', { pod: `${rp.namespace}/${rp.name}`, uid: rp.uid });
      this.podWorkers.updatePod({ type: 'kill', runningPod: { uid: rp.uid, name: rp.name, namespace: rp.namespace } });
    }
    this.runtimeManager.crashBackoff.gc();
    for (const uid of this.timeline.uids()) if (!this.#pods.has(uid) && this.podWorkers.phaseOf(uid) === undefined) this.timeline.forget(uid);
    for (const uid of this.anatomy.uids()) if (!this.#pods.has(uid) && this.podWorkers.phaseOf(uid) === undefined) this.anatomy.forget(uid);
  }

  /** Stops the agent. Pods keep running in the runtime (adopted by the next agent). */
  async stop(): Promise<void> {
    this.#ac.abort(new Error('node agent stopped'));
    this.#housekeeping?.cancel();
    this.podNetwork?.stop();
    this.volumes.stop();
    this.pleg.stop();
    this.nodeStatus.stop();
    if (this.#ownLeases) this.leases.stop();
    else this.leases.remove(this.nodeName);
    this.podWorkers.stop();
    this.prober.stop();
    this.statusManager.stop();
    await this.recorder.flush().catch(() => undefined);
    await this.#server?.close();
  }
}

/** Hostname of this machine (for the CLI default). */
export function machineHostname(): string {
  return os.hostname().toLowerCase();
}
