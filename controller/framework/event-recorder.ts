/**
 * Recording core/v1 Events about objects (client-go tools/record: EventRecorder + the broadcaster's sink and
 * EventCorrelator, reduced to what the controllers need).
 *
 *   const recorder = new ClientEventRecorder(clientset.events, { component: 'node-controller' });
 *   recorder.event(node, 'Normal', 'NodeNotReady', `Node ${name} status is now: NodeNotReady`);
 *
 * `event()` returns at once and never throws: writes happen in the background, in order, and a failed write is
 * logged (an event is best-effort, exactly as in client-go). A repeat of the same event (same object, type,
 * reason, message and source) within the correlation window bumps `count` and `lastTimestamp` of the existing
 * Event with a merge patch instead of creating another object.
 *
 * Cluster-scoped objects (nodes) get their events in the `default` namespace, as client-go does.
 */
import type { Event, ObjectReference } from '../../shared/api/core-v1.ts';
import type { KubeObject } from '../../shared/api/meta.ts';
import type { ResourceClient } from '../../shared/client/interfaces.ts';
import { isNotFound } from '../../shared/errors/status-error.ts';
import { realClock, type Clock } from '../../shared/util/clock.ts';
import { log as rootLog, type Logger } from '../../shared/util/log.ts';
import { rfc3339 } from './time-format.ts';

export type EventType = 'Normal' | 'Warning';

export interface EventRecorder {
  /** Records an event about `obj` (an object or a reference to one). Never throws; the write is asynchronous. */
  event(obj: KubeObject | ObjectReference, type: EventType, reason: string, message: string): void;
}

/** The involvedObject reference of an object (reference.GetReference). */
export function objectReference(obj: KubeObject | ObjectReference): ObjectReference {
  if (!('metadata' in obj) || typeof obj.metadata !== 'object' || obj.metadata === null) return { ...(obj as ObjectReference) };
  const o = obj as KubeObject;
  const ref: ObjectReference = {};
  if (o.kind) ref.kind = o.kind;
  if (o.metadata.namespace) ref.namespace = o.metadata.namespace;
  if (o.metadata.name) ref.name = o.metadata.name;
  if (o.metadata.uid) ref.uid = o.metadata.uid;
  if (o.apiVersion) ref.apiVersion = o.apiVersion;
  if (o.metadata.resourceVersion) ref.resourceVersion = o.metadata.resourceVersion;
  return ref;
}

export interface ClientEventRecorderOptions {
  /** source.component and reportingComponent, e.g. 'node-controller'. */
  component: string;
  /** source.host and reportingInstance. */
  host?: string;
  /** @default realClock */
  clock?: Clock;
  /** Repeats within this window update the existing Event. @default 600000 (10 min, the correlator's window) */
  correlationWindowMs?: number;
  /** Distinct events remembered for correlation. @default 4096 (client-go's maxLruCacheEntries) */
  cacheSize?: number;
  /** @default the root logger */
  log?: Logger;
}

interface Seen {
  name: string;
  namespace: string;
  count: number;
  lastMs: number;
}

export class ClientEventRecorder implements EventRecorder {
  readonly #events: ResourceClient;
  readonly #component: string;
  readonly #host: string | undefined;
  readonly #clock: Clock;
  readonly #window: number;
  readonly #cacheSize: number;
  readonly #log: Logger;
  /** Correlation cache, in least-recently-used order (Map iteration order). */
  readonly #seen = new Map<string, Seen>();
  #tail: Promise<void> = Promise.resolve();
  #seq = 0;

  constructor(events: ResourceClient, options: ClientEventRecorderOptions) {
    this.#events = events;
    this.#component = options.component;
    this.#host = options.host;
    this.#clock = options.clock ?? realClock;
    this.#window = options.correlationWindowMs ?? 600_000;
    this.#cacheSize = options.cacheSize ?? 4096;
    this.#log = (options.log ?? rootLog).with({ component: 'event-recorder', source: options.component });
  }

  event(obj: KubeObject | ObjectReference, type: EventType, reason: string, message: string): void {
    const ref = objectReference(obj);
    const nowMs = this.#clock.now();
    const key = [ref.kind, ref.namespace, ref.name, ref.uid, ref.apiVersion, type, reason, message].join('\u0000');
    this.#tail = this.#tail.then(() => this.#write(key, ref, type, reason, message, nowMs)).catch((err: unknown) => {
      this.#log.warn('Cannot record event', { object: `${ref.kind ?? ''}/${ref.namespace ? `${ref.namespace}/` : ''}${ref.name ?? ''}`, reason, err });
    });
  }

  /** Resolves once every event recorded so far was written (or failed). */
  flush(): Promise<void> {
    return this.#tail;
  }

  async #write(key: string, ref: ObjectReference, type: EventType, reason: string, message: string, nowMs: number): Promise<void> {
    const seen = this.#seen.get(key);
    if (seen && nowMs - seen.lastMs <= this.#window) {
      this.#seen.delete(key);
      this.#seen.set(key, seen);
      seen.count++;
      seen.lastMs = nowMs;
      try {
        await this.#events.patch(seen.namespace, seen.name, 'application/merge-patch+json', { count: seen.count, lastTimestamp: rfc3339(nowMs) });
        return;
      } catch (err) {
        if (!isNotFound(err)) throw err;
        // The Event expired (events have a TTL): create a fresh one below.
      }
    }
    const namespace = ref.namespace || 'default';
    // client-go names events "<object name>.<unix nanoseconds in hex>"; a sequence number keeps two events of
    // the same millisecond apart.
    const nanos = BigInt(Math.floor(nowMs)) * 1_000_000n + BigInt(this.#seq++ % 1_000_000);
    const name = `${ref.name ?? 'unknown'}.${nanos.toString(16)}`;
    const ts = rfc3339(nowMs);
    const ev: Event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject: ref,
      reason,
      message,
      source: { component: this.#component, ...(this.#host ? { host: this.#host } : {}) },
      firstTimestamp: ts,
      lastTimestamp: ts,
      count: 1,
      type,
      reportingComponent: this.#component,
      reportingInstance: this.#host ?? '',
    };
    await this.#events.create(ev);
    this.#seen.delete(key);
    this.#seen.set(key, { name, namespace, count: 1, lastMs: nowMs });
    while (this.#seen.size > this.#cacheSize) {
      const oldest = this.#seen.keys().next().value as string;
      this.#seen.delete(oldest);
    }
  }
}

/** One event as the FakeRecorder keeps it. */
export interface RecordedEvent {
  object: ObjectReference;
  type: EventType;
  reason: string;
  message: string;
}

/** Keeps events in memory for tests (record.FakeRecorder). `strings()` gives "Type Reason Message" lines. */
export class FakeRecorder implements EventRecorder {
  readonly events: RecordedEvent[] = [];

  event(obj: KubeObject | ObjectReference, type: EventType, reason: string, message: string): void {
    this.events.push({ object: objectReference(obj), type, reason, message });
  }

  strings(): string[] {
    return this.events.map((e) => `${e.type} ${e.reason} ${e.message}`);
  }

  clear(): void {
    this.events.length = 0;
  }
}
