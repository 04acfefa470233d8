import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from '../../shared/errors/status-error.ts';
import { PATCH_META, fieldSchema, itemSchema, openApiExtensions, patchStrategyOf, schemaFor, type ListSchema, type TypeSchema } from './patch-meta.ts';
import { applyStrategicMergePatch } from './strategic-merge-patch.ts';

const POD = schemaFor('v1', 'Pod');
const NODE = schemaFor('v1', 'Node');

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const livePod = (): Obj => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name: 'web',
    namespace: 'default',
    labels: { app: 'web', tier: 'be' },
    annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"old":true}\n' },
    finalizers: ['a'],
  },
  spec: {
    containers: [
      {
        name: 'nginx',
        image: 'nginx:1.25',
        ports: [{ containerPort: 80, protocol: 'TCP' }],
        env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }],
        volumeMounts: [{ name: 'data', mountPath: '/data' }],
        imagePullPolicy: 'IfNotPresent',
      },
      { name: 'side', image: 'busybox' },
    ],
    volumes: [{ name: 'data', emptyDir: {} }],
    tolerations: [{ key: 'k1', operator: 'Exists' }],
    securityContext: { fsGroup: 2 },
  },
  status: { conditions: [{ type: 'Ready', status: 'False' }, { type: 'PodScheduled', status: 'True' }] },
});

function smp(live: Obj, patch: unknown, schema: TypeSchema | undefined = POD): Obj {
  const before = structuredClone(live);
  const patchBefore = structuredClone(patch);
  const out = applyStrategicMergePatch(live, patch, schema);
  assert.deepEqual(live, before, 'the live object must not be mutated');
  assert.deepEqual(patch, patchBefore, 'the patch must not be mutated');
  return out;
}

describe('strategic merge patch: kubectl client-side apply bodies (kubectl.md §11)', () => {
  it('changes the image, merges labels and replaces the last-applied annotation', () => {
    const patch = {
      metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"new":true}\n' }, labels: { tier: 'fe' } },
      spec: { '$setElementOrder/containers': [{ name: 'nginx' }, { name: 'side' }], containers: [{ image: 'nginx:1.26', name: 'nginx' }] },
    };
    const out = smp(livePod(), patch);
    assert.deepEqual(out.metadata.labels, { app: 'web', tier: 'fe' });
    assert.deepEqual(out.metadata.annotations, { 'kubectl.kubernetes.io/last-applied-configuration': '{"new":true}\n' });
    const expected = livePod().spec.containers;
    expected[0].image = 'nginx:1.26';
    assert.deepEqual(out.spec.containers, expected);
  });

  it('null removes a label and a container field', () => {
    const patch = {
      metadata: { labels: { tier: null } },
      spec: { '$setElementOrder/containers': [{ name: 'nginx' }, { name: 'side' }], containers: [{ name: 'nginx', ports: null }] },
    };
    const out = smp(livePod(), patch);
    assert.deepEqual(out.metadata.labels, { app: 'web' });
    assert.equal('ports' in out.spec.containers[0], false);
    assert.equal(out.spec.containers[0].image, 'nginx:1.25');
  });

  it('$setElementOrder reorders the merged list', () => {
    const patch = { spec: { '$setElementOrder/containers': [{ name: 'side' }, { name: 'nginx' }], containers: [{ name: 'nginx', image: 'x' }] } };
    const out = smp(livePod(), patch);
    assert.deepEqual(out.spec.containers.map((c: Obj) => c.name), ['side', 'nginx']);
    assert.equal(out.spec.containers[1].image, 'x');
  });

  it('a container removed from the manifest ($patch: delete item + $setElementOrder)', () => {
    const patch = { spec: { '$setElementOrder/containers': [{ name: 'nginx' }], containers: [{ $patch: 'delete', name: 'side' }] } };
    const out = smp(livePod(), patch);
    assert.deepEqual(out.spec.containers, [livePod().spec.containers[0]]);
  });

  it('a container added by apply lands where $setElementOrder puts it', () => {
    const patch = {
      spec: {
        '$setElementOrder/containers': [{ name: 'nginx' }, { name: 'new' }, { name: 'side' }],
        containers: [{ name: 'new', image: 'n', ports: null }],
      },
    };
    const out = smp(livePod(), patch);
    assert.deepEqual(out.spec.containers.map((c: Obj) => c.name), ['nginx', 'new', 'side']);
    assert.deepEqual(out.spec.containers[1], { name: 'new', image: 'n' });
  });
});

describe('strategic merge patch: merge keys and strategies', () => {
  it('env merges by name', () => {
    const out = smp(livePod(), { spec: { containers: [{ name: 'nginx', env: [{ name: 'B', value: '3' }, { name: 'C', value: '4' }] }] } });
    assert.deepEqual(out.spec.containers[0].env, [{ name: 'A', value: '1' }, { name: 'B', value: '3' }, { name: 'C', value: '4' }]);
  });

  it('ports merge by containerPort', () => {
    const out = smp(livePod(), { spec: { containers: [{ name: 'nginx', ports: [{ containerPort: 80, name: 'http' }, { containerPort: 443 }] }] } });
    assert.deepEqual(out.spec.containers[0].ports, [{ containerPort: 80, protocol: 'TCP', name: 'http' }, { containerPort: 443 }]);
  });

  it('volumeMounts merge by mountPath', () => {
    const out = smp(livePod(), { spec: { containers: [{ name: 'nginx', volumeMounts: [{ mountPath: '/data', readOnly: true }, { mountPath: '/tmp', name: 'tmp' }] }] } });
    assert.deepEqual(out.spec.containers[0].volumeMounts, [{ name: 'data', mountPath: '/data', readOnly: true }, { mountPath: '/tmp', name: 'tmp' }]);
  });

  it('status conditions merge by type', () => {
    const out = smp(livePod(), { status: { conditions: [{ type: 'Ready', status: 'True' }, { type: 'Initialized', status: 'True' }] } });
    assert.deepEqual(out.status.conditions, [
      { type: 'Ready', status: 'True' },
      { type: 'Initialized', status: 'True' },
      { type: 'PodScheduled', status: 'True' },
    ]);
  });

  it('node status addresses merge by type', () => {
    const node = { status: { addresses: [{ type: 'InternalIP', address: '10.0.0.1' }, { type: 'Hostname', address: 'n1' }] } };
    const out = smp(node, { status: { addresses: [{ type: 'InternalIP', address: '10.0.0.2' }] } }, NODE);
    assert.deepEqual(out.status.addresses, [{ type: 'InternalIP', address: '10.0.0.2' }, { type: 'Hostname', address: 'n1' }]);
  });

  it('tolerations (no strategy) are replaced', () => {
    const out = smp(livePod(), { spec: { tolerations: [{ key: 'k2', operator: 'Exists' }] } });
    assert.deepEqual(out.spec.tolerations, [{ key: 'k2', operator: 'Exists' }]);
  });

  it('node taints (no strategy upstream) are replaced', () => {
    const out = smp({ spec: { taints: [{ key: 'a', effect: 'NoSchedule' }] } }, { spec: { taints: [{ key: 'b', effect: 'NoExecute' }] } }, NODE);
    assert.deepEqual(out.spec.taints, [{ key: 'b', effect: 'NoExecute' }]);
  });

  it('finalizers merge as a set (patch items first when the live list does not order them)', () => {
    assert.deepEqual(smp(livePod(), { metadata: { finalizers: ['b', 'a'] } }).metadata.finalizers, ['b', 'a']);
    assert.deepEqual(smp(livePod(), { metadata: { finalizers: ['b'] } }).metadata.finalizers, ['b', 'a']);
    assert.deepEqual(smp(livePod(), { metadata: { '$setElementOrder/finalizers': ['a', 'b'], finalizers: ['b'] } }).metadata.finalizers, ['a', 'b']);
  });

  it('lists of scalars keep the live order when patch items are in it', () => {
    const out = smp({ metadata: { finalizers: ['x', 'y'] } }, { metadata: { finalizers: ['y', 'z'] } });
    assert.deepEqual(out.metadata.finalizers, ['x', 'y', 'z']);
  });

  it('maps merge recursively and null deletes', () => {
    const out = smp(livePod(), { spec: { securityContext: { runAsUser: 1000, fsGroup: null } } });
    assert.deepEqual(out.spec.securityContext, { runAsUser: 1000 });
  });

  it('a value of a different type replaces', () => {
    const out = smp(livePod(), { spec: { tolerations: 'x' } });
    assert.equal(out.spec.tolerations, 'x');
  });

  it('values new to the object are cleaned of nulls', () => {
    const out = smp(livePod(), { spec: { affinity: { nodeAffinity: null, podAffinity: { x: null, y: 1 } } } });
    assert.deepEqual(out.spec.affinity, { podAffinity: { y: 1 } });
  });

  it('without a schema every list is replaced', () => {
    const out = applyStrategicMergePatch(livePod(), { spec: { containers: [{ name: 'only' }] } });
    assert.deepEqual(out.spec.containers, [{ name: 'only' }]);
  });

  it('a null patch changes nothing', () => {
    assert.deepEqual(smp(livePod(), null), livePod());
  });
});

describe('strategic merge patch: directives', () => {
  it('$patch: replace in a map', () => {
    const out = smp(livePod(), { spec: { securityContext: { $patch: 'replace', runAsUser: 1 } } });
    assert.deepEqual(out.spec.securityContext, { runAsUser: 1 });
  });

  it('$patch: delete in a map empties it', () => {
    const out = smp(livePod(), { spec: { securityContext: { $patch: 'delete' } } });
    assert.deepEqual(out.spec.securityContext, {});
  });

  it('$patch: delete in a list item removes the item', () => {
    const out = smp(livePod(), { spec: { containers: [{ name: 'side', $patch: 'delete' }] } });
    assert.deepEqual(out.spec.containers.map((c: Obj) => c.name), ['nginx']);
  });

  it('$patch: replace in a list replaces the list', () => {
    const out = smp(livePod(), { spec: { containers: [{ name: 'only', image: 'o' }, { $patch: 'replace' }] } });
    assert.deepEqual(out.spec.containers, [{ name: 'only', image: 'o' }]);
  });

  it('$retainKeys clears the union members not listed (volume source switch)', () => {
    const patch = { spec: { volumes: [{ name: 'data', hostPath: { path: '/x' }, $retainKeys: ['hostPath', 'name'] }] } };
    const out = smp(livePod(), patch);
    assert.deepEqual(out.spec.volumes, [{ name: 'data', hostPath: { path: '/x' } }]);
  });

  it('$deleteFromPrimitiveList removes values from a merging list of scalars', () => {
    const out = smp({ metadata: { finalizers: ['a', 'b', 'c'] } }, { metadata: { '$deleteFromPrimitiveList/finalizers': ['b'] } });
    assert.deepEqual(out.metadata.finalizers, ['a', 'c']);
  });

  it('$deleteFromPrimitiveList together with $setElementOrder', () => {
    const patch = { metadata: { '$setElementOrder/finalizers': ['c', 'a'], '$deleteFromPrimitiveList/finalizers': ['b'] } };
    const out = smp({ metadata: { finalizers: ['a', 'b', 'c'] } }, patch);
    assert.deepEqual(out.metadata.finalizers, ['c', 'a']);
  });
});

describe('strategic merge patch: malformed patches', () => {
  const cases: { name: string; patch: unknown; code: number; message: string }[] = [
    { name: 'unknown $patch value in a map', patch: { spec: { securityContext: { $patch: 'foo', a: 1 } } }, code: 400, message: 'unknown patch type: foo in map: map[$patch:foo a:1]' },
    { name: '$patch: merge in a map (kube: unknown patch type)', patch: { spec: { securityContext: { $patch: 'merge' } } }, code: 400, message: 'unknown patch type: merge in map: map[$patch:merge]' },
    { name: 'unknown $patch value in a list item', patch: { spec: { containers: [{ name: 'x', $patch: 'bogus' }] } }, code: 400, message: 'unknown patch type: bogus in map: map[$patch:bogus name:x]' },
    { name: '$patch: merge in a list', patch: { spec: { containers: [{ $patch: 'merge' }] } }, code: 400, message: 'merging lists cannot yet be specified in the patch' },
    { name: 'an unknown $ directive', patch: { spec: { $frob: 1 } }, code: 400, message: 'unknown patch directive "$frob" in map: map[$frob:1]' },
    { name: 'a merge-list item without its merge key', patch: { spec: { containers: [{ image: 'x' }] } }, code: 400, message: 'map: map[image:x] does not contain declared merge key: name' },
    { name: '$retainKeys that is not a list', patch: { spec: { $retainKeys: 'x' } }, code: 400, message: 'invalid patch format of retainKeys' },
    { name: 'a patched field missing from $retainKeys', patch: { spec: { $retainKeys: ['a'], b: 1 } }, code: 400, message: 'invalid patch format of retainKeys' },
    { name: '$setElementOrder without a list name', patch: { spec: { $setElementOrder: [] } }, code: 400, message: 'invalid patch format of setElementOrder list' },
    { name: '$deleteFromPrimitiveList without a list name', patch: { metadata: { $deleteFromPrimitiveList: ['a'] } }, code: 400, message: 'invalid patch format of primitive list' },
    {
      name: 'a patch list that disagrees with $setElementOrder',
      patch: { spec: { '$setElementOrder/containers': [{ name: 'nginx' }], containers: [{ name: 'side', image: 'x' }] } },
      code: 400,
      message: "The order in patch list:\n[map[image:x name:side]]\n doesn't match $setElementOrder list:\n[map[name:nginx]]\n",
    },
    { name: 'a list of lists', patch: { spec: { containers: [['x']] } }, code: 422, message: 'the server rejected our request due to an error in our request' },
    { name: 'a patch that is not an object', patch: [1], code: 400, message: 'json: cannot unmarshal array into Go value of type map[string]interface {}' },
  ];
  for (const c of cases) {
    it(`${c.name} → ${c.code}`, () => {
      assert.throws(
        () => applyStrategicMergePatch(livePod(), c.patch, POD),
        (e: unknown) => {
          assert.ok(e instanceof StatusError);
          assert.equal(e.code, c.code);
          assert.equal(e.message, c.message);
          return true;
        },
      );
    });
  }
});

describe('patch-meta: merge keys from the upstream struct tags', () => {
  const at = (schema: TypeSchema, ...path: string[]): TypeSchema => {
    let s = schema;
    for (const p of path) s = p === '[]' ? itemSchema(s) : fieldSchema(s, p);
    return s;
  };
  const cases: { path: string[]; schema?: TypeSchema; strategy: string; key?: string; listType: string; keys?: string[] }[] = [
    { path: ['spec', 'containers'], strategy: 'merge', key: 'name', listType: 'map', keys: ['name'] },
    { path: ['spec', 'initContainers'], strategy: 'merge', key: 'name', listType: 'map', keys: ['name'] },
    { path: ['spec', 'ephemeralContainers'], strategy: 'merge', key: 'name', listType: 'map', keys: ['name'] },
    { path: ['spec', 'volumes'], strategy: 'merge,retainKeys', key: 'name', listType: 'map', keys: ['name'] },
    { path: ['spec', 'containers', '[]', 'env'], strategy: 'merge', key: 'name', listType: 'map', keys: ['name'] },
    { path: ['spec', 'containers', '[]', 'ports'], strategy: 'merge', key: 'containerPort', listType: 'map', keys: ['containerPort', 'protocol'] },
    { path: ['spec', 'containers', '[]', 'volumeMounts'], strategy: 'merge', key: 'mountPath', listType: 'map', keys: ['mountPath'] },
    { path: ['spec', 'imagePullSecrets'], strategy: 'merge', key: 'name', listType: 'map', keys: ['name'] },
    { path: ['spec', 'hostAliases'], strategy: 'merge', key: 'ip', listType: 'map', keys: ['ip'] },
    { path: ['spec', 'topologySpreadConstraints'], strategy: 'merge', key: 'topologyKey', listType: 'map', keys: ['topologyKey', 'whenUnsatisfiable'] },
    { path: ['spec', 'tolerations'], strategy: '', listType: 'atomic' },
    { path: ['spec', 'readinessGates'], strategy: '', listType: 'atomic' },
    { path: ['status', 'conditions'], strategy: 'merge', key: 'type', listType: 'map', keys: ['type'] },
    { path: ['status', 'hostIPs'], strategy: 'merge', key: 'ip', listType: 'atomic' },
    { path: ['metadata', 'finalizers'], strategy: 'merge', listType: 'set' },
    { path: ['metadata', 'ownerReferences'], strategy: 'merge', key: 'uid', listType: 'map', keys: ['uid'] },
    { path: ['status', 'addresses'], schema: NODE, strategy: 'merge', key: 'type', listType: 'map', keys: ['type'] },
    { path: ['spec', 'taints'], schema: NODE, strategy: '', listType: 'atomic' },
    { path: ['spec', 'podCIDRs'], schema: NODE, strategy: 'merge', listType: 'set' },
  ];
  for (const c of cases) {
    it(`${c.schema === NODE ? 'Node' : 'Pod'} ${c.path.join('.')}`, () => {
      const s = at(c.schema ?? POD, ...c.path) as ListSchema;
      assert.equal(s.kind, 'list');
      assert.equal(s.patchStrategy ?? '', c.strategy);
      assert.equal(s.patchMergeKey, c.key);
      assert.equal(s.listType, c.listType);
      assert.deepEqual(s.listMapKeys, c.keys);
    });
  }

  it('covers core/v1 and coordination/v1 kinds', () => {
    for (const k of ['v1/Pod', 'v1/Node', 'v1/Service', 'v1/ConfigMap', 'v1/Secret', 'v1/Namespace', 'v1/Event', 'v1/Endpoints', 'v1/ServiceAccount', 'v1/PersistentVolumeClaim', 'coordination.k8s.io/v1/Lease']) {
      assert.ok(PATCH_META[k], k);
    }
    assert.equal(schemaFor('example.com/v1', 'Widget').fields.metadata, POD.fields.metadata);
  });

  it('parses patchStrategy tags and exposes OpenAPI extensions', () => {
    const volumes = fieldSchema(fieldSchema(POD, 'spec'), 'volumes');
    assert.deepEqual(patchStrategyOf(volumes), { strategy: 'merge', retainKeys: true });
    assert.deepEqual(openApiExtensions(volumes), {
      'x-kubernetes-patch-strategy': 'merge,retainKeys',
      'x-kubernetes-patch-merge-key': 'name',
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['name'],
    });
    assert.deepEqual(openApiExtensions(fieldSchema(fieldSchema(POD, 'spec'), 'nodeSelector')), { 'x-kubernetes-map-type': 'atomic' });
  });
});
