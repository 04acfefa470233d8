/**
 * Windowing arithmetic for lists with a fixed row height: which rows to put in the DOM for a scroll position,
 * and where to scroll so a selected row is visible. The list component renders rows [start, end) offset by
 * `offsetTop` inside a spacer `totalHeight` tall, so the scrollbar matches the whole list while the DOM holds
 * only about a screenful.
 */

export interface WindowInput {
  count: number;
  rowHeight: number;
  scrollTop: number;
  viewportHeight: number;
  /** Extra rows rendered above and below the visible ones (smooth scrolling). @default 4 */
  overscan?: number;
}

export interface VirtualWindow {
  /** First row in the DOM. */
  start: number;
  /** One past the last row in the DOM. */
  end: number;
  /** Pixels above row `start`. */
  offsetTop: number;
  /** Pixels of the whole list. */
  totalHeight: number;
}

export function virtualWindow(input: WindowInput): VirtualWindow {
  const { count, rowHeight } = input;
  if (!(rowHeight > 0)) throw new RangeError(`rowHeight must be positive, got ${rowHeight}`);
  const overscan = Math.max(0, Math.floor(input.overscan ?? 4));
  const totalHeight = Math.max(0, count) * rowHeight;
  if (count <= 0) return { start: 0, end: 0, offsetTop: 0, totalHeight: 0 };
  const viewport = Math.max(0, input.viewportHeight);
  // A scroll position past the end (the list just shrank) shows the last screenful.
  const maxScroll = Math.max(0, totalHeight - viewport);
  const scrollTop = Math.min(Math.max(0, input.scrollTop), maxScroll);
  const firstVisible = Math.floor(scrollTop / rowHeight);
  const lastVisible = Math.min(count, Math.ceil((scrollTop + viewport) / rowHeight));
  const start = Math.max(0, firstVisible - overscan);
  const end = Math.min(count, Math.max(lastVisible, firstVisible + 1) + overscan);
  return { start, end, offsetTop: start * rowHeight, totalHeight };
}

/**
 * The scrollTop that makes row `index` fully visible, moving as little as possible (the current scrollTop when
 * it already is).
 */
export function scrollTopToReveal(index: number, rowHeight: number, scrollTop: number, viewportHeight: number): number {
  const top = index * rowHeight;
  const bottom = top + rowHeight;
  if (top < scrollTop) return top;
  if (bottom > scrollTop + viewportHeight) return Math.max(0, bottom - viewportHeight);
  return scrollTop;
}

/** The selection after a key press in a list of `count` rows (j/k, arrows, Home/End, PageUp/PageDown). */
export function moveSelection(current: number, key: string, count: number, pageRows: number): number {
  if (count <= 0) return -1;
  const last = count - 1;
  const from = current < 0 ? -1 : Math.min(current, last);
  switch (key) {
    case 'j':
    case 'ArrowDown':
      return Math.min(last, from + 1);
    case 'k':
    case 'ArrowUp':
      return from < 0 ? 0 : Math.max(0, from - 1);
    case 'Home':
      return 0;
    case 'End':
      return last;
    case 'PageDown':
      return Math.min(last, Math.max(0, from) + Math.max(1, pageRows));
    case 'PageUp':
      return Math.max(0, Math.max(0, from) - Math.max(1, pageRows));
    default:
      return from;
  }
}
