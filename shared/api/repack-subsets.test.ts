import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { repackSubsets } from './repack-subsets.ts';

describe('repackSubsets', () => {
  it('groups ports by the addresses that offer them and dedupes addresses', () => {
    const out = repackSubsets([
      { addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }], ports: [{ name: 'a', port: 80, protocol: 'TCP' }] },
      { addresses: [{ ip: '10.0.0.2' }, { ip: '10.0.0.1' }], ports: [{ name: 'b', port: 443, protocol: 'TCP' }] },
      { addresses: [{ ip: '10.0.0.3' }], ports: [{ name: 'b', port: 443, protocol: 'TCP' }] },
    ]);
    assert.deepEqual(out, [
      { addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }], ports: [{ name: 'a', port: 80, protocol: 'TCP' }] },
      { addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }, { ip: '10.0.0.3' }], ports: [{ name: 'b', port: 443, protocol: 'TCP' }] },
    ]);
  });
  it('lets not-ready win for the same address and port, and keeps port-less subsets', () => {
    const out = repackSubsets([
      { addresses: [{ ip: '10.0.0.1' }], ports: [{ port: 80, protocol: 'TCP' }] },
      { notReadyAddresses: [{ ip: '10.0.0.1' }], ports: [{ port: 80, protocol: 'TCP' }] },
      { addresses: [{ ip: '10.0.0.9' }] },
    ]);
    assert.deepEqual(out, [{ notReadyAddresses: [{ ip: '10.0.0.1' }], ports: [{ port: 80, protocol: 'TCP' }] }, { addresses: [{ ip: '10.0.0.9' }] }]);
    assert.deepEqual(repackSubsets([]), []);
  });
});
