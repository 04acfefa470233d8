import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node } from '../../shared/api/core-v1.ts';
import { FakeRouteTable } from '../../shared/net/fake-route-table.ts';
import { newFixture, newNode } from '../framework/testing.ts';
import { RouteController } from './route-controller.ts';

function labNode(name: string, cidr: string | undefined, ip: string | undefined, labels?: Record<string, string>): Node {
  const n = newNode(name, cidr ? { podCIDRs: [cidr] } : {});
  n.metadata.uid = `uid-${name}`;
  if (labels) n.metadata.labels = labels;
  if (ip) n.status = { ...n.status, addresses: [{ type: 'InternalIP', address: ip }] };
  return n;
}

async function fixture(nodes: Node[], table = new FakeRouteTable()) {
  const f = await newFixture({ objects: nodes }, (ctx) => new RouteController({ ...ctx, routes: table, clusterCidr: '10.243.0.0/16', reconciliationPeriodMs: 10_000 }));
  return { f, table };
}

const routesOf = (t: FakeRouteTable) => [...t.routes.values()].map((r) => `${r.destination} via ${r.gateway}`).sort();

test('every real node with a CIDR and an address gets its route; simulated and address-less nodes none', async () => {
  const { f, table } = await fixture([
    labNode('node-1', '10.243.0.0/24', '10.213.1.11'),
    labNode('node-2', '10.243.1.0/24', '10.213.1.12'),
    labNode('sim-0', '10.243.7.0/24', '10.213.1.200', { 'kubelab.io/simulated': 'true' }),
    labNode('node-3', '10.243.2.0/24', undefined),
    labNode('node-4', undefined, '10.213.1.14'),
  ]);
  const r = await f.controller.reconcile('routes', f.signal);
  assert.deepEqual(routesOf(table), ['10.243.0.0/24 via 10.213.1.11', '10.243.1.0/24 via 10.213.1.12']);
  assert.equal(r.requeueAfterMs, 10_000, 'periodic re-check');
  // In sync: the next pass changes nothing.
  table.calls.length = 0;
  await f.controller.reconcile('routes', f.signal);
  assert.deepEqual(table.calls, []);
  await f.stop();
});

test('a node deleted and re-registered with a new CIDR: the old route goes, the new one comes; foreign routes stay', async () => {
  const table = new FakeRouteTable();
  await table.replace({ destination: '10.243.0.0/24', gateway: '10.213.1.11' }); // node-1's old CIDR
  await table.replace({ destination: '10.243.5.0/24', gateway: '10.213.1.19' }); // a node that is gone
  await table.replace({ destination: '192.168.7.0/24', gateway: '10.213.1.1' }); // outside the cluster CIDR
  const { f } = await fixture([labNode('node-1', '10.243.2.0/24', '10.213.1.11'), labNode('node-2', '10.243.1.0/24', '10.213.1.12')], table);
  await f.controller.reconcile('routes', f.signal);
  assert.deepEqual(routesOf(table), ['10.243.1.0/24 via 10.213.1.12', '10.243.2.0/24 via 10.213.1.11', '192.168.7.0/24 via 10.213.1.1']);

  // node-2 is deleted: its route is removed on the next pass, which the node event queues.
  await f.clientset.nodes.delete('', 'node-2');
  await f.settle();
  assert.ok(f.controller.controller.queue.len() >= 1, 'the delete queued a reconcile');
  await f.controller.reconcile('routes', f.signal);
  assert.deepEqual(routesOf(table), ['10.243.2.0/24 via 10.213.1.11', '192.168.7.0/24 via 10.213.1.1']);
  await f.stop();
});

test('a route that cannot be created: FailedToCreateRoute on the node, the others still made, retried soon', async () => {
  const table = new FakeRouteTable();
  table.unreachable.add('172.31.0.9');
  const { f } = await fixture([labNode('far', '10.243.3.0/24', '172.31.0.9'), labNode('near', '10.243.4.0/24', '10.213.1.12')], table);
  const r = await f.controller.reconcile('routes', f.signal);
  assert.deepEqual(routesOf(table), ['10.243.4.0/24 via 10.213.1.12']);
  assert.equal(f.recorder.events.length, 1);
  assert.equal(f.recorder.events[0]?.object.name, 'far');
  assert.match(f.recorder.strings()[0] ?? '', /^Warning FailedToCreateRoute Could not create route uid-far 10\.243\.3\.0\/24 for node far after \d+\.\d+s: .*Nexthop has invalid gateway/);
  assert.equal(r.requeueAfterMs, 2000);
  await f.stop();
});
