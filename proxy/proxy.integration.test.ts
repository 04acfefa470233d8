/**
 * The service proxy with real nft and real traffic: a "node" network namespace with a bridge and three "pod"
 * namespaces (veths into the bridge) running small HTTP servers that answer "<pod> <client address>", an
 * "outside" namespace linked to the node's eth0, a real API server holding Services and EndpointSlices written
 * directly, and the proxy running in-process with its tools entered into the node namespace.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Service } from '../shared/api/core-v1.ts';
import type { Endpoint, EndpointSlice } from '../shared/api/discovery-v1.ts';
import { Clientset } from '../shared/client/clientset.ts';
import { newClientset } from '../shared/client/clientset.ts';
import { loadKubeconfig } from '../shared/client/kubeconfig.ts';
import { Logger } from '../shared/util/log.ts';
import { pollUntil } from '../shared/util/wait.ts';
import { startTestServer, type TestServer } from '../test/integration/framework/test-server.ts';
import { ExecRunner } from './command-runner.ts';
import { endpointsKey, buildEndpointsMap } from './endpoints-map.ts';
import { buildRuleset } from './nftables/build-ruleset.ts';
import { NftRunner } from './nftables/nft-runner.ts';
import { renderFull } from './nftables/ruleset.ts';
import { runProxy, type RunningProxy } from './proxy-server.ts';
import { servicePortsFor } from './service-port.ts';

const logger = new Logger({ level: (process.env['KUBELAB_TEST_LOG'] as 'debug' | undefined) ?? 'warn' });
const tag = `pxy${process.pid % 100000}`;
const NODE = `${tag}-node`;
const OUT = `${tag}-out`;
const PODS = [1, 2, 3].map((i) => ({ name: `p${i}`, netns: `${tag}-p${i}`, ip: `10.244.77.1${i}` }));
const NODE_IP = '10.213.77.11';
const OUT_IP = '10.213.77.1';
const BRIDGE_IP = '10.244.77.1';
const HOST = 'node-a';

let server: TestServer;
let cs: Clientset;
let proxy: RunningProxy | undefined;
const servers: ChildProcess[] = [];
const namespaces = [NODE, OUT, ...PODS.map((p) => p.netns)];

function sh(cmd: string, args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new ExecRunner().run(cmd, args, { timeoutMs: 20_000, ...(input !== undefined ? { input } : {}) });
}

async function must(cmd: string, ...args: string[]): Promise<string> {
  const r = await sh(cmd, args);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** One HTTP GET from a namespace with curl: the body, or the error text. */
async function get(netns: string, url: string, timeoutSec = 3): Promise<{ ok: boolean; body: string; ms: number }> {
  const t0 = Date.now();
  const r = await sh('nsenter', [`--net=/var/run/netns/${netns}`, '--', 'curl', '-sS', '--max-time', String(timeoutSec), url]);
  return { ok: r.code === 0, body: r.code === 0 ? r.stdout.trim() : r.stderr.trim(), ms: Date.now() - t0 };
}

async function backends(netns: string, url: string, n: number): Promise<Map<string, string>> {
  const seen = new Map<string, string>();
  for (let i = 0; i < n; i++) {
    const r = await get(netns, url);
    assert.ok(r.ok, `GET ${url} from ${netns}: ${r.body}`);
    const [pod, source] = r.body.split(' ');
    seen.set(pod ?? '', source ?? '');
  }
  return seen;
}

function service(name: string, spec: Partial<NonNullable<Service['spec']>>): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'default', name }, spec: { type: 'ClusterIP', ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 }], ...spec } };
}

function ep(pod: (typeof PODS)[number], nodeName = HOST): Endpoint {
  return { addresses: [pod.ip], nodeName, conditions: { ready: true, serving: true, terminating: false } };
}

function slice(svc: string, endpoints: Endpoint[]): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { namespace: 'default', name: `${svc}-x`, labels: { 'kubernetes.io/service-name': svc }, annotations: { 'endpoints.kubernetes.io/last-change-trigger-time': new Date().toISOString() } },
    addressType: 'IPv4',
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    endpoints,
  };
}

async function setEndpoints(svc: string, endpoints: Endpoint[]): Promise<void> {
  const current = await cs.endpointSlices.get('default', `${svc}-x`);
  await cs.endpointSlices.update({ ...slice(svc, endpoints), metadata: { ...slice(svc, endpoints).metadata, resourceVersion: current.metadata.resourceVersion ?? '' } });
}

before(async () => {
  for (const ns of namespaces) await must('ip', 'netns', 'add', ns);
  const inNode = (...a: string[]) => must('ip', '-n', NODE, ...a);
  await inNode('link', 'set', 'lo', 'up');
  await inNode('link', 'add', 'br0', 'type', 'bridge');
  await inNode('addr', 'add', `${BRIDGE_IP}/24`, 'dev', 'br0');
  await inNode('link', 'set', 'br0', 'up');
  for (const [i, p] of PODS.entries()) {
    await inNode('link', 'add', `veth${i}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', p.netns);
    await inNode('link', 'set', `veth${i}`, 'master', 'br0', 'up');
    // As the CNI bridge plugin with hairpinMode (node-agent/network/cni-conflist.ts): with bridge netfilter on,
    // a pod DNATed to itself is sent back out of the port it came in by.
    await inNode('link', 'set', `veth${i}`, 'type', 'bridge_slave', 'hairpin', 'on');
    await must('ip', '-n', p.netns, 'link', 'set', 'lo', 'up');
    await must('ip', '-n', p.netns, 'addr', 'add', `${p.ip}/24`, 'dev', 'eth0');
    await must('ip', '-n', p.netns, 'link', 'set', 'eth0', 'up');
    await must('ip', '-n', p.netns, 'route', 'add', 'default', 'via', BRIDGE_IP);
    const child = spawn('nsenter', [`--net=/var/run/netns/${p.netns}`, '--', process.execPath, '-e',
      `require('http').createServer((q, r) => r.end(process.env.POD + ' ' + q.socket.remoteAddress.replace('::ffff:', ''))).listen(8080, '0.0.0.0')`], { env: { ...process.env, POD: p.name }, stdio: 'ignore' });
    servers.push(child);
  }
  await inNode('link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', OUT);
  await inNode('addr', 'add', `${NODE_IP}/24`, 'dev', 'eth0');
  await inNode('link', 'set', 'eth0', 'up');
  // As under `kubelab up`: the node's default route goes to the host (a ClusterIP needs some route to leave by).
  await inNode('route', 'add', 'default', 'via', OUT_IP);
  await must('ip', '-n', OUT, 'link', 'set', 'lo', 'up');
  await must('ip', '-n', OUT, 'addr', 'add', `${OUT_IP}/24`, 'dev', 'eth0');
  await must('ip', '-n', OUT, 'link', 'set', 'eth0', 'up');

  server = await startTestServer();
  cs = newClientset(loadKubeconfig({ path: server.kubeconfig }).options);
  const create = async (svc: Service, eps?: Endpoint[]) => {
    await cs.services.create(svc);
    if (eps) await cs.endpointSlices.create(slice(svc.metadata.name ?? '', eps));
  };
  const [p1, p2, p3] = PODS as [(typeof PODS)[number], (typeof PODS)[number], (typeof PODS)[number]];
  await create(service('web', { clusterIP: '10.96.77.10', type: 'NodePort', ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080, nodePort: 30077 }] }), [ep(p1), ep(p2)]);
  await create(service('solo', { clusterIP: '10.96.77.11' }), [ep(p1)]);
  await create(service('loc', { clusterIP: '10.96.77.12', type: 'NodePort', externalTrafficPolicy: 'Local', ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080, nodePort: 30078 }] }), [ep(p1), ep(p3, 'node-b')]);
  await create(service('sticky', { clusterIP: '10.96.77.13', sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 300 } } }), [ep(p1), ep(p2)]);
  await create(service('empty', { clusterIP: '10.96.77.14' }));
  await create(service('ext', { type: 'ExternalName', externalName: 'example.com', ports: undefined }));

  proxy = await runProxy({
    clientset: cs,
    hostname: HOST,
    netns: NODE,
    clusterCIDRs: ['10.244.0.0/16'],
    nodePortAddresses: [],
    masqueradeAll: false,
    syncPeriodMs: 3000,
    minSyncPeriodMs: 0,
    healthzBindAddress: '127.0.0.1:0',
    log: logger,
  });
  await pollUntil(() => (proxy?.proxier.syncCount ?? 0) > 0, { intervalMs: 50, timeoutMs: 20_000 });
  // The pod servers listen by now (or soon): wait for one direct request per pod.
  for (const p of PODS) await pollUntil(async () => (await get(NODE, `http://${p.ip}:8080/`, 1)).ok, { intervalMs: 100, timeoutMs: 15_000 });
});

after(async () => {
  await proxy?.close();
  for (const c of servers) c.kill('SIGKILL');
  await server?.close();
  for (const ns of namespaces) await sh('ip', ['netns', 'delete', ns]);
});

test('the proxy sets the sysctls it needs in its namespace', async () => {
  const r = await must('nsenter', `--net=/var/run/netns/${NODE}`, '--', 'sysctl', '-n', 'net.ipv4.ip_forward', 'net.bridge.bridge-nf-call-iptables');
  assert.deepEqual(r.trim().split('\n'), ['1', '1']);
});

test('ClusterIP reaches every ready backend from a pod on the same bridge and from the node itself', async () => {
  const fromPod = await backends(PODS[2]?.netns ?? '', 'http://10.96.77.10/', 24);
  assert.deepEqual([...fromPod.keys()].sort(), ['p1', 'p2']);
  // Pod traffic inside the cluster CIDR keeps its source address.
  assert.deepEqual([...new Set(fromPod.values())], [PODS[2]?.ip]);
  const fromNode = await backends(NODE, 'http://10.96.77.10/', 24);
  assert.deepEqual([...fromNode.keys()].sort(), ['p1', 'p2']);
});

test('hairpin: a pod reaching itself through its Service is answered (masqueraded)', async () => {
  const r = await get(PODS[0]?.netns ?? '', 'http://10.96.77.11/');
  assert.ok(r.ok, r.body);
  assert.equal(r.body, `p1 ${BRIDGE_IP}`);
});

test('NodePort answers on the node address from outside, masqueraded (policy Cluster)', async () => {
  const seen = await backends(OUT, `http://${NODE_IP}:30077/`, 24);
  assert.deepEqual([...seen.keys()].sort(), ['p1', 'p2']);
  assert.ok(![...seen.values()].includes(OUT_IP), 'the client address is masqueraded');
});

test('externalTrafficPolicy Local: NodePort reaches only local endpoints and keeps the client address', async () => {
  const seen = await backends(OUT, `http://${NODE_IP}:30078/`, 16);
  assert.deepEqual([...seen.keys()], ['p1']);
  assert.equal(seen.get('p1'), OUT_IP);
  // The ClusterIP still uses the remote endpoint too.
  const internal = await backends(PODS[1]?.netns ?? '', 'http://10.96.77.12/', 24);
  assert.deepEqual([...internal.keys()].sort(), ['p1', 'p3']);
});

test('sessionAffinity ClientIP: one client sticks to one backend', async () => {
  const seen = await backends(PODS[2]?.netns ?? '', 'http://10.96.77.13/', 16);
  assert.equal(seen.size, 1, `one backend, saw ${[...seen.keys()].join(',')}`);
  const ruleset = await proxy?.proxier.nft.listRuleset();
  assert.match(ruleset ?? '', /set affinity-\S+__10\.244\.77\.1[12]\/8080 \{[^}]*timeout 5m[^}]*elements = \{ 10\.244\.77\.13/s);
});

test('a Service without endpoints is rejected at once (no timeout)', async () => {
  const r = await get(PODS[2]?.netns ?? '', 'http://10.96.77.14/', 5);
  assert.equal(r.ok, false);
  assert.match(r.body, /refused|unreachable|Couldn't connect/i);
  assert.ok(r.ms < 2000, `failed after ${r.ms} ms`);
});

test('removing an endpoint takes it out of the rules; the change is measured as network programming latency', async () => {
  const before = proxy?.proxier.latency.summary().count ?? 0;
  await setEndpoints('web', [ep(PODS[1] as (typeof PODS)[number])]);
  await pollUntil(async () => {
    const seen = await backends(PODS[2]?.netns ?? '', 'http://10.96.77.10/', 8);
    return seen.size === 1 && seen.has('p2');
  }, { intervalMs: 100, timeoutMs: 10_000 });
  assert.ok((proxy?.proxier.latency.summary().count ?? 0) > before);
  const res = await fetch(`http://${proxy?.healthzAddress}/latency`);
  const body = (await res.json()) as { networkProgrammingLatencySeconds: { count: number; p99: number } };
  assert.ok(body.networkProgrammingLatencySeconds.count > 0);
  assert.ok(body.networkProgrammingLatencySeconds.p99 < 10);
  const health = await fetch(`http://${proxy?.healthzAddress}/healthz`);
  assert.equal(health.status, 200);
  // Back to both (other tests may run later).
  await setEndpoints('web', [ep(PODS[0] as (typeof PODS)[number]), ep(PODS[1] as (typeof PODS)[number])]);
});

test('`nft flush ruleset` is repaired by the proxy on its own', async () => {
  await must('nsenter', `--net=/var/run/netns/${NODE}`, '--', 'nft', 'flush', 'ruleset');
  const t0 = Date.now();
  await pollUntil(async () => (await get(PODS[2]?.netns ?? '', 'http://10.96.77.11/', 1)).ok, { intervalMs: 100, timeoutMs: 8000 });
  assert.ok(Date.now() - t0 < 8000);
  const nft = new NftRunner(new ExecRunner({ netns: NODE }), { table: 'kube-proxy' });
  assert.equal(await nft.intact(), true);
});

test('`kubelab proxy --cleanup` removes the table and leaves nothing of the proxy in the ruleset', async () => {
  await proxy?.close();
  proxy = undefined;
  const main = fileURLToPath(new URL(`../cli/main${extname(fileURLToPath(import.meta.url))}`, import.meta.url));
  const r = await sh('nsenter', [`--net=/var/run/netns/${NODE}`, '--', process.execPath, main, 'proxy', '--cleanup']);
  assert.equal(r.code, 0, r.stderr);
  const ruleset = await must('nsenter', `--net=/var/run/netns/${NODE}`, '--', 'nft', 'list', 'ruleset');
  assert.doesNotMatch(ruleset, /kube-proxy/);
  // A second cleanup has nothing to do and still succeeds.
  assert.equal((await sh('nsenter', [`--net=/var/run/netns/${NODE}`, '--', process.execPath, main, 'proxy', '--cleanup'])).code, 0);
});

test('`nft -c` accepts a ruleset with every feature (LB IPs with source ranges, UDP, affinity, nodeport-ips)', async () => {
  const svcs: Service[] = [
    service('lb', { clusterIP: '10.96.0.20', type: 'LoadBalancer', externalTrafficPolicy: 'Local', loadBalancerSourceRanges: ['192.0.2.0/24'], ports: [{ name: 'http', port: 80, protocol: 'TCP', nodePort: 30100 }] }),
    service('dns', { clusterIP: '10.96.0.10', internalTrafficPolicy: 'Local', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] }),
    service('sticky', { clusterIP: '10.96.0.21', sessionAffinity: 'ClientIP', externalIPs: ['198.51.100.7'] }),
  ];
  const lb = svcs[0] as Service;
  lb.status = { loadBalancer: { ingress: [{ ip: '203.0.113.5' }] } };
  const slices: EndpointSlice[] = [slice('lb', [ep(PODS[0] as (typeof PODS)[number])]), { ...slice('dns', [ep(PODS[1] as (typeof PODS)[number])]), ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] }, slice('sticky', [ep(PODS[2] as (typeof PODS)[number], 'node-b')])];
  const endpoints = buildEndpointsMap(slices, HOST);
  assert.ok(endpoints.has(endpointsKey('default/dns:dns', 'udp')));
  const rs = buildRuleset(
    { servicePorts: svcs.flatMap(servicePortsFor), endpoints, sourceRanges: new Map([['default/lb', ['192.0.2.0/24']]]) },
    { masqueradeAll: false, clusterCIDRs: ['10.244.0.0/16', '10.245.0.0/16'], nodePortIPs: [NODE_IP], nodeIP: NODE_IP },
  );
  const ns = `${tag}-chk`;
  await must('ip', 'netns', 'add', ns);
  try {
    const nft = new NftRunner(new ExecRunner({ netns: ns }), { table: 'kube-proxy' });
    // Against an empty namespace, then really applied, then the flush-based rewrite checked over it.
    await nft.check(renderFull(rs, { recreate: true }));
    await nft.apply(renderFull(rs, { recreate: true }));
    await nft.check(renderFull(rs, { recreate: false, stale: { chains: [], sets: [] } }));
    assert.match(await nft.listRuleset(), /ip saddr != (\{ )?192\.0\.2\.0\/24( \})? drop/);
  } finally {
    await sh('ip', ['netns', 'delete', ns]);
  }
});
