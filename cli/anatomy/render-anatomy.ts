/**
 * Draws a PodAnatomy (shared/api/pod-anatomy.ts) as text for `kubectl anatomy`:
 *
 *   - the pause (infra) process at the root, with the namespaces it holds;
 *   - each container under it in the order it started: type, state, PID, the sandbox namespaces it joins, what
 *     it does not share (its own mnt, pid, ... ; the node's; another container's), its processes and mounts;
 *   - volumes with their host paths and which containers mount them;
 *   - the network namespace: interfaces, addresses, listening sockets and whose they are;
 *   - the timeline relative to the sandbox's creation, and resource use against limits as bars.
 *
 * Every line is cut to `width` (ellipsis), colour only changes SGR sequences around the same characters.
 */
import type {
  CgroupAnatomy,
  ContainerAnatomy,
  NamespaceKind,
  NamespaceSet,
  PodAnatomy,
  TimelineEntry,
} from '../../shared/api/pod-anatomy.ts';
import { NAMESPACE_KINDS } from '../../shared/api/pod-anatomy.ts';
import { formatBytes, formatMillicores, parseTimeMs, parseTimeNs, relativeTime } from './anatomy-format.ts';
import { fitLine, lineLength, padEnd, renderLine, s, wrapItems, type Line, type Segment, type Style } from './text-line.ts';

export interface RenderOptions {
  /** Terminal columns; no line is wider. */
  width: number;
  /** ANSI colours. */
  color: boolean;
}

/** The anatomy as lines of text (no trailing newlines), each at most `width` characters wide. */
export function renderAnatomy(anatomy: PodAnatomy, options: RenderOptions): string[] {
  const width = Math.max(20, Math.floor(options.width));
  const base = parseTimeMs(anatomy.sandbox.createdAt) ?? parseTimeMs(anatomy.timeline[0]?.time);
  const lines: Line[] = [
    ...header(anatomy),
    [],
    ...sandboxTree(anatomy, base, width),
    [],
    ...volumes(anatomy),
    [],
    ...network(anatomy, width),
    [],
    ...timeline(anatomy, base),
    [],
    ...resources(anatomy, width),
    ...warnings(anatomy),
  ];
  return lines.map((l) => renderLine(fitLine(l, width), options.color));
}

function header(a: PodAnatomy): Line[] {
  const first: Line = [s('Pod ', 'bold'), s(`${a.metadata.namespace}/${a.metadata.name}`, 'bold'), s('  node '), s(a.metadata.node, 'cyan')];
  if (a.phase) first.push(s('  '), s(a.phase, phaseStyle(a.phase)));
  if (a.qosClass) first.push(s(`  ${a.qosClass}`));
  const second: Line = [s('IPs '), s(a.podIPs.length > 0 ? a.podIPs.join(', ') : 'none')];
  second.push(s('  uid '), s(a.metadata.uid, 'dim'));
  return [first, second];
}

function phaseStyle(phase: string): Style | undefined {
  if (phase === 'Running' || phase === 'Succeeded') return 'green';
  if (phase === 'Pending') return 'yellow';
  if (phase === 'Failed') return 'red';
  return undefined;
}

// --- the sandbox and its containers --------------------------------------------------------------------------

function sandboxTree(a: PodAnatomy, base: number | undefined, width: number): Line[] {
  const sb = a.sandbox;
  const root: Line = [s('pause', 'bold')];
  if (sb.pid !== undefined) root.push(s('  pid '), s(String(sb.pid), 'bold'));
  root.push(s('  sandbox '), s(sb.id.slice(0, 12), 'dim'), s('  '), s(sb.state, sb.state === 'ready' ? 'green' : 'yellow'));
  const hosts = [sb.hostNetwork && 'hostNetwork', sb.hostPID && 'hostPID', sb.hostIPC && 'hostIPC', sb.shareProcessNamespace && 'shareProcessNamespace'].filter((x): x is string => typeof x === 'string');
  if (hosts.length > 0) root.push(s(`  ${hosts.join(' ')}`, 'magenta'));
  const lines: Line[] = [root];
  const ordered = startOrder(a.containers);
  const bar = ordered.length > 0 ? '│ ' : '  ';
  const held = namespaceItems(sb.namespaces, (shared) => shared !== 'host', true);
  if (held.length > 0) lines.push(...wrapItems([s(bar), s('holds   ', 'dim')], [s(bar), s('        ')], held, width));
  const node = namespaceItems(sb.namespaces, (shared) => shared === 'host', false).map((l) => l.map((seg) => s(seg.text, 'magenta')));
  if (node.length > 0) lines.push(...wrapItems([s(bar), s('node\'s  ', 'dim')], [s(bar), s('        ')], node, width));
  ordered.forEach((c, i) => {
    const last = i === ordered.length - 1;
    lines.push(...containerBlock(c, i + 1, last, base, width));
  });
  return lines;
}

/** Containers in the order they started; those that never started keep their spec order, after the others. */
export function startOrder(containers: ContainerAnatomy[]): ContainerAnatomy[] {
  return containers
    .map((c, index) => ({ c, index, t: parseTimeNs(c.startedAt) }))
    .sort((x, y) => {
      if (x.t !== undefined && y.t !== undefined) return x.t < y.t ? -1 : x.t > y.t ? 1 : x.index - y.index;
      if (x.t !== undefined) return -1;
      if (y.t !== undefined) return 1;
      return x.index - y.index;
    })
    .map((x) => x.c);
}

const TYPE_STYLE: Record<ContainerAnatomy['type'], Style> = { init: 'blue', sidecar: 'magenta', app: 'cyan', ephemeral: 'yellow' };

function containerBlock(c: ContainerAnatomy, n: number, last: boolean, base: number | undefined, width: number): Line[] {
  const branch = last ? '└─ ' : '├─ ';
  const indent = last ? '     ' : '│    ';
  const title: Line = [s(branch), s(`${n}. `), s(c.name, 'bold'), s('  '), s(c.type, TYPE_STYLE[c.type]), s('  ')];
  title.push(...stateSegments(c));
  if (c.pid !== undefined) title.push(s('  pid '), s(String(c.pid), 'bold'));
  if (c.ready === true && c.state === 'running') title.push(s('  ready', 'green'));
  if (c.restartCount > 0) title.push(s(`  restarts ${c.restartCount}`, 'yellow'));
  if (c.startedAt) {
    title.push(s(`  ${relativeTime(c.startedAt, base)}`, 'dim'));
    if (c.finishedAt) title.push(s(`→${relativeTime(c.finishedAt, base)}`, 'dim'));
  }
  const lines: Line[] = [title];
  const label = (text: string): Line => [s(indent), s(padEnd(text, 8), 'dim')];
  const cont = (): Line => [s(indent), s(' '.repeat(8))];
  if (c.targetContainerName) lines.push([...label('target'), s(c.targetContainerName, 'bold')]);
  if (c.namespaces) {
    const joins = NAMESPACE_KINDS.filter((k) => c.namespaces?.[k]?.shared === 'sandbox');
    if (joins.length > 0) lines.push(...wrapItems(label('joins'), cont(), joins.map((k) => [s(k, 'green')]), width));
    const own = namespaceItems(c.namespaces, (shared) => shared === 'own', true);
    if (own.length > 0) lines.push(...wrapItems(label('own'), cont(), own, width));
    const others = NAMESPACE_KINDS.flatMap((k): Line[] => {
      const ref = c.namespaces?.[k];
      return ref?.shared === 'container' ? [[s(`${k} of `), s(ref.container ?? '?', 'bold'), s(`:${ref.inode}`, 'dim')]] : [];
    });
    if (others.length > 0) lines.push(...wrapItems(label('shares'), cont(), others, width));
    const host = NAMESPACE_KINDS.filter((k) => c.namespaces?.[k]?.shared === 'host');
    if (host.length > 0) lines.push(...wrapItems(label('node\'s'), cont(), host.map((k) => [s(k, 'magenta')]), width));
  }
  (c.processes ?? []).forEach((p, i) => {
    lines.push([...(i === 0 ? label('procs') : cont()), s(String(p.pid).padStart(6), 'bold'), s(` ${p.command}`)]);
  });
  const mounts = c.mounts.filter((m) => m.source === 'volume');
  mounts.forEach((m, i) => {
    const what = m.volume ?? m.source;
    lines.push([...(i === 0 ? label('mounts') : cont()), s(m.mountPath), s(' ← '), s(what, 'bold'), ...(m.subPath ? [s(`/${m.subPath}`)] : []), s(`  ${m.readOnly ? 'ro' : 'rw'}`, m.readOnly ? 'dim' : undefined)]);
  });
  const provided = c.mounts.filter((m) => m.source !== 'volume').map((m) => m.source);
  if (provided.length > 0) lines.push(...wrapItems(label(mounts.length > 0 ? '' : 'mounts'), cont(), provided.map((p) => [s(p, 'dim')]), width));
  return lines;
}

function stateSegments(c: ContainerAnatomy): Segment[] {
  switch (c.state) {
    case 'running':
      return [s('running', 'green')];
    case 'exited':
      return [s(`exited ${c.exitCode ?? '?'}`, c.exitCode === 0 ? 'dim' : 'red'), ...(c.reason ? [s(` (${c.reason})`)] : [])];
    case 'waiting':
      return [s('waiting', 'yellow'), ...(c.reason ? [s(` (${c.reason})`, 'yellow')] : [])];
    default:
      return [s(c.state, 'yellow')];
  }
}

function namespaceItems(set: NamespaceSet | undefined, keep: (shared: string) => boolean, withInode: boolean): Line[] {
  if (!set) return [];
  return NAMESPACE_KINDS.flatMap((k: NamespaceKind): Line[] => {
    const ref = set[k];
    if (!ref || !keep(ref.shared)) return [];
    return [withInode ? [s(k), s(`:${ref.inode}`, 'dim')] : [s(k)]];
  });
}

// --- volumes -------------------------------------------------------------------------------------------------

function volumes(a: PodAnatomy): Line[] {
  const lines: Line[] = [[s('VOLUMES', 'bold')]];
  if (a.volumes.length === 0) lines.push([s('  none', 'dim')]);
  for (const v of a.volumes) {
    const head: Line = [s('  '), s(v.name, 'bold'), s(`  ${v.type}`)];
    if (v.medium) head.push(s(` (${v.medium})`));
    if (v.hostPath) head.push(s('  '), s(v.hostPath, 'dim'));
    lines.push(head);
    const nameWidth = Math.max(0, ...v.mounts.map((m) => m.container.length));
    v.mounts.forEach((m, i) => {
      const branch = i === v.mounts.length - 1 ? '    └─ ' : '    ├─ ';
      lines.push([s(branch), s(padEnd(m.container, nameWidth), 'cyan'), s(`  ${m.mountPath}`), ...(m.subPath ? [s(` (subPath ${m.subPath})`)] : []), s(`  ${m.readOnly ? 'ro' : 'rw'}`, m.readOnly ? 'dim' : undefined)]);
    });
    if (v.mounts.length === 0) lines.push([s('    (not mounted)', 'dim')]);
  }
  return lines;
}

// --- network -------------------------------------------------------------------------------------------------

function network(a: PodAnatomy, width: number): Line[] {
  const head: Line = [s('NETWORK', 'bold')];
  const ns = a.network.namespace;
  if (ns) head.push(s('  net'), s(`:${ns.inode}`, 'dim'), ...(ns.shared === 'host' ? [s('  (the node\'s)', 'magenta')] : []));
  const lines: Line[] = [head];
  const nameWidth = Math.max(0, ...a.network.interfaces.map((i) => i.name.length));
  for (const itf of a.network.interfaces) {
    const first: Line = [s('  '), s(padEnd(itf.name, nameWidth), 'bold'), s('  ')];
    const items: Line[] = [
      ...itf.addresses.map((addr) => [s(addr)]),
      [s(itf.up ? 'up' : 'down', itf.up ? 'green' : 'red')],
      ...(itf.mtu !== undefined ? [[s(`mtu ${itf.mtu}`, 'dim')]] : []),
      ...(itf.mac ? [[s(itf.mac, 'dim')]] : []),
    ];
    lines.push(...wrapItems(first, [s(' '.repeat(lineLength(first)))], items, width));
  }
  if (a.network.listening.length > 0) {
    lines.push([s('  listening', 'dim')]);
    const rows = a.network.listening.map((l) => ({
      proto: l.family === 6 ? `${l.protocol}6` : l.protocol,
      addr: `${l.family === 6 ? `[${l.address}]` : l.address}:${l.port}`,
      l,
    }));
    const addrWidth = Math.max(...rows.map((r) => r.addr.length));
    for (const r of rows) {
      const line: Line = [s('    '), s(padEnd(r.proto, 6)), s(padEnd(r.addr, addrWidth), 'bold')];
      if (r.l.container) line.push(s('  '), s(r.l.container, 'cyan'));
      if (r.l.pid !== undefined) line.push(s(`  pid ${r.l.pid}`));
      lines.push(line);
    }
  } else {
    lines.push([s('  listening  none', 'dim')]);
  }
  return lines;
}

// --- timeline ------------------------------------------------------------------------------------------------

function timeline(a: PodAnatomy, base: number | undefined): Line[] {
  const lines: Line[] = [[s('TIMELINE', 'bold')]];
  if (a.timeline.length === 0) lines.push([s('  none recorded', 'dim')]);
  const entries = a.timeline.map((e) => ({ e, when: relativeTime(e.time, base) }));
  const whenWidth = Math.max(0, ...entries.map((x) => x.when.length));
  const typeWidth = Math.max(0, ...a.timeline.map((e) => e.type.length));
  for (const { e, when } of entries) {
    const line: Line = [s('  '), s(when.padStart(whenWidth), 'dim'), s('  '), s(padEnd(e.type, typeWidth), timelineStyle(e))];
    if (e.container) line.push(s('  '), s(e.container, 'bold'), ...(e.containerType ? [s(` (${e.containerType})`)] : []));
    if (e.exitCode !== undefined) line.push(s('  exit '), s(String(e.exitCode), e.exitCode === 0 ? undefined : 'red'));
    if (e.probe) line.push(s(`  ${e.probe} `), s(e.result ?? '?', e.result === 'failure' ? 'red' : 'green'));
    if (e.message) line.push(s(`  ${e.message}`, 'dim'));
    lines.push(line);
  }
  return lines;
}

function timelineStyle(e: TimelineEntry): Style | undefined {
  if (e.type === 'ContainerExited') return e.exitCode === 0 ? undefined : 'red';
  if (e.type === 'ContainerRestarted' || e.type === 'ContainerKilled') return 'yellow';
  if (e.type === 'ContainerStarted' || e.type === 'SandboxReady') return 'green';
  return undefined;
}

// --- resources -----------------------------------------------------------------------------------------------

interface ResourceRow {
  name: string;
  cpu: string;
  cpuFill: number | undefined;
  mem: string;
  memFill: number | undefined;
}

function resourceRow(name: string, cg: CgroupAnatomy): ResourceRow {
  const cpuUse = cg.cpu.usageMillicores;
  const cpuLimit = cg.cpu.limitMillicores;
  const memUse = cg.memory.workingSetBytes ?? cg.memory.usageBytes;
  const memLimit = cg.memory.limitBytes;
  return {
    name,
    cpu: `${cpuUse === null ? '?' : formatMillicores(cpuUse)} / ${cpuLimit === null ? 'no limit' : formatMillicores(cpuLimit)}`,
    cpuFill: cpuUse !== null && cpuLimit !== null && cpuLimit > 0 ? cpuUse / cpuLimit : undefined,
    mem: `${memUse === null ? '?' : formatBytes(memUse)} / ${memLimit === null ? 'no limit' : formatBytes(memLimit)}`,
    memFill: memUse !== null && memLimit !== null && memLimit > 0 ? memUse / memLimit : undefined,
  };
}

function resources(a: PodAnatomy, width: number): Line[] {
  const rows: ResourceRow[] = [];
  if (a.cgroup) rows.push(resourceRow('pod', a.cgroup));
  for (const c of startOrder(a.containers)) if (c.cgroup) rows.push(resourceRow(c.name, c.cgroup));
  const lines: Line[] = [[s('RESOURCES', 'bold'), s('  cpu (millicores) and memory (working set) against limits', 'dim')]];
  if (rows.length === 0) {
    lines.push([s('  not measured', 'dim')]);
    return lines;
  }
  const nameW = Math.max(...rows.map((r) => r.name.length));
  const cpuW = Math.max(...rows.map((r) => r.cpu.length));
  const memW = Math.max(...rows.map((r) => r.mem.length));
  // "  name  cpu CPU [bar]  mem MEM [bar]": what is left for the two bars, shared equally, 4..20 cells each.
  const fixed = 2 + nameW + 2 + 4 + cpuW + 2 + 2 + 2 + 4 + memW + 2 + 1;
  const bar = Math.max(4, Math.min(20, Math.floor((width - fixed) / 2)));
  for (const r of rows) {
    lines.push([
      s('  '), s(padEnd(r.name, nameW), 'bold'),
      s('  cpu '), s(padEnd(r.cpu, cpuW)), s(' '), ...barSegments(r.cpuFill, bar),
      s('  mem '), s(padEnd(r.mem, memW)), s(' '), ...barSegments(r.memFill, bar),
    ]);
  }
  return lines;
}

/** `[████░░░░]` filled to `fill` (0..1; over 1 is full and red); blank brackets without a limit. */
export function barSegments(fill: number | undefined, cells: number): Segment[] {
  if (fill === undefined) return [s(`[${' '.repeat(cells)}]`, 'dim')];
  const clamped = Math.max(0, Math.min(1, fill));
  const full = fill > 0 && clamped * cells < 1 ? 1 : Math.round(clamped * cells);
  const style: Style = fill >= 0.9 ? 'red' : fill >= 0.7 ? 'yellow' : 'green';
  return [s('['), s('█'.repeat(full), style), s('░'.repeat(cells - full), 'dim'), s(']')];
}

function warnings(a: PodAnatomy): Line[] {
  if (!a.warnings || a.warnings.length === 0) return [];
  return [[], [s('WARNINGS', 'yellow')], ...a.warnings.map((w) => [s('  '), s(w, 'yellow')])];
}
