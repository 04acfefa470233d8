/**
 * A binary min-heap keyed by string with O(log n) update and delete by key (kube-scheduler
 * backend/heap/heap.go). `less(a, b)` true means a comes out first.
 */
export class Heap<T> {
  readonly #less: (a: T, b: T) => boolean;
  readonly #keyOf: (item: T) => string;
  readonly #items: T[] = [];
  readonly #index = new Map<string, number>();

  constructor(keyOf: (item: T) => string, less: (a: T, b: T) => boolean) {
    this.#keyOf = keyOf;
    this.#less = less;
  }

  get size(): number {
    return this.#items.length;
  }

  has(key: string): boolean {
    return this.#index.has(key);
  }

  get(key: string): T | undefined {
    const i = this.#index.get(key);
    return i === undefined ? undefined : this.#items[i];
  }

  peek(): T | undefined {
    return this.#items[0];
  }

  /** Adds the item, or replaces the item with the same key and restores the order. */
  addOrUpdate(item: T): void {
    const key = this.#keyOf(item);
    const i = this.#index.get(key);
    if (i !== undefined) {
      this.#items[i] = item;
      this.#fix(i);
      return;
    }
    this.#items.push(item);
    this.#index.set(key, this.#items.length - 1);
    this.#up(this.#items.length - 1);
  }

  pop(): T | undefined {
    const items = this.#items;
    if (items.length === 0) return undefined;
    const top = items[0]!;
    this.#removeAt(0);
    return top;
  }

  delete(key: string): T | undefined {
    const i = this.#index.get(key);
    if (i === undefined) return undefined;
    const item = this.#items[i]!;
    this.#removeAt(i);
    return item;
  }

  /** The items in heap order (not sorted). */
  values(): readonly T[] {
    return this.#items;
  }

  #removeAt(i: number): void {
    const items = this.#items;
    const last = items.length - 1;
    this.#index.delete(this.#keyOf(items[i]!));
    if (i !== last) {
      items[i] = items[last]!;
      this.#index.set(this.#keyOf(items[i]!), i);
      items.pop();
      this.#fix(i);
    } else {
      items.pop();
    }
  }

  #fix(i: number): void {
    if (!this.#down(i)) this.#up(i);
  }

  #swap(i: number, j: number): void {
    const items = this.#items;
    const a = items[i]!;
    const b = items[j]!;
    items[i] = b;
    items[j] = a;
    this.#index.set(this.#keyOf(b), i);
    this.#index.set(this.#keyOf(a), j);
  }

  #up(i: number): void {
    const items = this.#items;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#less(items[i]!, items[parent]!)) break;
      this.#swap(i, parent);
      i = parent;
    }
  }

  /** Returns true when the item moved. */
  #down(i0: number): boolean {
    const items = this.#items;
    const n = items.length;
    let i = i0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      let m = l;
      const r = l + 1;
      if (r < n && this.#less(items[r]!, items[l]!)) m = r;
      if (!this.#less(items[m]!, items[i]!)) break;
      this.#swap(i, m);
      i = m;
    }
    return i > i0;
  }
}
