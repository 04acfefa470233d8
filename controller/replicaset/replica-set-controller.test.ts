import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ReplicaSet } from '../../shared/api/apps-v1.ts';
import type { Pod } from '../../shared/api/core-v1.ts';
import { podsResource, replicaSetsResource } from '../../shared/client/clientset.ts';
import { newForbidden } from '../../shared/errors/status-error.ts';
import { gateWatch, newFixture, T0, type Fixture, type WatchGate } from '../framework/testing.ts';
import { rfc3339 } from '../framework/time-format.ts';
import { getControllerOf } from '../framework/controller-ref-manager.ts';
import { ReplicaSetController } from './replica-set-controller.ts';

function rs(name: string, replicas: number, o: { minReadySeconds?: number } = {}): ReplicaSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas,
      ...(o.minReadySeconds ? { minReadySeconds: o.minReadySeconds } : {}),
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name, tier: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
    },
  };
}

let gate: WatchGate;

async function fixture(objects: (ReplicaSet | Pod)[], burstReplicas?: number): Promise<Fixture<ReplicaSetController>> {
  return newFixture({ objects, resources: [replicaSetsResource] }, (ctx) => {
    gate = gateWatch(ctx.clientset, podsResource);
    return new ReplicaSetController({ ...ctx, ...(burstReplicas ? { burstReplicas } : {}) });
  });
}

async function stop(f: Fixture<ReplicaSetController>): Promise<void> {
  const done = f.stop();
  gate.close();
  await done;
}

const podsOf = async (f: Fixture<ReplicaSetController>) => (await f.clientset.pods.list('default')).items as Pod[];

test('a ReplicaSet gets its pods in slow-start batches, owned and labelled, then waits for the informer (expectations)', async () => {
  const f = await fixture([rs('web', 7)]);
  gate.pause();
  await f.controller.syncReplicaSet('default/web', f.signal);
  const creates = f.writeActions().filter((a) => a.verb === 'create' && a.resource === 'pods');
  assert.equal(creates.length, 7);
  for (const c of creates) {
    assert.equal(c.object?.metadata?.generateName, 'web-');
    assert.deepEqual(c.object?.metadata?.labels, { app: 'web', tier: 'web' });
    assert.equal(getControllerOf(c.object as Pod)?.kind, 'ReplicaSet');
  }
  assert.deepEqual(f.recorder.strings().filter((s) => s.startsWith('Normal SuccessfulCreate')).length, 7);
  const status = f.writeActions().find((a) => a.subresource === 'status');
  assert.deepEqual((status?.object as ReplicaSet).status, { replicas: 0, observedGeneration: 1 });
  // The watch has not delivered the pods yet: a second sync must not create more.
  f.clientset.clearActions();
  assert.equal(f.controller.expectations.satisfiedExpectations('default/web'), false);
  await f.controller.syncReplicaSet('default/web', f.signal);
  assert.equal(f.writeActions().filter((a) => a.verb === 'create').length, 0);
  // Once the informer saw them all, the sync is satisfied and counts them.
  gate.resume();
  await f.settle();
  assert.equal(f.controller.expectations.satisfiedExpectations('default/web'), true);
  f.clientset.clearActions();
  await f.controller.syncReplicaSet('default/web', f.signal);
  assert.deepEqual(f.writes(), ['update replicasets/status web']);
  assert.equal(((f.writeActions()[0]?.object) as ReplicaSet).status?.replicas, 7);
  await stop(f);
});

test('burstReplicas bounds one sync; a failed create stops the batch, sets ReplicaFailure and FailedCreate, and is not expected', async () => {
  const f = await fixture([rs('web', 10)], 4);
  await f.controller.syncReplicaSet('default/web', f.signal);
  assert.equal(f.writeActions().filter((a) => a.verb === 'create').length, 4);
  await f.settle();
  f.clientset.clearActions();
  gate.pause();
  let n = 0;
  f.clientset.prependReactor('create', 'pods', () => {
    if (++n === 2) throw newForbidden('pods', '', 'exceeded quota: compute-resources, requested: pods=1, used: pods=5, limited: pods=5');
    return undefined;
  });
  await assert.rejects(f.controller.syncReplicaSet('default/web', f.signal), /exceeded quota/);
  // batches 1 then 2: the second call failed, the third succeeded; the rest were never tried.
  assert.equal(f.writeActions().filter((a) => a.verb === 'create').length, 3);
  const exp = f.controller.expectations.getExpectations('default/web');
  assert.equal(exp?.add, 2, 'only the two successful creates are still expected');
  const st = (f.writeActions().find((a) => a.subresource === 'status')?.object as ReplicaSet).status;
  assert.equal(st?.conditions?.[0]?.type, 'ReplicaFailure');
  assert.equal(st?.conditions?.[0]?.reason, 'FailedCreate');
  assert.match(st?.conditions?.[0]?.message ?? '', /pods is forbidden: exceeded quota/);
  assert.ok(f.recorder.strings().some((s) => s.startsWith('Warning FailedCreate Error creating: pods is forbidden: exceeded quota')));
  gate.resume();
  await stop(f);
});

test('scale down deletes the surplus in ranking order (not ready and unscheduled first) and tracks the deletions by key', async () => {
  const f = await fixture([rs('web', 4)]);
  await f.controller.syncReplicaSet('default/web', f.signal);
  await f.settle();
  const pods = await podsOf(f);
  // Make two pods bound and ready, one bound not ready, one left unscheduled.
  const [a, b, c] = pods as [Pod, Pod, Pod, Pod];
  for (const p of [a, b]) {
    p.spec.nodeName = 'n1';
    await f.clientset.pods.update(p);
    const fresh = await f.clientset.pods.get('default', p.metadata.name ?? '') as Pod;
    fresh.status = { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: rfc3339(T0) }] };
    await f.clientset.pods.updateStatus(fresh);
  }
  c.spec.nodeName = 'n2';
  await f.clientset.pods.update(c);
  const rsNow = await f.clientset.replicaSets.get('default', 'web');
  rsNow.spec.replicas = 2;
  await f.clientset.replicaSets.update(rsNow);
  await f.settle();
  f.clientset.clearActions();
  f.recorder.clear();
  gate.pause();
  await f.controller.syncReplicaSet('default/web', f.signal);
  const deleted = f.writeActions().filter((a) => a.verb === 'delete').map((a) => a.name).sort();
  assert.deepEqual(deleted, [c.metadata.name, (pods[3] as Pod).metadata.name].sort());
  assert.deepEqual(new Set(f.controller.expectations.getUIDs('default/web')), new Set(deleted.map((n) => `default/${n}`)));
  assert.equal(f.recorder.strings().filter((s) => s.startsWith('Normal SuccessfulDelete Deleted pod: web-')).length, 2);
  assert.equal(f.controller.expectations.satisfiedExpectations('default/web'), false);
  gate.resume();
  await f.settle();
  assert.equal(f.controller.expectations.satisfiedExpectations('default/web'), true);
  await stop(f);
});

test('orphans matching the selector are adopted; pods whose labels stopped matching are released and replaced', async () => {
  const orphan: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'hand-made', namespace: 'default', labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'x' }] }, status: { phase: 'Running' } };
  const f = await fixture([rs('web', 2), orphan]);
  await f.controller.syncReplicaSet('default/web', f.signal);
  assert.deepEqual(f.writes().filter((w) => !w.startsWith('update')), ['patch pods hand-made', 'create pods ']);
  await f.settle();
  const adopted = await f.clientset.pods.get('default', 'hand-made');
  assert.equal(getControllerOf(adopted)?.name, 'web');
  // Relabel it: the next sync releases it and creates a replacement.
  const p = adopted as Pod;
  p.metadata.labels = { app: 'other' };
  await f.clientset.pods.update(p);
  await f.settle();
  f.clientset.clearActions();
  await f.controller.syncReplicaSet('default/web', f.signal);
  assert.deepEqual(f.writes().filter((w) => !w.startsWith('update')), ['patch pods hand-made', 'create pods ']);
  assert.equal(getControllerOf(await f.clientset.pods.get('default', 'hand-made')), undefined);
  await stop(f);
});

test('status counts ready and available pods (minReadySeconds) and asks to look again when ready but not yet available', async () => {
  const f = await fixture([rs('web', 2, { minReadySeconds: 10 })]);
  await f.controller.syncReplicaSet('default/web', f.signal);
  await f.settle();
  for (const p of await podsOf(f)) {
    p.status = { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: rfc3339(f.clock.now()) }] };
    await f.clientset.pods.updateStatus(p);
  }
  await f.settle();
  const r = await f.controller.syncReplicaSet('default/web', f.signal);
  assert.deepEqual(r, { requeueAfterMs: 10_000 });
  let got = await f.clientset.replicaSets.get('default', 'web');
  assert.deepEqual(got.status, { replicas: 2, fullyLabeledReplicas: 2, readyReplicas: 2, observedGeneration: 1 });
  f.clock.step(11_000);
  assert.deepEqual(await f.controller.syncReplicaSet('default/web', f.signal), {});
  got = await f.clientset.replicaSets.get('default', 'web');
  assert.equal(got.status?.availableReplicas, 2);
  await stop(f);
});
