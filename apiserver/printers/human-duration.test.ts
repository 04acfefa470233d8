import { test } from 'node:test';
import assert from 'node:assert/strict';
import { humanDuration, parseTimestamp, translateTimestampSince } from './human-duration.ts';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

// Each pair sits on one side of a boundary of k8s.io/apimachinery/pkg/util/duration.HumanDuration.
const cases: [number, string][] = [
  // future timestamps: up to 2 s of skew reads as now
  [-2 * S - 1, '<invalid>'],
  [-2 * S, '<invalid>'],
  [-2 * S + 1, '0s'],
  [-1 * S, '0s'],
  [-1, '0s'],
  [0, '0s'],
  [999, '0s'],
  [1 * S, '1s'],
  [5 * S, '5s'],
  [59 * S, '59s'],
  [60 * S, '60s'],
  [2 * M - 1, '119s'],
  // 2m..10m: minutes and seconds
  [2 * M, '2m'],
  [2 * M + 3 * S, '2m3s'],
  [5 * M + 59 * S + 999, '5m59s'],
  [10 * M - 1, '9m59s'],
  // 10m..3h: minutes
  [10 * M, '10m'],
  [10 * M + 59 * S, '10m'],
  [90 * M, '90m'],
  [3 * H - 1, '179m'],
  // 3h..8h: hours and minutes
  [3 * H, '3h'],
  [3 * H + 5 * M, '3h5m'],
  [3 * H + 5 * M + 59 * S, '3h5m'],
  [8 * H - 1, '7h59m'],
  // 8h..48h: hours
  [8 * H, '8h'],
  [8 * H + 59 * M, '8h'],
  [47 * H + 59 * M, '47h'],
  // 2d..8d: days and hours
  [48 * H, '2d'],
  [2 * D + 3 * H, '2d3h'],
  [8 * D - 1, '7d23h'],
  // 8d..2y: days
  [8 * D, '8d'],
  [400 * D, '400d'],
  [730 * D - 1, '729d'],
  // 2y..8y: years and days
  [730 * D, '2y'],
  [731 * D, '2y1d'],
  [5 * 365 * D + 10 * D, '5y10d'],
  [2920 * D - 1, '7y364d'],
  // 8y and more: years
  [2920 * D, '8y'],
  [2920 * D + 364 * D, '8y'],
  [12 * 365 * D, '12y'],
];

for (const [ms, want] of cases) {
  test(`humanDuration(${ms} ms) = ${want}`, () => {
    assert.equal(humanDuration(ms), want);
  });
}

test('translateTimestampSince: unset timestamps are <unknown>, others relative to now', () => {
  const now = Date.parse('2025-01-01T12:00:00Z');
  assert.equal(translateTimestampSince(undefined, now), '<unknown>');
  assert.equal(translateTimestampSince(null, now), '<unknown>');
  assert.equal(translateTimestampSince('', now), '<unknown>');
  assert.equal(translateTimestampSince('not a time', now), '<unknown>');
  assert.equal(translateTimestampSince('0001-01-01T00:00:00Z', now), '<unknown>');
  assert.equal(translateTimestampSince('2025-01-01T11:59:54Z', now), '6s');
  assert.equal(translateTimestampSince('2025-01-01T08:55:00Z', now), '3h5m');
  // MicroTime has fractional seconds.
  assert.equal(translateTimestampSince('2025-01-01T11:57:56.500000Z', now), '2m3s');
  // A little in the future (clock skew) is still 0s.
  assert.equal(translateTimestampSince('2025-01-01T12:00:01Z', now), '0s');
  assert.equal(translateTimestampSince('2025-01-01T12:00:05Z', now), '<invalid>');
  assert.equal(parseTimestamp('2025-01-01T12:00:00+02:00'), Date.parse('2025-01-01T10:00:00Z'));
});
