/**
 * Patch and merge metadata of the built-in kinds, as data.
 *
 * One tree describes, for every field that needs more than the defaults:
 * - the strategic-merge-patch struct tags (`patchStrategy:"merge"`, `patchMergeKey:"name"`, `retainKeys`),
 *   used by strategic-merge-patch.ts;
 * - the server-side-apply list/map semantics (`+listType=atomic|set|map`, `+listMapKey=...`,
 *   `+structType=atomic`, `+mapType=atomic`), used by apiserver/fieldmanager;
 * - the same facts as OpenAPI vendor extensions (`openApiExtensions`), for apiserver/openapi.
 *
 * Everything not described is "deduced": objects merge field by field (granular), lists are atomic and
 * replaced as a whole, scalars are leaves. That is exactly what kube does for untagged fields, so the tables
 * only list lists with a strategy, atomic structs/maps, and string maps.
 *
 * Source: the struct tags and markers in k8s.io/api/core/v1/types.go, k8s.io/apimachinery/pkg/apis/meta/v1
 * (ObjectMeta, OwnerReference, LabelSelector) and k8s.io/api/coordination/v1 (Lease has no lists).
 */

/** `x-kubernetes-list-type`. */
export type ListType = 'atomic' | 'set' | 'map';

interface Tagged {
  /**
   * The `patchStrategy` struct tag of the field holding this value: 'merge', 'replace', 'retainKeys' or
   * 'merge,retainKeys'. Absent: lists replace, maps merge.
   */
  patchStrategy?: string;
  /** The `patchMergeKey` struct tag. */
  patchMergeKey?: string;
}

/** A Go struct: named fields; undeclared fields are deduced. */
export interface StructSchema extends Tagged {
  kind: 'struct';
  fields: Record<string, TypeSchema>;
  /** `+structType=atomic`: replaced and owned as a whole by server-side apply. */
  atomic?: boolean;
  /**
   * Root schemas only: the JSON of the kind's Go zero value (what a create starts from). Non-pointer
   * structs and fields without omitempty are present in it (`spec: {containers: null}` for a Pod), which
   * decides whether a create owns those nodes themselves (no `"."` in fieldsV1).
   */
  zero?: Record<string, unknown>;
}

/** A Go map[string]X (labels, annotations, data, resource lists). */
export interface MapSchema extends Tagged {
  kind: 'map';
  values: TypeSchema;
  /** `+mapType=atomic`. */
  atomic?: boolean;
}

export interface ListSchema extends Tagged {
  kind: 'list';
  items: TypeSchema;
  /** Server-side apply semantics. */
  listType: ListType;
  /** `+listMapKey` (listType map). */
  listMapKeys?: string[];
  /** Defaults of list-map keys that may be omitted (`+default="TCP"` on ports[].protocol). */
  keyDefaults?: Record<string, string | number>;
}

export interface ScalarSchema {
  kind: 'scalar';
}

/** No declared type: shape taken from the value (objects granular, lists atomic). */
export interface DeducedSchema {
  kind: 'deduced';
}

export type TypeSchema = StructSchema | MapSchema | ListSchema | ScalarSchema | DeducedSchema;

// ---- builders ----

export const scalar: ScalarSchema = { kind: 'scalar' };
export const deduced: DeducedSchema = { kind: 'deduced' };

const struct = (fields: Record<string, TypeSchema>, atomic = false): StructSchema =>
  atomic ? { kind: 'struct', fields, atomic: true } : { kind: 'struct', fields };
const atomicStruct = (): StructSchema => struct({}, true);
const stringMap = (atomic = false): MapSchema => (atomic ? { kind: 'map', values: scalar, atomic: true } : { kind: 'map', values: scalar });
const atomicList = (items: TypeSchema = deduced): ListSchema => ({ kind: 'list', items, listType: 'atomic' });

interface MergeListOptions {
  /** SSA keys when they differ from the merge key (ports: containerPort + protocol). */
  listMapKeys?: string[];
  keyDefaults?: Record<string, string | number>;
  retainKeys?: boolean;
  /** SSA list type when it is not `map` (hostIPs is merge-by-ip for SMP but atomic for SSA). */
  listType?: ListType;
}

/** `patchStrategy:"merge" patchMergeKey:<key>` + `+listType=map +listMapKey=<key>`. */
function mergeList(items: TypeSchema, key: string, opts: MergeListOptions = {}): ListSchema {
  const list: ListSchema = {
    kind: 'list',
    items,
    listType: opts.listType ?? 'map',
    patchStrategy: opts.retainKeys ? 'merge,retainKeys' : 'merge',
    patchMergeKey: key,
  };
  if (list.listType === 'map') list.listMapKeys = opts.listMapKeys ?? [key];
  if (opts.keyDefaults) list.keyDefaults = opts.keyDefaults;
  return list;
}

/** `+listType=map` without a patch strategy (SMP replaces the list, SSA merges it by key). */
function keyedList(items: TypeSchema, keys: string[]): ListSchema {
  return { kind: 'list', items, listType: 'map', listMapKeys: keys };
}

/** `patchStrategy:"merge"` on a list of scalars + `+listType=set`. */
const setList = (): ListSchema => ({ kind: 'list', items: scalar, listType: 'set', patchStrategy: 'merge' });

// ---- meta/v1 ----

export const ownerReferenceSchema = atomicStruct();
export const labelSelectorSchema = struct({ matchLabels: stringMap(), matchExpressions: atomicList() }, true);

export const objectMetaSchema = struct({
  labels: stringMap(),
  annotations: stringMap(),
  ownerReferences: mergeList(ownerReferenceSchema, 'uid'),
  finalizers: setList(),
  managedFields: atomicList(),
});

// ---- core/v1 building blocks ----

export const objectReferenceSchema = atomicStruct();
export const localObjectReferenceSchema = atomicStruct();
export const typedLocalObjectReferenceSchema = atomicStruct();

const nodeSelectorSchema = struct({ nodeSelectorTerms: atomicList() }, true);

const envVarSourceSchema = struct({
  fieldRef: atomicStruct(),
  resourceFieldRef: atomicStruct(),
  configMapKeyRef: atomicStruct(),
  secretKeyRef: atomicStruct(),
});

const resourceRequirementsSchema = struct({
  limits: stringMap(),
  requests: stringMap(),
  claims: keyedList(deduced, ['name']),
});

/** Fields shared by Container and EphemeralContainer. */
const containerFields: Record<string, TypeSchema> = {
  command: atomicList(scalar),
  args: atomicList(scalar),
  ports: mergeList(deduced, 'containerPort', { listMapKeys: ['containerPort', 'protocol'], keyDefaults: { protocol: 'TCP' } }),
  envFrom: atomicList(),
  env: mergeList(struct({ valueFrom: envVarSourceSchema }), 'name'),
  resources: resourceRequirementsSchema,
  resizePolicy: atomicList(),
  volumeMounts: mergeList(deduced, 'mountPath'),
  volumeDevices: mergeList(deduced, 'devicePath'),
};

export const containerSchema = struct(containerFields);
export const ephemeralContainerSchema = struct(containerFields);

const volumeSourceRefs = {
  secretRef: localObjectReferenceSchema,
};

export const volumeSchema = struct({
  // Volume sources: their lists are all atomic (the default); only the atomic references are listed.
  iscsi: struct(volumeSourceRefs),
  rbd: struct(volumeSourceRefs),
  cephfs: struct(volumeSourceRefs),
  flexVolume: struct(volumeSourceRefs),
  scaleIO: struct(volumeSourceRefs),
  storageos: struct(volumeSourceRefs),
  cinder: struct(volumeSourceRefs),
  csi: struct({ nodePublishSecretRef: localObjectReferenceSchema, volumeAttributes: stringMap() }),
  configMap: struct({ items: atomicList() }),
  secret: struct({ items: atomicList() }),
  downwardAPI: struct({ items: atomicList() }),
  projected: struct({ sources: atomicList() }),
});

const nodeAffinitySchema = struct({
  requiredDuringSchedulingIgnoredDuringExecution: nodeSelectorSchema,
  preferredDuringSchedulingIgnoredDuringExecution: atomicList(),
});

export const podSpecSchema = struct({
  volumes: mergeList(volumeSchema, 'name', { retainKeys: true }),
  initContainers: mergeList(containerSchema, 'name'),
  containers: mergeList(containerSchema, 'name'),
  ephemeralContainers: mergeList(ephemeralContainerSchema, 'name'),
  nodeSelector: stringMap(true),
  imagePullSecrets: mergeList(localObjectReferenceSchema, 'name'),
  affinity: struct({ nodeAffinity: nodeAffinitySchema }),
  tolerations: atomicList(),
  hostAliases: mergeList(struct({ hostnames: atomicList(scalar) }), 'ip'),
  readinessGates: atomicList(),
  overhead: stringMap(),
  topologySpreadConstraints: mergeList(struct({ labelSelector: labelSelectorSchema, matchLabelKeys: atomicList(scalar) }), 'topologyKey', {
    listMapKeys: ['topologyKey', 'whenUnsatisfiable'],
  }),
  schedulingGates: mergeList(deduced, 'name'),
  resourceClaims: mergeList(deduced, 'name', { retainKeys: true }),
});

export const podStatusSchema = struct({
  conditions: mergeList(deduced, 'type'),
  hostIPs: mergeList(deduced, 'ip', { listType: 'atomic' }),
  podIPs: mergeList(deduced, 'ip'),
  initContainerStatuses: atomicList(),
  containerStatuses: atomicList(),
  ephemeralContainerStatuses: atomicList(),
  resourceClaimStatuses: mergeList(deduced, 'name', { retainKeys: true }),
});

export const podTemplateSpecSchema = struct({ metadata: objectMetaSchema, spec: podSpecSchema });

const conditionsByType = () => mergeList(deduced, 'type');

const pvcSpecSchema = struct({
  accessModes: atomicList(scalar),
  selector: labelSelectorSchema,
  resources: struct({ limits: stringMap(), requests: stringMap() }),
  dataSource: typedLocalObjectReferenceSchema,
});

// ---- kinds ----

/**
 * A built-in kind. Its zero value has `metadata` and every declared struct field (spec, status, ...)
 * present, plus `zeroOverrides` (non-omitempty fields inside them).
 */
function obj(fields: Record<string, TypeSchema>, zeroOverrides: Record<string, unknown> = {}): StructSchema {
  const zero: Record<string, unknown> = { metadata: {} };
  for (const [name, s] of Object.entries(fields)) if (s.kind === 'struct') zero[name] = {};
  return { kind: 'struct', fields: { metadata: objectMetaSchema, ...fields }, zero: { ...zero, ...zeroOverrides } };
}

export const podSchema = obj({ spec: podSpecSchema, status: podStatusSchema }, { spec: { containers: null } });

export const nodeSchema = obj({
  spec: struct({ podCIDRs: setList(), taints: atomicList() }),
  status: struct({
    capacity: stringMap(),
    allocatable: stringMap(),
    conditions: conditionsByType(),
    addresses: mergeList(deduced, 'type'),
    images: atomicList(),
    volumesInUse: atomicList(scalar),
    volumesAttached: atomicList(),
  }),
});

export const serviceSchema = obj({
  spec: struct({
    ports: mergeList(deduced, 'port', { listMapKeys: ['port', 'protocol'], keyDefaults: { protocol: 'TCP' } }),
    selector: stringMap(true),
    clusterIPs: atomicList(scalar),
    externalIPs: atomicList(scalar),
    loadBalancerSourceRanges: atomicList(scalar),
    ipFamilies: atomicList(scalar),
  }),
  status: struct({ loadBalancer: struct({ ingress: atomicList() }), conditions: conditionsByType() }),
});

export const leaseSchema = obj({ spec: struct({}) });

/** Any object of a kind not in the table (custom resources): ObjectMeta is known, the rest deduced. */
export const genericObjectSchema: StructSchema = { kind: 'struct', fields: { metadata: objectMetaSchema }, zero: {} };

// ---- apps/v1 (k8s.io/api/apps/v1/types.go) and autoscaling/v1 Scale ----

/** The zero value of a `template` field (PodTemplateSpec is a struct: metadata and spec.containers present). */
const TEMPLATE_ZERO = { metadata: {}, spec: { containers: null } };
const workloadSpec = (fields: Record<string, TypeSchema>): StructSchema =>
  struct({ selector: labelSelectorSchema, template: podTemplateSpecSchema, ...fields });
const workloadStatus = struct({ conditions: conditionsByType() });

const APPS_PATCH_META: Record<string, StructSchema> = {
  'apps/v1/Deployment': obj(
    { spec: workloadSpec({ strategy: { ...struct({ rollingUpdate: struct({}) }), patchStrategy: 'retainKeys' } }), status: workloadStatus },
    { spec: { selector: null, template: TEMPLATE_ZERO, strategy: {} } },
  ),
  'apps/v1/ReplicaSet': obj({ spec: workloadSpec({}), status: workloadStatus }, { spec: { selector: null, template: TEMPLATE_ZERO }, status: { replicas: 0 } }),
  'apps/v1/StatefulSet': obj(
    {
      spec: workloadSpec({
        volumeClaimTemplates: atomicList(struct({ metadata: objectMetaSchema, spec: pvcSpecSchema })),
        updateStrategy: struct({ rollingUpdate: struct({}) }),
      }),
      status: workloadStatus,
    },
    { spec: { selector: null, template: TEMPLATE_ZERO, updateStrategy: {} }, status: { replicas: 0, availableReplicas: 0 } },
  ),
  'apps/v1/DaemonSet': obj(
    { spec: workloadSpec({ updateStrategy: struct({ rollingUpdate: struct({}) }) }), status: workloadStatus },
    {
      spec: { selector: null, template: TEMPLATE_ZERO, updateStrategy: {} },
      status: { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 },
    },
  ),
  'apps/v1/ControllerRevision': obj({}, { data: null, revision: 0 }),
  'autoscaling/v1/Scale': obj({ spec: struct({}), status: struct({}) }, { status: { replicas: 0 } }),
};

/**
 * Root schemas by `<apiVersion>/<kind>` (`v1/Pod`, `coordination.k8s.io/v1/Lease`).
 */
export const PATCH_META: Readonly<Record<string, StructSchema>> = {
  'v1/Pod': podSchema,
  'v1/PodTemplate': obj({ template: podTemplateSpecSchema }, { template: { metadata: {}, spec: { containers: null } } }),
  'v1/ReplicationController': obj({
    spec: struct({ selector: stringMap(true), template: podTemplateSpecSchema }),
    status: struct({ conditions: conditionsByType() }),
  }),
  'v1/Node': nodeSchema,
  'v1/Service': serviceSchema,
  'v1/Endpoints': obj({ subsets: atomicList() }),
  'v1/Namespace': obj({ spec: struct({ finalizers: atomicList(scalar) }), status: struct({ conditions: conditionsByType() }) }),
  'v1/ConfigMap': obj({ data: stringMap(), binaryData: stringMap() }),
  'v1/Secret': obj({ data: stringMap(), stringData: stringMap() }),
  'v1/ServiceAccount': obj({ secrets: mergeList(objectReferenceSchema, 'name'), imagePullSecrets: atomicList() }),
  'v1/Event': obj({ involvedObject: objectReferenceSchema, related: objectReferenceSchema, source: struct({}) }, { related: undefined }),
  'v1/LimitRange': obj({ spec: struct({ limits: atomicList() }) }, { spec: { limits: null } }),
  'v1/ResourceQuota': obj({
    spec: struct({ hard: stringMap(), scopes: atomicList(scalar), scopeSelector: atomicStruct() }),
    status: struct({ hard: stringMap(), used: stringMap() }),
  }),
  'v1/PersistentVolumeClaim': obj({
    spec: pvcSpecSchema,
    status: struct({
      accessModes: atomicList(scalar),
      capacity: stringMap(),
      conditions: conditionsByType(),
      allocatedResources: stringMap(),
      allocatedResourceStatuses: stringMap(),
    }),
  }),
  'v1/PersistentVolume': obj({
    spec: struct({
      capacity: stringMap(),
      accessModes: atomicList(scalar),
      claimRef: objectReferenceSchema,
      mountOptions: atomicList(scalar),
      nodeAffinity: struct({ required: nodeSelectorSchema }),
      csi: struct({ volumeAttributes: stringMap() }),
    }),
  }),
  'v1/ComponentStatus': obj({ conditions: conditionsByType() }),
  'v1/Binding': obj({ target: objectReferenceSchema }),
  'coordination.k8s.io/v1/Lease': leaseSchema,
  ...APPS_PATCH_META,
};

/** The root schema for a kind, or the generic one (ObjectMeta + deduced) for kinds not in the table. */
export function schemaFor(apiVersion: string | undefined, kind: string | undefined): StructSchema {
  return PATCH_META[`${apiVersion ?? ''}/${kind ?? ''}`] ?? genericObjectSchema;
}

/** The schema of member `key` of a value described by `parent` (deduced when unknown). */
export function fieldSchema(parent: TypeSchema | undefined, key: string): TypeSchema {
  if (!parent) return deduced;
  if (parent.kind === 'struct') return parent.fields[key] ?? deduced;
  if (parent.kind === 'map') return parent.values;
  return deduced;
}

/** The schema of the items of a list value (deduced when unknown). */
export function itemSchema(list: TypeSchema | undefined): TypeSchema {
  return list && list.kind === 'list' ? list.items : deduced;
}

/** Parsed patchStrategy tag: the merge/replace strategy and whether retainKeys is set. */
export function patchStrategyOf(schema: TypeSchema | undefined): { strategy: '' | 'merge' | 'replace'; retainKeys: boolean } {
  const tag = schema && 'patchStrategy' in schema ? schema.patchStrategy : undefined;
  const parts = (tag ?? '').split(',').filter(Boolean);
  const retainKeys = parts.includes('retainKeys');
  const other = parts.find((p) => p !== 'retainKeys');
  return { strategy: other === 'merge' || other === 'replace' ? other : '', retainKeys };
}

/** The OpenAPI vendor extensions kube publishes for a field of this schema. */
export function openApiExtensions(schema: TypeSchema): Record<string, unknown> {
  const ext: Record<string, unknown> = {};
  if ('patchStrategy' in schema && schema.patchStrategy) ext['x-kubernetes-patch-strategy'] = schema.patchStrategy;
  if ('patchMergeKey' in schema && schema.patchMergeKey) ext['x-kubernetes-patch-merge-key'] = schema.patchMergeKey;
  if (schema.kind === 'list') {
    ext['x-kubernetes-list-type'] = schema.listType;
    if (schema.listMapKeys) ext['x-kubernetes-list-map-keys'] = [...schema.listMapKeys];
  }
  if (schema.kind === 'struct' && schema.atomic) ext['x-kubernetes-map-type'] = 'atomic';
  if (schema.kind === 'map' && schema.atomic) ext['x-kubernetes-map-type'] = 'atomic';
  return ext;
}
