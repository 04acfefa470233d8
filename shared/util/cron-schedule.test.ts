import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isValidTimeZone, parseCronSchedule, parseGoDuration } from './cron-schedule.ts';

/** The first `n` activations after `after`, as ISO strings. */
function nextTimes(spec: string, after: string, n: number): string[] {
  const s = parseCronSchedule(spec);
  const out: string[] = [];
  let t = Date.parse(after);
  for (let i = 0; i < n; i++) {
    const x = s.next(t);
    if (x === undefined) break;
    out.push(new Date(x).toISOString().replace('.000Z', 'Z'));
    t = x;
  }
  return out;
}

describe('parseCronSchedule', () => {
  it('steps, ranges, lists and names', () => {
    assert.deepEqual(nextTimes('*/15 * * * *', '2026-01-01T00:07:30Z', 3), ['2026-01-01T00:15:00Z', '2026-01-01T00:30:00Z', '2026-01-01T00:45:00Z']);
    // 2026-01-02 is a Friday: weekdays only skip the weekend.
    assert.deepEqual(nextTimes('0 9 * * 1-5', '2026-01-02T10:00:00Z', 2), ['2026-01-05T09:00:00Z', '2026-01-06T09:00:00Z']);
    assert.deepEqual(nextTimes('0 9 * * MON-fri', '2026-01-02T10:00:00Z', 1), ['2026-01-05T09:00:00Z']);
    assert.deepEqual(nextTimes('30 4 1 jan,jul *', '2026-01-02T00:00:00Z', 2), ['2026-07-01T04:30:00Z', '2027-01-01T04:30:00Z']);
    assert.deepEqual(nextTimes('5/20 * * * *', '2026-01-01T00:00:00Z', 3), ['2026-01-01T00:05:00Z', '2026-01-01T00:25:00Z', '2026-01-01T00:45:00Z']);
    // Strictly after: an activation at `after` itself is not returned.
    assert.deepEqual(nextTimes('0 * * * *', '2026-01-01T01:00:00Z', 1), ['2026-01-01T02:00:00Z']);
  });

  it('day of month and day of week: either matches when both are restricted', () => {
    // The 13th or any Friday (2026-02-06, 13 (also Friday), 20, 27; 2026-03-06, 13).
    assert.deepEqual(nextTimes('0 0 13 * 5', '2026-02-01T00:00:00Z', 5), [
      '2026-02-06T00:00:00Z',
      '2026-02-13T00:00:00Z',
      '2026-02-20T00:00:00Z',
      '2026-02-27T00:00:00Z',
      '2026-03-06T00:00:00Z',
    ]);
    // With a star in day of week only day of month counts.
    assert.deepEqual(nextTimes('0 0 13 * *', '2026-02-01T00:00:00Z', 1), ['2026-02-13T00:00:00Z']);
  });

  it('descriptors and @every', () => {
    assert.deepEqual(nextTimes('@hourly', '2026-01-01T00:00:00Z', 2), ['2026-01-01T01:00:00Z', '2026-01-01T02:00:00Z']);
    assert.deepEqual(nextTimes('@daily', '2026-01-01T10:00:00Z', 1), ['2026-01-02T00:00:00Z']);
    assert.deepEqual(nextTimes('@weekly', '2026-01-01T10:00:00Z', 1), ['2026-01-04T00:00:00Z']);
    assert.deepEqual(nextTimes('@monthly', '2026-01-15T00:00:00Z', 1), ['2026-02-01T00:00:00Z']);
    assert.deepEqual(nextTimes('@yearly', '2026-01-15T00:00:00Z', 1), ['2027-01-01T00:00:00Z']);
    assert.deepEqual(nextTimes('@every 90s', '2026-01-01T00:00:00.500Z', 2), ['2026-01-01T00:01:30Z', '2026-01-01T00:03:00Z']);
  });

  it('impossible and rare dates', () => {
    assert.deepEqual(nextTimes('59 23 31 2 *', '2026-01-01T00:00:00Z', 1), []);
    assert.deepEqual(nextTimes('0 0 29 2 *', '2026-01-01T00:00:00Z', 2), ['2028-02-29T00:00:00Z', '2032-02-29T00:00:00Z']);
  });

  it('time zones, including daylight-saving days', () => {
    assert.deepEqual(nextTimes('TZ=America/New_York 0 9 * * *', '2026-01-01T00:00:00Z', 1), ['2026-01-01T14:00:00Z']);
    assert.deepEqual(nextTimes('CRON_TZ=Asia/Kolkata 0 0 * * *', '2026-01-01T00:00:00Z', 1), ['2026-01-01T18:30:00Z']);
    assert.equal(parseCronSchedule('TZ=Europe/Berlin @daily').timeZone, 'Europe/Berlin');
    // 2026-03-08 02:30 does not exist in New York: that day is skipped.
    assert.deepEqual(nextTimes('TZ=America/New_York 30 2 * * *', '2026-03-07T08:00:00Z', 2), ['2026-03-09T06:30:00Z', '2026-03-10T06:30:00Z']);
    // Summer time: 09:00 is 13:00Z.
    assert.deepEqual(nextTimes('TZ=America/New_York 0 9 * * *', '2026-03-08T00:00:00Z', 1), ['2026-03-08T13:00:00Z']);
    // 2026-11-01 01:30 happens twice (EDT, then EST); both fire, as robfig/cron's walk does.
    assert.deepEqual(nextTimes('TZ=America/New_York 30 1 * * *', '2026-11-01T04:00:00Z', 3), ['2026-11-01T05:30:00Z', '2026-11-01T06:30:00Z', '2026-11-02T06:30:00Z']);
  });

  it('errors in robfig/cron words', () => {
    const cases: [string, string][] = [
      ['', 'empty spec string'],
      ['* * *', 'expected exactly 5 fields, found 3: [* * *]'],
      ['* * * * * *', 'expected exactly 5 fields, found 6: [* * * * * *]'],
      ['61 * * * *', 'end of range (61) above maximum (59): 61'],
      ['0 0 0 * *', 'beginning of range (0) below minimum (1): 0'],
      ['a * * * *', 'failed to parse int from a: strconv.Atoi: parsing "a": invalid syntax'],
      ['-1 * * * *', 'failed to parse int from : strconv.Atoi: parsing "": invalid syntax'],
      ['5-1 * * * *', 'beginning of range (5) beyond end of range (1): 5-1'],
      ['*/0 * * * *', 'step of range should be a positive number: */0'],
      ['1-2-3 * * * *', 'too many hyphens: 1-2-3'],
      ['1/2/3 * * * *', 'too many slashes: 1/2/3'],
      ['* * * * 7', 'end of range (7) above maximum (6): 7'],
      ['@foo', 'unrecognized descriptor: @foo'],
      ['@every 1d', 'failed to parse duration @every 1d: time: unknown unit "d" in duration "1d"'],
      ['TZ=Mars/Olympus * * * * *', 'provided bad location Mars/Olympus: unknown time zone Mars/Olympus'],
    ];
    for (const [spec, msg] of cases) assert.throws(() => parseCronSchedule(spec), { message: msg }, spec);
  });
});

describe('helpers', () => {
  it('parseGoDuration', () => {
    assert.equal(parseGoDuration('1h30m'), 5_400_000);
    assert.equal(parseGoDuration('1.5s'), 1500);
    assert.throws(() => parseGoDuration('10'), { message: 'time: missing unit in duration "10"' });
    assert.throws(() => parseGoDuration('x'), { message: 'time: invalid duration "x"' });
  });
  it('isValidTimeZone', () => {
    assert.equal(isValidTimeZone('America/New_York'), true);
    assert.equal(isValidTimeZone('UTC'), true);
    assert.equal(isValidTimeZone('Etc/GMT+5'), true);
    assert.equal(isValidTimeZone('america/new_york'), false);
    assert.equal(isValidTimeZone('Local'), false);
    assert.equal(isValidTimeZone('Nowhere/Special'), false);
  });
});
