/**
 * pods/proxy, services/proxy and nodes/proxy on a real (in-process, TLS, RBAC) API server, with a real HTTP
 * + WebSocket backend on 127.0.0.1 standing in for the pod (status.podIP 127.0.0.1: the registry's
 * test-only `proxyAllowsLoopback`), the node agent (Node InternalIP 127.0.0.1) and the service's endpoint
 * (Endpoints served through the registry's `serviceProxyEndpoints` stub: Endpoints validation refuses
 * loopback addresses, as kube's does). Also `kubectl proxy --port=0` with kubectl 1.29 and 1.33.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import type { Endpoints } from '../../../shared/api/core-v1.ts';
import { newNotFound } from '../../../shared/errors/status-error.ts';
import { startSecuredTestServer, type SecuredTestServer } from '../../../test/integration/framework/secured-test-server.ts';
import { kubectlBinary } from '../../../test/e2e/framework/kubectl.ts';
import { EKU, createTestCA, createTestLeaf } from '../../../test/integration/framework/test-certificates.ts';

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  bodySha: string;
  bodyLength: number;
}

const POD = '/api/v1/namespaces/default/pods';
const SVC = '/api/v1/namespaces/default/services';

let server: SecuredTestServer;
let backend: http.Server;
let backendPort = 0;
let tlsBackend: https.Server;
let tlsPort = 0;
const BIG = randomBytes(12 << 20);
let closedPort = 0;
const seen: Seen[] = [];
const endpoints = new Map<string, Endpoints>();
const ADMIN = 'tok-admin';
const VIEWER = 'tok-viewer';

function startBackend(): Promise<void> {
  backend = http.createServer((req, res) => {
    const h = createHash('sha256');
    let n = 0;
    req.on('data', (c: Buffer) => {
      h.update(c);
      n += c.length;
    });
    req.on('end', () => {
      const s: Seen = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, bodySha: h.digest('hex'), bodyLength: n };
      seen.push(s);
      if (req.url === '/redirect') {
        res.writeHead(302, { Location: '/login?next=%2F' });
        res.end();
        return;
      }
      if (req.url === '/big') {
        res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
        let off = 0;
        const pump = () => {
          while (off < BIG.length) {
            const chunk = BIG.subarray(off, off + (256 << 10));
            off += chunk.length;
            if (!res.write(chunk)) return void res.once('drain', pump);
          }
          res.end();
        };
        pump();
        return;
      }
      if (req.url === '/page') {
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Access-Control-Allow-Origin': '*' });
        res.end('<html><body><a href="/docs/">docs</a><img src="logo.png"></body></html>');
        return;
      }
      res.writeHead(201, { 'Content-Type': 'application/json', 'X-Backend': 'yes', Connection: 'close, X-Hop', 'X-Hop': 'drop-me' });
      res.end(JSON.stringify(s));
    });
  });
  const wss = new WebSocketServer({ server: backend });
  wss.on('connection', (ws, req) => {
    ws.on('message', (m) => ws.send(`${req.url} ${String(m).toUpperCase()}`));
  });
  return new Promise((resolve) => backend.listen(0, '127.0.0.1', () => resolve()));
}

async function freePort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const p = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return p;
}

async function must(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<unknown> {
  const r = await server.call(method, path, { token: ADMIN, body, headers: { 'content-type': contentType } });
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${r.body}`);
  return JSON.parse(r.body);
}

/** One request through the API server with full control of method, headers and body. */
function call(method: string, path: string, o: { token?: string; body?: Buffer | string; headers?: Record<string, string> } = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, server.url);
    const headers: Record<string, string> = { ...(o.headers ?? {}) };
    if (o.token) headers['authorization'] = `Bearer ${o.token}`;
    if (o.body !== undefined) headers['content-length'] = String(Buffer.byteLength(o.body));
    const req = https.request(url, { method, headers, ca: server.ca.certPem, agent: false, timeout: 20_000 }, (res: http.IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(o.body);
  });
}


before(async () => {
  await startBackend();
  backendPort = (backend.address() as AddressInfo).port;
  closedPort = await freePort();
  server = await startSecuredTestServer({ tokens: { [ADMIN]: { user: 'alice', groups: ['system:masters'] }, [VIEWER]: { user: 'bob' } } });
  server.registry.proxyAllowsLoopback = true;
  server.registry.serviceProxyEndpoints = {
    async get(ns, name) {
      const e = endpoints.get(`${ns ?? ''}/${name}`);
      if (e) return e;
      // Anything else from the real Endpoints store (served by the API server).
      const real = server.registry.stores.get('endpoints');
      if (!real) throw newNotFound('endpoints', name);
      return real.get(ns, name);
    },
  };
  // No controllers run here: the ServiceAccount admission plugin needs the namespace's default account.
  await must('POST', '/api/v1/namespaces/default/serviceaccounts', { metadata: { name: 'default' } });
  const mkPod = async (name: string, port: number) => {
    await must('POST', '/api/v1/namespaces/default/pods', { metadata: { name, labels: { app: name } }, spec: { containers: [{ name: 'app', image: 'busybox', ports: [{ name: 'web', containerPort: port }] }] } });
    await must('PATCH', `/api/v1/namespaces/default/pods/${name}/status`, { status: { phase: 'Running', podIP: '127.0.0.1', podIPs: [{ ip: '127.0.0.1' }] } }, 'application/merge-patch+json');
  };
  await mkPod('web-0', backendPort);
  await mkPod('dead', closedPort);
  await must('POST', '/api/v1/namespaces/default/pods', { metadata: { name: 'pending' }, spec: { containers: [{ name: 'app', image: 'busybox' }] } });
  for (const name of ['web', 'empty']) {
    await must('POST', '/api/v1/namespaces/default/services', { metadata: { name }, spec: { selector: { app: name }, ports: [{ name: 'http', port: 80, targetPort: backendPort }] } });
  }
  endpoints.set('default/web', {
    metadata: { namespace: 'default', name: 'web' },
    subsets: [{ addresses: [{ ip: '127.0.0.1', targetRef: { kind: 'Pod', namespace: 'default', name: 'web-0' } }], ports: [{ name: 'http', port: backendPort }] }],
  });
  endpoints.set('default/empty', { metadata: { namespace: 'default', name: 'empty' } });
  // Real Endpoints objects, read through the Endpoints store: one without subsets, one whose address's pod
  // does not have that IP (skipped as upstream's isValidAddress does).
  await must('POST', SVC, { metadata: { name: 'real' }, spec: { selector: { app: 'real' }, ports: [{ name: 'http', port: 80 }] } });
  await must('POST', '/api/v1/namespaces/default/endpoints', { metadata: { name: 'real' } });
  await must('POST', SVC, { metadata: { name: 'stale' }, spec: { selector: { app: 'stale' }, ports: [{ name: 'http', port: 80 }] } });
  await must('POST', '/api/v1/namespaces/default/endpoints', {
    metadata: { name: 'stale' },
    subsets: [{ addresses: [{ ip: '10.213.250.9', targetRef: { kind: 'Pod', namespace: 'default', name: 'web-0' } }], ports: [{ name: 'http', port: 80 }] }],
  });
  // An https "pod" with a certificate nobody verifies (kube's proxy transport skips verification).
  const ca = await createTestCA('CN=pod-ca');
  const leaf = await createTestLeaf(ca, { subject: 'CN=tls-0', usages: [EKU.serverAuth], dns: ['tls-0'] });
  tlsBackend = https.createServer({ cert: leaf.certPem, key: leaf.keyPem }, (req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.end(`tls ${req.method} ${req.url}`);
  });
  await new Promise<void>((r) => tlsBackend.listen(0, '127.0.0.1', () => r()));
  tlsPort = (tlsBackend.address() as AddressInfo).port;
  await mkPod('tls-0', tlsPort);
  await must('POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } });
  await must('PATCH', '/api/v1/nodes/n1/status', { status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: backendPort } } } }, 'application/merge-patch+json');
});

after(async () => {
  await server?.close();
  await new Promise<void>((r) => (backend ? backend.close(() => r()) : r()));
  await new Promise<void>((r) => (tlsBackend ? tlsBackend.close(() => r()) : r()));
});


test('pods/proxy GET: path and query passed through, credentials stripped, X-Forwarded-*, hop-by-hop dropped', async () => {
  const r = await call('GET', `${POD}/web-0:${backendPort}/proxy/healthz/a%20b?x=1&y=a%20b&watch=true`, { token: ADMIN, headers: { 'X-Forwarded-For': '192.0.2.1' } });
  assert.equal(r.status, 201, r.body);
  assert.equal(r.headers['x-backend'], 'yes');
  assert.equal(r.headers['x-hop'], undefined);
  const s = JSON.parse(r.body) as Seen;
  assert.equal(s.method, 'GET');
  assert.equal(s.url, '/healthz/a%20b?x=1&y=a%20b&watch=true');
  assert.equal(s.headers.authorization, undefined, 'the bearer token must not reach the backend');
  assert.equal(s.headers['x-forwarded-for'], '192.0.2.1, 127.0.0.1');
  assert.equal(s.headers['x-forwarded-uri'], `${POD}/web-0:${backendPort}/proxy/healthz/a b`);
});

test('every method, with request bodies streamed intact', async () => {
  const body = randomBytes(3 << 20);
  const sha = createHash('sha256').update(body).digest('hex');
  for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
    const r = await call(method, `${POD}/web-0:web/proxy/upload`, { token: ADMIN, body, headers: { 'content-type': 'application/octet-stream' } });
    assert.equal(r.status, 201, `${method}: ${r.body}`);
    const s = JSON.parse(r.body) as Seen;
    assert.deepEqual([s.method, s.url, s.bodyLength, s.bodySha], [method, '/upload', body.length, sha]);
  }
  // A chunked body (no Content-Length) streams too.
  const chunked = await new Promise<Seen>((resolve, reject) => {
    const req = https.request(new URL(`${POD}/web-0:web/proxy/chunked`, server.url), { method: 'POST', ca: server.ca.certPem, agent: false, headers: { authorization: `Bearer ${ADMIN}` } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Seen));
    });
    req.on('error', reject);
    req.write(body.subarray(0, 1000));
    setTimeout(() => req.end(body.subarray(1000)), 50);
  });
  assert.deepEqual([chunked.bodyLength, chunked.bodySha], [body.length, sha]);
  const head = await call('HEAD', `${POD}/web-0:web/proxy/h`, { token: ADMIN });
  assert.equal(head.status, 201);
  assert.equal(seen.at(-1)?.method, 'HEAD');
  const options = await call('OPTIONS', `${POD}/web-0:web/proxy/o`, { token: ADMIN });
  assert.equal(options.status, 201);
  assert.equal(seen.at(-1)?.method, 'OPTIONS');
});

test('services/proxy: by port name and number, redirect of the bare path, link and Location rewriting', async () => {
  const byName = await call('GET', `${SVC}/web:http/proxy/`, { token: ADMIN });
  assert.equal(byName.status, 201, byName.body);
  assert.equal((JSON.parse(byName.body) as Seen).url, '/');
  const byNumber = await call('GET', `${SVC}/web:80/proxy/x?q=1`, { token: ADMIN });
  assert.equal((JSON.parse(byNumber.body) as Seen).url, '/x?q=1');
  const bare = await call('GET', `${SVC}/web:http/proxy?a=b`, { token: ADMIN });
  assert.equal(bare.status, 301);
  assert.equal(bare.headers.location, `${SVC}/web:http/proxy/?a=b`);
  const redirect = await call('GET', `${SVC}/web:http/proxy/redirect`, { token: ADMIN });
  assert.equal(redirect.status, 302);
  assert.equal(redirect.headers.location, `${SVC}/web:http/proxy/login?next=%2F`);
  const page = await call('GET', `${SVC}/web:http/proxy/page`, { token: ADMIN });
  assert.equal(page.body, `<html><body><a href="${SVC}/web:http/proxy/docs/">docs</a><img src="logo.png"></body></html>`);
  assert.equal(page.headers['access-control-allow-origin'], undefined, 'CORS headers of the backend are removed');
  assert.equal(page.headers['content-length'], String(Buffer.byteLength(page.body)));
});

test('errors as Status: no endpoints, unreachable, no address, unknown service port, deprecated prefix', async () => {
  const status = async (path: string, code: number, message: string) => {
    const r = await call('GET', path, { token: ADMIN });
    assert.equal(r.status, code, r.body);
    const s = JSON.parse(r.body) as { kind: string; message: string; code: number };
    assert.equal(s.kind, 'Status');
    assert.equal(s.message, message);
  };
  await status(`${SVC}/empty:http/proxy/`, 503, 'no endpoints available for service "empty"');
  await status(`${SVC}/web:8080/proxy/`, 503, 'no service port 8080 found for service "web"');
  // With a port number the Service is read first; without, only its Endpoints (as upstream).
  await status(`${SVC}/nope:80/proxy/`, 404, 'services "nope" not found');
  await status(`${SVC}/nope/proxy/`, 404, 'endpoints "nope" not found');
  await status(`${POD}/dead/proxy/`, 503, `error trying to reach service: dial tcp 127.0.0.1:${closedPort}: connect: connection refused`);
  await status(`${POD}/pending/proxy/`, 400, 'address not allowed');
  await status(`${POD}/a:b:c:d/proxy/`, 400, 'invalid pod request "a:b:c:d"');
  await status(`/api/v1/proxy/namespaces/default/pods/web-0/`, 404, 'the server could not find the requested resource');
  await status(`${SVC}/real:http/proxy/`, 503, 'no endpoints available for service "real"');
  await status(`${SVC}/stale:http/proxy/`, 503, 'no endpoints available for service "stale:http"');
});

test('RBAC: a user without services/proxy is refused before anything is proxied', async () => {
  const before = seen.length;
  const r = await call('GET', `${SVC}/web:http/proxy/`, { token: VIEWER });
  assert.equal(r.status, 403, r.body);
  assert.match((JSON.parse(r.body) as { message: string }).message, /User "bob" cannot get resource "services\/proxy" in API group "" in the namespace "default"/);
  const post = await call('POST', `${POD}/web-0:web/proxy/x`, { token: VIEWER, body: 'x' });
  assert.equal(post.status, 403);
  assert.match((JSON.parse(post.body) as { message: string }).message, /cannot create resource "pods\/proxy"/);
  assert.equal(seen.length, before);
});

test('a WebSocket upgrade through pods/proxy is relayed both ways', async () => {
  const url = `${server.url.replace('https:', 'wss:')}${POD}/web-0:${backendPort}/proxy/ws?x=1`;
  const ws = new WebSocket(url, { ca: server.ca.certPem, headers: { authorization: `Bearer ${ADMIN}` } });
  const reply = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('no WebSocket reply')), 10_000);
    ws.on('open', () => ws.send('hello'));
    ws.on('message', (m) => {
      clearTimeout(t);
      resolve(String(m));
    });
    ws.on('error', reject);
  });
  ws.close();
  assert.equal(reply, '/ws?x=1 HELLO');
  const viaService = new WebSocket(`${server.url.replace('https:', 'wss:')}${SVC}/web:http/proxy/svc-ws`, { ca: server.ca.certPem, headers: { authorization: `Bearer ${ADMIN}` } });
  const svcReply = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('no WebSocket reply through the service')), 10_000);
    viaService.on('open', () => viaService.send('hi'));
    viaService.on('message', (m) => {
      clearTimeout(t);
      resolve(String(m));
    });
    viaService.on('error', reject);
  });
  viaService.close();
  assert.equal(svcReply, '/svc-ws HI');
  // The denied user cannot upgrade either.
  const denied = new WebSocket(url, { ca: server.ca.certPem, headers: { authorization: `Bearer ${VIEWER}` } });
  const code = await new Promise<number>((resolve) => {
    denied.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    denied.on('error', () => resolve(-1));
  });
  assert.equal(code, 403);
});

test('upgrade failures: a backend that does not switch protocols, one that is not there', async () => {
  const refused = async (path: string): Promise<{ code: number; body: string }> => {
    const ws = new WebSocket(`${server.url.replace('https:', 'wss:')}${path}`, { ca: server.ca.certPem, headers: { authorization: `Bearer ${ADMIN}` } });
    return new Promise((resolve) => {
      ws.on('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ code: res.statusCode ?? 0, body }));
      });
      ws.on('error', () => resolve({ code: -1, body: '' }));
    });
  };
  const notUpgraded = await refused(`${POD}/tls-0:${tlsPort}/proxy/`);
  // A plain-HTTP upgrade request to a TLS listener gets no 101 back: 500, nothing relayed.
  assert.equal(notUpgraded.code, 500, notUpgraded.body);
  const dead = await refused(`${POD}/dead/proxy/ws`);
  assert.equal(dead.code, 500);
  assert.equal((JSON.parse(dead.body) as { message: string }).message, `error dialing backend: dial tcp 127.0.0.1:${closedPort}: connect: connection refused`);
});

test('nodes/proxy reaches the node agent endpoint (Node address + daemonEndpoints port)', async () => {
  const r = await call('GET', '/api/v1/nodes/n1/proxy/healthz?v=1', { token: ADMIN });
  assert.equal(r.status, 201, r.body);
  assert.equal((JSON.parse(r.body) as Seen).url, '/healthz?v=1');
  const missing = await call('GET', '/api/v1/nodes/n9/proxy/healthz', { token: ADMIN });
  assert.equal(missing.status, 404);
});

test('responses stream through unchanged (12 MiB, checksum)', async () => {
  const r = await new Promise<{ status: number; sha: string; n: number }>((resolve, reject) => {
    https
      .get(new URL(`${POD}/web-0:web/proxy/big`, server.url), { ca: server.ca.certPem, agent: false, headers: { authorization: `Bearer ${ADMIN}` } }, (res) => {
        const h = createHash('sha256');
        let n = 0;
        res.on('data', (c: Buffer) => {
          h.update(c);
          n += c.length;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, sha: h.digest('hex'), n }));
      })
      .on('error', reject);
  });
  assert.deepEqual(r, { status: 200, sha: createHash('sha256').update(BIG).digest('hex'), n: BIG.length });
});

test('https:name:port reaches an https backend without verifying its certificate', async () => {
  const r = await call('GET', `${POD}/https:tls-0:${tlsPort}/proxy/secure?a=1`, { token: ADMIN });
  assert.equal(r.status, 200, r.body);
  assert.equal(r.body, 'tls GET /secure?a=1');
  // The same backend spoken to in plain http is the backend's problem, passed on as it answers.
  const plain = await call('GET', `${POD}/tls-0:${tlsPort}/proxy/`, { token: ADMIN });
  assert.notEqual(plain.status, 200);
});

async function kubectlProxy(minor: number): Promise<{ child: ChildProcess; port: number }> {
  const kubeconfig = server.kubeconfig({ cert: server.admin }, `kubeconfig-proxy-${minor}`);
  const child = spawn(kubectlBinary(minor), ['proxy', '--port=0', `--kubeconfig=${kubeconfig}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    const t = setTimeout(() => reject(new Error(`kubectl 1.${minor} proxy did not start: ${out}`)), 20_000);
    const onData = (c: Buffer) => {
      out += c.toString();
      const m = /Starting to serve on 127\.0\.0\.1:(\d+)/.exec(out);
      if (m) {
        clearTimeout(t);
        resolve(Number(m[1]));
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', (code) => reject(new Error(`kubectl 1.${minor} proxy exited ${code}: ${out}`)));
  });
  return { child, port };
}

for (const minor of [29, 33]) {
  test(`kubectl 1.${minor} proxy --port=0, then fetch through it to a service and a pod`, async () => {
    const { child, port } = await kubectlProxy(minor);
    try {
      const base = `http://127.0.0.1:${port}`;
      const svc = await fetch(`${base}${SVC}/web:http/proxy/via-kubectl?m=${minor}`);
      assert.equal(svc.status, 201);
      const s = (await svc.json()) as Seen;
      assert.equal(s.url, `/via-kubectl?m=${minor}`);
      const body = randomBytes(1 << 20);
      const pod = await fetch(`${base}${POD}/web-0:web/proxy/post`, { method: 'POST', body });
      const p = (await pod.json()) as Seen;
      assert.deepEqual([p.method, p.bodyLength, p.bodySha], ['POST', body.length, createHash('sha256').update(body).digest('hex')]);
      const none = await fetch(`${base}${SVC}/empty:http/proxy/`);
      assert.equal(none.status, 503);
    } finally {
      child.kill('SIGTERM');
    }
  });
}
