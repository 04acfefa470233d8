/**
 * Pod-level cgroups (kubelet cm/pod_container_manager_linux.go Destroy). With the cgroupfs driver the runtime
 * puts containers at `<cgroupParent>/<containerId>` in every hierarchy and removes only that leaf, so the
 * pod's own directory `<cgroupPrefix>/pod<uid>` is left behind in each hierarchy (measured on this machine's
 * hybrid cgroup v1 layout). The agent removes them when the pod is torn down: children first, then the pod
 * dir, in every hierarchy; a missing dir is fine, a busy one (processes left) is an error to retry.
 */
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';

export interface PodCgroups {
  /** The cgroup_parent to give the sandbox. */
  parentFor(uid: string): string;
  /** Removes the pod's cgroup dirs in every hierarchy. */
  destroy(uid: string): Promise<void>;
}

/** Mount points of the hierarchies under root (deduplicated by real path; `unified` included). */
export function cgroupHierarchies(root = '/sys/fs/cgroup'): string[] {
  if (fs.existsSync(path.join(root, 'cgroup.controllers'))) return [root]; // pure cgroup v2
  const seen = new Set<string>();
  const out: string[] = [];
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(root, { withFileTypes: true });
  } catch {
    return [];
  }
  for (const e of entries) {
    const p = path.join(root, e.name);
    let real: string;
    try {
      real = fs.realpathSync(p);
      if (!fs.statSync(real).isDirectory()) continue;
    } catch {
      continue;
    }
    if (seen.has(real)) continue;
    seen.add(real);
    out.push(real);
  }
  return out.sort();
}

async function rmdirTree(dir: string): Promise<void> {
  let entries: fs.Dirent[];
  try {
    entries = await fsp.readdir(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  for (const e of entries) if (e.isDirectory()) await rmdirTree(path.join(dir, e.name));
  try {
    await fsp.rmdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new Error(`Cannot remove cgroup ${dir} as rmdir failed: ${(err as Error).message}`);
  }
}

export class HostPodCgroups implements PodCgroups {
  readonly prefix: string;
  #root: string;

  /** prefix like `/kubelab-node1` (a leading slash is added when missing). */
  constructor(prefix: string, root = '/sys/fs/cgroup') {
    this.prefix = prefix.startsWith('/') ? prefix.replace(/\/+$/, '') : `/${prefix.replace(/\/+$/, '')}`;
    this.#root = root;
  }

  parentFor(uid: string): string {
    return `${this.prefix}/pod${uid}`;
  }

  async destroy(uid: string): Promise<void> {
    const rel = this.parentFor(uid).replace(/^\//, '');
    const problems: string[] = [];
    for (const h of cgroupHierarchies(this.#root)) {
      try {
        await rmdirTree(path.join(h, rel));
      } catch (err) {
        problems.push((err as Error).message);
      }
    }
    if (problems.length) throw new Error(problems.join('; '));
  }
}

/** Simulated nodes have no cgroups. */
export class NoopPodCgroups implements PodCgroups {
  readonly prefix: string;
  constructor(prefix = '/kubelab') {
    this.prefix = prefix;
  }
  parentFor(uid: string): string {
    return `${this.prefix}/pod${uid}`;
  }
  async destroy(): Promise<void> {}
}
