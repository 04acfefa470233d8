/**
 * Driving a command like a user at a terminal (kubectl debug -it, attach): see Interactive below.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

/**
 * A child process driven like a user at a terminal: write to its stdin, wait (bounded) for what it prints,
 * and close its stdin only when done, since an attach whose stdin reaches EOF is detached at once (as
 * containerd does for a container without stdinOnce), whatever the container prints afterwards.
 */
export class Interactive {
  output = '';
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #exit: Promise<number>;
  readonly #timer: NodeJS.Timeout;
  #listeners: (() => void)[] = [];

  constructor(cmd: string, argv: string[], env: Record<string, string>, lifetimeMs: number) {
    this.#child = spawn(cmd, argv, { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    const take = (c: Buffer) => {
      this.output += c.toString('utf8');
      for (const l of this.#listeners) l();
    };
    this.#child.stdout.on('data', take);
    this.#child.stderr.on('data', take);
    this.#child.stdin.on('error', () => undefined);
    this.#timer = setTimeout(() => this.#child.kill('SIGKILL'), lifetimeMs);
    this.#exit = new Promise((resolve) => {
      this.#child.on('close', (code) => {
        clearTimeout(this.#timer);
        for (const l of this.#listeners) l();
        resolve(code ?? -1);
      });
      this.#child.on('error', () => resolve(-1));
    });
  }

  write(s: string): void {
    this.#child.stdin.write(s);
  }

  end(s = ''): void {
    this.#child.stdin.end(s);
  }

  waitFor(re: RegExp, what: string, timeoutMs = 30_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (re.test(this.output)) {
          done();
          resolve();
        } else if (this.#child.exitCode !== null || this.#child.signalCode !== null) {
          done();
          reject(new Error(`exited before ${what}; output:\n${this.output}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out waiting for ${what}; output:\n${this.output}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.#listeners = this.#listeners.filter((l) => l !== check);
      };
      this.#listeners.push(check);
      check();
    });
  }

  /** The exit code (the process is killed if it outlives `timeoutMs`). */
  async exit(timeoutMs = 30_000): Promise<number> {
    const t = setTimeout(() => this.#child.kill('SIGKILL'), timeoutMs);
    try {
      return await this.#exit;
    } finally {
      clearTimeout(t);
    }
  }

  kill(): void {
    this.#child.kill('SIGKILL');
  }
}


/** One shell word, single-quoted (for `script -c`). */
export const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** `script -qefc CMD /dev/null`: runs argv under a pseudo-terminal, so kubectl's -t really is a TTY session. */
export function onTerminal(argv: string[], env: Record<string, string>, lifetimeMs: number): Interactive {
  return new Interactive('script', ['-qefc', argv.map(shellQuote).join(' '), '/dev/null'], env, lifetimeMs);
}
