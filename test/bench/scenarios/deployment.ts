/**
 * Issue 12: Deployments. A Deployment with the benchmark pod template (lib/pod-fixture.ts) scaled from 0 to
 * BENCH_DEPLOY_PODS (3,000) replicas on BENCH_DEPLOY_NODES (300) simulated nodes: time from the scale until
 * every pod is bound, against BENCH_DEPLOY_PODS bare pod creates of the same template (64 concurrent POSTs)
 * until every one is bound, on the same server in the same run. Rounds alternate (BENCH_DEPLOY_REPEATS,
 * default 2); the median of each is reported.
 *
 * The apiserver is its own process; the benchmark process runs the controller manager (scheduler, replicaset,
 * deployment: their default worker counts) and the simulated nodes (node-agent/sim-nodes.ts), so both sides
 * pay for scheduling and for the nodes' status writes alike. Between rounds the pods are force-deleted.
 */
import type { Deployment } from '../../../shared/api/apps-v1.ts';
import type { Pod } from '../../../shared/api/core-v1.ts';
import { Clientset } from '../../../shared/client/clientset.ts';
import type { BenchContext } from '../lib/context.ts';
import { startSimControllerCluster } from '../lib/sim-controller-cluster.ts';
import { closedLoop, expectStatus, keepAliveAgent } from '../lib/http.ts';
import { names } from '../lib/pods.ts';
import { benchPod } from '../lib/pod-fixture.ts';
import { ms, nowMs } from '../lib/stats.ts';

const JSON_HEADERS = { 'Content-Type': 'application/json', Accept: 'application/json', 'User-Agent': 'kubelab-bench/1' };
const NS = 'bench-deploy';

function envInt(name: string, dflt: number): number {
  const v = Number(process.env[name] ?? '');
  return Number.isFinite(v) && v > 0 ? Math.floor(v) : dflt;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)] ?? Number.NaN;
};

/** Resolves with the ms since t0 once `n` pods matching the selector are bound (a watch from the current RV). */
async function watchBound(cs: Clientset, labelSelector: string, n: number): Promise<{ done: (t0: number) => Promise<number>; stop: () => void }> {
  const list = await cs.pods.list(NS, { labelSelector, limit: 1 });
  const ac = new AbortController();
  const bound = new Set<string>();
  let resolveAll!: (at: number) => void;
  const all = new Promise<number>((r) => (resolveAll = r));
  void (async () => {
    for await (const ev of cs.pods.watch(NS, { labelSelector, resourceVersion: list.metadata.resourceVersion ?? '', signal: ac.signal })) {
      const p = ev.object as Pod;
      if ((ev.type === 'ADDED' || ev.type === 'MODIFIED') && p.spec?.nodeName && !bound.has(p.metadata.name ?? '')) {
        bound.add(p.metadata.name ?? '');
        if (bound.size === n) resolveAll(nowMs());
      }
    }
  })().catch(() => undefined);
  return {
    done: async (t0) => {
      const timeout = new Promise<never>((_, rej) => setTimeout(() => rej(new Error(`${n - bound.size} of ${n} pods (${labelSelector}) unbound after 600 s`)), 600_000).unref());
      return (await Promise.race([all, timeout])) - t0;
    },
    stop: () => ac.abort(),
  };
}

async function deleteAllPods(cs: Clientset, url: string): Promise<void> {
  await expectStatus(200, `${url}/api/v1/namespaces/${NS}/pods`, {
    method: 'DELETE', headers: JSON_HEADERS, body: JSON.stringify({ kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: 0 }), keepBody: false, timeoutMs: 600_000,
  });
  const deadline = nowMs() + 300_000;
  while ((await cs.pods.list(NS, { limit: 1 })).items.length > 0) {
    if (nowMs() > deadline) throw new Error('pods still there 300 s after the deletecollection');
    await new Promise((res) => setTimeout(res, 200));
  }
}

export async function deploymentScenario(ctx: BenchContext): Promise<void> {
  const n = envInt('BENCH_DEPLOY_PODS', 3000);
  const nodes = envInt('BENCH_DEPLOY_NODES', 300);
  const repeats = envInt('BENCH_DEPLOY_REPEATS', 2);
  const cluster = await startSimControllerCluster(ctx, 'deploy', { namespace: NS, nodes, controllers: 'scheduler,replicaset,deployment' });
  const { server, cs } = cluster;
  const template = benchPod('x', NS) as { metadata: { labels: Record<string, string>; annotations?: Record<string, string> }; spec: unknown };
  const bare: number[] = [];
  const deploy: number[] = [];
  try {
    for (let r = 0; r < repeats; r++) {
      // n bare pods of the template
      const round = `bare-${r}`;
      const bodies = names(`bare${r}`, n).map((name) => {
        const pod = benchPod(name, NS) as { metadata: { labels: Record<string, string> } };
        pod.metadata.labels = { ...pod.metadata.labels, 'bench-round': round };
        return Buffer.from(JSON.stringify(pod));
      });
      const bareWatch = await watchBound(cs, `bench-round=${round}`, n);
      const agent = keepAliveAgent(64);
      const t1 = nowMs();
      await closedLoop(n, 64, async (i) => {
        await expectStatus(201, `${server.url}/api/v1/namespaces/${NS}/pods`, { method: 'POST', headers: JSON_HEADERS, body: bodies[i] as Buffer, agent, keepBody: false });
      });
      agent.destroy();
      bare.push(await bareWatch.done(t1));
      bareWatch.stop();
      ctx.log(`deployment round ${r}: ${n} bare pods bound in ${ms(bare.at(-1))}`);
      await deleteAllPods(cs, server.url);

      // a Deployment of the same template scaled 0 -> n
      const dround = `deploy-${r}`;
      const labels = { ...template.metadata.labels, 'bench-round': dround };
      delete (labels as Record<string, string>)['pod-template-hash'];
      const d: Deployment = {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: dround, namespace: NS },
        spec: {
          replicas: 0,
          selector: { matchLabels: { 'bench-round': dround } },
          template: { metadata: { labels, ...(template.metadata.annotations ? { annotations: template.metadata.annotations } : {}) }, spec: template.spec as Pod['spec'] },
        },
      };
      await cs.deployments.create(d);
      // the (empty) ReplicaSet exists before the clock starts
      const deadline = nowMs() + 60_000;
      while ((await cs.replicaSets.list(NS, { labelSelector: `bench-round=${dround}` })).items.length === 0) {
        if (nowMs() > deadline) throw new Error('the Deployment got no ReplicaSet within 60 s');
        await new Promise((res) => setTimeout(res, 50));
      }
      const dWatch = await watchBound(cs, `bench-round=${dround}`, n);
      const t2 = nowMs();
      await cs.deployments.patch(NS, dround, 'application/merge-patch+json', { spec: { replicas: n } });
      deploy.push(await dWatch.done(t2));
      dWatch.stop();
      ctx.log(`deployment round ${r}: Deployment scaled 0 -> ${n}, all bound in ${ms(deploy.at(-1))}`);
      await cs.deployments.patch(NS, dround, 'application/merge-patch+json', { spec: { replicas: 0 } });
      await cs.deployments.delete(NS, dround, { propagationPolicy: 'Orphan' });
      for (const rs of (await cs.replicaSets.list(NS)).items) await cs.replicaSets.delete(NS, rs.metadata.name ?? '', { propagationPolicy: 'Orphan' });
      await deleteAllPods(cs, server.url);
    }
  } finally {
    await cluster.stop();
    await ctx.stopServer(server);
  }
  const bareMs = median(bare);
  const deployMs = median(deploy);
  ctx.results['deployment'] = { pods: n, nodes, repeats, barePodsBoundMs: bare, deploymentPodsBoundMs: deploy };
  ctx.row({
    scenario: 'deployment',
    case: `Deployment scaled 0 -> ${n} on ${nodes} simulated nodes: until all pods bound (median of ${repeats})`,
    value: ms(deployMs),
    p50: ms(deployMs),
    p99: ms(Math.max(...deploy)),
    raw: `${n} bare pod creates until bound: ${ms(bareMs)}`,
    ratio: `${(deployMs / bareMs).toFixed(2)}x`,
    target: '<= 1.5x',
    verdict: deployMs <= 1.5 * bareMs ? 'PASS' : 'MISS',
  });
}
