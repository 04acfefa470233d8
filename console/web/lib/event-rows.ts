/** Events as the console lists them: newest first, with kubectl get events' columns. */
import { humanDuration } from '../../../apiserver/printers/human-duration.ts';
import type { Event } from './kube-types.ts';

export interface EventRow {
  key: string;
  namespace: string;
  /** The last time it happened (lastTimestamp, else eventTime, else creation), RFC 3339; '' unknown. */
  time: string;
  type: string;
  reason: string;
  /** kind/name of the involved object, as kubectl's OBJECT column (lower-case kind). */
  object: string;
  objectKind: string;
  objectName: string;
  message: string;
  count: number;
}

export function eventRow(ev: Event): EventRow {
  const ns = ev.metadata.namespace ?? '';
  const kind = ev.involvedObject.kind ?? '';
  const name = ev.involvedObject.name ?? '';
  return {
    key: `${ns}/${ev.metadata.name ?? ''}`,
    namespace: ns,
    time: ev.lastTimestamp || ev.series?.lastObservedTime || ev.eventTime || ev.firstTimestamp || ev.metadata.creationTimestamp || '',
    type: ev.type ?? 'Normal',
    reason: ev.reason ?? '',
    object: `${kind.toLowerCase()}/${name}`,
    objectKind: kind,
    objectName: name,
    message: (ev.message ?? '').trim(),
    count: ev.series?.count ?? ev.count ?? 1,
  };
}

/** Newest first; ties by key so the order is stable between renders. */
export function sortedEventRows(events: readonly Event[], filter?: (r: EventRow) => boolean): EventRow[] {
  const rows = events.map(eventRow).filter((r) => (filter ? filter(r) : true));
  rows.sort((a, b) => (a.time !== b.time ? (a.time < b.time ? 1 : -1) : a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return rows;
}

/** The events about one pod. */
export function podEventFilter(namespace: string, name: string): (r: EventRow) => boolean {
  return (r) => r.namespace === namespace && r.objectKind === 'Pod' && r.objectName === name;
}

/** LAST SEEN as kubectl prints it (HumanDuration: 45s, 5m30s, 12m, 5h, 3d); '' when unknown. */
export function age(time: string, now: number): string {
  const t = Date.parse(time);
  if (!time || Number.isNaN(t)) return '';
  return humanDuration(now - t);
}
