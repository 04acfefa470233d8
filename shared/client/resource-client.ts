/**
 * Typed REST verbs for one resource, over RestClient (the role of client-go's typed clients and its dynamic
 * client). Paths follow the Kubernetes layout:
 *   core:   /api/v1[/namespaces/{ns}]/{resource}[/{name}[/{subresource}]]
 *   groups: /apis/{group}/{version}[/namespaces/{ns}]/{resource}[/{name}[/{subresource}]]
 */
import type { KubeList, KubeObject, Status, WatchEvent } from '../api/meta.ts';
import type {
  CreateOptions,
  DeleteOptions,
  GetOptions,
  ListOptions,
  PatchOptions,
  PatchType,
  ResourceClient,
  ResourceDescriptor,
  UpdateOptions,
  WatchOptions,
} from './interfaces.ts';
import { apiVersionOf } from './interfaces.ts';
import type { QueryParams, RestClient } from './rest-client.ts';

export class RestResourceClient<T extends KubeObject = KubeObject> implements ResourceClient<T> {
  readonly descriptor: ResourceDescriptor;
  readonly #rest: RestClient;

  constructor(rest: RestClient, descriptor: ResourceDescriptor) {
    this.#rest = rest;
    this.descriptor = descriptor;
  }

  /** The URL path of the collection, an object, or a subresource. */
  path(namespace: string, name?: string, subresource?: string): string {
    const d = this.descriptor;
    let p = d.group ? `/apis/${d.group}/${d.version}` : `/api/${d.version}`;
    if (d.namespaced && namespace) p += `/namespaces/${encodeURIComponent(namespace)}`;
    p += `/${d.resource}`;
    if (name !== undefined) p += `/${encodeURIComponent(name)}`;
    if (subresource) p += `/${subresource}`;
    return p;
  }

  get(namespace: string, name: string, options: GetOptions = {}): Promise<T> {
    this.#checkObjectScope('get', namespace, name);
    return this.#rest.request<T>({
      path: this.path(namespace, name),
      query: { resourceVersion: options.resourceVersion },
      ...signalOf(options),
    });
  }

  list(namespace: string, options: ListOptions = {}): Promise<KubeList<T>> {
    this.#checkCollectionScope('list', namespace);
    return this.#rest.request<KubeList<T>>({
      path: this.path(namespace),
      query: listQuery(options),
      ...signalOf(options),
    });
  }

  watch(namespace: string, options: WatchOptions = {}): AsyncIterable<WatchEvent<T | Status>> {
    this.#checkCollectionScope('watch', namespace);
    const query: QueryParams = {
      labelSelector: options.labelSelector || undefined,
      fieldSelector: options.fieldSelector || undefined,
      resourceVersion: options.resourceVersion || undefined,
      resourceVersionMatch: options.resourceVersionMatch,
      allowWatchBookmarks: options.allowWatchBookmarks || undefined,
      sendInitialEvents: options.sendInitialEvents,
      timeoutSeconds: options.timeoutSeconds,
    };
    return this.#rest.watch(this.path(namespace), query, options.signal) as AsyncIterable<WatchEvent<T | Status>>;
  }

  create(obj: T, options: CreateOptions = {}): Promise<T> {
    const namespace = obj.metadata?.namespace ?? '';
    this.#checkCollectionScope('create', namespace, true);
    return this.#rest.request<T>({
      method: 'POST',
      path: this.path(namespace),
      query: writeQuery(options),
      body: this.#withTypeMeta(obj),
      ...signalOf(options),
    });
  }

  update(obj: T, options: UpdateOptions = {}): Promise<T> {
    return this.#put(obj, undefined, options);
  }

  updateStatus(obj: T, options: UpdateOptions = {}): Promise<T> {
    return this.#put(obj, 'status', options);
  }

  patch(namespace: string, name: string, patchType: PatchType, patch: unknown, options: PatchOptions = {}): Promise<T> {
    this.#checkObjectScope('patch', namespace, name);
    return this.#rest.request<T>({
      method: 'PATCH',
      path: this.path(namespace, name, options.subresource),
      query: { ...writeQuery(options), force: patchType === 'application/apply-patch+yaml' && options.force !== undefined ? options.force : undefined },
      body: typeof patch === 'string' || Buffer.isBuffer(patch) ? patch : JSON.stringify(patch),
      contentType: patchType,
      ...signalOf(options),
    });
  }

  delete(namespace: string, name: string, options: DeleteOptions = {}): Promise<T | Status> {
    this.#checkObjectScope('delete', namespace, name);
    const body: Record<string, unknown> = { kind: 'DeleteOptions', apiVersion: 'v1' };
    if (options.gracePeriodSeconds !== undefined) body['gracePeriodSeconds'] = options.gracePeriodSeconds;
    if (options.preconditions) body['preconditions'] = options.preconditions;
    if (options.propagationPolicy) body['propagationPolicy'] = options.propagationPolicy;
    if (options.dryRun) body['dryRun'] = ['All'];
    return this.#rest.request<T | Status>({
      method: 'DELETE',
      path: this.path(namespace, name),
      body,
      ...signalOf(options),
    });
  }

  createSubresource<R = unknown>(namespace: string, name: string, subresource: string, body: unknown, options: CreateOptions = {}): Promise<R> {
    this.#checkObjectScope(`create ${subresource} of`, namespace, name);
    return this.#rest.request<R>({
      method: 'POST',
      path: this.path(namespace, name, subresource),
      query: writeQuery(options),
      body,
      ...signalOf(options),
    });
  }

  #put(obj: T, subresource: string | undefined, options: UpdateOptions): Promise<T> {
    const namespace = obj.metadata?.namespace ?? '';
    const name = obj.metadata?.name ?? '';
    this.#checkObjectScope(subresource ? `update ${subresource} of` : 'update', namespace, name);
    return this.#rest.request<T>({
      method: 'PUT',
      path: this.path(namespace, name, subresource),
      query: writeQuery(options),
      body: this.#withTypeMeta(obj),
      ...signalOf(options),
    });
  }

  #withTypeMeta(obj: T): T {
    if (obj.kind && obj.apiVersion) return obj;
    const out = { ...obj };
    if (!out.apiVersion) out.apiVersion = apiVersionOf(this.descriptor);
    if (!out.kind && this.descriptor.kind) out.kind = this.descriptor.kind;
    return out;
  }

  #checkObjectScope(verb: string, namespace: string, name: string): void {
    if (!name) throw new TypeError(`Cannot ${verb} ${this.descriptor.resource} as the name is empty`);
    this.#checkCollectionScope(`${verb} ${this.descriptor.resource} "${name}"`, namespace, true);
  }

  /** Namespaced objects need a namespace for object verbs; cluster-scoped ones must not have one. */
  #checkCollectionScope(what: string, namespace: string, objectVerb = false): void {
    const d = this.descriptor;
    if (!d.namespaced && namespace) {
      throw new TypeError(`Cannot ${what} as ${d.resource} are cluster-scoped but namespace ${JSON.stringify(namespace)} was given`);
    }
    if (d.namespaced && objectVerb && !namespace) {
      throw new TypeError(`Cannot ${what} as ${d.resource} are namespaced and the namespace is empty`);
    }
  }
}

function signalOf(o: { signal?: AbortSignal }): { signal?: AbortSignal } {
  return o.signal ? { signal: o.signal } : {};
}

function writeQuery(o: { dryRun?: boolean; fieldManager?: string }): QueryParams {
  return { dryRun: o.dryRun ? 'All' : undefined, fieldManager: o.fieldManager };
}

function listQuery(o: ListOptions): QueryParams {
  return {
    labelSelector: o.labelSelector || undefined,
    fieldSelector: o.fieldSelector || undefined,
    limit: o.limit,
    continue: o.continue || undefined,
    resourceVersion: o.resourceVersion || undefined,
    resourceVersionMatch: o.resourceVersionMatch,
    timeoutSeconds: o.timeoutSeconds,
  };
}
