/**
 * Atomic projection of a set of files into a directory (kubelet pkg/volume/util/atomic_writer.go): what
 * secret, configMap, downwardAPI and projected volumes look like inside a pod.
 *
 *   <dir>/..2026_12_07_17_02_29.0123456789/   the data: files with their modes (a new dir per change)
 *   <dir>/..data -> ..2026_12_07_17_02_29.0123456789
 *   <dir>/key    -> ..data/key                 one symlink per top-level path of the payload
 *
 * An update writes a complete new data dir, points `..data_tmp` at it and renames that over `..data` (rename
 * is atomic, so a reader sees either all old or all new files), removes the user-visible links the new
 * payload no longer has, then the old data dir. Nothing is written when content and modes are unchanged.
 * Names starting with `..` are reserved for the writer. Not safe for concurrent writes to one directory:
 * callers serialize (the volume manager holds a per-directory lock).
 */
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { randomInt } from 'node:crypto';
import { realClock, type Clock } from '../../shared/util/clock.ts';

const MAX_FILE_NAME_LENGTH = 255;
const MAX_PATH_LENGTH = 4096;
export const DATA_DIR_NAME = '..data';
export const NEW_DATA_DIR_NAME = '..data_tmp';

export interface FileProjection {
  data: Uint8Array;
  /** Permission bits (0o644...). */
  mode: number;
}

/** A payload: relative path (validated by validatePath) -> content and mode. */
export type Payload = Map<string, FileProjection>;

/**
 * Checks a payload path as the writer does: not empty, relative, no `..` element, not starting with `..`,
 * file names <= 255 and the path <= 4096 characters. Throws an Error with kubelet's wording.
 */
export function validatePath(targetPath: string): void {
  if (targetPath === '') throw new Error(`invalid path: must not be empty: ${JSON.stringify(targetPath)}`);
  if (path.isAbsolute(targetPath)) throw new Error(`invalid path: must be relative path: ${targetPath}`);
  if (targetPath.length > MAX_PATH_LENGTH) throw new Error(`invalid path: must be less than or equal to ${MAX_PATH_LENGTH} characters`);
  const items = targetPath.split('/');
  for (const item of items) {
    if (item === '..') throw new Error(`invalid path: must not contain '..': ${targetPath}`);
    if (item.length > MAX_FILE_NAME_LENGTH) throw new Error(`invalid path: filenames must be less than or equal to ${MAX_FILE_NAME_LENGTH} characters`);
  }
  const first = items[0] ?? '';
  if (first.startsWith('..') && first.length > 2) throw new Error(`invalid path: must not start with '..': ${targetPath}`);
}

/** Validates every path and returns the payload keyed by cleaned paths (`a//b/` -> `a/b`). */
export function validatePayload(payload: Payload): Payload {
  const clean: Payload = new Map();
  for (const [p, f] of payload) {
    validatePath(p);
    clean.set(path.normalize(p).replace(/\/+$/, ''), f);
  }
  return clean;
}

/** `..2006_01_02_15_04_05.` in UTC, the prefix of Go's MkdirTemp in the writer. */
function timestampPrefix(ms: number): string {
  const d = new Date(ms);
  const p2 = (n: number) => String(n).padStart(2, '0');
  return `..${d.getUTCFullYear()}_${p2(d.getUTCMonth() + 1)}_${p2(d.getUTCDate())}_${p2(d.getUTCHours())}_${p2(d.getUTCMinutes())}_${p2(d.getUTCSeconds())}.`;
}

async function readlinkOrEmpty(p: string): Promise<string> {
  try {
    return await fsp.readlink(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw err;
  }
}

/** Every path under dir, relative, files and directories (filepath.Walk). */
async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  const visit = async (rel: string) => {
    let entries;
    try {
      entries = await fsp.readdir(path.join(dir, rel), { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      out.push(r);
      if (e.isDirectory()) await visit(r);
    }
  };
  await visit('');
  return out;
}

export interface AtomicWriterOptions {
  /** Names the data dirs. */
  clock?: Clock;
}

export class AtomicWriter {
  readonly targetDir: string;
  #clock: Clock;

  constructor(targetDir: string, options: AtomicWriterOptions = {}) {
    this.targetDir = targetDir;
    this.#clock = options.clock ?? realClock;
  }

  /**
   * Projects the payload into the target directory (which must exist). Returns false when nothing had to
   * change. Throws on an invalid path (before touching anything) or a filesystem error.
   */
  async write(payload: Payload): Promise<boolean> {
    const clean = validatePayload(payload);
    const dataDirPath = path.join(this.targetDir, DATA_DIR_NAME);
    const oldTsDir = await readlinkOrEmpty(dataDirPath);
    const oldTsPath = oldTsDir ? path.join(this.targetDir, oldTsDir) : '';
    let toRemove: string[] = [];
    if (oldTsDir) {
      toRemove = await this.#pathsToRemove(clean, oldTsPath);
      if (!(await this.#shouldWritePayload(clean, oldTsPath)) && toRemove.length === 0) return false;
    }
    const tsDirName = await this.#newTimestampDir();
    const tsPath = path.join(this.targetDir, tsDirName);
    try {
      // 0755 so group and others can traverse, whatever the umask.
      await fsp.chmod(tsPath, 0o755);
      await this.#writePayloadToDir(clean, tsPath);
      await this.#createUserVisibleFiles(clean);
      const newDataDirPath = path.join(this.targetDir, NEW_DATA_DIR_NAME);
      await fsp.rm(newDataDirPath, { force: true });
      await fsp.symlink(tsDirName, newDataDirPath);
      try {
        await fsp.rename(newDataDirPath, dataDirPath);
      } catch (err) {
        await fsp.rm(newDataDirPath, { force: true });
        throw err;
      }
    } catch (err) {
      await fsp.rm(tsPath, { recursive: true, force: true });
      throw err;
    }
    // Only links in the volume's root are user-visible paths (nested paths live behind their top-level link).
    for (const p of toRemove) {
      if (p.includes('/')) continue;
      await fsp.rm(path.join(this.targetDir, p), { force: true });
    }
    if (oldTsPath) await fsp.rm(oldTsPath, { recursive: true, force: true });
    return true;
  }

  /** Creates `..<UTC timestamp>.<random digits>` (Go's MkdirTemp with the writer's prefix); returns its name. */
  async #newTimestampDir(): Promise<string> {
    for (let attempt = 0; ; attempt++) {
      const name = `${timestampPrefix(this.#clock.now())}${randomInt(2 ** 32 - 1)}`;
      try {
        await fsp.mkdir(path.join(this.targetDir, name), { mode: 0o755 });
        return name;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 100) throw err;
      }
    }
  }

  /** Paths of the current data dir the new payload does not have (its parent dirs count as kept). */
  async #pathsToRemove(payload: Payload, oldTsPath: string): Promise<string[]> {
    const current = await walk(oldTsPath);
    const kept = new Set<string>();
    for (const file of payload.keys()) {
      for (let p = file; p !== '' && p !== '.'; p = path.dirname(p)) kept.add(p);
    }
    return current.filter((p) => !kept.has(p));
  }

  async #shouldWritePayload(payload: Payload, oldTsPath: string): Promise<boolean> {
    for (const [p, f] of payload) {
      const full = path.join(oldTsPath, p);
      let st;
      try {
        st = await fsp.lstat(full);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return true;
        throw err;
      }
      if (!st.isFile() || (st.mode & 0o7777) !== f.mode) return true;
      const onDisk = await fsp.readFile(full);
      if (!onDisk.equals(Buffer.from(f.data.buffer, f.data.byteOffset, f.data.byteLength))) return true;
    }
    return false;
  }

  async #writePayloadToDir(payload: Payload, dir: string): Promise<void> {
    for (const [p, f] of payload) {
      const full = path.join(dir, p);
      await fsp.mkdir(path.dirname(full), { recursive: true, mode: 0o755 });
      await fsp.writeFile(full, f.data, { mode: f.mode });
      // writeFile's mode is masked by the umask; the projection's mode is what the pod must see.
      await fsp.chmod(full, f.mode);
    }
  }

  /**
   * `key -> ..data/key` for each top-level path component not present yet. Something else already at that
   * name (e.g. a directory a subPath mount made) is left alone, as kubelet does.
   */
  async #createUserVisibleFiles(payload: Payload): Promise<void> {
    for (const p of payload.keys()) {
      const top = p.split('/')[0] ?? p;
      const visible = path.join(this.targetDir, top);
      try {
        await fsp.lstat(visible);
        continue;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
      await fsp.symlink(path.join(DATA_DIR_NAME, top), visible);
    }
  }
}
