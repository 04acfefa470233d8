import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PodAnatomy } from '../../shared/api/pod-anatomy.ts';
import { barSegments, renderAnatomy, startOrder } from './render-anatomy.ts';
import { fitLine, renderLine, s, visibleLength } from './text-line.ts';
import { anatomyDemo } from './testdata/anatomy-demo.ts';
import { formatBytes, formatDuration, parseTimeMs, relativeTime } from './anatomy-format.ts';

const demoAnatomy = anatomyDemo;

const EXPECTED_80 = [
  'Pod default/anatomy-demo  node n1  Running  Burstable',
  'IPs 10.244.1.5  uid 7c0e4d1a-2b3f-4c5d-8e9f-0a1b2c3d4e5f',
  '',
  'pause  pid 4101  sandbox 3f2a9c1b7d4e  ready',
  '│ holds   net:4026532281  ipc:4026532279  uts:4026532278  pid:4026532280',
  '│         mnt:4026532277',
  '│ node\'s  cgroup  user  time',
  '├─ 1. setup  init  exited 0 (Completed)  +0.150s→+0.412s',
  '│    mounts  /shared ← shared  rw',
  '│            termination-log',
  '├─ 2. log-shipper  sidecar  running  pid 4180  ready  +0.530s',
  '│    joins   net  ipc  uts',
  '│    own     pid:4026532301  mnt:4026532300',
  '│    node\'s  cgroup  user  time',
  '│    procs     4180 /bin/sh -c tail -F /shared/app.log',
  '│              4195 tail -F /shared/app.log',
  '│    mounts  /shared ← shared  ro',
  '│            etc-hosts  resolv-conf',
  '├─ 3. app  app  running  pid 4230  ready  +0.700s',
  '│    joins   net  ipc  uts',
  '│    own     pid:4026532311  mnt:4026532310',
  '│    node\'s  cgroup  user  time',
  '│    procs     4230 /bin/sh -c while true; do date >> /shared/app.log; sleep 5;…',
  '│              4242 httpd -f -p 8080',
  '│    mounts  /shared ← shared  rw',
  '└─ 4. web  app  waiting (CrashLoopBackOff)  restarts 3',
  '     mounts  /data ← shared/web  ro',
  '',
  'VOLUMES',
  '  shared  emptyDir  /var/lib/kubelab/pods/7c0e4d1a-2b3f-4c5d-8e9f-0a1b2c3d4e5f/…',
  '    ├─ setup        /shared  rw',
  '    ├─ log-shipper  /shared  ro',
  '    ├─ app          /shared  rw',
  '    └─ web          /data (subPath web)  ro',
  '',
  'NETWORK  net:4026532281',
  '  lo    127.0.0.1/8  ::1/128  up  mtu 65536',
  '  eth0  10.244.1.5/24  fe80::a8c3:2dff:fe11:2233/64  up  mtu 1500',
  '        aa:c3:2d:11:22:33',
  '  listening',
  '    tcp   0.0.0.0:8080  app  pid 4242',
  '    udp6  [::]:5353',
  '',
  'TIMELINE',
  '   +0.000s  SandboxCreated',
  '   +0.100s  SandboxReady',
  '   +0.150s  ContainerStarted    setup (init)',
  '   +0.412s  ContainerExited     setup (init)  exit 0',
  '   +0.530s  ContainerStarted    log-shipper (sidecar)',
  '   +0.700s  ContainerStarted    app (app)',
  '   +0.710s  ContainerStarted    web (app)',
  '   +0.900s  ContainerExited     web (app)  exit 1',
  '   +2.000s  ProbeChanged        app (app)  readiness success',
  '  +1m05.3s  ContainerRestarted  web (app)  back-off 40s',
  '',
  'RESOURCES  cpu (millicores) and memory (working set) against limits',
  '  pod          cpu 47m / 1000m [█░░░░░░░░░░░]  mem 11Mi / 256Mi [█░░░░░░░░░░░]',
  '  log-shipper  cpu 2m / 100m   [█░░░░░░░░░░░]  mem 1.1Mi / 64Mi [█░░░░░░░░░░░]',
  '  app          cpu 45m / 500m  [█░░░░░░░░░░░]  mem 10Mi / 128Mi [█░░░░░░░░░░░]',
  '',
  'WARNINGS',
  '  container web: not running, no processes to read',
];

test('the demo pod draws line by line at 80 columns without colour', () => {
  assert.deepEqual(renderAnatomy(demoAnatomy(), { width: 80, color: false }), EXPECTED_80);
});

test('colour wraps the same characters in SGR sequences, and only when asked', () => {
  const plain = renderAnatomy(demoAnatomy(), { width: 80, color: false });
  const colored = renderAnatomy(demoAnatomy(), { width: 80, color: true });
  assert.equal(colored.length, plain.length);
  // eslint-disable-next-line no-control-regex
  assert.deepEqual(colored.map((l) => l.replace(/\x1b\[[0-9;]*m/g, '')), plain);
  assert.ok(plain.every((l) => !l.includes('\x1b')));
  assert.equal(colored[3], '\x1b[1mpause\x1b[0m  pid \x1b[1m4101\x1b[0m  sandbox \x1b[2m3f2a9c1b7d4e\x1b[0m  \x1b[32mready\x1b[0m');
  assert.equal(colored[10], '├─ 2. \x1b[1mlog-shipper\x1b[0m  \x1b[35msidecar\x1b[0m  \x1b[32mrunning\x1b[0m  pid \x1b[1m4180\x1b[0m\x1b[32m  ready\x1b[0m\x1b[2m  +0.530s\x1b[0m');
  assert.equal(colored[25], '└─ 4. \x1b[1mweb\x1b[0m  \x1b[36mapp\x1b[0m  \x1b[33mwaiting\x1b[0m\x1b[33m (CrashLoopBackOff)\x1b[0m\x1b[33m  restarts 3\x1b[0m');
  assert.match(colored[51] ?? '', /\x1b\[31mContainerExited {3}\x1b\[0m  \x1b\[1mweb\x1b\[0m \(app\)  exit \x1b\[31m1\x1b\[0m$/);
});

test('no line is wider than the terminal at 60, 80 and 120 columns, with or without colour', () => {
  const long = demoAnatomy();
  const app = long.containers[2];
  assert.ok(app?.processes);
  app.processes.push({ pid: 4299, command: 'x'.repeat(300) });
  long.warnings = ['w'.repeat(500)];
  long.podIPs = Array.from({ length: 20 }, (_, i) => `10.244.1.${i}`);
  for (const width of [60, 80, 120]) {
    for (const color of [false, true]) {
      const lines = renderAnatomy(long, { width, color });
      for (const line of lines) {
        // eslint-disable-next-line no-control-regex
        const visible = line.replace(/\x1b\[[0-9;]*m/g, '');
        assert.ok(visibleLength(visible) <= width, `width ${width}: ${JSON.stringify(visible)} is ${visibleLength(visible)} wide`);
      }
      const cut = lines.find((l) => l.includes('4299'));
      assert.ok(cut?.endsWith('…'), `the long command is cut with an ellipsis at ${width}`);
    }
  }
  // The namespaces the sandbox holds wrap onto a second line instead of being cut.
  const at120 = renderAnatomy(demoAnatomy(), { width: 120, color: false });
  assert.equal(at120[4], '│ holds   net:4026532281  ipc:4026532279  uts:4026532278  pid:4026532280  mnt:4026532277');
  const at60 = renderAnatomy(demoAnatomy(), { width: 60, color: false });
  assert.deepEqual(at60.slice(4, 7), ['│ holds   net:4026532281  ipc:4026532279  uts:4026532278', '│         pid:4026532280  mnt:4026532277', '│ node\'s  cgroup  user  time']);
});

test('containers are drawn in the order they started; those never started keep spec order after them', () => {
  const a = demoAnatomy();
  const [setup, sidecar, app, web] = a.containers;
  assert.ok(setup && sidecar && app && web);
  app.startedAt = '2026-12-08T10:00:00.100000001Z';
  setup.startedAt = '2026-12-08T10:00:00.100000002Z';
  assert.deepEqual(startOrder([setup, sidecar, web, app]).map((c) => c.name), ['app', 'setup', 'log-shipper', 'web']);
  const lines = renderAnatomy(a, { width: 100, color: false });
  assert.deepEqual(lines.filter((l) => /^[├└]─ \d\./.test(l)).map((l) => l.split('  ')[0]), ['├─ 1. app', '├─ 2. setup', '├─ 3. log-shipper', '└─ 4. web']);
});

test('an ephemeral container shows its target and the pid namespace it shares; host namespaces are the node\'s', () => {
  const a = demoAnatomy();
  a.sandbox.hostNetwork = true;
  a.containers.push({
    name: 'debugger-x7k2p', type: 'ephemeral', image: 'localhost/busybox:1.35', state: 'running', restartCount: 0,
    startedAt: '2026-12-08T10:02:00.000000000Z', pid: 5100, targetContainerName: 'app',
    namespaces: {
      net: { inode: 4026532281, shared: 'sandbox' }, ipc: { inode: 4026532279, shared: 'sandbox' }, uts: { inode: 4026532278, shared: 'sandbox' },
      pid: { inode: 4026532311, shared: 'container', container: 'app' }, mnt: { inode: 4026532400, shared: 'own' },
    },
    processes: [{ pid: 5100, command: 'ps' }], mounts: [],
  });
  const lines = renderAnatomy(a, { width: 80, color: false });
  const at = lines.findIndex((l) => l.includes('debugger-x7k2p'));
  assert.deepEqual(lines.slice(at, at + 6), [
    '├─ 4. debugger-x7k2p  ephemeral  running  pid 5100  +2m00.0s',
    '│    target  app',
    '│    joins   net  ipc  uts',
    '│    own     mnt:4026532400',
    '│    shares  pid of app:4026532311',
    '│    procs     5100 ps',
  ]);
  assert.equal(lines[3], 'pause  pid 4101  sandbox 3f2a9c1b7d4e  ready  hostNetwork');
  assert.ok(lines.includes('└─ 5. web  app  waiting (CrashLoopBackOff)  restarts 3'), 'web, never started, stays last');
});

test('an anatomy with nothing measured yet still draws every section', () => {
  const a: PodAnatomy = {
    apiVersion: 'anatomy.kubelab.io/v1alpha1', kind: 'PodAnatomy',
    metadata: { namespace: 'ns', name: 'p', uid: 'u', node: 'n2', collectedAt: '2026-12-08T10:00:00Z' },
    podIPs: [],
    sandbox: { id: 'abc', state: 'notready', hostNetwork: false, hostPID: false, hostIPC: false, shareProcessNamespace: false },
    containers: [],
    network: { interfaces: [], listening: [] },
    volumes: [],
    timeline: [],
  };
  assert.deepEqual(renderAnatomy(a, { width: 80, color: false }), [
    'Pod ns/p  node n2',
    'IPs none  uid u',
    '',
    'pause  sandbox abc  notready',
    '',
    'VOLUMES',
    '  none',
    '',
    'NETWORK',
    '  listening  none',
    '',
    'TIMELINE',
    '  none recorded',
    '',
    'RESOURCES  cpu (millicores) and memory (working set) against limits',
    '  not measured',
  ]);
});

test('bars: filled in proportion, at least one cell for any use, full and red over the limit, empty brackets without one', () => {
  const text = (fill: number | undefined) => renderLine(barSegments(fill, 10), false);
  assert.equal(text(0), '[░░░░░░░░░░]');
  assert.equal(text(0.001), '[█░░░░░░░░░]');
  assert.equal(text(0.5), '[█████░░░░░]');
  assert.equal(text(2), '[██████████]');
  assert.equal(text(undefined), '[          ]');
  assert.equal(renderLine(barSegments(0.95, 4), true), '[\x1b[31m████\x1b[0m]');
});

test('fitLine cuts on visible characters and keeps the cut segment\'s style on the ellipsis', () => {
  assert.deepEqual(fitLine([s('abc'), s('defgh', 'red')], 6), [s('abc'), s('de', 'red'), s('…', 'red')]);
  assert.deepEqual(fitLine([s('abc  ')], 3), [s('abc')]);
  assert.deepEqual(fitLine([s('├─ ab')], 4), [s('├─ '), s('…')]);
});

test('formatters: binary sizes, durations, nanosecond times relative to the sandbox', () => {
  assert.equal(formatBytes(512), '512');
  assert.equal(formatBytes(1153434), '1.1Mi');
  assert.equal(formatBytes(268435456), '256Mi');
  assert.equal(formatBytes(1.5 * 1024 ** 3), '1.5Gi');
  assert.equal(formatDuration(65250), '1m05.3s');
  assert.equal(formatDuration(7_260_000), '2h01m');
  const base = parseTimeMs('2026-12-08T10:00:00.000000000Z');
  assert.equal(relativeTime('2026-12-08T10:00:00.000400000Z', base), '+0.000s');
  assert.ok(Math.abs((parseTimeMs('2026-12-08T10:00:00.000400000Z') ?? 0) - (base ?? 0) - 0.4) < 0.001, 'sub-millisecond precision');
  assert.equal(relativeTime('2026-12-08T09:59:59.5Z', base), '-0.500s');
  assert.equal(relativeTime('not a time', base), 'not a time');
});
