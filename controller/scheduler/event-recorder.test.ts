import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Event } from '../../shared/api/core-v1.ts';
import type { KubeObject } from '../../shared/api/meta.ts';
import { FakeClientset } from '../../shared/client/fake/clientset.ts';
import { FakeClock } from '../../shared/util/clock.ts';
import { silentLogger } from '../../shared/util/log.ts';
import { EventRecorder } from './event-recorder.ts';
import { makePod } from './testing/fixtures.ts';

function setup(options: { maxQueued?: number } = {}) {
  const clock = new FakeClock(Date.UTC(2026, 0, 1, 12, 0, 0));
  const cs = new FakeClientset({ clock });
  const rec = new EventRecorder({ sink: cs.events, component: 'default-scheduler', reportingInstance: 'default-scheduler-test', clock, log: silentLogger(), ...options });
  const list = async () => (await cs.events.list('default')).items as Event[];
  return { clock, cs, rec, list };
}

describe('EventRecorder', () => {
  it('creates one Event per object and reason, then updates count, lastTimestamp and message', async () => {
    const { clock, cs, rec, list } = setup();
    const pod = makePod('web');
    rec.eventf(pod, 'Warning', 'FailedScheduling', 'Scheduling', 'first');
    await rec.flush();
    clock.step(5000);
    rec.eventf(pod, 'Warning', 'FailedScheduling', 'Scheduling', 'second');
    await rec.flush();
    rec.eventf(pod, 'Normal', 'Scheduled', 'Binding', 'Successfully assigned default/web to n1');
    await rec.flush();
    const events = await list();
    assert.equal(events.length, 2);
    const failed = events.find((e) => e.reason === 'FailedScheduling')!;
    assert.deepEqual(
      {
        type: failed.type,
        message: failed.message,
        count: failed.count,
        first: failed.firstTimestamp,
        last: failed.lastTimestamp,
        source: failed.source,
        reportingComponent: failed.reportingComponent,
        reportingInstance: failed.reportingInstance,
        action: failed.action,
        involved: failed.involvedObject,
      },
      {
        type: 'Warning',
        message: 'second',
        count: 2,
        first: '2026-01-01T12:00:00Z',
        last: '2026-01-01T12:00:05Z',
        source: { component: 'default-scheduler' },
        reportingComponent: 'default-scheduler',
        reportingInstance: 'default-scheduler-test',
        action: 'Scheduling',
        involved: { kind: 'Pod', namespace: 'default', name: 'web', uid: pod.metadata.uid, apiVersion: 'v1' },
      },
    );
    assert.match(failed.metadata.name ?? '', /^web\.[0-9a-f]+$/);
    const verbs = cs.actions().map((a) => `${a.verb}${a.patchType ? ` ${a.patchType}` : ''}`);
    assert.deepEqual(verbs.filter((v) => v !== 'list'), ['create', 'patch application/merge-patch+json', 'create']);
  });

  it('coalesces repeats that happen while a write is pending', async () => {
    const { cs, rec, list } = setup();
    const pod = makePod('web');
    for (let i = 1; i <= 5; i++) rec.eventf(pod, 'Warning', 'FailedScheduling', 'Scheduling', `attempt ${i}`);
    await rec.flush();
    const [e] = await list();
    assert.equal(e?.count, 5);
    assert.equal(e?.message, 'attempt 5');
    assert.ok(cs.actions().filter((a) => a.verb !== 'list').length <= 2, 'at most a create and one patch');
  });

  it('re-creates an Event that vanished, keeping the running count', async () => {
    const { cs, rec, list } = setup();
    const pod = makePod('web');
    rec.eventf(pod, 'Warning', 'FailedScheduling', 'Scheduling', 'm');
    await rec.flush();
    const [first] = await list();
    await cs.events.delete('default', first!.metadata.name!);
    rec.eventf(pod, 'Warning', 'FailedScheduling', 'Scheduling', 'm');
    await rec.flush();
    const events = await list();
    assert.equal(events.length, 1);
    assert.equal(events[0]!.count, 2);
    assert.notEqual(events[0]!.metadata.name, first!.metadata.name);
  });

  it('drops new events beyond maxQueued and counts them', async () => {
    const { rec, list } = setup({ maxQueued: 1 });
    // Occupy the writers: with maxConcurrency 8, the ninth and later events queue.
    for (let i = 0; i < 12; i++) rec.eventf(makePod(`p${i}`) as KubeObject, 'Normal', 'Scheduled', 'Binding', 'x');
    await rec.flush();
    assert.equal((await list()).length, 12 - rec.stats.dropped);
    assert.equal(rec.stats.dropped, 3);
  });
});
