import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Job } from '../../shared/api/batch-v1.ts';
import type { Pod } from '../../shared/api/core-v1.ts';
import { jobsResource } from '../../shared/client/clientset.ts';
import { newFixture, type Fixture } from '../framework/testing.ts';
import { JobController } from './job-controller.ts';
import { testJob } from './testing.ts';

const job = (name: string, spec: Partial<Job['spec']> = {}): Job => testJob(name, spec);

describe('JobController', () => {
  let f: Fixture<JobController> | undefined;
  afterEach(async () => {
    await f?.stop();
    f = undefined;
  });
  const fixture = async (objects: (Job | Pod)[]) => {
    f = await newFixture({ objects, resources: [jobsResource] }, (ctx) => new JobController(ctx));
    return f;
  };

  it('creates parallelism pods with the tracking finalizer; expectations hold back a second round', async () => {
    const fx = await fixture([job('pi')]);
    await fx.controller.syncJob('ns/pi', fx.signal);
    const writes = fx.writes();
    assert.equal(writes.filter((w) => w.startsWith('create pods')).length, 2);
    assert.ok(writes.includes('update jobs/status pi'));
    const pods = (await fx.clientset.pods.list('ns')).items as Pod[];
    for (const p of pods) {
      assert.deepEqual(p.metadata.finalizers, ['batch.kubernetes.io/job-tracking']);
      assert.equal(p.metadata.ownerReferences?.[0]?.kind, 'Job');
      assert.ok(p.metadata.name?.startsWith('pi-'));
    }
    const j = await fx.clientset.jobs.get('ns', 'pi');
    assert.equal(j.status?.active, 2);
    assert.ok(j.status?.startTime);
    assert.deepEqual(fx.recorder.strings().map((s) => s.replace(/pi-\w+$/, 'pi-x')), ['Normal SuccessfulCreate Created pod: pi-x', 'Normal SuccessfulCreate Created pod: pi-x']);
    // Before the informer saw the pods, a sync creates nothing more.
    fx.clientset.clearActions();
    fx.controller.expectations.expectCreations('ns/pi', 2);
    await fx.controller.syncJob('ns/pi', fx.signal);
    assert.equal(fx.writes().filter((w) => w.startsWith('create pods')).length, 0);
  });

  it('accounts a succeeded pod: uncounted first, then the finalizer goes, then the counter', async () => {
    const j = job('acc', { completions: 1, parallelism: 1 });
    const pod: Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'acc-1',
        namespace: 'ns',
        uid: 'uid-acc-1',
        labels: { 'batch.kubernetes.io/controller-uid': 'uid-acc' },
        finalizers: ['batch.kubernetes.io/job-tracking'],
        ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: 'acc', uid: 'uid-acc', controller: true, blockOwnerDeletion: true }],
      },
      spec: { containers: [{ name: 'c', image: 'busybox' }] },
      status: { phase: 'Succeeded' },
    };
    const fx = await fixture([j, pod]);
    await fx.controller.syncJob('ns/acc', fx.signal);
    assert.deepEqual(fx.writes(), ['update jobs/status acc', 'patch pods acc-1', 'update jobs/status acc']);
    const statusWrites = fx.writeActions().filter((a) => a.verb === 'update');
    assert.deepEqual((statusWrites[0]?.object as Job).status?.uncountedTerminatedPods, { succeeded: ['uid-acc-1'] });
    const after = await fx.clientset.jobs.get('ns', 'acc');
    assert.equal(after.status?.succeeded, 1);
    assert.deepEqual(after.status?.uncountedTerminatedPods, {});
    assert.ok(after.status?.conditions?.some((c) => c.type === 'SuccessCriteriaMet' && c.reason === 'CompletionsReached'));
    assert.ok(after.status?.conditions?.some((c) => c.type === 'Complete' && c.message === 'Reached expected number of succeeded pods'));
    assert.ok(after.status?.completionTime);
    assert.deepEqual((await fx.clientset.pods.get('ns', 'acc-1')).metadata.finalizers ?? [], []);
    assert.deepEqual(fx.recorder.strings(), ['Normal Completed Job completed']);
  });

  it('a suspended Job creates nothing and gets the Suspended condition', async () => {
    const fx = await fixture([job('sus', { suspend: true })]);
    await fx.controller.syncJob('ns/sus', fx.signal);
    assert.deepEqual(fx.writes(), ['update jobs/status sus']);
    const j = await fx.clientset.jobs.get('ns', 'sus');
    const c = j.status?.conditions?.find((x) => x.type === 'Suspended');
    assert.deepEqual([c?.status, c?.reason, c?.message], ['True', 'JobSuspended', 'Job suspended']);
    assert.equal(j.status?.startTime, undefined);
    assert.deepEqual(fx.recorder.strings(), ['Normal Suspended Job suspended']);
  });

  it('activeDeadlineSeconds: DeadlineExceeded once the deadline passed', async () => {
    const j = job('dl', { activeDeadlineSeconds: 10 });
    j.status = { startTime: '2025-12-31T23:59:00Z' };
    const fx = await fixture([j]);
    await fx.controller.syncJob('ns/dl', fx.signal);
    const after = await fx.clientset.jobs.get('ns', 'dl');
    const failed = after.status?.conditions?.find((c) => c.type === 'Failed');
    assert.deepEqual([failed?.reason, failed?.message], ['DeadlineExceeded', 'Job was active longer than specified deadline']);
    assert.ok(after.status?.conditions?.some((c) => c.type === 'FailureTarget'));
    assert.deepEqual(fx.recorder.strings(), ['Warning DeadlineExceeded Job was active longer than specified deadline']);
  });

  it('podFailurePolicy FailJob: FailureTarget then Failed with the rule message; the failure is counted', async () => {
    const j = job('pfp', {
      completions: 1,
      parallelism: 1,
      podReplacementPolicy: 'Failed',
      podFailurePolicy: { rules: [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [42] } }] },
    });
    const pod: Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'pfp-1',
        namespace: 'ns',
        uid: 'uid-pfp-1',
        labels: { 'batch.kubernetes.io/controller-uid': 'uid-pfp' },
        finalizers: ['batch.kubernetes.io/job-tracking'],
        ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: 'pfp', uid: 'uid-pfp', controller: true, blockOwnerDeletion: true }],
      },
      spec: { containers: [{ name: 'c', image: 'busybox' }] },
      status: { phase: 'Failed', containerStatuses: [{ name: 'c', ready: false, restartCount: 0, image: 'busybox', imageID: '', state: { terminated: { exitCode: 42 } } }] },
    };
    const fx = await fixture([j, pod]);
    await fx.controller.syncJob('ns/pfp', fx.signal);
    const after = await fx.clientset.jobs.get('ns', 'pfp');
    const message = 'Container c for pod ns/pfp-1 failed with exit code 42 matching FailJob rule at index 0';
    for (const type of ['FailureTarget', 'Failed']) {
      const c = after.status?.conditions?.find((x) => x.type === type);
      assert.deepEqual([c?.status, c?.reason, c?.message], ['True', 'PodFailurePolicy', message], type);
    }
    assert.equal(after.status?.failed, 1);
    assert.equal((await fx.clientset.pods.list('ns')).items.length, 1, 'no replacement pod');
    assert.deepEqual(fx.recorder.strings(), [`Warning PodFailurePolicy ${message}`]);
  });

  it('resuming: Suspended becomes False (JobResumed), startTime is set, pods are created', async () => {
    const j = job('res', { suspend: false, parallelism: 1, completions: 1 });
    j.status = { conditions: [{ type: 'Suspended', status: 'True', reason: 'JobSuspended', message: 'Job suspended' }] };
    const fx = await fixture([j]);
    await fx.controller.syncJob('ns/res', fx.signal);
    const after = await fx.clientset.jobs.get('ns', 'res');
    const c = after.status?.conditions?.find((x) => x.type === 'Suspended');
    assert.deepEqual([c?.status, c?.reason, c?.message], ['False', 'JobResumed', 'Job resumed']);
    assert.ok(after.status?.startTime);
    assert.equal((await fx.clientset.pods.list('ns')).items.length, 1);
    assert.ok(fx.recorder.strings().includes('Normal Resumed Job resumed'));
  });
});
