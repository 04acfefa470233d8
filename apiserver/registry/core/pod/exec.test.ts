import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket } from 'ws';
import { StatusError } from '../../../../shared/errors/status-error.ts';
import { SpdySession, type SpdyStream } from '../../../../shared/streaming/spdy/spdy-session.ts';
import { nodeStreamPath, parsePodStreamOptions } from './exec.ts';
import { startProxyTestEnv, type ProxyTestEnv } from './proxy-test-env.ts';

describe('exec/attach options', () => {
  test('query → options; at least one stream', () => {
    const o = parsePodStreamOptions(new URLSearchParams('command=sh&command=-c&command=echo a&container=app&stdin=true&stdout=true&tty=true'), 'exec');
    assert.deepEqual(o, { container: 'app', command: ['sh', '-c', 'echo a'], stdin: true, stdout: true, stderr: false, tty: true });
    assert.equal(nodeStreamPath('exec', 'default', 'web', 'app', o), '/exec/default/web/app?input=1&output=1&tty=1&command=sh&command=-c&command=echo+a');
    assert.deepEqual(parsePodStreamOptions(new URLSearchParams('command=x&stdout=true'), 'attach').command, []);
    assert.throws(() => parsePodStreamOptions(new URLSearchParams('command=ls'), 'exec'), (e: unknown) => e instanceof StatusError && e.status.message === 'you must specify at least 1 of stdin, stdout, stderr');
  });
});

interface WsResult {
  frames: Buffer[];
  code: number;
  protocol: string;
}

describe('pods/exec and pods/attach through the apiserver', () => {
  let env: ProxyTestEnv;
  before(async () => {
    env = await startProxyTestEnv();
  });
  after(async () => {
    await env.close();
  });
  const wsUrl = (p: string) => `${env.server.url.replace(/^http/, 'ws')}/api/v1/namespaces/default/pods/${p}`;

  function ws(p: string, input: Buffer[] = [], protocols = ['v5.channel.k8s.io']): Promise<WsResult> {
    return new Promise((resolve, reject) => {
      const c = new WebSocket(wsUrl(p), protocols);
      const frames: Buffer[] = [];
      c.on('open', () => {
        for (const m of input) c.send(m);
      });
      c.on('message', (d: Buffer) => frames.push(d));
      c.on('close', (code: number) => resolve({ frames, code, protocol: c.protocol }));
      c.on('unexpected-response', (_q, res: http.IncomingMessage) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => reject(Object.assign(new Error(body), { status: res.statusCode, body: JSON.parse(body) })));
      });
      c.on('error', reject);
    });
  }
  const text = (r: WsResult, ch: number) => r.frames.filter((f) => f[0] === ch).map((f) => f.subarray(1).toString()).join('');

  test('WebSocket v5: the subprotocol is echoed; frames are relayed both ways; the status ends it', async () => {
    let r = await ws('web/exec?command=echo&command=hi&container=app&stdout=true&stderr=true');
    assert.equal(r.protocol, 'v5.channel.k8s.io');
    assert.equal(text(r, 1), 'hi\n');
    assert.equal(text(r, 2), 'to stderr\n');
    assert.deepEqual(JSON.parse(text(r, 3)), { metadata: {}, status: 'Success' });
    assert.equal(r.code, 1000);
    assert.deepEqual(env.execCalls.at(-1), { containerId: 'c-app', cmd: ['echo', 'hi'], stdin: false, stdout: true, stderr: true, tty: false });

    r = await ws('web/exec?command=cat&container=app&stdin=true&stdout=true', [Buffer.from('\x00abc'), Buffer.from([255, 0])]);
    assert.equal(text(r, 1), 'abc');
    r = await ws('web/exec?command=exit&command=3&container=app&stdout=true');
    assert.equal(JSON.parse(text(r, 3)).details.causes[0].message, '3');
    r = await ws('web/attach?container=side&stdin=true&stdout=true', [Buffer.from('\x00typed'), Buffer.from([255, 0])]);
    assert.equal(text(r, 1), 'typed');
  });

  test('a v4 client gets v4; a client offering neither is refused before the upgrade', async () => {
    const r = await ws('web/exec?command=echo&command=x&container=app&stdout=true', [], ['v4.channel.k8s.io', 'channel.k8s.io']);
    assert.equal(r.protocol, 'v4.channel.k8s.io');
    assert.equal(text(r, 1), 'x\n');
    await assert.rejects(ws('web/exec?command=ls&container=app&stdout=true', [], ['channel.k8s.io']), { status: 400 });
  });

  test('validation happens before the handshake, as HTTP Status errors', async () => {
    await assert.rejects(ws('web/exec?command=ls&stdout=true'), (e: any) => e.status === 400 && e.body.message === 'a container name must be specified for pod web, choose one of: [app side]');
    await assert.rejects(ws('web/exec?command=ls&container=nope&stdout=true'), (e: any) => e.status === 400 && e.body.message === 'container nope is not valid for pod web');
    await assert.rejects(ws('unbound/exec?command=ls&stdout=true'), (e: any) => e.status === 400 && e.body.message === 'pod unbound does not have a host assigned');
    await assert.rejects(ws('ghost/exec?command=ls&stdout=true'), (e: any) => e.status === 404);
    const plain = await env.api('POST', '/api/v1/namespaces/default/pods/web/exec?command=ls&container=app&stdout=true');
    assert.deepEqual([plain.status, plain.json.message], [400, 'Upgrade request required']);
  });

  test('the node agent refusing after the upgrade: a Failure status on channel 3', async () => {
    // The container is in the spec but not running on the node.
    await env.api('PATCH', '/api/v1/namespaces/default/pods/pending/status', { status: { containerStatuses: [{ name: 'app', ready: false, restartCount: 0, image: 'busybox', imageID: '', state: { terminated: { exitCode: 0 } } }] } }, 'application/merge-patch+json');
    const r = await ws('pending/exec?command=ls&stdout=true');
    const st = JSON.parse(text(r, 3));
    assert.equal(st.status, 'Failure');
    assert.equal(st.message, 'container not found ("app")');
  });

  /** A SPDY/3.1 client as kubectl 1.29 is: POST + Upgrade, then one stream per channel. */
  async function spdyExec(query: string, types: string[], onStreams: (s: Record<string, SpdyStream>) => void, offer = ['v4.channel.k8s.io', 'v3.channel.k8s.io']): Promise<{ out: Record<string, string>; protocol: string }> {
    const url = new URL(`${env.server.url}/api/v1/namespaces/default/pods/web/exec?${query}`);
    const { socket, head, protocol } = await new Promise<{ socket: Duplex; head: Buffer; protocol: string }>((resolve, reject) => {
      const req = http.request({
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method: 'POST',
        agent: false,
        headers: { Connection: 'Upgrade', Upgrade: 'SPDY/3.1', 'X-Stream-Protocol-Version': offer },
      });
      req.on('upgrade', (res, s, h) => resolve({ socket: s, head: h, protocol: String(res.headers['x-stream-protocol-version']) }));
      req.on('response', (res) => {
        let b = '';
        res.on('data', (c: Buffer) => (b += c.toString()));
        res.on('end', () => reject(Object.assign(new Error(b), { status: res.statusCode })));
      });
      req.on('error', reject);
      req.end();
    });
    const session = new SpdySession(socket, 'client', head);
    const streams: Record<string, SpdyStream> = {};
    const out: Record<string, string> = {};
    for (const t of types) {
      const st = session.openStream({ streamtype: [t] });
      streams[t] = st;
      out[t] = '';
      st.on('data', (d: Buffer) => (out[t] += d.toString()));
    }
    await Promise.all(Object.values(streams).map((s) => s.replied));
    onStreams(streams);
    await new Promise<void>((resolve) => {
      let left = types.filter((t) => t !== 'stdin' && t !== 'resize').length;
      for (const t of types) if (t !== 'stdin' && t !== 'resize') streams[t]!.on('end', () => --left === 0 && resolve());
    });
    session.destroy();
    return { out, protocol };
  }

  test('SPDY/3.1 clients (kubectl 1.29): streams are translated to the node\'s v5 WebSocket', async () => {
    let r = await spdyExec('command=echo&command=hi&container=app&stdout=true&stderr=true', ['error', 'stdout', 'stderr'], () => undefined);
    assert.equal(r.protocol, 'v4.channel.k8s.io');
    assert.equal(r.out['stdout'], 'hi\n');
    assert.equal(r.out['stderr'], 'to stderr\n');
    assert.deepEqual(JSON.parse(r.out['error']!), { metadata: {}, status: 'Success' });

    r = await spdyExec('command=cat&container=app&stdin=true&stdout=true', ['error', 'stdin', 'stdout'], (s) => {
      s['stdin']!.write(Buffer.from('via spdy'));
      s['stdin']!.end();
    });
    assert.equal(r.out['stdout'], 'via spdy');

    r = await spdyExec('command=tty&container=app&stdin=true&stdout=true&tty=true', ['error', 'stdin', 'stdout', 'resize'], (s) => {
      s['resize']!.write(Buffer.from('{"Width":80,"Height":24}'));
      setTimeout(() => s['stdin']!.end(), 100);
    });
    assert.equal(r.out['stdout'], 'resize {"Width":80,"Height":24}');

    // kubectl ≥ 1.30 falling back to SPDY offers v5 first; over SPDY it is the same as v4.
    r = await spdyExec('command=exit&command=3&container=app&stdout=true', ['error', 'stdout'], () => undefined, ['v5.channel.k8s.io', 'v4.channel.k8s.io']);
    assert.equal(r.protocol, 'v5.channel.k8s.io');
    assert.equal(JSON.parse(r.out['error']!).reason, 'NonZeroExitCode');
  });

  test('SPDY requests are validated like the others', async () => {
    await assert.rejects(spdyExec('command=ls&container=nope&stdout=true', ['error', 'stdout'], () => undefined), { status: 400 });
  });
});
