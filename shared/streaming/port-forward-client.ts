/**
 * A client of the SPDY port-forward protocol (`portforward.k8s.io`, what client-go's tools/portforward speaks
 * for kubectl ≤ 1.29): one SPDY/3.1 connection, and per forwarded connection a pair of streams opened by the
 * client, both with headers `port: <n>` and `requestID: <id>`:
 *   - `streamType: error`, half-closed by the client at once: the server writes a text message on it when
 *     forwarding fails (`error forwarding port 81 to pod …, uid …: …`), then closes it;
 *   - `streamType: data`: the TCP connection's bytes both ways; FIN from the server when the pod's side closed.
 * A failure of one pair leaves the connection and the other pairs alone.
 *
 *   const c = await PortForwardClient.dial('http://127.0.0.1:8080/api/v1/namespaces/default/pods/web/portforward');
 *   const { data, errorText } = c.forward(80);
 *   data.write(Buffer.from('GET / HTTP/1.0\r\n\r\n'));
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { Duplex } from 'node:stream';
import { SpdySession, type SpdyStream } from './spdy/spdy-session.ts';

export const PORT_FORWARD_PROTOCOL_V1 = 'portforward.k8s.io';

/** The stream headers of the protocol (api.StreamType, api.PortHeader, api.PortForwardRequestIDHeader), lower case as SPDY carries them. */
export const PF_STREAM_TYPE_HEADER = 'streamtype';
export const PF_PORT_HEADER = 'port';
export const PF_REQUEST_ID_HEADER = 'requestid';

export interface ForwardedStreams {
  data: SpdyStream;
  error: SpdyStream;
  /** Everything the server wrote on the error stream, once it closed it ('' when forwarding went well). */
  errorText: Promise<string>;
}

export class PortForwardClient {
  readonly session: SpdySession;
  #nextRequestId = 0;

  constructor(session: SpdySession) {
    this.session = session;
  }

  /** POSTs the SPDY upgrade to `url` (extra headers: credentials); rejects with the answer when refused. */
  static async dial(url: string, o: { headers?: Record<string, string>; tls?: https.RequestOptions; timeoutMs?: number } = {}): Promise<PortForwardClient> {
    const u = new URL(url);
    const secure = u.protocol === 'https:';
    const { socket, head } = await new Promise<{ socket: Duplex; head: Buffer }>((resolve, reject) => {
      const options: https.RequestOptions = {
        host: u.hostname.replace(/^\[|\]$/g, ''),
        port: u.port || (secure ? 443 : 80),
        path: `${u.pathname}${u.search}`,
        method: 'POST',
        agent: false,
        headers: { ...(o.headers ?? {}), Connection: 'Upgrade', Upgrade: 'SPDY/3.1', 'X-Stream-Protocol-Version': PORT_FORWARD_PROTOCOL_V1, 'Content-Length': '0' },
        ...(secure ? (o.tls ?? {}) : {}),
      };
      const req = secure ? https.request(options) : http.request(options);
      const timer = setTimeout(() => req.destroy(new Error('timed out dialing port-forward')), o.timeoutMs ?? 30_000);
      req.on('upgrade', (_res, sock: Duplex, h: Buffer) => {
        clearTimeout(timer);
        resolve({ socket: sock, head: h });
      });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          clearTimeout(timer);
          reject(Object.assign(new Error(`port-forward refused (${res.statusCode}): ${Buffer.concat(chunks).toString('utf8')}`), { statusCode: res.statusCode }));
        });
      });
      req.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      req.end();
    });
    const session = new SpdySession(socket, 'client', head);
    session.on('error', () => undefined);
    return new PortForwardClient(session);
  }

  /** Opens the error and data streams of one forwarded connection to `port` (client-go's order). */
  forward(port: number, requestId = String(this.#nextRequestId++)): ForwardedStreams {
    const headers = (type: string) => ({ [PF_STREAM_TYPE_HEADER]: [type], [PF_PORT_HEADER]: [String(port)], [PF_REQUEST_ID_HEADER]: [requestId] });
    const error = this.session.openStream(headers('error'));
    // We never write on the error stream.
    error.end();
    const chunks: Buffer[] = [];
    error.on('data', (b: Buffer) => chunks.push(b));
    const errorText = new Promise<string>((resolve) => error.on('end', () => resolve(Buffer.concat(chunks).toString('utf8'))));
    const data = this.session.openStream(headers('data'));
    return { data, error, errorText };
  }

  close(): void {
    this.session.close();
  }
}

/** Reads a stream to its end (FIN or reset); only data that arrives after the call is seen. */
export function readToEnd(st: SpdyStream): Promise<Buffer> {
  if (st.remoteClosed) return Promise.resolve(Buffer.alloc(0));
  const chunks: Buffer[] = [];
  st.on('data', (b: Buffer) => chunks.push(b));
  return new Promise((resolve) => st.on('end', () => resolve(Buffer.concat(chunks))));
}
