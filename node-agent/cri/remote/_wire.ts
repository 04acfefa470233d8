/**
 * Conversions between the camelCase objects of `../services.ts` and the snake_case objects that
 * @grpc/proto-loader (keepCase, longs: String, enums: String, defaults: true) reads and writes for
 * `../api.proto`. Pure functions; private to `remote/`.
 */
import type {
  Container,
  ContainerConfig,
  ContainerFilter,
  ContainerMetadata,
  ContainerState,
  ContainerStats,
  ContainerStatus,
  Image,
  ImageSpec,
  LinuxContainerResources,
  Mount,
  MountPropagation,
  NamespaceMode,
  NamespaceOption,
  PodSandbox,
  PodSandboxConfig,
  PodSandboxFilter,
  PodSandboxMetadata,
  PodSandboxState,
  PodSandboxStatus,
  RuntimeCondition,
} from '../services.ts';

export type Raw = Record<string, unknown>;

// ------------------------------------------------------------------------------------ raw readers

export function obj(v: unknown): Raw {
  return v !== null && typeof v === 'object' && !Buffer.isBuffer(v) ? (v as Raw) : {};
}
function str(o: Raw, k: string): string {
  const v = o[k];
  return typeof v === 'string' ? v : '';
}
function int(o: Raw, k: string): number {
  const v = o[k];
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v !== '') return Number(v);
  return 0;
}
function big(o: Raw, k: string): bigint {
  const v = o[k];
  if (typeof v === 'string' && v !== '') return BigInt(v);
  if (typeof v === 'number') return BigInt(Math.trunc(v));
  if (typeof v === 'bigint') return v;
  return 0n;
}
function bool(o: Raw, k: string): boolean {
  return o[k] === true;
}
function list(o: Raw, k: string): unknown[] {
  const v = o[k];
  return Array.isArray(v) ? v : [];
}
function strList(o: Raw, k: string): string[] {
  return list(o, k).filter((x): x is string => typeof x === 'string');
}
function strMap(o: Raw, k: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, val] of Object.entries(obj(o[k]))) if (typeof val === 'string') out[key] = val;
  return out;
}
export function buf(o: Raw, k: string): Buffer {
  const v = o[k];
  if (Buffer.isBuffer(v)) return v;
  if (v instanceof Uint8Array) return Buffer.from(v);
  if (typeof v === 'string') return Buffer.from(v, 'base64');
  return Buffer.alloc(0);
}
/** A wrapper message (`UInt64Value`) as bigint, or undefined when absent. */
function wrappedBig(o: Raw, k: string): bigint | undefined {
  const v = o[k];
  if (v === null || v === undefined || typeof v !== 'object') return undefined;
  return big(v as Raw, 'value');
}

function oneOf<T extends string>(v: unknown, allowed: readonly T[], fallback: T): T {
  return typeof v === 'string' && (allowed as readonly string[]).includes(v) ? (v as T) : fallback;
}

const SANDBOX_STATES: readonly PodSandboxState[] = ['SANDBOX_READY', 'SANDBOX_NOTREADY'];
const CONTAINER_STATES: readonly ContainerState[] = ['CONTAINER_CREATED', 'CONTAINER_RUNNING', 'CONTAINER_EXITED', 'CONTAINER_UNKNOWN'];
const NAMESPACE_MODES: readonly NamespaceMode[] = ['POD', 'CONTAINER', 'NODE', 'TARGET'];
const PROPAGATIONS: readonly MountPropagation[] = ['PROPAGATION_PRIVATE', 'PROPAGATION_HOST_TO_CONTAINER', 'PROPAGATION_BIDIRECTIONAL'];

// ---------------------------------------------------------------------------------- to the wire

function optInt64(v: number | undefined): { value: number } | undefined {
  return v === undefined ? undefined : { value: v };
}

export function toNamespaceOption(n: NamespaceOption | undefined): Raw | undefined {
  if (!n) return undefined;
  return { network: n.network ?? 'POD', pid: n.pid ?? 'POD', ipc: n.ipc ?? 'POD', target_id: n.targetId ?? '' };
}

export function toSandboxConfig(c: PodSandboxConfig): Raw {
  const linux = c.linux;
  const sc = linux?.securityContext;
  return {
    metadata: { name: c.metadata.name, uid: c.metadata.uid, namespace: c.metadata.namespace, attempt: c.metadata.attempt },
    hostname: c.hostname ?? '',
    log_directory: c.logDirectory ?? '',
    dns_config: c.dnsConfig
      ? { servers: c.dnsConfig.servers ?? [], searches: c.dnsConfig.searches ?? [], options: c.dnsConfig.options ?? [] }
      : undefined,
    port_mappings: (c.portMappings ?? []).map((p) => ({
      protocol: p.protocol ?? 'TCP',
      container_port: p.containerPort,
      host_port: p.hostPort ?? 0,
      host_ip: p.hostIp ?? '',
    })),
    labels: { ...c.labels },
    annotations: { ...c.annotations },
    linux: linux
      ? {
          cgroup_parent: linux.cgroupParent ?? '',
          security_context: sc
            ? {
                namespace_options: toNamespaceOption(sc.namespaceOptions),
                run_as_user: optInt64(sc.runAsUser),
                run_as_group: optInt64(sc.runAsGroup),
                readonly_rootfs: sc.readonlyRootfs ?? false,
                supplemental_groups: sc.supplementalGroups ?? [],
                privileged: sc.privileged ?? false,
              }
            : undefined,
          sysctls: { ...linux.sysctls },
        }
      : undefined,
  };
}

export function toResources(r: LinuxContainerResources | undefined): Raw | undefined {
  if (!r) return undefined;
  return {
    cpu_period: r.cpuPeriod ?? 0,
    cpu_quota: r.cpuQuota ?? 0,
    cpu_shares: r.cpuShares ?? 0,
    memory_limit_in_bytes: r.memoryLimitInBytes ?? 0,
    oom_score_adj: r.oomScoreAdj ?? 0,
    cpuset_cpus: r.cpusetCpus ?? '',
    cpuset_mems: r.cpusetMems ?? '',
  };
}

export function toImageSpec(i: ImageSpec): Raw {
  return { image: i.image, annotations: { ...i.annotations } };
}

function toMount(m: Mount): Raw {
  return {
    container_path: m.containerPath,
    host_path: m.hostPath,
    readonly: m.readonly ?? false,
    selinux_relabel: m.selinuxRelabel ?? false,
    propagation: m.propagation ?? 'PROPAGATION_PRIVATE',
  };
}

export function toContainerConfig(c: ContainerConfig): Raw {
  const sc = c.linux?.securityContext;
  return {
    metadata: { name: c.metadata.name, attempt: c.metadata.attempt },
    image: toImageSpec(c.image),
    command: c.command ?? [],
    args: c.args ?? [],
    working_dir: c.workingDir ?? '',
    // KeyValue.value is `bytes` (cri-api >= 0.36): a JS string would be read as base64.
    envs: (c.envs ?? []).map((e) => ({ key: e.key, value: Buffer.from(e.value, 'utf8') })),
    mounts: (c.mounts ?? []).map(toMount),
    labels: { ...c.labels },
    annotations: { ...c.annotations },
    log_path: c.logPath ?? '',
    stdin: c.stdin ?? false,
    stdin_once: c.stdinOnce ?? false,
    tty: c.tty ?? false,
    linux: c.linux
      ? {
          resources: toResources(c.linux.resources),
          security_context: sc
            ? {
                capabilities: sc.capabilities
                  ? { add_capabilities: sc.capabilities.addCapabilities ?? [], drop_capabilities: sc.capabilities.dropCapabilities ?? [] }
                  : undefined,
                privileged: sc.privileged ?? false,
                namespace_options: toNamespaceOption(sc.namespaceOptions),
                run_as_user: optInt64(sc.runAsUser),
                run_as_group: optInt64(sc.runAsGroup),
                run_as_username: sc.runAsUsername ?? '',
                readonly_rootfs: sc.readonlyRootfs ?? false,
                supplemental_groups: sc.supplementalGroups ?? [],
                no_new_privs: sc.noNewPrivs ?? false,
              }
            : undefined,
        }
      : undefined,
  };
}

export function toSandboxFilter(f: PodSandboxFilter | undefined): Raw | undefined {
  if (!f) return undefined;
  return {
    id: f.id ?? '',
    state: f.state === undefined ? undefined : { state: f.state },
    label_selector: { ...f.labelSelector },
  };
}

export function toContainerFilter(f: ContainerFilter | undefined): Raw | undefined {
  if (!f) return undefined;
  return {
    id: f.id ?? '',
    state: f.state === undefined ? undefined : { state: f.state },
    pod_sandbox_id: f.podSandboxId ?? '',
    label_selector: { ...f.labelSelector },
  };
}

// -------------------------------------------------------------------------------- from the wire

function fromSandboxMetadata(v: unknown): PodSandboxMetadata {
  const o = obj(v);
  return { name: str(o, 'name'), uid: str(o, 'uid'), namespace: str(o, 'namespace'), attempt: int(o, 'attempt') };
}

function fromContainerMetadata(v: unknown): ContainerMetadata {
  const o = obj(v);
  return { name: str(o, 'name'), attempt: int(o, 'attempt') };
}

function fromImageSpec(v: unknown): ImageSpec {
  const o = obj(v);
  const spec: ImageSpec = { image: str(o, 'image') };
  const annotations = strMap(o, 'annotations');
  if (Object.keys(annotations).length > 0) spec.annotations = annotations;
  return spec;
}

function fromNamespaceOption(v: unknown): NamespaceOption {
  const o = obj(v);
  const n: NamespaceOption = {
    network: oneOf(o['network'], NAMESPACE_MODES, 'POD'),
    pid: oneOf(o['pid'], NAMESPACE_MODES, 'POD'),
    ipc: oneOf(o['ipc'], NAMESPACE_MODES, 'POD'),
  };
  const target = str(o, 'target_id');
  if (target) n.targetId = target;
  return n;
}

export function fromResources(v: unknown): LinuxContainerResources | undefined {
  if (v === null || v === undefined) return undefined;
  const o = obj(v);
  return {
    cpuPeriod: int(o, 'cpu_period'),
    cpuQuota: int(o, 'cpu_quota'),
    cpuShares: int(o, 'cpu_shares'),
    memoryLimitInBytes: int(o, 'memory_limit_in_bytes'),
    oomScoreAdj: int(o, 'oom_score_adj'),
    cpusetCpus: str(o, 'cpuset_cpus'),
    cpusetMems: str(o, 'cpuset_mems'),
  };
}

export function fromSandboxStatus(v: unknown): PodSandboxStatus {
  const o = obj(v);
  const net = obj(o['network']);
  return {
    id: str(o, 'id'),
    metadata: fromSandboxMetadata(o['metadata']),
    state: oneOf(o['state'], SANDBOX_STATES, 'SANDBOX_NOTREADY'),
    createdAt: big(o, 'created_at'),
    network: { ip: str(net, 'ip'), additionalIps: list(net, 'additional_ips').map((x) => str(obj(x), 'ip')).filter((ip) => ip !== '') },
    namespaceOptions: fromNamespaceOption(obj(obj(obj(o['linux'])['namespaces'])['options'])),
    labels: strMap(o, 'labels'),
    annotations: strMap(o, 'annotations'),
    runtimeHandler: str(o, 'runtime_handler'),
  };
}

export function fromSandbox(v: unknown): PodSandbox {
  const o = obj(v);
  return {
    id: str(o, 'id'),
    metadata: fromSandboxMetadata(o['metadata']),
    state: oneOf(o['state'], SANDBOX_STATES, 'SANDBOX_NOTREADY'),
    createdAt: big(o, 'created_at'),
    labels: strMap(o, 'labels'),
    annotations: strMap(o, 'annotations'),
    runtimeHandler: str(o, 'runtime_handler'),
  };
}

export function fromContainer(v: unknown): Container {
  const o = obj(v);
  return {
    id: str(o, 'id'),
    podSandboxId: str(o, 'pod_sandbox_id'),
    metadata: fromContainerMetadata(o['metadata']),
    image: fromImageSpec(o['image']),
    imageRef: str(o, 'image_ref'),
    state: oneOf(o['state'], CONTAINER_STATES, 'CONTAINER_UNKNOWN'),
    createdAt: big(o, 'created_at'),
    labels: strMap(o, 'labels'),
    annotations: strMap(o, 'annotations'),
  };
}

function fromMount(v: unknown): Mount {
  const o = obj(v);
  return {
    containerPath: str(o, 'container_path'),
    hostPath: str(o, 'host_path'),
    readonly: bool(o, 'readonly'),
    selinuxRelabel: bool(o, 'selinux_relabel'),
    propagation: oneOf(o['propagation'], PROPAGATIONS, 'PROPAGATION_PRIVATE'),
  };
}

export function fromContainerStatus(v: unknown): ContainerStatus {
  const o = obj(v);
  const s: ContainerStatus = {
    id: str(o, 'id'),
    metadata: fromContainerMetadata(o['metadata']),
    state: oneOf(o['state'], CONTAINER_STATES, 'CONTAINER_UNKNOWN'),
    createdAt: big(o, 'created_at'),
    startedAt: big(o, 'started_at'),
    finishedAt: big(o, 'finished_at'),
    exitCode: int(o, 'exit_code'),
    image: fromImageSpec(o['image']),
    imageRef: str(o, 'image_ref'),
    reason: str(o, 'reason'),
    message: str(o, 'message'),
    labels: strMap(o, 'labels'),
    annotations: strMap(o, 'annotations'),
    mounts: list(o, 'mounts').map(fromMount),
    logPath: str(o, 'log_path'),
  };
  const resources = fromResources(obj(o['resources'])['linux']);
  if (resources) s.resources = resources;
  return s;
}

export function fromContainerStats(v: unknown): ContainerStats {
  const o = obj(v);
  const attrs = obj(o['attributes']);
  const stats: ContainerStats = {
    attributes: {
      id: str(attrs, 'id'),
      metadata: fromContainerMetadata(attrs['metadata']),
      labels: strMap(attrs, 'labels'),
      annotations: strMap(attrs, 'annotations'),
    },
  };
  if (o['cpu']) {
    const c = obj(o['cpu']);
    stats.cpu = { timestamp: big(c, 'timestamp') };
    const core = wrappedBig(c, 'usage_core_nano_seconds');
    if (core !== undefined) stats.cpu.usageCoreNanoSeconds = core;
    const nano = wrappedBig(c, 'usage_nano_cores');
    if (nano !== undefined) stats.cpu.usageNanoCores = nano;
  }
  if (o['memory']) {
    const m = obj(o['memory']);
    stats.memory = { timestamp: big(m, 'timestamp') };
    const ws = wrappedBig(m, 'working_set_bytes');
    if (ws !== undefined) stats.memory.workingSetBytes = ws;
    const av = wrappedBig(m, 'available_bytes');
    if (av !== undefined) stats.memory.availableBytes = av;
    const us = wrappedBig(m, 'usage_bytes');
    if (us !== undefined) stats.memory.usageBytes = us;
    const rss = wrappedBig(m, 'rss_bytes');
    if (rss !== undefined) stats.memory.rssBytes = rss;
  }
  if (o['writable_layer']) {
    const w = obj(o['writable_layer']);
    stats.writableLayer = { timestamp: big(w, 'timestamp'), mountpoint: str(obj(w['fs_id']), 'mountpoint') };
    const used = wrappedBig(w, 'used_bytes');
    if (used !== undefined) stats.writableLayer.usedBytes = used;
    const inodes = wrappedBig(w, 'inodes_used');
    if (inodes !== undefined) stats.writableLayer.inodesUsed = inodes;
  }
  return stats;
}

export function fromImage(v: unknown): Image {
  const o = obj(v);
  const img: Image = {
    id: str(o, 'id'),
    repoTags: strList(o, 'repo_tags'),
    repoDigests: strList(o, 'repo_digests'),
    size: int(o, 'size'),
    username: str(o, 'username'),
    pinned: bool(o, 'pinned'),
  };
  if (o['uid'] !== null && o['uid'] !== undefined) img.uid = int(obj(o['uid']), 'value');
  return img;
}

export function fromConditions(v: unknown): RuntimeCondition[] {
  return list(obj(v), 'conditions').map((c) => {
    const o = obj(c);
    return { type: str(o, 'type'), status: bool(o, 'status'), reason: str(o, 'reason'), message: str(o, 'message') };
  });
}

export function infoMap(o: Raw): Record<string, string> {
  return strMap(o, 'info');
}
export { str as rawStr, int as rawInt, list as rawList };
