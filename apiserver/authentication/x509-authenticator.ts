import { X509Certificate } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket, DetailedPeerCertificate } from 'node:tls';
import type { Clock } from '../../shared/util/clock.ts';
import { realClock } from '../../shared/util/clock.ts';
import { AuthenticationError, type AuthenticationResult, type RequestAuthenticator } from './authenticator.ts';
import type { UserInfo } from './user-info.ts';

/**
 * Client certificate authentication (k8s.io/apiserver pkg/authentication/request/x509): the TLS peer's chain
 * must lead to a CA of --client-ca-file, every certificate of it must be within its validity period, and one
 * with an extendedKeyUsage must allow clientAuth (Go's x509.Verify with KeyUsages: [ClientAuth]). The user is
 * the leaf's subject CommonName, its groups the subject Organizations (CommonNameUserConversion). A leaf
 * without a CommonName is not handled.
 *
 * The server asks every client for a certificate (`requestCert`, not `rejectUnauthorized`: a request without
 * one goes on to the token authenticators and anonymous), and this code verifies it. The verdict is kept per
 * TLS connection (a connection has one peer chain), so a request costs one WeakMap lookup and a clock read.
 */

const EKU_CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const EKU_ANY = '2.5.29.37.0';
const MAX_CHAIN = 10;
/** Distinct client certificates whose verdicts are kept across connections. */
const LEAF_CACHE_SIZE = 4096;

/** Reads a PEM bundle (--client-ca-file) into certificates. */
export function parseCertificateBundle(pem: string | Buffer): X509Certificate[] {
  const text = typeof pem === 'string' ? pem : pem.toString('utf8');
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw new Error('no certificates found in the client CA bundle');
  return blocks.map((b) => new X509Certificate(b));
}

function describe(cert: X509Certificate): string {
  return `SN=${BigInt(`0x${cert.serialNumber}`).toString()}`;
}

function issuedBy(child: X509Certificate, parent: X509Certificate): boolean {
  try {
    return child.checkIssued(parent) && child.verify(parent.publicKey);
  } catch {
    return false;
  }
}

function usable(cert: X509Certificate, now: number): string | undefined {
  const from = cert.validFromDate.getTime();
  const to = cert.validToDate.getTime();
  if (now > to) return `x509: certificate has expired or is not yet valid: current time ${iso(now)} is after ${iso(to)}`;
  if (now < from) return `x509: certificate has expired or is not yet valid: current time ${iso(now)} is before ${iso(from)}`;
  const eku = cert.keyUsage as string[] | undefined;
  if (eku && eku.length > 0 && !eku.includes(EKU_CLIENT_AUTH) && !eku.includes(EKU_ANY)) return 'x509: certificate specifies an incompatible key usage';
  return undefined;
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export interface VerifiedChain {
  leaf: X509Certificate;
  /** The earliest notAfter of the chain: the verdict holds until then. */
  validUntil: number;
  validFrom: number;
  /** Issued by a root itself: the verdict does not depend on the intermediates the peer sent. */
  direct: boolean;
}

/**
 * Verifies a leaf (with the intermediates the peer sent) against the roots at time `now`; throws an
 * AuthenticationError in upstream's shape (`verifying certificate SN=..., failed: x509: ...`).
 */
export function verifyClientCertificate(leaf: X509Certificate, intermediates: readonly X509Certificate[], roots: readonly X509Certificate[], now: number): VerifiedChain {
  const fail = (why: string): never => {
    throw new AuthenticationError(`verifying certificate ${describe(leaf)} failed: ${why}`);
  };
  let current = leaf;
  let validUntil = Number.POSITIVE_INFINITY;
  let validFrom = Number.NEGATIVE_INFINITY;
  const seen = new Set<string>();
  for (let depth = 0; depth < MAX_CHAIN; depth++) {
    const problem = usable(current, now);
    if (problem) fail(problem);
    validUntil = Math.min(validUntil, current.validToDate.getTime());
    validFrom = Math.max(validFrom, current.validFromDate.getTime());
    const root = roots.find((r) => issuedBy(current, r));
    if (root) {
      const rootProblem = root.fingerprint256 === current.fingerprint256 ? undefined : usable(root, now);
      if (rootProblem) fail(rootProblem);
      if (root.fingerprint256 !== current.fingerprint256) {
        validUntil = Math.min(validUntil, root.validToDate.getTime());
        validFrom = Math.max(validFrom, root.validFromDate.getTime());
      }
      return { leaf, validUntil, validFrom, direct: depth === 0 };
    }
    seen.add(current.fingerprint256);
    const next = intermediates.find((i) => i.ca && !seen.has(i.fingerprint256) && issuedBy(current, i));
    if (!next) break;
    current = next;
  }
  return fail('x509: certificate signed by unknown authority');
}

/** Subject fields of a peer certificate as node:tls reports them: one value or several (`O: ['a', 'b']`). */
function values(v: string | string[] | undefined): string[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

/** CommonNameUserConversion: CN is the user, O the groups; no CN: not handled. */
export function userFromSubject(subject: Record<string, string | string[] | undefined> | undefined): UserInfo | null {
  const cn = values(subject?.['CN'])[0];
  if (!cn) return null;
  return { name: cn, groups: values(subject?.['O']) };
}

type Verdict = { result: AuthenticationResult | null; validUntil: number; validFrom: number; direct?: boolean } | { error: string };

/** The x509 request authenticator over --client-ca-file's certificates. */
export function x509Authenticator(opts: { roots: readonly X509Certificate[]; clock?: Clock }): RequestAuthenticator {
  const clock = opts.clock ?? realClock;
  const verdicts = new WeakMap<object, Verdict>();
  // Verdicts by the leaf's SHA-256 across connections, for leaves a root issued itself (their verdict does not
  // depend on the intermediates a connection sends): a client opening many connections (every watch is one)
  // pays the chain verification once per certificate. A verified signature stays verified; the validity window
  // is still checked on every use; failures are not kept. Bounded: the oldest entry goes first.
  const byLeaf = new Map<string, Verdict>();
  const decide = (socket: TLSSocket): Verdict => {
    const leafCert = socket.getPeerX509Certificate?.();
    if (!leafCert) return { result: null, validUntil: Number.POSITIVE_INFINITY, validFrom: Number.NEGATIVE_INFINITY };
    const key = leafCert.fingerprint256;
    const known = byLeaf.get(key);
    const now = clock.now();
    if (known && 'validUntil' in known && now <= known.validUntil && now >= known.validFrom) return known;
    const v = verifyPeer(socket);
    if ('validUntil' in v && v.direct) {
      byLeaf.delete(key);
      byLeaf.set(key, v);
      if (byLeaf.size > LEAF_CACHE_SIZE) byLeaf.delete(byLeaf.keys().next().value as string);
    }
    return v;
  };
  const verifyPeer = (socket: TLSSocket): Verdict => {
    const peer = socket.getPeerCertificate(true) as DetailedPeerCertificate | undefined;
    if (!peer || !peer.raw) return { result: null, validUntil: Number.POSITIVE_INFINITY, validFrom: Number.NEGATIVE_INFINITY };
    try {
      const leaf = new X509Certificate(peer.raw);
      const intermediates: X509Certificate[] = [];
      let p: DetailedPeerCertificate | undefined = peer.issuerCertificate;
      const seen = new Set<DetailedPeerCertificate>([peer]);
      while (p && p.raw && !seen.has(p) && intermediates.length < MAX_CHAIN) {
        seen.add(p);
        intermediates.push(new X509Certificate(p.raw));
        p = p.issuerCertificate;
      }
      const chain = verifyClientCertificate(leaf, intermediates, opts.roots, clock.now());
      const user = userFromSubject(peer.subject as unknown as Record<string, string | string[]>);
      return { result: user ? { user } : null, validUntil: chain.validUntil, validFrom: chain.validFrom, direct: chain.direct };
    } catch (e) {
      return { error: e instanceof Error ? e.message : String(e) };
    }
  };
  return (req: IncomingMessage) => {
    const socket = req.socket as TLSSocket;
    if (typeof socket?.getPeerCertificate !== 'function') return null;
    let v = verdicts.get(socket);
    const now = clock.now();
    if (!v || ('validUntil' in v && (now > v.validUntil || now < v.validFrom))) {
      v = decide(socket);
      verdicts.set(socket, v);
    }
    if ('error' in v) throw new AuthenticationError(v.error);
    return v.result;
  };
}
