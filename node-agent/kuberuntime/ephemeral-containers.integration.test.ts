/**
 * `kubectl debug` on a real containerd node (integration tier, root), with the real kubectl 1.29 and 1.33: an
 * HTTPS API server (Node,RBAC), a node agent with its node identity serving exec/attach/logs over HTTPS, and
 * kubectl as the cluster admin.
 *
 * - `kubectl debug -it web --target=app -- sh` (under `script`, so kubectl has a real terminal), typing `ps`:
 *   the ephemeral container runs in the app's pid namespace, where the app's `sleep 3600` is pid 1;
 * - `kubectl debug -i web --target=app -- sh` fed `ps` through attach: its status is seen running, then
 *   terminated (exit 0), never restarted; the pod stays Running and Ready; the node's anatomy shows it in the
 *   app's pid namespace; `kubectl logs web -c debugger-xxxxx` has the output; its events name it;
 * - `kubectl debug node/NODE -i` (hostPID + hostNetwork + hostIPC, the node's / at /host): lists /host and
 *   sees this test's own process among the node's, and has this process's network and ipc namespaces;
 * - `kubectl exec` into a running debugger;
 * - `kubectl debug web -i --copy-to --same-node --share-processes -- sh`: the copy's debugger sees the copied
 *   app's processes;
 * - an ephemeral container written through `pods/ephemeralcontainers` with env, command and a read-only
 *   volumeMount of the pod's emptyDir reads what the app wrote there, cannot write it, and stops with its pod.
 * Sessions keep kubectl's stdin open until the expected output arrived: an attach whose stdin reaches EOF is
 * detached at once (containerd, for containers without stdinOnce), as on any Kubernetes node.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SecuredTestServer } from '../../test/integration/framework/secured-test-server.ts';
import { startSecuredContainerdNode, type SecuredContainerdNode } from '../../test/integration/framework/secured-containerd-node.ts';
import { BUSYBOX_IMAGE, type ContainerdInstance } from '../../test/integration/framework/containerd.ts';
import { waitForPodReady } from '../../test/integration/framework/containerd-node-agent.ts';
import { until } from '../../test/integration/framework/until.ts';
import { Interactive, onTerminal } from '../../test/integration/framework/interactive.ts';
import { Kubectl, kubectlBinary } from '../../test/e2e/framework/kubectl.ts';
import { configMapsResource, serviceAccountsResource, type Clientset } from '../../shared/client/clientset.ts';
import type { ContainerStatus, Pod } from '../../shared/api/core-v1.ts';
import type { PodAnatomy } from '../../shared/api/pod-anatomy.ts';
import type { RunningNodeAgent } from '../main.ts';
import { LABEL_POD_UID } from './labels.ts';

const NODE = 'debug-node';

let node: SecuredContainerdNode;
let cd: ContainerdInstance;
let server: SecuredTestServer;
let admin: Clientset;
let agent: RunningNodeAgent;
let adminKubeconfig = '';

before(async () => {
  node = await startSecuredContainerdNode({ node: NODE, containerd: 'ephemeral', agent: { agent: { relistPeriodMs: 500, housekeepingIntervalMs: 500 } } });
  ({ server, admin, cd, agent } = node);
  adminKubeconfig = server.kubeconfig({ cert: server.admin }, 'admin');
});

after(async () => {
  await node?.close();
});

/** A namespace as a controller manager would leave it: the default ServiceAccount and kube-root-ca.crt. */
async function namespace(name: string): Promise<void> {
  await admin.namespaces.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  await admin.resource(serviceAccountsResource).create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: name } });
  await admin.resource(configMapsResource).create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kube-root-ca.crt', namespace: name }, data: { 'ca.crt': server.ca.certPem } });
}

async function getPod(ns: string, name: string): Promise<Pod> {
  return (await admin.pods.get(ns, name)) as Pod;
}

/** `web`: one app container sleeping, on the node; waits until it runs and is Ready. */
async function webPod(ns: string): Promise<Pod> {
  await admin.pods.create({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: ns },
    spec: { nodeName: NODE, terminationGracePeriodSeconds: 1, containers: [{ name: 'app', image: BUSYBOX_IMAGE, command: ['sleep', '3600'] }] },
  } as Pod);
  return waitForPodReady(admin, ns, 'web', 60_000);
}


/** The ephemeral container statuses the API shows for ns/name. */
async function ephemeralStatuses(ns: string, name: string): Promise<ContainerStatus[]> {
  return (await getPod(ns, name)).status?.ephemeralContainerStatuses ?? [];
}

for (const minor of [29, 33]) {
  describe(`kubectl 1.${minor} debug on a containerd node`, () => {
    const ns = `debug-${minor}`;
    let k: Kubectl;
    let web: Pod;

    before(async () => {
      const cacheDir = path.join(server.dir, `kube-cache-${minor}`);
      k = new Kubectl({ binary: kubectlBinary(minor), kubeconfig: adminKubeconfig, cacheDir, cwd: server.dir, namespace: ns });
      await namespace(ns);
      web = await webPod(ns);
    });

    it('debug -it --target=app -- sh on a terminal: ps shows the app as pid 1 of the namespace the debugger joined', async () => {
      // script(1) gives kubectl a pseudo-terminal, so -t really is a TTY session (raw mode, resize stream).
      const argv = [k.binary, ...k.argv(['debug', '-it', 'web', `--image=${BUSYBOX_IMAGE}`, '--target=app', '--', 'sh'])];
      const term = onTerminal(argv, { KUBECONFIG: adminKubeconfig }, 90_000);
      try {
        await term.waitFor(/If you don't see a command prompt, try pressing enter\./, 'the attach', 60_000);
        term.write('ps\r');
        await term.waitFor(/\bsleep 3600\s*\r?\n/, "ps listing the app's sleep 3600");
        term.write('exit\r');
        assert.equal(await term.exit(), 0, term.output);
      } finally {
        term.kill();
      }
      const lines = term.output.split(/\r?\n/);
      const sleep = lines.find((l) => /\bsleep 3600\s*$/.test(l));
      assert.match(sleep ?? '', /^\s*1\s/, `the app is pid 1 of the debugger's pid namespace:\n${term.output}`);
      assert.match(term.output, /Session ended, the ephemeral container will not be restarted/);
      const pod = await getPod(ns, 'web');
      const names = (pod.spec.ephemeralContainers ?? []).map((c) => c.name);
      assert.equal(names.length, 1);
      const st = await until('the sh debugger terminated', async () => (await ephemeralStatuses(ns, 'web')).find((s) => s.name === names[0] && s.state?.terminated));
      assert.equal(st.state?.terminated?.exitCode, 0);
      assert.equal(st.state?.terminated?.reason, 'Completed');
      // The app container was not restarted, nor the sandbox replaced.
      const app = pod.status?.containerStatuses?.find((c) => c.name === 'app');
      assert.equal(app?.restartCount, 0);
      assert.equal(app?.containerID, web.status?.containerStatuses?.[0]?.containerID);
      assert.equal(pod.status?.podIP, web.status?.podIP);
    });

    it('debug -i --target=app -- sh fed through attach: running, then terminated; the pod stays Ready; logs -c has the output', async () => {
      const before = new Set((await getPod(ns, 'web')).spec.ephemeralContainers?.map((c) => c.name));
      const seen: string[] = [];
      let polling = true;
      let name = '';
      const poller = (async () => {
        while (polling) {
          const pod = await getPod(ns, 'web').catch(() => undefined);
          name ||= pod?.spec.ephemeralContainers?.find((c) => !before.has(c.name))?.name ?? '';
          const st = pod?.status?.ephemeralContainerStatuses?.find((s) => s.name === name);
          const state = st?.state?.running ? 'running' : st?.state?.terminated ? 'terminated' : st?.state?.waiting ? `waiting:${st.state.waiting.reason ?? ''}` : '';
          if (state && seen[seen.length - 1] !== state) seen.push(state);
          if (pod && name) assert.equal(pod.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True', 'the pod stays Ready while a debugger runs');
          await new Promise((r) => setTimeout(r, 25));
        }
      })();
      const sh = new Interactive(k.binary, k.argv(['debug', '-i', 'web', `--image=${BUSYBOX_IMAGE}`, '--target=app', '--', 'sh']), { KUBECONFIG: adminKubeconfig }, 90_000);
      let code: number;
      try {
        await sh.waitFor(/If you don't see a command prompt, try pressing enter\./, 'the attach', 60_000);
        sh.write('echo hello-from-attach\nps\n');
        await sh.waitFor(/\bsleep 3600\s*\n/, "ps listing the app's sleep 3600");
        name ||= (await getPod(ns, 'web')).spec.ephemeralContainers?.find((c) => !before.has(c.name))?.name ?? '';
        // While it runs, the node's anatomy of the pod shows it in the app's pid namespace.
        const res = await server.call('GET', `/api/v1/nodes/${NODE}/proxy/anatomy/${ns}/web`, { cert: server.admin });
        assert.equal(res.status, 200, res.body);
        const anatomy = JSON.parse(res.body) as PodAnatomy;
        const dbg = anatomy.containers.find((c) => c.name === name);
        const app = anatomy.containers.find((c) => c.name === 'app');
        assert.equal(dbg?.type, 'ephemeral', res.body);
        assert.equal(dbg?.state, 'running');
        assert.equal(dbg?.namespaces?.pid?.inode, app?.namespaces?.pid?.inode, 'the target\'s pid namespace');
        assert.notEqual(dbg?.namespaces?.mnt?.inode, app?.namespaces?.mnt?.inode, 'its own mount namespace');
        assert.equal(dbg?.namespaces?.net?.inode, anatomy.sandbox.namespaces?.net?.inode, 'the pod\'s network namespace');
        assert.ok(anatomy.timeline.some((e) => e.type === 'ContainerStarted' && e.container === name), JSON.stringify(anatomy.timeline));
        sh.end('exit 0\n');
        code = await sh.exit();
        await until('the API to show the sh debugger terminated', () => seen[seen.length - 1] === 'terminated' || undefined, 20_000);
      } finally {
        sh.kill();
        polling = false;
        await poller;
      }
      assert.equal(code, 0, sh.output);
      assert.match(sh.output, /^hello-from-attach$/m, 'stdin reached the container through attach and its stdout came back');
      assert.match(name, /^debugger-[a-z0-9]{5}$/);
      assert.ok(seen.includes('running'), `status was seen running: ${seen.join(' -> ')}`);
      assert.equal(seen[seen.length - 1], 'terminated', `and ends terminated: ${seen.join(' -> ')}`);
      assert.ok(seen.indexOf('running') < seen.lastIndexOf('terminated'));
      const st = (await ephemeralStatuses(ns, 'web')).find((s) => s.name === name);
      assert.equal(st?.state?.terminated?.exitCode, 0);
      assert.equal(st?.ready, false);
      assert.equal(st?.restartCount, 0);
      assert.match(st?.containerID ?? '', /^containerd:\/\/[0-9a-f]{64}$/);
      // Never restarted: it stays terminated across further syncs (PLEG relists every 500 ms).
      await new Promise((r2) => setTimeout(r2, 1500));
      const again = (await ephemeralStatuses(ns, 'web')).find((s) => s.name === name);
      assert.equal(again?.containerID, st?.containerID, 'not started again');
      assert.ok(again?.state?.terminated);
      const pod = await getPod(ns, 'web');
      assert.equal(pod.status?.phase, 'Running');
      assert.equal(pod.status?.containerStatuses?.length, 1, 'not listed among the containers');

      const logs = await k.ok(['logs', 'web', '-c', name]);
      assert.match(logs, /^hello-from-attach$/m);
      assert.match(logs, /\bsleep 3600\s*$/m);
      const events = await k.ok(['get', 'events', '--field-selector', `involvedObject.fieldPath=spec.ephemeralContainers{${name}}`, '-o', 'jsonpath={range .items[*]}{.reason}{"\\n"}{end}']);
      assert.deepEqual(new Set(events.split('\n').filter(Boolean)), new Set(['Pulled', 'Created', 'Started']), events);
    });

    it('debug node/NAME -i: host pid, network and ipc namespaces, the node\'s / at /host', async () => {
      const sh = new Interactive(k.binary, k.argv(['debug', `node/${NODE}`, '-i', `--image=${BUSYBOX_IMAGE}`, '--', 'sh']), { KUBECONFIG: adminKubeconfig }, 120_000);
      try {
        await sh.waitFor(/If you don't see a command prompt, try pressing enter\./, 'the attach', 90_000);
        sh.write('echo ---; ls /host; echo ---; ps -o pid,comm; echo ---; readlink /proc/self/ns/net; readlink /proc/self/ns/ipc; echo ---\n');
        await sh.waitFor(/^---\n[^]*^---\n[^]*^---\n[^]*^---\n/m, 'the listings');
        sh.end('exit 0\n');
        assert.equal(await sh.exit(), 0, sh.output);
      } finally {
        sh.kill();
      }
      const [, ls = '', ps = '', nsLinks = ''] = sh.output.split(/^---\n/m);
      // The node's network and ipc namespaces: those of this test process (containerd and the agent run in it).
      assert.deepEqual(nsLinks.split('\n').filter(Boolean), [fs.readlinkSync('/proc/self/ns/net'), fs.readlinkSync('/proc/self/ns/ipc')]);
      const entries = ls.split('\n').filter(Boolean);
      for (const want of fs.readdirSync('/').filter((e) => ['etc', 'proc', 'usr', 'var'].includes(e))) assert.ok(entries.includes(want), `/host/${want} in:\n${ls}`);
      assert.ok(ps.split('\n').some((l) => new RegExp(`^\\s*${process.pid}\\s`).test(l)), `this test's pid ${process.pid} is among the node's processes:\n${ps}`);
      const pods = ((await admin.pods.list(ns)).items as Pod[]).filter((p) => p.metadata.name?.startsWith(`node-debugger-${NODE}-`));
      assert.equal(pods.length, 1);
      const p = pods[0] as Pod;
      assert.deepEqual([p.spec.hostPID, p.spec.hostNetwork, p.spec.hostIPC], [true, true, true]);
      assert.equal(p.status?.podIP, cd.gateway, 'a host-network pod has the node IP');
      await admin.pods.delete(ns, p.metadata.name ?? '', { gracePeriodSeconds: 0 });
    });

    it('debug -i --target=app: kubectl exec into the running debugger', async () => {
      const sh = new Interactive(k.binary, k.argv(['debug', '-i', 'web', `--image=${BUSYBOX_IMAGE}`, '--target=app', '-c', 'dbg-exec', '--', 'sh']), { KUBECONFIG: adminKubeconfig }, 90_000);
      try {
        await sh.waitFor(/If you don't see a command prompt, try pressing enter\./, 'the attach', 60_000);
        const cmdline = await k.ok(['exec', 'web', '-c', 'dbg-exec', '--', 'cat', '/proc/1/cmdline']);
        assert.equal(cmdline, 'sleep\u00003600\u0000', 'exec runs in the ephemeral container, which sees the app as pid 1');
        sh.end('exit 0\n');
        assert.equal(await sh.exit(), 0, sh.output);
      } finally {
        sh.kill();
      }
    });

    it('debug --copy-to --same-node --share-processes -i -- sh: the copy\'s debugger sees the app\'s processes', async () => {
      const sh = new Interactive(k.binary, k.argv(['debug', 'web', '-i', `--image=${BUSYBOX_IMAGE}`, '--copy-to=web-copy', '--same-node', '--share-processes', '--', 'sh']), { KUBECONFIG: adminKubeconfig }, 120_000);
      try {
        await sh.waitFor(/If you don't see a command prompt, try pressing enter\./, 'the attach', 90_000);
        sh.write('ps -o pid,args\n');
        await sh.waitFor(/\bsleep 3600\s*\n/, "ps listing the copied app's sleep 3600");
        sh.end('exit 0\n');
        assert.equal(await sh.exit(), 0, sh.output);
      } finally {
        sh.kill();
      }
      const r = { stdout: sh.output };
      const copy = await getPod(ns, 'web-copy');
      assert.equal(copy.spec.shareProcessNamespace, true);
      assert.equal(copy.spec.nodeName, NODE);
      const lines = r.stdout.split('\n');
      assert.ok(lines.some((l) => /\bsleep 3600\s*$/.test(l)), `the copied app's sleep 3600 is visible:\n${r.stdout}`);
      assert.ok(lines.some((l) => /^\s*1\s+\/pause\b/.test(l)), `one pid namespace for the pod, the pause process is pid 1:\n${r.stdout}`);
      await admin.pods.delete(ns, 'web-copy', { gracePeriodSeconds: 0 });
    });
  });
}

describe('ephemeral containers added through the API', () => {
  const ns = 'ephemeral-api';
  let k: Kubectl;

  before(async () => {
    k = new Kubectl({ binary: kubectlBinary(33), kubeconfig: adminKubeconfig, cacheDir: path.join(server.dir, 'kube-cache-api'), cwd: server.dir, namespace: ns });
    await namespace(ns);
  });

  it("mount the pod's volumes as their volumeMounts say, get their env and command; killing the pod kills them", async () => {
    await admin.pods.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'vol', namespace: ns },
      spec: {
        nodeName: NODE,
        terminationGracePeriodSeconds: 1,
        volumes: [{ name: 'shared', emptyDir: {} }],
        containers: [{ name: 'app', image: BUSYBOX_IMAGE, command: ['sh', '-c', 'echo note-from-app > /data/note.txt && exec sleep 3600'], volumeMounts: [{ name: 'shared', mountPath: '/data' }] }],
      },
    } as Pod);
    await until('vol Running', async () => ((await getPod(ns, 'vol')).status?.phase === 'Running' ? true : undefined), 60_000);
    const sub = `/api/v1/namespaces/${ns}/pods/vol/ephemeralcontainers`;
    const cur = await server.call('GET', sub, { cert: server.admin });
    assert.equal(cur.status, 200, cur.body);
    const pod = JSON.parse(cur.body) as Pod;
    pod.spec.ephemeralContainers = [
      {
        name: 'reader',
        image: BUSYBOX_IMAGE,
        command: ['sh', '-c', 'cat /mnt/note.txt; echo "GREETING=$GREETING"; exec sleep 3600'],
        env: [{ name: 'GREETING', value: 'hello' }],
        volumeMounts: [{ name: 'shared', mountPath: '/mnt', readOnly: true }],
      },
    ];
    const put = await server.call('PUT', sub, { cert: server.admin, body: pod });
    assert.equal(put.status, 200, put.body);
    const running = await until('reader running', async () => (await ephemeralStatuses(ns, 'vol')).find((s) => s.name === 'reader' && s.state?.running), 60_000);
    const logs = await until('reader logs', async () => {
      const out = await k.ok(['logs', 'vol', '-c', 'reader']);
      return out.includes('GREETING=') ? out : undefined;
    });
    assert.equal(logs, 'note-from-app\nGREETING=hello\n');
    const touch = await k.run(['exec', 'vol', '-c', 'reader', '--', 'touch', '/mnt/x']);
    assert.notEqual(touch.code, 0, 'the volume is mounted read-only in the ephemeral container');
    assert.match(touch.stderr, /Read-only file system/);

    const uid = (await getPod(ns, 'vol')).metadata.uid ?? '';
    const id = (running.containerID ?? '').replace('containerd://', '');
    await admin.pods.delete(ns, 'vol', { gracePeriodSeconds: 1 });
    await until('the reader container stopped with its pod', async () => {
      const list = await agent.runtime.listContainers({ labelSelector: { [LABEL_POD_UID]: uid } });
      return list.every((c) => c.state !== 'CONTAINER_RUNNING') && !list.some((c) => c.id === id && c.state === 'CONTAINER_RUNNING') ? true : undefined;
    }, 30_000);
  });
});
