import type { KubeObject } from '../../shared/api/meta.ts';
import { fieldInvalid, newBadRequest, newInvalid, type FieldError } from '../../shared/errors/status-error.ts';
import type { UserInfo } from '../authentication/user-info.ts';
import type { AuthorizationAttributes, Authorizer, RuleResolver } from './authorizer.ts';

/**
 * authorization.k8s.io/v1 reviews (pkg/registry/authorization/{subjectaccessreview,localsubjectaccessreview,
 * selfsubjectaccessreview,selfsubjectrulesreview}/rest.go): create-only, nothing is stored; the answer is the
 * request with its status filled in.
 */

export type ReviewKind = 'SubjectAccessReview' | 'LocalSubjectAccessReview' | 'SelfSubjectAccessReview' | 'SelfSubjectRulesReview';

interface ResourceAttributesSpec {
  namespace?: string;
  verb?: string;
  group?: string;
  version?: string;
  resource?: string;
  subresource?: string;
  name?: string;
}
interface NonResourceAttributesSpec {
  path?: string;
  verb?: string;
}
interface AccessReviewSpec {
  resourceAttributes?: ResourceAttributesSpec | null;
  nonResourceAttributes?: NonResourceAttributesSpec | null;
  user?: string;
  groups?: string[] | null;
  extra?: Record<string, string[]> | null;
  uid?: string;
}

const GROUP = 'authorization.k8s.io';

function specOf(obj: KubeObject): AccessReviewSpec {
  const s = obj.spec;
  return s && typeof s === 'object' && !Array.isArray(s) ? (s as AccessReviewSpec) : {};
}

function validateAttributes(spec: AccessReviewSpec, errs: FieldError[]): void {
  const hasRes = !!spec.resourceAttributes;
  const hasNonRes = !!spec.nonResourceAttributes;
  if (hasRes && hasNonRes) errs.push(fieldInvalid('spec.nonResourceAttributes', spec.nonResourceAttributes, 'cannot be specified in combination with resourceAttributes'));
  if (!hasRes && !hasNonRes) errs.push(fieldInvalid('spec.resourceAttributes', null, 'exactly one of nonResourceAttributes or resourceAttributes must be specified'));
}

/** authorizationutil.ResourceAttributesFrom / NonResourceAttributesFrom. */
export function attributesFromSpec(user: UserInfo, spec: AccessReviewSpec): AuthorizationAttributes {
  const r = spec.resourceAttributes;
  if (r) {
    return {
      user,
      verb: r.verb ?? '',
      isResourceRequest: true,
      path: '',
      namespace: r.namespace ?? '',
      apiGroup: r.group ?? '',
      apiVersion: r.version ?? '',
      resource: r.resource ?? '',
      subresource: r.subresource ?? '',
      name: r.name ?? '',
    };
  }
  const n = spec.nonResourceAttributes ?? {};
  return { user, verb: n.verb ?? '', isResourceRequest: false, path: n.path ?? '', namespace: '', apiGroup: '', apiVersion: '', resource: '', subresource: '', name: '' };
}

export interface ReviewDeps {
  authorizer: Authorizer;
  ruleResolver: RuleResolver;
}

/** The review's answer for a request made by `requester` in `urlNamespace` (LocalSubjectAccessReview only). */
export async function evaluateReview(kind: ReviewKind, obj: KubeObject, requester: UserInfo, urlNamespace: string, deps: ReviewDeps): Promise<KubeObject> {
  const spec = specOf(obj);
  const meta = { ...(obj.metadata ?? {}), creationTimestamp: null } as KubeObject['metadata'];
  const out: KubeObject = { kind, apiVersion: `${GROUP}/v1`, metadata: meta, spec };
  if (kind === 'SelfSubjectRulesReview') {
    const namespace = (spec as { namespace?: string }).namespace ?? '';
    if (!namespace) throw newBadRequest('no namespace on request');
    const rules = await deps.ruleResolver.rulesFor(requester, namespace);
    out.status = {
      resourceRules: rules.resourceRules,
      nonResourceRules: rules.nonResourceRules,
      incomplete: rules.incomplete,
      ...(rules.evaluationError ? { evaluationError: rules.evaluationError } : {}),
    };
    return out;
  }
  const errs: FieldError[] = [];
  validateAttributes(spec, errs);
  let user: UserInfo;
  if (kind === 'SelfSubjectAccessReview') {
    user = requester;
  } else {
    if (!spec.user && (spec.groups ?? []).length === 0) errs.push(fieldInvalid('spec.user', spec.user ?? '', 'at least one of user or group must be specified'));
    const extra = spec.extra ?? undefined;
    user = { name: spec.user ?? '', groups: [...(spec.groups ?? [])], ...(spec.uid ? { uid: spec.uid } : {}), ...(extra ? { extra } : {}) };
  }
  if (kind === 'LocalSubjectAccessReview') {
    if (!urlNamespace) throw newBadRequest('namespace is required on this type: ');
    meta.namespace ??= urlNamespace;
    if (meta.namespace !== urlNamespace) throw newBadRequest(`spec.resourceAttributes.namespace must match namespace: ${urlNamespace}`);
    if (spec.resourceAttributes && (spec.resourceAttributes.namespace ?? '') !== meta.namespace) {
      errs.push(fieldInvalid('spec.resourceAttributes.namespace', spec.resourceAttributes.namespace ?? '', 'must match metadata.namespace'));
    }
    if (spec.nonResourceAttributes) errs.push(fieldInvalid('spec.nonResourceAttributes', spec.nonResourceAttributes, 'disallowed on this kind of request'));
  }
  if (errs.length) throw newInvalid(kind, meta.name ?? '', errs, GROUP);
  const attrs = attributesFromSpec(user, spec);
  const r = deps.authorizer.authorize(attrs);
  const res = r instanceof Promise ? await r : r;
  out.status = {
    allowed: res.decision === 'Allow',
    ...(res.decision === 'Deny' ? { denied: true } : {}),
    ...(res.reason ? { reason: res.reason } : {}),
  };
  return out;
}
