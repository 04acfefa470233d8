import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameBatcher } from './frame-batcher.ts';
import type { Pod, Status, WatchEvent } from './kube-types.ts';
import { ObjectStore } from './object-store.ts';

function pod(ns: string, name: string, rv: string, phase = 'Running'): Pod {
  return {
    metadata: { namespace: ns, name, resourceVersion: rv, uid: `${ns}-${name}` },
    spec: { containers: [{ name: 'app', image: 'localhost/busybox:1.35' }] },
    status: { phase: phase as 'Running' },
  } as Pod;
}

function status(code: number, reason: string, message: string): Status {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code, reason: reason as Status['reason'], message };
}

test('ADDED, MODIFIED and DELETED change the store and its version; the resourceVersion follows', () => {
  const s = new ObjectStore<Pod>();
  s.replace([pod('default', 'a', '10')], '10');
  assert.equal(s.version, 1);
  assert.equal(s.apply({ type: 'ADDED', object: pod('default', 'b', '11') }).kind, 'applied');
  assert.equal(s.apply({ type: 'MODIFIED', object: pod('default', 'a', '12', 'Succeeded') }).kind, 'applied');
  assert.equal(s.get('default/a')?.status?.phase, 'Succeeded');
  assert.equal(s.apply({ type: 'DELETED', object: pod('default', 'b', '13') }).kind, 'applied');
  assert.equal(s.get('default/b'), undefined);
  assert.equal(s.size, 1);
  assert.equal(s.version, 4);
  assert.equal(s.resourceVersion, '13');
  // Deleting what is not there changes nothing.
  s.apply({ type: 'DELETED', object: pod('default', 'zzz', '14') });
  assert.equal(s.version, 4);
});

test('BOOKMARK moves the resourceVersion only', () => {
  const s = new ObjectStore<Pod>();
  s.replace([pod('default', 'a', '10')], '10');
  const r = s.apply({ type: 'BOOKMARK', object: { metadata: { resourceVersion: '50' } } as Pod });
  assert.equal(r.kind, 'bookmark');
  assert.equal(s.resourceVersion, '50');
  assert.equal(s.version, 1);
  assert.equal(s.size, 1);
});

test('ERROR 410 (Expired, or Gone) asks for a relist; other errors are errors', () => {
  const s = new ObjectStore<Pod>();
  const expired: WatchEvent<Pod | Status> = { type: 'ERROR', object: status(410, 'Expired', 'too old resource version: 5 (40)') };
  assert.deepEqual(s.apply(expired), { kind: 'expired', message: 'too old resource version: 5 (40)' });
  assert.equal(s.apply({ type: 'ERROR', object: status(410, 'Gone', 'gone') }).kind, 'expired');
  assert.deepEqual(s.apply({ type: 'ERROR', object: status(500, 'InternalError', 'boom') }), { kind: 'error', message: 'boom' });
  assert.equal(s.version, 0);
});

test('cluster-scoped objects are keyed by name; replace drops what the list does not have', () => {
  const s = new ObjectStore<Pod>();
  s.replace([pod('default', 'a', '1'), pod('default', 'b', '1')], '1');
  s.replace([pod('default', 'b', '2')], '2');
  assert.deepEqual(s.list().map((p) => p.metadata.name), ['b']);
  const n = new ObjectStore<{ metadata: { name: string; resourceVersion: string } }>();
  n.apply({ type: 'ADDED', object: { metadata: { name: 'node-1', resourceVersion: '3' } } });
  assert.ok(n.get('node-1'));
});

test('the batcher coalesces writes: one scheduled flush, one notification, writes in order', () => {
  const scheduled: Array<() => void> = [];
  const b = new FrameBatcher((f) => scheduled.push(f));
  const s = new ObjectStore<Pod>();
  const notes: number[] = [];
  b.subscribe((st) => notes.push(st.writes));
  for (let i = 0; i < 50; i++) {
    const p = pod('default', `p${i % 10}`, String(100 + i));
    b.enqueue(() => void s.apply({ type: i < 10 ? 'ADDED' : 'MODIFIED', object: p }));
  }
  b.enqueue(() => void s.apply({ type: 'DELETED', object: pod('default', 'p0', '200') }));
  assert.equal(scheduled.length, 1, 'one frame requested for 51 writes');
  assert.equal(s.size, 0, 'nothing applied before the frame');
  assert.equal(b.pending, 51);
  scheduled[0]?.();
  assert.deepEqual(notes, [51]);
  assert.equal(s.size, 9);
  assert.equal(s.get('default/p9')?.metadata.resourceVersion, '149', 'the last write wins');
  assert.equal(b.writesApplied, 51);
  // The next write schedules the next frame.
  b.enqueue(() => void s.apply({ type: 'ADDED', object: pod('default', 'x', '201') }));
  assert.equal(scheduled.length, 2);
  scheduled[1]?.();
  assert.deepEqual(notes, [51, 1]);
  assert.equal(b.flushes, 2);
});
