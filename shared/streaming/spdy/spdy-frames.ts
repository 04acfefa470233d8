/**
 * SPDY/3 framing (draft-mbelshe-httpbis-spdy-00, "SPDY Protocol - Draft 3"), the subset the Kubernetes streaming
 * protocols use: what kubelet, containerd's stream server and client-go speak through moby/spdystream.
 *
 * Frames
 * - Control: `1 | version(15) | type(16)`, `flags(8) | length(24)`, payload.
 *   SYN_STREAM(1): stream id, associated-to id, priority(3 bits) + unused(5) + slot(8), header block.
 *   SYN_REPLY(2): stream id, header block. RST_STREAM(3): stream id, status. SETTINGS(4): count, entries.
 *   PING(6): id. GOAWAY(7): last good stream id, status. HEADERS(8): stream id, header block.
 *   WINDOW_UPDATE(9): stream id, delta.
 * - Data: `0 | stream id(31)`, `flags(8) | length(24)`, data. Flag FIN (1) half-closes the sender's side.
 *
 * Header blocks are name/value lists (`count(32)`, then `len(32) name len(32) value` per pair, names lower
 * case, several values joined by NUL), compressed with zlib using the SPDY/3 dictionary. The compression
 * context is one per direction for the whole connection, so a block can refer back to earlier ones.
 * - Sending: we emit the zlib stream with *stored* (uncompressed) deflate blocks, each header block followed by
 *   an empty stored block (the sync-flush marker). That is valid zlib data any inflater reads (Go's
 *   compress/zlib included), it needs no state beyond "header written yet", and it keeps encoding synchronous.
 * - Receiving: the peer really compresses (spdystream: zlib.BestCompression, a sync flush after each block).
 *   Node's zlib streams are asynchronous, so the decoder keeps the compressed history and re-inflates all of it
 *   with `finishFlush: Z_SYNC_FLUSH`, taking the new tail of the output. That is quadratic in the history, which
 *   is fine for the handful of streams a remote-command session opens (the history is capped).
 */
import * as zlib from 'node:zlib';

export const SPDY_VERSION = 3;

export const FLAG_FIN = 0x01;
export const FLAG_UNIDIRECTIONAL = 0x02;

/** RST_STREAM status codes. */
export const RST_PROTOCOL_ERROR = 1;
export const RST_INVALID_STREAM = 2;
export const RST_REFUSED_STREAM = 3;
export const RST_CANCEL = 5;
export const RST_INTERNAL_ERROR = 6;

/** Header names (lower case) to values. */
export type SpdyHeaders = Record<string, string[]>;

export type SpdyFrame =
  | { type: 'SYN_STREAM'; streamId: number; associatedTo: number; priority: number; flags: number; headers: SpdyHeaders }
  | { type: 'SYN_REPLY'; streamId: number; flags: number; headers: SpdyHeaders }
  | { type: 'RST_STREAM'; streamId: number; status: number }
  | { type: 'SETTINGS'; flags: number; entries: { flags: number; id: number; value: number }[] }
  | { type: 'PING'; id: number }
  | { type: 'GOAWAY'; lastGoodStreamId: number; status: number }
  | { type: 'HEADERS'; streamId: number; flags: number; headers: SpdyHeaders }
  | { type: 'WINDOW_UPDATE'; streamId: number; delta: number }
  | { type: 'DATA'; streamId: number; flags: number; data: Buffer }
  | { type: 'UNKNOWN'; frameType: number; flags: number; payload: Buffer };

const TYPE_CODES = { SYN_STREAM: 1, SYN_REPLY: 2, RST_STREAM: 3, SETTINGS: 4, PING: 6, GOAWAY: 7, HEADERS: 8, WINDOW_UPDATE: 9 } as const;

/**
 * The SPDY/3 header compression dictionary (draft 3, section 2.6.10.1): a run of length-prefixed words
 * followed by a run of raw text. Built from those two parts so it can be read.
 */
export const SPDY_DICTIONARY: Buffer = buildDictionary();

function buildDictionary(): Buffer {
  const words = [
    'options', 'head', 'post', 'put', 'delete', 'trace', 'accept', 'accept-charset', 'accept-encoding',
    'accept-language', 'accept-ranges', 'age', 'allow', 'authorization', 'cache-control', 'connection',
    'content-base', 'content-encoding', 'content-language', 'content-length', 'content-location', 'content-md5',
    'content-range', 'content-type', 'date', 'etag', 'expect', 'expires', 'from', 'host', 'if-match',
    'if-modified-since', 'if-none-match', 'if-range', 'if-unmodified-since', 'last-modified', 'location',
    'max-forwards', 'pragma', 'proxy-authenticate', 'proxy-authorization', 'range', 'referer', 'retry-after',
    'server', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'user-agent', 'vary', 'via', 'warning',
    'www-authenticate', 'method', 'get', 'status', '200 OK', 'version', 'HTTP/1.1', 'url', 'public',
    'set-cookie', 'keep-alive', 'origin',
  ];
  const text =
    '100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505' +
    '203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request401 Unauthorized' +
    '403 Forbidden404 Not Found500 Internal Server Error501 Not Implemented503 Service Unavailable' +
    'Jan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMT' +
    'chunked,text/html,image/png,image/jpg,image/gif,application/xml,application/xhtml+xml,text/plain,' +
    'text/javascript,publicprivatemax-age=gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0.';
  const parts: Buffer[] = [];
  for (const w of words) {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(w.length);
    parts.push(len, Buffer.from(w, 'latin1'));
  }
  parts.push(Buffer.from(text, 'latin1'));
  return Buffer.concat(parts);
}

/** Adler-32 (RFC 1950), for the zlib header's dictionary id. */
export function adler32(data: Buffer): number {
  let a = 1;
  let b = 0;
  for (let i = 0; i < data.length; i++) {
    a = (a + (data[i] ?? 0)) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/** Encodes a name/value block (uncompressed). */
export function encodeHeaderBlock(headers: SpdyHeaders): Buffer {
  const names = Object.keys(headers);
  const parts: Buffer[] = [u32(names.length)];
  for (const name of names) {
    const n = Buffer.from(name.toLowerCase(), 'utf8');
    const v = Buffer.from((headers[name] ?? []).join('\0'), 'utf8');
    parts.push(u32(n.length), n, u32(v.length), v);
  }
  return Buffer.concat(parts);
}

/** Decodes a name/value block (uncompressed). Values are split at NUL; names are lower-cased. */
export function decodeHeaderBlock(block: Buffer): SpdyHeaders {
  const out: SpdyHeaders = {};
  let off = 0;
  const need = (n: number) => {
    if (off + n > block.length) throw new SpdyProtocolError('truncated header block');
  };
  need(4);
  const count = block.readUInt32BE(off);
  off += 4;
  for (let i = 0; i < count; i++) {
    need(4);
    const nl = block.readUInt32BE(off);
    off += 4;
    need(nl);
    const name = block.toString('utf8', off, off + nl).toLowerCase();
    off += nl;
    need(4);
    const vl = block.readUInt32BE(off);
    off += 4;
    need(vl);
    const value = block.toString('utf8', off, off + vl);
    off += vl;
    (out[name] ??= []).push(...value.split('\0'));
  }
  return out;
}

export class SpdyProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SpdyProtocolError';
  }
}

/** The sending half of a connection's header compression (stored deflate blocks, see the file comment). */
export class HeaderCompressor {
  #started = false;

  compress(block: Buffer): Buffer {
    const parts: Buffer[] = [];
    if (!this.#started) {
      this.#started = true;
      // CMF 0x78 (deflate, 32K window); FLG 0x20: FDICT set, FLEVEL 0, and 0x7820 % 31 === 0.
      const head = Buffer.alloc(6);
      head[0] = 0x78;
      head[1] = 0x20;
      head.writeUInt32BE(adler32(SPDY_DICTIONARY), 2);
      parts.push(head);
    }
    for (let off = 0; off < block.length; off += 0xffff) {
      const data = block.subarray(off, off + 0xffff);
      parts.push(storedBlockHeader(data.length), data);
    }
    // An empty stored block, as zlib's Z_SYNC_FLUSH ends its output. Go's inflater hands out the data of the
    // blocks before only when it reaches this marker; without it, it would read on into the next frame's
    // bytes, hit the end of this frame's payload and fail every later header block of the connection.
    parts.push(storedBlockHeader(0));
    return Buffer.concat(parts);
  }
}

/** A stored deflate block's header: BFINAL 0, BTYPE 00, padding to the byte boundary, LEN, NLEN. */
function storedBlockHeader(len: number): Buffer {
  const h = Buffer.alloc(5);
  h[0] = 0x00;
  h.writeUInt16LE(len, 1);
  h.writeUInt16LE(~len & 0xffff, 3);
  return h;
}

/** The receiving half: re-inflates the connection's compressed history (see the file comment). */
export class HeaderDecompressor {
  static readonly MAX_HISTORY = 1 << 20;
  readonly #history: Buffer[] = [];
  #historyBytes = 0;
  #outLen = 0;

  decompress(block: Buffer): Buffer {
    this.#history.push(block);
    this.#historyBytes += block.length;
    if (this.#historyBytes > HeaderDecompressor.MAX_HISTORY) throw new SpdyProtocolError('too much header data on one connection');
    let out: Buffer;
    try {
      out = zlib.inflateSync(Buffer.concat(this.#history), { dictionary: SPDY_DICTIONARY, finishFlush: zlib.constants.Z_SYNC_FLUSH });
    } catch (e) {
      throw new SpdyProtocolError(`header decompression failed: ${(e as Error).message}`);
    }
    const fresh = out.subarray(this.#outLen);
    this.#outLen = out.length;
    return fresh;
  }
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

function controlFrame(type: number, flags: number, payload: Buffer): Buffer {
  if (payload.length > 0xffffff) throw new SpdyProtocolError('control frame too large');
  const h = Buffer.alloc(8);
  h.writeUInt16BE(0x8000 | SPDY_VERSION, 0);
  h.writeUInt16BE(type, 2);
  h.writeUInt32BE(((flags & 0xff) << 24 | payload.length) >>> 0, 4);
  return Buffer.concat([h, payload]);
}

/** Serializes frames for one connection (owns the sending compression context). */
export class SpdyFrameEncoder {
  readonly #compressor = new HeaderCompressor();

  encode(frame: SpdyFrame): Buffer {
    switch (frame.type) {
      case 'SYN_STREAM': {
        const fixed = Buffer.alloc(10);
        fixed.writeUInt32BE(frame.streamId & 0x7fffffff, 0);
        fixed.writeUInt32BE(frame.associatedTo & 0x7fffffff, 4);
        fixed[8] = (frame.priority & 0x07) << 5;
        fixed[9] = 0; // slot
        return controlFrame(TYPE_CODES.SYN_STREAM, frame.flags, Buffer.concat([fixed, this.#compressor.compress(encodeHeaderBlock(frame.headers))]));
      }
      case 'SYN_REPLY':
      case 'HEADERS':
        return controlFrame(TYPE_CODES[frame.type], frame.flags, Buffer.concat([u32(frame.streamId & 0x7fffffff), this.#compressor.compress(encodeHeaderBlock(frame.headers))]));
      case 'RST_STREAM':
        return controlFrame(TYPE_CODES.RST_STREAM, 0, Buffer.concat([u32(frame.streamId & 0x7fffffff), u32(frame.status)]));
      case 'SETTINGS': {
        const parts = [u32(frame.entries.length)];
        for (const e of frame.entries) parts.push(u32(((e.flags & 0xff) << 24 | (e.id & 0xffffff)) >>> 0), u32(e.value));
        return controlFrame(TYPE_CODES.SETTINGS, frame.flags, Buffer.concat(parts));
      }
      case 'PING':
        return controlFrame(TYPE_CODES.PING, 0, u32(frame.id));
      case 'GOAWAY':
        return controlFrame(TYPE_CODES.GOAWAY, 0, Buffer.concat([u32(frame.lastGoodStreamId & 0x7fffffff), u32(frame.status)]));
      case 'WINDOW_UPDATE':
        return controlFrame(TYPE_CODES.WINDOW_UPDATE, 0, Buffer.concat([u32(frame.streamId & 0x7fffffff), u32(frame.delta & 0x7fffffff)]));
      case 'DATA': {
        if (frame.data.length > 0xffffff) throw new SpdyProtocolError('data frame too large');
        const h = Buffer.alloc(8);
        h.writeUInt32BE(frame.streamId & 0x7fffffff, 0);
        h.writeUInt32BE(((frame.flags & 0xff) << 24 | frame.data.length) >>> 0, 4);
        return Buffer.concat([h, frame.data]);
      }
      case 'UNKNOWN':
        return controlFrame(frame.frameType, frame.flags, frame.payload);
    }
  }
}

/** Parses a byte stream into frames for one connection (owns the receiving decompression context). */
export class SpdyFrameDecoder {
  readonly #decompressor = new HeaderDecompressor();
  #buf: Buffer = Buffer.alloc(0);

  /** Appends bytes and returns every frame now complete. Throws SpdyProtocolError on malformed input. */
  push(chunk: Buffer): SpdyFrame[] {
    this.#buf = this.#buf.length ? Buffer.concat([this.#buf, chunk]) : chunk;
    const frames: SpdyFrame[] = [];
    for (;;) {
      if (this.#buf.length < 8) break;
      const len = this.#buf.readUInt32BE(4) & 0xffffff;
      if (this.#buf.length < 8 + len) break;
      const frame = this.#parse(this.#buf.subarray(0, 8 + len));
      this.#buf = this.#buf.subarray(8 + len);
      frames.push(frame);
    }
    return frames;
  }

  #parse(f: Buffer): SpdyFrame {
    const w0 = f.readUInt32BE(0);
    const flags = f[4] ?? 0;
    const p = f.subarray(8);
    if ((w0 & 0x80000000) === 0) return { type: 'DATA', streamId: w0 & 0x7fffffff, flags, data: Buffer.from(p) };
    const type = w0 & 0xffff;
    const need = (n: number) => {
      if (p.length < n) throw new SpdyProtocolError(`control frame ${type} too short`);
    };
    switch (type) {
      case TYPE_CODES.SYN_STREAM:
        need(10);
        return {
          type: 'SYN_STREAM',
          streamId: p.readUInt32BE(0) & 0x7fffffff,
          associatedTo: p.readUInt32BE(4) & 0x7fffffff,
          priority: (p[8] ?? 0) >> 5,
          flags,
          headers: decodeHeaderBlock(this.#decompressor.decompress(p.subarray(10))),
        };
      case TYPE_CODES.SYN_REPLY:
      case TYPE_CODES.HEADERS:
        need(4);
        return {
          type: type === TYPE_CODES.SYN_REPLY ? 'SYN_REPLY' : 'HEADERS',
          streamId: p.readUInt32BE(0) & 0x7fffffff,
          flags,
          headers: decodeHeaderBlock(this.#decompressor.decompress(p.subarray(4))),
        };
      case TYPE_CODES.RST_STREAM:
        need(8);
        return { type: 'RST_STREAM', streamId: p.readUInt32BE(0) & 0x7fffffff, status: p.readUInt32BE(4) };
      case TYPE_CODES.SETTINGS: {
        need(4);
        const n = p.readUInt32BE(0);
        need(4 + n * 8);
        const entries = [];
        for (let i = 0; i < n; i++) {
          const idw = p.readUInt32BE(4 + i * 8);
          entries.push({ flags: idw >>> 24, id: idw & 0xffffff, value: p.readUInt32BE(8 + i * 8) });
        }
        return { type: 'SETTINGS', flags, entries };
      }
      case TYPE_CODES.PING:
        need(4);
        return { type: 'PING', id: p.readUInt32BE(0) };
      case TYPE_CODES.GOAWAY:
        need(8);
        return { type: 'GOAWAY', lastGoodStreamId: p.readUInt32BE(0) & 0x7fffffff, status: p.readUInt32BE(4) };
      case TYPE_CODES.WINDOW_UPDATE:
        need(8);
        return { type: 'WINDOW_UPDATE', streamId: p.readUInt32BE(0) & 0x7fffffff, delta: p.readUInt32BE(4) & 0x7fffffff };
      default:
        return { type: 'UNKNOWN', frameType: type, flags, payload: Buffer.from(p) };
    }
  }
}
