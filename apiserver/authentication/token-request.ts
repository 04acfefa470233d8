import { fieldInvalid, newBadRequest, newConflict, newInvalid, newMethodNotAllowed, newNotFound } from '../../shared/errors/status-error.ts';
import { addWarnings, writeObject } from '../endpoints/handlers/response.ts';
import type { SubresourceHandler } from '../endpoints/request-context.ts';
import { parseDryRun } from '../endpoints/request-context.ts';
import { attributesFor } from '../admission/chain.ts';
import type { StoreAdmission } from '../registry/generic/store.ts';
import type { KubeObject } from '../../shared/api/meta.ts';
import type { KubeObjectLike, ObjectGetter } from './authenticator.ts';
import { AUTHENTICATION_API_VERSION, readReviewBody } from './review-handlers.ts';
import type { ServiceAccountTokenIssuer, TokenSpec } from './service-account-token.ts';

/**
 * TokenRequest: `POST /api/v1/namespaces/{ns}/serviceaccounts/{name}/token` (pkg/registry/core/serviceaccount/
 * storage/token.go), what `kubectl create token` and the node agent's projected volumes call. Takes and
 * returns an authentication.k8s.io/v1 TokenRequest; nothing is stored.
 */

/** TokenRequest validation bounds (pkg/apis/authentication/validation). */
const MIN_TOKEN_SECONDS = 10 * 60;
const MAX_TOKEN_SECONDS = 2 ** 32;
const DEFAULT_TOKEN_SECONDS = 60 * 60;
/** claims.go: a pod-bound token asked for exactly this long is extended to a year and warns after it. */
export const WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS = 60 * 60 + 7;
const EXPIRATION_EXTENSION_SECONDS = 24 * 365 * 60 * 60;

export interface TokenRequestOptions {
  issuer: ServiceAccountTokenIssuer;
  getObject: ObjectGetter;
  /** --api-audiences: the default spec.audiences. */
  apiAudiences: readonly string[];
  /** --service-account-max-token-expiration in seconds (0: none). */
  maxExpirationSeconds?: number;
  /** --service-account-extend-token-expiration (upstream default true). */
  extendExpiration?: boolean;
  /** The admission chain (NodeRestriction checks a node's token requests); Registry.admission. */
  admission?: StoreAdmission;
}

function uidOf(o: KubeObjectLike): string {
  return o.metadata.uid ?? '';
}

function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function tokenRequestHandler(opts: TokenRequestOptions): SubresourceHandler {
  return async (ctx) => {
    if (ctx.info.verb !== 'create') throw newMethodNotAllowed('the server does not allow this method on the requested resource');
    const namespace = ctx.info.namespace;
    const name = ctx.info.name;
    const req = await readReviewBody(ctx, 'TokenRequest');
    const meta = req['metadata'] as { name?: string; namespace?: string; creationTimestamp?: string | null };
    if (meta.name && meta.name !== name) {
      throw newInvalid('TokenRequest', name, [fieldInvalid('metadata.name', meta.name, 'must match the service account name if specified')], 'authentication.k8s.io');
    }
    if (meta.namespace && meta.namespace !== namespace) {
      throw newInvalid('TokenRequest', name, [fieldInvalid('metadata.namespace', meta.namespace, 'must match the service account namespace if specified')], 'authentication.k8s.io');
    }
    if (opts.admission) {
      // Admission runs on the TokenRequest before the ServiceAccount is looked up (TokenREST.Create).
      const attrs = attributesFor({ group: '', version: 'v1', resource: 'serviceaccounts', kind: 'TokenRequest' }, 'CREATE', {
        namespace,
        name,
        subresource: 'token',
        object: req as unknown as KubeObject,
        user: ctx.user,
        dryRun: parseDryRun(ctx.query),
      });
      attrs.kind = { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest' };
      try {
        await opts.admission.admit(attrs);
        await opts.admission.validate(attrs);
      } finally {
        addWarnings(ctx.res, attrs.warnings);
      }
    }
    const sa = await opts.getObject('serviceaccounts', namespace, name);
    if (!sa) throw newNotFound('serviceaccounts', name);
    const spec = (req['spec'] && typeof req['spec'] === 'object' ? req['spec'] : {}) as {
      audiences?: string[];
      expirationSeconds?: number;
      boundObjectRef?: { kind?: string; apiVersion?: string; name?: string; uid?: string } | null;
    };
    if (!Array.isArray(spec.audiences) || spec.audiences.length === 0) spec.audiences = [...opts.apiAudiences];
    if (spec.expirationSeconds === undefined || spec.expirationSeconds === null) spec.expirationSeconds = DEFAULT_TOKEN_SECONDS;
    if (typeof spec.expirationSeconds !== 'number' || !Number.isInteger(spec.expirationSeconds)) {
      throw newBadRequest(`TokenRequest in version "v1" cannot be handled as a TokenRequest: spec.expirationSeconds must be an integer`);
    }
    const now = ctx.now();
    meta.name ||= name;
    meta.namespace ||= namespace;
    meta.creationTimestamp = rfc3339(now);
    const errs = [];
    if (spec.expirationSeconds < MIN_TOKEN_SECONDS) errs.push(fieldInvalid('spec.expirationSeconds', spec.expirationSeconds, 'may not specify a duration less than 10 minutes'));
    if (spec.expirationSeconds > MAX_TOKEN_SECONDS) errs.push(fieldInvalid('spec.expirationSeconds', spec.expirationSeconds, 'may not specify a duration larger than 2^32 seconds'));
    if (errs.length > 0) throw newInvalid('TokenRequest', '', errs, 'authentication.k8s.io');

    const tokenSpec: TokenSpec = {
      serviceAccount: { namespace, name, uid: uidOf(sa) },
      audiences: spec.audiences,
      expirationSeconds: spec.expirationSeconds,
    };
    const ref = spec.boundObjectRef;
    if (ref) {
      const apiVersion = ref.apiVersion ?? '';
      const slash = apiVersion.indexOf('/');
      const group = slash >= 0 ? apiVersion.slice(0, slash) : '';
      const version = slash >= 0 ? apiVersion.slice(slash + 1) : apiVersion;
      const kind = ref.kind ?? '';
      const refName = ref.name ?? '';
      let uid: string;
      if (group === '' && kind === 'Pod') {
        const pod = await opts.getObject('pods', namespace, refName);
        if (!pod) throw newNotFound('pods', refName);
        const podSA = ((pod['spec'] as { serviceAccountName?: string } | undefined)?.serviceAccountName ?? '') || 'default';
        if (podSA !== name) throw newBadRequest(`cannot bind token for serviceaccount ${JSON.stringify(name)} to pod running with different serviceaccount name.`);
        uid = uidOf(pod);
        tokenSpec.pod = { name: refName, uid };
        const nodeName = (pod['spec'] as { nodeName?: string } | undefined)?.nodeName;
        if (nodeName) {
          const node = await opts.getObject('nodes', '', nodeName);
          tokenSpec.node = node ? { name: nodeName, uid: uidOf(node) } : { name: nodeName };
        }
      } else if (group === '' && kind === 'Node') {
        const node = await opts.getObject('nodes', '', refName);
        if (!node) throw newNotFound('nodes', refName);
        uid = uidOf(node);
        tokenSpec.node = { name: refName, uid };
      } else if (group === '' && kind === 'Secret') {
        const secret = await opts.getObject('secrets', namespace, refName);
        if (!secret) throw newNotFound('secrets', refName);
        uid = uidOf(secret);
        tokenSpec.secret = { name: refName, uid };
      } else {
        throw newBadRequest(`cannot bind token to object of type ${group}/${version}, Kind=${kind}`);
      }
      if (ref.uid && ref.uid !== uid) {
        throw newConflict(
          kind,
          refName,
          `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`,
        );
      }
    }
    const max = opts.maxExpirationSeconds ?? 0;
    if (max > 0 && spec.expirationSeconds > max) {
      addWarnings(ctx.res, [`requested expiration of ${spec.expirationSeconds} seconds shortened to ${max} seconds`]);
      spec.expirationSeconds = max;
      tokenSpec.expirationSeconds = max;
    }
    if (
      (opts.extendExpiration ?? true) &&
      tokenSpec.pod &&
      spec.expirationSeconds === WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS &&
      spec.audiences.every((a) => opts.apiAudiences.includes(a))
    ) {
      tokenSpec.warnAfterSeconds = spec.expirationSeconds;
      tokenSpec.expirationSeconds = EXPIRATION_EXTENSION_SECONDS;
    }
    const { token } = await opts.issuer.issue(tokenSpec);
    const out = {
      kind: 'TokenRequest',
      apiVersion: AUTHENTICATION_API_VERSION,
      metadata: meta,
      spec,
      status: { token, expirationTimestamp: rfc3339(now + spec.expirationSeconds * 1000) },
    };
    writeObject(ctx.res, 201, out, ctx.output.as === 'object' ? ctx.output.format : 'json');
  };
}
