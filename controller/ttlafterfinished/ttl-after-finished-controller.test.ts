import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Job } from '../../shared/api/batch-v1.ts';
import { jobsResource } from '../../shared/client/clientset.ts';
import { newFixture, T0 } from '../framework/testing.ts';
import { rfc3339 } from '../framework/time-format.ts';
import { TTLAfterFinishedController } from './ttl-after-finished-controller.ts';

function job(name: string, ttl: number | undefined, finishedAt?: number): Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: 'ns' },
    spec: { template: {}, ...(ttl !== undefined ? { ttlSecondsAfterFinished: ttl } : {}) },
    status: finishedAt === undefined ? {} : { conditions: [{ type: 'Complete', status: 'True', lastTransitionTime: rfc3339(finishedAt) }], completionTime: rfc3339(finishedAt) },
  };
}

describe('TTLAfterFinishedController', () => {
  it('deletes a finished Job once its TTL passed (Foreground, uid precondition); waits before; ignores others', async () => {
    const f = await newFixture({ objects: [job('done', 60, T0), job('running', 60), job('keep', undefined, T0)], resources: [jobsResource] }, (ctx) => new TTLAfterFinishedController(ctx));
    try {
      f.clock.setTime(T0 + 20_000);
      assert.deepEqual(await f.controller.processJob('ns/done', f.signal), { requeueAfterMs: 40_000 });
      assert.deepEqual(await f.controller.processJob('ns/running', f.signal), {});
      assert.deepEqual(await f.controller.processJob('ns/keep', f.signal), {});
      assert.deepEqual(f.writes(), []);
      f.clock.setTime(T0 + 60_000);
      await f.controller.processJob('ns/done', f.signal);
      assert.deepEqual(f.writes(), ['delete jobs done']);
      const del = f.writeActions()[0];
      assert.equal((del?.options as { propagationPolicy?: string } | undefined)?.propagationPolicy, 'Foreground');
    } finally {
      await f.stop();
    }
  });
});
