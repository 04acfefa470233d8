import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromFlags, inClusterConfig, loadKubeconfig, parseKubeconfig } from './kubeconfig.ts';

import { CA_CERT } from './testdata/tls.ts';

const caPem = Buffer.from(CA_CERT);

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'kubelab-kubeconfig-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const config = (extra = '') => `
apiVersion: v1
kind: Config
current-context: dev
clusters:
- name: local
  cluster:
    server: https://127.0.0.1:6443
    certificate-authority-data: ${caPem.toString('base64')}
    tls-server-name: kubelab
- name: other
  cluster:
    server: https://10.0.0.1:6443
    insecure-skip-tls-verify: true
users:
- name: admin
  user:
    token: tok-123
- name: certs
  user:
    client-certificate: certs/client.crt
    client-key-data: ${Buffer.from('KEY').toString('base64')}
contexts:
- name: dev
  context:
    cluster: local
    user: admin
    namespace: team-a
- name: ops
  context:
    cluster: other
    user: certs
${extra}`;

test('the current context resolves to server, CA, token and namespace', () => {
  const c = parseKubeconfig(config());
  assert.equal(c.context, 'dev');
  assert.equal(c.namespace, 'team-a');
  assert.equal(c.options.server, 'https://127.0.0.1:6443');
  assert.equal(c.options.token, 'tok-123');
  assert.equal(c.options.tlsServerName, 'kubelab');
  assert.deepEqual(c.options.ca, caPem);
  assert.equal(c.options.insecureSkipTLSVerify, undefined);
});

test('another context; relative file paths are relative to the kubeconfig', (t) => {
  const dir = tempDir(t);
  mkdirSync(join(dir, 'certs'));
  writeFileSync(join(dir, 'certs', 'client.crt'), 'CERT');
  writeFileSync(join(dir, 'config'), config());
  const c = loadKubeconfig({ path: join(dir, 'config'), context: 'ops' });
  assert.equal(c.options.server, 'https://10.0.0.1:6443');
  assert.equal(c.options.insecureSkipTLSVerify, true);
  assert.equal(c.options.clientCert?.toString(), 'CERT');
  assert.equal(c.options.clientKey?.toString(), 'KEY');
  assert.equal(c.namespace, 'default');
});

test('KUBECONFIG lists merge with the first definition winning', (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'a'), `
current-context: mine
clusters:
- name: local
  cluster: { server: "https://first:6443" }
contexts:
- name: mine
  context: { cluster: local, user: u }
users:
- name: u
  user: { token: first }
`);
  writeFileSync(join(dir, 'b'), config());
  const c = loadKubeconfig({ env: { KUBECONFIG: `${join(dir, 'a')}:${join(dir, 'missing')}:${join(dir, 'b')}` } });
  assert.equal(c.context, 'mine');
  assert.equal(c.options.server, 'https://first:6443');
  assert.equal(c.options.token, 'first');
  const dev = loadKubeconfig({ env: { KUBECONFIG: `${join(dir, 'a')}:${join(dir, 'b')}` }, context: 'dev' });
  assert.equal(dev.options.server, 'https://first:6443', 'cluster "local" comes from the first file');
  assert.equal(dev.options.token, 'tok-123');
});

test('errors name what is missing', (t) => {
  assert.throws(() => parseKubeconfig(config(), { context: 'nope' }), /context "nope" does not exist/);
  assert.throws(() => parseKubeconfig('clusters: []\n'), /no context is selected/);
  assert.throws(() => parseKubeconfig(`${config()}\n`.replace('user: admin', 'user: ghost')), /user "ghost" of context "dev" does not exist/);
  assert.throws(() => parseKubeconfig(config().replace('token: tok-123', 'exec: { command: aws }')), /exec credentials/);
  assert.throws(() => parseKubeconfig('a: [unclosed'), /not valid YAML/);
  const dir = tempDir(t);
  assert.throws(() => loadKubeconfig({ path: join(dir, 'none') }), /does not exist/);
});

test('fromFlags reads the CA file', (t) => {
  const caPath = join(tempDir(t), 'ca.crt');
  writeFileSync(caPath, caPem);
  const o = fromFlags({ server: 'https://127.0.0.1:6443', token: 't', caCert: caPath, insecure: false });
  assert.deepEqual(o, { server: 'https://127.0.0.1:6443', token: 't', ca: caPem });
  assert.deepEqual(fromFlags({ server: 'http://localhost:8080', insecure: true }), { server: 'http://localhost:8080', insecureSkipTLSVerify: true });
  assert.throws(() => fromFlags({ server: '' }), /--server is empty/);
});

test('inClusterConfig uses the service env and the mounted service account', (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'token'), 'sa-token');
  writeFileSync(join(dir, 'ca.crt'), caPem);
  writeFileSync(join(dir, 'namespace'), 'kube-system\n');
  const c = inClusterConfig({ env: { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' }, dir });
  assert.equal(c.options.server, 'https://10.96.0.1:443');
  assert.equal(c.options.tokenFile, join(dir, 'token'));
  assert.deepEqual(c.options.ca, caPem);
  assert.equal(c.namespace, 'kube-system');
  assert.throws(() => inClusterConfig({ env: {}, dir }), /KUBERNETES_SERVICE_HOST/);
});
