/**
 * PodTimelineRecorder: what happened to each pod on this node, in order, for the pod anatomy's `timeline`.
 *
 * The agent feeds it as it acts, one line at each place (runtime-manager.ts, agent.ts):
 *
 *   timeline.record(uid, { type: 'SandboxCreated' }, sandboxId)
 *   timeline.record(uid, { type: 'ContainerStarted', container: 'app' }, containerId)
 *   timeline.record(uid, { type: 'ProbeChanged', container: 'app', probe: 'readiness', result: 'success' })
 *   timeline.observe(runtimePodStatus)      // every runtime read: created/started/exited (+ exit code) per instance
 *   timeline.forget(uid)                    // the pod is gone from the node
 *
 * Entries that carry a runtime id (a sandbox's or a container's) are keyed by (type, id): the same fact seen
 * twice (recorded when the agent started a container, then observed in the runtime's status) is one entry,
 * and the later source wins, so the runtime's own timestamps replace the agent's clock. That is also what
 * keeps the init → sidecar → app order across an agent restart: a new agent observes the runtime's created/
 * started/finished times of every container still there. The pod anatomy completes it once more from CRI's
 * nanosecond timestamps (`entries(uid, extra)`).
 *
 * Bounded: at most `maxEntriesPerPod` (200) per pod, the oldest dropped first.
 */
import type { TimelineEntry } from '../../shared/api/pod-anatomy.ts';
import { realClock, type Clock } from '../../shared/util/clock.ts';
import { formatFixedNanoFromMs } from '../../shared/util/time-format.ts';
import type { RuntimePodStatus } from '../container/runtime-pod.ts';

export interface PodTimelineRecorderOptions {
  clock?: Clock;
  /** @default 200 */
  maxEntriesPerPod?: number;
}

/** A timeline entry to record: `time` defaults to now. */
export type TimelineRecord = Omit<TimelineEntry, 'time'> & { time?: string };

/** An entry with the runtime id it is about (merge key), as the anatomy completes the timeline with. */
export interface KeyedTimelineEntry {
  entry: TimelineEntry;
  runtimeId?: string;
}

/** Order of entries at the same instant: a sandbox before its containers, created before started before exited. */
const TYPE_ORDER: Record<TimelineEntry['type'], number> = {
  SandboxCreated: 0,
  SandboxReady: 1,
  ContainerRestarted: 2,
  ContainerCreated: 3,
  ContainerStarted: 4,
  ProbeChanged: 5,
  ContainerKilled: 6,
  ContainerExited: 7,
  SandboxStopped: 8,
};

export function compareTimelineEntries(a: TimelineEntry, b: TimelineEntry): number {
  if (a.time !== b.time) return a.time < b.time ? -1 : 1;
  return TYPE_ORDER[a.type] - TYPE_ORDER[b.type];
}

/**
 * One container instance is created, then started, then exits: never in another order. containerd stamps a
 * container's start after its start call returns, while the exit time comes from the process's end, so a process
 * that ends within that call (an init container running `echo`) looks finished before it started. Such an exit is
 * shown at its start time (and a start before its creation at the creation time), so the timeline keeps the order
 * things happened in; ties sort by TYPE_ORDER.
 */
function causalOrder(byKey: Map<string, TimelineEntry>): void {
  const chain: TimelineEntry['type'][] = ['ContainerCreated', 'ContainerStarted', 'ContainerExited'];
  const ids = new Set([...byKey.keys()].filter((k) => k.startsWith('Container')).map((k) => k.slice(k.indexOf('/') + 1)));
  for (const id of ids) {
    let floor: string | undefined;
    for (const type of chain) {
      const key = `${type}/${id}`;
      const e = byKey.get(key);
      if (!e) continue;
      if (floor !== undefined && e.time < floor) byKey.set(key, { ...e, time: floor });
      else floor = e.time;
    }
  }
}

/** Entries oldest first; a later entry with the same (type, runtime id) replaces an earlier one; causal order kept. */
export function orderedTimeline(entries: KeyedTimelineEntry[]): TimelineEntry[] {
  const byKey = new Map<string, TimelineEntry>();
  const loose: TimelineEntry[] = [];
  for (const e of entries) {
    if (e.runtimeId) byKey.set(`${e.entry.type}/${e.runtimeId}`, e.entry);
    else loose.push(e.entry);
  }
  causalOrder(byKey);
  return [...byKey.values(), ...loose].sort(compareTimelineEntries);
}

interface Stored {
  key: string | undefined;
  seq: number;
  entry: TimelineEntry;
}

export class PodTimelineRecorder {
  #clock: Clock;
  #max: number;
  #pods = new Map<string, Stored[]>();
  #seq = 0;

  constructor(options: PodTimelineRecorderOptions = {}) {
    this.#clock = options.clock ?? realClock;
    this.#max = options.maxEntriesPerPod ?? 200;
  }

  /** Records one thing that happened to pod `uid`; `runtimeId` (sandbox or container id) makes it mergeable. */
  record(uid: string, record: TimelineRecord, runtimeId?: string): void {
    if (!uid) return;
    const entry = { ...record, time: record.time ?? formatFixedNanoFromMs(this.#clock.now()) } as TimelineEntry;
    const list = this.#pods.get(uid) ?? [];
    const key = runtimeId ? `${entry.type}/${runtimeId}` : undefined;
    const i = key ? list.findIndex((s) => s.key === key) : -1;
    if (i >= 0) list.splice(i, 1);
    list.push({ key, seq: this.#seq++, entry });
    if (list.length > this.#max) {
      list.sort((a, b) => compareTimelineEntries(a.entry, b.entry) || a.seq - b.seq);
      list.splice(0, list.length - this.#max);
    }
    this.#pods.set(uid, list);
  }

  /** Adds (or refreshes) what a runtime read shows: each sandbox's creation, each container's created/started/exited. */
  observe(status: RuntimePodStatus): void {
    for (const e of timelineFromRuntimeStatus(status)) this.#upsertQuiet(status.uid, e);
  }

  #upsertQuiet(uid: string, e: KeyedTimelineEntry): void {
    const list = this.#pods.get(uid);
    const key = e.runtimeId ? `${e.entry.type}/${e.runtimeId}` : undefined;
    const found = key ? list?.find((s) => s.key === key) : undefined;
    // Unchanged facts are not re-added (observe runs on every sync).
    if (found && found.entry.time === e.entry.time && found.entry.exitCode === e.entry.exitCode) return;
    this.record(uid, e.entry, e.runtimeId);
  }

  /**
   * The pod's timeline, oldest first; `extra` (the anatomy's CRI-derived entries) replaces recorded entries
   * with the same (type, runtime id).
   */
  entries(uid: string, extra: KeyedTimelineEntry[] = []): TimelineEntry[] {
    const recorded = (this.#pods.get(uid) ?? []).map((s): KeyedTimelineEntry => (s.key ? { runtimeId: s.key.slice(s.key.indexOf('/') + 1), entry: s.entry } : { entry: s.entry }));
    const all = orderedTimeline([...recorded, ...extra]);
    return all.slice(Math.max(0, all.length - this.#max));
  }

  /** Drops what is known of pod `uid`. */
  forget(uid: string): void {
    this.#pods.delete(uid);
  }

  /** Pods with a timeline (for tests and housekeeping). */
  uids(): string[] {
    return [...this.#pods.keys()];
  }
}

/** The entries a runtime status shows (times in ms, as RuntimePodStatus has them). */
export function timelineFromRuntimeStatus(status: RuntimePodStatus): KeyedTimelineEntry[] {
  const out: KeyedTimelineEntry[] = [];
  for (const sb of status.sandboxes) {
    if (sb.createdAt > 0) out.push({ runtimeId: sb.id, entry: { time: formatFixedNanoFromMs(sb.createdAt), type: 'SandboxCreated' } });
  }
  for (const c of status.containers) {
    if (c.createdAt > 0) out.push({ runtimeId: c.id, entry: { time: formatFixedNanoFromMs(c.createdAt), type: 'ContainerCreated', container: c.name } });
    if (c.startedAt > 0) out.push({ runtimeId: c.id, entry: { time: formatFixedNanoFromMs(c.startedAt), type: 'ContainerStarted', container: c.name } });
    if (c.state === 'exited' && c.finishedAt > 0) {
      out.push({
        runtimeId: c.id,
        entry: { time: formatFixedNanoFromMs(c.finishedAt), type: 'ContainerExited', container: c.name, exitCode: c.exitCode, ...(c.reason ? { message: c.reason } : {}) },
      });
    }
  }
  return out;
}
