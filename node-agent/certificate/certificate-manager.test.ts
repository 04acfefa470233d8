import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CertificateSigningRequest } from '../../shared/api/certificates-v1.ts';
import { FakeClientset } from '../../shared/client/fake/clientset.ts';
import { parseCertificateRequest } from '../../shared/pki/certificate-request.ts';
import { createSelfSignedCertificate } from '../../shared/pki/self-signed.ts';
import { FakeClock } from '../../shared/util/clock.ts';
import { silentLogger } from '../../shared/util/log.ts';
import { CertificateAuthority } from '../../controller/certificates/authority/certificate-authority.ts';
import { CertificateManager, type KeyPair } from './certificate-manager.ts';
import { certificateSigningRequestsResource } from '../../shared/client/clientset.ts';
import { requestCertificate } from './request-certificate.ts';

const T0 = Date.UTC(2026, 0, 1);
const HOUR = 3600_000;

/**
 * A fake API whose CSRs are approved and signed (by a real CA, on the fake clock) as soon as they are read
 * back, unless `deny` says otherwise.
 */
async function fakeCluster(clock: FakeClock, ttlMs: number, deny?: (csr: CertificateSigningRequest) => string | undefined) {
  const caPair = await createSelfSignedCertificate({ commonName: 'ca', isCA: true, notBefore: new Date(T0 - HOUR), validityMs: 1000 * 24 * HOUR });
  const ca = await CertificateAuthority.fromPem(caPair.certPem, caPair.keyPem, clock);
  const cs = new FakeClientset({ clock, resources: [certificateSigningRequestsResource] });
  const created: CertificateSigningRequest[] = [];
  let n = 0;
  cs.prependReactor('create', 'certificatesigningrequests', (action) => {
    const csr = { ...(action.object as CertificateSigningRequest) };
    csr.metadata = { ...csr.metadata, name: `${csr.metadata.generateName ?? ''}${++n}` };
    created.push(csr);
    return { object: JSON.parse(JSON.stringify(csr)) };
  });
  cs.prependReactor('get', 'certificatesigningrequests', (action) => {
    const csr = created.find((c) => c.metadata.name === action.name);
    if (!csr) return undefined;
    const reason = deny?.(csr);
    if (reason) return { object: { ...csr, status: { conditions: [{ type: 'Denied', status: 'True', reason: 'NotMine', message: reason }] } } };
    return { object: JSON.parse(JSON.stringify(csr)) };
  });
  return { cs, ca, created, signAll: async () => {
    for (const csr of created) {
      if (csr.status?.certificate) continue;
      const req = parseCertificateRequest(Buffer.from(csr.spec.request, 'base64').toString());
      const pem = await ca.sign(req, { ttlMs, usages: csr.spec.usages ?? [] });
      csr.status = { conditions: [{ type: 'Approved', status: 'True' }], certificate: Buffer.from(pem).toString('base64') };
    }
  } };
}

/** Lets promise chains and fake timers run until `done` settles (bounded). */
async function drive(clock: FakeClock, signAll: () => Promise<void>, done: Promise<unknown>): Promise<void> {
  let settled = false;
  void done.then(() => (settled = true), () => (settled = true));
  // Bounded by real time, not by turns: key generation runs on the thread pool and takes longer on a loaded
  // machine. The fake clock moves only while something waits on it, so slow real work never looks like a timeout.
  const deadline = Date.now() + 30_000;
  while (!settled && Date.now() < deadline) {
    await signAll();
    await new Promise((r) => setTimeout(r, 1));
    if (clock.waiters > 0) clock.step(250);
  }
}

test('ensure requests, writes the pair 0600 in a 0700 dir; rotation at 70-90% of the lifetime on the fake clock', async () => {
  const clock = new FakeClock(T0);
  const dir = mkdtempSync(join(tmpdir(), 'kubelab-certmgr-'));
  try {
    const { cs, signAll, created } = await fakeCluster(clock, 10 * HOUR);
    const rotated: KeyPair[] = [];
    const m = new CertificateManager({
      name: 'kubelet-client',
      certDir: join(dir, 'pki'),
      signerName: 'kubernetes.io/kube-apiserver-client-kubelet',
      usages: ['digital signature', 'client auth'],
      subject: { commonName: 'system:node:n1', organizations: ['system:nodes'] },
      generateName: 'node-csr-',
      client: () => cs.client,
      onRotate: (p) => rotated.push(p),
      wait: { initialDelayMs: 100, maxDelayMs: 200, timeoutMs: 60_000 },
      clock,
      log: silentLogger(),
      random: () => 0.5,
    });
    const first = m.ensure();
    await drive(clock, signAll, first);
    const pair = await first;
    assert.equal(created.length, 1);
    assert.equal(created[0]?.metadata.name, 'node-csr-1');
    assert.deepEqual(created[0]?.spec.usages, ['digital signature', 'client auth']);
    assert.equal(statSync(m.path).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, 'pki')).mode & 0o777, 0o700);
    const lifetime = pair.notAfter - pair.notBefore;
    const near = (actual: number, fraction: number, what: string) => assert.ok(Math.abs(actual - (pair.notBefore + lifetime * fraction)) <= 1, `${what}: ${actual}`);
    near(m.rotationDeadline(pair), 0.8, 'random 0.5 -> 80%');
    const at = (r: number) => new CertificateManager({ name: 'x', certDir: dir, signerName: '', usages: [], subject: { commonName: 'x' }, client: () => cs.client, random: () => r }).rotationDeadline(pair);
    near(at(0), 0.7, 'earliest 70%');
    near(at(1), 0.9, 'latest 90% (random() < 1)');

    m.start();
    clock.step(m.rotationDeadline(pair) - clock.now() - 1000);
    await new Promise((r) => setImmediate(r));
    assert.equal(created.length, 1, 'not before the deadline');
    clock.step(1000);
    await drive(clock, signAll, (async () => {
      const end = Date.now() + 30_000;
      while (rotated.length === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 1));
    })());
    assert.equal(created.length, 2, 'a new CSR at the deadline');
    assert.equal(rotated.length, 1);
    const onDisk = new X509Certificate(readFileSync(m.path));
    assert.equal(onDisk.serialNumber, new X509Certificate(rotated[0]?.certPem ?? '').serialNumber);
    assert.notEqual(onDisk.serialNumber, new X509Certificate(pair.certPem).serialNumber);
    assert.equal(statSync(m.path).mode & 0o777, 0o600);
    m.stop();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a denied request ends the wait with kube\'s message', async () => {
  const clock = new FakeClock(T0);
  const { cs } = await fakeCluster(clock, HOUR, () => 'not yours');
  const p = requestCertificate(cs.client, { request: 'x', signerName: 's', usages: [], generateName: 'csr-' }, { clock, log: silentLogger(), initialDelayMs: 10 });
  p.catch(() => undefined);
  for (let i = 0; i < 20; i++) {
    await new Promise((r) => setImmediate(r));
    clock.step(50);
  }
  await assert.rejects(p, { message: 'certificate signing request is denied, reason: NotMine, message: not yours' });
});
