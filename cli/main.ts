import { FlagError } from './flags.ts';

/** A subcommand: parses its own flags from args and runs. Resolves with the process exit code. */
export interface Command {
  name: string;
  summary: string;
  run(args: string[]): Promise<number>;
  usage(): string;
}

/**
 * The subcommands, loaded on demand: each component process (apiserver, node agent, lb, ...) imports only its
 * own code, which saves a few hundred ms of CPU per process at `kubelab up`.
 */
const commands: { name: string; summary: string; load: () => Promise<Command> }[] = [
  { name: 'up', summary: 'Bring up a multi-node lab cluster on this machine', load: async () => (await import('./cluster-commands.ts')).upCommand },
  { name: 'down', summary: 'Stop the cluster started here and remove everything it created', load: async () => (await import('./cluster-commands.ts')).downCommand },
  { name: 'status', summary: 'Show the components and nodes of the cluster started here', load: async () => (await import('./cluster-commands.ts')).statusCommand },
  { name: 'token', summary: 'Create a bootstrap token for joining a node (token create --node NAME)', load: async () => (await import('./cluster-commands.ts')).tokenCommand },
  { name: 'apiserver', summary: 'Run the API server (embedded store by default, or etcd)', load: async () => (await import('./apiserver-command.ts')).apiserverCommand },
  { name: 'controller', summary: 'Run the controllers and the scheduler (node lifecycle, taint eviction, node IPAM, pod GC)', load: async () => (await import('./controller-command.ts')).controllerCommand },
  { name: 'lb', summary: 'Run a TCP load balancer in front of several API servers', load: async () => (await import('./lb-command.ts')).lbCommand },
  { name: 'node', summary: 'Run the node agent (registers the node, runs its pods on containerd or the simulated runtime)', load: async () => (await import('./node-command.ts')).nodeCommand },
  { name: 'proxy', summary: 'Run the service proxy of a node (kube-proxy, nftables mode): ClusterIPs and NodePorts to endpoints', load: async () => (await import('./proxy-command.ts')).proxyCommand },
  { name: 'dns', summary: 'Run the cluster DNS server (cluster.local from Services and EndpointSlices; other names forwarded)', load: async () => (await import('./dns-command.ts')).dnsCommand },
  { name: 'console', summary: 'Serve the browser console (live cluster view) on loopback, as each signed-in user (console login: a sign-in link)', load: async () => (await import('./console-command.ts')).consoleCommand },
  { name: 'sim-nodes', summary: 'Run many simulated nodes in one process (node agents on the simulated runtime)', load: async () => (await import('./sim-nodes-command.ts')).simNodesCommand },
];

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
  const entry = commands.find((c) => c.name === name);
  if (!entry) {
    process.stderr.write(`kubelab: unknown command ${JSON.stringify(name)}\n\n${topUsage()}\n`);
    return 2;
  }
  const cmd = await entry.load();
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
