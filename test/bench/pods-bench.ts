/**
 * `test/bench/run.sh pods [flags]`: the issue-5 benchmark, the node agent on a real containerd.
 *
 * One private containerd (test/integration/framework/containerd.ts, images localhost/pause:3.9 and
 * localhost/busybox:1.35 present), one apiserver process and one node agent process (`kubelab node`, the
 * compiled CLI as bin/kubelab runs it; BENCH_SERVER=ts runs `node cli/main.ts` instead). No scheduler: the pods
 * are created with spec.nodeName set.
 *
 * For each case and concurrency, in the same run and side by side:
 *   raw   the same sandbox and container configs (generated from the same pod objects by the agent's own
 *         config code) sent straight to containerd through RemoteRuntime: RunPodSandbox, then per container
 *         CreateContainer + StartContainer; the init container is also waited for (ContainerStatus every
 *         10 ms) until it exited. Timed from RunPodSandbox to the last StartContainer's reply.
 *   agent POST the pod, then wait on a pod watch for the first event with phase Running and Ready=True.
 *         Timed from just before the POST to the watch receive time (so the API create, the agent's pickup,
 *         its syncs, its status writes and the watch delivery are all in it).
 * Cases: single  one container;
 *        sidecar a regular init container (`true`), a native sidecar (restartPolicy Always) and the app.
 * Each round runs N pods (default 50) each way in waves of C pods started at once (C = the concurrency), raw and
 * agent waves alternating, so both sides see the same machine load (other work on a shared machine shifts it
 * within seconds; raw-then-agent rounds gave ratios off by 2x either way). Every pod stays up until the round
 * ends; then the agent's RSS (/proc/PID/status VmRSS and RssAnon, N pods running) is read, and every pod is
 * deleted (raw: StopPodSandbox + RemovePodSandbox; agent: through the API, waiting until the agent removed the
 * objects and containerd holds no sandbox). Agent CPU is counted during its own waves.
 * The agent-side timeline per pod comes from its Events: their names carry the agent's clock in ms
 * (`<pod>.<hex(ms * 1e6 + seq)>`), so "Started container X" is placed to the millisecond.
 *
 * Flags: --pods 50  --concurrency 1,10  --cases single,sidecar  --relist-ms N (run the agent with another PLEG
 *   relist period, through a tiny wrapper; default: the CLI as shipped)  --lean (that wrapper without changing
 *   anything: it loads only the node command, not every command as cli/main.ts does)
 * Environment: BENCH_CPU_PROF=DIR (the agent runs under node --cpu-prof, profile written to DIR at the end;
 *   summarize with `node test/bench/prof-top.ts DIR/*.cpuprofile`), BENCH_SERVER=ts, BENCH_OUT (JSON),
 *   BENCH_MARKDOWN=1, BENCH_VERBOSE=1 (agent stderr at the end), BENCH_NODE_FLAGS (extra node flags for the
 *   agent, e.g. --max-semi-space-size=1).
 * Targets (issue 5): agent p50 <= 1.3x the raw p50 of the same case and concurrency; p99 <= 2 s; agent RSS
 * <= 80 MB with 50 pods.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import { hostname, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { Container, Event, Node, Pod } from '../../shared/api/core-v1.ts';
import { newClientset, type Clientset } from '../../shared/client/clientset.ts';
import { fromFlags } from '../../shared/client/kubeconfig.ts';
import { isNotFound } from '../../shared/errors/status-error.ts';
import { RemoteRuntime } from '../../node-agent/cri/remote/remote-runtime.ts';
import type { ContainerConfig, PodSandboxConfig } from '../../node-agent/cri/services.ts';
import { generateContainerConfig, generatePodSandboxConfig } from '../../node-agent/kuberuntime/container-config.ts';
import { LABEL_POD_UID } from '../../node-agent/kuberuntime/labels.ts';
import { BUSYBOX_IMAGE, startContainerd, type ContainerdInstance } from '../integration/framework/containerd.ts';
import { BenchContext } from './lib/context.ts';
import { loadAverage, machineInfo, runBench, sh } from './lib/machine.ts';
import { requestHeapReport, spawnAPIServer, type APIServerProcess, type HeapReport } from './lib/apiserver-process.ts';
import { ensureNamespace } from './lib/pods.ts';
import { cpuMs } from './lib/proc.ts';
import { markdownTable, mb, ms, summarize, textTable, type Summary } from './lib/stats.ts';

type CaseName = 'single' | 'sidecar';
const NODE = 'bench-pods-node';
const NS = 'bench-pods';
/** Exits at once on SIGTERM (the shell is PID 1 of its PID namespace, so the trap is needed). */
const SLEEPER = ['sh', '-c', 'trap "exit 0" TERM; sleep 3600 & wait'];
const repoRoot = resolve(import.meta.dirname, '..', '..');

const TARGET_RATIO = 1.3;
const TARGET_P99_MS = 2000;
const TARGET_RSS = 80 * 1024 * 1024;

function podFor(kind: CaseName, name: string, uid?: string): Pod {
  const app: Container = { name: 'app', image: BUSYBOX_IMAGE, command: SLEEPER };
  const spec: Pod['spec'] = { nodeName: NODE, terminationGracePeriodSeconds: 5, containers: [app] };
  if (kind === 'sidecar') {
    spec.initContainers = [
      { name: 'init', image: BUSYBOX_IMAGE, command: ['true'] },
      { name: 'proxy', image: BUSYBOX_IMAGE, command: SLEEPER, restartPolicy: 'Always' },
    ];
  }
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: NS, ...(uid ? { uid } : {}) }, spec };
}

async function pool<T>(n: number, conc: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(conc, n) }, async () => {
      for (;;) {
        const i = next++;
        if (i >= n) return;
        out[i] = await fn(i);
      }
    }),
  );
  return out;
}

/** An error `until` does not retry. */
class FatalError extends Error {}

const sleep = (msec: number) => new Promise((r) => setTimeout(r, msec));

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs: number, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      if (err instanceof FatalError) throw err;
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await sleep(everyMs);
  }
}

// ------------------------------------------------------------------------------------------- the agent

interface AgentMemory {
  /** VmRSS, VmHWM, RssAnon (private) and RssFile (mapped files: mostly the node binary's text), bytes. */
  rss: number;
  hwm: number;
  anon: number;
  file: number;
}

function agentMemory(pid: number): AgentMemory {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM'), anon: kb('RssAnon'), file: kb('RssFile') };
}

interface AgentProcess {
  pid: number;
  memory(): AgentMemory;
  /** V8 heap numbers before and after a full GC (runs a GC in the agent). */
  heap(): Promise<HeapReport | undefined>;
  /** Throws (with the agent's stderr) if the process has exited. */
  check(): void;
  memory(): { rss: number; hwm: number };
  stop(): Promise<void>;
}

async function spawnAgent(o: {
  entry: string;
  url: string;
  cd: ContainerdInstance;
  cpuProfDir: string | undefined;
  relistMs: number | undefined;
  /** Start the agent through a small wrapper that loads only the node command, not the whole CLI. */
  lean: boolean;
  tmp: string;
  nodeFlags: string[];
}): Promise<AgentProcess> {
  const args: string[] = [...o.nodeFlags];
  if (o.entry.endsWith('.js')) args.push('--enable-source-maps');
  // test/bench/mem-probe: on SIGHUP the agent appends its V8 heap numbers (before/after a full GC) to a file.
  const memProbeFile = join(o.tmp, 'agent-mem.jsonl');
  args.push('--import', pathToFileURL(join(o.entry, '..', '..', 'test', 'bench', o.entry.endsWith('.js') ? 'mem-probe.js' : 'mem-probe.ts')).href);
  if (o.cpuProfDir) args.push('--cpu-prof', `--cpu-prof-dir=${o.cpuProfDir}`);
  const flags = [
    '--server', o.url,
    '--name', NODE,
    '--container-runtime-endpoint', o.cd.endpoint,
    '--root-dir', join(o.cd.rootDir, 'agent'),
    '--node-ip', o.cd.gateway,
    '--cgroup-prefix', o.cd.cgroupParent,
    '--pod-cidr', o.cd.subnet,
    '--port', '0',
    '--address', '127.0.0.1',
    '--log-level', 'warn',
  ];
  if (o.relistMs === undefined && !o.lean) {
    args.push(o.entry, 'node', ...flags);
  } else {
    // The same command through a wrapper: it imports only the node command (cli/main.ts imports every command)
    // and can set agent options the CLI has no flag for (the PLEG relist period).
    const main = o.entry.replace(/cli[/\\]main\.(ts|js)$/, 'node-agent/main.$1');
    const cmd = o.entry.replace(/cli[/\\]main\.(ts|js)$/, 'cli/node-command.$1');
    const wrapper = join(o.tmp, 'agent-relist.mjs');
    fs.writeFileSync(
      wrapper,
      [
        `import { nodeConfigFromFlags, nodeSpecs } from ${JSON.stringify(cmd)};`,
        `import { parseFlags } from ${JSON.stringify(cmd.replace(/node-command/, 'flags'))};`,
        `import { runNodeAgent } from ${JSON.stringify(main)};`,
        `import { log } from ${JSON.stringify(main.replace(/node-agent[/\\]main/, 'shared/util/log'))};`,
        `log.configure({ level: 'warn' });`,
        `const { values } = parseFlags(process.argv.slice(2), nodeSpecs);`,
        `const cfg = nodeConfigFromFlags(values);`,
        o.relistMs !== undefined ? `cfg.agent = { ...(cfg.agent ?? {}), relistPeriodMs: ${o.relistMs} };` : '',
        `const running = await runNodeAgent(cfg);`,
        `process.once('SIGTERM', () => void running.close().then(() => process.exit(0)));`,
      ].join('\n'),
    );
    args.push(wrapper, ...flags.filter((_, i, a) => a[i] !== '--log-level' && a[i - 1] !== '--log-level'));
  }
  const child: ChildProcess = spawn(process.execPath, args, { cwd: repoRoot, env: { ...process.env, BENCH_MEM_PROBE_FILE: memProbeFile }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (c: string) => {
    stderr = (stderr + c).slice(-20_000);
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  process.once('exit', () => child.kill('SIGKILL'));
  const pid = child.pid as number;
  return {
    pid,
    memory: () => agentMemory(pid),
    heap: () => requestHeapReport(child, memProbeFile),
    check() {
      if (child.exitCode !== null || child.signalCode !== null) throw new FatalError(`the node agent exited (${child.exitCode ?? child.signalCode}): ${stderr.slice(-3000)}`);
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), o.cpuProfDir ? 20_000 : 5_000);
        await exited;
        clearTimeout(timer);
      }
      if (stderr.trim() && process.env.BENCH_VERBOSE) process.stderr.write(`[agent stderr]\n${stderr}\n`);
    },
  };
}

// ------------------------------------------------------------------------------------ the pod watch

interface Track {
  t0: number;
  created?: number;
  /** First event carrying the agent's status (hostIP set). */
  firstStatus?: number;
  running?: number;
  modified: number;
  uid?: string;
  done: () => void;
  wait: Promise<void>;
}

class PodWatch {
  readonly tracks = new Map<string, Track>();
  #ac = new AbortController();
  #loop: Promise<void> | undefined;
  #cs: Clientset;

  constructor(cs: Clientset) {
    this.#cs = cs;
  }

  async start(): Promise<void> {
    const list = await this.#cs.pods.list(NS);
    let rv = list.metadata?.resourceVersion ?? '';
    const signal = this.#ac.signal;
    this.#loop = (async () => {
      while (!signal.aborted) {
        try {
          for await (const ev of this.#cs.pods.watch(NS, { resourceVersion: rv, signal, allowWatchBookmarks: true })) {
            const now = Date.now();
            if (ev.type === 'ERROR') {
              rv = (await this.#cs.pods.list(NS)).metadata?.resourceVersion ?? '';
              break;
            }
            const p = ev.object as Pod;
            rv = p.metadata.resourceVersion ?? rv;
            if (ev.type === 'BOOKMARK') continue;
            const t = this.tracks.get(p.metadata.name ?? '');
            if (!t || (t.uid && p.metadata.uid !== t.uid)) continue;
            if (ev.type === 'MODIFIED') t.modified++;
            if (t.firstStatus === undefined && p.status?.hostIP) t.firstStatus = now;
            const ready = p.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
            if (t.running === undefined && p.status?.phase === 'Running' && ready) {
              t.running = now;
              t.done();
            }
          }
        } catch (err) {
          if (signal.aborted) return;
          process.stderr.write(`[bench] pod watch broke, restarting: ${(err as Error).message}\n`);
          await sleep(100);
        }
      }
    })();
  }

  track(name: string): Track {
    let done!: () => void;
    const wait = new Promise<void>((r) => (done = r));
    const t: Track = { t0: 0, modified: 0, done, wait };
    this.tracks.set(name, t);
    return t;
  }

  async stop(): Promise<void> {
    this.#ac.abort();
    await this.#loop;
  }
}

// ---------------------------------------------------------------------------------------- rounds

interface RoundResult {
  side: 'raw' | 'agent';
  kind: CaseName;
  conc: number;
  latencies: number[];
  summary: Summary;
  /** Per-step medians (raw: CRI steps; agent: timeline from events and the watch). */
  steps: Record<string, Summary>;
  wallMs: number;
  cleanupMs: number;
  rss?: AgentMemory;
  /** The agent's V8 heap then, and its RSS right after that full GC. */
  heap?: HeapReport | undefined;
  rssAfterGc?: number;
  agentCpuMs?: number;
  statusEventsPerPod?: number;
}

function stepSummaries(rows: Record<string, number>[]): Record<string, Summary> {
  const keys = new Set(rows.flatMap((r) => Object.keys(r)));
  const out: Record<string, Summary> = {};
  for (const k of keys) out[k] = summarize(rows.map((r) => r[k]).filter((v): v is number => v !== undefined && Number.isFinite(v)));
  return out;
}

class Bench {
  readonly ctx: BenchContext;
  readonly cd: ContainerdInstance;
  readonly rt: RemoteRuntime;
  readonly cs: Clientset;
  readonly watch: PodWatch;
  readonly agent: AgentProcess;
  readonly rawRoot: string;
  readonly memoryCapacity = totalmem();
  #seq = 0;

  constructor(o: { ctx: BenchContext; cd: ContainerdInstance; cs: Clientset; agent: AgentProcess; watch: PodWatch }) {
    this.ctx = o.ctx;
    this.cd = o.cd;
    this.rt = new RemoteRuntime({ endpoint: o.cd.endpoint });
    this.cs = o.cs;
    this.agent = o.agent;
    this.watch = o.watch;
    this.rawRoot = join(o.cd.rootDir, 'raw');
  }

  // ---- raw CRI

  #sandboxConfig(pod: Pod): PodSandboxConfig {
    const uid = pod.metadata.uid ?? '';
    const cfg = generatePodSandboxConfig(pod, {
      attempt: 0,
      logDirectory: join(this.rawRoot, 'logs', `${NS}_${pod.metadata.name}_${uid}`),
      cgroupParent: `${this.cd.cgroupParent}/pod${uid}`,
      nodeHostname: NODE,
    });
    // Without the pod-uid label the agent's PLEG and housekeeping ignore these sandboxes (no orphan kills).
    delete cfg.labels?.[LABEL_POD_UID];
    return cfg;
  }

  #containerConfig(pod: Pod, c: Container): ContainerConfig {
    // Like the agent: a fresh termination-message file bind-mounted at /dev/termination-log.
    const dir = join(this.rawRoot, 'pods', pod.metadata.uid ?? '', 'containers', c.name);
    fs.mkdirSync(dir, { recursive: true });
    const file = join(dir, '0');
    fs.writeFileSync(file, '', { mode: 0o666 });
    const cfg = generateContainerConfig(pod, c, { restartCount: 0, image: BUSYBOX_IMAGE, env: [], mounts: [{ containerPath: '/dev/termination-log', hostPath: file }], memoryCapacity: this.memoryCapacity });
    delete cfg.labels?.[LABEL_POD_UID];
    return cfg;
  }

  async #rawPod(kind: CaseName): Promise<{ ms: number; sandboxId: string; steps: Record<string, number> }> {
    const pod = podFor(kind, `raw-${kind}-${this.#seq++}`, randomUUID());
    const sb = this.#sandboxConfig(pod);
    const configs = [...(pod.spec.initContainers ?? []), ...pod.spec.containers].map((c) => ({ c, cfg: this.#containerConfig(pod, c) }));
    const steps: Record<string, number> = {};
    const t0 = performance.now();
    fs.mkdirSync(sb.logDirectory ?? '', { recursive: true });
    const sandboxId = await this.rt.runPodSandbox(sb);
    let t = performance.now();
    steps['sandbox'] = t - t0;
    for (const { c, cfg } of configs) {
      const s = performance.now();
      const id = await this.rt.createContainer(sandboxId, cfg, sb);
      await this.rt.startContainer(id);
      if (c.name === 'init') {
        for (;;) {
          const st = await this.rt.containerStatus(id);
          if (st.status.state === 'CONTAINER_EXITED') break;
          await sleep(10);
        }
      }
      t = performance.now();
      steps[c.name] = t - s;
    }
    return { ms: t - t0, sandboxId, steps };
  }

  /** DELETE, retried on connection errors (a keep-alive socket the server closed); NotFound is done. */
  async #deletePod(name: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.cs.pods.delete(NS, name, {});
        return;
      } catch (err) {
        if (isNotFound(err)) return;
        if (attempt >= 5) throw err;
        await sleep(200);
      }
    }
  }

  async #agentPod(kind: CaseName, conc: number, names: string[]): Promise<void> {
    const name = `${kind}-c${conc}-${this.#seq++}`;
    names.push(name);
    const t = this.watch.track(name);
    t.t0 = Date.now();
    const created = (await this.cs.pods.create(podFor(kind, name))) as Pod;
    t.created = Date.now();
    t.uid = created.metadata.uid ?? '';
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      t.wait,
      new Promise((_, rej) => (timer = setTimeout(() => rej(new Error(`pod ${name} not Running and Ready within 60 s`)), 60_000))),
    ]).finally(() => clearTimeout(timer));
  }

  /**
   * One round: n pods each way, in waves of `conc` pods started at once, raw and agent waves alternating (so
   * both sides see the same machine load, which other work on a shared machine shifts within seconds). Every
   * pod stays up until the round ends; then the agent's memory is read (n pods running) and all is removed.
   */
  async round(kind: CaseName, n: number, conc: number): Promise<RoundResult[]> {
    const raw: { ms: number; sandboxId: string; steps: Record<string, number> }[] = [];
    const names: string[] = [];
    let rawWall = 0;
    let agentWall = 0;
    let agentCpuMs = 0;
    for (let done = 0; done < n; ) {
      const k = Math.min(conc, n - done);
      let t = performance.now();
      raw.push(...(await Promise.all(Array.from({ length: k }, () => this.#rawPod(kind)))));
      rawWall += performance.now() - t;
      const cpu0 = cpuMs(this.agent.pid);
      t = performance.now();
      await Promise.all(Array.from({ length: k }, () => this.#agentPod(kind, conc, names)));
      agentWall += performance.now() - t;
      agentCpuMs += cpuMs(this.agent.pid) - cpu0;
      done += k;
    }
    await sleep(500); // let the trailing writes (events, status) land before reading memory and events
    const rss = this.agent.memory();
    const heap = await this.agent.heap();
    const rssAfterGc = this.agent.memory().rss;
    const tracks = names.map((nm) => this.watch.tracks.get(nm) as Track);
    const latencies = tracks.map((t) => (t.running as number) - t.t0);
    // The agent's timeline from its Events (their names carry the agent's clock in ms).
    const started = new Map<string, Record<string, number>>();
    const evs = (await this.cs.events.list(NS)).items as Event[];
    for (const e of evs) {
      if (e.reason !== 'Started' && e.reason !== 'Created') continue;
      const uid = e.involvedObject.uid ?? '';
      const m = /\.([0-9a-f]+)$/.exec(e.metadata.name ?? '');
      if (!m?.[1]) continue;
      const at = Number(BigInt(`0x${m[1]}`) / 1_000_000n);
      const cname = /\{(.+)\}$/.exec(e.involvedObject.fieldPath ?? '')?.[1] ?? '';
      const rec = started.get(uid) ?? {};
      rec[`${e.reason}:${cname}`] = at;
      started.set(uid, rec);
    }
    const rows = tracks.map((t) => {
      const ev = started.get(t.uid ?? '') ?? {};
      const order = kind === 'sidecar' ? ['init', 'proxy', 'app'] : ['app'];
      const r: Record<string, number> = {
        'API create': (t.created ?? NaN) - t.t0,
        'first agent status seen': (t.firstStatus ?? NaN) - t.t0,
      };
      let prev = t.t0;
      let prevName = 'create';
      for (const c of order) {
        const at = ev[`Started:${c}`];
        if (at === undefined) continue;
        r[`${prevName} -> ${c} started`] = at - prev;
        if (c === 'init') {
          const cr = ev['Created:init'];
          if (cr !== undefined) r['create -> init created'] = cr - t.t0;
        }
        prev = at;
        prevName = c;
      }
      r[`${prevName} started -> Running seen`] = (t.running ?? NaN) - prev;
      return r;
    });
    const statusEventsPerPod = tracks.reduce((a, t) => a + t.modified, 0) / tracks.length;
    // Clean up: the raw pods through CRI; the agent's through the API (it kills, removes, then deletes them).
    let c0 = performance.now();
    await pool(raw.length, 10, async (i) => {
      const id = (raw[i] as { sandboxId: string }).sandboxId;
      await this.rt.stopPodSandbox(id);
      await this.rt.removePodSandbox(id);
    });
    fs.rmSync(this.rawRoot, { recursive: true, force: true });
    const rawCleanupMs = performance.now() - c0;
    c0 = performance.now();
    await Promise.all(names.map((nm) => this.#deletePod(nm)));
    await until('the agent to remove every pod', async () => ((await this.cs.pods.list(NS)).items.length === 0 ? true : undefined), 120_000, 200);
    await until('containerd to hold no sandbox', async () => ((await this.rt.listPodSandbox()).length === 0 ? true : undefined), 60_000, 200);
    const cleanupMs = performance.now() - c0;
    for (const nm of names) this.watch.tracks.delete(nm);
    const rawLat = raw.map((r) => r.ms);
    return [
      { side: 'raw', kind, conc, latencies: rawLat, summary: summarize(rawLat), steps: stepSummaries(raw.map((r) => r.steps)), wallMs: rawWall, cleanupMs: rawCleanupMs },
      { side: 'agent', kind, conc, latencies, summary: summarize(latencies), steps: stepSummaries(rows), wallMs: agentWall, cleanupMs, rss, heap, rssAfterGc, agentCpuMs, statusEventsPerPod },
    ];
  }
}

// ------------------------------------------------------------------------------------------ main

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      pods: { type: 'string', default: '50' },
      concurrency: { type: 'string', default: '1,10' },
      cases: { type: 'string', default: 'single,sidecar' },
      'relist-ms': { type: 'string' },
      lean: { type: 'boolean', default: false },
    },
  });
  const n = Number(values.pods);
  const concs = String(values.concurrency).split(',').map(Number);
  const cases = String(values.cases).split(',') as CaseName[];
  for (const c of cases) if (c !== 'single' && c !== 'sidecar') throw new Error(`unknown case ${c}; known: single, sidecar`);
  if (!Number.isInteger(n) || n <= 0 || concs.some((c) => !Number.isInteger(c) || c <= 0)) throw new Error('--pods and --concurrency take positive integers');
  const relistMs = values['relist-ms'] !== undefined ? Number(values['relist-ms']) : undefined;

  const ctx = new BenchContext();
  const info = machineInfo({
    containerd: sh('containerd', ['--version']),
    runc: sh('runc', ['--version']).split('\n')[0] ?? '?',
    host: hostname(),
    agent: `${ctx.serverMode === 'dist' ? 'compiled CLI (as bin/kubelab)' : 'node cli/main.ts'}${relistMs !== undefined || values.lean ? ' through a wrapper that loads only the node command' : ''}${relistMs !== undefined ? `, PLEG relist ${relistMs} ms` : ''}${ctx.nodeFlags.length ? `, node flags ${ctx.nodeFlags.join(' ')}` : ''}`,
  });
  ctx.log(`machine: ${JSON.stringify(info)}`);
  let cd: ContainerdInstance | undefined;
  let server: APIServerProcess | undefined;
  let agent: AgentProcess | undefined;
  let watch: PodWatch | undefined;
  const results: RoundResult[] = [];
  const failures: string[] = [];
  const cleanup = async () => {
    await watch?.stop().catch(() => undefined);
    await agent?.stop().catch(() => undefined);
    await server?.stop().catch(() => undefined);
    await cd?.stop().catch(() => undefined);
    await ctx.close().catch(() => undefined);
  };
  const onSignal = () => void cleanup().finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const entryP = ctx.serverEntry();
    cd = await startContainerd({ name: 'bench-pods' });
    ctx.log(`containerd ${cd.id} pid ${cd.pid}, subnet ${cd.subnet}`);
    const entry = await entryP;
    if (entry.endsWith('.js')) {
      // The compiled tree in the run's temp dir has no api.proto (tsc copies only code); RemoteRuntime looks
      // for it next to itself.
      const proto = join(entry, '..', '..', 'node-agent', 'cri', 'api.proto');
      if (!fs.existsSync(proto)) fs.copyFileSync(join(repoRoot, 'node-agent', 'cri', 'api.proto'), proto);
    }
    server = await spawnAPIServer({ backend: 'embedded', entry });
    ctx.log(`apiserver pid ${server.pid} at ${server.url}`);
    await ensureNamespace(server.url, NS);
    const cs = newClientset({ ...fromFlags({ server: server.url }), userAgent: 'bench-pods' });
    agent = await spawnAgent({ entry, url: server.url, cd, cpuProfDir: ctx.cpuProfDir, relistMs, lean: values.lean, tmp: ctx.tmp, nodeFlags: ctx.nodeFlags });
    ctx.log(`node agent pid ${agent.pid}${ctx.cpuProfDir ? ` (--cpu-prof into ${ctx.cpuProfDir})` : ''}`);
    await until(
      'the node to be Ready',
      async () => {
        agent?.check();
        const node = (await cs.nodes.get('', NODE)) as Node;
        return node.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True' ? true : undefined;
      },
      60_000,
      100,
    );
    const idle = agent.memory();
    ctx.log(`node Ready; agent RSS idle ${mb(idle.rss)}`);
    watch = new PodWatch(cs);
    await watch.start();
    const bench = new Bench({ ctx, cd, cs, agent, watch });
    // Warm-up (not counted): one pod each way, so first-use costs (JIT, snapshot paths) are out of the numbers.
    await bench.round('single', 2, 1);
    for (const kind of cases) {
      for (const conc of concs) {
        ctx.log(`${kind} x${n} each way, waves of ${conc}`);
        try {
          for (const r of await bench.round(kind, n, conc)) {
            results.push(r);
            ctx.log(`  ${r.side}: p50 ${ms(r.summary.p50)} p99 ${ms(r.summary.p99)} (waves ${ms(r.wallMs)}, cleanup ${ms(r.cleanupMs)})${r.rss ? `, agent RSS ${mb(r.rss.rss)}, CPU ${ms(r.agentCpuMs)}` : ''}`);
          }
        } catch (e) {
          failures.push(`${kind} c${conc}: ${(e as Error).stack ?? String(e)}`);
          ctx.log(`  FAILED: ${(e as Error).message}`);
        }
      }
    }
    results.push({ side: 'agent', kind: 'single', conc: 0, latencies: [], summary: summarize([]), steps: {}, wallMs: 0, cleanupMs: 0, rss: idle });
  } finally {
    await cleanup();
  }

  // ---- report
  const find = (side: 'raw' | 'agent', kind: CaseName, conc: number) => results.find((r) => r.side === side && r.kind === kind && r.conc === conc);
  const header = ['case', 'conc', 'agent p50', 'agent p99', 'raw p50', 'raw p99', 'p50 ratio', 'p99 ratio', 'target', 'verdict'];
  const rows: string[][] = [];
  let maxRss = 0;
  let maxHwm = 0;
  for (const kind of cases) {
    for (const conc of concs) {
      const a = find('agent', kind, conc);
      const r = find('raw', kind, conc);
      if (!a || !r) continue;
      const ratio50 = a.summary.p50 / r.summary.p50;
      const ratio99 = a.summary.p99 / r.summary.p99;
      const pass = ratio50 <= TARGET_RATIO && a.summary.p99 <= TARGET_P99_MS;
      rows.push([kind, String(conc), ms(a.summary.p50), ms(a.summary.p99), ms(r.summary.p50), ms(r.summary.p99), `${ratio50.toFixed(2)}x`, `${ratio99.toFixed(2)}x`, `p50 <= ${TARGET_RATIO}x, p99 <= 2 s`, pass ? 'PASS' : 'MISS']);
      maxRss = Math.max(maxRss, a.rss?.rss ?? 0);
      maxHwm = Math.max(maxHwm, a.rss?.hwm ?? 0);
    }
  }
  const idle = results.find((r) => r.conc === 0)?.rss;
  const maxAnon = Math.max(0, ...results.filter((r) => r.side === 'agent' && r.conc > 0).map((r) => r.rss?.anon ?? 0));
  rows.push([`agent VmRSS, ${n} pods running`, '', mb(maxRss), `HWM ${mb(maxHwm)}`, `idle ${mb(idle?.rss ?? NaN)}`, '', '', '', '<= 80 MB', maxRss <= TARGET_RSS ? 'PASS' : 'MISS']);
  rows.push([`  of which anonymous (RssAnon)`, '', mb(maxAnon), '', `idle ${mb(idle?.anon ?? NaN)}`, '', '', '', '', '']);
  const stepHeader = ['round', 'step', 'p50', 'p99', 'max'];
  const stepRows: string[][] = [];
  const notes: string[][] = [];
  for (const r of results) {
    if (r.conc === 0) continue;
    for (const [k, s] of Object.entries(r.steps)) stepRows.push([`${r.side} ${r.kind} c${r.conc}`, k, ms(s.p50), ms(s.p99), ms(s.max)]);
    if (r.heap) {
      const b = r.heap.before;
      notes.push([`${r.side} ${r.kind} c${r.conc}`, `memory: RSS ${mb(r.rss?.rss ?? NaN)} = ${mb(r.rss?.anon ?? NaN)} anonymous + ${mb(r.rss?.file ?? NaN)} file-backed; V8 heap used ${mb(b.heapUsed)} of ${mb(b.heapTotal)} (new space ${mb(b.spaces['new_space'] ?? NaN)}, code ${mb(b.spaces['code_space'] ?? NaN)}), external ${mb(b.external)}, malloced ${mb(b.malloced)}; after a full GC heap used ${mb(r.heap.after.heapUsed)}, RSS ${mb(r.rssAfterGc ?? NaN)}`]);
    }
    const extra = r.side === 'agent' ? `, agent CPU ${ms(r.agentCpuMs)} (${ms((r.agentCpuMs ?? 0) / r.latencies.length)}/pod), ${r.statusEventsPerPod?.toFixed(1)} pod watch MODIFIED events/pod until Running` : '';
    notes.push([`${r.side} ${r.kind} c${r.conc}`, `its waves ${ms(r.wallMs)}, cleanup of ${r.latencies.length} pods ${ms(r.cleanupMs)}${extra}`]);
  }
  const out = process.env.BENCH_OUT || join(tmpdir(), `kubelab-bench-pods-${ctx.id}.json`);
  fs.writeFileSync(out, JSON.stringify({ machine: info, results, failures }, null, 2));
  const loadEnd = loadAverage();
  process.stdout.write(`\nkubelab node agent on containerd (issue 5), ${info.date}\n`);
  process.stdout.write(`machine: nproc ${info.nproc}, ${info.memory}, kernel ${info.kernel}, node ${info.node}, ${info.containerd}, ${info.runc}\nagent: ${info.agent}, its own process; ${n} pods per round\nload average at start ${info.loadavg}, at end ${loadEnd}\n\n`);
  process.stdout.write(textTable(header, rows) + '\n\n');
  process.stdout.write(textTable(stepHeader, stepRows) + '\n\n');
  process.stdout.write(notes.map(([round, note]) => `${(round ?? '').padEnd(18)}${note ?? ''}`).join('\n') + '\n\n');
  if (process.env.BENCH_MARKDOWN) process.stdout.write(markdownTable(header, rows) + '\n\n' + markdownTable(stepHeader, stepRows) + '\n\n');
  process.stdout.write(`total ${((Date.now() - ctx.started) / 1000).toFixed(0)} s; all measurements in ${out}\n`);
  if (failures.length) {
    process.stderr.write(`\n${failures.length} round(s) failed:\n${failures.join('\n')}\n`);
    return 1;
  }
  return 0;
}

runBench('bench pods', () => main(process.argv.slice(2)));
