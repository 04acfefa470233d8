/**
 * Sets of field paths and their `fieldsV1` encoding, after sigs.k8s.io/structured-merge-diff
 * fieldpath (Set, PathElement, serialize.go) as used in metadata.managedFields.
 *
 * A path is a list of path elements, each kept in its fieldsV1 spelling:
 * - `f:<name>`           a struct field or map key
 * - `k:<json object>`    an associative-list item by its key fields, sorted: `k:{"containerPort":80,"protocol":"TCP"}`
 * - `v:<json value>`     a set-list item: `v:"example.com/finalizer"`
 * - `i:<index>`          a list item by position (not produced for the built-in kinds)
 *
 * A set is a tree: `members` are paths that end at this node, `children` hold longer paths. In fieldsV1 a
 * member with no children is `{}`, a member that also has children gets a `".": {}` entry, and a child that
 * is not itself a member has no `"."`:
 * `{"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"nginx\"}":{".":{},"f:image":{}}}}}`.
 */
import { isObject } from '../patch/json-value.ts';

export type PathElement = string;
export type FieldPath = readonly PathElement[];

/** JSON with object keys sorted, so equal values give equal path elements. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isObject(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

export const fieldElement = (name: string): PathElement => `f:${name}`;
export const valueElement = (value: unknown): PathElement => `v:${canonicalJson(value)}`;
export const indexElement = (index: number): PathElement => `i:${index}`;
/** `k:` element from the key fields of an associative-list item (names are sorted). */
export function keyElement(fields: Record<string, unknown>): PathElement {
  const sorted: Record<string, unknown> = {};
  for (const name of Object.keys(fields).sort()) sorted[name] = fields[name];
  return `k:${canonicalJson(sorted)}`;
}

function isPathElement(s: string): boolean {
  return /^[fkvi]:/.test(s);
}

/** Re-spells a parsed `k:`/`v:` element canonically so that equal keys compare equal. */
function normalizeElement(pe: string): PathElement {
  const t = pe.charAt(0);
  if (t === 'k') {
    const key: unknown = JSON.parse(pe.slice(2));
    if (!isObject(key)) throw new Error(`parsing JSON: key of ${JSON.stringify(pe)} is not an object`);
    return keyElement(key);
  }
  if (t === 'v') return valueElement(JSON.parse(pe.slice(2)));
  if (t === 'i' && !/^i:\d+$/.test(pe)) throw new Error(`parsing JSON: invalid index in ${JSON.stringify(pe)}`);
  return pe;
}

// ---- ordering (fieldpath PathElement.Compare and value.Compare) ----

const RANK: Record<string, number> = { f: 0, k: 1, v: 2, i: 3 };

function valueRank(v: unknown): number {
  if (typeof v === 'number') return 0;
  if (typeof v === 'string') return 1;
  if (typeof v === 'boolean') return 2;
  if (Array.isArray(v)) return 3;
  if (isObject(v)) return 4;
  return 5; // null
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Total order over JSON values: numbers < strings < booleans < lists < maps < null. */
export function compareValues(a: unknown, b: unknown): number {
  const ra = valueRank(a);
  const rb = valueRank(b);
  if (ra !== rb) return ra - rb;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return compareStrings(a, b);
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const c = compareValues(a[i], b[i]);
      if (c !== 0) return c;
    }
    return a.length - b.length;
  }
  if (isObject(a) && isObject(b)) return compareStrings(canonicalJson(a), canonicalJson(b));
  return 0;
}

export function comparePathElements(a: PathElement, b: PathElement): number {
  const ta = a.charAt(0);
  const tb = b.charAt(0);
  if (ta !== tb) return (RANK[ta] ?? 9) - (RANK[tb] ?? 9);
  const pa = a.slice(2);
  const pb = b.slice(2);
  switch (ta) {
    case 'f':
      return compareStrings(pa, pb);
    case 'i':
      return Number(pa) - Number(pb);
    case 'v':
      return compareValues(JSON.parse(pa), JSON.parse(pb));
    case 'k': {
      const ka = Object.entries(JSON.parse(pa) as Record<string, unknown>);
      const kb = Object.entries(JSON.parse(pb) as Record<string, unknown>);
      if (ka.length !== kb.length) return ka.length - kb.length;
      for (let i = 0; i < ka.length; i++) {
        const [na, va] = ka[i] as [string, unknown];
        const [nb, vb] = kb[i] as [string, unknown];
        const c = compareStrings(na, nb) || compareValues(va, vb);
        if (c !== 0) return c;
      }
      return 0;
    }
    default:
      return compareStrings(a, b);
  }
}

// ---- rendering (fieldpath Path.String / value.ToString) ----

/** value.ToString: strings quoted, numbers and booleans bare. */
function valueToString(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(valueToString).join(',')}]`;
  if (isObject(v)) return `{${Object.keys(v).sort().map((k) => `${k}=${valueToString(v[k])}`).join(',')}}`;
  return String(v);
}

/** A path element as in conflict messages: `.image`, `[name="nginx"]`, `[="a"]`, `[0]`. */
export function pathElementString(pe: PathElement): string {
  const body = pe.slice(2);
  switch (pe.charAt(0)) {
    case 'f':
      return `.${body}`;
    case 'k': {
      const key = JSON.parse(body) as Record<string, unknown>;
      return `[${Object.keys(key).map((k) => `${k}=${valueToString(key[k])}`).join(',')}]`;
    }
    case 'v':
      return `[=${valueToString(JSON.parse(body))}]`;
    case 'i':
      return `[${body}]`;
    default:
      return '{{invalid path element}}';
  }
}

/** `.spec.containers[name="nginx"].image` */
export function pathString(path: FieldPath): string {
  return path.map(pathElementString).join('');
}

// ---- the set ----

export class FieldSet {
  private readonly members = new Set<PathElement>();
  private readonly children = new Map<PathElement, FieldSet>();

  static of(...paths: FieldPath[]): FieldSet {
    const s = new FieldSet();
    for (const p of paths) s.insert(p);
    return s;
  }

  /** Adds a path; the empty path is ignored. */
  insert(path: FieldPath): this {
    if (path.length === 0) return this;
    let node: FieldSet = this;
    for (let i = 0; i < path.length - 1; i++) node = node.child(path[i] as PathElement, true) as FieldSet;
    node.members.add(path[path.length - 1] as PathElement);
    return this;
  }

  has(path: FieldPath): boolean {
    if (path.length === 0) return false;
    let node: FieldSet | undefined = this;
    for (let i = 0; i < path.length - 1 && node; i++) node = node.children.get(path[i] as PathElement);
    return !!node && node.members.has(path[path.length - 1] as PathElement);
  }

  isEmpty(): boolean {
    if (this.members.size > 0) return false;
    for (const c of this.children.values()) if (!c.isEmpty()) return false;
    return true;
  }

  hasMember(pe: PathElement): boolean {
    return this.members.has(pe);
  }

  /** The subtree of paths that start with `pe` (without it), if any. */
  withPrefix(pe: PathElement): FieldSet | undefined {
    return this.children.get(pe);
  }

  private child(pe: PathElement, create: boolean): FieldSet | undefined {
    let c = this.children.get(pe);
    if (!c && create) {
      c = new FieldSet();
      this.children.set(pe, c);
    }
    return c;
  }

  clone(): FieldSet {
    const s = new FieldSet();
    for (const m of this.members) s.members.add(m);
    for (const [pe, c] of this.children) s.children.set(pe, c.clone());
    return s;
  }

  union(other: FieldSet): FieldSet {
    const s = this.clone();
    for (const m of other.members) s.members.add(m);
    for (const [pe, c] of other.children) {
      const mine = s.children.get(pe);
      s.children.set(pe, mine ? mine.union(c) : c.clone());
    }
    return s;
  }

  intersection(other: FieldSet): FieldSet {
    const s = new FieldSet();
    for (const m of this.members) if (other.members.has(m)) s.members.add(m);
    for (const [pe, c] of this.children) {
      const o = other.children.get(pe);
      if (!o) continue;
      const i = c.intersection(o);
      if (!i.isEmpty()) s.children.set(pe, i);
    }
    return s;
  }

  difference(other: FieldSet): FieldSet {
    const s = new FieldSet();
    for (const m of this.members) if (!other.members.has(m)) s.members.add(m);
    for (const [pe, c] of this.children) {
      const o = other.children.get(pe);
      const d = o ? c.difference(o) : c.clone();
      if (!d.isEmpty()) s.children.set(pe, d);
    }
    return s;
  }

  /** Removes every path that is in `other` or below one of its members (ignored/reset fields). */
  recursiveDifference(other: FieldSet): FieldSet {
    const s = new FieldSet();
    for (const m of this.members) if (!other.members.has(m)) s.members.add(m);
    for (const [pe, c] of this.children) {
      if (other.members.has(pe)) continue;
      const o = other.children.get(pe);
      const d = o ? c.recursiveDifference(o) : c.clone();
      if (!d.isEmpty()) s.children.set(pe, d);
    }
    return s;
  }

  /**
   * fieldpath Set.EnsureNamedFieldsAreMembers: a copy in which every child node that `isNamed` accepts is
   * also a member (a struct field that has owned descendants counts as present itself; map keys and list
   * items do not). `isNamed(ctx, pe)` decides for a child of a node described by `ctx`; `descend(ctx, pe)`
   * gives the context of that child.
   */
  withNamedMembers<C>(ctx: C, isNamed: (ctx: C, pe: PathElement) => boolean, descend: (ctx: C, pe: PathElement) => C): FieldSet {
    const s = new FieldSet();
    for (const m of this.members) s.members.add(m);
    for (const [pe, c] of this.children) {
      if (c.isEmpty()) continue;
      if (isNamed(ctx, pe)) s.members.add(pe);
      s.children.set(pe, c.withNamedMembers(descend(ctx, pe), isNamed, descend));
    }
    return s;
  }

  /** Every path, in fieldpath Set.Iterate order: at each node its members sorted, then children sorted. */
  paths(prefix: FieldPath = []): FieldPath[] {
    const out: FieldPath[] = [];
    for (const m of [...this.members].sort(comparePathElements)) out.push([...prefix, m]);
    for (const pe of [...this.children.keys()].sort(comparePathElements)) {
      out.push(...(this.children.get(pe) as FieldSet).paths([...prefix, pe]));
    }
    return out;
  }

  equals(other: FieldSet): boolean {
    return this.difference(other).isEmpty() && other.difference(this).isEmpty();
  }

  /** The fieldsV1 object (metadata.managedFields[].fieldsV1). */
  toFieldsV1(): Record<string, unknown> {
    return this.emitOrNull(false) ?? {};
  }

  // One pass: a child's subtree is emitted once, and dropped when it holds no path (emitted as null).
  private emitOrNull(includeSelf: boolean): Record<string, unknown> | null {
    const subtrees = new Map<PathElement, Record<string, unknown>>();
    for (const [pe, c] of this.children) {
      const sub = c.emitOrNull(this.members.has(pe));
      if (sub) subtrees.set(pe, sub);
    }
    if (this.members.size === 0 && subtrees.size === 0) return null;
    const keys = [...this.members];
    for (const pe of subtrees.keys()) if (!this.members.has(pe)) keys.push(pe);
    const out: Record<string, unknown> = {};
    if (includeSelf) out['.'] = {};
    for (const pe of keys.sort(comparePathElements)) out[pe] = subtrees.get(pe) ?? {};
    return out;
  }

  /** Parses a fieldsV1 object; throws Error on malformed input. */
  static fromFieldsV1(fields: unknown): FieldSet {
    const s = new FieldSet();
    if (fields === undefined || fields === null) return s;
    if (!isObject(fields)) throw new Error('expected an object for fieldsV1');
    s.read(fields);
    return s;
  }

  private read(obj: Record<string, unknown>): void {
    for (const [raw, value] of Object.entries(obj)) {
      if (raw === '.') continue;
      if (!isPathElement(raw)) throw new Error(`parsing JSON: unrecognized path element prefix in ${JSON.stringify(raw)}`);
      const key = normalizeElement(raw);
      if (!isObject(value)) throw new Error(`parsing JSON: expected an object for ${JSON.stringify(key)}`);
      const entries = Object.keys(value);
      if (entries.length === 0) {
        this.members.add(key);
        continue;
      }
      if (Object.prototype.hasOwnProperty.call(value, '.')) this.members.add(key);
      const c = this.child(key, true) as FieldSet;
      c.read(value);
      if (c.isEmpty()) this.children.delete(key);
    }
  }
}
