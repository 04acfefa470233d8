import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Container, Pod, Probe } from '../../shared/api/core-v1.ts';
import { FakeClock } from '../../shared/util/clock.ts';
import { silentLogger } from '../../shared/util/log.ts';
import { FakeClientset } from '../../shared/client/fake/clientset.ts';
import { EventRecorder } from '../events/event-recorder.ts';
import type { CheckResult } from '../util/net-check.ts';
import { ProberManager, type ProbedContainer } from './prober-manager.ts';
import { Prober, probeDefaults, resolvePort, type ProbeTarget } from './prober.ts';

/** A Prober whose answers the test sets per container and probe. */
class ScriptedProber extends Prober {
  answers = new Map<string, boolean>();
  calls: string[] = [];
  constructor() {
    super({ runtime: undefined as never });
  }
  override async probe(probe: Probe, target: ProbeTarget): Promise<CheckResult> {
    const key = `${target.containerId}:${probe.exec?.command?.join(' ') ?? ''}`;
    this.calls.push(key);
    const ok = this.answers.get(key) ?? true;
    return { ok, output: ok ? '' : 'nope' };
  }
}

const settle = async () => {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
};

function setup(container: Container) {
  const clock = new FakeClock();
  const prober = new ScriptedProber();
  const changes: string[] = [];
  const cs = new FakeClientset();
  const recorder = new EventRecorder({ events: cs.events, host: 'n1', clock, log: silentLogger() });
  let current: ProbedContainer | undefined = { id: 'c1', running: true, startedAt: clock.now(), podIP: '10.0.0.9' };
  const pm = new ProberManager({
    prober,
    getContainer: () => current,
    onResultChange: (_uid, type, name, result) => changes.push(`${type}:${name}:${result}`),
    recorder,
    clock,
    log: silentLogger(),
    random: () => 0,
  });
  const pod: Pod = { metadata: { uid: 'u', name: 'p', namespace: 'd' }, spec: { containers: [container] } };
  pm.addPod(pod);
  return { clock, prober, changes, pm, cs, recorder, set: (c: ProbedContainer | undefined) => (current = c) };
}

const exec = (cmd: string, extra: Partial<Probe> = {}): Probe => ({ exec: { command: [cmd] }, periodSeconds: 1, ...extra });

test('readiness starts failed, turns success after successThreshold, back to failure after failureThreshold', async () => {
  const s = setup({ name: 'c', readinessProbe: exec('ready', { successThreshold: 2, failureThreshold: 2 }) });
  s.clock.step(0);
  await settle();
  assert.deepEqual(s.changes, ['readiness:c:failure']);
  assert.equal(s.pm.get('readiness', 'c1'), 'failure', 'one success is not enough');
  s.clock.step(1000);
  await settle();
  assert.equal(s.pm.get('readiness', 'c1'), 'success');
  s.prober.answers.set('c1:ready', false);
  s.clock.step(1000);
  await settle();
  assert.equal(s.pm.get('readiness', 'c1'), 'success');
  s.clock.step(1000);
  await settle();
  assert.equal(s.pm.get('readiness', 'c1'), 'failure');
  assert.deepEqual(s.changes, ['readiness:c:failure', 'readiness:c:success', 'readiness:c:failure']);
  await s.recorder.flush();
  const events = (await s.cs.events.list('d')).items as { reason?: string; message?: string; count?: number }[];
  assert.equal(events[0]?.reason, 'Unhealthy');
  assert.equal(events[0]?.message, 'Readiness probe failed: nope');
  assert.equal(events[0]?.count, 2, 'repeated failures aggregate into one Event');
});

test('liveness waits for initialDelaySeconds and the startup probe, then holds after a failure until a new container', async () => {
  const s = setup({ name: 'c', startupProbe: exec('started', { failureThreshold: 10 }), livenessProbe: exec('alive', { initialDelaySeconds: 3, failureThreshold: 1 }) });
  s.prober.answers.set('c1:started', false);
  s.clock.step(0);
  await settle();
  s.clock.step(2000);
  await settle();
  assert.equal(s.prober.calls.filter((c) => c === 'c1:alive').length, 0, 'no liveness before startup succeeded');
  s.prober.answers.set('c1:started', true);
  s.clock.step(1000);
  await settle();
  assert.equal(s.pm.get('startup', 'c1'), 'success');
  s.prober.answers.set('c1:alive', false);
  s.clock.step(1000);
  await settle();
  assert.equal(s.pm.get('liveness', 'c1'), 'failure');
  const calls = s.prober.calls.length;
  s.clock.step(3000);
  await settle();
  assert.equal(s.prober.calls.length - calls, 0, 'on hold: the failed instance is not probed again (startup is done too)');
  // The container was restarted: a new id resets everything.
  s.set({ id: 'c2', running: true, startedAt: s.clock.now(), podIP: '10.0.0.9' });
  s.clock.step(1000);
  await settle();
  assert.equal(s.pm.get('liveness', 'c2'), 'success', 'initial liveness result of a new container');
  assert.equal(s.pm.get('startup', 'c2'), 'success');
  s.pm.removePod('u');
  assert.equal(s.pm.workerCount, 0);
});

test('probe defaults and named ports', () => {
  assert.deepEqual(probeDefaults({}), { initialDelaySeconds: 0, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 });
  const c: Container = { name: 'c', ports: [{ name: 'http', containerPort: 8080 }] };
  assert.equal(resolvePort('http', c), 8080);
  assert.equal(resolvePort(9090, c), 9090);
  assert.equal(resolvePort('8081', c), 8081);
  assert.equal(resolvePort('nope', c), -1);
});
