import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Taint, Toleration } from '../../../shared/api/core-v1.ts';
import { makeNode, makePod, nodeInfoOf, runFilter, runScore } from '../testing/fixtures.ts';
import { TaintToleration } from './taint-toleration.ts';

const controlPlane: Taint = { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' };

describe('TaintToleration filter', () => {
  const cases: { name: string; taints: Taint[]; tolerations?: Toleration[]; reason?: string }[] = [
    { name: 'no taints', taints: [] },
    { name: 'untolerated NoSchedule taint without value', taints: [controlPlane], reason: 'node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }' },
    { name: 'untolerated NoExecute taint with value', taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoExecute' }], reason: 'node(s) had untolerated taint {dedicated: gpu}' },
    { name: 'PreferNoSchedule never filters', taints: [{ key: 'soft', effect: 'PreferNoSchedule' }] },
    { name: 'Exists toleration', taints: [controlPlane], tolerations: [{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' }] },
    { name: 'Equal toleration with matching value', taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }], tolerations: [{ key: 'dedicated', value: 'gpu' }] },
    {
      name: 'Equal toleration with another value',
      taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }],
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'db' }],
      reason: 'node(s) had untolerated taint {dedicated: gpu}',
    },
    { name: 'toleration for the wrong effect', taints: [controlPlane], tolerations: [{ key: controlPlane.key, operator: 'Exists', effect: 'NoExecute' }], reason: 'node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }' },
    { name: 'empty key with Exists tolerates all', taints: [controlPlane, { key: 'x', effect: 'NoExecute' }], tolerations: [{ operator: 'Exists' }] },
    {
      name: 'the first untolerated taint is reported',
      taints: [{ key: 'a', effect: 'NoSchedule' }, { key: 'b', value: 'v', effect: 'NoSchedule' }],
      tolerations: [{ key: 'a', operator: 'Exists' }],
      reason: 'node(s) had untolerated taint {b: v}',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const s = runFilter(new TaintToleration(), makePod('p', c.tolerations ? { tolerations: c.tolerations } : {}), nodeInfoOf(makeNode('n', { taints: c.taints })));
      if (!c.reason) assert.equal(s.code, 'Success');
      else assert.deepEqual({ code: s.code, reasons: s.reasons }, { code: 'UnschedulableAndUnresolvable', reasons: [c.reason] });
    });
  }
});

describe('TaintToleration score', () => {
  const soft = (key: string): Taint => ({ key, effect: 'PreferNoSchedule' });
  const cases: { name: string; nodes: Taint[][]; tolerations?: Toleration[]; want: number[] }[] = [
    { name: 'fewer intolerable PreferNoSchedule taints score higher', nodes: [[], [soft('a')], [soft('a'), soft('b')]], want: [100, 50, 0] },
    { name: 'tolerated ones do not count', nodes: [[], [soft('a')], [soft('a'), soft('b')]], tolerations: [{ key: 'b', operator: 'Exists', effect: 'PreferNoSchedule' }], want: [100, 0, 0] },
    { name: 'tolerations for NoSchedule do not apply to scoring', nodes: [[soft('a')], []], tolerations: [{ key: 'a', operator: 'Exists', effect: 'NoSchedule' }], want: [0, 100] },
    { name: 'no taints anywhere: all max', nodes: [[], []], want: [100, 100] },
    { name: 'NoSchedule taints are not counted', nodes: [[{ key: 'x', effect: 'NoSchedule' }], []], want: [100, 100] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const nodes = c.nodes.map((taints, i) => nodeInfoOf(makeNode(`n${i}`, { taints })));
      assert.deepEqual(runScore(new TaintToleration(), makePod('p', c.tolerations ? { tolerations: c.tolerations } : {}), nodes), c.want);
    });
  }
});
