import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject, Status, WatchEvent } from '../api/meta.ts';
import { newInternalError, newResourceExpired, newStatus, StatusError } from '../errors/status-error.ts';
import { FakeClock } from '../util/clock.ts';
import { silentLogger } from '../util/log.ts';
import { FakeClient } from '../client/fake/clientset.ts';
import { podsResource } from '../client/clientset.ts';
import { ThreadSafeStore } from './indexer.ts';
import { newListWatch } from './list-watch.ts';
import { listPages, Reflector } from './reflector.ts';
import type { ReflectorStore } from './store.ts';
import { eventually, listOf, ScriptedListerWatcher, settle } from './testing.ts';

const pod = (name: string, rv: string, labels: Record<string, string> = {}): KubeObject => ({ kind: 'Pod', apiVersion: 'v1', metadata: { name, namespace: 'default', resourceVersion: rv, labels } });
const added = (o: KubeObject): WatchEvent => ({ type: 'ADDED', object: o });
const modified = (o: KubeObject): WatchEvent => ({ type: 'MODIFIED', object: o });
const deleted = (o: KubeObject): WatchEvent => ({ type: 'DELETED', object: o });
const bookmark = (rv: string): WatchEvent => ({ type: 'BOOKMARK', object: { kind: 'Pod', apiVersion: 'v1', metadata: { resourceVersion: rv } } });
const expiredEvent = (): WatchEvent => ({ type: 'ERROR', object: newStatus(410, 'Expired', 'too old resource version: 5 (9)') });

/** A store that records what the reflector did to it. */
class RecordingStore implements ReflectorStore {
  readonly ops: string[] = [];
  readonly inner = new ThreadSafeStore();
  add(obj: KubeObject): void {
    this.ops.push(`add ${obj.metadata.name}@${obj.metadata.resourceVersion}`);
    this.inner.add(obj);
  }
  update(obj: KubeObject): void {
    this.ops.push(`update ${obj.metadata.name}@${obj.metadata.resourceVersion}`);
    this.inner.update(obj);
  }
  delete(obj: KubeObject): void {
    this.ops.push(`delete ${obj.metadata.name}@${obj.metadata.resourceVersion}`);
    this.inner.delete(obj);
  }
  replace(items: KubeObject[], rv: string): void {
    this.ops.push(`replace [${items.map((i) => i.metadata.name).join(',')}]@${rv}`);
    this.inner.replace(items, rv);
  }
}

function setup(options: { random?: () => number; pageSize?: number } = {}) {
  const clock = new FakeClock();
  const lw = new ScriptedListerWatcher();
  const store = new RecordingStore();
  const errors: unknown[] = [];
  const reflector = new Reflector(lw, store, {
    name: 'test',
    clock,
    random: options.random ?? (() => 0),
    log: silentLogger(),
    onWatchError: (e) => errors.push(e),
    ...(options.pageSize ? { pageSize: options.pageSize } : {}),
  });
  const ac = new AbortController();
  return { clock, lw, store, errors, reflector, ac, running: () => reflector.run(ac.signal) };
}

test('lists from "0" in pages of 500, then watches from the list resourceVersion with bookmarks and a random timeout', async () => {
  const { lw, store, reflector, ac, running } = setup({ random: () => 0.5 });
  lw.answerList(listOf('10', [pod('a', '3'), pod('b', '7')]));
  const done = running();
  await eventually(() => lw.watches.length === 1, 'first watch');
  assert.deepEqual(lw.listCalls, [{ resourceVersion: '0', limit: 500 }]);
  assert.deepEqual(store.ops, ['replace [a,b]@10']);
  assert.deepEqual(lw.watchCalls, [{ resourceVersion: '10', timeoutSeconds: 450, allowWatchBookmarks: true }]);
  assert.equal(reflector.lastSyncResourceVersion(), '10');
  ac.abort();
  await done;
  assert.ok(lw.lastWatch.closed, 'the watch is closed on stop');
});

test('the watch timeout is random within [300, 600) seconds', async () => {
  for (const [r, want] of [[0, 300], [0.999, 599]] as const) {
    const { lw, ac, running } = setup({ random: () => r });
    lw.answerList(listOf('1', []));
    const done = running();
    await eventually(() => lw.watches.length === 1);
    assert.equal(lw.watchCalls[0]?.timeoutSeconds, want);
    ac.abort();
    await done;
  }
});

test('watch events reach the store in order and advance the resourceVersion', async () => {
  const { lw, store, reflector, ac, running } = setup();
  lw.answerList(listOf('10', [pod('a', '3')]));
  const done = running();
  await eventually(() => lw.watches.length === 1);
  lw.lastWatch.push(added(pod('b', '11')), modified(pod('a', '12')), deleted(pod('b', '13')));
  await eventually(() => store.ops.length === 4);
  assert.deepEqual(store.ops, ['replace [a]@10', 'add b@11', 'update a@12', 'delete b@13']);
  assert.equal(reflector.lastSyncResourceVersion(), '13');
  assert.deepEqual(store.inner.listKeys(), ['default/a']);
  ac.abort();
  await done;
});

test('a bookmark advances the resourceVersion and the next watch resumes from it', async () => {
  const { lw, store, reflector, ac, running } = setup();
  lw.answerList(listOf('10', []));
  const done = running();
  await eventually(() => lw.watches.length === 1);
  lw.lastWatch.push(added(pod('a', '11')), bookmark('25'));
  await eventually(() => reflector.lastSyncResourceVersion() === '25', 'bookmark rv');
  assert.deepEqual(store.ops, ['replace []@10', 'add a@11'], 'a bookmark changes nothing in the store');
  lw.lastWatch.end(); // server timeout: re-watch at once, no relist, no backoff
  await eventually(() => lw.watches.length === 2, 'second watch');
  assert.equal(lw.watchCalls[1]?.resourceVersion, '25');
  assert.equal(lw.listCalls.length, 1);
  ac.abort();
  await done;
});

test('an ERROR 410 event relists after a backoff (for the last resourceVersion), replaces, and watches again', async () => {
  const { clock, lw, store, ac, running } = setup();
  lw.answerList(listOf('10', [pod('a', '3'), pod('b', '4')]));
  const done = running();
  await eventually(() => lw.watches.length === 1);
  lw.lastWatch.push(modified(pod('a', '12')), expiredEvent());
  await eventually(() => lw.lastWatch.closed, 'watch closed after the ERROR');
  await settle();
  assert.equal(lw.listCalls.length, 1, 'no relist before the backoff');

  lw.answerList(listOf('40', [pod('b', '30'), pod('c', '35')]));
  clock.step(799);
  await settle();
  assert.equal(lw.listCalls.length, 1);
  clock.step(1);
  await eventually(() => lw.watches.length === 2, 'watch after relist');
  assert.deepEqual(lw.listCalls[1], { resourceVersion: '12' }, 'relist "not older than" the last rv, unpaged so a watch cache can serve it');
  assert.deepEqual(store.ops, ['replace [a,b]@10', 'update a@12', 'replace [b,c]@40']);
  assert.deepEqual(store.inner.listKeys().sort(), ['default/b', 'default/c'], 'a vanished');
  assert.equal(lw.watchCalls[1]?.resourceVersion, '40');
  ac.abort();
  await done;
});

test('an HTTP 410 on the watch request also relists', async () => {
  const { clock, lw, ac, running } = setup();
  lw.answerList(listOf('10', []));
  lw.failNextWatch(newResourceExpired('too old resource version: 10 (20)'));
  lw.answerList(listOf('30', []));
  const done = running();
  await eventually(() => lw.listCalls.length === 1 && lw.watches.length === 1);
  await settle();
  clock.step(800);
  await eventually(() => lw.watches.length === 2);
  assert.equal(lw.listCalls.length, 2);
  assert.equal(lw.watchCalls[1]?.resourceVersion, '30');
  ac.abort();
  await done;
});

test('other watch errors back off exponentially and re-watch from the last resourceVersion without relisting', async () => {
  const { clock, lw, errors, ac, running } = setup();
  lw.answerList(listOf('10', []));
  const done = running();
  await eventually(() => lw.watches.length === 1);
  lw.lastWatch.push(added(pod('a', '11')));
  lw.lastWatch.fail(newInternalError('stream cut'));
  await eventually(() => errors.length === 1, 'error reported');
  await settle();
  clock.step(799);
  await settle();
  assert.equal(lw.watches.length, 1, 'still backing off at 799 ms');
  clock.step(1);
  await eventually(() => lw.watches.length === 2);
  assert.equal(lw.watchCalls[1]?.resourceVersion, '11');

  lw.lastWatch.fail(new Error('ECONNRESET'));
  await eventually(() => errors.length === 2);
  await settle();
  clock.step(1599);
  await settle();
  assert.equal(lw.watches.length, 2, 'second failure waits 1.6 s');
  clock.step(1);
  await eventually(() => lw.watches.length === 3);
  assert.equal(lw.watchCalls[2]?.resourceVersion, '11');
  assert.equal(lw.listCalls.length, 1, 'no relist for non-410 errors');
  assert.ok(errors[0] instanceof StatusError);
  ac.abort();
  await done;
});

test('backoff grows to 30 s (plus jitter) and resets after two quiet minutes', async () => {
  const { clock, lw, ac, running } = setup({ random: () => 1 }); // full jitter: delays are 2x
  lw.answerList(listOf('10', []));
  const done = running();
  const delays: number[] = [];
  await eventually(() => lw.watches.length === 1);
  for (let i = 0; i < 8; i++) {
    const n = lw.watches.length;
    lw.lastWatch.fail(new Error('down'));
    await settle();
    const start = clock.now();
    while (lw.watches.length === n) {
      clock.step(100);
      await settle(3);
    }
    delays.push(clock.now() - start);
  }
  assert.deepEqual(delays, [1600, 3200, 6400, 12800, 25600, 51200, 60000, 60000]);
  // Two quiet minutes later, the next failure starts over at 800 ms (x2 jitter).
  clock.step(121_000);
  await settle();
  const n = lw.watches.length;
  lw.lastWatch.fail(new Error('down'));
  await settle();
  const start = clock.now();
  while (lw.watches.length === n) {
    clock.step(100);
    await settle(3);
  }
  assert.equal(clock.now() - start, 1600);
  ac.abort();
  await done;
});

test('a watch that ends at once without events is treated as an error (backoff), not a tight loop', async () => {
  const { clock, lw, errors, ac, running } = setup();
  lw.answerList(listOf('10', []));
  const done = running();
  await eventually(() => lw.watches.length === 1);
  lw.lastWatch.end();
  await eventually(() => errors.length === 1);
  assert.match(String(errors[0]), /very short watch/);
  await settle();
  assert.equal(lw.watches.length, 1);
  clock.step(800);
  await eventually(() => lw.watches.length === 2);
  ac.abort();
  await done;
});

test('paged list: follows continue tokens without resourceVersion, then relists paged', async () => {
  const { clock, lw, store, ac, running } = setup();
  lw.answerList(
    listOf('50', [pod('a', '1'), pod('b', '2')], 't1'),
    listOf('50', [pod('c', '3'), pod('d', '4')], 't2'),
    listOf('50', [pod('e', '5')]),
  );
  const done = running();
  await eventually(() => lw.watches.length === 1);
  assert.deepEqual(lw.listCalls, [
    { resourceVersion: '0', limit: 500 },
    { limit: 500, continue: 't1' },
    { limit: 500, continue: 't2' },
  ]);
  assert.deepEqual(store.ops, ['replace [a,b,c,d,e]@50']);
  assert.equal(lw.watchCalls[0]?.resourceVersion, '50');

  // The server paged an rv="0" list: it has no watch cache, so relists stay paged.
  lw.lastWatch.push(expiredEvent());
  lw.answerList(listOf('60', [pod('a', '1')]));
  await settle();
  clock.step(800);
  await eventually(() => lw.watches.length === 2);
  assert.deepEqual(lw.listCalls[3], { resourceVersion: '50', limit: 500 });
  ac.abort();
  await done;
});

test('an expired continue token falls back to one full list at the requested resourceVersion', async () => {
  const { lw, store, ac, running } = setup();
  lw.answerList(
    listOf('50', [pod('a', '1')], 't1'),
    newResourceExpired('The provided continue parameter is too old'),
    listOf('70', [pod('a', '1'), pod('b', '60')]),
  );
  const done = running();
  await eventually(() => lw.watches.length === 1);
  assert.deepEqual(lw.listCalls, [
    { resourceVersion: '0', limit: 500 },
    { limit: 500, continue: 't1' },
    { resourceVersion: '0' },
  ]);
  assert.deepEqual(store.ops, ['replace [a,b]@70'], 'the partial first page is not used');
  ac.abort();
  await done;
});

test('a 410 on the relist itself falls back to the latest state (resourceVersion "")', async () => {
  const { clock, lw, ac, running } = setup();
  lw.answerList(listOf('10', []));
  const done = running();
  await eventually(() => lw.watches.length === 1);
  lw.lastWatch.push(added(pod('a', '11')), expiredEvent());
  lw.answerList(newResourceExpired('too old resource version: 11 (80)'), listOf('90', []));
  await settle();
  clock.step(800);
  await eventually(() => lw.watches.length === 2);
  assert.deepEqual(lw.listCalls.slice(1), [{ resourceVersion: '11' }, { resourceVersion: '', limit: 500 }]);
  assert.equal(lw.watchCalls[1]?.resourceVersion, '90');
  ac.abort();
  await done;
});

test('a failed list is retried after a backoff', async () => {
  const { clock, lw, errors, ac, running } = setup();
  lw.answerList(newInternalError('etcd unavailable'), listOf('10', []));
  const done = running();
  await eventually(() => errors.length === 1);
  await settle();
  assert.equal(lw.watches.length, 0);
  clock.step(800);
  await eventually(() => lw.watches.length === 1);
  assert.equal(lw.listCalls.length, 2);
  ac.abort();
  await done;
});

test('a list for a resource the server does not have empties the store so waiters are not stuck', async () => {
  const { lw, store, ac, running } = setup();
  lw.answerList(new StatusError(newStatus(404, 'NotFound', 'the server could not find the requested resource')));
  const done = running();
  await eventually(() => store.ops.length === 1);
  assert.deepEqual(store.ops, ['replace []@']);
  ac.abort();
  await done;
});

test('an ERROR event that is not 410 backs off and re-watches from the last resourceVersion', async () => {
  const { clock, lw, errors, ac, running } = setup();
  lw.answerList(listOf('10', []));
  const done = running();
  await eventually(() => lw.watches.length === 1);
  lw.lastWatch.push(added(pod('a', '11')), { type: 'ERROR', object: newStatus(500, 'InternalError', 'Cannot decode watch event') as Status });
  await eventually(() => errors.length === 1);
  await settle();
  clock.step(800);
  await eventually(() => lw.watches.length === 2);
  assert.equal(lw.watchCalls[1]?.resourceVersion, '11');
  assert.equal(lw.listCalls.length, 1);
  ac.abort();
  await done;
});

test('run stops promptly when aborted during a backoff', async () => {
  const { lw, errors, ac, running } = setup();
  lw.answerList(newInternalError('down'));
  const done = running();
  await eventually(() => errors.length === 1);
  ac.abort();
  await done;
});

test('listPages without a page size makes one request', async () => {
  const lw = new ScriptedListerWatcher().answerList(listOf('5', [pod('a', '1')]));
  const r = await listPages(lw, { resourceVersion: '5' }, 0);
  assert.equal(r.paginated, false);
  assert.deepEqual(lw.listCalls, [{ resourceVersion: '5' }]);
});

test('against the fake client: list, watch, and a 410 relist that notices deletions made while disconnected', async () => {
  const clock = new FakeClock();
  const fake = new FakeClient({ clock });
  const pods = fake.resource(podsResource);
  await pods.create({ metadata: { name: 'a', namespace: 'default' } });
  await pods.create({ metadata: { name: 'b', namespace: 'default' } });
  const store = new ThreadSafeStore();
  const reflector = new Reflector(newListWatch(pods), store, { clock, random: () => 0, log: silentLogger() });
  const ac = new AbortController();
  const done = reflector.run(ac.signal);
  await eventually(() => fake.tracker.watcherCount() === 1, 'watching');
  assert.deepEqual(store.listKeys().sort(), ['default/a', 'default/b']);

  await pods.create({ metadata: { name: 'c', namespace: 'default' } });
  await eventually(() => store.size === 3, 'c arrives by watch');
  assert.equal(reflector.lastSyncResourceVersion(), '3');

  // Disconnect (the next watch request fails), change things, and compact the history so the resume point
  // is gone.
  fake.injectError('watch', 'pods', new Error('connect ECONNREFUSED'));
  fake.tracker.closeWatches();
  await eventually(() => fake.actions().filter((a) => a.verb === 'watch').length === 2, 'failed re-watch');
  await pods.delete('default', 'a');
  await pods.create({ metadata: { name: 'd', namespace: 'default' } });
  fake.tracker.compact();
  await settle();
  clock.step(800); // backoff, then a watch from rv 3 -> 410
  await eventually(() => fake.actions().filter((a) => a.verb === 'watch').length === 3, 'watch from rv 3');
  await settle();
  clock.step(1600); // second backoff in a row, then the relist
  await eventually(() => fake.actions().filter((a) => a.verb === 'list').length === 2, 'relist');
  await eventually(() => fake.tracker.watcherCount() === 1, 'watching again');
  assert.deepEqual(store.listKeys().sort(), ['default/b', 'default/c', 'default/d']);
  const listWatch = fake.actions().filter((a) => a.verb === 'list' || a.verb === 'watch').map((a) => `${a.verb}:${String(a.options?.['resourceVersion'] ?? '')}`);
  assert.deepEqual(listWatch, ['list:0', 'watch:2', 'watch:3', 'watch:3', 'list:3', 'watch:5']);
  ac.abort();
  await done;
  assert.equal(fake.tracker.watcherCount(), 0, 'the watch is released on stop');
});
