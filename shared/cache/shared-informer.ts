/**
 * A shared informer (client-go tools/cache/shared_informer.go): one Reflector keeps one indexed cache of a
 * collection, and any number of handlers are told about every change.
 *
 * Contract (as in shared_informer.go's doc comment, adapted to one thread):
 * - The cache is updated before handlers hear of a change, and handlers are called after the reflector's
 *   step has returned (never inside it). When a handler runs, the cache is at least as new as the
 *   notification it receives.
 * - Each handler has its own queue and receives notifications one at a time, in the order they happened. A
 *   handler may return a Promise: its next notification waits for it, other handlers do not. A slow handler
 *   therefore delays only itself, and its queue grows without bound meanwhile (as in client-go).
 * - A handler added after start first receives a synthetic onAdd (isInInitialList = true) for every object
 *   in the cache.
 * - On a relist, objects still present are reported with onUpdate (even if unchanged, as client-go does);
 *   objects that vanished are reported with onDelete(DeletedFinalStateUnknown), since their final state was
 *   not observed.
 * - With a resync period, a handler periodically receives onUpdate(obj, obj) for every cached object (for
 *   level-based controllers that want to re-check everything).
 * - An exception from a handler is logged and does not stop delivery.
 * - `hasSynced()` is true once the first list is in the cache; a registration's `hasSynced()` once that
 *   handler has also been called for every object of the first list.
 * - Objects from the cache and given to handlers are shared: never mutate them.
 */
import type { KubeObject } from '../api/meta.ts';
import { realClock, type Clock, type Timer } from '../util/clock.ts';
import { log as rootLog, type Logger } from '../util/log.ts';
import { ThreadSafeStore, type Indexer, type Indexers } from './indexer.ts';
import type { ListerWatcher } from './list-watch.ts';
import { Lister } from './lister.ts';
import { Reflector, type ReflectorOptions } from './reflector.ts';
import { DeletedFinalStateUnknown, metaNamespaceKeyFunc, type KeyFunc, type ReflectorStore } from './store.ts';

export interface ResourceEventHandler<T extends KubeObject = KubeObject> {
  /** isInInitialList: the object came from the first list (or is a synthetic add for a late handler). */
  onAdd?(obj: T, isInInitialList: boolean): void | Promise<void>;
  onUpdate?(oldObj: T, newObj: T): void | Promise<void>;
  onDelete?(obj: T | DeletedFinalStateUnknown<T>): void | Promise<void>;
}

export interface EventHandlerRegistration {
  /** True once the informer synced and this handler was called for every object of the initial list. */
  hasSynced(): boolean;
}

export interface HandlerOptions {
  /** Periodic onUpdate(obj, obj) for all cached objects; 0 disables; at least 1000. @default the informer's resyncPeriodMs */
  resyncPeriodMs?: number;
}

export interface SharedInformerOptions<T extends KubeObject = KubeObject> {
  /** Used in logs. @default 'informer' */
  name?: string;
  /** @default realClock */
  clock?: Clock;
  /** Default resync period of handlers; 0 disables. @default 0 */
  resyncPeriodMs?: number;
  indexers?: Indexers<T>;
  /** @default metaNamespaceKeyFunc */
  keyFunc?: KeyFunc;
  /** Applied to each object before it is cached (e.g. drop managedFields to save memory). */
  transform?: (obj: T) => T;
  /** Reflector tuning (page size, backoff, watch timeout, random source, error hook). */
  reflector?: Omit<ReflectorOptions, 'name' | 'clock' | 'log'>;
  /** @default the root logger */
  log?: Logger;
}

type Notification<T extends KubeObject> =
  | { kind: 'add'; obj: T; initial: boolean }
  | { kind: 'update'; old: T; obj: T }
  | { kind: 'delete'; obj: T | DeletedFinalStateUnknown<T> };

const MIN_RESYNC_PERIOD_MS = 1000;

/** Delivers notifications to one handler, one at a time, in order (processorListener). */
class ProcessorListener<T extends KubeObject> implements EventHandlerRegistration {
  readonly handler: ResourceEventHandler<T>;
  readonly resyncPeriodMs: number;
  readonly #informerSynced: () => boolean;
  readonly #log: Logger;
  #queue: Notification<T>[] = [];
  #head = 0;
  #pumping = false;
  #pendingInitial = 0;
  #stopped = false;
  resyncTimer: Timer | undefined;

  constructor(handler: ResourceEventHandler<T>, resyncPeriodMs: number, informerSynced: () => boolean, log: Logger) {
    this.handler = handler;
    this.resyncPeriodMs = resyncPeriodMs;
    this.#informerSynced = informerSynced;
    this.#log = log;
  }

  hasSynced(): boolean {
    return this.#informerSynced() && this.#pendingInitial === 0;
  }

  /** Notifications waiting for this handler. */
  get backlog(): number {
    return this.#queue.length - this.#head;
  }

  add(n: Notification<T>): void {
    if (this.#stopped) return;
    this.#queue.push(n);
    if (n.kind === 'add' && n.initial) this.#pendingInitial++;
    if (!this.#pumping) {
      this.#pumping = true;
      queueMicrotask(() => void this.#pump());
    }
  }

  stop(): void {
    this.#stopped = true;
    this.#queue = [];
    this.#head = 0;
    this.resyncTimer?.cancel();
    this.resyncTimer = undefined;
  }

  async #pump(): Promise<void> {
    try {
      while (!this.#stopped && this.#head < this.#queue.length) {
        const n = this.#queue[this.#head] as Notification<T>;
        this.#queue[this.#head] = undefined as unknown as Notification<T>;
        this.#head++;
        if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
          this.#queue = this.#queue.slice(this.#head);
          this.#head = 0;
        }
        try {
          const r = this.#call(n);
          if (r && typeof (r as Promise<void>).then === 'function') await r;
        } catch (err) {
          this.#log.error('Event handler failed', { notification: n.kind, err });
        } finally {
          if (n.kind === 'add' && n.initial) this.#pendingInitial--;
        }
      }
    } finally {
      this.#pumping = false;
    }
  }

  #call(n: Notification<T>): void | Promise<void> {
    const h = this.handler;
    switch (n.kind) {
      case 'add':
        return h.onAdd?.(n.obj, n.initial);
      case 'update':
        return h.onUpdate?.(n.old, n.obj);
      case 'delete':
        return h.onDelete?.(n.obj);
    }
  }
}

export class SharedIndexInformer<T extends KubeObject = KubeObject> {
  readonly #indexer: ThreadSafeStore<T>;
  readonly #reflector: Reflector<T>;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #defaultResyncMs: number;
  readonly #transform: ((obj: T) => T) | undefined;
  readonly #keyFunc: KeyFunc;
  readonly #listeners = new Set<ProcessorListener<T>>();
  readonly #lister: Lister<T>;
  #synced = false;
  #started = false;
  #stopped = false;
  #syncWaiters: ((synced: boolean) => void)[] = [];

  constructor(lw: ListerWatcher<T>, options: SharedInformerOptions<T> = {}) {
    const name = options.name ?? 'informer';
    this.#clock = options.clock ?? realClock;
    this.#log = (options.log ?? rootLog).with({ informer: name });
    this.#defaultResyncMs = options.resyncPeriodMs ?? 0;
    this.#transform = options.transform;
    this.#keyFunc = options.keyFunc ?? metaNamespaceKeyFunc;
    this.#indexer = new ThreadSafeStore<T>(this.#keyFunc, options.indexers ?? {});
    this.#lister = new Lister<T>(this.#indexer);
    const store: ReflectorStore<T> = {
      add: (obj) => this.#upsert(obj),
      update: (obj) => this.#upsert(obj),
      delete: (obj) => this.#delete(obj),
      replace: (items) => this.#replace(items),
    };
    this.#reflector = new Reflector<T>(lw, store, { ...options.reflector, name, clock: this.#clock, log: options.log ?? rootLog });
  }

  /** Registers a handler; see the file comment for the delivery contract. */
  addEventHandler(handler: ResourceEventHandler<T>, options: HandlerOptions = {}): EventHandlerRegistration {
    if (this.#stopped) throw new Error('Cannot add an event handler as the informer has stopped');
    let resync = options.resyncPeriodMs ?? this.#defaultResyncMs;
    if (resync > 0 && resync < MIN_RESYNC_PERIOD_MS) resync = MIN_RESYNC_PERIOD_MS;
    const listener = new ProcessorListener<T>(handler, resync, () => this.#synced, this.#log);
    this.#listeners.add(listener);
    if (this.#started) {
      for (const obj of this.#indexer.list()) listener.add({ kind: 'add', obj, initial: true });
      this.#armResync(listener);
    }
    return listener;
  }

  /** Stops delivering to a handler (pending notifications are dropped). */
  removeEventHandler(registration: EventHandlerRegistration): void {
    const l = registration as ProcessorListener<T>;
    if (!this.#listeners.delete(l)) return;
    l.stop();
  }

  /** Runs the reflector until `signal` aborts; resolves then. An informer runs once. */
  async run(signal: AbortSignal): Promise<void> {
    if (this.#started) throw new Error('Cannot run the informer as it was already started');
    this.#started = true;
    for (const l of this.#listeners) this.#armResync(l);
    try {
      await this.#reflector.run(signal);
    } finally {
      this.#stopped = true;
      for (const l of this.#listeners) l.stop();
      this.#settleSyncWaiters(false);
    }
  }

  /**
   * Resolves true once the informer has synced, or false if `signal` aborts or the informer stops first.
   * Event-driven (no polling), so it needs no clock.
   */
  whenSynced(signal?: AbortSignal): Promise<boolean> {
    if (this.#synced) return Promise.resolve(true);
    if (this.#stopped || signal?.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const onAbort = () => {
        this.#syncWaiters = this.#syncWaiters.filter((w) => w !== waiter);
        resolve(false);
      };
      const waiter = (synced: boolean) => {
        signal?.removeEventListener('abort', onAbort);
        resolve(synced);
      };
      this.#syncWaiters.push(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  #settleSyncWaiters(synced: boolean): void {
    const waiters = this.#syncWaiters;
    this.#syncWaiters = [];
    for (const w of waiters) w(synced);
  }

  /** True once the first list has been stored. */
  hasSynced(): boolean {
    return this.#synced;
  }

  isStarted(): boolean {
    return this.#started;
  }

  isStopped(): boolean {
    return this.#stopped;
  }

  get indexer(): Indexer<T> {
    return this.#indexer;
  }

  get lister(): Lister<T> {
    return this.#lister;
  }

  /** Adds indexes; allowed at any time (existing objects are indexed at once). */
  addIndexers(indexers: Indexers<T>): void {
    this.#indexer.addIndexers(indexers);
  }

  lastSyncResourceVersion(): string {
    return this.#reflector.lastSyncResourceVersion();
  }

  #prepare(obj: T): T {
    return this.#transform ? this.#transform(obj) : obj;
  }

  #distribute(n: Notification<T>): void {
    for (const l of this.#listeners) l.add(n);
  }

  #upsert(raw: T): void {
    const obj = this.#prepare(raw);
    const old = this.#indexer.get(obj);
    this.#indexer.update(obj);
    if (old !== undefined) this.#distribute({ kind: 'update', old, obj });
    else this.#distribute({ kind: 'add', obj, initial: false });
  }

  #delete(raw: T): void {
    const obj = this.#prepare(raw);
    const key = this.#keyFunc(obj);
    if (this.#indexer.getByKey(key) === undefined) return; // already gone (e.g. removed by a relist)
    this.#indexer.deleteByKey(key);
    this.#distribute({ kind: 'delete', obj });
  }

  #replace(items: T[]): void {
    const initial = !this.#synced;
    const seen = new Set<string>();
    for (const raw of items) {
      const obj = this.#prepare(raw);
      let key: string;
      try {
        key = this.#keyFunc(obj);
      } catch (err) {
        this.#log.error('Skipping listed object without a key', { err });
        continue;
      }
      seen.add(key);
      const old = this.#indexer.getByKey(key);
      this.#indexer.update(obj);
      if (old !== undefined) this.#distribute({ kind: 'update', old, obj });
      else this.#distribute({ kind: 'add', obj, initial });
    }
    for (const key of this.#indexer.listKeys()) {
      if (seen.has(key)) continue;
      const last = this.#indexer.getByKey(key) as T;
      this.#indexer.deleteByKey(key);
      this.#distribute({ kind: 'delete', obj: new DeletedFinalStateUnknown<T>(key, last) });
    }
    if (!this.#synced) {
      this.#synced = true;
      this.#settleSyncWaiters(true);
    }
  }

  #armResync(l: ProcessorListener<T>): void {
    if (l.resyncPeriodMs <= 0 || this.#stopped) return;
    l.resyncTimer?.cancel();
    l.resyncTimer = this.#clock.setTimeout(() => {
      if (this.#stopped || !this.#listeners.has(l)) return;
      if (this.#synced) {
        for (const obj of this.#indexer.list()) l.add({ kind: 'update', old: obj, obj });
      }
      this.#armResync(l);
    }, l.resyncPeriodMs);
  }
}
