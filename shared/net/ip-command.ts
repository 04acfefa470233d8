/** Runs iproute2's `ip` (optionally `ip -n NETNS`, another network namespace), for route and address changes. */
import { execFile } from 'node:child_process';

export interface IpCommandOptions {
  /** A named network namespace (`ip -n NETNS ...`). */
  netns?: string;
  /** @default 'ip' */
  binary?: string;
}

/** `ip ARGS`: its stdout, or a rejection naming the command and its stderr. */
export function ipCommand(args: string[], options: IpCommandOptions = {}): Promise<string> {
  const full = [...(options.netns ? ['-n', options.netns] : []), ...args];
  return new Promise((resolve, reject) => {
    execFile(options.binary ?? 'ip', full, { timeout: 30_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`ip ${full.join(' ')} failed: ${String(stderr).trim() || err.message}`));
      else resolve(String(stdout));
    });
  });
}
