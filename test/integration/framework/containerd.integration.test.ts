/**
 * The containerd test framework itself (integration tier, root): instances side by side, clean stop, and the
 * sweep that cleans up after a test process that was killed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RemoteRuntime } from '../../../node-agent/cri/remote/remote-runtime.ts';
import { INSTALL_HINT, liveRuns, startContainerd, type ContainerdInstance } from './containerd.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
// `.ts` when run from source, `.js` when run from dist/ after tsc.
const FIXTURE = path.join(HERE, `_containerd-crash-fixture${path.extname(fileURLToPath(import.meta.url))}`);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(' ')[2] !== 'Z';
  } catch {
    return false;
  }
}

function linkExists(name: string): boolean {
  try {
    execFileSync('ip', ['link', 'show', 'dev', name], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function cgroupExists(prefix: string): boolean {
  return fs.readdirSync('/sys/fs/cgroup').some((h) => fs.existsSync(path.join('/sys/fs/cgroup', h, prefix)));
}

function natRulesMention(text: string): boolean {
  return execFileSync('iptables', ['-t', 'nat', '-S'], { encoding: 'utf8' }).includes(text);
}

function shimsFor(socket: string): number[] {
  return fs
    .readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .filter((n) => {
      try {
        const argv = fs.readFileSync(`/proc/${n}/cmdline`, 'utf8').split('\0');
        return argv[0]?.includes('containerd-shim') && argv.includes(socket);
      } catch {
        return false;
      }
    })
    .map(Number);
}

function inSubnet(ip: string, subnet: string): boolean {
  return ip.startsWith(subnet.replace(/\.0\/24$/, '.'));
}

async function runPod(cd: ContainerdInstance, name: string): Promise<string> {
  const rt = new RemoteRuntime({ endpoint: cd.endpoint });
  try {
    const logDirectory = path.join(cd.rootDir, 'pod-logs', name);
    fs.mkdirSync(logDirectory, { recursive: true });
    const id = await rt.runPodSandbox({
      metadata: { name, uid: `uid-${name}`, namespace: 'framework', attempt: 0 },
      hostname: name,
      logDirectory,
      linux: { cgroupParent: `${cd.cgroupParent}/pod${name}`, securityContext: { namespaceOptions: { pid: 'CONTAINER' } } },
    });
    return (await rt.podSandboxStatus(id)).status.network.ip;
  } finally {
    rt.close();
  }
}

describe('startContainerd', () => {
  it('runs two instances side by side and stops them without leftovers', async () => {
    const ipForwardBefore = fs.readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim();
    const [a, b] = await Promise.all([startContainerd({ name: 'side-a' }), startContainerd({ name: 'side-b' })]);
    try {
      assert.notEqual(a.socket, b.socket);
      assert.notEqual(a.bridge, b.bridge);
      assert.notEqual(a.subnet, b.subnet);
      assert.notEqual(a.cgroupParent, b.cgroupParent);
      assert.match(a.endpoint, /^unix:\/\/\/.*containerd\.sock$/);
      const [ipA, ipB] = await Promise.all([runPod(a, 'pod-a'), runPod(b, 'pod-b')]);
      assert.ok(inSubnet(ipA, a.subnet), `${ipA} in ${a.subnet}`);
      assert.ok(inSubnet(ipB, b.subnet), `${ipB} in ${b.subnet}`);
      assert.ok(linkExists(a.bridge) && linkExists(b.bridge), 'the bridges exist while pods run');
      assert.ok(cgroupExists(a.cgroupParent), 'pod cgroups live under the instance prefix');
      if (ipForwardBefore === '0') {
        // containerd.md: the bridge plugin (isGateway) turns forwarding on in the netns it runs in.
        assert.equal(fs.readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim(), '1', 'the bridge plugin flipped ip_forward');
      }
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
    for (const cd of [a, b]) {
      assert.equal(alive(cd.pid), false, 'containerd is gone');
      assert.deepEqual(shimsFor(cd.socket), [], 'no shim is left');
      assert.equal(linkExists(cd.bridge), false, 'the bridge is deleted');
      assert.equal(cgroupExists(cd.cgroupParent), false, 'the cgroups are removed');
      assert.equal(fs.existsSync(cd.rootDir), false, 'the directory is removed');
    }
    // Restored when the last instance stops; another test process may still run one.
    if (liveRuns().length === 0) {
      assert.equal(fs.readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim(), ipForwardBefore, 'ip_forward is restored');
    }
    await a.stop(); // idempotent
  });

  it('sweeps a run whose test process was killed before the next instance starts', async () => {
    const hostPort = 30000 + Math.floor(Math.random() * 2700);
    const child = spawn(process.execPath, [FIXTURE, String(hostPort)], { stdio: ['ignore', 'pipe', 'inherit'] });
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error('the fixture did not report within 60 s')), 60_000);
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (d: string) => {
        out += d;
        const nl = out.indexOf('\n');
        if (nl >= 0) {
          clearTimeout(timer);
          resolve(out.slice(0, nl));
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the fixture exited with ${code}`));
      });
    });
    const stale = JSON.parse(line) as { id: string; pid: number; socket: string; bridge: string; cgroupParent: string; rootDir: string; fixturePid: number };
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    // What a killed test leaves behind: containerd, a shim with a running pod, the bridge, portmap rules, cgroups.
    assert.ok(alive(stale.pid), 'the orphaned containerd still runs');
    assert.ok(shimsFor(stale.socket).length > 0, 'its shim still runs');
    assert.ok(linkExists(stale.bridge));
    assert.ok(natRulesMention(`kubelab-${stale.id}`), 'portmap rules of the killed run exist');
    assert.ok(cgroupExists(stale.cgroupParent));

    const fresh = await startContainerd({ name: 'after-crash' });
    try {
      assert.equal(alive(stale.pid), false, 'the orphaned containerd was stopped');
      assert.deepEqual(shimsFor(stale.socket), [], 'its shims were stopped');
      assert.equal(linkExists(stale.bridge), false, 'its bridge was deleted');
      assert.equal(natRulesMention(`kubelab-${stale.id}`), false, 'its portmap rules were deleted');
      assert.equal(cgroupExists(stale.cgroupParent), false, 'its cgroups were removed');
      assert.equal(fs.existsSync(stale.rootDir), false, 'its directory was removed');
      assert.ok(inSubnet(await runPod(fresh, 'after'), fresh.subnet), 'the new instance works');
    } finally {
      await fresh.stop();
    }
  });

  it('fails with the install command when containerd is missing', async () => {
    const saved = process.env['PATH'];
    process.env['PATH'] = '/nonexistent';
    try {
      await assert.rejects(startContainerd({ name: 'no-binaries' }), (err: Error) => err.message.includes(INSTALL_HINT) && err.message.includes('containerd'));
    } finally {
      process.env['PATH'] = saved;
    }
  });
});
