import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Queue, type GetResult } from './queue.ts';

/** Lets pending promise callbacks run (no timers involved). */
async function turns(n = 5): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise<void>((r) => setImmediate(r));
}

/** Tracks whether a get() promise has resolved yet. */
function track<T>(p: Promise<GetResult<T>>): { done: boolean; value: GetResult<T> | undefined } {
  const s: { done: boolean; value: GetResult<T> | undefined } = { done: false, value: undefined };
  void p.then((v) => { s.done = true; s.value = v; });
  return s;
}

test('items come out in the order they were added', async () => {
  const q = new Queue<string>();
  q.add('a');
  q.add('b');
  q.add('c');
  assert.equal(q.len(), 3);
  assert.deepEqual(await q.get(), { item: 'a', shutdown: false });
  assert.deepEqual(await q.get(), { item: 'b', shutdown: false });
  assert.deepEqual(await q.get(), { item: 'c', shutdown: false });
  assert.equal(q.len(), 0);
});

test('repeated adds of a waiting item collapse into one', async () => {
  const q = new Queue<string>();
  q.add('a');
  q.add('b');
  q.add('a');
  q.add('a');
  assert.equal(q.len(), 2);
  assert.equal((await q.get()).item, 'a');
  assert.equal((await q.get()).item, 'b');
  assert.equal(q.len(), 0);
});

test('an item being processed is not handed to a second worker; a re-add is processed after done', async () => {
  const q = new Queue<string>();
  q.add('a');
  const first = await q.get();
  assert.equal(first.item, 'a');

  q.add('a'); // changed while worker 1 works on it
  assert.equal(q.len(), 0, 're-added item must wait in the dirty set, not the queue');
  const second = track(q.get());
  await turns();
  assert.equal(second.done, false, 'a second worker must not get an item that is being processed');

  q.add('a'); // more changes collapse too
  q.done('a');
  await turns();
  assert.equal(second.done, true);
  assert.deepEqual(second.value, { item: 'a', shutdown: false });
  assert.equal(q.len(), 0, 'two re-adds during processing give one more processing, not two');
});

test('done without a re-add does not requeue', async () => {
  const q = new Queue<string>();
  q.add('a');
  await q.get();
  q.done('a');
  assert.equal(q.len(), 0);
  const next = track(q.get());
  await turns();
  assert.equal(next.done, false);
  q.shutDown();
  await turns();
  assert.deepEqual(next.value, { item: undefined, shutdown: true });
});

test('a waiting get resolves when an item is added, oldest waiter first', async () => {
  const q = new Queue<string>();
  const w1 = track(q.get());
  const w2 = track(q.get());
  await turns();
  assert.equal(w1.done, false);
  q.add('x');
  await turns();
  assert.deepEqual(w1.value, { item: 'x', shutdown: false });
  assert.equal(w2.done, false);
  q.add('x'); // x is processing: only dirty
  await turns();
  assert.equal(w2.done, false);
  q.add('y');
  await turns();
  assert.deepEqual(w2.value, { item: 'y', shutdown: false });
  assert.equal(q.processingCount(), 2);
});

test('many workers never process the same key concurrently', async () => {
  const q = new Queue<string>();
  const active = new Set<string>();
  const processed: string[] = [];
  let violations = 0;
  const worker = async () => {
    for (;;) {
      const { item, shutdown } = await q.get();
      if (shutdown) return;
      if (active.has(item)) violations++;
      active.add(item);
      await turns(1);
      if (processed.length < 200) q.add(item); // keep re-adding while in flight
      processed.push(item);
      active.delete(item);
      q.done(item);
    }
  };
  for (const k of ['a', 'b', 'c']) q.add(k);
  const workers = [worker(), worker(), worker(), worker()];
  while (processed.length < 200) await turns(1);
  await q.shutDownWithDrain();
  q.shutDown();
  await Promise.all(workers);
  assert.equal(violations, 0);
});

test('shutDown: add is ignored, queued items are still handed out, then shutdown', async () => {
  const q = new Queue<string>();
  q.add('a');
  q.shutDown();
  q.add('b');
  assert.equal(q.shuttingDown(), true);
  assert.deepEqual(await q.get(), { item: 'a', shutdown: false });
  assert.deepEqual(await q.get(), { item: undefined, shutdown: true });
});

test('shutDown wakes every waiting get', async () => {
  const q = new Queue<string>();
  const gets = [q.get(), q.get(), q.get()];
  q.shutDown();
  for (const r of await Promise.all(gets)) assert.deepEqual(r, { item: undefined, shutdown: true });
});

test('shutDownWithDrain waits until processing items are done', async () => {
  const q = new Queue<string>();
  q.add('a');
  q.add('b');
  await q.get();
  await q.get();
  let drained = false;
  const p = q.shutDownWithDrain().then(() => { drained = true; });
  await turns();
  assert.equal(drained, false);
  q.done('a');
  await turns();
  assert.equal(drained, false);
  q.done('b');
  await p;
  assert.equal(drained, true);
});

test('shutDown ends a pending drain', async () => {
  const q = new Queue<string>();
  q.add('a');
  await q.get();
  const p = q.shutDownWithDrain();
  q.shutDown();
  await p; // resolves without done('a')
});
