/**
 * RuntimeFacts: what the container runtime says about one pod, through CRI (ListPodSandbox/ListContainers by
 * the pod-uid label, PodSandboxStatus/ContainerStatus with `verbose`, whose `info` JSON has containerd's
 * `pid` and the OCI `runtimeSpec`). Plain JSON (nanosecond times as decimal strings), so that the unit tests
 * keep a recorded copy next to their recorded /proc tree (testdata/).
 */
import type { ContainerStatus, Mount, NamespaceOption, PodSandboxStatus, RuntimeService } from '../cri/services.ts';
import { isNotFound } from '../cri/services.ts';
import { ANNOTATION_RESTART_COUNT, LABEL_POD_UID } from '../kuberuntime/labels.ts';
import type { RuntimeContainerStatus, RuntimePodStatus } from '../container/runtime-pod.ts';

export interface SandboxFacts {
  id: string;
  ready: boolean;
  /** ns since the epoch, decimal. */
  createdAtNs: string;
  ip: string;
  additionalIps: string[];
  namespaceOptions: NamespaceOption;
  /** The infra process (containerd's verbose info `pid`); absent when not running or not told. */
  pid?: number;
  /** The sandbox (pause) image, from the verbose info's runtimeSpec annotations or config. */
  image?: string;
}

export interface ContainerFacts {
  id: string;
  name: string;
  attempt: number;
  state: ContainerStatus['state'];
  createdAtNs: string;
  startedAtNs: string;
  finishedAtNs: string;
  exitCode: number;
  reason: string;
  image: string;
  restartCount: number;
  /** The container's main process (verbose info `pid`), while it runs. */
  pid?: number;
  /** The mounts the agent asked for (CRI ContainerConfig.mounts, as ContainerStatus reports them). */
  mounts: Mount[];
  /** Mounts the runtime added itself (from the OCI spec): /etc/resolv.conf, /etc/hostname, /etc/hosts. */
  runtimeMounts: Array<{ destination: string; source: string; readOnly: boolean }>;
}

export interface RuntimeFacts {
  /** Every sandbox of the pod, newest first. */
  sandboxes: SandboxFacts[];
  /** Every container instance of the pod the runtime still has, newest first. */
  containers: ContainerFacts[];
}

const RUNTIME_MOUNTS = new Set(['/etc/resolv.conf', '/etc/hostname', '/etc/hosts']);

interface VerboseInfo {
  pid?: number;
  image?: string;
  config?: { image?: { image?: string } };
  runtimeSpec?: { mounts?: Array<{ destination?: string; source?: string; options?: string[] }>; annotations?: Record<string, string> };
}

function parseInfo(info: Record<string, string>): VerboseInfo {
  const raw = info['info'];
  if (!raw) return {};
  try {
    return JSON.parse(raw) as VerboseInfo;
  } catch {
    return {};
  }
}

function sandboxFacts(st: PodSandboxStatus, info: VerboseInfo): SandboxFacts {
  const out: SandboxFacts = {
    id: st.id,
    ready: st.state === 'SANDBOX_READY',
    createdAtNs: st.createdAt.toString(),
    ip: st.network.ip,
    additionalIps: st.network.additionalIps,
    namespaceOptions: st.namespaceOptions,
  };
  if (typeof info.pid === 'number' && info.pid > 0) out.pid = info.pid;
  const image = info.image ?? info.runtimeSpec?.annotations?.['io.kubernetes.cri.image-name'];
  if (image) out.image = image;
  return out;
}

function containerFacts(st: ContainerStatus, info: VerboseInfo): ContainerFacts {
  const out: ContainerFacts = {
    id: st.id,
    name: st.metadata.name,
    attempt: st.metadata.attempt,
    state: st.state,
    createdAtNs: st.createdAt.toString(),
    startedAtNs: st.startedAt.toString(),
    finishedAtNs: st.finishedAt.toString(),
    exitCode: st.exitCode,
    reason: st.reason,
    image: st.image.image,
    restartCount: Number(st.annotations[ANNOTATION_RESTART_COUNT] ?? st.metadata.attempt) || 0,
    mounts: st.mounts.map((m) => ({ containerPath: m.containerPath, hostPath: m.hostPath, readonly: m.readonly ?? false })),
    runtimeMounts: [],
  };
  if (st.state === 'CONTAINER_RUNNING' && typeof info.pid === 'number' && info.pid > 0) out.pid = info.pid;
  for (const m of info.runtimeSpec?.mounts ?? []) {
    if (!m.destination || !m.source || !RUNTIME_MOUNTS.has(m.destination)) continue;
    if (st.mounts.some((x) => x.containerPath === m.destination)) continue;
    out.runtimeMounts.push({ destination: m.destination, source: m.source, readOnly: (m.options ?? []).includes('ro') });
  }
  return out;
}

const newestFirst = (a: { createdAtNs: string }, b: { createdAtNs: string }) => {
  const x = BigInt(a.createdAtNs);
  const y = BigInt(b.createdAtNs);
  return x === y ? 0 : x > y ? -1 : 1;
};

/**
 * What a sandbox's or container's status said, per runtime id, while its listed state stays the same: a
 * running container's pid, times and mounts do not change, an exited one's never will. So a steady pod costs
 * the two list calls only. Per pod uid; `forget(uid)` when the pod is gone.
 */
export class RuntimeFactsCache {
  #pods = new Map<string, { sandboxes: Map<string, { listed: string; verbose: boolean; facts: SandboxFacts }>; containers: Map<string, { listed: string; facts: ContainerFacts }> }>();

  /** @internal */
  entry(uid: string) {
    let e = this.#pods.get(uid);
    if (!e) {
      e = { sandboxes: new Map(), containers: new Map() };
      this.#pods.set(uid, e);
    }
    return e;
  }

  forget(uid: string): void {
    this.#pods.delete(uid);
  }

  uids(): string[] {
    return [...this.#pods.keys()];
  }
}

/** The pod's sandboxes and containers with their states, as a list call (or the agent's pod cache) gives them. */
export interface ListedRuntimeObjects {
  sandboxes: Array<{ id: string; state: PodSandboxStatus['state']; createdAt: bigint }>;
  containers: Array<{ id: string; state: ContainerStatus['state'] }>;
}

const CONTAINER_STATES: Record<RuntimeContainerStatus['state'], ContainerStatus['state']> = {
  created: 'CONTAINER_CREATED',
  running: 'CONTAINER_RUNNING',
  exited: 'CONTAINER_EXITED',
  unknown: 'CONTAINER_UNKNOWN',
};

/** The listing from the agent's last runtime read of the pod (PLEG relist or pod sync; RuntimePodStatus). */
export function listedFromRuntimeStatus(status: RuntimePodStatus): ListedRuntimeObjects {
  return {
    sandboxes: status.sandboxes.map((s) => ({ id: s.id, state: s.ready ? 'SANDBOX_READY' : 'SANDBOX_NOTREADY', createdAt: BigInt(s.createdAt) * 1_000_000n })),
    containers: status.containers.map((c) => ({ id: c.id, state: CONTAINER_STATES[c.state] })),
  };
}

/**
 * Reads the pod's sandboxes and containers from the runtime (verbose for the newest sandbox and each running
 * container). `listed` replaces the two list calls (the agent passes its pod cache: at most a relist period old).
 */
export async function gatherRuntimeFacts(
  runtime: RuntimeService,
  uid: string,
  opts: { timeoutMs?: number; cache?: RuntimeFactsCache; listed?: ListedRuntimeObjects } = {},
): Promise<RuntimeFacts> {
  const call = { timeoutMs: opts.timeoutMs ?? 5000 };
  const cached = opts.cache?.entry(uid);
  const [sandboxes, containers] = opts.listed
    ? [[...opts.listed.sandboxes], opts.listed.containers]
    : await Promise.all([runtime.listPodSandbox({ labelSelector: { [LABEL_POD_UID]: uid } }, call), runtime.listContainers({ labelSelector: { [LABEL_POD_UID]: uid } }, call)]);
  sandboxes.sort((a, b) => (a.createdAt === b.createdAt ? 0 : a.createdAt > b.createdAt ? -1 : 1));
  const sbFacts = (
    await Promise.all(
      sandboxes.map(async (s, i) => {
        const hit = cached?.sandboxes.get(s.id);
        if (hit && hit.listed === s.state && (hit.verbose || i !== 0)) return hit.facts;
        try {
          const r = await runtime.podSandboxStatus(s.id, { ...call, verbose: i === 0 });
          const facts = sandboxFacts(r.status, parseInfo(r.info));
          cached?.sandboxes.set(s.id, { listed: s.state, verbose: i === 0, facts });
          return facts;
        } catch (err) {
          if (isNotFound(err)) return undefined;
          throw err;
        }
      }),
    )
  ).filter((s): s is SandboxFacts => s !== undefined);
  const cFacts = (
    await Promise.all(
      containers.map(async (c) => {
        const hit = cached?.containers.get(c.id);
        if (hit && hit.listed === c.state && c.state !== 'CONTAINER_UNKNOWN') return hit.facts;
        try {
          const r = await runtime.containerStatus(c.id, { ...call, verbose: c.state === 'CONTAINER_RUNNING' });
          const facts = containerFacts(r.status, parseInfo(r.info));
          // Cached under the state it was read in (a container can exit between the list and the status).
          cached?.containers.set(c.id, { listed: r.status.state, facts });
          return facts;
        } catch (err) {
          if (isNotFound(err)) return undefined;
          throw err;
        }
      }),
    )
  ).filter((c): c is ContainerFacts => c !== undefined);
  if (cached) {
    for (const id of cached.sandboxes.keys()) if (!sandboxes.some((s) => s.id === id)) cached.sandboxes.delete(id);
    for (const id of cached.containers.keys()) if (!containers.some((c) => c.id === id)) cached.containers.delete(id);
  }
  return { sandboxes: sbFacts.sort(newestFirst), containers: cFacts.sort(newestFirst) };
}
