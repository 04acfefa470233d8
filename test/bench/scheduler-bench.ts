/**
 * `test/bench/run.sh scheduler [flags]`: the issue-4 benchmarks (scheduler + simulated nodes), see
 * test/bench/scheduler-scenarios.ts and docs/benchmarks.md. Every process (apiserver, sim-nodes, controller) is
 * its own OS process; numbers are printed next to the raw limit measured in the same run.
 *
 *   run.sh scheduler                       throughput at 500 and 5,000 nodes, then 1,000 nodes holding 30,000 pods
 *   run.sh scheduler --quick               a 3-5 minute smoke run (100/1,000 nodes, 2,000 pods; 200 nodes, 3,000 pods)
 *   run.sh scheduler throughput            only scenario 1 (or: hold)
 * Flags: --nodes 500,5000  --existing 1000  --pending 10000  --raw 3000 (raw binding writes)  --before (also
 *   create the pending pods before the controller starts)  --budget 150 (s per measured phase; a slower phase
 *   reports the rate over the pods bound by then, marked "capped")  --bare-nodes (throughput with plain Ready Node
 *   objects and a scheduler-only controller, no sim-nodes: upstream scheduler_perf's setup)  --hold-nodes 1000  --hold-pods 30000
 *   --idle 60 (s)  --backend embedded|etcd  --node-cpu 32  --node-memory 128Gi  --node-pods 110
 * Environment as for the other benchmarks: BENCH_CPU_PROF=DIR (every process under node --cpu-prof; summarize with
 *   `node test/bench/prof-top.ts DIR/*.cpuprofile`), BENCH_SERVER=ts (no compile), BENCH_OUT, BENCH_MARKDOWN=1.
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BenchContext } from './lib/context.ts';
import { loadAverage, machineInfo, runBench } from './lib/machine.ts';
import { markdownTable, textTable } from './lib/stats.ts';
import { logDir } from './scheduler-cluster.ts';
import { holdScenario, throughputScenario, type SchedulerBenchOptions } from './scheduler-scenarios.ts';

function positive(name: string, v: string | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer, got ${JSON.stringify(v)}`);
  return n;
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      quick: { type: 'boolean', default: false },
      nodes: { type: 'string' },
      existing: { type: 'string' },
      pending: { type: 'string' },
      raw: { type: 'string' },
      before: { type: 'boolean', default: false },
      'bare-nodes': { type: 'boolean', default: false },
      'hold-nodes': { type: 'string' },
      'hold-pods': { type: 'string' },
      idle: { type: 'string' },
      budget: { type: 'string' },
      backend: { type: 'string', default: 'embedded' },
      'node-cpu': { type: 'string', default: '32' },
      'node-memory': { type: 'string', default: '128Gi' },
      'node-pods': { type: 'string', default: '110' },
    },
  });
  const q = values.quick;
  const backend = values.backend;
  if (backend !== 'embedded' && backend !== 'etcd') throw new Error('--backend must be embedded or etcd');
  const pending = positive('pending', values.pending, q ? 2000 : 10_000);
  const o: SchedulerBenchOptions = {
    backend,
    nodes: (values.nodes ?? (q ? '100,1000' : '500,5000')).split(',').map((s) => positive('nodes', s, 0)),
    existing: positive('existing', values.existing, q ? 200 : 1000),
    pending,
    raw: positive('raw', values.raw, Math.min(pending, 3000)),
    before: values.before,
    bareNodes: values['bare-nodes'],
    holdNodes: positive('hold-nodes', values['hold-nodes'], q ? 200 : 1000),
    holdPods: positive('hold-pods', values['hold-pods'], q ? 3000 : 30_000),
    idleSeconds: positive('idle', values.idle, q ? 15 : 60),
    budgetSeconds: positive('budget', values.budget, q ? 60 : 150),
    capacity: { cpu: values['node-cpu'], memory: values['node-memory'], pods: positive('node-pods', values['node-pods'], 110) },
  };
  const known = ['throughput', 'hold'];
  const wanted = positionals.length ? positionals : known;
  for (const w of wanted) if (!known.includes(w)) throw new Error(`unknown scenario ${JSON.stringify(w)}; known: ${known.join(', ')}`);

  const ctx = new BenchContext();
  const info = machineInfo({
    processes: ctx.serverMode === 'dist' ? 'compiled CLI (as bin/kubelab)' : 'node cli/main.ts (type stripping)',
    backend,
  });
  ctx.log(`machine: ${JSON.stringify(info)}`);
  ctx.log(`options: ${JSON.stringify(o)}`);
  const onSignal = () => void ctx.close().finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const failures: string[] = [];
  const run = async (label: string, fn: () => Promise<void>) => {
    ctx.log(`=== ${label}`);
    const t0 = Date.now();
    try {
      await fn();
    } catch (e) {
      failures.push(`${label}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      ctx.log(`${label} FAILED: ${e instanceof Error ? e.message : String(e)}`);
    }
    ctx.log(`=== ${label} done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  };
  try {
    if (wanted.includes('throughput')) for (const n of o.nodes) await run(`throughput, ${n} nodes`, () => throughputScenario(ctx, o, n));
    if (wanted.includes('hold')) await run(`hold, ${o.holdNodes} nodes, ${o.holdPods} pods`, () => holdScenario(ctx, o));
  } finally {
    await ctx.close();
  }
  const header = ['scenario', 'case', 'result', 'p50', 'p99', 'raw (same run)', 'vs raw', 'target', ''];
  const rows = ctx.rows.map((r) => [r.scenario, r.case, r.value, r.p50, r.p99, r.raw, r.ratio, r.target, r.verdict]);
  const out = process.env.BENCH_OUT || join(tmpdir(), `kubelab-bench-scheduler-${ctx.id}.json`);
  writeFileSync(out, JSON.stringify({ machine: info, options: o, rows: ctx.rows, results: ctx.results, failures }, null, 2));
  const loadEnd = loadAverage();
  process.stdout.write(`\nkubelab scheduler + simulated nodes benchmarks (issue 4), ${info.date}\n`);
  process.stdout.write(`machine: nproc ${info.nproc}, ${info.memory}, kernel ${info.kernel}, node ${info.node}; ${backend} store; processes: ${info.processes}\n`);
  process.stdout.write(`load average at start ${info.loadavg}, at end ${loadEnd}\n\n`);
  process.stdout.write(textTable(header, rows) + '\n\n');
  if (process.env.BENCH_MARKDOWN) process.stdout.write(markdownTable(header, rows) + '\n\n');
  process.stdout.write(`total ${((Date.now() - ctx.started) / 1000).toFixed(0)} s; all measurements in ${out}; component logs in ${logDir(ctx)}\n`);
  if (failures.length) {
    process.stderr.write(`\n${failures.length} scenario(s) failed:\n${failures.join('\n')}\n`);
    return 1;
  }
  return 0;
}

runBench('bench scheduler', () => main(process.argv.slice(2)));
