/**
 * Deduplicates the strings of parsed JSON objects. JSON.parse gives every pod its own copy of
 * "localhost/busybox:1.35", "True", "2026-...Z", "default-scheduler" and so on; for thousands of cached pods
 * (simulated nodes) sharing one copy saves several KiB per pod. Values under keys that are unique per object
 * (uid, resourceVersion, ...) are left alone, and the pool is cleared when it reaches `maxEntries`, so its
 * memory stays bounded whatever flows through.
 */
const UNIQUE_KEYS = new Set(['uid', 'resourceVersion', 'generateName', 'podIP', 'ip', 'containerID', 'continue', 'selfLink']);

export class StringInterner {
  #pool = new Map<string, string>();
  #max: number;

  constructor(maxEntries = 200_000) {
    this.#max = maxEntries;
  }

  intern(s: string): string {
    if (s.length > 256) return s;
    const hit = this.#pool.get(s);
    if (hit !== undefined) return hit;
    if (this.#pool.size >= this.#max) this.#pool.clear();
    this.#pool.set(s, s);
    return s;
  }

  /** Replaces, in place, the string values of a JSON object tree by their pooled copies. Returns obj. */
  internDeep<T>(obj: T): T {
    this.#walk(obj as unknown);
    return obj;
  }

  #walk(v: unknown): void {
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const x: unknown = v[i];
        if (typeof x === 'string') v[i] = this.intern(x);
        else if (x && typeof x === 'object') this.#walk(x);
      }
      return;
    }
    if (!v || typeof v !== 'object') return;
    const o = v as Record<string, unknown>;
    for (const k of Object.keys(o)) {
      const x = o[k];
      if (typeof x === 'string') {
        if (!UNIQUE_KEYS.has(k)) o[k] = this.intern(x);
      } else if (x && typeof x === 'object') this.#walk(x);
    }
  }

  get size(): number {
    return this.#pool.size;
  }
}
