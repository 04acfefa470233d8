/**
 * One watch on an EmbeddedStore: replays history from the log lazily (pulled page by page as the consumer
 * iterates, so a long replay never sits in memory), then delivers live events the store pushes after each commit.
 *
 * Gap-free handoff: the watcher is registered synchronously at the same instant `replayTo` is read from the
 * store. node:sqlite is synchronous, so every commit with revision <= replayTo is already in the log and every
 * later commit is pushed to this watcher: replay covers (from, replayTo], live covers (replayTo, ...).
 *
 * Memory bound: live events wait in a buffer of at most `bufferLimit`; one more and the watcher is dropped
 * (buffer freed, iterator throws StorageError('Unavailable')). The consumer re-watches from the last revision it
 * processed, or re-lists (the Cacher's reflector does exactly that).
 */
import type { KubeObject } from '../../../shared/api/meta.ts';
import { StorageError } from '../errors.ts';
import type { StorageEvent } from '../interfaces.ts';
import { StoredTextEvent, decodeObject } from './codec.ts';

/** A log row as the store keeps it; texts are shared between watchers (strings are immutable). */
export interface RawEvent {
  rev: number;
  key: string;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  /** ADDED/MODIFIED: the new stored text; DELETED: null. */
  value: string | null;
  /** MODIFIED/DELETED: the previous stored text; ADDED: null. */
  prevValue: string | null;
  prevRev: number | null;
  /**
   * Live events only: the object as written, with its resourceVersion (for DELETED: the last state at the delete
   * revision), so watchers need not parse `value` again. Shared by every watcher and read-only; a shallow copy
   * of its own (top level and metadata), never the object the write returned to its caller.
   */
  object?: KubeObject;
}

export interface WatchSource {
  /** Log rows with from < rev <= to and lo <= key < hi, in revision order, at most limit. */
  readLog(from: number, to: number, lo: string, hi: string, limit: number): RawEvent[];
  /** Revisions below this are gone from the log. */
  compactedRevision(): number;
  unregister(w: EmbeddedWatcher): void;
}

const REPLAY_PAGE = 500;

/** A log row as a StorageEvent: the live write's own object when there is one, else parsed from the row. */
export function toStorageEvent(e: RawEvent): StorageEvent {
  const text = e.type === 'DELETED' ? e.prevValue : e.value;
  const object = e.object ?? decodeObject(text ?? '{"metadata":{}}', e.rev);
  const hasPrev = e.type !== 'ADDED' && e.prevRev !== null;
  return new StoredTextEvent(e.type, e.key, e.rev, object, hasPrev ? e.prevValue : null, e.prevRev ?? 0);
}

export class EmbeddedWatcher implements AsyncIterableIterator<StorageEvent> {
  readonly #source: WatchSource;
  readonly #key: string;
  readonly #exact: boolean;
  readonly #lo: string;
  readonly #hi: string;
  readonly #bufferLimit: number;
  readonly #signal: AbortSignal;
  readonly #onAbort: () => void;
  /** Events with revision <= from are not delivered. */
  readonly #from: number;
  /** Last revision replayed or handed out. */
  #cursor: number;
  /** Replay covers (cursor, replayTo]. */
  readonly #replayTo: number;
  #replayed: RawEvent[] = [];
  #replayIdx = 0;
  #live: RawEvent[] = [];
  #liveIdx = 0;
  #error: StorageError | null = null;
  #done = false;
  #wake: (() => void) | null = null;

  constructor(
    source: WatchSource,
    opts: { key: string; lo: string; hi: string; from: number; replayTo: number; bufferLimit: number; signal: AbortSignal; startError?: StorageError },
  ) {
    this.#source = source;
    this.#key = opts.key;
    this.#exact = !opts.key.endsWith('/');
    this.#lo = opts.lo;
    this.#hi = opts.hi;
    this.#from = opts.from;
    this.#cursor = opts.from;
    this.#replayTo = opts.replayTo;
    this.#bufferLimit = opts.bufferLimit;
    this.#signal = opts.signal;
    if (opts.startError) this.#error = opts.startError;
    this.#onAbort = () => this.#finish(null);
    if (this.#signal.aborted) this.#finish(null);
    else this.#signal.addEventListener('abort', this.#onAbort, { once: true });
  }

  matches(key: string): boolean {
    return this.#exact ? key === this.#key : key.startsWith(this.#key);
  }

  /** Called by the store after each commit (only for keys this watcher matches). */
  push(e: RawEvent): void {
    if (this.#done || this.#error) return;
    if (e.rev <= this.#from) return;
    if (this.#live.length - this.#liveIdx >= this.#bufferLimit) {
      this.#live = [];
      this.#liveIdx = 0;
      this.fail(
        new StorageError(
          'Unavailable',
          this.#key,
          `Watch on ${this.#key} dropped as the consumer fell more than ${this.#bufferLimit} events behind; re-watch from the last processed revision`,
        ),
      );
      return;
    }
    this.#live.push(e);
    this.#wakeUp();
  }

  /** Ends the watch with an error: the next next() throws it; events not yet handed out are discarded. */
  fail(err: StorageError): void {
    if (this.#done) return;
    this.#error = err;
    this.#source.unregister(this);
    this.#wakeUp();
  }

  /** Ends the watch cleanly (abort) or with an error. */
  #finish(err: StorageError | null): void {
    if (err) {
      this.fail(err);
      return;
    }
    if (this.#done) return;
    this.#done = true;
    this.#live = [];
    this.#replayed = [];
    this.#source.unregister(this);
    this.#signal.removeEventListener('abort', this.#onAbort);
    this.#wakeUp();
  }

  #wakeUp(): void {
    const w = this.#wake;
    this.#wake = null;
    w?.();
  }

  /** Fills #replayed from the log if replay is not finished; throws Expired when history is gone. */
  #pullReplay(): void {
    while (this.#replayIdx >= this.#replayed.length && this.#cursor < this.#replayTo) {
      if (this.#source.compactedRevision() > this.#cursor) {
        throw new StorageError('Expired', this.#key, `Cannot watch ${this.#key} from revision ${this.#cursor} as it was compacted`, {
          revision: this.#cursor,
          bound: this.#source.compactedRevision(),
        });
      }
      const rows = this.#source.readLog(this.#cursor, this.#replayTo, this.#lo, this.#hi, REPLAY_PAGE);
      this.#replayed = this.#exact ? rows.filter((r) => r.key === this.#key) : rows;
      this.#replayIdx = 0;
      const last = rows[rows.length - 1];
      // Fewer rows than asked for: the log has nothing more up to replayTo in our key range.
      this.#cursor = rows.length < REPLAY_PAGE || !last ? this.#replayTo : last.rev;
    }
  }

  async next(): Promise<IteratorResult<StorageEvent>> {
    for (;;) {
      if (this.#done) return { done: true, value: undefined };
      if (this.#error) {
        const err = this.#error;
        this.#finishAfterError();
        throw err;
      }
      try {
        this.#pullReplay();
      } catch (e) {
        if (e instanceof StorageError) {
          this.fail(e);
          continue;
        }
        throw e;
      }
      const r = this.#replayed[this.#replayIdx];
      if (r) {
        this.#replayIdx++;
        return { done: false, value: toStorageEvent(r) };
      }
      const l = this.#live[this.#liveIdx];
      if (l) {
        this.#liveIdx++;
        if (this.#liveIdx > 1024 && this.#liveIdx * 2 > this.#live.length) {
          this.#live = this.#live.slice(this.#liveIdx);
          this.#liveIdx = 0;
        }
        this.#cursor = l.rev;
        return { done: false, value: toStorageEvent(l) };
      }
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
  }

  #finishAfterError(): void {
    this.#error = null;
    this.#finish(null);
  }

  async return(): Promise<IteratorResult<StorageEvent>> {
    this.#finish(null);
    return { done: true, value: undefined };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
