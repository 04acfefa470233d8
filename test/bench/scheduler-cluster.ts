/**
 * The processes of the issue-4 benchmarks (test/bench/scheduler-bench.ts), each its own OS process so its RSS
 * and CPU can be read from /proc: `kubelab sim-nodes`, `kubelab controller` (the apiserver comes from
 * BenchContext.spawn). Also the pod watch the benchmarks time bindings with, and node readiness polling.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BenchContext } from './lib/context.ts';
import { getJSON } from './lib/http.ts';
import { readMemory, requestHeapReport, type HeapReport } from './lib/apiserver-process.ts';
import { nowMs } from './lib/stats.ts';

export interface Component {
  name: string;
  pid: number;
  logFile: string;
  memory(): { rss: number; hwm: number };
  /** V8 heap before and after a full GC (test/bench/mem-probe.ts, preloaded); undefined if it did not answer. */
  heap(): Promise<HeapReport | undefined>;
  running(): boolean;
  /** SIGTERM, then SIGKILL after a grace (longer under --cpu-prof so the profile gets written). */
  stop(): Promise<void>;
  /** WARN/ERROR lines of its log, grouped by message (the text after the level), most frequent first. */
  problems(): { message: string; count: number }[];
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

/** Where the components' logs go; kept after the run (the run's temp dir is not). */
export function logDir(ctx: BenchContext): string {
  const dir = join(tmpdir(), `kubelab-bench-scheduler-logs-${ctx.id}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Runs `<entry> <args>` (the kubelab CLI) under the bench's Node with its stderr in a log file. */
export function spawnKubelab(ctx: BenchContext, entry: string, name: string, args: string[]): Component {
  const logFile = join(logDir(ctx), `${name}.log`);
  const fd = openSync(logFile, 'a');
  const nodeArgs: string[] = [...ctx.nodeFlags];
  if (entry.endsWith('.js')) nodeArgs.push('--enable-source-maps');
  if (ctx.cpuProfDir) nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${ctx.cpuProfDir}`, `--cpu-prof-name=${name}-${Date.now()}.cpuprofile`);
  // The memory probe the apiserver gets too: dist/cli/main.js -> dist/test/bench/mem-probe.js, cli/main.ts -> test/bench/mem-probe.ts.
  const probe = join(dirname(dirname(entry)), 'test', 'bench', entry.endsWith('.js') ? 'mem-probe.js' : 'mem-probe.ts');
  const probeFile = join(logDir(ctx), `${name}.mem.jsonl`);
  nodeArgs.push('--import', pathToFileURL(probe).href);
  const child = spawn(process.execPath, [...nodeArgs, entry, ...args], { stdio: ['ignore', fd, fd], env: { ...process.env, BENCH_MEM_PROBE_FILE: probeFile } });
  closeSync(fd);
  live.add(child);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.once('exit', () => live.delete(child));
  const pid = child.pid as number;
  return {
    name,
    pid,
    logFile,
    memory: () => readMemory(pid),
    heap: () => requestHeapReport(child, probeFile, 10_000),
    running: () => child.exitCode === null && child.signalCode === null,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), ctx.cpuProfDir ? 30_000 : 10_000);
      await exited;
      clearTimeout(timer);
    },
    problems() {
      const counts = new Map<string, number>();
      let text = '';
      try {
        text = readFileSync(logFile, 'utf8');
      } catch {
        return [];
      }
      for (const line of text.split('\n')) {
        const m = /\b(WARN |ERROR)\s+(.*)$/.exec(line);
        if (!m) continue;
        // Group by the constant message: drop the key=value fields that follow it.
        const msg = `${m[1]?.trim()} ${(m[2] ?? '').replace(/\s+[\w.-]+=.*$/, '')}`;
        counts.set(msg, (counts.get(msg) ?? 0) + 1);
      }
      return [...counts].map(([message, count]) => ({ message, count })).sort((a, b) => b.count - a.count);
    },
  };
}

export interface SimNodeOptions {
  count: number;
  cpu: string;
  memory: string;
  pods: number;
}

export function spawnSimNodes(ctx: BenchContext, entry: string, url: string, tag: string, o: SimNodeOptions): Component {
  return spawnKubelab(ctx, entry, `sim-nodes-${tag}`, [
    'sim-nodes', '--server', url, '--count', String(o.count), '--name-prefix', 'sim-',
    '--cpu', o.cpu, '--memory', o.memory, '--pods', String(o.pods),
    '--cluster-cidr', '10.128.0.0/9', '--log-level', 'warn', '--port', '0',
  ]);
}

/** The controller manager with every controller on (the scheduler among them), as `kubelab controller` runs. */
export function spawnController(ctx: BenchContext, entry: string, url: string, tag: string, schedulerOnly = false): Component {
  // The node IPAM range matches the sim nodes' own pod CIDRs, so it leaves them alone.
  const only = schedulerOnly ? ['--controllers', 'scheduler'] : [];
  return spawnKubelab(ctx, entry, `controller-${tag}`, ['controller', '--server', url, '--cluster-cidr', '10.128.0.0/9', '--log-level', 'warn', ...only]);
}

interface NodeList {
  items: { metadata: { name: string }; status?: { conditions?: { type: string; status: string }[] } }[];
}

/** Polls the node list until `count` nodes report Ready=True; returns the milliseconds it took. */
export async function waitNodesReady(ctx: BenchContext, url: string, count: number, timeoutMs: number, alive: () => boolean): Promise<number> {
  const t0 = nowMs();
  let last = -1;
  for (;;) {
    const list = await getJSON<NodeList>(`${url}/api/v1/nodes`, { timeoutMs: 60_000 });
    const ready = list.items.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length;
    if (ready !== last) ctx.log(`  nodes: ${list.items.length} registered, ${ready} Ready`);
    last = ready;
    if (ready >= count) return nowMs() - t0;
    if (!alive()) throw new Error('sim-nodes exited before its nodes were Ready');
    if (nowMs() - t0 > timeoutMs) throw new Error(`only ${ready}/${count} nodes Ready after ${(timeoutMs / 1000).toFixed(0)} s`);
    await new Promise((r) => setTimeout(r, count > 1000 ? 3000 : 1000));
  }
}

interface WatchEvent {
  type: string;
  object: {
    metadata?: { name?: string; resourceVersion?: string };
    spec?: { nodeName?: string };
    status?: { phase?: string; code?: number; message?: string };
  };
}

/**
 * A watch on the pods of one namespace (JSON stream), recording per pod the monotonic time the bench first saw
 * spec.nodeName set (the MODIFIED event of its binding) and the time it first saw phase Running. Reconnects
 * from the last resourceVersion when the server ends the watch, and counts those cut-offs.
 */
export class PodWatch {
  readonly bound = new Map<string, number>();
  readonly running = new Map<string, number>();
  readonly nodeOf = new Map<string, string>();
  events = 0;
  reconnects = 0;
  errors: string[] = [];
  #rv = '';
  #req: http.ClientRequest | undefined;
  #closed = false;
  #waiters: (() => void)[] = [];
  readonly #url: string;
  readonly #ns: string;

  constructor(url: string, ns: string) {
    this.#url = url;
    this.#ns = ns;
  }

  /** Lists (to learn the resourceVersion) and starts watching; resolves once the watch is established. */
  async start(): Promise<void> {
    const list = await getJSON<{ metadata: { resourceVersion: string }; items: WatchEvent['object'][] }>(`${this.#url}/api/v1/namespaces/${this.#ns}/pods`);
    for (const p of list.items) this.#see(p);
    this.#rv = list.metadata.resourceVersion;
    await this.#connect();
  }

  #connect(): Promise<void> {
    return new Promise((resolve, reject) => {
      const path = `/api/v1/namespaces/${this.#ns}/pods?watch=1&resourceVersion=${encodeURIComponent(this.#rv)}&allowWatchBookmarks=true`;
      const req = http.get(`${this.#url}${path}`, { headers: { Accept: 'application/json' } }, (res) => {
        if (res.statusCode !== 200) {
          reject(new Error(`watch pods in ${this.#ns}: HTTP ${res.statusCode}`));
          res.resume();
          return;
        }
        resolve();
        res.setEncoding('utf8');
        let buf = '';
        res.on('data', (chunk: string) => {
          buf += chunk;
          let nl = buf.indexOf('\n');
          while (nl >= 0) {
            const line = buf.slice(0, nl);
            buf = buf.slice(nl + 1);
            if (line.trim()) this.#onLine(line);
            nl = buf.indexOf('\n');
          }
        });
        res.on('end', () => this.#ended('the server ended the watch'));
        res.on('error', (e) => this.#ended(`watch stream error: ${e.message}`));
      });
      req.on('error', (e) => {
        reject(e);
        this.#ended(`watch request error: ${e.message}`);
      });
      this.#req = req;
    });
  }

  #ended(why: string): void {
    if (this.#closed) return;
    this.reconnects++;
    this.errors.push(why);
    setTimeout(() => {
      if (!this.#closed) this.#connect().catch((e: unknown) => this.errors.push(`reconnect: ${String(e)}`));
    }, 200);
  }

  #onLine(line: string): void {
    const ev = JSON.parse(line) as WatchEvent;
    this.events++;
    if (ev.type === 'ERROR') {
      this.errors.push(`ERROR event: ${ev.object.status?.code} ${ev.object.status?.message}`);
      return;
    }
    if (ev.object.metadata?.resourceVersion) this.#rv = ev.object.metadata.resourceVersion;
    if (ev.type === 'BOOKMARK') return;
    this.#see(ev.object);
  }

  #see(p: WatchEvent['object']): void {
    const name = p.metadata?.name;
    if (!name) return;
    const t = nowMs();
    let changed = false;
    if (p.spec?.nodeName && !this.bound.has(name)) {
      this.bound.set(name, t);
      this.nodeOf.set(name, p.spec.nodeName);
      changed = true;
    }
    if (p.status?.phase === 'Running' && !this.running.has(name)) {
      this.running.set(name, t);
      changed = true;
    }
    if (changed && this.#waiters.length) for (const w of this.#waiters.splice(0)) w();
  }

  /** Waits until `pred()` holds (checked on every bind/running change), or throws after timeoutMs. */
  async until(pred: () => boolean, timeoutMs: number, what: string, progress?: () => string): Promise<void> {
    const t0 = nowMs();
    let lastLog = t0;
    while (!pred()) {
      if (nowMs() - t0 > timeoutMs) throw new Error(`timed out after ${(timeoutMs / 1000).toFixed(0)} s waiting for ${what}${progress ? ` (${progress()})` : ''}`);
      await new Promise<void>((r) => {
        const timer = setTimeout(r, 1000);
        this.#waiters.push(() => {
          clearTimeout(timer);
          r();
        });
      });
      if (progress && nowMs() - lastLog > 10_000) {
        lastLog = nowMs();
        process.stderr.write(`          ... ${progress()}\n`);
      }
    }
  }

  close(): void {
    this.#closed = true;
    this.#req?.destroy();
  }
}

/** The store's current revision (resourceVersion of a list): the difference over a phase counts its writes. */
export async function storeRevision(url: string): Promise<number> {
  const list = await getJSON<{ metadata: { resourceVersion: string } }>(`${url}/api/v1/namespaces?limit=1`, { timeoutMs: 60_000 });
  return Number(list.metadata.resourceVersion);
}

/**
 * Responsiveness of the apiserver while a phase runs: GET /healthz every 250 ms on its own connection. Slow
 * answers here mean a blocked or saturated event loop; slow writes with fast probes mean queueing in storage.
 */
export class HealthProbe {
  readonly latencies: number[] = [];
  /** Probes slower than 1 s: [seconds since the probe started, latency ms]. */
  readonly stalls: [number, number][] = [];
  /** The bench's own event-loop delay (a starved bench would inflate the probe latencies). */
  readonly #selfDelay = monitorEventLoopDelay({ resolution: 20 });
  #timer: NodeJS.Timeout | undefined;
  #agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  #inFlight = false;
  readonly #t0 = nowMs();

  constructor(url: string) {
    this.#selfDelay.enable();
    this.#timer = setInterval(() => {
      if (this.#inFlight) return;
      this.#inFlight = true;
      const t0 = nowMs();
      const req = http.get(`${url}/healthz`, { agent: this.#agent }, (res) => {
        res.resume();
        res.on('end', () => {
          const l = nowMs() - t0;
          this.latencies.push(l);
          if (l > 1000) this.stalls.push([Math.round((t0 - this.#t0) / 100) / 10, Math.round(l)]);
          this.#inFlight = false;
        });
      });
      req.on('error', () => {
        this.#inFlight = false;
      });
    }, 250);
  }

  /** Stops probing; the bench's own event-loop delay p99 and max in ms. */
  stop(): { latencies: number[]; selfDelayP99: number; selfDelayMax: number } {
    clearInterval(this.#timer);
    this.#agent.destroy();
    this.#selfDelay.disable();
    return { latencies: this.latencies, selfDelayP99: this.#selfDelay.percentile(99) / 1e6, selfDelayMax: this.#selfDelay.max / 1e6 };
  }
}

/**
 * Nanoseconds a process's main thread (the Node event loop) spent waiting on a run queue for a CPU
 * (/proc/PID/schedstat, second field). Growing fast while the process is busy means the machine, not the
 * process, is the limit.
 */
export function runQueueWaitMs(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/schedstat`, 'utf8').trim().split(/\s+/);
    return Number(f[1]) / 1e6;
  } catch {
    return Number.NaN;
  }
}
