/**
 * NodeAgent against the fake client and the fake CRI runtime: the whole pipeline (informer -> pod workers ->
 * runtime manager -> status manager) with real timers kept short.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Pod } from '../shared/api/core-v1.ts';
import { FakeClientset } from '../shared/client/fake/clientset.ts';
import { fakeNodeAgent } from './testing/fake-node-agent.ts';
import { untilWith } from '../test/integration/framework/until.ts';

const until = untilWith({ timeoutMs: 20_000, everyMs: 20 });

function podSpec(name: string, spec: Partial<Pod['spec']>, extra: Partial<Pod['metadata']> = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', ...extra },
    spec: { nodeName: 'n1', restartPolicy: 'Always', terminationGracePeriodSeconds: 5, containers: [], ...spec },
  };
}

async function getPod(cs: FakeClientset, name: string): Promise<Pod> {
  return (await cs.pods.get('default', name)) as Pod;
}

test('a pod with volumes runs: sandbox, IP from the CIDR, Running status, emptyDir/hostPath/subPath on disk', async () => {
  const { cs, rt, rootDir, agent } = fakeNodeAgent();
  await agent.start();
  try {
    const hostDir = path.join(rootDir, 'host-data');
    await cs.pods.create(
      podSpec('web', {
        volumes: [{ name: 'scratch', emptyDir: {} }, { name: 'data', hostPath: { path: hostDir, type: 'DirectoryOrCreate' } }],
        containers: [
          {
            name: 'web',
            image: 'localhost/busybox:1.35',
            command: ['sleep', '3600'],
            env: [{ name: 'A', value: 'x' }, { name: 'B', value: '$(A)-y' }, { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
            volumeMounts: [
              { name: 'scratch', mountPath: '/scratch' },
              { name: 'data', mountPath: '/data', readOnly: true },
              { name: 'scratch', mountPath: '/sub', subPath: 'nested/dir' },
            ],
            resources: { limits: { cpu: '500m', memory: '64Mi' } },
          },
        ],
      }),
    );
    const pod = await until('Running', async () => {
      const p = await getPod(cs, 'web');
      return p.status?.phase === 'Running' && p.status.containerStatuses?.[0]?.ready ? p : undefined;
    });
    assert.match(pod.status?.podIP ?? '', /^10\.55\.0\.\d+$/);
    assert.equal(pod.status?.hostIP, '10.0.0.11');
    assert.deepEqual(pod.status?.conditions?.map((c) => `${c.type}=${c.status}`).sort(), [
      'ContainersReady=True', 'Initialized=True', 'PodReadyToStartContainers=True', 'PodScheduled=True', 'Ready=True',
    ]);
    const cs0 = pod.status?.containerStatuses?.[0];
    assert.match(cs0?.containerID ?? '', /^fake:\/\/[0-9a-f]{64}$/);
    assert.ok(cs0?.state?.running?.startedAt);
    // What went to the runtime.
    const sbCall = rt.calls.find((c) => c.method === 'runPodSandbox');
    const sbConfig = sbCall?.args[0] as { hostname: string; logDirectory: string; linux: { cgroupParent: string; securityContext: { namespaceOptions: { pid: string } } }; labels: Record<string, string> };
    assert.equal(sbConfig.hostname, 'web');
    assert.equal(sbConfig.linux.cgroupParent, `/kubelab-n1/pod${pod.metadata.uid}`);
    assert.equal(sbConfig.linux.securityContext.namespaceOptions.pid, 'CONTAINER');
    assert.equal(sbConfig.labels['io.kubernetes.pod.uid'], pod.metadata.uid);
    assert.equal(sbConfig.logDirectory, path.join(rootDir, 'logs', 'pods', `default_web_${pod.metadata.uid}`));
    assert.ok(fs.existsSync(sbConfig.logDirectory), 'log dir created by the agent');
    const cc = rt.calls.find((c) => c.method === 'createContainer')?.args[1] as {
      envs: { key: string; value: string }[];
      mounts: { containerPath: string; hostPath: string; readonly?: boolean }[];
      labels: Record<string, string>;
      annotations: Record<string, string>;
      linux: { resources: { cpuQuota: number; memoryLimitInBytes: number } };
    };
    assert.deepEqual(cc.envs, [{ key: 'A', value: 'x' }, { key: 'B', value: 'x-y' }, { key: 'POD', value: 'web' }]);
    assert.equal(cc.labels['io.kubernetes.container.name'], 'web');
    assert.equal(cc.annotations['io.kubernetes.container.restartCount'], '0');
    assert.equal(cc.linux.resources.cpuQuota, 50000);
    assert.equal(cc.linux.resources.memoryLimitInBytes, 64 * 1024 * 1024);
    const emptyDir = path.join(rootDir, 'pods', pod.metadata.uid ?? '', 'volumes', 'kubernetes.io~empty-dir', 'scratch');
    assert.deepEqual(cc.mounts.slice(0, 3), [
      { containerPath: '/scratch', hostPath: emptyDir },
      { containerPath: '/data', hostPath: hostDir, readonly: true },
      { containerPath: '/sub', hostPath: path.join(emptyDir, 'nested', 'dir') },
    ]);
    assert.ok(fs.statSync(path.join(emptyDir, 'nested', 'dir')).isDirectory());
    assert.ok(fs.statSync(hostDir).isDirectory(), 'DirectoryOrCreate created the host dir');
    const lease = await until('lease', () => cs.leases.get('kube-node-lease', 'n1'));
    assert.equal((lease.spec as { holderIdentity: string }).holderIdentity, 'n1');

    // Graceful deletion: the agent stops it, cleans up and deletes the object with grace 0.
    await cs.pods.delete('default', 'web', { gracePeriodSeconds: 5 });
    await until('pod deleted', async () => {
      try {
        await getPod(cs, 'web');
        return undefined;
      } catch {
        return true;
      }
    });
    const del = cs.actions().filter((a) => a.verb === 'delete' && a.resource === 'pods');
    assert.deepEqual(del.at(-1)?.options, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } });
    assert.equal(fs.existsSync(emptyDir), false, 'emptyDir removed');
    assert.deepEqual(await rt.listPodSandbox(), [], 'sandbox removed');
    assert.ok(fs.existsSync(hostDir), 'hostPath kept');
  } finally {
    await agent.stop();
  }
});

test('termination order: app containers first, then sidecars in reverse order', async () => {
  const { cs, rt, agent } = fakeNodeAgent();
  await agent.start();
  try {
    await cs.pods.create(
      podSpec('side', {
        initContainers: [
          { name: 's1', image: 'localhost/busybox:1.35', command: ['sleep', '3600'], restartPolicy: 'Always' },
          { name: 's2', image: 'localhost/busybox:1.35', command: ['sleep', '3600'], restartPolicy: 'Always' },
        ],
        containers: [
          { name: 'a1', image: 'localhost/busybox:1.35', command: ['sleep', '3600'] },
          { name: 'a2', image: 'localhost/busybox:1.35', command: ['sleep', '3600'] },
        ],
      }),
    );
    await until('Running', async () => ((await getPod(cs, 'side')).status?.containerStatuses?.every((c) => c.ready) ? true : undefined));
    const created = rt.calls.filter((c) => c.method === 'createContainer').map((c) => (c.args[1] as { metadata: { name: string } }).metadata.name);
    assert.deepEqual(created, ['s1', 's2', 'a1', 'a2'], 'sidecars start in order before the app containers');
    const names = new Map<string, string>();
    for (const c of await rt.listContainers()) names.set(c.id, c.metadata.name);
    rt.resetCalls();
    await cs.pods.delete('default', 'side', { gracePeriodSeconds: 3 });
    await until('deleted', async () => {
      try {
        await getPod(cs, 'side');
        return undefined;
      } catch {
        return true;
      }
    });
    const stops = rt.calls.filter((c) => c.method === 'stopContainer').map((c) => `${names.get(c.args[0] as string)}:${c.args[1] as number}`);
    assert.deepEqual(stops.slice(0, 2).sort(), ['a1:3', 'a2:3']);
    assert.deepEqual(stops.slice(2).map((s) => s.split(':')[0]), ['s2', 's1'], 'sidecars stop after the apps, in reverse order');
    const after = rt.calls.map((c) => c.method);
    assert.ok(after.indexOf('stopPodSandbox') > after.lastIndexOf('stopContainer'));
    assert.ok(after.indexOf('removePodSandbox') > after.indexOf('stopPodSandbox'));
  } finally {
    await agent.stop();
  }
});

test('status echoes do not sync the pod again; initialization steps (init exit, sidecar running) follow each other without the PLEG', async () => {
  // A relist period far beyond the test: every step must come from the agent's own syncs.
  const { cs, rt, agent } = fakeNodeAgent({ relistPeriodMs: 600_000 });
  await agent.start();
  try {
    await cs.pods.create(
      podSpec('steps', {
        initContainers: [
          { name: 'i1', image: 'localhost/busybox:1.35', command: ['sh', '-c', 'sleep 0.3; exit 0'] },
          { name: 's1', image: 'localhost/busybox:1.35', command: ['sleep', '3600'], restartPolicy: 'Always' },
          { name: 's2', image: 'localhost/busybox:1.35', command: ['sleep', '3600'], restartPolicy: 'Always' },
        ],
        containers: [{ name: 'app', image: 'localhost/busybox:1.35', command: ['sleep', '3600'] }],
      }),
    );
    const p = await until('Running and Ready', async () => {
      const x = await getPod(cs, 'steps');
      return x.status?.phase === 'Running' && x.status.conditions?.find((c) => c.type === 'Ready')?.status === 'True' ? x : undefined;
    }, 5000);
    await agent.podWorkers.whenIdle();
    await new Promise((r) => setTimeout(r, 100));
    const reads = () => rt.calls.filter((c) => c.method === 'listContainers').length;
    rt.resetCalls();
    // The informer delivering the agent's own status again (a later resourceVersion) is no reason to sync.
    agent.handlePodUpdate({ ...p, metadata: { ...p.metadata, resourceVersion: String(Number(p.metadata.resourceVersion) + 1) } });
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(reads(), 0, 'a status echo read the runtime');
    // A change of the pod itself still is.
    let messageReads = 0;
    const read = agent.volumes.readTerminationMessage.bind(agent.volumes);
    agent.volumes.readTerminationMessage = (hostPath: string) => {
      messageReads++;
      return read(hostPath);
    };
    agent.handlePodUpdate({ ...p, metadata: { ...p.metadata, labels: { changed: 'yes' } } });
    await until('a sync', () => (reads() > 0 ? true : undefined), 2000);
    await agent.podWorkers.whenIdle();
    // The completed init container's termination message was read when it exited, not on every sync since.
    assert.equal(messageReads, 0, 'a sync read the termination message of a container that exited before');
  } finally {
    await agent.stop();
  }
});

test('a restarted agent adopts running pods: no new sandbox, no restarted container, no status write', async () => {
  const first = fakeNodeAgent();
  await first.agent.start();
  await first.cs.pods.create(podSpec('keep', { containers: [{ name: 'c', image: 'localhost/busybox:1.35', command: ['sleep', '3600'] }] }));
  const before = await until('Running', async () => {
    const p = await getPod(first.cs, 'keep');
    return p.status?.phase === 'Running' && p.status.conditions?.find((c) => c.type === 'Ready')?.status === 'True' ? p : undefined;
  });
  await first.agent.stop();
  first.rt.resetCalls();
  first.cs.clearActions();
  const second = fakeNodeAgent({}, { cs: first.cs, rt: first.rt, rootDir: first.rootDir });
  await second.agent.start();
  try {
    // Let it relist, sync and run housekeeping a few times.
    await until('synced', () => (second.agent.podWorkers.phaseOf(before.metadata.uid ?? '') === 'sync' ? true : undefined));
    await new Promise((r) => setTimeout(r, 500));
    const methods = first.rt.calls.map((c) => c.method);
    for (const m of ['runPodSandbox', 'createContainer', 'startContainer', 'stopContainer', 'stopPodSandbox'] as const) {
      assert.equal(methods.includes(m), false, `no ${m} after restart (calls: ${[...new Set(methods)].join(',')})`);
    }
    const p = await getPod(first.cs, 'keep');
    assert.equal(p.status?.containerStatuses?.[0]?.containerID, before.status?.containerStatuses?.[0]?.containerID);
    assert.equal(p.status?.containerStatuses?.[0]?.restartCount, 0);
    const statusWrites = first.cs.actions().filter((a) => a.resource === 'pods' && a.subresource === 'status');
    assert.equal(statusWrites.length, 0, 'the status did not change, so it was not written');
  } finally {
    await second.agent.stop();
  }
});

test('crash loop: restarts with back-off, restartCount, lastState and CrashLoopBackOff', async () => {
  const { cs, agent } = fakeNodeAgent();
  await agent.start();
  try {
    await cs.pods.create(podSpec('crash', { containers: [{ name: 'c', image: 'localhost/busybox:1.35', command: ['sh', '-c', 'exit 2'] }] }));
    const p = await until('restarted twice', async () => {
      const x = await getPod(cs, 'crash');
      return (x.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 2 ? x : undefined;
    });
    const st = p.status?.containerStatuses?.[0];
    assert.equal(st?.lastState?.terminated?.exitCode, 2);
    assert.equal(st?.lastState?.terminated?.reason, 'Error');
    assert.equal(p.status?.phase, 'Running');
    await until('CrashLoopBackOff shown', async () => ((await getPod(cs, 'crash')).status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CrashLoopBackOff' ? true : undefined));
  } finally {
    await agent.stop();
  }
});

test('init containers: one at a time; a failing one with restartPolicy Never fails the pod', async () => {
  const { cs, rt, agent } = fakeNodeAgent();
  await agent.start();
  try {
    await cs.pods.create(
      podSpec('init-ok', {
        initContainers: [
          { name: 'i1', image: 'localhost/busybox:1.35', command: ['sh', '-c', 'exit 0'] },
          { name: 'i2', image: 'localhost/busybox:1.35', command: ['sh', '-c', 'exit 0'] },
        ],
        containers: [{ name: 'app', image: 'localhost/busybox:1.35', command: ['sleep', '3600'] }],
      }),
    );
    await until('Running', async () => ((await getPod(cs, 'init-ok')).status?.phase === 'Running' ? true : undefined));
    const order = rt.calls.filter((c) => c.method === 'createContainer').map((c) => (c.args[1] as { metadata: { name: string } }).metadata.name);
    assert.deepEqual(order, ['i1', 'i2', 'app']);
    const ok = await getPod(cs, 'init-ok');
    assert.deepEqual(ok.status?.initContainerStatuses?.map((s) => s.state?.terminated?.reason), ['Completed', 'Completed']);
    assert.equal(ok.status?.conditions?.find((c) => c.type === 'Initialized')?.status, 'True');

    await cs.pods.create(
      podSpec('init-bad', {
        restartPolicy: 'Never',
        initContainers: [{ name: 'i1', image: 'localhost/busybox:1.35', command: ['sh', '-c', 'exit 7'] }],
        containers: [{ name: 'app', image: 'localhost/busybox:1.35', command: ['sleep', '3600'] }],
      }),
    );
    const bad = await until('Failed', async () => {
      const x = await getPod(cs, 'init-bad');
      return x.status?.phase === 'Failed' ? x : undefined;
    });
    assert.equal(bad.status?.initContainerStatuses?.[0]?.state?.terminated?.exitCode, 7);
    assert.equal(bad.status?.containerStatuses?.[0]?.state?.waiting?.reason, 'PodInitializing');
    assert.equal(bad.status?.conditions?.find((c) => c.type === 'Initialized')?.reason, 'ContainersNotInitialized');
  } finally {
    await agent.stop();
  }
});

test('images: Never with a missing image waits with ErrImageNeverPull; failed pulls back off', async () => {
  const { cs, agent } = fakeNodeAgent({ imagePullBackoffMs: 100 });
  await agent.start();
  try {
    await cs.pods.create(podSpec('never', { containers: [{ name: 'c', image: 'localhost/nope:1', imagePullPolicy: 'Never' }] }));
    await until('ErrImageNeverPull', async () => ((await getPod(cs, 'never')).status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ErrImageNeverPull' ? true : undefined));
    await cs.pods.create(podSpec('pull', { containers: [{ name: 'c', image: 'localhost/nope:2', imagePullPolicy: 'IfNotPresent' }] }));
    const seen = new Set<string>();
    await until('ErrImagePull then ImagePullBackOff', async () => {
      const r = (await getPod(cs, 'pull')).status?.containerStatuses?.[0]?.state?.waiting?.reason;
      if (r) seen.add(r);
      return seen.has('ErrImagePull') && seen.has('ImagePullBackOff') ? true : undefined;
    });
    const events = (await cs.events.list('default')).items.map((e) => `${(e as { reason?: string }).reason}`);
    assert.ok(events.includes('Failed') && events.includes('ErrImageNeverPull'), `events: ${events.join(',')}`);
  } finally {
    await agent.stop();
  }
});

test('admission rejects a pod whose hostPort is taken', async () => {
  const { cs, agent } = fakeNodeAgent();
  await agent.start();
  try {
    const port = [{ containerPort: 80, hostPort: 8080 }];
    await cs.pods.create(podSpec('a', { containers: [{ name: 'c', image: 'localhost/busybox:1.35', command: ['sleep', '3600'], ports: port }] }));
    await until('a Running', async () => ((await getPod(cs, 'a')).status?.phase === 'Running' ? true : undefined));
    await cs.pods.create(podSpec('b', { containers: [{ name: 'c', image: 'localhost/busybox:1.35', command: ['sleep', '3600'], ports: port }] }));
    const b = await until('b Failed', async () => {
      const x = await getPod(cs, 'b');
      return x.status?.phase === 'Failed' ? x : undefined;
    });
    assert.equal(b.status?.reason, 'NodePorts');
  } finally {
    await agent.stop();
  }
});
