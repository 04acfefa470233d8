import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ControllerRevision } from '../../shared/api/apps-v1.ts';
import { labelSelectorFromMeta } from '../../shared/api/labels.ts';
import { SharedInformerFactory } from '../../shared/cache/informer-factory.ts';
import { settle } from '../../shared/cache/testing.ts';
import { controllerRevisionsResource } from '../../shared/client/clientset.ts';
import { FakeClientset } from '../../shared/client/fake/clientset.ts';
import { FakeClock } from '../../shared/util/clock.ts';
import { silentLogger } from '../../shared/util/log.ts';
import {
  CONTROLLER_REVISION_HASH_LABEL,
  ControllerHistory,
  controllerRevisionName,
  equalRevision,
  findEqualRevisions,
  hashControllerRevision,
  newControllerRevision,
  revisionRaw,
  sortControllerRevisions,
} from './controller-history.ts';
import { templateOfRevision, templatePatch } from './revision-data.ts';

const KIND = { apiVersion: 'apps/v1', kind: 'StatefulSet' };
const parent = { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'web', namespace: 'default', uid: 'set-uid' } };
const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx:1' }] } };

test('newControllerRevision: <parent>-<hash> name, template labels plus the hash label, controllerRef, data', () => {
  const r = newControllerRevision(parent, KIND, template.metadata.labels, templatePatch(template), 3, 0);
  const hash = hashControllerRevision(r, 0);
  assert.equal(r.metadata.name, `web-${hash}`);
  assert.deepEqual(r.metadata.labels, { app: 'web', [CONTROLLER_REVISION_HASH_LABEL]: hash });
  assert.deepEqual(r.metadata.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'set-uid', controller: true, blockOwnerDeletion: true }]);
  assert.equal(r.revision, 3);
  assert.deepEqual(templateOfRevision(r.data), template);
  // Upstream's bytes: sorted keys, "$patch" first, the template's metadata with creationTimestamp null.
  assert.equal(revisionRaw(r), '{"spec":{"template":{"$patch":"replace","metadata":{"creationTimestamp":null,"labels":{"app":"web"}},"spec":{"containers":[{"image":"nginx:1","name":"c"}]}}}}');
  assert.equal(JSON.stringify(r.data), revisionRaw(r), 'the data object itself is in sorted key order');
  assert.deepEqual((r.data as { spec: { template: Record<string, unknown> } }).spec.template['$patch'], 'replace');
  // The collision count changes the name; the same input gives the same name.
  assert.notEqual(hashControllerRevision(r, 1), hash);
  assert.equal(newControllerRevision(parent, KIND, template.metadata.labels, templatePatch(template), 9, 0).metadata.name, r.metadata.name);
  assert.equal(controllerRevisionName('x'.repeat(300), 'abc').length, 223 + 4);
});

test('hashControllerRevision values are pinned (an upgrade must not rename existing revisions)', () => {
  const data = { metadata: { labels: { app: 'wé<b>' }, creationTimestamp: null }, spec: { containers: [{ name: 'c', image: 'nginx', command: ['sh', '-c', 'a && b'] }] } };
  assert.equal(hashControllerRevision({ data }), '69fd76966');
  assert.equal(hashControllerRevision({ data }, 2), 'c6c76598d');
});

test('equalRevision, findEqualRevisions and sortControllerRevisions', () => {
  const a = newControllerRevision(parent, KIND, {}, templatePatch(template), 1, 0);
  const b = newControllerRevision(parent, KIND, {}, templatePatch({ ...template, metadata: { labels: { app: 'other' } } }), 2, 0);
  const a2 = { ...structuredClone(a), revision: 5 };
  assert.ok(equalRevision(a, a2));
  assert.ok(!equalRevision(a, b));
  assert.deepEqual(findEqualRevisions([a, b, a2], a).map((r) => r.revision), [1, 5]);
  const c = { ...structuredClone(b), revision: 1, metadata: { ...b.metadata, name: 'web-0', creationTimestamp: '2026-01-01T00:00:00Z' } };
  const d = { ...structuredClone(b), revision: 1, metadata: { ...b.metadata, name: 'web-1', creationTimestamp: '2026-01-01T00:00:00Z' } };
  assert.deepEqual(sortControllerRevisions([a2, d, b, c]).map((r) => `${r.revision}:${r.metadata.name}`), [`1:web-0`, `1:web-1`, `2:${b.metadata.name}`, `5:${a.metadata.name}`]);
});

async function newHistory(objects: ControllerRevision[] = []) {
  const clock = new FakeClock();
  const clientset = new FakeClientset({ clock, objects, resources: [controllerRevisionsResource] });
  const factory = new SharedInformerFactory(clientset.client, { clock, log: silentLogger() });
  const informer = factory.informerFor<ControllerRevision>(controllerRevisionsResource);
  const ac = new AbortController();
  factory.start(ac.signal);
  await factory.waitForCacheSync(ac.signal);
  return { clientset, history: new ControllerHistory(clientset, informer.lister), stop: async () => { ac.abort(); await factory.shutdown(); } };
}

test('createControllerRevision: a name taken by other data bumps the collision count; by equal data returns it', async () => {
  const mine = newControllerRevision(parent, KIND, { app: 'web' }, templatePatch(template), 1, 0);
  const squatter: ControllerRevision = { ...structuredClone(mine), data: { other: true } };
  const h = await newHistory([squatter]);
  try {
    const created = await h.history.createControllerRevision(parent, mine, 0);
    assert.equal(created.collisionCount, 1);
    assert.equal(created.revision.metadata.name, `web-${hashControllerRevision(mine, 1)}`);
    const again = await h.history.createControllerRevision(parent, mine, 1);
    assert.equal(again.collisionCount, 1);
    assert.equal(again.revision.metadata.uid, created.revision.metadata.uid);
  } finally {
    await h.stop();
  }
});

test('listControllerRevisions returns owned and orphaned matching revisions; adopt, release, update, delete', async () => {
  const owned = newControllerRevision(parent, KIND, { app: 'web' }, templatePatch(template), 1, 0);
  const orphan: ControllerRevision = { ...newControllerRevision(parent, KIND, { app: 'web' }, { x: 1 }, 2, 0) };
  orphan.metadata.ownerReferences = [];
  const foreign = newControllerRevision({ ...parent, metadata: { ...parent.metadata, uid: 'other' } }, KIND, { app: 'web' }, { y: 1 }, 1, 0);
  const unrelated = newControllerRevision(parent, KIND, { app: 'db' }, { z: 1 }, 1, 0);
  const h = await newHistory([owned, orphan, foreign, unrelated]);
  try {
    const sel = labelSelectorFromMeta({ matchLabels: { app: 'web' } });
    const listed = h.history.listControllerRevisions(parent, sel).map((r) => r.metadata.name).sort();
    assert.deepEqual(listed, [owned.metadata.name, orphan.metadata.name].sort());
    const stored = await h.clientset.controllerRevisions.get('default', orphan.metadata.name ?? '');
    const adopted = await h.history.adoptControllerRevision(parent, KIND, stored);
    assert.equal(adopted.metadata.ownerReferences?.[0]?.uid, 'set-uid');
    const released = await h.history.releaseControllerRevision(parent, adopted);
    assert.deepEqual(released?.metadata.ownerReferences ?? [], []);
    const storedOwned = await h.clientset.controllerRevisions.get('default', owned.metadata.name ?? '');
    const updated = await h.history.updateControllerRevision(storedOwned, 7);
    assert.equal(updated.revision, 7);
    await h.history.deleteControllerRevision(updated);
    await h.history.deleteControllerRevision(updated);
    await assert.rejects(h.clientset.controllerRevisions.get('default', owned.metadata.name ?? ''), /not found/);
    await settle();
  } finally {
    await h.stop();
  }
});
