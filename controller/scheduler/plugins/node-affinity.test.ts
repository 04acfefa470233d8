import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Affinity, NodeSelectorTerm, PreferredSchedulingTerm } from '../../../shared/api/core-v1.ts';
import { CycleState } from '../framework/interface.ts';
import { makeNode, makePod, nodeInfoOf, runFilter, runScore } from '../testing/fixtures.ts';
import { ERR_REASON_CONFLICT, ERR_REASON_POD, NodeAffinity } from './node-affinity.ts';

const required = (...terms: NodeSelectorTerm[]): Affinity => ({ nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } });
const preferred = (...terms: PreferredSchedulingTerm[]): Affinity => ({ nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: terms } });

describe('NodeAffinity filter', () => {
  const labels = { zone: 'a', disk: 'ssd', cores: '16', name: 'x' };
  const cases: { name: string; nodeSelector?: Record<string, string>; affinity?: Affinity; fits: boolean }[] = [
    { name: 'no constraint', fits: true },
    { name: 'nodeSelector matches', nodeSelector: { zone: 'a', disk: 'ssd' }, fits: true },
    { name: 'nodeSelector value differs', nodeSelector: { zone: 'b' }, fits: false },
    { name: 'nodeSelector label missing', nodeSelector: { gpu: 'true' }, fits: false },
    { name: 'In', affinity: required({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['b', 'a'] }] }), fits: true },
    { name: 'In, no value matches', affinity: required({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['b'] }] }), fits: false },
    { name: 'NotIn', affinity: required({ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['b'] }] }), fits: true },
    { name: 'NotIn on a missing label matches', affinity: required({ matchExpressions: [{ key: 'gpu', operator: 'NotIn', values: ['x'] }] }), fits: true },
    { name: 'Exists', affinity: required({ matchExpressions: [{ key: 'disk', operator: 'Exists' }] }), fits: true },
    { name: 'DoesNotExist', affinity: required({ matchExpressions: [{ key: 'disk', operator: 'DoesNotExist' }] }), fits: false },
    { name: 'Gt', affinity: required({ matchExpressions: [{ key: 'cores', operator: 'Gt', values: ['8'] }] }), fits: true },
    { name: 'Gt equal is false', affinity: required({ matchExpressions: [{ key: 'cores', operator: 'Gt', values: ['16'] }] }), fits: false },
    { name: 'Lt', affinity: required({ matchExpressions: [{ key: 'cores', operator: 'Lt', values: ['32'] }] }), fits: true },
    { name: 'Gt on a non-integer label is false', affinity: required({ matchExpressions: [{ key: 'zone', operator: 'Gt', values: ['1'] }] }), fits: false },
    { name: 'Gt with two values is invalid: matches nothing', affinity: required({ matchExpressions: [{ key: 'cores', operator: 'Gt', values: ['1', '2'] }] }), fits: false },
    {
      name: 'expressions in a term are ANDed',
      affinity: required({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }, { key: 'disk', operator: 'In', values: ['hdd'] }] }),
      fits: false,
    },
    {
      name: 'terms are ORed',
      affinity: required({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['b'] }] }, { matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] }),
      fits: true,
    },
    { name: 'an empty term matches nothing', affinity: required({}), fits: false },
    { name: 'matchFields metadata.name In', affinity: required({ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }), fits: true },
    { name: 'matchFields metadata.name NotIn', affinity: required({ matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['n1'] }] }), fits: false },
    { name: 'matchFields matches on the node name, not on a label', affinity: required({ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['x'] }] }), fits: false },
    { name: 'nodeSelector and affinity must both match', nodeSelector: { zone: 'b' }, affinity: required({ matchExpressions: [{ key: 'disk', operator: 'Exists' }] }), fits: false },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const pod = makePod('p', { ...(c.nodeSelector ? { nodeSelector: c.nodeSelector } : {}), ...(c.affinity ? { affinity: c.affinity } : {}) });
      const s = runFilter(new NodeAffinity(), pod, nodeInfoOf(makeNode('n1', { labels })));
      if (c.fits) assert.equal(s.code, 'Success');
      else assert.deepEqual({ code: s.code, reasons: s.reasons }, { code: 'UnschedulableAndUnresolvable', reasons: [ERR_REASON_POD] });
    });
  }
});

describe('NodeAffinity PreFilter', () => {
  it('restricts the cycle to the nodes pinned by metadata.name In', () => {
    const state = new CycleState();
    const pod = makePod('ds', {
      affinity: required({ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n2'] }] }, { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n3'] }] }),
    });
    assert.equal(new NodeAffinity().preFilter(state, pod).code, 'Success');
    assert.deepEqual([...(state.nodeNames ?? [])].sort(), ['n2', 'n3']);
    assert.deepEqual(state.restrictedBy, ['NodeAffinity']);
  });
  it('leaves all nodes when one term does not pin the name', () => {
    const state = new CycleState();
    const pod = makePod('p', { affinity: required({ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n2'] }] }, { matchExpressions: [{ key: 'zone', operator: 'Exists' }] }) });
    new NodeAffinity().preFilter(state, pod);
    assert.equal(state.nodeNames, undefined);
  });
  it('fails at once when a term pins disjoint names', () => {
    const pod = makePod('p', {
      affinity: required({
        matchFields: [
          { key: 'metadata.name', operator: 'In', values: ['n1'] },
          { key: 'metadata.name', operator: 'In', values: ['n2'] },
        ],
      }),
    });
    const s = new NodeAffinity().preFilter(new CycleState(), pod);
    assert.deepEqual({ code: s.code, reasons: s.reasons }, { code: 'UnschedulableAndUnresolvable', reasons: [ERR_REASON_CONFLICT] });
  });
  it('skips pods without node constraints', () => {
    assert.equal(new NodeAffinity().preFilter(new CycleState(), makePod('p')).code, 'Skip');
  });
});

describe('NodeAffinity score', () => {
  it('sums the weights of matching preferred terms, normalized by the maximum', () => {
    const pod = makePod('p', {
      affinity: preferred(
        { weight: 2, preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] } },
        { weight: 8, preference: { matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] } },
      ),
    });
    const nodes = ([{ zone: 'a' }, { disk: 'ssd' }, { zone: 'a', disk: 'ssd' }, {}] as Record<string, string>[]).map((labels, i) => nodeInfoOf(makeNode(`n${i}`, { labels })));
    assert.deepEqual(runScore(new NodeAffinity(), pod, nodes), [20, 80, 100, 0]);
  });
  it('truncates like integer division', () => {
    const pod = makePod('p', { affinity: preferred({ weight: 1, preference: { matchExpressions: [{ key: 'a', operator: 'Exists' }] } }, { weight: 2, preference: { matchExpressions: [{ key: 'b', operator: 'Exists' }] } }) });
    const nodes = ([{ a: '' }, { a: '', b: '' }] as Record<string, string>[]).map((labels, i) => nodeInfoOf(makeNode(`n${i}`, { labels })));
    assert.deepEqual(runScore(new NodeAffinity(), pod, nodes), [33, 100]);
  });
  it('contributes 0 everywhere without preferred terms', () => {
    assert.deepEqual(runScore(new NodeAffinity(), makePod('p'), [nodeInfoOf(makeNode('a'))]), [0]);
  });
});
