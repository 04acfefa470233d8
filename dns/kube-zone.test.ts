import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Answer } from 'dns-packet';
import type { Service } from '../shared/api/core-v1.ts';
import { LABEL_SERVICE_NAME, type EndpointSlice } from '../shared/api/discovery-v1.ts';
import { KubeZone, reverseName } from './kube-zone.ts';

const svc = (ns: string, name: string, spec: Service['spec']): Service => ({ metadata: { namespace: ns, name }, spec });
const slice = (ns: string, svcName: string, name: string, endpoints: EndpointSlice['endpoints'], ports: EndpointSlice['ports'] = []): EndpointSlice => ({
  metadata: { namespace: ns, name, labels: { [LABEL_SERVICE_NAME]: svcName } },
  addressType: 'IPv4',
  endpoints,
  ports,
});
const data = (rrs: Answer[]) => rrs.map((r) => (r as { data: unknown }).data);

function zoneWith(): KubeZone {
  const z = new KubeZone();
  z.upsertService(svc('default', 'web', { clusterIP: '10.96.0.20', clusterIPs: ['10.96.0.20'], ports: [{ name: 'http', port: 80, protocol: 'TCP' }, { port: 81 }] }));
  z.upsertService(svc('default', 'db', { clusterIP: 'None', ports: [{ name: 'pg', port: 5432 }] }));
  z.upsertEndpointSlice(slice('default', 'db', 'db-abc', [
    { addresses: ['10.244.1.5'], hostname: 'db-0', conditions: { ready: true } },
    { addresses: ['10.244.2.6'], conditions: { ready: true } },
    { addresses: ['10.244.2.7'], hostname: 'db-2', conditions: { ready: false } },
  ], [{ name: 'pg', port: 5433, protocol: 'TCP' }]));
  z.upsertService(svc('other', 'ext', { type: 'ExternalName', externalName: 'www.example.com' }));
  z.upsertService(svc('other', 'alias', { type: 'ExternalName', externalName: 'web.default.svc.cluster.local' }));
  return z;
}

test('ClusterIP Service: A answers the ClusterIP, AAAA NODATA, names case-insensitive', () => {
  const z = zoneWith();
  const a = z.lookup('Web.Default.SVC.cluster.local.', 'A');
  assert.equal(a?.rcode, 'NOERROR');
  assert.deepEqual(data(a!.answers), ['10.96.0.20']);
  assert.equal((a!.answers[0] as { ttl?: number } | undefined)?.ttl, 5);
  const aaaa = z.lookup('web.default.svc.cluster.local', 'AAAA');
  assert.equal(aaaa?.rcode, 'NOERROR');
  assert.equal(aaaa!.answers.length, 0);
  assert.equal(aaaa!.authorities[0]?.type, 'SOA');
});

test('SRV for named ports only; ClusterIP target is the Service name with its A in additionals', () => {
  const z = zoneWith();
  const srv = z.lookup('_http._tcp.web.default.svc.cluster.local', 'SRV');
  assert.deepEqual(data(srv!.answers), [{ priority: 0, weight: 100, port: 80, target: 'web.default.svc.cluster.local' }]);
  assert.deepEqual(data(srv!.additionals), ['10.96.0.20']);
  assert.equal(z.lookup('_81._tcp.web.default.svc.cluster.local', 'SRV')?.rcode, 'NXDOMAIN');
  assert.equal(z.lookup('_http._udp.web.default.svc.cluster.local', 'SRV')?.rcode, 'NXDOMAIN');
});

test('headless Service: one A per ready endpoint, hostname records, SRV per endpoint with endpoint ports', () => {
  const z = zoneWith();
  assert.deepEqual(data(z.lookup('db.default.svc.cluster.local', 'A')!.answers), ['10.244.1.5', '10.244.2.6']);
  assert.deepEqual(data(z.lookup('db-0.db.default.svc.cluster.local', 'A')!.answers), ['10.244.1.5']);
  assert.deepEqual(data(z.lookup('10-244-2-6.db.default.svc.cluster.local', 'A')!.answers), ['10.244.2.6']);
  assert.equal(z.lookup('db-2.db.default.svc.cluster.local', 'A')?.rcode, 'NXDOMAIN', 'not-ready endpoints are not published');
  const srv = z.lookup('_pg._tcp.db.default.svc.cluster.local', 'SRV')!;
  assert.deepEqual(data(srv.answers), [
    { priority: 0, weight: 50, port: 5433, target: 'db-0.db.default.svc.cluster.local' },
    { priority: 0, weight: 50, port: 5433, target: '10-244-2-6.db.default.svc.cluster.local' },
  ]);
  assert.deepEqual(data(srv.additionals).sort(), ['10.244.1.5', '10.244.2.6']);
});

test('headless Service: publishNotReadyAddresses publishes every endpoint; no ready endpoint is NXDOMAIN (spec 2.4.1)', () => {
  const z = zoneWith();
  z.upsertService(svc('default', 'db', { clusterIP: 'None', publishNotReadyAddresses: true }));
  assert.deepEqual(data(z.lookup('db.default.svc.cluster.local', 'A')!.answers), ['10.244.1.5', '10.244.2.6', '10.244.2.7']);
  assert.deepEqual(data(z.lookup('db-2.db.default.svc.cluster.local', 'A')!.answers), ['10.244.2.7']);
  z.upsertService(svc('default', 'db', { clusterIP: 'None' }));
  z.upsertEndpointSlice(slice('default', 'db', 'db-abc', [{ addresses: ['10.244.1.5'], conditions: { ready: false } }]));
  assert.equal(z.lookup('db.default.svc.cluster.local', 'A')?.rcode, 'NXDOMAIN');
  z.upsertEndpointSlice(slice('default', 'db', 'db-abc', [{ addresses: ['10.244.1.5'], conditions: { ready: true } }]));
  assert.deepEqual(data(z.lookup('db.default.svc.cluster.local', 'A')!.answers), ['10.244.1.5']);
  z.deleteEndpointSlice(slice('default', 'db', 'db-abc', []));
  assert.equal(z.lookup('db.default.svc.cluster.local', 'A')?.rcode, 'NXDOMAIN');
});

test('PTR for ClusterIPs and headless endpoints; unknown reverse names fall through (undefined)', () => {
  const z = zoneWith();
  assert.equal(reverseName('10.96.0.20'), '20.0.96.10.in-addr.arpa');
  assert.deepEqual(data(z.lookup('20.0.96.10.in-addr.arpa', 'PTR')!.answers), ['web.default.svc.cluster.local']);
  assert.deepEqual(data(z.lookup('5.1.244.10.in-addr.arpa', 'PTR')!.answers), ['db-0.db.default.svc.cluster.local']);
  assert.equal(z.lookup('9.9.9.10.in-addr.arpa', 'PTR'), undefined);
  assert.equal(reverseName('fd00::1'), '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa');
});

test('ExternalName: CNAME; an in-zone target is followed, an outside one is left for the server to chase', () => {
  const z = zoneWith();
  const ext = z.lookup('ext.other.svc.cluster.local', 'A')!;
  assert.deepEqual(ext.answers.map((r) => [r.type, (r as { data: unknown }).data]), [['CNAME', 'www.example.com']]);
  assert.equal(ext.chase, 'www.example.com');
  assert.deepEqual(data(z.lookup('ext.other.svc.cluster.local', 'CNAME')!.answers), ['www.example.com']);
  const alias = z.lookup('alias.other.svc.cluster.local', 'A')!;
  assert.deepEqual(alias.answers.map((r) => r.type), ['CNAME', 'A']);
  assert.equal(alias.chase, undefined);
});

test('NODATA for existing intermediate names, NXDOMAIN with SOA for unknown names in the zone', () => {
  const z = zoneWith();
  for (const name of ['default.svc.cluster.local', 'svc.cluster.local', 'other.svc.cluster.local', 'cluster.local']) {
    const r = z.lookup(name, 'A')!;
    assert.equal(r.rcode, 'NOERROR', name);
    assert.equal(r.answers.length, 0, name);
    assert.equal(r.authorities[0]?.type, 'SOA', name);
  }
  for (const name of ['nope.default.svc.cluster.local', 'nons.svc.cluster.local', 'x.web.default.svc.cluster.local', 'foo.cluster.local']) {
    const r = z.lookup(name, 'A')!;
    assert.equal(r.rcode, 'NXDOMAIN', name);
    assert.equal(r.authorities[0]?.type, 'SOA', name);
  }
  assert.equal(z.lookup('example.com', 'A'), undefined, 'outside the zone: forwarded');
});

test('zone apex SOA and NS, dns-version TXT, pod records', () => {
  const z = new KubeZone({ nameserverAddresses: ['10.213.1.11'] });
  const soa = z.lookup('cluster.local', 'SOA')!.answers[0] as { data: { mname: string; minimum: number } };
  assert.equal(soa.data.mname, 'ns.dns.cluster.local');
  assert.equal(soa.data.minimum, 5);
  assert.deepEqual(data(z.lookup('cluster.local', 'NS')!.answers), ['ns.dns.cluster.local']);
  assert.deepEqual(data(z.lookup('ns.dns.cluster.local', 'A')!.answers), ['10.213.1.11']);
  assert.deepEqual(data(z.lookup('DNS-VERSION.cluster.local', 'TXT')!.answers), ['1.1.0']);
  assert.deepEqual(data(z.lookup('10-244-1-5.default.pod.cluster.local', 'A')!.answers), ['10.244.1.5']);
  assert.equal(z.lookup('10-244-1-500.default.pod.cluster.local', 'A')?.rcode, 'NXDOMAIN');
});

test('generation moves on every change; deleting a Service removes all its names', () => {
  const z = zoneWith();
  const g = z.generation;
  z.deleteService('default', 'web');
  assert.ok(z.generation > g);
  assert.equal(z.lookup('web.default.svc.cluster.local', 'A')?.rcode, 'NXDOMAIN');
  assert.equal(z.lookup('_http._tcp.web.default.svc.cluster.local', 'SRV')?.rcode, 'NXDOMAIN');
  assert.equal(z.lookup('20.0.96.10.in-addr.arpa', 'PTR'), undefined);
  z.deleteService('default', 'db');
  assert.equal(z.lookup('default.svc.cluster.local', 'A')?.rcode, 'NXDOMAIN', 'a namespace without Services has no names left');
});

test('a custom cluster domain and TTL', () => {
  const z = new KubeZone({ domain: 'Lab.Example.', ttl: 30 });
  z.upsertService(svc('a', 'b', { clusterIP: '10.96.0.3' }));
  const r = z.lookup('b.a.svc.lab.example', 'A')!;
  assert.equal((r.answers[0] as { ttl?: number } | undefined)?.ttl, 30);
  assert.equal(z.lookup('b.a.svc.cluster.local', 'A'), undefined);
});

test('an existing namespace without Services answers NODATA; once deleted NXDOMAIN', () => {
  const z = new KubeZone();
  assert.equal(z.lookup('empty.svc.cluster.local', 'A')?.rcode, 'NXDOMAIN');
  const g = z.generation;
  z.upsertNamespace('Empty');
  assert.ok(z.generation > g);
  const r = z.lookup('empty.svc.cluster.local', 'A')!;
  assert.equal(r.rcode, 'NOERROR');
  assert.equal(r.answers.length, 0);
  assert.equal(z.lookup('web.empty.svc.cluster.local', 'A')?.rcode, 'NXDOMAIN');
  z.deleteNamespace('empty');
  assert.equal(z.lookup('empty.svc.cluster.local', 'A')?.rcode, 'NXDOMAIN');
});
