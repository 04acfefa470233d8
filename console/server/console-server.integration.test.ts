/**
 * `kubelab console` against a real, secured API server (TLS, client certificates, ServiceAccount tokens, static
 * tokens, RBAC): nothing without credentials, sign-in with a ServiceAccount token, lists, writes, WebSocket
 * watches and log follows forwarded as the user, the user's own RBAC, sign-out.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import type { Pod } from '../../shared/api/core-v1.ts';
import { startSecuredTestServer, type SecuredTestServer } from '../../test/integration/framework/secured-test-server.ts';
import { createNodeStreamingServer, type NodeStreamingServer } from '../../node-agent/streaming/node-streaming-server.ts';
import { FakeStreamServer, fakeStreamingRuntime } from '../../node-agent/streaming/testing/fake-stream-server.ts';
import type { PodAnatomy } from '../../shared/api/pod-anatomy.ts';
import { ApiUpstream } from './api-upstream.ts';
import { ConsoleServer } from './console-server.ts';

const WAIT_MS = 10_000;

interface Answer {
  status: number;
  headers: IncomingMessage['headers'];
  text: string;
  json: any;
}

/** One request to the console; the answer whole. */
function call(base: string, method: string, path: string, o: { headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(new URL(path, base), { method, headers: o.headers ?? {}, agent: false, timeout: WAIT_MS }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: any;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer within ${WAIT_MS} ms`)));
    req.on('error', reject);
    req.end(o.body);
  });
}

/** Opens a WebSocket to the console; resolves once open, or rejects with the refusal's HTTP status. */
function openWebSocket(url: string, headers: Record<string, string>): Promise<{ ws: WebSocket; messages: unknown[]; next: (pred: (m: any) => boolean) => Promise<any> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers, handshakeTimeout: WAIT_MS });
    const messages: unknown[] = [];
    const waiters: { pred: (m: any) => boolean; resolve: (m: any) => void }[] = [];
    ws.on('message', (data) => {
      const m = JSON.parse(String(data)) as unknown;
      messages.push(m);
      for (const w of [...waiters]) if (w.pred(m)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    });
    const next = (pred: (m: any) => boolean): Promise<any> => {
      const seen = messages.find(pred);
      if (seen) return Promise.resolve(seen);
      return new Promise((res, rej) => {
        const t = setTimeout(() => rej(new Error(`no matching watch event within ${WAIT_MS} ms; got ${JSON.stringify(messages).slice(0, 500)}`)), WAIT_MS);
        waiters.push({ pred, resolve: (m) => { clearTimeout(t); res(m); } });
      });
    };
    ws.once('open', () => resolve({ ws, messages, next }));
    ws.once('unexpected-response', (_req, res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => reject(Object.assign(new Error(`upgrade refused: ${res.statusCode}`), { status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') })));
    });
    ws.once('error', reject);
  });
}

function cookieOf(a: Answer): string {
  const set = a.headers['set-cookie']?.[0];
  assert.ok(set, `no Set-Cookie in ${a.status} ${a.text}`);
  return set.split(';')[0] ?? '';
}

describe('kubelab console against a secured API server', () => {
  let api: SecuredTestServer;
  let node: NodeStreamingServer;
  let streams: FakeStreamServer;
  let consoleServer: ConsoleServer;
  let base: string;
  let origin: string;
  let dir: string;
  let appLog: string;
  let saToken: string;

  const admin = async (method: string, path: string, body?: unknown, contentType?: string) => {
    const r = await api.call(method, path, { cert: api.admin, ...(body !== undefined ? { body } : {}), ...(contentType ? { headers: { 'content-type': contentType } } : {}) });
    if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${r.body}`);
    return JSON.parse(r.body) as any;
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kubelab-console-'));
    const web = join(dir, 'web');
    mkdirSync(join(web, 'assets'), { recursive: true });
    writeFileSync(join(web, 'index.html'), '<!doctype html><title>kubelab</title><div data-testid="app"></div><script type="module" src="/assets/main-ABCD1234.js"></script>');
    writeFileSync(join(web, 'assets', 'main-ABCD1234.js'), 'console.log("app");');
    appLog = join(dir, 'app.log');
    writeFileSync(appLog, '2026-01-02T03:04:05Z stdout F one\n2026-01-02T03:04:06Z stdout F two\n');

    // No token cache: a deleted ServiceAccount's token is refused at once.
    api = await startSecuredTestServer({ tokens: { 'alice-token-0123456789': { user: 'alice', groups: ['developers'] } }, config: { tokenSuccessCacheTTLMs: 0 } });
    // A node whose agent serves the app container's log (a fake runtime over a real log file) and an anatomy.
    streams = new FakeStreamServer();
    await streams.start();
    const anatomy = { apiVersion: 'kubelab.dev/v1alpha1', kind: 'PodAnatomy', node: 'n1' } as unknown as PodAnatomy;
    node = await createNodeStreamingServer({
      runtime: fakeStreamingRuntime(streams, { 'c-app': { state: 'CONTAINER_RUNNING', logPath: appLog } }),
      listen: { host: '127.0.0.1', port: 0 },
      getPod: async (ns, name) => {
        const r = await api.call('GET', `/api/v1/namespaces/${ns}/pods/${name}`, { cert: api.admin });
        return r.status === 200 ? (JSON.parse(r.body) as Pod) : undefined;
      },
      anatomy: async (ns, name) => (ns === 'default' && name === 'web' ? anatomy : undefined),
    });
    // No controllers run here: the ServiceAccount admission needs the namespace's default account to exist.
    await admin('POST', '/api/v1/namespaces/default/serviceaccounts', { metadata: { name: 'default' } });
    await admin('POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } });
    await admin('PATCH', '/api/v1/nodes/n1/status', { status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: node.port } } } }, 'application/merge-patch+json');
    await admin('POST', '/api/v1/namespaces/default/pods', { metadata: { name: 'web' }, spec: { containers: [{ name: 'app', image: 'localhost/busybox:1.35' }] } });
    await admin('POST', '/api/v1/namespaces/default/pods/web/binding', { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'web' }, target: { kind: 'Node', name: 'n1' } });
    await admin('PATCH', '/api/v1/namespaces/default/pods/web/status', {
      status: { phase: 'Running', containerStatuses: [{ name: 'app', ready: true, restartCount: 0, image: 'localhost/busybox:1.35', imageID: '', containerID: 'containerd://c-app', state: { running: {} } }] },
    }, 'application/merge-patch+json');
    // The console's admin as `kubelab up` makes it: a ServiceAccount bound to cluster-admin, signed in with a TokenRequest token.
    await admin('POST', '/api/v1/namespaces/kube-system/serviceaccounts', { metadata: { name: 'kubelab-admin' } });
    await admin('POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
      metadata: { name: 'kubelab-admin' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [{ kind: 'ServiceAccount', name: 'kubelab-admin', namespace: 'kube-system' }],
    });
    const tr = await admin('POST', '/api/v1/namespaces/kube-system/serviceaccounts/kubelab-admin/token', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } });
    saToken = tr.status.token as string;

    consoleServer = new ConsoleServer({ upstream: new ApiUpstream({ server: api.url, ca: api.ca.certPem }), webRoot: web });
    base = await consoleServer.start();
    origin = base.replace(/\/$/, '');
  });

  after(async () => {
    await consoleServer?.close();
    await node?.close();
    await streams?.close();
    await api?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('without credentials every path answers 401: the app, its assets, the API and a WebSocket watch', async () => {
    const page = await call(base, 'GET', '/', { headers: { accept: 'text/html,application/xhtml+xml' } });
    assert.equal(page.status, 401);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    assert.match(page.text, /<textarea id="token"/, 'the login page');
    assert.doesNotMatch(page.text, /data-testid="app"/, 'not the app');
    assert.doesNotMatch(page.text, /<(script|link|img)[^>]+(src|href)=/i, 'the login page fetches nothing');
    assert.match(String(page.headers['content-security-policy']), /default-src 'none'; script-src 'nonce-/);
    for (const path of ['/assets/main-ABCD1234.js', '/api/v1/pods', '/apis/apps/v1/deployments', '/version', '/session', '/pods/default/web']) {
      const r = await call(base, 'GET', path);
      assert.equal(r.status, 401, path);
      assert.deepEqual({ kind: r.json?.kind, reason: r.json?.reason, code: r.json?.code }, { kind: 'Status', reason: 'Unauthorized', code: 401 }, path);
    }
    await assert.rejects(openWebSocket(`${origin.replace('http', 'ws')}/api/v1/pods?watch=1`, { origin }), (e: { status?: number }) => e.status === 401);
    // A cookie the console never issued is no session.
    const forged = await call(base, 'GET', '/api/v1/pods', { headers: { cookie: `kubelab-console-${consoleServer.port}=${'A'.repeat(43)}` } });
    assert.equal(forged.status, 401);
  });

  test('a token the API server does not accept is refused at /login with its 401', async () => {
    const r = await call(base, 'POST', '/login', { headers: { 'content-type': 'application/json', origin }, body: JSON.stringify({ token: 'not-a-real-token' }) });
    assert.equal(r.status, 401);
    assert.equal(r.json?.reason, 'Unauthorized');
    assert.equal(r.headers['set-cookie'], undefined);
    const cross = await call(base, 'POST', '/login', { headers: { 'content-type': 'application/json', origin: 'http://evil.example' }, body: JSON.stringify({ token: saToken }) });
    assert.equal(cross.status, 403, 'a cross-origin login is refused');
    assert.equal(cross.headers['set-cookie'], undefined);
  });

  test('signed in with a ServiceAccount token: session, app, assets, lists, writes and a WebSocket watch as that user', async () => {
    const login = await call(base, 'POST', '/login', { headers: { 'content-type': 'application/json', origin }, body: JSON.stringify({ token: saToken }) });
    assert.equal(login.status, 200, login.text);
    assert.equal(login.json.user, 'system:serviceaccount:kube-system:kubelab-admin');
    const setCookie = String(login.headers['set-cookie']?.[0]);
    assert.match(setCookie, new RegExp(`^kubelab-console-${consoleServer.port}=[A-Za-z0-9_-]{43}; Path=/; Max-Age=\\d+; HttpOnly; SameSite=Strict$`));
    const maxAge = Number(/Max-Age=(\d+)/.exec(setCookie)?.[1]);
    assert.ok(maxAge > 3500 && maxAge <= 3600, `the session ends with the 1 h token, not later (Max-Age ${maxAge})`);
    const cookie = cookieOf(login);

    const session = await call(base, 'GET', '/session', { headers: { cookie } });
    assert.equal(session.status, 200);
    assert.equal(session.json.user, 'system:serviceaccount:kube-system:kubelab-admin');
    assert.ok(session.json.groups.includes('system:serviceaccounts'));

    const index = await call(base, 'GET', '/pods/default/web', { headers: { cookie, accept: 'text/html' } });
    assert.equal(index.status, 200);
    assert.match(index.text, /data-testid="app"/);
    assert.equal(index.headers['cache-control'], 'no-store');
    const csp = String(index.headers['content-security-policy']);
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, new RegExp(`connect-src 'self' ws://127\\.0\\.0\\.1:${consoleServer.port}`));
    assert.match(csp, /frame-ancestors 'none'/);
    assert.equal(index.headers['x-frame-options'], 'DENY');
    assert.equal(index.headers['x-content-type-options'], 'nosniff');
    assert.equal(index.headers['referrer-policy'], 'no-referrer');
    const asset = await call(base, 'GET', '/assets/main-ABCD1234.js', { headers: { cookie } });
    assert.equal(asset.status, 200);
    assert.equal(asset.text, 'console.log("app");');
    assert.match(String(asset.headers['content-type']), /^text\/javascript/);
    assert.match(String(asset.headers['cache-control']), /immutable/);
    assert.equal((await call(base, 'GET', '/assets/nope.js', { headers: { cookie } })).status, 404);
    assert.equal((await call(base, 'GET', '/assets/..%2findex.html', { headers: { cookie } })).status, 404);

    const pods = await call(base, 'GET', '/api/v1/pods', { headers: { cookie } });
    assert.equal(pods.status, 200, pods.text);
    assert.deepEqual(pods.json.items.map((p: Pod) => p.metadata.name), ['web']);
    const version = await call(base, 'GET', '/version', { headers: { cookie } });
    assert.equal(version.status, 200);
    assert.ok(version.json.gitVersion);
    // The anatomy comes from the node through nodes/proxy, forwarded like any API path.
    const anatomy = await call(base, 'GET', '/api/v1/nodes/n1/proxy/anatomy/default/web', { headers: { cookie } });
    assert.equal(anatomy.status, 200, anatomy.text);
    assert.equal(anatomy.json.kind, 'PodAnatomy');

    // Writes on the cookie need the console's header (CSRF); with it the API creates the object as the user.
    const cm = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'from-console' }, data: { a: 'b' } });
    const noHeader = await call(base, 'POST', '/api/v1/namespaces/default/configmaps', { headers: { cookie, 'content-type': 'application/json', origin }, body: cm });
    assert.equal(noHeader.status, 403);
    assert.match(noHeader.json.message, /X-Kubelab-Console: 1/);
    const created = await call(base, 'POST', '/api/v1/namespaces/default/configmaps', { headers: { cookie, 'content-type': 'application/json', origin, 'x-kubelab-console': '1' }, body: cm });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.json.metadata.name, 'from-console');
    const foreign = await call(base, 'GET', '/api/v1/pods', { headers: { cookie, origin: 'http://evil.example' } });
    assert.equal(foreign.status, 403, 'a cross-origin read on the cookie is refused');
    const tooBig = await call(base, 'POST', '/api/v1/namespaces/default/configmaps', {
      headers: { cookie, 'content-type': 'application/json', origin, 'x-kubelab-console': '1' },
      body: JSON.stringify({ metadata: { name: 'big' }, data: { a: 'x'.repeat(4 * 1024 * 1024) } }),
    });
    assert.equal(tooBig.status, 413);
    assert.equal(tooBig.json.reason, 'RequestEntityTooLarge');

    // A WebSocket watch needs the console's own Origin; with it, a pod created afterwards shows up.
    await assert.rejects(openWebSocket(`${origin.replace('http', 'ws')}/api/v1/pods?watch=1`, { cookie }), (e: { status?: number }) => e.status === 403);
    await assert.rejects(openWebSocket(`${origin.replace('http', 'ws')}/api/v1/pods?watch=1`, { cookie, origin: 'http://evil.example' }), (e: { status?: number }) => e.status === 403);
    const rv = pods.json.metadata.resourceVersion as string;
    const watch = await openWebSocket(`${origin.replace('http', 'ws')}/api/v1/namespaces/default/pods?watch=1&resourceVersion=${rv}`, { cookie, origin });
    try {
      await admin('POST', '/api/v1/namespaces/default/pods', { metadata: { name: 'later' }, spec: { containers: [{ name: 'app', image: 'localhost/busybox:1.35' }] } });
      const ev = await watch.next((m) => m.type === 'ADDED' && m.object?.metadata?.name === 'later');
      assert.equal(ev.object.kind, 'Pod');
    } finally {
      watch.ws.close();
    }
    // Scripts: a bearer token in the Authorization header works without a session.
    const scripted = await call(base, 'GET', '/api/v1/namespaces/default/pods/later', { headers: { authorization: `Bearer ${saToken}` } });
    assert.equal(scripted.status, 200);
    const scriptedSession = await call(base, 'GET', '/session', { headers: { authorization: `Bearer ${saToken}` } });
    assert.equal(scriptedSession.json.user, 'system:serviceaccount:kube-system:kubelab-admin');
  });

  test("a user whose RBAC forbids pods gets the API server's 403 Status", async () => {
    const login = await call(base, 'POST', '/login', { headers: { 'content-type': 'application/x-www-form-urlencoded', origin }, body: 'token=alice-token-0123456789' });
    assert.equal(login.status, 303, 'a form post signs in and redirects to the app');
    assert.equal(login.headers.location, '/');
    const cookie = cookieOf(login);
    assert.equal((await call(base, 'GET', '/session', { headers: { cookie } })).json.user, 'alice');
    const pods = await call(base, 'GET', '/api/v1/namespaces/default/pods', { headers: { cookie } });
    assert.equal(pods.status, 403);
    assert.equal(pods.json.kind, 'Status');
    assert.equal(pods.json.reason, 'Forbidden');
    assert.equal(pods.json.message, 'pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "default"');
    await assert.rejects(
      openWebSocket(`${origin.replace('http', 'ws')}/api/v1/namespaces/default/pods?watch=1`, { cookie, origin }),
      (e: { status?: number; body?: string }) => {
        assert.equal(e.status, 403);
        assert.match(e.body ?? '', /cannot watch resource \\"pods\\"/);
        return true;
      },
    );
  });

  test('log follow streams through the console as it is written', async () => {
    const login = await call(base, 'POST', '/login', { headers: { 'content-type': 'application/json', origin }, body: JSON.stringify({ token: saToken }) });
    const cookie = cookieOf(login);
    const got: string[] = [];
    let res: IncomingMessage | undefined;
    const req = httpRequest(new URL('/api/v1/namespaces/default/pods/web/log?container=app&follow=true', base), { headers: { cookie }, agent: false });
    try {
      res = await new Promise<IncomingMessage>((resolve, reject) => {
        req.on('response', resolve);
        req.on('error', reject);
        req.end();
      });
      assert.equal(res.statusCode, 200);
      res.setEncoding('utf8');
      res.on('data', (c: string) => got.push(c));
      const waitFor = async (s: string) => {
        const deadline = Date.now() + WAIT_MS;
        while (!got.join('').includes(s)) {
          if (Date.now() > deadline) throw new Error(`the followed log never showed ${JSON.stringify(s)}; got ${JSON.stringify(got.join(''))}`);
          await new Promise((r) => setTimeout(r, 20));
        }
      };
      await waitFor('one\ntwo\n');
      assert.equal(res.complete, false, 'the stream stays open');
      appendFileSync(appLog, '2026-01-02T03:04:07Z stdout F three\n');
      await waitFor('three\n');
      assert.equal(got.join(''), 'one\ntwo\nthree\n');
    } finally {
      req.destroy();
    }
  });

  test('logout ends the session: the cookie no longer opens anything', async () => {
    const login = await call(base, 'POST', '/login', { headers: { 'content-type': 'application/json', origin }, body: JSON.stringify({ token: saToken }) });
    const cookie = cookieOf(login);
    assert.equal((await call(base, 'GET', '/api/v1/pods', { headers: { cookie } })).status, 200);
    // A watch open on the session ends with it.
    const watch = await openWebSocket(`${origin.replace('http', 'ws')}/api/v1/pods?watch=1`, { cookie, origin });
    const watchClosed = new Promise<void>((resolve) => watch.ws.once('close', () => resolve()));
    const noHeader = await call(base, 'POST', '/logout', { headers: { cookie, origin } });
    assert.equal(noHeader.status, 403, 'logout on the cookie needs the console header too');
    const out = await call(base, 'POST', '/logout', { headers: { cookie, origin, 'x-kubelab-console': '1' } });
    assert.equal(out.status, 200);
    assert.match(String(out.headers['set-cookie']?.[0]), /Max-Age=0/);
    await Promise.race([watchClosed, new Promise((_, reject) => setTimeout(() => reject(new Error('the watch outlived the session')), WAIT_MS))]);
    assert.equal((await call(base, 'GET', '/session', { headers: { cookie } })).status, 401);
    assert.equal((await call(base, 'GET', '/api/v1/pods', { headers: { cookie } })).status, 401);
    await assert.rejects(openWebSocket(`${origin.replace('http', 'ws')}/api/v1/pods?watch=1`, { cookie, origin }), (e: { status?: number }) => e.status === 401);
  });

  test("a session ends when the API server stops accepting its token (the ServiceAccount was deleted)", async () => {
    await admin('POST', '/api/v1/namespaces/default/serviceaccounts', { metadata: { name: 'short-lived' } });
    await admin('POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
      metadata: { name: 'short-lived-admin' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [{ kind: 'ServiceAccount', name: 'short-lived', namespace: 'default' }],
    });
    const tr = await admin('POST', '/api/v1/namespaces/default/serviceaccounts/short-lived/token', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } });
    const login = await call(base, 'POST', '/login', { headers: { 'content-type': 'application/json', origin }, body: JSON.stringify({ token: tr.status.token }) });
    assert.equal(login.status, 200, login.text);
    const cookie = cookieOf(login);
    assert.equal((await call(base, 'GET', '/api/v1/namespaces/default/pods', { headers: { cookie } })).status, 200);
    await admin('DELETE', '/api/v1/namespaces/default/serviceaccounts/short-lived');
    const refused = await call(base, 'GET', '/api/v1/namespaces/default/pods', { headers: { cookie } });
    assert.equal(refused.status, 401, refused.text);
    assert.equal(refused.json.reason, 'Unauthorized');
    assert.equal((await call(base, 'GET', '/session', { headers: { cookie } })).status, 401, 'the session is gone');
  });
});
