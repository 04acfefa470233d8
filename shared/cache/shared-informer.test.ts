import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject, WatchEvent } from '../api/meta.ts';
import { newStatus } from '../errors/status-error.ts';
import { FakeClock } from '../util/clock.ts';
import { silentLogger } from '../util/log.ts';
import { FakeClient } from '../client/fake/clientset.ts';
import { podsResource } from '../client/clientset.ts';
import { newListWatch } from './list-watch.ts';
import { SharedIndexInformer, type ResourceEventHandler } from './shared-informer.ts';
import { DeletedFinalStateUnknown } from './store.ts';
import { eventually, listOf, ScriptedListerWatcher, settle } from './testing.ts';
import { waitForCacheSync } from './wait-for-cache-sync.ts';

const pod = (name: string, rv: string): KubeObject => ({ kind: 'Pod', metadata: { name, namespace: 'default', resourceVersion: rv } });

/** A handler that logs what it receives as strings. */
function recorder(log: string[], prefix = ''): ResourceEventHandler {
  return {
    onAdd: (o, initial) => { log.push(`${prefix}add ${o.metadata.name}@${o.metadata.resourceVersion}${initial ? ' (initial)' : ''}`); },
    onUpdate: (a, b) => { log.push(`${prefix}update ${a.metadata.name}@${a.metadata.resourceVersion}->${b.metadata.resourceVersion}`); },
    onDelete: (o) => {
      if (o instanceof DeletedFinalStateUnknown) log.push(`${prefix}delete ${o.key} (tombstone @${o.obj.metadata.resourceVersion})`);
      else log.push(`${prefix}delete ${o.metadata.name}@${o.metadata.resourceVersion}`);
    },
  };
}

function setup() {
  const clock = new FakeClock();
  const lw = new ScriptedListerWatcher();
  const informer = new SharedIndexInformer(lw, { clock, log: silentLogger(), reflector: { random: () => 0 } });
  const ac = new AbortController();
  return { clock, lw, informer, ac };
}

test('handlers see the initial list as adds, then watch events in order; hasSynced follows', async () => {
  const { lw, informer, ac } = setup();
  const log: string[] = [];
  const reg = informer.addEventHandler(recorder(log));
  lw.answerList(listOf('10', [pod('a', '1'), pod('b', '2')]));
  assert.equal(informer.hasSynced(), false);
  const done = informer.run(ac.signal);
  assert.equal(await informer.whenSynced(), true);
  assert.equal(informer.hasSynced(), true);
  await eventually(() => reg.hasSynced(), 'handler synced');
  await eventually(() => lw.watches.length === 1);
  lw.lastWatch.push(
    { type: 'ADDED', object: pod('c', '11') },
    { type: 'MODIFIED', object: pod('a', '12') },
    { type: 'DELETED', object: pod('b', '13') },
  );
  await eventually(() => log.length === 5);
  assert.deepEqual(log, ['add a@1 (initial)', 'add b@2 (initial)', 'add c@11', 'update a@1->12', 'delete b@13']);
  assert.deepEqual(informer.lister.namespace('default').list().map((p) => p.metadata.name).sort(), ['a', 'c']);
  assert.equal(informer.lastSyncResourceVersion(), '13');
  ac.abort();
  await done;
});

test('the cache is updated before a handler is called', async () => {
  const { lw, informer, ac } = setup();
  const seen: string[] = [];
  informer.addEventHandler({
    onAdd: (o) => { seen.push(`${o.metadata.name}:${informer.lister.namespace('default').get(o.metadata.name ?? '') ? 'cached' : 'missing'}`); },
    onDelete: (o) => { seen.push(`deleted:${informer.indexer.getByKey('default/a') ? 'still cached' : 'gone'}`); void o; },
  });
  lw.answerList(listOf('1', [pod('a', '1')]));
  const done = informer.run(ac.signal);
  await eventually(() => lw.watches.length === 1);
  lw.lastWatch.push({ type: 'DELETED', object: pod('a', '2') });
  await eventually(() => seen.length === 2);
  assert.deepEqual(seen, ['a:cached', 'deleted:gone']);
  ac.abort();
  await done;
});

test('a slow handler gets every event in order without holding up another handler', async () => {
  const { lw, informer, ac } = setup();
  const fast: string[] = [];
  const slow: string[] = [];
  const gates: (() => void)[] = [];
  const blockUntilReleased = () => new Promise<void>((r) => gates.push(r));
  const slowHandler: ResourceEventHandler = {
    onAdd: async (o) => {
      slow.push(`start ${o.metadata.name}`);
      await blockUntilReleased();
      slow.push(`end ${o.metadata.name}`);
    },
    onUpdate: async (_a, b) => {
      slow.push(`start update ${b.metadata.resourceVersion}`);
      await blockUntilReleased();
      slow.push(`end update ${b.metadata.resourceVersion}`);
    },
  };
  const slowReg = informer.addEventHandler(slowHandler);
  const fastReg = informer.addEventHandler(recorder(fast));
  lw.answerList(listOf('10', [pod('a', '1')]));
  const done = informer.run(ac.signal);
  await eventually(() => lw.watches.length === 1);
  lw.lastWatch.push({ type: 'ADDED', object: pod('b', '11') }, { type: 'MODIFIED', object: pod('a', '12') }, { type: 'MODIFIED', object: pod('a', '13') });
  await eventually(() => fast.length === 4, 'fast handler done');
  assert.deepEqual(fast, ['add a@1 (initial)', 'add b@11', 'update a@1->12', 'update a@12->13']);
  await settle();
  assert.deepEqual(slow, ['start a'], 'the slow handler is still on its first notification');
  assert.equal(fastReg.hasSynced(), true);
  assert.equal(slowReg.hasSynced(), false, 'not synced until the initial list was handled');

  gates.shift()?.();
  await eventually(() => slow.length === 3);
  assert.deepEqual(slow, ['start a', 'end a', 'start b'], 'one notification at a time');
  assert.equal(slowReg.hasSynced(), true);
  while (slow.length < 8) {
    gates.shift()?.();
    await settle(2);
  }
  assert.deepEqual(slow, ['start a', 'end a', 'start b', 'end b', 'start update 12', 'end update 12', 'start update 13', 'end update 13']);
  ac.abort();
  await done;
});

test('a throwing handler does not stop delivery', async () => {
  const { lw, informer, ac } = setup();
  const log: string[] = [];
  informer.addEventHandler({ onAdd: (o) => { log.push(o.metadata.name ?? ''); if (o.metadata.name === 'a') throw new Error('boom'); } });
  lw.answerList(listOf('1', [pod('a', '1'), pod('b', '1')]));
  const done = informer.run(ac.signal);
  await eventually(() => log.length === 2);
  assert.deepEqual(log, ['a', 'b']);
  ac.abort();
  await done;
});

test('a handler added after start gets synthetic adds for the current contents first', async () => {
  const { lw, informer, ac } = setup();
  lw.answerList(listOf('10', [pod('a', '1'), pod('b', '2')]));
  const done = informer.run(ac.signal);
  await eventually(() => lw.watches.length === 1);
  const log: string[] = [];
  const reg = informer.addEventHandler(recorder(log));
  assert.equal(reg.hasSynced(), false);
  lw.lastWatch.push({ type: 'ADDED', object: pod('c', '11') });
  await eventually(() => log.length === 3);
  assert.deepEqual(log, ['add a@1 (initial)', 'add b@2 (initial)', 'add c@11']);
  assert.equal(reg.hasSynced(), true);
  ac.abort();
  await done;
});

test('removeEventHandler stops delivery', async () => {
  const { lw, informer, ac } = setup();
  const log: string[] = [];
  const reg = informer.addEventHandler(recorder(log));
  lw.answerList(listOf('10', []));
  const done = informer.run(ac.signal);
  await eventually(() => lw.watches.length === 1);
  informer.removeEventHandler(reg);
  lw.lastWatch.push({ type: 'ADDED', object: pod('c', '11') });
  await eventually(() => informer.indexer.size === 1);
  await settle();
  assert.deepEqual(log, []);
  ac.abort();
  await done;
});

test('a 410 relist reports updates for survivors, adds for newcomers, tombstones for vanished objects', async () => {
  const { clock, lw, informer, ac } = setup();
  const log: string[] = [];
  informer.addEventHandler(recorder(log));
  lw.answerList(listOf('10', [pod('a', '1'), pod('b', '2')]));
  const done = informer.run(ac.signal);
  await eventually(() => lw.watches.length === 1);
  lw.lastWatch.push({ type: 'ERROR', object: newStatus(410, 'Expired', 'too old resource version') } as WatchEvent);
  lw.answerList(listOf('30', [pod('b', '25'), pod('c', '28')]));
  await settle();
  clock.step(800);
  await eventually(() => log.length === 5);
  assert.deepEqual(log, ['add a@1 (initial)', 'add b@2 (initial)', 'update b@2->25', 'add c@28', 'delete default/a (tombstone @1)']);
  assert.deepEqual(informer.indexer.listKeys().sort(), ['default/b', 'default/c']);
  ac.abort();
  await done;
});

test('against the fake client: changes made while disconnected surface after the 410 relist', async () => {
  const clock = new FakeClock();
  const fake = new FakeClient({ clock });
  const pods = fake.resource(podsResource);
  await pods.create({ metadata: { name: 'a', namespace: 'default' } });
  await pods.create({ metadata: { name: 'b', namespace: 'default' } });
  const informer = new SharedIndexInformer(newListWatch(pods), { clock, log: silentLogger(), reflector: { random: () => 0 } });
  const log: string[] = [];
  informer.addEventHandler(recorder(log));
  const ac = new AbortController();
  const done = informer.run(ac.signal);
  await informer.whenSynced();
  await eventually(() => fake.tracker.watcherCount() === 1);

  // The server ends the watch; a watch that ends at once without events backs off (800 ms) before the
  // next one, so these changes happen while the informer is disconnected.
  fake.tracker.closeWatches();
  await settle();
  const b = await pods.get('default', 'b');
  await pods.update({ ...b, metadata: { ...b.metadata, labels: { v: '2' } } });
  await pods.delete('default', 'a');
  await pods.create({ metadata: { name: 'c', namespace: 'default' } });
  fake.tracker.compact();
  assert.deepEqual(log, ['add a@1 (initial)', 'add b@2 (initial)']);
  clock.step(800); // watch from rv 2 -> 410 Expired
  await eventually(() => fake.actions().filter((a) => a.verb === 'watch').length === 2);
  await settle();
  clock.step(1600); // backoff, then relist
  await eventually(() => log.length === 5, 'relist notifications');
  assert.deepEqual(log, ['add a@1 (initial)', 'add b@2 (initial)', 'update b@2->3', 'add c@5', 'delete default/a (tombstone @1)']);
  ac.abort();
  await done;
});

test('resync delivers update(obj, obj) for every cached object each period', async () => {
  const { clock, lw, informer, ac } = setup();
  const log: string[] = [];
  informer.addEventHandler(recorder(log), { resyncPeriodMs: 30_000 });
  const quiet: string[] = [];
  informer.addEventHandler(recorder(quiet));
  lw.answerList(listOf('10', [pod('a', '1')]));
  const done = informer.run(ac.signal);
  await eventually(() => log.length === 1);
  clock.step(29_999);
  await settle();
  assert.equal(log.length, 1);
  clock.step(1);
  await eventually(() => log.length === 2);
  clock.step(30_000);
  await eventually(() => log.length === 3);
  assert.deepEqual(log, ['add a@1 (initial)', 'update a@1->1', 'update a@1->1']);
  assert.deepEqual(quiet, ['add a@1 (initial)'], 'handlers without resync are not resynced');
  ac.abort();
  await done;
  assert.equal(clock.waiters, 0, 'timers are cancelled on stop');
});

test('transform is applied before caching and delivery', async () => {
  const clock = new FakeClock();
  const lw = new ScriptedListerWatcher();
  const informer = new SharedIndexInformer(lw, {
    clock,
    log: silentLogger(),
    transform: (o) => {
      const copy = { ...o, metadata: { ...o.metadata } };
      delete copy.metadata.managedFields;
      return copy;
    },
  });
  const seen: KubeObject[] = [];
  informer.addEventHandler({ onAdd: (o) => { seen.push(o); } });
  lw.answerList(listOf('1', [{ metadata: { name: 'a', namespace: 'default', managedFields: [{ manager: 'x' }] } }]));
  const ac = new AbortController();
  const done = informer.run(ac.signal);
  await eventually(() => seen.length === 1);
  assert.equal(seen[0]?.metadata.managedFields, undefined);
  assert.equal(informer.indexer.getByKey('default/a')?.metadata.managedFields, undefined);
  ac.abort();
  await done;
});

test('waitForCacheSync polls on the clock and returns false when aborted', async () => {
  const clock = new FakeClock();
  let synced = false;
  const ac = new AbortController();
  const p = waitForCacheSync(ac.signal, [() => true, () => synced], { clock, log: silentLogger() });
  let result: boolean | undefined;
  void p.then((r) => { result = r; });
  await settle();
  assert.equal(result, undefined);
  synced = true;
  clock.step(100);
  await settle();
  assert.equal(result, true);

  const ac2 = new AbortController();
  const never = waitForCacheSync(ac2.signal, [() => false], { clock, log: silentLogger() });
  ac2.abort();
  assert.equal(await never, false);
  assert.equal(await waitForCacheSync(new AbortController().signal, [() => true], { clock }), true, 'already synced: no clock needed');
});

test('whenSynced resolves false when the informer stops before syncing', async () => {
  const { lw, informer, ac } = setup();
  lw.answerList(new Error('down'));
  const done = informer.run(ac.signal);
  const waiting = informer.whenSynced();
  await settle();
  ac.abort();
  assert.equal(await waiting, false);
  await done;
  assert.throws(() => informer.addEventHandler({}), /stopped/);
});
