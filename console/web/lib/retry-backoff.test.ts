import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RetryBackoff } from './retry-backoff.ts';

test('RetryBackoff: a delay in [d/2, d], d doubling from initialMs to maxMs; reset starts again', () => {
  const high = new RetryBackoff({ initialMs: 500, maxMs: 4000, random: () => 1 });
  assert.deepEqual(Array.from({ length: 6 }, () => high.next()), [500, 1000, 2000, 4000, 4000, 4000]);
  assert.equal(high.failures, 6);
  high.reset();
  assert.equal(high.failures, 0);
  assert.equal(high.next(), 500);
  const low = new RetryBackoff({ initialMs: 500, maxMs: 4000, random: () => 0 });
  assert.deepEqual(Array.from({ length: 5 }, () => low.next()), [250, 500, 1000, 2000, 2000]);
});
