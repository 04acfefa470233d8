/**
 * `kubelab console` as a child process for browser tests and the console benchmark: the compiled CLI beside this
 * file's tree (dist/cli/main.js when running from dist/, cli/main.ts under type stripping), on 127.0.0.1 with a
 * free port (`--port 0`); resolves with the URL it prints. Bounded; stop() ends it (SIGTERM, then SIGKILL).
 *
 *   const console = await startConsoleProcess({ kubeconfig: server.kubeconfig({}) });
 *   await signInToConsole(page, console.url, token);
 *   await console.stop();
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

export interface ConsoleProcess {
  /** The URL it printed, ending in '/': http://127.0.0.1:PORT/ */
  readonly url: string;
  readonly child: ChildProcess;
  /** Everything it wrote to stdout and stderr (diagnostics for failures). */
  output(): string;
  stop(): Promise<void>;
}

/** The project's CLI entry in the tree this module runs from. */
export function kubelabEntry(): string {
  const root = resolve(import.meta.dirname, '../..');
  const compiled = join(root, 'cli/main.js');
  return existsSync(compiled) ? compiled : join(root, 'cli/main.ts');
}

/** The first console URL in a process's output: `http://127.0.0.1:PORT/`. */
export function consoleUrlFrom(output: string): string | undefined {
  const m = /\bhttps?:\/\/(?:127\.0\.0\.1|localhost|\[::1\]):\d+\/?/.exec(output);
  if (!m) return undefined;
  return m[0].endsWith('/') ? m[0] : `${m[0]}/`;
}

export async function startConsoleProcess(o: { kubeconfig: string; args?: string[]; timeoutMs?: number; nodeFlags?: string[]; entry?: string }): Promise<ConsoleProcess> {
  const entry = o.entry ?? kubelabEntry();
  const args = [...(o.nodeFlags ?? []), entry, 'console', '--kubeconfig', o.kubeconfig, '--address', '127.0.0.1', '--port', '0', ...(o.args ?? [])];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  // A test or benchmark that exits without stop() (a failure, process.exit) does not leave the console running.
  const onExit = () => void child.kill('SIGKILL');
  process.once('exit', onExit);
  child.once('exit', () => process.off('exit', onExit));
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (out += c.toString('utf8')));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(t);
  };
  const timeoutMs = o.timeoutMs ?? 20_000;
  const url = await new Promise<string>((resolveUrl, reject) => {
    const fail = (why: string) => {
      cleanup();
      void stop();
      reject(new Error(`kubelab console (${args.slice(1).join(' ')}) ${why}; its output:\n${out}`));
    };
    const check = () => {
      const u = consoleUrlFrom(out);
      if (u) {
        cleanup();
        resolveUrl(u);
      }
    };
    const onExit = (code: number | null, signal: string | null) => fail(`exited (${code ?? signal}) before printing its URL`);
    const timer = setTimeout(() => fail(`printed no URL within ${timeoutMs} ms`), timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      child.stdout.off('data', check);
      child.stderr.off('data', check);
      child.off('exit', onExit);
    };
    child.stdout.on('data', check);
    child.stderr.on('data', check);
    child.once('exit', onExit);
  });
  return { url, child, output: () => out, stop };
}
