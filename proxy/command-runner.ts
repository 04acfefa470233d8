/**
 * Runs the proxy's system tools (nft, conntrack, sysctl, ip), optionally inside a named network namespace
 * (`nsenter --net=/var/run/netns/NS`): the proxy normally runs in its node's namespace and needs no prefix;
 * tests and the benchmark run several proxiers in one process, each on its own namespace.
 */
import { spawn } from 'node:child_process';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CommandRunner {
  run(cmd: string, args: string[], options?: { input?: string; timeoutMs?: number }): Promise<CommandResult>;
  /** The executable and argv that run cmd (for long-running children such as `nft monitor`). */
  command(cmd: string, args: string[]): [string, string[]];
}

export class ExecRunner implements CommandRunner {
  readonly #netns: string | undefined;

  /** netns: the name of a namespace under /var/run/netns to run every command in. */
  constructor(options: { netns?: string } = {}) {
    this.#netns = options.netns;
  }

  command(cmd: string, args: string[]): [string, string[]] {
    return this.#netns ? ['nsenter', [`--net=/var/run/netns/${this.#netns}`, '--', cmd, ...args]] : [cmd, args];
  }

  run(cmd: string, args: string[], options: { input?: string; timeoutMs?: number } = {}): Promise<CommandResult> {
    const [file, argv] = this.command(cmd, args);
    return new Promise((resolve, reject) => {
      const child = spawn(file, argv, { stdio: ['pipe', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
      child.stdout.on('data', (b: Buffer) => out.push(b));
      child.stderr.on('data', (b: Buffer) => err.push(b));
      child.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code: code ?? -1, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
      });
      child.stdin.on('error', () => {});
      child.stdin.end(options.input ?? '');
    });
  }
}

export class CommandFailedError extends Error {
  readonly result: CommandResult;
  constructor(what: string, result: CommandResult) {
    super(`${what} failed (exit ${result.code}): ${result.stderr.trim().split('\n').slice(0, 6).join(' | ')}`);
    this.result = result;
  }
}
