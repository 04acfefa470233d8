/**
 * `test/bench/run.sh service`: the issue-13 throughput benchmark of a ClusterIP (see docs/benchmarks.md, section
 * "Service networking"). Everything runs the compiled CLI from a private build of the tree.
 *
 * On `kubelab up --nodes 2`, a server pod on node-2 (busybox httpd serving a BENCH_SVC_MB file, default 1 GiB, from
 * tmpfs) and a client pod on node-1. The client fetches the file with busybox wget to /dev/null, alternating between
 * the pod IP (the raw limit: the same pods, the same path across the nodes' bridge, no Service) and the Service's
 * ClusterIP (the node's nftables rules DNAT the connection's first packet; conntrack carries the rest), BENCH_SVC_REPEATS
 * times each (default 7), interleaved so load from elsewhere hits both alike; the ratio is the median of the
 * per-pair ratios. Time is measured inside the client pod
 * (/proc/uptime around wget: centiseconds, so a transfer takes a second or more). Target: ClusterIP throughput >= 0.9x the pod-IP throughput (median of the runs).
 *
 * Knobs: BENCH_SVC_MB, BENCH_SVC_REPEATS, BENCH_OUT (JSON), BENCH_MARKDOWN=1. Needs root and the cluster
 * prerequisites (deploy/install-deps.sh).
 */
import { copyFileSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { BenchContext, envInt } from './lib/context.ts';
import { loadAverage, machineInfo, runBench, sh } from './lib/machine.ts';
import { markdownTable, textTable } from './lib/stats.ts';
import { Cluster, prerequisites, useCli, waitFor } from '../e2e/cluster/_cluster.ts';
import type { Service } from '../../shared/api/core-v1.ts';
import type { EndpointSlice } from '../../shared/api/discovery-v1.ts';
import type { KubeList } from '../../shared/api/meta.ts';

const root = resolve(import.meta.dirname, '..', '..');
const IMAGE = 'localhost/busybox:1.35';

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

async function main(): Promise<number> {
  const ctx = new BenchContext();
  const mb = envInt('BENCH_SVC_MB', 1024);
  const repeats = envInt('BENCH_SVC_REPEATS', 7);
  const info = machineInfo({ nft: sh('nft', ['--version']) });
  ctx.log(`machine: ${JSON.stringify(info)}`);
  let cluster: Cluster | undefined;
  const onSignal = () => {
    void (cluster?.down() ?? Promise.resolve()).finally(() => ctx.close().finally(() => process.exit(130)));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const direct: number[] = [];
  const viaService: number[] = [];
  try {
    prerequisites();
    const entry = await ctx.serverEntry();
    const proto = join(dirname(entry), '..', 'node-agent', 'cri', 'api.proto');
    if (entry.endsWith('.js') && !existsSync(proto)) copyFileSync(join(root, 'node-agent', 'cri', 'api.proto'), proto);
    useCli(entry);
    ctx.log('kubelab up --nodes 2');
    const c = await Cluster.up('bench-svc', ['--nodes', '2']);
    cluster = c;
    await c.apply([
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'server', labels: { app: 'server' } },
        spec: {
          nodeName: 'node-2',
          terminationGracePeriodSeconds: 0,
          volumes: [{ name: 'www', emptyDir: { medium: 'Memory' } }],
          containers: [{
            name: 'httpd',
            image: IMAGE,
            command: ['sh', '-c', `dd if=/dev/zero of=/www/big bs=1048576 count=${mb} 2>/dev/null && touch /www/ready && exec httpd -f -p 8080 -h /www`],
            volumeMounts: [{ name: 'www', mountPath: '/www' }],
            readinessProbe: { exec: { command: ['test', '-f', '/www/ready'] }, periodSeconds: 1 },
          }],
        },
      },
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'client', labels: { app: 'client' } }, spec: { nodeName: 'node-1', terminationGracePeriodSeconds: 0, containers: [{ name: 'c', image: IMAGE, command: ['sleep', '36000'] }] } },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'server' }, spec: { selector: { app: 'server' }, ports: [{ port: 80, targetPort: 8080 }] } },
    ]);
    const [server] = await c.waitRunning('app=server', 1, 180_000);
    await c.waitRunning('app=client', 1, 120_000);
    const podIP = server?.status?.podIP ?? '';
    const clusterIP = (await c.api.request<Service>({ path: '/api/v1/namespaces/default/services/server' })).spec?.clusterIP ?? '';
    await waitFor('the Service to have its endpoint', async () => {
      const slices = (await c.api.request<KubeList<EndpointSlice>>({ path: '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices', query: { labelSelector: 'kubernetes.io/service-name=server' } })).items;
      return slices.some((s) => (s.endpoints ?? []).some((e) => e.conditions?.ready)) ? true : undefined;
    }, 30_000);
    /** One timed download inside the client pod; returns MiB/s. */
    const fetchOnce = async (url: string): Promise<number> => {
      // busybox date has no %N: /proc/uptime's centiseconds, over a transfer of a second or more.
      const out = await c.kubectl.ok(['exec', 'client', '--', 'sh', '-c', `s=$(cut -d' ' -f1 /proc/uptime); wget -qO /dev/null ${url} || exit 1; e=$(cut -d' ' -f1 /proc/uptime); echo "$s $e"`], { timeoutMs: 300_000 });
      const [s, e] = (out.trim().split('\n').pop() ?? '').split(' ').map(Number);
      const seconds = (e as number) - (s as number);
      if (!Number.isFinite(seconds) || seconds <= 0) throw new Error(`bad timing ${JSON.stringify(out)}`);
      return mb / seconds;
    };
    // One warm-up of each path (page cache, ARP, conntrack), not counted.
    await fetchOnce(`http://${podIP}:8080/big`);
    await fetchOnce(`http://${clusterIP}/big`);
    for (let i = 0; i < repeats; i++) {
      direct.push(await fetchOnce(`http://${podIP}:8080/big`));
      viaService.push(await fetchOnce(`http://${clusterIP}/big`));
      ctx.log(`  run ${i + 1}/${repeats}: pod IP ${direct[i]?.toFixed(0)} MiB/s, ClusterIP ${viaService[i]?.toFixed(0)} MiB/s`);
    }
    const d = await c.down();
    if (d.code !== 0) throw new Error(`kubelab down failed: ${d.stderr}`);
    c.cleanup();
    cluster = undefined;
  } finally {
    if (cluster) await cluster.down();
    await ctx.close();
  }
  // Each ClusterIP run is paired with the pod-IP run just before it (same moment's load); the ratio reported is
  // the median of those pairs' ratios.
  const ratio = median(viaService.map((v, i) => v / (direct[i] as number)));
  const header = ['case', 'median MiB/s', 'runs (MiB/s)', 'vs pod IP (median of pair ratios)', 'target', ''];
  const table = [
    [`${mb} MiB over the pod IP (node-1 -> node-2)`, median(direct).toFixed(0), direct.map((x) => x.toFixed(0)).join(' '), '', '', ''],
    [`${mb} MiB over the ClusterIP`, median(viaService).toFixed(0), viaService.map((x) => x.toFixed(0)).join(' '), `${ratio.toFixed(2)}x`, '>= 0.9x', ratio >= 0.9 ? 'PASS' : 'MISS'],
  ];
  const out = process.env.BENCH_OUT || join(tmpdir(), `kubelab-bench-service-${ctx.id}.json`);
  writeFileSync(out, JSON.stringify({ machine: info, direct, viaService, ratio }, null, 2));
  process.stdout.write(`\nService throughput (issue 13), ${info.date}\nmachine: nproc ${info.nproc}, ${info.cpu}, ${info.memory}, kernel ${info.kernel}, node ${info.node}, ${info.nft}\nload average at start ${info.loadavg}, at end ${loadAverage()}\n\n`);
  process.stdout.write(textTable(header, table) + '\n\n');
  if (process.env.BENCH_MARKDOWN) process.stdout.write('\n' + markdownTable(header, table) + '\n\n');
  process.stdout.write(`all measurements in ${out}\n`);
  return 0;
}

runBench('bench service', () => main());
