import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  labelSelectorFromMeta,
  tryLabelSelectorFromMeta,
  LabelSelectorError,
  matches,
  newRequirement,
  parseLabelSelector,
  requiresExactMatch,
  selectorFromSet,
  toString,
} from './labels.ts';

describe('parseLabelSelector: valid syntax', () => {
  const cases: [string, string][] = [
    ['', ''],
    ['   ', ''],
    ['x=a', 'x=a'],
    ['x==a', 'x==a'],
    ['x!=a', 'x!=a'],
    ['x = a', 'x=a'],
    ['x', 'x'],
    ['!x', '!x'],
    ['x in (a,b)', 'x in (a,b)'],
    ['x in (b, a)', 'x in (a,b)'],
    ['x notin (a)', 'x notin (a)'],
    ['x in (foo,,baz),y,z notin ()', 'x in (,baz,foo),y,z notin ()'],
    ['y=b,x=a', 'x=a,y=b'],
    ['x=', 'x='],
    ['x=,y=b', 'x=,y=b'],
    ['app.kubernetes.io/name=web', 'app.kubernetes.io/name=web'],
    ['x>1', 'x>1'],
    ['x<10', 'x<10'],
    ['x in (in)', 'x in (in)'],
    ['a\tin\n(b)', 'a in (b)'],
  ];
  for (const [input, want] of cases) {
    it(`${JSON.stringify(input)} -> ${JSON.stringify(want)}`, () => {
      const sel = parseLabelSelector(input);
      assert.equal(toString(sel), want);
      assert.equal(toString(parseLabelSelector(toString(sel))), want, 'printing round-trips');
    });
  }
});

describe('parseLabelSelector: kube error text', () => {
  const nameErr =
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
  const valueErr =
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
  const cases: [string, string][] = [
    ['x=a,', "found '', expected: identifier after ','"],
    [',x', "found ',', expected: !, identifier, or 'end of string'"],
    ['a b', "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"],
    ['x=a b', "found 'b', expected: ',' or 'end of string'"],
    ['!x=a', "found '=', expected: ',' or 'end of string'"],
    ['x in a', "unable to parse requirement: found 'a' expected: '('"],
    ['x in (a', "unable to parse requirement: found '', expected: ',' or ')'"],
    ['x=!a', "unable to parse requirement: found '!', expected: identifier"],
    ['x>a', `unable to parse requirement: values[0]: Invalid value: "a": for 'Gt', 'Lt' operators, the value must be an integer`],
    ['-x=1', `unable to parse requirement: <nil>: Invalid value: "-x": ${nameErr}`],
    ['x=-a', `unable to parse requirement: values[0][x]: Invalid value: "-a": ${valueErr}`],
  ];
  for (const [input, message] of cases) {
    it(JSON.stringify(input), () => {
      assert.throws(() => parseLabelSelector(input), (e: unknown) => {
        assert.ok(e instanceof LabelSelectorError);
        assert.equal(e.message, message);
        return true;
      });
    });
  }
});

describe('matches', () => {
  const labels = { app: 'web', tier: 'fe', n: '5' };
  const cases: [string, Record<string, string> | undefined, boolean][] = [
    ['', labels, true],
    ['', undefined, true],
    ['app=web', labels, true],
    ['app==web', labels, true],
    ['app=db', labels, false],
    ['app!=db', labels, true],
    ['missing!=x', labels, true],
    ['app', labels, true],
    ['missing', labels, false],
    ['!missing', labels, true],
    ['!app', labels, false],
    ['app in (db,web)', labels, true],
    ['app in (db)', labels, false],
    ['missing in (a)', labels, false],
    ['app notin (db)', labels, true],
    ['app notin (web)', labels, false],
    ['missing notin (a)', labels, true],
    ['app=web,tier=fe', labels, true],
    ['app=web,tier=be', labels, false],
    ['n>4', labels, true],
    ['n>5', labels, false],
    ['n<6', labels, true],
    ['app>1', labels, false],
    ['x=', { x: '' }, true],
    ['x=', {}, false],
  ];
  for (const [sel, ls, want] of cases) {
    it(`${JSON.stringify(sel)} on ${JSON.stringify(ls)} -> ${want}`, () => assert.equal(matches(parseLabelSelector(sel), ls), want));
  }
});

describe('labelSelectorFromMeta (metav1.LabelSelectorAsSelector)', () => {
  it('null selects nothing, {} selects everything', () => {
    assert.equal(matches(labelSelectorFromMeta(null), { a: 'b' }), false);
    assert.equal(matches(labelSelectorFromMeta(undefined), {}), false);
    assert.equal(matches(labelSelectorFromMeta({}), { a: 'b' }), true);
    assert.equal(matches(labelSelectorFromMeta({ matchLabels: {}, matchExpressions: [] }), {}), true);
  });
  it('combines matchLabels and matchExpressions', () => {
    const sel = labelSelectorFromMeta({
      matchLabels: { app: 'web' },
      matchExpressions: [
        { key: 'tier', operator: 'In', values: ['fe', 'be'] },
        { key: 'canary', operator: 'DoesNotExist' },
        { key: 'zone', operator: 'Exists' },
        { key: 'env', operator: 'NotIn', values: ['prod'] },
      ],
    });
    assert.equal(toString(sel), 'app=web,!canary,env notin (prod),tier in (be,fe),zone', 'sorted by key, as kube does');
    assert.equal(matches(sel, { app: 'web', tier: 'fe', zone: 'a' }), true);
    assert.equal(matches(sel, { app: 'web', tier: 'fe', zone: 'a', canary: 'y' }), false);
    assert.equal(matches(sel, { app: 'web', tier: 'fe', zone: 'a', env: 'prod' }), false);
  });
  it('rejects unknown operators and empty In values with kube text', () => {
    assert.throws(() => labelSelectorFromMeta({ matchExpressions: [{ key: 'a', operator: 'Foo' }] }), {
      message: '"Foo" is not a valid label selector operator',
    });
    assert.throws(() => labelSelectorFromMeta({ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] }), {
      message: `values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't be empty`,
    });
  });
});

describe('helpers', () => {
  it('selectorFromSet and requiresExactMatch', () => {
    const sel = selectorFromSet({ b: '2', a: '1' });
    assert.equal(toString(sel), 'a=1,b=2');
    assert.equal(requiresExactMatch(sel, 'a'), '1');
    assert.equal(requiresExactMatch(parseLabelSelector('a in (x)'), 'a'), 'x');
    assert.equal(requiresExactMatch(parseLabelSelector('a in (x,y)'), 'a'), undefined);
    assert.equal(requiresExactMatch(parseLabelSelector('a!=x'), 'a'), undefined);
  });
  it('newRequirement validates like labels.NewRequirement', () => {
    assert.throws(() => newRequirement('a', '=', ['x', 'y']), {
      message: 'values: Invalid value: []string{"x", "y"}: exact-match compatibility requires one single value',
    });
    assert.deepEqual(newRequirement('a', 'exists', []), { key: 'a', operator: 'exists', values: [] });
  });
});

describe('tryLabelSelectorFromMeta', () => {
  it('is labelSelectorFromMeta, with undefined for a selector that does not parse', () => {
    assert.equal(tryLabelSelectorFromMeta({ matchExpressions: [{ key: 'a', operator: 'Bogus' as 'In', values: ['x'] }] }), undefined);
    const sel = tryLabelSelectorFromMeta({ matchLabels: { app: 'web' } });
    assert.ok(sel);
    assert.equal(matches(sel, { app: 'web' }), true);
    assert.equal(matches(sel, { app: 'db' }), false);
    assert.equal(matches(tryLabelSelectorFromMeta(null) ?? labelSelectorFromMeta({}), { a: 'b' }), false, 'null still selects nothing');
  });
});
