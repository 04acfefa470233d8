/**
 * Pure StatefulSet logic (pkg/controller/statefulset/stateful_set_utils.go): pod names and ordinals, a pod's
 * stable identity (name, hostname, subdomain, the pod-name and pod-index labels), its claim volumes, which
 * revision it runs, and the revision data of a set.
 */
import {
  CONTROLLER_REVISION_HASH_LABEL_KEY,
  POD_INDEX_LABEL,
  STATEFULSET_POD_NAME_LABEL,
  type ControllerRevision,
  type StatefulSet,
} from '../../shared/api/apps-v1.ts';
import type { PersistentVolumeClaim, Pod, Volume } from '../../shared/api/core-v1.ts';
import { newControllerRef } from '../framework/controller-ref-manager.ts';
import { getPodFromTemplate } from '../framework/pod-control.ts';
import { newControllerRevision, type ParentKind } from '../history/controller-history.ts';
import { templateOfRevision, templatePatch } from '../history/revision-data.ts';

export const STATEFULSET_KIND: ParentKind = { apiVersion: 'apps/v1', kind: 'StatefulSet' };

const ORDINAL_RE = /^(.*)-([0-9]+)$/;

/** getParentNameAndOrdinal: `web-2` is ("web", 2); a name without an ordinal is ("", -1). */
export function parentNameAndOrdinal(pod: Pod): { parent: string; ordinal: number } {
  const m = ORDINAL_RE.exec(pod.metadata.name ?? '');
  if (!m) return { parent: '', ordinal: -1 };
  const n = Number(m[2]);
  return Number.isSafeInteger(n) && n <= 0x7fffffff ? { parent: m[1] as string, ordinal: n } : { parent: '', ordinal: -1 };
}

export const getOrdinal = (pod: Pod): number => parentNameAndOrdinal(pod).ordinal;

/** isMemberOf: the pod's name is `<set>-<ordinal>`. */
export function isMemberOf(set: StatefulSet, pod: Pod): boolean {
  return parentNameAndOrdinal(pod).parent === set.metadata.name;
}

export const podName = (set: StatefulSet, ordinal: number): string => `${set.metadata.name ?? ''}-${ordinal}`;

/** spec.ordinals.start (0 when unset). */
export const startOrdinal = (set: StatefulSet): number => set.spec.ordinals?.start ?? 0;

export const replicasOf = (set: StatefulSet): number => set.spec.replicas ?? 1;

/** One past the last ordinal the set wants. */
export const endOrdinal = (set: StatefulSet): number => startOrdinal(set) + replicasOf(set);

export function podInOrdinalRange(pod: Pod, set: StatefulSet): boolean {
  const o = getOrdinal(pod);
  return o >= startOrdinal(set) && o < endOrdinal(set);
}

/** getPersistentVolumeClaimName: `<claim>-<set>-<ordinal>`. */
export function claimName(set: StatefulSet, claim: PersistentVolumeClaim, ordinal: number): string {
  return `${claim.metadata.name ?? ''}-${set.metadata.name ?? ''}-${ordinal}`;
}

/** getPersistentVolumeClaims: the claims a pod of the set uses, keyed by template name. */
export function claimsFor(set: StatefulSet, pod: Pod): Map<string, PersistentVolumeClaim> {
  const ordinal = getOrdinal(pod);
  const out = new Map<string, PersistentVolumeClaim>();
  for (const t of set.spec.volumeClaimTemplates ?? []) {
    const claim: PersistentVolumeClaim = structuredClone(t);
    claim.apiVersion = 'v1';
    claim.kind = 'PersistentVolumeClaim';
    claim.metadata = { ...claim.metadata, name: claimName(set, t, ordinal), namespace: set.metadata.namespace ?? '' };
    const labels = { ...(set.spec.selector.matchLabels ?? {}) };
    claim.metadata.labels = { ...(t.metadata.labels ?? {}), ...labels };
    delete claim.status;
    out.set(t.metadata.name ?? '', claim);
  }
  return out;
}

/** updateStorage: every claim template becomes a volume named after it, pointing at the pod's own claim. */
export function updateStorage(set: StatefulSet, pod: Pod): void {
  const claims = claimsFor(set, pod);
  if (claims.size === 0) return;
  const volumes: Volume[] = [];
  for (const [name, claim] of claims) volumes.push({ name, persistentVolumeClaim: { claimName: claim.metadata.name ?? '' } } as Volume);
  for (const v of pod.spec.volumes ?? []) if (!claims.has(v.name)) volumes.push(v);
  pod.spec.volumes = volumes;
}

/** storageMatches: every claim template is mounted as the pod's own claim. */
export function storageMatches(set: StatefulSet, pod: Pod): boolean {
  const claims = claimsFor(set, pod);
  for (const [name, claim] of claims) {
    const v = (pod.spec.volumes ?? []).find((x) => x.name === name) as (Volume & { persistentVolumeClaim?: { claimName?: string } }) | undefined;
    if (!v?.persistentVolumeClaim || v.persistentVolumeClaim.claimName !== claim.metadata.name) return false;
  }
  return true;
}

/** identityMatches: name, namespace, the pod-name label, hostname-less subdomain check as upstream. */
export function identityMatches(set: StatefulSet, pod: Pod): boolean {
  const { parent, ordinal } = parentNameAndOrdinal(pod);
  return ordinal >= 0
    && parent === set.metadata.name
    && pod.metadata.name === podName(set, ordinal)
    && pod.metadata.namespace === set.metadata.namespace
    && pod.metadata.labels?.[STATEFULSET_POD_NAME_LABEL] === pod.metadata.name
    && pod.metadata.labels?.[POD_INDEX_LABEL] === String(ordinal);
}

/** updateIdentity: name, namespace, hostname, subdomain and the identity labels of ordinal `ordinal`. */
export function updateIdentity(set: StatefulSet, pod: Pod, ordinal: number): void {
  pod.metadata.name = podName(set, ordinal);
  pod.metadata.namespace = set.metadata.namespace ?? '';
  pod.metadata.labels = {
    ...(pod.metadata.labels ?? {}),
    [STATEFULSET_POD_NAME_LABEL]: pod.metadata.name,
    [POD_INDEX_LABEL]: String(ordinal),
  };
  pod.spec.hostname = pod.metadata.name;
  pod.spec.subdomain = set.spec.serviceName ?? '';
  if (!pod.spec.subdomain) delete pod.spec.subdomain;
}

export function getPodRevision(pod: Pod): string {
  return pod.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL_KEY] ?? '';
}

export function setPodRevision(pod: Pod, revision: string): void {
  pod.metadata.labels = { ...(pod.metadata.labels ?? {}), [CONTROLLER_REVISION_HASH_LABEL_KEY]: revision };
}

/** newStatefulSetPod: the pod of `ordinal` from the set's template, with identity and storage. */
export function newStatefulSetPod(set: StatefulSet, ordinal: number): Pod {
  const pod = getPodFromTemplate(set.spec.template, set, newControllerRef(set, STATEFULSET_KIND));
  if (Object.keys(pod.metadata.annotations ?? {}).length === 0) delete pod.metadata.annotations;
  updateIdentity(set, pod, ordinal);
  updateStorage(set, pod);
  return pod;
}

/**
 * newVersionedStatefulSetPod: ordinals below the partition (or, without a rollingUpdate, below the count of
 * current replicas) are created from the current revision, the rest from the update revision.
 */
export function newVersionedStatefulSetPod(currentSet: StatefulSet, updateSet: StatefulSet, currentRevision: string, updateRevision: string, ordinal: number): Pod {
  const strategy = currentSet.spec.updateStrategy;
  const start = startOrdinal(currentSet);
  const rolling = (strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
  const useCurrent =
    (rolling && !strategy?.rollingUpdate && ordinal < start + (currentSet.status?.currentReplicas ?? 0))
    || (strategy?.rollingUpdate !== undefined && ordinal < start + (strategy.rollingUpdate.partition ?? 0));
  const pod = newStatefulSetPod(useCurrent ? currentSet : updateSet, ordinal);
  setPodRevision(pod, useCurrent ? currentRevision : updateRevision);
  return pod;
}

/** newRevision: the set's template as a ControllerRevision (labels of the template, data = getPatch). */
export function newRevision(set: StatefulSet, revision: number, collisionCount: number): ControllerRevision {
  const cr = newControllerRevision(set, STATEFULSET_KIND, set.spec.template.metadata?.labels, templatePatch(set.spec.template), revision, collisionCount);
  if (set.metadata.annotations) cr.metadata.annotations = { ...set.metadata.annotations };
  return cr;
}

/** ApplyRevision: a copy of the set whose template is the revision's. */
export function applyRevision(set: StatefulSet, revision: ControllerRevision): StatefulSet {
  const clone = structuredClone(set);
  const template = templateOfRevision(revision.data);
  if (template) clone.spec.template = template;
  return clone;
}
