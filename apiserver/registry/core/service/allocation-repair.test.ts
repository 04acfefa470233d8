/**
 * The ClusterIP/NodePort repair loops over the real registry (embedded store in memory) with a FakeClock: leaked
 * records freed on the third consecutive run that sees them, unrecorded values recorded with a
 * ClusterIPNotAllocated/PortNotAllocated event, duplicates and out-of-range values reported, runs every interval.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Event, Service } from '../../../../shared/api/core-v1.ts';
import type { KubeObject } from '../../../../shared/api/meta.ts';
import { FakeClock } from '../../../../shared/util/clock.ts';
import { useMemoryRegistry } from '../../testing.ts';
import { ServiceAllocationRepair } from './allocation-repair.ts';
import { SERVICE_IPS_PREFIX, SERVICE_NODE_PORTS_PREFIX } from './service-allocators.ts';

describe('ServiceAllocationRepair', () => {
  const clock = new FakeClock(Date.parse('2026-12-07T23:00:00Z'));
  const r = useMemoryRegistry({ namespaces: ['rp'], clock, services: { serviceClusterIPRange: '10.0.0.0/24', serviceNodePortRange: '30000-30099', repairIntervalMs: 3_600_000 } });
  const repair = () =>
    new ServiceAllocationRepair({ allocators: r.registry.serviceAllocators, storage: r.storage, events: r.store('events'), clock, intervalMs: 60_000 });
  const names = async (prefix: string) => (await r.storage.list(prefix)).items.map((i) => i.metadata.name ?? '').sort();
  const events = async (reason: string): Promise<Event[]> => ((await r.storage.list('/events/rp/')).items as Event[]).filter((e) => e.reason === reason);

  it('frees a leaked record on the third consecutive run only', async () => {
    const rp = repair();
    await r.registry.serviceAllocators.ips.allocate('10.0.0.77', { namespace: 'rp', name: 'ghost' });
    await r.registry.serviceAllocators.nodePorts.allocate('30077', { namespace: 'rp', name: 'ghost' });
    await rp.runOnce();
    await rp.runOnce();
    assert.ok((await names(SERVICE_IPS_PREFIX)).includes('10.0.0.77'), 'kept during the grace');
    assert.ok((await names(SERVICE_NODE_PORTS_PREFIX)).includes('30077'));
    await rp.runOnce();
    assert.ok(!(await names(SERVICE_IPS_PREFIX)).includes('10.0.0.77'), 'freed on the third run');
    assert.ok(!(await names(SERVICE_NODE_PORTS_PREFIX)).includes('30077'));
    assert.ok((await names(SERVICE_IPS_PREFIX)).includes('10.0.0.1'), 'the kubernetes Service keeps its address');
  });

  it('a value used again before the grace ends is not freed', async () => {
    const rp = repair();
    await r.registry.serviceAllocators.ips.allocate('10.0.0.78', { namespace: 'rp', name: 'late' });
    await rp.runOnce();
    await rp.runOnce();
    // The create that allocated it finally stores its Service.
    await r.storage.create('/services/specs/rp/late', {
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'late', namespace: 'rp', uid: 'u-late' },
      spec: { type: 'ClusterIP', clusterIP: '10.0.0.78', clusterIPs: ['10.0.0.78'], ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }] },
    } as KubeObject);
    await rp.runOnce();
    await rp.runOnce();
    assert.ok((await names(SERVICE_IPS_PREFIX)).includes('10.0.0.78'));
    await r.store('services').delete('rp', 'late');
    assert.ok(!(await names(SERVICE_IPS_PREFIX)).includes('10.0.0.78'), 'released by the delete');
  });

  it('records values held without a record, and reports duplicates and out-of-range values', async () => {
    const raw = (name: string, ip: string, nodePort: number, uid: string): Service => ({
      apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'rp', uid },
      spec: { type: 'NodePort', clusterIP: ip, clusterIPs: [ip], externalTrafficPolicy: 'Cluster', ports: [{ port: 80, protocol: 'TCP', targetPort: 80, nodePort }] },
    });
    // Stored behind the registry's back (as an older kubelab stored them: no records).
    await r.storage.create('/services/specs/rp/legacy', raw('legacy', '10.0.0.90', 30090, 'u1') as KubeObject);
    await r.storage.create('/services/specs/rp/twin', raw('twin', '10.0.0.90', 30090, 'u2') as KubeObject);
    await r.storage.create('/services/specs/rp/far', raw('far', '10.9.9.9', 31999, 'u3') as KubeObject);
    await repair().runOnce();
    assert.ok((await names(SERVICE_IPS_PREFIX)).includes('10.0.0.90'));
    assert.ok((await names(SERVICE_NODE_PORTS_PREFIX)).includes('30090'));
    const rec = await r.storage.get(`${SERVICE_IPS_PREFIX}10.0.0.90`);
    assert.equal((rec as unknown as { parentRef: { name: string } }).parentRef.name, 'legacy');
    const notAllocated = await events('ClusterIPNotAllocated');
    assert.equal(notAllocated.length, 1);
    assert.equal(notAllocated[0]?.message, 'Cluster IP [IPv4]:10.0.0.90 is not allocated; repairing');
    assert.equal(notAllocated[0]?.type, 'Warning');
    assert.equal(notAllocated[0]?.involvedObject.name, 'legacy');
    assert.equal(notAllocated[0]?.source?.component, 'ipallocator-repair-controller');
    assert.equal((await events('PortNotAllocated'))[0]?.message, 'Port 30090 is not allocated; repairing');
    const dupIP = await events('ClusterIPAlreadyAllocated');
    assert.equal(dupIP[0]?.message, 'Cluster IP [IPv4]:10.0.0.90 was assigned to multiple services; please recreate service');
    assert.equal(dupIP[0]?.involvedObject.name, 'twin');
    assert.equal((await events('PortAlreadyAllocated'))[0]?.message, 'Port 30090 was assigned to multiple services; please recreate service');
    assert.equal((await events('ClusterIPOutOfRange'))[0]?.message, 'Cluster IP [IPv4]:10.9.9.9 is not within the configured Service CIDR 10.0.0.0/24; please recreate service');
    assert.equal((await events('PortOutOfRange'))[0]?.message, 'Port 31999 is not within the port range 30000-30099; please recreate service');
    // A new Service cannot take the repaired values.
    const taken = await r.store('services').create('rp', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'want' }, spec: { clusterIP: '10.0.0.90', ports: [{ port: 80 }] } }).catch((e: Error) => e);
    assert.match(String((taken as Error).message), /provided IP is already allocated/);
    for (const n of ['legacy', 'twin', 'far']) await r.storage.delete(`/services/specs/rp/${n}`);
  });

  it('runs every interval on the injected clock', async () => {
    const rp = repair();
    rp.start();
    try {
      await r.registry.serviceAllocators.ips.allocate('10.0.0.99', { namespace: 'rp', name: 'ghost2' });
      for (let i = 0; i < 3; i++) {
        clock.step(60_000);
        // Let the run's storage calls finish.
        for (let k = 0; k < 50 && (await names(SERVICE_IPS_PREFIX)).includes('10.0.0.99') && i === 2; k++) await new Promise((res) => setTimeout(res, 10));
        await new Promise((res) => setTimeout(res, 30));
      }
      assert.ok(!(await names(SERVICE_IPS_PREFIX)).includes('10.0.0.99'), 'freed by the third timed run');
    } finally {
      rp.stop();
    }
  });
});
