/**
 * PEM blocks and the PKCS#10 / X.509 checks kube-apiserver's CertificateSigningRequest validation makes
 * (Go's encoding/pem Decode, x509.ParseCertificateRequest + CheckSignature, x509.ParseCertificates). Done
 * synchronously over node:crypto and a minimal DER reader so strategies can call them.
 */
import { X509Certificate, createPublicKey, verify } from 'node:crypto';

export interface PemBlock {
  type: string;
  headers: Record<string, string>;
  bytes: Buffer;
}

const BEGIN = '-----BEGIN ';
const DASHES = '-----';

/**
 * Every PEM block in `data`, in order, like repeated pem.Decode calls: text around blocks is skipped; a block
 * whose base64 or END line is broken is skipped too (Go continues scanning after it).
 */
export function decodePemBlocks(data: string | Buffer): PemBlock[] {
  const text = typeof data === 'string' ? data : data.toString('latin1');
  const out: PemBlock[] = [];
  let pos = 0;
  for (;;) {
    const start = text.indexOf(BEGIN, pos);
    if (start < 0) return out;
    const typeEnd = text.indexOf(DASHES, start + BEGIN.length);
    const lineEnd = text.indexOf('\n', start);
    if (typeEnd < 0 || (lineEnd >= 0 && typeEnd > lineEnd)) {
      pos = start + BEGIN.length;
      continue;
    }
    const type = text.slice(start + BEGIN.length, typeEnd);
    const bodyStart = lineEnd < 0 ? text.length : lineEnd + 1;
    const endMarker = `\n-----END ${type}-----`;
    const endAt = text.indexOf(endMarker, bodyStart - 1);
    if (endAt < 0) {
      pos = start + BEGIN.length;
      continue;
    }
    const lines = text.slice(bodyStart, endAt + 1).split(/\r?\n/);
    const headers: Record<string, string> = {};
    let i = 0;
    // RFC 1421 headers: `Key: value` lines before a blank line.
    if (lines.some((l) => l.trim() === '') && lines[0]?.includes(':')) {
      while (i < lines.length && lines[i]!.trim() !== '') {
        const l = lines[i]!;
        const c = l.indexOf(':');
        if (c > 0) headers[l.slice(0, c).trim()] = l.slice(c + 1).trim();
        i++;
      }
      i++;
    }
    const b64 = lines.slice(i).join('').replace(/[ \t\r]/g, '');
    pos = endAt + endMarker.length;
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 !== 0) continue;
    out.push({ type, headers, bytes: Buffer.from(b64, 'base64') });
  }
}

// ---- DER ----

interface Tlv {
  tag: number;
  /** Offset of the tag byte. */
  start: number;
  /** Offset of the contents. */
  contentStart: number;
  /** Offset after the contents. */
  end: number;
}

function readTlv(buf: Buffer, at: number, limit = buf.length): Tlv {
  if (at + 2 > limit) throw new Error('truncated');
  const tag = buf[at]!;
  if ((tag & 0x1f) === 0x1f) throw new Error('high tag numbers not supported');
  let len = buf[at + 1]!;
  let p = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || p + n > limit) throw new Error('bad length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[p + i]!;
    p += n;
  }
  if (p + len > limit) throw new Error('truncated');
  return { tag, start: at, contentStart: p, end: p + len };
}

function children(buf: Buffer, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  let p = parent.contentStart;
  while (p < parent.end) {
    const t = readTlv(buf, p, parent.end);
    out.push(t);
    p = t.end;
  }
  return out;
}

function oidString(bytes: Buffer): string {
  if (bytes.length === 0) throw new Error('empty OID');
  const parts: number[] = [Math.floor(bytes[0]! / 40), bytes[0]! % 40];
  let v = 0;
  for (let i = 1; i < bytes.length; i++) {
    v = v * 128 + (bytes[i]! & 0x7f);
    if (!(bytes[i]! & 0x80)) {
      parts.push(v);
      v = 0;
    }
  }
  return parts.join('.');
}

const SEQUENCE = 0x30;

/** Signature algorithms Go's CheckSignature accepts, by OID: [node digest (null for Ed25519), Go's family]. */
const SIGNATURE_ALGORITHMS: Record<string, [string | null, 'RSA' | 'ECDSA' | 'Ed25519']> = {
  '1.2.840.113549.1.1.5': ['sha1', 'RSA'],
  '1.2.840.113549.1.1.11': ['sha256', 'RSA'],
  '1.2.840.113549.1.1.12': ['sha384', 'RSA'],
  '1.2.840.113549.1.1.13': ['sha512', 'RSA'],
  '1.2.840.10045.4.1': ['sha1', 'ECDSA'],
  '1.2.840.10045.4.3.2': ['sha256', 'ECDSA'],
  '1.2.840.10045.4.3.3': ['sha384', 'ECDSA'],
  '1.2.840.10045.4.3.4': ['sha512', 'ECDSA'],
  '1.3.101.112': [null, 'Ed25519'],
};

/** Go's messages for a CSR that does not parse or whose signature does not verify. */
export const MALFORMED_CERTIFICATE_REQUEST = 'x509: malformed certificate request';

/**
 * x509.ParseCertificateRequest + CheckSignature over DER bytes. Throws an Error with Go's message; returns the
 * raw SubjectPublicKeyInfo and the signature algorithm family on success.
 */
export function checkCertificateRequestSignature(der: Buffer): { publicKeyAlgorithm: 'RSA' | 'ECDSA' | 'Ed25519' } {
  let info: Tlv;
  let algOid: string;
  let signature: Buffer;
  let spki: Buffer;
  try {
    const outer = readTlv(der, 0);
    if (outer.tag !== SEQUENCE || outer.end !== der.length) throw new Error('outer');
    const [infoTlv, alg, sig] = children(der, outer);
    if (!infoTlv || !alg || !sig || infoTlv.tag !== SEQUENCE || alg.tag !== SEQUENCE || sig.tag !== 0x03) throw new Error('shape');
    info = infoTlv;
    const [oid] = children(der, alg);
    if (!oid || oid.tag !== 0x06) throw new Error('alg');
    algOid = oidString(der.subarray(oid.contentStart, oid.end));
    // BIT STRING: first content byte is the number of unused bits.
    signature = der.subarray(sig.contentStart + 1, sig.end);
    const [version, subject, pk] = children(der, info);
    if (!version || version.tag !== 0x02 || !subject || subject.tag !== SEQUENCE || !pk || pk.tag !== SEQUENCE) throw new Error('info');
    spki = der.subarray(pk.start, pk.end);
  } catch {
    throw new Error(MALFORMED_CERTIFICATE_REQUEST);
  }
  const alg = SIGNATURE_ALGORITHMS[algOid];
  if (!alg) throw new Error('x509: cannot verify signature: algorithm unimplemented');
  let key;
  try {
    key = createPublicKey({ key: spki, format: 'der', type: 'spki' });
  } catch {
    throw new Error('x509: unsupported public key algorithm');
  }
  const [digest, family] = alg;
  const keyFamily = key.asymmetricKeyType === 'rsa' ? 'RSA' : key.asymmetricKeyType === 'ec' ? 'ECDSA' : key.asymmetricKeyType === 'ed25519' ? 'Ed25519' : undefined;
  if (keyFamily !== family) throw new Error('x509: signature algorithm specifies an ' + family + ' public key, but have public key of type ' + String(key.asymmetricKeyType));
  let ok = false;
  try {
    ok = verify(digest, der.subarray(info.start, info.end), key, signature);
  } catch {
    ok = false;
  }
  if (!ok) {
    if (family === 'RSA') throw new Error('crypto/rsa: verification error');
    throw new Error(`x509: ${family} verification failure`);
  }
  return { publicKeyAlgorithm: family };
}

/** certificates.ParseCSR + CheckSignature on a PEM request: kube's first error, or undefined. */
export function validateCertificateRequestPem(pem: Buffer): string | undefined {
  const block = decodePemBlocks(pem)[0];
  if (!block || block.type !== 'CERTIFICATE REQUEST') return 'PEM block type must be CERTIFICATE REQUEST';
  try {
    checkCertificateRequestSignature(block.bytes);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

/** validateCertificate (status.certificate): only headerless CERTIFICATE blocks, each parsing, at least one. */
export function validateCertificatePem(pem: Buffer): string | undefined {
  if (pem.length === 0) return undefined;
  const blocks = decodePemBlocks(pem);
  for (const b of blocks) {
    if (b.type !== 'CERTIFICATE') return `only CERTIFICATE PEM blocks are allowed, found ${JSON.stringify(b.type)}`;
    if (Object.keys(b.headers).length !== 0) return 'no PEM block headers are permitted';
    try {
      new X509Certificate(b.bytes);
    } catch {
      return 'x509: malformed certificate';
    }
  }
  if (blocks.length === 0) return 'must contain at least one CERTIFICATE PEM block';
  return undefined;
}
