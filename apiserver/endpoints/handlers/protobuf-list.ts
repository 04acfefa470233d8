import type { ServerResponse } from 'node:http';
import { drained } from '../../../shared/util/drained.ts';
import { MAGIC, PROTOBUF_CONTENT_TYPE, encodeRaw } from '../../../shared/protobuf/envelope.ts';
import { LIST_META } from '../../../shared/protobuf/schemas/meta.ts';
import { ProtoWriter, varintSize } from '../../../shared/protobuf/wire.ts';
import { ENCODED_CHUNK, sendChunk, takeChunk } from './response.ts';

/** An item's message: bytes, or a Latin-1 string of them (the watch cache's memo). */
export type EncodedItem = Buffer | string;

/**
 * Streams a `<Kind>List` in protobuf: the envelope, ListMeta (field 1), then every item's message (field 2),
 * written into pooled ~128 KiB chunks as streamEncodedList does for JSON. The items are encoded (or taken from
 * the cache's memo) first: the envelope's raw field needs the total length up front.
 */
export async function streamProtobufList(
  res: ServerResponse,
  head: { apiVersion: string; kind: string; metadata: object },
  items: readonly EncodedItem[],
): Promise<void> {
  const meta = encodeRaw(head.metadata as Record<string, unknown>, LIST_META);
  let rawLength = 1 + varintSize(meta.length) + meta.length;
  for (const item of items) rawLength += 1 + varintSize(item.length) + item.length;
  const w = new ProtoWriter(256);
  w.raw(MAGIC);
  w.tag(1, 2);
  const tm = w.fork();
  w.tag(1, 2);
  w.string(head.apiVersion);
  w.tag(2, 2);
  w.string(head.kind);
  w.join(tm);
  w.tag(2, 2);
  w.varint(rawLength);
  w.tag(1, 2);
  w.bytes(meta);
  const opening = w.finish();

  res.statusCode = 200;
  res.setHeader('Content-Type', PROTOBUF_CONTENT_TYPE);
  res.setHeader('Content-Length', opening.length + rawLength - 1 - varintSize(meta.length) - meta.length + 4);
  let chunk = takeChunk(Math.max(ENCODED_CHUNK, opening.length));
  let off = opening.copy(chunk, 0);
  for (const item of items) {
    const need = 1 + varintSize(item.length) + item.length;
    if (off + need > chunk.length) {
      const ok = sendChunk(res, chunk, off, false);
      chunk = takeChunk(need);
      off = 0;
      if (!ok) await drained(res);
      if (res.destroyed) return;
    }
    chunk[off++] = 0x12;
    let len = item.length;
    while (len > 0x7f) {
      chunk[off++] = (len & 0x7f) | 0x80;
      len = Math.floor(len / 128);
    }
    chunk[off++] = len;
    off += typeof item === 'string' ? chunk.write(item, off, 'latin1') : item.copy(chunk, off);
  }
  if (off + 4 > chunk.length) {
    sendChunk(res, chunk, off, false);
    chunk = takeChunk(4);
    off = 0;
  }
  // contentEncoding and contentType: empty, as kube writes them.
  chunk[off++] = 0x1a;
  chunk[off++] = 0x00;
  chunk[off++] = 0x22;
  chunk[off++] = 0x00;
  sendChunk(res, chunk, off, true);
}
