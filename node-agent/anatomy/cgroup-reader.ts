/**
 * CgroupReader: limits and current use of one cgroup, from cgroupfs, over an injectable root
 * (`/sys/fs/cgroup`; a recorded tree in the unit tests). Both layouts:
 *
 *   v1 (this project's machines: one hierarchy per controller, `cpu,cpuacct` may be combined with symlinks)
 *     <root>/cpu/<path>/cpu.cfs_quota_us, cpu.cfs_period_us, cpu.shares
 *     <root>/cpuacct/<path>/cpuacct.usage                                  (ns)
 *     <root>/memory/<path>/memory.limit_in_bytes, memory.usage_in_bytes, memory.stat (total_inactive_file)
 *   v2 (unified: <root>/cgroup.controllers exists)
 *     <root>/<path>/cpu.max (`max 100000` | `50000 100000`), cpu.weight, cpu.stat (usage_usec),
 *     memory.max, memory.current, memory.stat (inactive_file)
 *
 * `usageMillicores` is the rate since the previous read of the same path by this reader (null on the first
 * read); samples older than `sampleTtlMs` are dropped so that a gone pod leaves nothing behind.
 * `cpu.shares` is reported for v2 too, converted back from cpu.weight the way runc converts shares to weight
 * (weight = 1 + ((shares - 2) * 9999) / 262142), so the number means the same on both.
 * Reads are synchronous (cgroupfs answers from kernel memory; see proc-fs.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CgroupAnatomy } from '../../shared/api/pod-anatomy.ts';
import { realClock, type Clock } from '../../shared/util/clock.ts';

export interface CgroupReaderOptions {
  /** @default '/sys/fs/cgroup' */
  root?: string;
  clock?: Clock;
  /** @default 600000 */
  sampleTtlMs?: number;
  /**
   * When a cgroup has no previous sample, take one, wait this long (on the clock) and measure the rate over that
   * interval, so that the first look already says how busy a container is. 0 (the default) = report null instead.
   */
  firstSampleMs?: number;
}

/** memory.limit_in_bytes of an unlimited v1 cgroup is PAGE_COUNTER_MAX pages (≈ 2^63); anything this big is no limit. */
const UNLIMITED_V1 = 2 ** 60;

async function readText(file: string): Promise<string | undefined> {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

async function readNumber(file: string): Promise<number | undefined> {
  const t = (await readText(file))?.trim();
  if (t === undefined || t === '' || !/^-?\d+$/.test(t)) return undefined;
  return Number(t);
}

/** One `key value` line of a stat file (memory.stat, cpu.stat). */
export function statValue(text: string | undefined, key: string): number | undefined {
  if (text === undefined) return undefined;
  const m = new RegExp(`^${key} (\\d+)$`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}

export class CgroupReader {
  readonly root: string;
  readonly unified: boolean;
  #clock: Clock;
  #ttl: number;
  #samples = new Map<string, { atMs: number; usageNs: number }>();
  #firstSampleMs: number;

  constructor(options: CgroupReaderOptions = {}) {
    this.root = options.root ?? '/sys/fs/cgroup';
    this.unified = fs.existsSync(path.join(this.root, 'cgroup.controllers'));
    this.#clock = options.clock ?? realClock;
    this.#ttl = options.sampleTtlMs ?? 600_000;
    this.#firstSampleMs = options.firstSampleMs ?? 0;
  }

  /** Total CPU time of the cgroup in ns (cpuacct.usage; v2: cpu.stat usage_usec). */
  async #cpuUsageNs(p: string): Promise<number | undefined> {
    if (!this.unified) return readNumber(path.join(this.#dir('cpuacct', p), 'cpuacct.usage'));
    const usec = statValue(await readText(path.join(this.#dir('', p), 'cpu.stat')), 'usage_usec');
    return usec === undefined ? undefined : usec * 1000;
  }

  #dir(controller: string, cgroupPath: string): string {
    return this.unified ? path.join(this.root, cgroupPath) : path.join(this.root, controller, cgroupPath);
  }

  /** Whether the cgroup exists (in the memory hierarchy on v1). */
  async exists(cgroupPath: string): Promise<boolean> {
    try {
      return fs.statSync(this.#dir('memory', cgroupPath)).isDirectory();
    } catch {
      return false;
    }
  }

  /** The pids in the cgroup (cgroup.procs; v1: the pids hierarchy, else memory), ascending. */
  async procs(cgroupPath: string): Promise<number[]> {
    const dirs = this.unified ? [this.#dir('', cgroupPath)] : [this.#dir('pids', cgroupPath), this.#dir('memory', cgroupPath)];
    for (const d of dirs) {
      const t = await readText(path.join(d, 'cgroup.procs'));
      if (t === undefined) continue;
      return t
        .split('\n')
        .filter((l) => /^\d+$/.test(l))
        .map(Number)
        .sort((a, b) => a - b);
    }
    return [];
  }

  async read(cgroupPath: string): Promise<CgroupAnatomy> {
    if (this.#firstSampleMs > 0 && !this.#samples.has(cgroupPath)) {
      const base = await this.#cpuUsageNs(cgroupPath);
      if (base !== undefined) {
        this.#samples.set(cgroupPath, { atMs: this.#clock.now(), usageNs: base });
        await this.#clock.sleep(this.#firstSampleMs);
      }
    }
    const out = this.unified ? await this.#readV2(cgroupPath) : await this.#readV1(cgroupPath);
    const now = this.#clock.now();
    for (const [k, s] of this.#samples) if (now - s.atMs > this.#ttl) this.#samples.delete(k);
    const usage = out.cpu.usageNanoseconds;
    if (usage !== null) {
      const prev = this.#samples.get(cgroupPath);
      if (prev && now > prev.atMs && usage >= prev.usageNs) {
        out.cpu.usageMillicores = Math.round(((usage - prev.usageNs) / ((now - prev.atMs) * 1e6)) * 1000);
      }
      if (!prev || now > prev.atMs) this.#samples.set(cgroupPath, { atMs: now, usageNs: usage });
    }
    return out;
  }

  async #readV1(p: string): Promise<CgroupAnatomy> {
    const cpu = this.#dir('cpu', p);
    const mem = this.#dir('memory', p);
    const [quota, period, shares, usage, limit, memUsage, stat] = await Promise.all([
      readNumber(path.join(cpu, 'cpu.cfs_quota_us')),
      readNumber(path.join(cpu, 'cpu.cfs_period_us')),
      readNumber(path.join(cpu, 'cpu.shares')),
      readNumber(path.join(this.#dir('cpuacct', p), 'cpuacct.usage')),
      readNumber(path.join(mem, 'memory.limit_in_bytes')),
      readNumber(path.join(mem, 'memory.usage_in_bytes')),
      readText(path.join(mem, 'memory.stat')),
    ]);
    const inactive = statValue(stat, 'total_inactive_file');
    return {
      path: p,
      cpu: {
        limitMillicores: quota !== undefined && quota > 0 && period ? Math.round((quota / period) * 1000) : null,
        shares: shares ?? null,
        usageNanoseconds: usage ?? null,
        usageMillicores: null,
      },
      memory: {
        limitBytes: limit !== undefined && limit < UNLIMITED_V1 ? limit : null,
        usageBytes: memUsage ?? null,
        workingSetBytes: memUsage === undefined ? null : Math.max(0, memUsage - (inactive ?? 0)),
      },
    };
  }

  async #readV2(p: string): Promise<CgroupAnatomy> {
    const d = this.#dir('', p);
    const [max, weight, cpuStat, memMax, current, stat] = await Promise.all([
      readText(path.join(d, 'cpu.max')),
      readNumber(path.join(d, 'cpu.weight')),
      readText(path.join(d, 'cpu.stat')),
      readText(path.join(d, 'memory.max')),
      readNumber(path.join(d, 'memory.current')),
      readText(path.join(d, 'memory.stat')),
    ]);
    const [q, per] = (max ?? '').trim().split(/\s+/);
    const usageUsec = statValue(cpuStat, 'usage_usec');
    const inactive = statValue(stat, 'inactive_file');
    const mm = memMax?.trim();
    return {
      path: p,
      cpu: {
        limitMillicores: q && q !== 'max' && per ? Math.round((Number(q) / Number(per)) * 1000) : null,
        shares: weight === undefined ? null : Math.round(2 + ((weight - 1) * 262142) / 9999),
        usageNanoseconds: usageUsec === undefined ? null : usageUsec * 1000,
        usageMillicores: null,
      },
      memory: {
        limitBytes: mm && mm !== 'max' && /^\d+$/.test(mm) ? Number(mm) : null,
        usageBytes: current ?? null,
        workingSetBytes: current === undefined ? null : Math.max(0, current - (inactive ?? 0)),
      },
    };
  }
}
