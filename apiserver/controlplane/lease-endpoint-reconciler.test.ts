import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Endpoints } from '../../shared/api/core-v1.ts';
import type { EndpointSlice } from '../../shared/api/discovery-v1.ts';
import { FakeClock, realClock } from '../../shared/util/clock.ts';
import { useMemoryRegistry } from '../registry/testing.ts';
import { EndpointsAdapter, endpointSliceFromEndpoints } from './endpoints-adapter.ts';
import { checkEndpointSubsetFormatWithLease, LABEL_SKIP_MIRROR, LeaseEndpointReconciler } from './lease-endpoint-reconciler.ts';
import { StorageLeases } from './master-leases.ts';
import { KubernetesEndpointsController, kubernetesEndpointPorts } from './kubernetes-endpoints-controller.ts';
import { resolveAdvertiseAddress, chooseHostAddress } from './advertise-address.ts';

const clock = new FakeClock(Date.UTC(2026, 0, 1));
const fixture = useMemoryRegistry({ clock });
const TTL = 15_000;

/** One API server's reconciler over the shared registry and storage. */
function apiServer(): LeaseEndpointReconciler {
  const adapter = new EndpointsAdapter({ endpoints: fixture.store('endpoints'), endpointSlices: fixture.store('endpointslices') });
  return new LeaseEndpointReconciler(adapter, new StorageLeases({ storage: fixture.storage, ttlMs: TTL, clock }));
}

async function endpoints(): Promise<Endpoints> {
  return (await fixture.store('endpoints').get('default', 'kubernetes')) as Endpoints;
}
async function slice(): Promise<EndpointSlice> {
  return (await fixture.store('endpointslices').get('default', 'kubernetes')) as EndpointSlice;
}
const ips = (e: Endpoints) => (e.subsets ?? []).flatMap((s) => (s.addresses ?? []).map((a) => a.ip));
const ports = kubernetesEndpointPorts(6443);

describe('LeaseEndpointReconciler', () => {
  it('writes Endpoints and EndpointSlice default/kubernetes in upstream shape', async () => {
    const a = apiServer();
    await a.reconcileEndpoints('kubernetes', '192.0.2.10', ports, true);
    const e = await endpoints();
    assert.deepEqual(e.metadata.labels, { [LABEL_SKIP_MIRROR]: 'true' });
    assert.deepEqual(e.subsets, [{ addresses: [{ ip: '192.0.2.10' }], ports: [{ name: 'https', port: 6443, protocol: 'TCP' }] }]);
    const s = await slice();
    assert.deepEqual(s.metadata.labels, { 'kubernetes.io/service-name': 'kubernetes' });
    assert.equal(s.metadata.ownerReferences, undefined);
    assert.equal(s.addressType, 'IPv4');
    assert.deepEqual(s.endpoints, [{ addresses: ['192.0.2.10'], conditions: { ready: true } }]);
    assert.deepEqual(s.ports, [{ name: 'https', port: 6443, protocol: 'TCP' }]);
  });

  it('lists every live API server, once per IP, and skips writes when nothing changed', async () => {
    const a = apiServer();
    const b = apiServer();
    const c = apiServer();
    await a.reconcileEndpoints('kubernetes', '192.0.2.10', ports, false);
    await b.reconcileEndpoints('kubernetes', '192.0.2.11', ports, false);
    await c.reconcileEndpoints('kubernetes', '192.0.2.11', ports, false);
    assert.deepEqual(ips(await endpoints()), ['192.0.2.10', '192.0.2.11']);
    assert.deepEqual((await slice()).endpoints.map((ep) => ep.addresses[0]), ['192.0.2.10', '192.0.2.11']);
    const rv = (await endpoints()).metadata.resourceVersion;
    const srv = (await slice()).metadata.resourceVersion;
    await a.reconcileEndpoints('kubernetes', '192.0.2.10', ports, false);
    assert.equal((await endpoints()).metadata.resourceVersion, rv);
    assert.equal((await slice()).metadata.resourceVersion, srv);
  });

  it('drops an API server whose lease expired, and one that leaves gracefully at once', async () => {
    const a = apiServer();
    const b = apiServer();
    await a.reconcileEndpoints('kubernetes', '192.0.2.10', ports, false);
    await b.reconcileEndpoints('kubernetes', '192.0.2.11', ports, false);
    // b stops renewing (killed): within the TTL it still counts.
    clock.step(TTL - 1000);
    await a.reconcileEndpoints('kubernetes', '192.0.2.10', ports, false);
    assert.deepEqual(ips(await endpoints()), ['192.0.2.10', '192.0.2.11']);
    clock.step(2000);
    await a.reconcileEndpoints('kubernetes', '192.0.2.10', ports, false);
    assert.deepEqual(ips(await endpoints()), ['192.0.2.10']);
    assert.deepEqual((await slice()).endpoints.map((ep) => ep.addresses[0]), ['192.0.2.10']);
    // Its expired record is gone from storage too.
    assert.deepEqual((await fixture.storage.list('/masterleases/')).items.map((i) => i.metadata.name), ['192.0.2.10']);
    // b comes back, then leaves gracefully: removed without waiting for the TTL.
    await b.reconcileEndpoints('kubernetes', '192.0.2.11', ports, false);
    assert.deepEqual(ips(await endpoints()), ['192.0.2.10', '192.0.2.11']);
    b.stopReconciling();
    await b.removeEndpoints('kubernetes', '192.0.2.11', ports);
    assert.deepEqual(ips(await endpoints()), ['192.0.2.10']);
    // Stopped: no more renewals from b.
    await b.reconcileEndpoints('kubernetes', '192.0.2.11', ports, false);
    assert.deepEqual(ips(await endpoints()), ['192.0.2.10']);
  });

  it('of two API servers behind one address, the one leaving keeps the address listed for the other', async () => {
    clock.step(TTL * 2);
    const a = apiServer();
    const b = apiServer();
    await a.reconcileEndpoints('kubernetes', '192.0.2.40', ports, false);
    await b.reconcileEndpoints('kubernetes', '192.0.2.40', ports, false);
    assert.deepEqual(ips(await endpoints()), ['192.0.2.40']);
    a.stopReconciling();
    await a.removeEndpoints('kubernetes', '192.0.2.40', ports);
    assert.deepEqual(ips(await endpoints()), ['192.0.2.40']);
    assert.deepEqual((await slice()).endpoints.map((ep) => ep.addresses[0]), ['192.0.2.40']);
  });

  it('resets ports on start (reconcilePorts) and adds missing ones otherwise', async () => {
    const a = apiServer();
    await a.reconcileEndpoints('kubernetes', '192.0.2.10', kubernetesEndpointPorts(7443), true);
    assert.deepEqual((await endpoints()).subsets?.[0]?.ports, [{ name: 'https', port: 7443, protocol: 'TCP' }]);
    assert.deepEqual((await slice()).ports, [{ name: 'https', port: 7443, protocol: 'TCP' }]);
    await a.reconcileEndpoints('kubernetes', '192.0.2.10', ports, true);
    assert.deepEqual((await endpoints()).subsets?.[0]?.ports, [{ name: 'https', port: 6443, protocol: 'TCP' }]);
  });

  it('the last API server leaving empties the endpoints and the slice', async () => {
    // Let every earlier lease expire, so one server is left.
    clock.step(TTL * 2);
    const a = apiServer();
    await a.reconcileEndpoints('kubernetes', '192.0.2.10', ports, true);
    assert.deepEqual(ips(await endpoints()), ['192.0.2.10']);
    a.stopReconciling();
    await a.removeEndpoints('kubernetes', '192.0.2.10', ports);
    assert.equal((await endpoints()).subsets, undefined);
    assert.deepEqual((await slice()).endpoints ?? [], []);
  });

  it('refuses to erase everything when no lease is listed while running', async () => {
    const leases = { listLeases: async () => [], updateLease: async () => undefined, removeLease: async () => undefined };
    const adapter = new EndpointsAdapter({ endpoints: fixture.store('endpoints'), endpointSlices: fixture.store('endpointslices') });
    const r = new LeaseEndpointReconciler(adapter, leases);
    await assert.rejects(r.reconcileEndpoints('kubernetes', '192.0.2.10', ports, false), /refusing to erase all endpoints for the kubernetes Service/);
  });
});

describe('KubernetesEndpointsController', () => {
  it('renews every interval and leaves on stop', async () => {
    clock.step(TTL * 2);
    const c = new KubernetesEndpointsController({ reconciler: apiServer(), publicIP: '192.0.2.30', publicServicePort: 6443, intervalMs: 10_000, clock });
    await c.start();
    assert.deepEqual(ips(await endpoints()), ['192.0.2.30']);
    const lease = async () => (await fixture.storage.list('/masterleases/192.0.2.30/')).items[0]?.metadata.annotations?.['kubelab.io/lease-expires-at'];
    const first = await lease();
    clock.step(10_000);
    // The loop's reconcile runs on the storage's own schedule: wait (bounded) for the renewal.
    for (let i = 0; i < 200 && (await lease()) === first; i++) await new Promise((r) => setTimeout(r, 5));
    assert.notEqual(await lease(), first);
    await c.stop();
    assert.equal((await endpoints()).subsets, undefined);
  });
});

describe('KubernetesEndpointsController shutdown', () => {
  it('does not hang when storage stops answering', async () => {
    const hang = () => new Promise<never>(() => undefined);
    const leases = { listLeases: async () => ['192.0.2.50'], updateLease: async () => undefined, removeLease: hang };
    const adapter = new EndpointsAdapter({ endpoints: fixture.store('endpoints'), endpointSlices: fixture.store('endpointslices') });
    const c = new KubernetesEndpointsController({ reconciler: new LeaseEndpointReconciler(adapter, leases), publicIP: '192.0.2.50', publicServicePort: 6443, intervalMs: 60_000, clock: realClock });
    await c.start();
    const t0 = Date.now();
    await c.stop(100);
    assert.ok(Date.now() - t0 < 5000);
  });
});

describe('endpoint format and slices', () => {
  it('checkEndpointSubsetFormatWithLease', () => {
    const e = (subsets: Endpoints['subsets']): Endpoints => ({ metadata: { name: 'kubernetes' }, subsets });
    assert.deepEqual(checkEndpointSubsetFormatWithLease(e([]), ['a'], ports, true), { formatCorrect: false, ipsCorrect: false, portsCorrect: false });
    const one = e([{ addresses: [{ ip: 'a' }, { ip: 'b' }], ports: [...ports, { name: 'x', port: 1, protocol: 'TCP' }] }]);
    assert.deepEqual(checkEndpointSubsetFormatWithLease(one, ['b', 'a'], ports, false), { formatCorrect: true, ipsCorrect: true, portsCorrect: true });
    assert.deepEqual(checkEndpointSubsetFormatWithLease(one, ['b', 'a'], ports, true), { formatCorrect: true, ipsCorrect: true, portsCorrect: false });
    assert.deepEqual(checkEndpointSubsetFormatWithLease(one, ['a', 'c'], ports, false), { formatCorrect: true, ipsCorrect: false, portsCorrect: true });
  });
  it('endpointSliceFromEndpoints: IPv6 when every address is, not-ready addresses not ready', () => {
    const s = endpointSliceFromEndpoints({
      metadata: { name: 'kubernetes', namespace: 'default' },
      subsets: [{ addresses: [{ ip: 'fd00::1' }], notReadyAddresses: [{ ip: 'fd00::2', nodeName: 'n' }], ports }],
    });
    assert.equal(s.addressType, 'IPv6');
    assert.deepEqual(s.endpoints, [
      { addresses: ['fd00::1'], conditions: { ready: true } },
      { addresses: ['fd00::2'], conditions: { ready: false }, nodeName: 'n' },
    ]);
  });
});

describe('advertise address', () => {
  it('keeps a routable --listen host, else picks the default-route interface address', () => {
    assert.deepEqual(resolveAdvertiseAddress(undefined, '10.213.0.1', () => 'x'), { address: '10.213.0.1', chosen: false });
    assert.deepEqual(resolveAdvertiseAddress('192.0.2.1', '0.0.0.0', () => 'x'), { address: '192.0.2.1', chosen: false });
    assert.deepEqual(resolveAdvertiseAddress(undefined, '127.0.0.1', () => '172.17.0.2'), { address: '172.17.0.2', chosen: true });
    assert.deepEqual(resolveAdvertiseAddress(undefined, '0.0.0.0', () => undefined), { chosen: true });
    const routeTable = 'Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\nklb0\t0000D50A\t00000000\t0001\t0\t0\t0\t00FFFFFF\neth1\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\n';
    const iface = (address: string) => [{ address, netmask: '255.255.255.0', family: 'IPv4' as const, mac: '00:00:00:00:00:00', internal: false, cidr: `${address}/24` }];
    const interfaces = { lo: [{ address: '127.0.0.1', netmask: '255.0.0.0', family: 'IPv4' as const, mac: '00:00:00:00:00:00', internal: true, cidr: '127.0.0.1/8' }], klb0: iface('10.213.0.1'), eth1: iface('192.0.2.5') };
    assert.equal(chooseHostAddress({ routeTable, interfaces }), '192.0.2.5');
    assert.equal(chooseHostAddress({ routeTable: '', interfaces }), '192.0.2.5');
    assert.equal(chooseHostAddress({ routeTable: '', interfaces: { lo: interfaces.lo } }), undefined);
  });
});
