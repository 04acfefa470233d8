/**
 * Hostile input against the API server, over HTTP: slow and numerous connections, requests that outlive the
 * request timeout, in-flight limits, bodies nested past the decoders' limit (JSON, YAML, every patch type,
 * managedFields), YAML tags without a JSON meaning and alias bombs, warnings that are not Latin-1, objects over
 * the storage limit on both backends, and the embedded store's file modes. Each asserts the answer code and kube's
 * wording, and that the server keeps answering `/readyz` within 1 s during the attack with bounded RSS and
 * descriptors (read from /proc for the spawned `kubelab apiserver`).
 */
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { connect, createServer as createNetServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { APIServer, type RequestLimits } from '../../../apiserver/server/server.ts';
import { Registry } from '../../../apiserver/registry/registry.ts';
import { EmbeddedStore } from '../../../apiserver/storage/embedded/embedded-store.ts';
import { Etcd3Store } from '../../../apiserver/storage/etcd3/etcd3-store.ts';
import type { UserInfo } from '../../../apiserver/authentication/user-info.ts';
import { realClock } from '../../../shared/util/clock.ts';
import { startEtcd, type EtcdHandle } from '../framework/etcd.ts';
import { startTestServer, type TestServer } from '../framework/test-server.ts';
import { call, client, openStream, pod, until, within, type Resp } from './_http.ts';

const fromSource = import.meta.url.endsWith('.ts');
const CLI = fileURLToPath(new URL(`../../../cli/main.${fromSource ? 'ts' : 'js'}`, import.meta.url));
const PODS = '/api/v1/namespaces/default/pods';

// ------------------------------------------------------------------------------------------------- helpers

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createNetServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      srv.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

interface Spawned {
  url: string;
  port: number;
  pid: number;
  dataDir: string;
  output(): string;
  stop(): Promise<void>;
}

/** `kubelab apiserver` as its own process, with the descriptor limit many services run with (1024). */
async function spawnAPIServer(extra: string[] = []): Promise<Spawned> {
  assert.ok(existsSync(CLI), `${CLI} is missing${fromSource ? '' : ' (run tsc first)'}`);
  const port = await freePort();
  const dataDir = join(mkdtempSync(join(tmpdir(), 'kubelab-hostile-')), 'data');
  const args = [CLI, 'apiserver', '--listen', `127.0.0.1:${port}`, '--data-dir', dataDir, '--log-level', 'error', ...extra];
  const child: ChildProcess = spawn('bash', ['-c', 'ulimit -n 1024 && exec "$0" "$@"', process.execPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-8000)));
  child.stderr?.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-8000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let dead = false;
  void exited.then(() => (dead = true));
  const url = `http://127.0.0.1:${port}`;
  await until(
    'the spawned apiserver to answer /readyz',
    async () => {
      if (dead) throw new Error(`the apiserver exited: ${out}`);
      return (await fetch(`${url}/readyz`).catch(() => undefined))?.status === 200;
    },
    60_000,
    100,
  );
  return {
    url,
    port,
    pid: child.pid as number,
    dataDir,
    output: () => out,
    async stop() {
      if (!dead) {
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(t);
      }
      rmSync(join(dataDir, '..'), { recursive: true, force: true });
    },
  };
}

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) / 1024;
}

function fdCount(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/**
 * Polls /readyz every 100 ms on a fresh connection until stop(); returns the slowest answer (ms) and the
 * failures. A request that does not answer within 1 s counts as a failure.
 */
function watchReadyz(url: string): { stop(): Promise<{ worstMs: number; failures: string[]; polls: number }> } {
  let running = true;
  let worstMs = 0;
  let polls = 0;
  const failures: string[] = [];
  const loop = (async () => {
    while (running) {
      const t = performance.now();
      try {
        const r = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(1000), headers: { connection: 'close' } });
        await r.text();
        if (r.status !== 200) failures.push(`status ${r.status}`);
      } catch (e) {
        failures.push(String(e));
      }
      worstMs = Math.max(worstMs, performance.now() - t);
      polls++;
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { worstMs, failures, polls };
    },
  };
}

/** A raw TCP connection to the server; `closed` resolves (with what the server sent) when the server closes it. */
function rawConnection(port: number): Promise<{ socket: Socket; received: () => string; closed: Promise<string> }> {
  return new Promise((resolve, reject) => {
    let data = '';
    const socket = connect(port, '127.0.0.1');
    const closed = new Promise<string>((r) => socket.once('close', () => r(data)));
    socket.on('data', (d) => (data += d.toString('latin1')));
    socket.on('error', () => {});
    socket.once('connect', () => resolve({ socket, received: () => data, closed }));
    socket.once('error', reject);
  });
}

/** Asserts a Status body with the code, reason and (when given) exact message. */
function assertStatus(r: Resp, code: number, reason: string, message?: string | RegExp): void {
  assert.equal(r.status, code, `expected ${code}, got ${r.status}: ${r.text.slice(0, 300)}`);
  assert.equal(r.json?.kind, 'Status', r.text.slice(0, 300));
  assert.equal(r.json.code, code);
  assert.equal(r.json.reason, reason, r.text.slice(0, 300));
  if (typeof message === 'string') assert.equal(r.json.message, message);
  else if (message) assert.match(r.json.message, message);
}

/** A gate handlers wait on, opened by the test. */
class Gate {
  #open = false;
  #waiters: (() => void)[] = [];
  wait(): Promise<void> {
    return this.#open ? Promise.resolve() : new Promise((r) => this.#waiters.push(r));
  }
  open(): void {
    this.#open = true;
    for (const w of this.#waiters.splice(0)) w();
  }
  close(): void {
    this.#open = false;
  }
}

interface InProcess {
  url: string;
  port: number;
  gate: Gate;
  /** How many /slow handlers saw their request's connection go away (the handler outliving a 504). */
  slowAborted: () => number;
  close(): Promise<void>;
}

/**
 * An APIServer over an embedded store with kube's limits set small, a non-resource `/slow` endpoint that waits
 * for the gate (GET: read-only, POST: mutating), and an authenticator: `Authorization: Bearer master` is a member
 * of system:masters, anything else is the ordinary user alice.
 */
async function startInProcess(limits: RequestLimits): Promise<InProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'kubelab-hostile-inproc-'));
  const storage = EmbeddedStore.open({ path: join(dir, 'kubelab.db') });
  const registry = new Registry(storage, realClock);
  await registry.start();
  const gate = new Gate();
  let aborted = 0;
  const slow = async (req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> => {
    if (path !== '/slow') return false;
    let gone = false;
    res.once('close', () => {
      if (!res.writableFinished) gone = true;
    });
    await gate.wait();
    if (gone || res.headersSent) aborted++;
    if (!res.headersSent) {
      res.statusCode = 200;
      res.setHeader('Content-Type', 'text/plain');
      res.end(`done ${req.method}`);
    }
    return true;
  };
  const authenticate = async (req: IncomingMessage): Promise<UserInfo> =>
    req.headers.authorization === 'Bearer master'
      ? { name: 'admin', groups: ['system:masters', 'system:authenticated'] }
      : { name: 'alice', groups: ['system:authenticated'] };
  const server = new APIServer({ resources: registry, nonResource: [slow], isReady: () => registry.ready, authenticate, limits });
  const addr = await server.listen('127.0.0.1', 0);
  return {
    url: `http://127.0.0.1:${addr.port}`,
    port: addr.port,
    gate,
    slowAborted: () => aborted,
    async close() {
      gate.open();
      await server.close();
      await registry.stop();
      await storage.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const nested = (open: string, close: string, depth: number, inner = '1') => open.repeat(depth) + inner + close.repeat(depth);

// ------------------------------------------------------------------------------------------------- request timeout

describe('request timeout', () => {
  let s: InProcess;
  before(async () => {
    s = await startInProcess({ requestTimeoutMs: 600, headersTimeoutMs: 500 });
  });
  after(async () => s?.close());

  test('a request that is not long-running gets kube\'s 504 Timeout Status; the handler keeps running and is told', async () => {
    const t = performance.now();
    const r = await within(call(s.url, 'GET', '/slow'), 5000, 'the 504');
    const ms = performance.now() - t;
    assertStatus(r, 504, 'Timeout', 'Timeout: request did not complete within the allotted timeout');
    assert.deepEqual(r.json.details, {});
    assert.ok(ms >= 550 && ms < 3000, `answered after ${ms} ms`);
    assert.equal(r.headers.get('connection'), 'close', 'the socket is not reused while the handler may still write');
    s.gate.open();
    await until('the timed-out handler to finish', () => s.slowAborted() >= 1, 5000);
  });

  test('?timeout= (kubectl --request-timeout) shortens it; an invalid one is a 400', async () => {
    s.gate.close();
    const t = performance.now();
    const r = await within(call(s.url, 'GET', '/slow?timeout=150ms'), 5000, 'the 504');
    s.gate.open();
    assertStatus(r, 504, 'Timeout', 'Timeout: request did not complete within the allotted timeout');
    assert.ok(performance.now() - t < 550, `answered after ${performance.now() - t} ms, before the server's 600 ms`);
    assertStatus(await call(s.url, 'GET', `${PODS}?timeout=soon`), 400, 'BadRequest', 'invalid timeout specified in the request URL - time: invalid duration "soon"');
    assert.equal((await call(s.url, 'GET', `${PODS}?timeout=30s`)).status, 200);
  });

  test('a watch outlives the request timeout and still delivers events', async () => {
    const w = await openStream(s.url, `${PODS}?watch=true`);
    try {
      assert.equal(w.status, 200);
      await new Promise((r) => setTimeout(r, 1500));
      const created = await call(s.url, 'POST', PODS, pod('after-timeout'));
      assert.equal(created.status, 201, created.text);
      const line = await w.next(5000);
      assert.ok(line, 'the watch is still open after 2.5 request timeouts');
      assert.equal(JSON.parse(line).object.metadata.name, 'after-timeout');
    } finally {
      w.close();
    }
  });

  test('a request body sent slower than the request timeout is cut with the 504', async () => {
    const c = await rawConnection(s.port);
    c.socket.write(`POST ${PODS} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"metadata":`);
    const trickle = setInterval(() => c.socket.write(' '), 100);
    try {
      const got = await within(c.closed, 5000, 'the server to close the slow-body connection');
      assert.match(got, /^HTTP\/1\.1 504 /);
      assert.match(got, /"reason":"Timeout"/);
    } finally {
      clearInterval(trickle);
      c.socket.destroy();
    }
  });

  test('a connection that sends no request head, or only part of one, is closed after the headers timeout', async () => {
    const silent = await rawConnection(s.port);
    const partial = await rawConnection(s.port);
    partial.socket.write('GET /readyz HTTP/1.1\r\nHost: x\r\nX-Slow: ');
    const t = performance.now();
    await within(silent.closed, 5000, 'the silent connection to be closed');
    const head = await within(partial.closed, 5000, 'the slow-header connection to be closed');
    assert.ok(performance.now() - t < 10_000, `closed after ${performance.now() - t} ms`);
    // Closed without an answer, as Go's server does on ReadHeaderTimeout.
    assert.equal(head, '');
  });
});

// ------------------------------------------------------------------------------------------------- in-flight limits

describe('max requests in flight', () => {
  let s: InProcess;
  before(async () => {
    s = await startInProcess({ maxRequestsInFlight: 2, maxMutatingRequestsInFlight: 1, requestTimeoutMs: 30_000 });
  });
  after(async () => s?.close());

  test('429 with Retry-After: 1 past each limit; long-running requests and system:masters are not counted', async () => {
    const held = [call(s.url, 'POST', '/slow', 'x'), call(s.url, 'GET', '/slow'), call(s.url, 'GET', '/slow')];
    await new Promise((r) => setTimeout(r, 300));
    const tooMany = async (method: string, headers: Record<string, string> = {}) => {
      const r = await call(s.url, method, '/slow', method === 'POST' ? 'x' : undefined, headers);
      assert.equal(r.status, 429, `${method}: ${r.status} ${r.text}`);
      assert.equal(r.headers.get('retry-after'), '1');
      assert.equal(r.text, 'Too many requests, please try again later.\n');
      return r;
    };
    await tooMany('POST');
    await tooMany('GET');
    // Resource requests share the limits: a pod create is mutating, a list read-only.
    assert.equal((await call(s.url, 'POST', PODS, pod('refused'))).status, 429);
    assert.equal((await call(s.url, 'GET', PODS)).status, 429);
    // Long-running: a watch is served while every seat is taken.
    const w = await openStream(s.url, `${PODS}?watch=true`);
    assert.equal(w.status, 200);
    w.close();
    // system:masters is never limited (kube's WithMaxInFlightLimit skips the privileged group).
    const master = await call(s.url, 'GET', PODS, undefined, { authorization: 'Bearer master' });
    assert.equal(master.status, 200, master.text);
    s.gate.open();
    for (const r of await Promise.all(held)) assert.equal(r.status, 200, r.text);
    // Seats are given back.
    assert.equal((await call(s.url, 'POST', PODS, pod('after'))).status, 201);
    assert.equal((await call(s.url, 'GET', PODS)).status, 200);
  });
});

// ------------------------------------------------------------------------------------------------- a real process

describe('kubelab apiserver under attack (spawned, ulimit -n 1024)', () => {
  let srv: Spawned;
  before(async () => {
    srv = await spawnAPIServer();
  });
  after(async () => srv?.stop());

  test('the data directory is 0700 and the database files 0600', () => {
    assert.equal(statSync(srv.dataDir).mode & 0o777, 0o700);
    const files = readdirSync(srv.dataDir);
    assert.ok(files.includes('kubelab.db'), files.join(','));
    for (const f of files) assert.equal(statSync(join(srv.dataDir, f)).mode & 0o777, 0o600, f);
  });

  test('1000 slow-header and slow-body connections: /readyz answers within 1 s and descriptors stay bounded', async () => {
    const baseline = fdCount(srv.pid);
    const ready = watchReadyz(srv.url);
    const conns: Awaited<ReturnType<typeof rawConnection>>[] = [];
    let maxFds = 0;
    try {
      for (let i = 0; i < 1000; i++) {
        let c;
        try {
          c = await rawConnection(srv.port);
        } catch {
          continue; // closed by the server before it connected: that is the bound at work
        }
        conns.push(c);
        if (i % 2 === 0) c.socket.write('GET /api/v1/pods HTTP/1.1\r\nHost: x\r\nX-Slow: ');
        else c.socket.write(`POST ${PODS} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{`);
        if (i % 50 === 0) maxFds = Math.max(maxFds, fdCount(srv.pid));
      }
      for (let i = 0; i < 10; i++) {
        for (const c of conns) if (!c.socket.destroyed) c.socket.write(' ');
        maxFds = Math.max(maxFds, fdCount(srv.pid));
        await new Promise((r) => setTimeout(r, 200));
      }
    } finally {
      const res = await ready.stop();
      for (const c of conns) c.socket.destroy();
      assert.deepEqual(res.failures, [], `readyz failed during the attack (worst ${res.worstMs} ms)`);
      assert.ok(res.worstMs < 1000, `readyz took ${res.worstMs} ms`);
      assert.ok(res.polls >= 5, `readyz polled ${res.polls} times`);
    }
    assert.ok(maxFds < baseline + 256 + 64, `the server held ${maxFds} descriptors (baseline ${baseline}) for 1000 attacking connections`);
    const open = conns.filter((c) => !c.socket.destroyed && c.socket.readyState === 'open').length;
    assert.ok(open <= 300, `${open} attacking connections still open`);
    // Still serving.
    const r = await call(srv.url, 'POST', PODS, pod('after-flood'));
    assert.equal(r.status, 201, r.text);
  });

  test('four 2 MB bodies nested a million deep (JSON and YAML) at once: fast 400s, /readyz within 1 s, RSS bounded', async () => {
    const before = rssMiB(srv.pid);
    const ready = watchReadyz(srv.url);
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMiB(srv.pid))), 50);
    const t = performance.now();
    try {
      const bodies = [
        call(srv.url, 'POST', PODS, '['.repeat(2_000_000), { 'content-type': 'application/json' }),
        call(srv.url, 'POST', PODS, '{"a":'.repeat(400_000), { 'content-type': 'application/json' }),
        call(srv.url, 'POST', PODS, '['.repeat(2_000_000), { 'content-type': 'application/yaml' }),
        call(srv.url, 'POST', PODS, '- '.repeat(1_000_000) + 'x', { 'content-type': 'application/yaml' }),
      ];
      const [json1, json2, yaml1, yaml2] = await within(Promise.all(bodies), 10_000, 'the four answers');
      const ms = performance.now() - t;
      // A create's decode failure as kube's transformDecodeError words it: the kind, Go's error, the body's first 30 bytes.
      const unrecognized = 'the object provided is unrecognized (must be of type Pod): ';
      assertStatus(json1!, 400, 'BadRequest', `${unrecognized}couldn't get version/kind; json parse error: invalid character '[' exceeded max depth (${'5b'.repeat(30)} ...)`);
      assertStatus(json2!, 400, 'BadRequest', `${unrecognized}couldn't get version/kind; json parse error: invalid character '{' exceeded max depth (${'{"a":'.repeat(6)} ...)`);
      assertStatus(yaml1!, 400, 'BadRequest', `${unrecognized}error converting YAML to JSON: yaml: exceeded max depth of 10000 (${'5b'.repeat(30)} ...)`);
      assertStatus(yaml2!, 400, 'BadRequest', `${unrecognized}error converting YAML to JSON: yaml: exceeded max depth of 10000 (${'2d20'.repeat(15)} ...)`);
      assert.ok(ms < 3000, `the four answers took ${ms} ms`);
    } finally {
      clearInterval(sampler);
      const res = await ready.stop();
      assert.deepEqual(res.failures, []);
      assert.ok(res.worstMs < 1000, `readyz took ${res.worstMs} ms`);
    }
    assert.ok(peak - before < 150, `RSS grew from ${before.toFixed(0)} to ${peak.toFixed(0)} MiB`);
  });
});

// ------------------------------------------------------------------------------------------------- decoding and patches

describe('decoding', () => {
  let server: TestServer;
  let api: ReturnType<typeof client>;
  before(async () => {
    server = await startTestServer();
    api = client(server.url);
    assert.equal((await api.post(PODS, pod('target'))).status, 201);
  });
  after(async () => server?.close());

  const deepObj = (d: number) => nested('{"a":', '}', d);
  const JSON_DEPTH = "couldn't get version/kind; json parse error: invalid character '{' exceeded max depth";

  test('patch bodies of every type and managedFields nested past 10,000 levels: 400 in kube\'s words', async () => {
    const rev = await server.storage.currentRevision();
    const deep = deepObj(10_001);
    for (const [type, body] of [
      ['application/merge-patch+json', `{"metadata":{"labels":${deep}}}`],
      ['application/strategic-merge-patch+json', `{"metadata":{"labels":${deep}}}`],
      ['application/json-patch+json', `[{"op":"add","path":"/metadata/labels","value":${deep}}]`],
    ] as const) {
      assertStatus(await api.patch(`${PODS}/target`, body, type), 400, 'BadRequest', JSON_DEPTH);
    }
    const apply = await api.call('PATCH', `${PODS}/target?fieldManager=t`, `apiVersion: v1\nkind: Pod\nmetadata:\n  name: target\n  labels: ${nested('[', ']', 10_001)}\n`, {
      'content-type': 'application/apply-patch+yaml',
    });
    assertStatus(apply, 400, 'BadRequest', 'error converting YAML to JSON: yaml: line 5: exceeded max depth of 10000');
    const mf = `{"metadata":{"managedFields":[{"manager":"m","operation":"Update","apiVersion":"v1","fieldsType":"FieldsV1","fieldsV1":${deep}}]}}`;
    assertStatus(await api.patch(`${PODS}/target`, mf), 400, 'BadRequest', JSON_DEPTH);
    const created = await api.post(PODS, `{"metadata":{"name":"mf","managedFields":[{"manager":"m","operation":"Update","apiVersion":"v1","fieldsType":"FieldsV1","fieldsV1":${deep}}]},"spec":{"containers":[{"name":"c","image":"x"}]}}`);
    assertStatus(created, 400, 'BadRequest', `the object provided is unrecognized (must be of type Pod): ${JSON_DEPTH} ({"metadata":{"name":"mf","mana ...)`);
    assert.equal(await server.storage.currentRevision(), rev, 'nothing was written');
  });

  test('patches and managedFields nested a few thousand levels (within the limit, past Node\'s stack) answer 4xx, never 500', async () => {
    for (const depth of [3000, 6000, 9000]) {
      const deep = deepObj(depth);
      const answers: Resp[] = [
        await api.patch(`${PODS}/target`, `{"metadata":{"labels":${deep}}}`),
        await api.patch(`${PODS}/target`, `{"metadata":{"labels":${deep}}}`, 'application/strategic-merge-patch+json'),
        await api.patch(`${PODS}/target`, `{"spec":{"containers":[{"name":"c","x":${deep}}]}}`, 'application/strategic-merge-patch+json'),
        await api.patch(`${PODS}/target`, `[{"op":"add","path":"/metadata/labels","value":${deep}}]`, 'application/json-patch+json'),
        await api.call('PATCH', `${PODS}/target?fieldManager=t`, `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"target","labels":${deep}}}`, { 'content-type': 'application/apply-patch+yaml' }),
      ];
      for (const [i, r] of answers.entries()) {
        assert.ok(r.status >= 400 && r.status < 500, `depth ${depth} patch #${i}: ${r.status} ${r.text.slice(0, 200)}`);
        assert.equal(r.json?.kind, 'Status');
      }
      const mf = await api.patch(`${PODS}/target`, `{"metadata":{"managedFields":[{"manager":"m","operation":"Update","apiVersion":"v1","fieldsType":"FieldsV1","fieldsV1":${deep}}]}}`);
      assert.ok(mf.status < 500, `depth ${depth} managedFields: ${mf.status} ${mf.text.slice(0, 200)}`);
    }
    // The object is still readable and writable.
    assert.equal((await api.get(`${PODS}/target`)).status, 200);
    assert.equal((await api.patch(`${PODS}/target`, { metadata: { labels: { ok: 'yes' } } })).status, 200);
  });

  test('YAML tags without a JSON meaning and alias bombs are 400s', async () => {
    const yaml = (extra: string) => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: tagged\n  annotations:\n    a: ${extra}\nspec:\n  containers:\n  - name: c\n    image: x\n`;
    for (const [value, tag] of [
      ['!!binary aGVsbG8=', '!!binary'],
      ['!!set {x, y}', '!!set'],
      ['!!timestamp 2001-12-14', '!!timestamp'],
      ['!python/object:os.system ls', '!python/object:os.system'],
    ] as const) {
      const r = await api.post(PODS, yaml(value), { 'content-type': 'application/yaml' });
      const summary = `${Buffer.from(yaml(value)).subarray(0, 30).toString('hex')} ...`;
      assertStatus(r, 400, 'BadRequest', `the object provided is unrecognized (must be of type Pod): error converting YAML to JSON: yaml: the tag ${tag} has no JSON equivalent (${summary})`);
    }
    const laughs = ['apiVersion: v1', 'kind: Pod', 'metadata: {name: laughs}', 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 9; i++) laughs.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill('*' + String.fromCharCode(96 + i)).join(',')}]`);
    const t = performance.now();
    const r = await api.post(PODS, laughs.join('\n') + '\n', { 'content-type': 'application/yaml' });
    assertStatus(r, 400, 'BadRequest', /^the object provided is unrecognized \(must be of type Pod\): error converting YAML to JSON: yaml: Excessive alias count.* \(6170[0-9a-f]+ \.\.\.\)$/);
    assert.ok(performance.now() - t < 2000);
    // Tags with a JSON meaning still work.
    const ok = await api.post(PODS, yaml('!!str 12'), { 'content-type': 'application/yaml' });
    assert.equal(ok.status, 201, ok.text);
    assert.equal(ok.json.metadata.annotations.a, '12');
  });

  test('a warning that is not Latin-1 is sent as its UTF-8 bytes and the write answers 2xx', async () => {
    const field = 'ключ☃';
    const created = await api.post(PODS, { metadata: { name: 'warned' }, spec: { containers: [{ name: 'c', image: 'x' }], [field]: 1 } });
    assert.equal(created.status, 201, created.text);
    const expected = `299 - "unknown field \\"spec.${field}\\""`;
    // fetch decodes header bytes as Latin-1: turn them back into the bytes sent.
    assert.equal(Buffer.from(created.headers.get('warning') ?? '', 'latin1').toString('utf8'), expected);
    const patched = await api.patch(`${PODS}/warned`, JSON.stringify({ metadata: { labels: { patched: 'yes' } }, spec: { [field]: 2 } }));
    assert.equal(patched.status, 200, patched.text);
    assert.equal(Buffer.from(patched.headers.get('warning') ?? '', 'latin1').toString('utf8'), expected);
    assert.equal(patched.json.metadata.labels.patched, 'yes');
    assert.equal((await api.get(`${PODS}/warned`)).json.metadata.labels.patched, 'yes', 'the patch was committed and answered 200');
  });
});

// ------------------------------------------------------------------------------------------------- object size

/** A pod carrying `bytes` of container arguments (annotations stop at 256 KiB; arguments have no limit of their own). */
const hugePod = (name: string, bytes: number) => ({ metadata: { name }, spec: { containers: [{ name: 'c', image: 'x', args: ['x'.repeat(bytes)] }] } });

async function checkObjectSize(server: TestServer): Promise<void> {
  const api = client(server.url);
  const rev = await server.storage.currentRevision();
  assertStatus(await api.post(PODS, hugePod('two-mib', 2 * 1024 * 1024)), 413, 'RequestEntityTooLarge', 'Request entity too large: limit is 1572864');
  const fits = await api.post(PODS, hugePod('fits', 1024 * 1024));
  assert.equal(fits.status, 201, fits.text.slice(0, 200));
  const grown = await api.patch(`${PODS}/fits/status`, { status: { message: 'y'.repeat(700 * 1024) } });
  assertStatus(grown, 413, 'RequestEntityTooLarge', 'Request entity too large: limit is 1572864');
  // Over the request body limit the body is refused before it is decoded.
  assertStatus(await api.post(PODS, hugePod('four-mib', 4 * 1024 * 1024)), 413, 'RequestEntityTooLarge', 'Request entity too large: limit is 3145728');
  assert.equal(await server.storage.currentRevision(), rev + 1, 'only the object that fits was written');
}

describe('an object over the storage limit is a 413 on both backends', () => {
  let etcd: EtcdHandle | undefined;
  after(async () => etcd?.stop());

  test('embedded store', async () => {
    const server = await startTestServer();
    try {
      await checkObjectSize(server);
    } finally {
      await server.close();
    }
  });

  test('etcd', async () => {
    etcd = await startEtcd();
    const storage = new Etcd3Store({ endpoints: [etcd.endpoint], prefix: `/hostile-${Date.now()}` });
    const server = await startTestServer({ storage });
    try {
      await checkObjectSize(server);
    } finally {
      await server.close();
      await storage.close();
    }
  });
});
