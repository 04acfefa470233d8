/**
 * Summarizes V8 .cpuprofile files (node --cpu-prof): the top functions by self time, and self time per file.
 * Usage: node test/bench/prof-top.ts [--top N] [--callers NAME] FILE.cpuprofile...
 *   --callers NAME: where the self time of functions named NAME comes from (their callers, 3 frames up).
 *   --phases: busy time split into request handlers (apiserver/endpoints/handlers handle*, synchronous part of the
 *     stack), the watch cache and storage watch, the etcd/gRPC client, Node's HTTP/net/streams, project code
 *     resumed after an await, GC and the rest. With --per N, also per op.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

function shortUrl(url: string): string {
  const m = /(?:node_modules\/(.*)|\/((?:apiserver|shared|cli|test)\/.*))$/.exec(url);
  if (m) return m[1] ? `npm:${m[1]}` : (m[2] ?? url);
  return url.replace(/^file:\/\//, '') || '(native)';
}

function main(argv: string[]): void {
  let top = 30;
  let callersOf: string | undefined;
  let phases = false;
  let per = 0;
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--top') top = Number(argv[++i]);
    else if (argv[i] === '--callers') callersOf = argv[++i];
    else if (argv[i] === '--phases') phases = true;
    else if (argv[i] === '--per') per = Number(argv[++i]);
    else files.push(argv[i] as string);
  }
  if (files.length === 0) {
    process.stderr.write('usage: node test/bench/prof-top.ts [--top N] FILE.cpuprofile...\n');
    process.exit(2);
  }
  for (const f of files) {
    const p = JSON.parse(readFileSync(f, 'utf8')) as Profile;
    const byId = new Map(p.nodes.map((n) => [n.id, n]));
    const self = new Map<number, number>();
    for (let i = 0; i < p.samples.length; i++) {
      const id = p.samples[i] as number;
      self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0));
    }
    const total = p.endTime - p.startTime;
    const fn = new Map<string, number>();
    const file = new Map<string, number>();
    let idle = 0;
    for (const [id, us] of self) {
      const n = byId.get(id);
      if (!n) continue;
      const name = n.callFrame.functionName || '(anonymous)';
      if (name === '(idle)') {
        idle += us;
        continue;
      }
      const where = shortUrl(n.callFrame.url);
      const key = `${name}  ${where}${n.callFrame.url ? `:${n.callFrame.lineNumber + 1}` : ''}`;
      fn.set(key, (fn.get(key) ?? 0) + us);
      const fk = n.callFrame.url ? where.replace(/^(npm:(?:@[^/]+\/)?[^/]+).*$/, '$1') : name.startsWith('(') ? name : '(native)';
      file.set(fk, (file.get(fk) ?? 0) + us);
    }
    // Inclusive time: every distinct function on a sample's stack gets the sample once.
    const parent = new Map<number, number>();
    for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    const keyOf = (n: ProfileNode) => `${n.callFrame.functionName || '(anonymous)'}  ${shortUrl(n.callFrame.url)}${n.callFrame.url ? `:${n.callFrame.lineNumber + 1}` : ''}`;
    const incl = new Map<string, number>();
    for (const [id, us] of self) {
      const seen = new Set<string>();
      for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
        const n = byId.get(cur);
        if (!n || !/\/(apiserver|shared)\//.test(n.callFrame.url)) continue;
        const k = keyOf(n);
        if (seen.has(k)) continue;
        seen.add(k);
        incl.set(k, (incl.get(k) ?? 0) + us);
      }
    }
    const busy = total - idle;
    const line = (k: string, us: number) => `${((us / busy) * 100).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(7)} ms  ${k}`;
    if (phases) {
      const buckets = new Map<string, number>();
      for (const [id, us] of self) {
        const chain: ProfileNode[] = [];
        for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
          const n = byId.get(cur);
          if (n) chain.push(n);
        }
        const leaf = chain[0]?.callFrame.functionName ?? '';
        if (leaf === '(idle)') continue;
        let label: string | undefined;
        // The outermost request handler on the stack owns the sample.
        for (let i = chain.length - 1; i >= 0 && !label; i--) {
          const cf = (chain[i] as ProfileNode).callFrame;
          if (/\/endpoints\/handlers\//.test(cf.url) && /^handle|^serve/.test(cf.functionName)) label = `handler ${cf.functionName}`;
        }
        if (!label && (leaf === '(garbage collector)' || leaf === '(program)')) label = leaf;
        // Otherwise the first rule (in priority order) that any frame on the stack matches.
        const rules: [RegExp, string][] = [
          [/\/storage\/(cacher\/|etcd3\/etcd3-watcher|embedded\/embedded-watcher)/, 'watch cache + storage watch'],
          [/\/(apiserver|shared)\/(?!server\/)/, 'apiserver code resumed after an await (registry, storage, encode)'],
          [/\/apiserver\/server\//, 'apiserver/server (filters, dispatch)'],
          [/grpc-js|\/etcd3\/lib\/|node:internal\/http2/, 'etcd client (etcd3, grpc-js, http2)'],
          [/node:_http|node:net|node:internal\/(streams|stream_base)|express/, 'node http / net / express'],
        ];
        for (const [re, name] of rules) {
          if (label) break;
          if (chain.some((n) => re.test(n.callFrame.url))) label = name;
        }
        label ??= 'other';
        buckets.set(label, (buckets.get(label) ?? 0) + us);
      }
      process.stdout.write(`\n${f}\n  busy ${(busy / 1e6).toFixed(2)} s by phase:\n`);
      for (const [k, us] of [...buckets].sort((a, b) => b[1] - a[1])) {
        process.stdout.write(`  ${line(k, us)}${per ? `  ${(us / per).toFixed(0).padStart(6)} us/op` : ''}\n`);
      }
      continue;
    }
    if (callersOf) {
      const stacks = new Map<string, number>();
      let sum = 0;
      for (const [id, us] of self) {
        const n = byId.get(id);
        if (!n || n.callFrame.functionName !== callersOf) continue;
        sum += us;
        const chain: string[] = [];
        for (let cur = parent.get(id), d = 0; cur !== undefined && d < 3; cur = parent.get(cur), d++) {
          const pn = byId.get(cur);
          if (pn) chain.push(keyOf(pn));
        }
        const k = chain.join('  <-  ');
        stacks.set(k, (stacks.get(k) ?? 0) + us);
      }
      process.stdout.write(`\n${f}\n  ${callersOf}: ${(sum / 1000).toFixed(0)} ms self; callers:\n`);
      for (const [k, us] of [...stacks].sort((a, b) => b[1] - a[1]).slice(0, top)) process.stdout.write(`  ${(us / 1000).toFixed(0).padStart(6)} ms  ${k}\n`);
      continue;
    }
    process.stdout.write(`\n${f}\n  wall ${(total / 1e6).toFixed(1)} s, busy ${(busy / 1e6).toFixed(1)} s (idle ${((idle / total) * 100).toFixed(0)}%)\n`);
    process.stdout.write(`  top functions by self time (% of busy):\n`);
    for (const [k, us] of [...fn].sort((a, b) => b[1] - a[1]).slice(0, top)) process.stdout.write(`  ${line(k, us)}\n`);
    process.stdout.write(`  project functions by inclusive time (% of busy):\n`);
    for (const [k, us] of [...incl].sort((a, b) => b[1] - a[1]).slice(0, top)) process.stdout.write(`  ${line(k, us)}\n`);
    process.stdout.write(`  self time by file / package:\n`);
    for (const [k, us] of [...file].sort((a, b) => b[1] - a[1]).slice(0, 20)) process.stdout.write(`  ${line(k, us)}\n`);
  }
}

main(process.argv.slice(2));
