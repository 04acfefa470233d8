import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Container, ContainerStatus, Pod, PodStatus } from '../../shared/api/core-v1.ts';
import type { RuntimeContainerStatus, RuntimePodStatus } from '../container/runtime-pod.ts';
import { hashContainer } from '../kuberuntime/labels.ts';
import { containersReadyCondition, generatePodStatus, getPhase, initializedCondition, podReadyCondition, withTransitionTimes, type GenerateOptions } from './generate.ts';

const T0 = Date.UTC(2026, 0, 1);

function pod(containers: Container[], extra: Partial<Pod['spec']> = {}, status?: PodStatus): Pod {
  return { metadata: { name: 'p', namespace: 'd', uid: 'u' }, spec: { containers, restartPolicy: 'Always', ...extra }, ...(status ? { status } : {}) };
}

function cs(name: string, state: 'running' | 'waiting' | 'terminated', opts: { exit?: number; started?: boolean; ready?: boolean; lastExit?: number } = {}): ContainerStatus {
  const s: ContainerStatus = { name, ready: opts.ready ?? false, restartCount: 0, image: 'i', imageID: '', started: opts.started ?? state === 'running' };
  s.state = state === 'running' ? { running: {} } : state === 'waiting' ? { waiting: { reason: 'ContainerCreating' } } : { terminated: { exitCode: opts.exit ?? 0 } };
  if (opts.lastExit !== undefined) s.lastState = { terminated: { exitCode: opts.lastExit } };
  return s;
}

test('getPhase follows kubelet', () => {
  const c = (n: string): Container => ({ name: n });
  const cases: { name: string; pod: Pod; statuses: ContainerStatus[]; terminal?: boolean; want: string }[] = [
    { name: 'no status yet', pod: pod([c('a')]), statuses: [], want: 'Pending' },
    { name: 'waiting', pod: pod([c('a')]), statuses: [cs('a', 'waiting')], want: 'Pending' },
    { name: 'running', pod: pod([c('a'), c('b')]), statuses: [cs('a', 'running'), cs('b', 'running')], want: 'Running' },
    { name: 'one running one waiting', pod: pod([c('a'), c('b')]), statuses: [cs('a', 'running'), cs('b', 'waiting')], want: 'Pending' },
    { name: 'crash looping (waiting with last termination) counts as stopped', pod: pod([c('a')]), statuses: [cs('a', 'waiting', { lastExit: 1 })], want: 'Running' },
    { name: 'Always: all exited is still Running', pod: pod([c('a')]), statuses: [cs('a', 'terminated', { exit: 0 })], want: 'Running' },
    { name: 'Never: all exited 0 -> Succeeded', pod: pod([c('a')], { restartPolicy: 'Never' }), statuses: [cs('a', 'terminated', { exit: 0 })], want: 'Succeeded' },
    { name: 'Never: one failed -> Failed', pod: pod([c('a'), c('b')], { restartPolicy: 'Never' }), statuses: [cs('a', 'terminated', { exit: 0 }), cs('b', 'terminated', { exit: 1 })], want: 'Failed' },
    { name: 'OnFailure: failed -> Running (restarting)', pod: pod([c('a')], { restartPolicy: 'OnFailure' }), statuses: [cs('a', 'terminated', { exit: 1 })], want: 'Running' },
    { name: 'OnFailure: succeeded -> Succeeded', pod: pod([c('a')], { restartPolicy: 'OnFailure' }), statuses: [cs('a', 'terminated', { exit: 0 })], want: 'Succeeded' },
    { name: 'terminal pod: killed containers -> Failed', pod: pod([c('a')]), statuses: [cs('a', 'terminated', { exit: 137 })], terminal: true, want: 'Failed' },
    { name: 'terminal pod: clean exit -> Succeeded', pod: pod([c('a')]), statuses: [cs('a', 'terminated', { exit: 0 })], terminal: true, want: 'Succeeded' },
    { name: 'init running -> Pending', pod: pod([c('a')], { initContainers: [c('i')] }), statuses: [cs('i', 'running'), cs('a', 'waiting')], want: 'Pending' },
    { name: 'init failed, Never -> Failed', pod: pod([c('a')], { initContainers: [c('i')], restartPolicy: 'Never' }), statuses: [cs('i', 'terminated', { exit: 2 }), cs('a', 'waiting')], want: 'Failed' },
    { name: 'init failed, Always -> Pending (retried)', pod: pod([c('a')], { initContainers: [c('i')] }), statuses: [cs('i', 'waiting', { lastExit: 2 }), cs('a', 'waiting')], want: 'Pending' },
    {
      name: 'sidecar running but not started -> Pending',
      pod: pod([c('a')], { initContainers: [{ name: 's', restartPolicy: 'Always' }] }),
      statuses: [cs('s', 'running', { started: false }), cs('a', 'waiting')],
      want: 'Pending',
    },
    {
      name: 'sidecar + app running -> Running',
      pod: pod([c('a')], { initContainers: [{ name: 's', restartPolicy: 'Always' }] }),
      statuses: [cs('s', 'running'), cs('a', 'running')],
      want: 'Running',
    },
    {
      name: 'Never job done, sidecar stopped -> Succeeded',
      pod: pod([c('a')], { initContainers: [{ name: 's', restartPolicy: 'Always' }], restartPolicy: 'Never' }),
      statuses: [cs('s', 'terminated', { exit: 143 }), cs('a', 'terminated', { exit: 0 })],
      want: 'Succeeded',
    },
  ];
  for (const k of cases) assert.equal(getPhase(k.pod, k.statuses, k.terminal ?? false), k.want, k.name);
});

test('conditions: Initialized, ContainersReady, Ready with readiness gates', () => {
  const p = pod([{ name: 'a' }, { name: 'b' }], { initContainers: [{ name: 'i' }, { name: 's', restartPolicy: 'Always' }] });
  const all = [cs('i', 'terminated', { exit: 0, ready: true }), cs('s', 'running', { ready: true }), cs('a', 'running', { ready: true }), cs('b', 'running')];
  assert.deepEqual(containersReadyCondition(p, all, 'Running'), { type: 'ContainersReady', status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [b]' });
  assert.deepEqual(containersReadyCondition(p, all.slice(0, 3), 'Running'), {
    type: 'ContainersReady', status: 'False', reason: 'ContainersNotReady', message: 'containers with unknown status: [b]',
  });
  assert.equal(podReadyCondition(p, [], all, 'Running').reason, 'ContainersNotReady');
  assert.deepEqual(initializedCondition(p, all, 'Running'), { type: 'Initialized', status: 'True' });
  assert.deepEqual(initializedCondition(p, [cs('i', 'running'), cs('a', 'waiting'), cs('b', 'waiting')], 'Pending'), {
    type: 'Initialized', status: 'False', reason: 'ContainersNotInitialized', message: 'containers with unknown status: [s], containers with incomplete status: [i]',
  });
  assert.deepEqual(containersReadyCondition(p, all, 'Succeeded'), { type: 'ContainersReady', status: 'False', reason: 'PodCompleted' });
  const gated = pod([{ name: 'a' }], { readinessGates: [{ conditionType: 'example.com/lb' }] });
  const ready = [cs('a', 'running', { ready: true })];
  assert.equal(podReadyCondition(gated, [], ready, 'Running').reason, 'ReadinessGatesNotReady');
  assert.equal(podReadyCondition(gated, [{ type: 'example.com/lb', status: 'True' }], ready, 'Running').status, 'True');
});

test('lastTransitionTime only moves when a condition changes', () => {
  const old = [{ type: 'Ready', status: 'False' as const, lastTransitionTime: '2025-12-31T00:00:00Z' }, { type: 'Initialized', status: 'True' as const, lastTransitionTime: '2025-12-30T00:00:00Z' }];
  const next = withTransitionTimes([{ type: 'Ready', status: 'True' }, { type: 'Initialized', status: 'True' }], old, T0);
  assert.equal(next[0]?.lastTransitionTime, '2026-01-01T00:00:00Z');
  assert.equal(next[1]?.lastTransitionTime, '2025-12-30T00:00:00Z');
});

function rc(c: Container, state: RuntimeContainerStatus['state'], extra: Partial<RuntimeContainerStatus> = {}): RuntimeContainerStatus {
  return {
    id: `${c.name}-id`, name: c.name, podSandboxId: 'sb', state, createdAt: T0, startedAt: T0 + 1000, finishedAt: state === 'exited' ? T0 + 2000 : 0, exitCode: 0, reason: state === 'exited' ? 'Completed' : '',
    message: '', image: 'img', imageRef: 'sha256:abc', hash: hashContainer(c), restartCount: 0, attempt: 0, ...extra,
  };
}

function rps(containers: RuntimeContainerStatus[], ip = '10.1.0.5'): RuntimePodStatus {
  return { uid: 'u', name: 'p', namespace: 'd', ips: ip ? [ip] : [], sandboxes: [{ id: 'sb', ready: true, attempt: 0, createdAt: T0, ip, networkMode: 'POD' }], containers, timestamp: T0 };
}

function gen(p: Pod, r: RuntimePodStatus, o: Partial<GenerateOptions> = {}): PodStatus {
  return generatePodStatus({ pod: p, runtime: r, oldStatus: undefined, podIsTerminal: false, hostIP: '192.168.1.10', runtimeName: 'containerd', now: T0 + 5000, ...o });
}

test('generatePodStatus: container states, ids, IPs, readiness from probes, waiting reasons, qosClass kept', () => {
  const web: Container = { name: 'web', image: 'nginx:1', readinessProbe: { httpGet: { port: 80 } } };
  const side: Container = { name: 'log', image: 'busybox:1' };
  const p = pod([web, side], {}, { phase: 'Pending', qosClass: 'Burstable', conditions: [{ type: 'PodScheduled', status: 'True', lastTransitionTime: '2025-12-31T23:59:00Z' }, { type: 'example.com/x', status: 'True' }] });
  const old = rc(web, 'exited', { id: 'old', createdAt: T0 - 10000, exitCode: 1, reason: 'Error' });
  const r = rps([rc(web, 'running', { restartCount: 1 }), rc(side, 'created'), old]);
  const s = gen(p, r, { readiness: (id) => (id === 'web-id' ? 'success' : undefined), waitingReason: (n) => (n === 'log' ? { reason: 'CrashLoopBackOff', message: 'back-off 10s' } : undefined) });
  assert.equal(s.phase, 'Pending', 'log is waiting');
  assert.equal(s.podIP, '10.1.0.5');
  assert.deepEqual(s.hostIPs, [{ ip: '192.168.1.10' }]);
  assert.equal(s.qosClass, 'Burstable');
  const w = s.containerStatuses?.[0];
  assert.deepEqual(w?.state, { running: { startedAt: '2026-01-01T00:00:01Z' } });
  assert.equal(w?.containerID, 'containerd://web-id');
  assert.equal(w?.restartCount, 1);
  assert.equal(w?.ready, true);
  assert.equal(w?.started, true);
  assert.deepEqual(w?.lastState?.terminated, { exitCode: 1, reason: 'Error', containerID: 'containerd://old', startedAt: '2026-01-01T00:00:01Z', finishedAt: '2026-01-01T00:00:02Z' });
  assert.deepEqual(s.containerStatuses?.[1]?.state, { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 10s' } });
  assert.ok(s.conditions?.some((c) => c.type === 'example.com/x'), 'foreign conditions kept');
  assert.equal(s.conditions?.find((c) => c.type === 'PodScheduled')?.lastTransitionTime, '2025-12-31T23:59:00Z');
  // No readiness result yet: not ready.
  const s2 = gen(p, rps([rc(web, 'running'), rc(side, 'running')]));
  assert.equal(s2.phase, 'Running');
  assert.equal(s2.containerStatuses?.[0]?.ready, false);
  assert.equal(s2.containerStatuses?.[1]?.ready, true);
  assert.equal(s2.conditions?.find((c) => c.type === 'Ready')?.status, 'False');
});

test('generatePodStatus: terminal phases are final and terminated statuses survive container removal', () => {
  const a: Container = { name: 'a' };
  const p = pod([a], { restartPolicy: 'Never' });
  const done = gen(p, rps([rc(a, 'exited', { exitCode: 0 })]));
  assert.equal(done.phase, 'Succeeded');
  // Containers removed later: the old terminated status is kept and the phase stays.
  const later = gen({ ...p, status: done }, rps([], ''), { oldStatus: done });
  assert.equal(later.phase, 'Succeeded');
  assert.equal(later.containerStatuses?.[0]?.state?.terminated?.exitCode, 0);
  assert.equal(later.podIP, '10.1.0.5', 'pod IPs are kept once the sandbox is gone');
  // A running container that vanished is reported as ContainerStatusUnknown.
  const running = gen(pod([a]), rps([rc(a, 'running')]));
  const vanished = gen(pod([a]), rps([]), { oldStatus: running });
  assert.equal(vanished.containerStatuses?.[0]?.lastState?.terminated?.reason, 'ContainerStatusUnknown');
  assert.equal(vanished.containerStatuses?.[0]?.restartCount, 1);
});

test('generatePodStatus: ephemeralContainerStatuses (waiting, running, terminated; never ready) leave phase and readiness alone', () => {
  const app: Container = { name: 'app', image: 'busybox:1' };
  const dbg: Container = { name: 'debugger-x', image: 'busybox:1' };
  const p: Pod = { ...pod([app]), spec: { ...pod([app]).spec, ephemeralContainers: [{ ...dbg, targetContainerName: 'app', stdin: true, tty: true }] } };
  assert.equal(gen(pod([app]), rps([rc(app, 'running')])).ephemeralContainerStatuses, undefined, 'no ephemeral containers: no list');
  const waiting = gen(p, rps([rc(app, 'running')]));
  assert.deepEqual(waiting.ephemeralContainerStatuses?.[0]?.state, { waiting: { reason: 'ContainerCreating' } });
  const withInit: Pod = { ...p, spec: { ...p.spec, initContainers: [{ name: 'init', image: 'busybox:1' }] } };
  const initDone: RuntimeContainerStatus = rc({ name: 'init', image: 'busybox:1' }, 'exited', { id: 'init-id', exitCode: 0 });
  assert.deepEqual(gen(withInit, rps([rc(app, 'running'), initDone])).ephemeralContainerStatuses?.[0]?.state, { waiting: { reason: 'PodInitializing' } }, 'kubelet: PodInitializing in a pod with init containers');
  const failed = gen(p, rps([rc(app, 'running')]), { waitingReason: (n) => (n === 'debugger-x' ? { reason: 'ErrImagePull', message: 'pull failed' } : undefined) });
  assert.deepEqual(failed.ephemeralContainerStatuses?.[0]?.state, { waiting: { reason: 'ErrImagePull', message: 'pull failed' } }, 'a start failure is its waiting reason');
  const running = gen(p, rps([rc(app, 'running'), rc(dbg, 'running')]));
  const e = running.ephemeralContainerStatuses?.[0];
  assert.equal(e?.name, 'debugger-x');
  assert.ok(e?.state?.running, 'running');
  assert.equal(e?.containerID, 'containerd://debugger-x-id');
  assert.equal(e?.ready, false, 'never ready');
  assert.equal('started' in (e ?? {}), false, 'no started field');
  assert.equal(running.phase, 'Running');
  assert.equal(running.containerStatuses?.length, 1, 'not among the containers');
  assert.equal(running.conditions?.find((c) => c.type === 'ContainersReady')?.status, 'True', 'an unready ephemeral container does not make the pod unready');
  const done = gen(p, rps([rc(app, 'running'), rc(dbg, 'exited', { exitCode: 0, reason: 'Completed' })]));
  assert.equal(done.ephemeralContainerStatuses?.[0]?.state?.terminated?.exitCode, 0);
  assert.equal(done.ephemeralContainerStatuses?.[0]?.state?.terminated?.reason, 'Completed');
  assert.equal(done.ephemeralContainerStatuses?.[0]?.restartCount, 0);
  assert.equal(done.phase, 'Running', 'an exited ephemeral container does not end the pod');
});
