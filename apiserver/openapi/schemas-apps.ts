/**
 * Schemas of apps/v1 (Deployment, ReplicaSet, StatefulSet, DaemonSet, ControllerRevision), of autoscaling/v1
 * Scale (the `scale` subresource), and of the core/v1 definitions workloads embed (PodTemplateSpec,
 * PersistentVolumeClaim for volumeClaimTemplates). Spread into SCHEMAS by schemas.ts. Field lists, required
 * fields and list extensions follow k8s.io/api apps/v1 (1.32); descriptions paraphrase its documentation.
 */
import {
  CORE,
  INT_OR_STRING,
  META,
  bool,
  enumStr,
  int32,
  int64,
  kindObject,
  listKind,
  obj,
  quantityMap,
  ref,
  refArr,
  refV,
  str,
  strArr,
  strDef,
  time,
  type ListExt,
  type Schema,
} from './schema-builders.ts';

export const APPS = 'io.k8s.api.apps.v1.';
export const AUTOSCALING = 'io.k8s.api.autoscaling.v1.';

const CONDITIONS: ListExt = { listType: 'map', mapKeys: ['type'], mergeKey: 'type', strategy: 'merge' };
const CONDITION_STATUS = 'Status of the condition, one of True, False, Unknown.';

function condition(kind: string, withUpdateTime: boolean): Schema {
  return obj(
    `${kind}Condition describes the state of a ${kind.toLowerCase()} at a certain point.`,
    {
      ...(withUpdateTime ? { lastUpdateTime: time('The last time this condition was updated.') } : {}),
      lastTransitionTime: time('Last time the condition transitioned from one status to another.'),
      message: str('A human readable message indicating details about the transition.'),
      reason: str("The reason for the condition's last transition."),
      status: strDef(CONDITION_STATUS),
      type: strDef(`Type of ${kind.toLowerCase()} condition.`),
    },
    ['type', 'status'],
  );
}

const SELECTOR_DOC = (what: string): string =>
  `Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this ${what}. It must match the pod template's labels.`;
const TEMPLATE_DOC = 'Template describes the pods that will be created.';
const MIN_READY_DOC =
  'Minimum number of seconds for which a newly created pod should be ready without any of its container crashing, for it to be considered available. Defaults to 0 (pod will be considered available as soon as it is ready)';
const HISTORY_DOC = (what: string): string => `The number of old ${what} to retain to allow rollback. This is a pointer to distinguish between explicit zero and not specified.`;
const COLLISION_DOC = (what: string): string =>
  `Count of hash collisions for the ${what}. The controller uses this field as a collision avoidance mechanism when it needs to create the name for the newest ControllerRevision.`;

/** core/v1 definitions the workload kinds embed. */
const coreForWorkloads: Record<string, Schema> = {
  [`${CORE}PodTemplateSpec`]: obj('PodTemplateSpec describes the data a pod should have when created from a template', {
    metadata: refV(`${META}ObjectMeta`, "Standard object's metadata."),
    spec: refV(`${CORE}PodSpec`, 'Specification of the desired behavior of the pod.'),
  }),
  [`${CORE}TypedLocalObjectReference`]: obj(
    'TypedLocalObjectReference contains enough information to let you locate the typed referenced object inside the same namespace.',
    {
      apiGroup: str('APIGroup is the group for the resource being referenced. If APIGroup is not specified, the specified Kind must be in the core API group.'),
      kind: strDef('Kind is the type of resource being referenced'),
      name: strDef('Name is the name of resource being referenced'),
    },
    ['kind', 'name'],
    { 'x-kubernetes-map-type': 'atomic' },
  ),
  [`${CORE}TypedObjectReference`]: obj(
    'TypedObjectReference contains enough information to let you locate the typed referenced object',
    {
      apiGroup: str('APIGroup is the group for the resource being referenced. If APIGroup is not specified, the specified Kind must be in the core API group.'),
      kind: strDef('Kind is the type of resource being referenced'),
      name: strDef('Name is the name of resource being referenced'),
      namespace: str('Namespace is the namespace of resource being referenced.'),
    },
    ['kind', 'name'],
  ),
  [`${CORE}VolumeResourceRequirements`]: obj('VolumeResourceRequirements describes the storage resource requirements for a volume.', {
    limits: quantityMap('Limits describes the maximum amount of compute resources allowed.'),
    requests: quantityMap('Requests describes the minimum amount of compute resources required.'),
  }),
  [`${CORE}PersistentVolumeClaimSpec`]: obj(
    'PersistentVolumeClaimSpec describes the common attributes of storage devices and allows a Source for provider-specific attributes',
    {
      accessModes: strArr('accessModes contains the desired access modes the volume should have.'),
      dataSource: ref(`${CORE}TypedLocalObjectReference`, 'dataSource field can be used to specify an existing VolumeSnapshot object or an existing PVC.'),
      dataSourceRef: ref(`${CORE}TypedObjectReference`, 'dataSourceRef specifies the object from which to populate the volume with data, if a non-empty volume is desired.'),
      resources: refV(`${CORE}VolumeResourceRequirements`, 'resources represents the minimum resources the volume should have.'),
      selector: ref(`${META}LabelSelector`, 'selector is a label query over volumes to consider for binding.'),
      storageClassName: str('storageClassName is the name of the StorageClass required by the claim.'),
      volumeAttributesClassName: str('volumeAttributesClassName may be used to set the VolumeAttributesClass used by this claim.'),
      volumeMode: enumStr('volumeMode defines what type of volume is required by the claim. Value of Filesystem is implied when not included in claim spec.', {
        Block: 'means the volume will not be formatted with a filesystem and will remain a raw block device.',
        Filesystem: 'means the volume will be or is formatted with a filesystem.',
      }),
      volumeName: str('volumeName is the binding reference to the PersistentVolume backing this claim.'),
    },
  ),
  [`${CORE}PersistentVolumeClaimCondition`]: obj(
    'PersistentVolumeClaimCondition contains details about state of pvc',
    {
      lastProbeTime: time('lastProbeTime is the time we probed the condition.'),
      lastTransitionTime: time('lastTransitionTime is the time the condition transitioned from one status to another.'),
      message: str('message is the human-readable message indicating details about last transition.'),
      reason: str('reason is a unique, this should be a short, machine understandable string that gives the reason for condition\'s last transition.'),
      status: strDef(CONDITION_STATUS),
      type: strDef('Type is the type of the condition.'),
    },
    ['type', 'status'],
  ),
  [`${CORE}ModifyVolumeStatus`]: obj(
    'ModifyVolumeStatus represents the status object of ControllerModifyVolume operation',
    {
      status: strDef('status is the status of the ControllerModifyVolume operation: Pending, InProgress or Infeasible.'),
      targetVolumeAttributesClassName: str('targetVolumeAttributesClassName is the name of the VolumeAttributesClass the PVC currently being reconciled'),
    },
    ['status'],
  ),
  [`${CORE}PersistentVolumeClaimStatus`]: obj('PersistentVolumeClaimStatus is the current status of a persistent volume claim.', {
    accessModes: strArr('accessModes contains the actual access modes the volume backing the PVC has.'),
    allocatedResourceStatuses: { type: 'object', additionalProperties: { type: 'string' }, description: 'allocatedResourceStatuses stores status of resource being resized for the given PVC.', 'x-kubernetes-map-type': 'granular' },
    allocatedResources: quantityMap('allocatedResources tracks the resources allocated to a PVC including its capacity.'),
    capacity: quantityMap('capacity represents the actual resources of the underlying volume.'),
    conditions: refArr(`${CORE}PersistentVolumeClaimCondition`, 'conditions is the current Condition of persistent volume claim.', CONDITIONS),
    currentVolumeAttributesClassName: str('currentVolumeAttributesClassName is the current name of the VolumeAttributesClass the PVC is using.'),
    modifyVolumeStatus: ref(`${CORE}ModifyVolumeStatus`, 'ModifyVolumeStatus represents the status object of ControllerModifyVolume operation.'),
    phase: enumStr('phase represents the current phase of PersistentVolumeClaim.', {
      Bound: 'used for PersistentVolumeClaims that are bound',
      Lost: 'used for PersistentVolumeClaims that lost their underlying PersistentVolume.',
      Pending: 'used for PersistentVolumeClaims that are not yet bound',
    }),
  }),
  [`${CORE}PersistentVolumeClaim`]: kindObject('', 'v1', 'PersistentVolumeClaim', "PersistentVolumeClaim is a user's request for and claim to a persistent volume", {
    spec: refV(`${CORE}PersistentVolumeClaimSpec`, 'spec defines the desired characteristics of a volume requested by a pod author.'),
    status: refV(`${CORE}PersistentVolumeClaimStatus`, 'status represents the current information/status of a persistent volume claim.'),
  }),
};

const deployment: Record<string, Schema> = {
  [`${APPS}RollingUpdateDeployment`]: obj('Spec to control the desired behavior of rolling update.', {
    maxSurge: ref(
      INT_OR_STRING,
      'The maximum number of pods that can be scheduled above the desired number of pods. Value can be an absolute number (ex: 5) or a percentage of desired pods (ex: 10%). This can not be 0 if MaxUnavailable is 0. Absolute number is calculated from percentage by rounding up. Defaults to 25%.',
    ),
    maxUnavailable: ref(
      INT_OR_STRING,
      'The maximum number of pods that can be unavailable during the update. Value can be an absolute number (ex: 5) or a percentage of desired pods (ex: 10%). Absolute number is calculated from percentage by rounding down. This can not be 0 if MaxSurge is 0. Defaults to 25%.',
    ),
  }),
  [`${APPS}DeploymentStrategy`]: obj('DeploymentStrategy describes how to replace existing pods with new ones.', {
    rollingUpdate: ref(`${APPS}RollingUpdateDeployment`, 'Rolling update config params. Present only if DeploymentStrategyType = RollingUpdate.'),
    type: enumStr('Type of deployment. Can be "Recreate" or "RollingUpdate". Default is RollingUpdate.', {
      Recreate: 'Kill all existing pods before creating new ones.',
      RollingUpdate: 'Replace the old ReplicaSets by new one using rolling update i.e gradually scale down the old ReplicaSets and scale up the new one.',
    }),
  }),
  [`${APPS}DeploymentSpec`]: obj(
    'DeploymentSpec is the specification of the desired behavior of the Deployment.',
    {
      minReadySeconds: int32(MIN_READY_DOC),
      paused: bool('Indicates that the deployment is paused.'),
      progressDeadlineSeconds: int32(
        'The maximum time in seconds for a deployment to make progress before it is considered to be failed. The deployment controller will continue to process failed deployments and a condition with a ProgressDeadlineExceeded reason will be surfaced in the deployment status. Note that progress will not be estimated during the time a deployment is paused. Defaults to 600s.',
      ),
      replicas: int32('Number of desired pods. This is a pointer to distinguish between explicit zero and not specified. Defaults to 1.'),
      revisionHistoryLimit: int32(`${HISTORY_DOC('ReplicaSets')} Defaults to 10.`),
      selector: ref(`${META}LabelSelector`, SELECTOR_DOC('deployment')),
      strategy: refV(`${APPS}DeploymentStrategy`, 'The deployment strategy to use to replace existing pods with new ones.', { 'x-kubernetes-patch-strategy': 'retainKeys' }),
      template: refV(`${CORE}PodTemplateSpec`, `${TEMPLATE_DOC} The only allowed template.spec.restartPolicy value is "Always".`),
    },
    ['selector', 'template'],
  ),
  [`${APPS}DeploymentCondition`]: condition('Deployment', true),
  [`${APPS}DeploymentStatus`]: obj('DeploymentStatus is the most recently observed status of the Deployment.', {
    availableReplicas: int32('Total number of available non-terminating pods (ready for at least minReadySeconds) targeted by this deployment.'),
    collisionCount: int32(COLLISION_DOC('Deployment').replace('ControllerRevision', 'ReplicaSet')),
    conditions: refArr(`${APPS}DeploymentCondition`, "Represents the latest available observations of a deployment's current state.", CONDITIONS),
    observedGeneration: int64('The generation observed by the deployment controller.'),
    readyReplicas: int32('Total number of non-terminating pods targeted by this Deployment with a Ready Condition.'),
    replicas: int32('Total number of non-terminating pods targeted by this deployment (their labels match the selector).'),
    terminatingReplicas: int32('Total number of terminating pods targeted by this deployment.'),
    unavailableReplicas: int32(
      'Total number of unavailable pods targeted by this deployment. This is the total number of pods that are still required for the deployment to have 100% available capacity.',
    ),
    updatedReplicas: int32('Total number of non-terminating pods targeted by this deployment that have the desired template spec.'),
  }),
  [`${APPS}Deployment`]: kindObject('apps', 'v1', 'Deployment', 'Deployment enables declarative updates for Pods and ReplicaSets.', {
    spec: refV(`${APPS}DeploymentSpec`, 'Specification of the desired behavior of the Deployment.'),
    status: refV(`${APPS}DeploymentStatus`, 'Most recently observed status of the Deployment.'),
  }),
  [`${APPS}DeploymentList`]: listKind('apps', 'v1', 'DeploymentList', `${APPS}Deployment`, 'DeploymentList is a list of Deployments.'),
};

const replicaSet: Record<string, Schema> = {
  [`${APPS}ReplicaSetSpec`]: obj(
    'ReplicaSetSpec is the specification of a ReplicaSet.',
    {
      minReadySeconds: int32(MIN_READY_DOC),
      replicas: int32('Replicas is the number of desired pods. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1.'),
      selector: ref(
        `${META}LabelSelector`,
        'Selector is a label query over pods that should match the replica count. Label keys and values that must match in order to be controlled by this replica set. It must match the pod template\'s labels.',
      ),
      template: refV(`${CORE}PodTemplateSpec`, 'Template is the object that describes the pod that will be created if insufficient replicas are detected.'),
    },
    ['selector'],
  ),
  [`${APPS}ReplicaSetCondition`]: condition('ReplicaSet', false),
  [`${APPS}ReplicaSetStatus`]: obj(
    'ReplicaSetStatus represents the current status of a ReplicaSet.',
    {
      availableReplicas: int32('The number of available non-terminating pods (ready for at least minReadySeconds) for this replica set.'),
      conditions: refArr(`${APPS}ReplicaSetCondition`, "Represents the latest available observations of a replica set's current state.", CONDITIONS),
      fullyLabeledReplicas: int32('The number of non-terminating pods that have labels matching the labels of the pod template of the replicaset.'),
      observedGeneration: int64('ObservedGeneration reflects the generation of the most recently observed ReplicaSet.'),
      readyReplicas: int32('The number of non-terminating pods targeted by this ReplicaSet with a Ready Condition.'),
      replicas: int32('Replicas is the most recently observed number of non-terminating pods.', { default: 0 }),
      terminatingReplicas: int32('The number of terminating pods for this replica set.'),
    },
    ['replicas'],
  ),
  [`${APPS}ReplicaSet`]: kindObject('apps', 'v1', 'ReplicaSet', 'ReplicaSet ensures that a specified number of pod replicas are running at any given time.', {
    spec: refV(`${APPS}ReplicaSetSpec`, 'Spec defines the specification of the desired behavior of the ReplicaSet.'),
    status: refV(`${APPS}ReplicaSetStatus`, 'Status is the most recently observed status of the ReplicaSet.'),
  }),
  [`${APPS}ReplicaSetList`]: listKind('apps', 'v1', 'ReplicaSetList', `${APPS}ReplicaSet`, 'ReplicaSetList is a collection of ReplicaSets.'),
};

const statefulSet: Record<string, Schema> = {
  [`${APPS}RollingUpdateStatefulSetStrategy`]: obj('RollingUpdateStatefulSetStrategy is used to communicate parameter for RollingUpdateStatefulSetStrategyType.', {
    maxUnavailable: ref(
      INT_OR_STRING,
      'The maximum number of pods that can be unavailable during the update. Value can be an absolute number (ex: 5) or a percentage of desired pods (ex: 10%). Defaults to 1. This field is alpha-level and is only honored by servers that enable the MaxUnavailableStatefulSet feature.',
    ),
    partition: int32(
      'Partition indicates the ordinal at which the StatefulSet should be partitioned for updates. During a rolling update, all pods from ordinal Replicas-1 to Partition are updated. All pods from ordinal Partition-1 to 0 remain untouched. Default value is 0.',
    ),
  }),
  [`${APPS}StatefulSetUpdateStrategy`]: obj(
    'StatefulSetUpdateStrategy indicates the strategy that the StatefulSet controller will use to perform updates. It includes any additional parameters necessary to perform the update for the indicated strategy.',
    {
      rollingUpdate: ref(`${APPS}RollingUpdateStatefulSetStrategy`, 'RollingUpdate is used to communicate parameters when Type is RollingUpdateStatefulSetStrategyType.'),
      type: enumStr('Type indicates the type of the StatefulSetUpdateStrategy. Default is RollingUpdate.', {
        OnDelete: 'triggers the legacy behavior. Version tracking and ordered rolling restarts are disabled. Pods are recreated from the StatefulSetSpec when they are manually deleted.',
        RollingUpdate: 'indicates that update will be applied to all Pods in the StatefulSet with respect to the StatefulSet ordering constraints.',
      }),
    },
  ),
  [`${APPS}StatefulSetPersistentVolumeClaimRetentionPolicy`]: obj(
    'StatefulSetPersistentVolumeClaimRetentionPolicy describes the policy used for PVCs created from the StatefulSet VolumeClaimTemplates.',
    {
      whenDeleted: str(
        'WhenDeleted specifies what happens to PVCs created from StatefulSet VolumeClaimTemplates when the StatefulSet is deleted. The default policy of `Retain` causes PVCs to not be affected by StatefulSet deletion. The `Delete` policy causes those PVCs to be deleted.',
      ),
      whenScaled: str(
        'WhenScaled specifies what happens to PVCs created from StatefulSet VolumeClaimTemplates when the StatefulSet is scaled down. The default policy of `Retain` causes PVCs to not be affected by a scaledown. The `Delete` policy causes the associated PVCs for any excess pods above the replica count to be deleted.',
      ),
    },
  ),
  [`${APPS}StatefulSetOrdinals`]: obj('StatefulSetOrdinals describes the policy used for replica ordinal assignment in this StatefulSet.', {
    start: int32(
      'start is the number representing the first replica\'s index. It may be used to number replicas from an alternate index (eg: 1-indexed) over the default 0-indexed names, or to orchestrate progressive movement of replicas from one StatefulSet to another. If set, replica indices will be in the range: [.spec.ordinals.start, .spec.ordinals.start + .spec.replicas). If unset, defaults to 0.',
    ),
  }),
  [`${APPS}StatefulSetSpec`]: obj(
    'A StatefulSetSpec is the specification of a StatefulSet.',
    {
      minReadySeconds: int32(MIN_READY_DOC),
      ordinals: ref(`${APPS}StatefulSetOrdinals`, 'ordinals controls the numbering of replica indices in a StatefulSet. The default ordinals behavior assigns a "0" index to the first replica and increments the index by one for each additional replica requested.'),
      persistentVolumeClaimRetentionPolicy: ref(
        `${APPS}StatefulSetPersistentVolumeClaimRetentionPolicy`,
        'persistentVolumeClaimRetentionPolicy describes the lifecycle of persistent volume claims created from volumeClaimTemplates. By default, all persistent volume claims are created as needed and retained until manually deleted.',
      ),
      podManagementPolicy: enumStr(
        'podManagementPolicy controls how pods are created during initial scale up, when replacing pods on nodes, or when scaling down. The default policy is `OrderedReady`, where pods are created in increasing order (pod-0, then pod-1, etc) and the controller will wait until each pod is ready before continuing. When scaling down, the pods are removed in the opposite order. The alternative policy is `Parallel` which will create pods in parallel to match the desired scale without waiting, and on scale down will delete all pods at once.',
        {
          OrderedReady: 'will create pods in strictly increasing order on scale up and strictly decreasing order on scale down, progressing only when the previous pod is ready or terminated. At most one pod will be changed at any time.',
          Parallel: 'will create and delete pods as soon as the stateful set replica count is changed, and will not wait for pods to be ready or complete termination.',
        },
      ),
      replicas: int32('replicas is the desired number of replicas of the given Template. These are replicas in the sense that they are instantiations of the same Template, but individual replicas also have a consistent identity. If unspecified, defaults to 1.'),
      revisionHistoryLimit: int32(
        "revisionHistoryLimit is the maximum number of revisions that will be maintained in the StatefulSet's revision history. The revision history consists of all revisions not represented by a currently applied StatefulSetSpec version. The default value is 10.",
      ),
      selector: ref(`${META}LabelSelector`, "selector is a label query over pods that should match the replica count. It must match the pod template's labels."),
      serviceName: str(
        'serviceName is the name of the service that governs this StatefulSet. This service must exist before the StatefulSet, and is responsible for the network identity of the set. Pods get DNS/hostnames that follow the pattern: pod-specific-string.serviceName.default.svc.cluster.local where "pod-specific-string" is managed by the StatefulSet controller.',
      ),
      template: refV(
        `${CORE}PodTemplateSpec`,
        'template is the object that describes the pod that will be created if insufficient replicas are detected. Each pod stamped out by the StatefulSet will fulfill this Template, but have a unique identity from the rest of the StatefulSet. The only allowed template.spec.restartPolicy value is "Always".',
      ),
      updateStrategy: refV(`${APPS}StatefulSetUpdateStrategy`, 'updateStrategy indicates the StatefulSetUpdateStrategy that will be employed to update Pods in the StatefulSet when a revision is made to Template.'),
      volumeClaimTemplates: refArr(
        `${CORE}PersistentVolumeClaim`,
        'volumeClaimTemplates is a list of claims that pods are allowed to reference. The StatefulSet controller is responsible for mapping network identities to claims in a way that maintains the identity of a pod. Every claim in this list must have at least one matching (by name) volumeMount in one container in the template.',
      ),
    },
    ['selector', 'template'],
  ),
  [`${APPS}StatefulSetCondition`]: condition('StatefulSet', false),
  [`${APPS}StatefulSetStatus`]: obj(
    'StatefulSetStatus represents the current state of a StatefulSet.',
    {
      availableReplicas: int32('Total number of available pods (ready for at least minReadySeconds) targeted by this statefulset.', { default: 0 }),
      collisionCount: int32(COLLISION_DOC('StatefulSet')),
      conditions: refArr(`${APPS}StatefulSetCondition`, "Represents the latest available observations of a statefulset's current state.", CONDITIONS),
      currentReplicas: int32('currentReplicas is the number of Pods created by the StatefulSet controller from the StatefulSet version indicated by currentRevision.'),
      currentRevision: str('currentRevision, if not empty, indicates the version of the StatefulSet used to generate Pods in the sequence [0,currentReplicas).'),
      observedGeneration: int64("observedGeneration is the most recent generation observed for this StatefulSet. It corresponds to the StatefulSet's generation, which is updated on mutation by the API Server."),
      readyReplicas: int32('readyReplicas is the number of pods created for this StatefulSet with a Ready Condition.'),
      replicas: int32('replicas is the number of Pods created by the StatefulSet controller.', { default: 0 }),
      updateRevision: str('updateRevision, if not empty, indicates the version of the StatefulSet used to generate Pods in the sequence [replicas-updatedReplicas,replicas)'),
      updatedReplicas: int32('updatedReplicas is the number of Pods created by the StatefulSet controller from the StatefulSet version indicated by updateRevision.'),
    },
    ['replicas'],
  ),
  [`${APPS}StatefulSet`]: kindObject(
    'apps',
    'v1',
    'StatefulSet',
    'StatefulSet represents a set of pods with consistent identities. Identities are defined as:\n  - Network: A single stable DNS and hostname.\n  - Storage: As many VolumeClaims as requested.\n\nThe StatefulSet guarantees that a given network identity will always map to the same storage identity.',
    {
      spec: refV(`${APPS}StatefulSetSpec`, 'Spec defines the desired identities of pods in this set.'),
      status: refV(`${APPS}StatefulSetStatus`, 'Status is the current status of Pods in this StatefulSet. This data may be out of date by some window of time.'),
    },
  ),
  [`${APPS}StatefulSetList`]: listKind('apps', 'v1', 'StatefulSetList', `${APPS}StatefulSet`, 'StatefulSetList is a collection of StatefulSets.'),
};

const daemonSet: Record<string, Schema> = {
  [`${APPS}RollingUpdateDaemonSet`]: obj('Spec to control the desired behavior of daemon set rolling update.', {
    maxSurge: ref(
      INT_OR_STRING,
      'The maximum number of nodes with an existing available DaemonSet pod that can have an updated DaemonSet pod during during an update. Value can be an absolute number (ex: 5) or a percentage of desired pods (ex: 10%). This can not be 0 if MaxUnavailable is 0. Default value is 0.',
    ),
    maxUnavailable: ref(
      INT_OR_STRING,
      'The maximum number of DaemonSet pods that can be unavailable during the update. Value can be an absolute number (ex: 5) or a percentage of total number of DaemonSet pods at the start of the update (ex: 10%). This cannot be 0 if MaxSurge is 0 Default value is 1.',
    ),
  }),
  [`${APPS}DaemonSetUpdateStrategy`]: obj('DaemonSetUpdateStrategy is a struct used to control the update strategy for a DaemonSet.', {
    rollingUpdate: ref(`${APPS}RollingUpdateDaemonSet`, 'Rolling update config params. Present only if type = "RollingUpdate".'),
    type: enumStr('Type of daemon set update. Can be "RollingUpdate" or "OnDelete". Default is RollingUpdate.', {
      OnDelete: 'Replace the old daemons only when it\'s killed',
      RollingUpdate: 'Replace the old daemons by new ones using rolling update i.e replace them on each node one after the other.',
    }),
  }),
  [`${APPS}DaemonSetSpec`]: obj(
    'DaemonSetSpec is the specification of a daemon set.',
    {
      minReadySeconds: int32(
        'The minimum number of seconds for which a newly created DaemonSet pod should be ready without any of its container crashing, for it to be considered available. Defaults to 0 (pod will be considered available as soon as it is ready).',
      ),
      revisionHistoryLimit: int32(`${HISTORY_DOC('history')} Defaults to 10.`),
      selector: ref(`${META}LabelSelector`, "A label query over pods that are managed by the daemon set. Must match in order to be controlled. It must match the pod template's labels."),
      template: refV(
        `${CORE}PodTemplateSpec`,
        'An object that describes the pod that will be created. The DaemonSet will create exactly one copy of this pod on every node that matches the template\'s node selector (or on every node if no node selector is specified). The only allowed template.spec.restartPolicy value is "Always".',
      ),
      updateStrategy: refV(`${APPS}DaemonSetUpdateStrategy`, 'An update strategy to replace existing DaemonSet pods with new pods.'),
    },
    ['selector', 'template'],
  ),
  [`${APPS}DaemonSetCondition`]: condition('DaemonSet', false),
  [`${APPS}DaemonSetStatus`]: obj(
    'DaemonSetStatus represents the current status of a daemon set.',
    {
      collisionCount: int32(COLLISION_DOC('DaemonSet')),
      conditions: refArr(`${APPS}DaemonSetCondition`, "Represents the latest available observations of a DaemonSet's current state.", CONDITIONS),
      currentNumberScheduled: int32('The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.', { default: 0 }),
      desiredNumberScheduled: int32('The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod).', { default: 0 }),
      numberAvailable: int32('The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)'),
      numberMisscheduled: int32('The number of nodes that are running the daemon pod, but are not supposed to run the daemon pod.', { default: 0 }),
      numberReady: int32('numberReady is the number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition.', { default: 0 }),
      numberUnavailable: int32('The number of nodes that should be running the daemon pod and have none of the daemon pod running and available (ready for at least spec.minReadySeconds)'),
      observedGeneration: int64('The most recent generation observed by the daemon set controller.'),
      updatedNumberScheduled: int32('The total number of nodes that are running updated daemon pod'),
    },
    ['currentNumberScheduled', 'numberMisscheduled', 'desiredNumberScheduled', 'numberReady'],
  ),
  [`${APPS}DaemonSet`]: kindObject('apps', 'v1', 'DaemonSet', 'DaemonSet represents the configuration of a daemon set.', {
    spec: refV(`${APPS}DaemonSetSpec`, 'The desired behavior of this daemon set.'),
    status: refV(`${APPS}DaemonSetStatus`, 'The current status of this daemon set. This data may be out of date by some window of time.'),
  }),
  [`${APPS}DaemonSetList`]: listKind('apps', 'v1', 'DaemonSetList', `${APPS}DaemonSet`, 'DaemonSetList is a collection of daemon sets.'),
};

const controllerRevision: Record<string, Schema> = {
  [`${APPS}ControllerRevision`]: kindObject(
    'apps',
    'v1',
    'ControllerRevision',
    'ControllerRevision implements an immutable snapshot of state data. Clients are responsible for serializing and deserializing the objects that contain their internal state. Once a ControllerRevision has been successfully created, it can not be updated. The API Server will fail validation of all requests that attempt to mutate the Data field. ControllerRevisions may, however, be deleted.',
    {
      data: ref('io.k8s.apimachinery.pkg.runtime.RawExtension', 'Data is the serialized representation of the state.'),
      revision: int64('Revision indicates the revision of the state represented by Data.', { default: 0 }),
    },
    ['revision'],
  ),
  [`${APPS}ControllerRevisionList`]: listKind('apps', 'v1', 'ControllerRevisionList', `${APPS}ControllerRevision`, 'ControllerRevisionList is a resource containing a list of ControllerRevision objects.'),
};

const autoscaling: Record<string, Schema> = {
  [`${AUTOSCALING}ScaleSpec`]: obj('ScaleSpec describes the attributes of a scale subresource.', {
    replicas: int32('replicas is the desired number of instances for the scaled object.'),
  }),
  [`${AUTOSCALING}ScaleStatus`]: obj(
    'ScaleStatus represents the current status of a scale subresource.',
    {
      replicas: int32('replicas is the actual number of observed instances of the scaled object.', { default: 0 }),
      selector: str(
        'selector is the label query over pods that should match the replicas count. This is same as the label selector but in the string format to avoid introspection by clients. The string will be in the same format as the query-param syntax.',
      ),
    },
    ['replicas'],
  ),
  [`${AUTOSCALING}Scale`]: kindObject('autoscaling', 'v1', 'Scale', 'Scale represents a scaling request for a resource.', {
    spec: refV(`${AUTOSCALING}ScaleSpec`, 'spec defines the behavior of the scale.'),
    status: ref(`${AUTOSCALING}ScaleStatus`, 'status is the current status of the scale. This data may be out of date by some window of time. Read-only.'),
  }),
};

/** Everything above, for SCHEMAS. */
export const APPS_SCHEMAS: Record<string, Schema> = {
  ...coreForWorkloads,
  ...deployment,
  ...replicaSet,
  ...statefulSet,
  ...daemonSet,
  ...controllerRevision,
  ...autoscaling,
};

/** The kinds of apps/v1 and their definition names (KINDS_BY_GROUP_VERSION['apps/v1']). */
export const APPS_V1_KINDS: Readonly<Record<string, string>> = {
  Deployment: `${APPS}Deployment`,
  DeploymentList: `${APPS}DeploymentList`,
  ReplicaSet: `${APPS}ReplicaSet`,
  ReplicaSetList: `${APPS}ReplicaSetList`,
  StatefulSet: `${APPS}StatefulSet`,
  StatefulSetList: `${APPS}StatefulSetList`,
  DaemonSet: `${APPS}DaemonSet`,
  DaemonSetList: `${APPS}DaemonSetList`,
  ControllerRevision: `${APPS}ControllerRevision`,
  ControllerRevisionList: `${APPS}ControllerRevisionList`,
  Scale: `${AUTOSCALING}Scale`,
  Status: `${META}Status`,
  DeleteOptions: `${META}DeleteOptions`,
  WatchEvent: `${META}WatchEvent`,
};
