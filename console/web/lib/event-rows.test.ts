import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Event } from './kube-types.ts';
import { age, eventRow, podEventFilter, sortedEventRows } from './event-rows.ts';

function ev(name: string, extra: Partial<Event>): Event {
  return {
    metadata: { namespace: 'default', name, creationTimestamp: '2026-12-08T09:00:00Z' },
    involvedObject: { kind: 'Pod', name: 'web', namespace: 'default' },
    ...extra,
  } as Event;
}

test('a row carries kubectl get events columns; the time is lastTimestamp, else series/eventTime, else creation', () => {
  const r = eventRow(ev('e1', { reason: 'BackOff', type: 'Warning', message: ' Back-off restarting failed container\n', count: 4, lastTimestamp: '2026-12-08T10:00:00Z' }));
  assert.deepEqual(
    { time: r.time, type: r.type, reason: r.reason, object: r.object, message: r.message, count: r.count, key: r.key },
    { time: '2026-12-08T10:00:00Z', type: 'Warning', reason: 'BackOff', object: 'pod/web', message: 'Back-off restarting failed container', count: 4, key: 'default/e1' },
  );
  assert.equal(eventRow(ev('e2', { eventTime: '2026-12-08T11:00:00.000000Z', series: { count: 7, lastObservedTime: '2026-12-08T11:05:00.000000Z' } })).time, '2026-12-08T11:05:00.000000Z');
  assert.equal(eventRow(ev('e3', { eventTime: '2026-12-08T11:00:00.000000Z' })).time, '2026-12-08T11:00:00.000000Z');
  assert.equal(eventRow(ev('e3', {})).time, '2026-12-08T09:00:00Z');
  assert.equal(eventRow(ev('e2', { series: { count: 7 } })).count, 7);
  assert.equal(eventRow(ev('e4', {})).type, 'Normal');
});

test('newest first, stable on ties; the pod filter keeps one pod\'s events', () => {
  const events = [
    ev('old', { lastTimestamp: '2026-12-08T10:00:00Z' }),
    ev('new', { lastTimestamp: '2026-12-08T10:05:00Z' }),
    ev('tie-b', { lastTimestamp: '2026-12-08T10:01:00Z' }),
    ev('tie-a', { lastTimestamp: '2026-12-08T10:01:00Z' }),
    ev('other', { lastTimestamp: '2026-12-08T10:09:00Z', involvedObject: { kind: 'Pod', name: 'db', namespace: 'default' } }),
    ev('node', { lastTimestamp: '2026-12-08T10:09:00Z', involvedObject: { kind: 'Node', name: 'web' } }),
  ];
  assert.deepEqual(sortedEventRows(events, podEventFilter('default', 'web')).map((r) => r.key.split('/')[1]), ['new', 'tie-a', 'tie-b', 'old']);
  assert.equal(sortedEventRows(events).length, 6);
});

test('age as kubectl prints LAST SEEN', () => {
  const now = Date.parse('2026-12-08T10:00:00Z');
  assert.equal(age('2026-12-08T09:59:15Z', now), '45s');
  assert.equal(age('2026-12-08T09:50:00Z', now), '10m');
  assert.equal(age('2026-12-08T09:54:30Z', now), '5m30s');
  assert.equal(age('2026-12-08T05:00:00Z', now), '5h');
  assert.equal(age('2026-12-05T10:00:00Z', now), '3d');
  assert.equal(age('', now), '');
});
