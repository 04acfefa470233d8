import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { aggregate, evaluatePod, forbiddenDetail, type CheckPodMeta, type CheckPodSpec } from './checks.ts';
import { LATEST, v1, type LevelVersion } from './policy.ts';

const baseline: LevelVersion = { level: 'baseline', version: LATEST };
const restricted: LevelVersion = { level: 'restricted', version: LATEST };

/** A pod that passes restricted:latest; cases change one thing. */
function restrictedPod(): { meta: CheckPodMeta; spec: CheckPodSpec } {
  return {
    meta: {},
    spec: {
      securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [{ name: 'c', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }],
    },
  };
}

function detail(lv: LevelVersion, meta: CheckPodMeta, spec: CheckPodSpec): string {
  return forbiddenDetail(aggregate(evaluatePod(lv, meta, spec)));
}

describe('Pod Security checks (upstream reasons and details)', () => {
  it('a restricted-compliant pod passes every level', () => {
    const { meta, spec } = restrictedPod();
    for (const level of ['privileged', 'baseline', 'restricted'] as const) assert.equal(detail({ level, version: LATEST }, meta, spec), '', level);
  });

  const baselineCases: { name: string; change: (p: { meta: CheckPodMeta; spec: CheckPodSpec }) => void; want: string }[] = [
    { name: 'hostNetwork/hostPID/hostIPC', change: (p) => Object.assign(p.spec, { hostNetwork: true, hostPID: true, hostIPC: true }), want: 'host namespaces (hostNetwork=true, hostPID=true, hostIPC=true)' },
    {
      name: 'privileged containers (init, app, ephemeral)',
      change: (p) => {
        p.spec.initContainers = [{ name: 'i', securityContext: { privileged: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }];
        (p.spec.containers as { securityContext: { privileged?: boolean } }[])[0]!.securityContext.privileged = true;
      },
      want: 'privileged (containers "i", "c" must not set securityContext.privileged=true)',
    },
    {
      name: 'capabilities beyond the default set',
      change: (p) => {
        p.spec.containers![0]!.securityContext!.capabilities!.add = ['SYS_ADMIN', 'CHOWN', 'NET_ADMIN'];
      },
      want: 'non-default capabilities (container "c" must not include "NET_ADMIN", "SYS_ADMIN" in securityContext.capabilities.add)',
    },
    {
      name: 'hostPath volumes',
      change: (p) => {
        p.spec.volumes = [{ name: 'a', hostPath: { path: '/' } }, { name: 'b', emptyDir: {} }, { name: 'c', hostPath: { path: '/etc' } }];
      },
      want: 'hostPath volumes (volumes "a", "c")',
    },
    {
      name: 'host ports',
      change: (p) => {
        p.spec.containers![0]!.ports = [{ hostPort: 8080 }, { hostPort: 80 }];
      },
      want: 'hostPort (container "c" uses hostPorts 80, 8080)',
    },
    {
      name: 'AppArmor unconfined (field and annotation)',
      change: (p) => {
        p.spec.securityContext!.appArmorProfile = { type: 'Unconfined' };
        p.meta.annotations = { 'container.apparmor.security.beta.kubernetes.io/c': 'unconfined' };
      },
      want: 'forbidden AppArmor profiles (pod and annotation must not set AppArmor profile type to "Unconfined", "container.apparmor.security.beta.kubernetes.io/c="unconfined"")',
    },
    {
      name: 'SELinux type, user and role',
      change: (p) => {
        p.spec.securityContext!.seLinuxOptions = { type: 'spc_t', user: 'u', role: 'r' };
      },
      want: 'seLinuxOptions (pod set forbidden securityContext.seLinuxOptions: type "spc_t"; user may not be set; role may not be set)',
    },
    {
      name: 'procMount Unmasked',
      change: (p) => {
        p.spec.containers![0]!.securityContext!.procMount = 'Unmasked';
      },
      want: 'procMount (container "c" must not set securityContext.procMount to "Unmasked")',
    },
    {
      name: 'seccomp Unconfined on a container',
      change: (p) => {
        p.spec.containers![0]!.securityContext!.seccompProfile = { type: 'Unconfined' };
      },
      want: 'seccompProfile (container "c" must not set securityContext.seccompProfile.type to "Unconfined")',
    },
    {
      name: 'unsafe sysctls',
      change: (p) => {
        p.spec.securityContext!.sysctls = [{ name: 'kernel.msgmax' }, { name: 'net.ipv4.tcp_syncookies' }, { name: 'net.core.somaxconn' }];
      },
      want: 'forbidden sysctls (kernel.msgmax, net.core.somaxconn)',
    },
    {
      name: 'Windows hostProcess',
      change: (p) => {
        p.spec.securityContext!.windowsOptions = { hostProcess: true };
      },
      want: 'hostProcess (pod must not set securityContext.windowsOptions.hostProcess=true)',
    },
  ];
  for (const c of baselineCases) {
    it(`baseline: ${c.name}`, () => {
      const p = restrictedPod();
      c.change(p);
      assert.equal(detail(baseline, p.meta, p.spec), c.want);
    });
  }

  it('baseline aggregates in upstream order: privileged before hostPath volumes', () => {
    const spec: CheckPodSpec = { containers: [{ name: 'c', securityContext: { privileged: true } }], volumes: [{ name: 'v', hostPath: { path: '/' } }] };
    assert.equal(detail(baseline, {}, spec), 'privileged (container "c" must not set securityContext.privileged=true), hostPath volumes (volume "v")');
  });

  it('restricted: a plain pod gets every restricted reason, overlapping baseline checks replaced', () => {
    const spec: CheckPodSpec = {
      containers: [{ name: 'nginx', securityContext: { privileged: true, runAsUser: 0, capabilities: { add: ['NET_ADMIN', 'SYS_ADMIN'] } } }],
      volumes: [{ name: 'host-root', hostPath: { path: '/' } }],
    };
    assert.equal(
      detail(restricted, {}, spec),
      'privileged (container "nginx" must not set securityContext.privileged=true), ' +
        'allowPrivilegeEscalation != false (container "nginx" must set securityContext.allowPrivilegeEscalation=false), ' +
        'unrestricted capabilities (container "nginx" must set securityContext.capabilities.drop=["ALL"]; container "nginx" must not include "NET_ADMIN", "SYS_ADMIN" in securityContext.capabilities.add), ' +
        'restricted volume types (volume "host-root" uses restricted volume type "hostPath"), ' +
        'runAsNonRoot != true (pod or container "nginx" must set securityContext.runAsNonRoot=true), ' +
        'runAsUser=0 (container "nginx" must not set runAsUser=0), ' +
        'seccompProfile (pod or container "nginx" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
    );
  });

  const restrictedCases: { name: string; change: (p: { meta: CheckPodMeta; spec: CheckPodSpec }) => void; want: string }[] = [
    {
      name: 'runAsNonRoot=false on the pod and a container',
      change: (p) => {
        p.spec.securityContext!.runAsNonRoot = false;
        p.spec.containers![0]!.securityContext!.runAsNonRoot = false;
      },
      want: 'runAsNonRoot != true (pod and container "c" must not set securityContext.runAsNonRoot=false)',
    },
    {
      name: 'runAsUser 0 on the pod',
      change: (p) => {
        p.spec.securityContext!.runAsUser = 0;
      },
      want: 'runAsUser=0 (pod must not set runAsUser=0)',
    },
    {
      name: 'volume types',
      change: (p) => {
        p.spec.volumes = [{ name: 'n', nfs: { server: 's', path: '/' } }, { name: 'g', gitRepo: { repository: 'r' } }, { name: 'ok', projected: { sources: [] } }, { name: 'x' }];
      },
      want: 'restricted volume types (volumes "n", "g", "x" use restricted volume types "gitRepo", "nfs", "unknown")',
    },
    {
      name: 'capabilities: NET_BIND_SERVICE is the only one that may be added',
      change: (p) => {
        p.spec.containers![0]!.securityContext!.capabilities = { drop: ['ALL'], add: ['NET_BIND_SERVICE'] };
      },
      want: '',
    },
    {
      name: 'seccomp: the pod-level profile covers the containers',
      change: (p) => {
        p.spec.containers!.push({ name: 'd', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'Localhost' } } });
      },
      want: '',
    },
  ];
  for (const c of restrictedCases) {
    it(`restricted: ${c.name}`, () => {
      const p = restrictedPod();
      c.change(p);
      assert.equal(detail(restricted, p.meta, p.spec), c.want);
    });
  }

  it('versions: checks newer than the policy version do not apply', () => {
    const spec: CheckPodSpec = { securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' }, runAsUser: 0 }, containers: [{ name: 'c', securityContext: { allowPrivilegeEscalation: false } }] };
    // runAsUser=0 is checked from v1.23, capabilities drop ALL from v1.22.
    assert.equal(detail({ level: 'restricted', version: v1(21) }, {}, spec), '');
    assert.equal(detail({ level: 'restricted', version: v1(22) }, {}, spec), 'unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"])');
    assert.match(detail({ level: 'restricted', version: v1(23) }, {}, spec), /runAsUser=0 \(pod must not set runAsUser=0\)/);
    // Versions past the newest check behave as latest.
    assert.equal(detail({ level: 'restricted', version: v1(99) }, {}, spec), detail(restricted, {}, spec));
  });

  it('seLinuxOptions: container_engine_t and a lone user/role from v1.31, as upstream', () => {
    const spec: CheckPodSpec = {
      securityContext: { seLinuxOptions: { type: 'foo', user: 'bar', role: 'baz' } },
      containers: [
        { name: 'd', securityContext: { seLinuxOptions: { type: 'container_engine_t' } } },
        { name: 'e', securityContext: { seLinuxOptions: { type: 'bar' } } },
        { name: 'f', securityContext: { seLinuxOptions: { user: 'bar' } } },
      ],
    };
    assert.equal(detail(baseline, {}, spec), 'seLinuxOptions (pod and containers "e", "f" set forbidden securityContext.seLinuxOptions: types "bar", "foo"; user may not be set; role may not be set)');
    assert.equal(detail({ level: 'baseline', version: v1(30) }, {}, spec), 'seLinuxOptions (pod and containers "d", "e", "f" set forbidden securityContext.seLinuxOptions: types "bar", "container_engine_t", "foo"; user may not be set; role may not be set)');
    const userOnly: CheckPodSpec = { securityContext: { seLinuxOptions: { user: 'bad' } }, containers: [{ name: 'c' }] };
    assert.equal(detail(baseline, {}, userOnly), 'seLinuxOptions (pod set forbidden securityContext.seLinuxOptions: user may not be set)');
    assert.equal(detail({ level: 'baseline', version: v1(30) }, {}, userOnly), 'seLinuxOptions (pod set forbidden securityContext.seLinuxOptions: )');
  });

  it('versions: sysctls allowed grow with the version; seccomp annotations before v1.19', () => {
    const spec: CheckPodSpec = { securityContext: { sysctls: [{ name: 'net.ipv4.tcp_keepalive_time' }] }, containers: [{ name: 'c' }] };
    assert.equal(detail({ level: 'baseline', version: v1(28) }, {}, spec), 'forbidden sysctls (net.ipv4.tcp_keepalive_time)');
    assert.equal(detail({ level: 'baseline', version: v1(29) }, {}, spec), '');
    const meta = { annotations: { 'seccomp.security.alpha.kubernetes.io/pod': 'unconfined' } };
    assert.equal(detail({ level: 'baseline', version: v1(18) }, meta, { containers: [{ name: 'c' }] }), 'seccompProfile (forbidden annotation seccomp.security.alpha.kubernetes.io/pod="unconfined")');
    assert.equal(detail({ level: 'baseline', version: v1(19) }, meta, { containers: [{ name: 'c' }] }), '');
  });

  it('restricted skips Linux-only checks for Windows pods from v1.25', () => {
    const spec: CheckPodSpec = { os: { name: 'windows' }, securityContext: { runAsNonRoot: true }, containers: [{ name: 'c' }] };
    assert.equal(detail(restricted, {}, spec), '');
    assert.match(detail({ level: 'restricted', version: v1(24) }, {}, spec), /allowPrivilegeEscalation != false/);
  });
});
