import type { IncomingMessage } from 'node:http';
import { StatusError, newStatus } from '../../shared/errors/status-error.ts';
import { nameIsPathSegment } from '../../shared/api/validation/meta.ts';
import type { UserInfo } from '../authentication/user-info.ts';
import type { RequestInfo } from '../server/request-info.ts';
import type { AuthorizationAttributes, Authorizer } from './authorizer.ts';

/**
 * The 403 of the authorization filter (k8s.io/apiserver endpoints/handlers/responsewriters/errors.go
 * Forbidden + forbiddenMessage, wrapped in apierrors.NewForbidden):
 *   pods is forbidden: User "x" cannot list resource "pods" in API group "" in the namespace "default"
 *   pods "p" is forbidden: User "x" cannot get resource "pods/log" in API group "" in the namespace "default"
 *   nodes is forbidden: User "x" cannot list resource "nodes" in API group "" at the cluster scope
 *   forbidden: User "x" cannot get path "/foo"
 * followed by `: <reason>` when the authorizers gave one.
 */
export function forbiddenMessage(attrs: AuthorizationAttributes): string {
  const username = attrs.user.name;
  if (!attrs.isResourceRequest) return `User ${JSON.stringify(username)} cannot ${attrs.verb} path ${JSON.stringify(attrs.path)}`;
  const resource = attrs.subresource ? `${attrs.resource}/${attrs.subresource}` : attrs.resource;
  const scope = attrs.namespace ? `in the namespace ${JSON.stringify(attrs.namespace)}` : 'at the cluster scope';
  return `User ${JSON.stringify(username)} cannot ${attrs.verb} resource ${JSON.stringify(resource)} in API group ${JSON.stringify(attrs.apiGroup)} ${scope}`;
}

/** apierrors.NewForbidden(GroupResource{group, resource}, name, err): message and details as kube builds them. */
export function newForbiddenError(group: string, resource: string, name: string, message: string): StatusError {
  const qualified = resource ? (group ? `${resource}.${group}` : resource) : '';
  const text = qualified === '' ? `forbidden: ${message}` : name ? `${qualified} ${JSON.stringify(name)} is forbidden: ${message}` : `${qualified} is forbidden: ${message}`;
  const details: { name?: string; group?: string; kind?: string } = {};
  if (name) details.name = name;
  if (group) details.group = group;
  if (resource) details.kind = resource;
  return new StatusError(newStatus(403, 'Forbidden', text, details));
}

/** The 403 for attributes the chain did not allow. */
export function forbiddenError(attrs: AuthorizationAttributes, reason: string): StatusError {
  const msg = forbiddenMessage(attrs);
  return newForbiddenError(attrs.apiGroup, attrs.resource, attrs.name, reason ? `${msg}: ${reason}` : msg);
}

/**
 * The attributes of a request (authorizer.AttributesRecord from RequestInfo). A list or watch whose field
 * selector pins metadata.name carries that name, as RequestInfoFactory does, so resourceNames rules apply to
 * `kubectl get pod x -w`.
 */
export function attributesFor(user: UserInfo, info: RequestInfo, query?: URLSearchParams): AuthorizationAttributes {
  let name = info.name;
  let fieldSelector: string | undefined;
  if (info.isResourceRequest && !name && (info.verb === 'list' || info.verb === 'watch') && query) {
    fieldSelector = query.get('fieldSelector') ?? undefined;
    const pinned = metadataNameFromFieldSelector(fieldSelector ?? null);
    if (pinned !== undefined && nameIsPathSegment(pinned, false).length === 0) name = pinned;
  }
  return {
    ...(fieldSelector ? { fieldSelector } : {}),
    user,
    verb: info.verb,
    isResourceRequest: info.isResourceRequest,
    path: info.path,
    namespace: info.namespace,
    apiGroup: info.apiGroup,
    apiVersion: info.apiVersion,
    resource: info.resource,
    subresource: info.subresource,
    name,
  };
}

/** fields.Selector.RequiresExactMatch(field) over the raw query value. */
export function fieldSelectorExactMatch(sel: string | null | undefined, field: string): string | undefined {
  if (!sel) return undefined;
  for (const term of sel.split(',')) {
    const eq = term.indexOf('=');
    if (eq < 0 || term[eq - 1] === '!') continue;
    if (term.slice(0, eq).trim() !== field) continue;
    return term.slice(term[eq + 1] === '=' ? eq + 2 : eq + 1).trim();
  }
  return undefined;
}

const metadataNameFromFieldSelector = (sel: string | null): string | undefined => fieldSelectorExactMatch(sel, 'metadata.name');

/**
 * Subresources whose upgrade also needs `create`: a WebSocket upgrade is an HTTP GET where SPDY's is a POST
 * (AuthorizePodWebsocketUpgradeCreatePermission), and the server parses every upgrade as a GET.
 */
const UPGRADE_CREATE_SUBRESOURCES = new Set(['exec', 'attach', 'portforward']);

/**
 * The server's authorization step (the `authorize` option of APIServer): builds the attributes, asks the chain,
 * throws kube's 403 unless it allows.
 */
export function requestAuthorizer(authorizer: Authorizer): (user: UserInfo, info: RequestInfo, req: IncomingMessage) => Promise<void> {
  return async (user, info, req) => {
    const query = req.url && req.url.includes('?') ? new URL(req.url, 'http://x').searchParams : undefined;
    const attrs = attributesFor(user, info, query);
    const r = authorizer.authorize(attrs);
    const res = r instanceof Promise ? await r : r;
    if (res.decision !== 'Allow') throw forbiddenError(attrs, res.reason);
    if (
      info.isResourceRequest &&
      info.verb === 'get' &&
      info.resource === 'pods' &&
      UPGRADE_CREATE_SUBRESOURCES.has(info.subresource) &&
      String(req.headers.upgrade ?? '') !== ''
    ) {
      const create = { ...attrs, verb: 'create' };
      const c = authorizer.authorize(create);
      const cres = c instanceof Promise ? await c : c;
      if (cres.decision !== 'Allow') throw forbiddenError(create, cres.reason);
    }
  };
}
