import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseFlags, usage, FlagError, type FlagSpec } from './flags.ts';
import type { Command } from './main.ts';
import { configureLogLevel } from './client-flags.ts';
import { loadKubeconfig } from '../shared/client/kubeconfig.ts';
import { log } from '../shared/util/log.ts';
import { ApiUpstream } from '../console/server/api-upstream.ts';
import { ConsoleServer } from '../console/server/console-server.ts';
import { isLoopbackHost } from '../console/server/request-guard.ts';
import { DEFAULT_SESSION_LIFETIME_MS } from '../console/server/session-store.ts';
import { defaultWebRoot } from '../console/server/web-root.ts';
import { consoleLoginLink, loginURL, CONSOLE_ADMIN_NAMESPACE, CONSOLE_ADMIN_SERVICE_ACCOUNT } from '../console/server/login-link.ts';
import { loadState } from '../deploy/cluster/cluster-state.ts';

export const consoleSpecs: FlagSpec[] = [
  { name: 'kubeconfig', type: 'string', help: 'kubeconfig naming the API server and its CA (default $KUBECONFIG, else ~/.kube/config); its credentials are never used for the browser\'s requests' },
  { name: 'context', type: 'string', help: 'kubeconfig context to use instead of current-context' },
  { name: 'address', type: 'string', default: '127.0.0.1', help: 'address to listen on; beyond loopback only with --tls-cert-file and --tls-private-key-file' },
  { name: 'port', type: 'number', default: 0, help: 'port to listen on (0 picks a free one)' },
  { name: 'tls-cert-file', type: 'string', help: 'PEM serving certificate (HTTPS)' },
  { name: 'tls-private-key-file', type: 'string', help: 'PEM key of --tls-cert-file' },
  { name: 'web-root', type: 'string', help: 'the built front-end (index.html, assets/); default dist/console/web of this build' },
  { name: 'session-lifetime', type: 'duration', default: '8h', help: 'longest a sign-in lasts (a token that expires sooner ends it sooner)' },
  { name: 'log-level', type: 'string', default: 'info', help: 'debug, info, warn or error' },
];

export const consoleLoginSpecs: FlagSpec[] = [
  { name: 'state-dir', type: 'string', help: 'a kubelab up cluster\'s state directory: its admin kubeconfig and console URL (default ./.kubelab unless --kubeconfig is given)' },
  { name: 'kubeconfig', type: 'string', help: 'kubeconfig of a user allowed to create serviceaccounts/token (with --url)' },
  { name: 'context', type: 'string', help: 'kubeconfig context to use instead of current-context' },
  { name: 'url', type: 'string', help: 'the console\'s URL (with --kubeconfig)' },
  { name: 'namespace', type: 'string', default: CONSOLE_ADMIN_NAMESPACE, help: 'namespace of the ServiceAccount' },
  { name: 'service-account', type: 'string', default: CONSOLE_ADMIN_SERVICE_ACCOUNT, help: 'the ServiceAccount to sign in as' },
  { name: 'duration', type: 'duration', default: '1h', help: 'lifetime of the token (10m..48h)' },
];

const loginCommand = {
  usage: () =>
    usage(
      'console login',
      'Mints a short-lived token for a ServiceAccount (TokenRequest, default kube-system/kubelab-admin, bound to cluster-admin by kubelab up) and prints the console URL carrying it in the fragment (#token=...). Open it in a browser to sign in; the token goes to stdout only.',
      consoleLoginSpecs,
    ),
  async run(args: string[]): Promise<number> {
    const { values, rest } = parseFlags(args, consoleLoginSpecs);
    if (rest.length) throw new FlagError(`unexpected arguments: ${rest.join(' ')}`);
    const seconds = Math.round((values['duration'] as number) / 1000);
    if (seconds < 600 || seconds > 48 * 3600) throw new FlagError('--duration must be between 10m and 48h');
    let kubeconfig = values['kubeconfig'] as string | undefined;
    let url = values['url'] as string | undefined;
    if (values['state-dir'] !== undefined || kubeconfig === undefined) {
      if (kubeconfig !== undefined || url !== undefined) throw new FlagError('--state-dir and --kubeconfig/--url are exclusive');
      const dir = String(values['state-dir'] ?? './.kubelab');
      const state = loadState(dir);
      if (!state) throw new Error(`no cluster state in ${dir}: pass --state-dir of a kubelab up cluster, or --kubeconfig and --url`);
      if (!state.console?.url) throw new Error(`the cluster in ${dir} runs no console (kubelab up starts one)`);
      kubeconfig = state.kubeconfig;
      url = state.console.url;
    }
    if (!url) throw new FlagError('--url is required with --kubeconfig');
    const client = loadKubeconfig({ ...(kubeconfig ? { path: kubeconfig } : {}), ...(values['context'] ? { context: String(values['context']) } : {}) }).options;
    const link = await consoleLoginLink({
      client,
      consoleURL: url,
      namespace: String(values['namespace']),
      serviceAccount: String(values['service-account']),
      expirationSeconds: seconds,
    });
    process.stdout.write(link + '\n');
    return 0;
  },
};

export const consoleCommand: Command = {
  name: 'console',
  summary: 'Serve the browser console (live cluster view) on loopback, as each signed-in user (console login: a sign-in link)',
  usage: () =>
    usage(
      'console',
      'Serves the browser console and forwards its API calls (REST, watches over WebSocket, log streams) to the API server as the signed-in user: the browser signs in with a Kubernetes bearer token (POST /login, checked with a SelfSubjectReview), and every forwarded request carries that token, so the user\'s own RBAC applies. The kubeconfig gives only the API server URL and CA. Listens on loopback unless TLS flags are given. `kubelab console login` prints a sign-in link (see `kubelab console login --help`).',
      consoleSpecs,
    ) + '\n\n' + loginCommand.usage(),
  async run(args) {
    if (args[0] === 'login') {
      if (args.includes('--help') || args.includes('-h')) {
        process.stdout.write(loginCommand.usage() + '\n');
        return 0;
      }
      return loginCommand.run(args.slice(1));
    }
    const { values, rest } = parseFlags(args, consoleSpecs);
    if (rest.length) throw new FlagError(`unexpected arguments: ${rest.join(' ')}`);
    configureLogLevel(values);
    const address = String(values['address']);
    const port = values['port'] as number;
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new FlagError(`--port must be a TCP port (0 picks one), got ${String(port)}`);
    const certFile = values['tls-cert-file'] as string | undefined;
    const keyFile = values['tls-private-key-file'] as string | undefined;
    if ((certFile === undefined) !== (keyFile === undefined)) throw new FlagError('--tls-cert-file and --tls-private-key-file go together');
    if (!isLoopbackHost(address) && certFile === undefined) {
      throw new FlagError(`--address ${address} is not a loopback address: beyond loopback the console serves only HTTPS (give --tls-cert-file and --tls-private-key-file)`);
    }
    const lifetime = values['session-lifetime'] as number;
    if (!(lifetime > 0) || lifetime > 7 * 24 * 3600_000) throw new FlagError('--session-lifetime must be more than 0 and at most 168h');

    const loaded = loadKubeconfig({ ...(values['kubeconfig'] ? { path: String(values['kubeconfig']) } : {}), ...(values['context'] ? { context: String(values['context']) } : {}) }).options;
    const upstream = new ApiUpstream({
      server: loaded.server,
      ...(loaded.ca !== undefined ? { ca: loaded.ca } : {}),
      ...(loaded.insecureSkipTLSVerify ? { insecureSkipTLSVerify: true } : {}),
      ...(loaded.tlsServerName ? { tlsServerName: loaded.tlsServerName } : {}),
    });
    const webRoot = values['web-root'] ? String(values['web-root']) : defaultWebRoot();
    if (!existsSync(join(webRoot, 'index.html'))) log.warn('The console front-end is not built: pages answer 503 until it is (npm run build)', { webRoot });
    const server = new ConsoleServer({
      upstream,
      webRoot,
      host: address,
      port,
      sessionLifetimeMs: lifetime ?? DEFAULT_SESSION_LIFETIME_MS,
      ...(certFile && keyFile ? { tls: { cert: readFileSync(certFile), key: readFileSync(keyFile) } } : {}),
    });
    const url = await server.start();
    log.info('Console serving', { url, apiserver: upstream.url.origin });
    process.stdout.write(`console: ${url}\n`);
    // A kubeconfig whose user is a token (a ServiceAccount's, say) can sign in at once: the link goes to stdout only.
    if (loaded.token) process.stdout.write(`sign in: ${loginURL(url, loaded.token)}\n`);

    await new Promise<void>((resolve) => {
      process.once('SIGTERM', resolve);
      process.once('SIGINT', resolve);
    });
    log.info('Shutting down');
    await server.close();
    return 0;
  },
};
