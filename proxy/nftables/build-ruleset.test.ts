import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Service } from '../../shared/api/core-v1.ts';
import type { Endpoint, EndpointSlice } from '../../shared/api/discovery-v1.ts';
import { buildEndpointsMap } from '../endpoints-map.ts';
import { servicePortsFor } from '../service-port.ts';
import { affinitySetName, buildRuleset, endpointChainBase, newRulesetCache, servicePortChainBase, type BuildOptions } from './build-ruleset.ts';
import { renderDiff, renderFull, type Ruleset } from './ruleset.ts';

const HOST = 'node-a';

function svc(name: string, spec: Partial<NonNullable<Service['spec']>>, ns = 'default'): Service {
  return { metadata: { namespace: ns, name }, spec: { type: 'ClusterIP', ports: [{ name: 'http', port: 80, protocol: 'TCP' }], ...spec } };
}

function slice(svcName: string, endpoints: Endpoint[], opts: { ns?: string; port?: number; portName?: string; protocol?: 'TCP' | 'UDP'; name?: string } = {}): EndpointSlice {
  return {
    metadata: { namespace: opts.ns ?? 'default', name: opts.name ?? `${svcName}-abc`, labels: { 'kubernetes.io/service-name': svcName } },
    addressType: 'IPv4',
    ports: [{ name: opts.portName ?? 'http', port: opts.port ?? 8080, protocol: opts.protocol ?? 'TCP' }],
    endpoints,
  };
}

function ep(ip: string, node: string, conditions: Endpoint['conditions'] = { ready: true, serving: true, terminating: false }): Endpoint {
  return { addresses: [ip], nodeName: node, conditions };
}

const OPTS: BuildOptions = { masqueradeAll: false, clusterCIDRs: ['10.244.0.0/16'], nodePortIPs: 'all' };

function build(services: Service[], slices: EndpointSlice[], opts: Partial<BuildOptions> = {}): Ruleset {
  return buildRuleset({ servicePorts: services.flatMap(servicePortsFor), endpoints: buildEndpointsMap(slices, HOST) }, { ...OPTS, ...opts });
}

function rules(rs: Ruleset, chain: string): string[] {
  const c = rs.chains.get(chain);
  assert.ok(c, `chain ${chain} exists; chains: ${[...rs.chains.keys()].join(' ')}`);
  return c.rules;
}

function chainFor(prefix: string, rs: Ruleset, s: Service): string {
  const sp = servicePortsFor(s)[0];
  assert.ok(sp);
  return `${prefix}-${servicePortChainBase(sp)}`;
}

test('base chains hook in as upstream: filter before DNAT, nat at dstnat/srcnat, masquerading by mark', () => {
  const rs = build([], []);
  const full = renderFull(rs, { recreate: true });
  assert.match(full, /^add table ip kube-proxy \{ comment "rules for kube-proxy" ; \}\ndelete table ip kube-proxy\n/);
  assert.match(full, /add chain ip kube-proxy filter-input \{ type filter hook input priority -110 ; \}/);
  assert.match(full, /add chain ip kube-proxy nat-prerouting \{ type nat hook prerouting priority -100 ; \}/);
  assert.match(full, /add chain ip kube-proxy nat-output \{ type nat hook output priority -100 ; \}/);
  assert.match(full, /add chain ip kube-proxy nat-postrouting \{ type nat hook postrouting priority 100 ; \}/);
  assert.deepEqual(rules(rs, 'nat-prerouting'), ['jump services']);
  assert.deepEqual(rules(rs, 'nat-output'), ['jump services']);
  assert.deepEqual(rules(rs, 'filter-forward'), ['ct state new jump endpoints-check']);
  assert.deepEqual(rules(rs, 'filter-output'), ['ct state new jump endpoints-check', 'ct state new jump firewall-check']);
  assert.deepEqual(rules(rs, 'masquerading'), ['mark and 0x00004000 == 0 return', 'mark set mark xor 0x00004000', 'masquerade fully-random']);
  assert.deepEqual(rules(rs, 'mark-for-masquerade'), ['mark set mark or 0x00004000']);
  assert.deepEqual(rules(rs, 'services'), [
    'ip daddr . meta l4proto . th dport vmap @service-ips',
    'fib daddr type local ip daddr != 127.0.0.0/8 meta l4proto . th dport vmap @service-nodeports',
  ]);
  assert.deepEqual(rules(rs, 'reject-chain'), ['reject']);
});

test('ClusterIP: service-ips element -> service chain -> numgen random over ready endpoints -> DNAT', () => {
  const s = svc('web', { clusterIP: '10.96.0.10' });
  const rs = build([s], [slice('web', [ep('10.244.1.5', 'node-b'), ep('10.244.0.7', HOST), ep('10.244.2.9', 'node-c', { ready: false, serving: false })])]);
  const chain = chainFor('service', rs, s);
  assert.equal(rs.maps.get('service-ips')?.elements.get('10.96.0.10 . tcp . 80'), `goto ${chain}`);
  const r = rules(rs, chain);
  assert.equal(r[0], 'ip daddr 10.96.0.10 tcp dport 80 ip saddr != 10.244.0.0/16 jump mark-for-masquerade');
  assert.match(r[1] ?? '', /^numgen random mod 2 vmap \{ 0 : goto endpoint-[A-Z2-7]{8}-default\/web\/tcp\/http__10\.244\.0\.7\/8080, 1 : goto endpoint-[A-Z2-7]{8}-default\/web\/tcp\/http__10\.244\.1\.5\/8080 \}$/);
  const sp = servicePortsFor(s)[0];
  assert.ok(sp);
  const epChain = `endpoint-${endpointChainBase(sp, { ip: '10.244.1.5', port: 8080, ready: true, serving: true, terminating: false, isLocal: false })}`;
  assert.deepEqual(rules(rs, epChain), ['ip saddr 10.244.1.5 jump mark-for-masquerade', 'meta l4proto tcp dnat to 10.244.1.5:8080']);
  // The not-ready endpoint gets no chain.
  assert.ok(![...rs.chains.keys()].some((c) => c.includes('10.244.2.9')));
});

test('no --cluster-cidr: no off-cluster masquerade rule; --masquerade-all: every ClusterIP packet marked', () => {
  const s = svc('web', { clusterIP: '10.96.0.10' });
  const sl = [slice('web', [ep('10.244.1.5', 'node-b')])];
  assert.match(rules(build([s], sl, { clusterCIDRs: [] }), chainFor('service', build([s], sl), s))[0] ?? '', /^numgen/);
  assert.equal(rules(build([s], sl, { masqueradeAll: true }), chainFor('service', build([s], sl), s))[0], 'ip daddr 10.96.0.10 tcp dport 80 jump mark-for-masquerade');
});

test('no endpoints: ClusterIP and NodePort rejected through the filter chains, no nat chains', () => {
  const s = svc('empty', { clusterIP: '10.96.0.11', type: 'NodePort', ports: [{ name: 'http', port: 80, protocol: 'TCP', nodePort: 30080 }] });
  const rs = build([s], []);
  assert.equal(rs.maps.get('no-endpoint-services')?.elements.get('10.96.0.11 . tcp . 80'), 'goto reject-chain');
  assert.equal(rs.maps.get('no-endpoint-nodeports')?.elements.get('tcp . 30080'), 'goto reject-chain');
  assert.equal(rs.maps.get('service-ips')?.elements.size, 0);
  assert.equal(rs.maps.get('service-nodeports')?.elements.size, 0);
  assert.deepEqual(rules(rs, 'endpoints-check'), [
    'ip daddr . meta l4proto . th dport vmap @no-endpoint-services',
    'fib daddr type local ip daddr != 127.0.0.0/8 meta l4proto . th dport vmap @no-endpoint-nodeports',
  ]);
  assert.ok(![...rs.chains.keys()].some((c) => c.startsWith('service-')));
});

test('KEP-1669: with no ready endpoint, serving terminating endpoints are used; not-serving ones never', () => {
  const s = svc('web', { clusterIP: '10.96.0.10' });
  const rs = build([s], [slice('web', [ep('10.244.1.5', 'node-b', { ready: false, serving: true, terminating: true }), ep('10.244.1.6', 'node-b', { ready: false, serving: false, terminating: true })])]);
  const r = rules(rs, chainFor('service', rs, s));
  assert.match(r[1] ?? '', /^numgen random mod 1 vmap \{ 0 : goto endpoint-\S+__10\.244\.1\.5\/8080 \}$/);
  // A ready endpoint wins over terminating ones.
  const rs2 = build([s], [slice('web', [ep('10.244.1.5', 'node-b', { ready: false, serving: true, terminating: true }), ep('10.244.1.7', 'node-b')])]);
  assert.match(rules(rs2, chainFor('service', rs2, s))[1] ?? '', /mod 1 vmap \{ 0 : goto endpoint-\S+__10\.244\.1\.7\/8080 \}/);
});

test('NodePort (Cluster policy): nodeports element -> external chain that masquerades -> service chain', () => {
  const s = svc('np', { clusterIP: '10.96.0.12', type: 'NodePort', ports: [{ name: 'http', port: 80, protocol: 'TCP', nodePort: 30080 }] });
  const rs = build([s], [slice('np', [ep('10.244.1.5', 'node-b')])]);
  const ext = chainFor('external', rs, s);
  assert.equal(rs.maps.get('service-nodeports')?.elements.get('tcp . 30080'), `goto ${ext}`);
  assert.deepEqual(rules(rs, ext), ['jump mark-for-masquerade', `goto ${chainFor('service', rs, s)}`]);
  // LoadBalancer type gets NodePorts too, ClusterIP type never.
  const lb = svc('lb', { clusterIP: '10.96.0.13', type: 'LoadBalancer', ports: [{ name: 'http', port: 80, protocol: 'TCP', nodePort: 30081 }] });
  assert.ok(build([lb], [slice('lb', [ep('10.244.1.5', 'node-b')])]).maps.get('service-nodeports')?.elements.has('tcp . 30081'));
  const cip = svc('cip', { clusterIP: '10.96.0.14', ports: [{ name: 'http', port: 80, protocol: 'TCP', nodePort: 30082 }] });
  assert.equal(build([cip], [slice('cip', [ep('10.244.1.5', 'node-b')])]).maps.get('service-nodeports')?.elements.size, 0);
});

test('--nodeport-addresses: NodePorts only on @nodeport-ips (loopback left out)', () => {
  const rs = build([], [], { nodePortIPs: ['10.213.0.11', '127.0.0.1'] });
  assert.deepEqual(rs.sets.get('nodeport-ips')?.elements, ['10.213.0.11']);
  assert.equal(rules(rs, 'services')[1], 'ip daddr @nodeport-ips meta l4proto . th dport vmap @service-nodeports');
  assert.match(renderFull(rs, { recreate: true }), /add element ip kube-proxy nodeport-ips \{ 10\.213\.0\.11 \}/);
});

test('externalTrafficPolicy Local: only local endpoints, source preserved, short-circuits, drop without local endpoints', () => {
  const s = svc('loc', { clusterIP: '10.96.0.15', type: 'NodePort', externalTrafficPolicy: 'Local', ports: [{ name: 'http', port: 80, protocol: 'TCP', nodePort: 30090 }] });
  const rs = build([s], [slice('loc', [ep('10.244.0.5', HOST), ep('10.244.1.5', 'node-b')])]);
  const ext = chainFor('external', rs, s);
  const local = chainFor('local', rs, s);
  const cluster = chainFor('service', rs, s);
  assert.deepEqual(rules(rs, ext), [
    `ip saddr 10.244.0.0/16 goto ${cluster}`,
    'fib saddr type local jump mark-for-masquerade',
    `fib saddr type local goto ${cluster}`,
    `goto ${local}`,
  ]);
  assert.match(rules(rs, local)[0] ?? '', /^numgen random mod 1 vmap \{ 0 : goto endpoint-\S+__10\.244\.0\.5\/8080 \}$/);
  // ClusterIP traffic still uses every endpoint.
  assert.match(rules(rs, cluster).at(-1) ?? '', /mod 2/);
  // No local endpoint: external traffic dropped, internal still served.
  const rs2 = build([s], [slice('loc', [ep('10.244.1.5', 'node-b')])]);
  assert.equal(rs2.maps.get('no-endpoint-nodeports')?.elements.get('tcp . 30090'), 'drop');
  assert.equal(rs2.maps.get('service-nodeports')?.elements.get('tcp . 30090'), `goto ${ext}`);
  assert.ok(!rules(rs2, ext).includes(`goto ${local}`));
  assert.equal(rs2.maps.get('service-ips')?.elements.get('10.96.0.15 . tcp . 80'), `goto ${cluster}`);
});

test('internalTrafficPolicy Local: ClusterIP to local endpoints only, dropped when there is none', () => {
  const s = svc('itp', { clusterIP: '10.96.0.16', internalTrafficPolicy: 'Local' });
  const rs = build([s], [slice('itp', [ep('10.244.0.5', HOST), ep('10.244.1.5', 'node-b')])]);
  const local = chainFor('local', rs, s);
  assert.equal(rs.maps.get('service-ips')?.elements.get('10.96.0.16 . tcp . 80'), `goto ${local}`);
  assert.match(rules(rs, local).at(-1) ?? '', /mod 1 vmap \{ 0 : goto endpoint-\S+__10\.244\.0\.5\/8080 \}/);
  assert.ok(!rs.chains.has(chainFor('service', rs, s)));
  const rs2 = build([s], [slice('itp', [ep('10.244.1.5', 'node-b')])]);
  assert.equal(rs2.maps.get('no-endpoint-services')?.elements.get('10.96.0.16 . tcp . 80'), 'drop');
});

test('sessionAffinity ClientIP: per-endpoint timeout sets, checked before numgen, updated in the endpoint chain', () => {
  const s = svc('sticky', { clusterIP: '10.96.0.17', sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 600 } } });
  const rs = build([s], [slice('sticky', [ep('10.244.1.5', 'node-b'), ep('10.244.1.6', 'node-b')])]);
  const sp = servicePortsFor(s)[0];
  assert.ok(sp);
  const e5 = { ip: '10.244.1.5', port: 8080, ready: true, serving: true, terminating: false, isLocal: false };
  const set = affinitySetName(sp, e5);
  assert.deepEqual(rs.sets.get(set), { name: set, type: 'ipv4_addr', flags: ['dynamic', 'timeout'], timeoutSeconds: 600 });
  const r = rules(rs, chainFor('service', rs, s));
  assert.equal(r[1], `ip saddr @${set} goto endpoint-${endpointChainBase(sp, e5)}`);
  assert.match(r[3] ?? '', /^numgen random mod 2/);
  assert.deepEqual(rules(rs, `endpoint-${endpointChainBase(sp, e5)}`), ['ip saddr 10.244.1.5 jump mark-for-masquerade', `update @${set} { ip saddr }`, 'meta l4proto tcp dnat to 10.244.1.5:8080']);
  assert.match(renderFull(rs, { recreate: true }), new RegExp(`add set ip kube-proxy ${set.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} \\{ type ipv4_addr ; flags dynamic,timeout ; timeout 600s ; \\}`));
  // Default timeout 10800 s; a changed timeout is a new set name.
  const s2 = svc('sticky', { clusterIP: '10.96.0.17', sessionAffinity: 'ClientIP' });
  const sp2 = servicePortsFor(s2)[0];
  assert.ok(sp2);
  assert.equal(sp2.stickyMaxAgeSeconds, 10800);
  assert.notEqual(affinitySetName(sp2, e5), set);
});

test('ExternalName and headless Services are ignored; named ports and UDP matched by name and protocol', () => {
  const rs = build(
    [svc('ext', { type: 'ExternalName', externalName: 'example.com' }), svc('headless', { clusterIP: 'None' }), svc('dns', { clusterIP: '10.96.0.53', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }] })],
    [slice('headless', [ep('10.244.1.5', 'node-b')]), slice('dns', [ep('10.244.1.8', 'node-b')], { portName: 'dns', port: 5353, protocol: 'UDP' })],
  );
  const ips = rs.maps.get('service-ips')?.elements;
  assert.deepEqual([...(ips?.keys() ?? [])], ['10.96.0.53 . udp . 53']);
  assert.deepEqual([...(rs.maps.get('no-endpoint-services')?.elements.keys() ?? [])], ['10.96.0.53 . tcp . 53']);
  assert.ok([...rs.chains.values()].some((c) => c.rules.includes('meta l4proto udp dnat to 10.244.1.8:5353')));
});

test('externalIPs: captured into the external chain; duplicates across slices merged', () => {
  const s = svc('pub', { clusterIP: '10.96.0.18', externalIPs: ['192.0.2.10'] });
  const rs = build([s], [slice('pub', [ep('10.244.1.5', 'node-b')], { name: 'a' }), slice('pub', [ep('10.244.1.5', 'node-b')], { name: 'b' })]);
  assert.equal(rs.maps.get('service-ips')?.elements.get('192.0.2.10 . tcp . 80'), `goto ${chainFor('external', rs, s)}`);
  assert.match(rules(rs, chainFor('service', rs, s)).at(-1) ?? '', /mod 1/);
});

test('renderDiff: an endpoint removed rewrites one chain and deletes one; nothing changed is empty', () => {
  const s = svc('web', { clusterIP: '10.96.0.10' });
  const before = build([s], [slice('web', [ep('10.244.1.5', 'node-b'), ep('10.244.1.6', 'node-b')])]);
  const after = build([s], [slice('web', [ep('10.244.1.5', 'node-b')])]);
  assert.equal(renderDiff(before, build([s], [slice('web', [ep('10.244.1.5', 'node-b'), ep('10.244.1.6', 'node-b')])])), '');
  const diff = renderDiff(before, after).trim().split('\n');
  const chain = chainFor('service', after, s);
  assert.equal(diff[0], `flush chain ip kube-proxy ${chain}`);
  assert.match(diff.at(-1) ?? '', /^delete chain ip kube-proxy endpoint-\S+__10\.244\.1\.6\/8080$/);
  assert.equal(diff.length, 4);
  // A Service going away: its element deleted first, its chains deleted last.
  const gone = renderDiff(after, build([], [])).trim().split('\n');
  assert.equal(gone[0], 'delete element ip kube-proxy service-ips { 10.96.0.10 . tcp . 80 }');
  assert.deepEqual(gone.slice(1).map((l) => l.split(' ')[0]), ['delete', 'delete']);
  // A new Service: chains before rules before the map element pointing at them.
  const added = renderDiff(build([], []), after).trim().split('\n');
  assert.ok(added.findIndex((l) => l.startsWith('add chain')) < added.findIndex((l) => l.startsWith('add rule')));
  assert.match(added.at(-1) ?? '', /^add element ip kube-proxy service-ips \{ 10\.96\.0\.10 \. tcp \. 80 : goto service-/);
});

test('renderFull without recreate flushes the table, keeps affinity sets and deletes stale chains', () => {
  const s = svc('web', { clusterIP: '10.96.0.10' });
  const before = build([s], [slice('web', [ep('10.244.1.5', 'node-b'), ep('10.244.1.6', 'node-b')])]);
  const after = build([s], [slice('web', [ep('10.244.1.5', 'node-b')])]);
  const full = renderFull(after, { recreate: false, stale: { chains: before.chains.keys(), sets: before.sets.keys() } });
  assert.match(full, /^add table ip kube-proxy \{ comment "rules for kube-proxy" ; \}\nflush table ip kube-proxy\n/);
  assert.match(full, /flush map ip kube-proxy service-ips/);
  assert.match(full, /delete chain ip kube-proxy endpoint-\S+__10\.244\.1\.6\/8080\n$/);
});

test('a cache reuses unchanged service ports: the diff of a one-Service change touches only that Service', () => {
  const cache = newRulesetCache();
  const services = [svc('a', { clusterIP: '10.96.0.1' }), svc('b', { clusterIP: '10.96.0.2' })];
  const slices = [slice('a', [ep('10.244.1.5', 'node-b')]), slice('b', [ep('10.244.1.6', 'node-b')])];
  const input = (sl: EndpointSlice[], changed?: Set<string>) => ({ servicePorts: services.flatMap(servicePortsFor), endpoints: buildEndpointsMap(sl, HOST), ...(changed ? { changedServices: changed } : {}) });
  const first = buildRuleset(input(slices), OPTS, cache);
  const same = buildRuleset(input(slices), OPTS, cache);
  assert.equal(same.fragments?.get('default/a:http/tcp'), first.fragments?.get('default/a:http/tcp'));
  assert.equal(renderDiff(first, same), '');
  const moved = [slices[0] as EndpointSlice, slice('b', [ep('10.244.1.7', 'node-b')])];
  // Told only "a" changed, "b" keeps its fragment even though its endpoints moved (the caller's promise).
  const stale = buildRuleset(input(moved, new Set(['default/a'])), OPTS, cache);
  assert.equal(stale.fragments?.get('default/b:http/tcp'), first.fragments?.get('default/b:http/tcp'));
  const next = buildRuleset(input(moved, new Set(['default/b'])), OPTS, cache);
  const diff = renderDiff(first, next);
  assert.match(diff, /10\.244\.1\.7/);
  assert.doesNotMatch(diff, /default\/a\//);
});

test('an incremental build records the fragments changed since the previous one; renderDiff over them equals the full comparison', () => {
  const cache = newRulesetCache();
  const services = [svc('a', { clusterIP: '10.96.0.1' }), svc('b', { clusterIP: '10.96.0.2' }), svc('c', { clusterIP: '10.96.0.3' })];
  const slices = [slice('a', [ep('10.244.1.5', 'node-b')]), slice('b', [ep('10.244.1.6', 'node-b')]), slice('c', [ep('10.244.1.8', 'node-b')])];
  const input = (svcs: typeof services, sl: EndpointSlice[], changed?: Set<string>) => ({ servicePorts: svcs.flatMap(servicePortsFor), endpoints: buildEndpointsMap(sl, HOST), ...(changed ? { changedServices: changed } : {}) });
  const withoutChanges = (r: Ruleset): Ruleset => ({ family: r.family, table: r.table, comment: r.comment, chains: r.chains, maps: r.maps, sets: r.sets, ...(r.fragments ? { fragments: r.fragments } : {}) });
  const first = buildRuleset(input(services.slice(0, 2), slices), OPTS, cache);
  assert.equal(first.changes, undefined);
  // b's endpoint moves: only b's fragment is compared.
  const moved = [slices[0] as EndpointSlice, slice('b', [ep('10.244.1.7', 'node-b')]), slices[2] as EndpointSlice];
  const second = buildRuleset(input(services.slice(0, 2), moved, new Set(['default/b'])), OPTS, cache);
  assert.equal(second.changes?.since, first);
  assert.deepEqual([...(second.changes?.keys ?? [])], ['default/b:http/tcp']);
  const diff = renderDiff(first, second);
  assert.match(diff, /10\.244\.1\.7/);
  assert.equal(diff, renderDiff(first, withoutChanges(second)));
  // The previous build forgets its predecessor (no chain of old rulesets kept alive).
  assert.equal(first.changes, undefined);
  // b removed and c added at once (same number of service ports): both are in the changed keys.
  const third = buildRuleset(input([services[0], services[2]] as typeof services, moved, new Set(['default/b', 'default/c'])), OPTS, cache);
  assert.deepEqual(new Set(third.changes?.keys), new Set(['default/b:http/tcp', 'default/c:http/tcp']));
  const swap = renderDiff(second, third);
  assert.equal(swap, renderDiff(second, withoutChanges(third)));
  assert.match(swap, /delete chain ip kube-proxy service-\S+-default\/b\/tcp\/http/);
  assert.match(swap, /add chain ip kube-proxy service-\S+-default\/c\/tcp\/http/);
  // Merged on demand, in name order, with the base first.
  assert.deepEqual([...third.chains.keys()].filter((n) => n.startsWith('service-')).map((n) => n.split('-default/')[1]), ['a/tcp/http', 'c/tcp/http']);
  assert.equal([...third.chains.keys()][0], 'filter-prerouting');
  // Nothing changed: empty, without walking the unchanged fragments.
  const fourth = buildRuleset(input([services[0], services[2]] as typeof services, moved, new Set()), OPTS, cache);
  assert.equal(fourth.changes?.keys.size, 0);
  assert.equal(renderDiff(third, fourth), '');
});
