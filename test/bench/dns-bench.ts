/**
 * `test/bench/run.sh dns [flags]`: the issue-13 DNS benchmark. Queries per second one cluster DNS server answers
 * on one core, against the floor: a raw UDP echo server written with the same runtime (node:dgram), on the same
 * machine in the same run, both driven by the same load generator (dns-load.ts) in another process.
 *
 * Each round starts the echo server and the DNS server in turn (order alternating between rounds), each in its
 * own process (dns-bench-server.ts) pinned to CPU 0 with taskset when there is more than one CPU, the load
 * generator pinned to CPU 1; 1 s of warm-up load, then --duration ms measured. Per run: answered queries per
 * second, latency p50/p99 (client side, under that load, BENCH_WINDOW queries in flight), and the server's CPU
 * time per answered query (process.cpuUsage over the measured window): 1 s / that is what one core can answer,
 * whatever the generator manages to send.
 *
 * The query mix is what pods send (lib/dns-query-mix.ts): 40% A, 40% AAAA (NODATA), 8% headless A, 6% SRV,
 * 6% NXDOMAIN, over all Services of the zone.
 *
 * Flags: --duration 5000 (ms per measured run)  --rounds 3  --window 64 (queries in flight)  --services 1000
 * Environment: BENCH_OUT (JSON results file), BENCH_MARKDOWN=1.
 * Target (issue 13): DNS qps >= 0.5x the echo floor.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadAverage, machineInfo, runBench, sh } from './lib/machine.ts';
import { markdownTable, medianBy, summarize, textTable } from './lib/stats.ts';

const here = fileURLToPath(import.meta.url);
const ext = extname(here);
const serverFile = join(here, '..', `dns-bench-server${ext}`);
const loadFile = join(here, '..', `dns-load${ext}`);
const TARGET = 0.5;

interface Run {
  mode: 'echo' | 'dns';
  round: number;
  qps: number;
  lost: number;
  p50us: number;
  p99us: number;
  cpuUsPerQuery: number;
}

const pinned = (cpu: number): string[] => (Number(sh('nproc', [])) > 1 && sh('which', ['taskset']) !== '?' ? ['taskset', '-c', String(cpu)] : []);

function startServer(mode: 'echo' | 'dns', services: number): Promise<{ child: ChildProcess; port: number }> {
  const pin = pinned(0);
  const child = fork(serverFile, [mode], {
    ...(pin.length ? { execPath: pin[0], execArgv: [...pin.slice(1), process.execPath, ...process.execArgv] } : {}),
    env: { ...process.env, BENCH_DNS_SERVICES: String(services) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${mode} server did not start in 30 s`)), 30_000);
    child.once('message', (m: { port?: number }) => {
      clearTimeout(t);
      if (m.port) resolve({ child, port: m.port });
      else reject(new Error(`${mode} server sent ${JSON.stringify(m)}`));
    });
    child.once('exit', (code) => reject(new Error(`${mode} server exited with ${code}`)));
  });
}

function serverCpuUs(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('no cpu report in 10 s')), 10_000);
    child.once('message', (m: { cpu?: NodeJS.CpuUsage }) => {
      clearTimeout(t);
      resolve((m.cpu?.user ?? 0) + (m.cpu?.system ?? 0));
    });
    child.send({ cmd: 'cpu' });
  });
}

function runLoad(port: number, durationMs: number, window: number, services: number): Promise<{ answered: number; lost: number; qps: number; latenciesUs: number[] }> {
  const pin = pinned(1);
  const cmd = pin.length ? pin[0]! : process.execPath;
  const args = [...(pin.length ? [...pin.slice(1), process.execPath] : []), ...process.execArgv, loadFile, String(port), String(durationMs)];
  const child = spawn(cmd, args, { env: { ...process.env, BENCH_WINDOW: String(window), BENCH_DNS_SERVICES: String(services) }, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (d: string) => (out += d));
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => { child.kill('SIGKILL'); reject(new Error('load generator hung')); }, durationMs + 30_000);
    child.once('exit', (code) => {
      clearTimeout(t);
      if (code !== 0) { reject(new Error(`load generator exited with ${code}`)); return; }
      resolve(JSON.parse(out));
    });
  });
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { duration: { type: 'string', default: '5000' }, rounds: { type: 'string', default: '3' }, window: { type: 'string', default: '64' }, services: { type: 'string', default: '1000' } } });
  const durationMs = Number(values.duration);
  const rounds = Number(values.rounds);
  const window = Number(values.window);
  const services = Number(values.services);
  const info = machineInfo({ commit: sh('git', ['rev-parse', '--short', 'HEAD']), pinning: pinned(0).length ? 'server on CPU 0, load generator on CPU 1 (taskset)' : 'none (one CPU or no taskset)' });
  const runs: Run[] = [];
  for (let round = 0; round < rounds; round++) {
    const order: ('echo' | 'dns')[] = round % 2 === 0 ? ['echo', 'dns'] : ['dns', 'echo'];
    for (const mode of order) {
      const { child, port } = await startServer(mode, services);
      try {
        await runLoad(port, 1000, window, services);
        const before = await serverCpuUs(child);
        const r = await runLoad(port, durationMs, window, services);
        const after = await serverCpuUs(child);
        const s = summarize(r.latenciesUs);
        runs.push({ mode, round, qps: r.qps, lost: r.lost, p50us: s.p50, p99us: s.p99, cpuUsPerQuery: (after - before) / Math.max(1, r.answered) });
        process.stderr.write(`round ${round} ${mode}: ${r.qps.toFixed(0)} q/s, p50 ${s.p50} us, p99 ${s.p99} us, server ${((after - before) / Math.max(1, r.answered)).toFixed(2)} us CPU/query, lost ${r.lost}\n`);
      } finally {
        child.kill('SIGTERM');
      }
    }
  }
  const echo = medianBy(runs.filter((r) => r.mode === 'echo'), (r) => r.qps);
  const dns = medianBy(runs.filter((r) => r.mode === 'dns'), (r) => r.qps);
  // Paired per round (the two runs of a round are seconds apart, so they share the machine's load best).
  const paired = Array.from({ length: rounds }, (_, round) => {
    const e = runs.find((r) => r.round === round && r.mode === 'echo');
    const d = runs.find((r) => r.round === round && r.mode === 'dns');
    return e && d ? { qps: d.qps / e.qps, cpu: e.cpuUsPerQuery / d.cpuUsPerQuery } : undefined;
  }).filter((x): x is { qps: number; cpu: number } => x !== undefined);
  const ratio = medianBy(paired, (p) => p.qps).qps;
  const cpuRatio = medianBy(paired, (p) => p.cpu).cpu;
  const header = ['server', 'q/s (median of rounds)', 'p50', 'p99', 'server CPU/query', 'q/s per core (1 s / CPU)', 'vs floor (median of per-round pairs)', 'target', 'result'];
  const us = (v: number) => `${(v / 1000).toFixed(2)} ms`;
  const rows = [
    ['UDP echo (floor)', echo.qps.toFixed(0), us(echo.p50us), us(echo.p99us), `${echo.cpuUsPerQuery.toFixed(2)} us`, (1e6 / echo.cpuUsPerQuery).toFixed(0), '1.00x', '', ''],
    ['kubelab dns', dns.qps.toFixed(0), us(dns.p50us), us(dns.p99us), `${dns.cpuUsPerQuery.toFixed(2)} us`, (1e6 / dns.cpuUsPerQuery).toFixed(0), `q/s ${ratio.toFixed(2)}x, per core ${cpuRatio.toFixed(2)}x`, `>= ${TARGET}x`, Math.min(ratio, cpuRatio) >= TARGET ? 'PASS' : 'MISS'],
  ];
  const out = process.env['BENCH_OUT'] || join(tmpdir(), `kubelab-bench-dns-${Date.now()}.json`);
  fs.writeFileSync(out, JSON.stringify({ machine: info, runs }, null, 2));
  process.stdout.write(`\nkubelab dns (issue 13): queries per second on one core vs a raw UDP echo floor, ${info.date}\n`);
  process.stdout.write(`machine: nproc ${info.nproc}, ${info.cpu}, ${info.memory}, kernel ${info.kernel}, node ${info.node}, commit ${info.commit}\n`);
  process.stdout.write(`pinning: ${info.pinning}; ${window} queries in flight; ${services} ClusterIP + ${Math.ceil(services / 10)} headless Services; ${rounds} rounds of ${durationMs} ms each\n`);
  process.stdout.write(`load average at start ${info.loadavg}, at end ${loadAverage()}\n\n`);
  process.stdout.write(textTable(header, rows) + '\n\n');
  if (process.env['BENCH_MARKDOWN']) process.stdout.write(markdownTable(header, rows) + '\n\n');
  process.stdout.write(`all runs in ${out}\n`);
  return Math.min(ratio, cpuRatio) >= TARGET ? 0 : 1;
}

runBench('bench dns', () => main(process.argv.slice(2)));
