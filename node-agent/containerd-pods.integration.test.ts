/**
 * The node agent on a real containerd (integration tier, root): pods from the API server run as containers.
 * One containerd, one in-process API server and one agent for the file; the adoption test restarts the agent.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { BUSYBOX_IMAGE, startContainerd, type ContainerdInstance } from '../test/integration/framework/containerd.ts';
import { containerdNodeAgentConfig } from '../test/integration/framework/containerd-node-agent.ts';
import { startTestServer, type TestServer } from '../test/integration/framework/test-server.ts';
import { newClientset, type Clientset } from '../shared/client/clientset.ts';
import { loadKubeconfig } from '../shared/client/kubeconfig.ts';
import type { Container, Event, Node, Pod } from '../shared/api/core-v1.ts';
import { cgroupHierarchies } from './cm/pod-cgroups.ts';
import { runNodeAgent, type NodeAgentConfig, type RunningNodeAgent } from './main.ts';
import { untilWith } from '../test/integration/framework/until.ts';

const NODE = 'cd-node';

const until = untilWith({ timeoutMs: 30_000, everyMs: 50 });

function httpGet(host: string, port: number, timeoutMs = 3000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host, port, path: '/', timeout: timeoutMs, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

const c = (name: string, command: string[], extra: Partial<Container> = {}): Container => ({ name, image: BUSYBOX_IMAGE, command, ...extra });

function podOf(name: string, spec: Partial<Pod['spec']>): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: { nodeName: NODE, terminationGracePeriodSeconds: 5, containers: [], ...spec },
  };
}

describe('node agent on containerd', () => {
  let cd: ContainerdInstance;
  let srv: TestServer;
  let cs: Clientset;
  let agent: RunningNodeAgent;
  let config: NodeAgentConfig;

  const get = async (name: string) => (await cs.pods.get('default', name)) as Pod;
  const gone = async (name: string) => {
    try {
      await get(name);
      return undefined;
    } catch {
      return true;
    }
  };
  const running = (name: string, timeoutMs = 30_000) =>
    until(`${name} Running and Ready`, async () => {
      const p = await get(name);
      return p.status?.phase === 'Running' && p.status.conditions?.find((x) => x.type === 'Ready')?.status === 'True' ? p : undefined;
    }, timeoutMs);
  /** Watches a pod from its current version until it is deleted; resolves with its last state before that. */
  const finalState = async (name: string): Promise<() => Promise<Pod>> => {
    const cur = await get(name);
    const ac = new AbortController();
    let last: Pod = cur;
    const done = (async () => {
      for await (const ev of cs.pods.watch('default', { fieldSelector: `metadata.name=${name}`, resourceVersion: cur.metadata.resourceVersion ?? '0', signal: ac.signal })) {
        if (ev.type === 'MODIFIED') last = ev.object as Pod;
        if (ev.type === 'DELETED') break;
      }
      return last;
    })();
    return async () => {
      const timer = setTimeout(() => ac.abort(), 30_000);
      try {
        return await done;
      } finally {
        clearTimeout(timer);
        ac.abort();
      }
    };
  };
  const cgroupDirs = (uid: string) =>
    cgroupHierarchies().map((h) => path.join(h, cd.cgroupParent.replace(/^\//, ''), `pod${uid}`)).filter((d) => fs.existsSync(d));

  before(async () => {
    cd = await startContainerd({ name: 'agent-pods' });
    srv = await startTestServer();
    cs = newClientset(loadKubeconfig({ path: srv.kubeconfig }).options);
    config = containerdNodeAgentConfig(cd, NODE, {
      server: srv.url,
      port: 0,
      address: '127.0.0.1',
      crashLoopBaseDelayMs: 1000,
      agent: { relistPeriodMs: 500, housekeepingIntervalMs: 500 },
    });
    agent = await runNodeAgent(config);
  });

  after(async () => {
    await agent?.close().catch(() => undefined);
    await srv?.close().catch(() => undefined);
    await cd?.stop();
  });

  it('registers the node with the containerd version and goes Ready', async () => {
    const n = await until('Ready', async () => {
      const x = (await cs.nodes.get('', NODE)) as Node;
      return x.status?.conditions?.find((k) => k.type === 'Ready')?.status === 'True' ? x : undefined;
    });
    assert.match(n.status?.nodeInfo?.containerRuntimeVersion ?? '', /^containerd:\/\/\d+\.\d+/);
    assert.equal(n.status?.addresses?.[0]?.address, cd.gateway);
  });

  it('two containers share a hostPath and the pod network; pod start latency', async () => {
    const hostDir = path.join(cd.rootDir, 'shared-www');
    const t0 = Date.now();
    await cs.pods.create(
      podOf('two', {
        volumes: [{ name: 'www', hostPath: { path: hostDir, type: 'DirectoryOrCreate' } }],
        containers: [
          c('writer', ['sh', '-c', 'echo "hello from writer" > /www/index.html; sleep 3600'], { volumeMounts: [{ name: 'www', mountPath: '/www' }] }),
          c('web', ['httpd', '-f', '-p', '8080', '-h', '/www'], { volumeMounts: [{ name: 'www', mountPath: '/www', readOnly: true }], ports: [{ containerPort: 8080 }] }),
        ],
      }),
    );
    const p = await running('two');
    const startMs = Date.now() - t0;
    process.stderr.write(`containerd pod start latency (2 containers, create -> Ready observed): ${startMs} ms\n`);
    assert.ok(p.status?.podIP?.startsWith(cd.subnet.replace(/\.0\/24$/, '.')), `pod IP ${p.status?.podIP} in ${cd.subnet}`);
    const res = await until('httpd answers', () => httpGet(p.status?.podIP ?? '', 8080));
    assert.equal(res.body, 'hello from writer\n');
    assert.equal(fs.readFileSync(path.join(hostDir, 'index.html'), 'utf8'), 'hello from writer\n', 'the host sees the file');
    // Both containers are in the sandbox's network namespace.
    const ids = p.status?.containerStatuses?.map((s) => s.containerID?.replace('containerd://', '') ?? '') ?? [];
    const ns = await Promise.all(ids.map(async (id) => (await agent.runtime.execSync(id, ['readlink', '/proc/self/ns/net'], { timeoutSeconds: 5 })).stdout.toString().trim()));
    assert.equal(ns[0], ns[1]);
    const wget = await agent.runtime.execSync(ids[0] ?? '', ['sh', '-c', 'timeout 3 wget -qO- http://127.0.0.1:8080/'], { timeoutSeconds: 10 });
    assert.equal(wget.stdout.toString(), 'hello from writer\n', 'writer reaches web on localhost');
    const ro = await agent.runtime.execSync(ids[1] ?? '', ['touch', '/www/x'], { timeoutSeconds: 5 });
    assert.notEqual(ro.exitCode, 0, 'the readOnly mount refuses writes');
  });

  it('pod start latency: single-container pods, create -> Ready (median of 5)', async () => {
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = Date.now();
      await cs.pods.create(podOf(`lat-${i}`, { containers: [c('c', ['sleep', '3600'])] }));
      await until(`lat-${i} Ready`, async () => {
        const p = await get(`lat-${i}`);
        return p.status?.conditions?.find((x) => x.type === 'Ready')?.status === 'True' ? true : undefined;
      }, 30_000, 5);
      times.push(Date.now() - t0);
    }
    const sorted = [...times].sort((a, b) => a - b);
    process.stderr.write(`containerd pod start latency, 1 container: median ${sorted[2]} ms (${times.join(', ')})\n`);
    assert.ok((sorted[2] ?? Infinity) < 5000);
    for (let i = 0; i < 5; i++) await cs.pods.delete('default', `lat-${i}`, { gracePeriodSeconds: 0 });
  });

  it('WAR-style init container fills an emptyDir, the app serves it on a hostPort', async () => {
    const hostPort = 30000 + Math.floor(Math.random() * 2700);
    await cs.pods.create(
      podOf('war', {
        volumes: [{ name: 'webapps', emptyDir: {} }],
        initContainers: [c('unpack', ['sh', '-c', 'mkdir -p /webapps/ROOT && echo "sample.war unpacked" > /webapps/ROOT/index.html'], { volumeMounts: [{ name: 'webapps', mountPath: '/webapps' }] })],
        containers: [
          c('server', ['httpd', '-f', '-p', '8080', '-h', '/srv'], {
            volumeMounts: [{ name: 'webapps', mountPath: '/srv', subPath: 'ROOT' }],
            ports: [{ containerPort: 8080, hostPort }],
          }),
        ],
      }),
    );
    const p = await running('war');
    assert.equal(p.status?.initContainerStatuses?.[0]?.state?.terminated?.reason, 'Completed');
    const res = await until('hostPort answers', () => httpGet(cd.gateway, hostPort));
    assert.equal(res.body, 'sample.war unpacked\n');
    const emptyDir = path.join(config.rootDir, 'pods', p.metadata.uid ?? '', 'volumes', 'kubernetes.io~empty-dir', 'webapps');
    assert.ok(fs.existsSync(path.join(emptyDir, 'ROOT', 'index.html')));
    assert.ok(cgroupDirs(p.metadata.uid ?? '').length > 0, 'the pod cgroup exists while it runs');
    await cs.pods.delete('default', 'war', {});
    await until('war deleted', () => gone('war'));
    assert.equal(fs.existsSync(emptyDir), false, 'the emptyDir was removed');
    assert.deepEqual(cgroupDirs(p.metadata.uid ?? ''), [], 'the pod cgroup dirs were removed');
    await assert.rejects(httpGet(cd.gateway, hostPort, 1000), 'the hostPort is released');
  });

  it('a host-network pod gets the node IP; a memory emptyDir is a tmpfs, unmounted at deletion', async () => {
    await cs.pods.create(
      podOf('hostnet', {
        hostNetwork: true,
        volumes: [{ name: 'cache', emptyDir: { medium: 'Memory', sizeLimit: '8Mi' } }],
        containers: [c('c', ['sh', '-c', 'echo in-memory > /cache/x; sleep 3600'], { volumeMounts: [{ name: 'cache', mountPath: '/cache' }] })],
      }),
    );
    const p = await running('hostnet');
    assert.equal(p.status?.podIP, cd.gateway, 'host-network pods report the node IP');
    const dir = path.join(config.rootDir, 'pods', p.metadata.uid ?? '', 'volumes', 'kubernetes.io~empty-dir', 'cache');
    const mounts = () => fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.split(' ')[4] === dir);
    assert.equal(mounts().length, 1, 'the emptyDir is a mount');
    assert.match(mounts()[0] ?? '', / - tmpfs tmpfs .*size=8192k/);
    await until('file written', () => (fs.existsSync(path.join(dir, 'x')) ? true : undefined));
    const id = p.status?.containerStatuses?.[0]?.containerID?.replace('containerd://', '') ?? '';
    const netns = (await agent.runtime.execSync(id, ['readlink', '/proc/self/ns/net'], { timeoutSeconds: 5 })).stdout.toString().trim();
    assert.equal(netns, fs.readlinkSync('/proc/self/ns/net'), 'the container is in the host network namespace');
    await cs.pods.delete('default', 'hostnet', { gracePeriodSeconds: 0 });
    await until('hostnet deleted', () => gone('hostnet'));
    // A forced deletion removes the object at once; the agent still stops the pod and cleans up after it.
    await until('tmpfs unmounted and removed', () => (mounts().length === 0 && !fs.existsSync(dir) ? true : undefined), 20_000);
  });

  it('native sidecars start before the app and stop after it', async () => {
    await cs.pods.create(
      podOf('sidecar', {
        terminationGracePeriodSeconds: 10,
        // The app takes 2 s to stop, the sidecar none: only the right order makes the sidecar finish last.
        initContainers: [c('proxy', ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 0.1; done'], { restartPolicy: 'Always' })],
        containers: [c('app', ['sh', '-c', 'trap "sleep 2; exit 0" TERM; while true; do sleep 0.1; done'])],
      }),
    );
    const p = await running('sidecar');
    const sideStart = Date.parse(p.status?.initContainerStatuses?.[0]?.state?.running?.startedAt ?? '');
    const appStart = Date.parse(p.status?.containerStatuses?.[0]?.state?.running?.startedAt ?? '');
    assert.ok(sideStart <= appStart, 'the sidecar started first');
    const created = (await agent.runtime.listContainers({ labelSelector: { 'io.kubernetes.pod.uid': p.metadata.uid ?? '' } }))
      .sort((a, b) => (a.createdAt < b.createdAt ? -1 : 1))
      .map((x) => x.metadata.name);
    assert.deepEqual(created, ['proxy', 'app'], 'created in order');
    const last = await finalState('sidecar');
    await cs.pods.delete('default', 'sidecar', {});
    const final = await last();
    const appDone = Date.parse(final.status?.containerStatuses?.[0]?.state?.terminated?.finishedAt ?? '');
    const proxyDone = Date.parse(final.status?.initContainerStatuses?.[0]?.state?.terminated?.finishedAt ?? '');
    assert.ok(appDone > 0 && proxyDone > 0, `final statuses: ${JSON.stringify(final.status?.containerStatuses)} ${JSON.stringify(final.status?.initContainerStatuses)}`);
    assert.ok(proxyDone >= appDone, `the sidecar stopped after the app (app ${appDone}, proxy ${proxyDone})`);
    assert.equal(final.status?.containerStatuses?.[0]?.state?.terminated?.exitCode, 0, 'the app exited through its trap');
    await until('sidecar pod deleted', () => gone('sidecar'));
  });

  it('a crashing container is restarted with back-off (CrashLoopBackOff)', async () => {
    await cs.pods.create(podOf('crash', { containers: [c('c', ['sh', '-c', 'echo boom; exit 3'])] }));
    const p = await until('restartCount >= 2', async () => {
      const x = await get('crash');
      return (x.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 2 ? x : undefined;
    }, 40_000);
    assert.equal(p.status?.containerStatuses?.[0]?.lastState?.terminated?.exitCode, 3);
    await until('CrashLoopBackOff', async () => ((await get('crash')).status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CrashLoopBackOff' ? true : undefined), 40_000);
    const events = (await cs.events.list('default')).items as Event[];
    assert.ok(events.some((e) => e.involvedObject.name === 'crash' && e.reason === 'BackOff'), 'a BackOff event');
    await cs.pods.delete('default', 'crash', { gracePeriodSeconds: 0 });
  });

  it('readiness gates Ready; a liveness failure restarts the container', async () => {
    await cs.pods.create(
      podOf('probes', {
        containers: [
          c('app', ['sh', '-c', 'touch /tmp/alive; sleep 3600'], {
            readinessProbe: { exec: { command: ['test', '-f', '/tmp/ready'] }, periodSeconds: 1 },
            livenessProbe: { exec: { command: ['test', '-f', '/tmp/alive'] }, periodSeconds: 1, failureThreshold: 2 },
          }),
        ],
      }),
    );
    const p = await until('Running, not ready', async () => {
      const x = await get('probes');
      return x.status?.phase === 'Running' && x.status.containerStatuses?.[0]?.started ? x : undefined;
    });
    assert.equal(p.status?.containerStatuses?.[0]?.ready, false);
    assert.equal(p.status?.conditions?.find((x) => x.type === 'Ready')?.status, 'False');
    const id = p.status?.containerStatuses?.[0]?.containerID?.replace('containerd://', '') ?? '';
    await agent.runtime.execSync(id, ['touch', '/tmp/ready'], { timeoutSeconds: 5 });
    await running('probes', 15_000);
    await agent.runtime.execSync(id, ['rm', '/tmp/alive'], { timeoutSeconds: 5 });
    const restarted = await until('liveness restart', async () => {
      const x = await get('probes');
      return (x.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1 ? x : undefined;
    });
    assert.notEqual(restarted.status?.containerStatuses?.[0]?.containerID, p.status?.containerStatuses?.[0]?.containerID);
    const events = (await cs.events.list('default')).items as Event[];
    assert.ok(events.some((e) => e.involvedObject.name === 'probes' && e.reason === 'Unhealthy' && /Liveness probe failed/.test(e.message ?? '')), 'Unhealthy event');
    assert.ok(events.some((e) => e.involvedObject.name === 'probes' && e.reason === 'Killing' && /failed liveness probe/.test(e.message ?? '')), 'Killing event');
    await cs.pods.delete('default', 'probes', { gracePeriodSeconds: 0 });
  });

  it('a container over its memory limit is OOMKilled', async () => {
    await cs.pods.create(
      podOf('oom', {
        restartPolicy: 'Never',
        containers: [c('hog', ['sh', '-c', 'a=xxxxxxxxxxxxxxxx; while true; do a="$a$a"; done'], { resources: { limits: { memory: '16Mi', cpu: '500m' } } })],
      }),
    );
    const p = await until('Failed', async () => {
      const x = await get('oom');
      return x.status?.phase === 'Failed' ? x : undefined;
    }, 60_000);
    assert.equal(p.status?.containerStatuses?.[0]?.state?.terminated?.reason, 'OOMKilled');
    assert.equal(p.status?.containerStatuses?.[0]?.state?.terminated?.exitCode, 137);
    await cs.pods.delete('default', 'oom', {});
  });

  it('graceful deletion waits out the grace period for a PID 1 that ignores SIGTERM, then SIGKILLs', async () => {
    await cs.pods.create(podOf('stubborn', { terminationGracePeriodSeconds: 3, containers: [c('s', ['sleep', '3600'])] }));
    await running('stubborn');
    const last = await finalState('stubborn');
    const t0 = Date.now();
    await cs.pods.delete('default', 'stubborn', {});
    const final = await last();
    const took = Date.now() - t0;
    assert.ok(took >= 2800, `waited the grace period (${took} ms)`);
    assert.ok(took < 10_000, `then killed (${took} ms)`);
    assert.equal(final.status?.containerStatuses?.[0]?.state?.terminated?.exitCode, 137);
    assert.equal(final.status?.phase, 'Failed', 'a deleted pod ends in a terminal phase');
    const events = (await cs.events.list('default')).items as Event[];
    assert.ok(events.some((e) => e.involvedObject.name === 'stubborn' && e.reason === 'Killing'), 'Killing event');
  });

  it('a restarted agent adopts running pods: no new sandbox, no restart', async () => {
    await cs.pods.create(podOf('adopt', { containers: [c('a', ['sleep', '3600'])] }));
    const before = await running('adopt');
    const sandboxesBefore = (await agent.runtime.listPodSandbox({ labelSelector: { 'io.kubernetes.pod.uid': before.metadata.uid ?? '' } })).map((s) => s.id);
    await agent.close();
    agent = await runNodeAgent(config);
    await new Promise((r) => setTimeout(r, 3000));
    const after = await get('adopt');
    assert.equal(after.status?.containerStatuses?.[0]?.containerID, before.status?.containerStatuses?.[0]?.containerID);
    assert.equal(after.status?.containerStatuses?.[0]?.restartCount, 0);
    assert.equal(after.status?.conditions?.find((x) => x.type === 'Ready')?.status, 'True');
    const sandboxesAfter = (await agent.runtime.listPodSandbox({ labelSelector: { 'io.kubernetes.pod.uid': before.metadata.uid ?? '' } })).map((s) => s.id);
    assert.deepEqual(sandboxesAfter, sandboxesBefore, 'no second sandbox');
    await cs.pods.delete('default', 'adopt', { gracePeriodSeconds: 0 });
    await until('adopt deleted', () => gone('adopt'));
  });
});
