/**
 * Registers the Node and keeps its status current (kubelet kubelet_node_status.go registerWithAPIServer,
 * updateNodeStatus, nodeStatusUpdateFrequency / nodeStatusReportFrequency).
 *
 * - register(): creates the Node (labels, taints, optional podCIDR, full status); if it exists already, its
 *   labels are reconciled and its status patched. Retries with backoff until it succeeds or is aborted.
 * - Every `updateFrequencyMs` (10 s) the status is recomputed; it is PATCHed (merge patch on nodes/status)
 *   only when it changed (ignoring heartbeat times) or `reportFrequencyMs` (5 min) passed since the last
 *   report, as kubelet does when node leases carry the heartbeat.
 * - A Node deleted behind the agent's back is registered again.
 */
import type { Node, NodeStatus, Taint } from '../../shared/api/core-v1.ts';
import type { ResourceClient } from '../../shared/client/interfaces.ts';
import { isAlreadyExists, isNotFound } from '../../shared/errors/status-error.ts';
import { realClock, type Clock, type Timer } from '../../shared/util/clock.ts';
import { log as rootLog, type Logger } from '../../shared/util/log.ts';
import { goArch } from './host-info.ts';
import { buildNodeStatus, nodeStatusChanged, type NodeFacts } from './setters.ts';

export interface NodeStatusManagerOptions {
  nodes: ResourceClient;
  nodeName: string;
  /** Gathers the current facts (runtime version/health, capacity, ...). */
  facts: () => Promise<NodeFacts>;
  /** Extra labels (--node-labels). */
  labels?: Record<string, string>;
  /** Taints to register with (--register-with-taints). */
  taints?: Taint[];
  /** spec.podCIDR to register with when the Node has none (--pod-cidr). */
  podCIDR?: string;
  /** @default 10000 */
  updateFrequencyMs?: number;
  /** @default 300000 */
  reportFrequencyMs?: number;
  clock?: Clock;
  log?: Logger;
  /** Called with the Node after each successful write (registration or status patch). */
  onNode?: (node: Node) => void;
}

export class NodeStatusManager {
  readonly nodeName: string;
  #nodes: ResourceClient;
  #factsFn: () => Promise<NodeFacts>;
  #labels: Record<string, string>;
  #taints: Taint[];
  #podCIDR: string | undefined;
  #updateMs: number;
  #reportMs: number;
  #clock: Clock;
  #log: Logger;
  #onNode: ((node: Node) => void) | undefined;
  #node: Node | undefined;
  #lastSent: NodeStatus | undefined;
  #lastReport = 0;
  #timer: Timer | undefined;
  #stopped = true;
  #updating: Promise<boolean> | undefined;

  constructor(options: NodeStatusManagerOptions) {
    this.nodeName = options.nodeName;
    this.#nodes = options.nodes;
    this.#factsFn = options.facts;
    this.#labels = options.labels ?? {};
    this.#taints = options.taints ?? [];
    this.#podCIDR = options.podCIDR;
    this.#updateMs = options.updateFrequencyMs ?? 10_000;
    this.#reportMs = options.reportFrequencyMs ?? 300_000;
    this.#clock = options.clock ?? realClock;
    this.#log = options.log ?? rootLog;
    this.#onNode = options.onNode;
  }

  /** The latest Node the agent knows (from its own writes or observe()). */
  get node(): Node | undefined {
    return this.#node;
  }

  get uid(): string | undefined {
    return this.#node?.metadata.uid;
  }

  /** Feeds a Node seen by an informer (keeps spec.podCIDR and foreign conditions current). */
  observe(node: Node): void {
    if (node.metadata.name !== this.nodeName) return;
    const cur = Number(this.#node?.metadata.resourceVersion ?? 0);
    const next = Number(node.metadata.resourceVersion ?? 0);
    if (!this.#node || !(next < cur)) this.#node = node;
  }

  #defaultLabels(): Record<string, string> {
    return {
      'kubernetes.io/hostname': this.nodeName,
      'kubernetes.io/os': 'linux',
      'kubernetes.io/arch': goArch(),
      'beta.kubernetes.io/os': 'linux',
      'beta.kubernetes.io/arch': goArch(),
      ...this.#labels,
    };
  }

  /** Registers the Node, retrying (100 ms doubling to 7 s) until it works or signal aborts. */
  async register(signal?: AbortSignal): Promise<Node> {
    let delay = 100;
    for (;;) {
      signal?.throwIfAborted();
      try {
        return await this.#registerOnce();
      } catch (err) {
        this.#log.warn('Unable to register node with API server', { node: this.nodeName, err });
        await this.#clock.sleep(delay, signal);
        delay = Math.min(7000, delay * 2);
      }
    }
  }

  async #registerOnce(): Promise<Node> {
    const facts = await this.#factsFn();
    const now = this.#clock.now();
    const status = buildNodeStatus(facts, undefined, now);
    const node: Node = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: this.nodeName, labels: this.#defaultLabels() },
      spec: {},
      status,
    };
    if (this.#taints.length) node.spec!.taints = this.#taints.map((t) => ({ ...t }));
    if (this.#podCIDR) {
      node.spec!.podCIDR = this.#podCIDR;
      node.spec!.podCIDRs = [this.#podCIDR];
    }
    let created: Node;
    try {
      created = (await this.#nodes.create(node)) as Node;
      this.#lastSent = status;
      this.#lastReport = now;
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      // Already registered (agent restart): reconcile our labels, keep the rest, and report status.
      const existing = (await this.#nodes.get('', this.nodeName)) as Node;
      const want = this.#defaultLabels();
      const labelsOk = Object.entries(want).every(([k, v]) => existing.metadata.labels?.[k] === v);
      const patch: Record<string, unknown> = {};
      if (!labelsOk) patch['metadata'] = { labels: want };
      if (this.#podCIDR && !existing.spec?.podCIDR) patch['spec'] = { podCIDR: this.#podCIDR, podCIDRs: [this.#podCIDR] };
      created = Object.keys(patch).length ? ((await this.#nodes.patch('', this.nodeName, 'application/merge-patch+json', patch)) as Node) : existing;
      this.#node = created;
      created = await this.#patchStatus(buildNodeStatus(facts, created.status, now), now);
    }
    this.#node = created;
    this.#onNode?.(created);
    return created;
  }

  async #patchStatus(status: NodeStatus, now: number): Promise<Node> {
    const updated = (await this.#nodes.patch('', this.nodeName, 'application/merge-patch+json', { status }, { subresource: 'status' })) as Node;
    this.#lastSent = status;
    this.#lastReport = now;
    this.#node = updated;
    return updated;
  }

  /**
   * Recomputes the status and writes it if it changed or the report period passed (or `force`).
   * Returns whether a write happened. Concurrent calls share one run.
   */
  updateOnce(force = false): Promise<boolean> {
    if (this.#updating) return this.#updating;
    this.#updating = this.#update(force).finally(() => {
      this.#updating = undefined;
    });
    return this.#updating;
  }

  async #update(force: boolean): Promise<boolean> {
    const facts = await this.#factsFn();
    const now = this.#clock.now();
    const desired = buildNodeStatus(facts, this.#node?.status ?? this.#lastSent, now);
    const due = now - this.#lastReport >= this.#reportMs;
    if (!force && !due && !nodeStatusChanged(desired, this.#lastSent)) return false;
    try {
      const node = await this.#patchStatus(desired, now);
      this.#onNode?.(node);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      this.#log.warn('Node object is gone, registering it again', { node: this.nodeName });
      await this.#registerOnce();
    }
    return true;
  }

  /** Starts the periodic update; the first one after `firstDelayMs` (default: one period). */
  start(firstDelayMs?: number): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#scheduleNext(firstDelayMs);
  }

  stop(): void {
    this.#stopped = true;
    this.#timer?.cancel();
    this.#timer = undefined;
  }

  #scheduleNext(delayMs: number = this.#updateMs): void {
    if (this.#stopped) return;
    this.#timer = this.#clock.setTimeout(() => {
      this.updateOnce().then(
        () => this.#scheduleNext(),
        (err: unknown) => {
          this.#log.warn('Error updating node status, will retry', { node: this.nodeName, err });
          this.#scheduleNext();
        },
      );
    }, delayMs);
  }
}
