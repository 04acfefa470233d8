/**
 * Differential test of the create path of updateManagedFields (createFieldsV1, one walk of the new object)
 * against the general path (typed compare with the kind's zero object, then encode), which
 * updateManagedFieldsByCompare keeps callable: for every object both must give byte-identical results.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../shared/api/meta.ts';
import type { Event, Namespace, Node, Pod } from '../../shared/api/core-v1.ts';
import type { Lease } from '../../shared/api/coordination-v1.ts';
import { defaultPod, podQOSClass } from '../../shared/api/defaults/pod.ts';
import { defaultNode } from '../../shared/api/defaults/node.ts';
import { defaultEvent } from '../../shared/api/defaults/event.ts';
import { defaultLease } from '../../shared/api/defaults/lease.ts';
import { defaultNamespace } from '../../shared/api/defaults/namespace.ts';
import { benchPod } from '../../test/bench/lib/pod-fixture.ts';
import { objectMetaSchema, schemaFor, type TypeSchema } from '../patch/patch-meta.ts';
import { FieldSet, fieldElement } from './field-set.ts';
import { STRIP_SET, updateManagedFields, updateManagedFieldsByCompare, type FieldManagerOptions } from './field-manager.ts';
import { CreateFieldsUnsupported, createFieldsV1 } from './create-fields.ts';
import { TypedValueError } from './typed-value.ts';
import { seededRandom } from '../../test/integration/framework/seeded-random.ts';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const NOW = '2024-05-01T10:00:00Z';

/** What the generic store sets before onWrite (uid, creationTimestamp, generation). */
function stored(obj: Obj): Obj {
  obj.metadata ??= {};
  if (typeof obj.metadata === 'object' && obj.metadata !== null && !Array.isArray(obj.metadata)) {
    obj.metadata.uid = '6f1c2d3e-0000-4000-8000-000000000001';
    obj.metadata.creationTimestamp = NOW;
    obj.metadata.generation = 1;
  }
  return obj;
}

/** podStrategy.prepareForCreate: defaults, then status Pending with the QoS class. */
function createdPod(pod: Obj): Obj {
  defaultPod(pod as Pod);
  pod.status = { phase: 'Pending', qosClass: podQOSClass(pod as Pod) };
  return stored(pod);
}

function resetOf(opts: FieldManagerOptions): FieldSet {
  const paths = opts.resetFields ?? (!opts.subresource ? [['status']] : opts.subresource === 'status' ? [['spec']] : []);
  return FieldSet.of(...paths.map((p) => p.map(fieldElement)));
}

interface Outcome {
  /** The create path answered (no fallback to the compare). */
  fast: boolean;
}

/**
 * Both paths on a copy each; asserts byte-identical results (the whole returned object, so managedFields and
 * their key order) and that createFieldsV1, when it answers, renders exactly the general path's fieldsV1.
 */
function check(obj: Obj, opts: FieldManagerOptions = {}, manager = 'kubectl-create', label = ''): Outcome {
  const a = structuredClone(obj) as KubeObject;
  const b = structuredClone(obj) as KubeObject;
  const fast = updateManagedFields(null, a, manager, 'Update', opts.subresource, NOW, opts);
  const slow = updateManagedFieldsByCompare(null, b, manager, 'Update', opts.subresource, NOW, opts);
  const fastJson = JSON.stringify(fast);
  const slowJson = JSON.stringify(slow);
  if (fastJson !== slowJson) {
    assert.fail(
      `create path diverges ${label}\nobject:  ${JSON.stringify(obj)}\noptions: ${JSON.stringify(opts)}\n` +
        `fast: ${JSON.stringify(fast.metadata?.managedFields)}\nslow: ${JSON.stringify(slow.metadata?.managedFields)}`,
    );
  }
  assert.deepEqual(fast, slow);
  // Inputs untouched.
  assert.equal(JSON.stringify(a), JSON.stringify(obj));

  // The walk itself, also where updateManagedFields falls back for other reasons (managedFields sent along).
  const meta = obj.metadata;
  const root: Obj = { ...obj };
  if (meta !== null && typeof meta === 'object' && !Array.isArray(meta)) {
    const { managedFields: _mf, ...rest } = meta;
    root.metadata = rest;
  }
  const apiVersion = opts.apiVersion ?? obj.apiVersion ?? '';
  const schema = opts.schema ?? schemaFor(apiVersion, opts.kind ?? obj.kind);
  let fieldsV1: Record<string, unknown> | null;
  try {
    fieldsV1 = createFieldsV1(structuredClone(root), schema, resetOf(opts), STRIP_SET);
  } catch (e) {
    if (e instanceof TypedValueError || e instanceof CreateFieldsUnsupported) return { fast: false };
    throw e;
  }
  // Reference: the general path for the same object without managedFields (a create nobody owns yet).
  const ref = updateManagedFieldsByCompare(null, structuredClone(root) as KubeObject, manager, 'Update', opts.subresource, NOW, opts);
  const refEntries = ref.metadata?.managedFields;
  if (fieldsV1 === null) {
    assert.equal(refEntries, undefined, `createFieldsV1 empty but the compare owns ${JSON.stringify(refEntries)} ${label}`);
  } else {
    assert.equal(refEntries?.length, 1, `${label} ${JSON.stringify(obj)}`);
    assert.equal(JSON.stringify(fieldsV1), JSON.stringify(refEntries?.[0]?.fieldsV1), `createFieldsV1 diverges ${label}\nobject: ${JSON.stringify(obj)}`);
  }
  return { fast: true };
}

// ---- fixtures ----

const benchPodCreated = (): Obj => createdPod(benchPod('checkout-7d9f8c6b5d-x2x9q', 'shop'));

function richPod(): Obj {
  return createdPod({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'rich',
      namespace: 'default',
      generateName: 'rich-',
      labels: { app: 'rich', '': 'empty-key', 'a.b/c': '' },
      annotations: {},
      finalizers: ['example.com/a', 'example.com/b', 'example.com/a'],
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u-1', controller: true, blockOwnerDeletion: true }],
    },
    spec: {
      initContainers: [{ name: 'init', image: 'busybox', command: ['sh', '-c', 'true'], resources: {} }],
      containers: [
        {
          name: 'main',
          image: 'nginx',
          ports: [{ containerPort: 80 }, { containerPort: 53, protocol: 'UDP' }, { containerPort: 53, protocol: 'TCP', name: 'dns-tcp' }],
          env: [
            { name: 'EMPTY', value: '' },
            { name: 'FROM_FIELD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
            { name: 'FROM_SECRET', valueFrom: { secretKeyRef: { name: 's', key: 'k', optional: false } } },
          ],
          envFrom: [{ configMapRef: { name: 'cm' } }],
          resources: { limits: { cpu: '1', memory: '1Gi' }, claims: [{ name: 'gpu' }] },
          volumeMounts: [{ name: 'data', mountPath: '/data', readOnly: false }],
          volumeDevices: [{ name: 'blk', devicePath: '/dev/xvda' }],
          securityContext: { privileged: false, runAsUser: 0, capabilities: { add: [], drop: ['ALL'] } },
          stdin: false,
          tty: false,
          workingDir: '',
        },
      ],
      ephemeralContainers: [{ name: 'debug', image: 'busybox', targetContainerName: 'main', stdin: true }],
      volumes: [
        { name: 'data', persistentVolumeClaim: { claimName: 'data' } },
        { name: 'blk', persistentVolumeClaim: { claimName: 'blk' } },
        { name: 'proj', projected: { sources: [{ serviceAccountToken: { path: 'token' } }] } },
        { name: 'csi', csi: { driver: 'x', volumeAttributes: { a: '1' }, nodePublishSecretRef: { name: 'sec' } } },
        { name: 'empty', emptyDir: {} },
      ],
      nodeSelector: { 'kubernetes.io/os': 'linux' },
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }] },
          preferredDuringSchedulingIgnoredDuringExecution: [],
        },
        podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname' }] },
      },
      tolerations: [{ key: 'k', operator: 'Exists', effect: 'NoSchedule' }],
      hostAliases: [{ ip: '10.0.0.1', hostnames: ['a', 'b'] }],
      imagePullSecrets: [{ name: 'pull' }],
      readinessGates: [],
      overhead: { cpu: '10m' },
      topologySpreadConstraints: [{ topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule', maxSkew: 1, labelSelector: { matchLabels: { app: 'rich' } } }],
      schedulingGates: [{ name: 'gate' }],
      resourceClaims: [{ name: 'gpu', resourceClaimName: 'gpu-claim' }],
      hostNetwork: false,
      priority: 0,
      nodeName: '',
      activeDeadlineSeconds: null,
      dnsConfig: { options: [{ name: 'ndots', value: '2' }], nameservers: [], searches: [] },
    },
  });
}

const node = (): Obj =>
  stored(
    defaultNode({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'node-1', labels: { 'kubernetes.io/hostname': 'node-1' }, annotations: { 'node.alpha.kubernetes.io/ttl': '0' } },
      spec: { podCIDR: '10.244.1.0/24', taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }], unschedulable: false },
      status: {
        capacity: { cpu: '4', memory: '16Gi', pods: '110' },
        conditions: [
          { type: 'Ready', status: 'True', reason: 'KubeletReady' },
          { type: 'MemoryPressure', status: 'False' },
        ],
        addresses: [
          { type: 'InternalIP', address: '10.0.0.5' },
          { type: 'Hostname', address: 'node-1' },
        ],
        nodeInfo: { kubeletVersion: 'v1.32.0', osImage: '' },
        images: [{ names: ['nginx'], sizeBytes: 1 }],
        daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      },
    } as Obj as Node) as Obj,
  );

const lease = (): Obj =>
  stored(
    defaultLease({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'node-1', namespace: 'kube-node-lease', ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: 'node-1', uid: 'n-1' }] },
      spec: { holderIdentity: 'node-1', leaseDurationSeconds: 40, renewTime: '2024-05-01T10:00:00.000000Z' },
    } as Obj as Lease) as Obj,
  );

const event = (): Obj =>
  stored(
    defaultEvent({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'web.17a', namespace: 'default' },
      involvedObject: { kind: 'Pod', namespace: 'default', name: 'web', uid: 'p-1', apiVersion: 'v1', resourceVersion: '5' },
      reason: 'Scheduled',
      message: 'Successfully assigned default/web to node-1',
      source: { component: 'default-scheduler' },
      count: 1,
      type: 'Normal',
    } as Obj as Event) as Obj,
  );

const namespace = (): Obj => stored(defaultNamespace({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } } as Obj as Namespace) as Obj);

const service = (): Obj =>
  stored({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', namespace: 'default' },
    spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }, { port: 53, protocol: 'UDP' }], type: 'ClusterIP', clusterIPs: ['10.96.0.10'] },
  });

const custom = (): Obj =>
  stored({
    apiVersion: 'example.com/v1',
    kind: 'Widget',
    metadata: { name: 'w', namespace: 'default', labels: { a: 'b' }, finalizers: ['x'] },
    spec: { size: 3, tags: ['a', 'b'], nested: { deep: { value: null, empty: {}, list: [] } } },
    status: { ready: false },
  });

const FIXTURES: Array<[string, () => Obj]> = [
  ['bench pod', benchPodCreated],
  ['rich pod', richPod],
  ['node', node],
  ['lease', lease],
  ['event', event],
  ['namespace', namespace],
  ['service', service],
  ['custom resource', custom],
  ['configmap', () => stored({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', namespace: 'default' }, data: { a: '', b: 'x' }, binaryData: {} })],
  ['limitrange', () => stored({ apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'lr', namespace: 'default' }, spec: { limits: [{ type: 'Container', max: { cpu: '1' } }] } })],
  ['podtemplate', () => stored({ apiVersion: 'v1', kind: 'PodTemplate', metadata: { name: 'pt', namespace: 'default' }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } })],
  ['replicationcontroller', () => stored({ apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: 'rc' }, spec: { replicas: 0, selector: { a: 'b' }, template: { spec: { containers: [] } } } })],
  ['pvc', () => stored({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'c' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, selector: { matchLabels: {} } } })],
];

// ---- hand-picked shapes ----

const podWith = (spec: unknown, extra: Obj = {}): Obj => stored({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec, ...extra });

const EDGE_CASES: Array<[string, Obj, FieldManagerOptions?]> = [
  ['empty pod', { apiVersion: 'v1', kind: 'Pod' }],
  ['only metadata', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' } }],
  ['spec {}', podWith({})],
  ['spec null', podWith(null)],
  ['spec string', podWith('nope')],
  ['spec list', podWith([1, 2])],
  ['containers null', podWith({ containers: null })],
  ['containers []', podWith({ containers: [] })],
  ['containers {}', podWith({ containers: {} })],
  ['containers string', podWith({ containers: 'x' })],
  ['containers false', podWith({ containers: false })],
  ['container item not an object', podWith({ containers: ['x'] })],
  ['container without its key', podWith({ containers: [{ image: 'nginx' }] })],
  ['duplicate containers', podWith({ containers: [{ name: 'a', image: '1' }, { name: 'a', image: '2' }] })],
  ['ports without protocol and duplicates', podWith({ containers: [{ name: 'a', ports: [{ containerPort: 80 }, { containerPort: 80, protocol: 'TCP' }, { containerPort: 81, protocol: null }] }] })],
  ['ports in numeric, not text, order', podWith({ containers: [{ name: 'b', ports: [{ containerPort: 8080 }, { containerPort: 443 }, { containerPort: 9, protocol: 'UDP' }, { containerPort: 9 }, { containerPort: 10000, protocol: 'SCTP' }] }, { name: 'a', env: [{ name: 'Z' }, { name: 'a' }, { name: '_' }, { name: 'B' }] }] })],
  ['set items of mixed types in value order', podWith({}, { metadata: { name: 'p', finalizers: ['b', 10, 9, 'a', true, false, null, [2], [1, 2], { b: 1 }, { a: 2 }] } })],
  ['undefined members', podWith({ containers: [{ name: 'a', image: undefined, ports: [{ containerPort: 80, protocol: undefined }] }], nodeName: undefined, volumes: undefined }, { status: undefined, extra: undefined, metadata: { name: 'p', labels: undefined, annotations: { a: undefined } } })],
  ['undefined list items', podWith({ containers: [{ name: 'a' }] }, { metadata: { name: 'p', finalizers: ['a', undefined, null] } })],
  ['bad item under a reset field', podWith({ containers: [{ name: 'a' }] }, { metadata: { name: 'p', labels: { a: 'b' }, ownerReferences: [{ name: 'no-uid' }] } }), { resetFields: [['metadata', 'ownerReferences']] }],
  ['bad item under a reset field of an added node', stored({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', ownerReferences: [{ name: 'no-uid' }] }, spec: { a: 1 } }), { resetFields: [['metadata', 'ownerReferences']] }],
  ['bad item under reset status', podWith({ containers: [{ name: 'a' }] }, { status: { conditions: [{ status: 'True' }] } })],
  ['port without containerPort', podWith({ containers: [{ name: 'a', ports: [{ protocol: 'TCP' }] }] })],
  ['empty container', podWith({ containers: [{ name: 'a' }] })],
  ['null members', podWith({ containers: [{ name: 'a', image: null, env: null, resources: null }], volumes: null, nodeSelector: null }, { status: null })],
  ['zeros and empties', podWith({ containers: [{ name: '', image: '', ports: [], env: [], resources: { limits: {}, requests: {} } }], priority: 0, hostNetwork: false, nodeName: '' }, { status: {} })],
  ['status set', podWith({ containers: [{ name: 'a' }] }, { status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }], podIPs: [{ ip: '1.2.3.4' }] } })],
  ['status null', podWith({ containers: [] }, { status: null })],
  ['status scalar', podWith({ containers: [] }, { status: 5 })],
  ['metadata null', { apiVersion: 'v1', kind: 'Pod', metadata: null, spec: {} }],
  ['metadata scalar', { apiVersion: 'v1', kind: 'Pod', metadata: 'm', spec: {} }],
  ['metadata {}', { apiVersion: 'v1', kind: 'Pod', metadata: {}, spec: { containers: [{ name: 'a' }] } }],
  ['metadata.name object', { apiVersion: 'v1', kind: 'Pod', metadata: { name: { a: 1 }, namespace: null, labels: {} } }],
  ['labels null and {}', podWith({}, { metadata: { name: 'p', labels: null, annotations: {} } })],
  ['finalizers with objects', podWith({}, { metadata: { name: 'p', finalizers: [{ a: 1 }, { a: 1 }, [1, 'x'], null, 3, 'z', true] } })],
  ['unknown top-level fields', podWith({ containers: [] }, { extra: { nested: [1, { a: null }] }, other: null, empty: {} })],
  ['apiVersion and kind absent', { metadata: { name: 'x' }, spec: { a: 1 } }],
  ['managedFields sent (reset)', podWith({ containers: [{ name: 'a' }] }, { metadata: { name: 'p', managedFields: [] } })],
  ['managedFields sent ([{}])', podWith({ containers: [{ name: 'a' }] }, { metadata: { name: 'p', managedFields: [{}] } })],
  ['managedFields sent (invalid)', podWith({ containers: [{ name: 'a' }] }, { metadata: { name: 'p', managedFields: [{ manager: 'x', operation: 'Update', fieldsType: 'bogus' }] } })],
  [
    'managedFields sent (kept)',
    podWith(
      { containers: [{ name: 'a', image: 'x' }] },
      { metadata: { name: 'p', managedFields: [{ manager: 'other', operation: 'Update', apiVersion: 'v1', time: NOW, fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:containers': { 'k:{"name":"a"}': { '.': {}, 'f:image': {} } } } } }] } },
    ),
  ],
  ['event involvedObject {}', stored({ apiVersion: 'v1', kind: 'Event', metadata: { name: 'e' }, involvedObject: {}, source: {} })],
  ['event involvedObject null', stored({ apiVersion: 'v1', kind: 'Event', metadata: { name: 'e' }, involvedObject: null, source: null, related: null })],
  ['event related set', stored({ apiVersion: 'v1', kind: 'Event', metadata: { name: 'e' }, related: { kind: 'Node', name: 'n' }, involvedObject: 'x' })],
  ['limitrange limits []', stored({ apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'lr' }, spec: { limits: [] } })],
  ['limitrange limits {}', stored({ apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'lr' }, spec: { limits: {} } })],
  ['podtemplate template null', stored({ apiVersion: 'v1', kind: 'PodTemplate', metadata: { name: 'pt' }, template: null })],
  ['podtemplate template.spec null', stored({ apiVersion: 'v1', kind: 'PodTemplate', metadata: { name: 'pt' }, template: { spec: null, metadata: null } })],
  ['__proto__ key', stored(JSON.parse('{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","labels":{"__proto__":"x"}},"data":{"__proto__":{"a":1}}}'))],
  ['odd keys', stored({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { '1': 'a', '10': 'b', '2': 'c', '.': 'd', 'f:x': 'e', 'k:{}': 'f', 'Z': 'g', 'é': 'h', '😀': 'i', '\uffff': 'j' } })],
  ['status subresource', benchPodCreated(), { subresource: 'status' }],
  ['other subresource', benchPodCreated(), { subresource: 'ephemeralcontainers' }],
  ['no reset fields', benchPodCreated(), { resetFields: [] }],
  ['deep reset fields', richPod(), { resetFields: [['spec', 'containers'], ['metadata', 'labels'], ['status', 'phase']] }],
  ['reset metadata and spec', richPod(), { resetFields: [['metadata'], ['spec']] }],
  ['reset a list item path', richPod(), { resetFields: [['spec', 'nodeSelector', 'kubernetes.io/os']] }],
  ['explicit schema, kind', benchPodCreated(), { apiVersion: 'v1', kind: 'Pod' }],
  ['generic schema for a pod', benchPodCreated(), { apiVersion: 'v1', kind: 'NotAPod' }],
  ['time empty', benchPodCreated(), { subresource: undefined }],
];

/** A schema with the zero shapes the built-in kinds do not have (yet): atomic and nested zero structs, scalars, lists. */
const customSchema: TypeSchema = {
  kind: 'struct',
  fields: {
    metadata: objectMetaSchema,
    atomicZero: { kind: 'struct', fields: {}, atomic: true },
    spec: {
      kind: 'struct',
      fields: {
        items: { kind: 'list', items: { kind: 'deduced' }, listType: 'map', listMapKeys: ['id', 'port'], keyDefaults: { port: 0 } },
        tags: { kind: 'list', items: { kind: 'scalar' }, listType: 'set' },
        labels: { kind: 'map', values: { kind: 'scalar' } },
        frozen: { kind: 'map', values: { kind: 'scalar' }, atomic: true },
      },
    },
  },
  zero: { metadata: {}, atomicZero: { a: null, b: { c: 0 } }, spec: { replicas: 0, paused: false, mode: '', items: null, nested: { deep: {} } } },
};
const listZeroSchema: TypeSchema = {
  kind: 'struct',
  fields: { metadata: objectMetaSchema, spec: { kind: 'struct', fields: { items: { kind: 'list', items: { kind: 'deduced' }, listType: 'map', listMapKeys: ['id'] } } } },
  zero: { metadata: {}, spec: { items: [] } },
};
const indexKeySchema: TypeSchema = {
  kind: 'struct',
  fields: { metadata: objectMetaSchema, spec: { kind: 'struct', fields: { items: { kind: 'list', items: { kind: 'deduced' }, listType: 'map', listMapKeys: ['10', '9', 'name'] } } } },
  zero: { metadata: {}, spec: {} },
};
const customObj = (extra: Obj): Obj => stored({ apiVersion: 'example.com/v1', kind: 'Custom', metadata: { name: 'c' }, ...extra });

EDGE_CASES.push(
  ['custom: empty', customObj({}), { schema: customSchema }],
  ['custom: atomic zero equal after filling in', customObj({ atomicZero: {}, spec: {} }), { schema: customSchema }],
  ['custom: atomic zero partly given', customObj({ atomicZero: { b: {} } }), { schema: customSchema }],
  ['custom: atomic zero equal', customObj({ atomicZero: { a: null, b: { c: 0 } } }), { schema: customSchema }],
  ['custom: atomic zero changed', customObj({ atomicZero: { a: 1 } }), { schema: customSchema }],
  ['custom: atomic zero null', customObj({ atomicZero: null }), { schema: customSchema }],
  ['custom: atomic zero scalar', customObj({ atomicZero: 'x' }), { schema: customSchema }],
  ['custom: scalar zeros equal', customObj({ spec: { replicas: 0, paused: false, mode: '' } }), { schema: customSchema }],
  ['custom: scalar zeros changed', customObj({ spec: { replicas: 1, paused: null, mode: {}, nested: { deep: { x: 1 } } } }), { schema: customSchema }],
  ['custom: keyed items with defaults', customObj({ spec: { items: [{ id: 'b' }, { id: 'a', port: 2 }, { id: 'a', port: 0 }, { id: 'a' }, { id: 1 }, { id: true }, { id: null }, { id: { o: 1 } }, { id: [1] }], tags: ['x', 'x', 1], labels: {}, frozen: { a: 'b' } } }), { schema: customSchema }],
  ['custom: spec null', customObj({ spec: null }), { schema: customSchema }],
  ['custom: nested zero null', customObj({ spec: { nested: null } }), { schema: customSchema }],
  ['custom: a list in the zero value (general path)', customObj({ spec: { items: [{ id: 'a' }] } }), { schema: listZeroSchema }],
  ['custom: array-index key names', customObj({ spec: { items: [{ '10': 'a', '9': 'b', name: 'x' }, { '10': 'b', '9': 'a', name: 'x' }, { '10': 0, '9': 'c', name: 'y' }] } }), { schema: indexKeySchema }],
  ['non-struct root schema', customObj({ a: 1 }), { schema: { kind: 'map', values: { kind: 'scalar' } } }],
  ['list root schema', customObj({ a: 1 }), { schema: { kind: 'list', items: { kind: 'deduced' }, listType: 'atomic' } }],
);

// ---- random variations ----

const KEYS = [
  'name', 'containerPort', 'protocol', 'port', 'type', 'ip', 'topologyKey', 'whenUnsatisfiable', 'mountPath', 'devicePath', 'uid',
  'containers', 'initContainers', 'ephemeralContainers', 'ports', 'env', 'volumes', 'finalizers', 'labels', 'annotations',
  'ownerReferences', 'spec', 'status', 'metadata', 'managedFields', 'conditions', 'podCIDRs', 'taints', 'involvedObject', 'related',
  'source', 'template', 'limits', 'requests', 'resources', 'valueFrom', 'fieldRef', 'nodeSelector', 'hostAliases', 'hostnames',
  'selector', 'matchLabels', 'claims', 'securityContext', 'x', 'y', 'a.b/c', '', '0', 'creationTimestamp', 'namespace', 'apiVersion', 'kind',
  'atomicZero', 'items', 'id', 'replicas', 'paused', 'nested', 'deep', 'tags', 'frozen', 'a', 'b', 'c',
];

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)] as T;
}

function randomValue(r: () => number, depth: number): unknown {
  const roll = r();
  if (depth <= 0 || roll < 0.45) return pick(r, [null, '', 'a', 'TCP', 'UDP', 0, 1, 80, 53, -0, 1.5, true, false, {}, []]);
  if (roll < 0.75) {
    const o: Obj = {};
    const n = Math.floor(r() * 4);
    for (let i = 0; i < n; i++) o[pick(r, KEYS)] = randomValue(r, depth - 1);
    return o;
  }
  const n = Math.floor(r() * 4);
  const out: unknown[] = [];
  for (let i = 0; i < n; i++) {
    // List items that look like list-map items more often than not.
    if (r() < 0.6) out.push({ name: pick(r, ['a', 'b', 'c']), containerPort: pick(r, [80, 81]), ...(r() < 0.5 ? { protocol: pick(r, ['TCP', 'UDP']) } : {}), [pick(r, KEYS)]: randomValue(r, depth - 1) });
    else out.push(randomValue(r, depth - 1));
  }
  return out;
}

/** Every container (object or array) in the value, with a way to change it in place. */
function containersOf(v: unknown, out: Array<Obj | unknown[]> = []): Array<Obj | unknown[]> {
  if (Array.isArray(v)) {
    out.push(v);
    for (const x of v) containersOf(x, out);
  } else if (v !== null && typeof v === 'object') {
    out.push(v as Obj);
    for (const x of Object.values(v)) containersOf(x, out);
  }
  return out;
}

function mutate(obj: Obj, r: () => number): void {
  const nodes = containersOf(obj);
  const target = pick(r, nodes);
  const special = (): unknown => (r() < 0.5 ? pick(r, [null, {}, [], '', 0, false]) : randomValue(r, 3));
  if (Array.isArray(target)) {
    const op = r();
    if (target.length > 0 && op < 0.25) target.push(structuredClone(pick(r, target))); // duplicate item
    else if (target.length > 0 && op < 0.5) target.splice(Math.floor(r() * target.length), 1);
    else if (target.length > 0 && op < 0.7) target[Math.floor(r() * target.length)] = special();
    else target.push(randomValue(r, 2));
    return;
  }
  const keys = Object.keys(target);
  const op = r();
  if (keys.length > 0 && op < 0.2) delete target[pick(r, keys)];
  else if (keys.length > 0 && op < 0.6) target[pick(r, keys)] = special();
  else target[pick(r, KEYS)] = special();
}

const OPTION_VARIANTS: FieldManagerOptions[] = [
  {},
  {},
  {},
  { subresource: 'status' },
  { resetFields: [] },
  { resetFields: [['spec', 'containers'], ['metadata', 'labels']] },
];

describe('updateManagedFields create path vs typed compare (differential)', () => {
  for (const [name, make] of FIXTURES) {
    it(`${name}: same managedFields`, () => {
      const { fast } = check(make(), {}, 'kubectl-create', name);
      assert.ok(fast, `${name} should take the create path`);
    });
  }

  it('the bench pod after defaulting: same managedFields, and they are non-trivial', () => {
    const pod = benchPodCreated();
    const out = updateManagedFields(null, structuredClone(pod) as KubeObject, 'kubectl-create', 'Update', undefined, NOW);
    const mf = out.metadata.managedFields ?? [];
    assert.equal(mf.length, 1);
    const spec = (mf[0]?.fieldsV1 as Obj)['f:spec'];
    assert.ok(spec['f:containers']['k:{"name":"app"}']['f:ports']['k:{"containerPort":8080,"protocol":"TCP"}']['.']);
    assert.equal((mf[0]?.fieldsV1 as Obj)['f:status'], undefined);
    check(pod);
  });

  for (const [name, obj, opts] of EDGE_CASES) {
    it(`edge case: ${name}`, () => {
      check(obj, opts ?? {}, 'kubectl-create', name);
    });
  }

  it('randomized variations of every fixture (seeded)', () => {
    let fastCount = 0;
    let total = 0;
    for (let seed = 1; seed <= 3000; seed++) {
      const r = seededRandom(seed);
      const [name, make] = FIXTURES[seed % FIXTURES.length] as [string, () => Obj];
      const obj = make();
      const n = 1 + Math.floor(r() * 4);
      for (let i = 0; i < n; i++) mutate(obj, r);
      let opts = OPTION_VARIANTS[seed % OPTION_VARIANTS.length] as FieldManagerOptions;
      if (seed % 5 === 0) opts = { ...opts, schema: customSchema };
      if (check(obj, opts, 'kubectl-create', `(seed ${seed}, ${name})`).fast) fastCount++;
      total++;
    }
    // Most variations stay valid for the create path (the rest: list-map items without keys, which fall back).
    assert.ok(fastCount > total * 0.6, `create path taken ${fastCount}/${total}`);
  });

  it('randomized whole objects (seeded)', () => {
    for (let seed = 1; seed <= 1500; seed++) {
      const r = seededRandom(seed * 7919);
      const body = randomValue(r, 5);
      const kind = pick(r, ['Pod', 'Node', 'Event', 'LimitRange', 'PodTemplate', 'Namespace', 'Widget']);
      const obj: Obj = { ...(body !== null && typeof body === 'object' && !Array.isArray(body) ? body : { x: body }), apiVersion: 'v1', kind };
      if (r() < 0.5) obj.spec = randomValue(r, 4);
      const opts = pick(r, OPTION_VARIANTS);
      check(obj, seed % 3 === 0 ? { ...opts, schema: customSchema } : opts, 'm', `(whole seed ${seed})`);
    }
  });
});
