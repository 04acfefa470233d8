import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, PodStatus } from './core-v1.ts';
import { getPodCondition, isPodReady, updatePodCondition } from './pod-util.ts';

const T = Date.UTC(2026, 0, 1);

test('isPodReady: only a True Ready condition', () => {
  const pod = (status?: string): Pod => ({ metadata: { name: 'p' }, spec: { containers: [] }, ...(status ? { status: { conditions: [{ type: 'Ready', status }] } } : {}) }) as Pod;
  assert.equal(isPodReady(pod('True')), true);
  assert.equal(isPodReady(pod('False')), false);
  assert.equal(isPodReady(pod()), false);
});

test('updatePodCondition: added with now; same status keeps lastTransitionTime; a change moves it; reports changes', () => {
  const status: PodStatus = {};
  assert.equal(updatePodCondition(status, { type: 'Ready', status: 'False', reason: 'A' }, T), true);
  assert.equal(getPodCondition(status, 'Ready')?.lastTransitionTime, '2026-01-01T00:00:00Z');
  assert.equal(updatePodCondition(status, { type: 'Ready', status: 'False', reason: 'A' }, T + 5000), false);
  assert.equal(updatePodCondition(status, { type: 'Ready', status: 'False', reason: 'B' }, T + 5000), true);
  assert.equal(getPodCondition(status, 'Ready')?.lastTransitionTime, '2026-01-01T00:00:00Z');
  assert.equal(updatePodCondition(status, { type: 'Ready', status: 'True' }, T + 9000), true);
  assert.equal(getPodCondition(status, 'Ready')?.lastTransitionTime, '2026-01-01T00:00:09Z');
  assert.equal(status.conditions?.length, 1);
});
