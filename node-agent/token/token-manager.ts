/**
 * ServiceAccount tokens for the pods on this node (kubelet pkg/kubelet/token/token_manager.go).
 *
 * A token is asked for with a TokenRequest (`POST serviceaccounts/{name}/token`, authentication.k8s.io/v1)
 * bound to the pod, and cached by (service account, namespace, audiences, expirationSeconds, bound object).
 * A cached token is used until it needs a refresh, which is when:
 *   - it is older than 80% of its TTL (now > expiration - 20% of spec.expirationSeconds - jitter), or
 *   - it is older than 24 hours (now > issued + 24h - jitter), or
 *   - it claims to be issued in the future (the clock jumped back).
 * The jitter is up to 10 s, so tokens of many pods are not all refreshed in the same second. If a refresh
 * fails, the old token is kept while it is still valid (the failure is logged); an expired one is an error.
 * Tokens of a pod are forgotten when the pod is cleaned up; expired ones by `cleanup()` (the agent's
 * housekeeping; kubelet runs it every minute).
 */
import type { KubeObject } from '../../shared/api/meta.ts';
import type { ResourceClient } from '../../shared/client/interfaces.ts';
import { isNotFound, StatusError } from '../../shared/errors/status-error.ts';
import { realClock, type Clock } from '../../shared/util/clock.ts';
import { log as rootLog, type Logger } from '../../shared/util/log.ts';

const MAX_TTL_MS = 24 * 60 * 60 * 1000;
const MAX_JITTER_SECONDS = 10;

export interface BoundObjectReference {
  kind?: string;
  apiVersion?: string;
  name?: string;
  uid?: string;
}

/** authentication.k8s.io/v1 TokenRequest. */
export interface TokenRequest extends KubeObject {
  spec: {
    audiences?: string[] | null;
    expirationSeconds?: number;
    boundObjectRef?: BoundObjectReference;
  };
  status?: {
    token: string;
    /** RFC 3339. */
    expirationTimestamp: string;
  };
}

export type GetToken = (namespace: string, serviceAccountName: string, request: TokenRequest) => Promise<TokenRequest>;

/** A GetToken posting to serviceaccounts/{name}/token through a client for `serviceaccounts`. */
export function tokenRequester(serviceAccounts: ResourceClient): GetToken {
  return async (namespace, name, request) => {
    try {
      return await serviceAccounts.createSubresource<TokenRequest>(namespace, name, 'token', request);
    } catch (err) {
      // A 404 naming no object is the route itself missing (no signing key on the API server), not a missing
      // ServiceAccount or pod (kubelet asks discovery for serviceaccounts/token to tell the two apart).
      if (isNotFound(err) && err instanceof StatusError && !err.status.details?.name) {
        throw new Error(`the API server does not have TokenRequest endpoints enabled: ${(err as Error).message}`);
      }
      throw err;
    }
  };
}

/** What a volume needs from the token manager. */
export interface ServiceAccountTokenGetter {
  getServiceAccountToken(namespace: string, name: string, request: TokenRequest): Promise<TokenRequest>;
}

export interface TokenManagerOptions {
  getToken: GetToken;
  clock?: Clock;
  log?: Logger;
  /** Jitter source in [0, 1). @default Math.random */
  random?: () => number;
}

function keyOf(namespace: string, name: string, tr: TokenRequest): string {
  const ref = tr.spec.boundObjectRef ?? {};
  return JSON.stringify([name, namespace, tr.spec.audiences ?? [], tr.spec.expirationSeconds ?? 0, ref.kind ?? '', ref.apiVersion ?? '', ref.name ?? '', ref.uid ?? '']);
}

export class TokenManager implements ServiceAccountTokenGetter {
  #getToken: GetToken;
  #clock: Clock;
  #log: Logger;
  #random: () => number;
  #cache = new Map<string, TokenRequest>();

  constructor(options: TokenManagerOptions) {
    this.#getToken = options.getToken;
    this.#clock = options.clock ?? realClock;
    this.#log = options.log ?? rootLog;
    this.#random = options.random ?? Math.random;
  }

  /** The cached token, or a new one from the API when it needs a refresh (see the file comment). */
  async getServiceAccountToken(namespace: string, name: string, request: TokenRequest): Promise<TokenRequest> {
    const key = keyOf(namespace, name, request);
    const cached = this.#cache.get(key);
    if (cached && !this.requiresRefresh(cached)) return cached;
    let fresh: TokenRequest;
    try {
      fresh = await this.#getToken(namespace, name, request);
    } catch (err) {
      if (!cached) throw new Error(`failed to fetch token: ${(err as Error).message}`);
      if (this.#expired(cached)) throw new Error(`token ${key} expired and refresh failed: ${(err as Error).message}`);
      this.#log.warn("Couldn't update token", { cacheKey: key, err: (err as Error).message });
      return cached;
    }
    this.#cache.set(key, fresh);
    return fresh;
  }

  /** Forgets the tokens bound to a pod (its volumes are gone). */
  deleteServiceAccountToken(podUID: string): void {
    for (const [k, tr] of this.#cache) if (tr.spec.boundObjectRef?.uid === podUID) this.#cache.delete(k);
  }

  /** Drops expired tokens. */
  cleanup(): void {
    for (const [k, tr] of this.#cache) if (this.#expired(tr)) this.#cache.delete(k);
  }

  get size(): number {
    return this.#cache.size;
  }

  #expired(tr: TokenRequest): boolean {
    return this.#clock.now() > Date.parse(tr.status?.expirationTimestamp ?? '');
  }

  requiresRefresh(tr: TokenRequest): boolean {
    const seconds = tr.spec.expirationSeconds;
    if (seconds === undefined) {
      this.#log.error('Expiration seconds was nil for token request', { namespace: tr.metadata?.namespace ?? '' });
      return false;
    }
    const exp = Date.parse(tr.status?.expirationTimestamp ?? '');
    if (Number.isNaN(exp)) return true;
    const now = this.#clock.now();
    const iat = exp - seconds * 1000;
    const jitterMs = Math.floor(this.#random() * MAX_JITTER_SECONDS) * 1000;
    if (now > iat + MAX_TTL_MS - jitterMs) return true;
    if (now > exp - Math.floor((seconds * 20) / 100) * 1000 - jitterMs) return true;
    if (now < iat) return true;
    return false;
  }
}
