import type { KubeObject } from '../../shared/api/meta.ts';

/**
 * The one storage interface every backend implements (embedded SQLite, etcd3, and the Cacher decorator).
 * Modelled on k8s.io/apiserver/pkg/storage/interfaces.go.
 *
 * Keys are strings like `/pods/default/web`; a list/watch `prefix` ends with `/` (e.g. `/pods/default/`).
 * Backends add their own root prefix (`/registry` for etcd) internally.
 *
 * Revisions: one cluster-wide, monotonic integer per backend. Every write gets a new revision; an object's
 * `metadata.resourceVersion` is the revision of its last modification, rendered as a decimal string. Backends do
 * NOT persist resourceVersion inside the stored bytes: they strip it on write and set it on read.
 *
 * Objects handed in are never mutated by the backend; objects handed out are fresh copies the caller owns
 * (the Cacher documents where it deviates: it hands out shared, frozen-by-convention objects to the read path).
 */
export interface Storage {
  /** Returns the object with resourceVersion set. Throws StorageError('KeyNotFound') when absent. */
  get(key: string): Promise<KubeObject>;

  /**
   * Lists objects under prefix, in key order.
   * - `revision` 0: the latest state. N > 0: the state exactly at revision N (Expired if compacted,
   *   TooLargeResourceVersion if N is in the future).
   * - `limit` > 0 returns at most limit items plus `continueKey` (the key of the last item returned) and
   *   `remainingItemCount` when more exist; pass `continueKey` as `startKey` together with the returned `revision`
   *   to get the next page of the same snapshot (writes made in between do not show up in it).
   * - `startKey`: when set, only keys strictly greater than it are returned.
   * - `predicate`: when set, only matching objects count towards limit (the backend keeps reading pages until
   *   it has `limit` matches or runs out).
   */
  list(prefix: string, opts?: ListOptions): Promise<ListResult>;

  /**
   * Creates obj at key if absent (create-if-absent transaction). Returns the stored object with resourceVersion.
   * Throws StorageError('KeyExists'). obj is left untouched, but the result may share nested values with it: the
   * caller hands obj over and must not mutate it afterwards (the same holds for what tryUpdate returns).
   */
  create(key: string, obj: KubeObject): Promise<KubeObject>;

  /**
   * The one compare-and-swap loop. Reads the current object (or `opts.cachedExisting` as a first guess), calls
   * `tryUpdate(current)` and writes the result only if the key's mod revision is unchanged; on a lost race it
   * re-reads and calls tryUpdate again. tryUpdate may throw to abort (the error propagates unchanged).
   * - If tryUpdate returns an object deep-equal to current (ignoring resourceVersion), nothing is written and the
   *   current object is returned with its old resourceVersion (no-op writes are skipped).
   * - `ignoreNotFound`: when the key is absent tryUpdate receives `null` (so it can create); otherwise absent ->
   *   KeyNotFound.
   * - `preconditions` are checked against the current object before tryUpdate (Conflict on mismatch).
   */
  guaranteedUpdate(key: string, tryUpdate: TryUpdate, opts?: UpdateOptions): Promise<KubeObject>;

  /**
   * Deletes key, returning the last state of the object with resourceVersion = the delete's revision.
   * `preconditions` and `validateDeletion(current)` (may throw) are checked against the current object inside the
   * same CAS loop. Throws KeyNotFound.
   */
  delete(key: string, opts?: DeleteOptions): Promise<KubeObject>;

  /**
   * Watches every key under prefix (or exactly `key` when it does not end with '/') for changes with revision
   * strictly greater than `opts.revision`. revision 0 = from now (no history, no synthetic events: the Cacher
   * adds those); for a remote backend "now" is when the server registers the watch, shortly after the call, so
   * callers that must not miss a write pass an explicit revision. The iterator throws StorageError('Expired') if
   * `opts.revision` is below the compacted revision. It ends (done) when `opts.signal` aborts or the consumer
   * calls return() (for-await break). Events arrive in revision order; each change appears exactly once.
   * A watch may also end with StorageError('Unavailable'): the backend failed, the store was closed, or the
   * consumer fell too far behind (the embedded store drops a watcher with more than `watchBufferLimit` events
   * waiting, so an idle consumer cannot grow memory without bound). Re-watch from the last revision processed,
   * or re-list.
   */
  watch(prefixOrKey: string, opts: WatchOptions): AsyncIterable<StorageEvent>;

  /** The latest revision of the whole store. */
  currentRevision(): Promise<number>;

  /**
   * Discards history before `revision` (etcd semantics): afterwards list at a revision < `revision` and watch from a
   * revision < `revision` throw Expired, while the state at `revision` itself stays listable and watch from
   * `revision` still replays every later event. Compacting at or below an earlier compaction is a no-op; above the
   * current revision throws TooLargeResourceVersion.
   */
  compact(revision: number): Promise<void>;

  /** Counts objects under prefix (for metrics/remainingItemCount). */
  count(prefix: string): Promise<number>;

  /** Releases the backend; open watches end with StorageError('Unavailable'), later calls throw it. */
  close(): Promise<void>;
}

export type TryUpdate = (current: KubeObject | null) => KubeObject | Promise<KubeObject>;

export interface Preconditions {
  uid?: string;
  resourceVersion?: string;
}

export interface ListOptions {
  revision?: number;
  limit?: number;
  startKey?: string;
  predicate?: (obj: KubeObject) => boolean;
}

/** An object together with its JSON encoding (a watch cache's form; see cacher/cached-object.ts). */
export interface EncodedObject {
  /** The object's JSON, with its resourceVersion: what a JSON response writes for it. */
  readonly text: string;
  /** The text's length in UTF-8 bytes. */
  readonly byteLength: number;
  /** The parsed object: shared and read-only. */
  readonly object: KubeObject;
  /** The object's protobuf message as Latin-1 text, made by `encode` once and kept (the watch cache's objects). */
  protobuf?(encode: (obj: KubeObject) => Buffer): string;
}

export interface ListResult {
  items: KubeObject[];
  /** When the source keeps objects encoded (the watch cache): the same items with their JSON, in order. */
  values?: readonly EncodedObject[];
  /** The revision of the snapshot the list was read at (>= every item's resourceVersion). */
  revision: number;
  /** Set when more matching items may follow: pass it as startKey with revision for the next page. */
  continueKey?: string;
  /** Items left after this page (an estimate when a predicate is set; omitted then). */
  remainingItemCount?: number;
}

export interface UpdateOptions {
  preconditions?: Preconditions;
  ignoreNotFound?: boolean;
  /** A guess of the current object (the watch cache's): read only, possibly shared; a storage may ignore it. */
  cachedExisting?: KubeObject;
}

export interface DeleteOptions {
  preconditions?: Preconditions;
  validateDeletion?: (current: KubeObject) => void | Promise<void>;
  cachedExisting?: KubeObject;
}

export interface WatchOptions {
  revision: number;
  signal: AbortSignal;
  /** Optional server-side filter; events for non-matching objects are still delivered when prevObject matched. */
}

export interface StorageEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  key: string;
  /** ADDED/MODIFIED: the new state. DELETED: the last state, with resourceVersion = the delete revision. */
  object: KubeObject;
  /** MODIFIED/DELETED: the state before this event, when the backend knows it. */
  prevObject?: KubeObject;
  revision: number;
}
