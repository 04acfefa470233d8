/**
 * The protobuf form of /openapi/v2 that kubectl and client-go's discovery request
 * (`application/com.github.proto-openapi.spec.v2@v1.0+protobuf`): the gnostic `openapi.v2.Document` message
 * (github.com/google/gnostic openapiv2/OpenAPIv2.proto), which kube-apiserver produces by parsing its JSON
 * document with gnostic and marshalling the result.
 *
 * Field numbers are gnostic's. Maps are repeated Named* pairs in document order; free-form values (`default`,
 * `enum`, `example`, vendor extensions) are `Any {yaml}` holding the value's text. JSON is YAML, so the
 * value's JSON text is what goes in (kube-openapi reads them back with yaml.Unmarshal). Proto3 rules: empty
 * strings, false and zero are not written; a present sub-message is written even when empty (kubectl's
 * parser tells `properties: {}` from no properties).
 */
import type { Schema } from './schemas.ts';
import type { SwaggerDocument } from './swagger-document.ts';

const isObject = (v: unknown): v is Schema => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Accumulates one message's bytes. */
class MessageWriter {
  readonly #chunks: Uint8Array[] = [];
  #length = 0;

  #push(b: Uint8Array): void {
    this.#chunks.push(b);
    this.#length += b.length;
  }

  #varint(n: number | bigint): void {
    const bytes: number[] = [];
    if (typeof n === 'number' && n >= 0 && n <= 0x7fffffff) {
      let v = n;
      while (v >= 0x80) {
        bytes.push((v & 0x7f) | 0x80);
        v >>>= 7;
      }
      bytes.push(v);
    } else {
      let v = BigInt.asUintN(64, BigInt(n));
      while (v >= 0x80n) {
        bytes.push(Number(v & 0x7fn) | 0x80);
        v >>= 7n;
      }
      bytes.push(Number(v));
    }
    this.#push(Uint8Array.from(bytes));
  }

  #tag(field: number, wireType: number): void {
    this.#varint((field << 3) | wireType);
  }

  string(field: number, s: unknown): this {
    if (typeof s !== 'string' || s === '') return this;
    const b = Buffer.from(s, 'utf8');
    this.#tag(field, 2);
    this.#varint(b.length);
    this.#push(b);
    return this;
  }

  strings(field: number, list: unknown): this {
    if (Array.isArray(list)) {
      for (const s of list) {
        // repeated strings keep empty entries
        const b = Buffer.from(String(s), 'utf8');
        this.#tag(field, 2);
        this.#varint(b.length);
        this.#push(b);
      }
    }
    return this;
  }

  /** A bool; false is skipped unless `always` (a oneof member keeps its zero value). */
  bool(field: number, b: unknown, always = false): this {
    if (b !== true && !(always && b === false)) return this;
    this.#tag(field, 0);
    this.#varint(b === true ? 1 : 0);
    return this;
  }

  int64(field: number, n: unknown): this {
    if (typeof n !== 'number' || !Number.isInteger(n) || n === 0) return this;
    this.#tag(field, 0);
    this.#varint(n);
    return this;
  }

  double(field: number, n: unknown): this {
    if (typeof n !== 'number' || n === 0) return this;
    this.#tag(field, 1);
    const b = Buffer.alloc(8);
    b.writeDoubleLE(n);
    this.#push(b);
    return this;
  }

  message(field: number, m: MessageWriter | undefined): this {
    if (!m) return this;
    const b = m.finish();
    this.#tag(field, 2);
    this.#varint(b.length);
    this.#push(b);
    return this;
  }

  finish(): Uint8Array {
    return Buffer.concat(this.#chunks, this.#length);
  }
}

/** Any {yaml = 2}: the value's JSON text (valid YAML). */
function anyValue(v: unknown): MessageWriter {
  return new MessageWriter().string(2, JSON.stringify(v) ?? 'null');
}

/** NamedAny {name = 1, value = 2} for every `x-` key of an object, in the given field. */
function vendorExtensions(w: MessageWriter, field: number, o: Schema): void {
  for (const [k, v] of Object.entries(o)) {
    if (k.startsWith('x-')) w.message(field, new MessageWriter().string(1, k).message(2, anyValue(v)));
  }
}

/** openapi.v2.Schema. */
function schemaMessage(s: Schema): MessageWriter {
  const w = new MessageWriter()
    .string(1, s.$ref)
    .string(2, s.format)
    .string(3, s.title)
    .string(4, s.description);
  if (s.default !== undefined) w.message(5, anyValue(s.default));
  w.double(6, s.multipleOf)
    .double(7, s.maximum)
    .bool(8, s.exclusiveMaximum)
    .double(9, s.minimum)
    .bool(10, s.exclusiveMinimum)
    .int64(11, s.maxLength)
    .int64(12, s.minLength)
    .string(13, s.pattern)
    .int64(14, s.maxItems)
    .int64(15, s.minItems)
    .bool(16, s.uniqueItems)
    .int64(17, s.maxProperties)
    .int64(18, s.minProperties)
    .strings(19, s.required);
  if (Array.isArray(s.enum)) for (const e of s.enum) w.message(20, anyValue(e));
  if (isObject(s.additionalProperties)) w.message(21, new MessageWriter().message(1, schemaMessage(s.additionalProperties)));
  // AdditionalPropertiesItem.boolean (2) is a oneof member: written even when false.
  else if (typeof s.additionalProperties === 'boolean') w.message(21, new MessageWriter().bool(2, s.additionalProperties, true));
  if (typeof s.type === 'string') w.message(22, new MessageWriter().strings(1, [s.type]));
  else if (Array.isArray(s.type)) w.message(22, new MessageWriter().strings(1, s.type));
  if (isObject(s.items)) w.message(23, new MessageWriter().message(1, schemaMessage(s.items)));
  else if (Array.isArray(s.items)) {
    const items = new MessageWriter();
    for (const i of s.items) if (isObject(i)) items.message(1, schemaMessage(i));
    w.message(23, items);
  }
  if (Array.isArray(s.allOf)) for (const a of s.allOf) if (isObject(a)) w.message(24, schemaMessage(a));
  if (isObject(s.properties)) {
    const props = new MessageWriter();
    for (const [name, p] of Object.entries(s.properties)) if (isObject(p)) props.message(1, new MessageWriter().string(1, name).message(2, schemaMessage(p)));
    w.message(25, props);
  }
  w.string(26, s.discriminator).bool(27, s.readOnly);
  if (s.example !== undefined) w.message(30, anyValue(s.example));
  vendorExtensions(w, 31, s);
  return w;
}

/**
 * A non-body parameter: QueryParameterSubSchema / PathParameterSubSchema / HeaderParameterSubSchema (the
 * query schema has allow_empty_value at 5, so its later fields sit one number higher).
 */
function nonBodyParameter(p: Schema): MessageWriter {
  const location = p.in;
  const q = location === 'query' || location === 'formData';
  const o = q ? 1 : 0;
  const w = new MessageWriter().bool(1, p.required).string(2, p.in).string(3, p.description).string(4, p.name);
  if (q) w.bool(5, p.allowEmptyValue);
  w.string(5 + o, p.type).string(6 + o, p.format);
  if (isObject(p.items)) w.message(7 + o, primitivesItems(p.items));
  w.string(8 + o, p.collectionFormat);
  if (p.default !== undefined) w.message(9 + o, anyValue(p.default));
  w.double(10 + o, p.maximum)
    .bool(11 + o, p.exclusiveMaximum)
    .double(12 + o, p.minimum)
    .bool(13 + o, p.exclusiveMinimum)
    .int64(14 + o, p.maxLength)
    .int64(15 + o, p.minLength)
    .string(16 + o, p.pattern)
    .int64(17 + o, p.maxItems)
    .int64(18 + o, p.minItems)
    .bool(19 + o, p.uniqueItems);
  if (Array.isArray(p.enum)) for (const e of p.enum) w.message(20 + o, anyValue(e));
  w.double(21 + o, p.multipleOf);
  vendorExtensions(w, 22 + o, p);
  const which = location === 'header' ? 1 : location === 'formData' ? 2 : location === 'query' ? 3 : 4;
  return new MessageWriter().message(which, w);
}

/** PrimitivesItems (array parameters' items). */
function primitivesItems(i: Schema): MessageWriter {
  const w = new MessageWriter().string(1, i.type).string(2, i.format);
  if (isObject(i.items)) w.message(3, primitivesItems(i.items));
  w.string(4, i.collectionFormat);
  if (i.default !== undefined) w.message(5, anyValue(i.default));
  return w;
}

/** ParametersItem {parameter = 1 | json_reference = 2}. */
function parametersItem(p: Schema): MessageWriter {
  if (typeof p.$ref === 'string') return new MessageWriter().message(2, new MessageWriter().string(1, p.$ref).string(2, p.description));
  const parameter = new MessageWriter();
  if (p.in === 'body') {
    const body = new MessageWriter().string(1, p.description).string(2, p.name).string(3, p.in).bool(4, p.required);
    if (isObject(p.schema)) body.message(5, schemaMessage(p.schema));
    vendorExtensions(body, 6, p);
    parameter.message(1, body);
  } else {
    parameter.message(2, nonBodyParameter(p));
  }
  return new MessageWriter().message(1, parameter);
}

/** Operation. */
function operationMessage(op: Schema): MessageWriter {
  const w = new MessageWriter().strings(1, op.tags).string(2, op.summary).string(3, op.description).string(5, op.operationId).strings(6, op.produces).strings(7, op.consumes);
  if (Array.isArray(op.parameters)) for (const p of op.parameters) if (isObject(p)) w.message(8, parametersItem(p));
  if (isObject(op.responses)) {
    const responses = new MessageWriter();
    for (const [code, r] of Object.entries(op.responses)) {
      if (!isObject(r)) continue;
      const response = new MessageWriter().string(1, r.description);
      if (isObject(r.schema)) response.message(2, new MessageWriter().message(1, schemaMessage(r.schema)));
      vendorExtensions(response, 5, r);
      responses.message(1, new MessageWriter().string(1, code).message(2, new MessageWriter().message(1, response)));
    }
    w.message(9, responses);
  }
  w.strings(10, op.schemes).bool(11, op.deprecated);
  vendorExtensions(w, 13, op);
  return w;
}

const PATH_ITEM_FIELDS: Readonly<Record<string, number>> = { get: 2, put: 3, post: 4, delete: 5, options: 6, head: 7, patch: 8 };

function pathItemMessage(item: Schema): MessageWriter {
  const w = new MessageWriter().string(1, item.$ref);
  for (const [verb, field] of Object.entries(PATH_ITEM_FIELDS)) if (isObject(item[verb])) w.message(field, operationMessage(item[verb]));
  if (Array.isArray(item.parameters)) for (const p of item.parameters) if (isObject(p)) w.message(9, parametersItem(p));
  vendorExtensions(w, 10, item);
  return w;
}

/** SecurityDefinitionsItem: only the apiKey and basic kinds kube uses. */
function securityDefinitionsItem(d: Schema): MessageWriter {
  if (d.type === 'basic') return new MessageWriter().message(1, new MessageWriter().string(1, d.type).string(2, d.description));
  return new MessageWriter().message(2, new MessageWriter().string(1, d.type).string(2, d.name).string(3, d.in).string(4, d.description));
}

/** The gnostic openapi.v2.Document bytes of a Swagger document. */
export function encodeSwaggerProtobuf(doc: SwaggerDocument): Uint8Array {
  const w = new MessageWriter().string(1, doc.swagger).message(2, new MessageWriter().string(1, doc.info.title).string(2, doc.info.version));
  const paths = new MessageWriter();
  for (const [path, item] of Object.entries(doc.paths)) paths.message(2, new MessageWriter().string(1, path).message(2, pathItemMessage(item)));
  w.message(8, paths);
  const definitions = new MessageWriter();
  for (const [name, s] of Object.entries(doc.definitions)) definitions.message(1, new MessageWriter().string(1, name).message(2, schemaMessage(s)));
  w.message(9, definitions);
  for (const requirement of doc.security) {
    const r = new MessageWriter();
    for (const [name, scopes] of Object.entries(requirement)) r.message(1, new MessageWriter().string(1, name).message(2, new MessageWriter().strings(1, scopes)));
    w.message(12, r);
  }
  const securityDefinitions = new MessageWriter();
  for (const [name, d] of Object.entries(doc.securityDefinitions)) securityDefinitions.message(1, new MessageWriter().string(1, name).message(2, securityDefinitionsItem(d)));
  w.message(13, securityDefinitions);
  return w.finish();
}
