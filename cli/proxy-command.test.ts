import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFlags, FlagError } from './flags.ts';
import { proxyConfigFromFlags, proxySpecs } from './proxy-command.ts';

const cfg = (args: string[]) => proxyConfigFromFlags(parseFlags(args, proxySpecs).values);

test('kubelab proxy flags: upstream names and defaults', () => {
  const c = cfg(['--hostname-override', 'node-1', '--cluster-cidr', '10.244.0.0/16', '--nodeport-addresses', '10.213.0.0/24,192.0.2.0/24', '--healthz-bind-address', '127.0.0.1:10256']);
  assert.equal(c.hostname, 'node-1');
  assert.deepEqual(c.clusterCIDRs, ['10.244.0.0/16']);
  assert.deepEqual(c.nodePortAddresses, ['10.213.0.0/24', '192.0.2.0/24']);
  assert.equal(c.syncPeriodMs, 30_000);
  assert.equal(c.minSyncPeriodMs, 0);
  assert.equal(c.masqueradeAll, false);
  assert.equal(c.healthzBindAddress, '127.0.0.1:10256');
  assert.deepEqual(cfg(['--hostname-override', 'n']).nodePortAddresses, []);
  assert.equal(cfg(['--hostname-override', 'n', '--masquerade-all']).masqueradeAll, true);
});

test('kubelab proxy flags: bad values are refused', () => {
  assert.throws(() => cfg(['--cluster-cidr', '10.244.0.0/99']), FlagError);
  assert.throws(() => cfg(['--nodeport-addresses', 'eth0']), FlagError);
  assert.throws(() => cfg(['--sync-period', '1s', '--min-sync-period', '2s']), /--min-sync-period must be less than or equal to --sync-period/);
  assert.throws(() => cfg(['--sync-period', '0s']), /--sync-period must be greater than 0/);
});
