import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, PodSpec } from '../../shared/api/core-v1.ts';
import { generateContainerConfig, generatePodSandboxConfig, namespacesForContainer } from './container-config.ts';

function pod(spec: Partial<PodSpec> = {}): Pod {
  return { metadata: { name: 'p', namespace: 'ns', uid: 'u' }, spec: { containers: [{ name: 'app', image: 'i' }], ...spec } };
}

function containerNamespaces(p: Pod, pidTargetId?: string) {
  const c = { name: 'debugger', image: 'localhost/busybox:1.35', stdin: true, tty: true, targetContainerName: 'app' };
  const config = generateContainerConfig(p, c, { restartCount: 0, image: c.image, env: [], mounts: [], memoryCapacity: 1 << 30, ...(pidTargetId ? { pidTargetId } : {}) });
  return config.linux?.securityContext?.namespaceOptions;
}

test('host namespaces and shareProcessNamespace as kubelet passes them to the CRI (sandbox and containers alike)', () => {
  const cases: [string, Partial<PodSpec>, object][] = [
    ['ordinary pod', {}, { network: 'POD', pid: 'CONTAINER', ipc: 'POD' }],
    ['hostNetwork', { hostNetwork: true }, { network: 'NODE', pid: 'CONTAINER', ipc: 'POD' }],
    ['hostPID', { hostPID: true }, { network: 'POD', pid: 'NODE', ipc: 'POD' }],
    ['hostIPC', { hostIPC: true }, { network: 'POD', pid: 'CONTAINER', ipc: 'NODE' }],
    ['shareProcessNamespace', { shareProcessNamespace: true }, { network: 'POD', pid: 'POD', ipc: 'POD' }],
    ['kubectl debug node/ (all three host namespaces)', { hostNetwork: true, hostPID: true, hostIPC: true }, { network: 'NODE', pid: 'NODE', ipc: 'NODE' }],
    ['hostPID wins over shareProcessNamespace', { hostPID: true, shareProcessNamespace: true }, { network: 'POD', pid: 'NODE', ipc: 'POD' }],
  ];
  for (const [name, spec, want] of cases) {
    const p = pod(spec);
    const sandbox = generatePodSandboxConfig(p, { attempt: 0, logDirectory: '/l', cgroupParent: '/c', nodeHostname: 'n1' });
    assert.deepEqual(sandbox.linux?.securityContext?.namespaceOptions, want, `${name}: sandbox`);
    assert.deepEqual(containerNamespaces(p), want, `${name}: container`);
  }
});

test('an ephemeral container with a target joins the target\'s pid namespace (TARGET + target_id) only when the pod gives containers their own', () => {
  assert.deepEqual(containerNamespaces(pod(), 'c0ffee'), { network: 'POD', pid: 'TARGET', ipc: 'POD', targetId: 'c0ffee' });
  assert.deepEqual(containerNamespaces(pod({ shareProcessNamespace: true }), 'c0ffee'), { network: 'POD', pid: 'POD', ipc: 'POD' }, 'shared pid namespace: stays POD');
  assert.deepEqual(containerNamespaces(pod({ hostPID: true }), 'c0ffee'), { network: 'POD', pid: 'NODE', ipc: 'POD' }, 'hostPID: stays NODE');
  assert.deepEqual(namespacesForContainer(pod()), { network: 'POD', pid: 'CONTAINER', ipc: 'POD' }, 'no target: the pod\'s modes');
  const tty = generateContainerConfig(pod(), { name: 'd', image: 'i', stdin: true, tty: true, command: ['sh'] }, { restartCount: 0, image: 'i', env: [], mounts: [], memoryCapacity: 1 });
  assert.deepEqual({ stdin: tty.stdin, tty: tty.tty, command: tty.command }, { stdin: true, tty: true, command: ['sh'] }, 'stdin/tty/command as the spec says');
});
