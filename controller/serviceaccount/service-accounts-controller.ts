/**
 * The ServiceAccounts controller (kube-controller-manager pkg/controller/serviceaccount/serviceaccounts_controller.go,
 * "serviceaccount"): every active namespace has a `default` ServiceAccount; it is created when the namespace
 * appears (or becomes Active) and recreated when deleted. Keys are namespace names.
 *
 * - A namespace that is gone or not Active is left alone (its content is being deleted).
 * - Create conflicts (AlreadyExists) and a namespace that turned Terminating (NamespaceTerminating cause) or
 *   vanished (NotFound) in between are not errors; anything else is retried with backoff.
 */
import type { Namespace, ServiceAccount } from '../../shared/api/core-v1.ts';
import { DEFAULT_SERVICE_ACCOUNT_NAME } from '../../shared/api/core-v1.ts';
import type { SharedInformerFactory } from '../../shared/cache/informer-factory.ts';
import type { SharedIndexInformer } from '../../shared/cache/shared-informer.ts';
import { unwrapTombstone } from '../../shared/cache/store.ts';
import { serviceAccountsResource, type Clientset } from '../../shared/client/clientset.ts';
import { isAlreadyExists } from '../../shared/errors/status-error.ts';
import { realClock, type Clock } from '../../shared/util/clock.ts';
import { log as rootLog, type Logger } from '../../shared/util/log.ts';
import { Controller } from '../framework/controller.ts';
import type { Reconciler } from '../framework/reconciler.ts';
import { activeNamespaceHandler } from '../framework/handlers.ts';
import { isNamespaceGoneError } from '../framework/namespace-errors.ts';

export interface ServiceAccountsControllerOptions {
  clientset: Clientset;
  informerFactory: SharedInformerFactory;
  /** The ServiceAccounts every namespace gets. @default ['default'] */
  serviceAccounts?: string[];
  /** @default 1 (--concurrent-serviceaccount-syncs) */
  workers?: number;
  clock?: Clock;
  log?: Logger;
}

export class ServiceAccountsController implements Reconciler {
  readonly controller: Controller;
  readonly #clientset: Clientset;
  readonly #namespaces: SharedIndexInformer<Namespace>;
  readonly #serviceAccounts: SharedIndexInformer<ServiceAccount>;
  readonly #names: string[];
  readonly #log: Logger;

  constructor(options: ServiceAccountsControllerOptions) {
    this.#clientset = options.clientset;
    this.#names = options.serviceAccounts ?? [DEFAULT_SERVICE_ACCOUNT_NAME];
    this.#log = (options.log ?? rootLog).with({ controller: 'serviceaccount' });
    this.#namespaces = options.informerFactory.namespaces<Namespace>();
    this.#serviceAccounts = options.informerFactory.informerFor<ServiceAccount>(serviceAccountsResource);
    this.controller = new Controller({ name: 'serviceaccount', reconciler: this, workers: options.workers ?? 1, clock: options.clock ?? realClock, log: options.log ?? rootLog });
    const wanted = new Set(this.#names);
    // serviceAccountDeleted: a deleted ServiceAccount we manage wakes its namespace.
    this.#serviceAccounts.addEventHandler({
      onAdd: () => undefined,
      onUpdate: () => undefined,
      onDelete: (obj) => {
        const sa = unwrapTombstone(obj);
        if (wanted.has(sa.metadata.name ?? '') && sa.metadata.namespace) this.controller.enqueue(sa.metadata.namespace);
      },
    });
    // namespaceAdded / namespaceUpdated: only Active namespaces need their ServiceAccounts.
    this.#namespaces.addEventHandler(activeNamespaceHandler((ns) => this.controller.enqueue(ns)));
  }

  async run(signal: AbortSignal): Promise<void> {
    await this.controller.run(signal, { hasSynced: [() => this.#namespaces.hasSynced(), () => this.#serviceAccounts.hasSynced()] });
  }

  /** syncNamespace. */
  async reconcile(namespace: string, signal: AbortSignal): Promise<void> {
    const ns = this.#namespaces.lister.get(namespace);
    if (!ns) return;
    if (ns.metadata.deletionTimestamp || (ns.status?.phase ?? 'Active') !== 'Active') return;
    for (const name of this.#names) {
      if (this.#serviceAccounts.lister.get(`${namespace}/${name}`)) continue;
      try {
        await this.#clientset.resource<ServiceAccount>(serviceAccountsResource).create(
          { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } },
          { signal },
        );
        this.#log.info('Created ServiceAccount', { namespace, name });
      } catch (err) {
        if (isAlreadyExists(err) || isNamespaceGoneError(err)) continue;
        throw err;
      }
    }
  }
}
