/**
 * The agent feeds the pod timeline as it acts (runtime manager, PLEG/pod-sync runtime reads, prober) and
 * forgets it with the pod: NodeAgent on the fake client and the fake CRI runtime, real short timers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../../shared/api/core-v1.ts';
import { fakeNodeAgent } from '../testing/fake-node-agent.ts';
import { untilWith } from '../../test/integration/framework/until.ts';
import { validatePodAnatomy } from './testing/anatomy-schema.ts';

const until = untilWith({ timeoutMs: 20_000, everyMs: 20 });

test('runtime manager, runtime reads and the prober feed the timeline; anatomyOf serves it in order; the pod going drops it', async () => {
  const { cs, agent } = fakeNodeAgent({ mode: 'simulated' });
  await agent.start();
  try {
    await cs.pods.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web', namespace: 'default' },
      spec: {
        nodeName: 'n1',
        terminationGracePeriodSeconds: 0,
        initContainers: [{ name: 'setup', image: 'localhost/busybox:1.35', command: ['true'] }],
        containers: [
          {
            name: 'app',
            image: 'localhost/busybox:1.35',
            command: ['sleep', '3600'],
            readinessProbe: { exec: { command: ['true'] }, periodSeconds: 1 },
          },
        ],
      },
    } as Pod);
    const pod = await until('web Ready', async () => {
      const p = (await cs.pods.get('default', 'web')) as Pod;
      return p.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True' ? p : undefined;
    });
    const uid = pod.metadata.uid ?? '';
    const recorded = agent.timeline.entries(uid).map((e) => `${e.type}${e.container ? ` ${e.container}` : ''}${e.result ? ` ${e.probe}=${e.result}` : ''}`);
    for (const want of ['SandboxCreated', 'SandboxReady', 'ContainerCreated setup', 'ContainerStarted setup', 'ContainerExited setup', 'ContainerStarted app', 'ProbeChanged app readiness=success']) {
      assert.ok(recorded.includes(want), `${want} in ${recorded.join(', ')}`);
    }
    const a = await agent.anatomyOf('default', 'web');
    assert.ok(a);
    assert.deepEqual(validatePodAnatomy(a), []);
    const seq = a.timeline.map((e) => `${e.type}${e.container ? ` ${e.container}` : ''}`);
    assert.ok(seq.indexOf('ContainerExited setup') < seq.indexOf('ContainerStarted app'), seq.join(', '));
    assert.equal(a.timeline.find((e) => e.type === 'ContainerExited' && e.container === 'setup')?.containerType, 'init');
    assert.equal(a.timeline.find((e) => e.type === 'ContainerExited')?.exitCode, 0);
    assert.equal(await agent.anatomyOf('default', 'nope'), undefined);

    await cs.pods.delete('default', 'web', { gracePeriodSeconds: 0 });
    await until('the timeline of the gone pod dropped', async () => (agent.timeline.uids().includes(uid) || agent.anatomy.uids().includes(uid) ? undefined : true));
  } finally {
    await agent.stop();
  }
});
