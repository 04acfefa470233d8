/**
 * Decodes a watch response body: newline-delimited JSON `{"type": ..., "object": {...}}` events, arriving in
 * chunks that may split an event anywhere (even inside a multi-byte character) or hold several events.
 *
 * A line that is not a valid event becomes an ERROR event whose object is a 500 InternalError Status naming
 * the problem; it is never dropped silently (client-node's readline decoder drops such lines). Blank lines
 * are ignored (servers may send them as keep-alives). A final line without a trailing newline is decoded at
 * `end()`.
 */
import type { Status, WatchEvent, WatchEventType } from '../api/meta.ts';
import { newStatus } from '../errors/status-error.ts';

const EVENT_TYPES: ReadonlySet<string> = new Set<WatchEventType>(['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR']);
const NEWLINE = 0x0a;

export interface WatchDecoderOptions {
  /** A line longer than this becomes an ERROR event and is skipped up to the next newline. @default 64 MiB */
  maxLineBytes?: number;
}

export class WatchDecoder {
  readonly #maxLineBytes: number;
  /** Bytes of the current, unfinished line. */
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  /** Discarding an oversized line until its newline. */
  #skipping = false;

  constructor(options: WatchDecoderOptions = {}) {
    this.#maxLineBytes = options.maxLineBytes ?? 64 * 1024 * 1024;
  }

  /** Feeds one chunk; returns the events completed by it, in order. */
  push(chunk: Uint8Array | string): WatchEvent[] {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const out: WatchEvent[] = [];
    let start = 0;
    for (;;) {
      const nl = buf.indexOf(NEWLINE, start);
      if (nl < 0) break;
      this.#append(buf.subarray(start, nl), out);
      this.#finishLine(out);
      start = nl + 1;
    }
    if (start < buf.length) this.#append(buf.subarray(start), out);
    return out;
  }

  /** Ends the stream: decodes a final unterminated line, if any. */
  end(): WatchEvent[] {
    const out: WatchEvent[] = [];
    this.#finishLine(out);
    return out;
  }

  #append(part: Buffer, out: WatchEvent[]): void {
    if (this.#skipping || part.length === 0) return;
    if (this.#pendingBytes + part.length > this.#maxLineBytes) {
      out.push(errorEvent(`Cannot decode watch event as the line exceeds ${this.#maxLineBytes} bytes`));
      this.#pending = [];
      this.#pendingBytes = 0;
      this.#skipping = true;
      return;
    }
    // Copy: the caller may reuse the chunk's memory.
    this.#pending.push(Buffer.from(part));
    this.#pendingBytes += part.length;
  }

  #finishLine(out: WatchEvent[]): void {
    const skipped = this.#skipping;
    this.#skipping = false;
    if (skipped) return;
    if (this.#pendingBytes === 0) return;
    const line = (this.#pending.length === 1 ? (this.#pending[0] as Buffer) : Buffer.concat(this.#pending, this.#pendingBytes)).toString('utf8');
    this.#pending = [];
    this.#pendingBytes = 0;
    if (line.trim() === '') return;
    out.push(decodeLine(line));
  }
}

/** Decodes one line into an event, or an ERROR event describing why it is not one. */
export function decodeLine(line: string): WatchEvent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch (err) {
    return errorEvent(`Cannot decode watch event as it is not valid JSON (${(err as Error).message}): ${preview(line)}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return errorEvent(`Cannot decode watch event as it is not a JSON object: ${preview(line)}`);
  }
  const { type, object } = parsed as { type?: unknown; object?: unknown };
  if (typeof type !== 'string' || !EVENT_TYPES.has(type)) {
    return errorEvent(`Cannot decode watch event as its type is invalid: ${JSON.stringify(type) ?? 'undefined'}`);
  }
  if (typeof object !== 'object' || object === null || Array.isArray(object)) {
    return errorEvent(`Cannot decode watch event as its object is not a JSON object: ${preview(line)}`);
  }
  return { type: type as WatchEventType, object: object as WatchEvent['object'] };
}

function preview(line: string): string {
  return JSON.stringify(line.length > 200 ? `${line.slice(0, 200)}...` : line);
}

function errorEvent(message: string): WatchEvent<Status> {
  return { type: 'ERROR', object: newStatus(500, 'InternalError', message) };
}

/** Decodes an async stream of chunks (an http.IncomingMessage, a ReadableStream) into events. */
export async function* decodeWatchStream(chunks: AsyncIterable<Uint8Array | string>, options?: WatchDecoderOptions): AsyncGenerator<WatchEvent> {
  const decoder = new WatchDecoder(options);
  for await (const chunk of chunks) {
    for (const ev of decoder.push(chunk)) yield ev;
  }
  for (const ev of decoder.end()) yield ev;
}
