import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../../shared/api/core-v1.ts';
import { FakeClientset } from '../../shared/client/fake/clientset.ts';
import { FakeClock } from '../../shared/util/clock.ts';
import { silentLogger } from '../../shared/util/log.ts';
import { StatusManager } from './status-manager.ts';

async function seed(cs: FakeClientset): Promise<Pod> {
  return (await cs.pods.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'd' }, spec: { nodeName: 'n', containers: [{ name: 'c' }] }, status: { phase: 'Pending', qosClass: 'BestEffort', reason: 'Old' } } as Pod)) as Pod;
}

test('StatusManager writes only changes, as a merge patch with the uid, dropping removed fields', async () => {
  const clock = new FakeClock();
  const cs = new FakeClientset({ clock });
  let apiPod = await seed(cs);
  const sm = new StatusManager({ pods: cs.pods, getPod: () => apiPod, clock, log: silentLogger() });
  const running = { phase: 'Running' as const, qosClass: 'BestEffort' as const, conditions: [{ type: 'Ready', status: 'True' as const }], podIP: '10.0.0.2' };
  sm.setPodStatus(apiPod, running);
  await sm.flush('' + apiPod.metadata.uid);
  const patches = cs.actions().filter((a) => a.verb === 'patch');
  assert.equal(patches.length, 1);
  assert.equal(patches[0]?.subresource, 'status');
  assert.equal(patches[0]?.patchType, 'application/merge-patch+json');
  const body = patches[0]?.patch as { metadata: { uid: string }; status: Record<string, unknown> };
  assert.equal(body.metadata.uid, apiPod.metadata.uid);
  assert.equal(body.status['reason'], null, 'a field the agent no longer reports is removed');
  apiPod = (await cs.pods.get('d', 'p')) as Pod;
  assert.equal(apiPod.status?.phase, 'Running');
  assert.equal(apiPod.status?.reason, undefined);
  assert.equal(apiPod.status?.conditions?.[0]?.lastTransitionTime, '2026-01-01T00:00:00Z');
  assert.ok(apiPod.status?.startTime);

  // Same status again (a later sync): no write. Transition time unchanged after time passes.
  clock.step(60_000);
  sm.setPodStatus(apiPod, running);
  await sm.flush('' + apiPod.metadata.uid);
  assert.equal(cs.actions().filter((a) => a.verb === 'patch').length, 1);

  // Someone overwrote the status: observe() notices and writes ours back.
  const tampered = (await cs.pods.patch('d', 'p', 'application/merge-patch+json', { status: { phase: 'Pending' } }, { subresource: 'status' })) as Pod;
  apiPod = tampered;
  sm.observe(tampered);
  await sm.flush('' + apiPod.metadata.uid);
  assert.equal(((await cs.pods.get('d', 'p')) as Pod).status?.phase, 'Running');

  // Terminal phases never go back.
  sm.setPodStatus(apiPod, { ...running, phase: 'Succeeded' });
  sm.setPodStatus(apiPod, { ...running, phase: 'Running' });
  assert.equal(sm.getPodStatus('' + apiPod.metadata.uid)?.phase, 'Succeeded');
});

test('StatusManager.deletePod writes the final status, then deletes with grace 0 and a uid precondition', async () => {
  const cs = new FakeClientset();
  const apiPod = await seed(cs);
  const sm = new StatusManager({ pods: cs.pods, getPod: () => apiPod, log: silentLogger() });
  sm.setPodStatus(apiPod, { phase: 'Failed', qosClass: 'BestEffort' });
  cs.clearActions();
  await sm.deletePod(apiPod);
  const acts = cs.actions().map((a) => `${a.verb}${a.subresource ? `/${a.subresource}` : ''}`);
  assert.deepEqual(acts, ['patch/status', 'delete']);
  assert.deepEqual(cs.actions()[1]?.options, { gracePeriodSeconds: 0, preconditions: { uid: apiPod.metadata.uid } });
  await assert.rejects(cs.pods.get('d', 'p'));
});
