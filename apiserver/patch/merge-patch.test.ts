import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from '../../shared/errors/status-error.ts';
import { applyMergePatch, applyMergePatchToObject } from './merge-patch.ts';

describe('applyMergePatch: RFC 7386 appendix A', () => {
  const cases: [unknown, unknown, unknown][] = [
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [['a', 'b'], ['c', 'd'], ['c', 'd']],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];
  for (const [target, patch, want] of cases) {
    it(`${JSON.stringify(target)} + ${JSON.stringify(patch)} = ${JSON.stringify(want)}`, () => {
      const before = structuredClone(target);
      assert.deepEqual(applyMergePatch(target, patch), want);
      assert.deepEqual(target, before, 'target must not be mutated');
    });
  }

  it('prunes nulls inside objects taken from the patch, also inside arrays (evanphx)', () => {
    assert.deepEqual(applyMergePatch({}, { list: [{ a: 1, b: null }, null] }), { list: [{ a: 1 }, null] });
  });
});

describe('applyMergePatchToObject: the bodies kubectl sends', () => {
  const pod = () => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', labels: { app: 'web', a: 'x' } }, spec: { containers: [{ name: 'c', image: 'i' }] } });

  it('kubectl label a=b', () => {
    const out = applyMergePatchToObject(pod(), { metadata: { labels: { a: 'b' } } });
    assert.deepEqual(out.metadata.labels, { app: 'web', a: 'b' });
  });

  it('kubectl label a-', () => {
    const out = applyMergePatchToObject(pod(), { metadata: { labels: { a: null } } });
    assert.deepEqual(out.metadata.labels, { app: 'web' });
  });

  it('kubectl annotate k=v', () => {
    const out = applyMergePatchToObject(pod(), { metadata: { annotations: { k: 'v' } } });
    assert.deepEqual((out.metadata as Record<string, unknown>).annotations, { k: 'v' });
  });

  it('lists are replaced', () => {
    const out = applyMergePatchToObject(pod(), { spec: { containers: [{ name: 'd' }] } });
    assert.deepEqual(out.spec.containers, [{ name: 'd' }]);
  });

  const bad: { name: string; patch: unknown; validation?: 'Ignore' | 'Warn' | 'Strict'; message: string }[] = [
    { name: 'array body', patch: [1], message: 'error decoding patch: json: cannot unmarshal array into Go value of type map[string]interface {}' },
    { name: 'string body', patch: 'x', message: 'error decoding patch: json: cannot unmarshal string into Go value of type map[string]interface {}' },
    { name: 'null body', patch: null, message: 'Invalid JSON Patch' },
    { name: 'array body without strict decoding', patch: [1], validation: 'Ignore', message: 'Invalid JSON Patch' },
  ];
  for (const c of bad) {
    it(`${c.name} is 400`, () => {
      assert.throws(
        () => applyMergePatchToObject(pod(), c.patch, c.validation ? { fieldValidation: c.validation } : {}),
        (e: unknown) => e instanceof StatusError && e.code === 400 && e.reason === 'BadRequest' && e.message === c.message,
      );
    });
  }
});
