/**
 * An informer for the browser, shaped after client-go's Reflector: list, then watch from the list's
 * resourceVersion; on a watch ERROR 410 (Expired) list again at once; on a closed or failed watch, watch again
 * from the last resourceVersion seen after a bounded backoff; on a failed list, list again after the backoff.
 * Store writes go through a FrameBatcher so a burst of events renders once. Transport (fetch + WebSocket) is
 * injected: console/web/app/transport.ts in the page, fakes in the tests.
 */
import type { FrameBatcher } from './frame-batcher.ts';
import type { ListResult, Status, StoredObject, WatchEvent } from './kube-types.ts';
import { ObjectStore, isExpired } from './object-store.ts';
import { RetryBackoff, type RetryBackoffOptions } from './retry-backoff.ts';

/** Receives one watch's events and its end. */
export interface WatchSink<T> {
  event(event: WatchEvent<T | Status>): void;
  /** The watch ended (socket closed or failed); `error` says why when it was not asked for. */
  closed(error?: string): void;
}

export interface WatchHandle {
  close(): void;
}

export interface ListWatcher<T> {
  list(signal: AbortSignal): Promise<ListResult<T>>;
  watch(resourceVersion: string, sink: WatchSink<T>): WatchHandle;
}

/** The subset of shared/util/clock.ts's Clock an informer needs (that Clock and FakeClock fit it). */
export interface InformerClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): { cancel(): void };
}

export interface InformerState {
  phase: 'stopped' | 'listing' | 'watching' | 'waiting';
  /** A list has been applied (the store holds the whole collection once). */
  synced: boolean;
  /** The last failure, until the next success. */
  error?: string;
  /** Lists done so far (1 + relists). */
  lists: number;
}

export interface InformerOptions {
  clock: InformerClock;
  backoff?: RetryBackoffOptions;
  /** A watch open this long counts as healthy even without events (backoff resets). @default 30000 */
  healthyAfterMs?: number;
}

export class Informer<T extends StoredObject> {
  readonly store = new ObjectStore<T>();
  readonly #lw: ListWatcher<T>;
  readonly #batcher: FrameBatcher;
  readonly #clock: InformerClock;
  readonly #backoff: RetryBackoff;
  readonly #healthyAfterMs: number;
  #state: InformerState = { phase: 'stopped', synced: false, lists: 0 };
  #listeners = new Set<(s: InformerState) => void>();
  /** Bumped on every new attempt; callbacks of older attempts are ignored. */
  #generation = 0;
  #abort: AbortController | undefined;
  #watch: WatchHandle | undefined;
  #timer: { cancel(): void } | undefined;
  /** The newest resourceVersion received (list, event or bookmark): where a re-watch starts. */
  #lastRV = '';

  constructor(lw: ListWatcher<T>, batcher: FrameBatcher, opts: InformerOptions) {
    this.#lw = lw;
    this.#batcher = batcher;
    this.#clock = opts.clock;
    this.#backoff = new RetryBackoff(opts.backoff);
    this.#healthyAfterMs = opts.healthyAfterMs ?? 30_000;
  }

  get state(): InformerState {
    return this.#state;
  }
  get lastResourceVersion(): string {
    return this.#lastRV;
  }

  onState(listener: (s: InformerState) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  start(): void {
    if (this.#state.phase !== 'stopped') return;
    this.#list();
  }

  stop(): void {
    this.#cancelAttempt();
    this.#setState({ phase: 'stopped' });
  }

  #setState(patch: Partial<InformerState>): void {
    this.#state = { ...this.#state, ...patch };
    for (const l of this.#listeners) l(this.#state);
  }

  #cancelAttempt(): void {
    this.#generation++;
    this.#abort?.abort();
    this.#abort = undefined;
    const w = this.#watch;
    this.#watch = undefined;
    w?.close();
    this.#timer?.cancel();
    this.#timer = undefined;
  }

  #list(): void {
    this.#cancelAttempt();
    const gen = this.#generation;
    const abort = new AbortController();
    this.#abort = abort;
    this.#setState({ phase: 'listing', lists: this.#state.lists + 1 });
    this.#lw.list(abort.signal).then(
      (result) => {
        if (gen !== this.#generation) return;
        this.#abort = undefined;
        this.#backoff.reset();
        this.#lastRV = result.resourceVersion;
        const store = this.store;
        this.#batcher.enqueue(() => store.replace(result.items, result.resourceVersion));
        this.#setState({ synced: true, error: undefined });
        this.#startWatch(result.resourceVersion);
      },
      (err: unknown) => {
        if (gen !== this.#generation) return;
        this.#abort = undefined;
        this.#retry(() => this.#list(), `list failed: ${messageOf(err)}`);
      },
    );
  }

  #startWatch(resourceVersion: string): void {
    this.#cancelAttempt();
    const gen = this.#generation;
    const openedAt = this.#clock.now();
    this.#setState({ phase: 'watching' });
    const sink: WatchSink<T> = {
      event: (ev) => {
        if (gen !== this.#generation) return;
        if (ev.type === 'ERROR') {
          const status = ev.object as Partial<Status>;
          const message = status.message ?? `watch error (code ${status.code ?? 'unknown'})`;
          if (isExpired(status)) {
            // The resourceVersion fell out of the server's window: only a fresh list can resync.
            this.#list();
            return;
          }
          this.#retry(() => this.#startWatch(this.#lastRV), `watch error: ${message}`);
          return;
        }
        this.#backoff.reset();
        const rv = (ev.object as T).metadata?.resourceVersion;
        if (rv) this.#lastRV = rv;
        if (ev.type === 'BOOKMARK') return;
        const store = this.store;
        this.#batcher.enqueue(() => void store.apply(ev));
      },
      closed: (error) => {
        if (gen !== this.#generation) return;
        this.#watch = undefined;
        if (this.#clock.now() - openedAt >= this.#healthyAfterMs) this.#backoff.reset();
        this.#retry(() => this.#startWatch(this.#lastRV), error ? `watch closed: ${error}` : undefined);
      },
    };
    try {
      this.#watch = this.#lw.watch(resourceVersion, sink);
    } catch (err) {
      this.#retry(() => this.#startWatch(this.#lastRV), `watch failed: ${messageOf(err)}`);
    }
  }

  #retry(again: () => void, error: string | undefined): void {
    this.#cancelAttempt();
    const delay = this.#backoff.next();
    this.#setState({ phase: 'waiting', ...(error ? { error } : {}) });
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      again();
    }, delay);
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
