/**
 * Runs the proxy's system tools (nft, conntrack, sysctl, ip), optionally inside a named network namespace
 * (`nsenter --net=/var/run/netns/NS`): the proxy normally runs in its node's namespace and needs no prefix;
 * tests and the benchmark run several proxiers in one process, each on its own namespace.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CommandRunner {
  run(cmd: string, args: string[], options?: { input?: string; timeoutMs?: number }): Promise<CommandResult>;
  /** The executable and argv that run cmd (for long-running children such as `nft monitor`). */
  command(cmd: string, args: string[]): [string, string[]];
  /**
   * Starts cmd now, to be given its input later (`PreparedCommand.run`): the fork and exec (and the program's
   * own start-up) happen off the path of the caller that waits for the result. Optional: runners without it
   * are used through run().
   */
  prepare?(cmd: string, args: string[]): PreparedCommand;
}

/** A process started ahead of use, blocked reading its stdin. */
export interface PreparedCommand {
  /** Whether it can still take its input (not exited, not used). */
  readonly usable: boolean;
  /** Writes the input, closes stdin, and resolves with the result as CommandRunner.run does. */
  run(input: string, options?: { timeoutMs?: number }): Promise<CommandResult>;
  /** Kills it unused (no result). */
  discard(): void;
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

  prepare(cmd: string, args: string[]): PreparedCommand {
    const [file, argv] = this.command(cmd, args);
    return new PreparedChild(file, argv);
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

class PreparedChild implements PreparedCommand {
  readonly #child: ChildProcess;
  readonly #result: Promise<CommandResult>;
  #exited = false;
  #used = false;

  constructor(file: string, argv: string[]) {
    const child = spawn(file, argv, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.#child = child;
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.stdin.on('error', () => {});
    this.#result = new Promise((resolve, reject) => {
      child.on('error', (e) => {
        this.#exited = true;
        reject(e);
      });
      child.on('close', (code) => {
        this.#exited = true;
        resolve({ code: code ?? -1, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
      });
    });
    // Unused, it must not keep the process alive (it exits on its own when our end of stdin closes).
    this.#result.catch(() => {});
    this.#setRef(false);
  }

  get usable(): boolean {
    return !this.#exited && !this.#used && this.#child.exitCode === null && this.#child.signalCode === null;
  }

  #setRef(on: boolean): void {
    for (const s of [this.#child, this.#child.stdin, this.#child.stdout, this.#child.stderr] as ({ ref?(): void; unref?(): void } | null)[]) {
      if (on) s?.ref?.();
      else s?.unref?.();
    }
  }

  async run(input: string, options: { timeoutMs?: number } = {}): Promise<CommandResult> {
    if (this.#used) throw new Error('a prepared command runs once');
    this.#used = true;
    this.#setRef(true);
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    try {
      this.#child.stdin?.end(input);
      return await this.#result;
    } finally {
      clearTimeout(timer);
    }
  }

  discard(): void {
    this.#used = true;
    if (!this.#exited) this.#child.kill('SIGKILL');
  }
}

export class CommandFailedError extends Error {
  readonly result: CommandResult;
  constructor(what: string, result: CommandResult) {
    super(`${what} failed (exit ${result.code}): ${result.stderr.trim().split('\n').slice(0, 6).join(' | ')}`);
    this.result = result;
  }
}
