import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment, ReplicaSet } from '../../shared/api/apps-v1.ts';
import type { Pod } from '../../shared/api/core-v1.ts';
import { deploymentsResource, replicaSetsResource } from '../../shared/client/clientset.ts';
import { newFixture, type Fixture } from '../framework/testing.ts';
import { getControllerOf } from '../framework/controller-ref-manager.ts';
import { DeploymentController } from './deployment-controller.ts';
import { podTemplateHash } from './deployment-util.ts';

const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx:1.25' }] } };

function deployment(o: { replicas?: number; strategy?: Deployment['spec']['strategy']; progressDeadlineSeconds?: number } = {}): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      replicas: o.replicas ?? 3,
      selector: { matchLabels: { app: 'web' } },
      template,
      strategy: o.strategy ?? { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: o.progressDeadlineSeconds ?? 600,
    },
  };
}

function fixture(objects: (Deployment | ReplicaSet | Pod)[]): Promise<Fixture<DeploymentController>> {
  return newFixture({ objects, resources: [deploymentsResource, replicaSetsResource] }, (ctx) => new DeploymentController(ctx));
}

const rsList = async (f: Fixture<DeploymentController>) => (await f.clientset.replicaSets.list('default')).items;

/** Plays the ReplicaSet controller: every ReplicaSet reports its spec.replicas as ready and available. */
async function settleReplicaSets(f: Fixture<DeploymentController>): Promise<void> {
  for (const rs of await rsList(f)) {
    const n = rs.spec.replicas ?? 1;
    rs.status = { replicas: n, readyReplicas: n, availableReplicas: n, fullyLabeledReplicas: n, observedGeneration: rs.metadata.generation ?? 1 };
    await f.clientset.replicaSets.updateStatus(rs);
  }
  await f.settle();
}

test('a new Deployment gets <name>-<hash> with the hash label, revision 1, its controllerRef, and NewReplicaSetCreated', async () => {
  const f = await fixture([deployment()]);
  await f.controller.syncDeployment('default/web', f.signal);
  const [rs] = await rsList(f);
  const hash = podTemplateHash(template);
  assert.equal(rs?.metadata.name, `web-${hash}`);
  assert.deepEqual(rs?.spec.selector.matchLabels, { app: 'web', 'pod-template-hash': hash });
  assert.deepEqual(rs?.spec.template?.metadata?.labels, { app: 'web', 'pod-template-hash': hash });
  assert.equal(rs?.spec.replicas, 3);
  assert.deepEqual(rs?.metadata.annotations, { 'deployment.kubernetes.io/revision': '1', 'deployment.kubernetes.io/desired-replicas': '3', 'deployment.kubernetes.io/max-replicas': '4' });
  assert.equal(getControllerOf(rs as ReplicaSet)?.kind, 'Deployment');
  assert.deepEqual(f.recorder.strings(), [`Normal ScalingReplicaSet Scaled up replica set web-${hash} to 3`]);
  // The revision annotation travels with the status update (the status strategy keeps metadata.annotations;
  // the fake's status subresource does not, so look at what was sent).
  const sent = f.writeActions().filter((a) => a.resource === 'deployments' && a.subresource === 'status').at(-1)?.object as Deployment;
  assert.equal(sent.metadata.annotations?.['deployment.kubernetes.io/revision'], '1');
  const d = await f.clientset.deployments.get('default', 'web');
  const prog = d.status?.conditions?.find((c) => c.type === 'Progressing');
  assert.equal(`${prog?.status}/${prog?.reason}/${prog?.message}`, `True/NewReplicaSetCreated/Created new replica set "web-${hash}"`);
  await f.stop();
});

test('a rolling update honours maxSurge and maxUnavailable step by step, then completes with NewReplicaSetAvailable', async () => {
  const f = await fixture([deployment({ replicas: 4, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } } })]);
  await f.controller.syncDeployment('default/web', f.signal);
  await f.settle();
  await settleReplicaSets(f);
  await f.controller.syncDeployment('default/web', f.signal);
  await f.settle();
  // New template.
  const d = await f.clientset.deployments.get('default', 'web');
  d.spec.template = { ...template, spec: { containers: [{ name: 'c', image: 'nginx:1.26' }] } };
  await f.clientset.deployments.update(d);
  await f.settle();
  const sizes = async () => {
    const all = await rsList(f);
    const byImage = (img: string) => all.find((r) => r.spec.template?.spec?.containers[0]?.image === img)?.spec.replicas ?? 0;
    return [byImage('nginx:1.25'), byImage('nginx:1.26')];
  };
  const seen: number[][] = [];
  for (let i = 0; i < 12; i++) {
    await f.controller.syncDeployment('default/web', f.signal);
    await f.settle();
    const s = await sizes();
    seen.push(s);
    // Never more than replicas + maxSurge pods asked for, never fewer than replicas - maxUnavailable available.
    assert.ok((s[0] ?? 0) + (s[1] ?? 0) <= 5, `surge bound: ${JSON.stringify(seen)}`);
    await settleReplicaSets(f);
  }
  assert.deepEqual(seen.at(-1), [0, 4], JSON.stringify(seen));
  // First sync: one new replica (surge 1) and, the old ones being all available, one old one down (unavailable 1).
  assert.deepEqual(seen[0], [3, 1]);
  const done = await f.clientset.deployments.get('default', 'web');
  const sent = f.writeActions().filter((a) => a.resource === 'deployments' && a.subresource === 'status').at(-1)?.object as Deployment;
  assert.equal(sent.metadata.annotations?.['deployment.kubernetes.io/revision'], '2');
  const prog = done.status?.conditions?.find((c) => c.type === 'Progressing');
  assert.equal(prog?.reason, 'NewReplicaSetAvailable');
  assert.deepEqual(
    { replicas: done.status?.replicas, updated: done.status?.updatedReplicas, available: done.status?.availableReplicas },
    { replicas: 4, updated: 4, available: 4 },
  );
  assert.ok(f.recorder.strings().some((s) => /^Normal ScalingReplicaSet Scaled down replica set web-\w+ to 3 from 4$/.test(s)));
  await f.stop();
});

test('scaling in the middle of a rollout spreads the new replicas proportionally over the active ReplicaSets', async () => {
  const f = await fixture([deployment({ replicas: 10, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 3, maxUnavailable: 0 } } })]);
  await f.controller.syncDeployment('default/web', f.signal);
  await f.settle();
  await settleReplicaSets(f);
  const d = await f.clientset.deployments.get('default', 'web');
  d.spec.template = { ...template, spec: { containers: [{ name: 'c', image: 'nginx:1.26' }] } };
  await f.clientset.deployments.update(d);
  await f.settle();
  await f.controller.syncDeployment('default/web', f.signal); // new RS at 3, old at 10: 13 = max
  await f.settle();
  const scaled = await f.clientset.deployments.get('default', 'web');
  scaled.spec.replicas = 20;
  await f.clientset.deployments.update(scaled);
  await f.settle();
  await f.controller.syncDeployment('default/web', f.signal);
  await f.settle();
  const all = await rsList(f);
  const oldRS = all.find((r) => r.spec.template?.spec?.containers[0]?.image === 'nginx:1.25');
  const newRS = all.find((r) => r.spec.template?.spec?.containers[0]?.image === 'nginx:1.26');
  // 13 -> 23 allowed: +10 split 10:3 of the old max 13 -> old 10 + 8 = 18, new 3 + 2 = 5.
  assert.equal(oldRS?.spec.replicas, 18);
  assert.equal(newRS?.spec.replicas, 5);
  assert.equal(oldRS?.metadata.annotations?.['deployment.kubernetes.io/desired-replicas'], '20');
  assert.equal(newRS?.metadata.annotations?.['deployment.kubernetes.io/max-replicas'], '23');
  await f.stop();
});

test('Recreate scales the old ReplicaSet to 0 and creates the new one only once the old pods are gone', async () => {
  const f = await fixture([deployment({ replicas: 2, strategy: { type: 'Recreate' } })]);
  await f.controller.syncDeployment('default/web', f.signal);
  await f.settle();
  await settleReplicaSets(f);
  const [oldRS] = await rsList(f);
  // One old pod still running.
  await f.clientset.pods.create({
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'old-1', namespace: 'default', labels: { ...(oldRS?.spec.template?.metadata?.labels ?? {}) }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: oldRS?.metadata.name ?? '', uid: oldRS?.metadata.uid ?? '', controller: true, blockOwnerDeletion: true }] },
    spec: { containers: [{ name: 'c', image: 'nginx:1.25' }] }, status: { phase: 'Running' },
  } as Pod);
  const d = await f.clientset.deployments.get('default', 'web');
  d.spec.template = { ...template, spec: { containers: [{ name: 'c', image: 'nginx:1.26' }] } };
  await f.clientset.deployments.update(d);
  await f.settle();
  await f.controller.syncDeployment('default/web', f.signal);
  await f.settle();
  assert.equal((await f.clientset.replicaSets.get('default', oldRS?.metadata.name ?? '')).spec.replicas, 0);
  await settleReplicaSets(f);
  await f.controller.syncDeployment('default/web', f.signal);
  await f.settle();
  assert.equal((await rsList(f)).length, 1, 'no new ReplicaSet while an old pod runs');
  await f.clientset.pods.delete('default', 'old-1');
  await f.settle();
  await f.controller.syncDeployment('default/web', f.signal);
  await f.settle();
  const all = await rsList(f);
  assert.equal(all.length, 2);
  assert.equal(all.find((r) => r.metadata.name !== oldRS?.metadata.name)?.spec.replicas, 2);
  await f.stop();
});

test('revisionHistoryLimit deletes the oldest scaled-down ReplicaSets once the rollout completed', async () => {
  const d0 = deployment({ replicas: 1, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } });
  d0.spec.revisionHistoryLimit = 1;
  const f = await fixture([d0]);
  for (const image of ['nginx:1', 'nginx:2', 'nginx:3']) {
    const d = await f.clientset.deployments.get('default', 'web');
    d.spec.template = { ...template, spec: { containers: [{ name: 'c', image }] } };
    await f.clientset.deployments.update(d);
    await f.settle();
    for (let i = 0; i < 6; i++) {
      await f.controller.syncDeployment('default/web', f.signal);
      await f.settle();
      await settleReplicaSets(f);
    }
  }
  const images = (await rsList(f)).map((r) => r.spec.template?.spec?.containers[0]?.image).sort();
  assert.deepEqual(images, ['nginx:2', 'nginx:3']);
  await f.stop();
});

test('no progress for progressDeadlineSeconds: Progressing False/ProgressDeadlineExceeded, with a requeue for the deadline before', async () => {
  const f = await fixture([deployment({ replicas: 2, progressDeadlineSeconds: 30 })]);
  await f.controller.syncDeployment('default/web', f.signal);
  await f.settle();
  const [rs] = await rsList(f);
  // The pods never become available; a resync before the deadline asks to look again at the deadline.
  f.clock.step(10_000);
  const early = await f.controller.syncDeployment('default/web', f.signal);
  assert.deepEqual(early, { requeueAfterMs: 21_000 });
  f.clock.step(21_000);
  await f.controller.syncDeployment('default/web', f.signal);
  await f.settle();
  const d = await f.clientset.deployments.get('default', 'web');
  const prog = d.status?.conditions?.find((c) => c.type === 'Progressing');
  assert.equal(`${prog?.status}/${prog?.reason}/${prog?.message}`, `False/ProgressDeadlineExceeded/ReplicaSet "${rs?.metadata.name}" has timed out progressing.`);
  const avail = d.status?.conditions?.find((c) => c.type === 'Available');
  assert.equal(`${avail?.status}/${avail?.reason}/${avail?.message}`, 'False/MinimumReplicasUnavailable/Deployment does not have minimum availability.');
  // Once timed out, no more requeues for it.
  assert.deepEqual(await f.controller.syncDeployment('default/web', f.signal), {});
  await f.stop();
});

test('pausing sets Progressing Unknown/DeploymentPaused and a paused Deployment creates no new ReplicaSet; resuming says DeploymentResumed', async () => {
  const f = await fixture([deployment({ replicas: 2 })]);
  await f.controller.syncDeployment('default/web', f.signal);
  await f.settle();
  const d = await f.clientset.deployments.get('default', 'web');
  d.spec.paused = true;
  d.spec.template = { ...template, spec: { containers: [{ name: 'c', image: 'nginx:1.26' }] } };
  await f.clientset.deployments.update(d);
  await f.settle();
  await f.controller.syncDeployment('default/web', f.signal);
  await f.settle();
  let got = await f.clientset.deployments.get('default', 'web');
  let prog = got.status?.conditions?.find((c) => c.type === 'Progressing');
  assert.equal(`${prog?.status}/${prog?.reason}/${prog?.message}`, 'Unknown/DeploymentPaused/Deployment is paused');
  assert.equal((await rsList(f)).length, 1);
  got.spec.paused = false;
  await f.clientset.deployments.update(got);
  await f.settle();
  await f.controller.syncDeployment('default/web', f.signal);
  await f.settle();
  assert.equal((await rsList(f)).length, 2);
  assert.ok(f.writeActions().some((a) => a.subresource === 'status' && (a.object as Deployment).status?.conditions?.some((c) => c.reason === 'DeploymentResumed' && c.message === 'Deployment is resumed')));
  got = await f.clientset.deployments.get('default', 'web');
  prog = got.status?.conditions?.find((c) => c.type === 'Progressing');
  assert.equal(prog?.reason, 'NewReplicaSetCreated');
  await f.stop();
});
