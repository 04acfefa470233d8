import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import type { KubeObject } from '../../../shared/api/meta.ts';
import { FakeClock } from '../../../shared/util/clock.ts';
import { StorageError, isStorageError } from '../errors.ts';
import type { Storage, UpdateOptions, TryUpdate } from '../interfaces.ts';
import { EmbeddedStore } from '../embedded/embedded-store.ts';
import { runStorageConformance } from '../testing/store-tests.ts';
import { MemoryStorage } from './_memory-storage.ts';
import { applyEvents, brief, pod, podKey, settle, take, takeStorage, until, within } from './_test-util.ts';
import type { CacheWatcher } from './cache-watcher.ts';
import { Cacher, type CacherOptions, type WatchCachedOptions, watchOptionsFromQuery } from './cacher.ts';
import type { WatchCacheEvent } from './watch-cache.ts';
import type { ObjectAttrs } from './cached-object.ts';

interface Env {
  storage: Storage;
  clock: FakeClock;
  cacher: Cacher;
  signal: AbortSignal;
}

/** The backends the generic tests run on. */
const backends: { name: string; make: () => Storage }[] = [
  { name: 'MemoryStorage', make: () => new MemoryStorage() },
  { name: "EmbeddedStore(':memory:')", make: () => new EmbeddedStore({ path: ':memory:' }) },
];

// The shared Storage conformance suite, through a Cacher of '/pods/' (other prefixes pass through to the store).
runStorageConformance({
  name: "Cacher over EmbeddedStore(':memory:')",
  newStorage: async () => {
    const cacher = new Cacher({ storage: new EmbeddedStore({ path: ':memory:' }), resourcePrefix: '/pods/', closeStorage: true });
    await cacher.start();
    return cacher;
  },
});

/** A storage whose revision is past 0 (revision 0 means "any" to watchCached, so tests start from 1). */
async function seeded(make: () => Storage = () => new MemoryStorage()): Promise<Storage> {
  const s = make();
  await s.create('/configmaps/ns/seed', { metadata: { name: 'seed', namespace: 'ns' } });
  return s;
}

async function setup(t: TestContext, opts: Partial<CacherOptions> = {}): Promise<Env> {
  const storage = opts.storage ?? (await seeded());
  const clock = new FakeClock();
  // No periodic window trim unless a test asks (it would add a timer to every FakeClock step).
  const cacher = new Cacher({ resourcePrefix: '/pods/', clock, bookmarkTypeMeta: { kind: 'Pod', apiVersion: 'v1' }, trimIntervalMs: 0, ...opts, storage });
  const ac = new AbortController();
  t.after(async () => {
    ac.abort();
    await cacher.close();
    await storage.close();
  });
  await within(cacher.start(), 'cacher ready');
  return { storage, clock, cacher, signal: ac.signal };
}

const rvOf = (o: KubeObject): number => Number(o.metadata.resourceVersion);

async function create(env: Env, name: string, labels?: Record<string, string>, ns = 'ns'): Promise<KubeObject> {
  return env.cacher.create(podKey(ns, name), pod(ns, name, labels));
}

async function relabel(env: Env, name: string, labels: Record<string, string>, ns = 'ns'): Promise<KubeObject> {
  return env.cacher.guaranteedUpdate(podKey(ns, name), (cur) => ({ ...cur!, metadata: { ...cur!.metadata, labels } }));
}

async function synced(env: Env, rev: number): Promise<void> {
  await until(() => env.cacher.revision >= rev, `cache at ${rev} (is ${env.cacher.revision})`);
}

function watch(env: Env, opts: Partial<WatchCachedOptions> = {}): Promise<CacheWatcher> {
  return env.cacher.watchCached({ prefix: '/pods/', revision: 'latest', signal: env.signal, ...opts });
}

/** Asserts the watcher has nothing more to deliver right now. */
async function assertNoMore(w: CacheWatcher): Promise<void> {
  let got: IteratorResult<WatchCacheEvent> | undefined;
  const p = w.next().then((r) => {
    got = r;
  });
  await settle(10);
  assert.equal(got, undefined, `unexpected event: ${got && !got.done ? brief([got.value]).join() : 'end'}`);
  w.stop();
  await p;
}

for (const backend of backends) {
  describe(`Cacher over ${backend.name}`, () => {
    it('lists the prefix in pages at start, then follows changes', async (t) => {
      const storage = backend.make();
      for (let i = 0; i < 25; i++) await storage.create(podKey('ns', `p${i}`), pod('ns', `p${i}`));
      await storage.create('/configmaps/ns/other', { metadata: { name: 'other', namespace: 'ns' } });
      const env = await setup(t, { storage, listPageSize: 10 });
      if (storage instanceof MemoryStorage) assert.equal(storage.calls.filter((c) => c === 'list /pods/').length, 3);
      const r = await env.cacher.listFromCache('/pods/');
      assert.equal(r.source, 'cache');
      assert.equal(r.items.length, 25);
      const created = await create(env, 'new');
      await synced(env, rvOf(created));
      assert.equal((await env.cacher.listFromCache('/pods/')).items.length, 26);
    });

    it('watch with resourceVersion unset: ADDED for the current state, then changes', async (t) => {
      const env = await setup(t, { storage: backend.make() });
      const a = await create(env, 'a');
      await create(env, 'b');
      const w = await watch(env, { prefix: '/pods/ns/' });
      assert.deepEqual(brief(await take(w, 2)), [`ADDED ns/a@${rvOf(a)}`, `ADDED ns/b@${rvOf(a) + 1}`]);
      const c = await create(env, 'c');
      const a2 = await relabel(env, 'a', { x: '1' });
      const bGone = await env.cacher.delete(podKey('ns', 'b'));
      assert.deepEqual(brief(await take(w, 3)), [`ADDED ns/c@${rvOf(c)}`, `MODIFIED ns/a@${rvOf(a2)}`, `DELETED ns/b@${rvOf(bGone)}`]);
      await create(env, 'elsewhere', undefined, 'other-ns');
      await assertNoMore(w);
    });

    it('watch with resourceVersion "0" (legacy) also starts with the state; sendInitialEvents=false does not', async (t) => {
      const env = await setup(t, { storage: backend.make() });
      const a = await create(env, 'a');
      await synced(env, rvOf(a));
      const w0 = await watch(env, { revision: 0 });
      const wNone = await watch(env, { revision: 0, sendInitialEvents: false });
      const wLatestNone = await watch(env, { revision: 'latest', sendInitialEvents: false });
      assert.deepEqual(brief(await take(w0, 1)), [`ADDED ns/a@${rvOf(a)}`]);
      const b = await create(env, 'b');
      assert.deepEqual(brief(await take(w0, 1)), [`ADDED ns/b@${rvOf(b)}`]);
      assert.deepEqual(brief(await take(wNone, 1)), [`ADDED ns/b@${rvOf(b)}`]);
      assert.deepEqual(brief(await take(wLatestNone, 1)), [`ADDED ns/b@${rvOf(b)}`]);
    });

    it('a watch of one exact key sees only that key', async (t) => {
      const env = await setup(t, { storage: backend.make() });
      const a = await create(env, 'a');
      await create(env, 'ab');
      const w = await watch(env, { prefix: podKey('ns', 'a') });
      assert.deepEqual(brief(await take(w, 1)), [`ADDED ns/a@${rvOf(a)}`]);
      await relabel(env, 'ab', { v: '1' });
      await create(env, 'a', undefined, 'ns2');
      const a2 = await relabel(env, 'a', { v: '1' });
      assert.deepEqual(brief(await take(w, 1)), [`MODIFIED ns/a@${rvOf(a2)}`]);
      await assertNoMore(w);
    });

    it('resuming from every revision in the window gets exactly the missing events', async (t) => {
      const env = await setup(t, { storage: await seeded(backend.make) });
      const start = env.cacher.revision;
      assert.equal(start, 1);
      const expected: string[] = [];
      const revs: number[] = [];
      const log = (type: string, o: KubeObject) => {
        expected.push(`${type} ns/${o.metadata.name}@${o.metadata.resourceVersion}`);
        revs.push(rvOf(o));
      };
      for (const n of ['a', 'b', 'c']) log('ADDED', await create(env, n));
      log('MODIFIED', await relabel(env, 'a', { v: '1' }));
      log('DELETED', await env.cacher.delete(podKey('ns', 'b')));
      log('ADDED', await create(env, 'd'));
      log('MODIFIED', await relabel(env, 'c', { v: '2' }));
      log('DELETED', await env.cacher.delete(podKey('ns', 'a')));
      await synced(env, revs.at(-1)!);
      for (let r = start; r <= revs.at(-1)!; r++) {
        const missing = expected.filter((_, i) => revs[i]! > r);
        const w = await watch(env, { revision: r });
        assert.deepEqual(brief(await take(w, missing.length)), missing, `resume from ${r}`);
        await assertNoMore(w);
      }
    });

    it('a revision newer than the store waits up to 3 s, then TooLargeResourceVersion', async (t) => {
      const env = await setup(t, { storage: backend.make() });
      await create(env, 'a');
      const current = await env.storage.currentRevision();
      let outcome: unknown = 'pending';
      const p = watch(env, { revision: current + 5 }).then(
        (w) => (outcome = w),
        (e: unknown) => (outcome = e),
      );
      await settle(10);
      env.clock.step(2999);
      await settle(10);
      assert.equal(outcome, 'pending');
      env.clock.step(1);
      await within(p, 'rejection');
      assert.ok(isStorageError(outcome, 'TooLargeResourceVersion'), String(outcome));
      assert.equal(outcome.revision, current + 5);
      assert.equal(outcome.bound, current);
    });

    it('a revision that arrives while waiting starts the watch with only the changes after it', async (t) => {
      const env = await setup(t, { storage: backend.make() });
      const next = (await env.storage.currentRevision()) + 1;
      const p = watch(env, { revision: next });
      await settle(5);
      const x = await create(env, 'x');
      assert.equal(rvOf(x), next);
      const w = await within(p, 'watch start');
      const y = await create(env, 'y');
      assert.deepEqual(brief(await take(w, 1)), [`ADDED ns/y@${rvOf(y)}`]);
    });

    it('a revision the store has but this cache never sees (another resource) starts at once', async (t) => {
      const env = await setup(t, { storage: backend.make() });
      await env.storage.create('/configmaps/ns/c', { metadata: { name: 'c', namespace: 'ns' } });
      const n = await env.storage.currentRevision();
      assert.ok(n > env.cacher.revision);
      const w = await within(watch(env, { revision: n }), 'watch start without clock steps');
      const a = await create(env, 'a');
      assert.deepEqual(brief(await take(w, 1)), [`ADDED ns/a@${rvOf(a)}`]);
    });

    it('selectors: changes into the selection are ADDED, out of it DELETED (new state), others are not sent', async (t) => {
      const env = await setup(t, { storage: backend.make() });
      const web = (a: ObjectAttrs) => a.labels?.['app'] === 'web';
      const w = await watch(env, { revision: env.cacher.revision, predicate: web });
      const wPrev = await watch(env, { revision: env.cacher.revision, predicate: web, selectorDeleteObject: 'previous' });
      const all = await watch(env, { revision: env.cacher.revision });
      await create(env, 'a', { app: 'db' });
      const in1 = await relabel(env, 'a', { app: 'web' });
      const mod = await relabel(env, 'a', { app: 'web', tier: 'front' });
      const out = await relabel(env, 'a', { app: 'db' });
      await relabel(env, 'a', { app: 'db', tier: 'x' });
      await env.cacher.delete(podKey('ns', 'a'));
      const b = await create(env, 'b', { app: 'web' });
      const bGone = await env.cacher.delete(podKey('ns', 'b'));
      const evs = await take(w, 5);
      assert.deepEqual(brief(evs), [
        `ADDED ns/a@${rvOf(in1)}`,
        `MODIFIED ns/a@${rvOf(mod)}`,
        `DELETED ns/a@${rvOf(out)}`,
        `ADDED ns/b@${rvOf(b)}`,
        `DELETED ns/b@${rvOf(bGone)}`,
      ]);
      assert.equal(evs[2]!.object.metadata.labels?.['app'], 'db', 'leaving the selection carries the new state');
      await assertNoMore(w);
      const prevEvs = await take(wPrev, 5);
      assert.equal(prevEvs[2]!.type, 'DELETED');
      assert.equal(prevEvs[2]!.object.metadata.labels?.['app'], 'web', "'previous': the last matching state...");
      assert.equal(prevEvs[2]!.object.metadata.resourceVersion, String(rvOf(out)), '...with the new resourceVersion');
      const raw = await take(all, 8);
      assert.equal(raw[2], evs[1], 'an unchanged event is the same shared object for every watcher');
    });

    it('sendInitialEvents=true: ADDED for the state, then the initial-events-end BOOKMARK, then changes', async (t) => {
      const env = await setup(t, { storage: backend.make() });
      await create(env, 'b');
      const a = await create(env, 'a');
      await create(env, 'skip', { hide: 'yes' });
      const pred = (a: ObjectAttrs) => !a.labels?.['hide'];
      const w = await watch(env, { revision: 0, sendInitialEvents: true, bookmarks: true, predicate: pred });
      const w2 = await watch(env, { revision: 0, sendInitialEvents: true, bookmarks: true });
      const evs = await take(w, 3);
      assert.deepEqual(brief(evs.slice(0, 2)), [`ADDED ns/a@${rvOf(a)}`, `ADDED ns/b@${rvOf(a) - 1}`]);
      const bm = evs[2]!;
      assert.equal(bm.type, 'BOOKMARK');
      assert.equal(bm.initialEventsEnd, true);
      assert.deepEqual(bm.object, {
        kind: 'Pod',
        apiVersion: 'v1',
        metadata: { resourceVersion: String(env.cacher.revision), annotations: { 'k8s.io/initial-events-end': 'true' } },
      });
      const evs2 = await take(w2, 4);
      assert.equal(evs2[0], evs[0], 'synthetic ADDED events (and their encode memo) are shared');
      const c = await create(env, 'c');
      assert.deepEqual(brief(await take(w, 1)), [`ADDED ns/c@${rvOf(c)}`]);

      // Without bookmarks there is no end marker (as upstream: it needs allowWatchBookmarks).
      const wNoBm = await watch(env, { revision: 0, sendInitialEvents: true });
      assert.deepEqual((await take(wNoBm, 4)).map((e) => e.type), ['ADDED', 'ADDED', 'ADDED', 'ADDED']);
      const d = await create(env, 'd');
      assert.deepEqual(brief(await take(wNoBm, 1)), [`ADDED ns/d@${rvOf(d)}`]);
    });

    it('sendInitialEvents=true with resourceVersion N waits for a state not older than N', async (t) => {
      const env = await setup(t, { storage: backend.make() });
      const n = (await env.storage.currentRevision()) + 1;
      const p = watch(env, { revision: n, sendInitialEvents: true, bookmarks: true });
      await settle(5);
      const x = await create(env, 'x');
      const w = await within(p, 'watch start');
      const evs = await take(w, 2);
      assert.deepEqual(brief(evs), [`ADDED ns/x@${rvOf(x)}`, `BOOKMARK@${rvOf(x)}`]);
      assert.equal(evs[1]!.initialEventsEnd, true);
    });

    it('sends periodic BOOKMARKs with the cache revision to watchers that allow them', async (t) => {
      const env = await setup(t, { storage: backend.make() });
      const none = () => false;
      const wB = await watch(env, { revision: env.cacher.revision, bookmarks: true });
      const wF = await watch(env, { revision: env.cacher.revision, bookmarks: true, predicate: none });
      const wN = await watch(env, { revision: env.cacher.revision });
      const a = await create(env, 'a');
      assert.deepEqual(brief(await take(wB, 1)), [`ADDED ns/a@${rvOf(a)}`]);
      assert.deepEqual(brief(await take(wN, 1)), [`ADDED ns/a@${rvOf(a)}`]);
      env.clock.step(54_000);
      await settle();
      assert.equal(wB.buffered, 0, 'not before the interval');
      env.clock.step(1_000);
      const bm = (await take(wB, 1))[0]!;
      assert.deepEqual(bm.object, { kind: 'Pod', apiVersion: 'v1', metadata: { resourceVersion: String(rvOf(a)) } });
      assert.equal(bm.revision, rvOf(a));
      assert.deepEqual(brief(await take(wF, 1)), [`BOOKMARK@${rvOf(a)}`], 'a filtered watcher learns the recent revision');
      const b = await create(env, 'b');
      env.clock.step(55_000);
      assert.deepEqual(brief(await take(wB, 2)), [`ADDED ns/b@${rvOf(b)}`, `BOOKMARK@${rvOf(b)}`]);
      assert.deepEqual(brief(await take(wN, 1)), [`ADDED ns/b@${rvOf(b)}`]);
      await assertNoMore(wN);
      // A deadline brings a bookmark 2 s before it.
      const wD = await watch(env, { revision: env.cacher.revision, bookmarks: true, deadline: env.clock.now() + 10_000 });
      env.clock.step(8_000);
      assert.deepEqual(brief(await take(wD, 1)), [`BOOKMARK@${rvOf(b)}`]);
      wB.stop();
      wF.stop();
      wD.stop();
      env.clock.step(1_000);
      assert.equal(env.clock.waiters, 0, 'no bookmark timer without bookmark watchers');
    });

    it('cuts off a slow watcher without stalling the cache or a fast watcher', async (t) => {
      const env = await setup(t, { storage: backend.make() });
      const slow = await watch(env, { revision: env.cacher.revision, bufferSize: 10 });
      const fast = await watch(env, { revision: env.cacher.revision, bufferSize: 10 });
      const seen: WatchCacheEvent[] = [];
      const consumer = (async () => {
        for await (const ev of fast) {
          seen.push(ev);
          if (seen.length === 50) break;
        }
      })();
      let last: KubeObject | undefined;
      for (let i = 0; i < 50; i++) last = await create(env, `p${String(i).padStart(2, '0')}`);
      // The cache waits for the full watcher at most its dispatch budget (100 ms), then cuts it off.
      await until(() => slow.closedReason !== undefined || (env.clock.step(25), false), 'slow watcher cut off');
      assert.ok(env.clock.now() - Date.UTC(2026, 0, 1) <= 125, 'within the dispatch budget');
      await within(consumer, 'fast consumer');
      assert.equal(seen.length, 50);
      assert.deepEqual(seen.map((e) => e.object.metadata.name), Array.from({ length: 50 }, (_, i) => `p${String(i).padStart(2, '0')}`));
      assert.equal(slow.closedReason, 'slow');
      assert.deepEqual(await slow.next(), { value: undefined, done: true });
      assert.equal(env.cacher.stats.slowWatchers, 1);
      await synced(env, rvOf(last!));
      assert.equal(env.cacher.watcherCount, 0);
    });

    it('paces a consumer that is only briefly behind instead of cutting it off', async (t) => {
      const env = await setup(t, { storage: backend.make() });
      const w = await watch(env, { revision: env.cacher.revision, bufferSize: 5 });
      let last: KubeObject | undefined;
      for (let i = 0; i < 20; i++) last = await create(env, `p${String(i).padStart(2, '0')}`);
      await until(() => w.buffered === 5, 'buffer full');
      await settle();
      assert.ok(env.cacher.revision < rvOf(last!), 'the cache waits for room (no clock steps: budget not spent)');
      const evs = await take(w, 20);
      assert.equal(evs.at(-1)!.revision, rvOf(last!));
      assert.equal(w.closedReason, undefined);
      assert.equal(env.cacher.stats.slowWatchers, 0);
    });

    it('an aborted signal ends the watcher and unregisters it', async (t) => {
      const env = await setup(t, { storage: backend.make() });
      const ac = new AbortController();
      const w = await watch(env, { signal: ac.signal });
      assert.equal(env.cacher.watcherCount, 1);
      const pending = w.next();
      ac.abort();
      assert.deepEqual(await pending, { value: undefined, done: true });
      assert.equal(w.closedReason, 'aborted');
      assert.equal(env.cacher.watcherCount, 0);
    });

    it('listFromCache pages see every stable item exactly once, in key order', async (t) => {
      const env = await setup(t, { storage: backend.make() });
      const names = Array.from({ length: 25 }, (_, i) => `p${String(i).padStart(2, '0')}`);
      let last: KubeObject | undefined;
      for (const n of names) last = await create(env, n);
      await synced(env, rvOf(last!));
      const seen: string[] = [];
      let startKey: string | undefined;
      let page = 0;
      for (;;) {
        const r = await env.cacher.listFromCache('/pods/ns/', { limit: 7, ...(startKey ? { startKey } : {}) });
        assert.equal(r.source, 'cache');
        if (page === 0) assert.equal(r.remainingItemCount, 18);
        seen.push(...r.items.map((o) => o.metadata.name!));
        if (!r.continueKey) break;
        startKey = r.continueKey;
        // Churn between pages: before and after the cursor, and a modification of an unseen item.
        await create(env, `a-before-${page}`);
        await create(env, `p99-after-${page}`);
        last = await relabel(env, 'p24', { page: String(page) });
        await synced(env, rvOf(last));
        page++;
      }
      const stable = seen.filter((n) => names.includes(n));
      assert.deepEqual(stable, names, 'each stable item once, in order');
      assert.deepEqual([...seen].sort(), seen, 'key order throughout');
      assert.equal(new Set(seen).size, seen.length, 'no duplicates');
    });

    it('listFromCache serves 10,000 items in well under 50 ms, without copies', async (t) => {
      const storage = backend.make();
      for (let i = 0; i < 10_000; i++) await storage.create(podKey('ns', `p${String(i).padStart(5, '0')}`), pod('ns', `p${i}`));
      const env = await setup(t, { storage });
      await env.cacher.listFromCache('/pods/');
      // The best of five: one list can lose a time slice on a loaded machine; a list that copies is slow every time.
      let r = await env.cacher.listFromCache('/pods/');
      let ms = Infinity;
      for (let i = 0; i < 5; i++) {
        const t0 = performance.now();
        r = await env.cacher.listFromCache('/pods/');
        ms = Math.min(ms, performance.now() - t0);
      }
      assert.equal(r.items.length, 10_000);
      assert.ok(ms < 50, `took ${ms.toFixed(1)} ms (best of 5)`);
      const again = await env.cacher.listFromCache('/pods/ns/', { limit: 1 });
      assert.equal(again.items[0], r.items[0], 'shared objects');
    });

    it('listFromCache waits for minRevision; too new -> TooLargeResourceVersion after 3 s', async (t) => {
      const env = await setup(t, { storage: backend.make() });
      const next = (await env.storage.currentRevision()) + 1;
      const p = env.cacher.listFromCache('/pods/', { minRevision: next });
      await settle(5);
      await create(env, 'x');
      const r = await within(p, 'list');
      assert.equal(r.source, 'cache');
      assert.deepEqual(r.items.map((o) => o.metadata.name), ['x']);
      assert.equal(r.revision, next);

      const far = next + 100;
      let outcome: unknown = 'pending';
      const q = env.cacher.listFromCache('/pods/', { minRevision: far }).then(
        (v) => (outcome = v),
        (e: unknown) => (outcome = e),
      );
      await settle(10);
      env.clock.step(3000);
      await within(q, 'rejection');
      assert.ok(isStorageError(outcome, 'TooLargeResourceVersion'));
      assert.equal(outcome.revision, far);
      assert.equal(outcome.bound, next);
    });

    it('a consistent list waits for a write that just happened and serves it from the cache', async (t) => {
      const env = await setup(t, { storage: backend.make() });
      await create(env, 'a');
      const b = await create(env, 'b');
      const r = await env.cacher.list('/pods/', {});
      assert.deepEqual(r.items.map((o) => o.metadata.name), ['a', 'b']);
      assert.equal(r.revision, rvOf(b));
      assert.equal(env.cacher.stats.listsFromCache, 1);
      assert.equal(env.cacher.stats.listsDelegated, 0);
      // list() keeps the Storage contract: the caller owns the copies.
      r.items[0]!.metadata.name = 'mutated';
      assert.equal((await env.cacher.listFromCache('/pods/')).items[0]!.metadata.name, 'a');
      const c = await create(env, 'c');
      const r2 = await env.cacher.listFromCache('/pods/', { consistent: true });
      assert.equal(r2.source, 'cache');
      assert.equal(r2.revision, rvOf(c));
    });

    it('a consistent list the cache cannot prove fresh (newest write elsewhere) falls back to the storage', async (t) => {
      const env = await setup(t, { storage: backend.make() });
      await create(env, 'a');
      await env.storage.create('/configmaps/ns/c', { metadata: { name: 'c', namespace: 'ns' } });
      const current = await env.storage.currentRevision();
      const p = env.cacher.listFromCache('/pods/', { consistent: true });
      await settle(10);
      env.clock.step(50);
      const r = await within(p, 'list');
      assert.equal(r.source, 'storage');
      assert.equal(r.revision, current);
      assert.deepEqual(r.items.map((o) => o.metadata.name), ['a']);
      assert.equal(env.cacher.stats.listsDelegated, 1);
    });

    it('Storage interface: writes and get go to the storage, watch(N) is served from the cache with copies', async (t) => {
      const env = await setup(t, { storage: await seeded(backend.make) });
      const a = await create(env, 'a');
      assert.equal((await env.cacher.get(podKey('ns', 'a'))).metadata.resourceVersion, a.metadata.resourceVersion);
      const ac = new AbortController();
      const it = env.cacher.watch('/pods/ns/', { revision: rvOf(a) - 1, signal: ac.signal })[Symbol.asyncIterator]();
      const first = await takeStorage(it, 1);
      assert.equal(first[0]!.type, 'ADDED');
      assert.equal(first[0]!.key, podKey('ns', 'a'));
      first[0]!.object.metadata.name = 'mine';
      const a2 = await relabel(env, 'a', { v: '2' });
      const second = await takeStorage(it, 1);
      assert.equal(second[0]!.type, 'MODIFIED');
      assert.equal(second[0]!.revision, rvOf(a2));
      assert.equal(second[0]!.prevObject?.metadata.name, 'a', 'copies: the cache was not changed by the consumer');
      await it.return!();
      await until(() => env.cacher.watcherCount === 0, 'watcher released');
      const old = await env.cacher.list('/pods/', { revision: rvOf(a) });
      assert.equal(old.items[0]!.metadata.resourceVersion, a.metadata.resourceVersion, 'list at N is the exact snapshot');
    });

    it('stop() ends every watcher and the storage watch; reads then fail Unavailable', async (t) => {
      const env = await setup(t, { storage: backend.make() });
      const w1 = await watch(env);
      const w2 = await watch(env, { bookmarks: true });
      const pending = w1.next();
      env.cacher.stop();
      assert.deepEqual(await pending, { value: undefined, done: true });
      assert.equal(w1.closedReason, 'stopped');
      assert.equal(w2.closedReason, 'stopped');
      await assert.rejects(env.cacher.listFromCache('/pods/'), (e: unknown) => isStorageError(e, 'Unavailable'));
      await assert.rejects(watch(env), (e: unknown) => isStorageError(e, 'Unavailable'));
      if (env.storage instanceof MemoryStorage) {
        const s = env.storage;
        await until(() => s.openWatches === 0, 'storage watch closed');
      }
      assert.equal(env.clock.waiters, 0, 'no timers left');
    });

    it('fans one write out to 1,000 watchers quickly', async (t) => {
      const env = await setup(t, { storage: backend.make() });
      const watchers = await Promise.all(Array.from({ length: 1000 }, () => watch(env, { revision: env.cacher.revision })));
      let received = 0;
      const consumers = watchers.map(async (w) => {
        const r = await w.next();
        if (!r.done) received++;
      });
      const t0 = performance.now();
      await create(env, 'hot');
      await within(Promise.all(consumers), 'all watchers');
      const ms = performance.now() - t0;
      assert.equal(received, 1000);
      assert.ok(ms < 250, `took ${ms.toFixed(1)} ms`);
    });
  });
}

describe('Cacher freshness with progress notifications', () => {
  it('a consistent list is served from the cache after a progress request when the newest write is elsewhere', async (t) => {
    const storage = new MemoryStorage({ progressNotify: true });
    const env = await setup(t, { storage });
    await create(env, 'a');
    await storage.create('/configmaps/ns/c', { metadata: { name: 'c', namespace: 'ns' } });
    const r = await within(env.cacher.listFromCache('/pods/', { consistent: true }), 'list without clock steps');
    assert.equal(r.source, 'cache');
    assert.equal(r.revision, storage.revision);
    assert.ok(storage.calls.includes('requestWatchProgress'));
    // A watch from that revision then starts with no backlog and gets later changes.
    const w = await watch(env, { revision: r.revision });
    const b = await create(env, 'b');
    assert.deepEqual(brief(await take(w, 1)), [`ADDED ns/b@${rvOf(b)}`]);
  });
});

describe('Cacher window bounds', () => {
  it('resuming from a revision that left the (bounded) window is Expired', async (t) => {
    const env = await setup(t, { window: { minEvents: 5, maxEvents: 20 } });
    const start = env.cacher.revision;
    let last: KubeObject | undefined;
    for (let i = 0; i < 100; i++) last = await create(env, `p${i}`);
    await synced(env, rvOf(last!));
    assert.equal(env.cacher.watchCache.eventCount, 20);
    assert.equal(env.cacher.watchCache.capacity, 20);
    await assert.rejects(watch(env, { revision: start }), (e: unknown) => {
      assert.ok(isStorageError(e, 'Expired'));
      assert.equal(e.revision, start);
      assert.equal(e.bound, rvOf(last!) - 20);
      assert.match(e.message, /^too old resource version: \d+ \(\d+\)$/);
      return true;
    });
    const w = await watch(env, { revision: rvOf(last!) - 20 });
    assert.equal((await take(w, 20)).length, 20);
    // The Storage-interface watch throws Expired from its iterator.
    const it = env.cacher.watch('/pods/', { revision: start, signal: env.signal })[Symbol.asyncIterator]();
    await assert.rejects(it.next(), (e: unknown) => isStorageError(e, 'Expired'));
  });
});

describe('Cacher watch restarts and relists (MemoryStorage fault injection)', () => {
  it('re-watches from its revision after a broken storage watch: watchers miss nothing', async (t) => {
    const storage = new MemoryStorage();
    const env = await setup(t, { storage });
    const a = await create(env, 'a');
    await synced(env, rvOf(a));
    const w = await watch(env, { revision: rvOf(a) });
    storage.breakWatches();
    await until(() => env.cacher.stats.watchRestarts === 1 && env.clock.waiters === 1, 'backoff');
    const b = await storage.create(podKey('ns', 'b'), pod('ns', 'b'));
    const gone = await storage.delete(podKey('ns', 'a'));
    env.clock.step(200);
    assert.deepEqual(brief(await take(w, 2)), [`ADDED ns/b@${rvOf(b)}`, `DELETED ns/a@${rvOf(gone)}`]);
    assert.equal(env.cacher.stats.relists, 0);
    assert.equal(w.closedReason, undefined);
  });

  it('relists on Expired and sends watchers the difference, so their state matches the storage', async (t) => {
    const storage = new MemoryStorage();
    const env = await setup(t, { storage });
    const pred = (a: ObjectAttrs) => a.labels?.['app'] === 'web';
    for (const n of ['a', 'b', 'c']) await create(env, n, { app: 'web' });
    const d = await create(env, 'd', { app: 'db' });
    await synced(env, rvOf(d));
    const before = env.cacher.revision;
    const client = new Map<string, KubeObject>();
    const filtered = new Map<string, KubeObject>();
    const w = await watch(env, { revision: 0 });
    const wf = await watch(env, { revision: 0, predicate: pred });
    applyEvents(client, await take(w, 4));
    applyEvents(filtered, await take(wf, 3));

    storage.breakWatches();
    await until(() => env.cacher.stats.watchRestarts === 1 && env.clock.waiters === 1, 'first backoff');
    // While the cacher is not watching: changes, then compaction past the cacher's revision.
    await storage.delete(podKey('ns', 'b'));
    await storage.guaranteedUpdate(podKey('ns', 'a'), (cur) => ({ ...cur!, metadata: { ...cur!.metadata, labels: { app: 'db' } } }));
    await storage.guaranteedUpdate(podKey('ns', 'd'), (cur) => ({ ...cur!, metadata: { ...cur!.metadata, labels: { app: 'web' } } }));
    await storage.create(podKey('ns', 'e'), pod('ns', 'e', { app: 'web' }));
    await storage.compact(storage.revision);
    env.clock.step(200); // re-watch from `before` -> Expired
    await until(() => env.cacher.stats.watchRestarts === 2 && env.clock.waiters === 1, 'second backoff');
    env.clock.step(400); // relist
    await until(() => env.cacher.stats.relists === 1, 'relist');

    const diff = await take(w, 4);
    assert.deepEqual(diff.map((e) => `${e.type} ${e.object.metadata.name}`), ['DELETED b', 'MODIFIED a', 'MODIFIED d', 'ADDED e']);
    assert.equal(diff[0]!.object.metadata.resourceVersion, String(before), 'the delete revision is unknown: the old cache revision');
    applyEvents(client, diff);
    const truth = await storage.list('/pods/');
    assert.deepEqual(
      [...client.values()].map((o) => `${o.metadata.name}@${o.metadata.resourceVersion}`).sort(),
      truth.items.map((o) => `${o.metadata.name}@${o.metadata.resourceVersion}`).sort(),
    );
    const fdiff = await take(wf, 4);
    assert.deepEqual(fdiff.map((e) => `${e.type} ${e.object.metadata.name}`), ['DELETED b', 'DELETED a', 'ADDED d', 'ADDED e']);
    applyEvents(filtered, fdiff);
    assert.deepEqual([...filtered.keys()].sort(), truth.items.filter((o) => pred({ labels: o.metadata.labels, fields: {} })).map((o) => `ns/${o.metadata.name}`).sort());

    // The window restarted at the list revision.
    await assert.rejects(watch(env, { revision: before }), (e: unknown) => isStorageError(e, 'Expired'));
    const w2 = await watch(env, { revision: env.cacher.revision });
    const f = await create(env, 'f');
    assert.deepEqual(brief(await take(w2, 1)), [`ADDED ns/f@${rvOf(f)}`]);
    assert.deepEqual(brief(await take(w, 1)), [`ADDED ns/f@${rvOf(f)}`], 'the old watcher carries on');
  });

  it('a relist ends watchers that started ahead of the cache; bookmark watchers learn the list revision', async (t) => {
    const storage = new MemoryStorage();
    const env = await setup(t, { storage });
    const a = await create(env, 'a');
    await synced(env, rvOf(a));
    await storage.create('/configmaps/ns/c', { metadata: { name: 'c', namespace: 'ns' } });
    const ahead = await watch(env, { revision: storage.revision });
    assert.equal(ahead.skipUntil, storage.revision);
    const bm = await watch(env, { revision: rvOf(a), bookmarks: true });
    storage.breakWatches();
    await until(() => env.cacher.stats.watchRestarts === 1 && env.clock.waiters === 2, 'first backoff'); // + bookmark tick
    const b = await storage.create(podKey('ns', 'b'), pod('ns', 'b'));
    await storage.compact(storage.revision);
    env.clock.step(200);
    await until(() => env.cacher.stats.watchRestarts === 2, 'Expired');
    env.clock.step(400);
    await until(() => env.cacher.stats.relists === 1, 'relist');
    assert.equal(ahead.closedReason, 'relist');
    assert.deepEqual(brief(await take(bm, 2)), [`ADDED ns/b@${rvOf(b)}`, `BOOKMARK@${storage.revision}`]);
  });

  it('a storage that went backwards ends every watcher (reset) and reloads the cache', async (t) => {
    let inner = new MemoryStorage();
    const swappable: Storage = {
      get: (k) => inner.get(k),
      list: (p, o) => inner.list(p, o),
      create: (k, o) => inner.create(k, o),
      guaranteedUpdate: (k, f, o) => inner.guaranteedUpdate(k, f, o),
      delete: (k, o) => inner.delete(k, o),
      watch: (p, o) => inner.watch(p, o),
      currentRevision: () => inner.currentRevision(),
      compact: (r) => inner.compact(r),
      count: (p) => inner.count(p),
      close: () => inner.close(),
    };
    const env = await setup(t, { storage: swappable });
    for (const n of ['a', 'b', 'c']) await create(env, n);
    await synced(env, 3);
    const w = await watch(env, { revision: 3 });
    const old = inner;
    inner = new MemoryStorage();
    await inner.create(podKey('ns', 'z'), pod('ns', 'z'));
    inner.failWatchesWith = new StorageError('Expired', '/pods/', 'compacted');
    old.breakWatches();
    await until(() => env.cacher.stats.watchRestarts === 1, 'backoff');
    env.clock.step(200);
    await until(() => env.cacher.stats.watchRestarts === 2, 'Expired');
    inner.failWatchesWith = null;
    env.clock.step(400);
    await until(() => env.cacher.stats.relists === 1, 'relist');
    assert.equal(w.closedReason, 'reset');
    assert.equal(env.cacher.revision, 1);
    assert.deepEqual((await env.cacher.listFromCache('/pods/')).items.map((o) => o.metadata.name), ['z']);
  });

  it('an idle cacher trims its event window on its clock (every trimIntervalMs)', async (t) => {
    const env = await setup(t, { window: { minEvents: 5, maxEvents: 1000 }, trimIntervalMs: 15_000 });
    let last = 0;
    for (let i = 0; i < 50; i++) last = rvOf(await create(env, `p${i}`));
    await synced(env, last);
    assert.equal(env.cacher.watchCache.eventCount, 50);
    env.clock.step(60_000);
    assert.equal(env.cacher.watchCache.eventCount, 50, 'younger than 75 s: kept');
    env.clock.step(30_000);
    assert.equal(env.cacher.watchCache.eventCount, 5, 'older than 75 s: trimmed down to minEvents');
  });

  it('guaranteedUpdate and delete pass the cached object (read only) as cachedExisting', async (t) => {
    const seen: (KubeObject | undefined)[] = [];
    class Spy extends MemoryStorage {
      override guaranteedUpdate(key: string, tryUpdate: TryUpdate, opts?: UpdateOptions): Promise<KubeObject> {
        seen.push(opts?.cachedExisting);
        return super.guaranteedUpdate(key, tryUpdate, opts);
      }
    }
    const storage = new Spy();
    const env = await setup(t, { storage });
    const a = await create(env, 'a');
    await synced(env, rvOf(a));
    await relabel(env, 'a', { v: '1' });
    assert.equal(seen[0]?.metadata.resourceVersion, a.metadata.resourceVersion);
    assert.deepEqual(seen[0]?.metadata.labels, a.metadata.labels, 'the state before the update');
    assert.equal(env.cacher.watchCache.get(podKey('ns', 'a'))?.object.metadata.labels?.v, '1', 'the cache moved on; the guess was not mutated into it');
  });
});

describe('watchOptionsFromQuery', () => {
  it('maps resourceVersion, sendInitialEvents and allowWatchBookmarks', () => {
    assert.deepEqual(watchOptionsFromQuery({}), { ok: true, options: { revision: 'latest', sendInitialEvents: undefined, bookmarks: false } });
    assert.deepEqual(watchOptionsFromQuery({ resourceVersion: '0' }), { ok: true, options: { revision: 0, sendInitialEvents: undefined, bookmarks: false } });
    assert.deepEqual(watchOptionsFromQuery({ resourceVersion: '42', allowWatchBookmarks: true }), {
      ok: true,
      options: { revision: 42, sendInitialEvents: undefined, bookmarks: true },
    });
    assert.deepEqual(watchOptionsFromQuery({ resourceVersion: '', resourceVersionMatch: 'NotOlderThan', sendInitialEvents: true, allowWatchBookmarks: true }), {
      ok: true,
      options: { revision: 'latest', sendInitialEvents: true, bookmarks: true },
    });
  });

  it('rejects what upstream validation rejects', () => {
    const errs = (q: Parameters<typeof watchOptionsFromQuery>[0]) => {
      const r = watchOptionsFromQuery(q);
      assert.equal(r.ok, false);
      return r.ok ? [] : r.errors.map((e) => `${e.field}: ${e.detail}`);
    };
    assert.deepEqual(errs({ sendInitialEvents: true }), ['resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan']);
    assert.deepEqual(errs({ resourceVersionMatch: 'NotOlderThan' }), ['resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided']);
    assert.equal(errs({ resourceVersionMatch: 'Exact', sendInitialEvents: false }).length, 2);
    assert.equal(errs({ resourceVersion: 'abc' })[0]!.startsWith('resourceVersion: Invalid value: "abc"'), true);
  });
});
