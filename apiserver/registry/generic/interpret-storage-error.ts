import { isStorageError } from '../../storage/errors.ts';
import { MAX_STORED_REQUEST_BYTES } from '../../storage/embedded/codec.ts';
import {
  StatusError,
  newAlreadyExists,
  newConflict,
  newInternalError,
  newNotFound,
  newResourceExpired,
  newRequestEntityTooLarge,
  newServiceUnavailable,
  newStatus,
  OBJECT_MODIFIED,
} from '../../../shared/errors/status-error.ts';

/**
 * The one place storage errors become API errors (k8s.io/apiserver pkg/registry/generic/registry/
 * storage_factory + interpretStorageError). `qualifiedResource` is "pods" or "leases.coordination.k8s.io".
 */
export function interpretStorageError(err: unknown, qualifiedResource: string, name: string): unknown {
  if (err instanceof StatusError) return err;
  if (!isStorageError(err)) return err;
  switch (err.code) {
    case 'KeyNotFound':
      return newNotFound(qualifiedResource, name);
    case 'KeyExists':
      return newAlreadyExists(qualifiedResource, name);
    case 'Conflict':
      return newConflict(qualifiedResource, name, OBJECT_MODIFIED);
    case 'Expired':
      return newResourceExpired(
        err.revision !== undefined && err.bound !== undefined
          ? `too old resource version: ${err.revision} (${err.bound})`
          : err.message,
      );
    case 'TooLargeResourceVersion':
      // k8s NewTooLargeResourceVersionError: 504 Timeout with a ResourceVersionTooLarge cause, retry after 1s.
      return new StatusError(
        newStatus(504, 'Timeout', `Too large resource version: ${err.revision ?? '?'}, current: ${err.bound ?? '?'}`, {
          causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
          retryAfterSeconds: 1,
        }),
      );
    case 'Unavailable':
      return newServiceUnavailable(`storage is unavailable: ${err.message}`);
    case 'InvalidObj':
      return newInternalError(err.message);
    case 'RequestEntityTooLarge':
      // kube's wording for a request over its size limit (the limit here is the storage's).
      return newRequestEntityTooLarge(`Request entity too large: limit is ${MAX_STORED_REQUEST_BYTES}`);
  }
  return err;
}
