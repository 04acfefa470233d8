/**
 * Kubernetes' protobuf envelope (k8s.io/apimachinery/pkg/runtime/serializer/protobuf): the magic bytes `k8s\0`,
 * then a runtime.Unknown {1: typeMeta {1: apiVersion, 2: kind}, 2: raw, 3: contentEncoding, 4: contentType}
 * whose raw is the object's message. Watch streams (serializer.StreamSerializer = the raw serializer): each
 * frame is a 4-byte big-endian length and a metav1.WatchEvent {1: type, 2: object: RawExtension {1: raw}} with
 * no envelope of its own, the object's raw being the object's full envelope.
 */
import { decodeMessage, encodeMessage } from './codec.ts';
import { schemaFor } from './kinds.ts';
import type { MessageSchema } from './schema.ts';
import { ProtoReader, ProtoWriter, WIRE_BYTES } from './wire.ts';

export const PROTOBUF_CONTENT_TYPE = 'application/vnd.kubernetes.protobuf';
export const PROTOBUF_WATCH_CONTENT_TYPE = 'application/vnd.kubernetes.protobuf;stream=watch';

export const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

type JSONObject = Record<string, unknown>;

/** Thrown for bodies that are not an envelope, are truncated, or carry a kind without a table. */
export class ProtobufDecodeError extends Error {
  readonly reason: 'magic' | 'malformed' | 'unknownKind' | 'encoding';
  readonly apiVersion: string;
  readonly kind: string;
  constructor(reason: ProtobufDecodeError['reason'], message: string, apiVersion = '', kind = '') {
    super(message);
    this.reason = reason;
    this.apiVersion = apiVersion;
    this.kind = kind;
  }
}

/** Thrown when encoding an object whose kind has no table. */
export class ProtobufEncodeError extends Error {}

const shared = new ProtoWriter();

export interface Unknown {
  apiVersion: string;
  kind: string;
  raw: Buffer;
  contentEncoding: string;
}

/** Reads the `k8s\0` envelope. */
export function decodeUnknown(body: Buffer): Unknown {
  if (body.length < 4 || body[0] !== 0x6b || body[1] !== 0x38 || body[2] !== 0x73 || body[3] !== 0x00) {
    throw new ProtobufDecodeError('magic', 'provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]');
  }
  let apiVersion = '';
  let kind = '';
  let raw: Buffer = Buffer.alloc(0);
  let contentEncoding = '';
  try {
    const r = new ProtoReader(body, 4);
    while (r.pos < r.end) {
      const key = r.varint();
      if ((key & 7) !== WIRE_BYTES) {
        r.skip(key & 7);
        continue;
      }
      const [s, e] = r.delimited();
      const num = key >>> 3;
      if (num === 1) {
        const tm = new ProtoReader(body, s, e);
        while (tm.pos < tm.end) {
          const k = tm.varint();
          if (k === 0x0a) apiVersion = tm.string();
          else if (k === 0x12) kind = tm.string();
          else tm.skip(k & 7);
        }
      } else if (num === 2) raw = body.subarray(s, e);
      else if (num === 3) contentEncoding = body.toString('utf8', s, e);
    }
  } catch (e) {
    throw new ProtobufDecodeError('malformed', (e as Error).message);
  }
  return { apiVersion, kind, raw, contentEncoding };
}

/** Decodes an envelope into the object's JSON form (kind and apiVersion from the envelope). */
export function decodeObject(body: Buffer): JSONObject {
  const u = decodeUnknown(body);
  if (u.contentEncoding) throw new ProtobufDecodeError('encoding', `unsupported protobuf content encoding "${u.contentEncoding}"`, u.apiVersion, u.kind);
  const schema = schemaFor(u.apiVersion, u.kind);
  if (!schema) throw new ProtobufDecodeError('unknownKind', `no protobuf form for ${u.kind} in version "${u.apiVersion}"`, u.apiVersion, u.kind);
  let obj: JSONObject;
  try {
    obj = decodeMessage(u.raw, 0, u.raw.length, schema);
  } catch (e) {
    throw new ProtobufDecodeError('malformed', (e as Error).message, u.apiVersion, u.kind);
  }
  return { kind: u.kind, apiVersion: u.apiVersion, ...obj };
}

/** The schema for an object by its own kind/apiVersion; throws ProtobufEncodeError without one. */
export function schemaOf(obj: JSONObject): MessageSchema {
  const apiVersion = typeof obj.apiVersion === 'string' ? obj.apiVersion : '';
  const kind = typeof obj.kind === 'string' ? obj.kind : '';
  const schema = schemaFor(apiVersion, kind);
  if (!schema) throw new ProtobufEncodeError(`object ${kind} in version "${apiVersion}" has no protobuf form`);
  return schema;
}

/** Writes the envelope of `obj` (magic, typeMeta, raw, empty contentEncoding and contentType) into `w`. */
export function writeEnvelope(w: ProtoWriter, apiVersion: string, kind: string, writeRaw: () => void): void {
  w.raw(MAGIC);
  w.tag(1, WIRE_BYTES);
  const tm = w.fork();
  w.tag(1, WIRE_BYTES);
  w.string(apiVersion);
  w.tag(2, WIRE_BYTES);
  w.string(kind);
  w.join(tm);
  w.tag(2, WIRE_BYTES);
  const raw = w.fork();
  writeRaw();
  w.join(raw);
  w.tag(3, WIRE_BYTES);
  w.varint(0);
  w.tag(4, WIRE_BYTES);
  w.varint(0);
}

/** The envelope of an object (its kind and apiVersion name the table). */
export function encodeObject(obj: JSONObject): Buffer {
  const schema = schemaOf(obj);
  shared.reset();
  writeEnvelope(shared, obj.apiVersion as string, obj.kind as string, () => encodeMessage(shared, obj, schema));
  return shared.finish();
}

/** An envelope around an already encoded message. */
export function writeEnvelopeBytes(apiVersion: string, kind: string, raw: Uint8Array): Buffer {
  shared.reset();
  writeEnvelope(shared, apiVersion, kind, () => shared.raw(raw));
  return shared.finish();
}

/** The message of an object, without the envelope (a list item). */
export function encodeRaw(obj: JSONObject, schema: MessageSchema): Buffer {
  shared.reset();
  encodeMessage(shared, obj, schema);
  return shared.finish();
}

/**
 * One watch frame: length prefix and WatchEvent {type, object {raw: envelope}}. `object` is the object's
 * envelope (encodeObject).
 */
export function encodeWatchFrame(type: string, object: Uint8Array): Buffer {
  shared.reset();
  shared.raw(new Uint8Array(4));
  shared.tag(1, WIRE_BYTES);
  shared.string(type);
  shared.tag(2, WIRE_BYTES);
  const start = shared.fork();
  shared.tag(1, WIRE_BYTES);
  shared.bytes(object);
  shared.join(start);
  const frame = shared.finish();
  frame.writeUInt32BE(frame.length - 4, 0);
  return frame;
}

/** Decodes one frame's WatchEvent (without its length prefix): the type and the object's JSON. */
export function decodeWatchEvent(frame: Buffer): { type: string; object: JSONObject } {
  const r = new ProtoReader(frame);
  let type = '';
  let object: JSONObject = {};
  while (r.pos < r.end) {
    const key = r.varint();
    if (key === 0x0a) type = r.string();
    else if (key === 0x12) {
      const [s, e] = r.delimited();
      const ext = new ProtoReader(frame, s, e);
      while (ext.pos < ext.end) {
        const k = ext.varint();
        if (k === 0x0a) {
          const [rs, re] = ext.delimited();
          object = decodeObject(frame.subarray(rs, re));
        } else ext.skip(k & 7);
      }
    } else r.skip(key & 7);
  }
  return { type, object };
}

/** Splits a protobuf watch stream into frames (each without its length prefix); `rest` is an incomplete tail. */
export function splitFrames(data: Buffer): { frames: Buffer[]; rest: Buffer } {
  const frames: Buffer[] = [];
  let off = 0;
  while (off + 4 <= data.length) {
    const len = data.readUInt32BE(off);
    if (off + 4 + len > data.length) break;
    frames.push(data.subarray(off + 4, off + 4 + len));
    off += 4 + len;
  }
  return { frames, rest: data.subarray(off) };
}
