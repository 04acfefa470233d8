/**
 * Secrets, ConfigMaps, ServiceAccounts and CertificateSigningRequests with the real kubectl: `kubectl create
 * secret|configmap|serviceaccount` (protobuf bodies), `kubectl get` tables as kube prints them, `kubectl
 * certificate approve|deny` (the approval subresource), kube's validation messages.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertTable, parseTable, startKubectlEnv, type KubectlEnv } from '../framework/kubectl.ts';

let env: KubectlEnv;
let keyDir: string;

before(async () => {
  env = await startKubectlEnv();
  keyDir = mkdtempSync(join(tmpdir(), 'kubelab-csr-'));
});
after(async () => {
  await env?.close();
  if (keyDir) rmSync(keyDir, { recursive: true, force: true });
});

/** A PEM CSR made by openssl (EC P-256 key), with the given subject. */
function makeCsr(name: string, subject: string): string {
  const key = join(keyDir, `${name}.key`);
  const csr = join(keyDir, `${name}.csr`);
  execFileSync('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', csr, '-subj', subject], { stdio: 'pipe' });
  return readFileSync(csr, 'utf8');
}

describe('secrets', () => {
  let ns: string;
  before(async () => {
    ns = await env.namespace('sec');
  });

  it('kubectl create secret generic stores base64 data, merges nothing else, prints NAME TYPE DATA AGE', async () => {
    await env.kubectl.ns(ns).ok(['create', 'secret', 'generic', 's', '--from-literal=a=b', '--from-literal=c=dd']);
    const s = await env.api.get(`/api/v1/namespaces/${ns}/secrets/s`);
    assert.equal(s.type, 'Opaque');
    assert.deepEqual(s.data, { a: Buffer.from('b').toString('base64'), c: Buffer.from('dd').toString('base64') });
    assert.equal(s.stringData, undefined);
    const tls = await env.kubectl.ns(ns).run(['create', 'secret', 'tls', 't', `--cert=${writeCert()}`, `--key=${join(keyDir, 'tls.key')}`]);
    assert.equal(tls.code, 0, tls.stderr);
    assert.doesNotMatch(tls.stderr, /Warning/, 'a matching certificate and key draw no warning');
    assertTable(
      await env.kubectl.ns(ns).ok(['get', 'secrets']),
      `NAME   TYPE                DATA   AGE
       s      Opaque              2      <age>
       t      kubernetes.io/tls   2      <age>`,
    );
    // Field selector on type.
    assert.deepEqual(parseTable(await env.kubectl.ns(ns).ok(['get', 'secrets', '--field-selector=type=kubernetes.io/tls'])).rows.map((r) => r[0]), ['t']);
  });

  it('stringData is merged into data and never returned; immutable secrets refuse data changes', async () => {
    const created = await env.api.post(`/api/v1/namespaces/${ns}/secrets`, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'imm' },
      data: { x: Buffer.from('old').toString('base64') },
      stringData: { x: 'new', y: 'why' },
      immutable: true,
    });
    assert.deepEqual(created.data, { x: Buffer.from('new').toString('base64'), y: Buffer.from('why').toString('base64') });
    assert.equal(created.stringData, undefined);
    const r = await env.kubectl.ns(ns).fail(['patch', 'secret', 'imm', '-p', '{"stringData":{"x":"changed"}}']);
    assert.match(r.stderr, /Secret "imm" is invalid: data: Forbidden: field is immutable when `immutable` is set/);
  });

  it('refuses bad keys, missing typed keys and bad base64 with kube messages', async () => {
    makeCsr('a', '/CN=other-key');
    const bad = await env.api.request('POST', `/api/v1/namespaces/${ns}/secrets`, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'bad' }, stringData: { 'a b': 'x' } });
    assert.equal(bad.status, 422);
    assert.match(bad.json.message, /data\[a b\]: Invalid value: "a b": a valid config key must consist of alphanumeric characters, '-', '_' or '\.'/);
    const tls = await env.api.request('POST', `/api/v1/namespaces/${ns}/secrets`, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'tls' }, type: 'kubernetes.io/tls', stringData: { 'tls.crt': 'x' } });
    assert.equal(tls.status, 422);
    assert.equal(tls.json.message, 'Secret "tls" is invalid: data[tls.key]: Required value');
    // A TLS Secret whose key is not the certificate's is stored, with tls.X509KeyPair's warning (kubectl
    // create secret tls checks the pair itself, so the manifest goes through kubectl apply).
    env.write(
      'mismatch.yaml',
      `apiVersion: v1\nkind: Secret\nmetadata:\n  name: mismatch\n  namespace: ${ns}\ntype: kubernetes.io/tls\ndata:\n  tls.crt: ${readFileSync(writeCert()).toString('base64')}\n  tls.key: ${readFileSync(join(keyDir, 'a.key')).toString('base64')}\n`,
    );
    const mismatched = await env.kubectl.run(['apply', '-f', 'mismatch.yaml']);
    assert.equal(mismatched.code, 0, mismatched.stderr);
    assert.match(mismatched.stderr, /Warning: tls: private key does not match public key/);
    const b64 = await env.api.request('POST', `/api/v1/namespaces/${ns}/secrets`, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'b64' }, data: { a: 'no!' } });
    assert.equal(b64.status, 400);
    assert.match(b64.json.message, /^Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte/);
  });
});

/** A self-signed certificate for `kubectl create secret tls` (key in keyDir/tls.key). */
function writeCert(): string {
  const cert = join(keyDir, 'tls.crt');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(keyDir, 'tls.key'), '-out', cert, '-subj', '/CN=t', '-days', '1'], { stdio: 'pipe' });
  return cert;
}

describe('kubectl apply, describe and explain', () => {
  it('applies a Secret and a ConfigMap twice, describes them, explains their fields', async () => {
    const ns = await env.namespace('apply');
    const manifest = (v: string) => `apiVersion: v1
kind: Secret
metadata:
  name: app
  namespace: ${ns}
stringData:
  password: ${v}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: app
  namespace: ${ns}
data:
  mode: ${v}
`;
    env.write('app.yaml', manifest('one'));
    await env.kubectl.ok(['apply', '-f', 'app.yaml']);
    env.write('app.yaml', manifest('three'));
    const out = await env.kubectl.ok(['apply', '-f', 'app.yaml']);
    assert.match(out, /secret\/app configured/);
    assert.match(out, /configmap\/app configured/);
    const s = await env.api.get(`/api/v1/namespaces/${ns}/secrets/app`);
    assert.equal(Buffer.from(s.data.password, 'base64').toString(), 'three');
    const described = await env.kubectl.ns(ns).ok(['describe', 'secret', 'app']);
    assert.match(described, /Type:\s+Opaque/);
    assert.match(described, /password:\s+5 bytes/);
    assert.match(await env.kubectl.ns(ns).ok(['describe', 'configmap', 'app']), /mode:\n----\nthree/);
    assert.match(await env.kubectl.ok(['explain', 'secret.stringData']), /write-only/);
    assert.match(await env.kubectl.ok(['explain', 'csr.spec.signerName']), /signerName/);
  });
});

describe('configmaps and serviceaccounts', () => {
  let ns: string;
  before(async () => {
    ns = await env.namespace('cm');
  });

  it('kubectl create configmap and kubectl get cm', async () => {
    await env.kubectl.ns(ns).ok(['create', 'configmap', 'c', '--from-literal=k1=v1', '--from-literal=k2=v2']);
    const cm = await env.api.get(`/api/v1/namespaces/${ns}/configmaps/c`);
    assert.deepEqual(cm.data, { k1: 'v1', k2: 'v2' });
    const out = await env.kubectl.ns(ns).ok(['get', 'cm']);
    const rows = parseTable(out).rows.filter((r) => r[0] === 'c');
    assert.deepEqual(parseTable(out).header, ['NAME', 'DATA', 'AGE']);
    assert.deepEqual(rows.map((r) => r.slice(0, 2)), [['c', '2']]);
    const dup = await env.api.request('POST', `/api/v1/namespaces/${ns}/configmaps`, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'dup' },
      data: { k: 'v' },
      binaryData: { k: Buffer.from('v').toString('base64') },
    });
    assert.equal(dup.status, 422);
    assert.equal(dup.json.message, 'ConfigMap "dup" is invalid: data[k]: Invalid value: "k": duplicate of key present in binaryData');
  });

  it('kubectl create serviceaccount and kubectl get sa', async () => {
    await env.kubectl.ns(ns).ok(['create', 'serviceaccount', 'robot']);
    const sa = await env.api.get(`/api/v1/namespaces/${ns}/serviceaccounts/robot`);
    assert.equal(sa.kind, 'ServiceAccount');
    const out = await env.kubectl.ns(ns).ok(['get', 'sa', 'robot']);
    assertTable(
      out,
      `NAME    SECRETS   AGE
       robot   0         <age>`,
    );
  });

  it('are deleted with their namespace', async () => {
    const gone = await env.namespace('gone');
    await env.kubectl.ns(gone).ok(['create', 'secret', 'generic', 's', '--from-literal=a=b']);
    await env.kubectl.ns(gone).ok(['create', 'configmap', 'c', '--from-literal=a=b']);
    await env.kubectl.ns(gone).ok(['create', 'sa', 'x']);
    await env.kubectl.ok(['delete', 'namespace', gone, '--wait=true', '--timeout=30s']);
    for (const r of ['secrets', 'configmaps', 'serviceaccounts']) {
      const list = await env.api.get(`/api/v1/namespaces/${gone}/${r}`);
      assert.deepEqual(list.items, [], r);
    }
  });
});

describe('certificatesigningrequests', () => {
  const csrYaml = (name: string, pem: string, extra = '') => `apiVersion: certificates.k8s.io/v1
kind: CertificateSigningRequest
metadata:
  name: ${name}
spec:
  request: ${Buffer.from(pem).toString('base64')}
  signerName: example.com/signer
  expirationSeconds: 86400
  usages: ["digital signature", "client auth"]
  username: someone-else
  groups: ["system:masters"]
${extra}`;

  it('records the requester, prints the CSR table, and kubectl certificate approve/deny set the conditions', async () => {
    env.write('csr-a.yaml', csrYaml('csr-a', makeCsr('a', '/CN=alice/O=dev')));
    env.write('csr-d.yaml', csrYaml('csr-d', makeCsr('d', '/CN=dave')));
    await env.kubectl.ok(['create', '-f', 'csr-a.yaml']);
    await env.kubectl.ok(['create', '-f', 'csr-d.yaml']);
    const a = await env.api.get('/apis/certificates.k8s.io/v1/certificatesigningrequests/csr-a');
    // The loopback dev server's user, not what the body claimed.
    assert.equal(a.spec.username, 'system:admin');
    assert.deepEqual(a.spec.groups, ['system:masters', 'system:authenticated']);
    assert.deepEqual(a.status, {});
    assertTable(
      await env.kubectl.ok(['get', 'csr']),
      `NAME    AGE     SIGNERNAME           REQUESTOR      REQUESTEDDURATION   CONDITION
       csr-a   <age>   example.com/signer   system:admin   24h                 Pending
       csr-d   <age>   example.com/signer   system:admin   24h                 Pending`,
    );
    await env.kubectl.ok(['certificate', 'approve', 'csr-a']);
    await env.kubectl.ok(['certificate', 'deny', 'csr-d']);
    const approved = await env.api.get('/apis/certificates.k8s.io/v1/certificatesigningrequests/csr-a');
    assert.deepEqual(
      approved.status.conditions.map((c: { type: string; status: string; reason: string }) => [c.type, c.status, c.reason]),
      [['Approved', 'True', 'KubectlApprove']],
    );
    assert.ok(approved.status.conditions[0].lastUpdateTime);
    assert.ok(approved.status.conditions[0].lastTransitionTime);
    assert.deepEqual(parseTable(await env.kubectl.ok(['get', 'csr', '--field-selector=spec.signerName=example.com/signer'])).rows.map((r) => r[0]), ['csr-a', 'csr-d']);
    assert.match((await env.kubectl.ok(['get', 'csr', '--field-selector=spec.signerName=example.com/other'])), /^$/);
    assert.match((await env.kubectl.fail(['get', 'csr', '--field-selector=spec.username=x'])).stderr, /field label not supported: spec\.username/);
    const out = parseTable(await env.kubectl.ok(['get', 'csr']));
    assert.deepEqual(out.rows.map((r) => [r[0], r[5]]), [['csr-a', 'Approved'], ['csr-d', 'Denied']]);
    // kubectl refuses to deny an approved request itself; the server does too: Approved and Denied are exclusive.
    assert.match((await env.kubectl.fail(['certificate', 'deny', 'csr-a'])).stderr, /is already Approved/);
    approved.status.conditions.push({ type: 'Denied', status: 'True', reason: 'Nope' });
    const both = await env.api.request('PUT', '/apis/certificates.k8s.io/v1/certificatesigningrequests/csr-a/approval', approved);
    assert.equal(both.status, 422);
    assert.equal(
      both.json.message,
      'CertificateSigningRequest.certificates.k8s.io "csr-a" is invalid: status.conditions[1].type: Invalid value: "Denied": Approved and Denied conditions are mutually exclusive',
    );
    // The main resource ignores status; spec cannot change.
    const put = await env.api.must('PUT', '/apis/certificates.k8s.io/v1/certificatesigningrequests/csr-a', { ...approved, spec: { ...approved.spec, signerName: 'example.com/other' }, status: {} });
    assert.equal(put.spec.signerName, 'example.com/signer');
    assert.equal(put.status.conditions.length, 1);
  });

  it('refuses an invalid request with kube messages', async () => {
    env.write('csr-bad.yaml', csrYaml('csr-bad', '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n').replace('expirationSeconds: 86400', 'expirationSeconds: 60'));
    const r = await env.kubectl.fail(['create', '-f', 'csr-bad.yaml']);
    assert.match(r.stderr, /spec\.request: Invalid value: \[\]byte\{0x2d, 0x2d.*: PEM block type must be CERTIFICATE REQUEST/);
    assert.match(r.stderr, /spec\.expirationSeconds: Invalid value: 60: may not specify a duration less than 600 seconds \(10 minutes\)/);
  });
});
