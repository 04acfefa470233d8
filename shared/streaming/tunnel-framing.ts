/**
 * SPDY tunnelled through a WebSocket (kubectl ≥ 1.30 port-forward, KEP-4006; client-go
 * tools/portforward/tunneling_connection.go and apiserver util/proxy/streamtunnel.go).
 *
 * The client offers the subprotocol `SPDY/3.1+portforward.k8s.io`; the server answers the handshake with
 * `SPDY/3.1+<the SPDY protocol the backend chose>`. After that the WebSocket carries the SPDY connection's
 * bytes: every binary message is a run of bytes of the SPDY stream (message boundaries mean nothing; a
 * message may hold part of a frame or several frames), text messages are a protocol error, and a normal
 * close (1000) is the end of the connection. `pipeTunnel` joins such a WebSocket to a raw connection that
 * speaks SPDY (the backend), both ways, with backpressure: the backend is paused while the WebSocket's send
 * buffer is full, and the WebSocket while the backend's write buffer is.
 */
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { WsSender } from './ws-sender.ts';

/** constants.WebsocketsSPDYTunnelingPrefix */
export const TUNNELING_PREFIX = 'SPDY/3.1+';
/** constants.KubernetesSuffix */
export const KUBERNETES_SUFFIX = '.k8s.io';
/** The port-forward tunnelling subprotocol kubectl offers. */
export const PORT_FORWARD_TUNNELING_PROTOCOL = `${TUNNELING_PREFIX}portforward.k8s.io`;

/**
 * The SPDY protocols a client asks for through tunnelling subprotocols (spdyProtocolsFromWebsocketProtocols):
 * those offered as `SPDY/3.1+<p>` with p ending in `.k8s.io`, prefix removed. Empty: not a tunnelling request.
 */
export function tunnelingSpdyProtocols(offered: Iterable<string>): string[] {
  const out: string[] = [];
  for (const o of offered) {
    const p = o.trim();
    if (p.startsWith(TUNNELING_PREFIX) && p.endsWith(KUBERNETES_SUFFIX)) out.push(p.slice(TUNNELING_PREFIX.length));
  }
  return out;
}

function toBuffer(data: Buffer | ArrayBuffer | Buffer[]): Buffer {
  return Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
}

/**
 * Carries a raw connection's bytes in the WebSocket's binary messages and the messages' bytes to the
 * connection, until either side ends. `head`: bytes the backend already sent (after its 101).
 */
export function pipeTunnel(ws: WebSocket, backend: Duplex, head: Buffer = Buffer.alloc(0)): void {
  let closed = false;
  const sender = new WsSender(ws, { pause: () => backend.pause(), resume: () => backend.resume() });
  const end = (code = 1000) => {
    if (closed) return;
    closed = true;
    backend.destroy();
    if (ws.readyState === ws.OPEN) ws.close(code);
    else ws.terminate();
  };
  if (head.length) sender.send(head);
  backend.on('data', (b: Buffer) => sender.send(b));
  backend.on('drain', () => ws.resume());
  backend.on('end', () => end());
  backend.on('close', () => end());
  backend.on('error', () => end(1011));
  ws.on('message', (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
    if (!isBinary) {
      end(1003);
      return;
    }
    const b = toBuffer(data);
    if (b.length && !backend.write(b)) ws.pause();
  });
  ws.on('close', () => end());
  ws.on('error', () => end(1011));
}
