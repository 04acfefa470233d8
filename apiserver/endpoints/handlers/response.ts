import type { ServerResponse } from 'node:http';
import { stringify as toYaml } from 'yaml';
import type { Status } from '../../../shared/api/meta.ts';
import { StatusError, newInternalError } from '../../../shared/errors/status-error.ts';
import { drained } from '../../../shared/util/drained.ts';
import { log } from '../../../shared/util/log.ts';

export function addWarnings(res: ServerResponse, warnings: string[]): void {
  if (warnings.length === 0 || res.headersSent) return;
  const existing = res.getHeader('Warning');
  const list = Array.isArray(existing) ? existing.map(String) : existing ? [String(existing)] : [];
  for (const w of warnings) list.push(`299 - ${JSON.stringify(w.replace(/[\r\n]+/g, ' '))}`);
  res.setHeader('Warning', list);
}

export function writeJSON(res: ServerResponse, code: number, body: string, contentType = 'application/json'): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.statusCode = code;
  res.setHeader('Content-Type', contentType);
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}

export function writeObject(res: ServerResponse, code: number, obj: object, format: 'json' | 'yaml' = 'json'): void {
  if (format === 'yaml') {
    writeJSON(res, code, toYaml(obj), 'application/yaml');
    return;
  }
  writeJSON(res, code, JSON.stringify(obj));
}

/** Writes any thrown value as a metav1.Status. Non-Status errors are logged and become a 500 InternalError. */
export function writeError(res: ServerResponse, err: unknown): void {
  let status: Status;
  if (err instanceof StatusError) {
    status = err.status;
  } else {
    log.error('Internal error serving request', { error: err instanceof Error ? err.stack ?? err.message : String(err) });
    status = newInternalError(err instanceof Error ? err.message : String(err)).status;
  }
  if (status.code === 429 && status.details?.retryAfterSeconds && !res.headersSent) {
    res.setHeader('Retry-After', String(status.details.retryAfterSeconds));
  }
  writeJSON(res, status.code, JSON.stringify(status));
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

const ENCODED_CHUNK = 128 * 1024;

/**
 * Chunk buffers go back to this pool once the socket has taken their bytes (the write callback), so a LIST
 * allocates no new memory per response: 47 MB of fresh buffers per 10k-pod list counted as V8 external memory
 * and set off a full GC about once per list (its p50 time to first byte went from 4 to 10 ms).
 */
const chunkPool: Buffer[] = [];
const CHUNK_POOL_MAX = 16;

function takeChunk(size: number): Buffer {
  if (size <= ENCODED_CHUNK) return chunkPool.pop() ?? Buffer.allocUnsafeSlow(ENCODED_CHUNK);
  return Buffer.allocUnsafeSlow(size);
}

function giveBack(chunk: Buffer): void {
  if (chunk.length === ENCODED_CHUNK && chunkPool.length < CHUNK_POOL_MAX) chunkPool.push(chunk);
}

/**
 * streamList for items already encoded (the watch cache's JSON texts with their UTF-8 lengths): each text is
 * written straight into a ~128 KiB chunk buffer, with no string joining per response (measured on 10,000 pods:
 * ~35% less CPU than joining strings and writing them, ~20% less than Buffer.concat of per-item buffers).
 */
export async function streamEncodedList(res: ServerResponse, head: Record<string, unknown>, items: readonly { readonly text: string; readonly byteLength: number }[]): Promise<void> {
  res.statusCode = 200;
  res.setHeader('Content-Type', 'application/json');
  const send = (chunk: Buffer, end: number, last: boolean): boolean => {
    const done = () => giveBack(chunk);
    if (last) {
      res.end(chunk.subarray(0, end), done);
      return true;
    }
    return res.write(chunk.subarray(0, end), done);
  };
  let chunk = takeChunk(ENCODED_CHUNK);
  let off = chunk.write(listOpening(head));
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    if (off + item.byteLength + 1 > chunk.length) {
      const ok = send(chunk, off, false);
      chunk = takeChunk(item.byteLength + 1);
      off = 0;
      if (!ok) await drained(res);
      if (res.destroyed) return;
    }
    if (i) chunk[off++] = 0x2c; // ','
    off += chunk.write(item.text, off);
  }
  if (off + 2 > chunk.length) {
    send(chunk, off, false);
    chunk = takeChunk(2);
    off = 0;
  }
  off += chunk.write(']}', off);
  send(chunk, off, true);
}
