/**
 * The listener of the node agent's API (kubelet's port 10250): HTTPS with the agent's serving certificate,
 * asking for (not requiring) a client certificate verified against the client CA, so that the API server's
 * `kube-apiserver-kubelet-client` certificate authenticates it and bearer-token callers can still connect.
 * The serving certificate can be replaced while serving (rotation): new connections use the new one.
 *
 * Without `tls` the listener is plain HTTP: only for a development agent whose API server is the unsecured
 * loopback one (no serving certificate source was configured); the agent logs that it serves without TLS.
 */
import * as http from 'node:http';
import * as https from 'node:https';

export interface AgentTLSOptions {
  /** PEM serving certificate (chain) and key. */
  cert: string | Buffer;
  key: string | Buffer;
  /** PEM CA bundle client certificates are verified with (--client-ca-file). */
  clientCA?: string | Buffer;
}

export interface AgentListener {
  server: http.Server;
  /** Replaces the serving certificate (and client CA) for new connections. No-op for plain HTTP. */
  updateTLS(tls: AgentTLSOptions): void;
  readonly secure: boolean;
}

export function createAgentListener(tls: AgentTLSOptions | undefined, handler: http.RequestListener): AgentListener {
  if (!tls) {
    return { server: http.createServer(handler), updateTLS: () => undefined, secure: false };
  }
  const server = https.createServer(
    {
      cert: tls.cert,
      key: tls.key,
      ...(tls.clientCA ? { ca: tls.clientCA } : {}),
      requestCert: Boolean(tls.clientCA),
      rejectUnauthorized: false,
      minVersion: 'TLSv1.2',
    },
    handler,
  );
  let clientCA = tls.clientCA;
  return {
    server,
    secure: true,
    updateTLS(next) {
      if (next.clientCA) clientCA = next.clientCA;
      server.setSecureContext({ cert: next.cert, key: next.key, ...(clientCA ? { ca: clientCA } : {}) });
    },
  };
}
