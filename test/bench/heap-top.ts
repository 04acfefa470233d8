/**
 * Summarizes a V8 .heapsnapshot (node --heapsnapshot-signal=SIGUSR2 --diagnostic-dir=DIR, then kill -USR2 PID):
 * self size by node type and constructor name, plus string totals by length bucket.
 * Usage: node --max-old-space-size=8000 test/bench/heap-top.ts [--top N] FILE.heapsnapshot
 */
import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] }; node_count: number };
  nodes: number[];
  strings: string[];
}

function main(argv: string[]): void {
  let top = 30;
  let file: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--top') top = Number(argv[++i]);
    else file = argv[i];
  }
  if (!file) {
    process.stderr.write('usage: node --max-old-space-size=8000 test/bench/heap-top.ts [--top N] FILE.heapsnapshot\n');
    process.exit(2);
  }
  const snap = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const F = fields.length;
  const iType = fields.indexOf('type');
  const iName = fields.indexOf('name');
  const iSize = fields.indexOf('self_size');
  const byKey = new Map<string, { size: number; count: number }>();
  const strBuckets = new Map<string, { size: number; count: number }>();
  let total = 0;
  for (let i = 0; i < snap.nodes.length; i += F) {
    const type = types[snap.nodes[i + iType] as number] ?? '?';
    const size = snap.nodes[i + iSize] as number;
    total += size;
    let key: string;
    if (type === 'string' || type === 'concatenated string' || type === 'sliced string') {
      key = `(${type})`;
      const b = size < 256 ? '< 256 B' : size < 4096 ? '256 B - 4 KiB' : size < 65536 ? '4 - 64 KiB' : '>= 64 KiB';
      const e = strBuckets.get(b) ?? { size: 0, count: 0 };
      e.size += size;
      e.count++;
      strBuckets.set(b, e);
    } else if (type === 'object' || type === 'closure' || type === 'native') {
      key = `${type} ${snap.strings[snap.nodes[i + iName] as number] ?? '?'}`;
    } else {
      key = `(${type})`;
    }
    const e = byKey.get(key) ?? { size: 0, count: 0 };
    e.size += size;
    e.count++;
    byKey.set(key, e);
  }
  const mib = (b: number) => `${(b / 1048576).toFixed(1)} MiB`;
  process.stdout.write(`${file}\n  total self size ${mib(total)} in ${(snap.nodes.length / F).toLocaleString()} nodes\n  by type/constructor:\n`);
  for (const [k, v] of [...byKey].sort((a, b) => b[1].size - a[1].size).slice(0, top)) {
    process.stdout.write(`  ${mib(v.size).padStart(10)}  ${String(v.count).padStart(9)}  ${k}\n`);
  }
  process.stdout.write('  strings by size:\n');
  for (const [k, v] of [...strBuckets].sort((a, b) => b[1].size - a[1].size)) {
    process.stdout.write(`  ${mib(v.size).padStart(10)}  ${String(v.count).padStart(9)}  ${k}\n`);
  }
}

main(process.argv.slice(2));
