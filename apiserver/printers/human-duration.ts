/**
 * Durations and ages as kubectl users see them.
 *
 * humanDuration mirrors HumanDuration in k8s.io/apimachinery/pkg/util/duration/duration.go: about two
 * significant figures, seconds below 2 minutes, "XmYs" below 10 minutes, minutes below 3 hours, "XhYm" below
 * 8 hours, hours below 2 days, "XdYh" below 8 days, days below 2 years, "XyYd" below 8 years, then years.
 * Go truncates every division toward zero (int conversions); so does this code.
 */

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** `ms` is a duration in milliseconds (Go: time.Duration). */
export function humanDuration(ms: number): string {
  // Up to 2 s in the future (clock skew) still reads as "0s"; further is "<invalid>".
  const seconds = Math.trunc(ms / SECOND);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;

  const minutes = Math.trunc(ms / MINUTE);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;

  const hours = Math.trunc(ms / HOUR);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;

  const days = Math.trunc(hours / 24);
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${days}d` : `${days}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${days}d`;

  const years = Math.trunc(days / 365);
  if (hours < 24 * 365 * 8) {
    const dy = days % 365;
    return dy === 0 ? `${years}y` : `${years}y${dy}d`;
  }
  return `${years}y`;
}

/** The Unix epoch milliseconds of Go's zero time (0001-01-01T00:00:00Z), which metav1.Time treats as unset. */
const GO_ZERO_TIME_MS = Date.parse('0001-01-01T00:00:00Z');

/**
 * Parses a metav1.Time / metav1.MicroTime JSON value. Returns undefined for unset values (absent, null, empty,
 * unparsable, or Go's zero time), which Go's IsZero() reports as true.
 */
export function parseTimestamp(value: unknown): number | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms) || ms === GO_ZERO_TIME_MS) return undefined;
  return ms;
}

/**
 * translateTimestampSince / translateMicroTimestampSince of pkg/printers/internalversion/printers.go:
 * "<unknown>" for an unset timestamp, else the human duration between it and now.
 */
export function translateTimestampSince(value: unknown, now: number): string {
  const t = parseTimestamp(value);
  if (t === undefined) return '<unknown>';
  return humanDuration(now - t);
}
