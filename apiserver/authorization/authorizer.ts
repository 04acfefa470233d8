import type { UserInfo } from '../authentication/user-info.ts';

/**
 * What an authorizer decides on (k8s.io/apiserver pkg/authorization/authorizer.Attributes), built from the
 * request info and the authenticated user.
 */
export interface AuthorizationAttributes {
  user: UserInfo;
  /** get, list, watch, create, update, patch, delete, deletecollection; or impersonate, bind, escalate,
   *  approve, sign, use...; for non-resource requests the lower-case HTTP method (get, post, put, ...). */
  verb: string;
  isResourceRequest: boolean;
  /** Non-resource requests: the URL path. */
  path: string;
  namespace: string;
  apiGroup: string;
  apiVersion: string;
  resource: string;
  subresource: string;
  name: string;
  /** The raw `fieldSelector` of a list/watch, when it has one (the Node authorizer scopes pods by spec.nodeName). */
  fieldSelector?: string;
}

export type Decision = 'Allow' | 'Deny' | 'NoOpinion';

export interface AuthorizationResult {
  decision: Decision;
  /** Why (shown after the forbidden message when not empty, as kube does). */
  reason: string;
}

/** One authorizer of the chain (Node, RBAC, AlwaysAllow); the union asks each until one is not NoOpinion. */
export interface Authorizer {
  authorize(attrs: AuthorizationAttributes): Promise<AuthorizationResult> | AuthorizationResult;
}

/** A rule as SelfSubjectRulesReview reports it (authorizationv1.ResourceRule / NonResourceRule). */
export interface ResourceRuleInfo {
  verbs: string[];
  apiGroups: string[];
  resources: string[];
  resourceNames?: string[];
}
export interface NonResourceRuleInfo {
  verbs: string[];
  nonResourceURLs: string[];
}

/** Lists the rules a user has in a namespace (authorizer.RuleResolver), for SelfSubjectRulesReview. */
export interface RuleResolver {
  rulesFor(user: UserInfo, namespace: string): Promise<{ resourceRules: ResourceRuleInfo[]; nonResourceRules: NonResourceRuleInfo[]; incomplete: boolean; evaluationError?: string }>;
}
