/**
 * A stable JSON encoding: object keys sorted at every level, so equal objects encode (and hash) alike whatever
 * their key order. The one encoding behind template hashes, ControllerRevision data and "did it change" checks.
 *
 *   stableStringify({ b: 1, a: 2 })                            // '{"a":2,"b":1}'
 *   stableStringify({ s: 'a && b' }, { goHtmlEscape: true })   // '{"s":"a \\u0026\\u0026 b"}' (Go's encoding/json)
 *   stableStringify({ t: null }, { omitNull: true })            // '{}' (a null member decodes to Go's zero value)
 */

export interface StableJsonOptions {
  /**
   * Leave out object members that are null, as well as undefined ones: a null member decodes to Go's zero
   * value, the same as an absent one, so where templates are hashed or compared the two must encode alike.
   */
  omitNull?: boolean;
  /** Escape <, >, & and U+2028/U+2029 in strings as Go's encoding/json does (HTMLEscape). */
  goHtmlEscape?: boolean;
}

function goString(s: string): string {
  return JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * JSON with object keys sorted at every level (as Go's encoding/json writes a map[string]interface{}); undefined
 * and function members are left out as JSON.stringify does, an undefined array element is null.
 */
export function stableStringify(value: unknown, options: StableJsonOptions = {}): string {
  const str = options.goHtmlEscape ? goString : JSON.stringify;
  const encode = (v: unknown): string => {
    if (typeof v === 'string') return str(v);
    if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
    if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? 'null' : encode(x))).join(',')}]`;
    const obj = v as Record<string, unknown>;
    const parts: string[] = [];
    for (const k of Object.keys(obj).sort()) {
      const x = obj[k];
      if (x === undefined || typeof x === 'function' || (x === null && options.omitNull)) continue;
      parts.push(`${str(k)}:${encode(x)}`);
    }
    return `{${parts.join(',')}}`;
  };
  return encode(value);
}
