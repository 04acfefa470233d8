import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Container, Pod } from '../../shared/api/core-v1.ts';
import type { RuntimeContainerState, RuntimeContainerStatus, RuntimePodStatus, RuntimeSandboxStatus } from '../container/runtime-pod.ts';
import { computePodActions, findNextInitContainerToRun, podSandboxChanged, type ComputePodActionsOptions, type KillReason } from './compute-pod-actions.ts';
import { hashContainer } from './labels.ts';

function ctr(name: string, extra: Partial<Container> = {}): Container {
  return { name, image: 'localhost/busybox:1.35', ...extra };
}

function pod(spec: { containers: Container[]; initContainers?: Container[]; restartPolicy?: 'Always' | 'OnFailure' | 'Never'; hostNetwork?: boolean; deleting?: boolean }): Pod {
  return {
    metadata: { name: 'p', namespace: 'default', uid: 'uid-1', ...(spec.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
    spec: {
      containers: spec.containers,
      ...(spec.initContainers ? { initContainers: spec.initContainers } : {}),
      restartPolicy: spec.restartPolicy ?? 'Always',
      ...(spec.hostNetwork ? { hostNetwork: true } : {}),
    },
  };
}

let seq = 0;
/** A runtime container; `name@state[:exit]`, e.g. `web@running`, `init@exited:1`. */
function rc(p: Pod, desc: string, opts: { hash?: string; id?: string } = {}): RuntimeContainerStatus {
  const m = /^([^@]+)@(created|running|exited|unknown)(?::(\d+))?$/.exec(desc);
  if (!m) throw new Error(`bad container desc ${desc}`);
  const name = m[1] as string;
  const spec = [...p.spec.containers, ...(p.spec.initContainers ?? [])].find((c) => c.name === name);
  seq++;
  return {
    id: opts.id ?? `${name}-${seq}`,
    name,
    podSandboxId: 'sb1',
    state: m[2] as RuntimeContainerState,
    createdAt: 1000 - seq, // later entries are older, so list order = newest first
    startedAt: 0,
    finishedAt: 0,
    exitCode: Number(m[3] ?? 0),
    reason: '',
    message: '',
    image: 'localhost/busybox:1.35',
    imageRef: 'sha256:x',
    hash: opts.hash ?? (spec ? hashContainer(spec) : ''),
    restartCount: 0,
    attempt: 0,
  };
}

function sandbox(extra: Partial<RuntimeSandboxStatus> = {}): RuntimeSandboxStatus {
  return { id: 'sb1', ready: true, attempt: 0, createdAt: 1, ip: '10.0.0.5', networkMode: 'POD', ...extra };
}

function status(p: Pod, containers: (string | RuntimeContainerStatus)[], sandboxes: RuntimeSandboxStatus[] = [sandbox()]): RuntimePodStatus {
  return {
    uid: 'uid-1',
    name: 'p',
    namespace: 'default',
    ips: sandboxes[0]?.ip ? [sandboxes[0].ip] : [],
    sandboxes,
    containers: containers.map((c) => (typeof c === 'string' ? rc(p, c) : c)),
    timestamp: 0,
  };
}

interface Want {
  killPod?: boolean;
  createSandbox?: boolean;
  attempt?: number;
  init?: number[];
  start?: number[];
  /** container names killed with reasons */
  kill?: Record<string, KillReason>;
}

function check(name: string, p: Pod, s: RuntimePodStatus, want: Want, opts: ComputePodActionsOptions = {}): void {
  const got = computePodActions(p, s, opts);
  const kills: Record<string, KillReason> = {};
  for (const k of got.containersToKill.values()) kills[k.name] = k.reason;
  assert.deepEqual(
    { killPod: got.killPod, createSandbox: got.createSandbox, attempt: got.attempt, init: got.initContainersToStart, start: got.containersToStart, kill: kills },
    { killPod: want.killPod ?? false, createSandbox: want.createSandbox ?? false, attempt: want.attempt ?? 0, init: want.init ?? [], start: want.start ?? [], kill: want.kill ?? {} },
    name,
  );
}

test('computePodActions: sandbox lifecycle', () => {
  const two = pod({ containers: [ctr('a'), ctr('b')] });
  check('new pod: create sandbox, start all', two, status(two, [], []), { killPod: true, createSandbox: true, start: [0, 1] });
  check('steady state: nothing', two, status(two, ['a@running', 'b@running']), {});
  check('sandbox not ready: recreate with attempt+1', two, status(two, ['a@running'], [sandbox({ ready: false })]), {
    killPod: true, createSandbox: true, attempt: 1, start: [0, 1],
  });
  check('two ready sandboxes: recreate', two, status(two, ['a@running', 'b@running'], [sandbox({ id: 'sb2', attempt: 1 }), sandbox()]), {
    killPod: true, createSandbox: true, attempt: 2, start: [0, 1],
  });
  check('pod network sandbox lost its IP: recreate', two, status(two, ['a@running', 'b@running'], [sandbox({ ip: '' })]), {
    killPod: true, createSandbox: true, attempt: 1, start: [0, 1],
  });
  const hostNet = pod({ containers: [ctr('a')], hostNetwork: true });
  check('host network pod: no IP needed', hostNet, status(hostNet, ['a@running'], [sandbox({ ip: '', networkMode: 'NODE' })]), {});
  check('network mode changed: recreate', hostNet, status(hostNet, ['a@running'], [sandbox()]), { killPod: true, createSandbox: true, attempt: 1, start: [0] });
  const never = pod({ containers: [ctr('a')], restartPolicy: 'Never' });
  check('Never pod whose sandbox died after running: kill only', never, status(never, ['a@exited:0'], [sandbox({ ready: false })]), {
    killPod: true, createSandbox: false, attempt: 1,
  });
  check('Never pod whose first sandbox never got containers: retry sandbox', never, status(never, [], [sandbox({ ready: false })]), {
    killPod: true, createSandbox: true, attempt: 1, start: [0],
  });
  const onFailure = pod({ containers: [ctr('a'), ctr('b')], restartPolicy: 'OnFailure' });
  check('OnFailure sandbox recreated: skip succeeded containers', onFailure, status(onFailure, ['a@exited:0', 'b@exited:2'], [sandbox({ ready: false })]), {
    killPod: true, createSandbox: true, attempt: 1, start: [1],
  });
  check('OnFailure all succeeded, sandbox gone: no new sandbox', onFailure, status(onFailure, ['a@exited:0', 'b@exited:0'], [sandbox({ ready: false })]), {
    killPod: true, createSandbox: false, attempt: 1,
  });
  const withInit = pod({ containers: [ctr('a')], initContainers: [ctr('i1'), ctr('i2')] });
  check('new sandbox with init containers: first init only', withInit, status(withInit, [], []), { killPod: true, createSandbox: true, init: [0] });
});

test('computePodActions: regular init containers run one at a time', () => {
  const p = pod({ containers: [ctr('a')], initContainers: [ctr('i1'), ctr('i2')] });
  check('i1 running: wait', p, status(p, ['i1@running']), {});
  check('i1 done: start i2', p, status(p, ['i1@exited:0']), { init: [1] });
  check('i2 running: wait', p, status(p, ['i2@running', 'i1@exited:0']), {});
  check('all init done: start app', p, status(p, ['i2@exited:0', 'i1@exited:0']), { start: [0] });
  check('i1 failed, Always: restart i1', p, status(p, ['i1@exited:1']), { init: [0] });
  check('i1 created but not started: start it', p, status(p, ['i1@created']), { init: [0] });
  check('init records removed but app running: initialized', p, status(p, ['a@running']), {});
  const never = pod({ containers: [ctr('a')], initContainers: [ctr('i1'), ctr('i2')], restartPolicy: 'Never' });
  check('i2 failed, Never: pod fails', never, status(never, ['i2@exited:3', 'i1@exited:0']), { killPod: true });
  const onFailure = pod({ containers: [ctr('a')], initContainers: [ctr('i1')], restartPolicy: 'OnFailure' });
  check('i1 failed, OnFailure: restart', onFailure, status(onFailure, ['i1@exited:1']), { init: [0] });
  check('i1 unknown, OnFailure: kill and restart', onFailure, status(onFailure, ['i1@unknown']), { init: [0], kill: { i1: 'Unknown' } });
  assert.deepEqual(findNextInitContainerToRun(p, status(p, ['i1@exited:0'])).next?.name, 'i2');
  assert.equal(findNextInitContainerToRun(p, status(p, ['i2@exited:0', 'i1@exited:0'])).done, true);
});

test('computePodActions: native sidecars', () => {
  const sc = (name: string, extra: Partial<Container> = {}) => ctr(name, { restartPolicy: 'Always', ...extra });
  const p = pod({ containers: [ctr('app')], initContainers: [sc('s1'), ctr('i1'), sc('s2')] });
  check('nothing started: start s1', p, status(p, []), { init: [0] });
  check('s1 running: start i1 (s1 counts as done once running)', p, status(p, ['s1@running']), { init: [1] });
  check('i1 running: wait', p, status(p, ['i1@running', 's1@running']), {});
  check('i1 done: start s2', p, status(p, ['i1@exited:0', 's1@running']), { init: [2] });
  check('s2 running: initialized, start app', p, status(p, ['s2@running', 'i1@exited:0', 's1@running']), { start: [0] });
  check('steady state', p, status(p, ['app@running', 's2@running', 'i1@exited:0', 's1@running']), {});
  check('sidecar exited after init: restart it (even exit 0), app untouched', p, status(p, ['app@running', 's2@exited:0', 'i1@exited:0', 's1@running']), { init: [2] });
  check('both sidecars exited: restart both in order', p, status(p, ['app@running', 's2@exited:1', 'i1@exited:0', 's1@exited:1']), { init: [0, 2] });
  check('sidecar record missing after init: start it', p, status(p, ['app@running', 's2@running', 'i1@exited:0']), { init: [0] });
  const live = pod({ containers: [ctr('app')], initContainers: [sc('s1', { livenessProbe: { exec: { command: ['true'] } } }), ctr('i1'), sc('s2')] });
  check('sidecar failed liveness: kill and restart', live, status(live, ['app@running', 's2@running', 'i1@exited:0', rc(live, 's1@running', { id: 's1-live' })]), {
    init: [0], kill: { s1: 'LivenessProbe' },
  }, { liveness: (id) => (id === 's1-live' ? 'failure' : 'success') });
  // Startup probe gating: the next init container waits for the sidecar's startup probe.
  const gated = pod({ containers: [ctr('app')], initContainers: [sc('s1', { startupProbe: { exec: { command: ['true'] } } }), ctr('i1')] });
  const s1 = rc(gated, 's1@running', { id: 's1-x' });
  check('startup probe pending: wait', gated, status(gated, [s1]), {});
  check('startup probe passed: next', gated, status(gated, [s1]), { init: [1] }, { startup: () => 'success' });
  check('startup probe failed: restart sidecar', gated, status(gated, [s1]), { init: [0], kill: { s1: 'StartupProbe' } }, { startup: () => 'failure' });
  // Sidecars never keep a finished pod alive.
  const job = pod({ containers: [ctr('app')], initContainers: [sc('s1')], restartPolicy: 'Never' });
  check('app done, Never: kill pod, do not restart sidecar', job, status(job, ['app@exited:0', 's1@exited:143']), { killPod: true });
  check('app done, Never, sidecar still running: kill pod', job, status(job, ['app@exited:0', 's1@running']), { killPod: true });
  check('app running, Never, sidecar exited: restart sidecar anyway', job, status(job, ['app@running', 's1@exited:1']), { init: [0] });
});

test('computePodActions: app containers and restart policy', () => {
  const always = pod({ containers: [ctr('a'), ctr('b')] });
  check('Always: exited 0 restarts', always, status(always, ['a@exited:0', 'b@running']), { start: [0] });
  check('Always: exited 1 restarts', always, status(always, ['a@exited:1', 'b@running']), { start: [0] });
  check('Always: all exited: restart both (not killPod)', always, status(always, ['a@exited:1', 'b@exited:0']), { start: [0, 1] });
  check('created (start failed earlier): start', always, status(always, ['a@created', 'b@running']), { start: [0] });
  check('unknown: kill then start', always, status(always, ['a@unknown', 'b@running']), { start: [0], kill: { a: 'Unknown' } });
  const onFailure = pod({ containers: [ctr('a'), ctr('b')], restartPolicy: 'OnFailure' });
  check('OnFailure: exited 0 stays', onFailure, status(onFailure, ['a@exited:0', 'b@running']), {});
  check('OnFailure: exited 2 restarts', onFailure, status(onFailure, ['a@exited:2', 'b@running']), { start: [0] });
  check('OnFailure: all succeeded: killPod', onFailure, status(onFailure, ['a@exited:0', 'b@exited:0']), { killPod: true });
  const never = pod({ containers: [ctr('a'), ctr('b')], restartPolicy: 'Never' });
  check('Never: exited stays', never, status(never, ['a@exited:1', 'b@running']), {});
  check('Never: all exited: killPod', never, status(never, ['a@exited:1', 'b@exited:0']), { killPod: true });
  check('the newest instance decides (older failure ignored)', always, status(always, ['a@running', 'b@running', 'a@exited:1']), {});
});

test('computePodActions: probes and definition changes', () => {
  const probe = { exec: { command: ['true'] } };
  const p = pod({ containers: [ctr('a', { livenessProbe: probe }), ctr('b', { startupProbe: probe })] });
  const a = rc(p, 'a@running', { id: 'a-1' });
  const b = rc(p, 'b@running', { id: 'b-1' });
  check('liveness failure: kill and restart', p, status(p, [a, b]), { start: [0], kill: { a: 'LivenessProbe' } }, { liveness: (id) => (id === 'a-1' ? 'failure' : undefined) });
  check('startup failure: kill and restart', p, status(p, [a, b]), { start: [1], kill: { b: 'StartupProbe' } }, { startup: (id) => (id === 'b-1' ? 'failure' : undefined) });
  check('no result yet: keep', p, status(p, [a, b]), {});
  const never = pod({ containers: [ctr('a', { livenessProbe: probe })], restartPolicy: 'Never' });
  check('liveness failure, Never: kill only, then the pod is done', never, status(never, [rc(never, 'a@running', { id: 'a-2' })]), { killPod: true, kill: { a: 'LivenessProbe' } }, {
    liveness: () => 'failure',
  });
  check('definition changed: restart even with Never', never, status(never, [rc(never, 'a@running', { hash: 'deadbeef' })]), { start: [0], kill: { a: 'DefinitionChanged' } });
  const deleting = pod({ containers: [ctr('a')], deleting: true });
  check('deleting pod: exited containers are not restarted', deleting, status(deleting, ['a@exited:1']), { killPod: true });
});

test('podSandboxChanged reports the sandbox to kill', () => {
  const p = pod({ containers: [ctr('a')] });
  assert.deepEqual(podSandboxChanged(p, status(p, [], [])), { changed: true, attempt: 0, sandboxId: '' });
  assert.deepEqual(podSandboxChanged(p, status(p, [], [sandbox({ ready: false, attempt: 3 })])), { changed: true, attempt: 4, sandboxId: 'sb1' });
  assert.deepEqual(podSandboxChanged(p, status(p, [], [sandbox({ attempt: 2 })])), { changed: false, attempt: 2, sandboxId: 'sb1' });
});

test('computePodActions: ephemeral containers start once, in the current sandbox only', () => {
  const withDebugger = (p: Pod, ...names: string[]): Pod => ({ ...p, spec: { ...p.spec, ephemeralContainers: names.map((n) => ({ ...ctr(n), targetContainerName: 'a' })) } });
  const base = pod({ containers: [ctr('a')] });
  const p = withDebugger(base, 'debugger-1', 'debugger-2');
  const eph = (s: RuntimePodStatus) => computePodActions(p, s).ephemeralContainersToStart;
  assert.deepEqual(eph(status(p, ['a@running'])), [0, 1], 'both new ephemeral containers start, in spec order');
  const steady = computePodActions(p, status(p, ['a@running']));
  assert.equal(steady.killPod, false, 'adding an ephemeral container does not kill the pod');
  assert.deepEqual(steady.containersToStart, [], 'nor restarts its containers');
  assert.deepEqual(eph(status(p, ['a@running', 'debugger-1@running'])), [1], 'a running one is not started again');
  assert.deepEqual(eph(status(p, ['a@running', 'debugger-1@exited:0', 'debugger-2@exited:137'])), [], 'exited ones are never restarted (any exit code, restartPolicy Always)');
  assert.deepEqual(eph(status(p, ['a@running', 'debugger-1@created', 'debugger-2@unknown'])), [], 'one the runtime knows in any state is not started again');
  const changed = computePodActions(p, status(p, ['a@running', 'debugger-1@exited:0'], [sandbox({ ready: false })]));
  assert.deepEqual(
    { killPod: changed.killPod, createSandbox: changed.createSandbox, start: changed.containersToStart, eph: changed.ephemeralContainersToStart },
    { killPod: true, createSandbox: true, start: [0], eph: [] },
    'a new sandbox starts the app containers but no ephemeral container',
  );
  const initializing = withDebugger(pod({ containers: [ctr('a')], initContainers: [ctr('i1')] }), 'debugger-1');
  const init = computePodActions(initializing, status(initializing, ['i1@running']));
  assert.deepEqual({ eph: init.ephemeralContainersToStart, start: init.containersToStart }, { eph: [0], start: [] }, 'ephemeral containers start while an init container still runs');
  const never = withDebugger(pod({ containers: [ctr('a')], restartPolicy: 'Never' }), 'debugger-1');
  const done = computePodActions(never, status(never, ['a@exited:0', 'debugger-1@running']));
  assert.equal(done.killPod, true, 'a running ephemeral container does not keep a finished pod alive');
});
