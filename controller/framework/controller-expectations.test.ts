import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../shared/util/clock.ts';
import { ControllerExpectations, EXPECTATIONS_TIMEOUT_MS, UIDTrackingControllerExpectations } from './controller-expectations.ts';

test('a key without expectations is satisfied; creations hold it until every one was observed', () => {
  const e = new ControllerExpectations({ clock: new FakeClock() });
  assert.equal(e.satisfiedExpectations('ns/rs'), true);
  e.expectCreations('ns/rs', 3);
  assert.equal(e.satisfiedExpectations('ns/rs'), false);
  e.creationObserved('ns/rs');
  e.creationObserved('ns/rs');
  assert.equal(e.satisfiedExpectations('ns/rs'), false);
  e.creationObserved('ns/rs');
  assert.equal(e.satisfiedExpectations('ns/rs'), true);
  // Observations beyond what was expected (adopted pods) go negative and stay satisfied.
  e.creationObserved('ns/rs');
  assert.equal(e.getExpectations('ns/rs')?.add, -1);
  assert.equal(e.satisfiedExpectations('ns/rs'), true);
});

test('expectations expire after the TTL on the injected clock, and setting them again restarts it', () => {
  const clock = new FakeClock();
  const e = new ControllerExpectations({ clock });
  e.expectDeletions('ns/rs', 2);
  clock.step(EXPECTATIONS_TIMEOUT_MS);
  assert.equal(e.satisfiedExpectations('ns/rs'), false, 'exactly the TTL is not yet expired');
  clock.step(1);
  assert.equal(e.satisfiedExpectations('ns/rs'), true);
  e.expectDeletions('ns/rs', 1);
  assert.equal(e.satisfiedExpectations('ns/rs'), false);
  e.deletionObserved('ns/rs');
  assert.equal(e.satisfiedExpectations('ns/rs'), true);
});

test('raise/lower adjust existing expectations only; deleteExpectations forgets them', () => {
  const e = new ControllerExpectations({ clock: new FakeClock(), ttlMs: 1000 });
  e.raiseExpectations('ns/a', 1, 1);
  assert.equal(e.getExpectations('ns/a'), undefined, 'raise does not create');
  e.setExpectations('ns/a', 1, 0);
  e.raiseExpectations('ns/a', 2, 1);
  assert.deepEqual({ add: e.getExpectations('ns/a')?.add, del: e.getExpectations('ns/a')?.del }, { add: 3, del: 1 });
  e.lowerExpectations('ns/a', 3, 0);
  assert.equal(e.satisfiedExpectations('ns/a'), false, 'one deletion still outstanding');
  e.deleteExpectations('ns/a');
  assert.equal(e.satisfiedExpectations('ns/a'), true);
});

test('UID tracking counts a pod deletion once even when observed twice (graceful delete then delete)', () => {
  const e = new UIDTrackingControllerExpectations({ clock: new FakeClock() });
  e.expectDeletionsOf('ns/rs', ['ns/p1', 'ns/p2']);
  assert.equal(e.getExpectations('ns/rs')?.del, 2);
  e.deletionObserved('ns/rs', 'ns/p1');
  e.deletionObserved('ns/rs', 'ns/p1');
  e.deletionObserved('ns/rs', 'ns/other');
  assert.equal(e.getExpectations('ns/rs')?.del, 1);
  assert.equal(e.satisfiedExpectations('ns/rs'), false);
  e.deletionObserved('ns/rs', 'ns/p2');
  assert.equal(e.satisfiedExpectations('ns/rs'), true);
  assert.deepEqual([...(e.getUIDs('ns/rs') ?? [])], []);
  e.expectDeletionsOf('ns/rs', ['ns/p3']);
  e.deleteExpectations('ns/rs');
  assert.equal(e.getUIDs('ns/rs'), undefined);
  assert.equal(e.satisfiedExpectations('ns/rs'), true);
});
