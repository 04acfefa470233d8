/**
 * Wire spellings of time (k8s.io/apimachinery meta/v1 Time and MicroTime) and their parsing.
 * - metav1.Time is RFC 3339 with second precision: `2026-01-01T00:00:05Z` (creationTimestamp, taint
 *   timeAdded, condition times).
 * - metav1.MicroTime carries microseconds: `2026-01-01T00:00:05.123000Z` (Lease acquireTime/renewTime).
 */

/** metav1.Time: whole seconds (truncated, as Go's Time.MarshalJSON of a metav1.Time does). */
export function rfc3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** metav1.MicroTime: microsecond precision (JavaScript time has milliseconds, so the last 3 digits are 0). */
export function rfc3339Micro(ms: number): string {
  return new Date(Math.floor(ms)).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/**
 * time.RFC3339Nano of a millisecond time, as Go formats it: fractional seconds with trailing zeros dropped
 * (`2026-01-01T00:00:05.12Z`, `2026-01-01T00:00:05Z`).
 */
export function rfc3339Nano(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d+)Z$/, (_m, frac: string) => {
    const t = frac.replace(/0+$/, '');
    return t ? `.${t}Z` : 'Z';
  });
}

/** Milliseconds since the epoch, or undefined for a missing or unparseable value. */
export function parseTime(value: string | null | undefined): number | undefined {
  if (!value) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}
