/**
 * The fieldsV1 a create (a non-apply write without a live object) gives its manager, in one walk of the new
 * object, without building field sets.
 *
 * updateManagedFields' general path compares the kind's zero object with the new object (typed compare of
 * `zeroObject(schema)` and `withZero(obj)`), takes `modified ∪ added`, drops the reset fields
 * (recursiveDifference) and the stripped metadata (difference), then renders the set (FieldSet.toFieldsV1).
 * For a create that comes down to, node by node:
 * - no zero value here (`l` undefined): every node of the new value is added: each leaf (scalars, null,
 *   atomic values) and each granular node (struct/map objects, associative lists, list items) itself;
 * - a null zero value (`spec.containers` of a Pod): a leaf differing from null is modified; a granular value
 *   owns its members (as above) but not itself (null reads as the empty list/object);
 * - an object zero value (`metadata`, `spec`, `status`): equal values give nothing; a leaf or a shape change
 *   is modified; otherwise member by member (an absent member reads as its zero: withZero), not itself;
 * - a scalar zero value: modified when the new value is present and differs.
 * Membership is emitted straight into the fieldsV1 object (keys in fieldpath order, `"."` first for a member
 * with children), which is byte-for-byte what toFieldsV1 renders for the same set. Zero values with lists in
 * them (pairwise list compare) are not modelled: CreateFieldsUnsupported, and the caller takes the general path.
 */
import { deepEqual, isObject, type JsonObject } from '../patch/json-value.ts';
import { fieldSchema, itemSchema, type ListSchema, type TypeSchema } from '../patch/patch-meta.ts';
import { canonicalJson, comparePathElements, compareValues, type FieldSet, type PathElement } from './field-set.ts';
import { isLeaf, itemElement } from './typed-value.ts';

export type FieldsV1 = Record<string, unknown>;

/** A zero value this walk does not model; use the typed compare. */
export class CreateFieldsUnsupported extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CreateFieldsUnsupported';
  }
}

/** The node is itself a member (modified leaf), with nothing below it. */
const MEMBER = 1;
type NodeResult = FieldsV1 | typeof MEMBER | null;

const NO_PATH: readonly PathElement[] = [];

/**
 * The fieldsV1 of `(compare(zero, withZero(obj)).modified ∪ .added).recursiveDifference(reset).difference(strip)`
 * for `zero` the kind's zero value (schema.zero for a struct schema, else `{}`), or null when that set is empty.
 * Throws TypedValueError where the compare would (a list-map item without its key), CreateFieldsUnsupported
 * for zero values holding lists.
 */
export function createFieldsV1(obj: JsonObject, schema: TypeSchema, reset: FieldSet | undefined, strip: FieldSet | undefined): FieldsV1 | null {
  const zero = schema.kind === 'struct' && schema.zero ? schema.zero : {};
  // The root path is empty: never a member itself (FieldSet.insert ignores it).
  const r = zeroNode(zero, obj, schema, reset, strip);
  return r === MEMBER ? null : r;
}

/** Adds child `pe` to `out` (created on first use, `"."` first when `self`); returns `out`. */
function put(out: FieldsV1 | null, self: boolean, pe: PathElement, value: FieldsV1): FieldsV1 {
  if (out === null) out = self ? { '.': {} } : {};
  out[pe] = value;
  return out;
}

/** A child reached through a compare result: MEMBER (unless stripped) or a non-member subtree. */
function putResult(out: FieldsV1 | null, self: boolean, pe: PathElement, r: NodeResult, strip: FieldSet | undefined): FieldsV1 | null {
  if (r === null) return out;
  if (r === MEMBER) return strip !== undefined && strip.hasMember(pe) ? out : put(out, self, pe, {});
  return put(out, self, pe, r);
}

/** A child whose value is added as a whole: member itself (unless stripped), with its added subtree. */
function putAdded(out: FieldsV1 | null, self: boolean, pe: PathElement, v: unknown, schema: TypeSchema, reset: FieldSet | undefined, strip: FieldSet | undefined): FieldsV1 | null {
  const member = strip === undefined || !strip.hasMember(pe);
  const sub = addedChildren(v, schema, reset?.withPrefix(pe), strip?.withPrefix(pe), member);
  if (sub !== null) return put(out, self, pe, sub);
  return member ? put(out, self, pe, {}) : out;
}

/**
 * The members below a value with no zero counterpart (walkCompare(undefined, v)): every node is added. `self`:
 * the value's own node is a member (the returned object then starts with `"."`). Null when nothing is below.
 */
function addedChildren(v: unknown, schema: TypeSchema, reset: FieldSet | undefined, strip: FieldSet | undefined, self: boolean): FieldsV1 | null {
  if (isLeaf(schema, v)) return null;
  if (Array.isArray(v)) return addedItems(v, schema as ListSchema, reset, strip, self);
  let out: FieldsV1 | null = null;
  const o = v as JsonObject;
  const keys = sortedKeys(o);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    const x = o[key];
    if (x === undefined) continue;
    const pe = fieldPE(key);
    if (reset !== undefined && reset.hasMember(pe)) addedChildren(x, fieldSchema(schema, key), undefined, undefined, false); // the compare still walks it
    else out = putAdded(out, self, pe, x, fieldSchema(schema, key), reset, strip);
  }
  return out;
}

/** The items of an associative list, all added: by element in fieldpath order, the first of equal elements. */
function addedItems(v: unknown[], list: ListSchema, reset: FieldSet | undefined, strip: FieldSet | undefined, self: boolean): FieldsV1 | null {
  const n = v.length;
  if (n === 0) return null;
  const items = itemSchema(list);
  const spec = list.listType === 'map' ? keySpecOf(list) : undefined;
  if (n === 1) {
    const item = v[0];
    const pe = spec !== undefined ? keyPE(spec, keyValues(spec, list, item, 0)) : itemElement(list, item, 0, NO_PATH);
    if (item === undefined) return null;
    if (reset !== undefined && reset.hasMember(pe)) {
      addedChildren(item, items, undefined, undefined, false); // the compare still walks it
      return null;
    }
    return putAdded(null, self, pe, item, items, reset, strip);
  }
  // byElement: every item's element first (a bad item fails the whole list), the first of equal elements wins.
  const pes: PathElement[] = [];
  const values: unknown[] = [];
  const keys: unknown[][] = [];
  const seen = n > 8 ? new Set<PathElement>() : undefined;
  for (let i = 0; i < n; i++) {
    const item = v[i];
    let pe: PathElement;
    let key: unknown[] | undefined;
    if (spec !== undefined) {
      key = keyValues(spec, list, item, i);
      pe = keyPE(spec, key);
    } else {
      pe = itemElement(list, item, i, NO_PATH);
    }
    if (seen !== undefined ? seen.has(pe) : pes.includes(pe)) continue;
    seen?.add(pe);
    pes.push(pe);
    values.push(item);
    if (key !== undefined) keys.push(key);
  }
  const m = pes.length;
  const order: number[] = new Array<number>(m);
  for (let i = 0; i < m; i++) order[i] = i;
  if (m > 1) {
    // comparePathElements, without parsing the elements back when the key values are at hand.
    if (spec !== undefined && spec.byTuple) order.sort((a, b) => compareTuples(keys[a] as unknown[], keys[b] as unknown[]));
    else order.sort((a, b) => comparePathElements(pes[a] as PathElement, pes[b] as PathElement));
  }
  let out: FieldsV1 | null = null;
  for (let j = 0; j < m; j++) {
    const i = order[j] as number;
    const item = values[i];
    if (item === undefined) continue;
    const pe = pes[i] as PathElement;
    if (reset !== undefined && reset.hasMember(pe)) addedChildren(item, items, undefined, undefined, false); // the compare still walks it
    else out = putAdded(out, self, pe, item, items, reset, strip);
  }
  return out;
}

// ---- list-map keys ----

interface KeySpec {
  /** listMapKeys, sorted (keyElement's order). */
  names: string[];
  /** `"name":` per name. */
  quoted: string[];
  /**
   * Elements order by their key values in `names` order (comparePathElements compares the parsed keys entry by
   * entry); not when a name is an array index, which JSON.parse would move to the front.
   */
  byTuple: boolean;
}

const keySpecs = new WeakMap<ListSchema, KeySpec>();

function keySpecOf(list: ListSchema): KeySpec {
  let spec = keySpecs.get(list);
  if (spec === undefined) {
    const names = [...new Set(list.listMapKeys ?? [])].sort();
    spec = { names, quoted: names.map((name) => `${JSON.stringify(name)}:`), byTuple: !names.some((name) => /^(0|[1-9][0-9]*)$/.test(name)) };
    keySpecs.set(list, spec);
  }
  return spec;
}

/** The key values of a list-map item (keyDefaults for omitted ones); itemElement's TypedValueError otherwise. */
function keyValues(spec: KeySpec, list: ListSchema, item: unknown, index: number): unknown[] {
  if (!isObject(item)) return [itemElement(list, item, index, NO_PATH)]; // throws
  const names = spec.names;
  const out = new Array<unknown>(names.length);
  for (let i = 0; i < names.length; i++) {
    const name = names[i] as string;
    let x = item[name];
    if (x === undefined) x = list.keyDefaults?.[name];
    if (x === undefined) itemElement(list, item, index, NO_PATH); // throws
    out[i] = x;
  }
  return out;
}

/** keyElement of the key values: `k:{"containerPort":80,"protocol":"TCP"}`. */
function keyPE(spec: KeySpec, values: unknown[]): PathElement {
  let pe = 'k:{';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) pe += ',';
    const x = values[i];
    pe += (spec.quoted[i] as string) + (typeof x === 'string' || typeof x === 'number' ? JSON.stringify(x) : canonicalJson(x));
  }
  return `${pe}}`;
}

function compareTuples(a: unknown[], b: unknown[]): number {
  for (let i = 0; i < a.length; i++) {
    const c = compareValues(a[i], b[i]);
    if (c !== 0) return c;
  }
  return 0;
}

// ---- object keys ----

/** `f:<name>`, the same string for the same name (an interned property key for the fieldsV1 objects). */
const fieldPEs = new Map<string, PathElement>();

function fieldPE(key: string): PathElement {
  let pe = fieldPEs.get(key);
  if (pe === undefined) {
    pe = `f:${key}`;
    if (fieldPEs.size >= 4096) fieldPEs.clear(); // label keys, annotation keys, data keys: unbounded
    fieldPEs.set(key, pe);
  }
  return pe;
}

/** Object.keys in string order (fieldpath order of `f:` elements); insertion sort for the usual few keys. */
function sortedKeys(o: JsonObject): string[] {
  const keys = Object.keys(o);
  const n = keys.length;
  if (n > 16) return keys.sort();
  for (let i = 1; i < n; i++) {
    const k = keys[i] as string;
    let j = i - 1;
    while (j >= 0 && (keys[j] as string) > k) {
      keys[j + 1] = keys[j] as string;
      j--;
    }
    keys[j + 1] = k;
  }
  return keys;
}

/** walkCompare(null, r): null reads as the empty list/object of a granular `r`, whose node is then not added. */
function nullNode(r: unknown, schema: TypeSchema, reset: FieldSet | undefined, strip: FieldSet | undefined): NodeResult {
  if (r === undefined || r === null) return null;
  if (isLeaf(schema, r)) return MEMBER;
  return addedChildren(r, schema, reset, strip, false);
}

/** walkCompare(l, r) for an object zero value `l`, with absent members of `r` read as their zero (withZero). */
function zeroNode(l: JsonObject, r: unknown, schema: TypeSchema, reset: FieldSet | undefined, strip: FieldSet | undefined): NodeResult {
  if (r === undefined) return null; // withZero fills it in: equal
  if (isObject(r) && deepEqual(l, r)) return null;
  const ro = r === null && !isLeaf(schema, l) ? {} : r;
  if (!isObject(ro)) return deepEqual(l, ro) ? null : MEMBER;
  if (isLeaf(schema, l) || isLeaf(schema, ro)) return deepEqual(l, filled(ro, l)) ? null : MEMBER;
  const keys = Object.keys(ro);
  for (const key of Object.keys(l)) if (!Object.prototype.hasOwnProperty.call(ro, key)) keys.push(key);
  keys.sort();
  let out: FieldsV1 | null = null;
  for (const key of keys) {
    const pe = fieldPE(key);
    const lv = l[key];
    const rv = ro[key];
    const cs = fieldSchema(schema, key);
    if (reset !== undefined && reset.hasMember(pe)) {
      // Not recorded, but the compare still walks it (and fails on a list-map item without its key).
      if (lv === undefined) addedChildren(rv, cs, undefined, undefined, false);
      else zeroChild(lv, rv, cs, undefined, undefined);
      continue;
    }
    if (lv === undefined) {
      if (rv !== undefined) out = putAdded(out, false, pe, rv, cs, reset, strip);
      continue;
    }
    out = putResult(out, false, pe, zeroChild(lv, rv, cs, reset?.withPrefix(pe), strip?.withPrefix(pe)), strip);
  }
  return out;
}

/** withZero without copies: `r` with its absent members read as the zero's (to compare an atomic value whole). */
function filled(r: JsonObject, zero: JsonObject): JsonObject {
  let out: JsonObject | undefined;
  for (const key of Object.keys(zero)) {
    const z = zero[key];
    if (z === undefined) continue;
    const x = r[key];
    const y = x === undefined ? z : isObject(x) && isObject(z) ? filled(x, z) : x;
    if (y !== x) {
      out ??= { ...r };
      out[key] = y;
    }
  }
  return out ?? r;
}

/** walkCompare(l, r) for a defined member `lv` of an object zero value. */
function zeroChild(lv: unknown, rv: unknown, schema: TypeSchema, reset: FieldSet | undefined, strip: FieldSet | undefined): NodeResult {
  if (lv === null) return nullNode(rv, schema, reset, strip);
  if (isObject(lv)) return zeroNode(lv, rv, schema, reset, strip);
  if (Array.isArray(lv)) throw new CreateFieldsUnsupported('a list in the zero value');
  // A scalar zero value: modified when present and different (withZero fills it in when absent).
  return rv !== undefined && !deepEqual(lv, rv) ? MEMBER : null;
}
