import { existsSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RemoteRuntime } from '../../node-agent/cri/remote/remote-runtime.ts';
import { saveState, type ClusterState, type NodeRecord } from './cluster-state.ts';
import { destroyNetwork } from './network.ts';
import { run } from './run.ts';
import { isAlive, stopDaemon } from './supervisor.ts';

/** Order of shutdown: consumers first, storage last; containerd after its pods were removed. */
const ORDER = ['node-', 'sim-nodes', 'controller-', 'lb', 'apiserver-', 'containerd-', 'etcd-'];
const rank = (name: string) => {
  const i = ORDER.findIndex((p) => name.startsWith(p));
  return i < 0 ? ORDER.length : i;
};

async function removePods(node: NodeRecord, out: (l: string) => void): Promise<void> {
  if (!existsSync(node.containerdSocket)) return;
  const rt = new RemoteRuntime({ endpoint: `unix://${node.containerdSocket}`, defaultTimeoutMs: 15_000 });
  try {
    const sandboxes = await rt.listPodSandbox();
    for (const sb of sandboxes) {
      await rt.stopPodSandbox(sb.id).catch(() => undefined);
      await rt.removePodSandbox(sb.id).catch(() => undefined);
    }
    if (sandboxes.length) out(`  removed ${sandboxes.length} pod sandbox${sandboxes.length > 1 ? 'es' : ''} on ${node.name}`);
  } catch {
    // containerd already gone: the process sweep below handles leftovers
  } finally {
    rt.close();
  }
}

/** Processes whose command line mentions `needle` (containerd shims of a node, by its socket path). */
function pidsMentioning(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmd.includes(needle)) pids.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return pids.filter((p) => p !== process.pid);
}

/** Unmounts everything mounted below dir (deepest first, lazily so busy mounts still go). */
async function unmountBelow(dir: string): Promise<number> {
  const mounts = readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[1]?.replace(/\\040/g, ' '))
    .filter((m): m is string => !!m && (m === dir || m.startsWith(dir + '/')))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) await run('umount', ['-l', m], { allowFail: true });
  return mounts.length;
}

/** Removes a cgroup subtree (children first, rmdir(2) as cgroupfs requires) in every hierarchy. */
function removeCgroups(prefix: string): void {
  const base = '/sys/fs/cgroup';
  if (!existsSync(base)) return;
  const rmTree = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) rmTree(join(dir, e.name));
    try {
      rmdirSync(dir);
    } catch {
      // busy (a process still inside) or gone
    }
  };
  for (const h of readdirSync(base, { withFileTypes: true })) {
    if (h.isDirectory()) rmTree(join(base, h.name, prefix.replace(/^\//, '')));
  }
}

/**
 * Stops and removes everything a cluster state records, in dependency order. Idempotent: running it twice,
 * or on a half-started cluster, is fine.
 */
export async function teardown(state: ClusterState, out: (l: string) => void): Promise<void> {
  const daemons = [...state.daemons].sort((a, b) => rank(a.name) - rank(b.name));
  for (const d of daemons) {
    if (d.name.startsWith('containerd-')) {
      const node = state.nodes.find((n) => `containerd-${n.name}` === d.name);
      if (node && isAlive(d.pid)) await removePods(node, out);
    }
    if (isAlive(d.pid)) {
      await stopDaemon(d);
      out(`  stopped ${d.name} (pid ${d.pid})`);
    }
  }
  for (const node of state.nodes) {
    // Shims and container processes that outlived containerd.
    for (const pid of pidsMentioning(node.containerdSocket)) await stopDaemon({ pid }, 1000);
    const n = await unmountBelow(node.dir);
    if (n) out(`  unmounted ${n} mount${n > 1 ? 's' : ''} of ${node.name}`);
    removeCgroups(node.cgroupPrefix);
  }
  await unmountBelow(state.stateDir);
  if (state.network) {
    await destroyNetwork(state.network);
    out(`  removed network ${state.network.bridge} and ${state.network.nodes.length} node namespace${state.network.nodes.length === 1 ? '' : 's'}`);
  }
  for (const [key, value] of Object.entries(state.sysctls)) {
    try {
      writeFileSync(`/proc/sys/${key.replace(/\./g, '/')}`, value);
    } catch {
      // best effort
    }
  }
  state.daemons = [];
  state.sysctls = {};
  saveState(state);
  for (const entry of ['data', 'etcd', 'nodes', 'pki', 'kubeconfig', 'node-join.env']) {
    rmSync(join(state.stateDir, entry), { recursive: true, force: true });
  }
  rmSync(join(state.stateDir, 'cluster.json'), { force: true });
}
