/**
 * Authentication and authorization of the node agent's API (kubelet pkg/kubelet/server/auth.go and
 * server.go InstallAuthFilter, with the webhook authenticator/authorizer of k8s.io/apiserver's
 * authenticatorfactory/authorizerfactory):
 *
 * 1. Authenticate: a TLS client certificate that chains to `--client-ca-file` (CN = user, O = groups,
 *    extended key usage client auth when the certificate has one); else `Authorization: Bearer <token>` checked
 *    with a TokenReview (authentication.k8s.io/v1), answers cached 2 min (kubelet's webhook cacheTTL);
 *    else 401 `Unauthorized` (kubelab runs with anonymous auth off, as `kubeadm` configures kubelets).
 * 2. Authorize with a SubjectAccessReview (authorization.k8s.io/v1), allowed answers cached 5 min, denied
 *    30 s (cacheAuthorizedTTL / cacheUnauthorizedTTL): resource `nodes`, name = the node, verb from the HTTP
 *    method (GET get, POST create, PUT update, PATCH patch, DELETE delete), subresource by path as kubelet
 *    with KubeletFineGrainedAuthz: /stats stats, /metrics metrics, /logs log, /checkpoint checkpoint,
 *    /pods and /runningpods pods then proxy, /configz configz then proxy, anything else proxy; the request
 *    passes when any of them is allowed. Otherwise 403 `Forbidden (user=<u>, verb=<v>, resource=nodes,
 *    subresource(s)=[<s> ...])`.
 *    kubelab is stricter than kubelet in one place: /exec, /attach, /portForward and /run are authorized
 *    with verb `create` whatever the HTTP method (a WebSocket upgrade is a GET; upstream kubelet authorizes
 *    it as `get`, so `get nodes/proxy` would be enough to run commands: the fix proposed upstream in
 *    kubernetes/kubernetes#136550).
 * `/healthz` is the one path served without authentication (kubelet's own healthz port 10248 has none).
 */
import { createHash, X509Certificate } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { UserInfo } from '../../apiserver/authentication/user-info.ts';
import { subjectAccessReviewsResource } from '../../shared/client/clientset.ts';
import type { Client, ResourceDescriptor } from '../../shared/client/interfaces.ts';
import { realClock, type Clock } from '../../shared/util/clock.ts';
import { log as rootLog, type Logger } from '../../shared/util/log.ts';

export const tokenReviewResource: ResourceDescriptor = { group: 'authentication.k8s.io', version: 'v1', resource: 'tokenreviews', kind: 'TokenReview', namespaced: false };

/** The attributes one authorization check is made with (the kubelet's authorizer.Attributes). */
export interface NodeRequestAttributes {
  verb: string;
  subresource: string;
  path: string;
}

/** Verb and subresource(s) for a request to the agent (GetRequestAttributes). */
export function nodeRequestAttributes(method: string, rawPath: string): NodeRequestAttributes[] {
  const path = rawPath.split('?')[0] ?? '/';
  let verb = ({ POST: 'create', GET: 'get', PUT: 'update', PATCH: 'patch', DELETE: 'delete' } as Record<string, string>)[method.toUpperCase()] ?? '';
  const sub = (prefix: string) => path === prefix || path.startsWith(`${prefix}/`);
  if (sub('/exec') || sub('/attach') || sub('/portForward') || sub('/run')) verb = 'create';
  const attrs = (...subresources: string[]) => subresources.map((subresource) => ({ verb, subresource, path }));
  if (sub('/stats')) return attrs('stats');
  if (sub('/metrics')) return attrs('metrics');
  if (sub('/logs')) return attrs('log');
  if (sub('/checkpoint')) return attrs('checkpoint');
  if (sub('/pods') || sub('/runningpods')) return attrs('pods', 'proxy');
  if (sub('/healthz')) return attrs('healthz', 'proxy');
  if (sub('/configz')) return attrs('configz', 'proxy');
  return attrs('proxy');
}

/** The answer to an agent request before it reaches a handler. */
export type AuthResult = { ok: true; user: UserInfo } | { ok: false; code: 401 | 403 | 500; message: string };

export interface TokenReviewer {
  /** The user the token belongs to, or null when the API server says it is not valid. Throws on failure to ask. */
  review(token: string, signal?: AbortSignal): Promise<UserInfo | null>;
}
export interface NodeAccessReviewer {
  allowed(user: UserInfo, nodeName: string, attrs: NodeRequestAttributes, signal?: AbortSignal): Promise<boolean>;
}

/** TokenReviews through the API server. */
export function apiTokenReviewer(client: Client): TokenReviewer {
  const reviews = client.resource(tokenReviewResource);
  return {
    async review(token, signal) {
      const out = (await reviews.create({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', metadata: {}, spec: { token } } as never, signal ? { signal } : {})) as {
        status?: { authenticated?: boolean; user?: { username?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> } };
      };
      const s = out.status;
      if (!s?.authenticated || !s.user?.username) return null;
      return { name: s.user.username, groups: s.user.groups ?? [], ...(s.user.uid ? { uid: s.user.uid } : {}), ...(s.user.extra ? { extra: s.user.extra } : {}) };
    },
  };
}

/** SubjectAccessReviews through the API server. */
export function apiNodeAccessReviewer(client: Client): NodeAccessReviewer {
  const sars = client.resource(subjectAccessReviewsResource);
  return {
    async allowed(user, nodeName, attrs, signal) {
      const spec = {
        user: user.name,
        groups: user.groups,
        ...(user.uid ? { uid: user.uid } : {}),
        ...(user.extra ? { extra: user.extra } : {}),
        resourceAttributes: { verb: attrs.verb, group: '', version: 'v1', resource: 'nodes', subresource: attrs.subresource, name: nodeName },
      };
      const out = (await sars.create({ apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', metadata: {}, spec } as never, signal ? { signal } : {})) as { status?: { allowed?: boolean } };
      return out.status?.allowed === true;
    },
  };
}

export interface NodeAuthOptions {
  /** The node the API speaks for (SubjectAccessReview name; '' for an endpoint shared by many nodes). */
  nodeName: string;
  /** Verifies bearer tokens (absent: tokens are not accepted). */
  tokenReviewer?: TokenReviewer;
  accessReviewer: NodeAccessReviewer;
  /** @default 2 min */
  tokenCacheTtlMs?: number;
  /** @default 5 min */
  authorizedTtlMs?: number;
  /** @default 30 s */
  unauthorizedTtlMs?: number;
  clock?: Clock;
  log?: Logger;
}

const CLIENT_AUTH_OID = '1.3.6.1.5.5.7.3.2';

/** The user of a verified client certificate (CN, O). */
export function userFromCertificate(cert: X509Certificate): UserInfo | null {
  const fields = cert.subject.split('\n');
  const cn = fields.find((f) => f.startsWith('CN='))?.slice(3) ?? '';
  if (!cn) return null;
  const eku = cert.keyUsage;
  if (eku && eku.length > 0 && !eku.includes(CLIENT_AUTH_OID) && !eku.includes('2.5.29.37.0')) return null;
  return { name: cn, groups: fields.filter((f) => f.startsWith('O=')).map((f) => f.slice(2)) };
}

interface Cached<T> {
  value: T;
  until: number;
}

export class NodeAuth {
  readonly #o: NodeAuthOptions;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #tokens = new Map<string, Cached<UserInfo | null>>();
  readonly #decisions = new Map<string, Cached<boolean>>();

  constructor(options: NodeAuthOptions) {
    this.#o = options;
    this.#clock = options.clock ?? realClock;
    this.#log = (options.log ?? rootLog).with({ component: 'node-auth' });
  }

  /** Whether a path is served without authentication. */
  static isPublic(path: string): boolean {
    const p = path.split('?')[0] ?? '';
    return p === '/healthz';
  }

  /** Who sent the request: a verified client certificate, else a reviewed bearer token; null when neither. */
  async authenticate(req: IncomingMessage, signal?: AbortSignal): Promise<UserInfo | null> {
    const socket = req.socket as TLSSocket;
    if (socket.encrypted && socket.authorized) {
      const raw = socket.getPeerCertificate(false)?.raw;
      if (raw) {
        const user = userFromCertificate(new X509Certificate(raw));
        if (user) return user;
      }
    }
    const header = req.headers.authorization ?? '';
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m || !this.#o.tokenReviewer) return null;
    const token = m[1] as string;
    const key = createHash('sha256').update(token).digest('hex');
    const now = this.#clock.now();
    const hit = this.#tokens.get(key);
    if (hit && hit.until > now) return hit.value;
    const user = await this.#o.tokenReviewer.review(token, signal);
    this.#tokens.set(key, { value: user, until: now + (this.#o.tokenCacheTtlMs ?? 120_000) });
    this.#prune(this.#tokens, now);
    return user;
  }

  async #allowed(user: UserInfo, attrs: NodeRequestAttributes, signal?: AbortSignal): Promise<boolean> {
    const key = JSON.stringify([user.name, user.uid ?? '', [...user.groups].sort(), user.extra ?? {}, attrs.verb, attrs.subresource]);
    const now = this.#clock.now();
    const hit = this.#decisions.get(key);
    if (hit && hit.until > now) return hit.value;
    const allowed = await this.#o.accessReviewer.allowed(user, this.#o.nodeName, attrs, signal);
    this.#decisions.set(key, { value: allowed, until: now + (allowed ? this.#o.authorizedTtlMs ?? 300_000 : this.#o.unauthorizedTtlMs ?? 30_000) });
    this.#prune(this.#decisions, now);
    return allowed;
  }

  #prune<T>(m: Map<string, Cached<T>>, now: number): void {
    if (m.size < 4096) return;
    for (const [k, v] of m) if (v.until <= now) m.delete(k);
  }

  /** Authenticates and authorizes one request (see file comment). */
  async check(req: IncomingMessage, signal?: AbortSignal): Promise<AuthResult> {
    let user: UserInfo | null;
    try {
      user = await this.authenticate(req, signal);
    } catch (err) {
      this.#log.warn('Unable to authenticate the request due to an error', { err });
      return { ok: false, code: 401, message: 'Unauthorized' };
    }
    if (!user) return { ok: false, code: 401, message: 'Unauthorized' };
    const all = nodeRequestAttributes(req.method ?? 'GET', req.url ?? '/');
    for (const attrs of all) {
      let allowed: boolean;
      try {
        allowed = await this.#allowed(user, attrs, signal);
      } catch (err) {
        this.#log.warn('Authorization error', { user: user.name, verb: attrs.verb, subresource: attrs.subresource, err });
        return { ok: false, code: 500, message: `Authorization error (user=${user.name}, verb=${attrs.verb}, resource=nodes, subresource=${attrs.subresource})` };
      }
      if (allowed) return { ok: true, user };
    }
    const verb = all[0]?.verb ?? '';
    const message = `Forbidden (user=${user.name}, verb=${verb}, resource=nodes, subresource(s)=[${all.map((a) => a.subresource).join(' ')}])`;
    this.#log.info('Forbidden', { user: user.name, verb, subresources: all.map((a) => a.subresource) });
    return { ok: false, code: 403, message };
  }
}
