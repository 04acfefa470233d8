/**
 * Scenario 1: pod create throughput through HTTP (etcd and embedded backends, each apiserver in its own process)
 * against raw etcd txn creates of the same stored bytes, with the same etcd3 client and the same concurrency, in
 * the same run. Runs are interleaved (raw, http-etcd, http-embedded) and repeated; the median run by throughput
 * is reported.
 */
import { Etcd3, type IOptions } from 'etcd3';
import type { BenchContext } from '../lib/context.ts';
import { closedLoop, expectStatus, keepAliveAgent, type LoadResult } from '../lib/http.ts';
import { startRawServer } from '../lib/raw-server-process.ts';
import { createPods, ensureNamespace, names, podBodies } from '../lib/pods.ts';
import { medianBy, ms, pct, summarize } from '../lib/stats.ts';
import { cpuMeter, findPid } from '../lib/proc.ts';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const CONCURRENCIES = [16, 64];
const WARMUP = 300;

/** Etcd3Store's client options (apiserver/storage/etcd3/etcd3-store.ts): no client-side retry/circuit policy. */
function storeLikeClient(endpoint: string): Etcd3 {
  const passThrough = {
    execute: <T>(fn: (ctx: { signal: AbortSignal }) => PromiseLike<T> | T): Promise<T> =>
      Promise.resolve().then(() => fn({ signal: new AbortController().signal })),
    onSuccess: () => ({ dispose: () => {} }),
    onFailure: () => ({ dispose: () => {} }),
  };
  const options: IOptions = {
    hosts: [endpoint],
    faultHandling: { global: passThrough as unknown as NonNullable<IOptions['faultHandling']>['global'] },
    defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + 30_000 }),
  };
  return new Etcd3(options);
}

type Target = 'raw etcd txn' | 'bare HTTP echo' | 'bare HTTP + etcd txn' | 'HTTP, etcd backend' | 'HTTP, embedded backend';

interface Run {
  target: Target;
  concurrency: number;
  repeat: number;
  throughput: number;
  p50: number;
  p99: number;
  elapsedMs: number;
  n: number;
  /** CPU milliseconds per create, by process (apiserver, etcd, load generator). */
  cpuPerOp: Record<string, number>;
}

async function measured(target: Target, repeat: number, pids: Record<string, number | undefined>, run: () => Promise<LoadResult>): Promise<Run> {
  const meter = cpuMeter(pids);
  const r = await run();
  const cpu = meter();
  const s = summarize(r.latencies);
  const cpuPerOp: Record<string, number> = {};
  for (const [k, v] of Object.entries(cpu)) cpuPerOp[k] = v / r.n;
  return { target, concurrency: r.concurrency, repeat, throughput: r.throughput, p50: s.p50, p99: s.p99, elapsedMs: r.elapsedMs, n: r.n, cpuPerOp };
}

function cpuCell(r: Run): string {
  return Object.entries(r.cpuPerOp)
    .map(([k, v]) => `${k} ${v.toFixed(2)}`)
    .join(', ');
}

export async function createScenario(ctx: BenchContext): Promise<void> {
  const etcd = await ctx.etcd();
  const etcdServer = await ctx.spawn('etcd', 'create');
  const embeddedServer = await ctx.spawn('embedded', 'create');
  const client = storeLikeClient(etcd.endpoint);
  const etcdPid = etcd.dataDir ? findPid(etcd.dataDir) : undefined;
  let bare: Awaited<ReturnType<typeof startRawServer>> | undefined;
  const rawRoot = `/bench-${ctx.id}-raw`;
  try {
    // The bytes etcd receives for one pod through the apiserver (defaults, managedFields, status): raw writes
    // store exactly these, with the name swapped in.
    await ensureNamespace(etcdServer.url, 'bench-probe');
    await createPods(etcdServer.url, 'bench-probe', podBodies('bench-probe', ['probe']), 1);
    const kvs = await client.getAll().prefix(`/bench-${ctx.id}-create/pods/bench-probe/`).buffers();
    const stored = Object.values(kvs)[0];
    if (!stored) throw new Error('cannot find the probe pod in etcd: is the key layout /<prefix>/pods/<ns>/<name>?');
    const storedText = stored.toString('utf8');
    if (!storedText.includes('"name":"probe"')) throw new Error('the stored probe pod does not carry "name":"probe"');
    const requestBytes = podBodies('bench-probe', ['probe'])[0]?.length ?? 0;
    ctx.log(`pod JSON: ${requestBytes} B as sent, ${stored.length} B as stored`);
    ctx.results['create.podBytes'] = { request: requestBytes, stored: stored.length };
    const podFile = join(ctx.tmp, 'stored-pod.json');
    writeFileSync(podFile, stored);
    bare = await startRawServer({ podFile, etcdEndpoint: etcd.endpoint, etcdPrefix: `/bench-${ctx.id}-bare` });
    const bareUrl = bare.url;
    const barePid = bare.pid;

    const runs: Run[] = [];
    for (const c of CONCURRENCIES) {
      const ns = `bench-c${c}`;
      for (const s of [etcdServer, embeddedServer]) await ensureNamespace(s.url, ns);
      const raw = async (tag: string, n: number): Promise<LoadResult> => {
        const ks = names(tag, n);
        const keys = ks.map((k) => Buffer.from(`${rawRoot}/pods/${ns}/${k}`));
        const values = ks.map((k) => Buffer.from(storedText.replace('"name":"probe"', `"name":"${k}"`).replace('"namespace":"bench-probe"', `"namespace":"${ns}"`)));
        return closedLoop(n, c, async (i) => {
          const key = keys[i] as Buffer;
          const res = await client.kv.txn({
            compare: [{ key, target: 'Create', result: 'Equal', create_revision: 0 }],
            success: [{ request_put: { key, value: values[i] as Buffer } }],
            failure: [],
          });
          if (!res.succeeded) throw new Error(`raw create of ${key.toString()} found the key present`);
        });
      };
      const http = (url: string, tag: string, n: number) => createPods(url, ns, podBodies(ns, names(tag, n)), c);
      // The bare server: the same request bodies and response bytes, none of the apiserver's work.
      const bareRun = async (path: 'echo' | 'txn', tag: string, n: number): Promise<LoadResult> => {
        const ks = names(`${ns}-${tag}`, n);
        const bodies = podBodies(ns, ks);
        const agent = keepAliveAgent(c);
        try {
          return await closedLoop(n, c, async (i) => {
            await expectStatus(201, `${bareUrl}/${path}/${ks[i] as string}`, {
              method: 'POST',
              headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
              body: bodies[i] as Buffer,
              agent,
            });
          });
        } finally {
          agent.destroy();
        }
      };
      ctx.log(`create c=${c}: warm-up (${WARMUP} each)`);
      await raw('warm', WARMUP);
      await http(etcdServer.url, 'warm', WARMUP);
      await http(embeddedServer.url, 'warm', WARMUP);
      await bareRun('echo', 'warm', WARMUP);
      await bareRun('txn', 'warm', WARMUP);
      for (let rep = 0; rep < ctx.createRepeats; rep++) {
        const r1 = await measured('raw etcd txn', rep, { etcd: etcdPid }, () => raw(`r${rep}`, ctx.createN));
        const r2 = await measured('HTTP, etcd backend', rep, { apiserver: etcdServer.pid, etcd: etcdPid }, () => http(etcdServer.url, `r${rep}`, ctx.createN));
        const r3 = await measured('HTTP, embedded backend', rep, { apiserver: embeddedServer.pid }, () => http(embeddedServer.url, `r${rep}`, ctx.createN));
        const r4 = await measured('bare HTTP echo', rep, { 'bare server': barePid }, () => bareRun('echo', `r${rep}`, ctx.createN));
        const r5 = await measured('bare HTTP + etcd txn', rep, { 'bare server': barePid, etcd: etcdPid }, () => bareRun('txn', `r${rep}`, ctx.createN));
        runs.push(r1, r2, r3, r4, r5);
        ctx.log(
          `create c=${c} #${rep}: raw ${r1.throughput.toFixed(0)}/s, http-etcd ${r2.throughput.toFixed(0)}/s, http-embedded ${r3.throughput.toFixed(0)}/s, bare echo ${r4.throughput.toFixed(0)}/s, bare+etcd ${r5.throughput.toFixed(0)}/s`,
        );
      }
    }
    ctx.results['create.runs'] = runs;

    for (const c of CONCURRENCIES) {
      const pick = (t: Target) => medianBy(runs.filter((r) => r.concurrency === c && r.target === t), (r) => r.throughput);
      const raw = pick('raw etcd txn');
      const viaEtcd = pick('HTTP, etcd backend');
      const viaEmbedded = pick('HTTP, embedded backend');
      const rawCell = `${raw.throughput.toFixed(0)}/s (p50 ${ms(raw.p50)}, p99 ${ms(raw.p99)})`;
      ctx.row({ scenario: 'create', case: `raw etcd txn, c=${c}`, value: `${raw.throughput.toFixed(0)}/s`, p50: ms(raw.p50), p99: ms(raw.p99), raw: '-', ratio: '100%', target: '', verdict: '' });
      const etcdRatio = viaEtcd.throughput / raw.throughput;
      ctx.row({
        scenario: 'create',
        case: `HTTP etcd backend, c=${c}`,
        value: `${viaEtcd.throughput.toFixed(0)}/s`,
        p50: ms(viaEtcd.p50),
        p99: ms(viaEtcd.p99),
        raw: rawCell,
        ratio: pct(etcdRatio),
        target: c === 64 ? '>= 60% of raw' : '',
        verdict: c === 64 ? (etcdRatio >= 0.6 ? 'PASS' : 'MISS') : '',
      });
      ctx.row({
        scenario: 'create',
        case: `HTTP embedded backend, c=${c}`,
        value: `${viaEmbedded.throughput.toFixed(0)}/s`,
        p50: ms(viaEmbedded.p50),
        p99: ms(viaEmbedded.p99),
        raw: rawCell,
        ratio: `${pct(viaEmbedded.throughput / raw.throughput)} (${pct(viaEmbedded.throughput / viaEtcd.throughput)} of HTTP etcd)`,
        target: '>= HTTP etcd',
        verdict: viaEmbedded.throughput >= viaEtcd.throughput ? 'PASS' : 'MISS',
      });
      for (const t of ['bare HTTP echo', 'bare HTTP + etcd txn'] as const) {
        const b = pick(t);
        ctx.row({
          scenario: 'create',
          case: `  reference: ${t}, c=${c}`,
          value: `${b.throughput.toFixed(0)}/s`,
          p50: ms(b.p50),
          p99: ms(b.p99),
          raw: rawCell,
          ratio: pct(b.throughput / raw.throughput),
          target: '',
          verdict: '',
        });
      }
      for (const r of [raw, viaEtcd, viaEmbedded, pick('bare HTTP echo'), pick('bare HTTP + etcd txn')]) {
        ctx.row({ scenario: 'create', case: `  CPU ms per create: ${r.target}, c=${c}`, value: cpuCell(r), p50: '', p99: '', raw: '', ratio: '', target: '', verdict: '' });
      }
    }
  } finally {
    await bare?.stop();
    client.close();
    await ctx.stopServer(etcdServer);
    await ctx.stopServer(embeddedServer);
  }
}
