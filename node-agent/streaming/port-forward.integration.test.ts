/**
 * `kubectl port-forward` end to end: the real kubectl (1.29 over SPDY, 1.33 over SPDY tunnelled in a
 * WebSocket) and @kubernetes/client-node (WebSocket v4) → the kubelab apiserver → this node streaming server's
 * /portForward → a real containerd's stream server → busybox httpd inside the pod's network namespace.
 *
 * As in logs-exec.integration.test.ts the test plays the node agent: it runs the sandbox (labelled with the
 * pod's uid, as the agent labels it) and the container through RemoteRuntime and writes the API objects (a Node
 * pointing at the streaming server, the pod bound and Running with its IP). The pod serves /www: index.html and
 * a 50 MB random file whose sha256 it computed itself.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import { BUSYBOX_IMAGE, startContainerd, type ContainerdInstance } from '../../test/integration/framework/containerd.ts';
import { kubectlBinary, startKubectlEnv, withoutKlog, type Kubectl, type KubectlEnv, type KubectlProcess } from '../../test/e2e/framework/kubectl.ts';
import type { Pod } from '../../shared/api/core-v1.ts';
import { RemoteRuntime } from '../cri/remote/remote-runtime.ts';
import type { ContainerConfig, PodSandboxConfig } from '../cri/services.ts';
import { LABEL_POD_UID } from '../kuberuntime/labels.ts';
import type { NodeStreamingServer } from './node-streaming-server.ts';
import { startNodeOnApi } from './testing/node-on-api.ts';
import { PortForwardClient, readToEnd } from '../../shared/streaming/port-forward-client.ts';

const NS_OPTS = { network: 'POD', pid: 'CONTAINER', ipc: 'POD' } as const;
const BIG_MB = 50;
const APP_SCRIPT = [
  'mkdir -p /www',
  'echo hello-portforward > /www/index.html',
  `dd if=/dev/urandom of=/www/big bs=1048576 count=${BIG_MB} 2>/dev/null`,
  // Written aside and renamed in: the file is complete whenever it exists.
  'sha256sum /www/big > /tmp/sum',
  "cut -d' ' -f1 /tmp/sum > /tmp/big.sha",
  'mv /tmp/big.sha /www/big.sha',
  'exec httpd -f -p 80 -h /www',
].join(' && ');

let cd: ContainerdInstance;
let rt: RemoteRuntime;
let env: KubectlEnv;
let kubectl: Kubectl;
let srv: NodeStreamingServer;
let bigSha = '';
let sandboxId = '';

/** GET http://127.0.0.1:port/path: status, body length and sha256 of the body. */
function fetchLocal(port: number, p: string): Promise<{ status: number; body: Buffer; sha: string; length: number }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: p, agent: false }, (res) => {
      const hash = createHash('sha256');
      const small: Buffer[] = [];
      let length = 0;
      res.on('data', (c: Buffer) => {
        hash.update(c);
        length += c.length;
        if (length <= 4096) small.push(c);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(small), sha: hash.digest('hex'), length }));
      res.on('error', reject);
    });
    req.setTimeout(120_000, () => req.destroy(new Error(`GET ${p} through port ${port} timed out`)));
    req.on('error', reject);
  });
}

/** Starts `kubectl port-forward <target> :<remote>` and resolves with it and the local port it printed. */
async function portForward(k: Kubectl, target: string, remote: number, extra: string[] = []): Promise<{ p: KubectlProcess; port: number }> {
  const p = k.start(['--namespace', 'default', ...extra, 'port-forward', target, `:${remote}`]);
  await p.waitForOutput((o) => /Forwarding from 127\.0\.0\.1:\d+ -> \d+/.test(o), 20_000, 'the Forwarding line');
  const m = /Forwarding from 127\.0\.0\.1:(\d+) -> (\d+)/.exec(p.stdout);
  return { p, port: Number(m?.[1]) };
}

/** `p`, or a rejection naming `what` after `ms`. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

const binaryFor = (minor: number) => kubectl.withBinary(kubectlBinary(minor), path.join(env.dir, `.cache-${minor}`)).ns('default');

before(async () => {
  cd = await startContainerd({ name: 'portforward' });
  rt = new RemoteRuntime({ endpoint: cd.endpoint });
  env = await startKubectlEnv({ minorVersion: 33 });
  kubectl = env.kubectl.ns('default');

  const image = BUSYBOX_IMAGE;
  const created = (await env.api.post('/api/v1/namespaces/default/pods', {
    metadata: { name: 'web', labels: { app: 'web' } },
    spec: { containers: [{ name: 'app', image, ports: [{ name: 'http', containerPort: 80 }] }] },
  })) as Pod;
  const uid = created.metadata.uid ?? '';
  const logDirectory = path.join(cd.rootDir, 'pod-logs', `default_web_${uid}`);
  fs.mkdirSync(logDirectory, { recursive: true });
  const sandbox: PodSandboxConfig = {
    metadata: { name: 'web', uid, namespace: 'default', attempt: 0 },
    hostname: 'web',
    logDirectory,
    labels: { [LABEL_POD_UID]: uid },
    linux: { cgroupParent: `${cd.cgroupParent}/pod${uid}`, securityContext: { namespaceOptions: NS_OPTS } },
  };
  sandboxId = await rt.runPodSandbox(sandbox);
  const config: ContainerConfig = {
    metadata: { name: 'app', attempt: 0 },
    image: { image },
    command: ['sh', '-c', APP_SCRIPT],
    logPath: 'app/0.log',
    linux: { securityContext: { namespaceOptions: NS_OPTS } },
  };
  const appId = await rt.createContainer(sandboxId, config, sandbox);
  await rt.startContainer(appId);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const r = await rt.execSync(appId, ['sh', '-c', 'cat /www/big.sha && wget -qO- http://127.0.0.1:80/index.html'], { timeoutSeconds: 10 });
    const first = r.stdout.toString().split('\n')[0]?.trim() ?? '';
    if (r.exitCode === 0 && /^[0-9a-f]{64}$/.test(first) && r.stdout.toString().includes('hello-portforward')) {
      bigSha = first;
      break;
    }
    if (Date.now() > deadline) throw new Error(`httpd did not come up: ${r.stdout.toString()} ${r.stderr.toString()}`);
    await new Promise((res) => setTimeout(res, 200));
  }
  const podIP = (await rt.podSandboxStatus(sandboxId)).status.network?.ip ?? '';

  srv = await startNodeOnApi(env.api, rt);
  await env.api.bindPod('default', 'web', 'n1');
  const startedAt = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  await env.api.setPodStatus('default', 'web', {
    phase: 'Running',
    podIP,
    podIPs: podIP ? [{ ip: podIP }] : [],
    conditions: [{ type: 'Ready', status: 'True' }],
    containerStatuses: [{ name: 'app', ready: true, started: true, restartCount: 0, image, imageID: '', containerID: `containerd://${appId}`, state: { running: { startedAt } } }],
  });
  await env.api.post('/api/v1/namespaces/default/pods', { metadata: { name: 'unbound' }, spec: { containers: [{ name: 'app', image }] } });
});

after(async () => {
  await srv?.close();
  await env?.close();
  rt?.close();
  await cd?.stop();
});

describe('kubectl port-forward', () => {
  for (const minor of [29, 33]) {
    test(`kubectl 1.${minor} pod/web: an HTTP request, the ${BIG_MB} MB file intact, two connections at once`, async () => {
      const k = binaryFor(minor);
      const { p, port } = await portForward(k, 'pod/web', 80, ['-v=4']);
      try {
        const small = await fetchLocal(port, '/index.html');
        assert.equal(small.status, 200);
        assert.equal(small.body.toString(), 'hello-portforward\n');
        const [a, b] = await Promise.all([fetchLocal(port, '/big'), fetchLocal(port, '/index.html')]);
        assert.equal(a.status, 200);
        assert.equal(a.length, BIG_MB * 1024 * 1024);
        assert.equal(a.sha, bigSha, `kubectl 1.${minor}: the ${BIG_MB} MB transfer arrived altered`);
        assert.equal(b.body.toString(), 'hello-portforward\n');
      } finally {
        const r = await p.stop();
        // 1.30+ tunnels SPDY through a WebSocket and must not have fallen back to plain SPDY.
        if (minor >= 30) assert.doesNotMatch(r.stderr, /fallback/i, r.stderr);
      }
    });
  }

  test('svc/web and deploy/web resolve to the pod (kubectl 1.29 and 1.33)', async () => {
    await env.api.post('/api/v1/namespaces/default/services', {
      metadata: { name: 'web' },
      spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 8080, targetPort: 80 }] },
    });
    await env.api.post('/apis/apps/v1/namespaces/default/deployments', {
      metadata: { name: 'web' },
      spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: BUSYBOX_IMAGE }] } } },
    });
    for (const minor of [29, 33]) {
      for (const [target, remote] of [['svc/web', 8080], ['deploy/web', 80]] as const) {
        const { p, port } = await portForward(binaryFor(minor), target, remote);
        try {
          assert.match(p.stdout, / -> 80\n/, `kubectl 1.${minor} ${target} maps to the container port`);
          const r = await fetchLocal(port, '/index.html');
          assert.equal(r.body.toString(), 'hello-portforward\n', `kubectl 1.${minor} ${target}`);
        } finally {
          await p.stop();
        }
      }
    }
  });

  test('a closed port inside the pod: the error names the port and the pod', async () => {
    for (const minor of [29, 33]) {
      const { p, port } = await portForward(binaryFor(minor), 'pod/web', 81);
      try {
        const r = await fetchLocal(port, '/').catch((e: Error) => e);
        assert.ok(r instanceof Error, `kubectl 1.${minor}: a request to a closed port must fail`);
        await p.waitForOutput(() => /error forwarding port 81 to pod/.test(p.stderr), 10_000, 'the forwarding error').catch(() => undefined);
        assert.match(p.stderr, /error forwarding port 81 to pod [0-9a-f]+, uid : .*connect: connection refused/, `kubectl 1.${minor}: ${p.stderr}`);
      } finally {
        await p.stop();
      }
    }
  });

  test('errors before the upgrade: unknown pod, unbound pod, no upgrade', async () => {
    let r = await kubectl.run(['port-forward', 'pod/nope', ':80']);
    assert.notEqual(r.code, 0);
    assert.match(withoutKlog(r.stderr), /pods "nope" not found/);
    const base = '/api/v1/namespaces/default/pods';
    let a = await env.api.request('POST', `${base}/unbound/portforward`);
    assert.equal(a.status, 400);
    assert.equal(a.json.message, 'pod unbound does not have a host assigned');
    a = await env.api.request('POST', `${base}/web/portforward`);
    assert.equal(a.status, 400);
    assert.equal(a.json.message, 'Upgrade request required');
    a = await env.api.request('GET', `${base}/nope/portforward`);
    assert.equal(a.status, 404);
    void r;
    r = await kubectl.run(['port-forward', 'pod/unbound', ':80']);
    assert.notEqual(r.code, 0);
  });
});

describe('the SPDY session', () => {
  test('survives a refused connection: the error stream carries upstream\'s text, the next pair works', async () => {
    const c = await PortForwardClient.dial(`${env.server.url}/api/v1/namespaces/default/pods/web/portforward`);
    try {
      const bad = c.forward(81);
      const badData = readToEnd(bad.data);
      const text = await within(bad.errorText, 15_000, 'the error stream of port 81');
      assert.match(text, new RegExp(`^error forwarding port 81 to pod ${sandboxId}, uid : .*connection refused`));
      await within(badData, 15_000, 'the end of the data stream of port 81');
      assert.equal(c.session.closed, false);
      // Two more forwarded connections on the same session, at once.
      const one = c.forward(80);
      const two = c.forward(80);
      one.data.write(Buffer.from('GET /index.html HTTP/1.0\r\n\r\n'));
      two.data.write(Buffer.from('GET /big.sha HTTP/1.0\r\n\r\n'));
      const [b1, b2] = await within(Promise.all([readToEnd(one.data), readToEnd(two.data)]), 15_000, 'two responses');
      assert.match(b1.toString(), /^HTTP\/1\.[01] 200[\s\S]*\r\n\r\nhello-portforward\n$/);
      assert.match(b2.toString(), new RegExp(`\r\n\r\n${bigSha}\n$`));
      assert.equal(await within(one.errorText, 15_000, 'the error stream of a good pair'), '');
    } finally {
      c.close();
    }
  });
});

describe('@kubernetes/client-node PortForward (WebSocket v4)', () => {
  test('carries an HTTP request and the large file', async () => {
    const { KubeConfig, PortForward } = await import('@kubernetes/client-node');
    const kc = new KubeConfig();
    kc.loadFromFile(env.server.kubeconfig);
    const pf = new PortForward(kc);
    const server = net.createServer((socket) => {
      void pf.portForward('default', 'web', [80], socket, null, socket).catch(() => socket.destroy());
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const small = await fetchLocal(port, '/index.html');
      assert.equal(small.body.toString(), 'hello-portforward\n');
      const big = await fetchLocal(port, '/big');
      assert.equal(big.length, BIG_MB * 1024 * 1024);
      assert.equal(big.sha, bigSha);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
