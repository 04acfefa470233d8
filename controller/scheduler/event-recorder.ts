/**
 * Records core/v1 Events about pods, aggregated: one Event object per (object, type, reason) whose `count`,
 * `lastTimestamp` and `message` are updated on repeats, instead of one object per occurrence (what
 * client-go's EventCorrelator achieves for repeated events). The first occurrence POSTs an Event named
 * `<object name>.<hex nanoseconds>` (record.makeEvent); repeats PATCH it (merge patch); a repeat whose Event
 * has vanished (TTL) creates a fresh one carrying the running count.
 *
 * Writes never block the caller: `eventf` returns at once; a small pool of writers sends them, coalescing
 * repeats that happen while a write is pending (the next write carries the latest count and message). The
 * pending work is bounded (`maxQueued`); beyond it new events are dropped and counted, like the client-go
 * broadcaster's DropIfChannelFull.
 */
import { hostname } from 'node:os';
import type { Event, ObjectReference } from '../../shared/api/core-v1.ts';
import type { KubeObject } from '../../shared/api/meta.ts';
import type { PatchType } from '../../shared/client/interfaces.ts';
import { isAlreadyExists, isNotFound } from '../../shared/errors/status-error.ts';
import { realClock, type Clock } from '../../shared/util/clock.ts';
import { log as rootLog, type Logger } from '../../shared/util/log.ts';
import { rfc3339 } from '../../shared/util/time-format.ts';

/** The two verbs the recorder needs from an events client (ResourceClient<Event> has them). */
export interface EventSink {
  create(obj: Event): Promise<unknown>;
  patch(namespace: string, name: string, patchType: PatchType, patch: unknown): Promise<unknown>;
}

export interface EventRecorderOptions {
  sink: EventSink;
  /** source.component and reportingComponent, e.g. 'default-scheduler'. */
  component: string;
  /** @default `${component}-${hostname}` */
  reportingInstance?: string;
  /** @default realClock */
  clock?: Clock;
  log?: Logger;
  /** Concurrent writes. @default 8 */
  maxConcurrency?: number;
  /** Events waiting to be written before new ones are dropped. @default 10000 */
  maxQueued?: number;
  /** Aggregation entries remembered (oldest idle ones are forgotten). @default 50000 */
  maxTracked?: number;
}

export type EventType = 'Normal' | 'Warning';

interface Entry {
  key: string;
  uid: string;
  namespace: string;
  involved: ObjectReference;
  type: EventType;
  reason: string;
  action: string;
  message: string;
  count: number;
  firstTimestamp: string;
  lastTimestamp: string;
  /** Name of the Event object once created. */
  name: string | undefined;
  /** Count carried by the last successful write. */
  written: number;
  queued: boolean;
  busy: boolean;
}

/** metav1.Time: RFC 3339 with second precision (the shared formatter). */
export { rfc3339 };

export class EventRecorder {
  readonly #sink: EventSink;
  readonly #component: string;
  readonly #instance: string;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #maxConcurrency: number;
  readonly #maxQueued: number;
  readonly #maxTracked: number;
  readonly #entries = new Map<string, Entry>();
  readonly #byUid = new Map<string, Set<string>>();
  #queue: Entry[] = [];
  #head = 0;
  #active = 0;
  #seq = 0;
  #idleWaiters: (() => void)[] = [];
  readonly stats = { created: 0, patched: 0, dropped: 0, failed: 0 };

  constructor(options: EventRecorderOptions) {
    this.#sink = options.sink;
    this.#component = options.component;
    this.#instance = options.reportingInstance ?? `${options.component}-${hostname()}`;
    this.#clock = options.clock ?? realClock;
    this.#log = (options.log ?? rootLog).with({ component: 'event-recorder' });
    this.#maxConcurrency = options.maxConcurrency ?? 8;
    this.#maxQueued = options.maxQueued ?? 10_000;
    this.#maxTracked = options.maxTracked ?? 50_000;
  }

  /** Records an event about `obj` (a namespaced object with uid). Never throws, never waits. */
  eventf(obj: KubeObject, type: EventType, reason: string, action: string, message: string): void {
    const meta = obj.metadata ?? {};
    const uid = meta.uid ?? `${meta.namespace ?? ''}/${meta.name ?? ''}`;
    const key = `${uid}\u0000${type}\u0000${reason}`;
    const now = rfc3339(this.#clock.now());
    let e = this.#entries.get(key);
    if (e) {
      e.count++;
      e.lastTimestamp = now;
      e.message = message;
      // Refresh the LRU position.
      this.#entries.delete(key);
      this.#entries.set(key, e);
    } else {
      if (this.#queue.length - this.#head >= this.#maxQueued) {
        this.stats.dropped++;
        return;
      }
      const involved: ObjectReference = { kind: obj.kind ?? 'Pod', namespace: meta.namespace ?? '', name: meta.name ?? '', apiVersion: obj.apiVersion ?? 'v1' };
      if (meta.uid) involved.uid = meta.uid;
      if (meta.resourceVersion) involved.resourceVersion = meta.resourceVersion;
      e = {
        key,
        uid,
        namespace: meta.namespace || 'default',
        involved,
        type,
        reason,
        action,
        message,
        count: 1,
        firstTimestamp: now,
        lastTimestamp: now,
        name: undefined,
        written: 0,
        queued: false,
        busy: false,
      };
      this.#entries.set(key, e);
      let keys = this.#byUid.get(uid);
      if (!keys) this.#byUid.set(uid, (keys = new Set()));
      keys.add(key);
      this.#evict();
    }
    if (!e.queued && !e.busy) this.#enqueue(e);
  }

  /** Forgets the aggregation state of an object (it was deleted). */
  forgetObject(uid: string): void {
    const keys = this.#byUid.get(uid);
    if (!keys) return;
    for (const k of keys) {
      const e = this.#entries.get(k);
      if (e && !e.queued && !e.busy) this.#entries.delete(k);
    }
    this.#byUid.delete(uid);
  }

  /** Resolves once every recorded event has been written (or has failed). */
  flush(): Promise<void> {
    if (this.#active === 0 && this.#head === this.#queue.length) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** The Event object for an entry (exported shape for tests). */
  #eventObject(e: Entry, name: string): Event {
    return {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace: e.namespace },
      involvedObject: { ...e.involved },
      reason: e.reason,
      message: e.message,
      source: { component: this.#component },
      firstTimestamp: e.firstTimestamp,
      lastTimestamp: e.lastTimestamp,
      count: e.count,
      type: e.type,
      action: e.action,
      reportingComponent: this.#component,
      reportingInstance: this.#instance,
    };
  }

  #newName(e: Entry): string {
    const nanos = BigInt(this.#clock.now()) * 1_000_000n + BigInt(this.#seq++ % 1_000_000);
    return `${e.involved.name}.${nanos.toString(16)}`;
  }

  #enqueue(e: Entry): void {
    e.queued = true;
    this.#queue.push(e);
    this.#pump();
  }

  #pump(): void {
    while (this.#active < this.#maxConcurrency && this.#head < this.#queue.length) {
      const e = this.#queue[this.#head]!;
      this.#queue[this.#head++] = undefined as unknown as Entry;
      if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
        this.#queue = this.#queue.slice(this.#head);
        this.#head = 0;
      }
      e.queued = false;
      e.busy = true;
      this.#active++;
      void this.#write(e).finally(() => {
        e.busy = false;
        this.#active--;
        if (e.count !== e.written && this.#entries.get(e.key) === e) this.#enqueue(e);
        this.#pump();
        if (this.#active === 0 && this.#head === this.#queue.length) {
          const waiters = this.#idleWaiters;
          this.#idleWaiters = [];
          for (const w of waiters) w();
        }
      });
    }
  }

  async #write(e: Entry): Promise<void> {
    const count = e.count;
    try {
      if (e.name !== undefined) {
        try {
          await this.#sink.patch(e.namespace, e.name, 'application/merge-patch+json', { count, lastTimestamp: e.lastTimestamp, message: e.message });
          this.stats.patched++;
          e.written = count;
          return;
        } catch (err) {
          if (!isNotFound(err)) throw err;
          e.name = undefined; // expired: start a new object with the running count
        }
      }
      for (let attempt = 0; ; attempt++) {
        const name = this.#newName(e);
        try {
          await this.#sink.create(this.#eventObject(e, name));
          e.name = name;
          this.stats.created++;
          e.written = count;
          return;
        } catch (err) {
          if (!isAlreadyExists(err) || attempt >= 2) throw err;
        }
      }
    } catch (err) {
      this.stats.failed++;
      e.written = count; // do not retry forever; the next occurrence tries again
      this.#log.warn('Cannot write event', { reason: e.reason, object: `${e.involved.namespace}/${e.involved.name}`, err });
    }
  }

  #evict(): void {
    if (this.#entries.size <= this.#maxTracked) return;
    for (const [k, e] of this.#entries) {
      if (this.#entries.size <= this.#maxTracked) break;
      if (e.queued || e.busy) continue;
      this.#entries.delete(k);
      this.#byUid.get(e.uid)?.delete(k);
    }
  }
}
