import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { EndpointSlice } from '../../../../shared/api/discovery-v1.ts';
import type { Endpoints } from '../../../../shared/api/core-v1.ts';
import { endpointSliceStrategy } from './strategy.ts';
import { endpointsStrategy } from '../../core/endpoints/strategy.ts';

const slice = (over: Partial<EndpointSlice> = {}): EndpointSlice => ({
  metadata: { name: 'web-x', namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' }, generation: 3 },
  addressType: 'IPv4',
  endpoints: [{ addresses: ['10.0.0.1'] }],
  ports: [{ port: 80 }],
  ...over,
});

describe('endpointSliceStrategy', () => {
  it('defaults port name and protocol and endpoint conditions on create, and drops deprecatedTopology', () => {
    const s = slice({ endpoints: [{ addresses: ['10.0.0.1'], deprecatedTopology: { 'kubernetes.io/hostname': 'n1' }, hints: { forZones: [{ name: 'z' }], forNodes: [{ name: 'n1' }] } }] });
    endpointSliceStrategy.prepareForCreate(s);
    assert.deepEqual(s.ports, [{ port: 80, name: '', protocol: 'TCP' }]);
    assert.deepEqual(s.endpoints, [{ addresses: ['10.0.0.1'], conditions: {}, hints: { forZones: [{ name: 'z' }] } }]);
    assert.equal(endpointSliceStrategy.tracksGeneration, true);
    assert.equal(endpointSliceStrategy.allowCreateOnUpdate, false);
  });
  it('bumps generation when only the labels change', () => {
    const old = slice();
    endpointSliceStrategy.prepareForCreate(old);
    const next = structuredClone(old);
    next.metadata.labels = { 'kubernetes.io/service-name': 'other' };
    endpointSliceStrategy.prepareForUpdate(next, old);
    assert.equal(next.metadata.generation, 4);
    const same = structuredClone(old);
    same.metadata.annotations = { a: 'b' };
    endpointSliceStrategy.prepareForUpdate(same, old);
    assert.equal(same.metadata.generation, 3);
  });
  it('moves a known node name out of deprecatedTopology when endpoints change', () => {
    const old = slice({ endpoints: [{ addresses: ['10.0.0.1'], conditions: {}, deprecatedTopology: { 'kubernetes.io/hostname': 'n1' } }] });
    const next = slice({ endpoints: [{ addresses: ['10.0.0.2'], deprecatedTopology: { 'kubernetes.io/hostname': 'n1' } }, { addresses: ['10.0.0.3'], deprecatedTopology: { 'kubernetes.io/hostname': 'n9' } }] });
    endpointSliceStrategy.prepareForUpdate(next, old);
    assert.deepEqual(next.endpoints, [
      { addresses: ['10.0.0.2'], conditions: {}, nodeName: 'n1' },
      { addresses: ['10.0.0.3'], conditions: {} },
    ]);
  });
});

describe('endpointsStrategy', () => {
  it('defaults protocols, repacks subsets and creates on update', () => {
    const e: Endpoints = {
      metadata: { name: 'web', namespace: 'default' },
      subsets: [
        { addresses: [{ ip: '10.0.0.2' }], ports: [{ name: 'http', port: 80 }] },
        { addresses: [{ ip: '10.0.0.1' }], notReadyAddresses: [{ ip: '10.0.0.3' }], ports: [{ name: 'http', port: 80 }] },
      ],
    };
    endpointsStrategy.prepareForCreate(e);
    endpointsStrategy.canonicalize?.(e);
    assert.deepEqual(e.subsets, [{ addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }], notReadyAddresses: [{ ip: '10.0.0.3' }], ports: [{ name: 'http', port: 80, protocol: 'TCP' }] }]);
    assert.equal(endpointsStrategy.allowCreateOnUpdate, true);
    const empty: Endpoints = { metadata: { name: 'x', namespace: 'default' }, subsets: [] };
    endpointsStrategy.canonicalize?.(empty);
    assert.equal('subsets' in empty, false);
  });
});
