import type { KubeObject } from '../../shared/api/meta.ts';
import type { Namespace, Node, Pod } from '../../shared/api/core-v1.ts';

/** A ServiceAccount as admission reads it (core/v1). */
export interface ServiceAccountLike extends KubeObject {
  automountServiceAccountToken?: boolean;
  imagePullSecrets?: { name?: string }[];
  secrets?: { name?: string }[];
}

/**
 * What admission plugins read from the cluster (the informers' listers upstream). Every method answers null /
 * [] for a missing object and throws for anything else. Built over the registry by registryLookups; unit tests
 * use a fake.
 */
export interface AdmissionLookups {
  getServiceAccount(namespace: string, name: string): Promise<ServiceAccountLike | null>;
  getNamespace(name: string): Promise<Namespace | null>;
  getPod(namespace: string, name: string): Promise<Pod | null>;
  getNode(name: string): Promise<Node | null>;
  listPods(namespace: string): Promise<Pod[]>;
}
