import { isNotFound, StatusError } from '../../shared/errors/status-error.ts';

/** apierrors.HasStatusCause(err, v1.NamespaceTerminatingCause): a create refused because its namespace is being deleted. */
export function isNamespaceTerminatingError(err: unknown): boolean {
  return err instanceof StatusError && (err.status.details?.causes ?? []).some((c) => (c as { reason?: string }).reason === 'NamespaceTerminating');
}

/** A create into a namespace that vanished (NotFound) or turned Terminating: not retried, the namespace is going away. */
export function isNamespaceGoneError(err: unknown): boolean {
  return isNotFound(err) || isNamespaceTerminatingError(err);
}
