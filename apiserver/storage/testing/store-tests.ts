/**
 * The one conformance suite every Storage backend runs (Hono's shared `runTest({ newRouter, skip })` idea; the
 * cases follow k8s.io/apiserver/pkg/storage/testing/store_tests.go in spirit). A backend's test file is just:
 *
 *   runStorageConformance({ name: 'embedded', newStorage: async () => new EmbeddedStore({ path: ':memory:' }) });
 *
 * Every test gets a fresh Storage from newStorage() and closes it. Tests assume nothing about how big revision
 * steps are (etcd shares one revision space between prefixes), only that they are strictly increasing.
 * Gaps are declared with `skip: [{ reason, tests: [names] }]` and show up as skipped with the reason.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { KubeObject } from '../../../shared/api/meta.ts';
import { isStorageError, type StorageError, type StorageErrorCode } from '../errors.ts';
import type { Storage, StorageEvent } from '../interfaces.ts';

export interface StorageConformanceOptions {
  name: string;
  newStorage: () => Promise<Storage>;
  /**
   * Durable backends: close `storage` and open a new Storage over the same data. Enables the restart tests
   * (they are reported as skipped without it).
   */
  reopen?: (storage: Storage) => Promise<Storage>;
  /**
   * Backend-specific check run after writes on `key` (e.g. the raw stored bytes carry no resourceVersion).
   * Throw (assert) to fail the test.
   */
  invariant?: (storage: Storage, key: string) => Promise<void>;
  skip?: { reason: string; tests: string[] }[];
}

/** The test names, for `skip` lists. */
export const storageConformanceTests = [
  'create returns the object with resourceVersion and get reads it back',
  'create does not mutate its input and hands out copies',
  'create on an existing key throws KeyExists',
  'create of an object without metadata throws InvalidObj',
  'an object over the storage limit throws RequestEntityTooLarge on create and update',
  'get of a missing key throws KeyNotFound',
  'guaranteedUpdate passes the current object and bumps the revision',
  'guaranteedUpdate skips no-op writes and keeps the resourceVersion',
  'guaranteedUpdate checks uid and resourceVersion preconditions',
  'guaranteedUpdate from concurrent updaters loses no update',
  'guaranteedUpdate with ignoreNotFound passes null and creates',
  'guaranteedUpdate on a missing key throws KeyNotFound without calling tryUpdate',
  'guaranteedUpdate aborts when tryUpdate throws and writes nothing',
  'guaranteedUpdate with a stale cachedExisting retries on the current object',
  'delete returns the last state with the delete revision',
  'delete checks preconditions',
  'delete keeps the object when validateDeletion throws',
  'delete of a missing key throws KeyNotFound',
  'list returns items in key order at the snapshot revision',
  'list of a prefix excludes keys of a longer sibling prefix',
  'list pages with limit and continueKey through one consistent snapshot',
  'list at an older revision returns the state at that revision',
  'list with a predicate counts only matches towards limit',
  'list at a future revision throws TooLargeResourceVersion',
  'count counts keys under a prefix',
  'watch from a revision replays later events in order then continues live',
  'watch replays a long history in order',
  'live watch events do not share the objects writes return to their callers',
  'watch on an exact key sees only that key',
  'watch of a prefix excludes keys of a longer sibling prefix',
  'watch from revision 0 starts at the current revision without history',
  'watch delivers every concurrent write exactly once in revision order',
  'watch ends when the signal aborts',
  'currentRevision is monotonic and matches the latest write',
  'compaction makes list and watch below the compacted revision Expired',
  'revisions are never reused after deleting everything',
  'data and revisions survive a reopen',
  'revisions are never reused after deleting everything and reopening',
] as const;

export type StorageConformanceTest = (typeof storageConformanceTests)[number];

// --------------------------------------------------------------------------------------------- helpers

let seq = 0;

/** A pod-shaped object (~300 bytes). */
export function testObject(name: string, extra: Record<string, unknown> = {}): KubeObject {
  seq++;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'ns', uid: `uid-${name}-${seq}`, labels: { app: 'conformance' } },
    spec: { containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.9' }], nodeName: '' },
    ...extra,
  };
}

const rvOf = (obj: KubeObject): number => {
  const rv = obj.metadata.resourceVersion;
  assert.ok(rv !== undefined && /^[1-9]\d*$/.test(rv), `resourceVersion should be a positive decimal, got ${String(rv)}`);
  return Number(rv);
};

async function expectStorageError(p: Promise<unknown>, code: StorageErrorCode, what: string): Promise<StorageError> {
  let caught: StorageError | undefined;
  await assert.rejects(p, (e: unknown) => {
    assert.ok(isStorageError(e), `${what}: expected StorageError(${code}), got ${String(e)}`);
    assert.equal(e.code, code, `${what}: expected ${code}, got ${e.code}: ${e.message}`);
    caught = e;
    return true;
  });
  assert.ok(caught);
  return caught;
}

/** Strips resourceVersion for comparisons of content. */
function content(obj: KubeObject): KubeObject {
  const { resourceVersion: _rv, ...metadata } = obj.metadata;
  return { ...obj, metadata };
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out after ${ms} ms ${what}`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/** Reads exactly n events (fails on end or after timeoutMs). */
async function take(it: AsyncIterator<StorageEvent>, n: number, timeoutMs = 10_000): Promise<StorageEvent[]> {
  const out: StorageEvent[] = [];
  const deadline = Date.now() + timeoutMs;
  while (out.length < n) {
    const r = await withTimeout(it.next(), Math.max(1, deadline - Date.now()), `waiting for watch event ${out.length + 1} of ${n}`);
    if (r.done) throw new Error(`Watch ended after ${out.length} of ${n} events`);
    out.push(r.value);
  }
  return out;
}

/** The current revision after one unrelated write, so it is > 0 even for a fresh store (0 means "now"). */
async function seededRevision(s: Storage): Promise<number> {
  await s.create(`/seed/${++seq}`, testObject('seed'));
  return await s.currentRevision();
}

function summary(events: StorageEvent[]): string[] {
  return events.map((e) => `${e.type} ${e.key}`);
}

const bump = (cur: KubeObject | null): KubeObject => {
  assert.ok(cur, 'tryUpdate expected the current object');
  const status = (cur.status ?? {}) as { n?: number };
  return { ...cur, status: { ...status, n: (status.n ?? 0) + 1 } };
};

// --------------------------------------------------------------------------------------------- the suite

export function runStorageConformance(opts: StorageConformanceOptions): void {
  const skipReason = new Map<string, string>();
  for (const s of opts.skip ?? []) {
    for (const name of s.tests) {
      if (!(storageConformanceTests as readonly string[]).includes(name)) {
        throw new Error(`Cannot skip unknown storage conformance test: ${name}`);
      }
      skipReason.set(name, s.reason);
    }
  }
  const check = async (s: Storage, key: string): Promise<void> => {
    if (opts.invariant) await opts.invariant(s, key);
  };

  describe(`storage conformance: ${opts.name}`, () => {
    /** Registers one test with a fresh storage; `box.s` may be replaced (reopen) and the last one is closed. */
    const it = (name: StorageConformanceTest, fn: (box: { s: Storage }) => Promise<void>, extraSkip?: string): void => {
      const reason = skipReason.get(name) ?? extraSkip;
      if (reason !== undefined) {
        test(name, { skip: reason }, () => {});
        return;
      }
      test(name, async () => {
        const box = { s: await opts.newStorage() };
        try {
          await fn(box);
        } finally {
          await box.s.close();
        }
      });
    };

    // ------------------------------------------------------------------------------------- create / get

    it('create returns the object with resourceVersion and get reads it back', async ({ s }) => {
      const before = await s.currentRevision();
      const created = await s.create('/pods/ns/a', testObject('a'));
      const rv = rvOf(created);
      assert.ok(rv > before, `rv ${rv} should be above the revision before the write (${before})`);
      assert.equal(await s.currentRevision(), rv);
      const got = await s.get('/pods/ns/a');
      assert.deepEqual(got, created);
      assert.equal(got.metadata.name, 'a');
      await check(s, '/pods/ns/a');
      // A resourceVersion passed in is not stored: the store sets its own.
      const withRv = testObject('b');
      withRv.metadata.resourceVersion = '999999999';
      const b = await s.create('/pods/ns/b', withRv);
      assert.ok(rvOf(b) > rv && rvOf(b) !== 999999999);
      assert.equal((await s.get('/pods/ns/b')).metadata.resourceVersion, b.metadata.resourceVersion);
      await check(s, '/pods/ns/b');
    });

    it('create does not mutate its input and hands out copies', async ({ s }) => {
      const input = testObject('a');
      const snapshot = structuredClone(input);
      const created = await s.create('/pods/ns/a', input);
      assert.deepEqual(input, snapshot, 'create must not mutate its argument');
      created.metadata.labels = { mutated: 'yes' };
      const got = await s.get('/pods/ns/a');
      assert.deepEqual(got.metadata.labels, { app: 'conformance' });
      got.metadata.labels = { mutated: 'again' };
      const listed = await s.list('/pods/ns/');
      assert.deepEqual(listed.items[0]?.metadata.labels, { app: 'conformance' });
    });

    it('create on an existing key throws KeyExists', async ({ s }) => {
      const first = await s.create('/pods/ns/a', testObject('a'));
      await expectStorageError(s.create('/pods/ns/a', testObject('a', { spec: { other: true } })), 'KeyExists', 'second create');
      assert.deepEqual(await s.get('/pods/ns/a'), first, 'the first object is kept');
      assert.equal(await s.currentRevision(), rvOf(first), 'a failed create writes nothing');
    });

    it('create of an object without metadata throws InvalidObj', async ({ s }) => {
      await expectStorageError(s.create('/pods/ns/x', { kind: 'Pod' } as unknown as KubeObject), 'InvalidObj', 'create without metadata');
      await expectStorageError(s.get('/pods/ns/x'), 'KeyNotFound', 'get after failed create');
    });

    it('an object over the storage limit throws RequestEntityTooLarge on create and update', async ({ s }) => {
      // etcd's default request limit is 1.5 MiB: 1.4 MiB of data fits, 2 MiB does not, on every backend.
      const fits = testObject('big', { spec: { data: 'x'.repeat(1.4 * 1024 * 1024) } });
      const created = await s.create('/pods/ns/big', fits);
      assert.equal((await s.get('/pods/ns/big')).metadata.name, 'big');
      const rev = await s.currentRevision();
      await expectStorageError(s.create('/pods/ns/huge', testObject('huge', { spec: { data: 'x'.repeat(2 * 1024 * 1024) } })), 'RequestEntityTooLarge', 'create of 2 MiB');
      // Multi-byte text counts in bytes: 600k three-byte characters are 1.8 MB.
      await expectStorageError(s.create('/pods/ns/wide', testObject('wide', { spec: { data: '☃'.repeat(600_000) } })), 'RequestEntityTooLarge', 'create of 1.8 MB of UTF-8');
      await expectStorageError(
        s.guaranteedUpdate('/pods/ns/big', (cur) => ({ ...(cur as KubeObject), spec: { data: 'y'.repeat(2 * 1024 * 1024) } })),
        'RequestEntityTooLarge',
        'update to 2 MiB',
      );
      assert.equal(await s.currentRevision(), rev, 'refused writes write nothing');
      assert.deepEqual(await s.get('/pods/ns/big'), created);
      await expectStorageError(s.get('/pods/ns/huge'), 'KeyNotFound', 'get after the refused create');
    });

    it('get of a missing key throws KeyNotFound', async ({ s }) => {
      await expectStorageError(s.get('/pods/ns/missing'), 'KeyNotFound', 'get');
      await s.create('/pods/ns/missingx', testObject('missingx'));
      await expectStorageError(s.get('/pods/ns/missing'), 'KeyNotFound', 'get of a prefix of an existing key');
    });

    // ------------------------------------------------------------------------------------- guaranteedUpdate

    it('guaranteedUpdate passes the current object and bumps the revision', async ({ s }) => {
      const created = await s.create('/pods/ns/a', testObject('a'));
      let seen: KubeObject | null = null;
      const updated = await s.guaranteedUpdate('/pods/ns/a', (cur) => {
        seen = cur;
        return bump(cur);
      });
      assert.deepEqual(seen, created, 'tryUpdate receives the current object with its resourceVersion');
      assert.ok(rvOf(updated) > rvOf(created));
      assert.deepEqual((updated.status as { n: number }).n, 1);
      assert.deepEqual(await s.get('/pods/ns/a'), updated);
      assert.equal(await s.currentRevision(), rvOf(updated));
      await check(s, '/pods/ns/a');
    });

    it('guaranteedUpdate skips no-op writes and keeps the resourceVersion', async ({ s }) => {
      const created = await s.create('/pods/ns/a', testObject('a'));
      const rev = await s.currentRevision();
      const same = await s.guaranteedUpdate('/pods/ns/a', (cur) => {
        assert.ok(cur);
        return cur;
      });
      assert.deepEqual(same, created);
      // Deep-equal with a different key order and a different resourceVersion is still a no-op.
      const reordered = await s.guaranteedUpdate('/pods/ns/a', (cur) => {
        assert.ok(cur);
        const { metadata, ...rest } = cur;
        const reversed = Object.fromEntries(Object.entries(rest).reverse());
        return { ...reversed, metadata: { ...metadata, resourceVersion: '1' } } as KubeObject;
      });
      assert.equal(reordered.metadata.resourceVersion, created.metadata.resourceVersion);
      assert.equal(await s.currentRevision(), rev, 'no-op updates must not write');
    });

    it('guaranteedUpdate checks uid and resourceVersion preconditions', async ({ s }) => {
      const created = await s.create('/pods/ns/a', testObject('a'));
      let calls = 0;
      const count = (cur: KubeObject | null): KubeObject => {
        calls++;
        return bump(cur);
      };
      await expectStorageError(s.guaranteedUpdate('/pods/ns/a', count, { preconditions: { uid: 'other' } }), 'Conflict', 'uid mismatch');
      await expectStorageError(
        s.guaranteedUpdate('/pods/ns/a', count, { preconditions: { resourceVersion: String(rvOf(created) + 1000) } }),
        'Conflict',
        'resourceVersion mismatch',
      );
      assert.equal(calls, 0, 'tryUpdate is not called when preconditions fail');
      assert.deepEqual(await s.get('/pods/ns/a'), created);
      const ok = await s.guaranteedUpdate('/pods/ns/a', count, {
        preconditions: { uid: created.metadata.uid ?? '', resourceVersion: created.metadata.resourceVersion ?? '' },
      });
      assert.equal(calls, 1);
      assert.ok(rvOf(ok) > rvOf(created));
    });

    it('guaranteedUpdate from concurrent updaters loses no update', async ({ s }) => {
      await s.create('/pods/ns/counter', testObject('counter'));
      const n = 20;
      const results = await Promise.all(
        Array.from({ length: n }, async () => {
          return await s.guaranteedUpdate('/pods/ns/counter', async (cur) => {
            // Yield so the updaters really interleave between read and write.
            await new Promise((r) => setImmediate(r));
            return bump(cur);
          });
        }),
      );
      const final = await s.get('/pods/ns/counter');
      assert.equal((final.status as { n: number }).n, n, 'every increment must be applied exactly once');
      const rvs = new Set(results.map(rvOf));
      assert.equal(rvs.size, n, 'each successful update has its own revision');
      assert.equal(Math.max(...rvs), rvOf(final));
    });

    it('guaranteedUpdate with ignoreNotFound passes null and creates', async ({ s }) => {
      const args: (KubeObject | null)[] = [];
      const created = await s.guaranteedUpdate(
        '/pods/ns/new',
        (cur) => {
          args.push(cur);
          return cur ? bump(cur) : testObject('new');
        },
        { ignoreNotFound: true },
      );
      assert.deepEqual(args, [null]);
      assert.equal(created.metadata.name, 'new');
      assert.deepEqual(await s.get('/pods/ns/new'), created);
      const again = await s.guaranteedUpdate('/pods/ns/new', (cur) => (cur ? bump(cur) : testObject('new')), { ignoreNotFound: true });
      assert.equal((again.status as { n: number }).n, 1, 'an existing object goes through the update path');
      await check(s, '/pods/ns/new');
    });

    it('guaranteedUpdate on a missing key throws KeyNotFound without calling tryUpdate', async ({ s }) => {
      let calls = 0;
      await expectStorageError(
        s.guaranteedUpdate('/pods/ns/missing', (cur) => {
          calls++;
          return bump(cur);
        }),
        'KeyNotFound',
        'update of a missing key',
      );
      assert.equal(calls, 0);
      await expectStorageError(s.get('/pods/ns/missing'), 'KeyNotFound', 'nothing created');
    });

    it('guaranteedUpdate aborts when tryUpdate throws and writes nothing', async ({ s }) => {
      const created = await s.create('/pods/ns/a', testObject('a'));
      const rev = await s.currentRevision();
      const boom = new Error('validation failed');
      await assert.rejects(
        s.guaranteedUpdate('/pods/ns/a', async (cur) => {
          bump(cur);
          throw boom;
        }),
        (e: unknown) => e === boom,
      );
      assert.deepEqual(await s.get('/pods/ns/a'), created);
      assert.equal(await s.currentRevision(), rev);
    });

    it('guaranteedUpdate with a stale cachedExisting retries on the current object', async ({ s }) => {
      const v1 = await s.create('/pods/ns/a', testObject('a'));
      const v2 = await s.guaranteedUpdate('/pods/ns/a', bump);
      const seen: number[] = [];
      const v3 = await s.guaranteedUpdate(
        '/pods/ns/a',
        (cur) => {
          assert.ok(cur);
          seen.push(rvOf(cur));
          return bump(cur);
        },
        { cachedExisting: v1 },
      );
      assert.equal(seen[seen.length - 1], rvOf(v2), 'the write is based on the current object, not the stale cache');
      assert.equal((v3.status as { n: number }).n, 2, 'no lost update');
      // A cached object that is current is used as is (one call).
      seen.length = 0;
      await s.guaranteedUpdate(
        '/pods/ns/a',
        (cur) => {
          assert.ok(cur);
          seen.push(rvOf(cur));
          return bump(cur);
        },
        { cachedExisting: v3 },
      );
      assert.deepEqual(seen, [rvOf(v3)]);
      // A no-op against a stale cache must not return the stale object.
      const fresh = await s.get('/pods/ns/a');
      const noop = await s.guaranteedUpdate('/pods/ns/a', (cur) => (cur ? { ...cur } : testObject('a')), { cachedExisting: v1 });
      assert.deepEqual(noop, fresh);
    });

    // ------------------------------------------------------------------------------------- delete

    it('delete returns the last state with the delete revision', async ({ s }) => {
      await s.create('/pods/ns/a', testObject('a'));
      const last = await s.guaranteedUpdate('/pods/ns/a', bump);
      const deleted = await s.delete('/pods/ns/a');
      assert.ok(rvOf(deleted) > rvOf(last), 'the deleted object carries the delete revision');
      assert.deepEqual(content(deleted), content(last), 'the deleted object is the last state');
      assert.equal(await s.currentRevision(), rvOf(deleted));
      await expectStorageError(s.get('/pods/ns/a'), 'KeyNotFound', 'get after delete');
      assert.equal((await s.list('/pods/ns/')).items.length, 0);
    });

    it('delete checks preconditions', async ({ s }) => {
      const created = await s.create('/pods/ns/a', testObject('a'));
      await expectStorageError(s.delete('/pods/ns/a', { preconditions: { uid: 'other' } }), 'Conflict', 'uid mismatch');
      await expectStorageError(
        s.delete('/pods/ns/a', { preconditions: { resourceVersion: String(rvOf(created) + 1000) } }),
        'Conflict',
        'rv mismatch',
      );
      assert.deepEqual(await s.get('/pods/ns/a'), created);
      const deleted = await s.delete('/pods/ns/a', {
        preconditions: { uid: created.metadata.uid ?? '', resourceVersion: created.metadata.resourceVersion ?? '' },
      });
      assert.equal(deleted.metadata.uid, created.metadata.uid);
      await expectStorageError(s.get('/pods/ns/a'), 'KeyNotFound', 'get after delete');
    });

    it('delete keeps the object when validateDeletion throws', async ({ s }) => {
      const created = await s.create('/pods/ns/a', testObject('a'));
      const rev = await s.currentRevision();
      const boom = new Error('has finalizers');
      let seen: KubeObject | null = null;
      await assert.rejects(
        s.delete('/pods/ns/a', {
          validateDeletion: async (cur) => {
            seen = cur;
            throw boom;
          },
        }),
        (e: unknown) => e === boom,
      );
      assert.deepEqual(seen, created, 'validateDeletion sees the current object');
      assert.deepEqual(await s.get('/pods/ns/a'), created);
      assert.equal(await s.currentRevision(), rev);
    });

    it('delete of a missing key throws KeyNotFound', async ({ s }) => {
      await expectStorageError(s.delete('/pods/ns/missing'), 'KeyNotFound', 'delete');
      await s.create('/pods/ns/a', testObject('a'));
      await s.delete('/pods/ns/a');
      await expectStorageError(s.delete('/pods/ns/a'), 'KeyNotFound', 'second delete');
    });

    // ------------------------------------------------------------------------------------- list

    it('list returns items in key order at the snapshot revision', async ({ s }) => {
      const empty = await s.list('/pods/ns/');
      assert.deepEqual(empty.items, []);
      for (const n of ['c', 'a', 'b', 'a-1', 'b0']) await s.create(`/pods/ns/${n}`, testObject(n));
      const res = await s.list('/pods/ns/');
      assert.deepEqual(res.items.map((o) => o.metadata.name), ['a', 'a-1', 'b', 'b0', 'c']);
      assert.equal(res.revision, await s.currentRevision());
      for (const item of res.items) assert.ok(rvOf(item) <= res.revision);
      assert.equal(res.continueKey, undefined);
      assert.equal(res.remainingItemCount, undefined);
      const all = await s.list('/pods/');
      assert.equal(all.items.length, 5);
    });

    it('list of a prefix excludes keys of a longer sibling prefix', async ({ s }) => {
      await s.create('/pods/a/x', testObject('x'));
      await s.create('/pods/ab/x', testObject('x'));
      await s.create('/pods/a', testObject('a'));
      await s.create('/pods/a0/x', testObject('x'));
      await s.create('/podsx/a/y', testObject('y'));
      const res = await s.list('/pods/a/');
      assert.deepEqual(res.items.map((o) => o.metadata.uid?.replace(/-\d+$/, '')), ['uid-x']);
      assert.equal(await s.count('/pods/a/'), 1);
      assert.equal((await s.list('/pods/')).items.length, 4);
    });

    it('list pages with limit and continueKey through one consistent snapshot', async ({ s }) => {
      const names = Array.from({ length: 25 }, (_, i) => `p${String(i).padStart(2, '0')}`);
      for (const n of names) await s.create(`/pods/ns/${n}`, testObject(n));
      const snapshotRev = await s.currentRevision();
      const seen: KubeObject[] = [];
      const remaining: (number | undefined)[] = [];
      let startKey: string | undefined;
      let revision = 0;
      let pages = 0;
      for (;;) {
        const page = await s.list('/pods/ns/', { limit: 7, revision, ...(startKey !== undefined ? { startKey } : {}) });
        pages++;
        assert.ok(page.items.length <= 7);
        if (revision === 0) revision = page.revision;
        assert.equal(page.revision, revision, 'every page is read at the first page revision');
        seen.push(...page.items);
        remaining.push(page.remainingItemCount);
        if (page.continueKey === undefined) break;
        assert.equal(page.continueKey, `/pods/ns/${page.items[page.items.length - 1]?.metadata.name}`);
        startKey = page.continueKey;
        // Writes between pages must not show up in later pages of the same snapshot.
        const i = seen.length;
        await s.guaranteedUpdate(`/pods/ns/${names[i + 1]}`, bump); // not yet seen
        await s.delete(`/pods/ns/${names[i + 2]}`); // not yet seen
        await s.create(`/pods/ns/${names[i]}x`, testObject(`${names[i]}x`)); // lands in a later page
        await s.guaranteedUpdate(`/pods/ns/${names[0]}`, bump); // already seen
      }
      assert.equal(revision, snapshotRev);
      assert.equal(pages, 4);
      assert.deepEqual(seen.map((o) => o.metadata.name), names, 'every item exactly once, in key order');
      for (const o of seen) {
        assert.equal(o.status, undefined, `${o.metadata.name} must be the state at the snapshot`);
        assert.ok(rvOf(o) <= snapshotRev);
      }
      assert.deepEqual(remaining, [18, 11, 4, undefined]);
    });

    it('list at an older revision returns the state at that revision', async ({ s }) => {
      const a1 = await s.create('/pods/ns/a', testObject('a'));
      const b1 = await s.create('/pods/ns/b', testObject('b'));
      const c1 = await s.create('/pods/ns/c', testObject('c'));
      const rev1 = await s.currentRevision();
      const a2 = await s.guaranteedUpdate('/pods/ns/a', bump);
      await s.delete('/pods/ns/b');
      const d = await s.create('/pods/ns/d', testObject('d'));
      await s.delete('/pods/ns/c');
      const c2 = await s.create('/pods/ns/c', testObject('c', { spec: { recreated: true } }));
      await s.guaranteedUpdate('/pods/ns/a', bump);

      const old = await s.list('/pods/ns/', { revision: rev1 });
      assert.equal(old.revision, rev1);
      assert.deepEqual(old.items, [a1, b1, c1], 'the objects as they were, with their resourceVersions then');
      const mid = await s.list('/pods/ns/', { revision: rvOf(d) });
      assert.deepEqual(mid.items, [a2, c1, d]);
      const midPage = await s.list('/pods/ns/', { revision: rvOf(d), limit: 1, startKey: '/pods/ns/a' });
      assert.deepEqual(midPage.items, [c1]);
      assert.equal(midPage.remainingItemCount, 1);
      const latest = await s.list('/pods/ns/');
      assert.deepEqual(latest.items.map((o) => o.metadata.name), ['a', 'c', 'd']);
      assert.deepEqual(latest.items[1], c2);
      assert.equal((latest.items[0]?.status as { n: number }).n, 2);
    });

    it('list with a predicate counts only matches towards limit', async ({ s }) => {
      const names = Array.from({ length: 25 }, (_, i) => `p${String(i).padStart(2, '0')}`);
      for (const [i, n] of names.entries()) {
        await s.create(`/pods/ns/${n}`, testObject(n, { spec: { pick: i % 3 === 0 } }));
      }
      const predicate = (o: KubeObject): boolean => (o.spec as { pick?: boolean }).pick === true;
      const expected = names.filter((_, i) => i % 3 === 0);
      const first = await s.list('/pods/ns/', { limit: 3, predicate });
      assert.deepEqual(first.items.map((o) => o.metadata.name), expected.slice(0, 3));
      assert.equal(first.continueKey, `/pods/ns/${expected[2]}`);
      assert.equal(first.remainingItemCount, undefined, 'no remainingItemCount with a predicate');
      const seen = [...first.items];
      let startKey: string | undefined = first.continueKey;
      while (startKey !== undefined) {
        const page = await s.list('/pods/ns/', { limit: 3, predicate, startKey, revision: first.revision });
        seen.push(...page.items);
        startKey = page.continueKey;
      }
      assert.deepEqual(seen.map((o) => o.metadata.name), expected);
      const all = await s.list('/pods/ns/', { predicate });
      assert.deepEqual(all.items.map((o) => o.metadata.name), expected);
      assert.equal(all.continueKey, undefined);
    });

    it('list at a future revision throws TooLargeResourceVersion', async ({ s }) => {
      await s.create('/pods/ns/a', testObject('a'));
      const rev = await s.currentRevision();
      const err = await expectStorageError(s.list('/pods/ns/', { revision: rev + 1000 }), 'TooLargeResourceVersion', 'list in the future');
      assert.equal(err.revision, rev + 1000, 'the error carries the revision asked for');
    });

    it('count counts keys under a prefix', async ({ s }) => {
      assert.equal(await s.count('/pods/ns/'), 0);
      for (const n of ['a', 'b', 'c']) await s.create(`/pods/ns/${n}`, testObject(n));
      await s.create('/pods/nsx/a', testObject('a'));
      await s.delete('/pods/ns/b');
      assert.equal(await s.count('/pods/ns/'), 2);
      assert.equal(await s.count('/pods/'), 3);
    });

    // ------------------------------------------------------------------------------------- watch

    it('watch from a revision replays later events in order then continues live', async ({ s }) => {
      const a0 = await s.create('/pods/ns/a', testObject('a'));
      const from = rvOf(a0);
      const a1 = await s.guaranteedUpdate('/pods/ns/a', bump);
      const b0 = await s.create('/pods/ns/b', testObject('b'));
      await s.create('/other/ns/x', testObject('x'));
      const aDel = await s.delete('/pods/ns/a');
      const ac = new AbortController();
      try {
        const it = s.watch('/pods/ns/', { revision: from, signal: ac.signal })[Symbol.asyncIterator]();
        const replay = await take(it, 3);
        assert.deepEqual(summary(replay), ['MODIFIED /pods/ns/a', 'ADDED /pods/ns/b', 'DELETED /pods/ns/a']);
        const [m, add, del] = replay as [StorageEvent, StorageEvent, StorageEvent];
        assert.deepEqual(m.object, a1);
        assert.deepEqual(m.prevObject, a0);
        assert.equal(m.revision, rvOf(a1));
        assert.deepEqual(add.object, b0);
        assert.equal(add.prevObject, undefined);
        assert.equal(add.revision, rvOf(b0));
        assert.deepEqual(del.object, aDel, 'DELETED carries the last state with the delete revision');
        assert.equal(del.revision, rvOf(aDel));
        assert.deepEqual(del.prevObject, a1);
        // Live.
        const b1 = await s.guaranteedUpdate('/pods/ns/b', bump);
        const c0 = await s.create('/pods/ns/c', testObject('c'));
        const live = await take(it, 2);
        assert.deepEqual(summary(live), ['MODIFIED /pods/ns/b', 'ADDED /pods/ns/c']);
        assert.deepEqual(live[0]?.object, b1);
        assert.deepEqual(live[0]?.prevObject, b0);
        assert.deepEqual(live[1]?.object, c0);
        assert.equal(live[1]?.revision, rvOf(c0));
      } finally {
        ac.abort();
      }
    });

    it('live watch events do not share the objects writes return to their callers', async ({ s }) => {
      const ac = new AbortController();
      try {
        const it = s.watch('/pods/ns/', { revision: await seededRevision(s), signal: ac.signal })[Symbol.asyncIterator]();
        // The caller owns what a write returns: it may change the top level and metadata right away. Each event
        // is taken before the next write, so every write's own event is checked.
        const created = await s.create('/pods/ns/a', testObject('a'));
        const createdRv = created.metadata.resourceVersion;
        created.metadata.labels = { changed: 'by-caller' };
        created.kind = 'Changed';
        const [add] = (await take(it, 1)) as [StorageEvent];
        const updated = await s.guaranteedUpdate('/pods/ns/a', bump);
        const updatedRv = updated.metadata.resourceVersion;
        updated.metadata.name = 'renamed';
        const [mod] = (await take(it, 1)) as [StorageEvent];
        const removed = await s.delete('/pods/ns/a');
        const removedRv = removed.metadata.resourceVersion;
        removed.metadata.annotations = { changed: 'yes' };
        const [del] = (await take(it, 1)) as [StorageEvent];
        assert.equal(add.object.metadata.labels?.['changed'], undefined, 'ADDED is not the returned object');
        assert.equal(add.object.kind, 'Pod');
        assert.equal(add.object.metadata.resourceVersion, createdRv);
        assert.equal(mod.object.metadata.name, 'a', 'MODIFIED is not the returned object');
        assert.equal(mod.object.metadata.resourceVersion, updatedRv);
        assert.equal(del.object.metadata.annotations?.['changed'], undefined, 'DELETED is not the returned object');
        assert.equal(del.object.metadata.resourceVersion, removedRv);
      } finally {
        ac.abort();
      }
    });

    it('watch replays a long history in order', async ({ s }) => {
      const from = await seededRevision(s);
      const n = 1200;
      let next = 0;
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          while (next < n) {
            const i = next++;
            await s.create(`/pods/ns/p${i}`, testObject(`p${i}`));
          }
        }),
      );
      await s.create('/nodes/n1', testObject('n1'));
      const ac = new AbortController();
      try {
        const events = await take(s.watch('/pods/ns/', { revision: from, signal: ac.signal })[Symbol.asyncIterator](), n, 30_000);
        const revs = events.map((e) => e.revision);
        for (let i = 1; i < revs.length; i++) assert.ok((revs[i] ?? 0) > (revs[i - 1] ?? 0), 'revision order');
        assert.equal(new Set(events.map((e) => e.key)).size, n);
        assert.ok(events.every((e) => e.type === 'ADDED' && e.key.startsWith('/pods/ns/')));
      } finally {
        ac.abort();
      }
    });

    it('watch on an exact key sees only that key', async ({ s }) => {
      const from = await seededRevision(s);
      await s.create('/pods/ns/ab', testObject('ab'));
      const a = await s.create('/pods/ns/a', testObject('a'));
      await s.create('/pods/ns/a/b', testObject('ab2'));
      await s.guaranteedUpdate('/pods/ns/ab', bump);
      const ac = new AbortController();
      try {
        const it = s.watch('/pods/ns/a', { revision: from, signal: ac.signal })[Symbol.asyncIterator]();
        const [first] = await take(it, 1);
        assert.equal(first?.key, '/pods/ns/a');
        assert.deepEqual(first?.object, a);
        await s.guaranteedUpdate('/pods/ns/ab', bump);
        const a1 = await s.guaranteedUpdate('/pods/ns/a', bump);
        const [second] = await take(it, 1);
        assert.equal(second?.type, 'MODIFIED');
        assert.deepEqual(second?.object, a1);
      } finally {
        ac.abort();
      }
    });

    it('watch of a prefix excludes keys of a longer sibling prefix', async ({ s }) => {
      const from = await seededRevision(s);
      await s.create('/pods/ab/x', testObject('x'));
      await s.create('/pods/a', testObject('a'));
      await s.create('/pods/a/x', testObject('x'));
      const ac = new AbortController();
      try {
        const it = s.watch('/pods/a/', { revision: from, signal: ac.signal })[Symbol.asyncIterator]();
        await s.create('/pods/ab/y', testObject('y'));
        await s.create('/pods/a/y', testObject('y'));
        const events = await take(it, 2);
        assert.deepEqual(summary(events), ['ADDED /pods/a/x', 'ADDED /pods/a/y']);
      } finally {
        ac.abort();
      }
    });

    it('watch from revision 0 starts at the current revision without history', async ({ s }) => {
      await s.create('/pods/ns/old', testObject('old'));
      const startRev = await s.currentRevision();
      const ac = new AbortController();
      try {
        const it = s.watch('/pods/ns/', { revision: 0, signal: ac.signal })[Symbol.asyncIterator]();
        // A remote backend registers the watch asynchronously: write until the first event shows up.
        let pending = it.next();
        let first: IteratorResult<StorageEvent> | null = null;
        for (let i = 0; first === null; i++) {
          assert.ok(i < 200, 'watch from 0 never delivered an event');
          await s.guaranteedUpdate('/pods/ns/pump', (cur) => (cur ? bump(cur) : testObject('pump')), { ignoreNotFound: true });
          first = await Promise.race([pending, new Promise<null>((r) => setTimeout(() => r(null), 25))]);
        }
        assert.equal(first.done, false);
        const ev = first.value as StorageEvent;
        assert.equal(ev.key, '/pods/ns/pump', 'no history (the object created before the watch) is replayed');
        assert.ok(ev.revision > startRev);
        // Later writes follow in order after whatever pump events were still in flight.
        const c = await s.create('/pods/ns/c', testObject('c'));
        let last = ev.revision;
        for (;;) {
          pending = it.next();
          const r = await withTimeout(pending, 10_000, 'waiting for the create after pumping');
          assert.equal(r.done, false);
          const e = r.value as StorageEvent;
          assert.ok(e.revision > last, 'revision order');
          last = e.revision;
          if (e.key === '/pods/ns/c') {
            assert.deepEqual(e.object, c);
            break;
          }
          assert.equal(e.key, '/pods/ns/pump');
        }
      } finally {
        ac.abort();
      }
    });

    it('watch delivers every concurrent write exactly once in revision order', async ({ s }) => {
      const from = await seededRevision(s);
      const ac = new AbortController();
      try {
        const it = s.watch('/pods/ns/', { revision: from, signal: ac.signal })[Symbol.asyncIterator]();
        const n = 60;
        await Promise.all(
          Array.from({ length: n }, async (_, i) => {
            const key = `/pods/ns/p${i % 10}`;
            await s.guaranteedUpdate(key, (cur) => (cur ? bump(cur) : testObject(`p${i % 10}`)), { ignoreNotFound: true });
          }),
        );
        const end = await s.create('/pods/ns/zz-sentinel', testObject('sentinel'));
        const events = await take(it, n + 1);
        const revs = events.map((e) => e.revision);
        for (let i = 1; i < revs.length; i++) assert.ok((revs[i] ?? 0) > (revs[i - 1] ?? 0), 'strictly increasing revisions');
        assert.equal(events[n]?.revision, rvOf(end), 'the sentinel comes last: no duplicates, nothing missing');
        assert.equal(events.filter((e) => e.type === 'ADDED').length, 11);
        const counters = new Map<string, number>();
        for (const e of events.slice(0, n)) counters.set(e.key, ((e.object.status as { n?: number } | undefined)?.n ?? 0) + 1);
        for (const [key, count] of counters) {
          assert.equal(count, 6, `${key} written 6 times`);
          assert.equal(((await s.get(key)).status as { n: number }).n, 5);
        }
      } finally {
        ac.abort();
      }
    });

    it('watch ends when the signal aborts', async ({ s }) => {
      const ac = new AbortController();
      const it = s.watch('/pods/ns/', { revision: await seededRevision(s), signal: ac.signal })[Symbol.asyncIterator]();
      await s.create('/pods/ns/a', testObject('a'));
      assert.equal((await take(it, 1))[0]?.key, '/pods/ns/a');
      const pending = it.next();
      setTimeout(() => ac.abort(), 20);
      const r = await withTimeout(pending, 5000, 'waiting for the watch to end after abort');
      assert.equal(r.done, true);
      assert.equal((await it.next()).done, true, 'stays ended');
      // An already-aborted signal: the iteration ends at once.
      const it2 = s.watch('/pods/ns/', { revision: 0, signal: AbortSignal.abort() })[Symbol.asyncIterator]();
      assert.equal((await withTimeout(it2.next(), 5000, 'pre-aborted watch')).done, true);
      // Breaking out of for-await ends the watch too.
      const ac3 = new AbortController();
      let got = 0;
      const b = await s.create('/pods/ns/b', testObject('b'));
      for await (const e of s.watch('/pods/ns/', { revision: rvOf(b) - 1, signal: ac3.signal })) {
        assert.equal(e.key, '/pods/ns/b');
        got++;
        break;
      }
      assert.equal(got, 1);
      ac3.abort();
    });

    // ------------------------------------------------------------------------------------- revisions

    it('currentRevision is monotonic and matches the latest write', async ({ s }) => {
      let last = await s.currentRevision();
      const step = async (p: Promise<KubeObject>): Promise<void> => {
        const obj = await p;
        const now = await s.currentRevision();
        assert.ok(now > last, `revision must advance (${last} -> ${now})`);
        assert.equal(rvOf(obj), now);
        last = now;
      };
      await step(s.create('/pods/ns/a', testObject('a')));
      await step(s.guaranteedUpdate('/pods/ns/a', bump));
      await step(s.delete('/pods/ns/a'));
      await step(s.create('/pods/ns/a', testObject('a')));
      await s.get('/pods/ns/a');
      await s.list('/pods/');
      assert.equal(await s.currentRevision(), last, 'reads do not move the revision');
    });

    it('compaction makes list and watch below the compacted revision Expired', async ({ s }) => {
      const a0 = await s.create('/pods/ns/a', testObject('a'));
      await s.guaranteedUpdate('/pods/ns/a', bump);
      const b0 = await s.create('/pods/ns/b', testObject('b'));
      const compactAt = rvOf(b0);
      const a2 = await s.guaranteedUpdate('/pods/ns/a', bump);
      await s.compact(compactAt);
      await s.compact(compactAt - 1); // compacting to an older revision is a no-op

      const expired = await expectStorageError(s.list('/pods/ns/', { revision: rvOf(a0) }), 'Expired', 'list below the compacted revision');
      assert.equal(expired.revision, rvOf(a0), 'the error carries the revision asked for');
      await expectStorageError(s.list('/pods/ns/', { revision: compactAt - 1, limit: 1 }), 'Expired', 'paged list below');
      const ac = new AbortController();
      try {
        const it = s.watch('/pods/ns/', { revision: rvOf(a0), signal: ac.signal })[Symbol.asyncIterator]();
        await assert.rejects(withTimeout(it.next(), 10_000, 'waiting for Expired'), (e: unknown) => {
          assert.ok(isStorageError(e, 'Expired'), `expected Expired, got ${String(e)}`);
          return true;
        });
        // At the compacted revision itself history is still complete (etcd semantics).
        const at = await s.list('/pods/ns/', { revision: compactAt });
        assert.deepEqual(at.items.map((o) => o.metadata.name), ['a', 'b']);
        const w = s.watch('/pods/ns/', { revision: compactAt, signal: ac.signal })[Symbol.asyncIterator]();
        const [ev] = await take(w, 1);
        assert.equal(ev?.revision, rvOf(a2));
        assert.deepEqual(ev?.object, a2);
        // Latest reads are unaffected.
        assert.equal((await s.list('/pods/ns/')).items.length, 2);
      } finally {
        ac.abort();
      }
    });

    it('revisions are never reused after deleting everything', async ({ s }) => {
      const a = await s.create('/pods/ns/a', testObject('a'));
      const del = await s.delete('/pods/ns/a');
      assert.ok(rvOf(del) > rvOf(a));
      await s.compact(rvOf(del));
      const again = await s.create('/pods/ns/a', testObject('a'));
      assert.ok(rvOf(again) > rvOf(del), `revision ${rvOf(again)} must be above ${rvOf(del)}`);
    });

    const noReopen = opts.reopen ? undefined : 'no reopen hook: the backend is not durable';
    const reopen = async (box: { s: Storage }): Promise<void> => {
      if (!opts.reopen) throw new Error('no reopen hook');
      box.s = await opts.reopen(box.s);
    };

    it(
      'data and revisions survive a reopen',
      async (box) => {
        const a = await box.s.create('/pods/ns/a', testObject('a'));
        const a1 = await box.s.guaranteedUpdate('/pods/ns/a', bump);
        const b = await box.s.create('/pods/ns/b', testObject('b'));
        const rev = await box.s.currentRevision();
        await reopen(box);
        assert.equal(await box.s.currentRevision(), rev);
        assert.deepEqual((await box.s.list('/pods/ns/')).items, [a1, b]);
        assert.deepEqual((await box.s.list('/pods/ns/', { revision: rvOf(a) })).items, [a], 'history survives too');
        const ac = new AbortController();
        try {
          const events = await take(box.s.watch('/pods/ns/', { revision: rvOf(a), signal: ac.signal })[Symbol.asyncIterator](), 2);
          assert.deepEqual(summary(events), ['MODIFIED /pods/ns/a', 'ADDED /pods/ns/b']);
        } finally {
          ac.abort();
        }
        const c = await box.s.create('/pods/ns/c', testObject('c'));
        assert.ok(rvOf(c) > rev);
      },
      noReopen,
    );

    it(
      'revisions are never reused after deleting everything and reopening',
      async (box) => {
        await box.s.create('/pods/ns/a', testObject('a'));
        await box.s.create('/pods/ns/b', testObject('b'));
        await box.s.delete('/pods/ns/a');
        const last = await box.s.delete('/pods/ns/b');
        await box.s.compact(rvOf(last));
        await reopen(box);
        assert.ok((await box.s.currentRevision()) >= rvOf(last));
        assert.equal((await box.s.list('/pods/ns/')).items.length, 0);
        const again = await box.s.create('/pods/ns/a', testObject('a'));
        assert.ok(rvOf(again) > rvOf(last), `revision ${rvOf(again)} must be above ${rvOf(last)}`);
        await expectStorageError(box.s.list('/pods/ns/', { revision: rvOf(last) - 1 }), 'Expired', 'compaction survives a reopen');
      },
      noReopen,
    );
  });
}
