/**
 * Issue 12: garbage collection, as the issue states it: a Deployment of BENCH_GC_PODS (3,000) replicas running
 * on BENCH_GC_NODES (300) simulated nodes, deleted with propagationPolicy=Foreground: time from the DELETE until
 * every pod is gone (and until the Deployment is gone: its ReplicaSet first, in the foreground too), against a
 * `deletecollection` of 3,000 pods of the same Deployment template, equally bound and running (a Deployment
 * scaled up, then it and its ReplicaSet deleted with Orphan so the pods stay), on the same server in the same
 * run. Both sides pay for the graceful deletion (30 s grace; the simulated kubelets stop the containers and
 * remove the pods). Rounds alternate (BENCH_GC_REPEATS, default 2); the median of each is reported.
 *
 * The apiserver is its own process; the benchmark process runs the controller manager (scheduler, replicaset,
 * deployment, garbagecollector with 20 workers per queue as kube-controller-manager's --concurrent-gc-syncs)
 * and the simulated nodes.
 *
 * BENCH_GC_OWNER=replicaset: the earlier variant, one ReplicaSet (replicas 0) owning 3,000 unbound pods (no
 * kubelet, no grace period), only the garbage collector running.
 */
import type { KubeObject } from '../../../shared/api/meta.ts';
import { SharedInformerFactory } from '../../../shared/cache/informer-factory.ts';
import { Clientset } from '../../../shared/client/clientset.ts';
import { RestClient } from '../../../shared/client/rest-client.ts';
import { Logger } from '../../../shared/util/log.ts';
import type { Deployment } from '../../../shared/api/apps-v1.ts';
import type { Pod } from '../../../shared/api/core-v1.ts';
import { FakeRecorder } from '../../../controller/framework/event-recorder.ts';
import { GarbageCollector } from '../../../controller/garbagecollector/garbage-collector.ts';
import { restDiscovery } from '../../../controller/garbagecollector/resource-discovery.ts';
import type { BenchContext } from '../lib/context.ts';
import { startSimControllerCluster } from '../lib/sim-controller-cluster.ts';
import { closedLoop, expectStatus, keepAliveAgent } from '../lib/http.ts';
import { ensureNamespace, names } from '../lib/pods.ts';
import { benchPod } from '../lib/pod-fixture.ts';
import { ms, nowMs } from '../lib/stats.ts';

const JSON_HEADERS = { 'Content-Type': 'application/json', Accept: 'application/json', 'User-Agent': 'kubelab-bench/1' };
const NS = 'bench-gc';

function envInt(name: string, dflt: number): number {
  const v = Number(process.env[name] ?? '');
  return Number.isFinite(v) && v > 0 ? Math.floor(v) : dflt;
}

async function createPodsWith(url: string, bodies: Buffer[]): Promise<void> {
  const agent = keepAliveAgent(64);
  try {
    await closedLoop(bodies.length, 64, async (i) => {
      await expectStatus(201, `${url}/api/v1/namespaces/${NS}/pods`, { method: 'POST', headers: JSON_HEADERS, body: bodies[i] as Buffer, agent, keepBody: false });
    });
  } finally {
    agent.destroy();
  }
}

function podBody(name: string, round: string, owner?: KubeObject): Buffer {
  const pod = benchPod(name, NS) as { metadata: Record<string, unknown> & { labels: Record<string, string> } };
  pod.metadata.labels = { ...pod.metadata.labels, 'gc-round': round };
  if (owner) {
    pod.metadata['ownerReferences'] = [{
      apiVersion: 'apps/v1', kind: 'ReplicaSet', name: owner.metadata.name, uid: owner.metadata.uid, controller: true, blockOwnerDeletion: true,
    }];
  }
  return Buffer.from(JSON.stringify(pod));
}

/**
 * Counts the DELETED events of the round's pods from a watch opened at the current resourceVersion (so nothing is
 * missed however late the stream starts); `done()` resolves with the ms since t0 once all `n` went.
 */
async function watchDeletions(cs: Clientset, round: string, n: number): Promise<{ done: (t0: number) => Promise<number>; stop: () => void }> {
  const labelSelector = `gc-round=${round}`;
  const list = await cs.pods.list(NS, { labelSelector, limit: 1 });
  const ac = new AbortController();
  let deleted = 0;
  let resolveAll!: (at: number) => void;
  const all = new Promise<number>((r) => (resolveAll = r));
  void (async () => {
    for await (const ev of cs.pods.watch(NS, { labelSelector, resourceVersion: list.metadata.resourceVersion ?? '', signal: ac.signal })) {
      if (ev.type === 'DELETED' && ++deleted === n) resolveAll(nowMs());
    }
  })().catch(() => undefined);
  // Should the stream end early (a slow watcher can be closed by the server), a poll of the cache decides.
  const polled = (async () => {
    while (!ac.signal.aborted) {
      await new Promise((r) => setTimeout(r, 1000));
      const left = await cs.pods.list(NS, { labelSelector, resourceVersion: '0', limit: 1 }).catch(() => undefined);
      if (left && left.items.length === 0) return nowMs();
    }
    return Number.NaN;
  })();
  return {
    done: async (t0) => {
      const timeout = new Promise<never>((_, rej) => setTimeout(() => rej(new Error(`${n - deleted} pods of round ${round} still there after 600 s`)), 600_000).unref());
      return (await Promise.race([all, polled, timeout])) - t0;
    },
    stop: () => ac.abort(),
  };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)] ?? Number.NaN;
};

/** The ReplicaSet-owner variant (BENCH_GC_OWNER=replicaset): unbound pods, only the collector running. */
export async function gcReplicaSetScenario(ctx: BenchContext): Promise<void> {
  const n = envInt('BENCH_GC_PODS', 3000);
  const repeats = envInt('BENCH_GC_REPEATS', 2);
  const server = await ctx.spawn('embedded', 'gc');
  await ensureNamespace(server.url, NS);
  const rest = new RestClient({ server: server.url, maxSockets: 64 });
  const cs = new Clientset(rest);
  const log = new Logger({ level: 'warn' });
  const factory = new SharedInformerFactory(cs.client, { log });
  const gc = new GarbageCollector({ clientset: cs, informerFactory: factory, discoverResources: restDiscovery(rest), recorder: new FakeRecorder(), workers: 20, log });
  const stop = new AbortController();
  const running = gc.run(stop.signal);
  const rs = cs.resource({ group: 'apps', version: 'v1', resource: 'replicasets', kind: 'ReplicaSet', namespaced: true });
  const collection: number[] = [];
  const foregroundPods: number[] = [];
  const foregroundOwner: number[] = [];
  try {
    for (let r = 0; r < repeats; r++) {
      // deletecollection of n pods
      const dc = `dc-${r}`;
      ctx.log(`gc round ${r}: creating ${n} pods for deletecollection`);
      await createPodsWith(server.url, names(`dc${r}`, n).map((name) => podBody(name, dc)));
      const dcWatch = await watchDeletions(cs, dc, n);
      const t1 = nowMs();
      await expectStatus(200, `${server.url}/api/v1/namespaces/${NS}/pods?labelSelector=${encodeURIComponent(`gc-round=${dc}`)}`, {
        method: 'DELETE', headers: JSON_HEADERS, body: JSON.stringify({ kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' }), keepBody: false, timeoutMs: 600_000,
      });
      collection.push(await dcWatch.done(t1));
      dcWatch.stop();
      ctx.log(`  deletecollection: ${ms(collection.at(-1))}`);

      // one owner, n dependents, Foreground
      const fg = `fg-${r}`;
      const owner = await rs.create({
        apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: `owner-${r}`, namespace: NS },
        spec: { replicas: 0, selector: { matchLabels: { 'gc-round': fg } }, template: { metadata: { labels: { 'gc-round': fg } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
      } as KubeObject);
      ctx.log(`gc round ${r}: creating ${n} pods owned by ReplicaSet ${owner.metadata.name}`);
      await createPodsWith(server.url, names(`fg${r}`, n).map((name) => podBody(name, fg, owner)));
      // the collector's graph has every dependent before the clock starts
      const uid = owner.metadata.uid ?? '';
      const deadline = nowMs() + 120_000;
      while ((gc.graph.get(uid)?.dependents.size ?? 0) < n) {
        if (nowMs() > deadline) throw new Error(`the collector saw ${gc.graph.get(uid)?.dependents.size ?? 0} of ${n} dependents`);
        await new Promise((res) => setTimeout(res, 50));
      }
      const fgWatch = await watchDeletions(cs, fg, n);
      const t2 = nowMs();
      await rs.delete(NS, owner.metadata.name ?? '', { propagationPolicy: 'Foreground' });
      foregroundPods.push(await fgWatch.done(t2));
      fgWatch.stop();
      for (;;) {
        try {
          await rs.get(NS, owner.metadata.name ?? '');
        } catch {
          break;
        }
        await new Promise((res) => setTimeout(res, 20));
      }
      foregroundOwner.push(nowMs() - t2);
      ctx.log(`  Foreground: pods gone ${ms(foregroundPods.at(-1))}, owner gone ${ms(foregroundOwner.at(-1))}`);
    }
  } finally {
    stop.abort();
    await running;
    await factory.shutdown();
    rest.close();
    await ctx.stopServer(server);
  }
  const dcMs = median(collection);
  const fgMs = median(foregroundPods);
  const ownerMs = median(foregroundOwner);
  ctx.results['gc'] = { pods: n, repeats, deletecollectionMs: collection, foregroundPodsGoneMs: foregroundPods, foregroundOwnerGoneMs: foregroundOwner };
  ctx.row({
    scenario: 'gc',
    case: `${n} pods of one ReplicaSet, DELETE propagationPolicy=Foreground: until all pods gone (median of ${repeats})`,
    value: ms(fgMs),
    p50: ms(fgMs),
    p99: ms(Math.max(...foregroundPods)),
    raw: `deletecollection of ${n} pods: ${ms(dcMs)}`,
    ratio: `${(fgMs / dcMs).toFixed(2)}x`,
    target: '<= 2x',
    verdict: fgMs <= 2 * dcMs ? 'PASS' : 'MISS',
  });
  ctx.row({
    scenario: 'gc',
    case: `  ... until the ReplicaSet itself is gone (foregroundDeletion finalizer removed)`,
    value: ms(ownerMs),
    p50: ms(ownerMs),
    p99: ms(Math.max(...foregroundOwner)),
    raw: `deletecollection: ${ms(dcMs)}`,
    ratio: `${(ownerMs / dcMs).toFixed(2)}x`,
    target: '',
    verdict: '',
  });
}

/** Resolves with the ms since t0 once `n` pods of the selector are Running (a watch from the current RV). */
async function watchRunning(cs: Clientset, labelSelector: string, n: number): Promise<{ done: (t0: number) => Promise<number>; stop: () => void }> {
  const list = await cs.pods.list(NS, { labelSelector, limit: 1 });
  const ac = new AbortController();
  const running = new Set<string>();
  let resolveAll!: (at: number) => void;
  const all = new Promise<number>((r) => (resolveAll = r));
  void (async () => {
    for await (const ev of cs.pods.watch(NS, { labelSelector, resourceVersion: list.metadata.resourceVersion ?? '', signal: ac.signal })) {
      const p = ev.object as Pod;
      if ((ev.type === 'ADDED' || ev.type === 'MODIFIED') && p.status?.phase === 'Running' && !running.has(p.metadata.name ?? '')) {
        running.add(p.metadata.name ?? '');
        if (running.size === n) resolveAll(nowMs());
      }
    }
  })().catch(() => undefined);
  return {
    done: async (t0) => {
      const timeout = new Promise<never>((_, rej) => setTimeout(() => rej(new Error(`${n - running.size} of ${n} pods (${labelSelector}) not Running after 900 s`)), 900_000).unref());
      return (await Promise.race([all, timeout])) - t0;
    },
    stop: () => ac.abort(),
  };
}

async function gone(get: () => Promise<unknown>): Promise<boolean> {
  try {
    await get();
    return false;
  } catch {
    return true;
  }
}

export async function gcScenario(ctx: BenchContext): Promise<void> {
  if (process.env.BENCH_GC_OWNER === 'replicaset') return gcReplicaSetScenario(ctx);
  const n = envInt('BENCH_GC_PODS', 3000);
  const nodes = envInt('BENCH_GC_NODES', 300);
  const repeats = envInt('BENCH_GC_REPEATS', 2);
  const cluster = await startSimControllerCluster(ctx, 'gc', { namespace: NS, nodes, controllers: 'scheduler,replicaset,deployment,garbagecollector' });
  const { server, cs } = cluster;
  const template = benchPod('x', NS) as { metadata: { labels: Record<string, string>; annotations?: Record<string, string> }; spec: unknown };
  const deployment = (name: string, replicas: number): Deployment => {
    const labels: Record<string, string> = { ...template.metadata.labels, 'gc-round': name };
    delete labels['pod-template-hash'];
    return {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: NS },
      spec: {
        replicas,
        selector: { matchLabels: { 'gc-round': name } },
        template: { metadata: { labels, ...(template.metadata.annotations ? { annotations: template.metadata.annotations } : {}) }, spec: template.spec as Pod['spec'] },
      },
    };
  };
  /** A Deployment of n replicas, all Running. */
  const runDeployment = async (name: string): Promise<void> => {
    const w = await watchRunning(cs, `gc-round=${name}`, n);
    const t0 = nowMs();
    await cs.deployments.create(deployment(name, n));
    const took = await w.done(t0);
    w.stop();
    ctx.log(`  Deployment ${name}: ${n} pods Running in ${ms(took)}`);
  };
  const collection: number[] = [];
  const foregroundPods: number[] = [];
  const foregroundOwner: number[] = [];
  try {
    for (let r = 0; r < repeats; r++) {
      // deletecollection of n running pods of the template
      const dc = `dc-${r}`;
      ctx.log(`gc round ${r}: Deployment ${dc} for the deletecollection`);
      await runDeployment(dc);
      await cs.deployments.delete(NS, dc, { propagationPolicy: 'Orphan' });
      for (const rs of (await cs.replicaSets.list(NS, { labelSelector: `gc-round=${dc}` })).items) {
        await cs.replicaSets.delete(NS, rs.metadata.name ?? '', { propagationPolicy: 'Orphan' });
      }
      // the pods are orphans (no controller, no ownerReferences) before the clock starts
      const deadline = nowMs() + 120_000;
      for (;;) {
        const pods = (await cs.pods.list(NS, { labelSelector: `gc-round=${dc}` })).items;
        if (pods.every((p) => !(p.metadata.ownerReferences?.length)) && (await cs.replicaSets.list(NS, { labelSelector: `gc-round=${dc}` })).items.length === 0) break;
        if (nowMs() > deadline) throw new Error('the pods were not orphaned within 120 s');
        await new Promise((res) => setTimeout(res, 200));
      }
      const dcWatch = await watchDeletions(cs, dc, n);
      const t1 = nowMs();
      await expectStatus(200, `${server.url}/api/v1/namespaces/${NS}/pods?labelSelector=${encodeURIComponent(`gc-round=${dc}`)}`, {
        method: 'DELETE', headers: JSON_HEADERS, body: JSON.stringify({ kind: 'DeleteOptions', apiVersion: 'v1' }), keepBody: false, timeoutMs: 600_000,
      });
      collection.push(await dcWatch.done(t1));
      dcWatch.stop();
      ctx.log(`  deletecollection of ${n} running pods: all gone in ${ms(collection.at(-1))}`);

      // the same Deployment deleted in the foreground
      const fg = `fg-${r}`;
      ctx.log(`gc round ${r}: Deployment ${fg}, deleted with Foreground`);
      await runDeployment(fg);
      const fgWatch = await watchDeletions(cs, fg, n);
      const t2 = nowMs();
      await cs.deployments.delete(NS, fg, { propagationPolicy: 'Foreground' });
      foregroundPods.push(await fgWatch.done(t2));
      fgWatch.stop();
      while (!(await gone(() => cs.deployments.get(NS, fg)))) {
        if (nowMs() - t2 > 600_000) throw new Error('the Deployment is still there 600 s after its Foreground delete');
        await new Promise((res) => setTimeout(res, 20));
      }
      foregroundOwner.push(nowMs() - t2);
      ctx.log(`  Foreground: pods gone ${ms(foregroundPods.at(-1))}, Deployment gone ${ms(foregroundOwner.at(-1))}`);
    }
  } finally {
    await cluster.stop();
    await ctx.stopServer(server);
  }
  const dcMs = median(collection);
  const fgMs = median(foregroundPods);
  const ownerMs = median(foregroundOwner);
  ctx.results['gc'] = { owner: 'Deployment', pods: n, nodes, repeats, deletecollectionMs: collection, foregroundPodsGoneMs: foregroundPods, foregroundOwnerGoneMs: foregroundOwner };
  ctx.row({
    scenario: 'gc',
    case: `Deployment of ${n} running pods on ${nodes} simulated nodes, DELETE propagationPolicy=Foreground: until all pods gone (median of ${repeats})`,
    value: ms(fgMs),
    p50: ms(fgMs),
    p99: ms(Math.max(...foregroundPods)),
    raw: `deletecollection of ${n} such pods: ${ms(dcMs)}`,
    ratio: `${(fgMs / dcMs).toFixed(2)}x`,
    target: '<= 2x',
    verdict: fgMs <= 2 * dcMs ? 'PASS' : 'MISS',
  });
  ctx.row({
    scenario: 'gc',
    case: '  ... until the Deployment itself is gone (its ReplicaSet first, foregroundDeletion finalizers removed)',
    value: ms(ownerMs),
    p50: ms(ownerMs),
    p99: ms(Math.max(...foregroundOwner)),
    raw: `deletecollection: ${ms(dcMs)}`,
    ratio: `${(ownerMs / dcMs).toFixed(2)}x`,
    target: '',
    verdict: '',
  });
}
