/**
 * The protobuf wire format (https://protobuf.dev/programming-guides/encoding/): varints, tags, length-delimited
 * fields. ProtoWriter writes into one growing buffer (reused across encodes: no per-field allocation); a nested
 * message reserves one length byte, is written in place, and is shifted only when it outgrows 127 bytes.
 */

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_BYTES = 2;
export const WIRE_FIXED32 = 5;

/** Reads one message (or a slice of one) field by field. */
export class ProtoReader {
  readonly buf: Buffer;
  pos: number;
  readonly end: number;

  constructor(buf: Buffer, start = 0, end = buf.length) {
    this.buf = buf;
    this.pos = start;
    this.end = end;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  /** A varint as a number: up to seven bytes directly, longer ones (int64 beyond 2^49, negatives) exactly through BigInt. */
  varint(): number {
    const buf = this.buf;
    const start = this.pos;
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 7; i++) {
      if (this.pos >= this.end) throw new Error('unexpected EOF');
      const b = buf[this.pos++] as number;
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 128;
    }
    this.pos = start;
    return Number(BigInt.asIntN(64, this.uint64()));
  }

  uint64(): bigint {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new Error('unexpected EOF');
      const b = this.buf[this.pos++] as number;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return BigInt.asUintN(64, result);
      shift += 7n;
    }
    throw new Error('proto: integer overflow');
  }

  /** A varint as a signed 32-bit integer. */
  int32(): number {
    return this.varint() | 0;
  }

  /** The bounds [start, end) of a length-delimited field's payload, skipping past it. */
  delimited(): [number, number] {
    const len = this.varint();
    const start = this.pos;
    const end = start + len;
    if (end > this.end || len < 0) throw new Error('unexpected EOF');
    this.pos = end;
    return [start, end];
  }

  /** Skips past a length-delimited payload and returns where it starts (it ends at the new `pos`). */
  payload(): number {
    const len = this.varint();
    const start = this.pos;
    const end = start + len;
    if (end > this.end) throw new Error('unexpected EOF');
    this.pos = end;
    return start;
  }

  string(): string {
    const [s, e] = this.delimited();
    return utf8Slice(this.buf, s, e);
  }

  skip(wireType: number): void {
    switch (wireType) {
      case WIRE_VARINT:
        this.varint();
        return;
      case WIRE_FIXED64:
        this.pos += 8;
        break;
      case WIRE_BYTES:
        this.delimited();
        return;
      case WIRE_FIXED32:
        this.pos += 4;
        break;
      default:
        throw new Error(`proto: illegal wireType ${wireType}`);
    }
    if (this.pos > this.end) throw new Error('unexpected EOF');
  }
}

const INITIAL_SIZE = 64 * 1024;

/** Writes one message at a time into a growing buffer. */
export class ProtoWriter {
  buf: Buffer;
  pos = 0;

  constructor(size = INITIAL_SIZE) {
    this.buf = Buffer.allocUnsafe(size);
  }

  reset(): void {
    this.pos = 0;
  }

  /** Room for `n` more bytes. */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** A non-negative integer below 2^53, or a negative one as ten-byte two's complement (int32/int64 fields). */
  varint(v: number): void {
    if (v < 0) {
      this.uint64(BigInt.asUintN(64, BigInt(Math.trunc(v))));
      return;
    }
    this.ensure(10);
    const buf = this.buf;
    while (v > 0x7f) {
      buf[this.pos++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    buf[this.pos++] = v;
  }

  uint64(v: bigint): void {
    this.ensure(10);
    while (v > 0x7fn) {
      this.buf[this.pos++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buf[this.pos++] = Number(v);
  }

  tag(field: number, wireType: number): void {
    const key = field * 8 + wireType;
    if (key < 0x80) {
      this.ensure(1);
      this.buf[this.pos++] = key;
    } else this.varint(key);
  }

  /** Starts a length-delimited payload: one length byte reserved; returns where the payload starts. */
  fork(): number {
    this.ensure(1);
    this.pos++;
    return this.pos;
  }

  /** Ends the payload started at `start`: writes its length, shifting it when the length needs more bytes. */
  join(start: number): void {
    const len = this.pos - start;
    if (len < 0x80) {
      this.buf[start - 1] = len;
      return;
    }
    const extra = varintSize(len) - 1;
    this.ensure(extra);
    this.buf.copyWithin(start + extra, start, this.pos);
    this.pos += extra;
    let p = start - 1;
    let v = len;
    while (v > 0x7f) {
      this.buf[p++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[p] = v;
  }

  /** A string field's payload (UTF-8), length first. */
  string(s: string): void {
    const n = s.length;
    if (n < 0x80) {
      // ASCII, byte by byte: cheaper than a native call for the short strings objects are made of.
      this.ensure(1 + n * 3);
      const buf = this.buf;
      const start = this.pos + 1;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        buf[start + i] = c;
      }
      if (i === n) {
        buf[this.pos] = n;
        this.pos = start + n;
        return;
      }
    }
    if (n < 0x80 / 3) {
      // At most 3 bytes per UTF-16 unit: the length fits in one byte.
      this.ensure(1 + s.length * 3);
      const n = this.buf.write(s, this.pos + 1);
      this.buf[this.pos] = n;
      this.pos += 1 + n;
      return;
    }
    this.ensure(5 + s.length * 3);
    const start = this.fork();
    this.pos += this.buf.write(s, start);
    this.join(start);
  }

  bytes(b: Uint8Array): void {
    this.varint(b.length);
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** Raw bytes, no length. */
  raw(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** A copy of what was written. */
  finish(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.pos));
  }
}

/** UTF-8 text of buf[s, e): short ASCII decoded in JavaScript (no native call), the rest by Buffer. */
export function utf8Slice(buf: Buffer, s: number, e: number): string {
  const n = e - s;
  if (n === 0) return '';
  if (n <= 24) {
    let out = '';
    for (let i = s; i < e; i++) {
      const c = buf[i] as number;
      if (c >= 0x80) return buf.toString('utf8', s, e);
      out += String.fromCharCode(c);
    }
    return out;
  }
  return buf.toString('utf8', s, e);
}

export function varintSize(v: number): number {
  let n = 1;
  while (v > 0x7f) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

