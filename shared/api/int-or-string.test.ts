import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getScaledValueFromIntOrPercent } from './int-or-string.ts';

test('getScaledValueFromIntOrPercent: integers as they are, percents of the total rounded up or down', () => {
  assert.equal(getScaledValueFromIntOrPercent(4, 10, true), 4);
  assert.equal(getScaledValueFromIntOrPercent('25%', 10, true), 3);
  assert.equal(getScaledValueFromIntOrPercent('25%', 10, false), 2);
  assert.equal(getScaledValueFromIntOrPercent('0%', 10, true), 0);
  assert.equal(getScaledValueFromIntOrPercent('100%', 7, false), 7);
  assert.equal(getScaledValueFromIntOrPercent('50%', 0, true), 0);
  assert.equal(getScaledValueFromIntOrPercent('25%', 5, true), 2);
  assert.equal(getScaledValueFromIntOrPercent('25%', 5, false), 1);
});

test('getScaledValueFromIntOrPercent: upstream errors for no value, a string without % and a bad percent', () => {
  assert.throws(() => getScaledValueFromIntOrPercent(undefined, 10, true), /^Error: nil value for IntOrString$/);
  assert.throws(() => getScaledValueFromIntOrPercent('5', 10, true), /^Error: invalid value for IntOrString: invalid type: string is not a percentage$/);
  assert.throws(() => getScaledValueFromIntOrPercent('x%', 10, true), /invalid value for IntOrString: invalid value "x": strconv.Atoi: parsing "x": invalid syntax/);
});
