import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AllocationBitmap } from './allocation-bitmap.ts';
import { ServiceCIDR } from './service-cidr.ts';
import { NodePortRange } from './node-port-range.ts';
import { validateServiceRangeFlags } from './service-allocators.ts';
import { seededRandom } from '../../../../test/integration/framework/seeded-random.ts';

describe('AllocationBitmap', () => {
  it('allocates the dynamic band first, then the static band, then reports full', () => {
    const b = new AllocationBitmap(20, 5, seededRandom(1));
    const got: number[] = [];
    for (let i = 0; i < 15; i++) got.push(b.allocateNext() as number);
    assert.ok(got.every((v) => v >= 5 && v < 20), `dynamic band first: ${got.join(',')}`);
    assert.equal(new Set(got).size, 15);
    const rest: number[] = [];
    for (let i = 0; i < 5; i++) rest.push(b.allocateNext() as number);
    assert.deepEqual([...rest].sort((x, y) => x - y), [0, 1, 2, 3, 4]);
    assert.equal(b.allocateNext(), undefined, 'full');
    assert.equal(b.free(), 0);
    b.release(3);
    assert.equal(b.allocateNext(), 3);
  });

  it('picks at random (not in order) and never twice', () => {
    const b = new AllocationBitmap(1000, 0, seededRandom(7));
    const first = Array.from({ length: 10 }, () => b.allocateNext() as number);
    assert.notDeepEqual(first, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.equal(new Set(first).size, 10);
  });

  it('allocate refuses taken and out-of-range values', () => {
    const b = new AllocationBitmap(4);
    assert.equal(b.allocate(2), true);
    assert.equal(b.allocate(2), false);
    assert.equal(b.allocate(4), false);
    assert.equal(b.allocate(-1), false);
    assert.equal(b.has(2), true);
    const seen: number[] = [];
    b.forEach((i) => seen.push(i));
    assert.deepEqual(seen, [2]);
  });
});

describe('ServiceCIDR', () => {
  it('leaves out the network and broadcast addresses and sizes the static band as kube does', () => {
    const c = ServiceCIDR.parse('10.96.0.0/12');
    assert.equal(c.toString(), '10.96.0.0/12');
    assert.equal(c.max, (1 << 20) - 2);
    assert.equal(c.staticBand, 256);
    assert.equal(c.offsetOf('10.96.0.1'), 0);
    assert.equal(c.ipAt(0), '10.96.0.1');
    assert.equal(c.offsetOf('10.96.0.0'), undefined);
    assert.equal(c.offsetOf('10.111.255.255'), undefined, 'broadcast');
    assert.equal(c.offsetOf('10.111.255.254'), c.max - 1);
    assert.equal(c.offsetOf('10.112.0.1'), undefined);
    assert.equal(c.indexedIP(1), '10.96.0.1');
    assert.equal(ServiceCIDR.parse('10.0.0.0/24').staticBand, 16);
    assert.equal(ServiceCIDR.parse('10.0.0.0/28').staticBand, 0);
    assert.equal(ServiceCIDR.parse('10.0.0.0/20').staticBand, 256);
    assert.equal(ServiceCIDR.parse('10.0.0.7/24').toString(), '10.0.0.0/24');
  });

  it('handles IPv6 ranges', () => {
    const c = ServiceCIDR.parse('fd00:10:96::/112');
    assert.equal(c.family, 'IPv6');
    assert.equal(c.ipAt(0), 'fd00:10:96::1');
    assert.equal(c.offsetOf('fd00:10:96::ff'), 254);
    assert.equal(c.max, 65535);
  });

  it('refuses malformed ranges', () => {
    assert.throws(() => ServiceCIDR.parse('10.96.0.0'), /invalid CIDR address: 10.96.0.0/);
    assert.throws(() => ServiceCIDR.parse('10.96.0.0/33'), /invalid CIDR address/);
  });
});

describe('NodePortRange', () => {
  it('parses the three notations and sizes the static band (KEP-3668)', () => {
    const r = NodePortRange.parse('30000-32767');
    assert.equal(r.base, 30000);
    assert.equal(r.size, 2768);
    assert.equal(r.staticBand, 86);
    assert.equal(r.toString(), '30000-32767');
    assert.equal(NodePortRange.parse('30000+9').size, 10);
    assert.equal(NodePortRange.parse('30000+9').staticBand, 0);
    assert.equal(NodePortRange.parse('8080').size, 1);
    assert.equal(NodePortRange.parse('1-65535').staticBand, 128);
    assert.ok(r.contains(32767) && !r.contains(32768) && !r.contains(29999));
  });

  it('refuses malformed ranges', () => {
    assert.throws(() => NodePortRange.parse('32767-30000'), /end port cannot be less than start port: 32767-30000/);
    assert.throws(() => NodePortRange.parse('30000-70000'), /the port range cannot be extended past 65535/);
    assert.throws(() => NodePortRange.parse('abc'), /unable to parse port range: abc/);
  });
});

describe('validateServiceRangeFlags', () => {
  it('accepts the defaults and names what is wrong otherwise', () => {
    assert.equal(validateServiceRangeFlags('10.96.0.0/12', '30000-32767'), undefined);
    assert.equal(validateServiceRangeFlags('10.0.0.0/8', '30000-32767'), 'specified --service-cluster-ip-range is too large; for 32-bit addresses, the mask must be >= 12');
    assert.match(validateServiceRangeFlags('bogus', '30000-32767') ?? '', /^--service-cluster-ip-range: invalid CIDR address: bogus$/);
    assert.match(validateServiceRangeFlags('10.96.0.0/12,fd00::/108', '30000-32767') ?? '', /dual-stack/);
    assert.match(validateServiceRangeFlags('10.96.0.0/12', '3-1') ?? '', /^--service-node-port-range: end port cannot be less than start port/);
  });
});
