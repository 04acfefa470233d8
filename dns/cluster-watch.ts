/**
 * Feeds a KubeZone from the cluster: Services, EndpointSlices and Namespaces through shared informers (the cache is the
 * zone itself; handlers only copy what they get into it).
 */
import type { Service } from '../shared/api/core-v1.ts';
import { LABEL_SERVICE_NAME, type EndpointSlice } from '../shared/api/discovery-v1.ts';
import type { SharedInformerFactory } from '../shared/cache/informer-factory.ts';
import { unwrapTombstone } from '../shared/cache/store.ts';
import { endpointSlicesResource, namespacesResource, servicesResource } from '../shared/client/clientset.ts';
import type { KubeZone } from './kube-zone.ts';

/** Registers the zone's handlers on the factory's Service, EndpointSlice and Namespace informers (start the factory after). */
export function watchCluster(zone: KubeZone, factory: SharedInformerFactory): void {
  factory.informerFor(namespacesResource).addEventHandler({
    onAdd: (ns) => zone.upsertNamespace(ns.metadata.name ?? ''),
    onDelete: (obj) => zone.deleteNamespace(unwrapTombstone(obj).metadata.name ?? ''),
  });
  factory.informerFor<Service>(servicesResource).addEventHandler({
    onAdd: (svc) => zone.upsertService(svc),
    onUpdate: (_old, svc) => zone.upsertService(svc),
    onDelete: (obj) => {
      const svc = unwrapTombstone(obj);
      zone.deleteService(svc.metadata.namespace ?? '', svc.metadata.name ?? '');
    },
  });
  factory.informerFor<EndpointSlice>(endpointSlicesResource).addEventHandler({
    onAdd: (slice) => zone.upsertEndpointSlice(slice),
    onUpdate: (old, slice) => {
      // A slice relabelled to another Service leaves the first one.
      if (old.metadata.labels?.[LABEL_SERVICE_NAME] !== slice.metadata.labels?.[LABEL_SERVICE_NAME]) zone.deleteEndpointSlice(old);
      zone.upsertEndpointSlice(slice);
    },
    onDelete: (obj) => zone.deleteEndpointSlice(unwrapTombstone(obj)),
  });
}
