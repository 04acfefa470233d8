import { createHash, createPrivateKey, createPublicKey, randomUUID, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { CompactSign, compactVerify, decodeProtectedHeader } from 'jose';
import type { Clock } from '../../shared/util/clock.ts';
import { realClock } from '../../shared/util/clock.ts';
import { AuthenticationError, type AuthenticationResult, type KubeObjectLike, type ObjectGetter, type TokenAuthenticator } from './authenticator.ts';
import { ALL_SERVICE_ACCOUNTS_GROUP, SERVICE_ACCOUNT_USERNAME_PREFIX, type UserInfo } from './user-info.ts';

/**
 * ServiceAccount tokens: JWTs the API server signs (TokenRequest) and accepts as bearer tokens, as upstream's
 * pkg/serviceaccount (jwt.go, claims.go) and k8s.io/apiserver pkg/authentication/serviceaccount.
 */

/** The default --service-account-issuer (the contract: docs/design/access-control.md). */
export const DEFAULT_SERVICE_ACCOUNT_ISSUER = 'https://kubernetes.default.svc.cluster.local';

/** User extra keys a ServiceAccount token sets (k8s.io/apiserver pkg/authentication/serviceaccount). */
export const POD_NAME_KEY = 'authentication.kubernetes.io/pod-name';
export const POD_UID_KEY = 'authentication.kubernetes.io/pod-uid';
export const NODE_NAME_KEY = 'authentication.kubernetes.io/node-name';
export const NODE_UID_KEY = 'authentication.kubernetes.io/node-uid';
export const CREDENTIAL_ID_KEY = 'authentication.kubernetes.io/credential-id';

/** go-jose's jwt.DefaultLeeway: expiry and not-before are checked with a minute's slack. */
const LEEWAY_SECONDS = 60;

/** `system:serviceaccount:<ns>:<name>`. */
export function serviceAccountUsername(namespace: string, name: string): string {
  return `${SERVICE_ACCOUNT_USERNAME_PREFIX}${namespace}:${name}`;
}

/** `system:serviceaccounts`, `system:serviceaccounts:<ns>`. */
export function serviceAccountGroups(namespace: string): string[] {
  return [ALL_SERVICE_ACCOUNTS_GROUP, `${ALL_SERVICE_ACCOUNTS_GROUP}:${namespace}`];
}

/** Splits `system:serviceaccount:<ns>:<name>` (serviceaccount.SplitUsername); undefined when it is not one. */
export function splitServiceAccountUsername(username: string): { namespace: string; name: string } | undefined {
  if (!username.startsWith(SERVICE_ACCOUNT_USERNAME_PREFIX)) return undefined;
  const parts = username.slice(SERVICE_ACCOUNT_USERNAME_PREFIX.length).split(':');
  if (parts.length !== 2 || !parts[0] || !parts[1]) return undefined;
  return { namespace: parts[0], name: parts[1] };
}

/** kid: base64url(sha256(PKIX DER of the public key)), upstream's keyIDFromPublicKey. */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('base64url');
}

/** The JWS algorithm for a key, as upstream's signerFromRSAPrivateKey / signerFromECDSAPrivateKey choose it. */
export function algorithmOf(key: KeyObject): string {
  if (key.asymmetricKeyType === 'rsa') return 'RS256';
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === 'prime256v1' || curve === 'P-256') return 'ES256';
    if (curve === 'secp384r1' || curve === 'P-384') return 'ES384';
    if (curve === 'secp521r1' || curve === 'P-521') return 'ES512';
    throw new Error(`unsupported elliptic curve ${String(curve)} for a service account key`);
  }
  throw new Error(`unsupported service account key type ${String(key.asymmetricKeyType)}: RSA or ECDSA keys only`);
}

const PEM_BLOCK = /-----BEGIN ([A-Z ]+)-----[\s\S]+?-----END \1-----/g;

/**
 * The public keys of a --service-account-key-file: every PEM block (public keys, private keys whose public
 * half is taken, certificates).
 */
export function parsePublicKeys(pem: string): KeyObject[] {
  const keys: KeyObject[] = [];
  for (const m of pem.matchAll(PEM_BLOCK)) {
    const block = m[0];
    const type = m[1] ?? '';
    if (type.includes('PRIVATE KEY')) keys.push(createPublicKey(createPrivateKey(block)));
    else if (type.includes('PUBLIC KEY') || type === 'CERTIFICATE') keys.push(createPublicKey(block));
  }
  if (keys.length === 0) throw new Error('no public or private keys found');
  return keys;
}

export function readPublicKeys(files: readonly string[]): KeyObject[] {
  return files.flatMap((f) => {
    try {
      return parsePublicKeys(readFileSync(f, 'utf8'));
    } catch (e) {
      throw new Error(`--service-account-key-file ${f}: ${(e as Error).message}`);
    }
  });
}

export function readPrivateKey(file: string): KeyObject {
  try {
    return createPrivateKey(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`--service-account-signing-key-file ${file}: ${(e as Error).message}`);
  }
}

/** The `kubernetes.io` private claim. */
export interface KubernetesClaims {
  namespace: string;
  serviceaccount: { name: string; uid: string };
  pod?: { name: string; uid: string };
  secret?: { name: string; uid: string };
  node?: { name: string; uid?: string };
  warnafter?: number;
}

export interface ServiceAccountTokenClaims {
  iss: string;
  sub: string;
  aud: string[];
  exp: number;
  iat: number;
  nbf: number;
  jti: string;
  'kubernetes.io': KubernetesClaims;
}

export interface ObjectRef {
  name: string;
  uid: string;
}

export interface TokenSpec {
  serviceAccount: { namespace: string; name: string; uid: string };
  pod?: ObjectRef;
  secret?: ObjectRef;
  node?: { name: string; uid?: string };
  audiences: readonly string[];
  expirationSeconds: number;
  /** Seconds after issue when a (extended) token should be reported stale. */
  warnAfterSeconds?: number;
}

/** Signs ServiceAccount tokens with --service-account-signing-key-file as the first --service-account-issuer. */
export class ServiceAccountTokenIssuer {
  readonly issuer: string;
  readonly #key: KeyObject;
  readonly #header: { alg: string; kid: string };
  readonly #clock: Clock;

  constructor(opts: { issuer: string; privateKey: KeyObject; clock?: Clock }) {
    this.issuer = opts.issuer;
    this.#key = opts.privateKey;
    this.#header = { alg: algorithmOf(opts.privateKey), kid: keyIdOf(createPublicKey(opts.privateKey)) };
    this.#clock = opts.clock ?? realClock;
  }

  /** The claims of a token (claims.go Claims), its `iat`/`nbf` now. */
  claims(spec: TokenSpec): ServiceAccountTokenClaims {
    const now = Math.floor(this.#clock.now() / 1000);
    const k: KubernetesClaims = {
      namespace: spec.serviceAccount.namespace,
      serviceaccount: { name: spec.serviceAccount.name, uid: spec.serviceAccount.uid },
    };
    if (spec.pod) k.pod = { name: spec.pod.name, uid: spec.pod.uid };
    if (spec.secret) k.secret = { name: spec.secret.name, uid: spec.secret.uid };
    if (spec.node) k.node = spec.node.uid ? { name: spec.node.name, uid: spec.node.uid } : { name: spec.node.name };
    if (spec.warnAfterSeconds) k.warnafter = now + spec.warnAfterSeconds;
    return {
      aud: [...spec.audiences],
      exp: now + spec.expirationSeconds,
      iat: now,
      iss: this.issuer,
      jti: randomUUID(),
      'kubernetes.io': k,
      nbf: now,
      sub: serviceAccountUsername(spec.serviceAccount.namespace, spec.serviceAccount.name),
    };
  }

  async sign(claims: ServiceAccountTokenClaims): Promise<string> {
    return await new CompactSign(Buffer.from(JSON.stringify(claims))).setProtectedHeader(this.#header).sign(this.#key);
  }

  async issue(spec: TokenSpec): Promise<{ token: string; claims: ServiceAccountTokenClaims }> {
    const claims = this.claims(spec);
    return { token: await this.sign(claims), claims };
  }
}

export interface ServiceAccountAuthenticatorOptions {
  /** --service-account-issuer values: a token from another issuer is not handled here. */
  issuers: readonly string[];
  /** --service-account-key-file keys (and the signing key's public half). */
  keys: readonly KeyObject[];
  /** The API audiences: what a token without `aud` is taken to be for, and the default asked audiences. */
  implicitAudiences: readonly string[];
  /** Reads ServiceAccounts, Pods, Secrets, Nodes for the bound-object checks. */
  getObject: ObjectGetter;
  clock?: Clock;
}

function decodePayload(token: string): Record<string, unknown> | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) return undefined;
  try {
    const v: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function audienceList(aud: unknown): string[] {
  if (typeof aud === 'string') return aud ? [aud] : [];
  if (Array.isArray(aud)) return aud.filter((a): a is string => typeof a === 'string');
  return [];
}

/** Go's %q of a []string: `["a" "b"]`. */
function quoteList(xs: readonly string[]): string {
  return `[${xs.map((x) => JSON.stringify(x)).join(' ')}]`;
}

function isDeletedBefore(obj: KubeObjectLike, cutoffMs: number): boolean {
  const ts = obj.metadata.deletionTimestamp;
  return typeof ts === 'string' && Date.parse(ts) < cutoffMs;
}

function asRef(v: unknown): { name: string; uid: string } | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const r = v as { name?: unknown; uid?: unknown };
  return { name: typeof r.name === 'string' ? r.name : '', uid: typeof r.uid === 'string' ? r.uid : '' };
}

/**
 * The ServiceAccount token authenticator (jwt.go JWTTokenAuthenticator + claims.go validator): a JWT whose
 * `iss` is one of ours, signed by one of the keys, meant for one of the asked audiences, within its validity
 * (a minute's leeway), whose ServiceAccount still exists with the same uid and whose bound pod / secret /
 * node (if any) still exists with the same uid and is not being deleted.
 */
export function serviceAccountTokenAuthenticator(opts: ServiceAccountAuthenticatorOptions): TokenAuthenticator {
  const clock = opts.clock ?? realClock;
  const issuers = new Set(opts.issuers);
  const keys = opts.keys.map((k) => ({ key: k, kid: keyIdOf(k) }));
  return async (token: string, audiences: readonly string[]): Promise<AuthenticationResult | null> => {
    const unverified = decodePayload(token);
    if (!unverified || typeof unverified['iss'] !== 'string' || !issuers.has(unverified['iss'])) return null;
    let kid: string | undefined;
    try {
      kid = decodeProtectedHeader(token).kid;
    } catch {
      return null;
    }
    // Keys with the token's kid first, then the rest (a key file may hold keys without a known kid).
    const ordered = kid ? [...keys.filter((k) => k.kid === kid), ...keys.filter((k) => k.kid !== kid)] : keys;
    let payload: Uint8Array | undefined;
    const errors: string[] = [];
    for (const { key } of ordered) {
      try {
        payload = (await compactVerify(token, key)).payload;
        break;
      } catch (e) {
        errors.push((e as Error).message);
      }
    }
    if (!payload) throw new AuthenticationError(errors.length === 1 ? (errors[0] as string) : `[${errors.join(', ')}]`);
    let claims: Record<string, unknown>;
    try {
      claims = JSON.parse(Buffer.from(payload).toString('utf8')) as Record<string, unknown>;
    } catch {
      throw new AuthenticationError('service account token claims could not be validated due to unexpected validation error');
    }
    let tokenAudiences = audienceList(claims['aud']);
    if (tokenAudiences.length === 0) tokenAudiences = [...opts.implicitAudiences];
    const requested = audiences.length > 0 ? audiences : opts.implicitAudiences;
    const matched = tokenAudiences.filter((a) => requested.includes(a));
    if (matched.length === 0 && opts.implicitAudiences.length > 0) {
      throw new AuthenticationError(`token audiences ${quoteList(tokenAudiences)} is invalid for the target audiences ${quoteList(requested)}`);
    }
    const nowMs = clock.now();
    const now = nowMs / 1000;
    const exp = claims['exp'];
    const nbf = claims['nbf'];
    const iat = claims['iat'];
    if (typeof exp === 'number' && now - LEEWAY_SECONDS > exp) throw new AuthenticationError('service account token has expired');
    if (typeof nbf === 'number' && now + LEEWAY_SECONDS < nbf) throw new AuthenticationError('service account token is not valid yet');
    if (typeof iat === 'number' && now + LEEWAY_SECONDS < iat) {
      throw new AuthenticationError('service account token claims could not be validated due to unexpected validation error');
    }
    const k = claims['kubernetes.io'];
    if (!k || typeof k !== 'object') throw new AuthenticationError('service account token claims could not be validated due to unexpected private claim');
    const priv = k as Record<string, unknown>;
    const namespace = typeof priv['namespace'] === 'string' ? priv['namespace'] : '';
    const saRef = asRef(priv['serviceaccount']) ?? { name: '', uid: '' };
    const podRef = asRef(priv['pod']);
    const secretRef = asRef(priv['secret']);
    const nodeRef = asRef(priv['node']);
    const cutoff = nowMs - LEEWAY_SECONDS * 1000;

    const sa = await opts.getObject('serviceaccounts', namespace, saRef.name);
    if (!sa) throw new AuthenticationError(`serviceaccount "${saRef.name}" not found`);
    if (isDeletedBefore(sa, cutoff)) throw new AuthenticationError(`service account ${namespace}/${saRef.name} has been deleted`);
    if ((sa.metadata.uid ?? '') !== saRef.uid) throw new AuthenticationError(`service account UID (${sa.metadata.uid ?? ''}) does not match claim (${saRef.uid})`);

    if (secretRef) {
      const secret = await opts.getObject('secrets', namespace, secretRef.name);
      if (!secret || isDeletedBefore(secret, cutoff)) throw new AuthenticationError('service account token has been invalidated');
      if ((secret.metadata.uid ?? '') !== secretRef.uid) {
        throw new AuthenticationError(`secret UID (${secret.metadata.uid ?? ''}) does not match service account secret ref claim (${secretRef.uid})`);
      }
    }
    if (podRef) {
      const pod = await opts.getObject('pods', namespace, podRef.name);
      if (!pod || isDeletedBefore(pod, cutoff)) throw new AuthenticationError('service account token has been invalidated');
      if ((pod.metadata.uid ?? '') !== podRef.uid) {
        throw new AuthenticationError(`pod UID (${pod.metadata.uid ?? ''}) does not match service account pod ref claim (${podRef.uid})`);
      }
    }
    let nodeName = '';
    let nodeUid = '';
    if (nodeRef) {
      if (!podRef) {
        // A token bound to a node only: the node must still exist with that uid.
        const node = await opts.getObject('nodes', '', nodeRef.name);
        if (!node || isDeletedBefore(node, cutoff)) throw new AuthenticationError('service account token has been invalidated');
        if ((node.metadata.uid ?? '') !== nodeRef.uid) {
          throw new AuthenticationError(`node UID (${node.metadata.uid ?? ''}) does not match service account node ref claim (${nodeRef.uid})`);
        }
      }
      nodeName = nodeRef.name;
      nodeUid = nodeRef.uid;
    }
    const extra: Record<string, string[]> = {};
    if (podRef?.name && podRef.uid) {
      extra[POD_NAME_KEY] = [podRef.name];
      extra[POD_UID_KEY] = [podRef.uid];
    }
    if (typeof claims['jti'] === 'string' && claims['jti']) extra[CREDENTIAL_ID_KEY] = [`JTI=${claims['jti']}`];
    if (nodeName) {
      extra[NODE_NAME_KEY] = [nodeName];
      if (nodeUid) extra[NODE_UID_KEY] = [nodeUid];
    }
    const user: UserInfo = {
      name: serviceAccountUsername(namespace, saRef.name),
      uid: saRef.uid,
      groups: serviceAccountGroups(namespace),
    };
    if (Object.keys(extra).length > 0) user.extra = extra;
    return { user, audiences: matched };
  };
}
