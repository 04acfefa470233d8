import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  canonicalQuantity,
  compareQuantities,
  parseQuantity,
  parseQuantityExact,
  QUANTITY_FORMAT_ERROR,
  QuantityParseError,
  quantityMilliValue,
  quantityValue,
} from './quantity.ts';

describe('parseQuantity', () => {
  const cases: [string | number, number][] = [
    ['0', 0],
    ['1', 1],
    ['500m', 0.5],
    ['100m', 0.1],
    ['1.5', 1.5],
    ['2k', 2000],
    ['1M', 1_000_000],
    ['1G', 1e9],
    ['1T', 1e12],
    ['1Ki', 1024],
    ['128Mi', 128 * 1024 * 1024],
    ['1Gi', 1024 ** 3],
    ['1Ti', 1024 ** 4],
    ['0.5Gi', 512 * 1024 * 1024],
    ['1e3', 1000],
    ['1E3', 1000],
    ['1.5e-3', 0.0015],
    ['250u', 0.00025],
    ['10n', 1e-8],
    ['-1', -1],
    ['+2', 2],
    ['.5', 0.5],
    [' 1Gi ', 1024 ** 3],
    [3, 3],
    [0.25, 0.25],
  ];
  for (const [input, want] of cases) {
    it(`${JSON.stringify(input)} -> ${want}`, () => {
      assert.ok(Math.abs(parseQuantity(input) - want) < 1e-12 * Math.max(1, Math.abs(want)));
    });
  }

  for (const bad of ['', 'abc', '1.2.3', '1 Gi', 'Gi', '1gi', '1Ki5', '--1', '1e']) {
    it(`rejects ${JSON.stringify(bad)}`, () => {
      assert.throws(() => parseQuantity(bad), QuantityParseError);
    });
  }

  it('uses kube wording for malformed input', () => {
    assert.throws(() => parseQuantity('abc'), { message: QUANTITY_FORMAT_ERROR });
    assert.equal(QUANTITY_FORMAT_ERROR, "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
  });
});

describe('canonicalQuantity', () => {
  const cases: [string | number, string][] = [
    ['1000m', '1'],
    ['1500m', '1500m'],
    ['1.5', '1500m'],
    ['0.5', '500m'],
    ['2000', '2k'],
    ['1500', '1500'],
    ['1024Mi', '1Gi'],
    ['1536Mi', '1536Mi'],
    ['0.5Gi', '512Mi'],
    ['1Ki', '1Ki'],
    ['512', '512'],
    ['1e3', '1e3'],
    ['1e6', '1e6'],
    ['0', '0'],
    ['0m', '0'],
    [1, '1'],
    [0.1, '100m'],
    ['1M', '1M'],
    ['-500m', '-500m'],
  ];
  for (const [input, want] of cases) {
    it(`${JSON.stringify(input)} -> ${want}`, () => assert.equal(canonicalQuantity(input), want));
  }
});

describe('comparisons and scaled values', () => {
  it('compares by value across formats', () => {
    assert.equal(compareQuantities(parseQuantityExact('1'), parseQuantityExact('1000m')), 0);
    assert.equal(compareQuantities(parseQuantityExact('1Gi'), parseQuantityExact('1G')), 1);
    assert.equal(compareQuantities(parseQuantityExact('100m'), parseQuantityExact('0.2')), -1);
  });
  it('rounds milli and unit values up', () => {
    assert.equal(quantityMilliValue(parseQuantityExact('1.0001m')), 2);
    assert.equal(quantityValue(parseQuantityExact('100m')), 1);
    assert.equal(quantityValue(parseQuantityExact('2Ki')), 2048);
  });
});
