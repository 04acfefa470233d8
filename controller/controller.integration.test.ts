/**
 * The controllers against a real apiserver (in-process, embedded store): node IPAM, node lifecycle with
 * taint-based eviction, pod GC, and leader election between two `kubelab controller` processes with the
 * scheduler binding pods across a leader change.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Event, Node, Pod, Toleration } from '../shared/api/core-v1.ts';
import type { Lease } from '../shared/api/coordination-v1.ts';
import { Clientset } from '../shared/client/clientset.ts';
import { RestClient } from '../shared/client/rest-client.ts';
import { isNotFound } from '../shared/errors/status-error.ts';
import { Logger } from '../shared/util/log.ts';
import { pollUntil } from '../shared/util/wait.ts';
import { startTestServer, type TestServer } from '../test/integration/framework/test-server.ts';
import { rfc3339, rfc3339Micro } from './framework/time-format.ts';
import { parseControllers, runControllerManager, type ControllerManagerConfig, type RunningControllerManager } from './main.ts';

const logger = new Logger({ level: (process.env['KUBELAB_TEST_LOG'] as 'debug' | undefined) ?? 'warn' });
const UNREACHABLE = 'node.kubernetes.io/unreachable';

interface Env {
  server: TestServer;
  rest: RestClient;
  cs: Clientset;
  managers: RunningControllerManager[];
  timers: NodeJS.Timeout[];
}

async function setUp(): Promise<Env> {
  const server = await startTestServer();
  const rest = new RestClient({ server: server.url });
  return { server, rest, cs: new Clientset(rest), managers: [], timers: [] };
}

async function tearDown(env: Env): Promise<void> {
  for (const t of env.timers) clearInterval(t);
  await Promise.all(env.managers.map((m) => m.stop()));
  env.rest.close();
  await env.server.close();
}

async function manager(env: Env, config: Omit<ControllerManagerConfig, 'clientset'>): Promise<RunningControllerManager> {
  const m = await runControllerManager({ clientset: env.cs, log: logger, ...config });
  env.managers.push(m);
  return m;
}

function eventually(what: string, condition: () => Promise<boolean> | boolean, timeoutMs = 15_000): Promise<void> {
  return pollUntil(condition, { intervalMs: 50, timeoutMs }).catch((err: unknown) => {
    throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`, { cause: err });
  });
}

async function getNode(env: Env, name: string): Promise<Node> {
  return (await env.cs.nodes.get('', name)) as Node;
}

async function getPod(env: Env, name: string): Promise<Pod | undefined> {
  try {
    return (await env.cs.pods.get('default', name)) as Pod;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** A node the way a kubelet registers it: Ready, with room for pods, and a lease it renews. */
async function registerNode(env: Env, name: string, options: { capacity?: boolean } = {}): Promise<{ renew: () => Promise<void>; stop: () => void }> {
  const created = (await env.cs.nodes.create({ apiVersion: 'v1', kind: 'Node', metadata: { name } })) as Node;
  await postReady(env, created);
  if (options.capacity) {
    const node = await getNode(env, name);
    const resources = { cpu: '8', memory: '16Gi', pods: '110' };
    await env.cs.nodes.updateStatus({ ...node, status: { ...node.status, capacity: resources, allocatable: resources } });
  }
  await env.cs.leases.create({
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name, namespace: 'kube-node-lease' },
    spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime: rfc3339Micro(Date.now()) },
  } as Lease);
  const renew = async () => {
    const lease = (await env.cs.leases.get('kube-node-lease', name)) as Lease;
    await env.cs.leases.update({ ...lease, spec: { ...lease.spec, renewTime: rfc3339Micro(Date.now()) } });
  };
  const timer = setInterval(() => void renew().catch(() => {}), 300);
  env.timers.push(timer);
  return { renew, stop: () => clearInterval(timer) };
}

/** The kubelet posting Ready=True with a fresh heartbeat. */
async function postReady(env: Env, node: Node): Promise<void> {
  const now = rfc3339(Date.now());
  const others = (node.status?.conditions ?? []).filter((c) => c.type !== 'Ready');
  await env.cs.nodes.updateStatus({
    ...node,
    status: { ...node.status, conditions: [...others, { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: now, lastTransitionTime: now }] },
  });
}

/** A running, ready pod bound to node (what the scheduler and the kubelet would have done). */
async function runningPod(env: Env, name: string, nodeName: string, tolerations?: Toleration[]): Promise<void> {
  await env.cs.pods.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'busybox' }], ...(tolerations ? { tolerations } : {}) } } as Pod);
  await env.cs.pods.bind('default', name, nodeName);
  const pod = (await env.cs.pods.get('default', name)) as Pod;
  const now = rfc3339(Date.now());
  await env.cs.pods.updateStatus({ ...pod, status: { ...pod.status, phase: 'Running', conditions: [...(pod.status?.conditions ?? []), { type: 'Ready', status: 'True', lastTransitionTime: now }] } });
}

test('node IPAM gives three nodes distinct /24s of the cluster CIDR', async () => {
  const env = await setUp();
  try {
    await env.cs.nodes.create({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'pre' }, spec: { podCIDR: '10.244.0.0/24', podCIDRs: ['10.244.0.0/24'] } });
    await manager(env, { controllers: parseControllers('nodeipam') });
    for (const n of ['a', 'b', 'c']) await env.cs.nodes.create({ apiVersion: 'v1', kind: 'Node', metadata: { name: n } });
    await eventually('three nodes with pod CIDRs', async () => {
      const nodes = (await env.cs.nodes.list('')).items as Node[];
      return nodes.filter((n) => n.spec?.podCIDR).length === 4;
    });
    const nodes = ((await env.cs.nodes.list('')).items as Node[]).filter((n) => n.metadata.name !== 'pre');
    const cidrs = nodes.map((n) => n.spec?.podCIDR as string);
    assert.equal(new Set(cidrs).size, 3, `distinct: ${cidrs.join(', ')}`);
    for (const n of nodes) {
      assert.match(n.spec?.podCIDR ?? '', /^10\.244\.\d+\.0\/24$/);
      assert.deepEqual(n.spec?.podCIDRs, [n.spec?.podCIDR]);
      assert.notEqual(n.spec?.podCIDR, '10.244.0.0/24', 'the subnet assigned before the start is not handed out again');
    }
  } finally {
    await tearDown(env);
  }
});

test('a node whose lease stops: Ready=Unknown, unreachable taint, pods not ready, untolerating pods evicted at once, tolerating ones after their seconds; it comes back: taints removed', async () => {
  const env = await setUp();
  try {
    const lost = await registerNode(env, 'lost');
    await registerNode(env, 'steady');
    await runningPod(env, 'untolerating', 'lost', [{ key: UNREACHABLE, operator: 'Equal', value: 'x', effect: 'NoExecute' }]);
    await runningPod(env, 'tolerating', 'lost', [{ key: UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 2 }]);
    await runningPod(env, 'defaulted', 'lost'); // admission gives it 300 s
    await runningPod(env, 'bystander', 'steady', [{ key: UNREACHABLE, operator: 'Equal', value: 'x', effect: 'NoExecute' }]);
    const defaulted = (await getPod(env, 'defaulted')) as Pod;
    assert.ok(defaulted.spec.tolerations?.some((t) => t.key === UNREACHABLE && t.tolerationSeconds === 300), 'the apiserver added the default toleration');

    await manager(env, {
      controllers: parseControllers('nodelifecycle,tainteviction'),
      nodeMonitorGracePeriodMs: 3000,
      nodeMonitorPeriodMs: 500,
    });
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal((await getNode(env, 'lost')).spec?.taints, undefined, 'no taint while the lease is renewed');

    lost.stop();
    const stoppedAt = Date.now();
    let taintSeenAt = 0;
    await eventually('the unreachable NoExecute taint', async () => {
      const taint = (await getNode(env, 'lost')).spec?.taints?.find((t) => t.key === UNREACHABLE && t.effect === 'NoExecute');
      if (taint) taintSeenAt = Date.now();
      return taint !== undefined;
    }, 10_000);
    assert.ok(taintSeenAt - stoppedAt >= 2500, `not before the grace period (${taintSeenAt - stoppedAt} ms)`);
    const node = await getNode(env, 'lost');
    const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
    assert.equal(ready?.status, 'Unknown');
    assert.equal(ready?.reason, 'NodeStatusUnknown');
    assert.equal(ready?.message, 'Kubelet stopped posting node status.');
    const taint = node.spec?.taints?.find((t) => t.key === UNREACHABLE && t.effect === 'NoExecute');
    assert.ok(taint?.timeAdded, 'timeAdded is set');
    assert.ok(node.spec?.taints?.some((t) => t.key === UNREACHABLE && t.effect === 'NoSchedule'));

    await eventually('the untolerating pod evicted', async () => Boolean((await getPod(env, 'untolerating'))?.metadata.deletionTimestamp), 5000);
    const evictedAt = Date.now();
    const tolerating = await getPod(env, 'tolerating');
    assert.equal(tolerating?.metadata.deletionTimestamp, undefined, 'the tolerating pod is still within its 2 s');
    for (const name of ['tolerating', 'defaulted']) {
      await eventually(`${name} marked not ready`, async () => (await getPod(env, name))?.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'False', 5000);
    }
    await eventually('the tolerating pod evicted after its toleration', async () => Boolean((await getPod(env, 'tolerating'))?.metadata.deletionTimestamp), 6000);
    const tolerationRanOut = Date.now();
    // timeAdded has whole seconds, so the 2 s count from up to 1 s before the taint was written.
    assert.ok(tolerationRanOut - Date.parse(taint.timeAdded) >= 2000, 'not before timeAdded + 2 s');
    assert.ok(tolerationRanOut - evictedAt >= 900, `evicted ${tolerationRanOut - evictedAt} ms after the untolerating one`);
    const evicted = (await getPod(env, 'tolerating')) as Pod;
    const disruption = evicted.status?.conditions?.find((c) => c.type === 'DisruptionTarget');
    assert.equal(disruption?.reason, 'DeletionByTaintManager');
    const events = ((await env.cs.events.list('default')).items as Event[]).filter((e) => e.reason === 'TaintManagerEviction');
    assert.deepEqual(events.map((e) => e.message).sort(), ['Marking for deletion Pod default/tolerating', 'Marking for deletion Pod default/untolerating']);
    assert.ok(((await env.cs.events.list('default')).items as Event[]).some((e) => e.reason === 'NodeNotReady' && e.involvedObject.kind === 'Node' && e.involvedObject.name === 'lost'));

    assert.equal((await getPod(env, 'defaulted'))?.metadata.deletionTimestamp, undefined, 'the 300 s default toleration still holds');
    assert.equal((await getPod(env, 'bystander'))?.metadata.deletionTimestamp, undefined, 'pods on healthy nodes are untouched');
    assert.equal((await getNode(env, 'steady')).spec?.taints, undefined);

    // The kubelet comes back: fresh lease and Ready=True.
    await lost.renew();
    await postReady(env, await getNode(env, 'lost'));
    await eventually('the taints removed', async () => ((await getNode(env, 'lost')).spec?.taints ?? []).length === 0, 5000);
  } finally {
    await tearDown(env);
  }
});

test('pod GC force-deletes the pods of a deleted node after the quarantine', async () => {
  const env = await setUp();
  try {
    await registerNode(env, 'doomed');
    await registerNode(env, 'kept');
    await runningPod(env, 'orphan', 'doomed');
    await runningPod(env, 'safe', 'kept');
    await manager(env, { controllers: parseControllers('podgc'), podGcPeriodMs: 200, podGcQuarantineMs: 1000 });
    await env.cs.nodes.delete('', 'doomed');
    const deletedAt = Date.now();
    await eventually('the orphaned pod gone', async () => (await getPod(env, 'orphan')) === undefined, 10_000);
    assert.ok(Date.now() - deletedAt >= 900, 'after the quarantine');
    assert.ok(await getPod(env, 'safe'), 'pods of existing nodes stay');
  } finally {
    await tearDown(env);
  }
});

// ---- leader election between two processes ----

const cliMain = fileURLToPath(new URL(`../cli/main${extname(fileURLToPath(import.meta.url))}`, import.meta.url));

interface Proc {
  child: ChildProcess;
  lines: string[];
  exited: Promise<number | null>;
}

function startController(kubeconfig: string): Proc {
  const child = spawn(
    process.execPath,
    [
      cliMain, 'controller', '--kubeconfig', kubeconfig, '--leader-elect',
      '--leader-elect-lease-duration=2s', '--leader-elect-renew-deadline=1500ms', '--leader-elect-retry-period=500ms',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, KUBELAB_LOG_LEVEL: 'info', KUBELAB_LOG_FORMAT: 'json' } },
  );
  const lines: string[] = [];
  let buf = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    buf += chunk;
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      lines.push(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, lines, exited };
}

function identityOf(p: Proc): string | undefined {
  for (const l of p.lines) {
    try {
      const j = JSON.parse(l) as { msg?: string; identity?: string };
      if (j.msg === 'Controller manager running' && j.identity) return j.identity;
    } catch {
      // not a log line
    }
  }
  return undefined;
}

const becameLeader = (p: Proc) => p.lines.some((l) => l.includes('"Became leader, starting controllers"'));

async function createPods(env: Env, prefix: string, count: number): Promise<string[]> {
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    const name = `${prefix}-${i}`;
    await env.cs.pods.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } as Pod);
    names.push(name);
  }
  return names;
}

test('leader election: two controller processes, exactly one leads; killing it hands over within the lease duration; no pod is bound twice', async () => {
  const env = await setUp();
  const procs: Proc[] = [];
  try {
    await registerNode(env, 'worker', { capacity: true });
    procs.push(startController(env.server.kubeconfig), startController(env.server.kubeconfig));
    const [a, b] = procs as [Proc, Proc];
    await eventually('a leader', () => becameLeader(a) || becameLeader(b), 20_000);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal([a, b].filter(becameLeader).length, 1, 'exactly one leads');
    const leader = becameLeader(a) ? a : b;
    const standby = leader === a ? b : a;
    const lease = (await env.cs.leases.get('kube-system', 'kubelab-controller')) as Lease;
    assert.equal(lease.spec?.holderIdentity, identityOf(leader));
    assert.equal(lease.spec?.leaseDurationSeconds, 2);

    // Every change of a pod's spec.nodeName from unset to set, as a watcher sees it.
    const bindings = new Map<string, number>();
    const watchAbort = new AbortController();
    const watching = (async () => {
      const lastNode = new Map<string, string>();
      for await (const ev of env.cs.pods.watch('default', { signal: watchAbort.signal })) {
        if (ev.type !== 'ADDED' && ev.type !== 'MODIFIED') continue;
        const pod = ev.object as Pod;
        const name = pod.metadata.name ?? '';
        const node = pod.spec?.nodeName ?? '';
        if (node && !lastNode.get(name)) bindings.set(name, (bindings.get(name) ?? 0) + 1);
        lastNode.set(name, node);
      }
    })().catch(() => {});
    const scheduledCounts = async (names: string[]) => {
      const scheduled = ((await env.cs.events.list('default')).items as Event[]).filter((e) => e.reason === 'Scheduled');
      return names.map((name) => scheduled.filter((e) => e.involvedObject.name === name).reduce((n, e) => n + (e.count ?? 1), 0));
    };

    const before = await createPods(env, 'before', 5);
    await eventually('pods bound by the first leader', async () => (await Promise.all(before.map((n) => getPod(env, n)))).every((p) => p?.spec.nodeName === 'worker'), 10_000);
    // Events are written after the binding, in the background: let them land before killing their writer.
    await eventually('Scheduled events of the first pods', async () => (await scheduledCounts(before)).every((c) => c >= 1), 10_000);

    // Kill the leader outright: no release, the standby must wait for the lease to expire.
    leader.child.kill('SIGKILL');
    const killedAt = Date.now();
    const during = await createPods(env, 'during', 5);
    await eventually('the standby takes over', () => becameLeader(standby), 10_000);
    const takeoverMs = Date.now() - killedAt;
    assert.ok(takeoverMs <= 2000 + 2 * 1100 + 500, `took over ${takeoverMs} ms after the kill (lease 2 s)`);
    const after = (await env.cs.leases.get('kube-system', 'kubelab-controller')) as Lease;
    assert.equal(after.spec?.holderIdentity, identityOf(standby));
    assert.equal(after.spec?.leaseTransitions, (lease.spec?.leaseTransitions ?? 0) + 1);

    const all = [...before, ...during];
    await eventually('every pod bound', async () => (await Promise.all(all.map((n) => getPod(env, n)))).every((p) => p?.spec.nodeName === 'worker'), 15_000);
    // Each binding is followed by a Scheduled event, written a moment later; wait for them, give a second
    // binding time to show up, then count both.
    await eventually('a Scheduled event for every pod', async () => (await scheduledCounts(all)).every((c) => c >= 1), 10_000);
    await new Promise((r) => setTimeout(r, 1000));
    const counts = await scheduledCounts(all);
    all.forEach((name, i) => {
      assert.equal(counts[i], 1, `pod ${name} got exactly one Scheduled event`);
      assert.equal(bindings.get(name), 1, `pod ${name} was bound exactly once`);
    });
    watchAbort.abort();
    await watching;

    // A graceful stop releases the lease: a fresh standby takes over well within a lease duration.
    const third = startController(env.server.kubeconfig);
    procs.push(third);
    await eventually('the third instance campaigning', () => third.lines.some((l) => l.includes('Attempting to acquire leader lease')), 10_000);
    await new Promise((r) => setTimeout(r, 800));
    assert.equal(becameLeader(third), false);
    standby.child.kill('SIGTERM');
    const termAt = Date.now();
    assert.equal(await standby.exited, 0, 'clean exit on SIGTERM');
    await eventually('the third instance takes over', () => becameLeader(third), 5000);
    assert.ok(Date.now() - termAt < 2000, `took over ${Date.now() - termAt} ms after SIGTERM, before the lease could expire`);
    const last = await createPods(env, 'last', 2);
    await eventually('pods bound by the third leader', async () => (await Promise.all(last.map((n) => getPod(env, n)))).every((p) => p?.spec.nodeName === 'worker'), 10_000);
  } finally {
    for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await Promise.all(procs.map((p) => p.exited));
    await tearDown(env);
  }
});
