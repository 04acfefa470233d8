import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../shared/api/meta.ts';
import { findNodeRoles, nodePrinter, nodeStatus } from './node-printer.ts';

const NOW = Date.parse('2025-01-01T12:00:00Z');

function node(p: { labels?: Record<string, string>; conditions?: { type: string; status: string }[]; unschedulable?: boolean; status?: Record<string, unknown> }): KubeObject {
  return {
    kind: 'Node',
    apiVersion: 'v1',
    metadata: { name: 'n1', creationTimestamp: '2024-12-30T09:00:00Z', labels: p.labels ?? {} },
    spec: p.unschedulable ? { unschedulable: true } : {},
    status: { conditions: p.conditions ?? [], ...p.status },
  };
}

test('STATUS: Ready, NotReady (False or Unknown), Unknown without a Ready condition, SchedulingDisabled', () => {
  assert.equal(nodeStatus(node({ conditions: [{ type: 'MemoryPressure', status: 'False' }, { type: 'Ready', status: 'True' }] })), 'Ready');
  assert.equal(nodeStatus(node({ conditions: [{ type: 'Ready', status: 'False' }] })), 'NotReady');
  assert.equal(nodeStatus(node({ conditions: [{ type: 'Ready', status: 'Unknown' }] })), 'NotReady');
  assert.equal(nodeStatus(node({ conditions: [{ type: 'DiskPressure', status: 'False' }] })), 'Unknown');
  assert.equal(nodeStatus(node({})), 'Unknown');
  assert.equal(nodeStatus(node({ conditions: [{ type: 'Ready', status: 'True' }], unschedulable: true })), 'Ready,SchedulingDisabled');
  assert.equal(nodeStatus(node({ unschedulable: true })), 'Unknown,SchedulingDisabled');
  // The last condition of a type wins (Go keys a map by type).
  assert.equal(nodeStatus(node({ conditions: [{ type: 'Ready', status: 'True' }, { type: 'Ready', status: 'False' }] })), 'NotReady');
});

test('ROLES from node-role.kubernetes.io/<role> and kubernetes.io/role, sorted and de-duplicated', () => {
  assert.deepEqual(findNodeRoles(node({})), []);
  assert.deepEqual(
    findNodeRoles(node({ labels: { 'node-role.kubernetes.io/worker': '', 'node-role.kubernetes.io/control-plane': '', 'kubernetes.io/hostname': 'n1' } })),
    ['control-plane', 'worker'],
  );
  assert.deepEqual(findNodeRoles(node({ labels: { 'kubernetes.io/role': 'master', 'node-role.kubernetes.io/master': 'true' } })), ['master']);
  // An empty role name and an empty kubernetes.io/role value are ignored.
  assert.deepEqual(findNodeRoles(node({ labels: { 'node-role.kubernetes.io/': '', 'kubernetes.io/role': '' } })), []);
  assert.deepEqual(findNodeRoles(node({ labels: { 'node-role.kubernetes.io/infra': 'x', 'kubernetes.io/role': 'edge' } })), ['edge', 'infra']);
});

test('all ten cells', () => {
  const full = node({
    labels: { 'node-role.kubernetes.io/control-plane': '' },
    conditions: [{ type: 'Ready', status: 'True' }],
    status: {
      addresses: [
        { type: 'Hostname', address: 'n1' },
        { type: 'InternalIP', address: '192.168.1.10' },
        { type: 'InternalIP', address: '192.168.1.11' },
        { type: 'ExternalIP', address: '203.0.113.7' },
      ],
      nodeInfo: { kubeletVersion: 'v1.32.0', osImage: 'Debian GNU/Linux 12 (bookworm)', kernelVersion: '6.1.0-18-amd64', containerRuntimeVersion: 'containerd://1.7.24' },
    },
  });
  assert.deepEqual(nodePrinter.print(full, NOW).cells, [
    'n1',
    'Ready',
    'control-plane',
    '2d3h',
    'v1.32.0',
    '192.168.1.10',
    '203.0.113.7',
    'Debian GNU/Linux 12 (bookworm)',
    '6.1.0-18-amd64',
    'containerd://1.7.24',
  ]);
  assert.deepEqual(nodePrinter.print(node({}), NOW).cells, ['n1', 'Unknown', '<none>', '2d3h', '', '<none>', '<none>', '<unknown>', '<unknown>', '<unknown>']);
  assert.deepEqual(
    nodePrinter.columns.map((c) => `${c.name}:${c.priority}`),
    ['Name:0', 'Status:0', 'Roles:0', 'Age:0', 'Version:0', 'Internal-IP:1', 'External-IP:1', 'OS-Image:1', 'Kernel-Version:1', 'Container-Runtime:1'],
  );
});
