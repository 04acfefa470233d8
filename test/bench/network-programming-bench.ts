/**
 * `test/bench/run.sh network-programming [flags]`: the issue-13 network programming latency benchmark (the
 * Kubernetes SLI: an endpoint change to the rules applied on every node).
 *
 * One apiserver process (embedded store), S Services with E endpoints each (one EndpointSlice per Service,
 * endpoints spread over the nodes; 10% of the Services are NodePorts, 10% have ClientIP affinity), and N
 * `kubelab proxy` processes, one per node, each programming the nft table of its own network namespace
 * (`--netns`, the compiled CLI as bin/kubelab runs it). After every proxy applied the initial ruleset (timed:
 * "initial sync"), a stream of C endpoint changes, one every I ms: a random Service's slice gets one endpoint
 * flipped between ready and not ready, or replaced by a new address, stamped with
 * endpoints.kubernetes.io/last-change-trigger-time = now (what the endpointslice controller writes). Each
 * proxy measures now - trigger time when the transaction carrying the change succeeded (its /latency
 * endpoint); the benchmark reads every sample of every proxy and reports p50/p99/max per node and over all.
 *
 * Flags: --services 1000 --endpoints 5 (per Service) --nodes 3 --changes 300 --interval-ms 100
 * Environment: BENCH_OUT (JSON results), BENCH_MARKDOWN=1, BENCH_SERVER=ts (run `node cli/main.ts`),
 * BENCH_CPU_PROF=DIR (every proxy under `node --cpu-prof`, DIR/proxy-node-I.cpuprofile written when it exits;
 * summarize with `node test/bench/prof-top.ts DIR/*.cpuprofile`).
 * Target (issue 13): p99 <= 1 s with 1,000 Services and 5,000 endpoints.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Service } from '../../shared/api/core-v1.ts';
import type { Endpoint, EndpointSlice } from '../../shared/api/discovery-v1.ts';
import { newClientset } from '../../shared/client/clientset.ts';
import { fromFlags } from '../../shared/client/kubeconfig.ts';
import { freePort } from '../integration/framework/etcd.ts';
import { writeKubeconfigFile } from '../integration/framework/kubeconfig-file.ts';
import { spawnAPIServer } from './lib/apiserver-process.ts';
import { machineInfo, runBench, sh } from './lib/machine.ts';
import { markdownTable, percentile, textTable } from './lib/stats.ts';

function flag(args: string[], name: string, def: number): number {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return def;
  const v = Number(args[i + 1]);
  if (!Number.isFinite(v) || v < 0) throw new Error(`--${name} wants a number`);
  return v;
}

async function pool<T>(items: T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < items.length) await fn(items[next++] as T);
  }));
}

function podIP(n: number): string {
  return `10.244.${(n >> 8) & 255}.${n & 255}`;
}

async function main(args: string[]): Promise<number> {
  const services = flag(args, 'services', 1000);
  const perService = flag(args, 'endpoints', 5);
  const nodes = flag(args, 'nodes', 3);
  const changes = flag(args, 'changes', 300);
  const intervalMs = flag(args, 'interval-ms', 100);
  const root = resolve(import.meta.dirname, '../..');
  const compiled = join(root, 'dist/cli/main.js');
  const entry = process.env['BENCH_SERVER'] === 'ts' || !existsSync(compiled) ? join(root, 'cli/main.ts') : compiled;
  const info = machineInfo({ commit: sh('git', ['-C', root, 'rev-parse', '--short', 'HEAD']), nft: sh('nft', ['--version']), entry });
  process.stdout.write(`network-programming: ${services} Services x ${perService} endpoints, ${nodes} proxies, ${changes} changes every ${intervalMs} ms\n${JSON.stringify(info)}\n`);

  const server = await spawnAPIServer({ backend: 'embedded', entry });
  const dir = mkdtempSync(join(tmpdir(), 'kubelab-npl-'));
  const kubeconfig = writeKubeconfigFile(join(dir, 'kubeconfig'), { server: server.url });
  const cs = newClientset(fromFlags({ server: server.url }));
  const tag = `npl${process.pid % 100000}`;
  const namespaces = Array.from({ length: nodes }, (_, i) => `${tag}-n${i}`);
  const proxies: ChildProcess[] = [];
  try {
    // Objects.
    const t0 = Date.now();
    const slices = new Map<string, EndpointSlice>();
    let ipSeq = 1;
    await pool(Array.from({ length: services }, (_, i) => i), 16, async (i) => {
      const name = `svc-${i}`;
      const svc: Service = {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { namespace: 'default', name },
        spec: {
          type: i % 10 === 0 ? 'NodePort' : 'ClusterIP',
          selector: { app: name },
          ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080, ...(i % 10 === 0 ? { nodePort: 30000 + i / 10 } : {}) }],
          ...(i % 10 === 5 ? { sessionAffinity: 'ClientIP' as const } : {}),
        },
      };
      await cs.services.create(svc);
      const endpoints: Endpoint[] = Array.from({ length: perService }, (_, j) => ({
        addresses: [podIP(ipSeq++)],
        nodeName: `node-${j % nodes}`,
        conditions: { ready: true, serving: true, terminating: false },
      }));
      const slice: EndpointSlice = {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { namespace: 'default', name: `${name}-abcde`, labels: { 'kubernetes.io/service-name': name } },
        addressType: 'IPv4',
        ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
        endpoints,
      };
      slices.set(name, await cs.endpointSlices.create(slice));
    });
    process.stdout.write(`objects created in ${Date.now() - t0} ms\n`);

    // Proxies, one per node namespace.
    const ports: number[] = [];
    const tStart = Date.now();
    for (const [i, ns] of namespaces.entries()) {
      const r = await new Promise<number>((res) => spawn('ip', ['netns', 'add', ns], { stdio: 'ignore' }).on('close', (c) => res(c ?? 1)));
      if (r !== 0) throw new Error(`ip netns add ${ns} failed`);
      const port = await freePort();
      ports.push(port);
      const prof = process.env['BENCH_CPU_PROF'] ? ['--cpu-prof', '--cpu-prof-dir', resolve(process.env['BENCH_CPU_PROF']), '--cpu-prof-name', `proxy-node-${i}.cpuprofile`] : [];
      const child = spawn(process.execPath, [...prof, entry, 'proxy', '--kubeconfig', kubeconfig, '--hostname-override', `node-${i}`, '--netns', ns, '--cluster-cidr', '10.244.0.0/16', '--healthz-bind-address', `127.0.0.1:${port}`, '--log-level', process.env['BENCH_PROXY_LOG'] ?? 'warn'], { stdio: ['ignore', 'ignore', 'inherit'] });
      proxies.push(child);
    }
    const latency = async (port: number, samples = false) => {
      const res = await fetch(`http://127.0.0.1:${port}/latency${samples ? '?samples=1' : ''}`);
      return (await res.json()) as { networkProgrammingLatencySeconds: { count: number }; syncs: number; samples?: number[] };
    };
    const deadline = Date.now() + 120_000;
    for (const port of ports) {
      for (;;) {
        if (Date.now() > deadline) throw new Error('the proxies did not finish their first sync within 120 s');
        try {
          if ((await latency(port)).syncs > 0) break;
        } catch {
          // not listening yet
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const initialSyncMs = Date.now() - tStart;
    process.stdout.write(`every proxy applied the initial ruleset ${initialSyncMs} ms after start\n`);
    const chains = sh('nsenter', [`--net=/var/run/netns/${namespaces[0]}`, '--', 'sh', '-c', 'nft list table ip kube-proxy | grep -c "^\\s*chain "']);

    // The change stream.
    const names = [...slices.keys()];
    const tStream = Date.now();
    for (let k = 0; k < changes; k++) {
      const due = tStream + k * intervalMs;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const name = names[Math.floor(Math.random() * names.length)] as string;
      const current = slices.get(name) as EndpointSlice;
      const eps = current.endpoints.map((e) => ({ ...e, conditions: { ...e.conditions } }));
      const j = Math.floor(Math.random() * eps.length);
      const e = eps[j] as Endpoint;
      if (k % 2 === 0) e.conditions = { ready: !(e.conditions?.ready ?? true), serving: !(e.conditions?.ready ?? true), terminating: false };
      else e.addresses = [podIP(ipSeq++)];
      const updated: EndpointSlice = {
        ...current,
        metadata: { ...current.metadata, annotations: { ...current.metadata.annotations, 'endpoints.kubernetes.io/last-change-trigger-time': new Date().toISOString() } },
        endpoints: eps,
      };
      slices.set(name, await cs.endpointSlices.update(updated));
    }
    const streamMs = Date.now() - tStream;
    // Every proxy has observed every change (bounded).
    const until = Date.now() + 60_000;
    for (const port of ports) {
      while ((await latency(port)).networkProgrammingLatencySeconds.count < changes) {
        if (Date.now() > until) throw new Error(`proxy on port ${port} applied fewer than ${changes} changes within 60 s`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const rows: string[][] = [];
    const all: number[] = [];
    const perNode: { node: string; count: number; p50: number; p99: number; max: number }[] = [];
    for (const [i, port] of ports.entries()) {
      const s = ((await latency(port, true)).samples ?? []).map((x) => x * 1000).sort((a, b) => a - b);
      all.push(...s);
      const r = { node: `node-${i}`, count: s.length, p50: percentile(s, 0.5), p99: percentile(s, 0.99), max: s[s.length - 1] ?? 0 };
      perNode.push(r);
      rows.push([r.node, String(r.count), r.p50.toFixed(0), r.p99.toFixed(0), r.max.toFixed(0)]);
    }
    all.sort((a, b) => a - b);
    const overall = { count: all.length, p50: percentile(all, 0.5), p99: percentile(all, 0.99), max: all[all.length - 1] ?? 0 };
    rows.push(['all', String(overall.count), overall.p50.toFixed(0), overall.p99.toFixed(0), overall.max.toFixed(0)]);
    const header = ['proxy', 'changes', 'p50 ms', 'p99 ms', 'max ms'];
    process.stdout.write(`\n${services} Services, ${services * perService} endpoints, ${chains} chains per node table; ${changes} changes in ${streamMs} ms\n`);
    process.stdout.write(textTable(header, rows) + '\n');
    process.stdout.write(`target p99 <= 1000 ms: ${overall.p99 <= 1000 ? 'met' : 'NOT met'} (p99 ${overall.p99.toFixed(0)} ms)\n`);
    if (process.env['BENCH_MARKDOWN']) process.stdout.write(markdownTable(header, rows) + '\n');
    if (process.env['BENCH_OUT']) writeFileSync(process.env['BENCH_OUT'], JSON.stringify({ info, services, endpoints: services * perService, nodes, changes, intervalMs, initialSyncMs, perNode, overall }, null, 2));
    return overall.p99 <= 1000 ? 0 : 1;
  } finally {
    for (const p of proxies) p.kill('SIGTERM');
    await Promise.all(proxies.map((p) => new Promise<void>((r) => (p.exitCode !== null ? r() : p.once('exit', () => r())))));
    for (const ns of namespaces) await new Promise<void>((r) => spawn('ip', ['netns', 'delete', ns], { stdio: 'ignore' }).on('close', () => r()));
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

runBench('bench network-programming', () => main(process.argv.slice(2)));
