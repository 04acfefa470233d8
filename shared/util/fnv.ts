/**
 * FNV hashes, 32 bit, as Go's hash/fnv: New32 (FNV-1, ControllerRevision names) and New32a (FNV-1a, the
 * pod-template-hash and controller-revision-hash of controller.ComputeHash). Strings are hashed as UTF-8.
 * Pass the previous result as seed to hash more bytes into the same sum (Go's repeated Write).
 */

const FNV32_OFFSET_BASIS = 0x811c9dc5;
const FNV32_PRIME = 0x01000193;

function bytesOf(data: string | Uint8Array): Uint8Array {
  return typeof data === 'string' ? new TextEncoder().encode(data) : data;
}

/** FNV-1 32-bit (Go hash/fnv New32): multiply, then xor each byte. */
export function fnv1_32(data: string | Uint8Array, seed = FNV32_OFFSET_BASIS): number {
  let h = seed >>> 0;
  for (const b of bytesOf(data)) h = (Math.imul(h, FNV32_PRIME) ^ b) >>> 0;
  return h;
}

/** FNV-1a 32-bit (Go hash/fnv New32a): xor each byte, then multiply. */
export function fnv1a_32(data: string | Uint8Array, seed = FNV32_OFFSET_BASIS): number {
  let h = seed >>> 0;
  for (const b of bytesOf(data)) h = Math.imul((h ^ b) >>> 0, FNV32_PRIME) >>> 0;
  return h;
}
