/**
 * Nesting-depth limits checked on the raw request body before it is parsed, so a document like 2 MB of `[[[[…`
 * is refused in one linear pass instead of building (and recursing over) a million-level tree.
 *
 * Kubernetes' limits: Go's encoding/json (and sigs.k8s.io/json) refuses JSON nested deeper than 10,000 levels
 * (`invalid character '[' exceeded max depth`), and go-yaml v2 (behind sigs.k8s.io/yaml) refuses more than
 * 10,000 flow levels or block indentation levels (`yaml: exceeded max depth of 10000`).
 */

/** Go's maxNestingDepth (encoding/json scanner) and go-yaml's max_flow_level / max_indents. */
export const MAX_NESTING_DEPTH = 10_000;

export interface DepthViolation {
  /** The character that opened the level past the limit. */
  char: string;
  /** 0-based line of that character (YAML only; JSON reports no position, as Go's message has none). */
  line: number;
}

/**
 * The first place where a JSON text nests deeper than `max`, or undefined. Strings (with escapes) are skipped;
 * a body shorter than `max` bytes cannot nest that deep and is not scanned at all.
 */
export function jsonDepthViolation(body: Uint8Array, max = MAX_NESTING_DEPTH): DepthViolation | undefined {
  if (body.length <= max) return undefined;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > max) return { char: String.fromCharCode(c), line: 0 };
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) {
      if (depth > 0) depth--;
    }
  }
  return undefined;
}

/** Go's SyntaxError text for a JSON body past the limit. */
export function jsonDepthMessage(v: DepthViolation): string {
  return `invalid character '${v.char}' exceeded max depth`;
}

/**
 * The first place where a YAML text nests deeper than `max` flow levels (`[`/`{` outside quotes, comments and
 * block scalars) or `max` block indentation levels, or undefined. The block depth of a line is bounded by the
 * column where its content starts once leading `- `, `? ` and `: ` indicators are counted as indentation (each
 * nested block collection needs at least one more column), so this is an upper bound that a real document only
 * reaches when it is really that deep. Like the JSON scan, a text shorter than `max` characters is not scanned.
 */
export function yamlDepthViolation(text: string, max = MAX_NESTING_DEPTH): DepthViolation | undefined {
  if (text.length <= max) return undefined;
  let flow = 0;
  let line = 0;
  let quote: '"' | "'" | '' = '';
  /** Inside a block scalar (`|`, `>`): lines indented deeper than this column belong to it. */
  let blockScalarParent = -1;
  const n = text.length;
  let i = 0;
  while (i < n) {
    // Start of a line.
    let col = 0;
    while (i + col < n && text.charCodeAt(i + col) === 0x20) col++;
    const contentAt = i + col;
    const lineEnd = nextLineEnd(text, contentAt);
    if (blockScalarParent >= 0 && !quote) {
      const blank = contentAt >= lineEnd;
      if (blank || col > blockScalarParent) {
        i = lineEnd + 1;
        line++;
        continue;
      }
      blockScalarParent = -1;
    }
    let j = contentAt;
    let atNodeStart = true;
    if (!quote && flow === 0) {
      // Block indicators count as indentation.
      while (j + 1 <= lineEnd && isBlockIndicator(text, j, lineEnd)) {
        j += 1;
        while (j < lineEnd && text.charCodeAt(j) === 0x20) j++;
      }
      if (j - i > max) return { char: '-', line };
    }
    for (; j < lineEnd; j++) {
      const c = text.charCodeAt(j);
      if (quote === '"') {
        if (c === 0x5c) j++;
        else if (c === 0x22) quote = '';
        continue;
      }
      if (quote === "'") {
        if (c === 0x27) {
          if (text.charCodeAt(j + 1) === 0x27) j++;
          else quote = '';
        }
        continue;
      }
      if (c === 0x20 || c === 0x09) {
        continue;
      }
      if (c === 0x23 /* # */ && (j === contentAt || text.charCodeAt(j - 1) === 0x20 || text.charCodeAt(j - 1) === 0x09)) break;
      const nodeStart = atNodeStart || flow > 0;
      atNodeStart = false;
      if (c === 0x22 && nodeStart) {
        quote = '"';
      } else if (c === 0x27 && nodeStart) {
        quote = "'";
      } else if ((c === 0x5b || c === 0x7b) && nodeStart) {
        if (++flow > max) return { char: String.fromCharCode(c), line };
        atNodeStart = true;
      } else if ((c === 0x5d || c === 0x7d) && flow > 0) {
        flow--;
      } else if (c === 0x2c /* , */ && flow > 0) {
        atNodeStart = true;
      } else if (c === 0x3a /* : */ && (j + 1 >= lineEnd || text.charCodeAt(j + 1) === 0x20 || flow > 0)) {
        atNodeStart = true;
      } else if ((c === 0x7c /* | */ || c === 0x3e /* > */) && nodeStart && flow === 0) {
        blockScalarParent = col;
        break;
      } else if ((c === 0x26 /* & */ || c === 0x21 /* ! */) && nodeStart) {
        // An anchor or tag precedes the node: skip it, the node starts after it.
        while (j + 1 < lineEnd && text.charCodeAt(j + 1) !== 0x20 && text.charCodeAt(j + 1) !== 0x5b && text.charCodeAt(j + 1) !== 0x7b) j++;
        atNodeStart = true;
      } else if (c === 0x2d /* - */ && nodeStart && flow === 0 && (j + 1 >= lineEnd || text.charCodeAt(j + 1) === 0x20)) {
        atNodeStart = true;
      }
    }
    i = lineEnd + 1;
    line++;
  }
  return undefined;
}

/** go-yaml's message (after sigs.k8s.io/yaml's `error converting YAML to JSON: ` prefix). */
export function yamlDepthMessage(v: DepthViolation, max = MAX_NESTING_DEPTH): string {
  return `yaml: ${v.line > 0 ? `line ${v.line + 1}: ` : ''}exceeded max depth of ${max}`;
}

function nextLineEnd(text: string, from: number): number {
  const k = text.indexOf('\n', from);
  return k < 0 ? text.length : k;
}

/** `- `, `? ` or `: ` (or the indicator alone at the end of the line). */
function isBlockIndicator(text: string, j: number, lineEnd: number): boolean {
  const c = text.charCodeAt(j);
  if (c !== 0x2d && c !== 0x3f && c !== 0x3a) return false;
  return j + 1 >= lineEnd || text.charCodeAt(j + 1) === 0x20;
}
