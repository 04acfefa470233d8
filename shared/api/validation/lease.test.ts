import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { validateLease, validateLeaseUpdate } from './lease.ts';

const render = (errs: { field: string; detail: string }[]) => errs.map((e) => `${e.field}: ${e.detail}`);

describe('validateLease', () => {
  const lease = (spec: Record<string, unknown>) => ({ metadata: { name: 'n1', namespace: 'kube-node-lease', resourceVersion: '1' }, spec });
  it('accepts a node heartbeat lease', () => {
    assert.deepEqual(validateLease(lease({ holderIdentity: 'n1', leaseDurationSeconds: 40, renewTime: '2024-01-01T00:00:00.000000Z' })), []);
  });
  it('checks durations, transitions and strategy', () => {
    assert.deepEqual(render(validateLease(lease({ leaseDurationSeconds: 0, leaseTransitions: -1, strategy: 'Newest', preferredHolder: 'x' }))), [
      'spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0',
      'spec.leaseTransitions: Invalid value: -1: must be greater than or equal to 0',
      'spec.strategy.strategy: Unsupported value: "Newest": supported values: "OldestEmulationVersion"',
    ]);
    assert.deepEqual(render(validateLease(lease({ preferredHolder: 'x' }))), ['spec.preferredHolder: Forbidden: may only be specified if `strategy` is defined']);
  });
  it('is namespaced', () => {
    assert.deepEqual(render(validateLease({ metadata: { name: 'x' }, spec: {} })), ['metadata.namespace: Required value']);
  });
  it('update checks metadata too', () => {
    const old = lease({});
    assert.deepEqual(validateLeaseUpdate(lease({ holderIdentity: 'n2' }), old), []);
    assert.deepEqual(render(validateLeaseUpdate({ ...lease({}), metadata: { name: 'n1', namespace: 'kube-node-lease' } }, old)), [
      'metadata.resourceVersion: Invalid value: "": must be specified for an update',
    ]);
  });
});
