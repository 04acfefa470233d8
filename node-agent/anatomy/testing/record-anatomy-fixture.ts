/**
 * recordAnatomyFixture: copies what the anatomy reads about one running pod into a directory, so that the unit
 * tests replay it without containerd (node-agent/anatomy/testdata/<name>/):
 *
 *   proc/<pid>/{ns/*, fd/*}   symlinks with the same targets (`net:[4026532281]`, `socket:[123]`; fds that
 *                             are not sockets are left out)
 *   proc/<pid>/{cmdline, cgroup}
 *   proc/<sandbox pid>/net/{dev, if_inet6, fib_trie, route, tcp, tcp6, udp, udp6}
 *   proc/<sandbox pid>/root/sys/class/net/<interface>/{address, mtu, flags}
 *   proc/self/ns/*            the recording process's (the node's) namespaces
 *   cgroup/<hierarchy>/<path>/{the limit and usage files, cgroup.procs}   v1 (cpu, cpuacct, memory, pids)
 *   facts.json                { pod, runtime: RuntimeFacts, ipAddr: `ip -j addr` output of the pod netns }
 *
 * Nothing secret is copied: no file contents of the containers, no environment, only /proc metadata.
 * Used by anatomy.integration.test.ts when KUBELAB_RECORD_ANATOMY_FIXTURE=<dir> is set.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Pod } from '../../../shared/api/core-v1.ts';
import { parseProcCgroup } from '../proc-fs.ts';
import type { RuntimeFacts } from '../runtime-facts.ts';

const NET_FILES = ['dev', 'if_inet6', 'fib_trie', 'route', 'tcp', 'tcp6', 'udp', 'udp6'];
const CGROUP_FILES: Record<string, string[]> = {
  cpu: ['cpu.cfs_quota_us', 'cpu.cfs_period_us', 'cpu.shares'],
  cpuacct: ['cpuacct.usage'],
  memory: ['memory.limit_in_bytes', 'memory.usage_in_bytes', 'memory.stat', 'cgroup.procs'],
  pids: ['cgroup.procs'],
};

function copyLinks(from: string, to: string, keep: (target: string) => boolean): void {
  let names: string[];
  try {
    names = fs.readdirSync(from);
  } catch {
    return;
  }
  fs.mkdirSync(to, { recursive: true });
  for (const n of names) {
    try {
      const target = fs.readlinkSync(path.join(from, n));
      if (keep(target)) fs.symlinkSync(target, path.join(to, n));
    } catch {
      // gone meanwhile
    }
  }
}

function copyFile(from: string, to: string): void {
  try {
    const data = fs.readFileSync(from);
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.writeFileSync(to, data);
  } catch {
    // absent here
  }
}

export function recordAnatomyFixture(dir: string, input: { pod: Pod; runtime: RuntimeFacts; podCgroupPath: string; procRoot?: string; cgroupRoot?: string }): void {
  const proc = input.procRoot ?? '/proc';
  const cg = input.cgroupRoot ?? '/sys/fs/cgroup';
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const sandboxPid = input.runtime.sandboxes[0]?.pid;
  const pids = new Set<number>();
  const cgroupPaths = new Set<string>([input.podCgroupPath]);
  for (const c of input.runtime.containers) if (c.pid) pids.add(c.pid);
  if (sandboxPid) pids.add(sandboxPid);
  // Every process of each container's cgroup.
  for (const pid of [...pids]) {
    const lines = parseProcCgroup(fs.readFileSync(path.join(proc, String(pid), 'cgroup'), 'utf8'));
    const mem = lines.find((l) => l.controllers.includes('memory'))?.path;
    if (!mem) continue;
    cgroupPaths.add(mem);
    for (const line of fs.readFileSync(path.join(cg, 'memory', mem, 'cgroup.procs'), 'utf8').split('\n')) if (/^\d+$/.test(line)) pids.add(Number(line));
  }
  for (const pid of pids) {
    const src = path.join(proc, String(pid));
    const dst = path.join(dir, 'proc', String(pid));
    copyLinks(path.join(src, 'ns'), path.join(dst, 'ns'), (t) => /^[a-z]+:\[\d+\]$/.test(t));
    copyLinks(path.join(src, 'fd'), path.join(dst, 'fd'), (t) => t.startsWith('socket:['));
    copyFile(path.join(src, 'cmdline'), path.join(dst, 'cmdline'));
    copyFile(path.join(src, 'cgroup'), path.join(dst, 'cgroup'));
  }
  if (sandboxPid) {
    for (const f of NET_FILES) copyFile(path.join(proc, String(sandboxPid), 'net', f), path.join(dir, 'proc', String(sandboxPid), 'net', f));
    const sys = path.join('root', 'sys', 'class', 'net');
    for (const name of fs.readdirSync(path.join(proc, String(sandboxPid), sys))) {
      for (const f of ['address', 'mtu', 'flags']) copyFile(path.join(proc, String(sandboxPid), sys, name, f), path.join(dir, 'proc', String(sandboxPid), sys, name, f));
    }
  }
  copyLinks(path.join(proc, 'self', 'ns'), path.join(dir, 'proc', 'self', 'ns'), (t) => /^[a-z]+:\[\d+\]$/.test(t));
  for (const p of cgroupPaths) {
    for (const [h, files] of Object.entries(CGROUP_FILES)) for (const f of files) copyFile(path.join(cg, h, p, f), path.join(dir, 'cgroup', h, p, f));
  }
  let ipAddr = '';
  if (sandboxPid) ipAddr = execFileSync('nsenter', [`--net=${path.join(proc, String(sandboxPid), 'ns', 'net')}`, 'ip', '-j', 'addr'], { encoding: 'utf8' });
  fs.writeFileSync(path.join(dir, 'facts.json'), JSON.stringify({ pod: input.pod, runtime: input.runtime, ipAddr, podCgroupPath: input.podCgroupPath }, null, 1) + '\n');
}
