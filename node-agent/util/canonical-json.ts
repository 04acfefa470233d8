import { stableStringify } from '../../shared/util/stable-json.ts';

/**
 * Deterministic JSON: object keys sorted, undefined and null dropped. Two values that are equal as API
 * objects (whatever order the server printed their fields in) give the same string.
 */
export function canonicalJson(v: unknown): string {
  return stableStringify(v, { omitNull: true });
}

/**
 * A 53-bit hash of a string (two independent 32-bit FNV-1a variants folded into one safe integer), for
 * change detection where keeping the string itself would cost memory.
 */
export function hash53(s: string): number {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193 ^ 0x9e3779b9;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ c, 0x5bd1e995) >>> 0;
    h2 ^= h2 >>> 15;
  }
  return (h1 * 0x200000 + (h2 & 0x1fffff)) % Number.MAX_SAFE_INTEGER;
}
