/**
 * The Container Runtime Interface as the node agent sees it: two small promise-based interfaces,
 * `RuntimeService` and `ImageService`, mirroring CRI v1 (k8s.io/cri-api `pkg/apis/runtime/v1/api.proto`,
 * and kubelet's `k8s.io/cri-api/pkg/apis/services.go`).
 *
 * Design rule: the agent imports only this file. The remote runtime (gRPC to containerd,
 * `remote/remote-runtime.ts`), the in-memory fake (`fake/fake-runtime.ts`) and any simulated runtime are
 * peers behind these interfaces, and all of them pass `testing/cri-tests.ts`.
 *
 * Conventions
 * - Field names are the proto names in camelCase (`pod_sandbox_id` -> `podSandboxId`).
 * - Enums are strings in their wire spelling (`'CONTAINER_RUNNING'`, `'SANDBOX_READY'`, `'POD'`).
 * - Timestamps (`createdAt`, `startedAt`, `finishedAt`, stats timestamps) are **bigint nanoseconds since
 *   the epoch**, exactly as on the wire (int64; a JS number cannot hold current epoch-ns exactly).
 *   `0n` means "not set". Use `nanosToMillis()` to get a `Date`-compatible number.
 * - Other int64 fields (resources, exit codes, ports) are plain numbers; they fit.
 * - Optional request fields may be omitted; the runtime applies the proto defaults (0, '', false, first
 *   enum value). Note that `NamespaceOption.pid` defaults to `'POD'` on the wire; kubelet always sets it
 *   explicitly (`'CONTAINER'` for ordinary pods), and so should the agent.
 * - Response objects are plain data, fully populated (maps as `{}`, lists as `[]`, strings as `''`).
 *   The caller owns them and may mutate them.
 * - Every method takes an optional `CallOptions` last: `signal` aborts the call (the promise rejects with
 *   `signal.reason`), `timeoutMs` bounds it (rejects with a `CriError` of code `'DEADLINE_EXCEEDED'`).
 * - Failures are `CriError` with a gRPC status code in wire spelling (`'NOT_FOUND'`, ...). Use
 *   `isNotFound(err)` etc. Runtimes map their own failures onto these codes.
 */

// ---------------------------------------------------------------------------------------------- enums

export type PodSandboxState = 'SANDBOX_READY' | 'SANDBOX_NOTREADY';
export type ContainerState = 'CONTAINER_CREATED' | 'CONTAINER_RUNNING' | 'CONTAINER_EXITED' | 'CONTAINER_UNKNOWN';
/** `POD` is the wire default (0). kubelet sets `pid: 'CONTAINER'` for pods without shareProcessNamespace. */
export type NamespaceMode = 'POD' | 'CONTAINER' | 'NODE' | 'TARGET';
export type Protocol = 'TCP' | 'UDP' | 'SCTP';
export type MountPropagation = 'PROPAGATION_PRIVATE' | 'PROPAGATION_HOST_TO_CONTAINER' | 'PROPAGATION_BIDIRECTIONAL';

/** gRPC status codes in wire spelling (google.golang.org/grpc/codes). */
export type CriErrorCode =
  | 'OK' | 'CANCELLED' | 'UNKNOWN' | 'INVALID_ARGUMENT' | 'DEADLINE_EXCEEDED' | 'NOT_FOUND' | 'ALREADY_EXISTS'
  | 'PERMISSION_DENIED' | 'RESOURCE_EXHAUSTED' | 'FAILED_PRECONDITION' | 'ABORTED' | 'OUT_OF_RANGE'
  | 'UNIMPLEMENTED' | 'INTERNAL' | 'UNAVAILABLE' | 'DATA_LOSS' | 'UNAUTHENTICATED';

/** The gRPC numeric value of each code (index = number). */
export const CRI_ERROR_CODES: readonly CriErrorCode[] = [
  'OK', 'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND', 'ALREADY_EXISTS',
  'PERMISSION_DENIED', 'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'ABORTED', 'OUT_OF_RANGE',
  'UNIMPLEMENTED', 'INTERNAL', 'UNAVAILABLE', 'DATA_LOSS', 'UNAUTHENTICATED',
];

// --------------------------------------------------------------------------------------------- errors

/**
 * A failed CRI call. `code` is the gRPC status code in wire spelling; `grpcCode` its number; `method` the
 * CRI method (`'CreateContainer'`); `message` the runtime's text, e.g.
 * `failed to resolve image "localhost/nope:1": not found`.
 */
export class CriError extends Error {
  readonly code: CriErrorCode;
  readonly method: string;
  constructor(code: CriErrorCode, message: string, options?: { method?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CriError';
    this.code = code;
    this.method = options?.method ?? '';
  }
  get grpcCode(): number {
    return CRI_ERROR_CODES.indexOf(this.code);
  }
}

export function isCriError(err: unknown): err is CriError {
  return err instanceof CriError;
}
export function isNotFound(err: unknown): boolean {
  return err instanceof CriError && err.code === 'NOT_FOUND';
}
export function isAlreadyExists(err: unknown): boolean {
  return err instanceof CriError && err.code === 'ALREADY_EXISTS';
}
export function isDeadlineExceeded(err: unknown): boolean {
  return err instanceof CriError && err.code === 'DEADLINE_EXCEEDED';
}
export function isUnavailable(err: unknown): boolean {
  return err instanceof CriError && err.code === 'UNAVAILABLE';
}

/** Converts a CRI timestamp (ns) to epoch milliseconds; `0n` (unset) stays 0. */
export function nanosToMillis(ns: bigint): number {
  return Number(ns / 1_000_000n);
}

// ------------------------------------------------------------------------------------------- options

export interface CallOptions {
  /** Aborts the call; the promise rejects with `signal.reason`. */
  signal?: AbortSignal;
  /** Deadline for this call in ms. Remote default: the runtime's `defaultTimeoutMs` (2 min, like kubelet). */
  timeoutMs?: number;
}

export interface VerboseOptions extends CallOptions {
  /** Ask for the runtime's `info` map (JSON strings). */
  verbose?: boolean;
}

export interface RunPodSandboxOptions extends CallOptions {
  /** RuntimeClass handler; '' is the default handler. */
  runtimeHandler?: string;
}

export interface ExecSyncOptions extends CallOptions {
  /** Seconds the command may run before the runtime kills it (0 = no limit). Fails with DEADLINE_EXCEEDED. */
  timeoutSeconds?: number;
}

export interface PullImageOptions extends CallOptions {
  auth?: AuthConfig;
  sandboxConfig?: PodSandboxConfig;
}

// ---------------------------------------------------------------------------------------- sandboxes

export interface VersionResponse {
  version: string;
  runtimeName: string;
  runtimeVersion: string;
  runtimeApiVersion: string;
}

export interface PodSandboxMetadata {
  name: string;
  uid: string;
  namespace: string;
  attempt: number;
}

export interface DnsConfig {
  servers?: string[];
  searches?: string[];
  options?: string[];
}

export interface PortMapping {
  /** Default 'TCP'. */
  protocol?: Protocol;
  containerPort: number;
  hostPort?: number;
  hostIp?: string;
}

export interface NamespaceOption {
  network?: NamespaceMode;
  pid?: NamespaceMode;
  ipc?: NamespaceMode;
  /** Container id for mode `'TARGET'`. */
  targetId?: string;
}

export interface LinuxSandboxSecurityContext {
  namespaceOptions?: NamespaceOption;
  runAsUser?: number;
  runAsGroup?: number;
  readonlyRootfs?: boolean;
  supplementalGroups?: number[];
  privileged?: boolean;
}

export interface LinuxPodSandboxConfig {
  /** cgroupfs-style parent, e.g. `/kubelab-node1/pod<uid>`. */
  cgroupParent?: string;
  securityContext?: LinuxSandboxSecurityContext;
  sysctls?: Record<string, string>;
}

export interface PodSandboxConfig {
  metadata: PodSandboxMetadata;
  hostname?: string;
  /** Host dir for container logs; the agent must create it. `ContainerConfig.logPath` is relative to it. */
  logDirectory?: string;
  dnsConfig?: DnsConfig;
  portMappings?: PortMapping[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  linux?: LinuxPodSandboxConfig;
}

export interface PodSandboxNetworkStatus {
  /** '' for host-network sandboxes. */
  ip: string;
  additionalIps: string[];
}

export interface PodSandboxStatus {
  id: string;
  metadata: PodSandboxMetadata;
  state: PodSandboxState;
  /** ns since epoch. */
  createdAt: bigint;
  network: PodSandboxNetworkStatus;
  /** Namespace modes the sandbox was created with. */
  namespaceOptions: NamespaceOption;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  runtimeHandler: string;
}

export interface PodSandboxStatusResponse {
  status: PodSandboxStatus;
  /** Only with `verbose`: runtime-specific JSON strings (containerd: `info` with pid, runtimeSpec, ...). */
  info: Record<string, string>;
}

export interface PodSandbox {
  id: string;
  metadata: PodSandboxMetadata;
  state: PodSandboxState;
  createdAt: bigint;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  runtimeHandler: string;
}

/** All set fields are ANDed; `labelSelector` is match-labels only. */
export interface PodSandboxFilter {
  id?: string;
  state?: PodSandboxState;
  labelSelector?: Record<string, string>;
}

// --------------------------------------------------------------------------------------- containers

export interface ImageSpec {
  image: string;
  annotations?: Record<string, string>;
}

export interface KeyValue {
  key: string;
  /** A string here; the remote runtime sends it as bytes (the proto field is `bytes` since cri-api 0.36). */
  value: string;
}

export interface Mount {
  containerPath: string;
  hostPath: string;
  readonly?: boolean;
  selinuxRelabel?: boolean;
  /** Default 'PROPAGATION_PRIVATE'. */
  propagation?: MountPropagation;
}

export interface LinuxContainerResources {
  cpuPeriod?: number;
  cpuQuota?: number;
  cpuShares?: number;
  memoryLimitInBytes?: number;
  oomScoreAdj?: number;
  cpusetCpus?: string;
  cpusetMems?: string;
}

export interface Capability {
  addCapabilities?: string[];
  dropCapabilities?: string[];
}

export interface LinuxContainerSecurityContext {
  capabilities?: Capability;
  privileged?: boolean;
  namespaceOptions?: NamespaceOption;
  runAsUser?: number;
  runAsGroup?: number;
  runAsUsername?: string;
  readonlyRootfs?: boolean;
  supplementalGroups?: number[];
  noNewPrivs?: boolean;
}

export interface LinuxContainerConfig {
  resources?: LinuxContainerResources;
  securityContext?: LinuxContainerSecurityContext;
}

export interface ContainerMetadata {
  name: string;
  attempt: number;
}

export interface ContainerConfig {
  /** (name, attempt) is unique within a sandbox for the sandbox's lifetime; a restart is attempt+1. */
  metadata: ContainerMetadata;
  image: ImageSpec;
  command?: string[];
  args?: string[];
  workingDir?: string;
  envs?: KeyValue[];
  mounts?: Mount[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  /** Relative to the sandbox's `logDirectory`, e.g. `web/0.log`. */
  logPath?: string;
  stdin?: boolean;
  stdinOnce?: boolean;
  tty?: boolean;
  linux?: LinuxContainerConfig;
}

export interface Container {
  id: string;
  podSandboxId: string;
  metadata: ContainerMetadata;
  image: ImageSpec;
  imageRef: string;
  state: ContainerState;
  createdAt: bigint;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface ContainerFilter {
  id?: string;
  state?: ContainerState;
  podSandboxId?: string;
  labelSelector?: Record<string, string>;
}

export interface ContainerStatus {
  id: string;
  metadata: ContainerMetadata;
  state: ContainerState;
  createdAt: bigint;
  /** 0n until started. */
  startedAt: bigint;
  /** 0n until exited. */
  finishedAt: bigint;
  /** Meaningful when `finishedAt !== 0n`. 137 = SIGKILL, 143 = SIGTERM. */
  exitCode: number;
  image: ImageSpec;
  imageRef: string;
  /** `'Completed'` (exit 0), `'Error'`, `'OOMKilled'`, or '' while not exited. */
  reason: string;
  message: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  mounts: Mount[];
  /** Absolute path of the CRI log file ('' if the container has none). */
  logPath: string;
  /** The resources in effect, when the runtime reports them. */
  resources?: LinuxContainerResources;
}

export interface ContainerStatusResponse {
  status: ContainerStatus;
  /** Only with `verbose`: runtime-specific JSON strings (containerd: `info` with pid, runtimeSpec, ...). */
  info: Record<string, string>;
}

export interface ExecSyncResponse {
  stdout: Buffer;
  stderr: Buffer;
  exitCode: number;
}

export interface ExecRequest {
  containerId: string;
  cmd: string[];
  tty?: boolean;
  stdin?: boolean;
  stdout?: boolean;
  stderr?: boolean;
}

export interface AttachRequest {
  containerId: string;
  stdin?: boolean;
  tty?: boolean;
  stdout?: boolean;
  stderr?: boolean;
}

/** CRI PortForward: the sandbox (its network namespace) and, for WebSocket clients, the ports. */
export interface PortForwardRequest {
  podSandboxId: string;
  /** Empty for SPDY clients (each stream names its port). */
  ports?: number[];
}

/** Exec/Attach/PortForward return the URL of the runtime's streaming server. */
export interface StreamingResponse {
  url: string;
}

export interface ContainerStats {
  attributes: { id: string; metadata: ContainerMetadata; labels: Record<string, string>; annotations: Record<string, string> };
  /** Absent when the runtime has no sample. */
  cpu?: { timestamp: bigint; usageCoreNanoSeconds?: bigint; usageNanoCores?: bigint };
  memory?: { timestamp: bigint; workingSetBytes?: bigint; availableBytes?: bigint; usageBytes?: bigint; rssBytes?: bigint };
  writableLayer?: { timestamp: bigint; mountpoint: string; usedBytes?: bigint; inodesUsed?: bigint };
}

export interface RuntimeCondition {
  /** `'RuntimeReady'`, `'NetworkReady'`, or runtime-specific. */
  type: string;
  status: boolean;
  reason: string;
  message: string;
}

export interface StatusResponse {
  conditions: RuntimeCondition[];
  info: Record<string, string>;
}

// ------------------------------------------------------------------------------------------- images

export interface Image {
  /** Image id (containerd: `sha256:<config digest>`). */
  id: string;
  repoTags: string[];
  repoDigests: string[];
  size: number;
  uid?: number;
  username: string;
  pinned: boolean;
}

export interface ImageStatusResponse {
  /** `null` when the image is not present (not an error, per CRI). */
  image: Image | null;
  info: Record<string, string>;
}

export interface AuthConfig {
  username?: string;
  password?: string;
  auth?: string;
  serverAddress?: string;
  identityToken?: string;
  registryToken?: string;
}

// ----------------------------------------------------------------------------------------- services

/**
 * CRI RuntimeService. Semantics as in api.proto:
 * - `runPodSandbox` returns only once the sandbox is READY (pause running, network set up).
 * - `stopPodSandbox` force-stops every container of the sandbox and releases the network; idempotent.
 * - `removePodSandbox` removes the sandbox and its containers; idempotent (no error when already gone).
 * - `createContainer` refuses a (name, attempt) already used in that sandbox; a missing image is NOT_FOUND.
 * - `startContainer` only works on a CREATED container; an exited container is never restarted.
 * - `stopContainer` sends the stop signal, waits `timeoutSeconds`, then SIGKILLs; idempotent.
 * - `removeContainer` removes even a running container; idempotent.
 * - `podSandboxStatus` / `containerStatus` of an unknown id reject with NOT_FOUND.
 */
export interface RuntimeService {
  version(opts?: CallOptions): Promise<VersionResponse>;
  status(opts?: VerboseOptions): Promise<StatusResponse>;

  /** Returns the sandbox id. */
  runPodSandbox(config: PodSandboxConfig, opts?: RunPodSandboxOptions): Promise<string>;
  stopPodSandbox(podSandboxId: string, opts?: CallOptions): Promise<void>;
  removePodSandbox(podSandboxId: string, opts?: CallOptions): Promise<void>;
  podSandboxStatus(podSandboxId: string, opts?: VerboseOptions): Promise<PodSandboxStatusResponse>;
  listPodSandbox(filter?: PodSandboxFilter, opts?: CallOptions): Promise<PodSandbox[]>;

  /** Returns the container id. `sandboxConfig` is the config the sandbox was run with (used for logs). */
  createContainer(
    podSandboxId: string,
    config: ContainerConfig,
    sandboxConfig: PodSandboxConfig,
    opts?: CallOptions,
  ): Promise<string>;
  startContainer(containerId: string, opts?: CallOptions): Promise<void>;
  /** Grace period in seconds before SIGKILL (0 = kill at once). The remote call's deadline is extended by it. */
  stopContainer(containerId: string, timeoutSeconds: number, opts?: CallOptions): Promise<void>;
  removeContainer(containerId: string, opts?: CallOptions): Promise<void>;
  listContainers(filter?: ContainerFilter, opts?: CallOptions): Promise<Container[]>;
  containerStatus(containerId: string, opts?: VerboseOptions): Promise<ContainerStatusResponse>;
  updateContainerResources(containerId: string, resources: LinuxContainerResources, opts?: CallOptions): Promise<void>;

  /** Runs `cmd` in the container and waits. A non-zero exit is a result, not an error. */
  execSync(containerId: string, cmd: string[], opts?: ExecSyncOptions): Promise<ExecSyncResponse>;
  exec(request: ExecRequest, opts?: CallOptions): Promise<StreamingResponse>;
  attach(request: AttachRequest, opts?: CallOptions): Promise<StreamingResponse>;
  portForward(request: PortForwardRequest, opts?: CallOptions): Promise<StreamingResponse>;
  containerStats(containerId: string, opts?: CallOptions): Promise<ContainerStats>;
}

/** CRI ImageService. */
export interface ImageService {
  listImages(filter?: { image?: ImageSpec }, opts?: CallOptions): Promise<Image[]>;
  /** Resolves `{ image: null }` when the image is not present. */
  imageStatus(image: ImageSpec, opts?: VerboseOptions): Promise<ImageStatusResponse>;
  /** Returns the image ref (containerd: the image id, `sha256:...`). */
  pullImage(image: ImageSpec, opts?: PullImageOptions): Promise<string>;
  /** Idempotent. */
  removeImage(image: ImageSpec, opts?: CallOptions): Promise<void>;
}
