/**
 * The client interface every control loop programs against. The HTTP client (`RestClient`) and the in-memory
 * fake (`FakeClient`) are peers behind it, so controllers are unit-tested against the fake and run against
 * the apiserver unchanged.
 *
 * Conventions:
 * - Every verb that names an object takes `(namespace, name)`. Cluster-scoped resources pass `''` as the
 *   namespace, exactly like cache keys (`ns/name`, or `name` alone for cluster-scoped objects), so a
 *   controller can go from a queue key to a client call without knowing the scope.
 * - `list` and `watch` with namespace `''` cover all namespaces.
 * - `create`, `update` and `updateStatus` take the namespace from `obj.metadata.namespace`.
 * - Errors are `StatusError` (shared/errors/status-error.ts): `isNotFound(err)`, `isConflict(err)` work the
 *   same against the real server and the fake.
 * - Objects returned are the caller's to mutate (fresh JSON from the wire, or deep copies from the fake).
 */
import type { KubeList, KubeObject, Status, WatchEvent } from '../api/meta.ts';

/** Identifies a resource (a GroupVersionResource plus its scope). */
export interface ResourceDescriptor {
  /** API group; '' for the core ("legacy") group served under /api. */
  group: string;
  version: string;
  /** Plural lowercase resource name as in URLs: 'pods', 'leases'. */
  resource: string;
  namespaced: boolean;
  /** Kind of the objects ('Pod'); used to default kind/apiVersion on writes and by the fake. */
  kind?: string;
}

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  /** Page size; the response carries `metadata.continue` when more items remain. */
  limit?: number;
  /** Opaque token from a previous page (use the same selectors). */
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: 'Exact' | 'NotOlderThan';
  /** Server-side bound on the request. */
  timeoutSeconds?: number;
  signal?: AbortSignal;
}

export interface WatchOptions {
  labelSelector?: string;
  fieldSelector?: string;
  /** Start after this resourceVersion ('' or '0': synthetic ADDED events for the current state first). */
  resourceVersion?: string;
  resourceVersionMatch?: 'Exact' | 'NotOlderThan';
  allowWatchBookmarks?: boolean;
  sendInitialEvents?: boolean;
  /** The server ends the stream after this many seconds. */
  timeoutSeconds?: number;
  /** Aborting ends the iteration (without an error). */
  signal?: AbortSignal;
}

export interface GetOptions {
  resourceVersion?: string;
  signal?: AbortSignal;
}

export interface WriteOptions {
  /** Send dryRun=All: full processing, nothing persisted. */
  dryRun?: boolean;
  fieldManager?: string;
  signal?: AbortSignal;
}

export type CreateOptions = WriteOptions;
export type UpdateOptions = WriteOptions;

export type PatchType =
  | 'application/json-patch+json'
  | 'application/merge-patch+json'
  | 'application/strategic-merge-patch+json'
  | 'application/apply-patch+yaml';

export interface PatchOptions extends WriteOptions {
  /** Patch a subresource, e.g. 'status'. */
  subresource?: string;
  /** Server-side apply: take ownership of conflicting fields. */
  force?: boolean;
}

export interface Preconditions {
  uid?: string;
  resourceVersion?: string;
}

export type PropagationPolicy = 'Orphan' | 'Background' | 'Foreground';

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  preconditions?: Preconditions;
  propagationPolicy?: PropagationPolicy;
  dryRun?: boolean;
  signal?: AbortSignal;
}

/** Verbs on one resource. T is the object type (plain JSON). */
export interface ResourceClient<T extends KubeObject = KubeObject> {
  readonly descriptor: ResourceDescriptor;
  get(namespace: string, name: string, options?: GetOptions): Promise<T>;
  list(namespace: string, options?: ListOptions): Promise<KubeList<T>>;
  /**
   * Streams changes. The stream ends when the server closes it (timeout), when `options.signal` aborts, or
   * when the consumer stops iterating. An HTTP error on connect is thrown from the first iteration as a
   * StatusError; a too-old resourceVersion arrives as an ERROR event carrying a 410 Status.
   */
  watch(namespace: string, options?: WatchOptions): AsyncIterable<WatchEvent<T | Status>>;
  create(obj: T, options?: CreateOptions): Promise<T>;
  /** PUT of the whole object; `metadata.resourceVersion`, when set, is a precondition (409 Conflict if stale). */
  update(obj: T, options?: UpdateOptions): Promise<T>;
  /** PUT of the status subresource. */
  updateStatus(obj: T, options?: UpdateOptions): Promise<T>;
  /** The content type is explicit: an object body under json-patch is an error, not a guess. */
  patch(namespace: string, name: string, patchType: PatchType, patch: unknown, options?: PatchOptions): Promise<T>;
  /** Returns the object (graceful deletion, finalizers) or a Success Status. */
  delete(namespace: string, name: string, options?: DeleteOptions): Promise<T | Status>;
  /** POST to a subresource (`pods/{name}/binding`, `pods/{name}/eviction`). */
  createSubresource<R = unknown>(namespace: string, name: string, subresource: string, body: unknown, options?: CreateOptions): Promise<R>;
}

/** A source of resource clients: the dynamic-client view of an API server. */
export interface Client {
  resource<T extends KubeObject = KubeObject>(descriptor: ResourceDescriptor): ResourceClient<T>;
}

/** 'pods' or 'leases.coordination.k8s.io': the spelling used in error messages. */
export function qualifiedResource(d: ResourceDescriptor): string {
  return d.group ? `${d.resource}.${d.group}` : d.resource;
}

/** 'v1' or 'coordination.k8s.io/v1'. */
export function apiVersionOf(d: ResourceDescriptor): string {
  return d.group ? `${d.group}/${d.version}` : d.version;
}
