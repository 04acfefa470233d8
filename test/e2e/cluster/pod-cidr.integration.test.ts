/**
 * Pod CIDR changes on a real `kubelab up --nodes 2` (issue 13): a node that is deleted and registers again
 * gets a new pod CIDR from the node IPAM controller (the released block is not reused at once). Its agent
 * rewrites the CNI config before it starts pods, pods get addresses of the new block only, the pods that had an
 * old address move into the new block, and the routes follow (node-1's namespace and the host), so the new
 * pods are reached from the other node and from the host. `kubelab down` leaves no pod route behind.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Node, Pod } from '../../../shared/api/core-v1.ts';
import { cidrContainsCidr, cidrContainsIp } from '../../../shared/net/ipv4-cidr.ts';
import { conflistSubnets } from '../../../node-agent/network/cni-conflist.ts';
import { podRoutes } from '../../../deploy/cluster/pod-network.ts';
import { Cluster, exec, prerequisites, waitFor, webPod, wgetArgs, withDiagnostics } from './_cluster.ts';

describe('kubelab up --nodes 2: a node deleted and registered again with a new pod CIDR', { concurrency: 1 }, () => {
  let c: Cluster | undefined;
  const cluster = () => {
    if (!c) throw new Error('the cluster did not come up (see the before hook)');
    return c;
  };
  const conf = (node: string) => {
    const file = join(cluster().node(node).cniConfDir, '10-kubelab.conflist');
    return existsSync(file) ? conflistSubnets(JSON.parse(readFileSync(file, 'utf8'))).join() : '';
  };
  const nodeObj = async (name: string) => (await cluster().nodes()).find((n) => n.metadata.name === name);
  const pod = async (name: string) => (await cluster().pods()).find((p) => p.metadata.name === name);
  /** A pod on `from` fetching http://<ip>:8080/: the body it got (its termination message), or the failure. */
  const fetchFrom = async (from: string, name: string, ip: string): Promise<string> => {
    const k = cluster();
    await k.apply([{
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, labels: { app: 'cidr-client' } },
      spec: {
        restartPolicy: 'Never',
        terminationGracePeriodSeconds: 1,
        nodeSelector: { 'kubernetes.io/hostname': from },
        containers: [{ name: 'wget', image: 'localhost/busybox:1.35', command: ['sh', '-c', `timeout 5 wget -qO- http://${ip}:8080/ > /dev/termination-log`] }],
      },
    }]);
    const done = await waitFor(`${name} finished`, async () => {
      const p = await pod(name);
      return p?.status?.phase === 'Succeeded' || p?.status?.phase === 'Failed' ? p : undefined;
    }, 60_000);
    const term = done.status?.containerStatuses?.[0]?.state?.terminated;
    return done.status?.phase === 'Succeeded' ? (term?.message ?? '').trim() : `failed: ${JSON.stringify(term)}`;
  };

  before(async () => {
    prerequisites();
    c = await Cluster.up('podcidr', ['--nodes', '2']);
  });
  after(async () => {
    if (!c) return;
    const r = await c.down();
    if (r.code !== 0) process.stderr.write(`[e2e] kubelab down exited ${r.code}: ${r.stderr}\n`);
    c.cleanup();
  });

  it('each agent wrote the CNI config of its own CIDR; host and nodes route every pod CIDR', () => withDiagnostics(c, async () => {
    const k = cluster();
    const nodes = await k.nodes();
    for (const n of nodes) {
      const name = n.metadata.name ?? '';
      assert.equal(conf(name), n.spec?.podCIDR, `${name}'s conflist`);
      assert.ok(cidrContainsCidr(k.state.network?.clusterCIDR ?? '', n.spec?.podCIDR ?? ''), 'inside the cluster CIDR');
      assert.ok((await podRoutes()).includes(`${n.spec?.podCIDR} via ${k.node(name).ip}`), `host route to ${name}`);
    }
    const [one, two] = ['node-1', 'node-2'].map((x) => nodes.find((n) => n.metadata.name === x) as Node);
    assert.ok((await podRoutes(k.node('node-1').netns)).includes(`${two?.spec?.podCIDR} via ${k.node('node-2').ip}`));
    assert.ok((await podRoutes(k.node('node-2').netns)).includes(`${one?.spec?.podCIDR} via ${k.node('node-1').ip}`));
  }));

  it('after delete + re-register: config, pods and routes are on the new CIDR; pods reach each other and the host reaches them', (t) => withDiagnostics(c, async () => {
    const k = cluster();
    await k.apply([webPod('peer', { nodeName: 'node-1', labels: { app: 'cidr-web' } }), webPod('old', { nodeName: 'node-2', labels: { app: 'cidr-web' } })]);
    await k.waitRunning('app=cidr-web', 2);
    const before = (await nodeObj('node-2')) as Node;
    const oldCidr = before.spec?.podCIDR ?? '';
    const oldPod = (await pod('old')) as Pod;
    assert.ok(cidrContainsIp(oldCidr, oldPod.status?.podIP ?? ''));

    const t0 = Date.now();
    await k.kubectl.ok(['delete', 'node', 'node-2']);
    const after = await waitFor('node-2 registered again with a pod CIDR', async () => {
      const n = await nodeObj('node-2');
      return n && n.metadata.uid !== before.metadata.uid && n.spec?.podCIDR ? n : undefined;
    }, 60_000);
    const newCidr = after.spec?.podCIDR ?? '';
    assert.notEqual(newCidr, oldCidr, 'the released block is not handed out again at once');
    await waitFor('node-2 conflist on the new CIDR', async () => (conf('node-2') === newCidr ? true : undefined), 30_000);
    t.diagnostic(`node-2: ${oldCidr} -> ${newCidr}, config rewritten ${((Date.now() - t0) / 1000).toFixed(1)} s after the delete`);

    await k.apply([webPod('fresh', { nodeName: 'node-2', labels: { app: 'cidr-fresh' } })]);
    const [fresh] = await k.waitRunning('app=cidr-fresh', 1);
    assert.ok(cidrContainsIp(newCidr, fresh?.status?.podIP ?? ''), `fresh got ${fresh?.status?.podIP}, want inside ${newCidr}`);
    const moved = await waitFor('old moved into the new CIDR', async () => {
      const p = await pod('old');
      return p?.status?.phase === 'Running' && cidrContainsIp(newCidr, p.status.podIP ?? '') ? p : undefined;
    }, 60_000);
    assert.notEqual(moved.status?.podIP, oldPod.status?.podIP);
    // Nothing on node-2 runs with an address of the old block.
    for (const sb of await k.runtime('node-2').listPodSandbox({ state: 'SANDBOX_READY' })) {
      const ip = (await k.runtime('node-2').podSandboxStatus(sb.id)).status.network.ip;
      if (ip) assert.ok(cidrContainsIp(newCidr, ip), `sandbox ${sb.metadata.name} on node-2 has ${ip}`);
    }

    // Routes followed: node-1 and the host route the new block to node-2 and no longer the old one.
    await waitFor('routes on the new CIDR', async () => {
      const host = await podRoutes();
      const inOne = await podRoutes(k.node('node-1').netns);
      const want = `${newCidr} via ${k.node('node-2').ip}`;
      const stale = (r: string) => r.startsWith(`${oldCidr} `);
      return host.includes(want) && inOne.includes(want) && !host.some(stale) && !inOne.some(stale) ? true : undefined;
    }, 30_000);

    const peer = (await pod('peer')) as Pod;
    assert.equal(await fetchFrom('node-1', 'c-1to2', fresh?.status?.podIP ?? ''), 'fresh', 'node-1 -> fresh on node-2');
    assert.equal(await fetchFrom('node-2', 'c-2to1', peer.status?.podIP ?? ''), 'peer', 'fresh side (node-2) -> peer on node-1');
    const [cmd, args] = wgetArgs(`http://${fresh?.status?.podIP}:8080/`);
    const fromHost = await exec(cmd, args, { timeoutMs: 10_000 });
    assert.equal(fromHost.stdout.trim(), 'fresh', `host -> fresh: ${fromHost.stderr}`);
  }));

  it('kubelab down removes the pod routes of the cluster', () => withDiagnostics(c, async () => {
    const k = cluster();
    const clusterCIDR = k.state.network?.clusterCIDR ?? '';
    const r = await k.down();
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const left = (await podRoutes()).filter((x) => cidrContainsCidr(clusterCIDR, x.split(' ')[0] ?? ''));
    assert.deepEqual(left, []);
  }));
});
