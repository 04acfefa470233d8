/**
 * Structural checks of request bodies against the schemas in schemas.ts.
 *
 * - validateAgainstSchema(kind, obj): JSON type errors, found by ajv (compiled once per kind, cached). Errors are
 *   FieldErrors in the wording kube-apiserver uses for CRD schema validation:
 *     `spec.containers[0].ports[0].containerPort: Invalid value: "string": spec.containers[0].ports[0].containerPort in body must be of type integer: "string"`
 *   Built-in kinds are decoded into Go structs in kube, so a real apiserver answers 400 instead; for that text
 *   use decodeFailureMessage(kind, version, decodeErrorMessage(kind, obj)!) (`Pod in version "v1" cannot be
 *   handled as a Pod: json: cannot unmarshal string into Go struct field
 *   ContainerPort.spec.containers.ports.containerPort of type int32`).
 *   Recommended: 400 BadRequest with that message for built-ins (what kubectl users see from kube).
 *   `null` is accepted anywhere (Go decodes it to the zero value). Required fields, enums and value rules are
 *   left to shared/api/validation, which words them like kube.
 * - findUnknownFields(kind, obj): paths of fields no schema declares (`spec.foo`,
 *   `spec.containers[0].imagePullPolcy`), for fieldValidation=Strict (400, see strictDecodingMessage) or Warn
 *   (one `unknown field "<path>"` warning each). Maps (labels, annotations, nodeSelector, resource lists) accept
 *   any key; metadata and status are checked like everything else.
 * - pruneUnknownFields(kind, obj): deletes those fields in place (Ignore/Warn: kube drops them when decoding).
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { fieldTypeInvalid, type FieldError } from '../../shared/errors/status-error.ts';
import { isValidQuantity, QUANTITY_FORMAT_ERROR } from '../../shared/api/quantity.ts';
import { KINDS_BY_GROUP_VERSION, REF_PREFIX, refName, resolveSchema, SCHEMAS, schemaNameFor, type Schema } from './schemas.ts';

const AJV_ID = 'kubelab:k8s';
const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
const TIME_TYPES = new Set(['io.k8s.apimachinery.pkg.apis.meta.v1.Time', 'io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime']);

/** Vendor extensions kube puts into its schemas; ajv treats them as annotations. */
export const KUBERNETES_EXTENSIONS = [
  'x-kubernetes-group-version-kind',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-patch-merge-key',
  'x-kubernetes-patch-strategy',
  'x-kubernetes-map-type',
  'x-kubernetes-unions',
  'x-kubernetes-int-or-string',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-embedded-resource',
  'x-kubernetes-validations',
];

/**
 * The copy ajv compiles: refs rewritten to `$defs`, `oneOf` of bare types turned into a type union (so a bad
 * int-or-string reports one type error), and keywords that are not type rules dropped.
 */
function toAjvSchema(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toAjvSchema);
  if (value === null || typeof value !== 'object') return value;
  const s = value as Schema;
  const out: Schema = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === 'format' || k === 'enum' || k === 'required' || k === 'default') continue;
    if (k === '$ref' && typeof v === 'string' && v.startsWith(REF_PREFIX)) {
      out.$ref = `${AJV_ID}#/$defs/${v.slice(REF_PREFIX.length)}`;
      continue;
    }
    if (k === 'oneOf' && Array.isArray(v) && v.every((x) => x && typeof x === 'object' && Object.keys(x).length === 1 && 'type' in x)) {
      out.type = v.map((x) => (x as Schema).type);
      continue;
    }
    if (k === 'properties' && v && typeof v === 'object') {
      out.properties = Object.fromEntries(Object.entries(v).map(([name, p]) => [name, toAjvSchema(p)]));
      continue;
    }
    out[k] = toAjvSchema(v);
  }
  return out;
}

let ajvInstance: Ajv | undefined;
const validators = new Map<string, ValidateFunction>();

function getAjv(): Ajv {
  if (ajvInstance) return ajvInstance;
  const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true, validateFormats: false });
  ajv.addVocabulary(KUBERNETES_EXTENSIONS);
  ajv.addSchema({ $id: AJV_ID, $defs: Object.fromEntries(Object.entries(SCHEMAS).map(([n, s]) => [n, toAjvSchema(s)])) });
  ajvInstance = ajv;
  return ajv;
}

function validatorFor(name: string): ValidateFunction {
  let v = validators.get(name);
  if (!v) {
    const found = getAjv().getSchema(`${AJV_ID}#/$defs/${name}`);
    if (!found) throw new Error(`no schema ${name}`);
    v = found;
    validators.set(name, v);
  }
  return v;
}

/**
 * Compile the validators of the given kinds now (the first compile of Pod takes a few hundred ms); by default
 * every served kind. Call at server start to keep that off the first request.
 */
export function precompileSchemaValidators(kinds: string[] = [...new Set(Object.values(KINDS_BY_GROUP_VERSION).flatMap((k) => Object.values(k)))]): void {
  for (const k of kinds) validatorFor(requireSchemaName(k));
}

function requireSchemaName(kind: string, apiVersion?: string): string {
  const name = schemaNameFor(kind, apiVersion);
  if (!name) throw new Error(`no schema for kind ${JSON.stringify(kind)}`);
  return name;
}

// ---- walking values alongside schemas ----

function isMap(s: Schema | undefined): boolean {
  return !!s && !s.properties && typeof s.additionalProperties === 'object' && s.additionalProperties !== null;
}

/** The schema of one child (property, map value or array item) of a resolved schema. */
function childSchema(parent: Schema | undefined, seg: string): Schema | undefined {
  if (!parent) return undefined;
  const props = parent.properties as Record<string, Schema> | undefined;
  if (props && seg in props) return props[seg];
  if (isMap(parent)) return parent.additionalProperties as Schema;
  if (parent.items && typeof parent.items === 'object') return parent.items as Schema;
  return undefined;
}

interface PathStep {
  /** kube-style path so far: `spec.containers[0].ports[0]`. */
  path: string;
  /** The raw (possibly wrapped) schema of this position. */
  raw: Schema | undefined;
}

/** Follow a JSON pointer through data + schema, producing kube's field path. */
function walkPointer(rootName: string, data: unknown, pointer: string): PathStep & { segments: { key: string; parent: Schema | undefined; isIndex: boolean }[] } {
  const segs = pointer === '' ? [] : pointer.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  let raw: Schema | undefined = { $ref: `${REF_PREFIX}${rootName}` };
  let value: unknown = data;
  let path = '';
  const segments: { key: string; parent: Schema | undefined; isIndex: boolean }[] = [];
  for (const seg of segs) {
    const parent = resolveSchema(raw);
    const isIndex = Array.isArray(value);
    if (isIndex) path += `[${seg}]`;
    else if (isMap(parent)) path += `[${seg}]`;
    else path += path === '' ? seg : `.${seg}`;
    segments.push({ key: seg, parent, isIndex });
    raw = childSchema(parent, seg);
    value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[seg] : undefined;
  }
  return { path, raw, segments };
}

function jsonTypeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

/**
 * JSON type errors of `obj` against the schema of `kind` ("Pod", "Lease", or a definition name such as
 * "io.k8s.api.core.v1.PodSpec"). Empty when the shape is right.
 */
export function validateAgainstSchema(kind: string, obj: unknown, apiVersion?: string): FieldError[] {
  const name = requireSchemaName(kind, apiVersion);
  const validate = validatorFor(name);
  if (validate(obj)) return [];
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  for (const e of (validate.errors ?? []) as ErrorObject[]) {
    if (e.keyword !== 'type' || e.data === null) continue;
    const { path } = walkPointer(name, obj, e.instancePath);
    if (seen.has(path)) continue;
    seen.add(path);
    const expected = Array.isArray(e.params.type) ? (e.params.type as string[]).join(',') : String(e.params.type);
    const actual = jsonTypeName(e.data);
    const label = path === '' ? 'body' : path;
    errs.push(fieldTypeInvalid(path, actual, `${label} in body must be of type ${expected}: "${actual}"`));
  }
  return errs;
}

// ---- unknown fields ----

function walkUnknown(raw: Schema | undefined, value: unknown, path: string, out: string[]): void {
  const s = resolveSchema(raw);
  if (!s || value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    const items = s.items as Schema | undefined;
    if (items) value.forEach((v, i) => walkUnknown(items, v, `${path}[${i}]`, out));
    return;
  }
  const props = s.properties as Record<string, Schema> | undefined;
  if (props) {
    for (const [k, v] of Object.entries(value)) {
      const p = path === '' ? k : `${path}.${k}`;
      if (!(k in props)) out.push(p);
      else walkUnknown(props[k], v, p, out);
    }
    return;
  }
  if (isMap(s)) {
    for (const [k, v] of Object.entries(value)) walkUnknown(s.additionalProperties as Schema, v, `${path}[${k}]`, out);
  }
  // An object schema without properties (FieldsV1, RawExtension, Patch) accepts anything.
}

/** Paths of fields the schema of `kind` does not declare, in document order. */
export function findUnknownFields(kind: string, obj: unknown, apiVersion?: string): string[] {
  const out: string[] = [];
  walkUnknown({ $ref: `${REF_PREFIX}${requireSchemaName(kind, apiVersion)}` }, obj, '', out);
  return out;
}

function pruneUnknown(raw: Schema | undefined, value: unknown): void {
  const s = resolveSchema(raw);
  if (!s || value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    const items = s.items as Schema | undefined;
    if (items) for (const v of value) pruneUnknown(items, v);
    return;
  }
  const obj = value as Record<string, unknown>;
  const props = s.properties as Record<string, Schema> | undefined;
  if (props) {
    for (const k of Object.keys(obj)) {
      if (!(k in props)) delete obj[k];
      else pruneUnknown(props[k], obj[k]);
    }
    return;
  }
  if (isMap(s)) for (const v of Object.values(obj)) pruneUnknown(s.additionalProperties as Schema, v);
}

/**
 * Deletes, in place, every field findUnknownFields reports: what decoding into kube's typed structs does to a
 * built-in kind under fieldValidation=Ignore/Warn, so unknown fields are never stored.
 */
export function pruneUnknownFields(kind: string, obj: unknown, apiVersion?: string): void {
  pruneUnknown({ $ref: `${REF_PREFIX}${requireSchemaName(kind, apiVersion)}` }, obj);
}

/** The detail kube reports for fieldValidation=Strict: `strict decoding error: unknown field "spec.foo", ...`. */
export function strictDecodingMessage(unknownFields: string[]): string {
  return `strict decoding error: ${unknownFields.map((f) => `unknown field "${f}"`).join(', ')}`;
}

/** kube's 400 wrapper for body decoding failures: `Pod in version "v1" cannot be handled as a Pod: <detail>`. */
export function decodeFailureMessage(kind: string, version: string, detail: string): string {
  return `${kind} in version "${version}" cannot be handled as a ${kind}: ${detail}`;
}

// ---- Go decode errors for built-in kinds ----

function goTypeOf(raw: Schema | undefined): string {
  const named = refName(raw);
  if (named) {
    if (named === QUANTITY) return 'resource.Quantity';
    if (named === INT_OR_STRING) return 'intstr.IntOrString';
    if (TIME_TYPES.has(named)) return 'v1.Time';
    return `v1.${named.slice(named.lastIndexOf('.') + 1)}`;
  }
  const s = raw ?? {};
  switch (s.type) {
    case 'string':
      // []byte fields (format: byte) are base64 strings in JSON; Go names the type []uint8.
      return s.format === 'byte' ? '[]uint8' : 'string';
    case 'boolean':
      return 'bool';
    case 'number':
      return 'float64';
    case 'integer':
      return s.format === 'int32' ? 'int32' : s.format === 'int64' ? 'int64' : 'int';
    case 'array':
      return `[]${goTypeOf(s.items as Schema)}`;
    case 'object': {
      const ap = s.additionalProperties as Schema | undefined;
      if (ap && refName(ap) === QUANTITY) return 'v1.ResourceList';
      if (ap) return `map[string]${goTypeOf(ap)}`;
      return 'map[string]interface {}';
    }
    default:
      return 'interface {}';
  }
}

function goJsonKind(v: unknown, expected: Schema | undefined): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return expected?.type === 'integer' && !Number.isInteger(v) ? `number ${v}` : 'number';
  return typeof v === 'object' ? 'object' : 'string';
}

/** Whether a value of this schema can hold a Quantity anywhere below it (memoized; cycles count as no). */
const quantityBelow = new Map<Schema, boolean>();
function mayHoldQuantity(raw: Schema | undefined): boolean {
  if (refName(raw) === QUANTITY) return true;
  const s = resolveSchema(raw);
  if (!s) return false;
  const known = quantityBelow.get(s);
  if (known !== undefined) return known;
  quantityBelow.set(s, false);
  let found = false;
  const props = s.properties as Record<string, Schema> | undefined;
  if (props) for (const k in props) if (mayHoldQuantity(props[k])) found = true;
  if (!found && s.additionalProperties && typeof s.additionalProperties === 'object') found = mayHoldQuantity(s.additionalProperties as Schema);
  if (!found && s.items && typeof s.items === 'object') found = mayHoldQuantity(s.items as Schema);
  quantityBelow.set(s, found);
  return found;
}

/** True when a Quantity-typed value somewhere in `value` does not parse. Skips subtrees that hold no Quantity. */
function hasBadQuantity(raw: Schema | undefined, value: unknown): boolean {
  if (value === null || value === undefined) return false;
  if (refName(raw) === QUANTITY) return !isValidQuantity(value);
  if (typeof value !== 'object' || !mayHoldQuantity(raw)) return false;
  const s = resolveSchema(raw);
  if (!s) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (hasBadQuantity(s.items as Schema, value[i])) return true;
    return false;
  }
  const obj = value as Record<string, unknown>;
  for (const k in obj) if (hasBadQuantity(childSchema(s, k), obj[k])) return true;
  return false;
}

/**
 * Why kube-apiserver could not decode a built-in kind's body: the first JSON type mismatch or unparseable
 * quantity, in Go's encoding/json wording (`json: cannot unmarshal string into Go struct field
 * ContainerPort.spec.containers.ports.containerPort of type int32`). Undefined when the body decodes.
 * The 400 message is decodeFailureMessage(kind, version, detail).
 */
export function decodeErrorMessage(kind: string, obj: unknown, apiVersion?: string): string | undefined {
  const name = requireSchemaName(kind, apiVersion);
  const shortKind = name.slice(name.lastIndexOf('.') + 1);
  const validate = validatorFor(name);
  if (!validate(obj)) {
    const first = ((validate.errors ?? []) as ErrorObject[]).find((e) => e.keyword === 'type' && e.data !== null);
    if (first) {
      const { raw, segments } = walkPointer(name, obj, first.instancePath);
      const named = refName(raw);
      let detail: string;
      if (named === QUANTITY) detail = QUANTITY_FORMAT_ERROR;
      else if (named === INT_OR_STRING) detail = `json: cannot unmarshal ${goJsonKind(first.data, { type: 'integer' })} into Go value of type int32`;
      else if (named && TIME_TYPES.has(named)) detail = `json: cannot unmarshal ${goJsonKind(first.data, undefined)} into Go value of type string`;
      else {
        // Go names the innermost struct field: the struct type, then the JSON path without indices or map keys.
        let struct = shortKind;
        const names: string[] = [];
        for (const seg of segments) {
          if (seg.isIndex) continue;
          if (isMap(seg.parent)) continue;
          const parentName = seg.parent ? Object.entries(SCHEMAS).find(([, v]) => v === seg.parent)?.[0] : undefined;
          if (parentName) struct = parentName.slice(parentName.lastIndexOf('.') + 1);
          names.push(seg.key);
        }
        const where = names.length ? `Go struct field ${struct}.${names.join('.')}` : `Go value`;
        detail = `json: cannot unmarshal ${goJsonKind(first.data, raw)} into ${where} of type ${goTypeOf(raw)}`;
      }
      return detail;
    }
  }
  if (hasBadQuantity({ $ref: `${REF_PREFIX}${name}` }, obj)) return QUANTITY_FORMAT_ERROR;
  return undefined;
}
