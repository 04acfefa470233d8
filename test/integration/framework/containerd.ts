/**
 * startContainerd(): a private containerd (with the CRI plugin, runc and a bridge+portmap CNI network)
 * for integration tests, configured as measured in /work/shared/reference/containerd.md.
 *
 * Everything an instance touches is unique to the run: its directory under `<tmpdir>/kubelab-containerd/<id>`
 * (root, state, runc root, sockets, CNI conf, IPAM data, logs), the cgroup prefix `/kubelab-<id>`, the bridge
 * `kl<hex>`, the CNI network name and a free /24 subnet. So several instances can run at once (also from
 * parallel test processes), and a run that was killed cannot break the next one: every start first sweeps
 * runs whose owning process is dead (kills their containerd, shims and container processes by pid after
 * checking they are theirs, unmounts, deletes the bridge, portmap rules, cgroups and directory).
 *
 * stop() removes all sandboxes through CRI (so CNI releases IPs and portmap rules), stops containerd, deletes
 * the bridge, the pod cgroups under the prefix, restores net.ipv4.ip_forward when the bridge plugin flipped
 * it (and no other instance still runs), and removes the directory. It is idempotent.
 *
 * Requires root. Missing binaries throw with the apt-get command that installs them.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { RemoteRuntime } from '../../../node-agent/cri/remote/remote-runtime.ts';
import { containerdConfigToml, cniConflist, RUNC_BINARY, CNI_BIN_DIR, PAUSE_IMAGE, BUSYBOX_IMAGE } from '../../../deploy/containerd/containerd-config.ts';
export { PAUSE_IMAGE, BUSYBOX_IMAGE };

const execFileP = promisify(execFile);

export const INSTALL_HINT = 'install with: apt-get install -y containerd runc containernetworking-plugins umoci busybox-static';

const RUNC = RUNC_BINARY;
const CGROUP_ROOT = '/sys/fs/cgroup';
const IP_FORWARD = '/proc/sys/net/ipv4/ip_forward';
const CNI_RESULTS_DIR = '/var/lib/cni/results';
const RUNS_DIR = path.join(os.tmpdir(), 'kubelab-containerd');
const LOCK_DIR = path.join(RUNS_DIR, '.lock');
const IP_FORWARD_ORIG = path.join(RUNS_DIR, 'ip_forward.orig');

export interface StartContainerdOptions {
  /** Readable part of the instance id (letters, digits, '-'); a random suffix makes it unique. */
  name: string;
  /** Where the image tarballs are cached; default $KUBELAB_IMAGE_DIR, else <repo>/.kubelab/images. */
  imageDir?: string;
  /** containerd log level; default 'info'. The log is `<rootDir>/containerd.log`. */
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** Keep `rootDir` after stop() (for debugging; marked `kept`, so later sweeps leave it alone). */
  keepDir?: boolean;
}

export interface ContainerdInstance {
  /** Unique id of this run (`<name>-<hex>`). */
  id: string;
  /** `unix:///.../containerd.sock`, for RemoteRuntime. */
  endpoint: string;
  /** The socket path itself, for `ctr --address`. */
  socket: string;
  /** The run's private directory; tests may put pod log dirs and host volumes under it. */
  rootDir: string;
  /** Unique cgroup prefix (`/kubelab-<id>`); put pods at `${cgroupParent}/pod<uid>`. */
  cgroupParent: string;
  cniConfDir: string;
  /** Bridge created by the CNI bridge plugin (exists once the first pod ran). */
  bridge: string;
  /** Pod subnet, e.g. `10.231.17.0/24`. */
  subnet: string;
  /** The bridge's address (the pods' gateway), e.g. `10.231.17.1`: a node address the host owns. */
  gateway: string;
  /** containerd's stdout/stderr. */
  logFile: string;
  /** containerd's pid. */
  pid: number;
  stop(): Promise<void>;
}

/** What the sweep needs to clean a run up; written to `<rootDir>/owner.json` before anything is created. */
interface RunRecord {
  id: string;
  ownerPid: number;
  ownerStart: string;
  containerdPid: number;
  rootDir: string;
  socket: string;
  bridge: string;
  netName: string;
  subnet: string;
  cgroupPrefix: string;
}

// --------------------------------------------------------------------------------------- helpers

function repoRoot(): string {
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'deploy', 'images', 'build-images.sh'))) return dir;
    if (path.dirname(dir) === dir) throw new Error('Cannot find the repo root (deploy/images/build-images.sh) above ' + fileURLToPath(import.meta.url));
  }
}

function which(cmd: string): string | undefined {
  for (const dir of (process.env['PATH'] ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin').split(':')) {
    const p = path.join(dir, cmd);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      // next
    }
  }
  return undefined;
}

function checkPrerequisites(): void {
  const missing: string[] = [];
  for (const cmd of ['containerd', 'ctr', 'umoci', 'ip', 'iptables']) if (!which(cmd)) missing.push(cmd);
  if (!fs.existsSync(RUNC)) missing.push(RUNC);
  for (const p of ['bridge', 'portmap', 'host-local', 'loopback']) if (!fs.existsSync(path.join(CNI_BIN_DIR, p))) missing.push(path.join(CNI_BIN_DIR, p));
  if (!fs.existsSync('/usr/bin/busybox')) missing.push('/usr/bin/busybox');
  if (missing.length > 0) throw new Error(`containerd integration prerequisites missing (${missing.join(', ')}); ${INSTALL_HINT}`);
  if (process.getuid?.() !== 0) throw new Error('startContainerd needs root (containerd, runc, CNI and cgroups)');
}

/** Field 22 of /proc/<pid>/stat (start time in clock ticks), to tell a live owner from a reused pid. */
function procStart(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19];
  } catch {
    return undefined;
  }
}

function procCmdline(pid: number): string[] {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((s) => s !== '');
  } catch {
    return [];
  }
}

function alive(pid: number): boolean {
  return procStart(pid) !== undefined;
}

function recordIsLive(r: RunRecord): boolean {
  return procStart(r.ownerPid) === r.ownerStart;
}

async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

async function run(cmd: string, args: string[], opts: { timeoutMs?: number } = {}): Promise<{ stdout: string; stderr: string }> {
  try {
    return await execFileP(cmd, args, { timeout: opts.timeoutMs ?? 60_000, maxBuffer: 16 * 1024 * 1024 });
  } catch (err) {
    const e = err as { stderr?: string; message?: string };
    throw new Error(`${cmd} ${args.join(' ')} failed: ${(e.stderr ?? '').trim() || e.message}`);
  }
}

async function tryRun(cmd: string, args: string[]): Promise<boolean> {
  try {
    await execFileP(cmd, args, { timeout: 30_000 });
    return true;
  } catch {
    return false;
  }
}

/** A cross-process lock: mkdir is atomic. A lock whose holder is dead is taken over. */
async function withLock<T>(fn: () => Promise<T>): Promise<T> {
  fs.mkdirSync(RUNS_DIR, { recursive: true });
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      fs.mkdirSync(LOCK_DIR);
      fs.writeFileSync(path.join(LOCK_DIR, 'owner'), `${process.pid} ${procStart(process.pid) ?? ''}`);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let holderDead = false;
      try {
        const [pid, start] = fs.readFileSync(path.join(LOCK_DIR, 'owner'), 'utf8').split(' ');
        holderDead = procStart(Number(pid)) !== start;
      } catch {
        // The holder has not written its pid yet; give it time, unless the lock is old.
        try {
          holderDead = Date.now() - fs.statSync(LOCK_DIR).mtimeMs > 10_000;
        } catch {
          holderDead = false;
        }
      }
      if (holderDead) {
        fs.rmSync(LOCK_DIR, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`Cannot take ${LOCK_DIR} as another process holds it for 2 minutes`);
      await sleep(50 + Math.random() * 100);
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(LOCK_DIR, { recursive: true, force: true });
  }
}

function readRecords(): { dir: string; record: RunRecord | undefined }[] {
  let names: string[] = [];
  try {
    names = fs.readdirSync(RUNS_DIR);
  } catch {
    return [];
  }
  const out: { dir: string; record: RunRecord | undefined }[] = [];
  for (const n of names) {
    if (n.startsWith('.') || n === 'ip_forward.orig') continue;
    const dir = path.join(RUNS_DIR, n);
    let record: RunRecord | undefined;
    try {
      record = JSON.parse(fs.readFileSync(path.join(dir, 'owner.json'), 'utf8')) as RunRecord;
    } catch {
      record = undefined;
    }
    out.push({ dir, record });
  }
  return out;
}

// ----------------------------------------------------------------------------------- IPv4 subnets

function ipToInt(ip: string): number {
  const p = ip.split('.').map(Number);
  return (((p[0] ?? 0) << 24) | ((p[1] ?? 0) << 16) | ((p[2] ?? 0) << 8) | (p[3] ?? 0)) >>> 0;
}

function cidrRange(cidr: string): [number, number] | undefined {
  const m = /^(\d+\.\d+\.\d+\.\d+)(?:\/(\d+))?$/.exec(cidr);
  if (!m || !m[1]) return undefined;
  const bits = m[2] === undefined ? 32 : Number(m[2]);
  if (bits === 0) return undefined; // default route: overlaps everything, ignore
  const size = 2 ** (32 - bits);
  const start = Math.floor(ipToInt(m[1]) / size) * size;
  return [start, start + size - 1];
}

async function usedRanges(): Promise<[number, number][]> {
  const ranges: [number, number][] = [];
  const texts = await Promise.all([
    run('ip', ['-4', '-o', 'addr', 'show']).then((r) => r.stdout, () => ''),
    run('ip', ['-4', 'route', 'show', 'table', 'all']).then((r) => r.stdout, () => ''),
  ]);
  for (const text of texts) {
    for (const m of text.matchAll(/(\d+\.\d+\.\d+\.\d+(?:\/\d+)?)/g)) {
      const r = m[1] ? cidrRange(m[1]) : undefined;
      if (r) ranges.push(r);
    }
  }
  for (const { record } of readRecords()) {
    const r = record ? cidrRange(record.subnet) : undefined;
    if (r) ranges.push(r);
  }
  return ranges;
}

async function pickSubnet(): Promise<string> {
  const used = await usedRanges();
  for (let i = 0; i < 500; i++) {
    const b = 200 + Math.floor(Math.random() * 50);
    const c = Math.floor(Math.random() * 256);
    const cidr = `10.${b}.${c}.0/24`;
    const [s, e] = cidrRange(cidr) ?? [0, 0];
    if (!used.some(([us, ue]) => us <= e && s <= ue)) return cidr;
  }
  throw new Error('Cannot find a free /24 in 10.200.0.0-10.249.255.0 for the pod network');
}

// ------------------------------------------------------------------------------------ config files

// ----------------------------------------------------------------------------------------- teardown

/** Pids of containerd-shim processes serving the given containerd socket. */
function shimPids(socket: string): number[] {
  const pids: number[] = [];
  for (const n of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(n)) continue;
    const argv = procCmdline(Number(n));
    if (!argv[0]?.includes('containerd-shim')) continue;
    const i = argv.indexOf('-address');
    if (i >= 0 && argv[i + 1] === socket) pids.push(Number(n));
  }
  return pids;
}

function cgroupDirs(prefix: string): string[] {
  const dirs: string[] = [];
  let hierarchies: string[] = [];
  try {
    hierarchies = fs.readdirSync(CGROUP_ROOT);
  } catch {
    return dirs;
  }
  for (const h of hierarchies) {
    const d = path.join(CGROUP_ROOT, h, prefix);
    if (fs.existsSync(d)) dirs.push(d);
  }
  return dirs;
}

/** All cgroup dirs under `root`, deepest first. */
function walkCgroups(root: string): string[] {
  const out: string[] = [];
  const visit = (d: string) => {
    let entries: fs.Dirent[] = [];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) if (e.isDirectory()) visit(path.join(d, e.name));
    out.push(d);
  };
  visit(root);
  return out;
}

async function killCgroupProcesses(prefix: string): Promise<void> {
  for (let round = 0; round < 20; round++) {
    const pids = new Set<number>();
    for (const top of cgroupDirs(prefix)) {
      for (const d of walkCgroups(top)) {
        try {
          for (const l of fs.readFileSync(path.join(d, 'cgroup.procs'), 'utf8').split('\n')) if (l.trim()) pids.add(Number(l));
        } catch {
          // gone
        }
      }
    }
    if (pids.size === 0) return;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    await sleep(100);
  }
}

async function removeCgroups(prefix: string): Promise<string[]> {
  const left: string[] = [];
  for (const top of cgroupDirs(prefix)) {
    for (const d of walkCgroups(top)) {
      let ok = false;
      for (let i = 0; i < 20 && !ok; i++) {
        try {
          fs.rmdirSync(d);
          ok = true;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') ok = true;
          else await sleep(50);
        }
      }
      if (!ok) left.push(d);
    }
  }
  return left;
}

/** Unmounts everything mounted below `dir` (netns bind mounts, overlay rootfs, shm), deepest first. */
async function unmountBelow(dir: string): Promise<void> {
  let text = '';
  try {
    text = fs.readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return;
  }
  const points = text
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .map((p) => p.replace(/\\040/g, ' '))
    .filter((p) => p === dir || p.startsWith(dir + '/'))
    .sort((a, b) => b.length - a.length);
  for (const p of points) await tryRun('umount', ['-l', p]);
}

/** Splits an `iptables -S` line into arguments (double quotes with backslash escapes). */
function splitIptablesLine(line: string): string[] {
  const args: string[] = [];
  let cur = '';
  let inQuote = false;
  let has = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (inQuote) {
      if (ch === '\\' && i + 1 < line.length) cur += line[++i];
      else if (ch === '"') inQuote = false;
      else cur += ch;
    } else if (ch === '"') {
      inQuote = true;
      has = true;
    } else if (ch === ' ') {
      if (has || cur) args.push(cur);
      cur = '';
      has = false;
    } else {
      cur += ch;
    }
  }
  if (has || cur) args.push(cur);
  return args;
}

/** Removes portmap's nat rules and chains for one CNI network (only left behind when a run was killed). */
async function removePortmapRules(netName: string): Promise<void> {
  let text = '';
  try {
    text = (await run('iptables', ['-t', 'nat', '-S'])).stdout;
  } catch {
    return;
  }
  const chains = new Set<string>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('-A ') || !line.includes(`name: \\"${netName}\\"`)) continue;
    const args = splitIptablesLine(line);
    const j = args.indexOf('-j');
    const target = j >= 0 ? args[j + 1] : undefined;
    if (target?.startsWith('CNI-')) chains.add(target);
    await tryRun('iptables', ['-t', 'nat', '-D', ...args.slice(1)]);
  }
  for (const c of chains) {
    if (c.startsWith('CNI-HOSTPORT-')) continue;
    await tryRun('iptables', ['-t', 'nat', '-F', c]);
    await tryRun('iptables', ['-t', 'nat', '-X', c]);
  }
}

async function linkExists(name: string): Promise<boolean> {
  return tryRun('ip', ['link', 'show', 'dev', name]);
}

async function killPid(pid: number, graceMs: number): Promise<void> {
  if (!alive(pid)) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (alive(pid) && Date.now() < deadline) await sleep(50);
  if (alive(pid)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
    const hard = Date.now() + 5000;
    while (alive(pid) && Date.now() < hard) await sleep(50);
  }
}

/** Is `pid` the containerd of this run (and not a recycled pid)? */
function isOurContainerd(pid: number, r: RunRecord): boolean {
  const argv = procCmdline(pid);
  return argv.some((a) => a.includes('containerd')) && argv.includes(path.join(r.rootDir, 'config.toml'));
}

/**
 * Removes everything a run created, without containerd's help. Used by stop() after the CRI cleanup and by
 * the sweep for killed runs. Returns problems that remain.
 */
async function teardown(r: RunRecord, opts: { keepDir?: boolean } = {}): Promise<string[]> {
  const problems: string[] = [];
  if (r.containerdPid > 0 && isOurContainerd(r.containerdPid, r)) await killPid(r.containerdPid, 5000);
  for (const pid of shimPids(r.socket)) await killPid(pid, 1000);
  await killCgroupProcesses(r.cgroupPrefix);
  await unmountBelow(r.rootDir);
  if (await linkExists(r.bridge)) {
    if (!(await tryRun('ip', ['link', 'del', 'dev', r.bridge]))) problems.push(`cannot delete bridge ${r.bridge}`);
  }
  await removePortmapRules(r.netName);
  const left = await removeCgroups(r.cgroupPrefix);
  if (left.length > 0) problems.push(`cgroups left: ${left.join(', ')}`);
  // libcni's result cache (/var/lib/cni/results): our network's entries and the `cni-loopback-<sandbox>-lo`
  // entries of our sandboxes. CNI DEL removes them; a killed run never got to DEL.
  const sandboxIds = new Set<string>();
  for (const base of ['root', 'state']) {
    try {
      for (const id of fs.readdirSync(path.join(r.rootDir, base, 'io.containerd.grpc.v1.cri', 'sandboxes'))) sandboxIds.add(id);
    } catch {
      // none
    }
  }
  try {
    for (const f of fs.readdirSync(CNI_RESULTS_DIR)) {
      const loopbackOf = /^cni-loopback-([0-9a-f]{64})-lo$/.exec(f)?.[1];
      if (f.startsWith(`${r.netName}-`) || (loopbackOf !== undefined && sandboxIds.has(loopbackOf))) fs.rmSync(path.join(CNI_RESULTS_DIR, f), { force: true });
    }
  } catch {
    // no cache dir
  }
  if (!opts.keepDir) {
    try {
      await fsp.rm(r.rootDir, { recursive: true, force: true, maxRetries: 3 });
    } catch (err) {
      problems.push(`cannot remove ${r.rootDir}: ${(err as Error).message}`);
    }
  } else {
    // Kept for debugging: the sweep leaves directories marked like this alone.
    fs.writeFileSync(path.join(r.rootDir, 'kept'), 'kept by keepDir; remove by hand\n');
  }
  return problems;
}

/** Restores ip_forward when the last live instance is gone. Call under the lock. */
function restoreIpForwardIfLast(exceptId: string): void {
  const others = readRecords().some(({ record }) => record && record.id !== exceptId && recordIsLive(record));
  if (others) return;
  let orig: string | undefined;
  try {
    orig = fs.readFileSync(IP_FORWARD_ORIG, 'utf8').trim();
  } catch {
    return;
  }
  try {
    if (fs.readFileSync(IP_FORWARD, 'utf8').trim() !== orig) fs.writeFileSync(IP_FORWARD, orig);
  } catch {
    // not writable: leave it
  }
  fs.rmSync(IP_FORWARD_ORIG, { force: true });
}

/** Ids of the runs (of any process) whose owning process is alive. */
export function liveRuns(): string[] {
  return readRecords()
    .map(({ record }) => record)
    .filter((r): r is RunRecord => r !== undefined && recordIsLive(r))
    .map((r) => r.id);
}

/** Cleans up runs whose owner process is gone. Call under the lock. */
async function sweepStaleRuns(): Promise<void> {
  for (const { dir, record } of readRecords()) {
    if (fs.existsSync(path.join(dir, 'kept'))) continue;
    if (record) {
      if (recordIsLive(record)) continue;
      await teardown(record);
    } else {
      // A directory without owner.json: a crash between mkdir and the write (under the lock, so not in
      // progress now). Nothing was started for it.
      await unmountBelow(dir);
      await fsp.rm(dir, { recursive: true, force: true }).catch(() => undefined);
    }
  }
  if (!readRecords().some(({ record }) => record && recordIsLive(record))) restoreIpForwardIfLast('');
}

// ------------------------------------------------------------------------------------------- start

const liveInstances = new Set<{ pid: number }>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // If the test process dies without stop(), at least do not leave containerd running; the next run's sweep
  // removes the rest.
  process.on('exit', () => {
    for (const i of liveInstances) {
      try {
        process.kill(i.pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  });
}

async function waitForSocket(child: ChildProcess, socket: string, logFile: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  let exited: string | undefined;
  child.once('exit', (code, signal) => {
    exited = `exited with ${code ?? signal}`;
  });
  for (;;) {
    if (exited) break;
    if (fs.existsSync(socket) && (await tryRun('ctr', ['--address', socket, 'version']))) return;
    if (Date.now() > deadline) break;
    await sleep(50);
  }
  let tail = '';
  try {
    tail = fs.readFileSync(logFile, 'utf8').split('\n').slice(-20).join('\n');
  } catch {
    // no log
  }
  throw new Error(`containerd did not come up on ${socket} (${exited ?? 'timeout after 30s'}); last log lines:\n${tail}`);
}

async function waitForCri(endpoint: string): Promise<void> {
  const rt = new RemoteRuntime({ endpoint, defaultTimeoutMs: 5000 });
  const deadline = Date.now() + 30_000;
  let last = '';
  try {
    for (;;) {
      try {
        const st = await rt.status();
        const ready = (t: string) => st.conditions.some((c) => c.type === t && c.status);
        if (ready('RuntimeReady') && ready('NetworkReady')) return;
        last = JSON.stringify(st.conditions);
      } catch (err) {
        last = (err as Error).message;
      }
      if (Date.now() > deadline) throw new Error(`CRI on ${endpoint} not ready after 30s: ${last}`);
      await sleep(100);
    }
  } finally {
    rt.close();
  }
}

async function importImages(socket: string, imageDir: string | undefined): Promise<void> {
  const script = path.join(repoRoot(), 'deploy', 'images', 'import-images.sh');
  const args = [script, socket];
  if (imageDir) args.push(imageDir);
  await run('bash', args, { timeoutMs: 300_000 });
}

/** Removes every sandbox through CRI (stop then remove), so CNI releases IPs and portmap rules. */
async function removeAllSandboxes(endpoint: string): Promise<string[]> {
  const problems: string[] = [];
  const rt = new RemoteRuntime({ endpoint, defaultTimeoutMs: 30_000 });
  try {
    const sandboxes = await rt.listPodSandbox();
    for (const s of sandboxes) {
      try {
        await rt.stopPodSandbox(s.id);
        await rt.removePodSandbox(s.id);
      } catch (err) {
        problems.push(`sandbox ${s.id}: ${(err as Error).message}`);
      }
    }
  } catch (err) {
    problems.push(`list sandboxes: ${(err as Error).message}`);
  } finally {
    rt.close();
  }
  return problems;
}

export async function startContainerd(options: StartContainerdOptions): Promise<ContainerdInstance> {
  checkPrerequisites();
  const hex = randomBytes(3).toString('hex');
  const safeName = options.name.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 20) || 'run';
  const id = `${safeName}-${hex}`;
  const rootDir = path.join(RUNS_DIR, id);
  const socket = path.join(rootDir, 'containerd.sock');
  if (Buffer.byteLength(socket + '.ttrpc') > 100) throw new Error(`Cannot use ${socket} as a unix socket path is limited to 108 bytes; set TMPDIR shorter`);

  // Build (or reuse) the images before taking any resources; this may take seconds the first time.
  const imageDir = options.imageDir;
  await run('bash', [path.join(repoRoot(), 'deploy', 'images', 'build-images.sh'), ...(imageDir ? [imageDir] : [])], { timeoutMs: 300_000 });

  const record: RunRecord = {
    id,
    ownerPid: process.pid,
    ownerStart: procStart(process.pid) ?? '',
    containerdPid: 0,
    rootDir,
    socket,
    bridge: `kl${hex}0`,
    netName: `kubelab-${id}`,
    subnet: '',
    cgroupPrefix: `/kubelab-${id}`,
  };
  const writeRecord = () => fs.writeFileSync(path.join(rootDir, 'owner.json'), JSON.stringify(record, null, 2));

  await withLock(async () => {
    await sweepStaleRuns();
    record.subnet = await pickSubnet();
    fs.mkdirSync(rootDir, { recursive: true });
    writeRecord();
    // The first live instance records ip_forward as it was before any bridge plugin ran.
    if (!fs.existsSync(IP_FORWARD_ORIG)) fs.writeFileSync(IP_FORWARD_ORIG, fs.readFileSync(IP_FORWARD, 'utf8').trim());
  });

  const gateway = record.subnet.replace(/\.0\/24$/, '.1');
  const cniConfDir = path.join(rootDir, 'net.d');
  const logFile = path.join(rootDir, 'containerd.log');
  const endpoint = `unix://${socket}`;
  let child: ChildProcess | undefined;
  const handle = { pid: 0 };
  let stopped = false;

  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    const problems: string[] = [];
    if (handle.pid > 0 && alive(handle.pid) && fs.existsSync(socket)) problems.push(...(await removeAllSandboxes(endpoint)));
    problems.push(...(await teardown(record, { keepDir: options.keepDir ?? false })));
    liveInstances.delete(handle);
    await withLock(async () => {
      fs.rmSync(path.join(rootDir, 'owner.json'), { force: true });
      restoreIpForwardIfLast(id);
    });
    if (problems.length > 0) throw new Error(`containerd ${id} stopped with problems: ${problems.join('; ')}`);
  };

  try {
    for (const d of ['root', 'state', 'runc', 'net.d', 'ipam', 'opt', 'pod-logs']) fs.mkdirSync(path.join(rootDir, d), { recursive: true });
    fs.writeFileSync(path.join(rootDir, 'config.toml'), containerdConfigToml({ dir: record.rootDir, socket: record.socket }, options.logLevel ?? 'info'));
    fs.writeFileSync(path.join(cniConfDir, '10-kubelab.conflist'), cniConflist({ name: record.netName, bridge: record.bridge, subnet: record.subnet, ipamDir: `${record.rootDir}/ipam` }));

    const logFd = fs.openSync(logFile, 'a');
    // detached: the child calls setsid(), so it is in its own session and process group (like `setsid`).
    child = spawn('containerd', ['--config', path.join(rootDir, 'config.toml')], { detached: true, stdio: ['ignore', logFd, logFd] });
    fs.closeSync(logFd);
    child.unref();
    const pid = child.pid;
    if (!pid) throw new Error(`Cannot start containerd: ${INSTALL_HINT}`);
    handle.pid = pid;
    record.containerdPid = pid;
    writeRecord();
    installExitHook();
    liveInstances.add(handle);

    await waitForSocket(child, socket, logFile);
    await importImages(socket, imageDir);
    await waitForCri(endpoint);
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }

  return {
    id,
    endpoint,
    socket,
    rootDir,
    cgroupParent: record.cgroupPrefix,
    cniConfDir,
    bridge: record.bridge,
    subnet: record.subnet,
    gateway,
    logFile,
    pid: handle.pid,
    stop,
  };
}
