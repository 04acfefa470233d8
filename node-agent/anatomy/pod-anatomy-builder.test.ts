/**
 * The anatomy model on a recorded pod (testdata/sidecar-pod: /proc, cgroupfs and CRI facts of the integration
 * test's pod on containerd: init, native sidecar, app listening on 8080 with limits, reader; an emptyDir shared
 * by init, app and reader), and the readers and parsers it uses.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Pod } from '../../shared/api/core-v1.ts';
import type { PodAnatomy } from '../../shared/api/pod-anatomy.ts';
import { FakeClock } from '../../shared/util/clock.ts';
import { buildPodAnatomy, type BuildPodAnatomyOptions } from './pod-anatomy-builder.ts';
import { CgroupReader } from './cgroup-reader.ts';
import { ProcFs, parseCmdline, parseNamespaceLink, parseProcCgroup } from './proc-fs.ts';
import { interfacesFromProc, parseFibTrieLocal, parseIpAddrJson, parseListeningSockets } from './proc-net.ts';
import { PodTimelineRecorder } from './pod-timeline-recorder.ts';
import type { RuntimeFacts } from './runtime-facts.ts';
import { validatePodAnatomy } from './testing/anatomy-schema.ts';

function fixtureDir(name: string): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const p = join(dir, 'node-agent', 'anatomy', 'testdata', name);
    if (existsSync(p)) return p;
    if (dirname(dir) === dir) throw new Error(`Cannot find the fixture ${name}`);
  }
}

const DIR = fixtureDir('sidecar-pod');
const facts = JSON.parse(readFileSync(join(DIR, 'facts.json'), 'utf8')) as { pod: Pod; runtime: RuntimeFacts; ipAddr: string; podCgroupPath: string };

function options(extra: Partial<BuildPodAnatomyOptions> = {}): BuildPodAnatomyOptions {
  return {
    nodeName: 'anatomy-node',
    runtimeName: 'containerd',
    now: Date.UTC(2026, 11, 8, 4, 0, 0),
    proc: new ProcFs(join(DIR, 'proc')),
    cgroups: new CgroupReader({ root: join(DIR, 'cgroup'), clock: new FakeClock() }),
    interfaces: async () => parseIpAddrJson(facts.ipAddr),
    podCgroupPath: facts.podCgroupPath,
    ...extra,
  };
}

describe('buildPodAnatomy on a recorded pod', () => {
  const build = (extra: Partial<BuildPodAnatomyOptions> = {}) => buildPodAnatomy(facts.pod, facts.runtime, options(extra));

  it('is valid against the JSON Schema and lists the containers init, sidecar, app in spec order', async () => {
    const a = await build();
    assert.deepEqual(validatePodAnatomy(a), []);
    assert.deepEqual(a.containers.map((c) => `${c.name}:${c.type}:${c.state}`), ['init:init:exited', 'sidecar:sidecar:running', 'app:app:running', 'reader:app:running']);
    assert.equal(a.containers[0]?.exitCode, 0);
    assert.equal(a.warnings, undefined, 'everything was readable');
  });

  it('classifies namespaces: net/ipc/uts the sandbox\'s, mnt own, user/time the host\'s', async () => {
    const a = await build();
    assert.equal(a.sandbox.pid, facts.runtime.sandboxes[0]?.pid);
    assert.equal(a.sandbox.namespaces?.net?.shared, 'own');
    assert.equal(a.sandbox.namespaces?.user?.shared, 'host');
    for (const c of a.containers.filter((x) => x.state === 'running')) {
      for (const k of ['net', 'ipc', 'uts'] as const) assert.deepEqual(c.namespaces?.[k], { inode: a.sandbox.namespaces?.[k]?.inode, shared: 'sandbox' }, `${c.name} ${k}`);
      assert.equal(c.namespaces?.mnt?.shared, 'own');
      assert.equal(c.namespaces?.pid?.shared, 'own', 'no shareProcessNamespace: a pid namespace each');
      assert.equal(c.namespaces?.user?.shared, 'host');
    }
    assert.deepEqual(a.network.namespace, { inode: a.sandbox.namespaces?.net?.inode, shared: 'sandbox' });
  });

  it('a container joining another container\'s pid namespace is named (an ephemeral container targeting app)', async () => {
    // Replay: a fourth process dir whose pid namespace is app's (what targetContainerName gives).
    const appPid = facts.runtime.containers.find((c) => c.name === 'app')?.pid ?? 0;
    const readerPid = facts.runtime.containers.find((c) => c.name === 'reader')?.pid ?? 0;
    const proc = new ProcFs(join(DIR, 'proc'));
    const appNs = await proc.namespaces(appPid);
    const fake = new (class extends ProcFs {
      override async namespaces(pid: number | 'self') {
        const ns = await super.namespaces(pid);
        return pid === readerPid && ns ? { ...ns, pid: appNs?.pid ?? 0 } : ns;
      }
    })(join(DIR, 'proc'));
    const pod: Pod = JSON.parse(JSON.stringify(facts.pod)) as Pod;
    const reader = pod.spec.containers.pop();
    pod.spec.ephemeralContainers = [{ ...(reader ?? { name: 'reader', image: '' }), targetContainerName: 'app' }];
    const a = await buildPodAnatomy(pod, facts.runtime, options({ proc: fake }));
    const r = a.containers.find((c) => c.name === 'reader');
    assert.equal(r?.type, 'ephemeral');
    assert.equal(r?.targetContainerName, 'app');
    assert.deepEqual(r?.namespaces?.pid, { inode: appNs?.pid, shared: 'container', container: 'app' });
  });

  it('processes, listening socket and its owner, interfaces with the pod IP', async () => {
    const a = await build();
    const app = a.containers.find((c) => c.name === 'app');
    assert.deepEqual(app?.processes?.map((p) => p.command), ['httpd -f -p 8080']);
    assert.equal(a.network.listening.length, 1, JSON.stringify(a.network.listening));
    const l = a.network.listening[0];
    assert.deepEqual({ ...l, address: '' }, { protocol: 'tcp', family: l?.family, address: '', port: 8080, pid: app?.pid, container: 'app' });
    assert.ok(['0.0.0.0', '::'].includes(l?.address ?? ''), l?.address);
    const podIP = facts.pod.status?.podIP ?? '';
    assert.deepEqual(a.podIPs, [podIP]);
    const eth0 = a.network.interfaces.find((i) => i.name === 'eth0');
    assert.ok(eth0?.addresses.includes(`${podIP}/24`), JSON.stringify(eth0));
    assert.equal(eth0?.up, true);
    assert.match(eth0?.mac ?? '', /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
  });

  it('interfaces from /proc and sysfs alone (the default, no process spawned) say what `ip -j addr` says', async () => {
    const viaIp = (await build()).network.interfaces;
    const { interfaces: _i, ...noIp } = options();
    const a = await buildPodAnatomy(facts.pod, facts.runtime, noIp);
    const norm = (l: typeof viaIp) => l.map((i) => ({ ...i, addresses: [...i.addresses].sort() })).sort((x, y) => x.name.localeCompare(y.name));
    assert.deepEqual(norm(a.network.interfaces), norm(viaIp));
    assert.ok(viaIp.find((i) => i.name === 'eth0')?.mtu, 'ip reports the MTU');
  });

  it('volumes with the emptyDir host path and each mount; container mounts with their sources', async () => {
    const a = await build();
    const v = a.volumes.find((x) => x.name === 'shared');
    assert.equal(v?.type, 'emptyDir');
    assert.match(v?.hostPath ?? '', new RegExp(`/pods/${facts.pod.metadata.uid}/volumes/kubernetes.io~empty-dir/shared$`));
    assert.deepEqual(v?.mounts.map((m) => `${m.container}:${m.mountPath}:${m.readOnly}`), ['init:/shared:false', 'app:/data:false', 'reader:/data:true']);
    const app = a.containers.find((c) => c.name === 'app');
    assert.deepEqual(app?.mounts.map((m) => `${m.source}:${m.mountPath}`).sort(), ['etc-hosts:/etc/hosts', 'resolv-conf:/etc/resolv.conf', 'termination-log:/dev/termination-log', 'volume:/data']);
  });

  it('cgroups: the limits of app (64Mi, 250m), usage, the pod cgroup; CPU rate from the second sample on', async () => {
    const clock = new FakeClock();
    const cgroups = new CgroupReader({ root: join(DIR, 'cgroup'), clock });
    const a = await build({ cgroups });
    const app = a.containers.find((c) => c.name === 'app');
    assert.equal(app?.cgroup?.memory.limitBytes, 64 * 1024 * 1024);
    assert.equal(app?.cgroup?.cpu.limitMillicores, 250);
    assert.ok((app?.cgroup?.memory.usageBytes ?? 0) > 0);
    assert.ok((app?.cgroup?.memory.workingSetBytes ?? -1) >= 0);
    assert.equal(app?.cgroup?.cpu.usageMillicores, null, 'first look');
    assert.equal(a.containers.find((c) => c.name === 'reader')?.cgroup?.memory.limitBytes, null, 'no limit');
    assert.equal(a.cgroup?.path, facts.podCgroupPath);
    clock.step(1000);
    const b = await build({ cgroups });
    assert.equal(b.containers.find((c) => c.name === 'app')?.cgroup?.cpu.usageMillicores, 0, 'recorded files do not move');
  });

  it('the timeline from CRI timestamps: sandbox, init ran and exited 0, then the sidecar, then the apps', async () => {
    const a = await build();
    const seq = a.timeline.map((e) => `${e.type}${e.container ? ` ${e.container}` : ''}`);
    const pos = (s: string) => {
      const i = seq.indexOf(s);
      assert.ok(i >= 0, `${s} in ${seq.join(', ')}`);
      return i;
    };
    assert.equal(seq[0], 'SandboxCreated');
    assert.ok(pos('ContainerStarted init') < pos('ContainerExited init'));
    assert.ok(pos('ContainerExited init') < pos('ContainerStarted sidecar'));
    assert.ok(pos('ContainerStarted sidecar') < pos('ContainerStarted app'));
    assert.ok(pos('ContainerStarted sidecar') < pos('ContainerStarted reader'));
    assert.equal(a.timeline.find((e) => e.type === 'ContainerStarted' && e.container === 'sidecar')?.containerType, 'sidecar');
  });

  it('recorded entries merge with CRI ones by runtime id (the runtime\'s time wins) and sort in', async () => {
    const rec = new PodTimelineRecorder({ clock: new FakeClock(Date.UTC(2030, 0, 1)) });
    const uid = facts.pod.metadata.uid ?? '';
    const app = facts.runtime.containers.find((c) => c.name === 'app');
    rec.record(uid, { type: 'ContainerStarted', container: 'app' }, app?.id);
    rec.record(uid, { type: 'ProbeChanged', container: 'app', probe: 'readiness', result: 'success' });
    const a = await build({ timeline: (extra) => rec.entries(uid, extra) });
    const started = a.timeline.filter((e) => e.type === 'ContainerStarted' && e.container === 'app');
    assert.equal(started.length, 1);
    assert.ok(!started[0]?.time.startsWith('2030'), 'the CRI timestamp replaced the agent clock');
    assert.equal(a.timeline.at(-1)?.type, 'ProbeChanged');
  });

  it('a simulated node (no /proc): what CRI knows, a warning, still valid', async () => {
    const { proc: _p, cgroups: _c, interfaces: _i, ...rest } = options();
    const a: PodAnatomy = await buildPodAnatomy(facts.pod, facts.runtime, rest);
    assert.deepEqual(validatePodAnatomy(a), []);
    assert.equal(a.containers.find((c) => c.name === 'app')?.namespaces, undefined);
    assert.deepEqual(a.network.interfaces, []);
    assert.match(a.warnings?.[0] ?? '', /simulated node/);
  });
});

describe('proc and cgroup readers', () => {
  it('parses namespace links, cgroup lines and command lines', () => {
    assert.equal(parseNamespaceLink('net:[4026532281]'), 4026532281);
    assert.equal(parseNamespaceLink('pid_for_children:[4026531836]'), 4026531836);
    assert.equal(parseNamespaceLink('garbage'), undefined);
    assert.deepEqual(parseProcCgroup('4:memory:/kubepods/pod1/abc\n1:cpu,cpuacct:/x\n0::/\n'), [
      { hierarchyId: 4, controllers: ['memory'], path: '/kubepods/pod1/abc' },
      { hierarchyId: 1, controllers: ['cpu', 'cpuacct'], path: '/x' },
      { hierarchyId: 0, controllers: [], path: '/' },
    ]);
    assert.equal(parseCmdline(Buffer.from('sleep\x003600\x00')), 'sleep 3600');
  });

  it('parses listening TCP/UDP sockets in both families, skipping connected ones', () => {
    const tcp = [
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4242 1 0 100 0 0 10 0',
      '   1: 0100007F:1F90 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 4243 1 0 100 0 0 10 0',
    ].join('\n');
    assert.deepEqual(parseListeningSockets(tcp, 'tcp', 4), [{ protocol: 'tcp', family: 4, address: '0.0.0.0', port: 8080, inode: 4242 }]);
    const tcp6 = [
      '  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 00000000000000000000000001000000:0035 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 77 1 0 100 0 0 10 0',
    ].join('\n');
    assert.deepEqual(parseListeningSockets(tcp6, 'tcp', 6), [{ protocol: 'tcp', family: 6, address: '::1', port: 53, inode: 77 }]);
    const udp = [
      '   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops',
      '  100: 0A00F40A:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 91 2 0 0',
    ].join('\n');
    assert.deepEqual(parseListeningSockets(udp, 'udp', 4), [{ protocol: 'udp', family: 4, address: '10.244.0.10', port: 53, inode: 91 }]);
  });

  it('fib_trie local addresses map to interfaces through the connected routes', () => {
    const fib = ['Main:', '  +-- 0.0.0.0/0 3 0 5', '     |-- 10.88.0.7', '        /32 host LOCAL', '     |-- 127.0.0.1', '        /32 host LOCAL', 'Local:', '     |-- 10.88.0.7', '        /32 host LOCAL'].join('\n');
    assert.deepEqual(parseFibTrieLocal(fib), ['10.88.0.7', '127.0.0.1']);
    const route = ['Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT', 'eth0\t00000000\t0100580A\t0003\t0\t0\t0\t00000000\t0\t0\t0', 'eth0\t0000580A\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0'].join('\n');
    const dev = 'Inter-|   Receive\n face |bytes\n    lo: 1 2 3\n  eth0: 4 5 6\n';
    assert.deepEqual(interfacesFromProc({ dev, fibTrie: fib, route }), [
      { name: 'lo', addresses: ['127.0.0.1/8'], up: true },
      { name: 'eth0', addresses: ['10.88.0.7/16'], up: true },
    ]);
  });

  it('reads cgroup v2 files and turns cpu.weight back into shares; rates from successive samples', async () => {
    const root = mkdtempSync(join(tmpdir(), 'anatomy-cg2-'));
    try {
      writeFileSync(join(root, 'cgroup.controllers'), 'cpu memory pids\n');
      const d = join(root, 'kubepods', 'podx');
      mkdirSync(d, { recursive: true });
      writeFileSync(join(d, 'cpu.max'), '50000 100000\n');
      writeFileSync(join(d, 'cpu.weight'), '10\n');
      writeFileSync(join(d, 'cpu.stat'), 'usage_usec 1000000\nuser_usec 1\n');
      writeFileSync(join(d, 'memory.max'), 'max\n');
      writeFileSync(join(d, 'memory.current'), '5000\n');
      writeFileSync(join(d, 'memory.stat'), 'anon 1\ninactive_file 1000\n');
      writeFileSync(join(d, 'cgroup.procs'), '12\n7\n');
      const clock = new FakeClock();
      const r = new CgroupReader({ root, clock });
      assert.equal(r.unified, true);
      const a = await r.read('/kubepods/podx');
      assert.deepEqual(a, { path: '/kubepods/podx', cpu: { limitMillicores: 500, shares: 238, usageNanoseconds: 1e9, usageMillicores: null }, memory: { limitBytes: null, usageBytes: 5000, workingSetBytes: 4000 } });
      assert.deepEqual(await r.procs('/kubepods/podx'), [7, 12]);
      clock.step(2000);
      writeFileSync(join(d, 'cpu.stat'), 'usage_usec 1500000\n');
      assert.equal((await r.read('/kubepods/podx')).cpu.usageMillicores, 250, '0.5 s of CPU in 2 s');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('CgroupReader firstSampleMs', () => {
  it('measures the CPU rate of a cgroup seen for the first time over a short wait instead of reporting null', async () => {
    const root = mkdtempSync(join(tmpdir(), 'anatomy-cg2-first-'));
    try {
      writeFileSync(join(root, 'cgroup.controllers'), 'cpu memory pids\n');
      const d = join(root, 'kubepods', 'podx');
      mkdirSync(d, { recursive: true });
      writeFileSync(join(d, 'cpu.max'), 'max 100000\n');
      writeFileSync(join(d, 'cpu.stat'), 'usage_usec 1000000\n');
      writeFileSync(join(d, 'memory.current'), '5000\n');
      const clock = new FakeClock();
      const r = new CgroupReader({ root, clock, firstSampleMs: 100 });
      const pending = r.read('/kubepods/podx');
      let done = false;
      void pending.then(() => (done = true));
      await new Promise((res) => setImmediate(res));
      assert.equal(done, false, 'waits for the second sample');
      writeFileSync(join(d, 'cpu.stat'), 'usage_usec 1050000\n');
      clock.step(100);
      const a = await pending;
      assert.equal(a.cpu.usageMillicores, 500, '50 ms of CPU in 100 ms');
      assert.equal(a.cpu.limitMillicores, null);
      clock.step(1000);
      writeFileSync(join(d, 'cpu.stat'), 'usage_usec 1150000\n');
      assert.equal((await r.read('/kubepods/podx')).cpu.usageMillicores, 100, 'later looks use the previous sample, without waiting');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('PodTimelineRecorder', () => {
  it('keeps at most maxEntriesPerPod, the newest, and forgets a pod', () => {
    const clock = new FakeClock();
    const rec = new PodTimelineRecorder({ clock, maxEntriesPerPod: 3 });
    for (let i = 0; i < 5; i++) {
      clock.step(1);
      rec.record('u1', { type: 'ContainerKilled', container: `c${i}` });
    }
    assert.deepEqual(rec.entries('u1').map((e) => e.container), ['c2', 'c3', 'c4']);
    assert.match(rec.entries('u1')[0]?.time ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
    rec.forget('u1');
    assert.deepEqual(rec.entries('u1'), []);
    assert.deepEqual(rec.uids(), []);
  });

  it('observe() adds each runtime fact once, and an exit when the container exits', () => {
    const rec = new PodTimelineRecorder({ clock: new FakeClock() });
    const status = {
      uid: 'u', name: 'p', namespace: 'default', ips: [], timestamp: 0,
      sandboxes: [{ id: 's1', ready: true, attempt: 0, createdAt: 1000, ip: '', networkMode: 'POD' as const }],
      containers: [{ id: 'c1', name: 'app', podSandboxId: 's1', state: 'running' as const, createdAt: 2000, startedAt: 3000, finishedAt: 0, exitCode: 0, reason: '', message: '', image: '', imageRef: '', hash: '', restartCount: 0, attempt: 0 }],
    };
    rec.observe(status);
    rec.observe(status);
    assert.deepEqual(rec.entries('u').map((e) => e.type), ['SandboxCreated', 'ContainerCreated', 'ContainerStarted']);
    const c = status.containers[0];
    if (c) Object.assign(c, { state: 'exited', finishedAt: 4000, exitCode: 137, reason: 'Error' });
    rec.observe(status);
    assert.deepEqual(rec.entries('u').at(-1), { time: '1970-01-01T00:00:04.000000000Z', type: 'ContainerExited', container: 'app', exitCode: 137, message: 'Error' });
  });

  it('an instance that exits within its start call (containerd stamps the start after it) is still shown created, started, exited', () => {
    const rec = new PodTimelineRecorder({ clock: new FakeClock() });
    rec.observe({
      uid: 'u', name: 'p', namespace: 'default', ips: [], timestamp: 0,
      sandboxes: [{ id: 's1', ready: true, attempt: 0, createdAt: 1000, ip: '', networkMode: 'POD' as const }],
      containers: [
        { id: 'c1', name: 'setup', podSandboxId: 's1', state: 'exited' as const, createdAt: 2000, startedAt: 2007, finishedAt: 2005, exitCode: 0, reason: 'Completed', message: '', image: '', imageRef: '', hash: '', restartCount: 0, attempt: 0 },
        { id: 'c2', name: 'app', podSandboxId: 's1', state: 'running' as const, createdAt: 2006, startedAt: 2010, finishedAt: 0, exitCode: 0, reason: '', message: '', image: '', imageRef: '', hash: '', restartCount: 0, attempt: 0 },
      ],
    });
    assert.deepEqual(rec.entries('u').map((e) => `${e.type} ${e.container ?? ''} ${e.time.slice(17, 23)}`), [
      'SandboxCreated  01.000',
      'ContainerCreated setup 02.000',
      'ContainerCreated app 02.006',
      'ContainerStarted setup 02.007',
      'ContainerExited setup 02.007',
      'ContainerStarted app 02.010',
    ]);
  });
});
