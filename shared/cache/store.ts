/**
 * Store vocabulary of client-go tools/cache (store.go, delta_fifo.go): the object key, the tombstone handed
 * to delete handlers when the final state is unknown, and the Store interface.
 *
 * Objects in a store are shared with every reader: never mutate them, deep-copy first (`deepCopy` in
 * shared/api/meta.ts).
 */
import type { KubeObject } from '../api/meta.ts';

/** Computes an object's key. */
export type KeyFunc = (obj: KubeObject) => string;

/** `namespace/name`, or `name` for cluster-scoped objects (MetaNamespaceKeyFunc). */
export const metaNamespaceKeyFunc: KeyFunc = (obj) => {
  const name = obj.metadata?.name;
  if (!name) throw new Error('Cannot compute an object key as metadata.name is empty');
  const ns = obj.metadata.namespace;
  return ns ? `${ns}/${name}` : name;
};

/**
 * What a delete handler receives when the object vanished while the watch was down (noticed by a relist),
 * so its final state is unknown: `obj` is the last state the cache had (DeletedFinalStateUnknown).
 */
export class DeletedFinalStateUnknown<T extends KubeObject = KubeObject> {
  readonly key: string;
  readonly obj: T;
  constructor(key: string, obj: T) {
    this.key = key;
    this.obj = obj;
  }
}

/** The key of an object or of a tombstone (DeletionHandlingMetaNamespaceKeyFunc). */
export function deletionHandlingMetaNamespaceKeyFunc(obj: KubeObject | DeletedFinalStateUnknown): string {
  return obj instanceof DeletedFinalStateUnknown ? obj.key : metaNamespaceKeyFunc(obj);
}

/** Splits a key into namespace ('' for cluster-scoped) and name. */
export function splitMetaNamespaceKey(key: string): { namespace: string; name: string } {
  const parts = key.split('/');
  if (parts.length === 1) return { namespace: '', name: parts[0] as string };
  if (parts.length === 2) return { namespace: parts[0] as string, name: parts[1] as string };
  throw new Error(`Cannot split key as it has more than one "/": ${JSON.stringify(key)}`);
}

/** The object inside a tombstone, or the object itself. */
export function unwrapTombstone<T extends KubeObject>(obj: T | DeletedFinalStateUnknown<T>): T {
  return obj instanceof DeletedFinalStateUnknown ? obj.obj : obj;
}

/** A keyed collection of objects (tools/cache Store). */
export interface Store<T extends KubeObject = KubeObject> {
  add(obj: T): void;
  update(obj: T): void;
  delete(obj: T): void;
  list(): T[];
  listKeys(): string[];
  get(obj: T): T | undefined;
  getByKey(key: string): T | undefined;
  /** Replaces the whole content; `resourceVersion` is the list's. */
  replace(items: T[], resourceVersion: string): void;
  /** Number of objects. */
  readonly size: number;
}

/** What a Reflector writes to (tools/cache Store as the reflector uses it). A Store is one. */
export interface ReflectorStore<T extends KubeObject = KubeObject> {
  add(obj: T): void;
  update(obj: T): void;
  delete(obj: T): void;
  replace(items: T[], resourceVersion: string): void;
}
