/**
 * Service networking on a real `kubelab up --nodes 3 --storage etcd --apiservers 2` cluster (issue 13), with the real
 * kubectl (the server's minor through the dispatcher, plus 1.29 and 1.33 where the issue names them):
 *
 * 1. A 3-replica web Deployment (one pod per node, a named container port) behind a ClusterIP Service: a client pod
 *    on every node fetches `http://web.default.svc.cluster.local/` and `http://web/` 30 times each and sees every
 *    backend; the node's own processes reach the ClusterIP; a NodePort Service answers on every node's address
 *    from the host; pods reach the API server through the `kubernetes` Service; sessionAffinity ClientIP sticks;
 *    internalTrafficPolicy and externalTrafficPolicy Local keep traffic on the node; a flushed ruleset comes back.
 * 2. Deleting a backend takes it out of the EndpointSlice and out of every node's rules while it still terminates;
 *    a rolling restart of the backends under a request loop fails no request (counted).
 * 3. A failing readiness probe takes a pod out of rotation and back.
 * 4. Cluster DNS: resolv.conf of a ClusterFirst pod, headless Service records, StatefulSet and hostname/subdomain
 *    names, ExternalName as a CNAME, NXDOMAIN for unknown names, a name outside the cluster forwarded to the
 *    upstream resolver (a fake one this test runs on an address it creates), and pods on other nodes keep
 *    resolving when one node's DNS server dies.
 * 5. Two API servers allocate ClusterIPs and NodePorts for 500 Services created in parallel through both: no value
 *    is handed out twice.
 * 6. `kubectl port-forward` to a pod and to a Service carries an HTTP request and a 50 MB file intact (sha256), with
 *    kubectl 1.29 and 1.33; `kubectl proxy` reaches a Service through services/proxy.
 * 7. `kubelab down` leaves no packet-filter rules (and nothing else) behind.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { join } from 'node:path';
import * as dnsPacket from 'dns-packet';
import { Cluster, exec, inNetns, leftovers, podReady, prerequisites, sleep, waitFor, withDiagnostics, type Footprint } from './_cluster.ts';
import { Kubectl, kubectlBinary } from '../framework/kubectl.ts';
import { RestClient } from '../../../shared/client/rest-client.ts';
import type { Pod, Service } from '../../../shared/api/core-v1.ts';
import type { EndpointSlice } from '../../../shared/api/discovery-v1.ts';
import type { KubeList } from '../../../shared/api/meta.ts';

const IMAGE = 'localhost/busybox:1.35';
/**
 * The backends: busybox httpd serving the pod's name on the named port `http` (8080), ready while /tmp/ready exists,
 * and still serving for 5 s after SIGTERM (a graceful shutdown, as a real server drains).
 */
const WEB_CMD = ['sh', '-c', 'mkdir -p /tmp/www && hostname > /tmp/www/index.html && touch /tmp/ready && httpd -f -p 8080 -h /tmp/www & trap "sleep 5; exit 0" TERM; while true; do sleep 1; done'];
/**
 * The fake upstream resolver's address: one this test adds to the host's loopback device (the kernel has no dummy
 * links) and removes again; nodes reach it through their default route to the host.
 */
const UPSTREAM_IP = `10.253.${(process.pid >> 8) & 255}.${(process.pid & 255) || 1}`;
const EXTERNAL_NAME = 'www.example.test';
const EXTERNAL_ADDR = '192.0.2.80';

function webDeployment(name: string, replicas: number): object {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          terminationGracePeriodSeconds: 15,
          // A preference (the scheduler implements the scoring half of PodTopologySpread only): the Local-policy
          // test below reads where the backends really are.
          topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { app: name } } }],
          containers: [{
            name: 'web',
            image: IMAGE,
            command: WEB_CMD,
            ports: [{ name: 'http', containerPort: 8080 }],
            readinessProbe: { exec: { command: ['test', '-f', '/tmp/ready'] }, periodSeconds: 1, failureThreshold: 1, successThreshold: 1 },
          }],
        },
      },
    },
  };
}

function service(name: string, spec: Record<string, unknown>): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }], ...spec } as Service['spec'] };
}

function clientPod(name: string, nodeName: string): object {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { role: 'client' } },
    spec: { nodeName, terminationGracePeriodSeconds: 0, containers: [{ name: 'c', image: IMAGE, command: ['sleep', '3600'] }] },
  };
}

/** `sh -c` in a pod's container through kubectl exec; returns stdout (asserts success). */
async function sh(k: Kubectl, pod: string, script: string, timeoutMs = 120_000): Promise<string> {
  return k.ok(['exec', pod, '--', 'sh', '-c', script], { timeoutMs });
}

/** The pod names (backends serve their hostname) answered to `n` fetches of `url` from `pod`; "FAIL" per failure. */
async function fetchMany(k: Kubectl, pod: string, url: string, n: number): Promise<string[]> {
  const out = await sh(k, pod, `for i in $(seq ${n}); do timeout 5 wget -qO- ${url} || echo FAIL; done`);
  return out.split('\n').map((l) => l.trim()).filter(Boolean);
}

/** A tiny upstream resolver: A for EXTERNAL_NAME, NXDOMAIN for anything else; remembers what it was asked. */
function startUpstream(address: string): Promise<{ socket: Socket; asked: string[] }> {
  const asked: string[] = [];
  const socket = createSocket('udp4');
  socket.on('message', (msg, rinfo) => {
    let q: dnsPacket.Packet;
    try {
      q = dnsPacket.decode(msg);
    } catch {
      return;
    }
    const question = q.questions?.[0];
    if (!question) return;
    asked.push(`${question.name} ${question.type}`);
    const known = question.name.toLowerCase() === EXTERNAL_NAME;
    const answers = known && question.type === 'A' ? [{ type: 'A' as const, name: question.name, ttl: 30, data: EXTERNAL_ADDR }] : [];
    const reply = dnsPacket.encode({ id: q.id, type: 'response', flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE | (known ? 0 : 3), questions: q.questions, answers });
    socket.send(reply, rinfo.port, rinfo.address);
  });
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(53, address, () => resolve({ socket, asked }));
  });
}

/** The proxy's rules in a node's network namespace (`nft list ruleset`). */
async function rulesOf(netns: string): Promise<string> {
  const r = await inNetns(netns, 'nft', ['list', 'ruleset']);
  assert.equal(r.code, 0, `nft list ruleset in ${netns}: ${r.stderr}`);
  return r.stdout;
}

/** GETs a URL from this (host) process; resolves with the body, or "FAIL: <error>". */
function hostGet(url: string, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve) => {
    const req = httpGet(url, { timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve(body.trim()));
      res.on('error', (e) => resolve(`FAIL: ${e.message}`));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve(`FAIL: ${e.message}`));
  });
}

/** sha256 of a URL's body, streamed. */
function sha256Of(url: string, timeoutMs = 120_000): Promise<{ sha: string; bytes: number }> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    let bytes = 0;
    const req = httpGet(url, { timeout: timeoutMs }, (res) => {
      if (res.statusCode !== 200) reject(new Error(`GET ${url}: ${res.statusCode}`));
      res.on('data', (c: Buffer) => {
        bytes += c.length;
        h.update(c);
      });
      res.on('end', () => resolve({ sha: h.digest('hex'), bytes }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

/** Starts `kubectl port-forward <target> :<port>` and resolves with the local port it prints. */
async function portForward(k: Kubectl, target: string, remotePort: number, procs: ChildProcess[]): Promise<{ port: number; child: ChildProcess; stderr: () => string }> {
  const child = spawn(k.binary, k.argv(['port-forward', target, `:${remotePort}`]), { stdio: ['ignore', 'pipe', 'pipe'] });
  procs.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr?.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const port = await waitFor(`kubectl port-forward ${target} to listen`, async () => {
    if (child.exitCode !== null) throw new Error(`kubectl port-forward ${target} exited ${child.exitCode}: ${stderr}`);
    const m = /Forwarding from 127\.0\.0\.1:(\d+)/.exec(stdout);
    return m ? Number(m[1]) : undefined;
  }, 30_000, 100);
  return { port, child, stderr: () => stderr };
}

describe('service networking on kubelab up --nodes 3 --storage etcd --apiservers 2', { concurrency: 1 }, () => {
  let c: Cluster | undefined;
  const cluster = () => {
    if (!c) throw new Error('the cluster did not come up (see the before hook)');
    return c;
  };
  let k29: Kubectl;
  let k33: Kubectl;
  let upstream: { socket: Socket; asked: string[] } | undefined;
  const procs: ChildProcess[] = [];
  let footprint: Footprint | undefined;
  let nodeIPs: Map<string, string>;
  let downDone = false;

  before(async () => {
    prerequisites();
    for (const tool of ['nft', 'conntrack']) {
      if ((await exec('sh', ['-c', `command -v ${tool}`])).code !== 0) throw new Error(`${tool} is missing: install it with \`bash deploy/install-deps.sh\` (apt-get install -y nftables conntrack)`);
    }
    // The fake upstream resolver on an address this test owns.
    await exec('ip', ['addr', 'del', `${UPSTREAM_IP}/32`, 'dev', 'lo']);
    const added = await exec('ip', ['addr', 'add', `${UPSTREAM_IP}/32`, 'dev', 'lo']);
    assert.equal(added.code, 0, `ip addr add ${UPSTREAM_IP}/32 dev lo: ${added.stderr}`);
    upstream = await startUpstream(UPSTREAM_IP);
    c = await Cluster.up('svcnet', ['--nodes', '3', '--storage', 'etcd', '--apiservers', '2', '--dns-upstream', UPSTREAM_IP]);
    k29 = c.kubectl.withBinary(kubectlBinary(29), join(c.stateDir, '.kube-cache-29'));
    k33 = c.kubectl.withBinary(kubectlBinary(33), join(c.stateDir, '.kube-cache-33'));
    nodeIPs = new Map(c.state.nodes.map((n) => [n.name, n.ip]));
    await c.apply([
      webDeployment('web', 3),
      service('web', {}),
      ...c.state.nodes.map((n, i) => clientPod(`client-${i + 1}`, n.name)),
    ]);
    await c.waitRunning('app=web', 3, 150_000);
    await c.waitRunning('role=client', 3, 150_000);
  });
  after(async () => {
    for (const p of procs) p.kill('SIGKILL');
    upstream?.socket.close();
    await exec('ip', ['addr', 'del', `${UPSTREAM_IP}/32`, 'dev', 'lo']);
    if (!c) return;
    if (!downDone) {
      const r = await c.down();
      if (r.code !== 0) process.stderr.write(`[e2e] kubelab down exited ${r.code}: ${r.stderr}\n`);
    }
    c.cleanup();
  });

  it('a ClusterIP Service reaches every backend from a pod on every node, by DNS name and short name; NodePort on every node from the host', (t) => withDiagnostics(c, async () => {
    const k = cluster();
    const backends = new Set((await k.pods('default', 'app=web')).map((p) => p.metadata.name));
    t.diagnostic(`backends on nodes: ${(await k.pods('default', 'app=web')).map((p) => p.spec.nodeName).join(' ')}`);
    const svc = await k.api.request<Service>({ path: '/api/v1/namespaces/default/services/web' });
    const clusterIP = svc.spec?.clusterIP ?? '';
    assert.match(clusterIP, /^10\.(9[6-9]|10[0-9]|11[01])\.\d+\.\d+$/, `a ClusterIP from 10.96.0.0/12, got ${clusterIP}`);
    await waitFor('the EndpointSlice of web to list 3 ready endpoints', async () => {
      const slices = (await k.api.request<KubeList<EndpointSlice>>({ path: '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices', query: { labelSelector: 'kubernetes.io/service-name=web' } })).items;
      return slices.flatMap((s) => s.endpoints ?? []).filter((e) => e.conditions?.ready).length === 3 ? true : undefined;
    }, 30_000);
    // A ready slice is not yet a programmed node: every node's proxy and DNS server learn of it from their own
    // watches, as kube-proxy and CoreDNS do. Wait (bounded) for one answer per client and name, then count.
    for (let i = 1; i <= 3; i++) {
      for (const url of ['http://web.default.svc.cluster.local/', 'http://web/']) {
        await waitFor(`client-${i} to reach ${url}`, async () => ((await fetchMany(k.kubectl, `client-${i}`, url, 1))[0] !== 'FAIL' ? true : undefined), 30_000, 500);
      }
    }
    for (let i = 1; i <= 3; i++) {
      for (const url of ['http://web.default.svc.cluster.local/', 'http://web/']) {
        const got = await fetchMany(k.kubectl, `client-${i}`, url, 30);
        const tally = JSON.stringify(got.reduce<Record<string, number>>((m, x) => ({ ...m, [x]: (m[x] ?? 0) + 1 }), {}));
        t.diagnostic(`client-${i} ${url}: ${tally}`);
        assert.equal(got.length, 30);
        assert.ok(!got.includes('FAIL'), `no request fails (client-${i}, ${url}): ${tally}`);
        assert.deepEqual(new Set(got), backends, `client-${i} sees every backend through ${url}`);
      }
    }
    // The node's own processes (the host side of a node) reach the ClusterIP too.
    for (const n of k.state.nodes) {
      const r = await inNetns(n.netns, 'timeout', ['5', '/usr/bin/busybox', 'wget', '-qO-', `http://${clusterIP}/`]);
      assert.equal(r.code, 0, `ClusterIP from ${n.name}'s namespace: ${r.stderr}`);
      assert.ok(backends.has(r.stdout.trim()));
    }

    // NodePort: every node's address answers from the host, with every backend behind it.
    await k.apply([service('web-np', { type: 'NodePort' })]);
    const np = await k.api.request<Service>({ path: '/api/v1/namespaces/default/services/web-np' });
    const nodePort = np.spec?.ports?.[0]?.nodePort ?? 0;
    assert.ok(nodePort >= 30000 && nodePort <= 32767, `a node port from 30000-32767, got ${nodePort}`);
    const seen = new Set<string>();
    for (const ip of nodeIPs.values()) {
      await waitFor(`NodePort ${ip}:${nodePort} to answer`, async () => (backends.has(await hostGet(`http://${ip}:${nodePort}/`)) ? true : undefined), 20_000);
      for (let i = 0; i < 30; i++) {
        const body = await hostGet(`http://${ip}:${nodePort}/`);
        assert.ok(backends.has(body), `NodePort ${ip}:${nodePort} answers a backend, got ${body}`);
        seen.add(body);
      }
    }
    assert.deepEqual(seen, backends, 'the NodePort reaches every backend');

    // The API server through the `kubernetes` Service (10.96.0.1:443 -> the load balancer in front of both API servers).
    const ep = await k.api.request<KubeList<EndpointSlice>>({ path: '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices', query: { labelSelector: 'kubernetes.io/service-name=kubernetes' } });
    assert.deepEqual(ep.items.flatMap((s) => (s.endpoints ?? []).flatMap((e) => e.addresses)), [k.state.network?.hostIP], 'the kubernetes Service points at the API address');
    // busybox nc has no -z: plain text to the TLS port connects, and the server closes on it (exit 0); a refused
    // or unroutable connection exits 1, a hang 143.
    for (const target of ['10.96.0.1', 'kubernetes.default']) {
      await sh(k.kubectl, 'client-1', `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | timeout 5 nc ${target} 443 >/dev/null`);
    }
  }));

  it('sessionAffinity ClientIP sticks; internal and external traffic policy Local stay on the node; a flushed ruleset comes back', (t) => withDiagnostics(c, async () => {
    const k = cluster();
    const backendsOn = (node: string, pods: Pod[]) => new Set(pods.filter((p) => p.spec.nodeName === node).map((p) => p.metadata.name ?? ''));
    const web = (await k.pods('default', 'app=web')).filter((p) => podReady(p) && !p.metadata.deletionTimestamp);
    await k.apply([
      service('web-sticky', { sessionAffinity: 'ClientIP' }),
      service('web-local', { internalTrafficPolicy: 'Local' }),
      service('web-elocal', { type: 'NodePort', externalTrafficPolicy: 'Local' }),
    ]);
    const sticky = await fetchMany(k.kubectl, 'client-1', 'http://web-sticky/', 20);
    assert.equal(new Set(sticky).size, 1, `one backend for one client with ClientIP affinity, got ${JSON.stringify(sticky)}`);
    assert.ok(!sticky.includes('FAIL'));
    // Local policies: a node with backends reaches only its own; a node without any drops the traffic (upstream).
    for (let i = 1; i <= 3; i++) {
      const node = k.state.nodes[i - 1]?.name ?? '';
      const mine = backendsOn(node, web);
      const local = await fetchMany(k.kubectl, `client-${i}`, 'http://web-local/', mine.size ? 10 : 2);
      if (mine.size) assert.deepEqual(new Set(local), mine, `internalTrafficPolicy Local from ${node} reaches only its own backends`);
      else assert.deepEqual(new Set(local), new Set(['FAIL']), `internalTrafficPolicy Local from ${node} (no local backend) is dropped`);
    }
    const elocal = await k.api.request<Service>({ path: '/api/v1/namespaces/default/services/web-elocal' });
    const port = elocal.spec?.ports?.[0]?.nodePort ?? 0;
    for (const [node, ip] of nodeIPs) {
      const mine = backendsOn(node, web);
      const bodies = new Set<string>();
      for (let i = 0; i < (mine.size ? 10 : 2); i++) {
        const body = await hostGet(`http://${ip}:${port}/`, 2000);
        bodies.add(body.startsWith('FAIL') ? 'FAIL' : body);
      }
      if (mine.size) assert.deepEqual(bodies, mine, `externalTrafficPolicy Local on ${node} reaches only its own backends`);
      else assert.deepEqual(bodies, new Set(['FAIL']), `externalTrafficPolicy Local on ${node} (no local backend) is dropped`);
    }
    t.diagnostic(`Local policies checked with backends on ${web.map((p) => p.spec.nodeName).join(' ')}`);

    // Someone flushes node-2's ruleset: the proxy notices (it watches with `nft monitor`, so it may already be
    // rewriting by the time this test looks) and writes it again, web's ClusterIP included.
    const n2 = k.node('node-2');
    const webIP = (await k.api.request<Service>({ path: '/api/v1/namespaces/default/services/web' })).spec?.clusterIP ?? '';
    assert.ok((await rulesOf(n2.netns)).includes(`${webIP} . tcp . 80 `), 'node-2 routes web before the flush');
    const t0 = Date.now();
    assert.equal((await inNetns(n2.netns, 'nft', ['flush', 'ruleset'])).code, 0);
    await waitFor('the proxy on node-2 to restore its rules', async () => ((await rulesOf(n2.netns)).includes(`${webIP} . tcp . 80 `) ? true : undefined), 60_000, 100);
    t.diagnostic(`rules restored after ${Date.now() - t0} ms`);
    const after = await fetchMany(k.kubectl, 'client-2', 'http://web/', 10);
    assert.ok(!after.includes('FAIL'), 'the Service works again from node-2');
  }));

  it('a deleted backend leaves the EndpointSlice and every node\'s rules while it terminates; a rolling restart fails no request', (t) => withDiagnostics(c, async () => {
    const k = cluster();
    const victim = (await k.pods('default', 'app=web'))[0] as Pod;
    const victimIP = victim.status?.podIP ?? '';
    assert.ok(victimIP);
    assert.ok((await Promise.all(k.state.nodes.map((n) => rulesOf(n.netns)))).every((r) => r.includes(victimIP)), 'every node routes to the backend before');
    const gone = k.kubectl.run(['delete', 'pod', victim.metadata.name ?? '', '--wait=false']);
    assert.equal((await gone).code, 0);
    const t0 = Date.now();
    await waitFor('the deleted backend to be terminating, not ready, in the EndpointSlice', async () => {
      const slices = (await k.api.request<KubeList<EndpointSlice>>({ path: '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices', query: { labelSelector: 'kubernetes.io/service-name=web' } })).items;
      const e = slices.flatMap((s) => s.endpoints ?? []).find((x) => x.addresses.includes(victimIP));
      return e === undefined || (e.conditions?.ready === false && e.conditions.terminating === true) ? true : undefined;
    }, 5000, 50);
    await waitFor('every node to stop routing to the deleted backend', async () => {
      const rules = await Promise.all(k.state.nodes.map((n) => rulesOf(n.netns)));
      return rules.every((r) => !r.includes(victimIP)) ? true : undefined;
    }, 5000, 100);
    const elapsed = Date.now() - t0;
    const still = await k.pods('default', 'app=web');
    assert.ok(still.some((p) => p.metadata.name === victim.metadata.name), `the pod still terminates (its grace is 5 s) when the rules no longer have it (${elapsed} ms)`);
    t.diagnostic(`out of the slice and the rules of 3 nodes in ${elapsed} ms`);
    await k.waitRunning('app=web', 3, 120_000);

    // A rolling restart under a request loop in a client pod: every request is counted.
    const loop = sh(k.kubectl, 'client-1', 'rm -f /tmp/stop; ok=0; fail=0; n=0; while [ ! -f /tmp/stop ] && [ $n -lt 100000 ]; do n=$((n+1)); if timeout 5 wget -qO- http://web/ >/dev/null 2>&1; then ok=$((ok+1)); else fail=$((fail+1)); fi; done; echo "ok=$ok fail=$fail"', 400_000);
    await sleep(2000);
    await k33.ok(['rollout', 'restart', 'deployment/web']);
    assert.match(await k33.ok(['rollout', 'status', 'deployment/web', '--timeout=240s'], { timeoutMs: 250_000 }), /successfully rolled out/);
    await sleep(7000); // past the last old pod's graceful shutdown
    await sh(k.kubectl, 'client-1', 'touch /tmp/stop');
    const result = await loop;
    const m = /ok=(\d+) fail=(\d+)/.exec(result);
    assert.ok(m, result);
    t.diagnostic(`requests during the rolling restart: ${result.trim()}`);
    assert.ok(Number(m[1]) >= 20, `enough requests were made: ${result}`);
    assert.equal(Number(m[2]), 0, `no request failed during the rolling restart: ${result}`);
  }));

  it('a failing readiness probe takes a pod out of rotation and back', () => withDiagnostics(c, async () => {
    const k = cluster();
    const pods = (await k.pods('default', 'app=web')).filter((p) => podReady(p) && !p.metadata.deletionTimestamp);
    assert.equal(pods.length, 3);
    const sick = pods[0]?.metadata.name ?? '';
    await k.kubectl.ok(['exec', sick, '--', 'rm', '/tmp/ready']);
    await waitFor(`${sick} to be not ready in the EndpointSlice`, async () => {
      const slices = (await k.api.request<KubeList<EndpointSlice>>({ path: '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices', query: { labelSelector: 'kubernetes.io/service-name=web' } })).items;
      const e = slices.flatMap((s) => s.endpoints ?? []).find((x) => x.targetRef?.name === sick);
      return e?.conditions?.ready === false ? true : undefined;
    }, 20_000, 200);
    await sleep(1000);
    const out = await fetchMany(k.kubectl, 'client-2', 'http://web/', 30);
    assert.ok(!out.includes(sick), `${sick} gets no traffic while not ready`);
    assert.ok(!out.includes('FAIL'));
    await k.kubectl.ok(['exec', sick, '--', 'touch', '/tmp/ready']);
    await waitFor(`${sick} back in rotation`, async () => ((await fetchMany(k.kubectl, 'client-2', 'http://web/', 30)).includes(sick) ? true : undefined), 30_000, 500);
  }));

  it('cluster DNS: resolv.conf, headless and StatefulSet names, ExternalName, NXDOMAIN, forwarding, one node\'s DNS lost', (t) => withDiagnostics(c, async () => {
    const k = cluster();
    const resolv = await sh(k.kubectl, 'client-1', 'cat /etc/resolv.conf');
    assert.match(resolv, /^search default\.svc\.cluster\.local svc\.cluster\.local cluster\.local\b/m);
    assert.match(resolv, new RegExp(`^nameserver ${nodeIPs.get('node-1')?.replace(/\./g, '\\.')}$`, 'm'));
    assert.match(resolv, /^options ndots:5$/m);

    await k.apply([
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'db' }, spec: { clusterIP: 'None', selector: { app: 'db' }, ports: [{ name: 'tcp', port: 80, targetPort: 8080 }] } },
      {
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        metadata: { name: 'db' },
        spec: {
          serviceName: 'db',
          replicas: 2,
          podManagementPolicy: 'Parallel',
          selector: { matchLabels: { app: 'db' } },
          template: { metadata: { labels: { app: 'db' } }, spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'db', image: IMAGE, command: ['sleep', '3600'] }] } },
        },
      },
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'alpha-pod', labels: { app: 'db' } }, spec: { hostname: 'alpha', subdomain: 'db', terminationGracePeriodSeconds: 0, containers: [{ name: 'c', image: IMAGE, command: ['sleep', '3600'] }] } },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'ext' }, spec: { type: 'ExternalName', externalName: 'web.default.svc.cluster.local' } },
    ]);
    const dbPods = await k.waitRunning('app=db', 3, 120_000);
    const ipOf = (name: string) => dbPods.find((p) => p.metadata.name === name)?.status?.podIP ?? '';
    const lookup = async (name: string) => (await k.kubectl.run(['exec', 'client-2', '--', 'nslookup', name], { timeoutMs: 30_000 }));
    await waitFor('db-0.db to resolve', async () => ((await lookup('db-0.db.default.svc.cluster.local')).stdout.includes(ipOf('db-0')) ? true : undefined), 20_000, 500);
    assert.match((await lookup('db-1.db.default.svc.cluster.local')).stdout, new RegExp(`Address:? ${ipOf('db-1').replace(/\./g, '\\.')}`));
    assert.match((await lookup('alpha.db.default.svc.cluster.local')).stdout, new RegExp(`Address:? ${ipOf('alpha-pod').replace(/\./g, '\\.')}`));
    const headless = (await lookup('db.default.svc.cluster.local')).stdout;
    for (const p of ['db-0', 'db-1', 'alpha-pod']) assert.ok(headless.includes(ipOf(p)), `the headless name lists ${p}: ${headless}`);
    const srv = await k.kubectl.run(['exec', 'client-2', '--', 'nslookup', '-type=SRV', '_tcp._tcp.db.default.svc.cluster.local'], { timeoutMs: 30_000 });
    assert.match(srv.stdout, /db-0\.db\.default\.svc\.cluster\.local/, `SRV for the named port: ${srv.stdout}${srv.stderr}`);
    const webIP = (await k.api.request<Service>({ path: '/api/v1/namespaces/default/services/web' })).spec?.clusterIP ?? '';
    const ext = await lookup('ext.default.svc.cluster.local');
    assert.match(ext.stdout, /canonical name = web\.default\.svc\.cluster\.local/, `ExternalName is a CNAME: ${ext.stdout}`);
    assert.ok(ext.stdout.includes(webIP));
    const ptr = await lookup(webIP);
    assert.match(ptr.stdout, /web\.default\.svc\.cluster\.local/, `PTR of the ClusterIP: ${ptr.stdout}`);
    const missing = await lookup('nosuch.default.svc.cluster.local');
    assert.notEqual(missing.code, 0);
    assert.match(missing.stdout + missing.stderr, /NXDOMAIN/);
    const external = await lookup(EXTERNAL_NAME);
    assert.ok(external.stdout.includes(EXTERNAL_ADDR), `a name outside the cluster is forwarded: ${external.stdout}${external.stderr}`);
    assert.ok(upstream?.asked.some((q) => q.startsWith(`${EXTERNAL_NAME} `)), `the upstream resolver was asked: ${JSON.stringify(upstream?.asked)}`);

    // node-3's DNS server dies: pods on node-1 and node-2 keep resolving (each node's pods use their own node's server).
    const dns3 = k.daemon('dns-node-3');
    process.kill(dns3.pid, 'SIGKILL');
    for (const client of ['client-1', 'client-2']) {
      const r = await k.kubectl.run(['exec', client, '--', 'nslookup', 'web.default.svc.cluster.local'], { timeoutMs: 30_000 });
      assert.ok(r.stdout.includes(webIP), `${client} still resolves with node-3's DNS gone: ${r.stdout}${r.stderr}`);
    }
    t.diagnostic('pods on node-1 and node-2 resolve with node-3\'s DNS server killed');
  }));

  it('two API servers allocate 500 Services in parallel without handing out a value twice', (t) => withDiagnostics(c, async () => {
    const k = cluster();
    const hostIP = k.state.network?.hostIP ?? '';
    const base = Number(new URL(k.state.apiserverURL ?? '').port);
    const pki = join(k.stateDir, 'pki');
    const direct = [base + 1, base + 2].map((port) => new RestClient({ server: `https://${hostIP}:${port}`, ca: readFileSync(join(pki, 'ca.crt')), clientCert: readFileSync(join(pki, 'admin.crt')), clientKey: readFileSync(join(pki, 'admin.key')), timeoutMs: 60_000 }));
    try {
      await k.kubectl.ok(['create', 'namespace', 'alloc']);
      const t0 = Date.now();
      const created: Service[] = [];
      let next = 0;
      const worker = async (w: number) => {
        for (let i = next++; i < 500; i = next++) {
          const svc: Service = { apiVersion: 'v1', kind: 'Service', metadata: { name: `s-${i}`, labels: { alloc: 'yes' } }, spec: { type: i % 2 ? 'NodePort' : 'ClusterIP', selector: { app: `none-${i}` }, ports: [{ port: 80 }] } };
          created.push(await (direct[w % 2] as RestClient).request<Service>({ method: 'POST', path: '/api/v1/namespaces/alloc/services', body: svc }));
        }
      };
      await Promise.all(Array.from({ length: 32 }, (_, w) => worker(w)));
      t.diagnostic(`500 Services through two API servers in ${Date.now() - t0} ms`);
      assert.equal(created.length, 500);
      const ips = created.map((s) => s.spec?.clusterIP ?? '');
      assert.equal(new Set(ips).size, 500, 'every ClusterIP is distinct');
      const ports = created.flatMap((s) => (s.spec?.ports ?? []).map((p) => p.nodePort)).filter((p): p is number => p !== undefined);
      assert.equal(ports.length, 250);
      assert.equal(new Set(ports).size, 250, 'every NodePort is distinct');
      // What the store holds agrees with what the creates answered.
      const listed = (await k.api.request<KubeList<Service>>({ path: '/api/v1/namespaces/alloc/services' })).items;
      assert.equal(new Set(listed.map((s) => s.spec?.clusterIP)).size, 500);
      // Values are freed on delete: a requested ClusterIP of a deleted Service can be taken again.
      const reuse = created[0]?.spec?.clusterIP ?? '';
      await k.kubectl.ok(['delete', 'namespace', 'alloc', '--timeout=120s'], { timeoutMs: 130_000 });
      await waitFor(`${reuse} to be allocatable again`, async () => {
        try {
          await k.api.request({ method: 'POST', path: '/api/v1/namespaces/default/services', body: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'reuse' }, spec: { clusterIP: reuse, ports: [{ port: 80 }] } } });
          return true;
        } catch {
          return undefined;
        }
      }, 30_000, 500);
    } finally {
      for (const d of direct) d.close();
    }
  }));

  it('kubectl port-forward to a pod and to a Service carries HTTP and 50 MB intact with kubectl 1.29 and 1.33; kubectl proxy reaches a Service', (t) => withDiagnostics(c, async () => {
    const k = cluster();
    await k.apply([
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'big', labels: { app: 'big' } },
        spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'big', image: IMAGE, command: ['sh', '-c', 'mkdir -p /tmp/www && dd if=/dev/urandom of=/tmp/www/big bs=1048576 count=50 2>/dev/null && echo hello > /tmp/www/index.html && exec httpd -f -p 8080 -h /tmp/www'], readinessProbe: { exec: { command: ['test', '-f', '/tmp/www/index.html'] }, periodSeconds: 1 } }] },
      },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'big' }, spec: { selector: { app: 'big' }, ports: [{ port: 80, targetPort: 8080 }] } },
    ]);
    await k.waitRunning('app=big', 1, 120_000);
    const want = (await sh(k.kubectl, 'big', 'sha256sum /tmp/www/big')).split(/\s+/)[0];
    for (const [label, kc] of [['1.29', k29], ['1.33', k33]] as const) {
      for (const [target, remote] of [['pod/big', 8080], ['svc/big', 80]] as const) {
        const pf = await portForward(kc, target, remote, procs);
        try {
          assert.equal(await hostGet(`http://127.0.0.1:${pf.port}/`), 'hello', `kubectl ${label} port-forward ${target}: HTTP`);
          const got = await sha256Of(`http://127.0.0.1:${pf.port}/big`);
          assert.equal(got.bytes, 50 * 1048576);
          assert.equal(got.sha, want, `kubectl ${label} port-forward ${target}: the 50 MB arrive intact`);
          t.diagnostic(`kubectl ${label} port-forward ${target}: HTTP and 50 MB ok`);
        } finally {
          pf.child.kill('SIGTERM');
        }
      }
    }
    // kubectl proxy -> services/proxy -> a backend of web.
    const proxy = spawn(k.kubectl.binary, k.kubectl.argv(['proxy', '--port=0']), { stdio: ['ignore', 'pipe', 'pipe'] });
    procs.push(proxy);
    let out = '';
    proxy.stdout?.setEncoding('utf8').on('data', (s: string) => (out += s));
    const port = await waitFor('kubectl proxy to listen', async () => {
      const m = /Starting to serve on 127\.0\.0\.1:(\d+)/.exec(out);
      return m ? Number(m[1]) : undefined;
    }, 20_000, 100);
    const backends = new Set((await k.pods('default', 'app=web')).map((p) => p.metadata.name));
    const body = await hostGet(`http://127.0.0.1:${port}/api/v1/namespaces/default/services/web:http/proxy/`);
    assert.ok(backends.has(body), `services/proxy through kubectl proxy answers a backend, got ${body}`);
    proxy.kill('SIGTERM');
  }));

  it('kubelab down leaves no packet-filter rules behind', () => withDiagnostics(c, async () => {
    const k = cluster();
    for (const n of k.state.nodes) assert.match(await rulesOf(n.netns), /table ip kube-proxy/, `${n.name} has the proxy's table before down`);
    footprint = k.footprint();
    const r = await k.down();
    downDone = true;
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await leftovers(footprint), []);
    const host = await exec('nft', ['list', 'ruleset']);
    assert.doesNotMatch(host.stdout, /kube-proxy|kubelab/, 'no proxy table on the host');
    const ns = (await exec('ip', ['netns', 'list'])).stdout;
    for (const n of k.state.nodes) assert.ok(!ns.includes(n.netns), `${n.netns} is gone (and its rules with it)`);
  }));
});
