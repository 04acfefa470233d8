import { StatusError } from '../../shared/errors/status-error.ts';

/** apierrors.HasStatusCause(err, v1.NamespaceTerminatingCause): a create refused because its namespace is being deleted. */
export function isNamespaceTerminatingError(err: unknown): boolean {
  return err instanceof StatusError && (err.status.details?.causes ?? []).some((c) => (c as { reason?: string }).reason === 'NamespaceTerminating');
}
