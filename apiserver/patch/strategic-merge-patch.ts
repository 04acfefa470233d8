/**
 * Strategic merge patch (`application/strategic-merge-patch+json`), the server side of
 * k8s.io/apimachinery/pkg/util/strategicpatch (StrategicMergeMapPatch → mergeMap with
 * MergeParallelList and IgnoreUnmatchedNulls), driven by the tag tables in patch-meta.ts.
 *
 * Semantics:
 * - maps merge recursively; `null` deletes; a field with patchStrategy "replace" is replaced whole;
 * - lists with patchStrategy "merge": lists of objects merge by patchMergeKey, lists of scalars merge as
 *   sets; all other lists are replaced;
 * - result order of merged lists follows kube's normalizeElementOrder (patch order, then live order);
 * - directives: `$patch: replace|delete` in a map, `$patch: delete|replace` in list items,
 *   `$setElementOrder/<list>`, `$retainKeys`, `$deleteFromPrimitiveList/<list>`.
 *
 * Deliberate differences from kube, all for malformed patches only:
 * - kube answers several client mistakes with a 500 (plain Go errors reach the handler): unknown `$patch`
 *   values (`unknown patch type: x in map: map[...]`), `$patch: merge`, a missing merge key, a
 *   `$setElementOrder` list that disagrees with the patch list. Here they are 400 BadRequest with the same
 *   text. Keys starting with `$` that are not directives are 400 too (kube would store them and then drop
 *   or reject them while decoding).
 * - values taken from the patch as is (the field was absent) are cleaned the way decoding into the Go
 *   type would: nested nulls dropped, directives inside them applied.
 * - `$deleteFromPrimitiveList/x` for an absent list is a no-op (kube stores the deletion list as `x`).
 *
 * Inputs are never mutated.
 */
import { StatusError, newBadRequest, newStatus } from '../../shared/errors/status-error.ts';
import { JSON_PATCH_FAILED_MESSAGE } from './json-patch.ts';
import { clone, goFormat, goJsonTypeName, isObject, type JsonObject } from './json-value.ts';
import { fieldSchema, itemSchema, patchStrategyOf, type TypeSchema } from './patch-meta.ts';

const DIRECTIVE = '$patch';
const RETAIN_KEYS = '$retainKeys';
const DELETE_FROM_PRIMITIVE_LIST = '$deleteFromPrimitiveList';
const SET_ELEMENT_ORDER = '$setElementOrder';

// mergepatch error texts (k8s.io/apimachinery/pkg/util/mergepatch/errors.go).
const ERR_BAD_PATCH_FORMAT_FOR_PRIMITIVE_LIST = 'invalid patch format of primitive list';
const ERR_BAD_PATCH_FORMAT_FOR_RETAIN_KEYS = 'invalid patch format of retainKeys';
const ERR_BAD_PATCH_FORMAT_FOR_SET_ELEMENT_ORDER_LIST = 'invalid patch format of setElementOrder list';

const badRequest = (message: string): StatusError => newBadRequest(message);
/** ErrNoListOfLists: 422 through errors.NewGenericServerResponse (interpretStrategicMergePatchError). */
const noListOfLists = (): StatusError => new StatusError(newStatus(422, 'Invalid', JSON_PATCH_FAILED_MESSAGE, {}));
const errNoMergeKey = (m: unknown, key: string): StatusError => badRequest(`map: ${goFormat(m)} does not contain declared merge key: ${key}`);
const errBadPatchType = (t: unknown, m: unknown): StatusError => badRequest(`unknown patch type: ${goFormat(t)} in map: ${goFormat(m)}`);
const goType = (v: unknown): string => (Array.isArray(v) ? '[]interface {}' : isObject(v) ? 'map[string]interface {}' : v === null ? '<nil>' : typeof v === 'number' ? 'int64' : typeof v);
const errBadArgType = (expected: string, actual: unknown): StatusError => badRequest(`expected a ${expected}, but received a ${goType(actual)}`);

/**
 * Applies a strategic merge patch to a copy of `doc`. `schema` is the kind's root schema from patch-meta
 * (schemaFor(apiVersion, kind)); without it every list is replaced and every map merged.
 * Throws StatusError: 400 for a malformed patch, 422 for lists of lists.
 */
export function applyStrategicMergePatch<T>(doc: T, patch: unknown, schema?: TypeSchema): T {
  // kjson.Unmarshal(patch, &map[string]interface{}): null leaves the map empty, other non-objects fail.
  if (patch === null || patch === undefined) return clone(doc);
  if (!isObject(patch)) {
    throw badRequest(`json: cannot unmarshal ${goJsonTypeName(patch)} into Go value of type map[string]interface {}`);
  }
  const original = isObject(doc) ? clone(doc) : {};
  return mergeMap(original, clone(patch), schema) as T;
}

/** kube mergeMap; `original` and `patch` are private copies and are mutated. */
function mergeMap(original: JsonObject, patch: JsonObject, schema: TypeSchema | undefined): JsonObject {
  if (Object.prototype.hasOwnProperty.call(patch, DIRECTIVE)) {
    const directive = patch[DIRECTIVE];
    if (directive === 'replace') {
      // Use the patch itself; what it contains is cleaned like any new value.
      delete patch[DIRECTIVE];
      return mergeMap({}, patch, schema);
    }
    if (directive === 'delete') return {};
    throw errBadPatchType(directive, patch);
  }

  applyRetainKeys(original, patch);
  mergeSetElementOrder(original, patch, schema);

  for (const rawKey of Object.keys(patch)) {
    const patchV = patch[rawKey];
    let key = rawKey;
    let isDeleteList = false;
    if (rawKey.startsWith('$')) {
      if (rawKey.startsWith(DELETE_FROM_PRIMITIVE_LIST)) {
        key = extractKey(rawKey, DELETE_FROM_PRIMITIVE_LIST, ERR_BAD_PATCH_FORMAT_FOR_PRIMITIVE_LIST);
        isDeleteList = true;
        if (!Array.isArray(patchV)) throw badRequest(ERR_BAD_PATCH_FORMAT_FOR_PRIMITIVE_LIST);
      } else {
        throw badRequest(`unknown patch directive ${JSON.stringify(rawKey)} in map: ${goFormat(patch)}`);
      }
    }

    if (patchV === null) {
      delete original[key];
      continue;
    }
    const fs = fieldSchema(schema, key);
    if (!Object.prototype.hasOwnProperty.call(original, key) || original[key] === undefined) {
      if (!isDeleteList) original[key] = cleanValue(patchV, fs);
      continue;
    }
    const origV = original[key];
    if (kindOf(origV) !== kindOf(patchV)) {
      original[key] = isDeleteList ? origV : cleanValue(patchV, fs);
      continue;
    }
    const { strategy } = patchStrategyOf(fs);
    if (isObject(origV)) {
      original[key] = strategy === 'replace' ? cleanValue(patchV, fs) : mergeMap(origV, patchV as JsonObject, fs);
    } else if (Array.isArray(origV)) {
      if (strategy === 'merge') {
        original[key] = mergeSlice(origV, patchV as unknown[], fs, isDeleteList);
      } else if (isDeleteList) {
        original[key] = deleteFromSlice(origV, patchV as unknown[]);
      } else {
        original[key] = cleanValue(patchV, fs);
      }
    } else {
      original[key] = patchV;
    }
  }
  return original;
}

/** Go reflect kind used by mergeMap's "types differ → take the patch" rule. */
function kindOf(v: unknown): string {
  if (v === null) return 'nil';
  if (Array.isArray(v)) return 'slice';
  if (isObject(v)) return 'map';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int64' : 'float64';
  return typeof v;
}

/** A value copied from the patch into the result: nested nulls dropped and directives applied. */
function cleanValue(value: unknown, schema: TypeSchema): unknown {
  if (isObject(value)) return mergeMap({}, value, schema);
  if (Array.isArray(value)) {
    const { strategy } = patchStrategyOf(schema);
    if (strategy === 'merge') return mergeSlice([], value, schema, false);
    return value.map((item) => pruneNulls(item));
  }
  return value;
}

function pruneNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(pruneNulls);
  if (isObject(value)) {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value)) if (v !== null) out[k] = pruneNulls(v);
    return out;
  }
  return value;
}

function extractKey(s: string, prefix: string, error: string): string {
  const slash = s.indexOf('/');
  if (slash < 0 || s.slice(0, slash) !== prefix) throw badRequest(error);
  return s.slice(slash + 1);
}

/** applyRetainKeysDirective (MergeParallelList): clear the original keys not listed in `$retainKeys`. */
function applyRetainKeys(original: JsonObject, patch: JsonObject): void {
  if (!Object.prototype.hasOwnProperty.call(patch, RETAIN_KEYS)) return;
  const list = patch[RETAIN_KEYS];
  delete patch[RETAIN_KEYS];
  if (!Array.isArray(list)) throw badRequest(ERR_BAD_PATCH_FORMAT_FOR_RETAIN_KEYS);
  const keep = new Set<unknown>(list);
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || k.startsWith(DELETE_FROM_PRIMITIVE_LIST) || k.startsWith(SET_ELEMENT_ORDER)) continue;
    // Every field present in the patch must be retained.
    if (!keep.has(k)) throw badRequest(ERR_BAD_PATCH_FORMAT_FOR_RETAIN_KEYS);
  }
  for (const k of Object.keys(original)) if (!keep.has(k)) delete original[k];
}

// ---- lists ----

type ElementKind = 'map' | 'scalar' | 'none';

/** sliceElementType: all elements must have one type; lists of lists are refused. */
function elementKind(...lists: unknown[][]): ElementKind {
  let kind: string | undefined;
  for (const list of lists) {
    for (const v of list) {
      if (Array.isArray(v)) throw noListOfLists();
      const k = isObject(v) ? 'map' : kindOf(v);
      if (kind === undefined) kind = k;
      else if (kind !== k) throw badRequest(`list element types are not identical: ${lists.map(goFormat).join(' ')}`);
    }
  }
  if (kind === undefined) return 'none';
  return kind === 'map' ? 'map' : 'scalar';
}

function mergeKeyOf(schema: TypeSchema): string {
  return 'patchMergeKey' in schema && schema.patchMergeKey ? schema.patchMergeKey : '';
}

/** kube mergeSlice for a list with patchStrategy merge. */
function mergeSlice(original: unknown[], patch: unknown[], schema: TypeSchema, isDeleteList: boolean): unknown[] {
  if (original.length === 0 && patch.length === 0) return original;
  const kind = elementKind(original, patch);
  const mergeKey = mergeKeyOf(schema);
  let serverOrder = original;
  let patchItems = patch;
  let merged: unknown[];
  if (kind !== 'map') {
    if (isDeleteList) return deleteFromSlice(original, patch);
    merged = dedupe([...original, ...patch]);
  } else {
    if (!mergeKey) throw badRequest('cannot merge lists without merge key for type struct');
    [serverOrder, patchItems] = mergeSliceWithSpecialElements(original, patch, mergeKey, itemSchema(schema));
    merged = mergeSliceWithoutSpecialElements([...serverOrder], patchItems, mergeKey, itemSchema(schema));
  }
  const [inPatch, serverOnly] = mergeKey ? partitionMaps(merged, patchItems, mergeKey) : partitionPrimitives(merged, patchItems);
  return normalizeElementOrder(inPatch, serverOnly, patchItems, serverOrder, mergeKey, kind);
}

function dedupe(list: unknown[]): unknown[] {
  const out: unknown[] = [];
  for (const v of list) if (!out.some((o) => o === v)) out.push(v);
  return out;
}

function deleteFromSlice(current: unknown[], toDelete: unknown[]): unknown[] {
  return current.filter((v) => !toDelete.some((d) => d === v));
}

/** Handles `$patch: delete|replace` items; returns [original, patch without special items]. */
function mergeSliceWithSpecialElements(original: unknown[], patch: unknown[], mergeKey: string, items: TypeSchema): [unknown[], unknown[]] {
  const plain: unknown[] = [];
  let replace = false;
  let result = original;
  for (const v of patch) {
    const m = v as JsonObject;
    if (!Object.prototype.hasOwnProperty.call(m, DIRECTIVE)) {
      plain.push(v);
      continue;
    }
    const directive = m[DIRECTIVE];
    if (directive === 'delete') {
      if (!Object.prototype.hasOwnProperty.call(m, mergeKey)) throw errNoMergeKey(m, mergeKey);
      result = result.filter((o) => !(isObject(o) && Object.prototype.hasOwnProperty.call(o, mergeKey) && o[mergeKey] === m[mergeKey]));
    } else if (directive === 'replace') {
      replace = true; // keep scanning to prune the other directive items
    } else if (directive === 'merge') {
      throw badRequest('merging lists cannot yet be specified in the patch');
    } else {
      throw errBadPatchType(directive, m);
    }
  }
  if (replace) return [plain.map((v) => mergeMap({}, clone(v as JsonObject), items)), []];
  return [result, plain];
}

function mergeSliceWithoutSpecialElements(original: unknown[], patch: unknown[], mergeKey: string, items: TypeSchema): unknown[] {
  for (const v of patch) {
    const m = v as JsonObject;
    if (!Object.prototype.hasOwnProperty.call(m, mergeKey)) throw errNoMergeKey(m, mergeKey);
    const idx = findByKey(original, mergeKey, m[mergeKey]);
    if (idx >= 0) original[idx] = mergeMap(original[idx] as JsonObject, m, items);
    else original.push(mergeMap({}, m, items));
  }
  return original;
}

function findByKey(list: unknown[], mergeKey: string, value: unknown): number {
  for (let i = 0; i < list.length; i++) {
    const item = list[i];
    if (!isObject(item)) throw badRequest(`value for key ${i} is not a map.`);
    if (Object.prototype.hasOwnProperty.call(item, mergeKey) && item[mergeKey] === value) return i;
  }
  return -1;
}

function partitionPrimitives(list: unknown[], by: unknown[]): [unknown[], unknown[]] {
  const inPatch: unknown[] = [];
  const serverOnly: unknown[] = [];
  for (const v of list) (by.some((b) => b === v) ? inPatch : serverOnly).push(v);
  return [inPatch, serverOnly];
}

function partitionMaps(list: unknown[], by: unknown[], mergeKey: string): [unknown[], unknown[]] {
  const inPatch: unknown[] = [];
  const serverOnly: unknown[] = [];
  for (const v of list) {
    if (!isObject(v)) throw errBadArgType('map[string]interface {}', v);
    if (!Object.prototype.hasOwnProperty.call(v, mergeKey)) throw errNoMergeKey(v, mergeKey);
    const found = by.some((b) => isObject(b) && Object.prototype.hasOwnProperty.call(b, mergeKey) && b[mergeKey] === v[mergeKey]);
    (found ? inPatch : serverOnly).push(v);
  }
  return [inPatch, serverOnly];
}

/** index(): position of an item in `list`, by merge key for maps and by value for scalars. */
function indexIn(list: unknown[], item: unknown, mergeKey: string, kind: ElementKind): number {
  const val = (x: unknown): unknown => (kind === 'map' ? (isObject(x) ? x[mergeKey] : undefined) : x);
  const want = val(item);
  for (let i = 0; i < list.length; i++) if (val(list[i]) === want) return i;
  return -1;
}

/** normalizeSliceOrder: sort `toSort` by `order` (stable); `$patch: delete` items go last. */
function normalizeSliceOrder(toSort: unknown[], order: unknown[], mergeKey: string, kind: ElementKind): unknown[] {
  let items = toSort;
  let toDelete: unknown[] = [];
  if (kind === 'map') {
    for (const list of [toSort, order]) {
      for (const v of list) {
        if (!isObject(v)) throw errBadArgType('map[string]interface {}', v);
        if (!Object.prototype.hasOwnProperty.call(v, mergeKey)) throw errNoMergeKey(v, mergeKey);
      }
    }
    items = toSort.filter((v) => (v as JsonObject)[DIRECTIVE] !== 'delete');
    toDelete = toSort.filter((v) => (v as JsonObject)[DIRECTIVE] === 'delete');
  }
  const decorated = items.map((v, i) => ({ v, i, pos: indexIn(order, v, mergeKey, kind) }));
  decorated.sort((a, b) => {
    if (a.pos >= 0 && b.pos >= 0) return a.pos - b.pos || a.i - b.i;
    if (a.pos >= 0) return -1;
    if (b.pos >= 0) return 1;
    return a.i - b.i;
  });
  return [...decorated.map((d) => d.v), ...toDelete];
}

/**
 * normalizeElementOrder: patch items in patch order, server-only items in live order, then interleaved
 * (mergeSortedSlice): a server-only item goes before a patch item only when both are in the live list
 * and it came first there.
 */
function normalizeElementOrder(patchItems: unknown[], serverOnly: unknown[], patchOrder: unknown[], serverOrder: unknown[], mergeKey: string, kind: ElementKind): unknown[] {
  const right = normalizeSliceOrder(patchItems, patchOrder, mergeKey, kind);
  const left = normalizeSliceOrder(serverOnly, serverOrder, mergeKey, kind);
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) out.push(right[j++]);
    else if (j >= right.length) out.push(left[i++]);
    else {
      const li = indexIn(serverOrder, left[i], mergeKey, kind);
      const ri = indexIn(serverOrder, right[j], mergeKey, kind);
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++]);
      else out.push(right[j++]);
    }
  }
  return out;
}

// ---- $setElementOrder ----

/** mergePatchIntoOriginal: merge each list that has a `$setElementOrder/<list>` and order it. */
function mergeSetElementOrder(original: JsonObject, patch: JsonObject, schema: TypeSchema | undefined): void {
  for (const key of Object.keys(patch)) {
    if (!key.startsWith(SET_ELEMENT_ORDER)) continue;
    const setOrder = patch[key];
    delete patch[key];
    if (!Array.isArray(setOrder)) throw errBadArgType('[]interface {}', setOrder);
    const listKey = extractKey(key, SET_ELEMENT_ORDER, ERR_BAD_PATCH_FORMAT_FOR_SET_ELEMENT_ORDER_LIST);
    const foundOriginal = Object.prototype.hasOwnProperty.call(original, listKey) && original[listKey] !== undefined;
    const foundPatch = Object.prototype.hasOwnProperty.call(patch, listKey);
    const originalList = original[listKey];
    const patchList = patch[listKey];
    if (foundOriginal && !Array.isArray(originalList)) throw errBadArgType('[]interface {}', originalList);
    if (foundPatch && !Array.isArray(patchList)) throw errBadArgType('[]interface {}', patchList);
    const origArr = (foundOriginal ? originalList : []) as unknown[];
    const patchArr = (foundPatch ? patchList : []) as unknown[];
    const fs = fieldSchema(schema, listKey);
    const { strategy } = patchStrategyOf(fs);
    const mergeKey = strategy === 'merge' ? mergeKeyOf(fs) : '';
    validatePatchWithSetOrderList(patchArr, setOrder, mergeKey);

    let merged: unknown[];
    if (foundOriginal && !foundPatch) merged = origArr;
    else if (!foundOriginal && foundPatch) merged = cleanValue(patchArr, fs) as unknown[];
    else if (foundOriginal && foundPatch) merged = strategy === 'merge' ? mergeSlice(origArr, patchArr, fs, false) : (cleanValue(patchArr, fs) as unknown[]);
    else continue;

    if (strategy !== 'merge' || merged.length === 0) {
      // Only merging lists can be ordered (kube panics partitioning maps without a merge key).
      original[listKey] = merged;
      delete patch[listKey];
      continue;
    }
    const kind = elementKind(origArr, patchArr, merged);
    const [inOrder, serverOnly] = mergeKey && kind === 'map' ? partitionMaps(merged, setOrder, mergeKey) : partitionPrimitives(merged, setOrder);
    original[listKey] = normalizeElementOrder(inOrder, serverOnly, setOrder, origArr, kind === 'map' ? mergeKey : '', kind);
    delete patch[listKey];
  }
}

/** The non-deleted items of the patch list must appear in the same relative order in `$setElementOrder`. */
function validatePatchWithSetOrderList(patchList: unknown[], setOrder: unknown[], mergeKey: string): void {
  if (setOrder.length === 0 || patchList.length === 0) return;
  let nonDelete = patchList;
  if (mergeKey) {
    for (const v of patchList) if (!isObject(v)) throw errBadArgType('map[string]interface {}', v);
    nonDelete = patchList.filter((v) => (v as JsonObject)[DIRECTIVE] !== 'delete');
  }
  const keyOf = (v: unknown): unknown => {
    if (!mergeKey) return v;
    if (!isObject(v)) throw errBadArgType('map[string]interface {}', v);
    if (!Object.prototype.hasOwnProperty.call(v, mergeKey)) throw errNoMergeKey(v, mergeKey);
    return v[mergeKey];
  };
  let p = 0;
  let s = 0;
  while (p < nonDelete.length && s < setOrder.length) {
    const item = nonDelete[p];
    if (isObject(item) && Object.prototype.hasOwnProperty.call(item, DIRECTIVE)) {
      p++;
      continue;
    }
    if (keyOf(item) === keyOf(setOrder[s])) p++;
    s++;
  }
  if (p < nonDelete.length && s >= setOrder.length) {
    throw badRequest(`The order in patch list:\n${goFormat(patchList)}\n doesn't match ${SET_ELEMENT_ORDER} list:\n${goFormat(setOrder)}\n`);
  }
}
