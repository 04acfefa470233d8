import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LogBuffer } from './log-buffer.ts';

test('chunks split anywhere become lines; the partial line shows as it grows; CRLF is trimmed', () => {
  const b = new LogBuffer(10);
  b.push('hel');
  assert.deepEqual(b.lines(), ['hel']);
  b.push('lo\nwor');
  assert.deepEqual(b.lines(), ['hello', 'wor']);
  b.push('ld\r\n');
  assert.deepEqual(b.lines(), ['hello', 'world']);
  b.push('tail');
  b.end();
  assert.deepEqual(b.lines(), ['hello', 'world', 'tail']);
});

test('only the last maxLines are kept', () => {
  const b = new LogBuffer(3);
  for (let i = 0; i < 10; i++) b.push(`line ${i}\n`);
  assert.deepEqual(b.lines(), ['line 7', 'line 8', 'line 9']);
  assert.equal(b.dropped, 7);
  const v = b.version;
  b.clear();
  assert.deepEqual(b.lines(), []);
  assert.ok(b.version > v);
});
