/** k8s.io/api/core/v1 (generated.proto, with each field's Go type and JSON tag from types.go). */
import { message } from '../schema.ts';
import { CONDITION, LABEL_SELECTOR, OBJECT_META } from './meta.ts';

export const LOCAL_OBJECT_REFERENCE = message({ 1: 'name string' });

export const OBJECT_REFERENCE = message({
  1: 'kind string',
  2: 'namespace string',
  3: 'name string',
  4: 'uid string',
  5: 'apiVersion string',
  6: 'resourceVersion string',
  7: 'fieldPath string',
});

export const SECRET_REFERENCE = message({ 1: 'name string', 2: 'namespace string' });

export const TYPED_LOCAL_OBJECT_REFERENCE = message({ 1: 'apiGroup string ptr', 2: 'kind string keep', 3: 'name string keep' });
export const TYPED_OBJECT_REFERENCE = message({ 1: 'apiGroup string ptr', 2: 'kind string keep', 3: 'name string keep', 4: 'namespace string ptr' });

// ---------------------------------------------------------------- volumes

const KEY_TO_PATH = message({ 1: 'key string keep', 2: 'path string keep', 3: 'mode int32 ptr' });
const HOST_PATH = message({ 1: 'path string keep', 2: 'type string ptr' });
const EMPTY_DIR = message({ 1: 'medium string', 2: 'sizeLimit quantity ptr' });
const GCE_PD = message({ 1: 'pdName string keep', 2: 'fsType string', 3: 'partition int32', 4: 'readOnly bool' });
const AWS_EBS = message({ 1: 'volumeID string keep', 2: 'fsType string', 3: 'partition int32', 4: 'readOnly bool' });
const GIT_REPO = message({ 1: 'repository string keep', 2: 'revision string', 3: 'directory string' });
const SECRET_VOLUME = message({ 1: 'secretName string', 2: ['items', KEY_TO_PATH, 'rep'], 3: 'defaultMode int32 ptr', 4: 'optional bool ptr' });
const NFS = message({ 1: 'server string keep', 2: 'path string keep', 3: 'readOnly bool' });
const ISCSI = message({
  1: 'targetPortal string keep',
  2: 'iqn string keep',
  3: 'lun int32 keep',
  4: 'iscsiInterface string',
  5: 'fsType string',
  6: 'readOnly bool',
  7: 'portals []string',
  8: 'chapAuthDiscovery bool',
  10: ['secretRef', LOCAL_OBJECT_REFERENCE, 'ptr'],
  11: 'chapAuthSession bool',
  12: 'initiatorName string ptr',
});
const GLUSTERFS = message({ 1: 'endpoints string keep', 2: 'path string keep', 3: 'readOnly bool' });
const PVC_VOLUME = message({ 1: 'claimName string keep', 2: 'readOnly bool' });
const RBD = message({
  1: 'monitors []string',
  2: 'image string keep',
  3: 'fsType string',
  4: 'pool string',
  5: 'user string',
  6: 'keyring string',
  7: ['secretRef', LOCAL_OBJECT_REFERENCE, 'ptr'],
  8: 'readOnly bool',
});
const FLEX = message({ 1: 'driver string keep', 2: 'fsType string', 3: ['secretRef', LOCAL_OBJECT_REFERENCE, 'ptr'], 4: 'readOnly bool', 5: 'options map<string>' });
const CINDER = message({ 1: 'volumeID string keep', 2: 'fsType string', 3: 'readOnly bool', 4: ['secretRef', LOCAL_OBJECT_REFERENCE, 'ptr'] });
const CEPHFS = message({
  1: 'monitors []string',
  2: 'path string',
  3: 'user string',
  4: 'secretFile string',
  5: ['secretRef', LOCAL_OBJECT_REFERENCE, 'ptr'],
  6: 'readOnly bool',
});
const FLOCKER = message({ 1: 'datasetName string', 2: 'datasetUUID string' });
const OBJECT_FIELD_SELECTOR = message({ 1: 'apiVersion string', 2: 'fieldPath string keep' });
const RESOURCE_FIELD_SELECTOR = message({ 1: 'containerName string', 2: 'resource string keep', 3: 'divisor quantity' });
const DOWNWARD_API_FILE = message({
  1: 'path string keep',
  2: ['fieldRef', OBJECT_FIELD_SELECTOR, 'ptr'],
  3: ['resourceFieldRef', RESOURCE_FIELD_SELECTOR, 'ptr'],
  4: 'mode int32 ptr',
});
const DOWNWARD_API_VOLUME = message({ 1: ['items', DOWNWARD_API_FILE, 'rep'], 2: 'defaultMode int32 ptr' });
const FC = message({ 1: 'targetWWNs []string', 2: 'lun int32 ptr', 3: 'fsType string', 4: 'readOnly bool', 5: 'wwids []string' });
const AZURE_FILE = message({ 1: 'secretName string keep', 2: 'shareName string keep', 3: 'readOnly bool' });
const CONFIG_MAP_VOLUME = message({
  1: ['localObjectReference', LOCAL_OBJECT_REFERENCE, 'inline'],
  2: ['items', KEY_TO_PATH, 'rep'],
  3: 'defaultMode int32 ptr',
  4: 'optional bool ptr',
});
const VSPHERE = message({ 1: 'volumePath string keep', 2: 'fsType string', 3: 'storagePolicyName string', 4: 'storagePolicyID string' });
const QUOBYTE = message({ 1: 'registry string keep', 2: 'volume string keep', 3: 'readOnly bool', 4: 'user string', 5: 'group string', 6: 'tenant string' });
const AZURE_DISK = message({ 1: 'diskName string keep', 2: 'diskURI string keep', 3: 'cachingMode string ptr', 4: 'fsType string ptr', 5: 'readOnly bool ptr', 6: 'kind string ptr' });
const PHOTON = message({ 1: 'pdID string keep', 2: 'fsType string' });
const PORTWORX = message({ 1: 'volumeID string keep', 2: 'fsType string', 3: 'readOnly bool' });
const SCALE_IO = message({
  1: 'gateway string keep',
  2: 'system string keep',
  3: ['secretRef', LOCAL_OBJECT_REFERENCE, 'ptr'],
  4: 'sslEnabled bool',
  5: 'protectionDomain string',
  6: 'storagePool string',
  7: 'storageMode string',
  8: 'volumeName string',
  9: 'fsType string',
  10: 'readOnly bool',
});
const STORAGE_OS = message({ 1: 'volumeName string', 2: 'volumeNamespace string', 3: 'fsType string', 4: 'readOnly bool', 5: ['secretRef', LOCAL_OBJECT_REFERENCE, 'ptr'] });
const CSI_VOLUME = message({
  1: 'driver string keep',
  2: 'readOnly bool ptr',
  3: 'fsType string ptr',
  4: 'volumeAttributes map<string>',
  5: ['nodePublishSecretRef', LOCAL_OBJECT_REFERENCE, 'ptr'],
});
const SECRET_PROJECTION = message({ 1: ['localObjectReference', LOCAL_OBJECT_REFERENCE, 'inline'], 2: ['items', KEY_TO_PATH, 'rep'], 4: 'optional bool ptr' });
const CONFIG_MAP_PROJECTION = SECRET_PROJECTION;
const SERVICE_ACCOUNT_TOKEN_PROJECTION = message({ 1: 'audience string', 2: 'expirationSeconds int64 ptr', 3: 'path string keep' });
const CLUSTER_TRUST_BUNDLE_PROJECTION = message({
  1: 'name string ptr',
  2: 'signerName string ptr',
  3: ['labelSelector', LABEL_SELECTOR, 'ptr'],
  4: 'path string keep',
  5: 'optional bool ptr',
});
const VOLUME_PROJECTION = message({
  1: ['secret', SECRET_PROJECTION, 'ptr'],
  2: ['downwardAPI', message({ 1: ['items', DOWNWARD_API_FILE, 'rep'] }), 'ptr'],
  3: ['configMap', CONFIG_MAP_PROJECTION, 'ptr'],
  4: ['serviceAccountToken', SERVICE_ACCOUNT_TOKEN_PROJECTION, 'ptr'],
  5: ['clusterTrustBundle', CLUSTER_TRUST_BUNDLE_PROJECTION, 'ptr'],
});
const PROJECTED = message({ 1: ['sources', VOLUME_PROJECTION, 'rep'], 2: 'defaultMode int32 ptr' });

const RESOURCE_LIST = 'map<quantity>';
export const VOLUME_RESOURCE_REQUIREMENTS = message({ 1: `limits ${RESOURCE_LIST}`, 2: `requests ${RESOURCE_LIST}` });

export const PERSISTENT_VOLUME_CLAIM_SPEC = message({
  1: 'accessModes []string',
  2: ['resources', VOLUME_RESOURCE_REQUIREMENTS],
  3: 'volumeName string',
  4: ['selector', LABEL_SELECTOR, 'ptr'],
  5: 'storageClassName string ptr',
  6: 'volumeMode string ptr',
  7: ['dataSource', TYPED_LOCAL_OBJECT_REFERENCE, 'ptr'],
  8: ['dataSourceRef', TYPED_OBJECT_REFERENCE, 'ptr'],
  9: 'volumeAttributesClassName string ptr',
});

const PVC_CONDITION = message({
  1: 'type string keep',
  2: 'status string keep',
  3: 'lastProbeTime time',
  4: 'lastTransitionTime time',
  5: 'reason string',
  6: 'message string',
});

export const PERSISTENT_VOLUME_CLAIM_STATUS = message({
  1: 'phase string',
  2: 'accessModes []string',
  3: `capacity ${RESOURCE_LIST}`,
  4: ['conditions', PVC_CONDITION, 'rep'],
  5: `allocatedResources ${RESOURCE_LIST}`,
  7: 'allocatedResourceStatuses map<string>',
  8: 'currentVolumeAttributesClassName string ptr',
  9: ['modifyVolumeStatus', message({ 1: 'targetVolumeAttributesClassName string', 2: 'status string keep' }), 'ptr'],
});

export const PERSISTENT_VOLUME_CLAIM = message({
  1: ['metadata', OBJECT_META],
  2: ['spec', PERSISTENT_VOLUME_CLAIM_SPEC],
  3: ['status', PERSISTENT_VOLUME_CLAIM_STATUS],
});

const EPHEMERAL = message({ 1: ['volumeClaimTemplate', message({ 1: ['metadata', OBJECT_META], 2: ['spec', PERSISTENT_VOLUME_CLAIM_SPEC] }), 'ptr'] });
const IMAGE_VOLUME = message({ 1: 'reference string', 2: 'pullPolicy string' });

const VOLUME_SOURCE = message({
  1: ['hostPath', HOST_PATH, 'ptr'],
  2: ['emptyDir', EMPTY_DIR, 'ptr'],
  3: ['gcePersistentDisk', GCE_PD, 'ptr'],
  4: ['awsElasticBlockStore', AWS_EBS, 'ptr'],
  5: ['gitRepo', GIT_REPO, 'ptr'],
  6: ['secret', SECRET_VOLUME, 'ptr'],
  7: ['nfs', NFS, 'ptr'],
  8: ['iscsi', ISCSI, 'ptr'],
  9: ['glusterfs', GLUSTERFS, 'ptr'],
  10: ['persistentVolumeClaim', PVC_VOLUME, 'ptr'],
  11: ['rbd', RBD, 'ptr'],
  12: ['flexVolume', FLEX, 'ptr'],
  13: ['cinder', CINDER, 'ptr'],
  14: ['cephfs', CEPHFS, 'ptr'],
  15: ['flocker', FLOCKER, 'ptr'],
  16: ['downwardAPI', DOWNWARD_API_VOLUME, 'ptr'],
  17: ['fc', FC, 'ptr'],
  18: ['azureFile', AZURE_FILE, 'ptr'],
  19: ['configMap', CONFIG_MAP_VOLUME, 'ptr'],
  20: ['vsphereVolume', VSPHERE, 'ptr'],
  21: ['quobyte', QUOBYTE, 'ptr'],
  22: ['azureDisk', AZURE_DISK, 'ptr'],
  23: ['photonPersistentDisk', PHOTON, 'ptr'],
  24: ['portworxVolume', PORTWORX, 'ptr'],
  25: ['scaleIO', SCALE_IO, 'ptr'],
  26: ['projected', PROJECTED, 'ptr'],
  27: ['storageos', STORAGE_OS, 'ptr'],
  28: ['csi', CSI_VOLUME, 'ptr'],
  29: ['ephemeral', EPHEMERAL, 'ptr'],
  30: ['image', IMAGE_VOLUME, 'ptr'],
});

const VOLUME = message({ 1: 'name string keep', 2: ['volumeSource', VOLUME_SOURCE, 'inline'] });

// ---------------------------------------------------------------- containers

const CONTAINER_PORT = message({ 1: 'name string', 2: 'hostPort int32', 3: 'containerPort int32 keep', 4: 'protocol string', 5: 'hostIP string' });
const ENV_VAR_SOURCE = message({
  1: ['fieldRef', OBJECT_FIELD_SELECTOR, 'ptr'],
  2: ['resourceFieldRef', RESOURCE_FIELD_SELECTOR, 'ptr'],
  3: ['configMapKeyRef', message({ 1: ['localObjectReference', LOCAL_OBJECT_REFERENCE, 'inline'], 2: 'key string keep', 3: 'optional bool ptr' }), 'ptr'],
  4: ['secretKeyRef', message({ 1: ['localObjectReference', LOCAL_OBJECT_REFERENCE, 'inline'], 2: 'key string keep', 3: 'optional bool ptr' }), 'ptr'],
});
const ENV_VAR = message({ 1: 'name string keep', 2: 'value string', 3: ['valueFrom', ENV_VAR_SOURCE, 'ptr'] });
const ENV_SOURCE_REF = message({ 1: ['localObjectReference', LOCAL_OBJECT_REFERENCE, 'inline'], 2: 'optional bool ptr' });
const ENV_FROM_SOURCE = message({ 1: 'prefix string', 2: ['configMapRef', ENV_SOURCE_REF, 'ptr'], 3: ['secretRef', ENV_SOURCE_REF, 'ptr'] });

export const RESOURCE_REQUIREMENTS = message({
  1: `limits ${RESOURCE_LIST}`,
  2: `requests ${RESOURCE_LIST}`,
  3: ['claims', message({ 1: 'name string keep', 2: 'request string' }), 'rep'],
});

const VOLUME_MOUNT = message({
  1: 'name string keep',
  2: 'readOnly bool',
  3: 'mountPath string keep',
  4: 'subPath string',
  5: 'mountPropagation string ptr',
  6: 'subPathExpr string',
  7: 'recursiveReadOnly string ptr',
});
const VOLUME_DEVICE = message({ 1: 'name string keep', 2: 'devicePath string keep' });
const EXEC_ACTION = message({ 1: 'command []string' });
const HTTP_GET_ACTION = message({
  1: 'path string',
  2: 'port intOrString',
  3: 'host string',
  4: 'scheme string',
  5: ['httpHeaders', message({ 1: 'name string keep', 2: 'value string keep' }), 'rep'],
});
const TCP_SOCKET_ACTION = message({ 1: 'port intOrString', 2: 'host string' });
const GRPC_ACTION = message({ 1: 'port int32 keep', 2: 'service string ptr' });
const PROBE_HANDLER = message({
  1: ['exec', EXEC_ACTION, 'ptr'],
  2: ['httpGet', HTTP_GET_ACTION, 'ptr'],
  3: ['tcpSocket', TCP_SOCKET_ACTION, 'ptr'],
  4: ['grpc', GRPC_ACTION, 'ptr'],
});
const PROBE = message({
  1: ['handler', PROBE_HANDLER, 'inline'],
  2: 'initialDelaySeconds int32',
  3: 'timeoutSeconds int32',
  4: 'periodSeconds int32',
  5: 'successThreshold int32',
  6: 'failureThreshold int32',
  7: 'terminationGracePeriodSeconds int64 ptr',
});
const LIFECYCLE_HANDLER = message({
  1: ['exec', EXEC_ACTION, 'ptr'],
  2: ['httpGet', HTTP_GET_ACTION, 'ptr'],
  3: ['tcpSocket', TCP_SOCKET_ACTION, 'ptr'],
  4: ['sleep', message({ 1: 'seconds int64 keep' }), 'ptr'],
});
const LIFECYCLE = message({ 1: ['postStart', LIFECYCLE_HANDLER, 'ptr'], 2: ['preStop', LIFECYCLE_HANDLER, 'ptr'] });
const SE_LINUX_OPTIONS = message({ 1: 'user string', 2: 'role string', 3: 'type string', 4: 'level string' });
const WINDOWS_OPTIONS = message({ 1: 'gmsaCredentialSpecName string ptr', 2: 'gmsaCredentialSpec string ptr', 3: 'runAsUserName string ptr', 4: 'hostProcess bool ptr' });
const SECCOMP_PROFILE = message({ 1: 'type string keep', 2: 'localhostProfile string ptr' });
const APP_ARMOR_PROFILE = message({ 1: 'type string keep', 2: 'localhostProfile string ptr' });
const SECURITY_CONTEXT = message({
  1: ['capabilities', message({ 1: 'add []string', 2: 'drop []string' }), 'ptr'],
  2: 'privileged bool ptr',
  3: ['seLinuxOptions', SE_LINUX_OPTIONS, 'ptr'],
  4: 'runAsUser int64 ptr',
  5: 'runAsNonRoot bool ptr',
  6: 'readOnlyRootFilesystem bool ptr',
  7: 'allowPrivilegeEscalation bool ptr',
  8: 'runAsGroup int64 ptr',
  9: 'procMount string ptr',
  10: ['windowsOptions', WINDOWS_OPTIONS, 'ptr'],
  11: ['seccompProfile', SECCOMP_PROFILE, 'ptr'],
  12: ['appArmorProfile', APP_ARMOR_PROFILE, 'ptr'],
});
const CONTAINER_RESIZE_POLICY = message({ 1: 'resourceName string keep', 2: 'restartPolicy string keep' });
/** Container's fields; EphemeralContainerCommon has the same numbers. */
const CONTAINER_FIELDS = {
  1: 'name string keep',
  2: 'image string',
  3: 'command []string',
  4: 'args []string',
  5: 'workingDir string',
  6: ['ports', CONTAINER_PORT, 'rep'],
  7: ['env', ENV_VAR, 'rep'],
  8: ['resources', RESOURCE_REQUIREMENTS],
  9: ['volumeMounts', VOLUME_MOUNT, 'rep'],
  10: ['livenessProbe', PROBE, 'ptr'],
  11: ['readinessProbe', PROBE, 'ptr'],
  12: ['lifecycle', LIFECYCLE, 'ptr'],
  13: 'terminationMessagePath string',
  14: 'imagePullPolicy string',
  15: ['securityContext', SECURITY_CONTEXT, 'ptr'],
  16: 'stdin bool',
  17: 'stdinOnce bool',
  18: 'tty bool',
  19: ['envFrom', ENV_FROM_SOURCE, 'rep'],
  20: 'terminationMessagePolicy string',
  21: ['volumeDevices', VOLUME_DEVICE, 'rep'],
  22: ['startupProbe', PROBE, 'ptr'],
  23: ['resizePolicy', CONTAINER_RESIZE_POLICY, 'rep'],
  24: 'restartPolicy string ptr',
} as const;

export const CONTAINER = message(CONTAINER_FIELDS);
const EPHEMERAL_CONTAINER = message({
  1: ['ephemeralContainerCommon', message(CONTAINER_FIELDS), 'inline'],
  2: 'targetContainerName string',
});

// ---------------------------------------------------------------- scheduling

const NODE_SELECTOR_REQUIREMENT = message({ 1: 'key string keep', 2: 'operator string keep', 3: 'values []string' });
const NODE_SELECTOR_TERM = message({ 1: ['matchExpressions', NODE_SELECTOR_REQUIREMENT, 'rep'], 2: ['matchFields', NODE_SELECTOR_REQUIREMENT, 'rep'] });
export const NODE_SELECTOR = message({ 1: ['nodeSelectorTerms', NODE_SELECTOR_TERM, 'rep'] });
const PREFERRED_SCHEDULING_TERM = message({ 1: 'weight int32 keep', 2: ['preference', NODE_SELECTOR_TERM] });
const NODE_AFFINITY = message({
  1: ['requiredDuringSchedulingIgnoredDuringExecution', NODE_SELECTOR, 'ptr'],
  2: ['preferredDuringSchedulingIgnoredDuringExecution', PREFERRED_SCHEDULING_TERM, 'rep'],
});
const POD_AFFINITY_TERM = message({
  1: ['labelSelector', LABEL_SELECTOR, 'ptr'],
  2: 'namespaces []string',
  3: 'topologyKey string keep',
  4: ['namespaceSelector', LABEL_SELECTOR, 'ptr'],
  5: 'matchLabelKeys []string',
  6: 'mismatchLabelKeys []string',
});
const WEIGHTED_POD_AFFINITY_TERM = message({ 1: 'weight int32 keep', 2: ['podAffinityTerm', POD_AFFINITY_TERM] });
const POD_AFFINITY = message({
  1: ['requiredDuringSchedulingIgnoredDuringExecution', POD_AFFINITY_TERM, 'rep'],
  2: ['preferredDuringSchedulingIgnoredDuringExecution', WEIGHTED_POD_AFFINITY_TERM, 'rep'],
});
const AFFINITY = message({
  1: ['nodeAffinity', NODE_AFFINITY, 'ptr'],
  2: ['podAffinity', POD_AFFINITY, 'ptr'],
  3: ['podAntiAffinity', POD_AFFINITY, 'ptr'],
});
export const TAINT = message({ 1: 'key string keep', 2: 'value string', 3: 'effect string keep', 4: 'timeAdded time ptr' });
const TOLERATION = message({ 1: 'key string', 2: 'operator string', 3: 'value string', 4: 'effect string', 5: 'tolerationSeconds int64 ptr' });
const TOPOLOGY_SPREAD_CONSTRAINT = message({
  1: 'maxSkew int32 keep',
  2: 'topologyKey string keep',
  3: 'whenUnsatisfiable string keep',
  4: ['labelSelector', LABEL_SELECTOR, 'ptr'],
  5: 'minDomains int32 ptr',
  6: 'nodeAffinityPolicy string ptr',
  7: 'nodeTaintsPolicy string ptr',
  8: 'matchLabelKeys []string',
});
const POD_SECURITY_CONTEXT = message({
  1: ['seLinuxOptions', SE_LINUX_OPTIONS, 'ptr'],
  2: 'runAsUser int64 ptr',
  3: 'runAsNonRoot bool ptr',
  4: 'supplementalGroups []int64',
  5: 'fsGroup int64 ptr',
  6: 'runAsGroup int64 ptr',
  7: ['sysctls', message({ 1: 'name string keep', 2: 'value string keep' }), 'rep'],
  8: ['windowsOptions', WINDOWS_OPTIONS, 'ptr'],
  9: 'fsGroupChangePolicy string ptr',
  10: ['seccompProfile', SECCOMP_PROFILE, 'ptr'],
  11: ['appArmorProfile', APP_ARMOR_PROFILE, 'ptr'],
  12: 'supplementalGroupsPolicy string ptr',
  13: 'seLinuxChangePolicy string ptr',
});
const POD_DNS_CONFIG = message({
  1: 'nameservers []string',
  2: 'searches []string',
  3: ['options', message({ 1: 'name string', 2: 'value string ptr' }), 'rep'],
});
const POD_RESOURCE_CLAIM = message({
  1: 'name string keep',
  // 2 was `source` (ClaimSource) before 1.31, whose fields moved up to 3 and 4.
  3: 'resourceClaimName string ptr',
  4: 'resourceClaimTemplateName string ptr',
});

export const POD_SPEC = message({
  1: ['volumes', VOLUME, 'rep'],
  2: ['containers', CONTAINER, 'rep'],
  3: 'restartPolicy string',
  4: 'terminationGracePeriodSeconds int64 ptr',
  5: 'activeDeadlineSeconds int64 ptr',
  6: 'dnsPolicy string',
  7: 'nodeSelector map<string>',
  8: 'serviceAccountName string',
  9: 'serviceAccount string',
  10: 'nodeName string',
  11: 'hostNetwork bool',
  12: 'hostPID bool',
  13: 'hostIPC bool',
  14: ['securityContext', POD_SECURITY_CONTEXT, 'ptr'],
  15: ['imagePullSecrets', LOCAL_OBJECT_REFERENCE, 'rep'],
  16: 'hostname string',
  17: 'subdomain string',
  18: ['affinity', AFFINITY, 'ptr'],
  19: 'schedulerName string',
  20: ['initContainers', CONTAINER, 'rep'],
  21: 'automountServiceAccountToken bool ptr',
  22: ['tolerations', TOLERATION, 'rep'],
  23: ['hostAliases', message({ 1: 'ip string', 2: 'hostnames []string' }), 'rep'],
  24: 'priorityClassName string',
  25: 'priority int32 ptr',
  26: ['dnsConfig', POD_DNS_CONFIG, 'ptr'],
  27: 'shareProcessNamespace bool ptr',
  28: ['readinessGates', message({ 1: 'conditionType string keep' }), 'rep'],
  29: 'runtimeClassName string ptr',
  30: 'enableServiceLinks bool ptr',
  31: 'preemptionPolicy string ptr',
  32: `overhead ${RESOURCE_LIST}`,
  33: ['topologySpreadConstraints', TOPOLOGY_SPREAD_CONSTRAINT, 'rep'],
  34: ['ephemeralContainers', EPHEMERAL_CONTAINER, 'rep'],
  35: 'setHostnameAsFQDN bool ptr',
  36: ['os', message({ 1: 'name string keep' }), 'ptr'],
  37: 'hostUsers bool ptr',
  38: ['schedulingGates', message({ 1: 'name string keep' }), 'rep'],
  39: ['resourceClaims', POD_RESOURCE_CLAIM, 'rep'],
  40: ['resources', RESOURCE_REQUIREMENTS, 'ptr'],
});

// ---------------------------------------------------------------- pod status

const CONTAINER_STATE = message({
  1: ['waiting', message({ 1: 'reason string', 2: 'message string' }), 'ptr'],
  2: ['running', message({ 1: 'startedAt time' }), 'ptr'],
  3: [
    'terminated',
    message({
      1: 'exitCode int32 keep',
      2: 'signal int32',
      3: 'reason string',
      4: 'message string',
      5: 'startedAt time',
      6: 'finishedAt time',
      7: 'containerID string',
    }),
    'ptr',
  ],
});
const VOLUME_MOUNT_STATUS = message({ 1: 'name string keep', 2: 'mountPath string keep', 3: 'readOnly bool', 4: 'recursiveReadOnly string ptr' });
const RESOURCE_STATUS = message({
  1: 'name string keep',
  2: ['resources', message({ 1: 'resourceID string keep', 2: 'health string' }), 'rep'],
});
const CONTAINER_USER = message({
  1: ['linux', message({ 1: 'uid int64 keep', 2: 'gid int64 keep', 3: 'supplementalGroups []int64' }), 'ptr'],
});
const CONTAINER_STATUS = message({
  1: 'name string keep',
  2: ['state', CONTAINER_STATE],
  3: ['lastState', CONTAINER_STATE],
  4: 'ready bool keep',
  5: 'restartCount int32 keep',
  6: 'image string keep',
  7: 'imageID string keep',
  8: 'containerID string',
  9: 'started bool ptr',
  10: `allocatedResources ${RESOURCE_LIST}`,
  11: ['resources', RESOURCE_REQUIREMENTS, 'ptr'],
  12: ['volumeMounts', VOLUME_MOUNT_STATUS, 'rep'],
  13: ['user', CONTAINER_USER, 'ptr'],
  14: ['allocatedResourcesStatus', RESOURCE_STATUS, 'rep'],
});
const POD_CONDITION = message({
  1: 'type string keep',
  2: 'status string keep',
  3: 'lastProbeTime time',
  4: 'lastTransitionTime time',
  5: 'reason string',
  6: 'message string',
  7: 'observedGeneration int64',
});

export const POD_STATUS = message({
  1: 'phase string',
  2: ['conditions', POD_CONDITION, 'rep'],
  3: 'message string',
  4: 'reason string',
  5: 'hostIP string',
  6: 'podIP string',
  7: 'startTime time ptr',
  8: ['containerStatuses', CONTAINER_STATUS, 'rep'],
  9: 'qosClass string',
  10: ['initContainerStatuses', CONTAINER_STATUS, 'rep'],
  11: 'nominatedNodeName string',
  12: ['podIPs', message({ 1: 'ip string keep' }), 'rep'],
  13: ['ephemeralContainerStatuses', CONTAINER_STATUS, 'rep'],
  14: 'resize string',
  15: ['resourceClaimStatuses', message({ 1: 'name string keep', 2: 'resourceClaimName string ptr' }), 'rep'],
  16: ['hostIPs', message({ 1: 'ip string keep' }), 'rep'],
  17: 'observedGeneration int64',
});

export const POD = message({ 1: ['metadata', OBJECT_META], 2: ['spec', POD_SPEC], 3: ['status', POD_STATUS] });
export const POD_TEMPLATE_SPEC = message({ 1: ['metadata', OBJECT_META], 2: ['spec', POD_SPEC] });
export const POD_TEMPLATE = message({ 1: ['metadata', OBJECT_META], 2: ['template', POD_TEMPLATE_SPEC] });

// ---------------------------------------------------------------- nodes

const NODE_CONFIG_SOURCE = message({
  2: [
    'configMap',
    message({ 1: 'namespace string keep', 2: 'name string keep', 3: 'uid string', 4: 'resourceVersion string', 5: 'kubeletConfigKey string keep' }),
    'ptr',
  ],
});
const NODE_SPEC = message({
  1: 'podCIDR string',
  2: 'externalID string',
  3: 'providerID string',
  4: 'unschedulable bool',
  5: ['taints', TAINT, 'rep'],
  6: ['configSource', NODE_CONFIG_SOURCE, 'ptr'],
  7: 'podCIDRs []string',
});
const NODE_CONDITION = message({
  1: 'type string keep',
  2: 'status string keep',
  3: 'lastHeartbeatTime time',
  4: 'lastTransitionTime time',
  5: 'reason string',
  6: 'message string',
});
const NODE_SYSTEM_INFO = message({
  1: 'machineID string keep',
  2: 'systemUUID string keep',
  3: 'bootID string keep',
  4: 'kernelVersion string keep',
  5: 'osImage string keep',
  6: 'containerRuntimeVersion string keep',
  7: 'kubeletVersion string keep',
  8: 'kubeProxyVersion string keep',
  9: 'operatingSystem string keep',
  10: 'architecture string keep',
  11: ['swap', message({ 1: 'capacity int64 ptr' }), 'ptr'],
});
const NODE_RUNTIME_HANDLER = message({
  1: 'name string keep',
  2: ['features', message({ 1: 'recursiveReadOnlyMounts bool ptr', 2: 'userNamespaces bool ptr' }), 'ptr'],
});
const NODE_STATUS = message({
  1: `capacity ${RESOURCE_LIST}`,
  2: `allocatable ${RESOURCE_LIST}`,
  3: 'phase string',
  4: ['conditions', NODE_CONDITION, 'rep'],
  5: ['addresses', message({ 1: 'type string keep', 2: 'address string keep' }), 'rep'],
  6: ['daemonEndpoints', message({ 1: ['kubeletEndpoint', message({ 1: 'Port int32 keep' })] })],
  7: ['nodeInfo', NODE_SYSTEM_INFO],
  8: ['images', message({ 1: 'names []string', 2: 'sizeBytes int64' }), 'rep'],
  9: 'volumesInUse []string',
  10: ['volumesAttached', message({ 1: 'name string keep', 2: 'devicePath string keep' }), 'rep'],
  11: [
    'config',
    message({
      1: ['assigned', NODE_CONFIG_SOURCE, 'ptr'],
      2: ['active', NODE_CONFIG_SOURCE, 'ptr'],
      3: ['lastKnownGood', NODE_CONFIG_SOURCE, 'ptr'],
      4: 'error string',
    }),
    'ptr',
  ],
  12: ['runtimeHandlers', NODE_RUNTIME_HANDLER, 'rep'],
  13: ['features', message({ 1: 'supplementalGroupsPolicy bool ptr' }), 'ptr'],
});
export const NODE = message({ 1: ['metadata', OBJECT_META], 2: ['spec', NODE_SPEC], 3: ['status', NODE_STATUS] });

// ---------------------------------------------------------------- namespaces, services, endpoints

export const NAMESPACE = message({
  1: ['metadata', OBJECT_META],
  2: ['spec', message({ 1: 'finalizers []string' })],
  3: [
    'status',
    message({
      1: 'phase string',
      2: ['conditions', message({ 1: 'type string keep', 2: 'status string keep', 4: 'lastTransitionTime time', 5: 'reason string', 6: 'message string' }), 'rep'],
    }),
  ],
});

const SERVICE_PORT = message({
  1: 'name string',
  2: 'protocol string',
  3: 'port int32 keep',
  4: 'targetPort intOrString',
  5: 'nodePort int32',
  6: 'appProtocol string ptr',
});
const SERVICE_SPEC = message({
  1: ['ports', SERVICE_PORT, 'rep'],
  2: 'selector map<string>',
  3: 'clusterIP string',
  4: 'type string',
  5: 'externalIPs []string',
  7: 'sessionAffinity string',
  8: 'loadBalancerIP string',
  9: 'loadBalancerSourceRanges []string',
  10: 'externalName string',
  11: 'externalTrafficPolicy string',
  12: 'healthCheckNodePort int32',
  13: 'publishNotReadyAddresses bool',
  14: ['sessionAffinityConfig', message({ 1: ['clientIP', message({ 1: 'timeoutSeconds int32 ptr' }), 'ptr'] }), 'ptr'],
  17: 'ipFamilyPolicy string ptr',
  18: 'clusterIPs []string',
  19: 'ipFamilies []string',
  20: 'allocateLoadBalancerNodePorts bool ptr',
  21: 'loadBalancerClass string ptr',
  22: 'internalTrafficPolicy string ptr',
  23: 'trafficDistribution string ptr',
});
const LOAD_BALANCER_INGRESS = message({
  1: 'ip string',
  2: 'hostname string',
  3: 'ipMode string ptr',
  4: ['ports', message({ 1: 'port int32 keep', 2: 'protocol string keep', 3: 'error string ptr' }), 'rep'],
});
export const SERVICE = message({
  1: ['metadata', OBJECT_META],
  2: ['spec', SERVICE_SPEC],
  3: ['status', message({ 1: ['loadBalancer', message({ 1: ['ingress', LOAD_BALANCER_INGRESS, 'rep'] })], 2: ['conditions', CONDITION, 'rep'] })],
});

const ENDPOINT_ADDRESS = message({ 1: 'ip string keep', 2: ['targetRef', OBJECT_REFERENCE, 'ptr'], 3: 'hostname string', 4: 'nodeName string ptr' });
const ENDPOINT_PORT = message({ 1: 'name string', 2: 'port int32 keep', 3: 'protocol string', 4: 'appProtocol string ptr' });
export const ENDPOINTS = message({
  1: ['metadata', OBJECT_META],
  2: [
    'subsets',
    message({ 1: ['addresses', ENDPOINT_ADDRESS, 'rep'], 2: ['notReadyAddresses', ENDPOINT_ADDRESS, 'rep'], 3: ['ports', ENDPOINT_PORT, 'rep'] }),
    'rep',
  ],
});

// ---------------------------------------------------------------- configuration and identity

export const SECRET = message({
  1: ['metadata', OBJECT_META],
  2: 'data map<bytes>',
  3: 'type string',
  4: 'stringData map<string>',
  5: 'immutable bool ptr',
});

export const CONFIG_MAP = message({
  1: ['metadata', OBJECT_META],
  2: 'data map<string>',
  3: 'binaryData map<bytes>',
  4: 'immutable bool ptr',
});

export const SERVICE_ACCOUNT = message({
  1: ['metadata', OBJECT_META],
  2: ['secrets', OBJECT_REFERENCE, 'rep'],
  3: ['imagePullSecrets', LOCAL_OBJECT_REFERENCE, 'rep'],
  4: 'automountServiceAccountToken bool ptr',
});

export const BINDING = message({ 1: ['metadata', OBJECT_META], 2: ['target', OBJECT_REFERENCE] });

// ---------------------------------------------------------------- events

const EVENT_SOURCE = message({ 1: 'component string', 2: 'host string' });
export const EVENT_SERIES = message({ 1: 'count int32', 2: 'lastObservedTime microTime' });
export const EVENT = message({
  1: ['metadata', OBJECT_META],
  2: ['involvedObject', OBJECT_REFERENCE],
  3: 'reason string',
  4: 'message string',
  5: ['source', EVENT_SOURCE],
  6: 'firstTimestamp time',
  7: 'lastTimestamp time',
  8: 'count int32',
  9: 'type string',
  10: 'eventTime microTime',
  11: ['series', EVENT_SERIES, 'ptr'],
  12: 'action string',
  13: ['related', OBJECT_REFERENCE, 'ptr'],
  14: 'reportingComponent string keep',
  15: 'reportingInstance string keep',
});

/** events.k8s.io/v1 Event. */
export const EVENTS_V1_EVENT = message({
  1: ['metadata', OBJECT_META],
  2: 'eventTime microTime',
  3: ['series', EVENT_SERIES, 'ptr'],
  4: 'reportingController string',
  5: 'reportingInstance string',
  6: 'action string',
  7: 'reason string',
  8: ['regarding', OBJECT_REFERENCE],
  9: ['related', OBJECT_REFERENCE, 'ptr'],
  10: 'note string',
  11: 'type string',
  12: ['deprecatedSource', EVENT_SOURCE],
  13: 'deprecatedFirstTimestamp time',
  14: 'deprecatedLastTimestamp time',
  15: 'deprecatedCount int32',
});
