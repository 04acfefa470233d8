import type { KubeObject } from '../../../../shared/api/meta.ts';
import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { SECRET_TYPE_OPAQUE, SECRET_TYPE_TLS, type Secret } from '../../../../shared/api/core-v1.ts';
import { decodePemBlocks } from '../../../../shared/api/validation/pem.ts';
import { validateSecret, validateSecretUpdate } from '../../../../shared/api/validation/secret.ts';
import { Base64Error, decodeStdBase64 } from '../../../../shared/api/validation/base64.ts';
import { newBadRequest } from '../../../../shared/errors/status-error.ts';
import type { CreateStrategy, UpdateStrategy } from '../../rest/strategy.ts';

/**
 * Go decodes []byte map values from base64 before anything else: a bad value is a 400 in the decoder's words
 * (`Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 4`). Values are
 * re-encoded canonically (no line breaks), as the Go encoder writes them back.
 */
export function normalizeBytesMap(kind: string, m: Record<string, unknown> | undefined): Record<string, string> | undefined {
  if (m === undefined || m === null) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(m)) {
    if (v === null) {
      out[k] = '';
      continue;
    }
    try {
      out[k] = decodeStdBase64(String(v)).toString('base64');
    } catch (e) {
      if (e instanceof Base64Error) throw newBadRequest(`${kind} in version "v1" cannot be handled as a ${kind}: ${e.message}`);
      throw e;
    }
  }
  return out;
}

/**
 * Conversion from v1 (Convert_v1_Secret_To_core_Secret) and defaulting: stringData is written into data (its
 * values win) and never stored; type defaults to Opaque.
 */
function prepareSecret(obj: KubeObject): void {
  const s = obj as Secret;
  const data = normalizeBytesMap('Secret', s.data as Record<string, unknown> | undefined);
  if (s.stringData && typeof s.stringData === 'object') {
    const merged = data ?? {};
    for (const [k, v] of Object.entries(s.stringData)) merged[k] = Buffer.from(String(v ?? ''), 'utf8').toString('base64');
    s.data = merged;
  } else if (data) s.data = data;
  else delete s.data;
  delete s.stringData;
  if (!s.type) s.type = SECRET_TYPE_OPAQUE;
}

/**
 * tls.X509KeyPair's verdict on a kubernetes.io/tls Secret, in Go's words: the first CERTIFICATE block must
 * parse, a `... PRIVATE KEY` block must parse, and the key must be the certificate's.
 */
export function tlsKeyPairError(certPem: Buffer, keyPem: Buffer): string | undefined {
  const certBlocks = decodePemBlocks(certPem);
  const cert = certBlocks.find((b) => b.type === 'CERTIFICATE');
  if (!cert) {
    if (certBlocks.some((b) => b.type.endsWith('PRIVATE KEY'))) {
      return 'tls: failed to find certificate PEM data in certificate input, but did find a private key; PEM inputs may have been switched';
    }
    return 'tls: failed to find any PEM data in certificate input';
  }
  const keyBlocks = decodePemBlocks(keyPem);
  const key = keyBlocks.find((b) => b.type === 'PRIVATE KEY' || b.type.endsWith(' PRIVATE KEY'));
  if (!key) {
    if (keyBlocks.length === 0) return 'tls: failed to find any PEM data in key input';
    if (keyBlocks[0]!.type === 'CERTIFICATE') return 'tls: found a certificate rather than a key in the PEM for the private key';
    return `tls: failed to find PEM block with type ending in "PRIVATE KEY" in key input after skipping PEM blocks of the following types: [${keyBlocks.map((b) => b.type).join(' ')}]`;
  }
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(cert.bytes);
  } catch {
    return 'x509: malformed certificate';
  }
  let publicFromKey: string;
  try {
    const format = key.type === 'RSA PRIVATE KEY' ? { type: 'pkcs1' as const } : key.type === 'EC PRIVATE KEY' ? { type: 'sec1' as const } : { type: 'pkcs8' as const };
    const priv = createPrivateKey({ key: key.bytes, format: 'der', ...format });
    publicFromKey = createPublicKey(priv).export({ format: 'der', type: 'spki' }).toString('base64');
  } catch {
    return 'tls: failed to parse private key';
  }
  const publicFromCert = certificate.publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
  if (publicFromCert !== publicFromKey) return 'tls: private key does not match public key';
  return undefined;
}

/** warningsForSecret. */
function secretWarnings(obj: KubeObject): string[] {
  const s = obj as Secret;
  if (s.type !== SECRET_TYPE_TLS) return [];
  const b = (k: string) => Buffer.from(s.data?.[k] ?? '', 'base64');
  const err = tlsKeyPairError(b('tls.crt'), b('tls.key'));
  return err ? [err] : [];
}

/** pkg/registry/core/secret/strategy.go. */
export const secretStrategy: CreateStrategy & UpdateStrategy = {
  prepareForCreate: prepareSecret,
  validate: validateSecret,
  warningsOnCreate: secretWarnings,
  prepareForUpdate: (obj) => prepareSecret(obj),
  validateUpdate: validateSecretUpdate,
  warningsOnUpdate: (obj) => secretWarnings(obj),
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
};
