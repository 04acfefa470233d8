import { test } from 'node:test';
import assert from 'node:assert/strict';
import { moveSelection, scrollTopToReveal, virtualWindow } from './virtual-window.ts';

test('only the visible rows plus overscan are in the window', () => {
  // 1,000 rows of 30 px in a 300 px viewport scrolled to row 100.
  const w = virtualWindow({ count: 1000, rowHeight: 30, scrollTop: 3000, viewportHeight: 300, overscan: 4 });
  assert.deepEqual(w, { start: 96, end: 114, offsetTop: 96 * 30, totalHeight: 30_000 });
  assert.ok(w.end - w.start <= 300 / 30 + 2 * 4, 'a screenful, not the list');
});

test('a partly visible row at the bottom is included', () => {
  const w = virtualWindow({ count: 1000, rowHeight: 30, scrollTop: 15, viewportHeight: 100, overscan: 0 });
  // rows 0 (half), 1, 2, 3 (partly: 90..120 covers 115)
  assert.deepEqual([w.start, w.end], [0, 4]);
});

test('edges: empty list, top, end, scroll position past the end after the list shrank', () => {
  assert.deepEqual(virtualWindow({ count: 0, rowHeight: 30, scrollTop: 500, viewportHeight: 300 }), { start: 0, end: 0, offsetTop: 0, totalHeight: 0 });
  const top = virtualWindow({ count: 5, rowHeight: 30, scrollTop: 0, viewportHeight: 300, overscan: 4 });
  assert.deepEqual([top.start, top.end, top.totalHeight], [0, 5, 150]);
  const end = virtualWindow({ count: 100, rowHeight: 10, scrollTop: 950, viewportHeight: 50, overscan: 2 });
  assert.deepEqual([end.start, end.end], [93, 100]);
  // The list shrank from 1,000 to 20 rows while scrolled far down: show its last screenful, not nothing.
  const shrunk = virtualWindow({ count: 20, rowHeight: 10, scrollTop: 5000, viewportHeight: 50, overscan: 0 });
  assert.deepEqual([shrunk.start, shrunk.end, shrunk.offsetTop], [15, 20, 150]);
  assert.throws(() => virtualWindow({ count: 1, rowHeight: 0, scrollTop: 0, viewportHeight: 10 }), RangeError);
});

test('scrollTopToReveal moves as little as possible', () => {
  assert.equal(scrollTopToReveal(5, 30, 0, 300), 0, 'already visible');
  assert.equal(scrollTopToReveal(10, 30, 0, 300), 30, 'just below: align its bottom');
  assert.equal(scrollTopToReveal(2, 30, 200, 300), 60, 'above: align its top');
});

test('keyboard selection: j/k, arrows, Home/End, pages, clamped', () => {
  assert.equal(moveSelection(-1, 'j', 10, 5), 0);
  assert.equal(moveSelection(-1, 'k', 10, 5), 0);
  assert.equal(moveSelection(3, 'ArrowDown', 10, 5), 4);
  assert.equal(moveSelection(3, 'k', 10, 5), 2);
  assert.equal(moveSelection(9, 'j', 10, 5), 9);
  assert.equal(moveSelection(0, 'ArrowUp', 10, 5), 0);
  assert.equal(moveSelection(4, 'End', 10, 5), 9);
  assert.equal(moveSelection(4, 'Home', 10, 5), 0);
  assert.equal(moveSelection(4, 'PageDown', 10, 5), 9);
  assert.equal(moveSelection(8, 'PageUp', 10, 5), 3);
  assert.equal(moveSelection(12, 'x', 10, 5), 9, 'a selection past a shrunk list is clamped');
  assert.equal(moveSelection(0, 'j', 0, 5), -1);
});
