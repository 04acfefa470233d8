/**
 * The CronJob controller against a real API server, with the Job controller, the scheduler and simulated nodes.
 * The CronJob controller runs on a FakeClock (its informers on real time): moving the clock a minute forward
 * is a schedule time passing, so history limits are checked without waiting real minutes. Also the real
 * kubectl: `create cronjob`, `create job --from=cronjob/x`, `get jobs,cronjobs`.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { CronJob, Job } from '../../shared/api/batch-v1.ts';
import type { Event } from '../../shared/api/core-v1.ts';
import { SharedInformerFactory } from '../../shared/cache/informer-factory.ts';
import type { Clientset } from '../../shared/client/clientset.ts';
import { FakeClock, realClock } from '../../shared/util/clock.ts';
import type { KubectlEnv } from '../../test/e2e/framework/kubectl.ts';
import { startSimCluster, testLogger, type SimCluster } from '../../test/integration/framework/sim-cluster.ts';
import { untilWith } from '../../test/integration/framework/until.ts';
import { ClientEventRecorder } from '../framework/event-recorder.ts';
import { CronJobController } from './cronjob-controller.ts';

const log = testLogger();
const until = untilWith({ timeoutMs: 60_000, everyMs: 100 });
const MIN = 60_000;

const complete = (j: Job) => (j.status?.conditions ?? []).some((c) => c.type === 'Complete' && c.status === 'True');

describe('CronJob controller with simulated nodes', () => {
  let cluster: SimCluster;
  let env: KubectlEnv;
  let cs: Clientset;
  const clock = new FakeClock(Date.now());
  const stop = new AbortController();
  let cronRun: Promise<void> | undefined;

  before(async () => {
    cluster = await startSimCluster({ controllers: 'scheduler,job', nodes: 2, nodePrefix: 'cj-node-', log });
    ({ env, cs } = cluster);
    const factory = new SharedInformerFactory(cs.client, { clock: realClock, log });
    const recorder = new ClientEventRecorder(cs.events, { component: 'cronjob-controller', clock: realClock, log });
    const cc = new CronJobController({ clientset: cs, informerFactory: factory, recorder, log, clock });
    factory.start(stop.signal);
    cronRun = cc.run(stop.signal);
  });

  after(async () => {
    stop.abort();
    await cronRun?.catch(() => undefined);
    await cluster?.close();
  });

  it('creates a Job per schedule time and keeps successfulJobsHistoryLimit', async () => {
    const ns = await env.namespace('cj');
    const created = await cs.cronJobs.create({
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'tick', namespace: ns },
      spec: {
        schedule: '* * * * *',
        successfulJobsHistoryLimit: 2,
        jobTemplate: {
          spec: { template: { spec: { restartPolicy: 'Never', terminationGracePeriodSeconds: 0, containers: [{ name: 'c', image: 'localhost/busybox:1.35', command: ['sh', '-c', 'exit 0'] }] } } },
        },
      },
    } as CronJob);
    const createdAt = Date.parse(created.metadata.creationTimestamp ?? '');
    const firstMinute = Math.floor(createdAt / MIN) * MIN + MIN;
    const names: string[] = [];
    for (let i = 0; i < 4; i++) {
      const scheduled = firstMinute + i * MIN;
      clock.setTime(scheduled + 2000);
      const name = `tick-${scheduled / MIN}`;
      names.push(name);
      await until(`Job ${name} completes`, async () => {
        try {
          return complete(await cs.jobs.get(ns, name));
        } catch {
          return false;
        }
      });
      const job = await cs.jobs.get(ns, name);
      assert.equal(job.metadata.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp'], new Date(scheduled).toISOString().replace('.000Z', 'Z'));
    }
    await until('only the 2 newest Jobs are kept', async () => {
      const jobs = ((await cs.jobs.list(ns)).items as Job[]).map((j) => j.metadata.name).sort();
      return JSON.stringify(jobs) === JSON.stringify(names.slice(2).sort());
    });
    const cj = await until('status settled', async () => {
      const c = await cs.cronJobs.get(ns, 'tick');
      return (c.status?.active ?? []).length === 0 && c.status?.lastSuccessfulTime ? c : undefined;
    });
    assert.equal(cj.status?.lastScheduleTime, new Date(firstMinute + 3 * MIN).toISOString().replace('.000Z', 'Z'));
    const events = (await cs.events.list(ns, { fieldSelector: 'involvedObject.kind=CronJob' })).items as Event[];
    const reasons = new Set(events.map((e) => `${e.reason}`));
    for (const r of ['SuccessfulCreate', 'SawCompletedJob', 'SuccessfulDelete']) assert.ok(reasons.has(r), `event ${r}`);
    assert.ok(events.some((e) => e.reason === 'SuccessfulCreate' && e.message === `Created job ${names[0]}`));
    assert.ok(events.some((e) => e.reason === 'SuccessfulDelete' && e.message === `Deleted job ${names[0]}`));
  });

  it('kubectl create cronjob, create job --from=cronjob, get jobs,cronjobs', async () => {
    const ns = await env.namespace('cj-kubectl');
    const k = env.kubectl.ns(ns);
    await k.ok(['create', 'cronjob', 'hello', '--image=localhost/busybox:1.35', '--schedule=*/1 * * * *', '--', 'sh', '-c', 'exit 0']);
    const cj = await cs.cronJobs.get(ns, 'hello');
    assert.equal(cj.spec.concurrencyPolicy, 'Allow');
    assert.equal(cj.spec.successfulJobsHistoryLimit, 3);
    assert.equal(cj.spec.jobTemplate.spec?.template.spec?.restartPolicy, 'OnFailure');
    await k.ok(['create', 'job', 'manual', '--from=cronjob/hello']);
    const job = await cs.jobs.get(ns, 'manual');
    assert.equal(job.metadata.annotations?.['cronjob.kubernetes.io/instantiate'], 'manual');
    assert.equal(job.metadata.ownerReferences?.[0]?.kind, 'CronJob');
    await k.ok(['wait', '--for=condition=complete', 'job/manual', '--timeout=60s'], { timeoutMs: 70_000 });
    const out = await k.ok(['get', 'jobs,cronjobs']);
    // The CronJob controller of this test runs on a clock moved ahead by the previous test, so it may already
    // have started a Job of its own: only the rows of interest are checked.
    assert.match(out, /^NAME\s+STATUS\s+COMPLETIONS\s+DURATION\s+AGE\n/);
    assert.match(out, /\njob\.batch\/manual\s+Complete\s+1\/1\s+\d+s\s+\d+s\n/);
    assert.match(out, /\nNAME\s+SCHEDULE\s+TIMEZONE\s+SUSPEND\s+ACTIVE\s+LAST SCHEDULE\s+AGE\ncronjob\.batch\/hello\s+\*\/1 \* \* \* \*\s+<none>\s+False\s+\d+\s+\S+\s+\d+s\n/);
    assert.equal((await k.ok(['create', 'job', 'dry', '--from=cronjob/hello', '--dry-run=server', '-o', 'name'])).trim(), 'job.batch/dry');
    const describeCj = await k.ok(['describe', 'cronjob/hello']);
    assert.match(describeCj, /Schedule:\s+\*\/1 \* \* \* \*/);
    assert.match(describeCj, /Concurrency Policy:\s+Allow/);
    const describeJob = await k.ok(['describe', 'job/manual']);
    assert.match(describeJob, /Pods Statuses:\s+0 Active \(0 Ready\) \/ 1 Succeeded \/ 0 Failed/);
    assert.match(describeJob, /Normal\s+Completed\s+\S+\s+job-controller\s+Job completed/);
    const bad = await k.run(['create', 'cronjob', 'bad', '--image=busybox', '--schedule=61 * * * *']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /spec\.schedule: Invalid value: "61 \* \* \* \*": end of range \(61\) above maximum \(59\): 61/);
  });
});
