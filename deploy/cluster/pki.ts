import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
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
