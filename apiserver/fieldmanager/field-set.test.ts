import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { schemaFor } from '../patch/patch-meta.ts';
import { FieldSet, keyElement, pathString, valueElement } from './field-set.ts';
import { TypedValueError, compare, ensureNamedFieldsAreMembers, merge, pruneUnowned, removeFields, toFieldSet } from './typed-value.ts';

const POD = schemaFor('v1', 'Pod');

describe('FieldSet <-> fieldsV1', () => {
  it('encodes like kube: "." only on members that have children, keys sorted f: < k: < v: < i:', () => {
    const nginx = keyElement({ name: 'nginx' });
    const set = FieldSet.of(
      ['f:metadata', 'f:labels', 'f:app'],
      ['f:spec', 'f:containers', nginx],
      ['f:spec', 'f:containers', nginx, 'f:image'],
    );
    assert.equal(
      JSON.stringify(set.toFieldsV1()),
      '{"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:containers":{"k:{\\"name\\":\\"nginx\\"}":{".":{},"f:image":{}}}}}',
    );
    const mixed = FieldSet.of(['f:z'], ['i:1'], [valueElement('b')], [keyElement({ b: 1, a: 'x' })], ['f:a'], [valueElement(1)]);
    assert.deepEqual(Object.keys(mixed.toFieldsV1()), ['f:a', 'f:z', 'k:{"a":"x","b":1}', 'v:1', 'v:"b"', 'i:1']);
  });

  it('decodes kube fieldsV1 and round-trips it', () => {
    const raw = {
      'f:metadata': { 'f:labels': { '.': {}, 'f:run': {} } },
      'f:spec': {
        'f:containers': {
          'k:{"name":"web"}': { '.': {}, 'f:args': {}, 'f:image': {}, 'f:resources': {} },
        },
        'f:dnsPolicy': {},
      },
    };
    const set = FieldSet.fromFieldsV1(raw);
    assert.deepEqual(set.paths().map(pathString), [
      '.metadata.labels',
      '.metadata.labels.run',
      '.spec.dnsPolicy',
      '.spec.containers[name="web"]',
      '.spec.containers[name="web"].args',
      '.spec.containers[name="web"].image',
      '.spec.containers[name="web"].resources',
    ]);
    assert.deepEqual(set.toFieldsV1(), raw);
  });

  it('normalizes key spelling when decoding', () => {
    const set = FieldSet.fromFieldsV1({ 'k:{"protocol": "TCP", "containerPort": 80}': {} });
    assert.ok(set.has([keyElement({ containerPort: 80, protocol: 'TCP' })]));
  });

  it('rejects malformed fieldsV1', () => {
    assert.throws(() => FieldSet.fromFieldsV1({ 'x:foo': {} }), /unrecognized path element/);
    assert.throws(() => FieldSet.fromFieldsV1({ 'f:foo': 1 }), /expected an object/);
    assert.throws(() => FieldSet.fromFieldsV1('nope'));
  });

  it('renders paths like fieldpath.Path.String', () => {
    assert.equal(pathString(['f:spec', 'f:containers', keyElement({ name: 'nginx' }), 'f:image']), '.spec.containers[name="nginx"].image');
    assert.equal(pathString(['f:ports', keyElement({ protocol: 'TCP', containerPort: 80 })]), '.ports[containerPort=80,protocol="TCP"]');
    assert.equal(pathString(['f:metadata', 'f:finalizers', valueElement('a/b')]), '.metadata.finalizers[="a/b"]');
    assert.equal(pathString(['f:x', 'i:3']), '.x[3]');
  });

  it('set algebra', () => {
    const a = FieldSet.of(['f:a', 'f:b'], ['f:a', 'f:c'], ['f:d']);
    const b = FieldSet.of(['f:a', 'f:c'], ['f:e']);
    assert.deepEqual(a.union(b).paths().map(pathString), ['.d', '.e', '.a.b', '.a.c']);
    assert.deepEqual(a.intersection(b).paths().map(pathString), ['.a.c']);
    assert.deepEqual(a.difference(b).paths().map(pathString), ['.d', '.a.b']);
    assert.deepEqual(a.recursiveDifference(FieldSet.of(['f:a'])).paths().map(pathString), ['.d']);
    assert.ok(a.difference(a).isEmpty());
    assert.ok(a.equals(a.clone()));
  });
});

describe('toFieldSet (what an applier owns)', () => {
  it('matches kube for a server-side-applied pod', () => {
    const applied = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web', labels: { app: 'web' } },
      spec: { containers: [{ name: 'nginx', image: 'nginx:1.26', ports: [{ containerPort: 80 }], resources: {} }] },
    };
    const set = toFieldSet(applied, POD);
    assert.deepEqual(set.toFieldsV1(), {
      'f:apiVersion': {},
      'f:kind': {},
      'f:metadata': { 'f:labels': { 'f:app': {} }, 'f:name': {} },
      'f:spec': {
        'f:containers': {
          'k:{"name":"nginx"}': {
            '.': {},
            'f:image': {},
            'f:name': {},
            'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } },
            'f:resources': {},
          },
        },
      },
    });
  });

  it('atomic lists and structs are leaves; sets are by value', () => {
    const set = toFieldSet(
      { metadata: { finalizers: ['a'], ownerReferences: [{ uid: 'u1', name: 'o' }] }, spec: { tolerations: [{ key: 'k' }], nodeSelector: { a: 'b' } } },
      POD,
    );
    assert.deepEqual(set.paths().map(pathString), [
      '.metadata.finalizers[="a"]',
      '.metadata.ownerReferences[uid="u1"]',
      '.spec.nodeSelector',
      '.spec.tolerations',
    ]);
  });

  it('a list-map item without its key is an error with the kube text', () => {
    assert.throws(
      () => toFieldSet({ spec: { containers: [{ image: 'x' }] } }, POD),
      (e: unknown) => e instanceof TypedValueError && e.message === '.spec.containers: element 0: associative list with keys has an element that omits key field "name" (and doesn\'t have default value)',
    );
  });
});

describe('compare / merge / removeFields', () => {
  it('compare reports added nodes, modified leaves and removed items', () => {
    const lhs = { metadata: { labels: { a: '1' } }, spec: { containers: [{ name: 'x', image: 'i1' }, { name: 'y' }] } };
    const rhs = { metadata: { labels: { a: '2', b: '1' }, annotations: { k: 'v' } }, spec: { containers: [{ name: 'x', image: 'i2' }] } };
    const c = compare(lhs, rhs, POD);
    assert.deepEqual(c.added.paths().map(pathString), ['.metadata.annotations', '.metadata.annotations.k', '.metadata.labels.b']);
    assert.deepEqual(c.modified.paths().map(pathString), ['.metadata.labels.a', '.spec.containers[name="x"].image']);
    assert.deepEqual(c.removed.paths().map(pathString), ['.spec.containers[name="y"]', '.spec.containers[name="y"].name']);
  });

  it('merge: configuration wins, list-maps merge by key keeping live-only items in place, null removes', () => {
    const live = { spec: { containers: [{ name: 'a', image: 'a1', imagePullPolicy: 'Always' }, { name: 'b', image: 'b1' }], tolerations: [{ key: 'x' }] }, status: { phase: 'Running' } };
    const config = { spec: { containers: [{ name: 'c', image: 'c1' }, { name: 'a', image: 'a2', imagePullPolicy: null }], tolerations: [{ key: 'y' }] } };
    assert.deepEqual(merge(live, config, POD), {
      spec: {
        containers: [{ name: 'c', image: 'c1' }, { name: 'a', image: 'a2' }, { name: 'b', image: 'b1' }],
        tolerations: [{ key: 'y' }],
      },
      status: { phase: 'Running' },
    });
  });

  it('removeFields removes items with their subtree and drops emptied maps and structs (null in kube)', () => {
    const obj = { metadata: { labels: { a: '1' } }, spec: { containers: [{ name: 'a', image: 'x' }, { name: 'b' }], securityContext: { runAsUser: 1 } } };
    const out = removeFields(obj, FieldSet.of(['f:metadata', 'f:labels', 'f:a'], ['f:spec', 'f:containers', keyElement({ name: 'a' })], ['f:spec', 'f:securityContext', 'f:runAsUser']), POD);
    // remove.go leaves `labels: null` / `securityContext: null`, which the Go types omit; the parents stay.
    assert.deepEqual(out, { metadata: {}, spec: { containers: [{ name: 'b' }] } });
    assert.deepEqual(obj.metadata.labels, { a: '1' }, 'input not mutated');
  });

  it('ensureNamedFieldsAreMembers adds struct fields with owned descendants, not map keys or list items', () => {
    const nginx = keyElement({ name: 'nginx' });
    const port = keyElement({ containerPort: 80, protocol: 'TCP' });
    const set = FieldSet.of(['f:metadata', 'f:labels', 'f:app'], ['f:spec', 'f:containers', nginx, 'f:ports', port, 'f:containerPort']);
    assert.deepEqual(ensureNamedFieldsAreMembers(set, POD).paths().map(pathString), [
      '.metadata',
      '.spec',
      '.metadata.labels',
      '.metadata.labels.app',
      '.spec.containers',
      '.spec.containers[name="nginx"].ports',
      '.spec.containers[name="nginx"].ports[containerPort=80,protocol="TCP"].containerPort',
    ]);
  });

  it('pruneUnowned (merge.Updater.prune): a list owned whole last time keeps the items still applied', () => {
    const nginx = keyElement({ name: 'nginx' });
    const port = keyElement({ containerPort: 80, protocol: 'TCP' });
    const merged = {
      metadata: { labels: { app: 'web', gone: 'x', kept: 'y' } },
      spec: {
        containers: [{ name: 'nginx', image: 'i', ports: [{ containerPort: 80, protocol: 'TCP' }], terminationMessagePath: '/dev/termination-log' }],
        dnsPolicy: 'ClusterFirst',
        tolerations: [{ key: 'k' }],
      },
    };
    // Last time (after kubectl's client-side-apply migration) the applier owned the list itself, the
    // defaulted protocol and dnsPolicy, and two labels; the tolerations were never its.
    const last = FieldSet.of(
      ['f:metadata', 'f:labels', 'f:app'],
      ['f:metadata', 'f:labels', 'f:gone'],
      ['f:metadata', 'f:labels', 'f:kept'],
      ['f:spec', 'f:containers', nginx],
      ['f:spec', 'f:containers', nginx, 'f:image'],
      ['f:spec', 'f:containers', nginx, 'f:name'],
      ['f:spec', 'f:containers', nginx, 'f:terminationMessagePath'],
      ['f:spec', 'f:containers', nginx, 'f:ports'],
      ['f:spec', 'f:containers', nginx, 'f:ports', port],
      ['f:spec', 'f:containers', nginx, 'f:ports', port, 'f:containerPort'],
      ['f:spec', 'f:containers', nginx, 'f:ports', port, 'f:protocol'],
      ['f:spec', 'f:dnsPolicy'],
    );
    const config = FieldSet.of(
      ['f:metadata', 'f:labels', 'f:app'],
      ['f:spec', 'f:containers', nginx],
      ['f:spec', 'f:containers', nginx, 'f:image'],
      ['f:spec', 'f:containers', nginx, 'f:name'],
      ['f:spec', 'f:containers', nginx, 'f:ports', port],
      ['f:spec', 'f:containers', nginx, 'f:ports', port, 'f:containerPort'],
    );
    const owned = config.union(FieldSet.of(['f:metadata', 'f:labels', 'f:kept']));
    assert.deepEqual(pruneUnowned(merged, last, owned, POD), {
      metadata: { labels: { app: 'web', kept: 'y' } },
      spec: { containers: [{ name: 'nginx', image: 'i', ports: [{ containerPort: 80 }] }], tolerations: [{ key: 'k' }] },
    });
    assert.equal(merged.spec.dnsPolicy, 'ClusterFirst', 'input not mutated');
    assert.equal(pruneUnowned(merged, new FieldSet(), owned, POD), merged, 'nothing applied before: nothing pruned');
  });
});
