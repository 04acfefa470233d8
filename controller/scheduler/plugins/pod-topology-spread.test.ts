import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SchedulerCache } from '../cache/scheduler-cache.ts';
import { CycleState } from '../framework/interface.ts';
import { makeNode, makePod, nodeInfoOf, runRawScore, runScore } from '../testing/fixtures.ts';
import { PodTopologySpread } from './pod-topology-spread.ts';

const web = (name: string, extra: Parameters<typeof makePod>[1] = {}) => makePod(name, { labels: { app: 'web' }, ...extra });

describe('PodTopologySpread (default spreading)', () => {
  it('prefers nodes with fewer pods of the same labels in the namespace', () => {
    const terminating = web('t');
    terminating.metadata.deletionTimestamp = '2026-01-01T00:00:00Z';
    const nodes = [
      nodeInfoOf(makeNode('n1'), [web('a'), web('b')]),
      nodeInfoOf(makeNode('n2'), [web('c'), web('other-ns', { namespace: 'kube-system' }), terminating]),
      nodeInfoOf(makeNode('n3'), [makePod('db', { labels: { app: 'db' } })]),
    ];
    // raw: n·ln(5) + (3-1): 5.22→5, 3.61→4, 2 ; normalized 100·(max+min-s)/max
    assert.deepEqual(runRawScore(new PodTopologySpread(), web('new'), nodes), [5, 4, 2]);
    assert.deepEqual(runScore(new PodTopologySpread(), web('new'), nodes), [40, 60, 100]);
  });
  it('adds the zone constraint when nodes carry zone labels', () => {
    const z = (zone: string) => ({ labels: { 'topology.kubernetes.io/zone': zone } });
    const nodes = [
      nodeInfoOf(makeNode('n1', z('a')), [web('a'), web('b')]),
      nodeInfoOf(makeNode('n2', z('a')), [web('c')]),
      nodeInfoOf(makeNode('n3', z('b'))),
    ];
    // host: ln5 weight, zone: 2 zones → ln4 weight, zone a holds 3 pods.
    assert.deepEqual(runRawScore(new PodTopologySpread(), web('new'), nodes), [13, 12, 6]);
    assert.deepEqual(runScore(new PodTopologySpread(), web('new'), nodes), [46, 53, 100]);
  });
  it('counts zone pods on infeasible nodes too', () => {
    const z = (zone: string) => ({ labels: { 'topology.kubernetes.io/zone': zone } });
    const full = nodeInfoOf(makeNode('full', z('a')), [web('a'), web('b'), web('c')]);
    const n1 = nodeInfoOf(makeNode('n1', z('a')));
    const n2 = nodeInfoOf(makeNode('n2', z('b')));
    const scores = runScore(new PodTopologySpread(), web('new'), [n1, n2], [full, n1, n2]);
    assert.ok(scores[0]! < scores[1]!, `zone a (3 pods elsewhere) must score lower: ${scores}`);
  });
  it('a pod without labels is not spread', () => {
    const nodes = [nodeInfoOf(makeNode('n1'), [makePod('a')]), nodeInfoOf(makeNode('n2'))];
    assert.deepEqual(runScore(new PodTopologySpread(), makePod('p'), nodes), [0, 0]);
  });
  it('uses the pod’s own ScheduleAnyway constraints instead of the defaults', () => {
    const pod = web('new');
    pod.spec.topologySpreadConstraints = [{ maxSkew: 1, topologyKey: 'rack', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { app: 'web' } } }];
    const nodes = [
      nodeInfoOf(makeNode('n1', { labels: { rack: 'r1' } }), [web('a')]),
      nodeInfoOf(makeNode('n2', { labels: { rack: 'r2' } })),
      nodeInfoOf(makeNode('n3')), // lacks the key: ignored, scores 0
    ];
    assert.deepEqual(runScore(new PodTopologySpread(), pod, nodes), [0, 100, 0]);
  });
});

describe('PodTopologySpread aggregates across cycles', () => {
  it('scores the same as a full scan while pods and nodes change', () => {
    const cache = new SchedulerCache();
    const plugin = new PodTopologySpread();
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const zoneOf = (i: number) => ({ labels: { 'topology.kubernetes.io/zone': `z${i % 3}` } });
    for (let i = 0; i < 12; i++) cache.addNode(makeNode(`n${i}`, zoneOf(i)));
    const bound: ReturnType<typeof makePod>[] = [];
    const scores = (pod: ReturnType<typeof makePod>, tracked: boolean): number[] => {
      const snap = cache.snapshot();
      const nodes = snap.nodeInfoList;
      const state = new CycleState();
      if (tracked) state.snapshot = snap;
      else state.snapshot = { nodeInfoList: nodes, get: (n) => snap.get(n) };
      const p = tracked ? plugin : new PodTopologySpread();
      if (p.preScore(state, pod, nodes, nodes).code === 'Skip') return nodes.map(() => 0);
      const arr = new Float64Array(nodes.map((ni) => p.score(state, pod, ni)));
      p.normalizeScores(state, pod, arr, nodes);
      return [...arr];
    };
    for (let step = 0; step < 300; step++) {
      const r = rand();
      if (r < 0.55 || bound.length === 0) {
        const pod = makePod(`p${step}`, { labels: { app: `g${Math.floor(rand() * 3)}` }, nodeName: `n${Math.floor(rand() * 12)}` });
        bound.push(pod);
        cache.addPod(pod);
      } else if (r < 0.85) {
        const [pod] = bound.splice(Math.floor(rand() * bound.length), 1);
        cache.removePod(pod!);
      } else if (r < 0.95) {
        const i = Math.floor(rand() * 12);
        cache.updateNode(undefined, makeNode(`n${i}`, { labels: { 'topology.kubernetes.io/zone': `z${Math.floor(rand() * 4)}` } }));
      } else {
        const i = Math.floor(rand() * 12);
        const node = makeNode(`n${i}`, zoneOf(i));
        cache.removeNode(node);
        cache.addNode(node);
      }
      const group = `g${step % 3}`;
      const incoming = makePod(`new${step}`, { labels: { app: group } });
      assert.deepEqual(scores(incoming, true), scores(incoming, false), `step ${step}`);
    }
  });
});
