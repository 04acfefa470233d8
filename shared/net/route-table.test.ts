import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node } from '../api/core-v1.ts';
import { canonicalCidr, cidrContainsCidr, cidrContainsIp, firstHost, parseIpv4Cidr } from './ipv4-cidr.ts';
import { applyRoutePlan, desiredPodRoutes, planRoutes } from './route-table.ts';
import { FakeRouteTable } from './fake-route-table.ts';

function node(name: string, cidr: string | undefined, ip: string | undefined, extra: { labels?: Record<string, string>; created?: string; deleting?: boolean } = {}): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      creationTimestamp: extra.created ?? '2026-12-07T10:00:00Z',
      ...(extra.labels ? { labels: extra.labels } : {}),
      ...(extra.deleting ? { deletionTimestamp: '2026-12-07T11:00:00Z' } : {}),
    },
    spec: cidr ? { podCIDR: cidr, podCIDRs: [cidr] } : {},
    status: ip ? { addresses: [{ type: 'InternalIP', address: ip }, { type: 'Hostname', address: name }] } : {},
  } as Node;
}

test('IPv4 CIDR helpers: parse, canonical form, containment, gateway', () => {
  assert.deepEqual(parseIpv4Cidr('10.243.2.7/24'), { base: (10 << 24 | 243 << 16 | 2 << 8) >>> 0, prefix: 24 });
  assert.equal(canonicalCidr('10.243.2.7/24'), '10.243.2.0/24');
  assert.equal(canonicalCidr('10.1.2.3'), '10.1.2.3/32');
  assert.equal(canonicalCidr('10.1.2.300/24'), undefined);
  assert.equal(canonicalCidr('10.1.2.0/33'), undefined);
  assert.equal(canonicalCidr('fd00::/64'), undefined);
  assert.ok(cidrContainsIp('10.243.2.0/24', '10.243.2.255'));
  assert.ok(!cidrContainsIp('10.243.2.0/24', '10.243.0.3'), 'the old block is not the new one');
  assert.ok(cidrContainsIp('0.0.0.0/0', '1.2.3.4'));
  assert.ok(cidrContainsIp('10.213.0.11', '10.213.0.11'), 'a bare address is a /32');
  assert.ok(!cidrContainsIp('10.213.0.11', '10.213.0.12'));
  assert.ok(!cidrContainsIp('10.244.0.0/16', 'fd00::1'), 'not IPv4: not contained');
  assert.ok(cidrContainsCidr('10.243.0.0/16', '10.243.2.0/24'));
  assert.ok(!cidrContainsCidr('10.243.2.0/24', '10.243.0.0/16'));
  assert.ok(!cidrContainsCidr('10.243.0.0/16', '10.244.0.0/24'));
  assert.equal(firstHost('10.243.2.0/24'), '10.243.2.1');
});

test('desired routes: every other real node with a CIDR and an InternalIP', () => {
  const nodes = [
    node('node-1', '10.243.0.0/24', '10.213.1.11'),
    node('node-2', '10.243.1.0/24', '10.213.1.12'),
    node('node-3', '10.243.2.0/24', undefined),
    node('node-4', undefined, '10.213.1.14'),
    node('sim-0', '10.243.9.0/24', '10.213.1.99', { labels: { 'kubelab.io/simulated': 'true' } }),
    node('node-5', '10.243.5.0/24', '10.213.1.15', { deleting: true }),
    node('node-6', '10.99.0.0/24', '10.213.1.16'),
  ];
  assert.deepEqual(desiredPodRoutes(nodes, { exclude: 'node-1', clusterCidr: '10.243.0.0/16' }), [{ destination: '10.243.1.0/24', gateway: '10.213.1.12' }]);
  assert.deepEqual(desiredPodRoutes(nodes).map((r) => r.destination), ['10.243.0.0/24', '10.243.1.0/24', '10.99.0.0/24']);
  // A CIDR claimed by two nodes (a re-registration racing the IPAM controller): the newer Node object wins.
  const dup = [node('old', '10.243.3.0/24', '10.213.1.20', { created: '2026-12-07T09:00:00Z' }), node('new', '10.243.3.0/24', '10.213.1.21', { created: '2026-12-07T12:00:00Z' })];
  assert.deepEqual(desiredPodRoutes(dup), [{ destination: '10.243.3.0/24', gateway: '10.213.1.21' }]);
});

test('plan: add missing, re-point moved, remove gone; nothing outside the managed block', () => {
  const desired = [
    { destination: '10.243.1.0/24', gateway: '10.213.1.12' },
    { destination: '10.243.2.0/24', gateway: '10.213.1.13' },
  ];
  const current = [
    { destination: '10.243.1.0/24', gateway: '10.213.1.12' }, // kept
    { destination: '10.243.2.0/24', gateway: '10.213.1.99' }, // node re-registered with another address
    { destination: '10.243.0.0/24', gateway: '10.213.1.13' }, // the node's old CIDR
    { destination: '192.168.0.0/24', gateway: '10.213.1.1' }, // not ours to judge
  ];
  const plan = planRoutes(desired, current, '10.243.0.0/16');
  assert.deepEqual(plan.replace, [{ destination: '10.243.2.0/24', gateway: '10.213.1.13' }]);
  assert.deepEqual(plan.remove, [{ destination: '10.243.2.0/24', gateway: '10.213.1.99' }, { destination: '10.243.0.0/24', gateway: '10.213.1.13' }]);
  assert.deepEqual(planRoutes(desired, desired), { replace: [], remove: [] }, 'in sync: nothing to do');
  assert.equal(planRoutes([], current).remove.length, 4, 'without a managed block every listed route is ours');
});

test('applying a plan to a table: re-pointed routes are replaced, not deleted first; failures do not stop the rest', async () => {
  const t = new FakeRouteTable();
  await t.replace({ destination: '10.243.2.0/24', gateway: '10.213.1.99' });
  await t.replace({ destination: '10.243.0.0/24', gateway: '10.213.1.13' });
  t.calls.length = 0;
  t.unreachable.add('10.9.9.9');
  const desired = [
    { destination: '10.243.2.0/24', gateway: '10.213.1.13' },
    { destination: '10.243.7.0/24', gateway: '10.9.9.9' },
    { destination: '10.243.1.0/24', gateway: '10.213.1.12' },
  ];
  const errors = await applyRoutePlan(t, planRoutes(desired, await t.list()));
  assert.equal(errors.length, 1);
  assert.match(errors[0]?.message ?? '', /Nexthop has invalid gateway/);
  assert.deepEqual(t.calls, [
    'delete 10.243.0.0/24 via 10.213.1.13',
    'replace 10.243.2.0/24 via 10.213.1.13',
    'replace 10.243.7.0/24 via 10.9.9.9',
    'replace 10.243.1.0/24 via 10.213.1.12',
  ]);
  assert.deepEqual([...t.routes.keys()].sort(), ['10.243.1.0/24', '10.243.2.0/24']);
});
