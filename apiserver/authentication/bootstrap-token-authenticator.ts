import { timingSafeEqual } from 'node:crypto';
import type { Clock } from '../../shared/util/clock.ts';
import { realClock } from '../../shared/util/clock.ts';
import { log } from '../../shared/util/log.ts';
import type { KubeObjectLike, ObjectGetter, TokenAuthenticator } from './authenticator.ts';
import { BOOTSTRAP_GROUP, BOOTSTRAP_USER_PREFIX } from './user-info.ts';

/**
 * Bootstrap tokens (plugin/pkg/auth/authenticator/token/bootstrap): a bearer token `<id>.<secret>` matches
 * the Secret `bootstrap-token-<id>` in kube-system of type `bootstrap.kubernetes.io/token`. Anything that does
 * not match (no such Secret, being deleted, wrong type, wrong secret, expired, not marked for authentication,
 * bad extra groups) is "not handled", so the request is 401 as for any unknown token.
 */

export const BOOTSTRAP_TOKEN_SECRET_TYPE = 'bootstrap.kubernetes.io/token';
export const BOOTSTRAP_TOKEN_SECRET_PREFIX = 'bootstrap-token-';
const TOKEN_RE = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;
const GROUP_RE = /^system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]$/;

/** A Secret's value: `data` (base64) as stored, `stringData` as a fallback. */
function secretValue(secret: KubeObjectLike, key: string): string {
  const data = secret['data'] as Record<string, string> | undefined;
  const v = data?.[key];
  if (typeof v === 'string') return Buffer.from(v, 'base64').toString('utf8');
  const sd = secret['stringData'] as Record<string, string> | undefined;
  return typeof sd?.[key] === 'string' ? sd[key] : '';
}

/** bootstrapsecretutil.GetGroups: system:bootstrappers plus auth-extra-groups, validated, deduplicated, sorted. */
export function bootstrapGroups(extra: string): string[] {
  const groups = new Set([BOOTSTRAP_GROUP]);
  if (extra) {
    for (const g of extra.split(',')) {
      if (!GROUP_RE.test(g)) throw new Error(`${JSON.stringify(g)} (must match ${GROUP_RE.source})`);
      groups.add(g);
    }
  }
  return [...groups].sort();
}

export function bootstrapTokenAuthenticator(opts: { getObject: ObjectGetter; clock?: Clock }): TokenAuthenticator {
  const clock = opts.clock ?? realClock;
  return async (token) => {
    const m = TOKEN_RE.exec(token);
    if (!m) return null;
    const id = m[1] as string;
    const given = m[2] as string;
    const secretName = `${BOOTSTRAP_TOKEN_SECRET_PREFIX}${id}`;
    const secret = await opts.getObject('secrets', 'kube-system', secretName);
    const refuse = (why: string) => {
      log.debug(`Bootstrap secret kube-system/${secretName} ${why}`);
      return null;
    };
    if (!secret) return refuse('not found');
    if (secret.metadata.deletionTimestamp) return refuse('is deleted and awaiting removal');
    if (secret['type'] !== BOOTSTRAP_TOKEN_SECRET_TYPE || (!secret['data'] && !secret['stringData'])) {
      return refuse(`has invalid type, expected ${BOOTSTRAP_TOKEN_SECRET_TYPE}.`);
    }
    const stored = Buffer.from(secretValue(secret, 'token-secret'));
    const presented = Buffer.from(given);
    if (stored.length !== presented.length || !timingSafeEqual(stored, presented)) return refuse('has invalid value for key token-secret.');
    if (secretValue(secret, 'token-id') !== id) return refuse('has invalid value for key token-id.');
    const expiration = secretValue(secret, 'expiration');
    if (expiration) {
      const at = Date.parse(expiration);
      if (Number.isNaN(at) || at < clock.now()) return refuse(`has expired (${expiration}).`);
    }
    if (secretValue(secret, 'usage-bootstrap-authentication') !== 'true') return refuse('not marked usage-bootstrap-authentication=true.');
    let groups: string[];
    try {
      groups = bootstrapGroups(secretValue(secret, 'auth-extra-groups'));
    } catch (e) {
      return refuse(`has invalid value for key auth-extra-groups: ${(e as Error).message}.`);
    }
    return { user: { name: `${BOOTSTRAP_USER_PREFIX}${id}`, groups } };
  };
}
