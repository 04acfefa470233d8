import { execFile } from 'node:child_process';

export class CommandError extends Error {
  readonly code: number | null;
  readonly stderr: string;
  constructor(cmd: string, code: number | null, stderr: string) {
    super(`${cmd} failed (exit ${code}): ${stderr.trim().split('\n').slice(-3).join(' ')}`);
    this.code = code;
    this.stderr = stderr;
  }
}

/** Runs a command, resolving with stdout; rejects with CommandError carrying stderr. */
export function run(cmd: string, args: string[], opts: { allowFail?: boolean; input?: string; timeoutMs?: number } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { timeout: opts.timeoutMs ?? 60_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err && !opts.allowFail) {
        reject(new CommandError(`${cmd} ${args.join(' ')}`, (err as { code?: number }).code ?? null, String(stderr)));
        return;
      }
      resolve(String(stdout));
    });
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

/** `ip ...`; with allowFail the error is swallowed (for idempotent teardown). */
export const ip = (args: string[], allowFail = false) => run('ip', args, { allowFail });
