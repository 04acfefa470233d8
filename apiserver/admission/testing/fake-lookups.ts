import type { Namespace, Node, Pod } from '../../../shared/api/core-v1.ts';
import type { AdmissionAttributes } from '../admission.ts';
import { attributesFor } from '../chain.ts';
import type { AdmissionLookups, ServiceAccountLike } from '../lookups.ts';
import type { UserInfo } from '../../authentication/user-info.ts';
import type { KubeObject } from '../../../shared/api/meta.ts';

/** In-memory AdmissionLookups for plugin unit tests; counts ServiceAccount lookups. */
export class FakeLookups implements AdmissionLookups {
  serviceAccounts = new Map<string, ServiceAccountLike>();
  namespaces = new Map<string, Namespace>();
  pods = new Map<string, Pod>();
  nodes = new Map<string, Node>();
  serviceAccountLookups = 0;

  addServiceAccount(namespace: string, name: string, extra: Partial<ServiceAccountLike> = {}): void {
    this.serviceAccounts.set(`${namespace}/${name}`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace }, ...extra });
  }
  addNamespace(name: string, labels?: Record<string, string>): void {
    this.namespaces.set(name, { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } } as Namespace);
  }
  addPod(pod: Pod): void {
    this.pods.set(`${pod.metadata.namespace}/${pod.metadata.name}`, pod);
  }
  addNode(name: string, uid: string): void {
    this.nodes.set(name, { apiVersion: 'v1', kind: 'Node', metadata: { name, uid } } as Node);
  }
  async getServiceAccount(namespace: string, name: string) {
    this.serviceAccountLookups++;
    return this.serviceAccounts.get(`${namespace}/${name}`) ?? null;
  }
  async getNamespace(name: string) {
    return this.namespaces.get(name) ?? null;
  }
  async getPod(namespace: string, name: string) {
    return this.pods.get(`${namespace}/${name}`) ?? null;
  }
  async getNode(name: string) {
    return this.nodes.get(name) ?? null;
  }
  async listPods(namespace: string) {
    return [...this.pods.values()].filter((p) => p.metadata.namespace === namespace);
  }
}

const INFO: Record<string, { group: string; version: string; resource: string; kind: string }> = {
  pods: { group: '', version: 'v1', resource: 'pods', kind: 'Pod' },
  nodes: { group: '', version: 'v1', resource: 'nodes', kind: 'Node' },
  namespaces: { group: '', version: 'v1', resource: 'namespaces', kind: 'Namespace' },
  serviceaccounts: { group: '', version: 'v1', resource: 'serviceaccounts', kind: 'ServiceAccount' },
  leases: { group: 'coordination.k8s.io', version: 'v1', resource: 'leases', kind: 'Lease' },
};

export const ADMIN: UserInfo = { name: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] };
export const nodeUser = (name: string): UserInfo => ({ name: `system:node:${name}`, groups: ['system:nodes', 'system:authenticated'] });

/** Attributes for a request on one of the resources above. */
export function attrs(
  resource: keyof typeof INFO,
  operation: AdmissionAttributes['operation'],
  f: { namespace?: string; name?: string; subresource?: string; object?: KubeObject; oldObject?: KubeObject; user?: UserInfo; dryRun?: boolean },
): AdmissionAttributes {
  const info = INFO[resource] as (typeof INFO)[string];
  return attributesFor(info, operation, { ...f, name: f.name ?? '', user: f.user ?? ADMIN });
}

export function pod(name: string, namespace: string, spec: Partial<Pod['spec']> = {}, meta: Partial<Pod['metadata']> = {}): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace, ...meta }, spec: { containers: [{ name: 'c', image: 'busybox' }], ...spec } } as Pod;
}
