import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../core-v1.ts';
import { defaultPod } from '../defaults/pod.ts';
import { validatePod, validatePodUpdate, POD_UPDATE_FORBIDDEN_PREFIX } from './pod.ts';
import { validatePodEphemeralContainersUpdate } from './ephemeral-containers-update.ts';

type Mut = (p: any) => void;

function stored(mut: Mut = () => {}): Pod {
  const p: any = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'default', uid: 'u1', resourceVersion: '10' },
    spec: { containers: [{ name: 'app', image: 'nginx:1.27' }], initContainers: [{ name: 'setup', image: 'busybox:1.35' }] },
  };
  mut(p);
  return defaultPod(p);
}

/** The stored pod plus the given ephemeral containers, defaulted as the subresource's strategy defaults them. */
function withEphemeral(old: Pod, list: any[]): Pod {
  const p = structuredClone(old) as any;
  p.spec.ephemeralContainers = list;
  return defaultPod(p);
}

const debugger0 = () => ({ name: 'debugger-1', image: 'localhost/busybox:1.35', targetContainerName: 'app', stdin: true, tty: true });
const render = (errs: { field: string; detail: string }[]) => errs.map((e) => `${e.field}: ${e.detail}`);

describe('validatePodEphemeralContainersUpdate', () => {
  it('accepts an ephemeral container as kubectl debug builds it (legacy and general profiles)', () => {
    const old = stored();
    const legacy = { ...debugger0(), resources: {}, terminationMessagePolicy: 'File', imagePullPolicy: 'IfNotPresent' };
    assert.deepEqual(render(validatePodEphemeralContainersUpdate(withEphemeral(old, [legacy]), old)), []);
    const general = { ...debugger0(), securityContext: { capabilities: { add: ['SYS_PTRACE'] } } };
    assert.deepEqual(render(validatePodEphemeralContainersUpdate(withEphemeral(old, [general]), old)), []);
  });

  it('accepts a second one added beside the first, and targets an init container', () => {
    const old = withEphemeral(stored(), [debugger0()]);
    const next = withEphemeral(old, [...structuredClone(old.spec!.ephemeralContainers!), { name: 'debugger-2', image: 'localhost/busybox:1.35', targetContainerName: 'setup' }]);
    assert.deepEqual(render(validatePodEphemeralContainersUpdate(next, old)), []);
  });

  it('refuses removing an existing ephemeral container', () => {
    const old = withEphemeral(stored(), [debugger0()]);
    const next = withEphemeral(old, []);
    assert.deepEqual(render(validatePodEphemeralContainersUpdate(next, old)), ['spec.ephemeralContainers: Forbidden: existing ephemeral containers "debugger-1" may not be removed\n']);
  });

  it('refuses changing an existing ephemeral container, with a diff', () => {
    const old = withEphemeral(stored(), [debugger0()]);
    const next = withEphemeral(old, [{ ...debugger0(), image: 'localhost/busybox:1.36' }]);
    const errs = validatePodEphemeralContainersUpdate(next, old);
    assert.equal(errs.length, 1);
    assert.equal(errs[0]!.field, 'spec.ephemeralContainers');
    assert.match(errs[0]!.detail, /^Forbidden: existing ephemeral containers "debugger-1" may not be changed\n/);
    assert.match(errs[0]!.detail, /localhost\/busybox:1\.35/);
    assert.match(errs[0]!.detail, /localhost\/busybox:1\.36/);
  });

  it('accepts the same containers in another order (patches do not keep it)', () => {
    const old = withEphemeral(stored(), [debugger0(), { name: 'debugger-2', image: 'localhost/busybox:1.35' }]);
    const next = withEphemeral(old, [...structuredClone(old.spec!.ephemeralContainers!)].reverse());
    assert.deepEqual(render(validatePodEphemeralContainersUpdate(next, old)), []);
  });

  const forbidden: [string, any, string][] = [
    ['ports', { ports: [{ containerPort: 80 }] }, 'ports'],
    ['resources', { resources: { limits: { cpu: '1' } } }, 'resources'],
    ['resizePolicy', { resizePolicy: [{ resourceName: 'cpu', restartPolicy: 'NotRequired' }] }, 'resizePolicy'],
    ['restartPolicy', { restartPolicy: 'Always' }, 'restartPolicy'],
    ['livenessProbe', { livenessProbe: { exec: { command: ['true'] } } }, 'livenessProbe'],
    ['readinessProbe', { readinessProbe: { exec: { command: ['true'] } } }, 'readinessProbe'],
    ['startupProbe', { startupProbe: { exec: { command: ['true'] } } }, 'startupProbe'],
    ['lifecycle', { lifecycle: { preStop: { exec: { command: ['true'] } } } }, 'lifecycle'],
  ];
  for (const [name, extra, field] of forbidden) {
    it(`refuses ${name} in kube's words`, () => {
      const old = stored();
      const errs = render(validatePodEphemeralContainersUpdate(withEphemeral(old, [{ ...debugger0(), ...extra }]), old));
      assert.ok(errs.includes(`spec.ephemeralContainers[0].${field}: Forbidden: cannot be set for an Ephemeral Container`), errs.join('\n'));
    });
  }

  it('refuses subPath and subPathExpr mounts', () => {
    const old = stored((p) => (p.spec.volumes = [{ name: 'data', emptyDir: {} }]));
    const ec = { ...debugger0(), volumeMounts: [{ name: 'data', mountPath: '/a', subPath: 'x' }, { name: 'data', mountPath: '/b', subPathExpr: '$(X)' }] };
    assert.deepEqual(render(validatePodEphemeralContainersUpdate(withEphemeral(old, [ec]), old)), [
      'spec.ephemeralContainers[0].volumeMounts[0].subPath: Forbidden: cannot be set for an Ephemeral Container',
      'spec.ephemeralContainers[0].volumeMounts[1].subPathExpr: Forbidden: cannot be set for an Ephemeral Container',
    ]);
  });

  it('requires targetContainerName to name a container or init container (not an ephemeral one)', () => {
    const old = withEphemeral(stored(), [debugger0()]);
    const next = withEphemeral(old, [...structuredClone(old.spec!.ephemeralContainers!), { name: 'debugger-2', image: 'busybox', targetContainerName: 'debugger-1' }]);
    assert.deepEqual(render(validatePodEphemeralContainersUpdate(next, old)), ['spec.ephemeralContainers[1].targetContainerName: Not found: "debugger-1"']);
    const nope = withEphemeral(stored(), [{ ...debugger0(), targetContainerName: 'nope' }]);
    assert.deepEqual(render(validatePodEphemeralContainersUpdate(nope, stored())), ['spec.ephemeralContainers[0].targetContainerName: Not found: "nope"']);
  });

  it('requires names unique across containers, init containers and ephemeral containers', () => {
    const old = stored();
    const errs = render(
      validatePodEphemeralContainersUpdate(
        withEphemeral(old, [{ name: 'app', image: 'busybox' }, { name: 'setup', image: 'busybox' }, { name: 'dbg', image: 'busybox' }, { name: 'dbg', image: 'busybox' }]),
        old,
      ),
    );
    assert.deepEqual(errs, [
      'spec.ephemeralContainers[0].name: Duplicate value: "app"',
      'spec.ephemeralContainers[1].name: Duplicate value: "setup"',
      'spec.ephemeralContainers[3].name: Duplicate value: "dbg"',
    ]);
  });

  it('validates the container like any other (name, image)', () => {
    const old = stored();
    const errs = render(validatePodEphemeralContainersUpdate(withEphemeral(old, [{ name: 'Bad_Name', image: ' busybox' }]), old));
    assert.ok(errs.some((e) => e.startsWith('spec.ephemeralContainers[0].name: Invalid value: "Bad_Name"')), errs.join('\n'));
    assert.ok(errs.includes('spec.ephemeralContainers[0].image: Invalid value: " busybox": must not have leading or trailing whitespace'), errs.join('\n'));
  });

  it('static pods do not support ephemeral containers', () => {
    const old = stored((p) => {
      p.metadata.annotations = { 'kubernetes.io/config.mirror': 'abc' };
      p.spec.nodeName = 'node-1';
    });
    assert.deepEqual(render(validatePodEphemeralContainersUpdate(withEphemeral(old, [debugger0()]), old)), [': Forbidden: static pods do not support ephemeral containers']);
  });
});

describe('ephemeral containers through the pod itself', () => {
  it('cannot be set on create', () => {
    const p = withEphemeral(stored(), [debugger0()]);
    assert.ok(render(validatePod(p)).includes('spec.ephemeralContainers: Forbidden: cannot be set on create'));
  });

  it('a pod update may not add, change or remove them', () => {
    const old = stored();
    const added = withEphemeral(old, [debugger0()]);
    const errs = validatePodUpdate(added, old);
    assert.equal(errs.length, 1);
    assert.equal(errs[0]!.field, 'spec');
    assert.ok(errs[0]!.detail.startsWith(`Forbidden: ${POD_UPDATE_FORBIDDEN_PREFIX}\n`), errs[0]!.detail);
    const removed = validatePodUpdate(old, added);
    assert.equal(removed.length, 1);
    assert.ok(removed[0]!.detail.startsWith(`Forbidden: ${POD_UPDATE_FORBIDDEN_PREFIX}\n`));
    // unchanged ephemeral containers pass an ordinary update (e.g. an image change of a container)
    const imageChange = structuredClone(added) as any;
    imageChange.spec.containers[0].image = 'nginx:1.28';
    assert.deepEqual(render(validatePodUpdate(imageChange, added)), []);
  });
});

describe('ephemeralContainerStatuses through pods/status', () => {
  it('accepts the kubelet reporting them, and refuses bringing a terminated one back (implicitly restartPolicy Never)', async () => {
    const { validatePodStatusUpdate } = await import('./pod.ts');
    const old = withEphemeral(stored((p) => (p.spec.nodeName = 'node-1')), [debugger0()]) as any;
    old.status = { phase: 'Running', qosClass: 'BestEffort' };
    const running = structuredClone(old);
    running.status.ephemeralContainerStatuses = [{ name: 'debugger-1', image: 'localhost/busybox:1.35', imageID: '', ready: false, restartCount: 0, state: { running: { startedAt: '2026-12-08T00:00:00Z' } } }];
    assert.deepEqual(render(validatePodStatusUpdate(running, old)), []);
    const terminated = structuredClone(running);
    terminated.status.ephemeralContainerStatuses[0].state = { terminated: { exitCode: 0, startedAt: '2026-12-08T00:00:00Z', finishedAt: '2026-12-08T00:01:00Z' } };
    assert.deepEqual(render(validatePodStatusUpdate(terminated, running)), []);
    assert.deepEqual(render(validatePodStatusUpdate(running, terminated)), ['status.ephemeralContainerStatuses[0].state: Forbidden: may not be transitioned to non-terminated state']);
  });
});
