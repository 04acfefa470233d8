import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Endpoints } from '../../shared/api/core-v1.ts';
import type { EndpointSlice } from '../../shared/api/discovery-v1.ts';
import { tableFor } from './table-for.ts';
import { formatDiscoveryEndpoints, formatDiscoveryPorts, formatEndpoints } from './endpoints-printer.ts';

const ep = (subsets: Endpoints['subsets']): Endpoints => ({ metadata: { name: 'web', namespace: 'default' }, ...(subsets ? { subsets } : {}) });

describe('formatEndpoints (kubectl get ep)', () => {
  it('prints <none> without subsets and ip:port pairs, three at most', () => {
    assert.equal(formatEndpoints(ep(undefined)), '<none>');
    assert.equal(formatEndpoints(ep([{ addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }], ports: [{ port: 80 }] }])), '10.0.0.1:80,10.0.0.2:80');
    assert.equal(
      formatEndpoints(ep([{ addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }], ports: [{ name: 'a', port: 80 }, { name: 'b', port: 443 }] }])),
      '10.0.0.1:80,10.0.0.2:80,10.0.0.1:443 + 1 more...',
    );
    assert.equal(formatEndpoints(ep([{ addresses: [{ ip: 'fd00::1' }], ports: [{ port: 80 }] }])), '[fd00::1]:80');
  });
  it('prints bare IPs for subsets without ports and nothing for not-ready addresses', () => {
    assert.equal(formatEndpoints(ep([{ addresses: [{ ip: '10.0.0.1' }] }, { addresses: [{ ip: '10.0.0.2' }], ports: [{ port: 53 }] }])), '10.0.0.1,10.0.0.2:53');
    assert.equal(formatEndpoints(ep([{ notReadyAddresses: [{ ip: '10.0.0.1' }], ports: [{ port: 80 }] }])), '');
  });
});

describe('EndpointSlice columns', () => {
  const slice = (over: Partial<EndpointSlice>): EndpointSlice => ({ metadata: { name: 'web-x', namespace: 'default' }, addressType: 'IPv4', endpoints: [], ...over });
  it('prints ports by number, name or *, and every address', () => {
    assert.equal(formatDiscoveryPorts(slice({})), '<unset>');
    assert.equal(formatDiscoveryPorts(slice({ ports: [{ port: 80 }, { name: 'dns' }, {}, { port: 9 }] })), '80,dns,* + 1 more...');
    assert.equal(formatDiscoveryEndpoints(slice({})), '<unset>');
    assert.equal(formatDiscoveryEndpoints(slice({ endpoints: [{ addresses: ['10.0.0.1'] }, { addresses: ['10.0.0.2'], conditions: { ready: false } }] })), '10.0.0.1,10.0.0.2');
    assert.equal(formatDiscoveryEndpoints(slice({ endpoints: ['1', '2', '3', '4', '5'].map((n) => ({ addresses: [`10.0.0.${n}`] })) })), '10.0.0.1,10.0.0.2,10.0.0.3 + 2 more...');
  });
  it('serves NAME ADDRESSTYPE PORTS ENDPOINTS AGE and NAME ENDPOINTS AGE tables', () => {
    const now = Date.parse('2026-01-01T00:10:00Z');
    const created = '2026-01-01T00:00:00Z';
    const s = slice({ metadata: { name: 'kubernetes', namespace: 'default', creationTimestamp: created }, ports: [{ name: 'https', port: 6443, protocol: 'TCP' }], endpoints: [{ addresses: ['10.213.0.1'] }] });
    const t = tableFor('endpointslices', [s], { includeObject: 'None', now, group: 'discovery.k8s.io' });
    assert.deepEqual(t.columnDefinitions?.map((c) => c.name), ['Name', 'AddressType', 'Ports', 'Endpoints', 'Age']);
    assert.deepEqual(t.rows[0]?.cells, ['kubernetes', 'IPv4', '6443', '10.213.0.1', '10m']);
    const e = ep([{ addresses: [{ ip: '10.213.0.1' }], ports: [{ name: 'https', port: 6443 }] }]);
    e.metadata.creationTimestamp = created;
    const te = tableFor('endpoints', [e], { includeObject: 'None', now });
    assert.deepEqual(te.columnDefinitions?.map((c) => c.name), ['Name', 'Endpoints', 'Age']);
    assert.deepEqual(te.rows[0]?.cells, ['web', '10.213.0.1:6443', '10m']);
  });
});
