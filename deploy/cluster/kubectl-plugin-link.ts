/**
 * `kubectl anatomy` installed with the project: links /usr/local/bin/kubectl-anatomy to this checkout's
 * bin/kubectl-anatomy (kubectl runs executables named kubectl-* found on PATH), only when the link is absent,
 * stale (a link to a kubectl-anatomy that no longer exists) or already a kubelab launcher. Anything else there is
 * left alone; every case that leaves `kubectl anatomy` unavailable prints how to get it. Never fails `kubelab up`.
 * deploy/install-kubectl-plugin.sh does the same for deploy/install-deps.sh.
 */
import { existsSync, lstatSync, readlinkSync, symlinkSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';

export const KUBECTL_PLUGIN_LINK = '/usr/local/bin/kubectl-anatomy';

export type PluginLinkResult = 'linked' | 'present' | 'left-alone' | 'failed';

export function linkKubectlPlugin(root: string, out: (line: string) => void, link = process.env['KUBECTL_ANATOMY_LINK'] || KUBECTL_PLUGIN_LINK): PluginLinkResult {
  const target = join(root, 'bin', 'kubectl-anatomy');
  const hint = `put ${join(root, 'bin')} on your PATH, or run: ln -sfn ${target} ${link}`;
  let current: string | undefined;
  try {
    const st = lstatSync(link);
    if (!st.isSymbolicLink()) {
      out(`kubectl anatomy: ${link} exists and is not kubelab's plugin; left alone (${hint})`);
      return 'left-alone';
    }
    current = readlinkSync(link);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      out(`kubectl anatomy: cannot read ${link} (${(err as Error).message}): ${hint}`);
      return 'failed';
    }
  }
  if (current !== undefined) {
    if (current === target) return 'present';
    const ours = current.endsWith('/bin/kubectl-anatomy');
    if (existsSync(link)) {
      if (ours) return 'present'; // another kubelab checkout's launcher: works the same
      out(`kubectl anatomy: ${link} links to ${current}, not kubelab's plugin; left alone (${hint})`);
      return 'left-alone';
    }
    if (!current.endsWith('/kubectl-anatomy')) {
      out(`kubectl anatomy: ${link} is a dangling link to ${current}; left alone (${hint})`);
      return 'left-alone';
    }
    try {
      unlinkSync(link); // a removed checkout's launcher
    } catch (err) {
      out(`kubectl anatomy: cannot replace the stale ${link} (${(err as Error).message}): ${hint}`);
      return 'failed';
    }
  }
  try {
    symlinkSync(target, link);
  } catch (err) {
    out(`kubectl anatomy: cannot link ${link} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): ${hint}`);
    return 'failed';
  }
  out(`kubectl anatomy: linked ${link} -> ${target}`);
  return 'linked';
}
