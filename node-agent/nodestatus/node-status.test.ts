import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClientset, filterActions } from '../../shared/client/fake/clientset.ts';
import { FakeClock } from '../../shared/util/clock.ts';
import { silentLogger } from '../../shared/util/log.ts';
import type { Lease } from '../../shared/api/coordination-v1.ts';
import type { Node } from '../../shared/api/core-v1.ts';
import { NodeStatusManager } from './node-status-manager.ts';
import { NodeLeaseController } from './node-lease-controller.ts';
import { allocatableFrom } from './host-info.ts';
import type { NodeFacts } from './setters.ts';

function facts(over: Partial<NodeFacts> = {}): NodeFacts {
  return {
    hostname: 'n1',
    nodeIP: '10.0.0.11',
    capacity: { cpu: '2', memory: '4000Ki', pods: '110' },
    allocatable: { cpu: '2', memory: '4000Ki', pods: '110' },
    nodeInfo: {
      machineID: 'm', systemUUID: 's', bootID: 'b', kernelVersion: '6.1', osImage: 'Debian GNU/Linux 12 (bookworm)',
      containerRuntimeVersion: 'containerd://1.6.20', kubeletVersion: 'v1.32.0-kubelab', operatingSystem: 'linux', architecture: 'amd64',
    },
    daemonPort: 10250,
    notReadyReasons: [],
    memoryPressure: false,
    diskPressure: false,
    pidPressure: false,
    ...over,
  };
}

test('NodeStatusManager registers the node and patches status only on change or every 5 min', async () => {
  const clock = new FakeClock();
  const cs = new FakeClientset({ clock });
  let f = facts();
  const m = new NodeStatusManager({ nodes: cs.nodes, nodeName: 'n1', facts: async () => f, labels: { role: 'x' }, taints: [{ key: 'k', value: 'v', effect: 'NoSchedule' }], podCIDR: '10.244.1.0/24', clock, log: silentLogger() });
  const node = await m.register();
  assert.equal(node.metadata.labels?.['kubernetes.io/hostname'], 'n1');
  assert.equal(node.metadata.labels?.['role'], 'x');
  assert.deepEqual(node.spec?.taints, [{ key: 'k', value: 'v', effect: 'NoSchedule' }]);
  assert.equal(node.spec?.podCIDR, '10.244.1.0/24');
  assert.deepEqual(node.status?.addresses, [{ type: 'InternalIP', address: '10.0.0.11' }, { type: 'Hostname', address: 'n1' }]);
  assert.equal(node.status?.daemonEndpoints?.kubeletEndpoint?.Port, 10250);
  assert.deepEqual(node.status?.conditions?.map((c) => `${c.type}=${c.status}`), ['NetworkUnavailable=False', 'MemoryPressure=False', 'DiskPressure=False', 'PIDPressure=False', 'Ready=True']);
  cs.clearActions();

  clock.step(10_000);
  assert.equal(await m.updateOnce(), false, 'nothing changed: no write');
  assert.equal(filterActions(cs.actions(), { only: ['patch'] }).length, 0);

  f = facts({ notReadyReasons: ['container runtime is down'] });
  clock.step(10_000);
  assert.equal(await m.updateOnce(), true);
  const stored = (await cs.nodes.get('', 'n1')) as Node;
  const ready = stored.status?.conditions?.find((c) => c.type === 'Ready');
  assert.equal(ready?.status, 'False');
  assert.equal(ready?.message, 'container runtime is down');
  assert.equal(ready?.lastTransitionTime, '2026-01-01T00:00:20Z');
  const mem = stored.status?.conditions?.find((c) => c.type === 'MemoryPressure');
  assert.equal(mem?.lastTransitionTime, '2026-01-01T00:00:00Z', 'unchanged conditions keep their transition time');
  assert.equal(mem?.lastHeartbeatTime, '2026-01-01T00:00:20Z');

  clock.step(300_000);
  assert.equal(await m.updateOnce(), true, 'report frequency reached: write even without change');

  // Agent restart: the node exists; registration reconciles and patches status.
  const m2 = new NodeStatusManager({ nodes: cs.nodes, nodeName: 'n1', facts: async () => facts(), clock, log: silentLogger() });
  const again = await m2.register();
  assert.equal(again.metadata.uid, node.metadata.uid);
  assert.equal(again.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
});

test('NodeLeaseController creates and renews the lease with an owner reference', async () => {
  const clock = new FakeClock();
  const cs = new FakeClientset({ clock });
  const lc = new NodeLeaseController({ leases: cs.leases, clock, log: silentLogger() });
  let uid: string | undefined;
  lc.add('n1', () => uid);
  const first = await lc.renew('n1');
  assert.equal(first.spec?.holderIdentity, 'n1');
  assert.equal(first.spec?.leaseDurationSeconds, 40);
  assert.equal(first.spec?.renewTime, '2026-01-01T00:00:00.000000Z');
  assert.equal(first.metadata.ownerReferences, undefined);
  uid = 'node-uid';
  clock.step(10_000);
  const second = await lc.renew('n1');
  assert.equal(second.spec?.renewTime, '2026-01-01T00:00:10.000000Z');
  assert.deepEqual(second.metadata.ownerReferences, [{ apiVersion: 'v1', kind: 'Node', name: 'n1', uid: 'node-uid' }]);
  // Someone else bumped the lease: conflict -> re-read -> update.
  const cur = (await cs.leases.get('kube-node-lease', 'n1')) as Lease;
  await cs.leases.update({ ...cur, spec: { ...cur.spec, holderIdentity: 'n1' } });
  clock.step(10_000);
  const third = await lc.renew('n1');
  assert.equal(third.spec?.renewTime, '2026-01-01T00:00:20.000000Z');
});

test('NodeLeaseController renews on its own timer every 10 s', async () => {
  const clock = new FakeClock();
  const cs = new FakeClientset({ clock });
  const lc = new NodeLeaseController({ leases: cs.leases, clock, log: silentLogger() });
  let renewals = 0;
  lc.add('a', () => undefined, () => renewals++);
  lc.add('b', () => undefined, () => renewals++);
  lc.start();
  const settle = async () => { for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r)); };
  clock.step(0);
  await settle();
  assert.equal(renewals, 2);
  clock.step(10_000);
  await settle();
  assert.equal(renewals, 4);
  lc.stop();
  clock.step(10_000);
  await settle();
  assert.equal(renewals, 4);
});

test('allocatable subtracts reserved cpu and memory', () => {
  assert.deepEqual(allocatableFrom({ cpu: '2', memory: '4096Ki', pods: '110' }, { cpu: '500m', memory: '1Mi' }), { cpu: '1500m', memory: '3072Ki', pods: '110' });
});
