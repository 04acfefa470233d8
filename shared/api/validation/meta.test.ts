import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ObjectMeta } from '../meta.ts';
import { nameIsDNSLabel, nameIsDNSSubdomain } from './names.ts';
import { validateGenericObjectMeta, validateLabels, validateObjectMeta, validateObjectMetaUpdate } from './meta.ts';

const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

const render = (errs: { field: string; detail: string }[]) => errs.map((e) => `${e.field}: ${e.detail}`);

describe('validateObjectMeta', () => {
  const ns = { namespaced: true, nameValidator: nameIsDNSSubdomain };
  const cases: [string, ObjectMeta, { namespaced: boolean; nameValidator?: typeof nameIsDNSLabel; dnsLabel?: boolean }, string[]][] = [
    ['valid namespaced', { name: 'web', namespace: 'default' }, ns, []],
    ['missing name', { namespace: 'default' }, ns, ['metadata.name: Required value: name or generateName is required']],
    ['bad name', { name: 'Web', namespace: 'default' }, ns, [`metadata.name: Invalid value: "Web": ${SUBDOMAIN_MSG}`]],
    ['missing namespace', { name: 'web' }, ns, ['metadata.namespace: Required value']],
    ['cluster-scoped with namespace', { name: 'n1', namespace: 'x' }, { namespaced: false }, ['metadata.namespace: Forbidden: not allowed on this type']],
    ['dnsLabel shorthand', { name: 'a.b' }, { namespaced: false, dnsLabel: true }, ['metadata.name: Invalid value: "a.b": must not contain dots']],
    ['generateName prefix', { generateName: 'web-', name: 'web-abcde', namespace: 'default' }, ns, []],
    ['negative generation', { name: 'a', namespace: 'd', generation: -1 }, ns, ['metadata.generation: Invalid value: -1: must be greater than or equal to 0']],
    [
      'bad label value',
      { name: 'a', namespace: 'd', labels: { app: 'a b' } },
      ns,
      [
        `metadata.labels: Invalid value: "a b": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`,
      ],
    ],
    [
      'unqualified finalizer',
      { name: 'a', namespace: 'd', finalizers: ['foo'] },
      ns,
      ['metadata.finalizers[0]: Invalid value: "foo": name is neither a standard finalizer name nor is it fully qualified'],
    ],
    ['standard finalizers', { name: 'a', namespace: 'd', finalizers: ['kubernetes', 'example.com/x'] }, ns, []],
    [
      'owner reference fields',
      { name: 'a', namespace: 'd', ownerReferences: [{ apiVersion: '', kind: 'X', name: 'x', uid: '' }] },
      ns,
      ['metadata.ownerReferences.apiVersion: Invalid value: "": version must not be empty', 'metadata.ownerReferences.uid: Invalid value: "": must not be empty'],
    ],
  ];
  for (const [name, meta, opts, want] of cases) {
    it(name, () => assert.deepEqual(render(validateObjectMeta(meta, opts)), want));
  }

  it('annotation keys are case-insensitive qualified names and sizes are capped', () => {
    assert.deepEqual(validateObjectMeta({ name: 'a', namespace: 'd', annotations: { 'Example.com/Foo': 'x' } }, ns), []);
    const big = { name: 'a', namespace: 'd', annotations: { k: 'x'.repeat(256 * 1024) } };
    assert.deepEqual(render(validateObjectMeta(big, ns)), ['metadata.annotations: Too long: may not be more than 262144 bytes']);
  });

  it('label key errors are reported on the map path', () => {
    const errs = validateLabels({ 'a/b/c': 'x' }, 'spec.nodeSelector');
    assert.equal(errs.length, 1);
    assert.equal(errs[0]!.field, 'spec.nodeSelector');
    assert.equal(errs[0]!.type, 'FieldValueInvalid');
  });
});

describe('validateGenericObjectMeta (rest.BeforeCreate pass)', () => {
  it('requires a path-safe name', () => {
    assert.deepEqual(render(validateGenericObjectMeta({ namespace: 'd' }, true)), ['metadata.name: Required value: name or generateName is required']);
    assert.deepEqual(render(validateGenericObjectMeta({ name: 'a/b', namespace: 'd' }, true)), ['metadata.name: Invalid value: "a/b": may not contain \'/\'']);
    assert.deepEqual(render(validateGenericObjectMeta({ name: '..', namespace: 'd' }, true)), ["metadata.name: Invalid value: \"..\": may not be '..'"]);
    assert.deepEqual(validateGenericObjectMeta({ name: 'Any_Thing', namespace: 'd', finalizers: ['foo'] }, true), []);
  });
});

describe('validateObjectMetaUpdate', () => {
  const old: ObjectMeta = { name: 'a', namespace: 'd', uid: 'u1', resourceVersion: '5', creationTimestamp: '2024-01-01T00:00:00Z', generation: 2 };
  it('accepts label and annotation changes', () => {
    assert.deepEqual(validateObjectMetaUpdate({ ...old, labels: { x: 'y' }, annotations: { a: 'b' } }, old), []);
  });
  it('rejects identity changes', () => {
    assert.deepEqual(render(validateObjectMetaUpdate({ ...old, name: 'b', uid: 'u2' }, old)), [
      'metadata.name: Invalid value: "b": field is immutable',
      'metadata.uid: Invalid value: "u2": field is immutable',
    ]);
  });
  it('requires a resourceVersion and a non-decreasing generation', () => {
    assert.deepEqual(render(validateObjectMetaUpdate({ ...old, resourceVersion: '', generation: 1 }, old)), [
      'metadata.resourceVersion: Invalid value: "": must be specified for an update',
      'metadata.generation: Invalid value: 1: must not be decremented',
    ]);
  });
  it('forbids new finalizers while deleting', () => {
    const deleting = { ...old, deletionTimestamp: '2024-01-02T00:00:00Z', finalizers: ['a.io/x'] };
    assert.deepEqual(render(validateObjectMetaUpdate({ ...deleting, finalizers: ['a.io/x', 'b.io/y'] }, deleting)), [
      'metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"b.io/y"}',
    ]);
    assert.deepEqual(validateObjectMetaUpdate({ ...deleting, finalizers: [] }, deleting), []);
  });
});
