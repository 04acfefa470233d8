import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CidrSet, CidrSetExhaustedError, formatIP, parseCidr } from './cidr-set.ts';

test('allocates consecutive subnets, skips occupied ones, and reports exhaustion', () => {
  const set = new CidrSet('10.244.0.0/22', 24);
  assert.equal(set.maxCidrs, 4);
  assert.equal(set.allocateNext(), '10.244.0.0/24');
  set.occupy('10.244.1.0/24');
  assert.equal(set.allocateNext(), '10.244.2.0/24');
  assert.equal(set.allocateNext(), '10.244.3.0/24');
  assert.equal(set.allocatedCount, 4);
  assert.throws(() => set.allocateNext(), CidrSetExhaustedError);
  set.release('10.244.0.0/24');
  assert.equal(set.allocateNext(), '10.244.0.0/24', 'wraps around to the freed subnet');
});

test('the next allocation starts after the last one, so a just-released subnet is not reused at once', () => {
  const set = new CidrSet('10.0.0.0/16', 24);
  const a = set.allocateNext();
  const b = set.allocateNext();
  set.release(a);
  assert.equal(b, '10.0.1.0/24');
  assert.equal(set.allocateNext(), '10.0.2.0/24');
});

test('occupy and release cover every subnet a larger CIDR overlaps; CIDRs outside the range are refused', () => {
  const set = new CidrSet('10.244.0.0/16', 24);
  set.occupy('10.244.4.0/23');
  assert.equal(set.allocatedCount, 2);
  assert.equal(set.isUsed('10.244.5.0/24'), true);
  set.occupy('10.244.4.0/24');
  assert.equal(set.allocatedCount, 2, 'occupying twice counts once');
  set.release('10.244.4.0/23');
  assert.equal(set.allocatedCount, 0);
  assert.throws(() => set.occupy('10.245.0.0/24'), /out of the range/);
  assert.throws(() => set.occupy('fd00::/64'), /different IP family/);
  assert.equal(set.matchesFamily('fd00::/64'), false);
});

test('bad configurations are refused', () => {
  assert.throws(() => new CidrSet('10.244.0.0/16', 8), /between 16 and 32/);
  assert.throws(() => new CidrSet('10.0.0.0/8', 28), /too big/);
  assert.throws(() => new CidrSet('10.244.0.0', 24), /Cannot parse CIDR/);
  assert.throws(() => new CidrSet('300.1.1.1/16', 24), /Cannot parse CIDR/);
});

test('IPv6: parsing, host bits cleared, RFC 5952 formatting', () => {
  const set = new CidrSet('fd00:10:244::/56', 64);
  assert.equal(set.clusterCidr, 'fd00:10:244::/56');
  assert.equal(set.allocateNext(), 'fd00:10:244::/64');
  assert.equal(set.allocateNext(), 'fd00:10:244:1::/64');
  assert.deepEqual(parseCidr('10.1.2.3/8'), { family: 4, ip: 10n << 24n, prefix: 8 });
  assert.equal(formatIP(6, parseCidr('2001:db8:0:0:1:0:0:1/128').ip), '2001:db8::1:0:0:1');
  assert.equal(formatIP(6, 0n), '::');
  assert.equal(formatIP(6, 1n), '::1');
});
