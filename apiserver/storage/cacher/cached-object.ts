/**
 * CachedObject: how the watch cache holds one object version: its JSON text, which every LIST copies into its
 * output chunks and every WATCH event wraps once for all its watchers, the selection attributes (labels and
 * selectable fields, kube's `GetAttrs`) that selectors need, and the parsed object only as long as something
 * uses it.
 *
 * Why text first: a parsed pod costs ~2.5x its JSON in V8 heap (every nested object and string is a heap
 * object), and LIST needs the JSON anyway (re-encoding 10,000 pods per rv=0 list costs more than the list
 * itself). Keeping the text and letting the parsed object go cut the apiserver's live heap per cached pod from
 * ~11.8 KiB (object + JSON memo) to 6.1-6.8 KiB (docs/benchmarks.md, issue 2). Go's cacher keeps decoded
 * objects; kube-apiserver pays for that in Go memory.
 *
 * Why a string and not a Buffer of UTF-8: writing a string into an output chunk costs the same as copying bytes
 * (a 10,000-pod list: p50 41-51 ms against 44-47 ms), the V8 heap compacts while 4-8 KB malloc'd buffers churned
 * by updates fragment the C heap (a test churning 30,000 such buffers 90,000 times held 318 MB of RSS for 172 MB
 * of live buffers), and a Latin-1 string costs one byte per character too. At 30,000 pods the RSS came out about
 * the same either way (1,130 MiB with buffers, 1,227 MiB with strings: both keep the fill's peak, V8 its heap and
 * malloc its free lists); at 10,000 pods at rest both are ~190 MiB.
 *
 * `object` returns the parsed object: the one the cache was given while anything still holds it (a WeakRef),
 * else a fresh parse of the text (kept the same way). Either way it is shared and read-only.
 */
import type { KubeObject } from '../../../shared/api/meta.ts';
import { deepCopy } from '../../../shared/api/meta.ts';
import { writtenObject } from '../embedded/codec.ts';

/** What selectors look at (k8s storage.AttrFunc): labels and the resource's selectable fields. */
export interface ObjectAttrs {
  readonly labels: Readonly<Record<string, string>> | undefined;
  readonly fields: Readonly<Record<string, string>>;
}

export type AttrsFunc = (obj: KubeObject) => ObjectAttrs;

/** A selector evaluated on attributes, never on the object (so the cache need not parse anything). */
export type AttrsPredicate = (attrs: ObjectAttrs) => boolean;

/** The attributes every resource has: labels, metadata.name, metadata.namespace. */
export const defaultAttrs: AttrsFunc = (obj) => {
  const md = obj.metadata;
  const fields: Record<string, string> = { 'metadata.name': md.name ?? '' };
  if (md.namespace !== undefined) fields['metadata.namespace'] = md.namespace;
  return { labels: md.labels, fields };
};

export function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o as Record<string, unknown>)) deepFreeze(v);
  }
  return o;
}

export class CachedObject {
  /** The object's JSON (with its resourceVersion), as LIST and WATCH write it. */
  readonly text: string;
  /** Its length in UTF-8 bytes. */
  readonly byteLength: number;
  readonly attrs: ObjectAttrs;
  #ref: WeakRef<KubeObject>;
  /** The protobuf message, once a protobuf LIST or WATCH asked for it (see protobuf()). */
  #protobuf: string | undefined;
  readonly #freeze: boolean;

  private constructor(text: string, attrs: ObjectAttrs, obj: KubeObject, freeze: boolean) {
    this.text = text;
    this.byteLength = Buffer.byteLength(text);
    this.attrs = attrs;
    this.#ref = new WeakRef(obj);
    this.#freeze = freeze;
  }

  /**
   * Takes over `obj` (the caller must not mutate it afterwards): encodes it once and computes its attributes.
   * `freeze` deep-freezes it (a debug aid that catches anyone mutating cached objects).
   */
  static of(obj: KubeObject, attrsOf: AttrsFunc, freeze = false): CachedObject {
    if (freeze) deepFreeze(obj);
    return new CachedObject(JSON.stringify(obj), attrsOf(obj), obj, freeze);
  }

  /** The parsed object, shared and read-only (see the file comment). */
  get object(): KubeObject {
    let o = this.#ref.deref();
    if (o === undefined) {
      o = JSON.parse(this.text) as KubeObject;
      if (this.#freeze) deepFreeze(o);
      this.#ref = new WeakRef(o);
    }
    return o;
  }

  /**
   * The object's protobuf message (no envelope) as a Latin-1 string of its bytes, made by `encode` the first time
   * a protobuf LIST or WATCH needs it and kept with this version (kube's cacher also keeps each serialization of
   * a cached object it has written: cachingObject). A string for the same reasons as `text`; objects nobody
   * reads in protobuf never get one.
   */
  protobuf(encode: (obj: KubeObject) => Buffer): string {
    return (this.#protobuf ??= encode(this.object).toString('latin1'));
  }

  /** A copy the caller owns. */
  fresh(): KubeObject {
    const o = this.#ref.deref();
    return o === undefined ? (JSON.parse(this.text) as KubeObject) : deepCopy(o);
  }

  /** This object with metadata.resourceVersion = revision (a DELETED built from a previous state). */
  withResourceVersion(revision: number): CachedObject {
    return CachedObject.of(writtenObject(this.object, revision), () => this.attrs, this.#freeze);
  }
}
