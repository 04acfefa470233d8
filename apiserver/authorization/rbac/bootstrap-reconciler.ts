import type { KubeObject } from '../../../shared/api/meta.ts';
import { deepCopy } from '../../../shared/api/meta.ts';
import type { ClusterRole, PolicyRule, RoleBinding, Subject } from '../../../shared/api/rbac-v1.ts';
import { AUTOUPDATE_ANNOTATION } from '../../../shared/api/rbac-v1.ts';
import { StatusError } from '../../../shared/errors/status-error.ts';
import { log } from '../../../shared/util/log.ts';
import type { GenericStore } from '../../registry/generic/store.ts';
import { bootstrapPolicy, type BootstrapPolicy } from './bootstrap-policy.ts';
import { covers } from './rule-matching.ts';

/**
 * The storage_rbac.go post-start hook (pkg/registry/rbac/reconciliation): every default role and binding is
 * created when missing; an existing one whose `rbac.authorization.kubernetes.io/autoupdate` annotation is not
 * "false" gets the rules, aggregation selectors, labels, annotations and subjects it lacks added (nothing is
 * removed); a binding whose roleRef changed is deleted and recreated.
 */

export interface RBACStores {
  roles: GenericStore;
  clusterRoles: GenericStore;
  roleBindings: GenericStore;
  clusterRoleBindings: GenericStore;
}

const isNotFound = (e: unknown): boolean => e instanceof StatusError && e.status.reason === 'NotFound';

function autoupdate(o: KubeObject): boolean {
  return o.metadata.annotations?.[AUTOUPDATE_ANNOTATION] !== 'false';
}

/** Adds to existing metadata the labels/annotations it lacks; true when something changed. */
function mergeMeta(existing: KubeObject, expected: KubeObject): boolean {
  let changed = false;
  for (const field of ['labels', 'annotations'] as const) {
    const want = expected.metadata[field] ?? {};
    for (const [k, v] of Object.entries(want)) {
      const have = (existing.metadata[field] ??= {});
      if (!(k in have)) {
        have[k] = v;
        changed = true;
      }
    }
  }
  return changed;
}

function reconcileRoleObject(existing: KubeObject, expected: KubeObject): KubeObject | undefined {
  const next = deepCopy(existing);
  let changed = mergeMeta(next, expected);
  const haveRules = ((next as { rules?: PolicyRule[] | null }).rules ?? []) as PolicyRule[];
  const wantRules = ((expected as { rules?: PolicyRule[] | null }).rules ?? []) as PolicyRule[];
  const { missing } = covers(haveRules, wantRules);
  if (missing.length > 0) {
    (next as { rules?: PolicyRule[] }).rules = [...haveRules, ...missing];
    changed = true;
  }
  const wantAgg = (expected as ClusterRole).aggregationRule;
  if (wantAgg) {
    const have = ((next as ClusterRole).aggregationRule ??= {});
    const selectors = (have.clusterRoleSelectors ??= []);
    for (const s of wantAgg.clusterRoleSelectors ?? []) {
      if (!selectors.some((x) => JSON.stringify(x) === JSON.stringify(s))) {
        selectors.push(s);
        changed = true;
      }
    }
  }
  return changed ? next : undefined;
}

function reconcileBindingObject(existing: KubeObject, expected: KubeObject): KubeObject | undefined {
  const next = deepCopy(existing);
  let changed = mergeMeta(next, expected);
  const have = ((next as RoleBinding).subjects ??= []);
  for (const s of (expected as RoleBinding).subjects ?? []) {
    const same = (x: Subject) => x.kind === s.kind && x.name === s.name && (x.namespace ?? '') === (s.namespace ?? '');
    if (!have.some(same)) {
      have.push(s);
      changed = true;
    }
  }
  return changed ? next : undefined;
}

async function ensure(store: GenericStore, expected: KubeObject, reconcile: (existing: KubeObject, expected: KubeObject) => KubeObject | undefined): Promise<void> {
  const ns = expected.metadata.namespace;
  const name = expected.metadata.name ?? '';
  let existing: KubeObject | undefined;
  try {
    existing = await store.get(ns, name);
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
  if (!existing) {
    try {
      await store.create(ns, deepCopy(expected));
    } catch (e) {
      if (!(e instanceof StatusError && e.status.reason === 'AlreadyExists')) throw e;
    }
    return;
  }
  if (!autoupdate(existing)) return;
  const isBinding = 'roleRef' in expected;
  if (isBinding && JSON.stringify((existing as RoleBinding).roleRef) !== JSON.stringify((expected as RoleBinding).roleRef)) {
    // The roleRef is immutable: recreate with the expected one, keeping the existing subjects.
    const subjects = [...((existing as RoleBinding).subjects ?? [])];
    await store.delete(ns, name, { preconditions: { uid: existing.metadata.uid } }).catch((e: unknown) => {
      if (!isNotFound(e)) throw e;
    });
    const fresh = deepCopy(expected) as RoleBinding;
    for (const s of subjects) if (!(fresh.subjects ??= []).some((x) => x.kind === s.kind && x.name === s.name && x.namespace === s.namespace)) fresh.subjects.push(s);
    await store.create(ns, fresh);
    return;
  }
  if (!reconcile(existing, expected)) return;
  await store.update(ns, name, (current) => {
    if (!current) return deepCopy(expected);
    return reconcile(current, expected) ?? current;
  });
}

/** Reconciles the whole default policy; per-object failures are logged and do not stop the others. */
export async function reconcileBootstrapPolicy(stores: RBACStores, policy: BootstrapPolicy = bootstrapPolicy()): Promise<void> {
  const work: [GenericStore, KubeObject, typeof reconcileRoleObject][] = [
    ...policy.clusterRoles.map((r): [GenericStore, KubeObject, typeof reconcileRoleObject] => [stores.clusterRoles, r, reconcileRoleObject]),
    ...policy.clusterRoleBindings.map((b): [GenericStore, KubeObject, typeof reconcileRoleObject] => [stores.clusterRoleBindings, b, reconcileBindingObject]),
    ...policy.roles.map((r): [GenericStore, KubeObject, typeof reconcileRoleObject] => [stores.roles, r, reconcileRoleObject]),
    ...policy.roleBindings.map((b): [GenericStore, KubeObject, typeof reconcileRoleObject] => [stores.roleBindings, b, reconcileBindingObject]),
  ];
  for (const [store, obj, reconcile] of work) {
    try {
      await ensure(store, obj, reconcile);
    } catch (e) {
      log.warn('RBAC bootstrap: could not reconcile', { kind: obj.kind, namespace: obj.metadata.namespace, name: obj.metadata.name, error: e instanceof Error ? e.message : String(e) });
    }
  }
}
