import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Endpoints, Pod, Service } from '../../shared/api/core-v1.ts';
import { endpointSlicesResource, endpointsResource, servicesResource } from '../../shared/client/clientset.ts';
import { gateWatch, newFixture, newNode, newPod, T0, type Fixture } from '../framework/testing.ts';
import { rfc3339 } from '../framework/time-format.ts';
import { EndpointsController } from './endpoints-controller.ts';
import { repackSubsets } from '../../shared/api/repack-subsets.ts';

function service(name: string, o: { ports?: NonNullable<Service['spec']>['ports']; clusterIP?: string; labels?: Record<string, string>; publishNotReady?: boolean; selector?: Record<string, string> } = {}): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'default', ...(o.labels ? { labels: o.labels } : {}) },
    spec: {
      selector: o.selector ?? { app: 'web' },
      ports: o.ports ?? [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 }],
      clusterIP: o.clusterIP ?? '10.96.0.10',
      ipFamilies: ['IPv4'],
      ...(o.publishNotReady ? { publishNotReadyAddresses: true } : {}),
    },
  };
}

function pod(name: string, ip: string, o: { ready?: boolean; labels?: Record<string, string>; ports?: { name: string; containerPort: number }[]; hostname?: string; subdomain?: string } = {}): Pod {
  const p = newPod('default', name, { ready: o.ready ?? true, nodeName: 'n1' });
  p.metadata.labels = o.labels ?? { app: 'web' };
  p.status = { ...p.status, podIP: ip, podIPs: [{ ip }] };
  if (o.ports) (p.spec.containers[0] as { ports?: unknown }).ports = o.ports.map((x) => ({ ...x, protocol: 'TCP' }));
  if (o.hostname) p.spec.hostname = o.hostname;
  if (o.subdomain) p.spec.subdomain = o.subdomain;
  return p;
}

async function fixture(objects: (Pod | Service | Endpoints)[]): Promise<Fixture<EndpointsController>> {
  return newFixture({ objects: [newNode('n1', { ready: 'True' }), ...objects], resources: [servicesResource, endpointsResource, endpointSlicesResource] }, (ctx) => new EndpointsController(ctx));
}

const getEndpoints = async (f: Fixture<EndpointsController>, name = 'web') => (await f.clientset.endpoints.get('default', name)) as Endpoints;

test('Endpoints named like the Service: ready and not-ready addresses, node, target, labels and trigger time; no rewrite when unchanged', async () => {
  const f = await fixture([service('web', { labels: { team: 'a' } }), pod('a', '10.244.0.2'), pod('b', '10.244.0.1', { ready: false }), pod('x', '10.244.0.9', { labels: { app: 'db' } })]);
  await f.controller.syncService('default/web');
  assert.deepEqual(f.writes(), ['create endpoints web']);
  const ep = await getEndpoints(f);
  const uid = (await f.clientset.pods.get('default', 'a')).metadata.uid;
  assert.deepEqual(ep.subsets, [
    {
      addresses: [{ ip: '10.244.0.2', nodeName: 'n1', targetRef: { kind: 'Pod', namespace: 'default', name: 'a', uid } }],
      notReadyAddresses: [{ ip: '10.244.0.1', nodeName: 'n1', targetRef: { kind: 'Pod', namespace: 'default', name: 'b', uid: (await f.clientset.pods.get('default', 'b')).metadata.uid } }],
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    },
  ]);
  assert.deepEqual(ep.metadata.labels, { team: 'a', 'endpoints.kubernetes.io/managed-by': 'endpoint-controller' });
  assert.equal(ep.metadata.annotations?.['endpoints.kubernetes.io/last-change-trigger-time'], rfc3339(T0));
  f.clientset.clearActions();
  await f.controller.syncService('default/web');
  assert.deepEqual(f.writes(), []);
  await f.stop();
});

test('a deleting pod leaves the Endpoints at once (kept as ready with publishNotReadyAddresses)', async () => {
  const f = await fixture([service('web'), service('all', { publishNotReady: true }), pod('a', '10.244.0.1'), pod('b', '10.244.0.2')]);
  await f.controller.syncService('default/web');
  await f.controller.syncService('default/all');
  await f.clientset.pods.delete('default', 'a');
  await f.settle();
  assert.equal(f.controller.controller.queue.len(), 2);
  await f.controller.syncService('default/web');
  await f.controller.syncService('default/all');
  assert.deepEqual((await getEndpoints(f)).subsets?.[0]?.addresses?.map((a) => a.ip), ['10.244.0.2']);
  assert.deepEqual((await getEndpoints(f, 'all')).subsets?.[0]?.addresses?.map((a) => a.ip), ['10.244.0.1', '10.244.0.2']);
  await f.stop();
});

test('headless: the headless label, hostnames for pods of this subdomain, and port-less subsets', async () => {
  const f = await fixture([
    service('db', { clusterIP: 'None', ports: [], selector: { app: 'db' } }),
    pod('db-0', '10.244.0.1', { labels: { app: 'db' }, hostname: 'db-0', subdomain: 'db' }),
    pod('db-1', '10.244.0.2', { labels: { app: 'db' }, hostname: 'db-1' }),
  ]);
  await f.controller.syncService('default/db');
  const ep = await getEndpoints(f, 'db');
  assert.equal(ep.metadata.labels?.['service.kubernetes.io/headless'], '');
  assert.equal(ep.subsets?.length, 1);
  assert.equal(ep.subsets?.[0]?.ports, undefined);
  assert.deepEqual(ep.subsets?.[0]?.addresses?.map((a) => [a.ip, a.hostname]), [['10.244.0.1', 'db-0'], ['10.244.0.2', undefined]]);
  await f.stop();
});

test('a named targetPort resolves per pod: one subset per port value', async () => {
  const f = await fixture([
    service('web', { ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 'web' }] }),
    pod('a', '10.244.0.1', { ports: [{ name: 'web', containerPort: 8080 }] }),
    pod('b', '10.244.0.2', { ports: [{ name: 'web', containerPort: 9090 }] }),
    pod('c', '10.244.0.3'),
  ]);
  await f.controller.syncService('default/web');
  const subsets = (await getEndpoints(f)).subsets ?? [];
  const byPort = new Map(subsets.map((s) => [s.ports?.[0]?.port, s.addresses?.map((a) => a.ip)]));
  assert.equal(subsets.length, 2);
  assert.deepEqual(byPort.get(8080), ['10.244.0.1']);
  assert.deepEqual(byPort.get(9090), ['10.244.0.2']);
  await f.stop();
});

test('a sync on a cache that has not caught up with its own create or update waits instead of writing again', async () => {
  let gate: ReturnType<typeof gateWatch> | undefined;
  const f = await newFixture({ objects: [newNode('n1', { ready: 'True' }), service('web'), pod('a', '10.244.0.1')], resources: [servicesResource, endpointsResource, endpointSlicesResource] }, (ctx) => {
    gate = gateWatch(ctx.clientset, endpointsResource);
    return new EndpointsController(ctx);
  });
  gate?.pause();
  await f.controller.syncService('default/web');
  assert.deepEqual(f.writes(), ['create endpoints web']);
  await assert.rejects(f.controller.syncService('default/web'), /endpoints informer cache is out of date, endpoints default\/web created but not seen yet/);
  assert.deepEqual(f.writes(), ['create endpoints web'], 'no second create');
  gate?.resume();
  await f.settle();
  await f.clientset.pods.create(pod('b', '10.244.0.2'));
  await f.settle();
  gate?.pause();
  f.clientset.clearActions();
  await f.controller.syncService('default/web');
  assert.deepEqual(f.writes(), ['update endpoints web']);
  await assert.rejects(f.controller.syncService('default/web'), /already processed for endpoints default\/web/);
  gate?.resume();
  await f.settle();
  f.clientset.clearActions();
  await f.controller.syncService('default/web');
  assert.deepEqual(f.writes(), []);
  gate?.close();
  await f.stop();
});

test('the Service going deletes its Endpoints', async () => {
  const f = await fixture([service('web'), pod('a', '10.244.0.1')]);
  await f.controller.syncService('default/web');
  await f.clientset.services.delete('default', 'web');
  await f.settle();
  f.clientset.clearActions();
  await f.controller.syncService('default/web');
  assert.deepEqual(f.writes(), ['delete endpoints web']);
  await f.stop();
});

test('more than 1000 addresses: truncated to 1000 with the over-capacity annotation', async () => {
  const pods: Pod[] = [];
  for (let i = 0; i < 1005; i++) pods.push(pod(`p${i}`, `10.244.${Math.floor(i / 250)}.${(i % 250) + 1}`));
  const f = await fixture([service('web'), ...pods]);
  await f.controller.syncService('default/web');
  const ep = await getEndpoints(f);
  assert.equal(ep.metadata.annotations?.['endpoints.kubernetes.io/over-capacity'], 'truncated');
  assert.equal((ep.subsets ?? []).reduce((n, s) => n + (s.addresses ?? []).length, 0), 1000);
  await f.stop();
});

test('repackSubsets: addresses sharing ports merge into one subset; not ready wins; sorted by IP', () => {
  const a = (ip: string, uid: string) => ({ ip, targetRef: { kind: 'Pod', uid } });
  const http = { name: 'http', port: 80, protocol: 'TCP' as const };
  const dns = { name: 'dns', port: 53, protocol: 'UDP' as const };
  const out = repackSubsets([
    { addresses: [a('10.0.0.2', 'b')], ports: [http] },
    { addresses: [a('10.0.0.1', 'a')], ports: [http] },
    { addresses: [a('10.0.0.1', 'a')], ports: [dns] },
    { addresses: [a('10.0.0.2', 'b')], ports: [dns] },
    { notReadyAddresses: [a('10.0.0.3', 'c')], ports: [http] },
    { addresses: [a('10.0.0.3', 'c')], ports: [http] },
  ]);
  // dns: a, b ready; http: a, b ready and c not ready -> two subsets.
  assert.equal(out.length, 2);
  const httpSubset = out.find((s) => s.ports?.[0]?.name === 'http');
  assert.deepEqual(httpSubset?.addresses?.map((x) => x.ip), ['10.0.0.1', '10.0.0.2']);
  assert.deepEqual(httpSubset?.notReadyAddresses?.map((x) => x.ip), ['10.0.0.3']);
  const dnsSubset = out.find((s) => s.ports?.[0]?.name === 'dns');
  assert.deepEqual(dnsSubset?.addresses?.map((x) => x.ip), ['10.0.0.1', '10.0.0.2']);
  // Same input in another order packs identically.
  assert.deepEqual(repackSubsets([...[
    { addresses: [a('10.0.0.1', 'a')], ports: [dns, http] },
    { addresses: [a('10.0.0.2', 'b')], ports: [http, dns] },
    { notReadyAddresses: [a('10.0.0.3', 'c')], ports: [http] },
  ]]), out);
});
