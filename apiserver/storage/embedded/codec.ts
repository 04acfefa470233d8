/**
 * Object <-> stored bytes, shared by the storage backends (embedded and etcd3).
 *
 * Stored form: JSON text of the object WITHOUT metadata.resourceVersion (the revision is the row's/key's mod
 * revision, set on read). This mirrors k8s' APIObjectVersioner: etcd3/store.go clears the RV before encoding and
 * sets it from the kv's ModRevision after decoding.
 */
import { isDeepStrictEqual } from 'node:util';
import type { KubeObject } from '../../../shared/api/meta.ts';
import { StorageError } from '../errors.ts';
import type { Preconditions, StorageEvent } from '../interfaces.ts';

/**
 * The largest write either backend takes: etcd's default --max-request-bytes (1.5 MiB), which bounds the whole
 * put request (key, value and a little framing). The embedded store keeps the same bound so an object that one
 * backend stores the other stores too.
 */
export const MAX_STORED_REQUEST_BYTES = 1572864;
/** What an etcd put request carries besides the key and the value (txn, compare, protobuf framing), rounded up. */
const PUT_REQUEST_OVERHEAD_BYTES = 256;

/** Throws StorageError('RequestEntityTooLarge') when key + text would not fit in one etcd request. */
export function checkStoredSize(key: string, text: string): void {
  // A UTF-8 byte is at most 3 per UTF-16 unit: most objects are decided without counting.
  if ((key.length + text.length) * 3 + PUT_REQUEST_OVERHEAD_BYTES <= MAX_STORED_REQUEST_BYTES) return;
  if (Buffer.byteLength(key) + Buffer.byteLength(text) + PUT_REQUEST_OVERHEAD_BYTES <= MAX_STORED_REQUEST_BYTES) return;
  throw new StorageError('RequestEntityTooLarge', key, `Cannot store ${key} as it is larger than the storage limit of ${MAX_STORED_REQUEST_BYTES} bytes`);
}

/** Serializes obj for storage, leaving obj untouched. Throws StorageError('InvalidObj'). */
export function encodeObject(key: string, obj: KubeObject): string {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
    throw new StorageError('InvalidObj', key, `Cannot store ${key} as the object is not a JSON object`);
  }
  const md = obj.metadata;
  if (typeof md !== 'object' || md === null || Array.isArray(md)) {
    throw new StorageError('InvalidObj', key, `Cannot store ${key} as the object has no metadata`);
  }
  let text: string;
  try {
    if (md.resourceVersion !== undefined) {
      const { resourceVersion: _ignored, ...rest } = md;
      text = JSON.stringify({ ...obj, metadata: rest });
    } else {
      text = JSON.stringify(obj);
    }
  } catch (e) {
    throw new StorageError('InvalidObj', key, `Cannot store ${key} as it does not serialize to JSON: ${(e as Error).message}`);
  }
  checkStoredSize(key, text);
  return text;
}

/** Parses stored text into a fresh object the caller owns, with resourceVersion = rev. */
export function decodeObject(text: string, rev: number): KubeObject {
  const obj = JSON.parse(text) as KubeObject;
  if (typeof obj.metadata !== 'object' || obj.metadata === null) obj.metadata = {};
  obj.metadata.resourceVersion = String(rev);
  return obj;
}

/**
 * The object just written, as a write returns it: `obj` with resourceVersion = rev, without re-parsing the
 * stored text. Only the top level and metadata are copied; nested values are shared with `obj`, which the
 * writer hands over (Storage contract) and must not mutate afterwards.
 */
export function writtenObject(obj: KubeObject, rev: number): KubeObject {
  return { ...obj, metadata: { ...obj.metadata, resourceVersion: String(rev) } };
}

/**
 * True when two stored texts hold the same object. Equal JSON that differs only in key order has the same
 * length, so the deep comparison only runs when lengths match and the bytes differ.
 */
export function sameStoredObject(a: string, b: string): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  return isDeepStrictEqual(JSON.parse(a), JSON.parse(b));
}

/**
 * Checks preconditions against the current object (null when absent), like k8s storage.Preconditions.Check.
 * Returns the Conflict error to throw, or null.
 */
export function checkPreconditions(key: string, pre: Preconditions | undefined, current: KubeObject | null): StorageError | null {
  if (!pre) return null;
  const md = current?.metadata;
  if (pre.uid !== undefined && pre.uid !== md?.uid) {
    return new StorageError(
      'Conflict',
      key,
      `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${md?.uid ?? ''}`,
    );
  }
  if (pre.resourceVersion !== undefined && pre.resourceVersion !== md?.resourceVersion) {
    return new StorageError(
      'Conflict',
      key,
      `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${md?.resourceVersion ?? ''}`,
    );
  }
  return null;
}

/** The exclusive upper bound of the key range that starts with prefix (etcd's GetPrefixRangeEnd). */
export function prefixRangeEnd(prefix: string): string {
  if (prefix.length === 0) return '\uffff';
  const last = prefix.charCodeAt(prefix.length - 1);
  return prefix.slice(0, -1) + String.fromCharCode(last + 1);
}

/** Parses an object's resourceVersion as a revision; NaN-safe (returns 0 when absent or malformed). */
export function revisionOf(obj: KubeObject): number {
  const rv = obj.metadata?.resourceVersion;
  if (rv === undefined || !/^\d+$/.test(rv)) return 0;
  return Number(rv);
}

/**
 * A watch event whose `prevObject` is parsed from its stored text only if someone reads it (the watch cache
 * keeps its own previous state and never does, so an update costs the watch one parse instead of two).
 */
export class StoredTextEvent implements StorageEvent {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED';
  readonly key: string;
  readonly revision: number;
  readonly object: KubeObject;
  readonly #prevText: string | null;
  readonly #prevRev: number;
  #prev: KubeObject | undefined;

  constructor(type: StorageEvent['type'], key: string, revision: number, object: KubeObject, prevText: string | null, prevRev: number) {
    this.type = type;
    this.key = key;
    this.revision = revision;
    this.object = object;
    this.#prevText = prevText;
    this.#prevRev = prevRev;
  }

  get prevObject(): KubeObject | undefined {
    if (this.#prev === undefined && this.#prevText !== null) this.#prev = decodeObject(this.#prevText, this.#prevRev);
    return this.#prev;
  }
}
