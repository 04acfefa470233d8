/**
 * The root CA certificate publisher (kube-controller-manager pkg/controller/certificates/rootcacertpublisher,
 * "root-ca-cert-publisher"): every namespace has a ConfigMap `kube-root-ca.crt` whose `ca.crt` is the CA
 * bundle pods use to verify the API server (`--root-ca-file`, else the CA of the controller's own
 * kubeconfig). It is created when the namespace appears, recreated when deleted, and put back when its data
 * or its description annotation are changed. Keys are namespace names.
 */
import type { ConfigMap, Namespace } from '../../shared/api/core-v1.ts';
import { ROOT_CA_CONFIG_MAP_KEY, ROOT_CA_CONFIG_MAP_NAME } from '../../shared/api/core-v1.ts';
import type { SharedInformerFactory } from '../../shared/cache/informer-factory.ts';
import type { SharedIndexInformer } from '../../shared/cache/shared-informer.ts';
import { unwrapTombstone } from '../../shared/cache/store.ts';
import { configMapsResource, type Clientset } from '../../shared/client/clientset.ts';
import { realClock, type Clock } from '../../shared/util/clock.ts';
import { log as rootLog, type Logger } from '../../shared/util/log.ts';
import { Controller } from '../framework/controller.ts';
import { activeNamespaceHandler } from '../framework/handlers.ts';
import { isNamespaceGoneError } from '../framework/namespace-errors.ts';
import type { Reconciler } from '../framework/reconciler.ts';

export const DESCRIPTION_ANNOTATION = 'kubernetes.io/description';
export const ROOT_CA_DESCRIPTION =
  'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.';

export interface RootCACertPublisherOptions {
  clientset: Clientset;
  informerFactory: SharedInformerFactory;
  /** The PEM bundle published as `ca.crt`. */
  rootCA: string;
  /** @default 1 */
  workers?: number;
  clock?: Clock;
  log?: Logger;
}

export class RootCACertPublisher implements Reconciler {
  readonly controller: Controller;
  readonly #clientset: Clientset;
  readonly #namespaces: SharedIndexInformer<Namespace>;
  readonly #configMaps: SharedIndexInformer<ConfigMap>;
  readonly #rootCA: string;
  readonly #log: Logger;

  constructor(options: RootCACertPublisherOptions) {
    this.#clientset = options.clientset;
    this.#rootCA = options.rootCA;
    this.#log = (options.log ?? rootLog).with({ controller: 'root-ca-cert-publisher' });
    this.#namespaces = options.informerFactory.namespaces<Namespace>();
    this.#configMaps = options.informerFactory.informerFor<ConfigMap>(configMapsResource);
    this.controller = new Controller({ name: 'root-ca-cert-publisher', reconciler: this, workers: options.workers ?? 1, clock: options.clock ?? realClock, log: options.log ?? rootLog });
    const ours = (cm: ConfigMap) => cm.metadata.name === ROOT_CA_CONFIG_MAP_NAME && Boolean(cm.metadata.namespace);
    // configMapUpdated / configMapDeleted: our ConfigMap changed or went away.
    this.#configMaps.addEventHandler({
      onAdd: () => undefined,
      onUpdate: (_old, cm) => {
        if (ours(cm)) this.controller.enqueue(cm.metadata.namespace as string);
      },
      onDelete: (obj) => {
        const cm = unwrapTombstone(obj);
        if (ours(cm)) this.controller.enqueue(cm.metadata.namespace as string);
      },
    });
    // namespaceAdded / namespaceUpdated (Active only).
    this.#namespaces.addEventHandler(activeNamespaceHandler((ns) => this.controller.enqueue(ns)));
  }

  async run(signal: AbortSignal): Promise<void> {
    await this.controller.run(signal, { hasSynced: [() => this.#namespaces.hasSynced(), () => this.#configMaps.hasSynced()] });
  }

  /** syncNamespace. */
  async reconcile(namespace: string, signal: AbortSignal): Promise<void> {
    const client = this.#clientset.resource<ConfigMap>(configMapsResource);
    const data = { [ROOT_CA_CONFIG_MAP_KEY]: this.#rootCA };
    const cm = this.#configMaps.lister.get(`${namespace}/${ROOT_CA_CONFIG_MAP_NAME}`);
    if (!cm) {
      const ns = this.#namespaces.lister.get(namespace);
      if (!ns || ns.metadata.deletionTimestamp) return;
      try {
        await client.create(
          {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name: ROOT_CA_CONFIG_MAP_NAME, namespace, annotations: { [DESCRIPTION_ANNOTATION]: ROOT_CA_DESCRIPTION } },
            data,
          },
          { signal },
        );
        this.#log.info('Published the root CA', { namespace });
      } catch (err) {
        // Do not retry a create into a namespace that is gone or terminating.
        if (isNamespaceGoneError(err)) return;
        throw err;
      }
      return;
    }
    const current = cm.data ?? {};
    const same = Object.keys(current).length === 1 && current[ROOT_CA_CONFIG_MAP_KEY] === this.#rootCA;
    if (same && cm.metadata.annotations?.[DESCRIPTION_ANNOTATION]) return;
    const updated: ConfigMap = {
      ...cm,
      metadata: { ...cm.metadata, annotations: { ...(cm.metadata.annotations ?? {}), [DESCRIPTION_ANNOTATION]: ROOT_CA_DESCRIPTION } },
      data,
    };
    await client.update(updated, { signal });
    this.#log.info('Restored the root CA ConfigMap', { namespace });
  }
}
