import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeNode, makePod, nodeInfoOf, runFilter } from '../testing/fixtures.ts';
import { ERR_REASON_NODE_NAME, NodeName } from './node-name.ts';

describe('NodeName', () => {
  const cases = [
    { name: 'no nodeName fits anywhere', nodeName: undefined, node: 'n1', fits: true },
    { name: 'matching nodeName fits', nodeName: 'n1', node: 'n1', fits: true },
    { name: 'other nodeName does not fit', nodeName: 'n2', node: 'n1', fits: false },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const s = runFilter(new NodeName(), makePod('p', c.nodeName ? { nodeName: c.nodeName } : {}), nodeInfoOf(makeNode(c.node)));
      if (c.fits) assert.equal(s.code, 'Success');
      else assert.deepEqual({ code: s.code, reasons: s.reasons }, { code: 'UnschedulableAndUnresolvable', reasons: [ERR_REASON_NODE_NAME] });
    });
  }
});
