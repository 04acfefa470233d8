/**
 * A small, faithful in-memory MVCC `Storage` for the cacher's unit tests (private to this folder).
 *
 * - One monotonic revision; every write gets a new one. An append-only history of changes (with the previous
 *   state) backs watch-from-revision and list-at-revision; `compact(rev)` drops history at and before rev.
 * - Objects are stored without resourceVersion and handed out as fresh copies with it set.
 * - Watch delivery is asynchronous (a queue per watcher drained by the consumer), like a real backend.
 * - Test hooks: a call log (`calls`), `breakWatches(err)` makes every open watch iterator throw,
 *   `failWatchesWith` makes the next watch() calls throw, and with `{ progressNotify: true }` the store
 *   implements `requestWatchProgress()` (emits a progress BOOKMARK on every open watch).
 */
import type { KubeObject } from '../../../shared/api/meta.ts';
import { StorageError } from '../errors.ts';
import type {
  DeleteOptions,
  ListOptions,
  ListResult,
  Preconditions,
  Storage,
  StorageEvent,
  TryUpdate,
  UpdateOptions,
  WatchOptions,
} from '../interfaces.ts';

interface Stored {
  /** JSON of the object without resourceVersion. */
  json: string;
  modRevision: number;
}

interface Change {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  key: string;
  revision: number;
  /** State after the change (null for DELETED). */
  after: Stored | null;
  /** State before the change (null for ADDED). */
  before: Stored | null;
}

interface OpenWatch {
  prefix: string;
  push(ev: StorageEvent): void;
  fail(err: Error): void;
}

const clone = (o: unknown): KubeObject => JSON.parse(JSON.stringify(o)) as KubeObject;

function stripRv(obj: KubeObject): string {
  const copy = clone(obj);
  copy.metadata = { ...copy.metadata };
  delete copy.metadata.resourceVersion;
  return JSON.stringify(copy);
}

function materialize(s: Stored, rv = s.modRevision): KubeObject {
  const obj = JSON.parse(s.json) as KubeObject;
  obj.metadata = { ...obj.metadata, resourceVersion: String(rv) };
  return obj;
}

const matchesPrefix = (key: string, prefixOrKey: string): boolean =>
  prefixOrKey.endsWith('/') ? key.startsWith(prefixOrKey) : key === prefixOrKey;

export interface MemoryStorageOptions {
  /** Implement requestWatchProgress() (progress BOOKMARK events on watch streams). */
  progressNotify?: boolean;
}

export class MemoryStorage implements Storage {
  readonly calls: string[] = [];
  /** When set, the next watch() calls fail with this error (until cleared). */
  failWatchesWith: Error | null = null;
  #rev = 0;
  #compacted = 0;
  #data = new Map<string, Stored>();
  #history: Change[] = [];
  #watches = new Set<OpenWatch>();
  #closed = false;
  readonly requestWatchProgress?: () => Promise<void>;

  constructor(opts: MemoryStorageOptions = {}) {
    if (opts.progressNotify) {
      this.requestWatchProgress = async () => {
        this.calls.push('requestWatchProgress');
        const rev = this.#rev;
        for (const w of this.#watches) {
          w.push({ type: 'BOOKMARK', key: '', object: { metadata: { resourceVersion: String(rev) } }, revision: rev } as unknown as StorageEvent);
        }
      };
    }
  }

  get revision(): number {
    return this.#rev;
  }
  get openWatches(): number {
    return this.#watches.size;
  }

  /** Makes every open watch iterator throw err (default: Unavailable). */
  breakWatches(err: Error = new StorageError('Unavailable', '', 'watch broken by test')): void {
    for (const w of [...this.#watches]) w.fail(err);
  }

  async get(key: string): Promise<KubeObject> {
    this.calls.push(`get ${key}`);
    const s = this.#data.get(key);
    if (!s) throw new StorageError('KeyNotFound', key);
    return materialize(s);
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    this.calls.push(`list ${prefix}`);
    const revision = opts.revision && opts.revision > 0 ? opts.revision : this.#rev;
    if (revision > this.#rev) {
      throw new StorageError('TooLargeResourceVersion', prefix, `Too large resource version: ${revision}, current: ${this.#rev}`, { revision, bound: this.#rev });
    }
    if (revision < this.#compacted) {
      throw new StorageError('Expired', prefix, `too old resource version: ${revision} (${this.#compacted})`, { revision, bound: this.#compacted });
    }
    const state = this.#stateAt(revision);
    const keys = [...state.keys()].filter((k) => matchesPrefix(k, prefix) && (opts.startKey === undefined || k > opts.startKey)).sort();
    const items: KubeObject[] = [];
    const limit = opts.limit && opts.limit > 0 ? opts.limit : Infinity;
    let i = 0;
    let lastKey: string | undefined;
    for (; i < keys.length && items.length < limit; i++) {
      const k = keys[i]!;
      const obj = materialize(state.get(k)!);
      if (opts.predicate && !opts.predicate(obj)) continue;
      items.push(obj);
      lastKey = k;
    }
    const result: ListResult = { items, revision };
    if (i < keys.length && lastKey !== undefined) {
      const rest = keys.slice(i);
      const more = opts.predicate ? rest.some((k) => opts.predicate!(materialize(state.get(k)!))) : true;
      if (more) {
        result.continueKey = lastKey;
        if (!opts.predicate) result.remainingItemCount = rest.length;
      }
    }
    return result;
  }

  async create(key: string, obj: KubeObject): Promise<KubeObject> {
    this.calls.push(`create ${key}`);
    if (this.#data.has(key)) throw new StorageError('KeyExists', key);
    if (obj.metadata.resourceVersion) throw new StorageError('InvalidObj', key, 'resourceVersion should not be set on objects to be created');
    return this.#write(key, stripRv(obj));
  }

  async guaranteedUpdate(key: string, tryUpdate: TryUpdate, opts: UpdateOptions = {}): Promise<KubeObject> {
    this.calls.push(`guaranteedUpdate ${key}`);
    for (;;) {
      const s = this.#data.get(key);
      if (!s && !opts.ignoreNotFound) throw new StorageError('KeyNotFound', key);
      const current = s ? materialize(s) : null;
      if (current) checkPreconditions(key, current, opts.preconditions);
      const next = await tryUpdate(current);
      const json = stripRv(next);
      if (this.#data.get(key) !== s) continue; // lost a race: retry
      if (s && s.json === json) return current!;
      return this.#write(key, json);
    }
  }

  async delete(key: string, opts: DeleteOptions = {}): Promise<KubeObject> {
    this.calls.push(`delete ${key}`);
    for (;;) {
      const s = this.#data.get(key);
      if (!s) throw new StorageError('KeyNotFound', key);
      const current = materialize(s);
      checkPreconditions(key, current, opts.preconditions);
      if (opts.validateDeletion) await opts.validateDeletion(current);
      if (this.#data.get(key) !== s) continue;
      return this.#write(key, null);
    }
  }

  watch(prefixOrKey: string, opts: WatchOptions): AsyncIterable<StorageEvent> {
    this.calls.push(`watch ${prefixOrKey} ${opts.revision}`);
    const self = this;
    return {
      [Symbol.asyncIterator]() {
        return self.#openWatch(prefixOrKey, opts);
      },
    };
  }

  async currentRevision(): Promise<number> {
    this.calls.push('currentRevision');
    return this.#rev;
  }

  async compact(revision: number): Promise<void> {
    this.calls.push(`compact ${revision}`);
    if (revision <= this.#compacted) return;
    this.#compacted = Math.min(revision, this.#rev);
    this.#history = this.#history.filter((c) => c.revision > this.#compacted);
  }

  async count(prefix: string): Promise<number> {
    this.calls.push(`count ${prefix}`);
    let n = 0;
    for (const k of this.#data.keys()) if (matchesPrefix(k, prefix)) n++;
    return n;
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const w of [...this.#watches]) w.fail(new StorageError('Unavailable', '', 'storage closed'));
  }

  /** Writes the new state (null = delete) at a new revision and fans the change out to open watches. */
  #write(key: string, json: string | null): KubeObject {
    if (this.#closed) throw new StorageError('Unavailable', key, 'storage closed');
    const before = this.#data.get(key) ?? null;
    const revision = ++this.#rev;
    const after = json === null ? null : { json, modRevision: revision };
    if (after) this.#data.set(key, after);
    else this.#data.delete(key);
    const change: Change = { type: !before ? 'ADDED' : after ? 'MODIFIED' : 'DELETED', key, revision, after, before };
    this.#history.push(change);
    for (const w of this.#watches) if (matchesPrefix(key, w.prefix)) w.push(toEvent(change));
    return after ? materialize(after) : materialize(before!, revision);
  }

  #stateAt(revision: number): Map<string, Stored> {
    const state = new Map(this.#data);
    for (let i = this.#history.length - 1; i >= 0 && this.#history[i]!.revision > revision; i--) {
      const c = this.#history[i]!;
      if (c.before) state.set(c.key, c.before);
      else state.delete(c.key);
    }
    return state;
  }

  #openWatch(prefix: string, opts: WatchOptions): AsyncIterator<StorageEvent> {
    const queue: StorageEvent[] = [];
    let failure: Error | null = null;
    let done = false;
    let wake: (() => void) | null = null;
    const notify = () => {
      const w = wake;
      wake = null;
      w?.();
    };
    const w: OpenWatch = {
      prefix,
      push: (ev) => {
        queue.push(ev);
        notify();
      },
      fail: (err) => {
        failure = err;
        this.#watches.delete(w);
        notify();
      },
    };
    const finish = () => {
      done = true;
      this.#watches.delete(w);
      opts.signal.removeEventListener('abort', onAbort);
      notify();
    };
    const onAbort = () => finish();
    if (this.failWatchesWith) {
      failure = this.failWatchesWith;
    } else if (opts.revision > 0 && opts.revision < this.#compacted) {
      failure = new StorageError('Expired', prefix, `too old resource version: ${opts.revision} (${this.#compacted})`, { revision: opts.revision, bound: this.#compacted });
    } else if (this.#closed) {
      failure = new StorageError('Unavailable', prefix, 'storage closed');
    } else {
      if (opts.revision > 0) {
        for (const c of this.#history) if (c.revision > opts.revision && matchesPrefix(c.key, prefix)) queue.push(toEvent(c));
      }
      this.#watches.add(w);
      if (opts.signal.aborted) finish();
      else opts.signal.addEventListener('abort', onAbort, { once: true });
    }
    return {
      next: async (): Promise<IteratorResult<StorageEvent>> => {
        for (;;) {
          if (done) return { value: undefined, done: true };
          const ev = queue.shift();
          if (ev) return { value: ev, done: false };
          if (failure) {
            const err = failure;
            finish();
            throw err;
          }
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
        }
      },
      return: async (): Promise<IteratorResult<StorageEvent>> => {
        finish();
        return { value: undefined, done: true };
      },
    };
  }
}

function toEvent(c: Change): StorageEvent {
  if (c.type === 'DELETED') {
    return { type: 'DELETED', key: c.key, object: materialize(c.before!, c.revision), prevObject: materialize(c.before!), revision: c.revision };
  }
  const ev: StorageEvent = { type: c.type, key: c.key, object: materialize(c.after!), revision: c.revision };
  if (c.before) ev.prevObject = materialize(c.before);
  return ev;
}

function checkPreconditions(key: string, current: KubeObject, p: Preconditions | undefined): void {
  if (!p) return;
  if (p.uid !== undefined && p.uid !== current.metadata.uid) {
    throw new StorageError('Conflict', key, `Precondition failed: UID in precondition: ${p.uid}, UID in object meta: ${current.metadata.uid ?? ''}`);
  }
  if (p.resourceVersion !== undefined && p.resourceVersion !== current.metadata.resourceVersion) {
    throw new StorageError('Conflict', key, `Precondition failed: ResourceVersion in precondition: ${p.resourceVersion}, ResourceVersion in object meta: ${current.metadata.resourceVersion ?? ''}`);
  }
}
