/**
 * The endpoint and endpointslice controllers end to end on a real API server (in-process) with the scheduler,
 * the ReplicaSet, Deployment and garbage collector controllers, simulated nodes that give pods IPs and
 * readiness, and the real kubectl: a Deployment behind a Service scales up and down in its EndpointSlice and
 * Endpoints; named target ports resolve per pod; a headless Service publishes hostname/subdomain pods; and,
 * with pods on a hand-driven node whose status the test writes, readiness flips and a deletion (terminating at
 * once: ready false, serving true) reach the slice; `kubectl get endpointslices` / `endpoints` show them; the
 * Endpoints of a selector-less Service are mirrored into a slice, followed through changes, and removed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Endpoints, Node, Pod, Service } from '../../shared/api/core-v1.ts';
import type { EndpointSlice } from '../../shared/api/discovery-v1.ts';
import type { Clientset } from '../../shared/client/clientset.ts';
import type { KubectlEnv } from '../../test/e2e/framework/kubectl.ts';
import { startSimCluster, testLogger, type SimCluster } from '../../test/integration/framework/sim-cluster.ts';
import { untilWith } from '../../test/integration/framework/until.ts';

const log = testLogger();
const until = untilWith({ timeoutMs: 60_000, everyMs: 50 });
const MANUAL_NODE = 'eps-manual';

function deployment(name: string, replicas: number, port: number, extra: Record<string, unknown> = {}): unknown {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          terminationGracePeriodSeconds: 1,
          containers: [{ name: 'app', image: 'localhost/busybox:1.35', command: ['sleep', '3600'], ports: [{ name: 'http', containerPort: port }] }],
          ...extra,
        },
      },
    },
  };
}

function serviceObject(name: string, o: { selector: Record<string, string>; targetPort?: number | string; headless?: boolean; ports?: boolean }): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name },
    spec: {
      selector: o.selector,
      ...(o.headless ? { clusterIP: 'None' } : {}),
      ...(o.ports === false ? {} : { ports: [{ name: 'web', port: 80, protocol: 'TCP', targetPort: o.targetPort ?? 'http' }] }),
    },
  };
}

/** A pod bound to the hand-driven node: nothing runs it; the test writes its status. */
function manualPod(name: string, labels: Record<string, string>): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels },
    spec: { nodeName: MANUAL_NODE, containers: [{ name: 'app', image: 'localhost/busybox:1.35', ports: [{ name: 'http', containerPort: 7070, protocol: 'TCP' }] }] },
  };
}

describe('endpoint and endpointslice controllers with simulated nodes', () => {
  let cluster: SimCluster;
  let env: KubectlEnv;
  let cs: Clientset;

  before(async () => {
    cluster = await startSimCluster({ controllers: 'scheduler,replicaset,deployment,garbagecollector,endpoint,endpointslice,endpointslicemirroring', nodes: 2, nodePrefix: 'eps-node-', log, endpointReconciler: { advertiseAddress: '192.0.2.1' } });
    ({ env, cs } = cluster);
    const node: Node = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: MANUAL_NODE, labels: { 'topology.kubernetes.io/zone': 'zone-m' } },
      spec: { taints: [{ key: 'example.com/manual', effect: 'NoSchedule' }] },
    };
    await cs.nodes.create(node);
  });

  after(async () => {
    await cluster?.close();
  });

  const slicesOf = async (ns: string, svc: string): Promise<EndpointSlice[]> =>
    ((await cs.endpointSlices.list(ns, { labelSelector: `kubernetes.io/service-name=${svc}` })).items as EndpointSlice[]).filter((s) => s.addressType === 'IPv4');
  const endpointsOf = async (ns: string, svc: string): Promise<EndpointSlice['endpoints']> => (await slicesOf(ns, svc)).flatMap((s) => s.endpoints ?? []);
  const readyIPs = async (ns: string, svc: string): Promise<string[]> =>
    (await endpointsOf(ns, svc)).filter((e) => e.conditions?.ready).map((e) => e.addresses[0] ?? '').sort();
  const podIPs = async (ns: string, selector: string): Promise<string[]> =>
    ((await cs.pods.list(ns, { labelSelector: selector })).items as Pod[]).filter((p) => !p.metadata.deletionTimestamp && p.status?.podIP && p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).map((p) => p.status?.podIP ?? '').sort();
  const legacyReady = async (ns: string, svc: string): Promise<string[]> => {
    const ep = (await cs.endpoints.get(ns, svc)) as Endpoints;
    return (ep.subsets ?? []).flatMap((s) => (s.addresses ?? []).map((a) => a.ip)).sort();
  };

  it('a Deployment behind a Service: slices and Endpoints follow scale up and down; kubectl shows them', async () => {
    const ns = await env.namespace('eps-scale');
    const kubectl = env.kubectl.ns(ns);
    env.write('web.yaml', JSON.stringify(deployment('web', 3, 8080)));
    await kubectl.ok(['apply', '-f', 'web.yaml']);
    await cs.services.create({ ...serviceObject('web', { selector: { app: 'web' } }), metadata: { name: 'web', namespace: ns, labels: { tier: 'front' } } });

    const three = await until('3 ready endpoints matching the 3 ready pods', async () => {
      const [eps, pods] = [await readyIPs(ns, 'web'), await podIPs(ns, 'app=web')];
      return eps.length === 3 && JSON.stringify(eps) === JSON.stringify(pods) ? eps : undefined;
    });
    const [slice] = await slicesOf(ns, 'web');
    assert.ok(slice);
    assert.match(slice.metadata.name ?? '', /^web-[a-z0-9]{5}$/);
    assert.equal(slice.metadata.labels?.['endpointslice.kubernetes.io/managed-by'], 'endpointslice-controller.k8s.io');
    assert.equal(slice.metadata.labels?.['tier'], 'front');
    assert.equal(slice.metadata.ownerReferences?.[0]?.kind, 'Service');
    assert.deepEqual(slice.ports, [{ name: 'web', port: 8080, protocol: 'TCP' }]);
    assert.ok(slice.metadata.annotations?.['endpoints.kubernetes.io/last-change-trigger-time']);
    for (const e of slice.endpoints) {
      assert.deepEqual(e.conditions, { ready: true, serving: true, terminating: false });
      assert.match(e.nodeName ?? '', /^eps-node-/);
      assert.equal(e.targetRef?.kind, 'Pod');
    }
    await until('legacy Endpoints with the same 3 addresses', async () => JSON.stringify(await legacyReady(ns, 'web')) === JSON.stringify(three));

    const table = await kubectl.ok(['get', 'endpointslices']);
    assert.match(table, /^NAME\s+ADDRESSTYPE\s+PORTS\s+ENDPOINTS\s+AGE\n/);
    assert.match(table, new RegExp(`\\n${slice.metadata.name}\\s+IPv4\\s+8080\\s+\\S+`));
    const ep = await kubectl.ok(['get', 'endpoints', 'web']);
    assert.match(ep, /^NAME\s+ENDPOINTS\s+AGE\nweb\s+\S+:8080/);

    await kubectl.ok(['scale', 'deployment/web', '--replicas=5']);
    await until('5 ready endpoints', async () => (await readyIPs(ns, 'web')).length === 5 && (await legacyReady(ns, 'web')).length === 5);
    await kubectl.ok(['scale', 'deployment/web', '--replicas=1']);
    await until('1 endpoint left in the slice and the Endpoints', async () => {
      const [eps, pods] = [await endpointsOf(ns, 'web'), await podIPs(ns, 'app=web')];
      return eps.length === 1 && eps[0]?.addresses[0] === pods[0] && (await legacyReady(ns, 'web')).length === 1;
    });
    assert.equal((await slicesOf(ns, 'web')).length, 1, 'still one slice, updated in place');

    // The Service goes: its Endpoints are deleted and its slices collected with it.
    await kubectl.ok(['delete', 'service', 'web']);
    await until('Endpoints and slices gone', async () => (await cs.endpoints.list(ns)).items.length === 0 && (await cs.endpointSlices.list(ns)).items.length === 0);
  });

  it('a named targetPort resolves per pod: two Deployments with different container ports give two slices', async () => {
    const ns = await env.namespace('eps-ports');
    const kubectl = env.kubectl.ns(ns);
    const a = deployment('a', 2, 8080) as { spec: { template: { metadata: { labels: Record<string, string> } } } };
    const b = deployment('b', 1, 9090) as { spec: { template: { metadata: { labels: Record<string, string> } } } };
    a.spec.template.metadata.labels['role'] = 'api';
    b.spec.template.metadata.labels['role'] = 'api';
    env.write('a.yaml', JSON.stringify(a));
    env.write('b.yaml', JSON.stringify(b));
    await kubectl.ok(['apply', '-f', 'a.yaml', '-f', 'b.yaml']);
    await cs.services.create({ ...serviceObject('api', { selector: { role: 'api' } }), metadata: { name: 'api', namespace: ns } });
    const byPort = await until('two slices, by port', async () => {
      const slices = await slicesOf(ns, 'api');
      const m = new Map(slices.map((s) => [s.ports?.[0]?.port, s.endpoints.filter((e) => e.conditions?.ready).length]));
      return m.get(8080) === 2 && m.get(9090) === 1 && slices.length === 2 ? m : undefined;
    });
    assert.equal(byPort.size, 2);
    await until('legacy Endpoints: one subset per port', async () => {
      const subsets = ((await cs.endpoints.get(ns, 'api')) as Endpoints).subsets ?? [];
      const m = new Map(subsets.map((s) => [s.ports?.[0]?.port, (s.addresses ?? []).length]));
      return subsets.length === 2 && m.get(8080) === 2 && m.get(9090) === 1;
    });
  });

  it('headless Service: hostname of pods whose subdomain is the Service, headless label', async () => {
    const ns = await env.namespace('eps-headless');
    await cs.services.create({ ...serviceObject('db', { selector: { app: 'db' }, headless: true, ports: false }), metadata: { name: 'db', namespace: ns } });
    for (const [name, subdomain] of [['db-0', 'db'], ['db-1', 'other']] as const) {
      await cs.pods.create({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name, namespace: ns, labels: { app: 'db' } },
        spec: { hostname: name, subdomain, terminationGracePeriodSeconds: 1, containers: [{ name: 'app', image: 'localhost/busybox:1.35', command: ['sleep', '3600'] }] },
      } as Pod);
    }
    const eps = await until('2 ready endpoints', async () => {
      const e = await endpointsOf(ns, 'db');
      return e.filter((x) => x.conditions?.ready).length === 2 ? e : undefined;
    });
    assert.equal(eps.find((e) => e.targetRef?.name === 'db-0')?.hostname, 'db-0');
    assert.equal(eps.find((e) => e.targetRef?.name === 'db-1')?.hostname, undefined);
    const [slice] = await slicesOf(ns, 'db');
    assert.equal(slice?.metadata.labels?.['service.kubernetes.io/headless'], '');
    assert.deepEqual(slice?.ports, []);
    await until('legacy Endpoints carry the hostname and the headless label', async () => {
      const ep = (await cs.endpoints.get(ns, 'db')) as Endpoints;
      const addrs = (ep.subsets ?? []).flatMap((s) => s.addresses ?? []);
      return ep.metadata.labels?.['service.kubernetes.io/headless'] === '' && addrs.length === 2 && addrs.find((x) => x.targetRef?.name === 'db-0')?.hostname === 'db-0';
    });
  });

  it('readiness flips and a deletion reach the slice at once: terminating pods are ready=false, serving=true', async () => {
    const ns = await env.namespace('eps-ready');
    await cs.services.create({ ...serviceObject('m', { selector: { app: 'm' } }), metadata: { name: 'm', namespace: ns } });
    const setStatus = async (name: string, ip: string, ready: boolean) => {
      const p = (await cs.pods.get(ns, name)) as Pod;
      p.status = {
        ...p.status,
        phase: 'Running',
        podIP: ip,
        podIPs: [{ ip }],
        conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') }],
      };
      await cs.pods.updateStatus(p);
    };
    for (const [name, ip] of [['m-0', '10.199.0.10'], ['m-1', '10.199.0.11']] as const) {
      await cs.pods.create({ ...manualPod(name, { app: 'm' }), metadata: { name, namespace: ns, labels: { app: 'm' } } });
      await setStatus(name, ip, true);
    }
    await until('both ready', async () => JSON.stringify(await readyIPs(ns, 'm')) === '["10.199.0.10","10.199.0.11"]');
    const m0 = (await endpointsOf(ns, 'm')).find((e) => e.targetRef?.name === 'm-0');
    assert.equal(m0?.zone, 'zone-m');

    let t = Date.now();
    await setStatus('m-1', '10.199.0.11', false);
    await until('m-1 not ready', async () => {
      const e = (await endpointsOf(ns, 'm')).find((x) => x.targetRef?.name === 'm-1');
      return e?.conditions?.ready === false && e.conditions.serving === false && e.conditions.terminating === false;
    });
    const flipMs = Date.now() - t;
    assert.ok(flipMs < 2000, `readiness change reached the slice in ${flipMs} ms`);
    await until('m-1 in notReadyAddresses of the Endpoints', async () => {
      const ep = (await cs.endpoints.get(ns, 'm')) as Endpoints;
      return (ep.subsets ?? []).some((s) => (s.notReadyAddresses ?? []).some((a) => a.ip === '10.199.0.11'));
    });
    await setStatus('m-1', '10.199.0.11', true);
    await until('m-1 ready again', async () => (await readyIPs(ns, 'm')).length === 2);

    // Deleting with a grace period: the pod stays (no kubelet finishes it) but is terminating at once.
    t = Date.now();
    await cs.pods.delete(ns, 'm-0', { gracePeriodSeconds: 60 });
    await until('m-0 terminating', async () => {
      const e = (await endpointsOf(ns, 'm')).find((x) => x.targetRef?.name === 'm-0');
      return e?.conditions?.terminating === true && e.conditions.ready === false && e.conditions.serving === true;
    });
    const termMs = Date.now() - t;
    assert.ok(termMs < 2000, `deletion reached the slice in ${termMs} ms`);
    await until('m-0 left the legacy Endpoints', async () => JSON.stringify(await legacyReady(ns, 'm')) === '["10.199.0.11"]');
    await cs.pods.delete(ns, 'm-0', { gracePeriodSeconds: 0 });
    await until('m-0 gone from the slice', async () => (await endpointsOf(ns, 'm')).length === 1);
  });

  it('selector-less Service: hand-written Endpoints are mirrored into an EndpointSlice, followed and removed', async () => {
    const ns = await env.namespace('eps-mirror');
    await cs.services.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'ext', namespace: ns }, spec: { ports: [{ name: 'db', port: 5432, protocol: 'TCP' }] } });
    await cs.endpoints.create({
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'ext', namespace: ns, labels: { origin: 'hand' } },
      subsets: [{ addresses: [{ ip: '192.0.2.10' }], notReadyAddresses: [{ ip: '192.0.2.11' }], ports: [{ name: 'db', port: 5432, protocol: 'TCP' }] }],
    } as Endpoints);
    const mirrored = async () =>
      ((await cs.endpointSlices.list(ns, { labelSelector: 'endpointslice.kubernetes.io/managed-by=endpointslicemirroring-controller.k8s.io' })).items as EndpointSlice[]);
    const [slice] = await until('a mirrored slice', async () => {
      const m = await mirrored();
      return m.length === 1 && m[0]?.endpoints.length === 2 ? m : undefined;
    });
    assert.equal(slice?.metadata.labels?.['kubernetes.io/service-name'], 'ext');
    assert.equal(slice?.metadata.labels?.['origin'], 'hand');
    assert.deepEqual(slice?.ports, [{ name: 'db', port: 5432, protocol: 'TCP' }]);
    assert.deepEqual(slice?.endpoints.map((e) => [e.addresses[0], e.conditions?.ready]).sort(), [['192.0.2.10', true], ['192.0.2.11', false]]);
    // The endpointslice controller leaves a selector-less Service alone: no slice of its own.
    assert.equal((await cs.endpointSlices.list(ns)).items.length, 1);

    const ep = (await cs.endpoints.get(ns, 'ext')) as Endpoints;
    ep.subsets = [{ addresses: [{ ip: '192.0.2.12' }], ports: [{ name: 'db', port: 5432, protocol: 'TCP' }] }];
    await cs.endpoints.update(ep);
    await until('the slice follows the Endpoints', async () => {
      const m = await mirrored();
      return m.length === 1 && m[0]?.metadata.name === slice?.metadata.name && JSON.stringify(m[0]?.endpoints.map((e) => e.addresses[0])) === '["192.0.2.12"]';
    });
    await cs.endpoints.delete(ns, 'ext');
    await until('the mirrored slice is gone', async () => (await mirrored()).length === 0);
    // The API server's own `kubernetes` Endpoints carry skip-mirror: its one slice is the API server's, never a mirror.
    await until('the kubernetes Endpoints', async () => ((await cs.endpoints.get('default', 'kubernetes')) as Endpoints).subsets?.length === 1);
    const kube = (await cs.endpointSlices.list('default', { labelSelector: 'kubernetes.io/service-name=kubernetes' })).items as EndpointSlice[];
    assert.deepEqual(kube.map((s) => [s.metadata.name, s.metadata.labels?.['endpointslice.kubernetes.io/managed-by'] ?? '']), [['kubernetes', '']]);
  });
});
