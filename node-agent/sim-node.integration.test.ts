/**
 * The node agent on the simulated runtime against a real (in-process) API server: registration, lease
 * heartbeats, pods bound to the node going Running with IPs from its pod CIDR, graceful deletion, the
 * `kubelab node --runtime sim` command, and a SimNodeHost with many nodes sharing one informer.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestServer, type TestServer } from '../test/integration/framework/test-server.ts';
import { newClientset, type Clientset } from '../shared/client/clientset.ts';
import { loadKubeconfig } from '../shared/client/kubeconfig.ts';
import type { Lease } from '../shared/api/coordination-v1.ts';
import type { Node, Pod } from '../shared/api/core-v1.ts';
import { silentLogger } from '../shared/util/log.ts';
import { runNodeAgent, type RunningNodeAgent } from './main.ts';
import { SimNodeHost } from './sim-nodes.ts';
import { untilWith } from '../test/integration/framework/until.ts';

const here = path.dirname(fileURLToPath(import.meta.url));

const until = untilWith({ timeoutMs: 15_000, everyMs: 20 });

function ipInCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split('/');
  const n = (s: string) => s.split('.').reduce((a, b) => a * 256 + Number(b), 0);
  const size = 2 ** (32 - Number(bits));
  return Math.floor(n(ip) / size) === Math.floor(n(base ?? '') / size);
}

function pod(name: string, node: string, extra: Partial<Pod['spec']> = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels: { app: 'sim' } },
    spec: { nodeName: node, terminationGracePeriodSeconds: 30, containers: [{ name: 'app', image: 'localhost/busybox:1.35', command: ['sleep', '3600'] }], ...extra },
  };
}

describe('node agent on the simulated runtime', () => {
  let srv: TestServer;
  let cs: Clientset;
  let running: RunningNodeAgent;
  const cidr = '10.201.7.0/24';

  before(async () => {
    srv = await startTestServer();
    cs = newClientset(loadKubeconfig({ path: srv.kubeconfig }).options);
    running = await runNodeAgent({
      server: srv.url,
      nodeName: 'sim-a',
      runtime: 'sim',
      rootDir: path.join(os.tmpdir(), 'kubelab-sim-a'),
      podCIDR: cidr,
      nodeIP: '172.31.0.5',
      port: 0,
      address: '127.0.0.1',
      capacity: { cpu: '8', memory: '32Gi', pods: 50 },
      labels: { zone: 'z1' },
      log: silentLogger(),
      agent: { leaseDurationSeconds: 4, nodeStatusUpdateFrequencyMs: 500, relistPeriodMs: 200 },
    });
  });

  after(async () => {
    await running?.close();
    await srv?.close();
  });

  it('registers the Node with capacity, addresses, nodeInfo, endpoint port and Ready', async () => {
    const node = await until('Ready node', async () => {
      const n = (await cs.nodes.get('', 'sim-a')) as Node;
      return n.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True' ? n : undefined;
    });
    assert.deepEqual(node.status?.capacity, { cpu: '8', memory: '32Gi', pods: '50' });
    assert.deepEqual(node.status?.addresses, [{ type: 'InternalIP', address: '172.31.0.5' }, { type: 'Hostname', address: 'sim-a' }]);
    assert.equal(node.status?.nodeInfo?.containerRuntimeVersion, 'kubelab-sim://0.1.0');
    assert.equal(node.status?.nodeInfo?.kubeletVersion, 'v1.32.0-kubelab');
    assert.equal(node.status?.daemonEndpoints?.kubeletEndpoint?.Port, running.agent.port);
    assert.ok(running.agent.port > 0);
    assert.equal(node.metadata.labels?.['zone'], 'z1');
    assert.equal(node.metadata.labels?.['kubernetes.io/hostname'], 'sim-a');
    assert.equal(node.spec?.podCIDR, cidr);
    const health = await fetch(`http://127.0.0.1:${running.agent.port}/healthz`);
    assert.equal(await health.text(), 'ok');
  });

  it('renews its Lease in kube-node-lease', async () => {
    const first = (await until('lease', () => cs.leases.get('kube-node-lease', 'sim-a'))) as Lease;
    assert.equal(first.spec?.holderIdentity, 'sim-a');
    assert.equal(first.spec?.leaseDurationSeconds, 4);
    const node = (await cs.nodes.get('', 'sim-a')) as Node;
    const renewed = await until(
      'renewal',
      async () => {
        const l = (await cs.leases.get('kube-node-lease', 'sim-a')) as Lease;
        return l.spec?.renewTime !== first.spec?.renewTime && l.metadata.ownerReferences?.length ? l : undefined;
      },
      5000,
    );
    assert.deepEqual(renewed.metadata.ownerReferences, [{ apiVersion: 'v1', kind: 'Node', name: 'sim-a', uid: node.metadata.uid }]);
  });

  it('runs bound pods with IPs from the pod CIDR, fast', async () => {
    const t0 = Date.now();
    await cs.pods.create(pod('first', 'sim-a'));
    const p = await until('Running', async () => {
      const x = (await cs.pods.get('default', 'first')) as Pod;
      return x.status?.phase === 'Running' && x.status.conditions?.find((c) => c.type === 'Ready')?.status === 'True' ? x : undefined;
    }, 10_000, 5);
    const single = Date.now() - t0;
    assert.ok(ipInCidr(p.status?.podIP ?? '', cidr), `pod IP ${p.status?.podIP} in ${cidr}`);
    assert.equal(p.status?.hostIP, '172.31.0.5');
    assert.match(p.status?.containerStatuses?.[0]?.containerID ?? '', /^kubelab-sim:\/\//);

    // A batch of 30, created through pods/binding like the scheduler does.
    const t1 = Date.now();
    const names = Array.from({ length: 30 }, (_, i) => `batch-${i}`);
    await Promise.all(names.map(async (n) => {
      const spec = pod(n, '');
      delete spec.spec.nodeName;
      await cs.pods.create(spec);
      await cs.pods.bind('default', n, 'sim-a');
    }));
    const pods = await until('30 Running', async () => {
      const list = (await cs.pods.list('default', { labelSelector: 'app=sim' })).items as Pod[];
      const ok = list.filter((x) => names.includes(x.metadata.name ?? '') && x.status?.phase === 'Running');
      return ok.length === 30 ? ok : undefined;
    }, 20_000, 10);
    const batch = Date.now() - t1;
    const ips = new Set(pods.map((x) => x.status?.podIP));
    assert.equal(ips.size, 30, 'every pod has its own IP');
    for (const ip of ips) assert.ok(ipInCidr(ip ?? '', cidr));
    process.stderr.write(`sim pod start latency: single ${single} ms (create -> Ready observed), 30 pods ${batch} ms\n`);
    assert.ok(single < 5000, `single pod start took ${single} ms`);
  });

  it('honours graceful deletion: terminates, then deletes the object with grace 0', async () => {
    const before = (await cs.pods.get('default', 'first')) as Pod;
    const t0 = Date.now();
    const res = (await cs.pods.delete('default', 'first', { gracePeriodSeconds: 30 })) as Pod;
    assert.ok(res.metadata?.deletionTimestamp, 'the API server only marked the pod (graceful)');
    await until('gone', async () => {
      try {
        await cs.pods.get('default', 'first');
        return undefined;
      } catch {
        return true;
      }
    }, 10_000, 10);
    const took = Date.now() - t0;
    assert.ok(took < 5000, `deleted after ${took} ms, well before the 30 s grace period`);
    const rt = running.runtime;
    const left = (await rt.listPodSandbox()).filter((s) => s.labels['io.kubernetes.pod.uid'] === before.metadata.uid);
    assert.deepEqual(left, [], 'the sandbox was removed');
  });

  it('runs a job-like pod to Succeeded and keeps it until deleted', async () => {
    await cs.pods.create(pod('job', 'sim-a', { restartPolicy: 'Never', containers: [{ name: 'app', image: 'localhost/busybox:1.35', command: ['sh', '-c', 'sleep 0.2; exit 0'] }] }));
    const done = await until('Succeeded', async () => {
      const x = (await cs.pods.get('default', 'job')) as Pod;
      return x.status?.phase === 'Succeeded' ? x : undefined;
    });
    assert.equal(done.status?.containerStatuses?.[0]?.state?.terminated?.reason, 'Completed');
    assert.equal(done.status?.conditions?.find((c) => c.type === 'Ready')?.reason, 'PodCompleted');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(((await cs.pods.get('default', 'job')) as Pod).status?.phase, 'Succeeded', 'still there');
    await cs.pods.delete('default', 'job', {});
    await until('job gone', async () => {
      try {
        await cs.pods.get('default', 'job');
        return undefined;
      } catch {
        return true;
      }
    });
  });
});

describe('pod CIDR assigned later by the controller', () => {
  it('is NotReady without a pod CIDR, becomes Ready and runs pods in the CIDR once spec.podCIDR is set', async () => {
    const srv = await startTestServer();
    const cs = newClientset(loadKubeconfig({ path: srv.kubeconfig }).options);
    const running = await runNodeAgent({ server: srv.url, nodeName: 'late', runtime: 'sim', rootDir: '/var/lib/kubelab-sim', port: null, log: silentLogger() });
    try {
      const n0 = (await cs.nodes.get('', 'late')) as Node;
      const ready0 = n0.status?.conditions?.find((c) => c.type === 'Ready');
      assert.equal(ready0?.status, 'False');
      assert.match(ready0?.message ?? '', /NetworkReady=false/);
      // What the node IPAM controller does.
      await cs.nodes.patch('', 'late', 'application/merge-patch+json', { spec: { podCIDR: '10.203.4.0/24', podCIDRs: ['10.203.4.0/24'] } });
      await until('Ready', async () => (((await cs.nodes.get('', 'late')) as Node).status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True' ? true : undefined), 10_000);
      await cs.pods.create(pod('late-pod', 'late'));
      const p = await until('Running', async () => {
        const x = (await cs.pods.get('default', 'late-pod')) as Pod;
        return x.status?.phase === 'Running' ? x : undefined;
      });
      assert.ok(ipInCidr(p.status?.podIP ?? '', '10.203.4.0/24'), `pod IP ${p.status?.podIP}`);
    } finally {
      await running.close();
      await srv.close();
    }
  });
});

describe('kubelab node --runtime sim (the command)', () => {
  it('registers, logs one line, and stops on SIGTERM', async () => {
    const srv = await startTestServer();
    try {
      const bin = process.execPath; // the Node 24 running this test
      const main = fs.existsSync(path.join(here, '..', 'cli', 'main.ts')) ? path.join(here, '..', 'cli', 'main.ts') : path.join(here, '..', 'cli', 'main.js');
      const child = spawn(bin, [main, 'node', '--runtime', 'sim', '--server', srv.url, '--name', 'cli-node', '--pod-cidr', '10.202.0.0/24', '--port', '0', '--address', '127.0.0.1', '--root-dir', path.join(os.tmpdir(), 'kubelab-cli-node')], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      try {
        await until('registered log line', () => (out.includes('Successfully registered node') ? true : undefined), 20_000, 50);
        const cs = newClientset(loadKubeconfig({ path: srv.kubeconfig }).options);
        const n = (await cs.nodes.get('', 'cli-node')) as Node;
        assert.equal(n.spec?.podCIDR, '10.202.0.0/24');
        assert.equal(out.split('\n').filter((l) => l.includes('Successfully registered node')).length, 1);
      } finally {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
    } finally {
      await srv.close();
    }
  });
});

describe('SimNodeHost: many simulated nodes in one process', () => {
  it('registers nodes with their own pod CIDRs and runs pods on each through one shared informer', async () => {
    const srv = await startTestServer();
    const cs = newClientset(loadKubeconfig({ path: srv.kubeconfig }).options);
    const host = new SimNodeHost({ clientset: cs, count: 20, namePrefix: 'fleet-', clusterCIDR: '10.96.0.0/12', log: silentLogger(), relistPeriodMs: 1000, leaseSpreadMs: 500 });
    try {
      const t0 = Date.now();
      await host.start();
      const regMs = Date.now() - t0;
      const nodes = ((await cs.nodes.list('')).items as Node[]).filter((n) => n.metadata.name?.startsWith('fleet-'));
      assert.equal(nodes.length, 20);
      assert.equal(nodes.find((n) => n.metadata.name === 'fleet-3')?.spec?.podCIDR, '10.96.3.0/24');
      assert.equal(nodes.find((n) => n.metadata.name === 'fleet-3')?.status?.addresses?.[0]?.address, '172.30.0.5');
      await until('leases', async () => ((await cs.leases.list('kube-node-lease')).items.length >= 20 ? true : undefined), 20_000, 100);
      const t1 = Date.now();
      await Promise.all(
        Array.from({ length: 60 }, (_, i) => cs.pods.create({ ...pod(`p${i}`, `fleet-${i % 20}`), metadata: { name: `p${i}`, namespace: 'default', labels: { app: 'fleet' } } })),
      );
      const pods = await until('60 Running', async () => {
        const list = (await cs.pods.list('default', { labelSelector: 'app=fleet' })).items as Pod[];
        return list.filter((p) => p.status?.phase === 'Running').length === 60 ? list : undefined;
      }, 30_000, 50);
      const startMs = Date.now() - t1;
      for (const p of pods) {
        const idx = Number((p.spec.nodeName ?? '').replace('fleet-', ''));
        assert.ok(ipInCidr(p.status?.podIP ?? '', `10.96.${idx}.0/24`), `${p.metadata.name} on ${p.spec.nodeName} has ${p.status?.podIP}`);
      }
      process.stderr.write(`SimNodeHost: 20 nodes registered in ${regMs} ms; 60 pods Running in ${startMs} ms\n`);
    } finally {
      await host.stop();
      await srv.close();
    }
  });
});
