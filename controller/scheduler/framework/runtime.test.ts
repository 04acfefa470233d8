import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Pod } from '../../../shared/api/core-v1.ts';
import { defaultPlugins, DEFAULT_WEIGHTS } from '../plugins/default-plugins.ts';
import { makeNode, makePod, nodeInfoOf, type NodeOptions } from '../testing/fixtures.ts';
import { fitErrorMessage, newDiagnosis } from './fit-error.ts';
import { newStatus } from './interface.ts';
import type { NodeInfo } from './node-info.ts';
import { Framework, numFeasibleNodesToFind, type ScheduleResult, type Snapshot } from './runtime.ts';

function snapshotOf(nodes: NodeInfo[]): Snapshot {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  return { nodeInfoList: nodes, get: (name) => byName.get(name) };
}

function framework(rand: () => number = () => 0.5): Framework {
  return new Framework({ plugins: defaultPlugins(), weights: DEFAULT_WEIGHTS, rand });
}

function failed(r: ScheduleResult): Extract<ScheduleResult, { kind: 'Failed' }> {
  assert.equal(r.kind, 'Failed', JSON.stringify(r.kind === 'Scheduled' ? r.host : ''));
  return r as Extract<ScheduleResult, { kind: 'Failed' }>;
}

const controlPlane = (o: NodeOptions = {}) => makeNode('control-plane', { taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }], ...o });

describe('FitError message (kube 1.32 wording)', () => {
  it('taint + requests larger than any node: preemption is not helpful anywhere', () => {
    const nodes = [nodeInfoOf(controlPlane()), nodeInfoOf(makeNode('w1', { cpu: '2' })), nodeInfoOf(makeNode('w2', { cpu: '2' }))];
    const r = failed(framework().schedulePod(makePod('big', { cpu: '3' }), snapshotOf(nodes)));
    assert.equal(
      r.message,
      '0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.',
    );
    assert.equal(r.status.code, 'UnschedulableAndUnresolvable');
    assert.deepEqual([...(r.diagnosis?.unschedulablePlugins ?? [])].sort(), ['NodeResourcesFit', 'TaintToleration']);
  });

  it('full nodes without lower-priority pods: no preemption victims', () => {
    const nodes = [nodeInfoOf(controlPlane()), nodeInfoOf(makeNode('w1', { cpu: '2' }), [makePod('a', { cpu: '2' })]), nodeInfoOf(makeNode('w2', { cpu: '2' }), [makePod('b', { cpu: '1500m' })])];
    const r = failed(framework().schedulePod(makePod('p', { cpu: '1' }), snapshotOf(nodes)));
    assert.equal(
      r.message,
      '0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.',
    );
    assert.equal(r.status.code, 'Unschedulable');
  });

  it('lower-priority victims that would make room: reported as unsupported (kubelab does not evict)', () => {
    const nodes = [nodeInfoOf(makeNode('w1', { cpu: '2' }), [makePod('low', { cpu: '2', priority: 0 })])];
    const r = failed(framework().schedulePod(makePod('p', { cpu: '1', priority: 1000 }), snapshotOf(nodes)));
    assert.equal(r.message, '0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 Preemption is not supported by kubelab.');
  });

  it('lower-priority victims that would not make room: the filter reason', () => {
    const nodes = [nodeInfoOf(makeNode('w1', { cpu: '2' }), [makePod('low', { cpu: '500m', priority: 0 }), makePod('same', { cpu: '1500m', priority: 1000 })])];
    const r = failed(framework().schedulePod(makePod('p', { cpu: '1', priority: 1000 }), snapshotOf(nodes)));
    assert.equal(r.message, '0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 Insufficient cpu.');
  });

  it('preemptionPolicy Never', () => {
    const pod = makePod('p', { cpu: '4' });
    pod.spec.preemptionPolicy = 'Never';
    const r = failed(framework().schedulePod(pod, snapshotOf([nodeInfoOf(makeNode('w1', { cpu: '2' }))])));
    assert.equal(r.message, '0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never.');
  });

  it('nodes outside a PreFilter node set count as not satisfying the plugin', () => {
    const pod = makePod('ds', { cpu: '3', affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['w1'] }] }] } } } });
    const nodes = [nodeInfoOf(controlPlane()), nodeInfoOf(makeNode('w1', { cpu: '2' })), nodeInfoOf(makeNode('w2', { cpu: '2' }))];
    const r = failed(framework().schedulePod(pod, snapshotOf(nodes)));
    assert.equal(
      r.message,
      "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't satisfy plugin(s) [NodeAffinity]. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.",
    );
  });

  it('a PreFilter rejection replaces the histogram', () => {
    const pod = makePod('p', {
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['a'] }, { key: 'metadata.name', operator: 'In', values: ['b'] }] }],
          },
        },
      },
    });
    const r = failed(framework().schedulePod(pod, snapshotOf([nodeInfoOf(makeNode('a')), nodeInfoOf(makeNode('b'))])));
    assert.equal(r.message, '0/2 nodes are available: pod affinity terms conflict. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.');
  });

  it('no nodes at all', () => {
    const r = failed(framework().schedulePod(makePod('p'), snapshotOf([])));
    assert.equal(r.message, 'no nodes available to schedule pods');
  });

  it('sorts "<count> <reason>" as strings, like Go sort.Strings', () => {
    const d = newDiagnosis();
    for (let i = 0; i < 10; i++) d.nodeToStatus.set(`a${i}`, newStatus('Unschedulable', 'Insufficient cpu'));
    d.nodeToStatus.set('b0', newStatus('Unschedulable', 'Insufficient cpu', 'Insufficient memory'));
    d.nodeToStatus.set('b1', newStatus('Unschedulable', 'Insufficient memory'));
    assert.equal(fitErrorMessage(12, d), '0/12 nodes are available: 11 Insufficient cpu, 2 Insufficient memory.');
  });
});

describe('Framework.schedulePod', () => {
  it('places by score: the emptier node wins', () => {
    const nodes = [nodeInfoOf(makeNode('busy', { cpu: '4', memory: '8Gi' }), [makePod('x', { cpu: '3', memory: '6Gi' })]), nodeInfoOf(makeNode('idle', { cpu: '4', memory: '8Gi' }))];
    const r = framework().schedulePod(makePod('p', { cpu: '500m', memory: '512Mi' }), snapshotOf(nodes));
    assert.equal(r.kind === 'Scheduled' && r.host, 'idle');
  });

  it('breaks ties with the injected random source', () => {
    const nodes = () => ['a', 'b', 'c'].map((n) => nodeInfoOf(makeNode(n)));
    // Reservoir sampling: rand()=0 replaces the choice at every tie (last wins); rand()≈1 never does.
    const last = framework(() => 0).schedulePod(makePod('p'), snapshotOf(nodes()));
    const first = framework(() => 0.999).schedulePod(makePod('p'), snapshotOf(nodes()));
    assert.equal(last.kind === 'Scheduled' && last.host, 'c');
    assert.equal(first.kind === 'Scheduled' && first.host, 'a');
  });

  it('skips scoring with a single feasible node', () => {
    const nodes = [nodeInfoOf(makeNode('a', { cpu: '1' })), nodeInfoOf(makeNode('b', { cpu: '4' }))];
    const r = framework().schedulePod(makePod('p', { cpu: '2' }), snapshotOf(nodes));
    assert.deepEqual(r.kind === 'Scheduled' && [r.host, r.feasibleNodes, r.evaluatedNodes], ['b', 1, 2]);
  });

  it('stops filtering after numFeasibleNodesToFind and rotates the start node', () => {
    const nodes = Array.from({ length: 500 }, (_, i) => nodeInfoOf(makeNode(`n${i}`)));
    const fw = framework();
    const r1 = fw.schedulePod(makePod('p1'), snapshotOf(nodes));
    const r2 = fw.schedulePod(makePod('p2'), snapshotOf(nodes));
    assert.equal(r1.kind === 'Scheduled' && r1.evaluatedNodes, 230);
    assert.equal(r2.kind === 'Scheduled' && r2.evaluatedNodes, 230);
    // The second cycle started at node 230, so it could not pick from the first 230.
    const idx = Number((r2 as { host: string }).host.slice(1));
    assert.ok(idx >= 230 && idx < 460, `second pick ${idx}`);
  });

  it('numFeasibleNodesToFind', () => {
    assert.equal(numFeasibleNodesToFind(0, 50), 50);
    assert.equal(numFeasibleNodesToFind(0, 100), 100);
    assert.equal(numFeasibleNodesToFind(0, 500), 230);
    assert.equal(numFeasibleNodesToFind(0, 5000), 500);
    assert.equal(numFeasibleNodesToFind(0, 6000), 300);
    assert.equal(numFeasibleNodesToFind(30, 1000), 300);
    assert.equal(numFeasibleNodesToFind(100, 1000), 1000);
  });

  it('scoreNodes exposes the weighted scores', () => {
    const nodes = [nodeInfoOf(makeNode('soft', { taints: [{ key: 'x', effect: 'PreferNoSchedule' }] })), nodeInfoOf(makeNode('plain'))];
    const scores = framework().scoreNodes(makePod('p') as Pod, snapshotOf(nodes));
    assert.equal(scores.get('soft')?.['TaintToleration'], 0);
    assert.equal(scores.get('plain')?.['TaintToleration'], 300);
  });
});
