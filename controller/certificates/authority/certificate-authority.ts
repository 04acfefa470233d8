/**
 * A certificate authority that signs certificate requests (kube-controller-manager
 * pkg/controller/certificates/authority: authority.go + PermissiveSigningPolicy of policies.go):
 *
 * - subject, DNS/IP/email/URI SANs and public key from the request (its signature checked first);
 * - key usage and extended key usage from the CSR's usages (upstream's tables); unknown usages refused;
 * - basic constraints CA=false; no other extension of the request is copied;
 * - NotBefore = now - backdate (5 min); NotAfter = now + ttl - backdate, or now + ttl when ttl is short
 *   (< 8 h); both cut to the CA's own NotAfter; refuses to sign once the CA expired.
 *
 *   const ca = await CertificateAuthority.fromFiles(certFile, keyFile);
 *   const pem = await ca.sign(requestPem, { ttlMs: 3600_000, usages: ['digital signature', 'client auth'] });
 */
import { X509Certificate as NodeX509Certificate, createPrivateKey, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { x509 } from '../../../shared/pki/x509.ts';
import { loadSigningKey, type SigningKey } from '../../../shared/pki/keys.ts';
import type { ParsedCertificateRequest } from '../../../shared/pki/certificate-request.ts';
import { realClock, type Clock } from '../../../shared/util/clock.ts';

const KEY_USAGES: Record<string, x509.KeyUsageFlags> = {
  signing: x509.KeyUsageFlags.digitalSignature,
  'digital signature': x509.KeyUsageFlags.digitalSignature,
  'content commitment': x509.KeyUsageFlags.nonRepudiation,
  'key encipherment': x509.KeyUsageFlags.keyEncipherment,
  'key agreement': x509.KeyUsageFlags.keyAgreement,
  'data encipherment': x509.KeyUsageFlags.dataEncipherment,
  'cert sign': x509.KeyUsageFlags.keyCertSign,
  'crl sign': x509.KeyUsageFlags.cRLSign,
  'encipher only': x509.KeyUsageFlags.encipherOnly,
  'decipher only': x509.KeyUsageFlags.decipherOnly,
};

/** Extended key usages, in the order Go sorts x509.ExtKeyUsage values. */
const EXT_KEY_USAGES: Record<string, { oid: string; order: number }> = {
  any: { oid: '2.5.29.37.0', order: 0 },
  'server auth': { oid: '1.3.6.1.5.5.7.3.1', order: 1 },
  'client auth': { oid: '1.3.6.1.5.5.7.3.2', order: 2 },
  'code signing': { oid: '1.3.6.1.5.5.7.3.3', order: 3 },
  'email protection': { oid: '1.3.6.1.5.5.7.3.4', order: 4 },
  's/mime': { oid: '1.3.6.1.5.5.7.3.4', order: 4 },
  'ipsec end system': { oid: '1.3.6.1.5.5.7.3.5', order: 5 },
  'ipsec tunnel': { oid: '1.3.6.1.5.5.7.3.6', order: 6 },
  'ipsec user': { oid: '1.3.6.1.5.5.7.3.7', order: 7 },
  timestamping: { oid: '1.3.6.1.5.5.7.3.8', order: 8 },
  'ocsp signing': { oid: '1.3.6.1.5.5.7.3.9', order: 9 },
  'microsoft sgc': { oid: '1.3.6.1.4.1.311.10.3.3', order: 10 },
  'netscape sgc': { oid: '2.16.840.1.113730.4.1', order: 11 },
};

/** keyUsagesFromStrings: the key usage flags and sorted EKU OIDs, or an error for unknown usages. */
export function keyUsagesFromStrings(usages: readonly string[]): { keyUsage: number; extKeyUsages: string[] } {
  let keyUsage = 0;
  const ext = new Map<string, number>();
  const unknown: string[] = [];
  for (const u of usages) {
    const k = KEY_USAGES[u];
    const e = EXT_KEY_USAGES[u];
    if (k !== undefined) keyUsage |= k;
    else if (e) ext.set(e.oid, e.order);
    else unknown.push(u);
  }
  if (unknown.length > 0) throw new Error(`unrecognized usage values: [${unknown.map((u) => JSON.stringify(u)).join(' ')}]`);
  return { keyUsage, extKeyUsages: [...ext.entries()].sort((a, b) => a[1] - b[1]).map(([oid]) => oid) };
}

export interface SignOptions {
  /** Requested lifetime. */
  ttlMs: number;
  usages: readonly string[];
  /** @default 5 min */
  backdateMs?: number;
  /** Lifetimes under this are not backdated at the end. @default 8 h */
  shortMs?: number;
}

export class CertificateAuthority {
  readonly certificate: x509.X509Certificate;
  readonly certificatePem: string;
  readonly #key: SigningKey;
  readonly #clock: Clock;

  private constructor(certPem: string, key: SigningKey, clock: Clock) {
    this.certificatePem = certPem;
    this.certificate = new x509.X509Certificate(certPem);
    this.#key = key;
    this.#clock = clock;
  }

  /** Reads the CA certificate and key (PEM; EC or RSA); refuses a key that does not match the certificate. */
  static async fromPem(certPem: string, keyPem: string, clock: Clock = realClock): Promise<CertificateAuthority> {
    const nodeCert = new NodeX509Certificate(certPem);
    if (!nodeCert.checkPrivateKey(createPrivateKey(keyPem))) throw new Error('Cannot use the signing key as it does not match the signing certificate');
    if (!nodeCert.ca) throw new Error('Cannot use the signing certificate as it is not a CA certificate');
    return new CertificateAuthority(certPem, await loadSigningKey(keyPem), clock);
  }

  static async fromFiles(certFile: string, keyFile: string, clock: Clock = realClock): Promise<CertificateAuthority> {
    let cert: string;
    let key: string;
    try {
      cert = readFileSync(certFile, 'utf8');
      key = readFileSync(keyFile, 'utf8');
    } catch (err) {
      throw new Error(`Cannot load the cluster signing certificate and key: ${(err as Error).message}`);
    }
    return CertificateAuthority.fromPem(cert, key, clock);
  }

  /** Signs the (already parsed) request; returns the certificate PEM. */
  async sign(req: ParsedCertificateRequest, options: SignOptions): Promise<string> {
    const now = this.#clock.now();
    const backdate = options.backdateMs ?? 5 * 60_000;
    const short = options.shortMs ?? 8 * 3600_000;
    const caNotAfter = this.certificate.notAfter.getTime();
    const notBefore = now - backdate;
    if (notBefore >= caNotAfter) throw new Error(`the signer has expired: NotAfter=${this.certificate.notAfter.toISOString()}`);
    if (!(await req.verifySignature())) throw new Error('unable to verify certificate request signature');
    const { keyUsage, extKeyUsages } = keyUsagesFromStrings(options.usages);
    let notAfter = options.ttlMs < short ? now + options.ttlMs : now + options.ttlMs - backdate;
    if (notAfter >= caNotAfter) notAfter = caNotAfter;
    if (now >= caNotAfter) throw new Error(`refusing to sign a certificate that expired in the past: NotAfter=${this.certificate.notAfter.toISOString()}`);
    const names: x509.JsonGeneralName[] = [
      ...req.dnsNames.map((v) => ({ type: 'dns' as const, value: v })),
      ...req.emailAddresses.map((v) => ({ type: 'email' as const, value: v })),
      ...req.ipAddresses.map((v) => ({ type: 'ip' as const, value: v })),
      ...req.uris.map((v) => ({ type: 'url' as const, value: v })),
    ];
    const extensions: x509.Extension[] = [];
    if (keyUsage) extensions.push(new x509.KeyUsagesExtension(keyUsage, true));
    if (extKeyUsages.length) extensions.push(new x509.ExtendedKeyUsageExtension(extKeyUsages, false));
    extensions.push(new x509.BasicConstraintsExtension(false, undefined, true));
    const ski = this.certificate.getExtension(x509.SubjectKeyIdentifierExtension);
    if (ski) extensions.push(new x509.AuthorityKeyIdentifierExtension(ski.keyId, false));
    if (names.length) extensions.push(new x509.SubjectAlternativeNameExtension(names, false));
    // A positive 128-bit serial (rand.Int(rand.Reader, 2^128)).
    const serial = randomBytes(16);
    serial[0] = (serial[0] ?? 0) & 0x7f;
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serial.toString('hex'),
      subject: req.raw.subjectName,
      issuer: this.certificate.subjectName,
      notBefore: new Date(Math.floor(notBefore / 1000) * 1000),
      notAfter: new Date(Math.floor(notAfter / 1000) * 1000),
      publicKey: req.raw.publicKey,
      signingKey: this.#key.privateKey,
      signingAlgorithm: this.#key.signingAlgorithm,
      extensions,
    });
    return cert.toString('pem');
  }
}
