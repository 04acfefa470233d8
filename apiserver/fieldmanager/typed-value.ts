/**
 * Schema-aware walks over plain JSON objects for server-side apply, after
 * sigs.k8s.io/structured-merge-diff/typed (tofieldset.go, compare.go, merge.go, remove.go), using the
 * list/map semantics of apiserver/patch/patch-meta.ts:
 * - structs and maps are granular (one path per field); `+structType/+mapType=atomic` values are leaves;
 * - `listType=map` items are addressed by their key fields (`k:`), `listType=set` items by value (`v:`),
 *   atomic lists are leaves; lists with no declared type are atomic;
 * - values with no declared type are deduced from their shape (objects granular, lists atomic).
 */
import { clone, deepEqual, isObject, type JsonObject } from '../patch/json-value.ts';
import { fieldSchema, itemSchema, type ListSchema, type TypeSchema } from '../patch/patch-meta.ts';
import { FieldSet, fieldElement, keyElement, pathString, valueElement, type FieldPath, type PathElement } from './field-set.ts';

/** A value that does not fit its schema (e.g. a list-map item without its key). */
export class TypedValueError extends Error {
  constructor(path: FieldPath, message: string) {
    super(path.length ? `${pathString(path)}: ${message}` : message);
    this.name = 'TypedValueError';
  }
}

function associative(schema: TypeSchema): ListSchema | undefined {
  return schema.kind === 'list' && schema.listType !== 'atomic' ? schema : undefined;
}

/** True when the value at this schema is owned/compared as a whole. */
export function isLeaf(schema: TypeSchema, value: unknown): boolean {
  if (Array.isArray(value)) return !associative(schema);
  if (isObject(value)) {
    if (schema.kind === 'struct' || schema.kind === 'map') return !!schema.atomic;
    return schema.kind !== 'deduced';
  }
  return true;
}

/** The path element of a list item: `k:{...}` for list-maps, `v:...` for sets. */
export function itemElement(list: ListSchema, item: unknown, index: number, path: FieldPath): PathElement {
  if (list.listType === 'set') return valueElement(item);
  if (!isObject(item)) throw new TypedValueError(path, `element ${index}: expected map, got ${Array.isArray(item) ? 'list' : typeof item}`);
  const key: Record<string, unknown> = {};
  for (const name of list.listMapKeys ?? []) {
    const v = item[name];
    if (v !== undefined) key[name] = v;
    else if (list.keyDefaults && list.keyDefaults[name] !== undefined) key[name] = list.keyDefaults[name];
    else {
      throw new TypedValueError(path, `element ${index}: associative list with keys has an element that omits key field ${JSON.stringify(name)} (and doesn't have default value)`);
    }
  }
  return keyElement(key);
}

function itemElements(list: ListSchema, items: unknown[], path: FieldPath): PathElement[] {
  return items.map((item, i) => itemElement(list, item, i, path));
}

// ---- field sets ----

/** The set of fields present in `value` (typed.TypedValue.ToFieldSet). */
export function toFieldSet(value: unknown, schema: TypeSchema): FieldSet {
  const set = new FieldSet();
  walkFieldSet(value, schema, [], set);
  return set;
}

function walkFieldSet(value: unknown, schema: TypeSchema, path: FieldPath, set: FieldSet): void {
  if (isLeaf(schema, value)) {
    set.insert(path);
    return;
  }
  if (Array.isArray(value)) {
    const list = schema as ListSchema;
    const items = itemSchema(list);
    const pes = itemElements(list, value, path);
    value.forEach((item, i) => {
      const p = [...path, pes[i] as PathElement];
      walkFieldSet(item, items, p, set);
      set.insert(p);
    });
    return;
  }
  const obj = value as JsonObject;
  for (const [key, v] of Object.entries(obj)) {
    if (v === undefined) continue;
    const p = [...path, fieldElement(key)];
    walkFieldSet(v, fieldSchema(schema, key), p, set);
    // Null and empty-object values are owned as such; keys of declared maps are members too.
    if (v === null || (isObject(v) && Object.keys(v).length === 0) || schema.kind === 'map') set.insert(p);
  }
}

// ---- comparison ----

export interface Comparison {
  added: FieldSet;
  modified: FieldSet;
  removed: FieldSet;
}

/**
 * typed.Compare: which paths were added, modified or removed from `lhs` to `rhs`. Granular nodes
 * (maps, list items) are themselves reported as added/removed when they appear or disappear.
 */
export function compare(lhs: unknown, rhs: unknown, schema: TypeSchema): Comparison {
  const c: Comparison = { added: new FieldSet(), modified: new FieldSet(), removed: new FieldSet() };
  walkCompare(lhs, rhs, schema, [], c);
  return c;
}

/** A null where the schema has a list or map reads as an empty one (the Go zero value). */
function nullAsEmpty(v: unknown, other: unknown, schema: TypeSchema): unknown {
  if (v !== null || other === undefined || other === null || isLeaf(schema, other)) return v;
  return Array.isArray(other) ? [] : isObject(other) ? {} : v;
}

function walkCompare(lhs: unknown, rhs: unknown, schema: TypeSchema, path: FieldPath, c: Comparison): void {
  if (lhs === undefined && rhs === undefined) return;
  // Equal subtrees report nothing; checking that first is much cheaper than walking them with paths (an update
  // usually changes one corner: a status write leaves spec and most of metadata alone).
  if (lhs !== null && rhs !== null && typeof lhs === 'object' && typeof rhs === 'object' && deepEqual(lhs, rhs)) return;
  const l = nullAsEmpty(lhs, rhs, schema);
  const r = nullAsEmpty(rhs, lhs, schema);
  const sameShape = l === undefined || r === undefined || (Array.isArray(l) === Array.isArray(r) && isObject(l) === isObject(r));
  const probe = l === undefined ? r : l;
  if (!sameShape || isLeaf(schema, probe) || (r !== undefined && isLeaf(schema, r))) {
    if (l === undefined) c.added.insert(path);
    else if (r === undefined) c.removed.insert(path);
    else if (!deepEqual(l, r)) c.modified.insert(path);
    return;
  }
  if (Array.isArray(probe)) {
    const list = schema as ListSchema;
    const items = itemSchema(list);
    const la = (l ?? []) as unknown[];
    const ra = (r ?? []) as unknown[];
    const lm = byElement(list, la, path);
    const rm = byElement(list, ra, path);
    for (const [pe, rv] of rm) walkCompare(lm.get(pe), rv, items, [...path, pe], c);
    for (const [pe, lv] of lm) if (!rm.has(pe)) walkCompare(lv, undefined, items, [...path, pe], c);
  } else {
    const lo = (l ?? {}) as JsonObject;
    const ro = (r ?? {}) as JsonObject;
    for (const key of new Set([...Object.keys(lo), ...Object.keys(ro)])) {
      walkCompare(lo[key], ro[key], fieldSchema(schema, key), [...path, fieldElement(key)], c);
    }
  }
  if (path.length > 0) {
    if (l === undefined) c.added.insert(path);
    else if (r === undefined) c.removed.insert(path);
  }
}

/** Items of an associative list by path element (the first item wins for duplicate keys). */
function byElement(list: ListSchema, items: unknown[], path: FieldPath): Map<PathElement, unknown> {
  const m = new Map<PathElement, unknown>();
  const pes = itemElements(list, items, path);
  items.forEach((item, i) => {
    const pe = pes[i] as PathElement;
    if (!m.has(pe)) m.set(pe, item);
  });
  return m;
}

// ---- merge (apply) ----

/**
 * typed.Merge of an applied configuration into the live object: the configuration wins for every field
 * it sets, maps and list-map/set items merge recursively, atomic values are replaced. A `null` in the
 * configuration removes the field. Inputs are not mutated.
 */
export function merge(live: unknown, config: unknown, schema: TypeSchema): unknown {
  return mergeValue(live, config, schema, []);
}

function mergeValue(l: unknown, c: unknown, schema: TypeSchema, path: FieldPath): unknown {
  if (c === undefined) return clone(l);
  if (l === undefined || l === null || c === null) return stripNulls(clone(c));
  const sameShape = Array.isArray(l) === Array.isArray(c) && isObject(l) === isObject(c);
  if (!sameShape || isLeaf(schema, c)) return stripNulls(clone(c));
  if (Array.isArray(c)) return mergeList(l as unknown[], c, schema as ListSchema, path);
  const out = clone(l as JsonObject);
  for (const [key, cv] of Object.entries(c as JsonObject)) {
    if (cv === undefined) continue;
    if (cv === null) {
      delete out[key];
      continue;
    }
    out[key] = mergeValue((l as JsonObject)[key], cv, fieldSchema(schema, key), [...path, fieldElement(key)]);
  }
  return out;
}

function stripNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripNulls);
  if (isObject(v)) {
    const out: JsonObject = {};
    for (const [k, x] of Object.entries(v)) if (x !== null && x !== undefined) out[k] = stripNulls(x);
    return out;
  }
  return v;
}

/**
 * merge.go visitListItems: items only in the live list keep their place, items of the configuration
 * come in configuration order, an item in both is merged and placed where the configuration puts it.
 */
function mergeList(l: unknown[], c: unknown[], list: ListSchema, path: FieldPath): unknown[] {
  const items = itemSchema(list);
  const lPEs = itemElements(list, l, path);
  const cPEs = itemElements(list, c, path);
  const lByPE = new Map<PathElement, unknown>();
  l.forEach((item, i) => {
    if (!lByPE.has(lPEs[i] as PathElement)) lByPE.set(lPEs[i] as PathElement, item);
  });
  const inConfig = new Set(cPEs);
  const shared = cPEs.filter((pe) => lByPE.has(pe));
  let sharedAt = 0;
  const merged = new Set<PathElement>();
  const out: unknown[] = [];
  const advance = (pe: PathElement): void => {
    if (shared[sharedAt] === pe) sharedAt++;
  };
  let li = 0;
  let ri = 0;
  while (li < l.length || ri < c.length) {
    if (li < l.length && ri < c.length) {
      const pe = lPEs[li] as PathElement;
      if (pe === cPEs[ri]) {
        if (!merged.has(pe)) out.push(mergeValue(l[li], c[ri], items, [...path, pe]));
        merged.add(pe);
        advance(pe);
        li++;
        ri++;
        continue;
      }
      const nextShared = shared[sharedAt];
      if (inConfig.has(pe) && nextShared !== undefined && nextShared !== pe) {
        li++; // a shared item that the configuration places later
        continue;
      }
    }
    if (li < l.length) {
      const pe = lPEs[li] as PathElement;
      if (!inConfig.has(pe)) {
        out.push(clone(l[li]));
        li++;
        continue;
      }
      if (merged.has(pe)) {
        li++;
        continue;
      }
    }
    if (ri < c.length) {
      const pe = cPEs[ri] as PathElement;
      if (!merged.has(pe)) out.push(mergeValue(lByPE.get(pe), c[ri], items, [...path, pe]));
      merged.add(pe);
      advance(pe);
      ri++;
    }
  }
  return out;
}

// ---- removal (prune) ----

/**
 * A named field: an `f:` child of a struct. Undeclared objects (`deduced`) are Go structs in the built-in
 * kinds, so their fields are named too; keys of declared maps (labels, annotations, data) are not.
 */
function isNamedField(schema: TypeSchema, pe: PathElement): boolean {
  return pe.startsWith('f:') && (schema.kind === 'struct' || schema.kind === 'deduced');
}

function descendSchema(schema: TypeSchema, pe: PathElement): TypeSchema {
  return pe.startsWith('f:') ? fieldSchema(schema, pe.slice(2)) : itemSchema(schema);
}

/**
 * fieldpath Set.EnsureNamedFieldsAreMembers: struct fields with owned descendants become members, so that
 * `spec.containers[name="nginx"].ports` counts as owned by whoever owns one of its items.
 */
export function ensureNamedFieldsAreMembers(set: FieldSet, schema: TypeSchema): FieldSet {
  return set.withNamedMembers(schema, isNamedField, descendSchema);
}

/**
 * Removes every member of `set` from `value` (typed.RemoveItems, remove.go): a member field, map key or
 * list item goes away with everything under it; a map or list emptied this way is dropped from its parent
 * (kube leaves a null there, which the Go types omit); an atomic value reached by a longer path is dropped
 * whole. Returns a new value; the root stays an object.
 */
export function removeFields(value: unknown, set: FieldSet, schema: TypeSchema): unknown {
  if (set.isEmpty()) return clone(value);
  const out = removeWalk(value, set, schema, []);
  return out === undefined ? {} : out;
}

/** undefined: the value is gone (null in kube). */
function removeWalk(value: unknown, set: FieldSet, schema: TypeSchema, path: FieldPath): unknown {
  if (Array.isArray(value)) {
    if (value.length === 0) return undefined;
    const list = associative(schema);
    if (!list) return undefined;
    const items = itemSchema(list);
    const pes = itemElements(list, value, path);
    const out: unknown[] = [];
    value.forEach((item, i) => {
      const pe = pes[i] as PathElement;
      if (set.hasMember(pe)) return;
      const sub = set.withPrefix(pe);
      if (sub && !sub.isEmpty()) out.push(removeWalk(item, sub, items, [...path, pe]) ?? {});
      else out.push(clone(item));
    });
    return out.length > 0 ? out : undefined;
  }
  if (!isObject(value)) return clone(value);
  if (Object.keys(value).length === 0) return undefined;
  if ((schema.kind === 'struct' || schema.kind === 'map') && schema.atomic) return undefined;
  const out: JsonObject = {};
  let kept = 0;
  for (const [key, v] of Object.entries(value)) {
    if (v === undefined) continue;
    const pe = fieldElement(key);
    if (set.hasMember(pe)) continue;
    kept++;
    const sub = set.withPrefix(pe);
    if (!sub || sub.isEmpty()) {
      out[key] = clone(v);
      continue;
    }
    const r = removeWalk(v, sub, fieldSchema(schema, key), [...path, pe]);
    if (r !== undefined) out[key] = r;
  }
  return kept > 0 ? out : undefined;
}

/**
 * merge.Updater.prune (update.go): after an applier's new configuration is merged, removes what it applied
 * last time (`lastSet`) and no longer applies, unless somebody still owns it (`owned`: every manager's set,
 * the applier's new configuration included). Exactly like kube:
 * 1. remove everything of lastSet (named fields as members);
 * 2. add back every field, map key and list item that is owned (addBackOwnedItems);
 * 3. add back what was removed only as a side effect, i.e. is not in lastSet itself (addBackDanglingItems).
 * So a list the applier owned as a whole (`f:ports` with `"."`) survives with the items it still applies,
 * and a defaulted leaf it got from client-side apply (`protocol`) is removed, to be defaulted again.
 */
export function pruneUnowned(merged: JsonObject, lastSet: FieldSet, owned: FieldSet, schema: TypeSchema): JsonObject {
  if (lastSet.isEmpty()) return merged;
  const last = ensureNamedFieldsAreMembers(lastSet, schema);
  const mergedSet = ensureNamedFieldsAreMembers(toFieldSet(merged, schema), schema);
  const removedAll = removeFields(merged, last, schema);
  const afterRemove = ensureNamedFieldsAreMembers(toFieldSet(removedAll, schema), schema);
  const ownedNamed = ensureNamedFieldsAreMembers(owned, schema);
  const addedBack = removeFields(merged, mergedSet.difference(afterRemove.union(ownedNamed)), schema);
  const afterAddBack = ensureNamedFieldsAreMembers(toFieldSet(addedBack, schema), schema);
  return removeFields(merged, mergedSet.difference(afterAddBack).intersection(last), schema) as JsonObject;
}

/** The value at a path of `f:` elements, or undefined. */
export function getField(obj: unknown, fields: readonly string[]): unknown {
  let cur = obj;
  for (const f of fields) {
    if (!isObject(cur)) return undefined;
    cur = cur[f];
  }
  return cur;
}

/** Sets (or, with undefined, deletes) the value at a path of field names, creating parents. */
export function setField(obj: JsonObject, fields: readonly string[], value: unknown): void {
  let cur: JsonObject = obj;
  for (let i = 0; i < fields.length - 1; i++) {
    const f = fields[i] as string;
    if (!isObject(cur[f])) {
      if (value === undefined) return;
      cur[f] = {};
    }
    cur = cur[f] as JsonObject;
  }
  const last = fields[fields.length - 1] as string;
  if (value === undefined) delete cur[last];
  else cur[last] = value;
}
