/**
 * The agent's own HTTP endpoint (kubelet's port 10250; its number is reported in the Node's
 * status.daemonEndpoints.kubeletEndpoint.Port). For now it serves
 *   GET /healthz   "ok"
 *   GET /pods      the pods this agent runs (a PodList, as kubelet's /pods)
 * and is the seam for `pods/log` and `pods/exec`, which the API server will proxy here later (routes
 * /containerLogs/{ns}/{pod}/{container} and /exec/... answer 501 until then).
 */
import type * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Pod } from '../../shared/api/core-v1.ts';
import { createAgentListener, type AgentListener, type AgentTLSOptions } from './agent-listener.ts';
import { NodeAuth } from './node-auth.ts';
import { serveAnatomy, type AnatomyHandler } from '../anatomy/anatomy-route.ts';

export interface AgentServerOptions {
  /** @default '0.0.0.0' */
  host?: string;
  /** 0 = any free port. */
  port: number;
  pods: () => Pod[];
  healthy?: () => boolean;
  /** HTTPS with this certificate (a simulated node's is self-signed: sim-nodes.ts); absent: plain HTTP. */
  tls?: AgentTLSOptions;
  /** Checks every request but /healthz (node-auth.ts). */
  auth?: NodeAuth;
  /** Serves GET /anatomy/{namespace}/{pod} (node-agent/anatomy/anatomy-route.ts). */
  anatomy?: AnatomyHandler;
}

export class AgentServer {
  #server: http.Server;
  #listener: AgentListener;
  #o: AgentServerOptions;
  #port = 0;

  constructor(options: AgentServerOptions) {
    this.#o = options;
    this.#listener = createAgentListener(options.tls, (req, res) => void this.#handle(req, res));
    this.#server = this.#listener.server;
  }

  get secure(): boolean {
    return this.#listener.secure;
  }

  /** Replaces the serving certificate (rotation). */
  updateTLS(tls: AgentTLSOptions): void {
    this.#listener.updateTLS(tls);
  }

  get port(): number {
    return this.#port;
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(this.#o.port, this.#o.host ?? '0.0.0.0', () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    this.#port = (this.#server.address() as AddressInfo).port;
    return this.#port;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections();
  }

  async #handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://agent');
    const send = (code: number, body: string, type = 'text/plain; charset=utf-8') => {
      res.writeHead(code, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
    };
    if (this.#o.auth && !NodeAuth.isPublic(url.pathname)) {
      const r = await this.#o.auth.check(req);
      if (!r.ok) return send(r.code, r.message);
    }
    if (this.#o.anatomy && (await serveAnatomy(this.#o.anatomy, req, url.pathname, res))) return;
    if (req.method !== 'GET') return send(405, 'method not allowed\n');
    if (url.pathname === '/healthz') {
      const ok = this.#o.healthy?.() ?? true;
      return send(ok ? 200 : 500, ok ? 'ok' : 'unhealthy');
    }
    if (url.pathname === '/pods' || url.pathname === '/pods/') {
      return send(200, JSON.stringify({ kind: 'PodList', apiVersion: 'v1', metadata: {}, items: this.#o.pods() }), 'application/json');
    }
    if (url.pathname.startsWith('/containerLogs/') || url.pathname.startsWith('/exec/') || url.pathname.startsWith('/attach/') || url.pathname.startsWith('/portForward/')) {
      return send(501, 'not implemented yet\n');
    }
    return send(404, '404 page not found\n');
  }
}
