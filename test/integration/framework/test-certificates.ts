import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

/**
 * Certificates for tests, made in-process with @peculiar/x509 (ECDSA P-256): a CA, and leaves it signs with
 * the subject, validity and extended key usages a test asks for.
 */

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

type CryptoKeyPair = webcrypto.CryptoKeyPair;

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY = 24 * 3600 * 1000;
let serial = 1;

export interface TestCertificate {
  cert: x509.X509Certificate;
  keys: CryptoKeyPair;
  certPem: string;
  keyPem: string;
}

async function keyPem(keys: CryptoKeyPair): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey as webcrypto.CryptoKey);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

function nextSerial(): string {
  return (serial++).toString(16).padStart(4, '0');
}

export async function createTestCA(name = 'CN=test-ca', opts: { notBefore?: Date; notAfter?: Date } = {}): Promise<TestCertificate> {
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: nextSerial(),
    name,
    notBefore: opts.notBefore ?? new Date(Date.now() - DAY),
    notAfter: opts.notAfter ?? new Date(Date.now() + 365 * DAY),
    signingAlgorithm: ALG,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert, keys, certPem: cert.toString('pem'), keyPem: await keyPem(keys) };
}

export interface LeafOptions {
  /** e.g. `CN=alice, O=dev, O=ops`. */
  subject: string;
  notBefore?: Date;
  notAfter?: Date;
  /** Extended key usages (OIDs or @peculiar names); undefined: no EKU extension; default clientAuth. */
  usages?: string[] | null;
  /** IP / DNS subject alternative names (serving certificates). */
  ips?: string[];
  dns?: string[];
  isCA?: boolean;
}

export async function createTestLeaf(issuer: TestCertificate, opts: LeafOptions): Promise<TestCertificate> {
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
  const extensions: x509.Extension[] = [
    new x509.KeyUsagesExtension(opts.isCA ? x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.digitalSignature : x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
  ];
  if (opts.isCA) extensions.push(new x509.BasicConstraintsExtension(true, undefined, true));
  const usages = opts.usages === undefined ? [x509.ExtendedKeyUsage.clientAuth] : opts.usages;
  if (usages) extensions.push(new x509.ExtendedKeyUsageExtension(usages));
  const names: x509.JsonGeneralName[] = [...(opts.ips ?? []).map((value) => ({ type: 'ip' as const, value })), ...(opts.dns ?? []).map((value) => ({ type: 'dns' as const, value }))];
  if (names.length) extensions.push(new x509.SubjectAlternativeNameExtension(names));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: nextSerial(),
    subject: opts.subject,
    issuer: issuer.cert.subject,
    notBefore: opts.notBefore ?? new Date(Date.now() - DAY),
    notAfter: opts.notAfter ?? new Date(Date.now() + 30 * DAY),
    signingAlgorithm: ALG,
    publicKey: keys.publicKey,
    signingKey: issuer.keys.privateKey,
    extensions,
  });
  return { cert, keys, certPem: cert.toString('pem'), keyPem: await keyPem(keys) };
}

export const EKU = { clientAuth: x509.ExtendedKeyUsage.clientAuth, serverAuth: x509.ExtendedKeyUsage.serverAuth };
