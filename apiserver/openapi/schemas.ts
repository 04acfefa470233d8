/**
 * The one source of JSON schemas for the served kinds, in the shape Kubernetes publishes under
 * /openapi/v3 `components.schemas`: definition names like `io.k8s.api.core.v1.Pod`, references written as
 * `{ allOf: [{ $ref }] }` next to a description/default (OpenAPI 3.0 ignores siblings of a bare $ref),
 * `x-kubernetes-group-version-kind` on top-level kinds and the list/patch extensions where k8s.io/api declares
 * them (`x-kubernetes-list-type`, `x-kubernetes-list-map-keys`, `x-kubernetes-patch-merge-key`,
 * `x-kubernetes-patch-strategy`).
 *
 * Consumers:
 *  - schema-validator.ts compiles these with ajv (type checks, unknown fields for fieldValidation=Strict|Warn);
 *  - the /openapi/v3 handler serves `openApiDocument(gv)` per group-version (see openapi-document.ts).
 *
 * Descriptions are written for `kubectl explain` and paraphrase the upstream API documentation.
 */

import {
  REF_PREFIX,
  CORE,
  COORD,
  CERTS,
  RBAC,
  AUTHZ,
  META,
  QUANTITY,
  INT_OR_STRING,
  ext,
  refTo,
  ref,
  refV,
  str,
  strDef,
  int32,
  int64,
  bool,
  time,
  microTime,
  enumStr,
  arrOf,
  strArr,
  refArr,
  strMap,
  bytesMap,
  bytesField,
  quantityMap,
  obj,
  API_VERSION,
  KIND,
  gvk,
  kindObject,
  listKind,
  type ListExt,
  type Schema,
} from './schema-builders.ts';

export { REF_PREFIX, type Schema } from './schema-builders.ts';
import { APPS_SCHEMAS, APPS_V1_KINDS } from './schemas-apps.ts';
import { POLICY_SCHEMAS, POLICY_V1_KINDS } from './schemas-policy.ts';
import { DISCOVERY_SCHEMAS, DISCOVERY_V1_KINDS, ENDPOINTS_SCHEMAS, ENDPOINTS_V1_KINDS } from './schemas-discovery.ts';


// ---- apimachinery ----

const meta: Record<string, Schema> = {
  [`${META}Time`]: {
    description: 'Time is a wrapper around time.Time which supports correct marshaling to YAML and JSON. RFC 3339, e.g. "2024-01-02T15:04:05Z".',
    type: 'string',
    format: 'date-time',
  },
  [`${META}MicroTime`]: {
    description: 'MicroTime is version of Time with microsecond level precision.',
    type: 'string',
    format: 'date-time',
  },
  [`${META}FieldsV1`]: {
    description: 'FieldsV1 stores a set of fields in a data structure like a Trie, in JSON format.',
    type: 'object',
  },
  [QUANTITY]: {
    description:
      'Quantity is a fixed-point representation of a number, written as a decimal number with an optional suffix: binary SI (Ki, Mi, Gi, Ti, Pi, Ei), decimal SI (m, "", k, M, G, T, P, E) or a decimal exponent (e3). Examples: "500m", "1", "128Mi", "1e3".',
    oneOf: [{ type: 'string' }, { type: 'number' }],
  },
  [INT_OR_STRING]: {
    description: 'IntOrString is a type that can hold an int32 or a string (for example a port number or a port name).',
    format: 'int-or-string',
    oneOf: [{ type: 'integer' }, { type: 'string' }],
  },
  'io.k8s.apimachinery.pkg.runtime.RawExtension': {
    description: 'RawExtension holds an arbitrary embedded object.',
    type: 'object',
  },
  [`${META}ObjectMeta`]: obj(
    'ObjectMeta is metadata that all persisted resources must have, which includes all objects users must create.',
    {
      annotations: strMap(
        'Annotations is an unstructured key value map stored with a resource that may be set by external tools to store and retrieve arbitrary metadata. They are not queryable.',
      ),
      creationTimestamp: time('CreationTimestamp is a timestamp representing the server time when this object was created. Set by the system; read-only.'),
      deletionGracePeriodSeconds: int64('Number of seconds allowed for this object to gracefully terminate before it will be removed from the system. Only set when deletionTimestamp is also set.'),
      deletionTimestamp: time('DeletionTimestamp is the time after which this resource will be deleted, set by the server when a graceful deletion is requested. Read-only.'),
      finalizers: strArr(
        'Must be empty before the object is deleted from the registry. Each entry is an identifier for the responsible component that will remove the entry from the list.',
        { listType: 'set', strategy: 'merge' },
      ),
      generateName: str(
        'GenerateName is an optional prefix, used by the server, to generate a unique name ONLY IF the Name field has not been provided. A random suffix is appended.',
      ),
      generation: int64('A sequence number representing a specific generation of the desired state. Populated by the system. Read-only.'),
      labels: strMap('Map of string keys and values that can be used to organize and categorize (scope and select) objects.'),
      managedFields: refArr(`${META}ManagedFieldsEntry`, 'ManagedFields maps workflow-id and version to the set of fields that are managed by that workflow.'),
      name: str('Name must be unique within a namespace. It is required when creating resources. Cannot be updated.'),
      namespace: str('Namespace defines the space within which each name must be unique. An empty namespace is equivalent to the "default" namespace. Cannot be updated.'),
      ownerReferences: refArr(`${META}OwnerReference`, 'List of objects depended by this object. If ALL objects in the list have been deleted, this object will be garbage collected.', {
        listType: 'map',
        mapKeys: ['uid'],
        mergeKey: 'uid',
        strategy: 'merge',
      }),
      resourceVersion: str('An opaque value that represents the internal version of this object, used for optimistic concurrency, change detection, and watches. Read-only.'),
      selfLink: str('Deprecated: selfLink is a legacy read-only field that is no longer populated by the system.'),
      uid: str('UID is the unique in time and space value for this object. Populated by the system. Read-only.'),
    },
  ),
  [`${META}ListMeta`]: obj('ListMeta describes metadata that synthetic resources must have, including lists.', {
    continue: str('continue may be set if the user set a limit on the number of items returned; pass it back to get the next page.'),
    remainingItemCount: int64('The number of subsequent items in the list which are not included in this list response.'),
    resourceVersion: str("String that identifies the server's internal version of this object that can be used by clients to determine when objects have changed."),
    selfLink: str('Deprecated: selfLink is a legacy read-only field that is no longer populated by the system.'),
  }),
  [`${META}OwnerReference`]: obj(
    'OwnerReference contains enough information to let you identify an owning object. An owning object must be in the same namespace as the dependent, or be cluster-scoped.',
    {
      apiVersion: strDef('API version of the referent.'),
      blockOwnerDeletion: bool('If true, AND if the owner has the "foregroundDeletion" finalizer, then the owner cannot be deleted from the key-value store until this reference is removed.'),
      controller: bool('If true, this reference points to the managing controller.'),
      kind: strDef('Kind of the referent.'),
      name: strDef('Name of the referent.'),
      uid: strDef('UID of the referent.'),
    },
    ['apiVersion', 'kind', 'name', 'uid'],
    { 'x-kubernetes-map-type': 'atomic' },
  ),
  [`${META}ManagedFieldsEntry`]: obj(
    'ManagedFieldsEntry is a workflow-id, a FieldSet and the group version of the resource that the fieldset applies to.',
    {
      apiVersion: str('APIVersion defines the version of this resource that this field set applies to.'),
      fieldsType: str('FieldsType is the discriminator for the different fields format and version. There is currently only one possible value: "FieldsV1".'),
      fieldsV1: ref(`${META}FieldsV1`, 'FieldsV1 holds the first JSON version format as described in the "FieldsV1" type.'),
      manager: str('Manager is an identifier of the workflow managing these fields.'),
      operation: str("Operation is the type of operation which lead to this ManagedFieldsEntry being created. The only valid values for this field are 'Apply' and 'Update'."),
      subresource: str('Subresource is the name of the subresource used to update that object, or empty string if the object was updated through the main resource.'),
      time: time('Time is the timestamp of when the ManagedFields entry was added.'),
    },
  ),
  [`${META}LabelSelector`]: obj(
    'A label selector is a label query over a set of resources. The result of matchLabels and matchExpressions are ANDed. An empty label selector matches all objects. A null label selector matches no objects.',
    {
      matchExpressions: refArr(`${META}LabelSelectorRequirement`, 'matchExpressions is a list of label selector requirements. The requirements are ANDed.'),
      matchLabels: strMap('matchLabels is a map of {key,value} pairs. A single {key,value} is equivalent to an element of matchExpressions whose key is "key", operator "In" and values ["value"].'),
    },
    undefined,
    { 'x-kubernetes-map-type': 'atomic' },
  ),
  [`${META}LabelSelectorRequirement`]: obj(
    'A label selector requirement is a selector that contains values, a key, and an operator that relates the key and values.',
    {
      key: strDef('key is the label key that the selector applies to.'),
      operator: strDef("operator represents a key's relationship to a set of values. Valid operators are In, NotIn, Exists and DoesNotExist."),
      values: strArr('values is an array of string values. If the operator is In or NotIn, the values array must be non-empty. If the operator is Exists or DoesNotExist, the values array must be empty.'),
    },
    ['key', 'operator'],
  ),
  [`${META}Status`]: obj(
    'Status is a return value for calls that don\'t return other objects.',
    {
      apiVersion: str(API_VERSION),
      code: int32('Suggested HTTP return code for this status, 0 if not set.'),
      details: ref(`${META}StatusDetails`, 'Extended data associated with the reason. Each reason may define its own extended details.'),
      kind: str(KIND),
      message: str('A human-readable description of the status of this operation.'),
      metadata: refV(`${META}ListMeta`, 'Standard list metadata.'),
      reason: str('A machine-readable description of why this operation is in the "Failure" status. If this value is empty there is no information available.'),
      status: str('Status of the operation. One of: "Success" or "Failure".'),
    },
    undefined,
    gvk('', 'v1', 'Status'),
  ),
  [`${META}StatusDetails`]: obj(
    'StatusDetails is a set of additional properties that MAY be set by the server to provide additional information about a response.',
    {
      causes: refArr(`${META}StatusCause`, 'The Causes array includes more details associated with the StatusReason failure.'),
      group: str('The group attribute of the resource associated with the status StatusReason.'),
      kind: str('The kind attribute of the resource associated with the status StatusReason.'),
      name: str('The name attribute of the resource associated with the status StatusReason (when there is a single name which can be described).'),
      retryAfterSeconds: int32('If specified, the time in seconds before the operation should be retried.'),
      uid: str('UID of the resource.'),
    },
  ),
  [`${META}StatusCause`]: obj('StatusCause provides more information about an api.Status failure, including cases when multiple errors are encountered.', {
    field: str('The field of the resource that has caused this error, as named by its JSON serialization, e.g. "spec.containers[0].image".'),
    message: str('A human-readable description of the cause of the error.'),
    reason: str('A machine-readable description of the cause of the error. If this value is empty there is no information available.'),
  }),
  [`${META}Preconditions`]: obj('Preconditions must be fulfilled before an operation (update, delete, etc.) is carried out.', {
    resourceVersion: str('Specifies the target ResourceVersion'),
    uid: str('Specifies the target UID.'),
  }),
  [`${META}DeleteOptions`]: obj(
    'DeleteOptions may be provided when deleting an API object.',
    {
      apiVersion: str(API_VERSION),
      dryRun: strArr('When present, indicates that modifications should not be persisted. The only valid value is "All".'),
      gracePeriodSeconds: int64(
        'The duration in seconds before the object should be deleted. The value zero indicates delete immediately. If nil, the default grace period for the specified type is used.',
      ),
      ignoreStoreReadErrorWithClusterBreakingPotential: bool('If set to true, it will trigger an unsafe deletion of the resource in case the normal deletion flow fails with a corrupt object error.'),
      kind: str(KIND),
      orphanDependents: bool('Deprecated: please use the PropagationPolicy, this field will be deprecated in 1.7.'),
      preconditions: ref(`${META}Preconditions`, 'Must be fulfilled before a deletion is carried out. If not possible, a 409 Conflict status will be returned.'),
      propagationPolicy: str("Whether and how garbage collection will be performed. Acceptable values are: 'Orphan', 'Background' and 'Foreground'."),
    },
    undefined,
    {
      'x-kubernetes-group-version-kind': [
        { group: '', kind: 'DeleteOptions', version: 'v1' },
        { group: 'coordination.k8s.io', kind: 'DeleteOptions', version: 'v1' },
      ],
    },
  ),
  [`${META}Patch`]: {
    description: 'Patch is provided to give a concrete name and type to the Kubernetes PATCH request body.',
    type: 'object',
  },
  [`${META}WatchEvent`]: obj(
    'Event represents a single event to a watched resource.',
    {
      object: ref('io.k8s.apimachinery.pkg.runtime.RawExtension', 'Object is: * If Type is Added or Modified: the new state of the object. * If Type is Deleted: the state of the object immediately before deletion. * If Type is Error: *Status is recommended.'),
      type: strDef('Type of the event: ADDED, MODIFIED, DELETED, BOOKMARK or ERROR.'),
    },
    ['type', 'object'],
    {
      'x-kubernetes-group-version-kind': [
        { group: '', kind: 'WatchEvent', version: 'v1' },
        { group: 'coordination.k8s.io', kind: 'WatchEvent', version: 'v1' },
      ],
    },
  ),
};

// ---- core/v1: containers ----

const PROTOCOLS = { SCTP: 'is the SCTP protocol.', TCP: 'is the TCP protocol.', UDP: 'is the UDP protocol.' };

const core: Record<string, Schema> = {
  [`${CORE}ContainerPort`]: obj(
    'ContainerPort represents a network port in a single container.',
    {
      containerPort: int32('Number of port to expose on the pod\'s IP address. This must be a valid port number, 0 < x < 65536.', { default: 0 }),
      hostIP: str('What host IP to bind the external port to.'),
      hostPort: int32('Number of port to expose on the host. If specified, this must be a valid port number, 0 < x < 65536. If HostNetwork is specified, this must match ContainerPort. Most containers do not need this.'),
      name: str('If specified, this must be an IANA_SVC_NAME and unique within the pod. Each named port in a pod must have a unique name. Name for the port that can be referred to by services.'),
      protocol: enumStr('Protocol for port. Must be UDP, TCP, or SCTP. Defaults to "TCP".', PROTOCOLS, { default: 'TCP' }),
    },
    ['containerPort'],
  ),
  [`${CORE}EnvVar`]: obj(
    'EnvVar represents an environment variable present in a Container.',
    {
      name: strDef('Name of the environment variable. May consist of any printable ASCII characters except \'=\'.'),
      value: str(
        'Variable references $(VAR_NAME) are expanded using the previously defined environment variables in the container and any service environment variables. Defaults to "".',
      ),
      valueFrom: ref(`${CORE}EnvVarSource`, "Source for the environment variable's value. Cannot be used if value is not empty."),
    },
    ['name'],
  ),
  [`${CORE}EnvVarSource`]: obj('EnvVarSource represents a source for the value of an EnvVar.', {
    configMapKeyRef: ref(`${CORE}ConfigMapKeySelector`, 'Selects a key of a ConfigMap.'),
    fieldRef: ref(
      `${CORE}ObjectFieldSelector`,
      "Selects a field of the pod: supports metadata.name, metadata.namespace, `metadata.labels['<KEY>']`, `metadata.annotations['<KEY>']`, spec.nodeName, spec.serviceAccountName, status.hostIP, status.podIP, status.podIPs.",
    ),
    resourceFieldRef: ref(
      `${CORE}ResourceFieldSelector`,
      'Selects a resource of the container: only resources limits and requests (limits.cpu, limits.memory, limits.ephemeral-storage, requests.cpu, requests.memory and requests.ephemeral-storage) are currently supported.',
    ),
    secretKeyRef: ref(`${CORE}SecretKeySelector`, "Selects a key of a secret in the pod's namespace"),
  }),
  [`${CORE}ObjectFieldSelector`]: obj(
    'ObjectFieldSelector selects an APIVersioned field of an object.',
    {
      apiVersion: str('Version of the schema the FieldPath is written in terms of, defaults to "v1".'),
      fieldPath: strDef('Path of the field to select in the specified API version.'),
    },
    ['fieldPath'],
    { 'x-kubernetes-map-type': 'atomic' },
  ),
  [`${CORE}ResourceFieldSelector`]: obj(
    'ResourceFieldSelector represents container resources (cpu, memory) and their output format',
    {
      containerName: str('Container name: required for volumes, optional for env vars'),
      divisor: ref(QUANTITY, 'Specifies the output format of the exposed resources, defaults to "1"'),
      resource: strDef('Required: resource to select'),
    },
    ['resource'],
    { 'x-kubernetes-map-type': 'atomic' },
  ),
  [`${CORE}ConfigMapKeySelector`]: obj(
    'Selects a key from a ConfigMap.',
    {
      key: strDef('The key to select.'),
      name: strDef('Name of the referent.'),
      optional: bool('Specify whether the ConfigMap or its key must be defined'),
    },
    ['key'],
    { 'x-kubernetes-map-type': 'atomic' },
  ),
  [`${CORE}SecretKeySelector`]: obj(
    'SecretKeySelector selects a key of a Secret.',
    {
      key: strDef('The key of the secret to select from.  Must be a valid secret key.'),
      name: strDef('Name of the referent.'),
      optional: bool('Specify whether the Secret or its key must be defined'),
    },
    ['key'],
    { 'x-kubernetes-map-type': 'atomic' },
  ),
  [`${CORE}EnvFromSource`]: obj('EnvFromSource represents the source of a set of ConfigMaps or Secrets', {
    configMapRef: ref(`${CORE}ConfigMapEnvSource`, 'The ConfigMap to select from'),
    prefix: str('Optional text to prepend to the name of each environment variable.'),
    secretRef: ref(`${CORE}SecretEnvSource`, 'The Secret to select from'),
  }),
  [`${CORE}ConfigMapEnvSource`]: obj('ConfigMapEnvSource selects a ConfigMap to populate the environment variables with.', {
    name: strDef('Name of the referent.'),
    optional: bool('Specify whether the ConfigMap must be defined'),
  }),
  [`${CORE}SecretEnvSource`]: obj('SecretEnvSource selects a Secret to populate the environment variables with.', {
    name: strDef('Name of the referent.'),
    optional: bool('Specify whether the Secret must be defined'),
  }),
  [`${CORE}VolumeMount`]: obj(
    'VolumeMount describes a mounting of a Volume within a container.',
    {
      mountPath: strDef("Path within the container at which the volume should be mounted.  Must not contain ':'."),
      mountPropagation: enumStr('mountPropagation determines how mounts are propagated from the host to container and the other way around. When not set, MountPropagationNone is used.', {
        Bidirectional: 'means that the volume in a container will receive new mounts from the host or other containers, and its own mounts will be propagated from the container to the host or other containers.',
        HostToContainer: 'means that the volume in a container will receive new mounts from the host or other containers, but filesystems mounted inside the container won\'t be propagated to the host or other containers.',
        None: 'means that the volume in a container will not receive new mounts from the host or other containers, and filesystems mounted inside the container won\'t be propagated to the host or other containers.',
      }),
      name: strDef('This must match the Name of a Volume.'),
      readOnly: bool('Mounted read-only if true, read-write otherwise (false or unspecified). Defaults to false.'),
      recursiveReadOnly: str('RecursiveReadOnly specifies whether read-only mounts should be handled recursively: Disabled, IfPossible or Enabled.'),
      subPath: str("Path within the volume from which the container's volume should be mounted. Defaults to \"\" (volume's root)."),
      subPathExpr: str('Expanded path within the volume from which the container\'s volume should be mounted. Behaves similarly to SubPath but environment variable references $(VAR_NAME) are expanded using the container\'s environment.'),
    },
    ['name', 'mountPath'],
  ),
  [`${CORE}VolumeDevice`]: obj(
    'volumeDevice describes a mapping of a raw block device within a container.',
    {
      devicePath: strDef('devicePath is the path inside of the container that the device will be mapped to.'),
      name: strDef('name must match the name of a persistentVolumeClaim in the pod'),
    },
    ['name', 'devicePath'],
  ),
  [`${CORE}ResourceRequirements`]: obj('ResourceRequirements describes the compute resource requirements.', {
    claims: refArr(`${CORE}ResourceClaim`, 'Claims lists the names of resources, defined in spec.resourceClaims, that are used by this container.', {
      listType: 'map',
      mapKeys: ['name'],
    }),
    limits: quantityMap('Limits describes the maximum amount of compute resources allowed.'),
    requests: quantityMap(
      'Requests describes the minimum amount of compute resources required. If Requests is omitted for a container, it defaults to Limits if that is explicitly specified, otherwise to an implementation-defined value. Requests cannot exceed Limits.',
    ),
  }),
  [`${CORE}ResourceClaim`]: obj(
    'ResourceClaim references one entry in PodSpec.ResourceClaims.',
    {
      name: strDef('Name must match the name of one entry in pod.spec.resourceClaims of the Pod where this field is used.'),
      request: str('Request is the name chosen for a request in the referenced claim.'),
    },
    ['name'],
  ),
  [`${CORE}ContainerResizePolicy`]: obj(
    'ContainerResizePolicy represents resource resize policy for the container.',
    {
      resourceName: strDef('Name of the resource to which this resource resize policy applies. Supported values: cpu, memory.'),
      restartPolicy: strDef('Restart policy to apply when specified resource is resized. If not specified, it defaults to NotRequired.'),
    },
    ['resourceName', 'restartPolicy'],
  ),
  [`${CORE}ExecAction`]: obj('ExecAction describes a "run in container" action.', {
    command: strArr(
      "Command is the command line to execute inside the container, the working directory for the command  is root ('/') in the container's filesystem. The command is simply exec'd, it is not run inside a shell. Exit status of 0 is treated as live/healthy and non-zero is unhealthy.",
    ),
  }),
  [`${CORE}HTTPHeader`]: obj(
    'HTTPHeader describes a custom header to be used in HTTP probes',
    {
      name: strDef('The header field name. This will be canonicalized upon output, so case-variant names will be understood as the same header.'),
      value: strDef('The header field value'),
    },
    ['name', 'value'],
  ),
  [`${CORE}HTTPGetAction`]: obj(
    'HTTPGetAction describes an action based on HTTP Get requests.',
    {
      host: str('Host name to connect to, defaults to the pod IP. You probably want to set "Host" in httpHeaders instead.'),
      httpHeaders: refArr(`${CORE}HTTPHeader`, 'Custom headers to set in the request. HTTP allows repeated headers.'),
      path: str('Path to access on the HTTP server.'),
      port: ref(INT_OR_STRING, 'Name or number of the port to access on the container. Number must be in the range 1 to 65535. Name must be an IANA_SVC_NAME.'),
      scheme: enumStr('Scheme to use for connecting to the host. Defaults to HTTP.', {
        HTTP: 'means that the scheme used will be http://',
        HTTPS: 'means that the scheme used will be https://',
      }),
    },
    ['port'],
  ),
  [`${CORE}TCPSocketAction`]: obj(
    'TCPSocketAction describes an action based on opening a socket',
    {
      host: str('Optional: Host name to connect to, defaults to the pod IP.'),
      port: ref(INT_OR_STRING, 'Number or name of the port to access on the container. Number must be in the range 1 to 65535. Name must be an IANA_SVC_NAME.'),
    },
    ['port'],
  ),
  [`${CORE}GRPCAction`]: obj(
    'GRPCAction specifies an action involving a GRPC service.',
    {
      port: int32('Port number of the gRPC service. Number must be in the range 1 to 65535.', { default: 0 }),
      service: strDef('Service is the name of the service to place in the gRPC HealthCheckRequest. If this is not specified, the default behavior is defined by gRPC.'),
    },
    ['port'],
  ),
  [`${CORE}SleepAction`]: obj('SleepAction describes a "sleep" action.', { seconds: int64('Seconds is the number of seconds to sleep.', { default: 0 }) }, ['seconds']),
  [`${CORE}Probe`]: obj(
    'Probe describes a health check to be performed against a container to determine whether it is alive or ready to receive traffic.',
    {
      exec: ref(`${CORE}ExecAction`, 'Exec specifies a command to execute in the container.'),
      failureThreshold: int32('Minimum consecutive failures for the probe to be considered failed after having succeeded. Defaults to 3. Minimum value is 1.'),
      grpc: ref(`${CORE}GRPCAction`, 'GRPC specifies a GRPC HealthCheckRequest.'),
      httpGet: ref(`${CORE}HTTPGetAction`, 'HTTPGet specifies an HTTP GET request to perform.'),
      initialDelaySeconds: int32('Number of seconds after the container has started before liveness probes are initiated.'),
      periodSeconds: int32('How often (in seconds) to perform the probe. Default to 10 seconds. Minimum value is 1.'),
      successThreshold: int32('Minimum consecutive successes for the probe to be considered successful after having failed. Defaults to 1. Must be 1 for liveness and startup. Minimum value is 1.'),
      tcpSocket: ref(`${CORE}TCPSocketAction`, 'TCPSocket specifies a connection to a TCP port.'),
      terminationGracePeriodSeconds: int64(
        'Optional duration in seconds the pod needs to terminate gracefully upon probe failure. If this value is nil, the pod\'s terminationGracePeriodSeconds will be used.',
      ),
      timeoutSeconds: int32('Number of seconds after which the probe times out. Defaults to 1 second. Minimum value is 1.'),
    },
  ),
  [`${CORE}LifecycleHandler`]: obj('LifecycleHandler defines a specific action that should be taken in a lifecycle hook. One and only one of the fields, except TCPSocket must be specified.', {
    exec: ref(`${CORE}ExecAction`, 'Exec specifies a command to execute in the container.'),
    httpGet: ref(`${CORE}HTTPGetAction`, 'HTTPGet specifies an HTTP GET request to perform.'),
    sleep: ref(`${CORE}SleepAction`, 'Sleep represents a duration that the container should sleep.'),
    tcpSocket: ref(`${CORE}TCPSocketAction`, 'Deprecated. TCPSocket is NOT supported as a LifecycleHandler and kept for backward compatibility.'),
  }),
  [`${CORE}Lifecycle`]: obj(
    'Lifecycle describes actions that the management system should take in response to container lifecycle events.',
    {
      postStart: ref(`${CORE}LifecycleHandler`, 'PostStart is called immediately after a container is created. If the handler fails, the container is terminated and restarted according to its restart policy.'),
      preStop: ref(
        `${CORE}LifecycleHandler`,
        "PreStop is called immediately before a container is terminated due to an API request or management event such as liveness/startup probe failure, preemption, resource contention, etc. The container's termination grace period countdown begins before the PreStop hook is executed.",
      ),
      stopSignal: str('StopSignal defines which signal will be sent to a container when it is being stopped.'),
    },
  ),
  [`${CORE}Capabilities`]: obj('Adds and removes POSIX capabilities from running containers.', {
    add: strArr('Added capabilities'),
    drop: strArr('Removed capabilities'),
  }),
  [`${CORE}SELinuxOptions`]: obj('SELinuxOptions are the labels to be applied to the container', {
    level: str('Level is SELinux level label that applies to the container.'),
    role: str('Role is a SELinux role label that applies to the container.'),
    type: str('Type is a SELinux type label that applies to the container.'),
    user: str('User is a SELinux user label that applies to the container.'),
  }),
  [`${CORE}SeccompProfile`]: obj(
    "SeccompProfile defines a pod/container's seccomp profile settings. Only one profile source may be set.",
    {
      localhostProfile: str("localhostProfile indicates a profile defined in a file on the node should be used. Must be set if type is \"Localhost\"."),
      type: enumStr('type indicates which kind of seccomp profile will be applied.', {
        Localhost: 'indicates a profile defined in a file on the node should be used.',
        RuntimeDefault: 'represents the default container runtime seccomp profile.',
        Unconfined: 'indicates no seccomp profile is applied (A.K.A. unconfined).',
      }, { default: '' }),
    },
    ['type'],
    { 'x-kubernetes-unions': [{ discriminator: 'type', 'fields-to-discriminateBy': { localhostProfile: 'LocalhostProfile' } }] },
  ),
  [`${CORE}AppArmorProfile`]: obj(
    "AppArmorProfile defines a pod or container's AppArmor settings.",
    {
      localhostProfile: str('localhostProfile indicates a profile loaded on the node that should be used. Must be set if and only if type is "Localhost".'),
      type: enumStr('type indicates which kind of AppArmor profile will be applied.', {
        Localhost: 'indicates that a profile pre-loaded on the node should be used.',
        RuntimeDefault: "indicates that the container runtime's default AppArmor profile should be used.",
        Unconfined: 'indicates that no AppArmor profile should be enforced.',
      }, { default: '' }),
    },
    ['type'],
  ),
  [`${CORE}SecurityContext`]: obj(
    'SecurityContext holds security configuration that will be applied to a container. Some fields are present in both SecurityContext and PodSecurityContext; when both are set, the values in SecurityContext take precedence.',
    {
      allowPrivilegeEscalation: bool('AllowPrivilegeEscalation controls whether a process can gain more privileges than its parent process. Always true when the container is run as Privileged or has CAP_SYS_ADMIN.'),
      appArmorProfile: ref(`${CORE}AppArmorProfile`, "appArmorProfile is the AppArmor options to use by this container. Overrides the pod's appArmorProfile."),
      capabilities: ref(`${CORE}Capabilities`, 'The capabilities to add/drop when running containers. Defaults to the default set of capabilities granted by the container runtime.'),
      privileged: bool('Run container in privileged mode. Processes in privileged containers are essentially equivalent to root on the host. Defaults to false.'),
      procMount: enumStr('procMount denotes the type of proc mount to use for the containers. The default value is Default which uses the container runtime defaults for readonly paths and masked paths.', {
        Default: 'uses the container runtime defaults for readonly and masked paths for /proc.',
        Unmasked: 'bypasses the default masking behavior of the container runtime and ensures the newly created /proc the container stays in tact with no modifications.',
      }),
      readOnlyRootFilesystem: bool('Whether this container has a read-only root filesystem. Default is false.'),
      runAsGroup: int64('The GID to run the entrypoint of the container process. Uses runtime default if unset.'),
      runAsNonRoot: bool('Indicates that the container must run as a non-root user. If true, the Kubelet will validate the image at runtime to ensure that it does not run as UID 0 (root) and fail to start the container if it does.'),
      runAsUser: int64('The UID to run the entrypoint of the container process. Defaults to user specified in image metadata if unspecified.'),
      seLinuxOptions: ref(`${CORE}SELinuxOptions`, 'The SELinux context to be applied to the container. If unspecified, the container runtime will allocate a random SELinux context for each container.'),
      seccompProfile: ref(`${CORE}SeccompProfile`, "The seccomp options to use by this container. Overrides the pod's seccompProfile."),
    },
  ),
};

function containerProps(ephemeral: boolean): Record<string, Schema> {
  const p: Record<string, Schema> = {
    args: strArr(
      "Arguments to the entrypoint. The container image's CMD is used if this is not provided. Variable references $(VAR_NAME) are expanded using the container's environment. Cannot be updated.",
    ),
    command: strArr(
      "Entrypoint array. Not executed within a shell. The container image's ENTRYPOINT is used if this is not provided. Variable references $(VAR_NAME) are expanded using the container's environment. Cannot be updated.",
    ),
    env: refArr(`${CORE}EnvVar`, 'List of environment variables to set in the container. Cannot be updated.', {
      listType: 'map',
      mapKeys: ['name'],
      mergeKey: 'name',
      strategy: 'merge',
    }),
    envFrom: refArr(
      `${CORE}EnvFromSource`,
      'List of sources to populate environment variables in the container. The keys defined within a source may consist of any printable ASCII characters except \'=\'. When a key exists in multiple sources, the value associated with the last source will take precedence. Cannot be updated.',
    ),
    image: str(
      'Container image name. This field is optional to allow higher level config management to default or override container images in workload controllers like Deployments and StatefulSets.',
    ),
    imagePullPolicy: enumStr(
      'Image pull policy. One of Always, Never, IfNotPresent. Defaults to Always if :latest tag is specified, or IfNotPresent otherwise. Cannot be updated.',
      {
        Always: 'means that kubelet always attempts to pull the latest image. Container will fail If the pull fails.',
        IfNotPresent: "means that kubelet pulls if the image isn't present on disk. Container will fail if the image isn't present and the pull fails.",
        Never: 'means that kubelet never pulls an image, but only uses a local image. Container will fail if the image isn\'t present',
      },
    ),
    lifecycle: ref(`${CORE}Lifecycle`, 'Actions that the management system should take in response to container lifecycle events. Cannot be updated.'),
    livenessProbe: ref(`${CORE}Probe`, 'Periodic probe of container liveness. Container will be restarted if the probe fails. Cannot be updated.'),
    name: strDef(`Name of the ${ephemeral ? 'ephemeral ' : ''}container specified as a DNS_LABEL. Each container in a pod must have a unique name (DNS_LABEL). Cannot be updated.`),
    ports: refArr(
      `${CORE}ContainerPort`,
      'List of ports to expose from the container. Not specifying a port here DOES NOT prevent that port from being exposed. Any port which is listening on the default "0.0.0.0" address inside a container will be accessible from the network. Cannot be updated.',
      { listType: 'map', mapKeys: ['containerPort', 'protocol'], mergeKey: 'containerPort', strategy: 'merge' },
    ),
    readinessProbe: ref(`${CORE}Probe`, 'Periodic probe of container service readiness. Container will be removed from service endpoints if the probe fails. Cannot be updated.'),
    resizePolicy: refArr(`${CORE}ContainerResizePolicy`, 'Resources resize policy for the container.'),
    resources: refV(
      `${CORE}ResourceRequirements`,
      'Compute Resources required by this container. Cannot be updated. More info: https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/',
    ),
    restartPolicy: str(
      'RestartPolicy defines the restart behavior of individual containers in a pod. This field may only be set for init containers, and the only allowed value is "Always". Setting it to "Always" makes the init container a sidecar: it keeps running alongside the regular containers.',
    ),
    securityContext: ref(`${CORE}SecurityContext`, 'SecurityContext defines the security options the container should be run with. If set, the fields of SecurityContext override the equivalent fields of PodSecurityContext.'),
    startupProbe: ref(
      `${CORE}Probe`,
      'StartupProbe indicates that the Pod has successfully initialized. If specified, no other probes are executed until this completes successfully. Cannot be updated.',
    ),
    stdin: bool('Whether this container should allocate a buffer for stdin in the container runtime. If this is not set, reads from stdin in the container will always result in EOF. Default is false.'),
    stdinOnce: bool('Whether the container runtime should close the stdin channel after it has been opened by a single attach. Default is false.'),
    terminationMessagePath: str(
      "Optional: Path at which the file to which the container's termination message will be written is mounted into the container's filesystem. Defaults to /dev/termination-log. Cannot be updated.",
    ),
    terminationMessagePolicy: enumStr(
      'Indicate how the termination message should be populated. File will use the contents of terminationMessagePath to populate the container status message on both success and failure. FallbackToLogsOnError will use the last chunk of container log output if the termination message file is empty and the container exited with an error. Defaults to File. Cannot be updated.',
      {
        FallbackToLogsOnError: 'will read the most recent contents of the container logs for the container status message when the container exits with an error and the terminationMessagePath has no contents.',
        File: 'is the default behavior and will set the container status message to the contents of the container\'s terminationMessagePath when the container exits.',
      },
    ),
    tty: bool("Whether this container should allocate a TTY for itself, also requires 'stdin' to be true. Default is false."),
    volumeDevices: refArr(`${CORE}VolumeDevice`, 'volumeDevices is the list of block devices to be used by the container.', {
      listType: 'map',
      mapKeys: ['devicePath'],
      mergeKey: 'devicePath',
      strategy: 'merge',
    }),
    volumeMounts: refArr(`${CORE}VolumeMount`, "Pod volumes to mount into the container's filesystem. Cannot be updated.", {
      listType: 'map',
      mapKeys: ['mountPath'],
      mergeKey: 'mountPath',
      strategy: 'merge',
    }),
    workingDir: str("Container's working directory. If not specified, the container runtime's default will be used, which might be configured in the container image. Cannot be updated."),
  };
  if (ephemeral) p.targetContainerName = str('If set, the name of the container from PodSpec that this ephemeral container targets.');
  return p;
}

Object.assign(core, {
  [`${CORE}Container`]: obj('A single application container that you want to run within a pod.', containerProps(false), ['name']),
  [`${CORE}EphemeralContainer`]: obj(
    'An EphemeralContainer is a temporary container that you may add to an existing Pod for user-initiated activities such as debugging.',
    containerProps(true),
    ['name'],
  ),
});

// ---- core/v1: volumes ----

const defaultModeDesc =
  'defaultMode is optional: mode bits used to set permissions on created files by default. Must be an octal value between 0000 and 0777 or a decimal value between 0 and 511. Defaults to 0644.';

Object.assign(core, {
  [`${CORE}KeyToPath`]: obj(
    'Maps a string key to a path within a volume.',
    {
      key: strDef('key is the key to project.'),
      mode: int32('mode is Optional: mode bits used to set permissions on this file. Must be an octal value between 0000 and 0777 or a decimal value between 0 and 511.'),
      path: strDef("path is the relative path of the file to map the key to. May not be an absolute path. May not contain the path element '..'. May not start with the string '..'."),
    },
    ['key', 'path'],
  ),
  [`${CORE}EmptyDirVolumeSource`]: obj('Represents an empty directory for a pod. Empty directory volumes support ownership management and SELinux relabeling.', {
    medium: str('medium represents what type of storage medium should back this directory. The default is "" which means to use the node\'s default medium. Must be an empty string (default) or Memory.'),
    sizeLimit: ref(QUANTITY, 'sizeLimit is the total amount of local storage required for this EmptyDir volume.'),
  }),
  [`${CORE}HostPathVolumeSource`]: obj(
    'Represents a host path mapped into a pod. Host path volumes do not support ownership management or SELinux relabeling.',
    {
      path: strDef('path of the directory on the host. If the path is a symlink, it will follow the link to the real path.'),
      type: enumStr('type for HostPath Volume. Defaults to ""', {
        '': 'For backwards compatible, leave it empty if unset',
        BlockDevice: 'A block device must exist at the given path',
        CharDevice: 'A character device must exist at the given path',
        Directory: 'A directory must exist at the given path',
        DirectoryOrCreate: 'If nothing exists at the given path, an empty directory will be created there as needed with file mode 0755, having the same group and ownership with Kubelet.',
        File: 'A file must exist at the given path',
        FileOrCreate: 'If nothing exists at the given path, an empty file will be created there as needed with file mode 0644, having the same group and ownership with Kubelet.',
        Socket: 'A UNIX socket must exist at the given path',
      }),
    },
    ['path'],
  ),
  [`${CORE}ConfigMapVolumeSource`]: obj('Adapts a ConfigMap into a volume. The contents of the target ConfigMap\'s Data field will be presented in a volume as files using the keys in the Data field as the file names.', {
    defaultMode: int32(defaultModeDesc),
    items: refArr(`${CORE}KeyToPath`, 'items if unspecified, each key-value pair in the Data field of the referenced ConfigMap will be projected into the volume as a file whose name is the key and content is the value.'),
    name: strDef('Name of the referent.'),
    optional: bool('optional specify whether the ConfigMap or its keys must be defined'),
  }),
  [`${CORE}SecretVolumeSource`]: obj('Adapts a Secret into a volume. The contents of the target Secret\'s Data field will be presented in a volume as files using the keys in the Data field as the file names.', {
    defaultMode: int32(defaultModeDesc),
    items: refArr(`${CORE}KeyToPath`, 'items If unspecified, each key-value pair in the Data field of the referenced Secret will be projected into the volume as a file whose name is the key and content is the value.'),
    optional: bool('optional field specify whether the Secret or its keys must be defined'),
    secretName: str("secretName is the name of the secret in the pod's namespace to use."),
  }),
  [`${CORE}DownwardAPIVolumeFile`]: obj(
    'DownwardAPIVolumeFile represents information to create the file containing the pod field',
    {
      fieldRef: ref(`${CORE}ObjectFieldSelector`, 'Required: Selects a field of the pod: only annotations, labels, name, namespace and uid are supported.'),
      mode: int32('Optional: mode bits used to set permissions on this file, must be an octal value between 0000 and 0777 or a decimal value between 0 and 511.'),
      path: strDef("Required: Path is  the relative path name of the file to be created. Must not be absolute or contain the '..' path. Must be utf-8 encoded. The first item of the relative path must not start with '..'"),
      resourceFieldRef: ref(`${CORE}ResourceFieldSelector`, 'Selects a resource of the container: only resources limits and requests (limits.cpu, limits.memory, requests.cpu and requests.memory) are currently supported.'),
    },
    ['path'],
  ),
  [`${CORE}DownwardAPIVolumeSource`]: obj('DownwardAPIVolumeSource represents a volume containing downward API info. Downward API volumes support ownership management and SELinux relabeling.', {
    defaultMode: int32(defaultModeDesc),
    items: refArr(`${CORE}DownwardAPIVolumeFile`, 'Items is a list of downward API volume file'),
  }),
  [`${CORE}ServiceAccountTokenProjection`]: obj(
    'ServiceAccountTokenProjection represents a projected service account token volume.',
    {
      audience: str('audience is the intended audience of the token. A recipient of a token must identify itself with an identifier specified in the audience of the token.'),
      expirationSeconds: int64('expirationSeconds is the requested duration of validity of the service account token. Defaults to 1 hour and must be at least 10 minutes.'),
      path: strDef('path is the path relative to the mount point of the file to project the token into.'),
    },
    ['path'],
  ),
  [`${CORE}ConfigMapProjection`]: obj('Adapts a ConfigMap into a projected volume.', {
    items: refArr(`${CORE}KeyToPath`, 'items if unspecified, each key-value pair in the Data field of the referenced ConfigMap will be projected into the volume.'),
    name: strDef('Name of the referent.'),
    optional: bool('optional specify whether the ConfigMap or its keys must be defined'),
  }),
  [`${CORE}SecretProjection`]: obj('Adapts a secret into a projected volume.', {
    items: refArr(`${CORE}KeyToPath`, 'items if unspecified, each key-value pair in the Data field of the referenced Secret will be projected into the volume.'),
    name: strDef('Name of the referent.'),
    optional: bool('optional field specify whether the Secret or its key must be defined'),
  }),
  [`${CORE}DownwardAPIProjection`]: obj('Represents downward API info for projecting into a projected volume.', {
    items: refArr(`${CORE}DownwardAPIVolumeFile`, 'Items is a list of DownwardAPIVolume file'),
  }),
  [`${CORE}VolumeProjection`]: obj('Projection that may be projected along with other supported volume types. Exactly one of these fields must be set.', {
    configMap: ref(`${CORE}ConfigMapProjection`, 'configMap information about the configMap data to project'),
    downwardAPI: ref(`${CORE}DownwardAPIProjection`, 'downwardAPI information about the downwardAPI data to project'),
    secret: ref(`${CORE}SecretProjection`, 'secret information about the secret data to project'),
    serviceAccountToken: ref(`${CORE}ServiceAccountTokenProjection`, 'serviceAccountToken is information about the serviceAccountToken data to project'),
  }),
  [`${CORE}ProjectedVolumeSource`]: obj('Represents a projected volume source', {
    defaultMode: int32(defaultModeDesc),
    sources: refArr(`${CORE}VolumeProjection`, 'sources is the list of volume projections. Each entry in this list handles one source.'),
  }),
  [`${CORE}PersistentVolumeClaimVolumeSource`]: obj(
    "PersistentVolumeClaimVolumeSource references the user's PVC in the same namespace.",
    {
      claimName: strDef('claimName is the name of a PersistentVolumeClaim in the same namespace as the pod using this volume.'),
      readOnly: bool('readOnly Will force the ReadOnly setting in VolumeMounts. Default false.'),
    },
    ['claimName'],
  ),
  [`${CORE}NFSVolumeSource`]: obj(
    'Represents an NFS mount that lasts the lifetime of a pod.',
    {
      path: strDef('path that is exported by the NFS server.'),
      readOnly: bool('readOnly here will force the NFS export to be mounted with read-only permissions. Defaults to false.'),
      server: strDef('server is the hostname or IP address of the NFS server.'),
    },
    ['server', 'path'],
  ),
  [`${CORE}CSIVolumeSource`]: obj(
    'Represents a source location of a volume to mount, managed by an external CSI driver',
    {
      driver: strDef('driver is the name of the CSI driver that handles this volume.'),
      fsType: str('fsType to mount. Ex. "ext4", "xfs", "ntfs".'),
      nodePublishSecretRef: ref(`${CORE}LocalObjectReference`, 'nodePublishSecretRef is a reference to the secret object containing sensitive information to pass to the CSI driver.'),
      readOnly: bool('readOnly specifies a read-only configuration for the volume. Defaults to false (read/write).'),
      volumeAttributes: strMap("volumeAttributes stores driver-specific properties that are passed to the CSI driver. Consult your driver's documentation for supported values."),
    },
    ['driver'],
  ),
  [`${CORE}Volume`]: obj(
    'Volume represents a named volume in a pod that may be accessed by any container in the pod. Exactly one volume source must be set; with none, an emptyDir is used.',
    {
      configMap: ref(`${CORE}ConfigMapVolumeSource`, 'configMap represents a configMap that should populate this volume'),
      csi: ref(`${CORE}CSIVolumeSource`, 'csi (Container Storage Interface) represents ephemeral storage that is handled by certain external CSI drivers.'),
      downwardAPI: ref(`${CORE}DownwardAPIVolumeSource`, 'downwardAPI represents downward API about the pod that should populate this volume'),
      emptyDir: ref(`${CORE}EmptyDirVolumeSource`, "emptyDir represents a temporary directory that shares a pod's lifetime."),
      hostPath: ref(
        `${CORE}HostPathVolumeSource`,
        'hostPath represents a pre-existing file or directory on the host machine that is directly exposed to the container. This is generally used for system agents or other privileged things that are allowed to see the host machine.',
      ),
      name: strDef("name of the volume. Must be a DNS_LABEL and unique within the pod."),
      nfs: ref(`${CORE}NFSVolumeSource`, "nfs represents an NFS mount on the host that shares a pod's lifetime"),
      persistentVolumeClaim: ref(`${CORE}PersistentVolumeClaimVolumeSource`, 'persistentVolumeClaimVolumeSource represents a reference to a PersistentVolumeClaim in the same namespace.'),
      projected: ref(`${CORE}ProjectedVolumeSource`, 'projected items for all in one resources secrets, configmaps, and downward API'),
      secret: ref(`${CORE}SecretVolumeSource`, 'secret represents a secret that should populate this volume.'),
    },
    ['name'],
  ),
});

// ---- core/v1: scheduling ----

const TAINT_EFFECTS = {
  NoExecute: 'Evict any already-running pods that do not tolerate the taint.',
  NoSchedule: 'Do not allow new pods to schedule onto the node unless they tolerate the taint, but allow all pods submitted to Kubelet without going through the scheduler to start, and allow all already-running pods to continue running.',
  PreferNoSchedule: 'Like TaintEffectNoSchedule, but the scheduler tries not to schedule new pods onto the node, rather than prohibiting new pods from scheduling onto the node entirely.',
};

Object.assign(core, {
  [`${CORE}LocalObjectReference`]: obj(
    'LocalObjectReference contains enough information to let you locate the referenced object inside the same namespace.',
    { name: strDef('Name of the referent.') },
    undefined,
    { 'x-kubernetes-map-type': 'atomic' },
  ),
  [`${CORE}NodeSelectorRequirement`]: obj(
    'A node selector requirement is a selector that contains values, a key, and an operator that relates the key and values.',
    {
      key: strDef('The label key that the selector applies to.'),
      operator: enumStr("Represents a key's relationship to a set of values. Valid operators are In, NotIn, Exists, DoesNotExist. Gt, and Lt.", {
        DoesNotExist: '',
        Exists: '',
        Gt: '',
        In: '',
        Lt: '',
        NotIn: '',
      }, { default: '' }),
      values: strArr('An array of string values. If the operator is In or NotIn, the values array must be non-empty. If the operator is Exists or DoesNotExist, the values array must be empty. If the operator is Gt or Lt, the values array must have a single element, which will be interpreted as an integer.'),
    },
    ['key', 'operator'],
  ),
  [`${CORE}NodeSelectorTerm`]: obj(
    'A null or empty node selector term matches no objects. The requirements of them are ANDed.',
    {
      matchExpressions: refArr(`${CORE}NodeSelectorRequirement`, "A list of node selector requirements by node's labels."),
      matchFields: refArr(`${CORE}NodeSelectorRequirement`, "A list of node selector requirements by node's fields."),
    },
    undefined,
    { 'x-kubernetes-map-type': 'atomic' },
  ),
  [`${CORE}NodeSelector`]: obj(
    'A node selector represents the union of the results of one or more label queries over a set of nodes; that is, it represents the OR of the selectors represented by the node selector terms.',
    { nodeSelectorTerms: refArr(`${CORE}NodeSelectorTerm`, 'Required. A list of node selector terms. The terms are ORed.') },
    ['nodeSelectorTerms'],
    { 'x-kubernetes-map-type': 'atomic' },
  ),
  [`${CORE}PreferredSchedulingTerm`]: obj(
    'An empty preferred scheduling term matches all objects with implicit weight 0 (i.e. it\'s a no-op). A null preferred scheduling term matches no objects (i.e. is also a no-op).',
    {
      preference: refV(`${CORE}NodeSelectorTerm`, 'A node selector term, associated with the corresponding weight.'),
      weight: int32('Weight associated with matching the corresponding nodeSelectorTerm, in the range 1-100.', { default: 0 }),
    },
    ['weight', 'preference'],
  ),
  [`${CORE}NodeAffinity`]: obj('Node affinity is a group of node affinity scheduling rules.', {
    preferredDuringSchedulingIgnoredDuringExecution: refArr(
      `${CORE}PreferredSchedulingTerm`,
      'The scheduler will prefer to schedule pods to nodes that satisfy the affinity expressions specified by this field, but it may choose a node that violates one or more of the expressions.',
    ),
    requiredDuringSchedulingIgnoredDuringExecution: ref(
      `${CORE}NodeSelector`,
      'If the affinity requirements specified by this field are not met at scheduling time, the pod will not be scheduled onto the node. If the affinity requirements specified by this field cease to be met at some point during pod execution (e.g. due to an update), the system may or may not try to eventually evict the pod from its node.',
    ),
  }),
  [`${CORE}PodAffinityTerm`]: obj(
    'Defines a set of pods (namely those matching the labelSelector relative to the given namespace(s)) that this pod should be co-located (affinity) or not co-located (anti-affinity) with, where co-located is defined as running on a node whose value of the label with key <topologyKey> matches that of any node on which a pod of the set of pods is running',
    {
      labelSelector: ref(`${META}LabelSelector`, 'A label query over a set of resources, in this case pods. If it\'s null, this PodAffinityTerm matches with no Pods.'),
      matchLabelKeys: strArr('MatchLabelKeys is a set of pod label keys to select which pods will be taken into consideration.'),
      mismatchLabelKeys: strArr('MismatchLabelKeys is a set of pod label keys to select which pods will be taken into consideration.'),
      namespaceSelector: ref(`${META}LabelSelector`, 'A label query over the set of namespaces that the term applies to.'),
      namespaces: strArr('namespaces specifies a static list of namespace names that the term applies to.'),
      topologyKey: strDef(
        'This pod should be co-located (affinity) or not co-located (anti-affinity) with the pods matching the labelSelector in the specified namespaces, where co-located is defined as running on a node whose value of the label with key topologyKey matches that of any node on which any of the selected pods is running. Empty topologyKey is not allowed.',
      ),
    },
    ['topologyKey'],
  ),
  [`${CORE}WeightedPodAffinityTerm`]: obj(
    'The weights of all of the matched WeightedPodAffinityTerm fields are added per-node to find the most preferred node(s)',
    {
      podAffinityTerm: refV(`${CORE}PodAffinityTerm`, 'Required. A pod affinity term, associated with the corresponding weight.'),
      weight: int32('weight associated with matching the corresponding podAffinityTerm, in the range 1-100.', { default: 0 }),
    },
    ['weight', 'podAffinityTerm'],
  ),
  [`${CORE}PodAffinity`]: obj('Pod affinity is a group of inter pod affinity scheduling rules.', {
    preferredDuringSchedulingIgnoredDuringExecution: refArr(`${CORE}WeightedPodAffinityTerm`, 'The scheduler will prefer to schedule pods to nodes that satisfy the affinity expressions specified by this field.'),
    requiredDuringSchedulingIgnoredDuringExecution: refArr(`${CORE}PodAffinityTerm`, 'If the affinity requirements specified by this field are not met at scheduling time, the pod will not be scheduled onto the node.'),
  }),
  [`${CORE}PodAntiAffinity`]: obj('Pod anti affinity is a group of inter pod anti affinity scheduling rules.', {
    preferredDuringSchedulingIgnoredDuringExecution: refArr(`${CORE}WeightedPodAffinityTerm`, 'The scheduler will prefer to schedule pods to nodes that satisfy the anti-affinity expressions specified by this field.'),
    requiredDuringSchedulingIgnoredDuringExecution: refArr(`${CORE}PodAffinityTerm`, 'If the anti-affinity requirements specified by this field are not met at scheduling time, the pod will not be scheduled onto the node.'),
  }),
  [`${CORE}Affinity`]: obj('Affinity is a group of affinity scheduling rules.', {
    nodeAffinity: ref(`${CORE}NodeAffinity`, 'Describes node affinity scheduling rules for the pod.'),
    podAffinity: ref(`${CORE}PodAffinity`, 'Describes pod affinity scheduling rules (e.g. co-locate this pod in the same node, zone, etc. as some other pod(s)).'),
    podAntiAffinity: ref(`${CORE}PodAntiAffinity`, 'Describes pod anti-affinity scheduling rules (e.g. avoid putting this pod in the same node, zone, etc. as some other pod(s)).'),
  }),
  [`${CORE}Toleration`]: obj('The pod this Toleration is attached to tolerates any taint that matches the triple <key,value,effect> using the matching operator <operator>.', {
    effect: enumStr('Effect indicates the taint effect to match. Empty means match all taint effects. When specified, allowed values are NoSchedule, PreferNoSchedule and NoExecute.', TAINT_EFFECTS),
    key: str('Key is the taint key that the toleration applies to. Empty means match all taint keys. If the key is empty, operator must be Exists; this combination means to match all values and all keys.'),
    operator: enumStr("Operator represents a key's relationship to the value. Valid operators are Exists and Equal. Defaults to Equal. Exists is equivalent to wildcard for value, so that a pod can tolerate all taints of a particular category.", {
      Equal: '',
      Exists: '',
    }),
    tolerationSeconds: int64(
      'TolerationSeconds represents the period of time the toleration (which must be of effect NoExecute, otherwise this field is ignored) tolerates the taint. By default, it is not set, which means tolerate the taint forever (do not evict). Zero and negative values will be treated as 0 (evict immediately) by the system.',
    ),
    value: str('Value is the taint value the toleration matches to. If the operator is Exists, the value should be empty, otherwise just a regular string.'),
  }),
  [`${CORE}TopologySpreadConstraint`]: obj(
    'TopologySpreadConstraint specifies how to spread matching pods among the given topology.',
    {
      labelSelector: ref(`${META}LabelSelector`, 'LabelSelector is used to find matching pods. Pods that match this label selector are counted to determine the number of pods in their corresponding topology domain.'),
      matchLabelKeys: strArr('MatchLabelKeys is a set of pod label keys to select the pods over which spreading will be calculated.'),
      maxSkew: int32('MaxSkew describes the degree to which pods may be unevenly distributed. It must be greater than zero.', { default: 0 }),
      minDomains: int32('MinDomains indicates a minimum number of eligible domains.'),
      nodeAffinityPolicy: str('NodeAffinityPolicy indicates how we will treat Pod\'s nodeAffinity/nodeSelector when calculating pod topology spread skew: Honor or Ignore.'),
      nodeTaintsPolicy: str('NodeTaintsPolicy indicates how we will treat node taints when calculating pod topology spread skew: Honor or Ignore.'),
      topologyKey: strDef('TopologyKey is the key of node labels. Nodes that have a label with this key and identical values are considered to be in the same topology.'),
      whenUnsatisfiable: enumStr('WhenUnsatisfiable indicates how to deal with a pod if it doesn\'t satisfy the spread constraint.', {
        DoNotSchedule: "instructs the scheduler not to schedule the pod when constraints are not satisfied.",
        ScheduleAnyway: 'instructs the scheduler to schedule the pod even if constraints are not satisfied.',
      }, { default: '' }),
    },
    ['maxSkew', 'topologyKey', 'whenUnsatisfiable'],
  ),
  [`${CORE}Sysctl`]: obj('Sysctl defines a kernel parameter to be set', { name: strDef('Name of a property to set'), value: strDef('Value of a property to set') }, ['name', 'value']),
  [`${CORE}PodSecurityContext`]: obj(
    'PodSecurityContext holds pod-level security attributes and common container settings. Some fields are also present in container.securityContext.  Field values of container.securityContext take precedence over field values of PodSecurityContext.',
    {
      appArmorProfile: ref(`${CORE}AppArmorProfile`, 'appArmorProfile is the AppArmor options to use by the containers in this pod.'),
      fsGroup: int64('A special supplemental group that applies to all containers in a pod. Some volume types allow the Kubelet to change the ownership of that volume to be owned by the pod.'),
      fsGroupChangePolicy: str('fsGroupChangePolicy defines behavior of changing ownership and permission of the volume before being exposed inside Pod. Valid values are "OnRootMismatch" and "Always".'),
      runAsGroup: int64('The GID to run the entrypoint of the container process. Uses runtime default if unset.'),
      runAsNonRoot: bool('Indicates that the container must run as a non-root user.'),
      runAsUser: int64('The UID to run the entrypoint of the container process. Defaults to user specified in image metadata if unspecified.'),
      seLinuxOptions: ref(`${CORE}SELinuxOptions`, 'The SELinux context to be applied to all containers.'),
      seccompProfile: ref(`${CORE}SeccompProfile`, 'The seccomp options to use by the containers in this pod.'),
      supplementalGroups: arrOf({ type: 'integer', format: 'int64', default: 0 }, 'A list of groups applied to the first process run in each container, in addition to the container\'s primary GID and fsGroup (if specified).'),
      supplementalGroupsPolicy: str('Defines how supplemental groups of the first container processes are calculated. Valid values are "Merge" and "Strict".'),
      sysctls: refArr(`${CORE}Sysctl`, 'Sysctls hold a list of namespaced sysctls used for the pod.'),
    },
  ),
  [`${CORE}PodDNSConfigOption`]: obj('PodDNSConfigOption defines DNS resolver options of a pod.', {
    name: str('Name is this DNS resolver option\'s name. Required.'),
    value: str("Value is this DNS resolver option's value."),
  }),
  [`${CORE}PodDNSConfig`]: obj('PodDNSConfig defines the DNS parameters of a pod in addition to those generated from DNSPolicy.', {
    nameservers: strArr('A list of DNS name server IP addresses. This will be appended to the base nameservers generated from DNSPolicy. Duplicated nameservers will be removed.'),
    options: refArr(`${CORE}PodDNSConfigOption`, 'A list of DNS resolver options. This will be merged with the base options generated from DNSPolicy.'),
    searches: strArr('A list of DNS search domains for host-name lookup. This will be appended to the base search paths generated from DNSPolicy.'),
  }),
  [`${CORE}HostAlias`]: obj(
    "HostAlias holds the mapping between IP and hostnames that will be injected as an entry in the pod's hosts file.",
    { hostnames: strArr('Hostnames for the above IP address.'), ip: strDef('IP address of the host file entry.') },
    ['ip'],
  ),
  [`${CORE}PodReadinessGate`]: obj(
    'PodReadinessGate contains the reference to a pod condition',
    { conditionType: strDef("ConditionType refers to a condition in the pod's condition list with matching type.") },
    ['conditionType'],
  ),
  [`${CORE}PodSchedulingGate`]: obj(
    'PodSchedulingGate is associated to a Pod to guard its scheduling.',
    { name: strDef('Name of the scheduling gate. Each scheduling gate must have a unique name field.') },
    ['name'],
  ),
  [`${CORE}PodOS`]: obj('PodOS defines the OS parameters of a pod.', { name: strDef('Name is the name of the operating system. The currently supported values are linux and windows.') }, ['name']),
});

// ---- core/v1: Pod ----

const CONDITION_STATUS = 'Status of the condition: True, False or Unknown.';

Object.assign(core, {
  [`${CORE}PodSpec`]: obj(
    'PodSpec is a description of a pod.',
    {
      activeDeadlineSeconds: int64(
        'Optional duration in seconds the pod may be active on the node relative to StartTime before the system will actively try to mark it failed and kill associated containers. Value must be a positive integer.',
      ),
      affinity: ref(`${CORE}Affinity`, "If specified, the pod's scheduling constraints"),
      automountServiceAccountToken: bool('AutomountServiceAccountToken indicates whether a service account token should be automatically mounted.'),
      containers: refArr(
        `${CORE}Container`,
        'List of containers belonging to the pod. Containers cannot currently be added or removed. There must be at least one container in a Pod. Cannot be updated.',
        { listType: 'map', mapKeys: ['name'], mergeKey: 'name', strategy: 'merge' },
      ),
      dnsConfig: ref(`${CORE}PodDNSConfig`, 'Specifies the DNS parameters of a pod. Parameters specified here will be merged to the generated DNS configuration based on DNSPolicy.'),
      dnsPolicy: enumStr(
        'Set DNS policy for the pod. Defaults to "ClusterFirst". Valid values are \'ClusterFirstWithHostNet\', \'ClusterFirst\', \'Default\' or \'None\'. DNS parameters given in DNSConfig will be merged with the policy selected with DNSPolicy. To have DNS options set along with hostNetwork, you have to specify DNS policy explicitly to \'ClusterFirstWithHostNet\'.',
        {
          ClusterFirst: 'indicates that the pod should use cluster DNS first unless hostNetwork is true, if it is available, then fall back on the default (as determined by kubelet) DNS settings.',
          ClusterFirstWithHostNet: 'indicates that the pod should use cluster DNS first, if it is available, then fall back on the default (as determined by kubelet) DNS settings.',
          Default: 'indicates that the pod should use the default (as determined by kubelet) DNS settings.',
          None: 'indicates that the pod should use empty DNS settings. DNS parameters such as nameservers and search paths should be defined via DNSConfig.',
        },
      ),
      enableServiceLinks: bool("EnableServiceLinks indicates whether information about services should be injected into pod's environment variables, matching the syntax of Docker links. Optional: Defaults to true."),
      ephemeralContainers: refArr(
        `${CORE}EphemeralContainer`,
        'List of ephemeral containers run in this pod. Ephemeral containers may be run in an existing pod to perform user-initiated actions such as debugging. This list cannot be specified when creating a pod, and it cannot be modified by updating the pod spec.',
        { listType: 'map', mapKeys: ['name'], mergeKey: 'name', strategy: 'merge' },
      ),
      hostAliases: refArr(`${CORE}HostAlias`, "HostAliases is an optional list of hosts and IPs that will be injected into the pod's hosts file if specified.", {
        listType: 'map',
        mapKeys: ['ip'],
        mergeKey: 'ip',
        strategy: 'merge',
      }),
      hostIPC: bool("Use the host's ipc namespace. Optional: Default to false."),
      hostNetwork: bool("Host networking requested for this pod. Use the host's network namespace. If this option is set, the ports that will be used must be specified. Default to false."),
      hostPID: bool("Use the host's pid namespace. Optional: Default to false."),
      hostUsers: bool("Use the host's user namespace. Optional: Default to true. If set to false, a new userns is created for the pod."),
      hostname: str("Specifies the hostname of the Pod If not specified, the pod's hostname will be set to a system-defined value."),
      imagePullSecrets: refArr(`${CORE}LocalObjectReference`, 'ImagePullSecrets is an optional list of references to secrets in the same namespace to use for pulling any of the images used by this PodSpec.', {
        listType: 'map',
        mapKeys: ['name'],
        mergeKey: 'name',
        strategy: 'merge',
      }),
      initContainers: refArr(
        `${CORE}Container`,
        'List of initialization containers belonging to the pod. Init containers are executed in order prior to containers being started. If any init container fails, the pod is considered to have failed and is handled according to its restartPolicy. An init container with restartPolicy "Always" is a sidecar that keeps running. Init containers cannot currently be added or removed. Cannot be updated.',
        { listType: 'map', mapKeys: ['name'], mergeKey: 'name', strategy: 'merge' },
      ),
      nodeName: str(
        'NodeName indicates in which node this pod is scheduled. If empty, this pod is a candidate for scheduling by the scheduler defined in schedulerName. Once this field is set, the kubelet for this node becomes responsible for the lifecycle of this pod.',
      ),
      nodeSelector: {
        ...strMap("NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node's labels for the pod to be scheduled on that node."),
        'x-kubernetes-map-type': 'atomic',
      },
      os: ref(`${CORE}PodOS`, 'Specifies the OS of the containers in the pod. Some pod and container fields are restricted if this is set.'),
      overhead: quantityMap('Overhead represents the resource overhead associated with running a pod for a given RuntimeClass.'),
      preemptionPolicy: str('PreemptionPolicy is the Policy for preempting pods with lower priority. One of Never, PreemptLowerPriority. Defaults to PreemptLowerPriority if unset.'),
      priority: int32('The priority value. Various system components use this field to find the priority of the pod. When Priority Admission Controller is enabled, it prevents users from setting this field.'),
      priorityClassName: str('If specified, indicates the pod\'s priority. "system-node-critical" and "system-cluster-critical" are two special keywords which indicate the highest priorities.'),
      readinessGates: refArr(`${CORE}PodReadinessGate`, 'If specified, all readiness gates will be evaluated for pod readiness. A pod is ready when all its containers are ready AND all conditions specified in the readiness gates have status equal to "True"'),
      resources: ref(`${CORE}ResourceRequirements`, 'Resources is the total amount of CPU and Memory resources required by all containers in the pod (pod-level resources).'),
      restartPolicy: enumStr(
        'Restart policy for all containers within the pod. One of Always, OnFailure, Never. In some contexts, only a subset of those values may be permitted. Default to Always.',
        { Always: '', Never: '', OnFailure: '' },
      ),
      runtimeClassName: str('RuntimeClassName refers to a RuntimeClass object in the node.k8s.io group, which should be used to run this pod.'),
      schedulerName: str('If specified, the pod will be dispatched by specified scheduler. If not specified, the pod will be dispatched by default scheduler.'),
      schedulingGates: refArr(`${CORE}PodSchedulingGate`, 'SchedulingGates is an opaque list of values that if specified will block scheduling the pod. If schedulingGates is not empty, the pod will stay in the SchedulingGated state and the scheduler will not attempt to schedule the pod.', {
        listType: 'map',
        mapKeys: ['name'],
        mergeKey: 'name',
        strategy: 'merge',
      }),
      securityContext: ref(`${CORE}PodSecurityContext`, 'SecurityContext holds pod-level security attributes and common container settings. Optional: Defaults to empty.  See type description for default values of each field.'),
      serviceAccount: str('DeprecatedServiceAccount is a deprecated alias for ServiceAccountName. Deprecated: Use serviceAccountName instead.'),
      serviceAccountName: str('ServiceAccountName is the name of the ServiceAccount to use to run this pod.'),
      setHostnameAsFQDN: bool("If true the pod's hostname will be configured as the pod's FQDN, rather than the leaf name (the default)."),
      shareProcessNamespace: bool('Share a single process namespace between all of the containers in a pod. Optional: Default to false.'),
      subdomain: str('If specified, the fully qualified Pod hostname will be "<hostname>.<subdomain>.<pod namespace>.svc.<cluster domain>". If not specified, the pod will not have a domainname at all.'),
      terminationGracePeriodSeconds: int64(
        'Optional duration in seconds the pod needs to terminate gracefully. May be decreased in delete request. Value must be non-negative integer. The value zero indicates stop immediately via the kill signal (no opportunity to shut down). If this value is nil, the default grace period will be used instead. Defaults to 30 seconds.',
      ),
      tolerations: refArr(`${CORE}Toleration`, "If specified, the pod's tolerations."),
      topologySpreadConstraints: refArr(
        `${CORE}TopologySpreadConstraint`,
        'TopologySpreadConstraints describes how a group of pods ought to spread across topology domains. Scheduler will schedule pods in a way which abides to the constraints. All topologySpreadConstraints are ANDed.',
        { listType: 'map', mapKeys: ['topologyKey', 'whenUnsatisfiable'], mergeKey: 'topologyKey', strategy: 'merge' },
      ),
      volumes: refArr(`${CORE}Volume`, 'List of volumes that can be mounted by containers belonging to the pod.', {
        listType: 'map',
        mapKeys: ['name'],
        mergeKey: 'name',
        strategy: 'merge,retainKeys',
      }),
    },
    ['containers'],
  ),
  [`${CORE}PodCondition`]: obj(
    'PodCondition contains details for the current condition of this pod.',
    {
      lastProbeTime: time('Last time we probed the condition.'),
      lastTransitionTime: time('Last time the condition transitioned from one status to another.'),
      message: str('Human-readable message indicating details about last transition.'),
      observedGeneration: int64('If set, this represents the .metadata.generation that the pod condition was set based upon.'),
      reason: str("Unique, one-word, CamelCase reason for the condition's last transition."),
      status: strDef(CONDITION_STATUS),
      type: strDef('Type is the type of the condition: PodScheduled, Initialized, ContainersReady, Ready, PodReadyToStartContainers, or a readiness gate\'s condition type.'),
    },
    ['type', 'status'],
  ),
  [`${CORE}ContainerStateWaiting`]: obj('ContainerStateWaiting is a waiting state of a container.', {
    message: str('Message regarding why the container is not yet running.'),
    reason: str('(brief) reason the container is not yet running, e.g. ContainerCreating, ErrImagePull, CrashLoopBackOff.'),
  }),
  [`${CORE}ContainerStateRunning`]: obj('ContainerStateRunning is a running state of a container.', {
    startedAt: time('Time at which the container was last (re-)started'),
  }),
  [`${CORE}ContainerStateTerminated`]: obj(
    'ContainerStateTerminated is a terminated state of a container.',
    {
      containerID: str("Container's ID in the format '<type>://<container_id>'"),
      exitCode: int32('Exit status from the last termination of the container', { default: 0 }),
      finishedAt: time('Time at which the container last terminated'),
      message: str('Message regarding the last termination of the container'),
      reason: str('(brief) reason from the last termination of the container, e.g. Completed, Error, OOMKilled.'),
      signal: int32('Signal from the last termination of the container'),
      startedAt: time('Time at which previous execution of the container started'),
    },
    ['exitCode'],
  ),
  [`${CORE}ContainerState`]: obj(
    'ContainerState holds a possible state of container. Only one of its members may be specified. If none of them is specified, the default one is ContainerStateWaiting.',
    {
      running: ref(`${CORE}ContainerStateRunning`, 'Details about a running container'),
      terminated: ref(`${CORE}ContainerStateTerminated`, 'Details about a terminated container'),
      waiting: ref(`${CORE}ContainerStateWaiting`, 'Details about a waiting container'),
    },
  ),
  [`${CORE}VolumeMountStatus`]: obj(
    'VolumeMountStatus shows status of volume mounts.',
    {
      mountPath: strDef('MountPath corresponds to the original VolumeMount.'),
      name: strDef('Name corresponds to the name of the original VolumeMount.'),
      readOnly: bool('ReadOnly corresponds to the original VolumeMount.'),
      recursiveReadOnly: str('RecursiveReadOnly must be set to Disabled, Enabled, or unspecified (for non-readonly mounts).'),
    },
    ['name', 'mountPath'],
  ),
  [`${CORE}ContainerStatus`]: obj(
    'ContainerStatus contains details for the current status of this container.',
    {
      allocatedResources: quantityMap('AllocatedResources represents the compute resources allocated for this container by the node.'),
      containerID: str("ContainerID is the ID of the container in the format '<type>://<container_id>'."),
      image: strDef('Image is the name of container image that the container is running.'),
      imageID: strDef("ImageID is the image ID of the container's image."),
      lastState: refV(`${CORE}ContainerState`, "LastTerminationState holds the last termination state of the container to help debug container crashes and restarts."),
      name: strDef('Name is a DNS_LABEL representing the unique name of the container. Each container in a pod must have a unique name across all container types. Cannot be updated.'),
      ready: bool('Ready specifies whether the container is currently passing its readiness check. The value will change as readiness probes keep executing.', { default: false }),
      resources: ref(`${CORE}ResourceRequirements`, 'Resources represents the compute resource requests and limits that have been successfully enacted on the running container after it has been started or has been successfully resized.'),
      restartCount: int32('RestartCount holds the number of times the container has been restarted. Kubelet makes an effort to always increment the value, but there are cases when the state may be lost due to node restarts and then the value may be reset to 0. The value is never negative.', { default: 0 }),
      started: bool('Started indicates whether the container has finished its postStart lifecycle hook and passed its startup probe.'),
      state: refV(`${CORE}ContainerState`, 'State holds details about the container\'s current condition.'),
      stopSignal: str('StopSignal reports the effective stop signal for this container'),
      volumeMounts: refArr(`${CORE}VolumeMountStatus`, 'Status of volume mounts.', { listType: 'map', mapKeys: ['mountPath'], mergeKey: 'mountPath', strategy: 'merge' }),
    },
    ['name', 'ready', 'restartCount', 'image', 'imageID'],
  ),
  [`${CORE}PodIP`]: obj('PodIP represents a single IP address allocated to the pod.', { ip: strDef('IP is the IP address assigned to the pod') }, ['ip']),
  [`${CORE}HostIP`]: obj('HostIP represents a single IP address allocated to the host.', { ip: strDef('IP is the IP address assigned to the host') }, ['ip']),
  [`${CORE}PodStatus`]: obj(
    'PodStatus represents information about the status of a pod. Status may trail the actual state of a system, especially if the node that hosts the pod cannot contact the control plane.',
    {
      conditions: refArr(`${CORE}PodCondition`, 'Current service state of pod.', { listType: 'map', mapKeys: ['type'], mergeKey: 'type', strategy: 'merge' }),
      containerStatuses: refArr(`${CORE}ContainerStatus`, 'Statuses of containers in this pod. Each container in the pod should have at most one status in this list, and all statuses should be for containers in the pod.'),
      ephemeralContainerStatuses: refArr(`${CORE}ContainerStatus`, 'Statuses for any ephemeral containers that have run in this pod.'),
      hostIP: str('hostIP holds the IP address of the host to which the pod is assigned. Empty if the pod has not started yet.'),
      hostIPs: refArr(`${CORE}HostIP`, 'hostIPs holds the IP addresses allocated to the host. If this field is specified, the first entry must match the hostIP field.', {
        listType: 'atomic',
        mergeKey: 'ip',
        strategy: 'merge',
      }),
      initContainerStatuses: refArr(`${CORE}ContainerStatus`, 'Statuses of init containers in this pod. The most recent successful non-restartable init container will have ready = true, the most recently started container will have startTime set.'),
      message: str('A human readable message indicating details about why the pod is in this condition.'),
      nominatedNodeName: str('nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods.'),
      observedGeneration: int64('If set, this represents the .metadata.generation that the pod status was set based upon.'),
      phase: enumStr(
        "The phase of a Pod is a simple, high-level summary of where the Pod is in its lifecycle. The conditions array, the reason and message fields, and the individual container status arrays contain more detail about the pod's status.",
        {
          Failed: 'means that all containers in the pod have terminated, and at least one container has terminated in a failure (exited with a non-zero exit code or was stopped by the system).',
          Pending: 'means the pod has been accepted by the system, but one or more of the containers has not been started. This includes time before being bound to a node, as well as time spent pulling images onto the host.',
          Running: 'means the pod has been bound to a node and all of the containers have been started. At least one container is still running or is in the process of being restarted.',
          Succeeded: 'means that all containers in the pod have voluntarily terminated with a container exit code of 0, and the system is not going to restart any of these containers.',
          Unknown: 'means that for some reason the state of the pod could not be obtained, typically due to an error in communicating with the host of the pod. Deprecated: It isn\'t being set since 2015 (74da3b14b0c0f658b3bb8d2def5094686d0e9095)',
        },
      ),
      podIP: str('podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.'),
      podIPs: refArr(`${CORE}PodIP`, 'podIPs holds the IP addresses allocated to the pod. If this field is specified, the 0th entry must match the podIP field.', {
        listType: 'map',
        mapKeys: ['ip'],
        mergeKey: 'ip',
        strategy: 'merge',
      }),
      qosClass: enumStr('The Quality of Service (QOS) classification assigned to the pod based on resource requirements.', {
        BestEffort: 'is the BestEffort qos class.',
        Burstable: 'is the Burstable qos class.',
        Guaranteed: 'is the Guaranteed qos class.',
      }),
      reason: str("A brief CamelCase message indicating details about why the pod is in this state. e.g. 'Evicted'"),
      resize: str('Status of resources resize desired for pod\'s containers. It is empty if no resources resize is pending.'),
      startTime: time('RFC 3339 date and time at which the object was acknowledged by the Kubelet. This is before the Kubelet pulled the container image(s) for the pod.'),
    },
  ),
  [`${CORE}Pod`]: kindObject('', 'v1', 'Pod', 'Pod is a collection of containers that can run on a host. This resource is created by clients and scheduled onto hosts.', {
    spec: ref(`${CORE}PodSpec`, 'Specification of the desired behavior of the pod.'),
    status: ref(`${CORE}PodStatus`, 'Most recently observed status of the pod. This data may not be up to date. Populated by the system. Read-only.'),
  }),
  [`${CORE}PodList`]: listKind('', 'v1', 'PodList', `${CORE}Pod`, 'PodList is a list of Pods.'),
  [`${CORE}ObjectReference`]: obj(
    'ObjectReference contains enough information to let you inspect or modify the referred object.',
    {
      apiVersion: str('API version of the referent.'),
      fieldPath: str('If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2].'),
      kind: str('Kind of the referent.'),
      name: str('Name of the referent.'),
      namespace: str('Namespace of the referent.'),
      resourceVersion: str('Specific resourceVersion to which this reference is made, if any.'),
      uid: str('UID of the referent.'),
    },
    undefined,
    { 'x-kubernetes-map-type': 'atomic' },
  ),
  [`${CORE}Binding`]: kindObject(
    '',
    'v1',
    'Binding',
    'Binding ties one object to another; for example, a pod is bound to a node by a scheduler.',
    { target: refV(`${CORE}ObjectReference`, 'The target object that you want to bind to the standard object.') },
    ['target'],
  ),
});

// ---- core/v1: Node ----

Object.assign(core, {
  [`${CORE}Taint`]: obj(
    'The node this Taint is attached to has the "effect" on any pod that does not tolerate the Taint.',
    {
      effect: enumStr('Required. The effect of the taint on pods that do not tolerate the taint. Valid effects are NoSchedule, PreferNoSchedule and NoExecute.', TAINT_EFFECTS, { default: '' }),
      key: strDef('Required. The taint key to be applied to a node.'),
      timeAdded: time('TimeAdded represents the time at which the taint was added. It is only written for NoExecute taints.'),
      value: str('The taint value corresponding to the taint key.'),
    },
    ['key', 'effect'],
  ),
  [`${CORE}NodeSpec`]: obj('NodeSpec describes the attributes that a node is created with.', {
    podCIDR: str('PodCIDR represents the pod IP range assigned to the node.'),
    podCIDRs: strArr('podCIDRs represents the IP ranges assigned to the node for usage by Pods on that node. If this field is specified, the 0th entry must match the podCIDR field. It may contain at most 1 value for each of IPv4 and IPv6.', {
      listType: 'set',
      strategy: 'merge',
    }),
    providerID: str('ID of the node assigned by the cloud provider in the format: <ProviderName>://<ProviderSpecificNodeID>'),
    taints: refArr(`${CORE}Taint`, "If specified, the node's taints."),
    unschedulable: bool('Unschedulable controls node schedulability of new pods. By default, node is schedulable.'),
  }),
  [`${CORE}NodeCondition`]: obj(
    'NodeCondition contains condition information for a node.',
    {
      lastHeartbeatTime: time('Last time we got an update on a given condition.'),
      lastTransitionTime: time('Last time the condition transit from one status to another.'),
      message: str('Human readable message indicating details about last transition.'),
      reason: str("(brief) reason for the condition's last transition."),
      status: strDef(CONDITION_STATUS),
      type: strDef('Type of node condition: Ready, MemoryPressure, DiskPressure, PIDPressure or NetworkUnavailable.'),
    },
    ['type', 'status'],
  ),
  [`${CORE}NodeAddress`]: obj(
    "NodeAddress contains information for the node's address.",
    { address: strDef('The node address.'), type: strDef('Node address type, one of Hostname, ExternalIP or InternalIP.') },
    ['type', 'address'],
  ),
  [`${CORE}DaemonEndpoint`]: obj('DaemonEndpoint contains information about a single Daemon endpoint.', { Port: int32('Port number of the given endpoint.', { default: 0 }) }, ['Port']),
  [`${CORE}NodeDaemonEndpoints`]: obj('NodeDaemonEndpoints lists ports opened by daemons running on the Node.', {
    kubeletEndpoint: refV(`${CORE}DaemonEndpoint`, 'Endpoint on which Kubelet is listening.'),
  }),
  [`${CORE}NodeSystemInfo`]: obj(
    'NodeSystemInfo is a set of ids/uuids to uniquely identify the node.',
    {
      architecture: strDef('The Architecture reported by the node'),
      bootID: strDef('Boot ID reported by the node.'),
      containerRuntimeVersion: strDef('ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).'),
      kernelVersion: strDef("Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64)."),
      kubeProxyVersion: strDef('Deprecated: KubeProxy Version reported by the node.'),
      kubeletVersion: strDef('Kubelet Version reported by the node.'),
      machineID: strDef('MachineID reported by the node. For unique machine identification in the cluster this field is preferred.'),
      operatingSystem: strDef('The Operating System reported by the node'),
      osImage: strDef('OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).'),
      systemUUID: strDef('SystemUUID reported by the node. For unique machine identification MachineID is preferred.'),
    },
    ['machineID', 'systemUUID', 'bootID', 'kernelVersion', 'osImage', 'containerRuntimeVersion', 'kubeletVersion', 'kubeProxyVersion', 'operatingSystem', 'architecture'],
  ),
  [`${CORE}ContainerImage`]: obj('Describe a container image', {
    names: strArr('Names by which this image is known. e.g. ["kubernetes.example/hyperkube:v1.0.7", "cloud-vendor.registry.example/cloud-vendor/hyperkube:v1.0.7"]'),
    sizeBytes: int64('The size of the image in bytes.'),
  }),
  [`${CORE}AttachedVolume`]: obj(
    'AttachedVolume describes a volume attached to a node',
    { devicePath: strDef('DevicePath represents the device path where the volume should be available'), name: strDef('Name of the attached volume') },
    ['name', 'devicePath'],
  ),
  [`${CORE}NodeStatus`]: obj('NodeStatus is information about the current status of a node.', {
    addresses: refArr(`${CORE}NodeAddress`, 'List of addresses reachable to the node. Queried from cloud provider, if available.', {
      listType: 'atomic',
      mergeKey: 'type',
      strategy: 'merge',
    }),
    allocatable: quantityMap('Allocatable represents the resources of a node that are available for scheduling. Defaults to Capacity.'),
    capacity: quantityMap('Capacity represents the total resources of a node.'),
    conditions: refArr(`${CORE}NodeCondition`, 'Conditions is an array of current observed node conditions.', { listType: 'map', mapKeys: ['type'], mergeKey: 'type', strategy: 'merge' }),
    daemonEndpoints: refV(`${CORE}NodeDaemonEndpoints`, 'Endpoints of daemons running on the Node.'),
    images: refArr(`${CORE}ContainerImage`, 'List of container images on this node'),
    nodeInfo: refV(`${CORE}NodeSystemInfo`, 'Set of ids/uuids to uniquely identify the node.'),
    phase: str('NodePhase is the recently observed lifecycle phase of the node. Deprecated: this field is never populated.'),
    volumesAttached: refArr(`${CORE}AttachedVolume`, 'List of volumes that are attached to the node.'),
    volumesInUse: strArr('List of attachable volumes in use (mounted) by the node.'),
  }),
  [`${CORE}Node`]: kindObject('', 'v1', 'Node', 'Node is a worker node in Kubernetes. Each node will have a unique identifier in the cache (i.e. in etcd).', {
    spec: ref(`${CORE}NodeSpec`, 'Spec defines the behavior of a node.'),
    status: ref(`${CORE}NodeStatus`, 'Most recently observed status of the node. Populated by the system. Read-only.'),
  }),
  [`${CORE}NodeList`]: listKind('', 'v1', 'NodeList', `${CORE}Node`, 'NodeList is the whole list of all Nodes which have been registered with master.'),
});

// ---- core/v1: Namespace, Event, Service ----

Object.assign(core, {
  [`${CORE}NamespaceSpec`]: obj('NamespaceSpec describes the attributes on a Namespace.', {
    finalizers: strArr('Finalizers is an opaque list of values that must be empty to permanently remove object from storage.'),
  }),
  [`${CORE}NamespaceCondition`]: obj(
    'NamespaceCondition contains details about state of namespace.',
    {
      lastTransitionTime: time('Last time the condition transitioned from one status to another.'),
      message: str('Human-readable message indicating details about last transition.'),
      reason: str("Unique, one-word, CamelCase reason for the condition's last transition."),
      status: strDef(CONDITION_STATUS),
      type: strDef('Type of namespace controller condition.'),
    },
    ['type', 'status'],
  ),
  [`${CORE}NamespaceStatus`]: obj('NamespaceStatus is information about the current status of a Namespace.', {
    conditions: refArr(`${CORE}NamespaceCondition`, "Represents the latest available observations of a namespace's current state.", {
      listType: 'map',
      mapKeys: ['type'],
      mergeKey: 'type',
      strategy: 'merge',
    }),
    phase: enumStr('Phase is the current lifecycle phase of the namespace.', {
      Active: 'means the namespace is available for use in the system',
      Terminating: 'means the namespace is undergoing graceful termination',
    }),
  }),
  [`${CORE}Namespace`]: kindObject('', 'v1', 'Namespace', 'Namespace provides a scope for Names. Use of multiple namespaces is optional.', {
    spec: ref(`${CORE}NamespaceSpec`, 'Spec defines the behavior of the Namespace.'),
    status: ref(`${CORE}NamespaceStatus`, 'Status describes the current status of a Namespace.'),
  }),
  [`${CORE}NamespaceList`]: listKind('', 'v1', 'NamespaceList', `${CORE}Namespace`, 'NamespaceList is a list of Namespaces.'),
  [`${CORE}EventSource`]: obj('EventSource contains information for an event.', {
    component: str('Component from which the event is generated.'),
    host: str('Node name on which the event is generated.'),
  }),
  [`${CORE}EventSeries`]: obj('EventSeries contain information on series of events, i.e. thing that was/is happening continuously for some time.', {
    count: int32('Number of occurrences in this series up to the last heartbeat time'),
    lastObservedTime: microTime('Time of the last occurrence observed'),
  }),
  [`${CORE}Event`]: kindObject(
    '',
    'v1',
    'Event',
    'Event is a report of an event somewhere in the cluster.  Events have a limited retention time and triggers and messages may evolve with time.',
    {
      action: str('What action was taken/failed regarding to the Regarding object.'),
      count: int32('The number of times this event has occurred.'),
      eventTime: microTime('Time when this Event was first observed.'),
      firstTimestamp: time('The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)'),
      involvedObject: refV(`${CORE}ObjectReference`, 'The object that this event is about.'),
      lastTimestamp: time('The time at which the most recent occurrence of this event was recorded.'),
      message: str('A human-readable description of the status of this operation.'),
      reason: str("This should be a short, machine understandable string that gives the reason for the transition into the object's current status."),
      related: ref(`${CORE}ObjectReference`, 'Optional secondary object for more complex actions.'),
      reportingComponent: strDef('Name of the controller that emitted this Event, e.g. `kubernetes.io/kubelet`.'),
      reportingInstance: strDef('ID of the controller instance, e.g. `kubelet-xyzf`.'),
      series: ref(`${CORE}EventSeries`, "Data about the Event series this event represents or nil if it's a singleton Event."),
      source: refV(`${CORE}EventSource`, 'The component reporting this event. Should be a short machine understandable string.'),
      type: str('Type of this event (Normal, Warning), new types could be added in the future'),
    },
    ['metadata', 'involvedObject'],
  ),
  [`${CORE}EventList`]: listKind('', 'v1', 'EventList', `${CORE}Event`, 'EventList is a list of events.'),
  [`${CORE}ServicePort`]: obj(
    "ServicePort contains information on service's port.",
    {
      appProtocol: str('The application protocol for this port. This is used as a hint for implementations to offer richer behavior for protocols that they understand.'),
      name: str('The name of this port within the service. This must be a DNS_LABEL. All ports within a ServiceSpec must have unique names.'),
      nodePort: int32('The port on each node on which this service is exposed when type is NodePort or LoadBalancer.'),
      port: int32('The port that will be exposed by this service.', { default: 0 }),
      protocol: enumStr('The IP protocol for this port. Supports "TCP", "UDP", and "SCTP". Default is TCP.', PROTOCOLS, { default: 'TCP' }),
      targetPort: ref(INT_OR_STRING, "Number or name of the port to access on the pods targeted by the service. If this is not specified, the value of the 'port' field is used (an identity map)."),
    },
    ['port'],
  ),
  [`${CORE}ServiceSpec`]: obj('ServiceSpec describes the attributes that a user creates on a service.', {
    clusterIP: str('clusterIP is the IP address of the service and is usually assigned randomly. "None" makes a headless service.'),
    clusterIPs: strArr('ClusterIPs is a list of IP addresses assigned to this service, and are usually assigned randomly.'),
    externalIPs: strArr('externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.'),
    externalName: str('externalName is the external reference that discovery mechanisms will return as an alias for this service (e.g. a DNS CNAME record). Requires `type` to be "ExternalName".'),
    externalTrafficPolicy: str('externalTrafficPolicy describes how nodes distribute service traffic they receive on one of the Service\'s "externally-facing" addresses: Cluster or Local.'),
    internalTrafficPolicy: str('InternalTrafficPolicy describes how nodes distribute service traffic they receive on the ClusterIP: Cluster or Local.'),
    ipFamilies: strArr('IPFamilies is a list of IP families (e.g. IPv4, IPv6) assigned to this service.'),
    ipFamilyPolicy: str('IPFamilyPolicy represents the dual-stack-ness requested or required by this Service: SingleStack, PreferDualStack or RequireDualStack.'),
    ports: refArr(`${CORE}ServicePort`, 'The list of ports that are exposed by this service.', {
      listType: 'map',
      mapKeys: ['port', 'protocol'],
      mergeKey: 'port',
      strategy: 'merge',
    }),
    publishNotReadyAddresses: bool('publishNotReadyAddresses indicates that any agent which deals with endpoints for this Service should disregard any indications of ready/not-ready.'),
    selector: {
      ...strMap('Route service traffic to pods with label keys and values matching this selector. If empty or not present, the service is assumed to have an external process managing its endpoints.'),
      'x-kubernetes-map-type': 'atomic',
    },
    sessionAffinity: str('Supports "ClientIP" and "None". Used to maintain session affinity. Defaults to None.'),
    sessionAffinityConfig: ref(`${CORE}SessionAffinityConfig`, 'sessionAffinityConfig contains the configurations of session affinity.'),
    loadBalancerSourceRanges: strArr('If specified and supported by the platform, this will restrict traffic through the cloud-provider load-balancer will be restricted to the specified client IPs.'),
    type: enumStr('type determines how the Service is exposed. Defaults to ClusterIP.', {
      ClusterIP: 'means a service will only be accessible inside the cluster, via the cluster IP.',
      ExternalName: 'means a service consists of only a reference to an external name that kubedns or equivalent will return as a CNAME record, with no exposing or proxying of any pods involved.',
      LoadBalancer: 'means a service will be exposed via an external load balancer (if the cloud provider supports it), in addition to \'NodePort\' type.',
      NodePort: "means a service will be exposed on one port of every node, in addition to 'ClusterIP' type.",
    }),
  }),
  [`${CORE}ClientIPConfig`]: obj('ClientIPConfig represents the configurations of Client IP based session affinity.', {
    timeoutSeconds: int32('timeoutSeconds specifies the seconds of ClientIP type session sticky time. The value must be >0 && <=86400(for 1 day) if ServiceAffinity == "ClientIP". Default value is 10800(for 3 hours).'),
  }),
  [`${CORE}SessionAffinityConfig`]: obj('SessionAffinityConfig represents the configurations of session affinity.', {
    clientIP: ref(`${CORE}ClientIPConfig`, 'clientIP contains the configurations of Client IP based session affinity.'),
  }),
  [`${CORE}LoadBalancerIngress`]: obj('LoadBalancerIngress represents the status of a load-balancer ingress point.', {
    hostname: str('Hostname is set for load-balancer ingress points that are DNS based.'),
    ip: str('IP is set for load-balancer ingress points that are IP based.'),
    ipMode: str('IPMode specifies how the load-balancer IP behaves: VIP or Proxy.'),
  }),
  [`${CORE}LoadBalancerStatus`]: obj('LoadBalancerStatus represents the status of a load-balancer.', {
    ingress: refArr(`${CORE}LoadBalancerIngress`, 'Ingress is a list containing ingress points for the load-balancer.'),
  }),
  [`${CORE}ServiceStatus`]: obj('ServiceStatus represents the current status of a service.', {
    conditions: refArr(`${META}Condition`, 'Current service state', { listType: 'map', mapKeys: ['type'], mergeKey: 'type', strategy: 'merge' }),
    loadBalancer: refV(`${CORE}LoadBalancerStatus`, 'LoadBalancer contains the current status of the load-balancer, if one is present.'),
  }),
  [`${CORE}Service`]: kindObject(
    '',
    'v1',
    'Service',
    'Service is a named abstraction of software service (for example, mysql) consisting of local port (for example 3306) that the proxy listens on, and the selector that determines which pods will answer requests sent through the proxy.',
    {
      spec: ref(`${CORE}ServiceSpec`, 'Spec defines the behavior of a service.'),
      status: ref(`${CORE}ServiceStatus`, 'Most recently observed status of the service. Populated by the system. Read-only.'),
    },
  ),
  [`${CORE}ServiceList`]: listKind('', 'v1', 'ServiceList', `${CORE}Service`, 'ServiceList holds a list of services.'),
});

// ---- core/v1: Secret, ConfigMap, ServiceAccount ----

Object.assign(core, {
  [`${CORE}Secret`]: kindObject(
    '',
    'v1',
    'Secret',
    'Secret holds secret data of a certain type. The total bytes of the values in the Data field must be less than MaxSecretSize bytes.',
    {
      data: bytesMap(
        "Data contains the secret data. Each key must consist of alphanumeric characters, '-', '_' or '.'. The serialized form of the secret data is a base64 encoded string, representing the arbitrary (possibly non-string) data value here. Described in https://tools.ietf.org/html/rfc4648#section-4",
      ),
      immutable: bool('Immutable, if set to true, ensures that data stored in the Secret cannot be updated (only object metadata can be modified). If not set to true, the field can be modified at any time. Defaulted to nil.'),
      stringData: strMap(
        'stringData allows specifying non-binary secret data in string form. It is provided as a write-only input field for convenience. All keys and values are merged into the data field on write, overwriting any existing values. The stringData field is never output when reading from the API.',
      ),
      type: str('Used to facilitate programmatic handling of secret data. More info: https://kubernetes.io/docs/concepts/configuration/secret/#secret-types'),
    },
  ),
  [`${CORE}SecretList`]: listKind('', 'v1', 'SecretList', `${CORE}Secret`, 'SecretList is a list of Secret.'),
  [`${CORE}ConfigMap`]: kindObject('', 'v1', 'ConfigMap', 'ConfigMap holds configuration data for pods to consume.', {
    binaryData: bytesMap(
      "BinaryData contains the binary data. Each key must consist of alphanumeric characters, '-', '_' or '.'. BinaryData can contain byte sequences that are not in the UTF-8 range. The keys stored in BinaryData must not overlap with the ones in the Data field, this is enforced during validation process.",
    ),
    data: strMap(
      "Data contains the configuration data. Each key must consist of alphanumeric characters, '-', '_' or '.'. Values with non-UTF-8 byte sequences must use the BinaryData field. The keys stored in Data must not overlap with the keys in the BinaryData field, this is enforced during validation process.",
    ),
    immutable: bool('Immutable, if set to true, ensures that data stored in the ConfigMap cannot be updated (only object metadata can be modified). If not set to true, the field can be modified at any time. Defaulted to nil.'),
  }),
  [`${CORE}ConfigMapList`]: listKind('', 'v1', 'ConfigMapList', `${CORE}ConfigMap`, 'ConfigMapList is a resource containing a list of ConfigMap objects.'),
  [`${CORE}ServiceAccount`]: kindObject(
    '',
    'v1',
    'ServiceAccount',
    'ServiceAccount binds together: * a name, understood by users, and perhaps by peripheral systems, for an identity * a principal that can be authenticated and authorized * a set of secrets',
    {
      automountServiceAccountToken: bool(
        'AutomountServiceAccountToken indicates whether pods running as this service account should have an API token automatically mounted. Can be overridden at the pod level.',
      ),
      imagePullSecrets: refArr(
        `${CORE}LocalObjectReference`,
        'ImagePullSecrets is a list of references to secrets in the same namespace to use for pulling any images in pods that reference this ServiceAccount.',
      ),
      secrets: refArr(
        `${CORE}ObjectReference`,
        'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use. This field should not be used to find auto-generated service account token secrets for use outside of pods; tokens can be requested directly using the TokenRequest API. More info: https://kubernetes.io/docs/concepts/configuration/secret',
        { listType: 'map', mapKeys: ['name'], mergeKey: 'name', strategy: 'merge' },
      ),
    },
  ),
  [`${CORE}ServiceAccountList`]: listKind('', 'v1', 'ServiceAccountList', `${CORE}ServiceAccount`, 'ServiceAccountList is a list of ServiceAccount objects'),
});

meta[`${META}Condition`] = obj(
  'Condition contains details for one aspect of the current state of this API Resource.',
  {
    lastTransitionTime: time('lastTransitionTime is the last time the condition transitioned from one status to another.'),
    message: strDef('message is a human readable message indicating details about the transition. This may be an empty string.'),
    observedGeneration: int64('observedGeneration represents the .metadata.generation that the condition was set based upon.'),
    reason: strDef("reason contains a programmatic identifier indicating the reason for the condition's last transition."),
    status: strDef('status of the condition, one of True, False, Unknown.'),
    type: strDef('type of condition in CamelCase or in foo.example.com/CamelCase.'),
  },
  ['type', 'status', 'lastTransitionTime', 'reason', 'message'],
);

// ---- coordination.k8s.io/v1 ----

const coordination: Record<string, Schema> = {
  [`${COORD}LeaseSpec`]: obj('LeaseSpec is a specification of a Lease.', {
    acquireTime: microTime('acquireTime is a time when the current lease was acquired.'),
    holderIdentity: str('holderIdentity contains the identity of the holder of a current lease.'),
    leaseDurationSeconds: int32('leaseDurationSeconds is a duration that candidates for a lease need to wait to force acquire it. This is measured against the time of last observed renewTime.'),
    leaseTransitions: int32('leaseTransitions is the number of transitions of a lease between holders.'),
    preferredHolder: str('PreferredHolder signals to a lease holder that the lease has a more optimal holder and should be given up. This field can only be set if Strategy is also set.'),
    renewTime: microTime('renewTime is a time when the current holder of a lease has last updated the lease.'),
    strategy: str('Strategy indicates the strategy for picking the leader for coordinated leader election.'),
  }),
  [`${COORD}Lease`]: kindObject('coordination.k8s.io', 'v1', 'Lease', 'Lease defines a lease concept.', {
    spec: ref(`${COORD}LeaseSpec`, 'spec contains the specification of the Lease.'),
  }),
  [`${COORD}LeaseList`]: listKind('coordination.k8s.io', 'v1', 'LeaseList', `${COORD}Lease`, 'LeaseList is a list of Lease objects.'),
};

// ---- certificates.k8s.io/v1 ----

const certificates: Record<string, Schema> = {
  [`${CERTS}CertificateSigningRequestSpec`]: obj(
    'CertificateSigningRequestSpec contains the certificate request.',
    {
      expirationSeconds: int32('expirationSeconds is the requested duration of validity of the issued certificate. The minimum valid value is 600 (10 minutes).'),
      extra: {
        type: 'object',
        additionalProperties: { type: 'array', items: { type: 'string', default: '' } },
        description: 'extra contains extra attributes of the user that created the CertificateSigningRequest. Populated by the API server on creation and immutable.',
      },
      groups: strArr('groups contains group membership of the user that created the CertificateSigningRequest. Populated by the API server on creation and immutable.'),
      request: bytesField('request contains an x509 certificate signing request encoded in a "CERTIFICATE REQUEST" PEM block. When serialized as JSON or YAML, the data is additionally base64-encoded.'),
      signerName: strDef('signerName indicates the requested signer, and is a qualified name. List/watch requests for CertificateSigningRequests can filter on this field using a "spec.signerName=NAME" fieldSelector.'),
      uid: str('uid contains the uid of the user that created the CertificateSigningRequest. Populated by the API server on creation and immutable.'),
      usages: strArr('usages specifies a set of key usages requested in the issued certificate. Requests for TLS client certificates typically request: "digital signature", "key encipherment", "client auth".'),
      username: str('username contains the name of the user that created the CertificateSigningRequest. Populated by the API server on creation and immutable.'),
    },
    ['request', 'signerName'],
  ),
  [`${CERTS}CertificateSigningRequestCondition`]: obj(
    'CertificateSigningRequestCondition describes a condition of a CertificateSigningRequest object',
    {
      lastTransitionTime: time('lastTransitionTime is the time the condition last transitioned from one status to another. If unset, when a new condition type is added or an existing condition\'s status is changed, the server defaults this to the current time.'),
      lastUpdateTime: time('lastUpdateTime is the time of the last update to this condition'),
      message: str('message contains a human readable message with details about the request state'),
      reason: str('reason indicates a brief reason for the request state'),
      status: strDef('status of the condition, one of True, False, Unknown. Approved, Denied, and Failed conditions may not be "False" or "Unknown".'),
      type: strDef('type of the condition. Known conditions are "Approved", "Denied", and "Failed".'),
    },
    ['type', 'status'],
  ),
  [`${CERTS}CertificateSigningRequestStatus`]: obj('CertificateSigningRequestStatus contains conditions used to indicate approved/denied/failed status of the request, and the issued certificate.', {
    certificate: {
      ...bytesField('certificate is populated with an issued certificate by the signer after an Approved condition is present. This field is set via the /status subresource.'),
      'x-kubernetes-list-type': 'atomic',
    },
    conditions: refArr(`${CERTS}CertificateSigningRequestCondition`, 'conditions applied to the request. Known conditions are "Approved", "Denied", and "Failed".', {
      listType: 'map',
      mapKeys: ['type'],
    }),
  }),
  [`${CERTS}CertificateSigningRequest`]: kindObject(
    'certificates.k8s.io',
    'v1',
    'CertificateSigningRequest',
    'CertificateSigningRequest objects provide a mechanism to obtain x509 certificates by submitting a certificate signing request, and having it asynchronously approved and issued.',
    {
      spec: refV(`${CERTS}CertificateSigningRequestSpec`, 'spec contains the certificate request, and is immutable after creation. Only the request, signerName, expirationSeconds, and usages fields can be set on creation.'),
      status: refV(`${CERTS}CertificateSigningRequestStatus`, 'status contains information about whether the request is approved or denied, and the certificate issued by the signer, or the failure condition indicating signer failure.'),
    },
    ['spec'],
  ),
  [`${CERTS}CertificateSigningRequestList`]: listKind(
    'certificates.k8s.io',
    'v1',
    'CertificateSigningRequestList',
    `${CERTS}CertificateSigningRequest`,
    'CertificateSigningRequestList is a collection of CertificateSigningRequest objects',
  ),
};

// ---- rbac.authorization.k8s.io/v1 ----

const RBAC_G = 'rbac.authorization.k8s.io';
const SUBJECTS_DOC = 'Subjects holds references to the objects the role applies to.';
const rbac: Record<string, Schema> = {
  [`${RBAC}PolicyRule`]: obj(
    'PolicyRule holds information that describes a policy rule, but does not contain information about who the rule applies to or which namespace the rule applies to.',
    {
      apiGroups: strArr('APIGroups is the name of the APIGroup that contains the resources.  If multiple API groups are specified, any action requested against one of the enumerated resources in any API group will be allowed. "" represents the core API group and "*" represents all API groups.'),
      nonResourceURLs: strArr('NonResourceURLs is a set of partial urls that a user should have access to.  *s are allowed, but only as the full, final step in the path. Rules can either apply to API resources (such as "pods" or "secrets") or non-resource URL paths (such as "/api"),  but not both.'),
      resourceNames: strArr('ResourceNames is an optional white list of names that the rule applies to.  An empty set means that everything is allowed.'),
      resources: strArr("Resources is a list of resources this rule applies to. '*' represents all resources."),
      verbs: strArr("Verbs is a list of Verbs that apply to ALL the ResourceKinds contained in this rule. '*' represents all verbs."),
    },
    ['verbs'],
  ),
  [`${RBAC}AggregationRule`]: obj('AggregationRule describes how to locate ClusterRoles to aggregate into the ClusterRole', {
    clusterRoleSelectors: refArr(`${META}LabelSelector`, "ClusterRoleSelectors holds a list of selectors which will be used to find ClusterRoles and create the rules. If any of the selectors match, then the ClusterRole's permissions will be added"),
  }),
  [`${RBAC}RoleRef`]: obj(
    'RoleRef contains information that points to the role being used',
    {
      apiGroup: strDef('APIGroup is the group for the resource being referenced'),
      kind: strDef('Kind is the type of resource being referenced'),
      name: strDef('Name is the name of resource being referenced'),
    },
    ['apiGroup', 'kind', 'name'],
    { 'x-kubernetes-map-type': 'atomic' },
  ),
  [`${RBAC}Subject`]: obj(
    'Subject contains a reference to the object or user identities a role binding applies to.  This can either hold a direct API object reference, or a value for non-objects such as user and group names.',
    {
      apiGroup: str('APIGroup holds the API group of the referenced subject. Defaults to "" for ServiceAccount subjects. Defaults to "rbac.authorization.k8s.io" for User and Group subjects.'),
      kind: strDef('Kind of object being referenced. Values defined by this API group are "User", "Group", and "ServiceAccount". If the Authorizer does not recognized the kind value, the Authorizer should report an error.'),
      name: strDef('Name of the object being referenced.'),
      namespace: str('Namespace of the referenced object.  If the object kind is non-namespace, such as "User" or "Group", and this value is not empty the Authorizer should report an error.'),
    },
    ['kind', 'name'],
    { 'x-kubernetes-map-type': 'atomic' },
  ),
  [`${RBAC}Role`]: kindObject(RBAC_G, 'v1', 'Role', 'Role is a namespaced, logical grouping of PolicyRules that can be referenced as a unit by a RoleBinding.', {
    rules: refArr(`${RBAC}PolicyRule`, 'Rules holds all the PolicyRules for this Role'),
  }),
  [`${RBAC}RoleList`]: listKind(RBAC_G, 'v1', 'RoleList', `${RBAC}Role`, 'RoleList is a collection of Roles'),
  [`${RBAC}ClusterRole`]: kindObject(RBAC_G, 'v1', 'ClusterRole', 'ClusterRole is a cluster level, logical grouping of PolicyRules that can be referenced as a unit by a RoleBinding or ClusterRoleBinding.', {
    aggregationRule: ref(`${RBAC}AggregationRule`, 'AggregationRule is an optional field that describes how to build the Rules for this ClusterRole. If AggregationRule is set, then the Rules are controller managed and direct changes to Rules will be stomped by the controller.'),
    rules: refArr(`${RBAC}PolicyRule`, 'Rules holds all the PolicyRules for this ClusterRole'),
  }),
  [`${RBAC}ClusterRoleList`]: listKind(RBAC_G, 'v1', 'ClusterRoleList', `${RBAC}ClusterRole`, 'ClusterRoleList is a collection of ClusterRoles'),
  [`${RBAC}RoleBinding`]: kindObject(
    RBAC_G,
    'v1',
    'RoleBinding',
    'RoleBinding references a role, but does not contain it.  It can reference a Role in the same namespace or a ClusterRole in the global namespace. It adds who information via Subjects and namespace information by which namespace it exists in.  RoleBindings in a given namespace only have effect in that namespace.',
    {
      roleRef: refV(`${RBAC}RoleRef`, 'RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error. This field is immutable.'),
      subjects: refArr(`${RBAC}Subject`, SUBJECTS_DOC),
    },
    ['roleRef'],
  ),
  [`${RBAC}RoleBindingList`]: listKind(RBAC_G, 'v1', 'RoleBindingList', `${RBAC}RoleBinding`, 'RoleBindingList is a collection of RoleBindings'),
  [`${RBAC}ClusterRoleBinding`]: kindObject(
    RBAC_G,
    'v1',
    'ClusterRoleBinding',
    'ClusterRoleBinding references a ClusterRole, but not contain it.  It can reference a ClusterRole in the global namespace, and adds who information via Subject.',
    {
      roleRef: refV(`${RBAC}RoleRef`, 'RoleRef can only reference a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error. This field is immutable.'),
      subjects: refArr(`${RBAC}Subject`, SUBJECTS_DOC),
    },
    ['roleRef'],
  ),
  [`${RBAC}ClusterRoleBindingList`]: listKind(RBAC_G, 'v1', 'ClusterRoleBindingList', `${RBAC}ClusterRoleBinding`, 'ClusterRoleBindingList is a collection of ClusterRoleBindings'),
};

// ---- authorization.k8s.io/v1 ----

const AUTHZ_G = 'authorization.k8s.io';
const extraMap = (description: string): Schema => ({ type: 'object', additionalProperties: { type: 'array', items: { type: 'string', default: '' } }, description });
const authorization: Record<string, Schema> = {
  [`${AUTHZ}ResourceAttributes`]: obj('ResourceAttributes includes the authorization attributes available for resource requests to the Authorizer interface', {
    group: str('Group is the API Group of the Resource.  "*" means all.'),
    name: str('Name is the name of the resource being requested for a "get" or deleted for a "delete". "" (empty) means all.'),
    namespace: str('Namespace is the namespace of the action being requested.  Currently, there is no distinction between no namespace and all namespaces "" (empty) is defaulted for LocalSubjectAccessReviews "" (empty) is empty for cluster-scoped resources "" (empty) means "all" for namespace scoped resources from a SubjectAccessReview or SelfSubjectAccessReview'),
    resource: str('Resource is one of the existing resource types.  "*" means all.'),
    subresource: str('Subresource is one of the existing resource types.  "" means none.'),
    verb: str('Verb is a kubernetes resource API verb, like: get, list, watch, create, update, delete, proxy.  "*" means all.'),
    version: str('Version is the API Version of the Resource.  "*" means all.'),
    fieldSelector: { type: 'object', description: 'fieldSelector describes the limitation on access based on field.  It can only limit access, not broaden it.' },
    labelSelector: { type: 'object', description: 'labelSelector describes the limitation on access based on labels.  It can only limit access, not broaden it.' },
  }),
  [`${AUTHZ}NonResourceAttributes`]: obj('NonResourceAttributes includes the authorization attributes available for non-resource requests to the Authorizer interface', {
    path: str('Path is the URL path of the request'),
    verb: str('Verb is the standard HTTP verb'),
  }),
  [`${AUTHZ}SubjectAccessReviewSpec`]: obj('SubjectAccessReviewSpec is a description of the access request.  Exactly one of ResourceAuthorizationAttributes and NonResourceAuthorizationAttributes must be set', {
    extra: extraMap('Extra corresponds to the user.Info.GetExtra() method from the authenticator.  Since that is input to the authorizer it needs a reflection here.'),
    groups: strArr("Groups is the groups you're testing for."),
    nonResourceAttributes: ref(`${AUTHZ}NonResourceAttributes`, 'NonResourceAttributes describes information for a non-resource access request'),
    resourceAttributes: ref(`${AUTHZ}ResourceAttributes`, 'ResourceAuthorizationAttributes describes information for a resource access request'),
    uid: str('UID information about the requesting user.'),
    user: str('User is the user you\'re testing for. If you specify "User" but not "Groups", then is it interpreted as "What if User were not a member of any groups'),
  }),
  [`${AUTHZ}SelfSubjectAccessReviewSpec`]: obj('SelfSubjectAccessReviewSpec is a description of the access request.  Exactly one of ResourceAuthorizationAttributes and NonResourceAuthorizationAttributes must be set', {
    nonResourceAttributes: ref(`${AUTHZ}NonResourceAttributes`, 'NonResourceAttributes describes information for a non-resource access request'),
    resourceAttributes: ref(`${AUTHZ}ResourceAttributes`, 'ResourceAuthorizationAttributes describes information for a resource access request'),
  }),
  [`${AUTHZ}SubjectAccessReviewStatus`]: obj(
    'SubjectAccessReviewStatus',
    {
      allowed: bool('Allowed is required. True if the action would be allowed, false otherwise.', { default: false }),
      denied: bool('Denied is optional. True if the action would be denied, otherwise false. If both allowed is false and denied is false, then the authorizer has no opinion on whether to authorize the action. Denied may not be true if Allowed is true.'),
      evaluationError: str('EvaluationError is an indication that some error occurred during the authorization check. It is entirely possible to get an error and be able to continue determine authorization status in spite of it. For instance, RBAC can be missing a role, but enough roles are still present and bound to reason about the request.'),
      reason: str('Reason is optional.  It indicates why a request was allowed or denied.'),
    },
    ['allowed'],
  ),
  [`${AUTHZ}SubjectAccessReview`]: kindObject(AUTHZ_G, 'v1', 'SubjectAccessReview', 'SubjectAccessReview checks whether or not a user or group can perform an action.', {
    spec: refV(`${AUTHZ}SubjectAccessReviewSpec`, 'Spec holds information about the request being evaluated'),
    status: refV(`${AUTHZ}SubjectAccessReviewStatus`, 'Status is filled in by the server and indicates whether the request is allowed or not'),
  }, ['spec']),
  [`${AUTHZ}LocalSubjectAccessReview`]: kindObject(AUTHZ_G, 'v1', 'LocalSubjectAccessReview', 'LocalSubjectAccessReview checks whether or not a user or group can perform an action in a given namespace. Having a namespace scoped resource makes it much easier to grant namespace scoped policy that includes permissions checking.', {
    spec: refV(`${AUTHZ}SubjectAccessReviewSpec`, 'Spec holds information about the request being evaluated.  spec.namespace must be equal to the namespace you made the request against.  If empty, it is defaulted.'),
    status: refV(`${AUTHZ}SubjectAccessReviewStatus`, 'Status is filled in by the server and indicates whether the request is allowed or not'),
  }, ['spec']),
  [`${AUTHZ}SelfSubjectAccessReview`]: kindObject(AUTHZ_G, 'v1', 'SelfSubjectAccessReview', 'SelfSubjectAccessReview checks whether or the current user can perform an action.  Not filling in a spec.namespace means "in all namespaces".  Self is a special case, because users should always be able to check whether they can perform an action', {
    spec: refV(`${AUTHZ}SelfSubjectAccessReviewSpec`, 'Spec holds information about the request being evaluated.  user and groups must be empty'),
    status: refV(`${AUTHZ}SubjectAccessReviewStatus`, 'Status is filled in by the server and indicates whether the request is allowed or not'),
  }, ['spec']),
  [`${AUTHZ}SelfSubjectRulesReviewSpec`]: obj('SelfSubjectRulesReviewSpec defines the specification for SelfSubjectRulesReview.', {
    namespace: str('Namespace to evaluate rules for. Required.'),
  }),
  [`${AUTHZ}ResourceRule`]: obj(
    "ResourceRule is the list of actions the subject is allowed to perform on resources. The list ordering isn't significant, may contain duplicates, and possibly be incomplete.",
    {
      apiGroups: strArr('APIGroups is the name of the APIGroup that contains the resources.  If multiple API groups are specified, any action requested against one of the enumerated resources in any API group will be allowed.  "*" means all.'),
      resourceNames: strArr('ResourceNames is an optional white list of names that the rule applies to.  An empty set means that everything is allowed.  "*" means all.'),
      resources: strArr('Resources is a list of resources this rule applies to.  "*" means all in the specified apiGroups.\n "*/foo" represents the subresource \'foo\' for all resources in the specified apiGroups.'),
      verbs: strArr('Verb is a list of kubernetes resource API verbs, like: get, list, watch, create, update, delete, proxy.  "*" means all.'),
    },
    ['verbs'],
  ),
  [`${AUTHZ}NonResourceRule`]: obj(
    'NonResourceRule holds information that describes a rule for the non-resource',
    {
      nonResourceURLs: strArr('NonResourceURLs is a set of partial urls that a user should have access to.  *s are allowed, but only as the full, final step in the path.  "*" means all.'),
      verbs: strArr('Verb is a list of kubernetes non-resource API verbs, like: get, post, put, delete, patch, head, options.  "*" means all.'),
    },
    ['verbs'],
  ),
  [`${AUTHZ}SubjectRulesReviewStatus`]: obj(
    "SubjectRulesReviewStatus contains the result of a rules check. This check can be incomplete depending on the set of authorizers the server is configured with and any errors experienced during evaluation. Because authorization rules are additive, if a rule appears in a list it's safe to assume the subject has that permission, even if that list is incomplete.",
    {
      evaluationError: str("EvaluationError can appear in combination with Rules. It indicates an error occurred during rule evaluation, such as an authorizer that doesn't support rule evaluation, and that ResourceRules and/or NonResourceRules may be incomplete."),
      incomplete: bool("Incomplete is true when the rules returned by this call are incomplete. This is most commonly encountered when an authorizer, such as an external authorizer, doesn't support rules evaluation.", { default: false }),
      nonResourceRules: refArr(`${AUTHZ}NonResourceRule`, "NonResourceRules is the list of actions the subject is allowed to perform on non-resources. The list ordering isn't significant, may contain duplicates, and possibly be incomplete."),
      resourceRules: refArr(`${AUTHZ}ResourceRule`, "ResourceRules is the list of actions the subject is allowed to perform on resources. The list ordering isn't significant, may contain duplicates, and possibly be incomplete."),
    },
    ['resourceRules', 'nonResourceRules', 'incomplete'],
  ),
  [`${AUTHZ}SelfSubjectRulesReview`]: kindObject(AUTHZ_G, 'v1', 'SelfSubjectRulesReview', 'SelfSubjectRulesReview enumerates the set of actions the current user can perform within a namespace. The returned list of actions may be incomplete depending on the server\'s authorization mode, and any errors experienced during the evaluation. SelfSubjectRulesReview should be used by UIs to show/hide actions, or to quickly let an end user reason about their permissions. It should NOT Be used by external systems to drive authorization decisions as this raises confused deputy, cache lifetime/revocation, and correctness concerns. SubjectAccessReview, and LocalAccessReview are the correct way to defer authorization decisions to the API server.', {
    spec: refV(`${AUTHZ}SelfSubjectRulesReviewSpec`, 'Spec holds information about the request being evaluated.'),
    status: refV(`${AUTHZ}SubjectRulesReviewStatus`, 'Status is filled in by the server and indicates the set of actions a user can perform.'),
  }, ['spec']),
};

// ---- the registry ----

import { batchKinds, batchSchemas } from './schemas-batch.ts';

/** Every definition, keyed by its OpenAPI name. Treat as read-only. */
export const SCHEMAS: Readonly<Record<string, Schema>> = Object.freeze({ ...meta, ...core, ...certificates, ...coordination, ...rbac, ...authorization, ...APPS_SCHEMAS, ...batchSchemas(), ...POLICY_SCHEMAS, ...ENDPOINTS_SCHEMAS, ...DISCOVERY_SCHEMAS });

export type GroupVersion = 'v1' | 'apps/v1' | 'certificates.k8s.io/v1' | 'coordination.k8s.io/v1' | 'rbac.authorization.k8s.io/v1' | 'authorization.k8s.io/v1' | 'batch/v1' | 'policy/v1' | 'discovery.k8s.io/v1';

/** Served kinds per group-version, with their definition names. */
export const KINDS_BY_GROUP_VERSION: Readonly<Record<GroupVersion, Readonly<Record<string, string>>>> = {
  v1: {
    Pod: `${CORE}Pod`,
    PodList: `${CORE}PodList`,
    Binding: `${CORE}Binding`,
    Node: `${CORE}Node`,
    NodeList: `${CORE}NodeList`,
    Namespace: `${CORE}Namespace`,
    NamespaceList: `${CORE}NamespaceList`,
    Event: `${CORE}Event`,
    EventList: `${CORE}EventList`,
    Service: `${CORE}Service`,
    ServiceList: `${CORE}ServiceList`,
    ...ENDPOINTS_V1_KINDS,
    Secret: `${CORE}Secret`,
    SecretList: `${CORE}SecretList`,
    ConfigMap: `${CORE}ConfigMap`,
    ConfigMapList: `${CORE}ConfigMapList`,
    ServiceAccount: `${CORE}ServiceAccount`,
    ServiceAccountList: `${CORE}ServiceAccountList`,
    Status: `${META}Status`,
    DeleteOptions: `${META}DeleteOptions`,
    WatchEvent: `${META}WatchEvent`,
  },
  'apps/v1': APPS_V1_KINDS,
  'certificates.k8s.io/v1': {
    CertificateSigningRequest: `${CERTS}CertificateSigningRequest`,
    CertificateSigningRequestList: `${CERTS}CertificateSigningRequestList`,
    Status: `${META}Status`,
    DeleteOptions: `${META}DeleteOptions`,
    WatchEvent: `${META}WatchEvent`,
  },
  'coordination.k8s.io/v1': {
    Lease: `${COORD}Lease`,
    LeaseList: `${COORD}LeaseList`,
    Status: `${META}Status`,
    DeleteOptions: `${META}DeleteOptions`,
    WatchEvent: `${META}WatchEvent`,
  },
  'rbac.authorization.k8s.io/v1': {
    Role: `${RBAC}Role`,
    RoleList: `${RBAC}RoleList`,
    ClusterRole: `${RBAC}ClusterRole`,
    ClusterRoleList: `${RBAC}ClusterRoleList`,
    RoleBinding: `${RBAC}RoleBinding`,
    RoleBindingList: `${RBAC}RoleBindingList`,
    ClusterRoleBinding: `${RBAC}ClusterRoleBinding`,
    ClusterRoleBindingList: `${RBAC}ClusterRoleBindingList`,
    Status: `${META}Status`,
    DeleteOptions: `${META}DeleteOptions`,
    WatchEvent: `${META}WatchEvent`,
  },
  'policy/v1': POLICY_V1_KINDS,
  'authorization.k8s.io/v1': {
    SubjectAccessReview: `${AUTHZ}SubjectAccessReview`,
    LocalSubjectAccessReview: `${AUTHZ}LocalSubjectAccessReview`,
    SelfSubjectAccessReview: `${AUTHZ}SelfSubjectAccessReview`,
    SelfSubjectRulesReview: `${AUTHZ}SelfSubjectRulesReview`,
    Status: `${META}Status`,
    DeleteOptions: `${META}DeleteOptions`,
  },
  'batch/v1': batchKinds(),
  'discovery.k8s.io/v1': DISCOVERY_V1_KINDS,
};

/**
 * The definition name for a kind: accepts a definition name as is ("io.k8s.api.core.v1.Pod"), else looks the
 * kind up in the given apiVersion (default: every served group-version in order, core v1 first).
 */
export function schemaNameFor(kind: string, apiVersion?: string): string | undefined {
  if (kind in SCHEMAS) return kind;
  if (apiVersion !== undefined && Object.hasOwn(KINDS_BY_GROUP_VERSION, apiVersion)) return KINDS_BY_GROUP_VERSION[apiVersion as GroupVersion][kind];
  for (const kinds of Object.values(KINDS_BY_GROUP_VERSION)) if (Object.hasOwn(kinds, kind)) return kinds[kind];
  return undefined;
}

function collectRefs(value: unknown, out: Set<string>): void {
  if (Array.isArray(value)) {
    for (const v of value) collectRefs(v, out);
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string' && v.startsWith(REF_PREFIX)) {
        const name = v.slice(REF_PREFIX.length);
        if (!out.has(name)) {
          out.add(name);
          collectRefs(SCHEMAS[name], out);
        }
      } else {
        collectRefs(v, out);
      }
    }
  }
}

/**
 * The definitions one group-version's document needs: its kinds, everything they reference, and whatever
 * `extra` (e.g. the document's paths) references.
 */
export function schemasForGroupVersion(gv: GroupVersion, extra?: unknown): Record<string, Schema> {
  const names = new Set<string>();
  for (const name of Object.values(KINDS_BY_GROUP_VERSION[gv])) {
    names.add(name);
    collectRefs(SCHEMAS[name], names);
  }
  if (extra !== undefined) collectRefs(extra, names);
  const out: Record<string, Schema> = {};
  for (const name of [...names].sort()) out[name] = structuredClone(SCHEMAS[name]!);
  return out;
}

/** Resolve `{allOf:[{$ref}]}` / `{$ref}` wrappers to the referenced definition (one or more hops). */
export function resolveSchema(schema: Schema | undefined): Schema | undefined {
  let s = schema;
  for (let i = 0; s && i < 10; i++) {
    const r = typeof s.$ref === 'string' ? s.$ref : Array.isArray(s.allOf) && s.allOf.length === 1 ? (s.allOf[0] as Schema).$ref : undefined;
    if (typeof r !== 'string' || !r.startsWith(REF_PREFIX)) return s;
    s = SCHEMAS[r.slice(REF_PREFIX.length)];
  }
  return s;
}

/** The name of the definition a (wrapped) reference points to, if any. */
export function refName(schema: Schema | undefined): string | undefined {
  if (!schema) return undefined;
  const r = typeof schema.$ref === 'string' ? schema.$ref : Array.isArray(schema.allOf) && schema.allOf.length === 1 ? (schema.allOf[0] as Schema).$ref : undefined;
  return typeof r === 'string' && r.startsWith(REF_PREFIX) ? r.slice(REF_PREFIX.length) : undefined;
}
