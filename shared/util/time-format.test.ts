import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTime, rfc3339, rfc3339Micro } from './time-format.ts';

test('rfc3339 truncates to whole seconds (metav1.Time); rfc3339Micro keeps microseconds (metav1.MicroTime)', () => {
  const ms = Date.UTC(2026, 0, 1, 0, 0, 5, 987);
  assert.equal(rfc3339(ms), '2026-01-01T00:00:05Z');
  assert.equal(rfc3339(Date.UTC(2026, 0, 1)), '2026-01-01T00:00:00Z');
  assert.equal(rfc3339Micro(ms), '2026-01-01T00:00:05.987000Z');
});

test('parseTime: milliseconds, undefined for a missing or unparseable value', () => {
  assert.equal(parseTime('2026-01-01T00:00:05Z'), Date.UTC(2026, 0, 1, 0, 0, 5));
  assert.equal(parseTime(undefined), undefined);
  assert.equal(parseTime(''), undefined);
  assert.equal(parseTime('yesterday'), undefined);
});
