import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from './clock.ts';
import { silentLogger } from './log.ts';
import { pollUntil, until, WaitTimeoutError } from './wait.ts';

const turn = () => new Promise<void>((r) => setImmediate(r));

test('until runs at once, then every period after fn finishes, and survives errors', async () => {
  const clock = new FakeClock();
  const ac = new AbortController();
  const runs: number[] = [];
  const t0 = clock.now();
  const done = until(() => {
    runs.push(clock.now() - t0);
    if (runs.length === 2) throw new Error('one bad iteration');
  }, 1000, ac.signal, clock, { log: silentLogger() });
  await turn();
  assert.deepEqual(runs, [0]);
  clock.step(999);
  await turn();
  assert.deepEqual(runs, [0]);
  clock.step(1);
  await turn();
  clock.step(1000);
  await turn();
  assert.deepEqual(runs, [0, 1000, 2000]);
  ac.abort();
  await done;
  assert.equal(clock.waiters, 0);
});

test('until with an async fn: sliding waits the period after fn, non-sliding subtracts fn time', async () => {
  for (const [sliding, want] of [[true, [0, 1500]], [false, [0, 1000]]] as const) {
    const clock = new FakeClock();
    const ac = new AbortController();
    const runs: number[] = [];
    const t0 = clock.now();
    const done = until(async () => {
      runs.push(clock.now() - t0);
      await clock.sleep(500);
    }, 1000, ac.signal, clock, { sliding });
    for (let i = 0; i < 20; i++) {
      await turn();
      clock.step(100);
    }
    assert.deepEqual(runs.slice(0, 2), want);
    ac.abort();
    clock.step(1000);
    await done;
  }
});

test('pollUntil resolves when the condition holds', async () => {
  const clock = new FakeClock();
  let n = 0;
  const p = pollUntil(() => ++n >= 3, { intervalMs: 100, timeoutMs: 1000, clock });
  await turn();
  clock.step(100);
  await turn();
  clock.step(100);
  await p;
  assert.equal(n, 3);
});

test('pollUntil times out with WaitTimeoutError', async () => {
  const clock = new FakeClock();
  const p = pollUntil(() => false, { intervalMs: 100, timeoutMs: 250, clock });
  let err: unknown;
  void p.catch((e: unknown) => { err = e; });
  for (let i = 0; i < 5; i++) {
    await turn();
    clock.step(100);
  }
  await turn();
  assert.ok(err instanceof WaitTimeoutError);
});

test('pollUntil: a throwing condition ends the wait; abort rejects', async () => {
  const clock = new FakeClock();
  await assert.rejects(pollUntil(() => { throw new Error('bad'); }, { intervalMs: 10, clock }), /bad/);
  const ac = new AbortController();
  const p = pollUntil(() => false, { intervalMs: 10, clock, signal: ac.signal });
  ac.abort(new Error('stop'));
  await assert.rejects(p, /stop/);
});
