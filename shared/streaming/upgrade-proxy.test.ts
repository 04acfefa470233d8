import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { dialUpgrade, refuseUpgrade, spliceUpgraded, upgradeHeaders } from './upgrade-proxy.ts';

const BIG = Buffer.alloc(4 * 1024 * 1024, 3);

describe('upgrade-aware proxy', () => {
  // backend: `/ok` switches protocols, echoes the request's stream-protocol header, sends BIG and ends;
  // `/no` refuses. front: proxies every upgrade to the backend.
  let backend: http.Server;
  let front: http.Server;
  let frontPort = 0;
  const seenHeaders: http.IncomingHttpHeaders[] = [];
  const sockets = new Set<Duplex>();
  const track = (s: Duplex) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  };
  before(async () => {
    backend = http.createServer();
    backend.on('connection', track);
    backend.on('upgrade', (req: http.IncomingMessage, socket: Duplex) => {
      seenHeaders.push(req.headers);
      if (req.url === '/no') {
        refuseUpgrade(socket, 403, 'unable to upgrade: unable to negotiate protocol');
        return;
      }
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${String(req.headers['x-stream-protocol-version'])}\r\n\r\n`);
      socket.on('data', () => undefined);
      socket.end(BIG);
    });
    await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
    const backendPort = (backend.address() as AddressInfo).port;
    front = http.createServer();
    front.on('connection', track);
    front.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      void (async () => {
        const r = await dialUpgrade(`http://127.0.0.1:${backendPort}${req.url ?? '/'}`, { method: 'POST', headers: { ...upgradeHeaders(req) } });
        if (r.kind === 'refused') refuseUpgrade(socket, r.statusCode, `backend: ${r.body}`);
        else spliceUpgraded(socket, head, r);
      })();
    });
    await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
    frontPort = (front.address() as AddressInfo).port;
  });
  after(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => front.close(() => r()));
    await new Promise<void>((r) => backend.close(() => r()));
  });

  function upgrade(path: string): Promise<{ res: http.IncomingMessage; socket?: Duplex; body?: string }> {
    return new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: frontPort, path, method: 'POST', headers: { Connection: 'Upgrade', Upgrade: 'SPDY/3.1', 'X-Stream-Protocol-Version': 'portforward.k8s.io', Authorization: 'Bearer secret' } });
      req.on('upgrade', (res, socket, head) => {
        if (head.length) socket.unshift(head);
        resolve({ res, socket });
      });
      req.on('response', (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ res, body }));
      });
      req.on('error', reject);
      req.end();
    });
  }

  test("the backend's 101 comes back unchanged; a slow client still gets every byte sent before the backend closed", async () => {
    const { res, socket } = await upgrade('/ok');
    assert.equal(res.statusCode, 101);
    assert.equal(res.headers['x-stream-protocol-version'], 'portforward.k8s.io');
    // Credentials stay at the proxy; the upgrade headers go on.
    const h = seenHeaders.at(-1) ?? {};
    assert.equal(h.authorization, undefined);
    assert.equal(h.upgrade, 'SPDY/3.1');
    socket?.pause();
    await new Promise((r) => setTimeout(r, 300));
    const chunks: Buffer[] = [];
    socket?.on('data', (c: Buffer) => chunks.push(c));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${Buffer.concat(chunks).length} bytes arrived`)), 10_000);
      socket?.on('end', () => {
        clearTimeout(timer);
        resolve();
      });
      socket?.resume();
    });
    assert.ok(Buffer.concat(chunks).equals(BIG));
    socket?.destroy();
  });

  test("a refusal is the backend's status and body, for the caller to pass on", async () => {
    const { res, body } = await upgrade('/no');
    assert.equal(res.statusCode, 403);
    assert.equal(body, 'backend: unable to upgrade: unable to negotiate protocol');
  });
});
