/**
 * The pod anatomy on a real containerd (integration tier, root): an HTTPS API server (client CA, Node,RBAC),
 * a node agent with its node identity serving its API over HTTPS with client-certificate / TokenReview
 * authentication, and a pod with an init container, a native sidecar and two app containers sharing an
 * emptyDir. The anatomy is read through the API server's node proxy (as `get nodes/proxy`) and must show
 * what the node really has: one net/ipc/uts namespace for the sandbox and every running container, a mount
 * namespace each, init finished (exit 0) before the sidecar started and the sidecar before the apps, the
 * emptyDir's directory on the node holding the file a container wrote, the pod IP on eth0, the app's
 * listening socket, memory in use; and the agent refuses the route without credentials (401).
 *
 * KUBELAB_RECORD_ANATOMY_FIXTURE=<dir> also records the pod's /proc and cgroup files there (the unit tests'
 * testdata/, see testing/record-anatomy-fixture.ts).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as path from 'node:path';
import type { SecuredTestServer } from '../../test/integration/framework/secured-test-server.ts';
import { startSecuredContainerdNode, type SecuredContainerdNode } from '../../test/integration/framework/secured-containerd-node.ts';
import type { TestCertificate } from '../../test/integration/framework/test-certificates.ts';
import type { ContainerdInstance } from '../../test/integration/framework/containerd.ts';
import { waitForPodReady } from '../../test/integration/framework/containerd-node-agent.ts';
import type { Clientset } from '../../shared/client/clientset.ts';
import type { Pod } from '../../shared/api/core-v1.ts';
import type { ContainerAnatomy, PodAnatomy } from '../../shared/api/pod-anatomy.ts';
import type { RunningNodeAgent } from '../main.ts';
import { validatePodAnatomy } from './testing/anatomy-schema.ts';
import { gatherRuntimeFacts } from './runtime-facts.ts';
import { recordAnatomyFixture } from './testing/record-anatomy-fixture.ts';
import { anatomyTestPod } from './testing/anatomy-test-pod.ts';

const NODE = 'anatomy-node';

function get(url: string, opts: { ca?: string; cert?: TestCertificate } = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const r = https.request(url, { method: 'GET', rejectUnauthorized: false, agent: false, timeout: 10_000, ...(opts.cert ? { cert: opts.cert.certPem, key: opts.cert.keyPem } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    r.on('timeout', () => r.destroy(new Error('request timed out')));
    r.on('error', reject);
    r.end();
  });
}

describe('pod anatomy on containerd', () => {
  let node: SecuredContainerdNode;
  let cd: ContainerdInstance;
  let server: SecuredTestServer;
  let admin: Clientset;
  let agent: RunningNodeAgent;
  let anatomy: PodAnatomy;
  let pod: Pod;

  before(async () => {
    node = await startSecuredContainerdNode({ node: NODE, containerd: 'anatomy', agent: { agent: { relistPeriodMs: 500, housekeepingIntervalMs: 500 } } });
    ({ server, admin, agent, cd } = node);
    await admin.pods.create(anatomyTestPod(NODE));
    pod = await waitForPodReady(admin, 'default', 'anatomy');
    const r = await server.call('GET', `/api/v1/nodes/${NODE}/proxy/anatomy/default/anatomy`, { cert: server.admin });
    assert.equal(r.status, 200, r.body);
    anatomy = JSON.parse(r.body) as PodAnatomy;
    const record = process.env.KUBELAB_RECORD_ANATOMY_FIXTURE;
    if (record) {
      const facts = await gatherRuntimeFacts(agent.runtime, pod.metadata.uid ?? '');
      const { managedFields: _m, ...metadata } = pod.metadata;
      recordAnatomyFixture(record, { pod: { ...pod, metadata }, runtime: facts, podCgroupPath: agent.agent.cgroups.parentFor(pod.metadata.uid ?? '') });
    }
  });

  after(async () => {
    await admin?.pods.delete('default', 'anatomy', { gracePeriodSeconds: 0 }).catch(() => undefined);
    await node?.close();
  });

  const container = (name: string): ContainerAnatomy => {
    const c = anatomy.containers.find((x) => x.name === name);
    assert.ok(c, `container ${name} in the anatomy`);
    return c;
  };

  it('is a PodAnatomy the schema accepts, of the right pod and node', () => {
    assert.deepEqual(validatePodAnatomy(anatomy), []);
    assert.equal(anatomy.kind, 'PodAnatomy');
    assert.equal(anatomy.metadata.uid, pod.metadata.uid);
    assert.equal(anatomy.metadata.node, NODE);
    assert.deepEqual(anatomy.containers.map((c) => [c.name, c.type]), [['init', 'init'], ['sidecar', 'sidecar'], ['app', 'app'], ['reader', 'app']]);
  });

  it('one net/ipc/uts namespace for the sandbox and every running container; a mount namespace each', () => {
    const sb = anatomy.sandbox;
    assert.equal(sb.state, 'ready');
    assert.ok(sb.pid && sb.pid > 1, 'the pause process has a pid');
    const running = anatomy.containers.filter((c) => c.state === 'running');
    assert.deepEqual(running.map((c) => c.name), ['sidecar', 'app', 'reader']);
    const mnts = new Set<number>([sb.namespaces?.mnt?.inode ?? 0]);
    for (const c of running) {
      assert.ok(c.pid && c.pid !== sb.pid, `${c.name} has its own main process`);
      for (const k of ['net', 'ipc', 'uts'] as const) {
        assert.equal(c.namespaces?.[k]?.inode, sb.namespaces?.[k]?.inode, `${c.name} ${k} is the sandbox's`);
        assert.equal(c.namespaces?.[k]?.shared, 'sandbox');
      }
      assert.equal(c.namespaces?.mnt?.shared, 'own', `${c.name} has its own mount namespace`);
      mnts.add(c.namespaces?.mnt?.inode ?? 0);
      // Read the node's /proc ourselves: the inode is the real one.
      assert.equal(fs.readlinkSync(`/proc/${c.pid}/ns/net`), `net:[${c.namespaces?.net?.inode}]`);
    }
    assert.equal(mnts.size, running.length + 1, 'distinct mount namespaces');
    assert.notEqual(sb.namespaces?.net?.inode, Number(/\d+/.exec(fs.readlinkSync('/proc/self/ns/net'))?.[0]), 'not the node network namespace');
    assert.equal(anatomy.network.namespace?.inode, sb.namespaces?.net?.inode);
    assert.equal(container('init').state, 'exited');
    assert.equal(container('init').exitCode, 0);
    assert.ok(container('app').processes?.some((p) => p.command.startsWith('httpd -f -p 8080')), JSON.stringify(container('app').processes));
  });

  it('the timeline: init finished before the sidecar started, the sidecar started before the apps', () => {
    const at = (type: string, name: string) => {
      const i = anatomy.timeline.findIndex((e) => e.type === type && e.container === name);
      assert.ok(i >= 0, `${type} ${name} in ${JSON.stringify(anatomy.timeline)}`);
      return i;
    };
    const t = anatomy.timeline;
    assert.equal(t[0]?.type, 'SandboxCreated');
    const initExit = t[at('ContainerExited', 'init')];
    assert.equal(initExit?.exitCode, 0);
    assert.equal(initExit?.containerType, 'init');
    assert.ok(at('ContainerExited', 'init') < at('ContainerStarted', 'sidecar'));
    assert.ok(at('ContainerStarted', 'sidecar') < at('ContainerStarted', 'app'));
    assert.ok(at('ContainerStarted', 'sidecar') < at('ContainerStarted', 'reader'));
    const times = t.map((e) => e.time);
    assert.deepEqual([...times].sort(), times, 'in time order');
  });

  it("the emptyDir's directory on the node holds the file the app wrote; every mount of it is listed", () => {
    const v = anatomy.volumes.find((x) => x.name === 'shared');
    assert.equal(v?.type, 'emptyDir');
    assert.ok(v?.hostPath?.includes(pod.metadata.uid ?? 'none'), v?.hostPath);
    assert.equal(fs.readFileSync(path.join(v?.hostPath ?? '', 'hello.txt'), 'utf8'), 'written-by-app\n');
    assert.equal(fs.readFileSync(path.join(v?.hostPath ?? '', 'init.txt'), 'utf8'), 'from-init\n');
    assert.deepEqual(v?.mounts, [
      { container: 'init', mountPath: '/shared', readOnly: false },
      { container: 'app', mountPath: '/data', readOnly: false },
      { container: 'reader', mountPath: '/data', readOnly: true },
    ]);
    const m = container('reader').mounts.find((x) => x.mountPath === '/data');
    assert.deepEqual(m, { mountPath: '/data', readOnly: true, volume: 'shared', source: 'volume', hostPath: v?.hostPath });
    const sources = container('app').mounts.map((x) => x.source);
    assert.ok(sources.includes('etc-hosts') && sources.includes('termination-log') && sources.includes('resolv-conf'), JSON.stringify(container('app').mounts));
  });

  it('the pod IP on eth0, the app listening on 8080, memory in use within the limit', () => {
    const podIP = pod.status?.podIP ?? 'none';
    assert.deepEqual(anatomy.podIPs, [podIP]);
    const eth0 = anatomy.network.interfaces.find((i) => i.name === 'eth0');
    assert.ok(eth0?.addresses.some((a) => a.startsWith(`${podIP}/`)), JSON.stringify(anatomy.network.interfaces));
    assert.equal(eth0?.up, true);
    assert.match(eth0?.mac ?? '', /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
    assert.equal(eth0?.mtu, Number(fs.readFileSync(`/proc/${anatomy.sandbox.pid}/root/sys/class/net/eth0/mtu`, 'utf8').trim()));
    assert.ok(anatomy.network.interfaces.some((i) => i.name === 'lo' && i.addresses.includes('127.0.0.1/8')));
    const l = anatomy.network.listening.find((s) => s.port === 8080 && s.protocol === 'tcp');
    assert.ok(l, JSON.stringify(anatomy.network.listening));
    assert.equal(l.container, 'app');
    const app = container('app');
    assert.ok((app.cgroup?.memory.usageBytes ?? 0) > 0, JSON.stringify(app.cgroup));
    assert.equal(app.cgroup?.memory.limitBytes, 64 * 1024 * 1024);
    assert.equal(app.cgroup?.cpu.limitMillicores, 250);
    assert.ok((anatomy.cgroup?.memory.usageBytes ?? 0) > 0, 'the pod cgroup has usage');
    assert.match(anatomy.cgroup?.path ?? '', new RegExp(`pod${pod.metadata.uid}$`));
  });

  it('the agent route: 401 without credentials, 404 for a pod the node does not run', async () => {
    const base = `https://${cd.gateway}:${agent.agent.port}`;
    const anon = await get(`${base}/anatomy/default/anatomy`);
    assert.equal(anon.status, 401);
    const missing = await server.call('GET', `/api/v1/nodes/${NODE}/proxy/anatomy/default/nope`, { cert: server.admin });
    assert.equal(missing.status, 404);
    assert.match(missing.body, /pod \\?"nope\\?" does not exist/);
    const direct = await get(`${base}/anatomy/default/anatomy`, { cert: server.admin });
    assert.equal(direct.status, 200);
    assert.equal((JSON.parse(direct.body) as PodAnatomy).metadata.name, 'anatomy');
  });
});
