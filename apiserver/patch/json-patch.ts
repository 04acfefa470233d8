/**
 * RFC 6902 JSON Patch (`application/json-patch+json`), with the semantics of the library kube-apiserver
 * uses for it (gopkg.in/evanphx/json-patch.v4, called from
 * k8s.io/apiserver/pkg/endpoints/handlers/patch.go `applyJSPatch`):
 *
 * - ops: add, remove, replace, move, copy, test; JSON pointers with `~0`/`~1` escapes; `-` appends.
 * - evanphx extensions kept for fidelity: negative array indices count from the end; `replace` of a
 *   missing object key behaves like `add` (partialDoc.get never fails); `test` of a missing key passes when
 *   the expected value is null; `copy` from a missing object key copies null. The root pointer "" is not
 *   addressable (findObject needs at least one `/`).
 * - errors as kube reports them: a body that is not an array of objects is 400 BadRequest with Go's
 *   unmarshal text; any failing operation is 422 Invalid built by errors.NewGenericServerResponse, i.e.
 *   message "the server rejected our request due to an error in our request" and empty details (kubectl
 *   prints `The request is invalid: the server rejected our request due to an error in our request`). The
 *   evanphx text (e.g. `testing value /metadata/labels/a failed: test failed`) is not on the wire; it is
 *   kept on the thrown error as `detail` for logs and tests.
 * - more than 10000 operations: 413 (maxJSONPatchOperations).
 *
 * The input document is never mutated.
 */
import { StatusError, newBadRequest, newRequestEntityTooLarge, newStatus } from '../../shared/errors/status-error.ts';
import { clone, deepEqual, goJsonTypeName, isObject, type JsonObject } from './json-value.ts';

export interface JsonPatchOperation {
  op: string;
  path: string;
  from?: string;
  value?: unknown;
}

/** fieldValidation of the request: with Warn (the server default) or Strict kube decodes the body strictly first. */
export type FieldValidation = 'Ignore' | 'Warn' | 'Strict';

export interface JsonPatchOptions {
  /** Changes only the 400 text for a non-array body (see decodeJsonPatch). Default 'Warn', like kube. */
  fieldValidation?: FieldValidation;
}

/** kube-apiserver's maxJSONPatchOperations. */
export const MAX_JSON_PATCH_OPERATIONS = 10000;

/** The message kube puts on every failed JSON patch operation (errors.NewGenericServerResponse for 422). */
export const JSON_PATCH_FAILED_MESSAGE = 'the server rejected our request due to an error in our request';

/** A failed operation: a 422 Status exactly as kube sends it, plus the library's own text in `detail`. */
export class JsonPatchError extends StatusError {
  /** evanphx/json-patch wording, e.g. `doc is missing path: "/spec/foo": missing value`. Not sent on the wire. */
  readonly detail: string;
  constructor(detail: string) {
    super(newStatus(422, 'Invalid', JSON_PATCH_FAILED_MESSAGE, {}));
    this.name = 'JsonPatchError';
    this.detail = detail;
  }
}

/**
 * Validates a decoded request body as a JSON patch: it must be an array of objects (400 otherwise),
 * and have at most MAX_JSON_PATCH_OPERATIONS entries (413). `null` decodes to an empty patch, as in Go.
 */
export function decodeJsonPatch(body: unknown, options: JsonPatchOptions = {}): JsonPatchOperation[] {
  const strict = (options.fieldValidation ?? 'Warn') !== 'Ignore';
  // Strict/Warn: kjson.UnmarshalStrict(body, &[]jsonPatchOp) → "error decoding patch: <err>".
  // Ignore: jsonpatch.DecodePatch → json.Unmarshal into jsonpatch.Patch ([]Operation).
  const listType = strict ? '[]handlers.jsonPatchOp' : 'jsonpatch.Patch';
  const itemType = strict ? 'handlers.jsonPatchOp' : 'jsonpatch.Operation';
  const fail = (got: unknown, type: string): StatusError => {
    const msg = `json: cannot unmarshal ${goJsonTypeName(got)} into Go value of type ${type}`;
    return newBadRequest(strict ? `error decoding patch: ${msg}` : msg);
  };
  if (body === null || body === undefined) return [];
  if (!Array.isArray(body)) throw fail(body, listType);
  for (const item of body) {
    if (item !== null && !isObject(item)) throw fail(item, itemType);
    if (strict && isObject(item)) {
      // jsonPatchOp has string fields op/path/from: a non-string there fails strict decoding.
      for (const f of ['op', 'path', 'from'] as const) {
        const v = item[f];
        if (v !== undefined && v !== null && typeof v !== 'string') {
          throw newBadRequest(`error decoding patch: json: cannot unmarshal ${goJsonTypeName(v)} into Go struct field jsonPatchOp.${f} of type string`);
        }
      }
    }
  }
  if (body.length > MAX_JSON_PATCH_OPERATIONS) {
    throw newRequestEntityTooLarge(`The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${body.length}`);
  }
  return body.map((item) => (item === null ? ({} as JsonPatchOperation) : (item as unknown as JsonPatchOperation)));
}

/**
 * Applies a JSON patch to a copy of `doc` and returns the copy. `ops` is the decoded request body
 * (validated with decodeJsonPatch). Throws StatusError (400/413) or JsonPatchError (422).
 */
export function applyJsonPatch<T>(doc: T, ops: unknown, options: JsonPatchOptions = {}): T {
  const patch = decodeJsonPatch(ops, options);
  // The document is wrapped so that every pointer addresses a member of some container.
  const root: JsonObject = { doc: clone(doc) };
  for (const raw of patch) {
    const op = raw as unknown as JsonObject;
    const kind = typeof op.op === 'string' ? op.op : 'unknown';
    switch (kind) {
      case 'add':
        opAdd(root, op);
        break;
      case 'remove':
        opRemove(root, op);
        break;
      case 'replace':
        opReplace(root, op);
        break;
      case 'move':
        opMove(root, op);
        break;
      case 'copy':
        opCopy(root, op);
        break;
      case 'test':
        opTest(root, op);
        break;
      default:
        throw new JsonPatchError(`Unexpected kind: ${kind}`);
    }
  }
  return root.doc as T;
}

// ---- pointer handling ----

type Container = JsonObject | unknown[];

/** The parent container of a pointer and the (unescaped) last token; undefined when a parent is missing. */
interface Target {
  parent: Container;
  key: string;
}

function decodeToken(token: string): string {
  // RFC 6901 §4: first ~1 → '/', then ~0 → '~'.
  return token.replace(/~1/g, '/').replace(/~0/g, '~');
}

function readPath(op: JsonObject, field: 'path' | 'from', kind: string): string {
  const v = op[field];
  if (typeof v !== 'string') {
    const what = field === 'path' ? 'path' : 'from';
    throw new JsonPatchError(`${kind} operation failed to decode ${what}: operation missing ${what} field: missing value`);
  }
  return v;
}

/** Go strconv.Atoi: optional sign, decimal digits. */
function parseIndex(token: string): number | undefined {
  if (!/^[+-]?\d+$/.test(token)) return undefined;
  const n = Number(token);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** evanphx partialArray index resolution for get/set/remove: negative counts from the end. */
function resolveIndex(arr: unknown[], token: string): number | string {
  const idx = parseIndex(token);
  if (idx === undefined) return `strconv.Atoi: parsing ${JSON.stringify(token)}: invalid syntax`;
  let i = idx;
  if (i < 0) {
    if (i < -arr.length) return `Unable to access invalid index: ${idx}: invalid index referenced`;
    i += arr.length;
  }
  if (i >= arr.length) return `Unable to access invalid index: ${idx}: invalid index referenced`;
  return i;
}

/** evanphx findObject: walks every token but the last; the root pointer has no parent. */
function findTarget(root: JsonObject, path: string): Target | undefined {
  if (path === '') return undefined;
  const tokens = path.split('/');
  // findObject ignores what precedes the first '/'; a pointer must start with '/' anyway.
  const parts = tokens.slice(1, -1).map(decodeToken);
  const key = decodeToken(tokens[tokens.length - 1] ?? '');
  let cur: unknown = root.doc;
  for (const part of parts) {
    if (Array.isArray(cur)) {
      const i = resolveIndex(cur, part);
      if (typeof i === 'string') return undefined;
      cur = cur[i];
    } else if (isObject(cur)) {
      cur = Object.prototype.hasOwnProperty.call(cur, part) ? cur[part] : undefined;
    } else {
      return undefined;
    }
    if (cur === undefined || cur === null) return undefined;
  }
  if (!Array.isArray(cur) && !isObject(cur)) return undefined;
  return { parent: cur, key };
}

/** Reads the member at key; objects: undefined when missing (no error, like partialDoc.get). */
function getMember(t: Target): { value: unknown } | string {
  if (Array.isArray(t.parent)) {
    const i = resolveIndex(t.parent, t.key);
    if (typeof i === 'string') return i;
    return { value: t.parent[i] };
  }
  return { value: Object.prototype.hasOwnProperty.call(t.parent, t.key) ? t.parent[t.key] : undefined };
}

function addMember(t: Target, value: unknown): string | undefined {
  if (!Array.isArray(t.parent)) {
    t.parent[t.key] = value;
    return undefined;
  }
  const arr = t.parent;
  if (t.key === '-') {
    arr.push(value);
    return undefined;
  }
  const idx = parseIndex(t.key);
  if (idx === undefined) return `value was not a proper array index: '${t.key}': strconv.Atoi: parsing ${JSON.stringify(t.key)}: invalid syntax`;
  // partialArray.add sizes against len+1: index len appends, -1 also appends.
  const size = arr.length + 1;
  let i = idx;
  if (i >= size || i < -size) return `Unable to access invalid index: ${idx}: invalid index referenced`;
  if (i < 0) i += size;
  arr.splice(i, 0, value);
  return undefined;
}

function removeMember(t: Target): string | undefined {
  if (!Array.isArray(t.parent)) {
    if (!Object.prototype.hasOwnProperty.call(t.parent, t.key)) return `Unable to remove nonexistent key: ${t.key}: missing value`;
    delete t.parent[t.key];
    return undefined;
  }
  const i = resolveIndex(t.parent, t.key);
  if (typeof i === 'string') return i;
  t.parent.splice(i, 1);
  return undefined;
}

function valueOf(op: JsonObject): unknown {
  // A missing "value" is a nil node: it is written as JSON null.
  return op.value === undefined ? null : clone(op.value);
}

// ---- operations (messages follow evanphx/json-patch v4) ----

function opAdd(root: JsonObject, op: JsonObject): void {
  const path = readPath(op, 'path', 'add');
  const t = findTarget(root, path);
  if (!t) throw new JsonPatchError(`add operation does not apply: doc is missing path: "${path}": missing value`);
  const err = addMember(t, valueOf(op));
  if (err) throw new JsonPatchError(`error in add for path: '${path}': ${err}`);
}

function opRemove(root: JsonObject, op: JsonObject): void {
  const path = readPath(op, 'path', 'remove');
  const t = findTarget(root, path);
  if (!t) throw new JsonPatchError(`remove operation does not apply: doc is missing path: "${path}": missing value`);
  const err = removeMember(t);
  if (err) throw new JsonPatchError(`error in remove for path: '${path}': ${err}`);
}

function opReplace(root: JsonObject, op: JsonObject): void {
  const path = readPath(op, 'path', 'replace');
  const t = findTarget(root, path);
  if (!t) throw new JsonPatchError(`replace operation does not apply: doc is missing path: ${path}: missing value`);
  const got = getMember(t);
  if (typeof got === 'string') throw new JsonPatchError(`replace operation does not apply: doc is missing key: ${path}: missing value`);
  if (Array.isArray(t.parent)) {
    const i = resolveIndex(t.parent, t.key) as number;
    t.parent[i] = valueOf(op);
  } else {
    t.parent[t.key] = valueOf(op);
  }
}

function opMove(root: JsonObject, op: JsonObject): void {
  const from = readPath(op, 'from', 'move');
  const src = findTarget(root, from);
  if (!src) throw new JsonPatchError(`move operation does not apply: doc is missing from path: ${from}: missing value`);
  const got = getMember(src);
  if (typeof got === 'string') throw new JsonPatchError(`error in move for path: '${src.key}': ${got}`);
  const rmErr = removeMember(src);
  if (rmErr) throw new JsonPatchError(`error in move for path: '${src.key}': ${rmErr}`);
  const path = readPath(op, 'path', 'move');
  const dst = findTarget(root, path);
  if (!dst) throw new JsonPatchError(`move operation does not apply: doc is missing destination path: ${path}: missing value`);
  const err = addMember(dst, got.value === undefined ? null : got.value);
  if (err) throw new JsonPatchError(`error in move for path: '${path}': ${err}`);
}

function opCopy(root: JsonObject, op: JsonObject): void {
  const from = readPath(op, 'from', 'copy');
  const src = findTarget(root, from);
  if (!src) throw new JsonPatchError(`copy operation does not apply: doc is missing from path: ${from}: missing value`);
  const got = getMember(src);
  if (typeof got === 'string') throw new JsonPatchError(`error in copy for from: '${from}': ${got}`);
  const path = readPath(op, 'path', 'copy');
  const dst = findTarget(root, path);
  if (!dst) throw new JsonPatchError(`copy operation does not apply: doc is missing destination path: ${path}: missing value`);
  const err = addMember(dst, got.value === undefined ? null : clone(got.value));
  if (err) throw new JsonPatchError(`error while adding value during copy: ${err}`);
}

function opTest(root: JsonObject, op: JsonObject): void {
  const path = readPath(op, 'path', 'test');
  const t = findTarget(root, path);
  if (!t) throw new JsonPatchError(`test operation does not apply: is missing path: ${path}: missing value`);
  const got = getMember(t);
  if (typeof got === 'string') throw new JsonPatchError(`error in test for path: '${path}': ${got}`);
  const expected = op.value === undefined ? null : op.value;
  const actual = got.value === undefined ? null : got.value;
  if (!deepEqual(actual, expected)) throw new JsonPatchError(`testing value ${path} failed: test failed`);
}
