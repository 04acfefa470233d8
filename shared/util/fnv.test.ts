import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fnv1_32, fnv1a_32 } from './fnv.ts';

test('FNV-1 and FNV-1a 32-bit match Go hash/fnv', () => {
  assert.equal(fnv1_32(''), 0x811c9dc5);
  assert.equal(fnv1_32('a'), 0x050c5d7e);
  assert.equal(fnv1a_32(''), 0x811c9dc5);
  assert.equal(fnv1a_32('a'), 0xe40c292c);
  assert.equal(fnv1a_32('foobar'), 0xbf9cf968);
});

test('a seed continues the sum (Go repeated Write); strings are hashed as UTF-8', () => {
  assert.equal(fnv1a_32('bar', fnv1a_32('foo')), fnv1a_32('foobar'));
  assert.equal(fnv1_32('bar', fnv1_32('foo')), fnv1_32('foobar'));
  assert.equal(fnv1a_32('é'), fnv1a_32(new Uint8Array([0xc3, 0xa9])));
});
