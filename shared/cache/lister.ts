/**
 * Read access to an informer's cache (the generated listers of client-go, one generic class here).
 * Objects returned are the cache's own: never mutate them; deep-copy before changing and writing back.
 */
import type { KubeObject } from '../api/meta.ts';
import { NAMESPACE_INDEX, type Indexer } from './indexer.ts';

/** Filters objects; e.g. `(p) => p.metadata.labels?.['app'] === 'web'`. */
export type ObjectPredicate<T> = (obj: T) => boolean;

/** Builds a predicate matching every label of `selector` exactly (a matchLabels selector). */
export function matchLabels<T extends KubeObject>(selector: Record<string, string>): ObjectPredicate<T> {
  const entries = Object.entries(selector);
  return (obj) => {
    const labels = obj.metadata?.labels ?? {};
    return entries.every(([k, v]) => labels[k] === v);
  };
}

export class Lister<T extends KubeObject = KubeObject> {
  readonly #indexer: Indexer<T>;

  constructor(indexer: Indexer<T>) {
    this.#indexer = indexer;
  }

  /** Every object (in all namespaces), optionally filtered. */
  list(predicate?: ObjectPredicate<T>): T[] {
    const all = this.#indexer.list();
    return predicate ? all.filter(predicate) : all;
  }

  /** A cluster-scoped object by name (or any object by its full key `ns/name`). */
  get(name: string): T | undefined {
    return this.#indexer.getByKey(name);
  }

  /** The objects of one namespace. */
  namespace(namespace: string): NamespaceLister<T> {
    return new NamespaceLister(this.#indexer, namespace);
  }

  /** Objects whose indexName values include value (see Indexer.byIndex). */
  byIndex(indexName: string, value: string): T[] {
    return this.#indexer.byIndex(indexName, value);
  }
}

export class NamespaceLister<T extends KubeObject = KubeObject> {
  readonly #indexer: Indexer<T>;
  readonly #namespace: string;

  constructor(indexer: Indexer<T>, namespace: string) {
    this.#indexer = indexer;
    this.#namespace = namespace;
  }

  list(predicate?: ObjectPredicate<T>): T[] {
    let items: T[];
    if (NAMESPACE_INDEX in this.#indexer.getIndexers()) {
      items = this.#indexer.byIndex(NAMESPACE_INDEX, this.#namespace);
    } else {
      items = this.#indexer.list().filter((o) => (o.metadata?.namespace ?? '') === this.#namespace);
    }
    return predicate ? items.filter(predicate) : items;
  }

  get(name: string): T | undefined {
    return this.#indexer.getByKey(this.#namespace ? `${this.#namespace}/${name}` : name);
  }
}
