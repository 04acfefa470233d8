import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment, ReplicaSet, StatefulSet } from '../../shared/api/apps-v1.ts';
import type { Pod } from '../../shared/api/core-v1.ts';
import type { OwnerReference } from '../../shared/api/meta.ts';
import type { PodDisruptionBudget } from '../../shared/api/policy-v1.ts';
import { deploymentsResource, podDisruptionBudgetsResource, replicaSetsResource, statefulSetsResource } from '../../shared/client/clientset.ts';
import { newFixture, newPod, T0, type Fixture } from '../framework/testing.ts';
import { rfc3339 } from '../framework/time-format.ts';
import { DisruptionController } from './disruption-controller.ts';
import type { ScaleGetter } from './scale-getter.ts';

const ref = (kind: string, name: string, uid: string): OwnerReference => ({ apiVersion: 'apps/v1', kind, name, uid, controller: true, blockOwnerDeletion: true });

function pod(name: string, o: { ready?: boolean; owner?: OwnerReference; labels?: Record<string, string>; conditions?: Pod['status'] } = {}): Pod {
  const p = newPod('default', name, { ready: o.ready ?? true, nodeName: 'n1' });
  p.metadata.labels = o.labels ?? { app: 'web' };
  if (o.owner) p.metadata.ownerReferences = [o.owner];
  return p;
}

function pdb(spec: PodDisruptionBudget['spec'], status?: PodDisruptionBudget['status']): PodDisruptionBudget {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: 'web', namespace: 'default', generation: 1 },
    spec: { selector: { matchLabels: { app: 'web' } }, ...spec },
    ...(status ? { status } : {}),
  };
}

function replicaSet(name: string, uid: string, replicas: number, owner?: OwnerReference): ReplicaSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, namespace: 'default', uid, ...(owner ? { ownerReferences: [owner] } : {}) },
    spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
  } as ReplicaSet;
}

type Obj = Pod | PodDisruptionBudget | ReplicaSet | Deployment | StatefulSet;

/**
 * Seeds the budget, then creates the other objects in order; the fake stamps fresh uids, so each owner
 * reference is pointed at the uid its owner got.
 */
async function fixture(objects: Obj[], getScale?: ScaleGetter): Promise<Fixture<DisruptionController>> {
  const seeded = objects.filter((o) => o.kind === 'PodDisruptionBudget');
  const f = await newFixture(
    { objects: seeded, resources: [podDisruptionBudgetsResource, replicaSetsResource, deploymentsResource, statefulSetsResource] },
    (ctx) => new DisruptionController({ ...ctx, ...(getScale ? { getScale } : {}) }),
  );
  const clients = { ReplicaSet: f.clientset.replicaSets, Deployment: f.clientset.deployments, StatefulSet: f.clientset.statefulSets, Pod: f.clientset.pods } as const;
  for (const o of objects) {
    if (o.kind === 'PodDisruptionBudget') continue;
    for (const r of o.metadata.ownerReferences ?? []) {
      const client = (clients as unknown as Record<string, { get(ns: string, name: string): Promise<Obj> } | undefined>)[r.kind];
      const owner = client ? await client.get('default', r.name).catch(() => undefined) : undefined;
      if (owner) r.uid = owner.metadata.uid ?? '';
    }
    await (clients[o.kind as 'Pod'] as unknown as { create(x: Obj): Promise<unknown> }).create(o);
  }
  await f.settle();
  f.clientset.clearActions();
  return f;
}

async function statusAfterSync(f: Fixture<DisruptionController>): Promise<PodDisruptionBudget['status']> {
  await f.controller.sync('default/web');
  return ((await f.clientset.podDisruptionBudgets.get('default', 'web')) as PodDisruptionBudget).status;
}

test('minAvailable as an integer counts the selected pods; ready ones are healthy', async () => {
  const rsRef = ref('ReplicaSet', 'web-1', 'rs-uid');
  const f = await fixture([pdb({ minAvailable: 2 }), replicaSet('web-1', 'rs-uid', 3), pod('a', { owner: rsRef }), pod('b', { owner: rsRef }), pod('c', { owner: rsRef, ready: false }), pod('other', { labels: { app: 'db' } })]);
  const s = await statusAfterSync(f);
  assert.deepEqual([s?.currentHealthy, s?.desiredHealthy, s?.expectedPods, s?.disruptionsAllowed, s?.observedGeneration], [2, 2, 3, 0, 1]);
  const cond = s?.conditions?.find((c) => c.type === 'DisruptionAllowed');
  assert.deepEqual([cond?.status, cond?.reason, cond?.lastTransitionTime], ['False', 'InsufficientPods', rfc3339(T0)]);
  // Nothing changed: the next sync writes nothing.
  f.clientset.clearActions();
  await f.controller.sync('default/web');
  assert.deepEqual(f.writes(), []);
  await f.stop();
});

test('maxUnavailable scales against the Deployment behind the ReplicaSet; a percentage rounds up', async () => {
  const depRef = ref('Deployment', 'web', 'dep-uid');
  const rsRef = ref('ReplicaSet', 'web-1', 'rs-uid');
  const deployment = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default', uid: 'dep-uid' }, spec: { replicas: 4, selector: { matchLabels: { app: 'web' } }, template: { spec: { containers: [] } } } } as unknown as Deployment;
  const f = await fixture([pdb({ maxUnavailable: '25%' }), deployment, replicaSet('web-1', 'rs-uid', 4, depRef), pod('a', { owner: rsRef }), pod('b', { owner: rsRef }), pod('c', { owner: rsRef }), pod('d', { owner: rsRef })]);
  const s = await statusAfterSync(f);
  // 25% of 4 rounds up to 1 unavailable: 3 must stay healthy, 4 are, so 1 disruption.
  assert.deepEqual([s?.expectedPods, s?.desiredHealthy, s?.currentHealthy, s?.disruptionsAllowed], [4, 3, 4, 1]);
  const cond = s?.conditions?.find((c) => c.type === 'DisruptionAllowed');
  assert.deepEqual([cond?.status, cond?.reason], ['True', 'SufficientPods']);
  await f.stop();
});

test('minAvailable as a percentage against a StatefulSet', async () => {
  const ssRef = ref('StatefulSet', 'db', 'ss-uid');
  const ss = { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db', namespace: 'default', uid: 'ss-uid' }, spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, serviceName: 'db', template: { spec: { containers: [] } } } } as unknown as StatefulSet;
  const f = await fixture([pdb({ minAvailable: '50%' }), ss, pod('db-0', { owner: ssRef }), pod('db-1', { owner: ssRef })]);
  const s = await statusAfterSync(f);
  assert.deepEqual([s?.expectedPods, s?.desiredHealthy, s?.currentHealthy, s?.disruptionsAllowed], [3, 2, 2, 0]);
  await f.stop();
});

test('a pod whose controller cannot be found fails the sync safe: no disruptions, SyncFailed', async () => {
  const f = await fixture([pdb({ maxUnavailable: 1 }, { disruptionsAllowed: 3, currentHealthy: 3, desiredHealthy: 0, expectedPods: 3, observedGeneration: 1 }), pod('a', { owner: ref('ReplicaSet', 'gone', 'x') })]);
  const s = await statusAfterSync(f);
  assert.equal(s?.disruptionsAllowed, 0);
  const cond = s?.conditions?.find((c) => c.type === 'DisruptionAllowed');
  assert.deepEqual([cond?.status, cond?.reason, cond?.message], ['False', 'SyncFailed', 'found no controllers for pod "a"']);
  await f.stop();
});

test('other controller kinds count through the scale subresource getter', async () => {
  const custom: OwnerReference = { apiVersion: 'example.com/v1', kind: 'Widget', name: 'w', uid: 'w-uid', controller: true };
  const asked: string[] = [];
  const getScale: ScaleGetter = async (r, ns) => {
    asked.push(`${ns}/${r.kind}/${r.name}`);
    return r.uid === 'w-uid' ? { uid: 'w-uid', scale: 5 } : undefined;
  };
  const f = await fixture([pdb({ maxUnavailable: '20%' }), pod('a', { owner: custom }), pod('b', { owner: custom })], getScale);
  const s = await statusAfterSync(f);
  assert.deepEqual([s?.expectedPods, s?.desiredHealthy, s?.currentHealthy, s?.disruptionsAllowed], [5, 4, 2, 0]);
  assert.deepEqual(asked, ['default/Widget/w'], 'one lookup per controller');
  await f.stop();
});

test('unmanaged pods are reported and, with a percentage, expect nothing', async () => {
  const f = await fixture([pdb({ maxUnavailable: '50%' }), pod('a')]);
  const s = await statusAfterSync(f);
  assert.deepEqual([s?.expectedPods, s?.currentHealthy, s?.disruptionsAllowed], [0, 1, 0]);
  assert.ok(f.recorder.strings().some((e) => e.startsWith('Warning UnmanagedPods Pods selected by this PodDisruptionBudget')));
  await f.stop();
});

test('a granted eviction keeps the pod out of currentHealthy until it deletes or 2 minutes pass (then NotDeleted)', async () => {
  const rsRef = ref('ReplicaSet', 'web-1', 'rs-uid');
  const granted = { a: rfc3339(T0) };
  const f = await fixture([
    pdb({ minAvailable: 1 }, { disruptionsAllowed: 0, currentHealthy: 2, desiredHealthy: 1, expectedPods: 2, observedGeneration: 1, disruptedPods: granted }),
    replicaSet('web-1', 'rs-uid', 2),
    pod('a', { owner: rsRef }),
    pod('b', { owner: rsRef }),
  ]);
  const r = await f.controller.sync('default/web');
  assert.deepEqual(r, { requeueAfterMs: 120_000 }, 'recheck when the grant expires');
  let s = ((await f.clientset.podDisruptionBudgets.get('default', 'web')) as PodDisruptionBudget).status;
  assert.deepEqual([s?.currentHealthy, s?.disruptionsAllowed, s?.disruptedPods], [1, 0, granted]);
  f.clock.step(120_001);
  await f.settle();
  await f.controller.sync('default/web');
  s = ((await f.clientset.podDisruptionBudgets.get('default', 'web')) as PodDisruptionBudget).status;
  assert.deepEqual([s?.currentHealthy, s?.disruptionsAllowed, s?.disruptedPods], [2, 1, undefined]);
  assert.ok(f.recorder.strings().includes("Warning NotDeleted Pod was expected by PDB default/web to be deleted but it wasn't"));
  await f.stop();
});

test('a nil selector selects nothing; an empty one selects the namespace', async () => {
  const f = await fixture([{ ...pdb({ minAvailable: 1 }), spec: { minAvailable: 1 } }, pod('a')]);
  let s = await statusAfterSync(f);
  assert.deepEqual([s?.expectedPods, s?.currentHealthy], [0, 0]);
  await f.stop();
  const g = await fixture([{ ...pdb({ minAvailable: 1 }), spec: { minAvailable: 1, selector: {} } }, pod('a'), pod('b', { labels: { x: 'y' } })]);
  s = await statusAfterSync(g);
  assert.deepEqual([s?.expectedPods, s?.currentHealthy, s?.disruptionsAllowed], [2, 2, 1]);
  await g.stop();
});

test('a DisruptionTarget condition left on a running pod is reset to False after 2 minutes', async () => {
  const p = pod('a');
  p.status = { ...p.status, conditions: [...(p.status?.conditions ?? []), { type: 'DisruptionTarget', status: 'True', reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting', lastTransitionTime: rfc3339(T0) }] };
  const f = await fixture([p]);
  f.clock.step(60_000);
  assert.deepEqual(await f.controller.syncStalePodDisruption('default/a'), { requeueAfterMs: 60_000 });
  assert.deepEqual(f.writes(), []);
  f.clock.step(60_000);
  await f.controller.syncStalePodDisruption('default/a');
  assert.deepEqual(f.writes(), ['patch pods/status a']);
  const cond = ((await f.clientset.pods.get('default', 'a')) as Pod).status?.conditions?.find((c) => c.type === 'DisruptionTarget');
  assert.equal(cond?.status, 'False');
  await f.stop();
});
