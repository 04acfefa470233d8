/**
 * TLS bootstrapping end to end, in one process: an HTTPS API server (client CA, bootstrap token
 * authentication), the controller's csrapproving + csrsigning, and a node agent on the simulated runtime
 * joining with a bootstrap kubeconfig whose token is bound to its node. It ends with the node's client
 * certificate in its files (0600 in a 0700 dir), a Ready Node whose requests are system:node:<name>, a
 * serving certificate from the cluster CA, an agent API that refuses anonymous requests; a renewal replaces
 * the certificate and the agent keeps working; a restart reuses the files; a token bound to another node
 * gets nothing.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as https from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TLSSocket } from 'node:tls';
import { runAPIServer, type RunningAPIServer } from '../../apiserver/main.ts';
import { CertificateAuthority } from '../../controller/certificates/authority/certificate-authority.ts';
import { NODE_BOUND_BOOTSTRAP_MESSAGE } from '../../controller/certificates/approver/csr-approving-controller.ts';
import { parseControllers, runControllerManager, type RunningControllerManager } from '../../controller/main.ts';
import type { CertificateSigningRequest } from '../../shared/api/certificates-v1.ts';
import type { Node } from '../../shared/api/core-v1.ts';
import { certificateSigningRequestsResource, Clientset } from '../../shared/client/clientset.ts';
import { RestClient } from '../../shared/client/rest-client.ts';
import { createCertificateRequest, parseCertificateRequest } from '../../shared/pki/certificate-request.ts';
import { generateEcPrivateKey } from '../../shared/pki/keys.ts';
import { createSelfSignedCertificate } from '../../shared/pki/self-signed.ts';
import { silentLogger } from '../../shared/util/log.ts';
import { runNodeAgent, type NodeAgentConfig, type RunningNodeAgent } from '../main.ts';
import { untilWith } from '../../test/integration/framework/until.ts';

const TOKEN = 'abcdef.0123456789abcdef';

const waitFor = untilWith({ timeoutMs: 60_000, everyMs: 200 });

function agentGet(port: number, path: string, tls: https.RequestOptions): Promise<{ code: number; body: string; peer: X509Certificate | undefined }> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port, path, method: 'GET', agent: false, ...tls }, (res) => {
      const raw = (res.socket as TLSSocket).getPeerCertificate()?.raw;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ code: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), peer: raw ? new X509Certificate(raw) : undefined }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('node TLS bootstrap', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubelab-tlsboot-'));
  const file = (name: string, data: string) => {
    const p = join(dir, name);
    writeFileSync(p, data, { mode: 0o600 });
    return p;
  };
  let ca: CertificateAuthority;
  let caFile: string;
  let server: RunningAPIServer;
  let admin: Clientset;
  let adminRest: RestClient;
  let cm: RunningControllerManager;
  let agent: RunningNodeAgent | undefined;
  let apiKubeletClient: { cert: string; key: string };
  const rootDir = join(dir, 'n1');
  const kubeconfig = join(rootDir, 'kubeconfig');
  const certDir = join(rootDir, 'pki');
  let bootstrapKubeconfig: string;

  const issue = async (cn: string, o: string[], usage: 'client auth' | 'server auth', ips: string[] = []) => {
    const key = generateEcPrivateKey().pem;
    const req = parseCertificateRequest(await createCertificateRequest({ commonName: cn, organizations: o }, key, { ipAddresses: ips }));
    return { cert: await ca.sign(req, { ttlMs: 24 * 3600_000, usages: ['digital signature', usage] }), key };
  };
  const csrs = () => admin.resource<CertificateSigningRequest>(certificateSigningRequestsResource);
  const agentConfig = (nodeName: string, root: string, extra: Partial<NodeAgentConfig> = {}): NodeAgentConfig => ({
    nodeName,
    runtime: 'sim',
    rootDir: root,
    bootstrapKubeconfig,
    kubeconfig: join(root, 'kubeconfig'),
    clientCAFile: caFile,
    nodeIP: '127.0.0.1',
    address: '127.0.0.1',
    port: 0,
    podCIDR: '10.244.1.0/24',
    certificateWait: { initialDelayMs: 100, maxDelayMs: 500, timeoutMs: 60_000 },
    log: silentLogger(),
    ...extra,
  });

  before(async () => {
    const caPair = await createSelfSignedCertificate({ commonName: 'kubelab-ca', isCA: true });
    caFile = file('ca.crt', caPair.certPem);
    const caKeyFile = file('ca.key', caPair.keyPem);
    ca = await CertificateAuthority.fromPem(caPair.certPem, caPair.keyPem);
    const serving = await issue('kube-apiserver', [], 'server auth', ['127.0.0.1']);
    const adminPair = await issue('kubernetes-admin', ['system:masters'], 'client auth');
    apiKubeletClient = await issue('kube-apiserver-kubelet-client', [], 'client auth');
    server = await runAPIServer({
      host: '127.0.0.1',
      port: 0,
      dataDir: join(dir, 'data'),
      tlsCertFile: file('apiserver.crt', serving.cert),
      tlsKeyFile: file('apiserver.key', serving.key),
      clientCAFile: caFile,
      enableBootstrapTokenAuth: true,
      anonymousAuth: false,
      kubeletClientCertificate: file('kubelet-client.crt', apiKubeletClient.cert),
      kubeletClientKey: file('kubelet-client.key', apiKubeletClient.key),
      kubeletCertificateAuthority: caFile,
      logLevel: 'warn',
    });
    adminRest = new RestClient({ server: server.url, ca: caPair.certPem, clientCert: adminPair.cert, clientKey: adminPair.key });
    admin = new Clientset(adminRest);
    // The bootstrap token, bound to node n1 (kubelab's node-bound group).
    await admin.resource({ group: '', version: 'v1', resource: 'secrets', kind: 'Secret', namespaced: true }).create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'bootstrap-token-abcdef', namespace: 'kube-system' },
      type: 'bootstrap.kubernetes.io/token',
      stringData: {
        'token-id': 'abcdef',
        'token-secret': '0123456789abcdef',
        'usage-bootstrap-authentication': 'true',
        'auth-extra-groups': 'system:bootstrappers:kubelab:node:n1',
      },
    } as never);
    // What kubeadm binds for TLS bootstrapping, for servers with RBAC (refused harmlessly without it).
    const bindings = admin.resource({ group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterrolebindings', kind: 'ClusterRoleBinding', namespaced: false });
    const bind = (name: string, role: string, subject: { kind: string; name: string }) =>
      bindings
        .create({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role }, subjects: [{ apiGroup: 'rbac.authorization.k8s.io', ...subject }] } as never)
        .catch(() => undefined);
    await bind('kubelab:node-bootstrapper', 'system:node-bootstrapper', { kind: 'Group', name: 'system:bootstrappers' });
    await bind('kubelab:node-autoapprove-certificate-rotation', 'system:certificates.k8s.io:certificatesigningrequests:selfnodeclient', { kind: 'Group', name: 'system:nodes' });
    await bind('kubelab:apiserver-kubelet-client', 'system:kubelet-api-admin', { kind: 'User', name: 'kube-apiserver-kubelet-client' });
    cm = await runControllerManager({
      clientset: admin,
      controllers: parseControllers('csrapproving,csrsigning'),
      clusterSigningCertFile: caFile,
      clusterSigningKeyFile: caKeyFile,
      log: silentLogger(),
    });
    bootstrapKubeconfig = file(
      'bootstrap-kubeconfig',
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        `- name: kubelab`,
        `  cluster: {server: "${server.url}", certificate-authority: ${caFile}}`,
        'users:',
        `- name: bootstrap`,
        `  user: {token: ${TOKEN}}`,
        'contexts:',
        '- name: bootstrap',
        '  context: {cluster: kubelab, user: bootstrap}',
        'current-context: bootstrap',
        '',
      ].join('\n'),
    );
  });

  after(async () => {
    await agent?.close();
    await cm?.stop();
    adminRest?.close();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('joins with a bootstrap token: client certificate in its files, Ready Node, requests as system:node:n1', async () => {
    agent = await runNodeAgent(agentConfig('n1', rootDir));
    const pem = join(certDir, 'kubelet-client-current.pem');
    assert.equal(statSync(pem).mode & 0o777, 0o600);
    assert.equal(statSync(certDir).mode & 0o777, 0o700);
    assert.equal(statSync(kubeconfig).mode & 0o777, 0o600);
    assert.match(readFileSync(kubeconfig, 'utf8'), new RegExp(`client-certificate: ${pem}`));
    assert.doesNotMatch(readFileSync(kubeconfig, 'utf8'), /token/, 'the bootstrap token is not carried over');
    const cert = new X509Certificate(readFileSync(pem));
    assert.equal(cert.subject, 'O=system:nodes\nCN=system:node:n1');
    assert.ok(cert.verify(new X509Certificate(readFileSync(caFile)).publicKey));
    assert.match(readFileSync(pem, 'utf8'), /PRIVATE KEY/);

    const list = (await csrs().list('')).items.filter((c) => c.spec.signerName === 'kubernetes.io/kube-apiserver-client-kubelet');
    assert.equal(list.length, 1);
    const csr = list[0] as CertificateSigningRequest;
    assert.match(csr.metadata.name ?? '', /^node-csr-/);
    assert.equal(csr.spec.username, 'system:bootstrap:abcdef');
    assert.deepEqual(csr.status?.conditions?.map((c) => [c.type, c.reason, c.message]), [['Approved', 'AutoApproved', NODE_BOUND_BOOTSTRAP_MESSAGE]]);

    const whoami = (await agent.clientset.client.resource({ group: 'authentication.k8s.io', version: 'v1', resource: 'selfsubjectreviews', kind: 'SelfSubjectReview', namespaced: false }).create({
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'SelfSubjectReview',
      metadata: {},
    } as never)) as unknown as { status: { userInfo: { username: string; groups: string[] } } };
    assert.equal(whoami.status.userInfo.username, 'system:node:n1');
    assert.ok(whoami.status.userInfo.groups.includes('system:nodes'));

    await waitFor('node n1 Ready', async () => {
      const n = (await admin.nodes.get('', 'n1')) as Node;
      return n.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True' ? n : undefined;
    });
  });

  test('the agent API: a serving certificate from the cluster CA for its address; anonymous is 401', async () => {
    assert.ok(agent);
    await agent.servingCertificateReady;
    const port = agent.agent.port;
    const served = await agentGet(port, '/healthz', { ca: readFileSync(caFile) });
    assert.equal(served.code, 200, 'verified against the cluster CA and its IP SAN');
    assert.equal(served.peer?.subject, 'O=system:nodes\nCN=system:node:n1');
    assert.equal(served.peer?.subjectAltName, 'DNS:n1, IP Address:127.0.0.1');
    const servingFile = join(certDir, 'kubelet-server-current.pem');
    assert.equal(statSync(servingFile).mode & 0o777, 0o600);
    const serving = (await csrs().list('')).items.find((c) => c.spec.signerName === 'kubernetes.io/kubelet-serving');
    assert.equal(serving?.spec.username, 'system:node:n1');

    assert.deepEqual(await agentGet(port, '/pods', { ca: readFileSync(caFile) }).then((r) => [r.code, r.body]), [401, 'Unauthorized']);
    assert.deepEqual(await agentGet(port, '/containerLogs/default/x/y', { ca: readFileSync(caFile) }).then((r) => [r.code, r.body]), [401, 'Unauthorized']);
    const withToken = await agentGet(port, '/pods', { ca: readFileSync(caFile), headers: { authorization: 'Bearer not-a-token' } });
    assert.equal(withToken.code, 401);
    // The API server's kubelet client certificate authenticates, and RBAC (system:kubelet-api-admin) authorizes it.
    const asApiServer = await agentGet(port, '/pods', { ca: readFileSync(caFile), cert: apiKubeletClient.cert, key: apiKubeletClient.key });
    assert.equal(asApiServer.code, 200, asApiServer.body);
    assert.equal(JSON.parse(asApiServer.body).kind, 'PodList');
    // Another identity of the cluster (the node itself, by its client certificate) is authenticated, then refused.
    const own = readFileSync(join(certDir, 'kubelet-client-current.pem'), 'utf8');
    const asNode = await agentGet(port, '/pods', { ca: readFileSync(caFile), cert: own, key: own });
    assert.deepEqual([asNode.code, asNode.body], [403, 'Forbidden (user=system:node:n1, verb=get, resource=nodes, subresource(s)=[pods proxy])']);
    // Through the API server: pods/log reaches the agent over TLS as kube-apiserver-kubelet-client (a simulated
    // node has no logs: its 501 comes back).
    await admin.resource({ group: '', version: 'v1', resource: 'serviceaccounts', kind: 'ServiceAccount', namespaced: true }).create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: 'default' } } as never).catch(() => undefined);
    await admin.pods.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default' }, spec: { nodeName: 'n1', automountServiceAccountToken: false, containers: [{ name: 'app', image: 'busybox' }] } } as never);
    const viaApi = await adminRest.requestRaw({ path: '/api/v1/namespaces/default/pods/web/log', accept: '*/*' });
    assert.equal(viaApi.statusCode, 501, viaApi.body);
  });

  test('rotation: a new CSR with the current identity, a new certificate, the agent keeps working', async () => {
    assert.ok(agent?.clientCertificates);
    const pem = join(certDir, 'kubelet-client-current.pem');
    const before = new X509Certificate(readFileSync(pem)).serialNumber;
    const rotating = agent.clientCertificates.rotate();
    // Renewals are approved through the selfnodeclient SubjectAccessReview where RBAC grants it; else an admin
    // approves them, as `kubectl certificate approve` does.
    const renewal = await waitFor('the renewal CSR', async () =>
      (await csrs().list('')).items.find((c) => c.spec.username === 'system:node:n1' && c.spec.signerName === 'kubernetes.io/kube-apiserver-client-kubelet'),
    );
    await new Promise((r) => setTimeout(r, 1000));
    const cur = await csrs().get('', renewal.metadata.name ?? '');
    if (!(cur.status?.conditions ?? []).some((c) => c.type === 'Approved')) {
      await adminRest.request({
        method: 'PUT',
        path: `/apis/certificates.k8s.io/v1/certificatesigningrequests/${cur.metadata.name}/approval`,
        body: { ...cur, status: { ...(cur.status ?? {}), conditions: [{ type: 'Approved', status: 'True', reason: 'KubectlApprove', message: 'approved by the test' }] } },
      });
    }
    await rotating;
    const after = new X509Certificate(readFileSync(pem));
    assert.notEqual(after.serialNumber, before);
    assert.equal(after.subject, 'O=system:nodes\nCN=system:node:n1');
    assert.equal(statSync(pem).mode & 0o777, 0o600);
    const node = (await agent.clientset.nodes.get('', 'n1')) as Node;
    assert.equal(node.metadata.name, 'n1', 'the agent client works with the new certificate');
  });

  test('a restart uses the certificate in its files: no new CSR', async () => {
    assert.ok(agent);
    const before = (await csrs().list('')).items.map((c) => c.metadata.name).sort();
    await agent.close();
    agent = await runNodeAgent(agentConfig('n1', rootDir));
    await agent.servingCertificateReady;
    assert.deepEqual((await csrs().list('')).items.map((c) => c.metadata.name).sort(), before, 'client and serving certificates on disk are reused');
  });

  test('a token bound to another node gets no certificate for this one', async () => {
    const root = join(dir, 'n2');
    await assert.rejects(
      runNodeAgent(agentConfig('n2', root, { certificateWait: { initialDelayMs: 100, maxDelayMs: 300, timeoutMs: 3000 } })),
      /timed out waiting for certificate signing request node-csr-\w+ to be approved/,
    );
    const n2 = (await csrs().list('')).items.find((c) => c.spec.username === 'system:bootstrap:abcdef' && parseCertificateRequest(Buffer.from(c.spec.request, 'base64').toString()).commonName === 'system:node:n2');
    assert.ok(n2, 'the CSR was made');
    assert.equal(n2.status?.conditions, undefined, 'left pending');
    assert.throws(() => statSync(join(root, 'pki', 'kubelet-client-current.pem')));
  });

  test('kubelab node joins the same way, with no credential on its command line', async () => {
    await admin.resource({ group: '', version: 'v1', resource: 'secrets', kind: 'Secret', namespaced: true }).create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'bootstrap-token-n3n3n3', namespace: 'kube-system' },
      type: 'bootstrap.kubernetes.io/token',
      stringData: { 'token-id': 'n3n3n3', 'token-secret': 'n3secretn3secret', 'usage-bootstrap-authentication': 'true', 'auth-extra-groups': 'system:bootstrappers:kubelab:node:n3' },
    } as never);
    const boot = file('bootstrap-n3', readFileSync(bootstrapKubeconfig, 'utf8').replace(TOKEN, 'n3n3n3.n3secretn3secret'));
    const root = join(dir, 'n3');
    const here = dirname(fileURLToPath(import.meta.url));
    const main = existsSync(join(here, '..', '..', 'cli', 'main.ts')) ? join(here, '..', '..', 'cli', 'main.ts') : join(here, '..', '..', 'cli', 'main.js');
    const args = [main, 'node', '--runtime', 'sim', '--name', 'n3', '--bootstrap-kubeconfig', boot, '--kubeconfig', join(root, 'kubeconfig'), '--client-ca-file', caFile,
      '--root-dir', root, '--node-ip', '127.0.0.3', '--address', '127.0.0.1', '--port', '0', '--pod-cidr', '10.244.3.0/24'];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await waitFor('the CLI agent registered', () => out.includes('Successfully registered node') || undefined, 60_000);
      const cmdline = readFileSync(`/proc/${child.pid}/cmdline`, 'utf8');
      assert.doesNotMatch(cmdline, /n3secretn3secret|BEGIN/, 'no token or key on the command line');
      assert.equal(statSync(join(root, 'pki', 'kubelet-client-current.pem')).mode & 0o777, 0o600);
      const n = (await admin.nodes.get('', 'n3')) as Node;
      assert.equal(n.metadata.name, 'n3');
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  });
});
