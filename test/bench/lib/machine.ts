/**
 * What every benchmark entry point prints about the machine it ran on, and how it exits: shared by
 * test/bench/main.ts (issue 2), scheduler-bench.ts (issue 4), pods-bench.ts (issue 5) and cluster-bench.ts
 * (issue 6).
 */
import { execFileSync } from 'node:child_process';
import { cpus, freemem, loadavg, totalmem } from 'node:os';

/** A command's trimmed output, or '?' when it is missing or fails. */
export function sh(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8' }).trim();
  } catch {
    return '?';
  }
}

/** The 1/5/15-minute load averages, `0.95 1.70 1.62`. */
export function loadAverage(): string {
  return loadavg().map((x) => x.toFixed(2)).join(' ');
}

export interface MachineFacts extends Record<string, string> {
  date: string;
  nproc: string;
  cpu: string;
  memory: string;
  kernel: string;
  node: string;
  loadavg: string;
}

/** Date, cores, CPU model, memory, kernel, Node and load average, plus the caller's own facts. */
export function machineInfo<T extends Record<string, string>>(extra: T = {} as T): MachineFacts & T {
  return {
    date: new Date().toISOString(),
    nproc: sh('nproc', []),
    cpu: cpus()[0]?.model ?? '?',
    memory: `${(totalmem() / 2 ** 30).toFixed(1)} GiB total, ${(freemem() / 2 ** 30).toFixed(1)} GiB free`,
    kernel: sh('uname', ['-r']),
    node: process.version,
    loadavg: loadAverage(),
    ...extra,
  };
}

/** Runs a benchmark's main and exits with its code; a thrown error is printed with `label` and exits 1. */
export function runBench(label: string, main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`${label}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exit(1);
    },
  );
}
