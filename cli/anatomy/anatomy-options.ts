/**
 * The command line of `kubectl anatomy` (kubectl runs the plugin with the words after `anatomy`):
 *
 *   kubectl anatomy pod NAME [-n NS] [-o json|text] [--kubeconfig FILE] [--context NAME]
 *
 * Flags are parsed as kubectl (pflag) does: `-n NS`, `-nNS`, `-n=NS`, `--namespace NS`, `--namespace=NS`, anywhere
 * among the arguments; `--` ends the flags. The resource is `pod NAME`, `pods NAME`, `po NAME` or `pod/NAME`.
 */

export class UsageError extends Error {}

export type OutputFormat = 'text' | 'json';

export interface AnatomyOptions {
  help: boolean;
  /** The pod's name ('' with help). */
  pod: string;
  /** -n/--namespace; absent = the kubeconfig context's namespace. */
  namespace?: string;
  output: OutputFormat;
  kubeconfig?: string;
  context?: string;
}

export const ANATOMY_USAGE = `Show a pod as its node runs it: the pause process holding the pod's namespaces, the containers joining them
(and what they keep for themselves), volumes and their host paths, the network namespace, the timeline and resource use.

Examples:
  # Draw the anatomy of pod web in the current namespace
  kubectl anatomy pod web

  # The node agent's PodAnatomy document as JSON
  kubectl anatomy pod web -n shop -o json

Options:
  -n, --namespace='': If present, the namespace scope for this CLI request
  -o, --output='text': Output format. One of: (text, json).
      --kubeconfig='': Path to the kubeconfig file to use for CLI requests.
      --context='': The name of the kubeconfig context to use

Usage:
  kubectl anatomy pod NAME [-n NAMESPACE] [-o json|text] [options]`;

interface FlagDef {
  long: string;
  short?: string;
  key: 'namespace' | 'output' | 'kubeconfig' | 'context';
}

const FLAGS: FlagDef[] = [
  { long: 'namespace', short: 'n', key: 'namespace' },
  { long: 'output', short: 'o', key: 'output' },
  { long: 'kubeconfig', key: 'kubeconfig' },
  { long: 'context', key: 'context' },
];

const POD_WORDS = new Set(['pod', 'pods', 'po']);

/** Parses the plugin's arguments; throws UsageError with kubectl's wording for what is wrong. */
export function parseAnatomyArgs(args: string[]): AnatomyOptions {
  const values: Partial<Record<FlagDef['key'], string>> = {};
  const words: string[] = [];
  let help = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === '--') {
      words.push(...args.slice(i + 1));
      break;
    }
    if (a === '-h' || a === '--help') {
      help = true;
      continue;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = a.slice(2, eq > 0 ? eq : undefined);
      const def = FLAGS.find((f) => f.long === name);
      if (!def) throw new UsageError(`unknown flag: --${name}`);
      const value = eq > 0 ? a.slice(eq + 1) : args[++i];
      if (value === undefined) throw new UsageError(`flag needs an argument: --${name}`);
      values[def.key] = value;
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      const letter = a[1] as string;
      const def = FLAGS.find((f) => f.short === letter);
      if (!def) throw new UsageError(`unknown shorthand flag: '${letter}' in ${a}`);
      let value: string | undefined = a.slice(2);
      if (value.startsWith('=')) value = value.slice(1);
      else if (value === '') value = args[++i];
      if (value === undefined) throw new UsageError(`flag needs an argument: '${letter}' in -${letter}`);
      values[def.key] = value;
      continue;
    }
    words.push(a);
  }
  const output = values.output ?? 'text';
  if (output !== 'text' && output !== 'json') {
    throw new UsageError(`unable to match a printer suitable for the output format "${output}", allowed formats are: json,text`);
  }
  const base: AnatomyOptions = { help, pod: '', output };
  if (values.namespace !== undefined) {
    if (values.namespace === '') throw new UsageError('--namespace must not be empty');
    base.namespace = values.namespace;
  }
  if (values.kubeconfig) base.kubeconfig = values.kubeconfig;
  if (values.context) base.context = values.context;
  if (help) return base;
  base.pod = podName(words);
  return base;
}

function podName(words: string[]): string {
  const [first, second, ...extra] = words;
  if (first === undefined) throw new UsageError('you must specify the pod to draw: kubectl anatomy pod NAME');
  const slash = first.indexOf('/');
  let resource = first;
  let name = second;
  if (slash >= 0) {
    resource = first.slice(0, slash);
    name = first.slice(slash + 1);
    if (second !== undefined) throw new UsageError(`there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'kubectl anatomy pod/NAME')`);
  } else if (extra.length > 0) {
    throw new UsageError(`kubectl anatomy draws one pod; unexpected arguments: ${extra.join(' ')}`);
  }
  if (!POD_WORDS.has(resource.toLowerCase())) throw new UsageError(`kubectl anatomy draws pods only, not "${resource}": kubectl anatomy pod NAME`);
  if (!name) throw new UsageError('you must specify the pod to draw: kubectl anatomy pod NAME');
  return name;
}
