import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../shared/api/meta.ts';
import { leasePrinter } from './lease-printer.ts';
import { namespacePrinter } from './namespace-printer.ts';
import { formatLabels, servicePrinter } from './service-printer.ts';

const NOW = Date.parse('2025-01-01T12:00:00Z');
const CREATED = '2025-01-01T11:50:00Z';

function svc(spec: Record<string, unknown>, status: Record<string, unknown> = {}): KubeObject {
  return { kind: 'Service', apiVersion: 'v1', metadata: { name: 'web', namespace: 'default', creationTimestamp: CREATED }, spec, status };
}

test('ClusterIP, NodePort, headless and selector cells', () => {
  assert.deepEqual(
    servicePrinter.print(
      svc({ type: 'ClusterIP', clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'], ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }], selector: { 'k8s-app': 'kube-dns', app: 'dns' } }),
      NOW,
    ).cells,
    ['web', 'ClusterIP', '10.96.0.10', '<none>', '53/UDP,53/TCP', '10m', 'app=dns,k8s-app=kube-dns'],
  );
  assert.deepEqual(
    servicePrinter.print(svc({ type: 'NodePort', clusterIPs: ['10.96.3.4'], externalIPs: ['1.2.3.4'], ports: [{ port: 80, nodePort: 30080, protocol: 'TCP' }] }), NOW).cells,
    ['web', 'NodePort', '10.96.3.4', '1.2.3.4', '80:30080/TCP', '10m', '<none>'],
  );
  // Headless; no ports; undefaulted type and protocol print as the API would default them.
  assert.deepEqual(servicePrinter.print(svc({ clusterIP: 'None' }), NOW).cells, ['web', 'ClusterIP', 'None', '<none>', '<none>', '10m', '<none>']);
  assert.equal(servicePrinter.print(svc({ ports: [{ port: 443 }] }), NOW).cells[4], '443/TCP');
});

test('LoadBalancer and ExternalName EXTERNAL-IP', () => {
  assert.equal(servicePrinter.print(svc({ type: 'LoadBalancer', clusterIPs: ['10.96.0.1'] }), NOW).cells[3], '<pending>');
  const ingress = { loadBalancer: { ingress: [{ ip: '5.6.7.8' }, { hostname: 'lb.example.com' }, { ip: '1.2.3.4' }, { ip: '5.6.7.8' }] } };
  assert.equal(servicePrinter.print(svc({ type: 'LoadBalancer' }, ingress), NOW).cells[3], '1.2.3.4,5.6.7.8,lb.example.com');
  assert.equal(servicePrinter.print(svc({ type: 'LoadBalancer', externalIPs: ['9.9.9.9'] }, ingress), NOW).cells[3], '1.2.3.4,5.6.7.8,lb.example.com,9.9.9.9');
  assert.equal(servicePrinter.print(svc({ type: 'LoadBalancer', externalIPs: ['9.9.9.9'] }), NOW).cells[3], '9.9.9.9');
  assert.deepEqual(servicePrinter.print(svc({ type: 'ExternalName', externalName: 'db.example.com' }), NOW).cells.slice(1, 4), [
    'ExternalName',
    '<none>',
    'db.example.com',
  ]);
  assert.equal(servicePrinter.print(svc({ type: 'Weird' }), NOW).cells[3], '<unknown>');
  assert.deepEqual(
    servicePrinter.columns.map((c) => `${c.name}:${c.priority}`),
    ['Name:0', 'Type:0', 'Cluster-IP:0', 'External-IP:0', 'Port(s):0', 'Age:0', 'Selector:1'],
  );
  assert.equal(formatLabels({}), '<none>');
});

test('namespaces: NAME STATUS AGE with the phase as stored', () => {
  const ns: KubeObject = { kind: 'Namespace', apiVersion: 'v1', metadata: { name: 'default', creationTimestamp: '2024-12-01T12:00:00Z' }, status: { phase: 'Active' } };
  assert.deepEqual(namespacePrinter.print(ns, NOW).cells, ['default', 'Active', '31d']);
  const terminating: KubeObject = { ...ns, status: { phase: 'Terminating' } };
  assert.equal(namespacePrinter.print(terminating, NOW).cells[1], 'Terminating');
  assert.deepEqual(namespacePrinter.columns.map((c) => c.name), ['Name', 'Status', 'Age']);
});

test('leases: NAME HOLDER AGE; an unset holder is an empty cell', () => {
  const lease: KubeObject = {
    kind: 'Lease',
    apiVersion: 'coordination.k8s.io/v1',
    metadata: { name: 'n1', namespace: 'kube-node-lease', creationTimestamp: '2025-01-01T08:55:00Z' },
    spec: { holderIdentity: 'n1', leaseDurationSeconds: 40 },
  };
  assert.deepEqual(leasePrinter.print(lease, NOW).cells, ['n1', 'n1', '3h5m']);
  assert.deepEqual(leasePrinter.print({ ...lease, spec: {} }, NOW).cells, ['n1', '', '3h5m']);
  assert.deepEqual(leasePrinter.columns.map((c) => c.name), ['Name', 'Holder', 'Age']);
});
