/**
 * The JSON of objects the watch cache holds, encoded once and shared by every LIST and WATCH that returns them
 * (cached objects are immutable by contract). Kept in a WeakMap next to the object; the watch cache forgets an
 * object's encoding once a newer version replaces it (`forgetEncoding`), so superseded versions that only the
 * event window still holds do not keep a copy of their JSON too (at 30,000 pods that was hundreds of MiB:
 * docs/benchmarks.md, issue 4, hold).
 */
const encoded = new WeakMap<object, string>();

export function encodeJSON(obj: object): string {
  let s = encoded.get(obj);
  if (s === undefined) {
    s = JSON.stringify(obj);
    encoded.set(obj, s);
  }
  return s;
}

export function forgetEncoding(obj: object): void {
  encoded.delete(obj);
}

/** Whether obj's encoding is memoized (for tests). */
export function isEncoded(obj: object): boolean {
  return encoded.has(obj);
}
