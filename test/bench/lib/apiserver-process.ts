/**
 * The apiserver under test, in its own process (`node cli/main.ts apiserver ...`), so the load generator's CPU
 * is not charged to it and its RSS can be read from /proc.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { freePort } from '../../integration/framework/etcd.ts';
import { request } from './http.ts';
import { APISERVER_NODE_FLAGS } from '../../../deploy/node-flags.ts';

export type Backend = 'embedded' | 'etcd';

export interface APIServerProcess {
  backend: Backend;
  url: string;
  pid: number;
  /** The etcd prefix or the embedded data dir. */
  where: string;
  /** VmRSS and VmHWM of the server process, in bytes. */
  memory(): { rss: number; hwm: number };
  /**
   * The V8 view of the server's memory (test/bench/mem-probe.ts; only when spawned with memProbe): heap used
   * before and after a full GC, heap total, external. Note: it runs a full GC in the server.
   */
  heap(): Promise<HeapReport | undefined>;
  stop(): Promise<void>;
}

export interface SpawnOptions {
  backend: Backend;
  etcdEndpoint?: string;
  etcdPrefix?: string;
  /** When set, the server runs under `node --cpu-prof` and writes its profile here on stop(). */
  cpuProfDir?: string;
  /** The CLI entry: cli/main.ts (type stripping) or a compiled dist/cli/main.js (what bin/kubelab runs). */
  entry?: string;
  /** Extra node flags (e.g. --heapsnapshot-signal=SIGUSR2). */
  nodeFlags?: string[];
  /** Preload test/bench/mem-probe (a compiled .js next to a compiled entry, else the .ts) and report into this file. */
  memProbeFile?: string;
  /** Also append the server's stderr (its warn/error log lines) to this file. */
  logFile?: string;
  /** More `kubelab apiserver` flags (TLS, authentication, authorization). */
  serverArgs?: string[];
  /** Serve HTTPS (the serverArgs carry --tls-cert-file/--tls-private-key-file): readiness is polled with this agent. */
  tlsAgent?: import('node:http').Agent;
}

export interface HeapSample {
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  malloced: number;
  spaces: Record<string, number>;
}
export interface HeapReport {
  before: HeapSample;
  after: HeapSample;
}

/**
 * Asks a process running test/bench/mem-probe (SIGHUP) for a heap report and waits for the new line it appends
 * to `probeFile`; undefined if none comes within `timeoutMs`.
 */
export async function requestHeapReport(child: ChildProcess, probeFile: string, timeoutMs = 5_000): Promise<HeapReport | undefined> {
  const lines = () => (existsSync(probeFile) ? readFileSync(probeFile, 'utf8').split('\n').filter(Boolean) : []);
  const n = lines().length;
  child.kill('SIGHUP');
  for (let waited = 0; waited < timeoutMs; waited += 50) {
    await new Promise((r) => setTimeout(r, 50));
    const all = lines();
    if (all.length > n) return JSON.parse(all[all.length - 1] as string) as HeapReport;
  }
  return undefined;
}

const repoRoot = resolve(import.meta.dirname, '..', '..', '..');
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

export function readMemory(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    return m ? Number(m[1]) * 1024 : Number.NaN;
  };
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

export async function spawnAPIServer(opts: SpawnOptions): Promise<APIServerProcess> {
  const port = await freePort();
  let dataDir = '';
  const entry = opts.entry ?? join(repoRoot, 'cli', 'main.ts');
  // As bin/kubelab runs it (deploy/node-flags.ts); opts.nodeFlags come later, so they win.
  const args: string[] = [...APISERVER_NODE_FLAGS, ...(opts.nodeFlags ?? [])];
  // bin/kubelab runs the compiled CLI with source maps on; do the same for it.
  if (entry.endsWith('.js')) args.push('--enable-source-maps');
  if (opts.cpuProfDir) args.push('--cpu-prof', `--cpu-prof-dir=${opts.cpuProfDir}`);
  if (opts.memProbeFile) {
    // dist/cli/main.js -> dist/test/bench/mem-probe.js; cli/main.ts -> test/bench/mem-probe.ts
    const probe = join(dirname(dirname(entry)), 'test', 'bench', entry.endsWith('.js') ? 'mem-probe.js' : 'mem-probe.ts');
    args.push('--import', pathToFileURL(probe).href);
  }
  args.push(entry, 'apiserver', '--listen', `127.0.0.1:${port}`, '--log-level', 'warn', ...(opts.serverArgs ?? []));
  if (opts.backend === 'etcd') {
    if (!opts.etcdEndpoint || !opts.etcdPrefix) throw new Error('an etcd-backed apiserver needs etcdEndpoint and etcdPrefix');
    args.push('--etcd-servers', opts.etcdEndpoint, '--etcd-prefix', opts.etcdPrefix);
  } else {
    dataDir = mkdtempSync(join(tmpdir(), 'kubelab-bench-'));
    args.push('--data-dir', dataDir);
  }
  // process.execPath: the real Node 24 binary (not a wrapper), so child.pid is the server itself.
  const env = opts.memProbeFile ? { ...process.env, BENCH_MEM_PROBE_FILE: opts.memProbeFile } : process.env;
  const child = spawn(process.execPath, args, { cwd: repoRoot, env, stdio: ['ignore', 'ignore', 'pipe'] });
  live.add(child);
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (c: string) => {
    stderr = (stderr + c).slice(-8000);
    if (opts.logFile) appendFileSync(opts.logFile, c);
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.once('exit', () => live.delete(child));
  const url = `${opts.tlsAgent ? 'https' : 'http'}://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`apiserver exited during startup: ${stderr}`);
    try {
      const r = await request(`${url}/readyz`, { timeoutMs: 1000, ...(opts.tlsAgent ? { agent: opts.tlsAgent } : {}) });
      if (r.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`apiserver not ready after 30 s: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const pid = child.pid as number;
  return {
    backend: opts.backend,
    url,
    pid,
    where: opts.backend === 'etcd' ? `etcd ${opts.etcdPrefix}` : dataDir,
    memory: () => readMemory(pid),
    heap: () => (opts.memProbeFile ? requestHeapReport(child, opts.memProbeFile) : Promise.resolve(undefined)),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        // A profiled server needs a moment to write its profile; then it is killed regardless.
        const timer = setTimeout(() => child.kill('SIGKILL'), opts.cpuProfDir ? 20_000 : 5_000);
        await exited;
        clearTimeout(timer);
      }
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
      if (stderr.trim() && process.env.BENCH_VERBOSE) process.stderr.write(`[apiserver ${opts.backend} stderr]\n${stderr}\n`);
    },
  };
}
