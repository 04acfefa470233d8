import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FakeClock } from '../../../shared/util/clock.ts';
import { CriError, isNotFound, type PodSandboxConfig } from '../services.ts';
import { runCriConformance } from '../testing/cri-tests.ts';
import { FakeRuntime, normalizeImageRef } from './fake-runtime.ts';

runCriConformance({
  name: 'FakeRuntime',
  newRuntime: () => new FakeRuntime(),
  images: { busybox: 'localhost/busybox:1.35' },
});

const sandboxConfig = (name: string, extra: Partial<PodSandboxConfig> = {}): PodSandboxConfig => ({
  metadata: { name, uid: `uid-${name}`, namespace: 'default', attempt: 0 },
  hostname: name,
  linux: { securityContext: { namespaceOptions: { network: 'POD', pid: 'CONTAINER', ipc: 'POD' } } },
  ...extra,
});

describe('FakeRuntime', () => {
  it('hands out IPs from the configured CIDR, skipping the gateway, and reuses released ones', async () => {
    const rt = new FakeRuntime({ podCidr: '10.9.8.0/30' }); // only .2 is usable
    const a = await rt.runPodSandbox(sandboxConfig('a'));
    assert.equal((await rt.podSandboxStatus(a)).status.network.ip, '10.9.8.2');
    await assert.rejects(rt.runPodSandbox(sandboxConfig('b')), /no IP addresses available/);
    await rt.stopPodSandbox(a);
    const c = await rt.runPodSandbox(sandboxConfig('c'));
    assert.equal((await rt.podSandboxStatus(c)).status.network.ip, '10.9.8.2');
  });

  it('refuses a second sandbox with the same metadata until the first is removed', async () => {
    const rt = new FakeRuntime();
    const a = await rt.runPodSandbox(sandboxConfig('a'));
    await assert.rejects(rt.runPodSandbox(sandboxConfig('a')), /failed to reserve sandbox name/);
    await rt.stopPodSandbox(a);
    await rt.removePodSandbox(a);
    await rt.runPodSandbox(sandboxConfig('a'));
  });

  it('records calls and throws injected errors the given number of times', async () => {
    const rt = new FakeRuntime();
    const boom = new CriError('UNAVAILABLE', 'connection refused');
    rt.injectError('runPodSandbox', boom, 2);
    await assert.rejects(rt.runPodSandbox(sandboxConfig('a')), (err) => err === boom);
    await assert.rejects(rt.runPodSandbox(sandboxConfig('a')), (err) => err === boom);
    const id = await rt.runPodSandbox(sandboxConfig('a'));
    assert.ok(id);
    await rt.listPodSandbox();
    assert.deepEqual(rt.calledMethods(), ['runPodSandbox', 'runPodSandbox', 'runPodSandbox', 'listPodSandbox']);
    const first = rt.calls[0];
    assert.equal((first?.args[0] as PodSandboxConfig).metadata.name, 'a');
    rt.resetCalls();
    assert.deepEqual(rt.calls, []);
  });

  it('exitContainer ends a running container with the given code and reason', async () => {
    const rt = new FakeRuntime();
    const config = sandboxConfig('p');
    const sb = await rt.runPodSandbox(config);
    const id = await rt.createContainer(sb, { metadata: { name: 'web', attempt: 0 }, image: { image: 'localhost/busybox:1.35' }, command: ['httpd', '-f'] }, config);
    await rt.startContainer(id);
    assert.equal((await rt.containerStatus(id)).status.state, 'CONTAINER_RUNNING', 'an unknown command runs until stopped');
    rt.exitContainer(id, 137, 'OOMKilled', 'memory limit');
    const st = (await rt.containerStatus(id)).status;
    assert.deepEqual([st.state, st.exitCode, st.reason, st.message], ['CONTAINER_EXITED', 137, 'OOMKilled', 'memory limit']);
    assert.ok(st.finishedAt >= st.startedAt);
  });

  it('runs sleep on the injected clock', async () => {
    const clock = new FakeClock();
    const rt = new FakeRuntime({ clock });
    const config = sandboxConfig('p');
    const sb = await rt.runPodSandbox(config);
    const id = await rt.createContainer(sb, { metadata: { name: 'c', attempt: 0 }, image: { image: 'localhost/busybox:1.35' }, command: ['sh', '-c', 'sleep 10; exit 4'] }, config);
    await rt.startContainer(id);
    clock.step(9_999);
    assert.equal((await rt.containerStatus(id)).status.state, 'CONTAINER_RUNNING');
    clock.step(1);
    const st = (await rt.containerStatus(id)).status;
    assert.deepEqual([st.state, st.exitCode, st.reason], ['CONTAINER_EXITED', 4, 'Error']);
    // Timestamps follow the clock (made strictly increasing by a few ns within one millisecond).
    const ran = st.finishedAt - st.startedAt;
    assert.ok(ran > 9_999_999_000n && ran <= 10_000_000_000n, `ran ${ran} ns`);
  });

  it('stop gives 137 for a PID-1 process without a TERM trap, 143 with a pod PID namespace, the trap code otherwise', async () => {
    const rt = new FakeRuntime();
    const config = sandboxConfig('p');
    const sb = await rt.runPodSandbox(config);
    const mk = async (name: string, command: string[], pid: 'POD' | 'CONTAINER') => {
      const id = await rt.createContainer(
        sb,
        { metadata: { name, attempt: 0 }, image: { image: 'localhost/busybox:1.35' }, command, linux: { securityContext: { namespaceOptions: { pid } } } },
        config,
      );
      await rt.startContainer(id);
      await rt.stopContainer(id, 30);
      return (await rt.containerStatus(id)).status;
    };
    const pid1 = await mk('pid1', ['sleep', '3600'], 'CONTAINER');
    assert.deepEqual([pid1.exitCode, pid1.reason], [137, 'Error']);
    const shared = await mk('shared', ['sleep', '3600'], 'POD');
    assert.deepEqual([shared.exitCode, shared.reason], [143, 'Error']);
    const trap = await mk('trap', ['sh', '-c', "trap 'exit 0' TERM; sleep 3600"], 'CONTAINER');
    assert.deepEqual([trap.exitCode, trap.reason], [0, 'Completed']);
  });

  it('shares files through mounts (emptyDir) and refuses writes to read-only mounts', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-rt-'));
    try {
      fs.mkdirSync(path.join(dir, 'shared'));
      fs.mkdirSync(path.join(dir, 'ro'));
      const rt = new FakeRuntime();
      const config = sandboxConfig('p');
      const sb = await rt.runPodSandbox(config);
      const mounts = [
        { containerPath: '/data', hostPath: path.join(dir, 'shared') },
        { containerPath: '/ro', hostPath: path.join(dir, 'ro'), readonly: true },
      ];
      const writer = await rt.createContainer(sb, { metadata: { name: 'w', attempt: 0 }, image: { image: 'localhost/busybox:1.35' }, command: ['sh', '-c', 'echo shared-data > /data/f'], mounts }, config);
      await rt.startContainer(writer);
      assert.equal(fs.readFileSync(path.join(dir, 'shared', 'f'), 'utf8'), 'shared-data\n');
      const reader = await rt.createContainer(sb, { metadata: { name: 'r', attempt: 0 }, image: { image: 'localhost/busybox:1.35' }, command: ['sleep', '3600'], mounts }, config);
      await rt.startContainer(reader);
      const cat = await rt.execSync(reader, ['cat', '/data/f']);
      assert.equal(cat.stdout.toString(), 'shared-data\n');
      const touch = await rt.execSync(reader, ['touch', '/ro/x']);
      assert.equal(touch.exitCode, 1);
      assert.match(touch.stderr.toString(), /Read-only file system/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('pullImage fetches only from the configured registry', async () => {
    const rt = new FakeRuntime({ registry: ['docker.io/library/nginx:1.25'] });
    await assert.rejects(rt.pullImage({ image: 'nope:1' }), (err) => err instanceof CriError && err.code === 'UNKNOWN' && /failed to pull/.test(err.message));
    const ref = await rt.pullImage({ image: 'docker.io/library/nginx:1.25' });
    assert.match(ref, /^sha256:[0-9a-f]{64}$/);
    assert.equal((await rt.imageStatus({ image: 'docker.io/library/nginx:1.25' })).image?.id, ref);
    await rt.removeImage({ image: 'docker.io/library/nginx:1.25' });
    assert.equal((await rt.imageStatus({ image: 'docker.io/library/nginx:1.25' })).image, null);
    await rt.removeImage({ image: 'docker.io/library/nginx:1.25' }); // idempotent
    assert.equal(normalizeImageRef('busybox'), 'busybox:latest');
    assert.equal(normalizeImageRef('localhost:5000/x'), 'localhost:5000/x:latest');
  });

  it('mirrors containerd 1.6 where CRI leaves room: error codes, stopped-sandbox IP, updates of exited containers', async () => {
    const rt = new FakeRuntime();
    const bogus = 'f'.repeat(64);
    await assert.rejects(rt.stopPodSandbox(bogus), (err) => isNotFound(err));
    await assert.rejects(rt.stopContainer(bogus, 0), (err) => isNotFound(err));
    await rt.removePodSandbox(bogus);
    await rt.removeContainer(bogus);
    const config = sandboxConfig('p');
    const sb = await rt.runPodSandbox(config);
    const c = { metadata: { name: 'c', attempt: 0 }, image: { image: 'localhost/busybox:1.35' }, command: ['sleep', '3600'] };
    const id = await rt.createContainer(sb, c, config);
    await assert.rejects(rt.createContainer(sb, c, config), (err) => err instanceof CriError && err.code === 'UNKNOWN' && /failed to reserve container name "c_p_default_uid-p_0"/.test(err.message));
    await assert.rejects(rt.execSync(id, ['true']), /container is in CONTAINER_CREATED state/);
    await rt.startContainer(id);
    await rt.stopContainer(id, 0);
    assert.equal((await rt.containerStatus(id)).status.exitCode, 137, 'timeout 0 is a SIGKILL');
    await rt.updateContainerResources(id, { cpuShares: 100 });
    assert.equal((await rt.containerStatus(id)).status.resources?.cpuShares, 100);
    await rt.removeContainer(id);
    await rt.createContainer(sb, c, config); // the name is free again once removed
    await rt.stopPodSandbox(sb);
    assert.equal((await rt.podSandboxStatus(sb)).status.network.ip, '');
    await assert.rejects(rt.createContainer(sb, { ...c, metadata: { name: 'd', attempt: 0 } }, config), (err) => isNotFound(err));
  });

  it('rejects with the abort reason when the signal is already aborted', async () => {
    const rt = new FakeRuntime();
    const ac = new AbortController();
    const reason = new Error('cancelled by test');
    ac.abort(reason);
    await assert.rejects(rt.version({ signal: ac.signal }), (err) => err === reason);
  });

  it('reports NetworkReady false when told to', async () => {
    const rt = new FakeRuntime();
    rt.setNetworkReady(false);
    const st = await rt.status();
    assert.equal(st.conditions.find((c) => c.type === 'NetworkReady')?.status, false);
  });
});
