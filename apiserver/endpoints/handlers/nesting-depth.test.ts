import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_NESTING_DEPTH, jsonDepthViolation, yamlDepthViolation, yamlDepthMessage, jsonDepthMessage } from './nesting-depth.ts';

const nested = (open: string, close: string, depth: number, inner = '1') => open.repeat(depth) + inner + close.repeat(depth);

test('JSON: exactly 10,000 levels pass, 10,001 are refused with Go\'s wording', () => {
  assert.equal(jsonDepthViolation(Buffer.from(nested('[', ']', MAX_NESTING_DEPTH))), undefined);
  const v = jsonDepthViolation(Buffer.from(nested('[', ']', MAX_NESTING_DEPTH + 1)));
  assert.ok(v);
  assert.equal(jsonDepthMessage(v), "invalid character '[' exceeded max depth");
  const o = jsonDepthViolation(Buffer.from(nested('{"a":', '}', MAX_NESTING_DEPTH + 1)));
  assert.equal(o?.char, '{');
});

test('JSON: brackets inside strings (escaped quotes included) do not count', () => {
  const s = JSON.stringify({ a: '['.repeat(20_000), b: '\\"[[[' + '{'.repeat(20_000) });
  assert.equal(jsonDepthViolation(Buffer.from(s)), undefined);
  assert.equal(JSON.parse(s).a.length, 20_000);
  // depth is counted across siblings: many shallow arrays are fine
  assert.equal(jsonDepthViolation(Buffer.from('[' + Array(20_000).fill('[[1]]').join(',') + ']')), undefined);
});

test('JSON: a 2 MB [[[[ body is refused in a few milliseconds', () => {
  const body = Buffer.alloc(2 * 1024 * 1024, '[');
  const t = performance.now();
  assert.ok(jsonDepthViolation(body));
  assert.ok(performance.now() - t < 200, `took ${performance.now() - t} ms`);
});

test('YAML flow: 10,000 levels pass, 10,001 are refused as go-yaml does', () => {
  assert.equal(yamlDepthViolation(nested('[', ']', MAX_NESTING_DEPTH)), undefined);
  const v = yamlDepthViolation(nested('[', ']', MAX_NESTING_DEPTH + 1));
  assert.ok(v);
  assert.equal(yamlDepthMessage(v), 'yaml: exceeded max depth of 10000');
  const v2 = yamlDepthViolation('a: 1\nb: ' + nested('{x: ', '}', MAX_NESTING_DEPTH + 1));
  assert.ok(v2);
  assert.equal(yamlDepthMessage(v2), 'yaml: line 2: exceeded max depth of 10000');
});

test('YAML block: compact sequences and deep indentation count as depth', () => {
  assert.ok(yamlDepthViolation('- '.repeat(MAX_NESTING_DEPTH + 1) + 'x\n'));
  assert.equal(yamlDepthViolation('- '.repeat(MAX_NESTING_DEPTH / 2 - 1) + 'x\n'), undefined);
  const lines = Array.from({ length: 200 }, (_, i) => ' '.repeat(i * 60) + `k${i}:`).join('\n');
  assert.ok(yamlDepthViolation(lines));
});

test('YAML: brackets in quoted strings, plain scalars, comments and block scalars do not count', () => {
  const many = '['.repeat(MAX_NESTING_DEPTH + 5);
  const doc = [
    `a: "${many}"`,
    `b: '${many}'`,
    `c: x${many}`,
    `# ${many}`,
    'd: |',
    `  ${many}`,
    `  ${'{'.repeat(MAX_NESTING_DEPTH + 5)}`,
    'e: >-',
    `  ${many}`,
    `f: [1, "${many}", 2]`,
    `g: "multi`,
    `  line ${many}"`,
    'h: [[1]]',
  ].join('\n');
  assert.equal(yamlDepthViolation(doc), undefined);
});

test('YAML: a 2 MB [[[[ document is refused fast', () => {
  const t = performance.now();
  assert.ok(yamlDepthViolation('['.repeat(2 * 1024 * 1024)));
  assert.ok(performance.now() - t < 300, `took ${performance.now() - t} ms`);
});
