import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../core-v1.ts';
import { addDefaultTolerations, applyPriorityAdmission, defaultPod, imageTag, initialPodStatus, podQOSClass } from './pod.ts';

/** The body `kubectl run web --image=busybox -- sleep 3600` sends. */
const kubectlRun = (): Pod =>
  JSON.parse(
    '{"kind":"Pod","apiVersion":"v1","metadata":{"name":"web","creationTimestamp":null,"labels":{"run":"web"}},"spec":{"containers":[{"name":"web","image":"busybox","args":["sleep","3600"],"resources":{}}],"restartPolicy":"Always","dnsPolicy":"ClusterFirst"},"status":{}}',
  );

describe('defaultPod', () => {
  it('fills the spec exactly like kube-apiserver v1 defaults', () => {
    const pod = defaultPod(kubectlRun());
    assert.deepEqual(pod.spec, {
      containers: [
        {
          name: 'web',
          image: 'busybox',
          args: ['sleep', '3600'],
          resources: {},
          imagePullPolicy: 'Always',
          terminationMessagePath: '/dev/termination-log',
          terminationMessagePolicy: 'File',
        },
      ],
      restartPolicy: 'Always',
      dnsPolicy: 'ClusterFirst',
      enableServiceLinks: true,
      securityContext: {},
      terminationGracePeriodSeconds: 30,
      schedulerName: 'default-scheduler',
    });
    assert.deepEqual(pod.status, {}, 'status is not touched');
  });

  it('keeps values that are set', () => {
    const pod = kubectlRun();
    Object.assign(pod.spec, { restartPolicy: 'Never', terminationGracePeriodSeconds: 0, schedulerName: 'mine', enableServiceLinks: false });
    defaultPod(pod);
    assert.equal(pod.spec.restartPolicy, 'Never');
    assert.equal(pod.spec.terminationGracePeriodSeconds, 0);
    assert.equal(pod.spec.schedulerName, 'mine');
    assert.equal(pod.spec.enableServiceLinks, false);
  });

  it('container ports, probes, lifecycle and env', () => {
    const pod = kubectlRun();
    Object.assign(pod.spec.containers[0]!, {
      ports: [{ containerPort: 80 }, { containerPort: 53, protocol: 'UDP' }],
      livenessProbe: { httpGet: { port: 80 } },
      readinessProbe: { grpc: { port: 9000 }, periodSeconds: 5 },
      lifecycle: { preStop: { httpGet: { port: 'http', path: '/quit' } } },
      env: [{ name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }],
    });
    const c = defaultPod(pod).spec.containers[0]!;
    assert.deepEqual(c.ports, [
      { containerPort: 80, protocol: 'TCP' },
      { containerPort: 53, protocol: 'UDP' },
    ]);
    assert.deepEqual(c.livenessProbe, { httpGet: { port: 80, path: '/', scheme: 'HTTP' }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 });
    assert.deepEqual(c.readinessProbe, { grpc: { port: 9000, service: '' }, periodSeconds: 5, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 });
    assert.deepEqual(c.lifecycle, { preStop: { httpGet: { port: 'http', path: '/quit', scheme: 'HTTP' } } });
    assert.deepEqual(c.env, [{ name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName', apiVersion: 'v1' } } }]);
  });

  it('imagePullPolicy follows the tag', () => {
    const cases: [string, string][] = [
      ['busybox', 'Always'],
      ['busybox:latest', 'Always'],
      ['busybox:1.36', 'IfNotPresent'],
      ['registry.k8s.io/pause:3.10', 'IfNotPresent'],
      ['localhost:5000/app', 'Always'],
      ['localhost:5000/app:v1', 'IfNotPresent'],
      ['busybox@sha256:' + 'a'.repeat(64), 'IfNotPresent'],
      ['busybox:latest@sha256:' + 'a'.repeat(64), 'Always'],
      ['Busybox', 'IfNotPresent'],
      ['', 'IfNotPresent'],
    ];
    for (const [image, want] of cases) {
      const pod = kubectlRun();
      pod.spec.containers[0]!.image = image;
      assert.equal(defaultPod(pod).spec.containers[0]!.imagePullPolicy, want, image);
    }
    assert.equal(imageTag('nginx'), 'latest');
  });

  it('requests default to limits and quantities are canonical', () => {
    const pod = kubectlRun();
    pod.spec.containers[0]!.resources = { limits: { cpu: '1000m', memory: '1024Mi' }, requests: { cpu: 0.5 } };
    pod.spec.initContainers = [{ name: 'init', image: 'busybox', resources: { limits: { cpu: '100m' } } }];
    defaultPod(pod);
    assert.deepEqual(pod.spec.containers[0]!.resources, { limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '500m', memory: '1Gi' } });
    assert.deepEqual(pod.spec.initContainers![0]!.resources, { limits: { cpu: '100m' }, requests: { cpu: '100m' } });
  });

  it('volumes', () => {
    const pod = kubectlRun();
    pod.spec.volumes = [
      { name: 'a' },
      { name: 'b', hostPath: { path: '/var/log' } },
      { name: 'c', configMap: { name: 'cm' } },
      { name: 'd', secret: { secretName: 's' } },
      { name: 'e', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } },
      { name: 'f', projected: { sources: [{ serviceAccountToken: { path: 'token' } }] } },
    ];
    defaultPod(pod);
    assert.deepEqual(pod.spec.volumes, [
      { name: 'a', emptyDir: {} },
      { name: 'b', hostPath: { path: '/var/log', type: '' } },
      { name: 'c', configMap: { name: 'cm', defaultMode: 420 } },
      { name: 'd', secret: { secretName: 's', defaultMode: 420 } },
      { name: 'e', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels', apiVersion: 'v1' } }], defaultMode: 420 } },
      { name: 'f', projected: { sources: [{ serviceAccountToken: { path: 'token', expirationSeconds: 3600 } }], defaultMode: 420 } },
    ]);
  });

  it('hostNetwork copies containerPort into hostPort', () => {
    const pod = kubectlRun();
    pod.spec.hostNetwork = true;
    pod.spec.containers[0]!.ports = [{ containerPort: 8080 }];
    assert.equal(defaultPod(pod).spec.containers[0]!.ports![0]!.hostPort, 8080);
  });

  it('mirrors serviceAccountName into the deprecated serviceAccount', () => {
    const pod = kubectlRun();
    pod.spec.serviceAccountName = 'builder';
    assert.equal(defaultPod(pod).spec.serviceAccount, 'builder');
    const old = kubectlRun();
    old.spec.serviceAccount = 'legacy';
    assert.equal(defaultPod(old).spec.serviceAccountName, 'legacy');
  });
});

describe('podQOSClass', () => {
  const withResources = (...res: object[]): Pod => {
    const pod = kubectlRun();
    pod.spec.containers = res.map((r, i) => ({ name: `c${i}`, image: 'x', resources: r }));
    return pod;
  };
  const cases: [string, Pod, string][] = [
    ['no resources', withResources({}), 'BestEffort'],
    ['zero requests', withResources({ requests: { cpu: '0' } }), 'BestEffort'],
    ['only non cpu/memory', withResources({ requests: { 'ephemeral-storage': '1Gi' } }), 'BestEffort'],
    ['requests only', withResources({ requests: { cpu: '100m' } }), 'Burstable'],
    ['limits equal requests', withResources({ requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1000m', memory: '1024Mi' } }), 'Guaranteed'],
    ['limits only (defaulting would copy)', defaultPodClone(withResources({ limits: { cpu: '1', memory: '1Gi' } })), 'Guaranteed'],
    ['memory limit missing', withResources({ requests: { cpu: '1' }, limits: { cpu: '1' } }), 'Burstable'],
    ['one container without limits', withResources({ requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } }, {}), 'Burstable'],
    ['requests below limits', withResources({ requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } }), 'Burstable'],
  ];
  for (const [name, pod, want] of cases) it(name, () => assert.equal(podQOSClass(pod), want));

  it('initialPodStatus is Pending with the QoS class', () => {
    assert.deepEqual(initialPodStatus(withResources({})), { phase: 'Pending', qosClass: 'BestEffort' });
  });
});

function defaultPodClone(p: Pod): Pod {
  return defaultPod(structuredClone(p));
}

describe('addDefaultTolerations', () => {
  it('adds not-ready and unreachable NoExecute tolerations for 300s', () => {
    const pod = addDefaultTolerations(defaultPod(kubectlRun()));
    assert.deepEqual(pod.spec.tolerations, [
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    ]);
  });
  it('keeps existing ones and respects wildcard tolerations', () => {
    const pod = kubectlRun();
    pod.spec.tolerations = [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 5 }];
    addDefaultTolerations(pod, 60);
    assert.deepEqual(pod.spec.tolerations, [
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 5 },
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 60 },
    ]);
    const all = kubectlRun();
    all.spec.tolerations = [{ operator: 'Exists' }];
    assert.deepEqual(addDefaultTolerations(all).spec.tolerations, [{ operator: 'Exists' }]);
  });
});

describe('applyPriorityAdmission', () => {
  it('no class: priority 0 and PreemptLowerPriority', () => {
    const pod = kubectlRun();
    assert.equal(applyPriorityAdmission(pod), undefined);
    assert.equal(pod.spec.priority, 0);
    assert.equal(pod.spec.preemptionPolicy, 'PreemptLowerPriority');
  });
  it('system classes resolve; unknown ones are refused', () => {
    const pod = kubectlRun();
    pod.spec.priorityClassName = 'system-node-critical';
    assert.equal(applyPriorityAdmission(pod), undefined);
    assert.equal(pod.spec.priority, 2000001000);
    const bad = kubectlRun();
    bad.spec.priorityClassName = 'gold';
    assert.equal(applyPriorityAdmission(bad), 'no PriorityClass with name gold was found');
    const custom = kubectlRun();
    custom.spec.priorityClassName = 'gold';
    assert.equal(applyPriorityAdmission(custom, { gold: { value: 1000, preemptionPolicy: 'Never' } }), undefined);
    assert.equal(custom.spec.preemptionPolicy, 'Never');
  });
  it('a hand-written priority must match', () => {
    const pod = kubectlRun();
    pod.spec.priority = 5;
    assert.equal(
      applyPriorityAdmission(pod),
      'the integer value of priority (5) must not be provided in pod spec; priority admission controller computed 0 from the given PriorityClass name',
    );
  });
});
