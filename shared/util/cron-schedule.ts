/**
 * Cron schedules as the CronJob API and controller read them: the standard five-field syntax (minute, hour,
 * day of month, month, day of week) with lists, ranges, steps, `*`/`?` and month/weekday names, the
 * descriptors `@yearly` `@annually` `@monthly` `@weekly` `@daily` `@midnight` `@hourly` and `@every <duration>`,
 * and a leading `TZ=<zone>` / `CRON_TZ=<zone>` (the controller prefixes `TZ=<spec.timeZone>` itself; the API
 * forbids TZ in the schedule). This is what github.com/robfig/cron/v3 ParseStandard accepts, with its error
 * texts, and `next()` follows its SpecSchedule.Next walk (month, day, hour, minute) in the schedule's time zone,
 * so daylight-saving days behave as in kube-controller-manager: a time inside a spring-forward gap is skipped,
 * a time inside a fall-back overlap fires for both instants.
 *
 * Time zones are IANA names resolved with Intl; a schedule without one runs in UTC (kube-controller-manager's
 * time.Local, which is UTC in its usual container).
 */

export class CronParseError extends Error {}

/** A parsed schedule: the first activation strictly after `after` (ms since the epoch), or undefined if none within 5 years. */
export interface CronSchedule {
  next(after: number): number | undefined;
  /** The IANA zone the schedule runs in. */
  readonly timeZone: string;
}

interface Bounds {
  min: number;
  max: number;
  names?: Readonly<Record<string, number>>;
}

const MINUTES: Bounds = { min: 0, max: 59 };
const HOURS: Bounds = { min: 0, max: 23 };
const DOM: Bounds = { min: 1, max: 31 };
const MONTHS: Bounds = {
  min: 1,
  max: 12,
  names: { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 },
};
const DOW: Bounds = { min: 0, max: 6, names: { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 } };

/** A field as a bit set (bit n = value n) plus whether it was written as `*` / `?` (robfig's starBit). */
interface FieldBits {
  bits: bigint;
  star: boolean;
}

// ---- Go-compatible number and duration parsing (for the error texts) ----

const MAX_INT64 = 9223372036854775807n;

/** strconv.Atoi, with its error text. */
function atoi(s: string): number {
  const m = /^[+-]?[0-9]+$/.exec(s);
  if (!m) throw new CronParseError(`strconv.Atoi: parsing ${JSON.stringify(s)}: invalid syntax`);
  const v = BigInt(s);
  if (v > MAX_INT64 || v < -MAX_INT64 - 1n) throw new CronParseError(`strconv.Atoi: parsing ${JSON.stringify(s)}: value out of range`);
  return Number(v);
}

function mustParseInt(expr: string): number {
  let num: number;
  try {
    num = atoi(expr);
  } catch (e) {
    throw new CronParseError(`failed to parse int from ${expr}: ${(e as Error).message}`);
  }
  if (num < 0) throw new CronParseError(`negative number (${num}) not allowed: ${expr}`);
  return num;
}

function parseIntOrName(expr: string, names: Bounds['names']): number {
  const named = names?.[expr.toLowerCase()];
  if (named !== undefined) return named;
  return mustParseInt(expr);
}

const DURATION_UNITS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  'µs': 1e-3,
  'μs': 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** time.ParseDuration, in milliseconds, with Go's error texts. */
export function parseGoDuration(input: string): number {
  const quoted = JSON.stringify(input);
  let s = input;
  let neg = false;
  if (s.startsWith('-') || s.startsWith('+')) {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') throw new Error(`time: invalid duration ${quoted}`);
  let total = 0;
  while (s !== '') {
    const num = /^([0-9]*)(\.[0-9]*)?/.exec(s);
    const whole = num?.[1] ?? '';
    const frac = num?.[2] ?? '';
    if (whole === '' && (frac === '' || frac === '.')) throw new Error(`time: invalid duration ${quoted}`);
    s = s.slice(whole.length + frac.length);
    const unitMatch = /^[^0-9.]*/.exec(s);
    const unit = unitMatch?.[0] ?? '';
    if (unit === '') throw new Error(`time: missing unit in duration ${quoted}`);
    const factor = DURATION_UNITS[unit];
    if (factor === undefined) throw new Error(`time: unknown unit ${JSON.stringify(unit)} in duration ${quoted}`);
    s = s.slice(unit.length);
    total += Number(`${whole || '0'}${frac === '.' ? '' : frac}`) * factor;
  }
  return neg ? -total : total;
}

// ---- the parser ----

function getRange(expr: string, r: Bounds): FieldBits {
  const rangeAndStep = expr.split('/');
  const lowAndHigh = (rangeAndStep[0] ?? '').split('-');
  const singleDigit = lowAndHigh.length === 1;
  let start: number;
  let end: number;
  let star = false;
  const low = lowAndHigh[0] ?? '';
  if (low === '*' || low === '?') {
    start = r.min;
    end = r.max;
    star = true;
  } else {
    start = parseIntOrName(low, r.names);
    if (lowAndHigh.length === 1) end = start;
    else if (lowAndHigh.length === 2) end = parseIntOrName(lowAndHigh[1] ?? '', r.names);
    else throw new CronParseError(`too many hyphens: ${expr}`);
  }
  let step: number;
  if (rangeAndStep.length === 1) step = 1;
  else if (rangeAndStep.length === 2) {
    step = mustParseInt(rangeAndStep[1] ?? '');
    // "N/step" means "N-max/step".
    if (singleDigit) end = r.max;
    if (step > 1) star = false;
  } else throw new CronParseError(`too many slashes: ${expr}`);

  if (start < r.min) throw new CronParseError(`beginning of range (${start}) below minimum (${r.min}): ${expr}`);
  if (end > r.max) throw new CronParseError(`end of range (${end}) above maximum (${r.max}): ${expr}`);
  if (start > end) throw new CronParseError(`beginning of range (${start}) beyond end of range (${end}): ${expr}`);
  if (step === 0) throw new CronParseError(`step of range should be a positive number: ${expr}`);
  let bits = 0n;
  for (let i = start; i <= end; i += step) bits |= 1n << BigInt(i);
  return { bits, star };
}

function getField(field: string, r: Bounds): FieldBits {
  const out: FieldBits = { bits: 0n, star: false };
  for (const expr of field.split(',').filter((x) => x !== '')) {
    const b = getRange(expr, r);
    out.bits |= b.bits;
    out.star ||= b.star;
  }
  return out;
}

const all = (r: Bounds): FieldBits => getRange('*', r);
const one = (v: number): FieldBits => ({ bits: 1n << BigInt(v), star: false });

interface Spec {
  minute: FieldBits;
  hour: FieldBits;
  dom: FieldBits;
  month: FieldBits;
  dow: FieldBits;
}

function descriptor(spec: string): Spec | number {
  switch (spec) {
    case '@yearly':
    case '@annually':
      return { minute: one(0), hour: one(0), dom: one(1), month: one(1), dow: all(DOW) };
    case '@monthly':
      return { minute: one(0), hour: one(0), dom: one(1), month: all(MONTHS), dow: all(DOW) };
    case '@weekly':
      return { minute: one(0), hour: one(0), dom: all(DOM), month: all(MONTHS), dow: one(0) };
    case '@daily':
    case '@midnight':
      return { minute: one(0), hour: one(0), dom: all(DOM), month: all(MONTHS), dow: all(DOW) };
    case '@hourly':
      return { minute: one(0), hour: all(HOURS), dom: all(DOM), month: all(MONTHS), dow: all(DOW) };
  }
  const every = '@every ';
  if (spec.startsWith(every)) {
    try {
      return parseGoDuration(spec.slice(every.length));
    } catch (e) {
      throw new CronParseError(`failed to parse duration ${spec}: ${(e as Error).message}`);
    }
  }
  throw new CronParseError(`unrecognized descriptor: ${spec}`);
}

/** Go's `fmt.Sprint([]string)`: `[a b c]`. */
const goStrings = (xs: string[]): string => `[${xs.join(' ')}]`;

/**
 * cron.ParseStandard. Throws CronParseError with robfig/cron's message (the API server puts it after
 * `spec.schedule: Invalid value: "<schedule>": `).
 */
export function parseCronSchedule(input: string): CronSchedule {
  if (input.length === 0) throw new CronParseError('empty spec string');
  let spec = input;
  let timeZone = 'UTC';
  if (spec.startsWith('TZ=') || spec.startsWith('CRON_TZ=')) {
    const i = spec.indexOf(' ');
    const eq = spec.indexOf('=');
    const name = i < 0 ? spec.slice(eq + 1) : spec.slice(eq + 1, i);
    if (!isValidTimeZone(name)) throw new CronParseError(`provided bad location ${name}: unknown time zone ${name}`);
    timeZone = name;
    spec = i < 0 ? '' : spec.slice(i).trim();
  }
  if (spec.startsWith('@')) {
    const d = descriptor(spec);
    if (typeof d === 'number') return constantDelay(d, timeZone);
    return specSchedule(d, timeZone);
  }
  const fields = spec.split(/\s+/).filter((f) => f !== '');
  if (fields.length !== 5) throw new CronParseError(`expected exactly 5 fields, found ${fields.length}: ${goStrings(fields)}`);
  const [minute, hour, dom, month, dow] = fields as [string, string, string, string, string];
  return specSchedule(
    { minute: getField(minute, MINUTES), hour: getField(hour, HOURS), dom: getField(dom, DOM), month: getField(month, MONTHS), dow: getField(dow, DOW) },
    timeZone,
  );
}

/** `@every d`: d rounded down to whole seconds (at least one), counted from the previous activation. */
function constantDelay(ms: number, timeZone: string): CronSchedule {
  let delay = ms < 1000 ? 1000 : ms;
  delay -= delay % 1000;
  return {
    timeZone,
    next: (after) => after + delay - (after % 1000),
  };
}

// ---- time zone arithmetic ----

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/**
 * Whether `name` is a time zone Go's time.LoadLocation would load: Intl knows it, and it is not merely a
 * differently cased spelling of a known zone (zoneinfo file names are case-sensitive).
 */
export function isValidTimeZone(name: string): boolean {
  if (name === '' || name.toLowerCase() === 'local') return false;
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return false;
  }
  if (resolved === name || name === 'UTC') return true;
  return resolved.toLowerCase() !== name.toLowerCase();
}

interface Wall {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  weekday: number;
}

/** The wall clock at instant `ms` in `timeZone` (whole seconds). */
export function wallClock(ms: number, timeZone: string): Wall {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(ms))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const year = parts.year ?? 1970;
  const month = parts.month ?? 1;
  const day = parts.day ?? 1;
  return {
    year,
    month,
    day,
    hour: parts.hour ?? 0,
    minute: parts.minute ?? 0,
    second: parts.second ?? 0,
    weekday: new Date(Date.UTC(year, month - 1, day)).getUTCDay(),
  };
}

/** The zone's UTC offset at instant `ms`, in ms. */
function offsetAt(ms: number, timeZone: string): number {
  const w = wallClock(ms, timeZone);
  const asUTC = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUTC - (ms - (((ms % 1000) + 1000) % 1000));
}

/**
 * Go's time.Date(y, mon, d, h, min, 0, 0, loc): out-of-range fields normalize (month 13 is next January); a wall
 * time in a gap or overlap resolves with the offset Go's lookup picks (the one in effect at wall-as-UTC, corrected
 * once if that instant lies in another period).
 */
function dateIn(year: number, month: number, day: number, hour: number, minute: number, timeZone: string): number {
  const wall = Date.UTC(year, month - 1, day, hour, minute, 0);
  const o1 = offsetAt(wall, timeZone);
  const utc = wall - o1;
  const o2 = offsetAt(utc, timeZone);
  return o2 === o1 ? utc : wall - o2;
}

const has = (f: FieldBits, v: number): boolean => ((f.bits >> BigInt(v)) & 1n) === 1n;

function dayMatches(s: Spec, w: Wall): boolean {
  const domMatch = has(s.dom, w.day);
  const dowMatch = has(s.dow, w.weekday);
  if (s.dom.star || s.dow.star) return domMatch && dowMatch;
  return domMatch || dowMatch;
}

const MINUTE = 60_000;
const HOUR = 3_600_000;

function specSchedule(s: Spec, timeZone: string): CronSchedule {
  formatter(timeZone);
  return {
    timeZone,
    next(after: number): number | undefined {
      // The upcoming second: schedules have minute resolution, seconds are always 0.
      let t = after - (((after % 1000) + 1000) % 1000) + 1000;
      let added = false;
      const yearLimit = wallClock(t, timeZone).year + 5;
      for (;;) {
        // WRAP
        let w = wallClock(t, timeZone);
        if (w.year > yearLimit) return undefined;
        let wrapped = false;
        while (!has(s.month, w.month)) {
          if (!added) {
            added = true;
            t = dateIn(w.year, w.month, 1, 0, 0, timeZone);
            w = wallClock(t, timeZone);
          }
          t = dateIn(w.year, w.month + 1, w.day, w.hour, w.minute, timeZone);
          w = wallClock(t, timeZone);
          if (w.month === 1) {
            wrapped = true;
            break;
          }
        }
        if (wrapped) continue;
        while (!dayMatches(s, w)) {
          if (!added) {
            added = true;
            t = dateIn(w.year, w.month, w.day, 0, 0, timeZone);
            w = wallClock(t, timeZone);
          }
          t = dateIn(w.year, w.month, w.day + 1, w.hour, w.minute, timeZone);
          w = wallClock(t, timeZone);
          // Notice if the hour is no longer midnight due to DST.
          if (w.hour !== 0) {
            t = w.hour > 12 ? t + (24 - w.hour) * HOUR : t - w.hour * HOUR;
            w = wallClock(t, timeZone);
          }
          if (w.day === 1) {
            wrapped = true;
            break;
          }
        }
        if (wrapped) continue;
        while (!has(s.hour, w.hour)) {
          if (!added) {
            added = true;
            t = dateIn(w.year, w.month, w.day, w.hour, 0, timeZone);
            w = wallClock(t, timeZone);
          }
          t += HOUR;
          w = wallClock(t, timeZone);
          if (w.hour === 0) {
            wrapped = true;
            break;
          }
        }
        if (wrapped) continue;
        while (!has(s.minute, w.minute)) {
          if (!added) {
            added = true;
            t -= ((t % MINUTE) + MINUTE) % MINUTE;
          }
          t += MINUTE;
          w = wallClock(t, timeZone);
          if (w.minute === 0) {
            wrapped = true;
            break;
          }
        }
        if (wrapped) continue;
        // Seconds: the spec always says 0.
        if (w.second !== 0) {
          if (!added) added = true;
          t += (60 - w.second) * 1000;
          continue;
        }
        return t;
      }
    },
  };
}
