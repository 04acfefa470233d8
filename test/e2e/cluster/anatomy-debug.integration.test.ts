/**
 * Pod anatomy and kubectl debug on a real `kubelab up --nodes 3` cluster (issue 14), with the real kubectl:
 *
 * 1. `kubelab up` installs the plugin (/usr/local/bin/kubectl-anatomy, or says how); `kubectl anatomy pod` draws the
 *    issue's pod (an init container, a native sidecar, two app containers sharing an emptyDir) from the node that
 *    runs it, and `-o json` is a PodAnatomy the schema accepts, whose namespaces are the node's.
 * 2. `kubectl debug -it POD --image=localhost/busybox:1.35 --target=app -- ps`, with kubectl 1.29 and 1.33: ps sees
 *    the app's httpd (the target's pid namespace); the ephemeral containers show in `kubectl get pod -o yaml` and in
 *    the anatomy (type ephemeral, the target's pid namespace, the sandbox's net/ipc/uts).
 * 3. `kubectl debug node/NAME -it -- ps` runs a pod on that node in the node's namespaces (it sees containerd);
 *    `kubectl debug POD -it --copy-to=... --share-processes -- ps` runs a copy whose containers share one pid
 *    namespace.
 * 4. Without credentials the anatomy endpoint answers 401 on the agent, and through the API server both for an
 *    invalid credential and for none at all (kubelab up allows anonymous requests on health and version only).
 *
 * The plugin runs as kubectl finds it: this checkout's bin/ first on PATH, words after `anatomy` (kubectl refuses
 * flags before a plugin's name, so the plugin gets KUBECONFIG from the environment).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readlinkSync, realpathSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { Cluster, exec, prerequisites, waitFor, withDiagnostics, type ProcResult } from './_cluster.ts';
import { kubectlBinary } from '../framework/kubectl.ts';
import { onTerminal } from '../../integration/framework/interactive.ts';
import type { Pod } from '../../../shared/api/core-v1.ts';
import type { PodAnatomy } from '../../../shared/api/pod-anatomy.ts';
import { validatePodAnatomy } from '../../../node-agent/anatomy/testing/anatomy-schema.ts';
import { KUBECTL_PLUGIN_LINK } from '../../../deploy/cluster/kubectl-plugin-link.ts';

const IMAGE = 'localhost/busybox:1.35';

/** The checkout this module is in (also from dist/): its bin/ holds kubectl-anatomy. */
function checkoutRoot(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'bin', 'kubectl-anatomy')) && existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error('Cannot find bin/kubectl-anatomy above this module');
  }
}

const DEMO_POD = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'anatomy-demo', labels: { app: 'anatomy-demo' } },
  spec: {
    terminationGracePeriodSeconds: 1,
    volumes: [{ name: 'shared', emptyDir: {} }],
    initContainers: [
      { name: 'setup', image: IMAGE, command: ['sh', '-c', 'echo from-setup > /shared/setup.txt'], volumeMounts: [{ name: 'shared', mountPath: '/shared' }] },
      { name: 'log-shipper', image: IMAGE, restartPolicy: 'Always', command: ['sleep', '3600'], volumeMounts: [{ name: 'shared', mountPath: '/logs', readOnly: true }] },
    ],
    containers: [
      { name: 'app', image: IMAGE, command: ['sh', '-c', 'echo written-by-app > /shared/app.txt && exec httpd -f -p 8080'], volumeMounts: [{ name: 'shared', mountPath: '/shared' }] },
      { name: 'reader', image: IMAGE, command: ['sleep', '3600'], volumeMounts: [{ name: 'shared', mountPath: '/data', readOnly: true }] },
    ],
  },
};

describe('pod anatomy and kubectl debug on kubelab up --nodes 3', () => {
  let c: Cluster | undefined;
  let pathEnv = '';
  const cluster = (): Cluster => {
    assert.ok(c, 'the cluster is up');
    return c;
  };

  /**
   * `kubectl ARGS -- sh` on a terminal (script(1)), as a user types: `ps` once kubectl has attached, then `exit`.
   * A bare `-- ps` races the attach (what it prints before kubectl attaches is lost: kube does the same).
   */
  const psOnTerminal = async (args: string[], expect: RegExp, binary = kubectlBinary()): Promise<string> => {
    const k = cluster();
    const term = onTerminal([binary, ...args, '--', 'sh'], { PATH: pathEnv, KUBECONFIG: k.kubectl.kubeconfig, KUBECACHEDIR: join(k.stateDir, '.kube-cache') }, 150_000);
    try {
      await term.waitFor(/If you don't see a command prompt, try pressing enter\./, `kubectl ${args.join(' ')} to attach`, 120_000);
      term.write('ps\r');
      await term.waitFor(expect, `ps to list ${expect}`);
      term.write('exit\r');
      assert.equal(await term.exit(), 0, `kubectl ${args.join(' ')}:\n${term.output}`);
      return term.output;
    } finally {
      term.kill();
    }
  };

  /** Real kubectl (the dispatcher, or a given minor) with this checkout's bin/ first on PATH; words as given. */
  const kubectl = (args: string[], opts: { binary?: string; timeoutMs?: number; env?: Record<string, string> } = {}): Promise<ProcResult> => {
    const k = cluster();
    return exec(opts.binary ?? kubectlBinary(), args, {
      cwd: k.stateDir,
      env: { ...process.env, PATH: pathEnv, KUBECONFIG: k.kubectl.kubeconfig, KUBECACHEDIR: join(k.stateDir, '.kube-cache'), ...opts.env },
      ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
    });
  };
  const ok = async (args: string[], opts: Parameters<typeof kubectl>[1] = {}): Promise<string> => {
    const r = await kubectl(args, opts);
    assert.equal(r.code, 0, `kubectl ${args.join(' ')} exited ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
    return r.stdout;
  };
  const getPod = async (name: string): Promise<Pod> => JSON.parse(await ok(['get', 'pod', name, '-o', 'json'])) as Pod;
  const anatomyOf = async (name: string): Promise<PodAnatomy> => {
    const doc = JSON.parse(await ok(['anatomy', 'pod', name, '-o', 'json'])) as PodAnatomy;
    assert.deepEqual(validatePodAnatomy(doc), [], 'the schema accepts the anatomy');
    return doc;
  };

  before(async () => {
    prerequisites();
    pathEnv = `${join(checkoutRoot(), 'bin')}:${process.env.PATH ?? '/usr/bin:/bin'}`;
    c = await Cluster.up('anatomy', ['--nodes', '3']);
  });

  after(async () => {
    if (!c) return;
    await c.down();
    c.cleanup();
  });

  it('kubelab up installs kubectl anatomy (or says how)', () => withDiagnostics(c, async () => {
    const out = cluster().upResult.stdout + cluster().upResult.stderr;
    let linked = false;
    try {
      linked = readlinkSync(KUBECTL_PLUGIN_LINK).endsWith('/bin/kubectl-anatomy') && existsSync(realpathSync(KUBECTL_PLUGIN_LINK));
    } catch {
      linked = false;
    }
    assert.ok(linked || /kubectl anatomy: .*(put .* on your PATH)/.test(out), `${KUBECTL_PLUGIN_LINK} is kubelab's plugin, or up printed how to get it:\n${out}`);
  }));

  it('kubectl anatomy draws the issue\'s pod from its node', () => withDiagnostics(c, async () => {
    const k = cluster();
    await k.apply([DEMO_POD]);
    const [pod] = await k.waitRunning('app=anatomy-demo', 1, 120_000);
    assert.ok(pod?.spec?.nodeName);
    const text = await ok(['anatomy', 'pod', 'anatomy-demo'], { env: { COLUMNS: '200' } });
    const lines = text.replace(/\n$/, '').split('\n');
    assert.equal(lines[0], `Pod default/anatomy-demo  node ${pod.spec.nodeName}  Running  BestEffort`);
    assert.equal(lines[1], `IPs ${pod.status?.podIP}  uid ${pod.metadata.uid}`);
    assert.match(lines[3] ?? '', /^pause  pid \d+  sandbox [0-9a-f]{12}  ready$/);
    assert.match(lines[4] ?? '', /^│ holds   net:\d+  ipc:\d+  uts:\d+  pid:\d+  mnt:\d+$/);
    const titles = lines.filter((l) => /^[├└]─ \d\. /.test(l)).map((l) => l.replace(/  (pid \d+|[+]\d.*)/g, ''));
    assert.deepEqual(titles, ['├─ 1. setup  init  exited 0', '├─ 2. log-shipper  sidecar  running  ready', '├─ 3. app  app  running  ready', '└─ 4. reader  app  running  ready'], text);
    assert.equal(lines.filter((l) => /^[│ ] {4}joins   net  ipc  uts$/.test(l)).length, 3, text);
    const anatomy = await anatomyOf('anatomy-demo');
    const volume = anatomy.volumes.find((v) => v.name === 'shared');
    assert.ok(lines.includes(`  shared  emptyDir  ${volume?.hostPath}`), text);
    assert.deepEqual(lines.slice(lines.indexOf('VOLUMES') + 2, lines.indexOf('VOLUMES') + 6), ['    ├─ setup        /shared  rw', '    ├─ log-shipper  /logs  ro', '    ├─ app          /shared  rw', '    └─ reader       /data  ro']);
    // The node really has it: the pause process holds the pod's network namespace, with the pod IP.
    const pid = anatomy.sandbox.pid ?? 0;
    assert.equal(readlinkSync(`/proc/${pid}/ns/net`), `net:[${anatomy.sandbox.namespaces?.net?.inode}]`);
    const addrs = await exec('nsenter', ['-t', String(pid), '-n', 'ip', '-o', 'addr', 'show', 'eth0']);
    assert.ok(addrs.stdout.includes(`${pod.status?.podIP}/`), addrs.stdout);
    const typesInOrder = anatomy.timeline.filter((e) => e.type === 'ContainerStarted' || e.type === 'ContainerExited').map((e) => `${e.type} ${e.container}`);
    assert.deepEqual(typesInOrder.slice(0, 3), ['ContainerStarted setup', 'ContainerExited setup', 'ContainerStarted log-shipper']);
  }));

  for (const minor of [29, 33] as const) {
    it(`kubectl 1.${minor} debug -it --target=app runs ps in the app's pid namespace; the ephemeral container shows in the pod and the anatomy`, () => withDiagnostics(c, async () => {
      const binary = kubectlBinary(minor);
      const before = new Set(((await getPod('anatomy-demo')).spec?.ephemeralContainers ?? []).map((e) => e.name));
      const out = await psOnTerminal(['debug', '-it', 'anatomy-demo', `--image=${IMAGE}`, '--target=app'], /httpd -f -p 8080/, binary);
      assert.doesNotMatch(out, /sleep 3600/, 'only the target\'s pid namespace, not the sidecar\'s or reader\'s');
      // In `kubectl get pod -o yaml`: the new ephemeral container, its target, and its status.
      const yaml = parseYaml(await ok(['get', 'pod', 'anatomy-demo', '-o', 'yaml'])) as Pod;
      const added = (yaml.spec?.ephemeralContainers ?? []).filter((e) => !before.has(e.name));
      assert.equal(added.length, 1, JSON.stringify(yaml.spec?.ephemeralContainers));
      const debugName = added[0]?.name ?? '';
      assert.equal(added[0]?.targetContainerName, 'app');
      assert.equal(added[0]?.image, IMAGE);
      const status = await waitFor(`${debugName}'s status`, async () => {
        const p = await getPod('anatomy-demo');
        const st = p.status?.ephemeralContainerStatuses?.find((s) => s.name === debugName);
        return st?.state?.terminated || st?.state?.running ? st : undefined;
      }, 30_000);
      assert.equal(status.image, IMAGE);
      // In the anatomy: type ephemeral, its target; while it ran it was in the app's pid namespace.
      const anatomy = await anatomyOf('anatomy-demo');
      const e = anatomy.containers.find((x) => x.name === debugName);
      assert.equal(e?.type, 'ephemeral', JSON.stringify(anatomy.containers.map((x) => [x.name, x.type])));
      assert.equal(e?.targetContainerName, 'app');
      assert.ok(anatomy.timeline.some((t) => t.type === 'ContainerStarted' && t.container === debugName && t.containerType === 'ephemeral'), JSON.stringify(anatomy.timeline));
      const text = await ok(['anatomy', 'pod', 'anatomy-demo'], { env: { COLUMNS: '200' } });
      assert.match(text, new RegExp(`^[├└]─ \\d\\. ${debugName}  ephemeral  `, 'm'), text);
      assert.match(text, /^[│ ] {4}target  app$/m, text);
    }));
  }

  it('a running ephemeral container with a target shares the app\'s pid namespace and the sandbox\'s net/ipc/uts', () => withDiagnostics(c, async () => {
    // `-i` without `-t` and a long command: the container stays up while the anatomy is read.
    await ok(['debug', 'anatomy-demo', `--image=${IMAGE}`, '--target=app', '-c', 'looker', '--', 'sleep', '600'], { timeoutMs: 60_000 });
    const anatomy = await waitFor('looker running in the anatomy', async () => {
      const a = await anatomyOf('anatomy-demo');
      return a.containers.find((x) => x.name === 'looker')?.state === 'running' ? a : undefined;
    }, 60_000);
    const app = anatomy.containers.find((x) => x.name === 'app');
    const looker = anatomy.containers.find((x) => x.name === 'looker');
    assert.equal(looker?.namespaces?.pid?.inode, app?.namespaces?.pid?.inode, 'the target\'s pid namespace');
    assert.equal(looker?.namespaces?.pid?.shared, 'container');
    assert.equal(looker?.namespaces?.pid?.container, 'app');
    for (const k of ['net', 'ipc', 'uts'] as const) assert.equal(looker?.namespaces?.[k]?.inode, anatomy.sandbox.namespaces?.[k]?.inode, k);
    assert.notEqual(looker?.namespaces?.mnt?.inode, app?.namespaces?.mnt?.inode, 'its own mount namespace');
    const text = await ok(['anatomy', 'pod', 'anatomy-demo'], { env: { COLUMNS: '200' } });
    assert.match(text, new RegExp(`^[│ ] {4}shares  pid of app:${app?.namespaces?.pid?.inode}$`, 'm'), text);
  }));

  it('kubectl debug node/NAME runs a pod in the node\'s namespaces on that node', () => withDiagnostics(c, async () => {
    const node = cluster().state.nodes[1]?.name ?? 'node-2';
    // hostPID: ps sees the node's containerd.
    await psOnTerminal(['debug', `node/${node}`, '-it', `--image=${IMAGE}`], /containerd/);
    const pods = (JSON.parse(await ok(['get', 'pods', '-o', 'json'])) as { items: Pod[] }).items.filter((p) => (p.metadata.name ?? '').startsWith(`node-debugger-${node}-`));
    assert.equal(pods.length, 1, pods.map((p) => p.metadata.name).join(' '));
    const p = pods[0];
    assert.equal(p?.spec?.nodeName, node);
    assert.equal(p?.spec?.hostPID, true);
    assert.equal(p?.spec?.hostNetwork, true);
    assert.equal(p?.spec?.hostIPC, true);
    assert.ok(p?.spec?.volumes?.some((v) => v.hostPath?.path === '/'), 'the node\'s root at /host');
    await ok(['delete', 'pod', p?.metadata.name ?? '', '--wait=false']);
  }));

  it('kubectl debug --copy-to runs a copy whose containers share one pid namespace', () => withDiagnostics(c, async () => {
    // The copy's debug container sees the app's httpd and the other containers' processes.
    const out = await psOnTerminal(['debug', 'anatomy-demo', '-it', '--copy-to=anatomy-copy', `--image=${IMAGE}`, '--share-processes'], /httpd -f -p 8080[\s\S]*sleep 3600|sleep 3600[\s\S]*httpd -f -p 8080/);
    assert.match(out, /httpd -f -p 8080/);
    const copy = await getPod('anatomy-copy');
    assert.equal(copy.spec?.shareProcessNamespace, true);
    assert.ok((copy.spec?.containers ?? []).length === 3, JSON.stringify(copy.spec?.containers?.map((x) => x.name)));
    assert.deepEqual(copy.spec?.ephemeralContainers ?? [], [], 'the copy has no ephemeral containers');
    const anatomy = await waitFor('the copy\'s app running', async () => {
      const a = await anatomyOf('anatomy-copy');
      return a.containers.find((x) => x.name === 'app')?.state === 'running' ? a : undefined;
    }, 60_000);
    assert.equal(anatomy.sandbox.shareProcessNamespace, true);
    assert.equal(anatomy.containers.find((x) => x.name === 'app')?.namespaces?.pid?.shared, 'sandbox', 'shareProcessNamespace: the sandbox\'s pid namespace');
    await ok(['delete', 'pod', 'anatomy-copy', '--wait=false']);
  }));

  it('without credentials the anatomy endpoint answers 401 on the agent and through the API server', () => withDiagnostics(c, async () => {
    const k = cluster();
    const pod = await getPod('anatomy-demo');
    const nodeName = pod.spec?.nodeName ?? '';
    const agent = await exec('curl', ['-sk', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '5', `https://${k.node(nodeName).ip}:10250/anatomy/default/anatomy-demo`]);
    assert.equal(agent.stdout, '401', `anonymous GET /anatomy on ${nodeName}'s agent`);
    const url = `${k.state.apiserverURL}/api/v1/nodes/${nodeName}/proxy/anatomy/default/anatomy-demo`;
    const badToken = await exec('curl', ['-sk', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '5', '-H', 'Authorization: Bearer not-a-token', url]);
    assert.equal(badToken.stdout, '401', 'an invalid credential through the API server\'s node proxy');
    // No credential at all: kubelab up allows anonymous requests only on health and version
    // (--authentication-config, anonymous conditions), so this is kube's 401 Status before any authorization.
    const noCredential = await exec('curl', ['-sk', '-w', '\n%{http_code}', '--max-time', '5', url]);
    const [body, status] = noCredential.stdout.split('\n');
    assert.equal(status, '401', noCredential.stdout);
    assert.deepEqual(JSON.parse(body ?? '{}'), { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
    // The plugin with a kubeconfig that has the server and its CA but no user: kubectl's words for the refusal.
    const anonymous = join(k.stateDir, 'anonymous.kubeconfig');
    writeFileSync(anonymous, [
      'apiVersion: v1', 'kind: Config', 'current-context: anon',
      'clusters:', `- name: c`, '  cluster:', `    server: ${k.state.apiserverURL}`, `    certificate-authority: ${join(k.stateDir, 'pki', 'ca.crt')}`,
      'users:', '- name: nobody', '  user: {}',
      'contexts:', '- name: anon', '  context: {cluster: c, user: nobody}', '',
    ].join('\n'));
    const plugin = await kubectl(['anatomy', 'pod', 'anatomy-demo'], { env: { KUBECONFIG: anonymous } });
    assert.equal(plugin.code, 1);
    assert.equal(plugin.stderr, 'error: You must be logged in to the server (Unauthorized)\n');
  }));
});
