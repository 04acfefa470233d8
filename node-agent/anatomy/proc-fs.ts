/**
 * ProcFs: the few /proc files the pod anatomy reads, over an injectable root (`/proc` on a node, a recorded
 * tree under node-agent/anatomy/testdata/ in the unit tests). Every read answers `undefined` for a process
 * that is gone or a file that is not there: the anatomy reports what it could not read as a warning, never
 * as an error.
 *
 *   const proc = new ProcFs('/proc');
 *   await proc.namespaces(1234)   // { net: 4026532281, ipc: ..., mnt: ... }  (readlink ns/net = `net:[4026532281]`)
 *   await proc.cmdline(1234)      // 'sleep 3600'
 *   await proc.cgroups(1234)      // [{ hierarchyId: 4, controllers: ['memory'], path: '/kubelab-n1/pod<uid>/<id>' }, ...]
 *   await proc.socketInodes(1234) // Set of socket inodes held by its fds (`socket:[123]`)
 *   await proc.netFile(1234, 'tcp') // the text of /proc/1234/net/tcp (the process's network namespace)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NAMESPACE_KINDS, type NamespaceKind } from '../../shared/api/pod-anatomy.ts';

/** One line of /proc/PID/cgroup: `4:memory:/kubepods/pod<uid>/<id>` (v2: `0::/path`). */
export interface ProcCgroup {
  hierarchyId: number;
  /** Controllers of a v1 hierarchy (`['cpu', 'cpuacct']`, `['name=systemd']`); empty for the v2 line. */
  controllers: string[];
  path: string;
}

/** The inode in a namespace link's target: `net:[4026532281]` → 4026532281. */
export function parseNamespaceLink(target: string): number | undefined {
  const m = /^[a-z_]+:\[(\d+)\]$/.exec(target.trim());
  return m ? Number(m[1]) : undefined;
}

/** /proc/PID/cgroup lines → entries (malformed lines are skipped: the kernel writes none). */
export function parseProcCgroup(text: string): ProcCgroup[] {
  const out: ProcCgroup[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line);
    if (!m) continue;
    out.push({ hierarchyId: Number(m[1]), controllers: m[2] ? (m[2] ?? '').split(',') : [], path: m[3] ?? '/' });
  }
  return out;
}

/** The command line as `ps` shows it: NUL-separated argv joined by spaces. */
export function parseCmdline(raw: Buffer): string {
  return raw.toString('utf8').replace(/\0+$/, '').split('\0').join(' ');
}

export class ProcFs {
  readonly root: string;

  constructor(root = '/proc') {
    this.root = root;
  }

  #p(pid: number | 'self', ...rest: string[]): string {
    return path.join(this.root, String(pid), ...rest);
  }

  /** Whether /proc/PID exists. */
  async exists(pid: number): Promise<boolean> {
    try {
      fs.accessSync(this.#p(pid));
      return true;
    } catch {
      return false;
    }
  }

  /** The inode of each namespace of the process (kinds the kernel does not have are absent); undefined when gone. */
  async namespaces(pid: number | 'self'): Promise<Partial<Record<NamespaceKind, number>> | undefined> {
    const out: Partial<Record<NamespaceKind, number>> = {};
    let any = false;
    for (const kind of NAMESPACE_KINDS) {
        try {
          const inode = parseNamespaceLink(fs.readlinkSync(this.#p(pid, 'ns', kind)));
          if (inode !== undefined) {
            out[kind] = inode;
            any = true;
          }
        } catch {
          // absent kind (older kernels have no time namespace) or the process is gone
        }
    }
    return any ? out : undefined;
  }

  async cmdline(pid: number): Promise<string | undefined> {
    try {
      return parseCmdline(fs.readFileSync(this.#p(pid, 'cmdline')));
    } catch {
      return undefined;
    }
  }

  async cgroups(pid: number): Promise<ProcCgroup[] | undefined> {
    try {
      return parseProcCgroup(fs.readFileSync(this.#p(pid, 'cgroup'), 'utf8'));
    } catch {
      return undefined;
    }
  }

  /** The socket inodes among the process's open files (readlink fd/N = `socket:[123]`). */
  async socketInodes(pid: number): Promise<Set<number>> {
    const out = new Set<number>();
    let fds: string[];
    try {
      fds = fs.readdirSync(this.#p(pid, 'fd'));
    } catch {
      return out;
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(this.#p(pid, 'fd', fd)));
        if (m) out.add(Number(m[1]));
      } catch {
        // closed meanwhile
      }
    }
    return out;
  }

  /**
   * An interface's link facts from sysfs as the process sees it (`/proc/PID/root/sys/class/net/<name>/`):
   * containers mount sysfs after joining the pod's network namespace, so the pause process's root shows the
   * pod's interfaces. MAC (`address`), `mtu`, and IFF_UP of `flags`.
   */
  link(pid: number, name: string): { mac?: string; mtu?: number; up?: boolean } | undefined {
    const dir = this.#p(pid, 'root', 'sys', 'class', 'net', name);
    const read = (f: string) => {
      try {
        return fs.readFileSync(path.join(dir, f), 'utf8').trim();
      } catch {
        return undefined;
      }
    };
    const mac = read('address');
    const mtu = read('mtu');
    const flags = read('flags');
    if (mac === undefined && mtu === undefined && flags === undefined) return undefined;
    const out: { mac?: string; mtu?: number; up?: boolean } = {};
    if (mac) out.mac = mac;
    if (mtu && /^\d+$/.test(mtu)) out.mtu = Number(mtu);
    if (flags && /^0x[0-9a-f]+$/i.test(flags)) out.up = (parseInt(flags, 16) & 0x1) !== 0;
    return out;
  }

  /** A file of /proc/PID/net (the process's network namespace's view): dev, tcp, tcp6, udp, udp6, if_inet6, fib_trie, route. */
  async netFile(pid: number, name: string): Promise<string | undefined> {
    try {
      return fs.readFileSync(this.#p(pid, 'net', name), 'utf8');
    } catch {
      return undefined;
    }
  }
}
