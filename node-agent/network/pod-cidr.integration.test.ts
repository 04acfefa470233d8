/**
 * The bug, on a real containerd with a real API server and the agent (integration tier, root): a node
 * that is deleted and registers again with another pod CIDR must rewrite its CNI config before it starts pods,
 * and no pod may keep or get an address of the old block.
 *
 * The test plays the node IPAM controller: CIDR A, then (after the re-registration) CIDR B, two halves of the
 * test containerd's own /24 (so nothing outside the run's reserved subnet is ever used).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Node, Pod } from '../../shared/api/core-v1.ts';
import { newClientset, type Clientset } from '../../shared/client/clientset.ts';
import { loadKubeconfig } from '../../shared/client/kubeconfig.ts';
import { cidrContainsIp, formatIpv4, parseIpv4Cidr } from '../../shared/net/ipv4-cidr.ts';
import { BUSYBOX_IMAGE, startContainerd, type ContainerdInstance } from '../../test/integration/framework/containerd.ts';
import { containerdNodeAgentConfig } from '../../test/integration/framework/containerd-node-agent.ts';
import { startTestServer, type TestServer } from '../../test/integration/framework/test-server.ts';
import { untilWith } from '../../test/integration/framework/until.ts';
import { runNodeAgent, type RunningNodeAgent } from '../main.ts';
import { conflistSubnets } from './cni-conflist.ts';

const NODE = 'cidr-node';
const until = untilWith({ timeoutMs: 60_000, everyMs: 100 });

function podOf(name: string): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: { nodeName: NODE, terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: BUSYBOX_IMAGE, command: ['sleep', '3600'] }] },
  };
}

describe('pod CIDR change on a real containerd', () => {
  let cd: ContainerdInstance;
  let srv: TestServer;
  let cs: Clientset;
  let agent: RunningNodeAgent;
  let cidrA = '';
  let cidrB = '';
  let netName = '';
  let ipamDir = '';

  const get = async (name: string) => (await cs.pods.get('default', name)) as Pod;
  const confSubnets = () => conflistSubnets(JSON.parse(fs.readFileSync(path.join(cd.cniConfDir, '10-kubelab.conflist'), 'utf8')));
  const setCidr = async (cidr: string, uidNot?: string) => {
    await until(`Node ${NODE} registered${uidNot ? ' again' : ''}`, async () => {
      const n = (await cs.nodes.get('', NODE)) as Node;
      if (uidNot && n.metadata.uid === uidNot) return undefined;
      await cs.nodes.update({ ...n, spec: { ...n.spec, podCIDR: cidr, podCIDRs: [cidr] } });
      return true;
    });
  };

  before(async () => {
    cd = await startContainerd({ name: 'podcidr' });
    const block = parseIpv4Cidr(cd.subnet);
    if (!block || block.prefix !== 24) throw new Error(`unexpected test subnet ${cd.subnet}`);
    cidrA = `${formatIpv4(block.base)}/25`;
    cidrB = `${formatIpv4(block.base + 128)}/25`;
    netName = `kubelab-${cd.id}`; // the framework's network name: its teardown releases what this network holds
    ipamDir = path.join(cd.rootDir, 'ipam');
    srv = await startTestServer();
    cs = newClientset(loadKubeconfig({ path: srv.kubeconfig }).options);
    const config = containerdNodeAgentConfig(cd, NODE, {
      server: srv.url,
      cniConfDir: cd.cniConfDir,
      cniIpamDir: ipamDir,
      cniNetworkName: netName,
      cniBridge: cd.bridge,
      nodeStatusUpdateFrequencyMs: 1000,
      agent: { relistPeriodMs: 300, housekeepingIntervalMs: 500 },
    });
    delete config.podCIDR; // CIDRs come from the Node, as set by the test
    agent = await runNodeAgent(config);
  });

  after(async () => {
    await agent?.close().catch(() => undefined);
    await srv?.close().catch(() => undefined);
    await cd?.stop();
  });

  it('pod gets an IP in A; after delete + re-register with B the config says B, old pods move to B, new pods get B', async () => {
    await setCidr(cidrA);
    await until('conflist for A', () => confSubnets().join() === cidrA);
    await cs.pods.create(podOf('before'));
    const before = await until('before Running', async () => {
      const p = await get('before');
      return p.status?.phase === 'Running' && p.status.podIP ? p : undefined;
    });
    assert.ok(cidrContainsIp(cidrA, before.status?.podIP ?? ''), `${before.status?.podIP} in ${cidrA}`);
    assert.ok(fs.existsSync(path.join(ipamDir, netName, before.status?.podIP ?? '')), 'host-local reserved it');

    // The node is deleted; the agent registers it again (no CIDR yet), then it gets B.
    const old = (await cs.nodes.get('', NODE)) as Node;
    await cs.nodes.delete('', NODE);
    await setCidr(cidrB, old.metadata.uid);
    await until('conflist for B', () => confSubnets().join() === cidrB);

    await cs.pods.create(podOf('after'));
    const after = await until('after Running', async () => {
      const p = await get('after');
      return p.status?.phase === 'Running' && p.status.podIP ? p : undefined;
    });
    assert.ok(cidrContainsIp(cidrB, after.status?.podIP ?? ''), `${after.status?.podIP} must be in ${cidrB}`);
    const moved = await until('before moved into B', async () => {
      const p = await get('before');
      return p.status?.phase === 'Running' && cidrContainsIp(cidrB, p.status.podIP ?? '') ? p : undefined;
    });
    assert.notEqual(moved.status?.podIP, before.status?.podIP);

    // No trace of A: every running sandbox is in B, host-local holds nothing of A, the bridge has only B's gateway.
    for (const sb of await agent.runtime.listPodSandbox({ state: 'SANDBOX_READY' })) {
      const ip = (await agent.runtime.podSandboxStatus(sb.id)).status.network.ip;
      if (ip) assert.ok(cidrContainsIp(cidrB, ip), `sandbox ${sb.metadata.name} has ${ip}`);
    }
    const reserved = fs.readdirSync(path.join(ipamDir, netName)).filter((f) => /^\d+\.\d+\.\d+\.\d+$/.test(f));
    assert.ok(reserved.length >= 2, `reservations: ${reserved.join(', ')}`);
    for (const f of reserved) assert.ok(cidrContainsIp(cidrB, f), `host-local still reserves ${f}`);
    const addrs = JSON.parse(execFileSync('ip', ['-4', '-j', 'addr', 'show', 'dev', cd.bridge], { encoding: 'utf8' })) as { addr_info: { local: string; prefixlen: number }[] }[];
    assert.deepEqual(addrs.flatMap((l) => l.addr_info.map((a) => `${a.local}/${a.prefixlen}`)), [`${formatIpv4((parseIpv4Cidr(cidrB)?.base ?? 0) + 1)}/25`]);
    // The containerd CRI status reports the loaded network for B.
    const st = await agent.runtime.status({ verbose: true });
    assert.ok((st.info['cniconfig'] ?? '').includes(cidrB.replace('/', '\\/')) || (st.info['cniconfig'] ?? '').includes(cidrB));
  });
});
