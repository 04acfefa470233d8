/**
 * Forwards queries for names outside the cluster zone to upstream resolvers (CoreDNS's `forward . /etc/resolv.conf`):
 * UDP queries over UDP with their ids rewritten (one socket per address family, shared by all queries in flight),
 * TCP queries over a fresh TCP connection; each upstream in turn until one answers within the timeout.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';

export interface Upstream {
  host: string;
  port: number;
}

export interface ForwarderOptions {
  upstreams: Upstream[];
  /** How long one upstream gets to answer, ms. @default 2000 */
  timeoutMs?: number;
}

interface Pending {
  originalId: number;
  resolve: (response: Buffer | undefined) => void;
  timer: NodeJS.Timeout;
}

/** Parses "host", "host:port", "[v6]:port" or a bare IPv6 address into an upstream (port 53 by default). */
export function parseUpstream(s: string): Upstream {
  const v = s.trim();
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(v);
  if (bracket) return { host: bracket[1] ?? '', port: bracket[2] ? Number(bracket[2]) : 53 };
  if (isIP(v) === 6) return { host: v, port: 53 };
  const colon = v.lastIndexOf(':');
  if (colon > 0) {
    const port = Number(v.slice(colon + 1));
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`Cannot parse upstream ${JSON.stringify(s)} as its port is invalid`);
    return { host: v.slice(0, colon), port };
  }
  if (!v) throw new Error('Cannot parse an empty upstream');
  return { host: v, port: 53 };
}

/** The nameservers of a resolv.conf (in order), as upstreams on port 53. */
export function upstreamsFromResolvConf(path = '/etc/resolv.conf'): Upstream[] {
  const out: Upstream[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const m = /^\s*nameserver\s+(\S+)/.exec(line);
    if (m?.[1]) out.push({ host: m[1].replace(/%.*$/, ''), port: 53 });
  }
  return out;
}

const SERVFAIL = 2;

/** A SERVFAIL response to query (same id and question), for when no upstream answered. */
export function servfailFor(query: Buffer): Buffer {
  const out = Buffer.from(query);
  if (out.length < 12) return out;
  // QR=1, keep opcode and RD, RA=1, rcode SERVFAIL; drop answer/authority/additional counts.
  out[2] = 0x80 | (query[2]! & 0x79);
  out[3] = 0x80 | SERVFAIL;
  out.writeUInt16BE(0, 6);
  out.writeUInt16BE(0, 8);
  out.writeUInt16BE(0, 10);
  return trimToQuestion(out);
}

/** The header and the question section of a packet; the header alone (qdcount 0) if the questions do not parse. */
function trimToQuestion(buf: Buffer): Buffer {
  let off = 12;
  const qd = buf.readUInt16BE(4);
  for (let q = 0; q < qd; q++) {
    for (;;) {
      if (off >= buf.length) break;
      const len = buf[off]!;
      if (len === 0) { off++; break; }
      if ((len & 0xc0) === 0xc0) { off += 2; break; }
      off += len + 1;
    }
    off += 4;
  }
  if (off <= buf.length) return buf.subarray(0, off);
  buf.writeUInt16BE(0, 4);
  return buf.subarray(0, 12);
}

export class Forwarder {
  readonly upstreams: Upstream[];
  readonly #timeoutMs: number;
  readonly #sockets = new Map<'udp4' | 'udp6', dgram.Socket>();
  readonly #pending = new Map<number, Pending>();
  #nextId = Math.floor(Math.random() * 0x10000);
  #closed = false;

  constructor(options: ForwarderOptions) {
    this.upstreams = options.upstreams;
    this.#timeoutMs = options.timeoutMs ?? 2000;
  }

  /** The upstream's response to query (its id restored), or SERVFAIL if none answered. */
  async forward(query: Buffer, transport: 'udp' | 'tcp'): Promise<Buffer> {
    if (query.length < 12) return query;
    for (const upstream of this.upstreams) {
      if (this.#closed) break;
      const response = transport === 'tcp' ? await this.#tcp(upstream, query) : await this.#udp(upstream, query);
      if (response) return response;
    }
    return servfailFor(query);
  }

  #socket(family: 'udp4' | 'udp6'): dgram.Socket {
    let s = this.#sockets.get(family);
    if (s) return s;
    s = dgram.createSocket(family);
    s.on('message', (msg) => {
      if (msg.length < 12) return;
      const p = this.#pending.get(msg.readUInt16BE(0));
      if (!p) return;
      this.#pending.delete(msg.readUInt16BE(0));
      clearTimeout(p.timer);
      msg.writeUInt16BE(p.originalId, 0);
      p.resolve(msg);
    });
    s.on('error', () => { /* per-query timeouts report failures */ });
    s.unref();
    this.#sockets.set(family, s);
    return s;
  }

  #udp(upstream: Upstream, query: Buffer): Promise<Buffer | undefined> {
    return new Promise((resolve) => {
      let id = this.#nextId;
      for (let i = 0; i < 0x10000 && this.#pending.has(id); i++) id = (id + 1) & 0xffff;
      if (this.#pending.has(id)) { resolve(undefined); return; }
      this.#nextId = (id + 1 + Math.floor(Math.random() * 64)) & 0xffff;
      const out = Buffer.from(query);
      out.writeUInt16BE(id, 0);
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        resolve(undefined);
      }, this.#timeoutMs);
      this.#pending.set(id, { originalId: query.readUInt16BE(0), resolve, timer });
      this.#socket(isIP(upstream.host) === 6 ? 'udp6' : 'udp4').send(out, upstream.port, upstream.host, (err) => {
        if (!err) return;
        clearTimeout(timer);
        this.#pending.delete(id);
        resolve(undefined);
      });
    });
  }

  #tcp(upstream: Upstream, query: Buffer): Promise<Buffer | undefined> {
    return new Promise((resolve) => {
      const sock = net.connect({ host: upstream.host, port: upstream.port });
      let buf = Buffer.alloc(0);
      const done = (r: Buffer | undefined) => {
        clearTimeout(timer);
        sock.destroy();
        resolve(r);
      };
      const timer = setTimeout(() => done(undefined), this.#timeoutMs);
      sock.on('connect', () => {
        const len = Buffer.alloc(2);
        len.writeUInt16BE(query.length, 0);
        sock.write(Buffer.concat([len, query]));
      });
      sock.on('data', (chunk: Buffer) => {
        buf = Buffer.concat([buf, chunk]);
        if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) done(Buffer.from(buf.subarray(2, 2 + buf.readUInt16BE(0))));
      });
      sock.on('error', () => done(undefined));
      sock.on('close', () => done(undefined));
    });
  }

  close(): void {
    this.#closed = true;
    for (const p of this.#pending.values()) {
      clearTimeout(p.timer);
      p.resolve(undefined);
    }
    this.#pending.clear();
    for (const s of this.#sockets.values()) s.close();
    this.#sockets.clear();
  }
}
