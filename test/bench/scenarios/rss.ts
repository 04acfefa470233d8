/**
 * Scenario 4: apiserver RSS (VmRSS of the server process) with 10,000 pods, after the creates and one full list.
 * Raw reference: the JSON bytes of those pods (the size of the rv=0 list), and the idle server's RSS before the
 * pods went in; (RSS - idle) / JSON bytes is the memory held per byte of object.
 */
import type { Backend } from '../lib/apiserver-process.ts';
import type { BenchContext } from '../lib/context.ts';
import { expectStatus } from '../lib/http.ts';
import { mb, ms, summarize } from '../lib/stats.ts';

const TARGET = 250 * 1024 * 1024;
const CATCH_UP_MS = 15_000;
/** How long the server idles before the second reading. */
const SETTLE_MS = 20_000;

function countItems(body: Buffer): number {
  return (JSON.parse(body.toString('utf8')) as { items: unknown[] }).items.length;
}

/** extraNodeFlags: node flags for this server only (e.g. a smaller V8 young generation), shown in the rows. */
export async function rssScenario(ctx: BenchContext, backend: Backend, extraNodeFlags: string[] = []): Promise<void> {
  const pop = await ctx.populated(backend, extraNodeFlags);
  const label = extraNodeFlags.length ? `${backend}, node ${extraNodeFlags.join(' ')}` : backend;
  const { server, baseline, load } = pop;
  const lat = summarize(load.latencies);
  ctx.row({
    scenario: 'rss',
    case: `populate: ${pop.pods} creates, ${label}, c=64`,
    value: `${load.throughput.toFixed(0)}/s`,
    p50: ms(lat.p50),
    p99: ms(lat.p99),
    raw: 'see create',
    ratio: '',
    target: '',
    verdict: '',
  });
  // The full list from the watch cache; it must hold every pod (a cache stuck behind storage is a finding).
  const fullUrl = `${server.url}/api/v1/pods?resourceVersion=0`;
  let list = await expectStatus(200, fullUrl, { headers: { Accept: 'application/json' } });
  let items = countItems(list.body);
  const t0 = Date.now();
  while (items < pop.pods && Date.now() - t0 < CATCH_UP_MS) {
    await new Promise((r) => setTimeout(r, 1000));
    list = await expectStatus(200, fullUrl, { headers: { Accept: 'application/json' } });
    items = countItems(list.body);
  }
  if (items < pop.pods) {
    ctx.log(`rss ${label}: the watch cache holds ${items} of ${pop.pods} pods ${CATCH_UP_MS / 1000} s after the last create`);
    ctx.row({
      scenario: 'rss',
      case: `watch cache complete after populate, ${label}`,
      value: `${items} of ${pop.pods} pods`,
      p50: '',
      p99: '',
      raw: `storage has ${pop.pods}`,
      ratio: '',
      target: `all within ${CATCH_UP_MS / 1000} s`,
      verdict: 'MISS',
    });
  } else {
    ctx.results[`rss.${label}.cacheCatchUpMs`] = Date.now() - t0;
  }
  await new Promise((r) => setTimeout(r, 1000));
  const m = server.memory();
  ctx.results[`rss.${label}`] = { baseline, baselineHeap: pop.baselineHeap, after: m, listBytes: list.bytes, pods: pop.pods };
  ctx.log(`rss ${label}: ${mb(m.rss)} (idle ${mb(baseline.rss)}, peak ${mb(m.hwm)}); list ${mb(list.bytes)}`);
  ctx.row({
    scenario: 'rss',
    case: `VmRSS, ${pop.pods} pods + full list, ${label}`,
    value: mb(m.rss),
    p50: '-',
    p99: `peak ${mb(m.hwm)}`,
    raw: `idle ${mb(baseline.rss)}; pods JSON ${mb(list.bytes)}`,
    ratio: `${((m.rss - baseline.rss) / list.bytes).toFixed(1)} B/B of JSON`,
    target: '<= 250 MiB',
    verdict: m.rss <= TARGET ? 'PASS' : 'MISS',
  });
  // The same server left idle: V8's memory reducer (it starts ~8 s after allocation slows) gives back heap slack.
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  const settled = server.memory();
  ctx.results[`rss.${label}.settled`] = { afterMs: SETTLE_MS, ...settled };
  ctx.log(`rss ${label} after ${SETTLE_MS / 1000} s idle: ${mb(settled.rss)}`);
  ctx.row({
    scenario: 'rss',
    case: `VmRSS, same, after ${SETTLE_MS / 1000} s idle, ${label}`,
    value: mb(settled.rss),
    p50: '-',
    p99: `peak ${mb(settled.hwm)}`,
    raw: `idle ${mb(baseline.rss)}; pods JSON ${mb(list.bytes)}`,
    ratio: `${((settled.rss - baseline.rss) / list.bytes).toFixed(1)} B/B of JSON`,
    target: '<= 250 MiB',
    verdict: settled.rss <= TARGET ? 'PASS' : 'MISS',
  });
  // Where it goes (after the RSS readings: the probe runs a full GC in the server).
  const heap = await server.heap();
  if (heap) {
    const afterGc = server.memory();
    ctx.results[`rss.${label}.heap`] = { ...heap, rssAfterGc: afterGc.rss };
    const other = settled.rss - heap.before.heapTotal - heap.before.external;
    ctx.row({
      scenario: 'rss',
      case: `  breakdown, ${label}`,
      value: `V8 heap ${mb(heap.before.heapTotal)} (used ${mb(heap.before.heapUsed)}, live after GC ${mb(heap.after.heapUsed)})`,
      p50: '',
      p99: '',
      raw: `external ${mb(heap.before.external)}; code/native/malloc ${mb(other)}`,
      ratio: pop.baselineHeap ? `live +${((heap.after.heapUsed - pop.baselineHeap.after.heapUsed) / pop.pods / 1024).toFixed(1)} KiB/pod` : '',
      target: `RSS after GC ${mb(afterGc.rss)}`,
      verdict: '',
    });
  }
  if (backend === 'etcd' || extraNodeFlags.length) await ctx.stopServer(server);
}
