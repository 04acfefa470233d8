import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCriConformance, TEST_NAMES } from '../testing/cri-tests.ts';
import { SimulatedRuntime, interpretCommand } from './simulated-runtime.ts';
import { FakeClock } from '../../../shared/util/clock.ts';

runCriConformance({
  name: 'simulated',
  newRuntime: () => new SimulatedRuntime({ podCidr: '10.77.0.0/24' }),
  images: { busybox: 'localhost/busybox:1.35' },
  skip: [
    {
      reason: 'the simulated runtime runs no processes: no environment, no exec output, no log files',
      tests: [TEST_NAMES.envs, TEST_NAMES.execSync, TEST_NAMES.logs],
    },
  ],
});

test('simulated runtime: host-local style IP allocation from the pod CIDR', async () => {
  const rt = new SimulatedRuntime({ podCidr: '10.9.1.0/29' }); // usable .2 .. .6
  const sb = (n: number) => rt.runPodSandbox({ metadata: { name: `p${n}`, uid: `u${n}`, namespace: 'd', attempt: 0 } });
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) ids.push(await sb(i));
  const ips = await Promise.all(ids.map(async (id) => (await rt.podSandboxStatus(id)).status.network.ip));
  assert.deepEqual(ips, ['10.9.1.2', '10.9.1.3', '10.9.1.4', '10.9.1.5', '10.9.1.6']);
  await assert.rejects(sb(9), /no IP addresses available/);
  await rt.stopPodSandbox(ids[1] ?? '');
  const again = await sb(10);
  assert.equal((await rt.podSandboxStatus(again)).status.network.ip, '10.9.1.3', 'a released address is reused');
});

test('simulated runtime: no pod CIDR means NetworkReady=false and pod-network sandboxes fail', async () => {
  const rt = new SimulatedRuntime();
  const st = await rt.status();
  assert.equal(st.conditions.find((c) => c.type === 'NetworkReady')?.status, false);
  await assert.rejects(rt.runPodSandbox({ metadata: { name: 'p', uid: 'u', namespace: 'd', attempt: 0 } }), /no pod CIDR/);
  const host = await rt.runPodSandbox({ metadata: { name: 'h', uid: 'h', namespace: 'd', attempt: 0 }, linux: { securityContext: { namespaceOptions: { network: 'NODE' } } } });
  assert.equal((await rt.podSandboxStatus(host)).status.network.ip, '');
  rt.updatePodCidr('10.9.2.0/24');
  assert.equal((await rt.status()).conditions.find((c) => c.type === 'NetworkReady')?.status, true);
});

test('simulated runtime: sleep N exits 0 after N seconds on the clock and reports the change', async () => {
  const clock = new FakeClock();
  let changes = 0;
  const rt = new SimulatedRuntime({ podCidr: '10.9.3.0/24', clock, onStateChange: () => changes++ });
  const sb = await rt.runPodSandbox({ metadata: { name: 'p', uid: 'u', namespace: 'd', attempt: 0 } });
  const id = await rt.createContainer(sb, { metadata: { name: 'c', attempt: 0 }, image: { image: 'localhost/busybox:1.35' }, command: ['sh', '-c', 'sleep 5; exit 3'] }, { metadata: { name: 'p', uid: 'u', namespace: 'd', attempt: 0 } });
  await rt.startContainer(id);
  clock.step(4999);
  assert.equal((await rt.containerStatus(id)).status.state, 'CONTAINER_RUNNING');
  clock.step(1);
  const st = (await rt.containerStatus(id)).status;
  assert.equal(st.state, 'CONTAINER_EXITED');
  assert.equal(st.exitCode, 3);
  assert.equal(st.reason, 'Error');
  assert.equal(changes, 1);
});

test('interpretCommand', () => {
  assert.deepEqual(interpretCommand(['sleep', '10']), { exitCode: 0, afterSeconds: 10 });
  assert.deepEqual(interpretCommand(['sh', '-c', 'echo hi; exit 4']), { exitCode: 4, afterSeconds: 0 });
  assert.deepEqual(interpretCommand(['/bin/true']), { exitCode: 0, afterSeconds: 0 });
  assert.deepEqual(interpretCommand(['false']), { exitCode: 1, afterSeconds: 0 });
  assert.equal(interpretCommand(['httpd', '-f']), undefined);
  assert.equal(interpretCommand(['sleep', 'infinity']), undefined);
  assert.equal(interpretCommand([]), undefined);
});
