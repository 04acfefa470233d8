/**
 * A SPDY/3 session over an upgraded HTTP connection, in the shape moby/spdystream gives client-go and kubelet:
 * the client opens streams (odd ids, SYN_STREAM with headers), the server answers each with SYN_REPLY; either
 * side sends DATA and half-closes with FIN; RST_STREAM tears a stream down; PINGs from the peer are echoed;
 * GOAWAY ends the session. Flow control is not enforced (spdystream neither sends nor honours WINDOW_UPDATE),
 * and SETTINGS are ignored.
 *
 *   const s = new SpdySession(socket, 'client', head);
 *   const st = s.openStream({ streamtype: ['stdout'] });
 *   await st.replied;
 *   st.on('data', (b) => ...); st.on('end', () => ...);
 *
 * Server side: `session.on('stream', (st) => { st.reply(); ... })`.
 */
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import {
  FLAG_FIN,
  FLAG_UNIDIRECTIONAL,
  RST_CANCEL,
  RST_PROTOCOL_ERROR,
  SpdyFrameDecoder,
  SpdyFrameEncoder,
  type SpdyFrame,
  type SpdyHeaders,
} from './spdy-frames.ts';

/** Largest DATA payload we send in one frame. */
const MAX_DATA_FRAME = 32 * 1024;

export class SpdyStream extends EventEmitter {
  readonly id: number;
  /** The headers of the SYN_STREAM (ours for a stream we opened, the peer's for one it opened). */
  readonly headers: SpdyHeaders;
  /** The SYN_REPLY headers, once replied. */
  replyHeaders: SpdyHeaders | undefined;
  /** Resolves when the peer replied (or at once for a peer-opened stream); rejects on reset/close first. */
  readonly replied: Promise<void>;
  readonly #session: SpdySession;
  #localClosed = false;
  #remoteClosed = false;
  #reset = false;
  #resolveReply!: () => void;
  #rejectReply!: (e: Error) => void;

  constructor(session: SpdySession, id: number, headers: SpdyHeaders) {
    super();
    this.#session = session;
    this.id = id;
    this.headers = headers;
    this.replied = new Promise<void>((resolve, reject) => {
      this.#resolveReply = resolve;
      this.#rejectReply = reject;
    });
    this.replied.catch(() => undefined);
  }

  /** First value of a header of the SYN_STREAM (case-insensitive name). */
  header(name: string): string | undefined {
    return this.headers[name.toLowerCase()]?.[0];
  }

  get localClosed(): boolean {
    return this.#localClosed || this.#reset;
  }
  get remoteClosed(): boolean {
    return this.#remoteClosed || this.#reset;
  }

  /** Server side: answer the peer's SYN_STREAM. */
  reply(headers: SpdyHeaders = {}, fin = false): void {
    this.#session.send({ type: 'SYN_REPLY', streamId: this.id, flags: fin ? FLAG_FIN : 0, headers });
    if (fin) this.#markLocalClosed();
  }

  /** Sends data; returns false when the socket buffer is full (wait for the session's 'drain'). */
  write(data: Buffer): boolean {
    if (this.#localClosed || this.#reset) return false;
    let ok = true;
    for (let off = 0; off < data.length; off += MAX_DATA_FRAME) {
      ok = this.#session.send({ type: 'DATA', streamId: this.id, flags: 0, data: data.subarray(off, off + MAX_DATA_FRAME) });
    }
    return ok;
  }

  /** Half-closes our side (an empty DATA frame with FIN), optionally after a last chunk. */
  end(data?: Buffer): void {
    if (this.#localClosed || this.#reset) return;
    if (data && data.length) this.write(data);
    this.#session.send({ type: 'DATA', streamId: this.id, flags: FLAG_FIN, data: Buffer.alloc(0) });
    this.#markLocalClosed();
  }

  /** Tears the stream down (RST_STREAM). */
  reset(status = RST_CANCEL): void {
    if (this.#reset) return;
    this.#session.send({ type: 'RST_STREAM', streamId: this.id, status });
    this.#onReset(status);
  }

  // ---- called by the session

  _onReply(headers: SpdyHeaders, fin: boolean): void {
    this.replyHeaders = headers;
    this.#resolveReply();
    if (fin) this._onRemoteFin();
  }

  _acceptedByUs(): void {
    this.#resolveReply();
  }

  _onData(data: Buffer, fin: boolean): void {
    if (this.#remoteClosed || this.#reset) return;
    if (data.length) this.emit('data', data);
    if (fin) this._onRemoteFin();
  }

  _onRemoteFin(): void {
    if (this.#remoteClosed) return;
    this.#remoteClosed = true;
    this.emit('end');
    this.#maybeDone();
  }

  #onReset(status: number): void {
    if (this.#reset) return;
    this.#reset = true;
    this.#rejectReply(new Error(`stream ${this.id} reset (status ${status})`));
    const hadEnd = this.#remoteClosed;
    this.#remoteClosed = true;
    this.#localClosed = true;
    this.emit('reset', status);
    if (!hadEnd) this.emit('end');
    this.#session._forget(this);
    this.emit('close');
  }

  _onPeerReset(status: number): void {
    this.#onReset(status);
  }

  _onSessionClosed(): void {
    if (this.#reset) return;
    this.#rejectReply(new Error(`stream ${this.id}: connection closed`));
    const hadEnd = this.#remoteClosed;
    this.#remoteClosed = true;
    this.#localClosed = true;
    this.#reset = true;
    if (!hadEnd) this.emit('end');
    this.emit('close');
  }

  #markLocalClosed(): void {
    this.#localClosed = true;
    this.#maybeDone();
  }

  #maybeDone(): void {
    if (this.#localClosed && this.#remoteClosed && !this.#reset) {
      this.#session._forget(this);
      this.emit('close');
    }
  }
}

export interface SpdySessionEvents {
  stream: [SpdyStream];
  goaway: [number];
  error: [Error];
  close: [];
  drain: [];
}

export class SpdySession extends EventEmitter {
  readonly role: 'client' | 'server';
  readonly #socket: Duplex;
  readonly #encoder = new SpdyFrameEncoder();
  readonly #decoder = new SpdyFrameDecoder();
  readonly #streams = new Map<number, SpdyStream>();
  #nextId: number;
  #lastPeerId = 0;
  #closed = false;
  #goneAway = false;

  constructor(socket: Duplex, role: 'client' | 'server', head?: Buffer) {
    super();
    this.role = role;
    this.#socket = socket;
    this.#nextId = role === 'client' ? 1 : 2;
    socket.on('data', (chunk: Buffer) => this.#onBytes(chunk));
    socket.on('drain', () => this.emit('drain'));
    socket.on('error', (e: Error) => {
      if (!this.#closed) this.emit('error', e);
      this.#shutdown();
    });
    socket.on('close', () => this.#shutdown());
    socket.on('end', () => this.#shutdown());
    if (head && head.length) queueMicrotask(() => this.#onBytes(head));
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Streams still open. */
  get streamCount(): number {
    return this.#streams.size;
  }

  /** Opens a stream (SYN_STREAM). `fin`: we will send no data on it. */
  openStream(headers: SpdyHeaders, opts: { fin?: boolean; priority?: number } = {}): SpdyStream {
    if (this.#closed || this.#goneAway) throw new Error('SPDY session is closed');
    const id = this.#nextId;
    this.#nextId += 2;
    const st = new SpdyStream(this, id, headers);
    this.#streams.set(id, st);
    this.send({ type: 'SYN_STREAM', streamId: id, associatedTo: 0, priority: opts.priority ?? 0, flags: opts.fin ? FLAG_FIN : 0, headers });
    if (opts.fin) st.end();
    return st;
  }

  /** Pauses/resumes reading from the peer (backpressure towards it). */
  pause(): void {
    this.#socket.pause();
  }
  resume(): void {
    this.#socket.resume();
  }

  /** Writes a frame; false when the socket's buffer is full. */
  send(frame: SpdyFrame): boolean {
    if (this.#closed || this.#socket.destroyed || !this.#socket.writable) return false;
    return this.#socket.write(this.#encoder.encode(frame));
  }

  /** GOAWAY, then closes the connection once our buffered frames are written. */
  close(status = 0): void {
    if (this.#closed) return;
    if (!this.#goneAway) {
      this.#goneAway = true;
      this.send({ type: 'GOAWAY', lastGoodStreamId: this.#lastPeerId, status });
    }
    this.#socket.end();
    // A peer that never closes its side must not keep the socket forever.
    const t = setTimeout(() => this.destroy(), 5000);
    t.unref();
  }

  destroy(): void {
    this.#socket.destroy();
    this.#shutdown();
  }

  _forget(st: SpdyStream): void {
    this.#streams.delete(st.id);
  }

  #onBytes(chunk: Buffer): void {
    if (this.#closed) return;
    let frames: SpdyFrame[];
    try {
      frames = this.#decoder.push(chunk);
    } catch (e) {
      this.emit('error', e as Error);
      this.send({ type: 'GOAWAY', lastGoodStreamId: this.#lastPeerId, status: 1 });
      this.destroy();
      return;
    }
    for (const f of frames) this.#onFrame(f);
  }

  #onFrame(f: SpdyFrame): void {
    switch (f.type) {
      case 'SYN_STREAM': {
        const peerParity = this.role === 'client' ? 0 : 1;
        if (f.streamId % 2 !== peerParity || f.streamId <= this.#lastPeerId || this.#streams.has(f.streamId) || this.#goneAway) {
          this.send({ type: 'RST_STREAM', streamId: f.streamId, status: RST_PROTOCOL_ERROR });
          return;
        }
        this.#lastPeerId = f.streamId;
        const st = new SpdyStream(this, f.streamId, f.headers);
        this.#streams.set(f.streamId, st);
        st._acceptedByUs();
        this.emit('stream', st);
        if (f.flags & FLAG_FIN) st._onRemoteFin();
        if (f.flags & FLAG_UNIDIRECTIONAL) st.end();
        return;
      }
      case 'SYN_REPLY':
        this.#streams.get(f.streamId)?._onReply(f.headers, (f.flags & FLAG_FIN) !== 0);
        return;
      case 'HEADERS':
        if (f.flags & FLAG_FIN) this.#streams.get(f.streamId)?._onRemoteFin();
        return;
      case 'DATA':
        this.#streams.get(f.streamId)?._onData(f.data, (f.flags & FLAG_FIN) !== 0);
        return;
      case 'RST_STREAM':
        this.#streams.get(f.streamId)?._onPeerReset(f.status);
        return;
      case 'PING':
        // Echo the peer's pings (ids of the other parity); ours would come back with our parity.
        if ((f.id % 2 === 1) !== (this.role === 'client')) this.send(f);
        return;
      case 'GOAWAY':
        this.#goneAway = true;
        this.emit('goaway', f.status);
        return;
      default:
        return; // SETTINGS, WINDOW_UPDATE, unknown: ignored
    }
  }

  #shutdown(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const st of [...this.#streams.values()]) st._onSessionClosed();
    this.#streams.clear();
    this.emit('close');
  }
}
