import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, generateKeyPairSync } from 'node:crypto';
import type { CertificateSigningRequest, KeyUsage } from '../../../shared/api/certificates-v1.ts';
import { createSelfSignedCertificate } from '../../../shared/pki/self-signed.ts';
import { x509 } from '../../../shared/pki/x509.ts';
import { silentLogger } from '../../../shared/util/log.ts';
import { T0 } from '../../framework/testing.ts';
import { CertificateAuthority } from '../authority/certificate-authority.ts';
import { newCertFixture, newCSR, type CSRFixtureOptions } from '../testing.ts';
import { CSRSigningController, signingDuration } from './csr-signing-controller.ts';

const HOUR = 3600_000;

/** A CA whose key is PEM as openssl writes it: SEC1 "EC PRIVATE KEY", or PKCS#1 "RSA PRIVATE KEY". */
async function newCA(type: 'ec' | 'rsa' = 'ec', validityMs = 10 * 365 * 24 * HOUR): Promise<{ certPem: string; keyPem: string }> {
  const keyPem =
    type === 'ec'
      ? generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'sec1', format: 'pem' }).toString()
      : generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  return createSelfSignedCertificate({ commonName: 'kubelab-ca', isCA: true, keyPem, notBefore: new Date(T0 - HOUR), validityMs });
}

function approved(csr: CertificateSigningRequest): CertificateSigningRequest {
  return { ...csr, status: { conditions: [{ type: 'Approved', status: 'True', reason: 'AutoApproved', message: 'ok' }] } };
}

async function sign(csrs: CertificateSigningRequest[], ca: { certPem: string; keyPem: string }, durationMs?: number) {
  const f = newCertFixture(csrs);
  const authority = await CertificateAuthority.fromPem(ca.certPem, ca.keyPem, f.clock);
  const c = new CSRSigningController({
    clientset: f.clientset,
    informerFactory: f.informerFactory,
    authority,
    csrClient: f.csrClient,
    clock: f.clock,
    log: silentLogger(),
    ...(durationMs ? { durationMs } : {}),
  });
  const signal = await f.start();
  for (const csr of csrs) await c.reconcile(csr.metadata.name ?? '', signal);
  const out = await Promise.all(csrs.map((csr) => f.get(csr.metadata.name ?? '')));
  await f.stop();
  return { writes: f.writes, csrs: out };
}

function certOf(csr: CertificateSigningRequest | undefined): X509Certificate {
  assert.ok(csr?.status?.certificate, `no certificate on ${csr?.metadata.name}`);
  return new X509Certificate(Buffer.from(csr.status.certificate, 'base64'));
}

const kubeletClient = (name: string, extra: Partial<CSRFixtureOptions> = {}) =>
  newCSR(name, {
    subject: { commonName: 'system:node:n1', organizations: ['system:nodes'] },
    signerName: 'kubernetes.io/kube-apiserver-client-kubelet',
    usages: ['digital signature', 'client auth'],
    username: 'system:node:n1',
    groups: ['system:nodes'],
    ...extra,
  });

test('signs an approved kubelet client CSR: subject, issuer, key, usages, chain to the CA', async () => {
  const ca = await newCA();
  const csr = approved(await kubeletClient('client'));
  const r = await sign([csr], ca);
  assert.deepEqual(r.writes, ['status client']);
  const cert = certOf(r.csrs[0]);
  assert.equal(cert.subject, 'O=system:nodes\nCN=system:node:n1');
  assert.equal(cert.issuer, 'CN=kubelab-ca');
  assert.ok(cert.verify(new X509Certificate(ca.certPem).publicKey), 'signed by the CA');
  assert.equal(cert.ca, false);
  assert.deepEqual(cert.keyUsage, ['1.3.6.1.5.5.7.3.2'], 'EKU client auth only');
  const parsed = new x509.X509Certificate(cert.raw);
  assert.equal(parsed.getExtension(x509.KeyUsagesExtension)?.usages, x509.KeyUsageFlags.digitalSignature);
  assert.equal(parsed.getExtension(x509.BasicConstraintsExtension)?.ca, false);
  assert.equal(cert.subjectAltName, undefined);
  // The public key is the requester's, not a new one.
  const req = new x509.Pkcs10CertificateRequest(Buffer.from(Buffer.from(csr.spec.request, 'base64').toString().replace(/-----[A-Z ]+-----|\s/g, ''), 'base64'));
  assert.equal(Buffer.from(parsed.publicKey.rawData).toString('hex'), Buffer.from(req.publicKey.rawData).toString('hex'));
});

test('duration: default --cluster-signing-duration, expirationSeconds honoured within [10 min, max], 5 min backdate', async () => {
  const ca = await newCA();
  const plain = approved(await kubeletClient('plain'));
  const oneHour = approved(await kubeletClient('one-hour', { expirationSeconds: 3600 }));
  const tooShort = approved(await kubeletClient('too-short', { expirationSeconds: 60 }));
  const tooLong = approved(await kubeletClient('too-long', { expirationSeconds: 10 * 365 * 24 * 3600 }));
  const r = await sign([plain, oneHour, tooShort, tooLong], ca, 24 * HOUR);
  const [a, b, c, d] = r.csrs.map(certOf);
  const from = (x: X509Certificate | undefined) => Date.parse(x?.validFrom ?? '');
  const to = (x: X509Certificate | undefined) => Date.parse(x?.validTo ?? '');
  for (const x of [a, b, c, d]) assert.equal(from(x), T0 - 5 * 60_000, 'NotBefore is backdated 5 min');
  assert.equal(to(a), T0 + 24 * HOUR - 5 * 60_000, 'long-lived: NotAfter backdated too');
  assert.equal(to(b), T0 + HOUR, 'short-lived (< 8h): NotAfter not backdated');
  assert.equal(to(c), T0 + 10 * 60_000, 'at least 10 minutes');
  assert.equal(to(d), T0 + 24 * HOUR - 5 * 60_000, 'capped to --cluster-signing-duration');
  assert.equal(signingDuration(undefined, 8760 * HOUR), 8760 * HOUR);
});

test('NotAfter never outlives the CA', async () => {
  const ca = await newCA('ec', 3 * HOUR);
  const r = await sign([approved(await kubeletClient('c'))], ca);
  assert.equal(Date.parse(certOf(r.csrs[0]).validTo), Date.parse(new X509Certificate(ca.certPem).validTo));
});

test('serving certificates carry the SANs and server auth; RSA CA keys (PKCS#1) sign too', async () => {
  const ca = await newCA('rsa');
  const csr = approved(
    await newCSR('serving', {
      subject: { commonName: 'system:node:n1', organizations: ['system:nodes'] },
      signerName: 'kubernetes.io/kubelet-serving',
      usages: ['digital signature', 'key encipherment', 'server auth'],
      username: 'system:node:n1',
      groups: ['system:nodes'],
      dnsNames: ['n1'],
      ipAddresses: ['10.0.0.1'],
    }),
  );
  const r = await sign([csr], ca);
  const cert = certOf(r.csrs[0]);
  assert.equal(cert.subjectAltName, 'DNS:n1, IP Address:10.0.0.1');
  assert.deepEqual(cert.keyUsage, ['1.3.6.1.5.5.7.3.1']);
  assert.equal(new x509.X509Certificate(cert.raw).getExtension(x509.KeyUsagesExtension)?.usages, x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment);
  assert.ok(cert.checkIP('10.0.0.1'));
  assert.ok(cert.verify(new X509Certificate(ca.certPem).publicKey));
});

test('kube-apiserver-client: any subject, client auth required, no other usage', async () => {
  const ca = await newCA();
  const mk = (name: string, usages: KeyUsage[]) =>
    newCSR(name, { subject: { commonName: 'alice', organizations: ['devs'] }, signerName: 'kubernetes.io/kube-apiserver-client', usages, username: 'admin', groups: ['system:masters'] });
  const good = approved(await mk('good', ['digital signature', 'key encipherment', 'client auth']));
  const server = approved(await mk('server', ['client auth', 'server auth']));
  const none = approved(await mk('none', ['digital signature']));
  const r = await sign([good, server, none], ca);
  assert.equal(certOf(r.csrs[0]).subject, 'O=devs\nCN=alice');
  const failed = (csr: CertificateSigningRequest | undefined) => csr?.status?.conditions?.find((c) => c.type === 'Failed');
  assert.equal(failed(r.csrs[1])?.reason, 'SignerValidationFailure');
  assert.equal(failed(r.csrs[1])?.message, 'invalid usage for client certificate: server auth');
  assert.equal(failed(r.csrs[2])?.message, 'missing required usage for client certificate: client auth');
  assert.equal(r.csrs[1]?.status?.certificate, undefined);
});

test('refuses what the signer does not allow: a kubelet-client request with SANs or another organization is Failed, never signed', async () => {
  const ca = await newCA();
  const withSAN = approved(await kubeletClient('with-san', { dnsNames: ['evil'] }));
  const masters = approved(await kubeletClient('masters', { subject: { commonName: 'system:node:n1', organizations: ['system:masters'] } }));
  const r = await sign([withSAN, masters], ca);
  assert.deepEqual(
    r.csrs.map((c) => [c.status?.certificate, c.status?.conditions?.at(-1)?.type, c.status?.conditions?.at(-1)?.message]),
    [
      [undefined, 'Failed', 'DNS subjectAltNames are not allowed'],
      [undefined, 'Failed', 'subject organization is not system:nodes'],
    ],
  );
});

test('unapproved, denied, failed, issued and foreign-signer CSRs are not touched', async () => {
  const ca = await newCA();
  const pending = await kubeletClient('pending');
  const denied = { ...(await kubeletClient('denied')), status: { conditions: [{ type: 'Approved', status: 'True' as const }, { type: 'Denied', status: 'True' as const }] } };
  const failed = { ...approved(await kubeletClient('failed')) };
  failed.status?.conditions?.push({ type: 'Failed', status: 'True' });
  const issued = { ...approved(await kubeletClient('issued')) };
  if (issued.status) issued.status.certificate = 'Zm9v';
  const foreign = approved(await kubeletClient('foreign', { signerName: 'example.com/other' }));
  const r = await sign([pending, denied, failed, issued, foreign], ca);
  assert.deepEqual(r.writes, []);
});

test('a CA key that does not match the certificate is refused at start', async () => {
  const a = await newCA();
  const b = await newCA();
  await assert.rejects(CertificateAuthority.fromPem(a.certPem, b.keyPem), /does not match/);
});
