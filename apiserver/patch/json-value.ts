/**
 * Small helpers over plain JSON values (objects decoded from JSON), shared by apiserver/patch and
 * apiserver/fieldmanager: structural equality, copying, and Go-style rendering for kube error texts.
 */
import { deepCopy } from '../../shared/api/meta.ts';

export type JsonObject = { [key: string]: unknown };

/** A JSON object (not an array, not null). */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Structural equality of two JSON values (object key order is irrelevant, array order matters). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
    return true;
  }
  if (isObject(a)) {
    if (!isObject(b)) return false;
    const ak = Object.keys(a);
    if (ak.length !== Object.keys(b).length) return false;
    for (const k of ak) {
      if (!Object.prototype.hasOwnProperty.call(b, k)) return false;
      if (!deepEqual(a[k], b[k])) return false;
    }
    return true;
  }
  return false;
}

/** Deep copy of a JSON value. */
export function clone<T>(value: T): T {
  return deepCopy(value);
}

/** The JSON type name Go's encoding/json uses in "cannot unmarshal X into ..." messages. */
export function goJsonTypeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'object') return 'object';
  return typeof value; // string, number, boolean
}

/**
 * Renders a decoded JSON value the way Go's fmt `%v` prints map[string]interface{} / []interface{}:
 * `map[image:nginx name:web]`, `[a b]`, `<nil>`. Used to reproduce kube error texts.
 */
export function goFormat(value: unknown): string {
  if (value === null || value === undefined) return '<nil>';
  if (Array.isArray(value)) return `[${value.map(goFormat).join(' ')}]`;
  if (isObject(value)) {
    const keys = Object.keys(value).sort();
    return `map[${keys.map((k) => `${k}:${goFormat(value[k])}`).join(' ')}]`;
  }
  return String(value);
}
