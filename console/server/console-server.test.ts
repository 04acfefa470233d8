/**
 * ConsoleServer against an in-process fake API server (plain HTTP on loopback): what is forwarded and what is
 * not, session lifetime on a FakeClock ending open streams, Host checks, an unreachable API server, TLS beyond
 * loopback.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock } from '../../shared/util/clock.ts';
import { ApiUpstream } from './api-upstream.ts';
import { ConsoleServer } from './console-server.ts';

const WAIT_MS = 5000;

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

/** A fake API server: SelfSubjectReview for token `good`, a chunked stream at /api/v1/stream, echo elsewhere. */
function fakeApiServer(seen: Seen[]): Server {
  return createServer((req: IncomingMessage, res: ServerResponse) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (token !== 'good') {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 }));
      return;
    }
    if (req.url === '/apis/authentication.k8s.io/v1/selfsubjectreviews') {
      req.resume();
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ kind: 'SelfSubjectReview', status: { userInfo: { username: 'ada', groups: ['system:authenticated'] } } }));
      return;
    }
    if (req.url?.startsWith('/api/v1/stream')) {
      res.writeHead(200, { 'content-type': 'text/plain', 'set-cookie': 'upstream=1' });
      res.write('first\n');
      return; // stays open
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': 'upstream=1' });
      res.end(JSON.stringify({ echo: Buffer.concat(chunks).toString('utf8') }));
    });
  });
}

function call(base: string, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<{ status: number; headers: IncomingHttpHeaders; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, base), { method, headers, agent: false, timeout: WAIT_MS }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

describe('ConsoleServer (fake API server)', () => {
  const seen: Seen[] = [];
  const clock = new FakeClock();
  let api: Server;
  let consoleServer: ConsoleServer;
  let base: string;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kubelab-console-unit-'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><div data-testid="app"></div>');
    api = fakeApiServer(seen);
    await new Promise<void>((r) => api.listen(0, '127.0.0.1', () => r()));
    const port = (api.address() as AddressInfo).port;
    consoleServer = new ConsoleServer({ upstream: new ApiUpstream({ server: `http://127.0.0.1:${port}` }), webRoot: dir, clock, sessionLifetimeMs: 60_000 });
    base = await consoleServer.start();
  });

  after(async () => {
    await consoleServer?.close();
    await new Promise<void>((r) => api.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });

  const signIn = async (): Promise<string> => {
    const r = await call(base, 'POST', '/login', { 'content-type': 'application/json' }, JSON.stringify({ token: 'good' }));
    assert.equal(r.status, 200, r.text);
    return String(r.headers['set-cookie']?.[0]).split(';')[0] ?? '';
  };

  test("forwarded requests carry the session's token and none of the browser's cookies, Origin or console header; upstream cookies stay out", async () => {
    const cookie = await signIn();
    const origin = base.replace(/\/$/, '');
    seen.length = 0;
    const r = await call(base, 'POST', '/api/v1/namespaces/default/configmaps?fieldManager=x', { cookie: `${cookie}; other=1`, origin, 'x-kubelab-console': '1', 'content-type': 'application/json', accept: 'application/json' }, '{"a":1}');
    assert.equal(r.status, 200);
    assert.deepEqual(JSON.parse(r.text), { echo: '{"a":1}' });
    assert.equal(r.headers['set-cookie'], undefined);
    assert.equal(r.headers['x-content-type-options'], 'nosniff');
    const up = seen.at(-1);
    assert.equal(up?.url, '/api/v1/namespaces/default/configmaps?fieldManager=x');
    assert.equal(up?.headers.authorization, 'Bearer good');
    assert.equal(up?.headers.cookie, undefined);
    assert.equal(up?.headers.origin, undefined);
    assert.equal(up?.headers['x-kubelab-console'], undefined);
    assert.equal(up?.headers['content-type'], 'application/json');
    assert.equal(up?.headers.accept, 'application/json');
  });

  test('a new sign-in from a browser with a session ends the old session (a login link for another user)', async () => {
    const first = await signIn();
    const r = await call(base, 'POST', '/login', { 'content-type': 'application/json', cookie: first, 'x-kubelab-console': '1' }, JSON.stringify({ token: 'good' }));
    assert.equal(r.status, 200, r.text);
    const second = String(r.headers['set-cookie']?.[0]).split(';')[0] ?? '';
    assert.notEqual(second, first);
    assert.equal((await call(base, 'GET', '/session', { cookie: first })).status, 401, 'the old session is gone');
    assert.equal((await call(base, 'GET', '/session', { cookie: second })).status, 200);
  });

  test('a session ends at its lifetime (FakeClock), and the streams open on it end with it', async () => {
    const cookie = await signIn();
    const stream = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = request(new URL('/api/v1/stream', base), { headers: { cookie }, agent: false });
      req.on('response', resolve);
      req.on('error', reject);
      req.end();
    });
    assert.equal(stream.statusCode, 200);
    const first = await new Promise<string>((resolve) => stream.once('data', (c: Buffer) => resolve(c.toString())));
    assert.equal(first, 'first\n');
    const ended = new Promise<void>((resolve) => {
      stream.on('close', () => resolve());
      stream.on('error', () => resolve());
      stream.resume();
    });
    clock.step(59_999);
    assert.equal((await call(base, 'GET', '/session', { cookie })).status, 200);
    clock.step(1);
    await Promise.race([ended, new Promise((_, reject) => setTimeout(() => reject(new Error('the stream outlived its session')), WAIT_MS))]);
    assert.equal((await call(base, 'GET', '/session', { cookie })).status, 401);
    assert.equal((await call(base, 'GET', '/api/v1/pods', { cookie })).status, 401);
  });

  test('only loopback Host names are answered (DNS rebinding)', async () => {
    const r = await call(base, 'GET', '/', { host: 'evil.example', accept: 'text/html' });
    assert.equal(r.status, 403);
    assert.match(r.text, /loopback host names/);
    assert.equal((await call(base, 'GET', '/', { host: 'localhost', accept: 'text/html' })).status, 401);
  });

  test('the console methods: GET only on the app, POST only on /logout', async () => {
    const cookie = await signIn();
    const post = await call(base, 'POST', '/', { cookie, 'x-kubelab-console': '1' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.allow, 'GET, HEAD');
    const head = await call(base, 'HEAD', '/', { cookie });
    assert.equal(head.status, 200);
    assert.equal(head.text, '');
    assert.equal((await call(base, 'GET', '/logout', { cookie })).status, 405);
    const unsupported = await call(base, 'POST', '/login', { 'content-type': 'text/plain' }, 'good');
    assert.equal(unsupported.status, 415);
  });

  test('an API server that does not answer is a 503 Status', async () => {
    const dead = new ConsoleServer({ upstream: new ApiUpstream({ server: 'http://127.0.0.1:1' }), webRoot: dir });
    const url = await dead.start();
    try {
      const r = await call(url, 'GET', '/api/v1/pods', { authorization: 'Bearer good' });
      assert.equal(r.status, 503);
      const s = JSON.parse(r.text) as { kind: string; reason: string; message: string };
      assert.equal(s.kind, 'Status');
      assert.equal(s.reason, 'ServiceUnavailable');
      assert.match(s.message, /the console could not reach the API server at http:\/\/127\.0\.0\.1:1/);
      const login = await call(url, 'POST', '/login', { 'content-type': 'application/json' }, '{"token":"good"}');
      assert.equal(login.status, 503);
    } finally {
      await dead.close();
    }
  });

  test('beyond loopback only with TLS', () => {
    assert.throws(
      () => new ConsoleServer({ upstream: new ApiUpstream({ server: 'http://127.0.0.1:1' }), webRoot: dir, host: '0.0.0.0' }),
      /refusing to serve the console on 0\.0\.0\.0 without TLS/,
    );
  });
});
