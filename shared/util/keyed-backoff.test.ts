import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from './clock.ts';
import { KeyedBackoff } from './keyed-backoff.ts';

test('KeyedBackoff: CrashLoopBackOff sequence 10s, 20s, 40s ... 5m, reset after 10 min', () => {
  const clock = new FakeClock();
  const b = new KeyedBackoff({ initialMs: 10_000, maxMs: 300_000, clock });
  const k = 'pod/c';
  // First crash: no entry yet, so the restart is immediate, and the delay becomes 10 s.
  let finished = clock.now();
  assert.equal(b.isInBackOffSince(k, finished), false);
  assert.equal(b.next(k, finished), 10_000);
  const delays: number[] = [];
  for (let i = 0; i < 8; i++) {
    clock.step(1000); // the container runs 1 s and crashes again
    finished = clock.now();
    assert.equal(b.isInBackOffSince(k, finished), true);
    const wait = b.remaining(k, finished);
    clock.step(wait);
    assert.equal(b.isInBackOffSince(k, finished), false);
    delays.push(wait);
    b.next(k, finished);
  }
  assert.deepEqual(delays, [10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000, 300_000]);
  // Ran 10+ minutes since the last update: starts over.
  clock.step(601_000);
  finished = clock.now();
  assert.equal(b.isInBackOffSince(k, finished), false);
  assert.equal(b.next(k, finished), 10_000);
});

test('KeyedBackoff: keys are independent; resetPrefix and gc drop entries', () => {
  const clock = new FakeClock();
  const b = new KeyedBackoff({ initialMs: 1000, maxMs: 4000, clock });
  b.next('u1/a');
  b.next('u1/b');
  b.next('u2/a');
  assert.equal(b.size, 3);
  b.resetPrefix('u1/');
  assert.equal(b.size, 1);
  clock.step(8001);
  b.gc();
  assert.equal(b.size, 0);
});

test('isInBackOffSinceUpdate: less than the delay since the last update (the DaemonSet failed-pod backoff)', () => {
  const clock = new FakeClock(1_000_000);
  const b = new KeyedBackoff({ initialMs: 1000, maxMs: 4000, clock });
  assert.equal(b.isInBackOffSinceUpdate('k'), false);
  b.next('k');
  assert.equal(b.isInBackOffSinceUpdate('k'), true);
  assert.equal(b.isInBackOffSinceUpdate('k', clock.now() + 999), true);
  assert.equal(b.isInBackOffSinceUpdate('k', clock.now() + 1000), false);
  clock.step(500);
  assert.equal(b.next('k'), 2000);
  assert.equal(b.isInBackOffSinceUpdate('k', clock.now() + 1999), true);
  assert.equal(b.isInBackOffSinceUpdate('k', clock.now() + 2000), false);
  // Not updated for 2 x max: the delay starts over.
  assert.equal(b.next('k', clock.now() + 8001), 1000);
});
