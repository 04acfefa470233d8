import type { KubeObject } from '../../shared/api/meta.ts';
import type { RoleBinding } from '../../shared/api/rbac-v1.ts';
import { OBJECT_META_CREATION_TIMESTAMP, OBJECT_META_NAME } from './column-descriptions.ts';
import { translateTimestampSince } from './human-duration.ts';
import { column, type PrintedRow, type ResourcePrinter } from './table.ts';

/**
 * `kubectl get rolebindings|clusterrolebindings`: printRoleBinding / printClusterRoleBinding in
 * pkg/printers/internalversion/printers.go (NAME ROLE AGE, wide: USERS GROUPS SERVICEACCOUNTS). Roles and
 * ClusterRoles have no printer upstream: they get the default NAME / CREATED AT table.
 */
const ROLE_REF = 'RoleRef can only reference a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error. This field is immutable.';
const ROLE_REF_NAMESPACED =
  'RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error. This field is immutable.';

function columns(kind: 'roleBinding' | 'clusterRoleBinding') {
  return [
    column('Name', 'string', OBJECT_META_NAME, { format: 'name' }),
    column('Role', 'string', kind === 'roleBinding' ? ROLE_REF_NAMESPACED : ROLE_REF),
    column('Age', 'string', OBJECT_META_CREATION_TIMESTAMP),
    column('Users', 'string', `Users in the ${kind}`, { priority: 1 }),
    column('Groups', 'string', `Groups in the ${kind}`, { priority: 1 }),
    column('ServiceAccounts', 'string', `ServiceAccounts in the ${kind}`, { priority: 1 }),
  ] as const;
}

/** rbac.SubjectsStrings: users, groups and `namespace/name` of service accounts. */
export function subjectsStrings(b: RoleBinding): { users: string[]; groups: string[]; serviceAccounts: string[] } {
  const out = { users: [] as string[], groups: [] as string[], serviceAccounts: [] as string[] };
  for (const s of b.subjects ?? []) {
    if (s.kind === 'User') out.users.push(s.name);
    else if (s.kind === 'Group') out.groups.push(s.name);
    else if (s.kind === 'ServiceAccount') out.serviceAccounts.push(`${s.namespace ?? ''}/${s.name}`);
  }
  return out;
}

function printBinding(obj: KubeObject, now: number): PrintedRow {
  const b = obj as RoleBinding;
  const s = subjectsStrings(b);
  return {
    cells: [
      b.metadata.name ?? '',
      `${b.roleRef?.kind ?? ''}/${b.roleRef?.name ?? ''}`,
      translateTimestampSince(b.metadata.creationTimestamp, now),
      s.users.join(', '),
      s.groups.join(', '),
      s.serviceAccounts.join(', '),
    ],
  };
}

export const roleBindingPrinter: ResourcePrinter = { columns: columns('roleBinding'), print: printBinding };
export const clusterRoleBindingPrinter: ResourcePrinter = { columns: columns('clusterRoleBinding'), print: printBinding };
