/**
 * Terminal lines for `kubectl anatomy`: a line is a list of segments, each with an optional style. Lines are
 * fitted to the terminal width on their visible characters (code points; the drawing uses only single-width
 * characters) and only then coloured, so an ANSI sequence is never cut and colour never changes the layout.
 */

export type Style = 'bold' | 'dim' | 'red' | 'green' | 'yellow' | 'blue' | 'magenta' | 'cyan';

export interface Segment {
  text: string;
  style?: Style;
}

export type Line = Segment[];

const SGR: Record<Style, string> = {
  bold: '1',
  dim: '2',
  red: '31',
  green: '32',
  yellow: '33',
  blue: '34',
  magenta: '35',
  cyan: '36',
};

export const ELLIPSIS = '…';

/** A segment; `s('x')` is plain, `s('x', 'red')` styled. */
export function s(text: string, style?: Style): Segment {
  return style ? { text, style } : { text };
}

/** Visible length of a string in code points. */
export function visibleLength(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

export function lineLength(line: Line): number {
  let n = 0;
  for (const seg of line) n += visibleLength(seg.text);
  return n;
}

/** Pads (or keeps) text to `width` code points on the right. */
export function padEnd(text: string, width: number): string {
  const len = visibleLength(text);
  return len >= width ? text : text + ' '.repeat(width - len);
}

/** Pads text to `width` code points on the left. */
export function padStart(text: string, width: number): string {
  const len = visibleLength(text);
  return len >= width ? text : ' '.repeat(width - len) + text;
}

/**
 * Cuts a line to at most `width` visible characters: a longer line keeps its first width-1 characters and ends
 * with an ellipsis (in the style of the segment it cuts). Trailing spaces are dropped.
 */
export function fitLine(line: Line, width: number): Line {
  const trimmed = trimEnd(line);
  if (lineLength(trimmed) <= width) return trimmed;
  const out: Line = [];
  let room = Math.max(0, width - 1);
  let lastStyle: Style | undefined;
  for (const seg of trimmed) {
    if (room === 0) break;
    const chars = Array.from(seg.text);
    const take = chars.slice(0, room);
    room -= take.length;
    lastStyle = seg.style;
    out.push(s(take.join(''), seg.style));
  }
  if (width > 0) out.push(s(ELLIPSIS, lastStyle));
  return out.filter((seg) => seg.text !== '');
}

function trimEnd(line: Line): Line {
  const out = line.filter((seg) => seg.text !== '');
  while (out.length > 0) {
    const last = out[out.length - 1] as Segment;
    const t = last.text.replace(/\s+$/, '');
    if (t === last.text) break;
    out.pop();
    if (t !== '') {
      out.push(s(t, last.style));
      break;
    }
  }
  return out;
}

/** The line as text: styled segments wrapped in SGR sequences when `color`. */
export function renderLine(line: Line, color: boolean): string {
  let out = '';
  for (const seg of line) {
    if (seg.text === '') continue;
    out += color && seg.style ? `\x1b[${SGR[seg.style]}m${seg.text}\x1b[0m` : seg.text;
  }
  return out;
}

/**
 * Lays out items on as many lines as the width needs: the first line starts with `first`, the next ones with
 * `rest` (same visible width), items separated by two spaces. An item wider than a whole line gets a line of its
 * own (and is cut by fitLine later).
 */
export function wrapItems(first: Line, rest: Line, items: Line[], width: number): Line[] {
  const lines: Line[] = [];
  let current: Line = [...first];
  let used = lineLength(first);
  let empty = true;
  for (const item of items) {
    const len = lineLength(item);
    if (!empty && used + 2 + len > width) {
      lines.push(current);
      current = [...rest];
      used = lineLength(rest);
      empty = true;
    }
    if (!empty) {
      current.push(s('  '));
      used += 2;
    }
    current.push(...item);
    used += len;
    empty = false;
  }
  lines.push(current);
  return lines;
}
