import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../shared/util/clock.ts';
import { FrameBatcher } from './frame-batcher.ts';
import { Informer, type ListWatcher, type WatchSink } from './informer.ts';
import type { ListResult, Pod, Status } from './kube-types.ts';

function pod(name: string, rv: string, phase = 'Running'): Pod {
  return {
    metadata: { namespace: 'default', name, resourceVersion: rv },
    spec: { containers: [{ name: 'app', image: 'img' }] },
    status: { phase: phase as 'Running' },
  } as Pod;
}

const gone: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 410, reason: 'Expired', message: 'too old resource version: 1 (5)' };

/** A scripted API: lists answer from `lists` (an Error fails), watches are recorded with their sinks. */
class FakeLW implements ListWatcher<Pod> {
  lists: Array<ListResult<Pod> | Error> = [];
  listCalls = 0;
  watches: Array<{ rv: string; sink: WatchSink<Pod>; closed: boolean }> = [];
  pendingList: Array<() => void> = [];
  list(): Promise<ListResult<Pod>> {
    this.listCalls++;
    const next = this.lists.shift() ?? new Error('no scripted list');
    return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
  }
  watch(rv: string, sink: WatchSink<Pod>) {
    const w = { rv, sink, closed: false };
    this.watches.push(w);
    return { close: () => void (w.closed = true) };
  }
  get last() {
    const w = this.watches.at(-1);
    assert.ok(w, 'a watch is open');
    return w;
  }
}

function setup() {
  const clock = new FakeClock();
  const frames: Array<() => void> = [];
  const batcher = new FrameBatcher((f) => frames.push(f));
  const lw = new FakeLW();
  const inf = new Informer<Pod>(lw, batcher, { clock, backoff: { initialMs: 1000, maxMs: 8000, random: () => 1 } });
  const frame = () => {
    for (const f of frames.splice(0)) f();
  };
  return { clock, batcher, lw, inf, frame };
}

const tick = () => new Promise((r) => setImmediate(r));

test('lists, then watches from the list resourceVersion; events land in the store on the next frame', async () => {
  const { lw, inf, frame } = setup();
  lw.lists.push({ items: [pod('a', '3')], resourceVersion: '5' });
  inf.start();
  await tick();
  assert.equal(lw.last.rv, '5');
  assert.equal(inf.state.phase, 'watching');
  assert.equal(inf.state.synced, true);
  lw.last.sink.event({ type: 'ADDED', object: pod('b', '6') });
  lw.last.sink.event({ type: 'MODIFIED', object: pod('a', '7', 'Succeeded') });
  assert.equal(inf.store.size, 0, 'not before the frame');
  frame();
  assert.equal(inf.store.size, 2);
  assert.equal(inf.store.get('default/a')?.status?.phase, 'Succeeded');
  assert.equal(inf.lastResourceVersion, '7');
});

test('ERROR 410 relists at once and watches from the new list; the old watch is closed and ignored', async () => {
  const { lw, inf, frame } = setup();
  lw.lists.push({ items: [pod('a', '3'), pod('b', '4')], resourceVersion: '5' });
  lw.lists.push({ items: [pod('b', '9')], resourceVersion: '10' });
  inf.start();
  await tick();
  frame();
  const first = lw.last;
  first.sink.event({ type: 'ERROR', object: gone });
  assert.equal(first.closed, true);
  await tick();
  assert.equal(lw.listCalls, 2);
  assert.equal(inf.state.lists, 2);
  assert.equal(lw.last.rv, '10');
  first.sink.event({ type: 'ADDED', object: pod('stale', '6') });
  frame();
  assert.deepEqual(inf.store.list().map((p) => p.metadata.name), ['b'], 'the relist replaced the store; stale events dropped');
  assert.equal(inf.store.resourceVersion, '10');
});

test('a closed watch resumes from the last resourceVersion (bookmarks count) after a bounded, growing backoff', async () => {
  const { clock, lw, inf } = setup();
  lw.lists.push({ items: [], resourceVersion: '5' });
  inf.start();
  await tick();
  lw.last.sink.event({ type: 'BOOKMARK', object: { metadata: { resourceVersion: '42' } } as Pod });
  const delays: number[] = [];
  for (let i = 0; i < 6; i++) {
    const before = lw.watches.length;
    lw.last.sink.closed('closed (1006)');
    assert.equal(inf.state.phase, 'waiting');
    assert.match(inf.state.error ?? '', /1006/);
    let waited = 0;
    while (lw.watches.length === before) {
      clock.step(100);
      waited += 100;
      assert.ok(waited <= 8000, 'never waits beyond maxMs');
    }
    delays.push(waited);
    assert.equal(lw.last.rv, '42', 'resumes from the bookmark');
  }
  assert.deepEqual(delays, [1000, 2000, 4000, 8000, 8000, 8000]);
  assert.equal(lw.listCalls, 1, 'no relist for a closed socket');
  // An event resets the backoff.
  lw.last.sink.event({ type: 'ADDED', object: pod('x', '43') });
  const before = lw.watches.length;
  lw.last.sink.closed();
  clock.step(1000);
  assert.equal(lw.watches.length, before + 1);
  assert.equal(lw.last.rv, '43');
});

test('a failed list is retried after the backoff with the error in the state; stop cancels everything', async () => {
  const { clock, lw, inf } = setup();
  lw.lists.push(new Error('503 Service Unavailable'));
  lw.lists.push({ items: [pod('a', '1')], resourceVersion: '2' });
  inf.start();
  await tick();
  assert.equal(inf.state.phase, 'waiting');
  assert.equal(inf.state.synced, false);
  assert.match(inf.state.error ?? '', /list failed: 503/);
  clock.step(999);
  assert.equal(lw.listCalls, 1);
  clock.step(1);
  await tick();
  assert.equal(lw.listCalls, 2);
  assert.equal(inf.state.phase, 'watching');
  assert.equal(inf.state.error, undefined);
  inf.stop();
  assert.equal(lw.last.closed, true);
  assert.equal(inf.state.phase, 'stopped');
  lw.last.sink.closed('late');
  clock.step(60_000);
  assert.equal(lw.watches.length, 1, 'nothing after stop');
});

test('a watch ERROR other than 410 re-watches after the backoff without relisting', async () => {
  const { clock, lw, inf } = setup();
  lw.lists.push({ items: [], resourceVersion: '5' });
  inf.start();
  await tick();
  lw.last.sink.event({ type: 'ERROR', object: { ...gone, code: 500, reason: 'InternalError' as const, message: 'etcd down' } });
  assert.match(inf.state.error ?? '', /etcd down/);
  clock.step(1000);
  assert.equal(lw.watches.length, 2);
  assert.equal(lw.last.rv, '5');
  assert.equal(lw.listCalls, 1);
});
