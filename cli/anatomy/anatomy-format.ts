/**
 * Small formatters for `kubectl anatomy`: quantities as kubectl top shows them, and times relative to the pod's
 * sandbox with the nanosecond precision the agent reports.
 */
import { parseRfc3339Nano } from '../../shared/util/time-format.ts';

const BINARY_UNITS = ['Ki', 'Mi', 'Gi', 'Ti'] as const;

/** Bytes with a binary suffix: `512`, `64Ki`, `10.2Mi`, `256Mi`, `1.5Gi` (one decimal below 10). */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return String(Math.round(bytes));
  let value = bytes;
  let unit: string = '';
  for (const u of BINARY_UNITS) {
    if (value < 1024) break;
    value /= 1024;
    unit = u;
  }
  const text = value < 10 ? trimZero(value.toFixed(1)) : String(Math.round(value));
  return text + unit;
}

/** Millicores as `250m`, `1000m` (always millicores, so that use and limit read alike). */
export function formatMillicores(m: number): string {
  return `${Math.round(m)}m`;
}

function trimZero(text: string): string {
  return text.endsWith('.0') ? text.slice(0, -2) : text;
}

/** An RFC 3339 time (up to nine fractional digits) as milliseconds since the epoch, the sub-millisecond part kept as a fraction; undefined when it does not parse. */
export function parseTimeMs(time: string | undefined): number | undefined {
  const ns = parseTimeNs(time);
  return ns === undefined ? undefined : Number(ns / 1_000_000n) + Number(ns % 1_000_000n) / 1e6;
}

/** An RFC 3339 time as nanoseconds since the epoch, exactly (for ordering events microseconds apart). */
export function parseTimeNs(time: string | undefined): bigint | undefined {
  return time ? parseRfc3339Nano(time)?.ns : undefined;
}

/** A duration in milliseconds as `1.302s`, `2m03.5s`, `1h02m`, `3d04h`. */
export function formatDuration(ms: number): string {
  const sec = Math.max(0, ms) / 1000;
  if (sec < 60) return `${sec.toFixed(3)}s`;
  if (sec < 3600) {
    const m = Math.floor(sec / 60);
    return `${m}m${(sec - m * 60).toFixed(1).padStart(4, '0')}s`;
  }
  if (sec < 86400) {
    const h = Math.floor(sec / 3600);
    return `${h}h${String(Math.floor((sec - h * 3600) / 60)).padStart(2, '0')}m`;
  }
  const d = Math.floor(sec / 86400);
  return `${d}d${String(Math.floor((sec - d * 86400) / 3600)).padStart(2, '0')}h`;
}

/** `time` relative to `base` as `+1.302s` (`-0.004s` when before it); the time itself when either is unknown. */
export function relativeTime(time: string | undefined, base: number | undefined): string {
  const t = parseTimeMs(time);
  if (t === undefined) return time ?? '?';
  if (base === undefined) return time ?? '?';
  const d = t - base;
  return d < 0 ? `-${formatDuration(-d)}` : `+${formatDuration(d)}`;
}
