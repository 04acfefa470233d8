import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from '../../shared/errors/status-error.ts';
import { JSON_PATCH_FAILED_MESSAGE, JsonPatchError, MAX_JSON_PATCH_OPERATIONS, applyJsonPatch } from './json-patch.ts';

const pod = () => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', labels: { a: 'x' }, annotations: { 'example.com/k': 'v', 'x~y': '1' } },
  spec: { containers: [{ name: 'c0', image: 'i0' }, { name: 'c1', image: 'i1' }], tolerations: ['t0', 't1', 't2'] },
});

describe('applyJsonPatch: the six operations', () => {
  const cases: { name: string; ops: unknown[]; check: (out: ReturnType<typeof pod>) => void }[] = [
    { name: 'add object member', ops: [{ op: 'add', path: '/metadata/labels/b', value: 'y' }], check: (o) => assert.deepEqual(o.metadata.labels, { a: 'x', b: 'y' }) },
    { name: 'add replaces an existing member', ops: [{ op: 'add', path: '/metadata/labels/a', value: 'z' }], check: (o) => assert.deepEqual(o.metadata.labels, { a: 'z' }) },
    { name: 'add at array index inserts', ops: [{ op: 'add', path: '/spec/tolerations/1', value: 'new' }], check: (o) => assert.deepEqual(o.spec.tolerations, ['t0', 'new', 't1', 't2']) },
    { name: 'add at index == length appends', ops: [{ op: 'add', path: '/spec/tolerations/3', value: 'end' }], check: (o) => assert.deepEqual(o.spec.tolerations, ['t0', 't1', 't2', 'end']) },
    { name: 'add with - appends', ops: [{ op: 'add', path: '/spec/containers/-', value: { name: 'c2' } }], check: (o) => assert.equal(o.spec.containers[2]?.name, 'c2') },
    { name: 'add with a negative index (evanphx extension)', ops: [{ op: 'add', path: '/spec/tolerations/-1', value: 'neg' }], check: (o) => assert.deepEqual(o.spec.tolerations, ['t0', 't1', 't2', 'neg']) },
    { name: 'add with missing value writes null', ops: [{ op: 'add', path: '/metadata/labels/n' }], check: (o) => assert.equal((o.metadata.labels as Record<string, unknown>).n, null) },
    { name: 'remove object member', ops: [{ op: 'remove', path: '/metadata/labels/a' }], check: (o) => assert.deepEqual(o.metadata.labels, {}) },
    { name: 'remove array element', ops: [{ op: 'remove', path: '/spec/tolerations/0' }], check: (o) => assert.deepEqual(o.spec.tolerations, ['t1', 't2']) },
    { name: 'remove with a negative index', ops: [{ op: 'remove', path: '/spec/tolerations/-1' }], check: (o) => assert.deepEqual(o.spec.tolerations, ['t0', 't1']) },
    { name: 'replace member', ops: [{ op: 'replace', path: '/spec/containers/0/image', value: 'nginx:1.26' }], check: (o) => assert.equal(o.spec.containers[0]?.image, 'nginx:1.26') },
    { name: 'replace array element', ops: [{ op: 'replace', path: '/spec/tolerations/2', value: 'T2' }], check: (o) => assert.deepEqual(o.spec.tolerations, ['t0', 't1', 'T2']) },
    {
      name: 'replace of a missing object key adds it (evanphx v4 partialDoc.get never fails)',
      ops: [{ op: 'replace', path: '/metadata/labels/new', value: 'v' }],
      check: (o) => assert.deepEqual(o.metadata.labels, { a: 'x', new: 'v' }),
    },
    {
      name: 'move member',
      ops: [{ op: 'move', from: '/metadata/labels/a', path: '/metadata/annotations/a' }],
      check: (o) => {
        assert.deepEqual(o.metadata.labels, {});
        assert.equal((o.metadata.annotations as Record<string, string>).a, 'x');
      },
    },
    { name: 'move array element', ops: [{ op: 'move', from: '/spec/tolerations/0', path: '/spec/tolerations/-' }], check: (o) => assert.deepEqual(o.spec.tolerations, ['t1', 't2', 't0']) },
    {
      name: 'copy is a deep copy',
      ops: [
        { op: 'copy', from: '/spec/containers/0', path: '/spec/containers/-' },
        { op: 'replace', path: '/spec/containers/2/name', value: 'copy' },
      ],
      check: (o) => assert.deepEqual(o.spec.containers.map((c) => c.name), ['c0', 'c1', 'copy']),
    },
    { name: 'test passes on an equal value', ops: [{ op: 'test', path: '/spec/containers/1', value: { image: 'i1', name: 'c1' } }], check: (o) => assert.deepEqual(o, pod()) },
    { name: 'test of a missing member against null passes', ops: [{ op: 'test', path: '/metadata/labels/none', value: null }], check: (o) => assert.deepEqual(o, pod()) },
    { name: '~1 unescapes to /', ops: [{ op: 'replace', path: '/metadata/annotations/example.com~1k', value: 'w' }], check: (o) => assert.equal(o.metadata.annotations['example.com/k'], 'w') },
    { name: '~0 unescapes to ~', ops: [{ op: 'remove', path: '/metadata/annotations/x~0y' }], check: (o) => assert.equal('x~y' in o.metadata.annotations, false) },
    { name: 'an empty patch changes nothing', ops: [], check: (o) => assert.deepEqual(o, pod()) },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const input = pod();
      const out = applyJsonPatch(input, c.ops);
      c.check(out);
      assert.deepEqual(input, pod(), 'input must not be mutated');
    });
  }
});

describe('applyJsonPatch: failing operations are 422 like kube', () => {
  const cases: { name: string; ops: unknown[]; detail: string }[] = [
    { name: 'add under a missing parent', ops: [{ op: 'add', path: '/spec/foo/bar', value: 1 }], detail: 'add operation does not apply: doc is missing path: "/spec/foo/bar": missing value' },
    { name: 'remove of a missing member', ops: [{ op: 'remove', path: '/spec/foo' }], detail: "error in remove for path: '/spec/foo': Unable to remove nonexistent key: foo: missing value" },
    { name: 'remove under a missing parent', ops: [{ op: 'remove', path: '/spec/foo/x' }], detail: 'remove operation does not apply: doc is missing path: "/spec/foo/x": missing value' },
    { name: 'add past the end of an array', ops: [{ op: 'add', path: '/spec/tolerations/5', value: 'x' }], detail: "error in add for path: '/spec/tolerations/5': Unable to access invalid index: 5: invalid index referenced" },
    { name: 'replace past the end of an array', ops: [{ op: 'replace', path: '/spec/tolerations/3', value: 'x' }], detail: 'replace operation does not apply: doc is missing key: /spec/tolerations/3: missing value' },
    { name: 'test with a different value', ops: [{ op: 'test', path: '/metadata/labels/a', value: 'other' }], detail: 'testing value /metadata/labels/a failed: test failed' },
    { name: 'move from a missing member', ops: [{ op: 'move', from: '/nope/x', path: '/a' }], detail: 'move operation does not apply: doc is missing from path: /nope/x: missing value' },
    { name: 'unknown op', ops: [{ op: 'frobnicate', path: '/a' }], detail: 'Unexpected kind: frobnicate' },
    { name: 'missing op', ops: [{ path: '/a' }], detail: 'Unexpected kind: unknown' },
    { name: 'the root pointer is not addressable', ops: [{ op: 'replace', path: '', value: {} }], detail: 'replace operation does not apply: doc is missing path: : missing value' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const input = pod();
      assert.throws(
        () => applyJsonPatch(input, c.ops),
        (e: unknown) => {
          assert.ok(e instanceof JsonPatchError);
          assert.equal(e.detail, c.detail);
          // The wire body is exactly kube's: generic message, empty details → kubectl prints
          // "The request is invalid: the server rejected our request due to an error in our request".
          assert.deepEqual(e.status, {
            kind: 'Status',
            apiVersion: 'v1',
            metadata: {},
            status: 'Failure',
            message: JSON_PATCH_FAILED_MESSAGE,
            reason: 'Invalid',
            details: {},
            code: 422,
          });
          return true;
        },
      );
      assert.deepEqual(input, pod());
    });
  }

  it('is atomic: an operation that fails after others leaves the input untouched', () => {
    const input = pod();
    assert.throws(() => applyJsonPatch(input, [{ op: 'add', path: '/metadata/labels/b', value: 'y' }, { op: 'test', path: '/metadata/labels/b', value: 'no' }]), JsonPatchError);
    assert.deepEqual(input, pod());
  });
});

describe('applyJsonPatch: malformed bodies are 400', () => {
  const cases: { name: string; body: unknown; validation?: 'Ignore' | 'Warn' | 'Strict'; message: string }[] = [
    { name: 'object body, default (Warn) validation', body: { op: 'add' }, message: 'error decoding patch: json: cannot unmarshal object into Go value of type []handlers.jsonPatchOp' },
    { name: 'object body, Ignore', body: { op: 'add' }, validation: 'Ignore', message: 'json: cannot unmarshal object into Go value of type jsonpatch.Patch' },
    { name: 'string body', body: 'x', validation: 'Ignore', message: 'json: cannot unmarshal string into Go value of type jsonpatch.Patch' },
    { name: 'array of strings', body: ['x'], validation: 'Ignore', message: 'json: cannot unmarshal string into Go value of type jsonpatch.Operation' },
    { name: 'non-string op with strict decoding', body: [{ op: 1, path: '/a' }], message: 'error decoding patch: json: cannot unmarshal number into Go struct field jsonPatchOp.op of type string' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const opts = c.validation ? { fieldValidation: c.validation } : {};
      assert.throws(
        () => applyJsonPatch(pod(), c.body, opts),
        (e: unknown) => e instanceof StatusError && e.code === 400 && e.reason === 'BadRequest' && e.message === c.message,
      );
    });
  }

  it('a null body is an empty patch', () => {
    assert.deepEqual(applyJsonPatch(pod(), null), pod());
  });

  it(`more than ${MAX_JSON_PATCH_OPERATIONS} operations is 413`, () => {
    const ops = Array.from({ length: MAX_JSON_PATCH_OPERATIONS + 1 }, () => ({ op: 'test', path: '/kind', value: 'Pod' }));
    assert.throws(
      () => applyJsonPatch(pod(), ops),
      (e: unknown) => e instanceof StatusError && e.code === 413 && e.message === `The allowed maximum operations in a JSON patch is 10000, got 10001`,
    );
  });
});
