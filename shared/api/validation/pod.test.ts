import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { newInvalid } from '../../errors/status-error.ts';
import type { Pod } from '../core-v1.ts';
import { defaultPod } from '../defaults/pod.ts';
import { POD_UPDATE_FORBIDDEN_PREFIX, validatePod, validatePodStatusUpdate, validatePodUpdate, validateTolerations } from './pod.ts';

type Mut = (p: any) => void;

function basePod(): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'default', uid: 'u1', resourceVersion: '10' },
    spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] },
  };
}

function mk(mut: Mut, defaults = true): Pod {
  const p = basePod();
  mut(p);
  return defaults ? defaultPod(p) : p;
}

const render = (errs: { field: string; detail: string }[]) => errs.map((e) => `${e.field}: ${e.detail}`);

describe('validatePod', () => {
  const cases: [string, Mut, string[]][] = [
    ['valid minimal pod', () => {}, []],
    ['no containers', (p) => (p.spec.containers = []), ['spec.containers: Required value']],
    ['image required', (p) => delete p.spec.containers[0].image, ['spec.containers[0].image: Required value']],
    [
      'image whitespace',
      (p) => (p.spec.containers[0].image = ' nginx'),
      ['spec.containers[0].image: Invalid value: " nginx": must not have leading or trailing whitespace'],
    ],
    [
      'container name must be a DNS label',
      (p) => (p.spec.containers[0].name = 'App_1'),
      [
        `spec.containers[0].name: Invalid value: "App_1": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
      ],
    ],
    ['duplicate container names', (p) => p.spec.containers.push({ name: 'app', image: 'x' }), ['spec.containers[1].name: Duplicate value: "app"']],
    [
      'init container name clashes with a container',
      (p) => (p.spec.initContainers = [{ name: 'app', image: 'busybox' }]),
      ['spec.initContainers[0].name: Duplicate value: "app"'],
    ],
    ['sidecar init container (restartPolicy Always)', (p) => (p.spec.initContainers = [{ name: 'side', image: 'busybox', restartPolicy: 'Always', readinessProbe: { exec: { command: ['true'] } } }]), []],
    [
      'init container restartPolicy other than Always',
      (p) => (p.spec.initContainers = [{ name: 'init', image: 'busybox', restartPolicy: 'Never' }]),
      ['spec.initContainers[0].restartPolicy: Unsupported value: "Never": supported values: "Always"'],
    ],
    [
      'probes on a plain init container',
      (p) => (p.spec.initContainers = [{ name: 'init', image: 'busybox', livenessProbe: { exec: { command: ['true'] } } }]),
      ['spec.initContainers[0].livenessProbe: Forbidden: may not be set for init containers without restartPolicy=Always'],
    ],
    [
      'restartPolicy on a regular container',
      (p) => (p.spec.containers[0].restartPolicy = 'Always'),
      ['spec.containers[0].restartPolicy: Forbidden: may not be set for non-init containers'],
    ],
    [
      'volume mount of an unknown volume',
      (p) => (p.spec.containers[0].volumeMounts = [{ name: 'x', mountPath: '/x' }]),
      ['spec.containers[0].volumeMounts[0].name: Not found: "x"'],
    ],
    [
      'mount paths unique and required',
      (p) => {
        p.spec.volumes = [{ name: 'data', emptyDir: {} }];
        p.spec.containers[0].volumeMounts = [
          { name: 'data', mountPath: '/d' },
          { name: 'data', mountPath: '/d' },
          { name: 'data', mountPath: '' },
        ];
      },
      ['spec.containers[0].volumeMounts[1].mountPath: Invalid value: "/d": must be unique', 'spec.containers[0].volumeMounts[2].mountPath: Required value'],
    ],
    [
      'subPath may not escape (kube reports it on the list path)',
      (p) => {
        p.spec.volumes = [{ name: 'data', emptyDir: {} }];
        p.spec.containers[0].volumeMounts = [{ name: 'data', mountPath: '/d', subPath: '../etc', readOnly: true }];
      },
      ['spec.containers[0].volumeMounts.subPath: Invalid value: "../etc": must not contain \'..\''],
    ],
    [
      'duplicate volume names',
      (p) => (p.spec.volumes = [{ name: 'v', emptyDir: {} }, { name: 'v', emptyDir: {} }]),
      ['spec.volumes[1].name: Duplicate value: "v"'],
    ],
    [
      'two volume sources',
      (p) => (p.spec.volumes = [{ name: 'v', emptyDir: {}, hostPath: { path: '/tmp' } }]),
      ['spec.volumes[0].hostPath: Forbidden: may not specify more than 1 volume type'],
    ],
    ['hostPath requires path', (p) => (p.spec.volumes = [{ name: 'v', hostPath: { path: '' } }]), ['spec.volumes[0].hostPath.path: Required value']],
    [
      'hostPath type',
      (p) => (p.spec.volumes = [{ name: 'v', hostPath: { path: '/x', type: 'Dir' } }]),
      [
        'spec.volumes[0].hostPath.type: Unsupported value: "Dir": supported values: "", "BlockDevice", "CharDevice", "Directory", "DirectoryOrCreate", "File", "FileOrCreate", "Socket"',
      ],
    ],
    ['configMap requires name', (p) => (p.spec.volumes = [{ name: 'v', configMap: {} }]), ['spec.volumes[0].configMap.name: Required value']],
    ['secret requires secretName', (p) => (p.spec.volumes = [{ name: 'v', secret: {} }]), ['spec.volumes[0].secret.secretName: Required value']],
    [
      'downwardAPI fieldRef paths',
      (p) => (p.spec.volumes = [{ name: 'v', downwardAPI: { items: [{ path: 'n', fieldRef: { fieldPath: 'spec.nodeName' } }] } }]),
      [
        'spec.volumes[0].downwardAPI.fieldRef.fieldPath: Unsupported value: "spec.nodeName": supported values: "metadata.annotations", "metadata.labels", "metadata.name", "metadata.namespace", "metadata.uid"',
      ],
    ],
    [
      'ports',
      (p) =>
        (p.spec.containers[0].ports = [
          { containerPort: 0 },
          { containerPort: 70000 },
          { containerPort: 80, name: 'http' },
          { containerPort: 81, name: 'http' },
          { containerPort: 82, protocol: 'HTTP' },
        ]),
      [
        'spec.containers[0].ports[0].containerPort: Required value',
        'spec.containers[0].ports[1].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive',
        'spec.containers[0].ports[3].name: Duplicate value: "http"',
        'spec.containers[0].ports[4].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"',
      ],
    ],
    [
      'hostPort conflicts across containers',
      (p) => {
        p.spec.containers[0].ports = [{ containerPort: 80, hostPort: 8080 }];
        p.spec.containers.push({ name: 'b', image: 'x', ports: [{ containerPort: 81, hostPort: 8080 }] });
      },
      ['spec.containers[1].ports[0].hostPort: Duplicate value: "TCP//8080"'],
    ],
    [
      'hostNetwork requires hostPort == containerPort',
      (p) => {
        p.spec.hostNetwork = true;
        p.spec.containers[0].ports = [{ containerPort: 80, hostPort: 81 }];
      },
      ['spec.containers[0].ports[0].hostPort: Invalid value: 81: must match `containerPort` when `hostNetwork` is true'],
    ],
    [
      'restartPolicy and dnsPolicy values',
      (p) => {
        p.spec.restartPolicy = 'Sometimes';
        p.spec.dnsPolicy = 'Cluster';
      },
      [
        'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
        'spec.dnsPolicy: Unsupported value: "Cluster": supported values: "ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"',
      ],
    ],
    [
      'probe needs exactly one handler',
      (p) => {
        p.spec.containers[0].livenessProbe = {};
        p.spec.containers[0].readinessProbe = { exec: { command: ['x'] }, tcpSocket: { port: 80 } };
      },
      ['spec.containers[0].livenessProbe: Required value: must specify a handler type', 'spec.containers[0].readinessProbe.tcpSocket: Forbidden: may not specify more than 1 handler type'],
    ],
    [
      'liveness successThreshold must be 1',
      (p) => (p.spec.containers[0].livenessProbe = { httpGet: { port: 'http' }, successThreshold: 2 }),
      ['spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1'],
    ],
    [
      'probe port out of range',
      (p) => (p.spec.containers[0].readinessProbe = { tcpSocket: { port: 0 } }),
      ['spec.containers[0].readinessProbe.tcpSocket.port: Invalid value: 0: must be between 1 and 65535, inclusive'],
    ],
    [
      'preStop needs a handler',
      (p) => (p.spec.containers[0].lifecycle = { preStop: {} }),
      ['spec.containers[0].lifecycle.preStop: Required value: must specify a handler type'],
    ],
    [
      'requests above limits',
      (p) => (p.spec.containers[0].resources = { requests: { cpu: '2', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } }),
      ['spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1'],
    ],
    [
      'bad resource names and quantities',
      (p) => (p.spec.containers[0].resources = { limits: { foo: '1' }, requests: { memory: '-1' } }),
      [
        'spec.containers[0].resources.limits[foo]: Invalid value: "foo": must be a standard resource type or fully qualified',
        'spec.containers[0].resources.limits[foo]: Invalid value: "foo": must be a standard resource for containers',
        // defaulting copied the limit into requests, as kube does
        'spec.containers[0].resources.requests[foo]: Invalid value: "foo": must be a standard resource type or fully qualified',
        'spec.containers[0].resources.requests[foo]: Invalid value: "foo": must be a standard resource for containers',
        'spec.containers[0].resources.requests[memory]: Invalid value: "-1": must be greater than or equal to 0',
      ],
    ],
    [
      'extended resources must be whole and requests equal limits',
      (p) => (p.spec.containers[0].resources = { limits: { 'example.com/gpu': '1' }, requests: { 'example.com/gpu': '2' } }),
      ['spec.containers[0].resources.requests: Invalid value: "2": must be equal to example.com/gpu limit of 1'],
    ],
    [
      'unparseable quantity',
      (p) => (p.spec.containers[0].resources = { limits: { cpu: 'lots' } }),
      [
        `spec.containers[0].resources.limits[cpu]: Invalid value: "lots": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`,
        `spec.containers[0].resources.requests[cpu]: Invalid value: "lots": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`,
      ],
    ],
    [
      'env names and sources',
      (p) =>
        (p.spec.containers[0].env = [
          { name: '' },
          { name: 'A=B' },
          { name: 'C', value: 'x', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          { name: 'D', valueFrom: {} },
        ]),
      [
        'spec.containers[0].env[0].name: Required value',
        "spec.containers[0].env[1].name: Invalid value: \"A=B\": a valid environment variable name must consist only of printable ASCII characters other than '='",
        'spec.containers[0].env[2].valueFrom: Invalid value: "": may not be specified when `value` is not empty',
        'spec.containers[0].env[3].valueFrom: Invalid value: "": must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`',
      ],
    ],
    [
      'env fieldRef unsupported label',
      (p) => (p.spec.containers[0].env = [{ name: 'X', valueFrom: { fieldRef: { fieldPath: 'spec.foo' } } }]),
      ['spec.containers[0].env[0].valueFrom.fieldRef.fieldPath: Invalid value: "spec.foo": error converting fieldPath: field label not supported: spec.foo'],
    ],
    ['env fieldRef with label subscript', (p) => (p.spec.containers[0].env = [{ name: 'X', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } }]), []],
    [
      'tolerations',
      (p) =>
        (p.spec.tolerations = [
          { operator: 'Equal', value: 'x' },
          { key: 'a', operator: 'Exists', value: 'x' },
          { key: 'b', effect: 'NoSchedule', tolerationSeconds: 5 },
          { key: 'c', operator: 'Maybe' },
        ]),
      [
        'spec.tolerations[0].operator: Invalid value: "Equal": operator must be Exists when `key` is empty, which means "match all values and all keys"',
        "spec.tolerations[1].operator: Invalid value: \"x\": value must be empty when `operator` is 'Exists'",
        "spec.tolerations[2].effect: Invalid value: \"NoSchedule\": effect must be 'NoExecute' when `tolerationSeconds` is set",
        'spec.tolerations[3].operator: Unsupported value: "Maybe": supported values: "Equal", "Exists"',
      ],
    ],
    [
      'node affinity',
      (p) =>
        (p.spec.affinity = {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In' }] }] },
            preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 0, preference: {} }],
          },
        }),
      [
        "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
        'spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight: Invalid value: 0: must be in the range 1-100',
      ],
    ],
    [
      'nodeSelector labels',
      (p) => (p.spec.nodeSelector = { disk: 'a b' }),
      [
        `spec.nodeSelector: Invalid value: "a b": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`,
      ],
    ],
    ['activeDeadlineSeconds', (p) => (p.spec.activeDeadlineSeconds = 0), ['spec.activeDeadlineSeconds: Invalid value: 0: must be between 1 and 2147483647, inclusive']],
    ['null terminationGracePeriodSeconds is defaulted', (p) => (p.spec.terminationGracePeriodSeconds = null), []],
    ['negative terminationGracePeriodSeconds is accepted (as upstream)', (p) => (p.spec.terminationGracePeriodSeconds = -1), []],
    ['ephemeral containers cannot be set on create', (p) => (p.spec.ephemeralContainers = [{ name: 'dbg', image: 'busybox' }]), ['spec.ephemeralContainers: Forbidden: cannot be set on create']],
    [
      'nodeName with scheduling gates',
      (p) => {
        p.spec.nodeName = 'n1';
        p.spec.schedulingGates = [{ name: 'example.com/gate' }];
      },
      ['spec.nodeName: Forbidden: cannot be set until all schedulingGates have been cleared'],
    ],
    [
      'security context ids and privilege escalation',
      (p) => (p.spec.containers[0].securityContext = { runAsUser: -1, privileged: true, allowPrivilegeEscalation: false }),
      [
        'spec.containers[0].securityContext.runAsUser: Invalid value: -1: must be between 0 and 4294967295, inclusive',
        'spec.containers[0].securityContext: Invalid value: {"runAsUser":-1,"privileged":true,"allowPrivilegeEscalation":false}: cannot set `allowPrivilegeEscalation` to false and `privileged` to true',
      ],
    ],
  ];
  for (const [name, mut, want] of cases) {
    it(name, () => assert.deepEqual(render(validatePod(mk(mut))), want));
  }

  it('an undefaulted pod misses the fields defaulting sets', () => {
    assert.deepEqual(render(validatePod(mk(() => {}, false))), [
      'spec.terminationGracePeriodSeconds: Required value',
      'spec.containers[0].terminationMessagePolicy: Required value',
      'spec.containers[0].imagePullPolicy: Required value',
      'spec.restartPolicy: Required value',
      'spec.dnsPolicy: Required value',
    ]);
  });

  it('renders as kubectl shows it (422 message)', () => {
    const err = newInvalid('Pod', 'web9', validatePod(mk((p) => delete p.spec.containers[0].image)));
    assert.equal(err.status.code, 422);
    assert.equal(err.message, 'Pod "web9" is invalid: spec.containers[0].image: Required value');
    assert.deepEqual(err.status.details?.causes, [{ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.containers[0].image' }]);
  });
});

describe('validatePodUpdate', () => {
  const old = mk(() => {});
  const update = (mut: Mut) => {
    const p = structuredClone(old) as any;
    mut(p);
    return validatePodUpdate(defaultPod(p), old);
  };

  it('allows image, activeDeadlineSeconds, added tolerations and metadata changes', () => {
    assert.deepEqual(
      update((p) => {
        p.spec.containers[0].image = 'nginx:1.28';
        p.spec.activeDeadlineSeconds = 100;
        p.spec.tolerations = [{ key: 'k', operator: 'Exists', effect: 'NoSchedule' }];
        p.metadata.labels = { a: 'b' };
      }),
      [],
    );
  });

  it('rejects other spec changes with the kube message and a diff', () => {
    const errs = update((p) => (p.spec.containers[0].ports = [{ containerPort: 80 }]));
    assert.equal(errs.length, 1);
    assert.equal(errs[0]!.field, 'spec');
    assert.equal(errs[0]!.type, 'FieldValueForbidden');
    const [first, ...diff] = errs[0]!.detail.split('\n');
    assert.equal(
      first,
      'Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
    );
    assert.equal(`Forbidden: ${POD_UPDATE_FORBIDDEN_PREFIX}`, first);
    assert.equal(diff[0], '  core.PodSpec{');
    assert.ok(diff.some((l) => l.startsWith('+ \tContainers[0].Ports: ')), diff.join('\n'));
    assert.equal(diff.at(-1), '  }');
  });

  it('adding or removing containers stops early', () => {
    assert.deepEqual(render(update((p) => p.spec.containers.push({ name: 'b', image: 'x' }))), ['spec.containers: Forbidden: pod updates may not add or remove containers']);
  });

  it('activeDeadlineSeconds may only decrease and not be unset', () => {
    const withDeadline = mk((p) => (p.spec.activeDeadlineSeconds = 100));
    const up = (v: number | undefined) => {
      const p = structuredClone(withDeadline) as any;
      if (v === undefined) delete p.spec.activeDeadlineSeconds;
      else p.spec.activeDeadlineSeconds = v;
      return render(validatePodUpdate(p, withDeadline));
    };
    assert.deepEqual(up(50), []);
    assert.deepEqual(up(200), ['spec.activeDeadlineSeconds: Invalid value: 200: must be less than or equal to previous value']);
    assert.deepEqual(up(undefined), ['spec.activeDeadlineSeconds: Invalid value: "null": must not update from a positive integer to nil value']);
  });

  it('existing tolerations may only change tolerationSeconds', () => {
    const tol = mk((p) => (p.spec.tolerations = [{ key: 'k', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 10 }]));
    const p1 = structuredClone(tol) as any;
    p1.spec.tolerations[0].tolerationSeconds = 5;
    assert.deepEqual(validatePodUpdate(p1, tol), []);
    const p2 = structuredClone(tol) as any;
    p2.spec.tolerations = [];
    assert.deepEqual(render(validatePodUpdate(p2, tol)), ['spec.tolerations: Forbidden: existing toleration can not be modified except its tolerationSeconds']);
  });

  it('terminationGracePeriodSeconds may go from negative to 1', () => {
    const neg = mk((p) => (p.spec.terminationGracePeriodSeconds = -1));
    const p = structuredClone(neg) as any;
    p.spec.terminationGracePeriodSeconds = 1;
    assert.deepEqual(validatePodUpdate(p, neg), []);
  });

  it('semantic equality: quantity spelling and empty lists do not count as changes', () => {
    const withRes = mk((p) => (p.spec.containers[0].resources = { limits: { cpu: '1' } }));
    const p = structuredClone(withRes) as any;
    p.spec.containers[0].resources.limits.cpu = '1000m';
    p.spec.containers[0].resources.requests.cpu = 1;
    p.spec.volumes = [];
    assert.deepEqual(validatePodUpdate(p, withRes), []);
  });

  it('metadata immutables are checked too', () => {
    assert.deepEqual(render(update((p) => (p.metadata.namespace = 'other'))).slice(0, 1), ['metadata.namespace: Invalid value: "other": field is immutable']);
  });
});

describe('validatePodStatusUpdate', () => {
  const old = mk((p) => {
    p.spec.nodeName = 'n1';
    p.spec.restartPolicy = 'Never';
    p.status = { phase: 'Running', qosClass: 'BestEffort', containerStatuses: [{ name: 'app', ready: false, restartCount: 0, image: 'x', imageID: '', state: { terminated: { exitCode: 0 } } }] };
  });
  const upd = (mut: Mut) => {
    const p = structuredClone(old) as any;
    mut(p);
    return render(validatePodStatusUpdate(p, old));
  };
  it('accepts a normal kubelet update', () => {
    assert.deepEqual(
      upd((p) => {
        p.status.phase = 'Succeeded';
        p.status.podIP = '10.0.0.5';
        p.status.podIPs = [{ ip: '10.0.0.5' }];
        p.status.hostIP = '192.168.1.2';
        p.status.hostIPs = [{ ip: '192.168.1.2' }];
        p.status.conditions = [{ type: 'Ready', status: 'False' }];
      }),
      [],
    );
  });
  it('rejects illegal transitions and fields', () => {
    assert.deepEqual(
      upd((p) => {
        p.spec.nodeName = 'n2';
        p.status.qosClass = 'Guaranteed';
        p.status.containerStatuses[0].state = { running: {} };
        p.status.podIPs = [{ ip: 'nope' }];
        p.status.hostIP = '1.1.1.1';
        p.status.hostIPs = [{ ip: '2.2.2.2' }];
        p.status.conditions = [{ type: 'bad type', status: 'True' }];
      }),
      [
        `metadata.conditions[0].Type: Invalid value: "bad type": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
        'status.nodeName: Forbidden: may not be changed directly',
        'status.qosClass: Invalid value: "Guaranteed": field is immutable',
        'status.containerStatuses[0].state: Forbidden: may not be transitioned to non-terminated state',
        'status.podIPs[0]: Invalid value: "nope": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
        'status.hostIPs[0].ip: Invalid value: "2.2.2.2": must be equal to `hostIP`',
      ],
    );
  });
});

describe('validateTolerations', () => {
  it('accepts the default not-ready toleration', () => {
    assert.deepEqual(validateTolerations([{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }], 'spec.tolerations'), []);
  });
});
