import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tracksGeneration } from '../../shared/api/generation.ts';
import { servedStrategies } from './registry.ts';

describe('metadata.generation tracking', () => {
  it('every served strategy agrees with the shared table the fake object tracker uses', () => {
    const served = servedStrategies();
    assert.ok(served.some((s) => s.resource === 'pods'));
    for (const s of served) {
      assert.equal(s.strategy.tracksGeneration === true, tracksGeneration(s.group, s.resource), `${s.group}/${s.resource}: strategy.tracksGeneration vs shared/api/generation.ts`);
    }
  });

  it('kube 1.32: pods, nodes, namespaces, services, configmaps do not track it; workloads do', () => {
    for (const r of ['pods', 'nodes', 'namespaces', 'services', 'configmaps', 'secrets', 'events']) assert.equal(tracksGeneration('', r), false, r);
    assert.equal(tracksGeneration('apps', 'controllerrevisions'), false);
    for (const [g, r] of [['apps', 'deployments'], ['apps', 'replicasets'], ['apps', 'statefulsets'], ['apps', 'daemonsets'], ['batch', 'jobs'], ['batch', 'cronjobs'], ['policy', 'poddisruptionbudgets'], ['', 'replicationcontrollers']] as const) {
      assert.equal(tracksGeneration(g, r), true, `${g}/${r}`);
    }
  });
});
