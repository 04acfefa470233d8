/**
 * SimulatedRuntime: a CRI runtime with no processes, for simulated nodes (issue 4: a thousand nodes with 30
 * pods each in one process). It implements the same RuntimeService/ImageService as containerd, so the very
 * same agent code runs on it.
 *
 * Behaviour
 * - Sandboxes get IPs from the node's pod CIDR, host-local style: .0 (network), .1 (gateway) and the
 *   broadcast address are never used, allocation continues after the last address handed out and wraps,
 *   released addresses are reused later. Until a CIDR is known (`updatePodCidr`, the CRI
 *   UpdateRuntimeConfig kubelet calls when the Node gets spec.podCIDR) NetworkReady is false and pod-network
 *   sandboxes fail, as with an uninitialized CNI. Host-network sandboxes have no IP.
 * - Containers go CREATED -> RUNNING on start. Commands are interpreted minimally: `sleep N` exits 0 after N
 *   seconds, `exit N` / `true` / `false` exit at once (after startContainer returns), `sh -c '...'` looks for
 *   those in the script (`sleep 2; exit 3` sleeps then exits 3); anything else runs until stopped.
 * - StopContainer ends a container at once with 143 (it obeyed SIGTERM); StopPodSandbox stops all of the
 *   sandbox's containers. Names (name+attempt) are reserved per sandbox until the container is removed.
 * - Images: a preloaded list plus whatever was pulled; PullImage always succeeds (there is no registry to
 *   fail); CreateContainer with an image that is not present is NOT_FOUND.
 * - ExecSync runs nothing: exit 0 with no output, except `false`/`exit N`, and `readlink /proc/self/ns/net`
 *   which answers the sandbox's (simulated) network namespace.
 * - `onStateChange` is called when a container exits on its own, so a PLEG can relist at once.
 *
 * Memory: per sandbox and container only a small record; labels and annotations are kept as given (the
 * agent builds fresh objects per call) and copied on the way out; timestamps are numbers (ms) internally.
 */
import { randomBytes } from 'node:crypto';
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
  type ContainerStatusResponse,
  type ExecRequest,
  type ExecSyncOptions,
  type ExecSyncResponse,
  type Image,
  type ImageService,
  type ImageSpec,
  type ImageStatusResponse,
  type LinuxContainerResources,
  type NamespaceMode,
  type PodSandbox,
  type PodSandboxConfig,
  type PodSandboxFilter,
  type PodSandboxStatusResponse,
  type PullImageOptions,
  type RunPodSandboxOptions,
  type RuntimeService,
  type StatusResponse,
  type StreamingResponse,
  type VerboseOptions,
  type VersionResponse,
} from '../services.ts';

export interface SimulatedRuntimeOptions {
  /** Pod CIDR (IPv4). May be set later with updatePodCidr. */
  podCidr?: string;
  clock?: Clock;
  /** Images present at start. @default localhost/pause:3.9, localhost/busybox:1.35 */
  images?: string[];
  /** Called when a container exits by itself. */
  onStateChange?: () => void;
  /** @default 'kubelab-sim' */
  runtimeName?: string;
}

interface SimSandbox {
  id: string;
  name: string;
  uid: string;
  namespace: string;
  attempt: number;
  ready: boolean;
  createdAt: number;
  ip: number; // 0 = none
  netMode: NamespaceMode;
  pidMode: NamespaceMode;
  ipcMode: NamespaceMode;
  netns: number;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  logDirectory: string;
  handler: string;
}

const ST_CREATED = 0;
const ST_RUNNING = 1;
const ST_EXITED = 2;
type SimState = typeof ST_CREATED | typeof ST_RUNNING | typeof ST_EXITED;
const STATE_NAMES: ContainerState[] = ['CONTAINER_CREATED', 'CONTAINER_RUNNING', 'CONTAINER_EXITED'];

interface SimContainer {
  id: string;
  sandboxId: string;
  name: string;
  attempt: number;
  state: SimState;
  createdAt: number;
  startedAt: number;
  finishedAt: number;
  exitCode: number;
  image: string;
  imageRef: string;
  argv: string[];
  labels: Record<string, string>;
  annotations: Record<string, string>;
  mounts: ContainerConfig['mounts'];
  logPath: string;
  resources: LinuxContainerResources | undefined;
  timer: Timer | undefined;
}

const realUnrefClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms);
    t.unref();
    return { cancel: () => clearTimeout(t) };
  },
  sleep(ms, signal) {
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

function parseCidr(cidr: string): { base: number; size: number } {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr.trim());
  if (!m) throw new Error(`Cannot use pod CIDR as it is not an IPv4 CIDR: ${cidr}`);
  const bits = Number(m[5]);
  if (bits < 8 || bits > 30) throw new Error(`Cannot use pod CIDR as its prefix must be /8../30: ${cidr}`);
  const ip = ((Number(m[1]) << 24) | (Number(m[2]) << 16) | (Number(m[3]) << 8) | Number(m[4])) >>> 0;
  const size = 2 ** (32 - bits);
  return { base: Math.floor(ip / size) * size, size };
}

function intToIp(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

function ns(ms: number): bigint {
  return BigInt(Math.round(ms * 1000)) * 1000n;
}

function normalizeImage(ref: string): string {
  if (ref.startsWith('sha256:') || ref.includes('@')) return ref;
  const slash = ref.lastIndexOf('/');
  return ref.slice(slash + 1).includes(':') ? ref : `${ref}:latest`;
}

function imageIdOf(ref: string): string {
  // A stable pseudo digest: 64 hex chars derived from the name (FNV-1a folded four times).
  let out = '';
  for (let round = 0; round < 8; round++) {
    let h = 0x811c9dc5 ^ round;
    for (let i = 0; i < ref.length; i++) {
      h ^= ref.charCodeAt(i);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    out += h.toString(16).padStart(8, '0');
  }
  return `sha256:${out}`;
}

function matchLabels(labels: Record<string, string>, selector: Record<string, string> | undefined): boolean {
  if (!selector) return true;
  for (const k in selector) if (labels[k] !== selector[k]) return false;
  return true;
}

/** What a command does in the simulation: run forever, or exit with a code after some seconds. */
export function interpretCommand(argv: string[]): { exitCode: number; afterSeconds: number } | undefined {
  if (argv.length === 0) return undefined;
  let script: string;
  const base = argv[0]?.split('/').pop() ?? '';
  if ((base === 'sh' || base === 'bash' || base === 'ash') && argv[1] === '-c') script = argv[2] ?? '';
  else script = argv.map((a) => (/\s/.test(a) ? JSON.stringify(a) : a)).join(' ');
  let seconds = 0;
  for (const raw of script.split(/;|&&|\n/)) {
    const words = raw.trim().split(/\s+/).filter(Boolean);
    const cmd = words[0]?.split('/').pop();
    if (!cmd) continue;
    if (cmd === 'sleep') {
      const arg = words[1] ?? '0';
      if (arg === 'infinity') return undefined;
      const n = Number(arg.replace(/s$/, ''));
      if (!Number.isFinite(n)) return undefined;
      seconds += n;
    } else if (cmd === 'exit') {
      return { exitCode: Number(words[1] ?? 0) || 0, afterSeconds: seconds };
    } else if (cmd === 'true' || cmd === ':') {
      continue;
    } else if (cmd === 'false') {
      return { exitCode: 1, afterSeconds: seconds };
    } else if (cmd === 'echo' || cmd === 'printf' || cmd === 'trap' || cmd === 'cat' || cmd === 'touch' || cmd === 'mkdir' || cmd === 'wget') {
      continue;
    } else {
      return undefined; // a server: runs until stopped
    }
  }
  return { exitCode: 0, afterSeconds: seconds };
}

export class SimulatedRuntime implements RuntimeService, ImageService {
  readonly runtimeName: string;
  onStateChange: (() => void) | undefined;
  #clock: Clock;
  #pool: { base: number; size: number } | undefined;
  #used: Uint8Array | undefined;
  #next = 2;
  #sandboxes = new Map<string, SimSandbox>();
  #containers = new Map<string, SimContainer>();
  #images = new Map<string, Image>();
  #netnsSeq = 4026532000;
  #lastMs = 0;

  constructor(options: SimulatedRuntimeOptions = {}) {
    this.#clock = options.clock ?? realUnrefClock;
    this.onStateChange = options.onStateChange;
    this.runtimeName = options.runtimeName ?? 'kubelab-sim';
    if (options.podCidr) this.updatePodCidr(options.podCidr);
    for (const ref of options.images ?? ['localhost/pause:3.9', 'localhost/busybox:1.35']) this.#addImage(ref);
  }

  /** CRI UpdateRuntimeConfig(pod_cidr): the pool sandboxes get IPs from. Addresses in use are kept. */
  updatePodCidr(cidr: string): void {
    const pool = parseCidr(cidr);
    if (this.#pool && this.#pool.base === pool.base && this.#pool.size === pool.size) return;
    this.#pool = pool;
    this.#used = new Uint8Array(pool.size);
    this.#next = 2;
    for (const s of this.#sandboxes.values()) {
      if (s.ip && s.ip >= pool.base && s.ip < pool.base + pool.size) this.#used[s.ip - pool.base] = 1;
    }
  }

  get podCidr(): string {
    return this.#pool ? `${intToIp(this.#pool.base)}/${32 - Math.log2(this.#pool.size)}` : '';
  }

  /** Counts for tests and memory measurements. */
  get counts(): { sandboxes: number; containers: number; running: number } {
    let running = 0;
    for (const c of this.#containers.values()) if (c.state === ST_RUNNING) running++;
    return { sandboxes: this.#sandboxes.size, containers: this.#containers.size, running };
  }

  /** Ends a running container as if its process exited (test control). */
  exitContainer(id: string, exitCode: number): void {
    const c = this.#containers.get(id);
    if (c && c.state === ST_RUNNING) {
      this.#finish(c, exitCode);
      this.onStateChange?.();
    }
  }

  /** Cancels all timers (sleeping containers keep running). */
  close(): void {
    for (const c of this.#containers.values()) {
      c.timer?.cancel();
      c.timer = undefined;
    }
  }

  #addImage(ref: string): Image {
    const tag = normalizeImage(ref);
    let img = this.#images.get(tag);
    if (!img) {
      img = { id: imageIdOf(tag), repoTags: [tag], repoDigests: [], size: 1_000_000, username: '', pinned: false };
      this.#images.set(tag, img);
    }
    return img;
  }

  #findImage(ref: string): Image | undefined {
    if (ref.startsWith('sha256:')) {
      for (const i of this.#images.values()) if (i.id === ref) return i;
      return undefined;
    }
    return this.#images.get(normalizeImage(ref));
  }

  /** Clock time in ms, strictly increasing (µs steps) so creation order shows in the timestamps. */
  #now(): number {
    let t = this.#clock.now();
    if (t <= this.#lastMs) t = this.#lastMs + 0.001;
    this.#lastMs = t;
    return t;
  }

  #check(opts: CallOptions | undefined): void {
    if (opts?.signal?.aborted) throw opts.signal.reason;
  }

  #newId(): string {
    return randomBytes(32).toString('hex');
  }

  #sandbox(id: string, method: string): SimSandbox {
    const s = this.#sandboxes.get(id);
    if (!s) throw new CriError('NOT_FOUND', `an error occurred when try to find sandbox "${id}": not found`, { method });
    return s;
  }

  #container(id: string, method: string): SimContainer {
    const c = this.#containers.get(id);
    if (!c) throw new CriError('NOT_FOUND', `an error occurred when try to find container "${id}": not found`, { method });
    return c;
  }

  #allocateIp(): number {
    const pool = this.#pool;
    const used = this.#used;
    if (!pool || !used) {
      throw new CriError('UNKNOWN', 'failed to setup network for sandbox: cni config uninitialized: no pod CIDR assigned to the node', { method: 'RunPodSandbox' });
    }
    const n = pool.size - 3; // usable offsets 2 .. size-2
    for (let i = 0; i < n; i++) {
      let off = this.#next + i;
      if (off > pool.size - 2) off = 2 + ((off - 2) % n);
      if (!used[off]) {
        used[off] = 1;
        this.#next = off + 1 > pool.size - 2 ? 2 : off + 1;
        return pool.base + off;
      }
    }
    throw new CriError('UNKNOWN', 'failed to setup network for sandbox: no IP addresses available in range set', { method: 'RunPodSandbox' });
  }

  #releaseIp(ip: number): void {
    if (!ip || !this.#pool || !this.#used) return;
    const off = ip - this.#pool.base;
    if (off >= 0 && off < this.#pool.size) this.#used[off] = 0;
  }

  #finish(c: SimContainer, exitCode: number): void {
    c.timer?.cancel();
    c.timer = undefined;
    c.state = ST_EXITED;
    c.exitCode = exitCode;
    c.finishedAt = this.#now();
  }

  #stop(c: SimContainer): void {
    if (c.state === ST_RUNNING) this.#finish(c, 143);
    else if (c.state === ST_CREATED) {
      c.state = ST_EXITED;
      c.exitCode = 0;
      c.finishedAt = this.#now();
    }
  }

  // ------------------------------------------------------------------------------------- runtime

  async version(opts?: CallOptions): Promise<VersionResponse> {
    this.#check(opts);
    return { version: '0.1.0', runtimeName: this.runtimeName, runtimeVersion: '0.1.0', runtimeApiVersion: 'v1' };
  }

  async status(opts?: VerboseOptions): Promise<StatusResponse> {
    this.#check(opts);
    return {
      conditions: [
        { type: 'RuntimeReady', status: true, reason: '', message: '' },
        this.#pool
          ? { type: 'NetworkReady', status: true, reason: '', message: '' }
          : { type: 'NetworkReady', status: false, reason: 'NetworkPluginNotReady', message: 'Network plugin returns error: cni config uninitialized: no pod CIDR assigned to the node' },
      ],
      info: {},
    };
  }

  async runPodSandbox(config: PodSandboxConfig, opts?: RunPodSandboxOptions): Promise<string> {
    this.#check(opts);
    const m = config.metadata;
    for (const s of this.#sandboxes.values()) {
      if (s.uid === m.uid && s.name === m.name && s.namespace === m.namespace && s.attempt === m.attempt) {
        const key = `${m.name}_${m.namespace}_${m.uid}_${m.attempt}`;
        throw new CriError('UNKNOWN', `failed to reserve sandbox name "${key}": name "${key}" is reserved for "${s.id}"`, { method: 'RunPodSandbox' });
      }
    }
    const nso = config.linux?.securityContext?.namespaceOptions;
    const netMode = nso?.network ?? 'POD';
    const ip = netMode === 'NODE' ? 0 : this.#allocateIp();
    const id = this.#newId();
    this.#sandboxes.set(id, {
      id,
      name: m.name,
      uid: m.uid,
      namespace: m.namespace,
      attempt: m.attempt,
      ready: true,
      createdAt: this.#now(),
      ip,
      netMode,
      pidMode: nso?.pid ?? 'POD',
      ipcMode: nso?.ipc ?? 'POD',
      netns: netMode === 'NODE' ? 4026531840 : this.#netnsSeq++,
      labels: config.labels ?? {},
      annotations: config.annotations ?? {},
      logDirectory: config.logDirectory ?? '',
      handler: opts?.runtimeHandler ?? '',
    });
    return id;
  }

  async stopPodSandbox(podSandboxId: string, opts?: CallOptions): Promise<void> {
    this.#check(opts);
    const s = this.#sandbox(podSandboxId, 'StopPodSandbox');
    for (const c of this.#containers.values()) if (c.sandboxId === podSandboxId) this.#stop(c);
    if (s.ready) {
      s.ready = false;
      this.#releaseIp(s.ip);
      s.ip = 0;
    }
  }

  async removePodSandbox(podSandboxId: string, opts?: CallOptions): Promise<void> {
    this.#check(opts);
    const s = this.#sandboxes.get(podSandboxId);
    if (!s) return;
    for (const c of [...this.#containers.values()]) {
      if (c.sandboxId !== podSandboxId) continue;
      c.timer?.cancel();
      this.#containers.delete(c.id);
    }
    if (s.ready) this.#releaseIp(s.ip);
    this.#sandboxes.delete(podSandboxId);
  }

  async podSandboxStatus(podSandboxId: string, opts?: VerboseOptions): Promise<PodSandboxStatusResponse> {
    this.#check(opts);
    const s = this.#sandbox(podSandboxId, 'PodSandboxStatus');
    return {
      status: {
        id: s.id,
        metadata: { name: s.name, uid: s.uid, namespace: s.namespace, attempt: s.attempt },
        state: s.ready ? 'SANDBOX_READY' : 'SANDBOX_NOTREADY',
        createdAt: ns(s.createdAt),
        network: { ip: s.ip ? intToIp(s.ip) : '', additionalIps: [] },
        namespaceOptions: { network: s.netMode, pid: s.pidMode, ipc: s.ipcMode },
        labels: { ...s.labels },
        annotations: { ...s.annotations },
        runtimeHandler: s.handler,
      },
      info: opts?.verbose ? { info: JSON.stringify({ netns: `net:[${s.netns}]`, simulated: true }) } : {},
    };
  }

  async listPodSandbox(filter?: PodSandboxFilter, opts?: CallOptions): Promise<PodSandbox[]> {
    this.#check(opts);
    const out: PodSandbox[] = [];
    for (const s of this.#sandboxes.values()) {
      if (filter?.id && !s.id.startsWith(filter.id)) continue;
      if (filter?.state && (s.ready ? 'SANDBOX_READY' : 'SANDBOX_NOTREADY') !== filter.state) continue;
      if (!matchLabels(s.labels, filter?.labelSelector)) continue;
      out.push({
        id: s.id,
        metadata: { name: s.name, uid: s.uid, namespace: s.namespace, attempt: s.attempt },
        state: s.ready ? 'SANDBOX_READY' : 'SANDBOX_NOTREADY',
        createdAt: ns(s.createdAt),
        labels: { ...s.labels },
        annotations: { ...s.annotations },
        runtimeHandler: s.handler,
      });
    }
    return out;
  }

  async createContainer(podSandboxId: string, config: ContainerConfig, sandboxConfig: PodSandboxConfig, opts?: CallOptions): Promise<string> {
    this.#check(opts);
    const s = this.#sandbox(podSandboxId, 'CreateContainer');
    for (const c of this.#containers.values()) {
      if (c.sandboxId === podSandboxId && c.name === config.metadata.name && c.attempt === config.metadata.attempt) {
        const key = `${config.metadata.name}_${s.name}_${s.namespace}_${s.uid}_${config.metadata.attempt}`;
        throw new CriError('UNKNOWN', `failed to reserve container name "${key}": name "${key}" is reserved for "${c.id}"`, { method: 'CreateContainer' });
      }
    }
    if (!s.ready) throw new CriError('NOT_FOUND', `failed to get sandbox container task: no running task found: task ${s.id} not found: not found`, { method: 'CreateContainer' });
    const img = this.#findImage(config.image.image);
    if (!img) throw new CriError('NOT_FOUND', `failed to resolve image "${config.image.image}": not found`, { method: 'CreateContainer' });
    const id = this.#newId();
    const logDir = sandboxConfig.logDirectory || s.logDirectory;
    this.#containers.set(id, {
      id,
      sandboxId: podSandboxId,
      name: config.metadata.name,
      attempt: config.metadata.attempt,
      state: ST_CREATED,
      createdAt: this.#now(),
      startedAt: 0,
      finishedAt: 0,
      exitCode: 0,
      image: config.image.image,
      imageRef: img.id,
      argv: [...(config.command ?? []), ...(config.args ?? [])],
      labels: config.labels ?? {},
      annotations: config.annotations ?? {},
      mounts: config.mounts,
      logPath: logDir && config.logPath ? `${logDir}/${config.logPath}` : '',
      resources: config.linux?.resources,
      timer: undefined,
    });
    return id;
  }

  async startContainer(containerId: string, opts?: CallOptions): Promise<void> {
    this.#check(opts);
    const c = this.#container(containerId, 'StartContainer');
    if (c.state !== ST_CREATED) {
      throw new CriError('UNKNOWN', `failed to set starting state for container "${containerId}": container is in ${STATE_NAMES[c.state]} state`, { method: 'StartContainer' });
    }
    const s = this.#sandboxes.get(c.sandboxId);
    if (!s || !s.ready) throw new CriError('UNKNOWN', `sandbox container "${c.sandboxId}" is not running`, { method: 'StartContainer' });
    c.state = ST_RUNNING;
    c.startedAt = Math.max(this.#now(), c.createdAt);
    const plan = interpretCommand(c.argv);
    if (plan) {
      c.timer = this.#clock.setTimeout(() => {
        c.timer = undefined;
        if (c.state !== ST_RUNNING || this.#containers.get(c.id) !== c) return;
        this.#finish(c, plan.exitCode);
        this.onStateChange?.();
      }, plan.afterSeconds * 1000);
    }
  }

  async stopContainer(containerId: string, _timeoutSeconds: number, opts?: CallOptions): Promise<void> {
    this.#check(opts);
    this.#stop(this.#container(containerId, 'StopContainer'));
  }

  async removeContainer(containerId: string, opts?: CallOptions): Promise<void> {
    this.#check(opts);
    const c = this.#containers.get(containerId);
    if (!c) return;
    c.timer?.cancel();
    this.#containers.delete(containerId);
  }

  #toContainer(c: SimContainer): Container {
    return {
      id: c.id,
      podSandboxId: c.sandboxId,
      metadata: { name: c.name, attempt: c.attempt },
      image: { image: c.image },
      imageRef: c.imageRef,
      state: STATE_NAMES[c.state] as ContainerState,
      createdAt: ns(c.createdAt),
      labels: { ...c.labels },
      annotations: { ...c.annotations },
    };
  }

  async listContainers(filter?: ContainerFilter, opts?: CallOptions): Promise<Container[]> {
    this.#check(opts);
    const out: Container[] = [];
    for (const c of this.#containers.values()) {
      if (filter?.id && !c.id.startsWith(filter.id)) continue;
      if (filter?.podSandboxId && c.sandboxId !== filter.podSandboxId) continue;
      if (filter?.state && STATE_NAMES[c.state] !== filter.state) continue;
      if (!matchLabels(c.labels, filter?.labelSelector)) continue;
      out.push(this.#toContainer(c));
    }
    return out;
  }

  async containerStatus(containerId: string, opts?: VerboseOptions): Promise<ContainerStatusResponse> {
    this.#check(opts);
    const c = this.#container(containerId, 'ContainerStatus');
    const exited = c.state === ST_EXITED;
    const status: ContainerStatusResponse['status'] = {
      id: c.id,
      metadata: { name: c.name, attempt: c.attempt },
      state: STATE_NAMES[c.state] as ContainerState,
      createdAt: ns(c.createdAt),
      startedAt: c.startedAt ? ns(c.startedAt) : 0n,
      finishedAt: exited ? ns(c.finishedAt) : 0n,
      exitCode: exited ? c.exitCode : 0,
      image: { image: c.image },
      imageRef: c.imageRef,
      reason: exited ? (c.exitCode === 0 ? 'Completed' : 'Error') : '',
      message: '',
      labels: { ...c.labels },
      annotations: { ...c.annotations },
      mounts: (c.mounts ?? []).map((m) => ({ ...m })),
      logPath: c.logPath,
    };
    if (c.resources) status.resources = { ...c.resources };
    return { status, info: {} };
  }

  async updateContainerResources(containerId: string, resources: LinuxContainerResources, opts?: CallOptions): Promise<void> {
    this.#check(opts);
    const c = this.#container(containerId, 'UpdateContainerResources');
    c.resources = { ...c.resources, ...resources };
  }

  async execSync(containerId: string, cmd: string[], opts?: ExecSyncOptions): Promise<ExecSyncResponse> {
    this.#check(opts);
    const c = this.#container(containerId, 'ExecSync');
    if (c.state !== ST_RUNNING) throw new CriError('UNKNOWN', `container ${containerId} is not running`, { method: 'ExecSync' });
    const empty = Buffer.alloc(0);
    if (cmd[0] === 'readlink' && cmd[1] === '/proc/self/ns/net') {
      const s = this.#sandboxes.get(c.sandboxId);
      return { stdout: Buffer.from(`net:[${s?.netns ?? 0}]\n`), stderr: empty, exitCode: 0 };
    }
    const plan = interpretCommand(cmd);
    return { stdout: empty, stderr: empty, exitCode: plan && plan.afterSeconds === 0 ? plan.exitCode : 0 };
  }

  async exec(request: ExecRequest, opts?: CallOptions): Promise<StreamingResponse> {
    this.#check(opts);
    this.#container(request.containerId, 'Exec');
    throw new CriError('UNIMPLEMENTED', 'the simulated runtime has no streaming server', { method: 'Exec' });
  }

  async attach(request: AttachRequest, opts?: CallOptions): Promise<StreamingResponse> {
    this.#check(opts);
    this.#container(request.containerId, 'Attach');
    throw new CriError('UNIMPLEMENTED', 'the simulated runtime has no streaming server', { method: 'Attach' });
  }

  async portForward(request: PortForwardRequest, opts?: CallOptions): Promise<StreamingResponse> {
    this.#check(opts);
    void request;
    throw new CriError('UNIMPLEMENTED', 'the simulated runtime has no streaming server', { method: 'PortForward' });
  }

  async containerStats(containerId: string, opts?: CallOptions): Promise<ContainerStats> {
    this.#check(opts);
    const c = this.#container(containerId, 'ContainerStats');
    const t = ns(this.#now());
    return {
      attributes: { id: c.id, metadata: { name: c.name, attempt: c.attempt }, labels: { ...c.labels }, annotations: { ...c.annotations } },
      cpu: { timestamp: t, usageCoreNanoSeconds: 0n },
      memory: { timestamp: t, workingSetBytes: 0n },
    };
  }

  // --------------------------------------------------------------------------------------- images

  async listImages(filter?: { image?: ImageSpec }, opts?: CallOptions): Promise<Image[]> {
    this.#check(opts);
    const all = [...this.#images.values()];
    const want = filter?.image?.image;
    const list = want ? all.filter((i) => i === this.#findImage(want)) : all;
    return list.map((i) => ({ ...i, repoTags: [...i.repoTags], repoDigests: [...i.repoDigests] }));
  }

  async imageStatus(image: ImageSpec, opts?: VerboseOptions): Promise<ImageStatusResponse> {
    this.#check(opts);
    const i = this.#findImage(image.image);
    return { image: i ? { ...i, repoTags: [...i.repoTags], repoDigests: [...i.repoDigests] } : null, info: {} };
  }

  async pullImage(image: ImageSpec, opts?: PullImageOptions): Promise<string> {
    this.#check(opts);
    if (image.image.startsWith('sha256:')) {
      const i = this.#findImage(image.image);
      if (!i) throw new CriError('NOT_FOUND', `failed to pull and unpack image "${image.image}": not found`, { method: 'PullImage' });
      return i.id;
    }
    return this.#addImage(image.image).id;
  }

  async removeImage(image: ImageSpec, opts?: CallOptions): Promise<void> {
    this.#check(opts);
    const i = this.#findImage(image.image);
    if (!i) return;
    for (const [k, v] of this.#images) if (v === i) this.#images.delete(k);
  }
}
