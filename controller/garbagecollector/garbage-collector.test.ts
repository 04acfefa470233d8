import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject, OwnerReference } from '../../shared/api/meta.ts';
import { SharedInformerFactory } from '../../shared/cache/informer-factory.ts';
import { configMapsResource, nodesResource, podsResource, secretsResource } from '../../shared/client/clientset.ts';
import { FakeClientset } from '../../shared/client/fake/clientset.ts';
import { isNotFound } from '../../shared/errors/status-error.ts';
import { pollUntil } from '../../shared/util/wait.ts';
import { FakeRecorder } from '../framework/event-recorder.ts';
import { GarbageCollector } from './garbage-collector.ts';
import { DependencyGraph, referencesDiffs } from './dependency-graph.ts';
import { deletableResources, type DiscoveredResource } from './resource-discovery.ts';

const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const RESOURCES: DiscoveredResource[] = [secretsResource, configMapsResource, podsResource, nodesResource].map((d) => ({
  ...d,
  kind: d.kind ?? '',
  verbs: ALL_VERBS,
  preferred: true,
}));

const secret = (name: string, uid: string, ns = 'default'): KubeObject => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: ns, uid } });
const ownerRef = (kind: string, name: string, uid: string, block = false): OwnerReference => ({
  apiVersion: 'v1', kind, name, uid, ...(block ? { blockOwnerDeletion: true } : {}),
});
const configMap = (name: string, owners: OwnerReference[], ns = 'default', uid = `cm-${name}`): KubeObject => ({
  apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns, uid, ownerReferences: owners },
});
const pod = (name: string, owners: OwnerReference[]): KubeObject => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', uid: `pod-${name}`, ownerReferences: owners },
  spec: { containers: [{ name: 'c', image: 'i' }] },
});

async function withGC(objects: KubeObject[], body: (ctx: { cs: FakeClientset; gc: GarbageCollector; recorder: FakeRecorder }) => Promise<void>): Promise<void> {
  const cs = new FakeClientset({ objects });
  const factory = new SharedInformerFactory(cs.client);
  const recorder = new FakeRecorder();
  const gc = new GarbageCollector({ clientset: cs, informerFactory: factory, discoverResources: async () => RESOURCES, recorder, workers: 4 });
  const ac = new AbortController();
  const running = gc.run(ac.signal);
  try {
    await pollUntil(() => gc.isSynced() && gc.graph.uidToNode.size > 0, { intervalMs: 5, timeoutMs: 5000 });
    await body({ cs, gc, recorder });
  } finally {
    ac.abort();
    await running;
    await factory.shutdown();
  }
}

async function gone(cs: FakeClientset, d: typeof configMapsResource, ns: string, name: string): Promise<boolean> {
  try {
    await cs.resource(d).get(ns, name);
    return false;
  } catch (e) {
    if (isNotFound(e)) return true;
    throw e;
  }
}

const waitFor = (cond: () => Promise<boolean> | boolean) => pollUntil(cond, { intervalMs: 10, timeoutMs: 5000 });

test('Background: deleting the owner deletes its dependents (verified by a live GET of the owner)', async () => {
  await withGC([secret('owner', 's1'), configMap('dep', [ownerRef('Secret', 'owner', 's1')]), configMap('other', [])], async ({ cs }) => {
    await cs.resource(secretsResource).delete('default', 'owner', { propagationPolicy: 'Background' });
    await waitFor(() => gone(cs, configMapsResource, 'default', 'dep'));
    assert.equal(await gone(cs, configMapsResource, 'default', 'other'), false);
    const del = cs.actions().find((a) => a.verb === 'delete' && a.resource === 'configmaps');
    assert.deepEqual(del?.options?.['preconditions'], { uid: 'cm-dep', resourceVersion: (del?.options?.['preconditions'] as { resourceVersion: string }).resourceVersion });
    assert.equal(del?.options?.['propagationPolicy'], 'Background');
  });
});

test('a dependent whose owner never existed, or exists under another uid, is collected; a live owner keeps its dependent', async () => {
  await withGC([
    secret('real', 's-real'),
    configMap('kept', [ownerRef('Secret', 'real', 's-real')]),
    configMap('never', [ownerRef('Secret', 'nobody', 'bad-uid')]),
    configMap('recreated', [ownerRef('Secret', 'real', 'old-uid')]),
  ], async ({ cs, gc }) => {
    await waitFor(async () => (await gone(cs, configMapsResource, 'default', 'never')) && (await gone(cs, configMapsResource, 'default', 'recreated')));
    assert.equal(await gone(cs, configMapsResource, 'default', 'kept'), false);
    // the virtual nodes of the absent owners left the graph
    await waitFor(() => !gc.graph.get('bad-uid') && !gc.graph.get('old-uid'));
  });
});

test('Orphan: the owner\'s reference is removed from its dependents, then the orphan finalizer, and the owner goes', async () => {
  await withGC([
    secret('owner', 's1'),
    configMap('dep', [ownerRef('Secret', 'owner', 's1'), ownerRef('Secret', 'second', 's2')]),
    secret('second', 's2'),
  ], async ({ cs }) => {
    await cs.resource(secretsResource).delete('default', 'owner', { propagationPolicy: 'Orphan' });
    await waitFor(() => gone(cs, secretsResource, 'default', 'owner'));
    const dep = await cs.resource(configMapsResource).get('default', 'dep');
    assert.deepEqual(dep.metadata.ownerReferences, [ownerRef('Secret', 'second', 's2')]);
    const patch = cs.actions().find((a) => a.verb === 'patch' && a.resource === 'configmaps');
    assert.equal(patch?.patchType, 'application/strategic-merge-patch+json');
    assert.deepEqual(patch?.patch, { metadata: { ownerReferences: [{ $patch: 'delete', uid: 's1' }], uid: 'cm-dep' } });
  });
});

test('Foreground: the owner stays (deletionTimestamp, finalizer) until its blocking dependents are gone, through a chain', async () => {
  await withGC([
    secret('top', 's1'),
    configMap('mid', [ownerRef('Secret', 'top', 's1', true)]),
    pod('leaf', [ownerRef('ConfigMap', 'mid', 'cm-mid', true)]),
    configMap('loose', [ownerRef('Secret', 'top', 's1')]),
  ], async ({ cs }) => {
    // Hold the leaf's deletion to observe the owners waiting.
    let hold = true;
    cs.prependReactor('delete', 'pods', () => {
      if (hold) throw new Error('held by the test');
      return undefined;
    });
    await cs.resource(secretsResource).delete('default', 'top', { propagationPolicy: 'Foreground' });
    await waitFor(async () => {
      const mid = await cs.resource(configMapsResource).get('default', 'mid');
      return Boolean(mid.metadata.deletionTimestamp) && (mid.metadata.finalizers ?? []).includes('foregroundDeletion');
    });
    const top = await cs.resource(secretsResource).get('default', 'top');
    assert.ok(top.metadata.deletionTimestamp);
    assert.deepEqual(top.metadata.finalizers, ['foregroundDeletion']);
    // the non-blocking dependent is deleted too, it just does not hold the owner
    await waitFor(() => gone(cs, configMapsResource, 'default', 'loose'));
    assert.equal(await gone(cs, secretsResource, 'default', 'top'), false);
    hold = false;
    await cs.resource(podsResource).delete('default', 'leaf');
    await waitFor(async () => (await gone(cs, configMapsResource, 'default', 'mid')) && (await gone(cs, secretsResource, 'default', 'top')));
  });
});

test('a namespaced dependent of a cluster-scoped owner lives while the owner does and goes after it', async () => {
  const node: KubeObject = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', uid: 'node-1' } };
  await withGC([node, configMap('per-node', [ownerRef('Node', 'n1', 'node-1')])], async ({ cs }) => {
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(await gone(cs, configMapsResource, 'default', 'per-node'), false);
    await cs.nodes.delete('', 'n1');
    await waitFor(() => gone(cs, configMapsResource, 'default', 'per-node'));
  });
});

test('an ownerReference to an observed owner in another namespace: OwnerRefInvalidNamespace, and the dependent is collected', async () => {
  await withGC([secret('owner', 's1', 'a'), configMap('cross', [ownerRef('Secret', 'owner', 's1')], 'b')], async ({ cs, recorder }) => {
    await waitFor(() => gone(cs, configMapsResource, 'b', 'cross'));
    assert.equal(await gone(cs, secretsResource, 'a', 'owner'), false);
    assert.ok(
      recorder.strings().includes('Warning OwnerRefInvalidNamespace ownerRef [v1/Secret, namespace: b, name: owner, uid: s1] does not exist in namespace "b"'),
      recorder.strings().join('\n'),
    );
  });
});

test('a dependent with a live owner and a dangling one loses only the dangling reference', async () => {
  await withGC([secret('alive', 's1'), configMap('two', [ownerRef('Secret', 'alive', 's1'), ownerRef('Secret', 'dead', 's-dead')])], async ({ cs }) => {
    await waitFor(async () => (await cs.resource(configMapsResource).get('default', 'two')).metadata.ownerReferences?.length === 1);
    const cm = await cs.resource(configMapsResource).get('default', 'two');
    assert.deepEqual(cm.metadata.ownerReferences, [ownerRef('Secret', 'alive', 's1')]);
  });
});

test('graph: virtual owners, edges by uid, removal re-queues dependents and owners waiting for them', () => {
  const deleted: string[] = [];
  const orphaned: string[] = [];
  const g = new DependencyGraph({ attemptToDelete: (u) => deleted.push(u), attemptToOrphan: (u) => orphaned.push(u), invalidNamespaceOwnerRef: () => {} });
  const cm = { apiVersion: 'v1', kind: 'ConfigMap' };
  const sec = { apiVersion: 'v1', kind: 'Secret' };
  g.processEvent('add', configMap('dep', [ownerRef('Secret', 'owner', 's1', true)]), cm);
  assert.equal(g.get('s1')?.virtual, true);
  assert.deepEqual(deleted, ['s1']);
  g.processEvent('add', secret('owner', 's1'), sec);
  assert.equal(g.get('s1')?.virtual, false);
  assert.deepEqual([...(g.get('s1')?.dependents ?? [])].map((n) => n.identity.uid), ['cm-dep']);
  // deletion with foregroundDeletion: the owner waits and its dependents are looked at
  deleted.length = 0;
  const marked = { ...secret('owner', 's1'), metadata: { ...secret('owner', 's1').metadata, deletionTimestamp: '2026-01-01T00:00:00Z', finalizers: ['foregroundDeletion'] } };
  g.processEvent('update', marked, sec, secret('owner', 's1'));
  assert.equal(g.get('s1')?.deletingDependents, true);
  assert.deepEqual(deleted, ['cm-dep', 's1']);
  assert.equal(g.get('s1')?.blockingDependents().length, 1);
  // the dependent goes: the waiting owner is re-queued
  deleted.length = 0;
  g.processEvent('delete', configMap('dep', [ownerRef('Secret', 'owner', 's1', true)]), cm);
  assert.deepEqual(deleted, ['s1']);
  assert.equal(g.get('s1')?.blockingDependents().length, 0);
  // orphan finalizer
  const orphaning = { ...secret('o2', 's2'), metadata: { ...secret('o2', 's2').metadata, deletionTimestamp: '2026-01-01T00:00:00Z', finalizers: ['orphan'] } };
  g.processEvent('add', orphaning, sec);
  assert.deepEqual(orphaned, ['s2']);
});

test('referencesDiffs tells added, removed and changed references apart by uid', () => {
  const a = ownerRef('Secret', 'a', 'ua');
  const b = ownerRef('Secret', 'b', 'ub');
  const bBlocking = ownerRef('Secret', 'b', 'ub', true);
  const c = ownerRef('Secret', 'c', 'uc');
  const d = referencesDiffs([a, b], [bBlocking, c]);
  assert.deepEqual(d.added, [c]);
  assert.deepEqual(d.removed, [a]);
  assert.deepEqual(d.changed, [{ old: b, now: bBlocking }]);
});

test('deletableResources: the preferred version of what can be listed, watched and deleted, events left out', () => {
  const r = (resource: string, o: Partial<DiscoveredResource> = {}): DiscoveredResource => ({ group: '', version: 'v1', resource, kind: resource, namespaced: true, verbs: ALL_VERBS, preferred: true, ...o });
  const out = deletableResources([
    r('configmaps'),
    r('events'),
    r('events', { group: 'events.k8s.io' }),
    r('bindings', { verbs: ['create'] }),
    r('deployments', { group: 'apps', version: 'v1beta1', preferred: false }),
    r('deployments', { group: 'apps' }),
  ]);
  assert.deepEqual(out.map((d) => `${d.group}/${d.version}/${d.resource}`), ['/v1/configmaps', 'apps/v1/deployments']);
});

test('kinds served later are picked up by the next discovery: their objects join the graph and are collected', async () => {
  const cs = new FakeClientset({ objects: [secret('owner', 's1'), configMap('dep', [ownerRef('Secret', 'owner', 's1')])] });
  const factory = new SharedInformerFactory(cs.client);
  let served = RESOURCES.filter((d) => d.resource !== 'configmaps');
  const gc = new GarbageCollector({ clientset: cs, informerFactory: factory, discoverResources: async () => served, recorder: new FakeRecorder(), workers: 2, resyncPeriodMs: 50 });
  const ac = new AbortController();
  const running = gc.run(ac.signal);
  try {
    await pollUntil(() => gc.isSynced() && gc.graph.get('s1') !== undefined, { intervalMs: 5, timeoutMs: 5000 });
    assert.equal(gc.graph.get('cm-dep'), undefined);
    served = RESOURCES;
    await pollUntil(() => gc.graph.get('cm-dep') !== undefined, { intervalMs: 10, timeoutMs: 5000 });
    await cs.resource(secretsResource).delete('default', 'owner');
    await waitFor(() => gone(cs, configMapsResource, 'default', 'dep'));
  } finally {
    ac.abort();
    await running;
    await factory.shutdown();
  }
});

test('a resource whose LIST keeps failing does not stop collection of the others (sync timeout)', async () => {
  const cs = new FakeClientset({ objects: [secret('owner', 's1'), configMap('dep', [ownerRef('Secret', 'owner', 's1')])] });
  cs.injectError('list', 'nodes', new Error('nodes cannot be listed'), { times: Infinity });
  const factory = new SharedInformerFactory(cs.client);
  const gc = new GarbageCollector({ clientset: cs, informerFactory: factory, discoverResources: async () => RESOURCES, recorder: new FakeRecorder(), workers: 2, syncTimeoutMs: 200 });
  const ac = new AbortController();
  const running = gc.run(ac.signal);
  try {
    await pollUntil(() => gc.graph.get('cm-dep') !== undefined, { intervalMs: 5, timeoutMs: 5000 });
    assert.equal(gc.isSynced(), false);
    await cs.resource(secretsResource).delete('default', 'owner');
    await waitFor(() => gone(cs, configMapsResource, 'default', 'dep'));
  } finally {
    ac.abort();
    await running;
    await factory.shutdown();
  }
});

test('a dependent with a live owner drops its reference to an owner deleting in the foreground, which can then go', async () => {
  await withGC([
    secret('alive', 's1'),
    secret('leaving', 's2'),
    configMap('shared', [ownerRef('Secret', 'alive', 's1'), ownerRef('Secret', 'leaving', 's2', true)]),
  ], async ({ cs }) => {
    await cs.resource(secretsResource).delete('default', 'leaving', { propagationPolicy: 'Foreground' });
    await waitFor(() => gone(cs, secretsResource, 'default', 'leaving'));
    const cm = await cs.resource(configMapsResource).get('default', 'shared');
    assert.deepEqual(cm.metadata.ownerReferences, [ownerRef('Secret', 'alive', 's1')]);
  });
});
