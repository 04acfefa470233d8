/**
 * The issue-4 scenarios (scheduler + simulated nodes), each against its own apiserver, `kubelab sim-nodes` and
 * `kubelab controller` processes:
 *   throughput: N simulated nodes and E existing pods (scheduled first, as warm-up), then P pending pods created
 *     at concurrency 64 WHILE the scheduler runs. Pods bound per second from the bench's pod watch (the time the
 *     MODIFIED event carrying spec.nodeName arrives), and create-to-bound latency (POST sent -> that event).
 *     The raw limit, in the same cluster just before: R pods created unbound with a schedulerName nobody serves,
 *     then R POSTs to pods/binding at the scheduler's binding concurrency (64, maxInFlightBinds).
 *     Optionally (--before) the same P pods created while the controller is down, then the controller started:
 *     the pure scheduling rate from the first to the last bind.
 *     A measured phase stops at --budget seconds: the rate is then over the pods bound by then (marked "capped").
 *   hold: N nodes holding P pods (created already bound, round-robin, so filling is not a scheduling test; run by
 *     the sim nodes; the controller's informers and scheduler cache hold them all): RSS of every process and its
 *     idle CPU (seconds of CPU over S seconds of idle, /proc/PID/stat).
 */
import { benchPod } from './lib/pod-fixture.ts';
import type { BenchContext } from './lib/context.ts';
import { closedLoop, expectStatus, keepAliveAgent, type LoadResult } from './lib/http.ts';
import { ensureNamespace } from './lib/pods.ts';
import { cpuMeter, cpuMs } from './lib/proc.ts';
import { mb, ms, nowMs, pct, summarize } from './lib/stats.ts';
import { HealthProbe, logDir, PodWatch, runQueueWaitMs, spawnController, spawnSimNodes, storeRevision, waitNodesReady, type Component, type SimNodeOptions } from './scheduler-cluster.ts';
import type { APIServerProcess, Backend } from './lib/apiserver-process.ts';
import { join } from 'node:path';

export interface SchedulerBenchOptions {
  backend: Backend;
  /** Node counts of the throughput scenario, one cluster each. */
  nodes: number[];
  existing: number;
  pending: number;
  /** Raw binding writes. */
  raw: number;
  /** Also measure with the pending pods created before the controller starts. */
  before: boolean;
  /**
   * Throughput scenario only: plain Node objects written by the bench (Ready, no agent, no lease) and a
   * scheduler-only controller, as upstream's scheduler_perf runs; bound pods never start.
   */
  bareNodes: boolean;
  holdNodes: number;
  holdPods: number;
  idleSeconds: number;
  /** Longest a measured scheduling phase (and the hold scenario's wait for Running) may take, seconds. */
  budgetSeconds: number;
  capacity: Omit<SimNodeOptions, 'count'>;
}

const CONCURRENCY = 64; // pod creates (the issue's) and bindings (the scheduler's maxInFlightBinds default)
const NOBODY = 'bench-no-scheduler';
const JSON_HEADERS = { 'Content-Type': 'application/json', Accept: 'application/json', 'User-Agent': 'kubelab-bench/1' };
const UPSTREAM_FLOOR = 680; // kube-scheduler CI floor, 5,000 nodes, large machine

const sleep = (msec: number) => new Promise((r) => setTimeout(r, msec));

function podNames(prefix: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(5, '0')}`);
}

/** POSTs the pods at concurrency 64; returns the load result and, per pod, the monotonic time its POST was sent. */
async function createPodsTimed(
  url: string,
  ns: string,
  names: string[],
  opts: { schedulerName?: string; nodeName?: (i: number) => string } = {},
): Promise<{ load: LoadResult; sent: Map<string, number> }> {
  const bodies = names.map((n, i) => {
    const pod = benchPod(n, ns) as { spec: Record<string, unknown> };
    if (opts.schedulerName) pod.spec.schedulerName = opts.schedulerName;
    if (opts.nodeName) pod.spec.nodeName = opts.nodeName(i);
    return Buffer.from(JSON.stringify(pod));
  });
  const sent = new Map<string, number>();
  const agent = keepAliveAgent(CONCURRENCY);
  const target = `${url}/api/v1/namespaces/${ns}/pods`;
  try {
    const load = await closedLoop(names.length, CONCURRENCY, async (i) => {
      sent.set(names[i] as string, nowMs());
      await expectStatus(201, target, { method: 'POST', headers: JSON_HEADERS, body: bodies[i] as Buffer, agent, timeoutMs: 120_000 });
    });
    return { load, sent };
  } finally {
    agent.destroy();
  }
}

/** R POSTs to pods/binding at concurrency 64, nodes round-robin. */
async function rawBindings(url: string, ns: string, names: string[], nodes: number): Promise<LoadResult> {
  const agent = keepAliveAgent(CONCURRENCY);
  const bodies = names.map((n, i) =>
    Buffer.from(JSON.stringify({ apiVersion: 'v1', kind: 'Binding', metadata: { name: n, namespace: ns }, target: { apiVersion: 'v1', kind: 'Node', name: `sim-${i % nodes}` } })),
  );
  try {
    return await closedLoop(names.length, CONCURRENCY, async (i) => {
      await expectStatus(201, `${url}/api/v1/namespaces/${ns}/pods/${names[i]}/binding`, { method: 'POST', headers: JSON_HEADERS, body: bodies[i] as Buffer, agent, timeoutMs: 120_000 });
    });
  } finally {
    agent.destroy();
  }
}

/**
 * Bind-time statistics of a set of pods from the watch. Pods not bound (a capped phase) count in the latency
 * percentiles with their time so far (`until`), a lower bound.
 */
function bindStats(watch: PodWatch, names: string[], sent: Map<string, number> | undefined, until: number) {
  const times = names.map((n) => watch.bound.get(n)).filter((t): t is number => t !== undefined).sort((a, b) => a - b);
  const first = times[0] ?? Number.NaN;
  const last = times[times.length - 1] ?? Number.NaN;
  const lat = sent ? summarize(names.map((n) => (watch.bound.get(n) ?? until) - (sent.get(n) ?? until))) : undefined;
  // Steady rate: the middle 80 % of the binds.
  const i10 = Math.floor(times.length * 0.1);
  const i90 = Math.max(i10 + 1, Math.floor(times.length * 0.9) - 1);
  const steady = times.length > 10 ? (i90 - i10) / (((times[i90] as number) - (times[i10] as number)) / 1000) : Number.NaN;
  return { bound: times.length, first, last, lat, steady };
}

/**
 * Lets the sim nodes catch up between phases: waits (at most maxMs) until the watched pods are Running, so
 * the next phase does not pay for this one's status writes. Logs how long it took.
 */
async function settle(ctx: BenchContext, w: PodWatch, n: number, maxMs: number): Promise<void> {
  const t0 = nowMs();
  try {
    await w.until(() => w.running.size >= n, maxMs, 'pods Running');
    ctx.log(`  settled: all ${n} Running after ${((nowMs() - t0) / 1000).toFixed(1)} s more`);
  } catch {
    ctx.log(`  not settled: ${w.running.size} of ${n} Running after ${(maxMs / 1000).toFixed(0)} s more; going on`);
  }
}

/** Waits until every pod is bound or the budget is spent; true when all were bound. */
async function allBound(w: PodWatch, names: string[], budgetMs: number, label: string): Promise<boolean> {
  try {
    await w.until(() => w.bound.size >= names.length && names.every((n) => w.bound.has(n)), budgetMs, label, () => `${w.bound.size}/${names.length} bound, ${w.reconnects} watch reconnects`);
    return true;
  } catch (e) {
    if (!(e instanceof Error) || !e.message.startsWith('timed out')) throw e;
    return false;
  }
}

interface Cluster {
  server: APIServerProcess;
  /** The sim-nodes process (none with bare nodes). */
  sim: Component | undefined;
  ctrl: Component | undefined;
  entry: string;
  bare: boolean;
}

/** A Node as a kubelet would register it, Ready, with the sim nodes' capacity (the bare-nodes mode). */
function bareNode(name: string, cap: SchedulerBenchOptions['capacity']): Buffer {
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const resources = { cpu: cap.cpu, memory: cap.memory, pods: String(cap.pods), 'ephemeral-storage': '100Gi' };
  return Buffer.from(
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name, labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64' } },
      spec: {},
      status: {
        capacity: resources,
        allocatable: resources,
        conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'bench node', lastHeartbeatTime: now, lastTransitionTime: now }],
      },
    }),
  );
}

async function startCluster(ctx: BenchContext, o: SchedulerBenchOptions, tag: string, nodes: number, bare = false): Promise<Cluster & { registerMs: number }> {
  const server = await ctx.spawn(o.backend, tag, [], join(logDir(ctx), `apiserver-${tag}.log`));
  const entry = await ctx.serverEntry();
  if (bare) {
    ctx.log(`creating ${nodes} bare Node objects (Ready; no agents, no leases)`);
    const t0 = nowMs();
    const agent = keepAliveAgent(CONCURRENCY);
    try {
      await closedLoop(nodes, CONCURRENCY, async (i) => {
        await expectStatus(201, `${server.url}/api/v1/nodes`, { method: 'POST', headers: JSON_HEADERS, body: bareNode(`sim-${i}`, o.capacity), agent });
      });
    } finally {
      agent.destroy();
    }
    await waitNodesReady(ctx, server.url, nodes, 60_000, () => true);
    return { server, sim: undefined, ctrl: undefined, entry, bare, registerMs: nowMs() - t0 };
  }
  ctx.log(`starting ${nodes} simulated nodes (cpu ${o.capacity.cpu}, memory ${o.capacity.memory}, pods ${o.capacity.pods} each)`);
  const sim = spawnSimNodes(ctx, entry, server.url, tag, { count: nodes, ...o.capacity });
  const registerMs = await waitNodesReady(ctx, server.url, nodes, Math.max(120_000, nodes * 60), () => sim.running());
  ctx.log(`  ${nodes} nodes Ready in ${(registerMs / 1000).toFixed(1)} s (sim-nodes RSS ${mb(sim.memory().rss)})`);
  return { server, sim, ctrl: undefined, entry, bare, registerMs };
}

async function stopCluster(ctx: BenchContext, c: Cluster, label: string): Promise<void> {
  for (const comp of [c.ctrl, c.sim]) {
    if (!comp) continue;
    const problems = comp.problems();
    if (problems.length) {
      ctx.log(`  ${comp.name} logged ${problems.reduce((s, p) => s + p.count, 0)} warnings/errors:`);
      for (const p of problems.slice(0, 6)) ctx.log(`    ${String(p.count).padStart(6)} x ${p.message.slice(0, 200)}`);
      ctx.results[`${label} ${comp.name} problems`] = problems.slice(0, 20);
    }
    if (!comp.running()) ctx.log(`  NOTE: ${comp.name} had exited before the end`);
    await comp.stop();
  }
  await ctx.stopServer(c.server);
}

function pids(c: Cluster): Record<string, number | undefined> {
  return { apiserver: c.server.pid, controller: c.ctrl?.pid, 'sim-nodes': c.sim?.pid };
}

interface Measured<T> {
  result: T;
  elapsedMs: number;
  /** CPU milliseconds by process over the phase. */
  cpu: Record<string, number>;
  /** Store writes (revision delta) over the phase. */
  writes: number;
  /** GET /healthz latencies during the phase. */
  health: ReturnType<typeof summarize>;
  /** Probes slower than 1 s: [s into the phase, ms]. */
  stalls: [number, number][];
  /** The bench's own event-loop delay, ms. */
  benchLag: { p99: number; max: number };
  /** Milliseconds each process's main thread waited for a CPU (run queue) over the phase. */
  cpuWait: Record<string, number>;
}

/** Runs a phase and accounts for it: CPU per process, store writes, apiserver responsiveness. */
async function measure<T>(c: Cluster, fn: () => Promise<T>): Promise<Measured<T>> {
  const rev0 = await storeRevision(c.server.url);
  const meter = cpuMeter(pids(c));
  const wait0 = Object.fromEntries(Object.entries(pids(c)).map(([k, pid]) => [k, pid === undefined ? Number.NaN : runQueueWaitMs(pid)]));
  const probe = new HealthProbe(c.server.url);
  const t0 = nowMs();
  const result = await fn();
  const elapsedMs = nowMs() - t0;
  const cpu = meter();
  const cpuWait: Record<string, number> = {};
  for (const [k, pid] of Object.entries(pids(c))) if (pid !== undefined && !Number.isNaN(wait0[k] ?? Number.NaN)) cpuWait[k] = runQueueWaitMs(pid) - (wait0[k] as number);
  const p = probe.stop();
  const writes = (await storeRevision(c.server.url)) - rev0;
  return { result, elapsedMs, cpu, writes, health: summarize(p.latencies), stalls: probe.stalls, benchLag: { p99: p.selfDelayP99, max: p.selfDelayMax }, cpuWait };
}

/** One log line about a measured phase, per unit of work (`per` units, e.g. pods). */
function describe(m: Measured<unknown>, per: number, unit: string): string {
  const cores = Object.entries(m.cpu)
    .map(([k, v]) => `${k} ${(v / per).toFixed(2)}`)
    .join(', ');
  return `CPU ms per ${unit}: ${cores} (cores busy: ${Object.entries(m.cpu).map(([k, v]) => `${k} ${(v / m.elapsedMs).toFixed(2)}`).join(', ')}; waiting for a CPU: ${Object.entries(m.cpuWait).map(([k, v]) => `${k} ${pct(v / m.elapsedMs)}`).join(', ')}); store writes ${(m.writes / per).toFixed(2)} per ${unit} (${((m.writes * 1000) / m.elapsedMs).toFixed(0)}/s); /healthz p50 ${ms(m.health.p50)} p99 ${ms(m.health.p99)} max ${ms(m.health.max)}${m.stalls.length ? ` (stalls at s:ms ${m.stalls.slice(0, 8).map(([t, l]) => `${t}:${l}`).join(' ')})` : ''}; bench loop lag max ${ms(m.benchLag.max)}`;
}

function perUnit(m: Measured<unknown>, per: number) {
  return {
    elapsedMs: m.elapsedMs,
    cpuMsPer: Object.fromEntries(Object.entries(m.cpu).map(([k, v]) => [k, v / per])),
    coresBusy: Object.fromEntries(Object.entries(m.cpu).map(([k, v]) => [k, v / m.elapsedMs])),
    /** Share of the phase each main thread spent runnable but waiting for a CPU. */
    runQueueWait: Object.fromEntries(Object.entries(m.cpuWait).map(([k, v]) => [k, v / m.elapsedMs])),
    writesPer: m.writes / per,
    writesPerSecond: (m.writes * 1000) / m.elapsedMs,
    healthz: m.health,
    healthzStalls: m.stalls,
    benchLoopLag: m.benchLag,
  };
}

/** Scenario 1 at one node count. */
export async function throughputScenario(ctx: BenchContext, o: SchedulerBenchOptions, nodes: number): Promise<void> {
  const scen = `scheduler ${nodes}${o.bareNodes ? ' bare' : ''} nodes`;
  const c = await startCluster(ctx, o, `sched-${nodes}`, nodes, o.bareNodes);
  const res: Record<string, unknown> = { nodes, registerMs: c.registerMs };
  ctx.results[scen] = res;
  try {
    // The background the sim nodes cost (leases, node status) before any pod exists.
    const bg = await measure(c, () => sleep(10_000));
    res.background = perUnit(bg, 10);
    ctx.log(`  idle background: ${describe(bg, 10, 'second')}`);

    c.ctrl = spawnController(ctx, c.entry, c.server.url, `sched-${nodes}`, c.bare);
    const ctrl = c.ctrl;

    // Existing pods: placed by the scheduler (its warm-up).
    await ensureNamespace(c.server.url, 'existing');
    const wExisting = new PodWatch(c.server.url, 'existing');
    await wExisting.start();
    const existing = podNames('e', o.existing);
    ctx.log(`creating ${o.existing} existing pods (the scheduler places them; warm-up)`);
    const tE = nowMs();
    await createPodsTimed(c.server.url, 'existing', existing);
    await wExisting.until(() => wExisting.bound.size >= o.existing, 300_000, 'existing pods bound', () => `${wExisting.bound.size} bound`);
    ctx.log(`  ${o.existing} existing pods bound ${((nowMs() - tE) / 1000).toFixed(1)} s after the first create (controller started with them)`);
    if (!c.bare) await settle(ctx, wExisting, o.existing, 60_000);
    wExisting.close();
    const bg2 = await measure(c, () => sleep(10_000));
    res.backgroundWithController = perUnit(bg2, 10);
    ctx.log(`  idle with the controller and ${o.existing} pods: ${describe(bg2, 10, 'second')}`);

    // Raw limit: bindings written by the bench at the scheduler's concurrency.
    await ensureNamespace(c.server.url, 'raw');
    const wRaw = new PodWatch(c.server.url, 'raw');
    await wRaw.start();
    const rawNames = podNames('r', o.raw);
    ctx.log(`raw: creating ${o.raw} pods with schedulerName ${NOBODY} (concurrency ${CONCURRENCY})`);
    const rawCreate = await measure(c, () => createPodsTimed(c.server.url, 'raw', rawNames, { schedulerName: NOBODY }));
    ctx.log(`  ${rawCreate.result.load.throughput.toFixed(0)} creates/s; ${describe(rawCreate, o.raw, 'create')}`);
    ctx.log(`  now ${o.raw} POST pods/binding at concurrency ${CONCURRENCY}`);
    const rawM = await measure(c, () => rawBindings(c.server.url, 'raw', rawNames, nodes));
    const raw = rawM.result;
    await wRaw.until(() => wRaw.bound.size >= o.raw, 120_000, 'raw bindings seen on the watch', () => `${wRaw.bound.size} seen`);
    const rawLat = summarize(raw.latencies);
    ctx.log(`  raw binding: ${raw.throughput.toFixed(0)} bindings/s, p50 ${ms(rawLat.p50)}, p99 ${ms(rawLat.p99)}; ${describe(rawM, raw.n, 'binding')}`);
    if (!c.bare) await settle(ctx, wRaw, o.raw, 90_000);
    wRaw.close();
    res.rawCreate = { throughput: rawCreate.result.load.throughput, latency: summarize(rawCreate.result.load.latencies), ...perUnit(rawCreate, o.raw) };
    res.rawBinding = { throughput: raw.throughput, latency: rawLat, ...perUnit(rawM, raw.n) };

    // The measured run: pending pods created at concurrency 64 while the scheduler runs.
    await ensureNamespace(c.server.url, 'sched');
    const w = new PodWatch(c.server.url, 'sched');
    await w.start();
    const names = podNames('p', o.pending);
    ctx.log(`scheduler: creating ${o.pending} pending pods at concurrency ${CONCURRENCY} while the scheduler runs`);
    let createdAt = 0;
    let complete = false;
    const t0 = nowMs();
    const m = await measure(c, async () => {
      const created = await createPodsTimed(c.server.url, 'sched', names);
      createdAt = nowMs();
      complete = await allBound(w, names, Math.max(1000, o.budgetSeconds * 1000 - (createdAt - t0)), 'pending pods bound');
      return created;
    });
    const created = m.result;
    const tEnd = nowMs();
    const s = bindStats(w, names, created.sent, tEnd);
    const windowMs = (complete ? s.last : tEnd) - t0;
    const tput = (s.bound * 1000) / windowMs;
    const capped = complete ? '' : ` (capped at ${o.budgetSeconds} s: ${s.bound} of ${o.pending} bound)`;
    ctx.log(`  ${complete ? 'all' : `${s.bound} of ${o.pending}`} bound ${(windowMs / 1000).toFixed(1)} s after the first create (creates took ${((createdAt - t0) / 1000).toFixed(1)} s, ${created.load.throughput.toFixed(0)}/s, p99 ${ms(summarize(created.load.latencies).p99)}): ${tput.toFixed(0)} pods/s, steady ${s.steady.toFixed(0)} pods/s; create-to-bound p50 ${ms(s.lat?.p50)} p99 ${ms(s.lat?.p99)}${capped}`);
    ctx.log(`  ${describe(m, s.bound, 'bound pod')}; watch: ${w.events} events, ${w.reconnects} reconnects${w.errors.length ? ` (${w.errors.slice(0, 3).join('; ')})` : ''}`);
    res.whileCreating = {
      complete,
      bound: s.bound,
      throughput: tput,
      steady: s.steady,
      windowMs,
      createThroughput: created.load.throughput,
      createLatency: summarize(created.load.latencies),
      createMs: createdAt - t0,
      latency: s.lat,
      ...perUnit(m, s.bound),
      watchEvents: w.events,
      watchReconnects: w.reconnects,
      watchErrors: w.errors,
      rss: { apiserver: c.server.memory(), controller: ctrl.memory(), ...(c.sim ? { 'sim-nodes': c.sim.memory() } : {}) },
    };
    w.close();

    const absTarget = nodes >= 5000 ? 150 : 300;
    const ratio = tput / raw.throughput;
    ctx.row({
      scenario: scen,
      case: `${o.pending} pods created (c${CONCURRENCY}) while scheduling; ${o.existing + o.raw} pods already bound${capped}`,
      value: `${tput.toFixed(0)} pods/s`,
      p50: ms(s.lat?.p50),
      p99: ms(s.lat?.p99),
      raw: `${raw.throughput.toFixed(0)} bindings/s`,
      ratio: pct(ratio),
      target: `>=${absTarget}/s, >=50% raw`,
      verdict: tput >= absTarget && ratio >= 0.5 ? 'PASS' : 'MISS',
    });
    ctx.row({
      scenario: scen,
      case: 'same, steady rate (middle 80% of binds)',
      value: `${s.steady.toFixed(0)} pods/s`,
      p50: '',
      p99: '',
      raw: `${raw.throughput.toFixed(0)} bindings/s`,
      ratio: pct(s.steady / raw.throughput),
      target: '',
      verdict: '',
    });
    ctx.row({
      scenario: scen,
      case: `same vs upstream kube-scheduler CI floor (${UPSTREAM_FLOOR}/s, 5,000 nodes, large machine)`,
      value: `${tput.toFixed(0)} pods/s`,
      p50: '',
      p99: '',
      raw: `${UPSTREAM_FLOOR} pods/s`,
      ratio: pct(tput / UPSTREAM_FLOOR),
      target: '(reference)',
      verdict: '',
    });
    ctx.row({
      scenario: scen,
      case: `raw limit: ${o.raw} POST pods/binding, c${CONCURRENCY}, same apiserver`,
      value: `${raw.throughput.toFixed(0)} bindings/s`,
      p50: ms(rawLat.p50),
      p99: ms(rawLat.p99),
      raw: '',
      ratio: '',
      target: '',
      verdict: '',
    });
    ctx.row({
      scenario: scen,
      case: `raw: ${o.raw} pod creates, c${CONCURRENCY}, scheduler idle`,
      value: `${rawCreate.result.load.throughput.toFixed(0)} creates/s`,
      p50: ms(summarize(rawCreate.result.load.latencies).p50),
      p99: ms(summarize(rawCreate.result.load.latencies).p99),
      raw: '',
      ratio: '',
      target: '',
      verdict: '',
    });

    if (o.before) {
      // The pure scheduling rate: the pods exist before the controller starts.
      ctx.log('scheduler (pods created first): stopping the controller');
      await ctrl.stop();
      c.ctrl = undefined;
      await ensureNamespace(c.server.url, 'sched-before');
      const wb = new PodWatch(c.server.url, 'sched-before');
      await wb.start();
      const bnames = podNames('b', o.pending);
      const bc = await createPodsTimed(c.server.url, 'sched-before', bnames);
      ctx.log(`  ${o.pending} pending pods created at ${bc.load.throughput.toFixed(0)}/s; starting the controller`);
      let tStart = 0;
      let completeB = false;
      const ctrlB: Component[] = [];
      const mb4 = await measure(c, async () => {
        tStart = nowMs();
        c.ctrl = spawnController(ctx, c.entry, c.server.url, `sched-${nodes}-before`, c.bare);
        ctrlB.push(c.ctrl);
        completeB = await allBound(wb, bnames, o.budgetSeconds * 1000, 'pods bound');
      });
      // The controller started inside the phase: all its CPU so far belongs to it.
      for (const k of ctrlB) mb4.cpu.controller = cpuMs(k.pid);
      const sb = bindStats(wb, bnames, undefined, nowMs());
      const tputB = completeB ? ((o.pending - 1) * 1000) / (sb.last - sb.first) : ((sb.bound - 1) * 1000) / (nowMs() - sb.first);
      const cappedB = completeB ? '' : ` (capped at ${o.budgetSeconds} s: ${sb.bound} of ${o.pending} bound)`;
      ctx.log(`  first bind ${((sb.first - tStart) / 1000).toFixed(1)} s after the controller started (informer sync of ${o.existing + o.raw + 2 * o.pending} pods), then ${tputB.toFixed(0)} pods/s (steady ${sb.steady.toFixed(0)})${cappedB}`);
      ctx.log(`  ${describe(mb4, sb.bound, 'bound pod')} (controller CPU includes its start and informer sync)`);
      wb.close();
      res.createdFirst = { complete: completeB, bound: sb.bound, throughput: tputB, steady: sb.steady, startupMs: sb.first - tStart, ...perUnit(mb4, sb.bound) };
      ctx.row({
        scenario: scen,
        case: `${o.pending} pods created first, then the controller started (first to last bind)${cappedB}`,
        value: `${tputB.toFixed(0)} pods/s`,
        p50: '',
        p99: '',
        raw: `${raw.throughput.toFixed(0)} bindings/s`,
        ratio: pct(tputB / raw.throughput),
        target: `>=${absTarget}/s, >=50% raw`,
        verdict: tputB >= absTarget && tputB / raw.throughput >= 0.5 ? 'PASS' : 'MISS',
      });
    }
  } finally {
    await stopCluster(ctx, c, scen);
  }
}

/** Scenario 2: nodes holding many pods; memory and idle CPU of every process. */
export async function holdScenario(ctx: BenchContext, o: SchedulerBenchOptions): Promise<void> {
  const scen = `hold ${o.holdNodes} nodes ${o.holdPods} pods`;
  const c = await startCluster(ctx, o, 'hold', o.holdNodes);
  const sim = c.sim as Component;
  const res: Record<string, unknown> = { registerMs: c.registerMs };
  ctx.results[scen] = res;
  try {
    c.ctrl = spawnController(ctx, c.entry, c.server.url, 'hold');
    await sleep(3000);
    const before = { apiserver: c.server.memory(), controller: c.ctrl.memory(), 'sim-nodes': sim.memory() };
    res.rssBeforePods = before;
    await ensureNamespace(c.server.url, 'hold');
    const w = new PodWatch(c.server.url, 'hold');
    await w.start();
    const names = podNames('h', o.holdPods);
    ctx.log(`creating ${o.holdPods} pods already bound (round-robin over ${o.holdNodes} nodes) at concurrency ${CONCURRENCY}; the sim nodes run them`);
    const t0 = nowMs();
    let allRunning = false;
    const fill = await measure(c, async () => {
      const created = await createPodsTimed(c.server.url, 'hold', names, { nodeName: (i) => `sim-${i % o.holdNodes}` });
      ctx.log(`  created at ${created.load.throughput.toFixed(0)}/s (p99 ${ms(summarize(created.load.latencies).p99)})`);
      try {
        await w.until(() => w.running.size >= o.holdPods, o.budgetSeconds * 1000, 'pods Running', () => `${w.running.size} Running`);
        allRunning = true;
      } catch (e) {
        if (!(e instanceof Error) || !e.message.startsWith('timed out')) throw e;
      }
      return created;
    });
    const tRunning = nowMs();
    ctx.log(`  ${allRunning ? 'all' : `only ${w.running.size} of ${o.holdPods}`} Running ${((tRunning - t0) / 1000).toFixed(1)} s after the first create${allRunning ? '' : ` (gave up after ${o.budgetSeconds} s more: the idle numbers below include the sim nodes catching up)`}; watch reconnects ${w.reconnects}`);
    ctx.log(`  ${describe(fill, o.holdPods, 'pod')}`);
    res.fill = { createThroughput: fill.result.load.throughput, allRunning, running: w.running.size, runningMs: tRunning - t0, watchReconnects: w.reconnects, watchErrors: w.errors, ...perUnit(fill, o.holdPods) };
    w.close();
    // Idle means the store sees only the node leases (one renewal per node per 10 s): the sim nodes may still be
    // writing status after the bench's watch saw every pod Running (at 30,000 pods: 150-300 writes/s for a while).
    const leaseRate = o.holdNodes / 10;
    const tSettle = nowMs();
    let rate = Number.POSITIVE_INFINITY;
    while (nowMs() - tSettle < o.budgetSeconds * 1000) {
      const r0 = await storeRevision(c.server.url);
      await sleep(5_000);
      rate = ((await storeRevision(c.server.url)) - r0) / 5;
      if (rate <= leaseRate * 1.25 + 2) break;
    }
    ctx.log(`  settled in ${((nowMs() - tSettle) / 1000).toFixed(0)} s: store writes ${rate.toFixed(0)}/s (node leases alone: ${leaseRate.toFixed(0)}/s); measuring ${o.idleSeconds} s of idle`);
    const idleM = await measure(c, () => sleep(o.idleSeconds * 1000));
    const idle = idleM.cpu;
    const after = { apiserver: c.server.memory(), controller: c.ctrl.memory(), 'sim-nodes': sim.memory() };
    // The live heap: each process reports its V8 heap after a full GC (RSS also holds garbage not yet collected).
    const heaps = { apiserver: await c.server.heap(), controller: await c.ctrl.heap(), 'sim-nodes': await sim.heap() };
    res.heapAfterGc = Object.fromEntries(Object.entries(heaps).map(([k, h]) => [k, h?.after]));
    res.idle = { seconds: o.idleSeconds, cpuMs: idle, ...perUnit(idleM, o.idleSeconds) };
    res.rss = after;
    ctx.log(`  idle: ${describe(idleM, o.idleSeconds, 'second')}`);
    for (const [k, m] of Object.entries(after)) {
      const b = before[k as keyof typeof before];
      const h = heaps[k as keyof typeof heaps]?.after;
      const heapTxt = h ? `; V8 heap used after a full GC ${mb(h.heapUsed)} (+ external ${mb(h.external)}), RSS then ${mb(h.rss)}` : '';
      ctx.log(`  ${k}: RSS ${mb(m.rss)} (peak ${mb(m.hwm)}), before the pods ${mb(b.rss)}: ${((m.rss - b.rss) / o.holdPods / 1024).toFixed(1)} KiB per pod${heapTxt}`);
      const cpuS = (idle[k] ?? 0) / 1000;
      ctx.row({
        scenario: `hold ${o.holdNodes} nodes`,
        case: `${k}, ${allRunning ? o.holdPods : `${w.running.size} of ${o.holdPods}`} pods Running: RSS (peak); live heap; idle CPU over ${o.idleSeconds} s`,
        value: `${mb(m.rss)} (${mb(m.hwm)}); heap after GC ${h ? mb(h.heapUsed) : '-'}; ${cpuS.toFixed(2)} CPU s = ${pct(cpuS / o.idleSeconds)} of a core`,
        p50: '',
        p99: '',
        raw: `RSS before pods ${mb(b.rss)}`,
        ratio: `+${((m.rss - b.rss) / o.holdPods / 1024).toFixed(1)} KiB/pod`,
        target: '(reported)',
        verdict: '',
      });
    }
  } finally {
    await stopCluster(ctx, c, scen);
  }
}
