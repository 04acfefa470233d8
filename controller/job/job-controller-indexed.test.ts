/**
 * The Job controller's Indexed-Job policies on the fake client: backoffLimitPerIndex (per-index failure count
 * annotation, per-index backoff, status.failedIndexes, the FailIndex rule, MaxFailedIndexesExceeded and
 * FailedIndexes) and successPolicy (SuccessCriteriaMet with SuccessPolicy, remaining pods deleted, Complete).
 */
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Job } from '../../shared/api/batch-v1.ts';
import type { Pod } from '../../shared/api/core-v1.ts';
import { jobsResource } from '../../shared/client/clientset.ts';
import { newFixture, T0, type Fixture } from '../framework/testing.ts';
import { JobController } from './job-controller.ts';
import { testJob } from './testing.ts';

const FAILURE_COUNT = 'batch.kubernetes.io/job-index-failure-count';

/** An Indexed Job of 2 completions at parallelism 2, started a minute before T0 (backoffLimit left to `spec`). */
function indexedJob(name: string, spec: Partial<Job['spec']> = {}): Job {
  const j = testJob(name, { completions: 2, completionMode: 'Indexed', ...spec }, { startTime: new Date(T0 - 60_000).toISOString() });
  if (!('backoffLimit' in spec)) delete j.spec.backoffLimit;
  return j;
}

type Phase = 'Running' | 'Succeeded' | 'Failed';

/** A pod of the Job at `index`; failed pods exit with `exitCode` at `finishedAt`. */
function indexPod(jobName: string, name: string, index: number, phase: Phase, o: { failureCount?: number; exitCode?: number; finishedAt?: string } = {}): Pod {
  const terminated = phase === 'Running' ? undefined : { exitCode: phase === 'Failed' ? (o.exitCode ?? 1) : 0, finishedAt: o.finishedAt ?? new Date(T0 - 30_000).toISOString() };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'ns',
      uid: `uid-${name}`,
      labels: { 'batch.kubernetes.io/controller-uid': `uid-${jobName}`, 'batch.kubernetes.io/job-completion-index': String(index) },
      annotations: {
        'batch.kubernetes.io/job-completion-index': String(index),
        ...(o.failureCount !== undefined ? { [FAILURE_COUNT]: String(o.failureCount) } : {}),
      },
      finalizers: ['batch.kubernetes.io/job-tracking'],
      ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: jobName, uid: `uid-${jobName}`, controller: true, blockOwnerDeletion: true }],
    },
    spec: { containers: [{ name: 'c', image: 'busybox' }] },
    status: {
      phase,
      containerStatuses: [
        { name: 'c', ready: phase === 'Running', restartCount: 0, image: 'busybox', imageID: '', state: terminated ? { terminated } : { running: {} } },
      ],
    },
  };
}

describe('JobController, Indexed Job policies', () => {
  let f: Fixture<JobController> | undefined;
  afterEach(async () => {
    await f?.stop();
    f = undefined;
  });
  const fixture = async (objects: (Job | Pod)[]) => {
    f = await newFixture({ objects, resources: [jobsResource] }, (ctx) => new JobController(ctx));
    return f;
  };
  const cond = (j: Job, type: string) => j.status?.conditions?.find((c) => c.type === type && c.status === 'True');
  const podsAt = async (fx: Fixture<JobController>, index: number) =>
    ((await fx.clientset.pods.list('ns')).items as Pod[]).filter((p) => p.metadata.annotations?.['batch.kubernetes.io/job-completion-index'] === String(index));

  it('backoffLimitPerIndex: first pods carry failure count 0; a failed index is replaced with its count + 1', async () => {
    const fx = await fixture([indexedJob('bl', { backoffLimitPerIndex: 1 }), indexPod('bl', 'bl-0-a', 0, 'Failed', { failureCount: 0 }), indexPod('bl', 'bl-1-a', 1, 'Running', { failureCount: 0 })]);
    const r = await fx.controller.syncJob('ns/bl', fx.signal);
    const at0 = await podsAt(fx, 0);
    const replacement = at0.find((p) => p.metadata.name !== 'bl-0-a');
    assert.ok(replacement, 'index 0 gets a replacement pod');
    assert.equal(replacement.metadata.annotations?.[FAILURE_COUNT], '1');
    assert.ok(replacement.metadata.name?.startsWith('bl-0-'));
    let j = await fx.clientset.jobs.get('ns', 'bl');
    // The failed pod keeps its finalizer (uncounted) until its replacement is seen.
    assert.equal(j.status?.failed, undefined);
    assert.deepEqual((await fx.clientset.pods.get('ns', 'bl-0-a')).metadata.finalizers, ['batch.kubernetes.io/job-tracking']);
    assert.equal(j.status?.failedIndexes, '');
    assert.equal(r.requeueAfterMs, undefined);
    await fx.settle();
    fx.controller.expectations.deleteExpectations('ns/bl');
    await fx.controller.syncJob('ns/bl', fx.signal);
    j = await fx.clientset.jobs.get('ns', 'bl');
    assert.equal(j.status?.failed, 1);
    assert.deepEqual((await fx.clientset.pods.get('ns', 'bl-0-a')).metadata.finalizers ?? [], []);
    assert.equal(j.status?.failedIndexes, '');
    assert.equal(cond(j, 'Failed'), undefined);
    assert.equal(cond(j, 'FailureTarget'), undefined);
    assert.equal((await podsAt(fx, 0)).length, 2, 'no second replacement');
    // A fresh Job: every pod starts with count 0.
    const fresh = await fixture([indexedJob('nw', { backoffLimitPerIndex: 2 })]);
    await fresh.controller.syncJob('ns/nw', fresh.signal);
    const pods = (await fresh.clientset.pods.list('ns')).items as Pod[];
    assert.equal(pods.length, 2);
    for (const p of pods) assert.equal(p.metadata.annotations?.[FAILURE_COUNT], '0');
  });

  it('backoffLimitPerIndex: an index that just failed waits out its own backoff, the others are created', async () => {
    const justNow = new Date(T0 - 2_000).toISOString();
    const fx = await fixture([indexedJob('bo', { backoffLimitPerIndex: 3, completions: 3, parallelism: 3 }), indexPod('bo', 'bo-0-a', 0, 'Failed', { failureCount: 1, finishedAt: justNow })]);
    const r = await fx.controller.syncJob('ns/bo', fx.signal);
    assert.equal((await podsAt(fx, 0)).length, 1, 'index 0 not replaced during its backoff');
    assert.equal((await podsAt(fx, 1)).length, 1);
    assert.equal((await podsAt(fx, 2)).length, 1);
    // Second failure of index 0: 10 s * 2 = 20 s after it finished, 2 s ago.
    assert.equal(r.requeueAfterMs, 18_000);
  });

  it('backoffLimitPerIndex: an index past its limit fails; with the other index done the Job fails with FailedIndexes', async () => {
    const fx = await fixture([
      indexedJob('fi', { backoffLimitPerIndex: 1 }),
      indexPod('fi', 'fi-0-b', 0, 'Failed', { failureCount: 1 }),
      indexPod('fi', 'fi-1-a', 1, 'Succeeded', { failureCount: 0 }),
    ]);
    await fx.controller.syncJob('ns/fi', fx.signal);
    assert.equal((await podsAt(fx, 0)).length, 1, 'a failed index is not retried');
    const j = await fx.clientset.jobs.get('ns', 'fi');
    assert.equal(j.status?.failedIndexes, '0');
    assert.equal(j.status?.completedIndexes, '1');
    assert.equal(j.status?.failed, 1);
    assert.equal(j.status?.succeeded, 1);
    for (const type of ['FailureTarget', 'Failed']) {
      const c = cond(j, type);
      assert.deepEqual([c?.reason, c?.message], ['FailedIndexes', 'Job has failed indexes'], type);
    }
    assert.equal(cond(j, 'Complete'), undefined);
    assert.deepEqual(fx.recorder.strings(), ['Warning FailedIndexes Job has failed indexes']);
  });

  it('podFailurePolicy FailIndex fails the index at once; over maxFailedIndexes the Job fails (MaxFailedIndexesExceeded) and its pods go', async () => {
    const fx = await fixture([
      indexedJob('mx', {
        backoffLimitPerIndex: 5,
        maxFailedIndexes: 0,
        completions: 3,
        parallelism: 2,
        podReplacementPolicy: 'Failed',
        podFailurePolicy: { rules: [{ action: 'FailIndex', onExitCodes: { operator: 'In', values: [3] } }] },
      }),
      indexPod('mx', 'mx-0-a', 0, 'Failed', { failureCount: 0, exitCode: 3 }),
      indexPod('mx', 'mx-1-a', 1, 'Running', { failureCount: 0 }),
    ]);
    await fx.controller.syncJob('ns/mx', fx.signal);
    assert.ok(fx.writes().includes('delete pods mx-1-a'), 'the running pod is deleted');
    assert.equal(fx.writes().filter((w) => w.startsWith('create pods')).length, 0, 'nothing is created');
    let j = await fx.clientset.jobs.get('ns', 'mx');
    assert.equal(j.status?.failedIndexes, '0');
    const ft = cond(j, 'FailureTarget');
    assert.deepEqual([ft?.reason, ft?.message], ['MaxFailedIndexesExceeded', 'Job has exceeded the specified maximal number of failed indexes']);
    // Once the deleted pod is gone, the Job is Failed.
    await fx.clientset.pods.patch('ns', 'mx-1-a', 'application/merge-patch+json', { metadata: { finalizers: null } }).catch(() => undefined);
    await fx.clientset.pods.delete('ns', 'mx-1-a').catch(() => undefined);
    await fx.settle();
    await fx.controller.syncJob('ns/mx', fx.signal);
    j = await fx.clientset.jobs.get('ns', 'mx');
    const failed = cond(j, 'Failed');
    assert.deepEqual([failed?.reason, failed?.message], ['MaxFailedIndexesExceeded', 'Job has exceeded the specified maximal number of failed indexes']);
    // The pod a failing Job terminated counts as failed too (as kube does).
    assert.equal(j.status?.failed, 2);
    assert.deepEqual(fx.recorder.strings().filter((e) => e.startsWith('Warning Max')), ['Warning MaxFailedIndexesExceeded Job has exceeded the specified maximal number of failed indexes']);
  });

  it('FailIndex within maxFailedIndexes: the index fails, the Job goes on with the others', async () => {
    const fx = await fixture([
      indexedJob('ok', {
        backoffLimitPerIndex: 5,
        maxFailedIndexes: 1,
        completions: 3,
        parallelism: 3,
        podReplacementPolicy: 'Failed',
        podFailurePolicy: { rules: [{ action: 'FailIndex', onExitCodes: { operator: 'In', values: [3] } }] },
      }),
      indexPod('ok', 'ok-0-a', 0, 'Failed', { failureCount: 0, exitCode: 3 }),
      indexPod('ok', 'ok-1-a', 1, 'Failed', { failureCount: 0, exitCode: 1 }),
    ]);
    await fx.controller.syncJob('ns/ok', fx.signal);
    let j = await fx.clientset.jobs.get('ns', 'ok');
    assert.equal(j.status?.failedIndexes, '0');
    assert.equal(j.status?.failed, 1, "index 1's failed pod is counted once its replacement exists");
    assert.equal(cond(j, 'FailureTarget'), undefined);
    await fx.settle();
    fx.controller.expectations.deleteExpectations('ns/ok');
    await fx.controller.syncJob('ns/ok', fx.signal);
    j = await fx.clientset.jobs.get('ns', 'ok');
    assert.equal(j.status?.failed, 2);
    assert.equal(j.status?.failedIndexes, '0');
    assert.equal((await podsAt(fx, 0)).length, 1, 'index 0 failed for good');
    const at1 = await podsAt(fx, 1);
    assert.equal(at1.length, 2, 'index 1 (exit 1, counted) is retried');
    assert.equal(at1.find((p) => p.metadata.name !== 'ok-1-a')?.metadata.annotations?.[FAILURE_COUNT], '1');
    assert.equal((await podsAt(fx, 2)).length, 1);
  });

  it('successPolicy: the matching rule ends the Job early (SuccessCriteriaMet, SuccessPolicy), remaining pods deleted, then Complete', async () => {
    const fx = await fixture([
      indexedJob('sp', {
        completions: 5,
        parallelism: 3,
        successPolicy: { rules: [{ succeededIndexes: '0-3' }, { succeededIndexes: '0,1,4', succeededCount: 2 }] },
      }),
      indexPod('sp', 'sp-0-a', 0, 'Succeeded'),
      indexPod('sp', 'sp-1-a', 1, 'Succeeded'),
      indexPod('sp', 'sp-2-a', 2, 'Running'),
    ]);
    await fx.controller.syncJob('ns/sp', fx.signal);
    assert.ok(fx.writes().includes('delete pods sp-2-a'));
    assert.equal(fx.writes().filter((w) => w.startsWith('create pods')).length, 0);
    let j = await fx.clientset.jobs.get('ns', 'sp');
    const scm = cond(j, 'SuccessCriteriaMet');
    assert.deepEqual([scm?.reason, scm?.message], ['SuccessPolicy', 'Matched rules at index 1']);
    assert.equal(j.status?.completedIndexes, '0,1');
    assert.equal(j.status?.succeeded, 2);
    assert.equal(cond(j, 'Complete'), undefined, 'not Complete while a pod terminates');
    await fx.clientset.pods.patch('ns', 'sp-2-a', 'application/merge-patch+json', { metadata: { finalizers: null } }).catch(() => undefined);
    await fx.clientset.pods.delete('ns', 'sp-2-a').catch(() => undefined);
    await fx.settle();
    await fx.controller.syncJob('ns/sp', fx.signal);
    j = await fx.clientset.jobs.get('ns', 'sp');
    const complete = cond(j, 'Complete');
    assert.deepEqual([complete?.reason, complete?.message], ['SuccessPolicy', 'Matched rules at index 1']);
    assert.ok(j.status?.completionTime);
    assert.equal(j.status?.succeeded, 2);
    assert.ok(fx.recorder.strings().includes('Normal Completed Job completed'));
  });

  it('successPolicy not met: the Job keeps running its pending indexes', async () => {
    const fx = await fixture([
      indexedJob('nm', { completions: 3, parallelism: 3, successPolicy: { rules: [{ succeededCount: 2 }] } }),
      indexPod('nm', 'nm-0-a', 0, 'Succeeded'),
    ]);
    await fx.controller.syncJob('ns/nm', fx.signal);
    const j = await fx.clientset.jobs.get('ns', 'nm');
    assert.equal(cond(j, 'SuccessCriteriaMet'), undefined);
    assert.equal(fx.writes().filter((w) => w.startsWith('create pods')).length, 2);
  });
});
