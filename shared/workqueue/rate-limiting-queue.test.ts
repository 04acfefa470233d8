import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../util/clock.ts';
import {
  BucketRateLimiter,
  defaultControllerRateLimiter,
  ItemExponentialFailureRateLimiter,
  ItemFastSlowRateLimiter,
  MaxOfRateLimiter,
} from './rate-limiter.ts';
import { RateLimitingQueue } from './rate-limiting-queue.ts';

test('ItemExponentialFailureRateLimiter doubles per failure, caps, and forget resets', () => {
  const rl = new ItemExponentialFailureRateLimiter<string>(5, 1000);
  assert.deepEqual([rl.when('a'), rl.when('a'), rl.when('a'), rl.when('a')], [5, 10, 20, 40]);
  assert.equal(rl.numRequeues('a'), 4);
  assert.equal(rl.when('b'), 5, 'items are independent');
  for (let i = 0; i < 20; i++) rl.when('a');
  assert.equal(rl.when('a'), 1000, 'capped at max');
  rl.forget('a');
  assert.equal(rl.numRequeues('a'), 0);
  assert.equal(rl.when('a'), 5);
});

test('ItemExponentialFailureRateLimiter defaults are 5 ms and 1000 s and never overflow', () => {
  const rl = new ItemExponentialFailureRateLimiter<string>();
  assert.equal(rl.when('x'), 5);
  for (let i = 0; i < 2000; i++) rl.when('x');
  assert.equal(rl.when('x'), 1_000_000);
});

test('ItemFastSlowRateLimiter is fast for the first attempts then slow', () => {
  const rl = new ItemFastSlowRateLimiter<string>(5, 10_000, 2);
  assert.deepEqual([rl.when('a'), rl.when('a'), rl.when('a')], [5, 5, 10_000]);
  rl.forget('a');
  assert.equal(rl.when('a'), 5);
});

test('BucketRateLimiter allows a burst, then paces at qps, and refills with time', () => {
  const clock = new FakeClock();
  const rl = new BucketRateLimiter<string>(10, 3, clock);
  assert.deepEqual([rl.when('a'), rl.when('b'), rl.when('c')], [0, 0, 0]);
  assert.equal(rl.when('d'), 100);
  assert.equal(rl.when('e'), 200);
  clock.step(1000); // refills, capped at burst
  assert.deepEqual([rl.when('f'), rl.when('g')], [0, 0]);
  assert.equal(rl.numRequeues('a'), 0);
});

test('MaxOfRateLimiter takes the longest delay and forgets in all', () => {
  const clock = new FakeClock();
  const rl = new MaxOfRateLimiter<string>(new ItemExponentialFailureRateLimiter(5, 1000), new BucketRateLimiter(1, 1, clock));
  assert.equal(rl.when('a'), 5); // bucket has 1 token
  assert.equal(rl.when('a'), 1000); // bucket: 1 s wait beats 10 ms
  assert.equal(rl.numRequeues('a'), 2);
  rl.forget('a');
  assert.equal(rl.numRequeues('a'), 0);
});

test('defaultControllerRateLimiter: exponential per item within the 100-burst bucket', () => {
  const clock = new FakeClock();
  const rl = defaultControllerRateLimiter<string>(clock);
  assert.deepEqual([rl.when('a'), rl.when('a'), rl.when('a')], [5, 10, 20]);
});

test('addRateLimited requeues after exponentially growing delays; forget resets', async () => {
  const clock = new FakeClock();
  const q = new RateLimitingQueue<string>({ clock, rateLimiter: new ItemExponentialFailureRateLimiter(5, 1000) });
  const delays: number[] = [];
  for (let i = 0; i < 4; i++) {
    const start = clock.now();
    q.addRateLimited('a');
    let waited = 0;
    while (q.len() === 0) {
      clock.step(1);
      waited++;
      assert.ok(waited < 10_000);
    }
    delays.push(clock.now() - start);
    // take it out again (simulating a failed attempt)
    const r = await q.get();
    assert.equal(r.item, 'a');
    q.done('a');
  }
  assert.deepEqual(delays, [5, 10, 20, 40]);
  assert.equal(q.numRequeues('a'), 4);
  q.forget('a');
  assert.equal(q.numRequeues('a'), 0);
});

test('a worker loop with failures retries with backoff and stops retrying after success', async () => {
  const clock = new FakeClock();
  const q = new RateLimitingQueue<string>({ clock, rateLimiter: new ItemExponentialFailureRateLimiter(5, 1000) });
  let attempts = 0;
  const seen: number[] = [];
  const worker = (async () => {
    for (;;) {
      const { item, shutdown } = await q.get();
      if (shutdown) return;
      attempts++;
      seen.push(clock.now());
      if (attempts < 3) q.addRateLimited(item);
      else q.forget(item);
      q.done(item);
    }
  })();
  const t0 = clock.now();
  q.add('k');
  const settle = async () => { for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r)); };
  await settle();
  clock.step(5);
  await settle();
  clock.step(10);
  await settle();
  clock.step(10_000);
  await settle();
  assert.equal(attempts, 3);
  assert.deepEqual(seen.map((t) => t - t0), [0, 5, 15]);
  assert.equal(q.numRequeues('k'), 0);
  q.shutDown();
  await worker;
});
