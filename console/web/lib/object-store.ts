/**
 * An informer's cache for one resource: objects by `namespace/name`, kept outside the component tree so that a
 * burst of watch events costs map writes, not renders. `version` moves on every change, so views can memoize
 * what they derive from the store on it.
 */
import { objectKey, type Status, type StoredObject, type WatchEvent } from './kube-types.ts';

/** What applying one watch event did. */
export type ApplyResult =
  | { kind: 'applied' }
  | { kind: 'bookmark' }
  /** ERROR with 410 (Expired/Gone): the resourceVersion is too old; the informer must list again. */
  | { kind: 'expired'; message: string }
  | { kind: 'error'; message: string };

export class ObjectStore<T extends StoredObject> {
  #items = new Map<string, T>();
  #version = 0;
  #resourceVersion = '';

  /** Moves on every change (replace, add, update, delete). */
  get version(): number {
    return this.#version;
  }
  /** The resourceVersion of the last list or event seen. */
  get resourceVersion(): string {
    return this.#resourceVersion;
  }
  get size(): number {
    return this.#items.size;
  }
  get(key: string): T | undefined {
    return this.#items.get(key);
  }
  /** The objects, in insertion order (views sort as they need). */
  list(): T[] {
    return [...this.#items.values()];
  }

  /** Replaces everything with a list's items (cache.Store.Replace). */
  replace(items: readonly T[], resourceVersion: string): void {
    this.#items = new Map(items.map((o) => [objectKey(o), o]));
    this.#resourceVersion = resourceVersion;
    this.#version++;
  }

  apply(event: WatchEvent<T | Status>): ApplyResult {
    if (event.type === 'ERROR') {
      const status = event.object as Partial<Status>;
      const message = status.message ?? `watch error (code ${status.code ?? 'unknown'})`;
      if (isExpired(status)) return { kind: 'expired', message };
      return { kind: 'error', message };
    }
    const obj = event.object as T;
    const rv = obj.metadata?.resourceVersion;
    if (rv) this.#resourceVersion = rv;
    if (event.type === 'BOOKMARK') return { kind: 'bookmark' };
    const key = objectKey(obj);
    if (event.type === 'DELETED') {
      if (this.#items.delete(key)) this.#version++;
    } else {
      this.#items.set(key, obj);
      this.#version++;
    }
    return { kind: 'applied' };
  }
}

/** A watch ERROR that means "list again": 410 Gone / reason Expired (or Gone, as older servers said). */
export function isExpired(status: Partial<Status>): boolean {
  return status.code === 410 || status.reason === 'Expired' || (status.reason as string | undefined) === 'Gone';
}
