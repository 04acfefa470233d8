import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket, { type DecodedPacket as PacketBase, type Packet, type RecordType } from 'dns-packet';

/** dns-packet decodes the rcode too (its typings leave it out). */
type DecodedPacket = PacketBase & { rcode: string };
import { LABEL_SERVICE_NAME } from '../shared/api/discovery-v1.ts';
import { DnsServer, parseQuestion } from './dns-server.ts';
import { Forwarder } from './forwarder.ts';
import { KubeZone } from './kube-zone.ts';

let upstream: dgram.Socket;
let upstreamTcp: net.Server;
const upstreamSeen: string[] = [];
let server: DnsServer;
let forwarder: Forwarder;
let port = 0;
const zone = new KubeZone();

/** A fake upstream resolver: every A question gets 192.0.2.<length of name>; "slow.example" never answers. */
function upstreamAnswer(msg: Buffer): Buffer | undefined {
  const q = dnsPacket.decode(msg);
  const question = q.questions![0]!;
  upstreamSeen.push(`${question.name}/${question.type}`);
  if (question.name === 'slow.example') return undefined;
  return dnsPacket.encode({ type: 'response', id: q.id ?? 0, flags: dnsPacket.RECURSION_AVAILABLE, questions: [question], answers: question.type === 'A' ? [{ name: question.name, type: 'A', ttl: 60, data: `192.0.2.${question.name.length}` }] : [] });
}

before(async () => {
  upstream = dgram.createSocket('udp4');
  upstream.on('message', (msg, rinfo) => {
    const out = upstreamAnswer(msg);
    if (out) upstream.send(out, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => upstream.bind(0, '127.0.0.1', resolve));
  const upPort = upstream.address().port;
  upstreamTcp = net.createServer((c) => c.on('data', (d: Buffer) => {
    const out = upstreamAnswer(d.subarray(2));
    if (!out) return;
    const len = Buffer.alloc(2);
    len.writeUInt16BE(out.length);
    c.write(Buffer.concat([len, out]));
  }));
  await new Promise<void>((resolve) => upstreamTcp.listen(upPort, '127.0.0.1', resolve));
  zone.upsertService({ metadata: { namespace: 'default', name: 'web' }, spec: { clusterIP: '10.96.0.20', ports: [{ name: 'http', port: 80 }] } });
  zone.upsertService({ metadata: { namespace: 'default', name: 'ext' }, spec: { type: 'ExternalName', externalName: 'www.example.com' } });
  zone.upsertService({ metadata: { namespace: 'default', name: 'big' }, spec: { clusterIP: 'None' } });
  zone.upsertEndpointSlice({
    metadata: { namespace: 'default', name: 'big-1', labels: { [LABEL_SERVICE_NAME]: 'big' } },
    addressType: 'IPv4',
    endpoints: Array.from({ length: 60 }, (_, i) => ({ addresses: [`10.244.3.${i + 1}`], conditions: { ready: true } })),
  });
  forwarder = new Forwarder({ upstreams: [{ host: '127.0.0.1', port: upPort }], timeoutMs: 300 });
  server = new DnsServer({ zone, forwarder, listen: [{ host: '127.0.0.1', port: 0 }] });
  await server.start();
  port = server.addresses()[0]!.port;
});

after(async () => {
  await server.close();
  forwarder.close();
  upstream.close();
  await new Promise<void>((resolve) => upstreamTcp.close(() => resolve()));
});

let nextId = 1;
function query(name: string, type: RecordType, extra: Partial<Packet> = {}): Buffer {
  return dnsPacket.encode({ type: 'query', id: nextId++, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type, class: 'IN' }], ...extra });
}

async function udp(msg: Buffer): Promise<DecodedPacket> {
  const s = dgram.createSocket('udp4');
  try {
    return await new Promise<DecodedPacket>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no UDP answer within 3s')), 3000);
      s.on('message', (m) => {
        clearTimeout(t);
        try {
          resolve(dnsPacket.decode(m) as DecodedPacket);
        } catch (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
        }
      });
      s.send(msg, port, '127.0.0.1');
    });
  } finally {
    s.close();
  }
}

async function tcp(msg: Buffer): Promise<DecodedPacket> {
  const c = net.connect({ host: '127.0.0.1', port });
  try {
    return await new Promise<DecodedPacket>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no TCP answer within 3s')), 3000);
      let buf = Buffer.alloc(0);
      c.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        if (buf.length < 2 || buf.length < 2 + buf.readUInt16BE(0)) return;
        clearTimeout(t);
        try {
          resolve(dnsPacket.decode(buf.subarray(2)) as DecodedPacket);
        } catch (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
        }
      });
      c.on('error', reject);
      const len = Buffer.alloc(2);
      len.writeUInt16BE(msg.length);
      c.write(Buffer.concat([len, msg]));
    });
  } finally {
    c.destroy();
  }
}

test('UDP: A for a Service, authoritative, id and question echoed in the client\'s case (also from the cache)', async () => {
  for (const name of ['web.default.svc.cluster.local', 'WEB.default.svc.Cluster.Local']) {
    const q = query(name, 'A');
    const r = await udp(q);
    assert.equal(r.id, q.readUInt16BE(0));
    assert.equal(r.flag_aa, true);
    assert.equal(r.flag_rd, true);
    assert.equal(r.rcode, 'NOERROR');
    assert.equal(r.questions?.[0]?.name, name);
    assert.deepEqual(r.answers?.map((a) => (a as { data: unknown }).data), ['10.96.0.20']);
  }
});

test('UDP: NXDOMAIN and NODATA carry the SOA', async () => {
  const nx = await udp(query('nope.default.svc.cluster.local', 'A'));
  assert.equal(nx.rcode, 'NXDOMAIN');
  assert.equal(nx.authorities?.[0]?.type, 'SOA');
  const nodata = await udp(query('web.default.svc.cluster.local', 'AAAA'));
  assert.equal(nodata.rcode, 'NOERROR');
  assert.equal(nodata.answers?.length, 0);
  assert.equal(nodata.authorities?.[0]?.type, 'SOA');
});

test('TCP: the same answers; SRV', async () => {
  const r = await tcp(query('_http._tcp.web.default.svc.cluster.local', 'SRV'));
  assert.deepEqual(r.answers?.map((a) => (a as { data: unknown }).data), [{ priority: 0, weight: 100, port: 80, target: 'web.default.svc.cluster.local' }]);
});

test('UDP truncation: a 60-endpoint headless answer exceeds 512 bytes: TC set, full answer over TCP and with EDNS0', async () => {
  const r = await udp(query('big.default.svc.cluster.local', 'A'));
  assert.equal(r.flag_tc, true);
  assert.equal(r.answers?.length, 0);
  const t = await tcp(query('big.default.svc.cluster.local', 'A'));
  assert.equal(t.flag_tc, false);
  assert.equal(t.answers?.length, 60);
  const e = await udp(query('big.default.svc.cluster.local', 'A', { additionals: [{ name: '.', type: 'OPT', udpPayloadSize: 4096, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] }] }));
  assert.equal(e.flag_tc, false);
  assert.equal(e.answers?.length, 60);
  const opt = e.additionals?.find((a) => a.type === 'OPT') as { udpPayloadSize: number } | undefined;
  assert.equal(opt?.udpPayloadSize, 1232);
});

test('names outside the zone are forwarded upstream (UDP and TCP); no answer in time is SERVFAIL', async () => {
  const r = await udp(query('example.org', 'A'));
  assert.equal(r.rcode, 'NOERROR');
  assert.equal(r.flag_aa, false);
  assert.deepEqual(r.answers?.map((a) => (a as { data: unknown }).data), ['192.0.2.11']);
  const t = await tcp(query('example.net', 'A'));
  assert.deepEqual(t.answers?.map((a) => (a as { data: unknown }).data), ['192.0.2.11']);
  const rev = await udp(query('9.9.9.10.in-addr.arpa', 'PTR'));
  assert.equal(rev.rcode, 'NOERROR');
  assert.ok(upstreamSeen.includes('9.9.9.10.in-addr.arpa/PTR'), 'unknown reverse names fall through to upstream');
  const slow = await udp(query('slow.example', 'A'));
  assert.equal(slow.rcode, 'SERVFAIL');
});

test('ExternalName: CNAME followed by the upstream\'s A for the target', async () => {
  const r = await udp(query('ext.default.svc.cluster.local', 'A'));
  assert.deepEqual(r.answers?.map((a) => [a.type, (a as { data: unknown }).data]), [['CNAME', 'www.example.com'], ['A', '192.0.2.15']]);
});

test('a changed zone is answered at once (cached answers dropped)', async () => {
  assert.deepEqual((await udp(query('web.default.svc.cluster.local', 'A'))).answers?.map((a) => (a as { data: unknown }).data), ['10.96.0.20']);
  zone.upsertService({ metadata: { namespace: 'default', name: 'web' }, spec: { clusterIP: '10.96.0.21' } });
  assert.deepEqual((await udp(query('web.default.svc.cluster.local', 'A'))).answers?.map((a) => (a as { data: unknown }).data), ['10.96.0.21']);
});

test('garbage gets FORMERR or nothing, and the server keeps answering', async () => {
  const junk = Buffer.from([0, 7, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 60, 1, 2]);
  const r = await udp(junk);
  assert.equal(r.id, 7);
  assert.equal(r.rcode, 'FORMERR');
  assert.equal((await udp(query('web.default.svc.cluster.local', 'A'))).rcode, 'NOERROR');
});

test('parseQuestion lower-cases the name and reads EDNS0', () => {
  const q = parseQuestion(query('A.b', 'A', { additionals: [{ name: '.', type: 'OPT', udpPayloadSize: 2048, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] }] }));
  assert.equal(q?.nameKey, '\x01a\x01b');
  assert.equal(q?.ednsSize, 2048);
  assert.equal(q?.qtype, 1);
});
