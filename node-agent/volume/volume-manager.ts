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
 * - secret, configMap, downwardAPI, projected (API data volumes, kubelet's pkg/volume/secret, configmap,
 *   downwardapi, projected): the files of volume-payloads.ts written by the AtomicWriter (`..data` layout)
 *   into <root>/pods/<uid>/volumes/kubernetes.io~secret|configmap|downward-api|projected/<name>. Secret,
 *   downwardAPI and projected dirs are a tmpfs (as kubelet's wrapped Memory emptyDir: secrets never reach
 *   the disk; mode 1777 as tmpfs makes it), configMap dirs a plain 0777 directory. They are always mounted
 *   read-only into containers. A failed first setup is a VolumeError (FailedMount, the pod stays in
 *   ContainerCreating and is retried).
 * - Updates in place: `resync()` (every `resyncIntervalMs` once `start()`ed) rewrites the API data volumes of
 *   every pod set up here from fresh reads (Secrets/ConfigMaps through a TTL cache of GETs, tokens through
 *   the TokenManager, which refreshes them at 80% of their TTL), so running containers see changed objects
 *   and fresh tokens; the writer changes nothing when nothing changed. A failed update keeps the old files
 *   and is reported through `onUpdateError` (an event). kubelet does the same on its pod sync with a 1-minute
 *   TTL cache; kubelab uses its own short period instead because the pod worker's resync (60 s) does far
 *   more than this needs, and a watch per object is what the Node authorizer should not have to allow.
 *   A `subPath` mount of these volumes is bound to the file as it was when the container started (as kube).
 * - Other volume types (PVCs, nfs, ...) fail the mount with a clear message.
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
import { realClock, type Clock, type Timer } from '../../shared/util/clock.ts';
import { log as rootLog, type Logger } from '../../shared/util/log.ts';
import type { PodObjectGetter } from '../configmap-secret/object-manager.ts';
import type { EnvContext } from '../kuberuntime/container-config.ts';
import type { ServiceAccountTokenGetter, TokenManager } from '../token/token-manager.ts';
import { AtomicWriter } from './atomic-writer.ts';
import { volumePayload } from './volume-payloads.ts';

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
  /** The plugin forces read-only (the API data volumes do). */
  readOnly: boolean;
  kind: 'emptyDir' | 'hostPath' | 'secret' | 'configMap' | 'downwardAPI' | 'projected';
}

/** The API data volume kinds and their plugin directory names. */
const API_DATA_PLUGINS = {
  secret: { dir: 'kubernetes.io~secret', tmpfs: true },
  configMap: { dir: 'kubernetes.io~configmap', tmpfs: false },
  downwardAPI: { dir: 'kubernetes.io~downward-api', tmpfs: true },
  projected: { dir: 'kubernetes.io~projected', tmpfs: true },
} as const;
type ApiDataKind = keyof typeof API_DATA_PLUGINS;

/** Whether a volume has downward API files (which show the pod's labels and annotations). */
function showsPodMetadata(v: Volume): boolean {
  return Boolean(v.downwardAPI || v.projected?.sources?.some((s) => s.downwardAPI));
}

function podMetadataChanged(a: Pod, b: Pod): boolean {
  return JSON.stringify([a.metadata.labels ?? {}, a.metadata.annotations ?? {}]) !== JSON.stringify([b.metadata.labels ?? {}, b.metadata.annotations ?? {}]);
}

function apiDataKind(v: Volume): ApiDataKind | undefined {
  if (v.secret) return 'secret';
  if (v.configMap) return 'configMap';
  if (v.downwardAPI) return 'downwardAPI';
  if (v.projected) return 'projected';
  return undefined;
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
  /** Writes the pod's managed hosts file (`<pod dir>/etc-hosts`, mode 0644) and returns its path; '' when not supported. */
  writeEtcHosts(pod: Pod, content: string): Promise<string>;
  /** Unmounts tmpfs and removes emptyDirs and the pod dir; logs stay unless removeLogs. Idempotent. */
  cleanupPod(pod: Pod, options: { removeLogs: boolean }): Promise<void>;
  /** Starts / stops updating mounted API data volumes in place. */
  start(): void;
  stop(): void;
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
  /** Reads pods' Secrets and ConfigMaps (without it, those volumes fail to mount). */
  objects?: PodObjectGetter;
  /** Gets pods' ServiceAccount tokens (without it, serviceAccountToken projections fail). */
  tokens?: TokenManager;
  /** Node allocatable, the default of resourceFieldRef limits. */
  allocatable?: () => EnvContext['allocatable'];
  /** Period of `resync()` once started. @default 10000 */
  resyncIntervalMs?: number;
  /** A running pod's volume could not be updated (its old files stay). */
  onUpdateError?: (pod: Pod, volume: string, message: string) => void;
  clock?: Clock;
  log?: Logger;
}

const noObjects: PodObjectGetter = {
  getSecret: () => Promise.reject(new Error('the node agent has no client for secrets')),
  getConfigMap: () => Promise.reject(new Error('the node agent has no client for configmaps')),
};
const noTokens: ServiceAccountTokenGetter = {
  getServiceAccountToken: () => Promise.reject(new Error('the node agent has no client for serviceaccounts/token')),
};

export class HostVolumeManager implements VolumeManager {
  readonly rootDir: string;
  #exec: (cmd: string, args: string[]) => Promise<void>;
  #o: HostVolumeManagerOptions;
  #clock: Clock;
  #log: Logger;
  /** Pods with API data volumes set up: uid -> latest pod and the names of the volumes set up. */
  #apiData = new Map<string, { pod: Pod; volumes: Set<string> }>();
  /** One write at a time per volume directory (the AtomicWriter is not safe for concurrent writers). */
  #locks = new Map<string, Promise<unknown>>();
  #timer: Timer | undefined;
  #resyncing: Promise<void> | undefined;

  constructor(options: HostVolumeManagerOptions) {
    this.rootDir = options.rootDir;
    this.#o = options;
    this.#clock = options.clock ?? realClock;
    this.#log = options.log ?? rootLog;
    this.#exec = options.exec ?? (async (cmd, args) => {
      await execFileP(cmd, args);
    });
  }

  /** Starts the periodic `resync()`. */
  start(): void {
    if (this.#timer) return;
    const tick = () => {
      this.#timer = this.#clock.setTimeout(() => {
        void this.resync().finally(() => {
          if (this.#timer) tick();
        });
      }, this.#o.resyncIntervalMs ?? 10_000);
      this.#timer.unref?.();
    };
    tick();
  }

  stop(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
  }

  apiDataVolumePath(uid: string, kind: ApiDataKind, name: string): string {
    return path.join(this.podDir(uid), 'volumes', API_DATA_PLUGINS[kind].dir, name);
  }

  async #locked<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.#locks.get(key) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const settled = run.catch(() => undefined);
    this.#locks.set(key, settled);
    try {
      return await run;
    } finally {
      if (this.#locks.get(key) === settled) this.#locks.delete(key);
    }
  }

  /** Writes one API data volume's files (creating and mounting its dir first). Throws a plain Error. */
  async #writeApiData(pod: Pod, v: Volume, kind: ApiDataKind): Promise<string> {
    const uid = pod.metadata.uid ?? '';
    const dir = this.apiDataVolumePath(uid, kind, v.name);
    return this.#locked(dir, async () => {
      // cleanupPod forgets the pod before it waits for writes in flight: none may start after that.
      if (!this.#apiData.has(uid)) throw new Error(`the volumes of pod ${uid} are being torn down`);
      const payload = await volumePayload(v, pod, {
        objects: this.#o.objects ?? noObjects,
        tokens: this.#o.tokens ?? noTokens,
        allocatable: this.#o.allocatable?.() ?? { cpu: 0, memory: 0 },
      });
      if (!(await statOrUndefined(dir))) {
        await fsp.mkdir(dir, { recursive: true, mode: 0o777 });
        await fsp.chmod(dir, 0o777);
      }
      if (API_DATA_PLUGINS[kind].tmpfs && !(await mountPointsUnder(dir)).includes(dir)) {
        try {
          await this.#exec('mount', ['-t', 'tmpfs', 'tmpfs', dir]);
        } catch (err) {
          throw new Error(`mount failed: tmpfs on ${dir}: ${(err as Error).message}`);
        }
      }
      const changed = await new AtomicWriter(dir, { clock: this.#clock }).write(payload);
      if (changed) this.#log.debug('Volume updated', { pod: `${pod.metadata.namespace}/${pod.metadata.name}`, volume: v.name });
      return dir;
    });
  }

  /**
   * Rewrites the API data volumes of every pod set up here (fresh Secrets, ConfigMaps, pod metadata,
   * tokens). A failure keeps the old files and is reported through onUpdateError. One round at a time.
   */
  resync(): Promise<void> {
    // The reset runs in a `.finally` callback, always after the assignment: a round with nothing to await (no
    // pods) completes synchronously, and a reset inside the async body would run before `??=` assigned, leaving
    // that settled promise in place and every later round a no-op.
    this.#resyncing ??= this.#resyncRound().finally(() => {
      this.#resyncing = undefined;
    });
    return this.#resyncing;
  }

  async #resyncRound(): Promise<void> {
    this.#o.tokens?.cleanup();
    for (const [uid, entry] of [...this.#apiData]) {
      for (const v of entry.pod.spec.volumes ?? []) {
        const kind = apiDataKind(v);
        if (!kind || !entry.volumes.has(v.name)) continue;
        try {
          await this.#writeApiData(entry.pod, v, kind);
        } catch (err) {
          if (!this.#apiData.has(uid)) break; // cleaned up meanwhile
          const message = (err as Error).message;
          this.#log.warn('Unable to update volume', { pod: `${entry.pod.metadata.namespace}/${entry.pod.metadata.name}`, volume: v.name, err: message });
          this.#o.onUpdateError?.(entry.pod, v.name, message);
        }
      }
    }
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
    const previous = this.#apiData.get(uid)?.pod;
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
      } else if (apiDataKind(v)) {
        const kind = apiDataKind(v) as ApiDataKind;
        let entry = this.#apiData.get(uid);
        if (!entry) this.#apiData.set(uid, (entry = { pod, volumes: new Set() }));
        entry.pod = pod;
        let dir = this.apiDataVolumePath(uid, kind, v.name);
        // Set up once here; later changes are resync()'s (a failed update must not stop a running pod's sync),
        // except that changed labels or annotations reach a downward API file with this sync already.
        if (!entry.volumes.has(v.name)) {
          try {
            dir = await this.#writeApiData(pod, v, kind);
          } catch (err) {
            throw new VolumeError(v.name, (err as Error).message);
          }
          entry.volumes.add(v.name);
        } else if (previous && showsPodMetadata(v) && podMetadataChanged(previous, pod)) {
          await this.#writeApiData(pod, v, kind).catch((err: unknown) => this.#o.onUpdateError?.(pod, v.name, (err as Error).message));
        }
        out.set(v.name, { name: v.name, hostPath: dir, readOnly: true, kind });
      } else {
        const kind = Object.keys(v).find((k) => k !== 'name') ?? 'unknown';
        throw new VolumeError(v.name, `volume type ${kind} is not supported by the kubelab node agent (supported: emptyDir, hostPath, secret, configMap, downwardAPI, projected)`);
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

  async writeEtcHosts(pod: Pod, content: string): Promise<string> {
    const dir = this.podDir(pod.metadata.uid ?? '');
    await fsp.mkdir(dir, { recursive: true, mode: 0o750 });
    const file = path.join(dir, 'etc-hosts');
    await fsp.writeFile(file, content, { mode: 0o644 });
    await fsp.chmod(file, 0o644);
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
    this.#apiData.delete(uid);
    this.#o.tokens?.deleteServiceAccountToken(uid);
    // Let writes in flight (a resync round) finish before unmounting, so none recreates a dir afterwards.
    await Promise.all([...this.#locks].filter(([k]) => k.startsWith(dir + path.sep)).map(([, p]) => p));
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
  async writeEtcHosts(): Promise<string> {
    return '';
  }
  async readTerminationMessage(): Promise<string> {
    return '';
  }
  async cleanupPod(): Promise<void> {}
  start(): void {}
  stop(): void {}
}
