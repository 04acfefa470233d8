/**
 * `kubelab up` end to end (issue 6): real kubectl, real containerd per node, real network namespaces.
 *
 * 1. Bad inputs: not root, a taken port, unknown flags, --nodes 0, a component that cannot start: a clear
 *    error, a non-zero exit, and nothing left on the host.
 * 2. `--nodes 3` (embedded store): 30 pods spread by the scheduler, each running on the node it was bound to
 *    (hostIP, the node's containerd over CRI, the pod answering from inside its node's namespace); pod to pod
 *    across nodes by pod IP; hostPort through the node address; a killed node agent (Unknown, unreachable
 *    taint, eviction after tolerationSeconds); `kubelab down` leaves nothing, twice.
 * 3. `--storage etcd --etcd-members 3 --apiservers 2 --controllers 2 --nodes 1 --sim-nodes 20`: simulated nodes
 *    run pinned pods; then the etcd leader, one API server and the leading controller are killed at once:
 *    kubectl keeps working through the load balancer, the other controller takes over, pods created meanwhile
 *    are scheduled, none is lost or bound twice; down leaves nothing.
 *
 * Each cluster lives in its own temp --state-dir on a free port, and `kubelab down` always runs in `after`.
 * A failed test keeps the state dir and appends the component logs (<state>/logs) to its error.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import {
  Cluster, freePorts, inNetns, kubelab, leftovers, nodeReady, prerequisites, sleep, waitFor, webPod, wgetArgs,
  withDiagnostics, exec, footprintOf, startKubelab, type Footprint,
} from './_cluster.ts';
import type { ClusterState } from '../../../deploy/cluster/cluster-state.ts';
import type { Event, Pod } from '../../../shared/api/core-v1.ts';
import type { KubeList } from '../../../shared/api/meta.ts';
import type { Lease } from '../../../shared/api/coordination-v1.ts';

const UNREACHABLE = 'node.kubernetes.io/unreachable';
const NOT_READY = 'node.kubernetes.io/not-ready';

function listen(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(port, '0.0.0.0', () => resolve(s));
  });
}

/** Nothing on the host refers to a state dir that never got a cluster. */
async function assertNothingFor(stateDir: string, output: string): Promise<void> {
  assert.ok(!existsSync(join(stateDir, 'cluster.json')), `${stateDir}/cluster.json exists after a refused up`);
  assert.doesNotMatch(output, /bridge klb\d+/, 'a refused up must not get as far as claiming a network');
  assert.deepEqual(await leftovers({ stateDir, processes: [], netns: [], links: [], cgroupPrefixes: [] }), []);
}

// One cluster at a time (2 cores): the suites and their tests run in order.
describe('kubelab up end to end', { concurrency: 1 }, () => {
describe('kubelab up: bad inputs fail clearly and leave nothing behind', { concurrency: 1 }, () => {
  const dirs: string[] = [];
  const tempDir = (label: string) => {
    const d = Cluster.tempStateDir(label);
    dirs.push(d);
    return d;
  };
  before(() => prerequisites());
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('refuses to run as a non-root user, before creating anything', async () => {
    const dir = join(tempDir('nonroot'), 'state');
    const r = await kubelab(['up', '--nodes', '1', '--state-dir', dir, '--skip-install'], { asNobody: true });
    assert.equal(r.code, 1, `exit code\n${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, /kubelab up: step "prerequisites" failed: kubelab up must run as root/);
    assert.match(r.stderr, /fix: run it with sudo, or as root/);
    assert.ok(!existsSync(dir), 'the state dir must not be created');
  });

  it('refuses a taken API server port (and, with two API servers, a taken backend port)', async () => {
    const port = await freePorts();
    const busy = await listen(port);
    try {
      const dir = tempDir('port');
      const r = await kubelab(['up', '--nodes', '1', '--state-dir', dir, '--apiserver-port', String(port), '--skip-install']);
      assert.equal(r.code, 1, `exit code\n${r.stdout}\n${r.stderr}`);
      assert.match(r.stderr, new RegExp(`port ${port} is already in use`));
      assert.match(r.stderr, /fix: stop what listens there .* or pass another --apiserver-port/);
      await assertNothingFor(dir, r.stdout + r.stderr);
    } finally {
      busy.close();
    }
    const busyBackend = await listen(port + 2);
    try {
      const dir = tempDir('port2');
      const r = await kubelab(['up', '--nodes', '1', '--storage', 'etcd', '--apiservers', '2', '--state-dir', dir, '--apiserver-port', String(port), '--skip-install']);
      assert.equal(r.code, 1, `exit code\n${r.stdout}\n${r.stderr}`);
      assert.match(r.stderr, new RegExp(`port ${port + 2} \\(the API servers behind the load balancer`));
      await assertNothingFor(dir, r.stdout + r.stderr);
    } finally {
      busyBackend.close();
    }
  });

  it('rejects unknown flags and invalid values with usage or the reason', async () => {
    const dir = tempDir('flags');
    const cases: { args: string[]; code: number; stderr: RegExp }[] = [
      { args: ['--nodse', '3'], code: 2, stderr: /kubelab up: unknown flag: --nodse\n\nUsage: kubelab up \[flags\]/ },
      { args: ['--nodes', '0'], code: 1, stderr: /step "flags" failed: --nodes must be between 1 and 20, got 0/ },
      { args: ['--nodes', 'three'], code: 2, stderr: /invalid value for --nodes: "three" \(want a number\)/ },
      { args: ['--storage', 'sqlite'], code: 2, stderr: /--storage must be embedded or etcd, got "sqlite"/ },
      { args: ['--apiservers', '2'], code: 1, stderr: /two API servers need shared storage\n {2}fix: add --storage etcd/ },
      { args: ['--etcd-members', '2', '--storage', 'etcd'], code: 2, stderr: /--etcd-members must be 1 or 3, got 2/ },
    ];
    const results = await Promise.all(cases.map((c) => kubelab(['up', '--state-dir', dir, '--skip-install', ...c.args])));
    for (const [i, c] of cases.entries()) {
      const r = results[i] as Awaited<ReturnType<typeof kubelab>>;
      assert.equal(r.code, c.code, `kubelab up ${c.args.join(' ')}: exit code\n${r.stdout}\n${r.stderr}`);
      assert.match(r.stderr, c.stderr, `kubelab up ${c.args.join(' ')}`);
      assert.doesNotMatch(r.stderr, /\n\s+at /, `kubelab up ${c.args.join(' ')} printed a stack trace`);
    }
    await assertNothingFor(dir, results.map((r) => r.stdout + r.stderr).join('\n'));
  });

  it('Ctrl-C while coming up tears down everything started so far and exits 130', async () => {
    const dir = tempDir('sigint');
    const port = await freePorts();
    const up = startKubelab(['up', '--nodes', '2', '--state-dir', dir, '--apiserver-port', String(port), '--skip-install']);
    // Interrupted while containerd starts: the API server and the controller run, the network exists.
    await up.waitForOutput(/\] containerd on 2 nodes/, 120_000);
    const state = JSON.parse(readFileSync(join(dir, 'cluster.json'), 'utf8')) as ClusterState;
    assert.ok(state.daemons.some((d) => d.name === 'apiserver-0'), 'the API server was started');
    up.child.kill('SIGINT');
    const code = await up.exit;
    const { stdout, stderr } = up.output();
    assert.equal(code, 130, `exit code\n${stdout}\n${stderr}`);
    assert.match(stdout, /SIGINT: stopping/);
    assert.match(stdout, /Tearing down what was started/);
    assert.match(stderr, /failed: interrupted by SIGINT; everything started was removed again/);
    assert.deepEqual(await leftovers(footprintOf(state)), []);
    const index = state.network?.index as number;
    assert.deepEqual(await leftovers({ stateDir: dir, processes: [], netns: [`klb${index}-node-1`, `klb${index}-node-2`], links: [`klb${index}v0`, `klb${index}v1`], bridge: `klb${index}`, index, cgroupPrefixes: [`/kubelab${index}-node-1`, `/kubelab${index}-node-2`] }), []);
    assert.ok(!existsSync(join(dir, 'cluster.json')));
  });

  it('a component that cannot start: names it and its log, tears down everything started so far', async () => {
    const dir = tempDir('badcomp');
    const port = await freePorts();
    const r = await kubelab(['up', '--nodes', '1', '--state-dir', dir, '--apiserver-port', String(port), '--skip-install', '--controller-args', '--no-such-flag']);
    assert.equal(r.code, 1, `exit code\n${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, /kubelab up: step ".+" failed: controller-0 exited/);
    assert.match(r.stderr, /unknown flag: --no-such-flag/, 'the controller log tail is part of the error');
    assert.match(r.stderr, new RegExp(`fix: see the component logs in ${dir}/logs`));
    assert.match(r.stdout, /Tearing down what was started/);
    const m = /bridge (klb(\d+)),/.exec(r.stdout);
    assert.ok(m, `up printed no network step:\n${r.stdout}`);
    const index = Number(m[2]);
    const fp: Footprint = {
      stateDir: dir, processes: [], netns: [`klb${index}-node-1`], links: [`klb${index}v0`], bridge: m[1], index,
      cgroupPrefixes: [`/kubelab${index}-node-1`],
    };
    assert.deepEqual(await leftovers(fp), []);
    assert.ok(!existsSync(join(dir, 'cluster.json')), 'cluster.json is removed with the cluster');
    assert.ok(existsSync(join(dir, 'logs', 'controller-0.log')), 'the logs stay for diagnosis');
  });
});

describe('kubelab up --nodes 3 (embedded store): pods on real nodes, networking, a dead node, down', { concurrency: 1 }, () => {
  let c: Cluster | undefined;
  const cluster = () => {
    if (!c) throw new Error('the cluster did not come up (see the before hook)');
    return c;
  };
  before(async () => {
    prerequisites();
    // Short failure detection: the agents renew their Lease every second (4 s / 4), the controller calls a node
    // Unknown after 8 s of silence (upstream: 40 s lease renewed every 10 s, 50 s grace).
    c = await Cluster.up('three', [
      '--nodes', '3', '--node-args', '--node-lease-duration-seconds 4',
      '--controller-args', '--node-monitor-grace-period 8s --node-monitor-period 1s --default-unreachable-toleration-seconds 3',
    ]);
  });
  after(async () => {
    if (!c) return;
    const r = await c.down();
    if (r.code !== 0) process.stderr.write(`[e2e] kubelab down exited ${r.code}: ${r.stderr}\n`);
    c.cleanup();
  });

  it('prints the KUBECONFIG export last; every node is Ready with its own address and pod CIDR', (t) => withDiagnostics(c, async () => {
    const k = cluster();
    t.diagnostic(k.upResult.stdout.split('\n').filter((l) => /Cluster ready/.test(l)).join(' '));
    const lines = k.upResult.stdout.trimEnd().split('\n');
    assert.equal(lines.at(-1), `export KUBECONFIG=${join(k.stateDir, 'kubeconfig')}`);
    assert.match(k.upResult.stdout, /Cluster ready in [\d.]+s: API server https:\/\/10\.213\.\d+\.1:\d+/);
    const nodes = await k.nodes();
    assert.deepEqual(nodes.map((n) => n.metadata.name).sort(), ['node-1', 'node-2', 'node-3']);
    const cidrs = new Set<string>();
    for (const n of nodes) {
      const rec = k.node(n.metadata.name ?? '');
      assert.equal(nodeReady(n), 'True', `${n.metadata.name} Ready`);
      assert.deepEqual(n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address, rec.ip);
      assert.ok(n.spec?.podCIDR, `${n.metadata.name} has a pod CIDR`);
      cidrs.add(n.spec.podCIDR);
      assert.match(n.status?.nodeInfo?.containerRuntimeVersion ?? '', /^containerd:\/\//);
    }
    assert.equal(cidrs.size, 3, 'pod CIDRs are distinct');
    const st = await kubelab(['status', '--state-dir', k.stateDir]);
    assert.equal(st.code, 0, st.stdout + st.stderr);
    assert.match(st.stdout, /apiserver-0\s+\d+\s+running/);
    assert.match(st.stdout, /node-node-3\s+\d+\s+running/);
    assert.match(st.stdout, /API server https:\/\/\S+: ready/);
    assert.ok(!/DEAD/.test(st.stdout), st.stdout);
  }));

  it('30 pods are spread by the scheduler and each runs on the node it was bound to', () => withDiagnostics(c, async () => {
    const k = cluster();
    await k.apply(Array.from({ length: 30 }, (_, i) => webPod(`spread-${i}`, { labels: { app: 'spread' } })));
    const pods = await k.waitRunning('app=spread', 30, 120_000);
    const perNode = new Map<string, Pod[]>();
    for (const p of pods) perNode.set(p.spec?.nodeName ?? '', [...(perNode.get(p.spec?.nodeName ?? '') ?? []), p]);
    const counts = ['node-1', 'node-2', 'node-3'].map((n) => perNode.get(n)?.length ?? 0);
    assert.equal(counts.reduce((a, b) => a + b), 30, `every pod is on a real node: ${[...perNode.keys()]}`);
    assert.ok(Math.max(...counts) - Math.min(...counts) <= 3, `pods are spread over the nodes: ${counts}`);

    const nodes = await k.nodes();
    for (const [nodeName, ps] of perNode) {
      const rec = k.node(nodeName);
      const cidr = nodes.find((n) => n.metadata.name === nodeName)?.spec?.podCIDR ?? '';
      const prefix = cidr.replace(/\.0\/24$/, '.');
      // The node's own containerd runs a ready sandbox with a running container for each of its pods, and the
      // other nodes' containerds run none of them.
      const sandboxes = await k.runtime(nodeName).listPodSandbox({ state: 'SANDBOX_READY' });
      const running = await k.runtime(nodeName).listContainers({ state: 'CONTAINER_RUNNING' });
      for (const p of ps) {
        assert.equal(p.status?.hostIP, rec.ip, `${p.metadata.name}: hostIP is ${nodeName}'s InternalIP`);
        assert.ok(p.status?.podIP?.startsWith(prefix), `${p.metadata.name}: pod IP ${p.status?.podIP} in ${nodeName}'s ${cidr}`);
        const sb = sandboxes.filter((s) => s.metadata.uid === p.metadata.uid);
        assert.equal(sb.length, 1, `${p.metadata.name}: one ready sandbox on ${nodeName}'s containerd`);
        assert.equal(running.filter((x) => x.podSandboxId === sb[0]?.id).length, 1, `${p.metadata.name}: its container runs on ${nodeName}`);
        assert.equal(p.status?.containerStatuses?.[0]?.containerID, `containerd://${running.find((x) => x.podSandboxId === sb[0]?.id)?.id}`);
      }
      for (const other of ['node-1', 'node-2', 'node-3'].filter((n) => n !== nodeName)) {
        const theirs = new Set((await k.runtime(other).listPodSandbox()).map((s) => s.metadata.uid));
        for (const p of ps) assert.ok(!theirs.has(p.metadata.uid ?? ''), `${p.metadata.name} has no sandbox on ${other}`);
      }
      // From inside the node: the pod IP is on the node's own CNI bridge (no route via another node), and the
      // pod serves its own name.
      for (const p of ps) {
        const route = await inNetns(rec.netns, 'ip', ['-o', 'route', 'get', p.status?.podIP ?? '']);
        assert.equal(route.code, 0, route.stderr);
        assert.doesNotMatch(route.stdout, / via /, `${p.metadata.name}: ${route.stdout}`);
        const [cmd, args] = wgetArgs(`http://${p.status?.podIP}:8080/`);
        const got = await inNetns(rec.netns, cmd, args);
        assert.equal(got.stdout.trim(), p.metadata.name, `wget ${p.metadata.name} from inside ${nodeName}: ${got.stderr}`);
      }
    }
  }));

  it('a pod on one node fetches from pods on the other nodes by pod IP', () => withDiagnostics(c, async () => {
    const k = cluster();
    const pods = await k.pods('default', 'app=spread');
    const on = (n: string) => pods.find((p) => p.spec?.nodeName === n) as Pod;
    const pairs: [string, Pod][] = [['node-2', on('node-1')], ['node-1', on('node-3')], ['node-3', on('node-2')]];
    await k.apply(pairs.map(([from, target], i) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `client-${i}`, labels: { app: 'client' } },
      spec: {
        restartPolicy: 'Never',
        terminationGracePeriodSeconds: 1,
        nodeSelector: { 'kubernetes.io/hostname': from },
        containers: [{
          name: 'wget',
          image: 'localhost/busybox:1.35',
          command: ['sh', '-c', `timeout 5 wget -qO- http://${target.status?.podIP}:8080/ > /dev/termination-log`],
        }],
      },
    })));
    const done = await waitFor('the client pods to finish', async () => {
      const ps = await k.pods('default', 'app=client');
      return ps.length === pairs.length && ps.every((p) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed') ? ps : undefined;
    }, 60_000);
    for (const [i, [from, target]] of pairs.entries()) {
      const p = done.find((x) => x.metadata.name === `client-${i}`) as Pod;
      assert.equal(p.spec?.nodeName, from);
      const term = p.status?.containerStatuses?.[0]?.state?.terminated;
      assert.equal(p.status?.phase, 'Succeeded', `client on ${from} -> ${target.metadata.name} on ${target.spec?.nodeName}: ${JSON.stringify(term)}`);
      assert.equal(term?.message?.trim(), target.metadata.name, `${from} -> ${target.spec?.nodeName} by pod IP`);
    }
  }));

  it('hostPort reaches a pod through its node address from the host, and only there', () => withDiagnostics(c, async () => {
    const k = cluster();
    await k.apply([webPod('hostport', { nodeName: 'node-3', hostPort: 8001, labels: { app: 'hostport' } })]);
    await k.waitRunning('app=hostport', 1);
    const [cmd, args] = wgetArgs(`http://${k.node('node-3').ip}:8001/`);
    const got = await waitFor('the hostPort to answer', async () => {
      const r = await exec(cmd, args);
      return r.code === 0 ? r.stdout : undefined;
    }, 15_000);
    assert.equal(got.trim(), 'hostport');
    const [cmd2, args2] = wgetArgs(`http://${k.node('node-1').ip}:8001/`, 3);
    const other = await exec(cmd2, args2);
    assert.notEqual(other.code, 0, `node-1 must not answer on node-3's hostPort: ${other.stdout}`);
  }));

  it('a second up on the same state dir is refused while the cluster runs, and the cluster keeps running', () => withDiagnostics(c, async () => {
    const k = cluster();
    const r = await kubelab(['up', '--nodes', '3', '--state-dir', k.stateDir, '--skip-install']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, new RegExp(`a cluster is already running from ${k.stateDir}`));
    assert.match(r.stderr, /fix: run 'kubelab down' there first, or use another --state-dir/);
    assert.ok((await k.nodes()).every((n) => nodeReady(n) === 'True'));
    assert.ok(k.reloadState().daemons.length >= 8, 'cluster.json still describes the running cluster');
  }));

  it('a killed node agent: the node goes Unknown with the unreachable taint, pods tolerating 3 s are evicted', (t) => withDiagnostics(c, async () => {
    const k = cluster();
    const tolerate3 = [
      { key: UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 3 },
      { key: NOT_READY, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 3 },
    ];
    await k.apply([0, 1].map((i) => webPod(`evict-${i}`, { nodeName: 'node-3', labels: { app: 'evict' }, tolerations: tolerate3 })));
    await k.waitRunning('app=evict', 2);
    const staying = (await k.pods('default', 'app=spread')).filter((p) => p.spec?.nodeName === 'node-3');
    assert.ok(staying.length > 0, 'some default-toleration pods run on node-3');

    const agent = k.daemon('node-node-3');
    const t0 = Date.now();
    process.kill(agent.pid, 'SIGKILL');
    const node = await waitFor('node-3 Ready=Unknown with the unreachable NoExecute taint', async () => {
      const n = (await k.nodes()).find((x) => x.metadata.name === 'node-3');
      const tainted = n?.spec?.taints?.some((x) => x.key === UNREACHABLE && x.effect === 'NoExecute');
      return n && nodeReady(n) === 'Unknown' && tainted ? n : undefined;
    }, 45_000);
    const tUnknown = Date.now();
    const ready = node.status?.conditions?.find((x) => x.type === 'Ready');
    assert.equal(ready?.reason, 'NodeStatusUnknown');
    const evicted = await waitFor('evict-0/1 to be deleted by the taint manager', async () => {
      const ps = await k.pods('default', 'app=evict');
      return ps.every((p) => p.metadata.deletionTimestamp) ? ps : undefined;
    }, 30_000);
    const tEvicted = Date.now();
    const taintAdded = Date.parse(node.spec?.taints?.find((x) => x.key === UNREACHABLE && x.effect === 'NoExecute')?.timeAdded ?? '');
    assert.ok(Number.isFinite(taintAdded), 'the unreachable taint has timeAdded');
    for (const p of evicted) {
      const cond = p.status?.conditions?.find((x) => x.type === 'DisruptionTarget');
      assert.equal(cond?.reason, 'DeletionByTaintManager', `${p.metadata.name}: ${JSON.stringify(p.status?.conditions)}`);
      // Not before the toleration ran out (timestamps have second precision).
      const at = Date.parse(cond?.lastTransitionTime ?? '');
      assert.ok(at >= taintAdded + 3000 - 1000, `${p.metadata.name} evicted at ${cond?.lastTransitionTime}, taint added ${new Date(taintAdded).toISOString()}, tolerationSeconds 3`);
    }
    // Pods with the admission default (300 s) stay; the other nodes stay Ready.
    const now = await k.pods('default', 'app=spread');
    for (const s of staying) {
      const p = now.find((x) => x.metadata.uid === s.metadata.uid);
      assert.ok(p && !p.metadata.deletionTimestamp, `${s.metadata.name} (tolerates 300 s) must not be evicted yet`);
    }
    for (const n of await k.nodes()) if (n.metadata.name !== 'node-3') assert.equal(nodeReady(n), 'True', `${n.metadata.name} stays Ready`);
    t.diagnostic(`agent killed -> node Unknown + tainted ${((tUnknown - t0) / 1000).toFixed(1)} s -> pods evicted ${((tEvicted - tUnknown) / 1000).toFixed(1)} s later`);
  }));

  it('kubelab down removes every process, namespace, link, route, mount and cgroup; a second down is fine', () => withDiagnostics(c, async () => {
    const k = cluster();
    const fp = k.footprint();
    assert.ok(fp.processes.filter((p) => p.what.startsWith('container process')).length >= 30, `container processes recorded: ${fp.processes.length}`);
    assert.equal(fp.netns.length, 3);
    const r = await k.down();
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /kubelab down: done in [\d.]+s/);
    assert.deepEqual(await leftovers(fp), []);
    assert.ok(!existsSync(join(k.stateDir, 'cluster.json')));
    assert.ok(!existsSync(join(k.stateDir, 'nodes')), 'node dirs (containerd state, volumes) are removed');
    const again = await kubelab(['down', '--state-dir', k.stateDir]);
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.match(again.stdout, /nothing to do/);
  }));
});

describe('kubelab up --storage etcd --etcd-members 3 --apiservers 2 --controllers 2 --nodes 1 --sim-nodes 20', { concurrency: 1 }, () => {
  let c: Cluster | undefined;
  const cluster = () => {
    if (!c) throw new Error('the cluster did not come up (see the before hook)');
    return c;
  };
  before(async () => {
    prerequisites();
    c = await Cluster.up('ha', [
      '--nodes', '1', '--sim-nodes', '20', '--storage', 'etcd', '--etcd-members', '3', '--apiservers', '2', '--controllers', '2',
      '--controller-args', '--leader-elect-lease-duration 4s --leader-elect-renew-deadline 3s --leader-elect-retry-period 1s',
    ]);
  });
  after(async () => {
    if (!c) return;
    const r = await c.down();
    if (r.code !== 0) process.stderr.write(`[e2e] kubelab down exited ${r.code}: ${r.stderr}\n`);
    c.cleanup();
  });

  it('21 nodes are Ready; pods pinned to simulated nodes run there on the simulated runtime', () => withDiagnostics(c, async () => {
    const k = cluster();
    const nodes = await k.nodes();
    assert.equal(nodes.length, 21, nodes.map((n) => n.metadata.name).join(' '));
    for (const n of nodes) assert.equal(nodeReady(n), 'True', `${n.metadata.name} Ready`);
    const sims = nodes.filter((n) => n.metadata.name?.startsWith('sim-'));
    assert.equal(sims.length, 20);
    for (const n of sims) assert.match(n.status?.nodeInfo?.containerRuntimeVersion ?? '', /^kubelab-sim:\/\//, n.metadata.name);
    const targets = ['sim-0', 'sim-7', 'sim-13', 'sim-19'];
    await k.apply([
      ...targets.map((n) => webPod(`pin-${n}`, { nodeName: n, labels: { app: 'pin' } })),
      webPod('pin-node-1', { nodeName: 'node-1', labels: { app: 'pin' } }),
    ]);
    const pods = await k.waitRunning('app=pin', 5, 60_000);
    for (const n of [...targets, 'node-1']) {
      const p = pods.find((x) => x.metadata.name === `pin-${n}`) as Pod;
      const node = nodes.find((x) => x.metadata.name === n);
      assert.equal(p.spec?.nodeName, n);
      assert.equal(p.status?.hostIP, node?.status?.addresses?.find((a) => a.type === 'InternalIP')?.address, `${p.metadata.name} hostIP`);
      const runtime = n === 'node-1' ? 'containerd' : 'kubelab-sim';
      assert.match(p.status?.containerStatuses?.[0]?.containerID ?? '', new RegExp(`^${runtime}://`), `${p.metadata.name} runs on ${runtime}`);
    }
    const real = new Set((await k.runtime('node-1').listPodSandbox({ state: 'SANDBOX_READY' })).map((s) => s.metadata.name));
    assert.deepEqual([...real].filter((n) => n.startsWith('pin-')), ['pin-node-1'], 'only the real node\'s pod has a containerd sandbox');
  }));

  it('losing the etcd leader, an API server and the leading controller at once: no outage for kubectl, a new leader, no pod lost or bound twice', (t) => withDiagnostics(c, async () => {
    const k = cluster();
    const labels = { ha: 'yes' };
    await k.apply(Array.from({ length: 10 }, (_, i) => webPod(`pre-${i}`, { labels })));
    const pre = await k.waitRunning('ha=yes', 10, 60_000);

    const leasePath = '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kubelab-controller';
    const lease0 = await k.api.request<Lease>({ path: leasePath });
    const leader = lease0.spec?.holderIdentity ?? '';
    const controllers = ['controller-0', 'controller-1'].map((n) => k.daemon(n));
    const leading = controllers.find((d) => readFileSync(d.log, 'utf8').includes(`identity=${leader}`));
    assert.ok(leading, `no controller log names the lease holder ${leader}`);
    const survivor = controllers.find((d) => d !== leading) as (typeof controllers)[number];
    // The etcd member that leads the raft (the harsher loss: an election follows).
    const members = k.state.daemons.filter((d) => d.name.startsWith('etcd-'));
    assert.equal(members.length, 3);
    // etcd serves clients over mutual TLS only: asked with the API servers' client certificate, and refused
    // without a certificate.
    const pkiDir = join(k.stateDir, 'pki', 'etcd');
    const etcdTLS = { ca: readFileSync(join(pkiDir, 'ca.crt')), cert: readFileSync(join(pkiDir, 'apiserver-etcd-client.crt')), key: readFileSync(join(pkiDir, 'apiserver-etcd-client.key')) };
    const etcdURL = (i: number) => `https://${k.state.network?.hostIP}:${2379 + i * 2}`;
    const status = await Promise.all(members.map(async (_, i) => JSON.parse(await etcdPost(`${etcdURL(i)}/v3/maintenance/status`, etcdTLS)) as { header: { member_id: string }; leader: string }));
    await assert.rejects(etcdPost(`${etcdURL(0)}/v3/maintenance/status`, { ca: etcdTLS.ca }), 'a client without a certificate is refused');
    await assert.rejects(fetch(`http://${k.state.network?.hostIP}:2379/v3/maintenance/status`, { method: 'POST', body: '{}', signal: AbortSignal.timeout(3000) }).then((r) => r.json()), 'plain http is refused');
    const etcdLeader = members[status.findIndex((s) => s.header.member_id === s.leader)];
    assert.ok(etcdLeader, `no etcd member reports itself leader: ${JSON.stringify(status)}`);
    const victims = [etcdLeader, k.daemon('apiserver-0'), leading];

    // Watch the pods by polling through the load balancer: a pod's uid and nodeName never change once set.
    const seen = new Map<string, { uid: string; node: string }>();
    const violations: string[] = [];
    let pollErrors = 0;
    let polling = true;
    const poller = (async () => {
      while (polling) {
        try {
          for (const p of await k.pods('default', 'ha=yes')) {
            const name = p.metadata.name ?? '';
            const prev = seen.get(name);
            const node = p.spec?.nodeName ?? '';
            if (prev && prev.uid !== p.metadata.uid) violations.push(`${name} was recreated (${prev.uid} -> ${p.metadata.uid})`);
            if (prev?.node && node !== prev.node) violations.push(`${name} moved from ${prev.node} to ${node || '<unbound>'}`);
            seen.set(name, { uid: p.metadata.uid ?? '', node: node || prev?.node || '' });
          }
        } catch {
          pollErrors++;
        }
        await sleep(250);
      }
    })();
    const timings: string[] = [];
    let all: Pod[];
    try {
      const t0 = Date.now();
      const mark = (what: string) => timings.push(`${what} after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      for (const d of victims) process.kill(d.pid, 'SIGKILL');

      // kubectl keeps working through the load balancer while all of that recovers; pods created meanwhile get
      // scheduled once the other controller leads.
      const get = await k.kubectl.run(['get', 'nodes', '-o', 'name'], { timeoutMs: 30_000 });
      assert.equal(get.code, 0, `kubectl get nodes right after the kills: ${get.stderr}`);
      assert.equal(get.stdout.trim().split('\n').length, 21);
      mark('kubectl get nodes');
      for (let i = 0; i < 10; i++) {
        const r = await k.kubectl.run(['apply', '-f', '-'], { stdin: JSON.stringify(webPod(`during-${i}`, { labels })), timeoutMs: 30_000 });
        assert.equal(r.code, 0, `kubectl apply during-${i} during the failover: ${r.stderr}`);
      }
      mark('10 pods created with kubectl');
      const lease1 = await waitFor('the other controller to take the lease', async () => {
        const l = await k.api.request<Lease>({ path: leasePath });
        return l.spec?.holderIdentity && l.spec.holderIdentity !== leader ? l : undefined;
      }, 45_000);
      mark('new leader');
      assert.ok(readFileSync(survivor.log, 'utf8').includes(`identity=${lease1.spec?.holderIdentity}`), 'the surviving controller holds the lease');
      assert.equal(lease1.spec?.leaseTransitions, (lease0.spec?.leaseTransitions ?? 0) + 1);
      all = await k.waitRunning('ha=yes', 20, 90_000);
      mark('all 20 pods Running');
    } finally {
      polling = false;
      await poller;
    }
    assert.deepEqual(violations, []);
    for (const p of pre) {
      const now = all.find((x) => x.metadata.name === p.metadata.name);
      assert.equal(now?.metadata.uid, p.metadata.uid, `${p.metadata.name} survived`);
      assert.equal(now?.spec?.nodeName, p.spec?.nodeName, `${p.metadata.name} stayed on its node`);
    }
    // Exactly one Scheduled event per pod: no pod was bound twice across the leader change.
    const events = (await k.api.request<KubeList<Event>>({ path: '/api/v1/namespaces/default/events' })).items;
    for (const p of all) {
      const scheduled = events.filter((e) => e.reason === 'Scheduled' && e.involvedObject.uid === p.metadata.uid);
      assert.equal(scheduled.length, 1, `${p.metadata.name}: Scheduled events ${JSON.stringify(scheduled.map((e) => e.message))}`);
      assert.equal(scheduled[0]?.count ?? 1, 1);
      assert.match(scheduled[0]?.message ?? '', new RegExp(`to ${p.spec?.nodeName}$`));
    }
    const st = await kubelab(['status', '--state-dir', k.stateDir]);
    assert.equal(st.code, 1, 'status reports the dead components');
    for (const d of victims) assert.match(st.stdout, new RegExp(`${d.name}\\s+${d.pid}\\s+DEAD`));
    assert.match(st.stdout, /API server https:\/\/\S+: ready/);
    t.diagnostic(`killed ${victims.map((d) => d.name).join(', ')}: ${timings.join(', ')}; ${pollErrors} failed polls`);
  }));

  it('kubelab down removes everything (etcd members, load balancer, simulated nodes, the real node)', () => withDiagnostics(c, async () => {
    const k = cluster();
    const fp = k.footprint();
    const r = await k.down();
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.deepEqual(await leftovers(fp), []);
    assert.ok(!existsSync(join(k.stateDir, 'etcd')), 'etcd data is removed');
    const again = await kubelab(['down', '--state-dir', k.stateDir]);
    assert.equal(again.code, 0, again.stdout + again.stderr);
  }));
});
});

/** POST `{}` to an etcd HTTP endpoint over TLS with the given CA and (optional) client pair; the body text. */
function etcdPost(url: string, tls: { ca: Buffer; cert?: Buffer; key?: Buffer }): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { method: 'POST', ...tls, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`${url}: ${res.statusCode} ${body}`))));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${url}: no answer within 5 s`)));
    req.on('error', reject);
    req.end('{}');
  });
}
