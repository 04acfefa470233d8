/** Process accounting from /proc: CPU time of a pid, and finding a pid by its command line. */
import { readdirSync, readFileSync } from 'node:fs';

const TICK_MS = 10; // USER_HZ is 100 on Linux

/** User + system CPU milliseconds the process has used so far (NaN when it is gone). */
export function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised comm: state is field 3; utime and stime are fields 14 and 15.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) * TICK_MS;
  } catch {
    return Number.NaN;
  }
}

/** The first pid whose command line contains `needle`. */
export function findPid(needle: string): number | undefined {
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmd.includes(needle)) return Number(d);
    } catch {
      // gone
    }
  }
  return undefined;
}

/** CPU used by a set of processes (and this one) between start() and the returned function's call. */
export function cpuMeter(pids: Record<string, number | undefined>): () => Record<string, number> {
  const start: Record<string, number> = {};
  for (const [k, pid] of Object.entries(pids)) if (pid !== undefined) start[k] = cpuMs(pid);
  const self0 = process.cpuUsage();
  return () => {
    const out: Record<string, number> = {};
    for (const [k, pid] of Object.entries(pids)) if (pid !== undefined) out[k] = cpuMs(pid) - (start[k] ?? 0);
    const self = process.cpuUsage(self0);
    out['load generator'] = (self.user + self.system) / 1000;
    return out;
  };
}
