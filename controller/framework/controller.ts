/**
 * A Controller runs a Reconciler: a rate-limited work queue of keys plus N async workers
 * (controller-runtime pkg/internal/controller, sample-controller's runWorker/processNextWorkItem).
 *
 *   const c = new Controller({ name: 'podgc', reconciler, workers: 2 });
 *   informer.addEventHandler(enqueueHandler((key) => c.enqueue(key)));
 *   await c.run(signal, { hasSynced: [informer.hasSynced.bind(informer)] });   // resolves after shutdown
 *
 * Guarantees (from the work queue): a key is reconciled by at most one worker at a time; a key added while it
 * is being reconciled is reconciled again afterwards; a key added many times before a worker takes it is
 * reconciled once. Workers start only after every cache has synced, so a reconcile never reads an empty
 * lister and concludes that nothing exists.
 */
import { waitForCacheSync, type InformerSynced } from '../../shared/cache/wait-for-cache-sync.ts';
import { realClock, type Clock } from '../../shared/util/clock.ts';
import { log as rootLog, type Logger } from '../../shared/util/log.ts';
import type { RateLimiter } from '../../shared/workqueue/rate-limiter.ts';
import { RateLimitingQueue } from '../../shared/workqueue/rate-limiting-queue.ts';
import { isTerminalError, type Reconciler, type Result } from './reconciler.ts';

export interface ControllerOptions {
  /** Used in logs. */
  name: string;
  reconciler: Reconciler;
  /** Concurrent reconciles (of different keys). @default 1 */
  workers?: number;
  /** @default realClock */
  clock?: Clock;
  /** Paces retries after errors. @default defaultControllerRateLimiter (5 ms doubling to 1000 s, overall 10 qps burst 100) */
  rateLimiter?: RateLimiter<string>;
  /** @default the root logger */
  log?: Logger;
}

export interface RunOptions {
  /** Caches that must be filled before the first reconcile. */
  hasSynced?: InformerSynced[];
  /** Runs once the caches synced and before the workers start (e.g. rebuild in-memory state from listers). */
  onSynced?: () => void | Promise<void>;
}

export class Controller {
  readonly name: string;
  readonly queue: RateLimitingQueue<string>;
  readonly #reconciler: Reconciler;
  readonly #workers: number;
  readonly #clock: Clock;
  readonly #log: Logger;
  #started = false;

  constructor(options: ControllerOptions) {
    this.name = options.name;
    this.#reconciler = options.reconciler;
    this.#workers = Math.max(1, Math.floor(options.workers ?? 1));
    this.#clock = options.clock ?? realClock;
    this.#log = (options.log ?? rootLog).with({ controller: options.name });
    this.queue = new RateLimitingQueue<string>({
      clock: this.#clock,
      ...(options.rateLimiter ? { rateLimiter: options.rateLimiter } : {}),
    });
  }

  /** Queues a key for reconciliation (a no-op after shutdown). */
  enqueue(key: string): void {
    this.queue.add(key);
  }

  /** Queues a key after a delay on the controller's clock. */
  enqueueAfter(key: string, delayMs: number): void {
    this.queue.addAfter(key, delayMs);
  }

  /**
   * Waits for the caches, runs `onSynced`, then reconciles with N workers until `signal` aborts. Resolves once
   * every worker has finished its current reconcile. A controller runs once: a second call throws.
   */
  async run(signal: AbortSignal, options: RunOptions = {}): Promise<void> {
    if (this.#started) throw new Error(`Cannot run controller ${this.name} as it was already started`);
    this.#started = true;
    const stop = () => this.queue.shutDown();
    if (signal.aborted) {
      stop();
      return;
    }
    signal.addEventListener('abort', stop, { once: true });
    try {
      this.#log.info('Starting controller');
      const synced = await waitForCacheSync(signal, options.hasSynced ?? [], { clock: this.#clock, controller: this.name, log: this.#log });
      if (!synced || signal.aborted) return;
      if (options.onSynced) await options.onSynced();
      this.#log.info('Starting workers', { count: this.#workers });
      const workers: Promise<void>[] = [];
      for (let i = 0; i < this.#workers; i++) workers.push(this.#worker(signal));
      await Promise.all(workers);
    } finally {
      signal.removeEventListener('abort', stop);
      stop();
      this.#log.info('Shutting down controller');
    }
  }

  async #worker(signal: AbortSignal): Promise<void> {
    while (await this.processNextWorkItem(signal)) {
      // keep going until the queue shuts down
    }
  }

  /**
   * Takes one key (waiting for one if the queue is empty), reconciles it and files the outcome. Resolves false
   * once the queue is shut down. Exposed for tests that drive the controller step by step.
   */
  async processNextWorkItem(signal: AbortSignal): Promise<boolean> {
    const { item: key, shutdown } = await this.queue.get();
    if (shutdown) return false;
    try {
      await this.reconcileHandler(key, signal);
    } finally {
      this.queue.done(key);
    }
    return true;
  }

  /** Reconciles one key and decides what happens to it next (controller-runtime reconcileHandler). */
  async reconcileHandler(key: string, signal: AbortSignal): Promise<void> {
    const started = this.#clock.now();
    let result: Result | void;
    try {
      result = await this.#reconciler.reconcile(key, signal);
    } catch (err) {
      if (isTerminalError(err)) {
        this.queue.forget(key);
        this.#log.error('Reconciler error (terminal, not retried)', { key, err });
        return;
      }
      if (signal.aborted) return;
      this.queue.addRateLimited(key);
      this.#log.warn('Reconciler error, will retry', { key, retries: this.queue.numRequeues(key), err });
      return;
    }
    this.queue.forget(key);
    const after = result?.requeueAfterMs ?? 0;
    if (after > 0) this.queue.addAfter(key, after);
    if (this.#log.enabled('debug')) this.#log.debug('Reconciled', { key, ms: this.#clock.now() - started, ...(after > 0 ? { requeueAfterMs: after } : {}) });
  }
}
