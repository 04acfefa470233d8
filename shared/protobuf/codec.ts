/**
 * One encoder and one decoder for every Kubernetes kind, driven by the schema tables (schema.ts): objects go
 * between their JSON form (what the API server stores and serves) and go-to-protobuf's wire form.
 *
 * Decoding reproduces what Go's JSON encoding of the decoded struct prints: zero non-pointer scalars with
 * `omitempty` left out, explicit zeros of pointers kept, zero times as null, nested structs as objects. Encoding
 * writes what the JSON object has (absent fields are absent on the wire: the same Go struct after decoding).
 * Unknown field numbers are skipped when decoding (proto2); JSON keys without a field are not written.
 */
import { ProtoReader, ProtoWriter, WIRE_BYTES, WIRE_VARINT, utf8Slice } from './wire.ts';
import type { FieldSpec, MessageSchema, ScalarType } from './schema.ts';

/** Seconds between 0001-01-01 and 1970-01-01: Go's zero time.Time as a Unix time. */
const GO_ZERO_TIME = -62135596800;

type JSONObject = Record<string, unknown>;

// ---------------------------------------------------------------- decoding

export function decodeMessage(buf: Buffer, start: number, end: number, schema: MessageSchema, out: JSONObject = {}): JSONObject {
  const r = new ProtoReader(buf, start, end);
  while (r.pos < r.end) {
    const key = r.varint();
    const wire = key & 7;
    const f = key < 0x80000000 ? schema.byIndex[key >>> 3] : undefined;
    if (f === undefined) {
      r.skip(wire);
      continue;
    }
    if (f.map) {
      if (wire !== WIRE_BYTES) throw wireError(f, wire);
      const s = r.payload();
      decodeMapEntry(buf, s, r.pos, f, out);
      continue;
    }
    const t = f.type;
    if (typeof t !== 'string') {
      if (wire !== WIRE_BYTES) throw wireError(f, wire);
      const s = r.payload();
      const e = r.pos;
      if (f.inline) {
        decodeMessage(buf, s, e, t, out);
        continue;
      }
      const v = decodeMessage(buf, s, e, t);
      if (f.repeated) pushTo(out, f.name, v);
      else out[f.name] = v;
      continue;
    }
    if (t === 'bool' || t === 'int32' || t === 'int64') {
      if (wire === WIRE_BYTES && f.repeated) {
        // A packed repeated field.
        const [s, e] = r.delimited();
        const pr = new ProtoReader(buf, s, e);
        while (pr.pos < pr.end) pushTo(out, f.name, varintValue(pr, t));
        continue;
      }
      if (wire !== WIRE_VARINT) throw wireError(f, wire);
      const v = varintValue(r, t);
      if (f.repeated) pushTo(out, f.name, v);
      else if ((v !== 0 && v !== false) || f.presence !== 'omit') out[f.name] = v;
      else if (f.name in out) delete out[f.name];
      continue;
    }
    if (wire !== WIRE_BYTES) throw wireError(f, wire);
    const s = r.payload();
    const v = decodeScalar(buf, s, r.pos, t);
    if (f.repeated) pushTo(out, f.name, v);
    else if (v !== '' || f.presence !== 'omit' || (t !== 'string' && t !== 'bytes')) out[f.name] = v;
    else if (f.name in out) delete out[f.name];
  }
  return out;
}

function varintValue(r: ProtoReader, t: 'bool' | 'int32' | 'int64'): number | boolean {
  const v = r.varint();
  if (t === 'bool') return v !== 0;
  if (t === 'int32') return v | 0;
  return v;
}

function wireError(f: FieldSpec, wire: number): Error {
  return new Error(`proto: wrong wireType = ${wire} for field ${f.name[0]?.toUpperCase()}${f.name.slice(1)}`);
}

function pushTo(out: JSONObject, name: string, v: unknown): void {
  const list = out[name];
  if (Array.isArray(list)) list.push(v);
  else out[name] = [v];
}

function decodeScalar(buf: Buffer, s: number, e: number, t: ScalarType): unknown {
  switch (t) {
    case 'string':
      return utf8Slice(buf, s, e);
    case 'bytes':
      return buf.toString('base64', s, e);
    case 'time':
      return decodeTimestamp(buf, s, e, false);
    case 'microTime':
      return decodeTimestamp(buf, s, e, true);
    case 'quantity': {
      const r = new ProtoReader(buf, s, e);
      let q = '0';
      while (r.pos < r.end) {
        const key = r.varint();
        if (key === 0x0a) q = r.string();
        else r.skip(key & 7);
      }
      return q;
    }
    case 'intOrString':
      return decodeIntOrString(buf, s, e);
    case 'rawJSON': {
      const r = new ProtoReader(buf, s, e);
      let raw: [number, number] | undefined;
      while (r.pos < r.end) {
        const key = r.varint();
        if (key === 0x0a) raw = r.delimited();
        else r.skip(key & 7);
      }
      if (!raw || raw[0] === raw[1]) return null;
      return JSON.parse(buf.toString('utf8', raw[0], raw[1])) as unknown;
    }
    case 'stringList': {
      const r = new ProtoReader(buf, s, e);
      const items: string[] = [];
      while (r.pos < r.end) {
        const key = r.varint();
        if (key === 0x0a) items.push(r.string());
        else r.skip(key & 7);
      }
      return items;
    }
    default:
      throw new Error(`proto: ${t} is not length-delimited`);
  }
}

/** metav1.Time / MicroTime: Timestamp {1: seconds, 2: nanos}; empty (or Go's zero time) is null. */
function decodeTimestamp(buf: Buffer, s: number, e: number, micro: boolean): string | null {
  const r = new ProtoReader(buf, s, e);
  let seconds = 0;
  let nanos = 0;
  while (r.pos < r.end) {
    const key = r.varint();
    if (key === 0x08) seconds = r.varint();
    else if (key === 0x10) nanos = r.int32();
    else r.skip(key & 7);
  }
  if ((seconds === 0 && nanos === 0 && s === e) || seconds === GO_ZERO_TIME) return null;
  const base = new Date(seconds * 1000).toISOString().slice(0, 19);
  // metav1.Time keeps whole seconds (its Unmarshal drops the nanoseconds), MicroTime microseconds.
  return micro ? `${base}.${String(Math.floor(nanos / 1000)).padStart(6, '0')}Z` : `${base}Z`;
}

/** intstr.IntOrString {1: type (0 int, 1 string), 2: intVal, 3: strVal}. */
function decodeIntOrString(buf: Buffer, s: number, e: number): number | string {
  const r = new ProtoReader(buf, s, e);
  let type = 0;
  let intVal = 0;
  let strVal = '';
  while (r.pos < r.end) {
    const key = r.varint();
    if (key === 0x08) type = r.varint();
    else if (key === 0x10) intVal = r.int32();
    else if (key === 0x1a) strVal = r.string();
    else r.skip(key & 7);
  }
  return type === 1 ? strVal : intVal;
}

/** A map entry {1: key, 2: value}. */
function decodeMapEntry(buf: Buffer, s: number, e: number, f: FieldSpec, out: JSONObject): void {
  const r = new ProtoReader(buf, s, e);
  let k = '';
  let v: unknown;
  const t = f.type;
  while (r.pos < r.end) {
    const key = r.varint();
    if (key === 0x0a) k = r.string();
    else if (key >>> 3 === 2) {
      if (typeof t !== 'string') {
        const [vs, ve] = r.delimited();
        v = decodeMessage(buf, vs, ve, t);
      } else if (t === 'bool' || t === 'int32' || t === 'int64') v = varintValue(r, t);
      else {
        const [vs, ve] = r.delimited();
        v = decodeScalar(buf, vs, ve, t);
      }
    } else r.skip(key & 7);
  }
  if (v === undefined) v = zeroOf(t);
  let m = out[f.name] as JSONObject | undefined;
  if (m === undefined || m === null || typeof m !== 'object') out[f.name] = m = {};
  m[k] = v;
}

function zeroOf(t: ScalarType | MessageSchema): unknown {
  if (typeof t !== 'string') return {};
  switch (t) {
    case 'string':
    case 'bytes':
      return '';
    case 'bool':
      return false;
    case 'int32':
    case 'int64':
    case 'intOrString':
      return 0;
    case 'quantity':
      return '0';
    case 'stringList':
      return [];
    default:
      return null;
  }
}

// ---------------------------------------------------------------- encoding

/**
 * Writes the fields `obj` has (walking its keys: most schema fields are absent from any one object), then the
 * inline structs. Fields come out in the object's key order; decoders take any order.
 */
export function encodeMessage(w: ProtoWriter, obj: JSONObject, schema: MessageSchema): void {
  const byName = schema.byName;
  for (const name in obj) {
    const f = byName.get(name);
    if (f === undefined) continue;
    const v = obj[name];
    if (v === undefined) continue;
    if (f.map) {
      if (v === null || typeof v !== 'object') continue;
      for (const k in v as JSONObject) {
        const mv = (v as JSONObject)[k];
        w.tag(f.num, WIRE_BYTES);
        const start = w.fork();
        w.tag(1, WIRE_BYTES);
        w.string(k);
        encodeValue(w, 2, mv, f.type, 'keep');
        w.join(start);
      }
      continue;
    }
    if (f.repeated) {
      if (!Array.isArray(v)) continue;
      for (let j = 0; j < v.length; j++) encodeValue(w, f.num, v[j], f.type, 'keep');
      continue;
    }
    encodeValue(w, f.num, v, f.type, f.presence);
  }
  const inlines = schema.inlines;
  for (let i = 0; i < inlines.length; i++) {
    const f = inlines[i] as FieldSpec;
    w.tag(f.num, WIRE_BYTES);
    const start = w.fork();
    encodeMessage(w, obj, f.type as MessageSchema);
    w.join(start);
  }
}

function encodeValue(w: ProtoWriter, num: number, v: unknown, t: ScalarType | MessageSchema, presence: string): void {
  if (typeof t !== 'string') {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return;
    w.tag(num, WIRE_BYTES);
    const start = w.fork();
    encodeMessage(w, v as JSONObject, t);
    w.join(start);
    return;
  }
  switch (t) {
    case 'string':
      if (typeof v !== 'string' || (v === '' && presence === 'omit')) return;
      w.tag(num, WIRE_BYTES);
      w.string(v);
      return;
    case 'bool':
      if (typeof v !== 'boolean' || (!v && presence === 'omit')) return;
      w.tag(num, WIRE_VARINT);
      w.varint(v ? 1 : 0);
      return;
    case 'int32':
    case 'int64':
      if (typeof v !== 'number' || !Number.isFinite(v) || (v === 0 && presence === 'omit')) return;
      w.tag(num, WIRE_VARINT);
      w.varint(v);
      return;
    case 'bytes': {
      if (typeof v !== 'string' || (v === '' && presence === 'omit')) return;
      w.tag(num, WIRE_BYTES);
      w.bytes(Buffer.from(v, 'base64'));
      return;
    }
    case 'time':
    case 'microTime': {
      if (v === null) {
        if (presence === 'ptr') return;
        w.tag(num, WIRE_BYTES);
        w.varint(0);
        return;
      }
      if (typeof v !== 'string') return;
      const ms = Date.parse(v);
      if (Number.isNaN(ms)) return;
      const seconds = Math.floor(ms / 1000);
      const nanos = t === 'microTime' ? microsOf(v) * 1000 : 0;
      w.tag(num, WIRE_BYTES);
      const start = w.fork();
      if (seconds !== 0) {
        w.tag(1, WIRE_VARINT);
        w.varint(seconds);
      }
      if (nanos !== 0) {
        w.tag(2, WIRE_VARINT);
        w.varint(nanos);
      }
      w.join(start);
      return;
    }
    case 'quantity': {
      const q = typeof v === 'number' ? String(v) : v;
      if (typeof q !== 'string') return;
      w.tag(num, WIRE_BYTES);
      const start = w.fork();
      w.tag(1, WIRE_BYTES);
      w.string(q);
      w.join(start);
      return;
    }
    case 'intOrString': {
      if (typeof v !== 'number' && typeof v !== 'string') return;
      w.tag(num, WIRE_BYTES);
      const start = w.fork();
      if (typeof v === 'number') {
        if (v !== 0) {
          w.tag(2, WIRE_VARINT);
          w.varint(v | 0);
        }
      } else {
        w.tag(1, WIRE_VARINT);
        w.varint(1);
        w.tag(3, WIRE_BYTES);
        w.string(v);
      }
      w.join(start);
      return;
    }
    case 'rawJSON': {
      if (v === null) return;
      w.tag(num, WIRE_BYTES);
      const start = w.fork();
      w.tag(1, WIRE_BYTES);
      w.string(JSON.stringify(v));
      w.join(start);
      return;
    }
    case 'stringList': {
      if (!Array.isArray(v)) return;
      w.tag(num, WIRE_BYTES);
      const start = w.fork();
      for (const item of v) {
        if (typeof item !== 'string') continue;
        w.tag(1, WIRE_BYTES);
        w.string(item);
      }
      w.join(start);
      return;
    }
  }
}

/** The microseconds of an RFC 3339 time's fraction (`.123456`), 0 without one. */
function microsOf(text: string): number {
  const m = /\.(\d+)/.exec(text);
  if (!m || !m[1]) return 0;
  return Number(m[1].slice(0, 6).padEnd(6, '0'));
}
