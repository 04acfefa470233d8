/**
 * A hand-written PodAnatomy (the shape of shared/api/pod-anatomy.ts) for the pod: an init container, a native
 * sidecar and two app containers sharing an emptyDir, one of them crash-looping. Fixed values, so the renderer's
 * output can be checked line by line.
 */
import type { NamespaceRef, NamespaceSet, PodAnatomy } from '../../../shared/api/pod-anatomy.ts';

const UID = '7c0e4d1a-2b3f-4c5d-8e9f-0a1b2c3d4e5f';
const EMPTY_DIR = `/var/lib/kubelab/pods/${UID}/volumes/kubernetes.io~empty-dir/shared`;
const POD_CGROUP = `/kubepods/burstable/pod${UID}`;
const IMAGE = 'localhost/busybox:1.35';

/** The namespaces of a process in the sandbox: net, ipc and uts the sandbox's, pid and mnt as given, the rest the host's. */
function namespaces(pid: NamespaceRef, mnt: NamespaceRef): NamespaceSet {
  return {
    net: { inode: 4026532281, shared: 'sandbox' },
    ipc: { inode: 4026532279, shared: 'sandbox' },
    uts: { inode: 4026532278, shared: 'sandbox' },
    pid,
    mnt,
    cgroup: { inode: 4026531835, shared: 'host' },
    user: { inode: 4026531837, shared: 'host' },
    time: { inode: 4026531834, shared: 'host' },
  };
}

const own = (inode: number): NamespaceRef => ({ inode, shared: 'own' });

const DEMO: PodAnatomy = {
  apiVersion: 'anatomy.kubelab.io/v1alpha1',
  kind: 'PodAnatomy',
  metadata: { namespace: 'default', name: 'anatomy-demo', uid: UID, node: 'n1', collectedAt: '2026-12-08T10:00:30.000000000Z' },
  phase: 'Running',
  qosClass: 'Burstable',
  podIPs: ['10.244.1.5'],
  sandbox: {
    id: '3f2a9c1b7d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8',
    image: 'localhost/pause:3.10',
    state: 'ready',
    createdAt: '2026-12-08T10:00:00.000000000Z',
    pid: 4101,
    namespaces: namespaces({ inode: 4026532280, shared: 'sandbox' }, { inode: 4026532277, shared: 'sandbox' }),
    hostNetwork: false,
    hostPID: false,
    hostIPC: false,
    shareProcessNamespace: false,
  },
  containers: [
    {
      name: 'setup',
      type: 'init',
      image: IMAGE,
      containerID: 'containerd://aa11',
      state: 'exited',
      exitCode: 0,
      reason: 'Completed',
      restartCount: 0,
      ready: true,
      startedAt: '2026-12-08T10:00:00.150000000Z',
      finishedAt: '2026-12-08T10:00:00.412500000Z',
      mounts: [
        { mountPath: '/shared', readOnly: false, volume: 'shared', source: 'volume', hostPath: EMPTY_DIR },
        { mountPath: '/dev/termination-log', readOnly: false, source: 'termination-log' },
      ],
    },
    {
      name: 'log-shipper',
      type: 'sidecar',
      image: IMAGE,
      containerID: 'containerd://bb22',
      state: 'running',
      restartCount: 0,
      ready: true,
      startedAt: '2026-12-08T10:00:00.530000000Z',
      pid: 4180,
      namespaces: namespaces(own(4026532301), own(4026532300)),
      processes: [
        { pid: 4180, command: '/bin/sh -c tail -F /shared/app.log' },
        { pid: 4195, command: 'tail -F /shared/app.log' },
      ],
      mounts: [
        { mountPath: '/shared', readOnly: true, volume: 'shared', source: 'volume', hostPath: EMPTY_DIR },
        { mountPath: '/etc/hosts', readOnly: false, source: 'etc-hosts' },
        { mountPath: '/etc/resolv.conf', readOnly: false, source: 'resolv-conf' },
      ],
      cgroup: {
        path: `${POD_CGROUP}/bb22`,
        cpu: { limitMillicores: 100, shares: 51, usageNanoseconds: 12000000, usageMillicores: 2 },
        memory: { limitBytes: 67108864, usageBytes: 1258291, workingSetBytes: 1153434 },
      },
    },
    {
      name: 'app',
      type: 'app',
      image: IMAGE,
      containerID: 'containerd://cc33',
      state: 'running',
      restartCount: 0,
      ready: true,
      startedAt: '2026-12-08T10:00:00.700000000Z',
      pid: 4230,
      namespaces: namespaces(own(4026532311), own(4026532310)),
      processes: [
        { pid: 4230, command: '/bin/sh -c while true; do date >> /shared/app.log; sleep 5; done' },
        { pid: 4242, command: 'httpd -f -p 8080' },
      ],
      mounts: [{ mountPath: '/shared', readOnly: false, volume: 'shared', source: 'volume', hostPath: EMPTY_DIR }],
      cgroup: {
        path: `${POD_CGROUP}/cc33`,
        cpu: { limitMillicores: 500, shares: 102, usageNanoseconds: 90000000, usageMillicores: 45 },
        memory: { limitBytes: 134217728, usageBytes: 10695475, workingSetBytes: 10695475 },
      },
    },
    {
      name: 'web',
      type: 'app',
      image: IMAGE,
      containerID: 'containerd://dd44',
      state: 'waiting',
      reason: 'CrashLoopBackOff',
      exitCode: 1,
      restartCount: 3,
      mounts: [{ mountPath: '/data', readOnly: true, volume: 'shared', subPath: 'web', source: 'volume' }],
    },
  ],
  network: {
    namespace: { inode: 4026532281, shared: 'sandbox' },
    interfaces: [
      { name: 'lo', addresses: ['127.0.0.1/8', '::1/128'], mtu: 65536, up: true },
      { name: 'eth0', addresses: ['10.244.1.5/24', 'fe80::a8c3:2dff:fe11:2233/64'], mac: 'aa:c3:2d:11:22:33', mtu: 1500, up: true },
    ],
    listening: [
      { protocol: 'tcp', family: 4, address: '0.0.0.0', port: 8080, container: 'app', pid: 4242 },
      { protocol: 'udp', family: 6, address: '::', port: 5353 },
    ],
  },
  volumes: [
    {
      name: 'shared',
      type: 'emptyDir',
      hostPath: EMPTY_DIR,
      mounts: [
        { container: 'setup', mountPath: '/shared', readOnly: false },
        { container: 'log-shipper', mountPath: '/shared', readOnly: true },
        { container: 'app', mountPath: '/shared', readOnly: false },
        { container: 'web', mountPath: '/data', readOnly: true, subPath: 'web' },
      ],
    },
  ],
  cgroup: {
    path: POD_CGROUP,
    cpu: { limitMillicores: 1000, shares: 153, usageNanoseconds: 102000000, usageMillicores: 47 },
    memory: { limitBytes: 268435456, usageBytes: 12582912, workingSetBytes: 11848909 },
  },
  timeline: [
    { time: '2026-12-08T10:00:00.000000000Z', type: 'SandboxCreated' },
    { time: '2026-12-08T10:00:00.100000000Z', type: 'SandboxReady' },
    { time: '2026-12-08T10:00:00.150000000Z', type: 'ContainerStarted', container: 'setup', containerType: 'init' },
    { time: '2026-12-08T10:00:00.412500000Z', type: 'ContainerExited', container: 'setup', containerType: 'init', exitCode: 0 },
    { time: '2026-12-08T10:00:00.530000000Z', type: 'ContainerStarted', container: 'log-shipper', containerType: 'sidecar' },
    { time: '2026-12-08T10:00:00.700000000Z', type: 'ContainerStarted', container: 'app', containerType: 'app' },
    { time: '2026-12-08T10:00:00.710000000Z', type: 'ContainerStarted', container: 'web', containerType: 'app' },
    { time: '2026-12-08T10:00:00.900000000Z', type: 'ContainerExited', container: 'web', containerType: 'app', exitCode: 1 },
    { time: '2026-12-08T10:00:02.000000000Z', type: 'ProbeChanged', container: 'app', containerType: 'app', probe: 'readiness', result: 'success' },
    { time: '2026-12-08T10:01:05.250000000Z', type: 'ContainerRestarted', container: 'web', containerType: 'app', message: 'back-off 40s' },
  ],
  warnings: ['container web: not running, no processes to read'],
};

/** A fresh copy each call (tests modify it). */
export function anatomyDemo(): PodAnatomy {
  return structuredClone(DEMO);
}
