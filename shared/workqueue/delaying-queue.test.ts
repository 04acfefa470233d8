import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../util/clock.ts';
import { DelayingQueue } from './delaying-queue.ts';

function drain(q: DelayingQueue<string>): string[] {
  const out: string[] = [];
  // len() items are ready; get() resolves synchronously-ready promises, collect via a sync snapshot.
  const n = q.len();
  for (let i = 0; i < n; i++) {
    void q.get().then((r) => {
      if (!r.shutdown) {
        out.push(r.item);
        q.done(r.item);
      }
    });
  }
  return out;
}

async function ready(q: DelayingQueue<string>): Promise<string[]> {
  const out = drain(q);
  await Promise.resolve();
  await Promise.resolve();
  return out;
}

test('addAfter adds the item once the delay has passed on the clock', async () => {
  const clock = new FakeClock();
  const q = new DelayingQueue<string>({ clock });
  q.addAfter('a', 50);
  assert.equal(q.len(), 0);
  assert.equal(q.waitingCount(), 1);
  clock.step(49);
  assert.equal(q.len(), 0);
  clock.step(1);
  assert.equal(q.len(), 1);
  assert.equal(q.waitingCount(), 0);
  assert.deepEqual(await ready(q), ['a']);
});

test('delayed adds fire in ready-time order, ties in scheduling order', async () => {
  const clock = new FakeClock();
  const q = new DelayingQueue<string>({ clock });
  q.addAfter('c', 30);
  q.addAfter('a', 10);
  q.addAfter('b', 20);
  q.addAfter('b2', 20);
  q.addAfter('z', 100);
  clock.step(30);
  assert.deepEqual(await ready(q), ['a', 'b', 'b2', 'c']);
  clock.step(69);
  assert.equal(q.len(), 0);
  clock.step(1);
  assert.deepEqual(await ready(q), ['z']);
});

test('re-scheduling a waiting item keeps the earlier ready time', async () => {
  const clock = new FakeClock();
  const q = new DelayingQueue<string>({ clock });
  q.addAfter('a', 100);
  q.addAfter('a', 10); // sooner: wins
  q.addAfter('a', 500); // later: ignored
  assert.equal(q.waitingCount(), 1);
  clock.step(10);
  assert.deepEqual(await ready(q), ['a']);
  clock.step(1000);
  assert.equal(q.len(), 0, 'the superseded schedules must not add it again');
});

test('a zero or negative delay adds at once', async () => {
  const clock = new FakeClock();
  const q = new DelayingQueue<string>({ clock });
  q.addAfter('a', 0);
  q.addAfter('b', -5);
  assert.deepEqual(await ready(q), ['a', 'b']);
  assert.equal(clock.waiters, 0);
});

test('a delayed add of a waiting item collapses with it', async () => {
  const clock = new FakeClock();
  const q = new DelayingQueue<string>({ clock });
  q.add('a');
  q.addAfter('a', 10);
  clock.step(10);
  assert.equal(q.len(), 1);
});

test('shutDown cancels waiting items and ignores later addAfter', async () => {
  const clock = new FakeClock();
  const q = new DelayingQueue<string>({ clock });
  q.addAfter('a', 10);
  q.shutDown();
  assert.equal(clock.waiters, 0);
  q.addAfter('b', 10);
  clock.step(100);
  assert.equal(q.len(), 0);
  assert.deepEqual(await q.get(), { item: undefined, shutdown: true });
});

test('only one timer is armed however many items wait', () => {
  const clock = new FakeClock();
  const q = new DelayingQueue<string>({ clock });
  for (let i = 0; i < 100; i++) q.addAfter(`k${i}`, 1000 - i);
  assert.equal(clock.waiters, 1);
  clock.step(1000);
  assert.equal(q.len(), 100);
  assert.equal(clock.waiters, 0);
});
