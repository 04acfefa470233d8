import { FlagError } from './flags.ts';
import { apiserverCommand } from './apiserver-command.ts';
import { controllerCommand } from './controller-command.ts';
import { lbCommand } from './lb-command.ts';
import { nodeCommand } from './node-command.ts';
import { simNodesCommand } from './sim-nodes-command.ts';
import { downCommand, statusCommand, upCommand } from './cluster-commands.ts';

/** A subcommand: parses its own flags from args and runs. Resolves with the process exit code. */
export interface Command {
  name: string;
  summary: string;
  run(args: string[]): Promise<number>;
  usage(): string;
}

const commands: Command[] = [upCommand, downCommand, statusCommand, apiserverCommand, controllerCommand, lbCommand, nodeCommand, simNodesCommand];

function topUsage(): string {
  return [
    'kubelab: a Kubernetes-compatible control plane for lab clusters',
    '',
    'Usage: kubelab <command> [flags]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(14)}${c.summary}`),
    '',
    'Run `kubelab <command> --help` for the flags of a command.',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(topUsage() + '\n');
    return name ? 0 : 2;
  }
  const cmd = commands.find((c) => c.name === name);
  if (!cmd) {
    process.stderr.write(`kubelab: unknown command ${JSON.stringify(name)}\n\n${topUsage()}\n`);
    return 2;
  }
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(cmd.usage() + '\n');
    return 0;
  }
  try {
    return await cmd.run(args);
  } catch (e) {
    if (e instanceof FlagError) {
      process.stderr.write(`kubelab ${name}: ${e.message}\n\n${cmd.usage()}\n`);
      return 2;
    }
    process.stderr.write(`kubelab ${name}: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}

if (import.meta.main) {
  main(process.argv.slice(2)).then(
    (code) => {
      // Serving commands resolve only after a signal stopped them: exit even if a library left a handle open.
      process.exit(code);
    },
    (e: unknown) => {
      process.stderr.write(`kubelab: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
      process.exit(1);
    },
  );
}
