import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../api/meta.ts';
import { metaNamespaceIndexFunc, NAMESPACE_INDEX, newIndexer, newStore, type Indexers } from './indexer.ts';
import { Lister, matchLabels } from './lister.ts';
import { DeletedFinalStateUnknown, deletionHandlingMetaNamespaceKeyFunc, metaNamespaceKeyFunc, splitMetaNamespaceKey, unwrapTombstone } from './store.ts';

const pod = (ns: string, name: string, node = '', labels: Record<string, string> = {}): KubeObject => ({ metadata: { namespace: ns, name, labels }, spec: { nodeName: node } });
const byNode = (o: KubeObject) => {
  const n = (o['spec'] as { nodeName?: string } | undefined)?.nodeName;
  return n ? [n] : [];
};

test('keys are namespace/name, or name for cluster-scoped objects', () => {
  assert.equal(metaNamespaceKeyFunc(pod('default', 'web')), 'default/web');
  assert.equal(metaNamespaceKeyFunc({ metadata: { name: 'n1' } }), 'n1');
  assert.throws(() => metaNamespaceKeyFunc({ metadata: {} }), /metadata.name is empty/);
  assert.deepEqual(splitMetaNamespaceKey('default/web'), { namespace: 'default', name: 'web' });
  assert.deepEqual(splitMetaNamespaceKey('n1'), { namespace: '', name: 'n1' });
  assert.throws(() => splitMetaNamespaceKey('a/b/c'), /more than one/);
  const tomb = new DeletedFinalStateUnknown('default/web', pod('default', 'web'));
  assert.equal(deletionHandlingMetaNamespaceKeyFunc(tomb), 'default/web');
  assert.equal(unwrapTombstone(tomb).metadata.name, 'web');
});

test('store add/update/delete/get/list/replace', () => {
  const s = newStore();
  s.add(pod('a', 'x'));
  s.add(pod('b', 'y'));
  s.update({ ...pod('a', 'x'), spec: { v: 2 } });
  assert.equal(s.size, 2);
  assert.deepEqual(s.getByKey('a/x')?.['spec'], { v: 2 });
  assert.deepEqual(s.get(pod('b', 'y'))?.metadata.name, 'y');
  s.delete(pod('b', 'y'));
  assert.deepEqual(s.listKeys(), ['a/x']);
  s.replace([pod('c', 'z')], '10');
  assert.deepEqual(s.listKeys(), ['c/z']);
  assert.equal(s.list().length, 1);
});

test('indexes follow adds, updates, deletes and replace', () => {
  const ix = newIndexer({ [NAMESPACE_INDEX]: metaNamespaceIndexFunc, node: byNode });
  ix.add(pod('default', 'a', 'n1'));
  ix.add(pod('default', 'b', 'n1'));
  ix.add(pod('kube-system', 'c', 'n2'));
  ix.add(pod('default', 'd'));
  assert.deepEqual(ix.byIndex('node', 'n1').map((p) => p.metadata.name).sort(), ['a', 'b']);
  assert.deepEqual(ix.indexKeys('node', 'n2'), ['kube-system/c']);
  assert.deepEqual(ix.listIndexFuncValues('node').sort(), ['n1', 'n2']);
  assert.deepEqual(ix.index('node', pod('x', 'probe', 'n1')).length, 2);

  ix.update(pod('default', 'a', 'n2')); // moved: old index value dropped
  assert.deepEqual(ix.byIndex('node', 'n1').map((p) => p.metadata.name), ['b']);
  assert.deepEqual(ix.byIndex('node', 'n2').map((p) => p.metadata.name).sort(), ['a', 'c']);

  ix.delete(pod('default', 'b', 'n1'));
  assert.deepEqual(ix.byIndex('node', 'n1'), []);
  assert.deepEqual(ix.listIndexFuncValues('node').sort(), ['n2'], 'empty index values are removed');

  ix.replace([pod('default', 'e', 'n3')], '5');
  assert.deepEqual(ix.listIndexFuncValues('node'), ['n3']);
  assert.deepEqual(ix.byIndex(NAMESPACE_INDEX, 'default').map((p) => p.metadata.name), ['e']);
  assert.throws(() => ix.byIndex('missing', 'x'), /index "missing" as it does not exist/);
});

test('addIndexers indexes existing content and refuses duplicate names', () => {
  const ix = newIndexer();
  ix.add(pod('default', 'a', 'n1'));
  ix.addIndexers({ node: byNode });
  assert.deepEqual(ix.byIndex('node', 'n1').map((p) => p.metadata.name), ['a']);
  assert.throws(() => ix.addIndexers({ node: byNode }), /exists/);
});

test('lister: all, by namespace (with or without the namespace index), by name, by predicate', () => {
  for (const indexers of [{}, { [NAMESPACE_INDEX]: metaNamespaceIndexFunc }] as Indexers[]) {
    const ix = newIndexer(indexers);
    ix.add(pod('default', 'a', '', { app: 'web' }));
    ix.add(pod('default', 'b', '', { app: 'db' }));
    ix.add(pod('other', 'c', '', { app: 'web' }));
    ix.add({ metadata: { name: 'cluster-thing' } });
    const l = new Lister(ix);
    assert.equal(l.list().length, 4);
    assert.deepEqual(l.list(matchLabels({ app: 'web' })).map((p) => p.metadata.name).sort(), ['a', 'c']);
    assert.deepEqual(l.namespace('default').list().map((p) => p.metadata.name).sort(), ['a', 'b']);
    assert.deepEqual(l.namespace('default').list(matchLabels({ app: 'db' })).map((p) => p.metadata.name), ['b']);
    assert.equal(l.namespace('other').get('c')?.metadata.name, 'c');
    assert.equal(l.namespace('other').get('a'), undefined);
    assert.equal(l.get('cluster-thing')?.metadata.name, 'cluster-thing');
  }
});
