/**
 * Issue 12: protobuf against JSON, same server, same run.
 *  - LIST of 10,000 pods: resourceVersion=0 (the watch cache; what informers ask for) and resourceVersion unset
 *    (a consistent read from storage), each timed as JSON and as protobuf, interleaved. The client reads the whole
 *    body; the cases with "+ decode" also decode it (JSON.parse / the protobuf codec), as a client must.
 *  - pod creates at concurrency 16: JSON bodies and answers against protobuf bodies and answers, interleaved runs,
 *    the median run by throughput reported.
 */
import type { BenchContext } from '../lib/context.ts';
import { closedLoop, expectStatus, keepAliveAgent, type HttpResult, type LoadResult } from '../lib/http.ts';
import { ensureNamespace, names } from '../lib/pods.ts';
import { benchPod } from '../lib/pod-fixture.ts';
import { mb, medianBy, ms, nowMs, summarize } from '../lib/stats.ts';
import { decodeObject, encodeObject } from '../../../shared/protobuf/envelope.ts';

const PB = 'application/vnd.kubernetes.protobuf';
type Format = 'json' | 'protobuf';

const accept = (f: Format) => ({ Accept: f === 'json' ? 'application/json' : `${PB}, */*`, 'User-Agent': 'kubelab-bench/1' });

function decode(f: Format, body: Buffer): number {
  const list = f === 'json' ? (JSON.parse(body.toString('utf8')) as { items: unknown[] }) : (decodeObject(body) as { items: unknown[] });
  return list.items.length;
}

interface ListRun {
  end: number[];
  decoded: number[];
  bytes: number;
}

export async function protobufScenario(ctx: BenchContext): Promise<void> {
  const { server, pods } = await ctx.populated('embedded');
  const iters = ctx.listIters;
  for (const [label, query] of [
    ['rv=0 (watch cache)', '?resourceVersion=0'],
    ['rv unset (storage)', ''],
  ] as const) {
    const url = `${server.url}/api/v1/pods${query}`;
    const runs: Record<Format, ListRun> = { json: { end: [], decoded: [], bytes: 0 }, protobuf: { end: [], decoded: [], bytes: 0 } };
    const agent = keepAliveAgent(1);
    try {
      for (const f of ['json', 'protobuf'] as const) {
        const first = await expectStatus(200, url, { headers: accept(f), agent });
        const n = decode(f, first.body);
        if (n < pods) throw new Error(`${f} list ${label}: ${n} items, want >= ${pods}`);
        if (f === 'protobuf' && first.headers['content-type'] !== PB) throw new Error(`protobuf list answered ${String(first.headers['content-type'])}`);
        runs[f].bytes = first.bytes;
      }
      // Warm-up, then interleaved timed GETs (one of each format per round).
      for (let i = 0; i < 3; i++) for (const f of ['json', 'protobuf'] as const) await expectStatus(200, url, { headers: accept(f), agent, keepBody: false });
      for (let i = 0; i < iters; i++) {
        for (const f of ['json', 'protobuf'] as const) {
          const r: HttpResult = await expectStatus(200, url, { headers: accept(f), agent });
          runs[f].end.push(r.endMs);
          const t0 = nowMs();
          decode(f, r.body);
          runs[f].decoded.push(r.endMs + (nowMs() - t0));
        }
      }
    } finally {
      agent.destroy();
    }
    const j = summarize(runs.json.end);
    const p = summarize(runs.protobuf.end);
    const jd = summarize(runs.json.decoded);
    const pd = summarize(runs.protobuf.decoded);
    ctx.results[`protobuf.list.${query || 'storage'}`] = { pods, json: { ...runs.json, end: j, decoded: jd }, protobuf: { ...runs.protobuf, end: p, decoded: pd } };
    ctx.row({
      scenario: 'protobuf',
      case: `LIST ${pods} pods ${label}: protobuf (${mb(runs.protobuf.bytes)}) vs JSON (${mb(runs.json.bytes)})`,
      value: `protobuf p50 ${ms(p.p50)}`,
      p50: ms(p.p50),
      p99: ms(p.p99),
      raw: `JSON p50 ${ms(j.p50)}, p99 ${ms(j.p99)}`,
      ratio: `${(p.p50 / j.p50).toFixed(2)}x JSON p50`,
      target: 'protobuf <= JSON',
      verdict: p.p50 <= j.p50 * 1.05 ? 'PASS' : 'MISS',
    });
    ctx.row({
      scenario: 'protobuf',
      case: `  same + client decode (JSON.parse / codec)`,
      value: `protobuf p50 ${ms(pd.p50)}`,
      p50: ms(pd.p50),
      p99: ms(pd.p99),
      raw: `JSON p50 ${ms(jd.p50)}, p99 ${ms(jd.p99)}`,
      ratio: `${(pd.p50 / jd.p50).toFixed(2)}x JSON p50`,
      target: '',
      verdict: '',
    });
  }

  // Pod creates: JSON against protobuf bodies (and answers), interleaved, repeated.
  const c = 16;
  const n = Math.min(ctx.createN, 2000);
  const ns = 'bench-pb-create';
  await ensureNamespace(server.url, ns);
  const create = async (f: Format, tag: string): Promise<LoadResult> => {
    const ks = names(tag, n);
    const bodies = ks.map((k) => (f === 'json' ? Buffer.from(JSON.stringify(benchPod(k, ns))) : encodeObject(benchPod(k, ns))));
    const headers = { ...accept(f), 'Content-Type': f === 'json' ? 'application/json' : PB };
    const agent = keepAliveAgent(c);
    try {
      return await closedLoop(n, c, async (i) => {
        await expectStatus(201, `${server.url}/api/v1/namespaces/${ns}/pods`, { method: 'POST', headers, body: bodies[i] as Buffer, agent, keepBody: true });
      });
    } finally {
      agent.destroy();
    }
  };
  await create('json', 'warm-json');
  await create('protobuf', 'warm-pb');
  const runs: Record<Format, LoadResult[]> = { json: [], protobuf: [] };
  for (let rep = 0; rep < 3; rep++) {
    for (const f of ['json', 'protobuf'] as const) runs[f].push(await create(f, `${f}-${rep}`));
  }
  const jm = medianBy(runs.json, (r) => r.throughput);
  const pm = medianBy(runs.protobuf, (r) => r.throughput);
  const jl = summarize(jm.latencies);
  const pl = summarize(pm.latencies);
  ctx.results['protobuf.create'] = { n, concurrency: c, json: runs.json.map((r) => r.throughput), protobuf: runs.protobuf.map((r) => r.throughput) };
  ctx.row({
    scenario: 'protobuf',
    case: `pod creates, concurrency ${c}, ${n} per run (median of 3): protobuf vs JSON`,
    value: `protobuf ${pm.throughput.toFixed(0)}/s`,
    p50: ms(pl.p50),
    p99: ms(pl.p99),
    raw: `JSON ${jm.throughput.toFixed(0)}/s, p50 ${ms(jl.p50)}, p99 ${ms(jl.p99)}`,
    ratio: `${(pm.throughput / jm.throughput).toFixed(2)}x JSON throughput`,
    target: 'protobuf >= JSON',
    verdict: pm.throughput >= jm.throughput * 0.95 ? 'PASS' : 'MISS',
  });
}
