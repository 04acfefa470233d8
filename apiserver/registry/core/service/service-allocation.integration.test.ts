/**
 * ClusterIP and NodePort allocation on real servers:
 * 1. Two API servers sharing one real etcd (narrow ranges, so they collide often) create 500 Services (ClusterIP
 *    and NodePort) in parallel through both: no ClusterIP or NodePort is handed out twice, and every value has
 *    its stored record. After deleting them all, the records are gone and the same values can be requested again.
 * 2. kubectl 1.29 and 1.33: `create service clusterip|nodeport|externalname`, `expose`, `get svc` columns, and
 *    kube's refusal of a taken nodePort and of an address outside the range.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runAPIServer, type RunningAPIServer } from '../../../main.ts';
import { startEtcd, type EtcdHandle } from '../../../../test/integration/framework/etcd.ts';
import { assertTable, startKubectlEnv, type KubectlEnv } from '../../../../test/e2e/framework/kubectl.ts';
import type { Service } from '../../../../shared/api/core-v1.ts';
import { SERVICE_IPS_PREFIX, SERVICE_NODE_PORTS_PREFIX } from './service-allocators.ts';

const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** Runs `work` over items with at most `limit` in flight (the servers' max-mutating-requests-inflight is 200). */
async function pool<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await work(items[i] as T);
      }
    }),
  );
  return out;
}

async function call(base: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  for (let attempt = 0; ; attempt++) {
    const r = await fetch(`${base}${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const json = (await r.json()) as Record<string, unknown>;
    if (r.status === 429 && attempt < 20) {
      await new Promise((res) => setTimeout(res, 50));
      continue;
    }
    return { status: r.status, json };
  }
}

describe('two API servers on one etcd allocate without duplicates', () => {
  let etcd: EtcdHandle;
  const servers: RunningAPIServer[] = [];
  const N = 500;
  const prefix = `/kubelab-svc-alloc-${process.pid}`;
  // 1022 addresses and 600 ports for 500 Services (250 NodePort ones with two node ports each): the servers collide often.
  const ranges = { serviceClusterIPRange: '10.100.0.0/22', serviceNodePortRange: '30000-30599' };

  it('creates 500 Services in parallel through both servers, deletes them, and the values are reusable', { timeout: 240_000 }, async () => {
    etcd = await startEtcd();
    cleanups.push(() => etcd.stop());
    for (let i = 0; i < 2; i++) {
      const s = await runAPIServer({ host: '127.0.0.1', port: 0, etcdServers: [etcd.endpoint], etcdPrefix: prefix, logLevel: 'error', endpointReconciler: { type: 'none' }, ...ranges });
      servers.push(s);
      cleanups.push(() => s.close());
    }
    const [a, b] = servers as [RunningAPIServer, RunningAPIServer];
    assert.equal((await call(a.url, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'alloc' } })).status, 201);
    const specs = Array.from({ length: N }, (_, i) => ({
      server: i % 2 === 0 ? a : b,
      body: {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: `s-${i}` },
        spec: { type: i % 4 < 2 ? 'NodePort' : 'ClusterIP', selector: { app: `s-${i}` }, ports: [{ name: 'http', port: 80 }, { name: 'dns', port: 53, protocol: 'UDP' }] },
      },
    }));
    const created = await pool(specs, 80, async ({ server, body }) => {
      const r = await call(server.url, 'POST', '/api/v1/namespaces/alloc/services', body);
      assert.equal(r.status, 201, JSON.stringify(r.json));
      return r.json as unknown as Service;
    });
    const ips = new Map<string, string>();
    const ports = new Map<number, string>();
    for (const s of created) {
      const ip = s.spec?.clusterIP ?? '';
      assert.match(ip, /^10\.100\.[0-3]\.\d+$/);
      assert.ok(!ips.has(ip), `${ip} handed out to ${ips.get(ip)} and ${s.metadata.name}`);
      ips.set(ip, s.metadata.name ?? '');
      const nps = new Set((s.spec?.ports ?? []).map((p) => p.nodePort ?? 0));
      if (s.spec?.type === 'NodePort') {
        assert.equal(nps.size, 2, `two node ports for ${s.metadata.name}`);
        for (const np of nps) {
          assert.ok(np >= 30000 && np <= 30599, String(np));
          assert.ok(!ports.has(np), `${np} handed out to ${ports.get(np)} and ${s.metadata.name}`);
          ports.set(np, s.metadata.name ?? '');
        }
      } else {
        assert.deepEqual([...nps], [0]);
      }
    }
    assert.equal(ips.size, N);
    assert.equal(ports.size, N);
    assert.ok(!ips.has('10.100.0.1'), 'the kubernetes Service keeps the first address');
    const storedIPs = new Set((await a.storage.list(SERVICE_IPS_PREFIX)).items.map((i) => i.metadata.name));
    const storedPorts = new Set((await a.storage.list(SERVICE_NODE_PORTS_PREFIX)).items.map((i) => i.metadata.name));
    for (const ip of ips.keys()) assert.ok(storedIPs.has(ip), `record for ${ip}`);
    for (const np of ports.keys()) assert.ok(storedPorts.has(String(np)), `record for ${np}`);
    assert.equal(storedIPs.size, N + 1, 'one record per Service and the kubernetes Service: nothing leaked');
    assert.equal(storedPorts.size, N);

    await pool(created, 80, async (s, ) => {
      const server = Number((s.metadata.name ?? '').slice(2)) % 2 === 0 ? b : a;
      const r = await call(server.url, 'DELETE', `/api/v1/namespaces/alloc/services/${s.metadata.name}`);
      assert.equal(r.status, 200, JSON.stringify(r.json));
    });
    assert.deepEqual((await a.storage.list(SERVICE_IPS_PREFIX)).items.map((i) => i.metadata.name), ['10.100.0.1']);
    assert.deepEqual((await a.storage.list(SERVICE_NODE_PORTS_PREFIX)).items.length, 0);

    // The freed values can be requested again, through either server.
    const again = created.filter((s) => s.spec?.type === 'NodePort').slice(0, 100);
    await pool(again, 40, async (s) => {
      const i = Number((s.metadata.name ?? '').slice(2));
      const body = {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: `again-${i}` },
        spec: { type: 'NodePort', clusterIP: s.spec?.clusterIP, ports: (s.spec?.ports ?? []).map((p) => ({ name: p.name, port: p.port, protocol: p.protocol, nodePort: p.nodePort })) },
      };
      const r = await call((i % 2 === 0 ? b : a).url, 'POST', '/api/v1/namespaces/alloc/services', body);
      assert.equal(r.status, 201, JSON.stringify(r.json));
      const got = r.json as unknown as Service;
      assert.equal(got.spec?.clusterIP, s.spec?.clusterIP);
      assert.deepEqual(got.spec?.ports?.map((p) => p.nodePort), s.spec?.ports?.map((p) => p.nodePort));
    });
    // And a value in use is refused by the other server in kube's words.
    const held = again[0] as Service;
    const r = await call(b.url, 'POST', '/api/v1/namespaces/alloc/services', {
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'clash' }, spec: { type: 'NodePort', ports: [{ port: 80, nodePort: held.spec?.ports?.[0]?.nodePort }] },
    });
    assert.equal(r.status, 422);
    assert.equal(r.json['message'], `Service "clash" is invalid: spec.ports[0].nodePort: Invalid value: ${held.spec?.ports?.[0]?.nodePort}: provided port is already allocated`);
  });
});

for (const minor of [29, 33]) {
  describe(`kubectl 1.${minor}: create service, expose, get svc`, () => {
    let env: KubectlEnv;
    it('creates every type and prints them as kube does', { timeout: 120_000 }, async () => {
      env = await startKubectlEnv({ minorVersion: minor });
      cleanups.push(() => env.close());
      const ns = await env.namespace('svc');
      const k = env.kubectl.ns(ns);
      const ok = async (args: string[]) => {
        const r = await k.run(args);
        assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
        return r.stdout;
      };
      assert.equal((await ok(['create', 'service', 'clusterip', 'web', '--tcp=80:8080'])).trim(), 'service/web created');
      assert.equal((await ok(['create', 'service', 'nodeport', 'np', '--tcp=80:8080', '--node-port=30080'])).trim(), 'service/np created');
      assert.equal((await ok(['create', 'service', 'externalname', 'ext', '--external-name=db.example.com'])).trim(), 'service/ext created');
      assert.equal((await ok(['create', 'service', 'clusterip', 'hl', '--clusterip=None'])).trim(), 'service/hl created');
      await env.api.post(`/api/v1/namespaces/${ns}/pods`, {
        apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', labels: { app: 'p' } },
        spec: { containers: [{ name: 'c', image: 'localhost/busybox:1.35', ports: [{ containerPort: 8080 }] }] },
      });
      assert.equal((await ok(['expose', 'pod', 'p', '--port=80', '--target-port=8080', '--name=exp', '--type=NodePort'])).trim(), 'service/exp exposed');
      const web = JSON.parse(await ok(['get', 'svc', 'web', '-o', 'json'])) as Service;
      const np = JSON.parse(await ok(['get', 'svc', 'np', '-o', 'json'])) as Service;
      const exp = JSON.parse(await ok(['get', 'svc', 'exp', '-o', 'json'])) as Service;
      const expPort = exp.spec?.ports?.[0]?.nodePort ?? 0;
      assert.ok(expPort >= 30000 && expPort <= 32767);
      assert.deepEqual(exp.spec?.selector, { app: 'p' });
      assert.notEqual(web.spec?.clusterIP, np.spec?.clusterIP);
      assertTable(
        await ok(['get', 'svc']),
        [
          'NAME   TYPE           CLUSTER-IP   EXTERNAL-IP      PORT(S)   AGE',
          `exp    NodePort       ${exp.spec?.clusterIP}   <none>   80:${expPort}/TCP   <age>`,
          'ext    ExternalName   <none>   db.example.com   <none>   <age>',
          'hl     ClusterIP      None   <none>   <none>   <age>',
          `np     NodePort       ${np.spec?.clusterIP}   <none>   80:30080/TCP   <age>`,
          `web    ClusterIP      ${web.spec?.clusterIP}   <none>   80/TCP   <age>`,
        ].join('\n'),
      );
      const clash = await k.run(['create', 'service', 'nodeport', 'np2', '--tcp=80:8080', '--node-port=30080']);
      assert.notEqual(clash.code, 0);
      assert.match(clash.stderr, /error: failed to create NodePort service: Service "np2" is invalid: spec\.ports\[0\]\.nodePort: Invalid value: 30080: provided port is already allocated/);
      const far = await k.run(['create', 'service', 'nodeport', 'np3', '--tcp=80:8080', '--node-port=40000']);
      assert.match(far.stderr, /spec\.ports\[0\]\.nodePort: Invalid value: 40000: provided port is not in the valid range\. The range of valid ports is 30000-32767/);
      const ip = await k.run(['create', 'service', 'clusterip', 'ip1', '--tcp=80', `--clusterip=${web.spec?.clusterIP}`]);
      assert.match(ip.stderr, new RegExp(`spec\\.clusterIPs: Invalid value: \\[\\]string\\{"${web.spec?.clusterIP?.replace(/\./g, '\\.')}"\\}: failed to allocate IP .*: provided IP is already allocated`));
      // LoadBalancer: node ports, EXTERNAL-IP <pending> until services/status says otherwise; status writes keep the spec.
      assert.equal((await ok(['create', 'service', 'loadbalancer', 'lb', '--tcp=80:8080'])).trim(), 'service/lb created');
      assert.match(await ok(['get', 'svc', 'lb', '--no-headers']), /^lb\s+LoadBalancer\s+\S+\s+<pending>\s+80:3\d{4}\/TCP/);
      await ok(['patch', 'svc', 'lb', '--subresource=status', '--type=merge', '-p', '{"spec":{"type":"ClusterIP"},"status":{"loadBalancer":{"ingress":[{"ip":"192.0.2.1"}]}}}']);
      assert.match(await ok(['get', 'svc', 'lb', '--no-headers']), /^lb\s+LoadBalancer\s+\S+\s+192\.0\.2\.1\s+80:3\d{4}\/TCP/);
      // Deleting frees the port for the next Service.
      await ok(['delete', 'svc', 'np']);
      assert.equal((await ok(['create', 'service', 'nodeport', 'np2', '--tcp=80:8080', '--node-port=30080'])).trim(), 'service/np2 created');
    });
  });
}
