/**
 * The node agent binary's composition root: configuration -> client, runtime, NodeAgent.
 *
 *   const running = await runNodeAgent({ server: 'http://127.0.0.1:6443', nodeName: 'node-1',
 *     runtime: 'cri', containerRuntimeEndpoint: 'unix:///run/kubelab/node-1/containerd.sock',
 *     rootDir: '/var/lib/kubelab/node-1' });
 *   ...
 *   await running.close();
 *
 * `runtime: 'sim'` runs the same agent on the simulated runtime (no containers, pod IPs from the podCIDR).
 */
import { readFileSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import type { Node, Taint, TaintEffect } from '../shared/api/core-v1.ts';
import { KUBELET_SERVING_SIGNER_NAME } from '../shared/api/certificates-v1.ts';
import { Clientset, newClientset } from '../shared/client/clientset.ts';
import { fromFlags, loadKubeconfig } from '../shared/client/kubeconfig.ts';
import { RestClient, type RestClientOptions } from '../shared/client/rest-client.ts';
import { createSelfSignedCertificate } from '../shared/pki/self-signed.ts';
import { realClock, type Clock } from '../shared/util/clock.ts';
import { log as rootLog, type Logger } from '../shared/util/log.ts';
import { RemoteRuntime } from './cri/remote/remote-runtime.ts';
import { SimulatedRuntime } from './cri/simulated/simulated-runtime.ts';
import type { ImageService, RuntimeService } from './cri/services.ts';
import type { EventLevel } from './events/event-recorder.ts';
import { NodeAgent, type NodeAgentOptions } from './agent.ts';
import { bootstrapClientIdentity } from './certificate/bootstrap.ts';
import { CertificateManager, type KeyPair } from './certificate/certificate-manager.ts';
import type { WaitOptions } from './certificate/request-certificate.ts';
import type { AgentTLSOptions } from './server/agent-listener.ts';
import { NodeAuth, apiNodeAccessReviewer, apiTokenReviewer } from './server/node-auth.ts';
import { PodRouteSyncer } from '../shared/net/pod-route-syncer.ts';
import { IpRouteTable } from '../shared/net/route-table.ts';

export interface NodeAgentConfig {
  /** API server URL (with tokenFile/caCert/insecure), or a kubeconfig file, or a ready Clientset. */
  server?: string;
  /** File holding the bearer token (with server); never a token on the command line. */
  tokenFile?: string;
  caCert?: string;
  insecureSkipTLSVerify?: boolean;
  /** --kubeconfig; with bootstrapKubeconfig, the file written after TLS bootstrap. */
  kubeconfig?: string;
  /** --bootstrap-kubeconfig: TLS bootstrap (bootstrap token -> CSR -> client certificate; serving certificate by CSR). */
  bootstrapKubeconfig?: string;
  /** --cert-dir. @default `<rootDir>/pki` */
  certDir?: string;
  /** --rotate-certificates: renew the client and serving certificates before they expire. @default true */
  rotateCertificates?: boolean;
  /** --client-ca-file: CA bundle of the client certificates the agent API accepts. */
  clientCAFile?: string;
  /** --tls-cert-file / --tls-private-key-file: a fixed serving certificate (instead of one from a CSR). */
  tlsCertFile?: string;
  tlsPrivateKeyFile?: string;
  /** How CSR waits poll and time out (tests shorten them). */
  certificateWait?: Omit<WaitOptions, 'clock' | 'log' | 'signal'>;
  clientset?: Clientset;
  nodeName: string;
  /** 'cri' (containerd over its socket) or 'sim'. @default 'cri' */
  runtime?: 'cri' | 'sim';
  /** @default unix:///run/containerd/containerd.sock */
  containerRuntimeEndpoint?: string;
  rootDir: string;
  nodeIP?: string;
  /** The Hostname address (and DNS SAN of the serving certificate). @default nodeName */
  hostname?: string;
  cgroupPrefix?: string;
  podCIDR?: string;
  /** --cni-conf-dir: the agent writes the CNI config of the Node's pod CIDR there (containerd's conf_dir). Absent: someone else does. */
  cniConfDir?: string;
  /** --cni-ipam-dir: host-local's dataDir. @default `<rootDir>/ipam` */
  cniIpamDir?: string;
  /** --cni-network-name. @default 'kubelab' */
  cniNetworkName?: string;
  /** --cni-bridge. @default 'kubelab0' */
  cniBridge?: string;
  /** --pod-routes: keep routes to the other nodes' pod CIDRs in this network namespace. */
  podRoutes?: boolean;
  /** --cluster-cidr: with podRoutes, only routes inside it are managed. */
  clusterCidr?: string;
  /** @default 10250; 0 = a free port; null = none */
  port?: number | null;
  /** @default '0.0.0.0' with a serving certificate; '127.0.0.1' without (plain HTTP is loopback only) */
  address?: string;
  labels?: Record<string, string>;
  taints?: Taint[];
  capacity?: NodeAgentOptions['capacity'];
  reserved?: NodeAgentOptions['reserved'];
  crashLoopBaseDelayMs?: number;
  nodeStatusUpdateFrequencyMs?: number;
  events?: EventLevel;
  clock?: Clock;
  log?: Logger;
  /** Extra agent options (tests tune loop periods here). */
  agent?: Partial<NodeAgentOptions>;
}

export interface RunningNodeAgent {
  agent: NodeAgent;
  node: Node;
  runtime: RuntimeService & ImageService;
  clientset: Clientset;
  /** The client certificate manager (TLS bootstrap with rotation). */
  clientCertificates?: CertificateManager;
  /** The serving certificate manager (TLS bootstrap). */
  servingCertificates?: CertificateManager;
  /** Resolves once the agent API serves a certificate issued by the cluster (TLS bootstrap). */
  servingCertificateReady?: Promise<void>;
  /** The pod route syncer (--pod-routes). */
  podRoutes?: PodRouteSyncer;
  /** Stops the agent (pods keep running) and closes the runtime connection. */
  close(): Promise<void>;
}

/** `a=b,c=d` -> { a: 'b', c: 'd' } (--node-labels). */
export function parseLabels(s: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (s ?? '').split(',').map((x) => x.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new Error(`Cannot parse label ${JSON.stringify(part)} as it is not key=value`);
    out[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return out;
}

/** `key=value:Effect,key:Effect` -> taints (--register-with-taints). */
export function parseTaints(s: string | undefined): Taint[] {
  const out: Taint[] = [];
  for (const part of (s ?? '').split(',').map((x) => x.trim()).filter(Boolean)) {
    const m = /^([^=:]+)(?:=([^:]*))?:(NoSchedule|PreferNoSchedule|NoExecute)$/.exec(part);
    if (!m) throw new Error(`Cannot parse taint ${JSON.stringify(part)} as it is not key[=value]:NoSchedule|PreferNoSchedule|NoExecute`);
    const t: Taint = { key: m[1] as string, effect: m[3] as TaintEffect };
    if (m[2] !== undefined && m[2] !== '') t.value = m[2];
    out.push(t);
  }
  return out;
}

export function clientOptionsFrom(config: Pick<NodeAgentConfig, 'server' | 'tokenFile' | 'caCert' | 'insecureSkipTLSVerify' | 'kubeconfig'>): RestClientOptions {
  if (config.server) {
    const o = fromFlags({
      server: config.server,
      ...(config.caCert ? { caCert: config.caCert } : {}),
      ...(config.insecureSkipTLSVerify ? { insecure: true } : {}),
    });
    if (config.tokenFile) {
      const mode = statSync(config.tokenFile).mode & 0o777;
      if (mode & 0o077) rootLog.warn('The token file is readable by other users; make it 0600', { tokenFile: config.tokenFile, mode: mode.toString(8) });
      if (!readFileSync(config.tokenFile, 'utf8').trim()) throw new Error(`Cannot use the token file ${config.tokenFile} as it is empty`);
      o.tokenFile = config.tokenFile;
    }
    return o;
  }
  return loadKubeconfig(config.kubeconfig ? { path: config.kubeconfig } : {}).options;
}

function isLoopback(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}

/** The SANs of the serving certificate: the node's IP and hostname (what its Node status.addresses say). */
function servingSans(agent: NodeAgent, hostname: string): { dnsNames: string[]; ipAddresses: string[] } {
  return { dnsNames: hostname ? [hostname] : [], ipAddresses: agent.nodeIP ? [agent.nodeIP] : [] };
}

const asTLS = (pair: KeyPair, clientCA: Buffer | undefined): AgentTLSOptions => ({ cert: pair.certPem, key: pair.keyPem, ...(clientCA ? { clientCA } : {}) });

export async function runNodeAgent(config: NodeAgentConfig): Promise<RunningNodeAgent> {
  const log = config.log ?? rootLog;
  const clock = config.clock ?? realClock;
  const userAgent = `kubelab-node/${config.nodeName}`;
  const certDir = config.certDir ?? join(config.rootDir, 'pki');
  const rotate = config.rotateCertificates ?? true;
  let clientset: Clientset;
  let clientCertificates: CertificateManager | undefined;
  if (config.clientset) clientset = config.clientset;
  else if (config.bootstrapKubeconfig) {
    if (!config.kubeconfig) throw new Error('Cannot bootstrap the node identity: --kubeconfig (the file to write) is required with --bootstrap-kubeconfig');
    let rest: RestClient | undefined;
    const identity = await bootstrapClientIdentity({
      nodeName: config.nodeName,
      kubeconfig: config.kubeconfig,
      bootstrapKubeconfig: config.bootstrapKubeconfig,
      certDir,
      clock,
      log,
      ...(config.certificateWait ? { wait: config.certificateWait } : {}),
      client: () => rest as RestClient,
      onRotate: (pair) => rest?.setClientCertificate(pair.certPem, pair.keyPem),
    });
    rest = new RestClient({ ...identity.options, userAgent });
    clientset = new Clientset(rest);
    if (rotate && identity.manager.current()) clientCertificates = identity.manager;
  } else clientset = newClientset({ ...clientOptionsFrom(config), userAgent });
  const clientCA = config.clientCAFile ? readFileSync(config.clientCAFile) : undefined;
  // The agent API's serving certificate: fixed files, else one from a kubelet-serving CSR (TLS bootstrap),
  // served from a placeholder until it is issued; none at all: plain HTTP (a development agent).
  let servingTLS: AgentTLSOptions | undefined;
  let servingCertificates: CertificateManager | undefined;
  const hostname = config.hostname ?? config.nodeName;
  let agentRef: NodeAgent | undefined;
  if (config.tlsCertFile || config.tlsPrivateKeyFile) {
    if (!config.tlsCertFile || !config.tlsPrivateKeyFile) throw new Error('Cannot serve TLS: --tls-cert-file and --tls-private-key-file go together');
    servingTLS = { cert: readFileSync(config.tlsCertFile), key: readFileSync(config.tlsPrivateKeyFile), ...(clientCA ? { clientCA } : {}) };
  } else if (config.bootstrapKubeconfig) {
    servingCertificates = new CertificateManager({
      name: 'kubelet-server',
      certDir,
      signerName: KUBELET_SERVING_SIGNER_NAME,
      usages: ['digital signature', 'server auth'],
      subject: { commonName: `system:node:${config.nodeName}`, organizations: ['system:nodes'] },
      sans: () => (agentRef ? servingSans(agentRef, hostname) : { dnsNames: [], ipAddresses: [] }),
      client: () => clientset.client,
      onRotate: (pair) => agentRef?.updateServingTLS(asTLS(pair, clientCA)),
      ...(config.certificateWait ? { wait: config.certificateWait } : {}),
      clock,
      log,
    });
    const onDisk = servingCertificates.loadFromDisk();
    if (onDisk) servingTLS = asTLS(onDisk, clientCA);
    else {
      // kubelet has no certificate to offer until its CSR is issued; a throwaway self-signed one stands in.
      const placeholder = await createSelfSignedCertificate({ commonName: `${hostname}-placeholder`, dnsNames: [hostname], validityMs: 24 * 3600_000 });
      servingTLS = { cert: placeholder.certPem, key: placeholder.keyPem, ...(clientCA ? { clientCA } : {}) };
    }
  } else if (clientCA) {
    throw new Error('Cannot check client certificates (--client-ca-file) without a serving certificate: pass --bootstrap-kubeconfig or --tls-cert-file and --tls-private-key-file');
  }
  const auth = servingTLS
    ? new NodeAuth({ nodeName: config.nodeName, tokenReviewer: apiTokenReviewer(clientset.client), accessReviewer: apiNodeAccessReviewer(clientset.client), clock, log })
    : undefined;
  if (!servingTLS && config.port !== null) {
    const address = config.address ?? '127.0.0.1';
    if (!isLoopback(address)) {
      throw new Error(
        `refusing to serve the node agent API on ${address} without TLS and authentication: join with --bootstrap-kubeconfig (or pass --tls-cert-file and --tls-private-key-file), or listen on 127.0.0.1 (--address)`,
      );
    }
    log.warn('Serving the node agent API over plain HTTP without authentication, on loopback only (no serving certificate: development)', { address });
  }
  let runtime: RuntimeService & ImageService & { close?(): void };
  let simulated = false;
  if ((config.runtime ?? 'cri') === 'sim') {
    simulated = true;
    runtime = new SimulatedRuntime({ ...(config.clock ? { clock: config.clock } : {}) });
  } else {
    runtime = new RemoteRuntime({ endpoint: config.containerRuntimeEndpoint ?? 'unix:///run/containerd/containerd.sock' });
  }
  const agent = new NodeAgent({
    nodeName: config.nodeName,
    clientset,
    runtime,
    imageService: runtime,
    rootDir: config.rootDir,
    mode: simulated ? 'simulated' : 'host',
    ...(config.nodeIP ? { nodeIP: config.nodeIP } : {}),
    ...(config.cgroupPrefix ? { cgroupPrefix: config.cgroupPrefix } : {}),
    ...(config.podCIDR ? { podCIDR: config.podCIDR } : {}),
    ...(config.cniConfDir && !simulated
      ? {
          cni: {
            confDir: config.cniConfDir,
            ipamDir: config.cniIpamDir ?? join(config.rootDir, 'ipam'),
            ...(config.cniNetworkName ? { networkName: config.cniNetworkName } : {}),
            ...(config.cniBridge ? { bridge: config.cniBridge } : {}),
          },
        }
      : {}),
    port: config.port === undefined ? 10250 : config.port,
    address: config.address ?? (servingTLS ? '0.0.0.0' : '127.0.0.1'),
    ...(config.hostname ? { hostname: config.hostname } : {}),
    ...(servingTLS ? { servingTLS } : {}),
    ...(auth ? { auth } : {}),
    ...(config.labels ? { labels: config.labels } : {}),
    ...(config.taints ? { taints: config.taints } : {}),
    ...(config.capacity ? { capacity: config.capacity } : {}),
    ...(config.reserved ? { reserved: config.reserved } : {}),
    ...(config.crashLoopBaseDelayMs !== undefined ? { crashLoopBaseDelayMs: config.crashLoopBaseDelayMs } : {}),
    ...(config.nodeStatusUpdateFrequencyMs !== undefined ? { nodeStatusUpdateFrequencyMs: config.nodeStatusUpdateFrequencyMs } : {}),
    ...(config.events ? { events: config.events } : {}),
    ...(config.clock ? { clock: config.clock } : {}),
    log,
    ...(simulated && runtime instanceof SimulatedRuntime
      ? {
          onPlegCreated: (pleg) => {
            (runtime as SimulatedRuntime).onStateChange = () => pleg.relistSoon();
          },
        }
      : {}),
    ...(config.agent ?? {}),
  });
  agentRef = agent;
  const closing = new AbortController();
  let node: Node;
  try {
    node = await agent.start();
  } catch (err) {
    await agent.stop().catch(() => undefined);
    runtime.close?.();
    servingCertificates?.stop();
    throw err;
  }
  clientCertificates?.start();
  let routes: PodRouteSyncer | undefined;
  if (config.podRoutes && !simulated) {
    routes = new PodRouteSyncer({ nodes: clientset.nodes, nodeName: config.nodeName, table: new IpRouteTable(), ...(config.clusterCidr ? { clusterCidr: config.clusterCidr } : {}), clock, log });
    void routes.run(closing.signal);
  }
  let servingCertificateReady: Promise<void> | undefined;
  if (servingCertificates) {
    const manager = servingCertificates;
    servingCertificateReady = (async () => {
      // After registration, so the approver finds the Node's addresses. Retried until it works or the agent stops.
      let delay = 2000;
      for (;;) {
        try {
          const pair = await manager.ensure();
          agent.updateServingTLS(asTLS(pair, clientCA));
          if (rotate) manager.start();
          return;
        } catch (err) {
          log.error('Cannot get a serving certificate, retrying', { err, retryInMs: delay });
          await clock.sleep(delay, closing.signal);
          delay = Math.min(delay * 2, 5 * 60_000);
        }
      }
    })();
    servingCertificateReady.catch(() => undefined);
  }
  return {
    agent,
    node,
    runtime,
    clientset,
    ...(clientCertificates ? { clientCertificates } : {}),
    ...(servingCertificates ? { servingCertificates } : {}),
    ...(servingCertificateReady ? { servingCertificateReady } : {}),
    ...(routes ? { podRoutes: routes } : {}),
    async close() {
      closing.abort();
      clientCertificates?.stop();
      servingCertificates?.stop();
      await agent.stop();
      runtime.close?.();
    },
  };
}
