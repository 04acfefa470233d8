/**
 * LocalWrites: what an Etcd3Store is writing, by key, until its own watch delivers the write. The watch then
 * takes the object instead of parsing the bytes etcd sends back: an event whose value is byte for byte the value
 * this store put for that key is that write (its resourceVersion is the event's mod revision). Saves a JSON parse
 * of every object the apiserver writes itself (~40 us and its garbage per 5 KB pod); a write made by another
 * apiserver, or one whose entry is gone, is parsed as before.
 *
 * Entries are made before the txn is sent (etcd may deliver the watch event before the txn's response) and
 * dropped when the txn fails. Each object is the store's own shallow copy, never the one a write returns, so
 * the caller may change what it got back. Bounded: past `limit` entries the oldest go.
 */
import type { KubeObject } from '../../../shared/api/meta.ts';
import { writtenObject } from '../embedded/codec.ts';

export class LocalWrites {
  readonly #limit: number;
  readonly #byKey = new Map<string, { value: Buffer; object: KubeObject }>();

  constructor(limit = 1024) {
    this.#limit = limit;
  }

  get size(): number {
    return this.#byKey.size;
  }

  /** About to put `value` (the stored bytes of `object`) at key. Keeps its own copy of the top level and metadata. */
  remember(key: string, value: Buffer, object: KubeObject): void {
    this.#byKey.delete(key); // re-insert: the Map's order is the eviction order
    this.#byKey.set(key, { value, object: writtenObject(object, 0) });
    if (this.#byKey.size > this.#limit) this.#byKey.delete(this.#byKey.keys().next().value!);
  }

  /** The put of `value` at key did not happen. */
  forget(key: string, value: Buffer): void {
    if (this.#byKey.get(key)?.value === value) this.#byKey.delete(key);
  }

  /** The object of a watch event that put `value` at key at revision rev, once; undefined when unknown. */
  take(key: string, value: Buffer, rev: number): KubeObject | undefined {
    const e = this.#byKey.get(key);
    if (!e || !e.value.equals(value)) return undefined;
    this.#byKey.delete(key);
    e.object.metadata.resourceVersion = String(rev);
    return e.object;
  }
}
