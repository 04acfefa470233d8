import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import type { Clock } from '../shared/util/clock.ts';
import { realClock } from '../shared/util/clock.ts';
import { log } from '../shared/util/log.ts';
import type { Storage } from './storage/interfaces.ts';
import { EmbeddedStore, prepareDataDir } from './storage/embedded/embedded-store.ts';
import { Etcd3Store } from './storage/etcd3/etcd3-store.ts';
import { Registry } from './registry/registry.ts';
import { APIServer, type RequestLimits } from './server/server.ts';
import { discoveryHandler } from './endpoints/discovery-handler.ts';
import { openapiHandler } from './endpoints/openapi-handler.ts';
import { openapiV2Handler } from './endpoints/openapi-v2-handler.ts';
import { buildAuthentication, type AuthenticationConfig } from './authentication/authentication-options.ts';
import { impersonate } from './authentication/impersonation.ts';
import type { Authorizer } from './authorization/authorizer.ts';
import { precompileSchemaValidators } from './openapi/schema-validator.ts';
import { buildAdmissionChain, enabledAdmissionPlugins } from './admission/admission-plugins.ts';
import { setupAuthorization, type ServerAuthorization } from './authorization/setup.ts';
import type { AuthorizationMode } from './authorization/union.ts';
import { deprecatedAPIWarning } from './endpoints/deprecated-apis.ts';
import { startEndpointReconciler, type EndpointReconcilerConfig } from './controlplane/endpoint-reconciler-setup.ts';

export interface APIServerConfig extends AuthenticationConfig {
  host: string;
  port: number;
  /** Embedded store directory (used when neither etcdServers nor storage is given). */
  dataDir?: string;
  etcdServers?: string[];
  etcdPrefix?: string;
  /** --etcd-cafile, --etcd-certfile, --etcd-keyfile: mutual TLS to etcd. */
  etcdCAFile?: string;
  etcdCertFile?: string;
  etcdKeyFile?: string;
  /** A ready Storage (tests). Takes precedence over dataDir/etcdServers; not closed by close(). */
  storage?: Storage;
  tlsCertFile?: string;
  tlsKeyFile?: string;
  /** --enable-admission-plugins / --disable-admission-plugins. */
  enableAdmissionPlugins?: string[];
  disableAdmissionPlugins?: string[];
  /** --authorization-mode. Default: Node,RBAC when requests are authenticated, AlwaysAllow otherwise (loopback dev server). */
  authorizationModes?: AuthorizationMode[];
  minorVersion?: number;
  /**
   * The authorizer impersonation asks (verb `impersonate`). Absent: the server's authorization chain
   * (system:masters, then --authorization-mode).
   */
  impersonationAuthorizer?: Authorizer;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  clock?: Clock;
  /** --request-timeout, --max-requests-inflight, --max-mutating-requests-inflight (kube's defaults when absent). */
  limits?: RequestLimits;
  /**
   * --kubelet-client-certificate / --kubelet-client-key / --kubelet-certificate-authority: pods/log, exec and
   * attach reach node agents over HTTPS with this identity (kube-apiserver-kubelet-client) and verify their
   * serving certificates (and the address dialled) against the CA. Absent: plain HTTP (development).
   */
  kubeletClientCertificate?: string;
  kubeletClientKey?: string;
  kubeletCertificateAuthority?: string;
  /** The API server endpoint reconciler (--advertise-address, --advertise-port, --endpoint-reconciler-type). */
  endpointReconciler?: EndpointReconcilerConfig;
  /** --service-cluster-ip-range (default 10.96.0.0/12) and --service-node-port-range (default 30000-32767). */
  serviceClusterIPRange?: string;
  serviceNodePortRange?: string;
  /** How often the ClusterIP/NodePort repair loops run (default 3 minutes). */
  serviceRepairIntervalMs?: number;
}

export interface RunningAPIServer {
  url: string;
  port: number;
  registry: Registry;
  storage: Storage;
  close(): Promise<void>;
}

/** The etcd client's TLS material from --etcd-cafile/--etcd-certfile/--etcd-keyfile (undefined: plain http). */
function etcdTLS(cfg: APIServerConfig): { ca: Buffer; cert?: Buffer; key?: Buffer } | undefined {
  if (!cfg.etcdCAFile && !cfg.etcdCertFile && !cfg.etcdKeyFile) return undefined;
  if (!cfg.etcdCAFile) throw new Error('--etcd-certfile and --etcd-keyfile need --etcd-cafile (the CA of the etcd servers)');
  if (!!cfg.etcdCertFile !== !!cfg.etcdKeyFile) throw new Error('--etcd-certfile and --etcd-keyfile go together');
  return {
    ca: readFileSync(cfg.etcdCAFile),
    cert: cfg.etcdCertFile ? readFileSync(cfg.etcdCertFile) : undefined,
    key: cfg.etcdKeyFile ? readFileSync(cfg.etcdKeyFile) : undefined,
  };
}

function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  const v = isIP(host);
  if (v === 4) return host.startsWith('127.');
  if (v === 6) return host === '::1';
  return false;
}

/**
 * The apiserver's composition root: storage -> registry (watch caches, stores, strategies) -> HTTP(S) server.
 * Logs one line when ready; /readyz answers 200 from then on.
 */
export async function runAPIServer(cfg: APIServerConfig): Promise<RunningAPIServer> {
  if (cfg.logLevel) log.configure({ level: cfg.logLevel });
  const secure = Boolean(cfg.tlsCertFile && cfg.tlsKeyFile);
  const authnConfigured = Boolean(
    cfg.clientCAFile || cfg.tokenAuthFile || cfg.enableBootstrapTokenAuth || cfg.serviceAccountKeyFiles?.length || cfg.serviceAccountSigningKeyFile,
  );
  if (!isLoopback(cfg.host) && !(secure && authnConfigured)) {
    throw new Error(
      `refusing to listen on non-loopback address ${cfg.host} without TLS and authentication: pass --tls-cert-file, --tls-private-key-file and an authenticator (--client-ca-file, --token-auth-file, --enable-bootstrap-token-auth, --service-account-key-file), or listen on 127.0.0.1`,
    );
  }
  const clock = cfg.clock ?? realClock;
  const admissionPlugins = enabledAdmissionPlugins({
    enable: cfg.enableAdmissionPlugins,
    disable: cfg.disableAdmissionPlugins,
    secured: secure && authnConfigured,
  });
  let storage = cfg.storage;
  const ownStorage = !storage;
  if (!storage) {
    if (cfg.etcdServers && cfg.etcdServers.length > 0) {
      storage = new Etcd3Store({ endpoints: cfg.etcdServers, prefix: cfg.etcdPrefix ?? '/registry', tls: etcdTLS(cfg) });
    } else {
      const dir = resolve(cfg.dataDir ?? './.kubelab/data');
      prepareDataDir(dir);
      storage = EmbeddedStore.open({ path: join(dir, 'kubelab.db') });
    }
  }
  // Compiling the JSON schemas takes a few hundred ms: do it now, not on the first request.
  precompileSchemaValidators();
  const registry = new Registry(storage, clock, {
    admission: (lookups) => buildAdmissionChain(admissionPlugins, lookups, { clock }),
    kubernetesServiceTargetPort: cfg.endpointReconciler?.advertisePort ?? (cfg.port > 0 ? cfg.port : undefined),
    services: { serviceClusterIPRange: cfg.serviceClusterIPRange, serviceNodePortRange: cfg.serviceNodePortRange, repairIntervalMs: cfg.serviceRepairIntervalMs },
  });
  if (cfg.kubeletClientCertificate || cfg.kubeletClientKey || cfg.kubeletCertificateAuthority) {
    if (Boolean(cfg.kubeletClientCertificate) !== Boolean(cfg.kubeletClientKey)) {
      throw new Error('--kubelet-client-certificate and --kubelet-client-key go together');
    }
    registry.kubeletTLS = {
      ...(cfg.kubeletClientCertificate ? { cert: readFileSync(cfg.kubeletClientCertificate) } : {}),
      ...(cfg.kubeletClientKey ? { key: readFileSync(cfg.kubeletClientKey) } : {}),
      ...(cfg.kubeletCertificateAuthority ? { ca: readFileSync(cfg.kubeletCertificateAuthority) } : {}),
    };
    if (!cfg.kubeletCertificateAuthority) log.warn('Node agents are reached over HTTPS without verifying their serving certificates (no --kubelet-certificate-authority)');
  }
  let authz: ServerAuthorization | undefined;
  try {
    await registry.start();
    authz = await setupAuthorization(registry, cfg.authorizationModes ?? (authnConfigured ? ['Node', 'RBAC'] : ['AlwaysAllow']), clock);
  } catch (e) {
    authz?.stop();
    await registry.stop();
    if (ownStorage) await storage.close();
    throw e;
  }
  let authn;
  try {
    authn = buildAuthentication(cfg, registry, clock);
  } catch (e) {
    authz.stop();
    await registry.stop();
    if (ownStorage) await storage.close();
    throw e;
  }
  // Impersonation asks the same chain as every request (system:masters first, then the modes).
  const impersonationAuthorizer: Authorizer = cfg.impersonationAuthorizer ?? authz.authorizer;
  const server = new APIServer({
    resources: registry,
    nonResource: [discoveryHandler({ minorVersion: cfg.minorVersion ?? 32 }), openapiHandler(), openapiV2Handler({ version: `v1.${cfg.minorVersion ?? 32}.0` })],
    isReady: () => registry.ready,
    authenticate: authn.authenticate,
    impersonate: (user, req) => impersonate(impersonationAuthorizer, user, req),
    authorize: authz.authorize,
    tls: secure ? { cert: readFileSync(cfg.tlsCertFile as string), key: readFileSync(cfg.tlsKeyFile as string), clientCA: authn.clientCA } : undefined,
    clock,
    limits: cfg.limits,
    deprecationWarning: (group, version, resource) => deprecatedAPIWarning(cfg.minorVersion ?? 32, group, version, resource),
  });
  let addr;
  try {
    addr = await server.listen(cfg.host, cfg.port);
  } catch (e) {
    authz.stop();
    await registry.stop();
    if (ownStorage) await storage.close();
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'EADDRINUSE') throw new Error(`cannot listen on ${cfg.host}:${cfg.port}: the port is already in use`);
    throw e;
  }
  // The kubernetes Service's endpoints: this server's lease and address (a post-start hook upstream).
  const endpoints = await startEndpointReconciler({ config: cfg.endpointReconciler, listenHost: cfg.host, listenPort: addr.port, registry, storage, clock });
  const hostForUrl = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const url = `${secure ? 'https' : 'http'}://${hostForUrl}:${addr.port}`;
  log.info('kubelab apiserver ready', { url, admission: admissionPlugins.join(','), storage: cfg.storage ? 'injected' : cfg.etcdServers?.length ? `etcd ${cfg.etcdServers.join(',')}` : 'embedded' });
  let closed = false;
  return {
    url,
    port: addr.port,
    registry,
    storage,
    async close() {
      if (closed) return;
      closed = true;
      // Graceful shutdown: leave the kubernetes Service's endpoints first, while storage is still there.
      await endpoints?.stop();
      await server.close();
      authz?.stop();
      await registry.stop();
      if (ownStorage) await storage.close();
    },
  };
}
