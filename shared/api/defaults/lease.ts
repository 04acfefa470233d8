/** coordination.k8s.io/v1 Lease has no scheme defaults; its spec is a struct and always encodes (as {}). */
import type { Lease } from '../coordination-v1.ts';

export function defaultLease(lease: Lease): Lease {
  lease.spec ??= {};
  return lease;
}
