import { readFileSync } from 'node:fs';
import { createPublicKey } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isNotFound } from '../../shared/errors/status-error.ts';
import type { Clock } from '../../shared/util/clock.ts';
import { log } from '../../shared/util/log.ts';
import type { Registry } from '../registry/registry.ts';
import {
  audienceAgnostic,
  authenticationChain,
  cachedTokenAuthenticator,
  tokenUnion,
  withAuthenticatedGroup,
  type AuthenticationResult,
  type KubeObjectLike,
  type ObjectGetter,
  type TokenAuthenticator,
} from './authenticator.ts';
import { loadAuthenticationConfiguration, resolveAnonymousAuthentication } from './authentication-config.ts';
import { bootstrapTokenAuthenticator } from './bootstrap-token-authenticator.ts';
import { selfSubjectReviewHandler, tokenReviewHandler } from './review-handlers.ts';
import {
  DEFAULT_SERVICE_ACCOUNT_ISSUER,
  ServiceAccountTokenIssuer,
  readPrivateKey,
  readPublicKeys,
  serviceAccountTokenAuthenticator,
} from './service-account-token.ts';
import { tokenFileAuthenticatorFromFile } from './token-file-authenticator.ts';
import { tokenRequestHandler } from './token-request.ts';
import { parseCertificateBundle, x509Authenticator } from './x509-authenticator.ts';
import type { UserInfo } from './user-info.ts';

/** kube-apiserver's authentication flags (BuiltInAuthenticationOptions), as APIServerConfig carries them. */
export interface AuthenticationConfig {
  /** --client-ca-file: PEM bundle of CAs whose client certificates are accepted. */
  clientCAFile?: string;
  /** --token-auth-file. */
  tokenAuthFile?: string;
  /** --enable-bootstrap-token-auth. */
  enableBootstrapTokenAuth?: boolean;
  /** --anonymous-auth (default true). */
  anonymousAuth?: boolean;
  /**
   * --authentication-config: an AuthenticationConfiguration file (its `anonymous` section). When the file has
   * `anonymous`, --anonymous-auth must not be given (`anonymousAuthFlagSet`).
   */
  authenticationConfigFile?: string;
  /** True when --anonymous-auth was given on the command line (not defaulted). */
  anonymousAuthFlagSet?: boolean;
  /** --service-account-key-file (repeatable): public keys (or private keys) that verify ServiceAccount tokens. */
  serviceAccountKeyFiles?: string[];
  /** --service-account-signing-key-file: the private key TokenRequest signs with. */
  serviceAccountSigningKeyFile?: string;
  /** --service-account-issuer (repeatable; the first one signs). Default https://kubernetes.default.svc.cluster.local. */
  serviceAccountIssuers?: string[];
  /** --api-audiences (default: the issuers). */
  apiAudiences?: string[];
  /** --service-account-max-token-expiration in seconds (0 or absent: none). */
  serviceAccountMaxTokenExpirationSeconds?: number;
  /** How long a successful token authentication is cached (kube: 10 s). */
  tokenSuccessCacheTTLMs?: number;
}

export interface Authentication {
  /** The request authenticator, absent when no authenticator is configured (the loopback dev server). */
  authenticate?: (req: IncomingMessage) => Promise<UserInfo>;
  /** The --client-ca-file bundle, for the TLS server to ask for client certificates. */
  clientCA?: Buffer;
  /** True when any credential authenticator (x509, tokens) is configured. */
  configured: boolean;
  apiAudiences: string[];
  /** Present when --service-account-signing-key-file is given. */
  issuer?: ServiceAccountTokenIssuer;
}

/** Reads ServiceAccounts, Pods, Secrets and Nodes through the registry's stores (null when absent or not served). */
export function registryObjectGetter(registry: Registry): ObjectGetter {
  return async (resource, namespace, name) => {
    const store = registry.stores.get(resource);
    if (!store) return null;
    try {
      return (await store.get(namespace || undefined, name)) as unknown as KubeObjectLike;
    } catch (e) {
      if (isNotFound(e)) return null;
      throw e;
    }
  };
}

/**
 * Builds the authentication chain from the flags and serves what depends on it: TokenReview,
 * SelfSubjectReview and (with a signing key) serviceaccounts/token.
 */
export function buildAuthentication(cfg: AuthenticationConfig, registry: Registry, clock: Clock): Authentication {
  const getObject = registryObjectGetter(registry);
  const issuers = cfg.serviceAccountIssuers && cfg.serviceAccountIssuers.length > 0 ? cfg.serviceAccountIssuers : [DEFAULT_SERVICE_ACCOUNT_ISSUER];
  const apiAudiences = cfg.apiAudiences && cfg.apiAudiences.length > 0 ? cfg.apiAudiences : [...issuers];

  const clientCA = cfg.clientCAFile ? readFileSync(cfg.clientCAFile) : undefined;
  const x509 = clientCA ? x509Authenticator({ roots: parseCertificateBundle(clientCA), clock }) : undefined;

  const tokenAuthenticators: TokenAuthenticator[] = [];
  if (cfg.tokenAuthFile) tokenAuthenticators.push(audienceAgnostic(tokenFileAuthenticatorFromFile(cfg.tokenAuthFile), apiAudiences));
  if (cfg.enableBootstrapTokenAuth) tokenAuthenticators.push(audienceAgnostic(bootstrapTokenAuthenticator({ getObject, clock }), apiAudiences));
  const signingKey = cfg.serviceAccountSigningKeyFile ? readPrivateKey(cfg.serviceAccountSigningKeyFile) : undefined;
  const verifyKeys = readPublicKeys(cfg.serviceAccountKeyFiles ?? []);
  if (signingKey) verifyKeys.push(createPublicKey(signingKey));
  if (verifyKeys.length > 0) {
    tokenAuthenticators.push(serviceAccountTokenAuthenticator({ issuers, keys: verifyKeys, implicitAudiences: apiAudiences, getObject, clock }));
  }
  const tokens =
    tokenAuthenticators.length > 0 ? cachedTokenAuthenticator(tokenUnion(tokenAuthenticators), { ttlMs: cfg.tokenSuccessCacheTTLMs ?? 10_000, clock }) : undefined;
  const configured = Boolean(x509 || tokens);
  const fileConfig = cfg.authenticationConfigFile ? loadAuthenticationConfiguration(cfg.authenticationConfigFile) : undefined;
  const anonymous = resolveAnonymousAuthentication(cfg.anonymousAuthFlagSet ? (cfg.anonymousAuth ?? true) : undefined, fileConfig);
  // Without `anonymous` in a file, cfg.anonymousAuth decides (programmatic configs set it without the flag).
  const anonymousEnabled = fileConfig?.anonymous ? anonymous.enabled : (cfg.anonymousAuth ?? true);
  const chain = authenticationChain({
    x509,
    tokens,
    apiAudiences,
    anonymous: anonymousEnabled,
    anonymousPaths: anonymous.paths,
    onError: (message) => log.debug('Unable to authenticate the request', { err: message }),
  });

  // TokenReview runs a token through the bearer-token part of the chain (with system:authenticated added).
  const authenticateToken = tokens
    ? async (token: string, audiences: readonly string[]): Promise<AuthenticationResult | null> => {
        const r = await tokens(token, audiences);
        return r ? { ...r, user: withAuthenticatedGroup(r.user) } : null;
      }
    : undefined;
  registry.serveCreateOnly(
    { group: 'authentication.k8s.io', version: 'v1', resource: 'tokenreviews', kind: 'TokenReview', namespaced: false },
    tokenReviewHandler({ authenticateToken, apiAudiences }),
  );
  registry.serveCreateOnly(
    { group: 'authentication.k8s.io', version: 'v1', resource: 'selfsubjectreviews', kind: 'SelfSubjectReview', namespaced: false },
    selfSubjectReviewHandler(),
  );

  let issuer: ServiceAccountTokenIssuer | undefined;
  if (signingKey) {
    issuer = new ServiceAccountTokenIssuer({ issuer: issuers[0] as string, privateKey: signingKey, clock });
    const handler = tokenRequestHandler({ issuer, getObject, apiAudiences, maxExpirationSeconds: cfg.serviceAccountMaxTokenExpirationSeconds, admission: registry.admission });
    if (!registry.addSubresource('', 'v1', 'serviceaccounts', 'token', handler)) {
      log.warn('serviceaccounts are not served: TokenRequest (serviceaccounts/token) is unavailable');
    }
  }
  return { authenticate: configured ? chain.authenticate : undefined, clientCA, configured, apiAudiences, issuer };
}
