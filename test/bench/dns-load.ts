/**
 * The load generator of `test/bench/run.sh dns` (see dns-bench.ts), its own process: keeps BENCH_WINDOW queries
 * in flight over one UDP socket to 127.0.0.1:<port> for <durationMs>, cycling through lib/dns-query-mix.ts for
 * BENCH_DNS_SERVICES Services, each answer matched by id and timed; a query unanswered
 * for 500 ms counts as lost and is replaced. Prints one JSON line: {answered, lost, seconds, qps, latenciesUs}.
 */
import dgram from 'node:dgram';
import dnsPacket from 'dns-packet';
import { dnsQueryMix } from './lib/dns-query-mix.ts';

const [portArg, durationArg] = process.argv.slice(2);
const port = Number(portArg);
const durationMs = Number(durationArg ?? 5000);
const window = Number(process.env['BENCH_WINDOW'] ?? 64);
const queries = dnsQueryMix(Number(process.env['BENCH_DNS_SERVICES'] ?? 1000)).map(([name, type]) =>
  dnsPacket.encode({ type: 'query', id: 0, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type, class: 'IN' }] }));
if (!port || queries.length === 0) throw new Error('usage: dns-load.ts PORT DURATION_MS ');

const sock = dgram.createSocket('udp4');
const sentAt = new Float64Array(65536);
const live = new Uint8Array(65536);
const latencies: number[] = [];
let nextId = 0;
let next = 0;
let inflight = 0;
let answered = 0;
let lost = 0;
let running = true;
const t0 = performance.now();

function sendOne(): void {
  let id = nextId;
  for (let i = 0; i < 65536 && live[id]; i++) id = (id + 1) & 0xffff;
  nextId = (id + 1) & 0xffff;
  const q = queries[next]!;
  next = (next + 1) % queries.length;
  q.writeUInt16BE(id, 0);
  live[id] = 1;
  sentAt[id] = performance.now();
  inflight++;
  sock.send(q, port, '127.0.0.1');
}

sock.on('message', (msg) => {
  if (msg.length < 2) return;
  const id = msg.readUInt16BE(0);
  if (!live[id]) return;
  live[id] = 0;
  inflight--;
  answered++;
  latencies.push(Math.round((performance.now() - sentAt[id]!) * 1000));
  if (running) sendOne();
});

sock.bind(0, '127.0.0.1', () => {
  sock.setRecvBufferSize(4 << 20);
  sock.setSendBufferSize(4 << 20);
  for (let i = 0; i < window; i++) sendOne();
  const reaper = setInterval(() => {
    const now = performance.now();
    for (let id = 0; id < 65536; id++) {
      if (live[id] && now - sentAt[id]! > 500) {
        live[id] = 0;
        inflight--;
        lost++;
        if (running) sendOne();
      }
    }
  }, 100);
  setTimeout(() => {
    running = false;
    const seconds = (performance.now() - t0) / 1000;
    const done = answered;
    clearInterval(reaper);
    // Let the last answers come in (not counted), then report.
    setTimeout(() => {
      process.stdout.write(JSON.stringify({ answered: done, lost, seconds, qps: done / seconds, latenciesUs: latencies.slice(0, done) }) + '\n');
      sock.close();
    }, 200);
  }, durationMs);
});
