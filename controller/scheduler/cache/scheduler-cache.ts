/**
 * The scheduler's view of the cluster (kube-scheduler internal/cache/cache.go): one NodeInfo per node, built
 * from the node informer and the pods assigned to it (bound pods from the pod informer, plus assumed pods).
 *
 * Assumed pods close the gap between a decision and its watch event. `assume(pod, node)` charges the pod to
 * the node the moment the scheduler decides, before the binding is even sent, so the next cycle (which may
 * run before any watch event arrives) sees the resources as taken. Then:
 *   - the watch delivers the bound pod → `addPod` confirms it (moving it if it landed elsewhere);
 *   - the bind call fails → `forget` releases it;
 *   - the bind call succeeded → `finishBinding` starts a TTL (default 30 s); if the watch event never comes
 *     within it, `cleanupAssumedPods` expires the pod (kube sets no TTL since 1.23; 30 s guards against a
 *     binding whose event was lost while the informer relisted).
 *
 * Pods may reference a node the cache does not know (pod event before node event, or a node deleted with
 * pods left): such a NodeInfo exists with `node` undefined and is not part of the snapshot until the node
 * appears; it disappears once empty.
 *
 * The snapshot is the live NodeInfo list, not a copy: a scheduling cycle is synchronous, so nothing changes
 * under it. Callers must not hold on to it across an await.
 */
import type { Node, Pod } from '../../../shared/api/core-v1.ts';
import { realClock, type Clock } from '../../../shared/util/clock.ts';
import { newPodInfo, NodeInfo, podKey, podName, type PodInfo } from '../framework/node-info.ts';
import type { Snapshot } from '../framework/runtime.ts';

export interface SchedulerCacheOptions {
  /** @default realClock */
  clock?: Clock;
  /** How long an assumed pod whose binding finished may wait for its watch event; 0 = forever. @default 30000 */
  assumedPodTtlMs?: number;
}

interface PodState {
  info: PodInfo;
  nodeName: string;
  assumed: boolean;
  bindingFinished: boolean;
  deadline: number | undefined;
}

export class SchedulerCache {
  readonly #clock: Clock;
  readonly #ttl: number;
  readonly #nodes = new Map<string, NodeInfo>();
  readonly #pods = new Map<string, PodState>();
  readonly #assumed = new Set<string>();
  #list: NodeInfo[] = [];
  #listDirty = false;
  readonly #snapshot: Snapshot;
  /** Change tracking: global sequence, most-recently-changed list, node set version. */
  #seq = 0;
  #head: NodeInfo | undefined;
  #nodeSetVersion = 0;

  constructor(options: SchedulerCacheOptions = {}) {
    this.#clock = options.clock ?? realClock;
    this.#ttl = options.assumedPodTtlMs ?? 30_000;
    const get = (name: string): NodeInfo | undefined => {
      const ni = this.#nodes.get(name);
      return ni?.node ? ni : undefined;
    };
    const self = this;
    this.#snapshot = {
      get nodeInfoList(): readonly NodeInfo[] {
        return self.#nodeList();
      },
      get,
      get generation(): number {
        return self.#seq;
      },
      get nodeSetVersion(): number {
        return self.#nodeSetVersion;
      },
      changedSince(generation: number, fn: (ni: NodeInfo) => void): void {
        for (let ni = self.#head; ni !== undefined && ni.changeSeq > generation; ni = ni.nextChanged) fn(ni);
      },
    };
  }

  /** The nodes (with a Node object) and their pods, for one scheduling cycle. */
  snapshot(): Snapshot {
    return this.#snapshot;
  }

  get nodeCount(): number {
    return this.#nodeList().length;
  }

  /** Pods in the cache (bound and assumed). */
  get podCount(): number {
    return this.#pods.size;
  }

  get assumedCount(): number {
    return this.#assumed.size;
  }

  nodeInfo(name: string): NodeInfo | undefined {
    return this.#nodes.get(name);
  }

  isAssumed(key: string): boolean {
    return this.#assumed.has(key);
  }

  /** The node a cached pod is charged to. */
  nodeOf(key: string): string | undefined {
    return this.#pods.get(key)?.nodeName;
  }

  // ---- nodes ----

  addNode(node: Node): void {
    const name = node.metadata.name ?? '';
    let ni = this.#nodes.get(name);
    if (!ni) {
      ni = new NodeInfo(name);
      this.#nodes.set(name, ni);
    }
    if (!ni.node) this.#nodeSetChanged();
    ni.setNode(node);
    this.#touch(ni);
  }

  updateNode(_oldNode: Node | undefined, newNode: Node): void {
    this.addNode(newNode);
  }

  removeNode(node: Node): void {
    const name = node.metadata.name ?? '';
    const ni = this.#nodes.get(name);
    if (!ni) return;
    if (ni.node) this.#nodeSetChanged();
    // Pods stay charged until their own delete events arrive; the NodeInfo lingers without a node.
    ni.removeNode();
    if (ni.pods.length === 0) this.#drop(ni);
    else this.#touch(ni);
  }

  #nodeSetChanged(): void {
    this.#listDirty = true;
    this.#nodeSetVersion++;
  }

  /** Marks a NodeInfo as changed now (moves it to the head of the changed list). */
  #touch(ni: NodeInfo): void {
    ni.changeSeq = ++this.#seq;
    if (this.#head === ni) return;
    this.#unlink(ni);
    ni.nextChanged = this.#head;
    if (this.#head) this.#head.prevChanged = ni;
    this.#head = ni;
  }

  #unlink(ni: NodeInfo): void {
    if (ni.prevChanged) ni.prevChanged.nextChanged = ni.nextChanged;
    else if (this.#head === ni) this.#head = ni.nextChanged;
    if (ni.nextChanged) ni.nextChanged.prevChanged = ni.prevChanged;
    ni.prevChanged = undefined;
    ni.nextChanged = undefined;
  }

  /** Forgets a NodeInfo that has neither a node nor pods. */
  #drop(ni: NodeInfo): void {
    this.#nodes.delete(ni.name);
    this.#unlink(ni);
    this.#seq++;
  }

  #nodeList(): NodeInfo[] {
    if (this.#listDirty) {
      const list: NodeInfo[] = [];
      for (const ni of this.#nodes.values()) if (ni.node) list.push(ni);
      this.#list = list;
      this.#listDirty = false;
    }
    return this.#list;
  }

  // ---- pods ----

  /**
   * Charges an assumed pod (spec.nodeName already set to `nodeName` by the caller) to its node. `info` may
   * carry the precomputed PodInfo of the unassumed pod (same requests). Throws if the pod is cached already.
   */
  assume(pod: Pod, nodeName: string, info?: PodInfo): void {
    const key = podKey(pod);
    if (this.#pods.has(key)) throw new Error(`Cannot assume pod ${podName(pod)} as it is in the cache already`);
    const pi: PodInfo = info ? { ...info, pod } : newPodInfo(pod);
    this.#charge(pi, nodeName);
    this.#pods.set(key, { info: pi, nodeName, assumed: true, bindingFinished: false, deadline: undefined });
    this.#assumed.add(key);
  }

  /** The bind call returned successfully: start the assumed pod's expiry clock. */
  finishBinding(pod: Pod): void {
    const st = this.#pods.get(podKey(pod));
    if (!st || !st.assumed) return;
    st.bindingFinished = true;
    st.deadline = this.#ttl > 0 ? this.#clock.now() + this.#ttl : undefined;
  }

  /** The binding failed: release the assumed pod. Returns false if it was not assumed. */
  forget(pod: Pod): boolean {
    const key = podKey(pod);
    const st = this.#pods.get(key);
    if (!st || !st.assumed) return false;
    this.#release(key, st);
    return true;
  }

  /** A bound pod seen through the informer (confirms an assumed pod). */
  addPod(pod: Pod): void {
    const nodeName = pod.spec.nodeName;
    if (!nodeName) return;
    const key = podKey(pod);
    const st = this.#pods.get(key);
    if (st) {
      // Confirmation of an assumed pod, or a duplicate add: either way the informer's object wins.
      this.#uncharge(key, st.nodeName);
      this.#assumed.delete(key);
    }
    const info = newPodInfo(pod);
    this.#charge(info, nodeName);
    this.#pods.set(key, { info, nodeName, assumed: false, bindingFinished: false, deadline: undefined });
  }

  updatePod(_oldPod: Pod | undefined, newPod: Pod): void {
    this.addPod(newPod);
  }

  removePod(pod: Pod): void {
    const key = podKey(pod);
    const st = this.#pods.get(key);
    if (!st) return;
    this.#release(key, st);
  }

  /** Expires assumed pods whose binding finished more than the TTL ago; returns their keys. */
  cleanupAssumedPods(now = this.#clock.now()): string[] {
    const expired: string[] = [];
    for (const key of this.#assumed) {
      const st = this.#pods.get(key);
      if (!st) continue;
      if (!st.bindingFinished || st.deadline === undefined || st.deadline > now) continue;
      expired.push(key);
    }
    for (const key of expired) this.#release(key, this.#pods.get(key)!);
    return expired;
  }

  #release(key: string, st: PodState): void {
    this.#uncharge(key, st.nodeName);
    this.#pods.delete(key);
    this.#assumed.delete(key);
  }

  #charge(info: PodInfo, nodeName: string): void {
    let ni = this.#nodes.get(nodeName);
    if (!ni) {
      ni = new NodeInfo(nodeName);
      this.#nodes.set(nodeName, ni);
    }
    ni.addPod(info);
    this.#touch(ni);
  }

  #uncharge(key: string, nodeName: string): void {
    const ni = this.#nodes.get(nodeName);
    if (!ni) return;
    ni.removePod(key);
    if (!ni.node && ni.pods.length === 0) this.#drop(ni);
    else this.#touch(ni);
  }
}
