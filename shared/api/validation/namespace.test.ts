import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { validateNamespace, validateNamespaceFinalizeUpdate, validateNamespaceStatusUpdate, validateNamespaceUpdate } from './namespace.ts';

const render = (errs: { field: string; detail: string }[]) => errs.map((e) => `${e.field}: ${e.detail}`);

describe('validateNamespace', () => {
  it('accepts a DNS label name with the kubernetes finalizer', () => {
    assert.deepEqual(validateNamespace({ metadata: { name: 'team-a' }, spec: { finalizers: ['kubernetes'] } }), []);
  });
  it('requires a DNS-1123 label', () => {
    assert.deepEqual(render(validateNamespace({ metadata: { name: 'team.a' } })), ['metadata.name: Invalid value: "team.a": must not contain dots']);
    assert.deepEqual(render(validateNamespace({ metadata: { name: 'Team' } })), [
      "metadata.name: Invalid value: \"Team\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
    ]);
  });
  it('checks spec finalizers', () => {
    assert.deepEqual(render(validateNamespace({ metadata: { name: 'a' }, spec: { finalizers: ['foo'] } })), [
      'spec.finalizers: Invalid value: "foo": name is neither a standard finalizer name nor is it fully qualified',
    ]);
  });
});

describe('namespace updates', () => {
  const old = { metadata: { name: 'a', resourceVersion: '1' }, status: { phase: 'Active' } };
  it('metadata rules', () => {
    assert.deepEqual(validateNamespaceUpdate({ ...old, metadata: { ...old.metadata, labels: { x: 'y' } } }, old), []);
  });
  it('status phase follows deletionTimestamp', () => {
    assert.deepEqual(render(validateNamespaceStatusUpdate({ ...old, status: { phase: 'Terminating' } }, old)), [
      "status.Phase: Invalid value: \"Terminating\": may only be 'Active' if `deletionTimestamp` is empty",
    ]);
    const deleting = { metadata: { ...old.metadata, deletionTimestamp: '2024-01-01T00:00:00Z' }, status: { phase: 'Terminating' } };
    assert.deepEqual(validateNamespaceStatusUpdate(deleting, deleting), []);
  });
  it('finalize indexes the finalizer path', () => {
    assert.deepEqual(render(validateNamespaceFinalizeUpdate({ ...old, spec: { finalizers: ['bad'] } }, old)), [
      'spec.finalizers[0]: Invalid value: "bad": name is neither a standard finalizer name nor is it fully qualified',
    ]);
  });
});
