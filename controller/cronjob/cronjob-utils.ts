/**
 * Schedule arithmetic of the CronJob controller (pkg/controller/cronjob/utils.go): the most recent missed
 * schedule time, the requeue delay, job names and the scheduled-timestamp annotation.
 */
import type { CronJob, Job } from '../../shared/api/batch-v1.ts';
import { wallClock, type CronSchedule } from '../../shared/util/cron-schedule.ts';
import { parseTime } from '../framework/time-format.ts';

export type MissedSchedules = 'none' | 'few' | 'many';

/** Requeue a little after the schedule time (nextScheduleDelta). */
export const NEXT_SCHEDULE_DELTA_MS = 100;

export interface MostRecent {
  /** The last schedule time, or the creation time; raised to now - startingDeadlineSeconds when asked. */
  earliest: number;
  /** The most recent schedule time at or before now, if any. */
  mostRecent?: number;
  missed: MissedSchedules;
  /** The schedule never repeats sensibly (e.g. Feb 31): "time difference between two schedules is less than 1 second". */
  error?: string;
}

/**
 * mostRecentScheduleTime: the schedule times between the last scheduled (or creation) time and now. Counting
 * them is approximate (the interval between the first two times); more than 100 is "many".
 */
export function mostRecentScheduleTime(cj: CronJob, now: number, schedule: CronSchedule, includeStartingDeadline: boolean): MostRecent {
  let earliest = parseTime(cj.status?.lastScheduleTime) ?? parseTime(cj.metadata.creationTimestamp) ?? now;
  if (includeStartingDeadline && cj.spec.startingDeadlineSeconds != null) {
    const deadline = now - cj.spec.startingDeadlineSeconds * 1000;
    if (deadline > earliest) earliest = deadline;
  }
  const t1 = schedule.next(earliest);
  if (t1 === undefined || now < t1) return { earliest, missed: 'none' };
  const t2 = schedule.next(t1);
  if (t2 === undefined || now < t2) return { earliest, mostRecent: t1, missed: 'none' };
  const between = Math.round((t2 - t1) / 1000);
  if (between < 1) return { earliest, missed: 'none', error: 'time difference between two schedules is less than 1 second' };
  const elapsed = Math.trunc((now - t1) / 1000);
  const missedCount = Math.trunc(elapsed / between) + 1;
  let mostRecent: number | undefined;
  // Start a little before the estimate and let the schedule find the real times (irregular schedules).
  const potentialEarliest = t1 + (missedCount - 2) * between * 1000;
  for (let t = schedule.next(potentialEarliest); t !== undefined && t <= now; t = schedule.next(t)) mostRecent = t;
  const missed: MissedSchedules = missedCount > 100 ? 'many' : missedCount > 0 ? 'few' : 'none';
  return mostRecent === undefined ? { earliest, missed } : { earliest, mostRecent, missed };
}

/** nextScheduleTimeDuration: how long until the next schedule time (plus a small delta). */
export function nextScheduleDelay(cj: CronJob, now: number, schedule: CronSchedule): number | undefined {
  const r = mostRecentScheduleTime(cj, now, schedule, false);
  let from: number;
  if (r.error) from = now;
  else if (r.mostRecent === undefined) from = r.missed === 'none' ? r.earliest : now;
  else from = r.mostRecent;
  const next = schedule.next(from);
  return next === undefined ? undefined : next + NEXT_SCHEDULE_DELTA_MS - now;
}

/** getJobName: `<cronjob>-<minutes since the epoch of the scheduled time>`. */
export function jobNameFor(cj: CronJob, scheduledTime: number): string {
  return `${cj.metadata.name ?? ''}-${Math.floor(scheduledTime / 60_000)}`;
}

/** The scheduled time in the CronJob's zone as RFC 3339 (time.Format(time.RFC3339) in that location). */
export function formatInZone(ms: number, timeZone: string | undefined): string {
  const zone = timeZone ?? 'UTC';
  const w = wallClock(ms, zone);
  const pad = (n: number, l = 2) => String(n).padStart(l, '0');
  const wallMs = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  const offsetMin = Math.round((wallMs - (ms - (ms % 1000))) / 60_000);
  const date = `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}`;
  if (offsetMin === 0) return `${date}Z`;
  const sign = offsetMin < 0 ? '-' : '+';
  const abs = Math.abs(offsetMin);
  return `${date}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** Go's time.RFC1123Z of a UTC time: `Mon, 02 Jan 2006 15:04:05 +0000`. */
export function formatRFC1123Z(ms: number): string {
  const d = new Date(ms);
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${days[d.getUTCDay()]}, ${pad(d.getUTCDate())} ${months[d.getUTCMonth()]} ${d.getUTCFullYear()} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}

/** The finished condition type of a Job (Complete or Failed True), if any (getFinishedStatus). */
export function finishedStatus(job: Job): 'Complete' | 'Failed' | undefined {
  for (const c of job.status?.conditions ?? []) {
    if ((c.type === 'Complete' || c.type === 'Failed') && c.status === 'True') return c.type;
  }
  return undefined;
}

/** byJobStartTime: by status.startTime (unset last), then by name. */
export function compareByStartTime(a: Job, b: Job): number {
  const ta = parseTime(a.status?.startTime);
  const tb = parseTime(b.status?.startTime);
  if (ta === undefined && tb !== undefined) return 1;
  if (ta !== undefined && tb === undefined) return -1;
  if (ta !== undefined && tb !== undefined && ta !== tb) return ta - tb;
  return (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '');
}
