/**
 * The browser console of a `kubelab up` cluster: `kubelab console` as one more daemon on the host's loopback (a
 * free port, recorded in the cluster state), and the ServiceAccount kube-system/kubelab-admin bound to
 * cluster-admin (ClusterRoleBinding kubelab-admin) whose TokenRequest tokens `kubelab console login` prints as
 * sign-in links. The console holds no credential: the admin kubeconfig gives it the API server URL and CA only.
 */
import { writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { RestClient } from '../../shared/client/rest-client.ts';
import { isAlreadyExists, StatusError } from '../../shared/errors/status-error.ts';
import { CONSOLE_ADMIN_NAMESPACE, CONSOLE_ADMIN_SERVICE_ACCOUNT } from '../../console/server/login-link.ts';
import type { Daemon } from './supervisor.ts';
import { kubeconfigYaml } from './pki.ts';

export interface ConsoleDaemonOptions {
  /** The admin's client. */
  client: RestClient;
  /** The kubelab CLI: node binary and its leading args. */
  kl: { cmd: string; pre: string[] };
  /** The API server URL and the cluster CA file: all the console is given (a kubeconfig without a user). */
  server: string;
  caCertPath: string;
  /** The cluster's state directory (console.kubeconfig goes there). */
  stateDir: string;
  logs: string;
  /** Starts and records a daemon (up's own). */
  daemon: (d: { name: string; cmd: string; args: string[]; log: string }) => Promise<Daemon>;
  /** Throws when a component died or up was interrupted. */
  allAlive: () => void;
  /** @default 30000 */
  timeoutMs?: number;
}

/** Creates the console's admin ServiceAccount and binding, starts the console, waits until it answers. */
export async function startConsoleDaemon(o: ConsoleDaemonOptions): Promise<{ url: string; port: number }> {
  await createIfAbsent(o.client, `/api/v1/namespaces/${CONSOLE_ADMIN_NAMESPACE}/serviceaccounts`, {
    apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: CONSOLE_ADMIN_SERVICE_ACCOUNT, namespace: CONSOLE_ADMIN_NAMESPACE },
  });
  await createIfAbsent(o.client, '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: CONSOLE_ADMIN_SERVICE_ACCOUNT, labels: { 'app.kubernetes.io/managed-by': 'kubelab' } },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
    subjects: [{ kind: 'ServiceAccount', name: CONSOLE_ADMIN_SERVICE_ACCOUNT, namespace: CONSOLE_ADMIN_NAMESPACE }],
  });
  // The console gets the API server's address and CA, and no credential at all: it acts only with its users' tokens.
  const kubeconfig = join(o.stateDir, 'console.kubeconfig');
  writeFileSync(kubeconfig, consoleKubeconfig(o.server, o.caCertPath), { mode: 0o644 });
  const port = await freeLoopbackPort();
  await o.daemon({
    name: 'console',
    cmd: o.kl.cmd,
    args: [...o.kl.pre, 'console', '--kubeconfig', kubeconfig, '--address', '127.0.0.1', '--port', String(port)],
    log: join(o.logs, 'console.log'),
  });
  const url = `http://127.0.0.1:${port}/`;
  // Up once it answers: without a session that is a 401.
  const deadline = Date.now() + (o.timeoutMs ?? 30_000);
  for (;;) {
    o.allAlive();
    const code = await statusCode(`${url}session`);
    if (code === 401) return { url, port };
    if (Date.now() > deadline) throw new Error(`the console at ${url} did not answer within ${(o.timeoutMs ?? 30_000) / 1000}s (last: ${code || 'no answer'}); see ${join(o.logs, 'console.log')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A kubeconfig naming a cluster (server, CA) and a user without credentials. */
export function consoleKubeconfig(server: string, caCertPath: string): string {
  return kubeconfigYaml({ server, caCertPath, user: 'console', credentials: false });
}

async function createIfAbsent(client: RestClient, path: string, body: object): Promise<void> {
  try {
    await client.request({ method: 'POST', path, body });
  } catch (e) {
    if (!(e instanceof StatusError && isAlreadyExists(e))) throw e;
  }
}

function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** The HTTP status of a GET (0 when nothing answers). */
function statusCode(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = httpRequest(url, { agent: false, timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
    req.end();
  });
}
