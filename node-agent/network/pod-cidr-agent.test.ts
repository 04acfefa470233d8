/**
 * The node agent with --cni-conf-dir against the fake client and a fake runtime that reads the CNI config dir
 * as containerd does: pods get addresses of the Node's current pod CIDR only, across a CIDR change.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Node, Pod } from '../../shared/api/core-v1.ts';
import { FakeClientset } from '../../shared/client/fake/clientset.ts';
import { cidrContainsIp } from '../../shared/net/ipv4-cidr.ts';
import { silentLogger } from '../../shared/util/log.ts';
import { untilWith } from '../../test/integration/framework/until.ts';
import { FakeRuntime } from '../cri/fake/fake-runtime.ts';
import { NodeAgent } from '../agent.ts';
import { conflistSubnets } from './cni-conflist.ts';

const roots: string[] = [];
after(() => {
  for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
});
const until = untilWith({ timeoutMs: 20_000, everyMs: 20 });

function pod(name: string): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: { nodeName: 'n1', restartPolicy: 'Always', terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: 'localhost/busybox:1.35', command: ['sleep', '3600'] }] },
  };
}

/** The agent n1 with --cni-conf-dir on a fresh root, and a fake runtime reading that CNI config dir. */
function cniAgent(): { confDir: string; cs: FakeClientset; rt: FakeRuntime; agent: NodeAgent } {
  const rootDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kubelab-podcidr-agent-'));
  roots.push(rootDir);
  const confDir = path.join(rootDir, 'net.d');
  const cs = new FakeClientset();
  const rt = new FakeRuntime({ cniConfDir: confDir });
  const agent = new NodeAgent({
    nodeName: 'n1',
    clientset: cs,
    runtime: rt,
    imageService: rt,
    rootDir,
    port: null,
    nodeIP: '10.0.0.11',
    log: silentLogger(),
    relistPeriodMs: 50,
    housekeepingIntervalMs: 100,
    backOffPeriodMs: 200,
    cni: { confDir, ipamDir: path.join(rootDir, 'ipam'), manageBridge: false, pollMs: 10 },
  });
  return { confDir, cs, rt, agent };
}

async function setPodCidr(cs: FakeClientset, cidr: string): Promise<void> {
  const n = (await cs.nodes.get('', 'n1')) as Node;
  await cs.nodes.update({ ...n, spec: { ...n.spec, podCIDR: cidr, podCIDRs: [cidr] } });
}

test('the agent writes the CNI config of the Node pod CIDR, gates sandboxes on its load, and moves pods on a CIDR change', async () => {
  const { confDir, cs, rt, agent } = cniAgent();
  await agent.start();
  try {
    // No CIDR yet: the pod waits (no sandbox), the node is not Ready for the network's sake.
    await cs.pods.create(pod('early'));
    await until('NetworkNotReady event', async () => (await cs.events.list('default')).items.some((e) => (e as { reason?: string }).reason === 'NetworkNotReady'));
    assert.equal(rt.calls.filter((c) => c.method === 'runPodSandbox').length, 0, 'no sandbox before the config exists');
    assert.equal(fs.existsSync(path.join(confDir, '10-kubelab.conflist')), false);

    await setPodCidr(cs, '10.243.0.0/24');
    const first = await until('early Running in A', async () => {
      const p = (await cs.pods.get('default', 'early')) as Pod;
      return p.status?.phase === 'Running' && p.status.podIP ? p : undefined;
    });
    assert.ok(cidrContainsIp('10.243.0.0/24', first.status?.podIP ?? ''), first.status?.podIP);

    // Deleted and re-registered elsewhere in the cluster CIDR: B.
    rt.cniAutoReload = false;
    await setPodCidr(cs, '10.243.2.0/24');
    await until('config says B', () => {
      const text = fs.readFileSync(path.join(confDir, '10-kubelab.conflist'), 'utf8');
      return conflistSubnets(JSON.parse(text)).join() === '10.243.2.0/24';
    });
    await cs.pods.create(pod('late'));
    await until('late refused while the runtime has the old config', async () => (await cs.events.list('default')).items.filter((e) => (e as { reason?: string; involvedObject?: { name?: string } }).reason === 'NetworkNotReady' && (e as { involvedObject?: { name?: string } }).involvedObject?.name === 'late').length > 0);
    const sandboxesBefore = rt.calls.filter((c) => c.method === 'runPodSandbox').length;
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(rt.calls.filter((c) => c.method === 'runPodSandbox').length, sandboxesBefore, 'no sandbox while the new config is not loaded');
    rt.cniAutoReload = true;

    const late = await until('late Running in B', async () => {
      const p = (await cs.pods.get('default', 'late')) as Pod;
      return p.status?.phase === 'Running' && p.status.podIP ? p : undefined;
    });
    assert.ok(cidrContainsIp('10.243.2.0/24', late.status?.podIP ?? ''), late.status?.podIP);
    // The pod that had an address of A got a new sandbox in B.
    const moved = await until('early moved to B', async () => {
      const p = (await cs.pods.get('default', 'early')) as Pod;
      return p.status?.phase === 'Running' && cidrContainsIp('10.243.2.0/24', p.status.podIP ?? '') ? p : undefined;
    });
    assert.notEqual(moved.status?.podIP, first.status?.podIP);
    const ready = await rt.listPodSandbox({ state: 'SANDBOX_READY' });
    for (const sb of ready) assert.ok(cidrContainsIp('10.243.2.0/24', (await rt.podSandboxStatus(sb.id)).status.network.ip), 'every running sandbox is inside B');
  } finally {
    await agent.stop();
    rt.close();
  }
});

test('a sandbox that raced a CIDR change and got an old-block address is stopped and re-created inside the CIDR', async () => {
  const { confDir, cs, rt, agent } = cniAgent();
  await agent.start();
  try {
    await setPodCidr(cs, '10.243.2.0/24');
    await until('B loaded', () => agent.podNetwork?.ready === true);
    // The runtime still hands out the old block (its reload lags behind what it reported).
    const confB = fs.readFileSync(path.join(confDir, '10-kubelab.conflist'), 'utf8');
    fs.writeFileSync(path.join(confDir, '10-kubelab.conflist'), confB.replaceAll('10.243.2.0/24', '10.243.0.0/24'));
    rt.reloadCni();
    rt.cniAutoReload = false;
    await cs.pods.create(pod('racer'));
    await until('the old-block sandbox refused', async () => (await cs.events.list('default')).items.some((e) => /outside the node's pod CIDR/.test((e as { message?: string }).message ?? '')));
    const ready = await rt.listPodSandbox({ state: 'SANDBOX_READY' });
    for (const sb of ready) assert.ok(!cidrContainsIp('10.243.0.0/24', (await rt.podSandboxStatus(sb.id)).status.network.ip), 'no old-block sandbox stays up');
    fs.writeFileSync(path.join(confDir, '10-kubelab.conflist'), confB);
    rt.cniAutoReload = true;
    const p = await until('racer Running in B', async () => {
      const x = (await cs.pods.get('default', 'racer')) as Pod;
      return x.status?.phase === 'Running' && x.status.podIP ? x : undefined;
    });
    assert.ok(cidrContainsIp('10.243.2.0/24', p.status?.podIP ?? ''), p.status?.podIP);
  } finally {
    await agent.stop();
    rt.close();
  }
});
