import type { UserInfo } from '../../authentication/user-info.ts';
import type { AuthorizationAttributes, AuthorizationResult, Authorizer, NonResourceRuleInfo, ResourceRuleInfo, RuleResolver } from '../authorizer.ts';
import type { BindingEntry, RBACIndex } from './rbac-index.ts';
import { subjectAppliesTo } from './rbac-index.ts';
import { combinedResource, ruleAllows } from './rule-matching.ts';

/** describeSubject: `User "x"`, `Group "g"`, `ServiceAccount "name/ns"`. */
function describeSubject(b: BindingEntry, user: UserInfo): string {
  const s = b.subjects.find((x) => subjectAppliesTo(user, x, b.namespace));
  if (!s) return '';
  if (s.kind === 'ServiceAccount') return `${s.kind} "${s.name}/${s.namespace || b.namespace}"`;
  return `${s.kind} "${s.name}"`;
}

/** The `RBAC: allowed by ...` reason (clusterRoleBindingDescriber / roleBindingDescriber). */
export function describeBinding(b: BindingEntry, user: UserInfo): string {
  const name = b.kind === 'RoleBinding' ? `${b.name}/${b.namespace}` : b.name;
  return `${b.kind} "${name}" of ${b.roleRef.kind} "${b.roleRef.name}" to ${describeSubject(b, user)}`;
}

/** utilerrors.NewAggregate(...).Error(): one message as is, several as `[a, b]`. */
export function aggregateErrors(errs: readonly string[]): string {
  return errs.length === 1 ? (errs[0] as string) : `[${errs.join(', ')}]`;
}

/**
 * plugin/pkg/auth/authorizer/rbac: Allow when a rule of a binding naming the user allows the request,
 * NoOpinion otherwise (with `RBAC: <resolution errors>` as the reason when a binding's role is missing).
 */
export class RBACAuthorizer implements Authorizer, RuleResolver {
  readonly #index: RBACIndex;

  constructor(index: RBACIndex) {
    this.#index = index;
  }

  authorize(attrs: AuthorizationAttributes): AuthorizationResult {
    const combined = combinedResource(attrs);
    let allowedBy: BindingEntry | undefined;
    let errors: string[] | undefined;
    this.#index.visitRulesFor(attrs.user, attrs.namespace, (source, rule, err) => {
      if (rule && source && ruleAllows(attrs, rule, combined)) {
        allowedBy = source;
        return false;
      }
      if (err) (errors ??= []).push(err);
      return true;
    });
    if (allowedBy) return { decision: 'Allow', reason: `RBAC: allowed by ${describeBinding(allowedBy, attrs.user)}` };
    return { decision: 'NoOpinion', reason: errors ? `RBAC: ${aggregateErrors(errors)}` : '' };
  }

  async rulesFor(user: UserInfo, namespace: string): Promise<{ resourceRules: ResourceRuleInfo[]; nonResourceRules: NonResourceRuleInfo[]; incomplete: boolean; evaluationError?: string }> {
    const { rules, errors } = this.#index.rulesFor(user, namespace);
    const resourceRules: ResourceRuleInfo[] = [];
    const nonResourceRules: NonResourceRuleInfo[] = [];
    for (const r of rules) {
      if ((r.resources ?? []).length > 0) {
        const rr: ResourceRuleInfo = { verbs: [...r.verbs], apiGroups: [...(r.apiGroups ?? [])], resources: [...(r.resources ?? [])] };
        if ((r.resourceNames ?? []).length > 0) rr.resourceNames = [...(r.resourceNames ?? [])];
        resourceRules.push(rr);
      }
      if ((r.nonResourceURLs ?? []).length > 0) nonResourceRules.push({ verbs: [...r.verbs], nonResourceURLs: [...(r.nonResourceURLs ?? [])] });
    }
    return { resourceRules, nonResourceRules, incomplete: false, ...(errors.length ? { evaluationError: aggregateErrors(errors) } : {}) };
  }
}
