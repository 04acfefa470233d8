/**
 * An in-memory API server for unit tests (the role of client-go's testing.ObjectTracker, with the semantics
 * of the real one where controllers depend on them):
 *
 * - One global resourceVersion counter, bumped by every write (like etcd's revision); lists carry it.
 * - create: AlreadyExists, generateName, uid, creationTimestamp, generation 1 for kinds that track it
 *   (shared/api/generation.ts); update: NotFound, Conflict on a stale resourceVersion, no-op writes do not
 *   bump the resourceVersion, generation bumps on spec changes of those kinds, the status subresource is split from the main resource for resources that have one.
 * - delete: preconditions, finalizers (deletionTimestamp, then removal once the last finalizer goes), graceful
 *   pod deletion (a scheduled, non-terminal pod gets deletionTimestamp + deletionGracePeriodSeconds; a second
 *   delete with gracePeriodSeconds=0 removes it).
 * - pods/binding: NotFound, Conflict if already bound or being deleted, sets spec.nodeName and PodScheduled.
 * - patch: JSON patch, merge patch, approximate strategic merge patch (see patch.ts); apply is refused.
 * - list: namespace and selector filtering (through the injected SelectorMatcher), limit/continue paging.
 * - watch: from '' / '0' (synthetic ADDED for the current state) or from a resourceVersion (replayed from a
 *   bounded event history; older than the history -> ERROR event with a 410 Expired Status, then the stream
 *   ends); objects moving in or out of a selector become ADDED / DELETED; bookmarks on request.
 *
 * Not modelled: garbage collection by ownerReferences (propagationPolicy only sets the orphan / foregroundDeletion
 * finalizers), admission,
 * validation, defaulting beyond kind/apiVersion, server-side apply, consistent snapshots for continue tokens
 * (a continuation page reads the current state after the last key).
 *
 * Everything handed out is a deep copy: callers may mutate what they get.
 */
import { randomUUID } from 'node:crypto';
import type { KubeList, KubeObject, ObjectMeta, Status, WatchEvent, WatchEventType } from '../../api/meta.ts';
import { deepCopy } from '../../api/meta.ts';
import { tracksGeneration } from '../../api/generation.ts';
import { stableStringify } from '../../util/stable-json.ts';
import {
  fieldRequired,
  newAlreadyExists,
  newBadRequest,
  newConflict,
  newInternalError,
  newInvalid,
  newNotFound,
  newResourceExpired,
  newStatus,
  OBJECT_MODIFIED,
  StatusError,
} from '../../errors/status-error.ts';
import { realClock, type Clock } from '../../util/clock.ts';
import { apiVersionOf, qualifiedResource, type DeleteOptions, type ListOptions, type PatchType, type ResourceDescriptor, type WatchOptions } from '../interfaces.ts';
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch } from './patch.ts';
import { equalitySelectorMatcher, type SelectorMatcher, type Selectors } from './selector-matcher.ts';

export interface ObjectTrackerOptions {
  /** Time for creationTimestamp / deletionTimestamp. @default realClock */
  clock?: Clock;
  /** Decides label/field selector matches. @default equalitySelectorMatcher */
  matcher?: SelectorMatcher;
  /** Which resources have a status subresource. @default the built-in list (pods, nodes, namespaces, ...) */
  hasStatusSubresource?: (d: ResourceDescriptor) => boolean;
  /** Events kept per resource for watch-from-resourceVersion. @default 10000 */
  historyLimit?: number;
}

const STATUS_RESOURCES = new Set([
  'pods', 'nodes', 'namespaces', 'services', 'persistentvolumes', 'persistentvolumeclaims', 'replicationcontrollers',
  'deployments', 'replicasets', 'statefulsets', 'daemonsets', 'jobs', 'cronjobs', 'horizontalpodautoscalers',
  'poddisruptionbudgets', 'customresourcedefinitions', 'apiservices', 'certificatesigningrequests',
]);

type ChangeType = Exclude<WatchEventType, 'BOOKMARK' | 'ERROR'>;

interface HistoryEntry {
  rv: number;
  type: ChangeType;
  /** State after the change (for DELETED: the last state, with the deletion's resourceVersion). */
  obj: KubeObject;
  /** State before the change (MODIFIED and DELETED). */
  prev: KubeObject | undefined;
}

/** An unbounded event channel: the producer never blocks; the consumer iterates. */
class WatchChannel implements AsyncIterable<WatchEvent> {
  #buf: WatchEvent[] = [];
  #waiter: ((r: IteratorResult<WatchEvent>) => void) | undefined;
  #ended = false;
  readonly #onClose: () => void;

  constructor(onClose: () => void) {
    this.#onClose = onClose;
  }

  get ended(): boolean {
    return this.#ended;
  }

  push(ev: WatchEvent): void {
    if (this.#ended) return;
    const w = this.#waiter;
    if (w) {
      this.#waiter = undefined;
      w({ value: ev, done: false });
    } else {
      this.#buf.push(ev);
    }
  }

  /** Server-side close: what was sent is still delivered, then the iteration ends. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#onClose();
    const w = this.#waiter;
    this.#waiter = undefined;
    w?.({ value: undefined, done: true });
  }

  /** Client-side close: drop what is buffered and end now. */
  abort(): void {
    this.#buf = [];
    this.end();
  }

  [Symbol.asyncIterator](): AsyncIterator<WatchEvent> {
    return {
      next: () => {
        const ev = this.#buf.shift();
        if (ev) return Promise.resolve({ value: ev, done: false });
        if (this.#ended) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => { this.#waiter = resolve; });
      },
      return: () => {
        this.abort();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}

interface Watcher {
  namespace: string;
  selectors: Selectors;
  bookmarks: boolean;
  channel: WatchChannel;
}

class ResourceState {
  readonly descriptor: ResourceDescriptor;
  readonly objects = new Map<string, KubeObject>();
  history: HistoryEntry[] = [];
  /** Events with rv <= floor may be missing from history. */
  floor = 0;
  readonly watchers = new Set<Watcher>();
  constructor(descriptor: ResourceDescriptor) {
    this.descriptor = descriptor;
  }
}

interface ContinueToken {
  rv: number;
  start: string;
}

const GENERATE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

export function objectKey(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

export class ObjectTracker {
  readonly #clock: Clock;
  readonly #matcher: SelectorMatcher;
  readonly #hasStatus: (d: ResourceDescriptor) => boolean;
  readonly #historyLimit: number;
  readonly #resources = new Map<string, ResourceState>();
  #rv = 0;

  constructor(options: ObjectTrackerOptions = {}) {
    this.#clock = options.clock ?? realClock;
    this.#matcher = options.matcher ?? equalitySelectorMatcher;
    this.#hasStatus = options.hasStatusSubresource ?? ((d) => STATUS_RESOURCES.has(d.resource));
    this.#historyLimit = options.historyLimit ?? 10_000;
  }

  /** The latest resourceVersion handed out. */
  get resourceVersion(): number {
    return this.#rv;
  }

  /**
   * Seeds an object (same rules as create, but an existing object is replaced and a uid given is kept, so
   * fixtures can refer to it, e.g. in ownerReferences). Emits a watch event.
   */
  add(d: ResourceDescriptor, obj: KubeObject): KubeObject {
    const ns = d.namespaced ? obj.metadata?.namespace ?? '' : '';
    const existing = obj.metadata?.name ? this.#state(d).objects.get(objectKey(ns, obj.metadata.name)) : undefined;
    if (existing) {
      const copy = deepCopy(obj);
      copy.metadata = { ...copy.metadata, resourceVersion: existing.metadata.resourceVersion ?? '' };
      if (!copy.metadata.uid && existing.metadata.uid) copy.metadata.uid = existing.metadata.uid;
      return this.update(d, copy);
    }
    const copy = deepCopy(obj);
    if (copy.metadata) delete copy.metadata.resourceVersion;
    return this.create(d, copy, { keepUid: true });
  }

  get(d: ResourceDescriptor, namespace: string, name: string): KubeObject {
    const obj = this.#state(d).objects.get(objectKey(d.namespaced ? namespace : '', name));
    if (!obj) throw newNotFound(qualifiedResource(d), name);
    return deepCopy(obj);
  }

  list(d: ResourceDescriptor, namespace: string, options: ListOptions = {}): KubeList {
    const st = this.#state(d);
    let listRv = this.#rv;
    let start = '';
    if (options.continue) {
      const token = decodeContinue(options.continue);
      if (token.rv < st.floor) {
        throw newResourceExpired('The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.');
      }
      listRv = token.rv;
      start = token.start;
    }
    const selectors = selectorsOf(options);
    const keys = [...st.objects.keys()].sort();
    const items: KubeObject[] = [];
    let cont = '';
    let remaining = 0;
    for (const key of keys) {
      if (start && key <= start) continue;
      const obj = st.objects.get(key) as KubeObject;
      if (!this.#matches(d, obj, namespace, selectors)) continue;
      if (options.limit && options.limit > 0 && items.length >= options.limit) {
        remaining++;
        continue;
      }
      items.push(deepCopy(obj));
    }
    if (remaining > 0) {
      const last = items[items.length - 1];
      cont = encodeContinue({ rv: listRv, start: objectKey(last?.metadata.namespace, last?.metadata.name ?? '') });
    }
    const metadata: KubeList['metadata'] = { resourceVersion: String(listRv) };
    if (cont) {
      metadata.continue = cont;
      metadata.remainingItemCount = remaining;
    }
    return { kind: d.kind ? `${d.kind}List` : 'List', apiVersion: apiVersionOf(d), metadata, items };
  }

  /**
   * Starts a watch. The watcher is registered at once (events from now on are not missed even if iteration
   * starts later). Abort `options.signal` or stop iterating to end it.
   */
  watch(d: ResourceDescriptor, namespace: string, options: WatchOptions = {}): AsyncIterable<WatchEvent> {
    const st = this.#state(d);
    const rvText = options.resourceVersion ?? '';
    let fromRv: number | undefined;
    if (rvText !== '' && rvText !== '0') {
      fromRv = Number(rvText);
      if (!Number.isSafeInteger(fromRv) || fromRv < 0) {
        const err = newBadRequest(`invalid resource version: ${JSON.stringify(rvText)}`);
        return { [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(err) }) };
      }
    }
    const watcher: Watcher = {
      namespace: d.namespaced ? namespace : '',
      selectors: selectorsOf(options),
      bookmarks: options.allowWatchBookmarks === true,
      channel: new WatchChannel(() => { st.watchers.delete(watcher); }),
    };
    const signal = options.signal;
    if (signal?.aborted) {
      watcher.channel.abort();
      return watcher.channel;
    }
    signal?.addEventListener('abort', () => watcher.channel.abort(), { once: true });

    if (fromRv === undefined) {
      for (const key of [...st.objects.keys()].sort()) {
        const obj = st.objects.get(key) as KubeObject;
        if (this.#matches(d, obj, watcher.namespace, watcher.selectors)) watcher.channel.push({ type: 'ADDED', object: deepCopy(obj) });
      }
      if (options.sendInitialEvents && watcher.bookmarks) {
        watcher.channel.push({ type: 'BOOKMARK', object: this.#bookmarkObject(d, { 'k8s.io/initial-events-end': 'true' }) });
      }
    } else {
      if (fromRv < st.floor) {
        const status: Status = newStatus(410, 'Expired', `too old resource version: ${fromRv} (${st.floor + 1})`);
        watcher.channel.push({ type: 'ERROR', object: status });
        watcher.channel.end();
        return watcher.channel;
      }
      for (const entry of st.history) {
        if (entry.rv > fromRv) this.#deliver(d, watcher, entry);
      }
    }
    st.watchers.add(watcher);
    return watcher.channel;
  }

  create(d: ResourceDescriptor, obj: KubeObject, options: { dryRun?: boolean; keepUid?: boolean } = {}): KubeObject {
    const st = this.#state(d);
    const o = deepCopy(obj);
    const meta: ObjectMeta = (o.metadata ??= {});
    if (d.namespaced) {
      if (!meta.namespace) throw newBadRequest('the namespace of the object must be set to create a namespaced resource');
    } else {
      delete meta.namespace;
    }
    if (!meta.name && meta.generateName) meta.name = this.#generateName(st, meta.namespace, meta.generateName);
    if (!meta.name) throw newInvalid(d.kind ?? d.resource, '', [fieldRequired('metadata.name', 'name or generateName is required')]);
    if (meta.resourceVersion) throw newInternalError('resourceVersion should not be set on objects to be created');
    const key = objectKey(meta.namespace, meta.name);
    if (st.objects.has(key)) throw newAlreadyExists(qualifiedResource(d), meta.name);
    this.#defaultTypeMeta(d, o);
    if (!options.keepUid || !meta.uid) meta.uid = randomUUID();
    meta.creationTimestamp = this.#timestamp();
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    // Only kinds that track generation get one (kube 1.32: deployments, jobs, ...; not pods, nodes, services).
    if (tracksGeneration(d.group, d.resource)) meta.generation = 1;
    if (options.dryRun) return deepCopy(o);
    this.#commit(d, 'ADDED', o, undefined);
    return deepCopy(o);
  }

  /** PUT; with subresource 'status' only the status changes. */
  update(d: ResourceDescriptor, obj: KubeObject, options: { subresource?: string; dryRun?: boolean } = {}): KubeObject {
    const st = this.#state(d);
    const name = obj.metadata?.name ?? '';
    const ns = d.namespaced ? obj.metadata?.namespace ?? '' : '';
    if (!name) throw newInvalid(d.kind ?? d.resource, '', [fieldRequired('metadata.name', '')]);
    const cur = st.objects.get(objectKey(ns, name));
    if (!cur) throw newNotFound(qualifiedResource(d), name);
    const rv = obj.metadata?.resourceVersion;
    if (rv && rv !== cur.metadata.resourceVersion) throw newConflict(qualifiedResource(d), name, OBJECT_MODIFIED);
    if (obj.metadata?.uid && obj.metadata.uid !== cur.metadata.uid) {
      throw newConflict(qualifiedResource(d), name, `Precondition failed: UID in precondition: ${obj.metadata.uid}, UID in object meta: ${cur.metadata.uid ?? ''}`);
    }
    let next: KubeObject;
    if (options.subresource === 'status') {
      next = deepCopy(cur);
      if (obj['status'] === undefined) delete next['status'];
      else next['status'] = deepCopy(obj['status']);
    } else if (options.subresource) {
      throw newNotFound(`${qualifiedResource(d)}/${options.subresource}`, name);
    } else {
      next = deepCopy(obj);
      const m = next.metadata;
      m.name = name;
      if (d.namespaced) m.namespace = ns;
      else delete m.namespace;
      if (cur.metadata.uid) m.uid = cur.metadata.uid;
      else delete m.uid;
      if (cur.metadata.creationTimestamp !== undefined) m.creationTimestamp = cur.metadata.creationTimestamp;
      if (cur.metadata.deletionTimestamp) m.deletionTimestamp = cur.metadata.deletionTimestamp;
      else delete m.deletionTimestamp;
      if (cur.metadata.deletionGracePeriodSeconds !== undefined) m.deletionGracePeriodSeconds = cur.metadata.deletionGracePeriodSeconds;
      else delete m.deletionGracePeriodSeconds;
      if (this.#hasStatus(d)) {
        if (cur['status'] === undefined) delete next['status'];
        else next['status'] = deepCopy(cur['status']);
      }
      if (cur.metadata.generation !== undefined) m.generation = cur.metadata.generation;
      else delete m.generation;
      if (tracksGeneration(d.group, d.resource) && stableStringify(specOf(next)) !== stableStringify(specOf(cur))) m.generation = (cur.metadata.generation ?? 0) + 1;
    }
    this.#defaultTypeMeta(d, next);
    next.metadata.resourceVersion = cur.metadata.resourceVersion ?? '';
    if (stableStringify(next) === stableStringify(cur)) return deepCopy(cur); // no-op: no new resourceVersion
    if (options.dryRun) return deepCopy(next);
    const m = next.metadata;
    if (m.deletionTimestamp && (m.finalizers ?? []).length === 0 && (m.deletionGracePeriodSeconds ?? 0) === 0) {
      this.#commit(d, 'DELETED', next, cur);
      return deepCopy(next);
    }
    this.#commit(d, 'MODIFIED', next, cur);
    return deepCopy(next);
  }

  patch(
    d: ResourceDescriptor,
    namespace: string,
    name: string,
    patchType: PatchType,
    patch: unknown,
    options: { subresource?: string; dryRun?: boolean } = {},
  ): KubeObject {
    const cur = this.get(d, namespace, name);
    let body: unknown = patch;
    if (typeof patch === 'string' || Buffer.isBuffer(patch)) {
      try {
        body = JSON.parse(patch.toString());
      } catch (err) {
        throw newBadRequest(`error decoding patch: ${(err as Error).message}`);
      }
    }
    let patched: unknown;
    switch (patchType) {
      case 'application/json-patch+json':
        patched = applyJsonPatch(cur, body);
        break;
      case 'application/merge-patch+json':
        patched = applyMergePatch(cur, body);
        break;
      case 'application/strategic-merge-patch+json':
        patched = applyStrategicMergePatch(cur, body);
        break;
      case 'application/apply-patch+yaml':
        throw new StatusError(newStatus(415, 'UnsupportedMediaType', 'the fake client does not implement server-side apply (application/apply-patch+yaml)'));
      default:
        throw new StatusError(newStatus(415, 'UnsupportedMediaType', `the body of the request was in an unknown format (got ${String(patchType)})`));
    }
    if (typeof patched !== 'object' || patched === null || Array.isArray(patched)) throw newBadRequest('the patch result is not an object');
    const next = patched as KubeObject;
    next.metadata = { ...(next.metadata ?? {}) };
    const rv = next.metadata.resourceVersion;
    if (rv && rv !== cur.metadata.resourceVersion) throw newConflict(qualifiedResource(d), name, OBJECT_MODIFIED);
    next.metadata.name = name;
    if (d.namespaced) next.metadata.namespace = namespace;
    next.metadata.resourceVersion = cur.metadata.resourceVersion ?? '';
    return this.update(d, next, options);
  }

  delete(d: ResourceDescriptor, namespace: string, name: string, options: Omit<DeleteOptions, 'signal'> = {}): KubeObject {
    const st = this.#state(d);
    const ns = d.namespaced ? namespace : '';
    const cur = st.objects.get(objectKey(ns, name));
    if (!cur) throw newNotFound(qualifiedResource(d), name);
    const pre = options.preconditions;
    if (pre?.uid && pre.uid !== cur.metadata.uid) {
      throw newConflict(qualifiedResource(d), name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${cur.metadata.uid ?? ''}`);
    }
    if (pre?.resourceVersion && pre.resourceVersion !== cur.metadata.resourceVersion) {
      throw newConflict(qualifiedResource(d), name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${cur.metadata.resourceVersion ?? ''}`);
    }
    const grace = this.#gracePeriod(d, cur, options.gracePeriodSeconds);
    // propagationPolicy sets the garbage collector's finalizers as the API server does (Background clears them).
    let finalizers = cur.metadata.finalizers ?? [];
    if (options.propagationPolicy) {
      finalizers = finalizers.filter((f) => f !== 'orphan' && f !== 'foregroundDeletion');
      if (options.propagationPolicy === 'Orphan') finalizers.push('orphan');
      if (options.propagationPolicy === 'Foreground') finalizers.push('foregroundDeletion');
    }
    if (grace > 0 || finalizers.length > 0) {
      // Graceful (pods) or blocked by finalizers: mark the object; it goes when both are satisfied.
      const now = this.#clock.now();
      const next = deepCopy(cur);
      const m = next.metadata;
      if (options.propagationPolicy) {
        if (finalizers.length > 0) m.finalizers = finalizers;
        else delete m.finalizers;
      }
      if (!m.deletionTimestamp || (m.deletionGracePeriodSeconds !== undefined && grace < m.deletionGracePeriodSeconds)) {
        m.deletionTimestamp = this.#timestamp(now + grace * 1000);
        m.deletionGracePeriodSeconds = grace;
      }
      if (stableStringify(next) === stableStringify(cur)) return deepCopy(cur);
      if (options.dryRun) return deepCopy(next);
      this.#commit(d, 'MODIFIED', next, cur);
      return deepCopy(next);
    }
    const last = deepCopy(cur);
    if (options.dryRun) return last;
    this.#commit(d, 'DELETED', last, cur);
    return deepCopy(last);
  }

  /** pods/{name}/binding. */
  bind(d: ResourceDescriptor, namespace: string, name: string, binding: KubeObject, options: { dryRun?: boolean } = {}): Status {
    const st = this.#state(d);
    const cur = st.objects.get(objectKey(namespace, name));
    if (!cur) throw newNotFound(qualifiedResource(d), name);
    const target = (binding['target'] as { name?: string } | undefined)?.name;
    if (!target) throw newInvalid('Binding', name, [fieldRequired('target.name', '')]);
    const qr = qualifiedResource(d);
    if (binding.metadata?.uid && binding.metadata.uid !== cur.metadata.uid) {
      throw newConflict(qr, name, `Precondition failed: UID in precondition: ${binding.metadata.uid}, UID in object meta: ${cur.metadata.uid ?? ''}`);
    }
    if (cur.metadata.deletionTimestamp) throw newConflict(qr, name, `pod ${name} is being deleted, cannot be assigned to a host`);
    const spec = (cur['spec'] ?? {}) as { nodeName?: string };
    if (spec.nodeName) throw newConflict(qr, name, `pod ${name} is already assigned to node "${spec.nodeName}"`);
    const next = deepCopy(cur);
    next['spec'] = { ...((next['spec'] ?? {}) as object), nodeName: target };
    if (binding.metadata?.annotations) next.metadata.annotations = { ...next.metadata.annotations, ...binding.metadata.annotations };
    const status = { ...((next['status'] ?? {}) as { conditions?: { type: string; status: string; lastTransitionTime?: string }[] }) };
    const conditions = [...(status.conditions ?? [])];
    const idx = conditions.findIndex((c) => c.type === 'PodScheduled');
    const scheduled = { type: 'PodScheduled', status: 'True', lastTransitionTime: this.#timestamp() };
    if (idx < 0) conditions.push(scheduled);
    else if (conditions[idx]?.status !== 'True') conditions[idx] = { ...conditions[idx], ...scheduled };
    status.conditions = conditions;
    next['status'] = status;
    if (!options.dryRun) this.#commit(d, 'MODIFIED', next, cur);
    return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 };
  }

  /** Sends a BOOKMARK with the current resourceVersion to every watcher (of d, or of all resources) that allowed bookmarks. */
  sendBookmark(d?: ResourceDescriptor): void {
    for (const [id, st] of this.#resources) {
      if (d && id !== resourceId(d)) continue;
      for (const w of st.watchers) {
        if (w.bookmarks) w.channel.push({ type: 'BOOKMARK', object: this.#bookmarkObject(st.descriptor) });
      }
    }
  }

  /**
   * Forgets the event history up to `rv` (default: everything so far), as etcd compaction does: watches from
   * an older resourceVersion, and continue tokens issued before it, then fail with 410 Expired.
   */
  compact(rv: number = this.#rv): void {
    for (const st of this.#resources.values()) {
      st.history = st.history.filter((e) => e.rv > rv);
      st.floor = Math.max(st.floor, rv);
    }
  }

  /** Ends every open watch (of d, or of all resources), as a server timeout would. */
  closeWatches(d?: ResourceDescriptor): void {
    for (const [id, st] of this.#resources) {
      if (d && id !== resourceId(d)) continue;
      for (const w of [...st.watchers]) w.channel.end();
    }
  }

  /** Open watches of d (or of all resources). */
  watcherCount(d?: ResourceDescriptor): number {
    let n = 0;
    for (const [id, st] of this.#resources) if (!d || id === resourceId(d)) n += st.watchers.size;
    return n;
  }

  #state(d: ResourceDescriptor): ResourceState {
    const id = resourceId(d);
    let st = this.#resources.get(id);
    if (!st) {
      st = new ResourceState(d);
      // A resource first seen now has no history before the current revision.
      st.floor = this.#rv;
      this.#resources.set(id, st);
    }
    return st;
  }

  #commit(d: ResourceDescriptor, type: ChangeType, obj: KubeObject, prev: KubeObject | undefined): void {
    const st = this.#state(d);
    const rv = ++this.#rv;
    obj.metadata.resourceVersion = String(rv);
    const key = objectKey(obj.metadata.namespace, obj.metadata.name ?? '');
    if (type === 'DELETED') st.objects.delete(key);
    else st.objects.set(key, obj);
    const entry: HistoryEntry = { rv, type, obj, prev };
    st.history.push(entry);
    if (st.history.length > this.#historyLimit) {
      const dropped = st.history.splice(0, st.history.length - this.#historyLimit);
      st.floor = Math.max(st.floor, dropped[dropped.length - 1]?.rv ?? st.floor);
    }
    for (const w of st.watchers) this.#deliver(d, w, entry);
  }

  #deliver(d: ResourceDescriptor, w: Watcher, e: HistoryEntry): void {
    const now = this.#matches(d, e.obj, w.namespace, w.selectors);
    const before = e.prev !== undefined && this.#matches(d, e.prev, w.namespace, w.selectors);
    switch (e.type) {
      case 'ADDED':
        if (now) w.channel.push({ type: 'ADDED', object: deepCopy(e.obj) });
        break;
      case 'MODIFIED':
        if (now && before) w.channel.push({ type: 'MODIFIED', object: deepCopy(e.obj) });
        else if (now) w.channel.push({ type: 'ADDED', object: deepCopy(e.obj) });
        else if (before && e.prev) {
          // Left the selection: the previous content, with this change's resourceVersion (as the cacher does).
          const gone = deepCopy(e.prev);
          gone.metadata.resourceVersion = String(e.rv);
          w.channel.push({ type: 'DELETED', object: gone });
        }
        break;
      case 'DELETED':
        if (now || before) w.channel.push({ type: 'DELETED', object: deepCopy(e.obj) });
        break;
    }
  }

  #matches(d: ResourceDescriptor, obj: KubeObject, namespace: string, selectors: Selectors): boolean {
    if (d.namespaced && namespace && obj.metadata.namespace !== namespace) return false;
    if (!selectors.labelSelector && !selectors.fieldSelector) return true;
    return this.#matcher(obj, selectors);
  }

  #gracePeriod(d: ResourceDescriptor, obj: KubeObject, requested: number | undefined): number {
    if (d.group !== '' || d.resource !== 'pods') return 0;
    const spec = (obj['spec'] ?? {}) as { nodeName?: string; terminationGracePeriodSeconds?: number };
    const phase = ((obj['status'] ?? {}) as { phase?: string }).phase;
    // Unscheduled and terminal pods go at once (pod strategy CheckGracefulDelete).
    if (!spec.nodeName || phase === 'Succeeded' || phase === 'Failed') return 0;
    const g = requested ?? spec.terminationGracePeriodSeconds ?? 30;
    return Math.max(0, g);
  }

  #generateName(st: ResourceState, namespace: string | undefined, prefix: string): string {
    for (let i = 0; i < 100; i++) {
      let suffix = '';
      for (let j = 0; j < 5; j++) suffix += GENERATE_ALPHABET[Math.floor(Math.random() * GENERATE_ALPHABET.length)];
      const name = `${prefix}${suffix}`;
      if (!st.objects.has(objectKey(namespace, name))) return name;
    }
    throw newInternalError('could not generate a unique name');
  }

  #defaultTypeMeta(d: ResourceDescriptor, o: KubeObject): void {
    if (!o.apiVersion) o.apiVersion = apiVersionOf(d);
    if (!o.kind && d.kind) o.kind = d.kind;
  }

  #bookmarkObject(d: ResourceDescriptor, annotations?: Record<string, string>): KubeObject {
    const metadata: ObjectMeta = { resourceVersion: String(this.#rv) };
    if (annotations) metadata.annotations = annotations;
    const o: KubeObject = { apiVersion: apiVersionOf(d), metadata };
    if (d.kind) o.kind = d.kind;
    return o;
  }

  #timestamp(ms: number = this.#clock.now()): string {
    return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }
}

function resourceId(d: ResourceDescriptor): string {
  return `${d.group}/${d.resource}`;
}

function selectorsOf(o: { labelSelector?: string; fieldSelector?: string }): Selectors {
  const s: Selectors = {};
  if (o.labelSelector) s.labelSelector = o.labelSelector;
  if (o.fieldSelector) s.fieldSelector = o.fieldSelector;
  return s;
}

/** Everything but metadata and status: what a generation bump tracks. */
function specOf(o: KubeObject): Record<string, unknown> {
  const { metadata: _m, status: _s, kind: _k, apiVersion: _a, ...rest } = o;
  return rest;
}

function encodeContinue(t: ContinueToken): string {
  return Buffer.from(JSON.stringify(t)).toString('base64url');
}

function decodeContinue(s: string): ContinueToken {
  try {
    const t = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as Partial<ContinueToken>;
    if (typeof t.rv === 'number' && typeof t.start === 'string') return { rv: t.rv, start: t.start };
  } catch {
    // fall through
  }
  throw newBadRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
}
