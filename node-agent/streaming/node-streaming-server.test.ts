/**
 * The node streaming server against a fake runtime: real CRI log files for /containerLogs, and for exec/attach
 * an in-process stand-in for containerd's stream server that speaks SPDY/3.1 + v4.channel.k8s.io (the real one
 * is exercised by logs-exec.integration.test.ts).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { WebSocket } from 'ws';
import type { Pod } from '../../shared/api/core-v1.ts';
import type { ExecRequest } from '../cri/services.ts';
import { createNodeStreamingServer, parseLogQuery, type NodeStreamingServer } from './node-streaming-server.ts';
import { FakeStreamServer, fakeStreamingRuntime } from './testing/fake-stream-server.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kubelab-nss-'));
const appLog = path.join(dir, 'app-0.log');
const prevLog = path.join(dir, 'app-prev.log');
fs.writeFileSync(appLog, '2026-01-02T03:04:05Z stdout F hello\n2026-01-02T03:04:06Z stderr F world\n');
fs.writeFileSync(prevLog, '2026-01-02T03:00:00Z stdout F before the restart\n');

const pod: Pod = {
  metadata: { name: 'web', namespace: 'default' },
  spec: { containers: [{ name: 'app', image: 'busybox' }, { name: 'wait', image: 'busybox' }] },
  status: {
    containerStatuses: [
      {
        name: 'app',
        ready: true,
        restartCount: 1,
        image: '',
        imageID: '',
        containerID: 'containerd://c-app',
        state: { running: {} },
        lastState: { terminated: { exitCode: 1, containerID: 'containerd://c-prev' } },
      },
      { name: 'wait', ready: false, restartCount: 0, image: '', imageID: '', state: { waiting: { reason: 'ContainerCreating' } } },
    ],
  },
};

const fake = new FakeStreamServer();
const execCalls: ExecRequest[] = [];
const runtime = fakeStreamingRuntime(fake, { 'c-app': { state: 'CONTAINER_RUNNING', logPath: appLog }, 'c-prev': { state: 'CONTAINER_EXITED', logPath: prevLog } }, execCalls);

let srv: NodeStreamingServer;
let base = '';

before(async () => {
  await fake.start();
  srv = await createNodeStreamingServer({
    runtime,
    getPod: (ns, name) => (ns === 'default' && name === 'web' ? pod : undefined),
    listen: { host: '127.0.0.1', port: 0 },
  });
  base = `http://127.0.0.1:${srv.port}`;
});

after(async () => {
  await srv.close();
  await fake.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('GET /containerLogs', () => {
  test('streams the log as text/plain; options apply', async () => {
    let res = await fetch(`${base}/containerLogs/default/web/app`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    assert.equal(await res.text(), 'hello\nworld\n');
    res = await fetch(`${base}/containerLogs/default/web/app?tailLines=1&timestamps=true`);
    assert.equal(await res.text(), '2026-01-02T03:04:06.000000000Z world\n');
    res = await fetch(`${base}/containerLogs/default/web/app?previous=true`);
    assert.equal(await res.text(), 'before the restart\n');
    res = await fetch(`${base}/containerLogs/default/web/app?limitBytes=3`);
    assert.equal(await res.text(), 'hel');
  });

  test("kubelet's errors as plain text", async () => {
    const get = async (p: string) => {
      const r = await fetch(base + p);
      return { status: r.status, text: await r.text() };
    };
    assert.deepEqual(await get('/containerLogs/default/nope/app'), { status: 404, text: 'pod "nope" does not exist' });
    assert.deepEqual(await get('/containerLogs/default/web/zzz'), { status: 404, text: 'container "zzz" not found in pod "web"' });
    assert.deepEqual(await get('/containerLogs/default/web/wait'), { status: 400, text: 'container "wait" in pod "web" is waiting to start: ContainerCreating' });
    assert.deepEqual(await get('/containerLogs/default/web/app?tailLines=x'), { status: 400, text: '{"message": "Unable to decode query."}' });
    assert.equal((await get('/exec/default/web/app?command=ls&output=1')).text, 'Upgrade request required');
    assert.equal((await get('/healthz')).text, 'ok');
  });

  test('query parsing: since from seconds or time (the later wins), tail alias', () => {
    const now = Date.parse('2026-01-02T03:04:10Z');
    const o = parseLogQuery(new URLSearchParams('sinceSeconds=5&tail=3&follow=1'), now);
    assert.equal(o.sinceNs, BigInt(Date.parse('2026-01-02T03:04:05Z')) * 1_000_000n);
    assert.equal(o.tailLines, 3);
    assert.equal(o.follow, true);
    const t = parseLogQuery(new URLSearchParams('sinceSeconds=5&sinceTime=2026-01-02T03:04:08Z'), now);
    assert.equal(t.sinceNs, BigInt(Date.parse('2026-01-02T03:04:08Z')) * 1_000_000n);
    assert.equal(parseLogQuery(new URLSearchParams('tail=all'), now).tailLines, undefined);
  });
});

interface Session {
  frames: Buffer[];
  code: number;
  protocol: string;
}

/** A v5 client: sends `input` once open, collects every message until the server closes. */
function wsSession(pathAndQuery: string, input: Buffer[] = [], protocols = ['v5.channel.k8s.io']): Promise<Session> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${srv.port}${pathAndQuery}`, protocols);
    const frames: Buffer[] = [];
    ws.on('open', () => {
      for (const m of input) ws.send(m);
    });
    ws.on('message', (d: Buffer) => frames.push(d));
    ws.on('close', (code: number) => resolve({ frames, code, protocol: ws.protocol }));
    ws.on('unexpected-response', (_req, res: http.IncomingMessage) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => reject(Object.assign(new Error(body), { status: res.statusCode })));
    });
    ws.on('error', (e) => reject(e));
  });
}

const text = (s: Session, ch: number) => s.frames.filter((f) => f[0] === ch).map((f) => f.subarray(1).toString()).join('');

describe('exec/attach over WebSocket v5', () => {
  test('stdout, stderr and the status on channel 3, then a normal close', async () => {
    const s = await wsSession('/exec/default/web/app?command=echo&command=hi&output=1&error=1');
    assert.equal(s.protocol, 'v5.channel.k8s.io');
    assert.equal(text(s, 1), 'hi\n');
    assert.equal(text(s, 2), 'to stderr\n');
    assert.deepEqual(JSON.parse(text(s, 3)), { metadata: {}, status: 'Success' });
    assert.equal(s.code, 1000);
    assert.deepEqual(execCalls.at(-1), { containerId: 'c-app', cmd: ['echo', 'hi'], stdin: false, stdout: true, stderr: true, tty: false });
    assert.equal(fake.seenProtocols.at(-1), 'v4.channel.k8s.io');
  });

  test('a non-zero exit is passed on as NonZeroExitCode', async () => {
    const s = await wsSession('/exec/default/web/app?command=exit&command=3&output=1');
    const st = JSON.parse(text(s, 3));
    assert.equal(st.reason, 'NonZeroExitCode');
    assert.deepEqual(st.details.causes, [{ reason: 'ExitCode', message: '3' }]);
  });

  test('stdin data, then the v5 close signal [255, 0] ends stdin', async () => {
    const s = await wsSession('/exec/default/web/app?command=cat&input=1&output=1&error=1', [Buffer.from('\x00abc'), Buffer.from('\x00def'), Buffer.from([255, 0])]);
    assert.equal(text(s, 1), 'abcdef');
    assert.equal(JSON.parse(text(s, 3)).status, 'Success');
  });

  test('tty: resize messages reach the runtime; stderr is never asked for', async () => {
    const s = await wsSession('/exec/default/web/app?command=tty&input=1&output=1&error=1&tty=1', [Buffer.from('\x04{"Width":100,"Height":30}'), Buffer.from([255, 0])]);
    assert.equal(text(s, 1), 'resize {"Width":100,"Height":30}');
    assert.equal(execCalls.at(-1)?.stderr, false);
    assert.equal(execCalls.at(-1)?.tty, true);
  });

  test('v4 clients are served too (the same frames, no close signal)', async () => {
    const s = await wsSession('/exec/default/web/app?command=echo&command=v4&output=1', [], ['v4.channel.k8s.io']);
    assert.equal(s.protocol, 'v4.channel.k8s.io');
    assert.equal(text(s, 1), 'v4\n');
  });

  test('attach uses CRI Attach', async () => {
    const s = await wsSession('/attach/default/web/app?input=1&output=1', [Buffer.from('\x00typed'), Buffer.from([255, 0])]);
    assert.equal(text(s, 1), 'typed');
  });

  test('refused before the handshake with kubelet-style errors', async () => {
    await assert.rejects(wsSession('/exec/default/web/app?command=ls'), { status: 400, message: 'you must specify at least 1 of stdin, stdout, stderr' });
    await assert.rejects(wsSession('/exec/default/web/wait?command=ls&output=1'), { status: 404, message: 'container not found ("wait")' });
    await assert.rejects(wsSession('/exec/default/nope/app?command=ls&output=1'), { status: 404, message: 'pod "nope" does not exist' });
    await assert.rejects(wsSession('/exec/default/web/app?command=ls&output=1', [], ['channel.k8s.io']), { status: 400 });
  });

  test('a command the runtime cannot start: its InternalError status', async () => {
    const s = await wsSession('/exec/default/web/app?command=nope&output=1');
    const st = JSON.parse(text(s, 3));
    assert.equal(st.reason, 'InternalError');
    assert.match(st.message, /executable file not found/);
  });
});
