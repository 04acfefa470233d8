/**
 * A set of small integers [0, max) with kube's random allocation (pkg/registry/core/service/allocator
 * bitmap.go, AllocationMapWithOffset): values below `offset` form the static band kept for requested
 * values; allocateNext picks at random in the dynamic band [offset, max) first and falls back to the
 * static band only when the dynamic one is full (KEP-3070 for ClusterIPs, KEP-3668 for NodePorts).
 */
export class AllocationBitmap {
  readonly max: number;
  readonly offset: number;
  readonly #bits: Uint8Array;
  #count = 0;
  readonly #random: () => number;

  /** `random` returns [0, 1) like Math.random (tests pass a seeded one). */
  constructor(max: number, offset = 0, random: () => number = Math.random) {
    this.max = Math.max(0, max);
    this.offset = offset > 0 && offset < this.max ? offset : 0;
    this.#bits = new Uint8Array(Math.ceil(this.max / 8));
    this.#random = random;
  }

  has(i: number): boolean {
    if (!Number.isInteger(i) || i < 0 || i >= this.max) return false;
    return ((this.#bits[i >> 3] ?? 0) & (1 << (i & 7))) !== 0;
  }

  /** Marks i; false when it was already marked or is outside [0, max). */
  allocate(i: number): boolean {
    if (!Number.isInteger(i) || i < 0 || i >= this.max || this.has(i)) return false;
    this.#bits[i >> 3] = (this.#bits[i >> 3] ?? 0) | (1 << (i & 7));
    this.#count++;
    return true;
  }

  release(i: number): void {
    if (!this.has(i)) return;
    this.#bits[i >> 3] = (this.#bits[i >> 3] ?? 0) & ~(1 << (i & 7));
    this.#count--;
  }

  /** A random free value, marked (dynamic band first); undefined when every value is taken. */
  allocateNext(): number | undefined {
    if (this.#count >= this.max) return undefined;
    const next = this.#scan(this.offset, this.max) ?? (this.offset > 0 ? this.#scan(0, this.offset) : undefined);
    if (next !== undefined) this.allocate(next);
    return next;
  }

  /** Random start in [lo, hi), then a linear scan with wrap-around (randomScanStrategyWithOffset). */
  #scan(lo: number, hi: number): number | undefined {
    const size = hi - lo;
    if (size <= 0) return undefined;
    const start = Math.floor(this.#random() * size);
    for (let k = 0; k < size; k++) {
      const at = lo + ((start + k) % size);
      if (!this.has(at)) return at;
    }
    return undefined;
  }

  get count(): number {
    return this.#count;
  }

  free(): number {
    return this.max - this.#count;
  }

  forEach(fn: (i: number) => void): void {
    for (let i = 0; i < this.max; i++) if (this.has(i)) fn(i);
  }
}
