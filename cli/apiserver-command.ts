import { parseFlags, usage, FlagError, type FlagSpec } from './flags.ts';
import type { Command } from './main.ts';
import { runAPIServer } from '../apiserver/main.ts';
import { parseAuthorizationModes } from '../apiserver/authorization/union.ts';
import { ENDPOINT_RECONCILER_FLAGS, endpointReconcilerConfig } from './endpoint-reconciler-flags.ts';
import { validateServiceRangeFlags } from '../apiserver/registry/core/service/service-allocators.ts';

const specs: FlagSpec[] = [
  { name: 'listen', type: 'string', default: '127.0.0.1:6443', help: 'address:port to serve on' },
  { name: 'data-dir', type: 'string', default: './.kubelab/data', help: 'embedded store directory (the default storage)' },
  { name: 'etcd-servers', type: 'string', help: 'comma-separated etcd client URLs; uses etcd instead of the embedded store' },
  { name: 'etcd-prefix', type: 'string', default: '/registry', help: 'key prefix in etcd' },
  { name: 'etcd-cafile', type: 'string', help: 'CA (PEM) of the etcd servers; with https:// --etcd-servers' },
  { name: 'etcd-certfile', type: 'string', help: 'client certificate (PEM) presented to etcd' },
  { name: 'etcd-keyfile', type: 'string', help: 'client key (PEM) for --etcd-certfile' },
  { name: 'tls-cert-file', type: 'string', help: 'serving certificate (PEM); enables HTTPS' },
  { name: 'tls-private-key-file', type: 'string', help: 'serving key (PEM)' },
  { name: 'token-auth-file', type: 'string', help: 'static bearer tokens (CSV: token,user,uid,"group1,group2")' },
  { name: 'client-ca-file', type: 'string', help: 'CA bundle (PEM) for client certificates: CN is the user, O the groups' },
  { name: 'enable-bootstrap-token-auth', type: 'boolean', default: false, help: 'accept bootstrap tokens (Secrets bootstrap-token-<id> in kube-system)' },
  { name: 'anonymous-auth', type: 'boolean', help: 'requests without credentials are system:anonymous (else 401); default true; not with an --authentication-config that has anonymous' },
  { name: 'authentication-config', type: 'string', help: 'AuthenticationConfiguration file (apiserver.config.k8s.io/v1beta1): anonymous.enabled and anonymous.conditions[].path' },
  { name: 'service-account-key-file', type: 'string', repeated: true, help: 'PEM public (or private) keys that verify ServiceAccount tokens (repeatable)' },
  { name: 'service-account-signing-key-file', type: 'string', help: 'PEM private key that signs ServiceAccount tokens (TokenRequest)' },
  { name: 'service-account-issuer', type: 'string', repeated: true, help: 'ServiceAccount token issuer (repeatable; the first signs; default https://kubernetes.default.svc.cluster.local)' },
  { name: 'api-audiences', type: 'string', help: 'comma-separated audiences of the API (default: the issuers)' },
  { name: 'service-account-max-token-expiration', type: 'duration', help: 'the longest ServiceAccount token TokenRequest issues (e.g. 24h)' },
  { name: 'request-timeout', type: 'duration', default: '60s', help: 'answer 504 to a request that is not long-running (watch, exec, logs, ...) after this long' },
  { name: 'max-requests-inflight', type: 'number', default: 400, help: 'read-only requests served at once (long-running ones not counted); 0: no limit' },
  { name: 'max-mutating-requests-inflight', type: 'number', default: 200, help: 'mutating requests served at once; 0: no limit' },
  { name: 'enable-admission-plugins', type: 'string', help: 'admission plugins to enable besides the default ones (comma-separated: ServiceAccount, NodeRestriction, PodSecurity)' },
  { name: 'disable-admission-plugins', type: 'string', help: 'admission plugins to disable even if on by default (comma-separated)' },
  { name: 'kubelet-client-certificate', type: 'string', help: 'client certificate (PEM) the API server presents to node agents (pods/log, exec, attach over HTTPS)' },
  { name: 'kubelet-client-key', type: 'string', help: 'key of --kubelet-client-certificate' },
  { name: 'kubelet-certificate-authority', type: 'string', help: "CA bundle (PEM) node agents' serving certificates are verified with" },
  { name: 'authorization-mode', type: 'string', help: 'ordered comma list of AlwaysAllow, AlwaysDeny, Node, RBAC (default Node,RBAC with authentication, AlwaysAllow without)' },
  { name: 'service-cluster-ip-range', type: 'string', default: '10.96.0.0/12', help: 'CIDR ClusterIPs are allocated from (the first address is the kubernetes Service\'s); at most 2^20 addresses' },
  { name: 'service-node-port-range', type: 'string', default: '30000-32767', help: 'port range NodePorts are allocated from (e.g. 30000-32767)' },
  { name: 'kubernetes-minor-version', type: 'number', default: 32, help: 'Kubernetes minor version reported by /version' },
  { name: 'log-level', type: 'string', default: 'info', help: 'debug, info, warn or error' },
  ...ENDPOINT_RECONCILER_FLAGS,
];

/** --service-account-max-token-expiration: between an hour and 2^32 seconds, as upstream requires. */
function maxTokenSeconds(ms: unknown): number | undefined {
  if (typeof ms !== 'number' || ms === 0) return undefined;
  if (ms < 3600_000 || ms > 2 ** 32 * 1000) throw new FlagError('service-account-max-token-expiration must be between 1 hour and 2^32 seconds');
  return Math.floor(ms / 1000);
}

export const apiserverCommand: Command = {
  name: 'apiserver',
  summary: 'Run the API server (embedded store by default, or etcd)',
  usage: () => usage('apiserver', 'Serves the Kubernetes API (core/v1, coordination.k8s.io/v1) from the embedded store or etcd.', specs),
  async run(args) {
    const { values, rest } = parseFlags(args, specs);
    if (rest.length) throw new FlagError(`unexpected arguments: ${rest.join(' ')}`);
    const listen = String(values['listen']);
    const m = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(listen);
    if (!m) throw new FlagError(`--listen must be host:port, got ${JSON.stringify(listen)}`);
    const host = (m[1] ?? '').replace(/^\[|\]$/g, '');
    const port = Number(m[2]);
    if (port < 0 || port > 65535) throw new FlagError(`--listen port out of range: ${port}`);
    const level = String(values['log-level']);
    if (!['debug', 'info', 'warn', 'error'].includes(level)) throw new FlagError(`--log-level must be debug, info, warn or error`);
    const cert = values['tls-cert-file'] as string | undefined;
    const key = values['tls-private-key-file'] as string | undefined;
    if (!!cert !== !!key) throw new FlagError('--tls-cert-file and --tls-private-key-file go together');
    let authorizationModes;
    try {
      authorizationModes = values['authorization-mode'] !== undefined ? parseAuthorizationModes(String(values['authorization-mode'])) : undefined;
    } catch (e) {
      throw new FlagError(`--authorization-mode: ${(e as Error).message}`);
    }
    const serviceClusterIPRange = String(values['service-cluster-ip-range']);
    const serviceNodePortRange = String(values['service-node-port-range']);
    const rangeError = validateServiceRangeFlags(serviceClusterIPRange, serviceNodePortRange);
    if (rangeError) throw new FlagError(rangeError);
    const server = await runAPIServer({
      serviceClusterIPRange,
      serviceNodePortRange,
      authorizationModes,
      host,
      port,
      dataDir: String(values['data-dir']),
      etcdServers: values['etcd-servers'] ? String(values['etcd-servers']).split(',').map((s) => s.trim()).filter(Boolean) : undefined,
      etcdPrefix: String(values['etcd-prefix']),
      etcdCAFile: values['etcd-cafile'] as string | undefined,
      etcdCertFile: values['etcd-certfile'] as string | undefined,
      etcdKeyFile: values['etcd-keyfile'] as string | undefined,
      tlsCertFile: cert,
      tlsKeyFile: key,
      tokenAuthFile: values['token-auth-file'] as string | undefined,
      clientCAFile: values['client-ca-file'] as string | undefined,
      enableBootstrapTokenAuth: values['enable-bootstrap-token-auth'] === true,
      anonymousAuth: values['anonymous-auth'] !== false,
      anonymousAuthFlagSet: values['anonymous-auth'] !== undefined,
      authenticationConfigFile: values['authentication-config'] as string | undefined,
      serviceAccountKeyFiles: values['service-account-key-file'] as string[] | undefined,
      serviceAccountSigningKeyFile: values['service-account-signing-key-file'] as string | undefined,
      serviceAccountIssuers: values['service-account-issuer'] as string[] | undefined,
      apiAudiences: values['api-audiences'] ? String(values['api-audiences']).split(',').map((s) => s.trim()).filter(Boolean) : undefined,
      serviceAccountMaxTokenExpirationSeconds: maxTokenSeconds(values['service-account-max-token-expiration']),
      enableAdmissionPlugins: pluginList(values['enable-admission-plugins']),
      disableAdmissionPlugins: pluginList(values['disable-admission-plugins']),
      minorVersion: Number(values['kubernetes-minor-version']),
      kubeletClientCertificate: values['kubelet-client-certificate'] as string | undefined,
      kubeletClientKey: values['kubelet-client-key'] as string | undefined,
      kubeletCertificateAuthority: values['kubelet-certificate-authority'] as string | undefined,
      limits: {
        requestTimeoutMs: Number(values['request-timeout']),
        maxRequestsInFlight: Number(values['max-requests-inflight']),
        maxMutatingRequestsInFlight: Number(values['max-mutating-requests-inflight']),
      },
      logLevel: level as 'debug' | 'info' | 'warn' | 'error',
      endpointReconciler: endpointReconcilerConfig(values),
    });
    await new Promise<void>((resolve) => {
      const stop = () => {
        void server.close().then(resolve);
      };
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    });
    return 0;
  },
};

function pluginList(v: unknown): string[] | undefined {
  return v ? String(v).split(',').map((s) => s.trim()).filter(Boolean) : undefined;
}
