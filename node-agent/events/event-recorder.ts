/**
 * core/v1 Events from the node agent (client-go tools/record: EventRecorder + EventCorrelator, simplified).
 *
 * - `event(ref, type, reason, message)` never blocks and never throws: events are queued and written by one
 *   background sender, in order.
 * - Repeats of the same (object, type, reason, message) within `aggregateWindowMs` become one Event whose
 *   `count` and `lastTimestamp` are updated with a merge PATCH, as the correlator does.
 * - The queue is bounded (`maxQueue`); when full, new events are dropped (and counted in `dropped`), like
 *   client-go's broadcaster with a full channel.
 * - `level: 'warnings'` keeps only Warning events, `'none'` disables recording (for thousands of simulated
 *   nodes).
 */
import type { Event, ObjectReference } from '../../shared/api/core-v1.ts';
import type { ResourceClient } from '../../shared/client/interfaces.ts';
import type { KubeObject } from '../../shared/api/meta.ts';
import { realClock, type Clock } from '../../shared/util/clock.ts';
import { log as rootLog, type Logger } from '../../shared/util/log.ts';

export type EventType = 'Normal' | 'Warning';
export type EventLevel = 'all' | 'warnings' | 'none';

export interface EventRecorderOptions {
  events: ResourceClient;
  /** `source.component` (kubelet writes 'kubelet'). */
  component?: string;
  /** `source.host`: the node name. */
  host: string;
  level?: EventLevel;
  clock?: Clock;
  log?: Logger;
  /** @default 600000 (10 min, the correlator's window) */
  aggregateWindowMs?: number;
  /** @default 1000 */
  maxQueue?: number;
  /** Remembered aggregation keys. @default 4096 */
  maxCache?: number;
}

/** The part of an object an Event refers to. */
export interface EventRef {
  kind: string;
  apiVersion?: string;
  namespace?: string;
  name: string;
  uid?: string;
  resourceVersion?: string;
  /** e.g. `spec.containers{web}` */
  fieldPath?: string;
}

interface CacheEntry {
  name: string;
  namespace: string;
  count: number;
  firstTimestamp: string;
  lastSeen: number;
}

/**
 * An EventRef to a pod (optionally one of its containers). A container the pod lists among its ephemeral
 * containers gets `spec.ephemeralContainers{name}` (kubelet's fieldPath looks the name up the same way).
 */
export function podRef(pod: KubeObject, containerName?: string, init = false): EventRef {
  const ref: EventRef = {
    kind: 'Pod',
    apiVersion: 'v1',
    namespace: pod.metadata.namespace ?? '',
    name: pod.metadata.name ?? '',
  };
  if (pod.metadata.uid) ref.uid = pod.metadata.uid;
  if (pod.metadata.resourceVersion) ref.resourceVersion = pod.metadata.resourceVersion;
  if (containerName) {
    const ephemeral = (pod as { spec?: { ephemeralContainers?: { name: string }[] } }).spec?.ephemeralContainers?.some((c) => c.name === containerName);
    ref.fieldPath = `spec.${ephemeral ? 'ephemeralContainers' : init ? 'initContainers' : 'containers'}{${containerName}}`;
  }
  return ref;
}

export class EventRecorder {
  #events: ResourceClient;
  #component: string;
  #host: string;
  #level: EventLevel;
  #clock: Clock;
  #log: Logger;
  #window: number;
  #maxQueue: number;
  #maxCache: number;
  #queue: (() => Promise<void>)[] = [];
  #sending = false;
  #cache = new Map<string, CacheEntry>();
  #seq = 0;
  #idle: (() => void)[] = [];
  dropped = 0;

  constructor(options: EventRecorderOptions) {
    this.#events = options.events;
    this.#component = options.component ?? 'kubelet';
    this.#host = options.host;
    this.#level = options.level ?? 'all';
    this.#clock = options.clock ?? realClock;
    this.#log = options.log ?? rootLog;
    this.#window = options.aggregateWindowMs ?? 600_000;
    this.#maxQueue = options.maxQueue ?? 1000;
    this.#maxCache = options.maxCache ?? 4096;
  }

  event(ref: EventRef, type: EventType, reason: string, message: string): void {
    if (this.#level === 'none' || (this.#level === 'warnings' && type !== 'Warning')) return;
    if (this.#queue.length >= this.#maxQueue) {
      this.dropped++;
      return;
    }
    const at = this.#clock.now();
    this.#queue.push(() => this.#write(ref, type, reason, message.slice(0, 1024), at));
    if (!this.#sending) void this.#drain();
  }

  /** Resolves once every queued event was written (for tests and shutdown). */
  flush(): Promise<void> {
    if (!this.#sending && this.#queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  async #drain(): Promise<void> {
    this.#sending = true;
    while (this.#queue.length > 0) {
      const job = this.#queue.shift();
      try {
        await job?.();
      } catch (err) {
        this.#log.debug('Could not write event', { err });
      }
    }
    this.#sending = false;
    for (const r of this.#idle.splice(0)) r();
  }

  async #write(ref: EventRef, type: EventType, reason: string, message: string, at: number): Promise<void> {
    const key = [ref.uid ?? `${ref.namespace}/${ref.name}`, ref.fieldPath ?? '', type, reason, message].join('\u0000');
    const ts = new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const namespace = ref.namespace || 'default';
    const cached = this.#cache.get(key);
    if (cached && at - cached.lastSeen < this.#window) {
      cached.count++;
      cached.lastSeen = at;
      try {
        await this.#events.patch(cached.namespace, cached.name, 'application/merge-patch+json', { count: cached.count, lastTimestamp: ts });
        return;
      } catch {
        // The event expired or was deleted: write a new one.
        this.#cache.delete(key);
      }
    }
    const involved: ObjectReference = { kind: ref.kind, namespace: ref.namespace ?? '', name: ref.name };
    if (ref.apiVersion) involved.apiVersion = ref.apiVersion;
    if (ref.uid) involved.uid = ref.uid;
    if (ref.resourceVersion) involved.resourceVersion = ref.resourceVersion;
    if (ref.fieldPath) involved.fieldPath = ref.fieldPath;
    const name = `${ref.name}.${(BigInt(at) * 1_000_000n + BigInt(this.#seq++ % 1_000_000)).toString(16)}`;
    const ev: Event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject: involved,
      reason,
      message,
      source: { component: this.#component, host: this.#host },
      firstTimestamp: ts,
      lastTimestamp: ts,
      count: 1,
      type,
      reportingComponent: this.#component,
      reportingInstance: this.#host,
    };
    await this.#events.create(ev);
    this.#cache.set(key, { name, namespace, count: 1, firstTimestamp: ts, lastSeen: at });
    if (this.#cache.size > this.#maxCache) {
      const oldest = this.#cache.keys().next().value;
      if (oldest !== undefined) this.#cache.delete(oldest);
    }
  }
}
