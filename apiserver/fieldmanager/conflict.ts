/**
 * The 409 an apply gets when it would change fields owned by other managers, built like
 * k8s.io/apimachinery/pkg/util/managedfields/internal/conflict.go (NewConflictError, getConflictMessage,
 * printManager) and errors.NewApplyConflict (details carry only the causes).
 *
 *   Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using v1: .spec.containers[name="nginx"].image
 *   Apply failed with 2 conflicts: conflicts with "mgr" using v1:
 *   - .spec.replicas
 *   - .metadata.labels.app
 */
import type { StatusCause } from '../../shared/api/meta.ts';
import { StatusError, newStatus } from '../../shared/errors/status-error.ts';
import { pathString, type FieldPath } from './field-set.ts';

export interface Conflict {
  /** Manager identifier (managed-fields.ts managerIdentifier). */
  manager: string;
  path: FieldPath;
}

/** printManager: `"name"`, `"name" with subresource "status"`, plus ` using v1` for Update managers. */
export function printManager(identifier: string): string {
  let entry: { manager?: string; operation?: string; apiVersion?: string; subresource?: string; time?: string };
  try {
    entry = JSON.parse(identifier) as typeof entry;
  } catch {
    return JSON.stringify(identifier);
  }
  let s = JSON.stringify(entry.manager ?? '');
  if (entry.subresource) s = `${s} with subresource ${JSON.stringify(entry.subresource)}`;
  if (entry.operation === 'Update') {
    if (!entry.time) return `${s} using ${entry.apiVersion ?? ''}`;
    return `${s} using ${entry.apiVersion ?? ''} at ${new Date(entry.time).toISOString().replace(/\.\d{3}Z$/, 'Z')}`;
  }
  return s;
}

/** The conflict message (getConflictMessage); managers sorted by identifier, paths in the given order. */
export function conflictMessage(conflicts: readonly Conflict[]): string {
  const first = conflicts[0];
  if (conflicts.length === 1 && first) {
    return `Apply failed with 1 conflict: conflict with ${printManager(first.manager)}: ${pathString(first.path)}`;
  }
  const byManager = new Map<string, FieldPath[]>();
  for (const c of conflicts) {
    const list = byManager.get(c.manager) ?? [];
    list.push(c.path);
    byManager.set(c.manager, list);
  }
  const lines: string[] = [];
  for (const manager of [...byManager.keys()].sort()) {
    lines.push(`conflicts with ${printManager(manager)}:`);
    for (const p of byManager.get(manager) ?? []) lines.push(`- ${pathString(p)}`);
  }
  return `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
}

/** 409 Conflict with one `FieldManagerConflict` cause per conflicting field. */
export function newApplyConflictError(conflicts: readonly Conflict[]): StatusError {
  const causes: StatusCause[] = conflicts.map((c) => ({
    reason: 'FieldManagerConflict',
    message: `conflict with ${printManager(c.manager)}`,
    field: pathString(c.path),
  }));
  return new StatusError(newStatus(409, 'Conflict', conflictMessage(conflicts), { causes }));
}
