/**
 * pods/portforward through an in-process apiserver and a node streaming server whose runtime is the
 * port-forward stand-in (node-agent/streaming/testing/fake-port-forward-server.ts), forwarding to an echo
 * server on 127.0.0.1 (the "pod"): the three client protocols, stream pairing, WebSocket v4 framing, the
 * WebSocket-tunnelled SPDY framing, and the refusals.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import { randomBytes } from 'node:crypto';
import * as net from 'node:net';
import { WebSocket, createWebSocketStream } from 'ws';
import type { Pod } from '../../../../shared/api/core-v1.ts';
import { startTestServer, type TestServer } from '../../../../test/integration/framework/test-server.ts';
import { createNodeStreamingServer, type NodeStreamingServer } from '../../../../node-agent/streaming/node-streaming-server.ts';
import { FakePortForwardServer, fakePortForwardRuntime, type FakeSandbox } from '../../../../node-agent/streaming/testing/fake-port-forward-server.ts';
import { PortForwardClient, readToEnd } from '../../../../shared/streaming/port-forward-client.ts';
import { SpdySession } from '../../../../shared/streaming/spdy/spdy-session.ts';
import { nodePortForwardPath, parsePortForwardPorts } from './portforward.ts';
import { apiFetcher, securedAgent, type ApiFetch } from './proxy-test-env.ts';

describe('portforward options', () => {
  test('ports: repeated and comma-separated values; the node path joins them as kubelet\'s `port`', () => {
    assert.deepEqual(parsePortForwardPorts(new URLSearchParams('ports=80&ports=8080,9090')), ['80', '8080', '9090']);
    assert.deepEqual(parsePortForwardPorts(new URLSearchParams('')), []);
    assert.equal(nodePortForwardPath('default', 'web', ['80', '8080']), '/portForward/default/web?port=80%2C8080');
    assert.equal(nodePortForwardPath('default', 'web', []), '/portForward/default/web');
  });
});

/**
 * A WebSocket client offering `SPDY/3.1+portforward.k8s.io` as gorilla's client (kubectl) does: ws's client
 * refuses that subprotocol (not an RFC 7230 token), so the handshake is done by hand and the socket handed to
 * a client-mode WebSocket.
 */
function dialTunnel(url: string, protocol: string): Promise<{ ws: WebSocket; protocol: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: u.hostname,
      port: u.port,
      path: `${u.pathname}${u.search}`,
      headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': randomBytes(16).toString('base64'), 'Sec-WebSocket-Protocol': protocol },
    });
    req.on('upgrade', (res, socket, head) => {
      const ws = new WebSocket(null as unknown as string, undefined, {});
      (ws as unknown as { _isServer: boolean })._isServer = false;
      (ws as unknown as { setSocket(s: unknown, h: Buffer, o: object): void }).setSocket(socket, head, { maxPayload: 0, allowSynchronousEvents: true });
      resolve({ ws, protocol: String(res.headers['sec-websocket-protocol'] ?? '') });
    });
    req.on('response', (res) => reject(new Error(`no upgrade: ${res.statusCode}`)));
    req.on('error', reject);
    req.end();
  });
}

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

for (const secured of [false, true]) describe(`pods/portforward through the apiserver and the agent${secured ? ' (HTTPS agent, client certificate, NodeAuth)' : ''}`, () => {
  const seen: string[] = [];
  let server: TestServer;
  let node: NodeStreamingServer;
  let pf: FakePortForwardServer;
  let echo: net.Server;
  const echoSockets = new Set<net.Socket>();
  let echoPort = 0;
  let closedPort = 0;
  const sandboxes: FakeSandbox[] = [];
  const base = '/api/v1/namespaces/default/pods';

  const api: ApiFetch = (method, p, body, contentType) => apiFetcher(server.url)(method, p, body, contentType);

  before(async () => {
    echo = net.createServer((s) => {
      echoSockets.add(s);
      s.on('close', () => echoSockets.delete(s));
      s.pipe(s);
    });
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
    echoPort = (echo.address() as net.AddressInfo).port;
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    closedPort = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    pf = new FakePortForwardServer();
    await pf.start();
    server = await startTestServer();
    const sec = secured ? await securedAgent(seen) : undefined;
    if (sec) server.registry.kubeletTLS = sec.kubeletTLS;
    node = await createNodeStreamingServer({
      ...(sec ? { tls: sec.tls, auth: sec.auth } : {}),
      runtime: fakePortForwardRuntime(pf, sandboxes),
      listen: { host: '127.0.0.1', port: 0 },
      getPod: async (ns, name) => {
        const r = await api('GET', `/api/v1/namespaces/${ns}/pods/${name}`);
        return r.status === 200 ? (r.json as Pod) : undefined;
      },
    });
    const must = async (method: string, p: string, body?: unknown, contentType?: string) => {
      const r = await api(method, p, body, contentType);
      if (r.status >= 300) throw new Error(`${method} ${p}: ${r.status} ${r.text}`);
      return r.json;
    };
    await must('POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } });
    await must('PATCH', '/api/v1/nodes/n1/status', { status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: node.port } } } }, 'application/merge-patch+json');
    for (const name of ['web', 'nosandbox', 'unbound']) {
      const pod = (await must('POST', `${base}`, { metadata: { name }, spec: { containers: [{ name: 'app', image: 'busybox' }] } })) as Pod;
      if (name !== 'unbound') await must('POST', `${base}/${name}/binding`, { apiVersion: 'v1', kind: 'Binding', metadata: { name }, target: { kind: 'Node', name: 'n1' } });
      if (name === 'web') {
        // An older sandbox of the same pod: the newest one is used.
        sandboxes.push({ id: 'sb-old', podUid: pod.metadata.uid ?? '', createdAt: 1n }, { id: 'sb-new', podUid: pod.metadata.uid ?? '', createdAt: 2n });
      }
    }
  });

  after(async () => {
    await node?.close();
    await pf?.close();
    await server?.close();
    for (const s of echoSockets) s.destroy();
    await new Promise<void>((r) => (echo ? echo.close(() => r()) : r()));
  });

  test('SPDY: one stream pair per connection, paired by requestID; a refused port fails its pair only', async () => {
    const before = pf.requests.length;
    const c = await PortForwardClient.dial(`${server.url}${base}/web/portforward`);
    try {
      const bad = c.forward(closedPort);
      const badData = readToEnd(bad.data);
      const text = await within(bad.errorText, 5000, 'the error stream');
      assert.match(text, new RegExp(`^error forwarding port ${closedPort} to pod sb-new, uid : .*ECONNREFUSED`));
      await within(badData, 5000, 'the failed pair\'s data stream to end');
      // Two connections at once on the same session, streams opened interleaved.
      const a = c.forward(echoPort, 'a');
      const b = c.forward(echoPort, 'b');
      const ra = readToEnd(a.data);
      const rb = readToEnd(b.data);
      a.data.end(Buffer.from('first connection'));
      b.data.end(Buffer.from('second'));
      assert.equal((await within(ra, 5000, 'echo a')).toString(), 'first connection');
      assert.equal((await within(rb, 5000, 'echo b')).toString(), 'second');
      assert.equal(await within(a.errorText, 5000, 'a good pair\'s error stream'), '');
      assert.equal(c.session.closed, false);
    } finally {
      c.close();
    }
    // SPDY carries the ports per stream: the CRI request names none; the newest sandbox is used.
    assert.deepEqual(pf.requests.slice(before), [{ podSandboxId: 'sb-new', ports: [] }]);
    // The agent authorized the API server for `create nodes/proxy` (kubelab's stricter /portForward rule).
    if (secured) assert.deepEqual(seen, ['kube-apiserver-kubelet-client create nodes/proxy n1']);
  });

  /** Opens a WebSocket to pods/web/portforward and collects what arrives. */
  function openWs(query: string, protocols: string[]): Promise<{ ws: WebSocket; messages: (Buffer | string)[]; closed: Promise<number> }> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}${base}/web/portforward${query}`, protocols);
      const messages: (Buffer | string)[] = [];
      const closed = new Promise<number>((r) => ws.on('close', (code: number) => r(code)));
      ws.on('message', (d: Buffer, isBinary: boolean) => messages.push(isBinary ? d : d.toString()));
      ws.on('open', () => resolve({ ws, messages, closed }));
      ws.on('unexpected-response', (_q, res: http.IncomingMessage) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => reject(Object.assign(new Error(body), { status: res.statusCode, body: JSON.parse(body) })));
      });
      ws.on('error', reject);
    });
  }

  async function until(pred: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + 5000;
    while (!pred()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  test('WebSocket v4: two channels per port, each opened with the port (2 bytes, little endian)', async () => {
    const before = pf.requests.length;
    const { ws, messages, closed } = await openWs(`?ports=${echoPort},${closedPort}`, ['v4.channel.k8s.io']);
    assert.equal(ws.protocol, 'v4.channel.k8s.io');
    const le = (p: number) => Buffer.from([p & 0xff, p >> 8]);
    await until(() => messages.length >= 4, 'the port prefixes');
    assert.deepEqual(messages.slice(0, 4), [Buffer.concat([Buffer.from([0]), le(echoPort)]), Buffer.concat([Buffer.from([1]), le(echoPort)]), Buffer.concat([Buffer.from([2]), le(closedPort)]), Buffer.concat([Buffer.from([3]), le(closedPort)])]);
    ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('over websocket')]));
    const data = () => Buffer.concat(messages.slice(4).filter((m): m is Buffer => Buffer.isBuffer(m) && m[0] === 0).map((m) => m.subarray(1))).toString();
    await until(() => data() === 'over websocket', 'the echo on channel 0');
    await until(() => messages.some((m) => Buffer.isBuffer(m) && m[0] === 3 && m.length > 3), 'the error of the closed port on channel 3');
    const err = messages.find((m): m is Buffer => Buffer.isBuffer(m) && m[0] === 3 && m.length > 3);
    assert.match(err?.subarray(1).toString() ?? '', new RegExp(`^error forwarding port ${closedPort} to pod sb-new`));
    ws.close();
    await within(closed, 5000, 'the close');
    // The agent passed the ports on to CRI (kubelet's NewV4Options from the `port` query).
    assert.deepEqual(pf.requests.slice(before), [{ podSandboxId: 'sb-new', ports: [echoPort, closedPort] }]);
  });

  test('WebSocket v4 base64: text messages, channel as an ASCII digit', async () => {
    const { ws, messages } = await openWs(`?ports=${echoPort}`, ['v4.base64.channel.k8s.io']);
    assert.equal(ws.protocol, 'v4.base64.channel.k8s.io');
    await until(() => messages.length >= 2, 'the port prefixes');
    const le = Buffer.from([echoPort & 0xff, echoPort >> 8]).toString('base64');
    assert.deepEqual(messages.slice(0, 2), [`0${le}`, `1${le}`]);
    ws.send(`0${Buffer.from('b64 data').toString('base64')}`);
    await until(() => messages.slice(2).some((m) => typeof m === 'string' && Buffer.from(m.slice(1), 'base64').toString() === 'b64 data'), 'the echo');
    ws.close();
  });

  test('WebSocket-tunnelled SPDY (kubectl ≥ 1.30): the subprotocol answer names the agent\'s choice; SPDY frames travel in binary messages', async () => {
    const { ws, protocol } = await dialTunnel(`${server.url.replace(/^http/, 'ws')}${base}/web/portforward`, 'SPDY/3.1+portforward.k8s.io');
    assert.equal(protocol, 'SPDY/3.1+portforward.k8s.io');
    const session = new SpdySession(createWebSocketStream(ws), 'client');
    session.on('error', () => undefined);
    try {
      const c = new PortForwardClient(session);
      const one = c.forward(echoPort);
      const got = readToEnd(one.data);
      one.data.end(Buffer.from('through the tunnel'));
      assert.equal((await within(got, 5000, 'the echo through the tunnel')).toString(), 'through the tunnel');
      const bad = c.forward(closedPort);
      assert.match(await within(bad.errorText, 5000, 'the error stream through the tunnel'), /^error forwarding port \d+ to pod sb-new/);
    } finally {
      session.close();
    }
  });

  test('refusals are Status answers before any handshake', async () => {
    let r = await api('POST', `${base}/nope/portforward`);
    assert.equal(r.status, 404);
    assert.equal(r.json.message, 'pods "nope" not found');
    r = await api('POST', `${base}/unbound/portforward`);
    assert.equal(r.status, 400);
    assert.equal(r.json.message, 'pod unbound does not have a host assigned');
    r = await api('GET', `${base}/web/portforward`);
    assert.equal(r.status, 400);
    assert.equal(r.json.message, 'Upgrade request required');
    // The agent's refusals come back with their code and text.
    await assert.rejects(openWs('', ['v4.channel.k8s.io']), (e: { status?: number; body?: { message?: string } }) => e.status === 400 && e.body?.message === 'query parameter "port" is required');
    await assert.rejects(openWs('?ports=0', ['v4.channel.k8s.io']), (e: { status?: number; body?: { message?: string } }) => e.status === 400 && e.body?.message === 'port "0" must be > 0');
    await assert.rejects(PortForwardClient.dial(`${server.url}${base}/nosandbox/portforward`), (e: Error & { statusCode?: number }) => {
      assert.equal(e.statusCode, 500);
      assert.match(e.message, /failed to find sandboxID for pod nosandbox_default\([0-9a-f-]+\)/);
      return true;
    });
  });
});
