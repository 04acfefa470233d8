/** What the scenarios share in one run: etcd, populated apiservers, result rows, temp space. */
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startEtcd, type EtcdHandle } from '../../integration/framework/etcd.ts';
import { spawnAPIServer, type APIServerProcess, type Backend, type HeapReport } from './apiserver-process.ts';
import { createPods, ensureNamespace, names, podBodies } from './pods.ts';
import type { LoadResult } from './http.ts';

export interface Row {
  scenario: string;
  case: string;
  /** Throughput, or the headline number of the case. */
  value: string;
  p50: string;
  p99: string;
  /** The raw limit measured in this run, and the case against it. */
  raw: string;
  ratio: string;
  target: string;
  verdict: 'PASS' | 'MISS' | '';
}

export interface Populated {
  server: APIServerProcess;
  namespace: string;
  pods: number;
  /** RSS of the idle server before the pods went in. */
  baseline: { rss: number; hwm: number };
  /** Its V8 heap then (mem-probe). */
  baselineHeap: HeapReport | undefined;
  load: LoadResult;
}

/** A positive numeric knob from the environment (BENCH_*), or the default; anything else is an error. */
export function envInt(name: string, dflt: number): number {
  const v = process.env[name];
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got ${JSON.stringify(v)}`);
  return Math.floor(n);
}

export class BenchContext {
  readonly id = `${Date.now().toString(36)}${process.pid.toString(36)}`;
  readonly tmp = mkdtempSync(join(tmpdir(), 'kubelab-bench-run-'));
  readonly rows: Row[] = [];
  readonly results: Record<string, unknown> = {};
  readonly cpuProfDir = process.env.BENCH_CPU_PROF || undefined;
  /** Knobs (environment): sizes are bounded so the whole run stays within minutes on 2 cores. */
  readonly createN = envInt('BENCH_CREATE_N', 3000);
  readonly createRepeats = envInt('BENCH_CREATE_REPEATS', 3);
  readonly listPods = envInt('BENCH_LIST_PODS', 10_000);
  readonly listIters = envInt('BENCH_LIST_ITERS', 30);
  readonly watchers = envInt('BENCH_WATCHERS', 1000);
  readonly watchWrites = envInt('BENCH_WATCH_WRITES', 20);
  readonly started = Date.now();
  /** 'dist' (default): the compiled CLI, as bin/kubelab runs it; 'ts': node cli/main.ts (type stripping). */
  readonly serverMode: 'dist' | 'ts' = process.env.BENCH_SERVER === 'ts' ? 'ts' : 'dist';
  readonly nodeFlags = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);
  #etcd: Promise<EtcdHandle> | undefined;
  #entry: Promise<string> | undefined;
  readonly #populated = new Map<string, Promise<Populated>>();
  readonly #servers: APIServerProcess[] = [];

  log(msg: string): void {
    const s = ((Date.now() - this.started) / 1000).toFixed(1).padStart(6);
    process.stderr.write(`[bench ${s}s] ${msg}\n`);
  }

  etcd(): Promise<EtcdHandle> {
    this.#etcd ??= startEtcd().then((h) => {
      this.log(`etcd at ${h.endpoint}`);
      return h;
    });
    return this.#etcd;
  }

  /**
   * The apiserver entry point. In dist mode the tree is compiled once per run into this run's temp dir (never the
   * shared dist/, which test runs delete and rebuild), with node_modules linked in.
   */
  serverEntry(): Promise<string> {
    this.#entry ??= (async () => {
      const root = resolve(import.meta.dirname, '..', '..', '..');
      if (this.serverMode === 'ts') return join(root, 'cli', 'main.ts');
      const out = join(this.tmp, 'dist');
      this.log(`compiling the tree into ${out} (BENCH_SERVER=ts skips this)`);
      const tsc = join(root, 'node_modules', '.bin', 'tsc');
      const errors = await new Promise<string>((res) => {
        execFile(tsc, ['-p', join(root, 'tsconfig.json'), '--outDir', out], { cwd: root, maxBuffer: 64 << 20 }, (err, stdout) => res(err ? stdout : ''));
      });
      const entry = join(out, 'cli', 'main.js');
      if (!existsSync(entry)) throw new Error(`tsc produced no ${entry}: ${errors.slice(0, 2000)}`);
      if (errors) this.log(`note: tsc reported type errors (JS still emitted):\n${errors.split('\n').slice(0, 5).join('\n')}`);
      symlinkSync(join(root, 'node_modules'), join(out, 'node_modules'));
      copyFileSync(join(root, 'package.json'), join(out, 'package.json'));
      return entry;
    })();
    return this.#entry;
  }

  async spawn(backend: Backend, tag: string, extraNodeFlags: string[] = [], logFile?: string): Promise<APIServerProcess> {
    const etcd = backend === 'etcd' ? await this.etcd() : undefined;
    const entry = await this.serverEntry();
    const s = await spawnAPIServer({
      entry,
      nodeFlags: [...this.nodeFlags, ...extraNodeFlags],
      memProbeFile: join(this.tmp, `mem-${backend}-${tag}.jsonl`),
      backend,
      etcdEndpoint: etcd?.endpoint,
      etcdPrefix: `/bench-${this.id}-${tag}`,
      cpuProfDir: this.cpuProfDir,
      logFile,
    });
    this.#servers.push(s);
    this.log(`apiserver (${backend}, ${tag}) pid ${s.pid} at ${s.url}`);
    return s;
  }

  async stopServer(s: APIServerProcess): Promise<void> {
    const i = this.#servers.indexOf(s);
    if (i >= 0) this.#servers.splice(i, 1);
    for (const [b, p] of this.#populated) if ((await p).server === s) this.#populated.delete(b);
    await s.stop();
  }

  /** An apiserver holding `listPods` pods in namespace bench-list (created once per backend per run). */
  populated(backend: Backend, extraNodeFlags: string[] = []): Promise<Populated> {
    const key = [backend, ...extraNodeFlags].join(' ');
    let p = this.#populated.get(key);
    if (!p) {
      p = (async () => {
        const server = await this.spawn(backend, 'list', extraNodeFlags);
        await new Promise((r) => setTimeout(r, 1000));
        const baseline = server.memory();
        const baselineHeap = await server.heap();
        const namespace = 'bench-list';
        await ensureNamespace(server.url, namespace);
        this.log(`creating ${this.listPods} pods in ${namespace} (${backend}, concurrency 64)`);
        const load = await createPods(server.url, namespace, podBodies(namespace, names('checkout', this.listPods)), 64);
        this.log(`  ${load.throughput.toFixed(0)} creates/s`);
        return { server, namespace, pods: this.listPods, baseline, baselineHeap, load };
      })();
      this.#populated.set(key, p);
    }
    return p;
  }

  row(r: Row): void {
    this.rows.push(r);
  }

  async close(): Promise<void> {
    for (const s of this.#servers.splice(0)) await s.stop().catch(() => {});
    if (this.#etcd) await (await this.#etcd.catch(() => undefined))?.stop();
    rmSync(this.tmp, { recursive: true, force: true });
  }
}
