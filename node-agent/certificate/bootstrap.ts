/**
 * TLS bootstrapping of the node agent's client identity (kubelet pkg/kubelet/certificate/bootstrap
 * LoadClientCert):
 *
 * 1. `--kubeconfig` exists and its client certificate is valid now: use it.
 * 2. Else, with `--bootstrap-kubeconfig` (a bootstrap token): generate a key, submit a CSR for
 *    `system:node:<name>` in `system:nodes` (signer kubernetes.io/kube-apiserver-client-kubelet, usages digital
 *    signature + client auth, generateName `node-csr-`) with the bootstrap credentials, wait until it is
 *    approved and issued, write `<cert-dir>/kubelet-client-current.pem` (0600, directory 0700) and then the
 *    kubeconfig (0600) pointing at it, with the bootstrap kubeconfig's server and CA.
 * 3. Else: an error (nothing to authenticate with).
 *
 *   const boot = await bootstrapClientIdentity({ nodeName, kubeconfig, bootstrapKubeconfig, certDir });
 *   const client = new RestClient(boot.options);        // system:node:<name>
 *   boot.manager.start();                               // rotation (onRotate: client.setClientCertificate)
 */
import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, basename, resolve } from 'node:path';
import { stringify as toYaml } from 'yaml';
import { KUBE_APISERVER_CLIENT_KUBELET_SIGNER_NAME } from '../../shared/api/certificates-v1.ts';
import { loadKubeconfig } from '../../shared/client/kubeconfig.ts';
import { RestClient, type RestClientOptions } from '../../shared/client/rest-client.ts';
import type { Client } from '../../shared/client/interfaces.ts';
import { realClock, type Clock } from '../../shared/util/clock.ts';
import { log as rootLog, type Logger } from '../../shared/util/log.ts';
import { CertificateManager, writeSecretFileAtomic, type KeyPair } from './certificate-manager.ts';
import type { WaitOptions } from './request-certificate.ts';

export interface ClientBootstrapConfig {
  nodeName: string;
  /** --kubeconfig: read when valid, (re)written after bootstrap. */
  kubeconfig: string;
  /** --bootstrap-kubeconfig. */
  bootstrapKubeconfig?: string;
  /** --cert-dir. */
  certDir: string;
  clock?: Clock;
  log?: Logger;
  signal?: AbortSignal;
  wait?: Omit<WaitOptions, 'clock' | 'log' | 'signal'>;
  /** The client renewals are submitted with (set once the agent's client exists). */
  client?: () => Client;
  onRotate?: (pair: KeyPair) => void;
}

export interface ClientIdentity {
  /** Options for the agent's RestClient: server, CA, and the client certificate. */
  options: RestClientOptions;
  manager: CertificateManager;
  /** Whether a CSR was submitted (false: a valid certificate was already there). */
  bootstrapped: boolean;
}

/** Whether a kubeconfig's client certificate is valid now (isClientConfigStillValid). */
function validClientCert(options: RestClientOptions, now: number): boolean {
  if (!options.clientCert || !options.clientKey) return false;
  try {
    const cert = new X509Certificate(options.clientCert);
    return now >= Date.parse(cert.validFrom) && now < Date.parse(cert.validTo);
  } catch {
    return false;
  }
}

/** The kubeconfig kubelet writes after bootstrapping (writeKubeconfigFromBootstrapping). */
export function kubeconfigFor(options: RestClientOptions, certFile: string): string {
  const cluster: Record<string, unknown> = { server: options.server };
  if (options.ca) cluster['certificate-authority-data'] = Buffer.from(options.ca).toString('base64');
  if (options.insecureSkipTLSVerify) cluster['insecure-skip-tls-verify'] = true;
  if (options.tlsServerName) cluster['tls-server-name'] = options.tlsServerName;
  return toYaml({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'default-cluster', cluster }],
    contexts: [{ name: 'default-context', context: { cluster: 'default-cluster', namespace: 'default', user: 'default-auth' } }],
    'current-context': 'default-context',
    users: [{ name: 'default-auth', user: { 'client-certificate': certFile, 'client-key': certFile } }],
  });
}

export async function bootstrapClientIdentity(cfg: ClientBootstrapConfig): Promise<ClientIdentity> {
  const clock = cfg.clock ?? realClock;
  const log = (cfg.log ?? rootLog).with({ component: 'tls-bootstrap', node: cfg.nodeName });
  const manager = new CertificateManager({
    name: 'kubelet-client',
    certDir: cfg.certDir,
    signerName: KUBE_APISERVER_CLIENT_KUBELET_SIGNER_NAME,
    usages: ['digital signature', 'client auth'],
    subject: { commonName: `system:node:${cfg.nodeName}`, organizations: ['system:nodes'] },
    generateName: 'node-csr-',
    client: () => {
      const c = cfg.client?.();
      if (!c) throw new Error('Cannot renew the client certificate as the agent has no client yet');
      return c;
    },
    ...(cfg.onRotate ? { onRotate: cfg.onRotate } : {}),
    ...(cfg.wait ? { wait: cfg.wait } : {}),
    clock,
    log: cfg.log ?? rootLog,
  });
  const kubeconfigPath = resolve(cfg.kubeconfig);
  if (existsSync(kubeconfigPath)) {
    const existing = loadKubeconfig({ path: kubeconfigPath }).options;
    if (validClientCert(existing, clock.now())) {
      const pair = await manager.ensure(undefined, cfg.signal).catch(() => undefined);
      if (pair) {
        log.info('Using the client certificate of the kubeconfig', { kubeconfig: kubeconfigPath, notAfter: new Date(pair.notAfter).toISOString() });
        return { options: { ...existing, clientCert: pair.certPem, clientKey: pair.keyPem }, manager, bootstrapped: false };
      }
      log.info('Using the client certificate of the kubeconfig (not managed in --cert-dir: it will not be rotated)', { kubeconfig: kubeconfigPath });
      return { options: existing, manager, bootstrapped: false };
    }
    log.info('The kubeconfig has no valid client certificate', { kubeconfig: kubeconfigPath });
  }
  if (!cfg.bootstrapKubeconfig) {
    throw new Error(`Cannot authenticate the node agent: ${kubeconfigPath} does not hold a valid client certificate and no --bootstrap-kubeconfig was given`);
  }
  const bootstrapOptions = loadKubeconfig({ path: cfg.bootstrapKubeconfig }).options;
  const bootstrapClient = new RestClient({ ...bootstrapOptions, userAgent: `kubelab-node/${cfg.nodeName} (bootstrap)` });
  log.info('Requesting a client certificate with the bootstrap credentials', { bootstrapKubeconfig: cfg.bootstrapKubeconfig });
  let pair: KeyPair;
  try {
    pair = await manager.ensure(bootstrapClient, cfg.signal);
  } finally {
    bootstrapClient.close();
  }
  const { token: _t, tokenFile: _f, username: _u, password: _p, clientCert: _c, clientKey: _k, ...cluster } = bootstrapOptions;
  writeSecretFileAtomic(dirname(kubeconfigPath), basename(kubeconfigPath), kubeconfigFor(cluster, manager.path), false);
  log.info('Wrote the kubeconfig for the node identity', { kubeconfig: kubeconfigPath, certificate: manager.path });
  const options: RestClientOptions = { ...cluster, clientCert: pair.certPem, clientKey: pair.keyPem };
  return { options, manager, bootstrapped: true };
}
