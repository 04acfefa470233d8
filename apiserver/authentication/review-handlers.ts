import { newBadRequest, newInternalError, newMethodNotAllowed } from '../../shared/errors/status-error.ts';
import { decodeBody, readBody } from '../endpoints/handlers/body.ts';
import { writeObject } from '../endpoints/handlers/response.ts';
import type { RequestContext, SubresourceHandler } from '../endpoints/request-context.ts';
import type { RequestAuthenticator } from './authenticator.ts';
import type { UserInfo } from './user-info.ts';

/**
 * The authentication.k8s.io/v1 review APIs: create-only, nothing stored.
 * - TokenReview (pkg/registry/authentication/tokenreview): runs a token through the request authenticator as
 *   a request carrying only `Authorization: Bearer <token>`, for spec.audiences or else the API audiences.
 * - SelfSubjectReview (pkg/registry/authentication/selfsubjectreview): the requester's own user info
 *   (`kubectl auth whoami`).
 */

export const AUTHENTICATION_API_VERSION = 'authentication.k8s.io/v1';

/** Reads a create body of `kind` in authentication.k8s.io/v1 (JSON, YAML or protobuf). */
export async function readReviewBody(ctx: RequestContext, kind: string, apiVersion = AUTHENTICATION_API_VERSION): Promise<Record<string, unknown>> {
  const body = decodeBody(await readBody(ctx.req), ctx.req.headers['content-type']);
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw newBadRequest(`${kind} in version "v1" cannot be handled as a ${kind}: the body must be a JSON object`);
  const obj = body as Record<string, unknown>;
  if (obj['kind'] !== undefined && obj['kind'] !== '' && obj['kind'] !== kind) {
    throw newBadRequest(`${String(obj['kind'])} in version "${String(obj['apiVersion'] ?? 'v1')}" cannot be handled as a ${kind}: no kind "${String(obj['kind'])}" is registered for version "${apiVersion}"`);
  }
  if (obj['apiVersion'] !== undefined && obj['apiVersion'] !== '' && obj['apiVersion'] !== apiVersion) {
    throw newBadRequest(`the API version in the data (${String(obj['apiVersion'])}) does not match the expected API version (${apiVersion})`);
  }
  if (!obj['metadata'] || typeof obj['metadata'] !== 'object') obj['metadata'] = {};
  return obj;
}

function write(ctx: RequestContext, obj: object): void {
  writeObject(ctx.res, 201, obj, ctx.output.as === 'object' ? ctx.output.format : 'json');
}

/** authenticationv1.UserInfo of a user. */
export function userInfoOf(user: UserInfo): Record<string, unknown> {
  const out: Record<string, unknown> = { username: user.name };
  if (user.uid) out['uid'] = user.uid;
  if (user.groups.length) out['groups'] = [...user.groups];
  if (user.extra && Object.keys(user.extra).length) out['extra'] = { ...user.extra };
  return out;
}

export interface TokenReviewOptions {
  /** The bearer-token part of the chain (with the authenticated group adder), for given audiences. */
  authenticateToken?: (token: string, audiences: readonly string[]) => ReturnType<RequestAuthenticator>;
  apiAudiences: readonly string[];
}

/** POST /apis/authentication.k8s.io/v1/tokenreviews. */
export function tokenReviewHandler(opts: TokenReviewOptions): SubresourceHandler {
  return async (ctx) => {
    if (ctx.info.verb !== 'create') throw newMethodNotAllowed('the server does not allow this method on the requested resource');
    const review = await readReviewBody(ctx, 'TokenReview');
    if (ctx.info.namespace) throw newBadRequest(`namespace is not allowed on this type: ${ctx.info.namespace}`);
    const spec = (review['spec'] && typeof review['spec'] === 'object' ? review['spec'] : {}) as { token?: unknown; audiences?: unknown };
    review['spec'] = spec;
    const token = typeof spec.token === 'string' ? spec.token : '';
    if (!token) throw newBadRequest('token is required for TokenReview in authentication');
    review['kind'] = 'TokenReview';
    review['apiVersion'] = AUTHENTICATION_API_VERSION;
    const meta = review['metadata'] as Record<string, unknown>;
    meta['creationTimestamp'] = null;
    if (!opts.authenticateToken) {
      review['status'] = { user: {} };
      write(ctx, review);
      return;
    }
    const asked = Array.isArray(spec.audiences) ? spec.audiences.filter((a): a is string => typeof a === 'string') : [];
    const audiences = asked.length > 0 ? asked : [...opts.apiAudiences];
    const status: Record<string, unknown> = {};
    let result: Awaited<ReturnType<RequestAuthenticator>> = null;
    try {
      result = await opts.authenticateToken(token, audiences);
      if (!result) status['error'] = 'invalid bearer token';
    } catch (e) {
      status['error'] = e instanceof Error ? e.message : String(e);
    }
    status['authenticated'] = Boolean(result);
    if (result && audiences.length > 0 && result.audiences && result.audiences.length > 0 && !result.audiences.some((a) => audiences.includes(a))) {
      throw newInternalError('error validating audiences');
    }
    status['user'] = result ? userInfoOf(result.user) : {};
    if (result?.audiences && result.audiences.length > 0) status['audiences'] = result.audiences;
    review['status'] = status;
    write(ctx, review);
  };
}

/** POST /apis/authentication.k8s.io/v1/selfsubjectreviews. */
export function selfSubjectReviewHandler(): SubresourceHandler {
  return async (ctx) => {
    if (ctx.info.verb !== 'create') throw newMethodNotAllowed('the server does not allow this method on the requested resource');
    const review = await readReviewBody(ctx, 'SelfSubjectReview');
    write(ctx, {
      kind: 'SelfSubjectReview',
      apiVersion: AUTHENTICATION_API_VERSION,
      metadata: { ...(review['metadata'] as object), creationTimestamp: new Date(ctx.now()).toISOString().replace(/\.\d{3}Z$/, 'Z') },
      status: { userInfo: userInfoOf(ctx.user) },
    });
  };
}
