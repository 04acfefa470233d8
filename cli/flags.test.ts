import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFlags, type FlagSpec } from './flags.ts';
import { simNodesSpecs } from './sim-nodes-command.ts';
import { nodeSpecs } from './node-command.ts';

test('duration flags are milliseconds whether given or defaulted', () => {
  const specs: FlagSpec[] = [
    { name: 'period', type: 'duration', default: '10s', help: '' },
    { name: 'grace', type: 'duration', default: '1m30s', help: '' },
    { name: 'name', type: 'string', default: '10s', help: '' },
  ];
  assert.deepEqual(parseFlags([], specs).values, { period: 10_000, grace: 90_000, name: '10s' });
  assert.deepEqual(parseFlags(['--period=250ms', '--name', 'x'], specs).values, { period: 250, grace: 90_000, name: 'x' });
});

// Regression: `kubelab sim-nodes` passed Number('10s') = NaN as the PLEG relist period, so every simulated node
// relisted on a 1 ms timer (TimeoutNaNWarning), and `kubelab node` did the same with its status and back-off periods.
test('the node commands get numeric duration defaults', () => {
  assert.equal(parseFlags([], simNodesSpecs).values['relist-period'], 10_000);
  const node = parseFlags([], nodeSpecs).values;
  assert.equal(node['node-status-update-frequency'], 10_000);
  assert.equal(node['crash-loop-base-delay'], 10_000);
});

test('a repeated string flag collects every value (upstream stringArray: --service-account-key-file, --service-account-issuer)', () => {
  const specs: FlagSpec[] = [
    { name: 'key-file', type: 'string', repeated: true, help: '' },
    { name: 'one', type: 'string', help: '' },
  ];
  assert.deepEqual(parseFlags([], specs).values, { 'key-file': undefined, one: undefined });
  assert.deepEqual(parseFlags(['--key-file', 'a.pem', '--key-file=b.pem', '--one', 'x', '--one', 'y'], specs).values, { 'key-file': ['a.pem', 'b.pem'], one: 'y' });
});
