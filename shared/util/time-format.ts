/**
 * Wire spellings of time (k8s.io/apimachinery meta/v1 Time and MicroTime) and their parsing.
 * - metav1.Time is RFC 3339 with second precision: `2026-01-01T00:00:05Z` (creationTimestamp, taint
 *   timeAdded, condition times).
 * - metav1.MicroTime carries microseconds: `2026-01-01T00:00:05.123000Z` (Lease acquireTime/renewTime).
 * - kubelet's fixed-width RFC3339Nano (nine fractional digits) in CRI log lines and the pod anatomy's times.
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

const RFC3339_NANO_RE = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/i;

/**
 * Parses an RFC3339 time with an optional fraction of up to 9 digits (Go's RFC3339Nano, lenient).
 * Returns epoch ns and the fixed-width output form, or undefined when it is not such a time.
 */
export function parseRfc3339Nano(s: string): { ns: bigint; fixed: string } | undefined {
  const m = RFC3339_NANO_RE.exec(s);
  if (!m) return undefined;
  const base = m[1] ?? '';
  const frac = (m[2] ?? '').padEnd(9, '0');
  let zone = (m[3] ?? 'Z').toUpperCase();
  const ms = Date.parse(`${base}${zone}`);
  if (Number.isNaN(ms)) return undefined;
  // Go's Z07:00 layout prints a zero offset as Z.
  if (zone === '+00:00' || zone === '-00:00') zone = 'Z';
  return { ns: BigInt(ms) * 1_000_000n + BigInt(frac), fixed: `${base}.${frac}${zone}` };
}

/** Formats epoch ns as kubelet's fixed-width RFC3339 (UTC). */
export function formatFixedNano(ns: bigint): string {
  const ms = Number(ns / 1_000_000n);
  const base = new Date(ms).toISOString().slice(0, 19);
  const frac = (((ns % 1_000_000_000n) + 1_000_000_000n) % 1_000_000_000n).toString().padStart(9, '0');
  return `${base}.${frac}Z`;
}

/** formatFixedNano of epoch milliseconds. */
export function formatFixedNanoFromMs(ms: number): string {
  return formatFixedNano(BigInt(Math.round(ms)) * 1_000_000n);
}
