import type { IncomingMessage } from 'node:http';
import { newUnauthorized } from '../../shared/errors/status-error.ts';
import type { Clock } from '../../shared/util/clock.ts';
import { realClock } from '../../shared/util/clock.ts';
import { ALL_AUTHENTICATED, ALL_UNAUTHENTICATED, ANONYMOUS, anonymousUser, type UserInfo } from './user-info.ts';

/**
 * The authentication chain of kube-apiserver (k8s.io/apiserver pkg/authentication: request/union,
 * request/bearertoken, token/union, token/cache, group.AuthenticatedGroupAdder, request/anonymous), in the
 * same order: x509 client certificate, then bearer tokens, then anonymous.
 *
 * Every authenticator answers one of three ways, as upstream's `(resp, ok, err)`:
 * - a result: the credential is valid;
 * - null: it saw no credential it handles (the next one is asked);
 * - a thrown AuthenticationError: the credential it handles is invalid. The chain still asks the others (a
 *   request may carry a bad client certificate and a good token, and upstream's union accepts it); when none
 *   succeeds the request is 401 and never falls back to anonymous.
 */

/** A credential was presented and is not valid (the message is logged / shown in TokenReview status.error). */
export class AuthenticationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuthenticationError';
  }
}

/** What a successful authenticator returns (authenticator.Response). */
export interface AuthenticationResult {
  user: UserInfo;
  /** The audiences the credential is valid for among those asked for (ServiceAccount tokens); empty: any. */
  audiences?: string[];
}

/** Looks at the request itself (client certificate). */
export type RequestAuthenticator = (req: IncomingMessage) => Promise<AuthenticationResult | null> | AuthenticationResult | null;

/**
 * Checks one bearer token. `audiences` are the audiences the server asks for (the API audiences, or a
 * TokenReview's spec.audiences); an audience-aware authenticator (ServiceAccount JWTs) intersects them with
 * the token's.
 */
export type TokenAuthenticator = (token: string, audiences: readonly string[]) => Promise<AuthenticationResult | null> | AuthenticationResult | null;

/** Reads one object through the registry's stores; null when it does not exist. */
export type ObjectGetter = (resource: 'serviceaccounts' | 'pods' | 'secrets' | 'nodes', namespace: string, name: string) => Promise<KubeObjectLike | null>;

/** The few fields the authenticators read of the objects they look up. */
export interface KubeObjectLike {
  metadata: { name?: string; namespace?: string; uid?: string; deletionTimestamp?: string | null };
  [k: string]: unknown;
}

/** The Authorization header's bearer token, or undefined (bearertoken.New: no header / another scheme / empty). */
export function bearerToken(req: Pick<IncomingMessage, 'headers'>): string | undefined {
  const header = req.headers.authorization;
  if (!header) return undefined;
  const m = /^\s*bearer\s+(\S+)\s*$/i.exec(header);
  if (!m || !m[1]) return undefined;
  return m[1];
}

/** Each token authenticator in turn; the first success wins; errors are collected (token/union). */
export function tokenUnion(authenticators: readonly TokenAuthenticator[]): TokenAuthenticator {
  return async (token, audiences) => {
    const errors: string[] = [];
    for (const a of authenticators) {
      try {
        const r = await a(token, audiences);
        if (r) return r;
      } catch (e) {
        errors.push(e instanceof Error ? e.message : String(e));
      }
    }
    if (errors.length > 0) throw new AuthenticationError(aggregate(errors));
    return null;
  };
}

/** utilerrors.NewAggregate's message: one error as itself, several as `[a, b]`. */
function aggregate(messages: string[]): string {
  return messages.length === 1 ? (messages[0] as string) : `[${messages.join(', ')}]`;
}

/**
 * Caches successful token authentications for `ttlMs` (token/cache; kube-apiserver's
 * --authentication-token-cache-ttl-like default of 10 s), keyed by token and requested audiences. Failures are
 * not cached (TokenFailureCacheTTL 0). The cache is bounded: when full it is cleared.
 */
export function cachedTokenAuthenticator(inner: TokenAuthenticator, opts: { ttlMs: number; clock?: Clock; maxEntries?: number }): TokenAuthenticator {
  if (opts.ttlMs <= 0) return inner;
  const clock = opts.clock ?? realClock;
  const max = opts.maxEntries ?? 4096;
  // Keyed by the asked audiences, then by token: no per-request string building (a JWT is ~1 KB).
  const caches = new Map<string, Map<string, { at: number; result: AuthenticationResult }>>();
  let size = 0;
  return async (token, audiences) => {
    const audKey = audiences.length === 1 ? (audiences[0] as string) : audiences.join('\u0000');
    let cache = caches.get(audKey);
    const now = clock.now();
    const hit = cache?.get(token);
    if (hit && now - hit.at < opts.ttlMs) return hit.result;
    const r = await inner(token, audiences);
    if (r) {
      if (size >= max) {
        caches.clear();
        size = 0;
        cache = undefined;
      }
      if (!cache) {
        cache = new Map();
        caches.set(audKey, cache);
      }
      if (!cache.has(token)) size++;
      cache.set(token, { at: now, result: r });
    } else if (hit) {
      cache?.delete(token);
      size--;
    }
    return r;
  };
}

/**
 * authenticator.WrapAudienceAgnosticToken: a token authenticator that knows nothing of audiences (static
 * tokens, bootstrap tokens) is valid only for the API audiences; its result carries the asked audiences that
 * are API audiences.
 */
export function audienceAgnostic(inner: TokenAuthenticator, apiAudiences: readonly string[]): TokenAuthenticator {
  if (apiAudiences.length === 0) return inner;
  return async (token, audiences) => {
    const matched = audiences.length === 0 ? [...apiAudiences] : audiences.filter((a) => apiAudiences.includes(a));
    if (matched.length === 0) return null;
    const r = await inner(token, audiences);
    return r ? { ...r, audiences: matched } : null;
  };
}

/** The bearer token authenticator of a request (bearertoken.New): no token → null; a token nobody accepts → error. */
export function bearerTokenAuthenticator(tokens: TokenAuthenticator, audiences: readonly string[]): RequestAuthenticator {
  return async (req) => {
    const token = bearerToken(req);
    if (!token) return null;
    const r = await tokens(token, audiences);
    if (!r) throw new AuthenticationError('invalid bearer token');
    return r;
  };
}

/** The request authenticators in turn (request/union): first success wins, else the collected errors. */
export function requestUnion(authenticators: readonly RequestAuthenticator[]): RequestAuthenticator {
  return async (req) => {
    const errors: string[] = [];
    for (const a of authenticators) {
      try {
        const r = await a(req);
        if (r) return r;
      } catch (e) {
        errors.push(e instanceof Error ? e.message : String(e));
      }
    }
    if (errors.length > 0) throw new AuthenticationError(aggregate(errors));
    return null;
  };
}

/** group.AuthenticatedGroupAdder: every authenticated user (not anonymous) is in system:authenticated. */
export function withAuthenticatedGroup(user: UserInfo): UserInfo {
  if (user.name === ANONYMOUS) return user;
  if (user.groups.includes(ALL_AUTHENTICATED) || user.groups.includes(ALL_UNAUTHENTICATED)) return user;
  // The same (cached) user object gets the same result: no new arrays per request.
  let added = withGroup.get(user);
  if (!added) {
    added = { ...user, groups: [...user.groups, ALL_AUTHENTICATED] };
    withGroup.set(user, added);
  }
  return added;
}
const withGroup = new WeakMap<UserInfo, UserInfo>();

export interface AuthenticationChainOptions {
  /** Client certificate authenticator (x509), when --client-ca-file is set. */
  x509?: RequestAuthenticator;
  /** Bearer token authenticators (static file, bootstrap tokens, ServiceAccount JWTs), already cached if wanted. */
  tokens?: TokenAuthenticator;
  /** The API audiences (--api-audiences): what a request's bearer token must be meant for. */
  apiAudiences: readonly string[];
  /** --anonymous-auth (default true), or the authentication configuration's `anonymous.enabled`. */
  anonymous: boolean;
  /**
   * The authentication configuration's `anonymous.conditions`: when present, a request without credentials is
   * system:anonymous only on these exact paths and 401 elsewhere (request/anonymous with conditions).
   */
  anonymousPaths?: ReadonlySet<string>;
  /** Called with the error of a refused credential (logging). */
  onError?: (message: string) => void;
}

/**
 * The whole chain as the server calls it: the user, or a 401 StatusError (kube's `Unauthorized` Status). No
 * credential at all is `system:anonymous` in `system:unauthenticated` when anonymous auth is on, else 401.
 */
export function authenticationChain(opts: AuthenticationChainOptions): { authenticate: (req: IncomingMessage) => Promise<UserInfo>; authenticateRequest: RequestAuthenticator } {
  const parts: RequestAuthenticator[] = [];
  if (opts.x509) parts.push(opts.x509);
  if (opts.tokens) parts.push(bearerTokenAuthenticator(opts.tokens, opts.apiAudiences));
  const union = requestUnion(parts);
  const authenticateRequest: RequestAuthenticator = async (req) => {
    const r = await union(req);
    if (!r) return null;
    const user = withAuthenticatedGroup(r.user);
    return user === r.user ? r : { ...r, user };
  };
  return {
    authenticateRequest,
    async authenticate(req) {
      let r: AuthenticationResult | null;
      try {
        r = await authenticateRequest(req);
      } catch (e) {
        opts.onError?.(e instanceof Error ? e.message : String(e));
        throw newUnauthorized();
      }
      if (r) return r.user;
      if (opts.anonymous && (!opts.anonymousPaths || opts.anonymousPaths.has(requestPath(req)))) return anonymousUser();
      throw newUnauthorized();
    },
  };
}

/** The request's path without its query (req.URL.Path). */
function requestPath(req: Pick<IncomingMessage, 'url'>): string {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  return q >= 0 ? url.slice(0, q) : url;
}

/** Paths anyone may read without credentials (kube's system:public-info-viewer). */
export function isPublicInfoPath(path: string): boolean {
  return path === '/healthz' || path === '/livez' || path === '/readyz' || path === '/version' || path.startsWith('/healthz/') || path.startsWith('/livez/') || path.startsWith('/readyz/');
}
