import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Event, Namespace, Node } from '../core-v1.ts';
import type { Lease } from '../coordination-v1.ts';
import { defaultEvent } from './event.ts';
import { defaultLease } from './lease.ts';
import { defaultNamespace, setNamespaceSchemeDefaults } from './namespace.ts';
import { defaultNode } from './node.ts';

describe('defaultNode', () => {
  it('allocatable defaults to capacity; quantities canonical; podCIDR(s) in step', () => {
    const node = defaultNode({ metadata: { name: 'n1' }, spec: { podCIDR: '10.244.1.0/24' }, status: { capacity: { cpu: 2, memory: '4096Mi' } } } as Node);
    assert.deepEqual(node.spec, { podCIDR: '10.244.1.0/24', podCIDRs: ['10.244.1.0/24'] });
    assert.deepEqual(node.status?.capacity, { cpu: '2', memory: '4Gi' });
    assert.deepEqual(node.status?.allocatable, { cpu: '2', memory: '4Gi' });
  });
  it('podCIDR mirrors podCIDRs[0] and allocatable is kept', () => {
    const node = defaultNode({ metadata: { name: 'n1' }, spec: { podCIDRs: ['10.244.1.0/24', 'fd00::/64'] }, status: { capacity: { cpu: '2' }, allocatable: { cpu: '1900m' } } } as Node);
    assert.equal(node.spec?.podCIDR, '10.244.1.0/24');
    assert.deepEqual(node.status?.allocatable, { cpu: '1900m' });
  });
});

describe('defaultNamespace', () => {
  it('adds the name label, the kubernetes finalizer and phase Active', () => {
    const ns = defaultNamespace({ metadata: { name: 'team-a' } } as Namespace);
    assert.deepEqual(ns, {
      metadata: { name: 'team-a', labels: { 'kubernetes.io/metadata.name': 'team-a' } },
      spec: { finalizers: ['kubernetes'] },
      status: { phase: 'Active' },
    });
  });
  it('scheme defaults alone keep the finalizers as given', () => {
    const ns = setNamespaceSchemeDefaults({ metadata: { name: 'a', labels: { x: 'y' } }, spec: { finalizers: [] } } as Namespace);
    assert.deepEqual(ns.spec, { finalizers: [] });
    assert.deepEqual(ns.metadata.labels, { x: 'y', 'kubernetes.io/metadata.name': 'a' });
  });
});

describe('defaultEvent and defaultLease', () => {
  it('event gets the fields Go always encodes', () => {
    const ev = defaultEvent({ metadata: { name: 'e' }, reason: 'X' } as unknown as Event);
    assert.deepEqual(ev, {
      metadata: { name: 'e' },
      reason: 'X',
      involvedObject: {},
      source: {},
      firstTimestamp: null,
      lastTimestamp: null,
      eventTime: null,
      reportingComponent: '',
      reportingInstance: '',
    });
  });
  it('lease gets an empty spec', () => {
    assert.deepEqual(defaultLease({ metadata: { name: 'n1' } } as Lease).spec, {});
  });
});
