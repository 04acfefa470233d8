/**
 * The console's connection to the API server: its URL and CA (from the kubeconfig) and one keep-alive agent. It
 * holds no credential: every request names the token of the user it is made for.
 */
import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { fromResponse, StatusError, newStatus } from '../../shared/errors/status-error.ts';

export interface ApiUpstreamOptions {
  /** API server base URL, e.g. https://10.0.0.1:6443 (a path prefix is kept). */
  server: string;
  /** PEM CA bundle to verify the server with (default: Node's root store). */
  ca?: string | Buffer;
  insecureSkipTLSVerify?: boolean;
  /** Name to verify the server certificate against instead of the URL host. */
  tlsServerName?: string;
  /** Deadline of the console's own calls (SelfSubjectReview). @default 10000 */
  timeoutMs?: number;
}

/** Who the API server says a token belongs to (SelfSubjectReview status.userInfo). */
export interface ReviewedUser {
  user: string;
  uid?: string;
  groups: string[];
}

export class ApiUpstream {
  readonly url: URL;
  #agent: HttpAgent;
  #secure: boolean;
  #tls: { ca?: string | Buffer; rejectUnauthorized: boolean; servername?: string };
  #timeoutMs: number;

  constructor(opts: ApiUpstreamOptions) {
    this.url = new URL(opts.server);
    if (this.url.protocol !== 'https:' && this.url.protocol !== 'http:') throw new Error(`API server URL ${opts.server} is neither https nor http`);
    this.#secure = this.url.protocol === 'https:';
    this.#tls = {
      ...(opts.ca !== undefined ? { ca: opts.ca } : {}),
      rejectUnauthorized: !opts.insecureSkipTLSVerify,
      ...(opts.tlsServerName ? { servername: opts.tlsServerName } : {}),
    };
    this.#timeoutMs = opts.timeoutMs ?? 10_000;
    this.#agent = this.#secure
      ? new HttpsAgent({ keepAlive: true, maxSockets: 256, ...this.#tls })
      : new HttpAgent({ keepAlive: true, maxSockets: 256 });
  }

  /** The upstream path for a console path and query (`/api/v1/pods?watch=1`): the base URL's prefix joined in. */
  path(pathAndQuery: string): string {
    const prefix = this.url.pathname.replace(/\/+$/, '');
    return prefix + pathAndQuery;
  }

  /** A request to the API server (the caller writes the body and listens for response/upgrade/error). */
  request(method: string, pathAndQuery: string, headers: OutgoingHttpHeaders, opts: { upgrade?: boolean } = {}): ClientRequest {
    const base = {
      protocol: this.url.protocol,
      hostname: this.url.hostname.replace(/^\[|\]$/g, ''),
      port: this.url.port || (this.#secure ? 443 : 80),
      method,
      path: this.path(pathAndQuery),
      headers,
    };
    // Upgrades get their own connection (it becomes the WebSocket's and never returns to the pool).
    if (this.#secure) return httpsRequest({ ...base, ...this.#tls, ...(opts.upgrade ? { agent: false } : { agent: this.#agent }) });
    return httpRequest({ ...base, ...(opts.upgrade ? { agent: false } : { agent: this.#agent }) });
  }

  /**
   * Asks the API server who the token is (POST authentication.k8s.io/v1 selfsubjectreviews, which every
   * authenticated user may create). Throws the API's StatusError (401 for a token it does not accept) or a 503
   * StatusError when the API server cannot be reached.
   */
  async selfSubjectReview(token: string): Promise<ReviewedUser> {
    const body = JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview', metadata: {} });
    const { status, text } = await new Promise<{ status: number; text: string; headers: IncomingHttpHeaders }>((resolve, reject) => {
      const req = this.request('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', {
        'content-type': 'application/json',
        accept: 'application/json',
        'content-length': Buffer.byteLength(body),
        authorization: `Bearer ${token}`,
        'user-agent': 'kubelab-console',
      });
      const timer = setTimeout(() => req.destroy(new Error(`no answer within ${this.#timeoutMs} ms`)), this.#timeoutMs);
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), headers: res.headers });
        });
        res.on('error', (e) => {
          clearTimeout(timer);
          reject(e);
        });
      });
      req.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      req.end(body);
    }).catch((e: unknown) => {
      throw unreachable(this.url, e);
    });
    if (status < 200 || status > 299) throw fromResponse(status, text);
    let review: { status?: { userInfo?: { username?: string; uid?: string; groups?: string[] } } };
    try {
      review = JSON.parse(text) as typeof review;
    } catch {
      throw new StatusError(newStatus(502, 'InternalError', 'the API server answered the SelfSubjectReview with a body that is not JSON'));
    }
    const info = review.status?.userInfo;
    if (!info?.username) throw new StatusError(newStatus(502, 'InternalError', 'the API server answered the SelfSubjectReview without a user name'));
    return { user: info.username, ...(info.uid ? { uid: info.uid } : {}), groups: info.groups ?? [] };
  }

  close(): void {
    this.#agent.destroy();
  }
}

/** The 503 Status the console answers when the API server cannot be reached. */
export function unreachable(url: URL, err: unknown): StatusError {
  const why = err instanceof Error ? err.message : String(err);
  return new StatusError(newStatus(503, 'ServiceUnavailable', `the console could not reach the API server at ${url.origin}: ${why}`));
}
