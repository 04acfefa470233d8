/**
 * The `kubelab up` end-to-end framework: runs the real CLI (`kubelab up/down/status` of the same tree as this
 * file: dist/cli/main.js when compiled, cli/main.ts under type stripping), then drives the cluster with the
 * real kubectl, a RestClient for polling, the nodes' containerd over CRI and `nsenter` into node namespaces.
 *
 * - `Cluster.up(args)` brings a cluster up in a fresh temp `--state-dir` on a free API port; `down()` tears it
 *   down (idempotent; call it in `after`). On a failed test, `diagnostics()` gives the tails of the component
 *   logs under `<state>/logs`, and the state dir is kept.
 * - `footprint()` records everything the cluster created on the host (process ids with their start times,
 *   container processes, namespaces, bridge, veths, routes, mounts, cgroups); `leftovers(fp)` lists what of it
 *   still exists. Both are used after `kubelab down` and after a failed `kubelab up`.
 * - `prerequisites()` fails with the install command when a tool is missing (nothing is skipped).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kubectl, kubectlBinary } from '../framework/kubectl.ts';
import { RestClient } from '../../../shared/client/rest-client.ts';
import type { KubeList } from '../../../shared/api/meta.ts';
import type { Node, Pod } from '../../../shared/api/core-v1.ts';
import type { ClusterState } from '../../../deploy/cluster/cluster-state.ts';
import { RemoteRuntime } from '../../../node-agent/cri/remote/remote-runtime.ts';

const EXT = fileURLToPath(import.meta.url).endsWith('.ts') ? '.ts' : '.js';
/** The CLI entry of this tree (never the shared dist/ when this file runs from another build). */
export const CLI_MAIN = fileURLToPath(new URL(`../../../cli/main${EXT}`, import.meta.url));
let cliMain = CLI_MAIN;
/** Runs another build's CLI (the benchmarks run a compiled copy while this module runs as TypeScript). */
export function useCli(main: string): void {
  cliMain = main;
}

export const INSTALL_HINT =
  'install the cluster prerequisites as root with `bash deploy/install-deps.sh` (or: apt-get install -y etcd-server containerd runc containernetworking-plugins umoci busybox-static iproute2 iptables gcc libc6-dev util-linux)';

/** Fails (throws) with the install command when something `kubelab up` and this suite need is missing. */
export function prerequisites(): void {
  if (process.getuid?.() !== 0) throw new Error('the cluster suite needs root (network namespaces, bridges, containerd): run it as root');
  const need: [string, string][] = [
    ['containerd', '/usr/bin/containerd'], ['ctr', '/usr/bin/ctr'], ['runc', '/usr/sbin/runc'], ['etcd', '/usr/bin/etcd'],
    ['umoci', '/usr/bin/umoci'], ['busybox (static)', '/usr/bin/busybox'], ['nsenter', '/usr/bin/nsenter'],
    ['setpriv', '/usr/bin/setpriv'], ['ip', '/usr/sbin/ip'], ['iptables', '/usr/sbin/iptables'], ['gcc', '/usr/bin/gcc'],
    ['CNI bridge plugin', '/usr/lib/cni/bridge'], ['CNI portmap plugin', '/usr/lib/cni/portmap'],
    ['CNI host-local plugin', '/usr/lib/cni/host-local'], ['CNI loopback plugin', '/usr/lib/cni/loopback'],
  ];
  const missing = need.filter(([, p]) => !existsSync(p)).map(([n, p]) => `${n} (${p})`);
  if (missing.length) throw new Error(`missing: ${missing.join(', ')}: ${INSTALL_HINT}`);
  if (!existsSync(cliMain)) throw new Error(`${cliMain} is missing: run 'npm run build' (or 'npm ci' first)`);
  kubectlBinary(); // throws with the kubectl install hint
}

export interface ProcResult {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs a command; never throws on a non-zero exit (the result has the code). Kills it after timeoutMs. */
export function exec(cmd: string, args: string[], opts: { timeoutMs?: number; input?: string; env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<ProcResult> {
  const t0 = performance.now();
  return new Promise((resolveRun, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], env: opts.env ?? process.env, ...(opts.cwd ? { cwd: opts.cwd } : {}) });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => {
      stderr += `\n[e2e] ${cmd} killed after ${opts.timeoutMs ?? 60_000} ms`;
      child.kill('SIGKILL');
    }, opts.timeoutMs ?? 60_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolveRun({ code: code ?? -1, stdout, stderr, ms: performance.now() - t0 });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
  });
}

/** `kubelab <args>` on this Node (Node 24), optionally as user nobody. */
export function kubelab(args: string[], opts: { asNobody?: boolean; timeoutMs?: number } = {}): Promise<ProcResult> {
  const argv = ['--enable-source-maps', cliMain, ...args];
  if (opts.asNobody) return exec('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '--', process.execPath, ...argv], { timeoutMs: opts.timeoutMs ?? 180_000 });
  return exec(process.execPath, argv, { timeoutMs: opts.timeoutMs ?? 180_000 });
}

/** `kubelab <args>` running in the background: its output so far, a wait for some output, its exit. */
export function startKubelab(args: string[]): {
  child: ReturnType<typeof spawn>;
  output: () => { stdout: string; stderr: string };
  waitForOutput: (re: RegExp, timeoutMs: number) => Promise<void>;
  exit: Promise<number>;
} {
  const child = spawn(process.execPath, ['--enable-source-maps', cliMain, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const exit = new Promise<number>((r) => child.on('close', (code, sig) => r(code ?? (sig ? 128 : -1))));
  return {
    child,
    output: () => ({ stdout, stderr }),
    exit,
    waitForOutput: async (re, timeoutMs) => {
      const deadline = Date.now() + timeoutMs;
      while (!re.test(stdout)) {
        if (child.exitCode !== null) throw new Error(`kubelab ${args.join(' ')} exited (${child.exitCode}) before printing ${re}\n${stdout}\n${stderr}`);
        if (Date.now() > deadline) throw new Error(`kubelab ${args.join(' ')} printed no ${re} within ${timeoutMs} ms\n${stdout}\n${stderr}`);
        await sleep(50);
      }
    },
  };
}

async function portFree(port: number): Promise<boolean> {
  return new Promise((r) => {
    const s = createServer();
    s.once('error', () => r(false));
    s.listen(port, '0.0.0.0', () => s.close(() => r(true)));
  });
}

/** A base port p with p, p+1 and p+2 free (the LB and two API servers use all three). */
export async function freePorts(): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const p = 20_000 + Math.floor(Math.random() * 30_000);
    if ((await portFree(p)) && (await portFree(p + 1)) && (await portFree(p + 2))) return p;
  }
  throw new Error('no three free consecutive ports found');
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls fn until it returns a value other than undefined; fails with `what` and the last error/value. */
export async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs: number, intervalMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = (e as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${last ? ` (last error: ${last})` : ''}`);
    await sleep(intervalMs);
  }
}

/** Runs a command inside a network namespace, keeping the mount namespace (never `ip netns exec`). */
export function inNetns(netns: string, cmd: string, args: string[], timeoutMs = 15_000): Promise<ProcResult> {
  return exec('nsenter', [`--net=/var/run/netns/${netns}`, '--', cmd, ...args], { timeoutMs });
}

/** busybox wget (the host's busybox-static; `-T` segfaults in 1.35, so `timeout` bounds it). */
export function wgetArgs(url: string, seconds = 5): [string, string[]] {
  return ['timeout', [String(seconds), '/usr/bin/busybox', 'wget', '-qO-', url]];
}

export function podReady(p: Pod): boolean {
  return p.status?.phase === 'Running' && (p.status.containerStatuses ?? []).every((c) => c.ready === true);
}

export function nodeReady(n: Node): string {
  return n.status?.conditions?.find((c) => c.type === 'Ready')?.status ?? 'Unknown';
}

/** Process start time (jiffies since boot), so a reused pid is never taken for the original process. */
function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z' || fields[0] === 'X') return undefined;
    return fields[19];
  } catch {
    return undefined;
  }
}

function allPids(): number[] {
  return readdirSync('/proc').filter((e) => /^\d+$/.test(e)).map(Number).filter((p) => p !== process.pid);
}

function read(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

const HIERARCHIES = () => (existsSync('/sys/fs/cgroup') ? readdirSync('/sys/fs/cgroup') : []);

function cgroupProcs(prefix: string): number[] {
  const pids = new Set<number>();
  const walk = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const p of read(join(dir, 'cgroup.procs')).split('\n')) if (p) pids.add(Number(p));
    try {
      for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) walk(join(dir, e.name));
    } catch {
      // removed meanwhile
    }
  };
  for (const h of ['pids', 'memory', 'unified']) walk(join('/sys/fs/cgroup', h, prefix.replace(/^\//, '')));
  return [...pids];
}

/** Everything one cluster put on the host, recorded before `kubelab down`. */
export interface Footprint {
  stateDir: string;
  processes: { pid: number; start: string; what: string }[];
  netns: string[];
  links: string[];
  bridge?: string;
  /** The node subnet's third octet: routes via 10.213.<index>.x belong to this cluster. */
  index?: number;
  cgroupPrefixes: string[];
}

export function footprintOf(state: ClusterState): Footprint {
  const processes: Footprint['processes'] = [];
  const add = (pid: number, what: string) => {
    const start = startTime(pid);
    if (start && !processes.some((p) => p.pid === pid)) processes.push({ pid, start, what });
  };
  for (const d of state.daemons) add(d.pid, d.name);
  for (const n of state.nodes) for (const pid of cgroupProcs(n.cgroupPrefix)) add(pid, `container process on ${n.name}`);
  for (const pid of allPids()) if (read(`/proc/${pid}/cmdline`).includes(state.stateDir)) add(pid, read(`/proc/${pid}/cmdline`).replace(/\0/g, ' ').slice(0, 120));
  const net = state.network;
  return {
    stateDir: state.stateDir,
    processes,
    netns: net ? net.nodes.map((n) => n.netns) : [],
    links: net ? net.nodes.map((n) => n.vethHost) : [],
    bridge: net?.bridge,
    index: net?.index,
    cgroupPrefixes: state.nodes.map((n) => n.cgroupPrefix),
  };
}

/** What of a footprint still exists on the host (empty when everything is gone). */
export async function leftovers(fp: Footprint): Promise<string[]> {
  const left: string[] = [];
  for (const p of fp.processes) if (startTime(p.pid) === p.start) left.push(`process ${p.pid} (${p.what})`);
  for (const pid of allPids()) {
    const cmd = read(`/proc/${pid}/cmdline`);
    if (cmd.includes(fp.stateDir) && startTime(pid)) left.push(`process ${pid} mentioning the state dir: ${cmd.replace(/\0/g, ' ').slice(0, 160)}`);
    const cg = read(`/proc/${pid}/cgroup`);
    for (const prefix of fp.cgroupPrefixes) if (cg.includes(`:${prefix}/`) && startTime(pid)) left.push(`process ${pid} in cgroup ${prefix}`);
  }
  const ns = (await exec('ip', ['netns', 'list'])).stdout.split('\n').map((l) => l.split(' ')[0]);
  for (const n of fp.netns) if (ns.includes(n) || existsSync(`/var/run/netns/${n}`)) left.push(`network namespace ${n}`);
  for (const l of [...fp.links, ...(fp.bridge ? [fp.bridge] : [])]) if ((await exec('ip', ['link', 'show', l])).code === 0) left.push(`link ${l}`);
  if (fp.index !== undefined) {
    for (const line of (await exec('ip', ['route', 'show'])).stdout.split('\n')) {
      if (line.includes(` via 10.213.${fp.index}.`) || (fp.bridge && line.includes(` dev ${fp.bridge} `))) left.push(`route ${line.trim()}`);
    }
  }
  for (const line of read('/proc/self/mounts').split('\n')) {
    const m = line.split(' ')[1]?.replace(/\\040/g, ' ');
    if (m && (m === fp.stateDir || m.startsWith(fp.stateDir + '/'))) left.push(`mount ${m}`);
  }
  for (const h of HIERARCHIES()) for (const prefix of fp.cgroupPrefixes) if (existsSync(join('/sys/fs/cgroup', h, prefix))) left.push(`cgroup ${h}${prefix}`);
  return left;
}

export class Cluster {
  readonly stateDir: string;
  readonly port: number;
  readonly upResult: ProcResult;
  state: ClusterState;
  readonly kubectl: Kubectl;
  readonly api: RestClient;
  readonly #runtimes = new Map<string, RemoteRuntime>();
  #failed = false;

  private constructor(stateDir: string, port: number, upResult: ProcResult) {
    this.stateDir = stateDir;
    this.port = port;
    this.upResult = upResult;
    this.state = JSON.parse(readFileSync(join(stateDir, 'cluster.json'), 'utf8')) as ClusterState;
    const kubeconfig = this.state.kubeconfig ?? join(stateDir, 'kubeconfig');
    this.kubectl = new Kubectl({ binary: kubectlBinary(), kubeconfig, cacheDir: join(stateDir, '.kube-cache'), cwd: stateDir });
    this.api = new RestClient({ server: this.state.apiserverURL ?? '', ca: readFileSync(join(stateDir, 'pki', 'ca.crt')), clientCert: readFileSync(join(stateDir, 'pki', 'admin.crt')), clientKey: readFileSync(join(stateDir, 'pki', 'admin.key')), timeoutMs: 10_000 });
  }

  /** A new temp state dir (removed again by `cleanup()` unless a test failed). */
  static tempStateDir(label: string): string {
    return mkdtempSync(join(tmpdir(), `kubelab-e2e-${label}-`));
  }

  /** `kubelab up <args> --state-dir <temp> --apiserver-port <free> --skip-install`; throws with its output on failure. */
  static async up(label: string, args: string[], opts: { skipInstall?: boolean } = {}): Promise<Cluster> {
    const stateDir = Cluster.tempStateDir(label);
    const port = await freePorts();
    const install = opts.skipInstall === false ? [] : ['--skip-install'];
    const r = await kubelab(['up', '--state-dir', stateDir, '--apiserver-port', String(port), ...install, ...args], { timeoutMs: 240_000 });
    if (r.code !== 0) {
      // Whatever up left (it should have torn itself down) goes before the failure is reported.
      await kubelab(['down', '--state-dir', stateDir]).catch(() => undefined);
      throw new Error(`kubelab up ${args.join(' ')} exited ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}\n${tailLogs(stateDir)}`);
    }
    return new Cluster(stateDir, port, r);
  }

  /** Marks the cluster as failed: its state dir (logs) is kept for inspection. */
  markFailed(): void {
    this.#failed = true;
  }

  reloadState(): ClusterState {
    this.state = JSON.parse(readFileSync(join(this.stateDir, 'cluster.json'), 'utf8')) as ClusterState;
    return this.state;
  }

  daemon(name: string): { name: string; pid: number; log: string } {
    const d = this.state.daemons.find((x) => x.name === name);
    if (!d) throw new Error(`no daemon ${name} in ${this.stateDir}/cluster.json (have ${this.state.daemons.map((x) => x.name).join(', ')})`);
    return d;
  }

  node(name: string): ClusterState['nodes'][number] {
    const n = this.state.nodes.find((x) => x.name === name);
    if (!n) throw new Error(`no node ${name} in cluster.json`);
    return n;
  }

  /** A CRI client on the node's own containerd. */
  runtime(node: string): RemoteRuntime {
    let r = this.#runtimes.get(node);
    if (!r) {
      r = new RemoteRuntime({ endpoint: `unix://${this.node(node).containerdSocket}`, defaultTimeoutMs: 10_000 });
      this.#runtimes.set(node, r);
    }
    return r;
  }

  async pods(namespace = 'default', selector?: string): Promise<Pod[]> {
    return (await this.api.request<KubeList<Pod>>({ path: `/api/v1/namespaces/${namespace}/pods`, query: { labelSelector: selector } })).items;
  }

  async nodes(): Promise<Node[]> {
    return (await this.api.request<KubeList<Node>>({ path: '/api/v1/nodes' })).items;
  }

  /**
   * `kubectl apply -f -` of objects as a JSON stream (not a `kind: List`: kubectl validates a List against
   * /openapi/v2, which kubelab does not serve).
   */
  async apply(items: object[]): Promise<string> {
    return this.kubectl.ok(['apply', '-f', '-'], { stdin: items.map((i) => JSON.stringify(i)).join('\n'), timeoutMs: 60_000 });
  }

  /** Waits until every pod matching the selector is Running and ready; returns them. */
  async waitRunning(selector: string, count: number, timeoutMs = 90_000, namespace = 'default'): Promise<Pod[]> {
    return waitFor(`${count} pods ${selector} Running`, async () => {
      const ps = await this.pods(namespace, selector);
      return ps.length === count && ps.every(podReady) ? ps : undefined;
    }, timeoutMs, 300);
  }

  diagnostics(lines = 25): string {
    return tailLogs(this.stateDir, lines);
  }

  footprint(): Footprint {
    return footprintOf(this.reloadState());
  }

  /** `kubelab down`; returns its result. Idempotent. */
  async down(): Promise<ProcResult> {
    for (const r of this.#runtimes.values()) r.close();
    this.#runtimes.clear();
    this.api.close();
    return kubelab(['down', '--state-dir', this.stateDir], { timeoutMs: 120_000 });
  }

  /** Removes the temp state dir unless a test failed (then its logs stay for inspection). */
  cleanup(): void {
    if (this.#failed) {
      process.stderr.write(`[e2e] keeping ${this.stateDir} (a test failed; logs in ${join(this.stateDir, 'logs')})\n`);
      return;
    }
    rmSync(this.stateDir, { recursive: true, force: true });
  }
}

/** The last lines of every component log under <state>/logs. */
export function tailLogs(stateDir: string, lines = 25): string {
  const dir = join(stateDir, 'logs');
  if (!existsSync(dir)) return '';
  return readdirSync(dir)
    .sort()
    .map((f) => `--- ${join(dir, f)} (last ${lines} lines)\n${read(join(dir, f)).trimEnd().split('\n').slice(-lines).join('\n')}`)
    .join('\n');
}

/** Runs a test body; on failure marks the cluster failed and appends the component logs to the error. */
export async function withDiagnostics(c: Cluster | undefined, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (e) {
    c?.markFailed();
    if (c && e instanceof Error) e.message += `\n\n${c.diagnostics()}`;
    throw e;
  }
}

/** A busybox httpd pod serving its own name on :8080 (the suite's standard workload). */
export function webPod(name: string, opts: { labels?: Record<string, string>; nodeName?: string; hostPort?: number; tolerations?: object[]; containers?: number } = {}): object {
  const serve = (port: number) => ({
    name: port === 8080 ? 'web' : `web${port}`,
    image: 'localhost/busybox:1.35',
    command: ['sh', '-c', `hostname > /tmp/index.html; exec httpd -f -p ${port} -h /tmp`],
    ports: [{ containerPort: port, ...(opts.hostPort && port === 8080 ? { hostPort: opts.hostPort } : {}) }],
  });
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: opts.labels ?? {} },
    spec: {
      terminationGracePeriodSeconds: 1,
      ...(opts.nodeName ? { nodeSelector: { 'kubernetes.io/hostname': opts.nodeName } } : {}),
      ...(opts.tolerations ? { tolerations: opts.tolerations } : {}),
      containers: Array.from({ length: opts.containers ?? 1 }, (_, i) => serve(8080 + i)),
    },
  };
}
