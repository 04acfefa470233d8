import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';

/** A background process `kubelab up` started and `kubelab down` stops. */
export interface Daemon {
  /** Component name: `apiserver-0`, `etcd-1`, `containerd-node-1`, `node-node-1`, ... */
  name: string;
  pid: number;
  log: string;
  /** The netns it runs in, if any. */
  netns?: string;
}

/**
 * Starts a detached process in its own session (so it survives `kubelab up` returning and can be killed as a
 * group), optionally inside a node's netns via nsenter (keeping the mount namespace). stdout/stderr go to
 * `log`. Resolves once spawned; fails if the process exits within `settleMs`.
 */
export async function startDaemon(opts: {
  name: string;
  cmd: string;
  args: string[];
  log: string;
  netns?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  settleMs?: number;
}): Promise<Daemon> {
  const fd = openSync(opts.log, 'a');
  const [cmd, args] = opts.netns
    ? ['nsenter', [`--net=/var/run/netns/${opts.netns}`, '--', opts.cmd, ...opts.args]]
    : [opts.cmd, opts.args];
  const child = spawn(cmd, args, { detached: true, stdio: ['ignore', fd, fd], env: opts.env ?? process.env, cwd: opts.cwd });
  closeSync(fd);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${opts.name} (${opts.cmd})`);
  let exited: number | null | undefined;
  child.on('exit', (code) => {
    exited = code;
  });
  await new Promise((r) => setTimeout(r, opts.settleMs ?? 150));
  if (exited !== undefined) {
    throw new Error(`${opts.name} exited at once (code ${exited}); see ${opts.log}:\n${tail(opts.log, 15)}`);
  }
  child.unref();
  return { name: opts.name, pid, log: opts.log, netns: opts.netns };
}

/**
 * True while the process runs. A zombie counts as gone: daemons outlive `kubelab up`, so their parent is PID 1,
 * which on some machines (this sandbox's init among them) reaps late.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/**
 * Stops a daemon's whole process group: SIGTERM, then SIGKILL after `graceMs`. Resolves when it is gone.
 * Idempotent: a process that is already gone is fine.
 */
export async function stopDaemon(d: Pick<Daemon, 'pid'>, graceMs = 3000): Promise<void> {
  const signalGroup = (sig: NodeJS.Signals) => {
    try {
      process.kill(-d.pid, sig);
    } catch {
      try {
        process.kill(d.pid, sig);
      } catch {
        // already gone
      }
    }
  };
  if (!isAlive(d.pid)) return;
  signalGroup('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isAlive(d.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (isAlive(d.pid)) {
    signalGroup('SIGKILL');
    const hard = Date.now() + 2000;
    while (isAlive(d.pid) && Date.now() < hard) await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * The last lines of a component log, for an error message. A kubelab command that rejects its flags prints the
 * reason and then its usage: the usage is cut so the reason is what the user sees.
 */
export function tail(file: string, lines: number): string {
  if (!existsSync(file)) return '';
  let text = readFileSync(file, 'utf8').trimEnd();
  const usage = text.lastIndexOf('\n\nUsage: kubelab ');
  if (usage >= 0) text = text.slice(0, usage).trimEnd();
  return text.split('\n').slice(-lines).join('\n');
}
