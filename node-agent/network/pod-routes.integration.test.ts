/**
 * Pod routes kept in sync with Node objects on a real API server and real routing tables (integration tier,
 * root): the node agent's PodRouteSyncer in one network namespace (a node), the controller's route controller
 * in another (the host). Both namespaces are this test's own and deleted afterwards.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import type { Event, Node } from '../../shared/api/core-v1.ts';
import { newClientset, type Clientset } from '../../shared/client/clientset.ts';
import { loadKubeconfig } from '../../shared/client/kubeconfig.ts';
import { IpRouteTable } from '../../shared/net/route-table.ts';
import { silentLogger } from '../../shared/util/log.ts';
import { startTestServer, type TestServer } from '../../test/integration/framework/test-server.ts';
import { untilWith } from '../../test/integration/framework/until.ts';
import { runControllerManager, type RunningControllerManager } from '../../controller/main.ts';
import { PodRouteSyncer } from '../../shared/net/pod-route-syncer.ts';

const until = untilWith({ timeoutMs: 30_000, everyMs: 100 });
const NS_NODE = `podcidr-n-${process.pid}`;
const NS_HOST = `podcidr-h-${process.pid}`;
const ip = (...args: string[]) => execFileSync('ip', args, { encoding: 'utf8' });

/** The proto-213 routes of a namespace, as "<dst> via <gw>", sorted. */
function routes(ns: string): string[] {
  const rows = JSON.parse(ip('-n', ns, '-4', '-j', 'route', 'show', 'proto', '213') || '[]') as { dst: string; gateway: string }[];
  return rows.map((r) => `${r.dst} via ${r.gateway}`).sort();
}

describe('pod routes on real routing tables', () => {
  let srv: TestServer;
  let cs: Clientset;
  const ac = new AbortController();
  let cm: RunningControllerManager | undefined;

  const createNode = async (name: string, cidr: string, address: string, labels?: Record<string, string>) => {
    await cs.nodes.create({ apiVersion: 'v1', kind: 'Node', metadata: { name, ...(labels ? { labels } : {}) }, spec: { podCIDR: cidr, podCIDRs: [cidr] } } as Node);
    await cs.nodes.patch('', name, 'application/merge-patch+json', { status: { addresses: [{ type: 'InternalIP', address }, { type: 'Hostname', address: name }] } }, { subresource: 'status' });
  };

  before(async () => {
    for (const ns of [NS_NODE, NS_HOST]) {
      ip('netns', 'add', ns);
      ip('-n', ns, 'link', 'set', 'lo', 'up');
      ip('-n', ns, 'link', 'add', 'lab0', 'type', 'veth', 'peer', 'name', 'lab1'); // no dummy driver in this kernel
      ip('-n', ns, 'link', 'set', 'lab1', 'up');
      ip('-n', ns, 'addr', 'add', '10.213.250.1/24', 'dev', 'lab0');
      ip('-n', ns, 'link', 'set', 'lab0', 'up');
    }
    srv = await startTestServer();
    cs = newClientset(loadKubeconfig({ path: srv.kubeconfig }).options);
  });

  after(async () => {
    ac.abort();
    await cm?.stop().catch(() => undefined);
    await srv?.close().catch(() => undefined);
    for (const ns of [NS_NODE, NS_HOST]) {
      try {
        ip('netns', 'delete', ns);
      } catch {
        // not created
      }
    }
  });

  it('node namespace: routes to the other nodes follow adds, deletes and re-registrations; other routes stay', async () => {
    await createNode('n1', '10.251.0.0/24', '10.213.250.11');
    await createNode('n2', '10.251.1.0/24', '10.213.250.12');
    await createNode('n3', '10.251.2.0/24', '10.213.250.13');
    await createNode('sim-0', '10.251.7.0/24', '10.213.250.14', { 'kubelab.io/simulated': 'true' });
    ip('-n', NS_NODE, 'route', 'add', '10.251.9.0/24', 'via', '10.213.250.99', 'proto', '213'); // stale, ours
    ip('-n', NS_NODE, 'route', 'add', '10.251.8.0/24', 'via', '10.213.250.98'); // someone else's
    const syncer = new PodRouteSyncer({ nodes: cs.nodes, nodeName: 'n1', table: new IpRouteTable({ netns: NS_NODE }), clusterCidr: '10.251.0.0/16', log: silentLogger() });
    void syncer.run(ac.signal);
    await until('n2 and n3 routed, the stale route gone', () => JSON.stringify(routes(NS_NODE)) === JSON.stringify(['10.251.1.0/24 via 10.213.250.12', '10.251.2.0/24 via 10.213.250.13']));
    assert.match(ip('-n', NS_NODE, 'route', 'show', '10.251.8.0/24'), /via 10\.213\.250\.98/, 'a route without our protocol is left alone');

    await cs.nodes.delete('', 'n2');
    await until('n2 route removed', () => !routes(NS_NODE).some((r) => r.startsWith('10.251.1.0/24')));
    // n3 deleted and registered again: another CIDR (and address).
    await cs.nodes.delete('', 'n3');
    await createNode('n3', '10.251.3.0/24', '10.213.250.23');
    await until('n3 re-routed', () => JSON.stringify(routes(NS_NODE)) === JSON.stringify(['10.251.3.0/24 via 10.213.250.23']));

    // Flushed behind its back: the periodic resync is long here, so a node event brings it back.
    ip('-n', NS_NODE, 'route', 'del', '10.251.3.0/24', 'via', '10.213.250.23', 'proto', '213');
    syncer.trigger();
    await until('route repaired', () => routes(NS_NODE).includes('10.251.3.0/24 via 10.213.250.23'));
  });

  it('host: the route controller routes every pod CIDR and removes stale ones (--configure-cloud-routes)', async () => {
    ip('-n', NS_HOST, 'route', 'add', '10.251.5.0/24', 'via', '10.213.250.55', 'proto', '213'); // a node that is gone
    await createNode('far', '10.251.6.0/24', '172.16.99.9'); // no connected route to it: cannot be routed
    cm = await runControllerManager({
      clientset: cs,
      controllers: new Set(['route']),
      configureCloudRoutes: true,
      clusterCidrs: ['10.251.0.0/16'],
      routeTable: new IpRouteTable({ netns: NS_HOST }),
      routeReconciliationPeriodMs: 500,
      log: silentLogger(),
    });
    await until('host routes for n1 and n3', () => JSON.stringify(routes(NS_HOST)) === JSON.stringify(['10.251.0.0/24 via 10.213.250.11', '10.251.3.0/24 via 10.213.250.23']));
    const ev = await until('FailedToCreateRoute for far', async () => {
      const list = (await cs.events.list('default')).items as Event[];
      return list.find((e) => e.reason === 'FailedToCreateRoute' && e.involvedObject?.name === 'far');
    });
    assert.equal(ev.type, 'Warning');
    assert.match(ev.message ?? '', /^Could not create route \S+ 10\.251\.6\.0\/24 for node far after [\d.]+s: /);
    // Removed behind its back: the periodic pass (500 ms here) puts it back.
    ip('-n', NS_HOST, 'route', 'del', '10.251.0.0/24', 'via', '10.213.250.11', 'proto', '213');
    await until('host route repaired', () => routes(NS_HOST).includes('10.251.0.0/24 via 10.213.250.11'));
    await cs.nodes.delete('', 'n1');
    await until('n1 host route removed', () => !routes(NS_HOST).some((r) => r.startsWith('10.251.0.0/24')));
  });
});
