import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { silentLogger } from '../../shared/util/log.ts';
import { FakeRuntime } from '../cri/fake/fake-runtime.ts';
import { conflistSubnets, podNetworkConflist } from './cni-conflist.ts';
import { loadedCniSources, PodCidrManager, staleReservations } from './pod-cidr-manager.ts';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function setup() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kubelab-podcidr-'));
  dirs.push(dir);
  const confDir = path.join(dir, 'net.d');
  const ipamDir = path.join(dir, 'ipam');
  const rt = new FakeRuntime({ cniConfDir: confDir });
  const stopped: string[] = [];
  const m = new PodCidrManager({
    runtime: rt,
    confDir,
    ipamDir,
    manageBridge: false,
    pollMs: 5,
    loadTimeoutMs: 1000,
    onSandboxStopped: (uid) => stopped.push(uid),
    log: silentLogger(),
  });
  return { dir, confDir, ipamDir, rt, m, stopped };
}

const sandbox = (uid: string) => ({ metadata: { name: `p-${uid}`, namespace: 'default', uid, attempt: 0 } });

test('conflist: bridge + host-local over the subnet + portmap, as containerd reports it back', () => {
  const text = podNetworkConflist({ name: 'kubelab', bridge: 'kubelab0', subnet: '10.243.2.0/24', ipamDir: '/var/lib/x/ipam' });
  const parsed = JSON.parse(text) as { name: string; cniVersion: string; plugins: { type: string; bridge?: string; isGateway?: boolean; ipam?: { type: string; dataDir: string } }[] };
  assert.equal(parsed.name, 'kubelab');
  assert.equal(parsed.cniVersion, '1.0.0');
  assert.deepEqual(parsed.plugins.map((p) => p.type), ['bridge', 'portmap']);
  assert.equal(parsed.plugins[0]?.bridge, 'kubelab0');
  assert.equal(parsed.plugins[0]?.isGateway, true);
  assert.deepEqual(parsed.plugins[0]?.ipam && { type: parsed.plugins[0].ipam.type, dataDir: parsed.plugins[0].ipam.dataDir }, { type: 'host-local', dataDir: '/var/lib/x/ipam' });
  assert.deepEqual(conflistSubnets(parsed), ['10.243.2.0/24']);
  // containerd's CRI Status(verbose) `cniconfig`, as measured on containerd 1.6.
  const info = { cniconfig: JSON.stringify({ Networks: [{ Config: { Name: 'cni-loopback', Source: '{"type":"loopback"}' } }, { Config: { Name: 'kubelab', Source: text } }] }) };
  assert.deepEqual(loadedCniSources(info), ['{"type":"loopback"}', text]);
  assert.deepEqual(loadedCniSources({ cniconfig: 'not json' }), []);
});

test('before a CIDR: not ready with containerd wording; first CIDR: config written, loaded, ready', async () => {
  const { confDir, rt, m } = setup();
  assert.equal(m.networkError(), 'NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized');
  assert.match((await m.waitReady(undefined, 20)) ?? '', /cni plugin not initialized/);
  m.setPodCidr('10.243.0.0/24');
  assert.equal(await m.waitReady(undefined, 5000), undefined);
  const files = fs.readdirSync(confDir);
  assert.deepEqual(files, ['10-kubelab.conflist'], 'no temp file left behind');
  assert.deepEqual(conflistSubnets(JSON.parse(fs.readFileSync(path.join(confDir, files[0] as string), 'utf8'))), ['10.243.0.0/24']);
  const id = await rt.runPodSandbox(sandbox('a'));
  assert.match((await rt.podSandboxStatus(id)).status.network.ip, /^10\.243\.0\.\d+$/);
  m.stop();
});

test('a new CIDR: not ready until the runtime loaded it; old reservations dropped; old-range sandboxes stopped', async () => {
  const { ipamDir, rt, m, stopped } = setup();
  m.setPodCidr('10.243.0.0/24');
  assert.equal(await m.waitReady(undefined, 5000), undefined);
  await m.settled();
  const oldId = await rt.runPodSandbox(sandbox('old'));
  const host = await rt.runPodSandbox({ ...sandbox('host'), linux: { securityContext: { namespaceOptions: { network: 'NODE' } } } });
  // host-local's state for the old range.
  const netDir = path.join(ipamDir, 'kubelab');
  fs.mkdirSync(netDir, { recursive: true });
  fs.writeFileSync(path.join(netDir, '10.243.0.2'), 'containerid\neth0');
  fs.writeFileSync(path.join(netDir, '10.243.2.9'), 'containerid\neth0');
  fs.writeFileSync(path.join(netDir, 'last_reserved_ip.0'), '10.243.0.2');
  fs.writeFileSync(path.join(netDir, 'lock'), '');
  assert.deepEqual(staleReservations(netDir, '10.243.2.0/24').map((f) => path.basename(f)).sort(), ['10.243.0.2', 'last_reserved_ip.0']);

  rt.cniAutoReload = false; // containerd has not seen the change yet
  m.setPodCidr('10.243.2.0/24');
  assert.equal(m.podCidr, '10.243.2.0/24');
  assert.equal(await m.waitReady(undefined, 100), 'NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni config uninitialized');
  assert.equal(m.ready, false);
  rt.cniAutoReload = true;
  assert.equal(await m.waitReady(undefined, 5000), undefined);
  await m.settled();
  assert.deepEqual(fs.readdirSync(netDir).sort(), ['10.243.2.9', 'lock'], 'reservations outside the new CIDR are gone');
  assert.equal((await rt.podSandboxStatus(oldId)).status.state, 'SANDBOX_NOTREADY', 'the sandbox with an old-range IP was stopped');
  assert.equal((await rt.podSandboxStatus(host)).status.state, 'SANDBOX_READY', 'host-network sandboxes are left alone');
  assert.deepEqual(stopped, ['old']);
  const next = await rt.runPodSandbox(sandbox('next'));
  assert.match((await rt.podSandboxStatus(next)).status.network.ip, /^10\.243\.2\.\d+$/);
  m.stop();
});

test('a CIDR superseded before it loaded: the newest one wins', async () => {
  const { confDir, rt, m } = setup();
  rt.cniAutoReload = false;
  m.setPodCidr('10.243.0.0/24');
  m.setPodCidr('10.243.5.0/24');
  rt.cniAutoReload = true;
  assert.equal(await m.waitReady(undefined, 5000), undefined);
  await m.settled();
  assert.equal(m.podCidr, '10.243.5.0/24');
  assert.deepEqual(conflistSubnets(JSON.parse(fs.readFileSync(path.join(confDir, '10-kubelab.conflist'), 'utf8'))), ['10.243.5.0/24']);
  m.stop();
});

test('a Node re-registered without a CIDR: not ready until it gets one (the same block again works too)', async () => {
  const { m } = setup();
  m.setPodCidr('10.243.0.0/24');
  assert.equal(await m.waitReady(undefined, 5000), undefined);
  m.clearPodCidr();
  assert.equal(m.podCidr, '');
  assert.match((await m.waitReady(undefined, 20)) ?? '', /cni plugin not initialized/);
  m.setPodCidr('10.243.0.0/24');
  assert.equal(await m.waitReady(undefined, 5000), undefined);
  m.stop();
});

test('a config that cannot be written is retried until it can', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kubelab-podcidr-'));
  dirs.push(dir);
  const blocker = path.join(dir, 'blocker');
  fs.writeFileSync(blocker, 'a file where the conf dir should be');
  const confDir = path.join(blocker, 'net.d');
  const rt = new FakeRuntime({ cniConfDir: confDir });
  const m = new PodCidrManager({ runtime: rt, confDir, ipamDir: path.join(dir, 'ipam'), manageBridge: false, pollMs: 5, log: silentLogger() });
  m.setPodCidr('10.243.0.0/24');
  assert.match((await m.waitReady(undefined, 300)) ?? '', /cni config uninitialized/);
  fs.rmSync(blocker);
  assert.equal(await m.waitReady(undefined, 5000), undefined);
  assert.deepEqual(conflistSubnets(JSON.parse(fs.readFileSync(path.join(confDir, '10-kubelab.conflist'), 'utf8'))), ['10.243.0.0/24']);
  m.stop();
});
