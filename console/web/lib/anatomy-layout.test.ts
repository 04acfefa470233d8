import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ContainerAnatomy, PodAnatomy } from '../../../shared/api/pod-anatomy.ts';
import { anatomyLayout, formatBytes, formatOffset, parseTime } from './anatomy-layout.ts';

const sandboxNs = { net: 101, ipc: 102, uts: 103 };

function container(name: string, type: ContainerAnatomy['type'], extra: Partial<ContainerAnatomy> = {}): ContainerAnatomy {
  return {
    name,
    type,
    image: 'localhost/busybox:1.35',
    state: 'running',
    restartCount: 0,
    namespaces: {
      net: { inode: sandboxNs.net, shared: 'sandbox' },
      ipc: { inode: sandboxNs.ipc, shared: 'sandbox' },
      uts: { inode: sandboxNs.uts, shared: 'sandbox' },
      mnt: { inode: 200 + name.length, shared: 'own' },
      pid: { inode: 300 + name.length, shared: 'own' },
      user: { inode: 1, shared: 'host' },
    },
    mounts: [],
    ...extra,
  };
}

/** init "setup" then sidecar "proxy" then apps "web" and "writer" (listed in spec order: writer before web). */
function anatomy(): PodAnatomy {
  const t = (ms: number) => `2026-12-08T10:00:00.${String(ms).padStart(3, '0')}123456Z`;
  return {
    apiVersion: 'anatomy.kubelab.io/v1alpha1',
    kind: 'PodAnatomy',
    metadata: { namespace: 'default', name: 'p', uid: 'u', node: 'n1', collectedAt: t(900) },
    podIPs: ['10.244.1.5'],
    sandbox: {
      id: 'abcdef0123456789',
      state: 'ready',
      pid: 4242,
      namespaces: { net: { inode: 101, shared: 'own' }, ipc: { inode: 102, shared: 'own' }, uts: { inode: 103, shared: 'own' } },
      hostNetwork: false,
      hostPID: false,
      hostIPC: false,
      shareProcessNamespace: false,
    },
    containers: [
      container('setup', 'init', { state: 'exited', exitCode: 0, namespaces: {} }),
      container('proxy', 'sidecar'),
      container('writer', 'app', {
        cgroup: {
          path: '/kubepods/pod-u/writer',
          cpu: { limitMillicores: 500, shares: 512, usageNanoseconds: 1, usageMillicores: 125 },
          memory: { limitBytes: 128 * 1024 * 1024, usageBytes: 40 * 1024 * 1024, workingSetBytes: 32 * 1024 * 1024 },
        },
      }),
      container('web', 'app', {
        cgroup: {
          path: '/kubepods/pod-u/web',
          cpu: { limitMillicores: null, shares: 2, usageMillicores: 3, usageNanoseconds: 1 },
          memory: { limitBytes: null, usageBytes: null, workingSetBytes: null },
        },
      }),
      container('debugger', 'ephemeral', {
        targetContainerName: 'web',
        namespaces: { pid: { inode: 304, shared: 'container', container: 'web' }, net: { inode: 101, shared: 'sandbox' } },
      }),
    ],
    network: { interfaces: [], listening: [] },
    volumes: [
      {
        name: 'shared',
        type: 'emptyDir',
        hostPath: '/var/lib/kubelab/pods/u/volumes/kubernetes.io~empty-dir/shared',
        mounts: [
          { container: 'web', mountPath: '/data', readOnly: true },
          { container: 'writer', mountPath: '/data', readOnly: false },
        ],
      },
      { name: 'config', type: 'configMap', mounts: [{ container: 'proxy', mountPath: '/etc/proxy', readOnly: true }] },
    ],
    timeline: [
      { time: t(0), type: 'SandboxCreated' },
      { time: t(100), type: 'ContainerStarted', container: 'setup', containerType: 'init' },
      { time: t(150), type: 'ContainerExited', container: 'setup', containerType: 'init', exitCode: 0 },
      { time: t(200), type: 'ContainerStarted', container: 'proxy', containerType: 'sidecar' },
      { time: t(300), type: 'ContainerStarted', container: 'web', containerType: 'app' },
      { time: t(310), type: 'ContainerStarted', container: 'writer', containerType: 'app' },
    ],
  };
}

test('containers come in stages init -> sidecar -> app -> ephemeral, by start time within a stage', () => {
  const L = anatomyLayout(anatomy());
  assert.deepEqual(
    L.containers.map((c) => [c.name, c.type, c.order, c.column]),
    [
      ['setup', 'init', 1, 0],
      ['proxy', 'sidecar', 2, 1],
      ['web', 'app', 3, 2],
      ['writer', 'app', 4, 3],
      ['debugger', 'ephemeral', 5, 4],
    ],
  );
  assert.deepEqual(L.stages.map((s) => [s.type, s.containers.map((c) => c.name)]), [
    ['init', ['setup']],
    ['sidecar', ['proxy']],
    ['app', ['web', 'writer']],
    ['ephemeral', ['debugger']],
  ]);
});

test('namespaces split into joined (the sandbox\'s), own and borrowed (host, another container)', () => {
  const L = anatomyLayout(anatomy());
  const web = L.containers.find((c) => c.name === 'web');
  assert.ok(web);
  assert.deepEqual(web.joined.map((n) => [n.kind, n.inode]), [['net', 101], ['ipc', 102], ['uts', 103]]);
  assert.deepEqual(web.own.map((n) => n.kind), ['pid', 'mnt']);
  assert.deepEqual(web.borrowed.map((n) => [n.kind, n.label]), [['user', "the node's"]]);
  const dbg = L.containers.find((c) => c.name === 'debugger');
  assert.deepEqual(dbg?.borrowed.map((n) => [n.kind, n.container, n.label]), [['pid', 'web', "web's"]]);
  assert.deepEqual(L.sandbox.namespaces.map((n) => n.kind), ['net', 'ipc', 'uts']);
  assert.equal(L.sandbox.pid, 4242);
});

test('volumes connect to the columns of the containers that mount them', () => {
  const L = anatomyLayout(anatomy());
  assert.deepEqual(L.volumes.map((v) => [v.name, v.column, v.mounts.map((m) => m.container)]), [
    ['shared', 0, ['web', 'writer']],
    ['config', 1, ['proxy']],
  ]);
  // 5 containers, 2 volumes: column centres at (i + 0.5) / n.
  assert.deepEqual(
    L.connectors.map((c) => [c.volume, c.container, c.fromX, c.toX, c.readOnly]),
    [
      ['shared', 'web', 0.25, 0.5, true],
      ['shared', 'writer', 0.25, 0.7, false],
      ['config', 'proxy', 0.75, 0.3, true],
    ],
  );
});

test('resource bars: use over limit, no limit, unknown', () => {
  const L = anatomyLayout(anatomy());
  const writer = L.containers.find((c) => c.name === 'writer');
  assert.deepEqual(writer?.cpu, { used: 125, limit: 500, fraction: 0.25, text: '125m / 500m' });
  assert.deepEqual(writer?.memory, { used: 32 * 1024 * 1024, limit: 128 * 1024 * 1024, fraction: 0.25, text: '32Mi / 128Mi' });
  const web = L.containers.find((c) => c.name === 'web');
  assert.deepEqual(web?.cpu, { used: 3, limit: null, fraction: null, text: '3m (no limit)' });
  assert.equal(web?.memory?.text, '? (no limit)');
  assert.equal(L.containers.find((c) => c.name === 'setup')?.cpu, undefined);
});

test('the timeline keeps its order with offsets from the first entry (nanosecond times)', () => {
  const L = anatomyLayout(anatomy());
  assert.deepEqual(
    L.timeline.map((t) => [t.offsetMs, t.text]),
    [
      [0, 'sandbox created'],
      [100, 'setup (init) started'],
      [150, 'setup (init) exited (exit code 0)'],
      [200, 'proxy (sidecar) started'],
      [300, 'web (app) started'],
      [310, 'writer (app) started'],
    ],
  );
  assert.equal(parseTime('2026-12-08T10:00:00.123456789Z'), Date.UTC(2026, 11, 8, 10, 0, 0, 123));
  assert.equal(parseTime('2026-12-08T10:00:00Z'), Date.UTC(2026, 11, 8, 10, 0, 0, 0));
  assert.equal(parseTime('yesterday'), null);
  assert.deepEqual([formatOffset(0), formatOffset(1250), formatOffset(184_000), formatOffset(null)], ['+0ms', '+1.3s', '+3m04s', '']);
  assert.deepEqual([formatBytes(512), formatBytes(1536), formatBytes(128 * 1024 * 1024)], ['512', '1.5Ki', '128Mi']);
});

test('without a timeline, spec order decides inside a stage', () => {
  const a = anatomy();
  a.timeline = [];
  const L = anatomyLayout(a);
  assert.deepEqual(L.containers.map((c) => c.name), ['setup', 'proxy', 'writer', 'web', 'debugger']);
});
