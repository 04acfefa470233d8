/**
 * `kubectl anatomy` (bin/kubectl-anatomy runs this file): reads the pod, finds its node, and asks that node's
 * agent for the pod's anatomy through the API server's node proxy
 * (GET /api/v1/nodes/NODE/proxy/anatomy/NS/NAME, authorized as `get nodes/proxy`), then draws it
 * (render-anatomy.ts) or prints the JSON as the agent wrote it (-o json).
 *
 * Credentials are the kubeconfig's (client certificates, tokens, CA) through the project's own client; errors
 * are printed in kubectl's words and exit 1.
 */
import { loadKubeconfig } from '../../shared/client/kubeconfig.ts';
import { RestClient, type RequestOptions } from '../../shared/client/rest-client.ts';
import type { Pod } from '../../shared/api/core-v1.ts';
import { POD_ANATOMY_KIND, type PodAnatomy } from '../../shared/api/pod-anatomy.ts';
import { ANATOMY_USAGE, parseAnatomyArgs, UsageError } from './anatomy-options.ts';
import { kubectlErrorMessage } from './kubectl-error.ts';
import { renderAnatomy } from './render-anatomy.ts';

/** The one client call the command needs (RestClient has it; tests pass a fake). */
export interface AnatomyClient {
  request<T = unknown>(options: RequestOptions): Promise<T>;
  close?(): void;
}

export interface AnatomyIO {
  stdout: { write(text: string): unknown; columns?: number | undefined; isTTY?: boolean | undefined };
  stderr: { write(text: string): unknown };
  env: Record<string, string | undefined>;
  /** Builds the client from the kubeconfig; default: loadKubeconfig + RestClient. */
  connect?: (options: { kubeconfig?: string; context?: string; env: Record<string, string | undefined> }) => { client: AnatomyClient; namespace: string };
}

function defaultConnect(options: { kubeconfig?: string; context?: string; env: Record<string, string | undefined> }): { client: AnatomyClient; namespace: string } {
  const loaded = loadKubeconfig({
    env: options.env,
    ...(options.kubeconfig ? { path: options.kubeconfig } : {}),
    ...(options.context ? { context: options.context } : {}),
  });
  return { client: new RestClient({ ...loaded.options, userAgent: 'kubectl-anatomy/0.1.0 (kubelab)', timeoutMs: 30_000 }), namespace: loaded.namespace };
}

/** Terminal width: the TTY's columns, else $COLUMNS, else 80. */
export function terminalWidth(stdout: AnatomyIO['stdout'], env: Record<string, string | undefined>): number {
  if (stdout.columns && stdout.columns > 0) return stdout.columns;
  const fromEnv = Number(env['COLUMNS']);
  if (Number.isInteger(fromEnv) && fromEnv > 0) return fromEnv;
  return 80;
}

/** Colour only on a terminal, and never with NO_COLOR set (https://no-color.org: any non-empty value). */
export function useColor(stdout: AnatomyIO['stdout'], env: Record<string, string | undefined>): boolean {
  return stdout.isTTY === true && !env['NO_COLOR'];
}

/** Runs the command; resolves with the exit code. */
export async function runAnatomy(args: string[], io: AnatomyIO): Promise<number> {
  let options;
  try {
    options = parseAnatomyArgs(args);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`error: ${err.message}\nSee 'kubectl anatomy --help' for usage.\n`);
      return 1;
    }
    throw err;
  }
  if (options.help) {
    io.stdout.write(`${ANATOMY_USAGE}\n`);
    return 0;
  }
  let client: AnatomyClient | undefined;
  try {
    const connected = (io.connect ?? defaultConnect)({
      env: io.env,
      ...(options.kubeconfig ? { kubeconfig: options.kubeconfig } : {}),
      ...(options.context ? { context: options.context } : {}),
    });
    client = connected.client;
    const namespace = options.namespace ?? connected.namespace;
    const anatomy = await fetchAnatomy(client, namespace, options.pod);
    if (options.output === 'json') {
      io.stdout.write(`${JSON.stringify(anatomy, null, 2)}\n`);
    } else {
      const lines = renderAnatomy(anatomy, { width: terminalWidth(io.stdout, io.env), color: useColor(io.stdout, io.env) });
      io.stdout.write(`${lines.join('\n')}\n`);
    }
    return 0;
  } catch (err) {
    io.stderr.write(`${kubectlErrorMessage(err)}\n`);
    return 1;
  } finally {
    client?.close?.();
  }
}

/** The pod's anatomy from the node that runs it. */
export async function fetchAnatomy(client: AnatomyClient, namespace: string, name: string): Promise<PodAnatomy> {
  const ns = encodeURIComponent(namespace);
  const pod = await client.request<Pod>({ path: `/api/v1/namespaces/${ns}/pods/${encodeURIComponent(name)}` });
  const node = pod.spec?.nodeName;
  if (!node) throw new Error(`pod "${name}" is not scheduled to a node yet: its anatomy exists once a node runs it`);
  const anatomy = await client.request<unknown>({
    path: `/api/v1/nodes/${encodeURIComponent(node)}/proxy/anatomy/${ns}/${encodeURIComponent(name)}`,
  });
  if (typeof anatomy !== 'object' || anatomy === null || (anatomy as { kind?: unknown }).kind !== POD_ANATOMY_KIND) {
    throw new Error(`node "${node}" did not answer with a ${POD_ANATOMY_KIND} for pod "${name}" (is its agent older than kubectl anatomy?)`);
  }
  return anatomy as PodAnatomy;
}

if (import.meta.main) {
  runAnatomy(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env }).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`error: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
