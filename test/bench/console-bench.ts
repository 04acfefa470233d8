/**
 * `test/bench/run.sh console [flags]`: the issue-14 browser console benchmark.
 *
 * One apiserver process (embedded store, TLS, a static admin token), N Nodes and P pods written through the API
 * (no agent, no containerd: the benchmark owns every pod status, so the only writers are its own), `kubelab console`
 * (the compiled CLI) and a headless Chromium (test/browser/chromium.ts) signed in to the cluster page. Then, for
 * --seconds, --rate pod changes per second through the API: each a status write giving one container of one pod a
 * new restart count (unique over the run, so the value identifies the write), every other one to a pod whose row
 * is on screen (the list is virtualized: only those rows are in the DOM) and the others to pods off screen (load
 * the page's store must absorb without drawing).
 *
 * Measured, per on-screen write: time from the write being sent to
 *   - raw: its watch event arriving at a plain client (a WebSocket-free chunked watch in this process): the floor;
 *   - DOM: the first mutation of that pod's row (`[data-pod="NS/NAME"]`) whose text shows the new count
 *     (a MutationObserver in the page, timestamps on the same machine clock).
 * And over the stream: frames dropped (requestAnimationFrame gaps longer than 2 frames: the frames they swallowed),
 * and the page's main-thread busy share (CDP Performance.getMetrics TaskDuration over wall time).
 * Targets (issue 14): DOM p99 <= 1 s, busy < 50%.
 *
 * Flags: --nodes 10 --pods 1000 --rate 50 --seconds 30 --raw-only (no console, no browser: the watch floor alone)
 * Environment: BENCH_OUT (JSON results), BENCH_MARKDOWN=1, BENCH_SERVER=ts (node cli/main.ts instead of dist/).
 */
import https from 'node:https';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Node, Pod } from '../../shared/api/core-v1.ts';
import { ensurePKI } from '../../deploy/cluster/pki.ts';
import { writeKubeconfigFile } from '../integration/framework/kubeconfig-file.ts';
import { launchChromium, signInToConsole, waitForSelector, type TestBrowser } from '../browser/chromium.ts';
import type { Page } from 'puppeteer-core';
import { startConsoleProcess, type ConsoleProcess } from '../browser/console-process.ts';
import { CONSOLE_SELECTORS } from '../browser/console-selectors.ts';
import { spawnAPIServer, type APIServerProcess } from './lib/apiserver-process.ts';
import { keepAliveAgent, request } from './lib/http.ts';
import { machineInfo, runBench, sh } from './lib/machine.ts';
import { markdownTable, ms, pct, summarize, textTable } from './lib/stats.ts';

declare const document: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- page code, no DOM lib here
declare const window: any; // eslint-disable-line @typescript-eslint/no-explicit-any
declare const MutationObserver: any; // eslint-disable-line @typescript-eslint/no-explicit-any
declare const requestAnimationFrame: (cb: (t: number) => void) => number;

const NS = 'bench-console';
const TOKEN = `bench-console-admin-${process.pid}-${Date.now().toString(36)}`;

function flag(args: string[], name: string, def: number): number {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return def;
  const v = Number(args[i + 1]);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} wants a positive number`);
  return v;
}

async function pool<T>(items: T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < items.length) await fn(items[next++] as T);
  }));
}

interface Change {
  pod: string;
  value: number;
  sentAt: number;
  onScreen: boolean;
}

/** Runs in the page: records row mutations and animation frames into window.__consoleBench. */
function installProbe(): void {
  const rec = { rows: [] as { pod: string; t: number; text: string }[], frames: [] as number[], on: true };
  window.__consoleBench = rec;
  const seen = new Set<unknown>();
  new MutationObserver((muts: { target: any }[]) => {
    if (!rec.on) return;
    const t = Date.now();
    seen.clear();
    for (const m of muts) {
      const el = m.target.nodeType === 1 ? m.target : m.target.parentElement;
      const row = el?.closest?.('[data-pod]') ?? (m.target.nodeType === 1 ? m.target.querySelector?.('[data-pod]') : null);
      if (!row || seen.has(row)) continue;
      seen.add(row);
      rec.rows.push({ pod: row.getAttribute('data-pod'), t, text: `${row.textContent} ${[...row.attributes].map((a: { value: string }) => a.value).join(' ')}` });
    }
  }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
  const frame = (ts: number) => {
    if (rec.on) rec.frames.push(ts);
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
}

/** A chunked watch from `rv`: arrival time of every restart-count value seen, by pod. */
function rawWatch(url: string, agentOpts: { ca: Buffer }, rv: string): { arrivals: Map<string, number>; close(): void } {
  const arrivals = new Map<string, number>();
  const req = https.get(`${url}/api/v1/namespaces/${NS}/pods?watch=1&allowWatchBookmarks=false&resourceVersion=${rv}`, { ca: agentOpts.ca, headers: { authorization: `Bearer ${TOKEN}` } }, (res) => {
    let buf = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      const t = Date.now();
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (!line.trim()) continue;
        const ev = JSON.parse(line) as { type: string; object: Pod };
        const name = ev.object.metadata?.name ?? '';
        for (const cs of ev.object.status?.containerStatuses ?? []) {
          const key = `${name}/${cs.restartCount}`;
          if (!arrivals.has(key)) arrivals.set(key, t);
        }
      }
    });
  });
  req.on('error', () => undefined);
  return { arrivals, close: () => req.destroy() };
}

function podStatus(restarts: number, now: string): Pod['status'] {
  return {
    phase: 'Running',
    conditions: [
      { type: 'PodScheduled', status: 'True', lastTransitionTime: now },
      { type: 'Initialized', status: 'True', lastTransitionTime: now },
      { type: 'ContainersReady', status: 'True', lastTransitionTime: now },
      { type: 'Ready', status: 'True', lastTransitionTime: now },
    ],
    podIP: '10.244.0.10',
    startTime: now,
    containerStatuses: [{ name: 'app', image: 'localhost/busybox:1.35', imageID: '', ready: true, started: true, restartCount: restarts, state: { running: { startedAt: now } } }],
  } as Pod['status'];
}

async function main(args: string[]): Promise<number> {
  const nodes = flag(args, 'nodes', 10);
  const pods = flag(args, 'pods', 1000);
  const rate = flag(args, 'rate', 50);
  const seconds = flag(args, 'seconds', 30);
  const rawOnly = args.includes('--raw-only');
  const root = resolve(import.meta.dirname, '../..');
  const compiled = join(root, 'dist/cli/main.js');
  const entry = process.env['BENCH_SERVER'] === 'ts' ? join(root, 'cli/main.ts') : compiled;
  const info = machineInfo({ commit: sh('git', ['-C', root, 'rev-parse', '--short', 'HEAD']), chromium: rawOnly ? '-' : sh('/usr/lib/chromium/chromium', ['--version']), entry });
  process.stdout.write(`console: ${pods} pods on ${nodes} nodes, ${rate} changes/s for ${seconds} s${rawOnly ? ' (raw watch only)' : ''}\n${JSON.stringify(info)}\n`);

  const dir = mkdtempSync(join(tmpdir(), 'kubelab-console-bench-'));
  const pki = ensurePKI(join(dir, 'pki'), { ips: ['127.0.0.1'], dns: ['localhost'] });
  const ca = readFileSync(pki.caCert);
  writeFileSync(join(dir, 'tokens.csv'), `${TOKEN},bench-admin,1,"system:masters"\n`, { mode: 0o600 });
  let server: APIServerProcess | undefined;
  let consoleProc: ConsoleProcess | undefined;
  let browser: TestBrowser | undefined;
  let watch: ReturnType<typeof rawWatch> | undefined;
  const agent = keepAliveAgent(16, { ca });
  const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', accept: 'application/json' };
  const api = async (method: string, path: string, body?: unknown, contentType = 'application/json') => {
    const r = await request(`${server!.url}${path}`, { method, agent, headers: { ...auth, 'content-type': contentType }, body: body === undefined ? undefined : JSON.stringify(body) });
    if (r.status >= 300) throw new Error(`${method} ${path}: HTTP ${r.status}: ${r.body.toString('utf8').slice(0, 300)}`);
    return JSON.parse(r.body.toString('utf8')) as { metadata?: { resourceVersion?: string } };
  };
  try {
    server = await spawnAPIServer({
      entry,
      backend: 'embedded',
      serverArgs: ['--tls-cert-file', pki.serverCert, '--tls-private-key-file', pki.serverKey, '--token-auth-file', join(dir, 'tokens.csv'), '--authorization-mode', 'Node,RBAC'],
      tlsAgent: agent,
    });
    // Objects: nodes, then pods bound to them, then their statuses (Running, ready, restart count 0).
    const t0 = Date.now();
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    await api('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    // No controllers run: the ServiceAccount admission wants the namespace's default account, written here.
    await api('POST', `/api/v1/namespaces/${NS}/serviceaccounts`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default' } });
    const nodeNames = Array.from({ length: nodes }, (_, i) => `bench-node-${i}`);
    for (const name of nodeNames) {
      const node: Node = { apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name } }, spec: {} } as Node;
      await api('POST', '/api/v1/nodes', node);
      await api('PATCH', `/api/v1/nodes/${name}/status`, {
        status: {
          capacity: { cpu: '8', memory: '32Gi', pods: '250' },
          allocatable: { cpu: '8', memory: '32Gi', pods: '250' },
          conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: now, lastTransitionTime: now }],
        },
      }, 'application/merge-patch+json');
    }
    const podNames = Array.from({ length: pods }, (_, i) => `pod-${String(i).padStart(4, '0')}`);
    await pool(podNames, 16, async (name) => {
      const i = Number(name.slice(4));
      await api('POST', `/api/v1/namespaces/${NS}/pods`, {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name, labels: { app: 'bench' } },
        spec: { nodeName: nodeNames[i % nodes], containers: [{ name: 'app', image: 'localhost/busybox:1.35' }] },
      });
      await api('PATCH', `/api/v1/namespaces/${NS}/pods/${name}/status`, { status: podStatus(0, now) }, 'application/merge-patch+json');
    });
    process.stdout.write(`${nodes} nodes and ${pods} running pods written in ${Date.now() - t0} ms\n`);

    // The page, signed in, showing the cluster; the probe installed; which pod rows are on screen.
    let onScreen: string[] = [];
    let page: Page | undefined;
    if (!rawOnly) {
      consoleProc = await startConsoleProcess({ entry, kubeconfig: writeKubeconfigFile(join(dir, 'console.kubeconfig'), { server: server.url, caPem: ca.toString('utf8') }) });
      browser = await launchChromium({ width: 1400, height: 900 });
      page = await browser.newPage();
      await signInToConsole(page, consoleProc.url, TOKEN, { readySelector: CONSOLE_SELECTORS.app, timeoutMs: 30_000 });
      await waitForSelector(page, CONSOLE_SELECTORS.podRow(NS, podNames[0] as string), { what: 'the first pod row', timeoutMs: 30_000 });
      await page.evaluate(installProbe);
      onScreen = (await page.$$eval('[data-pod]', (els) => els.map((e) => (e as unknown as { getAttribute(n: string): string }).getAttribute('data-pod')))).filter((p) => p.startsWith(`${NS}/`)).map((p) => p.slice(NS.length + 1));
      if (onScreen.length === 0) throw new Error('no pod rows of the benchmark namespace on screen');
      process.stdout.write(`console at ${consoleProc.url}; ${onScreen.length} pod rows on screen of ${pods}\n`);
    } else {
      onScreen = podNames.slice(0, 40);
    }
    const offScreen = podNames.filter((p) => !onScreen.includes(p));

    // The stream.
    const list = await api('GET', `/api/v1/namespaces/${NS}/pods?limit=1`);
    watch = rawWatch(server.url, { ca }, list.metadata?.resourceVersion ?? '0');
    await new Promise((r) => setTimeout(r, 500));
    const m0 = page ? await page.metrics() : undefined;
    const wall0 = Date.now();
    const total = Math.round(rate * seconds);
    const changes: Change[] = [];
    const inflight: Promise<unknown>[] = [];
    let failures = 0;
    for (let k = 0; k < total; k++) {
      const due = wall0 + (k * 1000) / rate;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const on = k % 2 === 0 || offScreen.length === 0;
      const set = on ? onScreen : offScreen;
      const pod = set[Math.floor(k / 2) % set.length] as string;
      const value = 1000 + k;
      const c: Change = { pod, value, sentAt: Date.now(), onScreen: on };
      changes.push(c);
      inflight.push(api('PATCH', `/api/v1/namespaces/${NS}/pods/${pod}/status`, { status: { containerStatuses: podStatus(value, now)!.containerStatuses } }, 'application/merge-patch+json').catch(() => void failures++));
    }
    await Promise.all(inflight);
    const wallStream = Date.now() - wall0;
    await new Promise((r) => setTimeout(r, 3000)); // the last changes reach the page
    const m1 = page ? await page.metrics() : undefined;
    const wall1 = Date.now();
    const probe = page
      ? await page.evaluate(() => {
          const r = window.__consoleBench;
          r.on = false;
          return { rows: r.rows as { pod: string; t: number; text: string }[], frames: r.frames as number[], hooks: window.__kubelabConsole ? JSON.parse(JSON.stringify(window.__kubelabConsole)) : null };
        })
      : undefined;

    // Matching.
    const raw: number[] = [];
    const dom: number[] = [];
    let domMissing = 0;
    const rowsByPod = new Map<string, { t: number; text: string }[]>();
    for (const r of probe?.rows ?? []) {
      const name = r.pod.slice(NS.length + 1);
      let a = rowsByPod.get(name);
      if (!a) rowsByPod.set(name, (a = []));
      a.push(r);
    }
    for (const c of changes) {
      if (!c.onScreen) continue;
      const arrived = watch.arrivals.get(`${c.pod}/${c.value}`);
      if (arrived !== undefined) raw.push(arrived - c.sentAt);
      if (!probe) continue;
      const re = new RegExp(`(^|\\D)${c.value}(\\D|$)`);
      const hit = (rowsByPod.get(c.pod) ?? []).find((r) => r.t >= c.sentAt && re.test(r.text));
      if (hit) dom.push(hit.t - c.sentAt);
      else domMissing++;
    }
    const rawS = summarize(raw);
    const domS = summarize(dom);
    // Frames: gaps between animation frames longer than 2 frames (60 Hz), and the frames they swallowed.
    const frameMs = 1000 / 60;
    let longGaps = 0;
    let dropped = 0;
    const frames = probe?.frames ?? [];
    for (let i = 1; i < frames.length; i++) {
      const gap = (frames[i] as number) - (frames[i - 1] as number);
      if (gap > 2 * frameMs) {
        longGaps++;
        dropped += Math.round(gap / frameMs) - 1;
      }
    }
    const busy = m0 && m1 ? ((m1.TaskDuration ?? 0) - (m0.TaskDuration ?? 0)) / ((wall1 - wall0) / 1000) : Number.NaN;

    const header = ['measure', 'n', 'p50', 'p99', 'max', 'target', 'verdict'];
    const rows: string[][] = [
      ['write -> watch event at a plain client (raw)', String(rawS.n), ms(rawS.p50), ms(rawS.p99), ms(rawS.max), '', ''],
    ];
    if (probe) {
      rows.push(['write -> DOM row shows it', `${domS.n} (+${domMissing} never)`, ms(domS.p50), ms(domS.p99), ms(domS.max), 'p99 <= 1 s', domMissing === 0 && domS.p99 <= 1000 ? 'PASS' : 'MISS']);
      rows.push(['main thread busy (TaskDuration / wall)', '', pct(busy), '', '', '< 50%', busy < 0.5 ? 'PASS' : 'MISS']);
      rows.push(['frames dropped (rAF gaps > 2 frames)', `${frames.length} frames`, `${dropped} dropped`, `${longGaps} gaps`, '', '', '']);
    }
    process.stdout.write(`${total} changes sent in ${wallStream} ms (${failures} failed), ${changes.filter((c) => c.onScreen).length} to on-screen rows\n`);
    process.stdout.write(textTable(header, rows) + '\n');
    if (process.env['BENCH_MARKDOWN'] === '1') process.stdout.write(markdownTable(header, rows) + '\n');
    if (probe?.hooks) process.stdout.write(`window.__kubelabConsole at the end: ${JSON.stringify(probe.hooks)}\n`);
    const out = process.env['BENCH_OUT'] ?? join(tmpdir(), `kubelab-console-bench-${Date.now()}.json`);
    writeFileSync(out, JSON.stringify({ info, nodes, pods, rate, seconds, failures, raw: rawS, dom: domS, domMissing, busy, frames: frames.length, dropped, longGaps, hooks: probe?.hooks ?? null }, null, 2));
    process.stdout.write(`results: ${out}\n`);
    return failures === 0 && (rawOnly || (domMissing === 0 && domS.p99 <= 1000 && busy < 0.5)) ? 0 : 1;
  } finally {
    watch?.close();
    await browser?.close().catch(() => undefined);
    await consoleProc?.stop().catch(() => undefined);
    await server?.stop().catch(() => undefined);
    agent.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

// run.sh's timeout sends SIGTERM: exit through process.exit so the console child is killed on the way out.
for (const sig of ['SIGTERM', 'SIGINT'] as const) process.once(sig, () => process.exit(128 + (sig === 'SIGTERM' ? 15 : 2)));
runBench('console bench', () => main(process.argv.slice(2)));
