/**
 * Go's encoding/json decoding of []byte fields (base64.StdEncoding): padded standard alphabet, `\r` and `\n`
 * ignored. A bad value is a decode error (`illegal base64 data at input byte N`), which kube-apiserver answers
 * with 400 before any validation runs.
 */

const ALPHABET = /[A-Za-z0-9+/]/;

export class Base64Error extends Error {
  readonly offset: number;
  constructor(offset: number) {
    super(`illegal base64 data at input byte ${offset}`);
    this.name = 'Base64Error';
    this.offset = offset;
  }
}

/** Decodes like base64.StdEncoding.DecodeString; throws Base64Error with Go's offset. */
export function decodeStdBase64(s: string): Buffer {
  let quantumStart = 0;
  let inQuantum = 0;
  let padding = 0;
  let clean = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\r' || c === '\n') continue;
    if (padding > 0) {
      // Only more padding may follow a '=' inside the final quantum; anything after the quantum is an error.
      if (c === '=' && inQuantum < 4) {
        inQuantum++;
        padding++;
        clean += c;
        continue;
      }
      throw new Base64Error(i);
    }
    if (inQuantum === 0) quantumStart = i;
    if (c === '=') {
      // "xx==" or "xxx=": padding may start at the 3rd or 4th character of a quantum.
      if (inQuantum < 2) throw new Base64Error(i);
      padding = 1;
      inQuantum++;
      clean += c;
      continue;
    }
    if (!ALPHABET.test(c)) throw new Base64Error(i);
    clean += c;
    inQuantum = (inQuantum + 1) % 4;
  }
  if (padding > 0) {
    if (inQuantum !== 4 && inQuantum !== 0) throw new Base64Error(s.length);
  } else if (inQuantum !== 0) {
    throw new Base64Error(quantumStart);
  }
  return Buffer.from(clean, 'base64');
}

/** The decoded byte length of a valid base64 value (no allocation). */
export function base64DecodedLength(s: string): number {
  let n = 0;
  let pad = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 10 || c === 13) continue;
    if (c === 61) pad++;
    n++;
  }
  return (n / 4) * 3 - pad;
}
