/**
 * A windowed list with a fixed row height (lib/virtual-window.ts does the arithmetic): only the rows in view
 * (plus a few) are in the DOM, inside a spacer as tall as the whole list. A listbox for assistive technology,
 * keyboard: j/k or arrows, Home/End, PageUp/PageDown, Enter opens the selected row.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { moveSelection, scrollTopToReveal, virtualWindow } from '../lib/virtual-window.ts';

export interface VirtualListProps<T> {
  items: readonly T[];
  rowHeight: number;
  /** The viewport's height limit in pixels (the list is shorter when it has fewer rows). */
  maxHeight: number;
  keyOf: (item: T) => string;
  renderRow: (item: T, selected: boolean) => ComponentChildren;
  label: string;
  onOpen?: (item: T) => void;
  testId?: string;
  emptyText?: string;
  /** Fill the parent's height instead of maxHeight (full-page lists). */
  fill?: boolean;
}

let listIds = 0;

export function VirtualList<T>(props: VirtualListProps<T>) {
  const { items, rowHeight } = props;
  const ref = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewport, setViewport] = useState(props.maxHeight);
  const [selectedKey, setSelectedKey] = useState<string | null>(null);
  const [id] = useState(() => `vl${++listIds}`);

  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = () => setViewport(el.clientHeight || props.maxHeight);
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, [props.maxHeight]);

  const selectedIndex = selectedKey === null ? -1 : items.findIndex((it) => props.keyOf(it) === selectedKey);
  const win = virtualWindow({ count: items.length, rowHeight, scrollTop, viewportHeight: viewport, overscan: 6 });

  useEffect(() => {
    // The list shrank under the scroll position: the browser clamps scrollTop; follow it.
    const el = ref.current;
    if (el && el.scrollTop !== scrollTop) setScrollTop(el.scrollTop);
  }, [items.length]);

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    if (e.key === 'Enter') {
      const it = selectedIndex >= 0 ? items[selectedIndex] : undefined;
      if (it !== undefined && props.onOpen) {
        e.preventDefault();
        props.onOpen(it);
      }
      return;
    }
    const pageRows = Math.max(1, Math.floor(viewport / rowHeight) - 1);
    const next = moveSelection(selectedIndex, e.key, items.length, pageRows);
    if (next === selectedIndex || next < 0) {
      if (['j', 'k', 'ArrowDown', 'ArrowUp', 'Home', 'End', 'PageUp', 'PageDown'].includes(e.key)) e.preventDefault();
      return;
    }
    e.preventDefault();
    const it = items[next];
    if (it === undefined) return;
    setSelectedKey(props.keyOf(it));
    const el = ref.current;
    if (el) {
      const top = scrollTopToReveal(next, rowHeight, el.scrollTop, viewport);
      if (top !== el.scrollTop) {
        el.scrollTop = top;
        setScrollTop(top);
      }
    }
  };

  const rows: ComponentChildren[] = [];
  for (let i = win.start; i < win.end; i++) {
    const it = items[i];
    if (it === undefined) continue;
    const key = props.keyOf(it);
    const selected = key === selectedKey;
    rows.push(
      <div
        key={key}
        id={`${id}-${i}`}
        class={selected ? 'vrow selected' : 'vrow'}
        role="option"
        aria-selected={selected}
        aria-setsize={items.length}
        aria-posinset={i + 1}
        style={{ height: `${rowHeight}px` }}
        onClick={() => {
          setSelectedKey(key);
          props.onOpen?.(it);
        }}
      >
        {props.renderRow(it, selected)}
      </div>,
    );
  }
  const height = props.fill ? undefined : Math.min(props.maxHeight, Math.max(win.totalHeight, rowHeight));
  return (
    <div
      ref={ref}
      class={props.fill ? 'vlist fill' : 'vlist'}
      role="listbox"
      aria-label={props.label}
      tabIndex={0}
      aria-activedescendant={selectedIndex >= 0 ? `${id}-${selectedIndex}` : undefined}
      data-testid={props.testId}
      data-count={items.length}
      style={height !== undefined ? { height: `${height}px` } : undefined}
      onScroll={(e) => setScrollTop((e.currentTarget as HTMLDivElement).scrollTop)}
      onKeyDown={onKeyDown}
    >
      {items.length === 0 && props.emptyText ? <div class="vempty">{props.emptyText}</div> : null}
      <div class="vspacer" style={{ height: `${win.totalHeight}px` }}>
        <div class="vwindow" style={{ transform: `translateY(${win.offsetTop}px)` }}>
          {rows}
        </div>
      </div>
    </div>
  );
}
