/**
 * One informer per (resource, namespace, selectors), shared by every consumer that asks for it
 * (client-go informers.SharedInformerFactory). Controllers ask for informers while they are built, then the
 * process starts them all once and waits for their caches:
 *
 *   const factory = new SharedInformerFactory(clientset.client, { resyncPeriodMs: 0 });
 *   const pods = factory.pods();                      // shared with any other consumer of all pods
 *   const mine = factory.pods({ fieldSelector: `spec.nodeName=${node}` });  // a separate informer
 *   factory.start(signal);
 *   await factory.waitForCacheSync(signal);
 */
import type { KubeObject } from '../api/meta.ts';
import { eventsResource, leasesResource, namespacesResource, nodesResource, podsResource } from '../client/clientset.ts';
import type { Client, ResourceDescriptor } from '../client/interfaces.ts';
import type { Clock } from '../util/clock.ts';
import { log as rootLog, type Logger } from '../util/log.ts';
import type { Indexers } from './indexer.ts';
import { newListWatch } from './list-watch.ts';
import type { ReflectorOptions } from './reflector.ts';
import { SharedIndexInformer } from './shared-informer.ts';

export interface InformerFactoryOptions {
  clock?: Clock;
  /** Default handler resync period of every informer; 0 disables. @default 0 */
  resyncPeriodMs?: number;
  /** Restrict every informer to one namespace. @default '' (all) */
  namespace?: string;
  /** Applied to every object before caching (e.g. strip managedFields). */
  transform?: (obj: KubeObject) => KubeObject;
  reflector?: Omit<ReflectorOptions, 'name' | 'clock' | 'log'>;
  log?: Logger;
}

export interface InformerRequest<T extends KubeObject = KubeObject> {
  /** Overrides the factory's namespace. Ignored for cluster-scoped resources. */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Indexes to add (to the shared informer, if it exists already). */
  indexers?: Indexers<T>;
}

export class SharedInformerFactory {
  readonly #client: Client;
  readonly #options: InformerFactoryOptions;
  readonly #informers = new Map<string, SharedIndexInformer<KubeObject>>();
  readonly #running = new Map<string, Promise<void>>();
  readonly #log: Logger;

  constructor(client: Client, options: InformerFactoryOptions = {}) {
    this.#client = client;
    this.#options = options;
    this.#log = (options.log ?? rootLog).with({ component: 'informer-factory' });
  }

  /** The shared informer for a resource and selection, created on first request. */
  informerFor<T extends KubeObject = KubeObject>(descriptor: ResourceDescriptor, request: InformerRequest<T> = {}): SharedIndexInformer<T> {
    const namespace = descriptor.namespaced ? request.namespace ?? this.#options.namespace ?? '' : '';
    const label = request.labelSelector ?? '';
    const field = request.fieldSelector ?? '';
    const key = `${descriptor.group}/${descriptor.version}/${descriptor.resource}|${namespace}|${label}|${field}`;
    let informer = this.#informers.get(key) as SharedIndexInformer<T> | undefined;
    if (!informer) {
      const name = `${descriptor.resource}${descriptor.group ? `.${descriptor.group}` : ''}${namespace ? ` ns=${namespace}` : ''}${label ? ` labels=${label}` : ''}${field ? ` fields=${field}` : ''}`;
      informer = new SharedIndexInformer<T>(
        newListWatch(this.#client.resource<T>(descriptor), { namespace, labelSelector: label, fieldSelector: field }),
        {
          name,
          ...(this.#options.clock ? { clock: this.#options.clock } : {}),
          resyncPeriodMs: this.#options.resyncPeriodMs ?? 0,
          ...(this.#options.transform ? { transform: this.#options.transform as unknown as (obj: T) => T } : {}),
          ...(this.#options.reflector ? { reflector: this.#options.reflector } : {}),
          ...(this.#options.log ? { log: this.#options.log } : {}),
        },
      );
      this.#informers.set(key, informer as unknown as SharedIndexInformer<KubeObject>);
    }
    if (request.indexers) {
      const existing = informer.indexer.getIndexers();
      const fresh: Indexers<T> = {};
      for (const [name, fn] of Object.entries(request.indexers)) {
        if (!(name in existing)) fresh[name] = fn;
        else if (existing[name] !== fn) throw new Error(`Cannot add index ${JSON.stringify(name)} to informer ${key} as a different index of that name exists`);
      }
      if (Object.keys(fresh).length > 0) informer.addIndexers(fresh);
    }
    return informer;
  }

  pods<T extends KubeObject = KubeObject>(request?: InformerRequest<T>): SharedIndexInformer<T> {
    return this.informerFor<T>(podsResource, request);
  }
  nodes<T extends KubeObject = KubeObject>(request?: InformerRequest<T>): SharedIndexInformer<T> {
    return this.informerFor<T>(nodesResource, request);
  }
  namespaces<T extends KubeObject = KubeObject>(request?: InformerRequest<T>): SharedIndexInformer<T> {
    return this.informerFor<T>(namespacesResource, request);
  }
  events<T extends KubeObject = KubeObject>(request?: InformerRequest<T>): SharedIndexInformer<T> {
    return this.informerFor<T>(eventsResource, request);
  }
  leases<T extends KubeObject = KubeObject>(request?: InformerRequest<T>): SharedIndexInformer<T> {
    return this.informerFor<T>(leasesResource, request);
  }

  /** Starts every informer not started yet (call again after requesting more). They stop when signal aborts. */
  start(signal: AbortSignal): void {
    for (const [key, informer] of this.#informers) {
      if (this.#running.has(key)) continue;
      this.#running.set(key, informer.run(signal).catch((err: unknown) => {
        this.#log.error('Informer stopped with an error', { informer: key, err });
      }));
    }
  }

  /** Waits until every started informer synced; the map says which did (all true unless aborted). */
  async waitForCacheSync(signal?: AbortSignal): Promise<Map<string, boolean>> {
    const out = new Map<string, boolean>();
    await Promise.all([...this.#informers].filter(([key]) => this.#running.has(key)).map(async ([key, informer]) => {
      out.set(key, await informer.whenSynced(signal));
    }));
    return out;
  }

  /** Resolves when every started informer has stopped (abort the start signal first). */
  async shutdown(): Promise<void> {
    await Promise.all(this.#running.values());
  }
}
