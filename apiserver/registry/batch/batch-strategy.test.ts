import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CronJob, Job } from '../../../shared/api/batch-v1.ts';
import type { KubeObject } from '../../../shared/api/meta.ts';
import { tableFor } from '../../printers/table-for.ts';
import { compileFieldSelector } from '../../../shared/api/fields.ts';
import { statusOf, useMemoryRegistry } from '../testing.ts';

/** batch/v1 Jobs and CronJobs through the real registry (embedded store in memory). */

const reg = useMemoryRegistry({ namespaces: ['b'] });
const { store } = reg;

const template = (restartPolicy?: string) => ({
  metadata: { labels: { app: 'x' } },
  spec: { ...(restartPolicy ? { restartPolicy } : {}), containers: [{ name: 'c', image: 'busybox' }] },
});

const job = (name: string, spec: Record<string, unknown> = {}): KubeObject =>
  ({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name, namespace: 'b' }, spec: { template: template('Never'), ...spec } }) as KubeObject;

async function invalid(p: Promise<unknown>): Promise<string> {
  const e = await statusOf(p);
  assert.equal(e.status.code, 422);
  return e.status.message ?? '';
}

test('Job create: defaults, generated selector and labels, generation 1, status cleared', async () => {
  const created = (await store('jobs').create('b', { ...job('pi'), status: { active: 3 } } as KubeObject)) as Job;
  const uid = created.metadata.uid ?? '';
  assert.equal(created.metadata.generation, 1);
  assert.deepEqual(created.status, {});
  assert.deepEqual(
    {
      completions: created.spec.completions,
      parallelism: created.spec.parallelism,
      backoffLimit: created.spec.backoffLimit,
      completionMode: created.spec.completionMode,
      suspend: created.spec.suspend,
      manualSelector: created.spec.manualSelector,
      podReplacementPolicy: created.spec.podReplacementPolicy,
    },
    { completions: 1, parallelism: 1, backoffLimit: 6, completionMode: 'NonIndexed', suspend: false, manualSelector: false, podReplacementPolicy: 'TerminatingOrFailed' },
  );
  assert.deepEqual(created.spec.selector, { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } });
  assert.deepEqual(created.spec.template.metadata?.labels, {
    app: 'x',
    'controller-uid': uid,
    'job-name': 'pi',
    'batch.kubernetes.io/controller-uid': uid,
    'batch.kubernetes.io/job-name': 'pi',
  });
  // The job's own labels come from the template's (before the generated ones are added).
  assert.deepEqual(created.metadata.labels, { app: 'x' });
  // Pod template defaults.
  assert.equal(created.spec.template.spec?.terminationGracePeriodSeconds, 30);
  assert.equal(created.spec.template.spec?.dnsPolicy, 'ClusterFirst');
});

test('Job validation messages', async () => {
  const noPolicy = job('np', { template: template() });
  assert.match(await invalid(store('jobs').create('b', noPolicy)), /spec\.template\.spec\.restartPolicy: Required value: valid values: "OnFailure", "Never"/);
  assert.match(
    await invalid(store('jobs').create('b', job('neg', { parallelism: -1, backoffLimit: -2 }))),
    /spec\.parallelism: Invalid value: -1: must be greater than or equal to 0.*spec\.backoffLimit: Invalid value: -2: must be greater than or equal to 0/,
  );
  assert.match(await invalid(store('jobs').create('b', job('idx', { completionMode: 'Indexed', parallelism: 2 }))), /spec\.completions: Required value: when completion mode is Indexed/);
  const pfp = { rules: [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [0, 3, 2] } }] };
  const msg = await invalid(store('jobs').create('b', job('pfp', { podFailurePolicy: pfp })));
  assert.match(msg, /spec\.podFailurePolicy\.rules\[0\]\.onExitCodes\.values\[0\]: Invalid value: 0: must not be 0 for the In operator/);
  assert.match(msg, /spec\.podFailurePolicy\.rules\[0\]\.onExitCodes\.values: Invalid value: \[0,3,2\]: must be ordered/);
  const manual = job('manual', { manualSelector: true, selector: { matchLabels: { app: 'other' } } });
  assert.match(await invalid(store('jobs').create('b', manual)), /spec\.template\.metadata\.labels: Invalid value: .*: `selector` does not match template `labels`/);
});

test('Job update: template immutable unless suspended and never started; status subresource keeps spec', async () => {
  const created = (await store('jobs').create('b', job('imm'))) as Job;
  const changed = structuredClone(created);
  changed.spec.template.spec!.containers[0]!.image = 'busybox:2';
  assert.match(await invalid(store('jobs').update('b', 'imm', () => changed)), /spec\.template: Invalid value: .*: field is immutable/);

  const suspended = (await store('jobs').create('b', job('susp', { suspend: true }))) as Job;
  const moved = structuredClone(suspended);
  moved.spec.template.spec!.nodeSelector = { zone: 'a' };
  const updated = (await store('jobs').update('b', 'susp', () => moved)).object as Job;
  assert.deepEqual(updated.spec.template.spec?.nodeSelector, { zone: 'a' });
  assert.equal(updated.metadata.generation, 2);

  const withStatus = structuredClone(updated);
  withStatus.status = { active: 1, startTime: '2026-01-01T00:00:00Z' };
  withStatus.spec.parallelism = 9;
  const statusStrategy = reg.registry.lookup('batch', 'v1', 'jobs')?.statusStrategy;
  assert.ok(statusStrategy);
  const afterStatus = (await store('jobs').update('b', 'susp', () => withStatus, { strategy: statusStrategy })).object as Job;
  assert.equal(afterStatus.status?.active, 1);
  assert.equal(afterStatus.spec.parallelism, 1);
});

const cronJob = (name: string, spec: Record<string, unknown> = {}): KubeObject =>
  ({
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name, namespace: 'b' },
    spec: { schedule: '*/5 * * * *', jobTemplate: { spec: { template: template('OnFailure') } }, ...spec },
  }) as KubeObject;

test('CronJob create: defaults and validation', async () => {
  const created = (await store('cronjobs').create('b', cronJob('hello'))) as CronJob;
  assert.equal(created.spec.concurrencyPolicy, 'Allow');
  assert.equal(created.spec.suspend, false);
  assert.equal(created.spec.successfulJobsHistoryLimit, 3);
  assert.equal(created.spec.failedJobsHistoryLimit, 1);
  assert.equal(created.metadata.generation, 1);
  // The job template's JobSpec is not defaulted; its pod template is.
  assert.equal(created.spec.jobTemplate.spec?.backoffLimit, undefined);
  assert.equal(created.spec.jobTemplate.spec?.template.spec?.terminationGracePeriodSeconds, 30);

  assert.match(await invalid(store('cronjobs').create('b', cronJob('bad', { schedule: 'not a schedule' }))), /spec\.schedule: Invalid value: "not a schedule": expected exactly 5 fields, found 3: \[not a schedule\]/);
  assert.match(
    await invalid(store('cronjobs').create('b', cronJob('tz', { schedule: 'TZ=UTC * * * * *' }))),
    /spec\.schedule: Invalid value: "TZ=UTC \* \* \* \* \*": cannot use TZ or CRON_TZ in schedule, use timeZone field instead/,
  );
  assert.match(await invalid(store('cronjobs').create('b', cronJob('zone', { timeZone: 'Mars/Olympus' }))), /spec\.timeZone: Invalid value: "Mars\/Olympus": unknown time zone Mars\/Olympus/);
  assert.match(await invalid(store('cronjobs').create('b', cronJob('cp', { concurrencyPolicy: 'Sometimes' }))), /spec\.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"/);
  assert.match(await invalid(store('cronjobs').create('b', cronJob('x'.repeat(53)))), /metadata\.name: Invalid value: "x+": must be no more than 52 characters/);
  const withZone = (await store('cronjobs').create('b', cronJob('zoned', { timeZone: 'Europe/Berlin' }))) as CronJob;
  assert.equal(withZone.spec.timeZone, 'Europe/Berlin');
});

test('printers and field selectors', () => {
  const now = Date.parse('2026-01-01T00:10:00Z');
  const j: Job = {
    metadata: { name: 'pi', namespace: 'b', creationTimestamp: '2026-01-01T00:00:00Z' },
    spec: { completions: 5, parallelism: 2, template: { spec: { containers: [{ name: 'c', image: 'busybox' }] } }, selector: { matchLabels: { a: 'b' } } },
    status: { succeeded: 3, startTime: '2026-01-01T00:01:00Z', conditions: [] },
  };
  const table = tableFor('jobs', [j as KubeObject], { includeObject: 'None', now, group: 'batch' });
  assert.deepEqual(table.columnDefinitions?.map((c) => c.name), ['Name', 'Status', 'Completions', 'Duration', 'Age', 'Containers', 'Images', 'Selector']);
  assert.deepEqual(table.rows[0]?.cells, ['pi', 'Running', '3/5', '9m', '10m', 'c', 'busybox', 'a=b']);
  j.status!.conditions = [{ type: 'Complete', status: 'True' }];
  j.status!.completionTime = '2026-01-01T00:01:42Z';
  assert.deepEqual(tableFor('jobs', [j as KubeObject], { includeObject: 'None', now, group: 'batch' }).rows[0]?.cells.slice(1, 4), ['Complete', '3/5', '42s']);
  const cj: CronJob = {
    metadata: { name: 'hello', namespace: 'b', creationTimestamp: '2026-01-01T00:00:00Z' },
    spec: { schedule: '*/1 * * * *', suspend: false, jobTemplate: { spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox' }] } } } } },
    status: { active: [{ name: 'hello-1' }], lastScheduleTime: '2026-01-01T00:09:00Z' },
  };
  const cjTable = tableFor('cronjobs', [cj as KubeObject], { includeObject: 'None', now, group: 'batch' });
  assert.deepEqual(cjTable.columnDefinitions?.map((c) => c.name), ['Name', 'Schedule', 'Timezone', 'Suspend', 'Active', 'Last Schedule', 'Age', 'Containers', 'Images', 'Selector']);
  assert.deepEqual(cjTable.rows[0]?.cells, ['hello', '*/1 * * * *', '<none>', 'False', 1, '60s', '10m', 'c', 'busybox', '<none>']);

  assert.equal(compileFieldSelector('jobs', 'status.successful=3')(j as KubeObject), true);
  assert.equal(compileFieldSelector('jobs', 'status.successful!=3')(j as KubeObject), false);
  assert.throws(() => compileFieldSelector('jobs', 'status.failed=1'), { message: 'field label "status.failed" not supported for batchv1.Job' });
});

test('deleting a batch/v1 Job without a policy orphans its pods, with kube warning; Background does not', async () => {
  await store('jobs').create('b', job('del1'));
  const warnings: string[] = [];
  const r = await store('jobs').delete('b', 'del1', { warnings });
  assert.equal(r.deleted, false);
  assert.deepEqual(r.object.metadata.finalizers, ['orphan']);
  assert.deepEqual(warnings, [
    'child pods are preserved by default when jobs are deleted; set propagationPolicy=Background to remove them or set propagationPolicy=Orphan to suppress this warning',
  ]);
  await store('jobs').create('b', job('del2'));
  const bg: string[] = [];
  const r2 = await store('jobs').delete('b', 'del2', { propagationPolicy: 'Background', warnings: bg });
  assert.equal(r2.deleted, true);
  assert.deepEqual(bg, []);
});
