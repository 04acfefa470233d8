import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

/**
 * The files of a cluster's PKI and credentials (under <state>/pki, a 0700 directory; every key and credential
 * file 0600). What each identity is and which RBAC role it gets: docs/design/access-control.md.
 */
export interface ClusterPKI {
  dir: string;
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  /** ServiceAccount token signing key (EC P-256) and its public half. */
  saKey: string;
  saPub: string;
  /** Client identities: admin (system:masters), controller, scheduler, the API server's client for node agents. */
  admin: ClientCredential;
  controller: ClientCredential;
  scheduler: ClientCredential;
  kubeletClient: ClientCredential;
  /** The service proxy on every node (system:kube-proxy, bound to system:node-proxier) and the cluster DNS servers (system:kube-dns). */
  kubeProxy: ClientCredential;
  kubeDNS: ClientCredential;
}

export interface ClientCredential {
  cert: string;
  key: string;
}

function openssl(args: string[]): void {
  try {
    execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    const err = e as { stderr?: Buffer; message: string };
    throw new Error(`openssl ${args[0]} failed: ${err.stderr?.toString().trim() || err.message} (install it with: apt-get install -y openssl)`);
  }
}

/** A key and certificate signed by the cluster CA, made once (kept when both files exist). */
export function issueCertificate(
  p: { caCert: string; caKey: string },
  out: { cert: string; key: string },
  opts: { cn: string; groups?: string[]; usage: 'client' | 'server' | 'client,server'; sans?: { ips: string[]; dns: string[] }; days?: number },
): void {
  if (existsSync(out.cert) && existsSync(out.key)) return;
  const tmp = `${out.cert}.tmp`;
  mkdirSync(tmp, { recursive: true, mode: 0o700 });
  try {
    const csr = join(tmp, 'req.csr');
    const ext = join(tmp, 'req.ext');
    const eku = opts.usage.split(',').map((u) => (u === 'client' ? 'clientAuth' : 'serverAuth')).join(',');
    const lines = ['basicConstraints=CA:FALSE', 'keyUsage=critical,digitalSignature,keyEncipherment', `extendedKeyUsage=${eku}`];
    if (opts.sans && opts.sans.ips.length + opts.sans.dns.length > 0) {
      lines.push(`subjectAltName=${[...opts.sans.dns.map((d) => `DNS:${d}`), ...opts.sans.ips.map((i) => `IP:${i}`)].join(',')}`);
    }
    writeFileSync(ext, lines.join('\n') + '\n');
    const subj = `/CN=${opts.cn}${(opts.groups ?? []).map((g) => `/O=${g}`).join('')}`;
    openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', out.key, '-out', csr, '-subj', subj]);
    chmodSync(out.key, 0o600);
    openssl(['x509', '-req', '-in', csr, '-CA', p.caCert, '-CAkey', p.caKey, '-CAcreateserial', '-out', out.cert, '-days', String(opts.days ?? 365), '-extfile', ext]);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** A self-signed CA (EC P-256, ten years), made once; its key 0600. */
function ensureCA(cert: string, key: string, cn: string): void {
  if (!existsSync(cert) || !existsSync(key)) {
    openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '3650', '-subj', `/CN=${cn}`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign,digitalSignature']);
  }
  chmodSync(key, 0o600);
}

const credential = (dir: string, name: string): ClientCredential => ({ cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) });

/**
 * Creates (once) the cluster CA, the API server's serving certificate valid for `sans` (IPs and DNS names), the
 * ServiceAccount signing key and the client certificates of the control plane's identities. Reuses what already
 * exists so a restarted cluster keeps its credentials.
 */
export function ensurePKI(dir: string, sans: { ips: string[]; dns: string[] }): ClusterPKI {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const p: ClusterPKI = {
    dir,
    caCert: join(dir, 'ca.crt'),
    caKey: join(dir, 'ca.key'),
    serverCert: join(dir, 'apiserver.crt'),
    serverKey: join(dir, 'apiserver.key'),
    saKey: join(dir, 'sa.key'),
    saPub: join(dir, 'sa.pub'),
    admin: credential(dir, 'admin'),
    controller: credential(dir, 'controller'),
    scheduler: credential(dir, 'scheduler'),
    kubeletClient: credential(dir, 'apiserver-kubelet-client'),
    kubeProxy: credential(dir, 'kube-proxy'),
    kubeDNS: credential(dir, 'kube-dns'),
  };
  ensureCA(p.caCert, p.caKey, 'kubelab-ca');
  issueCertificate(p, { cert: p.serverCert, key: p.serverKey }, { cn: 'kube-apiserver', usage: 'server', sans, days: 825 });
  if (!existsSync(p.saKey) || !existsSync(p.saPub)) {
    openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', p.saKey]);
    chmodSync(p.saKey, 0o600);
    openssl(['pkey', '-in', p.saKey, '-pubout', '-out', p.saPub]);
  }
  issueCertificate(p, p.admin, { cn: 'kubernetes-admin', groups: ['system:masters'], usage: 'client' });
  issueCertificate(p, p.controller, { cn: 'system:kube-controller-manager', usage: 'client' });
  issueCertificate(p, p.scheduler, { cn: 'system:kube-scheduler', usage: 'client' });
  issueCertificate(p, p.kubeletClient, { cn: 'kube-apiserver-kubelet-client', usage: 'client' });
  issueCertificate(p, p.kubeProxy, { cn: 'system:kube-proxy', usage: 'client' });
  issueCertificate(p, p.kubeDNS, { cn: 'system:kube-dns', usage: 'client' });
  return p;
}

/**
 * A bootstrap token (`[a-z0-9]{6}.[a-z0-9]{16}`) and the Secret that makes it valid: type
 * bootstrap.kubernetes.io/token in kube-system, usable for authentication only, with the extra group that binds it
 * to one node name (the CSR approver signs a client certificate for that node only), expiring after `ttlMs`.
 */
export function newBootstrapToken(nodeName: string, now: number, ttlMs = 24 * 3600_000): { token: string; secret: Record<string, unknown> } {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const pick = (n: number) => Array.from(randomBytes(n), (b) => alphabet[b % alphabet.length]).join('');
  const id = pick(6);
  const secret = pick(16);
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  return {
    token: `${id}.${secret}`,
    secret: {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: `bootstrap-token-${id}`, namespace: 'kube-system' },
      type: 'bootstrap.kubernetes.io/token',
      data: {
        'token-id': b64(id),
        'token-secret': b64(secret),
        description: b64(`kubelab up: joins node ${nodeName}`),
        expiration: b64(new Date(now + ttlMs).toISOString().replace(/\.\d{3}Z$/, 'Z')),
        'usage-bootstrap-authentication': b64('true'),
        'auth-extra-groups': b64(`system:bootstrappers:kubelab:node:${nodeName}`),
      },
    },
  };
}

/**
 * A kubeconfig for `server` trusting the cluster CA, authenticating with a client certificate or a bearer token, or
 * (`credentials: false`) a user without any credential (the console's: it only learns the URL and the CA).
 */
export function kubeconfigYaml(opts: { server: string; caCertPath: string; token?: string; client?: ClientCredential; name?: string; user?: string; credentials?: false }): string {
  const name = opts.name ?? 'kubelab';
  const user = opts.user ?? 'admin';
  const auth = opts.credentials === false
    ? ['  user: {}']
    : opts.client
      ? ['  user:', `    client-certificate: ${opts.client.cert}`, `    client-key: ${opts.client.key}`]
      : ['  user:', `    token: ${opts.token ?? ''}`];
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: ${name}`,
    '  cluster:',
    `    server: ${opts.server}`,
    `    certificate-authority: ${opts.caCertPath}`,
    'users:',
    `- name: ${user}`,
    ...auth,
    'contexts:',
    `- name: ${name}`,
    `  context: {cluster: ${name}, user: ${user}, namespace: default}`,
    `current-context: ${name}`,
    '',
  ].join('\n');
}

/** etcd's mutual-TLS files (kubeadm's layout, under <state>/pki/etcd). */
export interface EtcdPKI {
  dir: string;
  caCert: string;
  caKey: string;
  /** etcd's client-facing serving certificate. */
  serverCert: string;
  serverKey: string;
  /** Between members (serving and client use). */
  peerCert: string;
  peerKey: string;
  /** What the API servers present to etcd (kube-apiserver's --etcd-certfile/--etcd-keyfile). */
  apiserverClientCert: string;
  apiserverClientKey: string;
}

/**
 * Creates (once) an etcd CA separate from the cluster CA, etcd's serving and peer certificates valid for `sans`,
 * and the API servers' client certificate (CN kube-apiserver-etcd-client). The directory is 0700 and every key
 * 0600. Reuses what exists, as ensurePKI does.
 */
export function ensureEtcdPKI(dir: string, sans: { ips: string[]; dns: string[] }): EtcdPKI {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const p: EtcdPKI = {
    dir,
    caCert: join(dir, 'ca.crt'),
    caKey: join(dir, 'ca.key'),
    serverCert: join(dir, 'server.crt'),
    serverKey: join(dir, 'server.key'),
    peerCert: join(dir, 'peer.crt'),
    peerKey: join(dir, 'peer.key'),
    apiserverClientCert: join(dir, 'apiserver-etcd-client.crt'),
    apiserverClientKey: join(dir, 'apiserver-etcd-client.key'),
  };
  ensureCA(p.caCert, p.caKey, 'etcd-ca');
  const etcdCA = { caCert: p.caCert, caKey: p.caKey };
  issueCertificate(etcdCA, { cert: p.serverCert, key: p.serverKey }, { cn: 'etcd-server', usage: 'client,server', sans, days: 825 });
  issueCertificate(etcdCA, { cert: p.peerCert, key: p.peerKey }, { cn: 'etcd-peer', usage: 'client,server', sans, days: 825 });
  issueCertificate(etcdCA, { cert: p.apiserverClientCert, key: p.apiserverClientKey }, { cn: 'kube-apiserver-etcd-client', groups: ['system:masters'], usage: 'client', days: 825 });
  for (const f of [p.caKey, p.serverKey, p.peerKey, p.apiserverClientKey]) chmodSync(f, 0o600);
  return p;
}

/** Writes a credential file (0600), replacing any older one. */
export function writeSecretFile(path: string, content: string): void {
  writeFileSync(path, content, { mode: 0o600 });
  chmodSync(path, 0o600);
}
