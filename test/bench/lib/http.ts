/** A small HTTP client for the load generator: timings per phase, bodies kept only when asked for. */
import http from 'node:http';
import https from 'node:https';
import { nowMs } from './stats.ts';

export interface HttpResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The body, when keepBody (otherwise empty). */
  body: Buffer;
  bytes: number;
  chunks: number;
  /** Milliseconds from send to response headers, to the first body byte, and to the end. */
  headersMs: number;
  firstByteMs: number;
  endMs: number;
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string | number>;
  body?: Buffer | string;
  agent?: http.Agent;
  /** Keep the body (default true); false only counts bytes. */
  keepBody?: boolean;
  timeoutMs?: number;
}

export function request(url: string, opts: RequestOptions = {}): Promise<HttpResult> {
  const t0 = nowMs();
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { ...(opts.headers ?? {}) };
    if (opts.body !== undefined) headers['Content-Length'] = Buffer.byteLength(opts.body);
    const mod = url.startsWith('https:') ? https : http;
    const req = mod.request(url, { method: opts.method ?? 'GET', headers, agent: opts.agent }, (res) => {
      const headersMs = nowMs() - t0;
      let firstByteMs = Number.NaN;
      const parts: Buffer[] = [];
      let bytes = 0;
      let chunks = 0;
      const keep = opts.keepBody !== false;
      res.on('data', (c: Buffer) => {
        if (chunks === 0) firstByteMs = nowMs() - t0;
        chunks++;
        bytes += c.length;
        if (keep) parts.push(c);
      });
      res.on('end', () => {
        const endMs = nowMs() - t0;
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: keep ? Buffer.concat(parts) : Buffer.alloc(0),
          bytes,
          chunks,
          headersMs,
          firstByteMs: Number.isNaN(firstByteMs) ? endMs : firstByteMs,
          endMs,
        });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (opts.timeoutMs) req.setTimeout(opts.timeoutMs, () => req.destroy(new Error(`request to ${url} timed out after ${opts.timeoutMs} ms`)));
    req.end(opts.body);
  });
}

/** request() that throws unless the status is `want`. */
export async function expectStatus(want: number, url: string, opts: RequestOptions = {}): Promise<HttpResult> {
  const r = await request(url, opts);
  if (r.status !== want) {
    throw new Error(`${opts.method ?? 'GET'} ${url}: want HTTP ${want}, got ${r.status}: ${r.body.toString('utf8').slice(0, 500)}`);
  }
  return r;
}

export async function getJSON<T>(url: string, opts: RequestOptions = {}): Promise<T> {
  const r = await expectStatus(200, url, opts);
  return JSON.parse(r.body.toString('utf8')) as T;
}

/** A keep-alive agent with exactly `concurrency` sockets; an HTTPS one (CA, optional client certificate) with `tls`. */
export function keepAliveAgent(concurrency: number, tls?: { ca: Buffer; cert?: Buffer; key?: Buffer }): http.Agent {
  const o = { keepAlive: true, maxSockets: concurrency, maxFreeSockets: concurrency };
  return tls ? new https.Agent({ ...o, ...tls }) : new http.Agent(o);
}

export interface LoadResult {
  n: number;
  concurrency: number;
  elapsedMs: number;
  /** Operations per second. */
  throughput: number;
  latencies: number[];
}

/**
 * Closed-loop load: `concurrency` workers take indices 0..n-1 in order and run `op(i)`; per-op latency is from
 * the start of op to its resolution. The first failure stops every worker and is rethrown.
 */
export async function closedLoop(n: number, concurrency: number, op: (i: number) => Promise<void>): Promise<LoadResult> {
  const latencies: number[] = new Array<number>(n);
  let next = 0;
  let failed: unknown;
  const t0 = nowMs();
  const worker = async () => {
    while (failed === undefined) {
      const i = next++;
      if (i >= n) return;
      const s = nowMs();
      try {
        await op(i);
      } catch (e) {
        failed ??= e;
        return;
      }
      latencies[i] = nowMs() - s;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
  if (failed !== undefined) throw failed;
  const elapsedMs = nowMs() - t0;
  return { n, concurrency, elapsedMs, throughput: (n * 1000) / elapsedMs, latencies };
}
