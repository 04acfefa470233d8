/**
 * What a Reflector needs from the API: list and watch one collection (tools/cache listwatch.go).
 */
import type { KubeList, KubeObject, Status, WatchEvent } from '../api/meta.ts';
import type { ListOptions, ResourceClient, WatchOptions } from '../client/interfaces.ts';

export interface ListerWatcher<T extends KubeObject = KubeObject> {
  list(options: ListOptions): Promise<KubeList<T>>;
  /** See ResourceClient.watch: errors on connect are thrown from the first iteration. */
  watch(options: WatchOptions): AsyncIterable<WatchEvent<T | Status>>;
}

export interface ListWatchOptions {
  /** '' (default) for all namespaces or a cluster-scoped resource. */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

/** A ListerWatcher over a ResourceClient, restricted to a namespace and selectors (NewFilteredListWatchFromClient). */
export function newListWatch<T extends KubeObject>(client: ResourceClient<T>, options: ListWatchOptions = {}): ListerWatcher<T> {
  const ns = options.namespace ?? '';
  const sel: { labelSelector?: string; fieldSelector?: string } = {};
  if (options.labelSelector) sel.labelSelector = options.labelSelector;
  if (options.fieldSelector) sel.fieldSelector = options.fieldSelector;
  return {
    list: (o) => client.list(ns, { ...o, ...sel }),
    watch: (o) => client.watch(ns, { ...o, ...sel }),
  };
}
