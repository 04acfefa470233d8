import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Pod } from './kube-types.ts';
import { clusterView, nodeRow, podRow } from './pod-summary.ts';

function basePod(name: string, extra: Partial<Pod['spec']> = {}, status: Pod['status'] = {}): Pod {
  return {
    metadata: { namespace: 'default', name },
    spec: { containers: [{ name: 'app', image: 'img' }], ...extra },
    status,
  } as Pod;
}

const running = { running: { startedAt: '2026-12-08T10:00:00Z' } };

test('a running ready pod: Running, 1/1, container badge', () => {
  const r = podRow(
    basePod('a', { nodeName: 'n1' }, {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: 'True' }],
      containerStatuses: [{ name: 'app', ready: true, restartCount: 2, image: 'img', imageID: '', state: running }],
    } as Pod['status']),
  );
  assert.equal(r.status, 'Running');
  assert.equal(r.ready, '1/1');
  assert.equal(r.allReady, true);
  assert.equal(r.restarts, 2);
  assert.equal(r.node, 'n1');
  assert.deepEqual(r.containers, [{ name: 'app', kind: 'app', state: 'running', ready: true, restarts: 2 }]);
});

test('kubectl STATUS: waiting reasons, init progress, init failures, Terminating, Completed', () => {
  const waiting = podRow(
    basePod('w', {}, {
      phase: 'Pending',
      containerStatuses: [{ name: 'app', ready: false, restartCount: 5, image: '', imageID: '', state: { waiting: { reason: 'CrashLoopBackOff' } } }],
    } as Pod['status']),
  );
  assert.equal(waiting.status, 'CrashLoopBackOff');

  const init = basePod('i', { initContainers: [{ name: 'i1', image: 'x' }, { name: 'i2', image: 'x' }] }, {
    phase: 'Pending',
    initContainerStatuses: [
      { name: 'i1', ready: false, restartCount: 0, image: '', imageID: '', state: { terminated: { exitCode: 0, reason: 'Completed' } } },
      { name: 'i2', ready: false, restartCount: 0, image: '', imageID: '', state: running },
    ],
  } as Pod['status']);
  assert.equal(podRow(init).status, 'Init:1/2');

  const initFail = basePod('f', { initContainers: [{ name: 'i1', image: 'x' }] }, {
    phase: 'Pending',
    initContainerStatuses: [{ name: 'i1', ready: false, restartCount: 1, image: '', imageID: '', state: { terminated: { exitCode: 3 } } }],
  } as Pod['status']);
  assert.equal(podRow(initFail).status, 'Init:ExitCode:3');

  const deleting = basePod('d', {}, { phase: 'Running' });
  deleting.metadata.deletionTimestamp = '2026-12-08T10:00:00Z';
  assert.equal(podRow(deleting).status, 'Terminating');

  const done = podRow(
    basePod('c', {}, {
      phase: 'Succeeded',
      containerStatuses: [{ name: 'app', ready: false, restartCount: 0, image: '', imageID: '', state: { terminated: { exitCode: 0, reason: 'Completed' } } }],
    } as Pod['status']),
  );
  assert.equal(done.status, 'Completed');
  assert.equal(podRow(basePod('p')).status, 'Pending');
});

test('native sidecars count in READY; badges carry init/sidecar/app/ephemeral kinds in order', () => {
  const p = basePod(
    's',
    {
      initContainers: [{ name: 'setup', image: 'x' }, { name: 'proxy', image: 'x', restartPolicy: 'Always' }],
      ephemeralContainers: [{ name: 'debugger', image: 'x' }],
    } as Partial<Pod['spec']>,
    {
      phase: 'Running',
      conditions: [{ type: 'Initialized', status: 'True' }, { type: 'Ready', status: 'True' }],
      initContainerStatuses: [
        { name: 'setup', ready: false, restartCount: 0, image: '', imageID: '', state: { terminated: { exitCode: 0, reason: 'Completed' } } },
        { name: 'proxy', ready: true, started: true, restartCount: 1, image: '', imageID: '', state: running },
      ],
      containerStatuses: [{ name: 'app', ready: true, restartCount: 0, image: '', imageID: '', state: running }],
      ephemeralContainerStatuses: [{ name: 'debugger', ready: false, restartCount: 0, image: '', imageID: '', state: running }],
    } as Pod['status'],
  );
  const r = podRow(p);
  assert.equal(r.ready, '2/2');
  assert.equal(r.restarts, 1);
  assert.equal(r.status, 'Running');
  assert.deepEqual(r.containers.map((c) => [c.name, c.kind, c.state]), [
    ['setup', 'init', 'terminated'],
    ['proxy', 'sidecar', 'running'],
    ['app', 'app', 'running'],
    ['debugger', 'ephemeral', 'running'],
  ]);
});

function node(name: string, ready: 'True' | 'False' | 'Unknown', labels: Record<string, string> = {}, unschedulable = false): Node {
  return {
    metadata: { name, labels },
    spec: { podCIDR: `10.244.${name.length}.0/24`, ...(unschedulable ? { unschedulable } : {}) },
    status: {
      conditions: [{ type: 'Ready', status: ready }],
      capacity: { cpu: '2', memory: '4Gi', pods: '110' },
      allocatable: { cpu: '1900m', memory: '3Gi', pods: '110' },
    },
  } as Node;
}

test('node rows: STATUS with SchedulingDisabled, ROLES from labels, CIDR, capacity/allocatable', () => {
  const n = nodeRow(node('cp', 'True', { 'node-role.kubernetes.io/control-plane': '', 'kubernetes.io/role': 'master' }, true));
  assert.equal(n.status, 'Ready,SchedulingDisabled');
  assert.equal(n.roles, 'control-plane,master');
  assert.equal(n.podCIDR, '10.244.2.0/24');
  assert.deepEqual(n.allocatable, { cpu: '1900m', memory: '3Gi', pods: '110' });
  assert.equal(nodeRow(node('w', 'False')).status, 'NotReady');
  assert.equal(nodeRow(node('w', 'False')).roles, '<none>');
  const unknown = node('u', 'Unknown');
  assert.equal(nodeRow(unknown).status, 'NotReady', 'kubectl prints NotReady for Unknown');
  assert.equal(nodeRow(unknown).ready, false);
});

test('cluster view: pods under their nodes (sorted), unscheduled apart, filters by namespace and text', () => {
  const pods = [
    basePod('b', { nodeName: 'n2' }),
    basePod('a', { nodeName: 'n2' }),
    basePod('pending'),
    basePod('ghost', { nodeName: 'n9' }),
    { ...basePod('dns', { nodeName: 'n1' }), metadata: { namespace: 'kube-system', name: 'dns' } } as Pod,
  ];
  const nodes = [node('n2', 'True'), node('n1', 'True'), node('empty', 'True')];
  const all = clusterView(nodes, pods, { namespace: '', text: '' });
  assert.deepEqual(all.nodes.map((g) => [g.name, g.pods.map((p) => p.key), g.node !== undefined]), [
    ['empty', [], true],
    ['n1', ['kube-system/dns'], true],
    ['n2', ['default/a', 'default/b'], true],
    ['n9', ['default/ghost'], false],
  ]);
  assert.deepEqual(all.unscheduled.map((p) => p.name), ['pending']);
  assert.deepEqual(all.namespaces, ['default', 'kube-system']);
  const ks = clusterView(nodes, pods, { namespace: 'kube-system', text: '' });
  assert.equal(ks.shownPods, 1);
  assert.equal(ks.nodes.length, 3, 'nodes stay listed when the filter empties them');
  const text = clusterView(nodes, pods, { namespace: '', text: 'N2' });
  assert.deepEqual(text.nodes.flatMap((g) => g.pods.map((p) => p.name)), ['a', 'b'], 'text matches the node name too, case-insensitively');
  assert.equal(text.totalPods, 5);
});
