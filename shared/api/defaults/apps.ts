/**
 * apps/v1 defaulting as kube-apiserver's scheme applies it (pkg/apis/apps/v1/defaults.go SetDefaults_Deployment,
 * SetDefaults_ReplicaSet, SetDefaults_StatefulSet, SetDefaults_DaemonSet, and the generated SetObjectDefaults_*
 * that also default the embedded pod template's PodSpec and, for StatefulSets, the volume claim templates).
 * Kubernetes 1.32 default feature gates (StatefulSetAutoDeletePVC on, MaxUnavailableStatefulSet off).
 */
import type { DaemonSet, Deployment, ReplicaSet, StatefulSet } from '../apps-v1.ts';
import type { PersistentVolumeClaim, PodTemplateSpec } from '../core-v1.ts';
import { defaultPodSpec } from './pod.ts';
import { defaultResourceList } from './resources.ts';

const isObj = (v: unknown): boolean => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The object at parent[key], created empty when absent or not an object. */
function ensure<P extends object, K extends keyof P>(parent: P, key: K): NonNullable<P[K]> {
  if (!isObj(parent[key])) (parent as Record<K, unknown>)[key] = {};
  return parent[key] as NonNullable<P[K]>;
}
const unset = (v: unknown): boolean => v === undefined || v === null;

/** The template's PodSpec defaults (SetDefaults_PodSpec and below); the template and its spec always exist in v1. */
export function defaultPodTemplate(holder: { template?: PodTemplateSpec }): void {
  defaultPodSpec(ensure(ensure(holder, 'template'), 'spec'));
}

/** SetDefaults_Deployment: replicas 1, RollingUpdate 25%/25%, revisionHistoryLimit 10, progressDeadlineSeconds 600. */
export function defaultDeployment(d: Deployment): Deployment {
  const spec = ensure(d, 'spec');
  if (unset(spec.replicas)) spec.replicas = 1;
  const strategy = ensure(spec, 'strategy');
  if (!strategy.type) strategy.type = 'RollingUpdate';
  if (strategy.type === 'RollingUpdate') {
    const ru = ensure(strategy, 'rollingUpdate');
    if (unset(ru.maxUnavailable)) ru.maxUnavailable = '25%';
    if (unset(ru.maxSurge)) ru.maxSurge = '25%';
  }
  if (unset(spec.revisionHistoryLimit)) spec.revisionHistoryLimit = 10;
  if (unset(spec.progressDeadlineSeconds)) spec.progressDeadlineSeconds = 600;
  defaultPodTemplate(spec);
  return d;
}

/** SetDefaults_ReplicaSet: replicas 1. */
export function defaultReplicaSet(rs: ReplicaSet): ReplicaSet {
  const spec = ensure(rs, 'spec');
  if (unset(spec.replicas)) spec.replicas = 1;
  defaultPodTemplate(spec);
  return rs;
}

/**
 * SetDefaults_StatefulSet: podManagementPolicy OrderedReady, updateStrategy RollingUpdate with partition 0,
 * persistentVolumeClaimRetentionPolicy Retain/Retain, replicas 1, revisionHistoryLimit 10; claim templates get
 * volumeMode Filesystem and status.phase Pending (SetDefaults_PersistentVolumeClaim[Spec]).
 */
export function defaultStatefulSet(sts: StatefulSet): StatefulSet {
  const spec = ensure(sts, 'spec');
  if (!spec.podManagementPolicy) spec.podManagementPolicy = 'OrderedReady';
  const us = ensure(spec, 'updateStrategy');
  if (!us.type) {
    us.type = 'RollingUpdate';
    ensure(us, 'rollingUpdate');
  }
  const ru = us.rollingUpdate;
  if (us.type === 'RollingUpdate' && ru && isObj(ru) && unset(ru.partition)) ru.partition = 0;
  const retention = ensure(spec, 'persistentVolumeClaimRetentionPolicy');
  if (!retention.whenDeleted) retention.whenDeleted = 'Retain';
  if (!retention.whenScaled) retention.whenScaled = 'Retain';
  if (unset(spec.replicas)) spec.replicas = 1;
  if (unset(spec.revisionHistoryLimit)) spec.revisionHistoryLimit = 10;
  defaultPodTemplate(spec);
  for (const claim of Array.isArray(spec.volumeClaimTemplates) ? spec.volumeClaimTemplates : []) {
    if (isObj(claim)) defaultPersistentVolumeClaim(claim);
  }
  return sts;
}

/** SetDefaults_PersistentVolumeClaim + SetDefaults_PersistentVolumeClaimSpec (+ canonical quantities). */
export function defaultPersistentVolumeClaim(claim: PersistentVolumeClaim): void {
  const spec = ensure(claim, 'spec');
  if (unset(spec.volumeMode)) spec.volumeMode = 'Filesystem';
  if (spec.resources && isObj(spec.resources)) {
    defaultResourceList(spec.resources.limits);
    defaultResourceList(spec.resources.requests);
  }
  const status = ensure(claim, 'status');
  if (!status.phase) status.phase = 'Pending';
}

/** SetDefaults_DaemonSet: updateStrategy RollingUpdate maxUnavailable 1 maxSurge 0, revisionHistoryLimit 10. */
export function defaultDaemonSet(ds: DaemonSet): DaemonSet {
  const spec = ensure(ds, 'spec');
  const us = ensure(spec, 'updateStrategy');
  if (!us.type) us.type = 'RollingUpdate';
  if (us.type === 'RollingUpdate') {
    const ru = ensure(us, 'rollingUpdate');
    if (unset(ru.maxUnavailable)) ru.maxUnavailable = 1;
    if (unset(ru.maxSurge)) ru.maxSurge = 0;
  }
  if (unset(spec.revisionHistoryLimit)) spec.revisionHistoryLimit = 10;
  defaultPodTemplate(spec);
  return ds;
}
