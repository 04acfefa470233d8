/**
 * `npm run bench` (test/bench/run.sh): the issue-2 API server benchmarks. Every number is printed next to the
 * raw limit measured in the same run on the same machine (house rule: performance is measured, not timed in
 * tests). Usage: node test/bench/main.ts [create|rss|list|kubectl|watch|rss-etcd|rss-semi|auth|protobuf|gc ...]  (default: all).
 * Results: a summary table on stdout, and every measurement as JSON in $BENCH_OUT (default: a temp file).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { BenchContext } from './lib/context.ts';
import { loadAverage, machineInfo, runBench, sh } from './lib/machine.ts';
import { markdownTable, textTable } from './lib/stats.ts';
import { createScenario } from './scenarios/create.ts';
import { listScenario } from './scenarios/list.ts';
import { watchScenario } from './scenarios/watch.ts';
import { rssScenario } from './scenarios/rss.ts';
import { kubectlScenario } from './scenarios/kubectl.ts';
import { authScenario } from './scenarios/auth.ts';
import { protobufScenario } from './scenarios/protobuf.ts';
import { gcScenario } from './scenarios/gc.ts';
import { deploymentScenario } from './scenarios/deployment.ts';

const scenarios: Record<string, (ctx: BenchContext) => Promise<void>> = {
  create: createScenario,
  rss: (ctx) => rssScenario(ctx, 'embedded'),
  list: listScenario,
  kubectl: kubectlScenario,
  watch: watchScenario,
  'rss-etcd': (ctx) => rssScenario(ctx, 'etcd'),
  // The same embedded server with V8's default 16 MiB semi-space instead of bin/kubelab's 4 MiB (deploy/node-flags.ts):
  // how much of the RSS the young generation's slack would be.
  'rss-semi': (ctx) => rssScenario(ctx, 'embedded', ['--max-semi-space-size=16']),
  // Issue 11: authentication + RBAC on every request against the same server with the chain off.
  auth: authScenario,
  // Issue 12: protobuf against JSON (10,000-pod LIST, pod creates) on the same server.
  protobuf: protobufScenario,
  // Issue 12: a Foreground delete of one owner with 3,000 pods against a deletecollection of 3,000 pods.
  gc: gcScenario,
  // Issue 12: a Deployment scaled 0 -> 3,000 on 300 simulated nodes against 3,000 bare pod creates, until bound.
  deployment: deploymentScenario,
};

function machine(): Record<string, string> {
  return machineInfo({
    etcd: sh('etcd', ['--version']).split('\n')[0] ?? '?',
    kubectl: sh('kubectl', ['version', '--client']).split('\n')[0] ?? '?',
  });
}

async function main(argv: string[]): Promise<number> {
  const wanted = argv.length === 0 || argv.includes('all') ? Object.keys(scenarios) : argv;
  for (const w of wanted) {
    if (!scenarios[w]) {
      process.stderr.write(`unknown scenario ${JSON.stringify(w)}; known: ${Object.keys(scenarios).join(', ')}, all\n`);
      return 2;
    }
  }
  const ctx = new BenchContext();
  const info: Record<string, string> = { ...machine(), server: ctx.serverMode === 'dist' ? 'compiled CLI (as bin/kubelab)' : 'node cli/main.ts (type stripping)' };
  ctx.log(`machine: ${JSON.stringify(info)}`);
  const failures: string[] = [];
  const onSignal = () => {
    void ctx.close().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    for (const w of wanted) {
      ctx.log(`=== ${w}`);
      const t0 = Date.now();
      try {
        await (scenarios[w] as (c: BenchContext) => Promise<void>)(ctx);
      } catch (e) {
        failures.push(`${w}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
        ctx.log(`${w} FAILED: ${e instanceof Error ? e.message : String(e)}`);
      }
      ctx.log(`=== ${w} done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
  } finally {
    await ctx.close();
  }
  const header = ['scenario', 'case', 'result', 'p50', 'p99', 'raw (same run)', 'vs raw', 'target', ''];
  const rows = ctx.rows.map((r) => [r.scenario, r.case, r.value, r.p50, r.p99, r.raw, r.ratio, r.target, r.verdict]);
  const out = process.env.BENCH_OUT || join(tmpdir(), `kubelab-bench-${ctx.id}.json`);
  writeFileSync(out, JSON.stringify({ machine: info, rows: ctx.rows, results: ctx.results, failures }, null, 2));
  const loadEnd = loadAverage();
  process.stdout.write(`\nkubelab apiserver benchmarks, ${info.date}\n`);
  process.stdout.write(`machine: nproc ${info.nproc}, ${info.memory}, kernel ${info.kernel}, node ${info.node}, ${info.etcd}\napiserver: ${info.server}, its own process\nload average (1/5/15 min) at start ${info.loadavg}, at end ${loadEnd} (other work on the machine skews absolute numbers; ratios are measured side by side)\n\n`);
  process.stdout.write(textTable(header, rows) + '\n\n');
  if (process.env.BENCH_MARKDOWN) process.stdout.write(markdownTable(header, rows) + '\n\n');
  process.stdout.write(`total ${((Date.now() - ctx.started) / 1000).toFixed(0)} s; all measurements in ${out}\n`);
  if (failures.length) {
    process.stderr.write(`\n${failures.length} scenario(s) failed:\n${failures.join('\n')}\n`);
    return 1;
  }
  return 0;
}

runBench('bench', () => main(process.argv.slice(2)));
