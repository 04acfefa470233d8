/**
 * The Kubernetes wire types the console reads, re-exported from the project's own (type-only imports, so the
 * browser bundle carries none of shared/'s code) plus the few shapes only the console needs.
 */
export type { Pod, Node, Event, ContainerStatus, ContainerState } from '../../../shared/api/core-v1.ts';
export type { Status, WatchEvent, WatchEventType, ObjectMeta } from '../../../shared/api/meta.ts';

/** What every object the console stores has. */
export interface StoredObject {
  metadata: { name?: string; namespace?: string; resourceVersion?: string; uid?: string };
}

/** A list response: the items and the resourceVersion to watch from. */
export interface ListResult<T> {
  items: T[];
  resourceVersion: string;
}

/** GET /session of `kubelab console`. */
export interface Session {
  user: string;
  groups: string[];
}

/** The key of an object in a store: `namespace/name`, or `name` for cluster-scoped objects (cache.MetaNamespaceKeyFunc). */
export function objectKey(obj: StoredObject): string {
  const name = obj.metadata.name ?? '';
  return obj.metadata.namespace ? `${obj.metadata.namespace}/${name}` : name;
}
