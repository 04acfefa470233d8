/**
 * From a PodAnatomy (shared/api/pod-anatomy.ts) to what the pod page draws: the sandbox box and its
 * namespaces; the containers inside it grouped in start order (init -> sidecar -> app -> ephemeral), each with
 * the namespaces it joined from the sandbox, those it keeps to itself and those it borrows (host, another
 * container); resource bars; the volumes under them with a connector to every container that mounts them; the
 * timeline with offsets from the sandbox's creation. Pure: the drawing is HTML/SVG over these numbers.
 */
import type {
  CgroupAnatomy,
  ContainerAnatomy,
  ContainerType,
  NamespaceKind,
  NamespaceRef,
  NamespaceSet,
  PodAnatomy,
  TimelineEntry,
} from '../../../shared/api/pod-anatomy.ts';

const KINDS: readonly NamespaceKind[] = ['net', 'ipc', 'uts', 'pid', 'mnt', 'cgroup', 'user', 'time'];

export interface NamespaceChip {
  kind: NamespaceKind;
  inode: number;
  shared: NamespaceRef['shared'];
  /** With shared = 'container': whose. */
  container?: string;
  /** Words for the chip's title: "shared with the sandbox", "its own", "the node's", "app's". */
  label: string;
}

export interface ResourceBar {
  /** Current use (millicores / bytes); null when the node could not read it. */
  used: number | null;
  /** The limit; null = unlimited (or unknown). */
  limit: number | null;
  /** used / limit in [0, 1], null without both. */
  fraction: number | null;
  /** "12m / 500m", "24.0Mi / 128Mi", "3m (no limit)". */
  text: string;
}

export interface ContainerBox {
  name: string;
  type: ContainerType;
  image: string;
  state: ContainerAnatomy['state'];
  reason?: string;
  exitCode?: number;
  restartCount: number;
  ready?: boolean;
  pid?: number;
  startedAt?: string;
  targetContainerName?: string;
  /** 1-based position in start order. */
  order: number;
  /** Column in the drawing (0-based, over all containers). */
  column: number;
  joined: NamespaceChip[];
  own: NamespaceChip[];
  borrowed: NamespaceChip[];
  cpu?: ResourceBar;
  memory?: ResourceBar;
  processes: Array<{ pid: number; command: string }>;
  mounts: ContainerAnatomy['mounts'];
}

export interface Stage {
  type: ContainerType;
  label: string;
  containers: ContainerBox[];
}

export interface VolumeBox {
  name: string;
  type: string;
  hostPath?: string;
  medium?: string;
  column: number;
  mounts: Array<{ container: string; mountPath: string; readOnly: boolean; subPath?: string }>;
}

/** A line from a volume (bottom row) up to a container (top row); x in [0, 1] of the drawing's width. */
export interface Connector {
  volume: string;
  container: string;
  fromX: number;
  toX: number;
  readOnly: boolean;
}

export interface TimelineItem extends TimelineEntry {
  /** Milliseconds after the first entry (null when a time does not parse). */
  offsetMs: number | null;
  text: string;
}

export interface AnatomyLayout {
  sandbox: {
    id: string;
    state: PodAnatomy['sandbox']['state'];
    pid?: number;
    image?: string;
    namespaces: NamespaceChip[];
    hostNetwork: boolean;
    hostPID: boolean;
    hostIPC: boolean;
    shareProcessNamespace: boolean;
  };
  stages: Stage[];
  /** All containers in start order (= the stages flattened). */
  containers: ContainerBox[];
  volumes: VolumeBox[];
  connectors: Connector[];
  pod: { cpu?: ResourceBar; memory?: ResourceBar };
  timeline: TimelineItem[];
}

const STAGE_ORDER: readonly ContainerType[] = ['init', 'sidecar', 'app', 'ephemeral'];
const STAGE_LABEL: Record<ContainerType, string> = {
  init: 'init containers',
  sidecar: 'sidecars',
  app: 'app containers',
  ephemeral: 'ephemeral containers',
};

export function anatomyLayout(a: PodAnatomy): AnatomyLayout {
  const firstStart = new Map<string, number>();
  for (const e of a.timeline) {
    if (e.type === 'ContainerStarted' && e.container && !firstStart.has(e.container)) {
      const t = parseTime(e.time);
      if (t !== null) firstStart.set(e.container, t);
    }
  }
  const specIndex = new Map(a.containers.map((c, i) => [c.name, i]));
  const startOf = (c: ContainerAnatomy): number => firstStart.get(c.name) ?? (c.startedAt ? parseTime(c.startedAt) : null) ?? Infinity;
  const sorted = [...a.containers].sort((x, y) => {
    const r = STAGE_ORDER.indexOf(x.type) - STAGE_ORDER.indexOf(y.type);
    if (r !== 0) return r;
    const sx = startOf(x);
    const sy = startOf(y);
    if (sx !== sy) return sx < sy ? -1 : 1;
    return (specIndex.get(x.name) ?? 0) - (specIndex.get(y.name) ?? 0);
  });
  const containers = sorted.map((c, i) => containerBox(c, i));
  const stages: Stage[] = [];
  for (const type of STAGE_ORDER) {
    const of = containers.filter((c) => c.type === type);
    if (of.length) stages.push({ type, label: STAGE_LABEL[type], containers: of });
  }
  const columnOf = new Map(containers.map((c) => [c.name, c.column]));
  const volumes: VolumeBox[] = a.volumes.map((v, j) => ({
    name: v.name,
    type: v.type,
    ...(v.hostPath ? { hostPath: v.hostPath } : {}),
    ...(v.medium ? { medium: v.medium } : {}),
    column: j,
    mounts: [...v.mounts].sort((m1, m2) => (columnOf.get(m1.container) ?? 0) - (columnOf.get(m2.container) ?? 0)),
  }));
  const connectors: Connector[] = [];
  const nc = Math.max(1, containers.length);
  const nv = Math.max(1, volumes.length);
  for (const v of volumes) {
    for (const m of v.mounts) {
      const col = columnOf.get(m.container);
      if (col === undefined) continue;
      connectors.push({
        volume: v.name,
        container: m.container,
        fromX: (v.column + 0.5) / nv,
        toX: (col + 0.5) / nc,
        readOnly: m.readOnly,
      });
    }
  }
  return {
    sandbox: {
      id: a.sandbox.id,
      state: a.sandbox.state,
      ...(a.sandbox.pid !== undefined ? { pid: a.sandbox.pid } : {}),
      ...(a.sandbox.image ? { image: a.sandbox.image } : {}),
      namespaces: chips(a.sandbox.namespaces),
      hostNetwork: a.sandbox.hostNetwork,
      hostPID: a.sandbox.hostPID,
      hostIPC: a.sandbox.hostIPC,
      shareProcessNamespace: a.sandbox.shareProcessNamespace,
    },
    stages,
    containers,
    volumes,
    connectors,
    pod: a.cgroup ? bars(a.cgroup) : {},
    timeline: timelineItems(a.timeline),
  };
}

function containerBox(c: ContainerAnatomy, index: number): ContainerBox {
  const all = chips(c.namespaces);
  return {
    name: c.name,
    type: c.type,
    image: c.image,
    state: c.state,
    ...(c.reason ? { reason: c.reason } : {}),
    ...(c.exitCode !== undefined ? { exitCode: c.exitCode } : {}),
    restartCount: c.restartCount,
    ...(c.ready !== undefined ? { ready: c.ready } : {}),
    ...(c.pid !== undefined ? { pid: c.pid } : {}),
    ...(c.startedAt ? { startedAt: c.startedAt } : {}),
    ...(c.targetContainerName ? { targetContainerName: c.targetContainerName } : {}),
    order: index + 1,
    column: index,
    joined: all.filter((n) => n.shared === 'sandbox'),
    own: all.filter((n) => n.shared === 'own'),
    borrowed: all.filter((n) => n.shared === 'host' || n.shared === 'container'),
    ...(c.cgroup ? bars(c.cgroup) : {}),
    processes: c.processes ?? [],
    mounts: c.mounts,
  };
}

export function chips(set: NamespaceSet | undefined): NamespaceChip[] {
  if (!set) return [];
  const out: NamespaceChip[] = [];
  for (const kind of KINDS) {
    const ref = set[kind];
    if (!ref) continue;
    out.push({
      kind,
      inode: ref.inode,
      shared: ref.shared,
      ...(ref.container ? { container: ref.container } : {}),
      label: chipLabel(ref),
    });
  }
  return out;
}

function chipLabel(ref: NamespaceRef): string {
  switch (ref.shared) {
    case 'sandbox':
      return 'shared with the sandbox';
    case 'own':
      return 'its own';
    case 'host':
      return "the node's";
    case 'container':
      return `${ref.container ?? 'another container'}'s`;
  }
}

export function bars(cg: CgroupAnatomy): { cpu: ResourceBar; memory: ResourceBar } {
  const cpuUsed = cg.cpu.usageMillicores;
  const cpuLimit = cg.cpu.limitMillicores;
  const memUsed = cg.memory.workingSetBytes ?? cg.memory.usageBytes;
  const memLimit = cg.memory.limitBytes;
  return {
    cpu: bar(cpuUsed, cpuLimit, formatMillicores),
    memory: bar(memUsed, memLimit, formatBytes),
  };
}

function bar(used: number | null, limit: number | null, fmt: (n: number) => string): ResourceBar {
  const fraction = used !== null && limit !== null && limit > 0 ? Math.min(1, Math.max(0, used / limit)) : null;
  const u = used === null ? '?' : fmt(used);
  const text = limit === null ? `${u} (no limit)` : `${u} / ${fmt(limit)}`;
  return { used, limit, fraction, text };
}

export function formatMillicores(m: number): string {
  if (m >= 1000 && m % 1000 === 0) return `${m / 1000}`;
  return `${Math.round(m)}m`;
}

/** Bytes as kubectl-ish binary units: 512Ki, 24.0Mi, 1.5Gi. */
export function formatBytes(b: number): string {
  const units = ['', 'Ki', 'Mi', 'Gi', 'Ti'];
  let v = b;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  if (i === 0) return `${b}`;
  return Number.isInteger(v) ? `${v}${units[i]}` : `${v.toFixed(1)}${units[i]}`;
}

/** RFC 3339 with up to nanoseconds -> epoch ms (the sub-millisecond digits are dropped); null if unparsable. */
export function parseTime(s: string): number | null {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(s);
  if (!m) return null;
  const frac = (m[2] ?? '').slice(0, 3).padEnd(3, '0');
  const t = Date.parse(`${m[1]}.${frac}${m[3]}`);
  return Number.isNaN(t) ? null : t;
}

function timelineItems(entries: readonly TimelineEntry[]): TimelineItem[] {
  let origin: number | null = null;
  for (const e of entries) {
    const t = parseTime(e.time);
    if (t !== null && (origin === null || t < origin)) origin = t;
  }
  return entries.map((e) => {
    const t = parseTime(e.time);
    return { ...e, offsetMs: t === null || origin === null ? null : t - origin, text: describe(e) };
  });
}

/** One timeline entry in words. */
export function describe(e: TimelineEntry): string {
  const who = e.container ? `${e.container}${e.containerType ? ` (${e.containerType})` : ''}` : '';
  switch (e.type) {
    case 'SandboxCreated':
      return 'sandbox created';
    case 'SandboxReady':
      return 'sandbox ready';
    case 'SandboxStopped':
      return 'sandbox stopped';
    case 'ContainerCreated':
      return `${who} created`;
    case 'ContainerStarted':
      return `${who} started`;
    case 'ContainerExited':
      return `${who} exited${e.exitCode !== undefined ? ` (exit code ${e.exitCode})` : ''}`;
    case 'ContainerRestarted':
      return `${who} restarted`;
    case 'ContainerKilled':
      return `${who} killed${e.message ? `: ${e.message}` : ''}`;
    case 'ProbeChanged':
      return `${who} ${e.probe ?? 'probe'} probe: ${e.result ?? 'unknown'}${e.message ? ` (${e.message})` : ''}`;
  }
}

/** A duration offset for the timeline: +0ms, +250ms, +1.2s, +3m04s. */
export function formatOffset(ms: number | null): string {
  if (ms === null) return '';
  if (ms < 1000) return `+${Math.round(ms)}ms`;
  if (ms < 60_000) return `+${(ms / 1000).toFixed(1)}s`;
  const m = Math.floor(ms / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  return `+${m}m${String(s).padStart(2, '0')}s`;
}
