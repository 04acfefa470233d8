import type { Lease } from '../../../../shared/api/coordination-v1.ts';
import { defaultLease } from '../../../../shared/api/defaults/lease.ts';
import { validateLease, validateLeaseUpdate } from '../../../../shared/api/validation/lease.ts';
import type { CreateStrategy, UpdateStrategy } from '../../rest/strategy.ts';

/** pkg/registry/coordination/lease/strategy.go: create-on-update allowed, updates need a resourceVersion. */
export const leaseStrategy: CreateStrategy & UpdateStrategy = {
  prepareForCreate: (obj) => defaultLease(obj as Lease),
  validate: (obj) => validateLease(obj as Lease),
  prepareForUpdate: (obj) => defaultLease(obj as Lease),
  validateUpdate: (obj, old) => validateLeaseUpdate(obj as Lease, old as Lease),
  allowCreateOnUpdate: true,
  allowUnconditionalUpdate: false,
};
