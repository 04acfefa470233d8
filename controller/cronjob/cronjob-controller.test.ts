import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { CronJob, Job } from '../../shared/api/batch-v1.ts';
import { cronJobsResource, jobsResource } from '../../shared/client/clientset.ts';
import { newFixture, T0, type Fixture } from '../framework/testing.ts';
import { rfc3339 } from '../framework/time-format.ts';
import { CronJobController } from './cronjob-controller.ts';
import { mostRecentScheduleTime } from './cronjob-utils.ts';
import { parseCronSchedule } from '../../shared/util/cron-schedule.ts';

const MIN = 60_000;

function cronJob(name: string, spec: Partial<CronJob['spec']> = {}, status: CronJob['status'] = {}): CronJob {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name, namespace: 'ns', uid: `uid-${name}` },
    spec: {
      schedule: '*/5 * * * *',
      concurrencyPolicy: 'Allow',
      suspend: false,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 1,
      jobTemplate: { metadata: { labels: { app: name } }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } } },
      ...spec,
    },
    status,
  };
}

function finishedJob(cj: CronJob, name: string, type: 'Complete' | 'Failed', startMs: number): Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name,
      namespace: 'ns',
      uid: `uid-${name}`,
      ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: cj.metadata.name ?? '', uid: cj.metadata.uid ?? '', controller: true, blockOwnerDeletion: true }],
    },
    spec: { template: {} },
    status: {
      startTime: rfc3339(startMs),
      conditions: [{ type, status: 'True' }],
      ...(type === 'Complete' ? { completionTime: rfc3339(startMs + 1000) } : {}),
    },
  };
}

describe('CronJobController', () => {
  let f: Fixture<CronJobController> | undefined;
  afterEach(async () => {
    await f?.stop();
    f = undefined;
  });
  const fixture = async (objects: (CronJob | Job)[]) => {
    f = await newFixture({ objects, resources: [cronJobsResource, jobsResource] }, (ctx) => new CronJobController(ctx));
    return f;
  };

  it('creates the Job of the most recent schedule time, named by minutes since the epoch, and requeues for the next', async () => {
    const fx = await fixture([cronJob('hello')]);
    fx.clock.setTime(T0 + 5 * MIN + 30_000);
    const result = await fx.controller.sync('ns/hello', fx.signal);
    const jobName = `hello-${(T0 + 5 * MIN) / MIN}`;
    assert.deepEqual(fx.writes(), [`create jobs ${jobName}`, 'update cronjobs/status hello']);
    const job = await fx.clientset.jobs.get('ns', jobName);
    assert.equal(job.metadata.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp'], '2026-01-01T00:05:00Z');
    assert.deepEqual(job.metadata.labels, { app: 'hello' });
    assert.equal(job.metadata.ownerReferences?.[0]?.kind, 'CronJob');
    assert.equal(job.metadata.ownerReferences?.[0]?.controller, true);
    const cj = await fx.clientset.cronJobs.get('ns', 'hello');
    assert.equal(cj.status?.lastScheduleTime, '2026-01-01T00:05:00Z');
    assert.deepEqual(cj.status?.active?.map((r) => [r.kind, r.name]), [['Job', jobName]]);
    assert.deepEqual(fx.recorder.strings(), [`Normal SuccessfulCreate Created job ${jobName}`]);
    assert.equal(result.requeueAfterMs, 4 * MIN + 30_000 + 100);

    // The same schedule time again: nothing new.
    await fx.settle();
    fx.clientset.clearActions();
    await fx.controller.sync('ns/hello', fx.signal);
    assert.deepEqual(fx.writes(), []);
  });

  it('Forbid skips a run while a Job is active; Replace deletes the active Job first', async () => {
    const active = [{ kind: 'Job', namespace: 'ns', name: 'old', uid: 'uid-old', apiVersion: 'batch/v1' }];
    const running: Job = { ...finishedJob(cronJob('x'), 'old', 'Complete', T0), status: { startTime: rfc3339(T0) } };
    const fx = await fixture([
      cronJob('forbid', { concurrencyPolicy: 'Forbid' }, { active, lastScheduleTime: rfc3339(T0) }),
      { ...running, metadata: { ...running.metadata, ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'forbid', uid: 'uid-forbid', controller: true }] } },
    ]);
    fx.clock.setTime(T0 + 5 * MIN + 1000);
    await fx.controller.sync('ns/forbid', fx.signal);
    assert.deepEqual(fx.writes(), []);
    assert.deepEqual(fx.recorder.strings(), ['Normal JobAlreadyActive Not starting job because prior execution is running and concurrency policy is Forbid']);

    await fx.clientset.cronJobs.create(cronJob('replace', { concurrencyPolicy: 'Replace' }, { active, lastScheduleTime: rfc3339(T0) }));
    await fx.settle();
    fx.clientset.clearActions();
    fx.recorder.clear();
    await fx.controller.sync('ns/replace', fx.signal);
    const jobName = `replace-${(T0 + 5 * MIN) / MIN}`;
    assert.deepEqual(fx.writes(), ['delete jobs old', `create jobs ${jobName}`, 'update cronjobs/status replace']);
    assert.deepEqual(fx.recorder.strings(), ['Normal SuccessfulDelete Deleted job old', `Normal SuccessfulCreate Created job ${jobName}`]);
  });

  it('keeps the history limits: the oldest finished Jobs go; completed Jobs leave the active list', async () => {
    const cj = cronJob('hist', { successfulJobsHistoryLimit: 2, failedJobsHistoryLimit: 1 }, {
      active: [{ kind: 'Job', namespace: 'ns', name: 's4', uid: 'uid-s4', apiVersion: 'batch/v1' }],
      lastScheduleTime: rfc3339(T0),
    });
    const jobs = [
      finishedJob(cj, 's1', 'Complete', T0 - 40 * MIN),
      finishedJob(cj, 's2', 'Complete', T0 - 30 * MIN),
      finishedJob(cj, 's3', 'Complete', T0 - 20 * MIN),
      finishedJob(cj, 's4', 'Complete', T0 - 10 * MIN),
      finishedJob(cj, 'f1', 'Failed', T0 - 35 * MIN),
      finishedJob(cj, 'f2', 'Failed', T0 - 25 * MIN),
    ];
    const fx = await fixture([cj, ...jobs]);
    fx.clock.setTime(T0 + 60_000);
    await fx.controller.sync('ns/hist', fx.signal);
    assert.deepEqual(fx.writes(), ['delete jobs s1', 'delete jobs s2', 'delete jobs f1', 'update cronjobs/status hist']);
    const after = await fx.clientset.cronJobs.get('ns', 'hist');
    assert.equal(after.status?.active, undefined);
    // As upstream: a Job leaving the active list in this sync does not move lastSuccessfulTime yet (s3 does).
    assert.equal(after.status?.lastSuccessfulTime, rfc3339(T0 - 20 * MIN + 1000));
    assert.ok(fx.recorder.strings().includes('Normal SawCompletedJob Saw completed job: s4, condition: Complete'));
    const deletes = fx.writeActions().filter((a) => a.verb === 'delete');
    assert.ok(deletes.length === 3);
  });

  it('runs in spec.timeZone; suspended CronJobs create nothing', async () => {
    const fx = await fixture([
      cronJob('ny', { schedule: '0 9 * * *', timeZone: 'America/New_York' }),
      cronJob('paused', { schedule: '* * * * *', suspend: true }),
    ]);
    fx.clock.setTime(Date.UTC(2026, 0, 1, 14, 0, 30));
    await fx.controller.sync('ns/ny', fx.signal);
    const name = `ny-${Date.UTC(2026, 0, 1, 14, 0) / MIN}`;
    const job = await fx.clientset.jobs.get('ns', name);
    assert.equal(job.metadata.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp'], '2026-01-01T09:00:00-05:00');
    fx.clientset.clearActions();
    await fx.controller.sync('ns/paused', fx.signal);
    assert.deepEqual(fx.writes(), []);
  });

  it('too many missed start times: a warning, and the most recent one still runs', async () => {
    const fx = await fixture([cronJob('every', { schedule: '* * * * *' })]);
    fx.clock.setTime(T0 + 200 * MIN + 5000);
    await fx.controller.sync('ns/every', fx.signal);
    assert.deepEqual(fx.recorder.strings(), [
      'Warning TooManyMissedTimes too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew',
      `Normal SuccessfulCreate Created job every-${(T0 + 200 * MIN) / MIN}`,
    ]);
  });

  it('startingDeadlineSeconds: a schedule time older than the deadline is not run', async () => {
    const fx = await fixture([cronJob('late', { schedule: '0 * * * *', startingDeadlineSeconds: 30 })]);
    fx.clock.setTime(T0 + 60 * MIN + 45_000);
    const r = await fx.controller.sync('ns/late', fx.signal);
    assert.deepEqual(fx.writes(), []);
    assert.equal(r.requeueAfterMs, 59 * MIN + 15_000 + 100);
  });
});

describe('mostRecentScheduleTime', () => {
  const s = parseCronSchedule('*/15 * * * *');
  const cj = cronJob('m');
  cj.metadata.creationTimestamp = rfc3339(T0);
  it('none, one and several missed', () => {
    assert.deepEqual(mostRecentScheduleTime(cj, T0 + 10 * MIN, s, false), { earliest: T0, missed: 'none' });
    assert.deepEqual(mostRecentScheduleTime(cj, T0 + 20 * MIN, s, false), { earliest: T0, mostRecent: T0 + 15 * MIN, missed: 'none' });
    assert.deepEqual(mostRecentScheduleTime(cj, T0 + 50 * MIN, s, false), { earliest: T0, mostRecent: T0 + 45 * MIN, missed: 'few' });
    assert.equal(mostRecentScheduleTime(cj, T0 + 26 * 60 * MIN, s, false).missed, 'many');
  });
  it('an impossible date is an error', () => {
    const r = mostRecentScheduleTime(cj, T0 + 400 * 24 * 60 * MIN, parseCronSchedule('0 0 30 2 *'), false);
    assert.equal(r.mostRecent, undefined);
  });
});
