/**
 * A keyed object store with named secondary indexes (client-go tools/cache thread_safe_store.go + index.go).
 *
 * JavaScript runs one callback at a time, so no lock is needed: every method is atomic with respect to
 * every other. The name ThreadSafeStore is kept for cross-reference with client-go.
 *
 * Index functions map an object to zero or more index values ("which node is this pod on" -> ['node-1']).
 * `byIndex('nodeName', 'node-1')` then returns every pod on node-1 without a scan.
 */
import type { KubeObject } from '../api/meta.ts';
import { metaNamespaceKeyFunc, type KeyFunc, type Store } from './store.ts';

export type IndexFunc<T extends KubeObject = KubeObject> = (obj: T) => string[];
export type Indexers<T extends KubeObject = KubeObject> = Record<string, IndexFunc<T>>;

/** The conventional name of the namespace index. */
export const NAMESPACE_INDEX = 'namespace';

/** Indexes an object by its namespace (MetaNamespaceIndexFunc). */
export const metaNamespaceIndexFunc: IndexFunc = (obj) => [obj.metadata?.namespace ?? ''];

export interface Indexer<T extends KubeObject = KubeObject> extends Store<T> {
  /** Objects sharing at least one index value with obj under indexName. */
  index(indexName: string, obj: T): T[];
  /** Keys of the objects whose indexName values include value. */
  indexKeys(indexName: string, value: string): string[];
  /** Every value indexName currently has. */
  listIndexFuncValues(indexName: string): string[];
  /** Objects whose indexName values include value. */
  byIndex(indexName: string, value: string): T[];
  getIndexers(): Indexers<T>;
  /** Adds indexes (and indexes the current content under them). Names must be new. */
  addIndexers(indexers: Indexers<T>): void;
}

export class ThreadSafeStore<T extends KubeObject = KubeObject> implements Indexer<T> {
  readonly #keyFunc: KeyFunc;
  readonly #items = new Map<string, T>();
  readonly #indexers: Indexers<T> = {};
  /** indexName -> value -> keys */
  readonly #indices = new Map<string, Map<string, Set<string>>>();

  constructor(keyFunc: KeyFunc = metaNamespaceKeyFunc, indexers: Indexers<T> = {}) {
    this.#keyFunc = keyFunc;
    this.addIndexers(indexers);
  }

  get size(): number {
    return this.#items.size;
  }

  keyOf(obj: T): string {
    return this.#keyFunc(obj);
  }

  add(obj: T): void {
    this.#put(this.#keyFunc(obj), obj);
  }

  update(obj: T): void {
    this.#put(this.#keyFunc(obj), obj);
  }

  delete(obj: T): void {
    this.deleteByKey(this.#keyFunc(obj));
  }

  deleteByKey(key: string): void {
    const old = this.#items.get(key);
    if (old === undefined) return;
    this.#unindex(key, old);
    this.#items.delete(key);
  }

  get(obj: T): T | undefined {
    return this.#items.get(this.#keyFunc(obj));
  }

  getByKey(key: string): T | undefined {
    return this.#items.get(key);
  }

  list(): T[] {
    return [...this.#items.values()];
  }

  listKeys(): string[] {
    return [...this.#items.keys()];
  }

  replace(items: T[], _resourceVersion: string): void {
    this.#items.clear();
    for (const m of this.#indices.values()) m.clear();
    for (const obj of items) this.#put(this.#keyFunc(obj), obj);
  }

  index(indexName: string, obj: T): T[] {
    const fn = this.#indexFunc(indexName);
    const idx = this.#indices.get(indexName) as Map<string, Set<string>>;
    const keys = new Set<string>();
    for (const v of fn(obj)) for (const k of idx.get(v) ?? []) keys.add(k);
    return this.#objects(keys);
  }

  indexKeys(indexName: string, value: string): string[] {
    this.#indexFunc(indexName);
    return [...(this.#indices.get(indexName)?.get(value) ?? [])];
  }

  listIndexFuncValues(indexName: string): string[] {
    this.#indexFunc(indexName);
    return [...(this.#indices.get(indexName)?.keys() ?? [])];
  }

  byIndex(indexName: string, value: string): T[] {
    this.#indexFunc(indexName);
    return this.#objects(this.#indices.get(indexName)?.get(value) ?? []);
  }

  getIndexers(): Indexers<T> {
    return { ...this.#indexers };
  }

  addIndexers(indexers: Indexers<T>): void {
    for (const name of Object.keys(indexers)) {
      if (name in this.#indexers) throw new Error(`Cannot add indexer as an index named ${JSON.stringify(name)} exists`);
    }
    for (const [name, fn] of Object.entries(indexers)) {
      this.#indexers[name] = fn;
      const idx = new Map<string, Set<string>>();
      this.#indices.set(name, idx);
      for (const [key, obj] of this.#items) addToIndex(idx, fn(obj), key);
    }
  }

  #indexFunc(indexName: string): IndexFunc<T> {
    const fn = this.#indexers[indexName];
    if (!fn) throw new Error(`Cannot use index ${JSON.stringify(indexName)} as it does not exist`);
    return fn;
  }

  #objects(keys: Iterable<string>): T[] {
    const out: T[] = [];
    for (const k of keys) {
      const o = this.#items.get(k);
      if (o !== undefined) out.push(o);
    }
    return out;
  }

  #put(key: string, obj: T): void {
    const old = this.#items.get(key);
    if (old !== undefined) this.#unindex(key, old);
    this.#items.set(key, obj);
    for (const [name, fn] of Object.entries(this.#indexers)) {
      addToIndex(this.#indices.get(name) as Map<string, Set<string>>, fn(obj), key);
    }
  }

  #unindex(key: string, obj: T): void {
    for (const [name, fn] of Object.entries(this.#indexers)) {
      const idx = this.#indices.get(name) as Map<string, Set<string>>;
      for (const v of fn(obj)) {
        const set = idx.get(v);
        if (!set) continue;
        set.delete(key);
        if (set.size === 0) idx.delete(v);
      }
    }
  }
}

function addToIndex(idx: Map<string, Set<string>>, values: string[], key: string): void {
  for (const v of values) {
    let set = idx.get(v);
    if (!set) idx.set(v, (set = new Set()));
    set.add(key);
  }
}

/** A Store without indexes (cache.NewStore). */
export function newStore<T extends KubeObject = KubeObject>(keyFunc: KeyFunc = metaNamespaceKeyFunc): ThreadSafeStore<T> {
  return new ThreadSafeStore<T>(keyFunc);
}

/** An Indexer (cache.NewIndexer). */
export function newIndexer<T extends KubeObject = KubeObject>(indexers: Indexers<T> = {}, keyFunc: KeyFunc = metaNamespaceKeyFunc): ThreadSafeStore<T> {
  return new ThreadSafeStore<T>(keyFunc, indexers);
}
