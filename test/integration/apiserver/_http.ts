/**
 * Small helpers shared by the apiserver acceptance suites: raw HTTP requests that never throw on a status,
 * polling with a deadline, pod manifests, and a line reader for chunked watch streams.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';

export interface Resp {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed body, or undefined when it is not JSON. */
  json: any;
}

/** One request with fetch; a body that is not a string or Buffer is sent as JSON. */
export async function call(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Resp> {
  let payload: string | Buffer | undefined;
  if (body === undefined) payload = undefined;
  else if (typeof body === 'string' || Buffer.isBuffer(body)) payload = body;
  else payload = JSON.stringify(body);
  const res = await fetch(base + path, {
    method,
    body: payload,
    headers: { ...(payload !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** A client bound to one server. */
export function client(base: string) {
  return {
    get: (path: string, headers?: Record<string, string>) => call(base, 'GET', path, undefined, headers),
    post: (path: string, body: unknown, headers?: Record<string, string>) => call(base, 'POST', path, body, headers),
    put: (path: string, body: unknown, headers?: Record<string, string>) => call(base, 'PUT', path, body, headers),
    patch: (path: string, body: unknown, contentType = 'application/merge-patch+json') =>
      call(base, 'PATCH', path, body, { 'content-type': contentType }),
    del: (path: string, body?: unknown) => call(base, 'DELETE', path, body),
    call: (method: string, path: string, body?: unknown, headers?: Record<string, string>) => call(base, method, path, body, headers),
  };
}

/** Polls `fn` until it returns a truthy value; fails with `what` after `timeoutMs`. */
export async function until<T>(what: string, fn: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs = 10_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** A minimal valid pod manifest without kind/apiVersion (as client-node sends it). */
export function pod(name: string, opts: { labels?: Record<string, string>; finalizers?: string[]; nodeName?: string; image?: string } = {}): Record<string, unknown> {
  const metadata: Record<string, unknown> = { name };
  if (opts.labels) metadata.labels = opts.labels;
  if (opts.finalizers) metadata.finalizers = opts.finalizers;
  const spec: Record<string, unknown> = { containers: [{ name: 'c', image: opts.image ?? 'busybox' }] };
  if (opts.nodeName) spec.nodeName = opts.nodeName;
  return { metadata, spec };
}

/** Names of a list's items, sorted. */
export function names(list: { items: { metadata: { name: string } }[] }): string[] {
  return list.items.map((i) => i.metadata.name).sort();
}

/**
 * A streaming GET read line by line (chunked watch). `headers` resolves as soon as the response head arrives;
 * `next(timeoutMs)` yields the next line (undefined when the stream ended); `close()` aborts.
 */
export interface LineStream {
  status: number;
  headers: IncomingMessage['headers'];
  /** Milliseconds from the request to the response head. */
  headMs: number;
  next(timeoutMs?: number): Promise<string | undefined>;
  /** Resolves when the server ended the stream. */
  ended: Promise<void>;
  close(): void;
}

export function openStream(base: string, path: string, headers: Record<string, string> = {}): Promise<LineStream> {
  const url = new URL(base + path);
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, path: url.pathname + url.search, method: 'GET', headers, agent: false }, (res) => {
      const headMs = Date.now() - started;
      const lines: string[] = [];
      const waiters: (() => void)[] = [];
      let buf = '';
      let done = false;
      let endResolve!: () => void;
      const ended = new Promise<void>((r) => (endResolve = r));
      const wake = () => {
        for (const w of waiters.splice(0)) w();
      };
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        let i;
        while ((i = buf.indexOf('\n')) >= 0) {
          lines.push(buf.slice(0, i));
          buf = buf.slice(i + 1);
        }
        wake();
      });
      const finish = () => {
        if (done) return;
        done = true;
        if (buf.length) lines.push(buf);
        buf = '';
        endResolve();
        wake();
      };
      res.on('end', finish);
      res.on('close', finish);
      res.on('error', finish);
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        headMs,
        ended,
        async next(timeoutMs = 10_000) {
          const deadline = Date.now() + timeoutMs;
          while (lines.length === 0 && !done) {
            const left = deadline - Date.now();
            if (left <= 0) throw new Error(`no line within ${timeoutMs} ms on ${path}`);
            await new Promise<void>((r) => {
              const t = setTimeout(r, left);
              waiters.push(() => {
                clearTimeout(t);
                r();
              });
            });
          }
          return lines.shift();
        },
        close() {
          req.destroy();
          res.destroy();
        },
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** Reads watch events (parsed lines) until `pred` holds for the collected list; returns them. */
export async function readEvents(
  s: LineStream,
  pred: (events: WatchEvent[]) => boolean,
  timeoutMs = 10_000,
): Promise<WatchEvent[]> {
  const out: WatchEvent[] = [];
  const deadline = Date.now() + timeoutMs;
  while (!pred(out)) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`watch: condition not met within ${timeoutMs} ms; got ${JSON.stringify(out.map(brief))}`);
    let line: string | undefined;
    try {
      line = await s.next(left);
    } catch {
      throw new Error(`watch: condition not met within ${timeoutMs} ms; got ${JSON.stringify(out.map(brief))}`);
    }
    if (line === undefined) throw new Error(`watch ended before the condition held; got ${JSON.stringify(out.map(brief))}`);
    out.push(JSON.parse(line) as WatchEvent);
  }
  return out;
}

export interface WatchEvent {
  type: string;
  object: any;
}

export function brief(e: WatchEvent): string {
  return `${e.type} ${e.object?.metadata?.name ?? e.object?.kind ?? ''}@${e.object?.metadata?.resourceVersion ?? ''}`;
}

/** Resolves with p, or rejects with `what` after ms (the timer never outlives the race). */
export async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
