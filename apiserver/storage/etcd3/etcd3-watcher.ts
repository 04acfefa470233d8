/**
 * One etcd watch as an AsyncIterator of StorageEvents (k8s etcd3/watcher.go, without the synthetic initial
 * events: revision 0 means "from now").
 *
 * Each watcher owns one gRPC Watch stream with one watch on it, so cancelling, compaction and errors map to
 * exactly one consumer. The stream is read with backpressure: when `highWater` events wait unconsumed the stream
 * is paused (gRPC/HTTP2 flow control then holds etcd back, and etcd parks the watcher as "unsynced" on its side),
 * and resumed once the consumer has drained half of them. Memory stays bounded without dropping anything.
 *
 * Event translation (etcd3/event.go): PUT with create_revision == mod_revision is ADDED, other PUTs MODIFIED;
 * DELETE is DELETED with the prev_kv's value and the delete revision as resourceVersion. A compacted start
 * revision becomes StorageError('Expired'); any stream failure becomes StorageError('Unavailable').
 */
import type { Etcd3, IKeyValue, IWatchRequest, IWatchResponse } from 'etcd3';
import { StorageError } from '../errors.ts';
import type { StorageEvent } from '../interfaces.ts';
import { StoredTextEvent, decodeObject } from '../embedded/codec.ts';
import type { LocalWrites } from './local-writes.ts';

interface RawEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  key: string;
  kv: IKeyValue;
  prev?: IKeyValue;
}

/** What the watcher needs from its stream (grpc-js ClientDuplexStream also has pause/resume). */
interface WatchStream {
  write(req: IWatchRequest): void;
  end(): void;
  cancel(): void;
  on(event: 'data', fn: (res: IWatchResponse) => void): unknown;
  on(event: 'error', fn: (err: Error) => void): unknown;
  on(event: 'end', fn: () => void): unknown;
  pause?: () => void;
  resume?: () => void;
}

export interface Etcd3WatcherOptions {
  /** The user-facing key or prefix (for errors). */
  key: string;
  /** Full etcd key range: [start, end) or the exact key when end is undefined. */
  start: Buffer;
  end?: Buffer;
  /** Length of the storage root prefix to strip from event keys. */
  rootLength: number;
  /** Deliver events with revision > after (0: from now). */
  after: number;
  signal: AbortSignal;
  /** Pause the stream at this many waiting events. @default 1000 */
  highWater?: number;
  /** Objects the store wrote itself: taken instead of parsing the event's value (see LocalWrites). */
  localWrites?: LocalWrites;
  onClose: (w: Etcd3Watcher) => void;
}

export class Etcd3Watcher implements AsyncIterableIterator<StorageEvent> {
  readonly #opts: Etcd3WatcherOptions;
  readonly #highWater: number;
  readonly #onAbort: () => void;
  #stream: WatchStream | null = null;
  #queue: (RawEvent | undefined)[] = [];
  #qIdx = 0;
  #paused = false;
  #error: StorageError | null = null;
  #done = false;
  #wake: (() => void) | null = null;

  constructor(client: Etcd3, opts: Etcd3WatcherOptions) {
    this.#opts = opts;
    this.#highWater = opts.highWater ?? 1000;
    this.#onAbort = () => this.#finish();
    if (opts.signal.aborted) {
      this.#finish();
      return;
    }
    opts.signal.addEventListener('abort', this.#onAbort, { once: true });
    client.watchClient.watch().then(
      (stream) => this.#attach(stream as unknown as WatchStream),
      (err: unknown) => this.fail(unavailable(opts.key, err)),
    );
  }

  #attach(stream: WatchStream): void {
    if (this.#done || this.#error) {
      endStream(stream);
      return;
    }
    this.#stream = stream;
    stream.on('data', (res) => this.#onResponse(res));
    stream.on('error', (err) => this.fail(unavailable(this.#opts.key, err)));
    stream.on('end', () => this.fail(new StorageError('Unavailable', this.#opts.key, `Watch on ${this.#opts.key} ended by etcd`)));
    const req: IWatchRequest = {
      create_request: {
        key: this.#opts.start,
        start_revision: this.#opts.after > 0 ? this.#opts.after + 1 : 0,
        prev_kv: true,
        progress_notify: false,
        ...(this.#opts.end ? { range_end: this.#opts.end } : {}),
      },
    };
    stream.write(req);
  }

  #onResponse(res: IWatchResponse): void {
    if (this.#done || this.#error) return;
    const compacted = Number(res.compact_revision ?? 0);
    if (compacted > 0) {
      this.fail(
        new StorageError('Expired', this.#opts.key, `Cannot watch ${this.#opts.key} from revision ${this.#opts.after} as it was compacted (at ${compacted})`, {
          revision: this.#opts.after,
          bound: compacted,
        }),
      );
      return;
    }
    if (res.canceled) {
      this.fail(new StorageError('Unavailable', this.#opts.key, `Watch on ${this.#opts.key} canceled by etcd: ${res.cancel_reason || 'no reason given'}`));
      return;
    }
    for (const ev of res.events ?? []) {
      const kv = ev.kv;
      const key = kv.key.toString('utf8').slice(this.#opts.rootLength);
      if (String(ev.type).toUpperCase() === 'DELETE') {
        if (!ev.prev_kv) {
          this.fail(new StorageError('Unavailable', key, `etcd DELETE event for ${key} at ${kv.mod_revision} came without prev_kv`));
          return;
        }
        this.#queue.push({ type: 'DELETED', key, kv, prev: ev.prev_kv });
      } else if (kv.create_revision === kv.mod_revision) {
        this.#queue.push({ type: 'ADDED', key, kv });
      } else {
        this.#queue.push(ev.prev_kv ? { type: 'MODIFIED', key, kv, prev: ev.prev_kv } : { type: 'MODIFIED', key, kv });
      }
    }
    if (!this.#paused && this.#queue.length - this.#qIdx >= this.#highWater && this.#stream?.pause) {
      this.#paused = true;
      this.#stream.pause();
    }
    this.#wakeUp();
  }

  /** Ends the watch with an error (the next next() throws it). */
  fail(err: StorageError): void {
    if (this.#done || this.#error) return;
    this.#error = err;
    this.#queue = [];
    this.#qIdx = 0;
    this.#closeStream();
    this.#wakeUp();
  }

  #finish(): void {
    if (this.#done) return;
    this.#done = true;
    this.#queue = [];
    this.#qIdx = 0;
    this.#opts.signal.removeEventListener('abort', this.#onAbort);
    this.#closeStream();
    this.#wakeUp();
  }

  #closeStream(): void {
    const s = this.#stream;
    this.#stream = null;
    if (s) endStream(s);
    this.#opts.onClose(this);
  }

  #wakeUp(): void {
    const w = this.#wake;
    this.#wake = null;
    w?.();
  }

  async next(): Promise<IteratorResult<StorageEvent>> {
    for (;;) {
      if (this.#done) return { done: true, value: undefined };
      if (this.#error) {
        const err = this.#error;
        this.#error = null;
        this.#finish();
        throw err;
      }
      const raw = this.#queue[this.#qIdx];
      if (raw) {
        this.#queue[this.#qIdx] = undefined;
        this.#qIdx++;
        const waiting = this.#queue.length - this.#qIdx;
        if (waiting === 0) {
          this.#queue = [];
          this.#qIdx = 0;
        }
        if (this.#paused && waiting <= this.#highWater / 2) {
          this.#paused = false;
          this.#stream?.resume?.();
        }
        return { done: false, value: toStorageEvent(raw, this.#opts.localWrites) };
      }
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
  }

  async return(): Promise<IteratorResult<StorageEvent>> {
    this.#finish();
    return { done: true, value: undefined };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

function toStorageEvent(e: RawEvent, local: LocalWrites | undefined): StorageEvent {
  const rev = Number(e.kv.mod_revision);
  if (e.type === 'DELETED' && e.prev) {
    const text = e.prev.value.toString('utf8');
    return new StoredTextEvent('DELETED', e.key, rev, decodeObject(text, rev), text, Number(e.prev.mod_revision));
  }
  const object = local?.take(e.key, e.kv.value, rev) ?? decodeObject(e.kv.value.toString('utf8'), rev);
  return new StoredTextEvent(e.type, e.key, rev, object, e.prev ? e.prev.value.toString('utf8') : null, Number(e.prev?.mod_revision ?? 0));
}

/**
 * Closes a watch stream without upsetting the client's connection pool. The etcd3 client treats an error on a
 * stream that is still writable as a host failure (it resets every gRPC client of that host and counts a strike
 * on its circuit breaker), and cancel() makes grpc-js emit a CANCELLED error. Half-closing first (end()) makes
 * the stream non-writable, so the cancellation is just a cancellation. The no-op listener keeps the CANCELLED
 * error from being unhandled.
 */
function endStream(s: WatchStream): void {
  s.on('error', () => {});
  s.end();
  s.cancel();
}

function unavailable(key: string, err: unknown): StorageError {
  const e = new StorageError('Unavailable', key, `Watch on ${key} failed: ${err instanceof Error ? err.message : String(err)}`);
  e.cause = err;
  return e;
}
