import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Status, WatchEvent } from '../api/meta.ts';
import { isNotFound, isResourceExpired, StatusError } from '../errors/status-error.ts';
import { RestClient } from './rest-client.ts';

import { CA_CERT, CLIENT_CERT, CLIENT_KEY, SERVER_CERT, SERVER_KEY } from './testdata/tls.ts';

const PEM: Record<string, string> = { 'ca.crt': CA_CERT, 'server.crt': SERVER_CERT, 'server.key': SERVER_KEY, 'client.crt': CLIENT_CERT, 'client.key': CLIENT_KEY };
const pem = (name: string): Buffer => Buffer.from(PEM[name] ?? '');

interface Recorded {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void;

async function serve(handler: Handler, tls?: https.ServerOptions): Promise<{ url: string; requests: Recorded[]; connections: () => number; close: () => Promise<void> }> {
  const requests: Recorded[] = [];
  let connections = 0;
  const listener = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      handler(req, res, body);
    });
  };
  const server = tls ? https.createServer(tls, listener) : http.createServer(listener);
  server.on(tls ? 'secureConnection' : 'connection', () => { connections++; });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    requests,
    connections: () => connections,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

const json = (res: http.ServerResponse, code: number, body: unknown) => {
  res.writeHead(code, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
};

test('request sends JSON with auth, user agent and query, and decodes the response', async (t) => {
  const srv = await serve((_req, res) => json(res, 200, { kind: 'Pod', metadata: { name: 'web' } }));
  t.after(() => srv.close());
  const c = new RestClient({ server: srv.url, token: 'sekret', userAgent: 'test-agent/1' });
  t.after(() => c.close());
  const out = await c.request<{ metadata: { name: string } }>({
    method: 'POST',
    path: '/api/v1/namespaces/default/pods',
    query: { dryRun: 'All', skip: undefined, limit: 5, watch: false },
    body: { metadata: { name: 'web' } },
  });
  assert.equal(out.metadata.name, 'web');
  const r = srv.requests[0];
  assert.ok(r);
  assert.equal(r.method, 'POST');
  assert.equal(r.url, '/api/v1/namespaces/default/pods?dryRun=All&limit=5&watch=false');
  assert.equal(r.headers['authorization'], 'Bearer sekret');
  assert.equal(r.headers['user-agent'], 'test-agent/1');
  assert.equal(r.headers['content-type'], 'application/json');
  assert.equal(r.headers['accept'], 'application/json');
  assert.deepEqual(JSON.parse(r.body), { metadata: { name: 'web' } });
});

test('a base URL path prefix is kept', async (t) => {
  const srv = await serve((_req, res) => json(res, 200, {}));
  t.after(() => srv.close());
  const c = new RestClient({ server: `${srv.url}/prefix/` });
  t.after(() => c.close());
  await c.request({ path: '/api/v1/nodes' });
  assert.equal(srv.requests[0]?.url, '/prefix/api/v1/nodes');
});

test('a Status error body becomes a StatusError', async (t) => {
  const srv = await serve((_req, res) => json(res, 404, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'pods "nope" not found', reason: 'NotFound', details: { name: 'nope', kind: 'pods' }, code: 404 }));
  t.after(() => srv.close());
  const c = new RestClient({ server: srv.url });
  t.after(() => c.close());
  await assert.rejects(c.request({ path: '/api/v1/namespaces/default/pods/nope' }), (err: unknown) => {
    assert.ok(err instanceof StatusError);
    assert.ok(isNotFound(err));
    assert.equal(err.message, 'pods "nope" not found');
    assert.equal(err.status.details?.name, 'nope');
    return true;
  });
});

test('a non-JSON error body becomes an InternalError StatusError carrying the text', async (t) => {
  const srv = await serve((_req, res) => { res.writeHead(500, { 'Content-Type': 'text/plain' }); res.end('boom'); });
  t.after(() => srv.close());
  const c = new RestClient({ server: srv.url });
  t.after(() => c.close());
  await assert.rejects(c.request({ path: '/api/v1/pods' }), (err: unknown) => {
    assert.ok(err instanceof StatusError);
    assert.equal(err.code, 500);
    assert.equal(err.reason, 'InternalError');
    assert.match(err.message, /boom/);
    return true;
  });
});

test('an undecodable 200 body is an error, not undefined', async (t) => {
  const srv = await serve((_req, res) => { res.writeHead(200); res.end('{oops'); });
  t.after(() => srv.close());
  const c = new RestClient({ server: srv.url });
  t.after(() => c.close());
  await assert.rejects(c.request({ path: '/x' }), /Cannot decode the response to GET \/x as JSON/);
});

test('sequential requests reuse one keep-alive connection', async (t) => {
  const srv = await serve((_req, res) => json(res, 200, {}));
  t.after(() => srv.close());
  const c = new RestClient({ server: srv.url });
  t.after(() => c.close());
  for (let i = 0; i < 20; i++) await c.request({ path: '/api/v1/nodes' });
  assert.equal(srv.requests.length, 20);
  assert.equal(srv.connections(), 1);
});

test('a connection failure names the request and keeps the error code', async () => {
  const srv = await serve(() => {});
  const url = srv.url;
  await srv.close();
  const c = new RestClient({ server: url });
  await assert.rejects(c.request({ path: '/api' }), (err: Error & { code?: string }) => {
    assert.match(err.message, /Cannot GET \/api as the connection to 127\.0\.0\.1:\d+ failed/);
    assert.equal(err.code, 'ECONNREFUSED');
    return true;
  });
  c.close();
});

test('aborting a request rejects it with the abort reason', async (t) => {
  const srv = await serve(() => { /* never answers */ });
  t.after(() => srv.close());
  const c = new RestClient({ server: srv.url });
  t.after(() => c.close());
  const ac = new AbortController();
  const p = c.request({ path: '/slow', signal: ac.signal });
  while (srv.requests.length === 0) await new Promise<void>((r) => setImmediate(r));
  ac.abort(new Error('caller gave up'));
  await assert.rejects(p, /caller gave up/);
});

test('watch streams events split across chunks, then ends when the server closes', async (t) => {
  let release: () => void = () => {};
  const released = new Promise<void>((r) => { release = r; });
  const e1 = JSON.stringify({ type: 'ADDED', object: { kind: 'Pod', metadata: { name: 'a', resourceVersion: '5' } } });
  const e2 = JSON.stringify({ type: 'MODIFIED', object: { kind: 'Pod', metadata: { name: 'a', resourceVersion: '6' } } });
  const e3 = JSON.stringify({ type: 'BOOKMARK', object: { kind: 'Pod', metadata: { resourceVersion: '9' } } });
  const srv = await serve((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.flushHeaders();
    res.write(`${e1}\n${e2.slice(0, 20)}`);
    void released.then(() => {
      res.write(`${e2.slice(20)}\n${e3}\n`);
      res.end();
    });
  });
  t.after(() => srv.close());
  const c = new RestClient({ server: srv.url });
  t.after(() => c.close());
  const got: WatchEvent[] = [];
  for await (const ev of c.watch('/api/v1/namespaces/default/pods', { resourceVersion: '4', allowWatchBookmarks: true, timeoutSeconds: 300 })) {
    got.push(ev);
    if (got.length === 1) release(); // the second half is only sent once the first event arrived
  }
  assert.deepEqual(got.map((e) => `${e.type}@${e.object.metadata.resourceVersion}`), ['ADDED@5', 'MODIFIED@6', 'BOOKMARK@9']);
  assert.equal(srv.requests[0]?.url, '/api/v1/namespaces/default/pods?resourceVersion=4&allowWatchBookmarks=true&timeoutSeconds=300&watch=true');
});

test('watch: an HTTP 410 is thrown as an Expired StatusError from the first iteration', async (t) => {
  const srv = await serve((_req, res) => json(res, 410, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'too old resource version: 1 (7)', reason: 'Expired', code: 410 }));
  t.after(() => srv.close());
  const c = new RestClient({ server: srv.url });
  t.after(() => c.close());
  const it = c.watch('/api/v1/pods', { resourceVersion: '1' })[Symbol.asyncIterator]();
  await assert.rejects(it.next(), (err: unknown) => isResourceExpired(err));
});

test('watch: an ERROR event in the stream is delivered as an event', async (t) => {
  const srv = await serve((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(`${JSON.stringify({ type: 'ERROR', object: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'Expired', code: 410, message: 'too old' } })}\n`);
  });
  t.after(() => srv.close());
  const c = new RestClient({ server: srv.url });
  t.after(() => c.close());
  const got: WatchEvent[] = [];
  for await (const ev of c.watch('/api/v1/pods')) got.push(ev);
  assert.equal(got.length, 1);
  assert.equal(got[0]?.type, 'ERROR');
  assert.equal((got[0]?.object as Status).code, 410);
});

test('watch: aborting the signal ends the iteration quietly and closes the connection', async (t) => {
  let closed = false;
  const srv = await serve((req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.write(`${JSON.stringify({ type: 'ADDED', object: { metadata: { name: 'a', resourceVersion: '1' } } })}\n`);
    req.socket.on('close', () => { closed = true; });
  });
  t.after(() => srv.close());
  const c = new RestClient({ server: srv.url });
  t.after(() => c.close());
  const ac = new AbortController();
  const got: WatchEvent[] = [];
  for await (const ev of c.watch('/api/v1/pods', {}, ac.signal)) {
    got.push(ev);
    ac.abort();
  }
  assert.equal(got.length, 1);
  while (!closed) await new Promise<void>((r) => setImmediate(r));
});

test('watch: breaking out of the loop closes the connection', async (t) => {
  let closed = false;
  const srv = await serve((req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.write(`${JSON.stringify({ type: 'ADDED', object: { metadata: { name: 'a', resourceVersion: '1' } } })}\n`);
    req.socket.on('close', () => { closed = true; });
  });
  t.after(() => srv.close());
  const c = new RestClient({ server: srv.url });
  t.after(() => c.close());
  for await (const _ev of c.watch('/api/v1/pods')) break;
  while (!closed) await new Promise<void>((r) => setImmediate(r));
});

test('watches do not take connections from ordinary requests', async (t) => {
  const srv = await serve((req, res) => {
    if (req.url?.includes('watch=true')) {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.flushHeaders();
      return; // hold the stream open
    }
    json(res, 200, { ok: true });
  });
  t.after(() => srv.close());
  const c = new RestClient({ server: srv.url, maxSockets: 1 });
  t.after(() => c.close());
  const ac = new AbortController();
  const iterators = [0, 1, 2].map(() => c.watch('/api/v1/pods', {}, ac.signal)[Symbol.asyncIterator]());
  const pending = iterators.map((it) => it.next());
  while (srv.requests.length < 3) await new Promise<void>((r) => setImmediate(r));
  assert.deepEqual(await c.request({ path: '/api/v1/nodes' }), { ok: true });
  ac.abort();
  for (const p of pending) assert.equal((await p).done, true);
});

test('tokenFile supplies the bearer token', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kubelab-token-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'token'), 'from-file\n');
  const srv = await serve((_req, res) => json(res, 200, {}));
  t.after(() => srv.close());
  const c = new RestClient({ server: srv.url, tokenFile: join(dir, 'token') });
  t.after(() => c.close());
  await c.request({ path: '/api' });
  assert.equal(srv.requests[0]?.headers['authorization'], 'Bearer from-file');
});

test('basic auth when a username is configured', async (t) => {
  const srv = await serve((_req, res) => json(res, 200, {}));
  t.after(() => srv.close());
  const c = new RestClient({ server: srv.url, username: 'admin', password: 'pw' });
  t.after(() => c.close());
  await c.request({ path: '/api' });
  assert.equal(srv.requests[0]?.headers['authorization'], `Basic ${Buffer.from('admin:pw').toString('base64')}`);
});

test('TLS: verified with the CA, refused without it, accepted with insecureSkipTLSVerify', async (t) => {
  const srv = await serve((_req, res) => json(res, 200, { tls: true }), { cert: pem('server.crt'), key: pem('server.key') });
  t.after(() => srv.close());
  const good = new RestClient({ server: srv.url, ca: pem('ca.crt') });
  t.after(() => good.close());
  assert.deepEqual(await good.request({ path: '/api' }), { tls: true });

  const unknownCa = new RestClient({ server: srv.url });
  t.after(() => unknownCa.close());
  await assert.rejects(unknownCa.request({ path: '/api' }), /certificate/);

  const insecure = new RestClient({ server: srv.url, insecureSkipTLSVerify: true });
  t.after(() => insecure.close());
  assert.deepEqual(await insecure.request({ path: '/api' }), { tls: true });
});

test('TLS: a client certificate is presented', async (t) => {
  const srv = await serve((req, res) => {
    const peer = (req.socket as TLSSocket).getPeerCertificate();
    json(res, 200, { cn: peer.subject?.CN, o: peer.subject?.O });
  }, { cert: pem('server.crt'), key: pem('server.key'), ca: pem('ca.crt'), requestCert: true, rejectUnauthorized: true });
  t.after(() => srv.close());
  const c = new RestClient({ server: srv.url, ca: pem('ca.crt'), clientCert: pem('client.crt'), clientKey: pem('client.key') });
  t.after(() => c.close());
  assert.deepEqual(await c.request({ path: '/api' }), { cn: 'alice', o: 'testers' });
});

test('an invalid server URL is refused at construction', () => {
  assert.throws(() => new RestClient({ server: 'not a url' }), /server URL is invalid/);
  assert.throws(() => new RestClient({ server: 'ftp://x' }), /not http\(s\)/);
});

test('a 429 with Retry-After is retried after that many seconds (client-go), then succeeds or gives up with TooManyRequests', async (t) => {
  let refusals = 2;
  const srv = await serve((_req, res) => {
    if (refusals-- > 0) {
      res.writeHead(429, { 'Retry-After': '1', 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('Too many requests, please try again later.\n');
      return;
    }
    json(res, 201, { kind: 'Pod', apiVersion: 'v1', metadata: { name: 'p' } });
  });
  t.after(() => srv.close());
  const waits: number[] = [];
  const clock = { now: () => Date.now(), setTimeout: () => ({ cancel() {} }), sleep: async (ms: number) => void waits.push(ms) };
  const c = new RestClient({ server: srv.url, clock });
  t.after(() => c.close());
  const created = await c.request<{ metadata: { name: string } }>({ method: 'POST', path: '/api/v1/namespaces/default/pods', body: { metadata: { name: 'p' } } });
  assert.equal(created.metadata.name, 'p');
  assert.deepEqual(waits, [1000, 1000]);
  assert.equal(srv.requests.length, 3);
  assert.equal(srv.requests[2]?.body, '{"metadata":{"name":"p"}}', 'the body is sent again');
  refusals = 100;
  await assert.rejects(c.request({ path: '/api/v1/pods' }), (err: unknown) => {
    assert.ok(err instanceof StatusError);
    assert.equal(err.code, 429);
    assert.equal(err.reason, 'TooManyRequests');
    assert.equal(err.message, 'the server has received too many requests and has asked us to try again later');
    return true;
  });
  assert.equal(waits.length, 2 + 10, 'ten retries, then the error');
});
