/**
 * Scenario 3: one write seen by 1,000 concurrent watchers. Two watcher processes (test/bench/watch-clients.ts)
 * hold 500 chunked HTTP watches each, every watch on its own connection, on a namespace of the populated server
 * (10k pods elsewhere). Each write is a pod create; delivery latency = event received - write acknowledged (the
 * 201 arrived), and also from the moment the write was sent. Clocks: CLOCK_MONOTONIC, shared by all processes.
 * Raw: a bare node:http server in its own process that writes the same event line to 1,000 held responses and
 * then acknowledges, watched by the same two processes.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import type { BenchContext } from '../lib/context.ts';
import { expectStatus, keepAliveAgent } from '../lib/http.ts';
import { ensureNamespace, podBodies } from '../lib/pods.ts';
import { startRawServer } from '../lib/raw-server-process.ts';
import { mb, ms, nowMs, summarize, type Summary } from '../lib/stats.ts';

type ChildMsg =
  | { type: 'established'; count: number }
  | { type: 'event'; name: string; recv: number[] }
  | { type: 'closed' }
  | { type: 'error'; message: string };

const PROCESSES = 2;

class WatcherFleet {
  readonly #children: ChildProcess[] = [];
  readonly #waiting = new Map<string, { left: number; recv: number[]; done: (recv: number[]) => void }>();
  #errors: string[] = [];
  #onEstablished: (() => void) | undefined;
  #established = 0;
  #onClosed: (() => void) | undefined;
  #closed = 0;

  constructor() {
    for (let i = 0; i < PROCESSES; i++) {
      const c = fork(resolve(import.meta.dirname, '..', 'watch-clients.ts'), [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
      c.on('message', (m: ChildMsg) => this.#onMessage(m));
      this.#children.push(c);
    }
  }

  #onMessage(m: ChildMsg): void {
    if (m.type === 'established') {
      if (++this.#established === this.#children.length) this.#onEstablished?.();
    } else if (m.type === 'closed') {
      if (++this.#closed === this.#children.length) this.#onClosed?.();
    } else if (m.type === 'error') {
      if (this.#errors.length < 5) this.#errors.push(m.message);
    } else {
      const w = this.#waiting.get(m.name);
      if (!w) return;
      w.recv.push(...m.recv);
      if (--w.left === 0) {
        this.#waiting.delete(m.name);
        w.done(w.recv);
      }
    }
  }

  async open(url: string, total: number): Promise<void> {
    this.#established = 0;
    this.#errors = [];
    const per = Math.ceil(total / this.#children.length);
    const ready = new Promise<void>((r) => (this.#onEstablished = r));
    let left = total;
    for (const c of this.#children) {
      const count = Math.min(per, left);
      left -= count;
      c.send({ cmd: 'open', url, count });
    }
    await withTimeout(ready, 60_000, () => `watches not established in 60 s: ${this.#errors.join('; ')}`);
  }

  /** Resolves with every watch's receive time of the event for `name`. */
  expect(name: string): Promise<number[]> {
    return new Promise((done) => this.#waiting.set(name, { left: this.#children.length, recv: [], done }));
  }

  errors(): string[] {
    return this.#errors;
  }

  async closeWatches(): Promise<void> {
    this.#closed = 0;
    const closed = new Promise<void>((r) => (this.#onClosed = r));
    for (const c of this.#children) c.send({ cmd: 'close' });
    await withTimeout(closed, 10_000, () => 'watcher processes did not close their watches');
    this.#waiting.clear();
  }

  kill(): void {
    for (const c of this.#children) c.kill('SIGKILL');
  }
}

async function withTimeout<T>(p: Promise<T>, msTimeout: number, why: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, rej) => (timer = setTimeout(() => rej(new Error(why())), msTimeout)))]);
  } finally {
    clearTimeout(timer);
  }
}

interface Delivery {
  fromAck: Summary;
  fromSend: Summary;
  writeP50: number;
  perWriteP99: number[];
}

/** Runs `writes` writes through `write(i)` (which resolves at the acknowledgement) and gathers delivery times. */
async function measure(fleet: WatcherFleet, writes: number, nameOf: (i: number) => string, write: (i: number) => Promise<void>): Promise<Delivery> {
  const fromAck: number[] = [];
  const fromSend: number[] = [];
  const writeLat: number[] = [];
  const perWriteP99: number[] = [];
  for (let i = 0; i < writes; i++) {
    const got = fleet.expect(nameOf(i));
    const tSend = nowMs();
    await write(i);
    const tAck = nowMs();
    const recv = await withTimeout(got, 15_000, () => `write ${i} not seen by every watcher in 15 s: ${fleet.errors().join('; ')}`);
    writeLat.push(tAck - tSend);
    for (const t of recv) {
      fromAck.push(Math.max(0, t - tAck));
      fromSend.push(t - tSend);
    }
    perWriteP99.push(summarize(recv.map((t) => t - tAck)).p99);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { fromAck: summarize(fromAck), fromSend: summarize(fromSend), writeP50: summarize(writeLat).p50, perWriteP99 };
}

export async function watchScenario(ctx: BenchContext): Promise<void> {
  const { server } = await ctx.populated('embedded');
  const ns = 'bench-watch';
  await ensureNamespace(server.url, ns);
  const fleet = new WatcherFleet();
  const agent = keepAliveAgent(1);
  try {
    const before = server.memory();
    ctx.log(`opening ${ctx.watchers} watches on ${ns}`);
    await fleet.open(`${server.url}/api/v1/namespaces/${ns}/pods?watch=true`, ctx.watchers);
    await new Promise((r) => setTimeout(r, 1000));
    const withWatchers = server.memory();
    const nameOf = (i: number) => `w-${String(i).padStart(3, '0')}`;
    const bodies = podBodies(ns, Array.from({ length: ctx.watchWrites }, (_, i) => nameOf(i)));
    const events: string[] = [];
    ctx.log(`${ctx.watchWrites} writes, each to ${ctx.watchers} watchers`);
    const api = await measure(fleet, ctx.watchWrites, nameOf, async (i) => {
      const r = await expectStatus(201, `${server.url}/api/v1/namespaces/${ns}/pods`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: bodies[i] as Buffer,
        agent,
      });
      events.push(`{"type":"ADDED","object":${r.body.toString('utf8')}}`);
    });
    await fleet.closeWatches();

    const raw = await startRawServer();
    let rawD: Delivery;
    try {
      await fleet.open(`${raw.url}/watch`, ctx.watchers);
      await new Promise((r) => setTimeout(r, 1000));
      rawD = await measure(fleet, ctx.watchWrites, nameOf, async (i) => {
        await expectStatus(201, `${raw.url}/write`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: events[i] as string, agent });
      });
      await fleet.closeWatches();
    } finally {
      await raw.stop();
    }
    ctx.results['watch'] = { watchers: ctx.watchers, writes: ctx.watchWrites, api, raw: rawD, memory: { before, withWatchers } };
    ctx.row({
      scenario: 'watch',
      case: `${ctx.watchers} watchers x ${ctx.watchWrites} writes, ack -> event`,
      value: `${api.fromAck.n} deliveries`,
      p50: ms(api.fromAck.p50),
      p99: ms(api.fromAck.p99),
      raw: `p50 ${ms(rawD.fromAck.p50)}, p99 ${ms(rawD.fromAck.p99)}`,
      ratio: `${(api.fromAck.p99 / Math.max(rawD.fromAck.p99, 0.01)).toFixed(1)}x raw p99`,
      target: 'p99 <= 250 ms',
      verdict: api.fromAck.p99 <= 250 ? 'PASS' : 'MISS',
    });
    ctx.row({
      scenario: 'watch',
      case: 'same, send -> event (incl. the write)',
      value: `write p50 ${ms(api.writeP50)}`,
      p50: ms(api.fromSend.p50),
      p99: ms(api.fromSend.p99),
      raw: `p50 ${ms(rawD.fromSend.p50)}, p99 ${ms(rawD.fromSend.p99)}`,
      ratio: `${(api.fromSend.p99 / rawD.fromSend.p99).toFixed(1)}x raw p99`,
      target: '',
      verdict: '',
    });
    ctx.row({
      scenario: 'watch',
      case: `VmRSS with ${ctx.watchers} watches`,
      value: mb(withWatchers.rss),
      p50: '-',
      p99: '-',
      raw: `before ${mb(before.rss)}`,
      ratio: `${((withWatchers.rss - before.rss) / ctx.watchers / 1024).toFixed(0)} KiB/watch`,
      target: '',
      verdict: '',
    });
  } finally {
    agent.destroy();
    fleet.kill();
  }
}
