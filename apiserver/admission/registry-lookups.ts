import type { Namespace, Node, Pod } from '../../shared/api/core-v1.ts';
import type { KubeObject } from '../../shared/api/meta.ts';
import { isNotFound } from '../../shared/errors/status-error.ts';
import type { GenericStore } from '../registry/generic/store.ts';
import type { SelectionPredicate } from '../registry/generic/selection.ts';
import { everything } from '../registry/generic/selection.ts';
import type { AdmissionLookups, ServiceAccountLike } from './lookups.ts';

/** A predicate selecting one object by name (served from the watch cache). */
function byName(name: string): SelectionPredicate {
  return {
    empty: false,
    matches: (o) => o.metadata.name === name,
    matchesAttrs: (a) => a.fields['metadata.name'] === name,
  };
}

/**
 * AdmissionLookups over the registry's stores: reads come from the watch cache (LIST at resourceVersion 0,
 * as upstream's informer listers), and a miss is checked once against storage (an object created a moment
 * ago may not have reached the cache yet). A resource the registry does not serve reads as absent.
 */
export function registryLookups(stores: ReadonlyMap<string, GenericStore>): AdmissionLookups {
  async function get<T extends KubeObject>(resource: string, namespace: string | undefined, name: string): Promise<T | null> {
    const store = stores.get(resource);
    if (!store || !name) return null;
    const cached = await store.list(namespace, { predicate: byName(name), resourceVersion: '0' });
    const hit = cached.items[0];
    if (hit) return hit as T;
    try {
      return (await store.get(namespace, name)) as T;
    } catch (e) {
      if (isNotFound(e)) return null;
      throw e;
    }
  }
  return {
    getServiceAccount: (namespace, name) => get<ServiceAccountLike>('serviceaccounts', namespace, name),
    getNamespace: (name) => get<Namespace>('namespaces', undefined, name),
    getPod: (namespace, name) => get<Pod>('pods', namespace, name),
    getNode: (name) => get<Node>('nodes', undefined, name),
    async listPods(namespace) {
      const store = stores.get('pods');
      if (!store) return [];
      return (await store.list(namespace, { predicate: everything, resourceVersion: '0' })).items as Pod[];
    },
  };
}
