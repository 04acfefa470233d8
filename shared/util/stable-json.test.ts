import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stableStringify } from './stable-json.ts';

test('stableStringify sorts keys at every level and drops undefined members', () => {
  assert.equal(stableStringify({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: undefined } }), '{"a":{"d":[1,{"x":1,"y":2}]},"b":1}');
  assert.equal(stableStringify([undefined, null, 'x']), '[null,null,"x"]');
  assert.equal(stableStringify(undefined), 'null');
  assert.equal(stableStringify({ t: null }), '{"t":null}');
  assert.equal(stableStringify({ s: 'a && <b>' }), '{"s":"a && <b>"}');
});

test('goHtmlEscape: Go encoding/json HTMLEscape of strings, keys too', () => {
  assert.equal(stableStringify({ 'a&b': 'x<y>z && \u2028' }, { goHtmlEscape: true }), '{"a\\u0026b":"x\\u003cy\\u003ez \\u0026\\u0026 \\u2028"}');
});

test('omitNull: a null member encodes as an absent one (Go zero value), a null array element stays', () => {
  assert.equal(stableStringify({ m: { creationTimestamp: null, labels: { a: 'b' } }, l: [null] }, { omitNull: true }), '{"l":[null],"m":{"labels":{"a":"b"}}}');
});
