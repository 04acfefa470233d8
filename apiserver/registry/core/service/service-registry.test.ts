/**
 * The Service registry end to end over the real registry (embedded store in memory): allocation of ClusterIPs
 * and NodePorts, kube's messages, no leaks on failures or dry runs, release on delete, type transitions,
 * services/status, defaults and validation.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../../shared/api/meta.ts';
import type { Service } from '../../../../shared/api/core-v1.ts';
import { statusOf, useMemoryRegistry, type MemoryRegistry } from '../../testing.ts';
import { SERVICE_IPS_PREFIX, SERVICE_NODE_PORTS_PREFIX } from './service-allocators.ts';
import { serviceStatusStrategy } from './strategy.ts';

function svc(name: string, spec: Record<string, unknown> = {}, meta: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, ...meta }, spec: { ports: [{ port: 80 }], selector: { app: name }, ...spec } };
}

async function records(r: MemoryRegistry, prefix: string): Promise<string[]> {
  const l = await r.storage.list(prefix);
  return l.items.map((i) => i.metadata.name ?? '').sort();
}

const specOf = (o: KubeObject) => (o as Service).spec ?? {};

describe('Service registry over a small range (10.0.0.0/29, ports 30000-30004)', () => {
  const r = useMemoryRegistry({ namespaces: ['s'], services: { serviceClusterIPRange: '10.0.0.0/29', serviceNodePortRange: '30000-30004', repairIntervalMs: 3_600_000 } });
  const services = () => r.store('services');

  it('gives the kubernetes Service the first address and records it', async () => {
    const k = await services().get('default', 'kubernetes');
    assert.equal(specOf(k).clusterIP, '10.0.0.1');
    assert.deepEqual(specOf(k).clusterIPs, ['10.0.0.1']);
    assert.ok((await records(r, SERVICE_IPS_PREFIX)).includes('10.0.0.1'));
  });

  it('allocates unique ClusterIPs in the range, then answers "range is full"', async () => {
    const ips = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const created = await services().create('s', svc(`full-${i}`));
      const ip = specOf(created).clusterIP ?? '';
      assert.match(ip, /^10\.0\.0\.[2-6]$/);
      assert.deepEqual(specOf(created).clusterIPs, [ip]);
      assert.deepEqual(specOf(created).ipFamilies, ['IPv4']);
      assert.equal(specOf(created).ipFamilyPolicy, 'SingleStack');
      ips.add(ip);
    }
    assert.equal(ips.size, 5);
    const err = await statusOf(services().create('s', svc('full-5')));
    assert.equal(err.code, 500);
    assert.equal(err.status.message, 'Internal error occurred: failed to allocate a serviceIP: range is full');
    for (let i = 0; i < 5; i++) await services().delete('s', `full-${i}`);
    assert.deepEqual(await records(r, SERVICE_IPS_PREFIX), ['10.0.0.1'], 'deletes release the addresses');
  });

  it('honours a requested ClusterIP and refuses a taken or out-of-range one in kube\'s words', async () => {
    const created = await services().create('s', svc('req', { clusterIP: '10.0.0.5' }));
    assert.equal(specOf(created).clusterIP, '10.0.0.5');
    const taken = await statusOf(services().create('s', svc('req2', { clusterIP: '10.0.0.5' })));
    assert.equal(taken.code, 422);
    assert.equal(taken.status.message, 'Service "req2" is invalid: spec.clusterIPs: Invalid value: []string{"10.0.0.5"}: failed to allocate IP 10.0.0.5: provided IP is already allocated');
    const out = await statusOf(services().create('s', svc('req3', { clusterIP: '10.96.0.5' })));
    assert.equal(
      out.status.message,
      'Service "req3" is invalid: spec.clusterIPs: Invalid value: []string{"10.96.0.5"}: failed to allocate IP 10.96.0.5: the provided IP (10.96.0.5) is not in the valid range. The range of valid IPs is 10.0.0.0/29',
    );
    const bad = await statusOf(services().create('s', svc('req4', { clusterIP: 'bogus' })));
    assert.equal(bad.status.message, 'Service "req4" is invalid: spec.clusterIPs[0]: Invalid value: "bogus": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)');
    await services().delete('s', 'req');
  });

  it('allocates NodePorts, honours requests, and refuses taken or out-of-range ones', async () => {
    const a = await services().create('s', svc('np-a', { type: 'NodePort', ports: [{ name: 'http', port: 80 }, { name: 'dns', port: 53, protocol: 'UDP', nodePort: 30001 }] }));
    const ports = specOf(a).ports ?? [];
    assert.equal(ports[1]?.nodePort, 30001);
    assert.ok((ports[0]?.nodePort ?? 0) >= 30000 && (ports[0]?.nodePort ?? 0) <= 30004 && ports[0]?.nodePort !== 30001);
    assert.equal(specOf(a).externalTrafficPolicy, 'Cluster');
    const taken = await statusOf(services().create('s', svc('np-b', { type: 'NodePort', ports: [{ port: 80, nodePort: 30001 }] })));
    assert.equal(taken.status.message, 'Service "np-b" is invalid: spec.ports[0].nodePort: Invalid value: 30001: provided port is already allocated');
    const out = await statusOf(services().create('s', svc('np-c', { type: 'NodePort', ports: [{ port: 80, nodePort: 31000 }] })));
    assert.equal(out.status.message, 'Service "np-c" is invalid: spec.ports[0].nodePort: Invalid value: 31000: provided port is not in the valid range. The range of valid ports is 30000-30004');
    // One Service may use one nodePort for two ports of different protocols (port 53 TCP and UDP).
    const d = await services().create('s', svc('np-d', { type: 'NodePort', ports: [{ name: 'a', port: 53, protocol: 'TCP' }, { name: 'b', port: 53, protocol: 'UDP' }] }));
    const dp = specOf(d).ports ?? [];
    assert.equal(dp[0]?.nodePort, dp[1]?.nodePort, 'same port number shares the nodePort');
    // Requested: one nodePort for 53/TCP and 53/UDP is fine; for two different port numbers it is taken.
    const f = await services()
      .create('s', svc('np-f', { type: 'NodePort', ports: [{ name: 'a', port: 53, protocol: 'TCP', nodePort: 30004 }, { name: 'b', port: 53, protocol: 'UDP', nodePort: 30004 }] }))
      .catch((e: Error) => e);
    if (!(f instanceof Error)) {
      assert.deepEqual(specOf(f).ports?.map((p) => p.nodePort), [30004, 30004]);
      await services().delete('s', 'np-f');
    } else {
      // 30004 was picked at random for np-a or np-d.
      assert.match(f.message, /provided port is already allocated/);
    }
    await services().delete('s', 'np-a');
    await services().delete('s', 'np-d');
    const g = await statusOf(services().create('s', svc('np-g', { type: 'NodePort', ports: [{ name: 'a', port: 80, protocol: 'TCP', nodePort: 30002 }, { name: 'b', port: 81, protocol: 'UDP', nodePort: 30002 }] })));
    assert.equal(g.status.message, 'Service "np-g" is invalid: spec.ports[1].nodePort: Invalid value: 30002: provided port is already allocated');
    assert.deepEqual(await records(r, SERVICE_NODE_PORTS_PREFIX), []);
    const dup = await statusOf(services().create('s', svc('np-e', { type: 'NodePort', ports: [{ name: 'a', port: 81, nodePort: 30003 }, { name: 'b', port: 82, nodePort: 30003 }] })));
    // Allocation runs before validation (BeginCreate), so kube reports the second request as taken.
    assert.equal(dup.status.message, 'Service "np-e" is invalid: spec.ports[1].nodePort: Invalid value: 30003: provided port is already allocated');
    assert.deepEqual(await records(r, SERVICE_NODE_PORTS_PREFIX), [], 'a refused create leaves no port behind');
  });

  it('never allocates on validation errors, AlreadyExists or dry run', async () => {
    const before = await records(r, SERVICE_IPS_PREFIX);
    const invalid = await statusOf(services().create('s', svc('inv', { type: 'NodePort', sessionAffinity: 'Bogus' })));
    assert.equal(invalid.code, 422);
    await services().create('s', svc('exists'));
    const afterOne = await records(r, SERVICE_IPS_PREFIX);
    const again = await statusOf(services().create('s', svc('exists')));
    assert.equal(again.status.reason, 'AlreadyExists');
    const dry = await services().create('s', svc('dry', { type: 'NodePort' }), { dryRun: true });
    assert.match(specOf(dry).clusterIP ?? '', /^10\.0\.0\./);
    assert.ok(specOf(dry).ports?.[0]?.nodePort);
    assert.deepEqual(await records(r, SERVICE_IPS_PREFIX), afterOne);
    assert.equal(afterOne.length, before.length + 1);
    assert.deepEqual(await records(r, SERVICE_NODE_PORTS_PREFIX), []);
    await services().delete('s', 'exists', { dryRun: true });
    assert.deepEqual(await records(r, SERVICE_IPS_PREFIX), afterOne, 'a dry-run delete releases nothing');
    await services().delete('s', 'exists');
    assert.deepEqual(await records(r, SERVICE_IPS_PREFIX), before);
  });

  it('releases on the final delete only (finalizers)', async () => {
    const c = await services().create('s', svc('fin', { type: 'NodePort' }, { finalizers: ['example.com/hold'] }));
    const ip = specOf(c).clusterIP ?? '';
    const np = String(specOf(c).ports?.[0]?.nodePort);
    const first = await services().delete('s', 'fin');
    assert.equal(first.deleted, false);
    assert.ok((await records(r, SERVICE_IPS_PREFIX)).includes(ip), 'still held while finalizers run');
    assert.ok((await records(r, SERVICE_NODE_PORTS_PREFIX)).includes(np));
    await services().update('s', 'fin', (cur) => ({ ...(cur as KubeObject), metadata: { ...(cur as KubeObject).metadata, finalizers: [] } }));
    await assert.rejects(services().get('s', 'fin'));
    assert.ok(!(await records(r, SERVICE_IPS_PREFIX)).includes(ip), 'released once gone');
    assert.ok(!(await records(r, SERVICE_NODE_PORTS_PREFIX)).includes(np));
  });

  it('transitions between types: ports allocated and released, ExternalName drops the IP', async () => {
    const c = await services().create('s', svc('tr'));
    const ip = specOf(c).clusterIP ?? '';
    const toNP = await services().update('s', 'tr', (cur) => ({ ...(cur as KubeObject), spec: { ...specOf(cur as KubeObject), type: 'NodePort' } }));
    const np = specOf(toNP.object).ports?.[0]?.nodePort ?? 0;
    assert.ok(np >= 30000 && np <= 30004);
    assert.equal(specOf(toNP.object).clusterIP, ip);
    assert.deepEqual(await records(r, SERVICE_NODE_PORTS_PREFIX), [String(np)]);
    const toCIP = await services().update('s', 'tr', (cur) => ({ ...(cur as KubeObject), spec: { ...specOf(cur as KubeObject), type: 'ClusterIP' } }));
    assert.equal(specOf(toCIP.object).ports?.[0]?.nodePort, undefined);
    assert.equal(specOf(toCIP.object).externalTrafficPolicy, undefined);
    assert.deepEqual(await records(r, SERVICE_NODE_PORTS_PREFIX), []);
    const toEN = await services().update('s', 'tr', (cur) => ({ ...(cur as KubeObject), spec: { ...specOf(cur as KubeObject), type: 'ExternalName', externalName: 'example.com' } }));
    const en = specOf(toEN.object);
    assert.equal(en.clusterIP, undefined);
    assert.equal(en.clusterIPs, undefined);
    assert.equal(en.ipFamilies, undefined);
    assert.equal(en.ipFamilyPolicy, undefined);
    assert.ok(!(await records(r, SERVICE_IPS_PREFIX)).includes(ip), 'the IP is released');
    const back = await services().update('s', 'tr', (cur) => {
      const { externalName: _e, ...rest } = specOf(cur as KubeObject);
      return { ...(cur as KubeObject), spec: { ...rest, type: 'ClusterIP' } };
    });
    const backIP = specOf(back.object).clusterIP ?? '';
    assert.match(backIP, /^10\.0\.0\./, 'ExternalName -> ClusterIP allocates');
    // The allocator picks at random: change to an address other than the one it picked, or nothing changes.
    const other = backIP === '10.0.0.6' ? '10.0.0.5' : '10.0.0.6';
    const immut = await statusOf(services().update('s', 'tr', (cur) => ({ ...(cur as KubeObject), spec: { ...specOf(cur as KubeObject), clusterIP: other, clusterIPs: [other] } })));
    assert.ok((immut.status.message ?? '').includes(`spec.clusterIPs[0]: Invalid value: []string{"${other}"}: may not change once set`), immut.status.message);
    await services().delete('s', 'tr');
  });

  it('keeps allocated values when a client resubmits its manifest (patchAllocatedValues)', async () => {
    const c = await services().create('s', svc('resub', { type: 'NodePort' }));
    const u = await services().update('s', 'resub', () => svc('resub', { type: 'NodePort' }));
    assert.equal(specOf(u.object).clusterIP, specOf(c).clusterIP);
    assert.equal(specOf(u.object).ports?.[0]?.nodePort, specOf(c).ports?.[0]?.nodePort);
    await services().delete('s', 'resub');
  });

  it('serves headless Services (with and without selector) and ExternalName without a ClusterIP', async () => {
    const h = await services().create('s', svc('hl', { clusterIP: 'None' }));
    assert.deepEqual(specOf(h).clusterIPs, ['None']);
    assert.deepEqual(specOf(h).ipFamilies, ['IPv4']);
    assert.equal(specOf(h).ipFamilyPolicy, 'SingleStack');
    const hs = await services().create('s', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'hl2' }, spec: { clusterIP: 'None' } });
    assert.equal(specOf(hs).ipFamilyPolicy, 'RequireDualStack');
    assert.deepEqual(specOf(hs).ipFamilies, ['IPv4', 'IPv6']);
    const en = await services().create('s', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'en' }, spec: { type: 'ExternalName', externalName: 'db.example.com.' } });
    assert.equal(specOf(en).clusterIP, undefined);
    assert.equal(specOf(en).internalTrafficPolicy, undefined);
    const bad = await statusOf(services().create('s', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'en2' }, spec: { type: 'ExternalName', externalName: 'Not_A_Name' } }));
    assert.match(bad.status.message ?? '', /spec\.externalName: Invalid value: "Not_A_Name": a lowercase RFC 1123 subdomain must consist of/);
    const npHeadless = await statusOf(services().create('s', svc('hl3', { type: 'NodePort', clusterIP: 'None' })));
    assert.match(npHeadless.status.message ?? '', /spec\.clusterIPs\[0\]: Invalid value: "None": may not be set to 'None' for NodePort services/);
    const dual = await statusOf(services().create('s', svc('ds', { ipFamilyPolicy: 'RequireDualStack' })));
    assert.equal(dual.status.message, 'Service "ds" is invalid: spec.ipFamilyPolicy: Invalid value: "RequireDualStack": this cluster is not configured for dual-stack services');
    for (const n of ['hl', 'hl2', 'en']) await services().delete('s', n);
  });

  it('LoadBalancer allocates node ports and keeps an empty status', async () => {
    const lb = await services().create('s', svc('lb', { type: 'LoadBalancer' }));
    assert.ok(specOf(lb).ports?.[0]?.nodePort);
    assert.equal(specOf(lb).allocateLoadBalancerNodePorts, true);
    assert.deepEqual((lb as Service).status, { loadBalancer: {} });
    await services().delete('s', 'lb');
    assert.deepEqual(await records(r, SERVICE_NODE_PORTS_PREFIX), []);
  });

  it('services/status changes only the status', async () => {
    const c = await services().create('s', svc('st', { type: 'LoadBalancer' }));
    const u = await services().update(
      's',
      'st',
      (cur) => ({ ...(cur as KubeObject), spec: { ...specOf(cur as KubeObject), type: 'ClusterIP' }, status: { loadBalancer: { ingress: [{ ip: '192.0.2.10' }] } } }),
      { strategy: serviceStatusStrategy, subresource: 'status' },
    );
    assert.equal(specOf(u.object).type, 'LoadBalancer');
    assert.equal(specOf(u.object).clusterIP, specOf(c).clusterIP);
    assert.deepEqual((u.object as Service).status?.loadBalancer?.ingress, [{ ip: '192.0.2.10' }]);
    const bad = await statusOf(
      services().update('s', 'st', (cur) => ({ ...(cur as KubeObject), status: { loadBalancer: { ingress: [{ ip: 'nope' }] } } }), { strategy: serviceStatusStrategy, subresource: 'status' }),
    );
    assert.match(bad.status.message ?? '', /status\.loadBalancer\.ingress\[0\]\.ip: Invalid value: "nope"/);
    // The main resource keeps the status as it is, until the type is no longer LoadBalancer (dropTypeDependentFields).
    const main = await services().update('s', 'st', (cur) => ({ ...(cur as KubeObject), status: {} }));
    assert.deepEqual((main.object as Service).status?.loadBalancer?.ingress, [{ ip: '192.0.2.10' }]);
    const toNP = await services().update('s', 'st', (cur) => ({ ...(cur as KubeObject), spec: { ...specOf(cur as KubeObject), type: 'NodePort' } }));
    assert.deepEqual((toNP.object as Service).status, { loadBalancer: {} });
    assert.equal(specOf(toNP.object).allocateLoadBalancerNodePorts, undefined);
    await services().delete('s', 'st');
  });
});

describe('Service defaults and validation (default ranges)', () => {
  const r = useMemoryRegistry({ namespaces: ['v'], services: { repairIntervalMs: 3_600_000 } });
  const services = () => r.store('services');

  it('defaults as SetDefaults_Service does', async () => {
    const c = await services().create('v', svc('d', { sessionAffinity: 'ClientIP', ports: [{ port: 80 }, { name: 'x', port: 81, targetPort: 'http' }] }).spec ? { apiVersion: 'v1', kind: 'Service', metadata: { name: 'd' }, spec: { sessionAffinity: 'ClientIP', ports: [{ name: 'a', port: 80 }, { name: 'x', port: 81, targetPort: 'http' }] } } : svc('d'));
    const s = specOf(c);
    assert.equal(s.type, 'ClusterIP');
    assert.deepEqual(s.sessionAffinityConfig, { clientIP: { timeoutSeconds: 10800 } });
    assert.equal(s.internalTrafficPolicy, 'Cluster');
    assert.equal(s.externalTrafficPolicy, undefined);
    assert.deepEqual(s.ports, [{ name: 'a', port: 80, protocol: 'TCP', targetPort: 80 }, { name: 'x', port: 81, targetPort: 'http', protocol: 'TCP' }]);
    assert.match(s.clusterIP ?? '', /^10\.(9[6-9]|10[0-9]|11[01])\./);
    await services().delete('v', 'd');
  });

  it('refuses what kube refuses, in its words', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 86401 } } }, 'spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: 86401: must be greater than 0 and less than 86400'],
      [{ ports: [{ name: 'a', port: 80 }, { name: 'a', port: 81 }] }, 'spec.ports[1].name: Duplicate value: "a"'],
      [{ ports: [{ name: 'a', port: 80 }, { name: 'b', port: 80 }] }, 'spec.ports[1]: Duplicate value: core.ServicePort{Name:"", Protocol:"TCP", AppProtocol:(*string)(nil), Port:80, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}'],
      [{ ports: [{ port: 80 }, { port: 81 }] }, 'spec.ports[0].name: Required value'],
      [{ ports: [{ port: 80, nodePort: 30080 }] }, "spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"],
      [{ externalTrafficPolicy: 'Local' }, 'spec.externalTrafficPolicy: Invalid value: "Local": may only be set for externally-accessible services'],
      [{ internalTrafficPolicy: 'Nowhere' }, 'spec.internalTrafficPolicy: Unsupported value: "Nowhere": supported values: "Cluster", "Local"'],
      [{ ports: [{ port: 80, targetPort: 'Bad_Name' }] }, 'spec.ports[0].targetPort: Invalid value: "Bad_Name"'],
      [{ ports: [{ port: 80, protocol: 'ICMP' }] }, 'spec.ports[0].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"'],
      [{ type: 'Weird' }, 'spec.type: Unsupported value: "Weird": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"'],
      [{ ports: [] }, 'spec.ports: Required value'],
      [{ ipFamilies: ['IPv6'] }, 'spec.ipFamilies[0]: Invalid value: "IPv6": not configured on this cluster'],
    ];
    for (const [spec, want] of cases) {
      const err = await statusOf(services().create('v', svc('bad', spec)));
      assert.equal(err.code, 422, want);
      assert.ok((err.status.message ?? '').includes(want), `${JSON.stringify(spec)}:\n  got  ${err.status.message}\n  want ${want}`);
    }
    const name = await statusOf(services().create('v', svc('1bad')));
    assert.match(name.status.message ?? '', /metadata\.name: Invalid value: "1bad": a DNS-1035 label must consist of/);
    assert.deepEqual(await r.storage.list(SERVICE_NODE_PORTS_PREFIX).then((l) => l.items.length), 0);
  });
});

describe('Service registry over an IPv6 range', () => {
  const r = useMemoryRegistry({ namespaces: ['six'], services: { serviceClusterIPRange: 'fd00:10:96::/112', repairIntervalMs: 3_600_000 } });
  const services = () => r.store('services');

  it('allocates IPv6 ClusterIPs and records any spelling of a requested one canonically', async () => {
    const k = await services().get('default', 'kubernetes');
    assert.equal(specOf(k).clusterIP, 'fd00:10:96::1');
    const a = await services().create('six', svc('a'));
    assert.match(specOf(a).clusterIP ?? '', /^fd00:10:96::[0-9a-f]+$/);
    assert.deepEqual(specOf(a).ipFamilies, ['IPv6']);
    await services().create('six', svc('b', { clusterIP: 'fd00:10:96:0::a' }));
    const taken = await statusOf(services().create('six', svc('c', { clusterIP: 'fd00:10:96::a' })));
    assert.match(taken.status.message ?? '', /provided IP is already allocated/);
    await services().delete('six', 'b');
    assert.ok(!(await records(r, SERVICE_IPS_PREFIX)).includes('fd00:10:96::a'));
    const v4 = await statusOf(services().create('six', svc('d', { clusterIP: '10.96.0.9' })));
    assert.equal(v4.status.message, 'Service "d" is invalid: spec.clusterIPs[0]: Invalid value: []string{"10.96.0.9"}: IPv4 is not configured on this cluster');
  });
});
