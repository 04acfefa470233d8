/**
 * NodeInfo: what the scheduler knows about one node (kube-scheduler framework/types.go NodeInfo): the Node,
 * the pods assigned to it (bound or assumed), the sum of their requests, the host ports they use, and the
 * node's allocatable resources.
 *
 * Pod requests are computed as kube does (component-helpers/resource/helpers.go PodRequests, used by
 * framework/types.go calculateResource):
 *   requests = max( sum(app containers) + sum(sidecars),
 *                   max over init containers i of (request(i) + sum(sidecars declared before i)) ) + overhead
 * where a sidecar is an init container with restartPolicy Always (it keeps running next to the app
 * containers, so it is added to both sides). The "non-zero" variant used for scoring only
 * (GetNonzeroRequests / NonMissingContainerRequests) substitutes 100m CPU / 200Mi memory for every container
 * that does not mention cpu / memory at all (an explicit "0" stays 0), so that best-effort pods still spread.
 *
 * Units: CPU in millicores, memory / ephemeral-storage / scalar resources in whole units (bytes), rounded up
 * from the exact quantity as resource.Quantity.MilliValue()/Value() do. Sums are taken exactly (in nano
 * units) before rounding, like the ResourceList arithmetic upstream.
 *
 * NodeInfo objects belong to the SchedulerCache; plugins read them and never mutate them.
 */
import type { Container, Node, Pod, Taint } from '../../../shared/api/core-v1.ts';
import { parseQuantityExact } from '../../../shared/api/quantity.ts';

/** schedutil.DefaultMilliCPURequest */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
/** schedutil.DefaultMemoryRequest (200Mi) */
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

const CPU = 'cpu';
const MEMORY = 'memory';
const EPHEMERAL_STORAGE = 'ephemeral-storage';
const PODS = 'pods';

/** A pod's resource requests in scheduler units. */
export interface PodResources {
  milliCPU: number;
  memory: number;
  ephemeralStorage: number;
  /** Extended resources, hugepages-*, attachable-volumes-* (absent when the pod requests none). */
  scalar: ReadonlyMap<string, number> | undefined;
  /** CPU / memory with the scoring defaults applied to containers that do not request them. */
  nonZeroMilliCPU: number;
  nonZeroMemory: number;
}

/** A node's allocatable resources (framework.Resource built from status.allocatable). */
export interface Resource {
  milliCPU: number;
  memory: number;
  ephemeralStorage: number;
  allowedPodNumber: number;
  scalar: Map<string, number> | undefined;
}

export interface HostPort {
  hostIP: string;
  protocol: string;
  hostPort: number;
}

/** A pod plus everything the scheduler derives from it once (framework.PodInfo). */
export interface PodInfo {
  readonly pod: Pod;
  /** The pod's identity in the cache and queue: metadata.uid, or namespace/name when there is none. */
  readonly key: string;
  readonly requests: PodResources;
  /** Container ports with a hostPort > 0 (NodePorts). */
  readonly hostPorts: readonly HostPort[];
  /** spec.priority, 0 when unset. */
  readonly priority: number;
}

/** The scheduler's identity for a pod. */
export function podKey(pod: Pod): string {
  const uid = pod.metadata.uid;
  return uid ? uid : `${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}`;
}

/** namespace/name, for logs and messages. */
export function podName(pod: Pod): string {
  return `${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}`;
}

// ---- resource arithmetic over exact quantities ----

type ExactList = Map<string, bigint>;

const NANO = 1_000_000_000n;
const MILLI_IN_NANO = 1_000_000n;

function divUp(n: bigint, d: bigint): bigint {
  const q = n / d;
  return n % d === 0n ? q : n < 0n ? q : q + 1n;
}

/**
 * Quantities in pods come from the apiserver, which rejects unparsable ones; if one slips through (a
 * hand-built object in a test), it counts as 0 rather than failing every cycle that touches the pod.
 */
function nanosOf(q: string | number | undefined): bigint {
  if (q === undefined) return 0n;
  try {
    return parseQuantityExact(q).nanos;
  } catch {
    return 0n;
  }
}

function containerRequests(c: Container, nonMissing: boolean): ExactList {
  const out: ExactList = new Map();
  const reqs = c.resources?.requests;
  if (reqs) for (const name in reqs) out.set(name, nanosOf(reqs[name]));
  if (nonMissing) {
    // applyNonMissing: only for keys absent from the container's requests.
    if (!out.has(CPU)) out.set(CPU, BigInt(DEFAULT_MILLI_CPU_REQUEST) * MILLI_IN_NANO);
    if (!out.has(MEMORY)) out.set(MEMORY, BigInt(DEFAULT_MEMORY_REQUEST) * NANO);
  }
  return out;
}

function addInto(dst: ExactList, src: ExactList): void {
  for (const [k, v] of src) dst.set(k, (dst.get(k) ?? 0n) + v);
}

function maxInto(dst: ExactList, src: ExactList): void {
  for (const [k, v] of src) {
    const cur = dst.get(k);
    if (cur === undefined || v > cur) dst.set(k, v);
  }
}

/** resource.PodRequests(pod, {NonMissingContainerRequests?}) in exact nano units. */
export function podRequestsExact(pod: Pod, nonMissing: boolean): ExactList {
  const reqs: ExactList = new Map();
  for (const c of pod.spec.containers ?? []) addInto(reqs, containerRequests(c, nonMissing));
  const sidecars: ExactList = new Map();
  const initMax: ExactList = new Map();
  for (const c of pod.spec.initContainers ?? []) {
    const r = containerRequests(c, nonMissing);
    if (c.restartPolicy === 'Always') {
      // A sidecar runs alongside everything started after it, and alongside the app containers.
      addInto(reqs, r);
      addInto(sidecars, r);
      maxInto(initMax, sidecars);
    } else {
      const during: ExactList = new Map(r);
      addInto(during, sidecars);
      maxInto(initMax, during);
    }
  }
  maxInto(reqs, initMax);
  const overhead = pod.spec.overhead;
  if (overhead) for (const name in overhead) reqs.set(name, (reqs.get(name) ?? 0n) + nanosOf(overhead[name]));
  return reqs;
}

/** schedutil.IsScalarResourceName: extended (domain-prefixed), hugepages-*, attachable-volumes-*. */
export function isScalarResourceName(name: string): boolean {
  return name.includes('/') || name.startsWith('hugepages-') || name.startsWith('attachable-volumes-');
}

const resourceCache = new WeakMap<Pod, PodResources>();

/**
 * The pod's requests (and their non-zero variant for scoring). Cached per pod object: objects from informers
 * are immutable by contract, so a pod object's requests never change.
 */
export function computePodResources(pod: Pod): PodResources {
  const cached = resourceCache.get(pod);
  if (cached) return cached;
  const exact = podRequestsExact(pod, false);
  const nonZero = podRequestsExact(pod, true);
  let scalar: Map<string, number> | undefined;
  for (const [name, v] of exact) {
    if (name === CPU || name === MEMORY || name === EPHEMERAL_STORAGE || name === PODS) continue;
    if (!isScalarResourceName(name)) continue;
    (scalar ??= new Map()).set(name, Number(divUp(v, NANO)));
  }
  const res: PodResources = {
    milliCPU: Number(divUp(exact.get(CPU) ?? 0n, MILLI_IN_NANO)),
    memory: Number(divUp(exact.get(MEMORY) ?? 0n, NANO)),
    ephemeralStorage: Number(divUp(exact.get(EPHEMERAL_STORAGE) ?? 0n, NANO)),
    scalar,
    nonZeroMilliCPU: Number(divUp(nonZero.get(CPU) ?? 0n, MILLI_IN_NANO)),
    nonZeroMemory: Number(divUp(nonZero.get(MEMORY) ?? 0n, NANO)),
  };
  resourceCache.set(pod, res);
  return res;
}

/** framework.NewResource(node.status.allocatable). */
export function resourceFromList(list: Record<string, string | number> | undefined): Resource {
  const r: Resource = { milliCPU: 0, memory: 0, ephemeralStorage: 0, allowedPodNumber: 0, scalar: undefined };
  if (!list) return r;
  for (const name in list) {
    const n = nanosOf(list[name]);
    switch (name) {
      case CPU:
        r.milliCPU = Number(divUp(n, MILLI_IN_NANO));
        break;
      case MEMORY:
        r.memory = Number(divUp(n, NANO));
        break;
      case EPHEMERAL_STORAGE:
        r.ephemeralStorage = Number(divUp(n, NANO));
        break;
      case PODS:
        r.allowedPodNumber = Number(divUp(n, NANO));
        break;
      default:
        if (isScalarResourceName(name)) (r.scalar ??= new Map()).set(name, Number(divUp(n, NANO)));
    }
  }
  return r;
}

function hostPortsOf(pod: Pod): HostPort[] {
  const out: HostPort[] = [];
  for (const c of pod.spec.containers ?? []) {
    for (const p of c.ports ?? []) {
      if (!p.hostPort || p.hostPort <= 0) continue;
      out.push({ hostIP: p.hostIP || DEFAULT_BIND_ALL_HOST_IP, protocol: p.protocol || 'TCP', hostPort: p.hostPort });
    }
  }
  return out;
}

const podInfoCache = new WeakMap<Pod, PodInfo>();

/** The PodInfo of a pod object (cached per object, see computePodResources). */
export function newPodInfo(pod: Pod): PodInfo {
  const cached = podInfoCache.get(pod);
  if (cached) return cached;
  const info: PodInfo = {
    pod,
    key: podKey(pod),
    requests: computePodResources(pod),
    hostPorts: hostPortsOf(pod),
    priority: pod.spec.priority ?? 0,
  };
  podInfoCache.set(pod, info);
  return info;
}

// ---- host ports (framework/types.go HostPortInfo) ----

export const DEFAULT_BIND_ALL_HOST_IP = '0.0.0.0';

/** Host ports in use on a node: hostIP → "protocol/port" → number of users. */
export class HostPortInfo {
  readonly #byIP = new Map<string, Map<string, number>>();

  add(p: HostPort): void {
    let m = this.#byIP.get(p.hostIP);
    if (!m) this.#byIP.set(p.hostIP, (m = new Map()));
    const k = `${p.protocol}/${p.hostPort}`;
    m.set(k, (m.get(k) ?? 0) + 1);
  }

  remove(p: HostPort): void {
    const m = this.#byIP.get(p.hostIP);
    if (!m) return;
    const k = `${p.protocol}/${p.hostPort}`;
    const n = (m.get(k) ?? 0) - 1;
    if (n > 0) m.set(k, n);
    else m.delete(k);
    if (m.size === 0) this.#byIP.delete(p.hostIP);
  }

  get size(): number {
    return this.#byIP.size;
  }

  /**
   * CheckConflict: 0.0.0.0 conflicts with the same protocol/port on any IP; a specific IP conflicts with
   * itself and with 0.0.0.0.
   */
  conflicts(p: HostPort): boolean {
    if (p.hostPort <= 0 || this.#byIP.size === 0) return false;
    const k = `${p.protocol}/${p.hostPort}`;
    if (p.hostIP === DEFAULT_BIND_ALL_HOST_IP) {
      for (const m of this.#byIP.values()) if (m.has(k)) return true;
      return false;
    }
    return (this.#byIP.get(DEFAULT_BIND_ALL_HOST_IP)?.has(k) ?? false) || (this.#byIP.get(p.hostIP)?.has(k) ?? false);
  }

  clone(): HostPortInfo {
    const c = new HostPortInfo();
    for (const [ip, m] of this.#byIP) c.#byIP.set(ip, new Map(m));
    return c;
  }
}

// ---- NodeInfo ----

const EMPTY_LABELS: Readonly<Record<string, string>> = Object.freeze({});
const EMPTY_TAINTS: readonly Taint[] = Object.freeze([]);

export class NodeInfo {
  readonly name: string;
  /** undefined while pods reference a node the cache has not seen (or no longer has). */
  node: Node | undefined;
  readonly pods: PodInfo[] = [];
  /** Sum of the pods' requests (NodeInfo.Requested). */
  readonly requested: Resource = { milliCPU: 0, memory: 0, ephemeralStorage: 0, allowedPodNumber: 0, scalar: undefined };
  /** Sum of the pods' non-zero requests, for scoring (NodeInfo.NonZeroRequested). */
  readonly nonZeroRequested = { milliCPU: 0, memory: 0 };
  allocatable: Resource = { milliCPU: 0, memory: 0, ephemeralStorage: 0, allowedPodNumber: 0, scalar: undefined };
  readonly usedPorts: HostPortInfo;
  /** Bumped on every change. */
  generation = 0;
  // Change tracking owned by the SchedulerCache: the cache-wide sequence number of this NodeInfo's last
  // change, and its place in the cache's most-recently-changed list (Snapshot.changedSince).
  changeSeq = 0;
  prevChanged: NodeInfo | undefined = undefined;
  nextChanged: NodeInfo | undefined = undefined;
  // Node fields the plugins read, extracted once per node update.
  labels: Readonly<Record<string, string>> = EMPTY_LABELS;
  taints: readonly Taint[] = EMPTY_TAINTS;
  unschedulable = false;
  /** Status of the Ready condition; undefined when the node reports none. */
  readyStatus: 'True' | 'False' | 'Unknown' | undefined = undefined;

  readonly #memo = new Map<string, { generation: number; value: number }>();
  /** Bumped when the pod list changes (node-only updates such as heartbeats keep memos valid). */
  #podsGeneration = 0;

  constructor(name: string, usedPorts: HostPortInfo = new HostPortInfo()) {
    this.name = name;
    this.usedPorts = usedPorts;
  }

  /**
   * A number a plugin derived from this node's pods under `key` (e.g. how many pods match a selector), if
   * the node's pods did not change since it was stored. Lets per-cycle counts over thousands of nodes cost a
   * lookup for every node that did not change since the previous cycle.
   */
  getMemo(key: string): number | undefined {
    const m = this.#memo.get(key);
    return m !== undefined && m.generation === this.#podsGeneration ? m.value : undefined;
  }

  setMemo(key: string, value: number): void {
    if (this.#memo.size >= 32 && !this.#memo.has(key)) this.#memo.clear();
    this.#memo.set(key, { generation: this.#podsGeneration, value });
  }

  setNode(node: Node): void {
    this.node = node;
    this.labels = node.metadata.labels ?? EMPTY_LABELS;
    this.taints = node.spec?.taints ?? EMPTY_TAINTS;
    this.unschedulable = node.spec?.unschedulable === true;
    const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
    this.readyStatus = ready ? ready.status : undefined;
    this.allocatable = resourceFromList(node.status?.allocatable);
    this.generation++;
  }

  removeNode(): void {
    this.node = undefined;
    this.generation++;
  }

  addPod(info: PodInfo): void {
    this.pods.push(info);
    this.#account(info, 1);
  }

  /** Removes the pod with this key; false when it is not on this node. */
  removePod(key: string): boolean {
    const pods = this.pods;
    for (let i = 0; i < pods.length; i++) {
      const info = pods[i]!;
      if (info.key !== key) continue;
      pods[i] = pods[pods.length - 1]!;
      pods.pop();
      this.#account(info, -1);
      return true;
    }
    return false;
  }

  hasPod(key: string): boolean {
    for (const p of this.pods) if (p.key === key) return true;
    return false;
  }

  #account(info: PodInfo, sign: 1 | -1): void {
    const r = info.requests;
    this.requested.milliCPU += sign * r.milliCPU;
    this.requested.memory += sign * r.memory;
    this.requested.ephemeralStorage += sign * r.ephemeralStorage;
    if (r.scalar) {
      const s = (this.requested.scalar ??= new Map());
      for (const [k, v] of r.scalar) s.set(k, (s.get(k) ?? 0) + sign * v);
    }
    this.nonZeroRequested.milliCPU += sign * r.nonZeroMilliCPU;
    this.nonZeroRequested.memory += sign * r.nonZeroMemory;
    for (const hp of info.hostPorts) {
      if (sign > 0) this.usedPorts.add(hp);
      else this.usedPorts.remove(hp);
    }
    this.generation++;
    this.#podsGeneration++;
  }

  /** A copy whose pod list and sums can be changed independently (preemption dry runs). */
  clone(): NodeInfo {
    const c = new NodeInfo(this.name, this.usedPorts.clone());
    if (this.node) c.setNode(this.node);
    c.pods.push(...this.pods);
    Object.assign(c.requested, this.requested, { scalar: this.requested.scalar ? new Map(this.requested.scalar) : undefined });
    Object.assign(c.nonZeroRequested, this.nonZeroRequested);
    c.generation = this.generation;
    return c;
  }
}
