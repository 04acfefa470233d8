/**
 * Scenario 2: LIST of 10,000 pods from the watch cache.
 *  - resourceVersion=0, the whole list in one response (what informers do): p50/p99, time to first byte (is it
 *    streamed?), bytes.
 *  - limit=500 paging with resourceVersion unset (kubectl's default path): a full walk through the continue
 *    tokens, per walk and per page.
 * Raw: the same response bytes served by a bare node:http server in its own process, read by the same client.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchContext } from '../lib/context.ts';
import { expectStatus, keepAliveAgent, type HttpResult } from '../lib/http.ts';
import { startRawServer } from '../lib/raw-server-process.ts';
import { mb, ms, nowMs, summarize } from '../lib/stats.ts';

const ACCEPT = { Accept: 'application/json', 'User-Agent': 'kubelab-bench/1' };

export async function timedGets(url: string, iters: number, warmup: number): Promise<HttpResult[]> {
  const agent = keepAliveAgent(1);
  try {
    const out: HttpResult[] = [];
    for (let i = 0; i < warmup + iters; i++) {
      const r = await expectStatus(200, url, { headers: ACCEPT, agent, keepBody: false });
      if (i >= warmup) out.push(r);
    }
    return out;
  } finally {
    agent.destroy();
  }
}

export async function listScenario(ctx: BenchContext): Promise<void> {
  const { server, pods } = await ctx.populated('embedded');
  const fullUrl = `${server.url}/api/v1/pods?resourceVersion=0`;

  // Correctness first: the list holds every pod; its bytes become the raw server's payload.
  const one = await expectStatus(200, fullUrl, { headers: ACCEPT });
  const parsed = JSON.parse(one.body.toString('utf8')) as { items: unknown[] };
  if (parsed.items.length < pods) throw new Error(`rv=0 list returned ${parsed.items.length} items, want >= ${pods}`);
  const listFile = join(ctx.tmp, 'list.json');
  writeFileSync(listFile, one.body);
  ctx.log(`list rv=0: ${parsed.items.length} items, ${mb(one.bytes)}; ${ctx.listIters} timed GETs`);

  const api = await timedGets(fullUrl, ctx.listIters, 3);
  const raw = await startRawServer({ listFile });
  let rawRuns: HttpResult[];
  try {
    rawRuns = await timedGets(`${raw.url}/list`, ctx.listIters, 3);
  } finally {
    await raw.stop();
  }
  const a = summarize(api.map((r) => r.endMs));
  const ttfb = summarize(api.map((r) => r.firstByteMs));
  const chunks = summarize(api.map((r) => r.chunks));
  const rw = summarize(rawRuns.map((r) => r.endMs));
  const streamed = ttfb.p50 < a.p50 / 2;
  ctx.results['list.rv0'] = { items: parsed.items.length, bytes: one.bytes, api: a, ttfb, chunks, raw: rw };
  ctx.row({
    scenario: 'list',
    case: `rv=0 full list, ${parsed.items.length} pods (${mb(one.bytes)})`,
    value: `${(1000 / a.p50).toFixed(1)} lists/s`,
    p50: ms(a.p50),
    p99: ms(a.p99),
    raw: `p50 ${ms(rw.p50)}, p99 ${ms(rw.p99)}`,
    ratio: `${(a.p99 / rw.p99).toFixed(1)}x raw p99`,
    target: 'p99 <= 150 ms',
    verdict: a.p99 <= 150 ? 'PASS' : 'MISS',
  });
  ctx.row({
    scenario: 'list',
    case: 'rv=0: time to first byte',
    value: streamed ? 'streamed' : 'NOT streamed',
    p50: ms(ttfb.p50),
    p99: ms(ttfb.p99),
    raw: `${chunks.p50} chunks/response`,
    ratio: `${((ttfb.p50 / a.p50) * 100).toFixed(0)}% of total`,
    target: 'TTFB well before end',
    verdict: streamed ? 'PASS' : 'MISS',
  });

  // kubectl's default: limit=500, resourceVersion unset, following continue tokens.
  const agent = keepAliveAgent(1);
  const walks: number[] = [];
  const pages: number[] = [];
  const walk = async (): Promise<number> => {
    let cont = '';
    let items = 0;
    const t0 = nowMs();
    for (;;) {
      const u = `${server.url}/api/v1/pods?limit=500${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`;
      const r = await expectStatus(200, u, { headers: ACCEPT, agent });
      pages.push(r.endMs);
      const body = JSON.parse(r.body.toString('utf8')) as { items: unknown[]; metadata: { continue?: string } };
      items += body.items.length;
      cont = body.metadata.continue ?? '';
      if (!cont) break;
    }
    walks.push(nowMs() - t0);
    return items;
  };
  try {
    const seen = await walk(); // warm-up, and the count check
    if (seen < pods) throw new Error(`paged list walked ${seen} items, want >= ${pods}`);
    walks.length = 0;
    pages.length = 0;
    for (let i = 0; i < 5; i++) await walk();
  } finally {
    agent.destroy();
  }
  const w = summarize(walks);
  const p = summarize(pages);
  ctx.results['list.paged'] = { walk: w, page: p };
  ctx.row({
    scenario: 'list',
    case: `limit=500 paging, rv unset (${Math.ceil(pods / 500)} pages)`,
    value: `walk p50 ${ms(w.p50)}`,
    p50: `page ${ms(p.p50)}`,
    p99: `page ${ms(p.p99)}`,
    raw: `rv=0 full list p50 ${ms(a.p50)}`,
    ratio: `${(w.p50 / a.p50).toFixed(1)}x full list`,
    target: '',
    verdict: '',
  });
}
