import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { validateNode, validateNodeUpdate } from './node.ts';

const render = (errs: { field: string; detail: string }[]) => errs.map((e) => `${e.field}: ${e.detail}`);
const node = (over: Record<string, unknown> = {}) => ({
  metadata: { name: 'n1', resourceVersion: '3', uid: 'u' },
  spec: { podCIDR: '10.244.1.0/24', podCIDRs: ['10.244.1.0/24'] },
  status: { capacity: { cpu: '2', memory: '4Gi', pods: '110' }, allocatable: { cpu: '2', memory: '4Gi', pods: '110' } },
  ...over,
});

describe('validateNode', () => {
  const cases: [string, unknown, string[]][] = [
    ['valid', node(), []],
    ['namespace forbidden', node({ metadata: { name: 'n1', namespace: 'default' } }), ['metadata.namespace: Forbidden: not allowed on this type']],
    [
      'taints (kube reports them under metadata.taints)',
      node({ spec: { taints: [{ key: 'a', effect: 'Sometimes' }, { key: 'b', effect: 'NoSchedule' }, { key: 'b', effect: 'NoSchedule' }, { key: 'c' }] } }),
      [
        'metadata.taints[0].effect: Unsupported value: "Sometimes": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"',
        'metadata.taints[2]: Duplicate value: {"key":"b","effect":"NoSchedule"}: taints must be unique by key and effect pair',
        'metadata.taints[3].effect: Required value',
      ],
    ],
    [
      'capacity quantities',
      node({ status: { capacity: { cpu: '-1', pods: '1.5' } } }),
      ['status.capacity.cpu: Invalid value: "-1": must be greater than or equal to 0', 'status.capacity.pods: Invalid value: "1500m": must be an integer'],
    ],
    [
      'podCIDRs',
      node({ spec: { podCIDRs: ['10.0.0.0/33', '10.1.0.0/16'] } }),
      [
        'spec.podCIDRs[0]: Invalid value: "10.0.0.0/33": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)',
        'spec.podCIDRs: Invalid value: ["10.0.0.0/33","10.1.0.0/16"]: may specify no more than one CIDR for each IP family',
      ],
    ],
    ['dual-stack podCIDRs', node({ spec: { podCIDRs: ['10.1.0.0/16', 'fd00::/64'] } }), []],
  ];
  for (const [name, n, want] of cases) it(name, () => assert.deepEqual(render(validateNode(n)), want));
});

describe('validateNodeUpdate', () => {
  it('allows status and unschedulable changes', () => {
    const old = node();
    assert.deepEqual(validateNodeUpdate({ ...node(), spec: { ...old.spec, unschedulable: true } }, old), []);
  });
  it('podCIDRs and providerID are write-once', () => {
    const old = { ...node(), spec: { podCIDRs: ['10.244.1.0/24'], providerID: 'kind://n1' } };
    const upd = { ...node(), spec: { podCIDRs: ['10.244.2.0/24'], providerID: 'kind://n2' } };
    assert.deepEqual(render(validateNodeUpdate(upd, old)), [
      'spec.podCIDRs: Forbidden: node updates may not change podCIDR except from "" to valid',
      'spec.providerID: Forbidden: node updates may not change providerID except from "" to valid',
    ]);
    assert.deepEqual(validateNodeUpdate(upd, { ...node(), spec: {} }), []);
  });
  it('duplicate addresses', () => {
    const n = node({ status: { addresses: [{ type: 'InternalIP', address: '1.2.3.4' }, { type: 'InternalIP', address: '1.2.3.4' }] } });
    assert.deepEqual(render(validateNodeUpdate(n, node())), ['status.addresses[1]: Duplicate value: {"type":"InternalIP","address":"1.2.3.4"}']);
  });
});
