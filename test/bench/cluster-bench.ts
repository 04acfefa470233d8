/**
 * `test/bench/run.sh cluster`: the issue-6 benchmarks of `kubelab up` (see docs/benchmarks.md, section
 * "kubelab up"). Everything runs the compiled CLI (as bin/kubelab does) from a private build of the tree.
 *
 * 1. up/down: `kubelab up --nodes 3` from the command to every node Ready (up returns only then; packages are
 *    installed, so the install step only checks them), and `kubelab down` of the idle cluster. Repeated
 *    BENCH_CLUSTER_UPS times (default 3).
 * 2. burst: on the last cluster, 30 pods per node (90) with 2 containers each are created at once through the
 *    API (one POST each, all in flight together), on a fresh cluster per repeat. A watch opened before the first create records when each pod
 *    is observed Running (phase) and Ready (both containers started); per pod latency is counted from its
 *    create request (creationTimestamp has whole seconds only, so the request time stands in for it).
 * 3. raw CRI floor, same run, same machine: the agents are stopped, and each pod's RunPodSandbox + 2 x
 *    (CreateContainer + StartContainer), with the configs the agent itself generates, goes straight to the
 *    node's containerd through node-agent/cri/remote/remote-runtime.ts, 30 pods at once: on one node (the
 *    per-node concurrency of the burst), then on all three nodes at once (the burst's whole load).
 * Then `kubelab down` of the loaded cluster. CPU seconds per component (API server, controller, agents, containerd,
 * shims) are counted during the burst and the 3-node raw run, to show where the difference goes.
 *
 * Knobs: BENCH_CLUSTER_UPS (idle up/down cycles, 3), BENCH_BURST_REPEATS (2: each a fresh cluster, the burst, then
 * the raw runs on its containerds, then down), BENCH_PODS_PER_NODE (30), BENCH_OUT (JSON), BENCH_MARKDOWN=1, BENCH_SERVER=ts
 * (type stripping, no compile). Needs root and the cluster prerequisites (deploy/install-deps.sh).
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { BenchContext, envInt } from './lib/context.ts';
import { loadAverage, machineInfo, runBench, sh } from './lib/machine.ts';
import { markdownTable, ms, summarize, textTable, type Summary } from './lib/stats.ts';
import { Cluster, prerequisites, sleep, useCli, waitFor, webPod } from '../e2e/cluster/_cluster.ts';
import { RemoteRuntime } from '../../node-agent/cri/remote/remote-runtime.ts';
import { generateContainerConfig, generatePodSandboxConfig } from '../../node-agent/kuberuntime/container-config.ts';
import type { Pod } from '../../shared/api/core-v1.ts';
import type { KubeList } from '../../shared/api/meta.ts';

const root = resolve(import.meta.dirname, '..', '..');

interface Row {
  runs: string;
  case: string;
  result: string;
  p50: string;
  p99: string;
  raw: string;
  ratio: string;
  target: string;
  verdict: string;
}

/** One pod's startup through the cluster: request sent/answered, Running and Ready observed by the watch. */
interface PodTiming {
  sent: number;
  created: number;
  running?: number;
  ready?: number;
}

async function burst(c: Cluster, perNode: number, log: (m: string) => void): Promise<{ total: number; running: Summary; ready: Summary; allRunning: number; allReady: number; spread: Record<string, number> }> {
  const n = perNode * 3;
  const timings = new Map<string, PodTiming>();
  const ac = new AbortController();
  const list = await c.api.request<KubeList<Pod>>({ path: '/api/v1/namespaces/default/pods' });
  const watch = (async () => {
    try {
      for await (const ev of c.api.watch('/api/v1/namespaces/default/pods', { resourceVersion: list.metadata.resourceVersion, labelSelector: 'bench=burst' }, ac.signal)) {
        const p = ev.object as Pod;
        const t = timings.get(p.metadata.name ?? '');
        if (!t) continue;
        const now = performance.now();
        if (t.running === undefined && p.status?.phase === 'Running') t.running = now;
        if (t.ready === undefined && p.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True')) t.ready = now;
      }
    } catch (e) {
      if (!ac.signal.aborted) log(`watch ended: ${(e as Error).message}`);
    }
  })();
  await sleep(300); // the watch is open
  const t0 = performance.now();
  await Promise.all(Array.from({ length: n }, async (_, i) => {
    const name = `burst-${i}`;
    const t: PodTiming = { sent: performance.now(), created: 0 };
    timings.set(name, t);
    await c.api.request({ method: 'POST', path: '/api/v1/namespaces/default/pods', body: webPod(name, { labels: { bench: 'burst' }, containers: 2 }) });
    t.created = performance.now();
  }));
  log(`  ${n} pods created in ${ms(performance.now() - t0)}`);
  await waitFor(`${n} pods Ready`, async () => ([...timings.values()].every((t) => t.ready !== undefined) ? true : undefined), 300_000, 200);
  ac.abort();
  await watch;
  const all = [...timings.values()];
  const pods = (await c.api.request<KubeList<Pod>>({ path: '/api/v1/namespaces/default/pods', query: { labelSelector: 'bench=burst' } })).items;
  const spread: Record<string, number> = {};
  for (const p of pods) spread[p.spec?.nodeName ?? '?'] = (spread[p.spec?.nodeName ?? '?'] ?? 0) + 1;
  return {
    total: Math.max(...all.map((t) => t.ready as number)) - t0,
    allRunning: Math.max(...all.map((t) => t.running as number)) - t0,
    allReady: Math.max(...all.map((t) => t.ready as number)) - t0,
    running: summarize(all.map((t) => (t.running as number) - t.sent)),
    ready: summarize(all.map((t) => (t.ready as number) - t.sent)),
    spread,
  };
}

/** RunPodSandbox + 2 x (Create + Start) for `count` pods at once on each of the given nodes, as the agent would. */
async function rawFloor(c: Cluster, nodes: string[], count: number, tag: string): Promise<{ total: number; perPod: Summary; sandbox: Summary; start: Summary }> {
  const perPod: number[] = [];
  const sandbox: number[] = [];
  const start: number[] = [];
  const t0 = performance.now();
  await Promise.all(nodes.map(async (nodeName) => {
    const node = c.node(nodeName);
    const rt = new RemoteRuntime({ endpoint: `unix://${node.containerdSocket}`, defaultTimeoutMs: 120_000 });
    try {
      await Promise.all(Array.from({ length: count }, async (_, i) => {
        const name = `raw-${tag}-${nodeName}-${i}`;
        const uid = `00000000-0000-4000-8000-${(Date.now() % 1e6).toString().padStart(6, '0')}${String(i).padStart(6, '0')}`;
        const pod = { ...(webPod(name, { containers: 2 }) as Pod), metadata: { name, namespace: 'default', uid } } as Pod;
        const logDirectory = join(node.dir, 'raw-logs', `default_${name}_${uid}`);
        const podStart = performance.now();
        mkdirSync(logDirectory, { recursive: true });
        const sconfig = generatePodSandboxConfig(pod, { attempt: 0, logDirectory, cgroupParent: `${node.cgroupPrefix}/pod${uid}`, nodeHostname: nodeName });
        const sid = await rt.runPodSandbox(sconfig);
        sandbox.push(performance.now() - podStart);
        for (const ctr of pod.spec.containers) {
          const cconfig = generateContainerConfig(pod, ctr, { restartCount: 0, image: 'localhost/busybox:1.35', env: [], mounts: [], memoryCapacity: totalmem() });
          const cid = await rt.createContainer(sid, cconfig, sconfig);
          const s0 = performance.now();
          await rt.startContainer(cid);
          start.push(performance.now() - s0);
        }
        perPod.push(performance.now() - podStart);
      }));
    } finally {
      rt.close();
    }
  }));
  return { total: performance.now() - t0, perPod: summarize(perPod), sandbox: summarize(sandbox), start: summarize(start) };
}

async function removeAllSandboxes(c: Cluster, nodes: string[]): Promise<void> {
  await Promise.all(nodes.map(async (nodeName) => {
    const rt = new RemoteRuntime({ endpoint: `unix://${c.node(nodeName).containerdSocket}`, defaultTimeoutMs: 120_000 });
    try {
      const sbs = await rt.listPodSandbox();
      await Promise.all(sbs.map(async (s) => {
        await rt.stopPodSandbox(s.id).catch(() => undefined);
        await rt.removePodSandbox(s.id).catch(() => undefined);
      }));
    } finally {
      rt.close();
    }
  }));
}

/** CPU seconds (user + system) a process has used so far; 0 once it is gone. */
function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return 0;
  }
}

/** CPU used by each kind of component while `fn` runs (containerd includes its shims, found by socket path). */
async function cpuDuring<T>(c: Cluster, fn: () => Promise<T>): Promise<{ result: T; cpu: Record<string, number> }> {
  const groups = (): Map<number, string> => {
    const m = new Map<number, string>();
    for (const d of c.state.daemons) m.set(d.pid, d.name.replace(/-.*$/, '').replace(/^node$/, 'agent'));
    for (const pid of readdirSync('/proc').filter((e) => /^\d+$/.test(e)).map(Number)) {
      let cmd = '';
      try {
        cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      } catch {
        continue;
      }
      if (cmd.startsWith('/usr/bin/containerd-shim') && cmd.includes(c.stateDir)) m.set(pid, 'shims');
    }
    return m;
  };
  const before = new Map([...groups()].map(([pid]) => [pid, cpuSeconds(pid)]));
  const result = await fn();
  const cpu: Record<string, number> = {};
  for (const [pid, group] of groups()) cpu[group] = (cpu[group] ?? 0) + cpuSeconds(pid) - (before.get(pid) ?? 0);
  return { result, cpu };
}

const fmtCpu = (cpu: Record<string, number>) => Object.entries(cpu).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ');
const median = (xs: number[]) => summarize(xs).p50;
const runs = (xs: number[]) => xs.map((x) => ms(x)).join(' / ');

async function main(): Promise<number> {
  const ctx = new BenchContext();
  const idleUps = envInt('BENCH_CLUSTER_UPS', 3);
  const repeats = envInt('BENCH_BURST_REPEATS', 2);
  const perNode = envInt('BENCH_PODS_PER_NODE', 30);
  const info = machineInfo({ containerd: sh('containerd', ['--version']) });
  ctx.log(`machine: ${JSON.stringify(info)}`);
  const rows: Row[] = [];
  const results: Record<string, unknown> = {};
  let cluster: Cluster | undefined;
  const onSignal = () => {
    void (cluster?.down() ?? Promise.resolve()).finally(() => ctx.close().finally(() => process.exit(130)));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const up = async (): Promise<Cluster> => {
    const c = await Cluster.up('bench', ['--nodes', '3'], { skipInstall: false });
    const inner = /Cluster ready in ([\d.]+)s/.exec(c.upResult.stdout)?.[1];
    ctx.log(`  up ${ms(c.upResult.ms)} (up's own count ${inner} s): ${c.upResult.stdout.split('\n').filter((l) => /done in/.test(l)).map((l) => l.trim().replace('done in ', '')).join(' ')}`);
    return c;
  };
  const upMs: number[] = [];
  const idleDownMs: number[] = [];
  const loadedDownMs: number[] = [];
  const bursts: Awaited<ReturnType<typeof burst>>[] = [];
  const raw1s: Awaited<ReturnType<typeof rawFloor>>[] = [];
  const raw3s: Awaited<ReturnType<typeof rawFloor>>[] = [];
  const cpu: Record<string, Record<string, number>[]> = { burst: [], raw3: [] };
  try {
    prerequisites();
    const entry = await ctx.serverEntry();
    // A compiled copy of the tree needs the CRI proto next to its compiled client.
    const proto = join(dirname(entry), '..', 'node-agent', 'cri', 'api.proto');
    if (entry.endsWith('.js') && !existsSync(proto)) copyFileSync(join(root, 'node-agent', 'cri', 'api.proto'), proto);
    useCli(entry);

    // 1. up / down of idle clusters
    for (let i = 0; i < idleUps; i++) {
      ctx.log(`idle ${i + 1}/${idleUps}: kubelab up --nodes 3, kubelab down`);
      cluster = await up();
      upMs.push(cluster.upResult.ms);
      const d = await cluster.down();
      if (d.code !== 0) throw new Error(`kubelab down failed: ${d.stderr}`);
      idleDownMs.push(d.ms);
      ctx.log(`  down ${ms(d.ms)}`);
      cluster.cleanup();
      cluster = undefined;
    }

    // 2./3. burst through the cluster, then the raw floor on the same containerds, interleaved per repeat.
    for (let r = 0; r < repeats; r++) {
      ctx.log(`burst ${r + 1}/${repeats}: ${perNode * 3} pods x 2 containers created at once`);
      const c = await up();
      cluster = c;
      upMs.push(c.upResult.ms);
      const b = await cpuDuring(c, () => burst(c, perNode, (m) => ctx.log(m)));
      bursts.push(b.result);
      cpu['burst']?.push(b.cpu);
      ctx.log(`  all Running after ${ms(b.result.allRunning)}, all Ready after ${ms(b.result.allReady)}; per pod Ready p50 ${ms(b.result.ready.p50)} p99 ${ms(b.result.ready.p99)}; spread ${JSON.stringify(b.result.spread)}; CPU s: ${fmtCpu(b.cpu)}`);
      // Clean the pods away through the cluster, then stop the agents so the raw runs own the containerds.
      await c.kubectl.ok(['delete', 'pods', '-l', 'bench=burst', '--grace-period', '0', '--force', '--wait=false'], { timeoutMs: 120_000 });
      await waitFor('the burst pods to be gone', async () => ((await c.pods('default', 'bench=burst')).length === 0 ? true : undefined), 180_000, 500);
      for (const name of ['node-1', 'node-2', 'node-3']) process.kill(c.daemon(`node-${name}`).pid, 'SIGTERM');
      await sleep(2000);
      await removeAllSandboxes(c, ['node-1', 'node-2', 'node-3']);
      ctx.log(`  raw CRI: ${perNode} pods x 2 containers at once on node-1`);
      const raw1 = await rawFloor(c, ['node-1'], perNode, `one${r}`);
      raw1s.push(raw1);
      ctx.log(`    all started after ${ms(raw1.total)}; per pod p50 ${ms(raw1.perPod.p50)} p99 ${ms(raw1.perPod.p99)}; RunPodSandbox p50 ${ms(raw1.sandbox.p50)}; StartContainer p50 ${ms(raw1.start.p50)}`);
      await removeAllSandboxes(c, ['node-1']);
      ctx.log(`  raw CRI: ${perNode} pods x 2 containers at once on each of 3 nodes`);
      const raw3 = await cpuDuring(c, () => rawFloor(c, ['node-1', 'node-2', 'node-3'], perNode, `three${r}`));
      raw3s.push(raw3.result);
      cpu['raw3']?.push(raw3.cpu);
      ctx.log(`    all started after ${ms(raw3.result.total)}; per pod p50 ${ms(raw3.result.perPod.p50)} p99 ${ms(raw3.result.perPod.p99)}; CPU s: ${fmtCpu(raw3.cpu)}`);
      const fp = c.footprint();
      const d = await c.down();
      if (d.code !== 0) throw new Error(`kubelab down failed: ${d.stderr}`);
      loadedDownMs.push(d.ms);
      ctx.log(`  down with ${fp.processes.length} processes: ${ms(d.ms)}`);
      c.cleanup();
      cluster = undefined;
    }
  } finally {
    if (cluster) await cluster.down();
    await ctx.close();
  }
  results['upMs'] = upMs;
  results['idleDownMs'] = idleDownMs;
  results['loadedDownMs'] = loadedDownMs;
  results['bursts'] = bursts;
  results['raw1'] = raw1s;
  results['raw3'] = raw3s;
  results['cpuSeconds'] = cpu;
  const x = (a: number, r: number) => `${(a / r).toFixed(2)}x`;
  const bRunning = median(bursts.map((b) => b.allRunning));
  const bReady = median(bursts.map((b) => b.allReady));
  const bP50 = median(bursts.map((b) => b.ready.p50));
  const bP99 = median(bursts.map((b) => b.ready.p99));
  const r3 = median(raw3s.map((r) => r.total));
  const r3p50 = median(raw3s.map((r) => r.perPod.p50));
  const r3p99 = median(raw3s.map((r) => r.perPod.p99));
  const r1 = median(raw1s.map((r) => r.total));
  const r1p50 = median(raw1s.map((r) => r.perPod.p50));
  const r1p99 = median(raw1s.map((r) => r.perPod.p99));
  rows.push({ case: `kubelab up --nodes 3 -> all nodes Ready`, result: ms(median(upMs)), p50: '', p99: '', raw: '', ratio: '', target: '<= 15 s', verdict: median(upMs) <= 15_000 ? 'PASS' : 'MISS', runs: runs(upMs) });
  rows.push({ case: `kubelab down, idle 3-node cluster`, result: ms(median(idleDownMs)), p50: '', p99: '', raw: '', ratio: '', target: '<= 5 s', verdict: median(idleDownMs) <= 5000 ? 'PASS' : 'MISS', runs: runs(idleDownMs) });
  rows.push({ case: `burst ${perNode * 3} pods x 2 ctrs on 3 nodes: all Running`, result: ms(bRunning), p50: ms(median(bursts.map((b) => b.running.p50))), p99: ms(median(bursts.map((b) => b.running.p99))), raw: `${ms(r3)} (3 nodes x ${perNode})`, ratio: x(bRunning, r3), target: '', verdict: '', runs: runs(bursts.map((b) => b.allRunning)) });
  rows.push({ case: `burst ${perNode * 3} pods x 2 ctrs on 3 nodes: all Ready`, result: ms(bReady), p50: ms(bP50), p99: ms(bP99), raw: `p50 ${ms(r3p50)}, p99 ${ms(r3p99)}`, ratio: `${x(bReady, r3)}; p50 ${x(bP50, r3p50)}, p99 ${x(bP99, r3p99)}`, target: '', verdict: '', runs: runs(bursts.map((b) => b.allReady)) });
  rows.push({ case: `raw CRI, 3 nodes x ${perNode} pods at once`, result: ms(r3), p50: ms(r3p50), p99: ms(r3p99), raw: '', ratio: '', target: '', verdict: '', runs: runs(raw3s.map((r) => r.total)) });
  rows.push({ case: `raw CRI, 1 node x ${perNode} pods at once`, result: ms(r1), p50: ms(r1p50), p99: ms(r1p99), raw: '', ratio: `burst p50 ${x(bP50, r1p50)}`, target: '', verdict: '', runs: runs(raw1s.map((r) => r.total)) });
  rows.push({ case: `kubelab down after a burst (~365 processes)`, result: ms(median(loadedDownMs)), p50: '', p99: '', raw: '', ratio: '', target: '<= 5 s', verdict: median(loadedDownMs) <= 5000 ? 'PASS' : 'MISS', runs: runs(loadedDownMs) });
  const header = ['case', 'median', 'per pod p50', 'per pod p99', 'raw floor (same run)', 'vs raw', 'target', '', 'runs'];
  const table = rows.map((r) => [r.case, r.result, r.p50, r.p99, r.raw, r.ratio, r.target, r.verdict, r.runs]);
  const out = process.env.BENCH_OUT || join(tmpdir(), `kubelab-bench-cluster-${ctx.id}.json`);
  writeFileSync(out, JSON.stringify({ machine: info, rows, results }, null, 2));
  process.stdout.write(`\nkubelab up benchmarks (issue 6), ${info.date}\nmachine: nproc ${info.nproc}, ${info.cpu}, ${info.memory}, kernel ${info.kernel}, node ${info.node}, ${info.containerd}\nload average at start ${info.loadavg}, at end ${loadAverage()}\n\n`);
  process.stdout.write(textTable(header, table) + '\n\n');
  for (const [k, v] of Object.entries(cpu)) process.stdout.write(`CPU seconds during ${k}: ${v.map(fmtCpu).join(' | ')}\n`);
  if (process.env.BENCH_MARKDOWN) process.stdout.write('\n' + markdownTable(header, table) + '\n\n');
  process.stdout.write(`all measurements in ${out}\n`);
  return 0;
}

runBench('bench cluster', () => main());

