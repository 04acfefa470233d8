/**
 * The kubectl end-to-end framework: runs the real kubectl binaries against an in-process kubelab apiserver.
 *
 * - `startKubectlEnv({minorVersion})` starts a server (`/version` answers that minor), a scratch directory
 *   (manifests, discovery cache) and a `Kubectl` bound to the server's kubeconfig and a fresh `--cache-dir`.
 * - `kubectl.run(args)` never throws on a non-zero exit: it returns {stdout, stderr, code}. `ok()` asserts exit
 *   0 and returns stdout; `fail()` asserts a non-zero exit and returns the result.
 * - `env.namespace(prefix)` creates a namespace per test; `env.api` is a raw JSON client for what kubectl
 *   cannot do (writing pods/status, pods/binding, creating Nodes with status, deleting with grace 0 as the
 *   node agent would).
 * - `parseTable()` / `assertTable()` compare `kubectl get` output cell by cell, with ages normalised.
 *
 * A missing kubectl fails loudly with the install command; nothing is skipped.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../../integration/framework/test-server.ts';
import type { EndpointReconcilerConfig } from '../../../apiserver/controlplane/endpoint-reconciler-setup.ts';

export const KUBECTL_INSTALL_HINT =
  'install kubectl with `apt-get install -y kubectl` (the Google Cloud SDK package: a `kubectl` dispatcher plus kubectl.1.27 ... kubectl.1.33 in /usr/lib/google-cloud-sdk/bin)';

/** The minors the version matrix covers. */
export const MATRIX_MINORS = [29, 30, 31, 32, 33] as const;

function isExecutable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, name);
    if (isExecutable(p)) return p;
  }
  return undefined;
}

/**
 * The kubectl binary to run: `kubectl.1.<minor>` (beside the `kubectl` dispatcher, on PATH, or in
 * /usr/lib/google-cloud-sdk/bin) when a minor is given, else `kubectl` itself. Throws with the install hint.
 */
export function kubectlBinary(minor?: number): string {
  const dispatcher = onPath('kubectl');
  if (minor === undefined) {
    if (!dispatcher) throw new Error(`kubectl is not on PATH: ${KUBECTL_INSTALL_HINT}`);
    return dispatcher;
  }
  const name = `kubectl.1.${minor}`;
  const dirs: string[] = [];
  if (dispatcher) {
    try {
      dirs.push(dirname(realpathSync(dispatcher)));
    } catch {
      // a dangling symlink: fall through to the other places
    }
  }
  dirs.push('/usr/lib/google-cloud-sdk/bin');
  for (const d of dirs) {
    const p = join(d, name);
    if (isExecutable(p)) return p;
  }
  const p = onPath(name);
  if (p) return p;
  throw new Error(`${name} not found (looked beside the kubectl dispatcher, in /usr/lib/google-cloud-sdk/bin and on PATH): ${KUBECTL_INSTALL_HINT}`);
}

export interface KubectlResult {
  stdout: string;
  stderr: string;
  code: number;
}

export interface RunOptions {
  /** Written to kubectl's stdin (then closed). */
  stdin?: string;
  /** Kill kubectl after this long (default 30 s); the result then has code -1. */
  timeoutMs?: number;
  /** Extra environment variables. */
  env?: Record<string, string>;
}

/** A kubectl bound to one server: kubeconfig, cache dir, working directory (manifests), optional namespace. */
export class Kubectl {
  readonly binary: string;
  readonly kubeconfig: string;
  readonly cacheDir: string;
  readonly cwd: string;
  readonly namespace: string | undefined;

  constructor(opts: { binary: string; kubeconfig: string; cacheDir: string; cwd: string; namespace?: string }) {
    this.binary = opts.binary;
    this.kubeconfig = opts.kubeconfig;
    this.cacheDir = opts.cacheDir;
    this.cwd = opts.cwd;
    this.namespace = opts.namespace;
  }

  /** The same kubectl with `-n <namespace>` on every command. */
  ns(namespace: string): Kubectl {
    return new Kubectl({ binary: this.binary, kubeconfig: this.kubeconfig, cacheDir: this.cacheDir, cwd: this.cwd, namespace });
  }

  /** Another binary (a different minor) against the same server, with its own discovery cache. */
  withBinary(binary: string, cacheDir: string): Kubectl {
    return new Kubectl({ binary, kubeconfig: this.kubeconfig, cacheDir, cwd: this.cwd, namespace: this.namespace });
  }

  argv(args: readonly string[]): string[] {
    // Global flags go first so that `run ... -- sleep 3600` keeps its command intact.
    const global = ['--kubeconfig', this.kubeconfig, '--cache-dir', this.cacheDir];
    if (this.namespace) global.push('--namespace', this.namespace);
    return [...global, ...args];
  }

  run(args: readonly string[], opts: RunOptions = {}): Promise<KubectlResult> {
    return new Promise((resolve, reject) => {
      const child = spawn(this.binary, this.argv(args), {
        cwd: this.cwd,
        env: { ...process.env, KUBECONFIG: this.kubeconfig, ...opts.env },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      let timedOut = false;
      child.stdout.setEncoding('utf8');
      child.stderr.setEncoding('utf8');
      child.stdout.on('data', (c: string) => (stdout += c));
      child.stderr.on('data', (c: string) => (stderr += c));
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
      }, opts.timeoutMs ?? 30_000);
      child.on('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        if (e.code === 'ENOENT') reject(new Error(`${this.binary}: not found: ${KUBECTL_INSTALL_HINT}`));
        else reject(e);
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        if (timedOut) stderr += `\n[framework] kubectl ${args.join(' ')} killed after ${opts.timeoutMs ?? 30_000} ms`;
        resolve({ stdout, stderr, code: timedOut ? -1 : (code ?? -1) });
      });
      child.stdin.on('error', () => undefined);
      child.stdin.end(opts.stdin ?? '');
    });
  }

  /** Runs kubectl and asserts exit code 0; returns stdout. */
  async ok(args: readonly string[], opts: RunOptions = {}): Promise<string> {
    const r = await this.run(args, opts);
    if (r.code !== 0) {
      assert.fail(`kubectl ${args.join(' ')} exited ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
    }
    return r.stdout;
  }

  /** Runs kubectl and asserts a non-zero exit code. */
  async fail(args: readonly string[], opts: RunOptions = {}): Promise<KubectlResult> {
    const r = await this.run(args, opts);
    if (r.code === 0) assert.fail(`kubectl ${args.join(' ')} succeeded but should have failed\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
    return r;
  }

  /** Starts a long-running kubectl (`get -w`, `wait`, `delete` that waits) and collects its output. */
  start(args: readonly string[]): KubectlProcess {
    return new KubectlProcess(spawn(this.binary, this.argv(args), { cwd: this.cwd, env: { ...process.env, KUBECONFIG: this.kubeconfig }, stdio: ['ignore', 'pipe', 'pipe'] }), args);
  }
}

/** kubectl processes still running: killed when their environment closes (a failed test must not leave one). */
const live = new Set<KubectlProcess>();

/** Kills every kubectl started with `start()` that is still running. */
export function killRunningKubectls(): void {
  for (const p of live) p.kill();
}

/** A kubectl still running: its output so far, a wait for a given output, its exit. */
export class KubectlProcess {
  stdout = '';
  stderr = '';
  readonly #child: ChildProcess;
  readonly #args: readonly string[];
  readonly #exit: Promise<KubectlResult>;
  #listeners: (() => void)[] = [];

  constructor(child: ChildProcess, args: readonly string[]) {
    this.#child = child;
    this.#args = args;
    child.stdout?.setEncoding('utf8');
    child.stderr?.setEncoding('utf8');
    const notify = () => {
      for (const l of this.#listeners) l();
    };
    child.stdout?.on('data', (c: string) => {
      this.stdout += c;
      notify();
    });
    child.stderr?.on('data', (c: string) => {
      this.stderr += c;
      notify();
    });
    live.add(this);
    this.#exit = new Promise((resolve, reject) => {
      child.on('error', (e: NodeJS.ErrnoException) => {
        live.delete(this);
        reject(e.code === 'ENOENT' ? new Error(`kubectl not found: ${KUBECTL_INSTALL_HINT}`) : e);
      });
      child.on('close', (code) => {
        live.delete(this);
        notify();
        resolve({ stdout: this.stdout, stderr: this.stderr, code: code ?? -1 });
      });
    });
    this.#exit.catch(() => undefined);
  }

  get exited(): boolean {
    return this.#child.exitCode !== null || this.#child.signalCode !== null;
  }

  /** Resolves once `pred(stdout)` holds; fails after timeoutMs with the output so far. */
  waitForOutput(pred: (stdout: string) => boolean, timeoutMs = 20_000, what = 'output'): Promise<void> {
    if (pred(this.stdout)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (pred(this.stdout)) {
          done();
          resolve();
        } else if (this.exited) {
          done();
          reject(new Error(`kubectl ${this.#args.join(' ')} exited before ${what}\nstdout:\n${this.stdout}\nstderr:\n${this.stderr}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out waiting for ${what} from kubectl ${this.#args.join(' ')}\nstdout:\n${this.stdout}\nstderr:\n${this.stderr}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.#listeners = this.#listeners.filter((l) => l !== check);
      };
      this.#listeners.push(check);
    });
  }

  /** Waits for the process to exit (killing it after timeoutMs). */
  async exit(timeoutMs = 30_000): Promise<KubectlResult> {
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), timeoutMs);
    try {
      return await this.#exit;
    } finally {
      clearTimeout(timer);
    }
  }

  /** SIGKILL, without waiting. */
  kill(): void {
    if (!this.exited) this.#child.kill('SIGKILL');
  }

  /** Stops the process (SIGTERM) and returns what it printed. */
  async stop(): Promise<KubectlResult> {
    if (!this.exited) this.#child.kill('SIGTERM');
    return this.exit(5_000);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Raw API access for what kubectl cannot do.

export interface ApiResponse {
  status: number;
  text: string;
  json: any;
}

export class ApiClient {
  readonly base: string;
  constructor(base: string) {
    this.base = base;
  }

  async request(method: string, path: string, body?: unknown, contentType = 'application/json', headers: Record<string, string> = {}): Promise<ApiResponse> {
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const res = await fetch(this.base + path, {
      method,
      body: payload,
      headers: { ...(payload !== undefined ? { 'content-type': contentType } : {}), ...headers },
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, text, json };
  }

  /** A request that must answer `want` (default 2xx); returns the parsed body. */
  async must(method: string, path: string, body?: unknown, contentType?: string, want?: number): Promise<any> {
    const r = await this.request(method, path, body, contentType);
    const good = want === undefined ? r.status >= 200 && r.status < 300 : r.status === want;
    if (!good) assert.fail(`${method} ${path} answered ${r.status} (want ${want ?? '2xx'}): ${r.text}`);
    return r.json;
  }

  get(path: string): Promise<any> {
    return this.must('GET', path);
  }
  post(path: string, body: unknown): Promise<any> {
    return this.must('POST', path, body);
  }
  mergePatch(path: string, body: unknown): Promise<any> {
    return this.must('PATCH', path, body, 'application/merge-patch+json');
  }

  /** Replaces a pod's status through pods/status (merge patch of `status`), as the node agent would. */
  setPodStatus(namespace: string, name: string, status: Record<string, unknown>): Promise<any> {
    return this.mergePatch(`/api/v1/namespaces/${namespace}/pods/${name}/status`, { status });
  }

  /** Binds a pod to a node through pods/binding, as the scheduler would. */
  async bindPod(namespace: string, name: string, node: string): Promise<void> {
    await this.must('POST', `/api/v1/namespaces/${namespace}/pods/${name}/binding`, {
      apiVersion: 'v1',
      kind: 'Binding',
      metadata: { name },
      target: { apiVersion: 'v1', kind: 'Node', name: node },
    });
  }

  /** The node agent's final delete of a terminated pod: grace period 0. */
  async deletePodNow(namespace: string, name: string): Promise<void> {
    await this.must('DELETE', `/api/v1/namespaces/${namespace}/pods/${name}`, { gracePeriodSeconds: 0 });
  }

  async createNode(name: string, opts: { labels?: Record<string, string>; ready?: 'True' | 'False' | 'Unknown'; unschedulable?: boolean; internalIP?: string; externalIP?: string; kubeletVersion?: string } = {}): Promise<unknown> {
    const addresses = [];
    if (opts.internalIP) addresses.push({ type: 'InternalIP', address: opts.internalIP });
    if (opts.externalIP) addresses.push({ type: 'ExternalIP', address: opts.externalIP });
    addresses.push({ type: 'Hostname', address: name });
    const now = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
    return this.post('/api/v1/nodes', {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name, labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', ...(opts.labels ?? {}) } },
      spec: opts.unschedulable ? { unschedulable: true } : {},
      status: {
        capacity: { cpu: '2', memory: '4012Mi', pods: '110', 'ephemeral-storage': '20Gi' },
        allocatable: { cpu: '2', memory: '3912Mi', pods: '110', 'ephemeral-storage': '18Gi' },
        conditions: [
          { type: 'Ready', status: opts.ready ?? 'True', reason: opts.ready === 'True' || !opts.ready ? 'KubeletReady' : 'KubeletNotReady', message: opts.ready === 'True' || !opts.ready ? 'kubelet is posting ready status' : 'container runtime is down', lastHeartbeatTime: now, lastTransitionTime: now },
        ],
        addresses,
        nodeInfo: {
          machineID: 'm1',
          systemUUID: 'u1',
          bootID: 'b1',
          kernelVersion: '6.1.0-37-cloud-amd64',
          osImage: 'Debian GNU/Linux 12 (bookworm)',
          containerRuntimeVersion: 'containerd://1.7.24',
          kubeletVersion: opts.kubeletVersion ?? 'v1.32.0',
          kubeProxyVersion: '',
          operatingSystem: 'linux',
          architecture: 'amd64',
        },
      },
    });
  }
}

// ---------------------------------------------------------------------------------------------------------
// The environment a test file shares.

export interface KubectlEnv {
  server: TestServer;
  /** kubectl for the server (no namespace; use `.ns(ns)`). */
  kubectl: Kubectl;
  api: ApiClient;
  /** Scratch directory: kubectl's working directory, where manifests are written. */
  dir: string;
  /** Creates a uniquely named namespace (`<prefix>-<n>`) and returns its name. */
  namespace(prefix?: string): Promise<string>;
  /** Writes a file into the scratch directory; returns the relative name (as kubectl will print it). */
  write(name: string, content: string): string;
  close(): Promise<void>;
}

let nsCounter = 0;

/**
 * Starts a server answering `/version` with `minorVersion` (default 32) and a kubectl for it. `binary`:
 * 'direct' (default) runs kubectl.1.<minor>; 'dispatcher' runs the `kubectl` on PATH (which picks the
 * binary from /version itself).
 */
export async function startKubectlEnv(
  opts: { minorVersion?: number; binary?: 'direct' | 'dispatcher'; endpointReconciler?: EndpointReconcilerConfig } = {},
): Promise<KubectlEnv> {
  const minor = opts.minorVersion ?? 32;
  // Resolve the binary first: a missing kubectl fails before a server is started.
  const binary = opts.binary === 'dispatcher' ? kubectlBinary() : kubectlBinary(minor);
  const dir = mkdtempSync(join(tmpdir(), 'kubelab-e2e-kubectl-'));
  const server = await startTestServer({ minorVersion: minor, endpointReconciler: opts.endpointReconciler });
  const kubectl = new Kubectl({ binary, kubeconfig: server.kubeconfig, cacheDir: join(dir, '.kube-cache'), cwd: dir });
  const api = new ApiClient(server.url);
  return {
    server,
    kubectl,
    api,
    dir,
    async namespace(prefix = 'e2e') {
      const name = `${prefix}-${process.pid % 10000}-${++nsCounter}`;
      await api.post('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
      return name;
    },
    write(name: string, content: string) {
      const p = join(dir, name);
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, content);
      return name;
    },
    async close() {
      killRunningKubectls();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// Output helpers.

export interface ParsedTable {
  header: string[];
  rows: string[][];
}

/**
 * Parses `kubectl get` output (tabwriter columns) by the header's column positions: a header cell starts
 * after 2+ spaces, and each row's cell is the text between that start and the next one. Works for empty
 * cells too (a lease without holder).
 */
export function parseTable(text: string): ParsedTable {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const headerLine = lines[0] ?? '';
  const starts: number[] = [];
  const re = /(^|\s{2,})(\S)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(headerLine)) !== null) starts.push(m.index + m[1]!.length);
  const cut = (line: string) => starts.map((s, i) => line.slice(s, i + 1 < starts.length ? starts[i + 1] : undefined).trim());
  return { header: cut(headerLine), rows: lines.slice(1).map(cut) };
}

/** A human duration as kube prints ages: 0s, 59s, 2m5s, 3h, 5d, ... */
export const AGE_RE = /^(\d+[smhdy])+$|^<invalid>$/;

/**
 * Parses an expected table written by hand: cells are separated by 3+ spaces (alignment does not matter),
 * and `''` stands for an empty cell.
 */
function parseExpected(text: string): ParsedTable {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const split = (l: string) => l.split(/\s{3,}/).map((c) => (c === "''" ? '' : c));
  return { header: split(lines[0] ?? ''), rows: lines.slice(1).map(split) };
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** An expected cell matches literally, except that `<age>` inside it matches any duration. */
function cellMatches(want: string, got: string): boolean {
  if (!want.includes('<age>')) return want === got;
  const re = new RegExp('^' + want.split('<age>').map(escapeRe).join('(?:\\d+[smhdy])+') + '$');
  return re.test(got);
}

/**
 * Asserts `kubectl get` output equals the expected table, cell by cell. The actual output is cut at the
 * header's column starts, so a misaligned row shows up as garbled cells. In `expected` (cells separated by
 * 3+ spaces, leading indentation ignored, `''` for an empty cell) `<age>` matches any duration (AGE,
 * LAST SEEN, the "(5m ago)" of RESTARTS).
 */
export function assertTable(actual: string, expected: string, message?: string, opts: { aligned?: boolean } = {}): void {
  // Watch output is not realigned when a later row is wider: cut it at runs of 3+ spaces instead.
  const a = opts.aligned === false ? parseExpected(actual) : parseTable(actual);
  const e = parseExpected(expected);
  const ctx = `${message ? message + '\n' : ''}actual output:\n${actual}`;
  assert.deepEqual(a.header, e.header, `header differs\n${ctx}`);
  assert.equal(a.rows.length, e.rows.length, `row count differs\n${ctx}`);
  for (let i = 0; i < e.rows.length; i++) {
    const want = e.rows[i]!;
    const got = a.rows[i]!;
    const normalised = got.map((cell, j) => (want[j] !== undefined && cellMatches(want[j]!, cell) ? want[j]! : cell));
    assert.deepEqual(normalised, want, `row ${i + 1} differs\n${ctx}`);
  }
}

/** Replaces durations in a text (`12s`, `3m4s`) by `<age>`: for messages and describe output. */
export function normaliseAges(text: string): string {
  return text.replace(/\b\d+(?:[smhd]\d*)*[smhd]\b/g, '<age>');
}

/** Polls until fn returns a truthy value (or fails after timeoutMs). */
export async function eventually<T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs = 20_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** RFC 3339 (seconds) of now + offsetMs, as the API stores times. */
export function timestamp(offsetMs = 0): string {
  return new Date(Math.floor((Date.now() + offsetMs) / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** A pod manifest (YAML) with one container per image. */
export function podYaml(name: string, opts: { labels?: Record<string, string>; image?: string; extraSpec?: string; namespace?: string } = {}): string {
  const labels = opts.labels ?? { app: name };
  const lines = ['apiVersion: v1', 'kind: Pod', 'metadata:', `  name: ${name}`];
  if (opts.namespace) lines.push(`  namespace: ${opts.namespace}`);
  if (Object.keys(labels).length) {
    lines.push('  labels:');
    for (const [k, v] of Object.entries(labels)) lines.push(`    ${k}: ${JSON.stringify(v)}`);
  }
  lines.push('spec:', '  containers:', '  - name: main', `    image: ${opts.image ?? 'nginx:1.27'}`);
  if (opts.extraSpec) lines.push(opts.extraSpec);
  return lines.join('\n') + '\n';
}

/** A pod object (JSON) for the raw API. */
export function podObject(name: string, opts: { labels?: Record<string, string>; image?: string; containers?: string[]; initContainers?: string[]; restartPolicy?: string } = {}): Record<string, unknown> {
  const containers = (opts.containers ?? ['main']).map((c) => ({ name: c, image: opts.image ?? 'nginx:1.27' }));
  const spec: Record<string, unknown> = { containers };
  if (opts.initContainers) spec.initContainers = opts.initContainers.map((c) => ({ name: c, image: 'busybox:1.36' }));
  if (opts.restartPolicy) spec.restartPolicy = opts.restartPolicy;
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: opts.labels ?? { app: name } }, spec };
}

/**
 * stderr without client-go's klog lines (`E1127 13:53:35.992506 ... reflector.go:166] ...`). At a
 * `--timeout` deadline kubectl's reflector may log that its watch ended ("context deadline exceeded", "very
 * short watch"), a race inside kubectl that happens against any server; the user-facing message follows.
 */
export function withoutKlog(stderr: string): string {
  return stderr
    .split('\n')
    .filter((l) => !/^[IWEF]\d{4} \d\d:\d\d:\d\d\.\d+\s+\d+ \S+:\d+\] /.test(l))
    .join('\n');
}
