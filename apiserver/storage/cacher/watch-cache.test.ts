import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../../shared/api/meta.ts';
import { FakeClock } from '../../../shared/util/clock.ts';
import { StorageError, isStorageError } from '../errors.ts';
import type { StorageEvent } from '../interfaces.ts';
import { pod, podKey } from './_test-util.ts';
import { WatchCache } from './watch-cache.ts';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { CachedObject } from './cached-object.ts';

function at(obj: KubeObject, rev: number): KubeObject {
  return { ...obj, metadata: { ...obj.metadata, resourceVersion: String(rev) } };
}

function change(type: StorageEvent['type'], name: string, rev: number, labels?: Record<string, string>): StorageEvent {
  return { type, key: podKey('ns', name), object: at(pod('ns', name, labels), rev), revision: rev };
}

/** A cache listed empty at revision 1, then fed `n` ADDED events at revisions 2..n+1. */
function filled(n: number, opts: ConstructorParameters<typeof WatchCache>[0] = {}): WatchCache {
  const wc = new WatchCache(opts);
  wc.replace([], 1);
  for (let i = 0; i < n; i++) wc.processEvent(change('ADDED', `p${i}`, i + 2));
  return wc;
}

describe('WatchCache state', () => {
  it('applies changes, tracks the revision and normalises types against the cached state', () => {
    const wc = new WatchCache({ clock: new FakeClock() });
    wc.replace([{ key: podKey('ns', 'a'), object: at(pod('ns', 'a'), 5) }], 10);
    assert.equal(wc.revision, 10);
    assert.equal(wc.size, 1);

    const m = wc.processEvent(change('ADDED', 'a', 11)); // known key: MODIFIED
    assert.equal(m?.type, 'MODIFIED');
    assert.equal(m?.prevObject?.metadata.resourceVersion, '5');
    const a = wc.processEvent(change('MODIFIED', 'b', 12)); // unknown key: ADDED
    assert.equal(a?.type, 'ADDED');
    assert.equal(a?.prevObject, undefined);
    assert.equal(wc.processEvent(change('MODIFIED', 'b', 12)), null, 'a revision at or below the cache revision is ignored');
    assert.equal(wc.processEvent(change('DELETED', 'zzz', 13)), null, 'delete of an unknown key carries nothing');
    assert.equal(wc.revision, 13, '...but still moves the revision');

    const d = wc.processEvent(change('DELETED', 'a', 14));
    assert.equal(d?.type, 'DELETED');
    assert.equal(d?.prevObject?.metadata.resourceVersion, '11');
    assert.equal(wc.get(podKey('ns', 'a')), undefined);
    assert.equal(wc.get(podKey('ns', 'b'))?.revision, 12);
    assert.equal(wc.size, 1);
    wc.updateRevision(20);
    assert.equal(wc.revision, 20, 'progress moves the revision');
    wc.updateRevision(15);
    assert.equal(wc.revision, 20, 'never backwards');
  });
});

describe('WatchCache window', () => {
  it('answers "events after R" for every R in the window with exactly the missing events', () => {
    const wc = filled(30, { clock: new FakeClock() });
    for (let r = 1; r <= 31; r++) {
      const evs = wc.eventsAfter(r);
      assert.deepEqual(
        evs.map((e) => e.revision),
        Array.from({ length: 31 - r }, (_, i) => r + 1 + i),
        `after ${r}`,
      );
    }
    assert.deepEqual(wc.eventsAfter(99), [], 'a revision past the cache has nothing yet');
  });

  it('throws Expired with the revision and the bound for a revision older than the window', () => {
    const wc = new WatchCache({ clock: new FakeClock() });
    wc.replace([], 100);
    assert.doesNotThrow(() => wc.eventsAfter(100), 'the list revision itself is resumable');
    assert.throws(
      () => wc.eventsAfter(99),
      (e: unknown) => {
        assert.ok(isStorageError(e, 'Expired'));
        assert.equal(e.revision, 99);
        assert.equal(e.bound, 100);
        assert.equal(e.message, 'too old resource version: 99 (100)');
        return true;
      },
    );
  });

  it('keeps at least minEvents and everything younger than freshMs, growing up to maxEvents', () => {
    const clock = new FakeClock();
    const wc = filled(1000, { clock, minEvents: 10, maxEvents: 100_000 });
    assert.equal(wc.eventCount, 1000, 'all events of the last 75 s are kept');
    assert.ok(wc.capacity >= 1000 && wc.capacity <= 2048);
    assert.equal(wc.eventsAfter(1).length, 1000);
  });

  it('bounds memory at maxEvents: the oldest events drop and resuming from them is Expired', () => {
    const clock = new FakeClock();
    const wc = filled(100, { clock, minEvents: 10, maxEvents: 40 });
    assert.equal(wc.capacity, 40);
    assert.equal(wc.eventCount, 40);
    // Events at revisions 2..101; the newest 40 are 62..101, so resuming from 61 works and from 60 does not.
    assert.equal(wc.oldestResumableRevision, 61);
    assert.equal(wc.eventsAfter(61).length, 40);
    assert.throws(() => wc.eventsAfter(60), (e: unknown) => isStorageError(e, 'Expired') && e.bound === 61);
  });

  it('drops events older than freshMs beyond minEvents and shrinks back after a burst', () => {
    const clock = new FakeClock();
    const wc = new WatchCache({ clock, minEvents: 10, maxEvents: 1000 });
    wc.replace([], 1);
    let rev = 1;
    // Slow trickle: one event every 10 s. 10 events span 90 s > 75 s, so the ring never grows.
    for (let i = 0; i < 50; i++) {
      clock.step(10_000);
      wc.processEvent(change('ADDED', `slow${i}`, ++rev));
    }
    assert.equal(wc.capacity, 10);
    assert.equal(wc.eventCount, 10);
    // A burst grows it...
    for (let i = 0; i < 500; i++) wc.processEvent(change('ADDED', `burst${i}`, ++rev));
    assert.ok(wc.capacity >= 500, `grew to ${wc.capacity}`);
    const grown = wc.capacity;
    // ...and once the burst is old, slow events shrink it again.
    for (let i = 0; i < 2000; i++) {
      clock.step(10_000);
      wc.processEvent(change('MODIFIED', 'slow0', ++rev));
    }
    // Halving stops once the newest quarter is within freshMs (upstream's hysteresis): 20 slots of 10 s events.
    assert.ok(wc.capacity <= 20, `shrank from ${grown} to ${wc.capacity}`);
  });

  it('trimExpired: an idle cache sheds its last burst (keeping minEvents) and shrinks the ring', () => {
    const clock = new FakeClock();
    const wc = new WatchCache({ clock, minEvents: 10, maxEvents: 10_000 });
    wc.replace([], 1);
    let rev = 1;
    for (let i = 0; i < 3000; i++) wc.processEvent(change('ADDED', `b${i}`, ++rev));
    assert.ok(wc.capacity >= 3000);
    clock.step(30_000);
    assert.equal(wc.trimExpired(), 0, 'nothing is older than 75 s yet');
    assert.equal(wc.eventCount, 3000);
    clock.step(50_000);
    assert.equal(wc.trimExpired(), 2990);
    assert.equal(wc.eventCount, 10, 'minEvents stay');
    assert.equal(wc.capacity, 10, 'the ring shrank to fit');
    assert.equal(wc.eventsAfter(rev - 10).length, 10, 'the newest events still resume');
    assert.throws(() => wc.eventsAfter(rev - 11), (e: unknown) => isStorageError(e, 'Expired'), 'older ones are Expired');
    // Events keep flowing after a trim.
    wc.processEvent(change('ADDED', 'after', ++rev));
    assert.equal(wc.eventsAfter(rev - 1)[0]?.revision, rev);
  });

  it('keeps each version as its JSON and attributes, not as the parsed object', async () => {
    const wc = new WatchCache({ clock: new FakeClock() });
    wc.replace([], 1);
    let given: KubeObject | undefined = at(pod('ns', 'a', { app: 'web' }), 2);
    const expected = JSON.stringify(given);
    const gone = new WeakRef(given);
    wc.processEvent({ type: 'ADDED', key: podKey('ns', 'a'), object: given, revision: 2 });
    const entry = wc.get(podKey('ns', 'a'))!;
    assert.equal(entry.value.text, expected, 'the JSON as LIST and WATCH write it, encoded once');
    assert.deepEqual(entry.value.attrs.labels, { app: 'web' });
    assert.equal(entry.value.attrs.fields['metadata.name'], 'a');
    assert.equal(entry.object, given, 'the object handed in is shared while someone holds it');
    given = undefined;
    // Once nothing else holds the parsed object, the cache does not keep it alive (its memory is the text).
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    for (let i = 0; i < 5 && gone.deref() !== undefined; i++) {
      await new Promise((r) => setImmediate(r));
      gc();
    }
    assert.equal(gone.deref(), undefined, 'the cache let the parsed object go');
    assert.deepEqual(entry.object, JSON.parse(expected), 'and parses it again on demand');
    assert.equal(entry.object, entry.object, 'the re-parsed object is shared while in use');
  });

  it('clears encode memos of events far behind the head', () => {
    const wc = filled(3, { clock: new FakeClock(), memoRetention: 3 });
    const first = wc.eventsAfter(1)[0]!;
    const last = wc.eventsAfter(3)[0]!;
    const y = Buffer.from('y');
    first.encoded.set('json', Buffer.from('x'));
    last.encoded.set('json', y);
    wc.processEvent(change('ADDED', 'more', 5));
    assert.equal(first.encoded.size, 0);
    assert.equal(last.encoded.get('json'), y);
  });
});

describe('WatchCache list', () => {
  function withPods(names: string[]): WatchCache {
    const wc = new WatchCache({ clock: new FakeClock() });
    wc.replace(
      names.map((n, i) => ({ key: n.includes('/') ? `/pods/${n}` : podKey('ns', n), object: at(pod(n.split('/')[0]!, n.split('/').pop()!), i + 1) })),
      names.length,
    );
    return wc;
  }

  it('lists a prefix in key order, pages with limit/startKey and counts what remains', () => {
    const wc = withPods(['ns/c', 'ns/a', 'other/x', 'ns/b', 'ns2/z', 'ns/d']);
    const all = wc.list('/pods/ns/');
    assert.deepEqual(all.entries.map((e) => e.key), ['/pods/ns/a', '/pods/ns/b', '/pods/ns/c', '/pods/ns/d']);
    assert.equal(all.continueKey, undefined);

    const p1 = wc.list('/pods/ns/', { limit: 3 });
    assert.deepEqual(p1.entries.map((e) => e.key), ['/pods/ns/a', '/pods/ns/b', '/pods/ns/c']);
    assert.equal(p1.continueKey, '/pods/ns/c');
    assert.equal(p1.remainingItemCount, 1);
    const p2 = wc.list('/pods/ns/', { limit: 3, startKey: p1.continueKey! });
    assert.deepEqual(p2.entries.map((e) => e.key), ['/pods/ns/d']);
    assert.equal(p2.continueKey, undefined);

    assert.deepEqual(wc.list('/pods/').entries.length, 6);
    assert.deepEqual(wc.list('/pods/ns/b').entries.map((e) => e.key), ['/pods/ns/b'], 'a key without / is an exact key');
    assert.deepEqual(wc.list('/pods/n').entries, [], 'no partial-name matches');
  });

  it('with a predicate, limit counts matches and continueKey is only set when more matches follow', () => {
    const wc = withPods(['ns/a1', 'ns/b1', 'ns/a2', 'ns/b2', 'ns/a3', 'ns/b3']);
    const isA = (v: CachedObject) => v.attrs.fields['metadata.name']!.startsWith('a');
    const p1 = wc.list('/pods/ns/', { limit: 2, predicate: isA });
    assert.deepEqual(p1.entries.map((e) => e.object.metadata.name), ['a1', 'a2']);
    assert.equal(p1.continueKey, '/pods/ns/a2');
    assert.equal(p1.remainingItemCount, undefined);
    const p2 = wc.list('/pods/ns/', { limit: 2, predicate: isA, startKey: p1.continueKey! });
    assert.deepEqual(p2.entries.map((e) => e.object.metadata.name), ['a3']);
    assert.equal(p2.continueKey, undefined, 'no empty last page');
  });

  it('keeps key order through creates and deletes after the initial load', () => {
    const wc = withPods(['ns/m']);
    wc.processEvent(change('ADDED', 'z', 10));
    wc.list('/pods/'); // sorts
    wc.processEvent(change('ADDED', 'a', 11));
    wc.processEvent(change('ADDED', 'q', 12));
    wc.processEvent(change('DELETED', 'm', 13));
    assert.deepEqual(wc.list('/pods/ns/').entries.map((e) => e.object.metadata.name), ['a', 'q', 'z']);
  });

  it('lists 10,000 objects in well under 50 ms, sharing the cached objects', () => {
    const wc = new WatchCache({ clock: new FakeClock() });
    const items = Array.from({ length: 10_000 }, (_, i) => ({ key: podKey('ns', `p${String(i).padStart(5, '0')}`), object: at(pod('ns', `p${i}`), i + 1) }));
    wc.replace(items, 10_000);
    wc.list('/pods/'); // first read sorts the keys once
    const t0 = performance.now();
    const r = wc.list('/pods/');
    const ms = performance.now() - t0;
    assert.equal(r.entries.length, 10_000);
    assert.ok(ms < 50, `took ${ms.toFixed(1)} ms`);
    assert.equal(r.entries[0]!.object, items[0]!.object, 'no copies');
  });
});

describe('WatchCache relist', () => {
  it('returns the difference (DELETED first at the old revision, then by revision) and restarts the window', () => {
    const wc = new WatchCache({ clock: new FakeClock() });
    wc.replace(
      [
        { key: podKey('ns', 'keep'), object: at(pod('ns', 'keep'), 3) },
        { key: podKey('ns', 'gone'), object: at(pod('ns', 'gone'), 4) },
        { key: podKey('ns', 'changed'), object: at(pod('ns', 'changed'), 5) },
      ],
      5,
    );
    wc.processEvent(change('MODIFIED', 'keep', 6));
    const diff = wc.relist(
      [
        { key: podKey('ns', 'keep'), object: at(pod('ns', 'keep'), 6) },
        { key: podKey('ns', 'changed'), object: at(pod('ns', 'changed'), 12) },
        { key: podKey('ns', 'new'), object: at(pod('ns', 'new'), 9) },
      ],
      15,
    );
    assert.deepEqual(
      diff.map((e) => `${e.type} ${e.object.metadata.name}@${e.object.metadata.resourceVersion}/${e.revision}`),
      ['DELETED gone@6/6', 'ADDED new@9/9', 'MODIFIED changed@12/12'],
    );
    assert.equal(diff[0]!.prevObject?.metadata.resourceVersion, '4');
    assert.equal(diff[2]!.prevObject?.metadata.resourceVersion, '5');
    assert.equal(wc.revision, 15);
    assert.deepEqual(wc.list('/pods/').entries.map((e) => e.object.metadata.name), ['changed', 'keep', 'new']);
    assert.equal(wc.eventCount, 0, 'the difference is not kept in the window');
    assert.deepEqual(wc.eventsAfter(15), []);
    assert.throws(() => wc.eventsAfter(14), (e: unknown) => isStorageError(e, 'Expired'));
  });
});

describe('WatchCache waitForRevision', () => {
  it('resolves when the revision arrives, false on timeout or abort', async () => {
    const clock = new FakeClock();
    const wc = new WatchCache({ clock });
    wc.replace([], 1);
    assert.equal(await wc.waitForRevision(1, 10), true);
    const p = wc.waitForRevision(3, 3000);
    wc.processEvent(change('ADDED', 'a', 2));
    wc.processEvent(change('ADDED', 'b', 3));
    assert.equal(await p, true);

    const late = wc.waitForRevision(10, 3000);
    clock.step(2999);
    wc.updateRevision(9);
    clock.step(1);
    assert.equal(await late, false);

    const ac = new AbortController();
    const aborted = wc.waitForRevision(10, 3000, ac.signal);
    ac.abort();
    assert.equal(await aborted, false);
    assert.equal(clock.waiters, 0, 'timers cancelled');
  });
});

describe('WatchCache freeze', () => {
  it('deep-freezes objects entering the cache when asked', () => {
    const wc = new WatchCache({ clock: new FakeClock(), freeze: true });
    wc.replace([], 1);
    const ev = change('ADDED', 'a', 2);
    wc.processEvent(ev);
    assert.throws(() => {
      (ev.object.metadata as { name: string }).name = 'x';
    }, TypeError);
    assert.ok(new StorageError('Expired', 'k') instanceof Error);
  });
});
