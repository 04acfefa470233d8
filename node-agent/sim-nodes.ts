/**
 * SimNodeHost: many simulated nodes in one process (issue 4), each a full NodeAgent on its own
 * SimulatedRuntime, sharing what can be shared:
 *   - one Clientset (one HTTP connection pool) for all agents;
 *   - ONE pod informer for all of them (pods with a non-empty spec.nodeName), whose events are dispatched in
 *     memory to the agent named in spec.nodeName;
 *   - ONE node informer, dispatched the same way (spec.podCIDR assignments, foreign conditions);
 *   - ONE NodeLeaseController renewing every node's Lease (timers spread over the renew interval);
 *   - ONE HTTP endpoint (/healthz, /pods) whose port every Node reports.
 * Each node gets a pod CIDR carved from `clusterCIDR` (node i -> the i-th /`nodeCIDRMaskSize` block), used
 * unless a controller already assigned one, and an InternalIP from `nodeIPRange`.
 *
 *   const host = new SimNodeHost({ clientset, count: 1000, namePrefix: 'sim-' });
 *   await host.start();   // registers all nodes (bounded concurrency), starts informers and loops
 *   await host.stop();
 */
import type { Node, Pod, Taint } from '../shared/api/core-v1.ts';
import type { Clientset } from '../shared/client/clientset.ts';
import { SharedIndexInformer } from '../shared/cache/shared-informer.ts';
import { newListWatch } from '../shared/cache/list-watch.ts';
import { unwrapTombstone } from '../shared/cache/store.ts';
import { realClock, type Clock } from '../shared/util/clock.ts';
import { log as rootLog, type Logger } from '../shared/util/log.ts';
import { SimulatedRuntime } from './cri/simulated/simulated-runtime.ts';
import type { EventLevel } from './events/event-recorder.ts';
import { NodeLeaseController } from './nodestatus/node-lease-controller.ts';
import { AgentServer } from './server/agent-server.ts';
import type { AgentTLSOptions } from './server/agent-listener.ts';
import type { NodeAuth } from './server/node-auth.ts';
import { StringInterner } from './util/string-interner.ts';
import { NodeAgent, type NodeAgentOptions } from './agent.ts';

export interface SimNodeHostOptions {
  clientset: Clientset;
  count: number;
  /** @default 'sim-' */
  namePrefix?: string;
  /** Index of the first node (names are `<prefix><index>`). @default 0 */
  startIndex?: number;
  capacity?: { cpu?: string; memory?: string; pods?: number };
  labels?: Record<string, string>;
  taints?: Taint[];
  /** Pod CIDRs are carved from it. null: register without one and wait for the controller's node IPAM. @default '10.128.0.0/9' */
  clusterCIDR?: string | null;
  /** @default 24 */
  nodeCIDRMaskSize?: number;
  /** Node InternalIPs come from it. @default '172.30.0.0/16' */
  nodeIPRange?: string;
  /** @default 'warnings' */
  events?: EventLevel;
  /** PLEG relist period (changes the simulated runtime reports trigger a relist at once). @default 10000 */
  relistPeriodMs?: number;
  /** @default 300000 */
  resyncIntervalMs?: number;
  /** Pod status writes coalesce within this window. @default 100 */
  statusWriteDelayMs?: number;
  /** First lease renewals are spread over this long. @default 10000 */
  leaseSpreadMs?: number;
  /** Nodes registered at once. @default 50 */
  concurrency?: number;
  /** Port of the shared endpoint; 0 = a free port; null = none. @default 0 */
  port?: number | null;
  /**
   * HTTPS for the shared endpoint. Simulated nodes share one certificate (self-signed by sim-nodes, see
   * cli/sim-nodes-command.ts): a thousand serving CSRs would buy nothing, as simulated nodes have no
   * logs or exec to serve.
   */
  tls?: AgentTLSOptions;
  /** Authentication/authorization of the shared endpoint (SubjectAccessReviews name no node: all nodes). */
  auth?: NodeAuth;
  /** Root dir recorded in paths (nothing is written). @default '/var/lib/kubelab-sim' */
  rootDir?: string;
  clock?: Clock;
  log?: Logger;
  /** Extra agent options. */
  agent?: Partial<NodeAgentOptions>;
}

function parseV4Cidr(cidr: string): { base: number; bits: number } {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr.trim());
  if (!m) throw new Error(`Cannot use ${JSON.stringify(cidr)} as it is not an IPv4 CIDR`);
  const bits = Number(m[5]);
  const ip = ((Number(m[1]) << 24) | (Number(m[2]) << 16) | (Number(m[3]) << 8) | Number(m[4])) >>> 0;
  const size = 2 ** (32 - bits);
  return { base: Math.floor(ip / size) * size, bits };
}

function v4(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** The i-th subnet of size /mask inside cidr. */
export function nthSubnet(cidr: string, mask: number, i: number): string {
  const { base, bits } = parseV4Cidr(cidr);
  if (mask < bits || mask > 30) throw new Error(`Cannot carve /${mask} subnets out of ${cidr}`);
  const count = 2 ** (mask - bits);
  if (i < 0 || i >= count) throw new Error(`Cannot carve subnet #${i} out of ${cidr}: it holds only ${count} /${mask} subnets`);
  return `${v4(base + i * 2 ** (32 - mask))}/${mask}`;
}

/** The i-th host address of a range (skipping .0 and .1). */
export function nthAddress(cidr: string, i: number): string {
  const { base, bits } = parseV4Cidr(cidr);
  const size = 2 ** (32 - bits);
  if (i + 2 >= size - 1) throw new Error(`Cannot give address #${i} from ${cidr}: too small`);
  return v4(base + 2 + i);
}

export class SimNodeHost {
  readonly agents = new Map<string, NodeAgent>();
  readonly runtimes = new Map<string, SimulatedRuntime>();
  readonly leases: NodeLeaseController;
  #o: SimNodeHostOptions;
  #clock: Clock;
  #log: Logger;
  #ac = new AbortController();
  #podInformer: SharedIndexInformer<Pod>;
  #nodeInformer: SharedIndexInformer<Node>;
  #server: AgentServer | undefined;
  #port = 0;

  constructor(options: SimNodeHostOptions) {
    this.#o = options;
    this.#clock = options.clock ?? realClock;
    this.#log = options.log ?? rootLog;
    this.leases = new NodeLeaseController({ leases: options.clientset.leases, clock: this.#clock, log: this.#log, spreadMs: options.leaseSpreadMs ?? 10_000, concurrency: 32 });
    // Cached objects: no managedFields, and repeated strings shared (memory per simulated pod).
    const interner = new StringInterner();
    const slim = <T extends Pod | Node>(o: T): T => {
      const copy = { ...o, metadata: { ...o.metadata } };
      delete copy.metadata.managedFields;
      return interner.internDeep(copy);
    };
    this.#podInformer = new SharedIndexInformer<Pod>(newListWatch(options.clientset.pods as never, { fieldSelector: 'spec.nodeName!=' }), {
      name: 'sim-pods',
      clock: this.#clock,
      log: this.#log,
      transform: slim,
    });
    this.#nodeInformer = new SharedIndexInformer<Node>(newListWatch(options.clientset.nodes as never), { name: 'sim-nodes', clock: this.#clock, log: this.#log, transform: slim });
    this.#podInformer.addEventHandler({
      onAdd: (p) => this.agents.get(p.spec.nodeName ?? '')?.handlePodAdd(p),
      onUpdate: (_o, p) => this.agents.get(p.spec.nodeName ?? '')?.handlePodUpdate(p),
      onDelete: (d) => {
        const p = unwrapTombstone(d);
        this.agents.get(p.spec.nodeName ?? '')?.handlePodDelete(p);
      },
    });
    this.#nodeInformer.addEventHandler({
      onAdd: (n) => this.agents.get(n.metadata.name ?? '')?.handleNode(n),
      onUpdate: (_o, n) => this.agents.get(n.metadata.name ?? '')?.handleNode(n),
    });
  }

  get port(): number {
    return this.#port;
  }

  nodeName(i: number): string {
    return `${this.#o.namePrefix ?? 'sim-'}${(this.#o.startIndex ?? 0) + i}`;
  }

  /** Registers every node (bounded concurrency), then starts the shared informers. */
  async start(): Promise<void> {
    const o = this.#o;
    if (o.port !== null) {
      this.#server = new AgentServer({
        port: o.port ?? 0,
        pods: () => [...this.agents.values()].flatMap((a) => a.pods()),
        anatomy: async (ns, name) => [...this.agents.values()].find((a) => a.pods().some((p) => p.metadata.namespace === ns && p.metadata.name === name))?.anatomyOf(ns, name),
        ...(o.tls ? { tls: o.tls } : {}),
        ...(o.auth ? { auth: o.auth } : {}),
      });
      this.#port = await this.#server.listen();
    }
    this.leases.start();
    const mask = o.nodeCIDRMaskSize ?? 24;
    const first = o.startIndex ?? 0;
    const names: { name: string; i: number }[] = [];
    for (let i = 0; i < o.count; i++) names.push({ name: this.nodeName(i), i: first + i });
    for (const { name, i } of names) {
      const runtime = new SimulatedRuntime({ clock: this.#clock });
      const relist = o.relistPeriodMs ?? 10_000;
      const agent = new NodeAgent({
        nodeName: name,
        clientset: o.clientset,
        runtime,
        imageService: runtime,
        rootDir: o.rootDir ?? '/var/lib/kubelab-sim',
        mode: 'simulated',
        nodeIP: nthAddress(o.nodeIPRange ?? '172.30.0.0/16', i),
        ...(o.clusterCIDR === null ? {} : { podCIDR: nthSubnet(o.clusterCIDR ?? '10.128.0.0/9', mask, i) }),
        nodeInfo: { machineID: `sim-${i}`, systemUUID: `sim-${i}`, bootID: `sim-boot-${i}`, kernelVersion: 'simulated', osImage: 'kubelab simulated node' },
        port: null,
        reportedPort: this.#port,
        ...(o.capacity ? { capacity: o.capacity } : {}),
        labels: { 'kubelab.io/simulated': 'true', ...(o.labels ?? {}) },
        ...(o.taints ? { taints: o.taints } : {}),
        events: o.events ?? 'warnings',
        clock: this.#clock,
        log: this.#log,
        relistPeriodMs: relist,
        resyncIntervalMs: o.resyncIntervalMs ?? 300_000,
        leaseController: this.leases,
        podSource: 'external',
        podsSynced: () => this.#podInformer.hasSynced(),
        nodeSource: 'external',
        nodeStatusFirstDelayMs: Math.random() * 10_000,
        // Pending and Running a few ms apart become one write: the API server is the bottleneck at scale.
        statusWriteDelayMs: o.statusWriteDelayMs ?? 100,
        onPlegCreated: (pleg) => {
          runtime.onStateChange = () => pleg.relistSoon();
        },
        ...(o.agent ?? {}),
      });
      this.agents.set(name, agent);
      this.runtimes.set(name, runtime);
    }
    const queue = [...this.agents.values()];
    const workers = Array.from({ length: Math.min(o.concurrency ?? 50, queue.length) }, async () => {
      for (let a = queue.shift(); a; a = queue.shift()) await a.start();
    });
    await Promise.all(workers);
    void this.#nodeInformer.run(this.#ac.signal);
    void this.#podInformer.run(this.#ac.signal);
    await this.#podInformer.whenSynced(this.#ac.signal);
    this.#log.info('Simulated nodes registered', { count: o.count, first: this.nodeName(0), port: this.#port });
  }

  podsSynced(): boolean {
    return this.#podInformer.hasSynced();
  }

  async stop(): Promise<void> {
    this.#ac.abort(new Error('simulated nodes stopped'));
    await Promise.all([...this.agents.values()].map((a) => a.stop()));
    this.leases.stop();
    for (const r of this.runtimes.values()) r.close();
    await this.#server?.close();
  }
}
