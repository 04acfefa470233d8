import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject, Status, WatchEvent } from '../../api/meta.ts';
import { isAlreadyExists, isConflict, isInvalid, isNotFound, isResourceExpired, StatusError } from '../../errors/status-error.ts';
import { FakeClock } from '../../util/clock.ts';
import { configMapsResource, controllerRevisionsResource, deploymentsResource, jobsResource, leasesResource, nodesResource, podsResource } from '../clientset.ts';
import { ObjectTracker } from './object-tracker.ts';

const pod = (name: string, extra: Partial<KubeObject> = {}, ns = 'default'): KubeObject => ({
  metadata: { name, namespace: ns, labels: { app: name } },
  spec: { containers: [{ name: 'c', image: 'nginx' }] },
  ...extra,
});

/** Reads what a watch has buffered so far (every push is synchronous, so a few turns suffice). */
async function take(stream: AsyncIterable<WatchEvent>, n: number): Promise<WatchEvent[]> {
  const it = stream[Symbol.asyncIterator]();
  const out: WatchEvent[] = [];
  for (let i = 0; i < n; i++) {
    const r = await it.next();
    if (r.done) break;
    out.push(r.value);
  }
  return out;
}
const obj = (e: WatchEvent | undefined): KubeObject => e?.object as KubeObject;
const summary = (evs: WatchEvent[]) => evs.map((e) => `${e.type}:${obj(e).metadata.name ?? ''}@${obj(e).metadata.resourceVersion ?? ''}`);

test('create fills metadata and bumps the global resourceVersion', () => {
  const clock = new FakeClock(Date.UTC(2026, 0, 2, 3, 4, 5));
  const t = new ObjectTracker({ clock });
  const a = t.create(podsResource, pod('a'));
  const n = t.create(nodesResource, { metadata: { name: 'n1' } });
  assert.equal(a.metadata.resourceVersion, '1');
  assert.equal(n.metadata.resourceVersion, '2');
  assert.equal(t.resourceVersion, 2);
  assert.match(a.metadata.uid ?? '', /^[0-9a-f-]{36}$/);
  assert.equal(a.metadata.creationTimestamp, '2026-01-02T03:04:05Z');
  assert.equal(a.metadata.generation, undefined, 'pods do not track generation (kube 1.32)');
  assert.equal(n.metadata.generation, undefined);
  assert.equal(a.kind, 'Pod');
  assert.equal(a.apiVersion, 'v1');
  assert.equal(n.metadata.namespace, undefined);
});

test('create: AlreadyExists, generateName, missing name, preset resourceVersion, missing namespace', () => {
  const t = new ObjectTracker();
  t.create(podsResource, pod('a'));
  assert.throws(() => t.create(podsResource, pod('a')), (e: unknown) => isAlreadyExists(e) && (e as Error).message === 'pods "a" already exists');
  const g = t.create(podsResource, { metadata: { generateName: 'web-', namespace: 'default' } });
  assert.match(g.metadata.name ?? '', /^web-[a-z0-9]{5}$/);
  assert.throws(() => t.create(podsResource, { metadata: { namespace: 'default' } }), (e: unknown) => isInvalid(e));
  assert.throws(() => t.create(podsResource, { metadata: { name: 'x', namespace: 'default', resourceVersion: '4' } }), /resourceVersion should not be set/);
  assert.throws(() => t.create(podsResource, { metadata: { name: 'x' } }), /namespace/);
  const lease = t.create(leasesResource, { metadata: { name: 'n1', namespace: 'kube-node-lease' }, spec: {} });
  assert.equal(lease.apiVersion, 'coordination.k8s.io/v1');
  assert.throws(() => t.get(leasesResource, 'kube-node-lease', 'n2'), (e: unknown) => isNotFound(e) && (e as Error).message === 'leases.coordination.k8s.io "n2" not found');
});

test('returned objects are copies', () => {
  const t = new ObjectTracker();
  const input = pod('a');
  const created = t.create(podsResource, input);
  created.metadata.labels = { mutated: 'yes' };
  (input.metadata.labels as Record<string, string>)['app'] = 'changed';
  assert.deepEqual(t.get(podsResource, 'default', 'a').metadata.labels, { app: 'a' });
});

test('update: conflict on a stale resourceVersion, unconditional without one, no-op keeps the resourceVersion', () => {
  const t = new ObjectTracker();
  const a = t.create(podsResource, pod('a'));
  const first = t.update(podsResource, { ...a, metadata: { ...a.metadata, labels: { v: '1' } } });
  assert.equal(first.metadata.resourceVersion, '2');
  assert.throws(() => t.update(podsResource, { ...a, metadata: { ...a.metadata, labels: { v: 'stale' } } }), (e: unknown) => {
    assert.ok(isConflict(e));
    assert.equal((e as Error).message, 'Operation cannot be fulfilled on pods "a": the object has been modified; please apply your changes to the latest version and try again');
    return true;
  });
  const unconditional = t.update(podsResource, { ...first, metadata: { ...first.metadata, resourceVersion: '', labels: { v: '2' } } });
  assert.equal(unconditional.metadata.resourceVersion, '3');
  const noop = t.update(podsResource, unconditional);
  assert.equal(noop.metadata.resourceVersion, '3');
  assert.equal(t.resourceVersion, 3);
  assert.throws(() => t.update(podsResource, pod('ghost')), (e: unknown) => isNotFound(e));
});

test('update keeps system metadata and ignores status for pods; no generation on pods', () => {
  const t = new ObjectTracker();
  const a = t.create(podsResource, pod('a', { status: { phase: 'Pending' } }));
  const changed = t.update(podsResource, {
    ...a,
    metadata: { ...a.metadata, uid: undefined as unknown as string, creationTimestamp: '1999-01-01T00:00:00Z' },
    spec: { containers: [{ name: 'c', image: 'nginx:2' }] },
    status: { phase: 'Running' },
  });
  assert.equal(changed.metadata.uid, a.metadata.uid);
  assert.equal(changed.metadata.creationTimestamp, a.metadata.creationTimestamp);
  assert.deepEqual(changed['status'], { phase: 'Pending' }, 'status goes through the status subresource');
  assert.equal(changed.metadata.generation, undefined, 'a spec change on a pod sets no generation');
});

test('generation: 1 on create and bumped by spec changes only for kinds that track it (Deployments, Jobs)', () => {
  const t = new ObjectTracker();
  const spec = (image: string) => ({ replicas: 1, selector: { matchLabels: { app: 'd' } }, template: { metadata: { labels: { app: 'd' } }, spec: { containers: [{ name: 'c', image }] } } });
  const d = t.create(deploymentsResource, { metadata: { name: 'd', namespace: 'default' }, spec: spec('nginx:1') });
  assert.equal(d.metadata.generation, 1);
  const labelsOnly = t.update(deploymentsResource, { ...d, metadata: { ...d.metadata, labels: { x: 'y' } } });
  assert.equal(labelsOnly.metadata.generation, 1, 'metadata changes keep the generation');
  const status = t.update(deploymentsResource, { ...labelsOnly, status: { replicas: 1 } }, { subresource: 'status' });
  assert.equal(status.metadata.generation, 1, 'status changes keep the generation');
  const changed = t.update(deploymentsResource, { ...status, spec: spec('nginx:2') });
  assert.equal(changed.metadata.generation, 2);
  const patched = t.patch(deploymentsResource, 'default', 'd', 'application/merge-patch+json', { spec: { replicas: 3 } });
  assert.equal(patched.metadata.generation, 3);
  const forged = t.update(deploymentsResource, { ...patched, metadata: { ...patched.metadata, generation: 40 } });
  assert.equal(forged.metadata.generation, 3, 'requests cannot set the generation');
  assert.equal(t.create(jobsResource, { metadata: { name: 'j', namespace: 'default' }, spec: { template: {} } }).metadata.generation, 1);
  for (const [r, o] of [
    [configMapsResource, { metadata: { name: 'c', namespace: 'default' }, data: { a: '1' } }],
    [controllerRevisionsResource, { metadata: { name: 'r', namespace: 'default' }, data: {}, revision: 1 }],
  ] as const) {
    const created = t.create(r, o as KubeObject);
    assert.equal(created.metadata.generation, undefined, r.resource);
    assert.equal(t.update(r, { ...created, metadata: { ...created.metadata, labels: { a: 'b' } }, extra: 1 } as KubeObject).metadata.generation, undefined, r.resource);
  }
});

test('updateStatus changes only the status', () => {
  const t = new ObjectTracker();
  const a = t.create(podsResource, pod('a'));
  const s = t.update(podsResource, { ...a, metadata: { ...a.metadata, labels: { ignored: 'yes' } }, spec: { ignored: true }, status: { phase: 'Running' } }, { subresource: 'status' });
  assert.deepEqual(s['status'], { phase: 'Running' });
  assert.deepEqual(s['spec'], a['spec']);
  assert.deepEqual(s.metadata.labels, a.metadata.labels);
  assert.equal(s.metadata.resourceVersion, '2');
  assert.throws(() => t.update(podsResource, { ...a, status: { phase: 'Failed' } }, { subresource: 'status' }), (e: unknown) => isConflict(e));
});

test('delete: NotFound, preconditions, immediate removal', () => {
  const t = new ObjectTracker();
  const n = t.create(nodesResource, { metadata: { name: 'n1' } });
  assert.throws(() => t.delete(nodesResource, '', 'n1', { preconditions: { uid: 'other' } }), (e: unknown) => isConflict(e) && /Precondition failed: UID/.test((e as Error).message));
  assert.throws(() => t.delete(nodesResource, '', 'n1', { preconditions: { resourceVersion: '99' } }), (e: unknown) => isConflict(e));
  const gone = t.delete(nodesResource, '', 'n1', { preconditions: { uid: n.metadata.uid ?? '', resourceVersion: n.metadata.resourceVersion ?? '' } });
  assert.equal(gone.metadata.resourceVersion, '2');
  assert.throws(() => t.get(nodesResource, '', 'n1'), (e: unknown) => isNotFound(e));
  assert.throws(() => t.delete(nodesResource, '', 'n1'), (e: unknown) => isNotFound(e));
});

test('delete with finalizers marks the object; removing the last finalizer deletes it', () => {
  const clock = new FakeClock(Date.UTC(2026, 0, 1));
  const t = new ObjectTracker({ clock });
  t.create(nodesResource, { metadata: { name: 'n1', finalizers: ['example.com/hold'] } });
  const marked = t.delete(nodesResource, '', 'n1');
  assert.equal(marked.metadata.deletionTimestamp, '2026-01-01T00:00:00Z');
  assert.equal(marked.metadata.deletionGracePeriodSeconds, 0);
  assert.equal(t.get(nodesResource, '', 'n1').metadata.deletionTimestamp, '2026-01-01T00:00:00Z');
  const again = t.delete(nodesResource, '', 'n1');
  assert.equal(again.metadata.resourceVersion, marked.metadata.resourceVersion, 'a second delete is a no-op');
  t.update(nodesResource, { ...marked, metadata: { ...marked.metadata, finalizers: [] } });
  assert.throws(() => t.get(nodesResource, '', 'n1'), (e: unknown) => isNotFound(e));
});

test('pods: graceful deletion when scheduled, immediate when unscheduled or forced', () => {
  const clock = new FakeClock(Date.UTC(2026, 0, 1));
  const t = new ObjectTracker({ clock });
  t.create(podsResource, pod('pending'));
  t.delete(podsResource, 'default', 'pending');
  assert.throws(() => t.get(podsResource, 'default', 'pending'), (e: unknown) => isNotFound(e), 'unscheduled pods go at once');

  t.create(podsResource, pod('running', { spec: { nodeName: 'n1', terminationGracePeriodSeconds: 20 } }));
  const marked = t.delete(podsResource, 'default', 'running');
  assert.equal(marked.metadata.deletionGracePeriodSeconds, 20);
  assert.equal(marked.metadata.deletionTimestamp, '2026-01-01T00:00:20Z');
  const shorter = t.delete(podsResource, 'default', 'running', { gracePeriodSeconds: 5 });
  assert.equal(shorter.metadata.deletionGracePeriodSeconds, 5);
  t.delete(podsResource, 'default', 'running', { gracePeriodSeconds: 0 });
  assert.throws(() => t.get(podsResource, 'default', 'running'), (e: unknown) => isNotFound(e));
});

test('bind sets nodeName and PodScheduled; refuses a bound, deleting or replaced pod', () => {
  const t = new ObjectTracker();
  const a = t.create(podsResource, pod('a'));
  const binding = (node: string, uid?: string): KubeObject => ({ apiVersion: 'v1', kind: 'Binding', metadata: { name: 'a', namespace: 'default', ...(uid ? { uid } : {}) }, target: { kind: 'Node', name: node } });
  assert.throws(() => t.bind(podsResource, 'default', 'a', binding('n1', 'wrong-uid')), (e: unknown) => isConflict(e));
  const st = t.bind(podsResource, 'default', 'a', binding('n1', a.metadata.uid));
  assert.equal(st.status, 'Success');
  const bound = t.get(podsResource, 'default', 'a');
  assert.equal((bound['spec'] as { nodeName: string }).nodeName, 'n1');
  const cond = (bound['status'] as { conditions: { type: string; status: string }[] }).conditions;
  assert.deepEqual(cond.map((c) => `${c.type}=${c.status}`), ['PodScheduled=True']);
  assert.throws(() => t.bind(podsResource, 'default', 'a', binding('n2')), (e: unknown) => isConflict(e) && (e as Error).message.includes('pod a is already assigned to node "n1"'));
  assert.throws(() => t.bind(podsResource, 'default', 'ghost', binding('n1')), (e: unknown) => isNotFound(e));
});

test('patch: merge, JSON and strategic patches; a stale resourceVersion in the patch conflicts', () => {
  const t = new ObjectTracker();
  t.create(podsResource, pod('a', { status: { conditions: [{ type: 'Ready', status: 'False' }, { type: 'PodScheduled', status: 'True' }] } }));
  const merged = t.patch(podsResource, 'default', 'a', 'application/merge-patch+json', { metadata: { labels: { app: null, tier: 'fe' } } });
  assert.deepEqual(merged.metadata.labels, { tier: 'fe' });
  const jp = t.patch(podsResource, 'default', 'a', 'application/json-patch+json', JSON.stringify([{ op: 'add', path: '/metadata/annotations', value: { a: '1' } }, { op: 'test', path: '/metadata/labels/tier', value: 'fe' }]));
  assert.deepEqual(jp.metadata.annotations, { a: '1' });
  assert.throws(() => t.patch(podsResource, 'default', 'a', 'application/json-patch+json', [{ op: 'replace', path: '/metadata/nope/x', value: 1 }]), (e: unknown) => e instanceof StatusError && e.code === 422);
  const smp = t.patch(podsResource, 'default', 'a', 'application/strategic-merge-patch+json', { status: { conditions: [{ type: 'Ready', status: 'True' }] } }, { subresource: 'status' });
  assert.deepEqual((smp['status'] as { conditions: unknown[] }).conditions, [{ type: 'Ready', status: 'True' }, { type: 'PodScheduled', status: 'True' }]);
  const containers = t.patch(podsResource, 'default', 'a', 'application/strategic-merge-patch+json', { spec: { containers: [{ name: 'c', image: 'nginx:2' }, { name: 'side', image: 'busybox' }] } });
  assert.deepEqual((containers['spec'] as { containers: unknown[] }).containers, [{ name: 'c', image: 'nginx:2' }, { name: 'side', image: 'busybox' }]);
  assert.throws(() => t.patch(podsResource, 'default', 'a', 'application/merge-patch+json', { metadata: { resourceVersion: '1' } }), (e: unknown) => isConflict(e));
  assert.throws(() => t.patch(podsResource, 'default', 'a', 'application/apply-patch+yaml', {}), (e: unknown) => e instanceof StatusError && e.code === 415);
});

test('list: namespace and selector filtering, paging with continue, expired continue', () => {
  const t = new ObjectTracker();
  for (const n of ['a', 'b', 'c', 'd', 'e']) t.create(podsResource, pod(n));
  t.create(podsResource, pod('z', {}, 'other'));
  assert.equal(t.list(podsResource, '').items.length, 6);
  assert.equal(t.list(podsResource, 'other').items.length, 1);
  assert.deepEqual(t.list(podsResource, '', { labelSelector: 'app=c' }).items.map((p) => p.metadata.name), ['c']);
  assert.deepEqual(t.list(podsResource, '', { labelSelector: 'app!=c' }).items.length, 5);

  const p1 = t.list(podsResource, 'default', { limit: 2 });
  assert.deepEqual(p1.items.map((p) => p.metadata.name), ['a', 'b']);
  assert.equal(p1.metadata.remainingItemCount, 3);
  assert.equal(p1.metadata.resourceVersion, '6');
  t.create(podsResource, pod('f')); // the list rv stays that of the first page
  const p2 = t.list(podsResource, 'default', { limit: 2, continue: p1.metadata.continue ?? '' });
  assert.deepEqual(p2.items.map((p) => p.metadata.name), ['c', 'd']);
  assert.equal(p2.metadata.resourceVersion, '6');
  t.compact();
  assert.throws(() => t.list(podsResource, 'default', { limit: 2, continue: p2.metadata.continue ?? '' }), (e: unknown) => isResourceExpired(e));
});

test('the default matcher refuses set-based selectors instead of guessing', () => {
  const t = new ObjectTracker();
  t.create(podsResource, pod('a'));
  assert.throws(() => t.list(podsResource, '', { labelSelector: 'app in (a,b)' }), /set-based selectors are not supported/);
  const custom = new ObjectTracker({ matcher: (o, s) => s.labelSelector === 'app in (a,b)' && ['a', 'b'].includes(o.metadata.labels?.['app'] ?? '') });
  custom.create(podsResource, pod('a'));
  custom.create(podsResource, pod('c'));
  assert.deepEqual(custom.list(podsResource, '', { labelSelector: 'app in (a,b)' }).items.map((p) => p.metadata.name), ['a']);
});

test('watch from "0" starts with synthetic ADDED events, then live changes', async () => {
  const t = new ObjectTracker();
  t.create(podsResource, pod('a'));
  t.create(podsResource, pod('b'));
  const w = t.watch(podsResource, 'default', { resourceVersion: '0' });
  t.update(podsResource, { ...t.get(podsResource, 'default', 'a'), metadata: { ...t.get(podsResource, 'default', 'a').metadata, labels: { v: '2' } } });
  t.delete(podsResource, 'default', 'b');
  assert.deepEqual(summary(await take(w, 4)), ['ADDED:a@1', 'ADDED:b@2', 'MODIFIED:a@3', 'DELETED:b@4']);
});

test('watch from a resourceVersion replays later history and nothing before', async () => {
  const t = new ObjectTracker();
  t.create(podsResource, pod('a'));
  t.create(podsResource, pod('b'));
  t.create(podsResource, pod('c'));
  const w = t.watch(podsResource, '', { resourceVersion: '1' });
  t.create(podsResource, pod('d'));
  assert.deepEqual(summary(await take(w, 3)), ['ADDED:b@2', 'ADDED:c@3', 'ADDED:d@4']);
});

test('watch from a compacted resourceVersion yields one 410 ERROR and ends', async () => {
  const t = new ObjectTracker();
  t.create(podsResource, pod('a'));
  t.create(podsResource, pod('b'));
  t.compact();
  const evs = await take(t.watch(podsResource, '', { resourceVersion: '1' }), 5);
  assert.equal(evs.length, 1);
  assert.equal(evs[0]?.type, 'ERROR');
  const st = evs[0]?.object as Status;
  assert.equal(st.code, 410);
  assert.equal(st.reason, 'Expired');
  assert.equal(st.message, 'too old resource version: 1 (3)');
  assert.equal((await take(t.watch(podsResource, '', { resourceVersion: '2' }), 0)).length, 0, 'the current rv is fine');
});

test('a bounded history expires old resourceVersions', async () => {
  const t = new ObjectTracker({ historyLimit: 2 });
  for (const n of ['a', 'b', 'c', 'd']) t.create(podsResource, pod(n));
  const evs = await take(t.watch(podsResource, '', { resourceVersion: '1' }), 1);
  assert.equal(evs[0]?.type, 'ERROR');
  assert.deepEqual(summary(await take(t.watch(podsResource, '', { resourceVersion: '2' }), 2)), ['ADDED:c@3', 'ADDED:d@4']);
});

test('watch with a selector: objects entering become ADDED, leaving become DELETED', async () => {
  const t = new ObjectTracker();
  const a = t.create(podsResource, pod('a', { spec: {} }));
  const w = t.watch(podsResource, '', { resourceVersion: a.metadata.resourceVersion ?? '', fieldSelector: 'spec.nodeName=n1' });
  const bound = t.update(podsResource, { ...a, spec: { nodeName: 'n1' } });
  const moved = t.update(podsResource, { ...bound, spec: { nodeName: 'n2' } });
  t.create(podsResource, pod('other', { spec: { nodeName: 'n2' } }));
  t.update(podsResource, { ...moved, spec: { nodeName: 'n1' } });
  const evs = await take(w, 3);
  assert.deepEqual(summary(evs), ['ADDED:a@2', 'DELETED:a@3', 'ADDED:a@5']);
  assert.deepEqual(obj(evs[1])['spec'], { nodeName: 'n1' }, 'the DELETED event carries the last matching state');
});

test('bookmarks go only to watchers that asked; initial-events-end bookmark with sendInitialEvents', async () => {
  const t = new ObjectTracker();
  t.create(podsResource, pod('a'));
  const withB = t.watch(podsResource, '', { resourceVersion: '1', allowWatchBookmarks: true });
  const without = t.watch(podsResource, '', { resourceVersion: '1' });
  t.create(nodesResource, { metadata: { name: 'n1' } }); // another resource moves the global rv
  t.sendBookmark(podsResource);
  t.create(podsResource, pod('b'));
  const got = await take(withB, 2);
  assert.equal(got[0]?.type, 'BOOKMARK');
  assert.equal(got[0]?.object.metadata.resourceVersion, '2');
  assert.equal(got[0]?.object.kind, 'Pod');
  assert.deepEqual(summary(await take(without, 1)), ['ADDED:b@3']);

  const initial = await take(t.watch(podsResource, '', { resourceVersion: '', sendInitialEvents: true, allowWatchBookmarks: true }), 3);
  assert.deepEqual(initial.map((e) => e.type), ['ADDED', 'ADDED', 'BOOKMARK']);
  assert.equal(obj(initial[2]).metadata.annotations?.['k8s.io/initial-events-end'], 'true');
});

test('closeWatches ends streams after what was sent; abort ends them at once', async () => {
  const t = new ObjectTracker();
  const ac = new AbortController();
  const w1 = t.watch(podsResource, '', { resourceVersion: '0' });
  const w2 = t.watch(podsResource, '', { resourceVersion: '0', signal: ac.signal });
  assert.equal(t.watcherCount(podsResource), 2);
  t.create(podsResource, pod('a'));
  ac.abort();
  assert.equal(t.watcherCount(podsResource), 1);
  t.closeWatches();
  assert.equal(t.watcherCount(), 0);
  assert.deepEqual(summary(await take(w1, 5)), ['ADDED:a@1']);
  assert.deepEqual(await take(w2, 5), []);
});
