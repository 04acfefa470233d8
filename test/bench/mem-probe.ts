/**
 * Preloaded into a benchmarked apiserver (node --import .../mem-probe.js): on SIGHUP it writes one JSON line with
 * the process's memory breakdown to $BENCH_MEM_PROBE_FILE, before and after a full GC. Benchmark-only; it
 * changes nothing else in the server.
 */
import { appendFileSync } from 'node:fs';
import { getHeapSpaceStatistics, getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

const file = process.env.BENCH_MEM_PROBE_FILE;
if (file) {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const sample = () => {
    const m = process.memoryUsage();
    const h = getHeapStatistics();
    const spaces: Record<string, number> = {};
    for (const s of getHeapSpaceStatistics()) spaces[s.space_name] = s.space_used_size;
    return { rss: m.rss, heapTotal: m.heapTotal, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, malloced: h.malloced_memory, spaces };
  };
  process.on('SIGHUP', () => {
    const before = sample();
    gc();
    const after = sample();
    appendFileSync(file, JSON.stringify({ at: Date.now(), before, after }) + '\n');
  });
}
