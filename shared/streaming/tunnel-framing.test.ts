import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { pipeTunnel, tunnelingSpdyProtocols } from './tunnel-framing.ts';

describe('SPDY-over-WebSocket tunnelling', () => {
  test('the tunnelling subprotocols kubectl offers, prefix removed; others ignored', () => {
    assert.deepEqual(tunnelingSpdyProtocols(['SPDY/3.1+portforward.k8s.io', 'v4.channel.k8s.io', 'SPDY/3.1+other', ' SPDY/3.1+v4.channel.k8s.io ']), ['portforward.k8s.io', 'v4.channel.k8s.io']);
    assert.deepEqual(tunnelingSpdyProtocols([]), []);
  });

  describe('pipeTunnel', () => {
    // backend: a TCP server recording what it got and sending what the test asks; the tunnel: a WebSocket server
    // whose connections are piped to a fresh backend connection.
    let backend: net.Server;
    let wss: WebSocketServer;
    let url = '';
    const backendConns: net.Socket[] = [];
    before(async () => {
      backend = net.createServer((s) => backendConns.push(s));
      await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
      wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
      await new Promise<void>((r) => wss.on('listening', r));
      url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
      wss.on('connection', (ws) => {
        const up = net.connect((backend.address() as AddressInfo).port, '127.0.0.1');
        up.on('connect', () => pipeTunnel(ws, up, Buffer.from('head:')));
      });
    });
    after(async () => {
      for (const s of backendConns) s.destroy();
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
      await new Promise<void>((r) => backend.close(() => r()));
    });

    async function until(pred: () => boolean, what: string): Promise<void> {
      const deadline = Date.now() + 5000;
      while (!pred()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 5));
      }
    }

    test('bytes both ways in binary messages, boundaries irrelevant; the backend closing closes the WebSocket', async () => {
      const ws = new WebSocket(url);
      const got: Buffer[] = [];
      ws.on('message', (d: Buffer) => got.push(d));
      const closed = new Promise<number>((r) => ws.on('close', (c: number) => r(c)));
      await new Promise((r) => ws.on('open', r));
      await until(() => backendConns.length === 1, 'the backend connection');
      const conn = backendConns[0] as net.Socket;
      const received: Buffer[] = [];
      conn.on('data', (b: Buffer) => received.push(b));
      ws.send(Buffer.from('abc'));
      ws.send(Buffer.from('def'));
      await until(() => Buffer.concat(received).toString() === 'abcdef', 'the client bytes at the backend');
      const big = Buffer.alloc(3 * 1024 * 1024, 7);
      conn.write(big);
      await until(() => Buffer.concat(got).length === 5 + big.length, 'the backend bytes at the client');
      assert.equal(Buffer.concat(got).subarray(0, 5).toString(), 'head:');
      assert.ok(Buffer.concat(got).subarray(5).equals(big));
      conn.end();
      assert.equal(await closed, 1000);
    });

    test('a text message is a protocol error: 1003 and the backend connection is dropped', async () => {
      const ws = new WebSocket(url);
      const closed = new Promise<number>((r) => ws.on('close', (c: number) => r(c)));
      await new Promise((r) => ws.on('open', r));
      await until(() => backendConns.length === 2, 'the backend connection');
      const conn = backendConns[1] as net.Socket;
      const ended = new Promise<void>((r) => conn.on('close', () => r()));
      ws.send('not binary');
      assert.equal(await closed, 1003);
      await ended;
    });
  });
});
