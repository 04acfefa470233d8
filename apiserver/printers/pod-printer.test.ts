import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../shared/api/meta.ts';
import { podPrinter, summarizePod } from './pod-printer.ts';

const NOW = Date.parse('2025-01-01T12:00:00Z');
const ago = (ms: number): string => new Date(NOW - ms).toISOString().replace('.000Z', 'Z');
const S = 1000;
const M = 60 * S;
const H = 60 * M;

interface PodParts {
  containers?: number;
  initContainers?: { name: string; restartPolicy?: string }[];
  phase?: string;
  reason?: string;
  conditions?: { type: string; status: string; reason?: string }[];
  initStatuses?: Record<string, unknown>[];
  statuses?: Record<string, unknown>[];
  deletionTimestamp?: string;
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
  creationTimestamp?: string;
}

function pod(p: PodParts): KubeObject {
  const containers = Array.from({ length: p.containers ?? 1 }, (_, i) => ({ name: `c${i}`, image: 'nginx' }));
  const metadata: KubeObject['metadata'] = { name: 'web', namespace: 'default', creationTimestamp: p.creationTimestamp ?? ago(10 * M) };
  if (p.deletionTimestamp) metadata.deletionTimestamp = p.deletionTimestamp;
  return {
    kind: 'Pod',
    apiVersion: 'v1',
    metadata,
    spec: { containers, ...(p.initContainers ? { initContainers: p.initContainers } : {}), ...p.spec },
    status: {
      phase: p.phase ?? 'Running',
      ...(p.reason ? { reason: p.reason } : {}),
      conditions: p.conditions ?? [],
      ...(p.initStatuses ? { initContainerStatuses: p.initStatuses } : {}),
      ...(p.statuses ? { containerStatuses: p.statuses } : {}),
      ...p.status,
    },
  };
}

const running = (name = 'c0', extra: Record<string, unknown> = {}) => ({
  name,
  ready: true,
  started: true,
  restartCount: 0,
  state: { running: { startedAt: ago(5 * M) } },
  ...extra,
});
const waiting = (reason: string, extra: Record<string, unknown> = {}) => ({
  name: 'c0',
  ready: false,
  restartCount: 0,
  state: { waiting: { reason } },
  ...extra,
});
const terminated = (t: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  name: 'c0',
  ready: false,
  restartCount: 0,
  state: { terminated: { exitCode: 0, ...t } },
  ...extra,
});
const READY = [
  { type: 'Initialized', status: 'True' },
  { type: 'Ready', status: 'True' },
];

function summary(p: PodParts): [string, string, string] {
  const s = summarizePod(pod(p), NOW);
  return [s.ready, s.status, s.restarts];
}

test('plain phases and waiting reasons', () => {
  assert.deepEqual(summary({ statuses: [running()], conditions: READY }), ['1/1', 'Running', '0']);
  assert.deepEqual(summary({ phase: 'Pending' }), ['0/1', 'Pending', '0']);
  assert.deepEqual(summary({ phase: 'Pending', statuses: [waiting('ContainerCreating')] }), ['0/1', 'ContainerCreating', '0']);
  assert.deepEqual(summary({ phase: 'Pending', statuses: [waiting('ErrImagePull')] }), ['0/1', 'ErrImagePull', '0']);
  assert.deepEqual(summary({ phase: 'Pending', statuses: [waiting('ImagePullBackOff')] }), ['0/1', 'ImagePullBackOff', '0']);
  // A running container that is not ready: not counted, status stays the phase.
  assert.deepEqual(summary({ statuses: [running('c0', { ready: false })] }), ['0/1', 'Running', '0']);
  // status.reason overrides the phase (evictions, node shutdown).
  assert.deepEqual(summary({ phase: 'Failed', reason: 'Evicted' }), ['0/1', 'Evicted', '0']);
  assert.deepEqual(summary({ phase: '' }), ['0/1', '', '0']);
});

test('CrashLoopBackOff with restarts shows the time of the last termination', () => {
  const s = waiting('CrashLoopBackOff', {
    restartCount: 3,
    lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: ago(5 * M + 20 * S) } },
  });
  assert.deepEqual(summary({ statuses: [s] }), ['0/1', 'CrashLoopBackOff', '3 (5m20s ago)']);
  // Restarts without a last termination time: just the number.
  assert.deepEqual(summary({ statuses: [running('c0', { restartCount: 2 })], conditions: READY }), ['1/1', 'Running', '2']);
  // The latest finishedAt across containers wins, restarts are summed.
  const a = running('a', { restartCount: 1, lastState: { terminated: { exitCode: 1, finishedAt: ago(3 * H) } } });
  const b = running('b', { restartCount: 4, lastState: { terminated: { exitCode: 1, finishedAt: ago(90 * S) } } });
  assert.deepEqual(summary({ containers: 2, statuses: [a, b], conditions: READY }), ['2/2', 'Running', '5 (90s ago)']);
});

test('terminated containers: Completed, Error, OOMKilled, Signal:N, ExitCode:N', () => {
  assert.deepEqual(summary({ phase: 'Succeeded', statuses: [terminated({ reason: 'Completed' })] }), ['0/1', 'Completed', '0']);
  assert.deepEqual(summary({ phase: 'Failed', statuses: [terminated({ exitCode: 1, reason: 'Error' })] }), ['0/1', 'Error', '0']);
  assert.deepEqual(summary({ phase: 'Failed', statuses: [terminated({ exitCode: 137, reason: 'OOMKilled' })] }), ['0/1', 'OOMKilled', '0']);
  assert.deepEqual(summary({ phase: 'Failed', statuses: [terminated({ exitCode: 137, signal: 9 })] }), ['0/1', 'Signal:9', '0']);
  assert.deepEqual(summary({ phase: 'Failed', statuses: [terminated({ exitCode: 3 })] }), ['0/1', 'ExitCode:3', '0']);
  assert.deepEqual(summary({ phase: 'Succeeded', statuses: [terminated({})] }), ['0/1', 'ExitCode:0', '0']);
});

test('the first container decides the status (containers are walked last to first)', () => {
  const statuses = [waiting('ImagePullBackOff', { name: 'a' }), terminated({ exitCode: 1, reason: 'Error' }, { name: 'b' })];
  assert.deepEqual(summary({ containers: 2, statuses }), ['0/2', 'ImagePullBackOff', '0']);
});

test('Completed next to a running container: Running with a Ready condition, NotReady without', () => {
  const statuses = [running('a'), terminated({ reason: 'Completed' }, { name: 'b' })];
  assert.deepEqual(summary({ containers: 2, statuses, conditions: READY }), ['1/2', 'Running', '0']);
  assert.deepEqual(
    summary({ containers: 2, statuses, conditions: [{ type: 'Initialized', status: 'True' }, { type: 'Ready', status: 'False' }] }),
    ['1/2', 'NotReady', '0'],
  );
  // No running container: Completed stays.
  assert.deepEqual(
    summary({ containers: 2, statuses: [terminated({ reason: 'Completed' }, { name: 'a' }), terminated({ reason: 'Completed' }, { name: 'b' })] }),
    ['0/2', 'Completed', '0'],
  );
});

test('init containers: Init:i/n, Init:<reason>, Init:ExitCode/Signal, PodInitializing', () => {
  const two = [{ name: 'i0' }, { name: 'i1' }];
  const mainWaiting = [waiting('PodInitializing')];
  assert.deepEqual(
    summary({ phase: 'Pending', initContainers: two, initStatuses: [running('i0', { ready: false }), waiting('PodInitializing', { name: 'i1' })], statuses: mainWaiting }),
    ['0/1', 'Init:0/2', '0'],
  );
  assert.deepEqual(
    summary({ phase: 'Pending', initContainers: two, initStatuses: [terminated({ reason: 'Completed' }, { name: 'i0' }), running('i1', { ready: false })], statuses: mainWaiting }),
    ['0/1', 'Init:1/2', '0'],
  );
  assert.deepEqual(
    summary({ phase: 'Pending', initContainers: two, initStatuses: [terminated({ exitCode: 1, reason: 'Error' }, { name: 'i0' })], statuses: mainWaiting }),
    ['0/1', 'Init:Error', '0'],
  );
  assert.deepEqual(
    summary({
      phase: 'Pending',
      initContainers: two,
      initStatuses: [
        waiting('CrashLoopBackOff', { name: 'i0', restartCount: 4, lastState: { terminated: { exitCode: 1, finishedAt: ago(40 * S) } } }),
      ],
      statuses: mainWaiting,
    }),
    ['0/1', 'Init:CrashLoopBackOff', '4 (40s ago)'],
  );
  assert.deepEqual(summary({ phase: 'Pending', initContainers: two, initStatuses: [terminated({ exitCode: 2 }, { name: 'i0' })] }), ['0/1', 'Init:ExitCode:2', '0']);
  assert.deepEqual(
    summary({ phase: 'Pending', initContainers: two, initStatuses: [terminated({ exitCode: 143, signal: 15 }, { name: 'i0' })] }),
    ['0/1', 'Init:Signal:15', '0'],
  );
  assert.deepEqual(
    summary({ phase: 'Pending', initContainers: two, initStatuses: [terminated({ exitCode: 137, reason: 'OOMKilled' }, { name: 'i0' })] }),
    ['0/1', 'Init:OOMKilled', '0'],
  );
  // An init container still waiting with PodInitializing counts as not started yet.
  assert.deepEqual(
    summary({ phase: 'Pending', initContainers: [{ name: 'i0' }], initStatuses: [waiting('PodInitializing', { name: 'i0' })] }),
    ['0/1', 'Init:0/1', '0'],
  );
  // All init containers done, main containers not started yet.
  assert.deepEqual(
    summary({
      phase: 'Pending',
      initContainers: two,
      initStatuses: [terminated({ reason: 'Completed' }, { name: 'i0' }), terminated({ reason: 'Completed' }, { name: 'i1' })],
      statuses: mainWaiting,
      conditions: [{ type: 'Initialized', status: 'True' }],
    }),
    ['0/1', 'PodInitializing', '0'],
  );
});

test('restarts of ordinary init containers count only while initializing', () => {
  const initDone = terminated({ reason: 'Completed' }, { name: 'i0', restartCount: 2, lastState: { terminated: { exitCode: 1, finishedAt: ago(20 * M) } } });
  assert.deepEqual(
    summary({ initContainers: [{ name: 'i0' }], initStatuses: [initDone], statuses: [running()], conditions: READY }),
    ['1/1', 'Running', '0'],
  );
});

test('sidecars (restartable init containers) count in READY and RESTARTS', () => {
  const sidecar = { name: 'proxy', restartPolicy: 'Always' };
  const started = running('proxy', { restartCount: 2, lastState: { terminated: { exitCode: 1, finishedAt: ago(10 * M) } } });
  const main = running('c0', { restartCount: 1, lastState: { terminated: { exitCode: 1, finishedAt: ago(3 * M) } } });
  assert.deepEqual(summary({ initContainers: [sidecar], initStatuses: [started], statuses: [main], conditions: READY }), ['2/2', 'Running', '3 (3m ago)']);
  // Started but not ready sidecar: counted in the total only.
  assert.deepEqual(
    summary({ initContainers: [sidecar], initStatuses: [running('proxy', { ready: false })], statuses: [running()], conditions: READY }),
    ['1/2', 'Running', '0'],
  );
  // Sidecar not started yet: the pod is still initializing.
  assert.deepEqual(
    summary({ phase: 'Pending', initContainers: [sidecar, { name: 'migrate' }], initStatuses: [running('proxy', { ready: false, started: false })], statuses: [waiting('PodInitializing')] }),
    ['0/2', 'Init:0/2', '0'],
  );
  // Sidecar started, a later ordinary init container still running.
  assert.deepEqual(
    summary({
      phase: 'Pending',
      initContainers: [sidecar, { name: 'migrate' }],
      initStatuses: [running('proxy'), running('migrate', { ready: false })],
      statuses: [waiting('PodInitializing')],
    }),
    ['1/2', 'Init:1/2', '0'],
  );
  // Pod-level restarts while initializing include every init container.
  assert.deepEqual(
    summary({
      phase: 'Pending',
      initContainers: [sidecar, { name: 'migrate' }],
      initStatuses: [
        running('proxy', { restartCount: 1 }),
        waiting('CrashLoopBackOff', { name: 'migrate', restartCount: 5, lastState: { terminated: { exitCode: 1, finishedAt: ago(2 * M) } } }),
      ],
    }),
    ['1/2', 'Init:CrashLoopBackOff', '6 (2m ago)'],
  );
});

test('Terminating, Unknown (NodeLost) and terminal pods being deleted', () => {
  assert.deepEqual(summary({ statuses: [running()], conditions: READY, deletionTimestamp: ago(5 * S) }), ['1/1', 'Terminating', '0']);
  assert.deepEqual(summary({ phase: 'Pending', deletionTimestamp: ago(5 * S) }), ['0/1', 'Terminating', '0']);
  assert.deepEqual(summary({ statuses: [running()], reason: 'NodeLost', deletionTimestamp: ago(5 * S) }), ['1/1', 'Unknown', '0']);
  // NodeLost without deletion: the reason itself.
  assert.deepEqual(summary({ phase: 'Running', reason: 'NodeLost' }), ['0/1', 'NodeLost', '0']);
  // Succeeded/Failed pods keep their terminal status while being deleted.
  assert.deepEqual(summary({ phase: 'Succeeded', statuses: [terminated({ reason: 'Completed' })], deletionTimestamp: ago(5 * S) }), ['0/1', 'Completed', '0']);
  assert.deepEqual(summary({ phase: 'Failed', statuses: [terminated({ exitCode: 1, reason: 'Error' })], deletionTimestamp: ago(5 * S) }), ['0/1', 'Error', '0']);
});

test('SchedulingGated', () => {
  assert.deepEqual(
    summary({ phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }] }),
    ['0/1', 'SchedulingGated', '0'],
  );
  assert.deepEqual(summary({ phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }] }), ['0/1', 'Pending', '0']);
});

test('all nine cells, as the server prints them (wide)', () => {
  const p = pod({
    statuses: [running()],
    conditions: [...READY, { type: 'example.com/lb', status: 'True' }, { type: 'example.com/dns', status: 'False' }],
    creationTimestamp: ago(3 * H + 5 * M),
    spec: { nodeName: 'n1', readinessGates: [{ conditionType: 'example.com/lb' }, { conditionType: 'example.com/dns' }] },
    status: { podIP: '10.244.0.5', podIPs: [{ ip: '10.244.0.5' }, { ip: 'fd00::5' }], nominatedNodeName: 'n2' },
  });
  const row = podPrinter.print(p, NOW);
  assert.deepEqual(row.cells, ['web', '1/1', 'Running', '0', '3h5m', '10.244.0.5', 'n1', 'n2', '1/2']);
  assert.equal(row.conditions, undefined);

  const bare = podPrinter.print(pod({ phase: 'Pending', creationTimestamp: ago(6 * S) }), NOW);
  assert.deepEqual(bare.cells, ['web', '0/1', 'Pending', '0', '6s', '<none>', '<none>', '<none>', '<none>']);

  // podIP without podIPs (objects written by older clients): still shown.
  const legacyIP = podPrinter.print(pod({ statuses: [running()], status: { podIP: '10.0.0.9' } }), NOW);
  assert.equal(legacyIP.cells[5], '10.0.0.9');

  const noAge = pod({});
  delete noAge.metadata.creationTimestamp;
  assert.equal(podPrinter.print(noAge, NOW).cells[4], '<unknown>');
  assert.deepEqual(
    podPrinter.columns.map((c) => [c.name, c.type, c.format, c.priority]),
    [
      ['Name', 'string', 'name', 0],
      ['Ready', 'string', '', 0],
      ['Status', 'string', '', 0],
      ['Restarts', 'string', '', 0],
      ['Age', 'string', '', 0],
      ['IP', 'string', '', 1],
      ['Node', 'string', '', 1],
      ['Nominated Node', 'string', '', 1],
      ['Readiness Gates', 'string', '', 1],
    ],
  );
});

test('finished pods carry the Completed row condition', () => {
  assert.deepEqual(podPrinter.print(pod({ phase: 'Succeeded', statuses: [terminated({ reason: 'Completed' })] }), NOW).conditions, [
    { type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' },
  ]);
  assert.deepEqual(podPrinter.print(pod({ phase: 'Failed' }), NOW).conditions, [
    { type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' },
  ]);
});
