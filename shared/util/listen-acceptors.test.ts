import assert from 'node:assert/strict';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { listenWithAcceptors } from './listen-acceptors.ts';

/**
 * Opens `n` connections at once and counts event-loop turns (a setImmediate chain) until the server has seen all
 * of them: Node accepts one connection per listening socket per turn.
 */
async function turnsToAccept(acceptors: number, n: number): Promise<number> {
  const server = createServer();
  const seen: Socket[] = [];
  server.on('connection', (s) => seen.push(s));
  const { address, closeAcceptors } = await listenWithAcceptors(server, { host: '127.0.0.1', port: 0, acceptors });
  const clients = Array.from({ length: n }, () => connect(address.port, '127.0.0.1'));
  await Promise.all(clients.map((c) => new Promise((r) => c.once('connect', r))));
  // Every handshake is complete: the connections wait in the kernel's accept queues now.
  let turns = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      if (seen.length >= n) return resolve();
      turns++;
      setImmediate(tick);
    };
    setImmediate(tick);
  });
  for (const c of clients) c.destroy();
  for (const s of seen) s.destroy();
  closeAcceptors();
  await new Promise((r) => server.close(r));
  return turns;
}

describe('listenWithAcceptors', () => {
  it('accepts a burst of connections in a few loop turns instead of one per turn', async () => {
    const single = await turnsToAccept(1, 40);
    const many = await turnsToAccept(32, 40);
    assert.ok(single >= 30, `one listening socket: about one accept per turn (took ${single} turns for 40)`);
    assert.ok(many <= single / 3, `32 acceptors: ${many} turns for 40 (one socket: ${single})`);
  });

  it('hands every connection to the one server (request/response through an extra acceptor)', async () => {
    const server = createServer((s) => s.end('hello'));
    const { address, closeAcceptors } = await listenWithAcceptors(server, { host: '127.0.0.1', port: 0, acceptors: 8 });
    const replies = await Promise.all(
      Array.from({ length: 32 }, () =>
        new Promise<string>((resolve, reject) => {
          let got = '';
          const c = connect(address.port, '127.0.0.1');
          c.setEncoding('utf8');
          c.on('data', (d: string) => (got += d));
          c.on('end', () => resolve(got));
          c.on('error', reject);
        }),
      ),
    );
    assert.deepEqual(new Set(replies), new Set(['hello']));
    closeAcceptors();
    await new Promise((r) => server.close(r));
  });

  it('accepted sockets keep the server\'s socket options: a half-closed client still gets its answer', async () => {
    const server = createServer({ allowHalfOpen: true }, (s) => {
      let got = '';
      s.setEncoding('utf8');
      s.on('data', (d: string) => (got += d));
      s.on('end', () => setTimeout(() => s.end(`echo:${got}`), 20));
    });
    const { address, closeAcceptors } = await listenWithAcceptors(server, { host: '127.0.0.1', port: 0, acceptors: 8 });
    const replies = await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        new Promise<string>((resolve, reject) => {
          let got = '';
          const c = connect({ port: address.port, host: '127.0.0.1', allowHalfOpen: true });
          c.setEncoding('utf8');
          c.on('data', (d: string) => (got += d));
          c.on('end', () => resolve(got));
          c.on('error', reject);
          c.end(`m${i}`);
        }),
      ),
    );
    assert.deepEqual(replies, Array.from({ length: 16 }, (_, i) => `echo:m${i}`));
    closeAcceptors();
    await new Promise((r) => server.close(r));
  });

  it('refuses an address someone holds (plain or with acceptors), as a plain listen would', async () => {
    const holder: Server = createServer();
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', () => r()));
    const port = (holder.address() as { port: number }).port;
    await assert.rejects(listenWithAcceptors(createServer(), { host: '127.0.0.1', port }), { code: 'EADDRINUSE' });
    await new Promise((r) => holder.close(r));

    const first = createServer();
    const { address, closeAcceptors } = await listenWithAcceptors(first, { host: '127.0.0.1', port: 0, acceptors: 4 });
    await assert.rejects(listenWithAcceptors(createServer(), { host: '127.0.0.1', port: address.port }), { code: 'EADDRINUSE' }, 'a second server must not share the port through SO_REUSEPORT');
    closeAcceptors();
    await new Promise((r) => first.close(r));
  });
});
