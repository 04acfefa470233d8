import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { ConnectionGuard, MaxInFlightLimiter, isLongRunning, newRequestTimeout, parseGoDuration, requestDeadlineMs } from './request-limits.ts';
import { StatusError } from '../../shared/errors/status-error.ts';
import { parseRequestInfo } from './request-info.ts';

const info = (method: string, url: string) => {
  const u = new URL(url, 'http://x');
  return parseRequestInfo(method, u.pathname, u.searchParams);
};
const alice = { name: 'alice', groups: ['system:authenticated'] };
const admin = { name: 'admin', groups: ['system:masters', 'system:authenticated'] };

test('long-running requests are kube\'s: watch and proxy verbs, attach/exec/proxy/log/portforward subresources', () => {
  for (const [m, u] of [
    ['GET', '/api/v1/pods?watch=true'],
    ['GET', '/api/v1/watch/namespaces/default/pods'],
    ['GET', '/api/v1/namespaces/default/pods/p/log'],
    ['POST', '/api/v1/namespaces/default/pods/p/exec'],
    ['GET', '/api/v1/namespaces/default/pods/p/attach'],
    ['GET', '/api/v1/namespaces/default/pods/p/portforward'],
    ['GET', '/api/v1/namespaces/default/pods/p/proxy/x'],
  ] as const) {
    assert.equal(isLongRunning(info(m, u)), true, `${m} ${u}`);
  }
  for (const [m, u] of [
    ['GET', '/api/v1/pods'],
    ['GET', '/api/v1/namespaces/default/pods/p'],
    ['POST', '/api/v1/namespaces/default/pods'],
    ['PUT', '/api/v1/namespaces/default/pods/p/status'],
    ['GET', '/readyz'],
  ] as const) {
    assert.equal(isLongRunning(info(m, u)), false, `${m} ${u}`);
  }
});

test('in-flight seats: separate read-only and mutating pools, released once, masters and long-running not counted', () => {
  const l = new MaxInFlightLimiter(2, 1);
  const r1 = l.acquire(info('GET', '/api/v1/pods'), alice);
  const r2 = l.acquire(info('GET', '/readyz'), alice);
  assert.ok(r1 && r2);
  assert.equal(l.acquire(info('GET', '/api/v1/pods'), alice), undefined, 'read-only pool full');
  const m1 = l.acquire(info('POST', '/api/v1/namespaces/d/pods'), alice);
  assert.ok(m1);
  assert.equal(l.acquire(info('DELETE', '/api/v1/namespaces/d/pods/p'), alice), undefined, 'mutating pool full');
  assert.ok(l.acquire(info('GET', '/api/v1/pods?watch=true'), alice), 'watches are not counted');
  assert.ok(l.acquire(info('POST', '/api/v1/namespaces/d/pods'), admin), 'system:masters is not counted');
  r1();
  r1();
  assert.deepEqual(l.inFlight, { readOnly: 1, mutating: 1 }, 'a double release gives back one seat');
  assert.ok(l.acquire(info('GET', '/api/v1/pods'), alice));
  const unlimited = new MaxInFlightLimiter(0, 0);
  for (let i = 0; i < 1000; i++) assert.ok(unlimited.acquire(info('POST', '/api/v1/namespaces/d/pods'), alice));
});

test('the timeout Status is kube\'s NewTimeoutError', () => {
  assert.deepEqual(newRequestTimeout().status, {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: 'Timeout: request did not complete within the allotted timeout',
    reason: 'Timeout',
    details: {},
    code: 504,
  });
});

async function listen(server: Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return (server.address() as AddressInfo).port;
}

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
    s.on('error', () => {});
    s.once('error', reject);
  });
}

const closed = (s: Socket) => s.destroyed || s.readyState === 'closed';

test('connection guard: pending connections past the bound close oldest first; idle keep-alive ones have their own bound', async () => {
  const server = createServer({ keepAliveTimeout: 60_000 }, (_req, res) => res.end('ok'));
  const guard = new ConnectionGuard(server, { maxPendingConnections: 3, maxIdleConnections: 2, headersTimeoutMs: 60_000 });
  const port = await listen(server);
  try {
    // Three idle keep-alive connections (each served one request): the oldest is closed past 2.
    const idle: Socket[] = [];
    for (let i = 0; i < 3; i++) {
      const s = await open(port);
      await new Promise<void>((r) => {
        s.once('data', () => r());
        s.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
      });
      idle.push(s);
      await new Promise((r) => setTimeout(r, 20));
    }
    // Five pending ones: silent, or a head still arriving.
    const pending: Socket[] = [];
    for (let i = 0; i < 5; i++) {
      const s = await open(port);
      if (i % 2) s.write('GET / HTTP/1.1\r\nHo');
      pending.push(s);
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(pending.map(closed), [true, true, false, false, false], 'the two oldest pending connections were closed');
    assert.equal(idle.filter(closed).length, 1, 'one idle connection over the bound of 2 was closed');
    assert.equal(closed(idle[0]!), true, 'the oldest idle one');
    const c = guard.counts;
    assert.equal(c.pending, 3);
    assert.equal(c.idle, 2);
    for (const s of [...idle, ...pending]) s.destroy();
  } finally {
    guard.close();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
});

test('connection guard: a connection that sends nothing is closed after the headers timeout', async () => {
  const server = createServer((_req, res) => res.end('ok'));
  const guard = new ConnectionGuard(server, { headersTimeoutMs: 200 });
  const port = await listen(server);
  try {
    const silent = await open(port);
    const served = await open(port);
    await new Promise<void>((r) => {
      served.once('data', () => r());
      served.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    });
    await new Promise<void>((r, j) => {
      const t = setTimeout(() => j(new Error('the silent connection is still open after 3 s')), 3000);
      silent.once('close', () => {
        clearTimeout(t);
        r();
      });
    });
    assert.equal(closed(served), false, 'a connection that sent a request is left to the keep-alive timeout');
    served.destroy();
  } finally {
    guard.close();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
});

test('?timeout= (kubectl --request-timeout) shortens the request timeout; Go durations; invalid is a 400', () => {
  assert.equal(parseGoDuration('32s'), 32_000);
  assert.equal(parseGoDuration('1m30s'), 90_000);
  assert.equal(parseGoDuration('1.5h'), 5_400_000);
  assert.equal(parseGoDuration('250ms'), 250);
  assert.equal(parseGoDuration('0'), 0);
  for (const bad of ['', '5', 'abc', '1x', 's']) assert.equal(parseGoDuration(bad), undefined, bad);
  const q = (v?: string) => new URLSearchParams(v === undefined ? '' : `timeout=${encodeURIComponent(v)}`);
  assert.equal(requestDeadlineMs(q(), 60_000), 60_000);
  assert.equal(requestDeadlineMs(q('5s'), 60_000), 5_000);
  assert.equal(requestDeadlineMs(q('2m'), 60_000), 60_000, 'never longer than the server\'s');
  assert.equal(requestDeadlineMs(q('0s'), 60_000), 60_000);
  assert.throws(
    () => requestDeadlineMs(q('soon'), 60_000),
    (e: unknown) => e instanceof StatusError && e.status.code === 400 && e.status.message === 'invalid timeout specified in the request URL - time: invalid duration "soon"',
  );
});
