/**
 * Ephemeral containers through the whole agent pipeline (fake client, fake CRI runtime): added to a running
 * pod's spec, each is created once in the pod's sandbox with the target's pid namespace (TARGET + its runtime
 * id) and the spec's stdin/tty/command; one whose target the runtime does not have waits with
 * CreateContainerConfigError; an exited one is never started again; the pod's phase and app are untouched;
 * killing the pod stops a running one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ContainerStatus, Pod } from '../../shared/api/core-v1.ts';
import type { ContainerConfig } from '../cri/services.ts';
import { fakeNodeAgent } from '../testing/fake-node-agent.ts';
import { untilWith } from '../../test/integration/framework/until.ts';

const until = untilWith({ timeoutMs: 20_000, everyMs: 20 });
const IMAGE = 'localhost/busybox:1.35';

test('ephemeral containers: created once in the sandbox with the target\'s pid namespace; never restarted; stopped with the pod', async () => {
  const { cs, rt, agent } = fakeNodeAgent();
  await agent.start();
  try {
    await cs.pods.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web', namespace: 'default' },
      spec: { nodeName: 'n1', restartPolicy: 'Always', terminationGracePeriodSeconds: 1, containers: [{ name: 'app', image: IMAGE, command: ['sleep', '3600'] }] },
    } as Pod);
    const running = await until('web Running', async () => {
      const p = (await cs.pods.get('default', 'web')) as Pod;
      return p.status?.phase === 'Running' && p.status.containerStatuses?.[0]?.state?.running ? p : undefined;
    });
    const appId = (running.status?.containerStatuses?.[0]?.containerID ?? '').replace(/^[a-z]+:\/\//, '');
    const sandboxId = (await rt.listPodSandbox())[0]?.id;
    assert.ok(sandboxId);

    const withEphemeral = structuredClone(running);
    withEphemeral.spec.ephemeralContainers = [
      { name: 'debugger', image: IMAGE, targetContainerName: 'app', stdin: true, tty: true, command: ['sleep', '3600'], env: [{ name: 'X', value: '1' }] },
      { name: 'lost', image: IMAGE, targetContainerName: 'nope', command: ['sh'] },
      { name: 'plain', image: IMAGE, command: ['sleep', '3600'] },
    ];
    await cs.pods.update(withEphemeral);

    const ephemeral = async (name: string): Promise<ContainerStatus | undefined> => ((await cs.pods.get('default', 'web')) as Pod).status?.ephemeralContainerStatuses?.find((s) => s.name === name);
    const dbg = await until('debugger running', async () => {
      const s = await ephemeral('debugger');
      return s?.state?.running ? s : undefined;
    });
    const creates = () => rt.calls.filter((c) => c.method === 'createContainer').map((c) => ({ sandbox: c.args[0] as string, config: c.args[1] as ContainerConfig }));
    const dbgCreate = creates().find((c) => c.config.metadata.name === 'debugger');
    assert.ok(dbgCreate);
    assert.equal(dbgCreate.sandbox, sandboxId, "created in the pod's sandbox");
    assert.deepEqual(dbgCreate.config.linux?.securityContext?.namespaceOptions, { network: 'POD', pid: 'TARGET', ipc: 'POD', targetId: appId });
    assert.deepEqual([dbgCreate.config.stdin, dbgCreate.config.tty, dbgCreate.config.command], [true, true, ['sleep', '3600']]);
    assert.ok(dbgCreate.config.envs?.some((e) => e.key === 'X' && e.value === '1'));
    const plain = creates().find((c) => c.config.metadata.name === 'plain');
    assert.deepEqual(plain?.config.linux?.securityContext?.namespaceOptions, { network: 'POD', pid: 'CONTAINER', ipc: 'POD' }, 'no target: its own pid namespace');
    assert.equal(dbg.ready, false);

    const lost = await until('lost waits', async () => {
      const s = await ephemeral('lost');
      return s?.state?.waiting?.reason === 'CreateContainerConfigError' ? s : undefined;
    });
    assert.equal(lost.state?.waiting?.message, 'unable to find target container nope');
    const failed = await until('Failed event', async () => (await cs.events.list('default')).items.find((e) => (e as { reason?: string }).reason === 'Failed'));
    assert.equal((failed as { involvedObject?: { fieldPath?: string } }).involvedObject?.fieldPath, 'spec.ephemeralContainers{lost}');

    // The debugger exits: terminated, and never started again.
    rt.exitContainer((dbg.containerID ?? '').replace(/^[a-z]+:\/\//, ''), 0, 'Completed');
    await until('debugger terminated', async () => ((await ephemeral('debugger'))?.state?.terminated?.exitCode === 0 ? true : undefined));
    await new Promise((r) => setTimeout(r, 400)); // several relists and syncs
    assert.equal(creates().filter((c) => c.config.metadata.name === 'debugger').length, 1, 'never restarted');
    const pod = (await cs.pods.get('default', 'web')) as Pod;
    assert.equal(pod.status?.phase, 'Running');
    assert.equal(pod.status?.containerStatuses?.[0]?.restartCount, 0);
    assert.equal(creates().filter((c) => c.config.metadata.name === 'app').length, 1, 'the app was not restarted');

    // Killing the pod stops the running ephemeral container too.
    const plainId = ((await ephemeral('plain'))?.containerID ?? '').replace(/^[a-z]+:\/\//, '');
    assert.ok(plainId);
    await cs.pods.delete('default', 'web', { gracePeriodSeconds: 1 });
    await until('plain stopped', () => (rt.calls.some((c) => c.method === 'stopContainer' && c.args[0] === plainId) ? true : undefined));
  } finally {
    await agent.stop();
  }
});
