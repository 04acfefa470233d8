/**
 * FakeRuntime: a small but real in-memory CRI runtime for unit tests of the node agent (after kubelet's
 * FakeRuntimeService: real state, a call log, injected errors). It passes the same conformance suite as
 * containerd (`../testing/cri-tests.ts`).
 *
 * Behaviour, matching what containerd 1.6 does on this project's machines:
 * - Sandboxes get an IP from `podCidr` (first host addresses after the gateway `.1`), or '' with
 *   `namespaceOptions.network: 'NODE'`, and a network namespace id (`net:[4026532xxx]`) their containers share.
 * - (name, attempt) is reserved in a sandbox until the container is removed: reuse is ALREADY_EXISTS
 *   (containerd: "failed to reserve container name"). A missing image is NOT_FOUND. Only CREATED
 *   containers start; an exited container is never started again.
 * - Container commands run in a tiny shell (`_fake-shell.ts`): `sh -c 'echo hi; exit 3'` exits 3 with reason
 *   Error and writes `hi` to the CRI log file `<logDirectory>/<logPath>` (a real file, CRI format); `sleep N`
 *   waits N seconds on the injected clock; unknown commands run until stopped. A program that ends without
 *   sleeping has exited by the time startContainer resolves.
 * - stopContainer(id, timeout > 0): a `trap 'exit N' TERM` gives N; with a pod-shared PID namespace (pid
 *   'POD', the wire default) SIGTERM kills: 143; otherwise PID 1 ignores SIGTERM and is killed after the
 *   grace period: 137 (the grace period is not waited for). Timeout 0 is a plain SIGKILL: 137. Reason
 *   'Completed' for 0, else 'Error'. A CREATED container stays CREATED.
 * - stopPodSandbox kills every running container (137), marks the sandbox NOTREADY and clears its IP;
 *   removePodSandbox removes the sandbox and its containers (killing them first). Stopping a stopped sandbox
 *   and removing an unknown one succeed; stopping an unknown sandbox is NOT_FOUND (as in containerd 1.6).
 * - Error codes follow containerd 1.6: name clashes, wrong states and failed pulls are UNKNOWN; unknown ids
 *   and missing images are NOT_FOUND.
 *
 * Test controls: `calls` (every method call with its arguments), `injectError(method, err)`,
 * `exitContainer(id, code, reason)`, `addImage(ref)`, `setNetworkReady(ready)`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import type { Clock, Timer } from '../../../shared/util/clock.ts';
import {
  CriError,
  type AttachRequest,
  type PortForwardRequest,
  type CallOptions,
  type Container,
  type ContainerConfig,
  type ContainerFilter,
  type ContainerState,
  type ContainerStats,
  type ContainerStatus,
  type ContainerStatusResponse,
  type ExecRequest,
  type ExecSyncOptions,
  type ExecSyncResponse,
  type Image,
  type ImageService,
  type ImageSpec,
  type ImageStatusResponse,
  type LinuxContainerResources,
  type Mount,
  type PodSandbox,
  type PodSandboxConfig,
  type PodSandboxFilter,
  type PodSandboxState,
  type PodSandboxStatusResponse,
  type PullImageOptions,
  type RunPodSandboxOptions,
  type RuntimeService,
  type StatusResponse,
  type StreamingResponse,
  type VerboseOptions,
  type VersionResponse,
} from '../services.ts';
import { FakeShell, type ShellContext, type Step } from './_fake-shell.ts';

/** A method of RuntimeService or ImageService, as named in TypeScript (`runPodSandbox`). */
export type FakeMethod = keyof RuntimeService | keyof ImageService;

export interface FakeCall {
  method: FakeMethod;
  args: unknown[];
}

export interface FakeRuntimeOptions {
  /** Time source for timestamps and `sleep`. Default: real time (timers unref'd). */
  clock?: Clock;
  /** Pod IPs come from here (`.1` is the gateway). Default '10.88.0.0/16'. */
  podCidr?: string;
  /** Images present at start. Default: localhost/pause:3.9 and localhost/busybox:1.35. */
  images?: string[];
  /** Images pullImage can fetch; 'any' accepts every name. Default: none (like a node without a registry). */
  registry?: string[] | 'any';
  runtimeName?: string;
  runtimeVersion?: string;
  /**
   * Act like containerd's CNI: the network is the first config (`*.conflist`/`*.conf`) of this directory,
   * pod IPs come from its host-local subnet, Status(verbose) reports it under `cniconfig`, and NetworkReady is
   * false while there is none. It is (re)loaded on every Status and RunPodSandbox while `cniAutoReload` is
   * true (containerd reloads on filesystem events).
   */
  cniConfDir?: string;
}

interface FakeSandbox {
  id: string;
  config: PodSandboxConfig;
  state: PodSandboxState;
  createdAt: bigint;
  ip: string;
  netns: string;
  runtimeHandler: string;
}

interface FakeContainer {
  id: string;
  podSandboxId: string;
  config: ContainerConfig;
  state: ContainerState;
  createdAt: bigint;
  startedAt: bigint;
  finishedAt: bigint;
  exitCode: number;
  reason: string;
  message: string;
  imageRef: string;
  logPath: string;
  resources: LinuxContainerResources;
  shell?: FakeShell;
  timer?: Timer;
  /** In-memory files outside every mount. */
  files: Map<string, string>;
}

const DEFAULT_IMAGES = ['localhost/pause:3.9', 'localhost/busybox:1.35'];

/**
 * The default clock: real time, but its timers do not keep the process alive, so a fake container running
 * `sleep 3600` does not hang a test file that forgot to remove it.
 */
const unrefClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn: () => void, ms: number): Timer {
    const t = setTimeout(fn, ms);
    t.unref();
    return { cancel: () => clearTimeout(t) };
  },
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const t = setTimeout(resolve, ms);
      signal?.addEventListener('abort', () => {
        clearTimeout(t);
        reject(signal.reason);
      }, { once: true });
    });
  },
};

/** `busybox` -> `busybox:latest`; names with a tag or digest are kept. */
export function normalizeImageRef(ref: string): string {
  if (ref.startsWith('sha256:') || ref.includes('@')) return ref;
  const lastSlash = ref.lastIndexOf('/');
  return ref.slice(lastSlash + 1).includes(':') ? ref : `${ref}:latest`;
}

function imageId(ref: string): string {
  return 'sha256:' + createHash('sha256').update(normalizeImageRef(ref)).digest('hex');
}

function parseCidr(cidr: string): { base: number; size: number } {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr);
  if (!m) throw new Error(`Cannot use podCidr as it is not an IPv4 CIDR: ${cidr}`);
  const bits = Number(m[5]);
  if (bits < 8 || bits > 30) throw new Error(`Cannot use podCidr as its prefix must be /8../30: ${cidr}`);
  const ip = ((Number(m[1]) << 24) | (Number(m[2]) << 16) | (Number(m[3]) << 8) | Number(m[4])) >>> 0;
  const size = 2 ** (32 - bits);
  return { base: Math.floor(ip / size) * size, size };
}

function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

function matchLabels(labels: Record<string, string> | undefined, selector: Record<string, string> | undefined): boolean {
  if (!selector) return true;
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

function criTimestamp(ms: number): string {
  // RFC3339Nano as containerd writes it, at ms precision.
  return new Date(ms).toISOString();
}

export class FakeRuntime implements RuntimeService, ImageService {
  /** Every call, in order, with its arguments (after the injected-error check). */
  readonly calls: FakeCall[] = [];

  #clock: Clock;
  #pool: { base: number; size: number };
  #usedIps = new Set<number>();
  #registry: Set<string> | 'any';
  #images = new Map<string, Image>(); // by normalized tag
  #sandboxes = new Map<string, FakeSandbox>();
  #containers = new Map<string, FakeContainer>();
  #errors = new Map<FakeMethod, { err: unknown; times: number }[]>();
  #seq = 0;
  #lastNs = 0n;
  #netnsSeq = 4026532000;
  #networkReady = true;
  #cniConfDir: string | undefined;
  /** The loaded CNI config's source text (with cniConfDir). */
  #cniSource: string | undefined;
  /** With cniConfDir: whether the config dir is re-read (false: a runtime that missed the change). */
  cniAutoReload = true;
  #runtimeName: string;
  #runtimeVersion: string;

  constructor(options: FakeRuntimeOptions = {}) {
    this.#clock = options.clock ?? unrefClock;
    this.#pool = parseCidr(options.podCidr ?? '10.88.0.0/16');
    this.#cniConfDir = options.cniConfDir;
    this.#registry = options.registry === 'any' ? 'any' : new Set((options.registry ?? []).map(normalizeImageRef));
    for (const ref of options.images ?? DEFAULT_IMAGES) this.addImage(ref);
    this.#runtimeName = options.runtimeName ?? 'fake';
    this.#runtimeVersion = options.runtimeVersion ?? '0.1.0';
  }

  // --------------------------------------------------------------------------------- test controls

  /**
   * Makes the next `times` calls of `method` reject with `err` (default once; `Infinity` until cleared).
   * The failed calls are still recorded in `calls`.
   */
  injectError(method: FakeMethod, err: unknown, times = 1): void {
    const list = this.#errors.get(method) ?? [];
    list.push({ err, times });
    this.#errors.set(method, list);
  }

  clearErrors(): void {
    this.#errors.clear();
  }

  /** Methods called so far, in order. */
  calledMethods(): FakeMethod[] {
    return this.calls.map((c) => c.method);
  }

  resetCalls(): void {
    this.calls.length = 0;
  }

  /** Ends a running (or created) container now, as if its process exited. */
  exitContainer(containerId: string, exitCode: number, reason?: string, message = ''): void {
    const c = this.#container(containerId, 'exitContainer');
    if (c.state === 'CONTAINER_EXITED') return;
    if (c.state === 'CONTAINER_CREATED') c.startedAt = 0n;
    this.#exit(c, exitCode, reason, message);
  }

  /** Appends a line to a container's CRI log, as if it printed it. */
  writeLog(containerId: string, stream: 'stdout' | 'stderr', text: string): void {
    this.#log(this.#container(containerId, 'writeLog'), stream, text);
  }

  addImage(ref: string, size = 1_000_000): Image {
    const tag = normalizeImageRef(ref);
    const img: Image = { id: imageId(tag), repoTags: [tag], repoDigests: [], size, username: '', pinned: false };
    this.#images.set(tag, img);
    return img;
  }

  setNetworkReady(ready: boolean): void {
    this.#networkReady = ready;
  }

  /** Cancels every pending container timer (running containers stay RUNNING). */
  close(): void {
    for (const c of this.#containers.values()) {
      c.timer?.cancel();
      c.timer = undefined;
    }
  }

  // --------------------------------------------------------------------------------------- plumbing

  #enter(method: FakeMethod, args: unknown[], opts: CallOptions | undefined): void {
    this.calls.push({ method, args: structuredClone(args) });
    if (opts?.signal?.aborted) throw opts.signal.reason;
    const list = this.#errors.get(method);
    const head = list?.[0];
    if (list && head) {
      head.times--;
      if (head.times <= 0) list.shift();
      throw head.err;
    }
  }

  /** Clock time in ns, strictly increasing between calls so creation order is visible in timestamps. */
  #nowNs(): bigint {
    const ns = BigInt(Math.round(this.#clock.now())) * 1_000_000n;
    this.#lastNs = ns > this.#lastNs ? ns : this.#lastNs + 1n;
    return this.#lastNs;
  }

  #newId(): string {
    this.#seq++;
    return createHash('sha256').update(`fake-${this.#seq}-${Math.random()}`).digest('hex');
  }

  #sandbox(id: string, method: string): FakeSandbox {
    const s = this.#sandboxes.get(id);
    if (!s) throw new CriError('NOT_FOUND', `an error occurred when try to find sandbox "${id}": not found`, { method });
    return s;
  }

  #container(id: string, method: string): FakeContainer {
    const c = this.#containers.get(id);
    if (!c) throw new CriError('NOT_FOUND', `an error occurred when try to find container "${id}": not found`, { method });
    return c;
  }

  #allocateIp(): string {
    // .0 is the network, .1 the gateway, the last address the broadcast.
    for (let off = 2; off < this.#pool.size - 1; off++) {
      if (!this.#usedIps.has(this.#pool.base + off)) {
        this.#usedIps.add(this.#pool.base + off);
        return intToIp(this.#pool.base + off);
      }
    }
    throw new CriError('UNKNOWN', 'failed to setup network for sandbox: no IP addresses available in range set', { method: 'RunPodSandbox' });
  }

  #releaseIp(ip: string): void {
    if (!ip) return;
    const p = ip.split('.').map(Number);
    const n = (((p[0] ?? 0) << 24) | ((p[1] ?? 0) << 16) | ((p[2] ?? 0) << 8) | (p[3] ?? 0)) >>> 0;
    this.#usedIps.delete(n);
  }

  #findImage(ref: string): Image | undefined {
    if (ref.startsWith('sha256:')) return [...this.#images.values()].find((i) => i.id === ref);
    return this.#images.get(normalizeImageRef(ref));
  }

  #log(c: FakeContainer, stream: 'stdout' | 'stderr', text: string): void {
    if (!c.logPath || text === '') return;
    const ts = criTimestamp(this.#clock.now());
    const lines = text.split('\n');
    let out = '';
    lines.forEach((line, i) => {
      const last = i === lines.length - 1;
      if (last && line === '') return;
      out += `${ts} ${stream} ${last ? 'P' : 'F'} ${line}\n`;
    });
    fs.mkdirSync(path.dirname(c.logPath), { recursive: true });
    fs.appendFileSync(c.logPath, out);
  }

  #shellContext(c: FakeContainer): ShellContext {
    const sandbox = this.#sandboxes.get(c.podSandboxId);
    const env = new Map<string, string>([['PATH', '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], ['HOSTNAME', sandbox?.config.hostname ?? '']]);
    for (const e of c.config.envs ?? []) env.set(e.key, e.value);
    const resolve = (p: string): { mount?: Mount; host?: string } => {
      const mounts = [...(c.config.mounts ?? [])].sort((a, b) => b.containerPath.length - a.containerPath.length);
      for (const m of mounts) {
        const cp = m.containerPath.replace(/\/+$/, '');
        if (p === cp || p.startsWith(cp + '/')) return { mount: m, host: path.join(m.hostPath, p.slice(cp.length)) };
      }
      return {};
    };
    return {
      env,
      netns: sandbox?.netns ?? 'net:[4026531840]',
      hostname: sandbox?.config.hostname || sandbox?.config.metadata.name || '',
      readFile: (p) => {
        const r = resolve(p);
        if (r.host === undefined) return c.files.get(p);
        try {
          return fs.readFileSync(r.host, 'utf8');
        } catch {
          return undefined;
        }
      },
      writeFile: (p, data, append) => {
        const r = resolve(p);
        if (r.host === undefined) {
          c.files.set(p, (append ? (c.files.get(p) ?? '') : '') + data);
          return true;
        }
        if (r.mount?.readonly) return false;
        try {
          if (append) fs.appendFileSync(r.host, data);
          else fs.writeFileSync(r.host, data);
          return true;
        } catch {
          return false;
        }
      },
      mkdir: (p) => {
        const r = resolve(p);
        if (r.host === undefined) return true;
        if (r.mount?.readonly) return false;
        fs.mkdirSync(r.host, { recursive: true });
        return true;
      },
    };
  }

  /** Runs the container's program from where it stopped until it sleeps, blocks or exits. */
  #advance(c: FakeContainer): void {
    if (!c.shell || c.state !== 'CONTAINER_RUNNING') return;
    const steps: Step[] = c.shell.run();
    for (const step of steps) {
      if (step.kind === 'output') this.#log(c, step.stream, step.text);
      else if (step.kind === 'exit') this.#exit(c, step.code);
      else if (step.kind === 'sleep' && Number.isFinite(step.seconds)) {
        c.timer = this.#clock.setTimeout(() => {
          c.timer = undefined;
          this.#advance(c);
        }, step.seconds * 1000);
      }
    }
  }

  #exit(c: FakeContainer, code: number, reason?: string, message = ''): void {
    c.timer?.cancel();
    c.timer = undefined;
    c.state = 'CONTAINER_EXITED';
    c.exitCode = code;
    c.finishedAt = this.#nowNs();
    c.reason = reason ?? (code === 0 ? 'Completed' : 'Error');
    c.message = message;
  }

  /** The exit code a stop gives (see the module comment). */
  #stopExitCode(c: FakeContainer, timeoutSeconds: number): number {
    if (timeoutSeconds <= 0) return 137; // straight SIGKILL
    const term = c.shell?.state.termExitCode;
    if (term !== undefined) return term;
    const sandbox = this.#sandboxes.get(c.podSandboxId);
    const pid =
      c.config.linux?.securityContext?.namespaceOptions?.pid ??
      sandbox?.config.linux?.securityContext?.namespaceOptions?.pid ??
      'POD';
    return pid === 'POD' ? 143 : 137;
  }

  #stop(c: FakeContainer, timeoutSeconds: number): void {
    if (c.state === 'CONTAINER_RUNNING') this.#exit(c, this.#stopExitCode(c, timeoutSeconds));
    else if (c.state === 'CONTAINER_CREATED') {
      // containerd leaves a never-started container CREATED on stop; it is only removable.
    }
  }

  #toContainer(c: FakeContainer): Container {
    return {
      id: c.id,
      podSandboxId: c.podSandboxId,
      metadata: { ...c.config.metadata },
      image: structuredClone(c.config.image),
      imageRef: c.imageRef,
      state: c.state,
      createdAt: c.createdAt,
      labels: { ...c.config.labels },
      annotations: { ...c.config.annotations },
    };
  }

  #toSandbox(s: FakeSandbox): PodSandbox {
    return {
      id: s.id,
      metadata: { ...s.config.metadata },
      state: s.state,
      createdAt: s.createdAt,
      labels: { ...s.config.labels },
      annotations: { ...s.config.annotations },
      runtimeHandler: s.runtimeHandler,
    };
  }

  // ------------------------------------------------------------------------------- RuntimeService

  async version(opts?: CallOptions): Promise<VersionResponse> {
    this.#enter('version', [], opts);
    return { version: '0.1.0', runtimeName: this.#runtimeName, runtimeVersion: this.#runtimeVersion, runtimeApiVersion: 'v1' };
  }

  /** With cniConfDir: reads the config dir as containerd's CNI reload does. */
  reloadCni(): void {
    if (!this.#cniConfDir) return;
    let names: string[] = [];
    try {
      names = fs.readdirSync(this.#cniConfDir).filter((n) => /\.(conflist|conf|json)$/.test(n)).sort();
    } catch {
      names = [];
    }
    const first = names[0];
    if (!first) {
      this.#cniSource = undefined;
      this.#networkReady = false;
      return;
    }
    const text = fs.readFileSync(path.join(this.#cniConfDir, first), 'utf8');
    const subnet = (JSON.parse(text) as { plugins?: { ipam?: { ranges?: { subnet?: string }[][] } }[] }).plugins?.[0]?.ipam?.ranges?.[0]?.[0]?.subnet;
    this.#cniSource = text;
    if (subnet) this.#pool = parseCidr(subnet);
    this.#networkReady = true;
  }

  async status(opts?: VerboseOptions): Promise<StatusResponse> {
    this.#enter('status', [], opts);
    if (this.#cniConfDir && this.cniAutoReload) this.reloadCni();
    const cniInfo: Record<string, string> = this.#cniConfDir && opts?.verbose
      ? { cniconfig: JSON.stringify({ PluginConfDir: this.#cniConfDir, Networks: this.#cniSource ? [{ Config: { Source: this.#cniSource }, IFName: 'eth0' }] : [] }) }
      : {};
    return {
      conditions: [
        { type: 'RuntimeReady', status: true, reason: '', message: '' },
        this.#networkReady
          ? { type: 'NetworkReady', status: true, reason: '', message: '' }
          : { type: 'NetworkReady', status: false, reason: 'NetworkPluginNotReady', message: 'Network plugin returns error: cni plugin not initialized' },
      ],
      info: opts?.verbose ? { config: JSON.stringify({ fake: true }), ...cniInfo } : {},
    };
  }

  async runPodSandbox(config: PodSandboxConfig, opts?: RunPodSandboxOptions): Promise<string> {
    this.#enter('runPodSandbox', [config], opts);
    if (this.#cniConfDir && this.cniAutoReload) this.reloadCni();
    const m = config.metadata;
    const dup = [...this.#sandboxes.values()].find(
      (s) => s.config.metadata.name === m.name && s.config.metadata.namespace === m.namespace && s.config.metadata.uid === m.uid && s.config.metadata.attempt === m.attempt,
    );
    if (dup) {
      throw new CriError(
        'UNKNOWN',
        `failed to reserve sandbox name "${m.name}_${m.namespace}_${m.uid}_${m.attempt}": name "${m.name}_${m.namespace}_${m.uid}_${m.attempt}" is reserved for "${dup.id}"`,
        { method: 'RunPodSandbox' },
      );
    }
    const hostNetwork = config.linux?.securityContext?.namespaceOptions?.network === 'NODE';
    const id = this.#newId();
    const s: FakeSandbox = {
      id,
      config: structuredClone(config),
      state: 'SANDBOX_READY',
      createdAt: this.#nowNs(),
      ip: hostNetwork ? '' : this.#allocateIp(),
      netns: hostNetwork ? 'net:[4026531840]' : `net:[${this.#netnsSeq++}]`,
      runtimeHandler: opts?.runtimeHandler ?? '',
    };
    this.#sandboxes.set(id, s);
    return id;
  }

  async stopPodSandbox(podSandboxId: string, opts?: CallOptions): Promise<void> {
    this.#enter('stopPodSandbox', [podSandboxId], opts);
    // Like containerd: an unknown (or removed) id is NOT_FOUND; stopping a stopped sandbox is fine.
    const s = this.#sandbox(podSandboxId, 'StopPodSandbox');
    for (const c of this.#containers.values()) if (c.podSandboxId === podSandboxId) this.#stop(c, 0);
    if (s.state === 'SANDBOX_READY') {
      s.state = 'SANDBOX_NOTREADY';
      this.#releaseIp(s.ip);
      s.ip = ''; // containerd reports no IP once the network is torn down
    }
  }

  async removePodSandbox(podSandboxId: string, opts?: CallOptions): Promise<void> {
    this.#enter('removePodSandbox', [podSandboxId], opts);
    const s = this.#sandboxes.get(podSandboxId);
    if (!s) return;
    for (const c of [...this.#containers.values()]) {
      if (c.podSandboxId !== podSandboxId) continue;
      this.#stop(c, 0);
      this.#containers.delete(c.id);
    }
    if (s.state === 'SANDBOX_READY') this.#releaseIp(s.ip);
    this.#sandboxes.delete(podSandboxId);
  }

  async podSandboxStatus(podSandboxId: string, opts?: VerboseOptions): Promise<PodSandboxStatusResponse> {
    this.#enter('podSandboxStatus', [podSandboxId], opts);
    const s = this.#sandbox(podSandboxId, 'PodSandboxStatus');
    const ns = s.config.linux?.securityContext?.namespaceOptions;
    return {
      status: {
        id: s.id,
        metadata: { ...s.config.metadata },
        state: s.state,
        createdAt: s.createdAt,
        network: { ip: s.ip, additionalIps: [] },
        namespaceOptions: { network: ns?.network ?? 'POD', pid: ns?.pid ?? 'POD', ipc: ns?.ipc ?? 'POD', ...(ns?.targetId ? { targetId: ns.targetId } : {}) },
        labels: { ...s.config.labels },
        annotations: { ...s.config.annotations },
        runtimeHandler: s.runtimeHandler,
      },
      info: opts?.verbose ? { info: JSON.stringify({ netns: s.netns, config: s.config }) } : {},
    };
  }

  async listPodSandbox(filter?: PodSandboxFilter, opts?: CallOptions): Promise<PodSandbox[]> {
    this.#enter('listPodSandbox', [filter], opts);
    return [...this.#sandboxes.values()]
      .filter((s) => (!filter?.id || s.id === filter.id || s.id.startsWith(filter.id)) && (!filter?.state || s.state === filter.state) && matchLabels(s.config.labels, filter?.labelSelector))
      .map((s) => this.#toSandbox(s));
  }

  async createContainer(podSandboxId: string, config: ContainerConfig, sandboxConfig: PodSandboxConfig, opts?: CallOptions): Promise<string> {
    this.#enter('createContainer', [podSandboxId, config, sandboxConfig], opts);
    const s = this.#sandbox(podSandboxId, 'CreateContainer');
    // containerd reserves the name until RemoveContainer (not for the sandbox's whole life), and reports a
    // clash as UNKNOWN, not ALREADY_EXISTS.
    const m = s.config.metadata;
    const key = `${config.metadata.name}_${m.name}_${m.namespace}_${m.uid}_${config.metadata.attempt}`;
    const holder = [...this.#containers.values()].find(
      (c) => c.podSandboxId === s.id && c.config.metadata.name === config.metadata.name && c.config.metadata.attempt === config.metadata.attempt,
    );
    if (holder) {
      throw new CriError('UNKNOWN', `failed to reserve container name "${key}": name "${key}" is reserved for "${holder.id}"`, { method: 'CreateContainer' });
    }
    if (s.state !== 'SANDBOX_READY') {
      throw new CriError('NOT_FOUND', `failed to get sandbox container task: no running task found: task ${s.id} not found: not found`, { method: 'CreateContainer' });
    }
    const image = this.#findImage(config.image.image);
    if (!image) throw new CriError('NOT_FOUND', `failed to resolve image "${config.image.image}": not found`, { method: 'CreateContainer' });
    const logDir = sandboxConfig.logDirectory || s.config.logDirectory || '';
    const id = this.#newId();
    const c: FakeContainer = {
      id,
      podSandboxId,
      config: structuredClone(config),
      state: 'CONTAINER_CREATED',
      createdAt: this.#nowNs(),
      startedAt: 0n,
      finishedAt: 0n,
      exitCode: 0,
      reason: '',
      message: '',
      imageRef: image.id,
      logPath: logDir && config.logPath ? path.join(logDir, config.logPath) : '',
      resources: { ...config.linux?.resources },
      files: new Map(),
    };
    this.#containers.set(id, c);
    return id;
  }

  async startContainer(containerId: string, opts?: CallOptions): Promise<void> {
    this.#enter('startContainer', [containerId], opts);
    const c = this.#container(containerId, 'StartContainer');
    if (c.state !== 'CONTAINER_CREATED') {
      throw new CriError('UNKNOWN', `failed to set starting state for container "${containerId}": container is in ${c.state} state`, { method: 'StartContainer' });
    }
    const s = this.#sandboxes.get(c.podSandboxId);
    if (!s || s.state !== 'SANDBOX_READY') {
      throw new CriError('UNKNOWN', `sandbox container "${c.podSandboxId}" is not running`, { method: 'StartContainer' });
    }
    c.state = 'CONTAINER_RUNNING';
    c.startedAt = this.#nowNs();
    const argv = [...(c.config.command ?? []), ...(c.config.args ?? [])];
    const isPause = c.config.image.image.includes('pause');
    c.shell = new FakeShell(argv.length === 0 && isPause ? ['/pause'] : argv.length === 0 ? ['/bin/sh'] : argv, this.#shellContext(c));
    this.#advance(c);
  }

  async stopContainer(containerId: string, timeoutSeconds: number, opts?: CallOptions): Promise<void> {
    this.#enter('stopContainer', [containerId, timeoutSeconds], opts);
    this.#stop(this.#container(containerId, 'StopContainer'), timeoutSeconds);
  }

  async removeContainer(containerId: string, opts?: CallOptions): Promise<void> {
    this.#enter('removeContainer', [containerId], opts);
    const c = this.#containers.get(containerId);
    if (!c) return;
    this.#stop(c, 0);
    this.#containers.delete(containerId);
  }

  async listContainers(filter?: ContainerFilter, opts?: CallOptions): Promise<Container[]> {
    this.#enter('listContainers', [filter], opts);
    return [...this.#containers.values()]
      .filter(
        (c) =>
          (!filter?.id || c.id === filter.id || c.id.startsWith(filter.id)) &&
          (!filter?.state || c.state === filter.state) &&
          (!filter?.podSandboxId || c.podSandboxId === filter.podSandboxId) &&
          matchLabels(c.config.labels, filter?.labelSelector),
      )
      .map((c) => this.#toContainer(c));
  }

  async containerStatus(containerId: string, opts?: VerboseOptions): Promise<ContainerStatusResponse> {
    this.#enter('containerStatus', [containerId], opts);
    const c = this.#container(containerId, 'ContainerStatus');
    const status: ContainerStatus = {
      id: c.id,
      metadata: { ...c.config.metadata },
      state: c.state,
      createdAt: c.createdAt,
      startedAt: c.startedAt,
      finishedAt: c.finishedAt,
      exitCode: c.exitCode,
      image: structuredClone(c.config.image),
      imageRef: c.imageRef,
      reason: c.reason,
      message: c.message,
      labels: { ...c.config.labels },
      annotations: { ...c.config.annotations },
      mounts: structuredClone(c.config.mounts ?? []),
      logPath: c.logPath,
      resources: { ...c.resources },
    };
    return { status, info: opts?.verbose ? { info: JSON.stringify({ sandboxID: c.podSandboxId, config: c.config }) } : {} };
  }

  async updateContainerResources(containerId: string, resources: LinuxContainerResources, opts?: CallOptions): Promise<void> {
    this.#enter('updateContainerResources', [containerId, resources], opts);
    const c = this.#container(containerId, 'UpdateContainerResources');
    // containerd accepts an update of an exited container (it only changes the stored spec).
    c.resources = { ...c.resources, ...resources };
  }

  async execSync(containerId: string, cmd: string[], opts?: ExecSyncOptions): Promise<ExecSyncResponse> {
    this.#enter('execSync', [containerId, cmd, opts?.timeoutSeconds ?? 0], opts);
    const c = this.#container(containerId, 'ExecSync');
    if (c.state !== 'CONTAINER_RUNNING') {
      throw new CriError('UNKNOWN', `failed to exec in container: container is in ${c.state} state`, { method: 'ExecSync' });
    }
    const shell = new FakeShell(cmd, this.#shellContext(c));
    const stdout: string[] = [];
    const stderr: string[] = [];
    let slept = 0;
    const limit = opts?.timeoutSeconds ?? 0;
    for (;;) {
      const steps = shell.run();
      const last = steps[steps.length - 1];
      for (const s of steps) if (s.kind === 'output') (s.stream === 'stdout' ? stdout : stderr).push(s.text);
      if (!last || last.kind === 'exit') return { stdout: Buffer.from(stdout.join('')), stderr: Buffer.from(stderr.join('')), exitCode: last?.kind === 'exit' ? last.code : 0 };
      // An exec'd sleep or server: only a timeout ends it (the fake does not really wait).
      slept = last.kind === 'sleep' ? slept + last.seconds : Infinity;
      if (limit > 0 && slept > limit) throw new CriError('DEADLINE_EXCEEDED', `failed to exec in container: timeout ${limit}s exceeded: context deadline exceeded`, { method: 'ExecSync' });
      if (!Number.isFinite(slept)) throw new CriError('DEADLINE_EXCEEDED', 'fake exec never ends and has no timeout', { method: 'ExecSync' });
    }
  }

  async exec(request: ExecRequest, opts?: CallOptions): Promise<StreamingResponse> {
    this.#enter('exec', [request], opts);
    const c = this.#container(request.containerId, 'Exec');
    if (c.state !== 'CONTAINER_RUNNING') throw new CriError('UNKNOWN', `container is in ${c.state} state`, { method: 'Exec' });
    return { url: `http://127.0.0.1:0/exec/${this.#newId().slice(0, 8)}` };
  }

  async attach(request: AttachRequest, opts?: CallOptions): Promise<StreamingResponse> {
    this.#enter('attach', [request], opts);
    const c = this.#container(request.containerId, 'Attach');
    if (c.state !== 'CONTAINER_RUNNING') throw new CriError('UNKNOWN', `container is in ${c.state} state`, { method: 'Attach' });
    return { url: `http://127.0.0.1:0/attach/${this.#newId().slice(0, 8)}` };
  }

  async portForward(request: PortForwardRequest, opts?: CallOptions): Promise<StreamingResponse> {
    this.#enter('portForward', [request], opts);
    this.#sandbox(request.podSandboxId, 'PortForward');
    return { url: `http://127.0.0.1:0/portforward/${this.#newId().slice(0, 8)}` };
  }

  async containerStats(containerId: string, opts?: CallOptions): Promise<ContainerStats> {
    this.#enter('containerStats', [containerId], opts);
    const c = this.#container(containerId, 'ContainerStats');
    const ts = this.#nowNs();
    return {
      attributes: { id: c.id, metadata: { ...c.config.metadata }, labels: { ...c.config.labels }, annotations: { ...c.config.annotations } },
      cpu: { timestamp: ts, usageCoreNanoSeconds: 0n, usageNanoCores: 0n },
      memory: { timestamp: ts, workingSetBytes: 0n, usageBytes: 0n },
    };
  }

  // --------------------------------------------------------------------------------- ImageService

  async listImages(filter?: { image?: ImageSpec }, opts?: CallOptions): Promise<Image[]> {
    this.#enter('listImages', [filter], opts);
    const want = filter?.image?.image;
    const all = [...this.#images.values()];
    const found = want ? this.#findImage(want) : undefined;
    return (want ? (found ? [found] : []) : all).map((i) => structuredClone(i));
  }

  async imageStatus(image: ImageSpec, opts?: VerboseOptions): Promise<ImageStatusResponse> {
    this.#enter('imageStatus', [image], opts);
    const found = this.#findImage(image.image);
    return { image: found ? structuredClone(found) : null, info: {} };
  }

  async pullImage(image: ImageSpec, opts?: PullImageOptions): Promise<string> {
    this.#enter('pullImage', [image], opts);
    const ref = normalizeImageRef(image.image);
    const existing = this.#findImage(ref);
    if (existing) return existing.id;
    if (this.#registry !== 'any' && !this.#registry.has(ref)) {
      // containerd reports a failed pull as UNKNOWN whatever the cause.
      throw new CriError('UNKNOWN', `failed to pull and unpack image "${ref}": failed to resolve reference "${ref}": not found`, { method: 'PullImage' });
    }
    return this.addImage(ref).id;
  }

  async removeImage(image: ImageSpec, opts?: CallOptions): Promise<void> {
    this.#enter('removeImage', [image], opts);
    const found = this.#findImage(image.image);
    if (!found) return;
    for (const [tag, img] of this.#images) if (img.id === found.id) this.#images.delete(tag);
  }
}
