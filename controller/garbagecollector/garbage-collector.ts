/**
 * The garbage collector (kube-controller-manager pkg/controller/garbagecollector/garbagecollector.go): deletes
 * objects whose owners are all gone, orphans dependents of owners deleted with the `orphan` finalizer, and
 * deletes dependents of owners deleted in the foreground (`foregroundDeletion`), removing those finalizers when
 * done.
 *
 * Every resource the server can list, watch and delete is monitored (found through discovery, again every
 * `resyncPeriodMs`, so kinds served later are picked up), through the shared informer factory; informer
 * events build the dependency graph (dependency-graph.ts). Two work queues of node uids, each with `workers`
 * async workers (20 in kube):
 *
 * - attemptToDelete: for a node, the object from the monitor's cache (a live GET for nodes never observed;
 *   deletes carry the resourceVersion read as a precondition, so a stale copy cannot delete wrongly); if it is waiting for its
 *   dependents (foregroundDeletion), remove the finalizer once no blocking dependent remains, else queue those
 *   dependents; otherwise classify its ownerReferences by live GETs of each owner (uid compared): solid,
 *   dangling (absent, or another uid), waiting for dependents' deletion. Any solid owner: drop the dangling and
 *   waiting references (strategic merge patch). Waiting owners and dependents of its own: delete it in the
 *   foreground. Else: delete it (honouring an orphan/foregroundDeletion finalizer already on it, else
 *   Background). Deletes carry the uid and resourceVersion as preconditions.
 * - attemptToOrphan: remove the owner's reference from each dependent, then the `orphan` finalizer.
 *
 * Owners that the GET finds absent are remembered (absentOwnerCache) so a thousand dependents of one deleted
 * owner do not each ask again. Concurrent GETs of the same owner share one request.
 */
import type { KubeObject, OwnerReference } from '../../shared/api/meta.ts';
import type { SharedInformerFactory } from '../../shared/cache/informer-factory.ts';
import type { EventHandlerRegistration, SharedIndexInformer } from '../../shared/cache/shared-informer.ts';
import { unwrapTombstone } from '../../shared/cache/store.ts';
import type { Clientset } from '../../shared/client/clientset.ts';
import type { PropagationPolicy, ResourceClient, ResourceDescriptor } from '../../shared/client/interfaces.ts';
import { isConflict, isNotFound, StatusError } from '../../shared/errors/status-error.ts';
import { realClock, type Clock } from '../../shared/util/clock.ts';
import { log as rootLog, type Logger } from '../../shared/util/log.ts';
import { RateLimitingQueue } from '../../shared/workqueue/rate-limiting-queue.ts';
import type { EventRecorder } from '../framework/event-recorder.ts';
import {
  DependencyGraph,
  FINALIZER_DELETE_DEPENDENTS,
  FINALIZER_ORPHAN_DEPENDENTS,
  identityString,
  type GraphNode,
  type ObjectIdentity,
} from './dependency-graph.ts';
import { deletableResources, type DiscoveredResource, type DiscoverResources } from './resource-discovery.ts';

export interface GarbageCollectorOptions {
  clientset: Clientset;
  informerFactory: SharedInformerFactory;
  /** The server's resources (restDiscovery over HTTP; a fixed list in tests). */
  discoverResources: DiscoverResources;
  recorder: EventRecorder;
  /** Workers per queue (--concurrent-gc-syncs). @default 20 */
  workers?: number;
  /** How often discovery is read again for new or removed resources. @default 30000 */
  resyncPeriodMs?: number;
  /** How long the workers wait for the monitors' initial lists before starting anyway. @default 30000 */
  syncTimeoutMs?: number;
  /** @default realClock */
  clock?: Clock;
  log?: Logger;
}

/** A reference whose apiVersion/kind the server does not serve (yet): retried. */
class RestMappingError extends Error {}
/** A cluster-scoped object names a namespaced owner: never resolves, not retried. */
class NamespacedOwnerOfClusterScopedObjectError extends Error {}

type Outcome = 'forget' | 'requeue';

interface Monitor {
  informer: SharedIndexInformer;
  registration: EventHandlerRegistration;
}

export class GarbageCollector {
  readonly graph: DependencyGraph;
  readonly attemptToDelete: RateLimitingQueue<string>;
  readonly attemptToOrphan: RateLimitingQueue<string>;
  readonly #clientset: Clientset;
  readonly #factory: SharedInformerFactory;
  readonly #discover: DiscoverResources;
  readonly #recorder: EventRecorder;
  readonly #workers: number;
  readonly #resyncPeriodMs: number;
  readonly #syncTimeoutMs: number;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #monitors = new Map<string, Monitor>();
  /** `apiVersion|kind` -> resource, over every served version. */
  #mapping = new Map<string, DiscoveredResource>();
  readonly #inflightGets = new Map<string, Promise<KubeObject>>();

  constructor(options: GarbageCollectorOptions) {
    this.#clientset = options.clientset;
    this.#factory = options.informerFactory;
    this.#discover = options.discoverResources;
    this.#recorder = options.recorder;
    this.#workers = Math.max(1, options.workers ?? 20);
    this.#resyncPeriodMs = options.resyncPeriodMs ?? 30_000;
    this.#syncTimeoutMs = options.syncTimeoutMs ?? 30_000;
    this.#clock = options.clock ?? realClock;
    this.#log = (options.log ?? rootLog).with({ controller: 'garbagecollector' });
    this.attemptToDelete = new RateLimitingQueue<string>({ clock: this.#clock });
    this.attemptToOrphan = new RateLimitingQueue<string>({ clock: this.#clock });
    this.graph = new DependencyGraph({
      attemptToDelete: (uid, rateLimited) => (rateLimited ? this.attemptToDelete.addRateLimited(uid) : this.attemptToDelete.add(uid)),
      attemptToOrphan: (uid) => this.attemptToOrphan.add(uid),
      invalidNamespaceOwnerRef: (dependent, owner) => {
        this.#recorder.event(
          { kind: dependent.kind, apiVersion: dependent.apiVersion, namespace: dependent.namespace, name: dependent.name, uid: dependent.uid },
          'Warning',
          'OwnerRefInvalidNamespace',
          `ownerRef ${identityString(owner)} does not exist in namespace ${JSON.stringify(dependent.namespace)}`,
        );
      },
    });
  }

  /** Discovers and monitors resources, waits for the graph to sync, then runs the workers until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const stop = () => {
      this.attemptToDelete.shutDown();
      this.attemptToOrphan.shutDown();
    };
    if (signal.aborted) return stop();
    signal.addEventListener('abort', stop, { once: true });
    this.#log.info('Starting controller');
    try {
      while (!signal.aborted) {
        try {
          await this.resyncMonitors(signal);
          break;
        } catch (err) {
          if (signal.aborted) return;
          this.#log.warn('Discovery failed, retrying', { err });
          await this.#clock.sleep(1000, signal).catch(() => undefined);
        }
      }
      if (!(await this.#waitForGraphSync(signal))) return;
      const loops: Promise<void>[] = [this.#resyncLoop(signal)];
      for (let i = 0; i < this.#workers; i++) {
        loops.push(this.#runQueue(this.attemptToDelete, (uid) => this.#attemptToDeleteWorker(uid), signal));
        loops.push(this.#runQueue(this.attemptToOrphan, (uid) => this.#attemptToOrphanWorker(uid), signal));
      }
      await Promise.all(loops);
    } finally {
      signal.removeEventListener('abort', stop);
      stop();
      for (const m of this.#monitors.values()) m.informer.removeEventHandler(m.registration);
      this.#monitors.clear();
      this.#log.info('Shutting down controller');
    }
  }

  /** Reads discovery; starts monitors for new deletable resources and drops those no longer served. */
  async resyncMonitors(signal: AbortSignal): Promise<void> {
    const all = await this.#discover(signal);
    const mapping = new Map<string, DiscoveredResource>();
    for (const r of all) {
      const key = mappingKey(apiVersionOf(r), r.kind);
      if (!mapping.has(key) || r.preferred) mapping.set(key, r);
    }
    this.#mapping = mapping;
    const wanted = new Map(deletableResources(all).map((r) => [`${r.group}/${r.version}/${r.resource}`, r]));
    for (const [key, m] of this.#monitors) {
      if (wanted.has(key)) continue;
      m.informer.removeEventHandler(m.registration);
      this.#monitors.delete(key);
    }
    let added = 0;
    for (const [key, r] of wanted) {
      if (this.#monitors.has(key)) continue;
      const informer = this.#factory.informerFor(r);
      const coords = { apiVersion: apiVersionOf(r), kind: r.kind };
      const registration = informer.addEventHandler({
        onAdd: (obj) => this.graph.processEvent('add', obj, coords),
        onUpdate: (old, obj) => this.graph.processEvent('update', obj, coords, old),
        onDelete: (obj) => this.graph.processEvent('delete', unwrapTombstone(obj), coords),
      });
      this.#monitors.set(key, { informer, registration });
      added++;
    }
    if (added > 0) {
      this.#factory.start(signal);
      this.#log.info('Monitoring resources', { added, total: this.#monitors.size });
    }
  }

  /** True once every monitor's handler has seen its informer's initial list. */
  isSynced(): boolean {
    for (const m of this.#monitors.values()) if (!m.registration.hasSynced()) return false;
    return true;
  }

  /**
   * Waits for every monitor's initial list; after `syncTimeoutMs` the workers start anyway (a resource whose
   * LIST keeps failing must not stop collection of every other kind; owners are verified by live GETs, so a
   * missing part of the graph delays collection, it never causes a wrong delete). False once aborted.
   */
  async #waitForGraphSync(signal: AbortSignal): Promise<boolean> {
    const deadline = this.#clock.now() + this.#syncTimeoutMs;
    while (!signal.aborted) {
      if (this.isSynced()) {
        this.#log.info('Garbage collector: all resource monitors have synced', { monitors: this.#monitors.size });
        return true;
      }
      if (this.#clock.now() >= deadline) {
        const unsynced = [...this.#monitors].filter(([, m]) => !m.registration.hasSynced()).map(([k]) => k);
        this.#log.warn('Garbage collector: starting with resource monitors not synced yet', { unsynced });
        return true;
      }
      await this.#clock.sleep(100, signal).catch(() => undefined);
    }
    return false;
  }

  async #resyncLoop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await this.#clock.sleep(this.#resyncPeriodMs, signal).catch(() => undefined);
      if (signal.aborted) return;
      try {
        await this.resyncMonitors(signal);
      } catch (err) {
        if (!signal.aborted) this.#log.warn('Discovery failed; monitors unchanged', { err });
      }
    }
  }

  async #runQueue(queue: RateLimitingQueue<string>, work: (uid: string) => Promise<Outcome>, signal: AbortSignal): Promise<void> {
    for (;;) {
      const { item, shutdown } = await queue.get();
      if (shutdown) return;
      try {
        const outcome = await work(item).catch((err: unknown) => {
          if (!signal.aborted) this.#log.warn('Error syncing item', { uid: item, err });
          return 'requeue' as const;
        });
        if (outcome === 'forget') queue.forget(item);
        else if (!signal.aborted) queue.addRateLimited(item);
      } finally {
        queue.done(item);
      }
    }
  }

  /** One attemptToDelete item (attemptToDeleteWorker). Exposed for tests. */
  async processAttemptToDelete(uid: string): Promise<Outcome> {
    return this.#attemptToDeleteWorker(uid);
  }

  /** One attemptToOrphan item (attemptToOrphanWorker). Exposed for tests. */
  async processAttemptToOrphan(uid: string): Promise<Outcome> {
    return this.#attemptToOrphanWorker(uid);
  }

  async #attemptToDeleteWorker(uid: string): Promise<Outcome> {
    const node = this.graph.get(uid);
    // Removed from the graph meanwhile (deleted, or a virtual node verified absent).
    if (!node) return 'forget';
    try {
      const virtualDeleted = await this.#attemptToDeleteItem(node);
      if (virtualDeleted) return 'forget';
    } catch (err) {
      if (err instanceof NamespacedOwnerOfClusterScopedObjectError) return 'forget';
      if (err instanceof RestMappingError) this.#log.debug('Cannot map a reference yet', { item: identityString(node.identity), err: err.message });
      else this.#log.warn('Error syncing item', { item: identityString(node.identity), err });
      return 'requeue';
    }
    // A virtual node not observed yet is looked at again (an object added and removed during a relist).
    if (!node.isObserved()) return 'requeue';
    return 'forget';
  }

  /** Returns true when it produced a virtual delete event (the object is absent or has another uid). */
  async #attemptToDeleteItem(item: GraphNode): Promise<boolean> {
    // Being deleted is a one-way trip: wait for the deletion, then process its dependents.
    if (item.beingDeleted && !item.deletingDependents) return false;
    const identity = { ...item.identity };
    let latest: KubeObject;
    try {
      latest = this.#cachedObject(item) ?? (await this.#getObject(identity));
    } catch (err) {
      if (isNotFound(err)) {
        this.graph.processVirtualDelete(identity);
        return true;
      }
      throw err;
    }
    if (latest.metadata.uid !== identity.uid) {
      this.graph.processVirtualDelete(identity);
      return true;
    }
    if (item.deletingDependents) {
      await this.#processDeletingDependentsItem(item);
      return false;
    }
    const ownerReferences = latest.metadata.ownerReferences ?? [];
    if (ownerReferences.length === 0) return false;
    const { solid, dangling, waiting } = await this.#classifyReferences(item, ownerReferences);
    if (solid.length > 0) {
      if (dangling.length === 0 && waiting.length === 0) return false;
      // Waiting references must go too, or those owners would wait for this dependent forever.
      await this.#deleteOwnerRefs(item, [...dangling, ...waiting].map((r) => r.uid));
      return false;
    }
    if (waiting.length > 0 && item.dependents.size > 0) {
      for (const dep of item.dependents) {
        if (!dep.deletingDependents) continue;
        // A possible cycle: make this object's references non-blocking before deleting it in the foreground.
        await this.#unblockOwnerReferences(item, latest);
        break;
      }
      await this.#deleteObject(identity, latest, 'Foreground');
      return false;
    }
    const policy: PropagationPolicy = hasFinalizer(latest, FINALIZER_ORPHAN_DEPENDENTS)
      ? 'Orphan'
      : hasFinalizer(latest, FINALIZER_DELETE_DEPENDENTS)
        ? 'Foreground'
        : 'Background';
    this.#log.debug('Deleting item', { item: identityString(identity), propagationPolicy: policy });
    await this.#deleteObject(identity, latest, policy);
    return false;
  }

  async #processDeletingDependentsItem(item: GraphNode): Promise<void> {
    const blocking = item.blockingDependents();
    if (blocking.length === 0) {
      this.#log.debug('Removing the foregroundDeletion finalizer', { item: identityString(item.identity) });
      await this.#removeFinalizer(item, FINALIZER_DELETE_DEPENDENTS);
      return;
    }
    for (const dep of blocking) {
      // A dependent already on its way out (deletionTimestamp, no foregroundDeletion) would be a no-op in
      // attemptToDelete: it is not queued again each time the owner is looked at.
      if (dep.deletingDependents || dep.beingDeleted) continue;
      this.attemptToDelete.add(dep.identity.uid);
    }
  }

  async #classifyReferences(item: GraphNode, refs: OwnerReference[]): Promise<{ solid: OwnerReference[]; dangling: OwnerReference[]; waiting: OwnerReference[] }> {
    const solid: OwnerReference[] = [];
    const dangling: OwnerReference[] = [];
    const waiting: OwnerReference[] = [];
    for (const ref of refs) {
      const owner = await this.#isDangling(ref, item);
      if (owner === null) {
        dangling.push(ref);
        continue;
      }
      if (owner.metadata.deletionTimestamp && hasFinalizer(owner, FINALIZER_DELETE_DEPENDENTS)) waiting.push(ref);
      else solid.push(ref);
    }
    return { solid, dangling, waiting };
  }

  /** The live owner, or null when the reference dangles (owner absent, or another uid under that name). */
  async #isDangling(ref: OwnerReference, item: GraphNode): Promise<KubeObject | null> {
    const clusterKey: ObjectIdentity = { apiVersion: ref.apiVersion, kind: ref.kind, name: ref.name, uid: ref.uid, namespace: '' };
    if (this.graph.absentOwnerCache.has(clusterKey)) return null;
    const namespacedKey: ObjectIdentity = { ...clusterKey, namespace: item.identity.namespace };
    if (this.graph.absentOwnerCache.has(namespacedKey)) return null;
    const resource = this.#resourceFor(ref.apiVersion, ref.kind);
    if (!item.identity.namespace && resource.namespaced) {
      throw new NamespacedOwnerOfClusterScopedObjectError(`cluster-scoped ${identityString(item.identity)} refers to a namespaced owner ${ref.kind} ${ref.name}`);
    }
    const absentKey = resource.namespaced ? namespacedKey : clusterKey;
    let owner: KubeObject;
    try {
      owner = await this.#getCoalesced(resource, resource.namespaced ? item.identity.namespace : '', ref.name);
    } catch (err) {
      if (isNotFound(err)) {
        this.graph.absentOwnerCache.add(absentKey);
        return null;
      }
      throw err;
    }
    if (owner.metadata.uid !== ref.uid) {
      this.graph.absentOwnerCache.add(absentKey);
      return null;
    }
    return owner;
  }

  async #attemptToOrphanWorker(uid: string): Promise<Outcome> {
    const owner = this.graph.get(uid);
    if (!owner) return 'forget';
    const dependents = [...owner.dependents];
    const results = await Promise.allSettled(dependents.map(async (dep) => {
      try {
        await this.#deleteOwnerRefs(dep, [owner.identity.uid]);
      } catch (err) {
        // A strategic merge patch of a reference that is not there is no error; a gone dependent is fine.
        if (!isNotFound(err)) throw err;
      }
    }));
    const failed = results.filter((r) => r.status === 'rejected');
    if (failed.length > 0) {
      this.#log.warn('Orphaning dependents failed', { owner: identityString(owner.identity), failures: failed.length, err: (failed[0] as PromiseRejectedResult).reason });
      return 'requeue';
    }
    try {
      await this.#removeFinalizer(owner, FINALIZER_ORPHAN_DEPENDENTS);
    } catch (err) {
      this.#log.warn('Removing the orphan finalizer failed', { owner: identityString(owner.identity), err });
      return 'requeue';
    }
    return 'forget';
  }

  // --- server calls -------------------------------------------------------------------------------------------

  #resourceFor(apiVersion: string, kind: string): DiscoveredResource {
    const r = this.#mapping.get(mappingKey(apiVersion, kind));
    if (!r) throw new RestMappingError(`unable to get REST mapping for ${apiVersion}/${kind}`);
    return r;
  }

  #client(r: ResourceDescriptor): ResourceClient {
    return this.#clientset.resource(r);
  }

  /**
   * The item as the monitor's cache has it, when the node was observed and the cache holds that uid. Only the
   * item is read from the cache (its owners are always verified by a live GET): a stale copy cannot cause a
   * wrong delete, as deletes carry its resourceVersion as a precondition and a conflict is re-checked live.
   */
  #cachedObject(item: GraphNode): KubeObject | undefined {
    if (!item.isObserved()) return undefined;
    const r = this.#mapping.get(mappingKey(item.identity.apiVersion, item.identity.kind));
    if (!r) return undefined;
    const m = this.#monitors.get(`${r.group}/${r.version}/${r.resource}`);
    const key = r.namespaced ? `${item.identity.namespace}/${item.identity.name}` : item.identity.name;
    const obj = m?.informer.indexer.getByKey(key);
    return obj?.metadata.uid === item.identity.uid ? obj : undefined;
  }

  async #getObject(id: ObjectIdentity): Promise<KubeObject> {
    const r = this.#resourceFor(id.apiVersion, id.kind);
    return this.#client(r).get(r.namespaced ? id.namespace : '', id.name);
  }

  /** A GET shared by every caller that asks for the same object while it is in flight (read-only result). */
  #getCoalesced(r: DiscoveredResource, namespace: string, name: string): Promise<KubeObject> {
    const key = `${r.group}/${r.resource}/${namespace}/${name}`;
    let p = this.#inflightGets.get(key);
    if (!p) {
      p = this.#client(r).get(namespace, name).finally(() => this.#inflightGets.delete(key));
      this.#inflightGets.set(key, p);
    }
    return p;
  }

  /** DELETE with uid + resourceVersion preconditions; on a conflict where the ownerReferences did not change, again without the resourceVersion. */
  async #deleteObject(id: ObjectIdentity, latest: KubeObject, policy: PropagationPolicy): Promise<void> {
    const r = this.#resourceFor(id.apiVersion, id.kind);
    const client = this.#client(r);
    const namespace = r.namespaced ? id.namespace : '';
    const rv = latest.metadata.resourceVersion;
    try {
      await client.delete(namespace, id.name, { preconditions: { uid: id.uid, ...(rv ? { resourceVersion: rv } : {}) }, propagationPolicy: policy });
    } catch (err) {
      // Gone already (another worker, or its owner's deletion): nothing left to do; the informer removes the node.
      if (isNotFound(err)) return;
      if (!isConflict(err) || !rv) throw err;
      let live: KubeObject;
      try {
        live = await client.get(namespace, id.name);
      } catch (getErr) {
        if (isNotFound(getErr)) return;
        throw err;
      }
      if (live.metadata.uid === id.uid && live.metadata.resourceVersion !== rv
        && JSON.stringify(live.metadata.ownerReferences ?? []) === JSON.stringify(latest.metadata.ownerReferences ?? [])) {
        await client.delete(namespace, id.name, { preconditions: { uid: id.uid }, propagationPolicy: policy });
        return;
      }
      throw err;
    }
  }

  /** Removes the references to `ownerUids` (strategic merge patch with `$patch: delete`, the uid as precondition). */
  async #deleteOwnerRefs(item: GraphNode, ownerUids: string[]): Promise<void> {
    const r = this.#resourceFor(item.identity.apiVersion, item.identity.kind);
    const patch = { metadata: { ownerReferences: ownerUids.map((uid) => ({ $patch: 'delete', uid })), uid: item.identity.uid } };
    try {
      await this.#client(r).patch(r.namespaced ? item.identity.namespace : '', item.identity.name, 'application/strategic-merge-patch+json', patch);
    } catch (err) {
      if (!(err instanceof StatusError) || err.status.code !== 415) throw err;
      // Kinds without strategic merge patch: a JSON merge patch of the remaining list at the resourceVersion read.
      const live = await this.#getObject(item.identity);
      const remaining = (live.metadata.ownerReferences ?? []).filter((ref) => !ownerUids.includes(ref.uid));
      await this.#client(r).patch(r.namespaced ? item.identity.namespace : '', item.identity.name, 'application/merge-patch+json', {
        metadata: { resourceVersion: live.metadata.resourceVersion, ownerReferences: remaining.length > 0 ? remaining : null },
      });
    }
  }

  /** Sets blockOwnerDeletion false on every reference that has it (unblockOwnerReferencesStrategicMergePatch). */
  async #unblockOwnerReferences(item: GraphNode, latest: KubeObject): Promise<void> {
    const r = this.#resourceFor(item.identity.apiVersion, item.identity.kind);
    const refs = (latest.metadata.ownerReferences ?? []).filter((ref) => ref.blockOwnerDeletion).map((ref) => ({ uid: ref.uid, blockOwnerDeletion: false }));
    if (refs.length === 0) return;
    await this.#client(r).patch(r.namespaced ? item.identity.namespace : '', item.identity.name, 'application/strategic-merge-patch+json', {
      metadata: { ownerReferences: refs, uid: item.identity.uid },
    });
  }

  /** Removes one finalizer with a merge patch at the resourceVersion read; retried on conflicts (retry.DefaultBackoff). */
  async #removeFinalizer(owner: GraphNode, finalizer: string): Promise<void> {
    const r = this.#resourceFor(owner.identity.apiVersion, owner.identity.kind);
    const client = this.#client(r);
    const namespace = r.namespaced ? owner.identity.namespace : '';
    let delayMs = 10;
    for (let attempt = 0; ; attempt++) {
      let obj: KubeObject;
      try {
        obj = await client.get(namespace, owner.identity.name);
      } catch (err) {
        if (isNotFound(err)) return;
        throw err;
      }
      const finalizers = obj.metadata.finalizers ?? [];
      if (!finalizers.includes(finalizer)) return;
      const next = finalizers.filter((f) => f !== finalizer);
      try {
        await client.patch(namespace, owner.identity.name, 'application/merge-patch+json', {
          metadata: { resourceVersion: obj.metadata.resourceVersion, finalizers: next.length > 0 ? next : null },
        });
        return;
      } catch (err) {
        if (isNotFound(err)) return;
        if (!isConflict(err) || attempt >= 3) throw err;
        await this.#clock.sleep(delayMs);
        delayMs *= 5;
      }
    }
  }
}

function hasFinalizer(obj: KubeObject, f: string): boolean {
  return (obj.metadata.finalizers ?? []).includes(f);
}

function apiVersionOf(r: { group: string; version: string }): string {
  return r.group ? `${r.group}/${r.version}` : r.version;
}

function mappingKey(apiVersion: string, kind: string): string {
  return `${apiVersion}|${kind}`;
}
