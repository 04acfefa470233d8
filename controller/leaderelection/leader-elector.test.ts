import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Lease } from '../../shared/api/coordination-v1.ts';
import { settle } from '../../shared/cache/testing.ts';
import { FakeClientset } from '../../shared/client/fake/clientset.ts';
import { newConflict, newInternalError, OBJECT_MODIFIED } from '../../shared/errors/status-error.ts';
import { FakeClock } from '../../shared/util/clock.ts';
import { silentLogger } from '../../shared/util/log.ts';
import { T0 } from '../framework/testing.ts';
import { rfc3339Micro } from '../framework/time-format.ts';
import { defaultIdentity, LeaderElector, type LeaderElectorOptions } from './leader-elector.ts';

interface Candidate {
  elector: LeaderElector;
  events: string[];
  ac: AbortController;
  done: Promise<void>;
  leaderSignal: AbortSignal | undefined;
}

function candidate(cs: FakeClientset, clock: FakeClock, identity: string, extra: Partial<LeaderElectorOptions> = {}): Candidate {
  const events: string[] = [];
  const c: Candidate = { elector: undefined as unknown as LeaderElector, events, ac: new AbortController(), done: Promise.resolve(), leaderSignal: undefined };
  c.elector = new LeaderElector({
    leases: cs.leases,
    namespace: 'kube-system',
    name: 'kubelab-controller',
    identity,
    leaseDurationMs: 15_000,
    renewDeadlineMs: 10_000,
    retryPeriodMs: 2_000,
    clock,
    random: () => 0,
    log: silentLogger(),
    callbacks: {
      onStartedLeading: (signal) => {
        events.push('started');
        c.leaderSignal = signal;
      },
      onStoppedLeading: () => events.push('stopped'),
      onNewLeader: (id) => events.push(`leader ${id}`),
    },
    ...extra,
  });
  return c;
}

function start(c: Candidate): Candidate {
  c.done = c.elector.run(c.ac.signal);
  return c;
}

/** Moves the fake clock forward in small steps, letting the loops run between steps. */
async function advance(clock: FakeClock, ms: number, stepMs = 250): Promise<void> {
  for (let t = 0; t < ms; t += stepMs) {
    clock.step(Math.min(stepMs, ms - t));
    await settle(10);
  }
}

async function lease(cs: FakeClientset): Promise<Lease> {
  return (await cs.leases.get('kube-system', 'kubelab-controller')) as Lease;
}

test('the first candidate creates the lease and leads; the record follows client-go', async () => {
  const clock = new FakeClock(T0);
  const cs = new FakeClientset({ clock });
  const a = start(candidate(cs, clock, 'a'));
  await settle();
  assert.equal(a.elector.isLeader(), true);
  assert.deepEqual(a.events, ['leader a', 'started']);
  const l = await lease(cs);
  assert.deepEqual(l.spec, { holderIdentity: 'a', leaseDurationSeconds: 15, acquireTime: rfc3339Micro(T0), renewTime: rfc3339Micro(T0), leaseTransitions: 0 });

  await advance(clock, 2000);
  const renewed = await lease(cs);
  assert.equal(renewed.spec?.renewTime, rfc3339Micro(T0 + 2000), 'renewed every retry period');
  assert.equal(renewed.spec?.acquireTime, rfc3339Micro(T0), 'acquireTime kept');
  assert.equal(renewed.spec?.leaseTransitions, 0);
  a.ac.abort();
  await a.done;
});

test('a second candidate waits while the lease is renewed, and takes over once it expires', async () => {
  const clock = new FakeClock(T0);
  const cs = new FakeClientset({ clock });
  const a = start(candidate(cs, clock, 'a', { releaseOnCancel: false }));
  await settle();
  const b = start(candidate(cs, clock, 'b'));
  await advance(clock, 30_000);
  assert.equal(b.elector.isLeader(), false, 'no takeover while a renews');
  assert.equal(b.elector.getLeader(), 'a');
  assert.deepEqual(b.events, ['leader a']);

  // a dies without releasing (a crash): its renewals stop.
  a.ac.abort();
  await a.done;
  const lastRenew = Date.parse((await lease(cs)).spec?.renewTime ?? '');
  await advance(clock, 14_000);
  assert.equal(b.elector.isLeader(), false, 'not before the lease duration');
  await advance(clock, 4000);
  assert.equal(b.elector.isLeader(), true);
  const l = await lease(cs);
  assert.equal(l.spec?.holderIdentity, 'b');
  assert.equal(l.spec?.leaseTransitions, 1);
  const acquired = Date.parse(l.spec?.acquireTime ?? '');
  assert.ok(acquired - lastRenew >= 15_000 && acquired - lastRenew <= 15_000 + 2000, `took over ${acquired - lastRenew} ms after the last renewal`);
  assert.deepEqual(b.events, ['leader a', 'leader b', 'started']);
  b.ac.abort();
  await b.done;
});

test('a leader that cannot renew for the renew deadline stops leading (and does not release)', async () => {
  const clock = new FakeClock(T0);
  const cs = new FakeClientset({ clock });
  const a = start(candidate(cs, clock, 'a'));
  await settle();
  assert.equal(a.elector.isLeader(), true);
  cs.injectError('update', 'leases', newInternalError('apiserver unreachable'), { times: Infinity });
  await advance(clock, 2000 + 9_500);
  assert.equal(a.elector.isLeader(), true, 'still within the renew deadline');
  assert.equal(a.leaderSignal?.aborted, false);
  await advance(clock, 1000);
  await a.done;
  assert.equal(a.elector.isLeader(), false);
  assert.equal(a.leaderSignal?.aborted, true, 'the work is told to stop');
  assert.deepEqual(a.events, ['leader a', 'started', 'stopped']);
  assert.equal((await lease(cs)).spec?.holderIdentity, 'a', 'no release after losing it');
});

test('a graceful stop waits for the leader work, then releases the lease so the other candidate takes over at once', async () => {
  const clock = new FakeClock(T0);
  const cs = new FakeClientset({ clock });
  const order: string[] = [];
  let finishWork: () => void = () => {};
  const a = start(candidate(cs, clock, 'a', {
    callbacks: {
      onStartedLeading: (signal) =>
        new Promise<void>((resolve) => {
          signal.addEventListener('abort', () => { order.push('work told to stop'); finishWork = () => { order.push('work done'); resolve(); }; });
        }),
    },
  }));
  await settle();
  const b = start(candidate(cs, clock, 'b'));
  await advance(clock, 5000);
  a.ac.abort();
  await settle();
  assert.equal((await lease(cs)).spec?.holderIdentity, 'a', 'not released while the work runs');
  finishWork();
  await a.done;
  const released = await lease(cs);
  assert.deepEqual(order, ['work told to stop', 'work done']);
  assert.equal(released.spec?.holderIdentity, '');
  assert.equal(released.spec?.leaseDurationSeconds, 1);
  await advance(clock, 2000);
  assert.equal(b.elector.isLeader(), true, 'within one retry period, not a lease duration');
  assert.equal((await lease(cs)).spec?.leaseTransitions, 1);
  b.ac.abort();
  await b.done;
});

test('two candidates racing for an expired lease: the resourceVersion precondition lets exactly one win', async () => {
  const clock = new FakeClock(T0);
  const cs = new FakeClientset({ clock });
  await cs.leases.create({
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: 'kubelab-controller', namespace: 'kube-system' },
    spec: { holderIdentity: 'dead', leaseDurationSeconds: 15, renewTime: rfc3339Micro(T0), acquireTime: rfc3339Micro(T0), leaseTransitions: 3 },
  });
  const a = candidate(cs, clock, 'a');
  const b = candidate(cs, clock, 'b');
  assert.deepEqual(await Promise.all([a.elector.tryAcquireOrRenew(), b.elector.tryAcquireOrRenew()]), [false, false], 'first sight: valid for a lease duration');
  clock.step(15_001);
  const results = await Promise.all([a.elector.tryAcquireOrRenew(), b.elector.tryAcquireOrRenew()]);
  assert.deepEqual([...results].sort(), [false, true]);
  const l = await lease(cs);
  assert.equal(l.spec?.holderIdentity, results[0] ? 'a' : 'b');
  assert.equal(l.spec?.leaseTransitions, 4);
});

test('a conflict on renewal is one failed attempt, retried within the deadline', async () => {
  const clock = new FakeClock(T0);
  const cs = new FakeClientset({ clock });
  const a = start(candidate(cs, clock, 'a'));
  await settle();
  cs.injectError('update', 'leases', newConflict('leases.coordination.k8s.io', 'kubelab-controller', OBJECT_MODIFIED), { times: 2 });
  await advance(clock, 8000);
  assert.equal(a.elector.isLeader(), true);
  a.ac.abort();
  await a.done;
});

test('configuration is checked as client-go does', () => {
  const cs = new FakeClientset();
  const base = { leases: cs.leases, namespace: 'kube-system', name: 'l', identity: 'x', callbacks: { onStartedLeading: () => {} } };
  assert.throws(() => new LeaderElector({ ...base, leaseDurationMs: 10_000, renewDeadlineMs: 10_000, retryPeriodMs: 2000 }), /not greater than the renew deadline/);
  assert.throws(() => new LeaderElector({ ...base, leaseDurationMs: 15_000, renewDeadlineMs: 2000, retryPeriodMs: 2000 }), /retry period x 1.2/);
  assert.throws(() => new LeaderElector({ ...base, identity: '', leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2000 }), /identity is empty/);
  assert.throws(() => new LeaderElector({ ...base, leaseDurationMs: 900, renewDeadlineMs: 500, retryPeriodMs: 100 }), /below 1s/);
  assert.match(defaultIdentity(), /^.+_[0-9a-f-]{36}$/);
});
