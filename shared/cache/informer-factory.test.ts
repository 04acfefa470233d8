import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../api/meta.ts';
import { FakeClock } from '../util/clock.ts';
import { silentLogger } from '../util/log.ts';
import { FakeClientset } from '../client/fake/clientset.ts';
import { SharedInformerFactory } from './informer-factory.ts';
import { eventually } from './testing.ts';

const pod = (name: string, node: string): KubeObject => ({ kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { nodeName: node } });
const byNode = (o: KubeObject) => [((o['spec'] as { nodeName?: string }).nodeName ?? '')];

test('one informer per resource and selection, shared by every consumer', () => {
  const cs = new FakeClientset();
  const f = new SharedInformerFactory(cs.client, { log: silentLogger() });
  assert.equal(f.pods(), f.pods());
  assert.notEqual(f.pods(), f.pods({ fieldSelector: 'spec.nodeName=n1' }));
  assert.equal(f.pods({ fieldSelector: 'spec.nodeName=n1' }), f.pods({ fieldSelector: 'spec.nodeName=n1' }));
  assert.notEqual(f.pods(), f.pods({ namespace: 'kube-system' }));
  assert.equal(f.nodes({ namespace: 'ignored' }), f.nodes(), 'namespace is ignored for cluster-scoped resources');
  assert.notEqual(f.leases(), f.events());
});

test('indexers requested by several consumers end up on the shared informer', () => {
  const cs = new FakeClientset();
  const f = new SharedInformerFactory(cs.client, { log: silentLogger() });
  f.pods({ indexers: { node: byNode } });
  f.pods({ indexers: { node: byNode } }); // same function again: fine
  assert.throws(() => f.pods({ indexers: { node: (o) => [o.metadata.name ?? ''] } }), /different index/);
  assert.deepEqual(Object.keys(f.pods().indexer.getIndexers()), ['node']);
});

test('start runs every informer once, waitForCacheSync waits for their lists, the lister serves the cache', async () => {
  const clock = new FakeClock();
  const cs = new FakeClientset({ clock, objects: [pod('a', 'n1'), pod('b', 'n2'), { kind: 'Node', metadata: { name: 'n1' } }] });
  const f = new SharedInformerFactory(cs.client, { clock, log: silentLogger() });
  const pods = f.pods({ indexers: { node: byNode } });
  const mine = f.pods({ fieldSelector: 'spec.nodeName=n1' });
  const nodes = f.nodes();
  const ac = new AbortController();
  f.start(ac.signal);
  f.start(ac.signal); // idempotent
  const synced = await f.waitForCacheSync(ac.signal);
  assert.deepEqual([...synced.values()], [true, true, true]);
  assert.deepEqual(pods.lister.list().map((p) => p.metadata.name).sort(), ['a', 'b']);
  assert.deepEqual(pods.lister.byIndex('node', 'n2').map((p) => p.metadata.name), ['b']);
  assert.deepEqual(mine.lister.list().map((p) => p.metadata.name), ['a']);
  assert.equal(nodes.lister.get('n1')?.metadata.name, 'n1');
  assert.equal(cs.actions().filter((a) => a.verb === 'list').length, 3, 'one list per informer');

  await cs.pods.create(pod('c', 'n1'));
  await eventually(() => mine.lister.list().length === 2 && pods.lister.list().length === 3);

  const late = f.leases();
  f.start(ac.signal);
  await f.waitForCacheSync(ac.signal);
  assert.equal(late.hasSynced(), true);

  ac.abort();
  await f.shutdown();
  assert.equal(cs.tracker.watcherCount(), 0);
});
