/**
 * Client configuration: kubeconfig files, in-cluster service-account credentials, and command-line flags.
 *
 * Kubeconfig is parsed with the `yaml` package rather than @kubernetes/client-node's KubeConfig: importing
 * client-node loads its whole generated API (about 0.5 s at start-up, measured here) for what is a small YAML
 * walk, and we need nothing else from it. Semantics follow kubectl (client-go tools/clientcmd):
 * - `$KUBECONFIG` may list several files (':'-separated); the first file to define a name wins, and the
 *   first `current-context` set wins. Default `~/.kube/config`.
 * - Relative file paths (certificate-authority, client-certificate, client-key, tokenFile) are relative to the
 *   kubeconfig file that names them.
 * - `exec` and `auth-provider` credentials are not supported: loading such a user throws (never silently
 *   unauthenticated).
 */
import { readFileSync, existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { RestClientOptions } from './rest-client.ts';

export interface LoadedConfig {
  /** Options for `new RestClient(...)`. */
  options: RestClientOptions;
  /** The context's default namespace ('default' when unset). */
  namespace: string;
  /** Name of the context used ('' for in-cluster or flags). */
  context: string;
}

export interface KubeconfigLoadOptions {
  /** File path, or a ':'-separated list. @default $KUBECONFIG, else ~/.kube/config */
  path?: string;
  /** Context to use instead of current-context. */
  context?: string;
  /** @default process.env */
  env?: Record<string, string | undefined>;
}

interface NamedEntry<T> {
  name: string;
  value: T;
  dir: string;
}

interface RawCluster {
  server?: string;
  'certificate-authority'?: string;
  'certificate-authority-data'?: string;
  'insecure-skip-tls-verify'?: boolean;
  'tls-server-name'?: string;
}

interface RawUser {
  token?: string;
  tokenFile?: string;
  'client-certificate'?: string;
  'client-certificate-data'?: string;
  'client-key'?: string;
  'client-key-data'?: string;
  username?: string;
  password?: string;
  exec?: unknown;
  'auth-provider'?: unknown;
}

interface RawContext {
  cluster?: string;
  user?: string;
  namespace?: string;
}

interface Merged {
  clusters: Map<string, NamedEntry<RawCluster>>;
  users: Map<string, NamedEntry<RawUser>>;
  contexts: Map<string, NamedEntry<RawContext>>;
  currentContext: string;
  sources: string[];
}

/** Loads the kubeconfig (see file comment for the merge rules) and resolves one context. */
export function loadKubeconfig(options: KubeconfigLoadOptions = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const spec = options.path ?? env['KUBECONFIG'] ?? join(homedir(), '.kube', 'config');
  const files = spec.split(':').filter((f) => f !== '');
  if (files.length === 0) throw new Error('Cannot load kubeconfig as no file was given');
  const merged: Merged = { clusters: new Map(), users: new Map(), contexts: new Map(), currentContext: '', sources: [] };
  let loaded = 0;
  for (const file of files) {
    const path = resolve(file);
    if (!existsSync(path)) {
      // kubectl ignores missing entries of a KUBECONFIG list, but an explicit single file must exist.
      if (files.length === 1) throw new Error(`Cannot load kubeconfig as the file does not exist: ${path}`);
      continue;
    }
    mergeInto(merged, readFileSync(path, 'utf8'), dirname(path), path);
    loaded++;
  }
  if (loaded === 0) throw new Error(`Cannot load kubeconfig as none of the files exists: ${spec}`);
  return resolveContext(merged, options.context);
}

/** Parses kubeconfig text. `baseDir` anchors relative file paths. */
export function parseKubeconfig(text: string, options: { baseDir?: string; context?: string } = {}): LoadedConfig {
  const merged: Merged = { clusters: new Map(), users: new Map(), contexts: new Map(), currentContext: '', sources: [] };
  mergeInto(merged, text, options.baseDir ?? process.cwd(), '<string>');
  return resolveContext(merged, options.context);
}

function mergeInto(merged: Merged, text: string, dir: string, source: string): void {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new Error(`Cannot load kubeconfig ${source} as it is not valid YAML: ${(err as Error).message}`);
  }
  if (doc === null || doc === undefined) return; // an empty file is an empty config
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new Error(`Cannot load kubeconfig ${source} as it is not a mapping`);
  const d = doc as Record<string, unknown>;
  merged.sources.push(source);
  collect(d['clusters'], 'cluster', merged.clusters, dir, source);
  collect(d['users'], 'user', merged.users, dir, source);
  collect(d['contexts'], 'context', merged.contexts, dir, source);
  const cc = d['current-context'];
  if (!merged.currentContext && typeof cc === 'string') merged.currentContext = cc;
}

function collect<T>(list: unknown, field: string, into: Map<string, NamedEntry<T>>, dir: string, source: string): void {
  if (list === undefined || list === null) return;
  if (!Array.isArray(list)) throw new Error(`Cannot load kubeconfig ${source} as ${field}s is not a list`);
  for (const entry of list as unknown[]) {
    if (typeof entry !== 'object' || entry === null) throw new Error(`Cannot load kubeconfig ${source} as a ${field} entry is not a mapping`);
    const { name, [field]: value } = entry as Record<string, unknown>;
    if (typeof name !== 'string' || !name) throw new Error(`Cannot load kubeconfig ${source} as a ${field} entry has no name`);
    if (into.has(name)) continue; // first definition wins
    into.set(name, { name, value: (value ?? {}) as T, dir });
  }
}

function resolveContext(merged: Merged, override: string | undefined): LoadedConfig {
  const contextName = override ?? merged.currentContext;
  if (!contextName) throw new Error('Cannot load kubeconfig as no context is selected (current-context is empty)');
  const ctx = merged.contexts.get(contextName);
  if (!ctx) throw new Error(`Cannot load kubeconfig as context "${contextName}" does not exist`);
  const clusterName = ctx.value.cluster ?? '';
  const cluster = merged.clusters.get(clusterName);
  if (!cluster) throw new Error(`Cannot load kubeconfig as cluster "${clusterName}" of context "${contextName}" does not exist`);
  const c = cluster.value;
  if (!c.server) throw new Error(`Cannot load kubeconfig as cluster "${clusterName}" has no server`);
  const options: RestClientOptions = { server: c.server };
  const ca = fileOrData(c['certificate-authority'], c['certificate-authority-data'], cluster.dir);
  if (ca) options.ca = ca;
  if (c['insecure-skip-tls-verify']) options.insecureSkipTLSVerify = true;
  if (c['tls-server-name']) options.tlsServerName = c['tls-server-name'];

  const userName = ctx.value.user ?? '';
  if (userName) {
    const user = merged.users.get(userName);
    if (!user) throw new Error(`Cannot load kubeconfig as user "${userName}" of context "${contextName}" does not exist`);
    const u = user.value;
    if (u.exec !== undefined) throw new Error(`Cannot load kubeconfig as user "${userName}" uses exec credentials, which kubelab does not support`);
    if (u['auth-provider'] !== undefined) throw new Error(`Cannot load kubeconfig as user "${userName}" uses an auth-provider, which kubelab does not support`);
    if (u.token) options.token = u.token;
    else if (u.tokenFile) options.tokenFile = absolute(u.tokenFile, user.dir);
    const cert = fileOrData(u['client-certificate'], u['client-certificate-data'], user.dir);
    const key = fileOrData(u['client-key'], u['client-key-data'], user.dir);
    if (cert) options.clientCert = cert;
    if (key) options.clientKey = key;
    if (u.username !== undefined) {
      options.username = u.username;
      if (u.password !== undefined) options.password = u.password;
    }
  }
  return { options, namespace: ctx.value.namespace || 'default', context: contextName };
}

function absolute(path: string, dir: string): string {
  return isAbsolute(path) ? path : join(dir, path);
}

function fileOrData(file: string | undefined, data: string | undefined, dir: string): Buffer | undefined {
  if (data) return Buffer.from(data, 'base64');
  if (file) return readFileSync(absolute(file, dir));
  return undefined;
}

export interface ClientFlags {
  server: string;
  token?: string;
  /** A file holding the bearer token (re-read as the RestClient does for kubeconfig tokenFile). */
  tokenFile?: string;
  /** Path to a PEM CA bundle. */
  caCert?: string;
  insecure?: boolean;
  /** Paths to a PEM client certificate and key. */
  clientCert?: string;
  clientKey?: string;
}

/** Client options from command-line flags (`--server --token --ca-cert --insecure-skip-tls-verify`). */
export function fromFlags(flags: ClientFlags): RestClientOptions {
  if (!flags.server) throw new Error('Cannot configure the client as --server is empty');
  const options: RestClientOptions = { server: flags.server };
  if (flags.token) options.token = flags.token;
  if (flags.tokenFile) options.tokenFile = flags.tokenFile;
  if (flags.caCert) options.ca = readFileSync(flags.caCert);
  if (flags.insecure) options.insecureSkipTLSVerify = true;
  if (flags.clientCert) options.clientCert = readFileSync(flags.clientCert);
  if (flags.clientKey) options.clientKey = readFileSync(flags.clientKey);
  return options;
}

const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** In-cluster configuration (rest.InClusterConfig): service host/port from env, the mounted token and CA. */
export function inClusterConfig(options: { env?: Record<string, string | undefined>; dir?: string } = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const dir = options.dir ?? SERVICE_ACCOUNT_DIR;
  const host = env['KUBERNETES_SERVICE_HOST'];
  const port = env['KUBERNETES_SERVICE_PORT'];
  if (!host || !port) throw new Error('Cannot load in-cluster config as KUBERNETES_SERVICE_HOST or KUBERNETES_SERVICE_PORT is not set');
  const server = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const tokenFile = join(dir, 'token');
  if (!existsSync(tokenFile)) throw new Error(`Cannot load in-cluster config as the token file does not exist: ${tokenFile}`);
  const o: RestClientOptions = { server, tokenFile };
  const caFile = join(dir, 'ca.crt');
  if (existsSync(caFile)) o.ca = readFileSync(caFile);
  const nsFile = join(dir, 'namespace');
  const namespace = existsSync(nsFile) ? readFileSync(nsFile, 'utf8').trim() || 'default' : 'default';
  return { options: o, namespace, context: '' };
}
