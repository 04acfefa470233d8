import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import * as zlib from 'node:zlib';
import {
  FLAG_FIN,
  HeaderCompressor,
  HeaderDecompressor,
  SPDY_DICTIONARY,
  SpdyFrameDecoder,
  SpdyFrameEncoder,
  adler32,
  decodeHeaderBlock,
  encodeHeaderBlock,
  type SpdyFrame,
} from './spdy-frames.ts';
import { SpdySession, type SpdyStream } from './spdy-session.ts';

describe('SPDY/3 header compression', () => {
  test('the dictionary is the draft-3 one: 1423 bytes, starting with the length-prefixed "options"', () => {
    assert.equal(SPDY_DICTIONARY.length, 1423);
    assert.equal(SPDY_DICTIONARY.subarray(0, 11).toString('hex'), '000000076f7074696f6e73');
    assert.ok(SPDY_DICTIONARY.subarray(-20).toString('latin1').endsWith('utf-,*,enq=0.'));
    assert.equal(adler32(Buffer.from('Wikipedia')), 0x11e60398);
  });

  test('name/value blocks: lower-cased names, NUL-joined values', () => {
    const block = encodeHeaderBlock({ StreamType: ['stdout'], multi: ['a', 'b'] });
    assert.deepEqual(decodeHeaderBlock(block), { streamtype: ['stdout'], multi: ['a', 'b'] });
    assert.throws(() => decodeHeaderBlock(block.subarray(0, block.length - 1)), /truncated/);
  });

  test('what we send is a zlib stream with the dictionary that any inflater reads, block after block', () => {
    const c = new HeaderCompressor();
    const blocks = [encodeHeaderBlock({ streamtype: ['error'] }), encodeHeaderBlock({ streamtype: ['stdout'] }), Buffer.alloc(70_000, 0x61)];
    const wire = blocks.map((b) => c.compress(b));
    const all = zlib.inflateSync(Buffer.concat(wire), { dictionary: SPDY_DICTIONARY, finishFlush: zlib.constants.Z_SYNC_FLUSH });
    assert.deepEqual(all, Buffer.concat(blocks));
    // Each block ends with the sync-flush marker (an empty stored block).
    for (const w of wire) assert.equal(w.subarray(-5).toString('hex'), '000000ffff');
    // Only the first carries the zlib header with the dictionary id.
    assert.equal(wire[0]!.subarray(0, 2).toString('hex'), '7820');
    assert.equal(wire[0]!.readUInt32BE(2), adler32(SPDY_DICTIONARY));
    assert.notEqual(wire[1]!.subarray(0, 2).toString('hex'), '7820');
  });

  test('what a real compressor sends (one context, a sync flush per block) decodes block by block', async () => {
    // Like Go's compress/zlib in spdystream: BestCompression with the dictionary, Flush() after each block.
    const deflate = zlib.createDeflate({ dictionary: SPDY_DICTIONARY, level: 9 });
    const out: Buffer[] = [];
    deflate.on('data', (c: Buffer) => out.push(c));
    const compressOne = (b: Buffer) =>
      new Promise<Buffer>((resolve) => {
        deflate.write(b);
        deflate.flush(zlib.constants.Z_SYNC_FLUSH, () => setImmediate(() => resolve(Buffer.concat(out.splice(0)))));
      });
    const d = new HeaderDecompressor();
    const blocks = [encodeHeaderBlock({ streamtype: ['error'] }), encodeHeaderBlock({ streamtype: ['error'] }), encodeHeaderBlock({ 'x-a': ['1'], streamtype: ['stdin'] })];
    for (const b of blocks) {
      const wire = await compressOne(b);
      assert.deepEqual(d.decompress(wire), b);
    }
    deflate.close();
  });

  test('garbage is a protocol error', () => {
    assert.throws(() => new HeaderDecompressor().decompress(Buffer.from('not zlib at all')), /header decompression failed/);
  });
});

describe('SPDY/3 frames', () => {
  test('every frame type round-trips through the encoder and a byte-by-byte decoder', () => {
    const frames: SpdyFrame[] = [
      { type: 'SYN_STREAM', streamId: 1, associatedTo: 0, priority: 3, flags: 0, headers: { streamtype: ['error'] } },
      { type: 'SYN_REPLY', streamId: 1, flags: FLAG_FIN, headers: {} },
      { type: 'DATA', streamId: 1, flags: 0, data: Buffer.from('hello') },
      { type: 'DATA', streamId: 3, flags: FLAG_FIN, data: Buffer.alloc(0) },
      { type: 'RST_STREAM', streamId: 5, status: 5 },
      { type: 'SETTINGS', flags: 0, entries: [{ flags: 1, id: 7, value: 65536 }] },
      { type: 'PING', id: 2 },
      { type: 'GOAWAY', lastGoodStreamId: 7, status: 0 },
      { type: 'HEADERS', streamId: 3, flags: 0, headers: { a: ['b'] } },
      { type: 'WINDOW_UPDATE', streamId: 3, delta: 1024 },
    ];
    const enc = new SpdyFrameEncoder();
    const wire = Buffer.concat(frames.map((f) => enc.encode(f)));
    const dec = new SpdyFrameDecoder();
    const got: SpdyFrame[] = [];
    for (let i = 0; i < wire.length; i++) got.push(...dec.push(wire.subarray(i, i + 1)));
    assert.deepEqual(got, frames);
  });

  test('control frame header: version 3, type, flags, 24-bit length', () => {
    const b = new SpdyFrameEncoder().encode({ type: 'PING', id: 9 });
    assert.equal(b.toString('hex'), '80030006000000040000000' + '9');
    const d = new SpdyFrameEncoder().encode({ type: 'DATA', streamId: 3, flags: FLAG_FIN, data: Buffer.from('ab') });
    assert.equal(d.toString('hex'), '00000003010000026162');
  });
});

async function socketPair(): Promise<{ client: net.Socket; server: net.Socket; close: () => void }> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  const accepted = new Promise<net.Socket>((r) => srv.once('connection', r));
  const client = net.connect(port, '127.0.0.1');
  await new Promise<void>((r) => client.once('connect', () => r()));
  const server = await accepted;
  return { client, server, close: () => srv.close() };
}

describe('SpdySession', () => {
  test('client streams, server replies, data both ways, half-close, reset, session close', async () => {
    const { client, server, close } = await socketPair();
    const cs = new SpdySession(client, 'client');
    const ss = new SpdySession(server, 'server');
    const serverStreams: SpdyStream[] = [];
    ss.on('stream', (st: SpdyStream) => {
      serverStreams.push(st);
      st.reply();
      // Echo server: what comes in goes back, upper-cased; FIN answers FIN.
      st.on('data', (b: Buffer) => st.write(Buffer.from(b.toString().toUpperCase())));
      st.on('end', () => st.end());
    });
    const a = cs.openStream({ streamtype: ['stdin'] });
    const b = cs.openStream({ streamtype: ['resize'] });
    assert.equal(a.id, 1);
    assert.equal(b.id, 3);
    await Promise.all([a.replied, b.replied]);
    assert.deepEqual(serverStreams.map((s) => s.header('streamType')), ['stdin', 'resize']);

    const received: string[] = [];
    a.on('data', (d: Buffer) => received.push(d.toString()));
    const ended = new Promise<void>((r) => a.on('end', () => r()));
    a.write(Buffer.from('hello '));
    a.write(Buffer.alloc(100_000, 0x78)); // split into several DATA frames
    a.end();
    await ended;
    assert.equal(received.join(''), `HELLO ${'X'.repeat(100_000)}`);

    const reset = new Promise<number>((r) => b.on('reset', (s: number) => r(s)));
    serverStreams[1]!.reset(5);
    assert.equal(await reset, 5);

    const closed = new Promise<void>((r) => ss.on('close', () => r()));
    cs.close();
    await closed;
    assert.equal(cs.closed || client.destroyed || client.writableEnded, true);
    close();
  });

  test('peer pings are echoed; a stream id of the wrong parity is refused', async () => {
    const { client, server, close } = await socketPair();
    const ss = new SpdySession(server, 'server');
    const enc = new SpdyFrameEncoder();
    const dec = new SpdyFrameDecoder();
    const frames: SpdyFrame[] = [];
    client.on('data', (d: Buffer) => frames.push(...dec.push(d)));
    client.write(enc.encode({ type: 'PING', id: 1 }));
    client.write(enc.encode({ type: 'SYN_STREAM', streamId: 2, associatedTo: 0, priority: 0, flags: 0, headers: {} }));
    const deadline = Date.now() + 2000;
    while (frames.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(frames[0], { type: 'PING', id: 1 });
    assert.equal(frames[1]?.type, 'RST_STREAM');
    ss.destroy();
    client.destroy();
    close();
  });

  test('the bytes that came with the upgrade response (head) are parsed first', async () => {
    const { client, server, close } = await socketPair();
    const enc = new SpdyFrameEncoder();
    const head = enc.encode({ type: 'SYN_STREAM', streamId: 1, associatedTo: 0, priority: 0, flags: FLAG_FIN, headers: { streamtype: ['error'] } });
    const ss = new SpdySession(server, 'server', head);
    const st = await new Promise<SpdyStream>((r) => ss.on('stream', r));
    assert.equal(st.header('streamtype'), 'error');
    assert.equal(st.remoteClosed, true);
    ss.destroy();
    client.destroy();
    close();
  });
});
