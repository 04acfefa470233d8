import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Pod } from '../../shared/api/core-v1.ts';
import type { KubeObject } from '../../shared/api/meta.ts';
import { FakeClientset } from '../../shared/client/fake/clientset.ts';
import { FakeClock } from '../../shared/util/clock.ts';
import { silentLogger } from '../../shared/util/log.ts';
import { ObjectManager } from '../configmap-secret/object-manager.ts';
import { configMapsResource, secretsResource, serviceAccountsResource } from '../../shared/client/clientset.ts';
import { TokenManager, tokenRequester, type TokenRequest } from '../token/token-manager.ts';
import { HostVolumeManager, VolumeError, checkHostPathType } from './volume-manager.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kubelab-vol-test-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('hostPath type checks', async () => {
  const dir = path.join(tmp, 'd');
  await checkHostPathType('v', dir, 'DirectoryOrCreate');
  assert.ok(fs.statSync(dir).isDirectory(), 'DirectoryOrCreate creates');
  await checkHostPathType('v', dir, 'Directory');
  await assert.rejects(checkHostPathType('v', path.join(tmp, 'missing'), 'Directory'), (e) => e instanceof VolumeError && /is not a directory/.test(e.message));
  const file = path.join(dir, 'f.txt');
  await checkHostPathType('v', file, 'FileOrCreate');
  assert.ok(fs.statSync(file).isFile(), 'FileOrCreate creates an empty file');
  await checkHostPathType('v', file, 'File');
  await assert.rejects(checkHostPathType('v', dir, 'File'), /is not a file/);
  await assert.rejects(checkHostPathType('v', path.join(tmp, 'nope', 'f'), 'FileOrCreate'), /parent directory/);
  await assert.rejects(checkHostPathType('v', file, 'DirectoryOrCreate'), /is not a directory/);
  await checkHostPathType('v', '/dev/null', 'CharDevice');
  await assert.rejects(checkHostPathType('v', file, 'CharDevice'), /character device/);
  await assert.rejects(checkHostPathType('v', '/dev/null', 'BlockDevice'), /block device/);
  await assert.rejects(checkHostPathType('v', file, 'Socket'), /socket/);
  const sockPath = path.join(tmp, 's.sock');
  const srv = net.createServer().listen(sockPath);
  await new Promise((r) => srv.once('listening', r));
  await checkHostPathType('v', sockPath, 'Socket');
  srv.close();
  await checkHostPathType('v', path.join(tmp, 'whatever'), ''); // no check at all
});

test('emptyDir, memory emptyDir (tmpfs), subPath, unsupported volumes, cleanup', async () => {
  const calls: string[] = [];
  const vm = new HostVolumeManager({ rootDir: tmp, exec: async (cmd, args) => void calls.push(`${cmd} ${args.join(' ')}`) });
  const pod: Pod = {
    metadata: { name: 'p', namespace: 'ns', uid: 'uid-1' },
    spec: { containers: [], volumes: [{ name: 'scratch', emptyDir: {} }, { name: 'mem', emptyDir: { medium: 'Memory', sizeLimit: '8Mi' } }] },
  };
  const { logDir } = await vm.preparePodDirs(pod);
  assert.equal(logDir, path.join(tmp, 'logs', 'pods', 'ns_p_uid-1'));
  assert.ok(fs.existsSync(logDir));
  const vols = await vm.mountPodVolumes(pod);
  const scratch = vols.get('scratch');
  assert.equal(scratch?.hostPath, path.join(tmp, 'pods', 'uid-1', 'volumes', 'kubernetes.io~empty-dir', 'scratch'));
  assert.equal(fs.statSync(scratch?.hostPath ?? '').mode & 0o777, 0o777);
  assert.deepEqual(calls, [`mount -t tmpfs -o mode=0777,size=8388608 tmpfs ${path.join(tmp, 'pods', 'uid-1', 'volumes', 'kubernetes.io~empty-dir', 'mem')}`]);
  const sub = await vm.subPath(scratch!, 'a/b');
  assert.ok(fs.statSync(sub).isDirectory());
  await assert.rejects(vm.subPath(scratch!, '../../etc'), VolumeError);
  await assert.rejects(
    vm.mountPodVolumes({ ...pod, spec: { containers: [], volumes: [{ name: 'nfs', nfs: { server: 'x', path: '/' } }] } }),
    (e) => e instanceof VolumeError && /volume type nfs is not supported/.test(e.message),
  );
  const msg = await vm.terminationMessageFile(pod, 'c', '0-abc');
  fs.writeFileSync(msg, 'bye');
  assert.equal(await vm.readTerminationMessage(msg), 'bye');
  await vm.cleanupPod(pod, { removeLogs: true });
  assert.equal(fs.existsSync(path.join(tmp, 'pods', 'uid-1')), false);
  assert.equal(fs.existsSync(logDir), false);
});

const b64 = (s: string) => Buffer.from(s).toString('base64');

function apiDataSetup() {
  const clock = new FakeClock();
  const cs = new FakeClientset({
    clock,
    resources: [secretsResource, configMapsResource, serviceAccountsResource],
    objects: [
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'ns' }, data: { password: b64('one') } } as KubeObject,
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kube-root-ca.crt', namespace: 'ns' }, data: { 'ca.crt': 'CA' } } as KubeObject,
    ],
  });
  let issued = 0;
  cs.prependReactor('create', 'serviceaccounts', (a) => {
    const tr = a.object as TokenRequest;
    return { object: { ...tr, status: { token: `token-${++issued}`, expirationTimestamp: new Date(clock.now() + (tr.spec.expirationSeconds ?? 0) * 1000).toISOString() } } };
  });
  const calls: string[] = [];
  const errors: string[] = [];
  const root = fs.mkdtempSync(path.join(tmp, 'api-'));
  const vm = new HostVolumeManager({
    rootDir: root,
    exec: async (cmd, args) => void calls.push(`${cmd} ${args.join(' ')}`),
    objects: new ObjectManager({ secrets: cs.resource(secretsResource), configMaps: cs.resource(configMapsResource) }, { ttlMs: 10_000, clock }),
    tokens: new TokenManager({ getToken: tokenRequester(cs.resource(serviceAccountsResource)), clock, random: () => 0, log: silentLogger() }),
    resyncIntervalMs: 10_000,
    onUpdateError: (_pod, volume, message) => void errors.push(`${volume}: ${message}`),
    clock,
    log: silentLogger(),
  });
  return { clock, cs, vm, calls, errors, root };
}

const apiPod = (volumes: Pod['spec']['volumes']): Pod => ({
  metadata: { name: 'app', namespace: 'ns', uid: 'uid-api', labels: { v: '1' } },
  spec: { serviceAccountName: 'default', containers: [], volumes },
});

/** Runs resync rounds on the fake clock until cond holds (each round is async file work). */
async function resyncUntil(s: ReturnType<typeof apiDataSetup>, cond: () => boolean): Promise<void> {
  for (let i = 0; i < 50 && !cond(); i++) {
    s.clock.step(10_000);
    await s.vm.resync();
  }
  assert.ok(cond());
}

test('secret volume: files through the ..data layout on a tmpfs, read-only; updated in place by resync; missing secret', async () => {
  const s = apiDataSetup();
  const pod = apiPod([{ name: 'creds', secret: { secretName: 'db', defaultMode: 0o400 } }]);
  const vols = await s.vm.mountPodVolumes(pod);
  const v = vols.get('creds');
  const dir = path.join(s.root, 'pods', 'uid-api', 'volumes', 'kubernetes.io~secret', 'creds');
  assert.deepEqual(v, { name: 'creds', hostPath: dir, readOnly: true, kind: 'secret' });
  assert.deepEqual(s.calls, [`mount -t tmpfs tmpfs ${dir}`], 'secrets live on a tmpfs');
  assert.equal(fs.readlinkSync(path.join(dir, 'password')), '..data/password');
  assert.equal(fs.readFileSync(path.join(dir, 'password'), 'utf8'), 'one');
  assert.equal(fs.statSync(path.join(dir, 'password')).mode & 0o777, 0o400);

  const sec = (await s.cs.resource(secretsResource).get('ns', 'db')) as KubeObject & { data: Record<string, string> };
  await s.cs.resource(secretsResource).update({ ...sec, data: { password: b64('two') } });
  await s.vm.mountPodVolumes(pod);
  assert.equal(fs.readFileSync(path.join(dir, 'password'), 'utf8'), 'one', 'a pod sync does not re-read a mounted volume');
  await resyncUntil(s, () => fs.readFileSync(path.join(dir, 'password'), 'utf8') === 'two');

  await s.cs.resource(secretsResource).delete('ns', 'db');
  s.clock.step(10_000);
  await s.vm.resync();
  assert.deepEqual(s.errors, ['creds: secret "db" not found'], 'a failed update is reported');
  assert.equal(fs.readFileSync(path.join(dir, 'password'), 'utf8'), 'two', 'and keeps the old files');

  await assert.rejects(
    s.vm.mountPodVolumes({ ...pod, metadata: { ...pod.metadata, uid: 'uid-2' } }),
    (e) => e instanceof VolumeError && e.volume === 'creds' && e.message === 'secret "db" not found',
  );
  const optional = await s.vm.mountPodVolumes(apiPod([{ name: 'o', secret: { secretName: 'db', optional: true } }]));
  assert.deepEqual(fs.readdirSync(optional.get('o')?.hostPath ?? '').filter((e) => !e.startsWith('..')), [], 'an optional missing secret is an empty volume');
  await s.vm.cleanupPod(pod, { removeLogs: false });
  assert.equal(fs.existsSync(dir), false);
});

test('projected kube-api-access volume: token, ca.crt, namespace; the token is refreshed at 80% of its TTL', async () => {
  const s = apiDataSetup();
  const pod = apiPod([
    {
      name: 'kube-api-access-abcde',
      projected: {
        defaultMode: 0o644,
        sources: [
          { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
          { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
          { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
        ],
      },
    },
    { name: 'cfg', configMap: { name: 'kube-root-ca.crt' } },
    { name: 'info', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } },
  ]);
  const vols = await s.vm.mountPodVolumes(pod);
  const dir = vols.get('kube-api-access-abcde')?.hostPath ?? '';
  assert.equal(dir, path.join(s.root, 'pods', 'uid-api', 'volumes', 'kubernetes.io~projected', 'kube-api-access-abcde'));
  assert.deepEqual(fs.readdirSync(dir).filter((e) => !e.startsWith('..')).sort(), ['ca.crt', 'namespace', 'token']);
  const read = (f: string) => fs.readFileSync(path.join(dir, f), 'utf8');
  assert.equal(read('token'), 'token-1');
  assert.equal(read('ca.crt'), 'CA');
  assert.equal(read('namespace'), 'ns');
  const tr = s.cs.actions().find((a) => a.subresource === 'token');
  assert.equal(tr?.name, 'default');
  assert.deepEqual((tr?.object as TokenRequest).spec.boundObjectRef, { apiVersion: 'v1', kind: 'Pod', name: 'app', uid: 'uid-api' });
  const cfgDir = vols.get('cfg')?.hostPath ?? '';
  assert.ok(cfgDir.endsWith('kubernetes.io~configmap/cfg'));
  assert.equal(fs.statSync(cfgDir).mode & 0o777, 0o777);
  assert.ok(!s.calls.some((c) => c.endsWith(cfgDir)), 'configMap volumes are not a tmpfs');
  assert.equal(fs.readFileSync(path.join(vols.get('info')?.hostPath ?? '', 'labels'), 'utf8'), 'v="1"');

  // 2886 s is exactly 80% of 3607 s (rounded as kubelet does): no refresh yet; the next round refreshes.
  for (let t = 0; t < 2880; t += 10) {
    s.clock.step(10_000);
    await s.vm.resync();
  }
  assert.equal(read('token'), 'token-1');
  await resyncUntil(s, () => read('token') === 'token-2');
  assert.ok(s.clock.now() - Date.UTC(2026, 0, 1) <= 2900_000, 'refreshed within one resync of 80%');

  // A label change reaches a downwardAPI volume with the pod's next sync.
  await s.vm.mountPodVolumes({ ...pod, metadata: { ...pod.metadata, labels: { v: '2' } } });
  assert.equal(fs.readFileSync(path.join(vols.get('info')?.hostPath ?? '', 'labels'), 'utf8'), 'v="2"');
  await s.vm.cleanupPod(pod, { removeLogs: false });
});

test('start() resyncs on the clock', async () => {
  const s = apiDataSetup();
  const pod = apiPod([{ name: 'creds', secret: { secretName: 'db' } }]);
  const dir = (await s.vm.mountPodVolumes(pod)).get('creds')?.hostPath ?? '';
  const sec = (await s.cs.resource(secretsResource).get('ns', 'db')) as KubeObject;
  await s.cs.resource(secretsResource).update({ ...sec, data: { password: b64('rotated') } });
  s.vm.start();
  for (let i = 0; i < 100 && fs.readFileSync(path.join(dir, 'password'), 'utf8') !== 'rotated'; i++) {
    s.clock.step(10_000);
    await new Promise((r) => setTimeout(r, 5));
  }
  s.vm.stop();
  assert.equal(fs.readFileSync(path.join(dir, 'password'), 'utf8'), 'rotated');
});

test('cleanupPod waits for a resync write in flight and nothing is recreated after it', async () => {
  const root = fs.mkdtempSync(path.join(tmp, 'race-'));
  const calls: string[] = [];
  let gate: (() => void) | undefined;
  let reads = 0;
  const vm = new HostVolumeManager({
    rootDir: root,
    exec: async (cmd, args) => void calls.push(`${cmd} ${args.join(' ')}`),
    objects: {
      getSecret: async () => {
        if (++reads > 1) await new Promise<void>((r) => (gate = r));
        return { metadata: { name: 's' }, data: { k: b64(`v${reads}`) } };
      },
      getConfigMap: () => Promise.reject(new Error('unused')),
    },
    log: silentLogger(),
  });
  const pod = apiPod([{ name: 's', secret: { secretName: 's' } }]);
  const dir = (await vm.mountPodVolumes(pod)).get('s')?.hostPath ?? '';
  const round = vm.resync();
  await new Promise((r) => setTimeout(r, 10));
  assert.ok(gate, 'the resync is waiting for the secret');
  let cleaned = false;
  const cleanup = vm.cleanupPod(pod, { removeLogs: false }).then(() => (cleaned = true));
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(cleaned, false, 'cleanup waits for the write in flight');
  gate?.();
  await Promise.all([round, cleanup]);
  assert.equal(fs.existsSync(dir), false, 'the volume dir is gone');
  assert.equal(fs.existsSync(path.join(root, 'pods', 'uid-api')), false);
  await vm.resync();
  assert.equal(fs.existsSync(dir), false, 'a later resync does not bring it back');
});

test('a resync round with no pods (a fresh node) does not stop later rounds from updating volumes', async () => {
  const s = apiDataSetup();
  await s.vm.resync(); // nothing set up yet: a round with nothing to await
  const pod = apiPod([{ name: 'cfg', configMap: { name: 'kube-root-ca.crt' } }]);
  await s.vm.mountPodVolumes(pod);
  const file = path.join(s.root, 'pods', 'uid-api', 'volumes', 'kubernetes.io~configmap', 'cfg', 'ca.crt');
  assert.equal(fs.readFileSync(file, 'utf8'), 'CA');
  const cm = (await s.cs.resource(configMapsResource).get('ns', 'kube-root-ca.crt')) as KubeObject & { data: Record<string, string> };
  await s.cs.resource(configMapsResource).update({ ...cm, data: { 'ca.crt': 'CA2' } });
  s.clock.step(10_000);
  await s.vm.resync();
  assert.equal(fs.readFileSync(file, 'utf8'), 'CA2', 'the next round rewrote the file');
});
