/**
 * Private keys for kubelab's certificates: generated EC P-256 keys (what kubelet generates for its CSRs) and
 * keys read from PEM files written by openssl (EC in SEC1 or PKCS#8, RSA in PKCS#1 or PKCS#8), turned into
 * WebCrypto keys for @peculiar/x509.
 *
 *   const key = generateEcPrivateKey();                 // { pem, algorithm: 'ECDSA' }
 *   const signer = await loadSigningKey(key.pem);       // { privateKey, publicKey, signingAlgorithm }
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, webcrypto, type KeyObject } from 'node:crypto';

type CryptoKey = webcrypto.CryptoKey;

export interface GeneratedKey {
  /** PKCS#8 PEM ("BEGIN PRIVATE KEY"). */
  pem: string;
}

/** A fresh EC P-256 private key (kubelet's keyutil.MakeEllipticPrivateKeyPEM). */
export function generateEcPrivateKey(): GeneratedKey {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return { pem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
}

/** A key pair in WebCrypto form, with the algorithm to sign with. */
export interface SigningKey {
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  /** 'ECDSA' or 'RSA'. */
  type: 'ECDSA' | 'RSA';
  /** The algorithm parameters for x509 signing (SHA-256 with the key's algorithm). */
  signingAlgorithm: webcrypto.EcdsaParams | webcrypto.RsaHashedImportParams;
}

function namedCurve(key: KeyObject): string {
  const curve = key.asymmetricKeyDetails?.namedCurve;
  switch (curve) {
    case 'prime256v1':
      return 'P-256';
    case 'secp384r1':
      return 'P-384';
    case 'secp521r1':
      return 'P-521';
    default:
      throw new Error(`Cannot use the private key as its curve is not supported: ${curve ?? 'unknown'}`);
  }
}

/** Reads a PEM private key (EC or RSA, any of openssl's encodings) for signing. */
export async function loadSigningKey(pem: string | Buffer): Promise<SigningKey> {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (err) {
    throw new Error(`Cannot read the private key: ${(err as Error).message}`);
  }
  const pkcs8 = key.export({ type: 'pkcs8', format: 'der' });
  const spki = createPublicKey(key).export({ type: 'spki', format: 'der' });
  const subtle = webcrypto.subtle;
  if (key.asymmetricKeyType === 'ec') {
    const alg = { name: 'ECDSA', namedCurve: namedCurve(key) };
    return {
      type: 'ECDSA',
      privateKey: (await subtle.importKey('pkcs8', pkcs8, alg, true, ['sign'])),
      publicKey: (await subtle.importKey('spki', spki, alg, true, ['verify'])),
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' } as webcrypto.EcdsaParams,
    };
  }
  if (key.asymmetricKeyType === 'rsa') {
    const alg = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
    return {
      type: 'RSA',
      privateKey: (await subtle.importKey('pkcs8', pkcs8, alg, true, ['sign'])),
      publicKey: (await subtle.importKey('spki', spki, alg, true, ['verify'])),
      signingAlgorithm: alg as webcrypto.RsaHashedImportParams,
    };
  }
  throw new Error(`Cannot use the private key as its type is not supported: ${key.asymmetricKeyType ?? 'unknown'} (EC or RSA)`);
}
