/**
 * JSON syntax errors in the words of Go's encoding/json, which kube-apiserver's decoder quotes
 * (`invalid character 'a' looking for beginning of value`, `unexpected end of JSON input`): the message of the
 * first error its scanner meets, for a body JSON.parse refused. Scans bytes, as Go does, without recursion
 * (the depth bound is checked before: nesting-depth.ts).
 */

const END_OF_INPUT = 'unexpected end of JSON input';

const OBJECT = 1;
const ARRAY = 2;

/** Go's quoteChar: the byte as a rune, quoted with strconv.Quote, in single quotes. */
export function goQuoteChar(c: number): string {
  if (c === 0x27) return "'\\''";
  if (c === 0x22) return `'"'`;
  const named: Record<number, string> = { 7: '\\a', 8: '\\b', 9: '\\t', 10: '\\n', 11: '\\v', 12: '\\f', 13: '\\r', 0x5c: '\\\\' };
  const hex = c.toString(16).padStart(2, '0');
  if (named[c] !== undefined) return `'${named[c]}'`;
  if (c < 0x20 || c === 0x7f) return `'\\x${hex}'`;
  // U+0080..U+00A0 and the soft hyphen are not printable for strconv.Quote.
  if ((c >= 0x80 && c <= 0xa0) || c === 0xad) return `'\\u00${hex}'`;
  return `'${String.fromCharCode(c)}'`;
}

const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isHex = (c: number) => isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);

/** The error Go's json.Unmarshal reports for `b`, or '' when Go's scanner accepts it. */
export function goJSONSyntaxError(b: Uint8Array): string {
  const n = b.length;
  const bad = (c: number, context: string) => `invalid character ${goQuoteChar(c)} ${context}`;
  const stack: number[] = [];
  let i = 0;
  /** Scans a string from its opening quote; '' or the error. */
  const string = (): string => {
    i++;
    for (;;) {
      if (i >= n) return END_OF_INPUT;
      const c = b[i++]!;
      if (c === 0x22) return '';
      if (c < 0x20) return bad(c, 'in string literal');
      if (c !== 0x5c) continue;
      if (i >= n) return END_OF_INPUT;
      const e = b[i++]!;
      if (e === 0x75) {
        for (let k = 0; k < 4; k++) {
          if (i >= n) return END_OF_INPUT;
          const h = b[i++]!;
          if (!isHex(h)) return bad(h, 'in \\u hexadecimal character escape');
        }
      } else if (!'"\\/bfnrt'.includes(String.fromCharCode(e))) {
        return bad(e, 'in string escape code');
      }
    }
  };
  /** Scans a number; stops at the first byte that cannot continue it (left for the next state). */
  const number = (): string => {
    if (b[i] === 0x2d) {
      i++;
      if (i >= n) return END_OF_INPUT;
      if (!isDigit(b[i]!)) return bad(b[i]!, 'in numeric literal');
    }
    if (b[i] === 0x30) i++;
    else while (i < n && isDigit(b[i]!)) i++;
    if (i < n && b[i] === 0x2e) {
      i++;
      if (i >= n) return END_OF_INPUT;
      if (!isDigit(b[i]!)) return bad(b[i]!, 'after decimal point in numeric literal');
      while (i < n && isDigit(b[i]!)) i++;
    }
    if (i < n && (b[i] === 0x65 || b[i] === 0x45)) {
      i++;
      if (i < n && (b[i] === 0x2b || b[i] === 0x2d)) i++;
      if (i >= n) return END_OF_INPUT;
      if (!isDigit(b[i]!)) return bad(b[i]!, 'in exponent of numeric literal');
      while (i < n && isDigit(b[i]!)) i++;
    }
    return '';
  };
  const literal = (word: string): string => {
    for (let k = 0; k < word.length; k++, i++) {
      if (i >= n) return END_OF_INPUT;
      if (b[i] !== word.charCodeAt(k)) return bad(b[i]!, `in literal ${word} (expecting '${word[k]}')`);
    }
    return '';
  };

  type State = 'value' | 'valueOrClose' | 'key' | 'keyOrClose' | 'colon' | 'end';
  let state: State = 'value';
  for (;;) {
    while (i < n && isSpace(b[i]!)) i++;
    if (i >= n) return state === 'end' && stack.length === 0 ? '' : END_OF_INPUT;
    const c = b[i]!;
    if (state === 'valueOrClose' && c === 0x5d) {
      stack.pop();
      i++;
      state = 'end';
    } else if (state === 'value' || state === 'valueOrClose') {
      let err = '';
      if (c === 0x7b) {
        stack.push(OBJECT);
        i++;
        state = 'keyOrClose';
        continue;
      } else if (c === 0x5b) {
        stack.push(ARRAY);
        i++;
        state = 'valueOrClose';
        continue;
      } else if (c === 0x22) err = string();
      else if (c === 0x2d || isDigit(c)) err = number();
      else if (c === 0x74) err = literal('true');
      else if (c === 0x66) err = literal('false');
      else if (c === 0x6e) err = literal('null');
      else return bad(c, 'looking for beginning of value');
      if (err) return err;
      state = 'end';
    } else if (state === 'keyOrClose' && c === 0x7d) {
      stack.pop();
      i++;
      state = 'end';
    } else if (state === 'key' || state === 'keyOrClose') {
      if (c !== 0x22) return bad(c, 'looking for beginning of object key string');
      const err = string();
      if (err) return err;
      state = 'colon';
    } else if (state === 'colon') {
      if (c !== 0x3a) return bad(c, 'after object key');
      i++;
      state = 'value';
    } else {
      const top = stack[stack.length - 1];
      if (top === undefined) return bad(c, 'after top-level value');
      if (c === 0x2c) state = top === OBJECT ? 'key' : 'value';
      else if ((top === OBJECT && c === 0x7d) || (top === ARRAY && c === 0x5d)) stack.pop();
      else return bad(c, top === OBJECT ? 'after object key:value pair' : 'after array element');
      i++;
    }
  }
}

/** JSON type names in Go's UnmarshalTypeError, for a value that is not an object. */
export function goJSONValueType(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'boolean') return 'bool';
  return 'object';
}
