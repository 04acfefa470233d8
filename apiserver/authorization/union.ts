import { SYSTEM_PRIVILEGED_GROUP, type UserInfo } from '../authentication/user-info.ts';
import type { AuthorizationAttributes, AuthorizationResult, Authorizer, NonResourceRuleInfo, ResourceRuleInfo, RuleResolver } from './authorizer.ts';
import { aggregateErrors } from './rbac/rbac-authorizer.ts';

export type RuleResolution = Awaited<ReturnType<RuleResolver['rulesFor']>>;

/**
 * k8s.io/apiserver pkg/authorization/union: asks each authorizer in order; the first Allow or Deny decides,
 * otherwise NoOpinion with every non-empty reason joined by newlines.
 */
export class UnionAuthorizer implements Authorizer {
  readonly #authorizers: readonly Authorizer[];

  constructor(authorizers: readonly Authorizer[]) {
    this.#authorizers = authorizers;
  }

  async authorize(attrs: AuthorizationAttributes): Promise<AuthorizationResult> {
    let reasons: string[] | undefined;
    for (const a of this.#authorizers) {
      const r = a.authorize(attrs);
      const res = r instanceof Promise ? await r : r;
      if (res.decision !== 'NoOpinion') return res;
      if (res.reason) (reasons ??= []).push(res.reason);
    }
    return { decision: 'NoOpinion', reason: reasons ? reasons.join('\n') : '' };
  }
}

/** The rule resolvers of the chain, merged (union.unionAuthzRulesHandler). */
export class UnionRuleResolver implements RuleResolver {
  readonly #resolvers: readonly RuleResolver[];

  constructor(resolvers: readonly RuleResolver[]) {
    this.#resolvers = resolvers;
  }

  async rulesFor(user: UserInfo, namespace: string): Promise<RuleResolution> {
    const resourceRules: ResourceRuleInfo[] = [];
    const nonResourceRules: NonResourceRuleInfo[] = [];
    const errors: string[] = [];
    let incomplete = false;
    for (const r of this.#resolvers) {
      const res = await r.rulesFor(user, namespace);
      resourceRules.push(...res.resourceRules);
      nonResourceRules.push(...res.nonResourceRules);
      if (res.incomplete) incomplete = true;
      if (res.evaluationError) errors.push(res.evaluationError);
    }
    return { resourceRules, nonResourceRules, incomplete, ...(errors.length ? { evaluationError: aggregateErrors(errors) } : {}) };
  }
}

/** authorizerfactory.NewPrivilegedGroups(system:masters): members are allowed everything, before any mode. */
export const privilegedGroupAuthorizer: Authorizer = {
  authorize: (attrs) => ({ decision: attrs.user.groups.includes(SYSTEM_PRIVILEGED_GROUP) ? 'Allow' : 'NoOpinion', reason: '' }),
};

/** --authorization-mode=AlwaysAllow: everything allowed; its rules are `*` everywhere. */
export const alwaysAllowAuthorizer: Authorizer & RuleResolver = {
  authorize: () => ({ decision: 'Allow', reason: '' }),
  rulesFor: async () => ({
    resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }],
    nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
    incomplete: false,
  }),
};

/** --authorization-mode=AlwaysDeny. */
export const alwaysDenyAuthorizer: Authorizer & RuleResolver = {
  authorize: () => ({ decision: 'Deny', reason: 'Everything is forbidden.' }),
  rulesFor: async () => ({ resourceRules: [], nonResourceRules: [], incomplete: false }),
};

export const AUTHORIZATION_MODES = ['AlwaysAllow', 'AlwaysDeny', 'Node', 'RBAC'] as const;
export type AuthorizationMode = (typeof AUTHORIZATION_MODES)[number];

/** Parses --authorization-mode (comma list; unknown or repeated modes are errors, as kube-apiserver's options validation). */
export function parseAuthorizationModes(spec: string): AuthorizationMode[] {
  const modes = spec.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (modes.length === 0) throw new RangeError('at least one authorization-mode must be passed');
  const seen = new Set<string>();
  for (const m of modes) {
    if (!(AUTHORIZATION_MODES as readonly string[]).includes(m)) {
      throw new RangeError(`authorization-mode "${m}" is not a valid mode (valid: ${AUTHORIZATION_MODES.join(', ')})`);
    }
    if (seen.has(m)) throw new RangeError(`authorization-mode "${m}" has mode specified more than once`);
    seen.add(m);
  }
  return modes as AuthorizationMode[];
}
