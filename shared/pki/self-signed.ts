/**
 * Self-signed certificates: a throwaway CA for tests, and the serving certificate kubelab's simulated nodes
 * share (kubelet's own fallback when it has no serving certificate is a self-signed one for its hostname).
 *
 *   const { certPem, keyPem } = await createSelfSignedCertificate({ commonName: 'kubelab-ca', isCA: true });
 */
import { x509 } from './x509.ts';
import { randomBytes } from 'node:crypto';
import { generateEcPrivateKey, loadSigningKey } from './keys.ts';
import { subjectName, type CertificateSubject } from './certificate-request.ts';

export interface SelfSignedOptions extends CertificateSubject {
  isCA?: boolean;
  dnsNames?: string[];
  ipAddresses?: string[];
  /** PEM key to use (default: a new EC P-256 key). */
  keyPem?: string;
  /** @default now */
  notBefore?: Date;
  /** @default 365 days */
  validityMs?: number;
  /** Extended key usage of a leaf certificate. @default 'server' */
  extKeyUsage?: 'server' | 'client';
}

export interface KeyAndCertificate {
  certPem: string;
  keyPem: string;
}

export async function createSelfSignedCertificate(options: SelfSignedOptions): Promise<KeyAndCertificate> {
  const keyPem = options.keyPem ?? generateEcPrivateKey().pem;
  const key = await loadSigningKey(keyPem);
  const notBefore = options.notBefore ?? new Date(Date.now() - 60_000);
  const notAfter = new Date(notBefore.getTime() + (options.validityMs ?? 365 * 24 * 3600_000));
  const names: x509.JsonGeneralName[] = [
    ...(options.dnsNames ?? []).map((v) => ({ type: 'dns' as const, value: v })),
    ...(options.ipAddresses ?? []).map((v) => ({ type: 'ip' as const, value: v })),
  ];
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(options.isCA === true, undefined, true),
    new x509.KeyUsagesExtension(
      options.isCA ? x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature : x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
      true,
    ),
    await x509.SubjectKeyIdentifierExtension.create(key.publicKey),
  ];
  if (!options.isCA) extensions.push(new x509.ExtendedKeyUsageExtension([options.extKeyUsage === 'client' ? x509.ExtendedKeyUsage.clientAuth : x509.ExtendedKeyUsage.serverAuth], false));
  if (names.length) extensions.push(new x509.SubjectAlternativeNameExtension(names, false));
  const serial = randomBytes(16);
  serial[0] = (serial[0] ?? 0) & 0x7f;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial.toString('hex'),
    name: subjectName(options),
    notBefore,
    notAfter,
    keys: { privateKey: key.privateKey, publicKey: key.publicKey },
    signingAlgorithm: key.signingAlgorithm,
    extensions,
  });
  return { certPem: cert.toString('pem'), keyPem };
}
