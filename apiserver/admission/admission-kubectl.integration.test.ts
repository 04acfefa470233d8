/**
 * Admission with the real kubectl against an in-process API server: Pod Security enforce/warn output as kubectl
 * prints it from kube-apiserver, namespace label validation and the tightening warnings, ServiceAccount
 * admission's token volume (and its refusal without a ServiceAccount) when the plugin is enabled on the
 * loopback server, and the loopback default without it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAPIServer, type RunningAPIServer } from '../main.ts';
import { Kubectl, kubectlBinary, killRunningKubectls } from '../../test/e2e/framework/kubectl.ts';

let server: RunningAPIServer;
let plain: RunningAPIServer;
let dir: string;
let kubectl: Kubectl;
let plainKubectl: Kubectl;

function kubeconfig(path: string, url: string): string {
  writeFileSync(
    path,
    ['apiVersion: v1', 'kind: Config', 'clusters:', '- name: k', '  cluster:', `    server: ${url}`, 'users:', '- name: k', '  user: {}', 'contexts:', '- name: k', '  context: {cluster: k, user: k}', 'current-context: k', ''].join(
      '\n',
    ),
  );
  return path;
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kubelab-admission-'));
  const binary = kubectlBinary(32);
  server = await runAPIServer({ host: '127.0.0.1', port: 0, dataDir: join(dir, 'data'), enableAdmissionPlugins: ['ServiceAccount'], logLevel: 'warn' });
  plain = await runAPIServer({ host: '127.0.0.1', port: 0, dataDir: join(dir, 'plain'), logLevel: 'warn' });
  kubectl = new Kubectl({ binary, kubeconfig: kubeconfig(join(dir, 'kubeconfig'), server.url), cacheDir: join(dir, 'cache'), cwd: dir });
  plainKubectl = new Kubectl({ binary, kubeconfig: kubeconfig(join(dir, 'plain-kubeconfig'), plain.url), cacheDir: join(dir, 'plain-cache'), cwd: dir });
});

after(async () => {
  killRunningKubectls();
  await server?.close();
  await plain?.close();
  rmSync(dir, { recursive: true, force: true });
});

const PRIVILEGED_POD = `apiVersion: v1
kind: Pod
metadata:
  name: priv
spec:
  containers:
  - name: c
    image: busybox
    securityContext:
      privileged: true
  volumes:
  - name: host
    hostPath:
      path: /
`;

const PLAIN_POD = `apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: c
    image: busybox
`;

async function namespaceWithServiceAccount(name: string): Promise<Kubectl> {
  await kubectl.ok(['create', 'namespace', name]);
  await kubectl.ok(['create', 'serviceaccount', 'default', '-n', name]);
  return kubectl.ns(name);
}

describe('admission through kubectl', () => {
  it('enforce=baseline refuses a privileged hostPath pod with kube\'s message', async () => {
    const k = await namespaceWithServiceAccount('psa-enforce');
    assert.equal(await kubectl.ok(['label', 'namespace', 'psa-enforce', 'pod-security.kubernetes.io/enforce=baseline']), 'namespace/psa-enforce labeled\n');
    writeFileSync(join(dir, 'priv.yaml'), PRIVILEGED_POD);
    const r = await k.fail(['create', '-f', 'priv.yaml']);
    assert.equal(
      r.stderr,
      'Error from server (Forbidden): error when creating "priv.yaml": pods "priv" is forbidden: violates PodSecurity "baseline:latest": privileged (container "c" must not set securityContext.privileged=true), hostPath volumes (volume "host")\n',
    );
    // A pod within baseline is created.
    writeFileSync(join(dir, 'web.yaml'), PLAIN_POD);
    assert.equal(await k.ok(['create', '-f', 'web.yaml']), 'pod/web created\n');
  });

  it('warn=restricted prints kubectl\'s Warning line and creates the pod', async () => {
    const k = await namespaceWithServiceAccount('psa-warn');
    await kubectl.ok(['label', 'namespace', 'psa-warn', 'pod-security.kubernetes.io/warn=restricted']);
    const r = await k.run(['run', 'web', '--image=busybox']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'pod/web created\n');
    assert.equal(
      r.stderr,
      'Warning: would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "web" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "web" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "web" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "web" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")\n',
    );
    // Tightening enforce warns about the pod that would now be refused.
    const tighten = await kubectl.run(['label', 'namespace', 'psa-warn', 'pod-security.kubernetes.io/enforce=restricted']);
    assert.equal(tighten.code, 0, tighten.stderr);
    assert.equal(tighten.stdout, 'namespace/psa-warn labeled\n');
    assert.equal(
      tighten.stderr,
      'Warning: existing pods in namespace "psa-warn" violate the new PodSecurity enforce level "restricted:latest"\n' +
        'Warning: web: allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, seccompProfile\n',
    );
  });

  it('invalid Pod Security labels are refused', async () => {
    await kubectl.ok(['create', 'namespace', 'psa-bad']);
    const r = await kubectl.fail(['label', 'namespace', 'psa-bad', 'pod-security.kubernetes.io/enforce=strict']);
    // kubectl prints an Invalid status without causes by its details, as it does for kube-apiserver's answer.
    assert.equal(r.stderr, 'The namespaces "psa-bad" is invalid\n');
    const res = await fetch(`${server.url}/api/v1/namespaces/psa-bad`, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/merge-patch+json' },
      body: JSON.stringify({ metadata: { labels: { 'pod-security.kubernetes.io/enforce-version': '1.30' } } }),
    });
    assert.equal(res.status, 422);
    assert.deepEqual(await res.json(), {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'metadata.labels[pod-security.kubernetes.io/enforce-version]: Invalid value: "1.30": must be "latest" or "v1.x"',
      reason: 'Invalid',
      details: { name: 'psa-bad', kind: 'namespaces' },
      code: 422,
    });
  });

  it('ServiceAccount admission mounts the projected token volume in every container', async () => {
    const k = await namespaceWithServiceAccount('sa-mount');
    await k.ok(['run', 'web', '--image=busybox']);
    const pod = JSON.parse(await k.ok(['get', 'pod', 'web', '-o', 'json'])) as {
      spec: { serviceAccountName: string; serviceAccount: string; volumes: { name: string; projected?: unknown }[]; containers: { volumeMounts: unknown[] }[] };
    };
    assert.equal(pod.spec.serviceAccountName, 'default');
    assert.equal(pod.spec.serviceAccount, 'default');
    const volume = pod.spec.volumes[0] as { name: string; projected: unknown };
    assert.match(volume.name, /^kube-api-access-[a-z0-9]{5}$/);
    assert.deepEqual(volume.projected, {
      defaultMode: 420,
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
    });
    assert.deepEqual(pod.spec.containers[0]?.volumeMounts, [{ name: volume.name, readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }]);
  });

  it('a pod whose ServiceAccount does not exist is refused', async () => {
    await kubectl.ok(['create', 'namespace', 'sa-missing']);
    const r = await kubectl.ns('sa-missing').fail(['run', 'web', '--image=busybox']);
    assert.equal(r.stderr, 'Error from server (Forbidden): pods "web" is forbidden: error looking up service account sa-missing/default: serviceaccount "default" not found\n');
  });

  it('the loopback dev server without --enable-admission-plugins=ServiceAccount creates pods as before', async () => {
    await plainKubectl.ok(['create', 'namespace', 'dev']);
    assert.equal(await plainKubectl.ns('dev').ok(['run', 'web', '--image=busybox']), 'pod/web created\n');
    const pod = JSON.parse(await plainKubectl.ns('dev').ok(['get', 'pod', 'web', '-o', 'json'])) as { spec: { serviceAccountName?: string; volumes?: unknown[] } };
    assert.equal(pod.spec.serviceAccountName, undefined);
    assert.equal(pod.spec.volumes, undefined);
  });
});
