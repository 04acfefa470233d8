/**
 * Pod volumes and per-pod directories on the node (kubelet volumemanager + the emptyDir and hostPath
 * plugins, pkg/volume/emptydir and pkg/volume/hostpath).
 *
 * Layout under the agent's root dir (as kubelet's /var/lib/kubelet and /var/log/pods):
 *   <root>/pods/<uid>/volumes/kubernetes.io~empty-dir/<name>   emptyDir (a tmpfs mount with medium: Memory)
 *   <root>/pods/<uid>/containers/<name>/<id>                   termination message files
 *   <root>/logs/pods/<ns>_<name>_<uid>/<container>/<n>.log      container logs (written by the runtime)
 *
 * - emptyDir: a directory, created on first mount and deleted when the pod is torn down. `medium: Memory`
 *   mounts a tmpfs (size = sizeLimit if set), unmounted at teardown.
 * - hostPath: every `type` check of the hostpath plugin: '' (no check), DirectoryOrCreate (mkdir -p, 0755),
 *   Directory, FileOrCreate (an empty 0644 file; the parent must exist, as documented), File,
 *   Socket, CharDevice, BlockDevice. A failed check is a `VolumeError` (event FailedMount, pod stays
 *   ContainerCreating and is retried).
 * - Other volume types the API server may pass (configMap, secret, downwardAPI, projected, PVCs, ...) are not
 *   supported by kubelab's agent: they fail the mount with a clear message, except projected volumes made
 *   only of serviceAccountToken/configMap kube-root-ca.crt/downwardAPI sources (what the ServiceAccount
 *   admission injects), which get an empty directory so ordinary pods still run.
 * - subPath: the directory (or file's parent) is created inside the volume; `..` escapes are refused.
 *
 * `NoopVolumeManager` is the simulated-node variant: same contract, no filesystem work.
 */
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Pod, Volume } from '../../shared/api/core-v1.ts';
import { parseQuantityExact, quantityValue } from '../../shared/api/quantity.ts';

const execFileP = promisify(execFile);

export class VolumeError extends Error {
  readonly volume: string;
  constructor(volume: string, message: string) {
    super(message);
    this.name = 'VolumeError';
    this.volume = volume;
  }
}

export interface MountedVolume {
  name: string;
  hostPath: string;
  /** The plugin forces read-only (none of ours do, kept for completeness). */
  readOnly: boolean;
  kind: 'emptyDir' | 'hostPath' | 'placeholder';
}

export interface VolumeManager {
  /** Directory where the runtime writes the pod's container logs (created). */
  preparePodDirs(pod: Pod): Promise<{ logDir: string }>;
  /** Sets up all volumes of the pod (idempotent). Throws VolumeError. */
  mountPodVolumes(pod: Pod): Promise<Map<string, MountedVolume>>;
  /** Host path for `subPath` inside a mounted volume, creating it as kubelet does. */
  subPath(volume: MountedVolume, subPath: string): Promise<string>;
  /** A fresh, empty termination message file for a container; '' when not supported. */
  terminationMessageFile(pod: Pod, containerName: string, suffix: string): Promise<string>;
  /** Reads a termination message file (at most 4096 bytes); '' on any problem. */
  readTerminationMessage(hostPath: string): Promise<string>;
  /** Unmounts tmpfs and removes emptyDirs and the pod dir; logs stay unless removeLogs. Idempotent. */
  cleanupPod(pod: Pod, options: { removeLogs: boolean }): Promise<void>;
}

function isPlaceholderProjection(v: Volume): boolean {
  const sources = v.projected?.sources;
  if (!sources) return false;
  return sources.every((s) => s.serviceAccountToken || s.downwardAPI || (s.configMap && s.configMap.name === 'kube-root-ca.crt'));
}

async function statOrUndefined(p: string): Promise<fs.Stats | undefined> {
  try {
    return await fsp.stat(p);
  } catch {
    return undefined;
  }
}

/** Checks a hostPath against its type, creating it for the *OrCreate types (hostpath plugin checkType). */
export async function checkHostPathType(name: string, p: string, type: string): Promise<void> {
  switch (type) {
    case '':
      return;
    case 'DirectoryOrCreate': {
      const st = await statOrUndefined(p);
      if (!st) {
        await fsp.mkdir(p, { recursive: true, mode: 0o755 });
        return;
      }
      if (!st.isDirectory()) throw new VolumeError(name, `hostPath type check failed: ${p} is not a directory`);
      return;
    }
    case 'Directory': {
      const st = await statOrUndefined(p);
      if (!st) throw new VolumeError(name, `hostPath type check failed: ${p} is not a directory`);
      if (!st.isDirectory()) throw new VolumeError(name, `hostPath type check failed: ${p} is not a directory`);
      return;
    }
    case 'FileOrCreate': {
      const st = await statOrUndefined(p);
      if (!st) {
        // Like kubelet, FileOrCreate does not create the parent directory.
        const parent = await statOrUndefined(path.dirname(p));
        if (!parent?.isDirectory()) throw new VolumeError(name, `hostPath type check failed: parent directory of ${p} does not exist`);
        const fh = await fsp.open(p, 'a', 0o644);
        await fh.close();
        return;
      }
      if (!st.isFile()) throw new VolumeError(name, `hostPath type check failed: ${p} is not a file`);
      return;
    }
    case 'File': {
      const st = await statOrUndefined(p);
      if (!st || !st.isFile()) throw new VolumeError(name, `hostPath type check failed: ${p} is not a file`);
      return;
    }
    case 'Socket': {
      const st = await statOrUndefined(p);
      if (!st || !st.isSocket()) throw new VolumeError(name, `hostPath type check failed: ${p} is not a socket file`);
      return;
    }
    case 'CharDevice': {
      const st = await statOrUndefined(p);
      if (!st || !st.isCharacterDevice()) throw new VolumeError(name, `hostPath type check failed: ${p} is not a character device`);
      return;
    }
    case 'BlockDevice': {
      const st = await statOrUndefined(p);
      if (!st || !st.isBlockDevice()) throw new VolumeError(name, `hostPath type check failed: ${p} is not a block device`);
      return;
    }
    default:
      throw new VolumeError(name, `hostPath type check failed: unknown type ${JSON.stringify(type)}`);
  }
}

/** Mount points under a prefix, from /proc/self/mountinfo (field 5). */
async function mountPointsUnder(prefix: string): Promise<string[]> {
  try {
    const text = await fsp.readFile('/proc/self/mountinfo', 'utf8');
    const out: string[] = [];
    for (const line of text.split('\n')) {
      const mp = line.split(' ')[4];
      if (!mp) continue;
      const decoded = mp.replace(/\\(\d{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
      if (decoded === prefix || decoded.startsWith(prefix + '/')) out.push(decoded);
    }
    return out;
  } catch {
    return [];
  }
}

export interface HostVolumeManagerOptions {
  rootDir: string;
  /** mount/umount runner (tests inject one). */
  exec?: (cmd: string, args: string[]) => Promise<void>;
}

export class HostVolumeManager implements VolumeManager {
  readonly rootDir: string;
  #exec: (cmd: string, args: string[]) => Promise<void>;

  constructor(options: HostVolumeManagerOptions) {
    this.rootDir = options.rootDir;
    this.#exec = options.exec ?? (async (cmd, args) => {
      await execFileP(cmd, args);
    });
  }

  podDir(uid: string): string {
    return path.join(this.rootDir, 'pods', uid);
  }

  logDir(pod: Pod): string {
    return path.join(this.rootDir, 'logs', 'pods', `${pod.metadata.namespace}_${pod.metadata.name}_${pod.metadata.uid}`);
  }

  emptyDirPath(uid: string, name: string): string {
    return path.join(this.podDir(uid), 'volumes', 'kubernetes.io~empty-dir', name);
  }

  async preparePodDirs(pod: Pod): Promise<{ logDir: string }> {
    const logDir = this.logDir(pod);
    await fsp.mkdir(logDir, { recursive: true, mode: 0o755 });
    await fsp.mkdir(path.join(this.podDir(pod.metadata.uid ?? ''), 'volumes'), { recursive: true, mode: 0o750 });
    return { logDir };
  }

  async mountPodVolumes(pod: Pod): Promise<Map<string, MountedVolume>> {
    const uid = pod.metadata.uid ?? '';
    const out = new Map<string, MountedVolume>();
    for (const v of pod.spec.volumes ?? []) {
      if (v.emptyDir) {
        const dir = this.emptyDirPath(uid, v.name);
        await fsp.mkdir(dir, { recursive: true, mode: 0o777 });
        await fsp.chmod(dir, 0o777); // emptyDirs are world-writable (kubelet: 0777)
        if (v.emptyDir.medium === 'Memory') {
          const mounted = (await mountPointsUnder(dir)).includes(dir);
          if (!mounted) {
            const opts = ['mode=0777'];
            if (v.emptyDir.sizeLimit !== undefined) opts.push(`size=${quantityValue(parseQuantityExact(v.emptyDir.sizeLimit))}`);
            try {
              await this.#exec('mount', ['-t', 'tmpfs', '-o', opts.join(','), 'tmpfs', dir]);
            } catch (err) {
              throw new VolumeError(v.name, `mount failed: tmpfs on ${dir}: ${(err as Error).message}`);
            }
          }
        }
        out.set(v.name, { name: v.name, hostPath: dir, readOnly: false, kind: 'emptyDir' });
      } else if (v.hostPath) {
        await checkHostPathType(v.name, v.hostPath.path, v.hostPath.type ?? '');
        out.set(v.name, { name: v.name, hostPath: v.hostPath.path, readOnly: false, kind: 'hostPath' });
      } else if (isPlaceholderProjection(v)) {
        const dir = path.join(this.podDir(uid), 'volumes', 'kubernetes.io~projected', v.name);
        await fsp.mkdir(dir, { recursive: true, mode: 0o755 });
        out.set(v.name, { name: v.name, hostPath: dir, readOnly: true, kind: 'placeholder' });
      } else {
        const kind = Object.keys(v).find((k) => k !== 'name') ?? 'unknown';
        throw new VolumeError(v.name, `volume type ${kind} is not supported by the kubelab node agent (supported: emptyDir, hostPath)`);
      }
    }
    return out;
  }

  async subPath(volume: MountedVolume, subPath: string): Promise<string> {
    const normalized = path.normalize(subPath);
    if (path.isAbsolute(subPath) || normalized === '..' || normalized.startsWith('../')) {
      throw new VolumeError(volume.name, `subPath ${JSON.stringify(subPath)} must be a relative path not reaching outside the volume`);
    }
    const full = path.join(volume.hostPath, normalized);
    const st = await statOrUndefined(full);
    if (!st) await fsp.mkdir(full, { recursive: true, mode: 0o755 });
    return full;
  }

  async terminationMessageFile(pod: Pod, containerName: string, suffix: string): Promise<string> {
    const dir = path.join(this.podDir(pod.metadata.uid ?? ''), 'containers', containerName);
    await fsp.mkdir(dir, { recursive: true, mode: 0o750 });
    const file = path.join(dir, suffix);
    await fsp.writeFile(file, '', { mode: 0o666 });
    await fsp.chmod(file, 0o666);
    return file;
  }

  async readTerminationMessage(hostPath: string): Promise<string> {
    try {
      const fh = await fsp.open(hostPath, 'r');
      try {
        const buf = Buffer.alloc(4096);
        const { bytesRead } = await fh.read(buf, 0, 4096, 0);
        return buf.subarray(0, bytesRead).toString('utf8');
      } finally {
        await fh.close();
      }
    } catch {
      return '';
    }
  }

  async cleanupPod(pod: Pod, options: { removeLogs: boolean }): Promise<void> {
    const uid = pod.metadata.uid ?? '';
    const dir = this.podDir(uid);
    // Unmount tmpfs (and anything else) under the pod dir, deepest first.
    const mounts = (await mountPointsUnder(dir)).sort((a, b) => b.length - a.length);
    for (const m of mounts) {
      try {
        await this.#exec('umount', [m]);
      } catch (err) {
        throw new Error(`Cannot remove pod dir ${dir} as unmounting ${m} failed: ${(err as Error).message}`);
      }
    }
    await fsp.rm(dir, { recursive: true, force: true });
    if (options.removeLogs) await fsp.rm(this.logDir(pod), { recursive: true, force: true });
  }
}

/** The simulated node's volume manager: the same answers, no filesystem. */
export class NoopVolumeManager implements VolumeManager {
  readonly rootDir: string;
  constructor(rootDir = '/var/lib/kubelab-sim') {
    this.rootDir = rootDir;
  }
  async preparePodDirs(pod: Pod): Promise<{ logDir: string }> {
    return { logDir: path.join(this.rootDir, 'logs', 'pods', `${pod.metadata.namespace}_${pod.metadata.name}_${pod.metadata.uid}`) };
  }
  async mountPodVolumes(pod: Pod): Promise<Map<string, MountedVolume>> {
    const out = new Map<string, MountedVolume>();
    for (const v of pod.spec.volumes ?? []) {
      const hostPath = v.hostPath ? v.hostPath.path : path.join(this.rootDir, 'pods', pod.metadata.uid ?? '', 'volumes', v.name);
      out.set(v.name, { name: v.name, hostPath, readOnly: false, kind: v.hostPath ? 'hostPath' : 'emptyDir' });
    }
    return out;
  }
  async subPath(volume: MountedVolume, subPath: string): Promise<string> {
    return path.join(volume.hostPath, subPath);
  }
  async terminationMessageFile(): Promise<string> {
    return '';
  }
  async readTerminationMessage(): Promise<string> {
    return '';
  }
  async cleanupPod(): Promise<void> {}
}
