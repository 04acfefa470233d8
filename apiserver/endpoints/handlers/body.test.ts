import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from '../../../shared/errors/status-error.ts';
import { decodeBody, decodeObjectBody, decodeYAML, summarizeData } from './body.ts';
import { goJSONSyntaxError } from './go-json-error.ts';

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

test('JSON syntax errors read as Go\'s encoding/json, never as V8\'s', () => {
  const cases: [string, string][] = [
    ['apiVersion: v1\nkind: Namespace\n', "invalid character 'a' looking for beginning of value"],
    ['', 'unexpected end of JSON input'],
    ['{"metadata": {"name": "x"', 'unexpected end of JSON input'],
    ['{"a" 1}', "invalid character '1' after object key"],
    ['{"a": 1 "b": 2}', 'invalid character \'"\' after object key:value pair'],
    ['{"a": [1 2]}', "invalid character '2' after array element"],
    ['{a: 1}', "invalid character 'a' looking for beginning of object key string"],
    ['{"a": 1,}', "invalid character '}' looking for beginning of object key string"],
    ['[1,]', "invalid character ']' looking for beginning of value"],
    ['{} x', "invalid character 'x' after top-level value"],
    ['[01]', "invalid character '1' after array element"],
    ['{"a": tru}', "invalid character '}' in literal true (expecting 'e')"],
    ['{"a": nul', 'unexpected end of JSON input'],
    ['{"a": -x}', "invalid character 'x' in numeric literal"],
    ['{"a": 1.}', "invalid character '}' after decimal point in numeric literal"],
    ['{"a": 1e}', "invalid character '}' in exponent of numeric literal"],
    ['{"a": "\\q"}', "invalid character 'q' in string escape code"],
    ['{"a": "\\u12g4"}', "invalid character 'g' in \\u hexadecimal character escape"],
    ['{"a": "x\ny"}', "invalid character '\\n' in string literal"],
    ["{'a': 1}", "invalid character '\\'' looking for beginning of object key string"],
    ['\\', "invalid character '\\\\' looking for beginning of value"],
    ['{"a":1}', ''],
    [' [1, 2.5e-3, "x\\u00e9", true, false, null, {}] ', ''],
  ];
  for (const [body, want] of cases) assert.equal(goJSONSyntaxError(Buffer.from(body)), want, body);
  assert.equal(badRequest(() => decodeBody(Buffer.from('{"a": 1 "b": 2}'), 'application/json')), 'couldn\'t get version/kind; json parse error: invalid character \'"\' after object key:value pair');
  // a byte outside ASCII is quoted as the rune of that byte (Go's scanner works on bytes)
  assert.equal(goJSONSyntaxError(Buffer.from('é')), "invalid character 'Ã' looking for beginning of value");
});

test('create/update bodies that fail to decode: kube\'s transformDecodeError wording with the summarized body', () => {
  const yaml = 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: x\n';
  assert.equal(
    badRequest(() => decodeObjectBody(Buffer.from(yaml), 'application/json', 'Namespace')),
    "the object provided is unrecognized (must be of type Namespace): couldn't get version/kind; json parse error: invalid character 'a' looking for beginning of value (61706956657273696f6e3a2076310a6b696e643a204e616d657370616365 ...)",
  );
  assert.equal(
    badRequest(() => decodeObjectBody(Buffer.from('{"metadata": {"name": "x"'), 'application/json', 'Pod')),
    'the object provided is unrecognized (must be of type Pod): couldn\'t get version/kind; json parse error: unexpected end of JSON input ({"metadata": {"name": "x")',
  );
  assert.equal(
    badRequest(() => decodeObjectBody(Buffer.from(''), 'application/json', 'Pod')),
    "the object provided is unrecognized (must be of type Pod): couldn't get version/kind; json parse error: unexpected end of JSON input (<empty>)",
  );
  assert.equal(
    badRequest(() => decodeObjectBody(Buffer.from('[1,2,3]'), 'application/json', 'Pod')),
    'the object provided is unrecognized (must be of type Pod): couldn\'t get version/kind; json parse error: json: cannot unmarshal array into Go value of type struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" } (5b312c322c335d)',
  );
  assert.equal(
    badRequest(() => decodeObjectBody(Buffer.from('"x"'), 'application/json', 'Pod')),
    'the object provided is unrecognized (must be of type Pod): couldn\'t get version/kind; json parse error: json: cannot unmarshal string into Go value of type struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" } (227822)',
  );
  assert.match(
    badRequest(() => decodeObjectBody(Buffer.from('a: [b'), 'application/yaml', 'Pod')),
    /^the object provided is unrecognized \(must be of type Pod\): error converting YAML to JSON: yaml: .* \(613a205b62\)$/,
  );
  assert.deepEqual(decodeObjectBody(Buffer.from('null'), 'application/json', 'Pod'), {});
  assert.deepEqual(decodeObjectBody(Buffer.from('{"kind":"Pod"}'), undefined, 'Pod'), { kind: 'Pod' });
  assert.equal(summarizeData(Buffer.from('{"apiVersion":"v1","kind":"Pod","metadata":{}}')), '{"apiVersion":"v1","kind":"Pod ...');
});
