import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, settle } from '../../shared/cache/testing.ts';
import { FakeClock } from '../../shared/util/clock.ts';
import { silentLogger } from '../../shared/util/log.ts';
import { Controller } from './controller.ts';
import { TerminalError, type Reconciler, type Result } from './reconciler.ts';

/** A reconciler whose answers the test scripts per call, recording every key it saw. */
class ScriptedReconciler implements Reconciler {
  readonly calls: string[] = [];
  answers: ((key: string) => Promise<Result | void>)[] = [];
  reconcile(key: string): Promise<Result | void> {
    this.calls.push(key);
    const next = this.answers.shift();
    return next ? next(key) : Promise.resolve({});
  }
}

function newController(r: Reconciler, clock = new FakeClock(), workers = 1): Controller {
  return new Controller({ name: 'test', reconciler: r, clock, workers, log: silentLogger() });
}

const signal = new AbortController().signal;

test('success forgets the key; nothing is requeued', async () => {
  const r = new ScriptedReconciler();
  const c = newController(r);
  c.enqueue('default/a');
  assert.equal(await c.processNextWorkItem(signal), true);
  assert.deepEqual(r.calls, ['default/a']);
  assert.equal(c.queue.numRequeues('default/a'), 0);
  assert.equal(c.queue.len(), 0);
  assert.equal(c.queue.waitingCount(), 0);
});

test('an error requeues with per-key backoff (5 ms, then 10 ms); a later success forgets the failures', async () => {
  const clock = new FakeClock();
  const r = new ScriptedReconciler();
  r.answers = [() => Promise.reject(new Error('boom')), () => Promise.reject(new Error('boom again'))];
  const c = newController(r, clock);
  c.enqueue('k');
  await c.processNextWorkItem(signal);
  assert.equal(c.queue.numRequeues('k'), 1);
  assert.equal(c.queue.len(), 0, 'not queued at once');
  clock.step(4);
  assert.equal(c.queue.len(), 0);
  clock.step(1);
  assert.equal(c.queue.len(), 1, 'back after 5 ms');
  await c.processNextWorkItem(signal);
  assert.equal(c.queue.numRequeues('k'), 2);
  clock.step(9);
  assert.equal(c.queue.len(), 0);
  clock.step(1);
  assert.equal(c.queue.len(), 1, 'back after 10 ms');
  await c.processNextWorkItem(signal);
  assert.equal(c.queue.numRequeues('k'), 0, 'success forgets');
  assert.deepEqual(r.calls, ['k', 'k', 'k']);
});

test('a TerminalError is not retried', async () => {
  const clock = new FakeClock();
  const r = new ScriptedReconciler();
  r.answers = [() => Promise.reject(new TerminalError('malformed'))];
  const c = newController(r, clock);
  c.enqueue('k');
  await c.processNextWorkItem(signal);
  clock.step(60_000);
  assert.equal(c.queue.len(), 0);
  assert.equal(c.queue.waitingCount(), 0);
  assert.equal(c.queue.numRequeues('k'), 0);
});

test('requeueAfterMs brings the key back after that long', async () => {
  const clock = new FakeClock();
  const r = new ScriptedReconciler();
  r.answers = [() => Promise.resolve({ requeueAfterMs: 3000 })];
  const c = newController(r, clock);
  c.enqueue('k');
  await c.processNextWorkItem(signal);
  clock.step(2999);
  assert.equal(c.queue.len(), 0);
  clock.step(1);
  assert.equal(c.queue.len(), 1);
  assert.equal(c.queue.numRequeues('k'), 0, 'a requeue is not a failure');
});

test('run waits for the caches, runs onSynced first, and stops after the reconcile in flight', async () => {
  const clock = new FakeClock();
  let synced = false;
  const order: string[] = [];
  let release: () => void = () => {};
  const r: Reconciler = {
    reconcile(key) {
      order.push(`reconcile ${key}`);
      return new Promise<void>((resolve) => { release = resolve; }).then(() => { order.push(`done ${key}`); });
    },
  };
  const c = newController(r, clock);
  c.enqueue('a');
  const ac = new AbortController();
  let finished = false;
  const running = c.run(ac.signal, { hasSynced: [() => synced], onSynced: () => { order.push('onSynced'); } }).then(() => { finished = true; });
  await settle();
  assert.deepEqual(order, [], 'nothing before the caches sync');
  synced = true;
  clock.step(100);
  await eventually(() => order.length === 2, 'first reconcile');
  assert.deepEqual(order, ['onSynced', 'reconcile a']);
  ac.abort();
  await settle();
  assert.equal(finished, false, 'run waits for the reconcile in flight');
  release();
  await running;
  assert.deepEqual(order, ['onSynced', 'reconcile a', 'done a']);
  c.enqueue('b');
  assert.equal(c.queue.len(), 0, 'queue shut down');
  await assert.rejects(c.run(ac.signal), /already started/);
});

test('with several workers a key is never reconciled twice at once, and a change during a reconcile is not lost', async () => {
  const clock = new FakeClock();
  let active = 0;
  let maxActive = 0;
  const calls: string[] = [];
  const gates: (() => void)[] = [];
  const r: Reconciler = {
    async reconcile(key) {
      calls.push(key);
      active++;
      maxActive = Math.max(maxActive, active);
      await new Promise<void>((resolve) => gates.push(resolve));
      active--;
    },
  };
  const c = newController(r, clock, 4);
  const ac = new AbortController();
  const running = c.run(ac.signal);
  c.enqueue('same');
  await eventually(() => gates.length === 1);
  c.enqueue('same');
  c.enqueue('same');
  await settle();
  assert.equal(gates.length, 1, 'the second add waits for the first reconcile');
  gates.shift()?.();
  await eventually(() => gates.length === 1, 'second reconcile');
  gates.shift()?.();
  await settle();
  assert.deepEqual(calls, ['same', 'same'], 'two adds during processing collapse into one more reconcile');
  assert.equal(maxActive, 1);
  ac.abort();
  await running;
});
