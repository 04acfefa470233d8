import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { FakeClock } from '../../shared/util/clock.ts';
import { AuthenticationError } from './authenticator.ts';
import { createTestCA, createTestLeaf, EKU, type TestCertificate } from '../../test/integration/framework/test-certificates.ts';
import { parseCertificateBundle, verifyClientCertificate, x509Authenticator } from './x509-authenticator.ts';

const node = (c: TestCertificate) => new X509Certificate(c.certPem);

/** A request whose TLS socket presents `chain` (leaf first), as node:tls's getPeerCertificate(true) shapes it. */
function requestWith(chain: TestCertificate[], subject: Record<string, string | string[]>): IncomingMessage {
  const peers = chain.map((c) => ({ raw: Buffer.from(c.cert.rawData), subject: {} as Record<string, unknown>, issuerCertificate: undefined as unknown }));
  for (let i = 0; i < peers.length - 1; i++) (peers[i] as { issuerCertificate: unknown }).issuerCertificate = peers[i + 1];
  if (peers[0]) peers[0].subject = subject;
  let verified = 0;
  const socket = {
    getPeerCertificate: () => {
      verified++;
      return peers[0] ?? {};
    },
    getPeerX509Certificate: () => (chain[0] ? new X509Certificate(chain[0].certPem) : undefined),
  };
  Object.defineProperty(socket, 'chainReads', { get: () => verified });
  return { socket, headers: {} } as unknown as IncomingMessage;
}

test('x509: a client certificate from the CA is its CN in its O groups; wrong CA, expired, serverAuth-only are refused', async () => {
  const ca = await createTestCA();
  const other = await createTestCA('CN=other-ca');
  const roots = parseCertificateBundle(ca.certPem);
  assert.equal(roots.length, 1);
  const now = Date.now();

  const good = await createTestLeaf(ca, { subject: 'CN=alice, O=dev, O=ops' });
  const v = verifyClientCertificate(node(good), [], roots, now);
  assert.equal(v.leaf.subject.includes('CN=alice'), true);

  const auth = x509Authenticator({ roots });
  const r = await auth(requestWith([good], { CN: 'alice', O: ['dev', 'ops'] }));
  assert.deepEqual(r?.user, { name: 'alice', groups: ['dev', 'ops'] });

  const foreign = await createTestLeaf(other, { subject: 'CN=mallory' });
  assert.throws(() => verifyClientCertificate(node(foreign), [], roots, now), (e: Error) => e instanceof AuthenticationError && /certificate signed by unknown authority/.test(e.message));
  await assert.rejects(async () => auth(requestWith([foreign], { CN: 'mallory' })), AuthenticationError);

  const expired = await createTestLeaf(ca, { subject: 'CN=bob', notBefore: new Date(now - 10 * 86400_000), notAfter: new Date(now - 86400_000) });
  assert.throws(() => verifyClientCertificate(node(expired), [], roots, now), /certificate has expired or is not yet valid/);

  const serverOnly = await createTestLeaf(ca, { subject: 'CN=server', usages: [EKU.serverAuth] });
  assert.throws(() => verifyClientCertificate(node(serverOnly), [], roots, now), /incompatible key usage/);

  // No EKU extension at all: any usage (Go's x509 semantics).
  const noEku = await createTestLeaf(ca, { subject: 'CN=carol', usages: null });
  assert.equal(verifyClientCertificate(node(noEku), [], roots, now).leaf.subject.includes('carol'), true);
});

test('x509: a chain through an intermediate the client sends; no certificate is not handled; no CN is not handled', async () => {
  const ca = await createTestCA();
  const roots = parseCertificateBundle(ca.certPem);
  const intermediate = await createTestLeaf(ca, { subject: 'CN=intermediate', isCA: true, usages: null });
  const leaf = await createTestLeaf(intermediate, { subject: 'CN=dave, O=team' });
  const auth = x509Authenticator({ roots });
  const r = await auth(requestWith([leaf, intermediate], { CN: 'dave', O: 'team' }));
  assert.deepEqual(r?.user, { name: 'dave', groups: ['team'] });
  // Without the intermediate the chain does not reach the CA.
  await assert.rejects(async () => auth(requestWith([leaf], { CN: 'dave' })), /unknown authority/);
  // No client certificate: the next authenticator is asked.
  assert.equal(await auth(requestWith([], {})), null);
  const noCN = await createTestLeaf(ca, { subject: 'O=only-org' });
  assert.equal(await auth(requestWith([noCN], { O: 'only-org' })), null);
});

test('x509: a connection verdict is re-checked once the certificate expires', async () => {
  const ca = await createTestCA();
  const clock = new FakeClock(Date.now());
  const leaf = await createTestLeaf(ca, { subject: 'CN=eve', notAfter: new Date(clock.now() + 60_000) });
  const auth = x509Authenticator({ roots: parseCertificateBundle(ca.certPem), clock });
  const req = requestWith([leaf], { CN: 'eve' });
  assert.equal((await auth(req))?.user.name, 'eve');
  clock.step(120_000);
  await assert.rejects(async () => auth(req), /certificate has expired/);
});

test('x509: one verification per certificate across connections; a shared verdict still expires; failures are not shared', async () => {
  const ca = await createTestCA();
  const clock = new FakeClock(Date.now());
  const leaf = await createTestLeaf(ca, { subject: 'CN=frank', notAfter: new Date(clock.now() + 60_000) });
  const auth = x509Authenticator({ roots: parseCertificateBundle(ca.certPem), clock });
  const chainReads = (r: IncomingMessage) => (r.socket as unknown as { chainReads: number }).chainReads;
  const first = requestWith([leaf], { CN: 'frank' });
  const second = requestWith([leaf], { CN: 'frank' });
  assert.equal((await auth(first))?.user.name, 'frank');
  assert.equal((await auth(second))?.user.name, 'frank');
  assert.equal(chainReads(first), 1, 'the first connection verifies the chain');
  assert.equal(chainReads(second), 0, 'a second connection with the same certificate reuses the verdict');
  clock.step(120_000);
  await assert.rejects(async () => auth(requestWith([leaf], { CN: 'frank' })), /certificate has expired/);
  // A certificate of another CA fails on every connection (nothing is cached for it).
  const other = await createTestCA();
  const stranger = await createTestLeaf(other, { subject: 'CN=mallory' });
  const a = requestWith([stranger], { CN: 'mallory' });
  const b = requestWith([stranger], { CN: 'mallory' });
  await assert.rejects(async () => auth(a), /unknown authority/);
  await assert.rejects(async () => auth(b), /unknown authority/);
  assert.equal(chainReads(b), 1);
});
