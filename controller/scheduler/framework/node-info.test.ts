import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Container } from '../../../shared/api/core-v1.ts';
import { container, makeNode, makePod } from '../testing/fixtures.ts';
import { computePodResources, DEFAULT_MEMORY_REQUEST, HostPortInfo, newPodInfo, NodeInfo, resourceFromList } from './node-info.ts';

const Mi = 1024 * 1024;
const sidecar = (name: string, requests: Record<string, string>): Container => container(name, requests, { restartPolicy: 'Always' });

describe('computePodResources (resource.PodRequests)', () => {
  const cases: {
    name: string;
    containers: Container[];
    init?: Container[];
    overhead?: Record<string, string>;
    want: { milliCPU: number; memory: number; nonZeroMilliCPU: number; nonZeroMemory: number; ephemeralStorage?: number };
  }[] = [
    {
      name: 'app containers are summed',
      containers: [container('a', { cpu: '100m', memory: '64Mi' }), container('b', { cpu: '200m', memory: '128Mi' })],
      want: { milliCPU: 300, memory: 192 * Mi, nonZeroMilliCPU: 300, nonZeroMemory: 192 * Mi },
    },
    {
      name: 'init containers take the max (upstream fit.go doc example)',
      containers: [container('c1', { cpu: '2', memory: '1G' }), container('c2', { cpu: '1', memory: '1G' })],
      init: [container('i1', { cpu: '2', memory: '1G' }), container('i2', { cpu: '2', memory: '3G' })],
      want: { milliCPU: 3000, memory: 3e9, nonZeroMilliCPU: 3000, nonZeroMemory: 3e9 },
    },
    {
      name: 'a sidecar adds to the app side and to later init containers',
      containers: [container('app', { cpu: '200m', memory: '100Mi' })],
      init: [sidecar('proxy', { cpu: '100m', memory: '50Mi' }), container('migrate', { cpu: '500m', memory: '10Mi' })],
      // app side: 200 + 100 = 300m; init side: migrate 500 + sidecar 100 = 600m. memory: 150Mi vs 60Mi.
      want: { milliCPU: 600, memory: 150 * Mi, nonZeroMilliCPU: 600, nonZeroMemory: 150 * Mi },
    },
    {
      name: 'a sidecar declared after an init container does not add to it',
      containers: [container('app', { cpu: '100m' })],
      init: [container('setup', { cpu: '500m' }), sidecar('log', { cpu: '300m' })],
      // app side 100 + 300 = 400m; init side max(500, 300) = 500m.
      want: { milliCPU: 500, memory: 0, nonZeroMilliCPU: 500, nonZeroMemory: 2 * DEFAULT_MEMORY_REQUEST },
    },
    {
      name: 'overhead is added once',
      containers: [container('app', { cpu: '1', memory: '1Gi' })],
      overhead: { cpu: '250m', memory: '120Mi' },
      want: { milliCPU: 1250, memory: 1144 * Mi, nonZeroMilliCPU: 1250, nonZeroMemory: 1144 * Mi },
    },
    {
      name: 'missing requests get the scoring defaults only',
      containers: [container('a'), container('b', { memory: '1Gi' })],
      want: { milliCPU: 0, memory: 1024 * Mi, nonZeroMilliCPU: 200, nonZeroMemory: 200 * Mi + 1024 * Mi },
    },
    {
      name: 'an explicit zero is not replaced by the default',
      containers: [container('a', { cpu: '0' })],
      want: { milliCPU: 0, memory: 0, nonZeroMilliCPU: 0, nonZeroMemory: 200 * Mi },
    },
    {
      name: 'sub-milli quantities are summed exactly before rounding up',
      containers: [container('a', { cpu: '0.5m' }), container('b', { cpu: '0.5m' })],
      want: { milliCPU: 1, memory: 0, nonZeroMilliCPU: 1, nonZeroMemory: 2 * DEFAULT_MEMORY_REQUEST },
    },
    {
      name: 'ephemeral-storage is tracked',
      containers: [container('a', { 'ephemeral-storage': '2Gi' })],
      want: { milliCPU: 0, memory: 0, nonZeroMilliCPU: 100, nonZeroMemory: 200 * Mi, ephemeralStorage: 2 * 1024 * Mi },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const pod = makePod('p', { containers: c.containers, ...(c.init ? { initContainers: c.init } : {}), ...(c.overhead ? { overhead: c.overhead } : {}) });
      const r = computePodResources(pod);
      assert.deepEqual(
        { milliCPU: r.milliCPU, memory: r.memory, nonZeroMilliCPU: r.nonZeroMilliCPU, nonZeroMemory: r.nonZeroMemory, ephemeralStorage: r.ephemeralStorage },
        { ephemeralStorage: 0, ...c.want },
      );
    });
  }

  it('collects scalar resources', () => {
    const pod = makePod('gpu', { containers: [container('a', { 'nvidia.com/gpu': '2', 'hugepages-2Mi': '4Mi' })] });
    const r = computePodResources(pod);
    assert.deepEqual([...(r.scalar ?? new Map())].sort(), [['hugepages-2Mi', 4 * Mi], ['nvidia.com/gpu', 2]]);
  });
});

describe('resourceFromList (node allocatable)', () => {
  it('parses cpu to millicores, memory and storage to bytes, pods to a count, scalars by name', () => {
    const r = resourceFromList({ cpu: '3500m', memory: '1Gi', pods: '110', 'ephemeral-storage': '10G', 'example.com/foo': '2', bogus: '1' });
    assert.equal(r.milliCPU, 3500);
    assert.equal(r.memory, 1024 * Mi);
    assert.equal(r.allowedPodNumber, 110);
    assert.equal(r.ephemeralStorage, 10e9);
    assert.deepEqual([...(r.scalar ?? new Map())], [['example.com/foo', 2]]);
  });
  it('is all zero without allocatable', () => {
    assert.deepEqual(resourceFromList(undefined), { milliCPU: 0, memory: 0, ephemeralStorage: 0, allowedPodNumber: 0, scalar: undefined });
  });
});

describe('HostPortInfo.conflicts', () => {
  const cases: { used: [string, string, number][]; want: [string, string, number]; conflict: boolean }[] = [
    { used: [['0.0.0.0', 'TCP', 80]], want: ['0.0.0.0', 'TCP', 80], conflict: true },
    { used: [['0.0.0.0', 'TCP', 80]], want: ['0.0.0.0', 'UDP', 80], conflict: false },
    { used: [['0.0.0.0', 'TCP', 80]], want: ['10.0.0.1', 'TCP', 80], conflict: true },
    { used: [['10.0.0.1', 'TCP', 80]], want: ['0.0.0.0', 'TCP', 80], conflict: true },
    { used: [['10.0.0.1', 'TCP', 80]], want: ['10.0.0.2', 'TCP', 80], conflict: false },
    { used: [['10.0.0.1', 'TCP', 80]], want: ['10.0.0.1', 'TCP', 81], conflict: false },
    { used: [], want: ['0.0.0.0', 'TCP', 80], conflict: false },
  ];
  for (const c of cases) {
    it(`${JSON.stringify(c.used)} vs ${c.want.join('/')} → ${c.conflict}`, () => {
      const h = new HostPortInfo();
      for (const [hostIP, protocol, hostPort] of c.used) h.add({ hostIP, protocol, hostPort });
      assert.equal(h.conflicts({ hostIP: c.want[0], protocol: c.want[1], hostPort: c.want[2] }), c.conflict);
    });
  }
});

describe('NodeInfo', () => {
  it('accounts requests, non-zero requests and host ports on add and remove', () => {
    const ni = new NodeInfo('n1');
    ni.setNode(makeNode('n1', { cpu: '2', memory: '4Gi', pods: 10, taints: [{ key: 'k', effect: 'NoSchedule' }], labels: { zone: 'a' } }));
    assert.equal(ni.allocatable.milliCPU, 2000);
    assert.equal(ni.labels['zone'], 'a');
    assert.equal(ni.taints.length, 1);
    assert.equal(ni.readyStatus, 'True');
    const a = newPodInfo(makePod('a', { cpu: '500m', memory: '1Gi', hostPorts: [8080] }));
    const b = newPodInfo(makePod('b'));
    ni.addPod(a);
    ni.addPod(b);
    assert.equal(ni.requested.milliCPU, 500);
    assert.equal(ni.requested.memory, 1024 * Mi);
    assert.equal(ni.nonZeroRequested.milliCPU, 600);
    assert.equal(ni.nonZeroRequested.memory, 1024 * Mi + 200 * Mi);
    assert.ok(ni.usedPorts.conflicts({ hostIP: '0.0.0.0', protocol: 'TCP', hostPort: 8080 }));
    assert.equal(ni.removePod(a.key), true);
    assert.equal(ni.removePod(a.key), false);
    assert.equal(ni.requested.milliCPU, 0);
    assert.equal(ni.nonZeroRequested.milliCPU, 100);
    assert.equal(ni.usedPorts.conflicts({ hostIP: '0.0.0.0', protocol: 'TCP', hostPort: 8080 }), false);
    assert.deepEqual(ni.pods.map((p) => p.key), [b.key]);
  });
  it('clone is independent', () => {
    const ni = new NodeInfo('n1');
    ni.setNode(makeNode('n1'));
    const a = newPodInfo(makePod('a', { cpu: '1' }));
    ni.addPod(a);
    const c = ni.clone();
    c.removePod(a.key);
    assert.equal(c.requested.milliCPU, 0);
    assert.equal(ni.requested.milliCPU, 1000);
    assert.equal(ni.pods.length, 1);
  });
});
