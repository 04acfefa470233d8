/**
 * The collector on the simulated runtime (what a `kubelab sim-nodes` node answers: CRI facts only) and the
 * agent route over HTTP (AgentServer, as the simulated nodes serve it): 200 JSON, kubelet-style 404, 405.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../../shared/api/core-v1.ts';
import type { PodAnatomy } from '../../shared/api/pod-anatomy.ts';
import { FakeClock } from '../../shared/util/clock.ts';
import { SimulatedRuntime } from '../cri/simulated/simulated-runtime.ts';
import { newContainerLabels, newPodLabels } from '../kuberuntime/labels.ts';
import { AgentServer } from '../server/agent-server.ts';
import { PodAnatomyCollector } from './pod-anatomy-collector.ts';
import { PodTimelineRecorder } from './pod-timeline-recorder.ts';
import { validatePodAnatomy } from './testing/anatomy-schema.ts';

const pod: Pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', namespace: 'default', uid: 'uid-1' },
  spec: {
    nodeName: 'sim-0',
    volumes: [{ name: 'cache', emptyDir: { medium: 'Memory' } }],
    initContainers: [{ name: 'setup', image: 'localhost/busybox:1.35', command: ['true'] }],
    containers: [{ name: 'app', image: 'localhost/busybox:1.35', command: ['sleep', '3600'], volumeMounts: [{ name: 'cache', mountPath: '/cache' }] }],
  },
  status: { phase: 'Running', qosClass: 'BestEffort', podIPs: [{ ip: '10.128.0.2' }], containerStatuses: [{ name: 'app', ready: true, restartCount: 0, image: '', imageID: '' }] },
} as Pod;

async function runOnSimulatedRuntime<T extends SimulatedRuntime>(rt: T = new SimulatedRuntime({ podCidr: '10.128.0.0/24', clock: new FakeClock() }) as T): Promise<T> {
  const sandboxConfig = { metadata: { name: 'web', namespace: 'default', uid: 'uid-1', attempt: 0 }, labels: newPodLabels(pod) };
  const sb = await rt.runPodSandbox(sandboxConfig);
  const c = pod.spec.containers[0];
  if (!c) throw new Error('no container');
  const id = await rt.createContainer(sb, { metadata: { name: 'app', attempt: 0 }, image: { image: c.image ?? '' }, command: c.command ?? [], labels: newContainerLabels(c, pod) }, sandboxConfig);
  await rt.startContainer(id);
  return rt;
}

describe('PodAnatomyCollector on a simulated node', () => {
  it('reports what CRI knows: states, ids, times, the timeline, volumes; no host facts, with a warning', async () => {
    const rt = await runOnSimulatedRuntime();
    const timeline = new PodTimelineRecorder({ clock: new FakeClock() });
    const collector = new PodAnatomyCollector({ nodeName: 'sim-0', runtime: rt, mode: 'simulated', timeline, runtimeName: () => 'kubelab-sim', clock: new FakeClock() });
    const a = await collector.collect(pod);
    assert.deepEqual(validatePodAnatomy(a), []);
    assert.equal(a.sandbox.state, 'ready');
    assert.equal(a.sandbox.pid, undefined);
    assert.deepEqual(a.podIPs, ['10.128.0.2']);
    assert.deepEqual(a.containers.map((c) => [c.name, c.type, c.state]), [['setup', 'init', 'waiting'], ['app', 'app', 'running']]);
    assert.match(a.containers[1]?.containerID ?? '', /^kubelab-sim:\/\//);
    assert.equal(a.containers[1]?.ready, true);
    assert.equal(a.containers[1]?.namespaces, undefined);
    assert.deepEqual(a.volumes, [{ name: 'cache', type: 'emptyDir', medium: 'Memory', mounts: [{ container: 'app', mountPath: '/cache', readOnly: false }] }]);
    assert.deepEqual(a.timeline.map((e) => `${e.type} ${e.container ?? ''}`.trim()), ['SandboxCreated', 'ContainerCreated app', 'ContainerStarted app']);
    assert.equal(a.cgroup, undefined);
    assert.match(a.warnings?.join() ?? '', /simulated node/);
    rt.close();
  });
});

describe('runtime facts cache', () => {
  it('a steady pod costs the list calls only; a state change reads the status again', async () => {
    let statusCalls = 0;
    class CountingRuntime extends SimulatedRuntime {
      override containerStatus(...args: Parameters<SimulatedRuntime['containerStatus']>) {
        statusCalls++;
        return super.containerStatus(...args);
      }
      override podSandboxStatus(...args: Parameters<SimulatedRuntime['podSandboxStatus']>) {
        statusCalls++;
        return super.podSandboxStatus(...args);
      }
    }
    const rt = await runOnSimulatedRuntime(new CountingRuntime({ podCidr: '10.128.0.0/24', clock: new FakeClock() }));
    const collector = new PodAnatomyCollector({ nodeName: 'sim-0', runtime: rt, mode: 'simulated' });
    await collector.collect(pod);
    assert.equal(statusCalls, 2, 'sandbox + container');
    await collector.collect(pod);
    assert.equal(statusCalls, 2, 'nothing changed: cached');
    const id = (await rt.listContainers({})).find((c) => c.metadata.name === 'app')?.id ?? '';
    await rt.stopContainer(id, 0);
    const a = await collector.collect(pod);
    assert.equal(statusCalls, 3, 'the exited container is read again');
    assert.equal(a.containers.find((c) => c.name === 'app')?.state, 'exited');
    collector.forget('uid-1');
    assert.deepEqual(collector.uids(), []);
    rt.close();
  });
});

describe('GET /anatomy/{namespace}/{pod}', () => {
  it('200 JSON for a pod the node runs, 404 `pod "x" does not exist` otherwise, 405 for other methods', async () => {
    const rt = await runOnSimulatedRuntime();
    const collector = new PodAnatomyCollector({ nodeName: 'sim-0', runtime: rt, mode: 'simulated' });
    const server = new AgentServer({ host: '127.0.0.1', port: 0, pods: () => [pod], anatomy: async (ns, name) => (ns === 'default' && name === 'web' ? collector.collect(pod) : undefined) });
    const port = await server.listen();
    try {
      const ok = await fetch(`http://127.0.0.1:${port}/anatomy/default/web`);
      assert.equal(ok.status, 200);
      assert.equal(ok.headers.get('content-type'), 'application/json');
      assert.equal(((await ok.json()) as PodAnatomy).metadata.name, 'web');
      const missing = await fetch(`http://127.0.0.1:${port}/anatomy/default/nope`);
      assert.equal(missing.status, 404);
      assert.equal(await missing.text(), 'pod "nope" does not exist');
      const bad = await fetch(`http://127.0.0.1:${port}/anatomy/default`);
      assert.equal(bad.status, 404);
      const post = await fetch(`http://127.0.0.1:${port}/anatomy/default/web`, { method: 'POST' });
      assert.equal(post.status, 405);
    } finally {
      await server.close();
      rt.close();
    }
  });
});
