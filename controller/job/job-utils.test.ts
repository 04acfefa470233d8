import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Job } from '../../shared/api/batch-v1.ts';
import type { Pod } from '../../shared/api/core-v1.ts';
import {
  backoffRemaining,
  formatIntervals,
  hasBackoffLimitPerIndex,
  intervalsOverlap,
  isIndexFailed,
  matchPodFailurePolicy,
  matchSuccessPolicy,
  newIndexFailureCounts,
  nextBackoffRecord,
  parseIndexes,
  pastBackoffLimitOnFailure,
  podGenerateNameWithIndex,
  withIndexes,
} from './job-utils.ts';

const failedPod = (name: string, finishedAt: string, exitCode = 1, container = 'c'): Pod => ({
  metadata: { name, namespace: 'ns' },
  spec: { containers: [{ name: container, image: 'x' }] },
  status: { phase: 'Failed', containerStatuses: [{ name: container, ready: false, restartCount: 0, image: 'x', imageID: '', state: { terminated: { exitCode, finishedAt } } }] },
});

describe('completion indexes', () => {
  it('parse, merge and format as kube writes completedIndexes', () => {
    assert.deepEqual(parseIndexes('1,3-5,7', 10), [{ first: 1, last: 1 }, { first: 3, last: 5 }, { first: 7, last: 7 }]);
    assert.deepEqual(parseIndexes('1,3-5,12', 6), [{ first: 1, last: 1 }, { first: 3, last: 5 }]);
    assert.equal(formatIntervals(withIndexes(parseIndexes('1,3-5', 10), [7, 2, 8])), '1-5,7,8');
    assert.equal(formatIntervals(withIndexes([], [0, 1, 2])), '0-2');
    assert.equal(formatIntervals(withIndexes([], [3, 4])), '3,4');
  });
  it('pod generateName with index', () => {
    assert.equal(podGenerateNameWithIndex('pi', 3), 'pi-3-');
    assert.equal(podGenerateNameWithIndex('x'.repeat(60), 12).length, 58);
  });
});

describe('pod failure policy', () => {
  const policy = {
    rules: [
      { action: 'Ignore' as const, onPodConditions: [{ type: 'DisruptionTarget', status: 'True' as const }] },
      { action: 'FailJob' as const, onExitCodes: { containerName: 'main', operator: 'In' as const, values: [42] } },
      { action: 'Count' as const, onExitCodes: { operator: 'NotIn' as const, values: [1] } },
    ],
  };
  it('first matching rule wins, with kube message for FailJob', () => {
    assert.deepEqual(matchPodFailurePolicy(policy, failedPod('p', '2026-01-01T00:00:00Z', 42, 'main')), {
      countFailed: true,
      action: 'FailJob',
      failJobMessage: 'Container main for pod ns/p failed with exit code 42 matching FailJob rule at index 1',
    });
    assert.deepEqual(matchPodFailurePolicy(policy, failedPod('p', '2026-01-01T00:00:00Z', 7)), { countFailed: true, action: 'Count' });
    assert.deepEqual(matchPodFailurePolicy(policy, failedPod('p', '2026-01-01T00:00:00Z', 1)), { countFailed: true });
    const disrupted = failedPod('p', '2026-01-01T00:00:00Z', 42, 'main');
    disrupted.status!.conditions = [{ type: 'DisruptionTarget', status: 'True' }];
    assert.deepEqual(matchPodFailurePolicy(policy, disrupted), { countFailed: false, action: 'Ignore' });
  });
});

describe('backoff', () => {
  it('10 s doubling per failure since the last success, capped at 6 min, minus elapsed time', () => {
    const t = Date.parse('2026-01-01T00:00:00Z');
    let rec = nextBackoffRecord(undefined, [], [failedPod('a', '2026-01-01T00:00:00Z')]);
    assert.deepEqual(rec, { failuresAfterLastSuccess: 1, lastFailureTime: t });
    assert.equal(backoffRemaining(rec, t + 4000, 10_000, 360_000), 6000);
    rec = nextBackoffRecord(rec, [], [failedPod('b', '2026-01-01T00:00:20Z'), failedPod('c', '2026-01-01T00:00:30Z')]);
    assert.equal(rec.failuresAfterLastSuccess, 3);
    assert.equal(backoffRemaining(rec, t + 30_000, 10_000, 360_000), 40_000);
    rec = { failuresAfterLastSuccess: 10, lastFailureTime: t };
    assert.equal(backoffRemaining(rec, t, 10_000, 360_000), 360_000);
    const success: Pod = { metadata: { name: 's' }, spec: { containers: [] }, status: { phase: 'Succeeded', containerStatuses: [{ name: 'c', ready: false, restartCount: 0, image: '', imageID: '', state: { terminated: { exitCode: 0, finishedAt: '2026-01-01T00:01:00Z' } } }] } };
    assert.deepEqual(nextBackoffRecord(rec, [success], []), { failuresAfterLastSuccess: 0 });
  });
  it('OnFailure restarts count toward backoffLimit', () => {
    const job = { metadata: {}, spec: { backoffLimit: 2, template: { spec: { restartPolicy: 'OnFailure', containers: [] } } } } as unknown as Job;
    const running = (restarts: number): Pod => ({ metadata: {}, spec: { containers: [] }, status: { phase: 'Running', containerStatuses: [{ name: 'c', ready: true, restartCount: restarts, image: '', imageID: '' }] } });
    assert.equal(pastBackoffLimitOnFailure(job, [running(1)]), false);
    assert.equal(pastBackoffLimitOnFailure(job, [running(1), running(1)]), true);
  });
});

describe('Indexed Job policies (helpers)', () => {
  const indexed = (spec: Partial<Job['spec']>): Job => ({
    metadata: { name: 'j', namespace: 'ns' },
    spec: { completionMode: 'Indexed', completions: 4, template: {}, ...spec },
  });
  const withCount = (p: Pod, n: number, ignored = 0): Pod => ({
    ...p,
    metadata: {
      ...p.metadata,
      annotations: { 'batch.kubernetes.io/job-index-failure-count': String(n), ...(ignored ? { 'batch.kubernetes.io/job-index-ignored-failure-count': String(ignored) } : {}) },
    },
  });

  it('matchSuccessPolicy: succeededIndexes (all or succeededCount of them) and succeededCount alone; first matching rule named', () => {
    const done = parseIndexes('0,1,3', 5);
    assert.equal(matchSuccessPolicy(undefined, 5, done), undefined);
    assert.equal(matchSuccessPolicy({ rules: [{ succeededIndexes: '0-2' }] }, 5, done), undefined);
    assert.equal(matchSuccessPolicy({ rules: [{ succeededIndexes: '0-2' }, { succeededIndexes: '0,1' }] }, 5, done), 'Matched rules at index 1');
    assert.equal(matchSuccessPolicy({ rules: [{ succeededIndexes: '0-2', succeededCount: 2 }] }, 5, done), 'Matched rules at index 0');
    assert.equal(matchSuccessPolicy({ rules: [{ succeededCount: 4 }] }, 5, done), undefined);
    assert.equal(matchSuccessPolicy({ rules: [{ succeededCount: 3 }] }, 5, done), 'Matched rules at index 0');
    assert.equal(matchSuccessPolicy({ rules: [{ succeededCount: 1 }] }, 5, []), undefined);
    assert.equal(intervalsOverlap(parseIndexes('0-4,8-9', 10), parseIndexes('3-8', 10)), 3);
  });

  it('isIndexFailed and the replacement counts: FailIndex at once, Ignore never, else past backoffLimitPerIndex', () => {
    const job = indexed({
      backoffLimitPerIndex: 1,
      podFailurePolicy: { rules: [{ action: 'FailIndex', onExitCodes: { operator: 'In', values: [3] } }, { action: 'Ignore', onExitCodes: { operator: 'In', values: [4] } }] },
    });
    assert.equal(hasBackoffLimitPerIndex(job), true);
    assert.equal(hasBackoffLimitPerIndex(indexed({})), false);
    assert.equal(isIndexFailed(job, withCount(failedPod('a', '2026-01-01T00:00:00Z', 3), 0)), true);
    assert.equal(isIndexFailed(job, withCount(failedPod('a', '2026-01-01T00:00:00Z', 4), 5)), false);
    assert.equal(isIndexFailed(job, withCount(failedPod('a', '2026-01-01T00:00:00Z', 1), 0)), false);
    assert.equal(isIndexFailed(job, withCount(failedPod('a', '2026-01-01T00:00:00Z', 1), 1)), true);
    assert.deepEqual(newIndexFailureCounts(job, undefined), { failed: 0, ignored: 0 });
    assert.deepEqual(newIndexFailureCounts(job, withCount(failedPod('a', '2026-01-01T00:00:00Z', 1), 0, 2)), { failed: 1, ignored: 2 });
    assert.deepEqual(newIndexFailureCounts(job, withCount(failedPod('a', '2026-01-01T00:00:00Z', 4), 1)), { failed: 1, ignored: 1 });
  });
});
