import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Toleration } from '../../../shared/api/core-v1.ts';
import { makeNode, makePod, nodeInfoOf, runFilter } from '../testing/fixtures.ts';
import { NodeUnschedulable } from './node-unschedulable.ts';

describe('NodeUnschedulable', () => {
  const cases: { name: string; unschedulable: boolean; tolerations?: Toleration[]; fits: boolean }[] = [
    { name: 'schedulable node', unschedulable: false, fits: true },
    { name: 'cordoned node', unschedulable: true, fits: false },
    { name: 'cordoned node, pod tolerates the unschedulable taint', unschedulable: true, tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }], fits: true },
    { name: 'cordoned node, pod tolerates everything', unschedulable: true, tolerations: [{ operator: 'Exists' }], fits: true },
    { name: 'cordoned node, toleration for another effect', unschedulable: true, tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoExecute' }], fits: false },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const s = runFilter(new NodeUnschedulable(), makePod('p', c.tolerations ? { tolerations: c.tolerations } : {}), nodeInfoOf(makeNode('n', { unschedulable: c.unschedulable })));
      if (c.fits) assert.equal(s.code, 'Success');
      else assert.deepEqual({ code: s.code, reasons: s.reasons }, { code: 'UnschedulableAndUnresolvable', reasons: ['node(s) were unschedulable'] });
    });
  }
});
