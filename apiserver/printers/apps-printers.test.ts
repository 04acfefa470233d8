import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../shared/api/meta.ts';
import { tableFor } from './table-for.ts';

const NOW = Date.parse('2025-01-01T12:00:00Z');
const meta = (name: string, extra: Partial<KubeObject['metadata']> = {}) => ({ name, namespace: 'default', creationTimestamp: '2025-01-01T11:58:00Z', ...extra });
const containers = [
  { name: 'web', image: 'nginx:1.27' },
  { name: 'log', image: 'busybox' },
];

function table(resource: string, obj: KubeObject) {
  const t = tableFor(resource, [obj], { includeObject: 'None', now: NOW });
  return { columns: t.columnDefinitions?.map((c) => (c.priority ? `${c.name}*` : c.name)), cells: t.rows[0]?.cells };
}

test('deployments: NAME READY UP-TO-DATE AVAILABLE AGE (+ CONTAINERS IMAGES SELECTOR)', () => {
  const d = {
    metadata: meta('web'),
    spec: { replicas: 3, selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['fe', 'be'] }] }, template: { spec: { containers } } },
    status: { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 1 },
  };
  assert.deepEqual(table('deployments.apps', d), {
    columns: ['Name', 'Ready', 'Up-to-date', 'Available', 'Age', 'Containers*', 'Images*', 'Selector*'],
    cells: ['web', '2/3', 3, 1, '2m', 'web,log', 'nginx:1.27,busybox', 'app=web,tier in (be,fe)'],
  });
});

test('replicasets: NAME DESIRED CURRENT READY AGE; a fresh one prints zeros', () => {
  const rs = { metadata: meta('web-5d4f'), spec: { replicas: 2, selector: { matchLabels: { app: 'web', 'pod-template-hash': '5d4f' } }, template: { spec: { containers } } }, status: { replicas: 0 } };
  assert.deepEqual(table('replicasets.apps', rs), {
    columns: ['Name', 'Desired', 'Current', 'Ready', 'Age', 'Containers*', 'Images*', 'Selector*'],
    cells: ['web-5d4f', 2, 0, 0, '2m', 'web,log', 'nginx:1.27,busybox', 'app=web,pod-template-hash=5d4f'],
  });
});

test('statefulsets: NAME READY AGE (+ CONTAINERS IMAGES)', () => {
  const sts = { metadata: meta('db'), spec: { replicas: 3, selector: { matchLabels: { app: 'db' } }, template: { spec: { containers: [containers[0]] } } }, status: { replicas: 1, readyReplicas: 1 } };
  assert.deepEqual(table('statefulsets.apps', sts), { columns: ['Name', 'Ready', 'Age', 'Containers*', 'Images*'], cells: ['db', '1/3', '2m', 'web', 'nginx:1.27'] });
});

test('daemonsets: NAME DESIRED CURRENT READY UP-TO-DATE AVAILABLE NODE SELECTOR AGE; <none> for an empty node selector', () => {
  const ds = (nodeSelector?: Record<string, string>) => ({
    metadata: meta('agent'),
    spec: { selector: { matchLabels: { app: 'agent' } }, template: { spec: { containers: [containers[1]], ...(nodeSelector ? { nodeSelector } : {}) } } },
    status: { desiredNumberScheduled: 3, currentNumberScheduled: 3, numberReady: 2, updatedNumberScheduled: 3, numberAvailable: 2, numberMisscheduled: 0 },
  });
  assert.deepEqual(table('daemonsets.apps', ds({ zone: 'b', disk: 'ssd' })), {
    columns: ['Name', 'Desired', 'Current', 'Ready', 'Up-to-date', 'Available', 'Node Selector', 'Age', 'Containers*', 'Images*', 'Selector*'],
    cells: ['agent', 3, 3, 2, 3, 2, 'disk=ssd,zone=b', '2m', 'log', 'busybox', 'app=agent'],
  });
  assert.equal(table('daemonsets.apps', ds()).cells?.[6], '<none>');
});

test('controllerrevisions: NAME CONTROLLER REVISION AGE, the controller as kind.group/name', () => {
  const cr = {
    metadata: meta('db-6c5b', { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db', uid: 'u', controller: true }] }),
    data: {},
    revision: 2,
  };
  assert.deepEqual(table('controllerrevisions.apps', cr), { columns: ['Name', 'Controller', 'Revision', 'Age'], cells: ['db-6c5b', 'statefulset.apps/db', 2, '2m'] });
  assert.equal(table('controllerrevisions.apps', { metadata: meta('orphan'), revision: 1 }).cells?.[1], '<none>');
});

test('the scale subresource: NAME DESIRED AVAILABLE', () => {
  const scale = { kind: 'Scale', apiVersion: 'autoscaling/v1', metadata: meta('web'), spec: { replicas: 3 }, status: { replicas: 1, selector: 'app=web' } };
  const t = tableFor('scales', [scale], { group: 'autoscaling', includeObject: 'None', now: NOW });
  assert.deepEqual(t.columnDefinitions?.map((c) => c.name), ['Name', 'Desired', 'Available']);
  assert.deepEqual(t.rows[0]?.cells, ['web', 3, 1]);
  assert.deepEqual(tableFor('scales', [{ ...scale, spec: {} }], { group: 'autoscaling', includeObject: 'None', now: NOW }).rows[0]?.cells, ['web', 0, 1]);
});
