import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Pod } from '../../shared/api/core-v1.ts';
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
    vm.mountPodVolumes({ ...pod, spec: { containers: [], volumes: [{ name: 'cm', configMap: { name: 'x' } }] } }),
    (e) => e instanceof VolumeError && /configMap is not supported/.test(e.message),
  );
  const projected = await vm.mountPodVolumes({
    ...pod,
    spec: { containers: [], volumes: [{ name: 'kube-api-access', projected: { sources: [{ serviceAccountToken: { path: 'token' } }, { configMap: { name: 'kube-root-ca.crt' } }] } }] },
  });
  assert.equal(projected.get('kube-api-access')?.kind, 'placeholder');
  const msg = await vm.terminationMessageFile(pod, 'c', '0-abc');
  fs.writeFileSync(msg, 'bye');
  assert.equal(await vm.readTerminationMessage(msg), 'bye');
  await vm.cleanupPod(pod, { removeLogs: true });
  assert.equal(fs.existsSync(path.join(tmp, 'pods', 'uid-1')), false);
  assert.equal(fs.existsSync(logDir), false);
});
