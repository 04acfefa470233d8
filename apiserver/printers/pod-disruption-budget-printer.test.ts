import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PodDisruptionBudget } from '../../shared/api/policy-v1.ts';
import { tableFor } from './table-for.ts';

test('kubectl get pdb: NAME, MIN AVAILABLE, MAX UNAVAILABLE, ALLOWED DISRUPTIONS, AGE with N/A for the unset bound', () => {
  const now = Date.UTC(2026, 0, 1, 0, 10);
  const pdb = (name: string, spec: PodDisruptionBudget['spec'], allowed: number): PodDisruptionBudget => ({
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name, namespace: 'default', creationTimestamp: '2026-01-01T00:00:00Z' },
    spec,
    status: { disruptionsAllowed: allowed, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 },
  });
  const t = tableFor('poddisruptionbudgets', [pdb('web', { minAvailable: 2 }, 1), pdb('db', { maxUnavailable: '25%' }, 0)], { includeObject: 'None', now, group: 'policy' });
  assert.deepEqual(t.columnDefinitions?.map((c) => [c.name, c.type]), [
    ['Name', 'string'],
    ['Min Available', 'string'],
    ['Max Unavailable', 'string'],
    ['Allowed Disruptions', 'integer'],
    ['Age', 'string'],
  ]);
  assert.deepEqual(t.rows.map((r) => r.cells), [
    ['web', '2', 'N/A', 1, '10m'],
    ['db', 'N/A', '25%', 0, '10m'],
  ]);
});
