/**
 * buildPodAnatomy: the PodAnatomy model (shared/api/pod-anatomy.ts) of one pod from
 *   - the pod as the agent knows it (spec: containers, volumes, host namespaces; status: restarts, readiness),
 *   - RuntimeFacts (CRI: sandbox and container ids, pids, states, timestamps, mounts),
 *   - the node's /proc (namespaces, command lines, cgroups, sockets, the pod network namespace's files) and
 *     cgroupfs (limits and usage), both behind injectable roots,
 *   - the agent's timeline recorder.
 * docs/design/anatomy.md says where every field comes from. Nothing here throws on a missing file: what could
 * not be read is left out (or null where the contract says so) and named in `warnings`.
 */
import type { Container, Pod, ContainerStatus as PodContainerStatus, Volume } from '../../shared/api/core-v1.ts';
import {
  NAMESPACE_KINDS,
  POD_ANATOMY_API_VERSION,
  POD_ANATOMY_KIND,
  type CgroupAnatomy,
  type ContainerAnatomy,
  type ContainerMount,
  type ContainerType,
  type ListeningSocket,
  type NamespaceKind,
  type NamespaceRef,
  type NamespaceSet,
  type NetworkInterfaceAnatomy,
  type PodAnatomy,
  type TimelineEntry,
  type VolumeAnatomy,
} from '../../shared/api/pod-anatomy.ts';
import { formatFixedNano, formatFixedNanoFromMs } from '../../shared/util/time-format.ts';
import type { CgroupReader } from './cgroup-reader.ts';
import type { ProcFs } from './proc-fs.ts';
import { interfacesFromProc, parseListeningSockets, type ProcSocket } from './proc-net.ts';
import type { KeyedTimelineEntry } from './pod-timeline-recorder.ts';
import { orderedTimeline } from './pod-timeline-recorder.ts';
import type { ContainerFacts, RuntimeFacts, SandboxFacts } from './runtime-facts.ts';

/** Interfaces of the network namespace process `pid` is in (e.g. `nsenter --net=/proc/PID/ns/net ip -j addr`). */
export type InterfaceReader = (pid: number) => Promise<NetworkInterfaceAnatomy[] | undefined>;

export interface BuildPodAnatomyOptions {
  nodeName: string;
  /** `containerd` (the prefix of containerIDs). */
  runtimeName: string;
  /** epoch ms of the collection. */
  now: number;
  /** Absent on simulated nodes (no processes to look at). */
  proc?: ProcFs;
  cgroups?: CgroupReader;
  /** Default: from the sandbox's /proc/PID/net files and its sysfs view (proc-net.ts interfacesFromProc). */
  interfaces?: InterfaceReader;
  /** The node's own namespaces (the agent's /proc/self/ns); read when absent. */
  hostNamespaces?: Partial<Record<NamespaceKind, number>>;
  /** The pod-level cgroup path (`<prefix>/pod<uid>`). */
  podCgroupPath?: string;
  /** Where a pod volume lives on the node when no container mount tells (emptyDir dir, atomic-writer dir, hostPath). */
  volumeHostPath?: (volume: Volume) => string | undefined;
  /** The recorder's view: `(extra) => timeline.entries(uid, extra)`. */
  timeline?: (extra: KeyedTimelineEntry[]) => TimelineEntry[];
  /** At most this many processes listed per container. @default 64 */
  maxProcessesPerContainer?: number;
}

interface SpecEntry {
  spec: Container;
  type: ContainerType;
  status: PodContainerStatus | undefined;
  targetContainerName?: string;
}

const CRI_STATE: Record<ContainerFacts['state'], ContainerAnatomy['state']> = {
  CONTAINER_CREATED: 'waiting',
  CONTAINER_RUNNING: 'running',
  CONTAINER_EXITED: 'exited',
  CONTAINER_UNKNOWN: 'unknown',
};

function nsTime(ns: string): string | undefined {
  const v = BigInt(ns || '0');
  return v > 0n ? formatFixedNano(v) : undefined;
}

/** The containers of the spec in the anatomy's order: init (sidecars among them), app, ephemeral. */
function specEntries(pod: Pod): SpecEntry[] {
  const st = pod.status ?? {};
  const find = (list: PodContainerStatus[] | undefined, name: string) => list?.find((s) => s.name === name);
  const out: SpecEntry[] = [];
  for (const c of pod.spec.initContainers ?? []) {
    out.push({ spec: c, type: c.restartPolicy === 'Always' ? 'sidecar' : 'init', status: find(st.initContainerStatuses, c.name) });
  }
  for (const c of pod.spec.containers) out.push({ spec: c, type: 'app', status: find(st.containerStatuses, c.name) });
  for (const c of pod.spec.ephemeralContainers ?? []) {
    out.push({
      spec: c,
      type: 'ephemeral',
      status: find(st.ephemeralContainerStatuses, c.name),
      ...(c.targetContainerName ? { targetContainerName: c.targetContainerName } : {}),
    });
  }
  return out;
}

/** The type of a volume source: the field of the Volume that is set (emptyDir, hostPath, configMap, ...). */
export function volumeType(v: Volume): string {
  return Object.keys(v).find((k) => k !== 'name' && v[k] !== undefined && v[k] !== null) ?? 'unknown';
}

interface Ctx {
  pod: Pod;
  o: BuildPodAnatomyOptions;
  warnings: string[];
  hostNs: Partial<Record<NamespaceKind, number>> | undefined;
  sandboxNs: Partial<Record<NamespaceKind, number>> | undefined;
}

function classify(ctx: Ctx, kind: NamespaceKind, inode: number, others: Array<{ name: string; ns: Partial<Record<NamespaceKind, number>> }>, preferred?: string): NamespaceRef {
  if (ctx.hostNs?.[kind] === inode) return { inode, shared: 'host' };
  if (ctx.sandboxNs?.[kind] === inode) return { inode, shared: 'sandbox' };
  const owner = others.find((o) => o.name === preferred && o.ns[kind] === inode) ?? others.find((o) => o.ns[kind] === inode);
  if (owner) return { inode, shared: 'container', container: owner.name };
  return { inode, shared: 'own' };
}

function toSet(ctx: Ctx, ns: Partial<Record<NamespaceKind, number>>, others: Array<{ name: string; ns: Partial<Record<NamespaceKind, number>> }>, preferred?: string): NamespaceSet {
  const out: NamespaceSet = {};
  for (const kind of NAMESPACE_KINDS) {
    const inode = ns[kind];
    if (inode !== undefined) out[kind] = classify(ctx, kind, inode, others, preferred);
  }
  return out;
}

/** The cgroup a process is in: the memory hierarchy's path on v1, the unified path on v2. */
async function cgroupPathOf(proc: ProcFs, pid: number): Promise<string | undefined> {
  const lines = await proc.cgroups(pid);
  if (!lines) return undefined;
  return (lines.find((l) => l.controllers.includes('memory')) ?? lines.find((l) => l.hierarchyId === 0 && l.controllers.length === 0))?.path;
}

function containerMounts(entry: SpecEntry, facts: ContainerFacts | undefined): ContainerMount[] {
  const c = entry.spec;
  const cri = facts?.mounts ?? [];
  const out: ContainerMount[] = [];
  const used = new Set<string>();
  for (const vm of c.volumeMounts ?? []) {
    const m = cri.find((x) => x.containerPath === vm.mountPath);
    used.add(vm.mountPath);
    const cm: ContainerMount = { mountPath: vm.mountPath, readOnly: Boolean(vm.readOnly || m?.readonly), volume: vm.name, source: 'volume' };
    if (vm.subPath) cm.subPath = vm.subPath;
    if (m?.hostPath) cm.hostPath = m.hostPath;
    out.push(cm);
  }
  const termPath = c.terminationMessagePath ?? '/dev/termination-log';
  for (const m of cri) {
    if (used.has(m.containerPath)) continue;
    used.add(m.containerPath);
    const source: ContainerMount['source'] | undefined =
      m.containerPath === '/etc/hosts' ? 'etc-hosts' : m.containerPath === termPath ? 'termination-log' : m.containerPath === '/etc/resolv.conf' ? 'resolv-conf' : undefined;
    if (!source) continue;
    out.push({ mountPath: m.containerPath, readOnly: m.readonly ?? false, hostPath: m.hostPath, source });
  }
  for (const m of facts?.runtimeMounts ?? []) {
    if (used.has(m.destination)) continue;
    const source = m.destination === '/etc/resolv.conf' ? 'resolv-conf' : m.destination === '/etc/hosts' ? 'etc-hosts' : undefined;
    if (!source) continue;
    used.add(m.destination);
    out.push({ mountPath: m.destination, readOnly: m.readOnly, hostPath: m.source, source });
  }
  return out;
}

function containerTimeline(facts: RuntimeFacts, typeOf: (name: string) => ContainerType | undefined): KeyedTimelineEntry[] {
  const out: KeyedTimelineEntry[] = [];
  for (const s of facts.sandboxes) {
    const t = nsTime(s.createdAtNs);
    if (t) out.push({ runtimeId: s.id, entry: { time: t, type: 'SandboxCreated' } });
  }
  for (const c of facts.containers) {
    const base = { container: c.name, ...(typeOf(c.name) ? { containerType: typeOf(c.name) } : {}) };
    const created = nsTime(c.createdAtNs);
    const started = nsTime(c.startedAtNs);
    const finished = nsTime(c.finishedAtNs);
    if (created) out.push({ runtimeId: c.id, entry: { time: created, type: 'ContainerCreated', ...base } as TimelineEntry });
    if (started) out.push({ runtimeId: c.id, entry: { time: started, type: 'ContainerStarted', ...base } as TimelineEntry });
    if (finished && c.state === 'CONTAINER_EXITED') {
      out.push({ runtimeId: c.id, entry: { time: finished, type: 'ContainerExited', ...base, exitCode: c.exitCode, ...(c.reason ? { message: c.reason } : {}) } as TimelineEntry });
    }
  }
  return out;
}

export async function buildPodAnatomy(pod: Pod, facts: RuntimeFacts, o: BuildPodAnatomyOptions): Promise<PodAnatomy> {
  const warnings: string[] = [];
  const proc = o.proc;
  const sandbox: SandboxFacts | undefined = facts.sandboxes[0];
  const hostNs = o.hostNamespaces ?? (proc ? await proc.namespaces('self') : undefined);
  const sandboxNs = proc && sandbox?.pid ? await proc.namespaces(sandbox.pid) : undefined;
  if (proc && sandbox?.pid && !sandboxNs) warnings.push(`sandbox: /proc/${sandbox.pid} is gone`);
  // `ip` runs as its own process: start it now, read it last.
  const sandboxInterfaces = proc && sandbox?.pid && sandboxNs && o.interfaces ? o.interfaces(sandbox.pid).catch(() => undefined) : undefined;
  if (!proc) warnings.push('simulated node: no processes, namespaces, cgroups or interfaces to read');
  const ctx: Ctx = { pod, o, warnings, hostNs, sandboxNs };
  const entries = specEntries(pod);
  const newest = (name: string) => facts.containers.find((c) => c.name === name);

  // Processes and namespaces of the running containers first (so that one container's namespace can be named as another's).
  const running = new Map<string, { facts: ContainerFacts; ns: Partial<Record<NamespaceKind, number>> | undefined; cgroupPath: string | undefined }>();
  await Promise.all(
    entries.map(async (e) => {
      const f = newest(e.spec.name);
      if (!f || f.state !== 'CONTAINER_RUNNING') return;
      let ns: Partial<Record<NamespaceKind, number>> | undefined;
      let cgroupPath: string | undefined;
      if (proc && f.pid) {
        ns = await proc.namespaces(f.pid);
        if (!ns) warnings.push(`container ${e.spec.name}: /proc/${f.pid} is gone`);
        cgroupPath = await cgroupPathOf(proc, f.pid);
      }
      running.set(e.spec.name, { facts: f, ns, cgroupPath });
    }),
  );
  // Every cgroup is read at once: a first look at a pod waits out one CPU sampling interval for all of its cgroups
  // together (CgroupReader firstSampleMs), not once per container.
  const cgroupReads = new Map<string, Promise<CgroupAnatomy>>();
  if (proc && o.cgroups) for (const [name, r] of running) if (r.cgroupPath) cgroupReads.set(name, o.cgroups.read(r.cgroupPath));
  const podCgroupRead = proc && o.cgroups && o.podCgroupPath ? readPodCgroup(o.cgroups, o.podCgroupPath) : undefined;
  const pidOwner = new Map<number, string>();
  const containers: ContainerAnatomy[] = [];
  for (const e of entries) {
    const f = newest(e.spec.name);
    const st = e.status;
    const c: ContainerAnatomy = {
      name: e.spec.name,
      type: e.type,
      image: f?.image || e.spec.image || '',
      state: f ? CRI_STATE[f.state] : 'waiting',
      restartCount: st?.restartCount ?? f?.restartCount ?? 0,
      mounts: containerMounts(e, f),
    };
    if (f) c.containerID = `${o.runtimeName}://${f.id}`;
    if (c.state === 'waiting') {
      const reason = st?.state?.waiting?.reason;
      if (reason) c.reason = reason;
    }
    if (f?.state === 'CONTAINER_EXITED') c.exitCode = f.exitCode;
    if (st?.ready !== undefined) c.ready = st.ready;
    const started = f ? nsTime(f.startedAtNs) : undefined;
    const finished = f ? nsTime(f.finishedAtNs) : undefined;
    if (started) c.startedAt = started;
    if (finished && f?.state === 'CONTAINER_EXITED') c.finishedAt = finished;
    if (e.targetContainerName) c.targetContainerName = e.targetContainerName;
    const r = running.get(e.spec.name);
    if (r?.facts.pid) {
      c.pid = r.facts.pid;
      pidOwner.set(r.facts.pid, e.spec.name);
      if (r.ns) {
        const others = [...running.entries()].filter(([n, x]) => n !== e.spec.name && x.ns).map(([name, x]) => ({ name, ns: x.ns ?? {} }));
        c.namespaces = toSet(ctx, r.ns, others, e.targetContainerName);
      }
      if (proc && o.cgroups && r.cgroupPath) {
        const pids = (await o.cgroups.procs(r.cgroupPath)).slice(0, o.maxProcessesPerContainer ?? 64);
        const list = pids.length ? pids : [r.facts.pid];
        c.processes = (await Promise.all(list.map(async (pid) => ({ pid, command: await proc.cmdline(pid) })))).filter((p): p is { pid: number; command: string } => p.command !== undefined);
        for (const p of c.processes) if (!pidOwner.has(p.pid)) pidOwner.set(p.pid, e.spec.name);
        const cg = await cgroupReads.get(e.spec.name);
        if (cg) c.cgroup = cg;
      }
    }
    containers.push(c);
  }

  // Network: the sandbox's namespace.
  const interfaces: NetworkInterfaceAnatomy[] = [];
  const listening: ListeningSocket[] = [];
  const netPid = sandbox?.pid && sandboxNs ? sandbox.pid : [...running.values()].find((r) => r.ns)?.facts.pid;
  if (proc && netPid) {
    const viaCommand = netPid === sandbox?.pid && sandboxInterfaces ? await sandboxInterfaces : o.interfaces ? await o.interfaces(netPid).catch(() => undefined) : undefined;
    if (viaCommand) interfaces.push(...viaCommand);
    else {
      const [dev, ifInet6, fibTrie, route] = await Promise.all(['dev', 'if_inet6', 'fib_trie', 'route'].map((f) => proc.netFile(netPid, f)));
      const files = { ...(dev ? { dev } : {}), ...(ifInet6 ? { ifInet6 } : {}), ...(fibTrie ? { fibTrie } : {}), ...(route ? { route } : {}) };
      interfaces.push(...interfacesFromProc(files, (name) => proc.link(netPid, name)));
    }
    const sockets: ProcSocket[] = [];
    for (const [file, protocol, family] of [['tcp', 'tcp', 4], ['tcp6', 'tcp', 6], ['udp', 'udp', 4], ['udp6', 'udp', 6]] as const) {
      const text = await proc.netFile(netPid, file);
      if (text) sockets.push(...parseListeningSockets(text, protocol, family));
    }
    const inodeOwner = new Map<number, number>();
    await Promise.all(
      [...pidOwner.keys()].map(async (pid) => {
        for (const inode of await proc.socketInodes(pid)) inodeOwner.set(inode, pid);
      }),
    );
    for (const s of sockets) {
      const pid = inodeOwner.get(s.inode);
      // A host-network pod sees the node's sockets: list only its own.
      if (pod.spec.hostNetwork && pid === undefined) continue;
      const out: ListeningSocket = { protocol: s.protocol, family: s.family, address: s.address, port: s.port };
      if (pid !== undefined) {
        out.pid = pid;
        const owner = pidOwner.get(pid);
        if (owner) out.container = owner;
      }
      listening.push(out);
    }
  }

  // Volumes and who mounts them.
  const volumes: VolumeAnatomy[] = (pod.spec.volumes ?? []).map((v) => {
    const va: VolumeAnatomy = { name: v.name, type: volumeType(v), mounts: [] };
    const medium = v.emptyDir?.medium;
    if (medium) va.medium = medium;
    for (const e of entries) {
      for (const vm of e.spec.volumeMounts ?? []) {
        if (vm.name !== v.name) continue;
        va.mounts.push({ container: e.spec.name, mountPath: vm.mountPath, readOnly: Boolean(vm.readOnly), ...(vm.subPath ? { subPath: vm.subPath } : {}) });
        if (!va.hostPath && !vm.subPath) {
          const hp = containers.find((c) => c.name === e.spec.name)?.mounts.find((m) => m.mountPath === vm.mountPath)?.hostPath;
          if (hp) va.hostPath = hp;
        }
      }
    }
    if (!va.hostPath) {
      const hp = v.hostPath?.path ?? o.volumeHostPath?.(v);
      if (hp) va.hostPath = hp;
    }
    return va;
  });

  const podCgroup = await podCgroupRead;
  if (podCgroupRead && !podCgroup) warnings.push(`pod cgroup ${o.podCgroupPath} does not exist`);

  const typeOf = (name: string) => entries.find((e) => e.spec.name === name)?.type;
  const extra = containerTimeline(facts, typeOf);
  const timeline = (o.timeline ? o.timeline(extra) : orderedTimeline(extra)).map((t) => {
    const ct = t.container ? typeOf(t.container) : undefined;
    return ct && !t.containerType ? { ...t, containerType: ct } : t;
  });

  const podIPs = (pod.status?.podIPs ?? []).map((p) => p.ip).filter(Boolean);
  if (!podIPs.length && sandbox?.ip) podIPs.push(sandbox.ip, ...sandbox.additionalIps);
  const anatomy: PodAnatomy = {
    apiVersion: POD_ANATOMY_API_VERSION,
    kind: POD_ANATOMY_KIND,
    metadata: {
      namespace: pod.metadata.namespace ?? '',
      name: pod.metadata.name ?? '',
      uid: pod.metadata.uid ?? '',
      node: o.nodeName,
      collectedAt: formatFixedNanoFromMs(o.now),
    },
    podIPs,
    sandbox: {
      id: sandbox?.id ?? '',
      state: sandbox ? (sandbox.ready ? 'ready' : 'notready') : 'unknown',
      hostNetwork: Boolean(pod.spec.hostNetwork),
      hostPID: Boolean(pod.spec.hostPID),
      hostIPC: Boolean(pod.spec.hostIPC),
      shareProcessNamespace: Boolean(pod.spec.shareProcessNamespace),
    },
    containers,
    network: { interfaces, listening },
    volumes,
    timeline,
  };
  if (pod.status?.phase) anatomy.phase = pod.status.phase;
  if (pod.status?.qosClass) anatomy.qosClass = pod.status.qosClass;
  if (sandbox?.image) anatomy.sandbox.image = sandbox.image;
  const created = sandbox ? nsTime(sandbox.createdAtNs) : undefined;
  if (created) anatomy.sandbox.createdAt = created;
  if (sandbox?.pid) anatomy.sandbox.pid = sandbox.pid;
  if (sandboxNs) {
    anatomy.sandbox.namespaces = toSet({ ...ctx, sandboxNs: undefined }, sandboxNs, []);
    const net = anatomy.sandbox.namespaces.net;
    if (net) anatomy.network.namespace = { inode: net.inode, shared: net.shared === 'host' ? 'host' : 'sandbox' };
  }
  if (podCgroup) anatomy.cgroup = podCgroup;
  if (warnings.length) anatomy.warnings = warnings;
  return anatomy;
}

/** The pod-level cgroup, or undefined when it does not exist. */
async function readPodCgroup(cgroups: CgroupReader, cgroupPath: string): Promise<CgroupAnatomy | undefined> {
  return (await cgroups.exists(cgroupPath)) ? cgroups.read(cgroupPath) : undefined;
}
