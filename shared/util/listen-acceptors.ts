/**
 * Listening so that a busy event loop still accepts new connections quickly.
 *
 * Node 24 (libuv 1.52) accepts ONE pending connection per listening socket per event-loop iteration. Under load
 * an iteration serves every ready socket (100-250 requests, ~200 ms in the issue-4 scheduler benchmark), so new
 * connections are accepted at ~5/s: 100 clients connecting at once waited 24 s in a plain Node server under load,
 * and the apiserver's /healthz from a fresh connection took 10-16 s while requests on open connections flowed.
 * (strace: one accept4 per epoll_pwait; the listen queue stayed at 20-50.) Go's apiserver accepts in its own
 * goroutine and never sees this.
 *
 * The fix: `acceptors` listening sockets on the same address (SO_REUSEPORT; the kernel spreads new connections
 * over them), each handing its connections to the one server through its 'connection' event (which http, https
 * and net servers all handle). With 64 the same 100 connections were served in 1.5-1.9 s, at no cost to the
 * requests already flowing. Before binding, a plain (non-reuseport) probe bind keeps "address already in use"
 * working: without it a second process could silently share the port.
 */
import { createServer, type AddressInfo, type Server, type ServerOpts } from 'node:net';

/** listen(2) backlog; Linux caps it at net.core.somaxconn (4096 by default since 5.4), as Go's listener does. */
export const ACCEPT_BACKLOG = 4096;
/** Listening sockets per server. */
export const DEFAULT_ACCEPTORS = 32;

export interface AcceptorOptions {
  host: string;
  port: number;
  /** Listening sockets in all (>= 1; 1 = a plain listen). */
  acceptors?: number;
}

/** Listens `server` on host:port with extra acceptors; returns the address and a function that closes the extras. */
export async function listenWithAcceptors(server: Server, o: AcceptorOptions): Promise<{ address: AddressInfo; closeAcceptors: () => void }> {
  const n = Math.max(1, Math.floor(o.acceptors ?? DEFAULT_ACCEPTORS));
  // The probe: fails with EADDRINUSE when anyone holds the address; picks the port when 0 is asked for.
  const port = n === 1 ? o.port : await probeBind(o.host, o.port);
  await listenOnce(server, o.host, port, n > 1);
  const address = server.address() as AddressInfo;
  const extras: Server[] = [];
  try {
    for (let i = 1; i < n; i++) {
      const l = createServer(socketOptionsOf(server), (socket) => server.emit('connection', socket));
      await listenOnce(l, o.host, address.port, true);
      extras.push(l);
    }
  } catch (e) {
    for (const l of extras) l.close();
    server.close();
    throw e;
  }
  return { address, closeAcceptors: () => extras.forEach((l) => l.close()) };
}

/**
 * The accepted sockets must be what the server itself would have made: an http server accepts half-open sockets
 * (without it a client's half-close ends the response side: SPDY exec hung), with TCP_NODELAY, and so on.
 */
function socketOptionsOf(server: Server): ServerOpts {
  const s = server as Server & Partial<Record<'allowHalfOpen' | 'pauseOnConnect' | 'noDelay' | 'keepAlive', boolean>> & { keepAliveInitialDelay?: number; highWaterMark?: number };
  const o: ServerOpts = {};
  if (s.allowHalfOpen !== undefined) o.allowHalfOpen = s.allowHalfOpen;
  if (s.pauseOnConnect !== undefined) o.pauseOnConnect = s.pauseOnConnect;
  if (s.noDelay !== undefined) o.noDelay = s.noDelay;
  if (s.keepAlive !== undefined) o.keepAlive = s.keepAlive;
  if (s.keepAliveInitialDelay !== undefined) o.keepAliveInitialDelay = s.keepAliveInitialDelay;
  if (s.highWaterMark !== undefined) o.highWaterMark = s.highWaterMark;
  return o;
}

function listenOnce(server: Server, host: string, port: number, reusePort: boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port, backlog: ACCEPT_BACKLOG, ...(reusePort ? { reusePort: true } : {}) }, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

async function probeBind(host: string, port: number): Promise<number> {
  const probe = createServer();
  await listenOnce(probe, host, port, false);
  const chosen = (probe.address() as AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  return chosen;
}
