import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Toleration } from '../../../shared/api/core-v1.ts';
import { makeNode, makePod, nodeInfoOf, runFilter } from '../testing/fixtures.ts';
import { NodeReady } from './node-ready.ts';

describe('NodeReady', () => {
  const cases: { name: string; ready: 'True' | 'False' | 'Unknown' | null; tolerations?: Toleration[]; reason?: string }[] = [
    { name: 'Ready=True', ready: 'True' },
    { name: 'no Ready condition (never reported) is not filtered', ready: null },
    { name: 'Ready=False acts as the not-ready taint', ready: 'False', reason: 'node(s) had untolerated taint {node.kubernetes.io/not-ready: }' },
    { name: 'Ready=Unknown acts as the unreachable taint', ready: 'Unknown', reason: 'node(s) had untolerated taint {node.kubernetes.io/unreachable: }' },
    { name: 'a pod tolerating not-ready:NoSchedule passes', ready: 'False', tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoSchedule' }] },
    {
      name: 'a NoExecute toleration (DaemonSet style) does not pass',
      ready: 'False',
      tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' }],
      reason: 'node(s) had untolerated taint {node.kubernetes.io/not-ready: }',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const s = runFilter(new NodeReady(), makePod('p', c.tolerations ? { tolerations: c.tolerations } : {}), nodeInfoOf(makeNode('n', { ready: c.ready })));
      if (!c.reason) assert.equal(s.code, 'Success');
      else assert.deepEqual({ code: s.code, reasons: s.reasons }, { code: 'UnschedulableAndUnresolvable', reasons: [c.reason] });
    });
  }
});
