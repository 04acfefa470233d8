/**
 * Scale check for simulated nodes (issue 4): an API server process, a `kubelab sim-nodes` process with N
 * nodes, then P pods per node created already bound (spec.nodeName). Reports registration time, time until
 * every pod is Running, and the sim-nodes process's memory (RSS) before and after.
 *
 *   node node-agent/bench/sim-nodes-scale.ts [--nodes 1000] [--pods-per-node 30] [--keep]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { newClientset } from '../../shared/client/clientset.ts';
import type { Pod } from '../../shared/api/core-v1.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..');
const args = process.argv.slice(2);
const flag = (name: string, def: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const NODES = flag('nodes', 1000);
const PER_NODE = flag('pods-per-node', 30);
const nodeBin = path.join(repo, 'node_modules', '.bin', 'node');
const cli = path.join(repo, 'cli', 'main.ts');

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : 0;
}

/** CPU seconds (user + system) a process has used. */
function cpuSeconds(pid: number): number {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(f[11]) + Number(f[12])) / 100;
}

function start(name: string, argv: string[], logFile: string): ChildProcess {
  const out = fs.openSync(logFile, 'w');
  const child = spawn(nodeBin, ['--max-old-space-size=8192', cli, ...argv], { stdio: ['ignore', out, out], env: { ...process.env, KUBELAB_LOG_LEVEL: 'warn' } });
  child.on('exit', (code) => {
    if (code !== null && code !== 0) process.stderr.write(`${name} exited with ${code}; see ${logFile}\n`);
  });
  return child;
}

async function until(what: string, fn: () => Promise<boolean>, timeoutMs: number, everyMs = 500): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await fn()) return;
    } catch {
      // retry
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kubelab-sim-scale-'));
const port = await freePort();
const server = `http://127.0.0.1:${port}`;
const api = start('apiserver', ['apiserver', '--listen', `127.0.0.1:${port}`, '--data-dir', path.join(dir, 'data'), '--log-level', 'warn'], path.join(dir, 'apiserver.log'));
const cs = newClientset({ server, timeoutMs: 120_000 });
let sim: ChildProcess | undefined;
try {
  await until('apiserver', async () => (await fetch(`${server}/healthz`)).ok, 30_000, 200);
  const t0 = Date.now();
  sim = start('sim-nodes', ['sim-nodes', '--server', server, '--count', String(NODES), '--name-prefix', 'sim-', '--event-level', 'none', '--log-level', 'warn'], path.join(dir, 'sim-nodes.log'));
  await until(`${NODES} nodes`, async () => (await cs.nodes.list('', { limit: 1 })).metadata?.remainingItemCount === NODES - 1 || NODES === 1, 600_000, 1000);
  const regMs = Date.now() - t0;
  await new Promise((r) => setTimeout(r, 3000));
  const rssIdle = rssMiB(sim.pid ?? 0);
  process.stdout.write(`${NODES} nodes registered in ${(regMs / 1000).toFixed(1)} s; sim-nodes RSS ${rssIdle} MiB\n`);

  const total = NODES * PER_NODE;
  const t1 = Date.now();
  let next = 0;
  const create = async () => {
    for (let i = next++; i < total; i = next++) {
      const pod: Pod = {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: `p-${i}`, namespace: 'default', labels: { bench: 'sim' } },
        spec: { nodeName: `sim-${i % NODES}`, containers: [{ name: 'app', image: 'localhost/busybox:1.35', command: ['sleep', '36000'] }] },
      };
      await cs.pods.create(pod);
    }
  };
  await Promise.all(Array.from({ length: 32 }, create));
  const createMs = Date.now() - t1;
  process.stdout.write(`${total} pods created in ${(createMs / 1000).toFixed(1)} s (CPU so far: apiserver ${cpuSeconds(api.pid ?? 0).toFixed(1)} s, sim-nodes ${cpuSeconds(sim.pid ?? 0).toFixed(1)} s)\n`);
  let runningCount = 0;
  await until(`${total} pods Running`, async () => {
    let count = 0;
    let cont: string | undefined;
    do {
      const page = await cs.pods.list('default', { limit: 5000, ...(cont ? { continue: cont } : {}) });
      for (const p of page.items as Pod[]) if (p.status?.phase === 'Running') count++;
      cont = page.metadata?.continue || undefined;
    } while (cont);
    runningCount = count;
    return count === total;
  }, 1_800_000, 3000);
  const runMs = Date.now() - t1;
  await new Promise((r) => setTimeout(r, 5000));
  const rssLoaded = rssMiB(sim.pid ?? 0);
  process.stdout.write(
    `${runningCount}/${total} pods Running ${(runMs / 1000).toFixed(1)} s after the first create; sim-nodes RSS ${rssLoaded} MiB ` +
      `(${(((rssLoaded - rssIdle) * 1024) / total).toFixed(1)} KiB per pod), apiserver RSS ${rssMiB(api.pid ?? 0)} MiB; ` +
      `CPU: apiserver ${cpuSeconds(api.pid ?? 0).toFixed(1)} s, sim-nodes ${cpuSeconds(sim.pid ?? 0).toFixed(1)} s\n`,
  );
} finally {
  sim?.kill('SIGTERM');
  api.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 1000));
  if (!args.includes('--keep')) fs.rmSync(dir, { recursive: true, force: true });
  else process.stdout.write(`kept ${dir}\n`);
}
