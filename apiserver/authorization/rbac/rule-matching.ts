import type { PolicyRule } from '../../../shared/api/rbac-v1.ts';
import type { AuthorizationAttributes } from '../authorizer.ts';

/**
 * Policy rule evaluation (pkg/apis/rbac/v1/evaluation_helpers.go, plugin/pkg/auth/authorizer/rbac RuleAllows)
 * and the escalation comparator (pkg/registry/rbac/validation/policy_comparator.go, policy_compact.go).
 *
 * Rules are compiled once per role change into sets, so a decision is a handful of hash lookups per rule.
 */

export interface CompiledRule {
  readonly rule: PolicyRule;
  readonly allVerbs: boolean;
  readonly verbs: ReadonlySet<string>;
  readonly allGroups: boolean;
  readonly groups: ReadonlySet<string>;
  readonly allResources: boolean;
  /** Exact `resource` or `resource/subresource` entries. */
  readonly resources: ReadonlySet<string>;
  /** Subresources named by `*\/sub` entries. */
  readonly anyResourceSubresources: ReadonlySet<string>;
  /** Empty: every name. */
  readonly names: ReadonlySet<string>;
  readonly allURLs: boolean;
  readonly urls: ReadonlySet<string>;
  /** Prefixes of `/foo/*`-style entries (without the `*`). */
  readonly urlPrefixes: readonly string[];
}

export function compileRule(rule: PolicyRule): CompiledRule {
  const verbs = rule.verbs ?? [];
  const groups = rule.apiGroups ?? [];
  const resources = rule.resources ?? [];
  const urls = rule.nonResourceURLs ?? [];
  const subs = new Set<string>();
  for (const r of resources) if (r.startsWith('*/') && r.length > 2) subs.add(r.slice(2));
  const prefixes: string[] = [];
  for (const u of urls) if (u !== '*' && u.endsWith('*')) prefixes.push(u.replace(/\*+$/, ''));
  return {
    rule,
    allVerbs: verbs.includes('*'),
    verbs: new Set(verbs),
    allGroups: groups.includes('*'),
    groups: new Set(groups),
    allResources: resources.includes('*'),
    resources: new Set(resources),
    anyResourceSubresources: subs,
    names: new Set(rule.resourceNames ?? []),
    allURLs: urls.includes('*'),
    urls: new Set(urls),
    urlPrefixes: prefixes,
  };
}

/** The request's `resource` or `resource/subresource`, as rules name it. */
export function combinedResource(attrs: Pick<AuthorizationAttributes, 'resource' | 'subresource'>): string {
  return attrs.subresource ? `${attrs.resource}/${attrs.subresource}` : attrs.resource;
}

/** RuleAllows: verb, group, resource (with `*` and `*\/sub`), resourceName; or verb and non-resource URL. */
export function ruleAllows(attrs: AuthorizationAttributes, r: CompiledRule, combined = combinedResource(attrs)): boolean {
  if (!r.allVerbs && !r.verbs.has(attrs.verb)) return false;
  if (attrs.isResourceRequest) {
    if (!r.allGroups && !r.groups.has(attrs.apiGroup)) return false;
    if (!r.allResources && !r.resources.has(combined) && !(attrs.subresource && r.anyResourceSubresources.has(attrs.subresource))) return false;
    return r.names.size === 0 || r.names.has(attrs.name);
  }
  if (r.allURLs || r.urls.has(attrs.path)) return true;
  for (const p of r.urlPrefixes) if (attrs.path.startsWith(p)) return true;
  return false;
}

// ---- escalation: does one set of rules cover another ----

/** breakdownRule: one rule per (group, resource, verb[, name]) and per (url, verb). */
export function breakdownRule(rule: PolicyRule): PolicyRule[] {
  const out: PolicyRule[] = [];
  for (const group of rule.apiGroups ?? []) {
    for (const resource of rule.resources ?? []) {
      for (const verb of rule.verbs ?? []) {
        if ((rule.resourceNames ?? []).length > 0) {
          for (const name of rule.resourceNames ?? []) out.push({ apiGroups: [group], resources: [resource], verbs: [verb], resourceNames: [name] });
        } else {
          out.push({ apiGroups: [group], resources: [resource], verbs: [verb] });
        }
      }
    }
  }
  for (const url of rule.nonResourceURLs ?? []) for (const verb of rule.verbs ?? []) out.push({ nonResourceURLs: [url], verbs: [verb] });
  return out;
}

const hasAll = (set: readonly string[], contains: readonly string[]): boolean => contains.every((c) => set.includes(c));

function nonResourceURLCovers(owner: string, sub: string): boolean {
  return owner === sub || (owner.endsWith('*') && sub.startsWith(owner.replace(/\*+$/, '')));
}

/** ruleCovers: the owner rule (any shape) covers a broken-down subrule. */
export function ruleCovers(owner: PolicyRule, sub: PolicyRule): boolean {
  const ov = owner.verbs ?? [];
  const og = owner.apiGroups ?? [];
  const or = owner.resources ?? [];
  const on = owner.resourceNames ?? [];
  const verbs = ov.includes('*') || hasAll(ov, sub.verbs ?? []);
  const groups = og.includes('*') || hasAll(og, sub.apiGroups ?? []);
  const resources = or.includes('*') || hasAll(or, sub.resources ?? []);
  const urls = (sub.nonResourceURLs ?? []).every((p) => (owner.nonResourceURLs ?? []).some((o) => nonResourceURLCovers(o, p)));
  const subNames = sub.resourceNames ?? [];
  const names = subNames.length === 0 ? on.length === 0 : on.length === 0 || hasAll(on, subNames);
  return verbs && groups && resources && names && urls;
}

/** Covers: whether ownerRules cover servantRules, and the broken-down rules they do not. */
export function covers(ownerRules: readonly PolicyRule[], servantRules: readonly PolicyRule[]): { covered: boolean; missing: PolicyRule[] } {
  const missing: PolicyRule[] = [];
  for (const servant of servantRules) {
    for (const sub of breakdownRule(servant)) {
      if (!ownerRules.some((o) => ruleCovers(o, sub))) missing.push(sub);
    }
  }
  return { covered: missing.length === 0, missing };
}

/** CompactRules: merges single-group/single-resource verb-only rules that differ only by verb. */
export function compactRules(rules: readonly PolicyRule[]): PolicyRule[] {
  const out: PolicyRule[] = [];
  const simple = new Map<string, PolicyRule>();
  const order: string[] = [];
  for (const r of rules) {
    const isSimple =
      (r.resourceNames ?? []).length === 0 && (r.nonResourceURLs ?? []).length === 0 && (r.apiGroups ?? []).length === 1 && (r.resources ?? []).length === 1;
    if (!isSimple) {
      out.push(r);
      continue;
    }
    const key = `${r.apiGroups![0]}\u0000${r.resources![0]}`;
    const existing = simple.get(key);
    if (existing) existing.verbs = [...existing.verbs, ...(r.verbs ?? [])];
    else {
      simple.set(key, { apiGroups: [...r.apiGroups!], resources: [...r.resources!], verbs: [...(r.verbs ?? [])] });
      order.push(key);
    }
  }
  for (const k of order) out.push(simple.get(k)!);
  return out;
}

/** Go's `%q` of a []string: `["a" "b"]`. */
export function goQuotedSlice(xs: readonly string[]): string {
  return `[${xs.map((x) => JSON.stringify(x)).join(' ')}]`;
}

/** rbacv1helpers.CompactString: `{APIGroups:["apps"], Resources:["deployments"], Verbs:["get" "list"]}`. */
export function compactString(r: PolicyRule): string {
  const parts: string[] = [];
  if ((r.apiGroups ?? []).length > 0) parts.push(`APIGroups:${goQuotedSlice(r.apiGroups!)}`);
  if ((r.resources ?? []).length > 0) parts.push(`Resources:${goQuotedSlice(r.resources!)}`);
  if ((r.nonResourceURLs ?? []).length > 0) parts.push(`NonResourceURLs:${goQuotedSlice(r.nonResourceURLs!)}`);
  if ((r.resourceNames ?? []).length > 0) parts.push(`ResourceNames:${goQuotedSlice(r.resourceNames!)}`);
  if ((r.verbs ?? []).length > 0) parts.push(`Verbs:${goQuotedSlice(r.verbs)}`);
  return `{${parts.join(', ')}}`;
}
