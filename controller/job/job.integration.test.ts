/**
 * The Job controller against a real API server, the scheduler and simulated nodes. Simulated containers run
 * their command as the simulated runtime interprets it (node-agent/cri/simulated): `sh -c 'sleep 0.3; exit 0'`
 * succeeds after 0.3 s, `exit 3` fails at once. Covers completions 5 / parallelism 2 (never more than 2 active,
 * sampled by a watch), backoffLimit with the Failed condition, Indexed jobs (successPolicy finishing early,
 * backoffLimitPerIndex with FailIndex and MaxFailedIndexesExceeded), ttlSecondsAfterFinished (with the
 * ttl-after-finished controller and the garbage collector), and the real kubectl.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Job } from '../../shared/api/batch-v1.ts';
import type { Event, Pod } from '../../shared/api/core-v1.ts';
import { SharedInformerFactory } from '../../shared/cache/informer-factory.ts';
import type { Clientset } from '../../shared/client/clientset.ts';
import { realClock } from '../../shared/util/clock.ts';
import type { KubectlEnv } from '../../test/e2e/framework/kubectl.ts';
import { startSimCluster, testLogger, type SimCluster } from '../../test/integration/framework/sim-cluster.ts';
import { untilWith } from '../../test/integration/framework/until.ts';
import { ClientEventRecorder } from '../framework/event-recorder.ts';
import { JobController } from './job-controller.ts';

const log = testLogger();
const until = untilWith({ timeoutMs: 60_000, everyMs: 100 });

function job(name: string, ns: string, command: string, spec: Partial<Job['spec']> = {}): Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: ns },
    spec: {
      template: {
        spec: { restartPolicy: 'Never', terminationGracePeriodSeconds: 0, containers: [{ name: 'work', image: 'localhost/busybox:1.35', command: ['sh', '-c', command] }] },
      },
      ...spec,
    },
  };
}

const condition = (j: Job, type: string) => j.status?.conditions?.find((c) => c.type === type && c.status === 'True');

describe('Job controller with simulated nodes', () => {
  let cluster: SimCluster;
  let env: KubectlEnv;
  let cs: Clientset;
  const stop = new AbortController();
  let jobRun: Promise<void> | undefined;

  before(async () => {
    cluster = await startSimCluster({ controllers: 'scheduler,podgc,ttl-after-finished,garbagecollector', nodes: 2, nodePrefix: 'job-node-', log });
    ({ env, cs } = cluster);
    // The Job controller itself, with a short pod-failure backoff so a failing Job finishes in seconds.
    const factory = new SharedInformerFactory(cs.client, { clock: realClock, log });
    const recorder = new ClientEventRecorder(cs.events, { component: 'job-controller', clock: realClock, log });
    const jc = new JobController({ clientset: cs, informerFactory: factory, recorder, log, podFailureBackoffMs: 200, maxPodFailureBackoffMs: 1000 });
    factory.start(stop.signal);
    jobRun = jc.run(stop.signal);
  });

  after(async () => {
    stop.abort();
    await jobRun?.catch(() => undefined);
    await cluster?.close();
  });

  it('completions 5, parallelism 2: completes, never more than 2 pods active', async () => {
    const ns = await env.namespace('job');
    let maxActive = 0;
    const running = new Map<string, boolean>();
    const watchAbort = new AbortController();
    const watching = (async () => {
      for await (const ev of cs.pods.watch(ns, { signal: watchAbort.signal })) {
        if (ev.type === 'ERROR' || ev.type === 'BOOKMARK') continue;
        const p = ev.object as Pod;
        const active = ev.type !== 'DELETED' && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed' && !p.metadata.deletionTimestamp;
        running.set(p.metadata.name ?? '', active);
        maxActive = Math.max(maxActive, [...running.values()].filter(Boolean).length);
      }
    })().catch(() => undefined);
    await cs.jobs.create(job('five', ns, 'sleep 0.3; exit 0', { completions: 5, parallelism: 2 }));
    const done = await until('Job five Complete', async () => {
      const j = await cs.jobs.get(ns, 'five');
      return condition(j, 'Complete') ? j : undefined;
    });
    watchAbort.abort();
    await watching;
    assert.equal(done.status?.succeeded, 5);
    assert.equal(done.status?.active ?? 0, 0);
    assert.ok(done.status?.completionTime && done.status.startTime);
    assert.ok(condition(done, 'SuccessCriteriaMet'));
    assert.equal(condition(done, 'Complete')?.reason, 'CompletionsReached');
    assert.ok(maxActive <= 2 && maxActive >= 1, `at most 2 active pods (saw ${maxActive})`);
    const pods = (await cs.pods.list(ns)).items as Pod[];
    assert.equal(pods.filter((p) => p.status?.phase === 'Succeeded').length, 5);
    for (const p of pods) assert.deepEqual(p.metadata.finalizers ?? [], [], `pod ${p.metadata.name} keeps no tracking finalizer`);
    const events = (await cs.events.list(ns)).items as Event[];
    assert.ok(events.some((e) => e.reason === 'SuccessfulCreate' && /^Created pod: five-/.test(e.message ?? '')));
    assert.ok(events.some((e) => e.reason === 'Completed' && e.message === 'Job completed'));
  });

  it('a failing Job stops at backoffLimit with the Failed condition', async () => {
    const ns = await env.namespace('job-fail');
    await cs.jobs.create(job('fails', ns, 'exit 3', { backoffLimit: 2 }));
    const failed = await until('Job fails Failed', async () => {
      const j = await cs.jobs.get(ns, 'fails');
      return condition(j, 'Failed') ? j : undefined;
    });
    const c = condition(failed, 'Failed');
    assert.equal(c?.reason, 'BackoffLimitExceeded');
    assert.equal(c?.message, 'Job has reached the specified backoff limit');
    assert.ok(condition(failed, 'FailureTarget'));
    assert.equal(failed.status?.failed, 3);
    assert.equal(failed.status?.completionTime, undefined);
    const pods = (await cs.pods.list(ns)).items as Pod[];
    assert.equal(pods.length, 3, 'backoffLimit 2 allows 3 pods in total');
    const events = (await cs.events.list(ns)).items as Event[];
    assert.ok(events.some((e) => e.reason === 'BackoffLimitExceeded' && e.message === 'Job has reached the specified backoff limit' && e.type === 'Warning'));
  });

  it('Indexed: one succeeded pod per index, with the index annotation, label and hostname', async () => {
    const ns = await env.namespace('job-idx');
    await cs.jobs.create(job('idx', ns, 'sleep 0.2; exit 0', { completions: 3, parallelism: 3, completionMode: 'Indexed' }));
    const done = await until('Job idx Complete', async () => {
      const j = await cs.jobs.get(ns, 'idx');
      return condition(j, 'Complete') ? j : undefined;
    });
    assert.equal(done.status?.completedIndexes, '0-2');
    assert.equal(done.status?.succeeded, 3);
    const pods = ((await cs.pods.list(ns)).items as Pod[]).sort((a, b) => (a.spec.hostname ?? '').localeCompare(b.spec.hostname ?? ''));
    assert.deepEqual(pods.map((p) => p.spec.hostname), ['idx-0', 'idx-1', 'idx-2']);
    for (const [i, p] of pods.entries()) {
      assert.equal(p.metadata.annotations?.['batch.kubernetes.io/job-completion-index'], String(i));
      assert.equal(p.metadata.labels?.['batch.kubernetes.io/job-completion-index'], String(i));
      assert.ok(p.metadata.name?.startsWith(`idx-${i}-`));
      assert.ok(p.spec.containers[0]?.env?.some((e) => e.name === 'JOB_COMPLETION_INDEX'));
    }
  });

  it('successPolicy: the Job completes once its rule matches, before all indexes ran', async () => {
    const ns = await env.namespace('job-sp');
    await cs.jobs.create(job('early', ns, 'sleep 0.3; exit 0', { completions: 4, parallelism: 1, completionMode: 'Indexed', successPolicy: { rules: [{ succeededIndexes: '0' }] } }));
    const done = await until('Job early Complete', async () => {
      const j = await cs.jobs.get(ns, 'early');
      return condition(j, 'Complete') ? j : undefined;
    });
    for (const type of ['SuccessCriteriaMet', 'Complete']) {
      const c = condition(done, type);
      assert.deepEqual([c?.reason, c?.message], ['SuccessPolicy', 'Matched rules at index 0'], type);
    }
    assert.equal(done.status?.completedIndexes, '0');
    assert.equal(done.status?.succeeded, 1);
    assert.equal(done.status?.active ?? 0, 0);
    assert.ok(done.status?.completionTime);
    const pods = (await cs.pods.list(ns)).items as Pod[];
    assert.ok(!pods.some((p) => p.metadata.annotations?.['batch.kubernetes.io/job-completion-index'] === '3'), 'index 3 never ran');
  });

  it('backoffLimitPerIndex: FailIndex fails each index without retry; a counted failure retries once; the Job fails with FailedIndexes', async () => {
    const ns = await env.namespace('job-fi');
    await cs.jobs.create(
      job('failidx', ns, 'exit 3', {
        completions: 2,
        parallelism: 2,
        completionMode: 'Indexed',
        backoffLimitPerIndex: 1,
        podFailurePolicy: { rules: [{ action: 'FailIndex', onExitCodes: { operator: 'In', values: [3] } }] },
      }),
    );
    await cs.jobs.create(job('retry', ns, 'exit 1', { completions: 2, parallelism: 2, completionMode: 'Indexed', backoffLimitPerIndex: 1, maxFailedIndexes: 1 }));
    const failedIdx = await until('Job failidx Failed', async () => {
      const j = await cs.jobs.get(ns, 'failidx');
      return condition(j, 'Failed') ? j : undefined;
    });
    assert.deepEqual([condition(failedIdx, 'Failed')?.reason, condition(failedIdx, 'Failed')?.message], ['FailedIndexes', 'Job has failed indexes']);
    assert.equal(failedIdx.status?.failedIndexes, '0,1');
    assert.equal(failedIdx.status?.failed, 2);
    const retried = await until('Job retry Failed', async () => {
      const j = await cs.jobs.get(ns, 'retry');
      return condition(j, 'Failed') ? j : undefined;
    });
    assert.equal(condition(retried, 'Failed')?.reason, 'MaxFailedIndexesExceeded');
    assert.equal(retried.status?.failedIndexes, '0,1');
    const pods = (await cs.pods.list(ns)).items as Pod[];
    const of = (name: string) => pods.filter((p) => p.metadata.ownerReferences?.[0]?.name === name);
    assert.equal(of('failidx').length, 2, 'FailIndex: no retries');
    assert.equal(of('retry').length, 4, 'backoffLimitPerIndex 1: each index ran twice');
    const counts = of('retry').map((p) => p.metadata.annotations?.['batch.kubernetes.io/job-index-failure-count']).sort();
    assert.deepEqual(counts, ['0', '0', '1', '1']);
  });

  it('kubectl create job, get jobs, wait --for=condition=complete', async () => {
    const ns = await env.namespace('job-kubectl');
    const k = env.kubectl.ns(ns);
    await k.ok(['create', 'job', 'hello', '--image=localhost/busybox:1.35', '--', 'sh', '-c', 'sleep 0.2; exit 0']);
    await k.ok(['wait', '--for=condition=complete', 'job/hello', '--timeout=60s'], { timeoutMs: 70_000 });
    const table = await k.ok(['get', 'jobs']);
    assert.match(table, /^NAME\s+STATUS\s+COMPLETIONS\s+DURATION\s+AGE\n/);
    assert.match(table, /\nhello\s+Complete\s+1\/1\s+\d+s\s+\d+s\n/);
  });

  it('ttlSecondsAfterFinished: a finished Job and its pods are deleted', async () => {
    const ns = await env.namespace('job-ttl');
    await cs.jobs.create(job('brief', ns, 'exit 0', { ttlSecondsAfterFinished: 1 }));
    await until('Job brief and its pods are gone', async () => {
      try {
        await cs.jobs.get(ns, 'brief');
        return false;
      } catch {
        return (await cs.pods.list(ns)).items.length === 0;
      }
    });
  });
});
