import { existsSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { rm } from 'node:fs/promises';
import { saveState, type ClusterState } from './cluster-state.ts';
import { destroyNetwork } from './network.ts';
import { run } from './run.ts';
import { isAlive, stopDaemon } from './supervisor.ts';

/** Order of shutdown: consumers first, storage last; containerd after its pods were removed. */
const ORDER = ['console', 'proxy-', 'dns-', 'node-', 'sim-nodes', 'controller-', 'lb', 'apiserver-', 'containerd-', 'etcd-'];
const rank = (name: string) => {
  const i = ORDER.findIndex((p) => name.startsWith(p));
  return i < 0 ? ORDER.length : i;
};

/** SIGKILLs every process in the cgroup subtree `prefix`. Returns how many. */
function killCgroupProcesses(prefix: string): number {
  const pids = new Set<number>();
  const walk = (dir: string) => {
    if (!existsSync(dir)) return;
    try {
      for (const p of readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n')) if (p) pids.add(Number(p));
    } catch {
      // not a cgroup dir
    }
    try {
      for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) walk(join(dir, e.name));
    } catch {
      // removed meanwhile
    }
  };
  // Every process is in every hierarchy, so the first one that has the prefix lists them all (v1 pids or memory,
  // the hybrid unified tree, or a pure cgroup2 mount at /sys/fs/cgroup).
  const dir = ['pids', 'memory', 'unified', ''].map((h) => join('/sys/fs/cgroup', h, prefix.replace(/^\//, ''))).find((d) => existsSync(d));
  if (dir) walk(dir);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  return pids.size;
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

/**
 * Unmounts everything mounted below dir (deepest first, lazily so busy mounts still go). One umount process per
 * batch: a node with 90 pods has ~130 mounts (rootfs overlays, shm, netns, volumes), and one process per mount
 * took 5 s of a loaded `kubelab down`.
 */
async function unmountBelow(dir: string): Promise<number> {
  const mounts = readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[1]?.replace(/\\040/g, ' '))
    .filter((m): m is string => !!m && (m === dir || m.startsWith(dir + '/')))
    .sort((a, b) => b.length - a.length);
  for (let i = 0; i < mounts.length; i += 200) await run('umount', ['-l', ...mounts.slice(i, i + 200)], { allowFail: true });
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
  // One rank at a time (consumers before what they consume), everything within a rank in parallel.
  const ranks = [...new Set(state.daemons.map((d) => rank(d.name)))].sort((a, b) => a - b);
  for (const r of ranks) {
    await Promise.all(
      state.daemons
        .filter((d) => rank(d.name) === r)
        .map(async (d) => {
          if (d.name.startsWith('containerd-')) {
            // The whole node goes away: its containers, shims and containerd are killed outright (their
            // network namespaces, mounts, cgroups and state are removed below), which is what a powered-off
            // machine looks like and takes a fraction of a graceful StopPodSandbox per pod.
            const node = state.nodes.find((n) => `containerd-${n.name}` === d.name);
            if (node) {
              const n = killCgroupProcesses(node.cgroupPrefix);
              if (n) out(`  killed ${n} container process${n > 1 ? 'es' : ''} on ${node.name}`);
              await Promise.all(pidsMentioning(node.containerdSocket).map((pid) => stopDaemon({ pid }, 0)));
            }
          }
          if (isAlive(d.pid)) {
            await stopDaemon(d, d.name.startsWith('containerd-') ? 0 : 2000);
            out(`  stopped ${d.name} (pid ${d.pid})`);
          }
        }),
    );
  }
  await Promise.all(
    state.nodes.map(async (node) => {
      // Shims and container processes that outlived containerd.
      await Promise.all(pidsMentioning(node.containerdSocket).map((pid) => stopDaemon({ pid }, 1000)));
      const n = await unmountBelow(node.dir);
      if (n) out(`  unmounted ${n} mount${n > 1 ? 's' : ''} of ${node.name}`);
      removeCgroups(node.cgroupPrefix);
    }),
  );
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
  const doomed = ['data', 'etcd', 'pki', 'kubeconfig', 'console.kubeconfig', 'node-join.env'].map((e) => join(state.stateDir, e));
  doomed.push(...state.nodes.map((n) => n.dir));
  await Promise.all(doomed.map((p) => rm(p, { recursive: true, force: true })));
  rmSync(join(state.stateDir, 'nodes'), { recursive: true, force: true });
  rmSync(join(state.stateDir, 'cluster.json'), { force: true });
}
