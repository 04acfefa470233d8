import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { Event, Node, Pod } from '../../shared/api/core-v1.ts';
import type { KubeObject } from '../../shared/api/meta.ts';
import { SharedInformerFactory } from '../../shared/cache/informer-factory.ts';
import type { ResourceEventHandler } from '../../shared/cache/shared-informer.ts';
import { FakeClientset } from '../../shared/client/fake/clientset.ts';
import { newConflict, newInternalError } from '../../shared/errors/status-error.ts';
import { FakeClock } from '../../shared/util/clock.ts';
import { silentLogger } from '../../shared/util/log.ts';
import { Scheduler, type SchedulerInformers } from './scheduler.ts';
import { makeNode, makePod } from './testing/fixtures.ts';

/** Lets queued promise chains and informer deliveries run; never waits on time. */
const tick = () => new Promise<void>((r) => setImmediate(r));

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 20000; i++) {
    if (cond()) return;
    await tick();
  }
  assert.fail(`timed out waiting for ${what}`);
}

const controlPlaneTaint = { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' as const };

interface Harness {
  cs: FakeClientset;
  clock: FakeClock;
  scheduler: Scheduler;
  podsLister: { get(key: string): Pod | undefined; list(): Pod[] };
  /** Schedules one queued pod and waits for its binding (or failure) to be written and observed. */
  scheduleNext(): Promise<ReturnType<Scheduler['scheduleQueuedPod']>>;
  podNode(name: string): Promise<string | undefined>;
  events(): Promise<Event[]>;
}

const stops: AbortController[] = [];
afterEach(() => {
  for (const s of stops.splice(0)) s.abort();
});

async function harness(nodes: Node[], options: { rand?: () => number } = {}): Promise<Harness> {
  const clock = new FakeClock();
  const cs = new FakeClientset({ clock, objects: nodes });
  const factory = new SharedInformerFactory(cs.client, { clock, log: silentLogger() });
  const pods = factory.pods<Pod>();
  const nodeInformer = factory.nodes<Node>();
  const scheduler = new Scheduler({ client: cs, informers: { pods, nodes: nodeInformer }, clock, rand: options.rand ?? (() => 0.5), log: silentLogger() });
  const ac = new AbortController();
  stops.push(ac);
  factory.start(ac.signal);
  await factory.waitForCacheSync(ac.signal);
  await until(() => scheduler.cache.nodeCount === nodes.length, 'nodes in the scheduler cache');
  const h: Harness = {
    cs,
    clock,
    scheduler,
    podsLister: pods.lister,
    async scheduleNext() {
      // No queue timers run in these tests: expired backoffs are flushed here (pop would do the same).
      await until(() => scheduler.queue.flushBackoffQCompleted() >= 0 && scheduler.queue.lengths.active > 0, 'a pod in activeQ');
      const r = await scheduler.scheduleOne();
      await scheduler.flush();
      if (r.kind === 'Scheduled') {
        const [ns, name] = r.pod.split('/');
        await until(() => !!pods.lister.get(`${ns}/${name}`)?.spec.nodeName, `binding of ${r.pod} observed`);
        await until(() => scheduler.cache.assumedCount === 0, 'assumed pod confirmed');
      }
      return r;
    },
    async podNode(name) {
      return ((await cs.pods.get('default', name)) as Pod).spec.nodeName;
    },
    async events() {
      return (await cs.events.list('default')).items as Event[];
    },
  };
  return h;
}

async function createPod(h: Harness, pod: Pod): Promise<void> {
  await h.cs.pods.create(pod as KubeObject);
  await until(() => h.scheduler.queue.get(h.podsLister.get(`default/${pod.metadata.name}`)?.metadata.uid ?? '') !== undefined, `${pod.metadata.name} queued`);
}

/** Pods as a user creates them (the server assigns the uid). */
function userPod(...args: Parameters<typeof makePod>): Pod {
  const p = makePod(...args);
  delete p.metadata.uid;
  return p;
}

describe('Scheduler against the fake clientset', () => {
  it('places pods where kube would, reports an unschedulable pod, and places it once a node is added', async () => {
    const h = await harness([
      makeNode('control-plane', { cpu: '4', memory: '8Gi', labels: { 'node-role.kubernetes.io/control-plane': '' }, taints: [controlPlaneTaint] }),
      makeNode('worker-a', { cpu: '2', memory: '4Gi', labels: { disk: 'ssd' } }),
      makeNode('worker-b', { cpu: '8', memory: '16Gi', labels: { disk: 'hdd' } }),
    ]);
    const ingressToleration = [{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists' as const, effect: 'NoSchedule' as const }];

    // 1. No constraints: the control plane is tainted; worker-b scores 692 against 674 (LeastAllocated 94 vs 81, Balanced 98 vs 93).
    await createPod(h, userPod('web', { cpu: '500m', memory: '512Mi', labels: { app: 'web' } }));
    assert.deepEqual(await h.scheduleNext(), { kind: 'Scheduled', pod: 'default/web', node: 'worker-b' });

    // 2. nodeSelector: only worker-a has an ssd.
    await createPod(h, userPod('ssd-db', { cpu: '1', nodeSelector: { disk: 'ssd' } }));
    assert.deepEqual(await h.scheduleNext(), { kind: 'Scheduled', pod: 'default/ssd-db', node: 'worker-a' });

    // 3. A pod tolerating the control-plane taint, with a host port and no requests: the empty control plane
    //    scores best (LeastAllocated 97 + Balanced 100 vs 93 + 98 on worker-b).
    await createPod(h, userPod('ingress', { labels: { app: 'ingress' }, hostPorts: [80], tolerations: ingressToleration }));
    assert.deepEqual(await h.scheduleNext(), { kind: 'Scheduled', pod: 'default/ingress', node: 'control-plane' });

    // 4. The same host port again: the control plane's port 80 is taken; worker-b beats worker-a.
    await createPod(h, userPod('ingress-2', { labels: { app: 'ingress' }, hostPorts: [80], tolerations: ingressToleration }));
    assert.deepEqual(await h.scheduleNext(), { kind: 'Scheduled', pod: 'default/ingress-2', node: 'worker-b' });

    assert.deepEqual(
      [await h.podNode('web'), await h.podNode('ssd-db'), await h.podNode('ingress'), await h.podNode('ingress-2')],
      ['worker-b', 'worker-a', 'control-plane', 'worker-b'],
    );
    const scheduled = (await h.events()).filter((e) => e.reason === 'Scheduled').map((e) => [e.type, e.message, e.source?.component, e.reportingComponent, e.count]);
    assert.deepEqual(scheduled.sort(), [
      ['Normal', 'Successfully assigned default/ingress to control-plane', 'default-scheduler', 'default-scheduler', 1],
      ['Normal', 'Successfully assigned default/ingress-2 to worker-b', 'default-scheduler', 'default-scheduler', 1],
      ['Normal', 'Successfully assigned default/ssd-db to worker-a', 'default-scheduler', 'default-scheduler', 1],
      ['Normal', 'Successfully assigned default/web to worker-b', 'default-scheduler', 'default-scheduler', 1],
    ]);

    // 5. Too big for every node.
    await createPod(h, userPod('huge', { cpu: '16' }));
    const r = await h.scheduleNext();
    const message =
      '0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.';
    assert.deepEqual(r, { kind: 'Unschedulable', pod: 'default/huge', message });
    const huge = (await h.cs.pods.get('default', 'huge')) as Pod;
    const cond = huge.status?.conditions?.find((c) => c.type === 'PodScheduled');
    assert.deepEqual({ status: cond?.status, reason: cond?.reason, message: cond?.message }, { status: 'False', reason: 'Unschedulable', message });
    const statusPatches = h.cs.actions().filter((a) => a.verb === 'patch' && a.resource === 'pods');
    assert.deepEqual(statusPatches.map((a) => [a.name, a.subresource, a.patchType]), [['huge', 'status', 'application/strategic-merge-patch+json']]);
    let failed = (await h.events()).filter((e) => e.reason === 'FailedScheduling');
    assert.equal(failed.length, 1);
    assert.deepEqual([failed[0]!.type, failed[0]!.message, failed[0]!.count, failed[0]!.involvedObject.name, failed[0]!.source?.component], ['Warning', message, 1, 'huge', 'default-scheduler']);
    assert.equal(h.scheduler.queue.whereIs(huge.metadata.uid!), 'unschedulable');

    // 6. A small node joins: the pod is retried (after its backoff) and fails again; the Event is updated, not duplicated.
    await h.cs.nodes.create(makeNode('worker-small', { cpu: '1' }) as KubeObject);
    await until(() => h.scheduler.queue.whereIs(huge.metadata.uid!) === 'backoff', 'huge moved to backoff by NodeAdd');
    h.clock.step(1000);
    const again = await h.scheduleNext();
    assert.equal(again.kind, 'Unschedulable');
    failed = (await h.events()).filter((e) => e.reason === 'FailedScheduling');
    assert.equal(failed.length, 1, 'one aggregated Event object');
    assert.equal(failed[0]!.count, 2);
    assert.match(failed[0]!.message ?? '', /^0\/4 nodes are available: 1 node\(s\) had untolerated taint \{node-role.kubernetes.io\/control-plane: \}, 3 Insufficient cpu\./);

    // 7. A node big enough: scheduled there.
    await h.cs.nodes.create(makeNode('worker-big', { cpu: '32', memory: '64Gi' }) as KubeObject);
    await until(() => h.scheduler.queue.whereIs(huge.metadata.uid!) === 'backoff', 'huge moved by the second NodeAdd');
    h.clock.step(2000);
    assert.deepEqual(await h.scheduleNext(), { kind: 'Scheduled', pod: 'default/huge', node: 'worker-big' });
    assert.equal(await h.podNode('huge'), 'worker-big');
    assert.ok((await h.events()).some((e) => e.reason === 'Scheduled' && e.message === 'Successfully assigned default/huge to worker-big'));
  });

  it('ignores pods of other schedulers, pods being deleted and assigned pods; counts every assigned pod', async () => {
    const h = await harness([makeNode('n1', { cpu: '2' })]);
    await h.cs.pods.create(userPod('other', { schedulerName: 'my-scheduler' }) as KubeObject);
    await h.cs.pods.create(userPod('pinned', { cpu: '2', nodeName: 'n1', schedulerName: 'my-scheduler' }) as KubeObject);
    await until(() => h.scheduler.cache.podCount === 1, 'the pinned pod counted on n1');
    assert.equal(h.scheduler.queue.lengths.active, 0);
    await createPod(h, userPod('mine', { cpu: '1' }));
    const r = await h.scheduleNext();
    assert.equal(r.kind, 'Unschedulable', 'n1 is full with the pod of the other scheduler');
    assert.match((r as { message: string }).message, /^0\/1 nodes are available: 1 Insufficient cpu\. preemption: 0\/1 nodes are available: 1 No preemption victims found for incoming pod\.$/);
  });

  it('a failed binding forgets the assumed pod and retries with backoff', async () => {
    const h = await harness([makeNode('n1', { cpu: '2' })]);
    h.cs.injectError('create', 'pods', newInternalError('etcd is down'), { subresource: 'binding' });
    await createPod(h, userPod('p', { cpu: '2' }));
    const uid = h.podsLister.get('default/p')!.metadata.uid!;
    await until(() => h.scheduler.queue.lengths.active > 0, 'queued');
    const r = await h.scheduler.scheduleOne();
    assert.deepEqual(r, { kind: 'Scheduled', pod: 'default/p', node: 'n1' });
    assert.equal(h.scheduler.cache.isAssumed(uid), true, 'assumed until the bind answers');
    await h.scheduler.flush();
    assert.equal(h.scheduler.cache.isAssumed(uid), false);
    assert.equal(h.scheduler.cache.nodeInfo('n1')?.requested.milliCPU, 0, 'forgotten');
    assert.equal(h.scheduler.queue.whereIs(uid), 'backoff');
    const failedEvents = (await h.events()).filter((e) => e.reason === 'FailedScheduling');
    assert.match(failedEvents[0]?.message ?? '', /^running Bind plugin "DefaultBinder": .*etcd is down/);
    const cond = ((await h.cs.pods.get('default', 'p')) as Pod).status?.conditions?.find((c) => c.type === 'PodScheduled');
    assert.equal(cond?.reason, 'SchedulerError');
    h.clock.step(1000);
    assert.deepEqual(await h.scheduleNext(), { kind: 'Scheduled', pod: 'default/p', node: 'n1' });
    assert.equal(await h.podNode('p'), 'n1');
    assert.equal(h.scheduler.stats.bindFailures, 1);
  });

  it('a binding refused because the pod is already bound does not requeue it', async () => {
    const h = await harness([makeNode('n1')]);
    await createPod(h, userPod('p'));
    // Someone else binds the pod between our decision and our binding.
    h.cs.prependReactor('create', 'pods', (a) => {
      if (a.subresource === 'binding') throw newConflict('pods', 'p', 'pod p is already assigned to node "n9"');
      return undefined;
    });
    const uid = h.podsLister.get('default/p')!.metadata.uid!;
    await until(() => h.scheduler.queue.lengths.active > 0, 'queued');
    await h.scheduler.scheduleOne();
    // The informer sees the pod bound elsewhere before the conflict is handled.
    const cur = (await h.cs.pods.get('default', 'p')) as Pod;
    h.cs.tracker.update({ group: '', version: 'v1', resource: 'pods', kind: 'Pod', namespaced: true }, { ...cur, spec: { ...cur.spec, nodeName: 'n9' } } as KubeObject);
    await until(() => h.podsLister.get('default/p')?.spec.nodeName === 'n9', 'the foreign binding observed');
    await h.scheduler.flush();
    assert.equal(h.scheduler.queue.whereIs(uid), undefined);
    assert.equal(h.scheduler.cache.nodeOf(uid), 'n9');
  });
});

describe('Scheduler.run', () => {
  it('schedules queued pods until aborted, then waits for its bindings', async () => {
    const h = await harness([makeNode('n1', { cpu: '4' }), makeNode('n2', { cpu: '4' })]);
    const ac = new AbortController();
    const running = h.scheduler.run(ac.signal);
    for (let i = 0; i < 6; i++) await h.cs.pods.create(userPod(`p${i}`, { cpu: '1', labels: { app: 'x' } }) as KubeObject);
    await until(() => [0, 1, 2, 3, 4, 5].every((i) => !!h.podsLister.get(`default/p${i}`)?.spec.nodeName), 'all pods bound');
    ac.abort();
    await running;
    const perNode = new Map<string, number>();
    for (let i = 0; i < 6; i++) {
      const n = h.podsLister.get(`default/p${i}`)!.spec.nodeName!;
      perNode.set(n, (perNode.get(n) ?? 0) + 1);
    }
    assert.deepEqual([...perNode.values()], [3, 3], 'spread evenly (LeastAllocated and default spreading)');
    assert.equal(h.scheduler.stats.bound, 6);
    await assert.rejects(h.scheduler.queue.pop(), /closed/);
  });
});

/** Informers whose events the test delivers by hand (nothing arrives by itself). */
function manualInformers(): { informers: SchedulerInformers; pods: Map<string, Pod>; podHandler: () => ResourceEventHandler<Pod>; nodeHandler: () => ResourceEventHandler<Node> } {
  const pods = new Map<string, Pod>();
  let ph: ResourceEventHandler<Pod> | undefined;
  let nh: ResourceEventHandler<Node> | undefined;
  return {
    pods,
    informers: {
      pods: { addEventHandler: (h) => (ph = h), lister: { get: (key) => pods.get(key) } },
      nodes: { addEventHandler: (h) => (nh = h) },
    },
    podHandler: () => ph!,
    nodeHandler: () => nh!,
  };
}

describe('Scheduler without watch events', () => {
  it('assumed pods prevent overcommit when pods are scheduled back to back before any watch event', async () => {
    const m = manualInformers();
    const cs = new FakeClientset();
    const s = new Scheduler({ client: cs, informers: m.informers, clock: new FakeClock(), rand: () => 0.5, log: silentLogger() });
    for (const n of [makeNode('a', { cpu: '1' }), makeNode('b', { cpu: '1' })]) {
      cs.fake.seed(n as KubeObject);
      m.nodeHandler().onAdd?.(n, true);
    }
    const pods = ['p1', 'p2', 'p3'].map((name) => cs.fake.seed(makePod(name, { cpu: '1' }) as KubeObject) as Pod);
    for (const p of pods) {
      m.pods.set(`default/${p.metadata.name}`, p);
      m.podHandler().onAdd?.(p, false);
    }
    const results = [await s.scheduleOne(), await s.scheduleOne(), await s.scheduleOne()];
    // No binding result or watch event has been processed between the cycles.
    const nodes = results.filter((r) => r.kind === 'Scheduled').map((r) => (r as { node: string }).node).sort();
    assert.deepEqual(nodes, ['a', 'b']);
    assert.equal(results[2]!.kind, 'Unschedulable');
    await s.flush();
    const bindings = cs.actions().filter((a) => a.subresource === 'binding');
    assert.equal(bindings.length, 2);
    assert.deepEqual(bindings.map((b) => (b.object as { target?: { name?: string } }).target?.name).sort(), ['a', 'b']);
  });
});
