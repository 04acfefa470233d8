import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FlagError, parseFlags } from './flags.ts';
import { ENDPOINT_RECONCILER_FLAGS, endpointReconcilerConfig } from './endpoint-reconciler-flags.ts';

const parse = (...args: string[]) => endpointReconcilerConfig(parseFlags(args, ENDPOINT_RECONCILER_FLAGS).values);

describe('kubelab apiserver endpoint reconciler flags', () => {
  it('defaults to a lease with 15s TTL renewed every 10s', () => {
    assert.deepEqual(parse(), { type: 'lease', leaseTTLMs: 15_000, intervalMs: 10_000 });
  });
  it('takes an address, a port and shorter timings', () => {
    assert.deepEqual(parse('--advertise-address', '10.213.0.1', '--advertise-port', '6443', '--endpoint-lease-ttl', '3s', '--endpoint-lease-interval', '500ms'), {
      type: 'lease',
      advertiseAddress: '10.213.0.1',
      advertisePort: 6443,
      leaseTTLMs: 3000,
      intervalMs: 500,
    });
    assert.equal(parse('--endpoint-reconciler-type', 'none').type, 'none');
  });
  it('refuses what kube would not publish', () => {
    assert.throws(() => parse('--endpoint-reconciler-type', 'master-count'), FlagError);
    assert.throws(() => parse('--advertise-address', '127.0.0.1'), /neither unspecified nor loopback/);
    assert.throws(() => parse('--advertise-address', 'apiserver.local'), FlagError);
    assert.throws(() => parse('--advertise-port', '0'), /between 1 and 65535/);
    assert.throws(() => parse('--endpoint-lease-ttl', '5s', '--endpoint-lease-interval', '5s'), /shorter than/);
  });
});
