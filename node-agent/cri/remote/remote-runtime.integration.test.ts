/**
 * RemoteRuntime against a real containerd (integration tier, root): the shared CRI conformance suite, plus
 * what only a real runtime can show: OOMKilled under a memory limit, the SIGKILL after the StopContainer
 * grace period for a PID 1 that ignores SIGTERM, a hostPort through the portmap plugin, a host directory
 * shared by two containers (emptyDir-style), live resource updates, and the latency of the pod lifecycle.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { BUSYBOX_IMAGE, startContainerd, type ContainerdInstance } from '../../../test/integration/framework/containerd.ts';
import type { ContainerConfig, PodSandboxConfig, PortMapping } from '../services.ts';
import { runCriConformance, waitForState } from '../testing/cri-tests.ts';
import { CriError } from '../services.ts';
import { RemoteRuntime } from './remote-runtime.ts';

const cd: ContainerdInstance = await startContainerd({ name: 'cri-remote' });
after(async () => {
  await cd.stop();
});

runCriConformance({
  name: 'containerd via RemoteRuntime',
  newRuntime: () => new RemoteRuntime({ endpoint: cd.endpoint }),
  images: { busybox: BUSYBOX_IMAGE },
  workDir: cd.rootDir,
  cgroupParent: cd.cgroupParent,
});

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

function httpGet(host: string, port: number, timeoutMs = 3000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host, port, path: '/', timeout: timeoutMs, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET http://${host}:${port}/ timed out`)));
    req.on('error', reject);
  });
}

async function eventually<T>(fn: () => Promise<T>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** First non-loopback IPv4 address of the host that is not on one of our bridges (the "node address"). */
function hostAddress(): string | undefined {
  for (const [name, addrs] of Object.entries(os.networkInterfaces())) {
    if (name === 'lo' || name.startsWith('kl') || name.startsWith('veth') || name.startsWith('cni')) continue;
    const a = addrs?.find((x) => x.family === 'IPv4' && !x.internal);
    if (a) return a.address;
  }
  return undefined;
}

describe('containerd specifics via RemoteRuntime', () => {
  let rt: RemoteRuntime;
  const sandboxes: string[] = [];

  before(() => {
    rt = new RemoteRuntime({ endpoint: cd.endpoint });
  });

  after(async () => {
    for (const id of sandboxes) {
      await rt.stopPodSandbox(id).catch(() => undefined);
      await rt.removePodSandbox(id).catch(() => undefined);
    }
    rt.close();
  });

  const sandboxConfig = (name: string, extra: Partial<PodSandboxConfig> = {}): PodSandboxConfig => {
    const uid = randomUUID();
    const logDirectory = path.join(cd.rootDir, 'pod-logs', `specifics_${name}_${uid}`);
    fs.mkdirSync(logDirectory, { recursive: true });
    return {
      metadata: { name, uid, namespace: 'specifics', attempt: 0 },
      hostname: name,
      logDirectory,
      linux: {
        cgroupParent: `${cd.cgroupParent}/pod${uid}`,
        securityContext: { namespaceOptions: { network: 'POD', pid: 'CONTAINER', ipc: 'POD' } },
      },
      ...extra,
    };
  };

  const run = async (name: string, extra: Partial<PodSandboxConfig> = {}) => {
    const config = sandboxConfig(name, extra);
    const id = await rt.runPodSandbox(config);
    sandboxes.push(id);
    return { id, config };
  };

  const container = (name: string, command: string[], extra: Partial<ContainerConfig> = {}): ContainerConfig => ({
    metadata: { name, attempt: 0 },
    image: { image: BUSYBOX_IMAGE },
    command,
    logPath: `${name}/0.log`,
    linux: { securityContext: { namespaceOptions: { network: 'POD', pid: 'CONTAINER', ipc: 'POD' } } },
    ...extra,
  });

  const start = async (sb: { id: string; config: PodSandboxConfig }, c: ContainerConfig) => {
    const id = await rt.createContainer(sb.id, c, sb.config);
    await rt.startContainer(id);
    return id;
  };

  it('a container over its memory limit is OOMKilled (exit 137)', async () => {
    const sb = await run('oom');
    const id = await start(
      sb,
      container('hog', ['sh', '-c', 'a=xxxxxxxxxxxxxxxx; while true; do a="$a$a"; done'], {
        linux: {
          resources: { memoryLimitInBytes: 16 * 1024 * 1024 },
          securityContext: { namespaceOptions: { network: 'POD', pid: 'CONTAINER', ipc: 'POD' } },
        },
      }),
    );
    const st = await waitForState(rt, id, 'CONTAINER_EXITED', 30_000);
    assert.equal(st.exitCode, 137);
    assert.equal(st.reason, 'OOMKilled');
  });

  it('StopContainer SIGKILLs a PID 1 that ignores SIGTERM when the timeout runs out; a TERM trap exits cleanly', async () => {
    const sb = await run('sigterm');
    const stubborn = await start(sb, container('stubborn', ['sleep', '3600']));
    const trapper = await start(sb, container('trapper', ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 0.1; done']));

    let t = Date.now();
    await rt.stopContainer(stubborn, 2);
    const stubbornMs = Date.now() - t;
    const s1 = (await rt.containerStatus(stubborn)).status;
    assert.equal(s1.state, 'CONTAINER_EXITED');
    assert.equal(s1.exitCode, 137);
    assert.equal(s1.reason, 'Error');
    assert.ok(stubbornMs >= 1900, `waited the 2 s grace period (${stubbornMs} ms)`);
    assert.ok(stubbornMs < 10_000, `then killed (${stubbornMs} ms)`);

    t = Date.now();
    await rt.stopContainer(trapper, 10);
    const trapperMs = Date.now() - t;
    const s2 = (await rt.containerStatus(trapper)).status;
    assert.equal(s2.exitCode, 0);
    assert.equal(s2.reason, 'Completed');
    assert.ok(trapperMs < 5000, `the trap ended it early (${trapperMs} ms)`);
  });

  it('a hostPort is reachable on the node addresses through portmap, and gone after the sandbox is removed', async () => {
    const www = path.join(cd.rootDir, 'hostport-www');
    fs.mkdirSync(www, { recursive: true });
    fs.writeFileSync(path.join(www, 'index.html'), 'hello from the pod\n');
    const hostPort = 30000 + Math.floor(Math.random() * 2700);
    const portMappings: PortMapping[] = [{ protocol: 'TCP', containerPort: 8080, hostPort }];
    const sb = await run('hostport', { portMappings });
    await start(
      sb,
      container('web', ['httpd', '-f', '-p', '8080', '-h', '/www'], { mounts: [{ containerPath: '/www', hostPath: www, readonly: true }] }),
    );
    const podIp = (await rt.podSandboxStatus(sb.id)).status.network.ip;

    const direct = await eventually(() => httpGet(podIp, 8080));
    assert.equal(direct.body, 'hello from the pod\n');
    // The bridge address (the pods' gateway) is an address of this node.
    const viaGateway = await eventually(() => httpGet(cd.gateway, hostPort));
    assert.equal(viaGateway.status, 200);
    assert.equal(viaGateway.body, 'hello from the pod\n');
    const nodeIp = hostAddress();
    if (nodeIp) {
      const viaNode = await eventually(() => httpGet(nodeIp, hostPort));
      assert.equal(viaNode.body, 'hello from the pod\n', `via ${nodeIp}:${hostPort}`);
    }

    await rt.stopPodSandbox(sb.id);
    await rt.removePodSandbox(sb.id);
    await assert.rejects(httpGet(cd.gateway, hostPort, 1000), 'the DNAT rule is gone with the sandbox');
  });

  it('two containers share a host directory (emptyDir-style); a read-only mount refuses writes', async () => {
    const shared = path.join(cd.rootDir, 'volumes', randomUUID(), 'data');
    const ro = path.join(cd.rootDir, 'volumes', 'ro');
    fs.mkdirSync(shared, { recursive: true });
    fs.mkdirSync(ro, { recursive: true });
    const mounts = [
      { containerPath: '/data', hostPath: shared },
      { containerPath: '/ro', hostPath: ro, readonly: true },
    ];
    const sb = await run('emptydir');
    const writer = await start(sb, container('writer', ['sh', '-c', 'echo from-writer > /data/msg'], { mounts }));
    const ws = await waitForState(rt, writer, 'CONTAINER_EXITED', 20_000);
    assert.equal(ws.exitCode, 0);
    assert.equal(fs.readFileSync(path.join(shared, 'msg'), 'utf8'), 'from-writer\n', 'the host sees the file');

    const reader = await start(sb, container('reader', ['sleep', '3600'], { mounts }));
    const cat = await rt.execSync(reader, ['cat', '/data/msg'], { timeoutSeconds: 10 });
    assert.equal(cat.stdout.toString(), 'from-writer\n');
    const touch = await rt.execSync(reader, ['touch', '/ro/x'], { timeoutSeconds: 10 });
    assert.notEqual(touch.exitCode, 0);
    assert.match(touch.stderr.toString(), /Read-only file system/);
    const st = (await rt.containerStatus(reader)).status;
    assert.deepEqual(
      st.mounts.filter((m) => m.containerPath === '/data' || m.containerPath === '/ro').map((m) => [m.containerPath, m.hostPath, m.readonly]),
      [['/data', shared, false], ['/ro', ro, true]],
    );
  });

  it('limits land in the pod cgroup under cgroup_parent and UpdateContainerResources changes them live', async () => {
    const sb = await run('resources');
    const id = await start(
      sb,
      container('limited', ['sleep', '3600'], {
        linux: {
          resources: { cpuPeriod: 100000, cpuQuota: 50000, cpuShares: 256, memoryLimitInBytes: 64 * 1024 * 1024 },
          securityContext: { namespaceOptions: { network: 'POD', pid: 'CONTAINER', ipc: 'POD' } },
        },
      }),
    );
    const cg = (ctrl: string, file: string) =>
      fs.readFileSync(path.join('/sys/fs/cgroup', ctrl, sb.config.linux?.cgroupParent ?? '', id, file), 'utf8').trim();
    assert.equal(cg('memory', 'memory.limit_in_bytes'), String(64 * 1024 * 1024));
    assert.equal(cg('cpu', 'cpu.cfs_quota_us'), '50000');
    assert.equal(cg('cpu', 'cpu.shares'), '256');
    await rt.updateContainerResources(id, { cpuPeriod: 100000, cpuQuota: 20000, cpuShares: 256, memoryLimitInBytes: 32 * 1024 * 1024 });
    assert.equal(cg('memory', 'memory.limit_in_bytes'), String(32 * 1024 * 1024));
    assert.equal(cg('cpu', 'cpu.cfs_quota_us'), '20000');
    const stats = await rt.containerStats(id);
    assert.equal(stats.attributes.id, id);
    assert.ok((stats.memory?.workingSetBytes ?? 0n) > 0n, 'memory working set is reported');
  });

  it('ExecSync past its timeout fails with DEADLINE_EXCEEDED; an aborted call rejects with the signal reason', async () => {
    const sb = await run('exec-timeout');
    const id = await start(sb, container('target', ['sleep', '3600']));
    await assert.rejects(rt.execSync(id, ['sleep', '5'], { timeoutSeconds: 1 }), (err: unknown) => {
      assert.equal((err as { code?: string }).code, 'DEADLINE_EXCEEDED');
      return true;
    });
    const ac = new AbortController();
    const reason = new Error('test abort');
    const p = rt.execSync(id, ['sleep', '5'], { signal: ac.signal });
    setTimeout(() => ac.abort(reason), 100);
    await assert.rejects(p, (err) => err === reason);
  });

  it('the busybox image has every applet, users and groups, and a sticky /tmp', async () => {
    const sb = await run('image');
    const id = await start(sb, container('probe', ['sleep', '3600']));
    const r = await rt.execSync(id, ['sh', '-c', 'stat -c %a /tmp; id -un; id -gn; for a in wget httpd nc nslookup; do command -v $a; done; ls /usr/bin/env; grep -c . /etc/passwd'], { timeoutSeconds: 10 });
    assert.equal(r.exitCode, 0, r.stderr.toString());
    const lines = r.stdout.toString().trim().split('\n');
    assert.deepEqual(lines.slice(0, 3), ['1777', 'root', 'root']);
    assert.deepEqual(lines.slice(3, 7).map((l) => path.basename(l)), ['wget', 'httpd', 'nc', 'nslookup']);
    assert.equal(lines[7], '/usr/bin/env');
    assert.ok(Number(lines[8]) >= 2, '/etc/passwd has root and nobody');
    // run_as_user resolves through the image's /etc/passwd and /etc/group.
    const asNobody = await start(
      sb,
      container('nobody', ['sleep', '3600'], {
        linux: { securityContext: { runAsUser: 65534, namespaceOptions: { network: 'POD', pid: 'CONTAINER', ipc: 'POD' } } },
      }),
    );
    const ids = await rt.execSync(asNobody, ['sh', '-c', 'id -un; id -gn; touch /tmp/ok && echo tmp-writable'], { timeoutSeconds: 10 });
    assert.equal(ids.stdout.toString(), 'nobody\nnogroup\ntmp-writable\n', ids.stderr.toString());
  });

  it('Exec, Attach and PortForward return URLs of the streaming server on 127.0.0.1', async () => {
    const sb = await run('streaming');
    const id = await start(sb, container('target', ['sleep', '3600']));
    const exec = await rt.exec({ containerId: id, cmd: ['sh'], stdin: true, stdout: true });
    assert.match(exec.url, /^http:\/\/127\.0\.0\.1:\d+\/exec\/\S+$/);
    const attach = await rt.attach({ containerId: id, stdout: true, stderr: true });
    assert.match(attach.url, /^http:\/\/127\.0\.0\.1:\d+\/attach\/\S+$/);
    const pf = await rt.portForward({ podSandboxId: sb.id, ports: [80] });
    assert.match(pf.url, /^http:\/\/127\.0\.0\.1:\d+\/portforward\/\S+$/);
    await assert.rejects(rt.portForward({ podSandboxId: 'no-such-sandbox' }), (e: unknown) => e instanceof CriError && e.code === 'NOT_FOUND');
  });

  it('measures RunPodSandbox / CreateContainer / StartContainer latency', async (t) => {
    const N = 7;
    const runMs: number[] = [];
    const createMs: number[] = [];
    const startMs: number[] = [];
    const stopSbMs: number[] = [];
    const removeSbMs: number[] = [];
    for (let i = 0; i < N; i++) {
      const config = sandboxConfig(`bench-${i}`);
      let t0 = performance.now();
      const sb = await rt.runPodSandbox(config);
      runMs.push(performance.now() - t0);
      sandboxes.push(sb);
      t0 = performance.now();
      const c = await rt.createContainer(sb, container('app', ['sleep', '3600']), config);
      createMs.push(performance.now() - t0);
      t0 = performance.now();
      await rt.startContainer(c);
      startMs.push(performance.now() - t0);
      t0 = performance.now();
      await rt.stopPodSandbox(sb);
      stopSbMs.push(performance.now() - t0);
      t0 = performance.now();
      await rt.removePodSandbox(sb);
      removeSbMs.push(performance.now() - t0);
    }
    const fmt = (xs: number[]) => `${median(xs).toFixed(1)} (${Math.min(...xs).toFixed(1)}-${Math.max(...xs).toFixed(1)})`;
    const report =
      `N=${N} median (min-max) ms: RunPodSandbox ${fmt(runMs)}, CreateContainer ${fmt(createMs)}, ` +
      `StartContainer ${fmt(startMs)}, full pod ${fmt(runMs.map((r, i) => r + (createMs[i] ?? 0) + (startMs[i] ?? 0)))}, ` +
      `StopPodSandbox ${fmt(stopSbMs)}, RemovePodSandbox ${fmt(removeSbMs)}`;
    t.diagnostic(report);
    if (process.env['KUBELAB_CRI_TIMINGS']) fs.appendFileSync(process.env['KUBELAB_CRI_TIMINGS'], report + '\n');
    // Sanity only (the machine is shared): a pod must not take seconds.
    assert.ok(median(runMs) < 5000 && median(startMs) < 5000, report);
  });
});
