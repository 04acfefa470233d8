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
import { ProtoWriter, WIRE_BYTES, WIRE_FIXED64, WIRE_VARINT } from '../../shared/protobuf/wire.ts';

const isObject = (v: unknown): v is Schema => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The fields of the message being written, in place, with the shared wire writer (shared/protobuf/wire.ts). */
class Fields {
  readonly w: ProtoWriter;
  constructor(w: ProtoWriter) {
    this.w = w;
  }

  string(field: number, s: unknown): this {
    if (typeof s !== 'string' || s === '') return this;
    this.w.tag(field, WIRE_BYTES);
    this.w.string(s);
    return this;
  }

  /** Repeated strings keep empty entries. */
  strings(field: number, list: unknown): this {
    if (Array.isArray(list)) {
      for (const s of list) {
        this.w.tag(field, WIRE_BYTES);
        this.w.string(String(s));
      }
    }
    return this;
  }

  /** A bool; false is skipped unless `always` (a oneof member keeps its zero value). */
  bool(field: number, b: unknown, always = false): this {
    if (b !== true && !(always && b === false)) return this;
    this.w.tag(field, WIRE_VARINT);
    this.w.varint(b === true ? 1 : 0);
    return this;
  }

  int64(field: number, n: unknown): this {
    if (typeof n !== 'number' || !Number.isInteger(n) || n === 0) return this;
    this.w.tag(field, WIRE_VARINT);
    this.w.varint(n);
    return this;
  }

  double(field: number, n: unknown): this {
    if (typeof n !== 'number' || n === 0) return this;
    this.w.tag(field, WIRE_FIXED64);
    this.w.ensure(8);
    this.w.buf.writeDoubleLE(n, this.w.pos);
    this.w.pos += 8;
    return this;
  }

  /** A sub-message written by `fill`, present even when empty (kubectl tells `properties: {}` from none). */
  message(field: number, fill: (f: Fields) => void): this {
    this.w.tag(field, WIRE_BYTES);
    const start = this.w.fork();
    fill(this);
    this.w.join(start);
    return this;
  }

  /** Any {yaml = 2}: the value's JSON text (valid YAML). */
  any(field: number, v: unknown): this {
    return v === undefined ? this : this.message(field, (a) => a.string(2, JSON.stringify(v) ?? 'null'));
  }

  /** NamedAny {name = 1, value = 2} for every `x-` key of an object. */
  extensions(field: number, o: Schema): this {
    for (const [k, v] of Object.entries(o)) if (k.startsWith('x-')) this.message(field, (e) => e.string(1, k).any(2, v));
    return this;
  }
}

/** openapi.v2.Schema. */
function schema(f: Fields, s: Schema): void {
  f.string(1, s.$ref).string(2, s.format).string(3, s.title).string(4, s.description).any(5, s.default);
  f.double(6, s.multipleOf)
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
  if (Array.isArray(s.enum)) for (const e of s.enum) f.any(20, e);
  const ap = s.additionalProperties;
  // AdditionalPropertiesItem {schema = 1 | boolean = 2}: a oneof member is written even when false.
  if (isObject(ap)) f.message(21, (a) => a.message(1, (x) => schema(x, ap)));
  else if (typeof ap === 'boolean') f.message(21, (a) => a.bool(2, ap, true));
  if (typeof s.type === 'string' || Array.isArray(s.type)) {
    const types = typeof s.type === 'string' ? [s.type] : s.type;
    f.message(22, (t) => t.strings(1, types));
  }
  const items = s.items;
  if (isObject(items)) f.message(23, (i) => i.message(1, (x) => schema(x, items)));
  else if (Array.isArray(items)) f.message(23, (i) => items.filter(isObject).forEach((it) => i.message(1, (x) => schema(x, it))));
  if (Array.isArray(s.allOf)) for (const a of s.allOf.filter(isObject)) f.message(24, (x) => schema(x, a));
  const props = s.properties;
  if (isObject(props)) {
    f.message(25, (p) => {
      for (const [name, v] of Object.entries(props)) if (isObject(v)) p.message(1, (n) => n.string(1, name).message(2, (x) => schema(x, v)));
    });
  }
  f.string(26, s.discriminator).bool(27, s.readOnly).any(30, s.example).extensions(31, s);
}

/**
 * NonBodyParameter {header = 1 | formData = 2 | query = 3 | path = 4}: the *ParameterSubSchema messages share
 * a layout, except that query and formData have allow_empty_value at 5, so their later fields sit one higher.
 */
function nonBodyParameter(f: Fields, p: Schema): void {
  const location = p.in;
  const o = location === 'query' || location === 'formData' ? 1 : 0;
  const which = location === 'header' ? 1 : location === 'formData' ? 2 : location === 'query' ? 3 : 4;
  f.message(which, (x) => {
    x.bool(1, p.required).string(2, p.in).string(3, p.description).string(4, p.name);
    if (o) x.bool(5, p.allowEmptyValue);
    x.string(5 + o, p.type).string(6 + o, p.format);
    const items = p.items;
    if (isObject(items)) x.message(7 + o, (i) => primitivesItems(i, items));
    x.string(8 + o, p.collectionFormat)
      .any(9 + o, p.default)
      .double(10 + o, p.maximum)
      .bool(11 + o, p.exclusiveMaximum)
      .double(12 + o, p.minimum)
      .bool(13 + o, p.exclusiveMinimum)
      .int64(14 + o, p.maxLength)
      .int64(15 + o, p.minLength)
      .string(16 + o, p.pattern)
      .int64(17 + o, p.maxItems)
      .int64(18 + o, p.minItems)
      .bool(19 + o, p.uniqueItems);
    if (Array.isArray(p.enum)) for (const e of p.enum) x.any(20 + o, e);
    x.double(21 + o, p.multipleOf).extensions(22 + o, p);
  });
}

/** PrimitivesItems (array parameters' items). */
function primitivesItems(f: Fields, i: Schema): void {
  f.string(1, i.type).string(2, i.format);
  const items = i.items;
  if (isObject(items)) f.message(3, (x) => primitivesItems(x, items));
  f.string(4, i.collectionFormat).any(5, i.default);
}

/** ParametersItem {parameter = 1 | json_reference = 2}; Parameter {body_parameter = 1 | non_body_parameter = 2}. */
function parametersItem(f: Fields, p: Schema): void {
  if (typeof p.$ref === 'string') {
    f.message(2, (r) => r.string(1, p.$ref).string(2, p.description));
    return;
  }
  f.message(1, (param) => {
    if (p.in === 'body') {
      const body = p.schema;
      param.message(1, (b) => {
        b.string(1, p.description).string(2, p.name).string(3, p.in).bool(4, p.required);
        if (isObject(body)) b.message(5, (x) => schema(x, body));
        b.extensions(6, p);
      });
    } else {
      param.message(2, (n) => nonBodyParameter(n, p));
    }
  });
}

function operation(f: Fields, op: Schema): void {
  f.strings(1, op.tags).string(2, op.summary).string(3, op.description).string(5, op.operationId).strings(6, op.produces).strings(7, op.consumes);
  if (Array.isArray(op.parameters)) for (const p of op.parameters.filter(isObject)) f.message(8, (x) => parametersItem(x, p));
  const responses = op.responses;
  if (isObject(responses)) {
    // Responses {response_code = 1: NamedResponseValue {name, value: ResponseValue {response = 1: Response}}}.
    f.message(9, (rs) => {
      for (const [code, r] of Object.entries(responses)) {
        if (!isObject(r)) continue;
        const body = r.schema;
        rs.message(1, (named) =>
          named.string(1, code).message(2, (value) =>
            value.message(1, (response) => {
              response.string(1, r.description);
              if (isObject(body)) response.message(2, (item) => item.message(1, (x) => schema(x, body)));
              response.extensions(5, r);
            }),
          ),
        );
      }
    });
  }
  f.strings(10, op.schemes).bool(11, op.deprecated).extensions(13, op);
}

const PATH_ITEM_FIELDS: Readonly<Record<string, number>> = { get: 2, put: 3, post: 4, delete: 5, options: 6, head: 7, patch: 8 };

function pathItem(f: Fields, item: Schema): void {
  f.string(1, item.$ref);
  for (const [verb, field] of Object.entries(PATH_ITEM_FIELDS)) {
    const op = item[verb];
    if (isObject(op)) f.message(field, (x) => operation(x, op));
  }
  if (Array.isArray(item.parameters)) for (const p of item.parameters.filter(isObject)) f.message(9, (x) => parametersItem(x, p));
  f.extensions(10, item);
}

/** SecurityDefinitionsItem: only the basic (1) and apiKey (2) kinds kube uses. */
function securityDefinitionsItem(f: Fields, d: Schema): void {
  if (d.type === 'basic') f.message(1, (b) => b.string(1, d.type).string(2, d.description));
  else f.message(2, (k) => k.string(1, d.type).string(2, d.name).string(3, d.in).string(4, d.description));
}

/** The gnostic openapi.v2.Document bytes of a Swagger document. */
export function encodeSwaggerProtobuf(doc: SwaggerDocument): Uint8Array {
  const f = new Fields(new ProtoWriter(1 << 20));
  f.string(1, doc.swagger).message(2, (i) => i.string(1, doc.info.title).string(2, doc.info.version));
  f.message(8, (paths) => {
    for (const [path, item] of Object.entries(doc.paths)) paths.message(2, (n) => n.string(1, path).message(2, (x) => pathItem(x, item)));
  });
  f.message(9, (defs) => {
    for (const [name, s] of Object.entries(doc.definitions)) defs.message(1, (n) => n.string(1, name).message(2, (x) => schema(x, s)));
  });
  for (const requirement of doc.security) {
    f.message(12, (r) => {
      for (const [name, scopes] of Object.entries(requirement)) r.message(1, (n) => n.string(1, name).message(2, (a) => a.strings(1, scopes)));
    });
  }
  f.message(13, (sd) => {
    for (const [name, d] of Object.entries(doc.securityDefinitions)) sd.message(1, (n) => n.string(1, name).message(2, (x) => securityDefinitionsItem(x, d)));
  });
  return f.w.finish();
}
