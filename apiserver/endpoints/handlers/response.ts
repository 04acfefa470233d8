import type { ServerResponse } from 'node:http';
import { stringify as toYaml } from 'yaml';
import type { Status } from '../../../shared/api/meta.ts';
import { StatusError, newBadRequest, newInternalError } from '../../../shared/errors/status-error.ts';
import { drained } from '../../../shared/util/drained.ts';
import { log } from '../../../shared/util/log.ts';
import { PROTOBUF_CONTENT_TYPE, ProtobufEncodeError, encodeObject } from '../../../shared/protobuf/envelope.ts';
import { isProtobufOutput, negotiateOutput } from './negotiation.ts';

/** kube-apiserver's warning recorder limits (endpoints/filters/warning.go). */
const WARNING_TOTAL_RUNES = 4 * 1024;
const WARNING_ITEM_RUNES_WHEN_TRUNCATING = 256;

interface WarningState {
  seen: Set<string>;
  ordered: string[];
  written: number;
  truncating: boolean;
}
const warningStates = new WeakMap<ServerResponse, WarningState>();
/**
 * Responses carrying a header whose characters stand for UTF-8 bytes. Node writes the head in Latin-1 (byte per
 * character) only when the body is written as a Buffer: with a string body it joins head and body and encodes
 * both as UTF-8, which would encode those bytes a second time. writeJSON sends such responses' bodies as bytes.
 */
const utf8ByteHeaders = new WeakSet<ServerResponse>();

/**
 * Adds `Warning: 299 - "text"` headers as kube-apiserver's recorder does: duplicates dropped, text with control
 * characters or invalid UTF-8 dropped, `"` and `\` escaped, and past 4096 runes in all every warning cut to 256
 * runes. Go writes the text's UTF-8 bytes as they are; Node only accepts header strings of Latin-1 characters,
 * so the UTF-8 bytes are handed over as one Latin-1 character each (on the wire: the same bytes Go sends).
 * Never throws: a warning must not turn a write that was made into an error response.
 */
export function addWarnings(res: ServerResponse, warnings: string[]): void {
  if (warnings.length === 0 || res.headersSent) return;
  try {
    let st = warningStates.get(res);
    if (!st) warningStates.set(res, (st = { seen: new Set(), ordered: [], written: 0, truncating: false }));
    for (const text of warnings) recordWarning(res, st, text);
  } catch (e) {
    log.warn('Dropped warning headers', { error: e instanceof Error ? e.message : String(e) });
  }
}

function recordWarning(res: ServerResponse, st: WarningState, text: string): void {
  if (text === '' || st.seen.has(text)) return;
  if (st.written >= WARNING_TOTAL_RUNES && st.truncating) return;
  st.seen.add(text);
  st.ordered.push(text);
  let runes = [...text];
  if (st.truncating && runes.length > WARNING_ITEM_RUNES_WHEN_TRUNCATING) runes = runes.slice(0, WARNING_ITEM_RUNES_WHEN_TRUNCATING);
  const header = warningHeader(runes.join(''));
  if (header === undefined) return;
  if (/[^\x00-\x7f]/.test(header)) utf8ByteHeaders.add(res);
  if (st.written + runes.length <= WARNING_TOTAL_RUNES || st.truncating) {
    st.written += runes.length;
    appendHeader(res, 'Warning', header);
    return;
  }
  // Over the total: start truncating, and replay every warning so far cut to the per-item length.
  st.truncating = true;
  st.written = 0;
  res.removeHeader('Warning');
  for (const t of st.ordered) {
    const cut = [...t].slice(0, WARNING_ITEM_RUNES_WHEN_TRUNCATING);
    const h = warningHeader(cut.join(''));
    if (h === undefined) continue;
    st.written += cut.length;
    appendHeader(res, 'Warning', h);
  }
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * `299 - "text"` (apimachinery's NewWarningHeader), as the header string Node writes byte for byte; undefined
 * for text kube refuses (control characters, or lone surrogates, which are not valid UTF-8).
 */
export function warningHeader(text: string): string | undefined {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f]/.test(text) || LONE_SURROGATE.test(text)) return undefined;
  const quoted = `299 - "${text.replace(/["\\]/g, (c) => `\\${c}`)}"`;
  return Buffer.from(quoted, 'utf8').toString('latin1');
}

function appendHeader(res: ServerResponse, name: string, value: string): void {
  const existing = res.getHeader(name);
  const list = Array.isArray(existing) ? existing.map(String) : existing !== undefined ? [String(existing)] : [];
  list.push(value);
  res.setHeader(name, list);
}

export function writeJSON(res: ServerResponse, code: number, body: string, contentType = 'application/json'): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.statusCode = code;
  res.setHeader('Content-Type', contentType);
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(utf8ByteHeaders.has(res) ? Buffer.from(body, 'utf8') : body);
}

export function writeObject(res: ServerResponse, code: number, obj: object, format: 'json' | 'yaml' | 'protobuf' = 'json'): void {
  if (format === 'protobuf' && writeProtobuf(res, code, obj)) return;
  if (format === 'yaml') {
    writeJSON(res, code, toYaml(obj), 'application/yaml');
    return;
  }
  writeJSON(res, code, JSON.stringify(obj));
}

/**
 * Writes an object in its protobuf envelope; false (nothing written) for a kind without a protobuf table, which
 * the caller then answers in JSON.
 */
export function writeProtobuf(res: ServerResponse, code: number, obj: object): boolean {
  let body: Buffer;
  try {
    body = encodeObject(obj as Record<string, unknown>);
  } catch (e) {
    if (e instanceof ProtobufEncodeError) return false;
    throw e;
  }
  if (res.headersSent) {
    res.end();
    return true;
  }
  res.statusCode = code;
  res.setHeader('Content-Type', PROTOBUF_CONTENT_TYPE);
  res.setHeader('Content-Length', body.length);
  res.end(body);
  return true;
}

/** Whether the request behind `res` negotiated protobuf (errors are written in the negotiated form, as kube does). */
function acceptsProtobuf(res: ServerResponse): boolean {
  const accept = (res as ServerResponse & { req?: { headers?: Record<string, unknown> } }).req?.headers?.accept;
  if (typeof accept !== 'string' || !accept.includes('protobuf')) return false;
  try {
    return isProtobufOutput(negotiateOutput(accept));
  } catch {
    return false;
  }
}

/** Writes any thrown value as a metav1.Status. Non-Status errors are logged and become a 500 InternalError. */
export function writeError(res: ServerResponse, err: unknown): void {
  let status: Status;
  if (err instanceof StatusError) {
    status = err.status;
  } else if (isStackOverflow(err)) {
    // Input within the decoders' 10,000-level limit can still be deeper than a recursive step (patching,
    // encoding) can follow on Node's stack: the request's fault, never a 500.
    status = newBadRequest('the object is nested too deeply to be processed').status;
  } else {
    log.error('Internal error serving request', { error: err instanceof Error ? err.stack ?? err.message : String(err) });
    status = newInternalError(err instanceof Error ? err.message : String(err)).status;
  }
  if (status.code === 429 && status.details?.retryAfterSeconds && !res.headersSent) {
    res.setHeader('Retry-After', String(status.details.retryAfterSeconds));
  }
  if (acceptsProtobuf(res) && writeProtobuf(res, status.code, status)) return;
  writeJSON(res, status.code, JSON.stringify(status));
}

/** V8's RangeError for a recursion past the stack. */
export function isStackOverflow(err: unknown): boolean {
  return err instanceof RangeError && err.message.startsWith('Maximum call stack size exceeded');
}

const CHUNK = 64 * 1024;

/** `{...head,"items":[` */
function listOpening(head: Record<string, unknown>): string {
  const headJson = JSON.stringify(head);
  return headJson.slice(0, -1) + (headJson.length > 2 ? ',' : '') + '"items":[';
}

/**
 * Streams `{...head,"items":[item,item,...]}` without building one giant string: items are encoded one by one
 * and written in ~64 KiB chunks, honouring backpressure.
 */
export async function streamList<T>(res: ServerResponse, head: Record<string, unknown>, items: readonly T[], encodeItem: (item: T) => string): Promise<void> {
  res.statusCode = 200;
  res.setHeader('Content-Type', 'application/json');
  let buf = listOpening(head);
  for (let i = 0; i < items.length; i++) {
    buf += (i ? ',' : '') + encodeItem(items[i] as T);
    if (buf.length >= CHUNK) {
      const ok = res.write(buf);
      buf = '';
      if (!ok) await drained(res);
      if (res.destroyed) return;
    }
  }
  res.end(buf + ']}');
}

export const ENCODED_CHUNK = 128 * 1024;

/**
 * Chunk buffers go back to this pool once the socket has taken their bytes (the write callback), so a LIST
 * allocates no new memory per response: 47 MB of fresh buffers per 10k-pod list counted as V8 external memory
 * and set off a full GC about once per list (its p50 time to first byte went from 4 to 10 ms).
 */
const chunkPool: Buffer[] = [];
const CHUNK_POOL_MAX = 16;

export function takeChunk(size: number): Buffer {
  if (size <= ENCODED_CHUNK) return chunkPool.pop() ?? Buffer.allocUnsafeSlow(ENCODED_CHUNK);
  return Buffer.allocUnsafeSlow(size);
}

export function giveBack(chunk: Buffer): void {
  if (chunk.length === ENCODED_CHUNK && chunkPool.length < CHUNK_POOL_MAX) chunkPool.push(chunk);
}

/**
 * Writes chunk[0, end) (ending the response when `last`), giving the chunk back to the pool once written;
 * false when the socket wants a drain before more.
 */
export function sendChunk(res: ServerResponse, chunk: Buffer, end: number, last: boolean): boolean {
  const done = () => giveBack(chunk);
  if (last) {
    res.end(chunk.subarray(0, end), done);
    return true;
  }
  return res.write(chunk.subarray(0, end), done);
}

/**
 * streamList for items already encoded (the watch cache's JSON texts with their UTF-8 lengths): each text is
 * written straight into a ~128 KiB chunk buffer, with no string joining per response (measured on 10,000 pods:
 * ~35% less CPU than joining strings and writing them, ~20% less than Buffer.concat of per-item buffers).
 */
export async function streamEncodedList(res: ServerResponse, head: Record<string, unknown>, items: readonly { readonly text: string; readonly byteLength: number }[]): Promise<void> {
  res.statusCode = 200;
  res.setHeader('Content-Type', 'application/json');
  let chunk = takeChunk(ENCODED_CHUNK);
  let off = chunk.write(listOpening(head));
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    if (off + item.byteLength + 1 > chunk.length) {
      const ok = sendChunk(res, chunk, off, false);
      chunk = takeChunk(item.byteLength + 1);
      off = 0;
      if (!ok) await drained(res);
      if (res.destroyed) return;
    }
    if (i) chunk[off++] = 0x2c; // ','
    off += chunk.write(item.text, off);
  }
  if (off + 2 > chunk.length) {
    sendChunk(res, chunk, off, false);
    chunk = takeChunk(2);
    off = 0;
  }
  off += chunk.write(']}', off);
  sendChunk(res, chunk, off, true);
}
