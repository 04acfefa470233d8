/**
 * The fake Client for controller unit tests: the same interface as RestClient, backed by an ObjectTracker,
 * with a log of every call and injectable errors / reactions (client-go's testing.Fake, without mocks).
 *
 *   const cs = new FakeClientset({ objects: [pod, node] });
 *   cs.injectError('update', 'pods', newConflict('pods', 'web', OBJECT_MODIFIED));
 *   await controller.reconcile('default/web');
 *   assert.deepEqual(filterActions(cs.actions(), { exclude: ['list', 'watch'] }).map(a => `${a.verb} ${a.resource}`), [...]);
 */
import type { KubeList, KubeObject, Status, WatchEvent } from '../../api/meta.ts';
import { deepCopy } from '../../api/meta.ts';
import { newStatus, StatusError } from '../../errors/status-error.ts';
import type { Clock } from '../../util/clock.ts';
import {
  Clientset,
  configMapsResource,
  eventsResource,
  leasesResource,
  namespacesResource,
  nodesResource,
  podsResource,
  secretsResource,
  serviceAccountsResource,
} from '../clientset.ts';
import {
  qualifiedResource,
  type Client,
  type CreateOptions,
  type DeleteOptions,
  type GetOptions,
  type ListOptions,
  type PatchOptions,
  type PatchType,
  type ResourceClient,
  type ResourceDescriptor,
  type UpdateOptions,
  type WatchOptions,
} from '../interfaces.ts';
import { ObjectTracker, type ObjectTrackerOptions } from './object-tracker.ts';
import type { SelectorMatcher } from './selector-matcher.ts';

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete';

/** One recorded call. `object` is a copy of what was sent (create/update/binding). */
export interface Action {
  verb: Verb;
  /** Plural resource name, e.g. 'pods'. */
  resource: string;
  group: string;
  version: string;
  namespace: string;
  name?: string;
  /** 'status' for updateStatus, 'binding' for bind, ... */
  subresource?: string;
  object?: KubeObject;
  patchType?: PatchType;
  patch?: unknown;
  /** The options passed (signal removed). */
  options?: Record<string, unknown>;
}

/**
 * A reaction to an action, consulted before the tracker. Return undefined to pass, `{ object }` to answer
 * with object, `{ events }` to answer a watch with your own stream; throw to fail the call.
 */
export type Reactor = (action: Action) => ReactorResult | undefined;
export interface ReactorResult {
  object?: unknown;
  events?: AsyncIterable<WatchEvent>;
}

export interface FakeClientOptions {
  clock?: Clock;
  matcher?: SelectorMatcher;
  hasStatusSubresource?: ObjectTrackerOptions['hasStatusSubresource'];
  historyLimit?: number;
  /** Objects to seed, by kind (Pod, Node, Namespace, Event, Lease, Secret, ConfigMap, ServiceAccount, or any kind listed in `resources`). */
  objects?: KubeObject[];
  /** Extra resources `objects` may refer to by kind. */
  resources?: ResourceDescriptor[];
}

const BUILTIN_RESOURCES = [podsResource, nodesResource, namespacesResource, eventsResource, leasesResource, secretsResource, configMapsResource, serviceAccountsResource];

interface ReactorEntry {
  verb: Verb | '*';
  resource: string;
  reactor: Reactor;
}

export class FakeClient implements Client {
  readonly tracker: ObjectTracker;
  readonly #actions: Action[] = [];
  #reactors: ReactorEntry[] = [];
  readonly #byKind = new Map<string, ResourceDescriptor>();

  constructor(options: FakeClientOptions = {}) {
    const trackerOptions: ObjectTrackerOptions = {};
    if (options.clock) trackerOptions.clock = options.clock;
    if (options.matcher) trackerOptions.matcher = options.matcher;
    if (options.hasStatusSubresource) trackerOptions.hasStatusSubresource = options.hasStatusSubresource;
    if (options.historyLimit !== undefined) trackerOptions.historyLimit = options.historyLimit;
    this.tracker = new ObjectTracker(trackerOptions);
    for (const d of [...BUILTIN_RESOURCES, ...(options.resources ?? [])]) if (d.kind) this.#byKind.set(d.kind, d);
    for (const obj of options.objects ?? []) this.seed(obj);
  }

  resource<T extends KubeObject = KubeObject>(descriptor: ResourceDescriptor): ResourceClient<T> {
    return new FakeResourceClient<T>(this, descriptor);
  }

  /** Adds an object to the tracker without recording an action; its resource is found by kind. */
  seed(obj: KubeObject, descriptor?: ResourceDescriptor): KubeObject {
    const d = descriptor ?? (obj.kind ? this.#byKind.get(obj.kind) : undefined);
    if (!d) throw new Error(`Cannot seed object as its kind is unknown: ${JSON.stringify(obj.kind)} (pass a descriptor or list it in resources)`);
    return this.tracker.add(d, obj);
  }

  /** Copies of the recorded actions, oldest first. */
  actions(): Action[] {
    return this.#actions.map((a) => ({ ...a }));
  }

  clearActions(): void {
    this.#actions.length = 0;
  }

  /** Adds a reactor consulted before all others. `resource` is the plural name or '*'. */
  prependReactor(verb: Verb | '*', resource: string, reactor: Reactor): void {
    this.#reactors = [{ verb, resource, reactor }, ...this.#reactors];
  }

  /** Makes the next `times` (default 1; Infinity for always) calls matching verb/resource fail with err. */
  injectError(verb: Verb | '*', resource: string, err: unknown, options: { times?: number; subresource?: string } = {}): void {
    let left = options.times ?? 1;
    this.prependReactor(verb, resource, (action) => {
      if (left <= 0) return undefined;
      if (options.subresource !== undefined && action.subresource !== options.subresource) return undefined;
      left--;
      throw err;
    });
  }

  /** Records the action, then returns a reactor's answer if one handles it. Internal to FakeResourceClient. */
  invoke(action: Action): ReactorResult | undefined {
    this.#actions.push(action);
    for (const r of this.#reactors) {
      if (r.verb !== '*' && r.verb !== action.verb) continue;
      if (r.resource !== '*' && r.resource !== action.resource) continue;
      const result = r.reactor(action);
      if (result !== undefined) return result;
    }
    return undefined;
  }
}

function optionsRecord(o: object | undefined): Record<string, unknown> | undefined {
  if (!o) return undefined;
  const { signal: _signal, ...rest } = o as Record<string, unknown>;
  return Object.keys(rest).length > 0 ? rest : undefined;
}

function baseAction(d: ResourceDescriptor, verb: Verb, namespace: string): Action {
  return { verb, resource: d.resource, group: d.group, version: d.version, namespace: d.namespaced ? namespace : '' };
}

/** Runs a synchronous tracker call asynchronously, as a server call would be. */
async function later<T>(fn: () => T): Promise<T> {
  await Promise.resolve();
  return fn();
}

class FakeResourceClient<T extends KubeObject> implements ResourceClient<T> {
  readonly descriptor: ResourceDescriptor;
  readonly #fake: FakeClient;

  constructor(fake: FakeClient, descriptor: ResourceDescriptor) {
    this.#fake = fake;
    this.descriptor = descriptor;
  }

  get #tracker(): ObjectTracker {
    return this.#fake.tracker;
  }

  get(namespace: string, name: string, options?: GetOptions): Promise<T> {
    const action: Action = { ...baseAction(this.descriptor, 'get', namespace), name };
    const o = optionsRecord(options);
    if (o) action.options = o;
    return this.#run(action, () => this.#tracker.get(this.descriptor, namespace, name) as T);
  }

  list(namespace: string, options: ListOptions = {}): Promise<KubeList<T>> {
    const action = baseAction(this.descriptor, 'list', namespace);
    const o = optionsRecord(options);
    if (o) action.options = o;
    return this.#run(action, () => this.#tracker.list(this.descriptor, namespace, options) as KubeList<T>);
  }

  watch(namespace: string, options: WatchOptions = {}): AsyncIterable<WatchEvent<T | Status>> {
    const action = baseAction(this.descriptor, 'watch', namespace);
    const o = optionsRecord(options);
    if (o) action.options = o;
    let reacted: ReactorResult | undefined;
    try {
      reacted = this.#fake.invoke(action);
    } catch (err) {
      return failingIterable(err);
    }
    if (reacted?.events) return reacted.events as AsyncIterable<WatchEvent<T | Status>>;
    return this.#tracker.watch(this.descriptor, namespace, options) as AsyncIterable<WatchEvent<T | Status>>;
  }

  create(obj: T, options: CreateOptions = {}): Promise<T> {
    const action: Action = { ...baseAction(this.descriptor, 'create', obj.metadata?.namespace ?? ''), object: deepCopy(obj) };
    const o = optionsRecord(options);
    if (o) action.options = o;
    return this.#run(action, () => this.#tracker.create(this.descriptor, obj, { dryRun: options.dryRun === true }) as T);
  }

  update(obj: T, options: UpdateOptions = {}): Promise<T> {
    return this.#update(obj, undefined, options);
  }

  updateStatus(obj: T, options: UpdateOptions = {}): Promise<T> {
    return this.#update(obj, 'status', options);
  }

  patch(namespace: string, name: string, patchType: PatchType, patch: unknown, options: PatchOptions = {}): Promise<T> {
    const action: Action = { ...baseAction(this.descriptor, 'patch', namespace), name, patchType, patch: deepCopy(patch) };
    if (options.subresource) action.subresource = options.subresource;
    const o = optionsRecord(options);
    if (o) action.options = o;
    const opts: { subresource?: string; dryRun?: boolean } = { dryRun: options.dryRun === true };
    if (options.subresource) opts.subresource = options.subresource;
    return this.#run(action, () => this.#tracker.patch(this.descriptor, namespace, name, patchType, patch, opts) as T);
  }

  delete(namespace: string, name: string, options: DeleteOptions = {}): Promise<T | Status> {
    const action: Action = { ...baseAction(this.descriptor, 'delete', namespace), name };
    const o = optionsRecord(options);
    if (o) action.options = o;
    return this.#run(action, () => this.#tracker.delete(this.descriptor, namespace, name, options) as T);
  }

  createSubresource<R = unknown>(namespace: string, name: string, subresource: string, body: unknown, options: CreateOptions = {}): Promise<R> {
    const action: Action = { ...baseAction(this.descriptor, 'create', namespace), name, subresource, object: deepCopy(body) as KubeObject };
    const o = optionsRecord(options);
    if (o) action.options = o;
    return this.#run(action, () => {
      if (subresource === 'binding' && this.descriptor.resource === 'pods' && this.descriptor.group === '') {
        return this.#tracker.bind(this.descriptor, namespace, name, body as KubeObject, { dryRun: options.dryRun === true }) as R;
      }
      throw new StatusError(newStatus(404, 'NotFound', `the fake client does not serve ${qualifiedResource(this.descriptor)}/${subresource}`, {}));
    });
  }

  #update(obj: T, subresource: string | undefined, options: UpdateOptions): Promise<T> {
    const action: Action = { ...baseAction(this.descriptor, 'update', obj.metadata?.namespace ?? ''), object: deepCopy(obj) };
    if (obj.metadata?.name) action.name = obj.metadata.name;
    if (subresource) action.subresource = subresource;
    const o = optionsRecord(options);
    if (o) action.options = o;
    const opts: { subresource?: string; dryRun?: boolean } = { dryRun: options.dryRun === true };
    if (subresource) opts.subresource = subresource;
    return this.#run(action, () => this.#tracker.update(this.descriptor, obj, opts) as T);
  }

  #run<R>(action: Action, fallback: () => R): Promise<R> {
    return later(() => {
      const reacted = this.#fake.invoke(action);
      if (reacted && 'object' in reacted) return deepCopy(reacted.object) as R;
      return fallback();
    });
  }
}

function failingIterable<E>(err: unknown): AsyncIterable<E> {
  return { [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(err) }) };
}

/** A Clientset over a FakeClient, with the fake's test helpers at hand. */
export class FakeClientset extends Clientset {
  readonly fake: FakeClient;

  constructor(options: FakeClientOptions = {}) {
    const fake = new FakeClient(options);
    super(fake);
    this.fake = fake;
  }

  get tracker(): ObjectTracker {
    return this.fake.tracker;
  }
  actions(): Action[] {
    return this.fake.actions();
  }
  clearActions(): void {
    this.fake.clearActions();
  }
  prependReactor(verb: Verb | '*', resource: string, reactor: Reactor): void {
    this.fake.prependReactor(verb, resource, reactor);
  }
  injectError(verb: Verb | '*', resource: string, err: unknown, options?: { times?: number; subresource?: string }): void {
    this.fake.injectError(verb, resource, err, options);
  }
}

/** Actions without the given verbs (controller tests usually drop 'list' and 'watch' from informers). */
export function filterActions(actions: Action[], options: { exclude?: Verb[]; only?: Verb[] } = {}): Action[] {
  return actions.filter((a) => (!options.exclude || !options.exclude.includes(a.verb)) && (!options.only || options.only.includes(a.verb)));
}
