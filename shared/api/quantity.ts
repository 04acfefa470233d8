/**
 * resource.Quantity: parse, compare and print the way kube-apiserver does.
 *
 * Semantics follow k8s.io/apimachinery/pkg/api/resource (quantity.go, suffix.go):
 *   <quantity>  ::= <signedNumber><suffix>
 *   <suffix>    ::= Ki | Mi | Gi | Ti | Pi | Ei            (binary, BinarySI)
 *                 | n | u | m | "" | k | M | G | T | P | E  (decimal, DecimalSI)
 *                 | e<signedNumber> | E<signedNumber>       (DecimalExponent)
 * Values are kept exactly as integer nano-units (BigInt); anything finer than 1n is rounded up, as kube does.
 * The canonical string keeps the input's format family and picks the largest suffix with an integral mantissa
 * ("1000m" -> "1", "2000" -> "2k", "1024Mi" -> "1Gi", "1.5" -> "1500m").
 */

export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

export interface Quantity {
  /** The value in units of 10^-9, rounded up (away from zero). */
  nanos: bigint;
  format: QuantityFormat;
}

/** kube's ErrFormatWrong text; a Pod carrying such a value fails decoding with this message. */
export const QUANTITY_FORMAT_ERROR =
  "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
export const QUANTITY_NUMERIC_ERROR = 'unable to parse numeric part of quantity';
export const QUANTITY_SUFFIX_ERROR = "unable to parse quantity's suffix";

export class QuantityParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QuantityParseError';
  }
}

const NANO = 1_000_000_000n;

const DECIMAL_SUFFIXES: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_SUFFIXES: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };

function pow10(n: number): bigint {
  return 10n ** BigInt(n);
}

/** Divide rounding away from zero (the numerator may be negative, the denominator is positive). */
function divUp(num: bigint, den: bigint): bigint {
  const q = num / den;
  return num % den === 0n ? q : num < 0n ? q - 1n : q + 1n;
}

/** Parse a quantity string (or a JSON number, which kube also accepts) into an exact Quantity. */
export function parseQuantityExact(input: string | number): Quantity {
  const s = typeof input === 'number' ? numberToQuantityString(input) : input.trim();
  if (s.length === 0) throw new QuantityParseError('quantities must match the regular expression');
  let i = 0;
  let negative = false;
  if (s[i] === '+' || s[i] === '-') {
    negative = s[i] === '-';
    i++;
  }
  let intDigits = '';
  let fracDigits = '';
  let seenDot = false;
  for (; i < s.length; i++) {
    const c = s[i]!;
    if (c >= '0' && c <= '9') {
      if (seenDot) fracDigits += c;
      else intDigits += c;
    } else if (c === '.' && !seenDot) {
      seenDot = true;
    } else {
      break;
    }
  }
  if (intDigits.length === 0 && fracDigits.length === 0) throw new QuantityParseError(QUANTITY_FORMAT_ERROR);
  const suffix = s.slice(i);
  if (!/^[eEinumkKMGTP]*[-+]?[0-9]*$/.test(suffix)) throw new QuantityParseError(QUANTITY_FORMAT_ERROR);

  const mantissa = BigInt((intDigits || '0') + fracDigits) * (negative ? -1n : 1n);
  const scale = fracDigits.length; // mantissa is value * 10^scale
  let nanos: bigint;
  let format: QuantityFormat;
  if (suffix in BINARY_SUFFIXES) {
    format = 'BinarySI';
    nanos = divUp(mantissa * (1n << BigInt(BINARY_SUFFIXES[suffix]!)) * NANO, pow10(scale));
  } else if (suffix in DECIMAL_SUFFIXES) {
    format = 'DecimalSI';
    nanos = scaleDecimal(mantissa, DECIMAL_SUFFIXES[suffix]! - scale);
  } else if (/^[eE][-+]?[0-9]+$/.test(suffix)) {
    format = 'DecimalExponent';
    const exp = Number(suffix.slice(1));
    if (!Number.isSafeInteger(exp) || Math.abs(exp) > 1000) throw new QuantityParseError(QUANTITY_NUMERIC_ERROR);
    nanos = scaleDecimal(mantissa, exp - scale);
  } else {
    throw new QuantityParseError(QUANTITY_SUFFIX_ERROR);
  }
  if (nanos === 0n) nanos = 0n; // normalise -0
  return { nanos, format };
}

/** mantissa * 10^exp expressed in nano units, rounded away from zero. */
function scaleDecimal(mantissa: bigint, exp: number): bigint {
  const e = exp + 9;
  return e >= 0 ? mantissa * pow10(e) : divUp(mantissa, pow10(-e));
}

function numberToQuantityString(n: number): string {
  if (!Number.isFinite(n)) throw new QuantityParseError(QUANTITY_FORMAT_ERROR);
  // JSON numbers such as 1e-3 or 1.5 must keep their exact decimal spelling.
  return Number.isInteger(n) && Math.abs(n) < 1e21 ? BigInt(n).toString() : String(n).replace('e+', 'e');
}

/** Parse a quantity into a plain number of base units (cores, bytes, ...). Throws QuantityParseError. */
export function parseQuantity(input: string | number): number {
  return quantityToNumber(parseQuantityExact(input));
}

export function quantityToNumber(q: Quantity): number {
  const whole = q.nanos / NANO;
  const frac = q.nanos % NANO;
  return Number(whole) + Number(frac) / 1e9;
}

/** True when the string parses as a quantity. */
export function isValidQuantity(input: unknown): boolean {
  if (typeof input !== 'string' && typeof input !== 'number') return false;
  try {
    parseQuantityExact(input);
    return true;
  } catch {
    return false;
  }
}

export function compareQuantities(a: Quantity, b: Quantity): -1 | 0 | 1 {
  return a.nanos < b.nanos ? -1 : a.nanos > b.nanos ? 1 : 0;
}

export function addQuantities(a: Quantity, b: Quantity): Quantity {
  return { nanos: a.nanos + b.nanos, format: a.format };
}

/** Value in milli-units rounded up, as resource.Quantity.MilliValue(). */
export function quantityMilliValue(q: Quantity): number {
  return Number(divUp(q.nanos, 1_000_000n));
}

/** Value in whole units rounded up, as resource.Quantity.Value(). */
export function quantityValue(q: Quantity): number {
  return Number(divUp(q.nanos, NANO));
}

const DECIMAL_BY_EXP: Record<number, string> = { [-9]: 'n', [-6]: 'u', [-3]: 'm', 0: '', 3: 'k', 6: 'M', 9: 'G', 12: 'T', 15: 'P', 18: 'E' };
const BINARY_NAMES = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];

/** The canonical string kube prints for a quantity (resource.Quantity.String()). */
export function quantityToString(q: Quantity): string {
  if (q.nanos === 0n) return '0';
  if (q.format === 'BinarySI') {
    const abs = q.nanos < 0n ? -q.nanos : q.nanos;
    if (abs >= 1024n * NANO && q.nanos % NANO === 0n) {
      let v = q.nanos / NANO;
      let k = 0;
      while (k < 6 && v % 1024n === 0n) {
        v /= 1024n;
        k++;
      }
      return `${v}${BINARY_NAMES[k]}`;
    }
    return decimalString(q.nanos, 'DecimalSI');
  }
  return decimalString(q.nanos, q.format);
}

function decimalString(nanos: bigint, format: QuantityFormat): string {
  let exp = -9;
  let mantissa = nanos;
  while (exp < 18 && mantissa % 1000n === 0n) {
    mantissa /= 1000n;
    exp += 3;
  }
  if (format === 'DecimalExponent') return exp === 0 ? `${mantissa}` : `${mantissa}e${exp}`;
  return `${mantissa}${DECIMAL_BY_EXP[exp]}`;
}

/** Parse and print back canonically ("1000m" -> "1"). Throws QuantityParseError. */
export function canonicalQuantity(input: string | number): string {
  return quantityToString(parseQuantityExact(input));
}
