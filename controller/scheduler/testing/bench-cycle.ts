/**
 * Cost of one scheduling cycle, in process, without an apiserver: a Scheduler with hand-fed informers and a
 * client whose calls resolve at once. Fills N nodes with P pending pods (ReplicaSet-like label groups,
 * 100m/128Mi requests) and reports the time per cycle (pop → filter → score → assume → bind started).
 *
 *   node_modules/.bin/node controller/scheduler/testing/bench-cycle.ts [nodes=500] [pods=10000] [groups=20]
 *   (NO_ZONES=1: nodes without zone labels; UNFIT=1: pods that fit nowhere)
 */
import type { Node, Pod } from '../../../shared/api/core-v1.ts';
import type { ResourceEventHandler } from '../../../shared/cache/shared-informer.ts';
import { silentLogger } from '../../../shared/util/log.ts';
import { Scheduler } from '../scheduler.ts';
import { makeNode, makePod } from './fixtures.ts';

const numNodes = Number(process.argv[2] ?? 500);
const numPods = Number(process.argv[3] ?? 10_000);
const groups = Number(process.argv[4] ?? 20);

const pods = new Map<string, Pod>();
let podHandler: ResourceEventHandler<Pod> | undefined;
let nodeHandler: ResourceEventHandler<Node> | undefined;
let binds = 0;
const scheduler = new Scheduler({
  client: {
    pods: {
      bind: async () => {
        binds++;
      },
      patch: async () => ({}),
    },
    events: { create: async () => ({}), patch: async () => ({}) },
  },
  informers: {
    pods: { addEventHandler: (h) => (podHandler = h), lister: { get: (k) => pods.get(k) } },
    nodes: { addEventHandler: (h) => (nodeHandler = h) },
  },
  log: silentLogger(),
});

for (let i = 0; i < numNodes; i++) {
  const zone = `zone-${i % 3}`;
  nodeHandler!.onAdd?.(makeNode(`node-${i}`, { cpu: '8', memory: '32Gi', pods: 110, labels: { ...(process.env['NO_ZONES'] ? {} : { 'topology.kubernetes.io/zone': zone }), 'kubernetes.io/os': 'linux' } }), true);
}
for (let i = 0; i < numPods; i++) {
  const g = i % groups;
  const pod = makePod(`pod-${i}`, {
    cpu: '100m',
    memory: '128Mi',
    labels: { app: `app-${g}`, 'pod-template-hash': `h${g}` },
    // UNFIT=1: every pod asks for a label no node has (measures the all-nodes-rejected path).
    ...(process.env['UNFIT'] ? { nodeSelector: { 'no-such-label': 'x' } } : {}),
  });
  pods.set(`default/${pod.metadata.name}`, pod);
  podHandler!.onAdd?.(pod, false);
}

const times: number[] = [];
const start = performance.now();
let scheduled = 0;
for (let i = 0; i < numPods; i++) {
  const info = await scheduler.queue.pop();
  const t0 = performance.now();
  const r = scheduler.scheduleQueuedPod(info);
  times.push(performance.now() - t0);
  if (r.kind === 'Scheduled') scheduled++;
}
const total = performance.now() - start;
await scheduler.flush();
times.sort((a, b) => a - b);
const pct = (p: number) => times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))]!.toFixed(3);
console.log(
  JSON.stringify({
    nodes: numNodes,
    pods: numPods,
    scheduled,
    binds,
    totalMs: Math.round(total),
    podsPerSecond: Math.round((numPods / total) * 1000),
    cycleMs: { mean: (total / numPods).toFixed(3), p50: pct(50), p90: pct(90), p99: pct(99), max: pct(100) },
  }),
);
