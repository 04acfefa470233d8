import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFlags } from './flags.ts';
import { controllerCommand, controllerConfigFromFlags, controllerSpecs } from './controller-command.ts';
import { ALL_CONTROLLERS } from '../controller/main.ts';

test('defaults are Kubernetes\' (with leader election off and CIDR allocation on)', () => {
  assert.match(controllerCommand.usage(), /--node-monitor-grace-period <duration>/);
  const { values } = parseFlags([], controllerSpecs);
  const cfg = controllerConfigFromFlags(values);
  assert.deepEqual([...(cfg.controllers ?? [])].sort(), [...ALL_CONTROLLERS].sort());
  assert.equal(cfg.nodeMonitorGracePeriodMs, 50_000);
  assert.equal(cfg.nodeStartupGracePeriodMs, 60_000);
  assert.equal(cfg.nodeMonitorPeriodMs, 5_000);
  assert.equal(cfg.defaultUnreachableTolerationSeconds, 300);
  assert.equal(cfg.defaultNotReadyTolerationSeconds, 300);
  assert.equal(cfg.allocateNodeCidrs, true);
  assert.deepEqual(cfg.clusterCidrs, ['10.244.0.0/16']);
  assert.deepEqual(cfg.nodeCidrMaskSizes, [24]);
  assert.equal(cfg.terminatedPodGcThreshold, 12500);
  assert.equal(cfg.concurrentGcSyncs, 20);
  assert.equal(cfg.schedulerName, 'default-scheduler');
  assert.deepEqual([cfg.maxEndpointsPerSlice, cfg.endpointUpdatesBatchPeriodMs, cfg.concurrentEndpointSyncs, cfg.concurrentServiceEndpointSyncs], [100, 0, 5, 5]);
  assert.deepEqual([cfg.mirroringMaxEndpointsPerSubset, cfg.mirroringEndpointUpdatesBatchPeriodMs, cfg.mirroringConcurrentServiceEndpointSyncs], [1000, 0, 5]);
  assert.deepEqual(cfg.leaderElection, { enabled: false, leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000, namespace: 'kube-system', name: 'kubelab-controller' });
});

test('flags map onto the configuration; bad values are flag errors', () => {
  const { values } = parseFlags(
    [
      '--node-monitor-grace-period=3s', '--node-monitor-period', '500ms', '--leader-elect', '--leader-elect-lease-duration=4s',
      '--controllers=*,-podgc', '--cluster-cidr=10.0.0.0/16,fd00::/48', '--node-cidr-mask-size-ipv6=80', '--allocate-node-cidrs=false',
    ],
    controllerSpecs,
  );
  const cfg = controllerConfigFromFlags(values);
  assert.equal(cfg.nodeMonitorGracePeriodMs, 3000);
  assert.equal(cfg.nodeMonitorPeriodMs, 500);
  assert.equal(cfg.leaderElection?.enabled, true);
  assert.equal(cfg.leaderElection?.leaseDurationMs, 4000);
  assert.equal(cfg.controllers?.has('podgc'), false);
  assert.deepEqual(cfg.nodeCidrMaskSizes, [24, 80]);
  assert.equal(cfg.allocateNodeCidrs, false);
  assert.throws(() => controllerConfigFromFlags(parseFlags(['--controllers=nope'], controllerSpecs).values), /unknown controller/);
  assert.throws(() => controllerConfigFromFlags(parseFlags(['--terminated-pod-gc-threshold=-1'], controllerSpecs).values), /whole number/);
  assert.throws(() => parseFlags(['--node-monitor-grace-period=soon'], controllerSpecs), /invalid duration/);
  assert.throws(() => controllerConfigFromFlags(parseFlags(['--max-endpoints-per-slice=1001'], controllerSpecs).values), /between 1 and 1000/);
  assert.equal(controllerConfigFromFlags(parseFlags(['--endpoint-updates-batch-period=250ms'], controllerSpecs).values).endpointUpdatesBatchPeriodMs, 250);
  assert.throws(() => controllerConfigFromFlags(parseFlags(['--cluster-cidr=10.0.0.0/8', '--node-cidr-mask-size=28'], controllerSpecs).values), /too big/);
  assert.doesNotThrow(() => controllerConfigFromFlags(parseFlags(['--cluster-cidr=bogus', '--allocate-node-cidrs=false'], controllerSpecs).values), 'not checked when not allocating');
});
