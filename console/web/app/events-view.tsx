/** Events: the cluster page's side panel, the #/events page and the pod page's list share one row. */
import { useMemo } from 'preact/hooks';
import { age, sortedEventRows, type EventRow } from '../lib/event-rows.ts';
import { podHref } from '../lib/routes.ts';
import { useFlushVersion, useRuntime } from './hooks.ts';
import { VirtualList } from './virtual-list.tsx';

const ROW = 44;

function EventLine(props: { row: EventRow; now: number; showNamespace: boolean }) {
  const r = props.row;
  const obj =
    r.objectKind === 'Pod' ? (
      <a href={podHref(r.namespace, r.objectName)} tabIndex={-1}>
        {r.object}
      </a>
    ) : (
      r.object
    );
  return (
    <div class={`event type-${r.type === 'Warning' ? 'warning' : 'normal'}`} data-testid="event-row" data-reason={r.reason} data-object={r.object}>
      <div class="event-head">
        <span class="event-age" title={r.time}>{age(r.time, props.now)}</span>
        <span class="event-type">{r.type}</span>
        <span class="event-reason">{r.reason}</span>
        {props.showNamespace && r.namespace ? <span class="event-ns">{r.namespace}</span> : null}
        <span class="event-object">{obj}</span>
        {r.count > 1 ? <span class="event-count">×{r.count}</span> : null}
      </div>
      <div class="event-message" title={r.message}>{r.message}</div>
    </div>
  );
}

export interface EventsListProps {
  filter?: (r: EventRow) => boolean;
  label: string;
  maxHeight: number;
  testId: string;
  fill?: boolean;
  showNamespace?: boolean;
}

export function EventsList(props: EventsListProps) {
  const rt = useRuntime();
  useFlushVersion();
  const version = rt.events.store.version;
  const rows = useMemo(() => sortedEventRows(rt.events.store.list(), props.filter), [version, props.filter]);
  const now = Date.now();
  return (
    <VirtualList
      items={rows}
      rowHeight={ROW}
      maxHeight={props.maxHeight}
      keyOf={(r) => r.key}
      label={props.label}
      testId={props.testId}
      emptyText={rt.events.state.synced ? 'No events.' : 'Loading events…'}
      {...(props.fill ? { fill: true } : {})}
      onOpen={(r) => {
        if (r.objectKind === 'Pod') location.hash = podHref(r.namespace, r.objectName);
      }}
      renderRow={(r) => <EventLine row={r} now={now} showNamespace={props.showNamespace ?? true} />}
    />
  );
}

export function EventsPage() {
  return (
    <main class="page events-page" aria-labelledby="events-title">
      <h1 id="events-title">Events</h1>
      <EventsList label="All events, newest first" maxHeight={10_000} testId="events-page-list" fill />
    </main>
  );
}
