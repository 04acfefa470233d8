import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../shared/api/core-v1.ts';
import { FakeClock } from '../shared/util/clock.ts';
import { silentLogger } from '../shared/util/log.ts';
import { PodWorkers, effectiveGracePeriod, type PodSyncer, type SyncPodResult, type TerminatedOptions, type UpdateType } from './pod-workers.ts';

function pod(uid: string, rv: string, extra: Partial<Pod['metadata']> = {}, grace = 30): Pod {
  return { metadata: { uid, name: `p-${uid}`, namespace: 'default', resourceVersion: rv, ...extra }, spec: { containers: [{ name: 'c' }], terminationGracePeriodSeconds: grace } };
}

interface Call {
  kind: 'sync' | 'terminating' | 'terminated';
  uid: string;
  rv?: string;
  type?: UpdateType;
  grace?: number;
  opts?: TerminatedOptions;
}

/** A syncer that records calls and can hold a call open until released. */
class RecordingSyncer implements PodSyncer {
  calls: Call[] = [];
  holds = new Map<string, { release: () => void; signal: AbortSignal }>();
  holdNext = false;
  terminalAfter = new Set<string>();
  failNext = 0;

  async #maybeHold(uid: string, signal: AbortSignal): Promise<void> {
    if (!this.holdNext) return;
    this.holdNext = false;
    await new Promise<void>((resolve, reject) => {
      this.holds.set(uid, { release: resolve, signal });
      signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    });
  }

  async syncPod(signal: AbortSignal, type: UpdateType, p: Pod): Promise<SyncPodResult> {
    this.calls.push({ kind: 'sync', uid: p.metadata.uid ?? '', rv: p.metadata.resourceVersion ?? '', type });
    await this.#maybeHold(p.metadata.uid ?? '', signal);
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('boom');
    }
    return { terminal: this.terminalAfter.has(p.metadata.uid ?? '') };
  }
  async syncTerminatingPod(signal: AbortSignal, p: Pod, grace: number): Promise<void> {
    this.calls.push({ kind: 'terminating', uid: p.metadata.uid ?? '', rv: p.metadata.resourceVersion ?? '', grace });
    await this.#maybeHold(p.metadata.uid ?? '', signal);
  }
  async syncTerminatedPod(_signal: AbortSignal, p: Pod, opts: TerminatedOptions): Promise<void> {
    this.calls.push({ kind: 'terminated', uid: p.metadata.uid ?? '', opts });
  }
}

const settle = async () => {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
};

test('PodWorkers coalesce updates: latest wins, one sync at a time per pod', async () => {
  const syncer = new RecordingSyncer();
  const clock = new FakeClock();
  const w = new PodWorkers({ syncer, clock, log: silentLogger() });
  syncer.holdNext = true;
  w.updatePod({ type: 'create', pod: pod('a', '1') });
  await settle();
  assert.equal(syncer.calls.length, 1);
  // Three updates while the first sync is held: they collapse into one more sync with the latest pod.
  w.updatePod({ type: 'update', pod: pod('a', '2') });
  w.updatePod({ type: 'update', pod: pod('a', '3') });
  w.updatePod({ type: 'sync', uid: 'a' });
  // Another pod is not blocked by pod a.
  w.updatePod({ type: 'create', pod: pod('b', '1') });
  await settle();
  assert.deepEqual(syncer.calls.map((c) => `${c.uid}:${c.rv}:${c.type}`), ['a:1:create', 'b:1:create']);
  syncer.holds.get('a')?.release();
  await settle();
  await w.whenIdle();
  assert.deepEqual(syncer.calls.map((c) => `${c.uid}:${c.rv}:${c.type}`), ['a:1:create', 'b:1:create', 'a:3:sync']);
  // Resync after the interval.
  clock.step(70_000);
  await settle();
  assert.equal(syncer.calls.filter((c) => c.uid === 'a').length, 3);
});

test('PodWorkers: deletion aborts a sync in flight and runs terminating -> terminated, then forgets on removal', async () => {
  const syncer = new RecordingSyncer();
  const forgotten: string[] = [];
  const w = new PodWorkers({ syncer, clock: new FakeClock(), log: silentLogger(), onForget: (u) => forgotten.push(u) });
  syncer.holdNext = true;
  w.updatePod({ type: 'create', pod: pod('a', '1') });
  await settle();
  const held = syncer.holds.get('a');
  assert.ok(held);
  w.updatePod({ type: 'update', pod: pod('a', '2', { deletionTimestamp: '2026-01-01T00:00:00Z', deletionGracePeriodSeconds: 7 }) });
  assert.equal(held.signal.aborted, true, 'termination aborts the sync in flight');
  assert.equal(w.isTerminationRequested('a'), true);
  await settle();
  await w.whenIdle();
  assert.deepEqual(
    syncer.calls.map((c) => `${c.kind}:${c.grace ?? ''}${c.opts ? `:${c.opts.deleting}` : ''}`),
    ['sync:', 'terminating:7', 'terminated::true'],
  );
  assert.equal(w.phaseOf('a'), 'finished');
  // Further updates do nothing more than the cleanup once.
  w.updatePod({ type: 'update', pod: pod('a', '3', { deletionTimestamp: '2026-01-01T00:00:00Z', deletionGracePeriodSeconds: 0 }) });
  await settle();
  assert.equal(syncer.calls.length, 3);
  w.podRemoved('a');
  await settle();
  await w.whenIdle();
  assert.deepEqual(forgotten, ['a']);
  assert.equal(w.phaseOf('a'), undefined);
});

test('PodWorkers: a terminal pod is terminated with the spec grace period but kept until deleted', async () => {
  const syncer = new RecordingSyncer();
  const w = new PodWorkers({ syncer, clock: new FakeClock(), log: silentLogger() });
  syncer.terminalAfter.add('j');
  w.updatePod({ type: 'create', pod: pod('j', '1', {}, 12) });
  await settle();
  await w.whenIdle();
  assert.deepEqual(syncer.calls.map((c) => `${c.kind}:${c.grace ?? ''}${c.opts ? `:${c.opts.deleting}` : ''}`), ['sync:', 'terminating:12', 'terminated::false']);
  // Deleting it later removes what is left.
  w.updatePod({ type: 'update', pod: pod('j', '2', { deletionTimestamp: '2026-01-01T00:00:00Z', deletionGracePeriodSeconds: 0 }) });
  await settle();
  await w.whenIdle();
  assert.deepEqual(syncer.calls.at(-1), { kind: 'terminated', uid: 'j', opts: { deleting: true, removed: false } });
});

test('PodWorkers: a shorter grace period restarts termination; orphans are killed; failures back off', async () => {
  const syncer = new RecordingSyncer();
  const clock = new FakeClock();
  const w = new PodWorkers({ syncer, clock, log: silentLogger(), backOffPeriodMs: 5000, random: () => 0 });
  w.updatePod({ type: 'create', pod: pod('a', '1') });
  await settle();
  syncer.holdNext = true;
  w.updatePod({ type: 'kill', pod: pod('a', '2'), gracePeriodSeconds: 20 });
  await settle();
  assert.equal(syncer.holds.get('a')?.signal.aborted, false);
  w.updatePod({ type: 'kill', gracePeriodSeconds: 1, pod: pod('a', '3') });
  await settle();
  await w.whenIdle();
  assert.deepEqual(syncer.calls.filter((c) => c.kind === 'terminating').map((c) => c.grace), [20, 1]);

  w.updatePod({ type: 'kill', runningPod: { uid: 'o', name: 'gone', namespace: 'default' } });
  await settle();
  await w.whenIdle();
  assert.deepEqual(syncer.calls.filter((c) => c.uid === 'o').map((c) => `${c.kind}:${c.grace ?? ''}`), ['terminating:2', 'terminated:']);
  assert.equal(w.phaseOf('o'), undefined, 'orphans are forgotten once cleaned up');

  syncer.failNext = 1;
  w.updatePod({ type: 'create', pod: pod('f', '1') });
  await settle();
  assert.equal(syncer.calls.filter((c) => c.uid === 'f').length, 1);
  clock.step(4999);
  await settle();
  assert.equal(syncer.calls.filter((c) => c.uid === 'f').length, 1);
  clock.step(1);
  await settle();
  assert.equal(syncer.calls.filter((c) => c.uid === 'f').length, 2, 'retried after the back-off period');
});

test('effectiveGracePeriod: override < deletionGracePeriodSeconds < spec', () => {
  assert.equal(effectiveGracePeriod(pod('a', '1')), 30);
  assert.equal(effectiveGracePeriod(pod('a', '1', { deletionGracePeriodSeconds: 5 })), 5);
  assert.equal(effectiveGracePeriod(pod('a', '1', { deletionGracePeriodSeconds: 5 }), 0), 0);
});
