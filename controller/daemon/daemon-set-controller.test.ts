import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DaemonSet } from '../../shared/api/apps-v1.ts';
import type { Node, Pod } from '../../shared/api/core-v1.ts';
import { controllerRevisionsResource, daemonSetsResource, nodesResource, podsResource } from '../../shared/client/clientset.ts';
import { gateWatch, newFixture, newNode, type Fixture, type WatchGate } from '../framework/testing.ts';
import { rfc3339 } from '../framework/time-format.ts';
import { DaemonSetController } from './daemon-set-controller.ts';
import { getTargetNodeName, nodeShouldRunDaemonPod } from './daemon-set-utils.ts';

function newDs(o: Partial<DaemonSet['spec']> = {}): DaemonSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'agent', namespace: 'default' },
    spec: {
      selector: { matchLabels: { app: 'agent' } },
      template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'c', image: 'agent:1' }] } },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
      revisionHistoryLimit: 10,
      ...o,
    },
  };
}

type F = Fixture<DaemonSetController>;

let gate: WatchGate;

async function fixture(objects: (DaemonSet | Node)[]): Promise<F> {
  const f = await newFixture({ objects, resources: [daemonSetsResource, controllerRevisionsResource] }, (ctx) => {
    gate = gateWatch(ctx.clientset, podsResource);
    return new DaemonSetController(ctx);
  });
  const stop = f.stop;
  f.stop = async () => {
    const done = stop();
    gate.close();
    await done;
  };
  return f;
}

const pods = (f: F): Pod[] => (f.clientset.tracker.list(podsResource, 'default').items as Pod[]);
const podsByNode = (f: F): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const p of pods(f)) {
    const n = getTargetNodeName(p) ?? '?';
    out[n] = (out[n] ?? 0) + 1;
  }
  return out;
};

async function sync(f: F): Promise<void> {
  await f.settle();
  await f.controller.reconcile('default/agent', f.signal);
  await f.settle();
}

/** The scheduler and the kubelet: bind every pod to its pinned node and report it Running and Ready. */
async function runAll(f: F): Promise<void> {
  const client = f.clientset.resource<Pod>(podsResource);
  for (const p of pods(f)) {
    if (p.metadata.deletionTimestamp) continue;
    if (!p.spec.nodeName) await f.clientset.pods.bind('default', p.metadata.name ?? '', getTargetNodeName(p) ?? '');
    const fresh = await client.get('default', p.metadata.name ?? '');
    if (fresh.status?.phase === 'Running') continue;
    fresh.status = { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: rfc3339(f.clock.now()) }] };
    await client.updateStatus(fresh);
  }
  await f.settle();
}

async function getDs(f: F): Promise<DaemonSet> {
  return f.clientset.resource<DaemonSet>(daemonSetsResource).get('default', 'agent');
}

test('one pod per node, pinned with matchFields metadata.name, labelled and tolerating what daemon pods tolerate', async () => {
  const f = await fixture([newDs(), newNode('n1', { ready: 'True' }), newNode('n2', { ready: 'True' }), newNode('n3', { ready: 'True' })]);
  try {
    await sync(f);
    assert.deepEqual(podsByNode(f), { n1: 1, n2: 1, n3: 1 });
    const ds = await getDs(f);
    const pod = pods(f).find((p) => getTargetNodeName(p) === 'n1') as Pod;
    assert.deepEqual(pod.spec.affinity, { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }] } } });
    assert.equal(pod.spec.nodeName, undefined, 'binding is left to the scheduler');
    assert.equal(pod.metadata.labels?.['pod-template-generation'], '1');
    const revs = f.clientset.tracker.list(controllerRevisionsResource, 'default').items;
    assert.equal(revs.length, 1);
    assert.equal(revs[0]?.metadata.name, `agent-${pod.metadata.labels?.['controller-revision-hash']}`);
    assert.match(pod.metadata.generateName ?? '', /^agent-$/);
    assert.deepEqual(pod.spec.tolerations?.map((t) => `${t.key}:${t.operator}:${t.effect}`), [
      'node.kubernetes.io/not-ready:Exists:NoExecute',
      'node.kubernetes.io/unreachable:Exists:NoExecute',
      'node.kubernetes.io/disk-pressure:Exists:NoSchedule',
      'node.kubernetes.io/memory-pressure:Exists:NoSchedule',
      'node.kubernetes.io/pid-pressure:Exists:NoSchedule',
      'node.kubernetes.io/unschedulable:Exists:NoSchedule',
    ]);
    assert.equal(f.recorder.strings().filter((s) => s.startsWith('Normal SuccessfulCreate Created pod: agent-')).length, 3);
    assert.equal(ds.status?.desiredNumberScheduled, 3);
    assert.equal(ds.status?.observedGeneration, 1);

    await runAll(f);
    await sync(f);
    const s = (await getDs(f)).status;
    assert.deepEqual([s?.desiredNumberScheduled, s?.currentNumberScheduled, s?.numberReady, s?.numberAvailable, s?.updatedNumberScheduled, s?.numberUnavailable, s?.numberMisscheduled], [3, 3, 3, 3, 3, 0, 0]);
  } finally {
    await f.stop();
  }
});

test('a slow pod watch: expectations hold further creates until the informer saw the pods (no duplicates)', async () => {
  const f = await fixture([newDs(), newNode('n1', { ready: 'True' }), newNode('n2', { ready: 'True' })]);
  try {
    gate.pause();
    await sync(f);
    assert.deepEqual(podsByNode(f), { n1: 1, n2: 1 });
    assert.equal(f.controller.expectations.satisfiedExpectations('default/agent'), false);
    // The cache still shows no pods: a sync must not create them again.
    await sync(f);
    await sync(f);
    assert.deepEqual(podsByNode(f), { n1: 1, n2: 1 });
    gate.resume();
    await f.settle();
    assert.equal(f.controller.expectations.satisfiedExpectations('default/agent'), true);
    await sync(f);
    assert.deepEqual(podsByNode(f), { n1: 1, n2: 1 });
    assert.equal((await getDs(f)).status?.currentNumberScheduled, 2);
  } finally {
    await f.stop();
  }
});

test('nodeSelector, taints and tolerations decide the eligible nodes; a cordoned or not-ready node still gets its pod', async () => {
  const labelled = newNode('n-ssd', { ready: 'True' });
  labelled.metadata.labels = { disk: 'ssd' };
  const tainted = newNode('n-gpu', { ready: 'True', taints: [{ key: 'gpu', value: 'true', effect: 'NoSchedule' }] });
  tainted.metadata.labels = { disk: 'ssd' };
  const cordoned = newNode('n-cordoned', { ready: 'True', unschedulable: true, taints: [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }] });
  cordoned.metadata.labels = { disk: 'ssd' };
  const notReady = newNode('n-down', { ready: 'False', taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' }] });
  notReady.metadata.labels = { disk: 'ssd' };
  const other = newNode('n-hdd', { ready: 'True' });
  const ds = newDs();
  ds.spec.template.spec = { ...ds.spec.template.spec, containers: [{ name: 'c', image: 'agent:1' }], nodeSelector: { disk: 'ssd' } };
  const f = await fixture([ds, labelled, tainted, cordoned, notReady, other]);
  try {
    await sync(f);
    assert.deepEqual(podsByNode(f), { 'n-ssd': 1, 'n-cordoned': 1, 'n-down': 1 });
    // A toleration for the gpu taint lets the pod onto that node.
    const cur = await getDs(f);
    cur.spec.template.spec = { ...cur.spec.template.spec, containers: [{ name: 'c', image: 'agent:1' }], tolerations: [{ key: 'gpu', operator: 'Exists', effect: 'NoSchedule' }] };
    await f.clientset.resource<DaemonSet>(daemonSetsResource).update(cur);
    await sync(f);
    assert.equal(podsByNode(f)['n-gpu'], 1);
  } finally {
    await f.stop();
  }
});

test('nodeShouldRunDaemonPod: a NoSchedule taint stops new pods but lets running ones stay; NoExecute evicts', () => {
  const ds = newDs();
  assert.deepEqual(nodeShouldRunDaemonPod(newNode('a', { taints: [{ key: 'x', effect: 'NoSchedule' }] }), ds), { shouldRun: false, shouldContinueRunning: true });
  assert.deepEqual(nodeShouldRunDaemonPod(newNode('a', { taints: [{ key: 'x', effect: 'NoExecute' }] }), ds), { shouldRun: false, shouldContinueRunning: false });
  assert.deepEqual(nodeShouldRunDaemonPod(newNode('a', { taints: [{ key: 'x', effect: 'PreferNoSchedule' }] }), ds), { shouldRun: true, shouldContinueRunning: true });
  const hostNet = newDs();
  hostNet.spec.template.spec = { containers: [], hostNetwork: true };
  const netDown = newNode('a', { taints: [{ key: 'node.kubernetes.io/network-unavailable', effect: 'NoSchedule' }] });
  assert.equal(nodeShouldRunDaemonPod(netDown, hostNet).shouldRun, true);
  assert.equal(nodeShouldRunDaemonPod(netDown, ds).shouldRun, false);
});

test('a new node gets its pod; a node that stops matching loses it; a deleted pod is replaced', async () => {
  const f = await fixture([newDs({ template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'c', image: 'agent:1' }], nodeSelector: { role: 'worker' } } } })]);
  try {
    const n1 = newNode('n1', { ready: 'True' });
    n1.metadata.labels = { role: 'worker' };
    await f.clientset.resource<Node>(nodesResource).create(n1);
    await sync(f);
    assert.deepEqual(podsByNode(f), { n1: 1 });
    await runAll(f);
    const n2 = newNode('n2', { ready: 'True' });
    n2.metadata.labels = { role: 'worker' };
    await f.clientset.resource<Node>(nodesResource).create(n2);
    await sync(f);
    assert.deepEqual(podsByNode(f), { n1: 1, n2: 1 });
    await runAll(f);
    // n1 is relabelled: its pod is misscheduled, then deleted.
    const cur = await f.clientset.resource<Node>(nodesResource).get('', 'n1');
    cur.metadata.labels = { role: 'infra' };
    await f.clientset.resource<Node>(nodesResource).update(cur);
    await sync(f);
    const left = pods(f).filter((p) => !p.metadata.deletionTimestamp);
    assert.deepEqual(left.map((p) => getTargetNodeName(p)), ['n2']);
    assert.ok(f.recorder.strings().some((s) => s.startsWith('Normal SuccessfulDelete Deleted pod: agent-')));
    // Someone deletes the pod on n2: it comes back.
    const victim = left[0] as Pod;
    await f.clientset.resource<Pod>(podsResource).delete('default', victim.metadata.name ?? '', { gracePeriodSeconds: 0 });
    await sync(f);
    assert.equal(pods(f).filter((p) => getTargetNodeName(p) === 'n2' && !p.metadata.deletionTimestamp).length, 1);
  } finally {
    await f.stop();
  }
});

test('a Failed daemon pod is deleted (FailedDaemonPod) and recreated, with a backoff before the next kill', async () => {
  const f = await fixture([newDs(), newNode('n1', { ready: 'True' })]);
  try {
    await sync(f);
    await runAll(f);
    await sync(f);
    const fail = async () => {
      const p = pods(f).find((x) => !x.metadata.deletionTimestamp) as Pod;
      p.status = { phase: 'Failed' };
      await f.clientset.resource<Pod>(podsResource).updateStatus(p);
      await f.settle();
      return p;
    };
    const first = await fail();
    await sync(f);
    assert.ok(f.recorder.strings().includes(`Warning FailedDaemonPod Found failed daemon pod default/${first.metadata.name} on node n1, will try to kill it`));
    // A terminal pod goes at once; the next sync replaces it.
    assert.ok(!pods(f).some((p) => p.metadata.name === first.metadata.name));
    await sync(f);
    assert.equal(pods(f).length, 1);
    await runAll(f);
    await sync(f);
    f.recorder.clear();
    const second = await fail();
    const result = await f.controller.reconcile('default/agent', f.signal);
    assert.deepEqual(f.recorder.strings(), [], 'still in backoff (1 s)');
    assert.ok((result?.requeueAfterMs ?? 0) > 0);
    f.clock.step(1500);
    await sync(f);
    assert.ok(f.recorder.strings().includes(`Warning FailedDaemonPod Found failed daemon pod default/${second.metadata.name} on node n1, will try to kill it`));
  } finally {
    await f.stop();
  }
});

async function rollTo(f: F, image: string, strategy: DaemonSet['spec']['updateStrategy']): Promise<DaemonSet> {
  const cur = await getDs(f);
  cur.spec.template.spec = { containers: [{ name: 'c', image }] };
  cur.spec.updateStrategy = strategy;
  return f.clientset.resource<DaemonSet>(daemonSetsResource).update(cur);
}

const images = (f: F): string[] => pods(f).filter((p) => !p.metadata.deletionTimestamp).map((p) => `${getTargetNodeName(p)}=${p.spec.containers[0]?.image}`).sort();

test('rolling update with maxUnavailable 1 replaces one node at a time', async () => {
  const f = await fixture([newDs(), newNode('n1', { ready: 'True' }), newNode('n2', { ready: 'True' }), newNode('n3', { ready: 'True' })]);
  try {
    await sync(f);
    await runAll(f);
    await sync(f);
    await rollTo(f, 'agent:2', { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } });
    await sync(f);
    const deleting = pods(f).filter((p) => p.metadata.deletionTimestamp);
    assert.equal(deleting.length, 1, 'one old pod goes');
    // Nothing more while that node is unavailable.
    await sync(f);
    assert.equal(pods(f).filter((p) => p.metadata.deletionTimestamp).length, 1);
    for (let round = 0; round < 3; round++) {
      for (const p of pods(f).filter((x) => x.metadata.deletionTimestamp)) await f.clientset.resource<Pod>(podsResource).delete('default', p.metadata.name ?? '', { gracePeriodSeconds: 0 });
      await sync(f);
      await runAll(f);
      await sync(f);
    }
    assert.deepEqual(images(f), ['n1=agent:2', 'n2=agent:2', 'n3=agent:2']);
    const s = (await getDs(f)).status;
    assert.equal(s?.updatedNumberScheduled, 3);
    assert.equal(s?.observedGeneration, 2);
    assert.equal(f.clientset.tracker.list(controllerRevisionsResource, 'default').items.length, 2);
  } finally {
    await f.stop();
  }
});

test('rolling update with maxSurge starts the new pod next to the old one, which goes once the new one is available', async () => {
  const f = await fixture([newDs(), newNode('n1', { ready: 'True' })]);
  try {
    await sync(f);
    await runAll(f);
    await sync(f);
    await rollTo(f, 'agent:2', { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } });
    await sync(f);
    assert.deepEqual(images(f), ['n1=agent:1', 'n1=agent:2']);
    await runAll(f);
    await sync(f);
    assert.deepEqual(images(f), ['n1=agent:2']);
  } finally {
    await f.stop();
  }
});

test('OnDelete keeps old pods until they are deleted', async () => {
  const f = await fixture([newDs(), newNode('n1', { ready: 'True' })]);
  try {
    await sync(f);
    await runAll(f);
    await sync(f);
    await rollTo(f, 'agent:2', { type: 'OnDelete' });
    await sync(f);
    assert.deepEqual(images(f), ['n1=agent:1']);
    assert.equal((await getDs(f)).status?.updatedNumberScheduled, 0);
    const old = pods(f)[0] as Pod;
    await f.clientset.resource<Pod>(podsResource).delete('default', old.metadata.name ?? '', { gracePeriodSeconds: 0 });
    await sync(f);
    assert.deepEqual(images(f), ['n1=agent:2']);
  } finally {
    await f.stop();
  }
});
