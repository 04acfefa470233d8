/**
 * Storage-level errors. Backends throw these; the registry translates them to StatusError in one place
 * (apiserver/registry/generic/interpret-storage-error.ts). Storage never speaks HTTP.
 */
export type StorageErrorCode =
  | 'KeyNotFound'
  | 'KeyExists'
  /** A precondition (uid / resourceVersion) or a CAS compare failed. */
  | 'Conflict'
  | 'InvalidObj'
  /** The requested revision is newer than the store has. */
  | 'TooLargeResourceVersion'
  /** The requested revision was compacted away. */
  | 'Expired'
  /** The backend could not be reached or failed. */
  | 'Unavailable'
  /** The object is larger than the storage takes (etcd's request limit; the embedded store keeps the same). */
  | 'RequestEntityTooLarge';

export class StorageError extends Error {
  readonly code: StorageErrorCode;
  readonly key: string;
  /** For Expired / TooLargeResourceVersion: the revision asked for and the store's bound. */
  readonly revision?: number;
  readonly bound?: number;
  constructor(code: StorageErrorCode, key: string, message?: string, extra?: { revision?: number; bound?: number }) {
    super(message ?? `${code}: ${key}`);
    this.name = 'StorageError';
    this.code = code;
    this.key = key;
    if (extra?.revision !== undefined) this.revision = extra.revision;
    if (extra?.bound !== undefined) this.bound = extra.bound;
  }
}

export const isStorageError = (e: unknown, code?: StorageErrorCode): e is StorageError =>
  e instanceof StorageError && (code === undefined || e.code === code);
