import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../../../../shared/api/core-v1.ts';
import { defaultPod } from '../../../../shared/api/defaults/pod.ts';
import { podEphemeralContainersStrategy } from './ephemeral-containers-strategy.ts';

function storedPod(): Pod {
  return defaultPod({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'default', uid: 'u1', resourceVersion: '10', labels: { app: 'web' } },
    spec: { containers: [{ name: 'app', image: 'nginx:1.27' }], nodeName: 'node-1' },
    status: { phase: 'Running', podIP: '10.0.0.5' },
  } as Pod);
}

describe('podEphemeralContainersStrategy', () => {
  it('takes only spec.ephemeralContainers from the request, defaulted', () => {
    const old = storedPod();
    const req = structuredClone(old) as any;
    req.spec.containers[0].image = 'evil:1';
    req.spec.nodeName = 'node-2';
    req.status = { phase: 'Failed' };
    req.metadata.labels = { app: 'changed' };
    req.spec.ephemeralContainers = [{ name: 'debugger-1', image: 'localhost/busybox:1.35', targetContainerName: 'app' }];
    podEphemeralContainersStrategy.prepareForUpdate(req, old);
    assert.equal(req.spec.containers[0].image, 'nginx:1.27');
    assert.equal(req.spec.nodeName, 'node-1');
    assert.deepEqual(req.status, { phase: 'Running', podIP: '10.0.0.5' });
    assert.deepEqual(req.metadata.labels, { app: 'web' });
    const ec = req.spec.ephemeralContainers[0];
    assert.equal(ec.imagePullPolicy, 'IfNotPresent');
    assert.equal(ec.terminationMessagePolicy, 'File');
    assert.equal(ec.terminationMessagePath, '/dev/termination-log');
    assert.deepEqual(podEphemeralContainersStrategy.validateUpdate(req, old), []);
    // the stored pod is not touched
    assert.equal(old.spec!.ephemeralContainers, undefined);
  });

  it('refuses a forbidden field and a removal with the field paths kube reports', () => {
    const old = storedPod();
    const req = structuredClone(old) as any;
    req.spec.ephemeralContainers = [{ name: 'debugger-1', image: 'busybox', ports: [{ containerPort: 80 }] }];
    podEphemeralContainersStrategy.prepareForUpdate(req, old);
    assert.deepEqual(
      podEphemeralContainersStrategy.validateUpdate(req, old).map((e) => e.field),
      ['spec.ephemeralContainers[0].ports'],
    );
    const withOne = structuredClone(old) as any;
    withOne.spec.ephemeralContainers = [{ name: 'debugger-1', image: 'busybox' }];
    podEphemeralContainersStrategy.prepareForUpdate(withOne, old);
    const removal = structuredClone(withOne) as any;
    delete removal.spec.ephemeralContainers;
    podEphemeralContainersStrategy.prepareForUpdate(removal, withOne);
    assert.deepEqual(
      podEphemeralContainersStrategy.validateUpdate(removal, withOne).map((e) => `${e.field}: ${e.detail}`),
      ['spec.ephemeralContainers: Forbidden: existing ephemeral containers "debugger-1" may not be removed\n'],
    );
  });
});
