/**
 * Test helpers for code built on shared/cache: a ListerWatcher driven step by step by the test, and a way to
 * let pending async work run without sleeping.
 */
import type { KubeList, KubeObject, Status, WatchEvent } from '../api/meta.ts';
import type { ListOptions, WatchOptions } from '../client/interfaces.ts';
import type { ListerWatcher } from './list-watch.ts';

/**
 * Yields to the event loop until `condition` holds (no timers involved, so it works with FakeClock).
 * Throws after `maxTurns` turns with `what` in the message.
 */
export async function eventually(condition: () => boolean, what = 'condition', maxTurns = 2000): Promise<void> {
  for (let i = 0; i < maxTurns; i++) {
    if (condition()) return;
    await new Promise<void>((r) => setImmediate(r));
  }
  if (!condition()) throw new Error(`Timed out waiting for ${what} after ${maxTurns} event-loop turns`);
}

/** Lets every promise chain that is ready run to completion (a few event-loop turns). */
export async function settle(turns = 20): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((r) => setImmediate(r));
}

/** A watch stream the test feeds: push events, end it normally, or fail it. */
export class ScriptedWatch implements AsyncIterable<WatchEvent> {
  readonly options: WatchOptions;
  #buf: WatchEvent[] = [];
  #waiter: { resolve: (r: IteratorResult<WatchEvent>) => void; reject: (e: unknown) => void } | undefined;
  #ended = false;
  #error: { err: unknown } | undefined;
  #closed = false;

  constructor(options: WatchOptions) {
    this.options = options;
    options.signal?.addEventListener('abort', () => this.#close(), { once: true });
  }

  /** True once the consumer stopped (aborted or left its loop) or the stream ended. */
  get closed(): boolean {
    return this.#closed || this.#ended;
  }

  push(...events: WatchEvent[]): this {
    for (const ev of events) {
      const w = this.#waiter;
      if (w) {
        this.#waiter = undefined;
        w.resolve({ value: ev, done: false });
      } else {
        this.#buf.push(ev);
      }
    }
    return this;
  }

  end(): void {
    this.#ended = true;
    this.#wake();
  }

  fail(err: unknown): void {
    this.#error = { err };
    this.#wake();
  }

  #close(): void {
    this.#closed = true;
    this.#buf = [];
    this.#wake();
  }

  #wake(): void {
    const w = this.#waiter;
    if (!w) return;
    if (this.#error && this.#buf.length === 0) {
      this.#waiter = undefined;
      w.reject(this.#error.err);
    } else if ((this.#ended || this.#closed) && this.#buf.length === 0) {
      this.#waiter = undefined;
      w.resolve({ value: undefined, done: true });
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<WatchEvent> {
    return {
      next: () => {
        const ev = this.#buf.shift();
        if (ev) return Promise.resolve({ value: ev, done: false });
        if (this.#error) return Promise.reject(this.#error.err);
        if (this.#ended || this.#closed) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve, reject) => { this.#waiter = { resolve, reject }; });
      },
      return: () => {
        this.#close();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}

type ListAnswer<T extends KubeObject> = KubeList<T> | Error | ((options: ListOptions) => KubeList<T>);

/**
 * A ListerWatcher whose answers the test scripts in advance (`answerList`) or live (`lastWatch.push`), and
 * which records every request (options without the signal).
 */
export class ScriptedListerWatcher<T extends KubeObject = KubeObject> implements ListerWatcher<T> {
  readonly listCalls: Omit<ListOptions, 'signal'>[] = [];
  readonly watchCalls: Omit<WatchOptions, 'signal'>[] = [];
  readonly watches: ScriptedWatch[] = [];
  readonly #lists: ListAnswer<T>[] = [];
  readonly #watchFailures: unknown[] = [];

  /** Queues the answer to the next list call (an Error is thrown). */
  answerList(...answers: ListAnswer<T>[]): this {
    this.#lists.push(...answers);
    return this;
  }

  /** Makes the next watch call fail on its first iteration. */
  failNextWatch(err: unknown): this {
    this.#watchFailures.push(err);
    return this;
  }

  get lastWatch(): ScriptedWatch {
    const w = this.watches[this.watches.length - 1];
    if (!w) throw new Error('no watch was started');
    return w;
  }

  list(options: ListOptions): Promise<KubeList<T>> {
    const { signal: _s, ...rest } = options;
    this.listCalls.push(rest);
    const answer = this.#lists.shift();
    if (answer === undefined) return Promise.reject(new Error(`unscripted list call ${JSON.stringify(rest)}`));
    if (answer instanceof Error) return Promise.reject(answer);
    try {
      return Promise.resolve(structuredClone(typeof answer === 'function' ? answer(options) : answer));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  watch(options: WatchOptions): AsyncIterable<WatchEvent<T | Status>> {
    const { signal: _s, ...rest } = options;
    this.watchCalls.push(rest);
    const w = new ScriptedWatch(options);
    const failure = this.#watchFailures.shift();
    if (failure !== undefined) w.fail(failure);
    this.watches.push(w);
    return w as AsyncIterable<WatchEvent<T | Status>>;
  }
}

/** Builds a list response. */
export function listOf<T extends KubeObject>(resourceVersion: string, items: T[], continueToken?: string): KubeList<T> {
  const metadata: KubeList['metadata'] = { resourceVersion };
  if (continueToken) metadata.continue = continueToken;
  return { kind: 'List', apiVersion: 'v1', metadata, items };
}
