import type { KubeObject } from '../../shared/api/meta.ts';
import {
  EVENT_COUNT,
  EVENT_FIRST_TIMESTAMP,
  EVENT_INVOLVED_OBJECT,
  EVENT_LAST_TIMESTAMP,
  EVENT_MESSAGE,
  EVENT_REASON,
  EVENT_SOURCE,
  EVENT_TYPE,
  OBJECT_META_NAME,
  OBJECT_REFERENCE_FIELD_PATH,
} from './column-descriptions.ts';
import { parseTimestamp, translateTimestampSince } from './human-duration.ts';
import { column, type PrintedRow, type ResourcePrinter } from './table.ts';

/**
 * `kubectl get events` for core/v1 Events: printEvent in pkg/printers/internalversion/printers.go. The
 * server prints wide, so every row carries all ten cells in column order: LAST SEEN, TYPE, REASON, OBJECT,
 * SUBOBJECT, SOURCE, MESSAGE, FIRST SEEN, COUNT, NAME.
 */

interface EventLike {
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  firstTimestamp?: string | null;
  lastTimestamp?: string | null;
  eventTime?: string | null;
  series?: { count?: number; lastObservedTime?: string | null } | null;
  involvedObject?: { kind?: string; name?: string; fieldPath?: string };
  source?: { component?: string; host?: string };
  reportingComponent?: string;
  reportingInstance?: string;
}

export const EVENT_COLUMNS = [
  column('Last Seen', 'string', EVENT_LAST_TIMESTAMP),
  column('Type', 'string', EVENT_TYPE),
  column('Reason', 'string', EVENT_REASON),
  column('Object', 'string', EVENT_INVOLVED_OBJECT),
  column('Subobject', 'string', OBJECT_REFERENCE_FIELD_PATH, { priority: 1 }),
  column('Source', 'string', EVENT_SOURCE, { priority: 1 }),
  column('Message', 'string', EVENT_MESSAGE),
  column('First Seen', 'string', EVENT_FIRST_TIMESTAMP, { priority: 1 }),
  column('Count', 'string', EVENT_COUNT, { priority: 1 }),
  column('Name', 'string', OBJECT_META_NAME, { format: 'name', priority: 1 }),
] as const;

/**
 * formatEventSource: component (falling back to reportingController, whose v1 JSON name is
 * reportingComponent) and host (falling back to reportingInstance), joined by ", " when the host is set.
 */
export function formatEventSource(ev: EventLike): string {
  const component = ev.source?.component || ev.reportingComponent || '';
  const instance = ev.source?.host || ev.reportingInstance || '';
  return instance ? `${component}, ${instance}` : component;
}

/** The LAST SEEN, FIRST SEEN and COUNT values of an event (new-style events carry eventTime and series). */
export function eventTimes(obj: KubeObject, now: number): { lastSeen: string; firstSeen: string; count: number } {
  const ev = obj as EventLike;
  let firstSeen = translateTimestampSince(ev.firstTimestamp, now);
  if (parseTimestamp(ev.firstTimestamp) === undefined) firstSeen = translateTimestampSince(ev.eventTime, now);

  let lastSeen = translateTimestampSince(ev.lastTimestamp, now);
  if (parseTimestamp(ev.lastTimestamp) === undefined) lastSeen = firstSeen;

  let count = ev.count ?? 0;
  if (ev.series) {
    lastSeen = translateTimestampSince(ev.series.lastObservedTime, now);
    count = ev.series.count ?? 0;
  } else if (count === 0) {
    // Singleton events of the new API have no count.
    count = 1;
  }
  return { lastSeen, firstSeen, count };
}

function printEvent(obj: KubeObject, now: number): PrintedRow {
  const ev = obj as EventLike;
  const { lastSeen, firstSeen, count } = eventTimes(obj, now);
  const kind = (ev.involvedObject?.kind ?? '').toLowerCase();
  const name = ev.involvedObject?.name ?? '';
  const target = name ? `${kind}/${name}` : kind;
  return {
    cells: [
      lastSeen,
      ev.type ?? '',
      ev.reason ?? '',
      target,
      ev.involvedObject?.fieldPath ?? '',
      formatEventSource(ev),
      (ev.message ?? '').trim(),
      firstSeen,
      // int64 in Go: a JSON number even though the column says string.
      count,
      obj.metadata.name ?? '',
    ],
  };
}

export const eventPrinter: ResourcePrinter = { columns: EVENT_COLUMNS, print: printEvent };
