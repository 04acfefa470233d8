/**
 * The cluster DNS server's wire side: UDP and TCP listeners answering from a KubeZone and forwarding every other
 * name to upstream resolvers.
 *
 * Hot path: in-zone answers are encoded once per (name, type, class, size limit, EDNS) and cached as bytes until
 * the zone's generation moves; a cached answer costs a header parse, a copy and three patches (id, RD bit, the
 * question name's case as the client sent it). Everything else (misses, odd packets) goes through dns-packet.
 *
 * UDP responses larger than the client's limit (512 bytes, or its EDNS0 payload size capped at 4096) are sent
 * empty with TC set, so the client retries over TCP (RFC 1035 4.2.1, RFC 6891 6.2.5).
 */
import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket, { type Answer, type DecodedPacket, type OptAnswer, type Packet, type RecordType } from 'dns-packet';
import { log as rootLog, type Logger } from '../shared/util/log.ts';
import { servfailFor, type Forwarder } from './forwarder.ts';
import type { KubeZone } from './kube-zone.ts';

export interface ListenAddress {
  host: string;
  port: number;
}

export interface DnsServerOptions {
  zone: KubeZone;
  /** Where names outside the zone go; without one they answer REFUSED. */
  forwarder?: Forwarder;
  /** UDP and TCP on each. */
  listen: ListenAddress[];
  /** Encoded answers kept at most (the cache is dropped whole when full or when the zone changes). @default 10000 */
  maxCachedAnswers?: number;
  log?: Logger;
}

/** The EDNS0 payload size this server advertises (DNS flag day 2020). */
export const EDNS_PAYLOAD_SIZE = 1232;
const MAX_UDP_LIMIT = 4096;

const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;

/** What the fast path reads of a query: enough to key the answer cache. */
export interface ParsedQuestion {
  id: number;
  /** End offset of the question name (starts at 12). */
  nameEnd: number;
  /** The question name's wire bytes with ASCII letters lower-cased, as a latin1 string. */
  nameKey: string;
  qtype: number;
  qclass: number;
  /** The client's EDNS0 payload size, 0 without an OPT record. */
  ednsSize: number;
}

/**
 * Parses the header and single question of a plain query (opcode QUERY, one question, no answer/authority
 * records, at most an OPT record in additionals). Undefined for anything else: the slow path handles it.
 */
export function parseQuestion(buf: Buffer): ParsedQuestion | undefined {
  if (buf.length < 17) return undefined;
  const flags = buf.readUInt16BE(2);
  if (flags & 0x8000 || (flags >> 11) & 0xf) return undefined;
  if (buf.readUInt16BE(4) !== 1 || buf.readUInt16BE(6) !== 0 || buf.readUInt16BE(8) !== 0) return undefined;
  const arcount = buf.readUInt16BE(10);
  if (arcount > 1) return undefined;
  let off = 12;
  let key = '';
  for (;;) {
    if (off >= buf.length) return undefined;
    const len = buf[off]!;
    if (len === 0) break;
    if (len > 63 || off + 1 + len > buf.length) return undefined;
    key += String.fromCharCode(len);
    for (let i = off + 1; i <= off + len; i++) {
      const c = buf[i]!;
      key += String.fromCharCode(c >= 0x41 && c <= 0x5a ? c + 0x20 : c);
    }
    off += len + 1;
  }
  const nameEnd = off + 1;
  if (nameEnd + 4 > buf.length) return undefined;
  const qtype = buf.readUInt16BE(nameEnd);
  const qclass = buf.readUInt16BE(nameEnd + 2);
  let ednsSize = 0;
  let end = nameEnd + 4;
  if (arcount === 1) {
    // An OPT pseudo-record: root name, type 41, class = payload size, ttl, rdlength, options.
    if (end + 11 > buf.length || buf[end] !== 0 || buf.readUInt16BE(end + 1) !== 41) return undefined;
    ednsSize = Math.max(512, buf.readUInt16BE(end + 3));
    end += 11 + buf.readUInt16BE(end + 9);
  }
  if (end !== buf.length) return undefined;
  return { id: buf.readUInt16BE(0), nameEnd, nameKey: key, qtype, qclass, ednsSize };
}

/** The UDP size limit of a response to a query with this EDNS payload size (0: no EDNS). */
const udpLimit = (ednsSize: number): number => (ednsSize === 0 ? 512 : Math.min(ednsSize, MAX_UDP_LIMIT));

/** Answers queries: the part of the server independent of sockets (the benchmark and tests call it directly). */
export class DnsResolver {
  readonly #zone: KubeZone;
  readonly #forwarder: Forwarder | undefined;
  readonly #cache = new Map<string, Buffer>();
  readonly #maxCached: number;
  readonly #log: Logger;
  #cacheGeneration = -1;

  constructor(options: { zone: KubeZone; forwarder?: Forwarder; maxCachedAnswers?: number; log?: Logger }) {
    this.#zone = options.zone;
    this.#forwarder = options.forwarder;
    this.#maxCached = options.maxCachedAnswers ?? 10000;
    this.#log = options.log ?? rootLog.with({ component: 'dns' });
  }

  /** A cached answer to query, or undefined (then call resolve()). Synchronous: the hot path. */
  cached(query: Buffer, transport: 'udp' | 'tcp'): Buffer | undefined {
    if (this.#cacheGeneration !== this.#zone.generation) return undefined;
    const q = parseQuestion(query);
    if (!q) return undefined;
    const hit = this.#cache.get(cacheKey(q, transport));
    if (!hit) return undefined;
    const out = Buffer.allocUnsafe(hit.length);
    hit.copy(out);
    out.writeUInt16BE(q.id, 0);
    out[2] = (out[2]! & 0xfe) | (query[2]! & 0x01);
    query.copy(out, 12, 12, q.nameEnd);
    return out;
  }

  /** The response to one query (never throws: malformed queries get FORMERR, upstream trouble SERVFAIL). */
  async resolve(query: Buffer, transport: 'udp' | 'tcp'): Promise<Buffer> {
    const fast = this.cached(query, transport);
    if (fast) return fast;
    let packet: DecodedPacket;
    try {
      packet = dnsPacket.decode(query);
    } catch {
      return errorResponse(query, RCODE.FORMERR);
    }
    if (packet.type !== 'query') return errorResponse(query, RCODE.FORMERR);
    if (((packet.flags ?? 0) >> 11) & 0xf) return errorResponse(query, RCODE.NOTIMP);
    const question = packet.questions?.[0];
    if (!question || packet.questions?.length !== 1) return errorResponse(query, RCODE.FORMERR);
    const opt = packet.additionals?.find((a): a is OptAnswer => a.type === 'OPT');
    const qclass = question.class ?? 'IN';
    const answer = qclass === 'IN' || qclass === 'ANY' ? this.#zone.lookup(question.name, question.type as RecordType | 'ANY') : undefined;
    if (!answer) {
      if (!this.#forwarder) return errorResponse(query, RCODE.REFUSED);
      return this.#forwarder.forward(query, transport);
    }
    const answers: Answer[] = [...answer.answers];
    if (answer.chase && this.#forwarder && (question.type === 'A' || question.type === 'AAAA')) {
      answers.push(...(await this.#chase(answer.chase, question.type)));
    }
    const limit = transport === 'tcp' ? 65535 : udpLimit(opt ? Math.max(512, opt.udpPayloadSize) : 0);
    const response: Packet = {
      type: 'response',
      id: packet.id ?? 0,
      flags: dnsPacket.AUTHORITATIVE_ANSWER | dnsPacket.RECURSION_AVAILABLE | (packet.flag_rd ? dnsPacket.RECURSION_DESIRED : 0) | RCODE[answer.rcode],
      questions: [question],
      answers,
      authorities: answer.authorities,
      additionals: [...answer.additionals, ...(opt ? [ourOpt()] : [])],
    };
    let out = dnsPacket.encode(response);
    if (out.length > limit) {
      out = dnsPacket.encode({ ...response, flags: (response.flags ?? 0) | dnsPacket.TRUNCATED_RESPONSE, answers: [], authorities: [], additionals: opt ? [ourOpt()] : [] });
    }
    if (!answer.chase) this.#store(query, transport, out);
    return out;
  }

  #store(query: Buffer, transport: 'udp' | 'tcp', response: Buffer): void {
    const q = parseQuestion(query);
    // Cache only if the response's question name has the query's wire length (the hit path patches it in).
    if (!q || response.length < q.nameEnd || response[q.nameEnd - 1] !== 0 || response.readUInt16BE(4) !== 1) return;
    if (response.toString('latin1', 12, q.nameEnd).toLowerCase() !== (q.nameKey + '\0').toLowerCase()) return;
    if (this.#cacheGeneration !== this.#zone.generation || this.#cache.size >= this.#maxCached) {
      this.#cache.clear();
      this.#cacheGeneration = this.#zone.generation;
    }
    this.#cache.set(cacheKey(q, transport), Buffer.from(response));
  }

  /** The upstream's answers for target (an ExternalName's CNAME target outside the zone); [] on failure. */
  async #chase(target: string, type: 'A' | 'AAAA'): Promise<Answer[]> {
    if (!this.#forwarder) return [];
    const q = dnsPacket.encode({ type: 'query', id: Math.floor(Math.random() * 0x10000), flags: dnsPacket.RECURSION_DESIRED, questions: [{ type, name: target, class: 'IN' }] });
    try {
      const r = dnsPacket.decode(await this.#forwarder.forward(q, 'udp'));
      return r.answers ?? [];
    } catch (err) {
      this.#log.debug('Cannot resolve CNAME target upstream', { target, err });
      return [];
    }
  }
}

const cacheKey = (q: ParsedQuestion, transport: 'udp' | 'tcp'): string =>
  `${q.nameKey}|${q.qtype}|${q.qclass}|${transport === 'tcp' ? 65535 : udpLimit(q.ednsSize)}|${q.ednsSize ? 1 : 0}`;

function ourOpt(): OptAnswer {
  return { name: '.', type: 'OPT', udpPayloadSize: EDNS_PAYLOAD_SIZE, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] };
}

/** A response carrying only the query's header (and question when readable) with rcode set. */
function errorResponse(query: Buffer, rcode: number): Buffer {
  if (query.length < 12) return Buffer.alloc(0);
  const out = servfailFor(query);
  out[3] = 0x80 | rcode;
  return out;
}

/** UDP + TCP listeners in front of a DnsResolver. */
export class DnsServer {
  readonly resolver: DnsResolver;
  readonly #listen: ListenAddress[];
  readonly #udp: dgram.Socket[] = [];
  readonly #tcp: net.Server[] = [];
  readonly #conns = new Set<net.Socket>();
  readonly #log: Logger;

  constructor(options: DnsServerOptions) {
    this.#log = options.log ?? rootLog.with({ component: 'dns' });
    this.resolver = new DnsResolver({ zone: options.zone, log: this.#log, ...(options.forwarder ? { forwarder: options.forwarder } : {}), ...(options.maxCachedAnswers !== undefined ? { maxCachedAnswers: options.maxCachedAnswers } : {}) });
    this.#listen = options.listen;
  }

  /** Binds every listen address (UDP and TCP on the same port; port 0 picks one, shared by both). */
  async start(): Promise<void> {
    for (const addr of this.#listen) {
      const family = net.isIP(addr.host) === 6 ? 'udp6' : 'udp4';
      const udp = dgram.createSocket({ type: family });
      await new Promise<void>((resolve, reject) => {
        udp.once('error', reject);
        udp.bind(addr.port, addr.host, () => { udp.off('error', reject); resolve(); });
      });
      const port = udp.address().port;
      udp.on('message', (msg, rinfo) => this.#onUdp(udp, msg, rinfo));
      udp.on('error', (err) => this.#log.warn('UDP socket error', { err }));
      this.#udp.push(udp);
      const tcp = net.createServer((conn) => this.#onTcp(conn));
      await new Promise<void>((resolve, reject) => {
        tcp.once('error', reject);
        tcp.listen(port, addr.host, () => { tcp.off('error', reject); resolve(); });
      });
      this.#tcp.push(tcp);
      this.#log.info('Serving DNS', { address: `${addr.host}:${port}` });
    }
  }

  /** The bound addresses (UDP and TCP share the port). */
  addresses(): ListenAddress[] {
    return this.#udp.map((s) => ({ host: s.address().address, port: s.address().port }));
  }

  #onUdp(sock: dgram.Socket, msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const hit = this.resolver.cached(msg, 'udp');
    if (hit) {
      sock.send(hit, rinfo.port, rinfo.address);
      return;
    }
    this.resolver.resolve(msg, 'udp').then(
      (out) => { if (out.length) sock.send(out, rinfo.port, rinfo.address); },
      (err: unknown) => this.#log.warn('Cannot answer query', { err }),
    );
  }

  #onTcp(conn: net.Socket): void {
    this.#conns.add(conn);
    conn.setTimeout(10_000, () => conn.destroy());
    let buf: Buffer = Buffer.alloc(0);
    conn.on('data', (chunk: Buffer) => {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const query = Buffer.from(buf.subarray(2, 2 + buf.readUInt16BE(0)));
        buf = buf.subarray(2 + query.length);
        this.resolver.resolve(query, 'tcp').then(
          (out) => {
            if (!out.length || conn.destroyed) return;
            const len = Buffer.allocUnsafe(2);
            len.writeUInt16BE(out.length, 0);
            conn.write(Buffer.concat([len, out]));
          },
          (err: unknown) => this.#log.warn('Cannot answer query', { err }),
        );
      }
    });
    conn.on('error', () => conn.destroy());
    conn.on('close', () => this.#conns.delete(conn));
  }

  async close(): Promise<void> {
    for (const s of this.#udp) s.close();
    for (const c of this.#conns) c.destroy();
    await Promise.all(this.#tcp.map((t) => new Promise<void>((resolve) => t.close(() => resolve()))));
    this.#udp.length = 0;
    this.#tcp.length = 0;
  }
}
