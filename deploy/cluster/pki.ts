import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

/** Files of a cluster's PKI and credentials (under <state>/pki). */
export interface ClusterPKI {
  dir: string;
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  /** kube-apiserver --token-auth-file CSV. */
  tokenFile: string;
  adminToken: string;
  /** The token node agents join with (user system:node-bootstrap, group system:nodes). */
  joinToken: string;
}

function openssl(args: string[]): void {
  try {
    execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    const err = e as { stderr?: Buffer; message: string };
    throw new Error(`openssl ${args[0]} failed: ${err.stderr?.toString().trim() || err.message} (install it with: apt-get install -y openssl)`);
  }
}

const token = () => randomBytes(24).toString('base64url');

/**
 * Creates (once) a cluster CA, a serving certificate for the API server valid for `sans` (IPs and DNS names),
 * and the admin and join tokens. Reuses what already exists so a restarted cluster keeps its credentials.
 */
export function ensurePKI(dir: string, sans: { ips: string[]; dns: string[] }): ClusterPKI {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const p: ClusterPKI = {
    dir,
    caCert: join(dir, 'ca.crt'),
    caKey: join(dir, 'ca.key'),
    serverCert: join(dir, 'apiserver.crt'),
    serverKey: join(dir, 'apiserver.key'),
    tokenFile: join(dir, 'tokens.csv'),
    adminToken: '',
    joinToken: '',
  };
  if (!existsSync(p.caCert) || !existsSync(p.caKey)) {
    openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', p.caKey, '-out', p.caCert, '-days', '3650', '-subj', '/CN=kubelab-ca']);
  }
  if (!existsSync(p.serverCert) || !existsSync(p.serverKey)) {
    const csr = join(dir, 'apiserver.csr');
    const ext = join(dir, 'apiserver.ext');
    const altNames = [...sans.dns.map((d) => `DNS:${d}`), ...sans.ips.map((i) => `IP:${i}`)].join(',');
    writeFileSync(ext, `basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=${altNames}\n`);
    openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', p.serverKey, '-out', csr, '-subj', '/CN=kube-apiserver']);
    openssl(['x509', '-req', '-in', csr, '-CA', p.caCert, '-CAkey', p.caKey, '-CAcreateserial', '-out', p.serverCert, '-days', '825', '-extfile', ext]);
  }
  for (const f of [p.caKey, p.serverKey]) chmodSync(f, 0o600);
  if (!existsSync(p.tokenFile)) {
    writeFileSync(p.tokenFile, `${token()},admin,admin,"system:masters"\n${token()},system:node-bootstrap,node-bootstrap,"system:nodes,system:bootstrappers"\n`, { mode: 0o600 });
  }
  const lines = readFileSync(p.tokenFile, 'utf8').trim().split('\n');
  p.adminToken = lines[0]?.split(',')[0] ?? '';
  p.joinToken = lines[1]?.split(',')[0] ?? '';
  return p;
}

/** A kubeconfig for `server` trusting the cluster CA and authenticating with a bearer token. */
export function kubeconfigYaml(opts: { server: string; caCertPath: string; token: string; name?: string; user?: string }): string {
  const name = opts.name ?? 'kubelab';
  const user = opts.user ?? 'admin';
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
    '  user:',
    `    token: ${opts.token}`,
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
  const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  if (!existsSync(p.caCert) || !existsSync(p.caKey)) {
    openssl(['req', '-x509', ...newKey, '-keyout', p.caKey, '-out', p.caCert, '-days', '3650', '-subj', '/CN=etcd-ca']);
  }
  const altNames = [...sans.dns.map((d) => `DNS:${d}`), ...sans.ips.map((i) => `IP:${i}`)].join(',');
  const issue = (cert: string, key: string, subject: string, usages: string, san: boolean) => {
    if (existsSync(cert) && existsSync(key)) return;
    const csr = `${cert}.csr`;
    const ext = `${cert}.ext`;
    writeFileSync(ext, `basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=${usages}\n${san ? `subjectAltName=${altNames}\n` : ''}`);
    openssl(['req', ...newKey, '-keyout', key, '-out', csr, '-subj', subject]);
    openssl(['x509', '-req', '-in', csr, '-CA', p.caCert, '-CAkey', p.caKey, '-CAcreateserial', '-out', cert, '-days', '825', '-extfile', ext]);
    rmSync(csr, { force: true });
    rmSync(ext, { force: true });
  };
  issue(p.serverCert, p.serverKey, '/CN=etcd-server', 'serverAuth,clientAuth', true);
  issue(p.peerCert, p.peerKey, '/CN=etcd-peer', 'serverAuth,clientAuth', true);
  issue(p.apiserverClientCert, p.apiserverClientKey, '/O=system:masters/CN=kube-apiserver-etcd-client', 'clientAuth', false);
  for (const f of [p.caKey, p.serverKey, p.peerKey, p.apiserverClientKey]) chmodSync(f, 0o600);
  return p;
}
