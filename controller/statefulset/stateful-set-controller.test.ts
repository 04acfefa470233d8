import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { StatefulSet } from '../../shared/api/apps-v1.ts';
import type { Pod } from '../../shared/api/core-v1.ts';
import { controllerRevisionsResource, persistentVolumeClaimsResource, podsResource, statefulSetsResource } from '../../shared/client/clientset.ts';
import { newStatus, StatusError } from '../../shared/errors/status-error.ts';
import { newFixture, type Fixture } from '../framework/testing.ts';
import { rfc3339 } from '../framework/time-format.ts';
import { StatefulSetController } from './stateful-set-controller.ts';

function newSet(name: string, replicas: number, o: Partial<StatefulSet['spec']> = {}): StatefulSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      serviceName: name,
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx:1' }] } },
      podManagementPolicy: 'OrderedReady',
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
      revisionHistoryLimit: 10,
      ...o,
    },
  };
}

async function fixture(objects: StatefulSet[]): Promise<Fixture<StatefulSetController>> {
  return newFixture({ objects, resources: [statefulSetsResource, controllerRevisionsResource, persistentVolumeClaimsResource] }, (ctx) => new StatefulSetController(ctx));
}

const pods = (f: Fixture<StatefulSetController>): Pod[] =>
  (f.clientset.tracker.list(podsResource, 'default').items as Pod[]).sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));

/** What a kubelet would report: Running and Ready (since `at`). */
async function markReady(f: Fixture<StatefulSetController>, name: string, at = f.clock.now()): Promise<void> {
  if (!(await f.clientset.resource<Pod>(podsResource).get('default', name)).spec.nodeName) await f.clientset.pods.bind('default', name, 'node-1');
  const pod = await f.clientset.resource<Pod>(podsResource).get('default', name);
  pod.status = { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: rfc3339(at) }] };
  await f.clientset.resource<Pod>(podsResource).updateStatus(pod);
  await f.settle();
}

async function sync(f: Fixture<StatefulSetController>, name = 'web'): Promise<void> {
  await f.settle();
  await f.controller.reconcile(`default/${name}`, f.signal);
  await f.settle();
}

async function getSet(f: Fixture<StatefulSetController>, name = 'web'): Promise<StatefulSet> {
  return f.clientset.resource<StatefulSet>(statefulSetsResource).get('default', name);
}

test('OrderedReady creates web-0, web-1, web-2 one at a time, each after the previous is Running and Ready', async () => {
  const f = await fixture([newSet('web', 3)]);
  try {
    await sync(f);
    assert.deepEqual(pods(f).map((p) => p.metadata.name), ['web-0']);
    const p0 = pods(f)[0] as Pod;
    const set = await getSet(f);
    assert.equal(p0.metadata.labels?.['statefulset.kubernetes.io/pod-name'], 'web-0');
    assert.equal(p0.metadata.labels?.['apps.kubernetes.io/pod-index'], '0');
    assert.equal(p0.metadata.labels?.['controller-revision-hash'], set.status?.updateRevision);
    assert.match(set.status?.updateRevision ?? '', /^web-[bcdfghjklmnpqrstvwxz2456789]+$/);
    assert.equal(p0.spec.hostname, 'web-0');
    assert.equal(p0.spec.subdomain, 'web');
    assert.equal(p0.metadata.generateName, 'web-');
    assert.deepEqual(p0.metadata.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: set.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    assert.deepEqual(f.recorder.strings(), ['Normal SuccessfulCreate create Pod web-0 in StatefulSet web successful']);
    assert.equal(set.status?.replicas, 1);
    assert.equal(set.status?.observedGeneration, 1);

    // Not ready yet: nothing more.
    await sync(f);
    assert.equal(pods(f).length, 1);
    await markReady(f, 'web-0');
    await sync(f);
    assert.deepEqual(pods(f).map((p) => p.metadata.name), ['web-0', 'web-1']);
    await markReady(f, 'web-1');
    await sync(f);
    await markReady(f, 'web-2');
    await sync(f);
    const done = await getSet(f);
    assert.deepEqual(pods(f).map((p) => p.metadata.name), ['web-0', 'web-1', 'web-2']);
    assert.equal(done.status?.readyReplicas, 3);
    assert.equal(done.status?.availableReplicas, 3);
    assert.equal(done.status?.currentReplicas, 3);
    assert.equal(done.status?.updatedReplicas, 3);
    assert.equal(done.status?.currentRevision, done.status?.updateRevision);
    assert.equal(f.clientset.tracker.list(controllerRevisionsResource, 'default').items.length, 1);
  } finally {
    await f.stop();
  }
});

test('Parallel creates and deletes every pod in one sync; ordinals.start shifts the names', async () => {
  const f = await fixture([newSet('web', 3, { podManagementPolicy: 'Parallel', ordinals: { start: 5 } })]);
  try {
    await sync(f);
    assert.deepEqual(pods(f).map((p) => p.metadata.name), ['web-5', 'web-6', 'web-7']);
    assert.equal(f.recorder.strings().filter((e) => e.startsWith('Normal SuccessfulCreate')).length, 3);
    // Scale down: every condemned pod in one sync, not waiting for readiness.
    const set = await getSet(f);
    set.spec.replicas = 1;
    await f.clientset.resource<StatefulSet>(statefulSetsResource).update(set);
    f.recorder.clear();
    await sync(f);
    assert.deepEqual(f.recorder.strings().sort(), [
      'Normal SuccessfulDelete delete Pod web-6 in StatefulSet web successful',
      'Normal SuccessfulDelete delete Pod web-7 in StatefulSet web successful',
    ]);
    assert.deepEqual(pods(f).map((p) => p.metadata.name), ['web-5']);
  } finally {
    await f.stop();
  }
});

async function readySet(f: Fixture<StatefulSetController>, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    await sync(f);
    await markReady(f, `web-${i}`);
  }
  await sync(f);
}

test('scale down deletes the highest ordinal first, one at a time; a deleted pod comes back under its name', async () => {
  const f = await fixture([newSet('web', 3)]);
  try {
    await readySet(f, 3);
    f.recorder.clear();
    const set = await getSet(f);
    set.spec.replicas = 1;
    await f.clientset.resource<StatefulSet>(statefulSetsResource).update(set);
    await sync(f);
    // Graceful deletion of a running pod: it is Terminating, the controller waits for it to go.
    assert.deepEqual(f.recorder.strings(), ['Normal SuccessfulDelete delete Pod web-2 in StatefulSet web successful']);
    await sync(f);
    assert.equal(f.recorder.strings().length, 1);
    await f.clientset.resource<Pod>(podsResource).delete('default', 'web-2', { gracePeriodSeconds: 0 });
    await sync(f);
    assert.deepEqual(f.recorder.strings().slice(1), ['Normal SuccessfulDelete delete Pod web-1 in StatefulSet web successful']);
    await f.clientset.resource<Pod>(podsResource).delete('default', 'web-1', { gracePeriodSeconds: 0 });
    await sync(f);
    assert.deepEqual(pods(f).map((p) => p.metadata.name), ['web-0']);

    // A pod deleted by someone else is recreated with the same name.
    await f.clientset.resource<Pod>(podsResource).delete('default', 'web-0', { gracePeriodSeconds: 0 });
    await sync(f);
    assert.deepEqual(pods(f).map((p) => p.metadata.name), ['web-0']);
  } finally {
    await f.stop();
  }
});

test('a Failed pod is deleted and recreated under the same name', async () => {
  const f = await fixture([newSet('web', 1)]);
  try {
    await readySet(f, 1);
    const pod = await f.clientset.resource<Pod>(podsResource).get('default', 'web-0');
    const uid = pod.metadata.uid;
    pod.status = { phase: 'Failed' };
    await f.clientset.resource<Pod>(podsResource).updateStatus(pod);
    await sync(f);
    await sync(f);
    const now = pods(f);
    assert.equal(now.length, 1);
    assert.notEqual(now[0]?.metadata.uid, uid);
    assert.equal(now[0]?.metadata.name, 'web-0');
  } finally {
    await f.stop();
  }
});

test('rolling update with a partition replaces pods from the highest ordinal down to the partition', async () => {
  const f = await fixture([newSet('web', 3)]);
  try {
    await readySet(f, 3);
    const before = await getSet(f);
    const oldRev = before.status?.currentRevision;
    before.spec.template.spec = { containers: [{ name: 'c', image: 'nginx:2' }] };
    before.spec.updateStrategy = { type: 'RollingUpdate', rollingUpdate: { partition: 1 } };
    await f.clientset.resource<StatefulSet>(statefulSetsResource).update(before);
    f.recorder.clear();
    await sync(f);
    const mid = await getSet(f);
    assert.notEqual(mid.status?.updateRevision, oldRev);
    assert.equal(mid.status?.currentRevision, oldRev);
    assert.deepEqual(f.recorder.strings(), ['Normal SuccessfulDelete delete Pod web-2 in StatefulSet web successful']);
    // The terminating pod goes; its replacement comes from the new revision.
    await f.clientset.resource<Pod>(podsResource).delete('default', 'web-2', { gracePeriodSeconds: 0 });
    await sync(f);
    const web2 = pods(f).find((p) => p.metadata.name === 'web-2') as Pod;
    assert.equal(web2.spec.containers[0]?.image, 'nginx:2');
    assert.equal(web2.metadata.labels?.['controller-revision-hash'], mid.status?.updateRevision);
    await markReady(f, 'web-2');
    await sync(f);
    f.recorder.clear();
    await f.clientset.resource<Pod>(podsResource).delete('default', 'web-1', { gracePeriodSeconds: 0 });
    await sync(f);
    const web1 = pods(f).find((p) => p.metadata.name === 'web-1') as Pod;
    await markReady(f, 'web-1');
    await sync(f);
    // Partition 1: ordinals >= 1 run the update revision, web-0 keeps the current one.
    assert.equal(web1.spec.containers[0]?.image, 'nginx:2');
    const web0 = pods(f).find((p) => p.metadata.name === 'web-0') as Pod;
    assert.equal(web0.spec.containers[0]?.image, 'nginx:1');
    const partial = await getSet(f);
    assert.equal(partial.status?.updatedReplicas, 2);
    assert.equal(partial.status?.currentReplicas, 1);
    assert.equal(partial.status?.currentRevision, oldRev);

    // Partition 0: web-0 rolls too, and the update revision becomes current.
    partial.spec.updateStrategy = { type: 'RollingUpdate', rollingUpdate: { partition: 0 } };
    await f.clientset.resource<StatefulSet>(statefulSetsResource).update(partial);
    await sync(f);
    await f.clientset.resource<Pod>(podsResource).delete('default', 'web-0', { gracePeriodSeconds: 0 });
    await sync(f);
    await markReady(f, 'web-0');
    await sync(f);
    const done = await getSet(f);
    assert.equal(done.status?.updatedReplicas, 3);
    assert.equal(done.status?.currentRevision, done.status?.updateRevision);
    assert.equal(done.status?.currentReplicas, 3);
    assert.ok(pods(f).every((p) => p.spec.containers[0]?.image === 'nginx:2'));
  } finally {
    await f.stop();
  }
});

test('OnDelete leaves running pods alone; rolling back to an older template reuses its revision', async () => {
  const f = await fixture([newSet('web', 1, { updateStrategy: { type: 'OnDelete' } })]);
  try {
    await readySet(f, 1);
    const s = await getSet(f);
    const rev1 = s.status?.updateRevision;
    s.spec.template.spec = { containers: [{ name: 'c', image: 'nginx:2' }] };
    await f.clientset.resource<StatefulSet>(statefulSetsResource).update(s);
    f.recorder.clear();
    await sync(f);
    assert.deepEqual(f.recorder.strings(), []);
    const s2 = await getSet(f);
    assert.notEqual(s2.status?.updateRevision, rev1);
    s2.spec.template.spec = { containers: [{ name: 'c', image: 'nginx:1' }] };
    await f.clientset.resource<StatefulSet>(statefulSetsResource).update(s2);
    await sync(f);
    const s3 = await getSet(f);
    assert.equal(s3.status?.updateRevision, rev1);
    const revs = f.clientset.tracker.list(controllerRevisionsResource, 'default').items as { metadata: { name?: string }; revision: number }[];
    assert.equal(revs.find((r) => r.metadata.name === rev1)?.revision, 3);
  } finally {
    await f.stop();
  }
});

test('volumeClaimTemplates: the claim is created before the pod, which mounts it', async () => {
  const set = newSet('web', 1);
  set.spec.volumeClaimTemplates = [{ metadata: { name: 'www' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }];
  const f = await fixture([set]);
  try {
    await sync(f);
    const claims = f.clientset.tracker.list(persistentVolumeClaimsResource, 'default').items;
    assert.deepEqual(claims.map((c) => c.metadata.name), ['www-web-0']);
    const pod = pods(f)[0] as Pod;
    assert.deepEqual(pod.spec.volumes, [{ name: 'www', persistentVolumeClaim: { claimName: 'www-web-0' } }]);
    assert.deepEqual(f.recorder.strings(), [
      'Normal SuccessfulCreate create Claim www-web-0 Pod web-0 in StatefulSet web success',
      'Normal SuccessfulCreate create Pod web-0 in StatefulSet web successful',
    ]);
  } finally {
    await f.stop();
  }
});

test('volumeClaimTemplates on a server without PersistentVolumeClaims: Warning FailedCreate, no pod', async () => {
  const set = newSet('web', 1);
  set.spec.volumeClaimTemplates = [{ metadata: { name: 'www' }, spec: { accessModes: ['ReadWriteOnce'] } }];
  const f = await fixture([set]);
  try {
    f.clientset.injectError('get', 'persistentvolumeclaims', new StatusError(newStatus(404, 'NotFound', 'the server could not find the requested resource')));
    await f.settle();
    await assert.rejects(f.controller.reconcile('default/web', f.signal), /could not find the requested resource/);
    assert.deepEqual(pods(f), []);
    assert.deepEqual(f.recorder.strings(), ['Warning FailedCreate create Claim www-web-0 for Pod web-0 in StatefulSet web failed error: the server could not find the requested resource']);
  } finally {
    await f.stop();
  }
});
