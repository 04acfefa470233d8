import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node } from '../shared/api/core-v1.ts';
import { FakeClientset } from '../shared/client/fake/clientset.ts';
import { pollUntil } from '../shared/util/wait.ts';
import { silentLogger } from '../shared/util/log.ts';
import { newNode } from './framework/testing.ts';
import { ALL_CONTROLLERS, dropManagedFields, parseControllers, runControllerManager } from './main.ts';

test('--controllers: * is all, foo enables, -foo disables, unknown names are refused', () => {
  assert.deepEqual([...parseControllers('*')].sort(), [...ALL_CONTROLLERS].sort());
  assert.deepEqual([...parseControllers('*,-scheduler')].sort(), [
    'clusterrole-aggregation',
    'cronjob',
    'csrapproving',
    'csrsigning',
    'daemonset',
    'deployment',
    'disruption',
    'endpoint',
    'endpointslice',
    'endpointslicemirroring',
    'garbagecollector',
    'job',
    'nodeipam',
    'nodelifecycle',
    'podgc',
    'replicaset',
    'root-ca-cert-publisher',
    'route',
    'serviceaccount',
    'statefulset',
    'tainteviction',
    'tokencleaner',
    'ttl-after-finished',
  ]);
  assert.deepEqual([...parseControllers('podgc, nodeipam')].sort(), ['nodeipam', 'podgc']);
  assert.throws(() => parseControllers('*,-bogus'), /unknown controller "bogus"/);
  assert.throws(() => parseControllers(''), /empty/);
});

test('runControllerManager runs the selected controllers until stopped (no leader election)', async () => {
  const cs = new FakeClientset({ objects: [newNode('n1', { ready: 'True' })] });
  const cm = await runControllerManager({ clientset: cs, controllers: parseControllers('nodeipam'), log: silentLogger() });
  assert.equal(cm.isLeader(), true);
  await pollUntil(async () => Boolean(((await cs.nodes.get('', 'n1')) as Node).spec?.podCIDR), { intervalMs: 10, timeoutMs: 5000 });
  assert.equal(((await cs.nodes.get('', 'n1')) as Node).spec?.podCIDR, '10.244.0.0/24');
  await cm.stop();
  assert.equal(await cm.done, 'stopped');
  assert.equal(cm.isLeader(), false);
  assert.equal(cs.tracker.watcherCount(), 0, 'informers stopped');
});

test('with leader election the controllers start only once the lease is held, and stop() releases it', async () => {
  const cs = new FakeClientset({ objects: [newNode('n1', { ready: 'True' })] });
  const le = { enabled: true, leaseDurationMs: 2000, renewDeadlineMs: 1500, retryPeriodMs: 200 };
  const a = await runControllerManager({ clientset: cs, controllers: parseControllers('nodeipam'), leaderElection: { ...le, identity: 'a' }, log: silentLogger() });
  await pollUntil(() => a.isLeader(), { intervalMs: 10, timeoutMs: 5000 });
  const b = await runControllerManager({ clientset: cs, controllers: parseControllers('nodeipam'), leaderElection: { ...le, identity: 'b' }, log: silentLogger() });
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(b.isLeader(), false);
  await a.stop();
  assert.equal(await a.done, 'stopped');
  const lease = await cs.leases.get('kube-system', 'kubelab-controller');
  assert.equal((lease['spec'] as { holderIdentity?: string }).holderIdentity !== 'a', true);
  await pollUntil(() => b.isLeader(), { intervalMs: 10, timeoutMs: 1000 });
  await b.stop();
});

test('the informers cache objects without managedFields, leaving the given object alone', () => {
  const node = newNode('n1', { ready: 'True' });
  node.metadata.managedFields = [{ manager: 'kubelet', operation: 'Update', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: {} }];
  const cached = dropManagedFields(node) as Node;
  assert.equal(cached.metadata.managedFields, undefined);
  assert.equal(cached.metadata.name, 'n1');
  assert.deepEqual(cached.status, node.status);
  assert.equal(node.metadata.managedFields?.length, 1, 'the original keeps them');
  const plain = newNode('n2', {});
  assert.equal(dropManagedFields(plain), plain, 'nothing to drop: the same object');
});
