import { isDeepStrictEqual } from 'node:util';
import type { KubeObject } from '../../../shared/api/meta.ts';
import { deepCopy } from '../../../shared/api/meta.ts';
import type { ClusterRole, PolicyRule, RoleBinding, RoleRef } from '../../../shared/api/rbac-v1.ts';
import { RBAC_GROUP } from '../../../shared/api/rbac-v1.ts';
import { defaultRBACObject } from '../../../shared/api/validation/rbac.ts';
import { StatusError, newStatus } from '../../../shared/errors/status-error.ts';
import { SYSTEM_PRIVILEGED_GROUP, type UserInfo } from '../../authentication/user-info.ts';
import type { Authorizer } from '../../authorization/authorizer.ts';
import { compactRules, compactString, covers, goQuotedSlice } from '../../authorization/rbac/rule-matching.ts';
import { GenericStore, type GenericStoreOptions, type UpdateOptions, type WriteOptions } from '../generic/store.ts';

/**
 * Escalation prevention (pkg/registry/rbac/{role,clusterrole,rolebinding,clusterrolebinding}/policybased): a
 * Role/ClusterRole may be written only by a user who already holds every permission in it or may `escalate`
 * it; a binding only by a user who holds every permission of the referenced role or may `bind` it.
 * Members of system:masters, and writes without a user (the server's own), are not checked.
 */

/** What the check needs, filled in once the authorizers exist (they are built over the registry's caches). */
export interface EscalationDeps {
  /** The whole authorization chain (for `escalate` and `bind`). */
  authorizer?: Authorizer;
  /** The requester's RBAC rules in a namespace ('' = cluster-wide only), with resolution errors. */
  rulesFor?: (user: UserInfo, namespace: string) => { rules: PolicyRule[]; errors: string[] };
  /** GetRoleReferenceRules: the rules a roleRef points at, or a NotFound to return. */
  roleRefRules?: (ref: RoleRef, namespace: string) => { rules?: readonly PolicyRule[]; err?: string };
}

export type RBACKindName = 'Role' | 'ClusterRole' | 'RoleBinding' | 'ClusterRoleBinding';

const FULL_AUTHORITY: PolicyRule[] = [
  { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
  { verbs: ['*'], nonResourceURLs: ['*'] },
];

/** EscalationAllowed: no user (a system write) or a member of system:masters. */
export function escalationAllowed(user: UserInfo | undefined): boolean {
  return !user || user.groups.includes(SYSTEM_PRIVILEGED_GROUP);
}

/** IsOnlyMutatingGCFields: the update changes nothing but ownerReferences, finalizers, managedFields. */
function onlyMutatingGCFields(obj: KubeObject, old: KubeObject): boolean {
  const copy = deepCopy(obj);
  const meta = copy.metadata;
  const o = old.metadata;
  for (const f of ['ownerReferences', 'finalizers', 'selfLink', 'managedFields'] as const) {
    if (o[f] === undefined) delete meta[f];
    else (meta as Record<string, unknown>)[f] = o[f];
  }
  return isDeepStrictEqual(JSON.parse(JSON.stringify(copy)), JSON.parse(JSON.stringify(old)));
}

async function allowed(a: Authorizer | undefined, attrs: Parameters<Authorizer['authorize']>[0]): Promise<boolean> {
  if (!a) return false;
  const r = a.authorize(attrs);
  return (r instanceof Promise ? await r : r).decision === 'Allow';
}

const kubeNotFound = (message: string): StatusError => {
  // The lister's NotFound: `clusterrole.rbac.authorization.k8s.io "x" not found`.
  const m = /^(\w+)\.rbac\.authorization\.k8s\.io "(.*)" not found$/.exec(message);
  return new StatusError(newStatus(404, 'NotFound', message, m ? { name: m[2], group: RBAC_GROUP, kind: m[1] } : {}));
};

export class PolicyBasedStore extends GenericStore {
  readonly #kind: RBACKindName;
  readonly #deps: EscalationDeps;

  constructor(options: GenericStoreOptions, kind: RBACKindName, deps: EscalationDeps) {
    super(options);
    this.#kind = kind;
    this.#deps = deps;
  }

  override async create(namespace: string | undefined, input: KubeObject, opts: WriteOptions = {}): Promise<KubeObject> {
    if (!escalationAllowed(opts.user)) await this.#check(namespace ?? '', input, undefined, opts.user as UserInfo, '');
    return super.create(namespace, input, opts);
  }

  override async update(
    namespace: string | undefined,
    name: string,
    compute: (current: KubeObject | null) => KubeObject | Promise<KubeObject>,
    opts: UpdateOptions = {},
  ): Promise<{ object: KubeObject; created: boolean }> {
    if (escalationAllowed(opts.user)) return super.update(namespace, name, compute, opts);
    const user = opts.user as UserInfo;
    // The roles' `escalate` is checked once, outside the CAS loop (RoleEscalationAuthorized).
    const mayEscalate = (this.#kind === 'Role' || this.#kind === 'ClusterRole') && (await this.#escalateAuthorized(user, namespace ?? '', name));
    if (mayEscalate) return super.update(namespace, name, compute, opts);
    return super.update(
      namespace,
      name,
      async (current) => {
        const desired = await compute(current);
        if (current && onlyMutatingGCFields(desired, current)) return desired;
        await this.#check(namespace ?? '', desired, current ?? undefined, user, name, true);
        return desired;
      },
      opts,
    );
  }

  async #escalateAuthorized(user: UserInfo, namespace: string, name: string): Promise<boolean> {
    return allowed(this.#deps.authorizer, {
      user,
      verb: 'escalate',
      isResourceRequest: true,
      path: '',
      namespace,
      apiGroup: RBAC_GROUP,
      apiVersion: '*',
      resource: this.info.resource,
      subresource: '',
      name,
    });
  }

  async #check(namespace: string, input: KubeObject, old: KubeObject | undefined, user: UserInfo, name: string, escalateChecked = false): Promise<void> {
    const obj = deepCopy(input);
    defaultRBACObject(obj);
    const objName = obj.metadata?.name ?? name;
    if (this.#kind === 'Role' || this.#kind === 'ClusterRole') {
      if (!escalateChecked && (await this.#escalateAuthorized(user, namespace, name))) return;
      this.#confirmNoEscalation(user, namespace, ((obj as ClusterRole).rules ?? []) as PolicyRule[], objName);
      const agg = (obj as ClusterRole).aggregationRule;
      if (this.#kind === 'ClusterRole' && agg && !(old && isDeepStrictEqual((old as ClusterRole).aggregationRule, agg))) {
        const { rules } = this.#deps.rulesFor?.(user, namespace) ?? { rules: [] };
        if (!covers(rules, FULL_AUTHORITY).covered) {
          throw this.#forbidden(objName, 'must have cluster-admin privileges to use the aggregationRule');
        }
      }
      return;
    }
    const ref = (obj as RoleBinding).roleRef ?? { apiGroup: '', kind: '', name: '' };
    if (await this.#bindAuthorized(user, ref, namespace)) return;
    const resolved = this.#deps.roleRefRules?.(ref, namespace);
    if (!resolved) return;
    if (resolved.err) throw kubeNotFound(resolved.err);
    this.#confirmNoEscalation(user, namespace, [...(resolved.rules ?? [])], objName);
  }

  /** BindingAuthorized: `bind` on the referenced role, in the binding's namespace ('' for cluster bindings). */
  async #bindAuthorized(user: UserInfo, ref: RoleRef, namespace: string): Promise<boolean> {
    if (ref.kind !== 'Role' && ref.kind !== 'ClusterRole') return false;
    return allowed(this.#deps.authorizer, {
      user,
      verb: 'bind',
      isResourceRequest: true,
      path: '',
      namespace,
      apiGroup: ref.apiGroup,
      apiVersion: '',
      resource: ref.kind === 'Role' ? 'roles' : 'clusterroles',
      subresource: '',
      name: ref.name,
    });
  }

  /** ConfirmNoEscalation with kube's message. */
  #confirmNoEscalation(user: UserInfo, namespace: string, rules: PolicyRule[], name: string): void {
    if (!this.#deps.rulesFor) return;
    const owner = this.#deps.rulesFor(user, namespace);
    const { covered, missing } = covers(owner.rules, rules);
    if (covered) return;
    const descriptions = [...new Set(compactRules(missing).map(compactString))].sort();
    let msg = `user ${JSON.stringify(user.name)} (groups=${goQuotedSlice(user.groups)}) is attempting to grant RBAC permissions not currently held:\n${descriptions.join('\n')}`;
    if (owner.errors.length > 0) msg += `; resolution errors: [${owner.errors.length === 1 ? owner.errors[0] : `[${owner.errors.join(', ')}]`}]`;
    throw this.#forbidden(name, msg);
  }

  #forbidden(name: string, message: string): StatusError {
    const qualified = `${this.info.resource}.${RBAC_GROUP}`;
    return new StatusError(
      newStatus(403, 'Forbidden', name ? `${qualified} ${JSON.stringify(name)} is forbidden: ${message}` : `${qualified} is forbidden: ${message}`, {
        ...(name ? { name } : {}),
        group: RBAC_GROUP,
        kind: this.info.resource,
      }),
    );
  }
}
