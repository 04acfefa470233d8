import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ReplicaSet } from '../../shared/api/apps-v1.ts';
import type { Pod } from '../../shared/api/core-v1.ts';
import { labelSelectorFromMeta } from '../../shared/api/labels.ts';
import { replicaSetsResource } from '../../shared/client/clientset.ts';
import { FakeClientset } from '../../shared/client/fake/clientset.ts';
import { newNotFound } from '../../shared/errors/status-error.ts';
import { FakeClock } from '../../shared/util/clock.ts';
import { ClaimError, ControllerRefManager, freshOwner, getControllerOf, recheckDeletionTimestamp } from './controller-ref-manager.ts';
import { isPodActive } from './pod-control.ts';

const RS_KIND = { apiVersion: 'apps/v1', kind: 'ReplicaSet' };

function rs(name: string, uid: string): ReplicaSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, namespace: 'default', uid },
    spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
  };
}

function pod(name: string, labels: Record<string, string>, owner?: { uid: string; name: string }): Pod {
  const p: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', labels }, spec: { containers: [{ name: 'c', image: 'nginx' }] }, status: { phase: 'Running' } };
  if (owner) p.metadata.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: owner.name, uid: owner.uid, controller: true, blockOwnerDeletion: true }];
  return p;
}

async function setup(objects: (Pod | ReplicaSet)[]) {
  const clock = new FakeClock();
  const cs = new FakeClientset({ clock, resources: [replicaSetsResource] });
  // The tracker stamps its own uids: point the pods' 'rs-uid' references at the seeded ReplicaSet.
  const owner = cs.fake.seed(objects.find((o) => o.kind === 'ReplicaSet') as ReplicaSet) as ReplicaSet;
  for (const o of objects) {
    if (o.kind === 'ReplicaSet') continue;
    for (const r of o.metadata.ownerReferences ?? []) if (r.uid === 'rs-uid') r.uid = owner.metadata.uid ?? '';
    cs.fake.seed(o);
  }
  const pods = (await cs.pods.list('default')).items as Pod[];
  cs.clearActions();
  const cm = new ControllerRefManager<Pod>({
    controller: owner,
    controllerKind: RS_KIND,
    selector: labelSelectorFromMeta(owner.spec.selector),
    client: cs.pods as never,
    canAdopt: recheckDeletionTimestamp(freshOwner(cs.replicaSets, owner, 'ReplicaSet')),
  });
  return { cs, owner, pods, cm };
}

test('claim keeps owned matching pods, adopts matching orphans, releases non-matching owned ones, ignores others', async () => {
  const { cs, owner, pods, cm } = await setup([
    rs('web', 'rs-uid'),
    pod('mine', { app: 'web' }, { uid: 'rs-uid', name: 'web' }),
    pod('orphan', { app: 'web' }),
    pod('stray', { app: 'db' }, { uid: 'rs-uid', name: 'web' }),
    pod('theirs', { app: 'web' }, { uid: 'other-uid', name: 'other' }),
    pod('unrelated', { app: 'db' }),
  ]);
  const claimed = await cm.claim(pods);
  assert.deepEqual(claimed.map((p) => p.metadata.name).sort(), ['mine', 'orphan']);
  const writes = cs.actions().filter((a) => a.verb === 'patch');
  assert.deepEqual(writes.map((a) => `${a.name} ${a.patchType}`).sort(), ['orphan application/strategic-merge-patch+json', 'stray application/strategic-merge-patch+json']);
  const orphanUid = pods.find((p) => p.metadata.name === 'orphan')?.metadata.uid;
  assert.deepEqual(writes.find((a) => a.name === 'orphan')?.patch, {
    metadata: { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: owner.metadata.uid, controller: true, blockOwnerDeletion: true }], uid: orphanUid },
  });
  const strayUid = pods.find((p) => p.metadata.name === 'stray')?.metadata.uid;
  assert.deepEqual(writes.find((a) => a.name === 'stray')?.patch, { metadata: { uid: strayUid, ownerReferences: [{ $patch: 'delete', uid: owner.metadata.uid }] } });
  // The fresh GET happened once, before the adoption.
  assert.equal(cs.actions().filter((a) => a.verb === 'get' && a.resource === 'replicasets').length, 1);
  const adopted = await cs.pods.get('default', 'orphan');
  assert.equal(getControllerOf(adopted)?.uid, owner.metadata.uid);
  const released = await cs.pods.get('default', 'stray');
  assert.equal(getControllerOf(released), undefined);
});

test('filters restrict matching: an owned pod failing the filter is released, a terminating orphan is not adopted', async () => {
  const { cs, pods, cm } = await setup([rs('web', 'rs-uid'), pod('done', { app: 'web' }, { uid: 'rs-uid', name: 'web' })]);
  const done = { ...(pods[0] as Pod), status: { phase: 'Succeeded' as const } };
  const terminating: Pod = { ...pod('bye', { app: 'web' }), metadata: { ...pod('bye', { app: 'web' }).metadata, deletionTimestamp: '2026-01-01T00:00:00Z' } };
  const claimed = await cm.claim([done, terminating], [isPodActive]);
  assert.deepEqual(claimed, []);
  assert.deepEqual(cs.actions().filter((a) => a.verb === 'patch').map((a) => a.name), ['done']);
});

test('no adoption when the fresh GET shows a different uid or a deletionTimestamp; the error says why', async () => {
  const { cs, pods, cm } = await setup([rs('web', 'rs-uid'), pod('orphan', { app: 'web' })]);
  // The ReplicaSet was deleted and recreated under the same name.
  const live = await cs.replicaSets.get('default', 'web');
  await cs.replicaSets.delete('default', 'web');
  await cs.replicaSets.create({ ...live, metadata: { name: 'web', namespace: 'default' } });
  await assert.rejects(cm.claim(pods), (err: unknown) => {
    assert.ok(err instanceof ClaimError);
    assert.match(err.message, /^can't adopt Pod default\/orphan \(.+\): original ReplicaSet default\/web is gone: got uid .+, wanted .+$/);
    assert.deepEqual(err.claimed, []);
    return true;
  });
  assert.equal(cs.actions().filter((a) => a.verb === 'patch').length, 0);

  const deleting = await setup([rs('web', 'rs-uid'), pod('orphan', { app: 'web' })]);
  deleting.cs.prependReactor('get', 'replicasets', () => ({ object: { ...deleting.owner, metadata: { ...deleting.owner.metadata, deletionTimestamp: '2026-01-01T00:00:09Z' } } }));
  await assert.rejects(deleting.cm.claim(deleting.pods), /has just been deleted at 2026-01-01T00:00:09Z/);
});

test('a controller being deleted neither adopts nor releases; a pod gone meanwhile (NotFound) is skipped', async () => {
  const { cs, owner, pods } = await setup([rs('web', 'rs-uid'), pod('orphan', { app: 'web' }), pod('stray', { app: 'db' }, { uid: 'rs-uid', name: 'web' })]);
  const dying = { ...owner, metadata: { ...owner.metadata, deletionTimestamp: '2026-01-01T00:00:00Z' } };
  const cm = new ControllerRefManager<Pod>({ controller: dying, controllerKind: RS_KIND, selector: labelSelectorFromMeta(owner.spec.selector), client: cs.pods as never, canAdopt: async () => undefined });
  assert.deepEqual(await cm.claim(pods), []);
  assert.equal(cs.actions().filter((a) => a.verb === 'patch').length, 0);

  const cm2 = new ControllerRefManager<Pod>({ controller: owner, controllerKind: RS_KIND, selector: labelSelectorFromMeta(owner.spec.selector), client: cs.pods as never, canAdopt: async () => undefined });
  cs.injectError('patch', 'pods', newNotFound('pods', 'orphan'));
  const claimed = await cm2.claim(pods.filter((p) => p.metadata.name === 'orphan'));
  assert.deepEqual(claimed, []);
});
