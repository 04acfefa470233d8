import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject, WatchEvent } from '../../api/meta.ts';
import { isConflict, isNotFound, newConflict, newInternalError, OBJECT_MODIFIED } from '../../errors/status-error.ts';
import { retryOnConflict } from '../../util/backoff.ts';
import { FakeClock } from '../../util/clock.ts';
import { FakeClientset, filterActions } from './clientset.ts';

const pod = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: {} });

test('seeded objects are readable through the typed accessors; calls are recorded', async () => {
  const cs = new FakeClientset({ objects: [pod('web'), { kind: 'Node', metadata: { name: 'n1' } }] });
  const p = await cs.pods.get('default', 'web');
  assert.equal(p.metadata.name, 'web');
  const nodes = await cs.nodes.list('');
  assert.deepEqual(nodes.items.map((n) => n.metadata.name), ['n1']);
  assert.deepEqual(cs.actions().map((a) => `${a.verb} ${a.resource} ${a.namespace}/${a.name ?? ''}`), ['get pods default/web', 'list nodes /']);
  assert.throws(() => cs.fake.seed({ kind: 'Widget', metadata: { name: 'w' } }), /kind is unknown/);
});

test('bind through the clientset is a create of pods/binding and updates the pod', async () => {
  const cs = new FakeClientset({ objects: [pod('web')] });
  await cs.pods.bind('default', 'web', 'node-1');
  const p = await cs.pods.get('default', 'web');
  assert.equal((p['spec'] as { nodeName?: string }).nodeName, 'node-1');
  const [bind] = filterActions(cs.actions(), { exclude: ['get'] });
  assert.equal(bind?.verb, 'create');
  assert.equal(bind?.subresource, 'binding');
  assert.equal((bind?.object?.['target'] as { name: string }).name, 'node-1');
  await assert.rejects(cs.pods.bind('default', 'web', 'node-2'), (e: unknown) => isConflict(e));
});

test('injectError fails the next matching call only, and is recorded like any call', async () => {
  const cs = new FakeClientset({ objects: [pod('web')] });
  cs.injectError('update', 'pods', newConflict('pods', 'web', OBJECT_MODIFIED));
  const cur = await cs.pods.get('default', 'web');
  await assert.rejects(cs.pods.update({ ...cur, metadata: { ...cur.metadata, labels: { a: 'b' } } }), (e: unknown) => isConflict(e));
  const ok = await cs.pods.update({ ...cur, metadata: { ...cur.metadata, labels: { a: 'b' } } });
  assert.deepEqual(ok.metadata.labels, { a: 'b' });
  assert.deepEqual(filterActions(cs.actions(), { only: ['update'] }).length, 2);
});

test('retryOnConflict re-reads and succeeds after injected conflicts', async () => {
  const clock = new FakeClock();
  const cs = new FakeClientset({ objects: [pod('web')] });
  cs.injectError('update', 'pods', newConflict('pods', 'web', OBJECT_MODIFIED), { times: 2 });
  let attempts = 0;
  const done = retryOnConflict(async () => {
    attempts++;
    const cur = await cs.pods.get('default', 'web');
    return cs.pods.update({ ...cur, metadata: { ...cur.metadata, labels: { n: String(attempts) } } });
  }, { clock, jitter: 0 });
  for (let i = 0; i < 10 && attempts < 3; i++) {
    await new Promise<void>((r) => setImmediate(r));
    clock.step(10);
  }
  const out = await done;
  assert.equal(attempts, 3);
  assert.deepEqual(out.metadata.labels, { n: '3' });
});

test('injectError on watch fails the first iteration; the next watch works', async () => {
  const cs = new FakeClientset({ objects: [pod('web')] });
  cs.injectError('watch', 'pods', newInternalError('etcd is down'));
  const first = cs.pods.watch('', { resourceVersion: '0' })[Symbol.asyncIterator]();
  await assert.rejects(first.next(), /etcd is down/);
  const ac = new AbortController();
  const got: WatchEvent[] = [];
  for await (const ev of cs.pods.watch('', { resourceVersion: '0', signal: ac.signal })) {
    got.push(ev);
    ac.abort();
  }
  assert.equal(got[0]?.type, 'ADDED');
  assert.deepEqual(cs.actions().map((a) => a.verb), ['watch', 'watch']);
  assert.equal(cs.actions()[0]?.options?.['resourceVersion'], '0');
});

test('a reactor can answer instead of the tracker', async () => {
  const cs = new FakeClientset();
  cs.prependReactor('get', 'nodes', (a) => (a.name === 'magic' ? { object: { kind: 'Node', metadata: { name: 'magic' } } } : undefined));
  assert.equal((await cs.nodes.get('', 'magic')).metadata.name, 'magic');
  await assert.rejects(cs.nodes.get('', 'other'), (e: unknown) => isNotFound(e));
});

test('updateStatus and patch are recorded with their subresource and patch type', async () => {
  const cs = new FakeClientset({ objects: [pod('web')] });
  const cur = await cs.pods.get('default', 'web');
  await cs.pods.updateStatus({ ...cur, status: { phase: 'Running' } });
  await cs.pods.patch('default', 'web', 'application/merge-patch+json', { metadata: { labels: { x: 'y' } } });
  await cs.pods.delete('default', 'web', { gracePeriodSeconds: 0 });
  const acts = filterActions(cs.actions(), { exclude: ['get'] });
  assert.deepEqual(acts.map((a) => [a.verb, a.subresource ?? '', a.patchType ?? '']), [
    ['update', 'status', ''],
    ['patch', '', 'application/merge-patch+json'],
    ['delete', '', ''],
  ]);
  assert.deepEqual(acts[2]?.options, { gracePeriodSeconds: 0 });
  cs.clearActions();
  assert.equal(cs.actions().length, 0);
});
