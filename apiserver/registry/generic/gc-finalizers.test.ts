import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../shared/api/meta.ts';
import { GenericStore } from './store.ts';
import { deletionFinalizersForGarbageCollection, shouldDeleteDependents, shouldOrphanDependents } from './gc-finalizers.ts';
import { immediateDelete, withGarbageCollectionPolicy } from '../rest/strategy.ts';
import { useMemoryRegistry } from '../testing.ts';

const obj = (finalizers?: string[]): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', ...(finalizers ? { finalizers } : {}) } });

test('shouldOrphanDependents: orphanDependents, then propagationPolicy, then the finalizers, then the default', () => {
  assert.equal(shouldOrphanDependents(obj(), { orphanDependents: true }, 'DeleteDependents'), true);
  assert.equal(shouldOrphanDependents(obj(['orphan']), { orphanDependents: false }, 'OrphanDependents'), false);
  assert.equal(shouldOrphanDependents(obj(), { propagationPolicy: 'Orphan' }, 'DeleteDependents'), true);
  assert.equal(shouldOrphanDependents(obj(['orphan']), { propagationPolicy: 'Background' }, 'DeleteDependents'), false);
  assert.equal(shouldOrphanDependents(obj(['orphan']), {}, 'DeleteDependents'), true);
  assert.equal(shouldOrphanDependents(obj(['foregroundDeletion']), {}, 'OrphanDependents'), false);
  assert.equal(shouldOrphanDependents(obj(), {}, 'OrphanDependents'), true);
  assert.equal(shouldOrphanDependents(obj(), {}, 'DeleteDependents'), false);
  assert.equal(shouldOrphanDependents(obj(), { propagationPolicy: 'Orphan' }, 'Unsupported'), false);
});

test('shouldDeleteDependents: Foreground, or a foregroundDeletion finalizer already there; orphanDependents set means no', () => {
  assert.equal(shouldDeleteDependents(obj(), { propagationPolicy: 'Foreground' }, 'DeleteDependents'), true);
  assert.equal(shouldDeleteDependents(obj(['foregroundDeletion']), { orphanDependents: false }, 'DeleteDependents'), false);
  assert.equal(shouldDeleteDependents(obj(['foregroundDeletion']), {}, 'OrphanDependents'), true);
  assert.equal(shouldDeleteDependents(obj(['foregroundDeletion']), { propagationPolicy: 'Orphan' }, 'DeleteDependents'), false);
  assert.equal(shouldDeleteDependents(obj(), {}, 'DeleteDependents'), false);
  assert.equal(shouldDeleteDependents(obj(), { propagationPolicy: 'Foreground' }, 'Unsupported'), false);
});

test('deletionFinalizersForGarbageCollection keeps other finalizers and reports whether the set changed', () => {
  assert.deepEqual(deletionFinalizersForGarbageCollection(obj(['a']), { propagationPolicy: 'Foreground' }, 'DeleteDependents'), { changed: true, finalizers: ['a', 'foregroundDeletion'] });
  assert.deepEqual(deletionFinalizersForGarbageCollection(obj(['foregroundDeletion', 'a']), { propagationPolicy: 'Orphan' }, 'DeleteDependents'), { changed: true, finalizers: ['a', 'orphan'] });
  assert.deepEqual(deletionFinalizersForGarbageCollection(obj(['orphan', 'a']), {}, 'DeleteDependents'), { changed: false, finalizers: ['orphan', 'a'] });
  assert.deepEqual(deletionFinalizersForGarbageCollection(obj(['orphan']), { propagationPolicy: 'Background' }, 'DeleteDependents'), { changed: true, finalizers: [] });
  assert.deepEqual(deletionFinalizersForGarbageCollection(obj(), {}, 'DeleteDependents'), { changed: false, finalizers: [] });
});

const reg = useMemoryRegistry({ namespaces: ['gc'] });
const { store } = reg;
const cm = (name: string, finalizers?: string[]): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'gc', ...(finalizers ? { finalizers } : {}) } });


test('DELETE with Foreground keeps the object with deletionTimestamp, grace 0 and the foregroundDeletion finalizer', async () => {
  await store('configmaps').create('gc', cm('fg'));
  const r = await store('configmaps').delete('gc', 'fg', { propagationPolicy: 'Foreground' });
  assert.equal(r.deleted, false);
  assert.deepEqual(r.object.metadata.finalizers, ['foregroundDeletion']);
  assert.ok(r.object.metadata.deletionTimestamp);
  assert.equal(r.object.metadata.deletionGracePeriodSeconds, 0);
  const stored = await store('configmaps').get('gc', 'fg');
  assert.deepEqual(stored.metadata.finalizers, ['foregroundDeletion']);
  // A second DELETE switches the finalizer as asked (the object is being deleted, no grace period pending).
  const again = await store('configmaps').delete('gc', 'fg', { propagationPolicy: 'Orphan' });
  assert.equal(again.deleted, false);
  assert.deepEqual(again.object.metadata.finalizers, ['orphan']);
  assert.equal(again.object.metadata.deletionTimestamp, r.object.metadata.deletionTimestamp);
  // Background clears the GC finalizers: nothing holds the object any more, it goes.
  const gone = await store('configmaps').delete('gc', 'fg', { propagationPolicy: 'Background' });
  assert.equal(gone.deleted, true);
  await assert.rejects(store('configmaps').get('gc', 'fg'), (e: { status?: { code?: number } }) => e.status?.code === 404);
});

test('DELETE with Orphan (or orphanDependents=true) sets the orphan finalizer; Background deletes at once', async () => {
  await store('configmaps').create('gc', cm('or'));
  const r = await store('configmaps').delete('gc', 'or', { propagationPolicy: 'Orphan' });
  assert.deepEqual([r.deleted, r.object.metadata.finalizers], [false, ['orphan']]);
  await store('configmaps').create('gc', cm('od', ['example.com/keep']));
  const od = await store('configmaps').delete('gc', 'od', { orphanDependents: true });
  assert.deepEqual([od.deleted, od.object.metadata.finalizers], [false, ['example.com/keep', 'orphan']]);
  await store('configmaps').create('gc', cm('bg'));
  const bg = await store('configmaps').delete('gc', 'bg', { propagationPolicy: 'Background' });
  assert.equal(bg.deleted, true);
  await store('configmaps').create('gc', cm('none'));
  assert.equal((await store('configmaps').delete('gc', 'none')).deleted, true);
});

test('a dry-run Foreground DELETE changes nothing', async () => {
  await store('configmaps').create('gc', cm('dry'));
  const r = await store('configmaps').delete('gc', 'dry', { propagationPolicy: 'Foreground', dryRun: true });
  assert.deepEqual(r.object.metadata.finalizers, ['foregroundDeletion']);
  const stored = await store('configmaps').get('gc', 'dry');
  assert.equal(stored.metadata.finalizers, undefined);
  assert.equal(stored.metadata.deletionTimestamp, undefined);
});

test('events do not support garbage collection policies: Foreground deletes at once', async () => {
  await store('events').create('gc', { apiVersion: 'v1', kind: 'Event', metadata: { name: 'ev', namespace: 'gc' }, involvedObject: { kind: 'Pod', name: 'p', namespace: 'gc' }, reason: 'R', message: 'm' } as KubeObject);
  const r = await store('events').delete('gc', 'ev', { propagationPolicy: 'Foreground' });
  assert.equal(r.deleted, true);
});

test('a strategy defaulting to OrphanDependents orphans unless told otherwise; Unsupported and disabled GC ignore the policy', async () => {
  const mk = (policy: 'OrphanDependents' | 'Unsupported', enableGarbageCollection = true): GenericStore =>
    new GenericStore({
      info: { group: '', version: 'v1', resource: 'configmaps', kind: 'ConfigMap', namespaced: true },
      storage: reg.storage,
      keyRoot: '/configmaps',
      createStrategy: { prepareForCreate: () => {}, validate: () => [] },
      updateStrategy: { prepareForUpdate: () => {}, validateUpdate: () => [], allowCreateOnUpdate: false, allowUnconditionalUpdate: true },
      deleteStrategy: withGarbageCollectionPolicy(immediateDelete, policy),
      enableGarbageCollection,
    });
  const orphaning = mk('OrphanDependents');
  await orphaning.create('gc', cm('job-like'));
  const r = await orphaning.delete('gc', 'job-like');
  assert.deepEqual([r.deleted, r.object.metadata.finalizers], [false, ['orphan']]);
  await orphaning.create('gc', cm('job-bg'));
  assert.equal((await orphaning.delete('gc', 'job-bg', { propagationPolicy: 'Background' })).deleted, true);
  const unsupported = mk('Unsupported');
  await unsupported.create('gc', cm('u'));
  assert.equal((await unsupported.delete('gc', 'u', { propagationPolicy: 'Orphan' })).deleted, true);
  const off = mk('OrphanDependents', false);
  await off.create('gc', cm('off'));
  assert.equal((await off.delete('gc', 'off', { propagationPolicy: 'Foreground' })).deleted, true);
});

test('a pod in its grace period keeps its finalizers on a second DELETE (graceful deletion pending)', async () => {
  await store('pods').create('gc', {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'gc' },
    spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'i' }] },
  } as KubeObject);
  const first = await store('pods').delete('gc', 'p', { propagationPolicy: 'Foreground' });
  assert.equal(first.deleted, false);
  assert.deepEqual(first.object.metadata.finalizers, ['foregroundDeletion']);
  assert.equal(first.object.metadata.deletionGracePeriodSeconds, 30);
  const second = await store('pods').delete('gc', 'p', { propagationPolicy: 'Orphan' });
  assert.deepEqual(second.object.metadata.finalizers, ['foregroundDeletion']);
  // a shorter grace period is a graceful update again: the finalizers follow the request
  const third = await store('pods').delete('gc', 'p', { propagationPolicy: 'Orphan', gracePeriodSeconds: 5 });
  assert.deepEqual(third.object.metadata.finalizers, ['orphan']);
  assert.equal(third.object.metadata.deletionGracePeriodSeconds, 5);
});

test('the final DELETE with gracePeriodSeconds 0 of a pod in its grace period removes it (the kubelet\'s delete)', async () => {
  await store('pods').create('gc', {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p0', namespace: 'gc' },
    spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'i' }] },
  } as KubeObject);
  const first = await store('pods').delete('gc', 'p0');
  assert.equal(first.deleted, false);
  const last = await store('pods').delete('gc', 'p0', { gracePeriodSeconds: 0 });
  assert.equal(last.deleted, true);
  // With a finalizer the object stays (grace 0), until the finalizer goes.
  await store('pods').create('gc', {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p1', namespace: 'gc' },
    spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'i' }] },
  } as KubeObject);
  await store('pods').delete('gc', 'p1', { propagationPolicy: 'Foreground' });
  const held = await store('pods').delete('gc', 'p1', { gracePeriodSeconds: 0 });
  assert.deepEqual([held.deleted, held.object.metadata.deletionGracePeriodSeconds], [false, 0]);
});

test('deleteResponse: a Success Status naming the object once it is gone, unless the kind returns deleted objects', async () => {
  const lease = await store('leases').create('gc', { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'l', namespace: 'gc' }, spec: {} } as KubeObject);
  const r = await store('leases').delete('gc', 'l');
  assert.deepEqual(store('leases').deleteResponse(r), {
    kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name: 'l', group: 'coordination.k8s.io', kind: 'leases', uid: lease.metadata.uid },
  });
  // still there (finalizer): the object
  await store('configmaps').create('gc', cm('stays', ['example.com/x']));
  const kept = await store('configmaps').delete('gc', 'stays');
  assert.equal(store('configmaps').deleteResponse(kept).kind, 'ConfigMap');
  // pods return the deleted object
  await store('pods').create('gc', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'gone', namespace: 'gc' }, spec: { containers: [{ name: 'c', image: 'i' }] } } as KubeObject);
  const p = await store('pods').delete('gc', 'gone');
  assert.equal(p.deleted, true);
  assert.equal(store('pods').deleteResponse(p).kind, 'Pod');
});
