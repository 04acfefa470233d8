/** coordination.k8s.io/v1 wire types (k8s.io/api/coordination/v1/types.go). */
import type { KubeList, KubeObject, ObjectMeta } from './meta.ts';

export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  /** metav1.MicroTime, RFC 3339 with microseconds. */
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
  strategy?: string;
  preferredHolder?: string;
}

export interface Lease extends KubeObject {
  apiVersion?: 'coordination.k8s.io/v1';
  kind?: 'Lease';
  metadata: ObjectMeta;
  spec?: LeaseSpec;
}

export type LeaseList = KubeList<Lease>;

/** Node heartbeats live in this namespace, one Lease per node named after it. */
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';
