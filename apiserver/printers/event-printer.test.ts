import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../shared/api/meta.ts';
import { eventPrinter, eventTimes } from './event-printer.ts';

const NOW = Date.parse('2025-01-01T12:00:00Z');
const ago = (ms: number): string => new Date(NOW - ms).toISOString().replace('.000Z', 'Z');
const M = 60_000;

function event(fields: Record<string, unknown>): KubeObject {
  return {
    kind: 'Event',
    apiVersion: 'v1',
    metadata: { name: 'web.17a2b3c4d5e6f789', namespace: 'default', creationTimestamp: ago(30 * M) },
    involvedObject: { kind: 'Pod', name: 'web', namespace: 'default', fieldPath: 'spec.containers{nginx}' },
    type: 'Normal',
    reason: 'Pulled',
    message: 'Successfully pulled image "nginx"\n',
    source: { component: 'kubelet', host: 'n1' },
    ...fields,
  };
}

test('columns in upstream order: LAST SEEN TYPE REASON OBJECT MESSAGE, wide SUBOBJECT SOURCE FIRST SEEN COUNT NAME', () => {
  assert.deepEqual(
    eventPrinter.columns.map((c) => `${c.name}:${c.priority}${c.format ? `:${c.format}` : ''}`),
    ['Last Seen:0', 'Type:0', 'Reason:0', 'Object:0', 'Subobject:1', 'Source:1', 'Message:0', 'First Seen:1', 'Count:1', 'Name:1:name'],
  );
});

test('classic event: cells follow the column order, count is a number, message trimmed', () => {
  const ev = event({ firstTimestamp: ago(30 * M), lastTimestamp: ago(2 * M), count: 4 });
  assert.deepEqual(eventPrinter.print(ev, NOW).cells, [
    '2m',
    'Normal',
    'Pulled',
    'pod/web',
    'spec.containers{nginx}',
    'kubelet, n1',
    'Successfully pulled image "nginx"',
    '30m',
    4,
    'web.17a2b3c4d5e6f789',
  ]);
});

test('LAST SEEN falls back to FIRST SEEN, FIRST SEEN to eventTime; series overrides both LAST SEEN and COUNT', () => {
  assert.deepEqual(eventTimes(event({ firstTimestamp: ago(7 * M), count: 1 }), NOW), { lastSeen: '7m', firstSeen: '7m', count: 1 });
  // New-style singleton event (events.k8s.io writers): eventTime only, no count.
  assert.deepEqual(eventTimes(event({ eventTime: '2025-01-01T11:59:30.123456Z', firstTimestamp: null, lastTimestamp: null }), NOW), {
    lastSeen: '29s',
    firstSeen: '29s',
    count: 1,
  });
  assert.deepEqual(
    eventTimes(event({ eventTime: ago(20 * M), series: { count: 12, lastObservedTime: '2025-01-01T11:58:00.000000Z' } }), NOW),
    { lastSeen: '2m', firstSeen: '20m', count: 12 },
  );
  assert.deepEqual(eventTimes(event({}), NOW), { lastSeen: '<unknown>', firstSeen: '<unknown>', count: 1 });
});

test('OBJECT without a name is the lower-cased kind; SOURCE falls back to reportingComponent/Instance', () => {
  const ev = event({
    involvedObject: { kind: 'Node' },
    source: {},
    reportingComponent: 'kubelab-controller',
    reportingInstance: 'cp-1',
    lastTimestamp: ago(M),
    firstTimestamp: ago(M),
    count: 2,
  });
  const cells = eventPrinter.print(ev, NOW).cells;
  assert.equal(cells[3], 'node');
  assert.equal(cells[4], '');
  assert.equal(cells[5], 'kubelab-controller, cp-1');
  const noHost = eventPrinter.print(event({ source: { component: 'default-scheduler' } }), NOW).cells;
  assert.equal(noHost[5], 'default-scheduler');
  assert.equal(noHost[3], 'pod/web');
});
