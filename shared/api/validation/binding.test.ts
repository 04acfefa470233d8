import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { validateBinding } from './binding.ts';

const render = (errs: { field: string; detail: string }[]) => errs.map((e) => `${e.field}: ${e.detail}`);

describe('validateBinding', () => {
  const cases: [unknown, string[]][] = [
    [{ metadata: { name: 'web' }, target: { kind: 'Node', name: 'n1' } }, []],
    [{ metadata: { name: 'web' }, target: { name: 'n1' } }, []],
    [{ metadata: { name: 'web' }, target: { kind: 'Pod', name: 'n1' } }, ['target.kind: Unsupported value: "Pod": supported values: "Node", "<empty>"']],
    [{ metadata: { name: 'web' }, target: {} }, ['target.name: Required value']],
    [{ metadata: { name: 'web' } }, ['target.name: Required value']],
  ];
  for (const [b, want] of cases) it(JSON.stringify(b), () => assert.deepEqual(render(validateBinding(b)), want));
});
