import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ContainerStatus, Pod } from '../../shared/api/core-v1.ts';
import { StreamingHttpError, containerNames, logContainerId, requireContainerSpec, runningContainerId, runtimeContainerId } from './pod-containers.ts';

function pod(status: Partial<ContainerStatus>): Pod {
  return {
    metadata: { name: 'web' },
    spec: { initContainers: [{ name: 'init', image: 'x' }], containers: [{ name: 'c', image: 'x' }] },
    status: { containerStatuses: [{ name: 'c', ready: false, restartCount: 0, image: 'x', imageID: '', ...status }] },
  };
}

function err(fn: () => unknown): { code: number; message: string } {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof StreamingHttpError);
    return { code: e.statusCode, message: e.message };
  }
  assert.fail('expected an error');
}

describe('logContainerId (kubelet validateContainerLogStatus)', () => {
  test('running: the current instance; previous: the last terminated one', () => {
    const p = pod({ containerID: 'containerd://new', state: { running: {} }, lastState: { terminated: { exitCode: 1, containerID: 'containerd://old' } } });
    assert.equal(logContainerId(p, 'c', false), 'new');
    assert.equal(logContainerId(p, 'c', true), 'old');
  });

  test('terminated: its own id, else the previous one', () => {
    assert.equal(logContainerId(pod({ state: { terminated: { exitCode: 0, containerID: 'containerd://t' } } }), 'c', false), 't');
    assert.equal(logContainerId(pod({ state: { terminated: { exitCode: 0 } }, lastState: { terminated: { exitCode: 0, containerID: 'containerd://l' } } }), 'c', false), 'l');
    assert.deepEqual(err(() => logContainerId(pod({ state: { terminated: { exitCode: 0 } } }), 'c', false)), { code: 400, message: 'container "c" in pod "web" is terminated' });
  });

  test('waiting after a crash shows the last run; waiting before any run is an error naming the reason', () => {
    assert.equal(logContainerId(pod({ state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 1, containerID: 'containerd://crashed' } } }), 'c', false), 'crashed');
    assert.deepEqual(err(() => logContainerId(pod({ state: { waiting: { reason: 'ContainerCreating' } } }), 'c', false)), { code: 400, message: 'container "c" in pod "web" is waiting to start: ContainerCreating' });
    assert.equal(err(() => logContainerId(pod({ state: { waiting: { reason: 'ErrImagePull' } } }), 'c', false)).message, `container "c" in pod "web" is waiting to start: image can't be pulled`);
    assert.equal(err(() => logContainerId(pod({ state: { waiting: { reason: 'ImagePullBackOff' } } }), 'c', false)).message, 'container "c" in pod "web" is waiting to start: trying and failing to pull image');
    assert.equal(err(() => logContainerId(pod({}), 'c', false)).message, 'container "c" in pod "web" is waiting to start - no logs yet');
  });

  test('previous without a terminated instance; a container without status', () => {
    assert.equal(err(() => logContainerId(pod({ containerID: 'containerd://x', state: { running: {} } }), 'c', true)).message, 'previous terminated container "c" in pod "web" not found');
    assert.equal(err(() => logContainerId(pod({}), 'init', false)).message, 'container "init" in pod "web" is not available');
  });
});

describe('exec/attach targets', () => {
  test('only a running container with an id', () => {
    assert.equal(runningContainerId(pod({ containerID: 'containerd://r', state: { running: {} } }), 'c'), 'r');
    assert.deepEqual(err(() => runningContainerId(pod({ state: { terminated: { exitCode: 0, containerID: 'containerd://t' } } }), 'c')), { code: 404, message: 'container not found ("c")' });
  });

  test('spec names and runtime ids', () => {
    assert.deepEqual(containerNames(pod({})), ['init', 'c']);
    requireContainerSpec(pod({}), 'init');
    assert.deepEqual(err(() => requireContainerSpec(pod({}), 'x')), { code: 404, message: 'container "x" not found in pod "web"' });
    assert.equal(runtimeContainerId('containerd://abc'), 'abc');
    assert.equal(runtimeContainerId('abc'), 'abc');
    assert.equal(runtimeContainerId(undefined), '');
  });
});
