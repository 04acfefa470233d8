import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PodStatus, Toleration } from '../../shared/api/core-v1.ts';
import { updatePodCondition } from './conditions.ts';
import { getMatchingTolerations, taintExists, toleratesTaint } from './taints.ts';
import { parseTime, rfc3339, rfc3339Micro } from './time-format.ts';

const unreachable = { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' as const };

test('toleratesTaint follows v1.Toleration.ToleratesTaint', () => {
  const cases: [Toleration, boolean][] = [
    [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' }, true],
    [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists' }, true],
    [{ operator: 'Exists' }, true],
    [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoSchedule' }, false],
    [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' }, false],
    [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }, true],
    [{ key: 'node.kubernetes.io/unreachable', operator: 'Equal', value: 'x', effect: 'NoExecute' }, false],
  ];
  for (const [t, want] of cases) assert.equal(toleratesTaint(t, unreachable), want, JSON.stringify(t));
  assert.equal(toleratesTaint({ key: 'k', operator: 'Equal', value: 'v' }, { key: 'k', value: 'v', effect: 'NoExecute' }), true);
});

test('getMatchingTolerations takes the first matching toleration per taint and reports untolerated ones', () => {
  const notReady = { key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' as const };
  const a: Toleration = { key: notReady.key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 10 };
  const b: Toleration = { operator: 'Exists' };
  assert.deepEqual(getMatchingTolerations([notReady, unreachable], [a, b]), { allTolerated: true, used: [a, b] });
  assert.deepEqual(getMatchingTolerations([notReady, unreachable], [a]), { allTolerated: false, used: [a, undefined] });
  assert.equal(taintExists([{ ...unreachable, timeAdded: 'x' }], unreachable), true);
  assert.equal(taintExists([{ key: unreachable.key, effect: 'NoSchedule' }], unreachable), false);
});

test('updatePodCondition keeps lastTransitionTime unless the status changes and reports changes', () => {
  const status: PodStatus = { conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z' }] };
  const now = Date.UTC(2026, 0, 1, 0, 1, 0);
  assert.equal(updatePodCondition(status, { type: 'Ready', status: 'True' }, now), false);
  assert.equal(status.conditions?.[0]?.lastTransitionTime, '2026-01-01T00:00:00Z');
  assert.equal(updatePodCondition(status, { type: 'Ready', status: 'False' }, now), true);
  assert.equal(status.conditions?.[0]?.lastTransitionTime, '2026-01-01T00:01:00Z');
  assert.equal(updatePodCondition(status, { type: 'DisruptionTarget', status: 'True', reason: 'R' }, now), true);
  assert.equal(status.conditions?.length, 2);
});

test('time formats: metav1.Time has seconds, MicroTime microseconds', () => {
  const ms = Date.UTC(2026, 0, 1, 0, 0, 5, 123);
  assert.equal(rfc3339(ms), '2026-01-01T00:00:05Z');
  assert.equal(rfc3339Micro(ms), '2026-01-01T00:00:05.123000Z');
  assert.equal(parseTime(rfc3339Micro(ms)), ms);
  assert.equal(parseTime('garbage'), undefined);
  assert.equal(parseTime(undefined), undefined);
});
