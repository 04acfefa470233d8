/**
 * PKCS#10 certificate requests: what a node agent puts in a CertificateSigningRequest's spec.request, and what
 * the approver and signer read from it (Go's x509.CertificateRequest fields).
 *
 *   const pem = await createCertificateRequest({ commonName: 'system:node:n1', organizations: ['system:nodes'] }, keyPem);
 *   const req = parseCertificateRequest(pem);   // { commonName, organizations, dnsNames, ipAddresses, ... }
 *   await req.verifySignature();
 */
import { x509 } from './x509.ts';
import { isIP } from 'node:net';
import { loadSigningKey } from './keys.ts';

export interface CertificateSubject {
  commonName: string;
  organizations?: string[];
}

export interface CertificateRequestOptions {
  dnsNames?: string[];
  ipAddresses?: string[];
}

const OID_CN = '2.5.4.3';
const OID_O = '2.5.4.10';

/** Subject as @peculiar/x509 takes it: O before CN, as Go's pkix.Name orders its RDNs. */
export function subjectName(subject: CertificateSubject): x509.JsonName {
  const name: x509.JsonName = [];
  for (const o of subject.organizations ?? []) name.push({ O: [o] });
  if (subject.commonName) name.push({ CN: [subject.commonName] });
  return name;
}

/** Builds a PEM "CERTIFICATE REQUEST" for the key (PEM) with the subject and SANs. */
export async function createCertificateRequest(subject: CertificateSubject, keyPem: string | Buffer, options: CertificateRequestOptions = {}): Promise<string> {
  const key = await loadSigningKey(keyPem);
  const names: x509.JsonGeneralName[] = [
    ...(options.dnsNames ?? []).map((v) => ({ type: 'dns' as const, value: v })),
    ...(options.ipAddresses ?? []).map((v) => ({ type: 'ip' as const, value: v })),
  ];
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: subjectName(subject),
    keys: { privateKey: key.privateKey, publicKey: key.publicKey },
    signingAlgorithm: key.signingAlgorithm,
    extensions: names.length ? [new x509.SubjectAlternativeNameExtension(names)] : [],
  });
  return csr.toString('pem');
}

/** A parsed request: the fields the certificate controllers check. */
export interface ParsedCertificateRequest {
  raw: x509.Pkcs10CertificateRequest;
  commonName: string;
  organizations: string[];
  dnsNames: string[];
  ipAddresses: string[];
  emailAddresses: string[];
  uris: string[];
  /** 'ECDSA', 'RSA' or the algorithm name. */
  publicKeyAlgorithm: string;
  verifySignature(): Promise<boolean>;
}

/** Normalizes an IP literal as Go prints net.IP (IPv4 dotted, IPv6 compressed lower-case). */
export function normalizeIP(ip: string): string {
  if (isIP(ip) === 6) {
    try {
      return new URL(`http://[${ip}]/`).hostname.slice(1, -1);
    } catch {
      return ip.toLowerCase();
    }
  }
  return ip;
}

/** All SANs of one kind in a list of x509 extensions. */
export function sansOf(extensions: x509.Extension[]): Pick<ParsedCertificateRequest, 'dnsNames' | 'ipAddresses' | 'emailAddresses' | 'uris'> {
  const out = { dnsNames: [] as string[], ipAddresses: [] as string[], emailAddresses: [] as string[], uris: [] as string[] };
  for (const ext of extensions) {
    if (ext.type !== '2.5.29.17') continue;
    const san = ext instanceof x509.SubjectAlternativeNameExtension ? ext : new x509.SubjectAlternativeNameExtension(ext.rawData);
    for (const n of san.names.items) {
      if (n.type === 'dns') out.dnsNames.push(n.value);
      else if (n.type === 'ip') out.ipAddresses.push(normalizeIP(n.value));
      else if (n.type === 'email') out.emailAddresses.push(n.value);
      else if (n.type === 'url') out.uris.push(n.value);
    }
  }
  return out;
}

/** Parses a PEM (or base64 of PEM, as spec.request is on the wire) certificate request. Throws on garbage. */
export function parseCertificateRequest(pemOrBase64: string | Buffer): ParsedCertificateRequest {
  let text = Buffer.isBuffer(pemOrBase64) ? pemOrBase64.toString('utf8') : pemOrBase64;
  if (!text.includes('-----BEGIN')) text = Buffer.from(text, 'base64').toString('utf8');
  const m = /-----BEGIN CERTIFICATE REQUEST-----([\s\S]*?)-----END CERTIFICATE REQUEST-----/.exec(text);
  if (!m) throw new Error('PEM block type must be CERTIFICATE REQUEST');
  const raw = new x509.Pkcs10CertificateRequest(Buffer.from((m[1] ?? '').replace(/\s+/g, ''), 'base64'));
  const name = raw.subjectName;
  const alg = raw.publicKey.algorithm as { name?: string };
  return {
    raw,
    commonName: name.getField(OID_CN)[0] ?? '',
    organizations: name.getField(OID_O),
    ...sansOf(raw.extensions),
    publicKeyAlgorithm: alg.name === 'ECDSA' ? 'ECDSA' : alg.name?.startsWith('RSA') ? 'RSA' : alg.name ?? '',
    verifySignature: () => raw.verify(),
  };
}
