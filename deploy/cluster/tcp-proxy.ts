import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { listenWithAcceptors } from '../../shared/util/listen-acceptors.ts';

export interface Backend {
  host: string;
  port: number;
}

/**
 * A TCP load balancer for several API servers (TLS passes through untouched): each client connection goes to
 * the next backend in turn; a backend that refuses or fails is skipped and marked down for `downMs`, so a
 * killed API server costs clients at most a retry. Used by `kubelab up --apiservers 2`.
 */
export class TcpProxy {
  readonly #backends: Backend[];
  readonly #downUntil = new Map<number, number>();
  readonly #downMs: number;
  #next = 0;
  #server: Server | undefined;
  readonly #sockets = new Set<Socket>();
  #closeAcceptors: () => void = () => {};

  constructor(backends: Backend[], opts: { downMs?: number } = {}) {
    if (backends.length === 0) throw new Error('a proxy needs at least one backend');
    this.#backends = backends;
    this.#downMs = opts.downMs ?? 2000;
  }

  /** Listens with several accepting sockets, as the apiserver does (shared/util/listen-acceptors.ts). */
  async listen(host: string, port: number): Promise<void> {
    this.#server = createServer((client) => this.#accept(client));
    const { closeAcceptors } = await listenWithAcceptors(this.#server, { host, port });
    this.#closeAcceptors = closeAcceptors;
  }

  #pick(exclude: Set<number>): number | undefined {
    const now = Date.now();
    for (let i = 0; i < this.#backends.length; i++) {
      const idx = (this.#next + i) % this.#backends.length;
      if (exclude.has(idx)) continue;
      if ((this.#downUntil.get(idx) ?? 0) > now) continue;
      this.#next = idx + 1;
      return idx;
    }
    // Everything marked down: try any not yet tried for this connection.
    for (let idx = 0; idx < this.#backends.length; idx++) if (!exclude.has(idx)) return idx;
    return undefined;
  }

  #accept(client: Socket): void {
    this.#sockets.add(client);
    client.on('close', () => this.#sockets.delete(client));
    client.on('error', () => client.destroy());
    client.pause();
    const tried = new Set<number>();
    const attempt = () => {
      const idx = this.#pick(tried);
      if (idx === undefined) {
        client.destroy();
        return;
      }
      tried.add(idx);
      const b = this.#backends[idx] as Backend;
      const upstream = createConnection({ host: b.host, port: b.port });
      let connected = false;
      upstream.once('connect', () => {
        connected = true;
        this.#sockets.add(upstream);
        upstream.on('close', () => this.#sockets.delete(upstream));
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
        upstream.on('error', () => client.destroy());
        upstream.on('close', () => client.destroy());
        client.on('close', () => upstream.destroy());
      });
      upstream.once('error', () => {
        if (connected) return;
        this.#downUntil.set(idx, Date.now() + this.#downMs);
        upstream.destroy();
        attempt();
      });
    };
    attempt();
  }

  async close(): Promise<void> {
    this.#closeAcceptors();
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((r) => (this.#server ? this.#server.close(() => r()) : r()));
  }
}
