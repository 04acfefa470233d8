/**
 * `kubectl logs` / `kubectl exec` / `kubectl attach` end to end: the real kubectl → the kubelab apiserver →
 * this node streaming server → a real containerd (integration tier, root).
 *
 * No node agent runs here: the test plays it. It creates a pod sandbox and busybox containers directly through
 * RemoteRuntime (`web`: containers `app` and `side`, where `side` was restarted once), writes the matching
 * objects through the API (a Node whose status.addresses/daemonEndpoints point at the streaming server, the
 * pods bound with pods/binding, their status with containerStatuses `containerd://<id>`), and the streaming
 * server's getPod reads the pod back from the API.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BUSYBOX_IMAGE, startContainerd, type ContainerdInstance } from '../../test/integration/framework/containerd.ts';
import { kubectlBinary, startKubectlEnv, withoutKlog, type Kubectl, type KubectlEnv } from '../../test/e2e/framework/kubectl.ts';
import { RemoteRuntime } from '../cri/remote/remote-runtime.ts';
import type { ContainerConfig, PodSandboxConfig } from '../cri/services.ts';
import type { NodeStreamingServer } from './node-streaming-server.ts';
import { startNodeOnApi } from './testing/node-on-api.ts';

const NS_OPTS = { network: 'POD', pid: 'CONTAINER', ipc: 'POD' } as const;
const APP_SCRIPT = [
  'echo one; echo two; echo three; echo oops >&2',
  // A line written later: the test drops it into /tmp/go (written aside, then renamed in).
  'while true; do if [ -f /tmp/go ]; then cat /tmp/go; rm /tmp/go; fi; sleep 0.1; done',
].join('; ');

let cd: ContainerdInstance;
let rt: RemoteRuntime;
let env: KubectlEnv;
let kubectl: Kubectl;
let srv: NodeStreamingServer;
let appId = '';
let side0 = '';
let side1 = '';

async function waitExited(id: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const st = await rt.containerStatus(id);
    if (st.status.state === 'CONTAINER_EXITED') return;
    if (Date.now() > deadline) throw new Error(`container ${id} did not exit`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function waitLogLines(id: string, n: number): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const st = await rt.containerStatus(id);
    const text = fs.existsSync(st.status.logPath) ? fs.readFileSync(st.status.logPath, 'utf8') : '';
    if (text.split('\n').filter(Boolean).length >= n) return;
    if (Date.now() > deadline) throw new Error(`container ${id} wrote only: ${text}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Makes the app container print `line` (the script picks /tmp/go up within 0.1 s). */
async function emitLater(line: string): Promise<void> {
  const r = await rt.execSync(appId, ['sh', '-c', `echo ${line} > /tmp/go.tmp && mv /tmp/go.tmp /tmp/go`], { timeoutSeconds: 10 });
  assert.equal(r.exitCode, 0, r.stderr.toString());
}

const running = (id: string) => ({ running: { startedAt: new Date().toISOString().replace(/\.\d+Z$/, 'Z') } });

before(async () => {
  cd = await startContainerd({ name: 'logs-exec' });
  rt = new RemoteRuntime({ endpoint: cd.endpoint });
  env = await startKubectlEnv({ minorVersion: 32 });
  kubectl = env.kubectl.ns('default');

  // The runtime side: one sandbox, `app` running, `side` restarted once (attempt 0 exited, attempt 1 runs).
  const uid = randomUUID();
  const logDirectory = path.join(cd.rootDir, 'pod-logs', `default_web_${uid}`);
  fs.mkdirSync(logDirectory, { recursive: true });
  const sandbox: PodSandboxConfig = {
    metadata: { name: 'web', uid, namespace: 'default', attempt: 0 },
    hostname: 'web',
    logDirectory,
    linux: { cgroupParent: `${cd.cgroupParent}/pod${uid}`, securityContext: { namespaceOptions: NS_OPTS } },
  };
  const sid = await rt.runPodSandbox(sandbox);
  const container = (name: string, attempt: number, script: string): ContainerConfig => ({
    metadata: { name, attempt },
    image: { image: BUSYBOX_IMAGE },
    command: ['sh', '-c', script],
    logPath: `${name}/${attempt}.log`,
    linux: { securityContext: { namespaceOptions: NS_OPTS } },
  });
  appId = await rt.createContainer(sid, container('app', 0, APP_SCRIPT), sandbox);
  await rt.startContainer(appId);
  side0 = await rt.createContainer(sid, container('side', 0, 'echo side-0'), sandbox);
  await rt.startContainer(side0);
  await waitExited(side0);
  side1 = await rt.createContainer(sid, container('side', 1, 'echo side-1; exec sleep 3600'), sandbox);
  await rt.startContainer(side1);
  await waitLogLines(appId, 4);
  await waitLogLines(side1, 1);

  // The node agent's streaming server; it sees pods as the API has them.
  srv = await startNodeOnApi(env.api, rt);

  // The API side: the pods, their binding and status.
  const image = BUSYBOX_IMAGE;
  await env.api.post('/api/v1/namespaces/default/pods', { metadata: { name: 'web' }, spec: { containers: [{ name: 'app', image }, { name: 'side', image }] } });
  await env.api.bindPod('default', 'web', 'n1');
  await env.api.setPodStatus('default', 'web', {
    phase: 'Running',
    containerStatuses: [
      { name: 'app', ready: true, started: true, restartCount: 0, image, imageID: '', containerID: `containerd://${appId}`, state: running(appId) },
      {
        name: 'side',
        ready: true,
        started: true,
        restartCount: 1,
        image,
        imageID: '',
        containerID: `containerd://${side1}`,
        state: running(side1),
        lastState: { terminated: { exitCode: 0, reason: 'Completed', containerID: `containerd://${side0}` } },
      },
    ],
  });
  await env.api.post('/api/v1/namespaces/default/pods', { metadata: { name: 'pending' }, spec: { containers: [{ name: 'app', image }] } });
  await env.api.bindPod('default', 'pending', 'n1');
  await env.api.setPodStatus('default', 'pending', {
    phase: 'Pending',
    containerStatuses: [{ name: 'app', ready: false, restartCount: 0, image, imageID: '', state: { waiting: { reason: 'ContainerCreating' } } }],
  });
  await env.api.post('/api/v1/namespaces/default/pods', { metadata: { name: 'unbound' }, spec: { containers: [{ name: 'app', image }] } });
});

after(async () => {
  await srv?.close();
  await env?.close();
  rt?.close();
  await cd?.stop();
});

const lines = (s: string) => s.split('\n').filter((l) => l !== '');

describe('kubectl logs', () => {
  test('prints the container log; a pod with several containers defaults to the first', async () => {
    const out = await kubectl.ok(['logs', 'web', '-c', 'app']);
    assert.deepEqual(lines(out).sort(), ['one', 'oops', 'three', 'two']);
    const r = await kubectl.run(['logs', 'web']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, out);
  });

  test('-c picks the container; --previous reads the last terminated instance', async () => {
    assert.equal(await kubectl.ok(['logs', 'web', '-c', 'side']), 'side-1\n');
    assert.equal(await kubectl.ok(['logs', 'web', '-c', 'side', '--previous']), 'side-0\n');
  });

  test('--tail, --timestamps, --limit-bytes, --since', async () => {
    const all = await kubectl.ok(['logs', 'web', '-c', 'app']);
    const tail = await kubectl.ok(['logs', 'web', '-c', 'app', '--tail=2']);
    assert.deepEqual(lines(tail), lines(all).slice(-2));
    const stamped = await kubectl.ok(['logs', 'web', '-c', 'app', '--timestamps']);
    const ls = lines(stamped);
    assert.equal(ls.length, 4);
    for (const l of ls) assert.match(l, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z (one|two|three|oops)$/);
    assert.deepEqual(ls.map((l) => l.split(' ')[1]), lines(all));
    assert.equal(await kubectl.ok(['logs', 'web', '-c', 'app', '--limit-bytes=5']), all.slice(0, 5));
    assert.equal(await kubectl.ok(['logs', 'web', '-c', 'app', '--since=1h']), all);
  });

  test('-f streams lines written later and ends when the container has exited', async () => {
    const p = kubectl.start(['--namespace', 'default', 'logs', '-f', 'web', '-c', 'app']);
    try {
      await p.waitForOutput((o) => o.includes('three'), 15_000, 'the first lines');
      await emitLater('later-1');
      await p.waitForOutput((o) => o.includes('later-1\n'), 15_000, 'a line written after the follow began');
    } finally {
      await p.stop();
    }
    // Following a terminated instance drains its file and ends by itself.
    const t0 = Date.now();
    const r = await kubectl.run(['logs', '-f', 'web', '-c', 'side', '--previous'], { timeoutMs: 15_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'side-0\n');
    assert.ok(Date.now() - t0 < 10_000);
  });

  test('a waiting container is a BadRequest with kubelet\'s message', async () => {
    const r = await kubectl.run(['logs', 'pending']);
    assert.equal(r.code, 1);
    assert.match(withoutKlog(r.stderr), /Error from server \(BadRequest\): container "app" in pod "pending" is waiting to start: ContainerCreating/);
  });

  test('the API validates like kube: container choice, unknown container, options, unbound pod', async () => {
    const base = '/api/v1/namespaces/default/pods';
    let r = await env.api.request('GET', `${base}/web/log`);
    assert.equal(r.status, 400);
    assert.equal(r.json.message, 'a container name must be specified for pod web, choose one of: [app side]');
    r = await env.api.request('GET', `${base}/web/log?container=nope`);
    assert.equal(r.status, 400);
    assert.equal(r.json.message, 'container nope is not valid for pod web');
    r = await env.api.request('GET', `${base}/web/log?container=app&tailLines=-1`);
    assert.equal(r.status, 422);
    assert.equal(r.json.reason, 'Invalid');
    assert.equal(r.json.details.kind, 'PodLogOptions');
    r = await env.api.request('GET', `${base}/nope/log`);
    assert.equal(r.status, 404);
    // kube: a pod not yet bound has no logs (LogLocation gives no location): 200 and nothing.
    r = await env.api.request('GET', `${base}/unbound/log`);
    assert.equal(r.status, 200);
    assert.equal(r.text, '');
    r = await env.api.request('GET', `${base}/web/log?container=app&tailLines=1&timestamps=true`);
    assert.equal(r.status, 200);
    assert.match(r.text, /^\S+Z \S+\n$/);
  });

  test('@kubernetes/client-node readNamespacedPodLog', async () => {
    const { KubeConfig, CoreV1Api } = await import('@kubernetes/client-node');
    const kc = new KubeConfig();
    kc.loadFromFile(env.server.kubeconfig);
    const api = kc.makeApiClient(CoreV1Api);
    const all = await kubectl.ok(['logs', 'web', '-c', 'app']);
    const got = await api.readNamespacedPodLog({ name: 'web', namespace: 'default', container: 'app', tailLines: 2 });
    assert.equal(got, lines(all).slice(-2).join('\n') + '\n');
    const prev = await api.readNamespacedPodLog({ name: 'web', namespace: 'default', container: 'side', previous: true });
    assert.equal(prev, 'side-0\n');
  });
});

describe('kubectl exec', () => {
  test('echo hi: stdout and rc 0, with every kubectl 1.29 (SPDY) .. 1.33 (WebSocket v5)', async () => {
    for (const minor of [29, 30, 31, 32, 33]) {
      const k = kubectl.withBinary(kubectlBinary(minor), path.join(env.dir, `.cache-${minor}`)).ns('default');
      const r = await k.run(['-v=4', 'exec', 'web', '-c', 'app', '--', 'echo', 'hi']);
      assert.equal(r.code, 0, `kubectl 1.${minor}: ${r.stderr}`);
      assert.equal(r.stdout, 'hi\n', `kubectl 1.${minor}`);
      // 1.30+ must not fall back to SPDY (client-go logs the WebSocket failure at -v=4).
      if (minor >= 30) assert.doesNotMatch(r.stderr, /RemoteCommand fallback/, `kubectl 1.${minor}`);
    }
  });

  test('a non-zero exit: rc = exit code, "command terminated with exit code 3"', async () => {
    for (const minor of [29, 32]) {
      const k = kubectl.withBinary(kubectlBinary(minor), path.join(env.dir, `.cache-${minor}`)).ns('default');
      const r = await k.run(['exec', 'web', '-c', 'app', '--', 'sh', '-c', 'echo to-stderr >&2; exit 3']);
      assert.equal(r.code, 3, `kubectl 1.${minor}: ${r.stderr}`);
      assert.match(r.stderr, /command terminated with exit code 3/);
      assert.match(r.stderr, /to-stderr/);
    }
  });

  test('-i: piped stdin reaches the command and its EOF ends it', async () => {
    for (const minor of [29, 32]) {
      const k = kubectl.withBinary(kubectlBinary(minor), path.join(env.dir, `.cache-${minor}`)).ns('default');
      const r = await k.run(['exec', '-i', 'web', '-c', 'app', '--', 'cat'], { stdin: 'abc\ndef\n', timeoutMs: 20_000 });
      assert.equal(r.code, 0, `kubectl 1.${minor}: ${r.stderr}`);
      assert.equal(r.stdout, 'abc\ndef\n');
    }
  });

  test('bulk binary data both ways: 5 MiB of stdout; kubectl cp there and back', async () => {
    for (const minor of [29, 32]) {
      const k = kubectl.withBinary(kubectlBinary(minor), path.join(env.dir, `.cache-${minor}`)).ns('default');
      const big = await new Promise<Buffer>((resolve, reject) => {
        const child = spawn(k.binary, k.argv(['exec', 'web', '-c', 'app', '--', 'dd', 'if=/dev/zero', 'bs=65536', 'count=80']), { stdio: ['ignore', 'pipe', 'pipe'] });
        const chunks: Buffer[] = [];
        child.stdout.on('data', (c: Buffer) => chunks.push(c));
        child.on('error', reject);
        child.on('close', (code) => (code === 0 ? resolve(Buffer.concat(chunks)) : reject(new Error(`kubectl 1.${minor} exec dd exited ${code}`))));
      });
      assert.equal(big.length, 5 * 1024 * 1024, `kubectl 1.${minor}`);
      assert.ok(big.every((b) => b === 0));
    }
    const src = path.join(env.dir, 'payload.bin');
    const payload = Buffer.alloc(300_000);
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 7919) % 251;
    fs.writeFileSync(src, payload);
    await kubectl.ok(['cp', src, 'web:/tmp/payload.bin', '-c', 'app'], { timeoutMs: 30_000 });
    const back = path.join(env.dir, 'payload.back');
    await kubectl.ok(['cp', 'web:/tmp/payload.bin', back, '-c', 'app'], { timeoutMs: 30_000 });
    assert.ok(fs.readFileSync(back).equals(payload));
  });

  test('-it under a pty: a shell echoes input and its exit code comes back', async () => {
    const cmd = [kubectl.binary, ...kubectl.argv(['exec', '-it', 'web', '-c', 'app', '--', 'sh'])].map((a) => `'${a}'`).join(' ');
    const r = await new Promise<{ code: number; out: string }>((resolve, reject) => {
      const child = spawn('script', ['-qec', cmd, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.stderr.on('data', (c: Buffer) => (out += c.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code: code ?? -1, out });
      });
      // Type once the remote shell is up (its prompt), then leave with 7.
      let typed = false;
      child.stdout.on('data', () => {
        if (!typed && out.includes('# ')) {
          typed = true;
          child.stdin.write('echo $((6*7))\r');
          setTimeout(() => child.stdin.write('exit 7\r'), 300);
        }
      });
    });
    assert.match(r.out, /42/, r.out);
    assert.equal(r.code, 7, r.out);
  });

  test('errors: unknown container, pod not bound', async () => {
    // Refused before the WebSocket handshake; kubectl then retries with SPDY, refused the same way (this also
    // shows that the "RemoteCommand fallback" check of the version test detects a fallback).
    let r = await kubectl.run(['-v=4', 'exec', 'web', '-c', 'nope', '--', 'ls']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /RemoteCommand fallback/);
    assert.match(withoutKlog(r.stderr), /Error from server \(BadRequest\): container nope is not valid for pod web/);
    r = await kubectl.run(['exec', 'unbound', '--', 'ls']);
    assert.notEqual(r.code, 0);
    assert.match(withoutKlog(r.stderr), /pod unbound does not have a host assigned/);
  });
});

describe('kubectl attach', () => {
  test('streams the main process output', async () => {
    const p = kubectl.start(['--namespace', 'default', 'attach', 'web', '-c', 'app']);
    try {
      // Output from before the attach is not replayed; a new line arrives.
      await new Promise((r) => setTimeout(r, 1000));
      await emitLater('attached-1');
      await p.waitForOutput((o) => o.includes('attached-1'), 15_000, 'output written after attaching');
    } finally {
      await p.stop();
    }
  });
});
