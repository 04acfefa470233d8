import { isDeepStrictEqual } from 'node:util';
import type { Node, Pod } from '../../../shared/api/core-v1.ts';
import type { KubeObject } from '../../../shared/api/meta.ts';
import { newNotFound } from '../../../shared/errors/status-error.ts';
import { NODES_GROUP, NODE_USER_PREFIX, type UserInfo } from '../../authentication/user-info.ts';
import type { AdmissionAttributes } from '../admission.ts';
import { forbidden, type AdmissionPlugin } from '../chain.ts';
import type { AdmissionLookups } from '../lookups.ts';
import { MIRROR_POD_ANNOTATION } from './service-account.ts';

export const NODE_RESTRICTION_PLUGIN = 'NodeRestriction';
export const NAMESPACE_NODE_LEASE = 'kube-node-lease';
const LABEL_NAMESPACE_NODE_RESTRICTION = 'node-restriction.kubernetes.io';

/** The labels a kubelet may set on its own Node (pkg/kubelet/apis well_known_labels.go kubeletLabels). */
const KUBELET_LABELS = new Set([
  'kubernetes.io/hostname',
  'failure-domain.beta.kubernetes.io/zone',
  'failure-domain.beta.kubernetes.io/region',
  'topology.kubernetes.io/zone',
  'topology.kubernetes.io/region',
  'beta.kubernetes.io/instance-type',
  'node.kubernetes.io/instance-type',
  'kubernetes.io/os',
  'kubernetes.io/arch',
  'beta.kubernetes.io/os',
  'beta.kubernetes.io/arch',
  'failure-domain.kubernetes.io/zone',
  'failure-domain.kubernetes.io/region',
  'kubernetes.io/instance-type',
]);
/** Label namespaces (and their subdomains) a kubelet may set (kubeletLabelNamespaces). */
const KUBELET_LABEL_NAMESPACES = ['kubelet.kubernetes.io', 'node.kubernetes.io'];

/**
 * nodeidentifier.NodeIdentity: a user in group system:nodes named system:node:<name> is that node; a member
 * of system:nodes with another name is a node we cannot name (""); anyone else is not a node (undefined).
 */
export function nodeIdentity(user: UserInfo): string | undefined {
  if (!user.groups.includes(NODES_GROUP)) return undefined;
  if (!user.name.startsWith(NODE_USER_PREFIX)) return undefined;
  return user.name.slice(NODE_USER_PREFIX.length);
}

/**
 * The NodeRestriction admission plugin (plugin/pkg/admission/noderestriction): a node identity may create
 * only mirror pods bound to itself, update the status of / delete / evict only pods bound to itself, create and
 * modify only its own Node (not its taints, not a configSource, not labels under node-restriction.kubernetes.io
 * or unknown kubernetes.io / k8s.io labels), use only its own Lease in kube-node-lease, and request
 * ServiceAccount tokens only bound to pods on itself. Messages as upstream's.
 */
export function nodeRestrictionAdmission(lookups: AdmissionLookups): AdmissionPlugin {
  return {
    name: NODE_RESTRICTION_PLUGIN,
    handles(a) {
      if (nodeIdentity(a.user) === undefined) return false;
      const gr = `${a.resource.resource}.${a.resource.group}`;
      return ['pods.', 'nodes.', 'persistentvolumeclaims.', 'serviceaccounts.', 'leases.coordination.k8s.io', 'csinodes.storage.k8s.io'].includes(gr);
    },
    async admit(a) {
      const nodeName = nodeIdentity(a.user);
      if (nodeName === undefined) return;
      if (nodeName === '') throw forbidden(a, `could not determine node from user "${a.user.name}"`);
      switch (`${a.resource.resource}.${a.resource.group}`) {
        case 'pods.':
          switch (a.subresource) {
            case '':
              return admitPod(lookups, nodeName, a);
            case 'status':
              return admitPodStatus(nodeName, a);
            case 'eviction':
              return admitPodEviction(lookups, nodeName, a);
            default:
              throw forbidden(a, `unexpected pod subresource "${a.subresource}", only 'status' and 'eviction' are allowed`);
          }
        case 'nodes.':
          return admitNode(nodeName, a);
        case 'persistentvolumeclaims.':
          if (a.subresource !== 'status') throw forbidden(a, 'may only update PVC status');
          return;
        case 'serviceaccounts.':
          return admitServiceAccount(lookups, nodeName, a);
        case 'leases.coordination.k8s.io':
          return admitLease(nodeName, a);
        case 'csinodes.storage.k8s.io':
          if ((a.operation === 'CREATE' ? a.object?.metadata.name : a.name) !== nodeName) {
            throw forbidden(a, 'can only access CSINode with the same name as the requesting node');
          }
          return;
      }
    },
  };
}

async function admitPod(lookups: AdmissionLookups, nodeName: string, a: AdmissionAttributes): Promise<void> {
  switch (a.operation) {
    case 'CREATE':
      return admitPodCreate(lookups, nodeName, a);
    case 'DELETE': {
      const existing = (a.oldObject as Pod | undefined) ?? (await lookups.getPod(a.namespace, a.name));
      if (!existing) return;
      if (existing.spec?.nodeName !== nodeName) throw forbidden(a, `node "${nodeName}" can only delete pods with spec.nodeName set to itself`);
      return;
    }
    default:
      throw forbidden(a, `unexpected operation "${a.operation}", node "${nodeName}" can only create and delete mirror pods`);
  }
}

async function admitPodCreate(lookups: AdmissionLookups, nodeName: string, a: AdmissionAttributes): Promise<void> {
  const pod = a.object as Pod;
  if (pod.metadata.annotations?.[MIRROR_POD_ANNOTATION] === undefined) {
    throw forbidden(a, `pod does not have "${MIRROR_POD_ANNOTATION}" annotation, node "${nodeName}" can only create mirror pods`);
  }
  if (pod.spec?.nodeName !== nodeName) throw forbidden(a, `node "${nodeName}" can only create pods with spec.nodeName set to itself`);
  const owners = pod.metadata.ownerReferences ?? [];
  if (owners.length > 1) throw forbidden(a, `node "${nodeName}" can only create pods with a single owner reference set to itself`);
  const owner = owners[0];
  if (!owner) throw forbidden(a, `node "${nodeName}" can only create pods with an owner reference set to itself`);
  if (owner.apiVersion !== 'v1' || owner.kind !== 'Node' || owner.name !== nodeName) {
    throw forbidden(a, `node "${nodeName}" can only create pods with an owner reference set to itself`);
  }
  if (owner.controller !== true) throw forbidden(a, `node "${nodeName}" can only create pods with a controller owner reference set to itself`);
  if (owner.blockOwnerDeletion === true) throw forbidden(a, `node "${nodeName}" must not set blockOwnerDeletion on an owner reference`);
  const node = await lookups.getNode(nodeName);
  if (!node) throw forbidden(a, `error looking up node ${nodeName} to verify uid: nodes "${nodeName}" not found`);
  if (owner.uid !== node.metadata.uid) throw forbidden(a, `node ${nodeName} UID mismatch: expected ${owner.uid ?? ''} got ${node.metadata.uid ?? ''}`);
  const spec = pod.spec;
  if (spec.serviceAccountName) throw forbidden(a, `node "${nodeName}" can not create pods that reference a service account`);
  const containers = [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])];
  const usesSecrets =
    (spec.imagePullSecrets?.length ?? 0) > 0 ||
    (spec.volumes ?? []).some((v) => v.secret || v.projected?.sources?.some((s) => s.secret)) ||
    containers.some((c) => c.envFrom?.some((e) => e.secretRef) || c.env?.some((e) => e.valueFrom?.secretKeyRef));
  if (usesSecrets) throw forbidden(a, `node "${nodeName}" can not create pods that reference secrets`);
  const usesConfigMaps =
    (spec.volumes ?? []).some((v) => v.configMap || v.projected?.sources?.some((s) => s.configMap)) ||
    containers.some((c) => c.envFrom?.some((e) => e.configMapRef) || c.env?.some((e) => e.valueFrom?.configMapKeyRef));
  if (usesConfigMaps) throw forbidden(a, `node "${nodeName}" can not create pods that reference configmaps`);
  if ((spec.volumes ?? []).some((v) => v.projected?.sources?.some((s) => (s as Record<string, unknown>).clusterTrustBundle))) {
    throw forbidden(a, `node "${nodeName}" can not create pods that reference clustertrustbundles`);
  }
  if ((spec.volumes ?? []).some((v) => v.persistentVolumeClaim)) throw forbidden(a, `node "${nodeName}" can not create pods that reference persistentvolumeclaims`);
}

function admitPodStatus(nodeName: string, a: AdmissionAttributes): void {
  if (a.operation !== 'UPDATE') throw forbidden(a, `unexpected operation "${a.operation}"`);
  const oldPod = a.oldObject as Pod;
  if (oldPod.spec?.nodeName !== nodeName) throw forbidden(a, `node "${nodeName}" can only update pod status for pods with spec.nodeName set to itself`);
  const newPod = a.object as Pod;
  if (!isDeepStrictEqual(oldPod.metadata.labels ?? {}, newPod.metadata.labels ?? {})) throw forbidden(a, `node "${nodeName}" cannot update labels through pod status`);
  const claims = (p: Pod) => ((p.status as Record<string, unknown> | undefined)?.resourceClaimStatuses ?? []) as unknown[];
  if (!isDeepStrictEqual(claims(oldPod), claims(newPod))) throw forbidden(a, `node "${nodeName}" cannot update resource claim statues`);
}

async function admitPodEviction(lookups: AdmissionLookups, nodeName: string, a: AdmissionAttributes): Promise<void> {
  if (a.operation !== 'CREATE') throw forbidden(a, `unexpected operation ${a.operation}`);
  const podName = a.name || a.object?.metadata.name || '';
  if (!podName) throw forbidden(a, 'could not determine pod from request data');
  const pod = await lookups.getPod(a.namespace, podName);
  if (!pod) return;
  if (pod.spec?.nodeName !== nodeName) throw forbidden(a, `node ${nodeName} can only evict pods with spec.nodeName set to itself`);
}

function admitNode(nodeName: string, a: AdmissionAttributes): void {
  const requested = a.name || (a.operation === 'CREATE' ? (a.object?.metadata.name ?? '') : '');
  if (requested !== nodeName) throw forbidden(a, `node "${nodeName}" is not allowed to modify node "${requested}"`);
  if (a.operation === 'CREATE') {
    const node = a.object as Node;
    if (node.spec && (node.spec as Record<string, unknown>).configSource != null) {
      throw forbidden(a, `node "${nodeName}" is not allowed to create pods with a non-nil configSource`);
    }
    const bad = forbiddenLabels(modifiedLabels(node.metadata.labels, undefined));
    if (bad.length) throw forbidden(a, `node "${nodeName}" is not allowed to set the following labels: ${bad.join(', ')}`);
  }
  if (a.operation === 'UPDATE') {
    const node = a.object as Node;
    const old = a.oldObject as Node;
    const source = (n: Node) => (n.spec as Record<string, unknown> | undefined)?.configSource;
    if (source(node) != null && !isDeepStrictEqual(source(node), source(old))) {
      throw forbidden(a, `node "${nodeName}" is not allowed to update configSource to a new non-nil configSource`);
    }
    if (!isDeepStrictEqual(normalizeEmpty(node.spec?.taints), normalizeEmpty(old.spec?.taints))) {
      throw forbidden(a, `node "${nodeName}" is not allowed to modify taints`);
    }
    const bad = forbiddenLabels(modifiedLabels(node.metadata.labels, old.metadata.labels));
    if (bad.length) throw forbidden(a, `is not allowed to modify labels: ${bad.join(', ')}`);
  }
}

/** apiequality.Semantic treats a nil and an empty slice alike. */
function normalizeEmpty<T>(list: T[] | undefined): T[] {
  return list ?? [];
}

function modifiedLabels(a: Record<string, string> | undefined, b: Record<string, string> | undefined): Set<string> {
  const out = new Set<string>();
  const x = a ?? {};
  const y = b ?? {};
  for (const [k, v] of Object.entries(x)) if (!(k in y) || y[k] !== v) out.add(k);
  for (const [k, v] of Object.entries(y)) if (!(k in x) || x[k] !== v) out.add(k);
  return out;
}

function labelNamespace(key: string): string {
  const i = key.indexOf('/');
  return i >= 0 ? key.slice(0, i) : '';
}

function inNamespace(ns: string, domain: string): boolean {
  return ns === domain || ns.endsWith(`.${domain}`);
}

/** kubeletapis.IsKubeletLabel. */
export function isKubeletLabel(key: string): boolean {
  if (KUBELET_LABELS.has(key)) return true;
  const ns = labelNamespace(key);
  return KUBELET_LABEL_NAMESPACES.some((allowed) => inNamespace(ns, allowed));
}

/** The modified labels a node may not add, remove or change, sorted. */
export function forbiddenLabels(modified: Set<string>): string[] {
  const out: string[] = [];
  for (const label of modified) {
    const ns = labelNamespace(label);
    const restricted = inNamespace(ns, LABEL_NAMESPACE_NODE_RESTRICTION);
    const kubernetes = inNamespace(ns, 'kubernetes.io') || inNamespace(ns, 'k8s.io');
    if (restricted || (kubernetes && !isKubeletLabel(label))) out.push(label);
  }
  return out.sort();
}

async function admitServiceAccount(lookups: AdmissionLookups, nodeName: string, a: AdmissionAttributes): Promise<void> {
  if (a.operation !== 'CREATE' || a.subresource !== 'token') return;
  const tr = a.object as KubeObject & { spec?: { boundObjectRef?: { apiVersion?: string; kind?: string; name?: string; uid?: string } } };
  const ref = tr.spec?.boundObjectRef;
  if (!ref || ref.apiVersion !== 'v1' || ref.kind !== 'Pod' || !ref.name) throw forbidden(a, 'node requested token not bound to a pod');
  if (!ref.uid) throw forbidden(a, 'node requested token with a pod binding without a uid');
  const pod = await lookups.getPod(a.namespace, ref.name);
  if (!pod) throw newNotFound('pods', ref.name);
  if (ref.uid !== pod.metadata.uid) {
    throw forbidden(a, `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`);
  }
  if (pod.spec?.nodeName !== nodeName) throw forbidden(a, 'node requested token bound to a pod scheduled on a different node');
}

function admitLease(nodeName: string, a: AdmissionAttributes): void {
  if (a.namespace !== NAMESPACE_NODE_LEASE) throw forbidden(a, `can only access leases in the "${NAMESPACE_NODE_LEASE}" system namespace`);
  const name = a.operation === 'CREATE' ? (a.object?.metadata.name ?? '') : a.name;
  if (name !== nodeName) throw forbidden(a, 'can only access node lease with the same name as the requesting node');
}
