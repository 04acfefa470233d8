/**
 * The network checks probes and lifecycle hooks make (kubelet pkg/probe/http, pkg/probe/tcp): an HTTP GET that
 * counts 200-399 as success, and a TCP connect. Both bounded by a timeout and never throwing.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';

export interface CheckResult {
  ok: boolean;
  /** Failure reason or a short body excerpt. */
  output: string;
}

export interface HttpGetOptions {
  host: string;
  port: number;
  path?: string;
  scheme?: 'HTTP' | 'HTTPS';
  headers?: { name: string; value: string }[];
  timeoutMs: number;
  signal?: AbortSignal;
}

function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

export function httpGetCheck(o: HttpGetOptions): Promise<CheckResult> {
  const scheme = o.scheme === 'HTTPS' ? 'https' : 'http';
  let p = o.path ?? '/';
  if (!p.startsWith('/')) p = `/${p}`;
  const url = `${scheme}://${hostForUrl(o.host)}:${o.port}${p}`;
  const headers: Record<string, string> = { 'User-Agent': 'kube-probe/1.32', Accept: '*/*' };
  for (const h of o.headers ?? []) headers[h.name] = h.value;
  return new Promise((resolve) => {
    let done = false;
    const finish = (r: CheckResult) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(r);
    };
    const mod = scheme === 'https' ? https : http;
    const req = mod.get(url, { headers, agent: false, ...(scheme === 'https' ? { rejectUnauthorized: false } : {}) }, (res) => {
      const code = res.statusCode ?? 0;
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        if (body.length < 1024) body += d;
      });
      res.on('end', () => {
        if (code >= 200 && code < 400) finish({ ok: true, output: body.slice(0, 1024) });
        else finish({ ok: false, output: `HTTP probe failed with statuscode: ${code}` });
      });
      res.on('error', (err) => finish({ ok: false, output: `Get "${url}": ${err.message}` }));
    });
    const timer = setTimeout(() => {
      req.destroy();
      finish({ ok: false, output: `Get "${url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)` });
    }, o.timeoutMs);
    req.on('error', (err) => finish({ ok: false, output: `Get "${url}": ${err.message}` }));
    o.signal?.addEventListener('abort', () => {
      req.destroy();
      finish({ ok: false, output: `Get "${url}": context canceled` });
    }, { once: true });
  });
}

export function tcpCheck(host: string, port: number, timeoutMs: number): Promise<CheckResult> {
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    const timer = setTimeout(() => {
      sock.destroy();
      resolve({ ok: false, output: `dial tcp ${hostForUrl(host)}:${port}: i/o timeout` });
    }, timeoutMs);
    sock.once('connect', () => {
      clearTimeout(timer);
      sock.destroy();
      resolve({ ok: true, output: '' });
    });
    sock.once('error', (err) => {
      clearTimeout(timer);
      resolve({ ok: false, output: `dial tcp ${hostForUrl(host)}:${port}: ${err.message}` });
    });
  });
}
