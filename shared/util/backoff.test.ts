import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isConflict, newConflict, newNotFound, OBJECT_MODIFIED } from '../errors/status-error.ts';
import { Backoff, jitter, retryOnConflict, retryOnError } from './backoff.ts';
import { FakeClock } from './clock.ts';

test('delays grow by the factor up to the cap', () => {
  const b = new Backoff({ initialMs: 100, maxMs: 1000, factor: 3, clock: new FakeClock() });
  assert.deepEqual([b.next(), b.next(), b.next(), b.next(), b.next()], [100, 300, 900, 1000, 1000]);
  assert.equal(b.attempts, 5);
  b.reset();
  assert.equal(b.next(), 100);
});

test('jitter adds up to jitter x delay', () => {
  assert.equal(jitter(100, 0.5, () => 0), 100);
  assert.equal(jitter(100, 0.5, () => 0.5), 125);
  assert.equal(jitter(100, 0, () => 0.5), 150, 'a jitter factor <= 0 means 1');
  const b = new Backoff({ initialMs: 800, maxMs: 30_000, jitter: 1, random: () => 0.5, clock: new FakeClock() });
  assert.deepEqual([b.next(), b.next()], [1200, 2400]);
});

test('resetAfterMs starts over after a quiet period', () => {
  const clock = new FakeClock();
  const b = new Backoff({ initialMs: 10, maxMs: 1000, resetAfterMs: 60_000, clock });
  assert.deepEqual([b.next(), b.next(), b.next()], [10, 20, 40]);
  clock.step(60_000);
  assert.equal(b.next(), 80, 'exactly the reset period is not longer than it');
  clock.step(60_001);
  assert.equal(b.next(), 10);
});

test('sleep waits next() on the clock', async () => {
  const clock = new FakeClock();
  const b = new Backoff({ initialMs: 50, maxMs: 50, clock });
  let woke = false;
  const p = b.sleep().then(() => { woke = true; });
  clock.step(49);
  await Promise.resolve();
  assert.equal(woke, false);
  clock.step(1);
  await p;
  assert.equal(woke, true);
});

test('invalid parameters are refused', () => {
  assert.throws(() => new Backoff({ initialMs: -1, maxMs: 10 }), /initialMs is invalid/);
  assert.throws(() => new Backoff({ initialMs: 10, maxMs: 5 }), /maxMs is below initialMs/);
});

async function drive(clock: FakeClock, p: Promise<unknown>): Promise<void> {
  let settled = false;
  void p.then(() => { settled = true; }, () => { settled = true; });
  for (let i = 0; i < 100 && !settled; i++) {
    await new Promise<void>((r) => setImmediate(r));
    clock.step(1000);
  }
}

test('retryOnError retries retryable errors up to steps, then rethrows the last', async () => {
  const clock = new FakeClock();
  let calls = 0;
  const p = retryOnError({ steps: 3, initialMs: 10, clock }, isConflict, () => {
    calls++;
    throw newConflict('pods', 'a', OBJECT_MODIFIED);
  });
  await drive(clock, p);
  await assert.rejects(p, (e: unknown) => isConflict(e));
  assert.equal(calls, 3);
});

test('retryOnError does not retry other errors', async () => {
  let calls = 0;
  await assert.rejects(retryOnError({ steps: 5, initialMs: 10, clock: new FakeClock() }, isConflict, () => {
    calls++;
    throw newNotFound('pods', 'a');
  }), /not found/);
  assert.equal(calls, 1);
});

test('retryOnConflict returns the first success', async () => {
  const clock = new FakeClock();
  let calls = 0;
  const p = retryOnConflict(() => {
    calls++;
    if (calls < 3) throw newConflict('pods', 'a', OBJECT_MODIFIED);
    return 'ok';
  }, { clock });
  await drive(clock, p);
  assert.equal(await p, 'ok');
  assert.equal(calls, 3);
});
