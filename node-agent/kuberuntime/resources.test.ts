import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Container, Pod } from '../../shared/api/core-v1.ts';
import { containerOomScoreAdj, containerResources, milliCpuToQuota, milliCpuToShares } from './resources.ts';

const GiB = 1024 ** 3;
function podWith(c: Container): Pod {
  return { metadata: { name: 'p', uid: 'u' }, spec: { containers: [c] } };
}

test('cpu shares and quota follow kubelet', () => {
  assert.equal(milliCpuToShares(0), 2);
  assert.equal(milliCpuToShares(1), 2);
  assert.equal(milliCpuToShares(250), 256);
  assert.equal(milliCpuToShares(1000), 1024);
  assert.equal(milliCpuToQuota(0), 0);
  assert.equal(milliCpuToQuota(500), 50000);
  assert.equal(milliCpuToQuota(5), 1000); // minimum quota
});

test('containerResources: requests, limits, OOM score by QoS', () => {
  const guaranteed: Container = { name: 'a', resources: { requests: { cpu: '500m', memory: '64Mi' }, limits: { cpu: '500m', memory: '64Mi' } } };
  assert.deepEqual(containerResources(podWith(guaranteed), guaranteed, 4 * GiB), {
    cpuShares: 512, cpuPeriod: 100000, cpuQuota: 50000, memoryLimitInBytes: 67108864, oomScoreAdj: -997,
  });
  const best: Container = { name: 'b' };
  assert.deepEqual(containerResources(podWith(best), best, 4 * GiB), { cpuShares: 2, oomScoreAdj: 1000 });
  const burst: Container = { name: 'c', resources: { requests: { cpu: '250m', memory: '1Gi' } } };
  assert.deepEqual(containerResources(podWith(burst), burst, 4 * GiB), { cpuShares: 256, oomScoreAdj: 750 });
  const limitOnly: Container = { name: 'd', resources: { limits: { cpu: '1', memory: '16Mi' } } };
  const r = containerResources(podWith(limitOnly), limitOnly, 4 * GiB);
  assert.equal(r.cpuShares, 1024, 'request defaults to the limit');
  assert.equal(r.cpuQuota, 100000);
  assert.equal(r.memoryLimitInBytes, 16 * 1024 * 1024);
  const tiny: Container = { name: 'e', resources: { requests: { memory: '4Gi' } } };
  assert.equal(containerOomScoreAdj(podWith(tiny), tiny, 4 * GiB), 3);
});
