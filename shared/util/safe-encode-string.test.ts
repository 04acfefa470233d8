import { test } from 'node:test';
import assert from 'node:assert/strict';
import { safeEncodeString } from './safe-encode-string.ts';

test('safeEncodeString maps every character into the vowel-free alphabet', () => {
  // '0' is 48: 48 % 27 = 21 -> '4'; '9' is 57: 3 -> 'f'
  assert.equal(safeEncodeString('09'), '4f');
  assert.equal(safeEncodeString('0123'), '4567');
  assert.match(safeEncodeString('1234567890'), /^[bcdfghjklmnpqrstvwxz2456789]+$/);
});
