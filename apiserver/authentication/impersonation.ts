import type { IncomingMessage } from 'node:http';
import { newForbidden, newInternalError } from '../../shared/errors/status-error.ts';
import type { AuthorizationAttributes, Authorizer } from '../authorization/authorizer.ts';
import { serviceAccountGroups, serviceAccountUsername, splitServiceAccountUsername } from './service-account-token.ts';
import { ALL_AUTHENTICATED, ALL_UNAUTHENTICATED, ANONYMOUS, type UserInfo } from './user-info.ts';

/**
 * Impersonation (k8s.io/apiserver pkg/endpoints/filters/impersonation.go WithImpersonation): the headers
 * `Impersonate-User`, `Impersonate-Group` (repeatable), `Impersonate-Uid` and `Impersonate-Extra-<key>` make
 * the request act as another user, each one allowed by the authorizer as verb `impersonate` on
 * `users` / `groups` (core group, as upstream's ObjectReference kinds resolve), `serviceaccounts` (core,
 * namespaced) for `system:serviceaccount:<ns>:<name>`, `uids` and `userextras/<key>` (authentication.k8s.io).
 * A refusal is kube's 403 (`users "x" is forbidden: User "y" cannot impersonate resource "users" in API group
 * "" at the cluster scope`).
 */

const USER_HEADER = 'impersonate-user';
const GROUP_HEADER = 'impersonate-group';
const UID_HEADER = 'impersonate-uid';
const EXTRA_PREFIX = 'impersonate-extra-';
const AUTHENTICATION_GROUP = 'authentication.k8s.io';

interface ImpersonationRequest {
  kind: 'User' | 'ServiceAccount' | 'Group' | 'UserExtra' | 'UID';
  name: string;
  namespace?: string;
  /** UserExtra: the extra key. */
  field?: string;
}

function headerValues(req: Pick<IncomingMessage, 'headers'>, name: string): string[] {
  const v = req.headers[name];
  if (v === undefined) return [];
  // Node joins repeated unknown headers with ", "; Impersonate-Group values are one group each.
  const raw = Array.isArray(v) ? v : [v];
  return raw.flatMap((s) => s.split(/,\s*/)).filter((s) => s !== '');
}

function rawValues(req: Pick<IncomingMessage, 'rawHeaders'>, lowerName: string): string[] {
  const out: string[] = [];
  const h = req.rawHeaders ?? [];
  for (let i = 0; i + 1 < h.length; i += 2) if ((h[i] as string).toLowerCase() === lowerName) out.push(h[i + 1] as string);
  return out;
}

/** True when the request carries any impersonation header (the common case answers false after one scan). */
export function hasImpersonationHeaders(req: Pick<IncomingMessage, 'headers'>): boolean {
  for (const k in req.headers) if (k.startsWith('impersonate-')) return true;
  return false;
}

/** unescapeExtraKey: `Impersonate-Extra-` keys are percent-encoded and lower-cased. */
function unescapeExtraKey(key: string): string {
  try {
    return decodeURIComponent(key);
  } catch {
    return key;
  }
}

/** buildImpersonationRequests: what the headers ask for, in upstream's order (user, groups, extras, uid). */
export function impersonationRequests(req: Pick<IncomingMessage, 'headers' | 'rawHeaders'>): ImpersonationRequest[] {
  const out: ImpersonationRequest[] = [];
  const user = rawValues(req, USER_HEADER)[0] ?? '';
  if (user) {
    const sa = splitServiceAccountUsername(user);
    out.push(sa ? { kind: 'ServiceAccount', namespace: sa.namespace, name: sa.name } : { kind: 'User', name: user });
  }
  const groups = req.rawHeaders ? rawValues(req, GROUP_HEADER) : headerValues(req, GROUP_HEADER);
  for (const g of groups) out.push({ kind: 'Group', name: g });
  const extraKeys = new Set<string>();
  for (const k in req.headers) if (k.startsWith(EXTRA_PREFIX)) extraKeys.add(k);
  for (const k of extraKeys) {
    const key = unescapeExtraKey(k.slice(EXTRA_PREFIX.length).toLowerCase());
    for (const v of rawValues(req, k)) out.push({ kind: 'UserExtra', name: v, field: key });
  }
  const uid = rawValues(req, UID_HEADER)[0] ?? '';
  if (uid) out.push({ kind: 'UID', name: uid });
  if (!user && out.length > 0) {
    throw newInternalError(`requested ${describe(out)} without impersonating a user`);
  }
  return out;
}

function describe(rs: ImpersonationRequest[]): string {
  return `[${rs.map((r) => `{${r.kind} ${r.namespace ?? ''} ${r.name} ${r.field ?? ''}}`).join(' ')}]`;
}

/** kube's forbiddenMessage for a resource request. */
function forbiddenMessage(a: AuthorizationAttributes): string {
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  if (a.namespace) return `User ${JSON.stringify(a.user.name)} cannot ${a.verb} resource ${JSON.stringify(resource)} in API group ${JSON.stringify(a.apiGroup)} in the namespace ${JSON.stringify(a.namespace)}`;
  return `User ${JSON.stringify(a.user.name)} cannot ${a.verb} resource ${JSON.stringify(resource)} in API group ${JSON.stringify(a.apiGroup)} at the cluster scope`;
}

/**
 * Returns the user a request acts as: the authenticated one when it has no impersonation headers, else the
 * impersonated one once every part is allowed. Throws kube's 403 (or 500 for groups/extras/uid without a user).
 */
export async function impersonate(authorizer: Authorizer, requester: UserInfo, req: Pick<IncomingMessage, 'headers' | 'rawHeaders'>): Promise<UserInfo> {
  if (!hasImpersonationHeaders(req)) return requester;
  const requests = impersonationRequests(req);
  if (requests.length === 0) return requester;
  let username = '';
  let groups: string[] = [];
  let groupsSpecified = false;
  let uid = '';
  const extra: Record<string, string[]> = {};
  for (const r of requests) if (r.kind === 'Group') groupsSpecified = true;
  for (const r of requests) {
    const attrs: AuthorizationAttributes = {
      user: requester,
      verb: 'impersonate',
      isResourceRequest: true,
      path: '',
      namespace: r.namespace ?? '',
      apiGroup: '',
      apiVersion: '',
      resource: '',
      subresource: '',
      name: r.name,
    };
    switch (r.kind) {
      case 'ServiceAccount':
        attrs.resource = 'serviceaccounts';
        attrs.apiVersion = 'v1';
        username = serviceAccountUsername(r.namespace ?? '', r.name);
        if (!groupsSpecified) groups = serviceAccountGroups(r.namespace ?? '');
        break;
      case 'User':
        attrs.resource = 'users';
        username = r.name;
        break;
      case 'Group':
        attrs.resource = 'groups';
        groups.push(r.name);
        break;
      case 'UserExtra':
        attrs.apiGroup = AUTHENTICATION_GROUP;
        attrs.apiVersion = 'v1';
        attrs.resource = 'userextras';
        attrs.subresource = r.field ?? '';
        (extra[r.field ?? ''] ??= []).push(r.name);
        break;
      case 'UID':
        attrs.apiGroup = AUTHENTICATION_GROUP;
        attrs.apiVersion = 'v1';
        attrs.resource = 'uids';
        uid = r.name;
        break;
    }
    let decision: string;
    let reason = '';
    try {
      const res = await authorizer.authorize(attrs);
      decision = res.decision;
      reason = res.reason;
    } catch (e) {
      decision = 'Deny';
      reason = e instanceof Error ? e.message : String(e);
    }
    if (decision !== 'Allow') {
      const qualified = attrs.apiGroup ? `${attrs.resource}.${attrs.apiGroup}` : attrs.resource;
      const msg = forbiddenMessage(attrs);
      const err = newForbidden(qualified, attrs.name, reason ? `${msg}: ${reason}` : msg);
      if (err.status.details) {
        err.status.details.kind = attrs.resource;
        if (attrs.apiGroup) err.status.details.group = attrs.apiGroup;
      }
      throw err;
    }
  }
  if (username !== ANONYMOUS) {
    if (!groups.some((g) => g === ALL_AUTHENTICATED || g === ALL_UNAUTHENTICATED)) groups.push(ALL_AUTHENTICATED);
  } else if (!groups.includes(ALL_UNAUTHENTICATED)) groups.push(ALL_UNAUTHENTICATED);
  const user: UserInfo = { name: username, groups };
  if (uid) user.uid = uid;
  if (Object.keys(extra).length > 0) user.extra = extra;
  return user;
}
