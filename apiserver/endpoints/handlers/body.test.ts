import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from '../../../shared/errors/status-error.ts';
import { decodeBody, decodeYAML } from './body.ts';

function badRequest(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof StatusError, String(e));
    assert.equal(e.status.code, 400, e.status.message);
    assert.equal(e.status.reason, 'BadRequest');
    return e.status.message ?? '';
  }
  assert.fail('expected a 400');
}

test('YAML tags without a JSON meaning are a 400 naming the tag', () => {
  for (const [doc, tag] of [
    ['a: !!binary aGVsbG8=\n', '!!binary'],
    ['a: !!set {x, y}\n', '!!set'],
    ['a: !!omap [x: 1]\n', '!!omap'],
    ['a: !!timestamp 2001-12-14\n', '!!timestamp'],
    ['a: !custom bar\n', '!custom'],
  ] as const) {
    assert.equal(badRequest(() => decodeYAML(doc)), `error converting YAML to JSON: yaml: the tag ${tag} has no JSON equivalent`);
  }
});

test('YAML: JSON tags, non-specific tags and plain documents decode to JSON values', () => {
  assert.deepEqual(decodeYAML('a: !!str 12\nb: !!int "7"\nc: ! 3\nd: !!map {x: [1, !!null ""]}\ne: 2001-12-14\n'), {
    a: '12',
    b: 7,
    c: '3',
    d: { x: [1, null] },
    e: '2001-12-14',
  });
});

test('YAML: collections as keys are a 400', () => {
  assert.match(badRequest(() => decodeYAML('? [a]\n: 1\n')), /^error converting YAML to JSON: yaml: a sequence or mapping cannot be a mapping key/);
});

test('YAML: billion laughs is refused fast with bounded work', () => {
  const lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
  for (let i = 1; i < 9; i++) {
    const prev = String.fromCharCode(96 + i);
    const cur = String.fromCharCode(97 + i);
    lines.push(`${cur}: &${cur} [${Array(9).fill('*' + prev).join(',')}]`);
  }
  const t = performance.now();
  assert.match(badRequest(() => decodeYAML(lines.join('\n'))), /^error converting YAML to JSON: yaml: Excessive alias count/);
  assert.ok(performance.now() - t < 1000);
});

test('YAML: nesting past 10,000 levels is refused before parsing; a few thousand is a 400 too', () => {
  const t = performance.now();
  assert.equal(badRequest(() => decodeYAML('['.repeat(2_000_000))), 'error converting YAML to JSON: yaml: exceeded max depth of 10000');
  assert.ok(performance.now() - t < 500);
  badRequest(() => decodeYAML('['.repeat(5000) + ']'.repeat(5000)));
  badRequest(() => decodeYAML(Array.from({ length: 3000 }, (_, i) => ' '.repeat(i) + '- ').join('\n') + 'x'));
});

test('JSON: nesting past 10,000 levels is a 400 in Go\'s words, for any +json type', () => {
  for (const type of ['application/json', 'application/merge-patch+json', 'application/json-patch+json', 'application/strategic-merge-patch+json']) {
    assert.equal(
      badRequest(() => decodeBody(Buffer.from('['.repeat(10_001) + ']'.repeat(10_001)), type)),
      "couldn't get version/kind; json parse error: invalid character '[' exceeded max depth",
    );
  }
  assert.deepEqual(decodeBody(Buffer.from('{"a":[1]}'), 'application/json'), { a: [1] });
});
