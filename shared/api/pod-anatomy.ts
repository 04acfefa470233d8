/**
 * PodAnatomy: what the node agent reports about one pod it runs, as seen from the node (kubelab's own API,
 * not a Kubernetes one). Served by the agent at
 *
 *   GET /anatomy/{namespace}/{name}          → PodAnatomy (application/json)
 *
 * and reached through the API server's node proxy as
 *   GET /api/v1/nodes/{node}/proxy/anatomy/{namespace}/{name}     (authorized as `get nodes/proxy`)
 *
 * The JSON Schema of this document is docs/api/pod-anatomy.schema.json; docs/design/anatomy.md explains where
 * each field comes from (/proc, cgroupfs, CRI). Consumers: `kubectl anatomy` (cli/anatomy/), the console
 * (console/), the tests.
 *
 * Conventions: times are RFC 3339 with nanoseconds (UTC, e.g. `2026-12-08T10:00:00.123456789Z`) so that events
 * a few microseconds apart keep their order; sizes in bytes; CPU in millicores or nanoseconds as named; a value
 * the node could not read is `null` (never a guess), a field that does not apply is absent.
 */

export const POD_ANATOMY_API_VERSION = 'anatomy.kubelab.io/v1alpha1';
export const POD_ANATOMY_KIND = 'PodAnatomy';

/** The Linux namespaces a process has (the names under /proc/PID/ns). */
export const NAMESPACE_KINDS = ['net', 'ipc', 'uts', 'pid', 'mnt', 'cgroup', 'user', 'time'] as const;
export type NamespaceKind = (typeof NAMESPACE_KINDS)[number];

/**
 * One namespace of a process: its inode (the number in `net:[4026532281]`) and whose it is:
 * - `sandbox`: the same namespace as the pod's infra (pause) process: joined;
 * - `host`: the node's own (the agent's) namespace: hostNetwork/hostPID/hostIPC, or one the runtime never
 *   unshares (user, time on this kernel);
 * - `container`: another container's (an ephemeral container with targetContainerName shares the target's pid
 *   namespace): `container` names it;
 * - `own`: a namespace only this process has (each container's mnt; pid without shareProcessNamespace).
 */
export interface NamespaceRef {
  inode: number;
  shared: 'sandbox' | 'host' | 'container' | 'own';
  /** With shared = 'container': the container whose namespace it is. */
  container?: string;
}
export type NamespaceSet = Partial<Record<NamespaceKind, NamespaceRef>>;

/** A cgroup (v1 on this project's machines; v2 paths work the same) with limits and current use. */
export interface CgroupAnatomy {
  /** The cgroup path relative to the hierarchy root, e.g. `/kubepods/burstable/pod<uid>/<containerID>`. */
  path: string;
  cpu: {
    /** The CFS quota as millicores (quota/period*1000); null = unlimited. */
    limitMillicores: number | null;
    /** cpu.shares (requests.cpu * 1024 / 1000, min 2). */
    shares: number | null;
    /** Total CPU time used (cpuacct.usage / cpu.stat usage_usec*1000). */
    usageNanoseconds: number | null;
    /** Current rate, from the agent's previous sample of the same cgroup (null on the first look). */
    usageMillicores: number | null;
  };
  memory: {
    /** memory.limit_in_bytes / memory.max; null = unlimited. */
    limitBytes: number | null;
    /** memory.usage_in_bytes / memory.current. */
    usageBytes: number | null;
    /** usage minus inactive file pages (what kubelet evicts on and `kubectl top` shows). */
    workingSetBytes: number | null;
  };
}

export type ContainerType = 'init' | 'sidecar' | 'app' | 'ephemeral';

/** One mount of a pod volume (or of something the agent provides) into a container. */
export interface ContainerMount {
  mountPath: string;
  readOnly: boolean;
  /** The pod volume's name; absent for what the agent adds itself (see `source`). */
  volume?: string;
  subPath?: string;
  /** Where it comes from on the node. */
  hostPath?: string;
  /** `volume` for pod volumes; otherwise what the agent provides: `etc-hosts`, `resolv-conf`, `termination-log`, `service-account`. */
  source: 'volume' | 'etc-hosts' | 'resolv-conf' | 'termination-log' | 'service-account';
}

export interface ContainerAnatomy {
  name: string;
  type: ContainerType;
  image: string;
  /** `containerd://<id>` as in containerStatuses; absent before the first start. */
  containerID?: string;
  /** waiting (not created yet / being restarted), running, exited. */
  state: 'waiting' | 'running' | 'exited' | 'unknown';
  /** With state = waiting: kubelet's reason (PodInitializing, CrashLoopBackOff, ...). */
  reason?: string;
  exitCode?: number;
  restartCount: number;
  ready?: boolean;
  startedAt?: string;
  finishedAt?: string;
  /** The container's main process as the node sees it (running only). */
  pid?: number;
  /** The container's namespaces (running only). */
  namespaces?: NamespaceSet;
  /** The processes in the container (running only): pid as the node sees it, and the command line. */
  processes?: Array<{ pid: number; command: string }>;
  /** Ephemeral containers: the container whose pid namespace it joined. */
  targetContainerName?: string;
  mounts: ContainerMount[];
  cgroup?: CgroupAnatomy;
}

export interface NetworkInterfaceAnatomy {
  name: string;
  /** Addresses with prefix length, e.g. `10.244.1.5/24`, `fe80::1/64`. */
  addresses: string[];
  mac?: string;
  mtu?: number;
  up: boolean;
}

export interface ListeningSocket {
  protocol: 'tcp' | 'udp';
  family: 4 | 6;
  address: string;
  port: number;
  /** The container whose process holds the socket, when the agent could tell. */
  container?: string;
  pid?: number;
}

export interface VolumeAnatomy {
  name: string;
  /** The volume source's field name in the pod spec: emptyDir, hostPath, configMap, secret, projected, downwardAPI, ... */
  type: string;
  /** Where its contents live on the node (the emptyDir's directory, the hostPath, the atomic-writer dir, ...). */
  hostPath?: string;
  /** emptyDir medium (`Memory`) when set. */
  medium?: string;
  mounts: Array<{ container: string; mountPath: string; readOnly: boolean; subPath?: string }>;
}

/**
 * One thing that happened to the pod on this node, in order. Recorded by the agent as it acts, completed from
 * the runtime's timestamps (created/started/finished survive an agent restart).
 */
export interface TimelineEntry {
  time: string;
  type:
    | 'SandboxCreated'
    | 'SandboxReady'
    | 'ContainerCreated'
    | 'ContainerStarted'
    | 'ContainerExited'
    | 'ContainerRestarted'
    | 'ProbeChanged'
    | 'ContainerKilled'
    | 'SandboxStopped';
  container?: string;
  containerType?: ContainerType;
  exitCode?: number;
  /** ProbeChanged: which probe and its new result. */
  probe?: 'startup' | 'liveness' | 'readiness';
  result?: 'success' | 'failure';
  /** Free text (a reason, a probe's output). */
  message?: string;
}

export interface PodAnatomy {
  apiVersion: typeof POD_ANATOMY_API_VERSION;
  kind: typeof POD_ANATOMY_KIND;
  metadata: { namespace: string; name: string; uid: string; node: string; collectedAt: string };
  phase?: string;
  qosClass?: string;
  podIPs: string[];
  sandbox: {
    id: string;
    image?: string;
    state: 'ready' | 'notready' | 'unknown';
    createdAt?: string;
    /** The infra (pause) process. */
    pid?: number;
    namespaces?: NamespaceSet;
    hostNetwork: boolean;
    hostPID: boolean;
    hostIPC: boolean;
    shareProcessNamespace: boolean;
  };
  /** Init containers (sidecars among them, in spec order), then app containers, then ephemeral ones. */
  containers: ContainerAnatomy[];
  network: {
    /** The pod's network namespace (the sandbox's). */
    namespace?: NamespaceRef;
    interfaces: NetworkInterfaceAnatomy[];
    listening: ListeningSocket[];
  };
  volumes: VolumeAnatomy[];
  /** The pod-level cgroup (kubepods/<qos>/pod<uid>). */
  cgroup?: CgroupAnatomy;
  timeline: TimelineEntry[];
  /** What the agent could not read, in words (e.g. `container app: /proc/1234 is gone`). Never fatal. */
  warnings?: string[];
}
