import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KINDS_BY_GROUP_VERSION, REF_PREFIX, resolveSchema, SCHEMAS, schemaNameFor, schemasForGroupVersion, type Schema } from './schemas.ts';

function refsIn(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => refsIn(v, out));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref') out.push(String(v));
      else refsIn(v, out);
    }
  }
  return out;
}

const props = (name: string) => SCHEMAS[name]!.properties as Record<string, Schema>;

describe('SCHEMAS', () => {
  it('every $ref resolves to a definition', () => {
    for (const r of refsIn(SCHEMAS)) {
      assert.ok(r.startsWith(REF_PREFIX), r);
      assert.ok(r.slice(REF_PREFIX.length) in SCHEMAS, `dangling ${r}`);
    }
  });

  it('top-level kinds carry x-kubernetes-group-version-kind', () => {
    const gvk = (name: string) => SCHEMAS[name]!['x-kubernetes-group-version-kind'];
    assert.deepEqual(gvk('io.k8s.api.core.v1.Pod'), [{ group: '', kind: 'Pod', version: 'v1' }]);
    assert.deepEqual(gvk('io.k8s.api.coordination.v1.Lease'), [{ group: 'coordination.k8s.io', kind: 'Lease', version: 'v1' }]);
    for (const [gv, kinds] of Object.entries(KINDS_BY_GROUP_VERSION)) {
      for (const [kind, name] of Object.entries(kinds)) {
        const list = gvk(name) as { kind: string }[] | undefined;
        assert.ok(list?.some((g) => g.kind === kind), `${gv} ${kind}`);
      }
    }
  });

  it('lists carry kube merge/list extensions', () => {
    assert.deepEqual(
      Object.fromEntries(Object.entries(props('io.k8s.api.core.v1.PodSpec').containers!).filter(([k]) => k.startsWith('x-'))),
      {
        'x-kubernetes-list-map-keys': ['name'],
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-patch-merge-key': 'name',
        'x-kubernetes-patch-strategy': 'merge',
      },
    );
    const ports = props('io.k8s.api.core.v1.Container').ports!;
    assert.deepEqual(ports['x-kubernetes-list-map-keys'], ['containerPort', 'protocol']);
    assert.equal(ports['x-kubernetes-patch-merge-key'], 'containerPort');
    assert.equal(props('io.k8s.api.core.v1.PodSpec').volumes!['x-kubernetes-patch-strategy'], 'merge,retainKeys');
    assert.equal(props('io.k8s.api.core.v1.PodStatus').conditions!['x-kubernetes-patch-merge-key'], 'type');
  });

  it('fields that kubectl explain shows have descriptions and types', () => {
    const container = props('io.k8s.api.core.v1.Container');
    for (const f of ['name', 'image', 'ports', 'env', 'resources', 'volumeMounts', 'livenessProbe', 'restartPolicy']) {
      assert.ok(typeof container[f]!.description === 'string' && (container[f]!.description as string).length > 10, f);
    }
    assert.deepEqual(SCHEMAS['io.k8s.api.core.v1.Container']!.required, ['name']);
    assert.deepEqual(SCHEMAS['io.k8s.api.core.v1.PodSpec']!.required, ['containers']);
    assert.deepEqual(props('io.k8s.api.core.v1.PodSpec').restartPolicy!.enum, ['Always', 'Never', 'OnFailure']);
  });

  it('maps accept any key', () => {
    const labels = props('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta').labels!;
    assert.equal(labels.type, 'object');
    assert.deepEqual(labels.additionalProperties, { type: 'string', default: '' });
  });
});

describe('lookups', () => {
  it('schemaNameFor', () => {
    assert.equal(schemaNameFor('Pod'), 'io.k8s.api.core.v1.Pod');
    assert.equal(schemaNameFor('Lease'), 'io.k8s.api.coordination.v1.Lease');
    assert.equal(schemaNameFor('Lease', 'v1'), undefined);
    assert.equal(schemaNameFor('io.k8s.api.core.v1.PodSpec'), 'io.k8s.api.core.v1.PodSpec');
  });
  it('resolveSchema follows allOf wrappers', () => {
    assert.equal(resolveSchema(props('io.k8s.api.core.v1.Pod').spec), SCHEMAS['io.k8s.api.core.v1.PodSpec']);
  });
  it('schemasForGroupVersion returns a closed set', () => {
    for (const gv of ['v1', 'coordination.k8s.io/v1'] as const) {
      const set = schemasForGroupVersion(gv);
      for (const r of refsIn(set)) assert.ok(r.slice(REF_PREFIX.length) in set, `${gv}: ${r}`);
    }
    const coord = schemasForGroupVersion('coordination.k8s.io/v1');
    assert.ok('io.k8s.api.coordination.v1.LeaseSpec' in coord);
    assert.ok(!('io.k8s.api.core.v1.PodSpec' in coord));
  });
});
